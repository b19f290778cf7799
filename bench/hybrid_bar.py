"""Benchmark: issue 11's bar on seven data sets, hybrid against the best online reactive cache (markdown).

Builds the seven scenarios of BENCHMARKS.md's hybrid rounds under ``WORK`` (once; kept for later runs), runs
``cdn replay`` on each over its 14 reported nights (``--jobs`` at a time, each its own process) and prints,
per set, the best online reactive policy (the highest pooled edge byte hit ratio among LRU, LFU, S3-FIFO and
SIEVE), the hybrid, their differences and whether the bar is met: hybrid hit ratio at least the policy's,
peak-hour backbone Gbps and GB written to disks both lower.

- ``movietweetings``: data/movietweetings (bundled), nights 2013-08-19..09-01;
- ``demo``: data/demo (bundled), 2024-04-16..29;
- ``trending``: ``cdn generate --profile trending --sites 12 --titles 1500 --days 42 --seed 3``, 2024-01-29..02-11;
- ``sparse``: ``cdn generate --profile sparse --sites 12 --titles 1500 --days 42 --seed 3``, 2024-01-29..02-11;
- ``vod``: ``cdn generate --sites 10 --titles 1000 --days 60 --seed 1``, 2024-02-16..29;
- ``dfn``: ``cdn convert-movietweetings`` of the bundled ratings on the Topology Zoo's DFN network
  (``Dfn.graphml`` under ``--topology-zoo``; not used in development), 2013-08-19..09-01;
- ``geant``: the same ratings on GEANT 2012 with 20 edges, 40 views a rating, titles with 10 ratings or more and
  region skew 1 (docs/data.md's sparser MovieTweetings scenario; not used in the hybrid's development),
  2013-08-19..09-01.

Usage::

    python bench/hybrid_bar.py --work /tmp/bar [--sets trending,sparse] [--tag d] [--jobs 2]
        [--code DIR] [--table-only] -- [cdn replay options, e.g. --model ewma --solver greedy]

Replays go to ``WORK/<set>_<tag>/`` (``--table-only`` reads them without running); ``--code DIR`` runs the
code of another checkout (its ``cdn`` package on ``PYTHONPATH``, from that directory). Each replay's wall
time, user CPU time and peak RSS are read from ``/usr/bin/time -v`` when it is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cdn.caches import ONLINE_POLICIES

REPO = Path(__file__).resolve().parent.parent
GENERATED = {
    "trending": ["--profile", "trending", "--sites", "12", "--titles", "1500", "--days", "42", "--seed", "3"],
    "sparse": ["--profile", "sparse", "--sites", "12", "--titles", "1500", "--days", "42", "--seed", "3"],
    "vod": ["--sites", "10", "--titles", "1000", "--days", "60", "--seed", "1"],
}
CONVERTED = {  # MovieTweetings on other Topology Zoo networks: real demand not used in the hybrid's development
    "dfn": ["--topology", "Dfn.graphml", "--edges", "12"],
    "geant": ["--topology", "Geant2012.graphml", "--edges", "20", "--views-per-rating", "40", "--min-ratings", "10",
              "--region-skew", "1.0"],
}
NIGHTS = {"movietweetings": ("2013-08-19", "2013-09-01"), "demo": ("2024-04-16", "2024-04-29"),
          "trending": ("2024-01-29", "2024-02-11"), "sparse": ("2024-01-29", "2024-02-11"),
          "vod": ("2024-02-16", "2024-02-29"), "dfn": ("2013-08-19", "2013-09-01"),
          "geant": ("2013-08-19", "2013-09-01")}


def scenario(name: str, work: Path, zoo: Path) -> Path:
    """Directory of set ``name``'s scenario, built under ``work`` on first use."""
    if name in ("movietweetings", "demo"):
        return REPO / "data" / name
    target = work / "data" / name
    if (target / "sites.csv").is_file():
        return target
    cdn = [sys.executable, "-m", "cdn"]
    if name in GENERATED:
        argv = [*cdn, "generate", *GENERATED[name], "--out", str(target)]
    else:
        raw = REPO / "data" / "raw" / "movietweetings"
        options = [str(zoo / o) if o.endswith(".graphml") else o for o in CONVERTED[name]]
        argv = [*cdn, "convert-movietweetings", "--ratings", str(raw / "ratings.dat"), "--movies",
                str(raw / "movies.dat"), *options, "--out", str(target)]
    subprocess.run(argv, check=True, cwd=REPO, capture_output=True)
    return target


def run(name: str, data: Path, out: Path, code: Path, extra: list[str]) -> dict[str, float]:
    """Run one ``cdn replay`` (replacing ``out``); its wall seconds and, with GNU time, CPU and RSS."""
    start, end = NIGHTS[name]
    argv = [sys.executable, "-m", "cdn", "replay", "--data", str(data.resolve()), "--from", start, "--to", end,
            "--out", str(out), "--overwrite", *extra]
    timer = shutil.which("time", path="/usr/bin:/bin")
    log = out.with_suffix(".log")
    began = time.perf_counter()
    with log.open("w") as stream:
        done = subprocess.run([timer, "-v", *argv] if timer else argv, cwd=code, stdout=stream, stderr=stream,
                              env={**os.environ, "PYTHONPATH": str(code)}, check=False)
    figures = {"wall_s": time.perf_counter() - began, "rc": float(done.returncode)}
    for line in log.read_text().splitlines():
        if "User time (seconds)" in line:
            figures["user_s"] = float(line.split(":")[-1])
        elif "Maximum resident set size" in line:
            figures["rss_gb"] = float(line.split(":")[-1]) / 1e6
    return figures


def row(name: str, out: Path) -> str:
    """Markdown row of the bar for one finished replay."""
    strategies = json.loads((out / "summary.json").read_text())["strategies"]
    best = max((p for p in ONLINE_POLICIES if p in strategies), key=lambda p: strategies[p]["edge_byte_hit_ratio"])
    b, h = strategies[best], strategies["hybrid"]
    hit = h["edge_byte_hit_ratio"] - b["edge_byte_hit_ratio"]
    peak = h["peak_backbone_gbps"] / b["peak_backbone_gbps"] - 1
    writes = h["fill_gb"] / b["fill_gb"] - 1
    met = hit >= 0 and peak < 0 and writes < 0

    def cell(s: dict) -> str:
        return f"{s['edge_byte_hit_ratio']:.6f} / {s['peak_backbone_gbps']:,.2f} / {s['fill_tb']:,.2f}"

    return (f"| {name} | {best} {cell(b)} | {cell(h)} | {hit:+.6f} | {peak:+.1%} | {writes:+.1%} | "
            f"{'yes' if met else 'NO'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--sets", default=",".join(NIGHTS))
    parser.add_argument("--tag", default="d")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--code", type=Path, default=REPO)
    parser.add_argument("--topology-zoo", type=Path, default=REPO.parent / "shared" / "data" / "topology-zoo-graphml")
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("replay_args", nargs="*", help="options passed on to cdn replay (after --)")
    args = parser.parse_args()
    names = args.sets.split(",")
    unknown = [n for n in names if n not in NIGHTS]
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}; valid sets: {', '.join(NIGHTS)}")
    args.work.mkdir(parents=True, exist_ok=True)
    outs = {n: (args.work / f"{n}_{args.tag}").resolve() for n in names}
    if not args.table_only:
        data = {n: scenario(n, args.work, args.topology_zoo) for n in names}
        with ThreadPoolExecutor(args.jobs) as pool:
            runs = dict(zip(names, pool.map(lambda n: run(n, data[n], outs[n], args.code.resolve(),
                                                          args.replay_args), names), strict=True))
        for n, figures in runs.items():
            print(f"{n}: " + ", ".join(f"{k} {v:,.2f}" for k, v in figures.items()), file=sys.stderr)
    print("| data | best online reactive: hit / peak Gbps / TB written | hybrid | hit ratio, hybrid - best "
          "| peak Gbps | TB written | met |")
    print("|---|---|---|---|---|---|---|")
    for n in names:
        print(row(n, outs[n]) if (outs[n] / "summary.json").is_file() else f"| {n} | no replay in {outs[n]} |")


if __name__ == "__main__":
    main()
