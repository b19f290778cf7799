"""Prophet on the head series, fitted through Dask (locally and on a LocalCluster), logging silenced."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from cdn import columns as C
from forecasting import forecast
from forecasting.prophet_model import ProphetForecaster

pytestmark = pytest.mark.slow


def test_prophet_fits_the_top_series_and_gives_the_tail_ewma(weekly, caplog: pytest.LogCaptureFixture,
                                                              capfd: pytest.CaptureFixture[str]) -> None:
    history = weekly({"big": 200.0, "mid": 50.0, "small": 2.0}, days=42)
    as_of = pd.Timestamp("2024-02-12")
    with caplog.at_level(logging.INFO):
        out = ProphetForecaster(top=2).fit(history, as_of).predict(7)
    assert dict(out.groupby(C.TITLE)[C.MODEL].first()) == {"big": "prophet", "mid": "prophet", "small": "ewma"}
    big = out[out[C.TITLE] == "big"]
    # weekly seasonality: the weekend (Sat 17, Sun 18 Feb) is forecast higher than midweek
    weekend = big[big[C.DATE].dt.day_of_week >= 5][C.YHAT].mean()
    midweek = big[big[C.DATE].dt.day_of_week < 4][C.YHAT].mean()
    assert weekend > 1.2 * midweek
    assert (big[C.YHAT_LOWER] < big[C.YHAT]).all() and (big[C.YHAT] < big[C.YHAT_UPPER]).all()
    assert not [r for r in caplog.records if r.name.startswith(("cmdstanpy", "prophet"))]
    assert "cmdstanpy" not in capfd.readouterr().err


def test_same_seed_same_prophet_intervals_and_a_local_cluster_gives_the_same_forecast(weekly) -> None:
    from distributed import LocalCluster

    history = weekly({"a": 80.0, "b": 30.0}, days=35)
    as_of = pd.Timestamp("2024-02-05")
    local = forecast(history, as_of, 3, "prophet", seed=1)
    calls: list[tuple[int, int]] = []
    again = forecast(history, as_of, 3, "prophet", seed=1, progress=lambda done, total: calls.append((done, total)))
    pd.testing.assert_frame_equal(local, again)  # the same with a progress callback
    assert calls[-1] == (calls[-1][1], calls[-1][1]) and calls[-1][1] > 2  # calibration origins and 2 fits
    remote_calls: list[tuple[int, int]] = []
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        remote = forecast(history, as_of, 3, "prophet", seed=1, scheduler=cluster.scheduler_address,
                          progress=lambda done, total: remote_calls.append((done, total)))
    pd.testing.assert_frame_equal(local, remote)
    assert remote_calls[-1] == calls[-1]
    assert (local[C.MODEL] == "prophet").all()


def test_prophet_handles_constant_and_two_day_series() -> None:
    days = pd.date_range("2024-01-01", periods=30)
    flat = pd.DataFrame({C.DATE: days, C.REGION: "r", C.TITLE: "flat", C.VIEWS: 7.0})
    short = pd.DataFrame({C.DATE: days[-2:], C.REGION: "r", C.TITLE: "short", C.VIEWS: [3.0, 5.0]})
    out = forecast(pd.concat([flat, short]), pd.Timestamp("2024-01-31"), 2, "prophet")
    by = out.set_index([C.TITLE, C.DATE])
    assert np.allclose(by.loc["flat", C.YHAT], 7.0, atol=0.5)
    assert (by.loc["short", C.YHAT] >= 0).all()


def test_auto_switches_to_prophet_where_it_backtests_better() -> None:
    from forecasting.auto import Auto

    # a steady linear trend plus a weekly cycle (additive, Prophet's default): Prophet extrapolates it exactly,
    # the smoothers lag behind
    dates = pd.date_range("2024-01-01", periods=70)
    weekly = 300.0 * np.array([-0.2, -0.2, -0.1, 0.0, 0.1, 0.6, 0.5])[dates.day_of_week]
    trend = 200.0 + 20.0 * np.arange(70)
    history = pd.concat([pd.DataFrame({C.DATE: dates, C.REGION: "r", C.TITLE: t, C.VIEWS: k * (trend + weekly)})
                         for t, k in (("a", 1.0), ("b", 0.5), ("c", 0.25))], ignore_index=True)
    as_of = pd.Timestamp("2024-03-11")  # a Monday
    model = Auto(prophet_head=2, prophet_origins=1).fit(history, as_of)
    out = model.predict(2)
    assert model.choice_ is not None and model.choice_.head_prophet
    assert set(out.loc[out[C.TITLE] == "a", C.MODEL]) == {"auto:prophet"}
    expected = 200.0 + 20.0 * 70 - 60.0
    a = out[(out[C.TITLE] == "a") & (out[C.DATE] == as_of)][C.YHAT].iloc[0]
    assert abs(a - expected) / expected < 0.02
