"""``auto`` against the three naive baselines over several periods of a scenario: is a win more than one week's luck?

Usage::

    PYTHONPATH=. .venv/bin/python bench/auto_periods.py data/wikipedia --ends 2015-12-24,2015-10-01 [--cutoffs 8]

For each date of ``--ends`` the history is cut before it and the last ``--cutoffs`` days before it are
forecast one day ahead, each from the demand before it, by ``last_value``, ``mean7``, ``snaive7`` and ``auto``
(without its Prophet check of the head, which only switches series that win at every origin), as
``cdn forecast`` would with its defaults. Scored on the union of forecast and actual rows of each day: the
WAPE per period with ``auto`` over the period's best naive baseline, then pooled over every period (auto over
the naive baseline with the lowest pooled error), the median of the per-period ratios and the 80% interval
coverage of each model.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.scenario import load_scenario
from forecasting.backtest import last_cutoffs
from forecasting.models import MODELS

NAIVE = ("last_value", "mean7", "snaive7")
NAMES = (*NAIVE, "auto")


def day_errors(history: pd.DataFrame, catalog: pd.DataFrame, cutoff: pd.Timestamp) -> dict[str, tuple[float, int, int]]:
    """Per model: summed absolute error, cells inside the interval and cells, of the forecast of ``cutoff``."""
    keys = [C.REGION, C.TITLE]
    truth = history[history[C.DATE] == cutoff][[*keys, C.VIEWS]].astype({C.REGION: str, C.TITLE: str})
    out = {}
    for name in NAMES:
        options = {"use_prophet": False} if name == "auto" else {}
        model = MODELS[name](catalog=catalog, **options).fit(history[history[C.DATE] < cutoff], cutoff)
        frame = model.predict(1).astype({C.REGION: str, C.TITLE: str})
        cells = frame.merge(truth, on=keys, how="outer").fillna(
            {C.YHAT: 0.0, C.VIEWS: 0.0, C.YHAT_LOWER: 0.0, C.YHAT_UPPER: 0.0})
        inside = (cells[C.VIEWS] >= cells[C.YHAT_LOWER]) & (cells[C.VIEWS] <= cells[C.YHAT_UPPER])
        out[name] = (float(np.abs(cells[C.YHAT] - cells[C.VIEWS]).sum()), int(inside.sum()), len(cells))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario")
    parser.add_argument("--ends", required=True, help="comma-separated dates: each period ends the day before")
    parser.add_argument("--cutoffs", type=int, default=8)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    error = dict.fromkeys(NAMES, 0.0)
    inside = dict.fromkeys(NAMES, 0)
    cells = dict.fromkeys(NAMES, 0)
    actual, ratios = 0.0, []
    print("| period end | " + " | ".join(NAMES) + " | auto / best naive |")
    print("|---" * (len(NAMES) + 2) + "|")
    for end in args.ends.split(","):
        history = scenario.demand[scenario.demand[C.DATE] < pd.Timestamp(end)]
        period = dict.fromkeys(NAMES, 0.0)
        period_actual = 0.0
        for cutoff in last_cutoffs(history, args.cutoffs, 1):
            for name, (err, hit, n) in day_errors(history, scenario.catalog, cutoff).items():
                period[name] += err
                inside[name] += hit
                cells[name] += n
            period_actual += float(history.loc[history[C.DATE] == cutoff, C.VIEWS].sum())
        ratio = period["auto"] / min(period[n] for n in NAIVE)
        ratios.append(ratio)
        for name in NAMES:
            error[name] += period[name]
        actual += period_actual
        print(f"| {end} | " + " | ".join(f"{period[n] / period_actual:.4f}" for n in NAMES) + f" | {ratio:.3f} |",
              flush=True)
    print("| pooled | " + " | ".join(f"{error[n] / actual:.4f}" for n in NAMES)
          + f" | {error['auto'] / min(error[n] for n in NAIVE):.3f} |")
    print(f"\nmedian of the per-period ratios {np.median(ratios):.3f}; 80% coverage "
          + ", ".join(f"{n} {inside[n] / cells[n]:.3f}" for n in NAMES))


if __name__ == "__main__":
    main()
