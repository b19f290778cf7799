"""What-if scenarios: the knobs of the explorer (``cdn app``) as pure transformations and one evaluation.

A planner asks "what if": 20% more disk at the edge, a shorter fill window, a surprise hit in three
regions, an exchange link lost. Each capacity or demand knob is a pure function ``Scenario -> Scenario``
(:func:`scale_disk`, :func:`set_fill`, :func:`grow_demand`, :func:`surprise_hit`; :func:`grow_forecast`
grows a forecast frame alike) that never changes its input; failures are the simulation's own
(:func:`cdn.simulate.simulate_day`), on the day, after the fill. :class:`Knobs` holds every knob;
:func:`evaluate` is the one place that maps them to library calls, in three steps that the explorer
caches separately so that moving one knob recomputes only what depends on it:

1. :func:`forecast_step`: the plan date's forecast from the demand before it (``model``);
2. :func:`plan_step`: the placement from that forecast, grown by the expected demand growth, on the
   changed capacities (disk, fill, solver, time limit, objective, mode);
3. :func:`measure_step`: the plan judged on the date's actual demand, grown alike, with the surprise hit
   and the failures (which the plan did not foresee).

:func:`compare` puts an outcome beside the baseline (every knob at its default) with deltas.
:func:`unpack_scenario` turns an uploaded zip into a scenario directory, checked by the loader.
"""

from __future__ import annotations

import hashlib
import io
import math
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from cdn import columns as C
from cdn.atomic import MARKER
from cdn.defaults import MODES
from cdn.errors import InputError
from cdn.network import build_graph
from cdn.scenario import DATE_FORMAT, Scenario, load_scenario
from cdn.simulate import Simulation, simulate_day
from placement import OBJECTIVES as PLACEMENT_OBJECTIVES
from placement import PlacementResult

OBJECTIVES: tuple[str, ...] = tuple(PLACEMENT_OBJECTIVES)
"""Placement objectives the explorer offers (:data:`placement.OBJECTIVES`: ``hit`` first, then ``cost``)."""
DISK_TIERS = (C.EDGE, C.STORAGE)
APP_DATA_ENV = "EDGEFILL_DATA"
"""Environment variable naming a scenario directory the explorer offers first (``cdn app --data DIR`` sets it)."""
MAX_UPLOAD_BYTES = 200 * 1024**2
"""Largest zip accepted by :func:`unpack_scenario`, and the largest total it may unpack to (x 10)."""


# ------------------------------------------------------------------------------------------------
# transformations: Scenario -> Scenario, inputs never modified
# ------------------------------------------------------------------------------------------------
def _with_sites(scenario: Scenario, sites: pd.DataFrame) -> Scenario:
    return replace(scenario, sites=sites, graph=build_graph(sites, scenario.links))


def _positive(value: float, name: str, *, zero: bool = False) -> float:
    ok = math.isfinite(value) and (value >= 0 if zero else value > 0)
    if not ok:
        raise InputError(f"{name} = {value!r}; expected a number {'>= 0' if zero else '> 0'}")
    return float(value)


def scale_disk(scenario: Scenario, factors: Mapping[str, float]) -> Scenario:
    """Multiply the ``disk_gb`` of every site of a tier by its factor.

    Parameters
    ----------
    scenario : Scenario
        Not modified.
    factors : mapping of str to float
        Tier (``edge`` or ``storage``) to multiplier >= 0; tiers not named keep their disks.

    Raises
    ------
    InputError
        An unknown tier or a negative or non-finite factor.

    Examples
    --------
    >>> scn = load_scenario("tests/data/tiny")
    >>> bigger = scale_disk(scn, {"edge": 1.5})
    >>> float(bigger.sites.loc[bigger.sites.tier == "edge", "disk_gb"].sum()) == 1.5 * float(
    ...     scn.sites.loc[scn.sites.tier == "edge", "disk_gb"].sum())
    True
    """
    sites = scenario.sites.copy()
    for tier, factor in factors.items():
        if tier not in DISK_TIERS:
            raise InputError(f"disk tier {tier!r}; expected one of {', '.join(DISK_TIERS)}")
        rows = sites[C.TIER] == tier
        sites.loc[rows, C.DISK_GB] = sites.loc[rows, C.DISK_GB] * _positive(factor, f"{tier} disk factor", zero=True)
    return _with_sites(scenario, sites)


def set_fill(scenario: Scenario, window_hours: float | None = None, rate_factor: float = 1.0) -> Scenario:
    """Change the nightly fill: the window's length and the sites' ``fill_gbps`` (unlimited stays unlimited).

    A site's fill budget is ``fill_gbps * 3600 * fill_window_hours / 8`` GB
    (:meth:`cdn.scenario.Scenario.fill_budget_gb`), so both knobs scale it.

    Parameters
    ----------
    window_hours : float, optional
        New ``fill_window_hours``, in (0, 24]; None keeps the scenario's.
    rate_factor : float
        Multiplier > 0 on every site's ``fill_gbps``.

    Examples
    --------
    >>> scn = load_scenario("tests/data/tiny")
    >>> half = set_fill(scn, window_hours=6.0)
    >>> bool((2 * half.fill_budget_gb() == scn.fill_budget_gb()).all())
    True
    """
    settings = dict(scenario.settings)
    if window_hours is not None:
        if not (math.isfinite(window_hours) and 0 < window_hours <= 24):
            raise InputError(f"fill window = {window_hours!r} hours; expected a number of hours in (0, 24]")
        settings["fill_window_hours"] = float(window_hours)
    sites = scenario.sites.copy()
    sites[C.FILL_GBPS] = sites[C.FILL_GBPS] * _positive(rate_factor, "fill rate factor")
    return replace(_with_sites(scenario, sites), settings=settings)


def grow_demand(scenario: Scenario, percent: float, start: pd.Timestamp | None = None) -> Scenario:
    """Views multiplied by ``1 + percent / 100`` on the days from ``start`` on (every day when None).

    Examples
    --------
    >>> scn = load_scenario("tests/data/tiny")
    >>> round(float(grow_demand(scn, 20).demand.views.sum()) / float(scn.demand.views.sum()), 9)
    1.2
    """
    factor = _growth(percent)
    demand = scenario.demand
    rows = demand[C.DATE] >= start if start is not None else pd.Series(True, index=demand.index)
    return replace(scenario, demand=demand.assign(**{C.VIEWS: demand[C.VIEWS].where(~rows, demand[C.VIEWS] * factor)}))


def grow_forecast(forecast: pd.DataFrame, percent: float) -> pd.DataFrame:
    """A contract forecast frame with ``yhat`` and its interval multiplied by ``1 + percent / 100`` (a copy).

    For a model linear in its history (``ewma``, ``snaive7``) the point forecast equals the forecast made
    from a history grown by the same factor; a planner who expects the growth plans with it.

    Examples
    --------
    >>> frame = pd.DataFrame({"yhat": [10.0], "yhat_lower": [5.0], "yhat_upper": [20.0]})
    >>> grow_forecast(frame, 50).iloc[0].tolist()
    [15.0, 7.5, 30.0]
    """
    factor = _growth(percent)
    return forecast.assign(**{c: forecast[c] * factor for c in (C.YHAT, C.YHAT_LOWER, C.YHAT_UPPER)
                              if c in forecast.columns})


def _growth(percent: float) -> float:
    if not (math.isfinite(percent) and percent > -100):
        raise InputError(f"demand growth = {percent!r}%; expected a number > -100")
    return 1.0 + percent / 100.0


def surprise_hit(scenario: Scenario, title: str, regions: Sequence[str], factor: float,
                 start: pd.Timestamp | None = None) -> Scenario:
    """A title's views multiplied by ``factor`` in some regions, on the days from ``start`` on.

    With ``start`` the plan date, the forecast (made from the days before it) does not see the hit: a
    surprise. Absent rows stay absent (zero views stay zero).

    Raises
    ------
    InputError
        A title not in the catalog, a region no site names, or a factor that is not a number >= 0.

    Examples
    --------
    >>> scn = load_scenario("tests/data/tiny")
    >>> hit = surprise_hit(scn, "t3", ["r2"], 10.0, start=pd.Timestamp("2024-01-10"))
    >>> day = hit.day(pd.Timestamp("2024-01-10"))
    >>> float(day.loc[(day.region == "r2") & (day.title_id == "t3"), "views"].iloc[0]) == 10 * float(
    ...     scn.day(pd.Timestamp("2024-01-10")).query("region == 'r2' and title_id == 't3'").views.iloc[0])
    True
    """
    if title not in set(scenario.catalog[C.TITLE]):
        raise InputError(f"surprise hit: title {title!r} is not in the catalog")
    known = scenario.region_site()
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise InputError(f"surprise hit: region {unknown[0]!r} is named by no site; valid: {', '.join(sorted(known))}")
    _positive(factor, "surprise hit factor", zero=True)
    demand = scenario.demand
    rows = (demand[C.TITLE] == title) & demand[C.REGION].isin(list(regions))
    if start is not None:
        rows &= demand[C.DATE] >= start
    views = demand[C.VIEWS].where(~rows, demand[C.VIEWS] * factor)
    return replace(scenario, demand=demand.assign(**{C.VIEWS: views}))


# ------------------------------------------------------------------------------------------------
# the knobs and the one place that maps them to library calls
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    """A surprise hit: ``title``'s views multiplied by ``factor`` in ``regions`` on the plan date."""

    title: str
    regions: tuple[str, ...]
    factor: float


@dataclass(frozen=True)
class Knobs:
    """Every knob of the explorer; the defaults are the unchanged baseline.

    Attributes
    ----------
    edge_disk, storage_disk : float
        Multipliers on the disks of edge and storage sites.
    fill_window_hours : float or None
        Length of the fill window (None: the scenario's).
    fill_rate : float
        Multiplier on every site's ``fill_gbps``.
    growth_pct : float
        Demand growth in percent on the plan date, expected by the plan (its forecast grows) and in the
        actual demand.
    hit : Hit or None
        A surprise hit on the plan date.
    failures : tuple of str
        Sites, or links as ``A-B``, that fail on the plan date (after the fill).
    model : str
        Forecast model (:data:`forecasting.MODELS`).
    solver : str
        Placement solver (:data:`placement.SOLVERS`); ``greedy`` answers in well under a second.
    time_limit : float
        Seconds for one solve.
    objective, mode : str
        One of :data:`OBJECTIVES` and :data:`MODES`.
    pinned_share : float or None
        Share of an edge's disk pinned by the plan in hybrid mode (0..1); None chooses it per edge by
        backtest (:func:`cdn.caches.edge_split`); unused by ``proactive`` and ``reactive``.
    """

    edge_disk: float = 1.0
    storage_disk: float = 1.0
    fill_window_hours: float | None = None
    fill_rate: float = 1.0
    growth_pct: float = 0.0
    hit: Hit | None = None
    failures: tuple[str, ...] = ()
    model: str = "auto"
    solver: str = "greedy"
    time_limit: float = 20.0
    objective: str = "hit"
    mode: str = "proactive"
    pinned_share: float | None = None

    def forecast_part(self) -> Knobs:
        """Only what :func:`forecast_step` reads (the rest at defaults): the cache key of a forecast."""
        return Knobs(model=self.model)

    def plan_part(self) -> Knobs:
        """Only what :func:`plan_step` reads: everything but the day's surprise hit and failures."""
        return replace(self, hit=None, failures=())


@dataclass(frozen=True)
class Outcome:
    """One evaluated night: the plan, its simulation on the date's actual demand, and the KPIs."""

    date: pd.Timestamp
    knobs: Knobs
    plan: PlacementResult
    simulation: Simulation
    kpis: dict[str, float] = field(default_factory=dict)


def capacity_scenario(scenario: Scenario, knobs: Knobs) -> Scenario:
    """The scenario with the capacity knobs the plan sees (disks per tier, fill window and rate)."""
    changed = scenario
    factors = {C.EDGE: knobs.edge_disk, C.STORAGE: knobs.storage_disk}
    if any(f != 1.0 for f in factors.values()):
        changed = scale_disk(changed, factors)
    if knobs.fill_window_hours is not None or knobs.fill_rate != 1.0:
        changed = set_fill(changed, knobs.fill_window_hours, knobs.fill_rate)
    return changed


def check_knobs(knobs: Knobs) -> None:
    """Raise :class:`~cdn.errors.InputError` naming the knob when a choice is not offered."""
    from forecasting import MODELS
    from placement import get_solver

    for value, valid, name in ((knobs.objective, OBJECTIVES, "objective"), (knobs.mode, MODES, "mode")):
        if value not in valid:
            raise InputError(f"{name} {value!r}; expected one of {', '.join(valid)}")
    if knobs.failures and knobs.mode != "proactive":
        raise InputError(f"failed sites or links are simulated in proactive mode only, not in mode {knobs.mode}")
    if knobs.model not in MODELS:
        raise InputError(f"model {knobs.model!r}; expected one of {', '.join(sorted(MODELS))}")
    get_solver(knobs.solver)
    _positive(knobs.time_limit, "time limit")
    if knobs.pinned_share is not None and not 0.0 <= knobs.pinned_share <= 1.0:
        raise InputError(f"pinned share = {knobs.pinned_share!r}; expected a share in [0, 1]")


def forecast_step(scenario: Scenario, date: pd.Timestamp, knobs: Knobs) -> pd.DataFrame:
    """The contract forecast of ``date`` from the demand before it (:func:`cdn.forecast.forecast_scenario`)."""
    from cdn.forecast import forecast_scenario

    return forecast_scenario(scenario, date, model=knobs.model)


def plan_step(scenario: Scenario, date: pd.Timestamp, forecast: pd.DataFrame,
              knobs: Knobs) -> tuple[PlacementResult, bytes]:
    """Plan ``date`` from ``forecast``, grown by ``growth_pct``, on the changed capacities (``make_plan``).

    Sites hold the scenario's ``placement.csv`` before the plan. Returns the result and the plan
    directory ``<date>/placement.csv, summary.json`` zipped (the data contract's layout).
    """
    from cdn.caches import edge_split
    from cdn.planning import check_objective, make_plan

    check_knobs(knobs)
    planned = capacity_scenario(scenario, knobs)
    if knobs.growth_pct:
        forecast = grow_forecast(forecast, knobs.growth_pct)
    shares, record = edge_split(planned, date, knobs.mode, knobs.pinned_share)
    with tempfile.TemporaryDirectory(prefix="edgefill-whatif-") as root:
        result = make_plan(planned, date, forecast, root, solver=knobs.solver, time_limit=knobs.time_limit,
                           gap=0.01, objective=check_objective(knobs.objective), pinned_share=shares,
                           summary_extra=record)
        archive = zip_directory(Path(root))
    result.details["split"] = record  # how measure_step runs the edges' caches
    return result, archive


def measure_step(scenario: Scenario, date: pd.Timestamp, plan: PlacementResult, knobs: Knobs) -> Simulation:
    """Route the date's actual demand (growth and surprise hit applied) over the plan's holdings, with failures."""
    actual = capacity_scenario(scenario, knobs)
    if knobs.growth_pct:
        actual = grow_demand(actual, knobs.growth_pct, start=date)
    if knobs.hit is not None and knobs.hit.factor != 1.0 and knobs.hit.regions:
        actual = surprise_hit(actual, knobs.hit.title, knobs.hit.regions, knobs.hit.factor, start=date)
    simulation = simulate_day(actual, plan.holdings, actual.day(date), failures=knobs.failures, fill_gb=plan.fill_gb)
    simulation.summary["date"] = f"{date:{DATE_FORMAT}}"
    if knobs.mode != "proactive":  # the edges' caches serve too: the day's figures are the cache simulation's
        from cdn.caches import simulate_cached_day

        cached, _ = simulate_cached_day(actual, date, knobs.mode, plan.holdings, plan.details.get("split"),
                                        plan.fill_gb)
        simulation.summary.update({key: cached[key] for key in CACHED_KEYS})
    return simulation


CACHED_KEYS = ("edge_byte_hit_ratio", "backbone_gb", "peak_backbone_gbps", "peak_link_utilisation", "fill_gb")
"""The day's figures that a hybrid or reactive night takes from the cache simulation
(:func:`cdn.caches.simulate_cached_day`: admissions are upstream traffic and disk writes); the per-site and
per-link tables stay those of the plan's holdings."""


def kpis(plan: PlacementResult, simulation: Simulation) -> dict[str, float]:
    """The explorer's headline figures of a night.

    ``edge_byte_hit_ratio``, ``backbone_tb``, ``peak_backbone_gbps`` and ``peak_link_utilisation`` (peak-hour
    Gbps over capacity on the busiest link; above 1 it is overloaded) and ``unserved_gb`` come from the
    simulation; ``fill_gb`` (GB written into disks: tonight's fill, plus the caches' admissions in hybrid and
    reactive mode) from the simulation and ``evict_gb`` from the plan.
    """
    s = simulation.summary
    hit = s["edge_byte_hit_ratio"]
    return {
        "edge_byte_hit_ratio": math.nan if hit is None else float(hit),
        "backbone_tb": float(s["backbone_gb"]) / 1000.0,
        "peak_backbone_gbps": float(s["peak_backbone_gbps"]),
        "peak_link_utilisation": float(s["peak_link_utilisation"]),
        "fill_gb": float(s["fill_gb"]),
        "evict_gb": float(plan.evict_gb),
        "unserved_gb": float(s["unserved_gb"]),
    }


KPI_LABELS = {
    "edge_byte_hit_ratio": "Edge byte hit ratio",
    "backbone_tb": "Backbone TB",
    "peak_backbone_gbps": "Peak backbone Gbps",
    "peak_link_utilisation": "Peak link utilisation (x capacity)",
    "fill_gb": "Fill / disk writes GB",
    "evict_gb": "Evicted GB",
    "unserved_gb": "Unserved GB",
}
"""Display names of :func:`kpis`, in display order."""


def evaluate(scenario: Scenario, date: pd.Timestamp, knobs: Knobs = Knobs()) -> Outcome:
    """Forecast, plan and measure one night under the knobs (the three steps in order).

    Examples
    --------
    >>> scn = load_scenario("tests/data/tiny")
    >>> base = evaluate(scn, pd.Timestamp("2024-01-10"), Knobs(model="ewma"))
    >>> more = evaluate(scn, pd.Timestamp("2024-01-10"), Knobs(model="ewma", edge_disk=3.0))
    >>> more.kpis["edge_byte_hit_ratio"] >= base.kpis["edge_byte_hit_ratio"]
    True
    """
    forecast = forecast_step(scenario, date, knobs)
    plan, _ = plan_step(scenario, date, forecast, knobs)
    simulation = measure_step(scenario, date, plan, knobs)
    return Outcome(date=date, knobs=knobs, plan=plan, simulation=simulation, kpis=kpis(plan, simulation))


def compare(baseline: Mapping[str, float], whatif: Mapping[str, float]) -> pd.DataFrame:
    """KPIs side by side: ``kpi, label, baseline, what_if, delta, delta_pct`` (pct NaN when the baseline is 0)."""
    rows = []
    for key, label in KPI_LABELS.items():
        base, new = float(baseline[key]), float(whatif[key])
        rows.append({"kpi": key, "label": label, "baseline": base, "what_if": new, "delta": new - base,
                     "delta_pct": (new - base) / abs(base) * 100.0 if base else math.nan})
    return pd.DataFrame(rows)


def site_table(baseline: Simulation, whatif: Simulation) -> pd.DataFrame:
    """Per-site figures of the what-if beside the baseline's hit ratio: one row per site."""
    table = whatif.per_site[[C.SITE, C.TIER, C.REGION, "failed", "demand_gb", "edge_byte_hit_ratio", "served_gb",
                             "serve_utilisation", "held_titles", "held_gb", C.DISK_GB]].copy()
    base = baseline.per_site.set_index(C.SITE)["edge_byte_hit_ratio"]
    table.insert(6, "baseline_hit_ratio", table[C.SITE].map(base))
    return table


def link_utilisation(simulation: Simulation) -> pd.DataFrame:
    """Peak utilisation per undirected link (the busier direction): ``src, dst, kind, capacity_gbps,
    peak_gbps, utilisation, gb``."""
    links = simulation.per_link.copy()
    ends = links[[C.SRC, C.DST]].apply(sorted, axis=1, result_type="expand")
    links[C.SRC], links[C.DST] = ends[0], ends[1]
    return (links.groupby([C.SRC, C.DST], as_index=False, sort=True)
            .agg(kind=(C.KIND, "first"), capacity_gbps=(C.CAPACITY_GBPS, "first"), peak_gbps=("peak_gbps", "max"),
                 utilisation=("utilisation", "max"), gb=("gb", "sum")))


# ------------------------------------------------------------------------------------------------
# files: plan archives, uploads, fingerprints
# ------------------------------------------------------------------------------------------------
def zip_directory(root: Path) -> bytes:
    """Every file under ``root`` but edgefill's markers in a zip, paths relative to ``root`` (sorted, fixed times)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != MARKER):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def fingerprint(path: str | Path) -> str:
    """SHA-256 of a scenario directory's files (names and contents): the cache key of its content."""
    digest = hashlib.sha256()
    for file in sorted(p for p in Path(path).iterdir() if p.is_file()):
        digest.update(file.name.encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def app_script() -> Path:
    """The explorer's ``app.py``: at the root of the checkout that holds the ``cdn`` package.

    Raises
    ------
    InputError
        When it is not there (a wheel installs the libraries only; ``pip install -e .`` of a checkout, as
        ``make run`` does, keeps the app beside them).
    """
    script = Path(__file__).resolve().parent.parent / "app.py"
    if not script.is_file():
        raise InputError(f"the explorer's app.py is not at {script}: cdn app runs from a checkout of edgefill "
                         "installed with pip install -e . (make run does)")
    return script


def streamlit_command(script: Path, port: int, address: str) -> list[str]:
    """``python -m streamlit run app.py`` bound to ``address:port``, headless, no usage statistics."""
    return [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.maxUploadSize", str(MAX_UPLOAD_BYTES // 1024**2)]


def unpack_scenario(data: bytes, dest: str | Path, max_bytes: int = MAX_UPLOAD_BYTES) -> Scenario:
    """Unpack a zipped scenario into ``dest`` and load it with every check of the data contract.

    The zip holds the contract's files at its top level or inside one folder. It may be at most
    ``max_bytes`` and unpack to at most 10 x ``max_bytes``; members with absolute paths or ``..`` are refused.

    Raises
    ------
    InputError
        Not a zip, too large, unsafe paths, or no ``catalog.csv``.
    ScenarioError
        The loader's findings, each naming its file, lines, column and value.
    """
    if len(data) > max_bytes:
        raise InputError(f"upload of {len(data) / 1e6:,.1f} MB is larger than the limit of {max_bytes / 1e6:,.0f} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        raise InputError("the upload is not a zip file; zip the scenario directory (catalog.csv, sites.csv, "
                         "links.csv, demand.csv ...)") from err
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")]
        total = sum(m.file_size for m in members)
        if total > 10 * max_bytes:
            raise InputError(f"the zip unpacks to {total / 1e6:,.0f} MB, more than {10 * max_bytes / 1e6:,.0f} MB")
        for member in members:
            parts = Path(member.filename).parts
            if member.filename.startswith(("/", "\\")) or ".." in parts:
                raise InputError(f"the zip member {member.filename!r} points outside the scenario directory")
        catalogs = sorted((m.filename for m in members if Path(m.filename).name == "catalog.csv"), key=len)
        if not catalogs:
            names = ", ".join(m.filename for m in members[:8]) or "nothing"
            raise InputError(f"the zip holds no catalog.csv (found {names}); a scenario directory holds catalog.csv, "
                             "sites.csv, links.csv and demand.csv")
        prefix = catalogs[0][: -len("catalog.csv")]
        root = Path(dest)
        root.mkdir(parents=True, exist_ok=True)
        for member in members:
            if member.filename.startswith(prefix) and "/" not in member.filename[len(prefix):]:
                (root / member.filename[len(prefix):]).write_bytes(archive.read(member))
    return load_scenario(root)

