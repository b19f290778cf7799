"""Atomic outputs: every file and directory edgefill writes is written in full beside its target, then renamed.

One writer for directories (:func:`atomic_directory`) and one for files (:func:`atomic_file`). Each
partial output is named ``.<name>.edgefill-<pid>-<random>`` beside its target, so a run killed while
writing (even by SIGKILL) leaves nothing in the target's place, and the next write beside it removes the
partial outputs of processes that no longer run. An output directory edgefill writes holds a
:data:`MARKER` file; only such a directory (or an empty one) is replaced without ``overwrite``, so a
user's own files are never deleted by mistake. :func:`run_tmpdir` gives each command its own temporary
directory (Prophet's and Dask's scratch files go there) and removes it, and those of dead runs.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cdn.errors import InputError

__all__ = ["MARKER", "atomic_directory", "atomic_file", "check_output_dir", "check_output_file", "discard_partial",
           "run_tmpdir", "written"]

MARKER = ".edgefill"
"""File in every output directory edgefill wrote (plans, simulations, replays, reports)."""
_PARTIAL = re.compile(r"edgefill-(\d+)-")
_IN_PROGRESS: set[Path] = set()
_WRITTEN: list[Path] = []


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _clean_stale(parent: Path, pattern: str) -> None:
    """Remove partial outputs matching ``pattern`` in ``parent`` whose writing process is gone."""
    try:
        candidates = list(parent.glob(pattern))
    except OSError:
        return
    for path in candidates:
        found = _PARTIAL.search(path.name)
        if found and not _alive(int(found.group(1))):
            _remove(path)


def _partial_prefix(target: Path) -> str:
    return f".{target.name}.edgefill-{os.getpid()}-"


def _existing_ancestor(path: Path) -> Path:
    """The nearest of ``path``'s ancestors that exists; raise when it is not a directory."""
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{path}: {parent} is a file, not a directory")
            return parent
    return Path("/")


def _check_writable(path: Path, option: str) -> None:
    """Raise unless the output ``path`` can be created or replaced (its parent a writable directory)."""
    try:
        ancestor = _existing_ancestor(path)
    except InputError as err:
        raise InputError(f"{option} {err}") from None
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InputError(f"{option} {path}: cannot write into {ancestor} (permission denied); choose a writable "
                         "directory")


def check_output_file(out: str | Path, option: str = "--out") -> Path:
    """Raise unless the file ``out`` may be written: not a directory, its parent a writable directory.

    Raises
    ------
    InputError
        Naming ``option`` and the path.
    """
    target = Path(out)
    _check_writable(target, option)
    if target.is_dir():
        raise InputError(f"{option} {target} is a directory; name the file to write")
    return target


def check_output_dir(out: str | Path, overwrite: bool = False, mark: bool = True, option: str = "--out",
                     remedy: str = "pass --overwrite to replace it") -> Path:
    """Raise unless ``out`` may be written as an output directory; return it as a Path.

    ``out`` may be absent, an empty directory, or (with ``mark``) a directory edgefill wrote (it holds
    :data:`MARKER`); anything else only with ``overwrite``. Its parent must be a writable directory.
    ``remedy`` ends the message (what the user may do besides choosing another path).

    Raises
    ------
    InputError
        Naming ``option``, the path and what to do instead.

    Examples
    --------
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "notes.txt").write_text("mine")
    >>> check_output_dir(root / "notes.txt")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cdn.errors.InputError: --out ...notes.txt is a file; choose a directory that does not exist, or pass --overwrite...
    """
    target = Path(out)
    _check_writable(target, option)
    if overwrite or not (target.exists() or target.is_symlink()):
        return target
    if not target.is_dir():
        raise InputError(f"{option} {target} is a file; choose a directory that does not exist, or {remedy}")
    try:
        entries = [p.name for p in target.iterdir()]
    except PermissionError:
        raise InputError(f"{option} {target}: cannot read the directory (permission denied)") from None
    if entries and not (mark and MARKER in entries):
        shown = ", ".join(sorted(entries)[:3]) + (", ..." if len(entries) > 3 else "")
        raise InputError(f"{option} {target} already exists and holds files edgefill did not write ({shown}); "
                         f"choose a new directory, or {remedy}")
    return target


@contextmanager
def atomic_directory(out: str | Path, overwrite: bool = False, mark: bool = False) -> Iterator[Path]:
    """Yield a temporary directory beside ``out`` that replaces ``out`` only when the block succeeds.

    Parameters
    ----------
    out : str or Path
        The directory to create.
    overwrite : bool
        Replace ``out`` whatever it is; otherwise see :func:`check_output_dir`.
    mark : bool
        Write :data:`MARKER` into the directory, and replace a directory that holds one.

    Raises
    ------
    InputError
        When ``out`` may not be replaced (see :func:`check_output_dir`).

    Examples
    --------
    >>> root = Path(tempfile.mkdtemp())
    >>> with atomic_directory(root / "result") as tmp:
    ...     _ = (tmp / "a.txt").write_text("done")
    >>> (root / "result" / "a.txt").read_text()
    'done'
    """
    target = check_output_dir(out, overwrite=overwrite, mark=mark)
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(target.parent, f".{target.name}.edgefill-*")
    tmp = Path(tempfile.mkdtemp(prefix=_partial_prefix(target), dir=target.parent))
    _IN_PROGRESS.add(tmp)
    try:
        yield tmp
        if mark:
            (tmp / MARKER).write_text("written by edgefill; replaced by its next run\n")
        os.chmod(tmp, 0o755)
        if target.exists() or target.is_symlink():
            trash = Path(tempfile.mkdtemp(prefix=_partial_prefix(target), dir=target.parent))
            _IN_PROGRESS.add(trash)
            os.replace(target, trash / target.name)
            os.replace(tmp, target)
            shutil.rmtree(trash)
            _IN_PROGRESS.discard(trash)
        else:
            os.replace(tmp, target)
        _WRITTEN.append(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _IN_PROGRESS.discard(tmp)


@contextmanager
def atomic_file(out: str | Path, option: str = "--out") -> Iterator[Path]:
    """Yield a temporary file path beside ``out`` that replaces the file ``out`` only when the block succeeds.

    Raises
    ------
    InputError
        When ``out`` is a directory or its parent is not a writable directory.

    Examples
    --------
    >>> root = Path(tempfile.mkdtemp())
    >>> with atomic_file(root / "f.csv") as tmp:
    ...     _ = tmp.write_text("a\\n1\\n")
    >>> (root / "f.csv").read_text()
    'a\\n1\\n'
    """
    target = check_output_file(out, option)
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(target.parent, f".{target.name}.edgefill-*")
    fd, name = tempfile.mkstemp(prefix=_partial_prefix(target), dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    _IN_PROGRESS.add(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        _WRITTEN.append(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _IN_PROGRESS.discard(tmp)


def discard_partial() -> None:
    """Remove the partial outputs this process is writing (for an interrupt that ends it at once)."""
    for path in list(_IN_PROGRESS):
        _remove(path)
    _IN_PROGRESS.clear()


def written() -> list[Path]:
    """The outputs this process has put in place so far."""
    return list(_WRITTEN)


@contextmanager
def run_tmpdir() -> Iterator[Path]:
    """A private temporary directory for one run, set as ``TMPDIR``; removed on exit, as are those of dead runs.

    Child processes (Stan, Dask workers) inherit it, so a killed run leaves its scratch files in one
    ``edgefill-<pid>-*`` directory that the next run removes.
    """
    base = Path(tempfile.gettempdir())
    _clean_stale(base, "edgefill-*")
    path = Path(tempfile.mkdtemp(prefix=f"edgefill-{os.getpid()}-", dir=base))
    saved_env, saved_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = str(path)
    tempfile.tempdir = str(path)
    try:
        yield path
    finally:
        tempfile.tempdir = saved_tempdir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        shutil.rmtree(path, ignore_errors=True)
