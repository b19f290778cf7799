"""The figures docs/data.md gives for a generated scenario, measured on its committed files.

Titles and releases by class (back catalogue, launched during the history, cold start), the mean views of
launched titles by age, each region's home-language share of views against the generator's target, and
the weekend/weekday ratio of daily views. A release is a film or a whole season (the titles of one
``series`` released on one day).

Usage: ``python bench/scenario_stats.py data/demo``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from cdn import columns as C
from cdn.scenario import load_scenario

AGES = (0, 1, 2, 14)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="A scenario written by `cdn generate` (it has generated.json).")
    args = parser.parse_args()
    scenario = load_scenario(args.data)
    demand, catalog = scenario.demand, scenario.catalog.set_index(C.TITLE)
    released = catalog[C.RELEASE_DATE]
    release_key = catalog["series"].where(catalog["series"].astype(str) != "", catalog.index.to_series())
    classes = {"back catalogue": released < scenario.first_date,
               "launched during the history": (released >= scenario.first_date) & (released <= scenario.last_date),
               "cold start": released > scenario.last_date}
    for name, mask in classes.items():
        releases = len(pd.DataFrame({"key": release_key[mask], "date": released[mask]}).drop_duplicates())
        print(f"{name}: {int(mask.sum()):,} titles ({releases:,} releases)")

    launched = catalog.index[classes["launched during the history"]]
    views = demand[demand[C.TITLE].isin(launched)].groupby([C.TITLE, C.DATE])[C.VIEWS].sum().reset_index()
    age = (views[C.DATE] - views[C.TITLE].map(released)).dt.days
    reach = (scenario.last_date - released[launched]).dt.days  # a title seen for `reach` days after release
    means = [f"{views.loc[age == a, C.VIEWS].sum() / int((reach >= a).sum()):.0f} on day {a}" for a in AGES]
    print("mean views of a launched title (all regions) by age: " + ", ".join(means))

    regions = json.loads((args.data / "generated.json").read_text())["regions"]
    language = demand[C.TITLE].map(catalog[C.LANGUAGE])
    print("home-language share of views (target):")
    for region, spec in sorted(regions.items(), key=lambda kv: -kv[1]["local_share_target"]):
        here = demand[C.REGION] == region
        share = demand.loc[here & (language == spec["home_language"]), C.VIEWS].sum() / demand.loc[here, C.VIEWS].sum()
        print(f"  {region} ({spec['home_language']}): {share:.2f} ({spec['local_share_target']:.2f})")

    daily = demand.groupby(C.DATE)[C.VIEWS].sum()
    weekend = daily.index.day_of_week >= 5
    print(f"weekend/weekday ratio of mean daily views: {daily[weekend].mean() / daily[~weekend].mean():.2f}")


if __name__ == "__main__":
    main()
