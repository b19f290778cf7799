"""The exceptions of the application: one root, a few children, each message naming what is wrong.

The libraries own theirs; :data:`USER_ERRORS` lists every class the command line reports as bad input."""

from __future__ import annotations

from dataclasses import dataclass

from forecasting.errors import ForecastError
from placement.errors import PlacementError

__all__ = ["USER_ERRORS", "EdgefillError", "ForecastError", "InputError", "PlacementError", "Problem", "ScenarioError"]


class EdgefillError(Exception):
    """Root of every error edgefill raises on purpose (bad input, impossible request)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Parameters
    ----------
    file : str
        File name inside the scenario directory (``sites.csv``).
    message : str
        What is wrong and what would be valid.
    column : str, optional
        The offending column.
    rows : tuple of int
        The first offending lines of the file (the header is line 1).
    """

    file: str
    message: str
    column: str | None = None
    rows: tuple[int, ...] = ()

    def __str__(self) -> str:
        where = self.file
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" (+{len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
            where += f" line{'s' if len(self.rows) > 1 else ''} {shown}{more}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class ScenarioError(EdgefillError):
    """A scenario directory breaks the data contract; ``problems`` lists every finding."""

    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"invalid scenario {path}: {len(problems)} problem(s)\n{lines}")


class InputError(EdgefillError):
    """A bad argument or input file outside a scenario (forecast file, plan directory, option)."""


USER_ERRORS: tuple[type[Exception], ...] = (EdgefillError, ForecastError, PlacementError)
"""What the command line turns into a message and exit status 2: the application's errors and the
libraries' (:class:`forecasting.errors.ForecastError`, :class:`placement.errors.PlacementError`)."""
