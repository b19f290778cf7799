"""Forecasting library: regional demand forecasts per (region, title)."""
