"""The column vocabulary of the ``cdn`` application.

The names are those of the data contract (docs/data-contract.md). The libraries own the names of the
frames they read and return (:mod:`forecasting.columns`, :mod:`placement.columns`); this module takes
those and adds the ones only the application uses (links, maps, fill rates). Identifiers are text.
"""

from typing import Final

from forecasting.columns import (
    DATE,
    FORECAST_COLUMNS,
    GENRE,
    LANGUAGE,
    MODEL,
    P_VIEWS,
    RELEASE_DATE,
    VIEWS,
    YHAT,
    YHAT_LOWER,
    YHAT_MEAN,
    YHAT_UPPER,
)
from placement.columns import (
    ACTION,
    ADD,
    CAPACITY_GBPS,
    DISK_GB,
    EDGE,
    EVICT,
    GB,
    KEEP,
    ORIGIN,
    PLAN_COLUMNS,
    PRIORITY,
    REGION,
    SERVE_GBPS,
    SITE,
    SIZE_GB,
    SOURCE,
    STORAGE,
    TIER,
    TITLE,
)

__all__ = [
    "ACCESS",
    "ACTION",
    "ADD",
    "CAPACITY_GBPS",
    "COST",
    "DATE",
    "DISK_GB",
    "DST",
    "EDGE",
    "EVICT",
    "FILL_GBPS",
    "FORECAST_COLUMNS",
    "GB",
    "GB_PER_VIEW",
    "GENRE",
    "KEEP",
    "KIND",
    "LANGUAGE",
    "LAT",
    "LON",
    "MODEL",
    "ORIGIN",
    "PLAN_COLUMNS",
    "PRIORITY",
    "P_VIEWS",
    "REGION",
    "RELEASE_DATE",
    "SERVE_GBPS",
    "SITE",
    "SIZE_GB",
    "SOURCE",
    "SRC",
    "STORAGE",
    "TIER",
    "TIERS",
    "TITLE",
    "VIEWS",
    "YHAT",
    "YHAT_LOWER",
    "YHAT_MEAN",
    "YHAT_UPPER",
]

# links
SRC: Final = "src"
DST: Final = "dst"
COST: Final = "cost"
KIND: Final = "kind"
ACCESS: Final = "access"

# catalog and sites, beyond what the libraries read
GB_PER_VIEW: Final = "gb_per_view"
FILL_GBPS: Final = "fill_gbps"
LAT: Final = "lat"
LON: Final = "lon"
TIERS: Final = (ORIGIN, STORAGE, EDGE)
