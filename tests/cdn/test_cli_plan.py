"""`cdn plan` end to end: a feasible plan directory, clear errors with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TINY = Path(__file__).parent.parent / "data" / "tiny"
CDN = [sys.executable, "-m", "cdn"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CDN, *args], capture_output=True, text=True, check=False)


def test_plan_writes_the_plan_directory_and_reports_it(tmp_path: Path) -> None:
    done = run("plan", "--data", str(TINY), "--date", "2024-01-12", "--out", str(tmp_path), "--model", "ewma")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "2024-01-12" / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["solver"] == "highs"
    assert "expected edge byte hit ratio" in done.stderr
    header = (tmp_path / "2024-01-12" / "placement.csv").read_text().splitlines()[0]
    assert header == "site_id,title_id,action,size_gb,priority,source"


def test_unknown_solver_exits_2_listing_the_solvers(tmp_path: Path) -> None:
    done = run("plan", "--data", str(TINY), "--date", "2024-01-12", "--out", str(tmp_path), "--solver", "nope")
    assert done.returncode == 2
    assert "unknown solver 'nope'" in done.stderr and "greedy" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "2024-01-12").exists()


def test_plan_and_nightly_default_to_the_documented_gap_and_time_limit(tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    import cdn.planning
    from cdn.cli import app
    from cdn.defaults import PLAN_GAP, PLAN_TIME_LIMIT

    calls: list[dict] = []
    real = cdn.planning.solve
    monkeypatch.setattr(cdn.planning, "solve", lambda problem, **kw: calls.append(kw) or real(problem, **kw))
    for command in (["plan", "--date", "2024-01-12"], ["nightly"]):
        done = CliRunner().invoke(app, [*command, "--data", str(TINY), "--out", str(tmp_path / command[0]),
                                        "--model", "ewma"])
        assert done.exit_code == 0, done.output
        helped = CliRunner().invoke(app, [command[0], "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
        assert "default: 480.0" in helped.output
        assert "default: 0.0001 where the whole model is solved, 0.01 where it is decomposed" in helped.output
    assert [(c["time_limit"], c["gap"]) for c in calls] == [(PLAN_TIME_LIMIT, PLAN_GAP)] * 2 == [(480.0, None)] * 2


def test_unknown_objective_exits_2_naming_the_valid_ones(tmp_path: Path) -> None:
    done = run("plan", "--data", str(TINY), "--date", "2024-01-12", "--out", str(tmp_path), "--objective", "nope")
    assert done.returncode == 2
    assert "--objective 'nope'" in done.stderr and "hit, cost" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "2024-01-12").exists()


def test_naive_solver_and_cost_objective_write_plans(tmp_path: Path) -> None:
    naive = run("plan", "--data", str(TINY), "--date", "2024-01-12", "--out", str(tmp_path / "naive"),
                "--solver", "naive")
    assert naive.returncode == 0, naive.stderr
    assert json.loads((tmp_path / "naive" / "2024-01-12" / "summary.json").read_text())["solver"] == "naive"
    cost = run("plan", "--data", str(TINY), "--date", "2024-01-12", "--out", str(tmp_path / "cost"),
               "--objective", "cost", "--model", "ewma")
    assert cost.returncode == 0, cost.stderr
    summary = json.loads((tmp_path / "cost" / "2024-01-12" / "summary.json").read_text())
    assert summary["objective_kind"] == "cost" and summary["hit_weight"] == 0.0
