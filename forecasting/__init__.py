"""Forecasting library: regional demand forecasts per (region, title).

>>> from forecasting import forecast, MODELS
>>> sorted(MODELS)[:7]
['adida', 'auto', 'croston_sba', 'ets', 'ewma', 'imapa', 'last_value']
>>> sorted(MODELS)[7:]
['lightgbm', 'mean7', 'mstl', 'prophet', 'snaive7', 'theta', 'tsb']

:func:`forecast` is the entry point; :func:`backtest` runs rolling-origin backtests of any registered
models. The library imports nothing from ``cdn``.
"""

from forecasting import auto as _auto  # noqa: F401  (registers "auto")
from forecasting import boosted as _boosted  # noqa: F401  (registers "lightgbm")
from forecasting import prophet_model as _prophet  # noqa: F401  (registers "prophet")
from forecasting import statistical as _statistical  # noqa: F401  (registers "ets", "theta", "mstl", ...)
from forecasting.api import expected_views, forecast
from forecasting.backtest import BacktestResult, backtest, last_cutoffs
from forecasting.models import MODELS, Forecaster, register

__all__ = ["MODELS", "BacktestResult", "Forecaster", "backtest", "expected_views", "forecast", "last_cutoffs",
           "register"]
