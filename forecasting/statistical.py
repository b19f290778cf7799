"""statsforecast's per-series models: AutoETS, AutoTheta, MSTL and the intermittent-demand family.

Each method is fitted series by series with the statsforecast model's ``forecast(y, h)`` (the fits run in
parallel through :func:`~forecasting.parallel.map_chunks`, on a Dask cluster when given its address). A fit
costs from about 0.01 ms (TSB) to 40 ms (AutoETS) per series of a few months, so each method fits only the
``top`` series by views over the last 28 days (:data:`TOP`) with at least ``min_days`` days since their
first view; every other series gets the mean of its last 7 days (the ``mean7`` baseline, rows labelled
``mean7``). Forecasts are clipped at zero; 80% intervals, expected views and the chance of a view are
calibrated on the model's own errors at the last :data:`CALIBRATION_ORIGINS` days
(:func:`~forecasting.intervals.calibrate`).

Every method is also a :data:`~forecasting.intervals.PointFn` (``ets_point``, ``theta_point``, ...; all in
:data:`POINTS`), so ``auto``'s rolling-origin backtest can evaluate it at past origins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from forecasting.errors import ForecastError
from forecasting.intervals import PointFn, calibration_days
from forecasting.models import Mean7, PanelForecaster, mean7_point, register
from forecasting.parallel import map_chunks

SEASON = 7
MAX_HISTORY_DAYS = 364
"""Days of history given to a fit (the most recent 52 weeks)."""
CALIBRATION_ORIGINS = 7
"""Past origins of the interval calibration (each costs one fit of every fitted series)."""
RECENT_DAYS = 28


@dataclass(frozen=True)
class Method:
    """One statsforecast model and the series it is fitted on.

    Attributes
    ----------
    make : callable
        Builds the statsforecast model (imported lazily: statsforecast takes a second to import).
    top : int
        Series fitted (the most viewed over the last ``RECENT_DAYS`` days); the rest get ``mean7``.
    min_days : int
        Fewer days than this since the first view: ``mean7``.
    """

    make: Callable[[], Any]
    top: int
    min_days: int


def _ets() -> Any:
    from statsforecast.models import AutoETS

    return AutoETS(season_length=SEASON)


def _theta() -> Any:
    from statsforecast.models import AutoTheta

    return AutoTheta(season_length=SEASON)


def _mstl() -> Any:
    from statsforecast.models import MSTL

    return MSTL(season_length=SEASON)


def _croston_sba() -> Any:
    from statsforecast.models import CrostonSBA

    return CrostonSBA()


def _tsb() -> Any:
    from statsforecast.models import TSB

    return TSB(alpha_d=0.1, alpha_p=0.1)


def _adida() -> Any:
    from statsforecast.models import ADIDA

    return ADIDA()


def _imapa() -> Any:
    from statsforecast.models import IMAPA

    return IMAPA()


METHODS: dict[str, Method] = {
    "ets": Method(_ets, top=200, min_days=2 * SEASON),
    "theta": Method(_theta, top=1_000, min_days=2 * SEASON),
    "mstl": Method(_mstl, top=1_000, min_days=2 * SEASON),
    "croston_sba": Method(_croston_sba, top=20_000, min_days=2),
    "tsb": Method(_tsb, top=20_000, min_days=2),
    "adida": Method(_adida, top=20_000, min_days=2),
    "imapa": Method(_imapa, top=20_000, min_days=2),
}
"""The methods by registered name. ``top`` keeps a forecast of any panel within seconds to a minute of CPU
(AutoETS ~40 ms, AutoTheta and MSTL ~5 ms, the intermittent family ~0.05 ms per series of 60 days)."""


def head_rows(values: np.ndarray, top: int, window: int = RECENT_DAYS) -> np.ndarray:
    """Rows of the ``top`` series by views over the last ``window`` days (ties by row), series with views only.

    >>> head_rows(np.array([[1.0, 0.0], [5.0, 5.0], [0.0, 0.0]]), 2)
    array([1, 0])
    """
    recent = values[:, -window:].sum(axis=1)
    order = np.lexsort((np.arange(len(recent)), -recent))[:top]
    return order[recent[order] > 0]


def fit_chunk(tasks: list[tuple[str, np.ndarray, int]]) -> list[np.ndarray | None]:
    """Forecast each ``(method, y, horizon)``; None where the fit fails or is not finite."""
    out: list[np.ndarray | None] = []
    models: dict[str, Any] = {}
    for method, y, horizon in tasks:
        model = models.setdefault(method, METHODS[method].make())
        # flat or nearly empty series make some fits divide by zero; np.errstate is per thread (unlike
        # warnings.catch_warnings), and a non-finite forecast falls back to the mean of 7 below
        with np.errstate(all="ignore"):
            try:
                mean = np.asarray(model.forecast(y, horizon)["mean"], dtype=float)
            except (NotImplementedError, ValueError, IndexError, ZeroDivisionError, np.linalg.LinAlgError):
                mean = None  # statsforecast's "tiny datasets" and degenerate fits
        out.append(mean if mean is not None and np.isfinite(mean).all() else None)
    return out


def statistical_forecast(method: str, values: np.ndarray, first_seen: np.ndarray, horizon: int,
                         top: int | None = None, scheduler: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Forecast a panel with one statsforecast method on its head, the mean of 7 elsewhere.

    Parameters
    ----------
    method : str
        A key of :data:`METHODS`.
    values : ndarray
        History (n_series, n_days) of daily views.
    first_seen : ndarray
        Column of each series' first day with views (``values`` are zero before it).
    horizon : int
        Days to forecast.
    top : int, optional
        Series fitted (default the method's :attr:`Method.top`).
    scheduler : str, optional
        Address of a Dask scheduler; None fits on the local cores.

    Returns
    -------
    yhat, fitted
        Forecasts (n_series, horizon), >= 0, and a boolean per series: True where the method was fitted.

    Raises
    ------
    ForecastError
        Unknown method, ``horizon`` < 1, ``values`` not two-dimensional or ``first_seen`` of another length.
    """
    if method not in METHODS:
        raise ForecastError(f"unknown statistical method {method!r}; valid: {', '.join(METHODS)}")
    if horizon < 1:
        raise ForecastError(f"horizon must be >= 1 day, got {horizon}")
    values = np.asarray(values, dtype=float)
    first_seen = np.asarray(first_seen)
    if values.ndim != 2 or first_seen.shape != (len(values),):
        raise ForecastError(f"values must be (n_series, n_days) and first_seen (n_series,), got {values.shape} "
                            f"and {first_seen.shape}")
    spec = METHODS[method]
    n_days = values.shape[1]
    yhat = mean7_point(values, first_seen, horizon)
    fitted = np.zeros(len(values), dtype=bool)
    rows = head_rows(values, spec.top if top is None else top)
    rows = rows[n_days - first_seen[rows] >= spec.min_days]
    tasks = [(method, values[r, max(int(first_seen[r]), n_days - MAX_HISTORY_DAYS):], horizon) for r in rows]
    for row, mean in zip(rows, map_chunks(fit_chunk, tasks, scheduler), strict=True):
        if mean is not None:
            yhat[row], fitted[row] = mean, True
    return np.clip(yhat, 0.0, None), fitted


def _point(method: str) -> PointFn:
    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        return statistical_forecast(method, values, first_seen, horizon)[0]

    point.__name__ = point.__qualname__ = f"{method}_point"
    point.__doc__ = (f"PointFn of {method!r}: statsforecast on the head series (``METHODS[{method!r}].top``), "
                     "the mean of 7 elsewhere.")
    return point


ets_point = _point("ets")
theta_point = _point("theta")
mstl_point = _point("mstl")
croston_sba_point = _point("croston_sba")
tsb_point = _point("tsb")
adida_point = _point("adida")
imapa_point = _point("imapa")
POINTS: dict[str, PointFn] = {
    "ets": ets_point, "theta": theta_point, "mstl": mstl_point, "croston_sba": croston_sba_point,
    "tsb": tsb_point, "adida": adida_point, "imapa": imapa_point,
}
"""The :data:`~forecasting.intervals.PointFn` of every method, by registered model name."""


class StatisticalForecaster(PanelForecaster):
    """A statsforecast method on the head series, the mean of 7 on the rest, calibrated 80% intervals.

    Parameters
    ----------
    top : int, optional
        Series fitted (default: the method's cap in :data:`METHODS`).
    """

    method: ClassVar[str] = ""

    def __init__(self, *, top: int | None = None, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        if top is not None and top < 0:
            raise ForecastError(f"top must be >= 0 series, got {top}")
        self.top = top

    def point(self, values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        """The method's forecast on the head, the mean of 7 elsewhere."""
        return statistical_forecast(self.method, values, first_seen, horizon, self.top, self.scheduler)[0]

    def predict(self, horizon: int) -> pd.DataFrame:
        """Forecast every series of the fitted panel; rows not fitted are labelled ``mean7``."""
        if self.panel_ is None:
            raise ForecastError(f"model {self.name!r} must be fitted before predict")
        p = self.panel_
        # work: the forecast, then each calibration origin (each one more fit)
        self.work.expect(1 + len(calibration_days(len(p.values), p.n_days, horizon, CALIBRATION_ORIGINS)))
        yhat, fitted = statistical_forecast(self.method, p.values, p.first_seen, horizon, self.top, self.scheduler)
        self.work.done()
        return self.calibrated_frame(yhat, np.where(fitted, self.name, Mean7.name).astype(object), horizon,
                                     CALIBRATION_ORIGINS)


@register("ets")
class AutoETSForecaster(StatisticalForecaster):
    """statsforecast's AutoETS (error, trend and weekly season chosen by AICc) on the head series."""

    method = "ets"


@register("theta")
class AutoThetaForecaster(StatisticalForecaster):
    """statsforecast's AutoTheta (theta models on the weekly deseasonalised series) on the head series."""

    method = "theta"


@register("mstl")
class MSTLForecaster(StatisticalForecaster):
    """statsforecast's MSTL (weekly seasonal-trend decomposition, AutoETS trend) on the head series."""

    method = "mstl"


@register("croston_sba")
class CrostonSBAForecaster(StatisticalForecaster):
    """statsforecast's CrostonSBA (Croston with the Syntetos-Boylan correction), for intermittent series."""

    method = "croston_sba"


@register("tsb")
class TSBForecaster(StatisticalForecaster):
    """statsforecast's TSB (Teunter-Syntetos-Babai, alpha_d = alpha_p = 0.1), for intermittent series."""

    method = "tsb"


@register("adida")
class ADIDAForecaster(StatisticalForecaster):
    """statsforecast's ADIDA (aggregation at the mean inter-demand interval), for intermittent series."""

    method = "adida"


@register("imapa")
class IMAPAForecaster(StatisticalForecaster):
    """statsforecast's IMAPA (ADIDA averaged over aggregation levels), for intermittent series."""

    method = "imapa"
