"""Benchmark the forecast models with rolling-origin backtests on a scenario.

Usage::

    .venv/bin/python bench/forecast_backtest.py data/demo --cutoffs 8 --horizon 1 --work /tmp/fc-bench \
        [--models snaive7,ewma,prophet,auto]

Each model's backtest is saved under ``--work`` (so a model can be re-run alone); the script then prints
a Markdown table of every saved model of the scenario: WAPE, MASE, bias, coverage, hit-ratio regret, median
seconds per forecast and series per second, and how much lower ``auto``'s WAPE is than Prophet's and the
best baseline's.
"""

from __future__ import annotations

import argparse
import pickle
import platform
import subprocess
import time
from pathlib import Path

import pandas as pd

from cdn import columns as C
from cdn.forecast import edge_greedy_placement
from cdn.scenario import load_scenario
from forecasting.backtest import BacktestResult, backtest, last_cutoffs

BASELINES = ("last_value", "mean7", "snaive7")


def machine() -> str:
    """CPU model and core count."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    cores = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    return f"{cores} cores, {model}"


def run(scenario_dir: str, models: list[str], cutoffs: int, horizon: int, work: Path) -> None:
    """Backtest each model and pickle its result under ``work``."""
    scenario = load_scenario(scenario_dir)
    cut = last_cutoffs(scenario.demand, cutoffs, horizon)
    gpv = scenario.catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.GB_PER_VIEW]
    place = edge_greedy_placement(scenario)
    for name in models:
        began = time.perf_counter()
        result = backtest(scenario.demand, cut, horizon, [name], catalog=scenario.catalog, placement=place,
                          gb_per_view=gpv, progress=print)
        print(f"{name}: {time.perf_counter() - began:.0f}s", flush=True)
        (work / f"{Path(scenario_dir).name}-h{horizon}-{name}.pkl").write_bytes(pickle.dumps(result))


def summary(scenario_dir: str, horizon: int, work: Path) -> str:
    """Markdown table of every saved model of the scenario."""
    results = [pickle.loads(p.read_bytes()) for p in sorted(work.glob(f"{Path(scenario_dir).name}-h{horizon}-*.pkl"))]
    merged = BacktestResult(pd.concat([r.cells for r in results]), results[0].scale,
                            pd.concat([r.timings for r in results]), pd.concat([r.regret for r in results]))
    table = merged.metrics()
    launch = merged.metrics(["launch"]).query("launch").set_index("model")["wape"]
    cutoffs = sorted(merged.cells["cutoff"].unique())
    lines = [f"Scenario `{scenario_dir}`, {len(cutoffs)} daily cutoffs {pd.Timestamp(cutoffs[0]):%Y-%m-%d} .. "
             f"{pd.Timestamp(cutoffs[-1]):%Y-%m-%d}, horizon {horizon}; {int(table['series'].median())} series "
             "forecast per cutoff.", "",
             "| model | WAPE | WAPE launches | MASE | bias | 80% coverage | hit ratio | regret | wall s / forecast "
             "| CPU s / forecast | series / wall s |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    if "cpu_seconds" not in table.columns:
        table["cpu_seconds"] = float("nan")
    for row in table.itertuples():
        lines.append(f"| {row.model} | {row.wape:.4f} | {launch.get(row.model, float('nan')):.4f} | {row.mase:.4f} "
                     f"| {row.bias:+.4f} | {row.coverage:.3f} | {row.hit_ratio:.4f} | {row.regret:.4f} "
                     f"| {row.seconds:.1f} | {row.cpu_seconds:.1f} | {row.series_per_second:,.0f} |")
    wape = table.set_index("model")["wape"]
    if "auto" in wape:
        notes = []
        for other in [m for m in ("prophet", *BASELINES) if m in wape]:
            notes.append(f"auto vs {other}: WAPE {wape['auto']:.4f} vs {wape[other]:.4f} "
                         f"({(wape[other] - wape['auto']) / wape[other]:+.1%} lower)")
        lines += ["", "; ".join(notes) + "."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario")
    parser.add_argument("--cutoffs", type=int, default=8)
    parser.add_argument("--horizon", type=int, default=1)
    parser.add_argument("--models", default="snaive7,ewma,prophet,auto")
    parser.add_argument("--work", type=Path, default=Path("/tmp/edgefill-forecast-bench"))
    parser.add_argument("--summary-only", action="store_true")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.summary_only:
        run(args.scenario, [m for m in args.models.split(",") if m], args.cutoffs, args.horizon, args.work)
    print(f"Machine: {machine()}.")
    print(summary(args.scenario, args.horizon, args.work))


if __name__ == "__main__":
    main()
