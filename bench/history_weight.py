"""Chained default plans at several history weights against the naive chain, scored by the reference scorer.

Each weight plans ``--nights`` nights from ``--from`` with :func:`cdn.planning.make_plan` (``auto`` forecasts of
7 days, made once per night and shared by every weight; HiGHS; objective ``hit``), each in its own chain from
the scenario's starting holdings. The reference scorer writes its naive chain (``--write-naive-plan``) and
scores every chain night by night; the figure is the edge byte hit ratio pooled over the nights by bytes.

    python bench/history_weight.py --data data/movietweetings --from 2013-08-20 --nights 5 \\
        --weights 0.25,0.5,0.75,1.0 --scorer ../shared/reference/score_plan.py --out /tmp/hw
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from cdn import progress
from cdn.forecast import forecast_scenario
from cdn.planning import HORIZON_DAYS, make_plan
from cdn.scenario import load_scenario


def pooled_hit_ratio(scorer: str, data: str, root: Path, dates: list[pd.Timestamp]) -> float:
    """Edge byte hit ratio of the plans under ``root``, pooled over ``dates`` by the reference scorer."""
    hit = demand = 0.0
    for day in dates:
        done = subprocess.run([sys.executable, scorer, data, str(root), f"{day:%Y-%m-%d}"], capture_output=True,
                              text=True, check=False)
        score = json.loads(done.stdout)
        hit += score["edge_byte_hit_ratio"] * score["demand_gb"]
        demand += score["demand_gb"]
    return hit / demand if demand else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--from", dest="first", required=True)
    parser.add_argument("--nights", type=int, default=5)
    parser.add_argument("--weights", default="0.25,0.5,0.75,1.0")
    parser.add_argument("--scorer", required=True, help="the reference score_plan.py")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    progress.set_verbosity(progress.QUIET)
    scenario = load_scenario(args.data)
    dates = list(pd.date_range(args.first, periods=args.nights))
    forecasts = {day: forecast_scenario(scenario, day, horizon=HORIZON_DAYS, model="auto") for day in dates}
    naive = args.out / "naive"
    subprocess.run([sys.executable, args.scorer, args.data, "--write-naive-plan", str(naive),
                    f"{dates[0]:%Y-%m-%d}..{dates[-1]:%Y-%m-%d}"], capture_output=True, check=True)
    print(json.dumps({"data": args.data, "plans": "naive chain",
                      "edge_byte_hit_ratio": round(pooled_hit_ratio(args.scorer, args.data, naive, dates), 4)}))
    for weight in (float(w) for w in args.weights.split(",")):
        root = args.out / f"weight-{weight}"
        for day in dates:
            make_plan(scenario, day, forecasts[day], root, history_weight=weight)
        print(json.dumps({"data": args.data, "plans": f"history_weight {weight}",
                          "edge_byte_hit_ratio": round(pooled_hit_ratio(args.scorer, args.data, root, dates), 4)}),
              flush=True)


if __name__ == "__main__":
    main()
