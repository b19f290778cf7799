"""Placement library: what each storage and edge site holds tomorrow, and the fill plan to get there.

Frames in, frames out: build a :class:`PlacementProblem`, call :func:`solve` with a solver name from
:data:`SOLVERS`, read the :class:`PlacementResult`. PuLP objects never leave this package.
"""

from placement.greedy import greedy_holdings
from placement.problem import DEFAULT_CHURN_COST, OBJECTIVES, Objective, PlacementProblem, compile_problem, evaluate
from placement.result import PlacementResult
from placement.solvers import SOLVERS, get_solver, solve

__all__ = [
    "DEFAULT_CHURN_COST",
    "OBJECTIVES",
    "SOLVERS",
    "Objective",
    "PlacementProblem",
    "PlacementResult",
    "compile_problem",
    "evaluate",
    "get_solver",
    "greedy_holdings",
    "solve",
]
