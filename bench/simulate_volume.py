"""Benchmark: reactive and hybrid cache replay at real view counts, and the error of the request budget.

``--views N`` scales one day of a scenario to N views in total (same shares per region and title) and
times the default reactive policies (LRU, LFU, S3-FIFO, SIEVE, Belady, two levels) plus a hybrid replay (half of
each edge pinned with the previous day's best titles, SIEVE in the rest), routing included; it prints the
wall time and the peak resident memory of the process.

``--error`` replays the same days with one request per view (``budget=None``) and with request budgets,
and prints the pooled edge byte hit ratio and disk writes of each policy under each budget.

Usage: ``python bench/simulate_volume.py --data /tmp/gen --date 2024-02-20 --views 100000000`` and
``python bench/simulate_volume.py --data data/demo --date 2024-04-20 --days 2 --scale 10 --error``
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.caches import (
    DEFAULT_POLICIES,
    REQUEST_BUDGET,
    _daily_pins,
    replay_caches,
    replay_hybrid,
)
from cdn.replay import cache_rows
from cdn.scenario import load_scenario, title_index


def pins_from(scenario, demand: pd.DataFrame, share: float) -> pd.DataFrame:
    """Each edge's pinned titles: the previous day's best by GB per GB of disk within ``share`` of its disk."""
    catalog = scenario.catalog
    index = title_index(catalog)
    sizes = catalog[C.SIZE_GB].to_numpy(float)
    gpv = catalog[C.GB_PER_VIEW].to_numpy(float)
    sites = scenario.sites.set_index(C.SITE)
    rows = []
    for region, site in scenario.region_site().items():
        mine = demand[demand[C.REGION] == region]
        gb = np.zeros(len(catalog))
        idx = mine[C.TITLE].map(index).to_numpy(np.int64)
        np.add.at(gb, idx, mine[C.VIEWS].to_numpy(float) * gpv[idx])
        pins = _daily_pins(gb, sizes, share * float(sites.loc[site, C.DISK_GB]), np.inf, np.zeros(len(catalog), bool))
        rows += [(site, catalog[C.TITLE].iloc[j]) for j in np.flatnonzero(pins)]
    return pd.DataFrame(rows, columns=[C.SITE, C.TITLE])


def volume(args: argparse.Namespace) -> None:
    began = time.perf_counter()
    scenario = load_scenario(args.data)
    day = pd.Timestamp(args.date)
    demand = scenario.day(day)
    demand = demand.assign(**{C.VIEWS: demand[C.VIEWS] * (args.views / demand[C.VIEWS].sum())})
    pins = pins_from(scenario, scenario.day(day - pd.Timedelta(days=1)), 0.5)
    loaded = time.perf_counter()
    reactive = replay_caches(scenario, demand, day, day, DEFAULT_POLICIES, warmup_days=0)
    hybrid = replay_hybrid(scenario, demand, day, day, [pins], {s: 0.5 for s in pins[C.SITE].unique()},
                           warmup_days=0)
    rows = cache_rows(scenario, reactive, [day]) + cache_rows(scenario, hybrid, [day])
    done = time.perf_counter()
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"{args.data} {args.date}: {demand[C.VIEWS].sum():,.0f} views over {demand[C.REGION].nunique()} regions, "
          f"{len(demand):,} (region, title) rows, budget {REQUEST_BUDGET:,} requests per edge and day")
    print(f"requests per policy: {int(reactive.rows.groupby('strategy')['requests'].sum().iloc[0]):,}")
    print(f"replay ({len(DEFAULT_POLICIES)} reactive policies x 2 levels + hybrid, routing included): "
          f"{done - loaded:.1f} s; "
          f"loading {loaded - began:.1f} s; peak RSS {rss_gb:.2f} GB")
    for row in rows:
        print(f"  {row['strategy']:>8}: hit ratio {row['edge_byte_hit_ratio']:.4f}, disk writes "
              f"{row['fill_gb']:,.0f} GB, peak backbone {row['peak_backbone_gbps']:,.1f} Gbps")


def error(args: argparse.Namespace) -> None:
    scenario = load_scenario(args.data)
    start = pd.Timestamp(args.date)
    end = start + pd.Timedelta(days=args.days - 1)
    demand = scenario.demand[(scenario.demand[C.DATE] >= start) & (scenario.demand[C.DATE] <= end)]
    demand = demand.assign(**{C.VIEWS: demand[C.VIEWS] * args.scale})
    budgets: list[int | None] = [None, *args.budgets]
    print(f"{args.data} {args.date} + {args.days - 1} days, views x {args.scale}: {demand[C.VIEWS].sum():,.0f} views")
    print("| policy | budget | requests | edge byte hit ratio | disk writes GB | hit ratio error | writes error |")
    print("|---|---|---|---|---|---|---|")
    exact: dict[str, tuple[float, float]] = {}
    for budget in budgets:
        t = time.perf_counter()
        out = replay_caches(scenario, demand, start, end, args.policies, warmup_days=0, budget=budget).rows
        seconds = time.perf_counter() - t
        for policy, group in out.groupby("strategy", sort=False):
            hit = group["hit_gb"].sum() / group["demand_gb"].sum()
            writes = group["fill_gb"].sum()
            exact.setdefault(str(policy), (hit, writes))
            h0, w0 = exact[str(policy)]
            label = budget if budget else "none (1 view = 1 request)"
            print(f"| {policy} | {label} | {int(group['requests'].sum()):,} "
                  f"| {hit:.4f} | {writes:,.0f} | {hit - h0:+.4f} | {(writes - w0) / w0:+.2%} |")
        print(f"(budget {budget}: {seconds:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--date", required=True)
    parser.add_argument("--views", type=float, default=1e8)
    parser.add_argument("--error", action="store_true")
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--budgets", type=int, nargs="*", default=[REQUEST_BUDGET, 10_000, 2_000])
    parser.add_argument("--policies", nargs="*", default=["lru", "s3fifo", "sieve"])
    args = parser.parse_args()
    (error if args.error else volume)(args)


if __name__ == "__main__":
    main()
