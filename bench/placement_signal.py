"""Where a chain's default plan loses to greedy's: the value signal or the solver.

For each night D of a :mod:`bench.placement_chain` output (``--chain OUT``), both solvers plan D from the
same holdings (the default chain's, ``OUT/highs/<D-1>/``) with two value signals: ``forecast``, the
night's forecast (``--forecasts DIR/<D>.parquet``, as the chain planned it) through the default value
signal, and ``actual``, a forecast whose ``yhat`` is the actual views of D .. D+6 with history weight 0
(what the replay's oracle plans from: a perfect forecast). Each plan's edge byte hit ratio is measured on
the actual demand of day D (the contract's measure) and pooled over D .. D+6 (the horizon the plan values).
If the default beats greedy with the actual signal but not with the forecast, the loss comes from the
signal, not from the solver.

Usage::

    nice .venv/bin/python bench/placement_signal.py --data DIR --chain OUT --forecasts FC --from D --nights N \
        --json bench/out/signal.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from placement_chain import write_summary

from cdn import columns as C
from cdn.defaults import PLAN_GAP, PLAN_TIME_LIMIT
from cdn.planning import HORIZON_DAYS, held_before, plan_night
from cdn.replay import actual_as_forecast
from cdn.scenario import DATE_FORMAT, Scenario, load_scenario

SOLVERS = ("highs", "greedy")


def days_of(scenario: Scenario, date: pd.Timestamp, days: int) -> pd.DataFrame:
    """The demand rows of ``date .. date + days - 1``."""
    demand = scenario.demand
    return demand[(demand[C.DATE] >= date) & (demand[C.DATE] < date + pd.Timedelta(days=days))]


def realised(scenario: Scenario, holdings: pd.DataFrame, date: pd.Timestamp, days: int) -> tuple[float, float]:
    """(bytes served by each region's own edge, all bytes) of the actual demand of ``date .. date + days - 1``."""
    rows = days_of(scenario, date, days)
    per_view = scenario.catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.GB_PER_VIEW]
    gb = rows[C.VIEWS].to_numpy(dtype=float) * rows[C.TITLE].map(per_view).to_numpy(dtype=float)
    edges = scenario.sites[scenario.sites[C.TIER] == C.EDGE]
    home = dict(zip(edges[C.REGION].astype(str), edges[C.SITE].astype(str), strict=True))
    held = set(zip(holdings[C.SITE].astype(str), holdings[C.TITLE].astype(str), strict=True))
    hit = [(home.get(r), t) in held for r, t in zip(rows[C.REGION].astype(str), rows[C.TITLE].astype(str),
                                                      strict=True)]
    return float(gb[hit].sum()), float(gb.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--chain", type=Path, required=True, help="a placement_chain.py --out directory")
    parser.add_argument("--forecasts", type=Path, required=True, help="its --forecasts directory")
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--nights", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    scenario = load_scenario(args.data)
    totals: dict[str, list[float]] = {}
    nights = []
    for date in pd.date_range(args.start, periods=args.nights, freq="D"):
        day = f"{date:{DATE_FORMAT}}"
        held = held_before(scenario, args.chain / "highs", date)
        signals = {"forecast": (pd.read_parquet(args.forecasts / f"{day}.parquet"), {}),
                   "actual": (actual_as_forecast(days_of(scenario, date, HORIZON_DAYS)), {"history_weight": 0.0})}
        row: dict[str, Any] = {"date": day}
        for name, (frame, extra) in signals.items():
            for solver in SOLVERS:
                result = plan_night(scenario, date, frame, held=held, solver=solver, time_limit=PLAN_TIME_LIMIT,
                                    gap=PLAN_GAP, **extra)
                one = realised(scenario, result.holdings, date, 1)
                week = realised(scenario, result.holdings, date, HORIZON_DAYS)
                key = f"{name}/{solver}"
                row[key] = {"hit_day": one[0] / one[1] if one[1] else None,
                            "hit_week": week[0] / week[1] if week[1] else None,
                            "objective": result.objective, "status": result.status}
                t = totals.setdefault(key, [0.0, 0.0, 0.0, 0.0])
                t[0], t[1], t[2], t[3] = t[0] + one[0], t[1] + one[1], t[2] + week[0], t[3] + week[1]
        nights.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    summary = {"data": str(args.data), "chain": str(args.chain), "from": args.start, "nights": args.nights,
               "pooled": {k: {"hit_day": t[0] / t[1] if t[1] else None, "hit_week": t[2] / t[3] if t[3] else None}
                          for k, t in totals.items()},
               "per_night": nights}
    write_summary(summary, args.json)


if __name__ == "__main__":
    main()
