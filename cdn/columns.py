"""The column vocabulary shared by every package of edgefill.

All frames passed between ``cdn``, ``forecasting`` and ``placement`` use these names, which are the
names of the data contract (docs/data-contract.md). Identifiers are always text.
"""

from typing import Final

# identifiers
DATE: Final = "date"
REGION: Final = "region"
TITLE: Final = "title_id"
SITE: Final = "site_id"
SRC: Final = "src"
DST: Final = "dst"

# catalog
SIZE_GB: Final = "size_gb"
GB_PER_VIEW: Final = "gb_per_view"
RELEASE_DATE: Final = "release_date"
LANGUAGE: Final = "language"
GENRE: Final = "genre"

# sites
TIER: Final = "tier"
DISK_GB: Final = "disk_gb"
SERVE_GBPS: Final = "serve_gbps"
FILL_GBPS: Final = "fill_gbps"
LAT: Final = "lat"
LON: Final = "lon"

# links
CAPACITY_GBPS: Final = "capacity_gbps"
COST: Final = "cost"
KIND: Final = "kind"

# demand and forecasts
VIEWS: Final = "views"
GB: Final = "gb"
YHAT: Final = "yhat"
YHAT_LOWER: Final = "yhat_lower"
YHAT_UPPER: Final = "yhat_upper"
MODEL: Final = "model"

# plans
ACTION: Final = "action"
PRIORITY: Final = "priority"
SOURCE: Final = "source"

# tiers, actions and link kinds
ORIGIN: Final = "origin"
STORAGE: Final = "storage"
EDGE: Final = "edge"
TIERS: Final = (ORIGIN, STORAGE, EDGE)
ADD: Final = "add"
KEEP: Final = "keep"
EVICT: Final = "evict"
ACCESS: Final = "access"

FORECAST_COLUMNS: Final = (DATE, REGION, TITLE, YHAT, YHAT_LOWER, YHAT_UPPER, MODEL)
PLAN_COLUMNS: Final = (SITE, TITLE, ACTION, SIZE_GB, PRIORITY, SOURCE)
