"""Fixtures of the forecasting tests: small synthetic demand frames with known structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdn import columns as C


def synthetic_history(n_regions: int = 3, n_titles: int = 40, n_days: int = 56, seed: int = 0,
                      start: str = "2024-01-01") -> pd.DataFrame:
    """Zipf-popular titles with a weekly cycle, Poisson noise and a few launches (decaying curves)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, periods=n_days, freq="D")
    weekly = np.array([1.0, 0.9, 0.9, 1.0, 1.2, 1.4, 1.3])[days.day_of_week]
    base = 400.0 / np.arange(1, n_titles + 1) ** 0.9
    launch_day = np.where(np.arange(n_titles) % 7 == 3, rng.integers(0, n_days, n_titles), -1)
    rows = []
    for r in range(n_regions):
        affinity = rng.uniform(0.5, 1.5, n_titles)
        for t in range(n_titles):
            age = np.arange(n_days) - launch_day[t]
            launched = np.where(age >= 0, 3.0 * np.exp(-age / 5.0) + 0.3, 0.0)
            curve = launched if launch_day[t] >= 0 else np.ones(n_days)
            views = rng.poisson(base[t] * affinity[t] * weekly * curve)
            rows.append(pd.DataFrame({C.DATE: days, C.REGION: f"r{r}", C.TITLE: f"t{t:03d}",
                                      C.VIEWS: views.astype(float)}))
    out = pd.concat(rows, ignore_index=True)
    return out[out[C.VIEWS] > 0].reset_index(drop=True)


@pytest.fixture
def history() -> pd.DataFrame:
    """3 regions x 40 titles x 56 days from 2024-01-01."""
    return synthetic_history()


def weekly_series(levels: dict[str, float], days: int, region: str = "r", seed: int = 0,
                  start: str = "2024-01-01") -> pd.DataFrame:
    """One series per title: ``level`` x a weekend-high weekly cycle x Poisson noise."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=days)
    weekly = np.array([0.8, 0.8, 0.9, 1.0, 1.1, 1.6, 1.5])[dates.day_of_week]
    frames = [pd.DataFrame({C.DATE: dates, C.REGION: region, C.TITLE: title,
                            C.VIEWS: rng.poisson(level * weekly).astype(float)}) for title, level in levels.items()]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def weekly():
    """:func:`weekly_series`, as a fixture."""
    return weekly_series


@pytest.fixture
def synthetic():
    """:func:`synthetic_history`, as a fixture."""
    return synthetic_history
