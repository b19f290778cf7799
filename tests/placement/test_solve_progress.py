"""The optional progress callback of placement.solve: every phase reports its best plan and bound."""

from __future__ import annotations

import pytest
from test_milp import random_problem

from placement import solve


@pytest.mark.parametrize("solver", ["greedy", "highs", "lagrangian"])
def test_progress_reports_plans_no_better_than_the_bound(make_line_problem, solver: str) -> None:
    calls: list[tuple[str, float | None, float | None]] = []
    result = solve(random_problem(make_line_problem, 3), solver=solver, progress=lambda *a: calls.append(a))
    assert calls[0][0] == "greedy" and calls[0][1] == pytest.approx(result.greedy_objective)
    assert {phase for phase, _, _ in calls} <= {"greedy", "lagrangian", "model", "milp"}
    for _, objective, bound in calls:
        if objective is not None and bound is not None:
            assert bound <= objective + 1e-6 * abs(objective)
    if solver == "lagrangian":
        assert any(phase == "lagrangian" for phase, _, _ in calls)


def test_no_callback_changes_nothing(make_line_problem) -> None:
    problem = random_problem(make_line_problem, 3)
    with_calls = solve(problem, solver="highs", progress=lambda *a: None)
    without = solve(problem, solver="highs")
    assert with_calls.plan.equals(without.plan) and with_calls.objective == pytest.approx(without.objective)
