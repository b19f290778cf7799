"""`cdn nightly` end to end on the tiny scenario: the plan directory is exactly what the contract says."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cdn import columns as C
from cdn.nightly import plan_date, run_nightly
from cdn.scenario import load_scenario

TINY = Path(__file__).parent.parent / "data" / "tiny"
SUMMARY_KEYS = {"date", "status", "solver", "objective", "bound", "gap", "expected_edge_byte_hit_ratio",
                "fill_gb", "evict_gb", "seconds"}


def nightly(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cdn", "nightly", *args], capture_output=True, text=True, check=False)


def check_plan_directory(plan_dir: Path, held_before: set[tuple[str, str]]) -> pd.DataFrame:
    """Check a plan directory against the contract, independently of the code that wrote it."""
    scenario = load_scenario(TINY)
    assert sorted(p.name for p in plan_dir.iterdir() if not p.name.startswith(".")) >= ["placement.csv",
                                                                                      "summary.json"]
    plan = pd.read_csv(plan_dir / "placement.csv", dtype=str, keep_default_na=False)
    assert list(plan.columns) == list(C.PLAN_COLUMNS)
    assert set(plan[C.ACTION]) <= {C.ADD, C.KEEP, C.EVICT}
    assert not plan.duplicated([C.SITE, C.TITLE]).any()
    pairs = set(zip(plan[C.SITE], plan[C.TITLE], strict=True))
    for site, title, action in zip(plan[C.SITE], plan[C.TITLE], plan[C.ACTION], strict=True):
        assert ((site, title) in held_before) == (action != C.ADD), (site, title, action)
    assert held_before <= pairs, "every title held before is kept or evicted explicitly"
    sizes = scenario.catalog.set_index(C.TITLE)[C.SIZE_GB]
    after = plan[plan[C.ACTION].isin([C.ADD, C.KEEP])]
    disk = scenario.sites.set_index(C.SITE)[C.DISK_GB]
    for site, held in after.groupby(C.SITE):
        assert sizes[held[C.TITLE]].sum() <= disk[site] + 1e-9
    adds = plan[plan[C.ACTION] == C.ADD]
    budget = scenario.fill_budget_gb()
    for site, added in adds.groupby(C.SITE):
        assert sizes[added[C.TITLE]].sum() <= budget[site] + 1e-9
        assert sorted(added[C.PRIORITY].astype(int)) == list(range(1, len(added) + 1))
        assert added[C.SOURCE].ne("").all() and added[C.SOURCE].ne(site).all()
    others = plan[plan[C.ACTION] != C.ADD]
    assert others[C.PRIORITY].eq("").all() and others[C.SOURCE].eq("").all()
    summary = json.loads((plan_dir / "summary.json").read_text())
    assert set(summary) >= SUMMARY_KEYS
    assert summary["date"] == plan_dir.name
    assert summary["status"] in {"optimal", "feasible", "fallback"}
    assert summary["fill_gb"] == pytest.approx(float(sizes[adds[C.TITLE]].sum()))
    assert 0.0 <= summary["expected_edge_byte_hit_ratio"] <= 1.0
    return plan


def test_nightly_writes_a_contract_plan_from_the_scenario_placement(tmp_path: Path) -> None:
    done = nightly("--data", str(TINY), "--date", "2024-01-12", "--out", str(tmp_path), "--model", "ewma")
    assert done.returncode == 0, done.stderr
    assert "expected edge byte hit ratio" in done.stderr
    scenario = load_scenario(TINY)
    before = set(zip(scenario.placement[C.SITE], scenario.placement[C.TITLE], strict=True))
    check_plan_directory(tmp_path / "2024-01-12", before)


def test_second_night_starts_from_the_first_plan(tmp_path: Path) -> None:
    scenario = load_scenario(TINY)
    first = run_nightly(scenario, pd.Timestamp("2024-01-12"), tmp_path, model="ewma")
    plan = pd.read_csv(first.plan_dir / "placement.csv", dtype=str, keep_default_na=False)
    held = set(zip(*plan.loc[plan[C.ACTION] != C.EVICT, [C.SITE, C.TITLE]].to_numpy().T, strict=True))
    second = run_nightly(scenario, pd.Timestamp("2024-01-13"), tmp_path, model="ewma")
    check_plan_directory(second.plan_dir, held)
    assert second.actual is not None and 0.0 <= second.actual["edge_byte_hit_ratio"] <= 1.0


def test_rerun_gives_an_identical_plan(tmp_path: Path) -> None:
    scenario = load_scenario(TINY)
    run_nightly(scenario, pd.Timestamp("2024-01-12"), tmp_path, model="ewma")
    first = (tmp_path / "2024-01-12" / "placement.csv").read_bytes()
    run_nightly(scenario, pd.Timestamp("2024-01-12"), tmp_path, model="ewma")
    assert (tmp_path / "2024-01-12" / "placement.csv").read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["2024-01-12"]


def test_default_date_is_the_day_after_the_last_demand() -> None:
    assert plan_date(load_scenario(TINY), None) == pd.Timestamp("2024-01-15")


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2024-01-01", "--date must be from 2024-01-02 to 2024-01-15"),
        ("2024-02-01", "--date must be from 2024-01-02 to 2024-01-15"),
        ("12/01/2024", "is not a YYYY-MM-DD date"),
    ],
)
def test_bad_dates_exit_2_without_writing(tmp_path: Path, date: str, message: str) -> None:
    done = nightly("--data", str(TINY), "--date", date, "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_bad_scenario_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(TINY, broken)
    (broken / "catalog.csv").unlink()
    done = nightly("--data", str(broken), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "catalog.csv: file is missing" in done.stderr


def test_hybrid_expected_hit_ratio_counts_the_cache_part_and_labels_the_plans_figure(tmp_path: Path) -> None:
    from cdn.nightly import describe

    scenario = load_scenario(TINY)
    outcome = run_nightly(scenario, pd.Timestamp("2024-01-12"), tmp_path, model="ewma", solver="greedy",
                          mode="hybrid", pinned_share=0.0)
    s = outcome.summary
    # share 0 pins nothing on the edges: the plan's own figure sees no edge hit, the cache part does
    assert outcome.expected["edge_byte_hit_ratio"] == 0.0
    rows = pd.DataFrame(s["pinned_share_backtest"])
    assert set(rows["pinned_share"]) == {0.0} and rows["chosen"].all()
    pooled = (rows["edge_byte_hit_ratio"] * rows["demand_gb"]).sum() / rows["demand_gb"].sum()
    assert s["backtest_edge_byte_hit_ratio"] == pytest.approx(pooled)
    assert s["backtest_edge_byte_hit_ratio"] > 0.5
    written = json.loads((outcome.plan_dir / "summary.json").read_text())
    assert written["backtest_edge_byte_hit_ratio"] == pytest.approx(pooled)
    lines = "\n".join(describe(outcome))
    assert "expected (pinned part only)" in lines
    assert f"expected with the cache part: edge byte hit ratio {pooled:.3f}" in lines
