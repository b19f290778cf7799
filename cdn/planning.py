"""Nightly plans from a scenario and a forecast: the glue between the contract's files and placement/.

:func:`make_plan` turns the contract's forecast frame into expected GB per (region, title), reads what
each site held before tonight (:func:`held_before`), solves, and writes ``OUT/<date>/placement.csv`` and
``summary.json`` atomically; :func:`plan_night` plans in memory and writes nothing. :func:`plan_command` is
what ``cdn plan`` runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.atomic import atomic_directory
from cdn.defaults import HYBRID_MODEL, PLAN_MODEL
from cdn.errors import ForecastError, InputError
from cdn.scenario import DATE_FORMAT, Scenario, parse_date, utf8_error
from cdn.units import dumps_json
from forecasting.api import expected_views
from placement import DEFAULT_CHURN_COST, PlacementProblem, PlacementResult, solve
from placement.problem import OBJECTIVES, Objective

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
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: {utf8_error(path)}") from err
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
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


HORIZON_DAYS = 7
"""Days of forecast a holding is valued over: a title filled tonight serves for days (docs/placement.md)."""
FULL_HORIZON_SERIES = 1_000_000
"""Largest (region x title) grid forecast :data:`HORIZON_DAYS` days ahead for a plan (:func:`forecast_horizon`)."""
DISCOUNT = 0.85
"""Weight of day D+h relative to day D+h-1 in the holding value: later days are less certain and a later
night can still fill what they need (0.85**6 = 0.38: the seventh day counts about a third of the first)."""
HISTORY_DAYS = 7
"""Days of observed demand (D-7 .. D-1) blended with the forecast, the signal of the naive plan."""
HISTORY_WEIGHT = 0.75
"""Weight of the recent observed bytes blended with the forecast (the forecast's weight is 1 minus it); the
value signal is never below the recent observed bytes themselves (:func:`value_signal`). The smallest weight
measured at which the plans beat the naive chain on every scenario tried (docs/placement.md)."""
PRIOR_DAYS = 28
"""Days of observed demand that rank titles for disk the value signal leaves empty (with the title's
bytes in other regions and its genre's bytes in the region)."""


@dataclass(frozen=True)
class ValueSignal:
    """What a plan is made from: daily GB per (region, title) it values, and the weak prior for idle disk.

    ``demand`` is the larger of the mean of the last :data:`HISTORY_DAYS` observed days and the blend
    ``(1 - history_weight) x`` forecast (its discounted mean over the horizon) ``+ history_weight x`` that
    mean; ``days`` is the discounted number of days a fill serves (the churn price is spread over them).
    """

    demand: pd.DataFrame
    prior: pd.DataFrame
    days: float


def forecast_horizon(scenario: Scenario) -> int:
    """Days a plan's forecast covers: :data:`HORIZON_DAYS`, or 1 above :data:`FULL_HORIZON_SERIES` series.

    On a national grid (200 regions x 20,000 titles) a 7-day ``auto`` forecast held more than 22 GB after
    9 minutes on 2 cores, where one day takes about 4 GB and minutes; the holding value then rests on the
    first day (:func:`expected_gb` averages over the days the forecast covers).
    """
    series = len(scenario.catalog) * max(len(scenario.region_site()), 1)
    return HORIZON_DAYS if series <= FULL_HORIZON_SERIES else 1


def horizon_days(horizon: int = HORIZON_DAYS, discount: float = DISCOUNT) -> float:
    """Discounted days a holding serves: ``sum_{h < horizon} discount**h`` (5.2 for 7 days at 0.85)."""
    return float(sum(discount ** h for h in range(horizon)))


def expected_gb(scenario: Scenario, forecast: pd.DataFrame, date: pd.Timestamp, horizon: int = 1,
                discount: float = DISCOUNT) -> pd.DataFrame:
    """Expected daily GB per (region, title) over ``date .. date + horizon - 1`` from a contract forecast frame.

    The discounted mean (day h weighs ``discount**h``) of :func:`expected_views` x GB per view over the
    dates the forecast covers; titles outside the catalog keep their rows (with infinite GB) so the
    placement reports and drops them.

    Raises
    ------
    InputError
        Missing columns, dates that are not dates, or non-finite values.
    """
    missing = [c for c in (C.DATE, C.REGION, C.TITLE, C.YHAT) if c not in forecast.columns]
    if missing:
        raise InputError(f"forecast lacks column(s) {', '.join(missing)}; expected {', '.join(C.FORECAST_COLUMNS)}")
    dates = pd.to_datetime(forecast[C.DATE], errors="coerce")
    if dates.isna().any():
        raise InputError(f"forecast column date: {forecast.loc[dates.isna(), C.DATE].iloc[0]!r} is not a date")
    days_ahead = (dates - date).dt.days.to_numpy()
    within = (days_ahead >= 0) & (days_ahead < horizon)
    rows, ahead = forecast[within], days_ahead[within]
    try:
        views = expected_views(rows)
    except ForecastError as err:  # a forecast given to cdn is its input
        raise InputError(str(err)) from err
    per_view = scenario.catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.GB_PER_VIEW]
    titles = rows[C.TITLE].astype(str)
    weight = discount ** ahead.astype(float)
    covered = sum(discount ** h for h in sorted(set(ahead.tolist())))  # the days the forecast has
    gb = views.to_numpy() * titles.map(per_view).to_numpy(dtype=float) * weight / max(covered, 1e-300)
    gb = np.where(titles.isin(per_view.index).to_numpy(), gb, np.inf)  # unknown titles: reported, then dropped
    frame = pd.DataFrame({C.REGION: rows[C.REGION].astype(str).to_numpy(), C.TITLE: titles.to_numpy(), C.GB: gb})
    return frame.groupby([C.REGION, C.TITLE], as_index=False, sort=True)[C.GB].sum()


def observed_gb(scenario: Scenario, date: pd.Timestamp, days: int) -> pd.DataFrame:
    """Mean daily GB per (region, title) over the ``days`` days before ``date`` (absent days count as zero)."""
    demand = scenario.demand
    recent = demand[(demand[C.DATE] < date) & (demand[C.DATE] >= date - pd.Timedelta(days=days))]
    per_view = scenario.catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.GB_PER_VIEW]
    gb = recent[C.VIEWS].to_numpy(dtype=float) * recent[C.TITLE].map(per_view).to_numpy(dtype=float) / days
    frame = pd.DataFrame({C.REGION: recent[C.REGION].astype(str).to_numpy(),
                          C.TITLE: recent[C.TITLE].astype(str).to_numpy(), C.GB: gb})
    return frame.groupby([C.REGION, C.TITLE], as_index=False, sort=True)[C.GB].sum()


def value_signal(scenario: Scenario, forecast: pd.DataFrame | None, date: pd.Timestamp,
                 history_weight: float = HISTORY_WEIGHT, horizon: int = HORIZON_DAYS,
                 discount: float = DISCOUNT) -> ValueSignal:
    """The daily GB a plan for ``date`` values per (region, title), and its prior for idle disk.

    The forecast's discounted mean over the horizon (capped, per region, at the largest GB a single
    title drew there in a day of the last :data:`PRIOR_DAYS`: a diverging forecast cannot outrank every
    observed title) is blended with the mean of the last :data:`HISTORY_DAYS` observed days (what the
    naive plan ranks by), and the value is never below that mean: a forecast can raise a title (a launch,
    a trend), never sink a title below what it drew last week, so a forecast that under-forecasts the
    head on unseen data cannot lose the head. ``forecast`` None (or ``history_weight`` 1) is the recent
    mean alone; ``history_weight`` 0 is the forecast alone (no floor: the replay's oracle).
    """
    recent = observed_gb(scenario, date, HISTORY_DAYS)
    month = observed_gb(scenario, date, PRIOR_DAYS)
    key = [C.REGION, C.TITLE]
    if forecast is None or history_weight >= 1:
        demand = recent
    else:
        ahead = expected_gb(scenario, forecast, date, horizon, discount)
        demand_days = scenario.demand[(scenario.demand[C.DATE] < date)
                                      & (scenario.demand[C.DATE] >= date - pd.Timedelta(days=PRIOR_DAYS))]
        per_view = scenario.catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.GB_PER_VIEW]
        title_day = demand_days[C.VIEWS].to_numpy(dtype=float) * demand_days[C.TITLE].map(per_view).to_numpy(float)
        cap = pd.Series(title_day, index=demand_days[C.REGION].astype(str).to_numpy()).groupby(level=0).max()
        ahead[C.GB] = np.minimum(ahead[C.GB], ahead[C.REGION].map(cap).fillna(np.inf).to_numpy())
        both = ahead.merge(recent, on=key, how="outer", suffixes=("_f", "_h")).fillna({f"{C.GB}_f": 0.0,
                                                                                      f"{C.GB}_h": 0.0})
        blend = (1 - history_weight) * both[f"{C.GB}_f"] + history_weight * both[f"{C.GB}_h"]
        both[C.GB] = np.maximum(blend, both[f"{C.GB}_h"]) if history_weight > 0 else blend
        demand = both.loc[both[C.GB] > 0, [*key, C.GB]].reset_index(drop=True)
    return ValueSignal(demand=demand, prior=prior_gb(scenario, month, date + pd.Timedelta(days=horizon - 1)),
                       days=horizon_days(horizon, discount))


def prior_gb(scenario: Scenario, month: pd.DataFrame, last_day: pd.Timestamp) -> pd.DataFrame:
    """Weak evidence of demand per (region, title) of every released title, for disk the plan leaves empty.

    The region's own mean daily GB of the last :data:`PRIOR_DAYS`, plus a tenth of the title's mean over
    all regions (popular elsewhere), plus a hundredth of its genre's (else language's) mean GB per title in
    the region; titles released after ``last_day`` get none.
    """
    catalog = scenario.catalog.drop_duplicates(C.TITLE)
    if C.RELEASE_DATE in catalog.columns:
        released = pd.to_datetime(catalog[C.RELEASE_DATE], errors="coerce")
        catalog = catalog[released.isna() | (released <= last_day)]
    titles = catalog[C.TITLE].astype(str)
    regions = sorted(scenario.region_site())
    grid = pd.MultiIndex.from_product([regions, titles], names=[C.REGION, C.TITLE])
    own = month.set_index([C.REGION, C.TITLE])[C.GB].reindex(grid, fill_value=0.0)
    elsewhere = month.groupby(C.TITLE)[C.GB].sum() / max(len(regions), 1)
    value = own.to_numpy() + 0.1 * grid.get_level_values(C.TITLE).map(elsewhere).fillna(0.0).to_numpy(dtype=float)
    group = next((c for c in (C.GENRE, C.LANGUAGE) if c in catalog.columns), None)
    if group is not None:
        kind = catalog.set_index(C.TITLE)[group].astype(str)
        per_group = month.assign(g=month[C.TITLE].map(kind)).groupby([C.REGION, "g"])[C.GB].sum()
        count = kind.value_counts()
        mean = per_group / per_group.index.get_level_values("g").map(count).to_numpy(dtype=float)
        keys = pd.MultiIndex.from_arrays([grid.get_level_values(C.REGION),
                                          grid.get_level_values(C.TITLE).map(kind)])
        value = value + 0.01 * mean.reindex(keys).fillna(0.0).to_numpy()
    frame = pd.DataFrame({C.REGION: grid.get_level_values(C.REGION), C.TITLE: grid.get_level_values(C.TITLE),
                          C.GB: value})
    return frame[frame[C.GB] > 0].reset_index(drop=True)


def check_objective(objective: str) -> Objective:
    """``objective`` when it is one of :data:`placement.OBJECTIVES`.

    Raises
    ------
    InputError
        Naming the option and the valid values.
    """
    if objective not in OBJECTIVES:
        raise InputError(f"--objective {objective!r}: expected one of {', '.join(OBJECTIVES)}")
    return objective


def make_plan(
    scenario: Scenario,
    date: pd.Timestamp | str,
    forecast: pd.DataFrame | None,
    out_root: str | Path,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    churn_cost: float = DEFAULT_CHURN_COST,
    threads: int | None = None,
    objective: Objective = "hit",
    history_weight: float = HISTORY_WEIGHT,
    pinned_share: Mapping[str, float] | None = None,
    summary_extra: Mapping[str, Any] | None = None,
) -> PlacementResult:
    """Plan ``date`` from a forecast and write ``OUT/<date>/placement.csv`` and ``summary.json``.

    Parameters
    ----------
    scenario : Scenario
        The loaded scenario (sites, catalog, network, settings, initial placement).
    date : Timestamp or str
        The plan date D.
    forecast : DataFrame or None
        Contract forecast frame (``date, region, title_id, yhat, ...``, optionally ``yhat_mean`` and
        ``p_views``) covering D and up to :data:`HORIZON_DAYS` days after; None (and solver ``naive``) plans
        from the last :data:`HISTORY_DAYS` days' bytes alone.
    out_root : str or Path
        Plan root OUT; the previous night's plan is read from it.
    solver, time_limit, gap, threads :
        See :func:`placement.solve`.
    churn_cost : float
        Price lambda of one GB filled, spread over the :func:`horizon_days` a fill serves.
    objective : {'hit', 'cost'}
        See :data:`placement.OBJECTIVES`.
    history_weight : float
        Weight of the recent observed bytes in the value signal (:func:`value_signal`); 0 plans from the
        forecast alone (the replay's oracle, whose forecast is the actual demand).
    pinned_share : mapping, optional
        Edge site -> share of its disk the plan may fill (hybrid and reactive modes, :mod:`cdn.caches`: the
        rest is a demand-driven cache); edges not named keep their whole disk. With a split the plan fills
        nothing on weak evidence alone (no prior for idle disk): disk it leaves is the caches', which admit
        what is asked for, while a title pinned on the prior is a write the cache would not have made.
    summary_extra : mapping, optional
        Keys added to ``summary.json`` (the mode and its split).

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
                        time_limit=time_limit, gap=gap, churn_cost=churn_cost, threads=threads, objective=objective,
                        history_weight=history_weight, pinned_share=pinned_share)
    write_plan(result, out_root, day, summary_extra)
    return result


def plan_night(
    scenario: Scenario,
    date: pd.Timestamp | str,
    forecast: pd.DataFrame | None,
    held: pd.DataFrame | None = None,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    churn_cost: float = DEFAULT_CHURN_COST,
    threads: int | None = None,
    objective: Objective = "hit",
    history_weight: float = HISTORY_WEIGHT,
    pinned_share: Mapping[str, float] | None = None,
) -> PlacementResult:
    """Plan ``date`` from a forecast in memory, writing nothing (:func:`make_plan` writes the plan).

    Parameters
    ----------
    scenario, date, forecast, solver, time_limit, gap, churn_cost, threads, objective, history_weight, pinned_share :
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
    signal = value_signal(scenario, None if solver == "naive" else forecast, day, history_weight=history_weight)
    sites = scenario.sites
    if pinned_share:
        share = sites[C.SITE].map(pinned_share).fillna(1.0).where(sites[C.TIER] == C.EDGE, 1.0)
        sites = sites.assign(**{C.DISK_GB: sites[C.DISK_GB] * share})
    problem = PlacementProblem(
        sites=sites,
        catalog=scenario.catalog[[C.TITLE, C.SIZE_GB]],
        demand_gb=signal.demand,
        graph=scenario.graph,
        held=scenario.placement[[C.SITE, C.TITLE]].astype(str) if held is None else held[[C.SITE, C.TITLE]],
        fill_budget_gb=scenario.fill_budget_gb(),
        peak_hour_share=float(scenario.settings["peak_hour_share"]),
        churn_cost=churn_cost / signal.days,
        objective=objective,
        prior_gb=None if pinned_share else signal.prior,  # with a split, the disk a plan leaves is the caches'
    )
    with task(f"plan {day:{DATE_FORMAT}} ({solver})") as step:
        result = solve(problem, solver=solver, time_limit=time_limit, gap=gap, threads=threads,
                       progress=solve_progress(step, time_limit, gap))
        step.update(f"{result.status}, gap {'n/a' if result.gap is None else f'{result.gap:.2%}'}")
    bound = "none" if result.bound is None else f"{result.bound:,.1f}"
    detail(f"plan {day:{DATE_FORMAT}}: {result.method}, cost {result.objective:,.1f} (greedy "
           f"{result.greedy_objective:,.1f}), bound {bound}, {result.seconds:.1f}s")
    result.details.update({"horizon_days": HORIZON_DAYS, "discount": DISCOUNT,
                           "history_weight": 1.0 if solver == "naive" or forecast is None else history_weight})
    return result


def write_plan(result: PlacementResult, out_root: str | Path, date: pd.Timestamp,
               summary_extra: Mapping[str, Any] | None = None) -> Path:
    """Write a plan directory ``OUT/<date>/`` atomically (see :func:`cdn.atomic.atomic_directory`)."""
    target = Path(out_root) / f"{date:{DATE_FORMAT}}"
    with atomic_directory(target, mark=True) as tmp:
        result.plan.to_csv(tmp / PLAN_FILE, index=False, columns=list(C.PLAN_COLUMNS))
        summary = {**result.summary(f"{date:{DATE_FORMAT}}"), **(summary_extra or {})}
        (tmp / SUMMARY_FILE).write_text(dumps_json(summary))
    return target


def forecast_model(model: str | None, mode: str) -> str:
    """The forecast model of a plan in ``mode``: ``model`` when given, else :data:`cdn.defaults.HYBRID_MODEL` for
    hybrid plans' pins and :data:`cdn.defaults.PLAN_MODEL` otherwise.

    >>> forecast_model(None, "proactive"), forecast_model(None, "hybrid"), forecast_model("prophet", "hybrid")
    ('auto', 'ewma', 'prophet')
    """
    return model if model is not None else HYBRID_MODEL if mode == "hybrid" else PLAN_MODEL


def plan_command(
    data: Path,
    date: str,
    out: Path,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    model: str | None = None,
    churn_cost: float = DEFAULT_CHURN_COST,
    objective: str = "hit",
    mode: str = "proactive",
    pinned_share: float | None = None,
    scheduler: str | None = None,
    seed: int = 0,
) -> PlacementResult:
    """``cdn plan``: load the scenario, forecast D .. D+6 from demand strictly before D, plan and write.

    Solver ``naive`` needs no forecast: it ranks by the last :data:`HISTORY_DAYS` days' bytes. ``mode`` and
    ``pinned_share`` split each edge's disk (see :func:`cdn.caches.edge_split`); the split is recorded in
    ``summary.json``. ``model`` None: :func:`forecast_model` of the mode.
    """
    from cdn.caches import edge_split
    from cdn.forecast import forecast_scenario
    from cdn.scenario import load_scenario
    from placement import get_solver

    get_solver(solver)  # an unknown solver or objective fails before the scenario is read and forecast
    chosen = check_objective(objective)
    scenario = load_scenario(data)
    day = scenario.check_history_date(parse_date(date), "--date")
    shares, record = edge_split(scenario, day, mode, pinned_share)
    frame = None if solver == "naive" else forecast_scenario(scenario, day, horizon=forecast_horizon(scenario),
                                                             model=forecast_model(model, mode),
                                                             scheduler=scheduler, seed=seed)
    return make_plan(scenario, day, frame, out, solver=solver, time_limit=time_limit, gap=gap,
                     churn_cost=churn_cost, objective=chosen, pinned_share=shares, summary_extra=record)
