"""The global LightGBM model: it learns a shared pattern, bounded fallbacks, bad input, the contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting import boosted, forecast
from forecasting import columns as C
from forecasting.boosted import (
    MIN_DAYS,
    boosted_fit,
    boosted_forecast,
    boosted_predict,
    fit_once_point,
    lightgbm_point,
)
from forecasting.errors import ForecastError
from forecasting.models import mean7_point


def weekend_panel(n_series: int = 150, n_days: int = 56, seed: int = 0) -> np.ndarray:
    """Poisson views, levels 1 to 100, three times higher on days 5 and 6 of each week."""
    rng = np.random.default_rng(seed)
    level = np.geomspace(1.0, 100.0, n_series)[:, None]
    week = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 3.0])[np.arange(n_days) % 7]
    return rng.poisson(level * week).astype(float)


@pytest.mark.slow
def test_a_learnable_weekly_pattern_beats_the_mean_of_7() -> None:
    values = weekend_panel()
    history, actual = values[:, :-7], values[:, -7:]
    first_seen = np.zeros(len(values), dtype=int)
    yhat, fitted = boosted_forecast(history, first_seen, 7)
    assert fitted.all() and (yhat >= 0).all()
    wape = np.abs(yhat - actual).sum() / actual.sum()
    naive = np.abs(mean7_point(history, first_seen, 7) - actual).sum() / actual.sum()
    assert wape < 0.5 * naive
    np.testing.assert_array_equal(yhat, boosted_forecast(history, first_seen, 7)[0])  # seeded: reproducible


def test_a_history_shorter_than_min_days_gets_the_mean_of_7() -> None:
    values = weekend_panel(n_series=3, n_days=MIN_DAYS - 1)
    yhat, fitted = boosted_forecast(values, np.zeros(3, dtype=int), 2)
    assert not fitted.any()
    np.testing.assert_allclose(yhat, mean7_point(values, np.zeros(3, dtype=int), 2))
    assert lightgbm_point(np.zeros((0, 20)), np.zeros(0, dtype=int), 1).shape == (0, 1)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"objective": "huber"}, "unknown LightGBM objective 'huber'; valid: l1, poisson"),
    ({"horizon": 0}, "horizon must be >= 1"),
    ({"first_seen": np.zeros(2, dtype=int)}, r"values must be \(n_series, n_days\)"),
    ({"regions": np.array(["a"])}, "regions"),
])
def test_bad_inputs_raise_a_clear_error(kwargs: dict, match: str) -> None:
    args = {"values": np.ones((3, 20)), "first_seen": np.zeros(3, dtype=int), "horizon": 1, **kwargs}
    with pytest.raises(ForecastError, match=match):
        boosted_forecast(**args)


@pytest.mark.slow
def test_the_registered_model_follows_the_forecast_contract() -> None:
    values = weekend_panel(n_series=40, n_days=42)
    days = pd.date_range("2024-01-01", periods=values.shape[1])
    history = pd.DataFrame({C.DATE: np.tile(days, len(values)), C.REGION: np.repeat(["a", "b"] * 20, len(days)),
                            C.TITLE: np.repeat([f"t{i // 2}" for i in range(40)], len(days)),
                            C.VIEWS: values.reshape(-1)})
    out = forecast(history, pd.Timestamp("2024-02-12"), horizon=2, model="lightgbm")
    assert tuple(out.columns) == (*C.FORECAST_COLUMNS, *C.PROBABILISTIC_COLUMNS)
    assert len(out) == 80 and set(out[C.MODEL]) == {"lightgbm"}
    assert (out[C.YHAT_LOWER] >= 0).all()
    assert (out[C.YHAT_LOWER] <= out[C.YHAT]).all() and (out[C.YHAT] <= out[C.YHAT_UPPER]).all()


def test_a_fitted_model_forecasts_a_constant_panel_at_its_level() -> None:
    values = np.full((30, 60), 10.0)  # every series 10 views a day: the L1 model's forecast is 10
    first_seen = np.zeros(30, dtype=int)
    fit = boosted_fit(values[:, :50], first_seen)
    yhat, fitted = boosted_predict(fit, values, first_seen, 2)
    assert fitted.all()
    np.testing.assert_allclose(yhat, 10.0, rtol=1e-6)
    with pytest.raises(ForecastError, match="fitted on 30 series"):
        boosted_predict(fit, values[:3], first_seen[:3], 1)


def test_fit_once_trains_on_the_first_fit_days_and_again_only_for_a_shorter_history(
        monkeypatch: pytest.MonkeyPatch) -> None:
    trained: list[int] = []

    def spy(values: np.ndarray, *args: object, **kwargs: object) -> boosted.BoostedFit | None:
        trained.append(values.shape[1])
        return boosted_fit(values, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(boosted, "boosted_fit", spy)
    values = np.full((30, 60), 10.0)
    first_seen = np.zeros(30, dtype=int)
    point = fit_once_point(fit_days=48)
    for days in (50, 60, 48):  # the first history trains on its first 48 days; the later ones reuse that fit
        np.testing.assert_allclose(point(values[:, :days], first_seen, 1), 10.0, rtol=1e-6)
    assert trained == [48]
    point(values[:, :45], first_seen, 1)  # shorter than the fit's history: retrained on it, never on later days
    assert trained == [48, 45]
