"""Convert the MovieTweetings ratings into a scenario on a real Topology Zoo network.

MovieTweetings (Dooms et al., 2013) holds IMDb ratings tweeted by users, with their time. The rules that
turn it into daily demand (also in docs/data.md):

- Days: UTC calendar days of ``rating_timestamp``; a first or last day that the ratings cover for less
  than 20 hours is dropped as partial.
- Views: every rating is one view event scaled by ``views_per_rating`` (default 100): ``views = ratings * K``.
- Regions: one per edge site. A user is hashed (BLAKE2b of the user id) to a point ``u`` in [0, 1) and goes
  to the region whose slice of [0, 1) holds it; the i-th region (sites.csv order, from 1) gets a slice
  proportional to ``i ** -region_skew`` (default 0.7), so regions differ in size. All of a user's ratings
  go to the same region.
- Titles: ``tt`` + the IMDb id. Titles with fewer than ``min_ratings`` ratings (default 20) on the kept
  days are dropped. ``release_date`` is the first day the title is rated when its year (from the title)
  is the first data year or later (a new release: its launch is in the data), else January 1 of its
  year; so demand is never before release. ``genre`` is the first genre listed, lower case (all of them
  in ``genres``). The data has no size: ``size_gb`` is spread over 40-80 GB by hashing the title id
  (``40 + 40 * u``), ``gb_per_view = size_gb / 10`` (domain.md: a 2-hour film stores 40-80 GB, a view
  streams 4-8 GB).
- Network: edge sites attached to the Topology Zoo graph as in :func:`cdn.topology.zoo_network`, disks and
  rates sized by :func:`cdn.topology.provision` from the catalog and the observed peak day.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.atomic import atomic_directory
from cdn.defaults import PEAK_HOUR_SHARE
from cdn.errors import InputError
from cdn.scenario import DEFAULT_SETTINGS, write_tables
from cdn.topology import provision, zoo_network

__all__ = ["ConvertedScenario", "convert_movietweetings", "read_movies", "read_ratings", "write_converted"]

VIEWS_PER_RATING = 100
MIN_RATINGS = 20
REGION_SKEW = 0.7
PARTIAL_DAY_HOURS = 20


@dataclass(frozen=True)
class ConvertedScenario:
    """Contract frames of a converted scenario plus the conversion's parameters (``converted.json``)."""

    catalog: pd.DataFrame
    sites: pd.DataFrame
    links: pd.DataFrame
    demand: pd.DataFrame
    settings: dict[str, float]
    params: dict[str, object]


def _read_dat(path: str | Path, names: list[str]) -> pd.DataFrame:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot be read as UTF-8 text ({err})") from err
    rows = [line.split("::") for line in text.splitlines() if line.strip()]
    bad = [i + 1 for i, row in enumerate(rows) if len(row) != len(names)]
    if bad:
        raise InputError(f"{path} line {bad[0]}: expected {len(names)} fields separated by '::' "
                         f"({'::'.join(names)}); {len(bad)} bad line(s)")
    return pd.DataFrame(rows, columns=names, dtype=str)


def read_ratings(path: str | Path) -> pd.DataFrame:
    """Read ``ratings.dat`` (``user_id::movie_id::rating::rating_timestamp``).

    Returns
    -------
    DataFrame
        ``user_id`` (str), ``movie_id`` (str, leading zeros kept), ``rating`` (int), ``timestamp``
        (datetime64, UTC, naive).

    Raises
    ------
    InputError
        On a missing file, a line without four fields, or a non-numeric rating or timestamp.
    """
    df = _read_dat(path, ["user_id", "movie_id", "rating", "rating_timestamp"])
    seconds = pd.to_numeric(df["rating_timestamp"], errors="coerce")
    rating = pd.to_numeric(df["rating"], errors="coerce")
    bad = seconds.isna() | rating.isna()
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise InputError(f"{path} line {line}: rating and rating_timestamp must be integers, got "
                         f"{df.at[line - 1, 'rating']!r} and {df.at[line - 1, 'rating_timestamp']!r}")
    return pd.DataFrame({"user_id": df["user_id"], "movie_id": df["movie_id"], "rating": rating.astype(int),
                         "timestamp": pd.to_datetime(seconds.astype("int64"), unit="s")})


def read_movies(path: str | Path) -> pd.DataFrame:
    """Read ``movies.dat`` (``movie_id::title (year)::genre|genre``).

    Returns
    -------
    DataFrame
        ``movie_id`` (str), ``name`` (title without the year), ``year`` (float, NaN if absent),
        ``genres`` (str, "|"-separated, "" if none).
    """
    df = _read_dat(path, ["movie_id", "title", "genres"])
    parts = df["title"].str.extract(r"^(?P<name>.*?)\s*\((?P<year>\d{4})\)\s*$")
    return pd.DataFrame({"movie_id": df["movie_id"], "name": parts["name"].fillna(df["title"]),
                         "year": pd.to_numeric(parts["year"], errors="coerce"), "genres": df["genres"]})


def _unit_hash(keys: pd.Series) -> np.ndarray:
    """A reproducible point in [0, 1) per key (BLAKE2b, 8 bytes)."""
    return np.array([int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "big") / 2.0**64
                     for k in keys], dtype=float)


def _whole_days(times: pd.Series) -> pd.Series:
    """Mask of ratings on whole days: a first/last day covered for less than PARTIAL_DAY_HOURS is dropped."""
    day = times.dt.floor("D")
    keep = pd.Series(True, index=times.index)
    first, last = day.min(), day.max()
    if (first + pd.Timedelta(days=1) - times.min()) < pd.Timedelta(hours=PARTIAL_DAY_HOURS):
        keep &= day != first
    if (times.max() - last) < pd.Timedelta(hours=PARTIAL_DAY_HOURS):
        keep &= day != last
    return keep


def convert_movietweetings(
    ratings: pd.DataFrame,
    movies: pd.DataFrame,
    topology: str | Path,
    edges: int,
    views_per_rating: float = VIEWS_PER_RATING,
    min_ratings: int = MIN_RATINGS,
    region_skew: float = REGION_SKEW,
    seed: int = 0,
) -> ConvertedScenario:
    """Turn MovieTweetings ratings into a scenario (rules in the module docstring).

    Parameters
    ----------
    ratings, movies : DataFrame
        From :func:`read_ratings` and :func:`read_movies`.
    topology : str or Path
        Topology Zoo GraphML file for the network.
    edges : int
        Number of edge sites (regions).
    views_per_rating : float
        Views per rating (K).
    min_ratings : int
        Titles with fewer ratings on the kept days are dropped.
    region_skew : float
        Region i (from 1) receives users in proportion to ``i ** -region_skew``.
    seed : int
        Seed for the network's random choices (edge attachment, disks, rates); demand uses none.

    Returns
    -------
    ConvertedScenario

    Raises
    ------
    InputError
        On bad parameters, or when no title keeps enough ratings.
    """
    if edges < 1 or views_per_rating <= 0 or min_ratings < 1:
        raise InputError(f"edges = {edges}, views_per_rating = {views_per_rating}, min_ratings = {min_ratings}; "
                         "expected edges >= 1, views_per_rating > 0, min_ratings >= 1")
    rng = np.random.default_rng(seed)
    network = zoo_network(topology, edges, rng)
    regions = network.regions
    kept = ratings[_whole_days(ratings["timestamp"])]
    counts = kept.groupby("movie_id").size()
    titles = counts.index[(counts >= min_ratings) & counts.index.isin(movies["movie_id"])]
    kept = kept[kept["movie_id"].isin(titles)]
    if kept.empty:
        raise InputError(f"no title has {min_ratings} or more ratings on whole days; lower --min-ratings")

    users = pd.Series(kept["user_id"].unique())
    slices = np.cumsum(np.arange(1, len(regions) + 1, dtype=float) ** -region_skew)
    slot = np.searchsorted(slices / slices[-1], _unit_hash(users), side="right")
    user_region = pd.Series(np.asarray(regions, dtype=object)[slot], index=users.to_numpy())
    events = pd.DataFrame({C.DATE: kept["timestamp"].dt.floor("D"), C.REGION: kept["user_id"].map(user_region),
                           C.TITLE: "tt" + kept["movie_id"]})
    demand = events.groupby([C.DATE, C.REGION, C.TITLE], sort=True).size().mul(float(views_per_rating))
    demand = demand.rename(C.VIEWS).reset_index()

    info = movies.drop_duplicates("movie_id").set_index("movie_id").loc[titles]
    title_ids = "tt" + info.index.to_series()
    first_day = events.groupby(C.TITLE)[C.DATE].min().reindex(title_ids.to_numpy()).to_numpy()
    data_year = events[C.DATE].min().year
    year = info["year"].to_numpy()
    new = np.isnan(year) | (year >= data_year)
    january = pd.to_datetime(np.where(np.isnan(year), data_year, year).astype(int).astype(str), format="%Y")
    release = np.where(new, first_day, np.minimum(january.to_numpy(), first_day))
    size = np.round(40.0 + 40.0 * _unit_hash(title_ids), 1)
    catalog = pd.DataFrame(
        {
            C.TITLE: title_ids.to_numpy(),
            C.SIZE_GB: size,
            C.GB_PER_VIEW: np.round(size / 10.0, 2),
            C.RELEASE_DATE: pd.DatetimeIndex(release).strftime("%Y-%m-%d"),
            C.GENRE: info["genres"].str.split("|").str[0].str.lower().fillna("").to_numpy(),
            "genres": info["genres"].to_numpy(),
            "name": info["name"].to_numpy(),
            "year": pd.array(year, dtype="Int64"),
            "ratings": counts.loc[info.index].to_numpy(),
        }
    ).sort_values(C.TITLE, kind="stable", ignore_index=True)

    mean_gb = float(catalog[C.GB_PER_VIEW].mean())
    peak_day = demand.groupby([C.REGION, C.DATE])[C.VIEWS].sum().groupby(level=0).max()
    peak_gbps = (peak_day.reindex(regions, fill_value=0.0) * mean_gb * PEAK_HOUR_SHARE * 8.0 / 3600.0).clip(lower=0.1)
    sites = provision(network, float(catalog[C.SIZE_GB].sum()), peak_gbps, rng,
                      largest_title_gb=float(catalog[C.SIZE_GB].max()))
    demand[C.DATE] = demand[C.DATE].dt.strftime("%Y-%m-%d")
    params: dict[str, object] = {
        "converter": "cdn convert-movietweetings",
        "topology": network.name,
        "edges": edges,
        "views_per_rating": views_per_rating,
        "min_ratings": min_ratings,
        "region_skew": region_skew,
        "seed": seed,
        "ratings_kept": len(kept),
        "ratings_read": len(ratings),
        "titles": len(catalog),
        "first_day": demand[C.DATE].min(),
        "last_day": demand[C.DATE].max(),
        "users_per_region": {r: int((user_region == r).sum()) for r in regions},
    }
    return ConvertedScenario(catalog=catalog, sites=sites, links=network.links.reset_index(drop=True), demand=demand,
                             settings=dict(DEFAULT_SETTINGS),
                             params=params)


def write_converted(scenario: ConvertedScenario, out: str | Path, fmt: Literal["csv", "parquet"] = "csv",
                    overwrite: bool = False) -> Path:
    """Write a converted scenario directory atomically (``converted.json`` holds the parameters)."""
    if fmt not in ("csv", "parquet"):
        raise InputError(f"--format = {fmt!r}; expected one of csv, parquet")
    with atomic_directory(out, overwrite=overwrite) as tmp:
        write_tables(tmp, scenario.catalog, scenario.sites, scenario.links, scenario.settings,
                     ("converted.json", scenario.params))
        if fmt == "csv":
            scenario.demand.to_csv(tmp / "demand.csv", index=False, lineterminator="\n")
        else:
            scenario.demand.to_parquet(tmp / "demand.parquet", index=False, compression="zstd")
    return Path(out)
