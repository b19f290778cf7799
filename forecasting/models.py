"""The forecaster protocol, the model registry and the fast baseline models.

A forecaster is built with keyword options (``seed``, ``scheduler``, ``catalog``, ``regions``, ``progress``: a
:data:`~forecasting.progress.ProgressFn` it reports its work done to, or ignores if it has nothing to report), fitted
on the long demand frame (``fit`` returns the forecaster) and asked for ``horizon`` days
(``predict`` returns the contract's long forecast frame, ``C.FORECAST_COLUMNS``). Models register
under a name in :data:`MODELS`; an unknown name raises :class:`~cdn.errors.ForecastError` listing the
valid ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Protocol, TypeVar

import numpy as np
import pandas as pd

from forecasting import columns as C
from forecasting.errors import ForecastError
from forecasting.intervals import calibrate, calibration_days
from forecasting.panel import Panel, build_panel, to_long
from forecasting.progress import ProgressFn, Work


class Forecaster(Protocol):
    """What every registered model does."""

    name: ClassVar[str]

    def fit(self, history: pd.DataFrame, as_of: pd.Timestamp | None = None) -> Forecaster:
        """Learn from demand dated before ``as_of`` (default: the day after the last history date)."""
        ...

    def predict(self, horizon: int) -> pd.DataFrame:
        """Forecast ``horizon`` days from ``as_of``: a frame with ``C.FORECAST_COLUMNS``."""
        ...


class Registry(dict[str, type]):
    """Models by name; looking up an unknown name raises ForecastError listing the valid names."""

    def __missing__(self, name: str) -> type:
        raise ForecastError(f"unknown model {name!r}; valid models: {', '.join(sorted(self))}")


MODELS: Registry = Registry()
"""Registered forecasters by name."""

T = TypeVar("T", bound=type)


def register(name: str) -> Callable[[T], T]:
    """Class decorator registering a forecaster in :data:`MODELS` under ``name``."""

    def decorate(cls: T) -> T:
        cls.name = name  # type: ignore[attr-defined]
        MODELS[name] = cls
        return cls

    return decorate


def default_as_of(history: pd.DataFrame) -> pd.Timestamp:
    """The day after the last history date."""
    if history.empty:
        raise ForecastError("history is empty: nothing to forecast from")
    return pd.Timestamp(history[C.DATE].max()) + pd.Timedelta(days=1)


class PanelForecaster:
    """Base of the models that forecast every series of a :class:`~forecasting.panel.Panel` at once.

    Subclasses implement :meth:`point`, a vectorised point forecast; intervals come from
    :func:`~forecasting.intervals.calibrate` on the same history. ``work`` counts what :meth:`predict` does
    (calibration origins here) for the ``progress`` callback.
    """

    name: ClassVar[str] = "panel"

    def __init__(self, *, seed: int = 0, scheduler: str | None = None, catalog: pd.DataFrame | None = None,
                 regions: list[str] | None = None, progress: ProgressFn | None = None) -> None:
        self.seed = seed
        self.scheduler = scheduler
        self.catalog = catalog
        self.regions = regions
        self.work = Work(progress)
        self.panel_: Panel | None = None

    def fit(self, history: pd.DataFrame, as_of: pd.Timestamp | None = None) -> PanelForecaster:
        """Keep the panel of the series with recent demand before ``as_of``."""
        as_of = default_as_of(history) if as_of is None else pd.Timestamp(as_of)
        self.panel_ = build_panel(history, as_of)
        return self

    def point(self, values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        """Point forecasts (n_series, horizon) from history ``values`` (n_series, n_days)."""
        raise NotImplementedError

    def predict(self, horizon: int) -> pd.DataFrame:
        """Forecast every series of the fitted panel with calibrated 80% intervals."""
        if self.panel_ is None:
            raise ForecastError(f"model {self.name!r} must be fitted before predict")
        p = self.panel_
        self.work.expect(len(calibration_days(len(p.values), p.n_days, horizon)))
        yhat = np.clip(self.point(p.values, p.first_seen, horizon), 0.0, None)
        return self.calibrated_frame(yhat, self.name, horizon)

    def calibrated_frame(self, yhat: np.ndarray, model: str | np.ndarray, horizon: int,
                         n_origins: int | None = None) -> pd.DataFrame:
        """The fitted panel's forecast ``yhat`` with interval, ``yhat_mean`` and ``p_views`` calibrated on
        :meth:`point`'s errors at ``n_origins`` past origins (each counts one unit of ``work``)."""
        p = self.panel_
        assert p is not None
        calibration = calibrate(self.point, p.values, p.first_seen, horizon, n_origins=n_origins,
                                on_origin=self.work.done)
        return to_long(p.keys, p.as_of, yhat, *calibration.bounds(yhat), model, mean=calibration.mean(yhat),
                       p_views=calibration.p_views(yhat))


def ewma_point(values: np.ndarray, first_seen: np.ndarray, horizon: int, halflife: float = 2.0,
               window: int = 28) -> np.ndarray:
    """Exponentially weighted mean of the last ``window`` days since each series' first view, flat ahead.

    ``first_seen`` is each series' first day with views: ``values`` are zero before it.
    """
    n_days = values.shape[1]
    window = min(window, n_days)
    if window == 0:
        return np.zeros((len(values), horizon))
    weights = 0.5 ** (np.arange(window)[::-1] / halflife)  # oldest day first, 1 for the last day
    recent = values[:, n_days - window:]
    first = np.clip(np.asarray(first_seen) - (n_days - window), 0, window)  # first counted day in the window
    # one matrix-vector product for every series; a series starting inside the window has zero views before
    # its start, so only the sum of its counted weights changes
    counted = np.r_[np.cumsum(weights[::-1])[::-1], 0.0][first]  # weights from each series' start on
    level = np.divide(recent @ weights, counted, out=np.zeros(len(values)), where=counted > 0)
    return np.repeat(level[:, None], horizon, axis=1)


def last_value_point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
    """Views on the last history day, flat ahead (zero for a series without history).

    >>> last_value_point(np.array([[1.0, 2.0, 5.0]]), np.array([0]), 2)
    array([[5., 5.]])
    """
    if values.shape[1] == 0:
        return np.zeros((len(values), horizon))
    return np.repeat(values[:, -1:], horizon, axis=1)


def mean7_point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
    """Mean of the last 7 history days (days without views count as zero), flat ahead.

    >>> mean7_point(np.array([[0.0] * 5 + [7.0, 7.0]]), np.array([5]), 1)
    array([[2.]])
    """
    if values.shape[1] == 0:
        return np.zeros((len(values), horizon))
    return np.repeat(values[:, -7:].sum(axis=1, keepdims=True) / 7.0, horizon, axis=1)


def snaive7_point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
    """Views on the same weekday of the last week seen; the EWMA where that day predates the series."""
    n_days = values.shape[1]
    out = ewma_point(values, first_seen, horizon)
    for step in range(horizon):
        day = n_days - 7 * ((step // 7) + 1) + step
        if day < 0:
            continue
        seen = first_seen <= day
        out[seen, step] = values[seen, day]
    return out


@register("snaive7")
class SeasonalNaive7(PanelForecaster):
    """Seasonal naive with a 7-day season: each day repeats the same weekday of the last week."""

    def point(self, values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        """Views seven days before each target (14 for steps 8-14, ...)."""
        return snaive7_point(values, first_seen, horizon)


@register("last_value")
class LastValue(PanelForecaster):
    """Naive: the last day's views carried forward."""

    def point(self, values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        """Views on the day before ``as_of``, for every step."""
        return last_value_point(values, first_seen, horizon)


@register("mean7")
class Mean7(PanelForecaster):
    """The mean of the last seven days, flat ahead."""

    def point(self, values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        """Mean views of the seven days before ``as_of``, for every step."""
        return mean7_point(values, first_seen, horizon)


@register("ewma")
class EWMA(PanelForecaster):
    """Exponentially weighted recent average (Netflix's "smooth several days of history"), flat ahead.

    Parameters
    ----------
    halflife : float
        Days after which a day's weight halves.
    window : int
        Days of history averaged.
    """

    def __init__(self, *, halflife: float = 2.0, window: int = 28, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.halflife = halflife
        self.window = window

    def point(self, values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        """Weighted mean of recent days, the same for every step."""
        return ewma_point(values, first_seen, horizon, self.halflife, self.window)
