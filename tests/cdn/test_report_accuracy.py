"""`cdn report accuracy`: an offline HTML report with metrics as CSV and JSON beside it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cdn.cli import app

TINY = Path(__file__).parent.parent / "data" / "tiny"
CDN = [sys.executable, "-m", "cdn"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CDN, *args], capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_report_writes_html_csv_and_json(tmp_path: Path) -> None:
    out = tmp_path / "report"
    done = run("report", "accuracy", "--data", str(TINY), "--out", str(out), "--cutoffs", "2", "--horizon", "2",
               "--models", "snaive7,ewma", "--models", "auto")
    assert done.returncode == 0, done.stderr
    page = (out / "report.html").read_text()
    assert "Plotly" in page and not re.search(r"<script[^>]+src=", page)  # plotly.js inline: opens offline
    for heading in ("Model comparison", "What auto chose", "three most viewed series", "popularity decile",
                    "Interval calibration", "over the cutoffs", "views per day", "date (one tick per day)"):
        assert heading in page
    header = page[page.index("<h1>"):page.index("<h2>")]
    assert "[" not in header and "models: snaive7, ewma, auto" in header  # no Python list printed
    headers = re.findall(r"<th>([^<]*)</th>", page)
    assert "WAPE" in headers and "hit ratio regret" in headers and not [h for h in headers if "_" in h]
    metrics = pd.read_csv(out / "metrics.csv")
    assert set(metrics["group"]) == {"overall", "region", "decile", "launch", "cutoff"}
    assert set(metrics["model"]) == {"snaive7", "ewma", "auto"}
    payload = json.loads((out / "metrics.json").read_text())
    assert payload["cutoffs"] == ["2024-01-12", "2024-01-13"]
    overall = {row["model"]: row for row in payload["overall"]}
    assert 0 <= overall["auto"]["regret"] <= 1 and overall["auto"]["oracle_hit_ratio"] >= overall["auto"]["hit_ratio"]
    choice = payload["auto_choice"]
    assert set(choice["by_segment"]) <= {"launch", "head", "torso", "tail"}
    assert set(choice["shrinkage"]) == set(choice["by_segment"]) and min(choice["shrinkage"].values()) >= 0
    assert set(choice["blended"]) <= set(choice["by_segment"])
    assert "weight of the segment's record" in page and "averaged with the global LightGBM model" in page
    assert sum(row["series"] for row in choice["series"]) > 0


def test_default_models_include_the_three_naive_baselines() -> None:
    from cdn.defaults import DEFAULT_MODELS
    from cdn.report import colours

    assert {"last_value", "mean7", "snaive7", "prophet", "auto"} <= set(DEFAULT_MODELS)
    palette = colours(["auto", "zeta", "last_value", "omega"])
    assert len(set(palette.values())) == 4 and palette["auto"] == colours(["auto"])["auto"]  # one colour a model


def test_unknown_model_exits_2_without_output(tmp_path: Path) -> None:
    out = tmp_path / "report"
    done = CliRunner().invoke(app, ["report", "accuracy", "--data", str(TINY), "--out", str(out), "--models", "arima"])
    assert done.exit_code == 2 and "valid models" in done.stderr
    assert not out.exists()
