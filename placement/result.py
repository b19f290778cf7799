"""The outcome of a placement solve: the fill plan, the holdings after it, and how good it is."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

Status = Literal["optimal", "feasible", "fallback"]
ProgressFn = Callable[[str, float | None, float | None], None]
"""Called during a solve with ``(phase, objective, bound)``: the phase (``greedy`` start, ``lagrangian``
decomposition, building the ``model``, ``milp`` search), the cost of the phase's best plan so far and its best
lower bound (None while not known)."""


@dataclass(frozen=True)
class PlacementResult:
    """A nightly plan and its figures.

    Attributes
    ----------
    plan : DataFrame
        ``site_id, title_id, action, size_gb, priority, source`` (``C.PLAN_COLUMNS``).
    holdings : DataFrame
        ``site_id, title_id`` held after the fill (storage and edge sites).
    status : {'optimal', 'feasible', 'fallback'}
        ``optimal`` within the requested gap, ``feasible`` a valid plan without that proof, ``fallback``
        the greedy plan used because the solver failed or ran out of time (``reason`` says which).
    solver : str
        Registry name of the solver that produced the plan (``greedy`` for a fallback).
    objective : float
        Expected cost of tomorrow's bytes (GB x path cost) + churn_cost x fill GB, plus the MILP's
        capacity overflow penalty when it modelled capacities.
    bound : float or None
        A valid lower bound on the objective of any plan (None when the solver gives none).
    gap : float or None
        ``(objective - bound) / objective``.
    seconds : float
        Wall time of the solve (build included).
    expected_edge_byte_hit_ratio : float
        Share of tomorrow's expected bytes whose region's own site holds the title after the fill.
    fill_gb, evict_gb : float
        GB added tonight and GB removed.
    reason : str or None
        Why the plan is a fallback or degraded (dropped forecast rows, oversized holdings...), else None.
    method : str
        How the solver worked (``greedy``, ``milp``, ``lagrangian``).
    greedy_objective : float
        Objective of the greedy plan on the same problem, for comparison.
    details : dict
        Extra figures (model size, iterations, capacity overflow).
    """

    plan: pd.DataFrame
    holdings: pd.DataFrame
    status: Status
    solver: str
    objective: float
    bound: float | None
    gap: float | None
    seconds: float
    expected_edge_byte_hit_ratio: float
    fill_gb: float
    evict_gb: float
    reason: str | None
    method: str
    greedy_objective: float
    details: dict[str, Any] = field(default_factory=dict)

    def summary(self, date: str | None = None) -> dict[str, Any]:
        """The ``summary.json`` content: the contract's keys first, then edgefill's extras.

        Floats are rounded to 6 decimals, so a rerun on the same inputs differs only in ``seconds``.
        """
        def num(value: float | None) -> float | None:
            return None if value is None or not math.isfinite(value) else round(float(value), 6)

        out: dict[str, Any] = {
            "date": date,
            "status": self.status,
            "solver": self.solver,
            "objective": num(self.objective),
            "bound": num(self.bound),
            "gap": num(self.gap),
            "expected_edge_byte_hit_ratio": num(self.expected_edge_byte_hit_ratio),
            "fill_gb": num(self.fill_gb),
            "evict_gb": num(self.evict_gb),
            "seconds": round(self.seconds, 3),
            "reason": self.reason,
            "method": self.method,
            "greedy_objective": num(self.greedy_objective),
            "adds": int((self.plan["action"] == "add").sum()),
            "keeps": int((self.plan["action"] == "keep").sum()),
            "evicts": int((self.plan["action"] == "evict").sum()),
        }
        out.update({k: (num(v) if isinstance(v, float) else v) for k, v in sorted(self.details.items())})
        return out
