"""The public ``forecast`` function: contract of its output, bad input, registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdn.scenario import load_scenario
from forecasting import MODELS, forecast
from forecasting import columns as C
from forecasting.errors import ForecastError
from forecasting.intervals import calibration_days
from forecasting.panel import build_panel

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"
FAST = ["last_value", "mean7", "snaive7", "ewma", "auto"]


@pytest.mark.parametrize("model", FAST)
def test_output_follows_the_forecast_contract(history: pd.DataFrame, model: str) -> None:
    as_of = pd.Timestamp("2024-02-20")
    out = forecast(history, as_of, horizon=3, model=model)
    assert tuple(out.columns) == (*C.FORECAST_COLUMNS, *C.PROBABILISTIC_COLUMNS)
    assert sorted(out[C.DATE].unique()) == list(pd.date_range(as_of, periods=3))
    assert (out[C.YHAT_MEAN] >= 0).all() and out[C.P_VIEWS].between(0, 1).all()
    assert not out.duplicated([C.DATE, C.REGION, C.TITLE]).any()
    assert (out[C.YHAT_LOWER] >= 0).all()
    assert (out[C.YHAT_LOWER] <= out[C.YHAT]).all() and (out[C.YHAT] <= out[C.YHAT_UPPER]).all()
    recent = history[(history[C.DATE] < as_of) & (history[C.DATE] >= as_of - pd.Timedelta(days=28))]
    expected = set(map(tuple, recent[[C.REGION, C.TITLE]].drop_duplicates().to_numpy()))
    assert set(map(tuple, out[[C.REGION, C.TITLE]].drop_duplicates().to_numpy())) >= expected


@pytest.mark.parametrize("model", FAST)
def test_rows_on_or_after_as_of_are_never_read(history: pd.DataFrame, model: str) -> None:
    as_of = pd.Timestamp("2024-02-10")
    poisoned = history.copy()
    poisoned.loc[poisoned[C.DATE] >= as_of, C.VIEWS] = 1e9
    pd.testing.assert_frame_equal(forecast(history, as_of, 2, model), forecast(poisoned, as_of, 2, model))


def test_the_callers_frame_is_not_modified(history: pd.DataFrame) -> None:
    before = history.copy()
    forecast(history, pd.Timestamp("2024-02-10"), 2)
    pd.testing.assert_frame_equal(history, before)


def test_same_seed_gives_identical_output(history: pd.DataFrame) -> None:
    a = forecast(history, pd.Timestamp("2024-02-10"), 2, seed=3)
    b = forecast(history, pd.Timestamp("2024-02-10"), 2, seed=3)
    pd.testing.assert_frame_equal(a, b)


def test_tiny_scenario_seasonal_naive_repeats_last_week() -> None:
    demand = load_scenario(TINY).demand
    out = forecast(demand, pd.Timestamp("2024-01-13"), horizon=2, model="snaive7")
    r1t1 = out[(out[C.REGION] == "r1") & (out[C.TITLE] == "t1")]
    assert r1t1[C.YHAT].tolist() == [13.0, 13.0]  # 2024-01-06 and 01-07 (weekend) had 13
    assert set(out[C.TITLE]) == {"t1", "t2", "t3", "007"}  # "007" stays text


def test_unknown_model_lists_the_valid_names(history: pd.DataFrame) -> None:
    with pytest.raises(ForecastError, match=r"unknown model 'arima'.*auto.*ewma.*snaive7"):
        forecast(history, pd.Timestamp("2024-02-10"), model="arima")
    with pytest.raises(ForecastError, match="valid models"):
        MODELS["nope"]


@pytest.mark.parametrize("horizon", [0, -1, 1.5, True])
def test_horizon_must_be_a_positive_whole_number(history: pd.DataFrame, horizon: object) -> None:
    with pytest.raises(ForecastError, match="horizon"):
        forecast(history, pd.Timestamp("2024-02-10"), horizon=horizon)  # type: ignore[arg-type]


@pytest.mark.parametrize("as_of", ["2024-01-01", "2023-12-01", "2024-02-27"])
def test_as_of_outside_the_data_is_rejected(history: pd.DataFrame, as_of: str) -> None:
    with pytest.raises(ForecastError, match=r"as_of .* is outside the data.*2024-01-02 to 2024-02-26"):
        forecast(history, pd.Timestamp(as_of))


def test_as_of_the_day_after_the_last_date_forecasts_tomorrow(history: pd.DataFrame) -> None:
    out = forecast(history, pd.Timestamp("2024-02-26"), model="ewma")
    assert out[C.DATE].unique().tolist() == [pd.Timestamp("2024-02-26")]


def test_nan_views_are_rejected_naming_the_row(history: pd.DataFrame) -> None:
    bad = history.copy()
    bad.loc[5, C.VIEWS] = np.nan
    with pytest.raises(ForecastError, match=r"1 row\(s\) with NaN.*region 'r0'"):
        forecast(bad, pd.Timestamp("2024-02-10"))


def test_negative_views_are_rejected(history: pd.DataFrame) -> None:
    bad = history.copy()
    bad.loc[0, C.VIEWS] = -1.0
    with pytest.raises(ForecastError, match="negative views"):
        forecast(bad, pd.Timestamp("2024-02-10"))


def test_missing_columns_and_text_dates_are_rejected(history: pd.DataFrame) -> None:
    with pytest.raises(ForecastError, match=r"lacks column.*views"):
        forecast(history.drop(columns=[C.VIEWS]), pd.Timestamp("2024-02-10"))
    with pytest.raises(ForecastError, match="must hold datetimes"):
        forecast(history.assign(date=history[C.DATE].dt.strftime("%Y-%m-%d")), pd.Timestamp("2024-02-10"))


@pytest.mark.parametrize("model", FAST)
def test_all_zero_history_gives_an_empty_forecast(model: str) -> None:
    days = pd.date_range("2024-01-01", periods=10)
    zeros = pd.DataFrame({C.DATE: days, C.REGION: "r1", C.TITLE: "t1", C.VIEWS: 0.0})
    out = forecast(zeros, pd.Timestamp("2024-01-11"), 2, model)
    assert out.empty and tuple(out.columns)[:len(C.FORECAST_COLUMNS)] == C.FORECAST_COLUMNS


@pytest.mark.parametrize("model", FAST)
def test_constant_history_is_forecast_as_the_constant(model: str) -> None:
    days = pd.date_range("2024-01-01", periods=30)
    flat = pd.DataFrame({C.DATE: days, C.REGION: "r1", C.TITLE: "t1", C.VIEWS: 5.0})
    out = forecast(flat, pd.Timestamp("2024-01-31"), 3, model)
    assert np.allclose(out[C.YHAT], 5.0)
    assert (out[C.YHAT_LOWER] <= 5.0).all() and (out[C.YHAT_UPPER] >= 5.0).all()


@pytest.mark.parametrize("model", [m for m in FAST if m != "mean7"])  # mean7 averages 7 days by definition
def test_a_single_day_of_history_is_carried_forward(model: str) -> None:
    one = pd.DataFrame({C.DATE: [pd.Timestamp("2024-01-01")] * 2, C.REGION: ["r1", "r2"],
                        C.TITLE: ["t1", "t1"], C.VIEWS: [4.0, 9.0]})
    out = forecast(one, pd.Timestamp("2024-01-02"), 2, model)
    assert out.groupby(C.REGION)[C.YHAT].first().to_dict() == {"r1": 4.0, "r2": 9.0}
    assert (out[C.YHAT_UPPER] > out[C.YHAT]).all()


@pytest.mark.parametrize("model", FAST)
def test_progress_counts_up_to_the_total_and_changes_nothing(history: pd.DataFrame, model: str) -> None:
    as_of = pd.Timestamp("2024-02-26")
    calls: list[tuple[int, int]] = []
    out = forecast(history, as_of, 3, model, progress=lambda done, total: calls.append((done, total)))
    pd.testing.assert_frame_equal(out, forecast(history, as_of, 3, model))
    done = [d for d, _ in calls]
    assert done == sorted(done) and all(0 <= d <= t for d, t in calls)
    total = calls[-1][1]
    assert calls[-1] == (total, total) and len({d for d in done if d > 0}) == total  # counted one by one
    panel = build_panel(history, as_of)
    calibration = len(calibration_days(len(panel.values), panel.n_days, 3))
    assert total == calibration if model != "auto" else total > calibration  # auto: its candidates' backtests too
