"""Multi-day replay on the tiny scenario: the contract's files, agreement with simulate_day and the caches."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cdn.caches import replay_caches
from cdn.errors import InputError
from cdn.replay import DAY_COLUMNS, replay
from cdn.scenario import load_scenario
from cdn.simulate import plan_holdings, simulate_day

pytestmark = pytest.mark.slow  # forecasts and plans three nights twice, and the cache replay

TINY = Path(__file__).parents[1] / "data" / "tiny"
DATES = ["2024-01-09", "2024-01-10", "2024-01-11"]


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY)


@pytest.fixture(scope="module")
def replayed(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("replay") / "out"
    result = replay(tiny, DATES[0], DATES[-1], out, model="snaive7", solver="greedy", policies=["lru", "lfu"])
    return out, result


def test_writes_the_contract_summary_and_one_row_per_date_and_strategy(replayed):
    out, result = replayed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["from"] == DATES[0] and summary["to"] == DATES[-1]
    assert list(summary["strategies"]) == ["proactive", "hybrid", "naive", "lru", "lfu", "oracle"]
    for values in summary["strategies"].values():
        assert {"edge_byte_hit_ratio", "backbone_gb", "fill_gb", "peak_backbone_gbps"} <= set(values)
        assert 0.0 <= values["edge_byte_hit_ratio"] <= 1.0
    days = pd.read_csv(out / "days.csv", dtype={"date": str})
    assert tuple(days.columns) == DAY_COLUMNS
    assert len(days) == len(DATES) * 6 and not days.duplicated(["date", "strategy"]).any()
    assert sorted(days["date"].unique()) == DATES
    for name, values in summary["strategies"].items():
        rows = days[days["strategy"] == name]
        assert values["edge_byte_hit_ratio"] == pytest.approx(rows["hit_gb"].sum() / rows["demand_gb"].sum())
        assert values["backbone_gb"] == pytest.approx(rows["backbone_gb"].sum())
        assert values["peak_backbone_gbps"] == pytest.approx(rows["peak_backbone_gbps"].max())
    for name in ("hit_ratio.png", "backbone.png", "peak_backbone.png", "hit_vs_writes.png", "index.html"):
        assert (out / name).stat().st_size > 1000
    assert summary == result.summary


def test_proactive_days_agree_with_simulating_the_written_plans(tiny, replayed):
    out, result = replayed
    for strategy in ("proactive", "naive", "oracle"):
        for date in DATES:
            holdings, fill = plan_holdings(tiny, out / "plans" / strategy / date)
            sim = simulate_day(tiny, holdings, tiny.day(pd.Timestamp(date)), fill_gb=fill).summary
            row = result.days[(result.days["date"] == date) & (result.days["strategy"] == strategy)].iloc[0]
            assert row["edge_byte_hit_ratio"] == pytest.approx(sim["edge_byte_hit_ratio"])
            assert row["backbone_gb"] == pytest.approx(sim["backbone_gb"])
            assert row["fill_gb"] == pytest.approx(fill)


def test_plans_chain_from_last_nights_placement(replayed):
    out, _ = replayed
    # the warm-up night is written apart from the reported ones
    assert not (out / "plans" / "proactive" / "2024-01-08").exists()
    first = pd.read_csv(out / "warmup" / "proactive" / "2024-01-08" / "placement.csv", dtype=str, keep_default_na=False)
    kept = first.loc[first["action"].isin(["add", "keep"]), ["site_id", "title_id"]]
    night = pd.read_csv(out / "plans" / "proactive" / DATES[0] / "placement.csv", dtype=str, keep_default_na=False)
    assert set(map(tuple, night.loc[night["action"].isin(["keep", "evict"]), ["site_id", "title_id"]].values)) <= set(
        map(tuple, kept.values))
    before = pd.read_csv(out / "plans" / "proactive" / DATES[0] / "placement.csv", dtype=str, keep_default_na=False)
    after = pd.read_csv(out / "plans" / "proactive" / DATES[1] / "placement.csv", dtype=str, keep_default_na=False)
    held = set(zip(*before.loc[before["action"].isin(["add", "keep"]), ["site_id", "title_id"]].T.values,
                   strict=True))
    touched = set(zip(*after.loc[after["action"].isin(["keep", "evict"]), ["site_id", "title_id"]].T.values,
                      strict=True))
    assert touched <= held


def test_cache_rows_are_the_cache_replay_and_oracle_beats_no_cache(tiny, replayed):
    _, result = replayed
    assert result.summary["warmup_days"] == 1  # 2024-01-08, keeping 7 days of history
    caches = replay_caches(tiny, tiny.demand, pd.Timestamp(DATES[0]), pd.Timestamp(DATES[-1]), ["lru"],
                           warmup_days=1)
    lru = result.days[result.days["strategy"] == "lru"]
    assert lru["hit_gb"].sum() == pytest.approx(caches.rows["hit_gb"].sum())
    assert lru["fill_gb"].sum() == pytest.approx(caches.rows["fill_gb"].sum())
    assert lru["on_demand_gb"].sum() == pytest.approx(caches.traffic["gb"].sum())
    assert (lru["offpeak_fill_gb"] == 0).all()
    totals = result.summary["strategies"]
    assert totals["oracle"]["backbone_gb"] <= totals["oracle"]["backbone_gb_origin_only"]


def test_by_default_proactive_plans_forecast_with_auto_and_hybrid_pins_with_ewma(tiny, tmp_path, monkeypatch):
    import cdn.forecast

    asked: list[str] = []
    real = cdn.forecast.forecast_scenario

    def recording(scenario, date, **options):
        asked.append(options["model"])
        return real(scenario, date, **options)

    monkeypatch.setattr(cdn.forecast, "forecast_scenario", recording)
    summary = replay(tiny, DATES[-1], DATES[-1], tmp_path / "default", modes=["proactive", "hybrid"],
                     oracle=False, warmup_days=0).summary
    assert sorted(asked) == ["auto", "ewma"]
    assert summary["model"] == "auto" and summary["hybrid"]["model"] == "ewma"
    asked.clear()  # a model given is every plan's
    summary = replay(tiny, DATES[-1], DATES[-1], tmp_path / "given", model="snaive7", modes=["proactive", "hybrid"],
                     oracle=False, warmup_days=0).summary
    assert asked == ["snaive7"] and summary["hybrid"]["model"] == "snaive7"


def test_bad_dates_and_policies_are_refused_before_any_work(tiny, tmp_path):
    with pytest.raises(InputError, match="starts 2024-01-01"):
        replay(tiny, "2024-01-01", "2024-01-03", tmp_path / "a", model="snaive7", solver="greedy")
    with pytest.raises(InputError, match="ends 2024-01-14"):
        replay(tiny, "2024-01-10", "2024-01-15", tmp_path / "b", model="snaive7", solver="greedy")
    with pytest.raises(InputError, match="before"):
        replay(tiny, "2024-01-10", "2024-01-09", tmp_path / "c", model="snaive7", solver="greedy")
    with pytest.raises(InputError, match="valid policies"):
        replay(tiny, "2024-01-10", "2024-01-11", tmp_path / "d", model="snaive7", solver="greedy", policies=["mru"])
    with pytest.raises(InputError, match="valid modes are proactive, hybrid, reactive"):
        replay(tiny, "2024-01-10", "2024-01-11", tmp_path / "e", model="snaive7", modes=["push"])
    with pytest.raises(InputError, match=r"--pinned-share 2.0: expected a share in \[0, 1\]"):
        replay(tiny, "2024-01-10", "2024-01-11", tmp_path / "f", model="snaive7", pinned_share=2.0)
    with pytest.raises(InputError, match="--request-budget 0"):
        replay(tiny, "2024-01-10", "2024-01-11", tmp_path / "g", model="snaive7", budget=0)
    assert not any(tmp_path.iterdir())


def test_cli_exits_2_on_a_bad_date(tmp_path):
    done = subprocess.run([sys.executable, "-m", "cdn", "replay", "--data", str(TINY), "--from", "2024-02-30",
                           "--to", "2024-03-01", "--out", str(tmp_path / "r")], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2 and "'2024-02-30' is not a YYYY-MM-DD date" in done.stderr
    assert "Traceback" not in done.stderr
