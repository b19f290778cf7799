"""Benchmark: multi-day replay, proactive and hybrid plans against reactive caches and oracle plans (markdown).

Runs :func:`cdn.replay.replay` (or reads a finished replay with ``--summary DIR``) and prints one markdown
row per strategy: pooled edge byte hit ratio, peak-hour backbone Gbps (cache admissions included),
backbone TB, GB written to disks, upstream TB off-peak (nightly fill) and on demand, churn TB.

Usage: ``python bench/simulate_replay.py --data data/demo --from 2024-04-16 --to 2024-04-29 --model ewma
--solver greedy --out /tmp/replay`` or ``python bench/simulate_replay.py --summary /tmp/replay``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cdn.defaults import REPLAY_TIME_LIMIT


def table(summary: dict) -> str:
    """Markdown table of a replay summary."""
    lines = ["| strategy | edge byte hit ratio | peak backbone Gbps | backbone TB | disk writes TB "
             "| upstream off-peak TB | upstream on demand TB | churn TB |", "|---|---|---|---|---|---|---|---|"]
    for name, s in summary["strategies"].items():
        lines.append(f"| {name} | {s['edge_byte_hit_ratio']:.4f} | {s['peak_backbone_gbps']:,.1f} | "
                     f"{s['backbone_tb']:,.1f} | {s['fill_tb']:,.1f} | {s['offpeak_fill_gb'] / 1000:,.1f} | "
                     f"{s['on_demand_gb'] / 1000:,.1f} | {s['churn_gb'] / 1000:,.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", type=Path, help="read a finished replay directory instead of running one")
    parser.add_argument("--data", default="data/demo")
    parser.add_argument("--from", dest="start")
    parser.add_argument("--to", dest="end")
    parser.add_argument("--model", default="ewma")
    parser.add_argument("--solver", default="greedy")
    parser.add_argument("--time-limit", type=float, default=REPLAY_TIME_LIMIT,
                        help="seconds per placement solve (default: cdn replay's)")
    parser.add_argument("--warmup", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("/tmp/edgefill-replay"))
    args = parser.parse_args()
    if args.summary is None:
        from cdn.replay import replay
        from cdn.scenario import load_scenario

        began = time.perf_counter()
        replay(load_scenario(args.data), args.start, args.end, args.out, model=args.model, solver=args.solver,
               time_limit=args.time_limit, warmup_days=args.warmup)
        print(f"replay of {args.data} {args.start}..{args.end}: {time.perf_counter() - began:.0f} s")
        args.summary = args.out
    summary = json.loads((args.summary / "summary.json").read_text())
    print(f"{summary['from']}..{summary['to']} ({summary['days']} nights), model {summary['model']}, "
          f"solver {summary['solver']}")
    print(table(summary))


if __name__ == "__main__":
    main()
