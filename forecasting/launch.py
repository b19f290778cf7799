"""Launch curves learned from past launches, and cold-start forecasts from analog titles.

A title's launch shape is its share of all views (over every region) by age in days since release,
divided by its mean share over its first week. The curve ``g(age)`` is the median of these shapes
over the titles launched inside the history (so ``g`` averages 1 over ages 0-6, peaks around days 1-3
and decays to a floor). A title with no or little history is then forecast as
``launch level x g(age) x region total``, the launch level (first-week share in the region) taken from
analog titles: launched titles of the same language and genre, else the same language, else the same
genre, else all launched titles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting import columns as C

MAX_AGE = 60
FIRST_WEEK = 7
MIN_LAUNCHES = 3


@dataclass(frozen=True)
class LaunchCurve:
    """Median launch shape ``g`` by age 0..MAX_AGE (``g[MAX_AGE]`` holds for older ages).

    Attributes
    ----------
    g : ndarray
        Shape by age, mean 1 over the first week.
    launches : int
        Number of past launches it was learned from (0: the flat default curve).
    """

    g: np.ndarray
    launches: int

    def at(self, age: np.ndarray) -> np.ndarray:
        """``g`` at integer ages (0 before release, the floor after ``MAX_AGE``)."""
        age = np.asarray(age)
        out = self.g[np.clip(age, 0, MAX_AGE).astype(int)]
        return np.where(age < 0, 0.0, out)

    def adjustment(self, release_col: np.ndarray, n_days: int, horizon: int, weights: np.ndarray) -> np.ndarray:
        """Factor turning a weighted recent level into each step's level, per series.

        ``g(age of the target day) / sum_k weights_k g(age of day n_days-1-k)`` (weights over the last
        ``len(weights)`` days, most recent first, normalised over days after release); 1 for series
        without a known release inside the curve's span.

        The factor depends on the series only through its release column, which the series of one title
        share across regions: it is computed once per distinct release column and indexed, rather than
        as (series x window) temporaries (the same arithmetic per row, so the same values).
        """
        n = len(release_col)
        out = np.ones((n, horizon))
        known = np.isfinite(release_col) & (n_days - np.where(np.isfinite(release_col), release_col, 0) <= MAX_AGE)
        if not known.any() or self.launches == 0:
            return out
        release, row_of = np.unique(release_col[known], return_inverse=True)
        rc = release[:, None]
        past_age = (n_days - 1 - np.arange(len(weights)))[None, :] - rc
        w = np.where(past_age >= 0, weights[None, :], 0.0)
        g_past = (w * self.at(past_age)).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-12)
        ahead = self.at((n_days + np.arange(horizon))[None, :] - rc)
        factor = np.divide(ahead, g_past[:, None], out=np.ones_like(ahead), where=g_past[:, None] > 0)
        out[known] = factor[row_of.reshape(-1)]
        return out


def learn_curve(title_share: np.ndarray, release_col: np.ndarray) -> LaunchCurve:
    """Learn ``g`` from titles launched inside the history.

    Parameters
    ----------
    title_share : ndarray
        (n_titles, n_days): each title's share of all views per day.
    release_col : ndarray
        Column of each title's release (NaN when unknown or before the history).

    Returns
    -------
    LaunchCurve
        Flat (``g = 1``) when fewer than ``MIN_LAUNCHES`` titles have a full first week in the history.
    """
    n_days = title_share.shape[1]
    rc = np.where(np.isfinite(release_col), release_col, -1)
    ok = (rc >= 0) & (rc + FIRST_WEEK <= n_days)
    if ok.sum() < MIN_LAUNCHES:
        return LaunchCurve(np.ones(MAX_AGE + 1), 0)
    rows = np.flatnonzero(ok)
    ages = np.arange(MAX_AGE + 1)
    cols = rc[rows, None].astype(int) + ages[None, :]
    inside = cols < n_days
    shape = np.where(inside, title_share[rows[:, None], np.minimum(cols, n_days - 1)], np.nan)
    first_week = np.nanmean(shape[:, :FIRST_WEEK], axis=1)
    keep = first_week > 0
    shape = shape[keep] / first_week[keep, None]
    counts = (~np.isnan(shape)).sum(axis=0)
    g = np.full(MAX_AGE + 1, np.nan)
    g[counts > 0] = np.nanmedian(shape[:, counts > 0], axis=0)
    for age in range(1, MAX_AGE + 1):  # ages no launch reached yet keep the last known level
        if np.isnan(g[age]) or counts[age] < MIN_LAUNCHES:
            g[age] = g[age - 1]
    g = g / g[:FIRST_WEEK].mean()
    return LaunchCurve(g, int(keep.sum()))


def analog_levels(levels: pd.DataFrame, catalog: pd.DataFrame, titles: list[str]) -> pd.DataFrame:
    """Expected first-week share per (region, new title) from analog past launches.

    Parameters
    ----------
    levels : DataFrame
        ``region, title_id, level``: first-week share of past launches per region (0 where unseen).
    catalog : DataFrame
        ``title_id, language, genre``.
    titles : list of str
        The new titles.

    Returns
    -------
    DataFrame
        ``region, title_id, level``: the median level of the closest analog group in each region
        (NaN when no past launch exists in the region).
    """
    meta = catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)
    for col in (C.LANGUAGE, C.GENRE):
        if col not in meta.columns:
            meta[col] = ""
    past = levels.merge(meta[[C.LANGUAGE, C.GENRE]], left_on=C.TITLE, right_index=True, how="left")
    past[[C.LANGUAGE, C.GENRE]] = past[[C.LANGUAGE, C.GENRE]].fillna("")
    regions = sorted(levels[C.REGION].unique())
    groupings: tuple[list[str], ...] = ([C.LANGUAGE, C.GENRE], [C.LANGUAGE], [C.GENRE], [])
    medians = [past.groupby([C.REGION, *g], observed=True)["level"].median() if g else
               past.groupby(C.REGION)["level"].median() for g in groupings]
    counts = [past.groupby([C.REGION, *g], observed=True)["level"].size() if g else
              past.groupby(C.REGION)["level"].size() for g in groupings]
    # every (title, region) pair, looked up group by group from the most specific (vectorised merges)
    present = pd.Index(titles).isin(meta.index)
    grid = pd.DataFrame({C.TITLE: np.repeat(np.asarray(titles, dtype=object), len(regions)),
                         C.REGION: np.tile(np.asarray(regions, dtype=object), len(titles))})
    for col in (C.LANGUAGE, C.GENRE):
        own = meta[col].reindex(titles).astype(object).map(str).to_numpy(dtype=object)
        grid[col] = np.repeat(np.where(present, own, ""), len(regions))
    level = np.full(len(grid), np.nan)
    for g, med, cnt in zip(groupings, medians, counts, strict=True):
        keys = [C.REGION, *g]
        stats = pd.DataFrame({"med": med, "cnt": cnt}).reset_index()
        stats[keys] = stats[keys].astype(object)
        found = grid[keys].astype(object).merge(stats, on=keys, how="left")
        n = found["cnt"].fillna(0).to_numpy(float)
        take = np.isnan(level) & ((n >= MIN_LAUNCHES) | ((n > 0) if not g else False))
        level[take] = found["med"].to_numpy(float)[take]
    return pd.DataFrame({C.REGION: grid[C.REGION].to_numpy(), C.TITLE: grid[C.TITLE].to_numpy(), "level": level},
                        columns=[C.REGION, C.TITLE, "level"])
