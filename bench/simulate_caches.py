"""Benchmark: reactive cache replay speed (requests per second per policy) on a scenario's real demand.

Usage: ``python bench/simulate_caches.py --data data/demo --from 2024-04-16 --days 3 [--seed 0]``
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd

from cdn.caches import DEFAULT_POLICIES, replay_caches
from cdn.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/demo")
    parser.add_argument("--from", dest="start", default="2024-04-16")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scenario = load_scenario(args.data)
    start = pd.Timestamp(args.start)
    end = start + pd.Timedelta(days=args.days - 1)
    for policy in DEFAULT_POLICIES:
        began = time.perf_counter()
        out = replay_caches(scenario, scenario.demand, start, end, [policy], warmup_days=0, seed=args.seed).rows
        seconds = time.perf_counter() - began
        requests = int(out["requests"].sum())
        print(json.dumps({"data": args.data, "policy": policy, "days": args.days, "requests": requests,
                          "seconds": round(seconds, 2), "requests_per_second": round(requests / seconds),
                          "edge_byte_hit_ratio": round(float(out["hit_gb"].sum() / out["demand_gb"].sum()), 4)}))


if __name__ == "__main__":
    main()
