"""`python -m cdn.wikipedia`: the real page-view scenario rebuilt from the raw Prophet example files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cdn import columns as C
from cdn.errors import InputError
from cdn.scenario import load_scenario
from cdn.wikipedia import convert_wikipedia, read_series

RAW = Path(__file__).parents[2] / "data" / "raw" / "wikipedia"


def test_conversion_gives_the_bundled_scenario_with_every_day_of_both_articles(tmp_path: Path) -> None:
    out = convert_wikipedia(RAW, tmp_path / "wiki")
    scenario = load_scenario(out)
    days = scenario.demand.groupby(C.TITLE)[C.DATE].agg(["min", "max", "nunique"])
    assert set(days.index) == {"R", "peyton_manning"}
    assert (days["min"] == pd.Timestamp("2008-01-01")).all() and (days["max"] == pd.Timestamp("2015-12-31")).all()
    assert (days["nunique"] == 2922).all()  # no gap: an absent row would read as zero views
    assert json.loads((out / "converted.json").read_text())["interpolated_days"] == {"R": 59, "peyton_manning": 59}
    bundled = Path(__file__).parents[2] / "data" / "wikipedia" / "demand.csv"
    assert (out / "demand.csv").read_bytes() == bundled.read_bytes()


def test_a_missing_day_is_interpolated_and_a_bad_value_named(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text('"ds","y"\n2024-01-03,30\n2024-01-01,10\n')
    series = read_series(good)
    assert series[C.VIEWS].tolist() == [10.0, 20.0, 30.0] and series["interpolated"].tolist() == [False, True, False]
    bad = tmp_path / "bad.csv"
    bad.write_text("ds,y\n2024-01-01,10\n2024-01-02,many\n")
    with pytest.raises(InputError, match="line 3"):
        read_series(bad)
