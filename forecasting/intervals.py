"""Calibrated 80% intervals for point forecasts, from the model's own errors at past origins.

A split-conformal recipe: run the model at the last few days of the history as if each were the forecast
origin, scale each error by ``yhat + 1`` and take, per forecast step and per level bucket of ``yhat``,
the 10th and 90th percentiles of the scaled errors. The interval of a new forecast is
``yhat + q * (yhat + 1)`` with the quantiles of its step and bucket, so the share of actuals inside it
matches the nominal 80% on the recent past by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

PointFn = Callable[[np.ndarray, np.ndarray, int], np.ndarray]
"""``point(values (n, t), first_seen (n,), horizon) -> yhat (n, horizon)``: a vectorised point forecast of
every series of a panel (always all rows, in order, so a model may keep per-series data such as regions)."""

COVERAGE = 0.8
MIN_HISTORY = 3
N_BUCKETS = 8
MIN_PER_BUCKET = 40


@dataclass(frozen=True)
class Calibration:
    """Quantiles of scaled errors per (level bucket, step).

    Attributes
    ----------
    edges : ndarray
        Inner bucket edges on ``yhat`` (``N_BUCKETS - 1`` values or fewer).
    lower, upper : ndarray
        Shape (n_buckets, horizon): quantiles of ``(y - yhat) / (yhat + 1)``.
    """

    edges: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def bounds(self, yhat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds for a forecast matrix (n, horizon), clipped at zero."""
        bucket = np.searchsorted(self.edges, yhat, side="right")
        steps = np.broadcast_to(np.arange(yhat.shape[1]), yhat.shape)
        scale = yhat + 1.0
        lo = yhat + self.lower[bucket, steps] * scale
        hi = yhat + self.upper[bucket, steps] * scale
        return np.clip(np.minimum(lo, yhat), 0.0, None), np.maximum(hi, yhat)


def poisson_calibration(horizon: int) -> Calibration:
    """Fallback when the history is too short to measure errors: about +-1.28 sqrt(yhat)."""
    z = 1.2816
    # (y - yhat) / (yhat + 1) ~ z sqrt(yhat) / (yhat + 1) <= z / 2 for every yhat >= 0
    return Calibration(np.array([]), np.full((1, horizon), -z / 2), np.full((1, horizon), z / 2))


def calibrate(point: PointFn, values: np.ndarray, first_seen: np.ndarray, horizon: int,
              n_origins: int = 14, coverage: float = COVERAGE) -> Calibration:
    """Measure the scaled errors of ``point`` at the last ``n_origins`` days of ``values``.

    Parameters
    ----------
    point : callable
        The model's vectorised point forecast.
    values : ndarray
        History (n_series, n_days).
    first_seen : ndarray
        Column of each series' first day with views.
    horizon : int
        Steps to calibrate.
    n_origins : int
        Past origins used (the last days of the history).
    coverage : float
        Nominal coverage of the central interval.

    Returns
    -------
    Calibration
        Falls back to :func:`poisson_calibration` when fewer than ``MIN_PER_BUCKET`` errors exist.
    """
    n_days = values.shape[1]
    preds: list[np.ndarray] = []
    errs: list[np.ndarray] = []
    step_of: list[np.ndarray] = []
    for origin in range(max(MIN_HISTORY, n_days - n_origins - horizon + 1), n_days):
        steps = min(horizon, n_days - origin)
        ok = origin - first_seen >= MIN_HISTORY
        if not ok.any():
            continue
        yhat = np.clip(point(values[:, :origin], np.minimum(first_seen, origin), steps), 0.0, None)[ok]
        actual = values[ok, origin:origin + steps]
        preds.append(yhat.reshape(-1))
        errs.append(((actual - yhat) / (yhat + 1.0)).reshape(-1))
        step_of.append(np.tile(np.arange(steps), len(yhat)))
    if not preds or sum(len(p) for p in preds) < MIN_PER_BUCKET:
        return poisson_calibration(horizon)
    pred, err, step = np.concatenate(preds), np.concatenate(errs), np.concatenate(step_of)
    n_buckets = int(np.clip(len(pred) // (MIN_PER_BUCKET * horizon), 1, N_BUCKETS))
    edges = np.unique(np.quantile(pred, np.linspace(0, 1, n_buckets + 1)[1:-1]))
    bucket = np.searchsorted(edges, pred, side="right")
    alpha = (1.0 - coverage) / 2.0
    lower = np.empty((len(edges) + 1, horizon))
    upper = np.empty_like(lower)
    for b in range(len(edges) + 1):
        in_bucket = bucket == b
        if not in_bucket.any():  # ties on an edge leave a bucket empty: it gets the overall quantiles
            in_bucket = np.ones_like(in_bucket)
        pooled = err[in_bucket]
        for s in range(horizon):
            sample = err[in_bucket & (step == s)]
            if len(sample) < MIN_PER_BUCKET:  # later steps have fewer origins: pool with every step's errors
                sample = np.concatenate([sample, pooled])
            lower[b, s], upper[b, s] = np.quantile(sample, [alpha, 1.0 - alpha])
    return Calibration(edges, lower, upper)
