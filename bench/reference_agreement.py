"""Agreement of ``cdn.simulate`` with an independent scorer of the data contract on one plan.

Writes the scorer's own naive plan for DATE (``score_plan.py DATA --write-naive-plan``), scores it with the
scorer (``score_plan.py DATA PLAN_ROOT DATE``) and simulates the same plan with :func:`cdn.simulate.simulate_day`
without serving limits (the contract's measure routes every byte to its cheapest holder), then prints the
edge byte hit ratio, the backbone GB and the number of links over capacity at peak from both.

Usage: ``python bench/reference_agreement.py --scorer PATH/score_plan.py data/demo 2024-04-20``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from cdn.scenario import load_scenario
from cdn.simulate import plan_holdings, simulate_day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scorer", type=Path, required=True, help="The independent score_plan.py.")
    parser.add_argument("data", type=Path, help="Scenario directory.")
    parser.add_argument("date", help="A date of the scenario's demand, YYYY-MM-DD.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        root = Path(work) / "plans"
        subprocess.run([sys.executable, str(args.scorer), str(args.data), "--write-naive-plan", str(root),
                        f"{args.date}..{args.date}"], check=True, stdout=subprocess.DEVNULL)
        scored = json.loads(subprocess.run([sys.executable, str(args.scorer), str(args.data), str(root), args.date],
                                           check=True, capture_output=True, text=True).stdout)
        scenario = load_scenario(args.data)
        holdings, fill_gb = plan_holdings(scenario, root / args.date)
        ours = simulate_day(scenario, holdings, scenario.day(pd.Timestamp(args.date)), fill_gb=fill_gb,
                            serve_limits=False).summary
    rows = [("edge byte hit ratio", f"{scored['edge_byte_hit_ratio']:.6f}", f"{ours['edge_byte_hit_ratio']:.6f}"),
            ("backbone GB", f"{scored['backbone']['backbone_gb']:,.2f}", f"{ours['backbone_gb']:,.2f}"),
            ("links over capacity at peak", str(scored["backbone"]["links_over_capacity_at_peak"]),
             str(len(ours["overloaded_links"])))]
    print(f"{args.data} {args.date}, the scorer's naive plan (feasible: {scored['feasible']})")
    print(f"{'measure':<30}{'scorer':>18}{'cdn.simulate':>18}")
    for name, theirs, mine in rows:
        print(f"{name:<30}{theirs:>18}{mine:>18}")


if __name__ == "__main__":
    main()
