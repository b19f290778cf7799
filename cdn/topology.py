"""Delivery networks for generated and converted scenarios: synthetic or on a real Topology Zoo graph.

Both builders return a :class:`Network` of contract-shaped ``sites`` and ``links`` frames: edge sites (one
per client region) attached to storage sites, storage sites joined by backbone links, and origin(s).
:func:`provision` then sizes disks, serving and nightly fill rates from the catalog and the demand.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from cdn import columns as C
from cdn.defaults import FILL_WINDOW_HOURS
from cdn.errors import InputError

__all__ = ["Network", "provision", "read_zoo", "synthetic_network", "zoo_network"]

EARTH_KM = 6371.0
DEFAULT_LINK_GBPS = 10.0
EDGE_LINK_GBPS = (10.0, 40.0, 100.0)  # edge uplinks are drawn from these
EDGE_DISK_SHARE = (0.10, 0.30)  # edge disk as a share of the catalog's GB
STORAGE_DISK_SHARE = (0.40, 0.70)  # storage disk with disk as a share of the catalog's GB
NIGHT_FILL_SHARE = (0.02, 0.04)  # a night's fill budget as a share of the site's disk (domain.md)
SERVE_HEADROOM = (1.3, 2.0)  # serve_gbps over the region's expected peak-hour Gbps
_OC_GBPS = 0.05184  # one OC-1 (STS-1) in Gbps


@dataclass(frozen=True)
class Network:
    """Sites and links of a delivery network, before disks and rates are sized.

    Attributes
    ----------
    sites : DataFrame
        ``site_id``, ``tier``, ``region`` ("" except edges), ``lat``, ``lon`` and ``country`` ("" if unknown).
    links : DataFrame
        ``src``, ``dst``, ``capacity_gbps``, ``cost``, ``kind``.
    name : str
        Where the network comes from ("synthetic" or the Topology Zoo network's name).
    """

    sites: pd.DataFrame
    links: pd.DataFrame
    name: str

    @property
    def regions(self) -> list[str]:
        """Regions in the order of the edge sites."""
        return self.sites.loc[self.sites[C.TIER] == C.EDGE, C.REGION].tolist()


def _km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (haversine); NaN where a coordinate is missing."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _backbone_cost(km: np.ndarray) -> np.ndarray:
    """Routing cost of a backbone link: 1 plus 1 per 1,000 km (2 when the length is unknown)."""
    return np.round(np.where(np.isnan(km), 2.0, 1.0 + km / 1000.0), 3)


def _slug(text: str) -> str:
    """Lower-case ASCII identifier of a place name: ``"Zürich Hbf"`` -> ``"zurich-hbf"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "node"


def _unique(names: list[str]) -> list[str]:
    """Make names unique by suffixing -2, -3, ... to repeats, in order."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


def _capacity_gbps(attrs: dict[str, object]) -> float:
    """Link capacity from Topology Zoo attributes: LinkSpeedRaw (bit/s), else LinkType/LinkLabel text; NaN if none."""
    raw = attrs.get("LinkSpeedRaw")
    if raw not in (None, ""):
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            value = math.nan
        if value > 0:
            return value / 1e9
    for key in ("LinkType", "LinkLabel", "LinkSpeed"):
        text = str(attrs.get(key, "")).strip()
        if not text:
            continue
        oc = re.search(r"\b(?:OC|STM)-?\s*(\d+)", text, re.IGNORECASE)
        if oc:
            factor = 3 if text.upper().lstrip().startswith("STM") else 1
            return int(oc.group(1)) * factor * _OC_GBPS
        speed = re.search(r"(\d+(?:\.\d+)?)\s*([GMT])", text, re.IGNORECASE)
        if speed:
            unit = {"T": 1000.0, "G": 1.0, "M": 0.001}[speed.group(2).upper()]
            return float(speed.group(1)) * unit
    return math.nan


def read_zoo(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Read a Topology Zoo GraphML file: its largest connected part as node and link tables.

    Parameters
    ----------
    path : str or Path
        A ``.graphml`` file of the Internet Topology Zoo.

    Returns
    -------
    nodes : DataFrame
        ``node`` (GraphML id), ``label``, ``lat``, ``lon`` (NaN if unknown), ``country`` ("" if unknown),
        ``degree``, in GraphML id order.
    links : DataFrame
        ``u``, ``v``, ``capacity_gbps`` (LinkSpeedRaw, else parsed LinkType/LinkLabel, else the median of
        the known capacities, else 10), ``km`` (great-circle length, NaN without coordinates).
        Parallel links are merged, their capacities added.
    name : str
        The network's name (GraphML ``Network`` attribute, else the file stem).

    Raises
    ------
    InputError
        When the file cannot be read as GraphML or has fewer than two linked nodes.
    """
    path = Path(path)
    try:
        graph = nx.read_graphml(path)
    except (OSError, nx.NetworkXError, ValueError, KeyError, SyntaxError) as err:  # SyntaxError: XML ParseError
        raise InputError(f"topology {path}: cannot be read as GraphML ({err})") from err
    simple = nx.Graph()
    for u, v, attrs in graph.edges(data=True):
        if u == v:
            continue
        cap = _capacity_gbps(attrs)
        if simple.has_edge(u, v):
            old = simple[u][v]["capacity_gbps"]
            simple[u][v]["capacity_gbps"] = cap if math.isnan(old) else old + (0.0 if math.isnan(cap) else cap)
        else:
            simple.add_edge(u, v, capacity_gbps=cap)
    if simple.number_of_edges() == 0:
        raise InputError(f"topology {path}: has no links between two nodes; pick a network with at least one link")
    component = max(nx.connected_components(simple), key=lambda c: (len(c), sorted(c)))
    order = sorted(component, key=lambda n: (len(n), n))
    data = graph.nodes
    nodes = pd.DataFrame(
        {
            "node": order,
            "label": [str(data[n].get("label", n)) for n in order],
            C.LAT: [float(data[n].get("Latitude", math.nan)) for n in order],
            C.LON: [float(data[n].get("Longitude", math.nan)) for n in order],
            "country": [str(data[n].get("Country", "")) for n in order],
            "degree": [simple.degree(n) for n in order],
        }
    )
    rank = {n: i for i, n in enumerate(order)}
    ends = [sorted((u, v), key=rank.__getitem__) for u, v in simple.subgraph(component).edges]
    pairs = sorted(((a, b) for a, b in ends), key=lambda p: (rank[p[0]], rank[p[1]]))
    links = pd.DataFrame({"u": [p[0] for p in pairs], "v": [p[1] for p in pairs]})
    speeds = np.array([simple[u][v]["capacity_gbps"] for u, v in pairs], dtype=float)
    known = speeds[~np.isnan(speeds)]
    fallback = float(np.median(known)) if known.size else DEFAULT_LINK_GBPS
    links[C.CAPACITY_GBPS] = np.where(np.isnan(speeds), fallback, speeds)
    pos = nodes.set_index("node")
    links["km"] = _km(pos.loc[links["u"], C.LAT].to_numpy(), pos.loc[links["u"], C.LON].to_numpy(),
                      pos.loc[links["v"], C.LAT].to_numpy(), pos.loc[links["v"], C.LON].to_numpy())
    name = str(graph.graph.get("Network", "") or path.stem)
    return nodes, links, name


def _edge_names(count: int) -> tuple[list[str], list[str]]:
    width = max(2, len(str(count)))
    return [f"E{i:0{width}d}" for i in range(1, count + 1)], [f"R{i:0{width}d}" for i in range(1, count + 1)]


def zoo_network(path: str | Path, edges: int, rng: np.random.Generator) -> Network:
    """Attach ``edges`` edge sites to a real Topology Zoo network.

    The network's nodes become sites at their cities' coordinates: the node of highest degree (ties: first
    GraphML id) is the origin, the ``ceil(edges / 4)`` next highest-degree nodes are storage sites with disk,
    the others storage sites without disk (backbone PoPs). Zoo links become ``backbone`` links with their
    capacity and a cost of 1 + km / 1000. Edge sites are attached to nodes drawn without replacement with
    probability proportional to degree (every node gets one before any gets two), each by a ``peering``
    link of cost 1; the region is the node's label, the edge sits at the node's coordinates.

    Parameters
    ----------
    path : str or Path
        Topology Zoo GraphML file.
    edges : int
        Number of edge sites (client regions), at least 1.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Network
    """
    nodes, zoo_links, name = read_zoo(path)
    labels = _unique([_slug(label) for label in nodes["label"]])
    nodes = nodes.assign(site_id=[s.upper() for s in labels], slug=labels)
    by_degree = nodes.sort_values("degree", ascending=False, kind="stable").index.to_numpy()
    origin = by_degree[0]
    n_disk = min(len(nodes) - 1, math.ceil(edges / 4))
    disk_nodes = set(by_degree[1 : 1 + n_disk].tolist())
    tiers = [C.ORIGIN if i == origin else C.STORAGE for i in nodes.index]
    backbone = pd.DataFrame(
        {
            C.SRC: nodes.set_index("node").loc[zoo_links["u"], "site_id"].to_numpy(),
            C.DST: nodes.set_index("node").loc[zoo_links["v"], "site_id"].to_numpy(),
            C.CAPACITY_GBPS: np.round(zoo_links[C.CAPACITY_GBPS].to_numpy(), 3),
            C.COST: _backbone_cost(zoo_links["km"].to_numpy()),
            C.KIND: "backbone",
        }
    )
    weights = nodes["degree"].to_numpy(dtype=float)
    rounds, rest = divmod(edges, len(nodes))
    hosts = np.tile(np.arange(len(nodes)), rounds)
    if rest:
        hosts = np.concatenate([hosts, rng.choice(len(nodes), size=rest, replace=False, p=weights / weights.sum())])
    hosts = np.sort(hosts, kind="stable")
    regions = _unique([nodes.at[h, "slug"] for h in hosts])
    edge_ids = [f"E-{r.upper()}" for r in regions]
    core = pd.DataFrame(
        {
            C.SITE: nodes["site_id"],
            C.TIER: tiers,
            C.REGION: "",
            C.LAT: nodes[C.LAT],
            C.LON: nodes[C.LON],
            "country": nodes["country"],
            "has_disk": [i in disk_nodes for i in nodes.index],
        }
    )
    edge_sites = pd.DataFrame(
        {
            C.SITE: edge_ids,
            C.TIER: C.EDGE,
            C.REGION: regions,
            C.LAT: nodes.loc[hosts, C.LAT].to_numpy(),
            C.LON: nodes.loc[hosts, C.LON].to_numpy(),
            "country": nodes.loc[hosts, "country"].to_numpy(),
            "has_disk": True,
        }
    )
    uplinks = pd.DataFrame(
        {
            C.SRC: nodes.loc[hosts, "site_id"].to_numpy(),
            C.DST: edge_ids,
            C.CAPACITY_GBPS: rng.choice(EDGE_LINK_GBPS, size=len(hosts)),
            C.COST: 1.0,
            C.KIND: "peering",
        }
    )
    sites = pd.concat([core, edge_sites], ignore_index=True)
    return Network(sites=sites, links=pd.concat([backbone, uplinks], ignore_index=True), name=name)


def synthetic_network(edges: int, rng: np.random.Generator) -> Network:
    """A synthetic edge -> storage -> origin network.

    ``ceil(edges / 8)`` storage sites and edge sites are scattered uniformly over a 25 x 40 degree box;
    each edge links to its nearest storage site (``peering``, cost 1) and 30% of edges also to the second
    nearest (``transit``, cost 3). Storage sites form a ring in longitude order plus a link to each one's
    nearest other storage site (``backbone``, cost 1 + km / 1000, 100 Gbps); one origin (two from 50
    edges on) links to its two nearest storage sites (``backbone``, cost 2 + km / 1000, 400 Gbps).

    Parameters
    ----------
    edges : int
        Number of edge sites (client regions), at least 1.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Network
    """
    n_storage = max(1, math.ceil(edges / 8))
    n_origin = 1 if edges < 50 else 2

    def scatter(n: int) -> tuple[np.ndarray, np.ndarray]:
        return np.round(rng.uniform(35.0, 60.0, n), 4), np.round(rng.uniform(-10.0, 30.0, n), 4)

    s_lat, s_lon = scatter(n_storage)
    e_lat, e_lon = scatter(edges)
    o_lat, o_lon = scatter(n_origin)
    width = max(2, len(str(n_storage)))
    storage_ids = [f"S{i:0{width}d}" for i in range(1, n_storage + 1)]
    origin_ids = [f"O{i}" for i in range(1, n_origin + 1)]
    edge_ids, regions = _edge_names(edges)
    e_to_s = _km(e_lat[:, None], e_lon[:, None], s_lat[None, :], s_lon[None, :])
    nearest = np.argsort(e_to_s, axis=1, kind="stable")
    rows: list[tuple[str, str, float, float, str]] = []
    dual = rng.random(edges) < 0.3
    for i, edge in enumerate(edge_ids):
        rows.append((storage_ids[nearest[i, 0]], edge, float(rng.choice(EDGE_LINK_GBPS)), 1.0, "peering"))
        if dual[i] and n_storage > 1:
            rows.append((storage_ids[nearest[i, 1]], edge, float(rng.choice(EDGE_LINK_GBPS)), 3.0, "transit"))
    s_to_s = _km(s_lat[:, None], s_lon[:, None], s_lat[None, :], s_lon[None, :])
    pairs: set[tuple[int, int]] = set()
    ring = np.argsort(s_lon, kind="stable")
    if n_storage > 1:
        for a, b in zip(ring, np.roll(ring, -1), strict=True):
            if a != b:
                pairs.add((min(a, b), max(a, b)))
        for a in range(n_storage):
            b = int(np.argsort(s_to_s[a], kind="stable")[1])
            pairs.add((min(a, b), max(a, b)))
    for a, b in sorted(pairs):
        rows.append((storage_ids[a], storage_ids[b], 100.0, float(_backbone_cost(s_to_s[a, b])), "backbone"))
    o_to_s = _km(o_lat[:, None], o_lon[:, None], s_lat[None, :], s_lon[None, :])
    for i, origin in enumerate(origin_ids):
        for s in np.argsort(o_to_s[i], kind="stable")[: min(2, n_storage)]:
            rows.append((origin, storage_ids[s], 400.0, round(2.0 + o_to_s[i, s] / 1000.0, 3), "backbone"))
    links = pd.DataFrame(rows, columns=[C.SRC, C.DST, C.CAPACITY_GBPS, C.COST, C.KIND])
    sites = pd.DataFrame(
        {
            C.SITE: origin_ids + storage_ids + edge_ids,
            C.TIER: [C.ORIGIN] * n_origin + [C.STORAGE] * n_storage + [C.EDGE] * edges,
            C.REGION: [""] * (n_origin + n_storage) + regions,
            C.LAT: np.concatenate([o_lat, s_lat, e_lat]),
            C.LON: np.concatenate([o_lon, s_lon, e_lon]),
            "country": "",
            "has_disk": [False] * n_origin + [True] * (n_storage + edges),
        }
    )
    return Network(sites=sites, links=links, name="synthetic")


def provision(network: Network, catalog_gb: float, peak_gbps: pd.Series, rng: np.random.Generator,
              largest_title_gb: float = 0.0) -> pd.DataFrame:
    """Size disks, serving and nightly fill rates of a network's sites.

    Edge disk is a share of the catalog drawn in ``EDGE_DISK_SHARE``, storage disk one in
    ``STORAGE_DISK_SHARE`` (0 for backbone PoPs without disk); ``fill_gbps`` makes a 12-hour night's fill
    budget a share of the disk drawn in ``NIGHT_FILL_SHARE``, and at least ``largest_title_gb`` (a site that
    could never fill its largest title could never change: small catalogs, such as the ``longlived``
    profile's ten titles, had budgets below every title); an edge's ``serve_gbps`` is its region's
    expected peak-hour Gbps times a headroom drawn in ``SERVE_HEADROOM``. Origins get no limits.

    Parameters
    ----------
    network : Network
        From :func:`synthetic_network` or :func:`zoo_network`.
    catalog_gb : float
        Total GB of the catalog.
    largest_title_gb : float
        GB of the catalog's largest title: the least a night's fill budget admits.
    peak_gbps : Series
        Expected peak-hour Gbps per region.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    DataFrame
        Contract ``sites.csv`` columns: ``site_id, tier, region, disk_gb, serve_gbps, fill_gbps, lat, lon``.
    """
    sites = network.sites
    n = len(sites)
    is_edge = (sites[C.TIER] == C.EDGE).to_numpy()
    has_disk = sites["has_disk"].to_numpy(dtype=bool) & (sites[C.TIER] != C.ORIGIN).to_numpy()
    share = np.where(is_edge, rng.uniform(*EDGE_DISK_SHARE, n), rng.uniform(*STORAGE_DISK_SHARE, n))
    disk = np.where(has_disk, np.round(catalog_gb * share), 0.0)
    night_gb = disk * rng.uniform(*NIGHT_FILL_SHARE, n)
    fill = np.round(night_gb * 8.0 / (3600.0 * FILL_WINDOW_HOURS), 3)
    least = np.ceil(largest_title_gb * 8.0 / (3600.0 * FILL_WINDOW_HOURS) * 1000.0) / 1000.0
    fill = np.where(disk > 0, np.maximum(fill, least), np.nan)
    peak = sites[C.REGION].map(peak_gbps).to_numpy(dtype=float)
    serve = np.where(is_edge, np.ceil(peak * rng.uniform(*SERVE_HEADROOM, n)), np.nan)
    return pd.DataFrame(
        {
            C.SITE: sites[C.SITE],
            C.TIER: sites[C.TIER],
            C.REGION: sites[C.REGION],
            C.DISK_GB: np.where(sites[C.TIER] == C.ORIGIN, np.nan, disk),
            C.SERVE_GBPS: serve,
            C.FILL_GBPS: np.maximum(fill, 0.001),
            C.LAT: sites[C.LAT],
            C.LON: sites[C.LON],
        }
    )
