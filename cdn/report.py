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
from cdn.defaults import DEFAULT_MODELS
from cdn.errors import InputError
from cdn.forecast import edge_greedy_placement
from cdn.progress import task
from cdn.scenario import load_scenario
from forecasting.backtest import LAUNCH_DAYS
from forecasting.progress import ProgressFn

PALETTE = {"last_value": "#7f7f7f", "mean7": "#8c564b", "snaive7": "#bcbd22", "ewma": "#1f77b4",
           "prophet": "#ff7f0e", "auto": "#2ca02c"}
"""One colour per model in every chart (other models take the rest of plotly's default colours)."""
OTHER_COLOURS = ("#9467bd", "#e377c2", "#17becf", "#d62728")
HISTORY_DAYS = 28
DAY_MS = 86_400_000
GROUPS = {"region": [C.REGION], "decile": ["decile"], "launch": ["launch"], "cutoff": ["cutoff"]}
MEASURES = ["wape", "mase", "bias", "coverage", "hit_ratio", "oracle_hit_ratio", "regret", "seconds", "cpu_seconds",
            "series_per_second", "cells", "actual"]
HEADERS = {"model": "model", "wape": "WAPE", "mase": "MASE", "bias": "bias", "coverage": "80% interval coverage",
           "hit_ratio": "hit ratio", "oracle_hit_ratio": "oracle hit ratio", "regret": "hit ratio regret",
           "seconds": "seconds per forecast (median)", "cpu_seconds": "CPU seconds (median)",
           "series_per_second": "series per second", "cells": "forecasts scored", "actual": "actual views"}
"""Column headers of the HTML tables (the CSV and JSON keep the measure names)."""


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


def colours(models: list[str]) -> dict[str, str]:
    """The colour of each model: :data:`PALETTE`, then :data:`OTHER_COLOURS` in order."""
    others = iter(OTHER_COLOURS * (1 + len(models) // len(OTHER_COLOURS)))
    return {m: PALETTE.get(m) or next(others) for m in models}


def _date_axis(fig, **where: int) -> None:
    fig.update_xaxes(type="date", tickformat="%Y-%m-%d", dtick=DAY_MS, title_text="date (one tick per day)",
                     **where)


def _series_figure(cells: pd.DataFrame, history: pd.DataFrame, series: list[tuple[str, str]], title: str,
                   colour: dict[str, str]):
    """Step-1 forecast of every model against the actual views, with the 28 days before the first cutoff and
    auto's 80% interval band."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=len(series), cols=1, shared_xaxes=False,
                        subplot_titles=[f"region {r}, title {t}" for r, t in series])
    first = pd.Timestamp(cells["cutoff"].min())
    for i, (region, title_id) in enumerate(series, start=1):
        one = cells[(cells[C.REGION] == region) & (cells[C.TITLE] == title_id) & (cells["step"] == 1)]
        past = history[(history[C.REGION] == region) & (history[C.TITLE] == title_id)
                       & (history[C.DATE] >= first - pd.Timedelta(days=HISTORY_DAYS)) & (history[C.DATE] < first)]
        days = pd.date_range(first - pd.Timedelta(days=HISTORY_DAYS), first - pd.Timedelta(days=1))
        past = past.groupby(C.DATE)[C.VIEWS].sum().reindex(days, fill_value=0.0)
        actual = one.drop_duplicates(C.DATE).sort_values(C.DATE)
        fig.add_trace(go.Scatter(x=list(past.index) + list(actual[C.DATE]), y=list(past) + list(actual["y"]),
                                 name="actual", mode="lines+markers", line={"color": "black"}, showlegend=i == 1,
                                 legendgroup="actual"), row=i, col=1)
        band = one[one["model"] == "auto"].sort_values(C.DATE)
        if len(band):
            fig.add_trace(go.Scatter(x=list(band[C.DATE]) + list(band[C.DATE])[::-1],
                                     y=list(band[C.YHAT_UPPER]) + list(band[C.YHAT_LOWER])[::-1],
                                     fill="toself", fillcolor="rgba(44,160,44,0.15)", line={"width": 0},
                                     mode="lines", name="auto 80% interval", showlegend=i == 1,
                                     legendgroup="band"), row=i, col=1)
        for model, grp in one.groupby("model", sort=True):
            grp = grp.sort_values(C.DATE)
            fig.add_trace(go.Scatter(x=grp[C.DATE], y=grp[C.YHAT], name=str(model), mode="lines+markers",
                                     line={"color": colour[str(model)]}, showlegend=i == 1,
                                     legendgroup=str(model)), row=i, col=1)
        fig.add_vline(x=first.timestamp() * 1000 - DAY_MS / 2, line_dash="dot", line_color="#999", row=i, col=1)
        fig.update_yaxes(title_text="views per day", rangemode="tozero", row=i, col=1)
        _date_axis(fig, row=i, col=1)
        last = pd.Timestamp(cells["cutoff"].max())  # from the first history day to the last target, half a day out
        fig.update_xaxes(range=[days[0] - pd.Timedelta(hours=12), last + pd.Timedelta(hours=12)], row=i, col=1)
    fig.update_xaxes(tickformat="%b %d", tickangle=-45)  # 5 weeks of daily ticks: short, slanted labels
    fig.update_layout(title=title, height=320 * len(series) + 100)
    return fig


def _bar_figure(table: pd.DataFrame, x: str, y: str, title: str, x_label: str, y_label: str,
                colour: dict[str, str], reference: float | None = None):
    import plotly.graph_objects as go

    fig = go.Figure()
    for model, grp in table.groupby("model", sort=True):
        fig.add_trace(go.Bar(x=grp[x].astype(str), y=grp[y], name=str(model), marker_color=colour[str(model)]))
    if reference is not None:
        fig.add_hline(y=reference, line_dash="dash", annotation_text=f"nominal {reference:.0%}")
    fig.update_layout(title=title, barmode="group", xaxis_title=x_label, yaxis_title=y_label)
    return fig


def _line_figure(table: pd.DataFrame, x: str, y: str, title: str, y_label: str, colour: dict[str, str]):
    import plotly.graph_objects as go

    fig = go.Figure()
    for model, grp in table.groupby("model", sort=True):
        fig.add_trace(go.Scatter(x=grp[x], y=grp[y], name=str(model), mode="lines+markers",
                                 line={"color": colour[str(model)]}))
    fig.update_layout(title=title, yaxis_title=y_label)
    fig.update_yaxes(rangemode="tozero")
    _date_axis(fig)
    fig.update_xaxes(title_text="cutoff (forecast origin)")
    return fig


def _table_html(table: pd.DataFrame) -> str:
    shown = table[["model", *[m for m in MEASURES if m in table.columns]]]
    head = "".join(f"<th>{html.escape(HEADERS.get(c, c))}</th>" for c in shown.columns)
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


def choice_html(choice: dict[str, Any]) -> str:
    """What ``auto`` chose at the last cutoff: per segment the candidate, its combination's members and the
    weight of its record in its series' own choices, whether it is averaged with the global LightGBM model; each
    candidate's share of the series and of their recent views."""
    segs = "".join(f"<tr><td>{html.escape(seg)}</td><td>{html.escape(name)}</td><td>"
                   f"{html.escape(', '.join(choice['top'].get(seg, [])))}</td>"
                   f"<td>{choice['shrinkage'][seg]:.3g}</td><td>{'yes' if seg in choice['blended'] else 'no'}</td></tr>"
                   for seg, name in choice["by_segment"].items())
    series = "".join(f"<tr><td>{html.escape(r['candidate'])}</td><td>{r['series']:,}</td>"
                     f"<td>{r['views_share']:.1%}</td></tr>" for r in choice["series"])
    return ("<table><thead><tr><th>segment</th><th>chosen</th><th>combo = median of</th>"
            "<th>weight of the segment's record in a series' own choice</th>"
            "<th>averaged with the global LightGBM model</th></tr></thead>"
            f"<tbody>{segs}</tbody></table><p>Per series (a predictable series chooses its own, its record "
            "shrunk towards its segment's by that weight: large where the series' differences are noise):</p>"
            "<table><thead><tr><th>candidate</th><th>series</th><th>share of recent views</th></tr></thead>"
            f"<tbody>{series}</tbody></table>")


def render_html(result, tables: dict[str, pd.DataFrame], meta: dict[str, Any], history: pd.DataFrame,
                choice: dict[str, Any] | None = None) -> str:
    """The report page: model table, what auto chose, then the charts; plotly.js is inlined once."""
    cells = result.cells
    colour = colours(sorted(map(str, cells["model"].unique())))
    per_series = cells[cells["step"] == 1].groupby([C.REGION, C.TITLE], observed=True)["y"].sum()
    top = [(str(k[0]), str(k[1])) for k in per_series.sort_values(ascending=False).index[:3]]
    launches = cells[(cells["step"] == 1) & cells["launch"]].groupby([C.REGION, C.TITLE], observed=True)["y"].sum()
    figures = [_series_figure(cells, history, top, "Forecast against actual: the three most viewed series (step 1, "
                              "28 days of history before the first cutoff)", colour)]
    if len(launches) and launches.max() > 0:
        key = launches.sort_values(ascending=False).index[0]
        best = (str(key[0]), str(key[1]))
        figures.append(_series_figure(cells, history, [best], "Forecast against actual: the biggest launch", colour))
    deciles = tables["decile"].assign(decile=tables["decile"]["decile"].map(lambda d: "new" if d == 0 else f"D{d}"))
    figures.append(_bar_figure(deciles, "decile", "wape", "WAPE by popularity decile (D1 = most viewed 10% of "
                               "series; new = no views in the last 28 days)", "popularity decile",
                               "WAPE (sum |y - yhat| / sum y)", colour))
    figures.append(_bar_figure(deciles, "decile", "coverage", "Interval calibration: share of actuals inside the "
                               "80% interval, by decile", "popularity decile", "share of actuals inside", colour,
                               reference=0.8))
    figures.append(_line_figure(tables["cutoff"], "cutoff", "wape", "WAPE over the cutoffs",
                                "WAPE (sum |y - yhat| / sum y)", colour))
    charts = [fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False)
              for i, fig in enumerate(figures)]
    params = "; ".join(f"{html.escape(str(k))}: {html.escape(str(v))}" for k, v in meta.items())
    chosen = "<h2>What auto chose (last cutoff)</h2>" + choice_html(choice) if choice else ""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>edgefill forecast accuracy</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#eee}</style></head><body>"
        "<h1>Forecast accuracy</h1>"
        f"<p>{params}</p>"
        "<p>Rolling-origin backtest: at each cutoff every model forecasts from the demand dated before it. "
        "last_value, mean7 and snaive7 are the naive baselines. "
        "WAPE = sum |y - yhat| / sum y; MASE against seasonal naive 7 (pooled); bias = (sum yhat - sum y) / sum y; "
        "coverage = share of actuals inside the 80% interval; regret = edge byte hit ratio of a per-edge greedy "
        "plan made from the actual demand minus that of the same plan made from the forecast.</p>"
        "<h2>Model comparison</h2>" + _table_html(tables["overall"]) + chosen +
        f"<h2>Launches</h2><p>Launch titles: first viewed in the {LAUNCH_DAYS} days before the cutoff (or not "
        "yet); other series: the rest.</p>"
        + _table_html(tables["launch"].assign(model=tables["launch"]["model"] + np.where(
            tables["launch"]["launch"].astype(bool), ": launch titles", ": other series"))) +
        "".join(f"<div>{c}</div>" for c in charts) + "</body></html>"
    )


def auto_choice(history: pd.DataFrame, cutoff: pd.Timestamp, horizon: int, catalog: pd.DataFrame,
                seed: int) -> dict[str, Any]:
    """What ``auto`` (fast candidates) chooses at ``cutoff``: per segment, the combination's members, and per
    series the candidates' counts and shares of the last 28 days' views."""
    from forecasting.auto import Auto

    with task(f"auto's choice at {cutoff:%Y-%m-%d}") as step:
        model = Auto(use_prophet=False, catalog=catalog, seed=seed, progress=step.count)
        model.fit(history[history[C.DATE] < cutoff], cutoff).predict(horizon)
    assert model.choice_ is not None and model.panel_ is not None
    recent = model.panel_.values[:, -HISTORY_DAYS:].sum(axis=1)
    frame = pd.DataFrame({"candidate": model.choice_.series.astype(str), "views": recent})
    counts = frame.groupby("candidate").agg(series=("views", "size"), views=("views", "sum"))
    counts["views_share"] = counts["views"] / max(float(counts["views"].sum()), 1e-12)
    counts = counts.sort_values("views", ascending=False).reset_index()
    return {"by_segment": model.choice_.by_segment, "top": model.choice_.top, "shrinkage": model.choice_.shrinkage,
            "blended": list(model.choice_.blended),
            "series": [{"candidate": r.candidate, "series": int(r.series), "views_share": float(r.views_share)}
                       for r in counts.itertuples()],
            "wape": _records(model.choice_.wape)}


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
        def forecast_progress(name: str, cutoff: pd.Timestamp) -> ProgressFn:
            return lambda done, total: step.update(f"{name} at {cutoff:%Y-%m-%d}: {done}/{total}")

        result = backtest(scenario.demand, cut, horizon, names, catalog=scenario.catalog, scheduler=scheduler,
                          seed=seed, placement=edge_greedy_placement(scenario), gb_per_view=gpv, progress=step.advance,
                          forecast_progress=forecast_progress)
    tables = metric_tables(result)
    choice = auto_choice(scenario.demand, cut[-1], horizon, scenario.catalog, seed) if "auto" in names else None
    meta = {"scenario": str(data), "cutoffs": [f"{c:%Y-%m-%d}" for c in cut], "horizon": horizon, "models": names}
    payload: dict[str, Any] = {**meta, **{name: _records(t) for name, t in tables.items()}, "auto_choice": choice}
    shown = {"scenario": str(data), "cutoffs": f"{cut[0]:%Y-%m-%d} .. {cut[-1]:%Y-%m-%d} ({len(cut)})",
             "horizon": f"{horizon} day(s)", "models": ", ".join(names)}
    with atomic_directory(out, overwrite=True, mark=True) as tmp:
        long_metrics(tables).to_csv(tmp / "metrics.csv", index=False)
        (tmp / "metrics.json").write_text(json.dumps(payload, indent=2) + "\n")
        (tmp / "report.html").write_text(render_html(result, tables, shown, scenario.demand, choice))
    return payload
