import pandas as pd

from cdn import columns as C
from placement import compile_problem, solve
from placement.fillplan import fill_plan


def rows(plan: pd.DataFrame) -> list[tuple]:
    return [(r.site_id, r.title_id, r.action, None if pd.isna(r.priority) else int(r.priority), r.source)
            for r in plan.itertuples()]


def test_plan_lists_adds_by_priority_then_keeps_then_evicts(make_line_problem):
    problem = make_line_problem({("r1", "a"): 10.0, ("r1", "b"): 30.0, ("r1", "c"): 5.0},
                                {"a": 10.0, "b": 10.0, "c": 10.0, "d": 10.0},
                                disk={"E1": 30.0}, held=[("E1", "c"), ("E1", "d")])
    plan = solve(problem, solver="greedy").plan
    assert list(plan.columns) == list(C.PLAN_COLUMNS)
    assert rows(plan) == [("E1", "b", "add", 1, "O"), ("E1", "a", "add", 2, "O"),
                          ("E1", "c", "keep", None, ""), ("E1", "d", "evict", None, "")]


def test_add_is_filled_from_the_cheapest_site_that_held_it_before(make_line_problem):
    # S held a before tonight: E1 fills a from S (cost 1) rather than the origin (cost 6)
    problem = make_line_problem({("r1", "a"): 10.0}, {"a": 10.0}, disk={"S": 10.0, "E1": 10.0},
                                held=[("S", "a")])
    assert rows(solve(problem, solver="greedy").plan) == [("E1", "a", "add", 1, "S"), ("S", "a", "keep", None, "")]


def test_source_without_fill_capacity_left_is_skipped(make_line_problem):
    problem = make_line_problem({("r1", "a"): 10.0, ("r2", "a"): 10.0}, {"a": 10.0},
                                disk={"S": 10.0, "E1": 10.0, "E2": 10.0}, held=[("S", "a")])
    compiled = compile_problem(problem)
    holdings = compiled.held.copy()
    holdings[:, 0] = True
    plan, _, reasons = fill_plan(compiled, holdings, pd.Series({"S": 10.0}), origins=["O"])
    adds = plan[plan[C.ACTION] == C.ADD]
    assert dict(zip(adds[C.SITE], adds[C.SOURCE], strict=True)) == {"E1": "S", "E2": "O"}
    assert reasons == []


def test_an_add_without_any_source_left_is_dropped_and_explained(make_line_problem):
    problem = make_line_problem({("r1", "a"): 10.0}, {"a": 10.0}, disk={"E1": 10.0})
    compiled = compile_problem(problem)
    holdings = compiled.held.copy()
    holdings[compiled.sites.index("E1"), 0] = True
    plan, after, reasons = fill_plan(compiled, holdings, pd.Series({"O": 0.0}), origins=["O"])
    assert plan.empty and not after.any()
    assert "no source had fill capacity left" in reasons[0]
