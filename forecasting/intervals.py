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
MIN_HISTORY = 1
N_BUCKETS = 8
MIN_PER_BUCKET = 40
MIN_ORIGINS, MAX_ORIGINS = 7, 56
SAMPLE_BUDGET = 200_000
"""Calibration origins: enough for ``SAMPLE_BUDGET`` errors (``MIN_ORIGINS .. MAX_ORIGINS``), so a few
thousand series or fewer calibrate on 56 past days and a million on 7."""
POOLED = "*"


@dataclass(frozen=True)
class Table:
    """Per (level bucket, step) statistics of one group's past errors.

    Attributes
    ----------
    edges : ndarray
        Inner bucket edges on ``yhat``.
    lower, upper : ndarray
        Shape (n_buckets, horizon): quantiles of ``(y - yhat) / (yhat + 1)``.
    mean : ndarray
        Mean of ``(y - yhat) / (yhat + 1)`` (expected views are ``yhat + mean * (yhat + 1)``).
    positive : ndarray
        Share of past actuals with at least one view.
    """

    edges: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    mean: np.ndarray
    positive: np.ndarray


@dataclass(frozen=True)
class Calibration:
    """Error statistics per group (a segment), with the pooled table ``POOLED`` for the rest.

    ``bounds``, ``mean`` and ``p_views`` take a forecast matrix (n, horizon) and optionally each row's group.
    """

    tables: dict[str, Table]

    def _lookup(self, yhat: np.ndarray, groups: np.ndarray | None, field: str) -> np.ndarray:
        out = np.empty_like(yhat, dtype=float)
        labels = np.full(len(yhat), POOLED, dtype=object) if groups is None else np.asarray(groups, dtype=object)
        labels = np.where(np.isin(labels, list(self.tables)), labels, POOLED)
        steps = np.arange(yhat.shape[1])
        for label in np.unique(labels.astype(str)):
            rows = labels == label
            table = self.tables[label]
            bucket = np.searchsorted(table.edges, yhat[rows], side="right")
            out[rows] = getattr(table, field)[bucket, np.broadcast_to(steps, bucket.shape)]
        return out

    def bounds(self, yhat: np.ndarray, groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the 80% interval, clipped at zero and around ``yhat``."""
        scale = yhat + 1.0
        lo = yhat + self._lookup(yhat, groups, "lower") * scale
        hi = yhat + self._lookup(yhat, groups, "upper") * scale
        return np.clip(np.minimum(lo, yhat), 0.0, None), np.maximum(hi, yhat)

    def mean(self, yhat: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """Expected views: ``yhat`` corrected by the mean past error of its bucket (>= 0)."""
        return np.clip(yhat + self._lookup(yhat, groups, "mean") * (yhat + 1.0), 0.0, None)

    def p_views(self, yhat: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """Probability of at least one view: the share of past actuals > 0 in the forecast's bucket."""
        return np.clip(self._lookup(yhat, groups, "positive"), 0.0, 1.0)


def poisson_table(horizon: int) -> Table:
    """Fallback when the history is too short to measure errors: about +-1.28 sqrt(yhat), no bias, and
    ``p_views`` 0.5."""
    z = 1.2816
    # (y - yhat) / (yhat + 1) ~ z sqrt(yhat) / (yhat + 1) <= z / 2 for every yhat >= 0
    return Table(np.array([]), np.full((1, horizon), -z / 2), np.full((1, horizon), z / 2),
                 np.zeros((1, horizon)), np.full((1, horizon), 0.5))


def poisson_calibration(horizon: int) -> Calibration:
    """A calibration made only of :func:`poisson_table`."""
    return Calibration({POOLED: poisson_table(horizon)})


def calibration_origins(n_series: int) -> int:
    """Past origins used to calibrate a panel of ``n_series`` series."""
    return int(np.clip(-(-SAMPLE_BUDGET // max(n_series, 1)), MIN_ORIGINS, MAX_ORIGINS))


def calibration_days(n_series: int, n_days: int, horizon: int, n_origins: int | None = None) -> range:
    """The origins (history columns) :func:`calibrate` runs the model at; its ``len`` is the work it reports."""
    n_origins = calibration_origins(n_series) if n_origins is None else n_origins
    return range(max(MIN_HISTORY, n_days - n_origins - horizon + 1), n_days)


def _table(pred: np.ndarray, y: np.ndarray, step: np.ndarray, horizon: int, coverage: float) -> Table:
    err = (y - pred) / (pred + 1.0)
    n_buckets = int(np.clip(len(pred) // (MIN_PER_BUCKET * horizon), 1, N_BUCKETS))
    edges = np.unique(np.quantile(pred, np.linspace(0, 1, n_buckets + 1)[1:-1]))
    bucket = np.searchsorted(edges, pred, side="right")
    alpha = (1.0 - coverage) / 2.0
    shape = (len(edges) + 1, horizon)
    lower, upper, mean, positive = (np.empty(shape) for _ in range(4))
    for b in range(len(edges) + 1):
        in_bucket = bucket == b
        if not in_bucket.any():  # ties on an edge leave a bucket empty: it gets the overall statistics
            in_bucket = np.ones_like(in_bucket)
        for s in range(horizon):
            take = in_bucket & (step == s)
            if take.sum() < MIN_PER_BUCKET:  # later steps have fewer origins: pool with every step's errors
                take = in_bucket
            sample = err[take]
            lower[b, s], upper[b, s] = np.quantile(sample, [alpha, 1.0 - alpha])
            mean[b, s] = sample.mean()
            positive[b, s] = (y[take] > 0).mean()
    return Table(edges, lower, upper, mean, positive)


def calibrate(point: PointFn, values: np.ndarray, first_seen: np.ndarray, horizon: int,
              n_origins: int | None = None, coverage: float = COVERAGE,
              groups: np.ndarray | None = None, on_origin: Callable[[], None] | None = None) -> Calibration:
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
    n_origins : int, optional
        Past origins used (the last days of the history); default :func:`calibration_origins`.
    coverage : float
        Nominal coverage of the central interval.
    groups : ndarray, optional
        A label per series (e.g. its segment): each group with ``MIN_PER_BUCKET`` errors or more gets its
        own table; the others use the pooled one.
    on_origin : callable, optional
        Called after each origin of :func:`calibration_days` (for a progress display).

    Returns
    -------
    Calibration
        The pooled table falls back to :func:`poisson_table` when fewer than ``MIN_PER_BUCKET`` errors exist.
    """
    n_days = values.shape[1]
    labels = np.full(len(values), POOLED, dtype=object) if groups is None else np.asarray(groups, dtype=object)
    preds: list[np.ndarray] = []
    actuals: list[np.ndarray] = []
    step_of: list[np.ndarray] = []
    group_of: list[np.ndarray] = []
    for origin in calibration_days(len(values), n_days, horizon, n_origins):
        steps = min(horizon, n_days - origin)
        ok = origin - first_seen >= MIN_HISTORY
        if ok.any():
            yhat = np.clip(point(values[:, :origin], np.minimum(first_seen, origin), steps), 0.0, None)[ok]
            preds.append(yhat.reshape(-1))
            actuals.append(values[ok, origin:origin + steps].reshape(-1))
            step_of.append(np.tile(np.arange(steps), len(yhat)))
            group_of.append(np.repeat(labels[ok], steps))
        if on_origin is not None:
            on_origin()
    if not preds or sum(len(p) for p in preds) < MIN_PER_BUCKET:
        return poisson_calibration(horizon)
    pred, y, step, group = (np.concatenate(x) for x in (preds, actuals, step_of, group_of))
    tables = {POOLED: _table(pred, y, step, horizon, coverage)}
    if groups is not None:
        for label in np.unique(group.astype(str)):
            rows = group == label
            if rows.sum() >= MIN_PER_BUCKET:
                tables[label] = _table(pred[rows], y[rows], step[rows], horizon, coverage)
    return Calibration(tables)
