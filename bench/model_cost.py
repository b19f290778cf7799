"""CPU cost of one call of each model's point forecast on a scenario's panel.

Usage::

    PYTHONPATH=. .venv/bin/python bench/model_cost.py SCENARIO --as-of 2024-03-01 --models lightgbm,ets

Builds the panel of the series with views in the 28 days before ``--as-of`` (as ``cdn forecast`` does) and
prints, per model, the process CPU seconds and wall seconds of one horizon-1 point forecast of every series
(a registered model's ``predict`` makes 1 + its calibration origins such calls), after one warm-up call
that imports the libraries.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from cdn.scenario import load_scenario
from forecasting.boosted import lightgbm_point
from forecasting.intervals import PointFn
from forecasting.models import last_value_point, mean7_point, snaive7_point
from forecasting.panel import build_panel
from forecasting.statistical import POINTS

ALL: dict[str, PointFn] = {"last_value": last_value_point, "mean7": mean7_point, "snaive7": snaive7_point,
                           **POINTS, "lightgbm": lightgbm_point}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario")
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--horizon", type=int, default=1)
    parser.add_argument("--models", default=",".join(ALL))
    args = parser.parse_args()
    demand = load_scenario(args.scenario).demand
    panel = build_panel(demand, pd.Timestamp(args.as_of))
    print(f"{args.scenario}: {len(panel.keys):,} series x {panel.n_days} days")
    for name in args.models.split(","):
        point = ALL[name]
        point(panel.values[:20], panel.first_seen[:20], args.horizon)  # imports
        cpu, wall = time.process_time(), time.perf_counter()
        point(panel.values, panel.first_seen, args.horizon)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"{name}: {cpu:.2f} CPU s, {wall:.2f} wall s, {cpu / len(panel.keys) * 1e3:.3f} CPU ms per series")


if __name__ == "__main__":
    main()
