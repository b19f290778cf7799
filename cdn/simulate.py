"""Flow simulation of one day of demand on the delivery network, for a given placement.

Each (region, title) demand enters the network at its region's site and is served by the cheapest site
holding the title (path cost over links' ``cost``, ties by site id; origins hold every title), along the
cheapest path. The day is spread over 24 hours with a diurnal profile whose busiest hour carries the
scenario's ``peak_hour_share``; in any hour where a site would serve more than its ``serve_gbps``, the
excess of every demand it serves overflows, in proportion, to that demand's next copy (the origins
being the last resort). When every copy is full the rest stays with the cheapest holder, reported as
overloaded. Routing is vectorised with numpy over networkx shortest paths.

Measures follow the data contract: the edge byte hit ratio counts the bytes demanded by regions whose
own site holds the title; ``backbone_gb`` sums, over links whose ``kind`` is not ``access``, the GB each
carries (a GB crossing two such links counts twice).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.atomic import atomic_directory
from cdn.errors import InputError
from cdn.scenario import DATE_FORMAT, Scenario, parse_date, title_index
from cdn.units import dumps_json
from placement.network import cheapest_paths, holders_by_cost, path_costs

HOURS = 24
PEAK_HOUR = 21
"""Local hour of the evening peak in the diurnal profile."""
_GB_PER_HOUR_PER_GBPS = 3600.0 / 8.0
_EPS = 1e-12


@dataclass(frozen=True)
class Simulation:
    """The outcome of :func:`simulate_day`.

    Attributes
    ----------
    summary : dict
        JSON-ready totals: ``date``, ``demand_gb``, ``edge_byte_hit_ratio``, ``edge_hit_gb``,
        ``edge_served_gb``, ``upstream_served_gb``, ``unserved_gb``, ``backbone_gb``,
        ``backbone_gb_origin_only``, ``peak_backbone_gbps``, ``peak_link_utilisation``,
        ``overloaded_links``, ``overloaded_sites``, ``unreachable_regions``, ``failures``, ``fill_gb``.
    per_site : DataFrame
        One row per site: ``site_id, tier, region, failed, demand_gb, edge_hit_gb, edge_byte_hit_ratio,
        edge_served_gb, served_gb, peak_serve_gbps, serve_gbps, serve_utilisation, held_titles, held_gb,
        disk_gb``.
    per_link : DataFrame
        One row per link direction (bytes flowing ``src`` -> ``dst``): ``src, dst, kind, capacity_gbps,
        gb, peak_gbps, utilisation, overloaded``; failed links are absent.
    per_tier : DataFrame
        ``tier, served_gb, share``: bytes served by the holders of each tier (``unserved`` when no
        reachable site holds the title).
    hourly : DataFrame
        ``hour, share, demand_gb, backbone_gb, peak_link_utilisation`` for the 24 hours of the day.
    """

    summary: dict[str, Any]
    per_site: pd.DataFrame
    per_link: pd.DataFrame
    per_tier: pd.DataFrame
    hourly: pd.DataFrame

    def write(self, out: str | Path) -> Path:
        """Write ``summary.json``, ``sites.csv``, ``links.csv``, ``tiers.csv`` and ``hourly.csv`` atomically.

        The directory appears complete or not at all; an existing directory is replaced.
        """
        with atomic_directory(out, overwrite=True, mark=True) as tmp:
            (tmp / "summary.json").write_text(dumps_json(self.summary))
            self.per_site.to_csv(tmp / "sites.csv", index=False)
            self.per_link.to_csv(tmp / "links.csv", index=False)
            self.per_tier.to_csv(tmp / "tiers.csv", index=False)
            self.hourly.to_csv(tmp / "hourly.csv", index=False)
        return Path(out)


def diurnal_profile(peak_hour_share: float, peak_hour: int = PEAK_HOUR) -> np.ndarray:
    """Share of a day's views in each of the 24 hours, the busiest hour holding ``peak_hour_share``.

    The shape is a von Mises bump ``exp(k cos(2 pi (h - peak_hour) / 24))`` normalised to sum 1, with
    ``k`` found by bisection; with the default share 0.08 the peak-to-trough ratio is about 5, as
    measured for video traffic. A share at or below 1/24 gives a flat day.

    Examples
    --------
    >>> p = diurnal_profile(0.08)
    >>> round(float(p.sum()), 9), round(float(p.max()), 9), int(p.argmax())
    (1.0, 0.08, 21)
    """
    if not 0 < peak_hour_share <= 1:
        raise InputError(f"peak_hour_share = {peak_hour_share!r}; expected a share in (0, 1]")
    angle = np.cos(2 * np.pi * (np.arange(HOURS) - peak_hour) / HOURS)

    def shape(k: float) -> np.ndarray:
        w = np.exp(k * (angle - 1.0))
        return w / w.sum()

    if peak_hour_share <= 1.0 / HOURS:
        return np.full(HOURS, 1.0 / HOURS)
    lo, hi = 0.0, 1.0
    while shape(hi).max() < peak_hour_share and hi < 1e6:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if shape(mid).max() < peak_hour_share else (lo, mid)
    return shape(0.5 * (lo + hi))


# ------------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------------
def _parse_failures(graph: nx.Graph, failures: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Split failure names into sites and links (``A-B`` or ``A--B``); raise on unknown names."""
    sites: list[str] = []
    links: list[tuple[str, str]] = []
    for name in failures:
        name = str(name).strip()
        if name in graph:
            sites.append(name)
            continue
        found = None
        for sep in ("--", "-"):
            parts = name.split(sep)
            for i in range(1, len(parts)):
                a, b = sep.join(parts[:i]), sep.join(parts[i:])
                if graph.has_edge(a, b):
                    found = (a, b)
                    break
            if found:
                break
        if found is None:
            raise InputError(
                f"failure {name!r} is neither a site nor a link: give a site id (e.g. {sorted(graph.nodes)[0]!r}) "
                "or a link as A-B or A--B between two linked sites"
            )
        links.append(found)
    return sites, links


def _check_frame(frame: pd.DataFrame, name: str, required: Sequence[str]) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{name} lacks column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}")


def _codes(values: pd.Series, index: dict[str, int]) -> np.ndarray:
    """Integer codes of text ids through their distinct values (fast on Arrow strings); -1 when unknown."""
    codes, uniques = pd.factorize(values.astype(str))
    lookup = np.array([index.get(u, -1) for u in uniques] + [-1], dtype=np.int64)
    return lookup[codes]


@dataclass
class _Day:
    """One day's demand aggregated per (region, title), sorted by region then title."""

    region: np.ndarray  # index into ``regions``
    title: np.ndarray  # index into the catalog
    gb: np.ndarray
    regions: list[str]


def _demand_gb(scenario: Scenario, demand: pd.DataFrame) -> _Day:
    """Aggregate demand to GB (views * gb_per_view) per (region, title), checking ids and values."""
    _check_frame(demand, "demand", (C.REGION, C.TITLE, C.VIEWS))
    views = pd.to_numeric(demand[C.VIEWS], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(views) | (views < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(f"demand: views must be finite numbers >= 0; got {demand[C.VIEWS].iloc[row]!r} "
                         f"for title {demand[C.TITLE].iloc[row]!r} (row {row})")
    regions = sorted(scenario.region_site())
    region = _codes(demand[C.REGION], {r: i for i, r in enumerate(regions)})
    if (region < 0).any():
        raise InputError(f"demand: region {demand[C.REGION].iloc[int(np.flatnonzero(region < 0)[0])]!r} is named "
                         f"by no site; valid regions: {', '.join(regions[:10])}")
    catalog = scenario.catalog
    title = _codes(demand[C.TITLE], title_index(catalog))
    if (title < 0).any():
        raise InputError(f"demand: title {demand[C.TITLE].iloc[int(np.flatnonzero(title < 0)[0])]!r} is not in "
                         "the catalog")
    gb = views * catalog[C.GB_PER_VIEW].to_numpy(float)[title]
    keep = gb > 0
    key = region[keep] * len(catalog) + title[keep]
    keys, inverse = np.unique(key, return_inverse=True)
    total = np.bincount(inverse, weights=gb[keep], minlength=keys.size)
    return _Day(region=keys // len(catalog), title=keys % len(catalog), gb=total, regions=regions)


def _demand_date(demand: pd.DataFrame) -> str | None:
    if C.DATE not in demand.columns or demand.empty:
        return None
    dates = pd.to_datetime(demand[C.DATE]).unique()
    return f"{pd.Timestamp(dates[0]):{DATE_FORMAT}}" if len(dates) == 1 else None


# ------------------------------------------------------------------------------------------------
# routing
# ------------------------------------------------------------------------------------------------
@dataclass
class _Pairs:
    """Demand pairs in array form, each with its ordered candidate holders found lazily."""

    region_site: np.ndarray  # site index of the region's entry site (-1 when that site failed)
    title: np.ndarray  # column index into the holding matrix
    gb: np.ndarray
    first: np.ndarray  # site index of the cheapest holder (-1 when none is reachable)
    first_rank: np.ndarray  # position of that holder in the region's order


def _assign(pairs: _Pairs, amounts: np.ndarray, capacity: np.ndarray, held: np.ndarray,
            orders: dict[int, np.ndarray], n_sites: int) -> np.ndarray:
    """Serve ``amounts`` of each pair within per-site ``capacity`` (GB); return a (site, holder) GB matrix.

    Every pair starts at its cheapest holder; each round, a site over its residual capacity accepts the
    same fraction of every pair sent to it and the rest moves to each pair's next holder that still has
    capacity (full sites are skipped). A pair that runs out of holders leaves its rest with its
    cheapest holder.
    """
    flow = np.zeros((n_sites, n_sites))
    ok = (pairs.first >= 0) & (amounts > 0)
    idx = np.flatnonzero(ok)
    holder = pairs.first[idx].copy()
    rank = pairs.first_rank[idx].copy()
    rest = amounts[idx].copy()
    residual = capacity.copy()
    while idx.size:
        load = np.bincount(holder, weights=rest, minlength=n_sites)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(load > residual, residual / np.where(load > 0, load, 1.0), 1.0)
        frac = np.clip(frac, 0.0, 1.0)
        taken = rest * frac[holder]
        _accumulate(flow, pairs.region_site[idx], holder, taken)
        residual = residual - np.bincount(holder, weights=taken, minlength=n_sites)
        rest = rest - taken
        more = rest > _EPS * np.maximum(1.0, amounts[idx])
        idx, holder, rank, rest = idx[more], holder[more], rank[more], rest[more]
        if not idx.size:
            break
        spare = np.isinf(capacity) | (residual > 1e-9 * np.where(np.isinf(capacity), 0.0, capacity))
        nxt_holder, nxt_rank = _next_holders(pairs, idx, rank, held & spare[:, None], orders)
        stuck = nxt_holder < 0
        if stuck.any():
            _accumulate(flow, pairs.region_site[idx[stuck]], pairs.first[idx[stuck]], rest[stuck])
        keep = ~stuck
        idx, holder, rank, rest = idx[keep], nxt_holder[keep], nxt_rank[keep], rest[keep]
    return flow


def _accumulate(matrix: np.ndarray, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
    """``matrix[rows, cols] += values`` with repeated cells summed (bincount: much faster than ``np.add.at``)."""
    n = matrix.shape[1]
    matrix += np.bincount(rows * n + cols, weights=values, minlength=matrix.size).reshape(matrix.shape)


def _next_holders(pairs: _Pairs, idx: np.ndarray, rank: np.ndarray, held: np.ndarray,
                  orders: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """For each pair in ``idx``, the next holder after position ``rank`` of its region's order (-1 if none)."""
    holder = np.full(idx.size, -1)
    new_rank = np.full(idx.size, -1)
    sites = pairs.region_site[idx]
    by_site = np.argsort(sites, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(sites[by_site]) != 0])
    useful = np.asarray(held.any(axis=1))  # sites that hold something (and, as called, have capacity left)
    for sel in np.split(by_site, starts[1:]):
        order = orders[int(sites[sel[0]])]
        rows = np.flatnonzero(useful[order])  # positions in the region's order worth looking at
        sub = held[np.ix_(order[rows], pairs.title[idx[sel]])]
        sub &= rows[:, None] > rank[sel][None, :]
        has = sub.any(axis=0)
        pos = rows[sub.argmax(axis=0)] if rows.size else np.zeros(sel.size, dtype=int)
        holder[sel] = np.where(has, order[pos], -1)
        new_rank[sel] = np.where(has, pos, -1)
    return holder, new_rank


def simulate_day(
    scenario: Scenario,
    holdings: pd.DataFrame,
    demand: pd.DataFrame,
    failures: Sequence[str] = (),
    fill_gb: float = 0.0,
    *,
    serve_limits: bool = True,
) -> Simulation:
    """Route one day of demand over the network for a placement and measure hits, backbone and link load.

    Parameters
    ----------
    scenario : Scenario
        Network, catalog and settings (``peak_hour_share``).
    holdings : DataFrame
        ``site_id, title_id``: what each storage and edge site holds after the fill (origins hold every
        title implicitly). Not modified.
    demand : DataFrame
        ``region, title_id, views`` of one day (actual views or a forecast's ``yhat`` renamed ``views``);
        a ``date`` column, when it holds one date, names the day in the summary. Not modified.
    failures : sequence of str
        Site ids, or links as ``A-B`` / ``A--B``, removed before routing. A failed site holds nothing and
        its region is unreachable.
    fill_gb : float
        GB written by the night's fill, reported as is.
    serve_limits : bool
        Respect the sites' ``serve_gbps`` (overflow to the next copy). ``False`` routes every demand to
        its cheapest holder, exactly the contract's definition of ``backbone_gb``; with unlimited sites
        both are the same.

    Returns
    -------
    Simulation
        Summary and per-site, per-link, per-tier and hourly frames.

    Raises
    ------
    InputError
        Unknown region, title, site or failure name, or views that are not finite numbers >= 0.

    Examples
    --------
    >>> from cdn.scenario import load_scenario
    >>> scn = load_scenario("tests/data/tiny")
    >>> day = scn.day(pd.Timestamp("2024-01-01"))
    >>> sim = simulate_day(scn, pd.DataFrame({"site_id": ["E1"], "title_id": ["t1"]}), day)
    >>> round(sim.summary["edge_byte_hit_ratio"], 4), sim.summary["backbone_gb"]
    (0.5333, 70.0)
    """
    _check_frame(holdings, "holdings", (C.SITE, C.TITLE))
    graph = scenario.graph.copy()
    failed_sites, failed_links = _parse_failures(graph, failures)
    graph.remove_edges_from(failed_links)
    graph.remove_nodes_from(failed_sites)
    tier_of = dict(zip(scenario.sites[C.SITE], scenario.sites[C.TIER], strict=True))
    day = _demand_gb(scenario, demand)

    names = sorted(graph.nodes)
    n = len(names)
    pos = {s: i for i, s in enumerate(names)}
    titles, title_idx = np.unique(day.title, return_inverse=True)
    held = _held_matrix(scenario, holdings, pos, titles)
    held[[pos[s] for s in names if tier_of[s] == C.ORIGIN], :] = True

    region_site = scenario.region_site()
    entry_of_region = np.array([pos.get(region_site[r], -1) for r in day.regions], dtype=np.int64)
    site_idx = entry_of_region[day.region] if day.gb.size else np.empty(0, np.int64)
    first = np.full(day.gb.size, -1)
    first_rank = np.full(day.gb.size, -1)
    orders: dict[int, np.ndarray] = {}
    paths: dict[int, dict[str, list[str]]] = {}
    origin_only = np.zeros(n)  # non-access links from each entry site to its nearest origin
    costs = path_costs(graph)
    bounds = np.flatnonzero(np.diff(day.region)) + 1
    for sel in np.split(np.arange(day.gb.size), bounds) if day.gb.size else []:
        s = int(site_idx[sel[0]])
        if s < 0:
            continue
        name = names[s]
        order = np.array([pos[h] for h in holders_by_cost(costs, name)])
        orders[s] = order
        paths[s] = cheapest_paths(graph, name)
        sub = held[np.ix_(order, title_idx[sel])]
        has = sub.any(axis=0)
        rank = sub.argmax(axis=0)
        first[sel] = np.where(has, order[rank], -1)
        first_rank[sel] = np.where(has, rank, -1)
        reachable_origins = [h for h in order if tier_of[names[h]] == C.ORIGIN]
        if reachable_origins:
            origin_only[s] = _backbone_hops(graph, paths[s][names[reachable_origins[0]]])
    pairs = _Pairs(site_idx, title_idx, day.gb, first, first_rank)

    profile = diurnal_profile(float(scenario.settings["peak_hour_share"]))
    serve = scenario.sites.set_index(C.SITE)[C.SERVE_GBPS].reindex(names).to_numpy(float)
    capacity_per_hour = np.where(np.isnan(serve) | (not serve_limits), np.inf, serve * _GB_PER_HOUR_PER_GBPS)
    flows, daily = _hourly_flows(pairs, profile, capacity_per_hour, held, orders, n)
    links, hourly_links = _link_table(graph, names, paths, flows, daily)
    summary, per_site, per_tier = _measure(scenario, names, day, pairs, held, daily, flows.sum(axis=1), origin_only,
                                           failed_sites, holdings)
    backbone = (links[C.KIND] != C.ACCESS).to_numpy()
    backbone_hourly = hourly_links[:, backbone].sum(axis=1)
    hourly = pd.DataFrame({
        "hour": np.arange(HOURS), "share": profile, "demand_gb": summary["demand_gb"] * profile,
        "backbone_gb": backbone_hourly,
        "peak_link_utilisation": (hourly_links / _GB_PER_HOUR_PER_GBPS / links[C.CAPACITY_GBPS].to_numpy()).max(
            axis=1, initial=0.0),
    })
    flow = {
        "backbone_gb": float(links.loc[backbone, "gb"].sum()),
        "peak_backbone_gbps": float(backbone_hourly.max(initial=0.0) / _GB_PER_HOUR_PER_GBPS),
        "peak_link_utilisation": float(links["utilisation"].max()) if len(links) else 0.0,
        "overloaded_links": [f"{a}->{b}" for a, b in zip(links.loc[links["overloaded"], C.SRC],
                                                         links.loc[links["overloaded"], C.DST], strict=True)],
        "overloaded_sites": per_site.loc[per_site["serve_utilisation"] > 1.0 + 1e-9, C.SITE].tolist(),
    }
    summary = {
        "date": _demand_date(demand),
        "edge_byte_hit_ratio": summary.pop("edge_byte_hit_ratio"),
        "backbone_gb": flow.pop("backbone_gb"),
        **summary,
        **flow,
        "failures": [*failed_sites, *(f"{a}-{b}" for a, b in failed_links)],
        "fill_gb": float(fill_gb),
        "peak_hour_share": float(profile.max()),
    }
    return Simulation(summary=summary, per_site=per_site, per_link=links, per_tier=per_tier, hourly=hourly)


def _held_matrix(scenario: Scenario, holdings: pd.DataFrame, pos: dict[str, int], titles: np.ndarray) -> np.ndarray:
    """Boolean (site, demanded title) matrix of the holdings on surviving sites; raise on unknown ids."""
    known_sites = {s: i for i, s in enumerate(scenario.sites[C.SITE])}
    site = _codes(holdings[C.SITE], known_sites)
    if (site < 0).any():
        raise InputError(f"holdings: site {holdings[C.SITE].iloc[int(np.flatnonzero(site < 0)[0])]!r} is not in "
                         "sites.csv")
    title = _codes(holdings[C.TITLE], title_index(scenario.catalog))
    if (title < 0).any():
        raise InputError(f"holdings: title {holdings[C.TITLE].iloc[int(np.flatnonzero(title < 0)[0])]!r} is not "
                         "in the catalog")
    to_live = np.array([pos.get(s, -1) for s in scenario.sites[C.SITE]], dtype=np.int64)
    col = np.searchsorted(titles, title)
    col = np.minimum(col, max(titles.size - 1, 0))
    live = (to_live[site] >= 0) & (titles.size > 0) & (titles[col] == title) if titles.size else np.zeros(0, bool)
    held = np.zeros((len(pos), titles.size), dtype=bool)
    if titles.size:
        held[to_live[site[live]], col[live]] = True
    return held


def _backbone_hops(graph: nx.Graph, path: list[str]) -> int:
    return sum(graph[a][b][C.KIND] != C.ACCESS for a, b in pairwise(path))


def _hourly_flows(pairs: _Pairs, profile: np.ndarray, capacity: np.ndarray, held: np.ndarray,
                  orders: dict[int, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(hour, entry site, holder) GB and its daily sum (exact when no hour overflows).

    Hours where no cheapest holder exceeds its capacity are the day's flow scaled by the hour's share.
    """
    reach = pairs.first >= 0
    base = np.zeros((n, n))
    _accumulate(base, pairs.region_site[reach], pairs.first[reach], pairs.gb[reach])
    base_load = base.sum(axis=0)
    flows = np.empty((HOURS, n, n))
    solved: dict[float, np.ndarray] = {}
    for h, share in enumerate(profile):
        if np.all(base_load * share <= capacity * (1 + 1e-12)):
            flows[h] = base * share
            continue
        key = round(float(share), 15)
        if key not in solved:
            solved[key] = _assign(pairs, pairs.gb * share, capacity, held, orders, n)
        flows[h] = solved[key]
    return flows, (flows.sum(axis=0) if solved else base)


def _link_table(graph: nx.Graph, names: list[str], paths: dict[int, dict[str, list[str]]], flows: np.ndarray,
                daily: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """GB per link direction for the day and per hour (bytes flow from the holder back along the entry site's
    cheapest path), with peak-hour Gbps and utilisation."""
    edges = sorted(tuple(sorted(e)) for e in graph.edges)
    directed = [(a, b) for a, b in edges] + [(b, a) for a, b in edges]
    didx = {d: k for k, d in enumerate(directed)}
    n = len(names)
    pair_of, link_of = [], []
    for s, h in zip(*np.nonzero(daily), strict=True):
        if s == h:
            continue
        path = paths[int(s)][names[int(h)]]
        for a, b in pairwise(path):
            pair_of.append(int(s) * n + int(h))
            link_of.append(didx[(b, a)])  # towards the entry site
    flat = flows.reshape(HOURS, n * n)
    hourly = np.zeros((HOURS, len(directed)))
    day_gb: np.ndarray = np.zeros(len(directed))
    if pair_of:
        pair_arr, link_arr = np.array(pair_of), np.array(link_of)
        for h in range(HOURS):
            hourly[h] = np.bincount(link_arr, weights=flat[h, pair_arr], minlength=len(directed))
        day_gb = np.bincount(link_arr, weights=daily.reshape(n * n)[pair_arr], minlength=len(directed))
    frame = pd.DataFrame({
        C.SRC: [a for a, _ in directed],
        C.DST: [b for _, b in directed],
        C.KIND: [graph[a][b][C.KIND] for a, b in directed],
        C.CAPACITY_GBPS: [float(graph[a][b][C.CAPACITY_GBPS]) for a, b in directed],
    })
    frame["gb"] = day_gb
    frame["peak_gbps"] = hourly.max(axis=0, initial=0.0) / _GB_PER_HOUR_PER_GBPS
    frame["utilisation"] = frame["peak_gbps"] / frame[C.CAPACITY_GBPS]
    frame["overloaded"] = frame["utilisation"] > 1.0 + 1e-9
    return frame, hourly


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def _measure(scenario: Scenario, names: list[str], day: _Day, pairs: _Pairs, held: np.ndarray, daily: np.ndarray,
             hourly_served: np.ndarray, origin_only: np.ndarray, failed_sites: list[str],
             holdings: pd.DataFrame) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Per-site and per-tier frames and the flow totals of the summary."""
    n = len(names)

    entry_ok = pairs.region_site >= 0
    # a region that enters at an origin has no edge of its own: its bytes are never edge hits
    tier = scenario.sites.set_index(C.SITE)[C.TIER]
    own = entry_ok & np.isin(pairs.region_site, [i for i, s in enumerate(names) if tier[s] != C.ORIGIN])
    own_hit = np.zeros(pairs.gb.size, dtype=bool)
    own_hit[own] = held[pairs.region_site[own], pairs.title[own]]
    region_demand = np.bincount(day.region, weights=pairs.gb, minlength=len(day.regions))
    region_hit = np.bincount(day.region, weights=np.where(own_hit, pairs.gb, 0.0), minlength=len(day.regions))
    site_of_region = scenario.region_site()
    by_site_demand = {site_of_region[r]: region_demand[i] for i, r in enumerate(day.regions)}
    by_site_hit = {site_of_region[r]: region_hit[i] for i, r in enumerate(day.regions)}
    served = dict(zip(names, daily.sum(axis=0), strict=True))
    own_served = dict(zip(names, np.diag(daily), strict=True))
    peak_serve = dict(zip(names, hourly_served.max(axis=0) / _GB_PER_HOUR_PER_GBPS, strict=True))
    live = holdings[~holdings[C.SITE].astype(str).isin(failed_sites)]
    sizes = scenario.catalog[C.SIZE_GB].to_numpy(float)
    title_code = _codes(live[C.TITLE], title_index(scenario.catalog))
    held_gb = pd.Series(sizes[title_code], dtype=float).groupby(
        live[C.SITE].astype(str).to_numpy()).agg(["sum", "size"])

    table = scenario.sites[[C.SITE, C.TIER, C.REGION, C.SERVE_GBPS, C.DISK_GB]].copy()
    ids = table[C.SITE].tolist()
    table["failed"] = table[C.SITE].isin(failed_sites)
    table["demand_gb"] = [float(by_site_demand.get(s, 0.0)) for s in ids]
    table["edge_hit_gb"] = [float(by_site_hit.get(s, 0.0)) for s in ids]
    table["edge_byte_hit_ratio"] = [_ratio(h, d) for h, d in zip(table["edge_hit_gb"], table["demand_gb"],
                                                                  strict=True)]
    table["edge_served_gb"] = [float(own_served.get(s, 0.0)) for s in ids]
    table["served_gb"] = [float(served.get(s, 0.0)) for s in ids]
    table["peak_serve_gbps"] = [float(peak_serve.get(s, 0.0)) for s in ids]
    table["serve_utilisation"] = table["peak_serve_gbps"] / table[C.SERVE_GBPS]
    table["held_titles"] = [int(held_gb["size"].get(s, 0)) for s in ids]
    table["held_gb"] = [float(held_gb["sum"].get(s, 0.0)) for s in ids]
    table = table[[C.SITE, C.TIER, C.REGION, "failed", "demand_gb", "edge_hit_gb", "edge_byte_hit_ratio",
                   "edge_served_gb", "served_gb", "peak_serve_gbps", C.SERVE_GBPS, "serve_utilisation",
                   "held_titles", "held_gb", C.DISK_GB]]

    demand_total = float(pairs.gb.sum())
    served_total = float(daily.sum())
    edge_served = float(np.trace(daily))
    tier_of = dict(zip(scenario.sites[C.SITE], scenario.sites[C.TIER], strict=True))
    served_by_tier = {t: 0.0 for t in C.TIERS}
    for name, gb in served.items():
        served_by_tier[tier_of[name]] += float(gb)
    unserved = max(demand_total - served_total, 0.0)
    tiers = pd.DataFrame({"tier": [*C.TIERS, "unserved"], "served_gb": [*served_by_tier.values(), unserved]})
    tiers["share"] = [_ratio(v, demand_total) for v in tiers["served_gb"]]
    unreachable = sorted({day.regions[r] for r in day.region[(pairs.region_site < 0) | (pairs.first < 0)]})
    entry_demand = np.bincount(pairs.region_site[entry_ok], weights=pairs.gb[entry_ok], minlength=n)
    hit_gb = float(pairs.gb[own_hit].sum())
    summary = {
        "demand_gb": demand_total,
        "edge_byte_hit_ratio": hit_gb / demand_total if demand_total > 0 else None,
        "edge_hit_gb": hit_gb,
        "edge_served_gb": edge_served,
        "upstream_served_gb": served_total - edge_served,
        "unserved_gb": unserved,
        "backbone_gb_origin_only": float(entry_demand @ origin_only),
        "unreachable_regions": unreachable,
    }
    return summary, table, tiers


# ------------------------------------------------------------------------------------------------
# plans and the command line
# ------------------------------------------------------------------------------------------------
def plan_holdings(scenario: Scenario, plan_dir: str | Path) -> tuple[pd.DataFrame, float]:
    """What the sites hold after a nightly plan, and the GB its fill writes.

    Parameters
    ----------
    scenario : Scenario
        For title sizes.
    plan_dir : str or Path
        A dated plan directory holding ``placement.csv`` (data contract).

    Returns
    -------
    holdings : DataFrame
        ``site_id, title_id`` of the rows whose action is ``add`` or ``keep``.
    fill_gb : float
        Catalog size of the ``add`` rows.

    Raises
    ------
    InputError
        Missing file or column, an action other than add, keep and evict, an unknown site or title, or a
        site holding more than its disk (see :func:`cdn.scenario.check_plan`).
    """
    from cdn.planning import PLAN_FILE, read_plan
    from cdn.scenario import check_plan

    path = Path(plan_dir) / PLAN_FILE
    if not path.is_file():
        nights = sorted(p.parent.name for p in Path(plan_dir).glob(f"*/{PLAN_FILE}"))
        hint = (f"; it holds the plans of {', '.join(nights[:3])}{' ...' if len(nights) > 3 else ''}: pass one "
                f"night's directory, e.g. --plan {Path(plan_dir) / nights[-1]}" if nights else "")
        raise InputError(f"{path}: no {PLAN_FILE} in the plan directory {plan_dir}{hint}")
    plan = check_plan(scenario, read_plan(path), path)
    tiers = dict(zip(scenario.sites[C.SITE], scenario.sites[C.TIER], strict=True))
    plan = plan[plan[C.SITE].map(tiers) != C.ORIGIN]
    holdings = plan.loc[plan[C.ACTION].isin([C.ADD, C.KEEP]), [C.SITE, C.TITLE]].reset_index(drop=True)
    sizes = dict(zip(scenario.catalog[C.TITLE], scenario.catalog[C.SIZE_GB], strict=True))
    fill_gb = float(sum(sizes.get(t, 0.0) for t in plan.loc[plan[C.ACTION] == C.ADD, C.TITLE]))
    return holdings, fill_gb


def run_simulation(data: str | Path, plan: str | Path | None, date: str, failures: Sequence[str],
                   out: str | Path) -> Simulation:
    """Load a scenario, simulate one date's actual demand against a plan (or the scenario's placement) and write it.

    Parameters
    ----------
    data : str or Path
        Scenario directory.
    plan : str or Path, optional
        Dated plan directory ``OUT/<date>``; when None the sites hold the scenario's ``placement.csv``.
    date : str
        ``YYYY-MM-DD``, a date of the scenario's demand.
    failures : sequence of str
        Sites or links (``A-B``) to remove before routing.
    out : str or Path
        Output directory (replaced atomically).
    """
    from cdn.scenario import load_scenario

    scenario = load_scenario(data)
    day = parse_date(date)
    if not scenario.first_date <= day <= scenario.last_date:
        raise InputError(f"--date {date}: the scenario's demand runs from {scenario.first_date:%Y-%m-%d} to "
                         f"{scenario.last_date:%Y-%m-%d}")
    if plan is None:
        holdings, fill_gb = scenario.placement, 0.0
    else:
        holdings, fill_gb = plan_holdings(scenario, plan)
    demand = scenario.day(day)
    simulation = simulate_day(scenario, holdings, demand, failures=failures, fill_gb=fill_gb)
    simulation.summary["date"] = f"{day:%Y-%m-%d}"
    simulation.summary["plan"] = str(plan) if plan is not None else None
    simulation.write(out)
    return simulation


def run_cache_simulation(data: str | Path, plan: str | Path | None, date: str, mode: str,
                         out: str | Path) -> dict[str, Any]:
    """``cdn simulate --mode hybrid|reactive``: one day on edges with demand-driven caches, written to ``out``.

    Writes ``summary.json`` and ``sites.csv`` (see :func:`cdn.caches.simulate_cached_day`) atomically and
    returns the summary.
    """
    from cdn.caches import simulate_cached_day
    from cdn.planning import SUMMARY_FILE
    from cdn.scenario import load_scenario

    scenario = load_scenario(data)
    day = parse_date(date)
    if not scenario.first_date <= day <= scenario.last_date:
        raise InputError(f"--date {date}: the scenario's demand runs from {scenario.first_date:%Y-%m-%d} to "
                         f"{scenario.last_date:%Y-%m-%d}")
    holdings, fill_gb, record = None, 0.0, None
    if plan is not None:
        holdings, fill_gb = plan_holdings(scenario, plan)
        path = Path(plan) / SUMMARY_FILE
        try:
            record = json.loads(path.read_text()) if path.is_file() else None
        except json.JSONDecodeError as err:
            raise InputError(f"{path}: not valid JSON: {err}") from err
    summary, per_site = simulate_cached_day(scenario, day, mode, holdings, record, fill_gb)
    summary["plan"] = str(plan) if plan is not None else None
    with atomic_directory(out, overwrite=True, mark=True) as tmp:
        (tmp / "summary.json").write_text(dumps_json(summary))
        per_site.to_csv(tmp / "sites.csv", index=False)
    return summary


def route_served(scenario: Scenario, entry: Sequence[str], server: Sequence[str],
                 gb: Sequence[float], hour: Sequence[int] | None = None) -> dict[str, Any]:
    """Backbone GB, peak backbone Gbps and peak link utilisation of bytes served from given sites.

    For demand whose server is already known (a cache decides it request by request): each GB goes
    from ``server`` to ``entry`` along the cheapest path, in its ``hour`` when given, else spread over the
    day by the diurnal profile, with no serving caps.

    Parameters
    ----------
    scenario : Scenario
        Network and settings.
    entry, server : sequences of str
        Site where the bytes are delivered (the region's site) and site that serves them.
    gb : sequence of float
        GB per (entry, server) row.
    hour : sequence of int, optional
        Hour of the day (0-23) of each row.

    Returns
    -------
    dict
        ``backbone_gb``, ``peak_backbone_gbps``, ``peak_link_utilisation``, ``overloaded_links``.
    """
    graph = scenario.graph
    names = sorted(graph.nodes)
    pos = {s: i for i, s in enumerate(names)}
    n = len(names)
    rows = np.array([pos[s] for s in entry], dtype=np.int64)
    cols = np.array([pos[s] for s in server], dtype=np.int64)
    amount = np.asarray(gb, dtype=float)
    if hour is None:
        daily = np.zeros((n, n))
        if rows.size:
            _accumulate(daily, rows, cols, amount)
        flows: np.ndarray = diurnal_profile(float(scenario.settings["peak_hour_share"]))[:, None, None] * daily[None]
    else:
        hours = np.asarray(hour, dtype=np.int64)
        if hours.size and (hours.min() < 0 or hours.max() >= HOURS):
            raise InputError(f"route_served: hours must be 0..{HOURS - 1}")
        flows = np.bincount((hours * n + rows) * n + cols, weights=amount, minlength=HOURS * n * n).astype(
            float).reshape(HOURS, n, n)
        daily = flows.sum(axis=0)
    paths = {int(s): cheapest_paths(graph, names[int(s)]) for s in np.unique(rows)}
    links, hourly = _link_table(graph, names, paths, flows, daily)
    backbone = (links[C.KIND] != C.ACCESS).to_numpy()
    return {
        "backbone_gb": float(links.loc[backbone, "gb"].sum()),
        "peak_backbone_gbps": float(hourly[:, backbone].sum(axis=1).max(initial=0.0) / _GB_PER_HOUR_PER_GBPS),
        "peak_link_utilisation": float(links["utilisation"].max()) if len(links) else 0.0,
        "overloaded_links": [f"{a}->{b}" for a, b in zip(links.loc[links["overloaded"], C.SRC],
                                                         links.loc[links["overloaded"], C.DST], strict=True)],
    }
