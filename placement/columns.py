"""The column names of the frames that :mod:`placement` reads and returns.

They are the names of the data contract (docs/data-contract.md): sites are ``site_id, tier, region,
disk_gb, serve_gbps``; the catalog is ``title_id, size_gb``; demand is ``region, title_id, gb``;
holdings are ``site_id, title_id``; a fill plan is ``site_id, title_id, action, size_gb, priority,
source``. Identifiers are text.
"""

from typing import Final

SITE: Final = "site_id"
TITLE: Final = "title_id"
REGION: Final = "region"
TIER: Final = "tier"
DISK_GB: Final = "disk_gb"
SERVE_GBPS: Final = "serve_gbps"
CAPACITY_GBPS: Final = "capacity_gbps"
SIZE_GB: Final = "size_gb"
GB: Final = "gb"
ACTION: Final = "action"
PRIORITY: Final = "priority"
SOURCE: Final = "source"

ORIGIN: Final = "origin"
STORAGE: Final = "storage"
EDGE: Final = "edge"
ADD: Final = "add"
KEEP: Final = "keep"
EVICT: Final = "evict"

PLAN_COLUMNS: Final = (SITE, TITLE, ACTION, SIZE_GB, PRIORITY, SOURCE)
