"""Plotly figures of the explorer: the network map, forecast against actual, replay and accuracy charts.

Presentation only: every number comes from a library frame. The map draws sites at their coordinates
(or a fixed seeded layout when a scenario has none) on plain axes, so it needs no map tiles and works
offline.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cdn import columns as C
from cdn.replay import COLOURS as STRATEGY_COLOURS
from cdn.report import PALETTE as MODEL_COLOURS

COLOURS = {**STRATEGY_COLOURS, "reactive": "#e377c2", **MODEL_COLOURS}
"""One colour per strategy and model, the same on every chart and page: the replay's own charts
(:data:`cdn.replay.COLOURS`) and the accuracy report's (:data:`cdn.report.PALETTE`)."""
UTILISATION_CLASSES = ((0.0, 0.5, "under 50%", "#2ca02c"), (0.5, 1.0, "50-100%", "#ffbf00"),
                       (1.0, 2.0, "overloaded, 1-2x", "#ff7f0e"), (2.0, math.inf, "overloaded, over 2x", "#d62728"))
"""Peak-hour utilisation classes of the links on the map: (low, high, legend, colour)."""
TIER_SYMBOLS = {C.ORIGIN: "star", C.STORAGE: "square", C.EDGE: "circle"}


def colour(name: str) -> str | None:
    """The fixed colour of a strategy or model (None: plotly's next one)."""
    return COLOURS.get(name)


def positions(sites: pd.DataFrame, graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """(lon, lat) of every site, or a seeded spring layout when any coordinate is missing."""
    if {C.LAT, C.LON} <= set(sites.columns) and sites[[C.LAT, C.LON]].notna().all().all():
        return {s: (float(lon), float(lat)) for s, lat, lon in zip(sites[C.SITE], sites[C.LAT], sites[C.LON],
                                                                   strict=True)}
    layout = nx.spring_layout(graph, seed=0)
    return {str(s): (float(xy[0]), float(xy[1])) for s, xy in layout.items()}


def network_map(sites: pd.DataFrame, links: pd.DataFrame, pos: dict[str, tuple[float, float]], title: str) -> go.Figure:
    """Sites at their coordinates, edge sites sized by their edge byte hit ratio, links coloured by peak utilisation.

    Parameters
    ----------
    sites : DataFrame
        :func:`cdn.whatif.site_table` rows (``site_id, tier, region, failed, edge_byte_hit_ratio, ...``).
    links : DataFrame
        :func:`cdn.whatif.link_utilisation` rows.
    pos : dict
        (x, y) of every site (:func:`positions`).
    """
    fig = go.Figure()
    for low, high, legend, shade in UTILISATION_CLASSES:
        part = links[(links["utilisation"] >= low) & (links["utilisation"] < high)]
        xs: list[float | None] = []
        ys: list[float | None] = []
        for a, b in zip(part[C.SRC], part[C.DST], strict=True):
            xs += [pos[a][0], pos[b][0], None]
            ys += [pos[a][1], pos[b][1], None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": shade, "width": 3}, hoverinfo="skip",
                                 name=f"link peak {legend}", legendgroup="links"))
        mid = part.assign(x=[(pos[a][0] + pos[b][0]) / 2 for a, b in zip(part[C.SRC], part[C.DST], strict=True)],
                          y=[(pos[a][1] + pos[b][1]) / 2 for a, b in zip(part[C.SRC], part[C.DST], strict=True)])
        fig.add_trace(go.Scatter(
            x=mid["x"], y=mid["y"], mode="markers", marker={"size": 6, "color": shade, "opacity": 0.0},
            showlegend=False, hovertemplate="%{text}<extra></extra>",
            text=[f"{a} - {b}: peak {g:,.2f} Gbps of {c:,.1f} ({u:.2f}x)" for a, b, g, c, u in zip(
                mid[C.SRC], mid[C.DST], mid["peak_gbps"], mid[C.CAPACITY_GBPS], mid["utilisation"], strict=True)]))
    for tier, symbol in TIER_SYMBOLS.items():
        part = sites[sites[C.TIER] == tier]
        if part.empty:
            continue
        ratio = part["edge_byte_hit_ratio"].fillna(0.0).to_numpy(float)
        size = 10 + 30 * ratio if tier == C.EDGE else np.full(len(part), 14.0)
        failed = part["failed"].to_numpy(bool)
        fig.add_trace(go.Scatter(
            x=[pos[s][0] for s in part[C.SITE]], y=[pos[s][1] for s in part[C.SITE]], mode="markers+text",
            text=part[C.SITE], textposition="top center", textfont={"size": 9},
            marker={"size": size, "symbol": symbol, "color": np.where(failed, "#d62728", "#1f77b4" if tier == C.EDGE
                                                                      else "#444444").tolist(),
                    "line": {"width": 1, "color": "white"}, "opacity": 0.85},
            name=f"{tier} site" + (" (size: edge byte hit ratio)" if tier == C.EDGE else ""),
            customdata=np.stack([part[C.REGION], ratio, part["held_gb"], part[C.DISK_GB], failed], axis=1),
            hovertemplate="%{text} (" + tier + ")<br>region %{customdata[0]}<br>edge byte hit ratio "
                          "%{customdata[1]:.3f}<br>held %{customdata[2]:,.0f} of %{customdata[3]:,.0f} GB"
                          "<br>failed %{customdata[4]}<extra></extra>"))
    fig.update_layout(title=title, height=720, template="plotly_white", margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.05})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.3)
    return fig


def forecast_figure(history: pd.DataFrame, frame: pd.DataFrame, title: str, date: pd.Timestamp) -> go.Figure:
    """Actual views per day (history and after) against the forecast and its 80% interval band.

    ``history``: ``date, views``; ``frame``: ``date, yhat, yhat_lower, yhat_upper`` (one series).
    """
    fig = go.Figure()
    if len(frame):
        band_x = [*frame[C.DATE], *frame[C.DATE][::-1]]
        band_y = [*frame[C.YHAT_UPPER], *frame[C.YHAT_LOWER][::-1]]
        fig.add_trace(go.Scatter(x=band_x, y=band_y, mode="lines", fill="toself", fillcolor="rgba(31,119,180,0.18)",
                                 line={"width": 0}, name="80% interval", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=frame[C.DATE], y=frame[C.YHAT], mode="lines+markers", name="forecast",
                                 line={"color": "#1f77b4"}))
    fig.add_trace(go.Scatter(x=history[C.DATE], y=history[C.VIEWS], mode="lines+markers", name="actual",
                             line={"color": "black"}, marker={"size": 4}))
    fig.add_vline(x=date, line_dash="dot", line_color="#888888")
    fig.update_layout(title=title, height=320, template="plotly_white", margin={"t": 50, "b": 40},
                      legend={"orientation": "h", "y": 1.12})
    fig.update_xaxes(title="date", tickformat="%b %d", dtick=7 * 86_400_000)
    fig.update_yaxes(title="views per day", rangemode="tozero")
    return fig


def replay_figure(days: pd.DataFrame, column: str, title: str, axis: str) -> go.Figure:
    """One line per strategy over the replayed days (``days.csv`` of a replay)."""
    fig = go.Figure()
    frame = days.assign(date=pd.to_datetime(days["date"]))
    for strategy, group in frame.groupby("strategy", sort=False):
        fig.add_trace(go.Scatter(x=group["date"], y=group[column], mode="lines+markers", name=str(strategy),
                                 line={"color": colour(str(strategy))}))
    fig.update_layout(title=title, height=380, template="plotly_white", legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(title="date", tickformat="%b %d", dtick=86_400_000)
    fig.update_yaxes(title=axis, rangemode="tozero")
    return fig


def model_bars(table: pd.DataFrame, x: str, y: str, title: str, axis: str) -> go.Figure:
    """Grouped bars per model (accuracy tables: ``model`` plus the ``x`` group and the ``y`` measure)."""
    fig = go.Figure()
    for model, group in table.groupby("model", sort=True):
        fig.add_trace(go.Bar(x=group[x].astype(str), y=group[y], name=str(model),
                             marker_color=colour(str(model))))
    fig.update_layout(title=title, barmode="group", height=360, template="plotly_white")
    fig.update_xaxes(title=x)
    fig.update_yaxes(title=axis, rangemode="tozero")
    return fig
