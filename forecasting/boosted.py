"""A global LightGBM model across all series, through mlforecast (the approach that won M5).

One model learns from every series at once: each series is divided by its ``scale`` (mean daily views over the
last ``SCALE_DAYS`` days, at least one view in ``SCALE_DAYS``), so series of any size share one pattern, and
each training row is weighted by that scale, so an L1 loss on the scaled views is the pooled absolute error of
the views themselves (the contract's WAPE). Features (mlforecast): lags 1, 2, 3, 7, 14 and 21; rolling means of
7 and 28 days of lag 1; the mean of the same weekday over four weeks (lag 7); the weekday; the age in days since
the series' first view; its scale (log) and, when known, its region. Days 2.. of the horizon are forecast
recursively.

The cost is bounded whatever the panel: training uses at most ``MAX_TRAIN_SERIES`` series (the head by recent
views, then a seeded sample of the rest) over their last days (at most ``MAX_TRAIN_ROWS`` rows, a year at
most), with ``N_ROUNDS`` boosting rounds; the model forecasts the ``MAX_SERIES`` series with most recent
views and the mean of their last 7 days is given to the others (and to every series when the history is
shorter than ``MIN_DAYS``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from forecasting import columns as C
from forecasting.errors import ForecastError
from forecasting.intervals import PointFn, calibration_days
from forecasting.models import Mean7, PanelForecaster, mean7_point, register
from forecasting.statistical import head_rows

Objective = Literal["l1", "poisson", "tweedie", "l2"]
OBJECTIVES: tuple[str, ...] = ("l1", "poisson", "tweedie", "l2")
DEFAULT_OBJECTIVE: Objective = "l1"
LAGS = (1, 2, 3, 7, 14, 21)
WARMUP_DAYS = 35
"""History before a target day that its features read (lag 7 + four weeks of the same weekday)."""
SCALE_DAYS = 28
MAX_TRAIN_ROWS = 120_000
MIN_TRAIN_DAYS, MAX_TRAIN_DAYS = 28, 364
"""Target days per training series (the most recent): ``MAX_TRAIN_ROWS`` split over the training series,
from 28 (at ``MAX_TRAIN_SERIES``) up to a year for small panels."""
MAX_TRAIN_SERIES = 4_000
MAX_SERIES = 200_000
MIN_DAYS = 14
N_ROUNDS = 150
CALIBRATION_ORIGINS = 7
"""Past origins of the interval calibration (each retrains the model)."""


def weekday(ds: np.ndarray) -> np.ndarray:
    """Day of the week of a panel column index (column 0 is weekday 0): the panel carries no dates."""
    return np.asarray(ds) % 7


def _scale(values: np.ndarray) -> np.ndarray:
    return np.maximum(values[:, -SCALE_DAYS:].mean(axis=1), 1.0 / SCALE_DAYS) if values.shape[1] else np.ones(0)


def _long(values: np.ndarray, rows: np.ndarray, first_col: int, first_seen: np.ndarray, scale: np.ndarray,
          regions: np.ndarray) -> pd.DataFrame:
    """mlforecast's long frame of ``rows`` from column ``first_col`` on, scaled, with the features' columns."""
    n_cols = values.shape[1] - first_col
    cols = np.arange(first_col, values.shape[1])
    return pd.DataFrame({
        "unique_id": np.repeat(rows, n_cols),
        "ds": np.tile(cols, len(rows)),
        "y": (values[rows, first_col:] / scale[rows, None]).reshape(-1),
        "region": np.repeat(regions[rows], n_cols),
        "log_scale": np.repeat(np.log(scale[rows]), n_cols),
        "age": (cols[None, :] - first_seen[rows, None]).reshape(-1),
    })


def _regressor(objective: str, seed: int, n_rows: int) -> Any:
    import lightgbm as lgb

    # small panels give few rows: smaller leaves, or no split at all
    params: dict[str, Any] = {"objective": objective, "min_child_samples": int(np.clip(n_rows // 100, 5, 50))}
    if objective == "tweedie":
        params["tweedie_variance_power"] = 1.2
    return lgb.LGBMRegressor(n_estimators=N_ROUNDS, learning_rate=0.05, num_leaves=31,
                             subsample=0.8, subsample_freq=1, colsample_bytree=0.8, random_state=seed,
                             n_jobs=1, deterministic=True, force_row_wise=True, verbose=-1,
                             **params)


@dataclass(frozen=True)
class BoostedFit:
    """The global model fitted on a panel's history: forecasts from that history or any later one."""

    mlf: Any  # the fitted MLForecast
    labels: np.ndarray  # region code of each panel row
    categories: np.ndarray  # every region code
    n_days: int  # history days it was trained on


def _check(values: np.ndarray, first_seen: np.ndarray, regions: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(values, dtype=float)
    first_seen = np.asarray(first_seen, dtype=int)
    n_series = values.shape[0] if values.ndim == 2 else -1
    if n_series < 0 or first_seen.shape != (n_series,) or (regions is not None and len(regions) != n_series):
        raise ForecastError(f"values must be (n_series, n_days), first_seen and regions (n_series,), got "
                            f"{np.shape(values)}, {first_seen.shape} and {None if regions is None else len(regions)}")
    return values, first_seen


def boosted_fit(values: np.ndarray, first_seen: np.ndarray, regions: np.ndarray | None = None,
                objective: str = DEFAULT_OBJECTIVE, seed: int = 0) -> BoostedFit | None:
    """Train the global LightGBM model on a panel's history (None: too short, or no series with views).

    Parameters are those of :func:`boosted_forecast`.
    """
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean, SeasonalRollingMean

    if objective not in OBJECTIVES:
        raise ForecastError(f"unknown LightGBM objective {objective!r}; valid: {', '.join(OBJECTIVES)}")
    values, first_seen = _check(values, first_seen, regions)
    n_days = values.shape[1]
    rows = head_rows(values, MAX_SERIES, SCALE_DAYS)
    if n_days < MIN_DAYS or len(rows) == 0:
        return None
    labels = np.zeros(len(values), dtype=int) if regions is None else pd.factorize(np.asarray(regions))[0]
    categories = np.unique(labels)
    scale = _scale(values)
    rng = np.random.default_rng(seed)
    train = rows[: MAX_TRAIN_SERIES // 2]
    rest = rows[MAX_TRAIN_SERIES // 2:]
    if len(rest):
        take = min(len(rest), MAX_TRAIN_SERIES - len(train))
        train = np.r_[train, np.sort(rng.choice(rest, take, replace=False))]
    train_days = int(np.clip(MAX_TRAIN_ROWS // len(train), MIN_TRAIN_DAYS, MAX_TRAIN_DAYS))
    first_col = max(0, n_days - train_days - WARMUP_DAYS)
    mlf = MLForecast(
        models={"lgb": _regressor(objective, seed, len(train) * min(train_days, n_days))}, freq=1, lags=list(LAGS),
        lag_transforms={1: [RollingMean(window_size=7, min_samples=1), RollingMean(window_size=28, min_samples=1)],
                        7: [SeasonalRollingMean(season_length=7, window_size=4, min_samples=1)]},
        date_features=[weekday], num_threads=1,
    )
    frame = _long(values, train, first_col, first_seen, scale, labels)
    frame["region"] = pd.Categorical(frame["region"], categories=categories)
    prep = pd.DataFrame(mlf.preprocess(frame, static_features=["region", "log_scale"], dropna=False))
    keep = (prep["age"].to_numpy() >= 0) & (prep["ds"].to_numpy() >= n_days - train_days)
    prep = prep[keep]
    weight = scale[prep["unique_id"].to_numpy()]
    features = prep.drop(columns=["unique_id", "ds", "y"])
    mlf.fit_models(features, prep["y"].to_numpy(), models_fit_kwargs={"lgb": {"sample_weight": weight}})
    return BoostedFit(mlf, labels, categories, n_days)


def boosted_predict(fit: BoostedFit | None, values: np.ndarray, first_seen: np.ndarray,
                    horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Forecast a panel's series from its history ``values`` (that of the fit, or a later one of the same
    rows) with a fitted model: ``yhat`` (n_series, horizon), >= 0, and True where LightGBM forecast a series
    (the ``MAX_SERIES`` with most recent views; the others get the mean of their last 7 days)."""
    if horizon < 1:
        raise ForecastError(f"horizon must be >= 1 day, got {horizon}")
    values, first_seen = _check(values, first_seen, None)
    n_series, n_days = values.shape
    yhat = mean7_point(values, first_seen, horizon)
    fitted = np.zeros(n_series, dtype=bool)
    rows = head_rows(values, MAX_SERIES, SCALE_DAYS)
    if fit is None or n_days < MIN_DAYS or len(rows) == 0:
        return np.clip(yhat, 0.0, None), fitted
    if len(fit.labels) != n_series:
        raise ForecastError(f"the model was fitted on {len(fit.labels)} series, asked to forecast {n_series}")
    scale = _scale(values)
    new = _long(values, rows, max(0, n_days - WARMUP_DAYS - 1), first_seen, scale, fit.labels)
    new["region"] = pd.Categorical(new["region"], categories=fit.categories)
    future_ds = np.arange(n_days, n_days + horizon)
    future = pd.DataFrame({"unique_id": np.repeat(rows, horizon), "ds": np.tile(future_ds, len(rows)),
                           "age": (future_ds[None, :] - first_seen[rows, None]).reshape(-1)})
    pred = fit.mlf.predict(horizon, new_df=new, X_df=future).sort_values(["unique_id", "ds"])
    order = np.argsort(rows, kind="stable")  # predict returns the series sorted by id
    out = pred["lgb"].to_numpy().reshape(len(rows), horizon)
    yhat[rows[order]] = out * scale[rows[order], None]
    fitted[rows] = True
    return np.clip(yhat, 0.0, None), fitted


def boosted_forecast(values: np.ndarray, first_seen: np.ndarray, horizon: int,
                     regions: np.ndarray | None = None, objective: str = DEFAULT_OBJECTIVE,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Train the global LightGBM model on a panel and forecast its series.

    Parameters
    ----------
    values : ndarray
        History (n_series, n_days) of daily views.
    first_seen : ndarray
        Column of each series' first day with views.
    horizon : int
        Days to forecast.
    regions : ndarray, optional
        A region label per series (a categorical feature); None: no region feature.
    objective : str
        LightGBM objective on the scaled views, one of :data:`OBJECTIVES`.
    seed : int
        Seed of the training-series sample and of LightGBM's bagging.

    Returns
    -------
    yhat, fitted
        Forecasts (n_series, horizon), >= 0, and a boolean per series: True where LightGBM forecast it.

    Raises
    ------
    ForecastError
        Unknown objective, ``horizon`` < 1, inconsistent shapes.
    """
    if horizon < 1:
        raise ForecastError(f"horizon must be >= 1 day, got {horizon}")
    return boosted_predict(boosted_fit(values, first_seen, regions, objective, seed), values, first_seen, horizon)


def fit_once_point(regions: np.ndarray | None = None, objective: str = DEFAULT_OBJECTIVE, seed: int = 0,
                   fit_days: int | None = None) -> PointFn:
    """The global model as a :data:`~forecasting.intervals.PointFn` that trains once and forecasts every history
    of the same rows from that fit, with their own features.

    It trains on the first ``fit_days`` days of the first history it is asked about (default: all of it; a
    rolling-origin backtest that gives its earliest origin forecasts every origin, and the last day, from one
    fit, so that its errors there measure the forecast made from it); a shorter history than the fit's
    retrains (no forecast reads a model trained on its future).
    """
    lock = threading.Lock()
    fits: list[BoostedFit | None] = []

    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        with lock:
            if not fits or fits[0] is None or fits[0].n_days > values.shape[1]:
                days = values.shape[1] if fit_days is None else min(fit_days, values.shape[1])
                fits[:] = [boosted_fit(values[:, :days], np.minimum(first_seen, days), regions, objective, seed)]
            fit = fits[0]
        return boosted_predict(fit, values, first_seen, horizon)[0]

    return point


def boosted_point(regions: np.ndarray | None = None, objective: str = DEFAULT_OBJECTIVE, seed: int = 0) -> PointFn:
    """The global LightGBM model as a :data:`~forecasting.intervals.PointFn` (``regions`` per panel row)."""

    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        return boosted_forecast(values, first_seen, horizon, regions, objective, seed)[0]

    return point


def lightgbm_point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
    """PointFn of the global LightGBM model without the region feature (see :func:`boosted_point`)."""
    return boosted_forecast(values, first_seen, horizon)[0]


@register("lightgbm")
class LightGBMForecaster(PanelForecaster):
    """One LightGBM model trained across all series (mlforecast), with calibrated 80% intervals.

    Parameters
    ----------
    objective : str
        LightGBM objective on the scaled views (:data:`OBJECTIVES`; default :data:`DEFAULT_OBJECTIVE`).
    """

    def __init__(self, *, objective: str = DEFAULT_OBJECTIVE, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        if objective not in OBJECTIVES:
            raise ForecastError(f"unknown LightGBM objective {objective!r}; valid: {', '.join(OBJECTIVES)}")
        self.objective = objective

    def point(self, values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        """The global model's forecast (regions of the fitted panel as a feature)."""
        regions = None if self.panel_ is None else self.panel_.keys[C.REGION].to_numpy()
        return boosted_forecast(values, first_seen, horizon, regions, self.objective, self.seed)[0]

    def predict(self, horizon: int) -> pd.DataFrame:
        """Forecast every series of the fitted panel; rows left to the mean of 7 are labelled ``mean7``."""
        if self.panel_ is None:
            raise ForecastError("model 'lightgbm' must be fitted before predict")
        p = self.panel_
        # work: the forecast, then each calibration origin (each one more fit)
        self.work.expect(1 + len(calibration_days(len(p.values), p.n_days, horizon, CALIBRATION_ORIGINS)))
        yhat, fitted = boosted_forecast(p.values, p.first_seen, horizon, p.keys[C.REGION].to_numpy(),
                                        self.objective, self.seed)
        self.work.done()
        return self.calibrated_frame(yhat, np.where(fitted, self.name, Mean7.name).astype(object), horizon,
                                     CALIBRATION_ORIGINS)
