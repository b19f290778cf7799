"""Invariants every registered solver keeps on random small networks."""

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdn import columns as C
from placement import SOLVERS, solve

TITLES = [f"t{i}" for i in range(6)]
SITES = ("S", "E1", "E2")


def draw_problem(draw, line_problem, objective="cost"):
    sizes = {t: draw(st.floats(1.0, 20.0)) for t in TITLES}
    demand = {(r, t): draw(st.floats(0.0, 50.0)) for r in ("r1", "r2") for t in TITLES if draw(st.booleans())}
    held = [(s, t) for s in SITES for t in TITLES if draw(st.integers(0, 3)) == 0]
    disk = {s: draw(st.floats(0.0, 60.0)) for s in SITES}
    budget = {s: draw(st.one_of(st.just(math.inf), st.floats(0.0, 30.0))) for s in SITES}
    return line_problem(demand, sizes, disk=disk, held=held, budget=budget,
                        churn_cost=draw(st.floats(0.0, 2.0)), link_gbps=draw(st.floats(0.001, 1.0)),
                        serve_gbps={"E1": draw(st.floats(0.001, 1.0))}, objective=objective)


@pytest.mark.slow
@pytest.mark.parametrize("solver", sorted(SOLVERS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_plan_ever_exceeds_a_disk_or_a_fill_budget(make_line_problem, solver, data):
    problem = draw_problem(data.draw, make_line_problem)
    result = solve(problem, solver=solver)
    plan = result.plan
    size = problem.catalog.set_index(C.TITLE)[C.SIZE_GB]
    held = set(zip(problem.held[C.SITE], problem.held[C.TITLE], strict=True))
    for site in SITES:
        rows = plan[plan[C.SITE] == site]
        after = rows.loc[rows[C.ACTION] != C.EVICT, C.TITLE]
        adds = rows.loc[rows[C.ACTION] == C.ADD, C.TITLE]
        disk = float(problem.sites.set_index(C.SITE).loc[site, C.DISK_GB])
        assert float(after.map(size).astype(float).sum()) <= disk + 1e-6
        assert float(adds.map(size).astype(float).sum()) <= problem.fill_budget_gb.get(site, math.inf) + 1e-6
        assert all((site, t) not in held for t in adds)
        assert all((site, t) in held for t in rows.loc[rows[C.ACTION] != C.ADD, C.TITLE])
        assert {t for s, t in held if s == site} <= set(rows[C.TITLE])
        assert list(rows.loc[rows[C.ACTION] == C.ADD, C.PRIORITY]) == list(range(1, len(adds) + 1))
    assert set(zip(result.holdings[C.SITE], result.holdings[C.TITLE], strict=True)) == set(
        zip(plan.loc[plan[C.ACTION] != C.EVICT, C.SITE], plan.loc[plan[C.ACTION] != C.EVICT, C.TITLE], strict=True))
    if result.bound is not None:
        assert result.bound <= result.objective + 1e-6 * max(1.0, abs(result.objective))
    assert isinstance(plan, pd.DataFrame)


SERVES = {"E1": ("r1",), "E2": ("r2",), "S": ("r1", "r2")}


@pytest.mark.slow
@pytest.mark.parametrize("solver", sorted(set(SOLVERS) - {"naive"}))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_disk_stays_empty_while_a_wanted_title_fits_it_and_the_fill_budget(make_line_problem, solver, data):
    sizes = {t: data.draw(st.floats(1.0, 20.0)) for t in TITLES}
    demand = {(r, t): data.draw(st.floats(0.0, 50.0)) for r in ("r1", "r2") for t in TITLES if data.draw(st.booleans())}
    prior = {(r, t): data.draw(st.floats(0.0, 5.0)) for r in ("r1", "r2") for t in TITLES if data.draw(st.booleans())}
    held = [(s, t) for s in SITES for t in TITLES if data.draw(st.integers(0, 3)) == 0]
    disk = {s: data.draw(st.floats(0.0, 80.0)) for s in SITES}
    budget = {s: data.draw(st.one_of(st.just(math.inf), st.floats(0.0, 40.0))) for s in SITES}
    problem = make_line_problem(demand, sizes, disk=disk, held=held, budget=budget,
                                churn_cost=data.draw(st.floats(0.0, 2.0)), objective=data.draw(
                                    st.sampled_from(["hit", "cost"])), prior=prior)
    result = solve(problem, solver=solver)
    after = set(zip(result.holdings[C.SITE], result.holdings[C.TITLE], strict=True))
    before = set(held)
    for site in SITES:
        mine = [t for s, t in after if s == site]
        free = disk[site] - sum(sizes[t] for t in mine)
        room = budget[site] - sum(sizes[t] for t in mine if (site, t) not in before)
        for t in TITLES:
            # wanted: some demand or recent history (a billionth of a GB, e.g. a subnormal float, is none)
            wanted = any(demand.get((r, t), 0.0) > 1e-9 or prior.get((r, t), 0.0) > 1e-9 for r in SERVES[site])
            fits = sizes[t] <= free - 1e-6 and ((site, t) in before or sizes[t] <= room - 1e-6)
            assert (site, t) in after or not (wanted and fits), (site, t, free, room)


@pytest.mark.slow
@pytest.mark.parametrize("solver", sorted(set(SOLVERS) - {"naive", "greedy"}))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_solver_plan_is_worse_than_the_greedy_plan_by_the_objective(make_line_problem, solver, data):
    problem = draw_problem(data.draw, make_line_problem, data.draw(st.sampled_from(["hit", "cost"])))
    gap = data.draw(st.sampled_from([None, 0.01, 0.5]))  # a loose gap lets the MILP stop at a poor incumbent
    result = solve(problem, solver=solver, gap=gap)
    greedy = solve(problem, solver="greedy")
    assert result.greedy_objective == pytest.approx(greedy.objective)
    assert result.objective <= greedy.objective + 1e-9 * max(1.0, abs(greedy.objective))
