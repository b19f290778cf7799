"""Run independent fits in parallel with Dask: local cores by default, a Dask cluster when given its address."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

import dask

T = TypeVar("T")
R = TypeVar("R")

LOCAL_SCHEDULER = "threads"
"""Prophet fits spend most of their time in the Stan executable (a subprocess), so threads keep the
local cores busy without re-importing Prophet in worker processes."""


def local_workers() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def chunked(items: Sequence[T], n_chunks: int) -> list[list[T]]:
    """Split ``items`` into at most ``n_chunks`` contiguous lists of near-equal length.

    >>> chunked([1, 2, 3, 4, 5], 2)
    [[1, 2, 3], [4, 5]]
    """
    n_chunks = max(1, min(n_chunks, len(items)))
    size, extra = divmod(len(items), n_chunks)
    out, start = [], 0
    for i in range(n_chunks):
        stop = start + size + (1 if i < extra else 0)
        out.append(list(items[start:stop]))
        start = stop
    return [c for c in out if c]


def map_threads(func: Callable[[T], R], items: dict[str, T], workers: int | None = None) -> list[R]:
    """``func`` of each value of ``items`` on Dask's threaded scheduler, in order (numpy work that releases the
    GIL); ``workers`` threads (default the local cores, 1 runs them one after another here).

    Each task is named by its key, and ``pure=False`` keeps Dask from hashing the (large) arguments.

    >>> map_threads(lambda x: x * x, {"a": 2, "b": 3}, workers=2)
    [4, 9]
    """
    workers = local_workers() if workers is None else workers
    if workers <= 1 or len(items) <= 1:
        return [func(item) for item in items.values()]
    tasks = [dask.delayed(func, pure=False, name=key)(item, dask_key_name=key) for key, item in items.items()]
    return list(dask.compute(*tasks, scheduler=LOCAL_SCHEDULER, num_workers=workers))


def map_processes(func: Callable[[T], R], items: Sequence[T], workers: int | None = None) -> list[R]:
    """``func`` of each item in forked worker processes, in order: for pure-Python work that holds the GIL
    (threads would not help); ``workers`` processes (default the local cores; 1, one item, or no ``fork`` on
    this platform runs them here). ``func`` and the items must pickle.

    Workers are forked, so a caller's script is not run again in them as spawned workers would run it.

    >>> map_processes(abs, [-2, 3], workers=2)
    [2, 3]
    """
    workers = min(local_workers() if workers is None else workers, len(items))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [func(item) for item in items]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(func, items))


def map_chunks(func: Callable[[list[T]], list[R]], items: Sequence[T], scheduler: str | None = None,
               chunks_per_worker: int = 4, on_done: Callable[[int], None] | None = None) -> list[R]:
    """Apply ``func`` to chunks of ``items`` with Dask and concatenate the results in order.

    Parameters
    ----------
    func : callable
        Takes a list of items, returns one result per item. Must be picklable for a cluster.
    items : sequence
        The work.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (``tcp://host:8786``); None uses the local cores
        with Dask's threaded scheduler.
    chunks_per_worker : int
        Chunks per worker (more chunks balance uneven fits).
    on_done : callable, optional
        Called with the number of items of each chunk done (on a cluster, with all of them at the end).

    Returns
    -------
    list
        ``func``'s results for every item, in the order of ``items``.
    """
    if not items:
        return []
    if scheduler is None:
        workers = local_workers()
        run = func if on_done is None else _counted(func, on_done)
        tasks = [dask.delayed(run)(c) for c in chunked(items, workers * chunks_per_worker)]
        parts = dask.compute(*tasks, scheduler=LOCAL_SCHEDULER, num_workers=workers)
    else:
        from distributed import Client

        with Client(scheduler, set_as_default=False) as client:
            workers = max(1, sum(client.nthreads().values()))
            tasks = [dask.delayed(func)(c) for c in chunked(items, workers * chunks_per_worker)]
            parts = dask.compute(*tasks, scheduler=client.get)
        if on_done is not None:
            on_done(len(items))
    return [r for part in parts for r in part]


def _counted(func: Callable[[list[T]], list[R]], on_done: Callable[[int], None]) -> Callable[[list[T]], list[R]]:
    """``func`` calling ``on_done(len(chunk))`` after each chunk (local threads only: it is not picklable)."""
    def run(chunk: list[T]) -> list[R]:
        out = func(chunk)
        on_done(len(chunk))
        return out

    return run
