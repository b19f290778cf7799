"""Whether two runs wrote the same output: two forecast files (CSV or Parquet) or two plan directories.

A speed change must not change what edgefill writes. Forecast files are compared column by column, bit for
bit (floats exactly; the largest difference and the count of differing rows are printed otherwise); plan
directories file by file, byte for byte, with the differing keys of each ``summary.json`` (``seconds`` differs
between any two runs).

Usage::

    python bench/same_output.py BEFORE AFTER

Exit status 0 when the forecasts are equal or the plans differ at most in their timings, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

TIMINGS = {"seconds", "seconds_to_solution"}
"""summary.json keys that measure the run, not the plan."""


def read_forecast(path: Path) -> pd.DataFrame:
    """A forecast file as written (CSV or Parquet)."""
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype={"title_id": str})


def same_forecast(before: Path, after: Path) -> bool:
    """Print, per column, whether the two forecast files are equal; True when every column is."""
    a, b = read_forecast(before), read_forecast(after)
    print(f"rows {len(a):,} and {len(b):,}; columns {'equal' if list(a.columns) == list(b.columns) else 'DIFFER'}")
    if a.shape != b.shape or list(a.columns) != list(b.columns):
        return False
    same = True
    for column in a.columns:
        x, y = a[column].to_numpy(), b[column].to_numpy()
        if x.dtype.kind == "f":
            equal = np.array_equal(x, y, equal_nan=True)
            detail = "" if equal else f" (largest difference {np.nanmax(np.abs(x - y)):.3g}, {(x != y).sum():,} rows)"
        else:
            equal = bool((a[column].astype(str).to_numpy() == b[column].astype(str).to_numpy()).all())
            detail = ""
        print(f"{column}: {'identical' if equal else 'DIFFERENT'}{detail}")
        same &= equal
    return same


def same_plans(before: Path, after: Path) -> bool:
    """Print, per file, whether the two plan directories are equal; True when they differ only in timings."""
    same = True
    for file in sorted(f for f in before.rglob("*") if f.is_file()):
        other = after / file.relative_to(before)
        if other.is_file() and file.read_bytes() == other.read_bytes():
            print(f"{file.relative_to(before)}: identical")
            continue
        if file.suffix == ".json" and other.is_file():
            x, y = json.loads(file.read_text()), json.loads(other.read_text())
            keys = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
            print(f"{file.relative_to(before)}: differs in {', '.join(keys)}")
            same &= set(keys) <= TIMINGS
        else:
            print(f"{file.relative_to(before)}: DIFFERENT or missing")
            same = False
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    same = same_plans(args.before, args.after) if args.before.is_dir() else same_forecast(args.before, args.after)
    print("same output" if same else "OUTPUTS DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
