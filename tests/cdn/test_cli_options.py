"""One option vocabulary: --version, -v/-q, completion, --x/--no-x flags, repeated options, units, rounded JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cdn
from cdn import progress
from cdn.cli import app

TINY = Path(__file__).parent.parent / "data" / "tiny"
ENV = {"COLUMNS": "200", "NO_COLOR": "1"}


@pytest.fixture(autouse=True)
def normal_verbosity():
    yield
    progress.set_verbosity(progress.NORMAL)


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=ENV)


def help_text(*command: str) -> str:
    done = invoke(*command, "--help")
    assert done.exit_code == 0, done.output
    return re.sub(r"\s+", " ", re.sub(r"[│╭╮╰╯─]", " ", done.output))


@pytest.mark.parametrize("command", ["", "replay", "generate", "simulate"])
def test_flags_show_no_value_type(command: str) -> None:
    text = help_text(*command.split())
    assert "<bool>" not in text and "--help -h Show this message and exit." in text
    assert "<path>" in text or "<int>" in text or not command  # options that take a value still show its type


def test_version_prints_the_package_version() -> None:
    done = invoke("--version")
    assert done.exit_code == 0 and done.output == f"edgefill {cdn.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", cdn.__version__)


def test_top_level_help_offers_verbosity_version_and_completion() -> None:
    text = help_text()
    for option in ("--verbose -v", "--quiet -q", "--version", "--install-completion", "--show-completion"):
        assert option in text, option


def test_on_off_options_are_flag_pairs() -> None:
    assert "--caches --no-caches" in help_text("replay") and "--oracle --no-oracle" in help_text("replay")
    assert "--warm-caches --empty-caches" in help_text("generate")
    assert "--overwrite --no-overwrite" in help_text("convert-movietweetings")


@pytest.mark.parametrize(("command", "option"), [("simulate", "--fail"), ("replay", "--policy"),
                                                 (("report", "accuracy"), "--models")])
def test_options_taking_several_values_say_how(command: str | tuple[str, ...], option: str) -> None:
    text = help_text(*([command] if isinstance(command, str) else command))
    assert re.search(re.escape(option) + r" .*?repeat the option or separate values with commas", text)


@pytest.mark.parametrize("command", ["forecast", "nightly", "plan", "replay", "generate", "report accuracy"])
def test_seed_means_the_same_in_every_command(command: str) -> None:
    assert "--seed <int> Random seed; the same seed gives the same output. [default: 0]" in help_text(*command.split())


@pytest.mark.parametrize("command", ["forecast", "nightly", "plan", "replay", "report accuracy"])
def test_every_forecasting_command_takes_a_scheduler(command: str) -> None:
    assert "--scheduler" in help_text(*command.split())


def test_fail_takes_repeated_and_comma_separated_values(tmp_path: Path) -> None:
    repeated = invoke("simulate", "--data", str(TINY), "--date", "2024-01-02", "--fail", "E1", "--fail", "E2",
                      "--out", str(tmp_path / "a"))
    assert repeated.exit_code == 0, repeated.output
    commas = invoke("simulate", "--data", str(TINY), "--date", "2024-01-02", "--fail", "E1,E2",
                    "--out", str(tmp_path / "b"))
    assert commas.exit_code == 0, commas.output
    for name in ("a", "b"):
        assert json.loads((tmp_path / name / "summary.json").read_text())["failures"] == ["E1", "E2"]


def test_unserved_volume_and_link_load_are_printed_in_words(tmp_path: Path) -> None:
    done = invoke("simulate", "--data", str(TINY), "--date", "2024-01-02", "--fail", "E1", "--out", str(tmp_path))
    assert done.exit_code == 0, done.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["unserved_gb"] > 0
    assert f"unserved {summary['unserved_gb']:,.1f} GB" in done.output
    assert re.search(r"busiest link at (\d+% of capacity|[\d.,]+x capacity)", done.output)


def test_summary_json_floats_are_rounded(tmp_path: Path) -> None:
    done = invoke("simulate", "--data", str(TINY), "--date", "2024-01-02", "--out", str(tmp_path))
    assert done.exit_code == 0, done.output
    text = (tmp_path / "summary.json").read_text()
    numbers = re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)
    significant = [n.split("e")[0].replace("-", "").replace(".", "").lstrip("0") for n in numbers]
    assert numbers and all(len(digits) <= 9 for digits in significant), numbers


def test_simulating_a_plan_of_another_day_warns(tmp_path: Path) -> None:
    planned = invoke("plan", "--data", str(TINY), "--date", "2024-01-12", "--out", str(tmp_path / "plans"),
                     "--model", "ewma", "--solver", "greedy")
    assert planned.exit_code == 0, planned.output
    plan = tmp_path / "plans" / "2024-01-12"
    same = invoke("simulate", "--data", str(TINY), "--date", "2024-01-12", "--plan", str(plan),
                  "--out", str(tmp_path / "same"))
    assert same.exit_code == 0 and "warning" not in same.output
    other = invoke("simulate", "--data", str(TINY), "--date", "2024-01-13", "--plan", str(plan),
                   "--out", str(tmp_path / "other"))
    assert other.exit_code == 0
    assert f"warning: --plan {plan} is the plan for 2024-01-12, not for --date 2024-01-13" in other.output


def test_quiet_hides_progress_and_verbose_shows_solve_updates(tmp_path: Path) -> None:
    args = ["plan", "--data", str(TINY), "--date", "2024-01-12", "--model", "ewma"]
    quiet = invoke("-q", *args, "--out", str(tmp_path / "q"))
    assert quiet.exit_code == 0, quiet.output
    assert "forecast 2024-01-12" not in quiet.output and "expected edge byte hit ratio" in quiet.output
    normal = invoke(*args, "--out", str(tmp_path / "n"))  # steps of a moment log nothing (progress.QUICK_SECONDS)
    assert "forecast 2024-01-12" not in normal.output and "expected edge byte hit ratio" in normal.output
    verbose = invoke("-v", *args, "--out", str(tmp_path / "v"))
    assert re.search(r"forecast 2024-01-12 \(ewma, 7 days\): (\d+)/\1 done in", verbose.output)  # its work counted
    assert "plan 2024-01-12 (highs): done in" in verbose.output
    assert "plan 2024-01-12 (highs): greedy start, cost" in verbose.output


def test_verbosity_flags_work_after_the_command(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from cdn.cli import main

    with pytest.raises(SystemExit) as done:
        main(["plan", "--data", str(TINY), "--date", "2024-01-12", "--model", "ewma", "--out", str(tmp_path), "-q"])
    assert done.value.code == 0
    err = capfd.readouterr().err
    assert "expected edge byte hit ratio" in err and "forecast 2024-01-12" not in err
