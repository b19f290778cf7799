"""The MovieTweetings converter on a small hand-made slice in the original file format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cdn import columns as C
from cdn.cli import app
from cdn.errors import InputError
from cdn.movietweetings import convert_movietweetings, read_movies, read_ratings, write_converted
from cdn.scenario import load_scenario

ABILENE = Path(__file__).parents[2] / "data" / "raw" / "topology-zoo" / "Abilene.graphml"
DAY = 86_400
T0 = 1_362_096_000  # 2013-03-01 00:00:00 UTC

MOVIES = """0111161::The Shawshank Redemption (1994)::Crime|Drama
1951264::The Hunger Games: Catching Fire (2013)::Action|Adventure|Sci-Fi
0000001::Rarely Rated (2001)::Documentary
"""


def _ratings() -> str:
    rows = ["9::0111161::9::" + str(T0 - 3_600)]  # 2013-02-28 23:00: a partial first day, dropped
    for day in range(3):  # Shawshank: users 1-4 every day
        rows += [f"{u}::0111161::10::{T0 + day * DAY + 600 * u}" for u in range(1, 5)]
    rows += [f"{u}::1951264::8::{T0 + DAY + 60 * u}" for u in range(1, 7)]  # Catching Fire from day 2
    rows += ["1::0000001::5::" + str(T0 + 100)]  # one rating only: below min_ratings
    rows += ["2::0111161::7::" + str(T0 + 3 * DAY - 1)]  # a whole last day (ends 23:59:59)
    return "\n".join(rows) + "\n"


@pytest.fixture
def raw(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "ratings.dat").write_text(_ratings())
    (tmp_path / "movies.dat").write_text(MOVIES, encoding="utf-8")
    return tmp_path / "ratings.dat", tmp_path / "movies.dat"


def _convert(raw: tuple[Path, Path], **kwargs: object):
    args = {"edges": 4, "views_per_rating": 10, "min_ratings": 2, **kwargs}
    return convert_movietweetings(read_ratings(raw[0]), read_movies(raw[1]), ABILENE, **args)  # type: ignore[arg-type]


def test_each_rating_becomes_k_views_on_its_utc_day_and_region(raw: tuple[Path, Path]) -> None:
    scenario = _convert(raw)
    demand = scenario.demand
    assert demand[C.DATE].min() == "2013-03-01"  # 2013-02-28 was partial
    assert demand[C.VIEWS].sum() == 10 * (12 + 6 + 1)
    per_title = demand.groupby(C.TITLE)[C.VIEWS].sum()
    assert per_title.to_dict() == {"tt0111161": 130.0, "tt1951264": 60.0}
    assert demand.groupby([C.DATE, C.TITLE])[C.VIEWS].sum()[("2013-03-02", "tt1951264")] == 60.0
    assert scenario.params["ratings_kept"] == 19


def test_a_user_always_lands_in_the_same_region_and_the_same_seed_repeats(raw: tuple[Path, Path]) -> None:
    times = [T0, T0 + 5_000, T0 + DAY + 7, T0 + 2 * DAY - 1]
    ratings = pd.DataFrame({"user_id": "7", "movie_id": ["0111161", "1951264", "0111161", "1951264"], "rating": 8,
                            "timestamp": pd.to_datetime(times, unit="s")})
    one_user = convert_movietweetings(ratings, read_movies(raw[1]), ABILENE, edges=11, min_ratings=1)
    assert one_user.demand[C.REGION].nunique() == 1
    assert one_user.demand[C.VIEWS].sum() == 400.0
    pd.testing.assert_frame_equal(_convert(raw, seed=3).demand, _convert(raw, seed=3).demand)
    assert _convert(raw, seed=3).sites.equals(_convert(raw, seed=3).sites)


def test_titles_below_the_rating_cut_are_dropped(raw: tuple[Path, Path]) -> None:
    assert "tt0000001" not in set(_convert(raw).catalog[C.TITLE])
    assert set(_convert(raw, min_ratings=7).catalog[C.TITLE]) == {"tt0111161"}
    with pytest.raises(InputError, match="no title has 100 or more ratings"):
        _convert(raw, min_ratings=100)


def test_release_dates_are_the_year_for_old_titles_and_the_first_rating_for_new_ones(raw: tuple[Path, Path]) -> None:
    catalog = _convert(raw).catalog.set_index(C.TITLE)
    assert catalog.loc["tt0111161", C.RELEASE_DATE] == "1994-01-01"
    assert catalog.loc["tt1951264", C.RELEASE_DATE] == "2013-03-02"
    assert catalog.loc["tt0111161", C.GENRE] == "crime"
    assert catalog[C.SIZE_GB].between(40, 80).all()
    assert (catalog[C.GB_PER_VIEW] == (catalog[C.SIZE_GB] / 10).round(2)).all()


def test_region_skew_gives_the_first_regions_more_users() -> None:
    users = [str(u) for u in range(4000)]
    start = pd.Timestamp("2013-03-01 12:00")
    ratings = pd.DataFrame({"user_id": users, "movie_id": "0111161", "rating": 8,
                            "timestamp": start + pd.Series(range(4000)) * pd.Timedelta("1s")})
    ratings.loc[0, "timestamp"] = pd.Timestamp("2013-03-01 00:00")
    ratings.loc[1, "timestamp"] = pd.Timestamp("2013-03-01 23:59")
    movies = pd.DataFrame({"movie_id": ["0111161"], "name": ["The Shawshank Redemption"], "year": [1994.0],
                           "genres": ["Crime|Drama"]})
    scenario = convert_movietweetings(ratings, movies, ABILENE, edges=4, min_ratings=1, region_skew=1.0)
    counts = list(scenario.params["users_per_region"].values())  # type: ignore[union-attr]
    assert sum(counts) == 4000
    expected = [4000 * (1 / i) / sum(1 / k for k in range(1, 5)) for i in range(1, 5)]
    assert counts == pytest.approx(expected, rel=0.12)


def test_converted_scenario_passes_the_loader_in_both_formats(raw: tuple[Path, Path], tmp_path: Path) -> None:
    scenario = _convert(raw)
    for fmt in ("csv", "parquet"):
        write_converted(scenario, tmp_path / fmt, fmt=fmt)  # type: ignore[arg-type]
        loaded = load_scenario(tmp_path / fmt)
        assert loaded.demand[C.VIEWS].sum() == 190.0
        assert (loaded.sites[C.TIER] == C.EDGE).sum() == 4


def test_cli_converts_and_reports_bad_input_with_exit_2(raw: tuple[Path, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["convert-movietweetings", "--ratings", str(raw[0]), "--movies", str(raw[1]), "--topology", str(ABILENE),
            "--edges", "3", "--min-ratings", "2", "--out", str(tmp_path / "mt")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["validate", str(tmp_path / "mt")]).exit_code == 0
    (tmp_path / "broken.dat").write_text("1::0111161::8\n")
    bad = runner.invoke(app, [*args[:2], str(tmp_path / "broken.dat"), *args[3:-1], str(tmp_path / "bad")])
    assert bad.exit_code == 2
    assert "line 1: expected 4 fields" in bad.output
    assert not (tmp_path / "bad").exists()
