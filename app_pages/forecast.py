"""Forecast page: the forecast against the actual views, with recent history and the 80% interval band."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import charts, shared
from cdn import columns as C
from cdn.errors import USER_ERRORS
from cdn.forecast import forecast_scenario
from cdn.scenario import DATE_FORMAT, Scenario
from forecasting import MODELS

HORIZON = 7
HISTORY = 28


@st.cache_data(show_spinner=False, max_entries=16)
def week_forecast(key: str, date: str, model: str, _scenario: Scenario) -> pd.DataFrame:
    """Forecast of the 7 days from ``date`` (demand before it only), keyed on the scenario's content."""
    return forecast_scenario(_scenario, pd.Timestamp(date), horizon=HORIZON, model=model)


def page() -> None:
    ctx = shared.context()
    scn = ctx.scenario
    date = f"{ctx.date:{DATE_FORMAT}}"
    st.title(f"Forecast against actual, from {date}")
    models = sorted(MODELS)
    model = st.selectbox("Model", models, index=models.index("auto"), key="fc_model")
    try:
        with st.spinner(f"Forecasting {HORIZON} days from {date} with {model}..."):
            frame = week_forecast(ctx.key, date, str(model), scn)
    except USER_ERRORS as err:
        st.error(str(err))
        st.stop()
    first_day = frame[frame[C.DATE] == ctx.date]
    regions = first_day.groupby(C.REGION, observed=True)[C.YHAT].sum().sort_values(ascending=False).index.astype(str)
    region = st.selectbox("Region", list(regions), key="fc_region")
    in_region = first_day[first_day[C.REGION] == region].sort_values(C.YHAT, ascending=False)
    titles = in_region[C.TITLE].astype(str).tolist()
    chosen = st.multiselect("Titles (by forecast views on the date)", titles, default=titles[:3], key="fc_titles")
    st.caption(f"Forecast made from the demand before {date} only; black: actual views, the days before and, where "
               f"the scenario has them, the {HORIZON} forecast days; band: the model's 80% interval.")
    start = ctx.date - pd.Timedelta(days=HISTORY)
    end = ctx.date + pd.Timedelta(days=HORIZON - 1)
    demand = scn.demand[(scn.demand[C.DATE] >= start) & (scn.demand[C.DATE] <= end) & (scn.demand[C.REGION] == region)]
    days = pd.DataFrame({C.DATE: pd.date_range(start, min(end, scn.last_date), freq="D")})
    for title in chosen:
        actual = demand[demand[C.TITLE] == title][[C.DATE, C.VIEWS]]
        actual = days.merge(actual, on=C.DATE, how="left").fillna({C.VIEWS: 0.0})  # absent rows are zero views
        series = frame[(frame[C.REGION] == region) & (frame[C.TITLE] == title)].sort_values(C.DATE)
        st.plotly_chart(charts.forecast_figure(actual, series, f"{title} in {region}", ctx.date), key=f"fc_{title}")


page()
