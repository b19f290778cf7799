"""Properties of the flow simulation on random placements, demands, failures and serving caps (hypothesis).

The expected values are recomputed here row by row, straight from the data contract's definitions, with
networkx: an independent reading to agree with.
"""

from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdn.scenario import load_scenario
from cdn.simulate import simulate_day

TINY = Path(__file__).parents[1] / "data" / "tiny"
HOLDERS = ("S", "E1", "E2")
TITLES = ("t1", "t2", "t3", "007")
REGIONS = ("r1", "r2")


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY)


@pytest.fixture(scope="module")
def capped(tmp_path_factory):
    root = tmp_path_factory.mktemp("capped") / "scn"
    shutil.copytree(TINY, root)
    sites = pd.read_csv(root / "sites.csv", dtype=str, keep_default_na=False)
    sites.loc[sites["site_id"] == "E1", "serve_gbps"] = "0.003"
    sites.loc[sites["site_id"] == "S", "serve_gbps"] = "0.002"
    sites.to_csv(root / "sites.csv", index=False)
    return load_scenario(root)


holdings_st = st.sets(st.tuples(st.sampled_from(HOLDERS), st.sampled_from(TITLES))).map(
    lambda pairs: pd.DataFrame(sorted(pairs), columns=["site_id", "title_id"], dtype=str))
demand_st = st.dictionaries(st.tuples(st.sampled_from(REGIONS), st.sampled_from(TITLES)),
                            st.floats(0, 500, allow_nan=False), max_size=8).map(
    lambda d: pd.DataFrame([(r, t, v) for (r, t), v in sorted(d.items())], columns=["region", "title_id", "views"]))
failure_st = st.lists(st.sampled_from(["E1", "E2", "S", "S-E1", "S-E2", "E1-E2", "O-S"]), max_size=2, unique=True)


def contract_measures(scn, holdings, demand):
    """Hit ratio and backbone GB by the contract, one (region, title) at a time."""
    gpv = scn.catalog.set_index("title_id")["gb_per_view"]
    held = set(zip(holdings["site_id"], holdings["title_id"], strict=True))
    origins = set(scn.sites.loc[scn.sites["tier"] == "origin", "site_id"])
    graph, region_site = scn.graph, scn.region_site()
    hit = total = backbone = 0.0
    for region, title, views in demand.itertuples(index=False):
        gb = views * gpv[title]
        site = region_site[region]
        total += gb
        hit += gb if (site, title) in held else 0.0
        dist, paths = nx.single_source_dijkstra(graph, site, weight="cost")
        holder = min((s for s in dist if s in origins or (s, title) in held), key=lambda s: (dist[s], s != site, s))
        path = paths[holder]
        backbone += gb * sum(graph[a][b]["kind"] != "access" for a, b in pairwise(path))
    return (hit / total if total > 0 else None), backbone


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(holdings=holdings_st, demand=demand_st)
def test_agrees_with_the_contracts_definitions(tiny, holdings, demand):
    sim = simulate_day(tiny, holdings, demand, serve_limits=False)
    ratio, backbone = contract_measures(tiny, holdings, demand)
    if ratio is None:
        assert sim.summary["edge_byte_hit_ratio"] is None
    else:
        assert sim.summary["edge_byte_hit_ratio"] == pytest.approx(ratio, abs=1e-9)
    assert sim.summary["backbone_gb"] == pytest.approx(backbone, rel=1e-9, abs=1e-9)
    # unlimited sites serve exactly what they hold
    assert sim.summary["edge_served_gb"] == pytest.approx(sim.summary["edge_hit_gb"], rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(holdings=holdings_st, demand=demand_st, failures=failure_st, use_caps=st.booleans())
def test_bytes_are_conserved_and_ratios_bounded(tiny, capped, holdings, demand, failures, use_caps):
    scn = capped if use_caps else tiny
    sim = simulate_day(scn, holdings, demand, failures=failures)
    s = sim.summary
    assert s["edge_served_gb"] + s["upstream_served_gb"] + s["unserved_gb"] == pytest.approx(s["demand_gb"], abs=1e-6)
    assert s["edge_served_gb"] <= s["edge_hit_gb"] + 1e-9
    if s["edge_byte_hit_ratio"] is not None:
        assert 0.0 <= s["edge_byte_hit_ratio"] <= 1.0
    ratios = sim.per_site["edge_byte_hit_ratio"].dropna()
    assert ratios.between(0.0, 1.0).all()
    assert sim.per_tier["served_gb"].sum() == pytest.approx(s["demand_gb"], abs=1e-6)
    assert (sim.per_link["gb"] >= -1e-12).all()
    if not any(f in ("E1", "E2", "S-E1", "S-E2", "O-S", "S") for f in failures):
        assert s["unserved_gb"] == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(holdings=holdings_st, demand=demand_st, site=st.sampled_from(["E1", "E2"]), extra=failure_st)
def test_a_failure_never_raises_the_failed_sites_hit_ratio(tiny, holdings, demand, site, extra):
    before = simulate_day(tiny, holdings, demand, failures=[f for f in extra if f != site])
    after = simulate_day(tiny, holdings, demand, failures=sorted({*extra, site}))
    ratio = lambda sim: sim.per_site.set_index("site_id").loc[site, "edge_byte_hit_ratio"]  # noqa: E731
    if pd.notna(ratio(before)):
        assert ratio(after) <= ratio(before)
        assert ratio(after) == 0.0
