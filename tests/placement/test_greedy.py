import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdn import columns as C
from placement import compile_problem, solve
from placement.greedy import fill_idle, greedy_holdings, knapsack


def held_after(result) -> set[tuple[str, str]]:
    return set(zip(result.holdings[C.SITE], result.holdings[C.TITLE], strict=True))


def test_knapsack_takes_densest_titles_that_fit_and_skips_the_rest():
    density = np.array([1.0, 5.0, 3.0, 2.0])
    size = np.array([10.0, 40.0, 30.0, 20.0])
    take = knapsack(density, size, np.zeros(4, dtype=bool), disk=60.0, budget=np.inf, titles=["a", "b", "c", "d"])
    assert take.tolist() == [False, True, False, True]  # b (40) then c does not fit, d (20) does


def test_knapsack_counts_only_new_titles_against_the_fill_budget():
    density = np.array([5.0, 4.0, 3.0])
    size = np.array([10.0, 10.0, 10.0])
    held = np.array([True, False, False])
    take = knapsack(density, size, held, disk=30.0, budget=10.0, titles=["a", "b", "c"])
    assert take.tolist() == [True, True, False]


def test_knapsack_keeps_held_titles_without_value_while_disk_remains():
    take = knapsack(np.array([0.0, 2.0]), np.array([10.0, 10.0]), np.array([True, False]), disk=20.0, budget=0.0,
                    titles=["a", "b"])
    assert take.tolist() == [True, False]


def test_greedy_fills_each_edge_with_its_region_favourites(make_line_problem):
    problem = make_line_problem({("r1", "a"): 10.0, ("r1", "b"): 1.0, ("r2", "b"): 10.0, ("r2", "a"): 1.0},
                                {"a": 10.0, "b": 10.0}, disk={"E1": 10.0, "E2": 10.0})
    result = solve(problem, solver="greedy")
    assert held_after(result) == {("E1", "a"), ("E2", "b")}
    # r1 misses b: served by peer E2 at cost 2; r2 misses a: from E1 at cost 2
    assert result.objective == 1.0 * 2 + 1.0 * 2
    assert result.expected_edge_byte_hit_ratio == 20.0 / 22.0
    assert result.status == "feasible" and result.bound is None


def test_greedy_storage_takes_what_edges_miss(make_line_problem):
    problem = make_line_problem({("r1", "a"): 10.0, ("r1", "b"): 5.0, ("r2", "c"): 1.0},
                                {"a": 10.0, "b": 10.0, "c": 10.0}, disk={"S": 10.0, "E1": 10.0})
    result = solve(problem, solver="greedy")
    assert held_after(result) == {("E1", "a"), ("S", "b")}
    assert result.objective == 5.0 * 1 + 1.0 * 6


def test_greedy_plan_is_identical_on_rerun(make_line_problem):
    problem = make_line_problem({("r1", "a"): 3.0, ("r1", "b"): 3.0, ("r2", "a"): 3.0},
                                {"a": 10.0, "b": 10.0}, disk={"S": 10.0, "E1": 10.0, "E2": 10.0})
    first, second = solve(problem, solver="greedy"), solve(problem, solver="greedy")
    pd.testing.assert_frame_equal(first.plan, second.plan)


def knapsack_by_loop(density, size, held, disk, budget, titles):
    """The knapsack rule written as the plain loop it vectorises."""
    take = np.zeros(len(size), dtype=bool)
    order = sorted(range(len(size)), key=lambda i: (-density[i], titles[i]))
    used = fill = 0.0
    for i in [i for i in order if density[i] > 0] + [i for i in order if density[i] <= 0 and held[i]]:
        if used + size[i] > disk * (1 + 1e-9) + 1e-9:
            continue
        if not held[i] and density[i] > 0:
            if fill + size[i] > budget * (1 + 1e-9) + 1e-9:
                continue
            fill += size[i]
        used += size[i]
        take[i] = True
    return take


@settings(max_examples=200, deadline=None)
@given(items=st.lists(st.tuples(st.floats(-2, 10), st.integers(1, 30), st.booleans()), min_size=1, max_size=25),
       disk=st.integers(0, 120), budget=st.one_of(st.just(np.inf), st.integers(0, 60)))
def test_vectorised_knapsack_takes_exactly_what_the_plain_loop_takes(items, disk, budget):
    density = np.array([d for d, _, _ in items])
    size = np.array([float(z) for _, z, _ in items])
    held = np.array([h for _, _, h in items])
    titles = [f"t{i:02d}" for i in range(len(items))]
    expected = knapsack_by_loop(density, size, held, float(disk), float(budget), titles)
    assert knapsack(density, size, held, float(disk), float(budget), titles).tolist() == expected.tolist()


def test_objective_hit_puts_the_region_favourite_at_its_edge_where_cost_puts_the_storage_complement(
        make_line_problem):
    # r1 and r2 both want A; only r1 wants B; E2 has no disk, so S serves r2 (cost 1) and E1 serves r1
    demand = {("r1", "A"): 10.0, ("r2", "A"): 10.0, ("r1", "B"): 9.0}
    args = dict(sizes={"A": 1.0, "B": 1.0}, disk={"S": 1.0, "E1": 1.0})
    by_cost = solve(make_line_problem(demand, objective="cost", **args), solver="highs")
    by_hit = solve(make_line_problem(demand, objective="hit", **args), solver="highs")
    held = {kind: set(zip(r.holdings[C.SITE], r.holdings[C.TITLE], strict=True)) for kind, r in
            (("cost", by_cost), ("hit", by_hit))}
    assert held["cost"] == {("E1", "B"), ("S", "A")}  # path cost 10 + 10 = 20 < 9 + 20 = 29
    assert held["hit"] == {("E1", "A"), ("S", "B")}  # the contract's measure first: 10 GB hit > 9
    assert by_hit.expected_edge_byte_hit_ratio == pytest.approx(10 / 29)
    assert by_cost.expected_edge_byte_hit_ratio == pytest.approx(9 / 29)
    assert by_hit.summary()["hit_weight"] == pytest.approx(100 * 6.0) and by_hit.summary()["objective_kind"] == "hit"


@pytest.mark.parametrize("solver", ["greedy", "highs", "lagrangian"])
def test_objective_hit_is_the_same_for_every_solver(make_line_problem, solver):
    demand = {("r1", "A"): 10.0, ("r2", "A"): 10.0, ("r1", "B"): 9.0}
    result = solve(make_line_problem(demand, sizes={"A": 1.0, "B": 1.0}, disk={"S": 1.0, "E1": 1.0},
                                     objective="hit"), solver=solver)
    assert set(zip(result.holdings[C.SITE], result.holdings[C.TITLE], strict=True)) == {("E1", "A"), ("S", "B")}


def test_fill_idle_leaves_no_disk_empty_while_titles_wait(make_line_problem):
    # the churn price beats C's one-day value, and D has no forecast at all: only the prior names it
    problem = make_line_problem({("r1", "A"): 10.0, ("r1", "C"): 0.01}, sizes={"A": 1.0, "C": 1.0, "D": 1.0, "X": 1.0},
                                disk={"E1": 3.0}, budget={"E1": 3.0}, churn_cost=5.0, prior={("r1", "D"): 0.5})
    compiled = compile_problem(problem)
    bare = greedy_holdings(compiled)
    assert [compiled.titles[t] for t in np.flatnonzero(bare[compiled.sites.index("E1")])] == ["A"]
    filled = fill_idle(compiled, bare)
    assert [compiled.titles[t] for t in np.flatnonzero(filled[compiled.sites.index("E1")])] == ["A", "C", "D"]
    result = solve(problem, solver="greedy")  # X: no evidence at all, left out
    assert set(result.holdings.loc[result.holdings[C.SITE] == "E1", C.TITLE]) == {"A", "C", "D"}


def test_fill_idle_stops_at_the_fill_budget(make_line_problem):
    problem = make_line_problem({("r1", "A"): 10.0}, sizes={"A": 1.0, "B": 1.0}, disk={"E1": 5.0},
                                budget={"E1": 1.0}, prior={("r1", "B"): 1.0})
    result = solve(problem, solver="greedy")
    assert set(result.holdings.loc[result.holdings[C.SITE] == "E1", C.TITLE]) == {"A"}


def test_naive_ranks_each_edge_by_its_region_and_storage_by_the_regions_it_is_nearest_to(make_line_problem):
    demand = {("r1", "A"): 10.0, ("r1", "B"): 9.0, ("r2", "C"): 30.0, ("r2", "A"): 1.0}
    problem = make_line_problem(demand, sizes={"A": 1.0, "B": 1.0, "C": 1.0}, disk={"S": 1.0, "E1": 1.0, "E2": 1.0},
                                held=[("E2", "B")], budget={"E2": 0.0})
    result = solve(problem, solver="naive")
    held = set(zip(result.holdings[C.SITE], result.holdings[C.TITLE], strict=True))
    # E1 its top title; E2 cannot fill, keeps B; S the top of r1 + r2 (C: 30 GB), duplicates allowed
    assert held == {("E1", "A"), ("E2", "B"), ("S", "C")}
    assert result.method == "naive" and result.status == "feasible"
