"""Atomic output directories: written in full beside the target, then renamed into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cdn.errors import InputError

__all__ = ["atomic_directory"]


@contextmanager
def atomic_directory(out: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory beside ``out`` that replaces ``out`` only when the block succeeds.

    Parameters
    ----------
    out : str or Path
        The directory to create.
    overwrite : bool
        Replace ``out`` when it exists and is not empty; otherwise that is an error.

    Raises
    ------
    InputError
        When ``out`` exists, is not an empty directory, and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> with atomic_directory(root / "result") as tmp:
    ...     _ = (tmp / "a.txt").write_text("done")
    >>> (root / "result" / "a.txt").read_text()
    'done'
    """
    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())) and not overwrite:
        raise InputError(f"{target} already exists and is not empty; choose a new directory or pass --overwrite")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        if target.exists():
            trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, trash / target.name)
            os.replace(tmp, target)
            shutil.rmtree(trash)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
