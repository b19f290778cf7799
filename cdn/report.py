"""``cdn report accuracy``: rolling-origin backtests of the forecast models as an offline HTML report.

The report directory holds ``report.html`` (self-contained: plotly.js inline, opens without network),
``metrics.csv`` (one row per model and group: overall, region, popularity decile, launch, cutoff) and
``metrics.json`` (the same plus the run's parameters and what ``auto`` chose).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.atomic import atomic_directory
from cdn.errors import InputError
from cdn.forecast import edge_greedy_placement
from cdn.progress import task
from cdn.scenario import load_scenario

DEFAULT_MODELS = ("snaive7", "ewma", "prophet", "auto")
GROUPS = {"region": [C.REGION], "decile": ["decile"], "launch": ["launch"], "cutoff": ["cutoff"]}
MEASURES = ["wape", "mase", "bias", "coverage", "hit_ratio", "oracle_hit_ratio", "regret", "seconds", "cpu_seconds",
            "series_per_second", "cells", "actual"]


def metric_tables(result) -> dict[str, pd.DataFrame]:
    """Overall and grouped measures of a :class:`~forecasting.backtest.BacktestResult`."""
    tables = {"overall": result.metrics()}
    for name, by in GROUPS.items():
        tables[name] = result.metrics(by)
    return tables


def long_metrics(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All tables in one long frame: ``group, key, model`` then the measures."""
    parts = []
    for name, table in tables.items():
        by = GROUPS.get(name)
        key = table[by[0]].astype(str) if by else "all"
        if by and by[0] == "cutoff":
            key = pd.to_datetime(table["cutoff"]).dt.strftime("%Y-%m-%d")
        parts.append(table.assign(group=name, key=key).drop(columns=by or [], errors="ignore"))
    out = pd.concat(parts, ignore_index=True)
    columns = ["group", "key", "model", *[m for m in MEASURES if m in out.columns]]
    return out[columns]


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _series_figure(cells: pd.DataFrame, series: list[tuple[str, str]], title: str):
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=len(series), cols=1, shared_xaxes=False,
                        subplot_titles=[f"{r} / {t}" for r, t in series])
    colors = {"snaive7": "#999999", "ewma": "#1f77b4", "prophet": "#ff7f0e", "auto": "#2ca02c"}
    for i, (region, title_id) in enumerate(series, start=1):
        one = cells[(cells[C.REGION] == region) & (cells[C.TITLE] == title_id) & (cells["step"] == 1)]
        actual = one.drop_duplicates(C.DATE).sort_values(C.DATE)
        fig.add_trace(go.Scatter(x=actual[C.DATE], y=actual["y"], name="actual", mode="lines+markers",
                                 line={"color": "black"}, showlegend=i == 1, legendgroup="actual"), row=i, col=1)
        for model, grp in one.groupby("model", sort=True):
            grp = grp.sort_values(C.DATE)
            color = colors.get(str(model))
            if model == "auto":
                fig.add_trace(go.Scatter(x=list(grp[C.DATE]) + list(grp[C.DATE])[::-1],
                                         y=list(grp[C.YHAT_UPPER]) + list(grp[C.YHAT_LOWER])[::-1],
                                         fill="toself", fillcolor="rgba(44,160,44,0.15)", line={"width": 0},
                                         name="auto 80% interval", showlegend=i == 1, legendgroup="band"),
                              row=i, col=1)
            fig.add_trace(go.Scatter(x=grp[C.DATE], y=grp[C.YHAT], name=str(model), mode="lines",
                                     line={"color": color}, showlegend=i == 1, legendgroup=str(model)), row=i, col=1)
    fig.update_layout(title=title, height=280 * len(series) + 80)
    return fig


def _bar_figure(table: pd.DataFrame, x: str, y: str, title: str, reference: float | None = None):
    import plotly.graph_objects as go

    fig = go.Figure()
    for model, grp in table.groupby("model", sort=True):
        fig.add_trace(go.Bar(x=grp[x].astype(str), y=grp[y], name=str(model)))
    if reference is not None:
        fig.add_hline(y=reference, line_dash="dash", annotation_text=f"nominal {reference:.0%}")
    fig.update_layout(title=title, barmode="group", xaxis_title=x, yaxis_title=y)
    return fig


def _line_figure(table: pd.DataFrame, x: str, y: str, title: str):
    import plotly.graph_objects as go

    fig = go.Figure()
    for model, grp in table.groupby("model", sort=True):
        fig.add_trace(go.Scatter(x=grp[x], y=grp[y], name=str(model), mode="lines+markers"))
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y)
    return fig


def _table_html(table: pd.DataFrame) -> str:
    shown = table[["model", *[m for m in MEASURES if m in table.columns]]]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in shown.columns)
    rows = []
    for row in shown.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                text = "" if not math.isfinite(v) else (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4f}")
            else:
                text = str(v)
            cells.append(f"<td>{html.escape(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_html(result, tables: dict[str, pd.DataFrame], meta: dict[str, Any]) -> str:
    """The report page: model table, then the charts; plotly.js is inlined once."""
    cells = result.cells
    per_series = cells[cells["step"] == 1].groupby([C.REGION, C.TITLE], observed=True)["y"].sum()
    top = [(str(k[0]), str(k[1])) for k in per_series.sort_values(ascending=False).index[:3]]
    launches = cells[(cells["step"] == 1) & cells["launch"]].groupby([C.REGION, C.TITLE], observed=True)["y"].sum()
    figures = [_series_figure(cells, top, "Forecast against actual: the three most viewed series (step 1)")]
    if len(launches):
        first = launches.sort_values(ascending=False).index[0]
        best = (str(first[0]), str(first[1]))
        figures.append(_series_figure(cells, [best], "Forecast against actual: the biggest launch"))
    deciles = tables["decile"].assign(decile=tables["decile"]["decile"].map(lambda d: "new" if d == 0 else f"D{d}"))
    figures.append(_bar_figure(deciles, "decile", "wape", "WAPE by popularity decile (D1 = most viewed 10% of "
                                                          "series; new = no views in the last 28 days)"))
    figures.append(_bar_figure(deciles, "decile", "coverage", "Interval calibration: share of actuals inside the "
                                                              "80% interval, by decile", reference=0.8))
    figures.append(_line_figure(tables["cutoff"], "cutoff", "wape", "WAPE over the cutoffs"))
    charts = [fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False)
              for i, fig in enumerate(figures)]
    params = ", ".join(f"{k}: {html.escape(str(v))}" for k, v in meta.items() if k != "auto_choice")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>edgefill forecast accuracy</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#eee}</style></head><body>"
        "<h1>Forecast accuracy</h1>"
        f"<p>{params}</p>"
        "<p>Rolling-origin backtest: at each cutoff every model forecasts from the demand dated before it. "
        "WAPE = sum |y - yhat| / sum y; MASE against seasonal naive 7 (pooled); bias = (sum yhat - sum y) / sum y; "
        "coverage = share of actuals inside the 80% interval; regret = edge byte hit ratio of a per-edge greedy "
        "plan made from the actual demand minus that of the same plan made from the forecast.</p>"
        "<h2>Model comparison</h2>" + _table_html(tables["overall"]) +
        "<h2>Launches</h2>" + _table_html(tables["launch"].assign(model=tables["launch"]["model"] + " / launch="
                                                                   + tables["launch"]["launch"].astype(str))) +
        "".join(f"<div>{c}</div>" for c in charts) + "</body></html>"
    )


def accuracy_report(data: str | Path, out: str | Path, cutoffs: int = 8, horizon: int = 1,
                    models: list[str] | None = None, scheduler: str | None = None, seed: int = 0) -> dict[str, Any]:
    """Backtest the models over the last ``cutoffs`` cutoffs and write the report directory.

    Returns
    -------
    dict
        What ``metrics.json`` holds.
    """
    from forecasting import MODELS
    from forecasting.backtest import backtest, last_cutoffs

    names = list(models) if models else list(DEFAULT_MODELS)
    for name in names:
        MODELS[name]  # raises ForecastError listing the valid names
    if horizon < 1:
        raise InputError(f"--horizon must be >= 1, got {horizon}")
    scenario = load_scenario(data)
    cut = last_cutoffs(scenario.demand, cutoffs, horizon)
    gpv = scenario.catalog.drop_duplicates(C.TITLE).set_index(C.TITLE)[C.GB_PER_VIEW]
    with task(f"backtests: {len(names)} model(s) x {len(cut)} cutoff(s)", total=len(names) * len(cut)) as step:
        result = backtest(scenario.demand, cut, horizon, names, catalog=scenario.catalog, scheduler=scheduler,
                          seed=seed, placement=edge_greedy_placement(scenario), gb_per_view=gpv, progress=step.advance)
    tables = metric_tables(result)
    meta = {"scenario": str(data), "cutoffs": [f"{c:%Y-%m-%d}" for c in cut], "horizon": horizon, "models": names}
    payload: dict[str, Any] = {**meta, **{name: _records(t) for name, t in tables.items()}}
    with atomic_directory(out, overwrite=True, mark=True) as tmp:
        long_metrics(tables).to_csv(tmp / "metrics.csv", index=False)
        (tmp / "metrics.json").write_text(json.dumps(payload, indent=2) + "\n")
        (tmp / "report.html").write_text(render_html(result, tables, {**meta, "cutoffs": f"{cut[0]:%Y-%m-%d} .. "
                                                                       f"{cut[-1]:%Y-%m-%d} ({len(cut)})"}))
    return payload
