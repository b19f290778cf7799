"""``auto`` on small panels: a winner or the median of each series' best candidates, made at every origin from
the history before it (so its calibration measures the choice too)."""

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


def test_a_trend_takes_the_winner_that_beats_the_median_at_every_origin() -> None:
    # y = day: the last value misses by 1, the mean of 7 by 4, the seasonal naive by 7; their median (the mean
    # of 7) by 4, so the last value wins by 3 at every origin: t is infinite
    values = np.tile(np.arange(60.0), (2, 1)) + np.array([[0.0], [100.0]])
    forecast, choice = SmallPanelRoute(NAIVE_ONLY, _panel(values)).route_at(60, 1)
    assert list(choice.series) == ["last_value", "last_value"]
    assert np.array_equal(forecast, [[59.0], [159.0]])


def test_no_evidence_against_the_winner_keeps_it() -> None:
    # a constant series: every candidate is exact, the combination gains nothing, the winner stays
    values = np.full((1, 40), 5.0)
    forecast, choice = SmallPanelRoute(NAIVE_ONLY, _panel(values)).route_at(40, 2)
    assert list(choice.series) == ["last_value"] and choice.ranked is not None and choice.ranked.shape == (1, 3)
    assert np.array_equal(forecast, [[5.0, 5.0]])


def test_the_combination_replaces_a_winner_it_beats_at_each_of_the_last_origins() -> None:
    values = np.full((1, 40), 5.0)
    route = SmallPanelRoute(NAIVE_ONLY, _panel(values))
    _, _, choice = route.routes(40, 1)
    # at the 7 origins before day 40 the winner misses by 3 or 4, the combination by 1: gains 2 or 3
    for k, origin in enumerate(range(33, 40)):
        route._routes[(origin, 1)] = (np.array([[8.0 + k % 2]]), np.array([[6.0]]), choice)
    route._routes[(40, 1)] = (np.array([[9.0]]), np.array([[7.0]]), choice)
    forecast, chosen = route.route_at(40, 1)
    assert list(chosen.series) == ["median"] and np.array_equal(forecast, [[7.0]])
    for origin in range(36, 40):  # gains of 2 and 3 at 3 origins, of -1 at 4: no longer a consistent gain
        route._routes[(origin, 1)] = (np.array([[5.0]]), np.array([[6.0]]), choice)
    assert list(route.route_at(40, 1)[1].series) == ["last_value"]


def test_the_forecast_at_an_origin_uses_only_the_history_before_it() -> None:
    values = np.random.default_rng(0).poisson(50.0, (3, 70)).astype(float)
    values[:, 60:] *= 5.0  # a later jump must not change what was forecast at day 50
    full = SmallPanelRoute(NAIVE_ONLY, _panel(values))
    cut = SmallPanelRoute(NAIVE_ONLY, _panel(values[:, :50]))
    assert np.array_equal(full.point(values[:, :50], np.zeros(3, dtype=int), 1), cut.route_at(50, 1)[0])
