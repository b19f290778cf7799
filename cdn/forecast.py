"""``cdn forecast``: forecast a scenario's demand and write the contract's forecast file.

Also the glue the accuracy report needs from the network: :func:`edge_greedy_placement`, a per-edge
greedy knapsack by expected bytes per GB of disk, used to turn a forecast into a plan when measuring
hit-ratio regret.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.atomic import atomic_file
from cdn.errors import InputError
from cdn.scenario import DATE_FORMAT, Scenario, load_scenario, parse_date
from forecasting.columns import PROBABILISTIC_COLUMNS

FORECAST_SUFFIXES = (".csv", ".parquet")


def write_forecast(frame: pd.DataFrame, out: str | Path) -> Path:
    """Write a forecast frame as CSV or Parquet (by the file's extension), atomically.

    Dates are written as YYYY-MM-DD text in CSV and as dates in Parquet; identifiers as text. The optional
    ``yhat_mean`` and ``p_views`` columns follow the contract's columns when the frame has them.

    Raises
    ------
    InputError
        When the extension is neither ``.csv`` nor ``.parquet``.
    """
    path = Path(out)
    if path.suffix.lower() not in FORECAST_SUFFIXES:
        raise InputError(f"--out {path}: the forecast file must end in .csv or .parquet")
    out_frame = frame[[*C.FORECAST_COLUMNS, *(c for c in PROBABILISTIC_COLUMNS if c in frame.columns)]].copy()
    with atomic_file(path) as tmp:
        if path.suffix.lower() == ".csv":
            out_frame[C.DATE] = out_frame[C.DATE].dt.strftime(DATE_FORMAT)
            out_frame.to_csv(tmp, index=False, float_format="%.4f")
        else:
            out_frame[C.DATE] = out_frame[C.DATE].dt.date
            out_frame.to_parquet(tmp, index=False)
    return path


def forecast_scenario(scenario: Scenario, as_of: pd.Timestamp, horizon: int = 1, model: str = "auto",
                      scheduler: str | None = None, seed: int = 0) -> pd.DataFrame:
    """Forecast a scenario from its demand dated before ``as_of``, cold-start titles included.

    Every region named by a site gets forecasts for the catalog's new releases; see
    :func:`forecasting.forecast` for the models and the frame returned. The step shows the model's work
    done, counted, and its time left (:mod:`cdn.progress`).
    """
    from cdn.progress import task
    from forecasting import forecast

    with task(f"forecast {as_of:{DATE_FORMAT}} ({model}, {horizon} day{'s' if horizon > 1 else ''})") as step:
        # the whole demand, not a copy of its rows before as_of: forecast reads only those
        return forecast(scenario.demand, as_of, horizon=horizon, model=model, catalog=scenario.catalog,
                        regions=sorted(scenario.region_site()), scheduler=scheduler, seed=seed, progress=step.count)


def run_forecast(data: str | Path, as_of: str, horizon: int, model: str, out: str | Path,
                 scheduler: str | None = None, seed: int = 0) -> pd.DataFrame:
    """Load the scenario, forecast from demand dated before ``as_of``, write ``out``; return the forecast."""
    date = parse_date(as_of, "--as-of")
    scenario = load_scenario(data)
    scenario.check_history_date(date, "--as-of")
    frame = forecast_scenario(scenario, date, horizon=horizon, model=model, scheduler=scheduler, seed=seed)
    write_forecast(frame, out)
    return frame


def edge_greedy_placement(scenario: Scenario):
    """A placement callback for backtests: each region's own site fills its disk greedily.

    Titles are ranked by expected bytes (views x GB per view) per GB of size and taken while they fit
    the site's disk (no fill budget, nothing held before): a plan that only the forecast changes.

    Returns
    -------
    callable
        ``place(expected) -> held`` (see :data:`forecasting.backtest.PlacementFn`).
    """
    from placement.greedy import knapsack

    catalog = scenario.catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)
    disk = scenario.sites.set_index(C.SITE)[C.DISK_GB]
    region_disk = {region: float(disk[site]) for region, site in scenario.region_site().items()}

    def place(expected: pd.DataFrame) -> pd.DataFrame:
        held = []
        for region, group in expected.groupby(C.REGION, sort=True, observed=True):
            group = group[group[C.VIEWS] > 0]
            titles = group[C.TITLE].astype(str).to_numpy()
            size = catalog[C.SIZE_GB].reindex(titles).to_numpy(float)
            gpv = catalog[C.GB_PER_VIEW].reindex(titles).to_numpy(float)
            density = group[C.VIEWS].to_numpy(float) * gpv / size
            take = knapsack(density, size, np.zeros(len(titles), dtype=bool), region_disk.get(str(region), 0.0),
                            np.inf, titles.tolist())
            held.append(pd.DataFrame({C.REGION: str(region), C.TITLE: titles[take]}))
        if not held:
            return pd.DataFrame({C.REGION: pd.Series(dtype=str), C.TITLE: pd.Series(dtype=str)})
        return pd.concat(held, ignore_index=True)

    return place
