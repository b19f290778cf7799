"""``cdn forecast`` with its defaults on consecutive days, each scored by an independent forecast scorer.

What a new user does with a data set: for each of the last ``--days`` days D of the scenario's demand, run
``cdn forecast --data DATA --as-of D --horizon 1 --model auto --out FILE`` (the demand before D), then the
scorer (``--scorer``, the project's reference ``score_forecast.py``, with its Prophet-alone baseline) on
D's actual demand. Prints one Markdown row: WAPE pooled over the days (each day's WAPE weighted by its
actual views) of ``auto``, the scorer's three naive baselines and Prophet alone, ``auto`` over the best
naive baseline, and the 80% interval coverage pooled over the scored cells.

Usage::

    PYTHONPATH=. .venv/bin/python bench/forecast_days.py DATA --scorer ../shared/reference/score_forecast.py \
        --work /tmp/fdays [--days 7]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from cdn import columns as C
from cdn.scenario import DATE_FORMAT, load_scenario

NAIVE = ("last_value", "mean7", "snaive7")


def score_day(data: Path, day: pd.Timestamp, work: Path, scorer: Path) -> dict:
    """Forecast ``day`` with ``cdn forecast``'s defaults and return the scorer's JSON."""
    date = day.strftime(DATE_FORMAT)
    forecast, scores = work / f"{date}.csv", work / f"{date}.json"
    forecast.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "cdn", "-q", "forecast", "--data", str(data), "--as-of", date,
                    "--horizon", "1", "--model", "auto", "--out", str(forecast)], check=True)
    subprocess.run([sys.executable, str(scorer), str(data), str(forecast), "--as-of", date, "--out", str(scores)],
                   check=True, capture_output=True)
    return json.loads(scores.read_text())


def day_wape(scored: dict, name: str) -> float:
    """The WAPE of ``auto`` (the forecast file) or of one of the scorer's baselines."""
    return float(scored["forecast"]["wape"] if name == "auto" else scored["baselines"][name]["wape"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("--scorer", type=Path, required=True, help="The independent score_forecast.py.")
    parser.add_argument("--work", type=Path, required=True, help="Folder for the forecasts and their scores.")
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    work = args.work / args.data.resolve().name
    work.mkdir(parents=True, exist_ok=True)
    last = load_scenario(args.data).demand[C.DATE].max()
    days = pd.date_range(end=last, periods=args.days)
    scored = [score_day(args.data.resolve(), day, work, args.scorer.resolve()) for day in days]
    views = sum(s["actual_total_views"] for s in scored)

    def pooled(name: str) -> float:
        return sum(day_wape(s, name) * s["actual_total_views"] for s in scored) / views

    wape = {name: pooled(name) for name in ("auto", *NAIVE, "prophet")}
    best = min(NAIVE, key=wape.__getitem__)
    cells = sum(s["forecast"]["interval_cells"] for s in scored)
    coverage = sum(s["forecast"]["interval_coverage"] * s["forecast"]["interval_cells"] for s in scored) / cells
    print("| data | days | auto | last_value | mean7 | snaive7 | Prophet alone | auto / best naive | 80% coverage |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.data} | {days[0].date()}..{days[-1].date()} | "
          + " | ".join(f"{wape[n]:.4f}" for n in ("auto", *NAIVE, "prophet"))
          + f" | {wape['auto'] / wape[best]:.3f} ({best}) | {coverage:.3f} ({cells} cells) |")


if __name__ == "__main__":
    main()
