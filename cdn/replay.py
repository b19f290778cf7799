"""Multi-day replay: forecast, plan and simulate night after night; proactive, hybrid and reactive side by side.

Each night D of ``start .. end``:

* ``proactive``: forecast D from demand strictly before D, plan with last night's proactive placement as
  the current state, then simulate D's actual demand on the resulting placement;
* ``naive``: the reference every plan must beat (``--solver naive``: each site the titles with the most
  bytes per GB over the last 7 days, within its disk and fill budget), with its own chain of placements;
* ``hybrid``: the same forecast planned into each edge's pinned share of its disk (:mod:`cdn.caches`:
  the split per edge re-chosen every night by a backtest over the week before it, or forced), the rest of
  each edge a demand-driven cache during the day;
* reactive caches (``lru``, ``lfu``, ``s3fifo``, ``belady``, see :mod:`cdn.caches`): every edge a
  demand-driven cache of its disk under the cache of its nearest storage site with disk;
* ``oracle``: the planner fed D's actual demand as its forecast (with its own chain of placements), the
  best a plan of one set per day can do under the same disks and fill budgets.

Cache bytes (misses and admissions, in the hour of each request) are routed from the site that served
them to get the backbone and link load.

Every strategy is warmed up on the nights before ``start`` (``warmup_days``, 7 by default, fewer when
less than a week of history would remain for the first forecast): plans chain through them and caches
fill, but only ``start .. end`` is reported, and the warm-up plans are written apart
(``warmup/<strategy>/<D>/``). Warm-up nights are planned with ``warmup_solver`` (``greedy`` by default:
they only set what the sites hold when the reported nights begin).

Every placement solve of a replay gets the gap of ``cdn plan`` (:data:`cdn.defaults.PLAN_GAP`) and a time
limit (:data:`cdn.defaults.REPLAY_TIME_LIMIT` seconds); a solve stopped at the limit still returns its
best plan (or the greedy one, status ``fallback``), which the night's row then judges.

Strategies are compared by the operator's measures (:data:`DAY_COLUMNS`): edge byte hit ratio (pooled
over days by bytes), backbone GB and peak backbone Gbps during the day (cache admissions included),
upstream GB split into the off-peak nightly fill and on-demand pulls, GB written to disks (``fill_gb``:
nightly fills plus every admission) and churn.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cdn import columns as C
from cdn.atomic import atomic_directory
from cdn.caches import (
    DEFAULT_POLICIES,
    REQUEST_BUDGET,
    Admission,
    CacheReplay,
    PinKind,
    cache_policy,
    check_admission,
    check_online,
    choose_policy,
    choose_split,
    replay_caches,
    replay_hybrid,
)
from cdn.defaults import MODES, PLAN_GAP, REPLAY_TIME_LIMIT
from cdn.errors import InputError
from cdn.progress import log, task, track
from cdn.scenario import DATE_FORMAT, Scenario, parse_date
from cdn.simulate import route_served, simulate_day
from cdn.units import dumps_json, round_floats

DAY_COLUMNS = ("date", "strategy", "edge_byte_hit_ratio", "backbone_gb", "fill_gb", "peak_backbone_gbps",
               "demand_gb", "hit_gb", "offpeak_fill_gb", "on_demand_gb", "churn_gb", "peak_link_utilisation",
               "backbone_gb_origin_only")
"""Columns of ``days.csv``: one row per (date, strategy). ``fill_gb`` is every GB written to disks,
``offpeak_fill_gb`` the part the nightly plan wrote in the fill window, ``on_demand_gb`` the GB pulled by
edge and storage sites from other sites during the day (missed views and cache admissions)."""
WARMUP_DAYS = 7
STRATEGY_ORDER = ("proactive", "hybrid", "naive", "lru", "lfu", "s3fifo", "sieve", "belady", "oracle")
"""Order of the strategies in tables and charts; each keeps its colour in :data:`COLOURS`."""
COLOURS = {"proactive": "#1f77b4", "hybrid": "#d62728", "naive": "#7f7f7f", "lru": "#ff7f0e", "lfu": "#8c564b",
           "s3fifo": "#2ca02c", "sieve": "#17becf", "belady": "#9467bd", "oracle": "#000000"}


@dataclass(frozen=True)
class Replay:
    """The outcome of :func:`replay`: ``days`` (columns :data:`DAY_COLUMNS`) and the JSON ``summary``."""

    days: pd.DataFrame
    summary: dict[str, Any]


def _row(date: pd.Timestamp, strategy: str, sim: dict[str, Any], *, fill_gb: float, offpeak_gb: float,
         on_demand_gb: float, churn_gb: float, demand_gb: float, hit_gb: float,
         origin_only_gb: float) -> dict[str, Any]:
    return {
        "date": f"{date:{DATE_FORMAT}}", "strategy": strategy,
        "edge_byte_hit_ratio": hit_gb / demand_gb if demand_gb > 0 else math.nan,
        "backbone_gb": sim["backbone_gb"], "fill_gb": fill_gb, "peak_backbone_gbps": sim["peak_backbone_gbps"],
        "demand_gb": demand_gb, "hit_gb": hit_gb, "offpeak_fill_gb": offpeak_gb, "on_demand_gb": on_demand_gb,
        "churn_gb": churn_gb, "peak_link_utilisation": sim["peak_link_utilisation"],
        "backbone_gb_origin_only": origin_only_gb,
    }


@dataclass(frozen=True)
class _Night:
    """One planned night: what the sites hold after the fill, GB filled and evicted."""

    holdings: pd.DataFrame
    fill_gb: float
    evict_gb: float


def _plan(scenario: Scenario, date: pd.Timestamp, forecast: pd.DataFrame | None, root: Path, solver: str,
          time_limit: float | None, gap: float | None, pinned: dict[str, float] | None = None,
          history_weight: float | None = None, record: dict[str, Any] | None = None) -> _Night:
    from cdn.planning import HISTORY_WEIGHT, make_plan

    result = make_plan(scenario, date, forecast, root, solver=solver, time_limit=time_limit, gap=gap,
                       pinned_share=pinned, history_weight=HISTORY_WEIGHT if history_weight is None else history_weight,
                       summary_extra=record)
    return _Night(result.holdings, result.fill_gb, result.evict_gb)


def _plan_row(scenario: Scenario, date: pd.Timestamp, strategy: str, night: _Night) -> dict[str, Any]:
    sim = simulate_day(scenario, night.holdings, scenario.day(date), fill_gb=night.fill_gb).summary
    return _row(date, strategy, sim, fill_gb=night.fill_gb, offpeak_gb=night.fill_gb,
                on_demand_gb=sim["upstream_served_gb"], churn_gb=night.fill_gb + night.evict_gb,
                demand_gb=sim["demand_gb"], hit_gb=sim["edge_hit_gb"], origin_only_gb=sim["backbone_gb_origin_only"])


def actual_as_forecast(demand: pd.DataFrame) -> pd.DataFrame:
    """A contract forecast frame whose ``yhat`` is the actual views of the demand rows ``demand`` (for the oracle:
    a perfect forecast of their days)."""
    return pd.DataFrame({C.DATE: demand[C.DATE], C.REGION: demand[C.REGION], C.TITLE: demand[C.TITLE],
                         C.YHAT: demand[C.VIEWS], C.YHAT_LOWER: demand[C.VIEWS], C.YHAT_UPPER: demand[C.VIEWS],
                         C.MODEL: "oracle"})


def cache_rows(scenario: Scenario, caches: CacheReplay, dates: list[pd.Timestamp],
               nights: dict[pd.Timestamp, _Night] | None = None) -> list[dict[str, Any]]:
    """Per (date, strategy) of a cache replay: hits, writes and on-demand GB, and the routed traffic.

    ``nights`` (hybrid) adds each night's plan: its fill is off-peak upstream traffic and disk writes,
    its fill and evictions are churn, with each edge's fill as it was written (``caches.fills``).
    """
    rows = []
    no_holdings = pd.DataFrame({C.SITE: pd.Series(dtype=str), C.TITLE: pd.Series(dtype=str)})
    origin_only = {date: simulate_day(scenario, no_holdings, scenario.day(date)).summary["backbone_gb"]
                   for date in dates}
    traffic = dict(iter(caches.traffic.groupby([C.DATE, "strategy"], sort=True)))
    per_day = dict(iter(caches.rows.groupby([C.DATE, "strategy"], sort=True)))
    refill = (caches.fills["filled_gb"] - caches.fills["planned_gb"]).groupby(caches.fills[C.DATE]).sum().to_dict()
    strategies = sorted(set(caches.rows["strategy"]) | set(caches.traffic["strategy"]))
    empty = caches.rows.iloc[:0]
    for date in dates:
        for strategy in strategies:
            group = per_day.get((date, strategy), empty)
            flow = traffic.get((date, strategy))
            sim = (route_served(scenario, flow["entry"], flow["server"], flow[C.GB], flow["hour"]) if flow is not None
                   else {"backbone_gb": 0.0, "peak_backbone_gbps": 0.0, "peak_link_utilisation": 0.0})
            night = nights[date] if nights is not None else _Night(no_holdings, 0.0, 0.0)
            if nights is not None:  # the edges' nights as written (a pin the cache held is not filled again)
                night = _Night(night.holdings, night.fill_gb + refill.get(date, 0.0), night.evict_gb)
            admitted = float(group["fill_gb"].sum())
            rows.append(_row(date, str(strategy), sim, fill_gb=night.fill_gb + admitted, offpeak_gb=night.fill_gb,
                             on_demand_gb=float(group["on_demand_gb"].sum()),
                             churn_gb=night.fill_gb + night.evict_gb + admitted,
                             demand_gb=float(group["demand_gb"].sum()), hit_gb=float(group["hit_gb"].sum()),
                             origin_only_gb=origin_only[date]))
    return rows


def summarise(days: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """Totals per strategy: hit ratio pooled by bytes, sums of GB, peaks as maxima."""
    out: dict[str, dict[str, float | None]] = {}
    for strategy, group in days.groupby("strategy", sort=False):
        demand = float(group["demand_gb"].sum())
        backbone = float(group["backbone_gb"].sum())
        origin_only = float(group["backbone_gb_origin_only"].sum())
        fill = float(group["fill_gb"].sum())
        out[str(strategy)] = {
            "edge_byte_hit_ratio": float(group["hit_gb"].sum()) / demand if demand > 0 else None,
            "backbone_gb": backbone,
            "fill_gb": fill,
            "peak_backbone_gbps": float(group["peak_backbone_gbps"].max()),
            "demand_gb": demand,
            "offpeak_fill_gb": float(group["offpeak_fill_gb"].sum()),
            "on_demand_gb": float(group["on_demand_gb"].sum()),
            "backbone_tb": backbone / 1000.0,
            "fill_tb": fill / 1000.0,
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
    model: str | None = None,
    solver: str = "greedy",
    policies: Sequence[str] = DEFAULT_POLICIES,
    oracle: bool = True,
    time_limit: float | None = REPLAY_TIME_LIMIT,
    gap: float | None = PLAN_GAP,
    seed: int = 0,
    warmup_days: int = WARMUP_DAYS,
    warmup_solver: str | None = "greedy",
    modes: Sequence[str] = MODES,
    pinned_share: float | None = None,
    cache: str | None = None,
    admission: Admission = "all",
    budget: int | None = REQUEST_BUDGET,
    scheduler: str | None = None,
) -> Replay:
    """Replay the nights ``start .. end``: proactive, hybrid, reactive caches and oracle plans, then write it all.

    Parameters
    ----------
    scenario : Scenario
        The loaded scenario; its demand must cover ``start .. end`` and begin before ``start``.
    start, end : Timestamp or str
        First and last replayed day (inclusive).
    out : str or Path
        Output directory, replaced atomically: ``summary.json``, ``days.csv``, ``plans/<strategy>/<D>/``
        (reported nights), ``warmup/<strategy>/<D>/`` (warm-up nights), ``hit_ratio.png``,
        ``backbone.png``, ``peak_backbone.png``, ``hit_vs_writes.png``, ``index.html``.
    model : str or None
        Forecast model (see :func:`forecasting.forecast`) of every plan; None: ``auto`` for the proactive plans and
        ``ewma`` for the hybrid's pins (:func:`cdn.planning.forecast_model`).
    solver : str
        Placement solver of the reported nights (see :func:`placement.solve`).
    policies : sequence of str
        Reactive cache policies (see :data:`cdn.caches.POLICIES`), run when ``modes`` has ``reactive``.
    oracle : bool
        Also plan from the actual demand of each day (with ``proactive`` in ``modes``).
    time_limit, gap : float or None
        Seconds and relative gap at which each placement solve stops; ``None``: no time limit, and
        :func:`placement.solve`'s default gap.
    seed : int
        Seed of the forecasts and of the cache request streams.
    warmup_days : int
        Nights before ``start`` run but not reported (at most as many as leave 7 days of history).
    warmup_solver : str or None
        Solver of the warm-up nights; ``None`` uses ``solver``.
    modes : sequence of str
        Strategy families to run (:data:`MODES`).
    pinned_share : float or None
        Force every edge's pinned share in hybrid mode; ``None`` re-chooses it per edge every night by
        backtest (:func:`cdn.caches.choose_split` over the week before the night).
    cache : str or None
        Cache policy of the hybrid's caches (edges and storage sites); ``None`` chooses it on the first night
        (:func:`cdn.caches.choose_policy`, over the four weeks before it) and keeps it.
    admission : {"all", "second"}
        Admission rule of the hybrid edges' caches.
    budget : int or None
        Requests per (edge, day) of the cache replays (see :func:`cdn.caches.request_streams`).
    scheduler : str or None
        Address of a Dask scheduler for the nightly forecasts' model fits; None uses the local cores.

    Returns
    -------
    Replay

    Raises
    ------
    InputError
        Dates outside the scenario's demand, ``end`` before ``start``, unknown mode, cache policy or
        admission rule, a pinned share outside [0, 1].
    """
    from cdn.forecast import forecast_scenario
    from cdn.planning import forecast_model

    first, last = _check_dates(scenario, start, end)
    for name in policies:
        cache_policy(name)
    if cache:
        check_online(cache)
    check_admission(admission)
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise InputError(f"--mode {', '.join(unknown) or '(none)'}: valid modes are {', '.join(MODES)}")
    if pinned_share is not None and not 0.0 <= pinned_share <= 1.0:
        raise InputError(f"--pinned-share {pinned_share}: expected a share in [0, 1]")
    if warmup_days < 0:
        raise InputError(f"--warmup {warmup_days}: expected 0 or more nights")
    if budget is not None and budget < 1:
        raise InputError(f"--request-budget {budget}: expected at least 1 request per edge and day")
    models = {mode: forecast_model(model, mode) for mode in ("proactive", "hybrid")}
    dates = list(pd.date_range(first, last, freq="D"))
    warmup = max(0, min(warmup_days, (first - scenario.first_date).days - 7))
    nights = list(pd.date_range(first - pd.Timedelta(days=warmup), last, freq="D"))
    planned = "proactive" in modes
    with_oracle = oracle and planned
    edges = scenario.sites.loc[scenario.sites[C.TIER] == C.EDGE, C.SITE].astype(str).tolist()
    shares: dict[pd.Timestamp, dict[str, float]] = {}  # night -> edge -> pinned share
    kinds: dict[pd.Timestamp, dict[str, PinKind]] = {}  # night -> edge -> pin kind
    hybrid_cache = cache
    policy_backtest = pd.DataFrame()
    backtests: list[pd.DataFrame] = []
    rows: list[dict[str, Any]] = []
    if "hybrid" in modes and pinned_share is None:
        log("replay: each hybrid edge's pinned share re-chosen every night by a backtest over the week before it")
    hybrid_nights: dict[pd.Timestamp, _Night] = {}
    with atomic_directory(out, overwrite=True, mark=True) as tmp:
        plans = tmp / "plans"
        if planned or "hybrid" in modes:
            for date in track(nights, f"replay: forecast, plan and simulate {len(nights)} nights ({warmup} warm-up)"):
                night_solver = solver if date >= first or warmup_solver is None else warmup_solver
                frames = {name: forecast_scenario(scenario, date, model=name, scheduler=scheduler, seed=seed)
                          for name in {models[m] for m in modes if m in models}}
                frame = frames.get(models["proactive"])
                if planned:
                    night = _plan(scenario, date, frame, plans / "proactive", night_solver, time_limit, gap)
                    rows.append(_plan_row(scenario, date, "proactive", night))
                    night = _plan(scenario, date, None, plans / "naive", "naive", time_limit, gap)
                    rows.append(_plan_row(scenario, date, "naive", night))
                if "hybrid" in modes:
                    if hybrid_cache is None:  # chosen on the first night and kept: a cache keeps its content
                        hybrid_cache, policy_backtest = choose_policy(scenario, date, seed=seed, budget=budget)
                    if pinned_share is not None:
                        shares[date] = {site: float(pinned_share) for site in edges}
                        kinds[date] = {site: "hard" for site in edges}
                    else:  # re-chosen every night on the week before it
                        shares[date], _, kinds[date], table = choose_split(
                            scenario, date, policies=(hybrid_cache,), admission=admission, seed=seed, budget=budget)
                        if date >= first:
                            backtests.append(table.assign(date=f"{date:{DATE_FORMAT}}"))
                    hybrid_nights[date] = _plan(scenario, date, frames[models["hybrid"]], plans / "hybrid",
                                                night_solver, time_limit, gap, pinned=shares[date], record={
                                                    "mode": "hybrid", "pinned_share": shares[date],
                                                    "pinned_share_forced": pinned_share is not None,
                                                    "cache_policy": {site: hybrid_cache for site in edges},
                                                    "pins": kinds[date],
                                                    "admission": admission})
                if with_oracle:  # planned from the actual demand alone
                    actual = actual_as_forecast(scenario.day(date))
                    night = _plan(scenario, date, actual, plans / "oracle", night_solver, time_limit, gap,
                                  history_weight=0.0)
                    rows.append(_plan_row(scenario, date, "oracle", night))
            _move_warmup(plans, tmp / "warmup", [d for d in nights if d < first])
        rows = [row for row in rows if pd.Timestamp(row["date"]) >= first]
        if "hybrid" in modes:
            with task(f"replay: hybrid edges ({hybrid_cache} caches, admission "
                      f"{admission}) over {len(dates)} days (+{warmup} warm-up)"):
                hybrid = replay_hybrid(scenario, scenario.demand, first, last,
                                       [hybrid_nights[d].holdings for d in nights],
                                       {site: [shares[d][site] for d in nights] for site in edges},
                                       policy=str(hybrid_cache),
                                       pins={site: [kinds[d][site] for d in nights] for site in edges},
                                       admission=admission, warmup_days=warmup, seed=seed, budget=budget)
            rows.extend(cache_rows(scenario, hybrid, dates, hybrid_nights))
        reactive = list(policies) if "reactive" in modes else []
        if reactive:
            with task(f"replay: reactive caches {', '.join(reactive)} over {len(dates)} days (+{warmup} warm-up)"):
                caches = replay_caches(scenario, scenario.demand, first, last, reactive, warmup_days=warmup,
                                       seed=seed, budget=budget)
            rows.extend(cache_rows(scenario, caches, dates))
        days = pd.DataFrame(rows, columns=list(DAY_COLUMNS))
        order = {name: i for i, name in enumerate(STRATEGY_ORDER)}
        days = days.sort_values(["date", "strategy"],
                                key=lambda s: s.map(lambda v: order.get(v, len(order))) if s.name == "strategy" else s,
                                kind="stable").reset_index(drop=True)
        summary = round_floats({
            "from": f"{first:{DATE_FORMAT}}", "to": f"{last:{DATE_FORMAT}}", "days": len(dates),
            "warmup_days": warmup, "model": models["proactive"], "solver": solver,
            "warmup_solver": warmup_solver or solver, "gap": gap, "time_limit": time_limit,
            "modes": list(modes), "policies": reactive, "seed": seed, "request_budget": budget,
            "hybrid": ({"model": models["hybrid"], "cache": hybrid_cache,
                        "cache_backtest": policy_backtest.to_dict("records"),
                        "admission": admission,
                        "pinned_share": {f"{d:{DATE_FORMAT}}": split for d, split in shares.items()},
                        "pins": {f"{d:{DATE_FORMAT}}": kind for d, kind in kinds.items()},
                        "pinned_share_forced": pinned_share is not None,
                        "backtest": pd.concat(backtests, ignore_index=True).to_dict("records") if backtests else []}
                       if "hybrid" in modes else None),
            "strategies": summarise(days)})  # as summary.json holds it
        days.to_csv(tmp / "days.csv", index=False)
        (tmp / "summary.json").write_text(dumps_json(summary))
        write_charts(days, summary, tmp)
    return Replay(days=days, summary=summary)


def _move_warmup(plans: Path, target: Path, warmup_nights: list[pd.Timestamp]) -> None:
    """Move the warm-up nights' plan directories from ``plans/<strategy>/`` to ``target/<strategy>/``."""
    for night in warmup_nights:
        for source in sorted(plans.glob(f"*/{night:{DATE_FORMAT}}")):
            dest = target / source.parent.name
            dest.mkdir(parents=True, exist_ok=True)
            shutil.move(source, dest / source.name)


_CHARTS = (("hit_ratio", "edge_byte_hit_ratio", "Edge byte hit ratio per day", "edge byte hit ratio (share of bytes)"),
           ("backbone", "backbone_tb", "Backbone traffic per day (cache admissions included)", "backbone (TB per day)"),
           ("peak_backbone", "peak_backbone_gbps", "Peak-hour backbone rate per day", "peak-hour backbone (Gbps)"))


def write_charts(days: pd.DataFrame, summary: dict[str, Any], out: Path) -> None:
    """PNG charts (matplotlib) and ``index.html`` (plotly, self-contained): each chart rendered once.

    Daily charts have one tick per day, labelled axes with units, y axes from zero, the legend beside
    the plot and one colour per strategy (:data:`COLOURS`); ``hit_vs_writes`` plots each strategy's pooled
    hit ratio against its GB written to disks. PNGs come from matplotlib because plotly's PNG export
    needs kaleido, which fetches a Chrome build at install time and cannot be installed offline.
    """
    import matplotlib.dates as mdates
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

    frame = days.assign(date=pd.to_datetime(days["date"]), backbone_tb=days["backbone_gb"] / 1000.0)
    html = []
    for i, (name, column, title, label) in enumerate(_CHARTS):
        fig = Figure(figsize=(10, 4.5), dpi=110)
        ax = fig.add_subplot()
        plot = go.Figure()
        for strategy, group in frame.groupby("strategy", sort=False):
            colour = COLOURS.get(str(strategy), "#bcbd22")
            ax.plot(group["date"], group[column], marker="o", markersize=3, label=str(strategy), color=colour)
            plot.add_trace(go.Scatter(x=group["date"], y=group[column], mode="lines+markers", name=str(strategy),
                                      line={"color": colour}))
        top = float(frame[column].max()) if len(frame) else 1.0
        ax.set_ylim(0, 1.0 if column == "edge_byte_hit_ratio" else max(top * 1.08, 1e-9))
        ax.set_title(title)
        ax.set_xlabel("date (one tick per day)")
        ax.set_ylabel(label)
        if len(frame):  # half a day either side, so a one-day replay gets one tick, not matplotlib's default span
            ax.set_xlim(frame["date"].min() - pd.Timedelta(hours=12), frame["date"].max() + pd.Timedelta(hours=12))
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, math.ceil(summary["days"] / 21))))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        fig.autofmt_xdate()
        fig.tight_layout()
        fig.savefig(out / f"{name}.png")
        plot.update_layout(title=title, template="plotly_white", height=420, xaxis_title="date",
                           yaxis_title=label, yaxis_rangemode="tozero",
                           xaxis={"tickformat": "%Y-%m-%d", "dtick": 86_400_000.0})
        if column == "edge_byte_hit_ratio":
            plot.update_yaxes(range=[0, 1])
        html.append(plot.to_html(full_html=False, include_plotlyjs=i == 0))
    html.append(_writes_chart(summary, out).to_html(full_html=False, include_plotlyjs=False))
    rows = "".join(
        f"<tr><td>{name}</td><td>{_fmt(v['edge_byte_hit_ratio'], '.4f')}</td><td>{v['backbone_tb']:,.2f}</td>"
        f"<td>{v['peak_backbone_gbps']:,.2f}</td><td>{v['offpeak_fill_gb'] / 1000:,.2f}</td>"
        f"<td>{v['on_demand_gb'] / 1000:,.2f}</td><td>{v['fill_tb']:,.2f}</td><td>{v['churn_gb'] / 1000:,.2f}</td>"
        f"<td>{v['peak_link_utilisation']:,.3f}</td><td>{v['backbone_tb_saved']:,.2f}</td></tr>"
        for name, v in summary["strategies"].items())
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>edgefill replay {summary['from']} to "
            f"{summary['to']}</title><style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}"
            "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}</style></head><body>"
            f"<h1>Replay {summary['from']} to {summary['to']} ({summary['days']} nights, "
            f"{summary['warmup_days']} warm-up)</h1>"
            f"<p>Forecast model {summary['model']}, solver {summary['solver']}.</p><table>"
            "<tr><th>Strategy</th><th>Edge byte hit ratio</th><th>Backbone (TB)</th><th>Peak backbone (Gbps)</th>"
            "<th>Off-peak fill (TB)</th><th>On-demand upstream (TB)</th><th>Disk writes (TB)</th><th>Churn (TB)</th>"
            f"<th>Peak link utilisation (x capacity)</th><th>Backbone saved vs origin only (TB)</th></tr>{rows}</table>"
            + "".join(html) + "</body></html>")
    (out / "index.html").write_text(page)


def _writes_chart(summary: dict[str, Any], out: Path) -> Any:
    """``hit_vs_writes.png`` and its plotly twin: pooled hit ratio against TB written to disks."""
    import plotly.graph_objects as go
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5), dpi=110)
    ax = fig.add_subplot()
    plot = go.Figure()
    title = "Edge byte hit ratio against disk writes (pooled over the replayed days)"
    for k, (name, v) in enumerate(summary["strategies"].items()):
        if v["edge_byte_hit_ratio"] is None:
            continue
        colour = COLOURS.get(name, "#bcbd22")
        ax.scatter([v["fill_tb"]], [v["edge_byte_hit_ratio"]], color=colour, label=name, s=40)
        ax.annotate(name, (v["fill_tb"], v["edge_byte_hit_ratio"]), textcoords="offset points",
                    xytext=(6, 6 if k % 2 == 0 else -12), fontsize=8)  # alternate so close points stay legible
        plot.add_trace(go.Scatter(x=[v["fill_tb"]], y=[v["edge_byte_hit_ratio"]], mode="markers", name=name,
                                  marker={"color": colour, "size": 10}))  # named by the legend: labels overlap
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_ylim(0, 1)
    ax.set_xlabel("written to disks (TB: nightly fills + cache admissions; log scale)")
    ax.set_ylabel("edge byte hit ratio (share of bytes)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "hit_vs_writes.png")
    plot.update_layout(title=title, template="plotly_white", height=460,
                       xaxis={"title": "written to disks (TB, log scale)", "type": "log"},
                       yaxis={"title": "edge byte hit ratio", "range": [0, 1]})
    return plot


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


def replay_command(data: str | Path, start: str, end: str, out: str | Path, **options: Any) -> Replay:
    """``cdn replay``: load the scenario and run :func:`replay` with ``options``."""
    from cdn.scenario import load_scenario

    parse_date(start, "--from")
    parse_date(end, "--to")
    return replay(load_scenario(data), start, end, out, **options)
