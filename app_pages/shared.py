"""What every page of the explorer shares: the scenario picker, the plan date and the cached library calls.

Caching follows the dependencies of :mod:`cdn.whatif`: a scenario is loaded once per content
(``st.cache_resource``, keyed on :func:`cdn.whatif.fingerprint`); its forecast depends on the date and
:meth:`~cdn.whatif.Knobs.forecast_part`, its plan on :meth:`~cdn.whatif.Knobs.plan_part`, and only the
cheap measurement depends on the surprise hit and the failures (``st.cache_data``, keyed on the content
hash, never on the frames themselves).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from cdn import whatif
from cdn.errors import USER_ERRORS
from cdn.scenario import DATE_FORMAT, Scenario, load_scenario
from cdn.simulate import Simulation
from placement import PlacementResult

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = {"demo (GEANT, 12 regions, 2,000 titles)": ROOT / "data" / "demo",
           "movietweetings (Abilene, 11 regions, real ratings)": ROOT / "data" / "movietweetings"}
UPLOAD = "Upload a zipped scenario"
HISTORY_DAYS = 7
"""Days of demand a plan date needs before it (the forecast models' weekly season)."""


@dataclass(frozen=True)
class Context:
    """The scenario and date every page works on."""

    scenario: Scenario
    key: str
    label: str
    date: pd.Timestamp


# ------------------------------------------------------------------------------------------------
# cached library calls
# ------------------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False)
def _fingerprint(path: str, stamp: tuple[tuple[str, int, int], ...]) -> str:
    return whatif.fingerprint(path)


def content_key(path: Path) -> str:
    """The content hash of a scenario directory, recomputed only when a file's size or time changes."""
    stamp = tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in path.iterdir() if p.is_file()))
    return _fingerprint(str(path), stamp)


@st.cache_resource(show_spinner="Loading and checking the scenario...", max_entries=4)
def load(path: str, key: str) -> Scenario:
    """The loaded scenario of a directory whose content hash is ``key``."""
    return load_scenario(path)


@st.cache_resource(show_spinner="Unpacking and checking the upload...", max_entries=4)
def unpack(key: str, _data: bytes) -> Scenario:
    """An uploaded zip unpacked into a directory of its own (kept while the app runs) and loaded."""
    return whatif.unpack_scenario(_data, tempfile.mkdtemp(prefix=f"edgefill-upload-{key[:12]}-"))


@st.cache_data(show_spinner=False, max_entries=32)
def forecast(key: str, date: str, knobs: whatif.Knobs, _scenario: Scenario) -> pd.DataFrame:
    """:func:`cdn.whatif.forecast_step`, keyed on the scenario's content and the forecast's knobs."""
    return whatif.forecast_step(_scenario, pd.Timestamp(date), knobs)


@st.cache_data(show_spinner=False, max_entries=32)
def plan(key: str, date: str, knobs: whatif.Knobs, _scenario: Scenario) -> tuple[PlacementResult, bytes]:
    """:func:`cdn.whatif.plan_step` on the cached forecast."""
    frame = forecast(key, date, knobs.forecast_part(), _scenario)
    return whatif.plan_step(_scenario, pd.Timestamp(date), frame, knobs)


@st.cache_data(show_spinner=False, max_entries=64)
def outcome(key: str, date: str, knobs: whatif.Knobs, _scenario: Scenario) -> whatif.Outcome:
    """The night under ``knobs``: cached forecast and plan, then :func:`cdn.whatif.measure_step`."""
    result, _ = plan(key, date, knobs.plan_part(), _scenario)
    simulation: Simulation = whatif.measure_step(_scenario, pd.Timestamp(date), result, knobs)
    return whatif.Outcome(date=pd.Timestamp(date), knobs=knobs, plan=result, simulation=simulation,
                          kpis=whatif.kpis(result, simulation))


def run(ctx: Context, knobs: whatif.Knobs) -> whatif.Outcome:
    """:func:`outcome` with a spinner that says which step runs, and user errors shown, not raised."""
    date = f"{ctx.date:{DATE_FORMAT}}"
    try:
        with st.spinner(f"Forecasting {date} ({knobs.model})..."):
            forecast(ctx.key, date, knobs.forecast_part(), ctx.scenario)
        with st.spinner(f"Planning the fill ({knobs.solver}, up to {knobs.time_limit:.0f} s)..."):
            plan(ctx.key, date, knobs.plan_part(), ctx.scenario)
        with st.spinner("Simulating the day..."):
            return outcome(ctx.key, date, knobs, ctx.scenario)
    except USER_ERRORS as err:
        st.error(str(err))
        st.stop()
        raise  # st.stop() raises; this keeps type checkers informed


# ------------------------------------------------------------------------------------------------
# the sidebar every page shows
# ------------------------------------------------------------------------------------------------
def _sources() -> dict[str, Path | None]:
    sources: dict[str, Path | None] = {}
    given = os.environ.get(whatif.APP_DATA_ENV)
    if given:
        sources[f"{Path(given).name} (--data {given})"] = Path(given)
    sources.update({label: path for label, path in BUNDLED.items() if path.is_dir()})
    sources[UPLOAD] = None
    return sources


def sidebar() -> Context:
    """Draw the scenario picker and the date; stop the page with the loader's message on a bad scenario."""
    st.sidebar.title("edgefill explorer")
    sources = _sources()
    label = st.sidebar.selectbox("Scenario", list(sources), key="source")
    path = sources[label]
    try:
        if path is None:
            upload = st.sidebar.file_uploader(
                f"Zipped scenario directory (at most {whatif.MAX_UPLOAD_BYTES // 1024**2} MB)", type=["zip"],
                key="upload")
            if upload is None:
                st.info("Upload a zip of a scenario directory (catalog.csv, sites.csv, links.csv, demand.csv or "
                        "demand.parquet, optional settings.json and placement.csv; docs/data-contract.md).")
                st.stop()
            data = upload.getvalue()
            key = hashlib.sha256(data).hexdigest()
            scenario = unpack(key, data)
            label = upload.name
        else:
            key = content_key(path)
            scenario = load(str(path), key)
            label = path.name
    except USER_ERRORS as err:
        st.error(f"This scenario cannot be used:\n\n```\n{err}\n```")
        st.stop()
    first = scenario.first_date + pd.Timedelta(days=HISTORY_DAYS)
    if first > scenario.last_date:
        st.error(f"{label}: demand from {scenario.first_date:%Y-%m-%d} to {scenario.last_date:%Y-%m-%d}; the "
                 f"explorer needs at least {HISTORY_DAYS + 1} days (history before the plan date, and its actual)")
        st.stop()
    picked = st.sidebar.date_input("Plan date (judged on its actual demand)", value=scenario.last_date.date(),
                                   min_value=first.date(), max_value=scenario.last_date.date(), key="date")
    st.sidebar.caption(f"{len(scenario.sites)} sites, {len(scenario.catalog):,} titles, demand "
                       f"{scenario.first_date:%Y-%m-%d} to {scenario.last_date:%Y-%m-%d}")
    return Context(scenario=scenario, key=key, label=label, date=pd.Timestamp(picked))


def context() -> Context:
    """The context app.py drew in the sidebar for this run."""
    ctx: Any = st.session_state["context"]
    return ctx
