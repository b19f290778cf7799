"""``auto``: top-down regional forecasts with per-segment model choice by backtest on the history itself.

1. **Region totals** are forecast by a seasonal EWMA (weekday index times a smoothed level) or by
   Prophet, whichever has the lower WAPE at the last ``prophet_origins`` origins.
2. **Titles**: candidates are the bottom-up fast models (seasonal naive, EWMA, seasonal EWMA) and the
   top-down share models: the title's EWMA share of its region's views, corrected for where it stands on
   the launch curve (:mod:`forecasting.launch`), times the region total forecast. Series are split into
   segments (launch phase, head, torso, tail by recent views); every candidate is run at the last days of
   the history as if each were the origin and each segment takes the candidate with the lowest WAPE.
   The head's top series are also tried with Prophet and switch to it only if it backtests better.
3. **Cold start**: titles released from ``as_of`` to the end of the horizon (from the catalog) and series
   with fewer than 3 days of history get a launch-curve forecast whose level comes from analog titles
   (shrunk towards the series' own first days when it has some).
4. **Intervals** (80%) are calibrated on the combined forecast's errors at past origins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import dask
import numpy as np
import pandas as pd

from forecasting import columns as C
from forecasting.errors import ForecastError
from forecasting.intervals import PointFn, calibrate
from forecasting.launch import FIRST_WEEK, LaunchCurve, analog_levels, learn_curve
from forecasting.models import PanelForecaster, ewma_point, last_value_point, mean7_point, register, snaive7_point
from forecasting.panel import Panel, to_long
from forecasting.parallel import local_workers
from forecasting.prophet_model import prophet_forecast

SEGMENTS = ("launch", "head", "torso", "tail")
LAUNCH_DAYS = 14
COLD_DAYS = 3
"""Catalog titles released from ``as_of - COLD_DAYS`` on without any views get the analog cold start."""
HEAD_SHARE, TORSO_SHARE = 0.5, 0.9
EWMA_WINDOW = 28
SELECTION_ORIGINS = 7
"""Past origins of the candidate backtests: the last week (longer windows chose worse on data/movietweetings,
whose demand drifts)."""
SERIES_CHOICE_DAYS = 28
SERIES_CHOICE_WAPE = 0.5
"""A series with at least ``SERIES_CHOICE_DAYS`` days of history whose best naive baseline backtests below
this WAPE (a predictable series) chooses its own candidate, shrunk towards its segment's; noisier series
take their segment's choice (their own few errors would pick noise)."""
PRIOR_WEIGHT = 1.0
"""Weight of the segment's WAPE against the series' own backtest error in a series' choice."""
COMBO_SIZE = 3
"""The combination candidate averages the ``COMBO_SIZE`` best candidates of each segment."""
NAIVE = ("last_value", "mean7", "snaive7")
NAIVE_MARGIN = 0.02
"""Any other candidate must backtest this much better than a naive baseline to be chosen over it."""
PROPHET_MARGIN = 0.1
"""Prophet replaces the fast forecast (totals or head) only when its backtest error is this much lower: on
data/wikipedia a smaller win at seven origins did not hold on the next days."""
PROPHET_MIN_DAYS = 56
"""Prophet is tried only on series with at least eight weeks of history (shorter, it over-fits)."""


def segment_series(panel: Panel, window: int = 28) -> np.ndarray:
    """Segment of each series: ``launch`` (first view in the last ``LAUNCH_DAYS`` days), else ``head``
    (the biggest series making ``HEAD_SHARE`` of recent views), ``torso`` (up to ``TORSO_SHARE``), ``tail``."""
    recent = panel.values[:, -window:].sum(axis=1)
    order = np.argsort(-recent, kind="stable")
    cumulative = np.cumsum(recent[order]) / max(recent.sum(), 1e-12)
    seg = np.empty(len(recent), dtype=object)
    seg[order] = np.where(cumulative <= HEAD_SHARE, "head", np.where(cumulative <= TORSO_SHARE, "torso", "tail"))
    if len(order) and seg[order[0]] != "head":
        seg[order[0]] = "head"
    seg[panel.history_days() <= LAUNCH_DAYS] = "launch"
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
    hist = history[history[C.DATE] >= start]
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
    return Context(wanted, all_regions, region_of, totals, release_col, curve, levels, new_titles)


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


def share_point(ctx: Context, halflife: float, totals_fn=totals_point) -> PointFn:
    """Top-down: EWMA share of the region's views, launch-curve corrected, times the region total."""

    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        n_days = values.shape[1]
        totals = ctx.totals[:, :n_days]
        ahead = totals_fn(totals, horizon)
        inverse = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
        level = scaled_ewma_level(values, first_seen, halflife, inverse, ctx.region_of)
        adjust = ctx.curve.adjustment(ctx.release_col, n_days, horizon, ewma_weights(halflife, n_days))
        return level[:, None] * adjust * ahead[ctx.region_of]

    return point


def candidates(ctx: Context, totals_fn: Callable[[np.ndarray, int], np.ndarray] = totals_point
               ) -> dict[str, PointFn]:
    """The fast candidate forecasters of ``auto``: the three naive baselines first, then the smoothers and
    the top-down share models (region totals from ``totals_fn``)."""
    out: dict[str, PointFn] = {"last_value": last_value_point, "mean7": mean7_point, "snaive7": snaive7_point}
    for hl in (1.0, 2.0, 4.0, 7.0, 14.0):
        out[f"ewma{hl:g}"] = lambda v, f, h, hl=hl: ewma_point(v, f, h, hl)
        out[f"sewma{hl:g}"] = lambda v, f, h, hl=hl: seasonal_ewma(
            v, f, h, hl, weekly_profile(ctx.totals[:, : v.shape[1]]), ctx.region_of)
    for hl in (1.0, 2.0, 4.0, 7.0, 14.0, 28.0):
        out[f"share{hl:g}"] = share_point(ctx, hl, totals_fn)
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
    totals_model, head_prophet
        Region totals from ``sewma`` or ``prophet``; whether the head's top series switched to Prophet.
    """

    by_segment: dict[str, str]
    wape: pd.DataFrame
    top: dict[str, list[str]]
    series: np.ndarray
    totals_model: str = "sewma"
    head_prophet: bool = False


def origins(n_days: int, horizon: int, n_origins: int) -> range:
    """The last ``n_origins`` origins whose first target day lies in the history (and one day before)."""
    return range(max(1, n_days - n_origins - horizon + 1), n_days)


def backtest_errors(point: PointFn, values: np.ndarray, first_seen: np.ndarray, horizon: int,
                    n_origins: int) -> tuple[np.ndarray, np.ndarray]:
    """Absolute error and actual views per series, summed over the last ``n_origins`` origins (cells of a
    series count from the first origin after its first view)."""
    err = np.zeros(len(values))
    act = np.zeros(len(values))
    for origin in origins(values.shape[1], horizon, n_origins):
        steps = min(horizon, values.shape[1] - origin)
        yhat = np.clip(point(values[:, :origin], np.minimum(first_seen, origin), steps), 0.0, None)
        seen = (first_seen < origin)[:, None]
        actual = values[:, origin:origin + steps]
        err += (np.abs(actual - yhat) * seen).sum(axis=1)
        act += (actual * seen).sum(axis=1)
    return err, act


def combination_point(points: dict[str, PointFn], segments: np.ndarray, top: dict[str, list[str]]) -> PointFn:
    """The median of each segment's ``top`` candidates on that segment's series."""
    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        out = np.zeros((len(values), horizon))
        cache: dict[str, np.ndarray] = {}
        for seg, names in top.items():
            mask = segments == seg
            for name in names:
                if name not in cache:
                    cache[name] = np.clip(points[name](values, first_seen, horizon), 0.0, None)
            out[mask] = np.median(np.stack([cache[name][mask] for name in names]), axis=0)
        return out

    return point


def _backtest_all(points: dict[str, PointFn], panel: Panel, horizon: int, n_origins: int
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    # candidates backtest independently: Dask's threaded scheduler on the local cores (numpy releases the GIL);
    # explicit task names and pure=False keep Dask from hashing the panel
    tasks = [dask.delayed(backtest_errors, pure=False, name=f"backtest-{name}")(
        point, panel.values, panel.first_seen, horizon, n_origins, dask_key_name=f"backtest-errors-{name}")
        for name, point in points.items()]
    return list(dask.compute(*tasks, scheduler="threads", num_workers=local_workers()))


def _segment_wape(names: list[str], err: np.ndarray, act: np.ndarray, segments: np.ndarray) -> pd.DataFrame:
    rows = []
    for seg in SEGMENTS:
        mask = segments == seg
        if mask.any():
            total = act[mask].sum()
            for j, name in enumerate(names):
                rows.append({"segment": seg, "candidate": name, "series": int(mask.sum()),
                             "wape": err[mask, j].sum() / total if total > 0 else np.inf})
    return pd.DataFrame(rows, columns=["segment", "candidate", "wape", "series"])


def choose(points: dict[str, PointFn], panel: Panel, segments: np.ndarray, horizon: int,
           n_origins: int | None = None, prior_weight: float | None = None) -> Choice:
    """Choose a candidate per series by rolling-origin backtest at the last ``n_origins`` origins.

    Every candidate (and the combination of each segment's ``COMBO_SIZE`` best) is run at each origin on
    every series. A segment takes its lowest-WAPE candidate (ties: the earlier name; any other candidate must
    beat the naive baselines by ``NAIVE_MARGIN``). A predictable series (``SERIES_CHOICE_DAYS`` days of
    history, best naive WAPE under ``SERIES_CHOICE_WAPE``) takes the candidate minimising
    ``own absolute error + prior_weight * own actual * segment WAPE``: its own record, shrunk towards its
    segment's. Ties and segments without views fall back on ``last_value``.
    """
    n_origins = SELECTION_ORIGINS if n_origins is None else n_origins
    prior_weight = PRIOR_WEIGHT if prior_weight is None else prior_weight
    names = list(points)
    errors = _backtest_all(points, panel, horizon, n_origins)
    err = np.column_stack([e for e, _ in errors]) if errors else np.zeros((len(segments), 0))
    act = errors[0][1] if errors else np.zeros(len(segments))
    wape = _segment_wape(names, err, act, segments)
    top = {str(seg): list(grp.sort_values("wape", kind="stable")["candidate"].iloc[:COMBO_SIZE])
           for seg, grp in wape.groupby("segment", sort=False)}
    combo_err, _ = backtest_errors(combination_point(points, segments, top), panel.values, panel.first_seen,
                                   horizon, n_origins)
    names.append("combo")
    err = np.column_stack([err, combo_err])
    wape = _segment_wape(names, err, act, segments)
    handicap = np.array([1.0 if name in NAIVE else 1.0 + NAIVE_MARGIN for name in names])
    judged = wape.assign(wape=wape["wape"] * wape["candidate"].map(dict(zip(names, handicap, strict=True))))
    by_segment = {str(seg): str(grp.sort_values("wape", kind="stable").iloc[0]["candidate"])
                  for seg, grp in judged.groupby("segment", sort=False)}
    pick = np.array([names.index(by_segment.get(str(seg), NAIVE[0])) for seg in segments], dtype=int)
    table = wape.pivot(index="segment", columns="candidate", values="wape").reindex(columns=names)
    naive = [names.index(n) for n in NAIVE if n in names]
    naive_wape = np.divide(err[:, naive].min(axis=1), act, out=np.full(len(act), np.inf), where=act > 0)
    own = np.flatnonzero((panel.history_days() >= SERIES_CHOICE_DAYS) & (naive_wape < SERIES_CHOICE_WAPE))
    for lo in range(0, len(own), 250_000):  # blocks bound the memory of the score matrix
        rows = own[lo:lo + 250_000]
        prior = table.reindex(segments[rows]).to_numpy(float)
        prior = np.where(np.isfinite(prior), prior, np.nanmax(np.where(np.isfinite(prior), prior, 0)) + 1.0)
        score = (err[rows] + prior_weight * act[rows, None] * prior) * handicap
        pick[rows] = score.argmin(axis=1)
    return Choice(by_segment, wape, top, np.asarray(names, dtype=object)[pick])


def per_series_point(points: dict[str, PointFn], chosen: np.ndarray) -> PointFn:
    """One point forecaster applying each series' chosen candidate (a name of ``points``) to it."""
    masks = {str(name): chosen == name for name in np.unique(chosen)}

    def point(values: np.ndarray, first_seen: np.ndarray, horizon: int) -> np.ndarray:
        out = np.zeros((len(values), horizon))
        for name, mask in masks.items():
            out[mask] = points[name](values, first_seen, horizon)[mask]
        return out

    return point


@register("auto")
class Auto(PanelForecaster):
    """The default model (see the module docstring).

    Parameters
    ----------
    use_prophet : bool
        Try Prophet on the region totals and the head (False: fast models only).
    prophet_head : int
        Top series of the head tried with Prophet.
    prophet_origins : int
        Past origins of the Prophet-versus-fast backtests (totals and head).

    After :meth:`predict`, ``choice_`` holds what was chosen and every candidate's WAPE.
    """

    def __init__(self, *, use_prophet: bool = True, prophet_head: int = 10, prophet_origins: int = 7,
                 **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.use_prophet = use_prophet
        self.prophet_head = prophet_head
        self.prophet_origins = prophet_origins
        self.context_: Context | None = None
        self.choice_: Choice | None = None

    def fit(self, history: pd.DataFrame, as_of: pd.Timestamp | None = None) -> Auto:
        """Keep the panel, region totals, launch curve and past launch levels."""
        super().fit(history, as_of)
        assert self.panel_ is not None
        self.context_ = build_context(history, self.panel_, self.catalog, self.regions)
        return self

    def _prophet_totals(self, totals: np.ndarray, horizon: int) -> np.ndarray:
        """Prophet point forecasts of region totals (rows of ``totals``)."""
        keys = pd.DataFrame({C.REGION: [str(i) for i in range(len(totals))], C.TITLE: "*"})
        n_days = totals.shape[1]
        start = self.panel_.start  # type: ignore[union-attr]
        panel = Panel(keys, totals, start, start + pd.Timedelta(days=n_days), np.zeros(len(totals), dtype=int))
        fitted, yhat, _, _ = prophet_forecast(panel, np.arange(len(totals)), horizon, scheduler=self.scheduler,
                                              seed=self.seed, intervals=False)
        out = totals_point(totals, horizon)
        out[fitted] = yhat
        return out

    def _prophet_wins(self, values: np.ndarray, rows: np.ndarray, horizon: int, fast: PointFn,
                      prophet: PointFn) -> bool:
        """Whether Prophet's WAPE is ``PROPHET_MARGIN`` lower than ``fast``'s on ``rows`` at the last origins."""
        if self.prophet_origins < 1 or not len(rows):
            return False
        errs = {"fast": 0.0, "prophet": 0.0}
        total = 0.0
        for origin in origins(values.shape[1], horizon, self.prophet_origins):
            steps = min(horizon, values.shape[1] - origin)
            actual = values[rows, origin:origin + steps]
            total += float(actual.sum())
            for name, fn in (("fast", fast), ("prophet", prophet)):
                errs[name] += float(np.abs(actual - np.clip(fn(values[:, :origin], rows, steps), 0, None)).sum())
        return total > 0 and errs["prophet"] < (1.0 - PROPHET_MARGIN) * errs["fast"]

    def predict(self, horizon: int) -> pd.DataFrame:
        """Choose, forecast, add cold starts, calibrate intervals, expected views and the chance of any."""
        if self.panel_ is None or self.context_ is None:
            raise ForecastError("model 'auto' must be fitted before predict")
        p, ctx = self.panel_, self.context_
        segments = segment_series(p)
        points = candidates(ctx)
        choice = choose(points, p, segments, horizon)
        points["combo"] = combination_point(points, segments, choice.top)
        point = per_series_point(points, choice.series)
        # region totals: Prophet or the seasonal EWMA, by backtest
        totals_fn: Callable[[np.ndarray, int], np.ndarray] = totals_point
        regions_used = np.unique(ctx.region_of) if len(ctx.region_of) else np.array([], dtype=int)
        if self.use_prophet and p.n_days >= PROPHET_MIN_DAYS and self._prophet_wins(
                ctx.totals, regions_used, horizon,
                lambda v, rows, h: totals_point(v, h)[rows],
                lambda v, rows, h: self._prophet_totals(v[rows], h)):
            totals_fn = self._cached_totals(horizon)
            choice = replace(choice, totals_model="prophet")
        final_points = candidates(ctx, totals_fn)
        final_points["combo"] = combination_point(final_points, segments, choice.top)
        yhat = np.clip(per_series_point(final_points, choice.series)(p.values, p.first_seen, horizon), 0.0, None)
        model = np.char.add("auto:", choice.series.astype(str)).astype(object)
        # Prophet on the head's top series, if it backtests better there
        head = np.flatnonzero(segments == "head")
        head = head[np.argsort(-p.values[head, -28:].sum(axis=1), kind="stable")][: self.prophet_head]
        head = head[p.history_days()[head] >= PROPHET_MIN_DAYS]
        if self.use_prophet and self._prophet_wins(
                p.values, head, horizon, lambda v, rows, h: point(v, np.minimum(p.first_seen, v.shape[1]), h)[rows],
                lambda v, rows, h: self._prophet_rows(v, rows, h)):
            yhat[head] = self._prophet_rows(p.values, head, horizon)
            model[head] = "auto:prophet"
            choice = replace(choice, head_prophet=True)
        self.choice_ = choice
        calibration = calibrate(point, p.values, p.first_seen, horizon, groups=segments)
        frame = to_long(p.keys, p.as_of, yhat, *calibration.bounds(yhat, segments), model,
                        mean=calibration.mean(yhat, segments), p_views=calibration.p_views(yhat, segments))
        cold = self._cold_start(horizon, totals_fn(ctx.totals, horizon))
        if not len(cold):
            return frame
        launch = np.full(len(cold) // horizon, "launch", dtype=object)
        cold_yhat = cold[C.YHAT].to_numpy().reshape(-1, horizon)
        lower, upper = calibration.bounds(cold_yhat, launch)
        cold = cold.assign(**{C.YHAT_LOWER: lower.reshape(-1), C.YHAT_UPPER: upper.reshape(-1),
                              C.YHAT_MEAN: calibration.mean(cold_yhat, launch).reshape(-1),
                              C.P_VIEWS: calibration.p_views(cold_yhat, launch).reshape(-1)})
        return pd.concat([frame, cold], ignore_index=True)

    def _cached_totals(self, horizon: int) -> Callable[[np.ndarray, int], np.ndarray]:
        """Prophet's region totals for the full history (fitted once), the fast totals at past origins."""
        cache: dict[int, np.ndarray] = {}
        full = self.context_.totals.shape[1]  # type: ignore[union-attr]

        def fn(totals: np.ndarray, h: int) -> np.ndarray:
            if totals.shape[1] == full and h == horizon:
                if h not in cache:
                    cache[h] = self._prophet_totals(totals, h)
                return cache[h]
            return totals_point(totals, h)

        return fn

    def _prophet_rows(self, values: np.ndarray, rows: np.ndarray, horizon: int) -> np.ndarray:
        """Prophet point forecasts of some panel rows from ``values`` (EWMA where a series is too short)."""
        p = self.panel_
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
        p, ctx = self.panel_, self.context_
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
