"""Forecasting library: regional demand forecasts per (region, title).

>>> from forecasting import forecast, MODELS
>>> sorted(MODELS)
['auto', 'ewma', 'snaive7']
"""

from forecasting import auto as _auto  # noqa: F401  (registers "auto")
from forecasting import prophet_model as _prophet  # noqa: F401  (registers "prophet")
from forecasting.api import forecast
from forecasting.models import MODELS, Forecaster, register

__all__ = ["MODELS", "Forecaster", "forecast", "register"]
