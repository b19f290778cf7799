"""Run the placement, simulation and forecast benchmarks on one scenario with modest defaults (``make bench``).

Usage::

    .venv/bin/python bench/run_all.py [--data data/demo] [--out bench/out] [--only placement,caches,...]
        [--nights 3] [--cutoffs 2] [--models snaive7,ewma,auto] [--time-limit 120] [--dry-run]

Each benchmark is one of the scripts beside this file, run in turn as its own process with the same
Python; its output goes to the console and to ``OUT/<name>.log``, and the files it writes go under
``OUT`` (``placement.json``, ``replay/``, ``forecast/``). A table of exit status, wall time and log file
closes the run; the exit status is 1 when any benchmark failed. ``--dry-run`` prints the commands only.

Benchmarks (``--only`` takes these names; default all but ``generate``):

* ``placement``: ``placement_bench.py`` on the scenario (greedy and HiGHS for its last day);
* ``simulate``: ``simulate_speed.py``, flow simulation speed on a synthetic 200 x 20,000 day;
* ``caches``: ``simulate_caches.py``, reactive cache replay speed over the scenario's last nights;
* ``replay``: ``simulate_replay.py``, proactive and oracle plans against caches over the last nights;
* ``forecast``: ``forecast_backtest.py``, rolling-origin backtests of the forecast models;
* ``generate``: ``generate_scale.py``, ``cdn generate`` at 200 x 20,000 x 60 days (minutes; opt-in).

The figures in BENCHMARKS.md come from longer runs (more nights, cutoffs and scenarios); each section
there names its exact command.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
ALL = ("placement", "simulate", "caches", "replay", "forecast", "generate")
DEFAULT = ("placement", "simulate", "caches", "replay", "forecast")


def last_date(data: Path) -> pd.Timestamp:
    """The scenario's last day of demand (the scenario is loaded and validated)."""
    from cdn.scenario import load_scenario

    return load_scenario(data).last_date


def commands(args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    """(name, argv) of each selected benchmark, in order."""
    out, data = args.out, str(args.data)
    last = last_date(args.data)
    first = last - pd.Timedelta(days=args.nights - 1)
    py = [sys.executable]
    table = {
        "placement": [*py, str(BENCH / "placement_bench.py"), data, "--time-limit", str(args.time_limit),
                      "--gap", str(args.gap), "--json", str(out / "placement.json")],
        "simulate": [*py, str(BENCH / "simulate_speed.py"), "--repeat", "3"],
        "caches": [*py, str(BENCH / "simulate_caches.py"), "--data", data, "--from", f"{first:%Y-%m-%d}",
                   "--days", str(args.nights)],
        "replay": [*py, str(BENCH / "simulate_replay.py"), "--data", data, "--from", f"{first:%Y-%m-%d}",
                   "--to", f"{last:%Y-%m-%d}", "--model", "ewma", "--solver", args.replay_solver,
                   "--time-limit", str(args.time_limit), "--out", str(out / "replay")],
        "forecast": [*py, str(BENCH / "forecast_backtest.py"), data, "--cutoffs", str(args.cutoffs),
                     "--models", args.models, "--work", str(out / "forecast")],
        "generate": [*py, str(BENCH / "generate_scale.py"), "--repeats", "1"],
    }
    return [(name, table[name]) for name in args.only]


def run(name: str, argv: list[str], log: Path) -> tuple[int, float]:
    """Run one benchmark, echoing its output and writing it to ``log``; return exit status and seconds."""
    began = time.perf_counter()
    with log.open("w") as sink:
        sink.write(" ".join(argv) + "\n")
        sink.flush()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            sink.write(line)
        code = proc.wait()
    return code, time.perf_counter() - began


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO / "data" / "demo", help="scenario directory (default: "
                        "the repository's data/demo)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out", help="results directory (default: the "
                        "repository's bench/out)")
    parser.add_argument("--only", default=",".join(DEFAULT),
                        help=f"comma-separated benchmarks of {', '.join(ALL)} (default: all but generate)")
    parser.add_argument("--nights", type=int, default=3, help="last nights of the scenario for caches and replay")
    parser.add_argument("--cutoffs", type=int, default=2, help="backtest cutoffs of the forecast benchmark")
    parser.add_argument("--models", default="snaive7,ewma,auto", help="forecast models to backtest (prophet: slow)")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per placement solve")
    parser.add_argument("--gap", type=float, default=0.01, help="relative gap of the placement benchmark")
    parser.add_argument("--replay-solver", default="greedy", help="placement solver of the replay benchmark")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    args.only = [name for name in args.only.split(",") if name]
    unknown = sorted(set(args.only) - set(ALL))
    if unknown or not args.only:
        parser.error(f"--only: unknown benchmark(s) {', '.join(unknown) or '(none given)'}; valid: {', '.join(ALL)}")
    if args.nights < 1 or args.cutoffs < 1:
        parser.error("--nights and --cutoffs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    todo = commands(args)
    if args.dry_run:
        for name, cmd in todo:
            print(f"{name}: {' '.join(cmd)}")
        print(f"(dry run; results would go to {args.out}/)")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for name, cmd in todo:
        print(f"== {name}: {' '.join(cmd)}", flush=True)
        code, seconds = run(name, cmd, args.out / f"{name}.log")
        results.append((name, code, seconds))
        print(f"== {name}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {seconds:.0f} s", flush=True)
    print(f"\nresults in {args.out}/ (one <name>.log per benchmark; placement.json, replay/, forecast/)")
    print("| benchmark | status | wall s | log |\n|---|---|---|---|")
    for name, code, seconds in results:
        print(f"| {name} | {'ok' if code == 0 else f'exit {code}'} | {seconds:.0f} | {args.out / f'{name}.log'} |")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
