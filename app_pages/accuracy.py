"""Forecast-accuracy page: rolling-origin backtests of the models (``cdn report accuracy``) on the scenario."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app_pages import charts, shared
from cdn.defaults import DEFAULT_MODELS
from cdn.errors import USER_ERRORS
from cdn.report import accuracy_report
from forecasting import MODELS

HEADERS = {"model": "model", "wape": "WAPE", "mase": "MASE", "bias": "bias", "coverage": "80% coverage",
           "hit_ratio": "hit ratio", "oracle_hit_ratio": "oracle hit ratio", "regret": "hit-ratio regret",
           "seconds": "seconds"}


@st.cache_data(show_spinner=False, max_entries=8)
def backtest(key: str, path: str, cutoffs: int, models: tuple[str, ...]) -> tuple[dict[str, Any], bytes]:
    """:func:`cdn.report.accuracy_report` into a temporary directory: its metrics and its HTML report."""
    with tempfile.TemporaryDirectory(prefix="edgefill-accuracy-") as tmp:
        payload = accuracy_report(path, Path(tmp) / "report", cutoffs=cutoffs, models=list(models))
        html = (Path(tmp) / "report" / "report.html").read_bytes()
    return payload, html


def page() -> None:
    ctx = shared.context()
    st.title("Forecast accuracy")
    st.write("Rolling-origin backtest over the scenario's last days: at each cutoff every model forecasts the next "
             "day from the demand before it. WAPE = sum |y - yhat| / sum y; MASE against seasonal naive 7; bias = "
             "(sum yhat - sum y) / sum y; coverage: share of actuals inside the 80% interval; regret: edge byte hit "
             "ratio lost by a greedy per-edge plan made from the forecast instead of the actual demand.")
    left, right = st.columns(2)
    cutoffs = int(left.number_input("Cutoffs (the last N days)", 1, 30, 4, 1, key="acc_cutoffs"))
    models = right.multiselect("Models", sorted(MODELS), default=[m for m in DEFAULT_MODELS if m != "prophet"],
                               key="acc_models")
    if not models:
        st.info("Choose at least one model.")
        return
    params = (ctx.key, cutoffs, tuple(models))
    if st.button(f"Run the backtest ({len(models)} models x {cutoffs} cutoffs)", key="acc_run"):
        st.session_state["acc_params"] = params
    if st.session_state.get("acc_params") != params:
        st.info("Each cutoff fits every chosen model once (auto and prophet take seconds to minutes on a large "
                "scenario); press the button to run it. Results stay cached while the app runs.")
        return
    try:
        with st.spinner(f"Backtesting {', '.join(models)} over {cutoffs} cutoffs..."):
            payload, html = backtest(ctx.key, str(ctx.scenario.path), cutoffs, tuple(models))
    except USER_ERRORS as err:
        st.error(str(err))
        st.stop()
    overall = pd.DataFrame(payload["overall"])
    st.dataframe(overall[[c for c in HEADERS if c in overall.columns]].rename(columns=HEADERS), hide_index=True,
                 key="acc_overall")
    deciles = pd.DataFrame(payload["decile"])
    deciles["decile"] = deciles["decile"].map(lambda d: "new" if d == 0 else f"D{d}")
    st.plotly_chart(charts.model_bars(deciles, "decile", "wape", "WAPE by popularity decile (D1: most viewed 10% "
                                      "of series; new: no views in the last 28 days)", "WAPE"), key="acc_deciles")
    st.plotly_chart(charts.model_bars(pd.DataFrame(payload["cutoff"]), "cutoff", "wape", "WAPE per cutoff",
                                      "WAPE"), key="acc_cutoff")
    st.download_button("Download the full HTML report", html, file_name="accuracy-report.html", mime="text/html",
                       key="acc_download")


page()
