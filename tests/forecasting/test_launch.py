"""Launch curves and analog titles."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cdn import columns as C
from forecasting.launch import FIRST_WEEK, LaunchCurve, analog_levels, learn_curve


def test_the_curve_is_learned_from_past_launches_and_averages_one_over_the_first_week() -> None:
    n_days = 60
    age = np.arange(n_days)
    shape = 0.2 + np.exp(-age / 4.0)
    share = np.zeros((4, n_days))
    release = np.array([0.0, 5.0, 10.0, np.nan])
    for i, rel in enumerate(release[:3]):
        share[i, int(rel):] = (i + 1) * 0.01 * shape[: n_days - int(rel)]
    share[3] = 0.05  # back catalogue, no release inside the history
    curve = learn_curve(share, release)
    assert curve.launches == 3
    assert np.isclose(curve.g[:FIRST_WEEK].mean(), 1.0)
    expected = shape[:40] / shape[:FIRST_WEEK].mean()
    assert np.allclose(curve.g[:40], expected)


def test_too_few_launches_give_a_flat_curve() -> None:
    curve = learn_curve(np.ones((2, 30)), np.array([3.0, np.nan]))
    assert curve.launches == 0 and np.all(curve.g == 1.0)


def test_adjustment_follows_the_decay_and_is_one_for_old_titles() -> None:
    g = np.r_[np.full(8, 2.0), np.ones(53)]
    curve = LaunchCurve(g, launches=5)
    adj = curve.adjustment(np.array([2.0, np.nan]), n_days=10, horizon=1, weights=np.ones(3))
    # series 0: last three days are ages 7 (g=2), 6 (2) and 5 (2); target age 8 has g=1 -> factor 1/2
    assert np.allclose(adj, [[0.5], [1.0]])


def test_analogs_prefer_same_language_and_genre_then_language() -> None:
    levels = pd.DataFrame({C.REGION: ["r"] * 7, C.TITLE: list("abcdefg"),
                           "level": [0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.9]})
    catalog = pd.DataFrame({C.TITLE: [*"abcdefg", "new1", "new2"],
                            C.LANGUAGE: ["en", "en", "en", "fr", "fr", "fr", "fr", "en", "fr"],
                            C.GENRE: ["drama"] * 3 + ["comedy"] * 3 + ["drama", "drama", "drama"]})
    out = analog_levels(levels, catalog, ["new1", "new2"]).set_index(C.TITLE)["level"]
    assert out["new1"] == 0.1  # three English dramas
    assert out["new2"] == 0.5  # one French drama only: falls back to the French titles (median 0.5)


def test_adjustment_of_many_series_equals_each_series_alone() -> None:
    """The factor is computed once per distinct release column: every row must equal its own computation."""
    rng = np.random.default_rng(0)
    curve = LaunchCurve(np.r_[rng.uniform(0.5, 3.0, 20), rng.uniform(0.2, 1.0, 41)], launches=9)
    release = rng.integers(-5, 70, 400).astype(float)
    release[rng.random(400) < 0.2] = np.nan
    weights = 0.5 ** (np.arange(28) / 4.0)
    together = curve.adjustment(release, n_days=60, horizon=3, weights=weights)
    alone = np.vstack([curve.adjustment(release[i:i + 1], n_days=60, horizon=3, weights=weights)
                       for i in range(len(release))])
    assert np.array_equal(together, alone)
    assert not np.all(together == 1.0)
