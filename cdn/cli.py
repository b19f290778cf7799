"""The ``cdn`` command line: validate, generate, forecast, report, plan, nightly, simulate, replay, app.

Every command turns the errors of :data:`cdn.errors.USER_ERRORS` (the application's and the
libraries') into a message on standard error and exit status 2, never a traceback. One vocabulary: the
same option name means the same thing in every command (the shared ``Annotated`` aliases below), options
that take several values may be repeated or given comma-separated, and on/off options are ``--x/--no-x``.
``-v`` shows every progress update, ``-q`` no progress (cdn.progress), before or after the command.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import typer.core

from cdn.defaults import DEFAULT_MODELS, MODES, PLAN_GAP, PLAN_TIME_LIMIT, REPLAY_TIME_LIMIT, SCHEDULER_CONNECT_SECONDS
from cdn.errors import USER_ERRORS

F = TypeVar("F", bound=Callable[..., Any])

_option_type = typer.core.TyperOption.display_type_rich


def _flag_without_type(self: typer.core.TyperOption, ctx: Any) -> str | None:
    """Help shows no value type for a flag (typer writes ``<bool>``, as if ``--caches true`` were valid)."""
    return None if self.is_flag else _option_type(self, ctx)


typer.core.TyperOption.display_type_rich = _flag_without_type  # type: ignore[method-assign]

app = typer.Typer(
    name="cdn",
    help="edgefill: nightly pre-positioning of video titles on CDN edge sites.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
report_app = typer.Typer(help="Reports over a scenario (forecast accuracy).", no_args_is_help=True)
app.add_typer(report_app, name="report")

DataDir = Annotated[Path, typer.Option("--data", help="Scenario directory (data contract format).")]
MODEL_NAMES = ("auto (chosen per series by backtest), last_value, mean7, snaive7, ewma, prophet, ets, theta, mstl, "
               "croston_sba, tsb, adida, imapa or lightgbm")
ModelName = Annotated[str, typer.Option("--model", help=f"Forecast model: {MODEL_NAMES}; default: auto.")]
PlanModelName = Annotated[str | None, typer.Option("--model", help=f"Forecast model of the plans: {MODEL_NAMES}; "
                                                   "default: auto, and ewma for a hybrid plan's pins.")]
SolverName = Annotated[
    str, typer.Option("--solver", help="Placement solver: highs (default), lagrangian, greedy, naive (last 7 days' "
                      "bytes per GB: the reference to beat), or cbc when installed.")
]
ObjectiveName = Annotated[
    str, typer.Option("--objective", help="hit (default): most bytes served by each region's own edge, then least "
                      "backbone, then least churn; cost: least path cost of all bytes plus churn.")
]
TimeLimit = Annotated[float, typer.Option("--time-limit", help="Seconds per placement solve; the best plan found by "
                                          "then is written.")]
Gap = Annotated[float | None, typer.Option(
    "--gap", help="Relative gap to the bound at which a plan is optimal enough; default: 0.0001 where the whole "
                  "model is solved, 0.01 where it is decomposed.", show_default=False)]
Scheduler = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address for the forecast fits; default: local cores.")
]
ReplayTimeLimit = Annotated[
    float, typer.Option("--time-limit", help="Seconds per placement solve, each proactive and each oracle night; a "
                        "solve stopped there keeps its best plan so far.")
]
PlanMode = Annotated[str, typer.Option("--mode", help="proactive (the plan fills every disk), hybrid (the plan "
                                      "fills a pinned share of each edge, a demand-driven cache the rest) or "
                                      "reactive (edges are caches only).")]
PinnedShare = Annotated[float | None, typer.Option("--pinned-share", help="Hybrid mode: force every edge's pinned "
                                                   "share (0-1); default: chosen per edge by backtest.")]
PlanRoot = Annotated[Path, typer.Option("--out", help="Plan root; writes OUT/<D>/placement.csv and summary.json.")]
Seed = Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same output.")]
Format = Annotated[str, typer.Option("--format", help="Demand file format: csv or parquet.")]
Overwrite = Annotated[bool, typer.Option("--overwrite/--no-overwrite", help="Replace OUT even when it is a file or "
                                         "holds files edgefill did not write.")]
SEVERAL = "repeat the option or separate values with commas"


def several(values: list[str] | None) -> list[str]:
    """Values of an option that takes several: repeated (``--fail A --fail B``) or comma-separated (``A,B``)."""
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _version(show: bool) -> None:
    if show:
        from cdn import __version__

        print(f"edgefill {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Show every progress update and detail line "
                                          "(also after the command).")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Show no progress, only results, warnings and errors "
                                        "(also after the command).")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """edgefill: nightly pre-positioning of video titles on CDN edge sites."""
    from cdn import progress

    progress.set_verbosity(progress.VERBOSE if verbose else progress.QUIET if quiet else progress.NORMAL)


def _os_message(err: OSError) -> str:
    """An operating-system error as one line naming the file: ``out/x: Permission denied``."""
    what = err.strerror or str(err)
    return f"{err.filename}: {what}" if err.filename else what


def _interrupted_message() -> str:
    from cdn.atomic import written

    done = written()
    if not done:
        return "interrupted: nothing was written"
    return f"interrupted after writing {', '.join(str(p) for p in done)}; nothing else was written"


def handles_errors(func: F) -> F:
    """Print a user error (:data:`cdn.errors.USER_ERRORS`) or a file that cannot be read or written as one
    clear message and exit with status 2; an interrupt exits with status 130 and says what was written."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except USER_ERRORS as err:
            print(f"error: {err}", file=sys.stderr)
            raise typer.Exit(code=2) from None
        except OSError as err:
            print(f"error: {_os_message(err)}", file=sys.stderr)
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt:
            print(_interrupted_message(), file=sys.stderr)
            raise typer.Exit(code=130) from None

    return wrapper  # type: ignore[return-value]


def check_scheduler(address: str | None) -> None:
    """Raise unless ``address`` (``--scheduler``) names a Dask scheduler that accepts connections, within seconds.

    Raises
    ------
    InputError
        A malformed address, or nothing listening there.
    """
    if address is None:
        return
    import socket
    from urllib.parse import urlsplit

    from cdn.errors import InputError

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if parts.scheme not in ("tcp", "tls") or not host or port is None:
        raise InputError(f"--scheduler {address!r} is not a Dask scheduler address; expected tcp://HOST:PORT "
                         "(e.g. tcp://127.0.0.1:8786), or leave --scheduler out to use the local cores")
    try:
        socket.create_connection((host, port), timeout=SCHEDULER_CONNECT_SECONDS).close()
    except OSError as err:
        raise InputError(f"--scheduler {address}: no Dask scheduler answers at {host}:{port} "
                         f"({err.strerror or err or 'timed out'}); start one (`dask scheduler`) or leave --scheduler "
                         "out to use the local cores") from None


PLAN_DIR_REMEDY = "move it away (OUT/<date> is where the plan of that date is written)"


@app.command()
@handles_errors
def validate(data: Annotated[Path, typer.Argument(help="Scenario directory to check.")]) -> None:
    """Check a scenario directory against every rule of the data contract."""
    from cdn.scenario import load_scenario

    scenario = load_scenario(data)
    print(
        f"{data}: valid scenario: {len(scenario.catalog):,} titles, {len(scenario.sites):,} sites, "
        f"{len(scenario.links):,} links, {len(scenario.demand):,} demand rows from "
        f"{scenario.first_date:%Y-%m-%d} to {scenario.last_date:%Y-%m-%d}"
    )


@app.command()
@handles_errors
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory to create (must not exist or be empty).")],
    sites: Annotated[int, typer.Option("--sites", help="Number of edge sites, one per client region.")] = 12,
    titles: Annotated[int, typer.Option("--titles", help="Number of catalog titles.")] = 2000,
    days: Annotated[int, typer.Option("--days", help="Days of demand history.")] = 120,
    seed: Seed = 0,
    start: Annotated[str, typer.Option("--start", help="First day of demand, YYYY-MM-DD.")] = "2024-01-01",
    topology: Annotated[
        Path | None, typer.Option("--topology", help="Topology Zoo GraphML file to attach edge sites to.")
    ] = None,
    fmt: Format = "csv",
    overwrite: Overwrite = False,
    warm_caches: Annotated[bool, typer.Option("--warm-caches/--empty-caches", help="Write a placement.csv that "
                                              "fills each edge disk with its region's top titles, or none (sites "
                                              "start empty).")] = True,
    profile: Annotated[str, typer.Option("--profile", help="Demand shape: vod (default), trending (short surges, "
                                         "only popular titles seen), sparse (intermittent counts) or longlived "
                                         "(few long smooth series with trend).")] = "vod",
) -> None:
    """Generate a realistic scenario (Zipf popularity, launches, weekly cycle, regional languages)."""
    import time

    from cdn.generate import generate_scenario, write_scenario
    from cdn.progress import log

    began = time.monotonic()
    scenario = generate_scenario(sites=sites, titles=titles, days=days, seed=seed, start=start, topology=topology,
                                  warm=warm_caches, profile=profile)
    rows = write_scenario(scenario, out, fmt=fmt, overwrite=overwrite)  # type: ignore[arg-type]
    log(f"{out}: {len(scenario.sites):,} sites, {len(scenario.catalog):,} titles, {rows:,} demand rows over "
        f"{days} days ({time.monotonic() - began:.1f}s)")


@app.command()
@handles_errors
def forecast(
    data: DataDir,
    as_of: Annotated[str, typer.Option("--as-of", help="First forecast date D, YYYY-MM-DD (uses demand before D).")],
    out: Annotated[Path, typer.Option("--out", help="Forecast file to write: .csv or .parquet.")],
    horizon: Annotated[int, typer.Option("--horizon", help="Days to forecast: D .. D+H-1.")] = 1,
    model: ModelName = "auto",
    scheduler: Scheduler = None,
    seed: Seed = 0,
) -> None:
    """Forecast daily views per (region, title) and write the contract's forecast file."""
    import time

    from cdn.atomic import check_output_file
    from cdn.forecast import run_forecast
    from cdn.progress import log

    check_output_file(out)
    check_scheduler(scheduler)
    began = time.monotonic()
    frame = run_forecast(data, as_of, horizon, model, out, scheduler=scheduler, seed=seed)
    series = len(frame[["region", "title_id"]].drop_duplicates())
    log(f"{out}: {len(frame):,} rows, {series:,} series, model {model}, {horizon} day(s) from {as_of} "
        f"({time.monotonic() - began:.1f}s)")


@report_app.command("accuracy")
@handles_errors
def report_accuracy(
    data: DataDir,
    out: Annotated[Path, typer.Option("--out", help="Report directory: report.html, metrics.csv/json.")],
    cutoffs: Annotated[int, typer.Option("--cutoffs", help="Number of daily cutoffs (the last N).")] = 8,
    horizon: Annotated[int, typer.Option("--horizon", help="Days forecast at each cutoff.")] = 1,
    models: Annotated[
        list[str] | None,
        typer.Option("--models", help=f"Models to compare ({SEVERAL}); default: {', '.join(DEFAULT_MODELS)}."),
    ] = None,
    scheduler: Scheduler = None,
    seed: Seed = 0,
    overwrite: Overwrite = False,
) -> None:
    """Rolling-origin backtests: WAPE, MASE, bias, coverage, hit-ratio regret; offline HTML report."""
    from cdn.atomic import check_output_dir
    from cdn.progress import log
    from cdn.report import accuracy_report

    check_output_dir(out, overwrite)
    check_scheduler(scheduler)

    names = several(models) or None
    payload = accuracy_report(data, out, cutoffs=cutoffs, horizon=horizon, models=names, scheduler=scheduler,
                              seed=seed)
    width = max((len(row["model"]) for row in payload["overall"]), default=0)
    for row in payload["overall"]:
        log(f"{row['model']:>{width}}: WAPE {row['wape']:.3f}  MASE {row['mase']:.3f}  bias {row['bias']:+.3f}  "
            f"coverage {row['coverage']:.3f}  regret {row.get('regret') or 0:.4f}")
    log(f"{out}/report.html")


@app.command()
@handles_errors
def nightly(
    data: DataDir,
    out: PlanRoot,
    date: Annotated[
        str | None, typer.Option("--date", help="Plan date D, YYYY-MM-DD; default: the day after the last demand.")
    ] = None,
    model: PlanModelName = None,
    solver: SolverName = "highs",
    time_limit: TimeLimit = PLAN_TIME_LIMIT,
    gap: Gap = PLAN_GAP,
    scheduler: Scheduler = None,
    objective: ObjectiveName = "hit",
    mode: PlanMode = "proactive",
    pinned_share: PinnedShare = None,
    seed: Seed = 0,
) -> None:
    """The nightly job: forecast D, plan the fill, write it, and print what the plan is expected to do."""
    from cdn.atomic import check_output_dir
    from cdn.nightly import describe, plan_date, run_nightly
    from cdn.progress import log
    from cdn.scenario import DATE_FORMAT, load_scenario

    check_scheduler(scheduler)
    scenario = load_scenario(data)
    day = plan_date(scenario, date)
    check_output_dir(out / f"{day:{DATE_FORMAT}}", remedy=PLAN_DIR_REMEDY)
    outcome = run_nightly(scenario, day, out, model=model, solver=solver, time_limit=time_limit, gap=gap,
                          scheduler=scheduler, objective=objective, mode=mode, pinned_share=pinned_share, seed=seed)
    for line in describe(outcome):
        log(line)


@app.command()
@handles_errors
def plan(
    data: DataDir,
    date: Annotated[str, typer.Option("--date", help="Plan date D, YYYY-MM-DD (forecast from demand before D).")],
    out: PlanRoot,
    solver: SolverName = "highs",
    time_limit: TimeLimit = PLAN_TIME_LIMIT,
    gap: Gap = PLAN_GAP,
    model: PlanModelName = None,
    objective: ObjectiveName = "hit",
    mode: PlanMode = "proactive",
    pinned_share: PinnedShare = None,
    scheduler: Scheduler = None,
    seed: Seed = 0,
) -> None:
    """Plan the night before D: forecast D .. D+6, choose what each site holds, write the fill plan."""
    from cdn.atomic import check_output_dir
    from cdn.planning import plan_command
    from cdn.progress import log
    from cdn.scenario import DATE_FORMAT, parse_date
    from cdn.units import percent, ratio, volume

    night = out / f"{parse_date(date):{DATE_FORMAT}}"
    check_output_dir(night, remedy=PLAN_DIR_REMEDY)
    check_scheduler(scheduler)
    result = plan_command(data, date, out, solver=solver, time_limit=time_limit, gap=gap, model=model,
                          objective=objective, mode=mode, pinned_share=pinned_share, scheduler=scheduler, seed=seed)
    cached = ""
    if mode != "proactive":  # the plan's own figure sees only the pins; the backtest saw the cache too
        written = json.loads((night / "summary.json").read_text())
        cached = (f" (pinned part only; with the cache part "
                  f"{ratio(written['backtest_edge_byte_hit_ratio'])} in the split's backtest)")
    log(f"{night}: {result.status} ({result.solver}, {result.method}), expected edge byte hit ratio "
        f"{ratio(result.expected_edge_byte_hit_ratio)}{cached}, fill {volume(result.fill_gb)}, "
        f"evict {volume(result.evict_gb)}, gap to bound {percent(result.gap, digits=2)}, {result.seconds:.1f}s"
        + (f"; note: {result.reason}" if result.reason else ""))


@app.command()
@handles_errors
def simulate(
    data: DataDir,
    date: Annotated[str, typer.Option("--date", help="Day of actual demand to route (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="Directory for summary.json and the CSV tables.")],
    plan: Annotated[Path | None, typer.Option("--plan", help="Dated plan directory OUT/<date>; default: the "
                                              "scenario's placement.csv.")] = None,
    fail: Annotated[list[str] | None, typer.Option("--fail", help=f"Site or link (A-B) to remove ({SEVERAL}).")]
    = None,
    mode: Annotated[str, typer.Option("--mode", help="proactive (the plan's holdings), hybrid (the plan's pinned "
                                      "share plus a demand-driven cache, caches warmed on the 7 days before) or "
                                      "reactive (SIEVE caches of the whole disks).")] = "proactive",
    overwrite: Overwrite = False,
) -> None:
    """Route a day's actual demand over the network for a plan: hits, backbone, link load, failures."""
    from cdn.atomic import check_output_dir
    from cdn.errors import InputError
    from cdn.planning import plan_of_date
    from cdn.progress import warn
    from cdn.simulate import run_cache_simulation, run_simulation
    from cdn.units import traffic, utilisation, volume

    check_output_dir(out, overwrite)
    if plan is None and mode == "proactive" and not (data / "placement.csv").is_file():
        warn(f"no --plan and no placement.csv in {data}: the storage and edge sites hold nothing, every byte comes "
             "from an origin (give --plan OUT/<date> to simulate a plan)")
    if plan is not None and (planned := plan_of_date(plan)) not in (None, date):
        warn(f"--plan {plan} is the plan for {planned}, not for --date {date}: its holdings meet another day's "
             "demand")
    if mode != "proactive":
        if fail:
            raise InputError(f"--fail is only simulated in proactive mode, not --mode {mode}")
        c = run_cache_simulation(data, plan, date, mode, out)
        names = c["cache_policy"] if isinstance(c["cache_policy"], str) else ", ".join(sorted(set(
            c["cache_policy"].values())))
        print(f"{out}: {c['date']} ({mode}, {names} caches warmed {c['warmup_days']} days): "
              f"{traffic(c)}, disk writes {volume(c['fill_gb'])} (off-peak fill {volume(c['offpeak_fill_gb'])}), "
              f"on-demand upstream {volume(c['on_demand_gb'])}")
        return
    sim = run_simulation(data, plan, date, several(fail), out)
    s = sim.summary
    print(f"{out}: {s['date']}: {traffic(s)}, busiest link at {utilisation(s['peak_link_utilisation'])}, "
          f"{len(s['overloaded_links'])} overloaded link(s), unreachable regions: "
          f"{', '.join(s['unreachable_regions']) or 'none'}")


@app.command("convert-movietweetings")
@handles_errors
def convert_movietweetings(
    ratings: Annotated[Path, typer.Option("--ratings", help="MovieTweetings ratings.dat.")],
    movies: Annotated[Path, typer.Option("--movies", help="MovieTweetings movies.dat.")],
    topology: Annotated[Path, typer.Option("--topology", help="Topology Zoo GraphML file for the network.")],
    out: Annotated[Path, typer.Option("--out", help="Directory to create (must not exist or be empty).")],
    edges: Annotated[int, typer.Option("--edges", help="Number of edge sites (regions).")] = 11,
    views_per_rating: Annotated[float, typer.Option("--views-per-rating", help="Views per rating (K).")] = 100.0,
    min_ratings: Annotated[int, typer.Option("--min-ratings", help="Drop titles with fewer ratings.")] = 20,
    region_skew: Annotated[float, typer.Option("--region-skew", help="Region i gets users ~ i^-skew.")] = 0.7,
    seed: Seed = 0,
    fmt: Format = "csv",
    overwrite: Overwrite = False,
) -> None:
    """Convert MovieTweetings ratings into a scenario on a real network (rules in docs/data.md)."""
    from cdn.movietweetings import convert_movietweetings as convert
    from cdn.movietweetings import read_movies, read_ratings, write_converted
    from cdn.progress import log

    scenario = convert(read_ratings(ratings), read_movies(movies), topology, edges=edges,
                       views_per_rating=views_per_rating, min_ratings=min_ratings, region_skew=region_skew, seed=seed)
    write_converted(scenario, out, fmt=fmt, overwrite=overwrite)  # type: ignore[arg-type]
    log(f"{out}: {len(scenario.sites):,} sites, {len(scenario.catalog):,} titles, {len(scenario.demand):,} demand rows "
        f"from {scenario.params['first_day']} to {scenario.params['last_day']}")


@app.command()
@handles_errors
def replay(
    data: DataDir,
    start: Annotated[str, typer.Option("--from", help="First night to replay (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last night to replay (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="Output directory: summary.json, days.csv, plans, warm-up "
                                      "plans, charts.")],
    model: PlanModelName = None,
    solver: Annotated[str, typer.Option("--solver", help="Placement solver of the reported nights: greedy "
                                        "(default, keeps a replay to minutes), highs, lagrangian, naive or cbc.")
    ] = "greedy",
    policy: Annotated[list[str] | None, typer.Option("--policy", help=f"Reactive cache policies ({SEVERAL}); "
                                                     "default: lru, lfu, s3fifo, sieve, belady.")] = None,
    caches: Annotated[bool, typer.Option("--caches/--no-caches", help="Replay the reactive cache baselines.")] = True,
    oracle: Annotated[bool, typer.Option("--oracle/--no-oracle", help="Solve the oracle plans.")] = True,
    time_limit: ReplayTimeLimit = REPLAY_TIME_LIMIT,
    gap: Gap = PLAN_GAP,
    seed: Seed = 0,
    warmup: Annotated[int, typer.Option("--warmup", help="Nights before --from run but not reported (fewer when "
                                        "less than a week of history would remain).")] = 7,
    warmup_solver: Annotated[str, typer.Option("--warmup-solver", help="Placement solver of the warm-up nights.")]
    = "greedy",
    mode: Annotated[list[str] | None, typer.Option("--mode", help=f"Strategies to run ({SEVERAL}): proactive "
                                                   "(with naive and the oracle), hybrid, reactive; default all three."
                                                   )] = None,
    pinned_share: PinnedShare = None,
    cache: Annotated[str | None, typer.Option("--cache", help="Cache policy of the hybrid's caches (sieve, lru, "
                                              "s3fifo, lfu); default: the best reactive one of the four weeks "
                                              "before the first night.")] = None,
    admission: Annotated[str, typer.Option("--admission", help="Hybrid caches admit every miss (all) or a title's "
                                           "second request within two days (second).")] = "all",
    request_budget: Annotated[int, typer.Option("--request-budget", help="Cache requests per edge and day above "
                                                "which one request stands for several views.")] = 50_000,
    scheduler: Scheduler = None,
    overwrite: Overwrite = False,
) -> None:
    """Replay nights: proactive, hybrid, reactive caches and oracle plans on each next day's actual demand."""
    from cdn.atomic import check_output_dir
    from cdn.caches import DEFAULT_POLICIES, check_admission
    from cdn.progress import log
    from cdn.replay import replay_command

    check_output_dir(out, overwrite)
    check_scheduler(scheduler)

    from cdn.units import traffic, volume

    policies = (several(policy) or list(DEFAULT_POLICIES)) if caches else []
    result = replay_command(data, start, end, out, model=model, solver=solver, policies=policies,
                            oracle=oracle, time_limit=time_limit, gap=gap, seed=seed, warmup_days=warmup,
                            warmup_solver=warmup_solver, modes=several(mode) or list(MODES), pinned_share=pinned_share,
                            cache=cache, admission=check_admission(admission), budget=request_budget,
                            scheduler=scheduler)
    s = result.summary
    log(f"replay {s['from']}..{s['to']}: {s['days']} nights reported after {s['warmup_days']} warm-up nights "
        f"(--warmup; warm-up plans in {out}/warmup/), solver {s['solver']} (warm-up {s['warmup_solver']}), "
        f"model {s['model']}")
    if s["hybrid"] is not None:
        nightly = [split for d, split in s["hybrid"]["pinned_share"].items() if d >= s["from"]]
        how = "forced" if s["hybrid"]["pinned_share_forced"] else "chosen every night by backtest"
        ranges = ", ".join(f"{site} {min(n[site] for n in nightly):.2f}-{max(n[site] for n in nightly):.2f}"
                           for site in sorted(nightly[0])) if nightly else "none"
        kinds = [k for d, night in s["hybrid"]["pins"].items() if d >= s["from"] for k in night.values()]
        log(f"hybrid: pinned share per edge over the reported nights ({how}; per night in summary.json): "
            f"{ranges}; soft pins on {kinds.count('soft')} of {len(kinds)} edge-nights; caches "
            f"{s['hybrid']['cache']}; pins planned from {s['hybrid']['model']} forecasts")
    for name, v in s["strategies"].items():
        print(f"{name:>10}: {traffic(v)}, disk writes {volume(v['fill_gb'])}, upstream "
              f"{volume(v['offpeak_fill_gb'])} off-peak + {volume(v['on_demand_gb'])} on demand")
    print(f"{out}: summary.json, days.csv, index.html")


@app.command("app")
@handles_errors
def app_command(
    data: Annotated[Path | None, typer.Option("--data", help="Scenario directory to offer first; default: the "
                                              "bundled data/demo and data/movietweetings.")] = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port to serve on.")] = 8501,
    address: Annotated[str, typer.Option("--address", help="Address to bind; 0.0.0.0 serves other machines "
                                         "too.")] = "127.0.0.1",
) -> None:
    """Serve the what-if explorer (Streamlit) on http://ADDRESS:PORT until interrupted."""
    import os

    from cdn.scenario import load_scenario
    from cdn.whatif import APP_DATA_ENV, app_script, streamlit_command

    script = app_script()
    env = dict(os.environ)
    if data is not None:
        load_scenario(data)  # the loader's messages and exit 2 before a server starts
        env[APP_DATA_ENV] = str(data.resolve())
    command = streamlit_command(script, port, address)
    os.execve(command[0], command, env)  # the server replaces this process: one pid to stop


_WAKEUP: list[Any] = []


def _stop_at_once_on_interrupt(tmpdir: Path) -> None:
    """Make Ctrl-C end the command at once, even inside a solver's C code, with one line on what was written.

    The interrupt is noticed by a thread woken through :func:`signal.set_wakeup_fd` (the main thread may be
    busy in HiGHS for minutes); it removes partial outputs and the run's temporary directory, prints one
    line and exits with status 130.
    """
    import os
    import shutil
    import signal
    import socket
    import threading

    from cdn.atomic import discard_partial

    reader, writer = socket.socketpair()
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    signal.signal(signal.SIGINT, lambda signum, frame: None)  # the watcher below acts

    def watch() -> None:
        while True:
            data = reader.recv(64)
            if not data:
                return
            if signal.SIGINT in data:
                break
        discard_partial()
        shutil.rmtree(tmpdir, ignore_errors=True)
        print(_interrupted_message(), file=sys.stderr, flush=True)
        os._exit(130)

    _WAKEUP.extend((reader, writer))  # the wakeup descriptor must stay open for the life of the process
    threading.Thread(target=watch, name="edgefill-interrupt", daemon=True).start()


VERBOSITY_FLAGS = ("-v", "--verbose", "-q", "--quiet")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``cdn`` console script: a private temporary directory per run, prompt Ctrl-C.

    ``-v`` and ``-q`` belong to ``cdn`` itself but are accepted anywhere (``cdn nightly ... -q``): they are
    moved before the command.
    """
    from cdn.atomic import run_tmpdir

    args = sys.argv[1:] if argv is None else argv
    with run_tmpdir() as tmpdir:
        _stop_at_once_on_interrupt(tmpdir)
        app(args=[a for a in args if a in VERBOSITY_FLAGS] + [a for a in args if a not in VERBOSITY_FLAGS],
            prog_name="cdn")
