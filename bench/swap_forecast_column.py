"""Swap one column of a chain's saved forecasts, on the rows of some models, to locate what moves a plan.

Usage::

    .venv/bin/python bench/swap_forecast_column.py --forecasts NEW --out DIR --models auto:share \
        (--donor OLD | --zero) [--column yhat_mean]

Every ``DATE.parquet`` of ``--forecasts`` (the ``--forecasts`` directory of ``bench/placement_chain.py``) is
written to ``--out`` with ``--column`` replaced on the rows whose ``model`` starts with one of ``--models``:
by the same (date, region, title_id) row of ``--donor``'s file of that night (kept where the donor has none),
or by 0 (``--zero``). Run ``bench/placement_chain.py --forecasts DIR`` on the result.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

KEY = ["date", "region", "title_id"]


def swap(new: pd.DataFrame, donor: pd.DataFrame | None, prefixes: tuple[str, ...], column: str) -> pd.DataFrame:
    """``new`` with ``column`` taken from ``donor`` (or 0 without one) on the rows of the ``prefixes`` models."""
    out = new.copy()
    rows = out["model"].astype(str).str.startswith(prefixes).to_numpy()
    if donor is None:
        out.loc[rows, column] = 0.0
        return out
    given = donor.set_index(KEY)[column]
    keys = pd.MultiIndex.from_frame(out.loc[rows, KEY])
    out.loc[rows, column] = given.reindex(keys).fillna(out.loc[rows, column].set_axis(keys)).to_numpy()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forecasts", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--models", required=True, help="comma-separated model prefixes, e.g. auto:share")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--donor", type=Path)
    source.add_argument("--zero", action="store_true")
    parser.add_argument("--column", default="yhat_mean")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=False)
    prefixes = tuple(args.models.split(","))
    for path in sorted(args.forecasts.glob("*.parquet")):
        donor = None if args.zero else pd.read_parquet(args.donor / path.name)
        swap(pd.read_parquet(path), donor, prefixes, args.column).to_parquet(args.out / path.name)
        print(path.name, flush=True)


if __name__ == "__main__":
    main()
