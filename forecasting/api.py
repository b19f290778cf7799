"""The public entry points: :func:`forecast`, and :func:`expected_views`, how a planner reads a forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting import columns as C
from forecasting.errors import ForecastError
from forecasting.models import MODELS
from forecasting.progress import ProgressFn

HISTORY_COLUMNS = (C.DATE, C.REGION, C.TITLE, C.VIEWS)


def check_history(history: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Validate a long demand frame and return its rows dated before ``as_of`` (a new frame, which may share
    its columns with ``history``: read it, do not write into it).

    Raises
    ------
    ForecastError
        Missing columns, dates that are not datetimes, ``as_of`` outside the data (the first forecast
        date must be after the first history date and at most the day after the last), NaN or
        negative views before ``as_of``.
    """
    missing = [c for c in HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise ForecastError(f"history lacks column(s) {', '.join(missing)}; expected {', '.join(HISTORY_COLUMNS)}")
    if not pd.api.types.is_datetime64_any_dtype(history[C.DATE]):
        raise ForecastError(f"history column {C.DATE!r} must hold datetimes, not {history[C.DATE].dtype}")
    if history.empty:
        raise ForecastError("history is empty: nothing to forecast from")
    first, last = pd.Timestamp(history[C.DATE].min()), pd.Timestamp(history[C.DATE].max())
    latest = last + pd.Timedelta(days=1)
    if not first < as_of <= latest:
        raise ForecastError(
            f"as_of {as_of:%Y-%m-%d} is outside the data: history runs from {first:%Y-%m-%d} to {last:%Y-%m-%d}, "
            f"so as_of must be from {first + pd.Timedelta(days=1):%Y-%m-%d} to {latest:%Y-%m-%d}"
        )
    before = (history[C.DATE] < as_of).to_numpy()
    every = bool(before.all())

    def column(name: str) -> pd.Series:  # the rows before as_of, without a copy when that is all of them
        return history[name] if every else history.loc[before, name]

    past = pd.DataFrame({c: column(c) for c in HISTORY_COLUMNS}, copy=False)
    views = pd.to_numeric(past[C.VIEWS], errors="coerce")
    for bad, what in ((views.isna() | ~np.isfinite(views), "NaN, missing or infinite"), (views < 0, "negative")):
        if bad.any():
            row = past[bad].iloc[0]
            raise ForecastError(
                f"history has {int(bad.sum())} row(s) with {what} views, e.g. {row[C.DATE]:%Y-%m-%d}, "
                f"region {row[C.REGION]!r}, title {row[C.TITLE]!r}: {row[C.VIEWS]!r}; expected a number >= 0"
            )
    return pd.DataFrame({C.DATE: past[C.DATE], C.REGION: _text(past[C.REGION]), C.TITLE: _text(past[C.TITLE]),
                         C.VIEWS: views.astype(float, copy=False)}, copy=False)


def _text(values: pd.Series) -> pd.Series:
    """``values`` as text (``astype(str)``), the same Series when it holds only Python strings already (a
    scenario's identifiers): no new array of millions of references."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values
    return values.astype(str)


def forecast(history: pd.DataFrame, as_of: pd.Timestamp | str, horizon: int = 1, model: str = "auto",
             catalog: pd.DataFrame | None = None, regions: list[str] | None = None,
             scheduler: str | None = None, seed: int = 0, progress: ProgressFn | None = None) -> pd.DataFrame:
    """Forecast daily views per (region, title) for ``horizon`` days from ``as_of``.

    Parameters
    ----------
    history : DataFrame
        ``date`` (datetime64), ``region``, ``title_id``, ``views``; rows dated on or after ``as_of``
        are ignored. Absent rows are zero views. Not modified.
    as_of : Timestamp or str
        First forecast date; the history must start before it and end at most the day before.
    horizon : int
        Days to forecast (>= 1): ``as_of`` .. ``as_of + horizon - 1``.
    model : str
        A name of :data:`~forecasting.models.MODELS` (``auto``, ``ewma``, ``snaive7``, ``prophet``).
    catalog : DataFrame, optional
        ``title_id``, ``release_date``, ``language``, ``genre``: used by ``auto`` for cold-start titles.
    regions : list of str, optional
        Regions forecast for cold-start titles (default: the regions in ``history``).
    scheduler : str, optional
        Address of a Dask scheduler for the model fits; None runs them on the local cores.
    seed : int
        Seed of every random draw (Prophet's interval sampling); same seed, same output.
    progress : callable, optional
        A :data:`~forecasting.progress.ProgressFn` called with ``(done, total)`` as the model's work
        advances (candidate backtests, calibration origins, Prophet fits), for a progress display; the
        forecast is the same with or without it.

    Returns
    -------
    DataFrame
        Columns ``C.FORECAST_COLUMNS`` (``date, region, title_id, yhat, yhat_lower, yhat_upper, model``),
        then ``yhat_mean`` and ``p_views`` (``C.PROBABILISTIC_COLUMNS``) for the models that estimate them:
        one row per forecast (date, region, title), 80% interval, all values >= 0, sorted by date,
        region, title. Every (region, title) with views in the 28 days before ``as_of`` gets rows; a
        history of only zero views gives an empty frame (everything forecast as zero).

    Raises
    ------
    ForecastError
        Unknown model (listing the valid ones), ``horizon`` < 1, ``as_of`` outside the data, bad history.

    Examples
    --------
    >>> days = pd.date_range("2024-01-01", periods=14)
    >>> history = pd.DataFrame({"date": days, "region": "r1", "title_id": "t1", "views": 10.0})
    >>> out = forecast(history, pd.Timestamp("2024-01-15"), horizon=2, model="snaive7")
    >>> out[["date", "yhat", "model"]].to_string(index=False)
    '      date  yhat   model\\n2024-01-15  10.0 snaive7\\n2024-01-16  10.0 snaive7'
    """
    cls = MODELS[model]
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ForecastError(f"horizon must be a whole number of days >= 1, got {horizon!r}")
    as_of = pd.Timestamp(as_of)
    past = check_history(history, as_of)
    forecaster = cls(seed=seed, scheduler=scheduler, catalog=catalog, regions=regions, progress=progress)
    out = forecaster.fit(past, as_of).predict(int(horizon))
    out = out.sort_values([C.DATE, C.REGION, C.TITLE], kind="stable").reset_index(drop=True)
    extra = [c for c in C.PROBABILISTIC_COLUMNS if c in out.columns]
    return out[[*C.FORECAST_COLUMNS, *extra]]


def expected_views(frame: pd.DataFrame) -> pd.Series:
    """Expected views of each forecast row: ``yhat_mean`` when present, else ``yhat``; at least ``p_views``
    and, with ``yhat_mean``, at most ``max(yhat_upper, yhat)``.

    What a planner values and what the backtests' hit-ratio regret plans from. The mean is what an expected
    byte hit ratio needs (a point forecast of bursty demand is often its median, below the mean); P(views >=
    1) is a lower bound on the mean of a count. Negative values count as zero; an empty ``yhat_mean`` or
    ``p_views`` is absent for that row.

    Raises
    ------
    ForecastError
        A value that is not a finite number.
    """
    out = None
    for column in (C.YHAT_MEAN, C.YHAT, C.P_VIEWS):
        if column not in frame.columns:
            continue
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        bad = ~np.isfinite(values.to_numpy())
        if column != C.YHAT:
            bad &= frame[column].notna().to_numpy()  # an empty optional value is absent, not an error
        if bad.any():
            first = frame[bad].iloc[0]
            raise ForecastError(f"forecast for {first[C.DATE]}, region {first[C.REGION]!r}, title {first[C.TITLE]!r}: "
                                f"{column} {first[column]!r} is not a finite number")
        values = values.clip(lower=0.0)
        if column == C.YHAT_MEAN and C.YHAT_UPPER in frame.columns:
            # at most the top of the 80% interval: a mean lifted by rare spikes in a whole bucket of forecasts
            # (the same for every title forecast near zero) says nothing about this title
            top = np.fmax(pd.to_numeric(frame[C.YHAT_UPPER], errors="coerce").astype(float),
                          pd.to_numeric(frame[C.YHAT], errors="coerce").astype(float))
            values = np.minimum(values, top.fillna(np.inf))
        if out is None:
            out = values
        elif column == C.YHAT:
            out = out.fillna(values)
        else:
            out = np.maximum(out, values.fillna(0.0))
    if out is None:
        raise ForecastError(f"forecast lacks column yhat; expected {', '.join(C.FORECAST_COLUMNS)}")
    return out
