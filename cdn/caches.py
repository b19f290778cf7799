"""Demand-driven edge caches: a day's views replayed as a request stream, reactive or beside a nightly plan.

Two strategies share one request stream and one cache library:

- **Reactive** (:func:`replay_caches`): every edge site runs a cache of its whole ``disk_gb`` under one
  policy. A view of a title it holds is a hit; a miss fetches the title from upstream and admits the
  whole title (all its renditions, ``size_gb``) when it fits, evicting by the policy. Above the edges,
  each edge's upstream cache (:func:`upstream_sites`: its cheapest storage site with disk, when cheaper
  than every origin) runs the same policy on the merged misses of its edges, in arrival order; what it
  misses comes from the nearest origin.
- **Hybrid** (:func:`replay_hybrid`; the policy chosen by :func:`choose_policy`): each edge's disk is split.
  A pinned part (``pinned_share`` of the disk) holds what the nightly plan put there, filled off-peak,
  either apart from the cache (hard pins: the cache gets what the pins leave free each day and sees only the
  requests for titles not pinned that day) or prefetched into a cache of the whole disk (soft pins: the
  policy may evict them during the day, so a surge nobody forecast can take their room); see
  :func:`run_cache`. Pinned plus cached never exceeds the disk. The split (share and pin kind) is chosen per
  edge by :func:`choose_split`, a backtest over the week before the night, for the cache policy that
  :func:`choose_policy` finds best as a reactive cache over the four weeks before. Misses are served by the
  cheapest site holding the title in the plan (a storage site, a peer, the origin), as in
  :func:`cdn.simulate.simulate_day`, except that each edge's upstream storage site (:func:`upstream_sites`)
  runs a cache of its whole disk too, holding the plan's storage titles as soft pins (written at night when
  they are launches, :func:`_storage_prefetchable`; the others are left to its admissions): a miss the plan would
  serve from that site or from beyond it goes to that cache, which admits a title it lacks under its storage
  admission rule (:data:`STORAGE_ADMISSIONS`; by default a launch, no edge under it having asked for the
  title in the week before, or a title another of its edges asked for that day or the day before), so a
  title surging at several edges crosses the backbone from the origin about once per storage site, not once
  per edge, while a title one edge alone keeps asking for is left to that edge's cache. With
  ``admission="second"`` a title is admitted only on its second request at that site within two days, which
  keeps one-off requests off the disk.

Objects are whole titles of varying size; hits are weighted by bytes (``views * gb_per_view``), as in
the data contract. Caches keep their content from one day to the next. An admission is a disk write of
``size_gb`` and upstream traffic of ``size_gb`` at the hour of the miss (the missed view streams from
the title being filled); a miss that is not admitted pulls the view's bytes only. Both count as
on-demand upstream traffic (:data:`TRAFFIC_COLUMNS`).

**Bounded requests.** A request stands for one view unless a (site, day) has more views than ``budget``
requests (:data:`REQUEST_BUDGET`): then one request stands for ``k = views / budget`` views of that day at
that site, for every title alike (each title's views divided by ``k``, rounded stochastically, seeded), so
hot titles stay as much hotter than cold ones as they were and a day costs at most about ``budget``
requests per site whatever its views; an admission of such a request counts ``k`` titles written (the
thinned-out requests of cold titles would each have been a miss). The error against one request per view is measured in
BENCHMARKS.md (Simulation).

Why libCacheSim driven one request at a time: the policies (LRU, LFU, S3-FIFO, SIEVE, Belady) run in
libCacheSim's C++ (``libcachesim`` on PyPI), the reference implementations of the research community.
Its trace-level call (``process_trace``) returns only whole-trace miss ratios, while the contract weights
each hit by the view's bytes and a replay needs hits, admissions and their hours per site, title and
day; so the Python side builds the request stream with numpy (arrival hours drawn from the diurnal
profile, seeded) and feeds it to the C++ ``get``: a day's requests at once through ``map`` with one request
object per title when every miss is admitted (about 7.5-13.5 x 10^5 requests per second per online policy,
bench/simulate_caches.py), one request at a time otherwise (Belady, admission rules).

S3-FIFO admits into a small FIFO of 10% of the disk, so a title of a tenth of a cache or more passes
through without being written (a miss, not an admission: the view's bytes, no disk write; real S3-FIFO
deployments cache chunks, not whole titles).

Belady's offline optimum needs each request's next access: every request carries the position of the
next request for the same title at the same site (across days). With titles of different sizes,
farthest-next-use (``belady``) is the classic clairvoyant reference rather than a proven byte optimum.
(libCacheSim 0.3.5's ``BeladySize`` loops forever printing warnings when one title fills most of a small
cache, so it is not offered.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from itertools import product
from typing import Any, Literal

import libcachesim as lcs
import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.defaults import MODES
from cdn.errors import InputError
from cdn.scenario import Scenario, title_index
from cdn.simulate import diurnal_profile
from forecasting.parallel import map_processes
from placement.network import holders_by_cost, path_costs

_MB_PER_GB = 1000
_NEVER = 2**62  # next access of a title never requested again

POLICIES: dict[str, Callable[..., lcs.CacheBase]] = {
    "lru": lcs.LRU,
    "lfu": lcs.LFU,
    "s3fifo": lcs.S3FIFO,
    "sieve": lcs.Sieve,
    "belady": lcs.Belady,
}
"""Cache policies by name: libCacheSim classes taking ``cache_size`` (MB) and ``hashpower``."""
DEFAULT_POLICIES = ("lru", "lfu", "s3fifo", "sieve", "belady")
"""Reactive baselines of ``cdn replay``."""
HYBRID_POLICY = "sieve"
"""Policy of the cache part of a hybrid edge when there is too little history to choose one
(:func:`choose_policy`)."""
OFFLINE = frozenset({"belady"})
ONLINE_POLICIES = tuple(name for name in POLICIES if name not in OFFLINE)
"""Policies a cache can run without knowing the future: the candidates of :func:`choose_policy`."""
Admission = Literal["all", "second"]
PinKind = Literal["hard", "soft"]
PIN_KINDS: tuple[PinKind, ...] = ("hard", "soft")
"""How a hybrid edge holds its plan's titles (:func:`run_cache`): apart from the cache, or prefetched into it."""
ADMISSIONS: tuple[Admission, ...] = ("all", "second")
"""Admission rules: every miss that fits, or a title's second request at the site within two days."""
StorageAdmission = Literal["all", "shared", "launch"]
STORAGE_ADMISSIONS: tuple[StorageAdmission, ...] = ("launch", "shared", "all")
"""Admission rules of a hybrid replay's storage caches (:func:`replay_hybrid`): a miss of a title no edge
under the site asked for in the :data:`LAUNCH_WINDOW_DAYS` days before, or one another edge asked for that
day or the day before (``launch``); the latter only (``shared``); every miss (``all``, as the reactive
baseline's storage level)."""
LAUNCH_WINDOW_DAYS = 7
"""Days without a request at any edge under a storage site after which a title's miss counts as a launch."""
REQUEST_BUDGET = 50_000
"""Requests per (edge site, day) above which one request stands for several views."""

MISS, HIT, ADMIT, PINNED = 0, 1, 2, 3
"""Outcome of one request: missed and not admitted, cache hit, missed and admitted, pinned by the plan."""
ROW_COLUMNS = (C.DATE, "strategy", C.SITE, C.REGION, C.TITLE, "requests", "views", "hit_requests",
               "upstream_hit_requests", "demand_gb", "hit_gb", "pinned_hit_gb", "upstream_hit_gb", "miss_views",
               "origin_views", "fill_gb", "on_demand_gb")
"""Columns of :attr:`CacheReplay.rows`, one row per (date, strategy, site, title) with requests."""
TRAFFIC_COLUMNS = (C.DATE, "strategy", "entry", "server", "hour", C.GB)
"""Columns of :attr:`CacheReplay.traffic`: GB that ``server`` sends to ``entry`` in each hour of a day."""


def cache_policy(name: str) -> Callable[..., lcs.CacheBase]:
    """The factory of a registered cache policy; raise InputError listing the valid names."""
    try:
        return POLICIES[name]
    except KeyError:
        raise InputError(f"unknown cache policy {name!r}; valid policies: {', '.join(POLICIES)}") from None


def check_admission(name: str) -> Admission:
    """``name`` as an admission rule; raise InputError listing the valid ones."""
    for rule in ADMISSIONS:
        if name == rule:
            return rule
    raise InputError(f"unknown admission rule {name!r}; valid rules: {', '.join(ADMISSIONS)}")


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
    views : ndarray of float
        Views the request stands for (1 unless the site's day exceeded the request budget).
    next_access : ndarray of int
        Position of the next request for the same title in this stream (``2**62`` when none).
    """

    day: np.ndarray
    title: np.ndarray
    hour: np.ndarray
    views: np.ndarray
    next_access: np.ndarray


@dataclass(frozen=True)
class CacheReplay:
    """Outcome of :func:`replay_caches` or :func:`replay_hybrid`.

    Attributes
    ----------
    rows : DataFrame
        :data:`ROW_COLUMNS`: per (date, strategy, site, title): requests and the views they stand for,
        hits at the edge (``hit_gb``, of which ``pinned_hit_gb`` from the pinned part) and upstream,
        ``fill_gb`` (GB written into disks by admissions, edge and upstream) and ``on_demand_gb`` (GB
        pulled from other sites during the day: missed views and admitted titles).
    traffic : DataFrame
        :data:`TRAFFIC_COLUMNS`: the on-demand GB by serving site, receiving site and hour, for routing.
    fills : DataFrame
        Hybrid edges, per reported night after the first replayed one: ``date, site_id, planned_gb,
        filled_gb``: GB the plan adds at the edge, and GB the night actually writes there (less the pins
        its cache already held; soft pins: the pins the cache does not hold, within the fill budget). Empty
        for reactive caches.
    """

    rows: pd.DataFrame
    traffic: pd.DataFrame
    fills: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {C.DATE: [], C.SITE: [], "planned_gb": [], "filled_gb": []}))


def request_streams(scenario: Scenario, demand: pd.DataFrame, dates: Sequence[pd.Timestamp],
                    seed: int = 0, budget: int | None = REQUEST_BUDGET) -> dict[str, Requests]:
    """Turn daily views per (region, title) into one request stream per edge site.

    Fractional views are rounded stochastically (seeded); each request arrives at an hour drawn from
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
        Seed of the rounding and arrival draws; the same seed gives the same streams.
    budget : int or None
        Requests per (site, day) above which one request stands for ``k = views / budget`` views of that
        site's day, every title's views divided by ``k`` and rounded stochastically; None for one request
        per view.

    Returns
    -------
    dict
        Edge site id -> :class:`Requests` (sites with no requests are absent).
    """
    if budget is not None and budget < 1:
        raise InputError(f"request budget {budget}: expected at least 1 request per site and day")
    rng = np.random.default_rng(seed)
    profile = diurnal_profile(float(scenario.settings["peak_hour_share"]))
    titles = title_index(scenario.catalog)
    region_site = scenario.region_site()
    day_of = {pd.Timestamp(d): i for i, d in enumerate(dates)}
    rows = demand[demand[C.DATE].isin(list(day_of))]
    rows = rows.assign(site=rows[C.REGION].map(region_site), day=rows[C.DATE].map(day_of),
                       title=rows[C.TITLE].map(titles))
    if rows["title"].isna().any():
        raise InputError(f"demand: title {rows.loc[rows['title'].isna(), C.TITLE].iloc[0]!r} is not in the catalog")
    streams: dict[str, Requests] = {}
    for site, group in rows.sort_values(["site", "day", C.REGION, "title"]).groupby("site", sort=True):
        views = group[C.VIEWS].to_numpy(float)
        days = group["day"].to_numpy(np.int64)
        per_request = np.ones(views.size)  # views one request stands for
        if budget is not None:
            totals = np.bincount(days, weights=views)
            over = totals > budget
            per_request = np.where(over[days], totals[days] / budget, 1.0)
        scaled = views / per_request
        counts = np.floor(scaled).astype(np.int64)
        counts += rng.random(views.size) < scaled - counts
        day = np.repeat(days, counts)
        title = np.repeat(group["title"].to_numpy(np.int64), counts)
        per_view = np.repeat(per_request, counts)
        hour = rng.choice(24, size=day.size, p=profile) + rng.random(day.size)
        order = np.lexsort((hour, day))
        day, title, hour, per_view = day[order], title[order], hour[order], per_view[order]
        streams[str(site)] = Requests(day=day, title=title, hour=hour, views=per_view, next_access=_next_access(title))
    return streams


def _next_access(title: np.ndarray) -> np.ndarray:
    """Position of the next occurrence of each element's value (``2**62`` when none), vectorised."""
    nxt = np.full(title.size, _NEVER, dtype=np.int64)
    if title.size:
        order = np.lexsort((np.arange(title.size), title))
        same = title[order][1:] == title[order][:-1]
        nxt[order[:-1][same]] = order[1:][same]
    return nxt


@lru_cache(maxsize=1024)
def largest_admitted(policy: str, capacity_mb: int) -> int:
    """The largest title (MB) that a cache of ``policy`` created with ``capacity_mb`` inserts on a miss.

    Measured on libCacheSim itself, by bisection on an empty cache (insertion is monotone in size and, for these
    policies, does not depend on what the cache holds): the whole cache for LRU, LFU, SIEVE and Belady; for
    S3-FIFO less than a tenth of the size it was created with (its small queue, which a later resize does not
    change).

    >>> largest_admitted("lru", 60_000), largest_admitted("s3fifo", 60_000)
    (60000, 5999)
    """
    def admits(size_mb: int) -> bool:
        cache = cache_policy(policy)(cache_size=capacity_mb, hashpower=10)
        request = lcs.Request()
        request.obj_id, request.obj_size, request.next_access_vtime = 1, size_mb, _NEVER
        cache._cache.get(request)
        return bool(cache.get_occupied_byte() > 0)

    if capacity_mb < 1 or admits(capacity_mb):
        return max(capacity_mb, 0)
    lo, hi = 0, capacity_mb  # admits(hi) is False; lo is admitted (0: nothing is)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if admits(mid) else (lo, mid)
    return lo


def run_cache(policy: str, capacity_gb: float | np.ndarray, stream: Requests, size_gb: np.ndarray,
              pinned: np.ndarray | None = None, admission: Admission = "all",
              occupied_gb: list[tuple[int, float]] | None = None, pins: PinKind | Sequence[PinKind] = "hard",
              fill_budget_gb: float = np.inf, filled_gb: np.ndarray | None = None,
              admissible: np.ndarray | None = None, warm: np.ndarray | None = None,
              prefetchable: np.ndarray | None = None) -> np.ndarray:
    """Feed one site's stream to a fresh cache; return each request's outcome (:data:`MISS` ... :data:`PINNED`).

    Parameters
    ----------
    policy : str
        Name in :data:`POLICIES`.
    capacity_gb : float or ndarray
        Size of the cache (the whole disk for a reactive edge), or its size on each day (a hybrid edge:
        the disk less what is hard-pinned that day, the whole disk on a day of soft pins; at the start of
        a day the cache is resized and evicts by its policy until it fits).
    stream : Requests
        The site's requests.
    size_gb : ndarray
        Size of every catalog title.
    pinned : ndarray of bool, optional
        (day, title): what the plan pins at this site each day (see ``pins``).
    admission : {"all", "second"}
        Admit every miss that fits, or only a title's second request within two days.
    occupied_gb : list, optional
        Receives ``(day, GB held by the cache)`` at the end of every day (pins of a soft day included).
    pins : {"hard", "soft"} or sequence
        How the day's pins are held, or one kind per day. ``"hard"``: a pinned title's requests are
        :data:`PINNED` and never reach the cache; at the start of the day the titles pinned that day are
        taken out of the cache (they stay on the disk, as pins) and the titles hard-pinned the day before
        and not pinned now are handed to the cache (on the disk already: no admission, no write).
        ``"soft"``: the cache is the whole disk and the plan prefetches into it: at the start of the day
        the titles pinned tonight and not last night that the cache does not hold are written into it (in
        catalog order, within ``fill_budget_gb``) and the pins it holds are touched, as if requested;
        during the day the policy may evict them like any title, so a surge of titles nobody forecast can
        take their room, and a pin it evicted is not written back (the policy's judgement that it was not
        requested stands; a request admits it again). A hit on a title soft-pinned that day is
        :data:`PINNED`.
    fill_budget_gb : float
        GB a night may write for soft pins.
    filled_gb : ndarray, optional
        One float per day (``pinned.shape[0]``); receives the GB each night wrote for the pins after the
        first day (a pin already on the disk, hard-pinned the night before or held by the cache, is not
        written again).
    admissible : ndarray of bool, optional
        Per request: whether a miss may be admitted (besides ``admission``); a miss not admissible is
        served through without entering the cache.
    warm : ndarray of int, optional
        Titles the cache holds before the first request, best first: those that fit the first day's cache
        after its hard pins, in this order, without writes (a cache that has run for a while, not an empty one).
    prefetchable : ndarray of bool, optional
        (day, title): which soft pins the cache lacks may be written on the night before that day (default:
        all, within ``fill_budget_gb``); a pin that may not is left to the day's requests.

    Notes
    -----
    Under ``"all"`` a miss is an admission when the policy inserts the title (:func:`largest_admitted`: any
    title that fits the cache, except that S3-FIFO inserts only titles smaller than its small queue); a larger
    title's miss passes through (:data:`MISS`: the view's bytes, no write).
    """
    n_pin_days = pinned.shape[0] if pinned is not None else 0
    kinds = [pins] * n_pin_days if isinstance(pins, str) else list(pins)
    hard = np.array([k == "hard" for k in kinds], dtype=bool)
    outcome = np.zeros(stream.title.size, dtype=np.int8)
    if pinned is not None and stream.title.size:
        outcome[pinned[stream.day, stream.title] & hard[stream.day]] = PINNED
    if filled_gb is not None and pinned is not None:  # as if nothing were in the cache; corrected below
        new_gb = ((pinned[1:] & ~pinned[:-1]) * size_gb).sum(axis=1)
        filled_gb[1:] += np.where(hard[1:], new_gb, np.minimum(new_gb, fill_budget_gb))
    size_mb = np.round(size_gb * _MB_PER_GB).astype(np.int64)
    given = np.asarray(capacity_gb, dtype=float)
    n_days = given.size if given.ndim else n_pin_days or (int(stream.day.max()) + 1 if stream.day.size else 1)
    daily_mb = np.round(np.broadcast_to(given, (n_days,)) * _MB_PER_GB).astype(np.int64)
    capacity = int(daily_mb.max(initial=0))
    if capacity <= 0 or not stream.title.size:
        if occupied_gb is not None and stream.title.size:  # hard pins fill the disk every day: no cache
            occupied_gb.extend((day, 0.0) for day in range(max(n_pin_days, n_days)))
        return outcome
    if filled_gb is not None:
        filled_gb[:] = 0.0
    # a hash table sized to the catalog, not libCacheSim's default 2**24 buckets
    hashpower = max(10, int(np.ceil(np.log2(max(size_mb.size, 2)))) + 1)
    cache = cache_policy(policy)(cache_size=capacity, hashpower=hashpower)
    request = lcs.Request()
    get, find, remove, evict = cache._cache.get, cache._cache.find, cache._cache.remove, cache._cache.evict
    resize = bool((daily_mb != capacity).any())
    admitted_mb = largest_admitted(policy, capacity)
    sizes = size_mb[stream.title]
    # larger than the day's cache: always a miss
    todo = np.flatnonzero((sizes <= daily_mb[stream.day]) & (outcome != PINNED))
    offline = policy in OFFLINE
    second = admission == "second"
    today = -1
    soft_today = np.zeros(size_mb.size, dtype=bool)  # titles soft-pinned today

    def write(day: int, title: int) -> None:
        if filled_gb is not None and day:
            filled_gb[day] += size_gb[title]

    def insert(title: int) -> None:
        request.obj_id, request.obj_size, request.next_access_vtime = title, int(size_mb[title]), _NEVER
        get(request)

    def start_day(day: int) -> None:
        """Begin a day: take hard pins out of the cache, resize it, hand it released pins, prefetch soft pins."""
        if pinned is None:
            if resize:
                cache._cache.set_cache_size(int(daily_mb[day]))
                while cache.get_occupied_byte() > daily_mb[day]:
                    evict(request)
            return
        on_disk = pinned[day - 1] & hard[day - 1] if day else pinned[0]  # the first day starts from the plan
        if hard[day]:
            for title in np.flatnonzero(pinned[day]).tolist():
                if not remove(title) and not on_disk[title]:
                    write(day, title)
        if resize:
            cache._cache.set_cache_size(int(daily_mb[day]))
            while cache.get_occupied_byte() > daily_mb[day]:
                evict(request)
        released = on_disk & ~pinned[day] if hard[day] else on_disk
        for title in np.flatnonzero(released).tolist():
            if size_mb[title] <= daily_mb[day]:
                insert(title)
        soft_today[:] = False
        if hard[day]:
            return
        soft_today[:] = pinned[day]
        new = pinned[day] & ~on_disk
        added = pinned[day] & ~pinned[day - 1] if day else pinned[0]  # tonight's additions to the plan
        budget = fill_budget_gb
        for title in [*np.flatnonzero(new).tolist(), *np.flatnonzero(pinned[day] & ~new).tolist()]:
            request.obj_id, request.obj_size = title, int(size_mb[title])
            if find(request, False) is None:
                if (size_mb[title] > daily_mb[day] or (day and size_gb[title] > budget) or not added[title]
                        or (prefetchable is not None and not prefetchable[day, title])):
                    continue
                budget -= size_gb[title]
                write(day, title)
            insert(title)

    def warm_up() -> None:
        skip = pinned[0] & hard[0] if pinned is not None else np.zeros(size_mb.size, dtype=bool)
        titles = np.asarray(warm, dtype=np.int64)
        titles = titles[~skip[titles]]
        titles = titles[np.cumsum(size_mb[titles]) <= daily_mb[0] - cache.get_occupied_byte()]
        for title in titles[::-1].tolist():  # the best inserted last: the most recently used
            insert(title)

    def advance(day: int) -> None:
        nonlocal today
        while today < day:
            if occupied_gb is not None and today >= 0:
                occupied_gb.append((today, cache.get_occupied_byte() / _MB_PER_GB))
            today += 1
            start_day(today)
            if today == 0 and warm is not None:
                warm_up()

    if offline or second or admissible is not None:  # one request at a time
        nexts = stream.next_access
        result = outcome.tolist()
        allowed = admissible.tolist() if admissible is not None else None
        seen = np.full(size_mb.size, -10, dtype=np.int64).tolist()  # last day each title was requested
        for i, obj, size, day in zip(todo.tolist(), stream.title[todo].tolist(), sizes[todo].tolist(),
                                     stream.day[todo].tolist(), strict=True):
            advance(day)
            request.obj_id = obj
            request.obj_size = size
            request.clock_time = i
            if offline:
                request.next_access_vtime = int(nexts[i])
            if second or allowed is not None:
                if find(request, True) is not None:
                    result[i] = HIT
                elif (not second or seen[obj] >= day - 1) and (allowed is None or allowed[i]):
                    get(request)
                    result[i] = ADMIT
                seen[obj] = day
            else:
                result[i] = HIT if get(request) else ADMIT
            if result[i] == ADMIT and size > admitted_mb:  # the policy did not insert it
                result[i] = MISS
            if result[i] == HIT and soft_today[obj]:
                result[i] = PINNED
        outcome = np.asarray(result, dtype=np.int8)
    else:  # admit every miss: one get per request, a day at a time, one request object per title
        asked = np.zeros(size_mb.size, dtype=bool)
        asked[stream.title[todo]] = True
        requests: list[Any] = [None] * size_mb.size
        for title in np.flatnonzero(asked).tolist():
            requests[title] = lcs.Request()
            requests[title].obj_id, requests[title].obj_size = title, int(size_mb[title])
        for part in np.split(todo, np.flatnonzero(np.diff(stream.day[todo])) + 1) if todo.size else []:
            advance(int(stream.day[part[0]]))
            titles = stream.title[part]
            got = np.fromiter(map(get, map(requests.__getitem__, titles.tolist())), dtype=bool, count=part.size)
            outcome[part] = np.where(got, np.where(soft_today[titles], PINNED, HIT),
                                     np.where(size_mb[titles] <= admitted_mb, ADMIT, MISS))
    advance(max(n_pin_days, n_days) - 1)  # the nights after the last request still fill
    if occupied_gb is not None and today >= 0:
        occupied_gb.append((today, cache.get_occupied_byte() / _MB_PER_GB))
    return outcome


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


def _edges_under(upstream: Mapping[str, tuple[str, str]], edges: Iterable[str]) -> dict[str, list[str]]:
    """Upstream storage site -> those of ``edges`` whose misses it takes, in the order of ``edges``."""
    children: dict[str, list[str]] = {}
    for site in edges:
        if upstream[site][0]:
            children.setdefault(upstream[site][0], []).append(site)
    return children


def _run_parents(policy: str, streams: dict[str, Requests], edge: dict[str, np.ndarray],
                 upstream: dict[str, tuple[str, str]], sites: pd.DataFrame, size_gb: np.ndarray, *,
                 admission: Admission = "all", forward: dict[str, np.ndarray] | None = None,
                 pinned: Mapping[str, np.ndarray] | None = None,
                 fill_budget: Mapping[str, float] | None = None, filled: dict[str, np.ndarray] | None = None,
                 storage_admission: StorageAdmission = "all",
                 admit: dict[str, np.ndarray] | None = None,
                 prefetch: Mapping[str, np.ndarray | None] | None = None) -> dict[str, np.ndarray]:
    """Feed each upstream cache the merged misses of its edges in arrival order; outcome per edge request.

    ``forward`` (edge site -> bool per request) picks the requests an edge sends to its upstream cache
    (default: every miss); ``admission`` is the upstream caches' admission rule. ``pinned`` (storage site
    -> (day, title) booleans) soft-pins a plan's storage holdings into that site's cache
    (:func:`run_cache`, within ``fill_budget`` GB a night; with ``prefetch``, storage site -> (day, title)
    booleans of :func:`_storage_prefetchable`, only those); ``filled``
    receives each storage site's GB written for its pins per night. ``storage_admission`` says which misses
    an upstream cache may admit (:data:`STORAGE_ADMISSIONS`, :func:`_storage_admissible`), and ``admit``
    (edge site -> bool per request), when given, restricts them further.
    """
    result = {site: np.zeros(stream.title.size, dtype=np.int8) for site, stream in streams.items()}
    for parent, kids in sorted(_edges_under(upstream, streams).items()):
        picks = [np.flatnonzero(forward[kid] if forward is not None else (edge[kid] == MISS) | (edge[kid] == ADMIT))
                 for kid in kids]
        part = {name: np.concatenate([getattr(streams[k], name)[p] for k, p in zip(kids, picks, strict=True)])
                for name in ("day", "hour", "title", "views")}
        order = np.lexsort((part["hour"], part["day"]))
        merged = Requests(day=part["day"][order], title=part["title"][order], hour=part["hour"][order],
                          views=part["views"][order], next_access=_next_access(part["title"][order]))
        child = np.repeat(np.arange(len(kids)), [p.size for p in picks])[order]
        outcome = np.empty(order.size, dtype=np.int8)
        allowed = _storage_admissible(storage_admission, merged, child, [streams[k] for k in kids], size_gb.size)
        if admit is not None:
            mask = np.concatenate([admit[k][p] for k, p in zip(kids, picks, strict=True)])[order]
            allowed = mask if allowed is None else allowed & mask
        held = pinned.get(parent) if pinned is not None else None
        budget = float(fill_budget[parent]) if fill_budget is not None else np.inf
        outcome[order] = run_cache(policy, float(sites.loc[parent, C.DISK_GB]), merged, size_gb, pinned=held,
                                   admission=admission, pins="soft", fill_budget_gb=budget,
                                   filled_gb=filled[parent] if filled is not None and held is not None else None,
                                   admissible=allowed,
                                   prefetchable=prefetch.get(parent) if prefetch is not None else None)
        start = 0
        for kid, pick in zip(kids, picks, strict=True):
            result[kid][pick] = outcome[start:start + pick.size]
            start += pick.size
    return result


def _storage_admissible(rule: StorageAdmission, merged: Requests, child: np.ndarray, kids: Sequence[Requests],
                        n_titles: int) -> np.ndarray | None:
    """Per merged request at an upstream cache: whether its miss may be admitted under ``rule`` (None: all may).

    ``merged`` holds the misses the site's edges send it (``child``: which edge, an index into ``kids``, the
    edges' whole request streams, hits included: the site's view of its region set's demand).
    """
    if rule == "all":
        return None
    shared = _shared(merged.title, merged.day, child)
    if rule == "shared" or not merged.title.size:
        return shared
    n_days = int(max([merged.day.max(), *(k.day.max() for k in kids if k.day.size)])) + 1
    return shared | _quiet(_days_asked(kids, n_days, n_titles), merged.day, merged.title)


def _days_asked(kids: Sequence[Requests], n_days: int, n_titles: int) -> np.ndarray:
    """(day, title) for days 0 .. ``n_days``: on how many days before it some edge of ``kids`` asked for the title."""
    asked = np.zeros((n_days + 1, n_titles), dtype=np.int32)  # row d + 1: titles requested on day d
    for k in kids:
        days = k.day < n_days
        asked[k.day[days] + 1, k.title[days]] = 1
    return np.cumsum(asked, axis=0, dtype=np.int32)


def _quiet(days_asked: np.ndarray, day: np.ndarray, title: np.ndarray) -> np.ndarray:
    """Whether no edge asked for ``title`` in the :data:`LAUNCH_WINDOW_DAYS` days before ``day`` (a launch at the
    site, or a title coming back), from :func:`_days_asked`; ``day`` and ``title`` broadcast together."""
    return days_asked[day, title] - days_asked[np.maximum(day - LAUNCH_WINDOW_DAYS, 0), title] == 0


def _storage_prefetchable(rule: StorageAdmission, kids: Sequence[Requests], first_day: np.ndarray,
                          shape: tuple[int, int]) -> np.ndarray | None:
    """(day, title): the plan titles an upstream cache may write on the night before each day (None: all).

    Under ``"launch"`` and ``"shared"`` a storage cache admits a miss only where several of its edges want
    the title, or (``"launch"``) where it is new; the night knows only the latter for sure. So it prefetches
    launches alone: titles first viewed anywhere in the :data:`LAUNCH_WINDOW_DAYS` days before the day or not
    yet (``first_day``, per title, in the streams' days) that no edge under the site asked for in those days.
    That moves into the night admissions the cache would make at the launch's first miss, without writing
    titles the edges' own caches already serve.
    """
    if rule != "launch":
        return None if rule == "all" else np.zeros(shape, dtype=bool)
    n_days, n_titles = shape
    day = np.arange(n_days)[:, None]
    quiet = _quiet(_days_asked(kids, n_days, n_titles), day, np.arange(n_titles)[None, :])
    return quiet & (first_day[None, :] >= day - LAUNCH_WINDOW_DAYS)


def _shared(title: np.ndarray, day: np.ndarray, kid: np.ndarray) -> np.ndarray:
    """Per request in arrival order: whether another child requested the same title that day or the day before."""
    last: dict[int, tuple[int, int, int]] = {}  # title -> (latest child, its day, another child's latest day)
    out = np.zeros(title.size, dtype=bool)
    for i, (t, d, c) in enumerate(zip(title.tolist(), day.tolist(), kid.tolist(), strict=True)):
        prev = last.get(t)
        if prev is None:
            last[t] = (c, d, -10)
            continue
        child, child_day, other_day = prev
        out[i] = (child_day if child != c else other_day) >= d - 1
        last[t] = (c, d, other_day if child == c else child_day)
    return out


def _first_days(scenario: Scenario, demand: pd.DataFrame, day0: pd.Timestamp) -> np.ndarray:
    """Per catalog title, the day (0 = ``day0``) of its first views anywhere in ``demand``; a large number for a
    title without views."""
    viewed = demand[demand[C.VIEWS] > 0]
    first = pd.to_datetime(viewed.groupby(C.TITLE)[C.DATE].min())
    days = ((first - pd.Timestamp(day0)) // pd.Timedelta(days=1)).reindex(scenario.catalog[C.TITLE])
    return days.fillna(np.iinfo(np.int32).max).to_numpy(np.int64)


def _replay_dates(start: pd.Timestamp, end: pd.Timestamp, warmup_days: int) -> list[pd.Timestamp]:
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        raise InputError(f"cache replay: end {end:%Y-%m-%d} is before start {start:%Y-%m-%d}")
    if warmup_days < 0:
        raise InputError(f"warm-up days {warmup_days}: expected 0 or more")
    return list(pd.date_range(start - pd.Timedelta(days=warmup_days), end, freq="D"))


def _pulled_gb(outcome: np.ndarray, written: np.ndarray, view_gb: np.ndarray) -> np.ndarray:
    """GB each request pulls from upstream during the day: an admission the whole title (at least the view's
    bytes), a miss served through the view's bytes, a hit nothing."""
    missed = (outcome == MISS) | (outcome == ADMIT)
    return np.where(outcome == ADMIT, np.maximum(written, view_gb), np.where(missed, view_gb, 0.0))


def _tally(scenario: Scenario, strategy: str, site: str, stream: Requests, dates: list[pd.Timestamp],
           warmup_days: int, edge: np.ndarray, above: np.ndarray, server: np.ndarray,
           up_site: str, origin: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows and hourly traffic of one site's reported days from its requests' outcomes.

    ``above`` is each request's outcome at the upstream cache (all :data:`MISS` without one); ``server``
    the catalog-independent site that sends a missed request's bytes (names, as an object array).
    """
    catalog = scenario.catalog
    gpv = catalog[C.GB_PER_VIEW].to_numpy(float)
    sizes = catalog[C.SIZE_GB].to_numpy(float)
    report = stream.day >= warmup_days
    day, title, views = stream.day[report], stream.title[report], stream.views[report]
    at_edge, up, srv, hour = edge[report], above[report], server[report], stream.hour[report].astype(np.int64)
    view_gb = views * gpv[title]
    missed = (at_edge == MISS) | (at_edge == ADMIT)
    # a request standing for k views (request budget) stands for about k admissions of the thinned titles
    written = sizes[title] * views
    pulled = _pulled_gb(at_edge, written, view_gb)
    up_write = np.where(missed & (up == ADMIT), written, 0.0)
    up_held = (up == HIT) | (up == PINNED)  # PINNED: a storage site's soft-pinned plan title (hybrid)
    key = day * len(catalog) + title
    keys, inverse = np.unique(key, return_inverse=True)

    def count(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(inverse, weights=weights, minlength=keys.size)

    hit = (at_edge == HIT) | (at_edge == PINNED)
    up_hit = missed & up_held
    titles = keys % len(catalog)
    day_dates = np.array(dates, dtype="datetime64[ns]")
    rows = pd.DataFrame({
        C.DATE: day_dates[keys // len(catalog)], "strategy": strategy, C.SITE: site,
        C.REGION: dict(zip(scenario.region_site().values(), scenario.region_site(), strict=True))[site],
        C.TITLE: catalog[C.TITLE].to_numpy(dtype=object)[titles],
        "requests": count().astype(np.int64), "views": count(views),
        "hit_requests": count(hit).astype(np.int64), "upstream_hit_requests": count(up_hit).astype(np.int64),
        "demand_gb": count(view_gb), "hit_gb": count(np.where(hit, view_gb, 0.0)),
        "pinned_hit_gb": count(np.where(at_edge == PINNED, view_gb, 0.0)),
        "upstream_hit_gb": count(np.where(up_hit, view_gb, 0.0)),
        "miss_views": count(np.where(missed, views, 0.0)),
        "origin_views": count(np.where(missed & ~up_hit, views, 0.0)),
        "fill_gb": count(np.where(at_edge == ADMIT, written, 0.0) + up_write),
        "on_demand_gb": count(pulled + up_write),
    })
    # where the pulled bytes come from: the upstream cache when it held or just admitted the title, else the
    # plan's holder, or the origin when that holder is the upstream cache that no longer holds it (evicted)
    sender = np.where(missed & (up_held | (up == ADMIT)) & (up_site != ""), up_site,
                      np.where(srv == up_site, origin, srv))
    traffic = [pd.DataFrame({"day": day[missed], "entry": site, "server": sender[missed], "hour": hour[missed],
                             C.GB: pulled[missed]})]
    if up_write.any():
        w = up_write > 0
        traffic.append(pd.DataFrame({"day": day[w], "entry": up_site, "server": origin, "hour": hour[w],
                                     C.GB: up_write[w]}))
    flows = pd.concat(traffic, ignore_index=True).groupby(["day", "entry", "server", "hour"],
                                                          as_index=False)[C.GB].sum()
    flows.insert(0, C.DATE, day_dates[flows.pop("day").to_numpy()])
    flows.insert(1, "strategy", strategy)
    return rows, flows


def _collect(rows: list[pd.DataFrame], flows: list[pd.DataFrame]) -> CacheReplay:
    def frame(parts: list[pd.DataFrame], columns: Sequence[str], order: list[str]) -> pd.DataFrame:
        if not parts:
            return pd.DataFrame({c: [] for c in columns})
        return pd.concat(parts, ignore_index=True)[list(columns)].sort_values(order, kind="stable").reset_index(
            drop=True)

    return CacheReplay(rows=frame(rows, ROW_COLUMNS, [C.DATE, "strategy", C.SITE, C.TITLE]),
                       traffic=frame(flows, TRAFFIC_COLUMNS, [C.DATE, "strategy", "entry", "server", "hour"]))


def replay_caches(scenario: Scenario, demand: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                  policies: Sequence[str] = DEFAULT_POLICIES, warmup_days: int = 7, seed: int = 0,
                  budget: int | None = REQUEST_BUDGET) -> CacheReplay:
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
        Names from :data:`POLICIES`; each is a strategy of the result.
    warmup_days : int
        Days before ``start`` replayed to fill the caches but not reported (caches start empty).
    seed : int
        Seed of the request streams.
    budget : int or None
        Request budget per (site, day) (see :func:`request_streams`).

    Returns
    -------
    CacheReplay

    Raises
    ------
    InputError
        Unknown policy, ``end`` before ``start``.

    Examples
    --------
    >>> from cdn.scenario import load_scenario
    >>> scn = load_scenario("tests/data/tiny")
    >>> out = replay_caches(scn, scn.demand, pd.Timestamp("2024-01-08"), pd.Timestamp("2024-01-09"), ["lru"])
    >>> sorted(out.rows["date"].dt.strftime("%Y-%m-%d").unique())
    ['2024-01-08', '2024-01-09']
    """
    for name in policies:
        cache_policy(name)
    dates = _replay_dates(start, end, warmup_days)
    streams = request_streams(scenario, demand, dates, seed, budget)
    size_gb = scenario.catalog[C.SIZE_GB].to_numpy(float)
    sites = scenario.sites.set_index(C.SITE)
    upstream = upstream_sites(scenario)
    rows, flows = [], []
    for policy in policies:
        edge = {site: run_cache(policy, float(sites.loc[site, C.DISK_GB]), stream, size_gb)
                for site, stream in streams.items()}
        parent = _run_parents(policy, streams, edge, upstream, sites, size_gb)
        for site, stream in streams.items():
            up_site, origin = upstream[site]
            server = np.full(stream.title.size, origin, dtype=object)
            r, f = _tally(scenario, policy, site, stream, dates, warmup_days, edge[site], parent[site], server,
                          up_site, origin)
            rows.append(r)
            flows.append(f)
    return _collect(rows, flows)


def pinned_matrix(scenario: Scenario, holdings: Sequence[pd.DataFrame], site: str) -> np.ndarray:
    """(day, title) booleans: the titles ``site`` holds in each day's holdings (``site_id, title_id``)."""
    index = title_index(scenario.catalog)
    out = np.zeros((len(holdings), len(index)), dtype=bool)
    for d, held in enumerate(holdings):
        titles = held.loc[held[C.SITE] == site, C.TITLE].map(index).dropna().astype(np.int64)
        out[d, titles.to_numpy()] = True
    return out


def _servable(scenario: Scenario, holdings: Sequence[pd.DataFrame], held: Mapping[str, np.ndarray],
              prefetch: Mapping[str, np.ndarray | None]) -> list[pd.DataFrame]:
    """Each day's holdings as far as other sites can be served from them: a storage site with a cache keeps of
    its plan only the titles its nights wrote (``prefetch``: added to the plan on a night they were
    prefetchable, and kept in it since; budgets and evictions aside), the other sites their whole plan.

    What such a cache admits by day for its own edges is not counted: other edges' misses do not see it.
    """
    keep: dict[str, np.ndarray] = {}
    for parent, plan in held.items():
        mask = prefetch.get(parent)
        if mask is None:
            continue
        written = plan.copy()
        for d in range(1, len(plan)):  # the first day starts from the plan, as the cache does
            written[d] = plan[d] & (written[d - 1] | (~plan[d - 1] & mask[d]))
        keep[parent] = written
    if not keep:
        return list(holdings)
    index = title_index(scenario.catalog)
    out = []
    for d, day in enumerate(holdings):
        site = day[C.SITE].astype(str).to_numpy()
        title = day[C.TITLE].map(index).to_numpy()
        ok = np.ones(len(day), dtype=bool)
        for parent, written in keep.items():
            rows = site == parent
            ok[rows] = written[d, title[rows].astype(np.int64)]
        out.append(day[ok])
    return out


def _plan_servers(scenario: Scenario, holdings: Sequence[pd.DataFrame], site: str, stream: Requests,
                  costs: pd.DataFrame) -> np.ndarray:
    """For each request, the cheapest other site holding its title in that day's plan (origins hold all)."""
    tiers = dict(zip(scenario.sites[C.SITE], scenario.sites[C.TIER], strict=True))
    order = [s for s in holders_by_cost(costs, site) if s != site]
    origin = next(s for s in order if tiers[s] == C.ORIGIN)
    order = order[:order.index(origin)]  # sites cheaper than the nearest origin
    server = np.full(stream.title.size, origin, dtype=object)
    index = title_index(scenario.catalog)
    for d, held in enumerate(holdings):
        on_day = np.flatnonzero(stream.day == d)
        if not on_day.size or not order:
            continue
        near = held[held[C.SITE].isin(order)]
        rank = near[C.SITE].map({s: k for k, s in enumerate(order)}).to_numpy(np.int64)
        title = near[C.TITLE].map(index).to_numpy(np.int64)
        best = np.full(len(index), len(order), dtype=np.int64)
        np.minimum.at(best, title, rank)
        pick = best[stream.title[on_day]]
        found = pick < len(order)
        server[on_day[found]] = np.asarray(order, dtype=object)[pick[found]]
    return server


def replay_hybrid(scenario: Scenario, demand: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                  holdings: Sequence[pd.DataFrame], pinned_share: Mapping[str, float | Sequence[float]], *,
                  policy: str | Mapping[str, str] = HYBRID_POLICY, admission: Admission = "all",
                  pins: PinKind | Mapping[str, PinKind | Sequence[PinKind]] = "hard", warmup_days: int = 7,
                  seed: int = 0, budget: int | None = REQUEST_BUDGET, strategy: str = "hybrid",
                  storage_caches: bool = True, storage_admission: StorageAdmission = "launch") -> CacheReplay:
    """Replay consecutive days against hybrid edges: the day's plan pinned, a cache in the rest of the disk.

    Parameters
    ----------
    scenario : Scenario
        Sites (edge ``disk_gb``), catalog, network, settings.
    demand : DataFrame
        ``date, region, title_id, views`` (actual demand).
    start, end : Timestamp
        First and last reported day.
    holdings : sequence of DataFrame
        ``site_id, title_id`` after each night's fill, one frame per day from ``start - warmup_days`` to
        ``end``: each edge's pinned titles, and the storage holdings that serve its misses.
    pinned_share : mapping
        Edge site -> share of its disk given to the plan, or one share per day of ``holdings`` (a split
        re-chosen every night). The cache gets what the day's pins leave free; a missing site has 0.
    policy : str or mapping
        Cache policy of the unpinned part (:data:`POLICIES`), or one per edge site (a missing site gets
        :data:`HYBRID_POLICY`).
    admission : {"all", "second"}
        Admission rule of the cache part.
    pins : {"hard", "soft"} or mapping
        How the edges hold the plan's titles (:func:`run_cache`), or per edge one kind or one per day
        (missing: hard). Soft pins prefetch into a cache of the whole disk within the edge's nightly fill
        budget; hard pins keep the plan's titles apart and the cache gets what they leave free.
    warmup_days, seed, budget :
        As in :func:`replay_caches`.
    strategy : str
        Name of the strategy in the result.
    storage_caches : bool
        Each edge's upstream storage site (:func:`upstream_sites`) runs a cache of its whole disk (the
        policy when one is given for all edges, else :data:`HYBRID_POLICY`), its plan's new titles that
        are launches (:func:`_storage_prefetchable`, under ``storage_admission="launch"``) written each night
        within its fill budget (soft pins; a pin it evicted is not written back), fed
        the edges' misses the plan would serve from it or from a site beyond it (another storage site, the
        origin), in arrival order; it serves a title it holds, and admits from the origin a title the plan
        leaves to it or to the origin under ``storage_admission`` (and under ``admission="second"`` on a
        second request too). False: storage sites hold the plan only.
    storage_admission : {"launch", "shared", "all"}
        Which misses a storage cache may admit (:data:`STORAGE_ADMISSIONS`): a launch (no edge under the
        site asked for the title in the :data:`LAUNCH_WINDOW_DAYS` days before) or a title another of its
        edges asked for that day or the day before; the latter only; every miss.

    Returns
    -------
    CacheReplay
        ``fills`` has the storage sites' nights too.

    Raises
    ------
    InputError
        Unknown policy or admission rule (edge or storage), a share outside [0, 1], a holdings list of the
        wrong length, or a plan that pins more than its share of an edge's disk.
    """
    per_site = dict(policy) if isinstance(policy, Mapping) else {}
    for name in [*per_site.values(), policy if isinstance(policy, str) else HYBRID_POLICY]:
        cache_policy(name)
    check_admission(admission)
    if storage_admission not in STORAGE_ADMISSIONS:
        raise InputError(f"unknown storage admission rule {storage_admission!r}; valid rules: "
                         f"{', '.join(STORAGE_ADMISSIONS)}")
    dates = _replay_dates(start, end, warmup_days)
    if len(holdings) != len(dates):
        raise InputError(f"hybrid replay: {len(holdings)} days of holdings for {len(dates)} days")
    daily_share = {site: np.broadcast_to(np.asarray(share, dtype=float), (len(dates),))
                   for site, share in pinned_share.items()}
    for site, share in daily_share.items():
        if not ((share >= 0.0) & (share <= 1.0)).all():
            raise InputError(f"pinned share of {site} = {pinned_share[site]!r}; expected shares in [0, 1]")
    streams = request_streams(scenario, demand, dates, seed, budget)
    size_gb = scenario.catalog[C.SIZE_GB].to_numpy(float)
    disks = scenario.sites.set_index(C.SITE)[C.DISK_GB].astype(float)
    costs = path_costs(scenario.graph)
    fill_budget = scenario.fill_budget_gb()
    sites = scenario.sites.set_index(C.SITE)
    rows, flows, fills = [], [], []
    edge: dict[str, np.ndarray] = {}
    server: dict[str, np.ndarray] = {}
    report = np.flatnonzero(np.arange(len(dates)) >= max(warmup_days, 1))
    day_dates = np.array(dates, dtype="datetime64[ns]")

    def fill_frame(site: str, pinned: np.ndarray, filled: np.ndarray) -> pd.DataFrame:
        planned = ((pinned[1:] & ~pinned[:-1]) * size_gb).sum(axis=1)
        return pd.DataFrame({C.DATE: day_dates[report], C.SITE: site, "planned_gb": planned[report - 1],
                             "filled_gb": filled[report]})

    for site, stream in streams.items():
        share = daily_share.get(site, np.zeros(len(dates)))
        pinned = pinned_matrix(scenario, holdings, site)
        pinned_gb = (pinned * size_gb).sum(axis=1)
        limit = share * float(disks[site])
        over = pinned_gb > limit * (1 + 1e-9) + 1e-9
        if over.any():
            d = int(np.argmax(over))
            raise InputError(f"hybrid replay: the plan of {dates[d]:%Y-%m-%d} pins {pinned_gb[d]:,.1f} GB at {site}, "
                             f"more than its pinned share {share[d]:.2f} of {float(disks[site]):,.1f} GB")
        name = policy if isinstance(policy, str) else per_site.get(site, HYBRID_POLICY)
        kind = pins if isinstance(pins, str) else pins.get(site, "hard")
        kinds = [kind] * len(dates) if isinstance(kind, str) else list(kind)
        for k in kinds:
            if k not in PIN_KINDS:
                raise InputError(f"pins {k!r} at {site}; valid kinds: {', '.join(PIN_KINDS)}")
        soft = np.array([k == "soft" for k in kinds], dtype=bool)
        filled = np.zeros(len(dates))
        edge[site] = run_cache(name, np.where(soft, float(disks[site]), float(disks[site]) - pinned_gb), stream,
                               size_gb, pinned=pinned, admission=admission, pins=kinds,
                               fill_budget_gb=float(fill_budget[site]), filled_gb=filled)
        fills.append(fill_frame(site, pinned, filled))
    upstream = upstream_sites(scenario) if storage_caches else {site: ("", "") for site in streams}
    parents = sorted({up for up, _ in upstream.values() if up})
    held = {parent: pinned_matrix(scenario, holdings, parent) for parent in parents}
    first_day = _first_days(scenario, demand, dates[0])
    kids = _edges_under(upstream, streams)
    prefetch = {parent: _storage_prefetchable(storage_admission, [streams[k] for k in kids.get(parent, [])],
                                              first_day, held[parent].shape) for parent in parents}
    servable = _servable(scenario, holdings, held, prefetch)
    for site, stream in streams.items():
        server[site] = _plan_servers(scenario, servable, site, stream, costs)
    # a miss the plan would serve from the edge's upstream storage site or from a site beyond it goes to that
    # site's cache, which holds the plan's storage titles as soft pins; it may admit a title the plan leaves
    # to it or to the origin (fetched from the origin), while a title a farther storage site holds (of its
    # plan, the titles its cache was written at night) is served from there when the cache lacks it; a miss
    # the plan serves from a nearer peer stays away
    forward, admit = {}, {}
    for site in streams:
        up, origin = upstream[site]
        order = holders_by_cost(costs, site)
        missed = (edge[site] == MISS) | (edge[site] == ADMIT)
        forward[site] = missed & ~np.isin(server[site], order[1:order.index(up)] if up else order)
        admit[site] = np.isin(server[site], [up, origin])
    stored = {parent: np.zeros(len(dates)) for parent in parents}
    above = _run_parents(policy if isinstance(policy, str) else HYBRID_POLICY, streams, edge, upstream, sites,
                         size_gb, admission=admission, forward=forward, pinned=held,
                         fill_budget=fill_budget.to_dict(), filled=stored, storage_admission=storage_admission,
                         admit=admit, prefetch=prefetch)
    for site, stream in streams.items():
        up_site, origin = upstream[site]
        r, f = _tally(scenario, strategy, site, stream, dates, warmup_days, edge[site],
                      np.where(forward[site], above[site], MISS).astype(np.int8), server[site], up_site, origin)
        rows.append(r)
        flows.append(f)
    fills.extend(fill_frame(parent, held[parent], stored[parent]) for parent in parents)
    result = _collect(rows, flows)
    if fills:
        result = replace(result, fills=pd.concat(fills, ignore_index=True))
    return result


SHARE_GRID = (0.0, 0.25, 0.5, 0.75, 0.9, 1.0)
"""Pinned shares tried per edge by :func:`choose_split`."""
POLICY_DAYS = 28
"""Days before the plan date that :func:`choose_policy` replays (the first :data:`POLICY_WARMUP_DAYS` warm
the caches)."""
POLICY_WARMUP_DAYS = 7
BACKTEST_DAYS = 7
"""Days before the plan date replayed to choose the split (the first two only warm the caches)."""
SHARE_TOLERANCE = 0.002
"""Hit ratio an edge may give up in the backtest, against a reactive cache of its whole disk, for a lower
peak-hour upstream load and fewer disk writes."""
PEAK_TOLERANCE = 0.05
"""Relative excess over the least peak-hour upstream GB among the backtest's candidates within which an
edge takes the one that writes least to its disk."""
PIN_HALF_LIFE_DAYS = 1.0
"""Half-life of the weighted mean of past days that ranks the backtest's pins."""
PIN_BURN_IN_DAYS = 14
"""Nights the backtest's pins are chained through, within the nightly fill budget, before its first day
(from the best set, so that a small fill budget shows as the lag it causes)."""
_BACKTEST_WARMUP = 2


def _daily_pins(demand_gb: np.ndarray, size_gb: np.ndarray, capacity_gb: float, budget_gb: float,
                held: np.ndarray) -> np.ndarray:
    """Pinned titles for one day: the best by yesterday's GB per GB of disk, new ones within the fill budget.

    The titles that fit ``capacity_gb`` in order of ``demand_gb / size_gb`` are the target; those not held
    are added in that order while the night's fill budget lasts; the rest of the disk keeps held titles
    by the same order.
    """
    rank = np.argsort(-demand_gb / size_gb, kind="stable")
    rank = rank[demand_gb[rank] > 0]
    target = rank[np.cumsum(size_gb[rank]) <= capacity_gb]
    new = target[~held[target]]
    added = new[np.cumsum(size_gb[new]) <= budget_gb]
    pins = np.zeros(size_gb.size, dtype=bool)
    pins[target[held[target]]] = True
    pins[added] = True
    room = capacity_gb - size_gb[pins].sum()
    rest = np.flatnonzero(held & ~pins)
    rest = rest[np.argsort(-demand_gb[rest] / size_gb[rest], kind="stable")]
    pins[rest[np.cumsum(size_gb[rest]) <= room]] = True
    return pins


def check_online(name: str) -> None:
    """Raise InputError unless ``name`` is a registered policy that runs without knowing the future."""
    cache_policy(name)
    if name in OFFLINE:
        raise InputError(f"cache policy {name!r} needs the future; a hybrid edge runs an online policy")


def _operator_pick(candidates: pd.DataFrame, reference_hit: float, ties: list[str]) -> Any:
    """Index of the candidate an operator takes: hit ratio first, then peak-hour load, then disk writes.

    Among the rows whose ``edge_byte_hit_ratio`` is at least ``reference_hit`` less :data:`SHARE_TOLERANCE`,
    those whose ``peak_hour_gb`` is within :data:`PEAK_TOLERANCE` of the least; among them the one with the
    least ``fill_gb`` (then the smallest values of the ``ties`` columns, in order).
    """
    near = candidates[candidates["edge_byte_hit_ratio"] >= reference_hit - SHARE_TOLERANCE]
    near = near[near["peak_hour_gb"] <= near["peak_hour_gb"].min() * (1 + PEAK_TOLERANCE) + 1e-9]
    return near.sort_values(["fill_gb", *ties], kind="stable").index[0]


def choose_policy(scenario: Scenario, date: pd.Timestamp, *, days: int = POLICY_DAYS,
                  policies: Sequence[str] = ONLINE_POLICIES, seed: int = 0,
                  budget: int | None = REQUEST_BUDGET) -> tuple[str, pd.DataFrame]:
    """Choose the cache policy of the hybrid's caches (edges and storage sites) by a reactive backtest.

    Each policy replays the ``days`` days before ``date`` as the reactive baseline does
    (:func:`replay_caches`: a cache of each edge's whole disk and one at its storage site, empty at the
    start; the first :data:`POLICY_WARMUP_DAYS` days warm them). Pooled over the edges on the other days, an
    operator's order of measures picks the policy (:func:`_operator_pick`: hit ratio within
    :data:`SHARE_TOLERANCE` of the best, peak-hour upstream GB (the most on-demand GB in any one hour,
    all sites) within :data:`PEAK_TOLERANCE` of the least, then the fewest GB written; ties: the order of
    ``policies``). The split backtest (:func:`choose_split`) then runs this policy: its five scored days are
    too few to tell policies apart once a cache has filled.

    Returns
    -------
    policy : str
        The chosen policy (:data:`HYBRID_POLICY` when the history is shorter than the warm-up plus one day).
    backtest : DataFrame
        ``policy, edge_byte_hit_ratio, demand_gb, fill_gb, on_demand_gb, peak_hour_gb, chosen``: one row
        per policy (empty with too little history).
    """
    tried = tuple(policies)
    if not tried:
        raise InputError("no cache policy to choose from")
    for name in tried:
        check_online(name)
    columns = ["policy", "edge_byte_hit_ratio", "demand_gb", "fill_gb", "on_demand_gb", "peak_hour_gb", "chosen"]
    date = pd.Timestamp(date)
    last = date - pd.Timedelta(days=1)
    first = max(date - pd.Timedelta(days=days), scenario.first_date)
    warmup = min(POLICY_WARMUP_DAYS, (last - first).days)
    if warmup < 1:
        return HYBRID_POLICY, pd.DataFrame({c: [] for c in columns})
    start = first + pd.Timedelta(days=warmup)
    history = scenario.demand[(scenario.demand[C.DATE] >= first) & (scenario.demand[C.DATE] <= last)]
    result = replay_caches(scenario, history, start, last, tried, warmup_days=warmup, seed=seed, budget=budget)
    rows, flows = result.rows, result.traffic
    per = rows.groupby("strategy")[["demand_gb", "hit_gb", "fill_gb", "on_demand_gb"]].sum().reindex(
        list(tried), fill_value=0.0)
    peak = flows.groupby(["strategy", C.DATE, "hour"])[C.GB].sum().groupby(level="strategy").max()
    hit = (per["hit_gb"] / per["demand_gb"].where(per["demand_gb"] > 0)).fillna(0.0)
    table = pd.DataFrame({"policy": list(tried), "edge_byte_hit_ratio": hit.to_numpy(),
                          **{c: per[c].to_numpy() for c in ("demand_gb", "fill_gb", "on_demand_gb")},
                          "peak_hour_gb": peak.reindex(list(tried), fill_value=0.0).to_numpy(),
                          "order": range(len(tried))})
    pick = _operator_pick(table, float(table["edge_byte_hit_ratio"].max()), ["order"])
    return str(table.loc[pick, "policy"]), table.drop(columns="order").assign(chosen=table.index == pick)


@dataclass(frozen=True)
class _EdgeBacktest:
    """One edge's share of :func:`choose_split`: its requests, its region's history and the grid to try."""

    site: str
    stream: Requests
    history: pd.DataFrame
    pin_dates: list[pd.Timestamp]
    burn_in: int
    disk_gb: float
    fill_gb: float
    shares: tuple[float, ...]
    policies: tuple[str, ...]
    admission: Admission


def _backtest_edge(catalog: pd.DataFrame, task: _EdgeBacktest) -> list[dict[str, Any]]:
    """Replay one edge's backtest days for every share, pin kind and policy (see :func:`choose_split`)."""
    site, stream, mine, pin_dates, burn_in = task.site, task.stream, task.history, task.pin_dates, task.burn_in
    titles = title_index(catalog)
    size_gb = catalog[C.SIZE_GB].to_numpy(float)
    gpv = catalog[C.GB_PER_VIEW].to_numpy(float)
    n_dates = len(pin_dates) - burn_in
    records = []
    recent = np.zeros((len(pin_dates), len(catalog)))  # weighted GB of the week before each day
    for d, day in enumerate(pin_dates):
        for back in range(1, 8):
            rows = mine[mine[C.DATE] == day - pd.Timedelta(days=back)]
            idx = rows[C.TITLE].map(titles).to_numpy(np.int64)
            weight = 0.5 ** ((back - 1) / PIN_HALF_LIFE_DAYS)
            np.add.at(recent[d], idx, weight * rows[C.VIEWS].to_numpy(float) * gpv[idx])
    scored = stream.day >= _BACKTEST_WARMUP
    start_rank = recent[burn_in] / size_gb
    warm = np.argsort(-start_rank, kind="stable")
    warm = warm[start_rank[warm] > 0]  # what a cache that ran through the week before holds, roughly
    view_gb = stream.views * gpv[stream.title]
    written = stream.views * size_gb[stream.title]  # as in _tally: k admissions per request of k views
    demand_gb = float(view_gb[scored].sum())
    hour_key = stream.day * 24 + stream.hour.astype(np.int64)  # (day, hour) of each request
    for share in task.shares:
        capacity = share * task.disk_gb
        pins = np.zeros((len(pin_dates), len(catalog)), dtype=bool)
        held = np.zeros(len(catalog), dtype=bool)
        for d in range(len(pin_dates)):
            budget_gb = task.fill_gb if d else np.inf  # the best set once, then the nightly budget
            pins[d] = _daily_pins(recent[d], size_gb, capacity, budget_gb, held) if capacity > 0 else False
            held = pins[d]
        pins = pins[burn_in:]
        for kind, policy in product(PIN_KINDS if share > 0 else PIN_KINDS[:1], task.policies):
            # hard pins: the cache gets the unpinned share only: a plan may fill its whole share (the
            # planner does, for neighbours and keeps), so the backtest does not count on the space it leaves
            filled = np.zeros(n_dates)
            outcome = run_cache(policy, task.disk_gb - (capacity if kind == "hard" else 0.0), stream,
                                size_gb, pinned=pins, admission=task.admission, pins=kind,
                                fill_budget_gb=task.fill_gb, filled_gb=filled, warm=warm)
            hit = scored & ((outcome == HIT) | (outcome == PINNED))
            admit = scored & (outcome == ADMIT)
            pulled = _pulled_gb(np.where(scored, outcome, HIT), written, view_gb)
            records.append({
                C.SITE: site, "pinned_share": float(share), "pins": kind, "policy": policy,
                "edge_byte_hit_ratio": float(view_gb[hit].sum()) / demand_gb if demand_gb > 0 else 0.0,
                "demand_gb": demand_gb,
                "fill_gb": float(filled[_BACKTEST_WARMUP:].sum()) + float(written[admit].sum()),
                "on_demand_gb": float(pulled.sum()),
                "peak_hour_gb": float(np.bincount(hour_key, weights=pulled).max(initial=0.0)),
            })
    return records


def choose_split(scenario: Scenario, date: pd.Timestamp, *, days: int = BACKTEST_DAYS,
                 shares: Sequence[float] = SHARE_GRID, policies: Sequence[str] = (HYBRID_POLICY,),
                 admission: Admission = "all", seed: int = 0, budget: int | None = REQUEST_BUDGET,
                 ) -> tuple[dict[str, float], dict[str, str], dict[str, PinKind], pd.DataFrame]:
    """Choose each edge's pinned share, pin kind and cache policy by a backtest over the days before ``date``.

    For every share of the grid, both pin kinds (:data:`PIN_KINDS`, see :func:`run_cache`: the plan's titles
    held apart from the cache, or prefetched into a cache of the whole disk) and every cache policy, each edge
    replays the ``days`` days before ``date`` as a hybrid: each day it pins the titles with the most GB per GB
    of disk in an exponentially weighted mean of the week before (weights halving each day back,
    :data:`PIN_HALF_LIFE_DAYS`: a stand-in for the nightly forecast, with its error), filled within the share of
    its disk and its nightly fill budget (chained from :data:`PIN_BURN_IN_DAYS` nights before, so a small budget
    shows as the lag it causes). With hard pins the cache gets the unpinned share only (a plan may fill its
    whole share, so the backtest does not count on the room its pins leave); with soft pins it is the whole
    disk. Every cache starts warm, holding the best titles by the same weighted mean that fit beside its first
    day's pins (``run_cache(warm=...)``: an empty cache would charge share 0 the admissions of filling a whole
    disk, which a cache that has run for weeks does not pay), and the first two days warm it further; on the
    others the edge's byte hit ratio, its disk writes (pins written at night plus admissions), its on-demand
    upstream GB (missed views plus admitted titles, what loads the backbone during the day) and its peak-hour
    upstream GB (the most on-demand GB of any one hour of a scored day) are measured. Each edge then follows an
    operator's order of measures: among the candidates whose hit ratio is at least that of its best reactive
    cache of the whole disk (share 0) less :data:`SHARE_TOLERANCE`, those whose peak-hour upstream GB is within
    :data:`PEAK_TOLERANCE` of the least; among them the one that writes least (ties: the larger share, hard
    pins, then the policy listed first).

    Parameters
    ----------
    scenario : Scenario
        Only demand dated before ``date`` is read.
    date : Timestamp
        The plan date.
    days : int
        Backtest days (at least 3: two of warm-up).
    shares : sequence of float
        Shares in [0, 1] to try.
    policies : sequence of str
        Cache policies to try (:data:`ONLINE_POLICIES`; :func:`choose_policy` chooses one for all edges).
    admission, seed, budget :
        As in :func:`replay_hybrid`.

    Returns
    -------
    shares : dict
        Edge site -> chosen pinned share.
    policies : dict
        Edge site -> chosen cache policy.
    pins : dict
        Edge site -> chosen pin kind.
    backtest : DataFrame
        ``site_id, pinned_share, pins, policy, edge_byte_hit_ratio, demand_gb, fill_gb, on_demand_gb,
        peak_hour_gb, chosen``: one row per edge and candidate (``demand_gb``: the edge's GB on the scored days); empty
        when there is too little history (every edge then gets the middle of the grid, hard pins and the
        first policy).
    """
    tried = tuple(policies)
    for name in tried:
        check_online(name)
    check_admission(admission)
    if not tried:
        raise InputError("no cache policy to try for the hybrid split")
    if days < _BACKTEST_WARMUP + 1:
        raise InputError(f"backtest days {days}: expected at least {_BACKTEST_WARMUP + 1}")
    if not shares or any(not 0.0 <= s <= 1.0 for s in shares):
        raise InputError(f"pinned shares {list(shares)!r}: expected shares in [0, 1]")
    date = pd.Timestamp(date)
    first = max(date - pd.Timedelta(days=days), scenario.first_date + pd.Timedelta(days=1))
    dates = list(pd.date_range(first, date - pd.Timedelta(days=1), freq="D"))
    edges = scenario.sites.loc[scenario.sites[C.TIER] == C.EDGE, C.SITE].astype(str).tolist()
    columns = [C.SITE, "pinned_share", "pins", "policy", "edge_byte_hit_ratio", "demand_gb", "fill_gb",
               "on_demand_gb", "peak_hour_gb", "chosen"]
    middle = float(sorted(shares)[len(shares) // 2])
    if len(dates) <= _BACKTEST_WARMUP:
        return ({site: middle for site in edges}, {site: tried[0] for site in edges},
                {site: PIN_KINDS[0] for site in edges}, pd.DataFrame({c: [] for c in columns}))
    burn_in = list(pd.date_range(max(first - pd.Timedelta(days=PIN_BURN_IN_DAYS), scenario.first_date + pd.Timedelta(
        days=1)), first - pd.Timedelta(days=1), freq="D"))
    history = scenario.demand[(scenario.demand[C.DATE] >= first - pd.Timedelta(days=7 + len(burn_in)))
                              & (scenario.demand[C.DATE] < date)]
    streams = request_streams(scenario, history, dates, seed, budget)
    pin_dates = [*burn_in, *dates]
    catalog = scenario.catalog
    disks = scenario.sites.set_index(C.SITE)[C.DISK_GB].astype(float)
    fill = scenario.fill_budget_gb()
    region_of = {s: r for r, s in scenario.region_site().items()}
    tasks = [_EdgeBacktest(site, streams[site], history[history[C.REGION] == region_of.get(site)], pin_dates,
                           len(burn_in), float(disks[site]), float(fill[site]), tuple(shares), tried, admission)
             for site in edges if site in streams]
    # processes, not threads: the replays run in Python and libCacheSim's C++ without releasing the GIL
    records = [row for rows in map_processes(partial(_backtest_edge, catalog), tasks) for row in rows]
    table = pd.DataFrame(records, columns=columns[:-1])
    rank = {name: k for k, name in enumerate(tried)}
    chosen: dict[str, float] = {}
    chosen_policy: dict[str, str] = {}
    chosen_pins: dict[str, PinKind] = {}
    flags = np.zeros(len(table), dtype=bool)
    for site, group in table.groupby(C.SITE, sort=False):
        reactive = group.loc[group["pinned_share"] == min(shares), "edge_byte_hit_ratio"].max()
        group = group.assign(order=group["policy"].map(rank), kind=group["pins"].map(
            {k: i for i, k in enumerate(PIN_KINDS)}), share=-group["pinned_share"])
        pick = _operator_pick(group, reactive, ["share", "kind", "order"])
        flags[table.index.get_loc(pick)] = True
        chosen[str(site)] = float(table.loc[pick, "pinned_share"])
        chosen_policy[str(site)] = str(table.loc[pick, "policy"])
        chosen_pins[str(site)] = "soft" if table.loc[pick, "pins"] == "soft" else "hard"
    for site in edges:
        chosen.setdefault(site, middle)
        chosen_policy.setdefault(site, tried[0])
        chosen_pins.setdefault(site, PIN_KINDS[0])
    return chosen, chosen_policy, chosen_pins, table.assign(chosen=flags)


def edge_split(scenario: Scenario, date: pd.Timestamp, mode: str, pinned_share: float | None = None, *,
               policy: str | None = None, admission: Admission = "all",
               seed: int = 0) -> tuple[dict[str, float] | None, dict[str, object]]:
    """Each edge's pinned share for a plan mode, and the keys that record it in the plan's ``summary.json``.

    ``proactive`` gives the plan every disk (no split); ``reactive`` pins nothing on edges (storage sites are
    still planned); ``hybrid`` pins ``pinned_share`` of every edge when given, else the share chosen per
    edge by :func:`choose_split` over the week before ``date``. The cache policy (every edge's and storage
    site's) is ``policy`` when given, else chosen by :func:`choose_policy` over the four weeks before ``date``.

    Returns
    -------
    shares : dict or None
        Edge site -> pinned share (None in proactive mode).
    record : dict
        ``mode`` and, outside proactive mode, ``pinned_share``, ``pinned_share_forced``, ``cache_policy``
        (per edge), ``cache_policy_backtest`` (:func:`choose_policy`'s rows; empty when ``policy`` is given),
        ``admission``, ``pinned_share_backtest`` (the split backtest's rows; with a forced share, the
        backtest of that share alone) and ``backtest_edge_byte_hit_ratio``: the edge byte hit ratio of the
        split, pins and cache together, on the backtest's scored days (pooled over edges by bytes). The
        plan's own ``expected_edge_byte_hit_ratio`` counts the pinned part only.
    """
    if mode not in MODES:
        raise InputError(f"--mode {mode!r}: valid modes are {', '.join(MODES)}")
    if policy is not None:
        check_online(policy)
    check_admission(admission)
    if pinned_share is not None and not 0.0 <= pinned_share <= 1.0:
        raise InputError(f"--pinned-share {pinned_share}: expected a share in [0, 1]")
    if mode == "proactive":
        return None, {"mode": mode}
    forced = 0.0 if mode == "reactive" else pinned_share
    if policy is None:
        policy, policy_backtest = choose_policy(scenario, date, seed=seed)
    else:
        policy_backtest = pd.DataFrame()
    shares, policies, pins, backtest = choose_split(scenario, date, shares=SHARE_GRID if forced is None else
                                                    (float(forced),), policies=(policy,), admission=admission,
                                                    seed=seed)
    chosen = backtest[backtest["chosen"]] if len(backtest) else backtest
    demand = float(chosen["demand_gb"].sum()) if len(chosen) else 0.0
    pooled = float((chosen["edge_byte_hit_ratio"] * chosen["demand_gb"]).sum()) / demand if demand > 0 else None
    return shares, {"mode": mode, "pinned_share": shares, "pinned_share_forced": forced is not None,
                    "cache_policy": policies, "cache_policy_backtest": policy_backtest.to_dict("records"),
                    "pins": pins, "admission": admission,
                    "pinned_share_backtest": backtest.to_dict("records"), "backtest_edge_byte_hit_ratio": pooled}


def simulate_cached_day(scenario: Scenario, date: pd.Timestamp, mode: str, holdings: pd.DataFrame | None = None,
                        plan_summary: Mapping[str, object] | None = None, fill_gb: float = 0.0, *,
                        warmup_days: int = 7, seed: int = 0) -> tuple[dict[str, object], pd.DataFrame]:
    """One day of actual demand on hybrid or reactive edges, the caches warmed on the days before it.

    ``hybrid`` pins the plan's edge holdings with the split, cache policy and admission rule recorded in
    the plan's ``summary.json`` (the same holdings on the warm-up days); ``reactive`` runs
    :data:`HYBRID_POLICY` caches of the whole disks (:func:`replay_caches`, no plan needed).

    Returns
    -------
    summary : dict
        ``date, mode, demand_gb, edge_byte_hit_ratio, edge_hit_gb, pinned_hit_gb, backbone_gb,
        peak_backbone_gbps, peak_link_utilisation, fill_gb`` (plan fill plus admissions),
        ``offpeak_fill_gb, on_demand_gb, warmup_days, cache_policy, admission, pinned_share``.
    per_site : DataFrame
        ``site_id, demand_gb, hit_gb, pinned_hit_gb, edge_byte_hit_ratio, fill_gb, on_demand_gb``.
    """
    from cdn.simulate import route_served

    date = pd.Timestamp(date)
    warmup = max(0, min(warmup_days, (date - scenario.first_date).days))
    record = dict(plan_summary or {})
    if mode == "hybrid":
        if holdings is None or "pinned_share" not in record:
            raise InputError("--mode hybrid needs a plan made with --mode hybrid (its summary.json records each "
                             "edge's pinned_share); give it with --plan OUT/<date>")
        recorded = record.get("cache_policy", HYBRID_POLICY)
        policy = ({str(k): str(v) for k, v in recorded.items()} if isinstance(recorded, Mapping)
                  else str(recorded))
        admission = check_admission(str(record.get("admission", "all")))
        shares = {str(k): float(v) for k, v in dict(record["pinned_share"]).items()}  # type: ignore[call-overload]
        recorded_pins = dict(record.get("pins", {}))  # type: ignore[call-overload]
        kinds: dict[str, PinKind] = {str(k): "soft" for k, v in recorded_pins.items() if v == "soft"}
        result = replay_hybrid(scenario, scenario.demand, date, date, [holdings] * (warmup + 1), shares,
                               policy=policy, admission=admission, pins=kinds, warmup_days=warmup, seed=seed)
    elif mode == "reactive":
        policy, admission, shares, fill_gb = HYBRID_POLICY, "all", {}, 0.0
        result = replay_caches(scenario, scenario.demand, date, date, [policy], warmup_days=warmup, seed=seed)
    else:
        raise InputError(f"--mode {mode!r}: a cache simulation is hybrid or reactive")
    rows, flow = result.rows, result.traffic
    sim = route_served(scenario, flow["entry"], flow["server"], flow[C.GB], flow["hour"])
    demand = float(rows["demand_gb"].sum())
    admitted = float(rows["fill_gb"].sum())
    per_site = rows.groupby(C.SITE, as_index=False)[["demand_gb", "hit_gb", "pinned_hit_gb", "fill_gb",
                                                     "on_demand_gb"]].sum()
    per_site.insert(4, "edge_byte_hit_ratio", per_site["hit_gb"] / per_site["demand_gb"])
    summary: dict[str, object] = {
        "date": f"{date:%Y-%m-%d}", "mode": mode, "demand_gb": demand,
        "edge_byte_hit_ratio": float(rows["hit_gb"].sum()) / demand if demand > 0 else None,
        "edge_hit_gb": float(rows["hit_gb"].sum()), "pinned_hit_gb": float(rows["pinned_hit_gb"].sum()),
        "backbone_gb": sim["backbone_gb"], "peak_backbone_gbps": sim["peak_backbone_gbps"],
        "peak_link_utilisation": sim["peak_link_utilisation"], "overloaded_links": sim["overloaded_links"],
        "fill_gb": fill_gb + admitted, "offpeak_fill_gb": fill_gb, "on_demand_gb": float(rows["on_demand_gb"].sum()),
        "warmup_days": warmup, "cache_policy": policy, "admission": admission, "pinned_share": shares,
    }
    return summary, per_site
