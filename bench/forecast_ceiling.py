"""The least WAPE any forecast can expect on a generated scenario, beside a backtest's models.

Usage::

    .venv/bin/python bench/forecast_backtest.py DIR --cutoffs 8 --horizon 1 --work W \
        --models last_value,mean7,snaive7,auto
    .venv/bin/python bench/forecast_ceiling.py DIR --work W [--topology FILE.graphml]

`cdn generate` draws each day's views around known means (``GeneratedScenario.expected_views``: negative
binomial counts, times the region's lognormal noise of the day). The script rebuilds the scenario from
``DIR/generated.json`` (``--topology``: the GraphML file it was generated on, if any), checks that its draws are
the demand the backtest scored, and scores two forecasts that know the generator on the backtest's target days:
the expected views (the point of least squared error) and each cell's median (the negative binomial's: the point
of least absolute error, so the least WAPE a forecast can expect, up to the day's noise of the region). Every
(region, title) with views or a positive mean is a cell. It prints their WAPE beside the saved models' (horizon
1), each over the best of the three naive baselines. Not for the ``trending`` profile, whose counts are censored.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from cdn import columns as C
from cdn.generate import generate_scenario
from forecasting.backtest import BacktestResult

NAIVE = ("last_value", "mean7", "snaive7")


def generator_cells(scenario_dir: Path, dates: list[pd.Timestamp], topology: Path | None) -> pd.DataFrame:
    """``date, region, title_id, y, expected, median`` of every cell with views or a positive mean on ``dates``."""
    args = json.loads((scenario_dir / "generated.json").read_text())
    scenario = generate_scenario(args["sites"], args["titles"], args["days"], args["seed"], start=args["start"],
                                 topology=topology, warm=args["warm"], profile=args.get("profile", "vod"))
    demand = scenario.demand()
    frames = []
    titles, regions = scenario.catalog[C.TITLE].to_numpy(), np.asarray(scenario.regions)
    for date in dates:
        mean, shape = scenario.expected_views(date)
        r, t = np.nonzero(mean > 0)
        frames.append(pd.DataFrame({C.DATE: date, C.REGION: regions[r], C.TITLE: titles[t], "expected": mean[r, t],
                                    "median": stats.nbinom.median(shape, shape / (shape + mean[r, t]))}))
    drawn = demand[demand[C.DATE].isin(dates)].rename(columns={C.VIEWS: "y"})
    return pd.concat(frames).merge(drawn, on=[C.DATE, C.REGION, C.TITLE], how="outer").fillna(0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--work", type=Path, required=True, help="forecast_backtest.py's --work directory")
    parser.add_argument("--topology", type=Path, help="the GraphML file the scenario was generated on")
    args = parser.parse_args()
    saved = sorted(args.work.glob(f"{args.scenario.name}-h1-*.pkl"))
    if not saved:
        sys.exit(f"no horizon-1 backtest of {args.scenario.name} in {args.work}: run bench/forecast_backtest.py first")
    results: list[BacktestResult] = [pickle.loads(p.read_bytes()) for p in saved]
    cells = pd.concat([r.cells for r in results], ignore_index=True)
    actual = cells.drop_duplicates([C.DATE, C.REGION, C.TITLE])[[C.DATE, C.REGION, C.TITLE, "y"]].fillna(0.0)
    days = sorted(actual[C.DATE].unique())
    oracle = generator_cells(args.scenario, days, args.topology)
    both = actual[actual["y"] > 0].merge(oracle, on=[C.DATE, C.REGION, C.TITLE], how="outer", suffixes=("", "_drawn"))
    if not np.array_equal(both["y"].fillna(0.0).to_numpy(), both["y_drawn"].fillna(0.0).to_numpy()):
        sys.exit(f"the scenario rebuilt from {args.scenario / 'generated.json'} draws other views than the backtest "
                 "scored (was it generated on a topology? give --topology)")
    total = float(oracle["y"].sum())
    wape = {name: float(np.abs(g["y"].fillna(0.0) - g["yhat"].fillna(0.0)).sum()) / total
            for name, g in cells.groupby("model")}
    wape |= {f"generator's {col}": float(np.abs(oracle["y"] - oracle[col]).sum()) / total
             for col in ("expected", "median")}
    best = min((n for n in NAIVE if n in wape), key=wape.__getitem__, default=None)
    print(f"Scenario `{args.scenario}`, {len(days)} target days {pd.Timestamp(days[0]):%Y-%m-%d} .. "
          f"{pd.Timestamp(days[-1]):%Y-%m-%d}, {total:,.0f} views.\n")
    print(f"| forecast | WAPE | over {best or 'the best naive'} |\n|---|---|---|")
    for name, value in sorted(wape.items(), key=lambda kv: kv[1]):
        print(f"| {name} | {value:.4f} | {value / wape[best] if best else float('nan'):.3f} |")


if __name__ == "__main__":
    main()
