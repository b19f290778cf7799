"""Every command answers --help, and the listed model and solver choices are the registries' names."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

import forecasting
import placement
from cdn.cli import app

COMMANDS = [["validate"], ["generate"], ["convert-movietweetings"], ["forecast"], ["report", "accuracy"],
            ["nightly"], ["plan"], ["simulate"], ["replay"]]


def help_text(*command: str) -> str:
    done = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert done.exit_code == 0, done.output
    return re.sub(r"\s+", " ", re.sub(r"[│╭╮╰╯─]", " ", done.output))


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    assert "Usage: cdn" in help_text(*command)


def test_model_help_lists_every_registered_model() -> None:
    text = help_text("nightly")
    assert all(name in text for name in forecasting.MODELS)


def test_solver_help_lists_every_registered_solver() -> None:
    text = help_text("plan")
    assert all(name in text for name in placement.SOLVERS)
