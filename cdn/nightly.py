"""The nightly job: forecast tomorrow, plan the fill, and measure what the plan is expected to do.

:func:`run_nightly` is what ``cdn nightly`` (and ``make run``) runs: a forecast made only from demand dated
before the plan date, a placement solved on it and written as the contract's plan directory, and a
simulation of the forecast demand on the network with the new holdings (the plan's expected hit ratio,
backbone GB and peak link load). When the scenario holds the plan date's actual demand (a backtest), the
plan is also simulated on it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cdn import columns as C
from cdn.scenario import DATE_FORMAT, Scenario, parse_date
from cdn.units import percent, ratio, traffic, volume


@dataclass(frozen=True)
class NightlyOutcome:
    """What one night produced.

    Attributes
    ----------
    date : Timestamp
        The plan date.
    plan_dir : Path
        ``OUT/<date>/`` holding ``placement.csv`` and ``summary.json``.
    summary : dict
        The plan's ``summary.json``.
    expected : dict
        Simulation of the forecast demand against the new holdings.
    actual : dict or None
        Simulation of the date's actual demand, when the scenario has it.
    seconds : dict
        Wall time of each step: ``forecast``, ``plan``, ``simulate``.
    """

    date: pd.Timestamp
    plan_dir: Path
    summary: dict[str, Any]
    expected: dict[str, Any]
    actual: dict[str, Any] | None
    seconds: dict[str, float]


def plan_date(scenario: Scenario, date: str | None) -> pd.Timestamp:
    """The date to plan: ``date`` when given, else the day after the scenario's last demand (tomorrow).

    Raises
    ------
    InputError
        ``date`` is not YYYY-MM-DD, or there is no demand before it.
    """
    if date is None:
        return scenario.last_date + pd.Timedelta(days=1)
    return scenario.check_history_date(parse_date(date), "--date")


def run_nightly(
    scenario: Scenario,
    date: pd.Timestamp,
    out_root: str | Path,
    *,
    model: str | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    churn_cost: float | None = None,
    scheduler: str | None = None,
    objective: str = "hit",
    mode: str = "proactive",
    pinned_share: float | None = None,
    seed: int = 0,
) -> NightlyOutcome:
    """Forecast ``date`` from the demand before it, plan the fill, write the plan and simulate it.

    Parameters
    ----------
    scenario : Scenario
        The loaded scenario.
    date : Timestamp
        The plan date D; only demand dated strictly before D is read.
    out_root : str or Path
        Plan root OUT; the plan goes to ``OUT/<D>/`` and the previous night's plan is read from it.
    model, scheduler, seed :
        Forecast model name (None: :func:`cdn.planning.forecast_model` of ``mode``), optional Dask scheduler
        address and seed (see :func:`forecasting.forecast`).
    solver, time_limit, gap, churn_cost, objective :
        Placement options (see :func:`cdn.planning.make_plan`); ``churn_cost`` None keeps the default.
    mode, pinned_share :
        How each edge's disk is split between the plan and a demand-driven cache
        (:func:`cdn.caches.edge_split`), recorded in ``summary.json``.

    Returns
    -------
    NightlyOutcome
    """
    from cdn.caches import edge_split
    from cdn.forecast import forecast_scenario
    from cdn.planning import check_objective, forecast_horizon, forecast_model, make_plan
    from cdn.progress import task
    from cdn.simulate import simulate_day
    from placement import DEFAULT_CHURN_COST, get_solver

    get_solver(solver)
    goal = check_objective(objective)
    seconds: dict[str, float] = {}
    shares, record = edge_split(scenario, date, mode, pinned_share)
    start = time.monotonic()
    frame = forecast_scenario(scenario, date, horizon=forecast_horizon(scenario), model=forecast_model(model, mode),
                              scheduler=scheduler, seed=seed)
    seconds["forecast"] = time.monotonic() - start

    start = time.monotonic()
    result = make_plan(scenario, date, frame, out_root, solver=solver, time_limit=time_limit, gap=gap,
                       churn_cost=DEFAULT_CHURN_COST if churn_cost is None else churn_cost, objective=goal,
                       pinned_share=shares, summary_extra=record)
    seconds["plan"] = time.monotonic() - start

    start = time.monotonic()
    expected_demand = frame.loc[frame[C.DATE] == date, [C.REGION, C.TITLE, C.YHAT]].rename(columns={C.YHAT: C.VIEWS})
    with task(f"simulate {date:{DATE_FORMAT}}"):
        expected = simulate_day(scenario, result.holdings, expected_demand, fill_gb=result.fill_gb).summary
        actual_demand = scenario.day(date)
        actual = (simulate_day(scenario, result.holdings, actual_demand, fill_gb=result.fill_gb).summary
                  if len(actual_demand) else None)
    seconds["simulate"] = time.monotonic() - start
    plan_dir = Path(out_root) / f"{date:{DATE_FORMAT}}"
    return NightlyOutcome(date=date, plan_dir=plan_dir, summary={**result.summary(f"{date:{DATE_FORMAT}}"), **record},
                          expected=expected, actual=actual, seconds=seconds)


def describe(outcome: NightlyOutcome) -> list[str]:
    """Short human-readable lines on a night's outcome, for the command line."""
    s, e = outcome.summary, outcome.expected
    gap = "n/a" if s.get("gap") is None else percent(s["gap"], digits=2)
    split = s.get("mode", "proactive") != "proactive"
    lines = [
        f"plan {outcome.date:%Y-%m-%d} written to {outcome.plan_dir}",
        f"  status {s['status']} ({s['solver']}), gap to bound {gap}"
        + (f", reason: {s['reason']}" if s.get("reason") else ""),
        f"  expected{' (pinned part only)' if split else ''} {traffic(e)}",
        f"  fill {volume(s['fill_gb'])}, evict {volume(s['evict_gb'])}",
    ]
    if split:
        shares = ", ".join(f"{site} {share:.2f}" for site, share in sorted(s["pinned_share"].items()))
        how = "forced" if s["pinned_share_forced"] else "chosen by backtest"
        caches = ", ".join(sorted(set(s["cache_policy"].values())))
        lines.append(f"  {s['mode']} mode: pinned share of each edge's disk ({how}): {shares}; the rest a cache "
                     f"({caches})")
        lines.append(f"  expected with the cache part: edge byte hit ratio {ratio(s['backtest_edge_byte_hit_ratio'])} "
                     "(pins and cache of this split replayed on the days before the plan date)")
    if outcome.actual is not None:
        lines.append(f"  on the date's actual demand: {traffic(outcome.actual)}")
    t = outcome.seconds
    lines.append(f"  time: forecast {t['forecast']:.1f}s, plan {t['plan']:.1f}s, simulate {t['simulate']:.1f}s")
    return lines
