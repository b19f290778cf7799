"""Progress reporting: a rich progress bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

T = TypeVar("T")
_console = Console(stderr=True)


def log(message: str) -> None:
    """Write one plain status line to standard error."""
    _console.print(message, highlight=False, soft_wrap=True)


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate over ``items`` while showing progress.

    On a terminal this draws a bar with counts, elapsed time and time left; otherwise it writes a
    line at the start, about every 10% and at the end, so logs of a nightly job stay readable.

    Parameters
    ----------
    items : iterable
        What to iterate over.
    description : str
        What the step does ("fitting Prophet").
    total : int, optional
        Number of items when ``items`` has no ``len``.
    """
    if total is None:
        total = len(items) if hasattr(items, "__len__") else None  # type: ignore[arg-type]
    if sys.stderr.isatty():
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
        with Progress(*columns, console=_console, transient=False) as progress:
            yield from progress.track(items, total=total, description=description)
        return
    start = time.monotonic()
    step = max(1, math.ceil((total or 0) / 10))
    done = 0
    log(f"{description}: 0/{total if total is not None else '?'}")
    for item in items:
        yield item
        done += 1
        if total and done % step == 0 and done < total:
            log(f"{description}: {done}/{total} ({time.monotonic() - start:.1f}s)")
    log(f"{description}: {done}/{done} done in {time.monotonic() - start:.1f}s")
