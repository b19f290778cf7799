"""Prophet per series: weekly seasonality, a launch-decay regressor, optional holidays, 80% intervals.

Fitting Prophet takes a few tenths of a second per series, so :class:`ProphetForecaster` fits it on the
``top`` series by recent views (the head, where nearly all bytes are) and gives the long tail the EWMA
forecast (rows labelled ``ewma``). Fits run in parallel through :func:`~forecasting.parallel.map_chunks`.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting import columns as C
from forecasting.errors import ForecastError
from forecasting.intervals import calibrate, calibration_days
from forecasting.models import EWMA, PanelForecaster, ewma_point, register
from forecasting.panel import Panel, to_long
from forecasting.parallel import map_chunks

MAX_HISTORY_DAYS = 365
LAUNCH_TAU_DAYS = 5.0
MIN_DAYS = 2
WEEKLY_MIN_DAYS = 14
_GLOBAL_RNG = threading.Lock()


def quiet_prophet() -> None:
    """Silence Prophet's and cmdstanpy's INFO logging (one line per fit otherwise) and the deprecation
    warnings Prophet's own code raises under pandas 3 (filters set once, before any fit thread starts:
    ``warnings.catch_warnings`` is not thread-safe)."""
    for name in ("cmdstanpy", "prophet", "prophet.plot"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.ERROR)
        logger.disabled = True
    for module in ("prophet", "cmdstanpy"):
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=module)
        warnings.filterwarnings("ignore", category=FutureWarning, module=module)


@dataclass(frozen=True)
class SeriesTask:
    """One Prophet fit: a series from its first view, and the days to forecast."""

    row: int
    start: pd.Timestamp
    y: np.ndarray
    horizon: int
    launch_age0: float | None  # age in days of the title on ``start`` when it launched inside the window
    seed: int
    holidays: pd.DataFrame | None
    intervals: bool = True  # False skips Prophet's interval sampling (point forecasts only)


def fit_series(tasks: list[SeriesTask]) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Fit Prophet on each task; returns ``(row, yhat, lower, upper)`` per task."""
    from prophet import Prophet

    quiet_prophet()
    out = []
    for task in tasks:
        n = len(task.y)
        ds = pd.date_range(task.start, periods=n + task.horizon, freq="D")
        frame = pd.DataFrame({"ds": ds[:n], "y": task.y})
        future = pd.DataFrame({"ds": ds[n:]})
        model = Prophet(growth="linear", weekly_seasonality=n >= WEEKLY_MIN_DAYS, yearly_seasonality=False,
                        daily_seasonality=False, interval_width=0.8,
                        uncertainty_samples=200 if task.intervals else 0,
                        holidays=task.holidays)
        if task.launch_age0 is not None:
            age = task.launch_age0 + np.arange(n + task.horizon)
            launch = np.exp(-np.maximum(age, 0.0) / LAUNCH_TAU_DAYS)
            frame["launch"] = launch[:n]
            future["launch"] = launch[n:]
            model.add_regressor("launch", standardize=False)
        model.fit(frame)
        with _GLOBAL_RNG:  # Prophet samples its intervals from numpy's global RNG, shared by the fit threads
            np.random.seed(task.seed)  # noqa: NPY002
            pred = model.predict(future)
        yhat = pred["yhat"].to_numpy()
        if not task.intervals:
            out.append((task.row, yhat, yhat, yhat))
            continue
        out.append((task.row, yhat, pred["yhat_lower"].to_numpy(), pred["yhat_upper"].to_numpy()))
    return out


def top_series(panel: Panel, top: int, window: int = 28) -> np.ndarray:
    """Rows of the ``top`` series by views over the last ``window`` days (ties by region, title)."""
    recent = panel.values[:, -window:].sum(axis=1)
    order = np.lexsort((np.arange(len(recent)), -recent))
    return order[:top][recent[order[:top]] > 0]


def prophet_forecast(panel: Panel, rows: np.ndarray, horizon: int, catalog: pd.DataFrame | None = None,
                     holidays: pd.DataFrame | None = None, scheduler: str | None = None, seed: int = 0,
                     intervals: bool = True, on_fit: Callable[[int], None] | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Prophet forecasts of some rows of a panel (``intervals=False``: bounds equal ``yhat``, faster).

    ``on_fit`` is called with the number of ``rows`` done as fits finish (rows too short to fit count at once).

    Returns
    -------
    fitted, yhat, lower, upper
        ``fitted`` are the rows fitted (series with at least ``MIN_DAYS`` days); the three matrices
        (len(fitted), horizon) are clipped at zero.
    """
    release = None
    if catalog is not None and C.RELEASE_DATE in catalog.columns:
        release = catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.RELEASE_DATE]
    tasks = []
    for row in rows:
        first = max(int(panel.first_seen[row]), panel.n_days - MAX_HISTORY_DAYS)
        if panel.n_days - first < MIN_DAYS:
            continue
        start = panel.start + pd.Timedelta(days=first)
        launched = panel.start + pd.Timedelta(days=int(panel.first_seen[row]))
        if release is not None:
            rel = release.get(panel.keys[C.TITLE].iat[row], pd.NaT)
            launched = rel if pd.notna(rel) else launched
        age0 = float((start - launched).days)
        launch_age0 = age0 if int(panel.first_seen[row]) > 0 and age0 > -horizon else None
        tasks.append(SeriesTask(int(row), start, panel.values[row, first:], horizon, launch_age0, seed, holidays,
                                intervals))
    quiet_prophet()
    if on_fit is not None and len(rows) > len(tasks):
        on_fit(len(rows) - len(tasks))
    results = map_chunks(fit_series, tasks, scheduler, on_done=on_fit)
    fitted = np.array([r[0] for r in results], dtype=int)
    if not results:
        empty = np.zeros((0, horizon))
        return fitted, empty, empty, empty
    yhat, lower, upper = (np.clip(np.vstack([r[i] for r in results]), 0.0, None) for i in (1, 2, 3))
    return fitted, yhat, lower, upper


@register("prophet")
class ProphetForecaster(PanelForecaster):
    """Prophet on the head series, EWMA on the rest ("Prophet alone").

    Parameters
    ----------
    top : int
        Series fitted with Prophet (the most viewed over the last 28 days).
    holidays : DataFrame, optional
        Prophet's holiday frame (``holiday, ds`` and optional ``lower_window, upper_window``), e.g.
        the regional holidays of the scenario's countries.
    """

    def __init__(self, *, top: int = 300, holidays: pd.DataFrame | None = None, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        if top < 0:
            raise ForecastError(f"top must be >= 0 series, got {top}")
        self.top = top
        self.holidays = holidays

    def predict(self, horizon: int) -> pd.DataFrame:
        """Prophet's forecast and 80% interval on the head, calibrated EWMA on the tail."""
        if self.panel_ is None:
            raise ForecastError("model 'prophet' must be fitted before predict")
        p = self.panel_
        rows = top_series(p, self.top)
        self.work.expect(len(calibration_days(len(p.values), p.n_days, horizon)) + len(rows))  # origins, fits
        yhat = np.clip(ewma_point(p.values, p.first_seen, horizon), 0.0, None)
        lower, upper = calibrate(ewma_point, p.values, p.first_seen, horizon, on_origin=self.work.done).bounds(yhat)
        model = np.full(len(p.keys), EWMA.name, dtype=object)
        fitted, f_yhat, f_lower, f_upper = prophet_forecast(p, rows, horizon, self.catalog, self.holidays,
                                                            self.scheduler, self.seed, on_fit=self.work.done)
        yhat[fitted], lower[fitted], upper[fitted] = f_yhat, f_lower, f_upper
        model[fitted] = self.name
        return to_long(p.keys, p.as_of, yhat, lower, upper, model)
