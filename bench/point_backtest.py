"""Rolling-origin backtest of point forecasts (PointFns) on a scenario, without intervals: fast, for
comparing model variants (e.g. LightGBM objectives) before a full ``bench/forecast_backtest.py`` run.

Usage::

    PYTHONPATH=. .venv/bin/python bench/point_backtest.py SCENARIO --cutoffs 8 \
        --models mean7,lightgbm:l1,lightgbm:poisson,croston_sba

At each of the last ``--cutoffs`` days the panel of the series with views in the 28 days before it is built
(as ``cdn forecast`` does) and each model forecasts it one day ahead; the table pools over the cutoffs the
WAPE (sum |y - yhat| / sum y) and the bias (sum (yhat - y) / sum y) of those series, and gives each model's
median CPU seconds per call. ``lightgbm:OBJECTIVE`` is the global LightGBM model with the region feature and
that objective.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from cdn.scenario import load_scenario
from forecasting import columns as C
from forecasting.backtest import last_cutoffs
from forecasting.boosted import boosted_point
from forecasting.intervals import PointFn
from forecasting.models import last_value_point, mean7_point, snaive7_point
from forecasting.panel import Panel, build_panel
from forecasting.statistical import POINTS

FIXED: dict[str, PointFn] = {"last_value": last_value_point, "mean7": mean7_point, "snaive7": snaive7_point,
                             **POINTS}


def point_of(name: str, panel: Panel) -> PointFn:
    """The PointFn called ``name`` for ``panel`` (``lightgbm:OBJECTIVE`` gets the panel's regions)."""
    if name.startswith("lightgbm"):
        objective = name.partition(":")[2] or "l1"
        return boosted_point(panel.keys[C.REGION].to_numpy(), objective)
    return FIXED[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario")
    parser.add_argument("--cutoffs", type=int, default=8)
    parser.add_argument("--models", default="last_value,mean7,snaive7,lightgbm:l1")
    args = parser.parse_args()
    demand = load_scenario(args.scenario).demand
    names = args.models.split(",")
    err = {n: [0.0, 0.0, 0.0] for n in names}  # abs error, signed error, actual
    cpu: dict[str, list[float]] = {n: [] for n in names}
    n_series = []
    for cutoff in last_cutoffs(demand, args.cutoffs, 1):
        panel = build_panel(demand, cutoff)
        day = demand[demand[C.DATE] == cutoff].groupby([C.REGION, C.TITLE])[C.VIEWS].sum()
        actual = day.reindex(pd.MultiIndex.from_frame(panel.keys), fill_value=0.0).to_numpy()
        n_series.append(len(actual))
        for name in names:
            began = time.process_time()
            yhat = np.clip(point_of(name, panel)(panel.values, panel.first_seen, 1)[:, 0], 0.0, None)
            cpu[name].append(time.process_time() - began)
            err[name][0] += float(np.abs(yhat - actual).sum())
            err[name][1] += float((yhat - actual).sum())
            err[name][2] += float(actual.sum())
        print(f"{cutoff:%Y-%m-%d}: {len(actual):,} series", flush=True)
    print(f"\n`{args.scenario}`, {args.cutoffs} cutoffs, horizon 1, median {int(np.median(n_series)):,} series\n")
    print("| model | WAPE | bias | CPU s / call | CPU ms / series |\n|---|---|---|---|---|")
    for name in names:
        a, s, y = err[name]
        c = float(np.median(cpu[name]))
        print(f"| {name} | {a / y:.4f} | {s / y:+.4f} | {c:.2f} | {c / np.median(n_series) * 1e3:.3f} |")


if __name__ == "__main__":
    main()
