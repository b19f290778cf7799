"""Benchmark: what the split backtest expects of pins, its caches started warm (the product) or empty.

For each plan date, :func:`cdn.caches.choose_split` runs with one cache policy; the bench prints the GB
that share 0 (a reactive cache of the whole disk) and the chosen splits write on the backtest's scored
days, summed over the edges, with the caches started warm (``run_cache(warm=...)``, as the product does)
and empty (the same call with the warm start taken out, patched here). A backtest that expects far fewer
writes from pins than a whole replay measures is biased towards pins.

Usage: ``python bench/split_warm_start.py --data DIR --dates 2024-01-22,2024-01-29 [--policy lru]``
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from cdn import caches
from cdn.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--dates", required=True, help="comma-separated plan dates")
    parser.add_argument("--policy", default="lru")
    args = parser.parse_args()
    scenario = load_scenario(args.data)
    warm_run = caches.run_cache

    def empty_run(*a: Any, **k: Any) -> Any:
        return warm_run(*a, **{**k, "warm": None})

    print("| date | caches | share 0 writes GB | chosen split writes GB | chosen / share 0 - 1 |")
    print("|---|---|---|---|---|")
    for day in args.dates.split(","):
        for start, run in (("warm", warm_run), ("empty", empty_run)):
            caches.run_cache = run  # type: ignore[assignment]
            table = caches.choose_split(scenario, pd.Timestamp(day), policies=(args.policy,))[3]
            caches.run_cache = warm_run  # type: ignore[assignment]
            zero = float(table.loc[table["pinned_share"] == 0, "fill_gb"].sum())
            chosen = float(table.loc[table["chosen"], "fill_gb"].sum())
            print(f"| {day} | {start} | {zero:,.0f} | {chosen:,.0f} | {chosen / zero - 1:+.1%} |")


if __name__ == "__main__":
    main()
