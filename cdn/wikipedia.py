"""Convert Prophet's example Wikipedia page-view series into a small scenario with real long-lived demand.

Prophet's repository ships the daily views of two English Wikipedia articles ("Peyton Manning",
2007-12-10 .. 2016-01-20, and "R (programming language)", 2008-01-01 .. 2015-12-31) as ``ds, y`` CSV
files. The rules (also in docs/data.md):

- Titles: one per file, ``title_id`` the file's stem without ``example_wp_`` (``peyton_manning``, ``R``);
  ``release_date`` the series' first day, ``language`` ``en``, ``genre`` ``encyclopedia``;
  ``size_gb`` 50 and ``gb_per_view`` 1 for both (the data has no sizes).
- Demand: region ``en``, one row per day and title over the days both series cover (2008-01-01 ..
  2015-12-31: an absent row would read as zero views under the contract), ``views = y``. About 2% of
  the days are missing in the source: they are filled by linear interpolation between the neighbouring
  days (rounded to whole views), and counted in ``converted.json`` (``interpolated_days``), because an
  absent row would read as zero views under the contract.
- Network: an origin ``ORIGIN`` and one edge site ``EN`` (region ``en``) with 60 GB of disk, so it holds one
  of the two titles: the plan (and the hit-ratio regret of a forecast) depends on ranking them right.

Run ``python -m cdn.wikipedia data/raw/wikipedia data/wikipedia`` to rebuild ``data/wikipedia``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from cdn import columns as C
from cdn.atomic import atomic_directory
from cdn.errors import InputError
from cdn.scenario import DEFAULT_SETTINGS, write_tables

SOURCES = ("example_wp_peyton_manning.csv", "example_wp_R.csv")
REGION = "en"
SIZE_GB = 50.0
EDGE_DISK_GB = 60.0


def read_series(path: str | Path) -> pd.DataFrame:
    """One Prophet example file as ``date, views`` with every day from the first to the last.

    Returns
    -------
    DataFrame
        ``date`` (datetime64), ``views`` (float), ``interpolated`` (bool: the day was missing).

    Raises
    ------
    InputError
        When the file lacks ``ds`` or ``y``, or holds a date or value that does not parse.
    """
    raw = pd.read_csv(path)
    if not {"ds", "y"} <= set(raw.columns):
        raise InputError(f"{path}: expected columns ds, y; found {', '.join(map(str, raw.columns))}")
    ds = pd.to_datetime(raw["ds"], format="%Y-%m-%d", errors="coerce")
    y = pd.to_numeric(raw["y"], errors="coerce")
    bad = ds.isna() | y.isna() | (y < 0)
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise InputError(f"{path}, line {row + 2}: ds {raw['ds'].iat[row]!r}, y {raw['y'].iat[row]!r}; "
                         "expected a YYYY-MM-DD date and views >= 0")
    series = pd.Series(y.to_numpy(float), index=ds).groupby(level=0).sum().sort_index()
    days = pd.date_range(series.index[0], series.index[-1], freq="D")
    full = series.reindex(days)
    missing = full.isna().to_numpy()
    views = full.interpolate(method="linear").round()
    return pd.DataFrame({C.DATE: days, C.VIEWS: views.to_numpy(float), "interpolated": missing})


def convert_wikipedia(raw_dir: str | Path, out: str | Path, overwrite: bool = False) -> Path:
    """Write the Wikipedia scenario (rules in the module docstring) from the raw Prophet CSV files."""
    raw_dir = Path(raw_dir)
    demand, catalog, filled = [], [], {}
    for name in SOURCES:
        path = raw_dir / name
        if not path.is_file():
            raise InputError(f"{path}: not found; copy it from Prophet's examples/ folder (docs/data.md)")
        title = Path(name).stem.removeprefix("example_wp_")
        series = read_series(path)
        filled[title] = int(series["interpolated"].sum())
        demand.append(series.assign(**{C.REGION: REGION, C.TITLE: title})[[C.DATE, C.REGION, C.TITLE, C.VIEWS]])
        catalog.append({C.TITLE: title, C.SIZE_GB: SIZE_GB, C.GB_PER_VIEW: 1.0,
                        C.RELEASE_DATE: f"{series[C.DATE].iat[0]:%Y-%m-%d}", C.LANGUAGE: "en",
                        C.GENRE: "encyclopedia"})
    first = max(d[C.DATE].iat[0] for d in demand)
    last = min(d[C.DATE].iat[-1] for d in demand)
    rows = pd.concat(demand, ignore_index=True).sort_values([C.DATE, C.REGION, C.TITLE], ignore_index=True)
    rows = rows[(rows[C.DATE] >= first) & (rows[C.DATE] <= last)].reset_index(drop=True)
    rows[C.DATE] = rows[C.DATE].dt.strftime("%Y-%m-%d")
    sites = pd.DataFrame([
        {C.SITE: "ORIGIN", C.TIER: "origin", C.REGION: "", C.DISK_GB: None},
        {C.SITE: "EN", C.TIER: "edge", C.REGION: REGION, C.DISK_GB: EDGE_DISK_GB},
    ])
    links = pd.DataFrame([{"src": "EN", "dst": "ORIGIN", "capacity_gbps": 10.0, "cost": 1.0, "kind": "peering"}])
    params = {"converter": "python -m cdn.wikipedia", "sources": list(SOURCES), "interpolated_days": filled,
              "first_day": rows[C.DATE].min(), "last_day": rows[C.DATE].max()}
    with atomic_directory(out, overwrite=overwrite) as tmp:
        write_tables(tmp, pd.DataFrame(catalog), sites, links, dict(DEFAULT_SETTINGS),
                     ("converted.json", params))
        rows.to_csv(tmp / "demand.csv", index=False, lineterminator="\n", float_format="%.0f")
    return Path(out)


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) != 3:
        sys.exit("usage: python -m cdn.wikipedia RAW_DIR OUT_DIR")
    print(convert_wikipedia(sys.argv[1], sys.argv[2], overwrite=True))
