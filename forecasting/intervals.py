"""Calibrated 80% intervals, expected views and medians for point forecasts, from the model's own errors at
past origins.

A split-conformal recipe: run the model at the last few days of the history as if each were the forecast
origin, scale each error by ``yhat + 1`` and take, per forecast step and per level bucket of ``yhat``,
the 10th and 90th percentiles of the scaled errors. The interval of a new forecast is
``yhat + q * (yhat + 1)`` with the quantiles of its step and bucket, so the share of actuals inside it
matches the nominal 80% on the recent past by construction. The errors measured are those of every series
with views in the ``ACTIVE_DAYS`` days before each origin: the rows a forecast made there would have, so
the titles that left since (zeros, inside almost any interval) count as they do when a forecast is scored.

With ``scale_days`` (``auto`` on small panels), the interval also follows each series' recent error scale
(normalised conformal scores, as in Lei, G'Sell, Rinaldo, Tibshirani and Wasserman 2018, "Distribution-free
predictive inference for regression", section 5.2): every scaled error is divided by its series' mean absolute
one-day-ahead error over the ``scale_days`` origins before its own (relative to all series' mean), the
quantiles are taken of those ratios, and a new forecast's interval is multiplied by its series' same factor at
the forecast origin. Errors whose scale changes within the calibration window (a season start, holidays) then
widen the next interval within a week, not only after they fill the window's tails.

The same errors give the bucket's mean (expected views, for a planner) and its median, both weighted by
``yhat + 1``. The weighted mean ``c = sum(y - yhat) / sum(yhat + 1)`` makes the bucket's corrected past
forecasts ``yhat + c * (yhat + 1)`` sum to its actuals (before the clip at zero): the volume a planner of
bytes needs, which the unweighted mean of the scaled errors does not keep (on data/movietweetings it
over-forecast the buckets' volumes). ``yhat + median * (yhat + 1)`` minimises the summed absolute error
of the bucket's past forecasts, the point an absolute-error measure such as WAPE rewards (on intermittent
series, zero). The median correction is kept only where it passes a test on the latest origins
(:func:`correction_helps`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.panel import ACTIVE_DAYS, active_rows
from forecasting.parallel import map_threads

PointFn = Callable[[np.ndarray, np.ndarray, int], np.ndarray]
"""``point(values (n, t), first_seen (n,), horizon) -> yhat (n, horizon)``: a vectorised point forecast of
every series of a panel (always all rows, in order, so a model may keep per-series data such as regions)."""

COVERAGE = 0.8
N_BUCKETS = 8
MIN_PER_BUCKET = 40
MAX_BUCKETS, BIG_BUCKET = 32, 1_000
"""Level buckets where a table has many errors (:func:`n_buckets`)."""
MIN_ORIGINS, MAX_ORIGINS = 7, 56
SAMPLE_BUDGET = 200_000
"""Calibration origins: enough for ``SAMPLE_BUDGET`` errors (``MIN_ORIGINS .. MAX_ORIGINS``), so a few
thousand series or fewer calibrate on 56 past days and a million on 7."""
POOLED = "*"
MIN_T = 1.0
"""A change backtested at several origins counts as better when its paired gains per origin have a t statistic
above this (one standard error)."""
HOLDOUT_ORIGINS = 7
"""The median correction is tested on at most the last week of calibration origins."""
SCALE_DAYS = 7
"""``auto``'s recent error scale on small panels is that of the last week: the shortest window holding each
weekday once (a shorter one would mix weekdays of unequal errors), as ``HOLDOUT_ORIGINS``."""
SCALE_FLOOR = 0.1
"""The recent-scale factor of a series (its recent mean absolute error over all series' mean) is at least this:
a series whose last week was forecast exactly does not divide its next error by zero."""


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
        Mean of ``(y - yhat) / (yhat + 1)`` weighted by ``yhat + 1``, ``sum(y - yhat) / sum(yhat + 1)``
        (expected views are ``yhat + mean * (yhat + 1)``; before the clip at zero they sum to the bucket's past
        actuals).
    median : ndarray
        Median of ``(y - yhat) / (yhat + 1)`` weighted by ``yhat + 1`` (see :func:`weighted_median`), or the
        shift to zero where that has a lower absolute error, inside ``lower .. upper``; no shift (as far as
        the interval allows) where the correction failed its test.
    positive : ndarray
        Share of past actuals with at least one view.
    """

    edges: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    positive: np.ndarray

    def at(self, yhat: np.ndarray, step: np.ndarray, field: str) -> np.ndarray:
        """``field`` (``lower``, ``upper``, ``mean``, ``median``, ``positive``) at the buckets of ``yhat`` and
        the steps ``step`` (same shape)."""
        return getattr(self, field)[np.searchsorted(self.edges, yhat, side="right"), step]


@dataclass(frozen=True)
class Calibration:
    """Error statistics per group (a segment), with the pooled table ``POOLED`` for the rest.

    ``bounds``, ``mean``, ``median`` and ``p_views`` take a forecast matrix (n, horizon) and optionally each
    row's group.
    """

    tables: dict[str, Table]
    recent: np.ndarray | None = None
    """With ``scale_days``: each series' recent-scale factor at the forecast origin (the rows of ``values``), by
    which ``bounds`` multiplies its quantiles when given as ``scale``."""

    def _lookup(self, yhat: np.ndarray, groups: np.ndarray | None, field: str) -> np.ndarray:
        out = np.empty_like(yhat, dtype=float)
        steps = np.arange(yhat.shape[1])
        if groups is None:
            return self.tables[POOLED].at(yhat, np.broadcast_to(steps, yhat.shape), field)
        # each distinct label looked up once (factorised, not compared row by row); others use the pooled table
        codes, uniques = pd.factorize(np.asarray(groups, dtype=object), use_na_sentinel=False)
        table_of = np.asarray([u if isinstance(u, str) and u in self.tables else POOLED for u in uniques], dtype=object)
        for label in np.unique(table_of.astype(str)) if len(table_of) else []:
            rows = np.isin(codes, np.flatnonzero(table_of == label))
            out[rows] = self.tables[label].at(yhat[rows], np.broadcast_to(steps, yhat[rows].shape), field)
        return out

    def bounds(self, yhat: np.ndarray, groups: np.ndarray | None = None, centred: bool = False,
               scale: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the 80% interval of the forecast ``yhat``, clipped at zero (not around
        ``yhat``: a forecast of expected views can lie above the interval of a day of mostly zeros; the
        forecast frame orders its point inside).

        ``centred``: ``yhat`` is a median from another model whose errors were not measured; the interval is
        the calibrated one's spread around its median, moved to ``yhat``. ``scale``: each row's recent-scale
        factor (``recent`` of its series; 1, a typical series, when not given) on a calibration made with
        ``scale_days``.
        """
        level = yhat + 1.0
        factor = 1.0 if scale is None else np.asarray(scale, dtype=float).reshape(-1, 1)
        shift = self._lookup(yhat, groups, "median") if centred else 0.0
        lo = yhat + (self._lookup(yhat, groups, "lower") * factor - shift) * level
        hi = yhat + (self._lookup(yhat, groups, "upper") * factor - shift) * level
        lo = np.clip(lo, 0.0, None)
        return lo, np.maximum(hi, lo)

    def mean(self, yhat: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """Expected views: ``yhat`` corrected by the mean past error of its bucket weighted by ``yhat + 1`` (>= 0)."""
        return np.clip(yhat + self._lookup(yhat, groups, "mean") * (yhat + 1.0), 0.0, None)

    def median(self, yhat: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """The point of least absolute error: ``yhat`` moved by the weighted median past error of its bucket
        (>= 0)."""
        return np.clip(yhat + self._lookup(yhat, groups, "median") * (yhat + 1.0), 0.0, None)

    def p_views(self, yhat: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
        """Probability of at least one view: the share of past actuals > 0 in the forecast's bucket."""
        return np.clip(self._lookup(yhat, groups, "positive"), 0.0, 1.0)


def poisson_table(horizon: int) -> Table:
    """Fallback when the history is too short to measure errors: about +-1.28 sqrt(yhat), no bias, and
    ``p_views`` 0.5."""
    z = 1.2816
    # (y - yhat) / (yhat + 1) ~ z sqrt(yhat) / (yhat + 1) <= z / 2 for every yhat >= 0
    return Table(np.array([]), np.full((1, horizon), -z / 2), np.full((1, horizon), z / 2),
                 np.zeros((1, horizon)), np.zeros((1, horizon)), np.full((1, horizon), 0.5))


def poisson_calibration(horizon: int) -> Calibration:
    """A calibration made only of :func:`poisson_table`."""
    return Calibration({POOLED: poisson_table(horizon)})


def calibration_origins(n_series: int) -> int:
    """Past origins used to calibrate a panel of ``n_series`` series."""
    return int(np.clip(-(-SAMPLE_BUDGET // max(n_series, 1)), MIN_ORIGINS, MAX_ORIGINS))


def calibration_days(n_series: int, n_days: int, horizon: int, n_origins: int | None = None,
                     scale_days: int = 0) -> range:
    """The origins (history columns) :func:`calibrate` runs the model at; its ``len`` is the work it reports.

    With ``scale_days`` (:func:`calibrate`'s), also the ``scale_days`` origins before, which only give the
    recent scales of the first ones.

    >>> calibration_days(2, 100, 1), calibration_days(2, 100, 1, scale_days=7)
    (range(44, 100), range(37, 100))
    """
    n_origins = calibration_origins(n_series) if n_origins is None else n_origins
    return range(max(1, n_days - n_origins - horizon + 1 - scale_days), n_days)


def weighted_median(x: np.ndarray, weight: np.ndarray) -> float:
    """The smallest ``c`` minimising ``sum(weight * |x - c|)``: where the cumulative weight of the sorted
    ``x`` first reaches half the total.

    With ``x = (y - yhat) / (yhat + 1)`` and ``weight = yhat + 1``, ``yhat + c * (yhat + 1)`` has the least
    summed absolute error ``sum |y - yhat - c (yhat + 1)|`` among such corrections.

    >>> weighted_median(np.array([0.0, 1.0, 10.0]), np.array([1.0, 1.0, 1.0]))
    1.0
    >>> weighted_median(np.array([0.0, 1.0, 10.0]), np.array([1.0, 1.0, 3.0]))
    10.0
    """
    order = np.argsort(x, kind="stable")
    cumulative = np.cumsum(weight[order])
    return float(x[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])


def _median_shift(err: np.ndarray, pred: np.ndarray, y: np.ndarray) -> float:
    """The correction ``c`` of a bucket's point ``pred + c (pred + 1)`` (clipped at zero): the weighted median
    of the scaled errors ``err``, or the shift taking every forecast of the bucket to zero when that has the
    lower absolute error (the clip at zero, which the weighted median ignores, makes zero the best point of
    intermittent series whose median shift leaves the largest forecasts just above it)."""
    c = weighted_median(err, pred + 1.0)
    zero = -float(np.max(pred / (pred + 1.0)))
    shifted = np.abs(y - np.clip(pred + c * (pred + 1.0), 0.0, None)).sum()
    return zero if y.sum() < shifted else c


def _quantile(srt: np.ndarray, level: float, conformal: bool = False) -> float:
    """``np.quantile`` of an already sorted sample: linear interpolation (rank ``level (n - 1)``, from 0), or
    with ``conformal`` the finite-sample rank ``level (n + 1) - 1`` (``np.quantile``'s ``weibull``), clipped to
    the sample.

    A new error exchangeable with the ``n`` sorted ones falls below the ``k``-th of them with probability
    ``k / (n + 1)``, so the conformal ranks make the interval between the quantiles at ``a`` and ``1 - a``
    hold a new error with probability ``1 - 2a``; the linear ones, ``(1 - 2a) (n - 1) / (n + 1)`` (0.77 for
    an 80% interval from 56 errors, the calibration of two series with two level buckets).

    >>> srt = np.arange(1.0, 10.0)  # 9 errors: the 10th and 90th conformal percentiles are the 1st and 9th
    >>> _quantile(srt, 0.1), _quantile(srt, 0.9), _quantile(srt, 0.1, conformal=True), _quantile(srt, 0.9, True)
    (1.8, 8.2, 1.0, 9.0)
    """
    pos = float(np.clip(level * (len(srt) + 1) - 1, 0, len(srt) - 1)) if conformal else level * (len(srt) - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, len(srt) - 1)
    return float(srt[lo] + (pos - lo) * (srt[hi] - srt[lo]))


def _central_level(cells: list[tuple[np.ndarray, np.ndarray, int]], coverage: float) -> float:
    """Level of the central quantile interval whose share of past actuals inside it, over all
    ``(sorted errors, sorted errors of zero actuals, weight)`` cells, comes closest to ``coverage``; at most
    ``coverage``.

    An actual is inside when its error lies between the quantiles (ends included), or when it is zero and its
    error lies above the upper one: the interval, clipped at zero, then is ``[0, 0]`` and holds it. Counts have
    ties (many exact zeros): the interval between the 10th and 90th percentiles of a sample that is 95% zeros
    holds 95% of it, so the other buckets' intervals narrow until the whole table holds ``coverage``.
    """
    total = sum(w for _, _, w in cells)

    def inside(level: float) -> float:
        a = (1.0 - level) / 2.0
        held = 0.0
        for srt, zero, w in cells:
            top = _quantile(srt, 1.0 - a)
            n_in = np.searchsorted(srt, top, side="right") - np.searchsorted(srt, _quantile(srt, a), side="left")
            held += w * (n_in + len(zero) - np.searchsorted(zero, top, side="right")) / len(srt)
        return held / max(total, 1)

    if inside(coverage) <= coverage:
        return coverage
    lo, hi = 0.0, coverage
    for _ in range(20):
        mid = (lo + hi) / 2.0
        lo, hi = (lo, mid) if inside(mid) > coverage else (mid, hi)
    return min((lo, hi), key=lambda level: abs(inside(level) - coverage))


def n_buckets(n_errors: int, horizon: int) -> int:
    """Level buckets of a table of ``n_errors`` errors over ``horizon`` steps: up to ``N_BUCKETS`` of
    ``MIN_PER_BUCKET`` errors per step or more, and up to ``MAX_BUCKETS`` of ``BIG_BUCKET`` or more where there
    are enough errors.

    The median of counts is a step function of their mean (a Poisson count's is 0 below a mean of ln 2, then 1
    up to 1.678, ...), which 8 buckets follow coarsely.

    >>> n_buckets(100, 1), n_buckets(4_000, 1), n_buckets(20_000, 1), n_buckets(20_000, 7), n_buckets(10**7, 1)
    (2, 8, 20, 8, 32)
    """
    per_step = n_errors // horizon
    return int(max(np.clip(per_step // MIN_PER_BUCKET, 1, N_BUCKETS), min(per_step // BIG_BUCKET, MAX_BUCKETS)))


def _table(pred: np.ndarray, y: np.ndarray, step: np.ndarray, horizon: int, coverage: float,
           scale: np.ndarray | None = None, shift: bool = True) -> Table:
    """Statistics per level bucket (:func:`n_buckets`) and step of the errors of the forecasts ``pred`` of the
    actuals ``y``.

    ``scale``: each error's recent-scale factor; the interval is then read from the errors divided by it (the
    point, mean and median as without it). ``shift``: keep the median correction (else none, as far as the
    interval without ``scale`` allows).
    """
    edges = np.unique(np.quantile(pred, np.linspace(0, 1, n_buckets(len(pred), horizon) + 1)[1:-1]))
    shape = (len(edges) + 1, horizon)
    # one sort by (bucket, step): each cell, and each bucket's steps together, is then a slice
    key = np.searchsorted(edges, pred, side="right") * horizon + step
    order = np.argsort(key, kind="stable")
    bounds = np.searchsorted(key[order], np.arange(shape[0] * horizon + 1))
    pred, y = pred[order], y[order]
    err = (y - pred) / (pred + 1.0)
    scale = None if scale is None else scale[order]
    lower, upper, mean, median, positive = (np.empty(shape) for _ in range(5))
    cells: list[tuple[np.ndarray, np.ndarray, int]] = []
    scaled: list[np.ndarray] = []
    for b in range(shape[0]):
        in_bucket = slice(bounds[b * horizon], bounds[(b + 1) * horizon])
        # ties on an edge leave a bucket empty (the lowest, when an eighth of the forecasts are 0): it gets the
        # overall statistics, and no weight in the table's coverage
        if in_bucket.start == in_bucket.stop:
            in_bucket = slice(None)
        for s in range(horizon):
            own = slice(bounds[b * horizon + s], bounds[b * horizon + s + 1])
            n_own = int(own.stop - own.start)
            take = own if n_own >= MIN_PER_BUCKET else in_bucket  # later steps have fewer origins: pool
            sample = err[take]
            cells.append((np.sort(sample), np.sort(sample[y[take] == 0]), n_own))
            if scale is not None:
                scaled.append(np.sort(sample / scale[take]))
            mean[b, s] = (y[take] - pred[take]).sum() / (pred[take] + 1.0).sum()
            median[b, s] = _median_shift(sample, pred[take], y[take])
            positive[b, s] = (y[take] > 0).mean()
    alpha = (1.0 - _central_level(cells, coverage)) / 2.0
    for k, (srt, _, _) in enumerate(cells):
        lower.flat[k], upper.flat[k] = _quantile(srt, alpha, True), _quantile(srt, 1.0 - alpha, True)
    # the point stays inside its interval: the weighted median of a bucket whose largest forecasts missed can
    # lie below the interval's lower end, which would then be stretched down to it (covering its zeros)
    median = np.clip(median if shift else 0.0, lower, upper)
    for k, srt in enumerate(scaled):  # with ``scale``, the interval of the ratios (the point as without)
        lower.flat[k], upper.flat[k] = _quantile(srt, alpha, True), _quantile(srt, 1.0 - alpha, True)
    return Table(edges, lower, upper, mean, median, positive)


def paired_variance(diff_sum: np.ndarray, diff_sq: np.ndarray, n: int) -> np.ndarray:
    """Sample variance of ``n >= 2`` paired differences from their sum and sum of squares.

    >>> paired_variance(np.array([6.0]), np.array([14.0]), 3)  # differences 1, 2, 3
    array([1.])
    """
    return np.maximum(diff_sq - n * (diff_sum / n) ** 2, 0.0) / (n - 1)


def paired_t(diff_sum: np.ndarray, diff_sq: np.ndarray, n: int) -> np.ndarray:
    """t statistic of the mean of ``n`` paired differences from their sum and sum of squares (inf or -inf when
    they are all equal and positive or negative, 0 with fewer than two).

    >>> round(float(paired_t(np.array([6.0]), np.array([14.0]), 3)[0]), 4)  # differences 1, 2, 3
    3.4641
    >>> paired_t(np.array([6.0, -6.0, 0.0]), np.array([12.0, 12.0, 0.0]), 3)  # 2, 2, 2; -2, -2, -2; 0, 0, 0
    array([ inf, -inf,   0.])
    """
    if n < 2:
        return np.zeros_like(diff_sum)
    mean = diff_sum / n
    var = paired_variance(diff_sum, diff_sq, n)
    se = np.sqrt(var / n)
    equal = np.where(mean > 0, np.inf, np.where(mean < 0, -np.inf, 0.0))  # no spread: the sign decides
    return np.divide(mean, se, out=equal, where=se > 1e-9 * np.maximum(np.abs(mean), 1))


def correction_helps(pred: np.ndarray, y: np.ndarray, step: np.ndarray, origin: np.ndarray, horizon: int) -> bool:
    """Whether the median correction, fitted on the older origins, lowers the absolute error at the newest (up
    to ``HOLDOUT_ORIGINS``, at most half): its paired gains per origin have a t statistic above ``MIN_T``.

    Past errors of a few series (two encyclopedia articles, whose spikes fill whole buckets) give corrections
    that do not hold on the next days; those of thousands of intermittent series give ones that do. (The mean
    correction is not tested: on the trending profile a squared-error test rejected it, and plans made from
    the uncorrected mean had a hit-ratio regret of 0.133 against 0.038; BENCHMARKS.md, issue 10.)
    """
    days = np.unique(origin)
    n_new = min(HOLDOUT_ORIGINS, len(days) // 2)
    new = origin >= days[-n_new] if n_new else np.zeros(len(origin), dtype=bool)
    if n_new < 2 or (~new).sum() < MIN_PER_BUCKET:
        return False
    table = _table(pred[~new], y[~new], step[~new], horizon, COVERAGE)
    p, actual = pred[new], y[new]
    corrected = np.clip(p + table.at(p, step[new], "median") * (p + 1.0), 0.0, None)
    gain = np.bincount(np.searchsorted(days[-n_new:], origin[new]), np.abs(actual - p) - np.abs(actual - corrected),
                       minlength=n_new)
    return bool(paired_t(np.array([gain.sum()]), np.array([(gain ** 2).sum()]), n_new)[0] > MIN_T)


def calibrate(point: PointFn, values: np.ndarray, first_seen: np.ndarray, horizon: int,
              n_origins: int | None = None, coverage: float = COVERAGE,
              groups: np.ndarray | Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
              active_days: int = ACTIVE_DAYS, on_origin: Callable[[], None] | None = None,
              workers: int = 1, scale_days: int = 0) -> Calibration:
    """Measure the scaled errors of ``point`` at the last ``n_origins`` days of ``values``.

    At each origin, the errors counted are those of the series with views in the ``active_days`` days
    before it (the series a forecast made there would have rows for), so ``values`` should hold every
    series active at any of the origins, not only those active at the last day.

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
    groups : ndarray or callable, optional
        A label per series (e.g. its segment), or ``groups(values, first_seen)`` giving them from the history
        before an origin (so that a label such as "head" says what was known there): each group with
        ``MIN_PER_BUCKET`` errors or more gets its own table; the others use the pooled one.
    active_days : int
        Days before an origin in which a series needs views to count there.
    on_origin : callable, optional
        Called after each origin of :func:`calibration_days` (for a progress display; from worker threads when
        ``workers`` > 1).
    workers : int
        Threads the origins run on (1: one after another); ``point`` must then be thread-safe. The result is the
        same for any number.
    scale_days : int
        If positive, the intervals follow each series' recent error scale (see the module docstring): the
        model also runs at the ``scale_days`` origins before the first of :func:`calibration_days` (which
        ``on_origin`` counts too), and ``Calibration.recent`` holds each series' factor at the forecast
        origin. Keeps an (n_series, origins) matrix: meant for small panels.

    Returns
    -------
    Calibration
        The pooled table falls back to :func:`poisson_table` when fewer than ``MIN_PER_BUCKET`` errors exist.
    """
    n_days = values.shape[1]

    def labels_at(origin: int) -> np.ndarray:
        if groups is None:
            return np.full(len(values), POOLED, dtype=object)
        if callable(groups):
            return np.asarray(groups(values[:, :origin], np.minimum(first_seen, origin)), dtype=object)
        return np.asarray(groups, dtype=object)

    def at_origin(origin: int) -> tuple[np.ndarray, ...] | None:
        """Forecasts, actuals, steps, group labels, origin and row of the series active at ``origin``."""
        steps = min(horizon, n_days - origin)
        ok = active_rows(values, origin, active_days)
        out = None
        if ok.any():
            yhat = np.clip(point(values[:, :origin], np.minimum(first_seen, origin), steps), 0.0, None)[ok]
            out = (yhat.reshape(-1), values[ok, origin:origin + steps].reshape(-1),
                   np.tile(np.arange(steps), len(yhat)), np.repeat(labels_at(origin)[ok], steps),
                   np.full(yhat.size, origin), np.repeat(np.flatnonzero(ok), steps))
        if on_origin is not None:
            on_origin()
        return out

    days = calibration_days(len(values), n_days, horizon, n_origins)
    measured = calibration_days(len(values), n_days, horizon, n_origins, scale_days)
    found = map_threads(at_origin, {f"calibrate-{day}": day for day in measured}, workers)  # independent origins
    parts = [f for f in found if f is not None]
    if scale_days > 0:
        scale, recent = _recent_scales(parts, len(values), measured, scale_days)
    parts = [f for f in parts if f[4][0] >= days.start]  # the origins before are for the scales only
    if not parts or sum(len(f[0]) for f in parts) < MIN_PER_BUCKET:
        return poisson_calibration(horizon)
    pred, y, step, group, day, row = (np.concatenate(x) for x in zip(*parts, strict=True))
    factor = scale[row, day - measured.start] if scale_days > 0 else None

    def table(rows: slice | np.ndarray) -> Table:
        return _table(pred[rows], y[rows], step[rows], horizon, coverage, None if factor is None else factor[rows],
                      correction_helps(pred[rows], y[rows], step[rows], day[rows], horizon))

    tables = {POOLED: table(slice(None))}
    if groups is not None:
        # each distinct label once (factorised, not compared row by row), in the order of their text
        codes, uniques = pd.factorize(group, use_na_sentinel=False)
        for i in np.argsort(np.asarray([str(u) for u in uniques]), kind="stable"):
            if not isinstance(uniques[i], str):  # a label counts by its text: only text labels match it
                continue
            rows = codes == i
            if rows.sum() >= MIN_PER_BUCKET:
                tables[str(uniques[i])] = table(rows)
    return Calibration(tables, recent if scale_days > 0 else None)


def _recent_scales(parts: list[tuple[np.ndarray, ...]], n_series: int, measured: range,
                   scale_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Recent-scale factors from the errors measured at the origins ``measured`` (the ``parts`` of
    :func:`calibrate`'s ``at_origin``).

    The factor of series ``i`` at origin ``d`` is its mean absolute scaled one-day-ahead error at the
    ``scale_days`` origins before ``d`` (those where it was active) over the mean of every one-day-ahead
    error measured, at least ``SCALE_FLOOR``; 1 where the series has none of those errors.

    Returns
    -------
    scale : ndarray
        Shape (n_series, len(measured)): the factor at each origin.
    recent : ndarray
        Shape (n_series,): the factor at the forecast origin, ``measured.stop``.
    """
    first = np.full((n_series, len(measured) + 1), np.nan)  # abs scaled one-day-ahead errors per series, origin
    for pred, y, step, _, day, row in parts:
        now = step == 0
        first[row[now], day[now] - measured.start] = np.abs(y[now] - pred[now]) / (pred[now] + 1.0)
    typical = float(np.nanmean(first)) if np.isfinite(first).any() else 0.0
    seen = np.isfinite(first)
    total = np.cumsum(np.where(seen, first, 0.0), axis=1)
    count = np.cumsum(seen, axis=1)
    # origin d (column j) uses the columns j - scale_days .. j - 1: a difference of running sums
    pad = np.zeros((n_series, 1))
    total, count = np.hstack([pad, total]), np.hstack([pad, count])
    lo = np.maximum(np.arange(len(measured) + 1) - scale_days, 0)
    hi = np.arange(len(measured) + 1)
    mean_abs = np.divide(total[:, hi] - total[:, lo], count[:, hi] - count[:, lo],
                         out=np.full((n_series, len(measured) + 1), np.nan), where=count[:, hi] > count[:, lo])
    factor = mean_abs / typical if typical > 0 else np.ones_like(mean_abs)
    factor = np.where(np.isfinite(factor), np.maximum(factor, SCALE_FLOOR), 1.0)
    return factor[:, :-1], factor[:, -1]
