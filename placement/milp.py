"""The placement MILP in PuLP, solved by HiGHS (default) or CBC.

Variables: binary ``x[s, t]`` (site s holds title t after the fill) and continuous ``y[r, t, j]``
(share of region r's bytes of title t served by its j-th candidate site); the rest of the bytes come
from the nearest origin. Minimise

    sum D[r,t] * (origin_cost[r] - sum_j (origin_cost[r] - cost[r,j]) * y[r,t,j])
    + churn_cost * sum_{t not held at s} size[t] * x[s,t]  + penalty * (capacity overflow GB)

subject to the named constraints ``assign_r_t`` (sum_j y <= 1), ``serve_r_t_j`` (y <= x),
``disk_s``, ``fill_s`` (only titles not held count), ``link_a_b`` (peak-hour load of each direction of
each link on a serving path, the origin's share included, at most its capacity) and ``egress_s``
(peak-hour bytes a site serves at most its ``serve_gbps``). Link and egress constraints carry an
overflow variable with a penalty, so a network too thin for the demand still gets a plan (the summary
reports the overflow) and what does not fit goes the next cheapest way first.
"""

from __future__ import annotations

import functools
import math
import os
import re
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pulp

from placement.problem import Compiled, fits_in
from placement.result import ProgressFn


def _variables(prob: pulp.LpProblem, name: str, count: int, cat: str, up: float | None) -> list[pulp.LpVariable]:
    """Variables created through the problem (PuLP >= 3.3), else the classic way."""
    keys = range(count)
    if hasattr(prob, "add_variable_dicts"):
        made = prob.add_variable_dicts(name, keys, lowBound=0, upBound=up, cat=cat)
    else:  # pragma: no cover - PuLP < 3.3
        made = pulp.LpVariable.dicts(name, keys, lowBound=0, upBound=up, cat=cat)
    return [made[k] for k in keys]


def fits(problem: Compiled) -> np.ndarray:
    """(site, title) pairs a site could hold at all: the title fits its disk (within the tolerance every
    solver uses, :func:`~placement.problem.fits_in`)."""
    return np.asarray(fits_in(problem.size[None, :], problem.disk[:, None]))


class Model:
    """The MILP of a compiled problem with index arrays to read the solution back."""

    def __init__(self, problem: Compiled, start: np.ndarray, allowed: np.ndarray | None = None):
        self.problem = problem
        demand = problem.demand
        self.allowed = fits(problem) if allowed is None else allowed & fits(problem)
        # serving options: (region, title, candidate column) with positive demand and an allowed holder
        opts: list[tuple[int, int, int]] = []
        for j in range(problem.cand.shape[1]):
            sites = problem.cand[:, j]
            ok = np.zeros(demand.shape, dtype=bool)
            ok[sites >= 0] = self.allowed[sites[sites >= 0]]
            r_idx, t_idx = np.nonzero(ok & (demand > 0))
            opts.extend(zip(r_idx.tolist(), t_idx.tolist(), [j] * len(r_idx), strict=True))
        opts.sort()
        self.y_keys = np.array(opts, dtype=np.int64).reshape(-1, 3)
        y_site = problem.cand[self.y_keys[:, 0], self.y_keys[:, 2]] if len(opts) else np.zeros(0, dtype=int)
        x_pairs = sorted(set(zip(y_site.tolist(), self.y_keys[:, 1].tolist(), strict=True)))
        self.x_keys = np.array(x_pairs, dtype=int).reshape(-1, 2)
        x_of = {pair: i for i, pair in enumerate(x_pairs)}
        prob = pulp.LpProblem("placement", pulp.LpMinimize)
        x = _variables(prob, "x", len(x_pairs), pulp.LpBinary, None)
        y = _variables(prob, "y", len(opts), pulp.LpContinuous, None)  # y <= x <= 1
        self.x, self.y = x, y
        # every byte from the origin, as a variable fixed at 1: PuLP hands HiGHS no objective offset, and
        # the solvers' relative gaps must be measured on the whole objective, not on the savings
        origin = _variables(prob, "origin", 1, pulp.LpContinuous, 1.0)[0]
        origin.lowBound = 1.0
        gain = [demand[r, t] * (problem.origin_cost[r] - problem.cand_cost[r, j]) for r, t, j in opts]
        churn = [(x[i], problem.churn_cost * problem.size[t]) for i, (s, t) in enumerate(x_pairs)
                 if not problem.held[s, t]]
        objective = [(origin, float((demand * problem.origin_cost[:, None]).sum()))]
        objective += [(y[k], -g) for k, g in enumerate(gain)] + churn
        penalty = problem.overflow_penalty

        by_rt: dict[tuple[int, int], list[int]] = defaultdict(list)
        for k, (r, t, _) in enumerate(opts):
            by_rt[(r, t)].append(k)
        self.assign_rows: dict[tuple[int, int], pulp.LpConstraint] = {}
        for (r, t), ks in by_rt.items():
            row = pulp.LpConstraint(pulp.LpAffineExpression([(y[k], 1.0) for k in ks]), pulp.LpConstraintLE,
                                    f"assign_{r}_{t}", 1.0)
            prob.addConstraint(row)
            self.assign_rows[(r, t)] = row
        for k, (r, t, j) in enumerate(opts):
            xi = x_of[(int(problem.cand[r, j]), t)]
            prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(y[k], 1.0), (x[xi], -1.0)]),
                                                 pulp.LpConstraintLE, f"serve_{r}_{t}_{j}", 0.0))
        by_site: dict[int, list[int]] = defaultdict(list)
        for i, (s, _) in enumerate(x_pairs):
            by_site[s].append(i)
        self.disk_rows: dict[int, pulp.LpConstraint] = {}
        self.fill_rows: dict[int, pulp.LpConstraint] = {}
        for s, xs in sorted(by_site.items()):
            sizes = [(x[i], float(problem.size[x_pairs[i][1]])) for i in xs]
            row = pulp.LpConstraint(pulp.LpAffineExpression(sizes), pulp.LpConstraintLE, f"disk_{problem.sites[s]}",
                                    float(problem.disk[s]))
            prob.addConstraint(row)
            self.disk_rows[s] = row
            if math.isfinite(problem.budget[s]):
                new = [(x[i], float(problem.size[x_pairs[i][1]])) for i in xs if not problem.held[x_pairs[i]]]
                if new:
                    row = pulp.LpConstraint(pulp.LpAffineExpression(new), pulp.LpConstraintLE,
                                            f"fill_{problem.sites[s]}", float(problem.budget[s]))
                    prob.addConstraint(row)
                    self.fill_rows[s] = row
        self.overflow: list[tuple[pulp.LpConstraint, pulp.LpVariable]] = []
        for name, terms, constant, cap_gb in self._capacities(opts):
            over = _variables(prob, f"over_{name}", 1, pulp.LpContinuous, None)[0]
            objective.append((over, penalty))
            row = pulp.LpConstraint(pulp.LpAffineExpression([*terms, (over, -1.0)]), pulp.LpConstraintLE, name,
                                    cap_gb - constant)
            prob.addConstraint(row)
            self.overflow.append((row, over))
        prob.setObjective(pulp.LpAffineExpression(objective))
        self.prob = prob
        self.origin = origin
        self.set_start(start)

    def _capacities(self, opts: list[tuple[int, int, int]]) -> list[tuple[str, list, float, float]]:
        """Capacity rows: (name, terms over y, constant GB through the origin, capacity in GB/day)."""
        problem, demand, y = self.problem, self.problem.demand, self.y
        n_cand = problem.cand.shape[1]
        region_total = demand.sum(axis=1)
        by_rj: dict[tuple[int, int], list[int]] = defaultdict(list)
        for k, (r, _, j) in enumerate(opts):
            by_rj[(r, j)].append(k)
        out = []
        for cap in problem.capacities:
            via_origin = cap.uses[:, n_cand]
            constant = float(region_total[via_origin].sum())
            terms: list[tuple[pulp.LpVariable, float]] = []
            for (r, j), ks in sorted(by_rj.items()):
                share = float(cap.uses[r, j]) - float(via_origin[r])
                if share:
                    terms.extend((y[k], share * float(demand[opts[k][0], opts[k][1]])) for k in ks)
            out.append((cap.name, terms, constant, cap.cap_gb))
        return out

    @property
    def size(self) -> dict[str, int]:
        """Model size: binaries, continuous variables, constraints."""
        return {"binaries": len(self.x), "continuous": len(self.y) + len(self.overflow),
                "constraints": self.prob.numConstraints()}

    def set_start(self, holdings: np.ndarray) -> None:
        """Give every variable the value of ``holdings`` served by the cheapest holder (CBC's warm start)."""
        problem = self.problem
        self.origin.varValue = 1.0
        for i, (s, t) in enumerate(self.x_keys):
            self.x[i].varValue = float(holdings[s, t])
        served: set[tuple[int, int]] = set()
        for k, (r, t, j) in enumerate(self.y_keys):
            take = (r, t) not in served and bool(holdings[problem.cand[r, j], t])
            self.y[k].varValue = float(take)
            if take:
                served.add((r, t))
        for row, over in self.overflow:  # the start's overflow: what its loads exceed
            over.varValue = 0.0
            load = sum(c * (v.varValue or 0.0) for v, c in row.items())
            over.varValue = max(0.0, load + row.constant)

    def holdings(self) -> np.ndarray:
        """Holdings read from the solved binaries."""
        out = np.zeros(self.problem.held.shape, dtype=bool)
        for i, (s, t) in enumerate(self.x_keys):
            out[s, t] = (self.x[i].varValue or 0.0) > 0.5
        return out

    def fix_integral(self, tol: float = 1e-6) -> tuple[np.ndarray, int]:
        """Fix the binaries an LP solution left at 0 or 1; return that rounding-down and the free count.

        After :func:`solve_lp`, binaries at (almost) 0 or 1 get both bounds set to that value, so the
        next MILP only branches on the fractional ones ("LP and rounding": fix and re-solve). Rounding
        every fractional binary down keeps disk and fill budgets, so the returned holdings are feasible.
        """
        rounded = np.zeros(self.problem.held.shape, dtype=bool)
        free = 0
        for i, (s, t) in enumerate(self.x_keys):
            value = float(self.x[i].varValue or 0.0)
            if value >= 1 - tol:
                self.x[i].lowBound = self.x[i].upBound = 1
                rounded[s, t] = True
            elif value <= tol:
                self.x[i].lowBound = self.x[i].upBound = 0
            else:
                free += 1
        return rounded, free

    def overflow_gb(self) -> float:
        """GB of daily demand over link and egress capacities in the solution."""
        return float(sum(max(over.varValue or 0.0, 0.0) for _, over in self.overflow))


def solve_milp(model: Model, backend: str, time_limit: float | None, gap: float | None,
               threads: int | None, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Solve the model; return status, objective, bound and holdings (``None`` holdings = no solution).

    ``progress`` (HiGHS only) is called as ``progress("milp", objective, bound)`` at most twice a second.

    ``status`` is ``optimal`` (proved within the gap), ``feasible`` (a solution, stopped early) or
    ``none`` (no solution: the caller falls back); ``reason`` says why when not optimal.
    """
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cbc.log"
        try:
            model.prob.solve(_solver(backend, True, time_limit, gap, threads, log_path=log, progress=progress))
        except (pulp.PulpSolverError, IndexError) as err:  # PuLP's HiGHS reader fails on rows HiGHS dropped
            return {"status": "none", "reason": f"{backend} failed: {err}", "holdings": None,
                    "objective": None, "bound": None}
        cbc_log = log.read_text(errors="replace") if log.is_file() else ""
    has_solution = model.prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if not has_solution:
        return {"status": "none", "holdings": None, "objective": None, "bound": None,
                "reason": f"{backend} found no solution ({pulp.LpStatus[model.prob.status]}"
                          f"{', time limit' if time_limit else ''})"}
    objective = float(pulp.value(model.prob.objective) or 0.0)
    bound: float | None = None
    if backend == "highs":
        info = model.prob.solverModel.getInfo()
        bound = float(info.mip_dual_bound)
        optimal = model.prob.solverModel.getModelStatus().name == "kOptimal"
        if not math.isfinite(bound):
            bound = None
    else:  # CBC says "Optimal" also when it stopped at the requested gap: its bound is the log's
        bound = _cbc_bound(cbc_log)
        optimal = (model.prob.sol_status == pulp.LpSolutionOptimal and bound is not None
                   and objective - bound <= (1e-4 if gap is None else gap) * abs(objective) + 1e-9)
    if bound is not None:
        bound = min(bound, objective)
    return {"status": "optimal" if optimal else "feasible", "holdings": model.holdings(), "objective": objective,
            "bound": bound, "reason": None if optimal else f"{backend} stopped at the time limit before proving "
            "optimality"}


def _cbc_bound(log: str) -> float | None:
    """CBC's lower bound from its log: ``Lower bound:`` after a gap or time stop, the objective when proved optimal."""
    found = re.search(r"^Lower bound:\s+(\S+)", log, re.M)
    if found is None and re.search(r"^Result - Optimal solution found\s*$", log, re.M):
        found = re.search(r"^Objective value:\s+(\S+)", log, re.M)
    try:
        value = float(found.group(1)) if found else math.nan
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@functools.cache
def _highs_banner_silenced() -> None:
    """Build the process's first ``highspy.Highs`` with file descriptor 1 on /dev/null.

    HiGHS prints its "Running HiGHS ..." banner to stdout from C++ once per process, at the first
    construction and before any option (``output_flag``, PuLP's ``msg=False``) can apply; later
    instances print nothing, so ``cdn plan`` and ``cdn nightly`` output stays clean.
    """
    import highspy

    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _highs_progress(progress: ProgressFn) -> dict[str, Any]:
    """HiGHS callback options that report the MIP's incumbent and dual bound to ``progress`` every 0.5 s."""
    import highspy

    last = [-math.inf]

    def report(kind: Any, message: str, out: Any, into: Any, user: Any) -> None:
        if out.running_time - last[0] >= 0.5:
            last[0] = out.running_time
            objective, bound = float(out.mip_primal_bound), float(out.mip_dual_bound)
            progress("milp", objective if math.isfinite(objective) else None, bound if math.isfinite(bound) else None)

    return {"callbackTuple": (report, None),
            "callbacksToActivate": [highspy.cb.HighsCallbackType.kCallbackMipInterrupt]}


def _solver(backend: str, mip: bool, time_limit: float | None, gap: float | None,
            threads: int | None, log_path: Path | None = None, progress: ProgressFn | None = None) -> pulp.LpSolver:
    if backend == "highs":
        _highs_banner_silenced()
        # no MIP start for HiGHS: 1.16 with presolve accepted a start at a wrong objective in the reduced
        # space (see docs/placement.md); the caller keeps the greedy plan as the incumbent instead
        callbacks = _highs_progress(progress) if progress is not None and mip else {}
        return pulp.HiGHS(mip=mip, msg=False, timeLimit=time_limit, gapRel=gap, threads=threads, **callbacks)
    options = [f"threads {threads}"] if threads else []
    return pulp.COIN_CMD(mip=mip, msg=False, timeLimit=time_limit, gapRel=gap, options=options, warmStart=mip,
                         logPath=None if log_path is None else str(log_path))


def solve_lp_problem(prob: pulp.LpProblem) -> float | None:
    """Solve a small LP with HiGHS; return its objective, or None when it has no optimum."""
    try:
        prob.solve(_solver("highs", False, None, None, None))
    except pulp.PulpSolverError:
        return None
    return float(pulp.value(prob.objective) or 0.0) if prob.status == pulp.LpStatusOptimal else None


def solve_lp(model: Model, backend: str, time_limit: float | None, threads: int | None) -> float | None:
    """Solve the LP relaxation; return its optimum or None, leaving duals on the rows."""
    try:
        model.prob.solve(_solver(backend, False, time_limit, None, threads))
    except (pulp.PulpSolverError, IndexError):
        return None
    if model.prob.status != pulp.LpStatusOptimal or model.prob.sol_status != pulp.LpSolutionOptimal:
        return None
    return float(pulp.value(model.prob.objective) or 0.0)


def lagrangian_bound(problem: Compiled, alpha: np.ndarray, mu: np.ndarray, nu: np.ndarray, pi: np.ndarray,
                     sweeps: int = 3) -> tuple[float, np.ndarray]:
    """Lagrangian lower bound on the full MILP and each pair's net value (see :func:`relax`)."""
    out = relax(problem, alpha, mu, nu, pi, sweeps)
    return out.bound, np.maximum(-out.slack, 0.0)


@dataclass(frozen=True)
class Relaxation:
    """The Lagrangian relaxation at given multipliers.

    ``bound`` is the lower bound; ``slack[s, t]`` the opening price of (s, t) less the reduced gains it
    collects (negative = the relaxation holds t at s); ``alpha`` the multipliers after the dual ascent;
    ``unit[r, j]`` the gain per GB of serving region r from candidate j at the capacity prices.
    """

    bound: float
    slack: np.ndarray
    alpha: np.ndarray
    unit: np.ndarray


def relax(problem: Compiled, alpha: np.ndarray, mu: np.ndarray, nu: np.ndarray, pi: np.ndarray,
          sweeps: int = 3) -> Relaxation:
    """Lagrangian lower bound on the full MILP for any multipliers, and each pair's net value at them.

    Relaxing ``assign`` (``alpha[r, t] >= 0``), ``disk`` (``mu[s]``), ``fill`` (``nu[s]``) and the
    capacities (``0 <= pi[c] <= overflow_penalty``) leaves one tiny problem per (site, title) over
    ``0 <= y <= x <= 1``: hold the title iff the reduced gains of the bytes it would serve beat its
    opening price, so its minimum is ``min(0, open - sum_r max(0, gain - alpha))``. The sum of these
    minima plus the multipliers' constant terms is a lower bound on every plan (weak duality), whatever
    the multipliers; at the LP optimum's duals it equals the LP bound.

    ``alpha`` is first improved by ``sweeps`` rounds of exact coordinate ascent (one region at a time,
    all titles at once): for fixed other multipliers the bound is concave and piecewise linear in
    ``alpha[r, t]`` with slope ``-1 + #{candidate sites still paying}``, so its maximum is at the second
    largest breakpoint. This is the facility-location dual ascent of each title; it never lowers the
    bound, and it matters for pairs a restricted model did not price.

    ``nu`` must be 0 at sites without a fill budget (no such constraint to relax).
    """
    demand = problem.demand
    n_cand = problem.cand.shape[1]
    pi = np.clip(pi, 0.0, problem.overflow_penalty)
    price = np.zeros((demand.shape[0], n_cand))
    through_origin = 0.0
    region_gb = demand.sum(axis=1)
    for cap, weight in zip(problem.capacities, pi, strict=True):
        if weight:
            price += weight * (cap.uses[:, :n_cand].astype(float) - cap.uses[:, [n_cand]].astype(float))
            through_origin += weight * (float(region_gb[cap.uses[:, n_cand]].sum()) - cap.cap_gb)
    unit = np.where(problem.cand >= 0, problem.origin_cost[:, None] - np.where(problem.cand >= 0, problem.cand_cost,
                                                                                  0.0) - price, 0.0)
    new = ~problem.held
    slack = problem.size[None, :] * (problem.churn_cost * new + mu[:, None] + nu[:, None] * new)
    slack = np.where(fits(problem), slack, np.inf)  # a pair that cannot fit is never held
    alpha = alpha.copy()
    for r, j in zip(*np.nonzero(problem.cand >= 0), strict=True):  # row by row: a site may repeat in a column
        slack[problem.cand[r, j]] -= np.maximum(demand[r] * unit[r, j] - alpha[r], 0.0)
    for _ in range(sweeps):
        for r in range(demand.shape[0]):
            cols = np.flatnonzero(problem.cand[r] >= 0)
            if not len(cols):
                continue
            sites = problem.cand[r, cols]
            gain = demand[r][None, :] * unit[r, cols, None]
            without = slack[sites] + np.maximum(gain - alpha[r], 0.0)
            stops = gain - np.maximum(without, 0.0)
            top, second = stops[0], np.zeros(demand.shape[1]) if len(cols) == 1 else np.full(demand.shape[1], -np.inf)
            for row in stops[1:]:  # second largest breakpoint, column by column
                second = np.maximum(second, np.minimum(top, row))
                top = np.maximum(top, row)
            alpha[r] = np.maximum(second, 0.0)
            slack[sites] = without - np.maximum(gain - alpha[r], 0.0)
    finite = np.isfinite(problem.budget)
    constant = (float((demand * problem.origin_cost[:, None]).sum()) - float(alpha.sum())
                - float(mu @ problem.disk) - float(nu[finite] @ problem.budget[finite]) + through_origin)
    if (nu[~finite] != 0).any():
        raise ValueError("nu must be 0 at sites without a fill budget")
    return Relaxation(bound=constant - float(np.maximum(-slack, 0.0).sum()), slack=slack, alpha=alpha, unit=unit)


def model_duals(model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Multipliers (alpha, mu, nu, pi) read from the rows of a solved LP relaxation."""
    problem = model.problem

    def dual(row: pulp.LpConstraint) -> float:
        return max(0.0, -float(row.pi or 0.0))  # a <= row of a minimisation has a dual <= 0 in PuLP

    alpha = np.zeros(problem.demand.shape)
    for (r, t), row in model.assign_rows.items():
        alpha[r, t] = dual(row)
    mu = np.zeros(len(problem.sites))
    nu = np.zeros(len(problem.sites))
    for s, row in model.disk_rows.items():
        mu[s] = dual(row)
    for s, row in model.fill_rows.items():
        nu[s] = dual(row)
    pi = np.array([dual(row) for row, _ in model.overflow])
    return alpha, mu, nu, pi
