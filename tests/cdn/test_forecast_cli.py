"""`cdn forecast` end to end: the contract's forecast file, never a half-written one, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cdn import columns as C
from cdn.cli import app
from cdn.forecast import edge_greedy_placement, write_forecast
from cdn.scenario import load_scenario
from forecasting.columns import P_VIEWS, YHAT_MEAN

TINY = Path(__file__).parent.parent / "data" / "tiny"
CDN = [sys.executable, "-m", "cdn"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in a subprocess (end to end), or in this process with ``--in-process`` first (faster)."""
    if args and args[0] == "--in-process":
        result = CliRunner().invoke(app, list(args[1:]))
        return subprocess.CompletedProcess(list(args[1:]), result.exit_code, result.stdout, result.stderr)
    return subprocess.run([*CDN, *args], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_forecast_file_follows_the_contract(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"f{suffix}"
    mode = [] if suffix == ".csv" else ["--in-process"]  # one run end to end in a subprocess
    done = run(*mode, "forecast", "--data", str(TINY), "--as-of", "2024-01-12", "--horizon", "2", "--model", "snaive7",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(out, dtype={C.TITLE: str}) if suffix == ".csv" else pd.read_parquet(out)
    assert tuple(frame.columns) == (*C.FORECAST_COLUMNS, YHAT_MEAN, P_VIEWS)  # the optional extension columns
    assert (frame[YHAT_MEAN] >= 0).all() and frame[P_VIEWS].between(0, 1).all()
    assert sorted(pd.to_datetime(frame[C.DATE]).dt.strftime("%Y-%m-%d").unique()) == ["2024-01-12", "2024-01-13"]
    assert "007" in set(frame[C.TITLE].astype(str))
    r1t1 = frame[(frame[C.REGION] == "r1") & (frame[C.TITLE] == "t1")]
    assert r1t1[C.YHAT].tolist() == [10.0, 13.0]  # 2024-01-05 (10) and the weekend 01-06 (13)


def test_new_release_gets_a_cold_start_forecast_in_every_region(tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    done = run("--in-process", "forecast", "--data", str(TINY), "--as-of", "2024-01-10", "--horizon", "3",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(out, dtype={C.TITLE: str})
    launch = frame[frame[C.TITLE] == "007"]  # released 2024-01-10, no history before
    assert set(launch[C.REGION]) == {"r1", "r2"}
    assert (launch[C.MODEL] == "auto:launch").all()


@pytest.mark.parametrize(("args", "message"), [
    (["--as-of", "2024-03-01"], "outside the data"),
    (["--as-of", "2024-01-12", "--horizon", "0"], "horizon must be"),
    (["--as-of", "2024-01-12", "--model", "arima"], "valid models: adida, auto, croston_sba, ets, ewma, imapa"),
    (["--as-of", "12/01/2024"], "not a YYYY-MM-DD date"),
])
def test_bad_options_exit_2_with_a_message_and_no_file(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "f.csv"
    done = run("--in-process", "forecast", "--data", str(TINY), "--out", str(out), *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    frame = pd.DataFrame(columns=list(C.FORECAST_COLUMNS))
    with pytest.raises(Exception, match=r"must end in \.csv or \.parquet"):
        write_forecast(frame, tmp_path / "f.txt")


def test_edge_greedy_placement_fills_each_edge_disk_by_bytes_per_gb() -> None:
    scenario = load_scenario(TINY)
    place = edge_greedy_placement(scenario)
    # E1 (r1) has 60 GB: t1 (40 GB, 4 GB/view), t2 (20 GB, 2 GB/view), t3 (10 GB, 1 GB/view)
    expected = pd.DataFrame({C.REGION: ["r1", "r1", "r1"], C.TITLE: ["t1", "t2", "t3"], C.VIEWS: [10.0, 6.0, 1.0]})
    held = place(expected)
    # density: t1 10*4/40 = 1.0, t2 6*2/20 = 0.6, t3 1*1/10 = 0.1 -> t1 + t2 fill 60 GB
    assert sorted(held[C.TITLE]) == ["t1", "t2"]
