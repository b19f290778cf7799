"""Accuracy measures over evaluation cells: WAPE, MASE against seasonal naive 7, bias, interval coverage.

A cell is one (cutoff, model, date, region, title) with the actual ``y`` (0 when the demand has no row),
the forecast ``yhat`` (0 when the forecast has no row) and the bounds (NaN when no forecast row).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Y = "y"


def wape(y: np.ndarray, yhat: np.ndarray) -> float:
    """Weighted absolute percentage error ``sum |y - yhat| / sum y`` (NaN when ``sum y`` is 0).

    >>> wape(np.array([10.0, 0.0]), np.array([8.0, 1.0]))
    0.3
    """
    total = float(np.sum(y))
    return float(np.sum(np.abs(y - yhat)) / total) if total > 0 else float("nan")


def bias(y: np.ndarray, yhat: np.ndarray) -> float:
    """Relative bias ``(sum yhat - sum y) / sum y``: positive when the forecast is too high.

    >>> bias(np.array([10.0, 0.0]), np.array([8.0, 1.0]))
    -0.1
    """
    total = float(np.sum(y))
    return float((np.sum(yhat) - total) / total) if total > 0 else float("nan")


def coverage(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of cells with bounds where ``lower <= y <= upper`` (NaN bounds are skipped).

    >>> coverage(np.array([1.0, 5.0, 3.0]), np.array([0.0, 0.0, np.nan]), np.array([2.0, 4.0, np.nan]))
    0.5
    """
    ok = ~(np.isnan(lower) | np.isnan(upper))
    return float(((lower[ok] <= y[ok]) & (y[ok] <= upper[ok])).mean()) if ok.any() else float("nan")


def summarize(cells: pd.DataFrame, scale: pd.DataFrame) -> dict[str, float]:
    """All measures of a group of cells.

    Parameters
    ----------
    cells : DataFrame
        ``cutoff, region, title_id, y, yhat, yhat_lower, yhat_upper``.
    scale : DataFrame
        ``cutoff, region, title_id, snaive_abs, snaive_n``: per series and cutoff, the sum and count of
        in-sample ``|y_t - y_(t-7)|`` over the days before the cutoff (the MASE denominator).

    Returns
    -------
    dict
        ``wape``, ``mase`` (pooled: mean absolute error / mean in-sample seasonal naive error over the
        same series), ``bias``, ``coverage``, ``cells``, ``actual`` (sum of y).
    """
    y = cells[Y].to_numpy(float)
    yhat = cells["yhat"].to_numpy(float)
    keys = cells[["cutoff", "region", "title_id"]].drop_duplicates()
    sc = scale.merge(keys, on=["cutoff", "region", "title_id"], how="inner")
    denom = float(sc["snaive_abs"].sum()) / max(float(sc["snaive_n"].sum()), 1.0)
    mae = float(np.abs(y - yhat).mean()) if len(y) else float("nan")
    return {
        "wape": wape(y, yhat),
        "mase": mae / denom if denom > 0 else float("nan"),
        "bias": bias(y, yhat),
        "coverage": coverage(y, cells["yhat_lower"].to_numpy(float), cells["yhat_upper"].to_numpy(float)),
        "cells": len(cells),
        "actual": float(y.sum()),
    }
