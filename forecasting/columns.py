"""The column names of the frames that :mod:`forecasting` reads and returns.

They are the names of the data contract (docs/data-contract.md): demand history is
``date, region, title_id, views``; the catalog is ``title_id`` with optional ``release_date``,
``language``, ``genre``; a forecast is ``date, region, title_id, yhat, yhat_lower, yhat_upper, model``,
optionally followed by the probabilistic extension columns ``yhat_mean`` (expected views: the
conditional mean, what a planner should value) and ``p_views`` (probability of at least one view that
day); point-only files stay valid.
Identifiers are text.
"""

from typing import Final

DATE: Final = "date"
REGION: Final = "region"
TITLE: Final = "title_id"
VIEWS: Final = "views"
RELEASE_DATE: Final = "release_date"
LANGUAGE: Final = "language"
GENRE: Final = "genre"
YHAT: Final = "yhat"
YHAT_LOWER: Final = "yhat_lower"
YHAT_UPPER: Final = "yhat_upper"
MODEL: Final = "model"

YHAT_MEAN: Final = "yhat_mean"
"""Optional forecast column: expected views (the conditional mean), >= 0."""
P_VIEWS: Final = "p_views"
"""Optional forecast column: probability of at least one view that day, in [0, 1]."""

FORECAST_COLUMNS: Final = (DATE, REGION, TITLE, YHAT, YHAT_LOWER, YHAT_UPPER, MODEL)
PROBABILISTIC_COLUMNS: Final = (YHAT_MEAN, P_VIEWS)
"""Optional extension columns of a forecast file, after ``FORECAST_COLUMNS`` when present."""
