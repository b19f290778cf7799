"""Benchmark of ``cdn generate`` at scale: 200 edge sites x 20,000 titles x 60 days, Parquet demand.

Run: ``.venv/bin/python bench/generate_scale.py [--repeats 3]``; prints wall times, rows and file size.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from cdn.generate import generate_scenario, write_scenario


def main() -> None:
    """Time generate + write of the large scenario ``repeats`` times and print the median."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--titles", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times, cpu = [], []
    for seed in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            began, began_cpu = time.perf_counter(), time.process_time()
            scenario = generate_scenario(sites=args.sites, titles=args.titles, days=args.days, seed=seed)
            rows = write_scenario(scenario, Path(tmp) / "s", fmt="parquet")
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
            size = (Path(tmp) / "s" / "demand.parquet").stat().st_size
        print(f"seed {seed}: {times[-1]:.1f} s wall, {cpu[-1]:.1f} s CPU, {rows} non-zero demand rows, "
              f"demand.parquet {size / 1e6:.1f} MB")
    print(f"median {statistics.median(times):.1f} s wall, {statistics.median(cpu):.1f} s CPU over {len(times)} runs "
          f"({args.sites} sites x {args.titles} titles x {args.days} days)")


if __name__ == "__main__":
    main()
