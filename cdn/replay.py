"""Multi-day replay: forecast, plan and simulate night after night, against oracle plans and reactive caches.

Each night D of ``start .. end``:

* ``proactive``: forecast D from demand strictly before D, plan with last night's proactive placement as
  the current state, then simulate D's actual demand on the resulting placement;
* ``oracle``: the same planner fed D's actual demand as its forecast (with its own chain of placements),
  the best a plan of one set per day can do under the same disks and fill budgets;
* reactive caches (``lru``, ``lfu``, ``s3fifo``, ``belady``, see :mod:`cdn.caches`): every edge a
  demand-driven cache of its disk under the cache of its nearest storage site with disk; each byte is
  routed from where its request was served (edge, upstream cache or nearest origin) to get the
  backbone and link load.

Every strategy is warmed up on the nights before ``start`` (up to ``warmup_days``, keeping a week of
history for the first forecast): plans chain through them and caches fill, but only ``start .. end``
is reported, so no strategy is judged on its ramp from empty disks.

Every placement solve of a replay (each proactive and each oracle night) gets a time limit,
:data:`cdn.defaults.REPLAY_TIME_LIMIT` seconds unless told otherwise: an exact MILP on a large night (HiGHS on
``data/movietweetings``) could otherwise take minutes per night, and a solve stopped at the limit still
returns its best plan (or the greedy one, status ``fallback``), which the night's row then judges.

Strategies are compared by the contract's measures: edge byte hit ratio (pooled over days by bytes),
backbone GB, fill GB (nightly fills, or every admission for caches) and peak backbone Gbps, plus churn
(GB added + GB evicted by a plan) and the peak link utilisation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cdn import columns as C
from cdn.atomic import atomic_directory
from cdn.caches import DEFAULT_POLICIES, cache_policy, replay_caches
from cdn.defaults import REPLAY_TIME_LIMIT
from cdn.errors import InputError
from cdn.progress import task, track
from cdn.scenario import DATE_FORMAT, Scenario, parse_date
from cdn.simulate import simulate_day
from cdn.units import dumps_json, round_floats

DAY_COLUMNS = ("date", "strategy", "edge_byte_hit_ratio", "backbone_gb", "fill_gb", "peak_backbone_gbps",
               "demand_gb", "hit_gb", "churn_gb", "peak_link_utilisation", "backbone_gb_origin_only")
"""Columns of ``days.csv``: one row per (date, strategy)."""
WARMUP_DAYS = 7


@dataclass(frozen=True)
class Replay:
    """The outcome of :func:`replay`: ``days`` (columns :data:`DAY_COLUMNS`) and the JSON ``summary``."""

    days: pd.DataFrame
    summary: dict[str, Any]


def _row(date: pd.Timestamp, strategy: str, sim: dict[str, Any], churn_gb: float, demand_gb: float,
         hit_gb: float, origin_only_gb: float) -> dict[str, Any]:
    return {
        "date": f"{date:{DATE_FORMAT}}", "strategy": strategy,
        "edge_byte_hit_ratio": hit_gb / demand_gb if demand_gb > 0 else math.nan,
        "backbone_gb": sim["backbone_gb"], "fill_gb": sim["fill_gb"], "peak_backbone_gbps": sim["peak_backbone_gbps"],
        "demand_gb": demand_gb, "hit_gb": hit_gb, "churn_gb": churn_gb,
        "peak_link_utilisation": sim["peak_link_utilisation"],
        "backbone_gb_origin_only": origin_only_gb,
    }


def _plan_night(scenario: Scenario, date: pd.Timestamp, forecast: pd.DataFrame, root: Path, solver: str,
                time_limit: float | None, strategy: str) -> dict[str, Any]:
    from cdn.planning import make_plan

    result = make_plan(scenario, date, forecast, root, solver=solver, time_limit=time_limit)
    sim = simulate_day(scenario, result.holdings, scenario.day(date), fill_gb=result.fill_gb).summary
    return _row(date, strategy, sim, result.fill_gb + result.evict_gb, sim["demand_gb"], sim["edge_hit_gb"],
                sim["backbone_gb_origin_only"])


def _actual_as_forecast(day: pd.DataFrame) -> pd.DataFrame:
    """A contract forecast frame whose ``yhat`` is the day's actual views (for the oracle)."""
    return pd.DataFrame({C.DATE: day[C.DATE], C.REGION: day[C.REGION], C.TITLE: day[C.TITLE],
                         C.YHAT: day[C.VIEWS], C.YHAT_LOWER: day[C.VIEWS], C.YHAT_UPPER: day[C.VIEWS],
                         C.MODEL: "oracle"})


def _cache_rows(scenario: Scenario, caches: pd.DataFrame, dates: list[pd.Timestamp]) -> list[dict[str, Any]]:
    """Per (date, policy): hits and fills from the cache replay; bytes routed from where each request was served.

    Edge hits stay at the edge, upstream hits come from the upstream cache, the rest from the nearest origin
    (no serving caps: a cache's load is what its requests were).
    """
    from cdn.simulate import route_served

    rows = []
    no_holdings = pd.DataFrame({C.SITE: pd.Series(dtype=str), C.TITLE: pd.Series(dtype=str)})
    origin_only = {date: simulate_day(scenario, no_holdings, scenario.day(date)).summary["backbone_gb"]
                   for date in dates}
    gpv = caches[C.TITLE].map(scenario.catalog.set_index(C.TITLE)[C.GB_PER_VIEW]).astype(float)
    frame = caches.assign(up_gb=caches["upstream_hit_gb"], origin_gb=caches["origin_views"] * gpv)
    for (day, policy), group in frame.groupby([C.DATE, "policy"], sort=True):
        date = pd.Timestamp(day)
        up = group[group["up_gb"] > 0]
        origin = group[group["origin_gb"] > 0]
        sim = route_served(scenario, [*up[C.SITE], *origin[C.SITE]], [*up["upstream_site"], *origin["origin_site"]],
                           [*up["up_gb"], *origin["origin_gb"]])
        sim["fill_gb"] = float(group["fill_gb"].sum())
        rows.append(_row(date, str(policy), sim, sim["fill_gb"], float(group["demand_gb"].sum()),
                         float(group["hit_gb"].sum()), origin_only[date]))
    seen = {(r["date"], r["strategy"]) for r in rows}
    empty = {"backbone_gb": 0.0, "fill_gb": 0.0, "peak_backbone_gbps": 0.0, "peak_link_utilisation": 0.0}
    for date in dates:  # days without any request still get a row per policy
        for policy in sorted(set(caches["policy"])):
            if (f"{date:{DATE_FORMAT}}", policy) not in seen:
                rows.append(_row(date, policy, empty, 0.0, 0.0, 0.0, origin_only[date]))
    return rows


def summarise(days: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """Totals per strategy: hit ratio pooled by bytes, sums of GB, peaks as maxima."""
    out: dict[str, dict[str, float | None]] = {}
    for strategy, group in days.groupby("strategy", sort=False):
        demand = float(group["demand_gb"].sum())
        backbone = float(group["backbone_gb"].sum())
        origin_only = float(group["backbone_gb_origin_only"].sum())
        out[str(strategy)] = {
            "edge_byte_hit_ratio": float(group["hit_gb"].sum()) / demand if demand > 0 else None,
            "backbone_gb": backbone,
            "fill_gb": float(group["fill_gb"].sum()),
            "peak_backbone_gbps": float(group["peak_backbone_gbps"].max()),
            "demand_gb": demand,
            "backbone_tb": backbone / 1000.0,
            "fill_tb": float(group["fill_gb"].sum()) / 1000.0,
            "churn_gb": float(group["churn_gb"].sum()),
            "peak_link_utilisation": float(group["peak_link_utilisation"].max()),
            "backbone_gb_origin_only": origin_only,
            "backbone_tb_saved": (origin_only - backbone) / 1000.0,
        }
    return out


def replay(
    scenario: Scenario,
    start: pd.Timestamp | str,
    end: pd.Timestamp | str,
    out: str | Path,
    *,
    model: str = "auto",
    solver: str = "highs",
    policies: Sequence[str] = DEFAULT_POLICIES,
    oracle: bool = True,
    time_limit: float | None = REPLAY_TIME_LIMIT,
    seed: int = 0,
    warmup_days: int = WARMUP_DAYS,
) -> Replay:
    """Replay the nights ``start .. end``: proactive plans, oracle plans and reactive caches, then write it all.

    Parameters
    ----------
    scenario : Scenario
        The loaded scenario; its demand must cover ``start .. end`` and begin before ``start``.
    start, end : Timestamp or str
        First and last replayed day (inclusive).
    out : str or Path
        Output directory, replaced atomically: ``summary.json``, ``days.csv``, ``plans/proactive/<D>/``,
        ``plans/oracle/<D>/``, ``hit_ratio.png``, ``backbone.png``, ``index.html``.
    model : str
        Forecast model (see :func:`forecasting.forecast`).
    solver : str
        Placement solver (see :func:`placement.solve`).
    policies : sequence of str
        Reactive cache policies (see :data:`cdn.caches.POLICIES`); empty for none.
    oracle : bool
        Also plan from the actual demand of each day.
    time_limit : float or None
        Seconds per placement solve (proactive and oracle nights alike), :data:`cdn.defaults.REPLAY_TIME_LIMIT` by
        default; ``None`` lets every solve run to its gap.
    seed : int
        Seed of the forecasts and of the cache request streams.
    warmup_days : int
        Nights before ``start`` run but not reported (at most as many as leave 7 days of history).

    Returns
    -------
    Replay

    Raises
    ------
    InputError
        Dates outside the scenario's demand, ``end`` before ``start``, unknown cache policy.
    """
    from cdn.forecast import forecast_scenario

    first, last = _check_dates(scenario, start, end)
    for name in policies:
        cache_policy(name)
    dates = list(pd.date_range(first, last, freq="D"))
    warmup = max(0, min(warmup_days, (first - scenario.first_date).days - 7))
    nights = list(pd.date_range(first - pd.Timedelta(days=warmup), last, freq="D"))
    rows: list[dict[str, Any]] = []
    with atomic_directory(out, overwrite=True) as tmp:
        plans = tmp / "plans"
        for date in track(nights, f"replay: forecast, plan and simulate each night ({warmup} warm-up)"):
            frame = forecast_scenario(scenario, date, model=model, seed=seed)
            rows.append(_plan_night(scenario, date, frame, plans / "proactive", solver, time_limit, "proactive"))
            if oracle:
                actual = _actual_as_forecast(scenario.day(date))
                rows.append(_plan_night(scenario, date, actual, plans / "oracle", solver, time_limit, "oracle"))
        rows = [row for row in rows if pd.Timestamp(row["date"]) >= first]
        if policies:
            with task(f"replay: reactive caches {', '.join(policies)} over {len(dates)} days (+{warmup} warm-up)"):
                caches = replay_caches(scenario, scenario.demand, first, last, policies, warmup_days=warmup, seed=seed)
            rows.extend(_cache_rows(scenario, caches, dates))
        days = pd.DataFrame(rows, columns=list(DAY_COLUMNS))
        order = {name: i for i, name in enumerate(["proactive", "oracle", *policies])}
        days = days.sort_values(["date", "strategy"], key=lambda s: s.map(order) if s.name == "strategy" else s,
                                kind="stable").reset_index(drop=True)
        summary = round_floats({"from": f"{first:{DATE_FORMAT}}", "to": f"{last:{DATE_FORMAT}}", "days": len(dates),
                   "warmup_days": warmup, "model": model, "solver": solver, "policies": list(policies),
                   "time_limit": time_limit, "seed": seed,
                   "strategies": summarise(days)})  # as summary.json holds it
        days.to_csv(tmp / "days.csv", index=False)
        (tmp / "summary.json").write_text(dumps_json(summary))
        write_charts(days, summary, tmp)
    return Replay(days=days, summary=summary)


def write_charts(days: pd.DataFrame, summary: dict[str, Any], out: Path) -> None:
    """``hit_ratio.png`` and ``backbone.png`` (matplotlib) and ``index.html`` (plotly, self-contained).

    PNGs come from matplotlib because plotly's PNG export needs kaleido, which fetches a Chrome build
    at install time and cannot be installed offline.
    """
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

    frame = days.assign(date=pd.to_datetime(days["date"]), backbone_tb=days["backbone_gb"] / 1000.0)
    charts = (("hit_ratio", "edge_byte_hit_ratio", "Edge byte hit ratio"),
              ("backbone", "backbone_tb", "Backbone TB per day"))
    html = []
    for i, (name, column, title) in enumerate(charts):
        fig = Figure(figsize=(9, 4.5), dpi=110)
        ax = fig.add_subplot()
        plot = go.Figure()
        for strategy, group in frame.groupby("strategy", sort=False):
            ax.plot(group["date"], group[column], marker="o", markersize=3, label=str(strategy))
            plot.add_trace(go.Scatter(x=group["date"], y=group[column], mode="lines+markers", name=str(strategy)))
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.autofmt_xdate()
        fig.tight_layout()
        fig.savefig(out / f"{name}.png")
        plot.update_layout(title=title, template="plotly_white", height=420)
        html.append(plot.to_html(full_html=False, include_plotlyjs=i == 0))
    rows = "".join(
        f"<tr><td>{name}</td><td>{_fmt(v['edge_byte_hit_ratio'], '.4f')}</td><td>{v['backbone_tb']:.2f}</td>"
        f"<td>{v['fill_tb']:.2f}</td><td>{v['peak_backbone_gbps']:.2f}</td><td>{v['churn_gb'] / 1000:.2f}</td>"
        f"<td>{v['peak_link_utilisation']:.3f}</td><td>{v['backbone_tb_saved']:.2f}</td></tr>"
        for name, v in summary["strategies"].items())
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>edgefill replay {summary['from']} to "
            f"{summary['to']}</title></head><body style='font-family:sans-serif'>"
            f"<h1>Replay {summary['from']} to {summary['to']} ({summary['days']} nights)</h1>"
            f"<p>model {summary['model']}, solver {summary['solver']}</p><table border='1' cellpadding='4'>"
            "<tr><th>strategy</th><th>edge byte hit ratio</th><th>backbone TB</th><th>fill TB</th>"
            f"<th>peak backbone Gbps</th><th>churn TB</th><th>peak link utilisation</th>"
            f"<th>backbone TB saved vs origin only</th></tr>{rows}</table>"
            + "".join(html) + "<img src='hit_ratio.png'><img src='backbone.png'></body></html>")
    (out / "index.html").write_text(page)


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def _check_dates(scenario: Scenario, start: pd.Timestamp | str, end: pd.Timestamp | str) -> tuple[pd.Timestamp,
                                                                                                  pd.Timestamp]:
    try:
        first, last = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    except ValueError as err:
        raise InputError(f"replay dates {start!r}..{end!r}: expected YYYY-MM-DD") from err
    if last < first:
        raise InputError(f"--to {last:{DATE_FORMAT}} is before --from {first:{DATE_FORMAT}}")
    if first <= scenario.first_date:
        raise InputError(f"--from {first:{DATE_FORMAT}}: the first night needs demand before it; the scenario's "
                         f"demand starts {scenario.first_date:{DATE_FORMAT}}")
    if last > scenario.last_date:
        raise InputError(f"--to {last:{DATE_FORMAT}}: the scenario's demand ends {scenario.last_date:{DATE_FORMAT}}, "
                         "and each night is judged on its actual demand")
    return first, last


def replay_command(data: str | Path, start: str, end: str, out: str | Path, model: str, solver: str,
                   policies: Sequence[str], oracle: bool, time_limit: float | None = REPLAY_TIME_LIMIT,
                   seed: int = 0, warmup_days: int = WARMUP_DAYS) -> Replay:
    """``cdn replay``: load the scenario and run :func:`replay`."""
    from cdn.scenario import load_scenario

    parse_date(start, "--from")
    parse_date(end, "--to")
    return replay(load_scenario(data), start, end, out, model=model, solver=solver, policies=policies,
                  oracle=oracle, time_limit=time_limit, seed=seed, warmup_days=warmup_days)
