"""Replay page: the multi-day replay (``cdn replay``) of a directory, or a short one run here."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import charts, shared
from cdn.caches import DEFAULT_POLICIES
from cdn.errors import USER_ERRORS
from cdn.replay import replay
from cdn.scenario import DATE_FORMAT, Scenario
from forecasting import MODELS
from placement import SOLVERS

HEADERS = {"edge_byte_hit_ratio": "edge byte hit ratio", "backbone_tb": "backbone TB", "fill_tb": "fill TB",
           "peak_backbone_gbps": "peak backbone Gbps", "churn_tb": "churn TB",
           "peak_link_utilisation": "peak link utilisation (x capacity)", "backbone_tb_saved": "backbone TB saved"}


def read_replay(directory: Path) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """``summary.json`` and ``days.csv`` of a replay directory, or None when it holds no replay."""
    summary, days = directory / "summary.json", directory / "days.csv"
    if not (summary.is_file() and days.is_file()):
        return None
    content = json.loads(summary.read_text())
    return (content, pd.read_csv(days)) if "strategies" in content else None


def found_replays() -> list[Path]:
    """Replay directories under ./out (where the README's commands write), newest first."""
    out = Path.cwd() / "out"
    if not out.is_dir():
        return []
    found = [p.parent for p in out.rglob("summary.json") if read_replay(p.parent) is not None]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


@st.cache_resource(show_spinner=False, max_entries=8)
def run_replay(key: str, end: str, nights: int, model: str, solver: str, _scenario: Scenario) -> str:
    """:func:`cdn.replay.replay` of ``nights`` nights ending ``end`` into a directory kept while the app runs."""
    last = pd.Timestamp(end)
    out = Path(tempfile.mkdtemp(prefix="edgefill-replay-")) / "replay"
    replay(_scenario, last - pd.Timedelta(days=nights - 1), last, out, model=model, solver=solver,
           policies=DEFAULT_POLICIES, oracle=True, time_limit=30.0, warmup_days=3)
    return str(out)


def show(summary: dict[str, Any], days: pd.DataFrame) -> None:
    st.subheader(f"Replay {summary['from']} to {summary['to']} (model {summary.get('model')}, solver "
                 f"{summary.get('solver')})")
    table = pd.DataFrame(summary["strategies"]).T.rename_axis("strategy").reset_index()
    table = table.assign(churn_tb=pd.to_numeric(table["churn_gb"]) / 1000.0) if "churn_gb" in table else table
    shown = table[["strategy", *[c for c in HEADERS if c in table.columns]]]
    formats = {HEADERS[c]: st.column_config.NumberColumn(format="%.4f" if c == "edge_byte_hit_ratio" else "%,.1f")
               for c in HEADERS}
    st.dataframe(shown.rename(columns=HEADERS), column_config=formats,
                 hide_index=True, key="replay_table")
    st.plotly_chart(charts.replay_figure(days, "edge_byte_hit_ratio", "Edge byte hit ratio per day",
                                         "edge byte hit ratio"), key="replay_hit")
    st.plotly_chart(charts.replay_figure(days.assign(backbone_tb=days["backbone_gb"] / 1000.0), "backbone_tb",
                                         "Backbone traffic per day", "backbone TB"), key="replay_backbone")


def page() -> None:
    ctx = shared.context()
    st.title("Replay: night after night against oracle plans and reactive caches")
    found = found_replays()
    options = [*(str(p) for p in found), "another directory", "run a short replay here"]
    choice = st.radio("Replay", options, key="replay_source")
    if choice == "another directory":
        path = st.text_input("Replay directory (written by cdn replay --out DIR)", key="replay_dir")
        loaded = read_replay(Path(path)) if path else None
        if path and loaded is None:
            st.error(f"{path}: no replay there (it needs summary.json with strategies, and days.csv)")
    elif choice == "run a short replay here":
        cols = st.columns(3)
        nights = int(cols[0].number_input("Nights", 1, 14, 3, 1, key="replay_nights"))
        models, solvers = sorted(MODELS), sorted(SOLVERS)
        model = cols[1].selectbox("Model", models, index=models.index("ewma"), key="replay_model")
        solver = cols[2].selectbox("Solver", solvers, index=solvers.index("greedy"), key="replay_solver")
        loaded = None
        if st.button(f"Replay {nights} nights to {ctx.date:{DATE_FORMAT}}", key="replay_run"):
            try:
                with st.spinner(f"Replaying {nights} nights (3 warm-up): forecast, plan, simulate, caches..."):
                    path = run_replay(ctx.key, f"{ctx.date:{DATE_FORMAT}}", nights, str(model), str(solver),
                                      ctx.scenario)
            except USER_ERRORS as err:
                st.error(str(err))
                st.stop()
            loaded = read_replay(Path(path))
    else:
        loaded = read_replay(Path(choice))
    if loaded is not None:
        show(*loaded)
    elif choice != "another directory":
        st.info("No replay shown yet: write one with `cdn replay --out out/replay ...` or run a short one here.")


page()
