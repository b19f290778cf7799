"""Generate realistic scenarios in the data contract's format (the numbers follow docs/data.md).

The model, per region ``r``, title ``t`` and day ``d``:

- Titles are films (size 40-80 GB) and episodes of series (size 8-30 GB, a season released on one day);
  one view streams a tenth of the stored size (x 0.9-1.1). About 70% of titles are in English, the rest in
  the home languages of the regions.
- Each region has a Zipf exponent ``alpha_r`` drawn in [0.8, 1.0], a home language and a local-content
  share (the share of its views on home-language titles: 0.60-0.85 where the home language is English,
  0.01-0.60 elsewhere). A title's base appeal in a region is Zipf by its rank inside its language group
  (home or not) on a score ``quality + 0.5 * regional noise``; the home group's weight is calibrated
  (bisection) so that home-language titles take the local share of the region's views on the eve of
  the history.
- A title's lifecycle multiplies its appeal: zero before release, a peak on day 1, 2 or 3 after release,
  then an exponential decay (time constant 2-5 days) to a floor of 5-20% of the peak. Most titles are
  back catalogue released in the three years before the history, ``LAUNCH_RATE`` per day launch during
  it, about 2% are scheduled in the 30 days after it (cold start: no demand rows).
- Each day, a region's released titles are ranked by current appeal and get Zipf shares
  ``rank^-alpha_r`` of its daily views (so every day's popularity curve is Zipf with ``alpha_r``).
  Daily views are the region's volume (log-uniform 1,000-20,000) times a weekly cycle (Saturday and
  Sunday up 15-35%, Friday half that) times a day factor (lognormal, sigma 0.05).
- Counts are negative binomial: Poisson with a Gamma(shape 4) mixed mean, so the tail has zeros; only
  non-zero rows are written.
- Sites start full (``placement.csv``): each holds its best titles by expected GB per GB of disk on the
  eve of the first day (an edge for its region, a storage site for all regions), unless ``warm=False``.

The whole computation is vectorised over regions and titles, one day at a time.

Profiles (``profile=``) stress forecasters beyond that one shape; ``vod`` is the model above, byte for byte:

- ``trending``: short-lived surges (decay time constant a quarter of vod's, floor 0-2% of the peak, ten
  times the launch rate), and censoring: each day a region reports only its ``TRENDING_TOP`` most viewed
  titles (titles are seen only while popular; the rest of the demand is absent, read as zero).
- ``sparse``: intermittent counts: daily views 2% of vod's, so most (region, title, day) cells are zero and
  the rest small counts.
- ``longlived``: long smooth series with trend: every title released before the history, no launches,
  little noise (Gamma shape 50, no day factor), each title's appeal drifting by ``exp(trend * day)`` with a
  trend of N(0, 0.01) per day. Meant for few titles (``--titles 10``) and long histories.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cdn import columns as C
from cdn.atomic import atomic_directory
from cdn.defaults import PEAK_HOUR_SHARE
from cdn.errors import InputError
from cdn.progress import track
from cdn.scenario import DEFAULT_SETTINGS, write_tables
from cdn.topology import Network, provision, synthetic_network, zoo_network

__all__ = ["PROFILES", "GeneratedScenario", "generate_scenario", "write_scenario"]

PROFILES = ("vod", "trending", "sparse", "longlived")
TRENDING_TOP = 50
TRENDING_DECAY, TRENDING_FLOOR, TRENDING_LAUNCHES = 0.25, (0.0, 0.02), 10.0
SPARSE_VOLUME = 0.02
LONGLIVED_SHAPE, LONGLIVED_TREND = 50.0, 0.01

ENGLISH_SHARE = 0.70  # share of titles in English (domain.md: non-English about 30%)
EPISODE_SHARE = 0.50  # share of titles that are episodes of series
SEASON_EPISODES = (6, 10)  # episodes per season, released together
LAUNCH_RATE = 0.0025  # launches per catalog title per day of history (capped at 40% of the titles)
COLD_START_SHARE = 0.02  # titles scheduled in the 30 days after the history
BACK_CATALOG_DAYS = 3 * 365
ZIPF_EXPONENT = (0.8, 1.0)
LOCAL_SHARE_ENGLISH = (0.60, 0.85)
LOCAL_SHARE_OTHER = (0.01, 0.60)
DAILY_VIEWS = (1_000.0, 20_000.0)  # per region, log-uniform
WEEKEND_UPLIFT = (1.15, 1.35)
PEAK_DAY = (0, 1, 2)  # days after release of the launch peak (days 1-3)
DECAY_DAYS = (2.0, 5.0)  # time constant of the decay after the peak
FLOOR_SHARE = (0.05, 0.20)  # long-run level as a share of the peak
NB_SHAPE = 4.0  # Gamma shape of the negative binomial mixing (smaller = more dispersed)
DAY_NOISE_SIGMA = 0.05
REGIONAL_NOISE = 0.5  # sd of a title's regional score noise (its quality has sd 1)
EPISODE_DROP = 0.1  # score lost per episode after the first of a season
ENGLISH_HOME_SHARE = 0.3  # share of regions with English as home language when the country is unknown
GENRES = ("drama", "comedy", "action", "thriller", "crime", "documentary", "animation", "romance", "sci-fi",
          "horror", "family", "reality")
LANGUAGES = ("es", "fr", "de", "it", "pt", "nl", "pl", "sv", "tr", "ja", "ko", "hi", "ar", "zh", "ru", "cs")
COUNTRY_LANGUAGE = {
    "Austria": "de", "Belarus": "ru", "Belgium": "nl", "Brazil": "pt", "Bulgaria": "bg", "Canada": "en",
    "China": "zh", "Croatia": "hr", "Cyprus": "el", "Czech Republic": "cs", "Denmark": "da", "Estonia": "et",
    "Finland": "fi", "France": "fr", "Germany": "de", "Greece": "el", "Hungary": "hu", "India": "hi",
    "Ireland": "en", "Israel": "he", "Italy": "it", "Japan": "ja", "Latvia": "lv", "Lithuania": "lt",
    "Luxembourg": "fr", "Mexico": "es", "Netherlands": "nl", "Norway": "no", "Poland": "pl", "Portugal": "pt",
    "Romania": "ro", "Russia": "ru", "Serbia": "sr", "Slovakia": "sk", "Slovenia": "sl", "South Korea": "ko",
    "Spain": "es", "Sweden": "sv", "Switzerland": "de", "Turkey": "tr", "United Kingdom": "en", "Australia": "en",
    "United States": "en", "USA": "en", "New Zealand": "en", "South Africa": "en", "Argentina": "es",
    "Chile": "es", "Colombia": "es", "Iceland": "is", "Malta": "en", "Ukraine": "uk",
}


@dataclass(frozen=True)
class GeneratedScenario:
    """A generated scenario: contract frames, lazily produced daily demand, and the drawn parameters.

    Attributes
    ----------
    catalog, sites, links : DataFrame
        Contract frames (catalog also carries ``content_type`` and ``series``).
    settings : dict
        ``fill_window_hours`` and ``peak_hour_share``.
    dates : DatetimeIndex
        The days of demand.
    regions : list of str
        Region names, in the order of the demand arrays.
    params : dict
        The drawn per-region parameters (Zipf exponent, home language, local share, daily views,
        weekend uplift) and the arguments, written to ``generated.json``.
    placement : DataFrame
        ``site_id, title_id`` held before the first day (empty for empty caches).
    """

    catalog: pd.DataFrame
    sites: pd.DataFrame
    links: pd.DataFrame
    settings: dict[str, float]
    dates: pd.DatetimeIndex
    regions: list[str]
    params: dict[str, object]
    placement: pd.DataFrame
    _model: _DemandModel = field(repr=False)

    def demand_days(self) -> Iterator[tuple[pd.Timestamp, np.ndarray, np.ndarray, np.ndarray]]:
        """Yield ``(date, region_index, title_index, views)`` of each day's non-zero rows, sorted."""
        yield from self._model.days(self.dates)

    def demand(self) -> pd.DataFrame:
        """All demand rows as one frame (``date, region, title_id, views``); for small scenarios and tests."""
        frames = [
            pd.DataFrame({C.DATE: date, C.REGION: np.asarray(self.regions, dtype=object)[r],
                          C.TITLE: self.catalog[C.TITLE].to_numpy()[t], C.VIEWS: v})
            for date, r, t, v in self.demand_days()
        ]
        return pd.concat(frames, ignore_index=True)

    def expected_views(self, date: str | pd.Timestamp) -> tuple[np.ndarray, float]:
        """The mean every (region, title)'s views of ``date`` are drawn around, and the draw's shape.

        A day's views are negative binomial around ``mean`` with shape ``shape`` (a Poisson count of a Gamma
        of that shape), times the region's lognormal noise of the day: the best forecast any model could
        make, against which a forecast's error can be read (``bench/forecast_ceiling.py``).

        Returns
        -------
        mean : ndarray
            Shape (regions, titles), in the order of ``regions`` and the catalog.
        shape : float

        Raises
        ------
        ValueError
            On a date outside the scenario, or on the ``trending`` profile, whose counts are censored to each
            region's top titles of the day (no closed form).
        """
        day = self.dates.get_indexer([pd.Timestamp(date)])[0]
        if day < 0:
            raise ValueError(f"{date} is not a day of the scenario "
                             f"({self.dates[0]:%Y-%m-%d} .. {self.dates[-1]:%Y-%m-%d})")
        return self._model.expected_views(day, self.dates[day].day_of_week), self._model.shape


@dataclass
class _DemandModel:
    """Arrays of the demand model; ``days`` draws each day's counts from one generator, in order."""

    appeal: np.ndarray  # (regions, titles) base appeal
    release: np.ndarray  # (titles,) day index of release relative to the first day
    peak_day: np.ndarray
    decay: np.ndarray
    floor: np.ndarray
    alpha: np.ndarray  # (regions,)
    volume: np.ndarray  # (regions,)
    weekly: np.ndarray  # (regions, 7), Monday first
    rng: np.random.Generator
    trend: np.ndarray | None = None  # (titles,) log-drift of appeal per day (longlived)
    top: int | None = None  # only each region's ``top`` titles of a day are reported (trending)
    shape: float = NB_SHAPE
    day_noise: float = DAY_NOISE_SIGMA

    def lifecycle(self, day: int) -> np.ndarray:
        """Lifecycle multiplier of every title on day index ``day`` (0 before release, 1 at the peak)."""
        age = day - self.release
        after = self.floor + (1.0 - self.floor) * np.exp(-np.maximum(age - self.peak_day, 0) / self.decay)
        ramp = 0.5 + 0.5 * age / np.maximum(self.peak_day, 1)
        life = np.where(age < 0, 0.0, np.where(age < self.peak_day, ramp, after))
        return life if self.trend is None else life * np.exp(self.trend * day)

    @functools.cached_property
    def _zipf(self) -> tuple[np.ndarray, np.ndarray]:
        """Zipf weights by rank and their running sums, per region."""
        return _zipf_table(self.alpha, self.appeal.shape[1])

    def shares(self, day: int) -> np.ndarray:
        """Each region's share of its views per title on day index ``day``: Zipf by rank of current appeal.

        Rows sum to 1, or to 0 when no title is released yet; unreleased titles get 0.
        """
        return _zipf_shares(self.appeal, self.lifecycle(day), *self._zipf)

    def expected_views(self, day: int, weekday: int) -> np.ndarray:
        """Mean views of every (region, title) on day index ``day``, a ``weekday`` (0 Monday), over the draws of
        :meth:`days` (before censoring to the top titles)."""
        if self.top is not None:
            raise ValueError("the trending profile's counts are censored to each region's top titles: no closed form")
        level = self.volume * self.weekly[:, weekday] * np.exp(self.day_noise ** 2 / 2.0)  # the lognormal's mean
        return self.shares(day) * level[:, None]

    def days(self, dates: pd.DatetimeIndex) -> Iterator[tuple[pd.Timestamp, np.ndarray, np.ndarray, np.ndarray]]:
        """Draw the non-zero counts of each date in turn (date, region index, title index, views)."""
        n_regions = self.appeal.shape[0]
        for day, date in enumerate(dates):
            share = self.shares(day)
            level = self.volume * self.weekly[:, date.day_of_week] * self.rng.lognormal(0.0, self.day_noise, n_regions)
            mean = share * level[:, None] * self.rng.gamma(self.shape, 1.0 / self.shape, share.shape)
            views = self.rng.poisson(mean)
            if self.top is not None and views.shape[1] > self.top:  # censoring: only the day's top titles
                kth = -np.partition(-views, self.top - 1, axis=1)[:, self.top - 1:self.top]
                views = np.where(views >= np.maximum(kth, 1), views, 0)
            r, t = np.nonzero(views)
            yield date, r.astype(np.int32), t.astype(np.int32), views[r, t].astype(float)


def _zipf_table(alpha: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Weight ``k ** -alpha`` of ranks 1..n per region, and its running sum (the normaliser of the top k)."""
    weight = np.arange(1, n + 1, dtype=float)[None, :] ** -alpha[:, None]
    return weight, np.cumsum(weight, axis=1)


def _zipf_shares(appeal: np.ndarray, life: np.ndarray, weight: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """Shares by rank of ``appeal * life`` along each row, Zipf over the released titles (``life > 0``)."""
    released = int((life > 0).sum())
    share = np.zeros_like(appeal)
    if released:
        order = np.argsort(-(appeal * life[None, :]), axis=1)  # ties only among unreleased titles
        share[np.arange(len(share))[:, None], order] = weight / norm[:, released - 1 : released]
        share[:, life == 0] = 0.0
    return share


def _home_weight(home: np.ndarray, other: np.ndarray, is_home: np.ndarray, target: np.ndarray, life: np.ndarray,
                 alpha: np.ndarray, iterations: int = 16) -> np.ndarray:
    """Per-region weight ``w`` of the home-language group such that, with appeal ``w * home + other``, the
    home-language titles take ``target`` of the region's Zipf shares on the eve of the history (bisection
    on ``log w`` in [-12, 12]; the share grows with ``w``)."""
    table = _zipf_table(alpha, home.shape[1])
    lo, hi = np.full(len(home), -12.0), np.full(len(home), 12.0)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        got = (_zipf_shares(np.exp(mid)[:, None] * home + other, life, *table) * is_home).sum(axis=1)
        low = got < target
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    return np.exp((lo + hi) / 2)


def _warm_placement(model: _DemandModel, catalog: pd.DataFrame, sites: pd.DataFrame, regions: list[str]
                    ) -> pd.DataFrame:
    """What each site holds on the eve of the first day: its best titles by expected GB per GB of disk.

    An edge ranks the titles released by then by its region's expected bytes on the eve divided by size;
    a storage site by the sum over all regions. Each fills the longest prefix of its ranking that fits.
    """
    size = catalog[C.SIZE_GB].to_numpy()
    density = model.shares(-1) * model.volume[:, None] * catalog[C.GB_PER_VIEW].to_numpy()[None, :] / size
    index = {region: i for i, region in enumerate(regions)}
    held: list[tuple[str, str]] = []
    titles = catalog[C.TITLE].to_numpy()
    overall = density.sum(axis=0)
    for site, tier, region, disk in zip(sites[C.SITE], sites[C.TIER], sites[C.REGION], sites[C.DISK_GB], strict=True):
        if tier == C.ORIGIN or not disk > 0:
            continue
        value = density[index[region]] if tier == C.EDGE else overall
        order = np.argsort(-value, kind="stable")
        order = order[value[order] > 0]
        chosen = np.sort(order[np.cumsum(size[order]) <= disk])
        held.extend((site, title) for title in titles[chosen])
    return pd.DataFrame(held, columns=[C.SITE, C.TITLE])


def _catalog(titles: int, languages: list[str], days: int, rng: np.random.Generator, launches: float = 1.0
             ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Titles (films and season episodes) with release day index, language, genre, sizes; and quality scores.

    ``launches`` multiplies ``LAUNCH_RATE``."""
    n_episodes = round(titles * EPISODE_SHARE) if titles >= 2 * SEASON_EPISODES[1] else 0
    seasons: list[int] = []
    while sum(seasons) < n_episodes:
        seasons.append(int(rng.integers(SEASON_EPISODES[0], SEASON_EPISODES[1] + 1)))
    if seasons:
        seasons[-1] -= sum(seasons) - n_episodes
    n_films = titles - n_episodes
    n_units = n_films + len(seasons)
    unit_size = np.array([1] * n_films + seasons)
    # release schedule per unit (a film or a season): back catalogue, launch in the history, cold start
    n_launch = min(round(n_units * LAUNCH_RATE * launches * days), int(0.4 * n_units))
    n_cold = min(max(1, round(n_units * COLD_START_SHARE)), n_units - 1)
    kind = np.zeros(n_units, dtype=int)
    picked = rng.permutation(n_units)
    kind[picked[:n_launch]] = 1
    kind[picked[n_launch : n_launch + n_cold]] = 2
    release = np.select(
        [kind == 0, kind == 1],
        [-rng.integers(1, BACK_CATALOG_DAYS + 1, n_units), rng.integers(0, days, n_units)],
        rng.integers(days, days + 30, n_units),
    )
    non_english = [lang for lang in dict.fromkeys(languages) if lang != "en"] or list(LANGUAGES[:3])
    unit_lang = np.where(rng.random(n_units) < ENGLISH_SHARE, "en", rng.choice(non_english, n_units))
    unit_genre = rng.choice(GENRES, n_units)
    quality = rng.normal(0.0, 1.0, n_units)
    is_film = np.arange(n_units) < n_films
    unit_of = np.repeat(np.arange(n_units), unit_size)
    episode = np.concatenate([np.ones(n_films, int)] + [np.arange(1, s + 1) for s in seasons])
    film = is_film[unit_of]
    size = np.where(film, rng.uniform(40.0, 80.0, titles), rng.uniform(8.0, 30.0, titles))
    per_view = size / 10.0 * rng.uniform(0.9, 1.1, titles)
    width_f, width_s = len(str(max(n_films, 1))), len(str(max(len(seasons), 1)))
    ids = np.array(
        [f"f{u + 1:0{width_f}d}" if film[i] else f"s{u - n_films + 1:0{width_s}d}e{episode[i]:02d}"
         for i, u in enumerate(unit_of)]
    )
    series = np.where(film, "", np.char.add("s", np.char.zfill((unit_of - n_films + 1).astype(str), width_s)))
    catalog = pd.DataFrame(
        {
            C.TITLE: ids,
            C.SIZE_GB: np.round(size, 1),
            C.GB_PER_VIEW: np.round(per_view, 2),
            "release_day": release[unit_of],
            C.LANGUAGE: unit_lang[unit_of],
            C.GENRE: unit_genre[unit_of],
            "content_type": np.where(film, "film", "episode"),
            "series": series,
        }
    )
    # later episodes of a season draw fewer viewers than the first
    score = quality[unit_of] - EPISODE_DROP * (episode - 1)
    return catalog, score, release[unit_of]


def _home_languages(network: Network, rng: np.random.Generator) -> list[str]:
    """One home language per region: from the country when known, else drawn (English for 30% of regions)."""
    edges = network.sites[network.sites[C.TIER] == C.EDGE]
    drawn: dict[str, str] = {}
    out: list[str] = []
    for country in edges["country"]:
        lang = COUNTRY_LANGUAGE.get(country)
        if lang is None:
            key = country or f"#{len(out)}"
            if key not in drawn:
                drawn[key] = "en" if rng.random() < ENGLISH_HOME_SHARE else str(rng.choice(LANGUAGES))
            lang = drawn[key]
        out.append(lang)
    return out


def _zipf_within(score: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Zipf weights (summing to 1 per row) by descending rank of ``score`` along each row; zero where score is -inf."""
    valid = np.isfinite(score)
    order = np.argsort(-score, axis=1, kind="stable")
    rank = np.empty_like(order)
    rows = np.arange(score.shape[0])[:, None]
    rank[rows, order] = np.arange(score.shape[1])[None, :]
    weight = np.where(valid, (rank + 1.0) ** -alpha[:, None], 0.0)
    total = weight.sum(axis=1, keepdims=True)
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def generate_scenario(
    sites: int,
    titles: int,
    days: int,
    seed: int,
    start: str | pd.Timestamp = "2024-01-01",
    topology: str | Path | None = None,
    warm: bool = True,
    profile: str = "vod",
) -> GeneratedScenario:
    """Draw a realistic scenario.

    Parameters
    ----------
    sites : int
        Number of edge sites, one per client region (storage and origin sites come on top).
    titles : int
        Number of catalog titles.
    days : int
        Days of demand history.
    seed : int
        Seed of the only random generator used; the same arguments give the same scenario.
    start : str or Timestamp
        First day of demand (YYYY-MM-DD).
    topology : str or Path, optional
        A Topology Zoo GraphML file to attach the edge sites to; a synthetic network when omitted.
    warm : bool
        Start with full disks (``placement.csv``: each site's best titles on the eve of the first day)
        rather than empty ones.

    Returns
    -------
    GeneratedScenario

    Raises
    ------
    InputError
        On counts below 1, a bad start date or an unreadable topology.

    Examples
    --------
    >>> s = generate_scenario(sites=2, titles=30, days=7, seed=1)
    >>> sorted(s.sites["tier"].unique()), len(s.catalog), len(s.dates)
    (['edge', 'origin', 'storage'], 30, 7)
    """
    for name, value in (("sites", sites), ("titles", titles), ("days", days)):
        if value < 1:
            raise InputError(f"--{name} = {value}; expected an integer >= 1")
    try:
        first = pd.to_datetime(start, format="%Y-%m-%d") if isinstance(start, str) else pd.Timestamp(start)
    except (ValueError, TypeError) as err:
        raise InputError(f"--start = {start!r}; expected a date YYYY-MM-DD") from err
    if pd.isna(first):
        raise InputError(f"--start = {start!r}; expected a date YYYY-MM-DD")
    if profile not in PROFILES:
        raise InputError(f"--profile = {profile!r}; expected one of {', '.join(PROFILES)}")
    rng = np.random.default_rng(seed)
    network = zoo_network(topology, sites, rng) if topology is not None else synthetic_network(sites, rng)
    regions = network.regions
    n_regions = len(regions)
    home = _home_languages(network, rng)
    catalog, score, release = _catalog(titles, home, days, rng, TRENDING_LAUNCHES if profile == "trending" else 1.0)
    if profile == "longlived":  # every title released before the history
        release = np.minimum(release, -1)
        catalog["release_day"] = np.minimum(catalog["release_day"].to_numpy(), -1)

    alpha = rng.uniform(*ZIPF_EXPONENT, n_regions)
    local = np.array([rng.uniform(*(LOCAL_SHARE_ENGLISH if h == "en" else LOCAL_SHARE_OTHER)) for h in home])
    volume = np.exp(rng.uniform(np.log(DAILY_VIEWS[0]), np.log(DAILY_VIEWS[1]), n_regions))
    if profile == "sparse":
        volume = volume * SPARSE_VOLUME
    uplift = rng.uniform(*WEEKEND_UPLIFT, n_regions)
    weekly = np.ones((n_regions, 7))
    weekly[:, 4] = 1.0 + (uplift - 1.0) / 2.0
    weekly[:, 5] = weekly[:, 6] = uplift

    regional = score[None, :] + REGIONAL_NOISE * rng.normal(0.0, 1.0, (n_regions, titles))
    is_home = catalog[C.LANGUAGE].to_numpy()[None, :] == np.asarray(home)[:, None]
    has_home = is_home.any(axis=1)
    home_share = np.where(has_home, local, 0.0)[:, None]
    home_part = _zipf_within(np.where(is_home, regional, -np.inf), alpha)
    other_part = _zipf_within(np.where(is_home, -np.inf, regional), alpha)

    n_t = len(catalog)
    model = _DemandModel(
        appeal=home_share * home_part + (1.0 - home_share) * other_part,
        release=release,
        peak_day=rng.choice(PEAK_DAY, n_t).astype(float),
        decay=rng.uniform(*DECAY_DAYS, n_t),
        floor=rng.uniform(*FLOOR_SHARE, n_t),
        alpha=alpha,
        volume=volume,
        weekly=weekly,
        rng=rng,
    )
    if profile == "trending":
        model.decay = model.decay * TRENDING_DECAY
        model.floor = rng.uniform(*TRENDING_FLOOR, n_t)
        model.top = TRENDING_TOP
    if profile == "longlived":
        model.trend = rng.normal(0.0, LONGLIVED_TREND, n_t)
        model.shape, model.day_noise = LONGLIVED_SHAPE, 0.0
    weight = _home_weight(home_part, other_part, is_home, home_share[:, 0], model.lifecycle(-1), alpha)
    model.appeal = weight[:, None] * home_part + other_part
    dates = pd.date_range(first.normalize(), periods=days, freq="D")
    catalog[C.RELEASE_DATE] = (first.normalize() + pd.to_timedelta(catalog.pop("release_day"), unit="D")).dt.strftime(
        "%Y-%m-%d")
    catalog = catalog[[C.TITLE, C.SIZE_GB, C.GB_PER_VIEW, C.RELEASE_DATE, C.LANGUAGE, C.GENRE, "content_type",
                       "series"]]
    mean_gb = float(catalog[C.GB_PER_VIEW].mean())
    peak_gbps = pd.Series(volume * weekly.max(axis=1) * mean_gb * PEAK_HOUR_SHARE * 8.0 / 3600.0, index=regions)
    site_frame = provision(network, float(catalog[C.SIZE_GB].sum()), peak_gbps, rng,
                           largest_title_gb=float(catalog[C.SIZE_GB].max()))
    params: dict[str, object] = {
        "generator": "cdn generate",
        "sites": sites,
        "titles": titles,
        "days": days,
        "seed": seed,
        "start": f"{first:%Y-%m-%d}",
        "topology": network.name,
        "warm": warm,
        **({"profile": profile} if profile != "vod" else {}),  # vod scenarios stay byte-identical
        "regions": {
            region: {
                "zipf_exponent": round(float(alpha[i]), 6),
                "home_language": home[i],
                "local_share_target": round(float(home_share[i, 0]), 6),
                "daily_views": round(float(volume[i]), 3),
                "weekend_uplift": round(float(uplift[i]), 6),
            }
            for i, region in enumerate(regions)
        },
    }
    return GeneratedScenario(
        catalog=catalog,
        sites=site_frame,
        links=network.links.reset_index(drop=True),
        settings=dict(DEFAULT_SETTINGS),
        dates=dates,
        regions=regions,
        params=params,
        placement=_warm_placement(model, catalog, site_frame, regions) if warm else pd.DataFrame(
            {C.SITE: pd.Series(dtype=str), C.TITLE: pd.Series(dtype=str)}),
        _model=model,
    )


def _write_demand_parquet(scenario: GeneratedScenario, path: Path) -> int:
    schema = pa.schema([(C.DATE, pa.date32()), (C.REGION, pa.dictionary(pa.int32(), pa.string())),
                        (C.TITLE, pa.dictionary(pa.int32(), pa.string())), (C.VIEWS, pa.float64())])
    region_dict = pa.array(scenario.regions, pa.string())
    title_dict = pa.array(scenario.catalog[C.TITLE].tolist(), pa.string())
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for date, r, t, v in track(scenario.demand_days(), "generate: daily demand", total=len(scenario.dates)):
            if not len(v):
                continue
            table = pa.table(
                {
                    C.DATE: pa.array(np.full(len(v), (date - pd.Timestamp("1970-01-01")).days, np.int32), pa.date32()),
                    C.REGION: pa.DictionaryArray.from_arrays(pa.array(r), region_dict),
                    C.TITLE: pa.DictionaryArray.from_arrays(pa.array(t), title_dict),
                    C.VIEWS: pa.array(v),
                },
                schema=schema,
            )
            writer.write_table(table)
            rows += len(v)
    return rows


def _write_demand_csv(scenario: GeneratedScenario, path: Path) -> int:
    regions = np.asarray(scenario.regions, dtype=object)
    titles = scenario.catalog[C.TITLE].to_numpy(dtype=object)
    rows = 0
    with path.open("w", newline="") as out:
        out.write(f"{C.DATE},{C.REGION},{C.TITLE},{C.VIEWS}\n")
        for date, r, t, v in track(scenario.demand_days(), "generate: daily demand", total=len(scenario.dates)):
            frame = pd.DataFrame({C.DATE: f"{date:%Y-%m-%d}", C.REGION: regions[r], C.TITLE: titles[t],
                                  C.VIEWS: v.astype(np.int64)})
            frame.to_csv(out, header=False, index=False, lineterminator="\n")
            rows += len(v)
    return rows


def write_scenario(scenario: GeneratedScenario, out: str | Path, fmt: Literal["csv", "parquet"] = "csv",
                   overwrite: bool = False) -> int:
    """Write a generated scenario directory atomically (into a temporary directory, then renamed).

    Parameters
    ----------
    scenario : GeneratedScenario
        From :func:`generate_scenario`.
    out : str or Path
        Directory to create.
    fmt : {"csv", "parquet"}
        Format of the demand file (``demand.csv`` or ``demand.parquet``).
    overwrite : bool
        Replace ``out`` if it exists; otherwise an existing non-empty ``out`` is an error.

    Returns
    -------
    int
        Number of demand rows written.

    Raises
    ------
    InputError
        When ``out`` exists and is not empty (without ``overwrite``) or ``fmt`` is unknown.
    """
    if fmt not in ("csv", "parquet"):
        raise InputError(f"--format = {fmt!r}; expected one of csv, parquet")
    with atomic_directory(out, overwrite=overwrite) as tmp:
        write_tables(tmp, scenario.catalog, scenario.sites, scenario.links, scenario.settings,
                     ("generated.json", scenario.params))
        if len(scenario.placement):
            scenario.placement.to_csv(tmp / "placement.csv", index=False, lineterminator="\n")
        writer = _write_demand_parquet if fmt == "parquet" else _write_demand_csv
        return writer(scenario, tmp / f"demand.{fmt}")
