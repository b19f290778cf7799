"""Accuracy measures on hand-checkable numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from forecasting.metrics import bias, coverage, summarize, wape


def test_wape_is_absolute_error_over_actual_volume() -> None:
    assert wape(np.array([10.0, 0.0, 30.0]), np.array([12.0, 1.0, 27.0])) == (2 + 1 + 3) / 40


def test_wape_and_bias_are_nan_without_actual_volume() -> None:
    assert math.isnan(wape(np.zeros(2), np.ones(2)))
    assert math.isnan(bias(np.zeros(2), np.ones(2)))


def test_bias_is_positive_when_the_forecast_is_too_high() -> None:
    assert bias(np.array([10.0, 10.0]), np.array([12.0, 13.0])) == 0.25


def test_coverage_counts_bounds_inclusively_and_skips_missing_bounds() -> None:
    y = np.array([0.0, 2.0, 5.0, 1.0])
    assert coverage(y, np.array([0.0, 0.0, 0.0, np.nan]), np.array([0.0, 2.0, 4.0, np.nan])) == 2 / 3


def test_mase_divides_by_the_in_sample_seasonal_naive_error_of_the_same_series() -> None:
    cells = pd.DataFrame({"cutoff": [1, 1], "region": ["r", "r"], "title_id": ["a", "b"], "y": [10.0, 4.0],
                          "yhat": [8.0, 4.0], "yhat_lower": [7.0, 3.0], "yhat_upper": [9.0, 5.0]})
    scale = pd.DataFrame({"cutoff": [1, 1, 1], "region": ["r", "r", "r"], "title_id": ["a", "b", "other"],
                          "snaive_abs": [6.0, 2.0, 100.0], "snaive_n": [4, 4, 4]})
    out = summarize(cells, scale)
    # mean |e| = (2 + 0) / 2 = 1; in-sample scale over a and b = (6 + 2) / 8 = 1
    assert out["mase"] == 1.0
    assert out["coverage"] == 0.5 and out["wape"] == 2 / 14
