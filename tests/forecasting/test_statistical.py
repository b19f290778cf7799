"""statsforecast's per-series models: hand-checked forecasts, the head cap, bad input, the contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import MODELS, forecast
from forecasting import columns as C
from forecasting.errors import ForecastError
from forecasting.statistical import METHODS, POINTS, statistical_forecast

WEEK = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 70.0])


def small_history(n_series: int = 8, n_days: int = 35, seed: int = 0) -> pd.DataFrame:
    """Poisson views with a weekly cycle, levels 1 to 100, two regions (zero rows left out)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", periods=n_days)
    level = np.geomspace(1.0, 100.0, n_series)[:, None] * (1.0 + 0.5 * (days.day_of_week.to_numpy() >= 5))
    views = rng.poisson(level).astype(float)
    regions = [f"r{i % 2}" for i in range(n_series)]
    frame = pd.DataFrame({C.DATE: np.tile(days, n_series), C.REGION: np.repeat(regions, n_days),
                          C.TITLE: np.repeat([f"t{i}" for i in range(n_series)], n_days), C.VIEWS: views.reshape(-1)})
    return frame[frame[C.VIEWS] > 0].reset_index(drop=True)


@pytest.mark.parametrize("method", [m for m in METHODS if m != "croston_sba"])
def test_a_constant_series_is_forecast_as_the_constant(method: str) -> None:
    yhat, _ = statistical_forecast(method, np.full((1, 30), 5.0), np.array([0]), 3)
    assert np.allclose(yhat, 5.0)


def test_croston_sba_gives_the_hand_computed_value() -> None:
    # from the first view: demands 3, 6 -> SES(0.1) 3.3; intervals 1, 3 -> SES(0.1) 1.2; 0.95 * 3.3 / 1.2
    yhat, fitted = statistical_forecast("croston_sba", np.array([[0.0, 3.0, 0.0, 0.0, 6.0]]), np.array([1]), 2)
    assert fitted.all() and np.allclose(yhat, 0.95 * 3.3 / 1.2)
    flat, _ = statistical_forecast("croston_sba", np.full((1, 10), 5.0), np.array([0]), 1)
    assert np.allclose(flat, 0.95 * 5.0)  # the Syntetos-Boylan factor


def test_tsb_gives_the_hand_computed_value() -> None:
    # probability of demand 1, 0, 0, 1 -> SES(0.1) 0.829; demand sizes 3, 6 -> SES(0.1) 3.3
    yhat, _ = statistical_forecast("tsb", np.array([[0.0, 3.0, 0.0, 0.0, 6.0]]), np.array([1]), 1)
    assert np.allclose(yhat, 0.829 * 3.3)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["ets", "mstl"])
def test_a_weekly_pattern_is_reproduced_with_a_season_of_seven(method: str) -> None:
    values = np.tile(WEEK, 6)[None, :]
    yhat, fitted = statistical_forecast(method, values, np.array([0]), 7)
    assert fitted.all()
    np.testing.assert_allclose(yhat[0], WEEK, rtol=0.02, atol=0.2)


def test_only_the_top_series_are_fitted_the_rest_get_the_mean_of_7() -> None:
    values = np.vstack([np.r_[np.zeros(7), np.full(7, 9.0)], np.r_[np.full(7, 1.0), np.zeros(6), 7.0]])
    yhat, fitted = statistical_forecast("adida", values, np.array([7, 0]), 1, top=1)
    assert fitted.tolist() == [True, False]
    assert yhat[1, 0] == pytest.approx(1.0)  # mean of the last 7 days: one day of 7
    assert statistical_forecast("ets", values, np.array([7, 0]), 1)[1].tolist() == [False, True]  # ets: >= 14 days


def test_short_and_empty_panels_fall_back_to_the_mean_of_7() -> None:
    yhat, fitted = statistical_forecast("ets", np.array([[2.0, 4.0]]), np.array([0]), 2)
    assert not fitted.any() and np.allclose(yhat, 6.0 / 7.0)
    yhat, fitted = statistical_forecast("theta", np.zeros((0, 5)), np.zeros(0, dtype=int), 2)
    assert yhat.shape == (0, 2)


@pytest.mark.parametrize(("args", "match"), [
    (("arima", np.ones((1, 5)), np.array([0]), 1), "unknown statistical method 'arima'; valid: ets"),
    (("ets", np.ones((1, 5)), np.array([0]), 0), "horizon must be >= 1"),
    (("ets", np.ones(5), np.array([0]), 1), r"values must be \(n_series, n_days\)"),
    (("ets", np.ones((2, 5)), np.array([0]), 1), r"first_seen \(n_series,\)"),
])
def test_bad_inputs_raise_a_clear_error(args: tuple, match: str) -> None:
    with pytest.raises(ForecastError, match=match):
        statistical_forecast(*args)


def test_points_match_the_registered_models() -> None:
    assert set(POINTS) == set(METHODS) <= set(MODELS)
    values = np.array([[0.0, 3.0, 0.0, 0.0, 6.0]])
    assert np.allclose(POINTS["croston_sba"](values, np.array([1]), 1), 2.6125)


@pytest.mark.slow
@pytest.mark.parametrize("model", list(METHODS))
def test_registered_models_follow_the_forecast_contract(model: str) -> None:
    history = small_history()
    as_of = pd.Timestamp("2024-02-01")
    out = forecast(history, as_of, horizon=2, model=model)
    assert tuple(out.columns) == (*C.FORECAST_COLUMNS, *C.PROBABILISTIC_COLUMNS)
    assert len(out) == 2 * history.groupby([C.REGION, C.TITLE]).ngroups
    assert (out[C.YHAT_LOWER] >= 0).all()
    assert (out[C.YHAT_LOWER] <= out[C.YHAT]).all() and (out[C.YHAT] <= out[C.YHAT_UPPER]).all()
    assert set(out[C.MODEL]) <= {model, "mean7"} and model in set(out[C.MODEL])
