"""The exception of :mod:`forecasting`."""


class ForecastError(ValueError):
    """A forecast that cannot be made from the given history or options; the message names the value."""
