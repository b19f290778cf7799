"""The README's "Use it from Python" example runs as written and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def python_example() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Use it from Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the section holds one Python example"
    return blocks[0]


@pytest.mark.slow
def test_the_python_example_runs_on_the_demo_and_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    before = listing()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(python_example(), "README.md", "exec"), {})  # the README's own example
    lines = printed.getvalue().splitlines()
    assert lines[0].startswith("Scenario('data/demo': 2,000 titles, 39 sites (1 origin, 26 storage, 12 edge), 50 links")
    status, hit, rows = lines[1].split()
    assert status == "feasible" and 0 < float(hit) < 1 and int(rows) > 0
    # the figures in the example's last comment are the ones it prints
    assert lines[2] == python_example().strip().splitlines()[-1].split("# ", 1)[1]
    assert listing() == before


def listing() -> list[Path]:
    """The repository's top level and the demo scenario: where a plan or simulation would be written."""
    return sorted([*ROOT.iterdir(), *(ROOT / "data" / "demo").rglob("*")])
