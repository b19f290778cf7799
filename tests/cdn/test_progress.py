"""Progress: plain log lines when standard error is not a terminal, a live display with counts when it is."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rich.console import Console

from cdn import progress


@pytest.fixture(autouse=True)
def normal_verbosity() -> Iterator[None]:
    progress.set_verbosity(progress.NORMAL)
    yield
    progress.set_verbosity(progress.NORMAL)


def test_plain_lines_at_start_every_tenth_and_end(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert list(progress.track(range(25), "step")) == list(range(25))
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0] == "step: 0/25" and lines[1].startswith("step: 25/25 done in ") and len(lines) == 2  # a moment
    monkeypatch.setattr(progress, "QUICK_SECONDS", 0.0)
    assert list(progress.track(range(25), "step")) == list(range(25))
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0] == "step: 0/25"
    assert [line.split(" (")[0] for line in lines[1:-1]] == [f"step: {n}/25" for n in range(3, 25, 3)]
    assert "left" in lines[1]
    assert lines[-1].startswith("step: 25/25 done in ")


def test_quiet_shows_no_progress_but_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    progress.set_verbosity(progress.QUIET)
    assert sum(progress.track(range(5), "step")) == 10
    with progress.task("solve") as step:
        step.update("gap 1%")
    progress.warn("plan of another day")
    assert capsys.readouterr().err == "warning: plan of another day\n"


def test_nested_steps_log_only_when_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    for _ in progress.track(range(2), "nights"):
        with progress.task("solve"):
            pass
        with progress.task("forecast") as step:  # counted by a library
            for done in range(0, 11):
                step.count(done, 10)
        list(progress.track(range(20), "inner"))
    err = capsys.readouterr().err
    assert "solve" not in err and "forecast" not in err and "inner" not in err
    progress.set_verbosity(progress.VERBOSE)
    for _ in progress.track(range(2), "nights"):
        with progress.task("solve") as step:
            step.update("milp, gap 0.50%")
    err = capsys.readouterr().err
    assert "solve: milp, gap 0.50%" in err and "solve: done in" in err


def test_a_solve_shows_its_gap_bound_and_the_time_at_most_left(capsys: pytest.CaptureFixture[str]) -> None:
    progress.set_verbosity(progress.VERBOSE)
    with progress.task("plan") as step:
        report = progress.solve_progress(step, time_limit=60.0, gap=0.01)
        report("greedy", 1200.0, None)
        assert step.status == "greedy start, cost 1,200"
        report("milp", 1000.0, 950.0)
        assert step.status == "MILP search, gap 5.00% (target 1.00%), cost 1,000, bound 950"
        report("greedy", 1200.0, None)
        assert step.status == "greedy start, cost 1,000"  # the best plan so far, whichever phase found it
        report("lagrangian", 990.0, 980.0)
        assert step.status == "Lagrangian decomposition, gap 1.01% (target 1.00%), cost 990, bound 980"


def test_a_terminal_gets_one_display_with_counts_and_status(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(progress, "_console", Console(file=screen, force_terminal=True, width=150))
    with progress.task("replay nights", total=3) as nights:
        for _ in range(3):
            with progress.task("plan") as step:
                step.update("milp, gap 0.40%", left=12.0)
            nights.advance()
    text = screen.getvalue()
    assert "replay nights" in text and "3/3" in text
    assert not progress._live  # the display is closed


def test_tracking_something_without_a_length(capsys: pytest.CaptureFixture[str]) -> None:
    assert list(progress.track(iter("abc"), "letters")) == ["a", "b", "c"]
    assert capsys.readouterr().err == ""  # a step of a moment without counts logs nothing
    progress.set_verbosity(progress.VERBOSE)
    list(progress.track(iter("abc"), "letters"))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "letters ..." and lines[-1].startswith("letters: done in ")


def test_a_library_count_sets_done_and_total(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    with progress.task("forecast") as step:  # no total until the library reports one
        step.count(20, 20)
    assert capsys.readouterr().err == ""  # a step of a moment logs nothing
    monkeypatch.setattr(progress, "QUICK_SECONDS", 0.0)
    with progress.task("forecast") as step:
        for done in range(0, 21, 4):
            step.count(done, 20)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split(" (")[0] for line in lines[:-1]] == [f"forecast: {n}/20" for n in (4, 8, 12, 16)]
    assert lines[-1].startswith("forecast: 20/20 done in ")
    screen = io.StringIO()
    monkeypatch.setattr(progress, "_console", Console(file=screen, force_terminal=True, width=150))
    with progress.task("forecast") as step:
        step.count(5, 40)
        step.count(40, 40)
    assert "40/40" in screen.getvalue()
