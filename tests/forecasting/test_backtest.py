"""Rolling-origin backtests: cutoffs, cells, labels and hit-ratio regret."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdn import columns as C
from cdn.scenario import load_scenario
from forecasting.backtest import backtest, last_cutoffs
from forecasting.errors import ForecastError

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"


def top_title_per_region(expected: pd.DataFrame) -> pd.DataFrame:
    """A one-title-per-region placement: the title with the most expected views (ties by id)."""
    ranked = expected.sort_values([C.REGION, C.VIEWS, C.TITLE], ascending=[True, False, True])
    return ranked.groupby(C.REGION).head(1)[[C.REGION, C.TITLE]]


def test_last_cutoffs_keep_every_target_day_inside_the_history() -> None:
    demand = load_scenario(TINY).demand  # 2024-01-01 .. 2024-01-14
    assert last_cutoffs(demand, 2, horizon=3) == [pd.Timestamp("2024-01-11"), pd.Timestamp("2024-01-12")]
    with pytest.raises(ForecastError, match="need history from before"):
        last_cutoffs(demand, 10, horizon=1)


def test_seasonal_naive_is_exact_on_a_weekly_pattern_and_has_no_regret() -> None:
    demand = load_scenario(TINY).demand
    demand = demand[demand[C.TITLE] != "007"]  # the launch breaks the pattern
    result = backtest(demand, [pd.Timestamp("2024-01-12"), pd.Timestamp("2024-01-13")], horizon=2,
                      models=["snaive7", "ewma"], placement=top_title_per_region)
    table = result.metrics().set_index("model")
    assert table.loc["snaive7", "wape"] == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(table.loc["snaive7", "mase"])  # the weekly pattern is exact in-sample: the scale is 0
    assert table.loc["ewma", "wape"] > 0
    assert set(result.cells["step"]) == {1, 2}
    assert (result.regret.set_index("model").loc["snaive7", "regret"] == 0).all()


def test_a_wrong_plan_costs_the_hit_ratio_it_misses() -> None:
    days = pd.date_range("2024-01-01", periods=20)
    rows = [(d, "r", "a", 10.0 if d < pd.Timestamp("2024-01-20") else 1.0) for d in days]
    rows += [(d, "r", "b", 5.0 if d < pd.Timestamp("2024-01-20") else 9.0) for d in days]
    demand = pd.DataFrame(rows, columns=[C.DATE, C.REGION, C.TITLE, C.VIEWS])
    result = backtest(demand, [pd.Timestamp("2024-01-20")], models=["ewma"], placement=top_title_per_region)
    regret = result.regret.iloc[0]
    # the forecast keeps "a" (1 view of 10), the actual demand would keep "b" (9 of 10)
    assert regret["hit_ratio"] == pytest.approx(0.1)
    assert regret["oracle_hit_ratio"] == pytest.approx(0.9)
    assert regret["regret"] == pytest.approx(0.8)


def test_cells_are_labelled_with_decile_and_launch() -> None:
    demand = load_scenario(TINY).demand
    result = backtest(demand, [pd.Timestamp("2024-01-11")], models=["snaive7"])
    labels = result.cells.drop_duplicates([C.REGION, C.TITLE]).set_index([C.REGION, C.TITLE])
    assert labels.loc[("r1", "007"), "launch"]  # first views on 2024-01-10, a day before the cutoff
    assert not labels.loc[("r1", "t1"), "launch"]
    assert labels.loc[("r1", "t1"), "decile"] >= 1


def test_the_regret_plans_from_expected_views_where_the_forecast_has_them() -> None:
    from forecasting.backtest import _regret

    # yhat (a median) says "a", yhat_mean (the mean the planner reads) says "b", which the actual demand favours
    cell = pd.DataFrame({C.REGION: "r", C.TITLE: ["a", "b", "c"], "y": [1.0, 9.0, 0.0], C.YHAT: [10.0, 5.0, 20.0],
                         C.YHAT_MEAN: [1.0, 9.0, np.nan]})
    assert _regret(cell.iloc[:2], top_title_per_region, None)["hit_ratio"] == pytest.approx(0.9)
    # a row without yhat_mean is valued at its yhat (20 views: the plan holds "c")
    assert _regret(cell, top_title_per_region, None)["hit_ratio"] == pytest.approx(0.0)
    assert _regret(cell.drop(columns=C.YHAT_MEAN).iloc[:2], top_title_per_region, None)["hit_ratio"] == \
        pytest.approx(0.1)
    # as the planner reads it: a mean far above the row's 80% interval (a bucket lifted by rare spikes) is held
    # to the interval's top, so "d" (mean 50, interval 0-0) does not displace "b"
    spiky = pd.concat([cell.iloc[:2].assign(**{C.YHAT_UPPER: [12.0, 10.0]}),
                       pd.DataFrame({C.REGION: ["r"], C.TITLE: ["d"], "y": [0.0], C.YHAT: [0.0], C.YHAT_MEAN: [50.0],
                                     C.YHAT_UPPER: [0.0]})], ignore_index=True)
    assert _regret(spiky, top_title_per_region, None)["hit_ratio"] == pytest.approx(0.9)
