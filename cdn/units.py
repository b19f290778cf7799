"""How edgefill prints and stores numbers: one place for GB/TB, percentages, Gbps and JSON floats.

Every command prints volumes with :func:`volume` (GB below 10 TB, TB from there, thousands
separators), shares with :func:`percent`, rates with :func:`gbps` and link loads with
:func:`utilisation`; every ``summary.json`` goes through :func:`dumps_json`, so a figure reads
``251348.53``, never ``251348.52999999997``. Decimal units: 1 TB = 1,000 GB.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

GB_PER_TB = 1000.0
TB_FROM_GB = 10_000.0
"""Volumes from this many GB print in TB."""
JSON_SIGNIFICANT = 9
"""Significant digits kept in JSON: binary noise goes (``0.30000000000000004`` is stored as ``0.3``), measured
figures stay within a relative 5e-9 of the computed ones."""


def volume(gb: float) -> str:
    """A volume given in GB, as GB below 10 TB and TB from there, with thousands separators.

    Examples
    --------
    >>> volume(7399.44), volume(286204.1), volume(0.0)
    ('7,399.4 GB', '286.20 TB', '0.0 GB')
    """
    if abs(gb) >= TB_FROM_GB:
        return f"{gb / GB_PER_TB:,.2f} TB"
    return f"{gb:,.1f} GB"


def percent(share: float | None, digits: int = 1) -> str:
    """A share (0.664) as a percentage ("66.4%"); ``n/a`` for None.

    Examples
    --------
    >>> percent(0.6642), percent(0.001, digits=2), percent(None)
    ('66.4%', '0.10%', 'n/a')
    """
    return "n/a" if share is None else f"{100 * share:,.{digits}f}%"


def gbps(rate: float) -> str:
    """A rate in Gbps with thousands separators.

    Examples
    --------
    >>> gbps(1234.567)
    '1,234.57 Gbps'
    """
    return f"{rate:,.2f} Gbps"


def utilisation(load: float) -> str:
    """A link's peak load relative to its capacity: a percentage below capacity, a multiple above it.

    Examples
    --------
    >>> utilisation(0.78), utilisation(35.019)
    ('78% of capacity', '35.0x capacity')
    """
    return f"{100 * load:.0f}% of capacity" if load < 1 else f"{load:,.1f}x capacity"


def ratio(value: float | None) -> str:
    """A ratio such as the edge byte hit ratio, with three decimals; ``n/a`` for None (no demand)."""
    return "n/a" if value is None else f"{value:.3f}"


def traffic(summary: Mapping[str, Any]) -> str:
    """The traffic figures of a simulation summary, as every command prints them.

    Edge byte hit ratio, backbone volume and peak rate, and the unserved volume whenever it does not print
    as zero.

    Examples
    --------
    >>> traffic({"edge_byte_hit_ratio": 0.6642, "backbone_gb": 286204.1, "peak_backbone_gbps": 50.88,
    ...          "unserved_gb": 62261.0})
    'edge byte hit ratio 0.664, backbone 286.20 TB, peak backbone 50.88 Gbps, unserved 62.26 TB'
    """
    text = (f"edge byte hit ratio {ratio(summary['edge_byte_hit_ratio'])}, backbone {volume(summary['backbone_gb'])}, "
            f"peak backbone {gbps(summary['peak_backbone_gbps'])}")
    unserved = float(summary.get("unserved_gb") or 0.0)
    return text + (f", unserved {volume(unserved)}" if volume(unserved) != volume(0.0) else "")


def round_floats(value: Any) -> Any:
    """``value`` with every float in it rounded for storage (numpy scalars become Python numbers).

    Floats keep :data:`JSON_SIGNIFICANT` significant digits; NaN and infinities are kept as they are.
    Mappings, lists and tuples are rebuilt (the caller's object is not changed).

    Examples
    --------
    >>> round_floats({"gb": 251348.52999999997, "gap": [0.1 + 0.2, 3], "hit": 0.66412345678, "ok": True})
    {'gb': 251348.53, 'gap': [0.3, 3], 'hit': 0.664123457, 'ok': True}
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        x = float(value)
        return float(f"{x:.{JSON_SIGNIFICANT}g}") if math.isfinite(x) else x
    if isinstance(value, Mapping):
        return {key: round_floats(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [round_floats(item) for item in value]
    return value


def dumps_json(payload: Any) -> str:
    """``payload`` as indented JSON with rounded floats (:func:`round_floats`) and a final newline."""
    return json.dumps(round_floats(payload), indent=2) + "\n"
