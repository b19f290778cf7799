"""The battery of bad inputs and faults: each class of issue 13 at least once.

Every case must end with exit status 2 (130 for an interrupt) and one message that says where the problem
is (file, line and column, or the option and its valid range), never a traceback, never an accepted bad
input, never a lost user file, never a file left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cdn import columns as C
from cdn.atomic import MARKER
from cdn.cli import app
from placement import solve
from placement.lagrange import DEFAULT_GAP

ROOT = Path(__file__).parent.parent.parent
TINY = ROOT / "tests" / "data" / "tiny"
DEMO = ROOT / "data" / "demo"
CDN = [sys.executable, "-m", "cdn"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the command in this process; fail the test on any exception but a clean exit."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: uncaught {result.exception!r}") from result.exception
    return result.exit_code, result.stdout, result.stderr


def fails(*args: str, says: tuple[str, ...]) -> str:
    """The command exits 2 with one message holding every part of ``says``, and no traceback."""
    code, out, err = invoke(*args)
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    # a slow machine may log a step's progress line ("load ... done in 2.0s") before the message
    assert err.startswith("error: ") or "\nerror: " in err, err
    err = err[err.index("error: "):]
    for part in says:
        assert part in err, (part, err)
    return err


def tree(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` and its bytes (hidden files included)."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture()
def scenario(tmp_path: Path) -> Path:
    root = tmp_path / "scenario"
    shutil.copytree(TINY, root)
    return root


def dead_pid() -> int:
    """The id of a process that has just ended."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


# ------------------------------------------------------------------------------------------------
# tracebacks
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["catalog.csv", "demand.csv", "settings.json", "placement.csv"])
def test_an_unreadable_file_is_named(scenario: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = scenario / name
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file: deny it as the kernel would for another user
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == path else real(p, mode, **kw))
    try:
        fails("validate", scenario, says=(f"{name}: {path} cannot be read (permission denied)",))
    finally:
        path.chmod(0o644)


def test_a_read_error_while_reading_is_a_message(scenario: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(scenario / "catalog.csv"))

    monkeypatch.setattr(pd, "read_csv", denied)
    fails("validate", scenario, says=("catalog.csv: cannot be read: Permission denied",))


def test_demand_parquet_with_columns_but_no_rows(scenario: Path) -> None:
    (scenario / "demand.csv").unlink()
    empty = pd.DataFrame({C.DATE: pd.Series(dtype=str), C.REGION: pd.Series(dtype=str),
                          C.TITLE: pd.Series(dtype=str), C.VIEWS: pd.Series(dtype=float)})
    empty.to_parquet(scenario / "demand.parquet")
    fails("validate", scenario, says=("demand.parquet: has no rows",))


def test_catalog_with_only_a_header(scenario: Path) -> None:
    (scenario / "catalog.csv").write_text("title_id,size_gb\n")
    fails("validate", scenario, says=("catalog.csv: has a header but no rows",))


def test_out_that_is_a_directory_for_a_file(tmp_path: Path) -> None:
    (tmp_path / "f.csv").mkdir()
    fails("forecast", "--data", TINY, "--as-of", "2024-01-10", "--model", "ewma", "--out", tmp_path / "f.csv",
          says=(f"--out {tmp_path / 'f.csv'} is a directory",))


def test_out_whose_parent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("mine")
    fails("simulate", "--data", TINY, "--date", "2024-01-10", "--out", tmp_path / "file" / "sim",
          says=(f"{tmp_path / 'file'} is a file, not a directory",))
    assert (tmp_path / "file").read_text() == "mine"


def test_out_in_a_read_only_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: deny it as the kernel would for another user
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == locked else real(p, mode, **kw))
    try:
        fails("plan", "--data", TINY, "--date", "2024-01-10", "--model", "ewma", "--out", locked / "plans",
              says=(f"--out {locked / 'plans' / '2024-01-10'}: cannot write into {locked} (permission denied)",))
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_scheduler_at_nothing_is_a_clear_message_at_once(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    began = time.monotonic()
    fails("forecast", "--data", TINY, "--as-of", "2024-01-10", "--model", "prophet", "--out", tmp_path / "f.csv",
          "--scheduler", f"tcp://127.0.0.1:{port}", says=(f"--scheduler tcp://127.0.0.1:{port}: no Dask scheduler",))
    assert time.monotonic() - began < 10
    fails("forecast", "--data", TINY, "--as-of", "2024-01-10", "--out", tmp_path / "f.csv", "--scheduler", "nothing",
          says=("--scheduler 'nothing' is not a Dask scheduler address; expected tcp://HOST:PORT",))
    assert not (tmp_path / "f.csv").exists()


# ------------------------------------------------------------------------------------------------
# bad input accepted
# ------------------------------------------------------------------------------------------------
def test_placement_over_a_sites_disk_fails_validate(scenario: Path) -> None:
    (scenario / "placement.csv").write_text("site_id,title_id\nE2,t1\nE2,t3\n")  # 40 + 10 GB on a 40 GB disk
    fails("validate", scenario, says=("placement.csv lines 2, 3, column site_id: site 'E2' holds 50.0 GB of titles, "
                                      "more than its disk_gb 40.0 in sites.csv",))


@pytest.mark.parametrize("name", ["settings.json", "placement.csv", "catalog.csv", "demand.csv"])
def test_a_directory_in_place_of_a_file_is_named(scenario: Path, name: str) -> None:
    (scenario / name).unlink()
    (scenario / name).mkdir()
    fails("validate", scenario, says=(f"{name}: {scenario / name} is a directory, not a file",))


def test_simulating_a_plan_over_disk_is_refused(tmp_path: Path) -> None:
    plan = tmp_path / "plans" / "2024-01-10"
    plan.mkdir(parents=True)
    (plan / "placement.csv").write_text("site_id,title_id,action,size_gb,priority,source\n"
                                        "E2,t1,add,40,1,O\nE2,t2,keep,20,,\n")
    fails("simulate", "--data", TINY, "--date", "2024-01-10", "--plan", plan, "--out", tmp_path / "sim",
          says=(f"{plan / 'placement.csv'}, column site_id: site 'E2' would hold 60.0 GB",
                "more than its disk_gb 40.0"))
    assert not (tmp_path / "sim").exists()


# ------------------------------------------------------------------------------------------------
# messages that say where
# ------------------------------------------------------------------------------------------------
def test_a_byte_that_is_not_utf8_is_located(scenario: Path) -> None:
    text = (scenario / "catalog.csv").read_bytes()
    lines = text.split(b"\n")
    lines[2] = lines[2].replace(b"comedy", b"com\xe9dy")
    (scenario / "catalog.csv").write_bytes(b"\n".join(lines))
    offset = len(b"\n".join(lines[:2])) + 1 + lines[2].index(b"\xe9")
    column = lines[2].index(b"\xe9") + 1
    fails("validate", scenario, says=(f"catalog.csv: line 3, column {column} (byte offset {offset}): byte 0xe9 is "
                                      "not UTF-8 text",))


def test_settings_not_utf8_is_located(scenario: Path) -> None:
    (scenario / "settings.json").write_bytes(b'{"fill_window_hours": 12,\n "x": "\xff"}')
    fails("validate", scenario, says=("settings.json: line 2, column 8 (byte offset 33): byte 0xff",))


def test_a_plan_not_in_utf8_is_located(tmp_path: Path) -> None:
    plan = tmp_path / "2024-01-10"
    plan.mkdir()
    (plan / "placement.csv").write_bytes(b"site_id,title_id,action,size_gb,priority,source\nE1,t\xff1,keep,40,,\n")
    fails("simulate", "--data", TINY, "--date", "2024-01-10", "--plan", plan, "--out", tmp_path / "sim",
          says=(f"{plan / 'placement.csv'}: line 2, column 5 (byte offset 52): byte 0xff is not UTF-8",))


@pytest.mark.parametrize(("command", "option"), [("forecast", "--as-of"), ("plan", "--date"),
                                                 ("nightly", "--date")])
def test_a_date_without_history_names_the_option_and_range(tmp_path: Path, command: str, option: str) -> None:
    out = tmp_path / ("f.csv" if command == "forecast" else "plans")
    fails(command, "--data", TINY, option, "2024-01-01", "--model", "ewma", "--out", out,
          says=(f"{option} 2024-01-01", "2024-01-02 to 2024-01-15"))
    assert not out.exists()


@pytest.mark.parametrize(("row", "column", "value", "where"), [("E1,nope,add,1,1,O", "title_id", "nope", "catalog.csv"),
                                                               ("X9,t1,keep,40,,", "site_id", "X9", "sites.csv")])
def test_a_simulated_plan_naming_an_unknown_id_gives_file_and_line(tmp_path: Path, row: str, column: str,
                                                                   value: str, where: str) -> None:
    plan = tmp_path / "2024-01-10"
    plan.mkdir()
    (plan / "placement.csv").write_text(f"site_id,title_id,action,size_gb,priority,source\nE1,t1,keep,40,,\n{row}\n")
    fails("simulate", "--data", TINY, "--date", "2024-01-10", "--plan", plan, "--out", tmp_path / "sim",
          says=(f"{plan / 'placement.csv'} line 3, column {column}: {value!r} is not in {where}",))


# ------------------------------------------------------------------------------------------------
# data destroyed
# ------------------------------------------------------------------------------------------------
def test_plan_over_a_regular_file_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "2024-01-10").write_text("my notes")
    fails("plan", "--data", TINY, "--date", "2024-01-10", "--model", "ewma", "--out", plans,
          says=(f"--out {plans / '2024-01-10'} is a file",))
    assert (plans / "2024-01-10").read_text() == "my notes"


@pytest.mark.parametrize("command", ["simulate", "replay"])
def test_out_naming_a_users_file_or_folder_is_refused_unless_overwrite(tmp_path: Path, command: str) -> None:
    (tmp_path / "file").write_text("mine")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("mine")
    before = tree(tmp_path)
    args = (["simulate", "--data", TINY, "--date", "2024-01-10"] if command == "simulate" else
            ["replay", "--data", TINY, "--from", "2024-01-13", "--to", "2024-01-13", "--model", "ewma",
             "--solver", "greedy", "--no-caches", "--no-oracle", "--warmup", "0"])
    fails(*args, "--out", tmp_path / "file", says=(f"--out {tmp_path / 'file'} is a file", "--overwrite"))
    fails(*args, "--out", tmp_path / "folder", says=("holds files edgefill did not write (notes.txt)", "--overwrite"))
    assert tree(tmp_path) == before
    code, _, err = invoke(*args, "--out", tmp_path / "folder", "--overwrite")
    assert code == 0, err
    assert (tmp_path / "folder" / MARKER).is_file() and not (tmp_path / "folder" / "notes.txt").exists()
    code, _, err = invoke(*args, "--out", tmp_path / "folder")  # edgefill's own folder: replaced without asking
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder"]


# ------------------------------------------------------------------------------------------------
# leftovers
# ------------------------------------------------------------------------------------------------
def test_a_rerun_removes_the_partial_outputs_of_a_killed_run(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    stale = plans / f".2024-01-10.edgefill-{dead_pid()}-abcd1234"
    stale.mkdir(parents=True)
    (stale / "placement.csv").write_text("half")
    stale_file = tmp_path / f".f.csv.edgefill-{dead_pid()}-x1"
    stale_file.write_text("half")
    code, _, err = invoke("plan", "--data", TINY, "--date", "2024-01-10", "--model", "ewma", "--out", plans)
    assert code == 0, err
    assert sorted(p.name for p in plans.iterdir()) == ["2024-01-10"]
    code, _, err = invoke("forecast", "--data", TINY, "--as-of", "2024-01-10", "--model", "ewma", "--out",
                          tmp_path / "f.csv")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv", "plans"]


def test_a_killed_run_leaves_its_temporary_files_for_the_next_run_to_remove(tmp_path: Path) -> None:
    env = {**ENV, "TMPDIR": str(tmp_path)}
    slow = subprocess.Popen([*CDN, "plan", "--data", str(DEMO), "--date", "2024-04-30", "--model", "ewma", "--out",
                             str(tmp_path / "plans")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(f"edgefill-{slow.pid}-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    slow.send_signal(signal.SIGKILL)
    slow.wait()
    assert list(tmp_path.glob(f"edgefill-{slow.pid}-*")), "the run made no private temporary directory"
    done = subprocess.run([*CDN, "validate", str(TINY)], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob("edgefill-*")), list(tmp_path.iterdir())


@pytest.mark.slow
def test_ctrl_c_during_a_plan_stops_at_once_and_writes_nothing(tmp_path: Path) -> None:
    run = subprocess.Popen([*CDN, "plan", "--data", str(DEMO), "--date", "2024-04-30", "--model", "ewma", "--out",
                            str(tmp_path / "plans")], env={**ENV, "TMPDIR": str(tmp_path)},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(f"edgefill-{run.pid}-*")) and time.monotonic() < deadline:  # main() has begun
        time.sleep(0.1)
    time.sleep(5)  # loading, forecast, then the solve (about 70 s on data/demo)
    assert run.poll() is None, run.communicate()
    sent = time.monotonic()
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert time.monotonic() - sent < 10  # 0.1 s on an idle machine; the solve alone would take a minute
    assert run.returncode == 130
    assert err.strip().splitlines()[-1] == "interrupted: nothing was written"
    assert "Traceback" not in err
    assert not (tmp_path / "plans").exists() or not any((tmp_path / "plans").iterdir())
    assert not list(tmp_path.glob("edgefill-*"))


# ------------------------------------------------------------------------------------------------
# wrong outputs
# ------------------------------------------------------------------------------------------------
def test_every_disk_zero_is_reported_as_what_it_is(scenario: Path, tmp_path: Path) -> None:
    sites = pd.read_csv(scenario / "sites.csv", dtype=str, keep_default_na=False)
    sites[C.DISK_GB] = sites[C.DISK_GB].where(sites[C.TIER] == C.ORIGIN, "0")
    sites.to_csv(scenario / "sites.csv", index=False)
    (scenario / "placement.csv").unlink()
    code, _, err = invoke("plan", "--data", scenario, "--date", "2024-01-10", "--model", "ewma", "--out",
                          tmp_path / "plans")
    assert code == 0, err
    summary = json.loads((tmp_path / "plans" / "2024-01-10" / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["gap"] == 0.0
    assert summary["bound"] == summary["objective"]
    assert "every view is served from an origin" in summary["reason"]


def test_a_held_title_gone_from_the_catalog_gets_an_evict_row(tmp_path: Path) -> None:
    previous = tmp_path / "plans" / "2024-01-09"
    previous.mkdir(parents=True)
    (previous / "placement.csv").write_text("site_id,title_id,action,size_gb,priority,source\n"
                                            "E1,t1,keep,40,,\nS,retired,keep,5,,\n")
    code, _, err = invoke("plan", "--data", TINY, "--date", "2024-01-10", "--model", "ewma", "--out",
                          tmp_path / "plans")
    assert code == 0, err
    plan = pd.read_csv(tmp_path / "plans" / "2024-01-10" / "placement.csv", dtype=str, keep_default_na=False)
    assert plan.loc[plan[C.TITLE] == "retired", [C.SITE, C.ACTION]].values.tolist() == [["S", C.EVICT]]
    code, _, err = invoke("simulate", "--data", TINY, "--date", "2024-01-10", "--plan",
                          tmp_path / "plans" / "2024-01-10", "--out", tmp_path / "sim")
    assert code == 0, err  # evicting a title gone from the catalog is a valid plan


def test_lagrangian_reports_against_the_gap_it_stops_at(scenario: Path) -> None:
    from cdn.forecast import forecast_scenario
    from cdn.planning import expected_gb, held_before
    from cdn.scenario import load_scenario
    from placement import PlacementProblem

    loaded = load_scenario(scenario)
    day = pd.Timestamp("2024-01-10")
    problem = PlacementProblem(sites=loaded.sites, catalog=loaded.catalog[[C.TITLE, C.SIZE_GB]],
                               demand_gb=expected_gb(loaded, forecast_scenario(loaded, day, model="ewma"), day),
                               graph=loaded.graph, held=held_before(loaded, scenario / "none", day),
                               fill_budget_gb=loaded.fill_budget_gb())
    result = solve(problem, solver="lagrangian")
    assert result.gap is not None
    assert (result.status == "optimal") == (result.gap <= DEFAULT_GAP + 1e-9)
    if result.status == "feasible":
        assert f"not the requested {DEFAULT_GAP:.2%}" in result.reason
