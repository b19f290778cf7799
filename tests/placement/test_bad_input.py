import math

import networkx as nx
import pandas as pd
import pytest

from cdn import columns as C
from placement import solve
from placement.errors import PlacementError, PlacementInputError


def actions(result) -> dict[tuple[str, str], str]:
    return dict(zip(zip(result.plan[C.SITE], result.plan[C.TITLE], strict=True), result.plan[C.ACTION], strict=True))


def test_disk_smaller_than_what_is_held_evicts_down_to_the_disk_and_says_so(make_line_problem):
    problem = make_line_problem({("r1", "a"): 5.0, ("r1", "b"): 1.0}, {"a": 10.0, "b": 10.0}, disk={"E1": 10.0},
                                held=[("E1", "a"), ("E1", "b")])
    result = solve(problem, solver="highs")
    assert actions(result) == {("E1", "a"): C.KEEP, ("E1", "b"): C.EVICT}
    assert "E1 held 20.0 GB" in result.reason


def test_zero_disk_site_holds_nothing(make_line_problem):
    problem = make_line_problem({("r1", "a"): 5.0}, {"a": 10.0}, disk={"E1": 0.0}, held=[("E1", "a")])
    result = solve(problem, solver="highs")
    assert actions(result) == {("E1", "a"): C.EVICT}
    assert result.holdings.empty


def test_fill_budget_that_admits_nothing_keeps_and_says_why(make_line_problem):
    problem = make_line_problem({("r1", "a"): 5.0, ("r1", "b"): 50.0}, {"a": 10.0, "b": 10.0},
                                disk={"E1": 20.0}, held=[("E1", "a")], budget={"E1": 5.0})
    result = solve(problem, solver="highs")
    assert actions(result) == {("E1", "a"): C.KEEP}
    assert "E1 fill budget 5.0 GB admits no title" in result.reason


def test_held_titles_outside_the_catalog_are_evicted_and_reported(make_line_problem):
    problem = make_line_problem({("r1", "a"): 5.0}, {"a": 10.0}, disk={"E1": 20.0}, held=[("E1", "ghost")])
    result = solve(problem, solver="greedy")
    assert "'ghost'" in result.reason
    assert actions(result)[("E1", "ghost")] == C.EVICT
    assert "ghost" not in set(result.holdings[C.TITLE])


def test_site_that_cannot_reach_an_origin_is_a_clear_error(make_line_problem):
    problem = make_line_problem({("r1", "a"): 5.0}, {"a": 10.0}, disk={"E1": 20.0})
    graph = nx.Graph(problem.graph)
    graph.remove_edge("O", "S")
    with pytest.raises(PlacementError, match="cannot reach an origin"):
        solve(type(problem)(**{**problem.__dict__, "graph": graph}), solver="greedy")


@pytest.mark.parametrize("gb", [math.nan, -1.0, math.inf])
def test_non_finite_or_negative_demand_is_a_clear_error(make_line_problem, gb):
    problem = make_line_problem({("r1", "a"): gb}, {"a": 10.0}, disk={"E1": 20.0})
    with pytest.raises(PlacementInputError, match="demand_gb column gb"):
        solve(problem, solver="greedy")


def test_negative_churn_cost_is_a_clear_error(make_line_problem):
    problem = make_line_problem({("r1", "a"): 1.0}, {"a": 10.0}, disk={"E1": 20.0}, churn_cost=-1.0)
    with pytest.raises(PlacementInputError, match="churn_cost"):
        solve(problem, solver="greedy")


def test_caller_frames_are_not_modified(make_line_problem):
    problem = make_line_problem({("r1", "a"): 1.0}, {"a": 10.0}, disk={"E1": 20.0}, held=[("E1", "a")])
    before = [f.copy() for f in (problem.sites, problem.catalog, problem.demand_gb, problem.held)]
    edges = sorted(problem.graph.edges(data=True))
    solve(problem, solver="highs")
    for old, new in zip(before, (problem.sites, problem.catalog, problem.demand_gb, problem.held), strict=True):
        pd.testing.assert_frame_equal(old, new)
    assert sorted(problem.graph.edges(data=True)) == edges
