"""Reactive edge caches (libCacheSim) on tiny request streams checked by hand, and stream properties.

Tiny catalog: t1 40 GB (4 GB a view), t2 20 GB (2), t3 10 GB (1), 007 30 GB (3); E1 (region r1) has 60 GB
of disk, E2 (r2) 40 GB. One view a day fixes the arrival order.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cdn import columns as C
from cdn.caches import (
    ADMIT,
    HIT,
    HYBRID_POLICY,
    ONLINE_POLICIES,
    PEAK_TOLERANCE,
    PINNED,
    POLICIES,
    POLICY_WARMUP_DAYS,
    SHARE_GRID,
    SHARE_TOLERANCE,
    Requests,
    _next_access,
    cache_policy,
    check_admission,
    choose_policy,
    choose_split,
    edge_split,
    replay_caches,
    replay_hybrid,
    request_streams,
    run_cache,
    upstream_sites,
)
from cdn.errors import InputError
from cdn.scenario import load_scenario
from cdn.simulate import route_served, simulate_day

TINY = Path(__file__).parents[1] / "data" / "tiny"
START = pd.Timestamp("2024-01-01")


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY)


def one_view_a_day(region: str, titles: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range(START, periods=len(titles)), "region": region, "title_id": titles,
                         "views": 1.0})


def outcomes(tiny, demand: pd.DataFrame, policy: str) -> pd.DataFrame:
    end = demand["date"].max()
    return replay_caches(tiny, demand, START, end, [policy], warmup_days=0).rows.set_index("date")


def test_unknown_policy_lists_the_valid_ones():
    with pytest.raises(InputError, match="lru, lfu, s3fifo, sieve, belady"):
        cache_policy("arc2")
    assert set(POLICIES) >= {"lru", "lfu", "s3fifo", "sieve", "belady"}


@pytest.mark.parametrize(("policy", "last_is_hit"), [("lru", False), ("lfu", True), ("belady", True)])
def test_lru_evicts_the_least_recent_and_lfu_the_least_frequent(tiny, policy, last_is_hit):
    # t1 twice, then t2 fills the disk (60 GB); t3 needs 10 GB: LRU evicts t1 (used before t2),
    # LFU evicts t2 (one use against two), Belady evicts t2 (never used again); then t1 again
    # every miss is also admitted by the upstream cache S (100 GB), which still holds t1 on the last day
    out = outcomes(tiny, one_view_a_day("r1", ["t1", "t1", "t2", "t3", "t1"]), policy)
    assert out["hit_requests"].tolist() == [0, 1, 0, 0, int(last_is_hit)]
    assert out["upstream_hit_requests"].tolist() == [0, 0, 0, 0, int(not last_is_hit)]
    assert out["fill_gb"].tolist() == [80.0, 0.0, 40.0, 20.0, 0.0 if last_is_hit else 40.0]
    assert out["hit_gb"].tolist() == [0.0, 4.0, 0.0, 0.0, 4.0 if last_is_hit else 0.0]
    assert out["origin_views"].tolist() == [1.0, 0.0, 1.0, 1.0, 0.0]
    assert (out["demand_gb"] == [4.0, 4.0, 2.0, 1.0, 4.0]).all()


def test_upstream_cache_is_the_nearest_storage_site_with_disk(tiny):
    assert upstream_sites(tiny) == {"E1": ("S", "O"), "E2": ("S", "O")}
    no_disk = replace(tiny, sites=tiny.sites.assign(disk_gb=np.where(tiny.sites["site_id"] == "S", 0.0,
                                                                      tiny.sites["disk_gb"])))
    assert upstream_sites(no_disk) == {"E1": ("", "O"), "E2": ("", "O")}
    out = outcomes(no_disk, one_view_a_day("r1", ["t1", "t2"]), "lru")
    assert out["upstream_hit_requests"].sum() == 0 and out["fill_gb"].tolist() == [40.0, 20.0]


def test_caches_keep_their_content_across_days_and_warmup_is_not_reported(tiny):
    demand = one_view_a_day("r2", ["t3", "t3", "t3"])
    result = replay_caches(tiny, demand, START + pd.Timedelta(days=1), START + pd.Timedelta(days=2), ["lru"],
                           warmup_days=1)
    out = result.rows
    assert out["date"].min() == START + pd.Timedelta(days=1)
    assert out["hit_requests"].tolist() == [1, 1] and out["fill_gb"].sum() == 0.0
    assert result.traffic.empty  # every request a hit: nothing pulled from upstream


def test_s3fifo_keeps_only_titles_that_fit_its_small_queue(tiny):
    # S3-FIFO admits into a small FIFO of 10% of the disk: with 200 GB (20 GB queue) t3 (10 GB) stays
    # and is promoted on reuse; t1 (40 GB) passes through the queue and is gone at once
    sites = tiny.sites.assign(disk_gb=np.where(tiny.sites["site_id"] == "E2", 200.0, tiny.sites["disk_gb"]))
    big = replace(tiny, sites=sites)
    assert outcomes(big, one_view_a_day("r2", ["t3", "t3", "t3"]), "s3fifo")["hit_requests"].tolist() == [0, 1, 1]
    passed = outcomes(big, one_view_a_day("r2", ["t1", "t1", "t1"]), "s3fifo")
    assert passed["hit_requests"].tolist() == [0, 0, 0]
    # never written (nor at S, 100 GB: a 10 GB queue): each miss pulls the view's 4 GB, not the title's 40
    assert passed["fill_gb"].tolist() == [0.0, 0.0, 0.0] and passed["on_demand_gb"].tolist() == [4.0, 4.0, 4.0]
    assert outcomes(tiny, one_view_a_day("r2", ["t3", "t3", "t3"]), "s3fifo")["hit_requests"].tolist() == [0, 0, 0]


def test_a_title_larger_than_the_disk_is_never_admitted(tiny):
    demand = one_view_a_day("r2", ["t1", "t1"])  # E2 has 40 GB: t1 (40 GB) just fits
    assert outcomes(tiny, demand, "lru")["hit_requests"].tolist() == [0, 1]
    catalog = tiny.catalog.assign(size_gb=np.where(tiny.catalog["title_id"] == "t1", 41.0, tiny.catalog["size_gb"]))
    bigger = replace(tiny, catalog=catalog)
    out = replay_caches(bigger, demand, START, START + pd.Timedelta(days=1), ["lru"], warmup_days=0).rows
    # never admitted at E2 (40 GB); the upstream cache S (100 GB) takes it and serves the second view
    assert out["hit_requests"].sum() == 0 and out["fill_gb"].tolist() == [41.0, 0.0]
    assert out["upstream_hit_requests"].tolist() == [0, 1]


def test_next_access_points_to_the_next_request_of_the_same_title():
    nxt = _next_access(np.array([5, 7, 5, 5, 7, 9]))
    assert nxt[:5].tolist() == [2, 4, 3, 2**62, 2**62] and nxt[5] == 2**62


def test_arrivals_follow_the_diurnal_profile(tiny):
    demand = pd.DataFrame({"date": [START], "region": ["r1"], "title_id": ["t1"], "views": [20000.0]})
    stream = request_streams(tiny, demand, [START], seed=3)["E1"]
    counts = np.bincount(stream.hour.astype(int), minlength=24) / stream.hour.size
    assert counts.argmax() in (20, 21, 22) and counts.max() == pytest.approx(0.08, abs=0.006)
    assert np.all(np.diff(stream.hour) >= 0)


demand_st = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(["r1", "r2"]), st.sampled_from(["t1", "t2", "t3", "007"]),
              st.floats(0, 6, allow_nan=False)),
    max_size=20, unique_by=lambda row: row[:3],
).map(lambda rows: pd.DataFrame([(START + pd.Timedelta(days=d), r, t, v) for d, r, t, v in rows],
                                columns=["date", "region", "title_id", "views"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(demand=demand_st, seed=st.integers(0, 3))
def test_hits_are_bounded_bytes_add_up_and_the_seed_fixes_the_stream(tiny, demand, seed):
    end = START + pd.Timedelta(days=4)
    result = replay_caches(tiny, demand, START, end, list(POLICIES), warmup_days=0, seed=seed)
    again = replay_caches(tiny, demand, START, end, list(POLICIES), warmup_days=0, seed=seed)
    pd.testing.assert_frame_equal(result.rows, again.rows)
    pd.testing.assert_frame_equal(result.traffic, again.traffic)
    out = result.rows
    assert (out["hit_requests"] + out["upstream_hit_requests"] <= out["requests"]).all()
    assert np.allclose(out["origin_views"], out["requests"] - out["hit_requests"] - out["upstream_hit_requests"])
    assert (out["hit_gb"] <= out["demand_gb"] + 1e-9).all()
    gpv = out["title_id"].map(tiny.catalog.set_index("title_id")["gb_per_view"])
    assert np.allclose(out["demand_gb"], out["requests"] * gpv)
    # every policy sees the same requests; whole views are requested exactly
    per_policy = out.groupby("strategy")["requests"].sum()
    assert per_policy.nunique() <= 1
    views = demand["views"].astype(float)  # an empty frame's column is object on pandas 2
    whole = demand[views == views.round()]
    if len(whole) == len(demand) and len(out):
        assert per_policy.iloc[0] == int(demand["views"].sum())


# ------------------------------------------------------------------------------------------------
# hybrid edges: a pinned part from the plan, a cache in the rest
# ------------------------------------------------------------------------------------------------
NOTHING = pd.DataFrame({"site_id": pd.Series(dtype=str), "title_id": pd.Series(dtype=str)})


def held(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(pairs), columns=["site_id", "title_id"]) if pairs else NOTHING


def no_storage_disk(tiny):
    return replace(tiny, sites=tiny.sites.assign(disk_gb=np.where(tiny.sites["site_id"] == "S", 0.0,
                                                                   tiny.sites["disk_gb"])))


def test_a_surprise_hit_is_served_from_the_edge_after_its_first_request_in_hybrid_mode_only(tiny):
    # the plan pins t2 (20 GB) in E1's pinned half (30 GB); nobody forecast t3, which gets 5 views
    demand = pd.DataFrame({"date": [START, START], "region": ["r1", "r1"], "title_id": ["t2", "t3"],
                           "views": [2.0, 5.0]})
    plan = held(("E1", "t2"))
    hybrid = replay_hybrid(tiny, demand, START, START, [plan], {"E1": 0.5}, warmup_days=0).rows.set_index("title_id")
    assert hybrid.loc["t3", "hit_requests"] == 4 and hybrid.loc["t3", "hit_gb"] == 4.0  # all but the first
    assert hybrid.loc["t2", "pinned_hit_gb"] == 4.0 and hybrid.loc["t2", "hit_requests"] == 2
    proactive = simulate_day(tiny, plan, demand).per_site.set_index("site_id")
    assert proactive.loc["E1", "edge_hit_gb"] == 4.0  # only t2: every t3 byte comes from upstream
    # the cache gets what the pins leave free: a full pinned disk leaves no room for the surprise
    full = held(("E1", "t1"), ("E1", "t2"))
    pinned_only = replay_hybrid(tiny, demand, START, START, [full], {"E1": 1.0}, warmup_days=0).rows
    assert pinned_only.set_index("title_id").loc["t3", "hit_requests"] == 0
    roomy = replay_hybrid(tiny, demand, START, START, [plan], {"E1": 1.0}, warmup_days=0).rows
    assert roomy.set_index("title_id").loc["t3", "hit_requests"] == 4


def test_admissions_are_upstream_traffic_in_the_hour_of_the_miss_and_disk_writes(tiny):
    demand = one_view_a_day("r2", ["t3"])  # E2 (40 GB) misses t3 (10 GB, 1 GB a view) and admits it
    reactive = replay_caches(tiny, demand, START, START, ["lru"], warmup_days=0)
    stream = request_streams(tiny, demand, [START])["E2"]
    # the edge writes 10 GB, its upstream cache S admits it too (10 GB from the origin) and sends it on
    assert reactive.rows["fill_gb"].tolist() == [20.0] and reactive.rows["on_demand_gb"].tolist() == [20.0]
    flows = reactive.traffic.set_index(["entry", "server"])
    assert flows.loc[("E2", "S"), "gb"] == 10.0 and flows.loc[("S", "O"), "gb"] == 10.0
    assert set(reactive.traffic["hour"]) == {int(stream.hour[0])}
    hybrid = replay_hybrid(tiny, demand, START, START, [held(("S", "t3"))], {"E2": 0.0}, warmup_days=0)
    assert hybrid.rows["fill_gb"].tolist() == [10.0] and hybrid.rows["on_demand_gb"].tolist() == [10.0]
    assert hybrid.traffic[["entry", "server", "gb"]].values.tolist() == [["E2", "S", 10.0]]  # the plan's holder
    sim = route_served(tiny, hybrid.traffic["entry"], hybrid.traffic["server"], hybrid.traffic["gb"],
                       hybrid.traffic["hour"])
    assert sim["peak_backbone_gbps"] == pytest.approx(10.0 * 8 / 3600)  # the whole title in one hour


def test_the_storage_cache_keeps_a_title_nobody_planned_once_a_second_edge_asks_for_it(tiny):
    # t3 (10 GB) is missed at E1 on day 0 and at E2 on day 1; t2 (20 GB) is wanted by E1 alone, on days 0
    # and 2 (a hit in E1's cache on day 2); no plan holds anything
    day1, day2 = START + pd.Timedelta(days=1), START + pd.Timedelta(days=2)
    demand = pd.DataFrame({"date": [START, START, day1, day2], "region": ["r1", "r1", "r2", "r1"],
                           "title_id": ["t3", "t2", "t3", "t2"], "views": [1.0, 1.0, 1.0, 1.0]})
    out = replay_hybrid(tiny, demand, START, day2, [NOTHING] * 3, {"E1": 0.0, "E2": 0.0}, warmup_days=0,
                        storage_admission="shared")
    flows = out.traffic.groupby(["date", "entry", "server"])["gb"].sum()
    # day 0: E1 alone wanted t3 and t2: from the origin, S keeps neither; day 1: a second edge wants t3, so
    # S admits it from the origin and sends it on (a third edge would then get it from S)
    assert flows.to_dict() == {(START, "E1", "O"): 30.0, (day1, "E2", "S"): 10.0, (day1, "S", "O"): 10.0}
    assert out.rows["fill_gb"].sum() == 50.0  # E1: t3 and t2, E2: t3, S: t3 only
    alone = replay_hybrid(tiny, demand, START, day2, [NOTHING] * 3, {"E1": 0.0, "E2": 0.0}, warmup_days=0,
                          storage_caches=False).traffic
    assert set(alone["server"]) == {"O"}  # without the storage level every miss crosses to the origin
    # a title the plan holds at S is soft-pinned there: served from S, never fetched by day
    planned = replay_hybrid(tiny, demand, START, day2, [held(("S", "t3"))] * 3, {"E1": 0.0, "E2": 0.0},
                            warmup_days=0).rows.set_index(["date", "site_id", "title_id"])
    assert planned.loc[(START, "E1", "t3"), "upstream_hit_requests"] == 1  # soft-pinned at S: served from it
    assert planned.loc[(day1, "E2", "t3"), "upstream_hit_requests"] == 1


def test_the_storage_cache_admits_a_launch_at_its_first_miss_but_not_a_title_one_edge_alone_keeps_missing(tiny):
    # t3 (10 GB), which no edge asked for before, is missed at E1 on day 0 and at E2 on day 1; t1 (40 GB)
    # hits E1's pin on day 0, and on day 1 E1's new pins (007 and t2, 50 GB) leave its cache 10 GB: t1 misses
    day1 = START + pd.Timedelta(days=1)
    demand = pd.DataFrame({"date": [START, START, day1, day1], "region": ["r1", "r1", "r2", "r1"],
                           "title_id": ["t3", "t1", "t3", "t1"], "views": [1.0, 1.0, 1.0, 1.0]})
    plans = [held(("E1", "t1")), held(("E1", "007"), ("E1", "t2"))]

    def flows(rule: str) -> dict:
        out = replay_hybrid(tiny, demand, START, day1, plans, {"E1": 1.0, "E2": 0.0}, warmup_days=0,
                            storage_admission=rule)
        return out.traffic.groupby(["date", "entry", "server"])["gb"].sum().to_dict()

    # the launch t3: S admits it at E1's miss (10 GB from the origin once) and serves E2 from its disk; t1,
    # which E1 alone asked for the day before, streams from the origin without being written at S
    assert flows("launch") == {(START, "E1", "S"): 10.0, (START, "S", "O"): 10.0, (day1, "E1", "O"): 4.0,
                               (day1, "E2", "S"): 10.0}
    # waiting for a second edge fetches t3 from the origin twice; admitting every miss writes t1 at S too
    assert flows("shared") == {(START, "E1", "O"): 10.0, (day1, "E1", "O"): 4.0, (day1, "E2", "S"): 10.0,
                               (day1, "S", "O"): 10.0}
    assert flows("all") == {(START, "E1", "S"): 10.0, (START, "S", "O"): 10.0, (day1, "E1", "S"): 4.0,
                            (day1, "E2", "S"): 10.0, (day1, "S", "O"): 40.0}
    with pytest.raises(InputError, match="valid rules: launch, shared, all"):
        replay_hybrid(tiny, demand, START, day1, plans, {"E1": 1.0}, warmup_days=0, storage_admission="first")


def test_a_storage_cache_prefetches_the_plan_s_launches_only(tiny):
    # E1 admits t2 (20 GB) on day 0; on the night before day 9 the plan adds t2 and t3 at S: t3 (10 GB) was
    # never viewed, a launch, written at S that night and served from it to E1 on day 9; t2, first viewed 9
    # days before, is left to the caches (E1's own still holds it: writing it at S would serve nothing)
    day9 = START + pd.Timedelta(days=9)
    demand = pd.DataFrame({"date": [START, day9, day9], "region": "r1", "title_id": ["t2", "t2", "t3"],
                           "views": 1.0})
    plans = [NOTHING] * 9 + [held(("S", "t2"), ("S", "t3"))]

    def night(rule: str) -> tuple[float, dict]:
        out = replay_hybrid(tiny, demand, START, day9, plans, {"E1": 0.0}, warmup_days=0, storage_admission=rule)
        fills = out.fills.set_index([C.DATE, C.SITE])
        return fills.loc[(day9, "S"), "filled_gb"], out.rows.set_index([C.DATE, C.TITLE]).loc[day9].to_dict("index")

    filled, rows = night("launch")
    assert filled == 10.0
    assert rows["t3"]["upstream_hit_requests"] == 1 and rows["t2"]["hit_requests"] == 1
    assert night("shared")[0] == 0.0  # a cache that admits shared demand only has nothing it knows it would admit


def test_other_edges_are_served_only_the_titles_a_storage_cache_was_written(tiny):
    from cdn.caches import _servable

    # S's plan holds t1 from day 0 (on the disk from the start), adds t2 on night 1 as a launch (prefetched) and
    # t3 on night 2 when it may not prefetch it (left to its edges' misses); E1's plan holds 007 throughout
    plans = [held(("S", "t1"), ("E1", "007")), held(("S", "t1"), ("S", "t2"), ("E1", "007")),
             held(("S", "t1"), ("S", "t2"), ("S", "t3"), ("E1", "007"))]
    titles = list(tiny.catalog["title_id"])
    plan = np.zeros((3, len(titles)), dtype=bool)
    for d, frame in enumerate(plans):
        plan[d, [titles.index(t) for t in frame.loc[frame["site_id"] == "S", "title_id"]]] = True
    prefetch = np.zeros_like(plan)
    prefetch[1, titles.index("t2")] = True
    servable = _servable(tiny, plans, {"S": plan}, {"S": prefetch})
    assert [sorted(map(tuple, day.to_numpy().tolist())) for day in servable] == [
        [("E1", "007"), ("S", "t1")], [("E1", "007"), ("S", "t1"), ("S", "t2")],
        [("E1", "007"), ("S", "t1"), ("S", "t2")]]
    unmasked = _servable(tiny, plans, {"S": plan}, {"S": None})  # a cache that prefetches every plan title
    assert all(a is b for a, b in zip(unmasked, plans, strict=True))


def test_second_request_admission_keeps_one_off_titles_off_the_disk(tiny):
    demand = pd.DataFrame({"date": [START, START, START + pd.Timedelta(days=1)], "region": ["r2"] * 3,
                           "title_id": ["t2", "t3", "t3"], "views": [1.0, 1.0, 2.0]})
    out = replay_hybrid(tiny, demand, START, START + pd.Timedelta(days=1), [NOTHING, NOTHING], {"E2": 0.0},
                        admission="second", warmup_days=0).rows.set_index(["date", "title_id"])
    # only t3, admitted on its second request at E2 (S keeps nothing one edge alone wants); t2 never written
    assert out["fill_gb"].sum() == 10.0 and out.loc[(START, "t2"), "fill_gb"] == 0.0
    assert out.loc[(START + pd.Timedelta(days=1), "t3"), "hit_requests"] == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(demand=demand_st, seed=st.integers(0, 3), policy=st.sampled_from(["lru", "s3fifo", "sieve", "belady"]))
def test_hybrid_with_no_pinned_share_is_the_reactive_cache(tiny, demand, seed, policy):
    scn = no_storage_disk(tiny)  # no upstream cache level: the reactive edges alone
    end = START + pd.Timedelta(days=4)
    reactive = replay_caches(scn, demand, START, end, [policy], warmup_days=0, seed=seed)
    hybrid = replay_hybrid(scn, demand, START, end, [NOTHING] * 5, {"E1": 0.0, "E2": 0.0}, policy=policy,
                           warmup_days=0, seed=seed)
    columns = ["date", "site_id", "title_id", "requests", "hit_requests", "hit_gb", "fill_gb", "on_demand_gb"]
    pd.testing.assert_frame_equal(hybrid.rows[columns], reactive.rows[columns])
    pd.testing.assert_frame_equal(hybrid.traffic.drop(columns="strategy"), reactive.traffic.drop(columns="strategy"))


pins_st = st.lists(st.sets(st.sampled_from(["t1", "t2", "t3", "007"])), min_size=5, max_size=5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(demand=demand_st, pins=pins_st, share=st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]),
       policy=st.sampled_from(["lru", "s3fifo", "sieve"]), admission=st.sampled_from(["all", "second"]),
       kinds=st.lists(st.sampled_from(["hard", "soft"]), min_size=5, max_size=5),
       gate=st.sampled_from([0, 2, 3]))
@example(demand=pd.DataFrame([(START, "r1", "t1", 1.0)], columns=["date", "region", "title_id", "views"]),
         pins=[{"t1", "t2"}] * 5, share=1.0, policy="lru", admission="all", kinds=["hard"] * 5, gate=0)  # no room left
def test_pinned_plus_cached_never_exceeds_the_disk(tiny, demand, pins, share, policy, admission, kinds, gate):
    sizes = tiny.catalog.set_index("title_id")["size_gb"]
    disk = 60.0  # E1
    days = []
    for titles in pins:  # what a plan may pin: titles in order while they fit the pinned share
        kept, used = [], 0.0
        for title in sorted(titles):
            if used + sizes[title] <= share * disk:
                kept.append(title)
                used += sizes[title]
        days.append(kept)
    stream = request_streams(tiny, demand, list(pd.date_range(START, periods=5))).get("E1")
    if stream is None:
        return
    catalog = tiny.catalog["title_id"].tolist()
    pinned = np.array([[t in kept for t in catalog] for kept in days])
    occupied: list[tuple[int, float]] = []
    size_gb = tiny.catalog["size_gb"].to_numpy(float)
    soft = np.array([k == "soft" for k in kinds])
    # hard pins: the cache gets what they leave; soft pins are in a cache of the whole disk (replay_hybrid)
    free = np.where(soft, disk, disk - (pinned * size_gb).sum(axis=1))
    filled = np.zeros(5)
    # a storage admission rule lets only some misses in (gate 0: all of them)
    admissible = np.arange(stream.title.size) % gate == 0 if gate else None
    outcome = run_cache(policy, free, stream, size_gb, pinned=pinned, admission=admission, occupied_gb=occupied,
                        pins=kinds, fill_budget_gb=270.0, filled_gb=filled, admissible=admissible)
    if admissible is not None:
        assert not ((outcome == ADMIT) & ~admissible).any()
    assert [day for day, _ in occupied] == (list(range(5)) if stream.title.size else [])
    for day, cached in occupied:
        assert (0.0 if soft[day] else sizes[days[day]].sum()) + cached <= disk + 1e-9
    hard_pinned = pinned[stream.day, stream.title] & ~soft[stream.day]
    assert ((outcome == PINNED) & ~soft[stream.day] == hard_pinned).all()
    assert ((outcome == PINNED) <= pinned[stream.day, stream.title]).all()
    assert (filled >= -1e-9).all() and filled[0] == 0.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(demand=demand_st, pins=pins_st, policy=st.sampled_from(ONLINE_POLICIES),
       kinds=st.lists(st.sampled_from(["hard", "soft"]), min_size=5, max_size=5), seed=st.integers(0, 3))
def test_a_day_of_requests_at_once_gives_what_one_request_at_a_time_gives(tiny, demand, pins, policy, kinds, seed):
    # admitting every miss, run_cache feeds a day's requests in one batch; an admission rule that lets every
    # miss in takes the one-request-at-a-time path: the outcomes must be the same request for request
    stream = request_streams(tiny, demand, list(pd.date_range(START, periods=5)), seed).get("E1")
    if stream is None:
        return
    catalog = tiny.catalog["title_id"].tolist()
    pinned = np.array([[t in day for t in catalog] for day in pins])
    size_gb = tiny.catalog["size_gb"].to_numpy(float)
    free = np.where(np.array(kinds) == "soft", 60.0, 60.0 - (pinned * size_gb).sum(axis=1)).clip(0.0)
    runs = [run_cache(policy, free, stream, size_gb, pinned=pinned, pins=kinds, fill_budget_gb=50.0,
                      filled_gb=filled, admissible=gate, warm=np.array([2, 1]))
            for filled, gate in ((np.zeros(5), None), (np.zeros(5), np.ones(stream.title.size, dtype=bool)))]
    np.testing.assert_array_equal(runs[0], runs[1])


def test_the_request_budget_thins_every_title_alike_and_bounds_the_requests(tiny):
    demand = pd.DataFrame({"date": [START] * 3, "region": ["r1"] * 3, "title_id": ["t1", "t2", "t3"],
                           "views": [10000.0, 300.0, 20.0]})
    exact = request_streams(tiny, demand, [START], budget=None)["E1"]
    assert exact.title.size == 10320 and (exact.views == 1.0).all()
    thinned = request_streams(tiny, demand, [START], budget=1032)["E1"]
    assert (thinned.views == 10.0).all()  # one request for 10 views of every title
    counts = np.bincount(thinned.title, minlength=4)
    assert counts[:3].tolist() == [1000, 30, 2]  # 10,000 / 10, 300 / 10 and 20 / 10: exact here
    within = request_streams(tiny, demand, [START], budget=20000)["E1"]
    assert within.title.size == 10320  # under the budget nothing changes


def test_the_split_is_chosen_per_edge_and_recorded_in_the_plan(tmp_path):
    from cdn.planning import plan_command

    result = plan_command(TINY, "2024-01-12", tmp_path, solver="greedy", model="snaive7", mode="hybrid")
    summary = json.loads((tmp_path / "2024-01-12" / "summary.json").read_text())
    assert summary["mode"] == "hybrid" and set(summary["pinned_share"]) == {"E1", "E2"}
    assert {row["pinned_share"] for row in summary["pinned_share_backtest"]} == set(SHARE_GRID)
    policies = summary["cache_policy_backtest"]  # one policy for every edge, chosen by a reactive backtest
    assert [row["policy"] for row in policies] == list(ONLINE_POLICIES)
    assert set(summary["cache_policy"].values()) == {row["policy"] for row in policies if row["chosen"]}
    assert {row["policy"] for row in summary["pinned_share_backtest"]} == set(summary["cache_policy"].values())
    chosen = [row for row in summary["pinned_share_backtest"] if row["chosen"]]
    assert {row["site_id"]: row["pinned_share"] for row in chosen} == summary["pinned_share"]
    assert {row["site_id"]: row["policy"] for row in chosen} == summary["cache_policy"]
    assert {row["site_id"]: row["pins"] for row in chosen} == summary["pins"]
    for row in chosen:  # hit ratio first, then peak-hour upstream GB, then disk writes
        rows = [r for r in summary["pinned_share_backtest"] if r["site_id"] == row["site_id"]]
        reactive = max(r["edge_byte_hit_ratio"] for r in rows if r["pinned_share"] == 0.0)
        good = [r for r in rows if r["edge_byte_hit_ratio"] >= reactive - SHARE_TOLERANCE]
        low = min(r["peak_hour_gb"] for r in good)
        calm = [r for r in good if r["peak_hour_gb"] <= low * (1 + PEAK_TOLERANCE) + 1e-9]
        assert row in calm and row["fill_gb"] == min(r["fill_gb"] for r in calm)
        assert row["peak_hour_gb"] <= row["on_demand_gb"]
    sizes = load_scenario(TINY).catalog.set_index("title_id")["size_gb"]
    holdings = result.holdings.assign(gb=result.holdings["title_id"].map(sizes)).groupby("site_id")["gb"].sum()
    for site, disk in (("E1", 60.0), ("E2", 40.0)):
        assert holdings.get(site, 0.0) <= summary["pinned_share"][site] * disk + 1e-9
    forced = plan_command(TINY, "2024-01-12", tmp_path / "r", solver="greedy", model="snaive7", mode="reactive")
    assert not forced.holdings["site_id"].isin(["E1", "E2"]).any()  # reactive edges pin nothing


def moving_demand(tiny):
    """E1's demand surges (a different set every other day) for 14 days, then one title every day."""
    rows = []
    for d in range(28):
        titles = (["t1"] if d % 2 == 0 else ["007", "t3"]) if d < 14 else ["t2"]
        rows += [{"date": START + pd.Timedelta(days=d), "region": "r1", "title_id": t, "views": 20.0} for t in titles]
    return replace(tiny, demand=pd.DataFrame(rows))


def test_the_split_follows_demand_from_cacheable_to_plannable(tiny):
    scn = moving_demand(tiny)
    surging, _, kind, table = choose_split(scn, pd.Timestamp("2024-01-14"), policies=("sieve", "lru"))
    # last week's titles are a poor guess: a large share of hard pins loses most hits (0.10 at share 1)
    e1 = table[table["site_id"] == "E1"].set_index(["pinned_share", "pins", "policy"])["edge_byte_hit_ratio"]
    assert e1[(1.0, "hard", "sieve")] == pytest.approx(0.1) and e1[(0.0, "hard", "lru")] > 0.95
    assert surging["E1"] <= 0.25 or kind["E1"] == "soft"  # the cache keeps (almost) the whole disk
    stable, _, kind, _ = choose_split(scn, pd.Timestamp("2024-01-28"))
    assert (stable["E1"], kind["E1"]) == (1.0, "hard")  # one title every day: pinned, nothing pulled by day


def test_the_cache_policy_is_the_best_reactive_one_on_the_weeks_before_by_an_operator_s_order(tiny):
    scn = moving_demand(tiny)
    date = pd.Timestamp("2024-01-22")
    chosen, table = choose_policy(scn, date)
    # independently: each policy's reactive replay of the same days, pooled over the edges
    first = date - pd.Timedelta(days=21)  # 28 days wanted; the demand starts 21 days before
    reactive = replay_caches(scn, scn.demand[scn.demand["date"] < date], first + pd.Timedelta(days=POLICY_WARMUP_DAYS),
                             date - pd.Timedelta(days=1), ONLINE_POLICIES, warmup_days=POLICY_WARMUP_DAYS)
    per = reactive.rows.groupby("strategy")[["hit_gb", "demand_gb", "fill_gb"]].sum()
    peak = reactive.traffic.groupby(["strategy", "date", "hour"])["gb"].sum().groupby(level=0).max()
    table = table.set_index("policy")
    assert list(table.index) == list(ONLINE_POLICIES)
    assert np.allclose(table["edge_byte_hit_ratio"], (per["hit_gb"] / per["demand_gb"])[table.index])
    assert np.allclose(table["fill_gb"], per["fill_gb"][table.index])
    assert np.allclose(table["peak_hour_gb"], peak[table.index])
    good = table[table["edge_byte_hit_ratio"] >= table["edge_byte_hit_ratio"].max() - SHARE_TOLERANCE]
    calm = good[good["peak_hour_gb"] <= good["peak_hour_gb"].min() * (1 + PEAK_TOLERANCE) + 1e-9]
    assert chosen == calm["fill_gb"].idxmin() and table["chosen"].sum() == 1 and table.loc[chosen, "chosen"]
    fallback, rows = choose_policy(scn, START + pd.Timedelta(days=1))  # one day of history: nothing to warm
    assert fallback == HYBRID_POLICY and rows.empty


def test_the_replay_re_chooses_the_split_every_night_and_records_it(tiny, tmp_path):
    from cdn.replay import replay

    scn = moving_demand(tiny)
    out = replay(scn, "2024-01-14", "2024-01-22", tmp_path / "r", model="snaive7", modes=["hybrid"], warmup_days=0)
    split, kinds = out.summary["hybrid"]["pinned_share"], out.summary["hybrid"]["pins"]
    assert sorted(split) == sorted(kinds) == [f"2024-01-{d}" for d in range(14, 23)]
    assert split["2024-01-14"]["E1"] <= 0.25 or kinds["2024-01-14"]["E1"] == "soft"
    assert (split["2024-01-22"]["E1"], kinds["2024-01-22"]["E1"]) == (1.0, "hard")
    backtest = pd.DataFrame(out.summary["hybrid"]["backtest"])
    chosen = backtest[backtest["chosen"]].set_index(["date", "site_id"])["pinned_share"]
    assert all(chosen[(d, site)] == v for d, row in split.items() for site, v in row.items() if (d, site) in chosen)
    assert out.summary["hybrid"]["cache"] == choose_policy(scn, pd.Timestamp("2024-01-14"))[0]  # the first night's
    plan = json.loads((tmp_path / "r" / "plans" / "hybrid" / "2024-01-22" / "summary.json").read_text())
    assert plan["mode"] == "hybrid" and plan["pinned_share"] == split["2024-01-22"]
    assert plan["pins"] == kinds["2024-01-22"]


def test_a_released_pin_stays_on_the_disk_for_the_cache_and_a_cached_title_pinned_is_not_filled(tiny):
    demand = pd.DataFrame({"date": [START, START + pd.Timedelta(days=1), START + pd.Timedelta(days=1)],
                           "region": "r1", "title_id": ["t3", "t2", "t3"], "views": [1.0, 1.0, 1.0]})
    # day 0: t2 pinned, t3 admitted by the cache; day 1: t3 pinned (already on the disk), t2 released
    out = replay_hybrid(tiny, demand, START, START + pd.Timedelta(days=1), [held(("E1", "t2")), held(("E1", "t3"))],
                        {"E1": [0.5, 0.5]}, warmup_days=0)
    rows = out.rows.set_index(["date", "title_id"])
    day1 = START + pd.Timedelta(days=1)
    assert rows.loc[(day1, "t2"), "hit_requests"] == 1 and rows.loc[(day1, "t2"), "fill_gb"] == 0.0
    assert rows.loc[(day1, "t3"), "pinned_hit_gb"] == 1.0
    fills = out.fills.set_index(["date", "site_id"])
    # the plan adds t3 (10 GB), but it came from the cache: nothing to fill
    assert fills.loc[(day1, "E1"), ["planned_gb", "filled_gb"]].tolist() == [10.0, 0.0]


def test_soft_pins_are_prefetched_at_night_and_a_surge_may_evict_them(tiny):
    # E2 (40 GB) soft-pins t2 (20 GB); on day 1 t1 (40 GB) surges and takes the whole disk
    tiny = no_storage_disk(tiny)  # the edge's writes alone
    day1 = START + pd.Timedelta(days=1)
    demand = pd.DataFrame({"date": [START, day1], "region": "r2", "title_id": ["t2", "t1"], "views": [1.0, 3.0]})
    plan = [held(("E2", "t3")), held(("E2", "t2"))]  # t3 the first night, t2 added the second
    soft = replay_hybrid(tiny, demand, START, day1, plan, {"E2": 1.0}, pins="soft", warmup_days=0)
    rows = soft.rows.set_index(["date", "title_id"])
    assert rows.loc[(START, "t2"), "fill_gb"] == 20.0  # not pinned on day 0: a miss admitted
    # the surge evicts the pins (t2 and t3) and is cached: 40 GB written by day
    assert rows.loc[(day1, "t1"), ["hit_requests", "fill_gb"]].tolist() == [2, 40.0]
    fills = soft.fills.set_index("date")
    assert fills.loc[day1, ["planned_gb", "filled_gb"]].tolist() == [20.0, 0.0]  # t2 was cached already
    hard = replay_hybrid(tiny, demand, START, day1, plan, {"E2": 1.0}, pins="hard", warmup_days=0).rows
    hard = hard.set_index(["date", "title_id"])
    assert hard.loc[(day1, "t1"), ["hit_requests", "fill_gb"]].tolist() == [0, 0.0]  # 20 GB left: t1 never fits


def test_a_soft_pin_evicted_by_day_is_not_written_back_at_night():
    # a 40 GB cache soft-pins t2 (20 GB) on night 0 and keeps it pinned on night 1, when t3 (10 GB) is added;
    # on day 0, t1 (40 GB) is requested and evicts t2
    sizes = np.array([40.0, 20.0, 10.0, 30.0])  # t1, t2, t3, 007
    stream = Requests(day=np.array([0, 1]), title=np.array([0, 1]), hour=np.array([12.0, 12.0]),
                      views=np.array([1.0, 1.0]), next_access=np.array([2**62, 2**62]))
    pinned = np.array([[False, True, False, False], [False, True, True, False]])
    filled = np.zeros(2)
    outcome = run_cache("lru", 40.0, stream, sizes, pinned=pinned, pins="soft", filled_gb=filled)
    assert filled[1] == 10.0  # night 1 writes the new pin t3 only: the evicted t2 stays out
    assert outcome.tolist() == [ADMIT, ADMIT]  # t2's request on day 1 admits it again, by day


def test_a_warm_cache_holds_the_best_titles_that_fit_beside_the_pins_before_its_first_request():
    # a 60 GB cache, t1 (40 GB) hard-pinned on day 0 (the cache gets 20 GB), warm with t1, 007, t2, t3 in that
    # order: t1 is pinned (skipped), 007 (30 GB) stops the prefix at once, so nothing of the warm list fits
    sizes = np.array([40.0, 20.0, 10.0, 30.0])  # t1, t2, t3, 007
    stream = Requests(day=np.array([0, 0]), title=np.array([2, 1]), hour=np.array([10.0, 11.0]),
                      views=np.array([1.0, 1.0]), next_access=np.array([2**62, 2**62]))  # t3, then t2
    pinned = np.array([[True, False, False, False]])
    cold = run_cache("lru", 20.0, stream, sizes, pinned=pinned)
    assert cold.tolist() == [ADMIT, ADMIT]
    blocked = run_cache("lru", 20.0, stream, sizes, pinned=pinned, warm=np.array([0, 3, 1, 2]))
    assert blocked.tolist() == [ADMIT, ADMIT]  # the best-first prefix that fits: none
    filled = np.zeros(1)
    warm = run_cache("lru", 20.0, stream, sizes, pinned=pinned, warm=np.array([0, 2, 3]), filled_gb=filled)
    assert warm.tolist() == [HIT, ADMIT] and filled.tolist() == [0.0]  # t3 was there, unwritten; t2 was not
    both = run_cache("lru", 30.0, stream, sizes, warm=np.array([1, 2]))
    assert both.tolist() == [HIT, HIT]


def test_bad_modes_shares_and_admission_rules_are_refused(tiny):
    with pytest.raises(InputError, match="valid modes are proactive, hybrid, reactive"):
        edge_split(tiny, pd.Timestamp("2024-01-12"), "push")
    with pytest.raises(InputError, match=r"--pinned-share 1.5: expected a share in \[0, 1\]"):
        edge_split(tiny, pd.Timestamp("2024-01-12"), "hybrid", 1.5)
    with pytest.raises(InputError, match="valid rules: all, second"):
        check_admission("third")
    with pytest.raises(InputError, match=r"pins 40\.0 GB at E1, more than its pinned share 0\.50 of 60\.0 GB"):
        replay_hybrid(tiny, one_view_a_day("r1", ["t1"]), START, START, [held(("E1", "t1"))], {"E1": 0.5},
                      warmup_days=0)
