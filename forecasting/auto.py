"""``auto``: per-segment model choice by backtest on the history itself.

Series are split into segments (launch-phase titles, head, torso, long tail by recent views). Every
candidate forecaster is run at the last days of the history as if each were the forecast origin; each
segment then uses the candidate with the lowest WAPE there. Intervals are calibrated on the combined
forecast (:mod:`forecasting.intervals`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.errors import ForecastError
from forecasting.intervals import PointFn, calibrate
from forecasting.models import PanelForecaster, ewma_point, register, snaive7_point
from forecasting.panel import Panel, to_long

SEGMENTS = ("launch", "head", "torso", "tail")
LAUNCH_DAYS = 14
HEAD_SHARE, TORSO_SHARE = 0.5, 0.9


def segment_series(panel: Panel, window: int = 28) -> np.ndarray:
    """Segment of each series: ``launch`` (first view in the last ``LAUNCH_DAYS`` days), else ``head``
    (the biggest series making ``HEAD_SHARE`` of recent views), ``torso`` (up to ``TORSO_SHARE``), ``tail``."""
    recent = panel.values[:, -window:].sum(axis=1)
    order = np.argsort(-recent, kind="stable")
    cumulative = np.cumsum(recent[order]) / max(recent.sum(), 1e-12)
    seg = np.empty(len(recent), dtype=object)
    seg[order] = np.where(cumulative <= HEAD_SHARE, "head", np.where(cumulative <= TORSO_SHARE, "torso", "tail"))
    if len(order):
        seg[order[0]] = "head" if seg[order[0]] == "torso" else seg[order[0]]
    seg[panel.history_days() <= LAUNCH_DAYS] = "launch"
    return seg


def weekly_profile(values: np.ndarray, groups: np.ndarray, weeks: int = 4) -> np.ndarray:
    """Weekday index of each series from its group's totals over the last ``weeks`` weeks.

    Returns an array (n_series, 7) indexed by ``day % 7`` of the panel's day columns, mean 1 per row.
    """
    n_days = values.shape[1]
    span = min(7 * weeks, n_days - n_days % 7 if n_days >= 7 else 0)
    if span < 7:
        return np.ones((len(values), 7))
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    totals = np.zeros((n_groups, span))
    np.add.at(totals, groups, values[:, -span:])
    by_day = totals.reshape(n_groups, span // 7, 7).sum(axis=1)  # columns: day index mod 7 offset by start
    mean = by_day.mean(axis=1, keepdims=True)
    index = np.divide(by_day, mean, out=np.ones_like(by_day), where=mean > 0)
    shift = (n_days - span) % 7  # column j of by_day is panel day d with d % 7 == (shift + j) % 7
    index = np.roll(index, shift, axis=1)
    return index[groups]


def seasonal_ewma_point(groups: np.ndarray, halflife: float) -> PointFn:
    """EWMA of deseasonalised views times the group's weekday index of each target day."""

    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        n_days = values.shape[1]
        profile = weekly_profile(values, groups)
        past_index = profile[:, np.arange(n_days) % 7]
        level = ewma_point(values / np.maximum(past_index, 1e-9), first_seen, 1, halflife)[:, 0]
        ahead = profile[:, (n_days + np.arange(horizon)) % 7]
        return level[:, None] * ahead

    return point


def candidates(panel: Panel) -> dict[str, PointFn]:
    """The fast candidate forecasters of ``auto``."""
    regions = pd.factorize(panel.keys[C.REGION])[0]
    out: dict[str, PointFn] = {"snaive7": snaive7_point}
    for hl in (1.0, 2.0, 4.0):
        out[f"ewma{hl:g}"] = lambda v, f, h, hl=hl: ewma_point(v, f, h, hl)
        out[f"sewma{hl:g}"] = seasonal_ewma_point(regions, hl)
    return out


@dataclass(frozen=True)
class Choice:
    """The candidate chosen per segment, and the backtest WAPE of every candidate per segment."""

    by_segment: dict[str, str]
    wape: pd.DataFrame


def backtest_errors(point: PointFn, values: np.ndarray, first_seen: np.ndarray, horizon: int,
                    n_origins: int) -> tuple[np.ndarray, np.ndarray]:
    """Absolute error and actual views per series, summed over the last ``n_origins`` origins."""
    n_days = values.shape[1]
    err = np.zeros(len(values))
    act = np.zeros(len(values))
    for origin in range(max(1, n_days - n_origins - horizon + 1), n_days):
        steps = min(horizon, n_days - origin)
        yhat = np.clip(point(values[:, :origin], np.minimum(first_seen, origin), steps), 0.0, None)
        seen = (first_seen < origin)[:, None]
        actual = values[:, origin:origin + steps]
        err += (np.abs(actual - yhat) * seen).sum(axis=1)
        act += (actual * seen).sum(axis=1)
    return err, act


def choose(points: dict[str, PointFn], panel: Panel, segments: np.ndarray, horizon: int,
           n_origins: int = 7) -> Choice:
    """Pick, per segment, the candidate with the lowest WAPE at the last ``n_origins`` origins."""
    rows = []
    for name, point in points.items():
        err, act = backtest_errors(point, panel.values, panel.first_seen, horizon, n_origins)
        for seg in SEGMENTS:
            mask = segments == seg
            if mask.any():
                total = act[mask].sum()
                rows.append({"segment": seg, "candidate": name,
                             "wape": err[mask].sum() / total if total > 0 else np.inf, "series": int(mask.sum())})
    wape = pd.DataFrame(rows, columns=["segment", "candidate", "wape", "series"])
    by_segment = {}
    for seg, grp in wape.groupby("segment", sort=False):
        by_segment[str(seg)] = str(grp.sort_values(["wape", "candidate"]).iloc[0]["candidate"])
    return Choice(by_segment, wape)


def combined_point(points: dict[str, PointFn], segments: np.ndarray, choice: dict[str, str]) -> PointFn:
    """One point forecaster applying each segment's chosen candidate to its series."""
    chosen: dict[str, np.ndarray] = {}
    for seg, name in choice.items():
        chosen[name] = chosen.get(name, np.zeros(len(segments), dtype=bool)) | (segments == seg)

    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        out = np.zeros((len(values), horizon))
        for name, mask in chosen.items():
            out[mask] = points[name](values, first_seen, horizon)[mask]
        return out

    return point


@register("auto")
class Auto(PanelForecaster):
    """The default model: each segment of series gets the candidate that backtests best on it.

    After :meth:`predict`, ``choice_`` holds the chosen candidate per segment and every candidate's WAPE.
    """

    choice_: Choice | None = None

    def predict(self, horizon: int) -> pd.DataFrame:
        """Choose per segment, forecast, calibrate the intervals of the combined forecast."""
        if self.panel_ is None:
            raise ForecastError("model 'auto' must be fitted before predict")
        p = self.panel_
        segments = segment_series(p)
        points = candidates(p)
        self.choice_ = choose(points, p, segments, horizon)
        point = combined_point(points, segments, self.choice_.by_segment)
        yhat = np.clip(point(p.values, p.first_seen, horizon), 0.0, None)
        lower, upper = calibrate(point, p.values, p.first_seen, horizon).bounds(yhat)
        return to_long(p.keys, p.as_of, yhat, lower, upper, self.name)
