import math

import numpy as np
import pandas as pd
import pytest
from conftest import needs_cbc

import placement.solvers as solvers
from cdn import columns as C
from placement import SOLVERS, compile_problem, evaluate, greedy_holdings, solve
from placement.errors import PlacementInputError
from placement.milp import Model, lagrangian_bound, model_duals, solve_lp


def held_after(result) -> set[tuple[str, str]]:
    return set(zip(result.holdings[C.SITE], result.holdings[C.TITLE], strict=True))


@pytest.fixture
def knapsack_trap(make_line_problem):
    """E1 (disk 10) and titles a (6 GB, 6 GB demanded), b and c (5 GB, 4 GB each): greedy takes a only."""
    return make_line_problem({("r1", "a"): 6.0, ("r1", "b"): 4.0, ("r1", "c"): 4.0},
                             {"a": 6.0, "b": 5.0, "c": 5.0}, disk={"E1": 10.0})


def test_milp_finds_the_knapsack_optimum_greedy_misses(knapsack_trap):
    greedy = solve(knapsack_trap, solver="greedy")
    milp = solve(knapsack_trap, solver="highs")
    assert held_after(greedy) == {("E1", "a")} and greedy.objective == 8.0 * 6
    assert held_after(milp) == {("E1", "b"), ("E1", "c")}
    assert milp.objective == pytest.approx(6.0 * 6)
    assert milp.status == "optimal" and milp.bound == pytest.approx(milp.objective) and milp.gap == pytest.approx(0)
    assert milp.greedy_objective == greedy.objective


def test_the_default_plan_is_never_worse_than_greedy_by_the_objective(knapsack_trap, make_line_problem, monkeypatch):
    # objective hit: a GB r1's own edge E1 does not serve costs its path cost (6 from O) + 100 x 6
    trap = make_line_problem({("r1", "a"): 6.0, ("r1", "b"): 4.0, ("r1", "c"): 4.0, ("r1", "d"): 1.0},
                             {"a": 6.0, "b": 5.0, "c": 5.0, "d": 6.0}, disk={"E1": 10.0}, objective="hit")
    greedy = solve(trap, solver="greedy")
    assert held_after(greedy) == {("E1", "a")} and greedy.objective == pytest.approx((4 + 4 + 1) * 606)
    best = solve(trap, solver="highs")  # b and c: only a (6 GB) and d (1 GB) missed
    assert held_after(best) == {("E1", "b"), ("E1", "c")} and best.objective == pytest.approx((6 + 1) * 606)
    assert best.greedy_objective == pytest.approx(greedy.objective)

    def worse(problem, start, options):  # d alone: 4 GB left, too small for any other title
        holdings = np.zeros_like(start)
        holdings[problem.sites.index("E1"), problem.titles.index("d")] = True
        return solvers.Outcome(holdings=holdings, status="feasible", method="worse", objective=(6 + 4 + 4) * 606)

    monkeypatch.setitem(SOLVERS, "worse", worse)
    kept = solve(trap, solver="worse")
    assert held_after(kept) == {("E1", "a")} and kept.objective == pytest.approx(greedy.objective)
    assert "the greedy plan beat the solver's plan" in kept.reason


def test_milp_model_names_every_constraint(make_line_problem):
    problem = compile_problem(make_line_problem({("r1", "a"): 5.0, ("r2", "a"): 5.0}, {"a": 10.0},
                                                disk={"S": 10.0, "E1": 10.0, "E2": 10.0}, budget={"E1": 20.0},
                                                serve_gbps={"E1": 0.001}))
    prob = Model(problem, greedy_holdings(problem)).prob
    for name in ("disk_E1", "disk_E2", "disk_S", "fill_E1", "egress_E1", "assign_0_0", "serve_0_0_0"):
        assert prob.get_constraint_by_name(name) is not None, name


def test_what_exceeds_an_edge_egress_goes_the_next_cheapest_way(make_line_problem):
    # E1 may serve 0.0009 Gbps at peak = 5 GB/day at a 0.08 peak share: r1's 10 GB of a cannot all come from E1
    problem = make_line_problem({("r1", "a"): 10.0, ("r1", "b"): 0.5}, {"a": 10.0, "b": 10.0},
                                disk={"S": 10.0, "E1": 20.0}, serve_gbps={"E1": 5 * 0.08 * 8 / 3600})
    result = solve(problem, solver="highs")
    assert ("E1", "a") in held_after(result) and ("S", "a") in held_after(result)
    # 4.5 GB of a and b's 0.5 GB from E1 at cost 0, 5.5 GB of a from S at cost 1: no overflow
    assert result.objective == pytest.approx(5.5)
    assert result.details["capacity_overflow_gb"] == pytest.approx(0.0)


def test_churn_cost_keeps_a_held_title_over_a_slightly_better_new_one(make_line_problem):
    demand = {("r1", "old"): 1.0, ("r1", "new"): 1.1}
    cheap = solve(make_line_problem(demand, {"old": 10.0, "new": 10.0}, disk={"E1": 10.0}, held=[("E1", "old")]),
                  solver="highs")
    dear = solve(make_line_problem(demand, {"old": 10.0, "new": 10.0}, disk={"E1": 10.0}, held=[("E1", "old")],
                                   churn_cost=0.1), solver="highs")
    assert held_after(cheap) == {("E1", "new")}
    assert held_after(dear) == {("E1", "old")}


def test_lagrangian_bound_at_lp_duals_equals_the_lp_optimum(knapsack_trap):
    problem = compile_problem(knapsack_trap)
    model = Model(problem, greedy_holdings(problem))
    lp = solve_lp(model, "highs", None, None)
    bound, _ = lagrangian_bound(problem, *model_duals(model))
    assert lp == pytest.approx(0.2 * 4.0 * 6 + 4.0 * 6)  # a whole (6 GB), 4 GB of b
    assert bound == pytest.approx(lp)


def test_solver_failure_falls_back_to_greedy_and_says_why(knapsack_trap, monkeypatch):
    def no_solution(*args, **kwargs):
        return {"status": "none", "holdings": None, "objective": None, "bound": None,
                "reason": "highs found no solution (Not Solved, time limit)"}

    monkeypatch.setattr(solvers, "solve_milp", no_solution)
    result = solve(knapsack_trap, solver="highs", time_limit=1)
    assert result.status == "fallback" and result.solver == "greedy"
    assert "time limit" in result.reason
    assert held_after(result) == {("E1", "a")}


def test_unknown_solver_lists_the_valid_names(knapsack_trap):
    with pytest.raises(PlacementInputError, match=r"valid solvers: .*greedy.*highs"):
        solve(knapsack_trap, solver="gurobi")
    assert {"highs", "greedy"} <= set(SOLVERS)


@pytest.mark.parametrize("bad", [{"time_limit": 0}, {"gap": -0.1}, {"threads": 0}])
def test_out_of_range_options_are_clear_errors(knapsack_trap, bad):
    with pytest.raises(PlacementInputError):
        solve(knapsack_trap, solver="highs", **bad)


def random_problem(make_line_problem, seed: int, titles: int = 12):
    rng = np.random.default_rng(seed)
    names = [f"t{i:02d}" for i in range(titles)]
    sizes = dict(zip(names, rng.integers(2, 12, titles).astype(float), strict=True))
    demand = {(r, t): float(rng.exponential(5.0)) for r in ("r1", "r2") for t in names if rng.random() < 0.8}
    held = [(s, t) for s in ("S", "E1", "E2") for t in names if rng.random() < 0.15]
    return make_line_problem(demand, sizes, disk={"S": 30.0, "E1": 25.0, "E2": 15.0}, held=held,
                             budget={"E1": 12.0, "S": 20.0}, churn_cost=0.2, link_gbps=0.02,
                             serve_gbps={"E2": 0.01})


@pytest.mark.parametrize("seed", range(4))
def test_restricted_model_matches_the_full_model_and_bounds_it(make_line_problem, monkeypatch, seed):
    problem = random_problem(make_line_problem, seed)
    full = solve(problem, solver="highs")
    monkeypatch.setattr(solvers, "MONOLITHIC_MAX_OPTIONS", 0)
    restricted = solve(problem, solver="highs")
    assert restricted.method in ("lp-fix-milp", "lp-rounding")
    assert restricted.bound <= full.objective + 1e-6 * abs(full.objective)
    assert restricted.objective >= full.bound - 1e-6 * abs(full.objective)
    assert restricted.objective <= solve(problem, solver="greedy").objective + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_restricted_model_small_enough_is_solved_whole_not_fixed(make_line_problem, monkeypatch, seed):
    problem = random_problem(make_line_problem, seed)
    full = solve(problem, solver="highs")
    monkeypatch.setattr(solvers, "MONOLITHIC_MAX_OPTIONS", solvers.serving_options(compile_problem(problem)) - 1)
    restricted = solve(problem, solver="highs")
    assert restricted.method == "restricted-milp" and "fractional_binaries" not in restricted.details
    assert restricted.objective == pytest.approx(full.objective, rel=1e-6)  # the columns priced in hold the optimum
    assert restricted.bound <= full.objective + 1e-6 * abs(full.objective)


def test_default_gap_is_tight_where_the_model_is_solved_whole_and_one_percent_where_decomposed(make_line_problem,
                                                                                                 monkeypatch):
    problem = random_problem(make_line_problem, 0)
    asked: list[tuple[str, float | None]] = []
    milp, decompose = solvers.solve_milp, solvers.decompose
    monkeypatch.setattr(solvers, "solve_milp", lambda model, backend, limit, gap, *rest: asked.append(
        ("milp", gap)) or milp(model, backend, limit, gap, *rest))
    monkeypatch.setattr(solvers, "decompose", lambda *args, gap, **kw: asked.append(
        ("decompose", gap)) or decompose(*args, gap=gap, **kw))
    whole = solve(problem, solver="highs")
    assert asked == [("milp", solvers.WHOLE_MODEL_GAP)] == [("milp", 1e-4)]
    assert whole.status == "optimal" and whole.gap <= 1e-4
    asked.clear()
    monkeypatch.setattr(solvers, "MONOLITHIC_MAX_OPTIONS", 0)
    solve(problem, solver="highs")
    assert asked == [("decompose", 0.01), ("milp", 0.01)]
    asked.clear()
    solve(problem, solver="highs", gap=0.05)  # an explicit gap holds on every path
    assert asked == [("decompose", 0.05), ("milp", 0.05)]


@pytest.mark.parametrize("seed", range(4))
def test_milp_is_never_worse_than_greedy_on_its_own_measure(make_line_problem, seed):
    problem = random_problem(make_line_problem, seed)
    compiled = compile_problem(problem)
    milp = solve(problem, solver="highs")
    assert milp.objective <= evaluate(compiled, greedy_holdings(compiled)).objective + 1e-6
    assert milp.bound <= milp.objective + 1e-9 and not math.isnan(milp.gap)
    assert isinstance(milp.plan, pd.DataFrame)


@pytest.mark.parametrize("solver", ["highs", pytest.param("cbc", marks=needs_cbc)])
def test_a_title_that_fits_within_float_tolerance_is_an_option_and_the_bound_stays_below(make_line_problem, solver):
    # 1.0000000000000002 GB on a 1 GB disk: every solver keeps it (tolerance 1e-9), so the MILP must not
    # call the problem "nothing fits" and report the all-origin cost (6) as the bound of a plan costing 2
    titles = [f"t{i}" for i in range(6)]
    sizes = {t: 1.0 for t in titles} | {"t2": 1.0000000000000002}
    held = [(s, t) for s in ("S", "E1", "E2") for t in titles]
    problem = make_line_problem({("r1", "t2"): 1.0}, sizes, disk={"S": 0.0, "E1": 0.0, "E2": 1.0}, held=held,
                                budget={"S": math.inf, "E1": math.inf, "E2": math.inf}, churn_cost=0.0,
                                link_gbps=1.0, serve_gbps={"E1": 1.0}, objective="cost")
    result = solve(problem, solver=solver)
    assert ("E2", "t2") in held_after(result)
    assert result.bound is not None and result.bound <= result.objective + 1e-9
