"""Progress reporting: a rich display on a terminal, plain log lines otherwise.

Every step that may take more than a few seconds runs inside :func:`task` (or :func:`track` for a
loop): on a terminal a live line with a spinner, a bar and counts, the elapsed time, the time left
and the step's latest status (a solve's gap and bound); in a log (standard error not a terminal) a
line when a counted step starts, about every 10% of its count or every :data:`LOG_EVERY` seconds of
status, and when it ends. Steps nest (a replay night holds its forecast and solve): on a terminal
they share one display, in a log the inner ones are written only with ``-v``. ``cdn -q`` shows no
progress, ``cdn -v`` also every status update and the :func:`detail` lines.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Task as RichTask
from rich.text import Text

from placement.result import ProgressFn

T = TypeVar("T")
QUIET, NORMAL, VERBOSE = -1, 0, 1
LOG_EVERY = 30.0
"""Seconds between two plain status lines of a step (every update with ``-v``)."""
_console = Console(stderr=True, highlight=False)
_state = {"verbosity": NORMAL, "depth": 0}
_live: list[Progress] = []


def set_verbosity(level: int) -> None:
    """Set how much is shown: :data:`QUIET` (no progress), :data:`NORMAL` or :data:`VERBOSE`."""
    _state["verbosity"] = level


def verbosity() -> int:
    """The current verbosity (see :func:`set_verbosity`)."""
    return _state["verbosity"]


def log(message: str) -> None:
    """Write one status line to standard error (above a live display, if one is drawn)."""
    _console.print(message, highlight=False, soft_wrap=True, markup=False)


def detail(message: str) -> None:
    """Write a line only with ``-v``."""
    if verbosity() >= VERBOSE:
        log(message)


def warn(message: str) -> None:
    """Write ``warning: message`` to standard error, whatever the verbosity."""
    log(f"warning: {message}")


def _clock(seconds: float) -> str:
    seconds = max(round(seconds), 0)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


class _Counts(ProgressColumn):
    """``done/total`` for counted steps, nothing for the others."""

    def render(self, task: RichTask) -> Text:
        return Text(f"{int(task.completed)}/{int(task.total or 0)}" if task.fields.get("counted") else "")


class _Left(ProgressColumn):
    """Time left of a counted step (from its pace) or the step's own estimate; blank when unknown."""

    def render(self, task: RichTask) -> Text:
        until = task.fields.get("until")
        left = None if until is None else max(until - time.monotonic(), 0.0)
        if left is None and task.fields.get("counted") and task.total and task.completed > 0:
            since = task.fields.get("since")  # when the counts began (a library's work may follow a setup)
            spent = time.monotonic() - since if since is not None else task.elapsed
            left = spent * (task.total - task.completed) / task.completed if spent else None
        return Text("" if left is None or task.finished else f"{task.fields.get('left_word', 'left')} "
                    f"{_clock(left)}")


class Task:
    """A running step: advance its count and set its status line (see :func:`task`)."""

    def __init__(self, description: str, total: int | None) -> None:
        self.description, self.total = description, total
        self.done = 0
        self.status = ""
        self.began = time.monotonic()
        self._logged_at = self.began
        self._step = max(1, math.ceil((total or 0) / 10))
        self._since = self.began  # the pace of the counts is measured from here
        self.nested = False  # inside another step: in a log, its lines are written only with -v
        self._bar: tuple[Progress, TaskID] | None = None

    def advance(self, status: str | None = None, n: int = 1) -> None:
        """Count ``n`` more items done, optionally with a new status."""
        self.done += n
        if status is not None:
            self.status = status
        if self._bar is not None:
            bar, tid = self._bar
            bar.update(tid, advance=n, status=self.status)
        else:
            self._counted(self.done - n)

    def count(self, done: int, total: int) -> None:
        """Set the count to ``done`` of ``total`` items (both may grow): a library's ``(done, total)`` progress
        callback, such as :data:`forecasting.progress.ProgressFn`."""
        if self.total is None:  # the first count: time left is paced from here, not from the step's start
            self._since = time.monotonic()
        before, self.done, self.total = self.done, done, total
        self._step = max(1, math.ceil(total / 10))
        if self._bar is not None:
            bar, tid = self._bar
            bar.update(tid, total=total, completed=done, counted=True, since=self._since)
        else:
            self._counted(before)

    def _counted(self, before: int) -> None:
        """In a log: a line for every update with ``-v``, else each time the count passes a tenth of the total
        at most every :data:`QUICK_SECONDS` (a step of a moment has its start and end lines only)."""
        if verbosity() >= VERBOSE:
            self._line(f"{self.done}/{self.total or '?'}" + (f" {self.status}" if self.status else ""))
        elif (verbosity() >= NORMAL and not self.nested and self.total and self.done < self.total
              and self.done // self._step > before // self._step
              and time.monotonic() - self._logged_at >= QUICK_SECONDS):
            self._line(f"{self.done}/{self.total} ({self._elapsed()}, left {_clock(self._left() or 0)})")

    def update(self, status: str, left: float | None = None) -> None:
        """Set the status text (and optionally an estimate of the seconds left, shown as "at most")."""
        self.status = status
        if self._bar is not None:
            bar, tid = self._bar
            bar.update(tid, status=status, until=None if left is None else time.monotonic() + left,
                       left_word="left" if left is None else "at most")
            return
        now = time.monotonic()
        if verbosity() >= VERBOSE or (verbosity() >= NORMAL and not self.nested and now - self._logged_at >= LOG_EVERY):
            self._line(f"{status} ({self._elapsed()})")

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.began:.1f}s"

    def _left(self) -> float | None:
        if not self.total or not self.done:
            return None
        return (time.monotonic() - self._since) * (self.total - self.done) / self.done

    def _line(self, text: str) -> None:
        self._logged_at = time.monotonic()
        log(f"{self.description}: {text}")


def _columns() -> tuple[ProgressColumn, ...]:
    return (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=24), _Counts(),
            TimeElapsedColumn(), _Left(), TextColumn("{task.fields[status]}"))


QUICK_SECONDS = 2.0
"""A step opened without a total that ends sooner logs nothing when standard error is not a terminal (but with -v)."""


@contextmanager
def task(description: str, total: int | None = None) -> Iterator[Task]:
    """Show a step while the ``with`` block runs.

    Parameters
    ----------
    description : str
        What the step does ("forecast 2024-04-30").
    total : int, optional
        Number of items, when the step counts them (:meth:`Task.advance`); else a spinner and the status.
    """
    step = Task(description, total)
    depth = _state["depth"]
    if verbosity() >= NORMAL and _console.is_terminal:
        outer = not _live
        if outer:
            # output to a piped stdout stays there; on a terminal it is printed above the display
            _live.append(Progress(*_columns(), console=_console, transient=False, redirect_stdout=sys.stdout.isatty()))
            _live[0].start()
        bar = _live[0]
        tid = bar.add_task(description, total=total, status="", until=None, counted=total is not None)
        step._bar = (bar, tid)
        try:
            yield step
        finally:
            bar.update(tid, total=step.total or 1, completed=step.total or 1, until=None)
            if outer:
                bar.stop()
                _live.clear()
            else:
                bar.remove_task(tid)
        return
    shown = verbosity() >= (NORMAL if depth == 0 else VERBOSE)  # in a log, nested steps only with -v
    step.nested = depth > 0
    if shown and (total is not None or verbosity() >= VERBOSE):  # a step without counts: its end line suffices
        log(f"{description}: 0/{total}" if total is not None else f"{description} ...")
    _state["depth"] = depth + 1
    try:
        yield step
    finally:
        _state["depth"] = depth
    quick = time.monotonic() - step.began < QUICK_SECONDS and total is None
    if shown and (not quick or verbosity() >= VERBOSE):  # a log keeps quiet about a step of a moment
        counts = f"{step.done}/{step.done} " if step.total is not None else ""
        log(f"{description}: {counts}done in {step._elapsed()}" + (f" ({step.status})" if step.status else ""))


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate over ``items`` inside a counted :func:`task`.

    Parameters
    ----------
    items : iterable
        What to iterate over.
    description : str
        What the step does ("replay nights").
    total : int, optional
        Number of items when ``items`` has no ``len``.
    """
    if total is None:
        total = len(items) if hasattr(items, "__len__") else None  # type: ignore[arg-type]
    with task(description, total) as step:
        for item in items:
            yield item
            step.advance()


PHASES = {"greedy": "greedy start", "lagrangian": "Lagrangian decomposition", "model": "building the MILP",
          "milp": "MILP search"}
"""How each phase of :data:`placement.result.ProgressFn` is shown."""


def solve_progress(step: Task, time_limit: float | None, gap: float | None) -> ProgressFn:
    """A :data:`placement.result.ProgressFn` that shows a solve's best plan, bound and gap on ``step``.

    The cost shown is the best plan's found so far by any phase (the greedy start counts); the bound
    is the running phase's. The time left shown is an upper bound: the solve stops at ``time_limit``
    or as soon as it proves ``gap``.
    """
    began = time.monotonic()
    best = [math.inf]

    def report(phase: str, objective: float | None, bound: float | None) -> None:
        if objective is not None:
            best[0] = min(best[0], objective)
        cost = best[0] if math.isfinite(best[0]) else None
        parts = [PHASES.get(phase, phase)]
        if cost and bound is not None:
            parts.append(f"gap {100 * max(cost - bound, 0.0) / abs(cost):.2f}%"
                         + (f" (target {100 * gap:.2f}%)" if gap is not None else ""))
        if cost is not None:
            parts.append(f"cost {cost:,.0f}")
        if bound is not None:
            parts.append(f"bound {bound:,.0f}")
        left = None if time_limit is None else max(time_limit - (time.monotonic() - began), 0.0)
        step.update(", ".join(parts), left=left)

    return report
