"""CBC (``solver="cbc"``, a ``cbc`` binary through ``pulp.COIN_CMD``): same optima as HiGHS, options honoured.

These tests skip when no ``cbc`` binary is on PATH (``apt-get install coinor-cbc``), except in CI
(``CI=true``), whose entry point ``.ci/run`` installs it: there a missing CBC fails them.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pulp
import pytest
from conftest import line_problem, needs_cbc
from test_milp import random_problem

import placement.solvers as solvers
from cdn import columns as C
from placement import SOLVERS, compile_problem, greedy_holdings, solve
from placement.milp import Model, lagrangian_bound, model_duals, solve_lp

pytestmark = needs_cbc

TINY = Path(__file__).parents[1] / "data" / "tiny"
REL = 1e-6


def held_after(result) -> set[tuple[str, str]]:
    return set(zip(result.holdings[C.SITE], result.holdings[C.TITLE], strict=True))


def assert_within_disks_and_budgets(problem, result) -> None:
    """Every site's holdings fit its disk and its adds fit its fill budget; adds are titles not held before."""
    size = problem.catalog.set_index(C.TITLE)[C.SIZE_GB].astype(float)
    disk = problem.sites.set_index(C.SITE)[C.DISK_GB].astype(float)
    held = set(zip(problem.held[C.SITE], problem.held[C.TITLE], strict=True))
    plan = result.plan
    for site in problem.sites.loc[problem.sites[C.TIER] != C.ORIGIN, C.SITE]:
        rows = plan[plan[C.SITE] == site]
        after = rows.loc[rows[C.ACTION] != C.EVICT, C.TITLE]
        adds = rows.loc[rows[C.ACTION] == C.ADD, C.TITLE]
        assert float(after.map(size).astype(float).sum()) <= float(disk[site]) + 1e-6, site
        assert float(adds.map(size).astype(float).sum()) <= problem.fill_budget_gb.get(site, math.inf) + 1e-6, site
        assert all((site, t) not in held for t in adds), site
    assert held_after(result) == set(zip(plan.loc[plan[C.ACTION] != C.EVICT, C.SITE],
                                         plan.loc[plan[C.ACTION] != C.EVICT, C.TITLE], strict=True))


def assert_same_optimum(problem) -> tuple:
    """CBC and HiGHS (proved to 1e-9) reach the same objective; CBC proves it and keeps every budget."""
    highs = solve(problem, solver="highs", gap=1e-9)
    cbc = solve(problem, solver="cbc")
    assert highs.status == "optimal"
    assert cbc.status == "optimal" and cbc.solver == "cbc" and cbc.method == "milp", cbc.reason
    assert cbc.objective == pytest.approx(highs.objective, rel=REL, abs=1e-9)
    assert cbc.bound is not None and cbc.bound <= cbc.objective + 1e-9
    assert cbc.gap == pytest.approx(0.0, abs=REL)
    assert_within_disks_and_budgets(problem, cbc)
    return highs, cbc


class CbcCalls:
    """Records the command lines PuLP starts ``cbc`` with (the calls still run)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.args: list[list[str]] = []
        real = subprocess.Popen

        def popen(args, *rest, **kwargs):
            if args and Path(str(args[0])).name.startswith("cbc"):
                self.args.append([str(a) for a in args])
            return real(args, *rest, **kwargs)

        monkeypatch.setattr(pulp.apis.coin_api.subprocess, "Popen", popen)

    def option(self, name: str) -> list[str]:
        """Values of ``-name`` over the recorded MILP calls (those with ``-solve``)."""
        return [args[args.index(f"-{name}") + 1] for args in self.args if "-solve" in args and f"-{name}" in args]


@pytest.fixture
def cbc_calls(monkeypatch) -> CbcCalls:
    return CbcCalls(monkeypatch)


def hard_problem(make_line_problem, titles: int = 80):
    """80 titles over three sites with thin links, an egress cap and a fill budget: CBC needs > 40 s to prove it."""
    rng = random.Random(1)
    names = [f"t{i}" for i in range(titles)]
    sizes = {t: rng.uniform(1, 20) for t in names}
    demand = {(r, t): rng.uniform(0, 50) for r in ("r1", "r2") for t in names}
    return make_line_problem(demand, sizes, disk={"S": 3.75 * titles, "E1": 2.25 * titles, "E2": 1.75 * titles},
                             budget={"E1": 1.25 * titles}, churn_cost=0.1, link_gbps=0.05, serve_gbps={"E1": 0.02},
                             held=[("S", "t1"), ("E1", "t2")])


def test_cbc_is_registered_when_a_cbc_binary_is_on_path() -> None:
    assert "cbc" in SOLVERS, "no cbc binary on PATH: .ci/run installs coinor-cbc, locally apt-get install coinor-cbc"
    assert pulp.COIN_CMD().available()


def test_cbc_finds_the_knapsack_optimum_greedy_misses(make_line_problem):
    # E1 (disk 10) and titles a (6 GB, 6 GB demanded), b and c (5 GB, 4 GB each): greedy takes a only
    problem = make_line_problem({("r1", "a"): 6.0, ("r1", "b"): 4.0, ("r1", "c"): 4.0},
                                {"a": 6.0, "b": 5.0, "c": 5.0}, disk={"E1": 10.0})
    _, cbc = assert_same_optimum(problem)
    assert held_after(cbc) == {("E1", "b"), ("E1", "c")}
    assert cbc.objective == pytest.approx(6.0 * 6) and cbc.greedy_objective == pytest.approx(8.0 * 6)


def test_cbc_sends_what_exceeds_an_edge_egress_the_next_cheapest_way(make_line_problem):
    problem = make_line_problem({("r1", "a"): 10.0, ("r1", "b"): 0.5}, {"a": 10.0, "b": 10.0},
                                disk={"S": 10.0, "E1": 20.0}, serve_gbps={"E1": 5 * 0.08 * 8 / 3600})
    _, cbc = assert_same_optimum(problem)
    assert {("E1", "a"), ("S", "a")} <= held_after(cbc)
    assert cbc.objective == pytest.approx(5.5)
    assert cbc.details["capacity_overflow_gb"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(("churn", "kept"), [(0.0, "new"), (0.1, "old")])
def test_cbc_prices_churn_like_highs(make_line_problem, churn, kept):
    problem = make_line_problem({("r1", "old"): 1.0, ("r1", "new"): 1.1}, {"old": 10.0, "new": 10.0},
                                disk={"E1": 10.0}, held=[("E1", "old")], churn_cost=churn)
    _, cbc = assert_same_optimum(problem)
    assert held_after(cbc) == {("E1", kept)}


def test_cbc_keeps_a_fill_budget_that_binds(make_line_problem):
    # E1 could hold all three titles but may only add 10 GB tonight: it keeps b and adds the best 10 GB
    problem = make_line_problem({("r1", "a"): 9.0, ("r1", "b"): 3.0, ("r1", "c"): 5.0},
                                {"a": 10.0, "b": 5.0, "c": 5.0}, disk={"E1": 30.0}, held=[("E1", "b")],
                                budget={"E1": 10.0})
    _, cbc = assert_same_optimum(problem)
    assert held_after(cbc) == {("E1", "a"), ("E1", "b")}


@pytest.mark.parametrize("seed", range(4))
def test_cbc_matches_highs_on_random_small_networks(make_line_problem, seed):
    assert_same_optimum(random_problem(make_line_problem, seed))


@pytest.mark.parametrize("seed", range(2))
def test_cbc_restricted_model_matches_the_full_model_and_bounds_it(make_line_problem, monkeypatch, seed):
    problem = random_problem(make_line_problem, seed)
    full = solve(problem, solver="highs", gap=1e-9)
    monkeypatch.setattr(solvers, "MONOLITHIC_MAX_OPTIONS", 0)  # decomposition, CBC's LPs and duals, fixed MILP
    restricted = solve(problem, solver="cbc")
    assert restricted.solver == "cbc" and restricted.method in ("lp-fix-milp", "lp-rounding", "lagrangian")
    assert restricted.bound <= full.objective + REL * abs(full.objective)
    assert restricted.objective >= full.objective - REL * abs(full.objective)
    assert restricted.objective <= restricted.greedy_objective + 1e-6
    assert_within_disks_and_budgets(problem, restricted)


def test_lagrangian_bound_at_cbc_lp_duals_equals_the_cbc_lp_optimum(make_line_problem):
    problem = compile_problem(random_problem(make_line_problem, 0))
    highs_model, cbc_model = Model(problem, greedy_holdings(problem)), Model(problem, greedy_holdings(problem))
    highs_lp = solve_lp(highs_model, "highs", None, None)
    cbc_lp = solve_lp(cbc_model, "cbc", None, None)
    assert cbc_lp == pytest.approx(highs_lp, rel=REL)
    bound, _ = lagrangian_bound(problem, *model_duals(cbc_model))  # CBC's dual signs read as HiGHS'
    assert bound == pytest.approx(cbc_lp, rel=REL)


def test_cbc_gets_the_time_limit_gap_threads_and_the_warm_start(make_line_problem, cbc_calls):
    problem = make_line_problem({("r1", "a"): 6.0, ("r1", "b"): 4.0, ("r1", "c"): 4.0},
                                {"a": 6.0, "b": 5.0, "c": 5.0}, disk={"E1": 10.0})
    result = solve(problem, solver="cbc", time_limit=30, gap=0.01, threads=2)
    assert result.status == "optimal" and result.solver == "cbc"
    (args,) = [a for a in cbc_calls.args if "-solve" in a]
    assert 0 < float(cbc_calls.option("sec")[0]) <= 30
    assert float(cbc_calls.option("ratio")[0]) == pytest.approx(0.01)
    assert cbc_calls.option("threads") == ["2"]
    assert "-mips" in args  # the greedy plan as MIP start (warmStart=True)
    assert cbc_calls.option("timeMode") == ["elapsed"]  # wall time, as HiGHS' limit


@pytest.mark.slow
def test_cbc_stops_at_the_time_limit_with_a_valid_plan(make_line_problem, cbc_calls):
    problem = hard_problem(make_line_problem)
    result = solve(problem, solver="cbc", time_limit=1)
    assert [float(s) for s in cbc_calls.option("sec")] == [pytest.approx(1.0)]
    assert result.solver == "cbc" and result.status == "feasible"
    assert "time limit" in result.reason
    assert result.bound is None or result.bound <= result.objective + 1e-6  # no proof of optimality is claimed
    assert result.objective <= result.greedy_objective + 1e-6
    assert_within_disks_and_budgets(problem, result)


@pytest.fixture(scope="module")
def gap_case():
    """40 titles with capacities (CBC stops at its root node at a 20% gap) and HiGHS' proved optimum."""
    problem = hard_problem(line_problem, titles=40)
    optimum = solve(problem, solver="highs", gap=1e-9)
    assert optimum.status == "optimal"
    return problem, optimum


def test_cbc_stops_within_the_requested_gap(gap_case, cbc_calls):
    problem, optimum = gap_case
    result = solve(problem, solver="cbc", gap=0.2)
    assert float(cbc_calls.option("ratio")[0]) == pytest.approx(0.2)
    assert result.solver == "cbc" and result.status in ("optimal", "feasible")
    assert optimum.objective - 1e-6 <= result.objective <= (1 + 0.2) * optimum.objective
    assert_within_disks_and_budgets(problem, result)


def test_cbc_bound_stopped_at_a_gap_is_a_valid_bound(gap_case):
    problem, optimum = gap_case
    result = solve(problem, solver="cbc", gap=0.2)
    assert result.bound is not None and result.bound <= optimum.objective + REL * optimum.objective
    assert result.status == "optimal" or result.gap > 0.2


def run_plan(out: Path, solver: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cdn", "plan", "--data", str(TINY), "--date", "2024-01-12",
                           "--out", str(out), "--model", "ewma", "--solver", solver, "--time-limit", "60"],
                          capture_output=True, text=True, check=False)


def test_cdn_plan_with_cbc_writes_the_plan_directory(tmp_path: Path) -> None:
    done = run_plan(tmp_path / "cbc", "cbc")
    assert done.returncode == 0, done.stderr
    assert "optimal (cbc, milp)" in done.stderr and "Traceback" not in done.stderr
    summary = json.loads((tmp_path / "cbc" / "2024-01-12" / "summary.json").read_text())
    assert summary["solver"] == "cbc" and summary["status"] == "optimal" and summary["date"] == "2024-01-12"
    plan = pd.read_csv(tmp_path / "cbc" / "2024-01-12" / "placement.csv", dtype=str, keep_default_na=False)
    assert tuple(plan.columns) == C.PLAN_COLUMNS
    assert set(plan[C.ACTION]) <= {C.ADD, C.KEEP, C.EVICT} and len(plan) > 0
    sizes = pd.read_csv(TINY / "catalog.csv", dtype={C.TITLE: str}).set_index(C.TITLE)[C.SIZE_GB]
    disks = pd.read_csv(TINY / "sites.csv").set_index(C.SITE)[C.DISK_GB]
    after = plan[plan[C.ACTION] != C.EVICT]
    for site, rows in after.groupby(C.SITE):
        assert rows[C.TITLE].map(sizes).sum() <= disks[site] + 1e-6, site
    assert summary["adds"] == int((plan[C.ACTION] == C.ADD).sum())
    assert summary["fill_gb"] == pytest.approx(float(plan.loc[plan[C.ACTION] == C.ADD, C.SIZE_GB].astype(float).sum()))

    done = run_plan(tmp_path / "highs", "highs")
    assert done.returncode == 0, done.stderr
    highs = json.loads((tmp_path / "highs" / "2024-01-12" / "summary.json").read_text())
    assert summary["objective"] == pytest.approx(highs["objective"], rel=REL)
