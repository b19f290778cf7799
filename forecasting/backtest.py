"""Rolling-origin backtests: forecast at past cutoffs, score against what happened.

:func:`backtest` runs every model at every cutoff with :func:`~forecasting.api.forecast` (so each sees
only demand dated before its cutoff), joins the forecasts with the actual demand of the target dates and
labels each cell with its popularity decile and whether the title is a launch. :class:`BacktestResult`
turns the cells into measures overall or by any label. Given a placement callback, it also measures the
hit-ratio regret: the hit ratio a plan made from the forecast loses against the same plan made from the
actual demand. The plan is made from what a planner reads (:func:`~forecasting.api.expected_views`: the
expected views ``yhat_mean`` where the forecast has them, else ``yhat``, held to the interval's top and at
least ``p_views``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting import columns as C
from forecasting.api import check_history, expected_views, forecast
from forecasting.errors import ForecastError
from forecasting.metrics import summarize
from forecasting.panel import build_panel
from forecasting.progress import ProgressFn

PlacementFn = Callable[[pd.DataFrame], pd.DataFrame]
"""``place(expected) -> held``: ``expected`` has ``region, title_id, views`` (views expected over the
horizon); the result has one ``region, title_id`` row per title the region's own site would hold."""

LAUNCH_DAYS = 7
SCALE_DAYS = 28
MIN_HISTORY_DAYS = 8
"""Days of history the first cutoff needs (a week for the seasonal naive scale of MASE, plus one)."""


def last_cutoffs(history: pd.DataFrame, n: int, horizon: int = 1) -> list[pd.Timestamp]:
    """The last ``n`` daily cutoffs whose ``horizon`` target days all lie inside the history.

    >>> days = pd.date_range("2024-01-01", periods=30)
    >>> h = pd.DataFrame({"date": days, "region": "r", "title_id": "t", "views": 1.0})
    >>> [f"{d:%m-%d}" for d in last_cutoffs(h, 3, horizon=2)]
    ['01-27', '01-28', '01-29']
    """
    if n < 1 or horizon < 1:
        raise ForecastError(f"need at least one cutoff and a horizon >= 1, got cutoffs={n}, horizon={horizon}")
    first, last = pd.Timestamp(history[C.DATE].min()), pd.Timestamp(history[C.DATE].max())
    latest = last - pd.Timedelta(days=horizon - 1)
    cutoffs = [latest - pd.Timedelta(days=k) for k in range(n - 1, -1, -1)]
    if cutoffs[0] <= first + pd.Timedelta(days=MIN_HISTORY_DAYS):
        need = cutoffs[0] - pd.Timedelta(days=MIN_HISTORY_DAYS)
        raise ForecastError(
            f"{n} cutoffs with horizon {horizon} need history from before {need:%Y-%m-%d}; "
            f"the demand runs only from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
        )
    return cutoffs


@dataclass(frozen=True)
class BacktestResult:
    """Cells, MASE scales, timings and hit-ratio regrets of a backtest.

    Attributes
    ----------
    cells : DataFrame
        ``model, cutoff, date, step, region, title_id, y, yhat, yhat_lower, yhat_upper, decile, launch``.
    scale : DataFrame
        ``cutoff, region, title_id, snaive_abs, snaive_n`` (MASE denominators).
    timings : DataFrame
        ``model, cutoff, seconds, cpu_seconds, series`` (wall and CPU time of each forecast).
    regret : DataFrame
        ``model, cutoff, hit_ratio, oracle_hit_ratio, regret`` (empty without a placement callback).
    """

    cells: pd.DataFrame
    scale: pd.DataFrame
    timings: pd.DataFrame
    regret: pd.DataFrame

    def metrics(self, by: Sequence[str] = ()) -> pd.DataFrame:
        """WAPE, MASE, bias, coverage per model and per the ``by`` labels (e.g. ``["decile"]``)."""
        keys = ["model", *by]
        rows = [{**dict(zip(keys, k if isinstance(k, tuple) else (k,), strict=True)), **summarize(g, self.scale)}
                for k, g in self.cells.groupby(keys, sort=True, observed=True)]
        out = pd.DataFrame(rows)
        if not by and len(self.regret):
            out = out.merge(self.regret.groupby("model", as_index=False)[["hit_ratio", "oracle_hit_ratio",
                                                                         "regret"]].mean(), on="model", how="left")
        if not by and len(self.timings):
            measured = [c for c in ("seconds", "cpu_seconds", "series") if c in self.timings.columns]
            speed = self.timings.groupby("model")[measured].median()
            speed["series_per_second"] = speed["series"] / speed["seconds"].clip(lower=1e-9)
            out = out.merge(speed.reset_index(), on="model", how="left")
        return out


def _scale(history: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    panel = build_panel(history, cutoff, active_days=SCALE_DAYS + 7, max_days=SCALE_DAYS + 7)
    diffs = np.abs(panel.values[:, 7:] - panel.values[:, :-7])
    return panel.keys.assign(cutoff=cutoff, snaive_abs=diffs.sum(axis=1), snaive_n=diffs.shape[1])


def _labels(history: pd.DataFrame, cutoff: pd.Timestamp, keys: pd.DataFrame) -> pd.DataFrame:
    """Popularity decile (1 = the 10% most viewed series over the last 28 days, 0 = no views) and launch."""
    recent = history[(history[C.DATE] < cutoff) & (history[C.DATE] >= cutoff - pd.Timedelta(days=SCALE_DAYS))]
    volume = recent.groupby([C.REGION, C.TITLE], observed=True)[C.VIEWS].sum()
    out = keys.merge(volume.rename("recent").reset_index(), on=[C.REGION, C.TITLE], how="left")
    out["recent"] = out["recent"].fillna(0.0)
    has = out["recent"] > 0
    rank = out.loc[has, "recent"].rank(ascending=False, method="first")
    out["decile"] = 0
    out.loc[has, "decile"] = np.ceil(10 * rank / max(int(has.sum()), 1)).astype(int)
    first = history[history[C.VIEWS] > 0].groupby(C.TITLE, observed=True)[C.DATE].min()
    first_day = out[C.TITLE].map(first)
    out["launch"] = (first_day.isna() | (first_day >= cutoff - pd.Timedelta(days=LAUNCH_DAYS))).to_numpy(bool)
    return out.drop(columns="recent")


def _hit_ratio(held: pd.DataFrame, actual: pd.DataFrame) -> float:
    total = float(actual["bytes"].sum())
    if total <= 0:
        return float("nan")
    hit = actual.merge(held[[C.REGION, C.TITLE]].drop_duplicates(), on=[C.REGION, C.TITLE], how="inner")
    return float(hit["bytes"].sum()) / total


def backtest(history: pd.DataFrame, cutoffs: Sequence[pd.Timestamp], horizon: int = 1,
             models: Sequence[str] = ("snaive7", "ewma", "prophet", "auto"), catalog: pd.DataFrame | None = None,
             scheduler: str | None = None, seed: int = 0, placement: PlacementFn | None = None,
             gb_per_view: pd.Series | None = None,
             progress: Callable[[str], None] | None = None,
             forecast_progress: Callable[[str, pd.Timestamp], ProgressFn] | None = None) -> BacktestResult:
    """Forecast with each model at each cutoff and score against the actual demand.

    Parameters
    ----------
    history : DataFrame
        The whole demand (``date, region, title_id, views``), including the target days.
    cutoffs : sequence of Timestamp
        Forecast origins (``as_of``); see :func:`last_cutoffs`.
    horizon : int
        Days forecast at each cutoff.
    models : sequence of str
        Names of :data:`~forecasting.models.MODELS`.
    catalog, scheduler, seed
        Passed to :func:`~forecasting.api.forecast`.
    placement : callable, optional
        :data:`PlacementFn` used for the hit-ratio regret, given each series' expected views over the
        horizon: ``yhat_mean`` where the forecast has it, else ``yhat``.
    gb_per_view : Series, optional
        GB per view by title id, to weigh views as bytes in the hit ratio (default 1).
    progress : callable, optional
        Called with a line of text after each forecast.
    forecast_progress : callable, optional
        ``forecast_progress(model, cutoff)`` gives the :data:`~forecasting.progress.ProgressFn` of that forecast.

    Returns
    -------
    BacktestResult
    """
    last = pd.Timestamp(history[C.DATE].max())
    check_history(history, last + pd.Timedelta(days=1))
    cells, scales, timings, regrets = [], [], [], []
    for cutoff in cutoffs:
        cutoff = pd.Timestamp(cutoff)
        end = cutoff + pd.Timedelta(days=horizon)
        if end - pd.Timedelta(days=1) > last:
            raise ForecastError(
                f"cutoff {cutoff:%Y-%m-%d} with horizon {horizon} goes past the last date {last:%Y-%m-%d}")
        past = history[history[C.DATE] < cutoff]
        actual = history.loc[(history[C.DATE] >= cutoff) & (history[C.DATE] < end),
                             [C.DATE, C.REGION, C.TITLE, C.VIEWS]].rename(columns={C.VIEWS: "y"})
        scales.append(_scale(past, cutoff))
        for name in models:
            began, cpu = time.perf_counter(), _cpu_seconds()
            fc = forecast(past, cutoff, horizon, name, catalog=catalog, scheduler=scheduler, seed=seed,
                          progress=None if forecast_progress is None else forecast_progress(name, cutoff))
            seconds = time.perf_counter() - began
            n_series = len(fc[[C.REGION, C.TITLE]].drop_duplicates())
            timings.append({"model": name, "cutoff": cutoff, "seconds": seconds, "cpu_seconds": _cpu_seconds() - cpu,
                            "series": n_series})
            cell = fc.drop(columns=C.MODEL).merge(actual, on=[C.DATE, C.REGION, C.TITLE], how="outer")
            cell = cell.assign(y=cell["y"].fillna(0.0), yhat=cell[C.YHAT].fillna(0.0), model=name, cutoff=cutoff,
                               step=(cell[C.DATE] - cutoff).dt.days + 1)
            cells.append(cell)
            if placement is not None:
                regrets.append({"model": name, "cutoff": cutoff,
                                **_regret(cell, placement, gb_per_view)})
            if progress is not None:
                progress(f"{name} at {cutoff:%Y-%m-%d}: {n_series:,} series in {seconds:.1f}s")
    all_cells = pd.concat(cells, ignore_index=True)
    labels = pd.concat([_labels(history[history[C.DATE] < c + pd.Timedelta(days=horizon)], c,
                                all_cells.loc[all_cells["cutoff"] == c, [C.REGION, C.TITLE]].drop_duplicates())
                        .assign(cutoff=c) for c in all_cells["cutoff"].unique()], ignore_index=True)
    all_cells = all_cells.merge(labels, on=["cutoff", C.REGION, C.TITLE], how="left")
    columns = ["model", "cutoff", C.DATE, "step", C.REGION, C.TITLE, "y", C.YHAT, C.YHAT_LOWER, C.YHAT_UPPER,
               "decile", "launch"]
    return BacktestResult(all_cells[columns], pd.concat(scales, ignore_index=True), pd.DataFrame(timings),
                          pd.DataFrame(regrets, columns=["model", "cutoff", "hit_ratio", "oracle_hit_ratio", "regret"]))


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (Prophet's Stan runs are children)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _regret(cell: pd.DataFrame, placement: PlacementFn, gb_per_view: pd.Series | None) -> dict[str, float]:
    """Hit ratio of the plan made from the forecast's expected views against the plan made from the actual.

    The plan reads what a planner reads (:func:`forecasting.api.expected_views`: ``yhat_mean`` where the
    forecast has it, else ``yhat``, at most the interval's top and at least ``p_views``); a cell without a
    forecast row counts as zero. ``cell`` has ``region, title_id, y, yhat`` and optionally ``yhat_upper``,
    ``yhat_mean`` and ``p_views``.
    """
    expected = expected_views(cell)
    per_series = (cell.assign(expected=expected.fillna(0.0))
                  .groupby([C.REGION, C.TITLE], as_index=False, observed=True)[["y", "expected"]].sum())
    weight = per_series[C.TITLE].map(gb_per_view).fillna(0.0) if gb_per_view is not None else 1.0
    actual = per_series.assign(bytes=per_series["y"] * weight)
    planned = placement(per_series[[C.REGION, C.TITLE, "expected"]].rename(columns={"expected": C.VIEWS}))
    oracle = placement(per_series[[C.REGION, C.TITLE, "y"]].rename(columns={"y": C.VIEWS}))
    hit, best = _hit_ratio(planned, actual), _hit_ratio(oracle, actual)
    return {"hit_ratio": hit, "oracle_hit_ratio": best, "regret": best - hit}
