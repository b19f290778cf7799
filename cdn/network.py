"""The delivery network as a networkx graph built from the scenario's sites and links."""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd

from cdn import columns as C


def build_graph(sites: pd.DataFrame, links: pd.DataFrame) -> nx.Graph:
    """Build the undirected network graph.

    Parameters
    ----------
    sites : DataFrame
        ``site_id``, ``tier``, ``region``, ``disk_gb``, ``serve_gbps``, ``fill_gbps`` (NaN = unlimited).
    links : DataFrame
        ``src``, ``dst``, ``capacity_gbps``, ``cost``, ``kind``.

    Returns
    -------
    networkx.Graph
        One node per site carrying its columns as attributes; one edge per linked pair with ``cost``,
        ``capacity_gbps`` (per direction) and ``kind``. Parallel links merge: routing takes the
        cheapest cost (and its kind) and the capacities add up.

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["O", "E"], "tier": ["origin", "edge"], "region": ["", "r"],
    ...                       "disk_gb": [0.0, 10.0], "serve_gbps": [math.nan] * 2, "fill_gbps": [math.nan] * 2})
    >>> links = pd.DataFrame({"src": ["O", "O"], "dst": ["E", "E"], "capacity_gbps": [10.0, 5.0],
    ...                       "cost": [2.0, 1.0], "kind": ["backbone", "peering"]})
    >>> g = build_graph(sites, links)
    >>> g["O"]["E"]["capacity_gbps"], g["O"]["E"]["cost"], g["O"]["E"]["kind"]
    (15.0, 1.0, 'peering')
    """
    graph = nx.Graph()
    for row in sites.to_dict("records"):
        graph.add_node(row[C.SITE], **{k: v for k, v in row.items() if k != C.SITE})
    for src, dst, cap, cost, kind in zip(
        links[C.SRC], links[C.DST], links[C.CAPACITY_GBPS], links[C.COST], links[C.KIND], strict=True
    ):
        cost = 1.0 if cost is None or (isinstance(cost, float) and math.isnan(cost)) else float(cost)
        if graph.has_edge(src, dst):
            edge = graph[src][dst]
            edge[C.CAPACITY_GBPS] += float(cap)
            if cost < edge[C.COST]:
                edge[C.COST], edge[C.KIND] = cost, kind
        else:
            graph.add_edge(src, dst, **{C.COST: cost, C.CAPACITY_GBPS: float(cap), C.KIND: kind})
    return graph
