"""Scenario loading and validation: every contract rule, each bad input with the message it gives."""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from cdn import columns as C
from cdn.errors import ScenarioError
from cdn.scenario import load_scenario

TINY = Path(__file__).parent.parent / "data" / "tiny"


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    target = tmp_path / "scenario"
    shutil.copytree(TINY, target)
    return target


def edit_csv(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False)


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def test_tiny_scenario_loads_with_typed_frames() -> None:
    scenario = load_scenario(TINY)
    assert scenario.catalog[C.TITLE].tolist() == ["t1", "t2", "t3", "007"]
    assert scenario.catalog.loc[3, C.GB_PER_VIEW] == 3.0
    assert scenario.region_site() == {"r1": "E1", "r2": "E2"}
    assert scenario.sites.set_index(C.SITE).loc["O", C.DISK_GB] == 0.0
    assert math.isnan(scenario.sites.set_index(C.SITE).loc["E2", C.FILL_GBPS])
    budget = scenario.fill_budget_gb()
    assert budget["E1"] == pytest.approx(0.05 * 3600 * 12 / 8)
    assert budget["E2"] == math.inf
    assert scenario.first_date == pd.Timestamp("2024-01-01")
    assert scenario.last_date == pd.Timestamp("2024-01-14")
    assert len(scenario.placement) == 3
    assert scenario.graph["O"]["S"][C.COST] == 5.0
    assert len(scenario.history(pd.Timestamp("2024-01-02"))) == 6


def test_identifiers_stay_text(scenario_dir: Path) -> None:
    scenario = load_scenario(scenario_dir)
    assert "007" in set(scenario.catalog[C.TITLE])
    assert "007" in set(scenario.demand[C.TITLE])


def test_gb_per_view_defaults_to_a_twelfth_of_size(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "catalog.csv", lambda f: f.drop(columns=[C.GB_PER_VIEW]))
    scenario = load_scenario(scenario_dir)
    assert scenario.catalog[C.GB_PER_VIEW].tolist() == pytest.approx([40 / 12, 20 / 12, 10 / 12, 30 / 12])


def test_parquet_demand_is_accepted(scenario_dir: Path) -> None:
    demand = pd.read_csv(scenario_dir / "demand.csv", dtype={C.TITLE: str})
    demand.to_parquet(scenario_dir / "demand.parquet", index=False)
    (scenario_dir / "demand.csv").unlink()
    scenario = load_scenario(scenario_dir)
    assert len(scenario.demand) == len(demand)
    assert "007" in set(scenario.demand[C.TITLE])


def test_parquet_demand_with_nan_views_is_reported(scenario_dir: Path) -> None:
    demand = pd.read_csv(scenario_dir / "demand.csv", dtype={C.TITLE: str})
    demand.loc[2, C.VIEWS] = float("nan")
    demand.to_parquet(scenario_dir / "demand.parquet", index=False)
    (scenario_dir / "demand.csv").unlink()
    expected = "not a finite number: 'nan'; expected a number of views from 0 to 1e+12"
    assert f"demand.parquet line 4, column views: {expected}" in problems_of(scenario_dir)


def test_missing_file_is_named(scenario_dir: Path) -> None:
    (scenario_dir / "links.csv").unlink()
    assert any(p.startswith("links.csv: file is missing") for p in problems_of(scenario_dir))


def test_missing_demand_file_mentions_parquet(scenario_dir: Path) -> None:
    (scenario_dir / "demand.csv").unlink()
    assert any("demand.parquet is accepted" in p for p in problems_of(scenario_dir))


def test_missing_column_is_named(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "catalog.csv", lambda f: f.drop(columns=[C.SIZE_GB]))
    assert problems_of(scenario_dir) == [
        "catalog.csv: missing required column(s) size_gb; found title_id, gb_per_view, release_date, language, genre"
    ]


def test_duplicate_title_ids_are_listed_with_lines(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "catalog.csv", lambda f: f.assign(title_id=["t1", "t2", "t1", "007"]))
    assert "catalog.csv lines 2, 4, column title_id: duplicate id 't1' (2 rows)" in problems_of(scenario_dir)


def test_duplicate_site_ids(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "sites.csv", lambda f: f.assign(site_id=["O", "S", "E1", "E1"]))
    problems = problems_of(scenario_dir)
    assert any(p.startswith("sites.csv lines 4, 5, column site_id: duplicate id 'E1'") for p in problems)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("big", "catalog.csv line 3, column size_gb: not a finite number: 'big'; expected a number > 0"),
        ("-2", "catalog.csv line 3, column size_gb: value '-2' out of range; expected a number > 0"),
        ("0", "catalog.csv line 3, column size_gb: value '0' out of range; expected a number > 0"),
        ("", "catalog.csv line 3, column size_gb: empty value; expected a number > 0"),
        ("nan", "catalog.csv line 3, column size_gb: not a finite number: 'nan'; expected a number > 0"),
    ],
)
def test_bad_sizes_are_reported_with_line_and_value(scenario_dir: Path, value: str, expected: str) -> None:
    def change(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[1, C.SIZE_GB] = value
        return f

    edit_csv(scenario_dir / "catalog.csv", change)
    assert expected in problems_of(scenario_dir)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "value '-1' out of range; expected a number of views from 0 to 1e+12"),
        ("many", "not a finite number: 'many'; expected a number of views from 0 to 1e+12"),
        ("NaN", "not a finite number: 'NaN'; expected a number of views from 0 to 1e+12"),
        ("inf", "not a finite number: 'inf'; expected a number of views from 0 to 1e+12"),
        ("1e300", "value '1e300' out of range; expected a number of views from 0 to 1e+12"),
    ],
)
def test_bad_views_are_reported(scenario_dir: Path, value: str, message: str) -> None:
    def change(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[4, C.VIEWS] = value
        return f

    edit_csv(scenario_dir / "demand.csv", change)
    assert f"demand.csv line 6, column views: {message}" in problems_of(scenario_dir)


def test_bad_dates_are_reported(scenario_dir: Path) -> None:
    def change(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[0, C.DATE] = "01/02/2024"
        return f

    edit_csv(scenario_dir / "demand.csv", change)
    assert "demand.csv line 2, column date: not a YYYY-MM-DD date: '01/02/2024'" in problems_of(scenario_dir)


def test_bad_release_date(scenario_dir: Path) -> None:
    def change(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[2, C.RELEASE_DATE] = "2024-02-30"
        return f

    edit_csv(scenario_dir / "catalog.csv", change)
    assert "catalog.csv line 4, column release_date: not a YYYY-MM-DD date: '2024-02-30'" in problems_of(scenario_dir)


def test_demand_for_unknown_region_and_title(scenario_dir: Path) -> None:
    def change(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[0, C.REGION] = "r9"
        f.loc[1, C.TITLE] = "t9"
        return f

    edit_csv(scenario_dir / "demand.csv", change)
    problems = problems_of(scenario_dir)
    assert "demand.csv line 2, column region: region 'r9' is named by no site in sites.csv" in problems
    assert "demand.csv line 3, column title_id: title 't9' is not in catalog.csv" in problems


def test_region_named_by_two_sites(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "sites.csv", lambda f: f.assign(region=["", "", "r1", "r1"]))
    problems = problems_of(scenario_dir)
    assert "sites.csv lines 4, 5, column region: region 'r1' is named by more than one site (2 rows)" in problems


def test_edge_without_region(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "sites.csv", lambda f: f.assign(region=["", "", "", "r2"]))
    assert "sites.csv line 4, column region: an edge site needs a region" in problems_of(scenario_dir)


def test_link_to_unknown_site(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "links.csv", lambda f: f.assign(dst=["S", "E1", "E2", "E9"]))
    assert "links.csv line 5, column dst: unknown site 'E9' (not in sites.csv)" in problems_of(scenario_dir)


def test_no_origin(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "sites.csv", lambda f: f.assign(tier=["storage", "storage", "edge", "edge"], disk_gb="10"))
    problems = problems_of(scenario_dir)
    assert "sites.csv, column tier: no site has tier origin; at least one origin must hold the catalog" in problems


def test_site_that_cannot_reach_an_origin(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "links.csv", lambda f: f.iloc[[0, 1]])
    problems = problems_of(scenario_dir)
    assert "sites.csv line 5, column site_id: site 'E2' cannot reach an origin through links.csv" in problems


def test_empty_demand(scenario_dir: Path) -> None:
    (scenario_dir / "demand.csv").write_text("date,region,title_id,views\n")
    assert problems_of(scenario_dir) == [
        "demand.csv: has no rows; a scenario needs at least one day of demand"
    ]


def test_demand_before_release_date(scenario_dir: Path) -> None:
    with (scenario_dir / "demand.csv").open("a") as f:
        f.write("2024-01-05,r1,007,3\n")
    assert (
        "demand.csv line 96, column date: views before the title's release_date "
        "(e.g. '007' on 2024-01-05, released 2024-01-10)"
    ) in problems_of(scenario_dir)


def test_zero_views_before_release_are_allowed(scenario_dir: Path) -> None:
    with (scenario_dir / "demand.csv").open("a") as f:
        f.write("2024-01-05,r1,007,0\n")
    assert load_scenario(scenario_dir).demand[C.VIEWS].sum() > 0


def test_duplicate_demand_rows(scenario_dir: Path) -> None:
    with (scenario_dir / "demand.csv").open("a") as f:
        f.write("2024-01-01,r1,t1,3\n")
    problems = problems_of(scenario_dir)
    assert "demand.csv lines 2, 96, column title_id: duplicate (date, region, title_id) rows (2 rows)" in problems


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_demand_in_any_row_order_loads_sorted_and_reports_duplicates_by_line(scenario_dir: Path, fmt: str) -> None:
    # a file in key order skips the sort and finds duplicates among neighbours; any other order is sorted
    ordered = load_scenario(scenario_dir).demand
    demand = pd.read_csv(scenario_dir / "demand.csv", dtype=str, keep_default_na=False)
    shuffled = demand.sample(frac=1.0, random_state=0)
    (scenario_dir / "demand.csv").unlink()

    def write(frame: pd.DataFrame) -> None:
        if fmt == "csv":
            frame.to_csv(scenario_dir / "demand.csv", index=False)
        else:
            out = frame.assign(**{C.DATE: pd.to_datetime(frame[C.DATE]).dt.date, C.VIEWS: frame[C.VIEWS].astype(float)})
            out.to_parquet(scenario_dir / "demand.parquet", index=False)

    write(shuffled)
    loaded = load_scenario(scenario_dir).demand
    pd.testing.assert_frame_equal(loaded, ordered)
    assert loaded[C.DATE].dtype == "datetime64[ns]" and loaded[C.TITLE].dtype == object
    file = f"demand.{fmt}"
    for frame, lines in ((pd.concat([demand.iloc[:2], demand.iloc[1:]]), "3, 4"),  # in order: neighbours
                         (pd.concat([shuffled, shuffled.iloc[[5]]]), f"7, {len(demand) + 2}")):
        write(frame)
        message = f"{file} lines {lines}, column title_id: duplicate (date, region, title_id) rows (2 rows)"
        assert message in problems_of(scenario_dir)


def test_bad_settings(scenario_dir: Path) -> None:
    (scenario_dir / "settings.json").write_text('{"peak_hour_share": 2}')
    assert "settings.json, column peak_hour_share: peak_hour_share = 2; expected a share in (0, 1]" in problems_of(
        scenario_dir
    )


def test_settings_not_json(scenario_dir: Path) -> None:
    (scenario_dir / "settings.json").write_text("{oops")
    assert any(p.startswith("settings.json: not valid JSON") for p in problems_of(scenario_dir))


def test_negative_disk_and_zero_capacity(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "sites.csv", lambda f: f.assign(disk_gb=["", "-5", "60", "40"]))
    edit_csv(scenario_dir / "links.csv", lambda f: f.assign(capacity_gbps=["10", "0", "1", "1"]))
    problems = problems_of(scenario_dir)
    assert "sites.csv line 3, column disk_gb: value '-5' out of range; expected a number >= 0" in problems
    assert "links.csv line 3, column capacity_gbps: value '0' out of range; expected a number > 0" in problems


def test_placement_naming_unknown_site(scenario_dir: Path) -> None:
    with (scenario_dir / "placement.csv").open("a") as f:
        f.write("O,t1\n")
    problems = problems_of(scenario_dir)
    # that alone: an origin has no disk, so its rows are not also reported as exceeding one
    assert problems == ["placement.csv line 5, column site_id: site 'O' is not a storage or edge site of sites.csv"]


def test_dates_that_are_not_dates_are_not_also_reported_as_duplicates(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "demand.csv", lambda f: f.assign(date=f["date"] + " 00:00:00"))
    problems = problems_of(scenario_dir)
    assert len(problems) == 1 and "column date: not a YYYY-MM-DD date: '2024-01-01 00:00:00'" in problems[0]


def test_all_problems_are_reported_together(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "links.csv", lambda f: f.assign(cost=["5", "x", "1", "1"]))
    edit_csv(scenario_dir / "catalog.csv", lambda f: f.assign(size_gb=["40", "-1", "10", "30"]))
    assert len(problems_of(scenario_dir)) == 2


def test_unknown_extra_columns_are_kept(scenario_dir: Path) -> None:
    edit_csv(scenario_dir / "catalog.csv", lambda f: f.assign(studio="acme"))
    assert load_scenario(scenario_dir).catalog["studio"].eq("acme").all()
