"""Hand-checkable placement problems built from frames (no files)."""

from __future__ import annotations

import math
import os

import pandas as pd
import pytest

from cdn import columns as C
from cdn.network import build_graph
from placement import SOLVERS, PlacementProblem

needs_cbc = pytest.mark.skipif(
    "cbc" not in SOLVERS and os.environ.get("CI") != "true",
    reason="CBC is not installed (no cbc binary on PATH; apt-get install coinor-cbc); CI installs it and runs these",
)
"""Skip a test without a ``cbc`` binary on PATH, except in CI (``CI=true``), whose ``.ci/run`` installs it: there
a missing CBC fails it."""


def line_problem(
    demand: dict[tuple[str, str], float],
    sizes: dict[str, float],
    disk: dict[str, float],
    held: list[tuple[str, str]] = (),
    budget: dict[str, float] | None = None,
    churn_cost: float = 0.0,
    link_gbps: float = 100.0,
    serve_gbps: dict[str, float] | None = None,
    peak_hour_share: float = 0.08,
    objective: str = "cost",
    prior: dict[tuple[str, str], float] | None = None,
) -> PlacementProblem:
    """Origin O --5-- storage S --1-- edges E1 (region r1) and E2 (region r2); E1 --3-- E2.

    Path costs: E1->S 1, E1->E2 2 (through S), E1->O 6. The hand-checked costs of the older tests use
    objective ``cost``; ``prior`` gives the weak evidence that ranks titles for idle disk.
    """
    sites = pd.DataFrame({
        C.SITE: ["O", "S", "E1", "E2"],
        C.TIER: [C.ORIGIN, C.STORAGE, C.EDGE, C.EDGE],
        C.REGION: ["", "", "r1", "r2"],
        C.DISK_GB: [0.0, disk.get("S", 0.0), disk.get("E1", 0.0), disk.get("E2", 0.0)],
        C.SERVE_GBPS: [(serve_gbps or {}).get(s, math.nan) for s in ("O", "S", "E1", "E2")],
        C.FILL_GBPS: [math.nan] * 4,
    })
    links = pd.DataFrame({C.SRC: ["O", "S", "S", "E1"], C.DST: ["S", "E1", "E2", "E2"],
                          C.CAPACITY_GBPS: [link_gbps] * 4, C.COST: [5.0, 1.0, 1.0, 3.0],
                          C.KIND: ["backbone", "peering", "peering", "backbone"]})
    return PlacementProblem(
        sites=sites,
        catalog=pd.DataFrame({C.TITLE: list(sizes), C.SIZE_GB: list(sizes.values())}),
        demand_gb=pd.DataFrame([(r, t, gb) for (r, t), gb in demand.items()], columns=[C.REGION, C.TITLE, C.GB]),
        graph=build_graph(sites, links),
        held=pd.DataFrame(list(held), columns=[C.SITE, C.TITLE], dtype=str),
        fill_budget_gb=pd.Series(budget or {}, dtype=float),
        peak_hour_share=peak_hour_share,
        churn_cost=churn_cost,
        objective=objective,  # type: ignore[arg-type]
        prior_gb=None if prior is None else pd.DataFrame([(r, t, gb) for (r, t), gb in prior.items()],
                                                         columns=[C.REGION, C.TITLE, C.GB]),
    )


@pytest.fixture
def make_line_problem():
    """Factory of the O-S-E1/E2 line problem."""
    return line_problem
