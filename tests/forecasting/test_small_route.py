"""``auto`` on small panels: the choice made at every origin from the history before it (so that its calibration
measures the choice too)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.auto import SmallPanelRoute, _memoised
from forecasting.models import last_value_point, mean7_point, snaive7_point
from forecasting.panel import Panel

NAIVE_ONLY = {"last_value": last_value_point, "mean7": mean7_point, "snaive7": snaive7_point}


def _panel(values: np.ndarray) -> Panel:
    keys = pd.DataFrame({"region": ["r"] * len(values), "title_id": [f"t{i}" for i in range(len(values))]})
    start = pd.Timestamp("2024-01-01")
    return Panel(keys, values, start, start + pd.Timedelta(days=values.shape[1]), np.zeros(len(values), dtype=int))


def test_a_candidate_is_computed_once_per_history_length_and_horizon() -> None:
    calls: list[tuple[int, int]] = []

    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        calls.append((values.shape[1], horizon))
        return np.repeat(values[:, -1:] - 10.0, horizon, axis=1)

    memo = _memoised(point)
    values = np.arange(20.0).reshape(2, 10)
    first = memo(values[:, :8], np.zeros(2, dtype=int), 1)
    again = memo(values[:, :8], np.zeros(2, dtype=int), 1)
    memo(values[:, :8], np.zeros(2, dtype=int), 2)
    assert again is first and calls == [(8, 1), (8, 2)]
    assert np.array_equal(first, [[0.0], [7.0]])  # clipped at zero


def test_each_origin_has_the_choice_made_from_the_history_before_it() -> None:
    # a trend for 50 days (the last value misses by 1, the mean of 7 by 4, the seasonal naive by 7), then a
    # weekly cycle the seasonal naive repeats exactly: the choice at day 40 is the last value, at day 120 the
    # seasonal naive, and the calibration (at each origin) measures the errors of the choice made there
    cycle = np.array([10.0, 30.0, 20.0, 50.0, 40.0, 70.0, 60.0])
    series = np.r_[np.arange(50.0), 50.0 + np.resize(cycle, 70)]
    route = SmallPanelRoute(NAIVE_ONLY, _panel(np.vstack([series, series + 100.0])))
    early, early_choice = route.route_at(40, 1)
    late, late_choice = route.route_at(120, 1)
    assert list(early_choice.series) == ["last_value"] * 2 and np.array_equal(early, [[39.0], [139.0]])
    assert list(late_choice.series) == ["snaive7"] * 2 and np.array_equal(late[:, 0], series[[113, 113]] + [0, 100])
    assert route.point(series[None, :40], np.zeros(1, dtype=int), 1) is early  # computed once


def test_the_forecast_at_an_origin_uses_only_the_history_before_it() -> None:
    values = np.random.default_rng(0).poisson(50.0, (3, 70)).astype(float)
    values[:, 60:] *= 5.0  # a later jump must not change what was forecast at day 50
    full = SmallPanelRoute(NAIVE_ONLY, _panel(values))
    cut = SmallPanelRoute(NAIVE_ONLY, _panel(values[:, :50]))
    assert np.array_equal(full.point(values[:, :50], np.zeros(3, dtype=int), 1), cut.route_at(50, 1)[0])
