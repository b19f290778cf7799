"""`cdn replay` end to end from the command line on the tiny scenario: the contract's replay directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

TINY = Path(__file__).parent.parent / "data" / "tiny"
STRATEGY_KEYS = {"edge_byte_hit_ratio", "backbone_gb", "fill_gb", "peak_backbone_gbps"}


def test_replay_writes_the_contract_directory(tmp_path: Path) -> None:
    out = tmp_path / "replay"
    done = subprocess.run(
        [sys.executable, "-m", "cdn", "replay", "--data", str(TINY), "--from", "2024-01-10", "--to", "2024-01-12",
         "--model", "ewma", "--solver", "greedy", "--policy", "lru", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["from"], summary["to"]) == ("2024-01-10", "2024-01-12")
    assert {"proactive", "oracle", "lru"} <= set(summary["strategies"])
    for figures in summary["strategies"].values():
        assert set(figures) >= STRATEGY_KEYS
        assert 0.0 <= figures["edge_byte_hit_ratio"] <= 1.0
    days = pd.read_csv(out / "days.csv")
    assert STRATEGY_KEYS | {"date", "strategy"} <= set(days.columns)
    assert len(days) == 3 * len(summary["strategies"])
    proactive = days[days["strategy"] == "proactive"]
    pooled = (proactive["edge_byte_hit_ratio"] * proactive["demand_gb"]).sum() / proactive["demand_gb"].sum()
    assert abs(pooled - summary["strategies"]["proactive"]["edge_byte_hit_ratio"]) < 1e-9
    assert (out / "index.html").is_file() and (out / "hit_ratio.png").is_file()
