"""The one atomic writer: all or nothing, a user's files kept, partial outputs of dead runs removed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cdn.atomic import MARKER, atomic_directory, atomic_file, check_output_dir, run_tmpdir
from cdn.errors import InputError


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def test_a_failed_directory_write_rolls_back_and_keeps_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with atomic_directory(target, mark=True) as tmp:
        (tmp / "a.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(target, mark=True) as tmp:
        (tmp / "a.txt").write_text("new")
        raise RuntimeError("crash while writing")
    assert (target / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failed_file_write_rolls_back_and_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "f.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        tmp.write_text("new")
        raise RuntimeError("crash while writing")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv"]


def test_only_a_marked_or_empty_directory_is_replaced_without_overwrite(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    check_output_dir(tmp_path / "empty")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(InputError, match="holds files edgefill did not write"):
        check_output_dir(tmp_path / "mine")
    check_output_dir(tmp_path / "mine", overwrite=True)
    with atomic_directory(tmp_path / "ours", mark=True):
        pass
    assert (tmp_path / "ours" / MARKER).is_file()
    check_output_dir(tmp_path / "ours")
    with pytest.raises(InputError, match="already exists"):  # a scenario written by cdn generate is not an output
        check_output_dir(tmp_path / "ours", mark=False)


def test_partial_outputs_of_dead_processes_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = tmp_path / f".out.edgefill-{dead_pid()}-abc"
    dead.mkdir()
    live = tmp_path / f".out.edgefill-{os.getppid()}-abc"
    live.mkdir()
    other = tmp_path / ".out.keep"
    other.mkdir()
    with atomic_directory(tmp_path / "out", mark=True):
        pass
    assert not dead.exists() and live.exists() and other.exists()


def test_each_run_has_its_own_temporary_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    stale = tmp_path / f"edgefill-{dead_pid()}-xyz"
    stale.mkdir()
    with run_tmpdir() as private:
        assert os.environ["TMPDIR"] == str(private) and private.parent == tmp_path
        (private / "stan.csv").write_text("scratch")
    assert os.environ["TMPDIR"] == str(tmp_path)
    assert list(tmp_path.iterdir()) == []
