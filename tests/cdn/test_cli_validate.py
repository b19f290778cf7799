"""`cdn validate` end to end: exit codes and one line per problem, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

TINY = Path(__file__).parent.parent / "data" / "tiny"
CDN = [sys.executable, "-m", "cdn"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CDN, *args], capture_output=True, text=True, check=False)


def test_valid_scenario_exits_zero() -> None:
    done = run("validate", str(TINY))
    assert done.returncode == 0, done.stderr
    assert "valid scenario: 4 titles, 4 sites, 4 links, 94 demand rows" in done.stdout


def test_broken_scenario_gives_one_line_per_problem_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(TINY, broken)
    with (broken / "sites.csv").open("a") as f:
        f.write("E3,edge,r3,abc,,,,\n")
    with (broken / "demand.csv").open("a") as f:
        f.write("2024-13-01,r1,t1,-1\n")
    done = run("validate", str(broken))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0] == f"error: invalid scenario {broken}: 3 problem(s)"
    assert lines[1:] == [
        "  sites.csv line 6, column disk_gb: not a finite number: 'abc'; expected a number >= 0",
        "  demand.csv line 96, column date: not a YYYY-MM-DD date: '2024-13-01'",
        "  demand.csv line 96, column views: value '-1' out of range; expected a number of views from 0 to 1e+12",
    ]


def test_missing_directory(tmp_path: Path) -> None:
    done = run("validate", str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert "is not a directory" in done.stderr
