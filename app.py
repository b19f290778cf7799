"""edgefill what-if explorer: ``cdn app`` (or ``streamlit run app.py``) serves it.

A thin shell over :mod:`cdn.whatif` and the libraries: the sidebar picks a scenario (bundled, ``--data DIR``
or an uploaded zip) and a plan date; the pages (``app_pages/``) show the what-if against the baseline,
the forecast against actual, the forecast accuracy and the multi-day replay.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the pages import app_pages.* however the app is started
    sys.path.insert(0, str(HERE))

from app_pages import shared  # noqa: E402

st.set_page_config(page_title="edgefill explorer", layout="wide")
PAGES = [
    st.Page(HERE / "app_pages" / "whatif.py", title="What-if", url_path="whatif", default=True),
    st.Page(HERE / "app_pages" / "forecast.py", title="Forecast", url_path="forecast"),
    st.Page(HERE / "app_pages" / "accuracy.py", title="Forecast accuracy", url_path="accuracy"),
    st.Page(HERE / "app_pages" / "replay.py", title="Replay", url_path="replay"),
]
navigation = st.navigation(PAGES)
st.session_state["context"] = shared.sidebar()
navigation.run()
