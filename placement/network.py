"""Routing on the delivery network: path costs and cheapest paths between sites.

The graph is undirected with a ``cost`` per link (GB routing weight). A region's demand for a title
is served by the cheapest site holding it (ties broken by site id), the origin holding everything.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd


def path_costs(graph: nx.Graph, weight: str = "cost") -> pd.DataFrame:
    """Cheapest path cost between every pair of sites.

    Parameters
    ----------
    graph : networkx.Graph
        Sites as nodes, links as edges carrying ``weight``.
    weight : str
        Edge attribute holding the cost of one GB over the link.

    Returns
    -------
    DataFrame
        Square frame indexed and columned by site id (sorted); ``inf`` where no path exists.

    Examples
    --------
    >>> g = nx.Graph()
    >>> g.add_edge("O", "S", cost=5.0); g.add_edge("S", "E", cost=1.0); g.add_node("X")
    >>> path_costs(g).loc["E", ["O", "S", "X"]].tolist()
    [6.0, 1.0, inf]
    """
    nodes = sorted(graph.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    values = np.full((len(nodes), len(nodes)), math.inf)
    for src, lengths in nx.all_pairs_dijkstra_path_length(graph, weight=weight):
        values[index[src], [index[dst] for dst in lengths]] = list(lengths.values())
    return pd.DataFrame(values, index=pd.Index(nodes, name="from"), columns=pd.Index(nodes, name="to"))


def holders_by_cost(costs: pd.DataFrame, site: str) -> list[str]:
    """Sites reachable from ``site`` ordered by path cost, ties by site id (``site`` itself first)."""
    row = costs.loc[site]
    reach = dict(zip(row.index, row.to_numpy(), strict=True))
    return sorted((other for other, cost in reach.items() if cost < math.inf),
                  key=lambda other: (reach[other], other != site, other))


def cheapest_paths(graph: nx.Graph, source: str, weight: str = "cost") -> dict[str, list[str]]:
    """Cheapest path from ``source`` to every reachable site, as node lists starting at ``source``."""
    return nx.single_source_dijkstra_path(graph, source, weight=weight)
