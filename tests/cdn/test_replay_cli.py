"""`cdn replay` end to end from the command line on the tiny scenario: the contract's replay directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cdn.cli import app
from cdn.defaults import PLAN_GAP, REPLAY_TIME_LIMIT
from cdn.replay import replay
from cdn.scenario import load_scenario

TINY = Path(__file__).parent.parent / "data" / "tiny"
STRATEGY_KEYS = {"edge_byte_hit_ratio", "backbone_gb", "fill_gb", "peak_backbone_gbps"}


def test_replay_writes_the_contract_directory(tmp_path: Path) -> None:
    out = tmp_path / "replay"
    done = subprocess.run(
        [sys.executable, "-m", "cdn", "replay", "--data", str(TINY), "--from", "2024-01-10", "--to", "2024-01-12",
         "--model", "ewma", "--solver", "greedy", "--policy", "lru", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["from"], summary["to"]) == ("2024-01-10", "2024-01-12")
    assert {"proactive", "oracle", "lru"} <= set(summary["strategies"])
    for figures in summary["strategies"].values():
        assert set(figures) >= STRATEGY_KEYS
        assert 0.0 <= figures["edge_byte_hit_ratio"] <= 1.0
    days = pd.read_csv(out / "days.csv")
    assert STRATEGY_KEYS | {"date", "strategy"} <= set(days.columns)
    assert len(days) == 3 * len(summary["strategies"])
    proactive = days[days["strategy"] == "proactive"]
    pooled = (proactive["edge_byte_hit_ratio"] * proactive["demand_gb"]).sum() / proactive["demand_gb"].sum()
    assert abs(pooled - summary["strategies"]["proactive"]["edge_byte_hit_ratio"]) < 1e-9
    assert (out / "index.html").is_file() and (out / "hit_ratio.png").is_file()


@pytest.fixture
def solve_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Every ``placement.solve`` call of the plans (``cdn.planning.make_plan``), recorded and then run."""
    import cdn.planning

    calls: list[dict] = []
    real = cdn.planning.solve

    def recording(problem, **kwargs):
        calls.append(kwargs)
        return real(problem, **kwargs)

    monkeypatch.setattr(cdn.planning, "solve", recording)
    return calls


def replay_in_process(out: Path, *extra: str) -> None:
    done = CliRunner().invoke(app, ["replay", "--data", str(TINY), "--from", "2024-01-10", "--to", "2024-01-11",
                                    "--model", "ewma", "--solver", "greedy", "--no-caches", "--warmup", "0",
                                    "--out", str(out), *extra])
    assert done.exit_code == 0, done.output


def test_replay_gives_every_solve_the_default_time_limit(tmp_path: Path, solve_calls: list[dict]) -> None:
    replay_in_process(tmp_path / "replay")
    assert len(solve_calls) == 8  # two nights, proactive, naive, hybrid and oracle
    assert [call["time_limit"] for call in solve_calls] == [REPLAY_TIME_LIMIT] * 8
    assert [call["gap"] for call in solve_calls] == [PLAN_GAP] * 8
    summary = json.loads((tmp_path / "replay" / "summary.json").read_text())
    assert summary["time_limit"] == REPLAY_TIME_LIMIT


def test_replay_time_limit_option_reaches_every_solve(tmp_path: Path, solve_calls: list[dict]) -> None:
    replay_in_process(tmp_path / "replay", "--time-limit", "7.5")
    assert [call["time_limit"] for call in solve_calls] == [7.5] * 8


def test_library_replay_has_the_same_default(tmp_path: Path, solve_calls: list[dict]) -> None:
    replay(load_scenario(TINY), "2024-01-10", "2024-01-10", tmp_path / "replay", model="ewma", solver="greedy",
           policies=[], warmup_days=0)
    assert [call["time_limit"] for call in solve_calls] == [REPLAY_TIME_LIMIT] * 4
    assert [call["gap"] for call in solve_calls] == [PLAN_GAP] * 4


def test_replay_help_shows_the_default_time_limit() -> None:
    assert REPLAY_TIME_LIMIT == 60.0
    done = CliRunner().invoke(app, ["replay", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert done.exit_code == 0
    line = next(line for line in done.output.splitlines() if "--time-limit" in line)
    assert "[default: 60.0]" in line


def test_replay_scheduler_reaches_every_nights_forecast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed import LocalCluster

    import cdn.forecast

    schedulers: list[str | None] = []
    real = cdn.forecast.forecast_scenario

    def recording(*args, **kwargs):
        schedulers.append(kwargs.get("scheduler"))
        return real(*args, **kwargs)

    monkeypatch.setattr(cdn.forecast, "forecast_scenario", recording)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                      dashboard_address=None) as cluster:  # a TCP address, as --scheduler wants
        replay_in_process(tmp_path / "replay", "--mode", "proactive", "--no-oracle", "--scheduler",
                          cluster.scheduler_address)
        assert schedulers == [cluster.scheduler_address] * 2  # both nights


def test_replay_refuses_a_scheduler_that_is_not_an_address(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["replay", "--data", str(TINY), "--from", "2024-01-10", "--to", "2024-01-10",
                                    "--scheduler", "nothing", "--out", str(tmp_path / "replay")])
    assert done.exit_code == 2
    assert "--scheduler 'nothing' is not a Dask scheduler address" in done.output
    assert not (tmp_path / "replay").exists()
