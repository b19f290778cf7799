"""Progress of a forecast: how much of its work is done, for a progress display.

A forecaster accepts the keyword ``progress`` (a :data:`ProgressFn`, or None) and reports through a
:class:`Work`: it announces the units of work it is about to do (:meth:`Work.expect`: candidate backtests,
calibration origins, Prophet fits ...) and counts them as they finish (:meth:`Work.done`). A model with
nothing to report accepts the keyword and ignores it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

ProgressFn = Callable[[int, int], None]
"""Called with ``(done, total)`` as a forecast's work advances: units of work finished and units known so far
(a model announces each phase's units before running it). ``done`` never decreases and never exceeds
``total``; the last call has ``done == total``."""


class Work:
    """Counts a forecast's units of work and reports each change to a :data:`ProgressFn`.

    Thread-safe (candidates backtest in threads); without a callback it only counts.

    >>> calls = []
    >>> work = Work(lambda done, total: calls.append((done, total)))
    >>> work.expect(2); work.done(); work.done()
    >>> calls
    [(0, 2), (1, 2), (2, 2)]
    """

    def __init__(self, progress: ProgressFn | None = None) -> None:
        self.progress = progress
        self.finished = self.total = 0
        self._lock = threading.Lock()

    def expect(self, n: int) -> None:
        """Announce ``n`` more units of work."""
        self._move(0, n)

    def done(self, n: int = 1) -> None:
        """Count ``n`` units finished."""
        self._move(n, 0)

    def _move(self, done: int, total: int) -> None:
        if done <= 0 and total <= 0:
            return
        with self._lock:
            self.total += total
            self.finished = min(self.finished + done, self.total)
            if self.progress is not None:
                self.progress(self.finished, self.total)
