"""Reactive cache baselines: a day's views replayed as a request stream against demand-driven edge caches.

Every edge site runs a cache of its own ``disk_gb`` under one policy; a view of a title it holds is a
hit, a miss fetches the view's bytes from upstream and admits the whole title (all its renditions,
``size_gb``) when it fits, evicting by the policy. Objects are whole titles of varying size; hits are
weighted by bytes (``views * gb_per_view``), as in the data contract. Caches keep their content from
one day to the next. Above the edges, each edge's upstream cache (:func:`upstream_sites`: its cheapest
storage site with disk, when cheaper than every origin) runs the same policy on the merged misses of
its edges, in arrival order; what it misses comes from the nearest origin. Fill counts the admissions
at both levels.

Why libCacheSim driven one request at a time: the policies (LRU, LFU, S3-FIFO, Belady) run in
libCacheSim's C++ (``libcachesim`` on PyPI), the reference implementations of the research
community. Its trace-level call (``process_trace``) returns only the object and byte miss ratios of
a whole trace, weighted by object size, while the contract weights each hit by the view's bytes and a
replay needs hits and admissions per site, title and day; so the Python side only builds the
request stream with numpy (arrival hours drawn from the diurnal profile, seeded) and feeds it to
``cache.get`` with one reused request object, about 10^5 requests per second per policy
(bench/simulate_caches.py). A pure Python policy loop would be far slower and a vectorised numpy
LRU cannot express LFU or S3-FIFO.

S3-FIFO admits into a small FIFO of 10% of the disk, so a title larger than a tenth of an edge's disk
passes through without staying (real S3-FIFO deployments cache chunks, not whole titles).

Belady's offline optimum needs each request's next access: :func:`replay_caches` builds the
streams of all days first and gives every request the position of the next request for the same
title at the same site (across days). With titles of different sizes, farthest-next-use (``belady``)
is the classic clairvoyant reference rather than a proven byte optimum. (libCacheSim 0.3.5's
``BeladySize`` loops forever printing warnings when one title fills most of a small cache, so it is
not offered.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcachesim as lcs
import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.errors import InputError
from cdn.scenario import Scenario
from cdn.simulate import diurnal_profile
from placement.network import holders_by_cost, path_costs

_MB_PER_GB = 1000
_NEVER = 2**62  # next access of a title never requested again

POLICIES: dict[str, Callable[..., lcs.CacheBase]] = {
    "lru": lcs.LRU,
    "lfu": lcs.LFU,
    "s3fifo": lcs.S3FIFO,
    "belady": lcs.Belady,
}
"""Cache policies by name: libCacheSim classes taking ``cache_size`` (MB) and ``hashpower``."""
DEFAULT_POLICIES = ("lru", "lfu", "s3fifo", "belady")
OFFLINE = frozenset({"belady"})


def cache_policy(name: str) -> Callable[..., lcs.CacheBase]:
    """The factory of a registered cache policy; raise InputError listing the valid names."""
    try:
        return POLICIES[name]
    except KeyError:
        raise InputError(f"unknown cache policy {name!r}; valid policies: {', '.join(POLICIES)}") from None


@dataclass(frozen=True)
class Requests:
    """The request stream of one edge site over consecutive days, in arrival order.

    Attributes
    ----------
    day : ndarray of int
        Index of the request's date in the replayed dates.
    title : ndarray of int
        Catalog index of the requested title.
    hour : ndarray of float
        Arrival time within the day, in hours.
    next_access : ndarray of int
        Position of the next request for the same title in this stream (``2**62`` when none).
    """

    day: np.ndarray
    title: np.ndarray
    hour: np.ndarray
    next_access: np.ndarray


def request_streams(scenario: Scenario, demand: pd.DataFrame, dates: Sequence[pd.Timestamp],
                    seed: int = 0) -> dict[str, Requests]:
    """Turn daily views per (region, title) into one request stream per edge site.

    Fractional views are rounded stochastically (seeded); each view arrives at an hour drawn from
    the diurnal profile and a uniform time within it.

    Parameters
    ----------
    scenario : Scenario
        Catalog, sites and ``peak_hour_share``.
    demand : DataFrame
        ``date, region, title_id, views``.
    dates : sequence of Timestamp
        The consecutive days to replay, in order.
    seed : int
        Seed of the arrival draws; the same seed gives the same streams.

    Returns
    -------
    dict
        Edge site id -> :class:`Requests` (sites with no requests are absent).
    """
    rng = np.random.default_rng(seed)
    profile = diurnal_profile(float(scenario.settings["peak_hour_share"]))
    title_index = {t: j for j, t in enumerate(scenario.catalog[C.TITLE])}
    region_site = scenario.region_site()
    day_of = {pd.Timestamp(d): i for i, d in enumerate(dates)}
    rows = demand[demand[C.DATE].isin(list(day_of))]
    rows = rows.assign(site=rows[C.REGION].map(region_site), day=rows[C.DATE].map(day_of),
                       title=rows[C.TITLE].map(title_index))
    if rows["title"].isna().any():
        raise InputError(f"demand: title {rows.loc[rows['title'].isna(), C.TITLE].iloc[0]!r} is not in the catalog")
    streams: dict[str, Requests] = {}
    for site, group in rows.sort_values(["site", "day", C.REGION, "title"]).groupby("site", sort=True):
        views = group[C.VIEWS].to_numpy(float)
        counts = np.floor(views).astype(np.int64)
        counts += rng.random(views.size) < views - counts
        day = np.repeat(group["day"].to_numpy(np.int64), counts)
        title = np.repeat(group["title"].to_numpy(np.int64), counts)
        hour = rng.choice(24, size=day.size, p=profile) + rng.random(day.size)
        order = np.lexsort((hour, day))
        day, title, hour = day[order], title[order], hour[order]
        streams[str(site)] = Requests(day=day, title=title, hour=hour, next_access=_next_access(title))
    return streams


def _next_access(title: np.ndarray) -> np.ndarray:
    """Position of the next occurrence of each element's value (``2**62`` when none), vectorised."""
    nxt = np.full(title.size, _NEVER, dtype=np.int64)
    if title.size:
        order = np.lexsort((np.arange(title.size), title))
        same = title[order][1:] == title[order][:-1]
        nxt[order[:-1][same]] = order[1:][same]
    return nxt


def _run_site(policy: str, disk_gb: float, stream: Requests, size_mb: np.ndarray) -> np.ndarray:
    """Feed one site's stream to a fresh cache; return per request 0 = miss, 1 = hit, 2 = miss admitted.

    Every libCacheSim policy here inserts a missed object that fits the cache (S3-FIFO into its small
    queue), so a miss of a title no larger than the disk is an admission: the title is written.
    """
    capacity = round(disk_gb * _MB_PER_GB)
    outcome = np.zeros(stream.title.size, dtype=np.int8)
    if capacity <= 0 or not stream.title.size:
        return outcome
    # a hash table sized to the catalog, not libCacheSim's default 2**24 buckets
    hashpower = max(10, int(np.ceil(np.log2(max(size_mb.size, 2)))) + 1)
    cache = cache_policy(policy)(cache_size=capacity, hashpower=hashpower)
    request = lcs.Request()
    get = cache._cache.get  # the C++ call itself, skipping one Python wrapper per request
    sizes = size_mb[stream.title]
    fits = (sizes <= capacity).tolist()
    offline = policy in OFFLINE
    nexts = stream.next_access.tolist()
    result = outcome.tolist()
    for i, (obj, size) in enumerate(zip(stream.title.tolist(), sizes.tolist(), strict=True)):
        if not fits[i]:
            continue  # larger than the whole disk: always a miss, never admitted
        request.obj_id = obj
        request.obj_size = size
        request.clock_time = i
        if offline:
            request.next_access_vtime = nexts[i]
        result[i] = 1 if get(request) else 2
    return np.asarray(result, dtype=np.int8)


def upstream_sites(scenario: Scenario) -> dict[str, tuple[str, str]]:
    """Each region's site -> (its upstream cache, its nearest origin).

    The upstream cache is the cheapest storage site with disk (path cost, ties by site id) when it is
    cheaper than every origin, else "" (misses go straight to the origin).
    """
    costs = path_costs(scenario.graph)
    sites = scenario.sites.set_index(C.SITE)
    out = {}
    for site in scenario.region_site().values():
        order = [s for s in holders_by_cost(costs, site) if s != site]
        stop = [s for s in order if sites.loc[s, C.TIER] == C.ORIGIN or
                (sites.loc[s, C.TIER] == C.STORAGE and sites.loc[s, C.DISK_GB] > 0)]
        origin = next(s for s in order if sites.loc[s, C.TIER] == C.ORIGIN)
        out[site] = (stop[0] if sites.loc[stop[0], C.TIER] == C.STORAGE else "", origin)
    return out


def _run_parents(policy: str, streams: dict[str, Requests], edge: dict[str, np.ndarray],
                 upstream: dict[str, tuple[str, str]], sites: pd.DataFrame,
                 size_mb: np.ndarray) -> dict[str, np.ndarray]:
    """Feed each upstream cache the merged misses of its edges in arrival order; outcome per edge request."""
    result = {site: np.zeros(stream.title.size, dtype=np.int8) for site, stream in streams.items()}
    children: dict[str, list[str]] = {}
    for site in streams:
        if upstream[site][0]:
            children.setdefault(upstream[site][0], []).append(site)
    for parent, kids in sorted(children.items()):
        picks = [np.flatnonzero(edge[kid] != 1) for kid in kids]
        day = np.concatenate([streams[k].day[p] for k, p in zip(kids, picks, strict=True)])
        hour = np.concatenate([streams[k].hour[p] for k, p in zip(kids, picks, strict=True)])
        title = np.concatenate([streams[k].title[p] for k, p in zip(kids, picks, strict=True)])
        order = np.lexsort((hour, day))
        merged = Requests(day=day[order], title=title[order], hour=hour[order], next_access=_next_access(title[order]))
        outcome = np.empty(order.size, dtype=np.int8)
        outcome[order] = _run_site(policy, float(sites.loc[parent, C.DISK_GB]), merged, size_mb)
        start = 0
        for kid, pick in zip(kids, picks, strict=True):
            result[kid][pick] = outcome[start:start + pick.size]
            start += pick.size
    return result


def replay_caches(scenario: Scenario, demand: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                  policies: Sequence[str] = DEFAULT_POLICIES, warmup_days: int = 7,
                  seed: int = 0) -> pd.DataFrame:
    """Replay consecutive days of views against reactive edge caches, state carried from day to day.

    Parameters
    ----------
    scenario : Scenario
        Sites (edge ``disk_gb`` is each cache's size), catalog, settings.
    demand : DataFrame
        ``date, region, title_id, views`` (actual demand).
    start, end : Timestamp
        First and last reported day.
    policies : sequence of str
        Names from :data:`POLICIES`.
    warmup_days : int
        Days before ``start`` replayed to fill the caches but not reported (caches start empty).
    seed : int
        Seed of the request streams.

    Returns
    -------
    DataFrame
        One row per (date, policy, region, title_id) with requests: ``date, policy, site_id, region,
        title_id, requests, hit_requests, upstream_hit_requests, demand_gb, hit_gb, upstream_hit_gb,
        miss_views`` (missed at the edge), ``origin_views`` (missed upstream too), ``fill_gb`` (size of the
        admissions at the edge and upstream), ``upstream_site`` ("" when none) and ``origin_site``.

    Raises
    ------
    InputError
        Unknown policy, ``end`` before ``start``.

    Examples
    --------
    >>> from cdn.scenario import load_scenario
    >>> scn = load_scenario("tests/data/tiny")
    >>> out = replay_caches(scn, scn.demand, pd.Timestamp("2024-01-08"), pd.Timestamp("2024-01-09"), ["lru"])
    >>> sorted(out["date"].dt.strftime("%Y-%m-%d").unique())
    ['2024-01-08', '2024-01-09']
    """
    for name in policies:
        cache_policy(name)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        raise InputError(f"cache replay: end {end:%Y-%m-%d} is before start {start:%Y-%m-%d}")
    dates = list(pd.date_range(start - pd.Timedelta(days=warmup_days), end, freq="D"))
    streams = request_streams(scenario, demand, dates, seed)
    catalog = scenario.catalog
    size_mb = np.round(catalog[C.SIZE_GB].to_numpy(float) * _MB_PER_GB).astype(np.int64)
    sites = scenario.sites.set_index(C.SITE)
    site_region = {s: r for r, s in scenario.region_site().items()}
    gpv = catalog[C.GB_PER_VIEW].to_numpy(float)
    sizes = catalog[C.SIZE_GB].to_numpy(float)
    title_ids = catalog[C.TITLE].to_numpy(dtype=object)
    day_dates = np.array(dates, dtype="datetime64[ns]")
    upstream = upstream_sites(scenario)
    frames = []
    for policy in policies:
        edge = {site: _run_site(policy, float(sites.loc[site, C.DISK_GB]), stream, size_mb)
                for site, stream in streams.items()}
        parent = _run_parents(policy, streams, edge, upstream, sites, size_mb)
        for site, stream in streams.items():
            report = stream.day >= warmup_days
            key = stream.day[report] * len(catalog) + stream.title[report]
            keys, inverse = np.unique(key, return_inverse=True)
            at_edge, above = edge[site][report], parent[site][report]
            count = functools.partial(np.bincount, inverse, minlength=keys.size)
            requests = count()
            hits, up_hits = count(weights=at_edge == 1), count(weights=(at_edge != 1) & (above == 1))
            admitted = count(weights=at_edge == 2) + 0.0
            up_admitted = count(weights=(at_edge != 1) & (above == 2)) + 0.0
            titles = keys % len(catalog)
            frames.append(pd.DataFrame({
                C.DATE: day_dates[keys // len(catalog)], "policy": policy, C.SITE: site,
                C.REGION: site_region[site], C.TITLE: title_ids[titles],
                "requests": requests, "hit_requests": hits.astype(np.int64),
                "upstream_hit_requests": up_hits.astype(np.int64),
                "demand_gb": requests * gpv[titles], "hit_gb": hits * gpv[titles],
                "upstream_hit_gb": up_hits * gpv[titles],
                "miss_views": (requests - hits).astype(float),
                "origin_views": (requests - hits - up_hits).astype(float),
                "fill_gb": (admitted + up_admitted) * sizes[titles],
                "upstream_site": upstream[site][0], "origin_site": upstream[site][1],
            }))
    columns = [C.DATE, "policy", C.SITE, C.REGION, C.TITLE, "requests", "hit_requests", "upstream_hit_requests",
               "demand_gb", "hit_gb", "upstream_hit_gb", "miss_views", "origin_views", "fill_gb", "upstream_site",
               "origin_site"]
    if not frames:
        return pd.DataFrame({c: [] for c in columns})
    out = pd.concat(frames, ignore_index=True)[columns]
    return out.sort_values([C.DATE, "policy", C.SITE, C.TITLE], kind="stable").reset_index(drop=True)
