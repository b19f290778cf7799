"""Solver registry and :func:`solve`, the one entry point from a problem to a plan.

Each registered solver turns a compiled problem and the greedy start into an :class:`Outcome`;
:func:`solve` wraps it with the checks, the fallback to greedy, the fill plan and the figures.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.errors import InputError
from placement.fillplan import fill_plan
from placement.greedy import greedy_holdings
from placement.problem import Compiled, PlacementProblem, compile_problem, evaluate
from placement.result import PlacementResult, Status


@dataclass(frozen=True)
class Options:
    """Solver options: time limit (s), relative gap and threads (None = the solver's default)."""

    time_limit: float | None = None
    gap: float | None = None
    threads: int | None = None


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
"""Registered solvers by name: ``highs`` (default), ``cbc`` when CBC is installed, ``greedy``."""


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
    InputError
        For an unknown name, listing the valid ones (and saying so when CBC is simply not installed).
    """
    if name not in SOLVERS:
        hint = " (CBC is not installed: install the coinor-cbc package to use it)" if name == "cbc" else ""
        raise InputError(f"unknown solver {name!r}{hint}; valid solvers: {', '.join(sorted(SOLVERS))}")
    return SOLVERS[name]


@register_solver("greedy")
def _greedy(problem: Compiled, start: np.ndarray, options: Options) -> Outcome:
    return Outcome(holdings=start, status="feasible", method="greedy")


def solve(
    problem: PlacementProblem,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
) -> PlacementResult:
    """Plan one night: choose what every storage and edge site holds and write the fill plan.

    Parameters
    ----------
    problem : PlacementProblem
        Sites, catalog, expected demand, network, holdings before tonight and fill budgets.
    solver : str
        A name of :data:`SOLVERS`.
    time_limit : float, optional
        Seconds the solver may use; when it stops without a plan the greedy plan is used (``fallback``).
    gap : float, optional
        Relative gap at which the solver may stop (e.g. 0.01).
    threads : int, optional
        Solver threads.

    Returns
    -------
    PlacementResult

    Raises
    ------
    InputError
        Unknown solver or out-of-range numbers.
    PlacementError
        A problem that cannot be planned even in degraded form (no origin reachable).

    Examples
    --------
    >>> from cdn.scenario import load_scenario  # doctest: +SKIP
    >>> result = solve(problem, solver="greedy")  # doctest: +SKIP
    >>> result.status  # doctest: +SKIP
    'feasible'
    """
    for value, what in ((time_limit, "time_limit"), (gap, "gap")):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise InputError(f"{what} = {value!r}; expected a number > 0")
    if threads is not None and threads < 1:
        raise InputError(f"threads = {threads!r}; expected an integer >= 1")
    fn = get_solver(solver)
    began = time.perf_counter()
    compiled = compile_problem(problem)
    start = greedy_holdings(compiled)
    greedy_eval = evaluate(compiled, start)
    outcome = fn(compiled, start, Options(time_limit=time_limit, gap=gap, threads=threads))
    used = "greedy" if outcome.status == "fallback" else solver
    origins = sorted(problem.sites.loc[problem.sites[C.TIER] == C.ORIGIN, C.SITE].astype(str))
    plan, holdings, plan_reasons = fill_plan(compiled, outcome.holdings, problem.fill_budget_gb, origins)
    ev = evaluate(compiled, holdings)
    objective = ev.objective if outcome.objective is None or plan_reasons else outcome.objective
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
        greedy_objective=greedy_eval.objective,
        details={"expected_cost": ev.objective, **outcome.details},
    )
