"""Merge chains of required edges into links, so the routing problem stays small.

A link is a maximal path of required edges whose inner nodes have exactly two
required edges, are no team's base, and join edges that the same vehicle
profiles may drive. A closed chain (a ring of required edges) is cut into two
links at its smallest node and the node halfway round, so every link has two
distinct ends.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterable

    from borderwatch.data.network import PatrolNetwork

__all__ = ["Link", "merge_links"]


@dataclass(frozen=True)
class Link:
    """A chain of required network edges driven as one piece.

    Attributes
    ----------
    edges
        Network edge ids in order from ``start`` to ``end``.
    forward
        For each edge, whether the chain drives it ``u`` → ``v``.
    start, end
        End nodes (network node positions).
    """

    edges: tuple[int, ...]
    forward: tuple[bool, ...]
    start: int
    end: int

    def steps(self, *, reverse: bool = False) -> list[tuple[int, bool]]:
        """The chain as ``(edge, forward)`` steps, from ``start`` (or from ``end`` if ``reverse``)."""
        pairs = list(zip(self.edges, self.forward, strict=True))
        if reverse:
            return [(e, not f) for e, f in reversed(pairs)]
        return pairs


def merge_links(
    network: PatrolNetwork,
    required: Iterable[int],
    *,
    profiles: Iterable[str],
    keep_nodes: Iterable[int] = (),
) -> list[Link]:
    """Merge the ``required`` edges of ``network`` into links.

    Parameters
    ----------
    network
        The patrol network.
    required
        Required edge ids.
    profiles
        Vehicle profiles whose access decides where chains must break.
    keep_nodes
        Nodes where chains always break (team bases).

    Returns
    -------
    list of Link
        Deterministic order (by smallest edge id of each link).
    """
    req = sorted({int(e) for e in required})
    u = network.edges["u"].to_numpy()
    v = network.edges["v"].to_numpy()
    profiles = list(profiles)
    allowed = (
        np.vstack([np.isfinite(network.edge_seconds(p)) for p in profiles]) if profiles else None
    )
    signature = {e: tuple(allowed[:, e]) if allowed is not None else () for e in req}
    incident: dict[int, list[int]] = defaultdict(list)
    for e in req:
        incident[int(u[e])].append(e)
        if v[e] != u[e]:
            incident[int(v[e])].append(e)
    keep = {int(n) for n in keep_nodes}

    def inner(node: int) -> bool:
        es = incident[node]
        return (
            len(es) == 2
            and node not in keep
            and es[0] != es[1]
            and signature[es[0]] == signature[es[1]]
        )

    def other(e: int, node: int) -> int:
        return int(v[e]) if int(u[e]) == node else int(u[e])

    used: set[int] = set()
    links: list[Link] = []

    def walk(start: int, first: int) -> tuple[list[int], list[bool], int]:
        edges, fwd = [], []
        node, e = start, first
        while True:
            edges.append(e)
            fwd.append(int(u[e]) == node)
            used.add(e)
            node = other(e, node)
            if not inner(node):
                return edges, fwd, node
            nxt = [x for x in incident[node] if x != e]
            if not nxt or nxt[0] in used:
                return edges, fwd, node
            e = nxt[0]

    # open chains start at nodes that are not inner
    for node in sorted(incident):
        if inner(node):
            continue
        for e in sorted(incident[node]):
            if e in used:
                continue
            edges, fwd, end = walk(node, e)
            links.append(Link(tuple(edges), tuple(fwd), node, end))
    # what is left are rings of inner nodes: cut each into two links
    for e in req:
        if e in used:
            continue
        start = min(int(u[e]), int(v[e]))
        ring_edges, ring_fwd, _ = _ring(start, e, incident, u, v, used)
        half = max(1, len(ring_edges) // 2)
        nodes = [start]
        for re_, rf in zip(ring_edges, ring_fwd, strict=True):
            nodes.append(int(v[re_]) if rf else int(u[re_]))
        links.append(Link(tuple(ring_edges[:half]), tuple(ring_fwd[:half]), start, nodes[half]))
        if half < len(ring_edges):
            links.append(Link(tuple(ring_edges[half:]), tuple(ring_fwd[half:]), nodes[half], start))
    links.sort(key=lambda link: min(link.edges))
    return links


def _ring(
    start: int,
    first: int,
    incident: dict[int, list[int]],
    u: np.ndarray,
    v: np.ndarray,
    used: set[int],
) -> tuple[list[int], list[bool], int]:
    edges, fwd = [], []
    node, e = start, first
    while e not in used:
        used.add(e)
        edges.append(e)
        fwd.append(int(u[e]) == node)
        node = int(v[e]) if int(u[e]) == node else int(u[e])
        nxt = [x for x in incident[node] if x not in used]
        if not nxt:
            break
        e = nxt[0]
    return edges, fwd, node
