"""Benchmark: re-run the hybrid edges of a finished ``cdn replay`` from its own plans and splits.

A replay's nightly forecasts and plans take nearly all its time; its hybrid cache part takes seconds.
This reads a replay directory's hybrid plans (``plans/hybrid/<D>/`` and ``warmup/hybrid/<D>/``: placement
and summary.json) and its ``summary.json`` (each night's split, pins, cache policies, admission rule,
seed, request budget), replays the hybrid edges with the current cache code exactly as :func:`cdn.replay.replay`
does, swaps the hybrid rows of its ``days.csv`` for the new ones and prints the markdown table of
bench/simulate_replay.py. When only the cache code changed since the replay ran (not the forecasts, the
plans or the split), the result is what the same ``cdn replay`` command gives with the current code;
``--check`` asserts that the replay's own hybrid rows come out unchanged (run it on a replay made with the
current code).

Usage: ``python bench/hybrid_again.py --data data/demo --replay /tmp/replay [--out DAYS.csv] [--check]
[--no-storage-caches] [--storage-admission launch|shared|all]
[--launch-window N] [--reactive-edges lru|lfu|s3fifo|sieve]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from simulate_replay import table

from cdn import caches
from cdn import columns as C
from cdn.caches import STORAGE_ADMISSIONS, replay_hybrid
from cdn.replay import _Night, cache_rows, summarise
from cdn.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--replay", required=True, type=Path)
    parser.add_argument("--out", type=Path, help="write the new days.csv here")
    parser.add_argument("--check", action="store_true", help="assert the replay's hybrid rows are reproduced")
    parser.add_argument("--no-storage-caches", action="store_true",
                        help="storage sites hold their plan only (replay_hybrid(storage_caches=False))")
    parser.add_argument("--storage-admission", choices=STORAGE_ADMISSIONS, default=STORAGE_ADMISSIONS[0],
                        help="admission rule of the storage caches (replay_hybrid(storage_admission=...))")
    parser.add_argument("--launch-window", type=int, default=caches.LAUNCH_WINDOW_DAYS,
                        help="days without a request after which a miss counts as a launch (LAUNCH_WINDOW_DAYS)")
    parser.add_argument("--reactive-edges", choices=sorted(set(caches.POLICIES) - caches.OFFLINE),
                        help="pin nothing on edges (share 0, this cache policy everywhere); storage plans kept")
    parser.add_argument("--policy", choices=sorted(set(caches.POLICIES) - caches.OFFLINE),
                        help="this cache policy on every hybrid edge (the replay's splits and plans kept)")
    args = parser.parse_args()
    caches.LAUNCH_WINDOW_DAYS = args.launch_window
    scenario = load_scenario(args.data)
    summary = json.loads((args.replay / "summary.json").read_text())
    split = summary["hybrid"]
    nights = sorted(split["pinned_share"])
    first, last = pd.Timestamp(summary["from"]), pd.Timestamp(summary["to"])
    holdings, plans = [], {}
    for night in nights:
        where = args.replay / ("plans" if pd.Timestamp(night) >= first else "warmup") / "hybrid" / night
        placement = pd.read_csv(where / "placement.csv", dtype={C.SITE: str, C.TITLE: str})
        held = placement.loc[placement["action"] != "evict", [C.SITE, C.TITLE]].reset_index(drop=True)
        plan = json.loads((where / "summary.json").read_text())
        edges = sorted(split["pinned_share"][night])
        if args.reactive_edges:
            held = held[~held[C.SITE].isin(edges)].reset_index(drop=True)
        holdings.append(held)
        plans[pd.Timestamp(night)] = _Night(held, float(plan["fill_gb"]), float(plan["evict_gb"]))
    shares = {e: [0.0 if args.reactive_edges else split["pinned_share"][n][e] for n in nights] for e in edges}
    result = replay_hybrid(scenario, scenario.demand, first, last, holdings, shares,
                           policy=args.reactive_edges or args.policy or split["cache"],
                           pins={e: [split["pins"][n][e] for n in nights] for e in edges},
                           admission=split["admission"], warmup_days=int(summary["warmup_days"]),
                           seed=int(summary["seed"]), budget=summary["request_budget"],
                           storage_caches=not args.no_storage_caches, storage_admission=args.storage_admission)
    dates = list(pd.date_range(first, last, freq="D"))
    if args.reactive_edges:  # the nights fill the storage sites only: their planned GB, as cache_rows counts it
        planned = result.fills.groupby(C.DATE)["planned_gb"].sum()
        plans = {d: _Night(n.holdings, float(planned.get(d, 0.0)), n.evict_gb) for d, n in plans.items()}
    days = pd.read_csv(args.replay / "days.csv", parse_dates=["date"])
    new = pd.DataFrame(cache_rows(scenario, result, dates, plans))
    new["date"] = pd.to_datetime(new["date"])
    if args.check:
        old = days[days["strategy"] == "hybrid"].reset_index(drop=True)
        for column in ("edge_byte_hit_ratio", "backbone_gb", "fill_gb", "peak_backbone_gbps", "on_demand_gb"):
            assert np.allclose(old[column], new[column][:len(old)], rtol=1e-6), column
        print("check: the replay's hybrid rows are reproduced")
    hybrid = days["strategy"] == "hybrid"
    days.loc[hybrid, new.columns] = new[list(new.columns)].to_numpy()
    if args.out:
        days.to_csv(args.out, index=False)
    print(table({"strategies": summarise(days)}))


if __name__ == "__main__":
    main()
