"""The ``cdn`` command line: validate, generate, forecast, report, plan, nightly, simulate, replay.

Every command turns an :class:`~cdn.errors.EdgefillError` into a message on standard error and exit
status 2, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from cdn.errors import EdgefillError

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="cdn",
    help="edgefill: nightly pre-positioning of video titles on CDN edge sites.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
report_app = typer.Typer(help="Reports over a scenario (forecast accuracy).", no_args_is_help=True)
app.add_typer(report_app, name="report")

DataDir = Annotated[Path, typer.Option("--data", help="Scenario directory (data contract format).")]


def handles_errors(func: F) -> F:
    """Print an EdgefillError as a clear message and exit with status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EdgefillError as err:
            print(f"error: {err}", file=sys.stderr)
            raise typer.Exit(code=2) from None

    return wrapper  # type: ignore[return-value]


@app.command()
@handles_errors
def validate(data: Annotated[Path, typer.Argument(help="Scenario directory to check.")]) -> None:
    """Check a scenario directory against every rule of the data contract."""
    from cdn.scenario import load_scenario

    scenario = load_scenario(data)
    print(
        f"{data}: valid scenario: {len(scenario.catalog)} titles, {len(scenario.sites)} sites, "
        f"{len(scenario.links)} links, {len(scenario.demand)} demand rows from "
        f"{scenario.first_date:%Y-%m-%d} to {scenario.last_date:%Y-%m-%d}"
    )


def main() -> None:
    """Entry point of the ``cdn`` console script."""
    app()
