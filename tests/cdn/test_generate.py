"""The scenario generator: valid contract output, determinism, and the statistical properties it promises."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cdn import columns as C
from cdn.cli import app
from cdn.errors import InputError
from cdn.generate import generate_scenario, write_scenario
from cdn.scenario import Scenario, load_scenario
from cdn.topology import read_zoo

GEANT = Path(__file__).parents[2] / "data" / "raw" / "topology-zoo" / "Geant2001.graphml"
ARGS = {"sites": 6, "titles": 800, "days": 56, "seed": 11, "start": "2024-03-04"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, dict]:
    out = tmp_path_factory.mktemp("gen") / "scenario"
    write_scenario(generate_scenario(**ARGS), out, fmt="csv")
    return load_scenario(out), json.loads((out / "generated.json").read_text())


def _slope(values: np.ndarray) -> float:
    """Negative slope of log(value) against log(rank) over the given, descending values."""
    ranks = np.arange(1, len(values) + 1)
    return float(-np.polyfit(np.log(ranks), np.log(values), 1)[0])


def test_generated_scenario_passes_the_loader(generated: tuple[Scenario, dict]) -> None:
    scenario, params = generated
    assert len(scenario.catalog) == 800
    assert (scenario.sites[C.TIER] == C.EDGE).sum() == 6
    assert set(scenario.demand[C.REGION]) == set(params["regions"])
    assert scenario.demand[C.DATE].nunique() == 56
    assert (scenario.demand[C.VIEWS] > 0).all()


def test_per_region_title_totals_follow_the_regions_drawn_zipf_exponent(generated: tuple[Scenario, dict]) -> None:
    scenario, params = generated
    totals = scenario.demand.groupby([C.REGION, C.TITLE])[C.VIEWS].sum()
    for region, drawn in params["regions"].items():
        alpha = drawn["zipf_exponent"]
        assert 0.8 <= alpha <= 1.0
        head = np.sort(totals.loc[region].to_numpy())[::-1][:100]
        assert _slope(head) == pytest.approx(alpha, abs=0.07), region


def test_weekend_days_draw_more_views_than_weekdays(generated: tuple[Scenario, dict]) -> None:
    daily = generated[0].demand.groupby(C.DATE)[C.VIEWS].sum()
    weekend = daily.index.day_of_week >= 5
    ratio = daily[weekend].mean() / daily[~weekend & (daily.index.day_of_week != 4)].mean()
    assert 1.1 < ratio < 1.4


def test_launches_peak_in_their_first_three_days_then_decay(generated: tuple[Scenario, dict]) -> None:
    scenario, _ = generated
    release = scenario.catalog.set_index(C.TITLE)[C.RELEASE_DATE]
    launched = release[(release >= scenario.first_date) & (release <= scenario.last_date - pd.Timedelta(days=21))]
    assert len(launched) >= 20
    rows = scenario.demand[scenario.demand[C.TITLE].isin(launched.index)]
    age = (rows[C.DATE] - rows[C.TITLE].map(launched)).dt.days
    profile = rows[C.VIEWS].groupby(age).sum().reindex(range(22), fill_value=0.0)
    assert profile.idxmax() in (0, 1, 2)
    assert profile[14] < 0.4 * profile.max()
    assert profile[21] > 0.02 * profile.max()  # a floor, not zero


def test_cold_start_titles_are_released_after_the_history_and_have_no_demand(generated: tuple[Scenario, dict]) -> None:
    scenario, _ = generated
    catalog = scenario.catalog
    cold = catalog.loc[catalog[C.RELEASE_DATE] > scenario.last_date, C.TITLE]
    assert len(cold) >= 1
    assert not scenario.demand[C.TITLE].isin(cold).any()
    back_catalog = catalog[C.RELEASE_DATE] < scenario.first_date
    assert back_catalog.mean() > 0.5


def test_each_regions_home_language_takes_its_drawn_local_share(generated: tuple[Scenario, dict]) -> None:
    scenario, params = generated
    language = scenario.demand[C.TITLE].map(scenario.catalog.set_index(C.TITLE)[C.LANGUAGE])
    favoured = 0
    for region, drawn in params["regions"].items():
        home, target = drawn["home_language"], drawn["local_share_target"]
        mine = scenario.demand[C.REGION] == region
        views = scenario.demand.loc[mine, C.VIEWS]
        share = views[language[mine] == home].sum() / views.sum()
        assert share == pytest.approx(target, abs=0.1), region
        favoured += share > 2 * (scenario.catalog[C.LANGUAGE] == home).mean()
    assert favoured >= 1


def test_titles_are_films_and_smaller_episodes_with_a_tenth_streamed_per_view(generated: tuple[Scenario, dict]) -> None:
    catalog = generated[0].catalog
    films = catalog[catalog["content_type"] == "film"]
    episodes = catalog[catalog["content_type"] == "episode"]
    assert films[C.SIZE_GB].between(40, 80).all()
    assert episodes[C.SIZE_GB].between(8, 30).all()
    ratio = catalog[C.GB_PER_VIEW] / catalog[C.SIZE_GB]
    assert ratio.between(0.088, 0.112).all()
    assert (episodes.groupby("series")[C.RELEASE_DATE].nunique() == 1).all()  # a season drops on one day


def test_disks_are_catalog_fractions_and_a_night_fills_a_few_percent(generated: tuple[Scenario, dict]) -> None:
    scenario, _ = generated
    catalog_gb = scenario.catalog[C.SIZE_GB].sum()
    sites = scenario.sites.set_index(C.SITE)
    edges, storage = sites[sites[C.TIER] == C.EDGE], sites[sites[C.TIER] == C.STORAGE]
    assert (edges[C.DISK_GB] / catalog_gb).between(0.099, 0.301).all()
    assert (storage[C.DISK_GB] / catalog_gb).between(0.399, 0.701).all()
    night = scenario.fill_budget_gb()[sites.index[sites[C.DISK_GB] > 0]] / sites[C.DISK_GB]
    assert night.dropna().between(0.019, 0.041).all()
    assert (edges[C.SERVE_GBPS] > 0).all()


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    small = {"sites": 3, "titles": 120, "days": 21, "seed": 5}
    for fmt in ("csv", "parquet"):
        write_scenario(generate_scenario(**small), tmp_path / f"a-{fmt}", fmt=fmt)  # type: ignore[arg-type]
        write_scenario(generate_scenario(**small), tmp_path / f"b-{fmt}", fmt=fmt)  # type: ignore[arg-type]
        names = sorted(p.name for p in (tmp_path / f"a-{fmt}").iterdir())
        assert f"demand.{fmt}" in names
        for name in names:
            assert (tmp_path / f"a-{fmt}" / name).read_bytes() == (tmp_path / f"b-{fmt}" / name).read_bytes(), name
    write_scenario(generate_scenario(**{**small, "seed": 6}), tmp_path / "c", fmt="csv")
    assert (tmp_path / "c" / "demand.csv").read_bytes() != (tmp_path / "a-csv" / "demand.csv").read_bytes()


def test_parquet_and_csv_demand_load_to_the_same_rows(tmp_path: Path) -> None:
    small = {"sites": 2, "titles": 60, "days": 10, "seed": 9}
    write_scenario(generate_scenario(**small), tmp_path / "csv", fmt="csv")
    write_scenario(generate_scenario(**small), tmp_path / "pq", fmt="parquet")
    a, b = load_scenario(tmp_path / "csv").demand, load_scenario(tmp_path / "pq").demand
    pd.testing.assert_frame_equal(a, b)


def test_topology_zoo_nodes_become_sites_at_their_cities_with_link_speeds() -> None:
    nodes, links, name = read_zoo(GEANT)
    scenario = generate_scenario(sites=5, titles=50, days=7, seed=1, topology=GEANT)
    sites = scenario.sites.set_index(C.SITE)
    assert name == "GEANT"
    assert (sites[C.TIER] == C.ORIGIN).sum() == 1
    assert (sites[C.TIER] == C.STORAGE).sum() == len(nodes) - 1
    assert sites.loc["FR", [C.LAT, C.LON]].tolist() == pytest.approx([48.85341, 2.3488])
    backbone = scenario.links[scenario.links[C.KIND] == "backbone"]
    assert len(backbone) == len(links)
    assert set(backbone[C.CAPACITY_GBPS]) >= {2.5, 10.0}
    uplinks = scenario.links[scenario.links[C.KIND] == "peering"]
    assert sorted(uplinks[C.DST]) == sorted(sites.index[sites[C.TIER] == C.EDGE])
    edges = sites[sites[C.TIER] == C.EDGE]
    hosts = uplinks.set_index(C.DST)[C.SRC]
    assert (edges[C.LAT] == sites.loc[hosts[edges.index], C.LAT].to_numpy()).all()


def test_link_capacity_falls_back_to_link_type_then_the_median(tmp_path: Path) -> None:
    graphml = tmp_path / "net.graphml"
    graphml.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="label" attr.type="string" for="node" id="d0"/>
  <key attr.name="LinkType" attr.type="string" for="edge" id="d1"/>
  <key attr.name="LinkLabel" attr.type="string" for="edge" id="d2"/>
  <graph edgedefault="undirected">
    <node id="0"><data key="d0">A</data></node>
    <node id="1"><data key="d0">B</data></node>
    <node id="2"><data key="d0">C</data></node>
    <node id="3"><data key="d0">D</data></node>
    <node id="9"><data key="d0">Alone</data></node>
    <edge source="0" target="1"><data key="d1">OC-192</data></edge>
    <edge source="1" target="2"><data key="d2">2.5 Gbit/s</data></edge>
    <edge source="2" target="3"/>
  </graph>
</graphml>"""
    )
    nodes, links, _ = read_zoo(graphml)
    assert nodes["label"].tolist() == ["A", "B", "C", "D"]  # the isolated node is dropped
    caps = links.set_index(["u", "v"])[C.CAPACITY_GBPS]
    assert caps[("0", "1")] == pytest.approx(192 * 0.05184)
    assert caps[("1", "2")] == pytest.approx(2.5)
    assert caps[("2", "3")] == pytest.approx(np.median([192 * 0.05184, 2.5]))
    assert links["km"].isna().all()  # no coordinates: unknown length


def test_bad_arguments_raise_input_errors_naming_the_option(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--titles = 0"):
        generate_scenario(sites=2, titles=0, days=5, seed=1)
    with pytest.raises(InputError, match="--start"):
        generate_scenario(sites=2, titles=5, days=5, seed=1, start="2024-13-45")
    with pytest.raises(InputError, match="--start"):
        generate_scenario(sites=2, titles=5, days=5, seed=1, start="01/02/2024")
    with pytest.raises(InputError, match="cannot be read as GraphML"):
        generate_scenario(sites=2, titles=5, days=5, seed=1, topology=tmp_path / "missing.graphml")
    (tmp_path / "junk.graphml").write_text("not <xml")
    with pytest.raises(InputError, match=r"junk\.graphml: cannot be read as GraphML"):
        generate_scenario(sites=2, titles=5, days=5, seed=1, topology=tmp_path / "junk.graphml")


def test_cli_generate_writes_a_valid_scenario_and_refuses_to_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "tiny"
    args = ["generate", "--out", str(out), "--sites", "3", "--titles", "40", "--days", "14", "--seed", "2",
            "--format", "parquet", "--topology", str(GEANT)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "demand.parquet").is_file() and (out / "placement.csv").is_file()
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    before = (out / "demand.parquet").read_bytes()
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "already exists" in again.output
    assert (out / "demand.parquet").read_bytes() == before
    assert runner.invoke(app, [*args, "--overwrite", "--seed", "3", "--empty-caches"]).exit_code == 0
    assert (out / "demand.parquet").read_bytes() != before
    assert not (out / "placement.csv").exists()
    bad = runner.invoke(app, ["generate", "--out", str(tmp_path / "x"), "--sites", "0"])
    assert bad.exit_code == 2
    assert "--sites = 0" in bad.output
    assert not (tmp_path / "x").exists()


@settings(max_examples=12, deadline=None)
@given(sites=st.integers(1, 5), titles=st.integers(1, 60), days=st.integers(1, 20), seed=st.integers(0, 2**32 - 1))
def test_any_generated_scenario_keeps_the_contract_rules(sites: int, titles: int, days: int, seed: int) -> None:
    scenario = generate_scenario(sites=sites, titles=titles, days=days, seed=seed)
    catalog = scenario.catalog.assign(**{C.RELEASE_DATE: pd.to_datetime(scenario.catalog[C.RELEASE_DATE])})
    assert catalog[C.TITLE].is_unique and (catalog[C.SIZE_GB] > 0).all() and (catalog[C.GB_PER_VIEW] > 0).all()
    demand = scenario.demand() if any(len(v) for *_, v in scenario.demand_days()) else None
    if demand is not None:
        assert (demand[C.VIEWS] > 0).all() and (demand[C.VIEWS] == demand[C.VIEWS].round()).all()
        release = demand[C.TITLE].map(catalog.set_index(C.TITLE)[C.RELEASE_DATE])
        assert (demand[C.DATE] >= release).all()
        assert set(demand[C.REGION]) <= set(scenario.regions)
        assert not demand.duplicated([C.DATE, C.REGION, C.TITLE]).any()
    sites_frame = scenario.sites
    assert sites_frame[C.SITE].is_unique and (sites_frame[C.TIER] == C.ORIGIN).any()
    assert sorted(sites_frame.loc[sites_frame[C.TIER] == C.EDGE, C.REGION]) == sorted(scenario.regions)
    linked = set(scenario.links[C.SRC]) | set(scenario.links[C.DST])
    assert set(sites_frame[C.SITE]) <= linked


def test_sites_start_full_with_titles_released_before_the_first_day(generated: tuple[Scenario, dict]) -> None:
    scenario, _ = generated
    held = scenario.placement.merge(scenario.catalog, on=C.TITLE)
    assert set(held[C.SITE]) == set(scenario.sites.loc[scenario.sites[C.DISK_GB] > 0, C.SITE])
    used = held.groupby(C.SITE)[C.SIZE_GB].sum()
    disk = scenario.sites.set_index(C.SITE)[C.DISK_GB]
    assert (used <= disk[used.index]).all() and (used > 0.9 * disk[used.index]).all()
    assert (held[C.RELEASE_DATE] < scenario.first_date).all()
    first_week = scenario.demand[scenario.demand[C.DATE] < scenario.first_date + pd.Timedelta(days=7)]
    sites = scenario.sites.set_index(C.SITE)
    for site, titles in held[sites.loc[held[C.SITE], C.TIER].to_numpy() == C.EDGE].groupby(C.SITE)[C.TITLE]:
        views = first_week[first_week[C.REGION] == sites.at[site, C.REGION]].groupby(C.TITLE)[C.VIEWS].sum()
        assert views.reindex(titles).fillna(0).mean() > 3 * views.drop(titles, errors="ignore").mean(), site


def test_empty_caches_write_no_placement(tmp_path: Path) -> None:
    write_scenario(generate_scenario(sites=2, titles=30, days=5, seed=1, warm=False), tmp_path / "cold")
    assert not (tmp_path / "cold" / "placement.csv").exists()
    assert load_scenario(tmp_path / "cold").placement.empty


@pytest.mark.parametrize("profile", ["trending", "sparse", "longlived"])
def test_each_profile_writes_a_valid_scenario_of_its_shape(tmp_path: Path, profile: str) -> None:
    out = tmp_path / profile
    write_scenario(generate_scenario(sites=3, titles=200, days=30, seed=2, profile=profile), out)
    scenario = load_scenario(out)
    assert json.loads((out / "generated.json").read_text())["profile"] == profile
    vod = generate_scenario(sites=3, titles=200, days=30, seed=2).demand()
    per_day = scenario.demand.groupby([C.DATE, C.REGION]).size()
    if profile == "trending":  # only each region's 50 most viewed titles (and ties) are seen each day
        assert per_day.max() <= 80 and per_day.median() >= 45
    if profile == "sparse":  # small counts
        assert scenario.demand[C.VIEWS].median() <= 2 < vod[C.VIEWS].median()
    if profile == "longlived":  # no launches inside the history
        release = pd.to_datetime(scenario.catalog[C.RELEASE_DATE])
        assert (release < scenario.first_date).all()


def test_a_night_can_fill_the_largest_title_even_in_a_tiny_catalog(tmp_path: Path) -> None:
    # ten titles: a few percent of an edge disk is less than one title; the budget is raised to the largest
    write_scenario(generate_scenario(sites=1, titles=10, days=30, seed=0, profile="longlived"), tmp_path / "ll")
    scenario = load_scenario(tmp_path / "ll")
    with_disk = scenario.sites.loc[scenario.sites[C.DISK_GB] > 0, C.SITE]
    assert (scenario.fill_budget_gb()[with_disk] >= scenario.catalog[C.SIZE_GB].max()).all()


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(InputError, match="--profile"):
        generate_scenario(sites=2, titles=20, days=7, seed=0, profile="bursty")


def test_expected_views_are_the_mean_of_the_draws_by_region_and_weekday() -> None:
    scenario = generate_scenario(sites=2, titles=200, days=560, seed=5)
    demand = scenario.demand()
    expected = pd.DataFrame([
        {C.REGION: region, "weekday": date.day_of_week, "expected": row.sum()}
        for date in scenario.dates
        for region, row in zip(scenario.regions, scenario.expected_views(date)[0], strict=True)
    ]).groupby([C.REGION, "weekday"])["expected"].sum()
    drawn = demand.assign(weekday=demand[C.DATE].dt.day_of_week).groupby([C.REGION, "weekday"])[C.VIEWS].sum()
    # 80 days per (region, weekday): a day's total varies by about 12% (Gamma noise of shape 4 on Zipf shares and
    # the region's lognormal of 5%), the sum of 80 by 1.4%; the weekend uplift is 15-35%
    np.testing.assert_allclose(drawn.reindex(expected.index).to_numpy(), expected.to_numpy(), rtol=0.05)
    assert scenario.expected_views(scenario.dates[0])[1] == 4.0  # counts Gamma-mixed with shape 4


def test_expected_views_refuse_censored_profiles_and_days_outside_the_scenario() -> None:
    with pytest.raises(ValueError, match="censored"):
        generate_scenario(sites=1, titles=60, days=7, seed=1, profile="trending").expected_views("2024-01-02")
    with pytest.raises(ValueError, match="2023-12-31 is not a day of the scenario"):
        generate_scenario(sites=1, titles=10, days=7, seed=1).expected_views("2023-12-31")
