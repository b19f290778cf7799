"""Nightly plans from a scenario and a forecast: the glue between the contract's files and placement/.

:func:`make_plan` turns the contract's forecast frame into expected GB per (region, title), reads what
each site held before tonight (:func:`held_before`), solves, and writes ``OUT/<date>/placement.csv`` and
``summary.json`` atomically; :func:`plan_night` plans in memory and writes nothing. :func:`plan_command` is
what ``cdn plan`` runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.atomic import atomic_directory
from cdn.errors import InputError
from cdn.scenario import DATE_FORMAT, Scenario, parse_date
from cdn.units import dumps_json
from placement import DEFAULT_CHURN_COST, PlacementProblem, PlacementResult, solve

PLAN_FILE = "placement.csv"
SUMMARY_FILE = "summary.json"


def read_plan(path: Path) -> pd.DataFrame:
    """Read a plan's ``placement.csv`` (identifiers as text).

    Raises
    ------
    InputError
        Unreadable file, missing columns or actions other than add/keep/evict.
    """
    try:
        plan = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot be read as a plan CSV: {err}") from err
    missing = [c for c in (C.SITE, C.TITLE, C.ACTION) if c not in plan.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; a plan has {', '.join(C.PLAN_COLUMNS)}")
    bad = ~plan[C.ACTION].isin([C.ADD, C.KEEP, C.EVICT])
    if bad.any():
        raise InputError(f"{path} line {int(np.flatnonzero(bad.to_numpy())[0]) + 2}, column action: "
                         f"{plan.loc[bad, C.ACTION].iloc[0]!r} is not add, keep or evict")
    return plan


def plan_of_date(plan_dir: str | Path) -> str | None:
    """The date a plan directory was made for (YYYY-MM-DD): its ``summary.json`` date, else its name if a date.

    None when neither says (a plan written by another tool).
    """
    path = Path(plan_dir)
    try:
        date = json.loads((path / SUMMARY_FILE).read_text()).get("date")
    except (OSError, ValueError, AttributeError):
        date = None
    if isinstance(date, str):
        return date
    try:
        return f"{parse_date(path.name):{DATE_FORMAT}}"
    except InputError:
        return None


def held_before(scenario: Scenario, out_root: str | Path, date: pd.Timestamp | str) -> pd.DataFrame:
    """What each site holds before the plan for ``date``.

    The previous plan ``OUT/<date - 1 day>/placement.csv`` (its add and keep rows) when it exists, else
    the scenario's ``placement.csv``, else nothing.

    Returns
    -------
    DataFrame
        ``site_id``, ``title_id`` (text), sorted.
    """
    previous = Path(out_root) / f"{parse_date(date) - pd.Timedelta(days=1):{DATE_FORMAT}}" / PLAN_FILE
    if previous.is_file():
        plan = read_plan(previous)
        held = plan.loc[plan[C.ACTION].isin([C.ADD, C.KEEP]), [C.SITE, C.TITLE]]
    else:
        held = scenario.placement[[C.SITE, C.TITLE]]
    return held.astype(str).sort_values([C.SITE, C.TITLE]).reset_index(drop=True)


def expected_gb(scenario: Scenario, forecast: pd.DataFrame, date: pd.Timestamp) -> pd.DataFrame:
    """Expected GB per (region, title) on ``date`` from a contract forecast frame (``yhat`` views).

    Negative ``yhat`` counts as zero views; titles outside the catalog keep their rows (with NaN GB) so
    the placement reports and drops them.

    Raises
    ------
    InputError
        Missing columns, dates that are not dates, or NaN/infinite ``yhat`` on ``date``.
    """
    missing = [c for c in (C.DATE, C.REGION, C.TITLE, C.YHAT) if c not in forecast.columns]
    if missing:
        raise InputError(f"forecast lacks column(s) {', '.join(missing)}; expected {', '.join(C.FORECAST_COLUMNS)}")
    dates = pd.to_datetime(forecast[C.DATE], errors="coerce")
    if dates.isna().any():
        raise InputError(f"forecast column date: {forecast.loc[dates.isna(), C.DATE].iloc[0]!r} is not a date")
    rows = forecast[dates == date]
    yhat = pd.to_numeric(rows[C.YHAT], errors="coerce").astype(float)
    bad = ~np.isfinite(yhat.to_numpy())
    if bad.any():
        first = rows[bad].iloc[0]
        raise InputError(f"forecast for {date:{DATE_FORMAT}}, region {first[C.REGION]!r}, title {first[C.TITLE]!r}: "
                         f"yhat {first[C.YHAT]!r} is not a finite number")
    per_view = scenario.catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.GB_PER_VIEW]
    titles = rows[C.TITLE].astype(str)
    gb = yhat.clip(lower=0.0).to_numpy() * titles.map(per_view).to_numpy(dtype=float)
    gb = np.where(titles.isin(per_view.index).to_numpy(), gb, np.inf)  # unknown titles: reported, then dropped
    return pd.DataFrame({C.REGION: rows[C.REGION].astype(str).to_numpy(), C.TITLE: titles.to_numpy(), C.GB: gb})


def make_plan(
    scenario: Scenario,
    date: pd.Timestamp | str,
    forecast: pd.DataFrame,
    out_root: str | Path,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    churn_cost: float = DEFAULT_CHURN_COST,
    threads: int | None = None,
) -> PlacementResult:
    """Plan ``date`` from a forecast and write ``OUT/<date>/placement.csv`` and ``summary.json``.

    Parameters
    ----------
    scenario : Scenario
        The loaded scenario (sites, catalog, network, settings, initial placement).
    date : Timestamp or str
        The plan date D.
    forecast : DataFrame
        Contract forecast frame (``date, region, title_id, yhat, ...``) covering D; other dates ignored.
    out_root : str or Path
        Plan root OUT; the previous night's plan is read from it.
    solver, time_limit, gap, threads :
        See :func:`placement.solve`.
    churn_cost : float
        Price lambda of one GB filled.

    Returns
    -------
    PlacementResult

    Notes
    -----
    The plan directory is written into a temporary directory beside it and renamed into place, so a
    crash never leaves a partial plan and earlier plans stay intact. A rerun for the same inputs gives
    an identical ``placement.csv`` and a ``summary.json`` that differs only in ``seconds``.
    """
    day = parse_date(date)
    result = plan_night(scenario, day, forecast, held=held_before(scenario, out_root, day), solver=solver,
                        time_limit=time_limit, gap=gap, churn_cost=churn_cost, threads=threads)
    write_plan(result, out_root, day)
    return result


def plan_night(
    scenario: Scenario,
    date: pd.Timestamp | str,
    forecast: pd.DataFrame,
    held: pd.DataFrame | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    churn_cost: float = DEFAULT_CHURN_COST,
    threads: int | None = None,
) -> PlacementResult:
    """Plan ``date`` from a forecast in memory, writing nothing (:func:`make_plan` writes the plan).

    Parameters
    ----------
    scenario, date, forecast, solver, time_limit, gap, churn_cost, threads :
        As for :func:`make_plan`.
    held : DataFrame, optional
        ``site_id, title_id`` held before tonight; default the scenario's ``placement.csv``.

    Returns
    -------
    PlacementResult
        ``plan`` is the fill plan, ``holdings`` what each site holds after it.
    """
    from cdn.progress import detail, solve_progress, task

    day = parse_date(date)
    problem = PlacementProblem(
        sites=scenario.sites,
        catalog=scenario.catalog[[C.TITLE, C.SIZE_GB]],
        demand_gb=expected_gb(scenario, forecast, day),
        graph=scenario.graph,
        held=scenario.placement[[C.SITE, C.TITLE]].astype(str) if held is None else held[[C.SITE, C.TITLE]],
        fill_budget_gb=scenario.fill_budget_gb(),
        peak_hour_share=float(scenario.settings["peak_hour_share"]),
        churn_cost=churn_cost,
    )
    with task(f"plan {day:{DATE_FORMAT}} ({solver})") as step:
        result = solve(problem, solver=solver, time_limit=time_limit, gap=gap, threads=threads,
                       progress=solve_progress(step, time_limit, gap))
        step.update(f"{result.status}, gap {'n/a' if result.gap is None else f'{result.gap:.2%}'}")
    bound = "none" if result.bound is None else f"{result.bound:,.1f}"
    detail(f"plan {day:{DATE_FORMAT}}: {result.method}, cost {result.objective:,.1f} (greedy "
           f"{result.greedy_objective:,.1f}), bound {bound}, {result.seconds:.1f}s")
    return result


def write_plan(result: PlacementResult, out_root: str | Path, date: pd.Timestamp) -> Path:
    """Write a plan directory ``OUT/<date>/`` atomically (see :func:`cdn.atomic.atomic_directory`)."""
    target = Path(out_root) / f"{date:{DATE_FORMAT}}"
    with atomic_directory(target, overwrite=True) as tmp:
        result.plan.to_csv(tmp / PLAN_FILE, index=False, columns=list(C.PLAN_COLUMNS))
        (tmp / SUMMARY_FILE).write_text(dumps_json(result.summary(f"{date:{DATE_FORMAT}}")))
    return target


def plan_command(
    data: Path,
    date: str,
    out: Path,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    model: str = "auto",
    churn_cost: float = DEFAULT_CHURN_COST,
    scheduler: str | None = None,
    seed: int = 0,
) -> PlacementResult:
    """``cdn plan``: load the scenario, forecast D from demand strictly before D, plan and write."""
    from cdn.forecast import forecast_scenario
    from cdn.scenario import load_scenario
    from placement import get_solver

    get_solver(solver)  # an unknown solver fails before the scenario is read and forecast
    scenario = load_scenario(data)
    day = parse_date(date)
    frame = forecast_scenario(scenario, day, model=model, scheduler=scheduler, seed=seed)
    return make_plan(scenario, day, frame, out, solver=solver, time_limit=time_limit, gap=gap,
                     churn_cost=churn_cost)
