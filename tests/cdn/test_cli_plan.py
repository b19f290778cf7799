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
