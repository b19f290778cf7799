"""``auto``: the best of the naive baselines and the fast models, chosen by rolling-origin backtest.

1. **Candidates** (vectorised over every series): the naive baselines (last value, mean of 7, seasonal
   naive 7), EWMA, seasonal EWMA with the region's weekday index and with the series' own (a median of
   weekday ratios, :func:`own_profile`), and top-down share models: the title's EWMA share of its region's views,
   corrected for where it stands on the launch curve (:mod:`forecasting.launch`), times the region total
   forecast (seasonal EWMA), and its share of every region's views times its affinity to the region
   (:func:`pooled_share_point`); plus the median of each segment's three best (``combo``; own-index ones
   excluded).
2. **Choice**: every candidate is run at the last days of the history (:func:`selection_origins`) as if each were
   the origin. Series are split into segments (launch phase, head, torso, tail by recent views; one segment
   for small panels). A candidate other than a naive baseline replaces the best naive only where its paired
   error differences over the origins are significant (t > ``MIN_T``): per segment, and per series for
   predictable series (which choose their own, shrunk towards their segment's). The head's top series are
   also tried with Prophet and switch to it only if it backtests ``PROPHET_MARGIN`` better. On small panels
   (:class:`SmallPanelRoute`) the whole choice is made again at every calibration origin. On larger panels of up
   to ``BLEND_MAX_SERIES`` series whose earliest origin has ``WARMUP_DAYS`` of history (the calibration window
   shortened to start there where the selection origins do, :func:`blend_calibration_origins`), each segment's
   forecast is averaged with the global LightGBM model's (:func:`blended_segments`) unless that backtests
   significantly worse.
3. **Cold start**: titles of the catalog released from ``as_of - COLD_DAYS`` to the end of the horizon with no
   views get a launch-curve forecast whose level comes from analog titles.
4. **Calibration**: the chosen forecasts are forecasts of expected views; per segment and step, their own errors
   at past origins (of every series active there, titles that left included; on small panels those of the
   choice made at each origin) give the point ``yhat``, their
   median (the point of least absolute error, 0 on most intermittent series), the 80% interval, the expected
   views ``yhat_mean`` (their mean) and the chance of a view (:mod:`forecasting.intervals`); on small panels the
   interval also follows each series' recent error scale (``SCALE_DAYS``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from forecasting import columns as C
from forecasting.boosted import WARMUP_DAYS, fit_once_point
from forecasting.errors import ForecastError
from forecasting.intervals import (
    MAX_ORIGINS,
    MIN_ORIGINS,
    MIN_T,
    SCALE_DAYS,
    Calibration,
    PointFn,
    calibrate,
    calibration_days,
    calibration_origins,
    paired_t,
    paired_variance,
)
from forecasting.launch import FIRST_WEEK, LaunchCurve, analog_levels, learn_curve
from forecasting.models import (
    PanelForecaster,
    default_as_of,
    ewma_point,
    last_value_point,
    mean7_point,
    register,
    snaive7_point,
)
from forecasting.panel import ACTIVE_DAYS, Panel, active_rows, build_panel, to_long
from forecasting.parallel import local_workers, map_threads
from forecasting.progress import Work
from forecasting.prophet_model import prophet_forecast

SEGMENTS = ("launch", "head", "torso", "tail")
LAUNCH_DAYS = 14
COLD_DAYS = 3
"""Catalog titles released from ``as_of - COLD_DAYS`` on without any views get the analog cold start."""
HEAD_SHARE, TORSO_SHARE = 0.5, 0.9
SMALL_PANEL = 100
EWMA_WINDOW = 28
SELECTION_BUDGET = 100_000
MIN_SELECTION_ORIGINS, SHORT_SELECTION_ORIGINS, MAX_SELECTION_ORIGINS = 7, 28, 91
"""Past origins of the candidate backtests (:func:`selection_origins`): enough for ``SELECTION_BUDGET`` errors
per candidate, from the last week (a million series) to the last four weeks (a few thousand or fewer): on
data/movietweetings, data/wikipedia and the longlived profile 28 origins chose better than 7 (WAPE 0.938 against
0.970, 0.392 against 0.407, 0.130 against 0.137). A long history allows up to its last quarter, at most 13 weeks:
on a few long series 28 origins let one month decide (data/wikipedia over 16 periods of 8 days: 0.807x the best
naive baseline with 28, 0.733x with 91), while on a few months of history the older origins, with little history
before them, chose worse. A forecast of ``h`` days has ``h`` errors per series at each origin, so the cap is
``MAX_SELECTION_ORIGINS // h`` origins (28 from four days on): at horizon 7, 91 origins took the 5-region
Wikipedia set from 0.864x to 0.940x (BENCHMARKS.md, "Issue 10, thirteenth round")."""
OWN_PROFILE_WEEKS = 8
PROFILE_VIEWS = 10.0
PROFILE_FLOOR = 0.1
OWN_HALFLIVES = (0.0, 0.5, 1.0, 2.0)
"""Half-lives of the candidates with the series' own weekday index (``osewma*``; 0: the weekday-adjusted last
value). On data/wikipedia (2 articles, every day of 2008-2015 as an origin) they pool a WAPE of 0.354-0.385
against the last value's 0.481, where the region total's index (``sewma``) helps less: a region's index is its
biggest series'. Half a day (a smoothing weight of 0.75 on the last day) fills the gap between the last value
and a day: it is the best exponential smoothing of a level that walks by 3% a day under 2% noise, as smooth
series of steady demand do."""
AFFINITY_VIEWS = PROFILE_VIEWS
"""Prior views of a title's regional affinity (``pshare*``): as for the own weekday index, the count whose
Poisson noise is 0.3 of it."""
OWN_MAX_SERIES = 100_000
"""Panels (history panels: every series active at a past origin) of at most this many series try the own-index
candidates: on 238,829 series (``cdn generate --sites 50 --titles 5000 --days 60``) they took a forecast from
42.6 to 65.3 CPU s and were chosen for none; the national panel (3.2 million) would pay the same share."""
PROFILE_CACHE = 3
"""Own indices kept (one per origin: the candidates' backtests run concurrently at different origins)."""
OWN_PREFIX = "osewma"
"""The own-index candidates compete alone, not inside the combination: on data/movietweetings (sparse
ratings) the weekday-adjusted last value entered the tail's and torso's three best and their median took
``auto`` from 0.995 to 1.122 (a weekday ratio of an intermittent series is noise)."""
SERIES_CHOICE_DAYS = 28
SERIES_CHOICE_WAPE = 0.5
"""A series with at least ``SERIES_CHOICE_DAYS`` days of history whose best naive baseline backtests below
this WAPE (a predictable series) chooses its own candidate, shrunk towards its segment's; noisier series
take their segment's choice (their own few errors would pick noise)."""
PRIOR_WEIGHT = 1.0
"""Weight of the segment's WAPE against the series' own backtest error in a series' choice where it cannot be
estimated (:func:`shrinkage_weight`: a segment with fewer than two predictable series)."""
BLEND_MAX_SERIES = 100_000
"""History panels of more than ``SMALL_PANEL`` and at most this many series also try, per segment, the even blend
of the chosen forecast with the global LightGBM model (:func:`blended_segments`): one fit (a few CPU seconds,
bounded by the model's own caps) and one prediction per origin; the national panel does not pay for it, and on
a few series (small panels) a global model has little to learn from."""
BLEND_OBJECTIVE = "tweedie"
"""LightGBM's objective in the blend: a mean, as the candidates forecast expected views (the L1 median of
``lightgbm`` is near 0 on sparse series and took ``auto``'s coverage to 0.216 as a candidate)."""
COMBO_SIZE = 3
"""The combination candidate averages the ``COMBO_SIZE`` best candidates of each segment."""
NAIVE = ("last_value", "mean7", "snaive7")
PROPHET_MARGIN = 0.1
"""Prophet replaces the fast forecast of the head only when it wins at every origin and its summed backtest
error is this much lower: on data/wikipedia smaller wins did not hold on the next days."""
PROPHET_MIN_DAYS = 56
"""Prophet is tried only on series with at least eight weeks of history (shorter, it over-fits)."""


def blend_calibration_origins(n_series: int, n_days: int, horizon: int) -> int:
    """Calibration origins of a panel that may be blended with the global model (:func:`blended_segments`): the
    usual ones (:func:`~forecasting.intervals.calibration_origins`), or fewer, down to ``MIN_ORIGINS``, where
    they would start before the ``WARMUP_DAYS`` the model's features read and the selection origins do not. Two
    or three months of history then give up their oldest calibration origins rather than the blend (which
    lowers the regret of launch-heavy panels most, BENCHMARKS.md "Issue 10, eleventh round").

    >>> [blend_calibration_origins(500, n_days, 1) for n_days in (200, 80, 56, 40)]
    [56, 45, 56, 56]
    """
    usual = calibration_origins(n_series)
    after_warmup = n_days - WARMUP_DAYS - horizon + 1
    selected_after = origins(n_days, horizon, selection_origins(n_series, n_days, horizon))[0] >= WARMUP_DAYS
    return after_warmup if selected_after and MIN_ORIGINS <= after_warmup < usual else usual


def selection_origins(n_series: int, n_days: int, horizon: int) -> int:
    """Past origins of the candidate backtests of a panel of ``n_series`` series and ``n_days`` days forecast
    ``horizon`` days ahead: enough for ``SELECTION_BUDGET`` errors per candidate, at least
    ``MIN_SELECTION_ORIGINS``, at most the last quarter of the history and ``MAX_SELECTION_ORIGINS // horizon``
    but no fewer than ``SHORT_SELECTION_ORIGINS``.

    >>> [selection_origins(2, n_days, 1) for n_days in (60, 200, 2900)]
    [28, 50, 91]
    >>> [selection_origins(2, 2900, horizon) for horizon in (2, 7)]
    [45, 28]
    >>> selection_origins(10_000, 2900, 1), selection_origins(3_000_000, 60, 1)
    (10, 7)
    """
    most = max(min(n_days // 4, MAX_SELECTION_ORIGINS // horizon), SHORT_SELECTION_ORIGINS)
    return int(np.clip(-(-SELECTION_BUDGET // max(n_series, 1)), MIN_SELECTION_ORIGINS, most))


def segment_series(values: np.ndarray, first_seen: np.ndarray, window: int = 28) -> np.ndarray:
    """Segment of each series: ``launch`` (first view in the last ``LAUNCH_DAYS`` days), else ``head``
    (the biggest series making ``HEAD_SHARE`` of recent views), ``torso`` (up to ``TORSO_SHARE``), ``tail``;
    with fewer than ``SMALL_PANEL`` series with recent views past their launch phase, all of those are
    ``head``. Series without views in the ``window`` (kept for the backtests) are ``tail``.

    ``values`` (n_series, n_days) and ``first_seen`` are those of a panel, or of its first days (the
    segments at a past origin).
    """
    recent = values[:, -window:].sum(axis=1)
    order = np.argsort(-recent, kind="stable")
    cumulative = np.cumsum(recent[order]) / max(recent.sum(), 1e-12)
    seg = np.empty(len(recent), dtype=object)
    names = np.array(["head", "torso", "tail"], dtype=object)  # three shared strings, not a new one per series
    seg[order] = names[np.where(cumulative <= HEAD_SHARE, 0, np.where(cumulative <= TORSO_SHARE, 1, 2))]
    if len(order) and seg[order[0]] != "head":
        seg[order[0]] = "head"
    launch = values.shape[1] - first_seen <= LAUNCH_DAYS
    if (~launch & (recent > 0)).sum() < SMALL_PANEL:  # too few series to split: one segment pools all their evidence
        seg[:] = "head"
    seg[launch] = "launch"
    return seg


def weekly_profile(values: np.ndarray, weeks: int = 4) -> np.ndarray:
    """Weekday index (n_rows, 7) of each row from its last ``weeks`` full weeks, indexed by ``day % 7``.

    Rows average 1; rows with no views (or under a week of history) get 1 everywhere.
    """
    n_days = values.shape[1]
    span = min(7 * weeks, n_days - n_days % 7)
    if span < 7:
        return np.ones((len(values), 7))
    by_day = values[:, -span:].reshape(len(values), span // 7, 7).sum(axis=1)
    mean = by_day.mean(axis=1, keepdims=True)
    index = np.divide(by_day, mean, out=np.ones_like(by_day), where=mean > 0)
    return np.roll(index, (n_days - span) % 7, axis=1)


def own_profile(values: np.ndarray, fallback: np.ndarray, weeks: int = OWN_PROFILE_WEEKS) -> np.ndarray:
    """Each series' own weekday index (n_series, 7, indexed by ``day % 7``), robust to spikes.

    For each of the last ``weeks`` full weeks, every day's views over that week's mean; the index is the
    median over the weeks (one week of a spike or a holiday moves a mean of ratios, not their median),
    normalised to average 1. It is shrunk towards ``fallback`` (n_series, 7: e.g. the region's index) with
    weight ``m / (m + PROFILE_VIEWS)``, ``m`` the series' mean daily views (a day's ratio of a Poisson count
    of ``PROFILE_VIEWS`` has a relative noise of 0.3), and floored at ``PROFILE_FLOOR`` (a forecast divides by
    it).

    Weekdays at 200 views and weekends at 100: ratios 7/6 and 7/12, 171.4 views a day, weight 0.945 towards them:

    >>> week = [200.0] * 5 + [100.0] * 2
    >>> own_profile(np.array([week * 8]), np.ones((1, 7)))[0].round(3)
    array([1.157, 1.157, 1.157, 1.157, 1.157, 0.606, 0.606])
    """
    n_rows, n_days = values.shape
    span = min(7 * weeks, n_days - n_days % 7)
    if span < 7:
        return np.maximum(fallback, PROFILE_FLOOR)
    by_week = values[:, -span:].reshape(n_rows, span // 7, 7)
    week_mean = by_week.mean(axis=2, keepdims=True)
    ratio = np.divide(by_week, week_mean, out=np.ones_like(by_week), where=week_mean > 0)
    ordered = np.sort(ratio, axis=1)  # the median over the weeks (a sort of 8 is 5x faster than np.median)
    weeks_in = ordered.shape[1]
    index = 0.5 * (ordered[:, (weeks_in - 1) // 2] + ordered[:, weeks_in // 2])
    index_mean = index.mean(axis=1, keepdims=True)
    index = np.roll(np.divide(index, index_mean, out=np.ones_like(index), where=index_mean > 0),
                    (n_days - span) % 7, axis=1)
    views = week_mean.mean(axis=(1, 2))[:, None]
    weight = views / (views + PROFILE_VIEWS)
    return np.maximum(weight * index + (1.0 - weight) * fallback, PROFILE_FLOOR)


def own_seasonal_ewma(values: np.ndarray, first_seen: np.ndarray, horizon: int, halflife: float,
                      profile: np.ndarray) -> np.ndarray:
    """EWMA of views divided by each series' own weekday index ``profile`` (n_series, 7), times the index of
    each target day (``halflife=0``: the last day's views so adjusted).

    >>> values = np.array([[4.0, 2.0]])  # an index twice as high on even days
    >>> profile = np.array([[4 / 3, 2 / 3] * 3 + [4 / 3]])
    >>> own_seasonal_ewma(values, np.array([0]), 2, 0.0, profile).round(6)
    array([[4., 2.]])
    """
    n_days = values.shape[1]
    window = min(EWMA_WINDOW, n_days)
    rows = np.arange(len(values))[:, None]
    adjusted = values[:, n_days - window:] / profile[rows, np.arange(n_days - window, n_days) % 7]
    shifted = np.clip(np.asarray(first_seen) - (n_days - window), 0, window)
    if halflife > 0:
        level = ewma_point(adjusted, shifted, 1, halflife, window)[:, 0]
    else:
        level = adjusted[:, -1] if window else np.zeros(len(values))
    return level[:, None] * profile[rows, (n_days + np.arange(horizon)) % 7]


def scaled_ewma_level(values: np.ndarray, first_seen: np.ndarray, halflife: float, scale: np.ndarray,
                      group: np.ndarray) -> np.ndarray:
    """EWMA level (last ``EWMA_WINDOW`` days, from each series' first view) of ``values * scale[group]``.

    ``scale`` (n_groups, n_days) multiplies each day of the series of a group (a region): the weighted
    sum is one matrix-vector product per block of consecutive rows of a group, without a scaled copy of
    the panel. ``first_seen`` is each series' first day with views (``values`` are zero before it).
    """
    n_days = values.shape[1]
    window = min(EWMA_WINDOW, n_days)
    if window == 0:
        return np.zeros(len(values))
    weights = 0.5 ** (np.arange(window)[::-1] / halflife)  # oldest day first, as in ewma_point
    recent = values[:, n_days - window:]
    group_weights = scale[:, n_days - window:] * weights / weights.sum()  # (n_groups, window)
    level = np.zeros(len(values))
    if len(values):
        cut = np.flatnonzero(np.diff(group)) + 1  # blocks of equal group (every row its own if unsorted)
        for lo, hi in zip(np.r_[0, cut], np.r_[cut, len(values)], strict=True):
            level[lo:hi] = recent[lo:hi] @ group_weights[group[lo]]
    # a series starting inside the window has zero views before its start: only the weights' sum changes
    first = np.clip(np.asarray(first_seen) - (n_days - window), 0, window)
    late = np.flatnonzero(first > 0)
    if len(late):
        counted = np.r_[np.cumsum(weights[::-1])[::-1], 0.0][first[late]]  # weights from the start on
        level[late] = np.divide(level[late] * weights.sum(), counted, out=np.zeros(len(late)), where=counted > 0)
    return level


def seasonal_ewma(values: np.ndarray, first_seen: np.ndarray, horizon: int, halflife: float,
                  profile: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
    """EWMA of views divided by the weekday index, times the index of each target day.

    ``profile`` is (n_series, 7), or (n_groups, 7) with ``group`` the profile row of each series.
    """
    n_days = values.shape[1]
    group = np.arange(len(values)) if group is None else np.asarray(group)
    inverse = 1.0 / np.maximum(profile[:, np.arange(n_days) % 7], 1e-9)
    level = scaled_ewma_level(values, first_seen, halflife, inverse, group)
    return level[:, None] * profile[group][:, (n_days + np.arange(horizon)) % 7]


def totals_point(totals: np.ndarray, horizon: int, halflife: float = 7.0) -> np.ndarray:
    """Fast region-total forecast: seasonal EWMA with the region's own weekday index."""
    first = np.zeros(len(totals), dtype=int)
    return seasonal_ewma(totals, first, horizon, halflife, weekly_profile(totals))


def ewma_weights(halflife: float, n_days: int) -> np.ndarray:
    """Weights of :func:`~forecasting.models.ewma_point`, most recent day first."""
    return 0.5 ** (np.arange(min(EWMA_WINDOW, n_days)) / halflife)


@dataclass
class Context:
    """What ``auto`` learns in ``fit`` besides the panel."""

    regions: list[str]  # regions forecast for new releases
    region_names: list[str]  # rows of ``totals``
    region_of: np.ndarray  # row of ``totals`` of each panel row
    totals: np.ndarray  # (n_regions, n_days) views per region and day
    release_col: np.ndarray  # per panel row: column of the title's release, NaN if unknown or older
    curve: LaunchCurve
    levels: pd.DataFrame  # region, title_id, level: first-week shares of past launches
    new_titles: pd.Series  # release date by title: catalog titles released from as_of - COLD_DAYS on, no views
    title_share: np.ndarray  # (n_titles + 1, n_days) each viewed title's share of every region's views; last row 0
    title_first: np.ndarray  # per row of ``title_share``: column of its first view (n_days for the zero row)
    title_of: np.ndarray  # per panel row: its row of ``title_share``


def _release_columns(titles: pd.Series, first_view: pd.Series, catalog: pd.DataFrame | None,
                     start: pd.Timestamp) -> np.ndarray:
    """Column (days from ``start``) of each title's release: the catalog's date, else its first view if
    that is after the first history day; NaN when unknown."""
    def lookup(dates: pd.Series) -> pd.Series:  # Series.map fails on an empty datetime mapping (pandas 3.1)
        found = dates.astype("datetime64[ns]").reindex(titles.to_numpy())
        return pd.Series(found.to_numpy(), index=titles.index, dtype="datetime64[ns]")

    release = pd.Series(pd.NaT, index=titles.index, dtype="datetime64[ns]")
    if catalog is not None and C.RELEASE_DATE in catalog.columns:
        release = lookup(catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.RELEASE_DATE])
    seen = lookup(first_view)
    release = release.fillna(seen.where(seen > start))
    return ((release - start).dt.days).to_numpy(dtype=float)


def build_context(history: pd.DataFrame, panel: Panel, catalog: pd.DataFrame | None,
                  regions: list[str] | None) -> Context:
    """Region totals, release columns, the launch curve and past launch levels."""
    start, n_days = panel.start, panel.n_days
    after = (history[C.DATE] >= start).to_numpy()
    hist = history if after.all() else history[after]  # read only: no copy of a history that starts at the panel
    known = sorted(set(map(str, hist[C.REGION].unique())) | set(panel.keys[C.REGION]))
    wanted = sorted(set(regions)) if regions is not None else known
    all_regions = sorted(set(known) | set(wanted))
    region_index = {r: i for i, r in enumerate(all_regions)}
    col = (hist[C.DATE] - start).dt.days.to_numpy()
    totals = np.zeros((len(all_regions), n_days))
    np.add.at(totals, (pd.Index(all_regions).get_indexer(hist[C.REGION]), col), hist[C.VIEWS].to_numpy(float))
    first_view = history[history[C.VIEWS] > 0].groupby(C.TITLE, observed=True)[C.DATE].min()
    region_of = pd.Index(all_regions).get_indexer(panel.keys[C.REGION])
    release_col = _release_columns(panel.keys[C.TITLE], first_view, catalog, start)
    # title shares over all regions, for the launch curve
    titles = pd.Index(sorted(first_view.index.astype(str)))
    t_idx = titles.get_indexer(hist[C.TITLE])
    by_title = np.zeros((len(titles), n_days))
    seen = t_idx >= 0  # rows of titles that never had a view carry only zeros
    np.add.at(by_title, (t_idx[seen], col[seen]), hist[C.VIEWS].to_numpy(float)[seen])
    day_total = totals.sum(axis=0)
    share = np.divide(by_title, day_total[None, :], out=np.zeros_like(by_title), where=day_total[None, :] > 0)
    title_release = _release_columns(pd.Series(titles, index=titles), first_view, catalog, start)
    curve = learn_curve(share, title_release)
    levels = _launch_levels(hist, titles, title_release, totals, region_index, start)
    new_titles = pd.Series(dtype="datetime64[ns]")
    if catalog is not None and C.RELEASE_DATE in catalog.columns:
        rel = catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.RELEASE_DATE].dropna()
        rel.index = rel.index.astype(str)
        recent = rel[(rel >= panel.as_of - pd.Timedelta(days=COLD_DAYS)) & ~rel.index.isin(first_view.index)]
        new_titles = recent.sort_index()
    title_of = titles.get_indexer(panel.keys[C.TITLE])
    first_col = (first_view - start).dt.days.clip(lower=0).set_axis(first_view.index.astype(str))
    title_first = np.r_[first_col.reindex(titles).to_numpy(int), n_days]
    return Context(wanted, all_regions, region_of, totals, release_col, curve, levels, new_titles,
                   np.vstack([share, np.zeros((1, n_days))]), title_first,
                   np.where(title_of < 0, len(titles), title_of))


def _launch_levels(hist: pd.DataFrame, titles: pd.Index, release_col: np.ndarray, totals: np.ndarray,
                   region_index: dict[str, int], start: pd.Timestamp) -> pd.DataFrame:
    """First-week share of each past launch (with a full first week in the history) in every region."""
    n_days = totals.shape[1]
    ok = np.isfinite(release_col) & (release_col >= 0) & (release_col + FIRST_WEEK <= n_days)
    launched = titles[ok]
    if not len(launched):
        return pd.DataFrame(columns=[C.REGION, C.TITLE, "level"])
    rel = pd.Series(release_col[ok], index=launched)
    rows = hist[hist[C.TITLE].isin(launched)]
    age = (rows[C.DATE] - start).dt.days.to_numpy() - rel.to_numpy()[rel.index.get_indexer(rows[C.TITLE])]
    rows = rows[(age >= 0) & (age < FIRST_WEEK)]
    r = pd.Index(sorted(region_index, key=region_index.__getitem__)).get_indexer(rows[C.REGION])
    d = (rows[C.DATE] - start).dt.days.to_numpy()
    share = rows[C.VIEWS].to_numpy(float) / np.maximum(totals[r, d], 1e-12)
    got = pd.DataFrame({C.REGION: rows[C.REGION].to_numpy(), C.TITLE: rows[C.TITLE].to_numpy(), "s": share})
    level = got.groupby([C.REGION, C.TITLE], observed=True)["s"].sum() / FIRST_WEEK
    grid = pd.MultiIndex.from_product([sorted(region_index), launched], names=[C.REGION, C.TITLE])
    return level.reindex(grid, fill_value=0.0).rename("level").reset_index()


def share_point(ctx: Context, halflife: float) -> PointFn:
    """Top-down: EWMA share of the region's views, launch-curve corrected, times the region total."""

    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        n_days = values.shape[1]
        totals = ctx.totals[:, :n_days]
        ahead = totals_point(totals, horizon)
        inverse = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
        level = scaled_ewma_level(values, first_seen, halflife, inverse, ctx.region_of)
        adjust = ctx.curve.adjustment(ctx.release_col, n_days, horizon, ewma_weights(halflife, n_days))
        return level[:, None] * adjust * ahead[ctx.region_of]

    return point


def pooled_share_point(ctx: Context, halflife: float) -> PointFn:
    """Top-down across regions: the title's EWMA share of all regions' views times its affinity to the region,
    launch-curve corrected, times the region total.

    The affinity is the title's views in the region over the last ``EWMA_WINDOW`` days against those its
    all-region share of each day would have drawn there, both weighted by day as the level is (the same
    half-life: a region's own recent trend counts as much as in the level), shrunk towards 1 by
    ``AFFINITY_VIEWS`` views of prior (the posterior mean of a gamma-Poisson ratio): a title seen a few
    times in a region takes most of its level from every region's views of it, one watched there for
    hundreds of views keeps its own.
    """

    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        n_days = values.shape[1]
        window = min(EWMA_WINDOW, n_days)
        share = ctx.title_share[:, :n_days]
        level = scaled_ewma_level(share, np.minimum(ctx.title_first, n_days), halflife, np.ones((1, n_days)),
                                  np.zeros(len(share), dtype=int))
        recent_first = ewma_weights(halflife, n_days)
        weights = recent_first[::-1]  # oldest day first, 1 on the last
        totals = ctx.totals[:, n_days - window:n_days] * weights
        drawn = (share[:, n_days - window:] @ totals.T)[ctx.title_of, ctx.region_of]  # at the all-region share
        affinity = (values[:, n_days - window:] @ weights + AFFINITY_VIEWS) / (drawn + AFFINITY_VIEWS)
        ahead = totals_point(ctx.totals[:, :n_days], horizon)
        adjust = ctx.curve.adjustment(ctx.release_col, n_days, horizon, recent_first)
        return (level[ctx.title_of] * affinity)[:, None] * adjust * ahead[ctx.region_of]

    return point


def candidates(ctx: Context) -> dict[str, PointFn]:
    """The fast candidate forecasters of ``auto``: the three naive baselines first, then the smoothers (with
    the region's weekday index, and with the series' own on panels of at most ``OWN_MAX_SERIES`` series) and
    the top-down share models."""
    out: dict[str, PointFn] = {"last_value": last_value_point, "mean7": mean7_point, "snaive7": snaive7_point}
    def sewma(values: np.ndarray, first_seen: np.ndarray, horizon: int, halflife: float) -> np.ndarray:
        profile = weekly_profile(ctx.totals[:, : values.shape[1]])
        return seasonal_ewma(values, first_seen, horizon, halflife, profile, ctx.region_of)

    for hl in (1.0, 2.0, 4.0, 7.0, 14.0):
        out[f"ewma{hl:g}"] = functools.partial(ewma_point, halflife=hl)
        out[f"sewma{hl:g}"] = functools.partial(sewma, halflife=hl)
    profiles: dict[tuple[int, ...], np.ndarray] = {}
    lock = threading.Lock()

    def own(values: np.ndarray) -> np.ndarray:
        """The own index of the panel's history ``values``, computed once per origin for every half-life
        (every candidate forecasts the context's panel: the same rows, cut at the origin)."""
        with lock:
            if values.shape not in profiles:
                if len(profiles) >= PROFILE_CACHE:
                    profiles.pop(next(iter(profiles)))
                region = weekly_profile(ctx.totals[:, : values.shape[1]])[ctx.region_of]
                profiles[values.shape] = own_profile(values, region)
            return profiles[values.shape]

    def osewma(values: np.ndarray, first_seen: np.ndarray, horizon: int, halflife: float) -> np.ndarray:
        return own_seasonal_ewma(values, first_seen, horizon, halflife, own(values))

    if len(ctx.region_of) <= OWN_MAX_SERIES:
        for hl in OWN_HALFLIVES:
            out[f"{OWN_PREFIX}{hl:g}"] = functools.partial(osewma, halflife=hl)
    for hl in (1.0, 2.0, 4.0, 7.0, 14.0, 28.0):
        out[f"share{hl:g}"] = share_point(ctx, hl)
    if len(ctx.region_names) > 1:  # one region: the same as share*
        for hl in (2.0, 7.0, 28.0):
            out[f"pshare{hl:g}"] = pooled_share_point(ctx, hl)
    return out


@dataclass(frozen=True)
class Choice:
    """What ``auto`` chose.

    Attributes
    ----------
    by_segment : dict
        Candidate of each segment (lowest backtest WAPE, the combination included).
    wape : DataFrame
        ``segment, candidate, wape, series``: the backtest WAPE of every candidate per segment.
    top : dict
        The candidates the combination averages, per segment.
    series : ndarray
        Candidate name of each panel row (its own choice where its history allows, else its segment's).
    shrinkage : dict
        Per segment, the weight ``w`` of its record against a predictable series' own
        (:func:`shrinkage_weight`).
    blended : tuple
        The segments whose forecast is the mean of their chosen candidates' and the global LightGBM model's
        (:func:`blended_segments`).
    head_prophet
        Whether the head's top series switched to Prophet.
    """

    by_segment: dict[str, str]
    wape: pd.DataFrame
    top: dict[str, list[str]]
    series: np.ndarray
    shrinkage: dict[str, float]
    blended: tuple[str, ...] = ()
    head_prophet: bool = False


def origins(n_days: int, horizon: int, n_origins: int) -> range:
    """The last ``n_origins`` origins whose first target day lies in the history (and one day before)."""
    return range(max(1, n_days - n_origins - horizon + 1), n_days)


def origin_errors(point: PointFn, values: np.ndarray, first_seen: np.ndarray, horizon: int,
                  n_origins: int) -> tuple[np.ndarray, np.ndarray]:
    """Absolute error and actual views per series and origin (n_series, n_origins), float32, at the last
    ``n_origins`` origins (a series counts from the first origin after its first view)."""
    days = origins(values.shape[1], horizon, n_origins)
    err = np.zeros((len(values), len(days)), dtype=np.float32)
    act = np.zeros_like(err)
    # the target days of every origin, read from the (series x day) panel once as one compact block rather than
    # column by column (a column of a row-major panel touches one cache line per series)
    start = days[0] if len(days) else 0
    future = np.ascontiguousarray(values[:, start:])
    for k, origin in enumerate(days):
        steps = min(horizon, values.shape[1] - origin)
        yhat = np.clip(point(values[:, :origin], np.minimum(first_seen, origin), steps), 0.0, None)
        seen = (first_seen < origin)[:, None]
        actual = future[:, origin - start:origin - start + steps]
        err[:, k] = (np.abs(actual - yhat) * seen).sum(axis=1)
        act[:, k] = (actual * seen).sum(axis=1)
    return err, act


def _median_of(cache: dict[str, np.ndarray], segments: np.ndarray, top: dict[str, list[str]],
               shape: tuple[int, int]) -> np.ndarray:
    out = np.zeros(shape)
    for seg, names in top.items():
        mask = segments == seg
        out[mask] = np.median(np.stack([cache[name][mask] for name in names]), axis=0)
    return out


def combination_point(points: dict[str, PointFn], segments: np.ndarray, top: dict[str, list[str]]) -> PointFn:
    """The median of each segment's ``top`` candidates on that segment's series."""
    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        needed = {name for names in top.values() for name in names}
        cache = {name: np.clip(points[name](values, first_seen, horizon), 0.0, None) for name in needed}
        return _median_of(cache, segments, top, (len(values), horizon))

    return point


@dataclass(frozen=True)
class Record:
    """A candidate's backtest: per series its summed error and the sum of squared per-origin differences to
    the series' best naive baseline; per segment and origin its summed error."""

    err: np.ndarray  # (n_series,)
    sq_diff: np.ndarray  # (n_series,)
    by_segment: np.ndarray  # (n_segments, n_origins)


def _by_segment(x: np.ndarray, codes: np.ndarray, n_segments: int) -> np.ndarray:
    return np.stack([np.bincount(codes, weights=x[:, k], minlength=n_segments) for k in range(x.shape[1])],
                    axis=1) if x.shape[1] else np.zeros((n_segments, 0))


def _records(points: dict[str, PointFn], panel: Panel, horizon: int, n_origins: int, base: np.ndarray,
             codes: np.ndarray, n_segments: int, work: Work) -> list[Record]:
    """Backtest records of ``points`` against ``base`` (per-origin errors of each series' best naive); each
    counts one unit of ``work``."""
    def record(point: PointFn) -> Record:
        err, _ = origin_errors(point, panel.values, panel.first_seen, horizon, n_origins)
        work.done()
        return Record(err.sum(axis=1, dtype=float), ((base - err).astype(float) ** 2).sum(axis=1),
                      _by_segment(err, codes, n_segments))

    # candidates backtest independently, on the local cores
    return map_threads(record, {f"backtest-{name}": point for name, point in points.items()})


def _series_allowed(name: str, seg_choice: np.ndarray, diff_sum: np.ndarray, diff_sq: np.ndarray,
                    n_origins: int) -> np.ndarray:
    """Whether candidate ``name`` may be a series' own choice: as its segment's choice unless its paired
    differences to the series' best naive say it is significantly worse, as ``combo`` if significantly
    better."""
    t = paired_t(diff_sum, diff_sq, n_origins)
    return ((seg_choice == name) & (t >= -MIN_T)) | ((name == "combo") & (t > MIN_T))


def shrinkage_weight(gains: Iterator[tuple[np.ndarray, np.ndarray]], total: np.ndarray, n_origins: int) -> float:
    """Weight of a segment's record against a series' own in the series' choice: an empirical Bayes estimate
    of how much of the spread of the series' own backtest gains is noise.

    ``gains`` yields per candidate each series' summed gain over its best naive baseline at ``n_origins``
    origins and the sum of the squared per-origin gains; ``total`` is each series' actual views there. A
    candidate's relative gain (over ``total``) varies across the series by its true variation ``tau2`` and by
    the noise of ``n_origins`` paired differences; a series' own record then deserves the weight
    ``tau2 / (tau2 + noise)`` (pooled over the candidates) and the segment's the rest. Returns their ratio,
    ``noise / tau2`` (1e6 when the spread is all noise; ``PRIOR_WEIGHT`` with fewer than two series or
    origins).
    """
    if len(total) < 2 or n_origins < 2:
        return PRIOR_WEIGHT
    noise = spread = 0.0
    for gain, sq_gain in gains:
        var = n_origins * paired_variance(gain, sq_gain, n_origins)  # of the sum of the n_origins gains
        noise += float(np.mean(var / total ** 2))
        spread += float(np.var(gain / total))
    tau2 = max(spread - noise, 0.0)
    return noise / tau2 if tau2 > 0 else 1e6


def choose(points: dict[str, PointFn], panel: Panel, segments: np.ndarray, horizon: int,
           n_origins: int | None = None, work: Work | None = None) -> Choice:
    """Choose a candidate per series by rolling-origin backtest at the last ``n_origins`` origins (default
    :func:`selection_origins`).

    Every candidate is run at each origin on every series. A candidate other than the three naive baselines
    may replace the best naive baseline only where it beats it significantly: the paired differences of
    absolute error over the origins (the segment's summed errors per origin; a series' own errors per
    origin) must have a t statistic above ``MIN_T``. A segment takes its lowest-WAPE candidate among the
    naive baselines and those that pass; the combination (median of the segment's ``COMBO_SIZE`` best) is
    judged the same way. A predictable series (``SERIES_CHOICE_DAYS`` days of history, best naive WAPE under
    ``SERIES_CHOICE_WAPE``) takes, among its naive baselines, its segment's choice (unless significantly worse
    than its own best naive: t < -``MIN_T``) and the combination (if it passes against its own best naive),
    the one minimising ``own absolute error + w * own actual * segment WAPE``: its own record, shrunk towards
    its segment's by the segment's ``w`` (:func:`shrinkage_weight`). Ties go to the earlier name
    (``last_value`` first). Each candidate's backtest (the combination's too: ``len(points) + 1``) counts one
    unit of ``work``.
    """
    n_origins = selection_origins(len(segments), panel.n_days, horizon) if n_origins is None else n_origins
    present = [seg for seg in SEGMENTS if (segments == seg).any()]
    codes = pd.Index(present).get_indexer(segments)
    naive_names = [n for n in NAIVE if n in points]
    work = Work() if work is None else work
    naive = []
    for n in naive_names:
        naive.append(origin_errors(points[n], panel.values, panel.first_seen, horizon, n_origins))
        work.done()
    act = naive[0][1] if naive else np.zeros((len(segments), 0), dtype=np.float32)
    k = act.shape[1]
    stacked = np.stack([e for e, _ in naive])  # (n_naive, n_series, n_origins)
    best_naive = stacked.sum(axis=2).argmin(axis=0)  # per series
    base = np.take_along_axis(stacked, best_naive[None, :, None], axis=0)[0]
    records = {n: Record(e.sum(axis=1, dtype=float), ((base - e).astype(float) ** 2).sum(axis=1),
                         _by_segment(e, codes, len(present))) for n, (e, _) in zip(naive_names, naive, strict=True)}
    del stacked
    others = {n: fn for n, fn in points.items() if n not in records}
    records.update(zip(others, _records(others, panel, horizon, n_origins, base, codes, len(present), work),
                       strict=True))
    seg_act = _by_segment(act, codes, len(present)).sum(axis=1)

    def seg_wape(names: list[str]) -> pd.DataFrame:
        rows = [{"segment": seg, "candidate": n, "series": int((codes == g).sum()),
                 "wape": records[n].by_segment[g].sum() / seg_act[g] if seg_act[g] > 0 else np.inf}
                for g, seg in enumerate(present) for n in names]
        return pd.DataFrame(rows, columns=["segment", "candidate", "wape", "series"])

    wape = seg_wape(list(records))
    members = wape[~wape["candidate"].str.startswith(OWN_PREFIX)]
    top = {str(seg): list(grp.sort_values("wape", kind="stable")["candidate"].iloc[:COMBO_SIZE])
           for seg, grp in members.groupby("segment", sort=False)}
    combo = {"combo": combination_point(points, segments, top)}
    records.update(zip(combo, _records(combo, panel, horizon, n_origins, base, codes, len(present), work),
                       strict=True))
    names = list(records)
    wape = seg_wape(names)
    # segment choice: the naive baselines, and the others that beat the segment's best naive per origin
    by_segment: dict[str, str] = {}
    for g, seg in enumerate(present):
        table = wape[wape["segment"] == seg].set_index("candidate")["wape"]
        best = min(naive_names, key=lambda n: (table[n], naive_names.index(n)))
        ok = [n for n in names if n in naive_names or paired_t(
            np.array([records[best].by_segment[g].sum() - records[n].by_segment[g].sum()]),
            np.array([((records[best].by_segment[g] - records[n].by_segment[g]) ** 2).sum()]), k)[0] > MIN_T]
        by_segment[seg] = min(ok, key=lambda n: (table[n], names.index(n)))
    pick = np.array([names.index(by_segment[present[c]]) for c in codes], dtype=int)
    # a predictable series chooses its own, among the candidates that beat its own best naive
    base_err = base.sum(axis=1, dtype=float)
    total = act.sum(axis=1, dtype=float)
    naive_wape = np.divide(base_err, total, out=np.full(len(total), np.inf), where=total > 0)
    own = np.flatnonzero((panel.history_days() >= SERIES_CHOICE_DAYS) & (naive_wape < SERIES_CHOICE_WAPE))
    prior_table = wape.pivot(index="segment", columns="candidate", values="wape").reindex(index=present,
                                                                                        columns=names)
    prior_all = prior_table.to_numpy(float)
    prior_all = np.where(np.isfinite(prior_all), prior_all, 1e6)
    contenders = [n for n in names if n not in naive_names]
    weight = np.array([shrinkage_weight(((base_err[rows] - records[n].err[rows], records[n].sq_diff[rows])
                                         for n in contenders), total[rows], k)
                       for rows in (own[codes[own] == g] for g in range(len(present)))])  # per segment
    for lo in range(0, len(own), 250_000):  # blocks bound the memory of the score matrix
        rows = own[lo:lo + 250_000]
        err = np.column_stack([records[n].err[rows] for n in names])
        # the naive baselines, the segment's choice (it passed its segment's test) unless the series' own record
        # says it is significantly worse than its best naive, and the combination if it passes on the series:
        # few comparisons, few candidates that pass by chance
        seg_choice = np.array([by_segment[present[c]] for c in codes[rows]], dtype=object)
        passed = np.column_stack([np.full(len(rows), True) if n in naive_names else
                                  _series_allowed(n, seg_choice, base_err[rows] - records[n].err[rows],
                                                  records[n].sq_diff[rows], k) for n in names])
        score = np.where(passed, err + (weight[codes[rows]] * total[rows])[:, None] * prior_all[codes[rows]], np.inf)
        pick[rows] = score.argmin(axis=1)
    shrinkage = {seg: float(w) for seg, w in zip(present, weight, strict=True)}
    return Choice(by_segment, wape, top, np.asarray(names, dtype=object)[pick], shrinkage)


def per_series_point(points: dict[str, PointFn], chosen: np.ndarray, segments: np.ndarray,
                     top: dict[str, list[str]]) -> PointFn:
    """One point forecaster applying each series' chosen candidate (a name of ``points`` or ``combo``, the
    median of its segment's ``top``) to it; each candidate is computed once per call."""
    masks = {str(name): chosen == name for name in np.unique(chosen)}
    needed = {n for n in masks if n != "combo"}
    if "combo" in masks:
        needed |= {name for seg, names in top.items() if (masks["combo"] & (segments == seg)).any()
                   for name in names}

    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        cache = {name: np.clip(points[name](values, first_seen, horizon), 0.0, None) for name in needed}
        out = np.zeros((len(values), horizon))
        for name, mask in masks.items():
            if name == "combo":
                used = {seg: names for seg, names in top.items() if (mask & (segments == seg)).any()}
                out[mask] = _median_of(cache, segments, used, out.shape)[mask]
            else:
                out[mask] = cache[name][mask]
        return out

    return point


def blended_point(chosen: PointFn, boosted: PointFn, rows: np.ndarray) -> PointFn:
    """``chosen`` with its ``rows`` (a boolean mask) replaced by their mean with ``boosted``."""
    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        out = np.clip(chosen(values, first_seen, horizon), 0.0, None)
        if rows.any():
            out[rows] = 0.5 * (out[rows] + np.clip(boosted(values, first_seen, horizon), 0.0, None)[rows])
        return out

    return point


def blended_segments(chosen: PointFn, boosted: PointFn, panel: Panel, segments: np.ndarray, horizon: int,
                     n_origins: int) -> list[str]:
    """The segments whose forecast is averaged with ``boosted``: all but those where the blend is significantly
    worse, its paired differences of the segment's summed absolute error per origin against ``chosen`` alone
    having a t statistic below -``MIN_T`` (the per-series veto of a segment's choice).

    A veto, not a test to pass: ``chosen`` was selected on these origins, so its errors there look smaller
    than they will be, and the blend of two different kinds of forecast rarely passes against it (on data/demo
    the head did not, though the blend lowers its error on the next days)."""
    present = [seg for seg in SEGMENTS if (segments == seg).any()]
    codes = pd.Index(present).get_indexer(segments)
    everywhere = np.ones(len(segments), dtype=bool)
    alone, mixed = (_by_segment(origin_errors(fn, panel.values, panel.first_seen, horizon, n_origins)[0], codes,
                                len(present)) for fn in (chosen, blended_point(chosen, boosted, everywhere)))
    diff = alone - mixed
    t = paired_t(diff.sum(axis=1), (diff ** 2).sum(axis=1), diff.shape[1])
    return [seg for seg, t_seg in zip(present, t, strict=True) if t_seg >= -MIN_T]


def _shared_origins(point: PointFn, reused: set[int]) -> PointFn:
    """``point`` computing its forecast from the first ``n`` days once when ``n`` is in ``reused``: the first
    call keeps it, the second takes it (and frees it).

    Every call in ``Auto.predict`` from ``n`` days is on the same first days of its panel, with the same
    ``first_seen`` and horizon: the Prophet backtest's origins are also calibration origins.
    """
    kept: dict[int, np.ndarray] = {}

    def shared(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        n_days = values.shape[1]
        if n_days in kept:
            return kept.pop(n_days)
        out = point(values, first_seen, horizon)
        if n_days in reused:
            kept[n_days] = out
        return out

    return shared


def _memoised(point: PointFn) -> PointFn:
    """``point`` (clipped at zero) computed once per history length and horizon: every call of a
    :class:`SmallPanelRoute` is on the first days of one panel, with its ``first_seen`` cut there."""
    kept: dict[tuple[int, int], np.ndarray] = {}
    lock = threading.Lock()

    def memo(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        key = (values.shape[1], horizon)
        with lock:
            if key in kept:
                return kept[key]
        out = np.clip(point(values, first_seen, horizon), 0.0, None)
        out.flags.writeable = False  # shared by every later call
        with lock:
            return kept.setdefault(key, out)

    return memo


class SmallPanelRoute:
    """``auto``'s choice and forecast of a panel of at most ``SMALL_PANEL`` series, made at any origin from the
    history before it alone, so that its calibration measures the errors of the whole procedure: a candidate
    chosen for its errors at the last origins and calibrated on the same origins has errors that look smaller
    than they will be, and on a few series the choice is made from a few series' errors.

    Each candidate's forecast at an origin is computed once (:func:`_memoised`) and shared by the choices made
    at the later origins; so is each origin's choice.
    """

    def __init__(self, points: dict[str, PointFn], panel: Panel) -> None:
        self.points = {name: _memoised(fn) for name, fn in points.items()}
        self.panel = panel
        self._made: dict[tuple[int, int], tuple[np.ndarray, Choice]] = {}
        self._lock = threading.Lock()

    def route_at(self, t: int, steps: int) -> tuple[np.ndarray, Choice]:
        """The forecast of ``steps`` days from the first ``t`` days of the panel and the choice made there."""
        with self._lock:
            if (t, steps) in self._made:
                return self._made[(t, steps)]
        p = self.panel
        values, first = p.values[:, :t], np.minimum(p.first_seen, t)
        sub = Panel(p.keys, values, p.start, p.start + pd.Timedelta(days=t), first)
        segments = segment_series(values, first)
        choice = choose(self.points, sub, segments, steps)
        point = per_series_point(self.points, choice.series, segments, choice.top)
        found = (np.clip(point(values, first, steps), 0.0, None), choice)
        with self._lock:
            return self._made.setdefault((t, steps), found)

    def point(self, values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        """A :data:`~forecasting.intervals.PointFn` of the panel's first ``values.shape[1]`` days."""
        return self.route_at(values.shape[1], horizon)[0]


@register("auto")
class Auto(PanelForecaster):
    """The default model (see the module docstring).

    Parameters
    ----------
    use_prophet : bool
        Try Prophet on the head (False: fast models only).
    prophet_head : int
        Top series of the head tried with Prophet.
    prophet_origins : int
        Past origins of the Prophet-versus-fast backtest of the head.

    After :meth:`predict`, ``choice_`` holds what was chosen and every candidate's WAPE.
    """

    def __init__(self, *, use_prophet: bool = True, prophet_head: int = 5, prophet_origins: int = 4,
                 **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.use_prophet = use_prophet
        self.prophet_head = prophet_head
        self.prophet_origins = prophet_origins
        self.history_panel_: Panel | None = None
        self.context_: Context | None = None
        self.choice_: Choice | None = None

    def fit(self, history: pd.DataFrame, as_of: pd.Timestamp | None = None) -> Auto:
        """Keep the panel (``panel_``: the series forecast; ``history_panel_``: also those active at the past
        origins of the backtests), region totals, launch curve and past launch levels."""
        as_of = default_as_of(history) if as_of is None else pd.Timestamp(as_of)
        wide = build_panel(history, as_of, active_days=ACTIVE_DAYS + MAX_ORIGINS)
        self.history_panel_ = wide
        self.panel_ = wide.take(active_rows(wide.values, wide.n_days))
        self.context_ = build_context(history, wide, self.catalog, self.regions)
        return self

    def _prophet_wins(self, values: np.ndarray, rows: np.ndarray, horizon: int, fast: PointFn,
                      prophet: PointFn) -> bool:
        """Whether Prophet beats ``fast`` on ``rows`` at every one of the last origins, with a summed error
        ``PROPHET_MARGIN`` lower (a win at every origin is what a noisy better backtest rarely shows)."""
        if self.prophet_origins < 1 or not len(rows):
            return False
        errs: dict[str, list[float]] = {"fast": [], "prophet": []}
        total = 0.0
        for origin in origins(values.shape[1], horizon, self.prophet_origins):
            steps = min(horizon, values.shape[1] - origin)
            actual = values[rows, origin:origin + steps]
            total += float(actual.sum())
            for name, fn in (("fast", fast), ("prophet", prophet)):
                errs[name].append(float(np.abs(actual - np.clip(fn(values[:, :origin], rows, steps), 0, None)).sum()))
            self.work.done()
        fast_err, prophet_err = np.array(errs["fast"]), np.array(errs["prophet"])
        return (total > 0 and bool((prophet_err < fast_err).all())
                and prophet_err.sum() < (1.0 - PROPHET_MARGIN) * fast_err.sum())

    def predict(self, horizon: int) -> pd.DataFrame:
        """Choose, forecast, add cold starts, calibrate the point, intervals, expected views and the chance of
        any view.

        The chosen candidates (and Prophet) forecast expected views, ``yhat_mean`` after calibration; ``yhat``
        is their calibrated median (:meth:`~forecasting.intervals.Calibration.median`), the point of least
        absolute error; interval and ``p_views`` are calibrated from the same errors.
        """
        if self.history_panel_ is None or self.context_ is None:
            raise ForecastError("model 'auto' must be fitted before predict")
        p, ctx = self.history_panel_, self.context_
        segments = segment_series(p.values, p.first_seen)
        points = candidates(ctx)
        head = np.flatnonzero(segments == "head")  # the series Prophet is tried on
        head = head[np.argsort(-p.values[head, -28:].sum(axis=1), kind="stable")][: self.prophet_head]
        head = head[p.history_days()[head] >= PROPHET_MIN_DAYS]
        # work: each candidate's backtest, each origin of Prophet's backtest, each calibration origin
        tried = self.use_prophet and self.prophet_origins >= 1 and len(head) > 0
        prophet_steps = len(origins(p.n_days, horizon, self.prophet_origins)) if tried else 0
        small = len(p.values) <= SMALL_PANEL
        scale_days = SCALE_DAYS if small else 0  # intervals that follow each series' recent error scale
        may_blend = not small and len(p.values) <= BLEND_MAX_SERIES
        n_calibration = blend_calibration_origins(len(p.values), p.n_days, horizon) if may_blend else None
        self.work.expect(len(points) + 2 + prophet_steps + len(calibration_days(
            len(p.values), p.n_days, horizon, n_calibration, scale_days=scale_days)))
        if small:  # the choice made at every origin, so that its calibration measures it too
            route = SmallPanelRoute(points, p)
            expected, choice = route.route_at(p.n_days, horizon)
            expected = expected.copy()
            point: PointFn = route.point
            self.work.done(len(points) + 2)
        else:
            choice = choose(points, p, segments, horizon, work=self.work)
            chosen = per_series_point(points, choice.series, segments, choice.top)
            calibrated_at = calibration_days(len(p.values), p.n_days, horizon, n_calibration)
            n_origins = selection_origins(len(p.values), p.n_days, horizon)
            earliest = min(origins(p.n_days, horizon, n_origins)[0], calibrated_at[0])
            # the blend with the global model unless it backtests worse, on panels whose earliest origin has the
            # days of history its features read
            if may_blend and earliest >= WARMUP_DAYS:
                chosen, boosted = _memoised(chosen), _memoised(fit_once_point(
                    p.keys[C.REGION].to_numpy(), BLEND_OBJECTIVE, self.seed, fit_days=earliest))
                blended = blended_segments(chosen, boosted, p, segments, horizon, n_origins)
                chosen = blended_point(chosen, boosted, np.isin(segments, blended))
                choice = replace(choice, blended=tuple(blended))
            self.work.done()
            expected = np.clip(chosen(p.values, p.first_seen, horizon), 0.0, None)
            reused = set(origins(p.n_days, horizon, self.prophet_origins)) & set(calibrated_at) if tried else set()
            point = _shared_origins(chosen, reused)  # Prophet's backtest origins are calibration origins too
        model = np.char.add("auto:", choice.series.astype(str)).astype(object)
        model[np.isin(segments, choice.blended)] += "+lightgbm"
        # Prophet on the head's top series, if it backtests better there
        if self.use_prophet and self._prophet_wins(
                p.values, head, horizon, lambda v, rows, h: point(v, np.minimum(p.first_seen, v.shape[1]), h)[rows],
                lambda v, rows, h: self._prophet_rows(v, rows, h)):
            expected[head] = self._prophet_rows(p.values, head, horizon)
            model[head] = "auto:prophet"
            choice = replace(choice, head_prophet=True)
        out = active_rows(p.values, p.n_days)  # the series with recent demand get rows
        self.choice_ = replace(choice, series=choice.series[out])
        calibration = calibrate(point, p.values, p.first_seen, horizon, n_calibration, groups=segment_series,
                                on_origin=self.work.done, workers=1 if small else local_workers(),
                                scale_days=scale_days)
        scale = None if calibration.recent is None else calibration.recent[out]
        frame = self._frame(p.keys[out], expected[out], segments[out], model[out], calibration,
                            uncalibrated=(model == "auto:prophet")[out], scale=scale)
        cold = self._cold_start(horizon, totals_point(ctx.totals, horizon))
        if not len(cold):
            return frame
        pairs = cold[[C.REGION, C.TITLE]].iloc[::horizon].reset_index(drop=True)
        cold_expected = cold[C.YHAT].to_numpy().reshape(-1, horizon)
        cold = self._frame(pairs, cold_expected, np.full(len(pairs), "launch", dtype=object), "auto:launch",
                           calibration)
        return pd.concat([frame, cold], ignore_index=True)

    def _frame(self, keys: pd.DataFrame, expected: np.ndarray, segments: np.ndarray, model: str | np.ndarray,
               calibration: Calibration, uncalibrated: np.ndarray | None = None,
               scale: np.ndarray | None = None) -> pd.DataFrame:
        """The forecast frame of forecasts of expected views: their calibrated median, interval, mean and
        chance of a view. The ``uncalibrated`` rows (Prophet's, whose errors the calibration did not measure)
        keep their forecast as median and mean, with the calibrated interval's spread around it. ``scale``:
        each row's recent-scale factor (:meth:`~forecasting.intervals.Calibration.bounds`)."""
        assert self.history_panel_ is not None
        yhat, mean = calibration.median(expected, segments), calibration.mean(expected, segments)
        lower, upper = calibration.bounds(expected, segments, scale=scale)
        if uncalibrated is not None and uncalibrated.any():
            rows = uncalibrated
            yhat[rows] = mean[rows] = expected[rows]
            lower[rows], upper[rows] = calibration.bounds(expected[rows], segments[rows], centred=True,
                                                          scale=None if scale is None else scale[rows])
        return to_long(keys, self.history_panel_.as_of, yhat, lower, upper, model, mean=mean,
                       p_views=calibration.p_views(expected, segments))

    def _prophet_rows(self, values: np.ndarray, rows: np.ndarray, horizon: int) -> np.ndarray:
        """Prophet point forecasts of some panel rows from ``values`` (EWMA where a series is too short)."""
        p = self.history_panel_
        assert p is not None
        n_days = values.shape[1]
        sub = Panel(p.keys, values, p.start, p.start + pd.Timedelta(days=n_days), np.minimum(p.first_seen, n_days))
        fitted, yhat, _, _ = prophet_forecast(sub, rows, horizon, self.catalog, scheduler=self.scheduler,
                                              seed=self.seed, intervals=False)
        out = ewma_point(values[rows], sub.first_seen[rows], horizon)
        where = {r: i for i, r in enumerate(rows)}
        for i, r in enumerate(fitted):
            out[where[int(r)]] = yhat[i]
        return out

    def _cold_start(self, horizon: int, totals_ahead: np.ndarray) -> pd.DataFrame:
        """Launch-curve forecasts (no intervals yet) for each new release without views, in every wanted
        region: analog launch level x ``g(age)`` x region total forecast."""
        p, ctx = self.history_panel_, self.context_
        assert p is not None and ctx is not None
        new = ctx.new_titles[ctx.new_titles < p.as_of + pd.Timedelta(days=horizon)]
        pairs = pd.DataFrame([(r, t) for t in new.index for r in ctx.regions], columns=[C.REGION, C.TITLE])
        if pairs.empty:
            return to_long(pairs, p.as_of, np.zeros((0, horizon)), np.zeros((0, horizon)),
                           np.zeros((0, horizon)), "auto:launch")
        catalog = self.catalog if self.catalog is not None else pd.DataFrame({C.TITLE: sorted(new.index)})
        pairs = pairs.merge(analog_levels(ctx.levels, catalog, sorted(new.index)), on=[C.REGION, C.TITLE],
                            how="left").sort_values([C.REGION, C.TITLE]).reset_index(drop=True)
        level = np.nan_to_num(pairs["level"].to_numpy(float), nan=0.0)  # NaN: no analog in the region
        release = ((new.reindex(pairs[C.TITLE]) - p.start).dt.days).to_numpy(float)
        region = pd.Index(ctx.region_names).get_indexer(pairs[C.REGION])
        ages = (p.n_days + np.arange(horizon))[None, :] - release[:, None]
        yhat = level[:, None] * ctx.curve.at(ages) * totals_ahead[region]
        return to_long(pairs[[C.REGION, C.TITLE]], p.as_of, yhat, yhat, yhat, "auto:launch")
