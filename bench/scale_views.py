"""Copy a scenario with every day's views scaled to one total (same shares per region and title), for replays
at real view counts.

Views are rounded to whole numbers; rows that round to 0 are dropped. The other files are copied unchanged.

Usage: ``python bench/scale_views.py /tmp/hyb/gen100m /tmp/hyb/g100 --views 1e8`` (then ``cdn validate``).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path, help="directory to create (must not exist)")
    parser.add_argument("--views", type=float, default=1e8, help="views of every day, all regions")
    args = parser.parse_args()
    if args.out.exists():
        parser.error(f"{args.out} exists: choose a new directory")
    shutil.copytree(args.source, args.out)
    name = "demand.parquet" if (args.out / "demand.parquet").exists() else "demand.csv"
    demand = pd.read_parquet(args.out / name) if name.endswith(".parquet") else pd.read_csv(args.out / name)
    total = demand.groupby("date")["views"].transform("sum")
    demand["views"] = (demand["views"] * args.views / total).round().astype("int64")
    demand = demand[demand["views"] > 0]
    if name.endswith(".parquet"):
        demand.to_parquet(args.out / name, index=False)
    else:
        demand.to_csv(args.out / name, index=False)
    print(f"{args.out}: {len(demand):,} demand rows, {demand['views'].sum():,} views")


if __name__ == "__main__":
    main()
