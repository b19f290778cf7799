"""``auto``: per-segment choice by backtest, top-down shares, cold start from analogs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting import columns as C
from forecasting import forecast
from forecasting.auto import Auto, scaled_ewma_level
from forecasting.backtest import backtest
from forecasting.models import ewma_point


def test_auto_backtests_better_than_each_fast_baseline(history: pd.DataFrame) -> None:
    cutoffs = list(pd.date_range("2024-02-18", periods=4))
    table = backtest(history, cutoffs, horizon=2, models=["snaive7", "ewma", "auto"]).metrics().set_index("model")
    assert table.loc["auto", "wape"] < table.loc["ewma", "wape"]
    assert table.loc["auto", "wape"] < table.loc["snaive7", "wape"]


def test_auto_records_a_choice_for_every_segment(history: pd.DataFrame) -> None:
    as_of = pd.Timestamp("2024-02-20")
    model = Auto(use_prophet=False).fit(history[history[C.DATE] < as_of], as_of)
    model.predict(3)
    assert model.choice_ is not None
    assert set(model.choice_.by_segment) <= {"launch", "head", "torso", "tail"}
    assert {"head", "tail"} <= set(model.choice_.by_segment)
    assert model.choice_.wape.groupby("segment")["candidate"].nunique().min() >= 10


def test_new_release_is_forecast_from_analogs_in_every_region(history: pd.DataFrame) -> None:
    titles = sorted(history[C.TITLE].unique())
    first = history.groupby(C.TITLE)[C.DATE].min()
    catalog = pd.DataFrame({C.TITLE: [*titles, "new"], C.LANGUAGE: "en", C.GENRE: "drama",
                            C.RELEASE_DATE: [*[first[t] if first[t] > history[C.DATE].min() else pd.NaT
                                               for t in titles], pd.Timestamp("2024-02-21")]})
    as_of = pd.Timestamp("2024-02-20")
    out = forecast(history, as_of, 3, catalog=catalog, regions=["r0", "r1", "r2", "r9"])
    new = out[out[C.TITLE] == "new"]
    assert sorted(new[C.REGION].unique()) == ["r0", "r1", "r2", "r9"]
    assert (new[C.MODEL] == "auto:launch").all()
    assert (new.loc[new[C.DATE] == as_of, C.YHAT] == 0).all()  # not released yet on as_of
    seen = new[(new[C.DATE] > as_of) & (new[C.REGION] != "r9")]
    assert (seen[C.YHAT] > 0).all()  # r9 has no past launches: no analog level


def test_titles_follow_their_region_total_top_down(history: pd.DataFrame) -> None:
    as_of = pd.Timestamp("2024-02-20")
    out = forecast(history, as_of, 1)
    recent = history[(history[C.DATE] >= as_of - pd.Timedelta(days=7)) & (history[C.DATE] < as_of)]
    ratio = out.groupby(C.REGION)[C.YHAT].sum() / (recent.groupby(C.REGION)[C.VIEWS].sum() / 7)
    assert ratio.between(0.7, 1.5).all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), days=st.integers(1, 40), horizon=st.integers(1, 9),
       model=st.sampled_from(["snaive7", "ewma", "auto"]))
def test_every_forecast_is_ordered_non_negative_and_covers_recent_series(seed: int, days: int, horizon: int,
                                                                          model: str) -> None:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=days)
    keys = [(r, t) for r in ("a", "b") for t in ("x", "y", "z")]
    rows = [(d, r, t, float(rng.poisson(rng.uniform(0, 20)))) for d in dates for r, t in keys
            if rng.random() < 0.7]
    history = pd.DataFrame(rows, columns=[C.DATE, C.REGION, C.TITLE, C.VIEWS])
    if history.empty:
        return
    as_of = pd.Timestamp(history[C.DATE].max()) + pd.Timedelta(days=1)
    out = forecast(history, as_of, horizon, model)
    assert tuple(out.columns)[:len(C.FORECAST_COLUMNS)] == C.FORECAST_COLUMNS
    assert (out[C.YHAT_LOWER] >= 0).all() and np.isfinite(out[[C.YHAT, C.YHAT_UPPER]].to_numpy()).all()
    assert (out[C.YHAT_LOWER] <= out[C.YHAT]).all() and (out[C.YHAT] <= out[C.YHAT_UPPER]).all()
    assert not out.duplicated([C.DATE, C.REGION, C.TITLE]).any()
    recent = history[(history[C.VIEWS] > 0) & (history[C.DATE] >= as_of - pd.Timedelta(days=28))]
    want = set(map(tuple, recent[[C.REGION, C.TITLE]].drop_duplicates().to_numpy()))
    got = out.groupby([C.REGION, C.TITLE])[C.DATE].nunique()
    assert want <= set(got.index) and (got == horizon).all()


@pytest.mark.parametrize("model", ["ewma", "auto"])
def test_intervals_cover_about_80_percent_out_of_sample(history: pd.DataFrame, model: str) -> None:
    cutoffs = list(pd.date_range("2024-02-19", periods=6))
    table = backtest(history, cutoffs, horizon=1, models=[model]).metrics()
    assert 0.7 <= table.loc[0, "coverage"] <= 0.9


@pytest.mark.parametrize("n_days", [1, 5, 28, 40])
def test_scaled_ewma_level_equals_the_ewma_of_the_scaled_views_per_region(n_days: int) -> None:
    rng = np.random.default_rng(n_days)
    values = rng.poisson(3, (60, n_days)) * (rng.random((60, n_days)) < 0.4)
    seen = values > 0
    first_seen = np.where(seen.any(axis=1), seen.argmax(axis=1), n_days)
    group = np.sort(rng.integers(0, 3, 60))
    scale = rng.random((3, n_days)) + 0.5
    window = min(28, n_days)
    expected = ewma_point((values * scale[group])[:, -window:], np.maximum(first_seen - (n_days - window), 0), 1,
                          4.0)[:, 0]
    np.testing.assert_allclose(scaled_ewma_level(values.astype(float), first_seen, 4.0, scale, group), expected,
                               rtol=1e-12, atol=1e-12)
