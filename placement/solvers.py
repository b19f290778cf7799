"""Solver registry and :func:`solve`, the one entry point from a problem to a plan.

Each registered solver turns a compiled problem and the greedy start into an :class:`Outcome`;
:func:`solve` wraps it with the checks, the fallback to greedy, the fill plan and the figures.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pulp

from placement import columns as C
from placement.errors import PlacementInputError
from placement.fillplan import fill_plan
from placement.greedy import fill_idle, greedy_holdings, keep_leftovers, naive_holdings
from placement.lagrange import DEFAULT_GAP as LAGRANGIAN_GAP
from placement.lagrange import Decomposition, decompose, routed_objective
from placement.milp import Model, fits, lagrangian_bound, model_duals, solve_lp, solve_milp
from placement.problem import Compiled, PlacementProblem, compile_problem, evaluate
from placement.result import PlacementResult, ProgressFn, Status


@dataclass(frozen=True)
class Options:
    """Solver options: time limit (s), relative gap and threads (None = the solver's default), progress callback."""

    time_limit: float | None = None
    gap: float | None = None
    threads: int | None = None
    progress: ProgressFn | None = None


@dataclass(frozen=True)
class Outcome:
    """What a solver returns: holdings and its proof figures."""

    holdings: np.ndarray
    status: Status
    method: str
    objective: float | None = None
    bound: float | None = None
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


SolverFn = Callable[[Compiled, np.ndarray, Options], Outcome]
SOLVERS: dict[str, SolverFn] = {}
"""Registered solvers by name: ``highs`` (default), ``lagrangian``, ``greedy``, ``naive`` (the reference every
plan must beat) and ``cbc`` when CBC is installed."""


def register_solver(name: str) -> Callable[[SolverFn], SolverFn]:
    """Register a solver function under ``name``."""

    def decorate(fn: SolverFn) -> SolverFn:
        SOLVERS[name] = fn
        return fn

    return decorate


def get_solver(name: str) -> SolverFn:
    """The solver registered as ``name``.

    Raises
    ------
    PlacementInputError
        For an unknown name, listing the valid ones (and saying so when CBC is simply not installed).
    """
    if name not in SOLVERS:
        hint = " (CBC is not installed: install the coinor-cbc package to use it)" if name == "cbc" else ""
        raise PlacementInputError(f"unknown solver {name!r}{hint}; valid solvers: {', '.join(sorted(SOLVERS))}")
    return SOLVERS[name]


@register_solver("greedy")
def _greedy(problem: Compiled, start: np.ndarray, options: Options) -> Outcome:
    return Outcome(holdings=start, status="feasible", method="greedy")


@register_solver("naive")
def _naive(problem: Compiled, start: np.ndarray, options: Options) -> Outcome:
    return Outcome(holdings=naive_holdings(problem), status="feasible", method="naive")


def _decomposition_outcome(problem: Compiled, dec: Decomposition, target: float,
                           details: dict[str, Any]) -> Outcome:
    """Outcome of the Lagrangian decomposition: its plan, scored by :func:`evaluate`, and its bound."""
    holdings = keep_leftovers(problem, dec.holdings)
    objective = routed_objective(problem, holdings)
    bound = min(dec.bound, objective)
    gap = (objective - bound) / abs(objective) if objective else 0.0
    proved = gap <= target
    details.update({"lagrangian_iterations": dec.iterations, "descent_passes": dec.passes,
                    "lagrangian_seconds": round(dec.seconds, 3), "lagrangian_trace": dec.trace})
    return Outcome(holdings=holdings, status="optimal" if proved else "feasible", method="lagrangian",
                   objective=objective, bound=bound, details=details,
                   reason=None if proved else f"Lagrangian bound proves a gap of {gap:.2%}, not the requested "
                                              f"{target:.2%}")


@register_solver("lagrangian")
def _lagrangian(problem: Compiled, start: np.ndarray, options: Options) -> Outcome:
    target = LAGRANGIAN_GAP if options.gap is None else options.gap
    dec = decompose(problem, start, time_limit=options.time_limit, gap=target, progress=options.progress)
    return _decomposition_outcome(problem, dec, target, {})


MONOLITHIC_MAX_OPTIONS = 160_000
"""Serving options (region, title, candidate) above which the MILP is restricted to promising columns.

HiGHS solves the whole model of data/demo (66,606 options) within 0.3% of its bound in about 75 s and a
generated 20 x 2,000 scenario (156,424 options) in about 2 minutes (BENCHMARKS.md); above this the
Lagrangian decomposition comes first."""
WHOLE_MODEL_GAP = 1e-4
"""Relative gap at which the MILP of a model solved whole stops when ``gap`` is None (HiGHS' own default).

The gap is measured on the whole objective, dominated in objective ``hit`` by the weighted missed own-edge bytes,
so 1% of it can be most of what separates two plans: on data/movietweetings HiGHS stopped at the greedy start
within 1% on 11 of 14 chained nights (BENCHMARKS.md). A model too large to be solved whole stops at the
decomposition's :data:`~placement.lagrange.DEFAULT_GAP` (1%) instead, so that national scale plans in minutes."""
RESTRICTED_MAX_OPTIONS = 400_000
"""Serving options of the first restricted model above which no MILP is built: the decomposition's plan is used."""
PRICING_ROUNDS = 6
"""Most LP rounds of column pricing before the restricted MILP."""


def serving_options(problem: Compiled, allowed: np.ndarray | None = None) -> int:
    """Number of y variables of the model: (region, title, candidate) with demand and a holder that fits."""
    ok = fits(problem) if allowed is None else allowed & fits(problem)
    count = 0
    for j in range(problem.cand.shape[1]):
        sites = problem.cand[:, j]
        rows = sites >= 0
        count += int(((problem.demand[rows] > 0) & ok[sites[rows]]).sum())
    return count


def initial_columns(problem: Compiled, start: np.ndarray, factor: float = 2.0) -> np.ndarray:
    """Pairs (site, title) of the first restricted model.

    The warm start, every held title, and per site the titles with the most optimistic saving per GB
    (all bytes of the regions it may serve, at its path cost, no capacities) until their size reaches
    ``factor`` times what the site could add tonight (the smaller of disk and fill budget).
    """
    allowed = start | problem.held
    saving = np.zeros(problem.held.shape)
    for j in range(problem.cand.shape[1]):
        sites = problem.cand[:, j]
        ok = sites >= 0
        gain = problem.demand[ok] * (problem.origin_cost[ok] - problem.cand_cost[ok, j])[:, None]
        np.add.at(saving, sites[ok], np.maximum(gain, 0.0))
    density = (saving - problem.churn_cost * problem.size[None, :]) / problem.size[None, :]
    for s in range(len(problem.sites)):
        room = factor * min(problem.disk[s], problem.budget[s])
        order = np.argsort(-density[s], kind="stable")
        order = order[(density[s, order] > 0) & ~problem.held[s, order]]
        within = np.cumsum(problem.size[order]) <= room + float(problem.size.max(initial=0.0))
        allowed[s, order[within]] = True
    return allowed


def _milp(backend: str) -> SolverFn:
    def run(problem: Compiled, start: np.ndarray, options: Options) -> Outcome:
        began = time.perf_counter()

        def left() -> float | None:
            return None if options.time_limit is None else max(options.time_limit - (time.perf_counter() - began), 1.0)

        details: dict[str, Any] = {"full_model_options": serving_options(problem)}
        if details["full_model_options"] == 0:  # no site can hold a demanded title: every plan serves from origins
            objective = evaluate(problem, start).objective
            return Outcome(holdings=keep_leftovers(problem, start), status="optimal", method="none",
                           objective=objective, bound=evaluate(problem, np.zeros_like(start)).objective,
                           reason="no storage or edge site has room for a demanded title: every view is served "
                                  "from an origin", details=details)
        restricted = details["full_model_options"] > MONOLITHIC_MAX_OPTIONS
        allowed = None
        target = options.gap if options.gap is not None else LAGRANGIAN_GAP if restricted else WHOLE_MODEL_GAP
        if restricted:  # Lagrangian decomposition first: a better start and a bound valid for the full model
            # it gets the whole time limit where no restricted MILP can follow, else half of it
            share = 1.0 if serving_options(problem, initial_columns(problem, start)) > RESTRICTED_MAX_OPTIONS else 0.5
            limit = None if options.time_limit is None else options.time_limit * share
            dec = decompose(problem, start, time_limit=limit, gap=target, progress=options.progress)
            decomposed = _decomposition_outcome(problem, dec, target, dict(details))
            start, details = decomposed.holdings, decomposed.details
            allowed = initial_columns(problem, start)
            details["restricted_model_options"] = size = serving_options(problem, allowed)
            if decomposed.status == "optimal" or size > RESTRICTED_MAX_OPTIONS:
                return decomposed
        pricing: float = decomposed.bound if restricted and decomposed.bound is not None else -math.inf
        rounds = 0
        bound: float | None
        lp_value: float | None = None
        if options.progress is not None:
            options.progress("model", None, None)
        model = Model(problem, start, allowed)
        while restricted and rounds < PRICING_ROUNDS:
            rounds += 1
            lp_value = solve_lp(model, backend, left(), options.threads)
            if lp_value is None:
                break
            lag_bound, value = lagrangian_bound(problem, *model_duals(model))
            pricing = max(pricing, lag_bound)
            missing = np.where(model.allowed, 0.0, value)
            details.setdefault("pricing", []).append({"lp": round(lp_value, 3), "bound": round(lag_bound, 3),
                                                      "columns": int(model.allowed.sum()),
                                                      "seconds": round(time.perf_counter() - began, 3)})
            out_of_time = options.time_limit is not None and time.perf_counter() - began > options.time_limit / 2
            if lp_value - pricing <= target / 10 * abs(lp_value) or not (missing > 0).any() or out_of_time:
                break
            # add the most promising missing pairs: at most as many as the model has, best first
            order = np.argsort(-missing, axis=None, kind="stable")[: max(int(model.allowed.sum()), 1)]
            picked = np.zeros(missing.size, dtype=bool)
            picked[order] = missing.ravel()[order] > 0
            model = Model(problem, start, model.allowed | picked.reshape(missing.shape))
        details.update({f"model_{k}": v for k, v in model.size.items()})
        details["pricing_rounds"] = rounds
        method = "milp"
        rounded_start = False
        if restricted and lp_value is not None and len(model.y) > MONOLITHIC_MAX_OPTIONS:
            # LP and rounding: binaries the last LP left integral stay fixed; the MILP decides the rest
            rounded, details["fractional_binaries"] = model.fix_integral()
            if evaluate(problem, rounded).objective < evaluate(problem, start).objective:
                start, rounded_start = rounded, True
            method = "lp-fix-milp"
        elif restricted:
            method = "restricted-milp"
        model.set_start(start)
        solved = solve_milp(model, backend, left(), target, options.threads, options.progress)
        details["seconds_to_solution"] = round(time.perf_counter() - began, 3)
        if solved["holdings"] is None and rounded_start:  # the rounded LP solution is a valid plan
            return Outcome(holdings=keep_leftovers(problem, start), status="feasible", method="lp-rounding",
                           bound=pricing, reason=f"{solved['reason']}; the rounded LP solution is used",
                           details=details)
        if solved["holdings"] is None:
            return Outcome(holdings=start, status="fallback", method=method, reason=solved["reason"], details=details)
        details["capacity_overflow_gb"] = model.overflow_gb()
        objective, bound, reason, status = solved["objective"], solved["bound"], solved["reason"], solved["status"]
        if restricted:  # the restricted MILP's own bound is not valid for the full problem: use the Lagrangian ones
            bound = pricing if math.isfinite(pricing) else None
            proved = bound is not None and objective - bound <= target * abs(objective)
            status = "optimal" if proved else "feasible"
            reason = None if proved else (
                "restricted model: the Lagrangian bound does not prove the requested gap" if bound is not None
                else "restricted model: no LP bound within the time limit")
        incumbent = routed_objective(problem, start)
        if incumbent < objective - 1e-9 * max(1.0, abs(objective)):  # the start beats the solver's plan
            kind = "rounded LP" if rounded_start else "Lagrangian" if restricted else "greedy"
            why = f"the {kind} start beat the solver's plan"
            proved = bound is not None and incumbent - bound <= target * abs(incumbent)
            return Outcome(holdings=keep_leftovers(problem, start), status="optimal" if proved else "feasible",
                           method=method, objective=incumbent, bound=bound, details=details,
                           reason=None if proved else f"{reason}; {why}" if reason else why)
        return Outcome(holdings=keep_leftovers(problem, solved["holdings"]), status=status, method=method,
                       objective=objective, bound=bound, reason=reason, details=details)

    return run


register_solver("highs")(_milp("highs"))
if pulp.COIN_CMD().available():
    register_solver("cbc")(_milp("cbc"))


@dataclass(frozen=True)
class _Final:
    """A plan as written: its rows, the holdings they reach, why adds were dropped, and its objective."""

    plan: pd.DataFrame
    holdings: np.ndarray
    reasons: list[str]
    objective: float


def _final(problem: Compiled, holdings: np.ndarray, source_budget_gb: pd.Series, origins: list[str],
           reference: bool = False, own: float | None = None) -> _Final:
    """The plan a solver's holdings become, scored by the one objective every solver's plan is compared by.

    Held titles that still fit stay and idle disk is filled (:func:`placement.greedy.keep_leftovers`,
    :func:`placement.greedy.fill_idle`; not for the ``reference`` naive plan), the fill plan is written
    (:func:`placement.fillplan.fill_plan`), and the holdings it reaches are scored by
    :func:`placement.lagrange.routed_objective`; ``own``, the solver's objective for exactly these
    holdings (the MILP routes capacities optimally), replaces it when lower.
    """
    chosen = holdings if reference else fill_idle(problem, keep_leftovers(problem, holdings))
    plan, reached, reasons = fill_plan(problem, chosen, source_budget_gb, origins)
    objective = routed_objective(problem, reached)
    if own is not None and not reasons and np.array_equal(reached, holdings):
        objective = min(objective, own)
    return _Final(plan=plan, holdings=reached, reasons=reasons, objective=objective)


def _evict_unknown_titles(plan: pd.DataFrame, held: pd.DataFrame, compiled: Compiled) -> pd.DataFrame:
    """The plan plus an ``evict`` row (size unknown) for each held title that is no longer in the catalog."""
    sites, titles = held[C.SITE].astype(str), held[C.TITLE].astype(str)
    gone = held[sites.isin(compiled.sites) & ~titles.isin(compiled.titles)].drop_duplicates([C.SITE, C.TITLE])
    if gone.empty:
        return plan
    rows = pd.DataFrame({C.SITE: gone[C.SITE].astype(str), C.TITLE: gone[C.TITLE].astype(str), C.ACTION: C.EVICT,
                         C.SIZE_GB: np.nan, C.PRIORITY: pd.array([pd.NA] * len(gone), dtype="Int64"), C.SOURCE: ""})
    order = {site: i for i, site in enumerate(compiled.sites)}
    out = pd.concat([plan, rows], ignore_index=True)
    return out.sort_values(C.SITE, key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def solve(
    problem: PlacementProblem,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    progress: ProgressFn | None = None,
) -> PlacementResult:
    """Plan one night: choose what every storage and edge site holds and write the fill plan.

    Parameters
    ----------
    problem : PlacementProblem
        Sites, catalog, expected demand, network, holdings before tonight and fill budgets.
    solver : str
        A name of :data:`SOLVERS`.
    time_limit : float, optional
        Seconds for the whole solve, compiling the problem included; when the solver stops without a plan
        the greedy plan is used (``fallback``).
    gap : float, optional
        Relative gap at which the solver may stop (e.g. 0.01). None: :data:`WHOLE_MODEL_GAP` (0.01%) where
        the MILP solves the whole model, the decomposition's 1% where the model is larger (and for
        ``lagrangian``).
    threads : int, optional
        Solver threads.
    progress : callable, optional
        :data:`ProgressFn` called as the solve finds better plans and bounds (for a progress display).

    Returns
    -------
    PlacementResult

    Raises
    ------
    PlacementInputError
        Unknown solver or out-of-range numbers.
    PlacementError
        A problem that cannot be planned even in degraded form (no origin reachable).

    Examples
    --------
    >>> result = solve(problem, solver="greedy")  # doctest: +SKIP
    >>> result.status  # doctest: +SKIP
    'feasible'
    """
    for value, what in ((time_limit, "time_limit"), (gap, "gap")):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise PlacementInputError(f"{what} = {value!r}; expected a number > 0")
    if threads is not None and threads < 1:
        raise PlacementInputError(f"threads = {threads!r}; expected an integer >= 1")
    fn = get_solver(solver)
    began = time.perf_counter()
    compiled = compile_problem(problem)
    origins = sorted(problem.sites.loc[problem.sites[C.TIER] == C.ORIGIN, C.SITE].astype(str))
    start = greedy_holdings(compiled)
    greedy = _final(compiled, start, problem.fill_budget_gb, origins)
    if progress is not None:
        progress("greedy", greedy.objective, None)
    left = None if time_limit is None else max(time_limit - (time.perf_counter() - began), 1.0)  # compile counts
    outcome = fn(compiled, start, Options(time_limit=left, gap=gap, threads=threads, progress=progress))
    used = "greedy" if outcome.status == "fallback" else solver
    if solver == "greedy" or outcome.status == "fallback":
        final = greedy
    else:
        final = _final(compiled, outcome.holdings, problem.fill_budget_gb, origins, reference=solver == "naive",
                       own=outcome.objective)
        if solver != "naive" and greedy.objective < final.objective - 1e-9 * max(1.0, abs(final.objective)):
            final = replace(greedy, reasons=[*greedy.reasons, "the greedy plan beat the solver's plan"])
    plan = _evict_unknown_titles(final.plan, problem.held, compiled)
    holdings, objective, plan_reasons = final.holdings, final.objective, final.reasons
    ev = evaluate(compiled, holdings)
    bound = outcome.bound
    gap_value = (objective - bound) / abs(objective) if bound is not None and objective != 0 else (
        0.0 if bound is not None else None)
    reasons = [r for r in (outcome.reason, *compiled.reasons, *plan_reasons) if r]
    sites_idx, titles_idx = np.nonzero(holdings)
    held_after = pd.DataFrame({C.SITE: [compiled.sites[s] for s in sites_idx],
                               C.TITLE: [compiled.titles[t] for t in titles_idx]}, dtype=str)
    return PlacementResult(
        plan=plan,
        holdings=held_after,
        status=outcome.status,
        solver=used,
        objective=objective,
        bound=bound,
        gap=None if gap_value is None else max(gap_value, 0.0),
        seconds=time.perf_counter() - began,
        expected_edge_byte_hit_ratio=ev.edge_byte_hit_ratio,
        fill_gb=ev.fill_gb,
        evict_gb=ev.evict_gb,
        reason="; ".join(reasons) if reasons else None,
        method=outcome.method,
        greedy_objective=greedy.objective,
        details={"expected_cost": ev.objective, "objective_kind": compiled.objective,
                 "hit_weight": compiled.hit_weight, "churn_cost": compiled.churn_cost, **outcome.details},
    )
