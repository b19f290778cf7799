"""Turn holdings into the nightly fill plan: add/keep/evict rows, fill order and fill sources."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from placement import columns as C
from placement.errors import PlacementError
from placement.problem import TOL, Compiled


def saving_per_site(problem: Compiled, holdings: np.ndarray) -> np.ndarray:
    """Expected serving cost each holder saves (sites x titles): bytes it serves x (next holder cost - its cost)."""
    n_regions, n_titles = problem.demand.shape
    first = np.full((n_regions, n_titles), -1, dtype=int)
    first_cost = np.full((n_regions, n_titles), math.inf)
    second_cost = np.broadcast_to(problem.origin_cost[:, None], (n_regions, n_titles)).copy()
    for j in range(problem.cand.shape[1]):
        sites = problem.cand[:, j]
        has = np.zeros((n_regions, n_titles), dtype=bool)
        ok = sites >= 0
        has[ok] = holdings[sites[ok]]
        cost = problem.cand_cost[:, j][:, None]
        second = has & (first >= 0) & (second_cost > cost)
        second_cost = np.where(second, cost, second_cost)
        new = has & (first < 0)
        first = np.where(new, sites[:, None], first)
        first_cost = np.where(new, cost, first_cost)
    saving = np.zeros(holdings.shape)
    served = first >= 0
    gain = np.where(served, problem.demand * (second_cost - np.where(served, first_cost, 0.0)), 0.0)
    np.add.at(saving, (first[served], np.nonzero(served)[1]), gain[served])
    return saving


def fill_plan(
    problem: Compiled, holdings: np.ndarray, source_budget_gb: pd.Series, origins: list[str]
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Write the plan rows for holdings against what was held before tonight.

    Parameters
    ----------
    problem : Compiled
        The compiled problem (``held`` is what each site held before tonight).
    holdings : ndarray of bool
        Sites x titles held after the fill.
    source_budget_gb : Series
        GB each site (origins included) may send as a fill source tonight, by ``site_id``; missing = inf.
    origins : list of str
        Origin site ids (they hold every title).

    Returns
    -------
    plan : DataFrame
        ``C.PLAN_COLUMNS``: per site adds by ``priority`` (most saving per GB first), then keeps and evicts
        by title. ``source`` of an add is the cheapest site that held the title before tonight and keeps
        it, then the cheapest origin, skipping sources whose budget is spent.
    holdings : ndarray of bool
        The holdings the plan reaches (an add without any source left is dropped).
    reasons : list of str
        Adds dropped because no source had budget left.

    Raises
    ------
    PlacementError
        If the holdings exceed a disk or a fill budget (a solver bug, never a user error).
    """
    holdings = holdings.copy()
    saving = saving_per_site(problem, holdings)
    left = {s: float(v) for s, v in source_budget_gb.astype(float).items()}
    sindex = {s: i for i, s in enumerate(problem.sites)}
    reasons: list[str] = []
    rows: list[tuple[str, str, str, float, object, str]] = []
    for s, site in enumerate(problem.sites):
        adds = np.flatnonzero(holdings[s] & ~problem.held[s])
        density = saving[s, adds] / problem.size[adds]
        order = adds[np.lexsort((np.asarray([problem.titles[t] for t in adds], dtype=object).astype(str), -density))]
        costs = dict(zip(problem.costs.columns, problem.costs.loc[site].to_numpy(), strict=True))
        peers = sorted((p for p in problem.sites if p != site and math.isfinite(costs[p])),
                       key=lambda p: (costs[p], p))
        by_cost = [*peers, *sorted(origins, key=lambda o: (costs[o], o))]
        priority = 0
        for t in order:
            size = float(problem.size[t])
            source = next((p for p in by_cost if left.get(p, math.inf) + TOL >= size
                           and (p in origins or (problem.held[sindex[p], t] and holdings[sindex[p], t]))), None)
            if source is None:
                holdings[s, t] = False
                reasons.append(f"site {site}: no source had fill capacity left for {problem.titles[t]!r}: not added")
                continue
            left[source] = left.get(source, math.inf) - size
            priority += 1
            rows.append((site, problem.titles[t], C.ADD, size, priority, source))
        for t in np.flatnonzero(holdings[s] & problem.held[s]):
            rows.append((site, problem.titles[t], C.KEEP, float(problem.size[t]), None, ""))
        for t in np.flatnonzero(~holdings[s] & problem.held[s]):
            rows.append((site, problem.titles[t], C.EVICT, float(problem.size[t]), None, ""))
    _check_fits(problem, holdings)
    plan = pd.DataFrame(rows, columns=list(C.PLAN_COLUMNS))
    plan[C.PRIORITY] = plan[C.PRIORITY].astype("Int64")
    plan[C.SITE] = plan[C.SITE].astype(str)
    plan[C.TITLE] = plan[C.TITLE].astype(str)
    return plan, holdings, reasons


def _check_fits(problem: Compiled, holdings: np.ndarray) -> None:
    """Raise if any site's holdings exceed its disk or its adds exceed its fill window."""
    used = holdings.astype(float) @ problem.size
    fill = (holdings & ~problem.held).astype(float) @ problem.size
    for s in np.flatnonzero(used > problem.disk * (1 + TOL) + 1e-6):
        raise PlacementError(f"site {problem.sites[s]}: plan holds {used[s]:.3f} GB > disk {problem.disk[s]:.3f} GB")
    for s in np.flatnonzero(fill > problem.budget * (1 + TOL) + 1e-6):
        raise PlacementError(f"site {problem.sites[s]}: plan fills {fill[s]:.3f} GB > fill window budget "
                             f"{problem.budget[s]:.3f} GB")
