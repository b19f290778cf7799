"""Reactive edge caches (libCacheSim) on tiny request streams checked by hand, and stream properties.

Tiny catalog: t1 40 GB (4 GB a view), t2 20 GB (2), t3 10 GB (1), 007 30 GB (3); E1 (region r1) has 60 GB
of disk, E2 (r2) 40 GB. One view a day fixes the arrival order.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdn.caches import POLICIES, _next_access, cache_policy, replay_caches, request_streams, upstream_sites
from cdn.errors import InputError
from cdn.scenario import load_scenario

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
    return replay_caches(tiny, demand, START, end, [policy], warmup_days=0).set_index("date")


def test_unknown_policy_lists_the_valid_ones():
    with pytest.raises(InputError, match="lru, lfu, s3fifo, belady"):
        cache_policy("arc2")
    assert set(POLICIES) >= {"lru", "lfu", "s3fifo", "belady"}


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
    out = replay_caches(tiny, demand, START + pd.Timedelta(days=1), START + pd.Timedelta(days=2), ["lru"],
                        warmup_days=1)
    assert out["date"].min() == START + pd.Timedelta(days=1)
    assert out["hit_requests"].tolist() == [1, 1] and out["fill_gb"].sum() == 0.0
    assert out["upstream_site"].tolist() == ["S", "S"]


def test_s3fifo_keeps_only_titles_that_fit_its_small_queue(tiny):
    # S3-FIFO admits into a small FIFO of 10% of the disk: with 200 GB (20 GB queue) t3 (10 GB) stays
    # and is promoted on reuse; t1 (40 GB) passes through the queue and is gone at once
    sites = tiny.sites.assign(disk_gb=np.where(tiny.sites["site_id"] == "E2", 200.0, tiny.sites["disk_gb"]))
    big = replace(tiny, sites=sites)
    assert outcomes(big, one_view_a_day("r2", ["t3", "t3", "t3"]), "s3fifo")["hit_requests"].tolist() == [0, 1, 1]
    assert outcomes(big, one_view_a_day("r2", ["t1", "t1", "t1"]), "s3fifo")["hit_requests"].tolist() == [0, 0, 0]
    assert outcomes(tiny, one_view_a_day("r2", ["t3", "t3", "t3"]), "s3fifo")["hit_requests"].tolist() == [0, 0, 0]


def test_a_title_larger_than_the_disk_is_never_admitted(tiny):
    demand = one_view_a_day("r2", ["t1", "t1"])  # E2 has 40 GB: t1 (40 GB) just fits
    assert outcomes(tiny, demand, "lru")["hit_requests"].tolist() == [0, 1]
    catalog = tiny.catalog.assign(size_gb=np.where(tiny.catalog["title_id"] == "t1", 41.0, tiny.catalog["size_gb"]))
    bigger = replace(tiny, catalog=catalog)
    out = replay_caches(bigger, demand, START, START + pd.Timedelta(days=1), ["lru"], warmup_days=0)
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
    out = replay_caches(tiny, demand, START, end, list(POLICIES), warmup_days=0, seed=seed)
    again = replay_caches(tiny, demand, START, end, list(POLICIES), warmup_days=0, seed=seed)
    pd.testing.assert_frame_equal(out, again)
    assert (out["hit_requests"] + out["upstream_hit_requests"] <= out["requests"]).all()
    assert np.allclose(out["origin_views"], out["requests"] - out["hit_requests"] - out["upstream_hit_requests"])
    assert (out["hit_gb"] <= out["demand_gb"] + 1e-9).all()
    gpv = out["title_id"].map(tiny.catalog.set_index("title_id")["gb_per_view"])
    assert np.allclose(out["demand_gb"], out["requests"] * gpv)
    # every policy sees the same requests; whole views are requested exactly
    per_policy = out.groupby("policy")["requests"].sum()
    assert per_policy.nunique() <= 1
    whole = demand[demand["views"] == demand["views"].round()]
    if len(whole) == len(demand) and len(out):
        assert per_policy.iloc[0] == int(demand["views"].sum())
