"""The explorer under streamlit's AppTest: every page renders, the KPIs shown are the library's, uploads are checked."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cdn import whatif
from cdn.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TINY = ROOT / "tests" / "data" / "tiny"
PAGES = ["app_pages/whatif.py", "app_pages/forecast.py", "app_pages/accuracy.py", "app_pages/replay.py"]


def _app(monkeypatch, data: Path = TINY, timeout: float = 60) -> AppTest:
    monkeypatch.setenv(whatif.APP_DATA_ENV, str(data))
    return AppTest.from_file(APP, default_timeout=timeout)


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _shown(at: AppTest) -> pd.DataFrame:
    table = at.dataframe[0].value
    return table.set_index("KPI")


def _check_against_library(at: AppTest, scenario, date: pd.Timestamp, knobs: whatif.Knobs) -> None:
    shown = _shown(at)
    expected = whatif.evaluate(scenario, date, knobs).kpis
    baseline = whatif.evaluate(scenario, date, whatif.Knobs()).kpis
    for key, label in whatif.KPI_LABELS.items():
        assert shown.loc[label, "what-if"] == pytest.approx(expected[key], nan_ok=True), key
        assert shown.loc[label, "baseline"] == pytest.approx(baseline[key], nan_ok=True), key
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Edge byte hit ratio"] == f"{expected['edge_byte_hit_ratio']:.3f}"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_an_exception(monkeypatch, page):
    at = _app(monkeypatch).run()
    _ok(at)
    at.switch_page(page).run()
    _ok(at)
    assert at.title, page


def test_the_kpis_shown_are_the_librarys_for_the_default_knobs(monkeypatch):
    at = _app(monkeypatch).run()
    _ok(at)
    scenario = load_scenario(TINY)
    _check_against_library(at, scenario, scenario.last_date, whatif.Knobs())
    assert all(m.delta in ("", None) for m in at.metric)  # the what-if is the baseline


def test_moving_knobs_changes_the_kpis_to_the_librarys(monkeypatch):
    at = _app(monkeypatch).run()
    before = _shown(at)["what-if"].copy()
    at.number_input(key="edge_disk").set_value(2.0)
    at.number_input(key="growth").set_value(25.0)
    at.number_input(key="fill_window").set_value(6.0)
    at.multiselect(key="failures").set_value(["S"])
    at.selectbox(key="hit_title").set_value("t3")
    at.multiselect(key="hit_regions").set_value(["r2"])
    at.number_input(key="hit_factor").set_value(5.0)
    at.run()
    _ok(at)
    scenario = load_scenario(TINY)
    knobs = whatif.Knobs(edge_disk=2.0, growth_pct=25.0, fill_window_hours=6.0, failures=("S",),
                         hit=whatif.Hit("t3", ("r2",), 5.0))
    _check_against_library(at, scenario, scenario.last_date, knobs)
    assert not _shown(at)["what-if"].equals(before)
    assert any(m.delta for m in at.metric)


def test_another_date_is_planned_from_the_demand_before_it(monkeypatch):
    at = _app(monkeypatch).run()
    at.date_input(key="date").set_value(pd.Timestamp("2024-01-09").date()).run()
    _ok(at)
    scenario = load_scenario(TINY)
    _check_against_library(at, scenario, pd.Timestamp("2024-01-09"), whatif.Knobs())


def test_the_fill_plan_downloads_as_a_zip(monkeypatch):
    at = _app(monkeypatch).run()
    buttons = [b for b in at.get("download_button") if "fill plan" in b.proto.label]
    assert buttons


@pytest.mark.parametrize(("view", "element"), [("Network map", "plotly_chart"), ("Sites", "dataframe"),
                                              ("Links", "dataframe"), ("Fill plan", "dataframe")])
def test_each_view_below_the_kpis_renders(monkeypatch, view, element):
    at = _app(monkeypatch).run()
    at.radio(key="view").set_value(view).run()
    _ok(at)
    assert len(at.get(element)) >= 1
    if view == "Fill plan":
        scenario = load_scenario(TINY)
        expected = whatif.evaluate(scenario, scenario.last_date, whatif.Knobs()).plan.plan
        pd.testing.assert_frame_equal(at.dataframe[1].value.reset_index(drop=True), expected.reset_index(drop=True),
                                      check_dtype=False)


def _zip(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for path in sorted(directory.iterdir()):
            z.write(path, path.name)
    return buffer.getvalue()


def _upload(monkeypatch, data: bytes) -> AppTest:
    at = _app(monkeypatch).run()
    at.selectbox(key="source").set_value("Upload a zipped scenario").run()
    assert at.info  # asks for the zip
    at.file_uploader(key="upload").set_value(("scenario.zip", data, "application/zip")).run()
    return at


def test_a_bad_upload_shows_the_loaders_message(monkeypatch, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(TINY, bad)
    (bad / "links.csv").write_text((TINY / "links.csv").read_text() + "S,NOWHERE,10,1,backbone\n")
    at = _upload(monkeypatch, _zip(bad))
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "links.csv" in message and "unknown site 'NOWHERE' (not in sites.csv)" in message
    assert not at.metric  # nothing computed on a broken scenario


def test_a_good_upload_is_explored_like_a_bundled_scenario(monkeypatch):
    at = _upload(monkeypatch, _zip(TINY))
    _ok(at)
    scenario = load_scenario(TINY)
    _check_against_library(at, scenario, scenario.last_date, whatif.Knobs())


def test_the_forecast_page_draws_a_chart_per_chosen_title(monkeypatch):
    at = _app(monkeypatch).run()
    at.switch_page("app_pages/forecast.py").run()
    _ok(at)
    chosen = at.multiselect(key="fc_titles").value
    assert chosen
    assert len(at.get("plotly_chart")) == len(chosen)


def test_the_accuracy_page_shows_each_chosen_model(monkeypatch):
    at = _app(monkeypatch).run()
    at.switch_page("app_pages/accuracy.py").run()
    at.multiselect(key="acc_models").set_value(["snaive7", "ewma"]).run()
    assert not at.dataframe  # nothing runs before the button
    at.button(key="acc_run").click().run()
    _ok(at)
    assert sorted(at.dataframe[0].value["model"]) == ["ewma", "snaive7"]


def test_a_short_replay_run_here_is_charted(monkeypatch):
    at = _app(monkeypatch).run()
    at.switch_page("app_pages/replay.py").run()
    at.radio(key="replay_source").set_value("run a short replay here").run()
    at.button(key="replay_run").click().run()
    _ok(at)
    strategies = set(at.dataframe[0].value["strategy"])
    assert {"proactive", "oracle", "lru"} <= strategies
    assert len(at.get("plotly_chart")) == 2


def test_a_replay_directory_is_read_and_a_wrong_one_named(monkeypatch, tmp_path):
    from cdn.replay import replay

    scenario = load_scenario(TINY)
    done = replay(scenario, "2024-01-12", "2024-01-13", tmp_path / "replay", model="ewma", solver="greedy",
                  policies=["lru"], warmup_days=0)
    at = _app(monkeypatch).run()
    at.switch_page("app_pages/replay.py").run()
    at.radio(key="replay_source").set_value("another directory").run()
    at.text_input(key="replay_dir").set_value(str(tmp_path)).run()
    assert "no replay there" in at.error[0].value
    at.text_input(key="replay_dir").set_value(str(tmp_path / "replay")).run()
    assert not at.exception and not at.error
    assert list(at.dataframe[0].value["strategy"]) == list(done.summary["strategies"])
    assert len(at.get("plotly_chart")) == 2


@pytest.mark.slow
def test_data_demo_renders_with_the_librarys_kpis(monkeypatch):
    demo = ROOT / "data" / "demo"
    at = _app(monkeypatch, demo, timeout=300).run()
    _ok(at)
    scenario = load_scenario(demo)
    _check_against_library(at, scenario, scenario.last_date, whatif.Knobs())
