"""The placement problem: what goes in, its checks, and the dense arrays every solver works on.

A :class:`PlacementProblem` is made of frames (sites, catalog, expected demand, holdings) and the
network graph. :func:`compile_problem` checks it, drops what cannot be planned (saying why) and turns
it into a :class:`Compiled` problem: dense numpy arrays over holder sites (storage and edge), titles and
regions, plus each region's serving candidates ordered by path cost. Greedy, MILP and the Lagrangian
decomposition all read the same compiled arrays, and :func:`evaluate` scores any holdings on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from placement import columns as C
from placement.errors import PlacementError, PlacementInputError
from placement.network import cheapest_paths, path_costs

DEFAULT_CHURN_COST = 0.1
"""Default price of one GB filled tonight, in the units of link ``cost`` per GB served (see docs/placement.md)."""
DEFAULT_MAX_SOURCES = 4
"""Default number of non-origin sites a region may be served from: its own site and the cheapest others."""
OVERFLOW_PENALTY_FACTOR = 1.0
"""Default price of one GB of daily demand beyond a link or egress capacity at peak, as a multiple of
the most expensive origin path cost: one more trip from the farthest origin (see docs/placement.md)."""
HIT_WEIGHT_FACTOR = 100.0
"""Objective ``hit``: price of one expected GB its region's own edge does not serve, as a multiple of the
most expensive origin path cost (see :data:`OBJECTIVES` and docs/placement.md)."""
_GBPS_PER_GB_AT_PEAK = 8.0 / 3600.0  # one GB per hour is 8/3600 Gbps

Objective = Literal["hit", "cost"]
OBJECTIVES: tuple[Objective, ...] = ("hit", "cost")
"""``hit`` (default): first the expected bytes each region's own edge serves (the contract's measure), then
the path cost of the rest (backbone), then churn; ``cost``: path cost of every byte plus churn."""


@dataclass(frozen=True)
class PlacementProblem:
    """Everything needed to plan one night.

    Attributes
    ----------
    sites : DataFrame
        ``site_id``, ``tier``, ``region`` ("" when none), ``disk_gb``, ``serve_gbps`` and ``fill_gbps``
        (NaN = unlimited).
    catalog : DataFrame
        ``title_id``, ``size_gb``.
    demand_gb : DataFrame
        ``region``, ``title_id``, ``gb``: expected GB demanded on the plan date.
    graph : networkx.Graph
        Sites as nodes, links as edges with ``cost``, ``capacity_gbps`` and ``kind``.
    held : DataFrame
        ``site_id``, ``title_id`` held before tonight.
    fill_budget_gb : Series
        Nightly fill budget per ``site_id`` in GB (``inf`` = unlimited; missing sites are unlimited).
    peak_hour_share : float
        Share of a day's bytes in its busiest hour, for link and serving capacities.
    churn_cost : float
        Price lambda of one GB filled tonight, in link-cost units per GB.
    max_sources : int or None
        Non-origin sites (own site first, then cheapest) a region may be served from; None = all.
    overflow_penalty : float or None
        Price of one GB of daily demand over a link or egress capacity at peak; None =
        ``OVERFLOW_PENALTY_FACTOR`` x the most expensive origin path cost.
    objective : {'hit', 'cost'}
        ``hit``: every expected GB a region's own site does not serve costs ``hit_weight`` on top of its
        path cost; ``cost``: path cost only.
    hit_weight : float or None
        Price of a GB missed at the region's own site (objective ``hit``); None = ``HIT_WEIGHT_FACTOR`` x the
        most expensive origin path cost.
    prior_gb : DataFrame or None
        ``region``, ``title_id``, ``gb``: weak evidence of demand (older history, the title elsewhere, its
        genre) that only ranks titles for disk the objective would leave empty (:func:`placement.greedy.fill_idle`).
    """

    sites: pd.DataFrame
    catalog: pd.DataFrame
    demand_gb: pd.DataFrame
    graph: nx.Graph = field(repr=False)
    held: pd.DataFrame
    fill_budget_gb: pd.Series
    peak_hour_share: float = 0.08
    churn_cost: float = DEFAULT_CHURN_COST
    max_sources: int | None = DEFAULT_MAX_SOURCES
    overflow_penalty: float | None = None
    objective: Objective = "hit"
    hit_weight: float | None = None
    prior_gb: pd.DataFrame | None = None


@dataclass(frozen=True)
class Capacity:
    """A peak-hour capacity that the demand could exceed: one direction of a link, or a site's egress.

    ``uses[r, j]`` says whether bytes of region r served by its candidate column j (the last column is
    the origin) cross it; ``cap_gb`` is the daily GB whose peak hour fills it.
    """

    name: str
    cap_gb: float
    uses: np.ndarray


TOL = 1e-9
"""Relative (and absolute) tolerance of every size comparison: a title fits a room when
``size <= room * (1 + TOL) + TOL``, so sums of float sizes never make an exact fit fail."""


def fits_in(size: np.ndarray | float, room: np.ndarray | float) -> np.ndarray | bool:
    """Whether ``size`` fits ``room`` within :data:`TOL`."""
    return size <= room * (1 + TOL) + TOL


@dataclass(frozen=True)
class Compiled:
    """Dense arrays of a checked problem (S holder sites, T titles, R regions, K candidates).

    ``cand[r, j]`` is the j-th cheapest non-origin site serving region r (-1 = none) at cost
    ``cand_cost[r, j]`` (ascending, inf where none); the origin serves everything else at
    ``origin_cost[r]``. ``demand[r, t]`` is expected GB; ``held[s, t]`` what was held before tonight.
    ``capacities`` lists the link directions and egresses that tomorrow's demand could overload.
    """

    sites: list[str]
    tiers: list[str]
    titles: list[str]
    regions: list[str]
    size: np.ndarray
    disk: np.ndarray
    budget: np.ndarray
    serve_gbps: np.ndarray
    held: np.ndarray
    demand: np.ndarray
    region_site: np.ndarray
    cand: np.ndarray
    cand_cost: np.ndarray
    origin_cost: np.ndarray
    origin_of: list[str]
    costs: pd.DataFrame
    churn_cost: float
    peak_hour_share: float
    reasons: tuple[str, ...]
    capacities: tuple[Capacity, ...]
    overflow_penalty: float
    objective: Objective
    hit_weight: float
    prior: np.ndarray
    graph: nx.Graph = field(repr=False)

    @property
    def gbps_per_gb(self) -> float:
        """Peak-hour Gbps carried by one GB of daily demand."""
        return self.peak_hour_share * _GBPS_PER_GB_AT_PEAK


def _finite_nonneg(values: pd.Series, what: str) -> None:
    bad = ~np.isfinite(values.to_numpy(dtype=float)) | (values.to_numpy(dtype=float) < 0)
    if bad.any():
        raise PlacementInputError(f"{what}: value {values[bad].iloc[0]!r} is not a finite number >= 0")


def compile_problem(problem: PlacementProblem) -> Compiled:
    """Check a problem and build its dense arrays.

    Unknown titles or regions in the demand, held titles outside the catalog, held content beyond a
    site's disk and fill budgets that admit no title do not stop the plan: they are dropped or noted in
    ``reasons``. Negative or non-finite numbers and sites that cannot reach an origin raise.

    Raises
    ------
    PlacementInputError
        A number out of range (demand GB, sizes, disks, budgets, churn cost, peak share).
    PlacementError
        No origin, or a storage/edge site or region that cannot reach an origin.
    """
    sites, catalog, demand = problem.sites, problem.catalog, problem.demand_gb
    reasons: list[str] = []
    for frame, cols, what in ((sites, (C.SITE, C.TIER, C.REGION, C.DISK_GB), "sites"),
                              (catalog, (C.TITLE, C.SIZE_GB), "catalog"),
                              (demand, (C.REGION, C.TITLE, C.GB), "demand_gb"),
                              (problem.held, (C.SITE, C.TITLE), "held")):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise PlacementInputError(
                f"{what} frame lacks column(s) {', '.join(missing)}; has {', '.join(frame.columns)}"
            )
    if not 0 < problem.peak_hour_share <= 1:
        raise PlacementInputError(f"peak_hour_share = {problem.peak_hour_share!r}; expected a share in (0, 1]")
    if not (math.isfinite(problem.churn_cost) and problem.churn_cost >= 0):
        raise PlacementInputError(f"churn_cost = {problem.churn_cost!r}; expected a finite number >= 0")
    if problem.overflow_penalty is not None and not (math.isfinite(problem.overflow_penalty)
                                                     and problem.overflow_penalty >= 0):
        raise PlacementInputError(f"overflow_penalty = {problem.overflow_penalty!r}; expected a finite number >= 0")
    if problem.objective not in OBJECTIVES:
        raise PlacementInputError(f"objective = {problem.objective!r}; expected one of {', '.join(OBJECTIVES)}")
    if problem.hit_weight is not None and not (math.isfinite(problem.hit_weight) and problem.hit_weight >= 0):
        raise PlacementInputError(f"hit_weight = {problem.hit_weight!r}; expected a finite number >= 0")
    if problem.max_sources is not None and problem.max_sources < 1:
        raise PlacementInputError(f"max_sources = {problem.max_sources!r}; expected an integer >= 1 or None")
    sizes = catalog[C.SIZE_GB].astype(float)
    if not (np.isfinite(sizes) & (sizes > 0)).all():
        raise PlacementInputError(f"catalog column size_gb: value {sizes[~(sizes > 0)].iloc[0]!r} is not a number > 0")

    origins = sorted(sites.loc[sites[C.TIER] == C.ORIGIN, C.SITE].astype(str))
    if not origins:
        raise PlacementError("sites: no site has tier origin; at least one origin must hold the catalog")
    holders = sites[sites[C.TIER].isin([C.STORAGE, C.EDGE])].sort_values(C.SITE)
    site_ids = holders[C.SITE].astype(str).tolist()
    disk = holders[C.DISK_GB].astype(float).to_numpy()
    if not (np.isfinite(disk) & (disk >= 0)).all():
        raise PlacementInputError(
            f"sites column disk_gb: {disk.tolist()} must be finite numbers >= 0 for storage and edge"
        )
    budget = problem.fill_budget_gb.astype(float).reindex(site_ids).fillna(math.inf).to_numpy()
    if (budget < 0).any() or np.isnan(budget).any():
        raise PlacementInputError("fill_budget_gb: budgets must be numbers >= 0 (inf = unlimited)")
    serve = (holders[C.SERVE_GBPS].astype(float).fillna(math.inf).to_numpy()
             if C.SERVE_GBPS in holders.columns else np.full(len(site_ids), math.inf))

    costs = path_costs(problem.graph)
    missing_nodes = sorted(set(sites[C.SITE].astype(str)) - set(costs.index))
    if missing_nodes:
        raise PlacementError(f"sites {missing_nodes[:5]} are not nodes of the network graph")
    origin_cost_of_site = costs.loc[:, origins].min(axis=1)
    stranded = sorted(s for s in site_ids if not math.isfinite(origin_cost_of_site[s]))
    if stranded:
        raise PlacementError(f"sites {', '.join(stranded[:5])} cannot reach an origin through the links; "
                             "link them to an origin or drop them")

    titles = sorted(catalog[C.TITLE].astype(str).unique())
    tindex = {t: i for i, t in enumerate(titles)}
    size = catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.SIZE_GB].astype(float).reindex(titles).to_numpy()
    named = sites[sites[C.REGION].astype(str) != ""]
    region_to_site = dict(zip(named[C.REGION].astype(str), named[C.SITE].astype(str), strict=True))

    dem = _known_rows(demand, "demand", tindex, region_to_site, reasons)
    prior_rows = (None if problem.prior_gb is None
                  else _known_rows(problem.prior_gb, "prior_gb", tindex, region_to_site, reasons))
    regions = sorted(set(dem[C.REGION]) | (set() if prior_rows is None else set(prior_rows[C.REGION])))
    rindex = {r: i for i, r in enumerate(regions)}
    matrix = _matrix(dem, rindex, tindex)
    prior = np.zeros_like(matrix) if prior_rows is None else _matrix(prior_rows, rindex, tindex)

    sindex = {s: i for i, s in enumerate(site_ids)}
    held = np.zeros((len(site_ids), len(titles)), dtype=bool)
    hf = problem.held
    at_holder = hf[C.SITE].astype(str).isin(sindex)
    known = hf[C.TITLE].astype(str).isin(tindex)
    if (at_holder & ~known).any():
        reasons.append(f"{int((at_holder & ~known).sum())} held titles are not in the catalog "
                       f"(e.g. {hf.loc[at_holder & ~known, C.TITLE].iloc[0]!r}): evicted")
    hf = hf[at_holder & known]
    held[hf[C.SITE].astype(str).map(sindex).to_numpy(dtype=int),
         hf[C.TITLE].astype(str).map(tindex).to_numpy(dtype=int)] = True
    held_gb = held @ size
    for s in np.flatnonzero(held_gb > disk * (1 + 1e-9) + 1e-6):
        reasons.append(f"site {site_ids[s]} held {held_gb[s]:.1f} GB before tonight, more than its disk "
                       f"{disk[s]:.1f} GB: the plan evicts down to the disk")
    smallest = float(size.min()) if len(size) else 0.0
    for s in np.flatnonzero((budget < smallest) & (disk > 0)):
        reasons.append(f"site {site_ids[s]} fill budget {budget[s]:.1f} GB admits no title "
                       f"(smallest is {smallest:.1f} GB): it can only keep what it holds")

    k_max = len(site_ids) if problem.max_sources is None else min(problem.max_sources, len(site_ids))
    cand = np.full((len(regions), max(k_max, 1)), -1, dtype=int)
    cand_cost = np.full(cand.shape, math.inf)
    origin_cost = np.zeros(len(regions))
    origin_of: list[str] = []
    region_site = np.full(len(regions), -1, dtype=int)
    for i, region in enumerate(regions):
        home = region_to_site[region]
        row = costs.loc[home]
        reach = row[origins]
        if not np.isfinite(reach.to_numpy()).any():
            raise PlacementError(f"region {region!r}: its site {home} cannot reach an origin")
        nearest_origin = min(origins, key=lambda o: (reach[o], o))
        origin_of.append(nearest_origin)
        origin_cost[i] = reach[nearest_origin]
        if home not in sindex:  # the region enters at an origin: everything is local
            origin_cost[i] = 0.0
            continue
        region_site[i] = sindex[home]
        options = sorted((s for s in site_ids if disk[sindex[s]] > 0 and (row[s] < origin_cost[i] or s == home)),
                         key=lambda s: (row[s], s != home, s))[:k_max]
        for j, s in enumerate(options):
            cand[i, j], cand_cost[i, j] = sindex[s], row[s]
    capacities = _capacities(problem.graph, site_ids, serve, matrix.sum(axis=1), region_site, cand, origin_of,
                             problem.peak_hour_share * _GBPS_PER_GB_AT_PEAK)
    penalty = (OVERFLOW_PENALTY_FACTOR * max(float(origin_cost.max(initial=0.0)), 1.0)
               if problem.overflow_penalty is None else float(problem.overflow_penalty))
    weight = 0.0
    if problem.objective == "hit":  # a byte not served by its region's own site costs the hit weight on top
        weight = (HIT_WEIGHT_FACTOR * max(float(origin_cost.max(initial=0.0)), 1.0)
                  if problem.hit_weight is None else float(problem.hit_weight))
        away = (cand >= 0) & (cand != region_site[:, None])
        cand_cost = np.where(away, cand_cost + weight, cand_cost)
        origin_cost = np.where(region_site >= 0, origin_cost + weight, origin_cost)
    return Compiled(sites=site_ids, tiers=holders[C.TIER].astype(str).tolist(), titles=titles, regions=regions,
                    size=size, disk=disk, budget=budget, serve_gbps=serve, held=held, demand=matrix,
                    region_site=region_site, cand=cand, cand_cost=cand_cost, origin_cost=origin_cost,
                    origin_of=origin_of, costs=costs, churn_cost=float(problem.churn_cost),
                    peak_hour_share=float(problem.peak_hour_share), reasons=tuple(reasons),
                    capacities=capacities, overflow_penalty=penalty, objective=problem.objective,
                    hit_weight=weight, prior=prior, graph=problem.graph)


def _known_rows(frame: pd.DataFrame, what: str, tindex: dict[str, int], region_to_site: dict[str, str],
                reasons: list[str]) -> pd.DataFrame:
    """Rows of a (region, title_id, gb) frame naming known titles and regions with gb > 0 (others noted in reasons)."""
    missing = [c for c in (C.REGION, C.TITLE, C.GB) if c not in frame.columns]
    if missing:
        raise PlacementInputError(f"{what} frame lacks column(s) {', '.join(missing)}; has {', '.join(frame.columns)}")
    frame = frame.assign(**{C.REGION: frame[C.REGION].astype(str), C.TITLE: frame[C.TITLE].astype(str)})
    unknown_t = ~frame[C.TITLE].isin(tindex)
    if unknown_t.any():
        reasons.append(f"{what} names {int(unknown_t.sum())} rows of titles not in the catalog "
                       f"(e.g. {frame.loc[unknown_t, C.TITLE].iloc[0]!r}): ignored")
    unknown_r = ~frame[C.REGION].isin(region_to_site)
    if unknown_r.any():
        reasons.append(f"{what} names {int(unknown_r.sum())} rows of regions no site serves "
                       f"(e.g. {frame.loc[unknown_r, C.REGION].iloc[0]!r}): ignored")
    frame = frame[~unknown_t & ~unknown_r]
    _finite_nonneg(frame[C.GB], f"{what}_gb column gb" if what == "demand" else f"{what} column gb")
    return frame[frame[C.GB] > 0]


def _matrix(frame: pd.DataFrame, rindex: dict[str, int], tindex: dict[str, int]) -> np.ndarray:
    """Regions x titles GB of a checked (region, title_id, gb) frame."""
    out = np.zeros((len(rindex), len(tindex)))
    np.add.at(out, (frame[C.REGION].map(rindex).to_numpy(dtype=int), frame[C.TITLE].map(tindex).to_numpy(dtype=int)),
              frame[C.GB].to_numpy(dtype=float))
    return out


def _capacities(graph: nx.Graph, site_ids: list[str], serve_gbps: np.ndarray, region_gb: np.ndarray,
                region_site: np.ndarray, cand: np.ndarray, origin_of: list[str],
                gbps_per_gb: float) -> tuple[Capacity, ...]:
    """Link directions on serving paths and site egresses whose capacity the whole demand could exceed."""
    n_regions, n_cand = cand.shape
    uses: dict[tuple[str, str], np.ndarray] = {}
    for r in range(n_regions):
        if region_site[r] < 0:
            continue
        paths = cheapest_paths(graph, site_ids[region_site[r]])
        ends = [(j, site_ids[s]) for j, s in enumerate(cand[r]) if s >= 0] + [(n_cand, origin_of[r])]
        for j, end in ends:
            path = paths[end]
            for a, b in zip(path[1:], path[:-1], strict=True):  # bytes flow from the holder to the region
                uses.setdefault((a, b), np.zeros((n_regions, n_cand + 1), dtype=bool))[r, j] = True
    out = []
    for (a, b), used in sorted(uses.items()):
        cap_gb = float(graph[a][b][C.CAPACITY_GBPS]) / gbps_per_gb
        if region_gb[used.any(axis=1)].sum() > cap_gb:
            out.append(Capacity(name=f"link_{a}_{b}", cap_gb=cap_gb, uses=used))
    for s, site in enumerate(site_ids):
        used = np.zeros((n_regions, n_cand + 1), dtype=bool)
        used[:, :n_cand] = cand == s
        cap_gb = float(serve_gbps[s]) / gbps_per_gb
        if math.isfinite(cap_gb) and region_gb[used.any(axis=1)].sum() > cap_gb:
            out.append(Capacity(name=f"egress_{site}", cap_gb=cap_gb, uses=used))
    return tuple(out)


@dataclass(frozen=True)
class Evaluation:
    """Expected outcome of holdings on a compiled problem (cheapest candidate holder serves)."""

    objective: float
    serving_cost: float
    overflow_gb: float
    fill_gb: float
    evict_gb: float
    edge_byte_hit_ratio: float
    server: np.ndarray  # (R, T) candidate column serving each (region, title); -1 = origin


def serving_column(problem: Compiled, holdings: np.ndarray) -> np.ndarray:
    """Candidate column of the cheapest holder of each (region, title); -1 where the origin serves."""
    server = np.full(problem.demand.shape, -1, dtype=int)
    for j in range(problem.cand.shape[1]):
        sites = problem.cand[:, j]
        ok = sites >= 0
        has = np.zeros(problem.demand.shape, dtype=bool)
        has[ok] = holdings[sites[ok]]
        server[(server < 0) & has] = j
    return server


def capacity_loads(problem: Compiled, server: np.ndarray) -> np.ndarray:
    """Daily GB each capacity carries when ``server`` (see :func:`serving_column`) serves every (region, title)."""
    n_cand = problem.cand.shape[1]
    by_column = np.stack([(problem.demand * (server == j)).sum(axis=1) for j in [*range(n_cand), -1]], axis=1)
    return np.array([float(by_column[c.uses].sum()) for c in problem.capacities])


def evaluate(problem: Compiled, holdings: np.ndarray) -> Evaluation:
    """Score holdings: expected serving cost + lambda x fill GB, fill/evict GB and edge byte hit ratio.

    Overflow is the daily GB beyond each capacity at peak under that routing, priced at
    ``overflow_penalty``. A hit is a (region, title) whose region's own site holds the title (a region
    entering at an origin never hits, as in the contract's measure).

    Each (region, title) is served by the cheapest of its candidate sites that holds the title, else
    by the origin; capacities are not applied here (the MILP reports its own capacity-aware objective).
    """
    server = serving_column(problem, holdings)
    cost = np.where(server >= 0, np.take_along_axis(
        np.broadcast_to(problem.cand_cost[:, :, None], (*problem.cand.shape, problem.demand.shape[1])),
        np.maximum(server, 0)[:, None, :], axis=1)[:, 0, :], problem.origin_cost[:, None])
    serving = float((problem.demand * np.where(np.isfinite(cost), cost, 0.0)).sum())
    overflow = float(np.maximum(capacity_loads(problem, server) - [c.cap_gb for c in problem.capacities], 0.0).sum())
    fill = float(((holdings & ~problem.held) @ problem.size).sum())
    evict = float(((problem.held & ~holdings) @ problem.size).sum())
    total = float(problem.demand.sum())
    own = problem.region_site >= 0
    hits = np.zeros(problem.demand.shape, dtype=bool)
    hits[own] = holdings[problem.region_site[own]]
    edge_bytes = float((problem.demand * hits).sum())
    return Evaluation(objective=serving + problem.churn_cost * fill + problem.overflow_penalty * overflow,
                      serving_cost=serving, overflow_gb=overflow, fill_gb=fill,
                      evict_gb=evict, edge_byte_hit_ratio=edge_bytes / total if total > 0 else 0.0, server=server)
