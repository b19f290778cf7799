"""Flow simulation on the tiny scenario and on small hand-built networks, with hand-computed answers.

Tiny network (tests/data/tiny): O -5- S, S -1- E1 (r1), S -1- E2 (r2), E1 -3- E2; no access links.
Day 2024-01-01 in GB (views * gb_per_view): r1: t1 40, t2 12, t3 1; r2: t1 8, t2 6, t3 8 (75 in all).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdn.errors import InputError
from cdn.scenario import load_scenario
from cdn.simulate import diurnal_profile, plan_holdings, route_served, run_simulation, simulate_day

TINY = Path(__file__).parents[1] / "data" / "tiny"
DAY1 = pd.Timestamp("2024-01-01")


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY)


def holds(*pairs: str) -> pd.DataFrame:
    """Holdings from "SITE:title" strings."""
    return pd.DataFrame([p.split(":") for p in pairs], columns=["site_id", "title_id"])


def link_gb(sim, src: str, dst: str) -> float:
    row = sim.per_link[(sim.per_link["src"] == src) & (sim.per_link["dst"] == dst)]
    return float(row["gb"].iloc[0])


def scenario_variant(tmp_path: Path, sites: dict[str, dict] | None = None, settings: dict | None = None,
                     links: pd.DataFrame | None = None):
    """A copy of the tiny scenario with some site columns, settings or links replaced."""
    root = tmp_path / "scn"
    shutil.copytree(TINY, root)
    if sites:
        frame = pd.read_csv(root / "sites.csv", dtype=str, keep_default_na=False)
        for site, values in sites.items():
            for col, value in values.items():
                frame.loc[frame["site_id"] == site, col] = str(value)
        frame.to_csv(root / "sites.csv", index=False)
    if settings:
        (root / "settings.json").write_text(json.dumps(settings))
    if links is not None:
        links.to_csv(root / "links.csv", index=False)
    return load_scenario(root)


def test_edge_hit_ratio_and_backbone_match_hand_computation(tiny):
    sim = simulate_day(tiny, holds("E1:t1"), tiny.day(DAY1))
    s = sim.summary
    assert s["date"] == "2024-01-01"
    assert s["demand_gb"] == pytest.approx(75.0)
    # only r1's t1 (40 GB) is held by its own site
    assert s["edge_byte_hit_ratio"] == pytest.approx(40 / 75)
    # r1 t2+t3 (13 GB) from O over S-O and E1-S; r2 t1 (8 GB) from E1 via S (cost 2 < 3 direct < 6 origin);
    # r2 t2+t3 (14 GB) from O: (13 + 8 + 14) GB x 2 links
    assert s["backbone_gb"] == pytest.approx(70.0)
    assert link_gb(sim, "O", "S") == pytest.approx(27.0)
    assert link_gb(sim, "S", "E1") == pytest.approx(13.0)
    assert link_gb(sim, "E1", "S") == pytest.approx(8.0)
    assert link_gb(sim, "S", "E2") == pytest.approx(22.0)
    assert link_gb(sim, "E1", "E2") == 0.0
    # everything from the origin: r1 53 GB and r2 22 GB over two links each
    assert s["backbone_gb_origin_only"] == pytest.approx(150.0)
    tiers = sim.per_tier.set_index("tier")["served_gb"]
    assert tiers["edge"] == pytest.approx(48.0) and tiers["origin"] == pytest.approx(27.0)
    e1 = sim.per_site.set_index("site_id").loc["E1"]
    assert e1["edge_byte_hit_ratio"] == pytest.approx(40 / 53)
    assert e1["served_gb"] == pytest.approx(48.0) and e1["held_gb"] == pytest.approx(40.0)


def test_storage_copy_cuts_backbone_but_is_no_edge_hit(tiny):
    sim = simulate_day(tiny, holds("S:t1", "S:t2", "S:t3"), tiny.day(DAY1))
    assert sim.summary["edge_byte_hit_ratio"] == 0.0
    # every GB crosses one peering link only
    assert sim.summary["backbone_gb"] == pytest.approx(75.0)
    assert sim.per_tier.set_index("tier").loc["storage", "served_gb"] == pytest.approx(75.0)


def test_a_region_entering_at_an_origin_has_no_edge_hits(tmp_path):
    # r2 enters at the origin (which holds every title): as the contract's measure and the reference scorer
    # read it, a region without an edge (or storage) site of its own never hits
    scn = scenario_variant(tmp_path, sites={"O": {"region": "r2"}, "E2": {"region": "r9"}})
    sim = simulate_day(scn, holds("E1:t1"), scn.day(DAY1))
    assert sim.summary["edge_byte_hit_ratio"] == pytest.approx(40 / 75)


def test_access_links_are_not_backbone(tmp_path):
    links = pd.read_csv(TINY / "links.csv", dtype=str)
    links.loc[links["dst"] == "E1", "kind"] = "access"
    scn = scenario_variant(tmp_path, links=links)
    sim = simulate_day(scn, holds(), scn.day(DAY1))
    # r1's 53 GB crosses S-O (backbone) and S-E1 (access); r2's 22 GB crosses two backbone-like links
    assert sim.summary["backbone_gb"] == pytest.approx(53 + 2 * 22)


def test_link_failure_reroutes_over_the_next_cheapest_path(tiny):
    sim = simulate_day(tiny, holds("E1:t1"), tiny.day(DAY1), failures=["S-E1"])
    # r1's 13 GB from O now goes O-S-E2-E1 (3 links); r2's t1 from E1 over the direct link (1 link)
    assert link_gb(sim, "E2", "E1") == pytest.approx(13.0)
    assert link_gb(sim, "E1", "E2") == pytest.approx(8.0)
    assert sim.summary["backbone_gb"] == pytest.approx(13 * 3 + 8 + 14 * 2)
    assert sim.summary["failures"] == ["S-E1"]
    assert set(sim.per_link["dst"] + sim.per_link["src"]).isdisjoint({"SE1", "E1S"})


def test_failed_edge_site_leaves_its_region_unreachable(tiny):
    sim = simulate_day(tiny, holds("E1:t1"), tiny.day(DAY1), failures=["E1"])
    s = sim.summary
    assert s["unreachable_regions"] == ["r1"]
    assert s["unserved_gb"] == pytest.approx(53.0)
    assert s["edge_byte_hit_ratio"] == 0.0
    e1 = sim.per_site.set_index("site_id").loc["E1"]
    assert e1["failed"] and e1["edge_byte_hit_ratio"] == 0.0 and e1["held_gb"] == 0.0
    # r2 now fetches t1 from the origin too
    assert s["backbone_gb"] == pytest.approx(22 * 2)


def test_link_names_accept_double_dash_and_reject_unknowns(tiny):
    sim = simulate_day(tiny, holds(), tiny.day(DAY1), failures=["E2--E1"])
    assert sim.summary["failures"] == ["E2-E1"]
    with pytest.raises(InputError, match="neither a site nor a link"):
        simulate_day(tiny, holds(), tiny.day(DAY1), failures=["E1-O"])


def test_serving_capacity_overflows_to_the_next_copy(tmp_path):
    # flat day (share 1/24): r1's t1 is 40/24 GB an hour; E1 serves at most 0.002 Gbps = 0.9 GB an hour
    scn = scenario_variant(tmp_path, sites={"E1": {"serve_gbps": 0.002}}, settings={"peak_hour_share": 1 / 24})
    day = scn.day(DAY1)
    sim = simulate_day(scn, holds("E1:t1", "S:t1"), day)
    e1 = sim.per_site.set_index("site_id").loc["E1"]
    assert e1["edge_served_gb"] == pytest.approx(0.9 * 24)
    assert e1["serve_utilisation"] == pytest.approx(1.0)
    # the contract's hit ratio counts what E1 holds, not what it could serve
    assert sim.summary["edge_byte_hit_ratio"] == pytest.approx(40 / 75)
    # overflow 18.4 GB from S over one link; r2's t1 also from S (cost 1): 18.4 + 8 GB from S
    assert link_gb(sim, "S", "E1") == pytest.approx(18.4 + 13)
    assert sim.per_site.set_index("site_id").loc["S", "served_gb"] == pytest.approx(18.4 + 8)
    s = sim.summary
    assert s["edge_served_gb"] + s["upstream_served_gb"] + s["unserved_gb"] == pytest.approx(75.0)
    unlimited = simulate_day(scn, holds("E1:t1", "S:t1"), day, serve_limits=False)
    assert unlimited.per_site.set_index("site_id").loc["E1", "edge_served_gb"] == pytest.approx(40.0)


def test_full_copies_leave_the_rest_with_the_cheapest_holder_as_overloaded(tmp_path):
    scn = scenario_variant(tmp_path, sites={"E1": {"serve_gbps": 0.002}, "O": {"serve_gbps": 0.001}},
                           settings={"peak_hour_share": 1 / 24})
    sim = simulate_day(scn, holds("E1:t1"), scn.day(DAY1))
    assert set(sim.summary["overloaded_sites"]) == {"O", "E1"}
    s = sim.summary
    assert s["edge_served_gb"] + s["upstream_served_gb"] == pytest.approx(75.0)


def test_peak_hour_gbps_uses_the_diurnal_profile(tiny):
    sim = simulate_day(tiny, holds(), tiny.day(DAY1))
    o_s = sim.per_link[(sim.per_link["src"] == "O") & (sim.per_link["dst"] == "S")].iloc[0]
    assert o_s["gb"] == pytest.approx(75.0)
    assert o_s["peak_gbps"] == pytest.approx(75.0 * 0.08 * 8 / 3600)
    assert o_s["utilisation"] == pytest.approx(o_s["peak_gbps"] / 10.0)
    assert sim.hourly["backbone_gb"].sum() == pytest.approx(sim.summary["backbone_gb"])
    assert sim.summary["peak_backbone_gbps"] == pytest.approx(150.0 * 0.08 * 8 / 3600)


def test_overloaded_links_are_reported(tmp_path):
    links = pd.read_csv(TINY / "links.csv", dtype=str)
    links.loc[links["dst"] == "E1", "capacity_gbps"] = "0.001"
    scn = scenario_variant(tmp_path, links=links)
    sim = simulate_day(scn, holds(), scn.day(DAY1))
    assert sim.summary["overloaded_links"] == ["S->E1"]


def test_diurnal_profile_sums_to_one_with_the_peak_share():
    p = diurnal_profile(0.08)
    assert p.sum() == pytest.approx(1.0) and p.max() == pytest.approx(0.08) and p.argmax() == 21
    assert 4 <= p.max() / p.min() <= 6
    assert np.allclose(diurnal_profile(0.03), 1 / 24)
    with pytest.raises(InputError):
        diurnal_profile(0.0)


def test_bad_inputs_raise_input_errors_naming_the_value(tiny):
    day = tiny.day(DAY1)
    with pytest.raises(InputError, match="'zz'"):
        simulate_day(tiny, holds(), day.assign(region="zz"))
    with pytest.raises(InputError, match="'nope'"):
        simulate_day(tiny, holds("E1:nope"), day)
    with pytest.raises(InputError, match="views"):
        simulate_day(tiny, holds(), day.assign(views=-1.0))
    with pytest.raises(InputError, match="title_id"):
        simulate_day(tiny, pd.DataFrame({"site_id": ["E1"]}), day)


def test_inputs_are_not_modified(tiny):
    h = holds("E1:t1")
    day = tiny.day(DAY1)
    before_h, before_d, edges = h.copy(), day.copy(), len(tiny.graph.edges)
    simulate_day(tiny, h, day, failures=["E1", "S-E2"])
    pd.testing.assert_frame_equal(h, before_h)
    pd.testing.assert_frame_equal(day, before_d)
    assert len(tiny.graph.edges) == edges and "E1" in tiny.graph


def test_empty_demand_gives_no_ratio(tiny):
    sim = simulate_day(tiny, holds(), tiny.day(DAY1).iloc[0:0])
    assert sim.summary["edge_byte_hit_ratio"] is None and sim.summary["backbone_gb"] == 0.0
    assert math.isnan(sim.per_site.set_index("site_id").loc["E1", "edge_byte_hit_ratio"])


def test_plan_holdings_reads_add_and_keep_rows(tiny, tmp_path):
    plan = tmp_path / "2024-01-02"
    plan.mkdir()
    pd.DataFrame({"site_id": ["E1", "E1", "E2", "O"], "title_id": ["t1", "t2", "t3", "t1"],
                  "action": ["keep", "add", "evict", "keep"], "size_gb": [40, 20, 10, 40],
                  "priority": ["", "1", "", ""], "source": ["", "S", "", ""]}).to_csv(plan / "placement.csv",
                                                                                     index=False)
    held, fill = plan_holdings(tiny, plan)
    assert sorted(zip(held["site_id"], held["title_id"], strict=True)) == [("E1", "t1"), ("E1", "t2")]
    assert fill == 20.0
    (plan / "placement.csv").write_text("site_id,title_id,action\nE1,t1,move\n")
    with pytest.raises(InputError, match=r"line 2.*'move'"):
        plan_holdings(tiny, plan)
    # the plan root instead of one night's directory: the error names the nights it holds
    with pytest.raises(InputError, match=r"holds the plans of 2024-01-02: pass one night's directory"):
        plan_holdings(tiny, tmp_path)


def test_run_simulation_writes_summary_and_tables(tmp_path):
    out = tmp_path / "sim"
    run_simulation(TINY, None, "2024-01-01", ["S-E2"], out)
    summary = json.loads((out / "summary.json").read_text())
    assert {"date", "edge_byte_hit_ratio", "backbone_gb"} <= set(summary)
    assert summary["date"] == "2024-01-01"
    for name in ("sites.csv", "links.csv", "tiers.csv", "hourly.csv"):
        assert (out / name).is_file()
    # scenario placement: E1 holds t1, S holds t1 and t2
    assert summary["edge_byte_hit_ratio"] == pytest.approx(40 / 75)
    with pytest.raises(InputError, match="2023-12-31"):
        run_simulation(TINY, None, "2023-12-31", [], tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_route_served_matches_simulate_day_when_the_servers_are_the_cheapest_holders(tiny):
    sim = simulate_day(tiny, holds("E1:t1"), tiny.day(DAY1)).summary
    # r1: t1 40 GB from E1, t2+t3 13 GB from O; r2: t1 8 GB from E1, t2+t3 14 GB from O
    routed = route_served(tiny, ["E1", "E1", "E2", "E2"], ["E1", "O", "E1", "O"], [40.0, 13.0, 8.0, 14.0])
    for key in ("backbone_gb", "peak_backbone_gbps", "peak_link_utilisation", "overloaded_links"):
        assert routed[key] == pytest.approx(sim[key])
    assert route_served(tiny, [], [], [])["backbone_gb"] == 0.0
