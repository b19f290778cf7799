"""Chained nightly plans scored by the reference scorer: default plans against greedy, naive and the oracle.

For each night D of ``--from .. --from + nights - 1`` the scenario is forecast once (``auto``, horizon 7,
demand before D) and planned by every solver of ``--solvers`` through :func:`cdn.planning.make_plan` with
the defaults of ``cdn plan`` (objective ``hit``, its gap, 480 s), each solver in its own plan chain
(``OUT/<solver>/<D>/``, each night starting from its own previous plan). The independent scorer
(``--scorer``, the project's reference ``score_plan.py``) writes its own naive plan chain
(``--write-naive-plan``: last 7 days' bytes per GB, same disks, fill budgets and starting holdings) and
scores every chain on each night's actual demand: edge byte hit ratio (pooled by bytes), backbone GB,
and its one-set-per-day oracle.

The idle-disk check counts (night, edge) pairs where an edge ends the night under 95% full while a title
demanded in its region in the last 28 days is left out that fits both its free disk and its remaining
fill budget.

Usage::

    nice .venv/bin/python bench/placement_chain.py --data data/movietweetings --from 2013-08-01 --nights 14 \
        --out /tmp/chain-mt --scorer ../shared/reference/score_plan.py --json bench/out/chain-mt.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from cdn import columns as C
from cdn.defaults import PLAN_GAP, PLAN_TIME_LIMIT
from cdn.forecast import forecast_scenario
from cdn.planning import HORIZON_DAYS, PLAN_FILE, make_plan
from cdn.scenario import DATE_FORMAT, Scenario, load_scenario


def write_summary(summary: dict[str, Any], path: Path | None) -> None:
    """Print ``summary`` as indented JSON and, with ``path``, write it there too."""
    text = json.dumps(summary, indent=2)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    print(text)


def score(scorer: Path, data: Path, root: Path, date: str) -> dict[str, Any]:
    """The reference scorer's JSON for one night of one plan chain."""
    done = subprocess.run([sys.executable, str(scorer), str(data), str(root), date], capture_output=True, text=True,
                          check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"scorer failed on {root} {date}: {done.stdout}{done.stderr}")
    return json.loads(done.stdout)


def idle_edges(scenario: Scenario, root: Path, date: pd.Timestamp) -> int:
    """Edges under 95% full that leave out a title of their region's last 28 days fitting disk and fill budget."""
    plan = pd.read_csv(root / f"{date:{DATE_FORMAT}}" / PLAN_FILE, dtype=str, keep_default_na=False)
    size = scenario.catalog.set_index(C.TITLE)[C.SIZE_GB].astype(float)
    budget = scenario.fill_budget_gb()
    demand = scenario.demand
    month = demand[(demand[C.DATE] < date) & (demand[C.DATE] >= date - pd.Timedelta(days=28))]
    count = 0
    for _, site in scenario.sites[scenario.sites[C.TIER] == C.EDGE].iterrows():
        rows = plan[plan[C.SITE] == site[C.SITE]]
        held = set(rows.loc[rows[C.ACTION] != C.EVICT, C.TITLE])
        free = float(site[C.DISK_GB]) - float(size.reindex(list(held)).sum())
        room = float(budget.get(site[C.SITE], float("inf"))) - float(
            size.reindex(list(rows.loc[rows[C.ACTION] == C.ADD, C.TITLE])).sum())
        if free >= 0.05 * float(site[C.DISK_GB]) and room > 0:
            wanted = set(month.loc[(month[C.REGION] == site[C.REGION]) & (month[C.VIEWS] > 0), C.TITLE]) - held
            count += any(size[t] <= min(free, room) for t in wanted)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--nights", type=int, default=14)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--scorer", type=Path, required=True, help="path of the reference score_plan.py")
    parser.add_argument("--solvers", default="highs,greedy,naive")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--forecasts", type=Path,
                        help="directory of each night's forecast (<D>.parquet): read when there, else made and "
                             "written, so a later run (another solver, a changed planner) plans from the same "
                             "forecasts")
    parser.add_argument("--resume", action="store_true",
                        help="keep a chain's plans already in OUT/<solver>/<D>/ instead of planning them again")
    args = parser.parse_args()
    scenario = load_scenario(args.data)
    solvers = args.solvers.split(",")
    dates = list(pd.date_range(args.start, periods=args.nights, freq="D"))
    seconds: dict[str, float] = {s: 0.0 for s in ["forecast", *solvers]}
    for date in dates:
        frame = None
        cached = None if args.forecasts is None else args.forecasts / f"{date:{DATE_FORMAT}}.parquet"
        for solver in solvers:
            if args.resume and (args.out / solver / f"{date:{DATE_FORMAT}}" / PLAN_FILE).is_file():
                continue
            if frame is None and solver != "naive":
                began = time.perf_counter()
                if cached is not None and cached.is_file():
                    frame = pd.read_parquet(cached)
                else:
                    frame = forecast_scenario(scenario, date, horizon=HORIZON_DAYS)
                    if cached is not None:
                        cached.parent.mkdir(parents=True, exist_ok=True)
                        frame.to_parquet(cached, index=False)
                seconds["forecast"] += time.perf_counter() - began
            began = time.perf_counter()
            plan = make_plan(scenario, date, None if solver == "naive" else frame, args.out / solver, solver=solver,
                             time_limit=PLAN_TIME_LIMIT, gap=PLAN_GAP)
            seconds[solver] += time.perf_counter() - began
            print(f"{date:{DATE_FORMAT}} {solver}: {plan.status}, gap {plan.gap}, {plan.seconds:.1f}s",
                  file=sys.stderr, flush=True)
    span = f"{dates[0]:{DATE_FORMAT}}..{dates[-1]:{DATE_FORMAT}}"
    subprocess.run([sys.executable, str(args.scorer), str(args.data), "--write-naive-plan",
                    str(args.out / "reference"), span], check=True, capture_output=True)
    chains = [*solvers, "reference"]
    zero = {"hit_gb": 0.0, "demand_gb": 0.0, "backbone_gb": 0.0, "fill_gb": 0.0, "idle_edge_nights": 0.0,
            "infeasible_nights": 0.0}
    totals: dict[str, dict[str, float]] = {c: dict(zero) for c in chains}
    oracle_hit_gb = 0.0
    nights = []
    for date in dates:
        day = f"{date:{DATE_FORMAT}}"
        row: dict[str, Any] = {"date": day}
        for chain in chains:
            result = score(args.scorer, args.data, args.out / chain, day)
            demand = float(result["demand_gb"])
            hit = float(result["edge_byte_hit_ratio"] or 0.0) * demand
            t = totals[chain]
            t["hit_gb"] += hit
            t["demand_gb"] += demand
            t["backbone_gb"] += float(result["backbone"]["backbone_gb"])
            t["fill_gb"] += float(result["plan_totals"]["fill_gb"])
            t["infeasible_nights"] += int(not result["feasible"])
            t["idle_edge_nights"] += idle_edges(scenario, args.out / chain, date)
            row[chain] = {"hit": result["edge_byte_hit_ratio"], "backbone_gb": result["backbone"]["backbone_gb"]}
            if chain == chains[0]:
                oracle_hit_gb += float(result["oracle_edge_byte_hit_ratio"] or 0.0) * demand
        nights.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    summary = {
        "data": str(args.data), "from": f"{dates[0]:{DATE_FORMAT}}", "nights": len(dates),
        "chains": {c: {"edge_byte_hit_ratio": t["hit_gb"] / t["demand_gb"] if t["demand_gb"] else None,
                       "backbone_gb": round(t["backbone_gb"], 1), "fill_gb": round(t["fill_gb"], 1),
                       "idle_edge_nights": t["idle_edge_nights"], "infeasible_nights": t["infeasible_nights"]}
                   for c, t in totals.items()},
        "oracle_edge_byte_hit_ratio": oracle_hit_gb / totals[chains[0]]["demand_gb"],
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "per_night": nights,
    }
    write_summary(summary, args.json)


if __name__ == "__main__":
    main()
