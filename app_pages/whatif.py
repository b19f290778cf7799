"""What-if page: the knobs, the KPIs against the unchanged baseline, the network map, sites and the fill plan."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from app_pages import charts, shared
from cdn import columns as C
from cdn import whatif
from cdn.scenario import DATE_FORMAT
from forecasting import MODELS
from placement import SOLVERS

DEFAULT = whatif.Knobs()  # the baseline's knobs: every widget starts there
VIEWS = ("Network map", "Sites", "Links", "Fill plan")  # shown one at a time: only the chosen one is sent
LOWER_IS_BETTER = {"backbone_tb", "peak_backbone_gbps", "peak_link_utilisation", "fill_gb", "evict_gb", "unserved_gb"}
FORMATS = {"edge_byte_hit_ratio": "{:.3f}", "backbone_tb": "{:,.2f}", "peak_backbone_gbps": "{:,.2f}",
           "peak_link_utilisation": "{:,.2f}", "fill_gb": "{:,.0f}", "evict_gb": "{:,.0f}", "unserved_gb": "{:,.0f}"}


def _choice(label: str, options: list[str] | tuple[str, ...], default: str, key: str, help_text: str) -> str:
    options = list(options)
    return str(st.sidebar.selectbox(label, options, index=options.index(default) if default in options else 0, key=key,
                            help=help_text, disabled=len(options) == 1))


def knobs_sidebar(ctx: shared.Context) -> whatif.Knobs:
    """Draw the knobs in the sidebar and return them."""
    scn = ctx.scenario
    side = st.sidebar
    side.header("Capacity")
    edge_disk = side.number_input("Edge disk x", 0.0, 10.0, 1.0, 0.1, key="edge_disk",
                                  help="Multiplier on every edge site's disk_gb.")
    storage_disk = side.number_input("Storage disk x", 0.0, 10.0, 1.0, 0.1, key="storage_disk",
                                     help="Multiplier on every storage site's disk_gb.")
    window = side.number_input("Fill window, hours", 0.5, 24.0, float(scn.settings["fill_window_hours"]), 0.5,
                               key="fill_window", help="Length of the nightly fill window (settings.json).")
    rate = side.number_input("Fill rate x", 0.05, 10.0, 1.0, 0.05, key="fill_rate",
                             help="Multiplier on every site's fill_gbps (unlimited stays unlimited).")
    side.header("Demand")
    growth = side.number_input("Demand growth %", -90.0, 500.0, 0.0, 5.0, key="growth",
                               help="The plan date's views x (1 + growth / 100), expected by the plan (its forecast "
                                    "grows alike) and in the actual demand.")
    day = scn.day(ctx.date)
    by_title = day.groupby(C.TITLE, observed=True)[C.VIEWS].sum().sort_values(ascending=False)
    titles = by_title.index.astype(str).tolist() or scn.catalog[C.TITLE].astype(str).tolist()
    hit_title = side.selectbox("Surprise hit: title", titles, key="hit_title",
                               help="Titles by views on the plan date, most viewed first.")
    hit_regions = side.multiselect("Surprise hit: regions", sorted(scn.region_site()), key="hit_regions")
    hit_factor = side.number_input("Surprise hit: views x", 0.0, 1000.0, 1.0, 1.0, key="hit_factor",
                                   help="The title's views on the plan date in those regions, multiplied; the "
                                        "forecast did not see it coming.")
    side.header("Failures on the day")
    links = sorted(f"{a}--{b}" for a, b in (sorted(e) for e in scn.graph.edges))
    failures = side.multiselect("Failed sites or links", [*sorted(scn.sites[C.SITE].astype(str)), *links],
                                key="failures", help="Removed after the fill, before the day's demand is routed.")
    side.header("Method")
    model = _choice("Forecast model", sorted(MODELS), DEFAULT.model, "model", "forecasting.MODELS")
    solver = _choice("Solver", sorted(SOLVERS), DEFAULT.solver, "solver", "greedy answers in well under a second; "
                     "highs solves the integer program up to the time limit.")
    time_limit = side.number_input("Time limit, s", 1.0, 600.0, DEFAULT.time_limit, 5.0, key="time_limit")
    objective = _choice("Objective", whatif.OBJECTIVES, DEFAULT.objective, "objective", "Placement objective.")
    mode = _choice("Mode", whatif.MODES, DEFAULT.mode, "mode", "How the edge disks are filled.")
    chosen = side.checkbox("Pinned share chosen per edge by backtest", True, key="pinned_chosen",
                           disabled=mode != "hybrid")
    pinned = side.slider("Pinned share (hybrid)", 0.0, 1.0, 0.8, 0.05, key="pinned",
                         disabled=mode != "hybrid" or chosen)
    hit = whatif.Hit(str(hit_title), tuple(hit_regions), float(hit_factor)) if hit_regions and hit_factor != 1 else None
    default_window = float(scn.settings["fill_window_hours"])
    return whatif.Knobs(edge_disk=float(edge_disk), storage_disk=float(storage_disk),
                        fill_window_hours=None if float(window) == default_window else float(window),
                        fill_rate=float(rate), growth_pct=float(growth), hit=hit, failures=tuple(failures),
                        model=model, solver=solver, time_limit=float(time_limit), objective=objective, mode=mode,
                        pinned_share=None if chosen else float(pinned))


def _delta(key: str, table: pd.DataFrame) -> str | None:
    row = table.set_index("kpi").loc[key]
    if row["delta"] == 0:
        return None
    pct = "" if math.isnan(row["delta_pct"]) else f" ({row['delta_pct']:+.1f}%)"
    return FORMATS[key].replace("{:", "{:+").format(row["delta"]) + pct


def kpi_row(table: pd.DataFrame) -> None:
    """The KPIs as metrics with their deltas against the baseline."""
    columns = st.columns(len(table))
    for col, row in zip(columns, table.itertuples(index=False), strict=True):
        col.metric(row.label, FORMATS[row.kpi].format(row.what_if), _delta(row.kpi, table),
                   delta_color="inverse" if row.kpi in LOWER_IS_BETTER else "normal")


def page() -> None:
    ctx = shared.context()
    knobs = knobs_sidebar(ctx)
    date = f"{ctx.date:{DATE_FORMAT}}"
    st.title(f"What if: {ctx.label}, {date}")
    baseline = shared.run(ctx, whatif.Knobs())
    result = shared.run(ctx, knobs)
    table = whatif.compare(baseline.kpis, result.kpis)
    kpi_row(table)
    p = result.plan
    gap = "n/a" if p.gap is None else f"{100 * p.gap:.2f}%"
    st.caption(f"Plan {p.status} ({p.solver}), gap to bound {gap}, solved in {p.seconds:.1f} s; baseline: every "
               "knob at its default. Judged on the date's actual demand"
               + (f"; failed: {', '.join(knobs.failures)}" if knobs.failures else "")
               + (f"; note: {p.reason}" if p.reason else ""))
    number = st.column_config.NumberColumn(format="%,.4f")
    st.dataframe(table.drop(columns="kpi").rename(columns={"what_if": "what-if", "delta_pct": "delta %",
                                                           "label": "KPI"}),
                 column_config={"baseline": number, "what-if": number, "delta": number,
                                "delta %": st.column_config.NumberColumn(format="%,.2f")},
                 hide_index=True, key="kpi_table")
    sites = whatif.site_table(baseline.simulation, result.simulation)
    links = whatif.link_utilisation(result.simulation)
    _, archive = shared.plan(ctx.key, date, knobs.plan_part(), ctx.scenario)
    actions = p.plan[C.ACTION].value_counts()
    st.download_button(f"Download the fill plan: {int(actions.get(C.ADD, 0)):,} titles to fill ({p.fill_gb:,.0f} GB), "
                       f"{int(actions.get(C.KEEP, 0)):,} kept, {int(actions.get(C.EVICT, 0)):,} evicted "
                       f"({p.evict_gb:,.0f} GB); zip of <date>/placement.csv and summary.json", archive,
                       file_name=f"edgefill-plan-{date}.zip", mime="application/zip", key="download_plan")
    view = st.radio("Show", VIEWS, horizontal=True, key="view", label_visibility="collapsed")
    if view == "Network map":
        where = charts.positions(ctx.scenario.sites, ctx.scenario.graph)
        title = "Network on the day: edge byte hit ratio per edge site, peak-hour link utilisation"
        st.plotly_chart(charts.network_map(sites, links, where, title), key="map")
    elif view == "Sites":
        st.dataframe(sites.rename(columns=lambda c: c.replace("_", " ")), hide_index=True, key="sites")
    elif view == "Links":
        st.dataframe(links.sort_values("utilisation", ascending=False).rename(columns=lambda c: c.replace("_", " ")),
                     hide_index=True, key="links")
    else:
        st.dataframe(p.plan, hide_index=True, key="plan_rows")

page()
