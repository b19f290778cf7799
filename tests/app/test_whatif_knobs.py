"""The what-if knobs: pure Scenario -> Scenario transformations, the three evaluation steps, uploads, cdn app."""

from __future__ import annotations

import functools
import io
import math
import shutil
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cdn import columns as C
from cdn import whatif
from cdn.cli import app
from cdn.errors import InputError, ScenarioError
from cdn.forecast import forecast_scenario
from cdn.planning import make_plan
from cdn.scenario import load_scenario
from cdn.simulate import simulate_day

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"
DATE = pd.Timestamp("2024-01-10")


@functools.cache
def _tiny():
    return load_scenario(TINY)


@pytest.fixture
def tiny():
    return _tiny()


def _frozen(scn):
    return (scn.sites.copy(), scn.demand.copy(), dict(scn.settings), scn.links.copy())


def _unchanged(scn, before) -> None:
    sites, demand, settings_, links = before
    pd.testing.assert_frame_equal(scn.sites, sites)
    pd.testing.assert_frame_equal(scn.demand, demand)
    pd.testing.assert_frame_equal(scn.links, links)
    assert scn.settings == settings_


def test_scale_disk_multiplies_one_tier_and_rebuilds_the_graph(tiny):
    before = _frozen(tiny)
    out = whatif.scale_disk(tiny, {"edge": 2.0, "storage": 0.5})
    disk = out.sites.set_index(C.SITE)[C.DISK_GB]
    assert disk["E1"] == 120.0 and disk["E2"] == 80.0 and disk["S"] == 50.0 and disk["O"] == 0.0
    assert out.graph.nodes["E1"][C.DISK_GB] == 120.0
    _unchanged(tiny, before)


def test_set_fill_scales_the_budget_by_window_and_rate(tiny):
    out = whatif.set_fill(tiny, window_hours=6.0, rate_factor=3.0)
    assert out.settings["fill_window_hours"] == 6.0
    budget, base = out.fill_budget_gb(), tiny.fill_budget_gb()
    assert budget["E1"] == pytest.approx(base["E1"] * 6.0 / 12.0 * 3.0)
    assert math.isinf(budget["E2"])  # unlimited stays unlimited
    assert tiny.settings["fill_window_hours"] == 12.0


def test_surprise_hit_touches_only_the_title_regions_and_days_from_start(tiny):
    before = _frozen(tiny)
    out = whatif.surprise_hit(tiny, "t1", ["r2"], 5.0, start=DATE)
    changed = out.demand[C.VIEWS] != tiny.demand[C.VIEWS]
    rows = tiny.demand[changed]
    assert len(rows) > 0
    assert set(rows[C.TITLE]) == {"t1"} and set(rows[C.REGION]) == {"r2"} and rows[C.DATE].min() >= DATE
    assert (out.demand.loc[changed, C.VIEWS] == 5.0 * tiny.demand.loc[changed, C.VIEWS]).all()
    _unchanged(tiny, before)


@pytest.mark.parametrize(("call", "message"), [
    (lambda s: whatif.scale_disk(s, {"origin": 2.0}), "disk tier 'origin'"),
    (lambda s: whatif.scale_disk(s, {"edge": -1.0}), "edge disk factor"),
    (lambda s: whatif.set_fill(s, window_hours=30.0), "fill window"),
    (lambda s: whatif.set_fill(s, rate_factor=0.0), "fill rate factor"),
    (lambda s: whatif.grow_demand(s, -100.0), "demand growth"),
    (lambda s: whatif.surprise_hit(s, "nope", ["r1"], 2.0), "title 'nope'"),
    (lambda s: whatif.surprise_hit(s, "t1", ["r9"], 2.0), "region 'r9'"),
])
def test_bad_knob_values_name_the_knob(tiny, call, message):
    with pytest.raises(InputError, match=message):
        call(tiny)


@settings(max_examples=25, deadline=None)
@given(edge=st.floats(0.0, 5.0), storage=st.floats(0.0, 5.0), growth=st.floats(-90.0, 300.0))
def test_transformations_compose_and_never_change_their_input(edge, storage, growth):
    scn = _tiny()
    before = _frozen(scn)
    knobs = whatif.Knobs(edge_disk=edge, storage_disk=storage, growth_pct=growth)
    out = whatif.grow_demand(whatif.capacity_scenario(scn, knobs), growth)
    _unchanged(scn, before)
    assert out.demand[C.VIEWS].sum() == pytest.approx(scn.demand[C.VIEWS].sum() * (1 + growth / 100))
    edges = scn.sites[C.TIER] == C.EDGE
    assert out.sites.loc[edges, C.DISK_GB].tolist() == pytest.approx((scn.sites.loc[edges, C.DISK_GB] * edge).tolist())


@pytest.mark.parametrize("model", ["ewma", "snaive7"])
def test_a_grown_forecast_is_the_forecast_of_a_grown_history_for_linear_models(tiny, model):
    grown_history = forecast_scenario(whatif.grow_demand(tiny, 30.0), DATE, model=model)
    grown_forecast = whatif.grow_forecast(forecast_scenario(tiny, DATE, model=model), 30.0)
    pd.testing.assert_series_equal(grown_history[C.YHAT], grown_forecast[C.YHAT], rtol=1e-9)


def test_growth_from_a_date_leaves_the_history_alone(tiny):
    out = whatif.grow_demand(tiny, 50.0, start=DATE)
    before = tiny.demand[C.DATE] < DATE
    assert (out.demand.loc[before, C.VIEWS] == tiny.demand.loc[before, C.VIEWS]).all()
    assert (out.demand.loc[~before, C.VIEWS] == 1.5 * tiny.demand.loc[~before, C.VIEWS]).all()


def test_knob_parts_drop_what_the_step_does_not_read():
    knobs = whatif.Knobs(edge_disk=2.0, growth_pct=10.0, model="ewma", failures=("E1",),
                         hit=whatif.Hit("t1", ("r1",), 3.0))
    assert knobs.forecast_part() == whatif.Knobs(model="ewma")
    assert knobs.plan_part() == whatif.Knobs(edge_disk=2.0, growth_pct=10.0, model="ewma")


def test_evaluate_equals_the_library_calls_it_maps_to(tiny):
    knobs = whatif.Knobs(edge_disk=1.5, fill_window_hours=6.0, growth_pct=20.0, model="ewma", failures=("S",),
                         hit=whatif.Hit("t3", ("r2",), 4.0))
    got = whatif.evaluate(tiny, DATE, knobs)
    planned = whatif.set_fill(whatif.scale_disk(tiny, {"edge": 1.5, "storage": 1.0}), window_hours=6.0)
    frame = whatif.grow_forecast(forecast_scenario(tiny, DATE, model="ewma"), 20.0)
    with tempfile.TemporaryDirectory() as root:
        result = make_plan(planned, DATE, frame, root, solver="greedy", time_limit=20.0, gap=0.01)
    actual = whatif.surprise_hit(whatif.grow_demand(planned, 20.0, start=DATE), "t3", ["r2"], 4.0, start=DATE)
    sim = simulate_day(actual, result.holdings, actual.day(DATE), failures=["S"], fill_gb=result.fill_gb)
    assert got.kpis == whatif.kpis(result, sim)
    assert got.kpis["edge_byte_hit_ratio"] == sim.summary["edge_byte_hit_ratio"]
    assert got.kpis["backbone_tb"] == sim.summary["backbone_gb"] / 1000.0


@pytest.mark.parametrize("mode", ["hybrid", "reactive"])
def test_a_cache_mode_takes_the_day_from_the_cache_simulation(tiny, mode):
    from cdn.caches import edge_split, simulate_cached_day

    knobs = whatif.Knobs(model="ewma", mode=mode, pinned_share=0.5 if mode == "hybrid" else None)
    got = whatif.evaluate(tiny, DATE, knobs)
    shares, record = edge_split(tiny, DATE, mode, knobs.pinned_share)
    frame = forecast_scenario(tiny, DATE, model="ewma")
    with tempfile.TemporaryDirectory() as root:
        result = make_plan(tiny, DATE, frame, root, solver="greedy", time_limit=20.0, gap=0.01,
                           pinned_share=shares, summary_extra=record)
    cached, _ = simulate_cached_day(tiny, DATE, mode, result.holdings, record, result.fill_gb)
    assert got.kpis["edge_byte_hit_ratio"] == cached["edge_byte_hit_ratio"]
    assert got.kpis["backbone_tb"] == cached["backbone_gb"] / 1000.0
    assert got.kpis["fill_gb"] == cached["fill_gb"] >= result.fill_gb  # admissions are disk writes too


def test_failures_are_simulated_in_proactive_mode_only(tiny):
    with pytest.raises(InputError, match="proactive mode only"):
        whatif.evaluate(tiny, DATE, whatif.Knobs(model="ewma", mode="hybrid", failures=("E1",)))


def test_more_edge_disk_never_lowers_the_hit_ratio_on_tiny(tiny):
    ratios = [whatif.evaluate(tiny, DATE, whatif.Knobs(model="ewma", edge_disk=f)).kpis["edge_byte_hit_ratio"]
              for f in (0.0, 0.5, 1.0, 2.0, 4.0)]
    assert ratios == sorted(ratios) and ratios[0] == 0.0 and ratios[-1] > ratios[0]


def test_a_failed_edge_site_leaves_its_region_unserved(tiny):
    out = whatif.evaluate(tiny, DATE, whatif.Knobs(model="ewma", failures=("E1",)))
    region_gb = simulate_day(tiny, tiny.placement, tiny.day(DATE)).per_site.set_index(C.SITE)["demand_gb"]["E1"]
    assert out.kpis["unserved_gb"] == pytest.approx(region_gb)


def test_plan_archive_holds_the_contract_plan_directory(tiny):
    frame = whatif.forecast_step(tiny, DATE, whatif.Knobs(model="ewma"))
    result, archive = whatif.plan_step(tiny, DATE, frame, whatif.Knobs(model="ewma"))
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        assert sorted(z.namelist()) == ["2024-01-10/placement.csv", "2024-01-10/summary.json"]
        plan = pd.read_csv(z.open("2024-01-10/placement.csv"), dtype=str)
    assert len(plan) == len(result.plan)


def test_unknown_choices_are_refused_with_the_valid_ones():
    with pytest.raises(InputError, match="objective 'bytes'; expected one of hit, cost"):
        whatif.check_knobs(whatif.Knobs(objective="bytes"))
    with pytest.raises(InputError, match="mode 'push'; expected one of proactive, hybrid, reactive"):
        whatif.check_knobs(whatif.Knobs(mode="push"))
    with pytest.raises(InputError, match="model 'nope'"):
        whatif.check_knobs(whatif.Knobs(model="nope"))


# uploads ----------------------------------------------------------------------------------------
def _zip(directory: Path, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for path in sorted(directory.iterdir()):
            z.write(path, prefix + path.name)
    return buffer.getvalue()


@pytest.mark.parametrize("prefix", ["", "myscenario/"])
def test_an_uploaded_zip_loads_from_its_top_level_or_one_folder(tmp_path, prefix):
    scn = whatif.unpack_scenario(_zip(TINY, prefix), tmp_path / "x")
    assert len(scn.catalog) == 4 and scn.last_date == pd.Timestamp("2024-01-14")


def test_a_broken_upload_raises_the_loaders_findings(tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(TINY, bad)
    (bad / "sites.csv").write_text((TINY / "sites.csv").read_text().replace("edge", "edgy", 1))
    with pytest.raises(ScenarioError, match=r"sites\.csv line .*, column tier: tier 'edgy' is not origin"):
        whatif.unpack_scenario(_zip(bad), tmp_path / "out")


@pytest.mark.parametrize(("data", "message"), [
    (b"not a zip", "not a zip file"),
    (b"x" * 2000, "larger than the limit"),
])
def test_uploads_that_are_not_scenarios_are_refused(tmp_path, data, message):
    with pytest.raises(InputError, match=message):
        whatif.unpack_scenario(data, tmp_path, max_bytes=1000 if len(data) > 1000 else 10**6)


def test_a_zip_that_unpacks_to_more_than_ten_times_the_limit_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("demand.csv", "0" * 200_000)  # deflates to a few hundred bytes
    data = buffer.getvalue()
    with pytest.raises(InputError, match="unpacks to"):
        whatif.unpack_scenario(data, tmp_path / "x", max_bytes=10_000)
    assert not (tmp_path / "x").exists()


def test_zip_members_outside_the_directory_are_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("../catalog.csv", "title_id,size_gb\n")
    with pytest.raises(InputError, match="points outside"):
        whatif.unpack_scenario(buffer.getvalue(), tmp_path / "x")
    assert not (tmp_path / "catalog.csv").exists()


def test_a_zip_without_a_catalog_says_what_it_found(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(InputError, match=r"no catalog.csv \(found notes.txt\)"):
        whatif.unpack_scenario(buffer.getvalue(), tmp_path / "x")


def test_fingerprint_follows_content(tmp_path):
    copy = tmp_path / "tiny"
    shutil.copytree(TINY, copy)
    assert whatif.fingerprint(copy) == whatif.fingerprint(TINY)
    (copy / "settings.json").write_text('{"fill_window_hours": 6}')
    assert whatif.fingerprint(copy) != whatif.fingerprint(TINY)


# cdn app ----------------------------------------------------------------------------------------
def test_cdn_app_finds_app_py_at_the_checkout_root():
    script = whatif.app_script()
    assert script.name == "app.py" and (script.parent / "cdn" / "whatif.py").is_file()
    command = whatif.streamlit_command(script, 8600, "127.0.0.1")
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8600"


def test_cdn_app_refuses_a_bad_scenario_before_serving(tmp_path):
    result = CliRunner().invoke(app, ["app", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "catalog.csv: file is missing" in result.output


def test_cdn_app_refuses_a_port_out_of_range():
    result = CliRunner().invoke(app, ["app", "--port", "70000"])
    assert result.exit_code == 2
    assert "65535" in result.output


def test_cdn_app_binds_to_localhost_by_default():
    result = CliRunner().invoke(app, ["app", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output
