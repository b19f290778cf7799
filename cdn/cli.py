"""The ``cdn`` command line: validate, generate, forecast, report, plan, nightly, simulate, replay.

Every command turns the errors of :data:`cdn.errors.USER_ERRORS` (the application's and the
libraries') into a message on standard error and exit status 2, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from cdn.defaults import PLAN_GAP, PLAN_TIME_LIMIT, REPLAY_TIME_LIMIT
from cdn.errors import USER_ERRORS

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="cdn",
    help="edgefill: nightly pre-positioning of video titles on CDN edge sites.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
report_app = typer.Typer(help="Reports over a scenario (forecast accuracy).", no_args_is_help=True)
app.add_typer(report_app, name="report")

DataDir = Annotated[Path, typer.Option("--data", help="Scenario directory (data contract format).")]
ModelName = Annotated[str, typer.Option("--model", help="Forecast model: auto (default), ewma, last_value, mean7, "
                                        "prophet or snaive7.")]
SolverName = Annotated[
    str, typer.Option("--solver", help="Placement solver: highs (default), lagrangian, greedy, or cbc when installed.")
]
TimeLimit = Annotated[float, typer.Option("--time-limit", help="Seconds per placement solve; the best plan found by "
                                          "then is written.")]
Gap = Annotated[float, typer.Option("--gap", help="Relative gap to the bound at which a plan is optimal enough.")]
Scheduler = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address for the forecast fits; default: local cores.")
]
ReplayTimeLimit = Annotated[
    float, typer.Option("--time-limit", help="Seconds per placement solve, each proactive and each oracle night; a "
                        "solve stopped there keeps its best plan so far.")
]
PlanRoot = Annotated[Path, typer.Option("--out", help="Plan root; writes OUT/<D>/placement.csv and summary.json.")]


def handles_errors(func: F) -> F:
    """Print a user error (:data:`cdn.errors.USER_ERRORS`) as a clear message and exit with status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except USER_ERRORS as err:
            print(f"error: {err}", file=sys.stderr)
            raise typer.Exit(code=2) from None

    return wrapper  # type: ignore[return-value]


@app.command()
@handles_errors
def validate(data: Annotated[Path, typer.Argument(help="Scenario directory to check.")]) -> None:
    """Check a scenario directory against every rule of the data contract."""
    from cdn.scenario import load_scenario

    scenario = load_scenario(data)
    print(
        f"{data}: valid scenario: {len(scenario.catalog)} titles, {len(scenario.sites)} sites, "
        f"{len(scenario.links)} links, {len(scenario.demand)} demand rows from "
        f"{scenario.first_date:%Y-%m-%d} to {scenario.last_date:%Y-%m-%d}"
    )


@app.command()
@handles_errors
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory to create (must not exist or be empty).")],
    sites: Annotated[int, typer.Option("--sites", help="Number of edge sites, one per client region.")] = 12,
    titles: Annotated[int, typer.Option("--titles", help="Number of catalog titles.")] = 2000,
    days: Annotated[int, typer.Option("--days", help="Days of demand history.")] = 120,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same arguments, byte-identical files.")] = 0,
    start: Annotated[str, typer.Option("--start", help="First day of demand, YYYY-MM-DD.")] = "2024-01-01",
    topology: Annotated[
        Path | None, typer.Option("--topology", help="Topology Zoo GraphML file to attach edge sites to.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="Demand file format: csv or parquet.")] = "csv",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace OUT if it exists.")] = False,
    empty_caches: Annotated[
        bool, typer.Option("--empty-caches", help="Write no placement.csv: sites start empty, not full.")
    ] = False,
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
                                  warm=not empty_caches, profile=profile)
    rows = write_scenario(scenario, out, fmt=fmt, overwrite=overwrite)  # type: ignore[arg-type]
    log(f"{out}: {len(scenario.sites)} sites, {len(scenario.catalog)} titles, {rows} demand rows over {days} days "
        f"({time.monotonic() - began:.1f}s)")


@app.command()
@handles_errors
def forecast(
    data: DataDir,
    as_of: Annotated[str, typer.Option("--as-of", help="First forecast date D, YYYY-MM-DD (uses demand before D).")],
    out: Annotated[Path, typer.Option("--out", help="Forecast file to write: .csv or .parquet.")],
    horizon: Annotated[int, typer.Option("--horizon", help="Days to forecast: D .. D+H-1.")] = 1,
    model: ModelName = "auto",
    scheduler: Scheduler = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same file.")] = 0,
) -> None:
    """Forecast daily views per (region, title) and write the contract's forecast file."""
    import time

    from cdn.forecast import run_forecast
    from cdn.progress import log

    began = time.monotonic()
    frame = run_forecast(data, as_of, horizon, model, out, scheduler=scheduler, seed=seed)
    series = len(frame[["region", "title_id"]].drop_duplicates())
    log(f"{out}: {len(frame)} rows, {series} series, model {model}, {horizon} day(s) from {as_of} "
        f"({time.monotonic() - began:.1f}s)")


@report_app.command("accuracy")
@handles_errors
def report_accuracy(
    data: DataDir,
    out: Annotated[Path, typer.Option("--out", help="Report directory (replaced): report.html, metrics.csv/json.")],
    cutoffs: Annotated[int, typer.Option("--cutoffs", help="Number of daily cutoffs (the last N).")] = 8,
    horizon: Annotated[int, typer.Option("--horizon", help="Days forecast at each cutoff.")] = 1,
    models: Annotated[
        list[str] | None, typer.Option("--models", help="Models to compare (repeatable); default all registered.")
    ] = None,
    scheduler: Scheduler = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
) -> None:
    """Rolling-origin backtests: WAPE, MASE, bias, coverage, hit-ratio regret; offline HTML report."""
    from cdn.progress import log
    from cdn.report import accuracy_report

    names = [m for item in models or [] for m in item.split(",") if m] or None
    payload = accuracy_report(data, out, cutoffs=cutoffs, horizon=horizon, models=names, scheduler=scheduler,
                              seed=seed)
    for row in payload["overall"]:
        log(f"{row['model']:>8}: WAPE {row['wape']:.3f}  MASE {row['mase']:.3f}  bias {row['bias']:+.3f}  "
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
    model: ModelName = "auto",
    solver: SolverName = "highs",
    time_limit: TimeLimit = PLAN_TIME_LIMIT,
    gap: Gap = PLAN_GAP,
    scheduler: Scheduler = None,
) -> None:
    """The nightly job: forecast D, plan the fill, write it, and print what the plan is expected to do."""
    from cdn.nightly import describe, plan_date, run_nightly
    from cdn.progress import log
    from cdn.scenario import load_scenario

    scenario = load_scenario(data)
    day = plan_date(scenario, date)
    outcome = run_nightly(scenario, day, out, model=model, solver=solver, time_limit=time_limit, gap=gap,
                          scheduler=scheduler)
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
    model: ModelName = "auto",
) -> None:
    """Plan the night before D: forecast D, choose what each site holds, write the fill plan."""
    from cdn.planning import plan_command
    from cdn.progress import log

    result = plan_command(data, date, out, solver=solver, time_limit=time_limit, gap=gap, model=model)
    gap_text = "n/a" if result.gap is None else f"{result.gap:.4%}"
    log(f"{out}/{date}: {result.status} ({result.solver}, {result.method}), expected edge byte hit ratio "
        f"{result.expected_edge_byte_hit_ratio:.3f}, fill {result.fill_gb:.1f} GB, evict {result.evict_gb:.1f} GB, "
        f"gap {gap_text}, {result.seconds:.1f}s" + (f"; note: {result.reason}" if result.reason else ""))


@app.command()
@handles_errors
def simulate(
    data: DataDir,
    date: Annotated[str, typer.Option("--date", help="Day of actual demand to route (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="Directory for summary.json and the CSV tables.")],
    plan: Annotated[Path | None, typer.Option("--plan", help="Dated plan directory OUT/<date>; default: the "
                                              "scenario's placement.csv.")] = None,
    fail: Annotated[list[str] | None, typer.Option("--fail", help="Site or link (A-B) to remove; repeatable.")] = None,
) -> None:
    """Route a day's actual demand over the network for a plan: hits, backbone, link load, failures."""
    from cdn.simulate import run_simulation

    sim = run_simulation(data, plan, date, fail or [], out)
    s = sim.summary
    hit = "n/a (no demand)" if s["edge_byte_hit_ratio"] is None else f"{s['edge_byte_hit_ratio']:.4f}"
    print(f"{out}: {s['date']}: edge byte hit ratio {hit}, backbone {s['backbone_gb']:.1f} GB"
          f", peak link utilisation {s['peak_link_utilisation']:.3f}, {len(s['overloaded_links'])} overloaded "
          f"link(s), unreachable regions: {', '.join(s['unreachable_regions']) or 'none'}")


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
    seed: Annotated[int, typer.Option("--seed", help="Seed of the network's random choices.")] = 0,
    fmt: Annotated[str, typer.Option("--format", help="Demand file format: csv or parquet.")] = "csv",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace OUT if it exists.")] = False,
) -> None:
    """Convert MovieTweetings ratings into a scenario on a real network (rules in docs/data.md)."""
    from cdn.movietweetings import convert_movietweetings as convert
    from cdn.movietweetings import read_movies, read_ratings, write_converted
    from cdn.progress import log

    scenario = convert(read_ratings(ratings), read_movies(movies), topology, edges=edges,
                       views_per_rating=views_per_rating, min_ratings=min_ratings, region_skew=region_skew, seed=seed)
    write_converted(scenario, out, fmt=fmt, overwrite=overwrite)  # type: ignore[arg-type]
    log(f"{out}: {len(scenario.sites)} sites, {len(scenario.catalog)} titles, {len(scenario.demand)} demand rows "
        f"from {scenario.params['first_day']} to {scenario.params['last_day']}")


@app.command()
@handles_errors
def replay(
    data: DataDir,
    start: Annotated[str, typer.Option("--from", help="First night to replay (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last night to replay (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="Output directory (replaced): summary.json, days.csv, plans, "
                                      "charts.")],
    model: ModelName = "auto",
    solver: SolverName = "highs",
    policy: Annotated[list[str] | None, typer.Option("--policy", help="Reactive cache policy (repeatable); "
                                                     "default lru, lfu, s3fifo, belady.")] = None,
    no_caches: Annotated[bool, typer.Option("--no-caches", help="Skip the reactive cache baselines.")] = False,
    no_oracle: Annotated[bool, typer.Option("--no-oracle", help="Skip the oracle plans.")] = False,
    time_limit: ReplayTimeLimit = REPLAY_TIME_LIMIT,
    seed: Annotated[int, typer.Option("--seed", help="Seed of forecasts and cache request streams.")] = 0,
    warmup: Annotated[int, typer.Option("--warmup", help="Nights before --from run but not reported.")] = 7,
) -> None:
    """Replay nights: forecast, plan, simulate the next day; against oracle plans and reactive caches."""
    from cdn.caches import DEFAULT_POLICIES
    from cdn.replay import replay_command

    policies = [] if no_caches else (policy or list(DEFAULT_POLICIES))
    result = replay_command(data, start, end, out, model, solver, policies, not no_oracle, time_limit, seed, warmup)
    for name, s in result.summary["strategies"].items():
        hit = "n/a" if s["edge_byte_hit_ratio"] is None else f"{s['edge_byte_hit_ratio']:.4f}"
        print(f"{name:>10}: edge byte hit ratio {hit}, backbone {s['backbone_tb']:.2f} TB, fill {s['fill_tb']:.2f} TB"
              f", peak backbone {s['peak_backbone_gbps']:.2f} Gbps")
    print(f"{out}: summary.json, days.csv, index.html")


def main() -> None:
    """Entry point of the ``cdn`` console script."""
    app()
