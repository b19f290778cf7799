"""National scale: Lagrangian decomposition with a valid bound, and a local-search plan.

The bound relaxes disk (``mu[s]``), fill budget (``nu[s]``), capacities (``pi[c]``) and assignment
(``alpha[r, t]``) as in :func:`placement.milp.relax`: for fixed disk, fill and capacity multipliers each
title is an uncapacitated facility-location problem whose LP dual ``alpha`` is raised by a dual ascent
over all titles at once (numpy arrays regions x titles); any multipliers >= 0 give a valid lower bound
(weak duality), so the best one met along the way is reported. ``mu``, ``nu`` and ``pi`` follow projected
subgradient steps with Polyak's step size towards the best plan's objective.

The plan starts from the greedy one and is improved by block coordinate descent: each site in turn
re-chooses its titles by saving per GB given what every other site holds (a knapsack within disk and
fill budget); a pass is kept only when :func:`placement.problem.evaluate` finds it cheaper. Plans are
compared and reported by :func:`routed_objective` (bytes over a capacity may move to the next holder).
Every
``repair_every`` iterations (and when the steps have shrunk to nothing) the relaxation's own choice is
repaired into a plan (per site, titles by their Lagrangian value per GB within disk and fill budget) and
descended from the same way; the cheapest plan met is kept.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pulp

from placement.greedy import knapsack, site_order
from placement.milp import Relaxation, _variables, relax, solve_lp_problem
from placement.problem import Compiled, evaluate
from placement.result import ProgressFn

DEFAULT_GAP = 0.01
"""Relative gap at which :func:`decompose` stops, and against which the ``lagrangian`` solver reports, by default."""


@dataclass(frozen=True)
class Decomposition:
    """Result of :func:`decompose`: the best plan, its objective, the best bound and the trace."""

    holdings: np.ndarray
    objective: float
    bound: float
    iterations: int
    passes: int
    seconds: float
    trace: list[dict[str, Any]] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """Relative gap (objective - bound) / objective (0 when both are 0)."""
        return (self.objective - self.bound) / abs(self.objective) if self.objective else 0.0


def site_savings(problem: Compiled, holdings: np.ndarray, s: int) -> np.ndarray:
    """Serving cost site ``s`` would save per title given what every other site holds (no capacities)."""
    saving = np.zeros(problem.demand.shape[1])
    for r, j in zip(*np.nonzero(problem.cand == s), strict=True):
        other = np.full(problem.demand.shape[1], problem.origin_cost[r])
        for k in np.flatnonzero(problem.cand[r] >= 0):
            if k != j:
                other = np.where(holdings[problem.cand[r, k]], np.minimum(other, problem.cand_cost[r, k]), other)
        saving += problem.demand[r] * np.maximum(other - problem.cand_cost[r, j], 0.0)
    return saving


def improve(problem: Compiled, holdings: np.ndarray, passes: int, deadline: float) -> tuple[np.ndarray, float, int]:
    """Block coordinate descent from ``holdings``: return the best holdings, their objective and passes run."""
    best = holdings.copy()
    best_obj = evaluate(problem, best).objective
    done = 0
    new = ~problem.held
    while done < passes and time.perf_counter() < deadline:
        trial = best.copy()
        for s in site_order(problem):
            if problem.disk[s] <= 0:
                continue
            value = site_savings(problem, trial, s) - problem.churn_cost * problem.size * new[s]
            trial[s] = knapsack(value / problem.size, problem.size, problem.held[s], problem.disk[s],
                                problem.budget[s], problem.titles)
        done += 1
        obj = evaluate(problem, trial).objective
        if obj >= best_obj - 1e-9 * max(1.0, abs(best_obj)):
            break
        best, best_obj = trial, obj
    return best, best_obj, done


def repair(problem: Compiled, rel: Relaxation, mu: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """A feasible plan from the relaxation: per site, titles by their Lagrangian value per GB within disk and budget.

    The value of (s, t) is what the relaxation credits it (reduced gains less the churn price), before the
    disk and fill prices; titles the site cannot hold get none.
    """
    out = np.zeros(problem.held.shape, dtype=bool)
    for s in range(len(problem.sites)):
        value = -rel.slack[s] + problem.size * (mu[s] + nu[s] * ~problem.held[s])
        value = np.where(np.isfinite(value), value, -1.0)
        out[s] = knapsack(value / problem.size, problem.size, problem.held[s], problem.disk[s], problem.budget[s],
                          problem.titles)
    return out


def routing(problem: Compiled, holdings: np.ndarray) -> tuple[float, np.ndarray]:
    """Objective of ``holdings`` when bytes over a capacity may move to each title's next holder, and capacity prices.

    :func:`evaluate` routes every (region, title) to its cheapest holder. Here a share of the bytes a
    region gets from candidate j may instead come from each title's next holder k (or the origin) when
    that saves more overflow than it costs: a small LP over (region, j, k) with a row per capacity. Its
    routing is feasible for the model (``y`` moves only to a site holding the title), so the value is a
    valid plan objective, never above :func:`evaluate`'s (moving nothing is allowed).
    """
    ev = evaluate(problem, holdings)
    prices = np.zeros(len(problem.capacities))
    if ev.overflow_gb <= 0:
        return ev.objective, prices
    n_regions, n_titles = problem.demand.shape
    n_cand = problem.cand.shape[1]
    server = np.where(ev.server >= 0, ev.server, n_cand)
    second = np.full((n_regions, n_titles), n_cand)
    for j in range(n_cand - 1, -1, -1):  # the cheapest holder after the server
        ok = problem.cand[:, j] >= 0
        has = np.zeros((n_regions, n_titles), dtype=bool)
        has[ok] = holdings[problem.cand[ok, j]]
        second = np.where(has & (j > server), j, second)
    cost = np.concatenate([np.where(np.isfinite(problem.cand_cost), problem.cand_cost, 0.0),
                           problem.origin_cost[:, None]], axis=1)
    base = np.stack([(problem.demand * (server == c)).sum(axis=1) for c in range(n_cand + 1)], axis=1)
    moves = [(r, j, k, float(problem.demand[r, (server[r] == j) & (second[r] == k)].sum()))
             for r in range(n_regions) for j in range(n_cand) for k in range(j + 1, n_cand + 1)]
    moves = [m for m in moves if m[3] > 0]
    prob = pulp.LpProblem("routing", pulp.LpMinimize)
    share = _variables(prob, "m", len(moves), pulp.LpContinuous, None)
    over = _variables(prob, "over", len(problem.capacities), pulp.LpContinuous, None)
    objective = [(v, float(cost[r, k] - cost[r, j])) for v, (r, j, k, _) in zip(share, moves, strict=True)]
    for v, (_, _, _, gb) in zip(share, moves, strict=True):
        v.upBound = gb
    rows = []
    for o, cap in zip(over, problem.capacities, strict=True):
        objective.append((o, problem.overflow_penalty))
        terms = [(v, float(cap.uses[r, k]) - float(cap.uses[r, j]))
                 for v, (r, j, k, _) in zip(share, moves, strict=True) if cap.uses[r, k] != cap.uses[r, j]]
        rows.append(pulp.LpConstraint(pulp.LpAffineExpression([*terms, (o, -1.0)]), pulp.LpConstraintLE,
                                      cap.name, cap.cap_gb - float(base[cap.uses].sum())))
        prob.addConstraint(rows[-1])
    prob.setObjective(pulp.LpAffineExpression(objective))
    if solve_lp_problem(prob) is None:
        return ev.objective, prices
    prices = np.clip([-float(row.pi or 0.0) for row in rows], 0.0, problem.overflow_penalty)
    moved = float(pulp.value(prob.objective) or 0.0)
    return min(ev.objective, ev.objective - problem.overflow_penalty * ev.overflow_gb + moved), prices


def routed_objective(problem: Compiled, holdings: np.ndarray) -> float:
    """Objective of ``holdings`` when bytes over a capacity may move to each title's next holder (:func:`routing`)."""
    return routing(problem, holdings)[0]


def _subgradient(problem: Compiled, rel: Relaxation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Violations of disk, fill and capacity rows by the relaxation's solution (the multipliers' subgradient)."""
    x = rel.slack < 0
    g_mu = x.astype(float) @ problem.size - problem.disk
    g_nu = (x & ~problem.held).astype(float) @ problem.size - problem.budget
    n_cand = problem.cand.shape[1]
    served = np.zeros((problem.demand.shape[0], n_cand))  # GB of each region served by each candidate
    for j in range(n_cand):
        ok = problem.cand[:, j] >= 0
        y = x[problem.cand[ok, j]] & (problem.demand[ok] * rel.unit[ok, j, None] - rel.alpha[ok] > 0)
        served[ok, j] = (problem.demand[ok] * y).sum(axis=1)
    region_gb = problem.demand.sum(axis=1)
    g_pi = np.array([float((served * (c.uses[:, :n_cand].astype(float) - c.uses[:, [n_cand]])).sum())
                     + float(region_gb[c.uses[:, n_cand]].sum()) - c.cap_gb for c in problem.capacities])
    return g_mu, g_nu, g_pi


def initial_mu(problem: Compiled, holdings: np.ndarray) -> np.ndarray:
    """Disk prices from a plan: per full site, the smallest saving per GB among the titles it holds."""
    mu = np.zeros(len(problem.sites))
    for s in range(len(problem.sites)):
        held = np.flatnonzero(holdings[s])
        if len(held) and problem.size[held].sum() >= 0.95 * problem.disk[s]:
            value = site_savings(problem, holdings, s)[held] / problem.size[held]
            mu[s] = max(float(np.min(value)), 0.0)
    return mu


def initial_pi(problem: Compiled, holdings: np.ndarray) -> np.ndarray:
    """Capacity prices from a plan: the duals of the capacity rows of its routing LP (:func:`routing`).

    A capacity whose overflow no rerouting removes is priced at the overflow penalty, one whose
    overflow a detour removes at the detour's extra cost, one with room at 0 (docs/placement.md says
    why the decomposition starts there).
    """
    return routing(problem, holdings)[1]


def decompose(problem: Compiled, start: np.ndarray, time_limit: float | None = None, gap: float | None = None,
              max_iterations: int = 1000, passes: int = 5, repair_every: int = 20, patience: int = 20,
              sweeps: int = 3, progress: ProgressFn | None = None) -> Decomposition:
    """Plan and bound a problem of any size.

    Parameters
    ----------
    problem : Compiled
        The compiled problem.
    start : ndarray
        Feasible holdings to start from (the greedy plan).
    time_limit : float, optional
        Seconds for the whole method (None = ``max_iterations`` only).
    gap : float, optional
        Stop once (objective - bound) / objective is at most this (default 0.01).
    max_iterations : int
        Most subgradient iterations.
    passes : int
        Most coordinate-descent passes of the plan each time it is improved.
    repair_every : int
        Iterations between Lagrangian heuristics (repair of the relaxation's solution, then descent).
    patience : int
        Iterations without a better bound after which the step factor is halved.
    sweeps : int
        Rounds of the dual ascent of ``alpha`` per iteration (:func:`placement.milp.relax`).
    progress : callable, optional
        Called as ``progress("lagrangian", objective, bound)`` every 10 iterations.
    """
    began = time.perf_counter()
    deadline = math.inf if time_limit is None else began + time_limit
    target = DEFAULT_GAP if gap is None else gap
    holdings, _, done = improve(problem, start, passes, began + (time_limit or math.inf) / 2)
    objective = routed_objective(problem, holdings)
    finite = np.isfinite(problem.budget)
    mu = initial_mu(problem, holdings)
    nu = np.zeros(len(problem.sites))
    pi = initial_pi(problem, holdings)
    pricing_capacities = False  # pi held at the routing duals until mu and nu converge, then free
    alpha = np.zeros(problem.demand.shape)
    best = -math.inf
    theta, stall = 1.0, 0
    trace: list[dict[str, Any]] = []
    it = 0
    while it < max_iterations and time.perf_counter() < deadline:
        it += 1
        rel = relax(problem, alpha, mu, nu, pi, sweeps=sweeps)
        alpha = rel.alpha
        if rel.bound > best + 1e-9 * abs(objective):
            best, stall = rel.bound, 0
        else:
            stall += 1
            if stall >= patience:
                theta, stall = theta / 2, 0
        if it == 1 or it % 10 == 0:
            trace.append({"iteration": it, "bound": round(rel.bound, 3), "best": round(best, 3),
                          "seconds": round(time.perf_counter() - began, 2)})
            if progress is not None:
                progress("lagrangian", objective, best)
        if it % repair_every == 0 or theta < 1e-4:  # Lagrangian heuristic: repair the relaxation, then descend
            plan, _, ran = improve(problem, repair(problem, rel, mu, nu), passes, deadline)
            done += ran
            if (value := routed_objective(problem, plan)) < objective:
                holdings, objective = plan, value
        if objective - best <= target * abs(objective):
            break
        g_mu, g_nu, g_pi = _subgradient(problem, rel)
        g_mu = np.where((mu <= 0) & (g_mu < 0), 0.0, g_mu)
        g_nu = np.where(finite & ~((nu <= 0) & (g_nu < 0)), g_nu, 0.0)
        g_pi = np.where(((pi <= 0) & (g_pi < 0)) | ((pi >= problem.overflow_penalty) & (g_pi > 0)), 0.0, g_pi)
        if not pricing_capacities:
            g_pi = np.zeros_like(g_pi)
        norm = float(g_mu @ g_mu + g_nu @ g_nu + g_pi @ g_pi)
        if theta < 1e-4 or norm <= 0:  # converged: with pi held, let pi move now; else stop
            if pricing_capacities or not len(pi):
                break
            pricing_capacities, theta, stall = True, 1.0, 0
            continue
        step = theta * (objective - rel.bound) / norm
        mu = np.maximum(mu + step * g_mu, 0.0)
        nu = np.where(finite, np.maximum(nu + step * g_nu, 0.0), 0.0)
        pi = np.clip(pi + step * g_pi, 0.0, problem.overflow_penalty)
    return Decomposition(holdings=holdings, objective=objective, bound=min(best, objective), iterations=it,
                         passes=done, seconds=time.perf_counter() - began, trace=trace)
