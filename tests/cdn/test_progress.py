"""Progress: plain log lines when standard error is not a terminal, a bar with counts when it is."""

from __future__ import annotations

import pytest

from cdn import progress


def test_plain_lines_at_start_every_tenth_and_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert list(progress.track(range(25), "step")) == list(range(25))
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0] == "step: 0/25"
    assert [line.split(" (")[0] for line in lines[1:-1]] == [f"step: {n}/25" for n in range(3, 25, 3)]
    assert lines[-1].startswith("step: 25/25 done in ")


def test_a_terminal_gets_a_bar_with_counts(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: True)
    assert sum(progress.track(iter(range(4)), "bar", total=4)) == 6
    assert "4/4" in capsys.readouterr().err
