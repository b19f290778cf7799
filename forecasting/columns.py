"""The column names of the frames that :mod:`forecasting` reads and returns.

They are the names of the data contract (docs/data-contract.md): demand history is
``date, region, title_id, views``; the catalog is ``title_id`` with optional ``release_date``,
``language``, ``genre``; a forecast is ``date, region, title_id, yhat, yhat_lower, yhat_upper, model``.
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

FORECAST_COLUMNS: Final = (DATE, REGION, TITLE, YHAT, YHAT_LOWER, YHAT_UPPER, MODEL)
