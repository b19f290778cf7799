"""Dense (series x day) view of long demand frames, and back to long forecast frames.

Every model works on a :class:`Panel`: one row per (region, title) series, one column per day from the
first history day to the day before ``as_of``, absent demand rows as zero views. Fast models are then
a few vectorised numpy operations over all series at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting import columns as C

ACTIVE_DAYS = 28
"""A series has "recent demand" when it has views in the last ``ACTIVE_DAYS`` days before ``as_of``."""


@dataclass(frozen=True)
class Panel:
    """Daily views of many series as one matrix.

    Attributes
    ----------
    keys : DataFrame
        ``region``, ``title_id`` of each row of ``values`` (sorted by region, then title).
    values : ndarray
        Shape (n_series, n_days): views per day from ``start`` to ``as_of - 1 day``.
    start : Timestamp
        Date of column 0.
    as_of : Timestamp
        First date to forecast; ``values`` ends the day before.
    first_seen : ndarray
        Column index of each series' first day with views (its launch in the window).
    """

    keys: pd.DataFrame
    values: np.ndarray
    start: pd.Timestamp
    as_of: pd.Timestamp
    first_seen: np.ndarray

    @property
    def n_days(self) -> int:
        """Number of history days (columns)."""
        return int(self.values.shape[1])

    def history_days(self) -> np.ndarray:
        """Days of history of each series, from its first day with views to the day before ``as_of``."""
        return self.n_days - self.first_seen

    def take(self, rows: np.ndarray) -> Panel:
        """The panel of some rows (a boolean mask or row numbers), in their order."""
        return Panel(self.keys.iloc[rows].reset_index(drop=True), self.values[rows], self.start, self.as_of,
                     self.first_seen[rows])


def active_rows(values: np.ndarray, day: int, days: int = ACTIVE_DAYS) -> np.ndarray:
    """Whether each row has views in the ``days`` columns before column ``day`` (its "recent demand" then).

    >>> active_rows(np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]), 3, days=2)
    array([False,  True])
    """
    return np.asarray((values[:, max(0, day - days):day] > 0).any(axis=1))


def _first_seen(values: np.ndarray) -> np.ndarray:
    seen = values > 0
    first = seen.argmax(axis=1)
    first[~seen.any(axis=1)] = values.shape[1]
    return first


def build_panel(history: pd.DataFrame, as_of: pd.Timestamp, active_days: int = ACTIVE_DAYS,
                max_days: int | None = None) -> Panel:
    """Turn a long demand frame into a panel of the series with recent demand.

    Parameters
    ----------
    history : DataFrame
        ``date``, ``region``, ``title_id``, ``views``; rows dated on or after ``as_of`` are ignored.
    as_of : Timestamp
        First date to forecast.
    active_days : int
        Keep series with views in the last ``active_days`` days before ``as_of``.
    max_days : int, optional
        Keep at most this many days of history (the most recent).

    Returns
    -------
    Panel
        Series sorted by (region, title_id); absent rows are zero views.
    """
    before = (history[C.DATE] < as_of).to_numpy()
    past = history if before.all() else history[before]  # read only: no copy when every row is before as_of
    first_day = pd.Timestamp(past[C.DATE].min()) if len(past) else as_of
    if max_days is not None:
        first_day = max(first_day, as_of - pd.Timedelta(days=max_days))
        past = past[past[C.DATE] >= first_day]
    n_days = int((as_of - first_day).days)
    # series as integer pairs (region code, title code) with codes in sorted order: sorting and matching integers,
    # not millions of (region, title) text pairs
    region_code, regions = pd.factorize(past[C.REGION], sort=True, use_na_sentinel=False)
    title_code, titles = pd.factorize(past[C.TITLE], sort=True, use_na_sentinel=False)
    n_titles = max(len(titles), 1)
    pair = region_code.astype(np.int64) * n_titles + title_code
    recent = ((past[C.DATE] >= as_of - pd.Timedelta(days=active_days)) & (past[C.VIEWS] > 0)).to_numpy()
    series = np.sort(pair[recent])  # sorted distinct pairs (np.unique hashes first: several times slower here)
    series = series[np.r_[True, series[1:] != series[:-1]]] if len(series) else series
    keys = pd.DataFrame({C.REGION: np.asarray(regions, dtype=object)[series // n_titles],
                         C.TITLE: np.asarray(titles, dtype=object)[series % n_titles]})
    values = np.zeros((len(keys), n_days))
    if len(keys) and n_days:
        rows = np.minimum(np.searchsorted(series, pair), len(series) - 1)
        cols = ((past[C.DATE] - first_day).dt.days).to_numpy()
        kept = series[rows] == pair
        np.add.at(values, (rows[kept], cols[kept]), past[C.VIEWS].to_numpy(dtype=float)[kept])
    return Panel(keys, values, first_day, as_of, _first_seen(values))


def to_long(keys: pd.DataFrame, as_of: pd.Timestamp, yhat: np.ndarray, lower: np.ndarray, upper: np.ndarray,
            model: str | np.ndarray, mean: np.ndarray | None = None, p_views: np.ndarray | None = None
            ) -> pd.DataFrame:
    """A forecast matrix (n_series x horizon) as the contract's long forecast frame.

    Values are clipped at zero and ordered ``lower <= yhat <= upper``; ``model`` names the model of
    every row, or of each series when an array. ``mean`` and ``p_views`` (same shape as ``yhat``), when
    given, become the extension columns ``yhat_mean`` (>= 0) and ``p_views`` (in [0, 1]).
    """
    n, horizon = yhat.shape
    yhat = np.clip(yhat, 0.0, None)
    lower = np.minimum(np.clip(lower, 0.0, None), yhat)
    upper = np.maximum(upper, yhat)
    dates = pd.date_range(as_of, periods=horizon, freq="D").astype("datetime64[ns]")
    model_col = np.repeat(np.asarray(model, dtype=object), horizon) if np.ndim(model) else model
    extra = {}
    if mean is not None and p_views is not None:
        extra = {C.YHAT_MEAN: np.clip(mean, 0.0, None).reshape(-1), C.P_VIEWS: np.clip(p_views, 0.0, 1.0).reshape(-1)}
    return pd.DataFrame(
        {
            C.DATE: np.tile(dates.to_numpy(), n),
            C.REGION: _repeated_text(keys[C.REGION], horizon),
            C.TITLE: _repeated_text(keys[C.TITLE], horizon),
            C.YHAT: yhat.reshape(-1),
            C.YHAT_LOWER: lower.reshape(-1),
            C.YHAT_UPPER: upper.reshape(-1),
            C.MODEL: model_col,
            **extra,
        },
        columns=[*C.FORECAST_COLUMNS, *extra],
    )


def _repeated_text(values: pd.Series, times: int) -> np.ndarray:
    """Each value ``times`` times, as text; Python strings are kept as they are (not converted to a numpy text
    array and back into new strings, one per row)."""
    out = np.repeat(values.to_numpy(dtype=object), times)
    return out if pd.api.types.infer_dtype(out, skipna=False) == "string" else out.astype(str).astype(object)
