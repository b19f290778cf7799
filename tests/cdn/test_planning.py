import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cdn import columns as C
from cdn.errors import InputError
from cdn.planning import (
    HISTORY_DAYS,
    HISTORY_WEIGHT,
    HORIZON_DAYS,
    check_objective,
    expected_gb,
    held_before,
    make_plan,
    observed_gb,
    value_signal,
)
from cdn.scenario import load_scenario
from forecasting import expected_views

TINY = Path(__file__).parents[1] / "data" / "tiny"
DATE = "2024-01-10"


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY)


def actual_as_forecast(scenario, date: str) -> pd.DataFrame:
    """The day's actual views as a contract forecast frame (an oracle forecast)."""
    day = scenario.day(pd.Timestamp(date))
    return pd.DataFrame({C.DATE: day[C.DATE], C.REGION: day[C.REGION], C.TITLE: day[C.TITLE],
                         C.YHAT: day[C.VIEWS], C.YHAT_LOWER: day[C.VIEWS], C.YHAT_UPPER: day[C.VIEWS],
                         C.MODEL: "oracle"})


def check_feasible(scenario, out: Path, date: str) -> pd.DataFrame:
    """Disk and fill budgets hold and actions agree with what was held before."""
    plan = pd.read_csv(out / date / "placement.csv", dtype={C.SITE: str, C.TITLE: str, C.SOURCE: str},
                       keep_default_na=False)
    before = set(zip(*held_before(scenario, out, date).to_numpy().T, strict=True))
    listed = set(zip(plan[C.SITE], plan[C.TITLE], strict=True))
    assert all(((s, t) in before) == (a != C.ADD) for s, t, a in zip(plan[C.SITE], plan[C.TITLE], plan[C.ACTION],
                                                                     strict=True))
    assert before <= listed
    size = scenario.catalog.set_index(C.TITLE)[C.SIZE_GB]
    after = plan[plan[C.ACTION] != C.EVICT]
    held_gb = after[C.TITLE].map(size).astype(float).groupby(after[C.SITE]).sum()
    disk = scenario.sites.set_index(C.SITE)[C.DISK_GB]
    assert (held_gb <= disk.reindex(held_gb.index) + 1e-9).all()
    adds = plan[plan[C.ACTION] == C.ADD]
    fill = adds[C.TITLE].map(size).astype(float).groupby(adds[C.SITE]).sum()
    assert (fill <= scenario.fill_budget_gb().reindex(fill.index) + 1e-9).all()
    return plan


def test_plan_directory_holds_a_feasible_plan_and_the_contract_summary(tiny, tmp_path):
    result = make_plan(tiny, DATE, actual_as_forecast(tiny, DATE), tmp_path, solver="greedy")
    check_feasible(tiny, tmp_path, DATE)
    summary = json.loads((tmp_path / DATE / "summary.json").read_text())
    for key in ("date", "status", "solver", "objective", "bound", "gap", "expected_edge_byte_hit_ratio",
                "fill_gb", "evict_gb", "seconds"):
        assert key in summary
    assert summary["date"] == DATE and summary["status"] == result.status
    assert sorted(p.name for p in tmp_path.iterdir()) == [DATE]  # no temporary directory left behind


def test_next_night_starts_from_the_previous_plan(tiny, tmp_path):
    make_plan(tiny, DATE, actual_as_forecast(tiny, DATE), tmp_path, solver="greedy")
    first = pd.read_csv(tmp_path / DATE / "placement.csv", dtype=str, keep_default_na=False)
    held = held_before(tiny, tmp_path, "2024-01-11")
    kept = first.loc[first[C.ACTION] != C.EVICT, [C.SITE, C.TITLE]].sort_values([C.SITE, C.TITLE])
    assert held.to_numpy().tolist() == kept.to_numpy().tolist()
    make_plan(tiny, "2024-01-11", actual_as_forecast(tiny, "2024-01-11"), tmp_path, solver="greedy")
    check_feasible(tiny, tmp_path, "2024-01-11")


def test_without_previous_plan_the_scenario_placement_is_held(tiny, tmp_path):
    held = held_before(tiny, tmp_path, DATE)
    assert held.to_numpy().tolist() == [["E1", "t1"], ["S", "t1"], ["S", "t2"]]


def test_rerun_replaces_the_plan_with_identical_files(tiny, tmp_path):
    forecast = actual_as_forecast(tiny, DATE)
    make_plan(tiny, DATE, forecast, tmp_path, solver="greedy")
    first = (tmp_path / DATE / "placement.csv").read_bytes()
    summary = json.loads((tmp_path / DATE / "summary.json").read_text())
    make_plan(tiny, DATE, forecast, tmp_path, solver="greedy")
    assert (tmp_path / DATE / "placement.csv").read_bytes() == first
    again = json.loads((tmp_path / DATE / "summary.json").read_text())
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in summary.items() if k != "seconds"}


def test_forecast_of_unknown_titles_and_regions_gives_a_plan_that_says_why(tiny, tmp_path):
    forecast = actual_as_forecast(tiny, DATE)
    extra = forecast.iloc[:2].assign(**{C.TITLE: ["nope", "t1"], C.REGION: ["r1", "mars"]})
    result = make_plan(tiny, DATE, pd.concat([forecast, extra]), tmp_path, solver="greedy")
    assert "'nope'" in result.reason and "'mars'" in result.reason
    assert json.loads((tmp_path / DATE / "summary.json").read_text())["reason"] == result.reason


def test_forecast_with_nan_yhat_is_a_clear_error_and_writes_nothing(tiny, tmp_path):
    forecast = actual_as_forecast(tiny, DATE)
    forecast.loc[forecast.index[0], C.YHAT] = float("nan")
    with pytest.raises(InputError, match="yhat"):
        make_plan(tiny, DATE, forecast, tmp_path, solver="greedy")
    assert not any(tmp_path.iterdir())


def one_row_forecast(date: str, title: str, **values: float) -> pd.DataFrame:
    row = {C.DATE: pd.Timestamp(date), C.REGION: "r1", C.TITLE: title, C.YHAT: 1.0, C.YHAT_LOWER: 0.0,
           C.YHAT_UPPER: 2.0, C.MODEL: "test", **values}
    return pd.DataFrame([row])


def test_expected_views_prefer_the_mean_and_never_fall_below_the_chance_of_a_view():
    frame = pd.concat([one_row_forecast(DATE, "t1", yhat=0.2, yhat_mean=1.5, p_views=0.9),
                       one_row_forecast(DATE, "t2", yhat=0.2, yhat_mean=0.1, p_views=0.6),
                       one_row_forecast(DATE, "t3", yhat=-1.0),
                       one_row_forecast(DATE, "t4", yhat=0.0, yhat_upper=0.0, yhat_mean=1318.0, p_views=0.06)],
                      ignore_index=True)
    frame.loc[2, [C.YHAT_MEAN, C.P_VIEWS]] = float("nan"), float("nan")  # no distribution for t3: yhat, clipped
    # t4: a bucket's mean lifted by rare spikes, far above its 80% interval, is held to the interval's top
    assert expected_views(frame).tolist() == pytest.approx([1.5, 0.6, 0.0, 0.06])


def test_expected_gb_is_the_discounted_mean_of_the_days_the_forecast_covers(tiny):
    days = pd.concat([one_row_forecast(f"2024-01-1{h}", "t1", yhat=float(10 * (h + 1))) for h in range(3)])
    gb = expected_gb(tiny, days, pd.Timestamp(DATE), horizon=2, discount=0.5)  # day 0 weighs 1, day 1 0.5
    assert gb[C.GB].tolist() == pytest.approx([4.0 * (10 + 0.5 * 20) / 1.5])  # t1: 4 GB per view


def test_value_is_never_below_last_weeks_bytes_and_a_diverging_forecast_is_capped(tiny):
    day = pd.Timestamp(DATE)
    recent = observed_gb(tiny, day, HISTORY_DAYS).set_index([C.REGION, C.TITLE])[C.GB]
    zero = pd.concat([one_row_forecast(DATE, t, yhat=0.0) for t in ("t1", "t2", "t3")])
    signal = value_signal(tiny, zero, day).demand.set_index([C.REGION, C.TITLE])[C.GB]
    assert signal.reindex(recent.index).tolist() == pytest.approx(recent.tolist())  # a zero forecast sinks nothing
    huge = one_row_forecast(DATE, "t2", yhat=1e17)
    capped = value_signal(tiny, huge, day).demand.set_index([C.REGION, C.TITLE])[C.GB]
    month = tiny.demand[(tiny.demand[C.DATE] < day) & (tiny.demand[C.DATE] >= day - pd.Timedelta(days=28))]
    top = float((month.loc[month[C.REGION] == "r1", C.VIEWS] * month.loc[month[C.REGION] == "r1", C.TITLE].map(
        tiny.catalog.set_index(C.TITLE)[C.GB_PER_VIEW])).max())
    w = HISTORY_WEIGHT
    assert capped[("r1", "t2")] == pytest.approx((1 - w) * top + w * recent.get(("r1", "t2"), 0.0))
    only_forecast = value_signal(tiny, huge, day, history_weight=0.0).demand
    assert list(only_forecast[C.TITLE]) == ["t2"]  # the oracle's signal: the forecast alone


def test_titles_without_a_forecast_row_still_fill_free_disk(tiny, tmp_path):
    result = make_plan(tiny, DATE, one_row_forecast(DATE, "t3", yhat=5.0), tmp_path, solver="highs")
    held = set(zip(result.holdings[C.SITE], result.holdings[C.TITLE], strict=True))
    assert {("E2", "t1")} <= held or {("E2", "t2")} <= held  # E2 fills from r2's history, not its (empty) forecast
    summary = json.loads((tmp_path / DATE / "summary.json").read_text())
    assert summary["objective_kind"] == "hit" and summary["hit_weight"] > 0
    assert summary["horizon_days"] == HORIZON_DAYS and summary["history_weight"] == HISTORY_WEIGHT


def test_with_a_split_the_plan_fills_nothing_on_weak_evidence_alone(tmp_path):
    # t3 has no views in the week before 2024-01-10 (only older ones: weak evidence); r2 none at all
    root = tmp_path / "scn"
    shutil.copytree(TINY, root)
    demand = pd.read_csv(root / "demand.csv", dtype=str)
    week = (demand["date"] >= "2024-01-03") & (demand["date"] < "2024-01-10")
    demand[~(week & ((demand["region"] == "r2") | (demand["title_id"] == "t3")))].to_csv(root / "demand.csv",
                                                                                          index=False)
    scenario = load_scenario(root)
    proactive = make_plan(scenario, DATE, None, tmp_path / "p", solver="greedy")
    hybrid = make_plan(scenario, DATE, None, tmp_path / "h", solver="greedy", pinned_share={"E1": 1.0, "E2": 1.0})
    assert "t3" in set(proactive.holdings[C.TITLE])  # no idle disk in a proactive plan
    assert "t3" not in set(hybrid.holdings[C.TITLE])  # the caches take what the plan leaves


def test_naive_needs_no_forecast(tiny, tmp_path):
    result = make_plan(tiny, DATE, None, tmp_path, solver="naive")
    assert result.solver == "naive" and result.method == "naive"
    assert json.loads((tmp_path / DATE / "summary.json").read_text())["history_weight"] == 1.0
    check_feasible(tiny, tmp_path, DATE)


def test_unknown_objective_is_a_clear_error():
    with pytest.raises(InputError, match=r"--objective 'nope'.*hit, cost"):
        check_objective("nope")


def test_a_national_grid_is_forecast_one_day_ahead(tiny, monkeypatch):
    from cdn import planning

    assert planning.forecast_horizon(tiny) == planning.HORIZON_DAYS
    monkeypatch.setattr(planning, "FULL_HORIZON_SERIES", len(tiny.catalog) * len(tiny.region_site()) - 1)
    assert planning.forecast_horizon(tiny) == 1
