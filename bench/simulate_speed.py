"""Benchmark: flow simulation speed (region-title pairs per second) on a synthetic 200-site, 20,000-title day.

Builds a seeded scenario (1 origin, 11 storage sites, 188 edge sites in a two-level tree with a backbone
ring and some peering between neighbouring edges; Zipf-like demand per region), writes it as a contract
scenario directory, loads it, and times :func:`cdn.simulate.simulate_day` on one day with a placement that
fills every edge with its region's heaviest titles.

Usage: ``python bench/simulate_speed.py [--sites 200] [--titles 20000] [--repeat 3] [--seed 0]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.scenario import load_scenario
from cdn.simulate import simulate_day


def write_scenario(root: Path, n_sites: int, n_titles: int, seed: int, serve_gbps: float | None = None) -> None:
    """Write a seeded synthetic scenario of ``n_sites`` sites and ``n_titles`` titles (one day of demand)."""
    rng = np.random.default_rng(seed)
    n_storage = max(1, n_sites // 18)
    n_edge = n_sites - 1 - n_storage
    storage = [f"S{i:02d}" for i in range(n_storage)]
    edges = [f"E{i:03d}" for i in range(n_edge)]
    sites = pd.DataFrame({
        C.SITE: ["O", *storage, *edges],
        C.TIER: [C.ORIGIN] + [C.STORAGE] * n_storage + [C.EDGE] * n_edge,
        C.REGION: [""] * (1 + n_storage) + [f"R{i:03d}" for i in range(n_edge)],
        C.DISK_GB: [""] + ["200000"] * n_storage + ["30000"] * n_edge,
        C.SERVE_GBPS: [""] * (1 + n_storage) + ([f"{serve_gbps}"] * n_edge if serve_gbps else [""] * n_edge),
    })
    links = [("O", s, 400, 10, "backbone") for s in storage]
    links += [(storage[i], storage[(i + 1) % n_storage], 200, 4, "backbone") for i in range(n_storage)]
    links += [(storage[i % n_storage], e, 100, 1, "peering") for i, e in enumerate(edges)]
    links += [(edges[i], edges[i + 1], 40, 3, "transit") for i in range(0, n_edge - 1, 3)]
    link_frame = pd.DataFrame(links, columns=[C.SRC, C.DST, C.CAPACITY_GBPS, C.COST, C.KIND])
    sizes = rng.uniform(10, 80, n_titles).round(2)
    catalog = pd.DataFrame({C.TITLE: [f"T{j:05d}" for j in range(n_titles)], C.SIZE_GB: sizes,
                            C.GB_PER_VIEW: (sizes / 12).round(3)})
    popularity = 1.0 / np.arange(1, n_titles + 1) ** 0.9
    views = rng.poisson(popularity[None, :] * rng.permutation(n_titles)[None, :].clip(1) ** 0 * 2000,
                        size=(n_edge, n_titles)).astype(float)
    shuffle = rng.permutation(n_titles)
    views = views[:, shuffle]
    r, t = np.nonzero(views)
    demand = pd.DataFrame({C.DATE: "2024-01-01", C.REGION: np.array(sites[C.REGION][1 + n_storage:])[r],
                           C.TITLE: catalog[C.TITLE].to_numpy()[t], C.VIEWS: views[r, t]})
    root.mkdir(parents=True, exist_ok=True)
    sites.to_csv(root / "sites.csv", index=False)
    link_frame.to_csv(root / "links.csv", index=False)
    catalog.to_csv(root / "catalog.csv", index=False)
    demand.to_parquet(root / "demand.parquet", index=False)
    (root / "settings.json").write_text(json.dumps({"peak_hour_share": 0.08}))


def greedy_holdings(scenario, day: pd.DataFrame) -> pd.DataFrame:
    """Each edge holds its region's titles by views per GB until its disk is full."""
    sizes = scenario.catalog.set_index(C.TITLE)[C.SIZE_GB]
    disk = scenario.sites.set_index(C.SITE)[C.DISK_GB]
    frame = day.assign(site_id=day[C.REGION].map(scenario.region_site()), size=day[C.TITLE].map(sizes))
    frame = frame.assign(density=frame[C.VIEWS] / frame["size"]).sort_values([C.SITE, "density"],
                                                                             ascending=[True, False])
    frame["used"] = frame.groupby(C.SITE)["size"].cumsum()
    frame = frame[frame["used"] <= frame[C.SITE].map(disk)]
    return frame[[C.SITE, C.TITLE]].reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--titles", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--serve-gbps", type=float, default=None, help="edge serving cap (forces overflow rounds)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        write_scenario(Path(tmp), args.sites, args.titles, args.seed, args.serve_gbps)
        scenario = load_scenario(tmp)
    day = scenario.day(scenario.first_date)
    holdings = greedy_holdings(scenario, day)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        sim = simulate_day(scenario, holdings, day)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(json.dumps({
        "sites": len(scenario.sites), "titles": len(scenario.catalog), "region_title_pairs": len(day),
        "held_pairs": len(holdings), "seconds_median": round(median, 3),
        "pairs_per_second": round(len(day) / median), "edge_byte_hit_ratio": sim.summary["edge_byte_hit_ratio"],
        "overloaded_sites": len(sim.summary["overloaded_sites"]), "repeat": args.repeat,
    }))


if __name__ == "__main__":
    main()
