"""The Lagrangian decomposition: its bound is valid against the exact MILP, its plan is feasible and no worse."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_milp import random_problem

import placement.solvers as solvers
from placement import compile_problem, evaluate, greedy_holdings, solve
from placement.lagrange import decompose, improve, initial_pi, routed_objective
from placement.milp import relax

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("seed", range(4))
def test_decomposition_brackets_the_exact_milp_optimum(make_line_problem, seed):
    problem = random_problem(make_line_problem, seed)
    exact = solve(problem, solver="highs")  # monolithic: HiGHS proves optimality within 1e-4
    assert exact.status == "optimal" and exact.method == "milp"
    compiled = compile_problem(problem)
    greedy = greedy_holdings(compiled)
    dec = decompose(compiled, greedy, gap=1e-6, max_iterations=200)
    tol = 1e-6 * abs(exact.objective)
    assert dec.bound <= exact.objective + tol  # bound <= optimum <= the exact plan
    assert dec.objective >= exact.bound - tol  # no plan beats the MILP's own bound
    assert dec.objective <= evaluate(compiled, greedy).objective + tol
    assert dec.objective == pytest.approx(routed_objective(compiled, dec.holdings))
    assert exact.bound - tol <= routed_objective(compiled, greedy) <= evaluate(compiled, greedy).objective + tol
    assert dec.bound > 0.5 * exact.objective  # the multipliers do work: far above the bound at zero prices


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), scale=st.floats(0.0, 20.0), use_alpha=st.booleans())
def test_any_nonnegative_multipliers_give_a_bound_below_the_optimum(make_line_problem, seed, scale, use_alpha):
    problem = random_problem(make_line_problem, seed % 50)
    exact = solve(problem, solver="highs")
    compiled = compile_problem(problem)
    rng = np.random.default_rng(seed)
    n_sites, n_caps = len(compiled.sites), len(compiled.capacities)
    alpha = rng.uniform(0, scale, compiled.demand.shape) if use_alpha else np.zeros(compiled.demand.shape)
    nu = np.where(np.isfinite(compiled.budget), rng.uniform(0, scale, n_sites), 0.0)
    pi = rng.uniform(0, compiled.overflow_penalty, n_caps)
    rel = relax(compiled, alpha, rng.uniform(0, scale, n_sites), nu, pi, sweeps=int(seed % 3))
    assert rel.bound <= exact.objective + 1e-6 * abs(exact.objective)
    assert (rel.alpha >= 0).all()


@pytest.mark.parametrize(("egress_gb", "expected"), [(5.0, 1.0), (12.0, 0.0)])
def test_capacity_prices_start_at_what_a_gb_over_the_capacity_costs_the_plan(make_line_problem, egress_gb, expected):
    # r1 wants 10 GB of a (held by E1 and S) and 5 GB of b (held nowhere): E1 serves a, and a GB of a over
    # E1's egress comes from S instead, at one more cost unit; with 12 GB/day of egress nothing is over
    problem = make_line_problem({("r1", "a"): 10.0, ("r1", "b"): 5.0}, {"a": 10.0, "b": 10.0},
                                disk={"S": 10.0, "E1": 10.0}, serve_gbps={"E1": egress_gb * 0.08 * 8 / 3600},
                                held=[("S", "a"), ("E1", "a")])
    compiled = compile_problem(problem)
    assert [c.name for c in compiled.capacities] == ["egress_E1"]
    assert initial_pi(compiled, compiled.held.copy()).tolist() == pytest.approx([expected])


def test_nu_at_a_site_without_fill_budget_is_refused(make_line_problem):
    compiled = compile_problem(random_problem(make_line_problem, 0))
    nu = np.where(np.isfinite(compiled.budget), 0.0, 1.0)
    with pytest.raises(ValueError, match="fill budget"):
        relax(compiled, np.zeros(compiled.demand.shape), np.zeros(len(compiled.sites)), nu,
              np.zeros(len(compiled.capacities)))


def test_greedy_credits_what_an_own_site_serves_its_neighbours_and_descent_keeps_the_optimum(make_line_problem):
    # greedy: E1 takes a for r1 (60 > 54); r2 may now get a from E1 at 2, so E2 takes c (9 x 6 = 54 > 10 x 2);
    # S then saves 9 x 5 with b for r1, 10 x 1 with a for r2: takes b. r1: b from S (9); r2: a from E1 (20) = 29,
    # the optimum (each site holds one title; a must be at an edge, c at E2 or r2 pays 36 more), so descent stays.
    problem = compile_problem(make_line_problem(
        {("r1", "a"): 10.0, ("r2", "a"): 10.0, ("r1", "b"): 9.0, ("r2", "c"): 9.0},
        {"a": 10.0, "b": 10.0, "c": 10.0}, disk={"S": 10.0, "E1": 10.0, "E2": 10.0}))
    greedy = greedy_holdings(problem)
    assert evaluate(problem, greedy).objective == pytest.approx(29.0)
    better, objective, passes = improve(problem, greedy, passes=5, deadline=float("inf"))
    assert objective == pytest.approx(29.0) and passes == 1
    assert [problem.titles[t] for s in ("E1", "E2", "S") for t in np.flatnonzero(better[problem.sites.index(s)])] == [
        "a", "c", "b"]


def test_bytes_over_an_egress_move_to_the_next_holder_in_the_plan_objective(make_line_problem):
    # E1 may serve 5 GB/day at peak; it holds a (10 GB demanded) and b (0.5 GB), S holds a too.
    # Cheapest-holder routing: 10.5 GB from E1, 5.5 GB over at a penalty of 6 (origin cost) = 33.
    # Moving 5.5 GB of a to S costs 1 per GB: 5.5, the model's optimum for these holdings.
    problem = compile_problem(make_line_problem({("r1", "a"): 10.0, ("r1", "b"): 0.5}, {"a": 10.0, "b": 10.0},
                                                disk={"S": 10.0, "E1": 20.0}, serve_gbps={"E1": 5 * 0.08 * 8 / 3600}))
    holdings = np.zeros(problem.held.shape, dtype=bool)
    holdings[problem.sites.index("E1"), [problem.titles.index("a"), problem.titles.index("b")]] = True
    holdings[problem.sites.index("S"), problem.titles.index("a")] = True
    assert evaluate(problem, holdings).objective == pytest.approx(33.0)
    assert routed_objective(problem, holdings) == pytest.approx(5.5)


def test_highs_at_national_size_plans_by_decomposition_instead_of_falling_back(make_line_problem, monkeypatch):
    problem = random_problem(make_line_problem, 1)
    exact = solve(problem, solver="highs")
    monkeypatch.setattr(solvers, "MONOLITHIC_MAX_OPTIONS", 0)
    monkeypatch.setattr(solvers, "RESTRICTED_MAX_OPTIONS", 0)
    result = solve(problem, solver="highs", gap=0.01)
    assert result.method == "lagrangian" and result.status in ("optimal", "feasible")
    assert result.bound <= exact.objective + 1e-6 * abs(exact.objective) <= result.objective + 1e-6 * abs(
        exact.objective)
    assert result.details["lagrangian_iterations"] >= 1


def test_lagrangian_solver_is_registered_and_reports_its_bound(make_line_problem):
    result = solve(random_problem(make_line_problem, 2), solver="lagrangian", gap=0.01)
    assert result.method == "lagrangian" and result.solver == "lagrangian"
    assert result.bound <= result.objective and result.gap is not None


def test_highs_prints_no_banner_on_stdout():
    code = ("import runpy\nline_problem = runpy.run_path('tests/placement/conftest.py')['line_problem']\n"
            "from placement import solve\n"
            "r = solve(line_problem({('r1', 'a'): 6.0}, {'a': 6.0}, disk={'E1': 10.0}), solver='highs')\n"
            "print('status', r.status)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout == "status optimal\n"
