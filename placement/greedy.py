"""Greedy placement by expected saving per GB: the reference, the MILP's warm start and its fallback.

Sites are visited one after the other: first every site that is a region's own site (edge sites, by
id), ranking titles by its own region's expected bytes; then the other sites (storage, by id), ranking
titles by the expected serving cost they would save given what the sites visited before hold. Either
way the value is in serving cost saved, less the churn price of filling a title the site does not hold,
per GB; a site takes titles in that order while they fit its disk and, for titles it did not hold, its
fill budget. Held titles that are left over
stay while disk remains (lazy eviction keeps tomorrow's fill small).
"""

from __future__ import annotations

import numpy as np

from placement.problem import TOL, Compiled, fits_in


def site_order(problem: Compiled) -> list[int]:
    """Holder sites in greedy order: regions' own sites, then the others, each group by site id."""
    own = set(problem.region_site[problem.region_site >= 0].tolist())
    return sorted(range(len(problem.sites)), key=lambda s: (s not in own, problem.sites[s]))


def knapsack(
    density: np.ndarray, size: np.ndarray, held: np.ndarray, disk: float, budget: float, titles: list[str]
) -> np.ndarray:
    """Take titles by density (ties by title id) within disk and, for titles not held, the fill budget.

    Titles with density <= 0 are taken only if held, after every positive one, while disk remains.

    Returns
    -------
    ndarray of bool
        The titles taken.
    """
    take = np.zeros(len(size), dtype=bool)
    order = np.lexsort((np.asarray(titles, dtype=object).astype(str), -density))
    disk_cap = disk * (1 + TOL) + TOL
    fill_cap = budget * (1 + TOL) + TOL
    used = _take_in_order(order[density[order] > 0], size, held, disk_cap, fill_cap, take)
    _take_in_order(order[(density[order] <= 0) & held[order]], size, held, disk_cap - used, np.inf, take)
    return take


def _take_in_order(order: np.ndarray, size: np.ndarray, held: np.ndarray, disk_room: float, fill_room: float,
                   take: np.ndarray) -> float:
    """Take items in ``order`` that fit, skipping those that do not (vectorised runs); return disk used."""
    used = 0.0
    new = ~held
    while len(order):
        fits_now = (size[order] <= disk_room - used) & (held[order] | (size[order] <= fill_room))
        order = order[fits_now]  # rooms only shrink: an item that does not fit now never will
        if not len(order):
            break
        disk_sum = np.cumsum(size[order])
        fill_sum = np.cumsum(size[order] * new[order])
        ok = (disk_sum <= disk_room - used) & (fill_sum <= fill_room)
        run = len(ok) if ok.all() else int(np.argmin(ok))
        take[order[:run]] = True
        used += float(disk_sum[run - 1])
        fill_room -= float(fill_sum[run - 1])
        order = order[run + 1:]  # the item after the run does not fit: skip it
    return used


def greedy_holdings(problem: Compiled) -> np.ndarray:
    """Holdings (sites x titles, bool) chosen by the sequential greedy.

    Examples
    --------
    See tests/placement/test_greedy.py for hand-checked cases.
    """
    n_regions, n_titles = problem.demand.shape
    holdings = np.zeros((len(problem.sites), n_titles), dtype=bool)
    current = np.broadcast_to(problem.origin_cost[:, None], (n_regions, n_titles)).copy()
    own = set(problem.region_site[problem.region_site >= 0].tolist())
    for s in site_order(problem):
        rows, cols = np.nonzero(problem.cand == s)
        ranks = (cols == 0) if s in own else np.ones(len(cols), dtype=bool)  # own sites: own region's bytes only
        saving = np.zeros(n_titles)
        for r, j in zip(rows[ranks], cols[ranks], strict=True):
            saving += problem.demand[r] * np.maximum(current[r] - problem.cand_cost[r, j], 0.0)
        value = saving - problem.churn_cost * problem.size * ~problem.held[s]
        take = knapsack(value / problem.size, problem.size, problem.held[s], problem.disk[s], problem.budget[s],
                        problem.titles)
        holdings[s] = take
        for r, j in zip(rows, cols, strict=True):  # every region it may serve now gets its titles from it
            current[r] = np.where(take, np.minimum(current[r], problem.cand_cost[r, j]), current[r])
    return holdings


def keep_leftovers(problem: Compiled, holdings: np.ndarray) -> np.ndarray:
    """Holdings plus held titles that still fit each site's disk (lazy eviction), most demanded first.

    Keeping costs no fill and can only bring bytes closer, so a solver's evictions that free more disk
    than its adds use are undone for the titles that fit. Returns a new array.
    """
    out = holdings.copy()
    for s in range(len(problem.sites)):
        spare = problem.disk[s] - float(problem.size[out[s]].sum())
        extra = np.flatnonzero(problem.held[s] & ~out[s])
        if not len(extra) or spare <= 0:
            continue
        rows = np.flatnonzero((problem.cand == s).any(axis=1))
        wanted = problem.demand[rows][:, extra].sum(axis=0)
        for t in extra[np.lexsort((np.asarray([problem.titles[t] for t in extra], dtype=object).astype(str),
                                   -wanted))]:
            if fits_in(problem.size[t], spare):
                out[s, t] = True
                spare -= problem.size[t]
    return out


def site_value(problem: Compiled, matrix: np.ndarray, s: int) -> np.ndarray:
    """GB per title of ``matrix`` (regions x titles) that site ``s`` could serve: its own region's, else every
    region it is a candidate for."""
    own = np.flatnonzero(problem.region_site == s)
    rows = own if len(own) else np.flatnonzero((problem.cand == s).any(axis=1))
    return matrix[rows].sum(axis=0)


def fill_idle(problem: Compiled, holdings: np.ndarray) -> np.ndarray:
    """Holdings plus the best titles that still fit each site's free disk and fill budget: no idle disk.

    Titles are ranked per GB by the expected bytes the site could serve (``demand``), then by the weak
    evidence of ``prior`` (older history, the title elsewhere, its genre); titles with neither are left
    out. Filling disk the plan leaves empty costs no eviction and can only bring bytes closer, so it is
    applied after every solver. Returns a new array (tests/placement/test_greedy.py has hand-checked cases,
    tests/placement/test_properties.py the property on random networks).
    """
    out = holdings.copy()
    for s in site_order(problem):
        spare = problem.disk[s] - float(problem.size[out[s]].sum())
        room = problem.budget[s] - float(problem.size[out[s] & ~problem.held[s]].sum())
        if spare <= 0 or room <= 0:
            continue
        value = site_value(problem, problem.demand, s)
        prior = site_value(problem, problem.prior, s)
        scale = max(float(value.max(initial=0.0)), 1.0) / max(float(prior.max(initial=0.0)), 1e-300)
        key = np.where(value > 0, value, 0.0) + np.where(value > 0, 1.0, 1e-6) * prior * scale * 1e-3
        rest = ~out[s]
        pick = knapsack(np.where(rest, key, 0.0) / problem.size, problem.size, problem.held[s] & rest, spare, room,
                        problem.titles)
        out[s] |= pick & rest & (key > 0)
    return out


def naive_holdings(problem: Compiled) -> np.ndarray:
    """The reference plan every plan must beat: per site, titles by ``demand`` GB per GB within disk and fill budget.

    With ``demand`` the last 7 days' bytes (what ``cdn plan --solver naive`` passes), an edge ranks by its
    own region's bytes; a storage site by the bytes of the regions whose cheapest storage site it is (every
    region when none). Held titles stay while they fit. No objective, no network beyond that.
    """
    n_titles = problem.demand.shape[1]
    holdings = np.zeros((len(problem.sites), n_titles), dtype=bool)
    storage = [s for s, tier in enumerate(problem.tiers) if tier == "storage"]
    nearest: dict[int, list[int]] = {s: [] for s in storage}
    for r in range(len(problem.regions)):
        home = problem.region_site[r]
        if home < 0 or not storage:
            continue
        if problem.tiers[home] == "storage":
            nearest[home].append(r)
            continue
        row = problem.costs.loc[problem.sites[home]]
        nearest[min(storage, key=lambda s: (row[problem.sites[s]], problem.sites[s]))].append(r)
    for s in range(len(problem.sites)):
        own = np.flatnonzero(problem.region_site == s)
        rows = own if problem.tiers[s] == "edge" or len(own) else (
            nearest.get(s) or list(range(len(problem.regions))))
        value = problem.demand[rows].sum(axis=0)
        holdings[s] = knapsack(value / problem.size, problem.size, problem.held[s], problem.disk[s],
                               problem.budget[s], problem.titles)
    return holdings
