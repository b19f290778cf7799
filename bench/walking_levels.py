"""Write a scenario of a few long, smooth series whose level walks: the shape where the last value is hard to beat.

Each series' log views are a random walk (``--walk``, the standard deviation of a day's step; a drift of
-0.0005 a day) plus its own weekly cycle (a sine of amplitude 5%, a random phase) plus independent noise
(``--noise``). With noise small beside the walk, as in the daily views of long-lived music videos, the last
value is the best naive baseline and the best exponential smoothing weighs the last day by 0.75 (a walk of
0.03 under noise of 0.02). One region and one edge, a catalog of 5 GB titles; the generator's ``longlived``
profile has a smooth trend under independent noise instead, where the mean of 7 days wins.

Usage::

    PYTHONPATH=. .venv/bin/python bench/walking_levels.py /tmp/walk0 --seed 0 [--series 6 --days 3300
        --walk 0.03 --noise 0.02]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.scenario import DEFAULT_SETTINGS, write_tables

START = "2016-01-01"


def walking_views(n_series: int, days: int, walk: float, noise: float, seed: int) -> np.ndarray:
    """Daily views (n_series, days) of random-walk levels with a weekly cycle and noise, on log scale."""
    rng = np.random.default_rng(seed)
    level = np.cumsum(rng.normal(-0.0005, walk, (n_series, days)), axis=1)
    level += np.log(rng.uniform(1e4, 1e6, (n_series, 1)))
    weekly = 1 + 0.05 * np.sin(2 * np.pi * (np.arange(days) % 7) / 7 + rng.uniform(0, 6, (n_series, 1)))
    return np.round(np.exp(level + rng.normal(0, noise, (n_series, days))) * weekly)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--series", type=int, default=6)
    parser.add_argument("--days", type=int, default=3300)
    parser.add_argument("--walk", type=float, default=0.03)
    parser.add_argument("--noise", type=float, default=0.02)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=False)
    views = walking_views(args.series, args.days, args.walk, args.noise, args.seed)
    titles = [f"v{i}" for i in range(args.series)]
    dates = pd.date_range(START, periods=args.days).strftime("%Y-%m-%d")
    demand = pd.DataFrame({C.DATE: np.tile(dates, args.series), C.REGION: "en",
                           C.TITLE: np.repeat(titles, args.days), C.VIEWS: views.reshape(-1).astype(np.int64)})
    catalog = pd.DataFrame({C.TITLE: titles, "size_gb": 5.0, "gb_per_view": 0.001, "release_date": START,
                            "language": "en", "genre": "music"})
    sites = pd.DataFrame({"site_id": ["ORIGIN", "EN"], "tier": ["origin", "edge"], "region": ["", "en"],
                          "disk_gb": [np.nan, 12.0]})
    links = pd.DataFrame({"src": ["EN"], "dst": ["ORIGIN"], "capacity_gbps": [10.0], "cost": [1.0],
                          "kind": ["peering"]})
    write_tables(args.out, catalog, sites, links, dict(DEFAULT_SETTINGS),
                 ("generated.json", {"generator": "bench/walking_levels.py", **vars(args), "out": str(args.out)}))
    demand.to_csv(args.out / "demand.csv", index=False, lineterminator="\n")
    print(json.dumps({"out": str(args.out), "rows": len(demand)}))


if __name__ == "__main__":
    main()
