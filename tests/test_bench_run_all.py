"""``bench/run_all.py`` (``make bench``) starts: its dry run names every default benchmark's script and output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "data" / "tiny"


def run_all(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "bench" / "run_all.py"), *args], capture_output=True,
                          text=True, check=False)


def test_dry_run_lists_the_benchmarks_on_the_scenario(tmp_path: Path) -> None:
    done = run_all("--data", str(TINY), "--out", str(tmp_path / "out"), "--dry-run")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == ["placement", "simulate", "caches", "replay", "forecast"]
    for line in lines[:-1]:
        script = line.split()[2]
        assert Path(script).is_file() and Path(script).parent == REPO / "bench", line
    assert "--from 2024-01-12 --to 2024-01-14" in done.stdout  # the tiny scenario's last three nights
    assert f"results would go to {tmp_path / 'out'}" in lines[-1]
    assert not (tmp_path / "out").exists()


def test_unknown_benchmark_is_a_usage_error() -> None:
    done = run_all("--only", "placement,nope", "--dry-run")
    assert done.returncode == 2 and "unknown benchmark(s) nope" in done.stderr


def test_runs_a_benchmark_and_says_where_its_results_are(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_all("--data", str(TINY), "--out", str(out), "--only", "caches", "--nights", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"results in {out}/" in done.stdout and "| caches | ok |" in done.stdout
    log = (out / "caches.log").read_text()
    assert "simulate_caches.py" in log.splitlines()[0] and '"policy": "lru"' in log
