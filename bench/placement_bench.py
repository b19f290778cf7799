"""Placement benchmark: build/solve time, gap to the bound, MILP against greedy (objective, simulated hit ratio).

For each scenario the plan is for its last day D, from an ``ewma`` forecast made with demand before D and
what the scenario's ``placement.csv`` holds; both plans are then routed over D's actual demand with the
simulator. Generated scenarios (``--generate 10x1000``) are written by ``cdn generate`` into a temporary
directory with seed 1.

Usage::

    .venv/bin/python bench/placement_bench.py data/demo --generate 10x1000 50x5000 200x20000 \
        --time-limit 600 --gap 0.01 --json bench/out/placement.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

import forecasting
from cdn import columns as C
from cdn.generate import generate_scenario, write_scenario
from cdn.planning import expected_gb, held_before
from cdn.scenario import load_scenario
from cdn.simulate import simulate_day
from placement import PlacementProblem, compile_problem, solve


def bench_one(path: Path, name: str, time_limit: float, gap: float, model: str) -> dict:
    """Plan the scenario's last day with greedy and HiGHS; simulate both on the actual demand."""
    scenario = load_scenario(path)
    day = scenario.last_date
    began = time.perf_counter()
    frame = forecasting.forecast(scenario.history(day), as_of=day, horizon=1, model=model, catalog=scenario.catalog)
    forecast_s = time.perf_counter() - began
    problem = PlacementProblem(
        sites=scenario.sites, catalog=scenario.catalog[[C.TITLE, C.SIZE_GB]],
        demand_gb=expected_gb(scenario, frame, day), graph=scenario.graph,
        held=held_before(scenario, tempfile.gettempdir(), day), fill_budget_gb=scenario.fill_budget_gb(),
        peak_hour_share=float(scenario.settings["peak_hour_share"]))
    began = time.perf_counter()
    compiled = compile_problem(problem)
    build_s = time.perf_counter() - began
    actual = scenario.day(day)
    row: dict = {"scenario": name, "sites": len(scenario.sites), "titles": len(scenario.catalog),
                 "date": f"{day:%Y-%m-%d}", "held_pairs": int(compiled.held.sum()),
                 "forecast_seconds": round(forecast_s, 2), "compile_seconds": round(build_s, 2)}
    for solver in ("greedy", "highs"):
        result = solve(problem, solver=solver, time_limit=time_limit if solver != "greedy" else None, gap=gap)
        sim = simulate_day(scenario, result.holdings, actual, fill_gb=result.fill_gb).summary
        row[solver] = {
            "status": result.status, "method": result.method, "seconds": round(result.seconds, 2),
            "objective": result.objective, "bound": result.bound, "gap": result.gap,
            "expected_hit_ratio": result.expected_edge_byte_hit_ratio,
            "simulated_hit_ratio": sim["edge_byte_hit_ratio"], "backbone_gb": sim["backbone_gb"],
            "peak_link_utilisation": sim["peak_link_utilisation"], "fill_gb": result.fill_gb,
            "reason": result.reason,
            **{k: result.details[k] for k in ("model_binaries", "model_continuous", "model_constraints",
                                              "full_model_options", "fractional_binaries", "pricing",
                                              "restricted_model_options", "lagrangian_iterations",
                                              "descent_passes", "lagrangian_seconds")
               if k in result.details},
        }
        print(json.dumps({"scenario": name, "solver": solver, **row[solver]}, default=str), flush=True)
    return row


def markdown(rows: list[dict]) -> str:
    """One table line per scenario."""
    head = ("| scenario | sites x titles | held pairs | greedy s | MILP s | MILP method | MILP status | gap to bound "
            "| objective MILP / greedy | hit ratio sim. greedy | hit ratio sim. MILP | backbone GB greedy | "
            "backbone GB MILP |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        g, m = r["greedy"], r["highs"]
        gap = "n/a" if m["gap"] is None else f"{m['gap']:.2%}"
        lines.append(f"| {r['scenario']} | {r['sites']} x {r['titles']} | {r['held_pairs']} | {g['seconds']:.1f} | "
                     f"{m['seconds']:.1f} | {m['method']} | {m['status']} | {gap} | "
                     f"{m['objective'] / g['objective']:.4f} | {g['simulated_hit_ratio']:.4f} | "
                     f"{m['simulated_hit_ratio']:.4f} | {g['backbone_gb']:.0f} | {m['backbone_gb']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", type=Path)
    parser.add_argument("--generate", nargs="*", default=[], help="SITESxTITLES scenarios to generate (seed 1)")
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--gap", type=float, default=0.01)
    parser.add_argument("--model", default="ewma")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        todo = [(p, str(p)) for p in args.scenarios]
        for spec in args.generate:
            sites, titles = (int(v) for v in spec.split("x"))
            out = Path(tmp) / spec
            write_scenario(generate_scenario(sites=sites, titles=titles, days=args.days, seed=1), out, fmt="parquet")
            todo.append((out, f"generated {spec}"))
        for path, name in todo:
            rows.append(bench_one(path, name, args.time_limit, args.gap, args.model))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2, default=str))
    print(markdown(rows))


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    main()
