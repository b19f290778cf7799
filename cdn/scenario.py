"""Load a scenario directory in the data contract's format and check every rule of the contract.

A scenario is ``catalog.csv``, ``sites.csv``, ``links.csv``, ``demand.csv`` (or ``demand.parquet``), and
optionally ``settings.json`` and ``placement.csv`` (see docs/data-contract.md). :func:`load_scenario`
returns a :class:`Scenario` of typed frames plus the network as a networkx graph, or raises one
:class:`~cdn.errors.ScenarioError` listing every problem with its file, lines, column and value.
"""

from __future__ import annotations

import datetime
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from cdn import columns as C
from cdn.defaults import FILL_WINDOW_HOURS, PEAK_HOUR_SHARE
from cdn.errors import InputError, Problem, ScenarioError
from cdn.network import build_graph

DEFAULT_SETTINGS: dict[str, float] = {"fill_window_hours": FILL_WINDOW_HOURS, "peak_hour_share": PEAK_HOUR_SHARE}
_MAX_ROWS_SHOWN = 5
_ID_COLUMNS = (C.TITLE, C.SITE, C.REGION, C.SRC, C.DST, C.TIER, C.KIND, C.LANGUAGE, C.GENRE)
DATE_FORMAT = "%Y-%m-%d"
MAX_VIEWS = 1e12
"""Most views one (date, region, title) row may hold: over a hundred times the world's population in a day, so a
larger value is a unit or overflow error (1e300 views once passed and overflowed the forecasts)."""


def parse_date(text: str | pd.Timestamp, option: str = "--date") -> pd.Timestamp:
    """A YYYY-MM-DD value (or a Timestamp, passed through) as a Timestamp.

    Raises
    ------
    InputError
        Naming ``option`` and the value when it is not a YYYY-MM-DD date.

    Examples
    --------
    >>> parse_date("2024-01-31")
    Timestamp('2024-01-31 00:00:00')
    """
    if isinstance(text, pd.Timestamp):
        return text.normalize()
    try:
        return pd.Timestamp(pd.to_datetime(text, format=DATE_FORMAT))
    except (ValueError, TypeError) as err:
        raise InputError(f"{option} {text!r} is not a YYYY-MM-DD date") from err


def title_index(catalog: pd.DataFrame) -> dict[str, int]:
    """Each catalog title's row position: the index of the per-title arrays of simulation and replay."""
    return {t: j for j, t in enumerate(catalog[C.TITLE])}


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: typed frames and the network graph.

    Attributes
    ----------
    path : Path
        The scenario directory.
    catalog : DataFrame
        ``title_id`` (str), ``size_gb``, ``gb_per_view`` (filled with ``size_gb / 12`` where absent),
        ``release_date`` (datetime64, NaT when absent), ``language`` and ``genre`` (str, "" when absent),
        plus any extra columns.
    sites : DataFrame
        ``site_id``, ``tier``, ``region`` ("" when none), ``disk_gb`` (0 for origins), ``serve_gbps`` and
        ``fill_gbps`` (NaN = unlimited), ``lat``, ``lon``.
    links : DataFrame
        ``src``, ``dst``, ``capacity_gbps``, ``cost`` (default 1), ``kind`` ("" when absent).
    demand : DataFrame
        ``date`` (datetime64), ``region``, ``title_id`` (str), ``views`` (float); one row per key.
    settings : dict
        ``fill_window_hours`` and ``peak_hour_share`` plus any extra keys.
    placement : DataFrame
        ``site_id``, ``title_id``: what each site holds before the first plan (empty when absent).
    graph : networkx.Graph
        Sites as nodes (with their attributes), links as undirected edges with ``cost``,
        ``capacity_gbps`` and ``kind``.
    """

    path: Path
    catalog: pd.DataFrame
    sites: pd.DataFrame
    links: pd.DataFrame
    demand: pd.DataFrame
    settings: dict[str, float]
    placement: pd.DataFrame
    graph: nx.Graph = field(repr=False)

    def __repr__(self) -> str:
        """One line: where it comes from, its size and its demand's dates (``print(scenario)``)."""
        tiers = self.sites[C.TIER].value_counts()
        sites = ", ".join(f"{int(tiers[t])} {t}" for t in C.TIERS if t in tiers)
        days = f"{self.first_date:%Y-%m-%d}..{self.last_date:%Y-%m-%d}" if len(self.demand) else "no demand"
        return (f"Scenario({str(self.path)!r}: {len(self.catalog):,} titles, {len(self.sites)} sites ({sites}), "
                f"{len(self.links)} links, {len(self.demand):,} demand rows {days})")

    @property
    def first_date(self) -> pd.Timestamp:
        """First date with demand."""
        return pd.Timestamp(self.demand[C.DATE].min())

    @property
    def last_date(self) -> pd.Timestamp:
        """Last date with demand."""
        return pd.Timestamp(self.demand[C.DATE].max())

    def region_site(self) -> dict[str, str]:
        """Map each region to the one site that names it."""
        named = self.sites[self.sites[C.REGION] != ""]
        return dict(zip(named[C.REGION], named[C.SITE], strict=True))

    def fill_budget_gb(self) -> pd.Series:
        """Nightly fill budget per site in GB, ``fill_gbps * 3600 * fill_window_hours / 8`` (inf if unset)."""
        hours = float(self.settings["fill_window_hours"])
        budget = self.sites.set_index(C.SITE)[C.FILL_GBPS] * 3600.0 * hours / 8.0
        return budget.fillna(math.inf).rename("fill_budget_gb")

    def check_history_date(self, day: pd.Timestamp, option: str) -> pd.Timestamp:
        """Return ``day`` when a forecast or plan for it can be made: demand before it, and at most one day after.

        Raises
        ------
        InputError
            Naming ``option``, the date and the valid range.
        """
        first, latest = self.first_date + pd.Timedelta(days=1), self.last_date + pd.Timedelta(days=1)
        if not first <= day <= latest:
            raise InputError(f"{option} {day:%Y-%m-%d} is outside the data: a forecast or plan for a date is made "
                             f"from the demand dated before it; the scenario's demand runs from "
                             f"{self.first_date:%Y-%m-%d} to {self.last_date:%Y-%m-%d}, so {option} must be from "
                             f"{first:%Y-%m-%d} to {latest:%Y-%m-%d}")
        return day

    def history(self, before: pd.Timestamp) -> pd.DataFrame:
        """Demand rows dated strictly before ``before``."""
        return self.demand[self.demand[C.DATE] < before]

    def day(self, date: pd.Timestamp) -> pd.DataFrame:
        """Demand rows of one date."""
        return self.demand[self.demand[C.DATE] == date]


def write_tables(directory: Path, catalog: pd.DataFrame, sites: pd.DataFrame, links: pd.DataFrame,
                 settings: dict[str, Any], params: tuple[str, dict[str, Any]] | None = None) -> None:
    """Write a scenario's catalog, sites, links and settings (and a JSON of parameters) into ``directory``.

    Demand and the initial placement are written by the caller, which knows their size and format.
    ``params`` is ``(file name, parameters)``, e.g. ``("generated.json", {...})``.
    """
    catalog.to_csv(directory / "catalog.csv", index=False, lineterminator="\n")
    sites.to_csv(directory / "sites.csv", index=False, lineterminator="\n")
    links.to_csv(directory / "links.csv", index=False, lineterminator="\n")
    (directory / "settings.json").write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n")
    if params is not None:
        name, values = params
        (directory / name).write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")


# ------------------------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------------------------
class _Collector:
    """Gathers problems; row masks become the lines a user can find in the file."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, message: str, column: str | None = None, mask: pd.Series | None = None) -> None:
        rows: tuple[int, ...] = ()
        if mask is not None:
            rows = tuple(int(i) + 2 for i in np.flatnonzero(mask.to_numpy())[: _MAX_ROWS_SHOWN + 1])
            count = int(mask.sum())
            if count > 1:
                message = f"{message} ({count} rows)"
            if len(rows) > _MAX_ROWS_SHOWN:
                rows = rows[:_MAX_ROWS_SHOWN]
        self.problems.append(Problem(file=file, message=message, column=column, rows=rows))


def _first_values(values: pd.Series) -> str:
    shown = list(dict.fromkeys(str(v) for v in values.head(1000).tolist()))[:_MAX_ROWS_SHOWN]
    return ", ".join(repr(v) for v in shown)


def utf8_error(path: Path) -> str:
    """Where the first byte that is not UTF-8 sits in ``path``: line, column (characters) and byte offset."""
    offset = 0
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as err:
                column = len(raw[: err.start].decode("utf-8")) + 1
                return (f"line {line}, column {column} (byte offset {offset + err.start}): byte "
                        f"0x{raw[err.start]:02x} is not UTF-8 text; save the file as UTF-8")
            offset += len(raw)
    return "holds bytes that are not UTF-8 text; save the file as UTF-8"


def _readable(path: Path, problems: _Collector, required: bool) -> bool:
    """Whether ``path`` is a readable file; report why not (a missing file only when ``required``)."""
    name = path.name
    if not path.exists():
        if required:
            problems.add(name, f"file is missing from {path.parent}")
        return False
    if not path.is_file():
        problems.add(name, f"{path} is a directory, not a file")
        return False
    if not os.access(path, os.R_OK):
        problems.add(name, f"{path} cannot be read (permission denied)")
        return False
    return True


def _stripped(values: pd.Series) -> pd.Series:
    """Text of a column without surrounding spaces (object dtype), each distinct value stripped once.

    Rows share the stripped string of their distinct value: demand repeats few dates, regions and titles
    over millions of rows, and stripping (or converting) row by row held a new string per row (pandas 2
    keeps text as Python objects). Missing values read as their text (``nan``, ``None``), as ``astype(str)`` does.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Index(uniques, dtype=object).astype(str).str.strip().to_numpy(dtype=object)
    out = text[codes] if len(text) else np.empty(len(codes), dtype=object)
    missing = codes < 0
    if missing.any():
        out[missing] = values[missing].astype(str).str.strip().to_numpy(dtype=object)
    return pd.Series(out, index=values.index, dtype=object)


def _read_csv(path: Path, required: tuple[str, ...], problems: _Collector,
              must_exist: bool = True) -> pd.DataFrame | None:
    """Read a CSV with every column as text ("" for empty cells); None when missing or unusable."""
    name = path.name
    if not _readable(path, problems, must_exist):
        return None
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except UnicodeDecodeError:
        problems.add(name, utf8_error(path))
        return None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        problems.add(name, f"cannot be read as CSV with a header row: {err}".strip())
        return None
    except OSError as err:
        problems.add(name, f"cannot be read: {err.strerror or err}")
        return None
    df.columns = [str(c).strip() for c in df.columns]
    for col in df.columns:
        df[col] = _stripped(df[col])
    missing = [c for c in required if c not in df.columns]
    if missing:
        problems.add(name, f"missing required column(s) {', '.join(missing)}; found {', '.join(df.columns)}")
        return None
    return df


def _numeric(
    df: pd.DataFrame,
    file: str,
    column: str,
    problems: _Collector,
    *,
    required: bool,
    valid: Callable[[pd.Series], pd.Series],
    rule: str,
    applies: pd.Series | None = None,
) -> pd.Series:
    """Parse a numeric column; report empty (when required), non-numeric and out-of-range cells."""
    if column not in df.columns:
        if required:
            problems.add(file, "missing required column", column)
        return pd.Series(np.nan, index=df.index, dtype=float)
    raw = df[column]
    scope = applies if applies is not None else pd.Series(True, index=df.index)
    if pd.api.types.is_numeric_dtype(raw):  # typed Parquet column: nothing is text
        values = raw.astype(float)
        empty = pd.Series(False, index=df.index)
    else:
        values = pd.to_numeric(raw.where(raw != ""), errors="coerce").astype(float)
        empty = (raw == "") & scope
    bad_text = ~empty & ~np.isfinite(values) & scope
    if required and empty.any():
        problems.add(file, f"empty value; expected {rule}", column, empty)
    if bad_text.any():
        problems.add(file, f"not a finite number: {_first_values(raw[bad_text])}; expected {rule}", column, bad_text)
    out_of_range = np.isfinite(values) & ~valid(values) & scope
    if out_of_range.any():
        problems.add(
            file, f"value {_first_values(raw[out_of_range])} out of range; expected {rule}", column, out_of_range
        )
    return values


def _within(lo: float, hi: float) -> Callable[[pd.Series], pd.Series]:
    """The rule ``lo <= v <= hi`` for :func:`_numeric`."""
    return lambda v: (v >= lo) & (v <= hi)


def _dates(raw: pd.Series, file: str, column: str, problems: _Collector, *, required: bool) -> pd.Series:
    """Parse YYYY-MM-DD text; report empty (when required) and malformed cells."""
    codes, uniques = pd.factorize(raw)  # parse each distinct text once: demand repeats few dates
    text = pd.Series(uniques, dtype=str)
    parsed_once = pd.to_datetime(text.where(text != ""), format=DATE_FORMAT, errors="coerce").astype("datetime64[ns]")
    parsed = pd.Series(parsed_once.to_numpy()[codes], index=raw.index)
    bad = (raw != "") & parsed.isna()
    if bad.any():
        problems.add(file, f"not a YYYY-MM-DD date: {_first_values(raw[bad])}", column, bad)
    if required and (raw == "").any():
        problems.add(file, "empty date; expected YYYY-MM-DD", column, raw == "")
    return parsed.astype("datetime64[ns]")


def _ids(df: pd.DataFrame, file: str, column: str, problems: _Collector, *, unique: bool) -> None:
    empty = df[column] == ""
    if empty.any():
        problems.add(file, "empty identifier", column, empty)
    if unique:
        dup = df[column].duplicated(keep=False) & ~empty
        if dup.any():
            problems.add(file, f"duplicate id {_first_values(df.loc[dup, column])}", column, dup)


def _read_catalog(root: Path, problems: _Collector) -> pd.DataFrame | None:
    df = _read_csv(root / "catalog.csv", (C.TITLE, C.SIZE_GB), problems)
    if df is None:
        return None
    file = "catalog.csv"
    if df.empty:
        problems.add(file, "has a header but no rows; a scenario needs at least one title")
        return None
    _ids(df, file, C.TITLE, problems, unique=True)
    df[C.SIZE_GB] = _numeric(df, file, C.SIZE_GB, problems, required=True, valid=lambda v: v > 0, rule="a number > 0")
    if C.GB_PER_VIEW in df.columns:
        gpv = _numeric(df, file, C.GB_PER_VIEW, problems, required=False, valid=lambda v: v > 0, rule="a number > 0")
    else:
        gpv = pd.Series(np.nan, index=df.index, dtype=float)
    df[C.GB_PER_VIEW] = gpv.fillna(df[C.SIZE_GB] / 12.0)
    if C.RELEASE_DATE in df.columns:
        df[C.RELEASE_DATE] = _dates(df[C.RELEASE_DATE], file, C.RELEASE_DATE, problems, required=False)
    else:
        df[C.RELEASE_DATE] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    for col in (C.LANGUAGE, C.GENRE):
        if col not in df.columns:
            df[col] = ""
    return df


def _read_sites(root: Path, problems: _Collector) -> pd.DataFrame | None:
    df = _read_csv(root / "sites.csv", (C.SITE, C.TIER), problems)
    if df is None:
        return None
    file = "sites.csv"
    _ids(df, file, C.SITE, problems, unique=True)
    df[C.TIER] = df[C.TIER].str.lower()
    bad_tier = ~df[C.TIER].isin(C.TIERS)
    if bad_tier.any():
        problems.add(file, f"tier {_first_values(df.loc[bad_tier, C.TIER])} is not origin, storage or edge",
                     C.TIER, bad_tier)
    if C.REGION not in df.columns:
        df[C.REGION] = ""
    is_edge = df[C.TIER] == C.EDGE
    no_region = is_edge & (df[C.REGION] == "")
    if no_region.any():
        problems.add(file, "an edge site needs a region", C.REGION, no_region)
    named = df[C.REGION] != ""
    twice = named & df[C.REGION].duplicated(keep=False)
    if twice.any():
        problems.add(file, f"region {_first_values(df.loc[twice, C.REGION])} is named by more than one site",
                     C.REGION, twice)
    holds_disk = df[C.TIER].isin([C.STORAGE, C.EDGE])
    if C.DISK_GB not in df.columns and holds_disk.any():
        problems.add(file, "missing column, required for storage and edge sites", C.DISK_GB)
    df[C.DISK_GB] = _numeric(df, file, C.DISK_GB, problems, required=bool(holds_disk.any()),
                             valid=lambda v: v >= 0, rule="a number >= 0", applies=holds_disk).where(holds_disk, 0.0)
    for col in (C.SERVE_GBPS, C.FILL_GBPS):
        df[col] = _numeric(df, file, col, problems, required=False, valid=lambda v: v > 0,
                           rule="a number > 0, or empty for unlimited")
    for col, lo, hi in ((C.LAT, -90, 90), (C.LON, -180, 180)):
        df[col] = _numeric(df, file, col, problems, required=False, valid=_within(lo, hi),
                           rule=f"a number in [{lo}, {hi}]")
    if not (df[C.TIER] == C.ORIGIN).any():
        problems.add(file, "no site has tier origin; at least one origin must hold the catalog", C.TIER)
    return df


def _read_links(root: Path, sites: pd.DataFrame | None, problems: _Collector) -> pd.DataFrame | None:
    df = _read_csv(root / "links.csv", (C.SRC, C.DST, C.CAPACITY_GBPS), problems)
    if df is None:
        return None
    file = "links.csv"
    df[C.CAPACITY_GBPS] = _numeric(df, file, C.CAPACITY_GBPS, problems, required=True, valid=lambda v: v > 0,
                                   rule="a number > 0")
    if C.COST in df.columns:
        cost = _numeric(df, file, C.COST, problems, required=False, valid=lambda v: v >= 0, rule="a number >= 0")
    else:
        cost = pd.Series(np.nan, index=df.index, dtype=float)
    df[C.COST] = cost.fillna(1.0)
    if C.KIND not in df.columns:
        df[C.KIND] = ""
    df[C.KIND] = df[C.KIND].str.lower()
    if sites is not None:
        known = set(sites[C.SITE])
        for col in (C.SRC, C.DST):
            unknown = ~df[col].isin(known)
            if unknown.any():
                problems.add(file, f"unknown site {_first_values(df.loc[unknown, col])} (not in sites.csv)",
                             col, unknown)
    loop = df[C.SRC] == df[C.DST]
    if loop.any():
        problems.add(file, "a link must join two different sites", C.DST, loop)
    return df


def _read_settings(root: Path, problems: _Collector) -> dict[str, float]:
    settings = dict(DEFAULT_SETTINGS)
    path = root / "settings.json"
    if not _readable(path, problems, required=False):
        return settings
    try:
        given = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.add("settings.json", utf8_error(path))
        return settings
    except json.JSONDecodeError as err:
        problems.add("settings.json", f"not valid JSON at line {err.lineno}, column {err.colno}: {err.msg}")
        return settings
    except OSError as err:
        problems.add("settings.json", f"cannot be read: {err.strerror or err}")
        return settings
    if not isinstance(given, dict):
        problems.add("settings.json", "must hold a JSON object of settings")
        return settings
    settings.update(given)
    checks = {"fill_window_hours": (lambda v: 0 < v <= 24, "a number of hours in (0, 24]"),
              "peak_hour_share": (lambda v: 0 < v <= 1, "a share in (0, 1]")}
    for key, (ok, rule) in checks.items():
        value = settings[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not ok(float(value)):
            problems.add("settings.json", f"{key} = {value!r}; expected {rule}", key)
        else:
            settings[key] = float(value)
    return settings


def _demand_path(root: Path) -> Path | None:
    for name in ("demand.csv", "demand.parquet"):
        if (root / name).exists():
            return root / name
    return None


def _day_text(values: pd.Series) -> pd.Series:
    """Parquet dates or timestamps as YYYY-MM-DD text (categorical; "" where missing), each distinct value
    formatted once; other values unchanged."""
    if not (pd.api.types.is_datetime64_any_dtype(values) or (len(values) and isinstance(values.iloc[0],
                                                                                      datetime.date))):
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.to_datetime(pd.Series(uniques)).dt.strftime(DATE_FORMAT).to_numpy(dtype=object)
    # categorical, not a text per row: the dates' checks then compare a few texts; a missing value (code -1)
    # takes the appended ""
    text_codes, texts = pd.factorize(np.append(text, ""))
    return pd.Series(pd.Categorical.from_codes(text_codes[codes], texts), index=values.index)


def _read_demand(root: Path, problems: _Collector) -> tuple[pd.DataFrame | None, bool]:
    """The demand file's rows (None when unusable), and whether they are in :data:`KEY` order already."""
    path = _demand_path(root)
    required = (C.DATE, C.REGION, C.TITLE, C.VIEWS)
    if path is None:
        problems.add("demand.csv", f"file is missing from {root} (demand.parquet is accepted instead)")
        return None, False
    if path.suffix == ".csv":
        df = _read_csv(path, required, problems)
        if df is None:
            return None, False
    else:
        if not _readable(path, problems, required=True):
            return None, False
        try:
            table = pq.read_table(path)
        except Exception as err:  # pyarrow raises several unrelated types for a corrupt file
            problems.add(path.name, f"cannot be read as Parquet: {err}")
            return None, False
        missing = [c for c in required if c not in table.column_names]
        if missing:
            problems.add(path.name, f"missing required column(s) {', '.join(missing)}")
            return None, False
        df = table.select(list(required)).to_pandas(date_as_object=False)  # dates as datetime64, not a date per row
        if df.empty:
            problems.add(path.name, "has no rows; a scenario needs at least one day of demand")
            return None, False
        dates = _day_text(df[C.DATE])  # dates as text: each distinct date is formatted once (no spaces to strip)
        df[C.DATE] = dates if isinstance(dates.dtype, pd.CategoricalDtype) else _stripped(dates)
        for col in (C.REGION, C.TITLE):
            df[col] = _stripped(df[col])
        if not pd.api.types.is_numeric_dtype(df[C.VIEWS]):
            df[C.VIEWS] = _stripped(df[C.VIEWS])
    file = path.name
    if df.empty:
        problems.add(file, "has no rows; a scenario needs at least one day of demand")
        return None, False
    out = pd.DataFrame(
        {
            C.DATE: _dates(df[C.DATE], file, C.DATE, problems, required=True),
            C.REGION: df[C.REGION],
            C.TITLE: df[C.TITLE],
            C.VIEWS: _numeric(df, file, C.VIEWS, problems, required=True,
                              valid=lambda v: (v >= 0) & (v <= MAX_VIEWS),
                              rule=f"a number of views from 0 to {MAX_VIEWS:.0e}"),
        }
    )
    in_order = _in_key_order(out)
    dup = _adjacent_duplicates(out) if in_order else out.duplicated(KEY, keep=False)
    dup &= out[C.DATE].notna()  # rows whose date is not a date are reported as such, not as duplicates
    if dup.any():
        problems.add(file, "duplicate (date, region, title_id) rows", C.TITLE, dup)
    return out, in_order


KEY = [C.DATE, C.REGION, C.TITLE]
"""The demand's key; the scenario's demand is sorted by it."""


def _in_key_order(demand: pd.DataFrame) -> bool:
    """Whether the rows are already sorted by :data:`KEY` (as a generated or exported file usually is).

    One pass of comparisons of neighbouring rows: cheaper than sorting (or hashing) millions of Python strings,
    which a file in order does not need.
    """
    if len(demand) < 2:
        return True
    d, r, t = (demand[c].to_numpy() for c in KEY)
    if pd.isna(d).any():
        return False
    later, same_day = d[1:] > d[:-1], d[1:] == d[:-1]
    if not (later | same_day).all():
        return False
    r_next, r_prev, t_next, t_prev = r[1:][same_day], r[:-1][same_day], t[1:][same_day], t[:-1][same_day]
    return bool(((r_next > r_prev) | ((r_next == r_prev) & (t_next >= t_prev))).all())


def _adjacent_duplicates(demand: pd.DataFrame) -> pd.Series:
    """``demand.duplicated(KEY, keep=False)`` of rows sorted by :data:`KEY`: equal keys are neighbours."""
    d, r, t = (demand[c].to_numpy() for c in KEY)
    same = (d[1:] == d[:-1]) & (r[1:] == r[:-1]) & (t[1:] == t[:-1])
    dup = np.zeros(len(demand), dtype=bool)
    dup[1:] |= same
    dup[:-1] |= same
    return pd.Series(dup, index=demand.index)


def _read_placement(root: Path, problems: _Collector) -> pd.DataFrame:
    df = _read_csv(root / "placement.csv", (C.SITE, C.TITLE), problems, must_exist=False)
    if df is None:
        return pd.DataFrame({C.SITE: pd.Series(dtype=str), C.TITLE: pd.Series(dtype=str)})
    dup = df.duplicated([C.SITE, C.TITLE], keep=False)
    if dup.any():
        problems.add("placement.csv", "duplicate (site_id, title_id) rows", C.TITLE, dup)
    return df[[C.SITE, C.TITLE]]


# ------------------------------------------------------------------------------------------------
# cross-file rules
# ------------------------------------------------------------------------------------------------
def _check_cross(
    catalog: pd.DataFrame,
    sites: pd.DataFrame,
    graph: nx.Graph,
    demand: pd.DataFrame,
    placement: pd.DataFrame,
    demand_file: str,
    problems: _Collector,
) -> None:
    origins = sites.loc[sites[C.TIER] == C.ORIGIN, C.SITE].tolist()
    if origins:
        reach: set[str] = set()
        for origin in origins:
            reach |= nx.node_connected_component(graph, origin)
        stranded = ~sites[C.SITE].isin(reach)
        if stranded.any():
            problems.add("sites.csv", f"site {_first_values(sites.loc[stranded, C.SITE])} cannot reach an origin "
                         "through links.csv", C.SITE, stranded)
    regions = set(sites.loc[sites[C.REGION] != "", C.REGION])
    unknown_region = ~demand[C.REGION].isin(regions)
    if unknown_region.any():
        problems.add(demand_file, f"region {_first_values(demand.loc[unknown_region, C.REGION])} is named by no "
                     "site in sites.csv", C.REGION, unknown_region)
    titles = catalog[C.TITLE]
    unknown_title = ~demand[C.TITLE].isin(set(titles))
    if unknown_title.any():
        problems.add(demand_file, f"title {_first_values(demand.loc[unknown_title, C.TITLE])} is not in catalog.csv",
                     C.TITLE, unknown_title)
    release = demand[C.TITLE].map(catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.RELEASE_DATE])
    early = (demand[C.VIEWS] > 0) & release.notna() & (demand[C.DATE] < release)
    if early.any():
        first = demand[early].iloc[0]
        problems.add(demand_file, f"views before the title's release_date (e.g. {first[C.TITLE]!r} on "
                     f"{first[C.DATE]:%Y-%m-%d}, released {release[early].iloc[0]:%Y-%m-%d})", C.DATE, early)
    if len(placement):
        holders = set(sites.loc[sites[C.TIER] != C.ORIGIN, C.SITE])
        bad_site = ~placement[C.SITE].isin(holders)
        if bad_site.any():
            problems.add("placement.csv", f"site {_first_values(placement.loc[bad_site, C.SITE])} is not a storage "
                         "or edge site of sites.csv", C.SITE, bad_site)
        bad_title = ~placement[C.TITLE].isin(set(titles))
        if bad_title.any():
            problems.add("placement.csv", f"title {_first_values(placement.loc[bad_title, C.TITLE])} is not in "
                         "catalog.csv", C.TITLE, bad_title)
        sizes = placement[C.TITLE].map(catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.SIZE_GB]).fillna(0.0)
        used = sizes[~bad_site].groupby(placement.loc[~bad_site, C.SITE]).sum()  # an origin has no disk to exceed
        disk = sites.drop_duplicates(C.SITE).set_index(C.SITE)[C.DISK_GB].reindex(used.index)
        for site in used.index[(used > disk * (1 + 1e-9) + 1e-6).to_numpy()]:
            problems.add("placement.csv", f"site {site!r} holds {used[site]:,.1f} GB of titles, more than its "
                         f"disk_gb {disk[site]:,.1f} in sites.csv", C.SITE, placement[C.SITE] == site)


def check_plan(scenario: Scenario, plan: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Return a plan's rows (``site_id, title_id, action``, as read from ``path``) when the scenario can hold them.

    Raises
    ------
    InputError
        Naming the plan file and line of the first row at a site not in sites.csv or adding or keeping a
        title not in catalog.csv (evicting one is how a plan removes a title gone from the catalog), or
        the site whose ``add`` and ``keep`` rows need more than its ``disk_gb``.
    """
    kept = plan[C.ACTION].isin([C.ADD, C.KEEP])
    for column, known, where in ((C.SITE, set(scenario.sites[C.SITE]), "sites.csv"),
                                 (C.TITLE, set(scenario.catalog[C.TITLE]), "catalog.csv")):
        unknown = ~plan[column].astype(str).isin(known) & (kept | (column == C.SITE))
        if unknown.any():
            line = int(np.flatnonzero(unknown.to_numpy())[0]) + 2
            raise InputError(f"{path} line {line}, column {column}: {plan[column][unknown].iloc[0]!r} is not in "
                             f"{where} of {scenario.path}" + (f" ({int(unknown.sum())} rows)" if unknown.sum() > 1
                                                              else ""))
    held = plan[kept]
    sizes = held[C.TITLE].map(scenario.catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.SIZE_GB])
    used = sizes.groupby(held[C.SITE]).sum()
    sites = scenario.sites.set_index(C.SITE)
    disk = sites[C.DISK_GB].reindex(used.index).where(sites[C.TIER].reindex(used.index) != C.ORIGIN, math.inf)
    over = used.index[(used > disk * (1 + 1e-9) + 1e-6).to_numpy()]
    if len(over):
        site = over[0]
        raise InputError(f"{path}, column site_id: site {site!r} would hold {used[site]:,.1f} GB (its add and keep "
                         f"rows), more than its disk_gb {disk[site]:,.1f} in sites.csv")
    return plan


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario directory.

    Parameters
    ----------
    path : str or Path
        Directory holding the contract's files.

    Returns
    -------
    Scenario
        Typed frames and the network graph.

    Raises
    ------
    ScenarioError
        Listing every problem found, each with its file, first offending lines, column and value.

    Examples
    --------
    >>> scenario = load_scenario("data/demo")  # doctest: +SKIP
    >>> scenario.region_site()["R01"]  # doctest: +SKIP
    'E01'
    """
    from cdn.progress import task

    with task(f"load {path}"):
        return _load(Path(path))


def _load(root: Path) -> Scenario:
    """:func:`load_scenario` without its progress line."""
    problems = _Collector()
    if not root.is_dir():
        raise ScenarioError(str(root), [Problem(str(root), "is not a directory")])
    catalog = _read_catalog(root, problems)
    sites = _read_sites(root, problems)
    links = _read_links(root, sites, problems)
    settings = _read_settings(root, problems)
    demand, in_order = _read_demand(root, problems)
    placement = _read_placement(root, problems)
    if problems.problems or catalog is None or sites is None or links is None or demand is None:
        raise ScenarioError(str(root), problems.problems)
    graph = build_graph(sites, links)
    demand_file = _demand_path(root).name  # type: ignore[union-attr]
    _check_cross(catalog, sites, graph, demand, placement, demand_file, problems)
    if problems.problems:
        raise ScenarioError(str(root), problems.problems)
    if not in_order:
        demand = demand.sort_values(KEY, kind="stable")
    demand = demand.reset_index(drop=True)
    return Scenario(
        path=root,
        catalog=catalog.reset_index(drop=True),
        sites=sites.reset_index(drop=True),
        links=links.reset_index(drop=True),
        demand=demand,
        settings=settings,
        placement=placement.reset_index(drop=True),
        graph=graph,
    )
