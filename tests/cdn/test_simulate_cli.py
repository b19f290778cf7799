"""`cdn simulate` end to end: a plan directory in, summary.json and tables out; bad input exits 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TINY = Path(__file__).parent.parent / "data" / "tiny"
CDN = [sys.executable, "-m", "cdn"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CDN, *args], capture_output=True, text=True, check=False)


def test_simulate_a_plan_with_a_failed_site(tmp_path: Path) -> None:
    plan = tmp_path / "plans" / "2024-01-02"
    plan.mkdir(parents=True)
    (plan / "placement.csv").write_text("site_id,title_id,action,size_gb,priority,source\n"
                                        "E1,t1,keep,40,,\nE2,t3,add,10,1,S\n")
    out = tmp_path / "sim"
    done = run("simulate", "--data", str(TINY), "--plan", str(plan), "--date", "2024-01-02", "--fail", "E1",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "unreachable regions: r1" in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    # only r2's t3 (8 GB of 75) is an edge hit once E1 is down
    assert summary["edge_byte_hit_ratio"] == pytest.approx(8 / 75)
    assert summary["fill_gb"] == 10.0 and summary["failures"] == ["E1"]
    assert (out / "links.csv").read_text().startswith("src,dst,kind,capacity_gbps,gb,peak_gbps")


def test_no_plan_and_no_placement_warns_that_the_sites_hold_nothing(tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "scn"
    shutil.copytree(TINY, data)
    (data / "placement.csv").unlink()
    done = run("simulate", "--data", str(data), "--date", "2024-01-02", "--out", str(tmp_path / "sim"))
    assert done.returncode == 0, done.stderr
    assert "no --plan and no placement.csv" in done.stderr
    assert json.loads((tmp_path / "sim" / "summary.json").read_text())["edge_byte_hit_ratio"] == 0.0


def test_unknown_failure_exits_2_without_output(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    done = run("simulate", "--data", str(TINY), "--date", "2024-01-02", "--fail", "E9", "--out", str(out))
    assert done.returncode == 2
    assert "'E9' is neither a site nor a link" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_plan_and_simulate_in_hybrid_and_reactive_mode(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cdn.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["plan", "--data", str(TINY), "--date", "2024-01-12", "--out", str(tmp_path / "p"),
                               "--solver", "greedy", "--model", "snaive7", "--mode", "hybrid", "--pinned-share", "0.5"])
    assert done.exit_code == 0, done.output
    plan = json.loads((tmp_path / "p" / "2024-01-12" / "summary.json").read_text())
    assert plan["mode"] == "hybrid" and plan["pinned_share"] == {"E1": 0.5, "E2": 0.5} and plan["pinned_share_forced"]
    done = runner.invoke(app, ["simulate", "--data", str(TINY), "--date", "2024-01-12", "--plan",
                               str(tmp_path / "p" / "2024-01-12"), "--mode", "hybrid", "--out", str(tmp_path / "h")])
    assert done.exit_code == 0, done.output
    hybrid = json.loads((tmp_path / "h" / "summary.json").read_text())
    assert hybrid["mode"] == "hybrid" and hybrid["warmup_days"] == 7
    chosen = [row["policy"] for row in plan["cache_policy_backtest"] if row["chosen"]]  # the plan's policy
    assert hybrid["cache_policy"] == plan["cache_policy"] == {"E1": chosen[0], "E2": chosen[0]}
    assert 0.0 <= hybrid["edge_byte_hit_ratio"] <= 1.0 and hybrid["fill_gb"] >= hybrid["offpeak_fill_gb"]
    assert "disk writes" in done.output and (tmp_path / "h" / "sites.csv").is_file()
    done = runner.invoke(app, ["simulate", "--data", str(TINY), "--date", "2024-01-12", "--mode", "reactive",
                               "--out", str(tmp_path / "r")])
    assert done.exit_code == 0, done.output
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["offpeak_fill_gb"] == 0.0


def test_hybrid_simulation_of_a_proactive_plan_exits_2(tmp_path: Path) -> None:
    plan = tmp_path / "plans" / "2024-01-02"
    plan.mkdir(parents=True)
    (plan / "placement.csv").write_text("site_id,title_id,action,size_gb,priority,source\nE1,t1,keep,40,,\n")
    done = run("simulate", "--data", str(TINY), "--plan", str(plan), "--date", "2024-01-02", "--mode", "hybrid",
               "--out", str(tmp_path / "sim"))
    assert done.returncode == 2 and "needs a plan made with --mode hybrid" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "sim").exists()
