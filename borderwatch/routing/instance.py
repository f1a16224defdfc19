"""Integer-indexed arc-routing instances: edges, vehicle profiles, teams.

An :class:`ArcInstance` is the pure-algorithm view of a patrol problem: no
geometry, just nodes ``0 .. n_nodes - 1``, undirected edges, one traversal
cost per vehicle profile and edge (``inf`` where a profile may not use the
edge), the required edges, and the teams (a depot node and a profile each).
Shortest paths are computed with :mod:`scipy.sparse.csgraph` between the nodes
that matter (depots and required-edge endpoints) and cached per profile: only
the key-node x key-node distances are kept, paths are rebuilt on demand.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from borderwatch import forking
from borderwatch.errors import RoutingError

__all__ = ["ROW_CACHE_SIZE", "ArcInstance", "ShortestPaths", "prepare_paths"]

logger = logging.getLogger(__name__)


#: Single-source rows (distances + predecessors) kept per profile group for path rebuilding.
ROW_CACHE_SIZE = 64
#: Bytes of one chunk of the (sources x n_nodes) distance block while computing ``key_dist``.
_CHUNK_BYTES = 64 * 2**20
#: Graphs alive in some instance, by content (weakly held: gone with their instances).
_SHARED: weakref.WeakValueDictionary[bytes, _Group] = weakref.WeakValueDictionary()

#: The largest key table kept in the borderwatch cache (:meth:`_Group.stored_key_block`):
#: 8 MB, 1,000 key nodes; Ningming's are ~0.2 MB.
STORED_BLOCK_BYTES = 8 * 2**20


def _code_digest() -> str:
    """This module's source and scipy's and numpy's versions (the stored key tables' part of
    their key); ``""`` where the source cannot be read (a zipped or frozen install: nothing
    is kept)."""
    import scipy

    from borderwatch.data.road_cache import source_digest

    return source_digest(__file__, (scipy.__version__, np.__version__))


_SHARED_LOCK = threading.Lock()


class _Group:
    """One shortest-path graph shared by profiles whose costs agree wherever they may drive.

    Profiles in one group differ only in which components of the shared graph they may
    use (e.g. a pickup based on one road component and a pickup based on another), so one
    Dijkstra run serves them all and each keeps a boolean mask of its components.
    """

    def __init__(
        self, n_nodes: int, u: np.ndarray, v: np.ndarray, cost: np.ndarray, labels: np.ndarray
    ) -> None:
        ok = np.flatnonzero(np.isfinite(cost) & (u != v))
        a = np.minimum(u[ok], v[ok])
        b = np.maximum(u[ok], v[ok])
        # keep the cheapest of parallel edges (csr would sum duplicates), ties by edge id
        order = np.lexsort((ok, cost[ok], b, a))
        a, b, ids = a[order], b[order], ok[order]
        first = np.ones(len(a), dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        a, b, ids = a[first], b[first], ids[first]
        self.n_nodes = n_nodes
        self.graph = csr_matrix((cost[ids], (a, b)), shape=(n_nodes,) * 2)
        self.labels = labels
        # (a, b) -> cheapest edge, as sorted keys a * n + b for a binary search
        self.pair_key = a * np.int64(n_nodes) + b
        self.pair_edge = ids
        self.pair_cost = cost[ids]
        self.rows: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.block_nodes = np.zeros(0, dtype=np.int64)  # the key table computed on it
        self.block = np.zeros((0, 0))

    def key_block(self, nodes: np.ndarray) -> np.ndarray:
        """Distances between ``nodes``, computed in chunks of sources (never ``(K, n)`` at once).

        The runs go over the graph without the trees that hang off it and hold none of
        ``nodes`` (:meth:`_core`): no shortest path between two of ``nodes`` enters such a
        tree, so every distance is the one a run on the whole graph gives, bit for bit.
        """
        k = len(nodes)
        out = np.full((k, k), np.inf)
        np.fill_diagonal(out, 0.0)
        graph, at = self._core(nodes)
        # a node without any edge of the group reaches nothing: skip it
        todo = np.flatnonzero(at >= 0)
        cols = at[todo]
        step = max(1, _CHUNK_BYTES // (8 * max(graph.shape[0], 1)))
        for s in range(0, len(todo), step):
            rows = todo[s : s + step]
            d = dijkstra(graph, directed=False, indices=at[rows])
            out[np.ix_(rows, todo)] = d[:, cols]
        return out

    def stored_key_block(self, nodes: np.ndarray, graph_key: bytes) -> np.ndarray:
        """:meth:`key_block`, kept in the borderwatch cache when it is small.

        Every plan of a scenario asks for the same tables (the same roads, profiles and
        key nodes: Ningming's 4 groups, ~0.2 s of the search's setup in the plan's process
        and again in the bound's). Up to :data:`STORED_BLOCK_BYTES` a table is kept under a
        key of the group's graph (``graph_key``: its nodes, edges and costs), the key nodes
        and the code that computes it (this module's source, scipy's version); bigger
        tables (thousands of key nodes) are computed every time.
        """
        k = len(nodes)
        if 8 * k * k > STORED_BLOCK_BYTES or not _code_digest():
            return self.key_block(nodes)
        from borderwatch.data.road_cache import cached_computation

        h = hashlib.sha256(_code_digest().encode())
        h.update(graph_key)
        h.update(np.ascontiguousarray(nodes, dtype=np.int64).tobytes())
        return cached_computation(
            "key-tables", h.hexdigest(), lambda: self.key_block(nodes), f"key table of {k} nodes"
        )

    def _core(self, nodes: np.ndarray) -> tuple[csr_matrix, np.ndarray]:
        """The graph without its dead-end trees free of ``nodes``, and where ``nodes`` are.

        Repeatedly drops every node of degree <= 1 that is not one of ``nodes`` (a dead
        end, or a node left without edges); what stays is renumbered in node order, so
        an edge keeps its lower end first. Returns the graph of what stays and, for each
        of ``nodes``, its number there (``-1`` for a node without edges).
        """
        n = self.n_nodes
        a, b = np.divmod(self.pair_key, np.int64(n))
        deg = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
        keep = np.zeros(n, dtype=bool)
        keep[nodes] = True
        alive = deg > 0
        live = np.ones(len(a), dtype=bool)
        while True:
            leaf = alive & (deg <= 1) & ~keep
            if not leaf.any():
                break
            alive &= ~leaf
            gone = live & (leaf[a] | leaf[b])
            live &= ~gone
            deg -= np.bincount(a[gone], minlength=n) + np.bincount(b[gone], minlength=n)
        new = np.cumsum(alive) - 1
        m = int(alive.sum())
        graph = csr_matrix((self.pair_cost[live], (new[a[live]], new[b[live]])), shape=(m, m))
        at = np.where(alive[nodes] & (deg[nodes] > 0), new[nodes], -1)
        return graph, at

    def single_source(self, node: int) -> tuple[np.ndarray, np.ndarray]:
        """Distances and predecessors from ``node`` (least-recently-used cache)."""
        hit = self.rows.get(node)
        if hit is not None:
            self.rows.move_to_end(node)
            return hit
        # one source per run: scipy runs every source of a multi-source call on its own,
        # so these rows are the very rows the former (K, n) run returned
        d, p = dijkstra(self.graph, directed=False, indices=node, return_predecessors=True)
        d.setflags(write=False)
        p.setflags(write=False)
        self.rows[node] = (d, p)
        if len(self.rows) > ROW_CACHE_SIZE:
            self.rows.popitem(last=False)
        return d, p

    @cached_property
    def sym(self) -> csr_matrix:
        """The graph with both directions stored (for directed runs and neighbour scans)."""
        both: csr_matrix = (self.graph + self.graph.T).tocsr()
        return both

    def limited_path(self, source: int, target: int, limit: float) -> list[int] | None:
        """The path of :meth:`single_source` from a run stopped at distance ``limit``.

        ``limit`` is the exact ``source`` -> ``target`` distance, so the run only scans
        the ball around ``source`` that holds the path. Every node of that ball gets its
        exact distance, and a node's predecessor is its tight neighbour with the
        smallest distance; only when two tight neighbours have the same distance may the
        two runs break the tie differently. Such a tie on the path returns None (the
        caller then makes the full run), so the path returned is the full run's.
        """
        g = self.sym
        d, p = dijkstra(g, directed=True, indices=source, return_predecessors=True, limit=limit)
        if not np.isfinite(d[target]):
            return None
        nodes = _trace(d, p, source, target)
        x = np.asarray(nodes[1:], dtype=np.int64)
        if len(x) == 0:
            return nodes
        # every neighbour of every path node, with the node it neighbours
        first, count = g.indptr[x], g.indptr[x + 1] - g.indptr[x]
        at = np.repeat(first - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
        owner = np.repeat(np.arange(len(x)), count)
        nb, w = g.indices[at], g.data[at]
        px = p[x][owner]
        tie = (d[nb] == d[px]) & (d[nb] + w == d[x][owner]) & (nb != px)
        return None if tie.any() else nodes

    def edge_between(self, x: int, y: int) -> int:
        """Cheapest edge joining nodes ``x`` and ``y``, or -1."""
        key = min(x, y) * self.n_nodes + max(x, y)
        i = int(np.searchsorted(self.pair_key, key))
        if i < len(self.pair_key) and int(self.pair_key[i]) == key:
            return int(self.pair_edge[i])
        return -1


def _trace(dist: np.ndarray, pred: np.ndarray, source: int, target: int) -> list[int]:
    """Nodes of the path ``source`` -> ``target`` read back from a predecessor row."""
    if not np.isfinite(dist[target]):
        raise RoutingError(f"node {target} is unreachable from node {source}")
    nodes = [target]
    while nodes[-1] != source:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    return nodes


class _LazyRows:
    """A read-only ``(K, n_nodes)`` table whose rows are computed when indexed.

    Kept so that ``ShortestPaths.dist[row]`` / ``.pred[row]`` and ``[row, col]`` still work
    without holding the dense table; ``np.asarray`` builds the whole table (avoid it).
    """

    def __init__(self, sp: ShortestPaths, which: int) -> None:
        self._sp = sp
        self._which = which  # 0: distances, 1: predecessors
        self.shape = (len(sp.nodes), len(sp.index))

    def __len__(self) -> int:
        return self.shape[0]

    def _row(self, row: int) -> np.ndarray:
        if not -self.shape[0] <= row < self.shape[0]:
            raise IndexError(f"row {row} is out of range for {self.shape[0]} key nodes")
        return self._sp._single(int(self._sp.nodes[row]))[self._which]

    def __getitem__(self, key: object) -> Any:
        if isinstance(key, tuple):
            head, rest = key[0], key[1:]
        else:
            head, rest = key, ()
        if isinstance(head, int | np.integer):
            row = self._row(int(head))
            return row[rest] if rest else row
        rows = np.arange(self.shape[0])[head]  # type: ignore[index]
        block = np.stack([self._row(int(r)) for r in np.atleast_1d(rows)])
        return block[(slice(None), *rest)] if rest else block

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        logger.warning(
            "building the dense (%d, %d) shortest-path table; use ShortestPaths.key_dist, "
            "distances_from() or path_nodes() instead",
            *self.shape,
        )
        out = np.stack([self._row(r) for r in range(self.shape[0])])
        return out if dtype is None else out.astype(dtype)


@dataclass(frozen=True, eq=False)
class ShortestPaths:
    """Shortest paths of one profile between the key nodes of an instance.

    Only the key-node x key-node distances are stored; a path, or the distances from one
    node to all nodes, are recomputed on demand by a single-source Dijkstra run on the
    profile's graph (the last :data:`ROW_CACHE_SIZE` sources are cached, shared with the
    other profiles of the same graph).

    Attributes
    ----------
    nodes
        The key nodes (sorted node ids): depots and required-edge endpoints.
    index
        For every node, its row in ``key_dist`` or ``-1``.
    block
        Distances between the key nodes on the shared graph of the profile's group,
        shape ``(K, K)`` (read-only, one array for every profile of the group): equal to
        :attr:`key_dist` on the rows of the key nodes the profile reaches; a row it does
        not reach may hold another profile's distances.
    reach
        For every node, whether the profile may drive an edge at the node's component
        of the shared graph (a node where it may not reaches only itself).
    """

    nodes: np.ndarray
    index: np.ndarray
    block: np.ndarray = field(repr=False)
    reach: np.ndarray = field(repr=False)
    _group: _Group = field(repr=False)

    @cached_property
    def key_dist(self) -> np.ndarray:
        """Distances between the key nodes, shape ``(K, K)``; ``inf`` = unreachable.

        :attr:`block` itself when the profile reaches every key node, else a copy with
        the rows of the key nodes it does not reach set to ``inf`` (built on first use;
        prefer :meth:`key_row` or :attr:`block` where a row of a reached node is enough).
        """
        mine = self.reach[self.nodes]
        if mine.all():
            return self.block
        out = np.where(mine[:, None], self.block, np.inf)
        np.fill_diagonal(out, 0.0)
        out.setflags(write=False)
        return out

    def key_row(self, row: int) -> np.ndarray:
        """Row ``row`` of :attr:`key_dist` (distances from key node ``nodes[row]``)."""
        if self.reach[int(self.nodes[row])]:
            out: np.ndarray = self.block[row]
            return out
        out = np.full(len(self.nodes), np.inf)
        out[row] = 0.0
        return out

    def _single(self, node: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= node < len(self.index):
            raise RoutingError(f"node {node} is outside 0..{len(self.index) - 1}")
        if self.reach[node]:
            return self._group.single_source(node)
        d = np.full(len(self.index), np.inf)
        d[node] = 0.0
        p = np.full(len(self.index), -9999, dtype=np.int32)
        d.setflags(write=False)
        p.setflags(write=False)
        return d, p

    def distances_from(self, node: int) -> np.ndarray:
        """Distances from any ``node`` to every node, shape ``(n_nodes,)`` (read-only)."""
        return self._single(int(node))[0]

    def predecessors_from(self, node: int) -> np.ndarray:
        """Predecessor of every node on a shortest path from ``node`` (``-9999`` = none)."""
        return self._single(int(node))[1]

    def path_nodes(self, source: int, target: int) -> list[int]:
        """Nodes of a shortest ``source`` -> ``target`` path, both ends included.

        The path of the full single-source run from ``source`` (the former dense table's
        path). Between key nodes it is read from a run limited to their distance (a few
        nodes around ``source`` instead of the whole graph) unless a tie makes that
        ambiguous; otherwise from the cached full run.

        Raises
        ------
        RoutingError
            If ``target`` cannot be reached from ``source``.
        """
        source, target = int(source), int(target)
        rs, rt = int(self.index[source]), int(self.index[target])
        if rs >= 0 and rt >= 0 and self.reach[source] and source not in self._group.rows:
            limit = float(self.block[rs, rt])  # the row of a reached source
            if not np.isfinite(limit):
                raise RoutingError(f"node {target} is unreachable from node {source}")
            nodes = self._group.limited_path(source, target, limit)
            if nodes is not None:
                return nodes
        dist, pred = self._single(source)
        return _trace(dist, pred, source, target)

    def many_path_nodes(self, pairs: list[tuple[int, int]]) -> list[list[int]]:
        """:meth:`path_nodes` of many ``(source, target)`` pairs.

        Raises
        ------
        RoutingError
            If a target cannot be reached from its source.
        """
        return [self.path_nodes(s, t) for s, t in pairs]

    def edge_between(self, x: int, y: int) -> int:
        """The cheapest edge joining ``x`` and ``y`` that this profile may drive.

        Raises
        ------
        RoutingError
            If the profile may drive no edge between them.
        """
        e = self._group.edge_between(int(x), int(y)) if self.reach[int(x)] else -1
        if e < 0:
            raise RoutingError(f"no edge joins nodes {x} and {y} for this profile")
        return e

    @property
    def dist(self) -> _LazyRows:
        """Distances from the key nodes, ``(K, n_nodes)``, rows computed when indexed.

        Kept for old callers; prefer :meth:`distances_from` or :attr:`key_dist`.
        """
        return _LazyRows(self, 0)

    @property
    def pred(self) -> _LazyRows:
        """Predecessors from the key nodes, ``(K, n_nodes)``, rows computed when indexed.

        Kept for old callers; prefer :meth:`path_nodes` or :meth:`predecessors_from`.
        """
        return _LazyRows(self, 1)

    @cached_property
    def edge_of(self) -> dict[tuple[int, int], int]:
        """``(min, max)`` node pair -> cheapest edge id (built on first use; kept for old callers).

        Prefer :meth:`edge_between`.
        """
        g = self._group
        a, b = np.divmod(g.pair_key, np.int64(g.n_nodes))
        keep = self.reach[a]
        return {
            (int(x), int(y)): int(e)
            for x, y, e in zip(a[keep], b[keep], g.pair_edge[keep], strict=True)
        }


@dataclass(frozen=True, eq=False)
class ArcInstance:
    """A k-team arc-routing instance on an undirected multigraph.

    Parameters
    ----------
    n_nodes
        Number of nodes; nodes are ``0 .. n_nodes - 1``.
    u, v
        Endpoints of each undirected edge (int arrays of equal length).
    cost
        Traversal cost of each edge for each vehicle profile, shape
        ``(n_profiles, n_edges)`` (a 1-D array means one profile). ``inf``
        marks an edge the profile may not use. Costs are non-negative.
    required
        Boolean mask of the edges that must be served (driven) once.
    depots
        Base node of each team.
    team_profile
        Profile index of each team; defaults to profile 0 for every team.
    name
        Optional instance name, used in messages and reports.
    team_names
        Optional team names, used in error messages.
    circuit
        The loop rule (``PlanConfig.loops = "circuit"``): a team's tour is a closed
        walk through its tasks that need not pass its base (the drive from the base to
        it, the approach, is made once, not costed in the tour); ``False`` (the
        default): every tour starts and ends at the team's depot.
    max_approach
        With ``circuit``: a team may serve a required edge only if its base reaches an
        end of it within this cost (an edge no team reaches so goes to its nearest
        teams, see :mod:`borderwatch.routing.minmax`); ignored for depot tours.

    Raises
    ------
    RoutingError
        On inconsistent arrays, a required edge no team may drive, or a team
        whose base cannot reach a required edge its profile may drive.
    """

    n_nodes: int
    u: np.ndarray
    v: np.ndarray
    cost: np.ndarray
    required: np.ndarray
    depots: np.ndarray
    team_profile: np.ndarray = None  # type: ignore[assignment]  # None: profile 0 for all
    name: str = ""
    team_names: tuple[str, ...] | None = None
    circuit: bool = False
    max_approach: float = math.inf

    def __post_init__(self) -> None:
        def _set(attr: str, value: object) -> None:
            object.__setattr__(self, attr, value)

        n = int(self.n_nodes)
        _set("n_nodes", n)
        u = np.asarray(self.u, dtype=np.int64).ravel()
        v = np.asarray(self.v, dtype=np.int64).ravel()
        cost = np.asarray(self.cost, dtype=np.float64)
        if cost.ndim == 1:
            cost = cost[None, :]
        required = np.asarray(self.required, dtype=bool).ravel()
        depots = np.atleast_1d(np.asarray(self.depots, dtype=np.int64)).ravel()
        if self.team_profile is None:
            profile = np.zeros(len(depots), dtype=np.int64)
        else:
            profile = np.atleast_1d(np.asarray(self.team_profile, dtype=np.int64)).ravel()
        for arr in (u, v, cost, required, depots, profile):
            arr.setflags(write=False)
        _set("u", u)
        _set("v", v)
        _set("cost", cost)
        _set("required", required)
        _set("depots", depots)
        _set("team_profile", profile)
        if self.team_names is not None:
            _set("team_names", tuple(str(t) for t in self.team_names))
        _set("circuit", bool(self.circuit))
        _set("max_approach", float(self.max_approach))
        self._validate()

    # ------------------------------------------------------------------ checks
    def _validate(self) -> None:
        n, m = self.n_nodes, len(self.u)
        where = f"instance {self.name!r}: " if self.name else ""
        if n < 1:
            raise RoutingError(f"{where}n_nodes must be >= 1, got {n}")
        if len(self.v) != m or len(self.required) != m or self.cost.shape[-1] != m:
            raise RoutingError(
                f"{where}u, v, required and cost must have one entry per edge; got "
                f"len(u)={m}, len(v)={len(self.v)}, len(required)={len(self.required)}, "
                f"cost.shape={self.cost.shape}"
            )
        if self.cost.ndim != 2 or self.cost.shape[0] < 1:
            raise RoutingError(f"{where}cost must have shape (n_profiles, n_edges)")
        if m and (min(self.u.min(), self.v.min()) < 0 or max(self.u.max(), self.v.max()) >= n):
            raise RoutingError(f"{where}edge endpoints must lie in 0..{n - 1}")
        if np.isnan(self.cost).any() or (self.cost < 0).any():
            raise RoutingError(f"{where}cost must be non-negative (inf = forbidden), no NaN")
        if len(self.depots) < 1:
            raise RoutingError(f"{where}at least one team (depot) is required")
        if len(self.team_profile) != len(self.depots):
            raise RoutingError(
                f"{where}team_profile has {len(self.team_profile)} entries for "
                f"{len(self.depots)} teams"
            )
        if self.team_names is not None and len(self.team_names) != len(self.depots):
            raise RoutingError(f"{where}team_names must name each of {len(self.depots)} teams")
        if not self.max_approach > 0:
            raise RoutingError(f"{where}max_approach must be > 0, got {self.max_approach}")
        if (self.depots < 0).any() or (self.depots >= n).any():
            bad = int(self.depots[(self.depots < 0) | (self.depots >= n)][0])
            raise RoutingError(f"{where}depot node {bad} is outside 0..{n - 1}")
        p = self.n_profiles
        if (self.team_profile < 0).any() or (self.team_profile >= p).any():
            raise RoutingError(f"{where}team_profile values must lie in 0..{p - 1}")
        req = self.required_edges
        team_ok = np.isfinite(self.cost[self.team_profile][:, req])  # (teams, req)
        orphan = np.flatnonzero(~team_ok.any(axis=0))
        if len(orphan):
            e = int(req[orphan[0]])
            raise RoutingError(
                f"{where}required edge {e} ({self.u[e]}-{self.v[e]}) may not be driven "
                "by any team's vehicle profile"
            )
        labels = {q: self._components(q) for q in set(self.team_profile.tolist())}
        for t in range(self.n_teams):
            lab = labels[int(self.team_profile[t])]
            mine = req[team_ok[t]]
            home = lab[self.depots[t]]
            cut = mine[(lab[self.u[mine]] != home) | (lab[self.v[mine]] != home)]
            if len(cut):
                e = int(cut[0])
                raise RoutingError(
                    f"{where}team {self.team_label(t)} (base node {int(self.depots[t])}, "
                    f"profile {int(self.team_profile[t])}) cannot reach required edge {e} "
                    f"({self.u[e]}-{self.v[e]}) that its profile may drive"
                    + (f", nor {len(cut) - 1} more" if len(cut) > 1 else "")
                )

    def _components(self, profile: int) -> np.ndarray:
        ok = np.isfinite(self.cost[profile])
        g = csr_matrix(
            (np.ones(int(ok.sum())), (self.u[ok], self.v[ok])), shape=(self.n_nodes,) * 2
        )
        labels: np.ndarray = connected_components(g, directed=False)[1]
        return labels

    # -------------------------------------------------------------- properties
    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.u)

    @property
    def n_profiles(self) -> int:
        """Number of vehicle profiles."""
        return int(self.cost.shape[0])

    @property
    def n_teams(self) -> int:
        """Number of teams."""
        return len(self.depots)

    @cached_property
    def required_edges(self) -> np.ndarray:
        """Ids of the required edges, ascending."""
        return np.flatnonzero(self.required)

    @cached_property
    def key_nodes(self) -> np.ndarray:
        """Depots and required-edge endpoints, sorted and unique."""
        req = self.required_edges
        return np.unique(np.concatenate([self.depots, self.u[req], self.v[req]]))

    def team_label(self, team: int) -> str:
        """Return ``"<index> (<name>)"`` or ``"<index>"`` for messages."""
        if self.team_names is None:
            return str(team)
        return f"{team} ({self.team_names[team]!r})"

    @property
    def is_integral(self) -> bool:
        """Whether every finite cost is an integer (then tour costs are too)."""
        c = self.cost[np.isfinite(self.cost)]
        return bool(np.all(c == np.round(c)))

    # ---------------------------------------------------------- shortest paths
    @cached_property
    def _sp_cache(self) -> dict[int, ShortestPaths]:
        return {}

    @cached_property
    def profile_groups(self) -> tuple[tuple[int, ...], ...]:
        """Profiles that share one shortest-path graph, in profile order.

        Two profiles share a graph when, on every connected component of the union of the
        edges they may drive, each either may drive no edge or every edge at the same cost
        (the rows :func:`~borderwatch.routing.patrol.build_instance` makes for one vehicle
        based on different road components). One Dijkstra run then serves the group and
        each profile masks the components it may use; its distances and paths are exactly
        those of a run on its own edges.
        """
        groups: list[list[int]] = []
        for p in range(self.n_profiles):
            for g in groups:
                if self._share_graph([*g, p]) is not None:
                    g.append(p)
                    break
            else:
                groups.append([p])
        return tuple(tuple(g) for g in groups)

    def _share_graph(self, profiles: list[int]) -> tuple[np.ndarray, np.ndarray] | None:
        """Union cost and its component labels if ``profiles`` may share a graph, else None."""
        rows = self.cost[profiles]
        loop = self.u == self.v
        fin = np.isfinite(rows) & ~loop
        union = np.where(fin, rows, np.inf).min(axis=0)
        if not (np.where(fin, rows, 0.0) == np.where(fin, union, 0.0)).all():
            return None  # different costs on a shared edge
        ok = np.isfinite(union)
        g = csr_matrix(
            (np.ones(int(ok.sum())), (self.u[ok], self.v[ok])), shape=(self.n_nodes,) * 2
        )
        labels: np.ndarray = connected_components(g, directed=False)[1]
        lab_e = labels[self.u]
        n_comp = int(labels.max()) + 1
        for r in range(len(profiles)):
            present = np.bincount(lab_e[fin[r]], minlength=n_comp) > 0
            if not fin[r][ok & present[lab_e]].all():
                return None  # the profile may drive part of a component only
        return union, labels

    @cached_property
    def cheapest(self) -> ArcInstance:
        """One team (the first) on the cheapest team profile of every edge (cached).

        The instance the giant tour and the average bound work on; kept with this
        instance so that its shortest paths are computed once.

        Raises
        ------
        RoutingError
            If the first team's base cannot reach every required edge that way.
        """
        profiles = np.unique(self.team_profile)
        return replace(
            self,
            cost=self.cost[profiles].min(axis=0)[None, :],
            depots=self.depots[:1],
            team_profile=np.zeros(1, dtype=np.int64),
            team_names=None,
            circuit=False,
            max_approach=math.inf,
        )

    def shortest_paths(self, profile: int) -> ShortestPaths:
        """Shortest paths of ``profile`` between the key nodes (cached).

        The profiles of :attr:`profile_groups` are computed together: one Dijkstra run
        per group, from the key nodes, keeping only the key-node columns.

        Parameters
        ----------
        profile
            Profile index.

        Returns
        -------
        ShortestPaths
            Key-node distances; paths and full distance rows on demand.
        """
        profile = int(profile)
        if not 0 <= profile < self.n_profiles:
            raise RoutingError(f"profile must lie in 0..{self.n_profiles - 1}, got {profile}")
        cache = self._sp_cache
        if profile not in cache:
            group = next(g for g in self.profile_groups if profile in g)
            cache.update(self._compute_paths(list(group)))
        return cache[profile]

    def _group_graph(self, profiles: list[int]) -> tuple[np.ndarray, np.ndarray, bytes]:
        """The shared graph of ``profiles``: union cost, component labels, content key."""
        shared = self._share_graph(profiles)
        assert shared is not None  # profile_groups only groups profiles that share
        union, labels = shared
        digest = hashlib.blake2b(digest_size=16)
        for arr in (np.int64(self.n_nodes), self.u, self.v, union):
            digest.update(np.ascontiguousarray(arr).tobytes())
        return union, labels, digest.digest()

    def _alive_group(self, key: bytes) -> _Group | None:
        """The live group of graph ``key`` whose key table covers this instance's key nodes."""
        with _SHARED_LOCK:
            group = _SHARED.get(key)
        if group is not None and np.isin(self.key_nodes, group.block_nodes).all():
            return group
        return None

    def _compute_paths(
        self, profiles: list[int], block: np.ndarray | None = None
    ) -> dict[int, ShortestPaths]:
        """The profiles' shortest paths (``block``: their key table, computed elsewhere)."""
        union, labels, key = self._group_graph(profiles)
        nodes = self.key_nodes
        index = np.full(self.n_nodes, -1, dtype=np.int64)
        index[nodes] = np.arange(len(nodes))
        index.setflags(write=False)
        # an instance made from another one (the giant tour's, one team on the cheapest
        # profile) finds the graph and key table of the first while that is alive
        group = self._alive_group(key)
        if group is not None:
            pos = np.searchsorted(group.block_nodes, nodes)
            block = group.block[np.ix_(pos, pos)]
        else:
            group = _Group(self.n_nodes, self.u, self.v, union, labels)
            block = group.stored_key_block(nodes, key) if block is None else block
            group.block_nodes, group.block = nodes, block
            with _SHARED_LOCK:
                _SHARED[key] = group
        n_comp = int(labels.max()) + 1
        lab_e = labels[self.u]
        block.setflags(write=False)
        out = {}
        for p in profiles:
            fin = np.isfinite(self.cost[p]) & (self.u != self.v)
            reach = (np.bincount(lab_e[fin], minlength=n_comp) > 0)[labels]
            reach.setflags(write=False)
            # one table for the group: a profile's own (masked) table only on demand
            out[p] = ShortestPaths(nodes, index, block, reach, group)
        return out

    def path(self, profile: int, source: int, target: int) -> list[tuple[int, bool]]:
        """Edges of a shortest ``source`` → ``target`` path for ``profile``.

        Parameters
        ----------
        profile
            Profile index.
        source, target
            Any nodes.

        Returns
        -------
        list of (int, bool)
            ``(edge id, forward)`` pairs; ``forward`` means driven ``u`` → ``v``.

        Raises
        ------
        RoutingError
            If ``target`` cannot be reached from ``source`` with ``profile``.
        """
        return self.paths(profile, [(source, target)])[0]

    def paths(self, profile: int, pairs: list[tuple[int, int]]) -> list[list[tuple[int, bool]]]:
        """:meth:`path` of many ``(source, target)`` pairs.

        Parameters
        ----------
        profile
            Profile index.
        pairs
            ``(source, target)`` node pairs.

        Returns
        -------
        list of list of (int, bool)
            The edges of each path, as :meth:`path` gives them.

        Raises
        ------
        RoutingError
            If a target cannot be reached from its source with ``profile``.
        """
        sp = self.shortest_paths(profile)
        try:
            walks = sp.many_path_nodes(pairs)
        except RoutingError as exc:
            raise RoutingError(f"{exc} with profile {profile}") from None
        out = []
        for nodes in walks:
            steps = []
            for x, y in zip(nodes[:-1], nodes[1:], strict=True):
                e = sp.edge_between(x, y)
                steps.append((e, bool(self.u[e] == x)))
            out.append(steps)
        return out


def _table_jobs(instance: ArcInstance) -> list[tuple[ArcInstance, list[int]]]:
    """The key tables a search of ``instance`` builds that no live group holds yet.

    One per group of its teams' profiles (the search's model) and, with several
    profiles, the one of :attr:`ArcInstance.cheapest` (the giant tour and the basic
    bound), each graph once.
    """
    used = set(instance.team_profile.tolist())
    jobs = [(instance, list(g)) for g in instance.profile_groups if used & set(g)]
    if len(np.unique(instance.team_profile)) > 1:
        # without it (the first base reaches not every task) the search goes without a giant tour
        with contextlib.suppress(RoutingError):
            jobs.append((instance.cheapest, [0]))
    out, keys = [], set()
    for inst, group in jobs:
        if group[0] in inst._sp_cache:
            continue
        key = inst._group_graph(group)[2]
        if key in keys or inst._alive_group(key) is not None:
            continue
        keys.add(key)
        out.append((inst, group))
    return out


def _key_table(inst: ArcInstance, group: list[int]) -> np.ndarray:
    """The key table :meth:`ArcInstance._compute_paths` would compute for ``group``."""
    union, labels, key = inst._group_graph(group)
    return _Group(inst.n_nodes, inst.u, inst.v, union, labels).stored_key_block(inst.key_nodes, key)


def _tables_child(send: Any, jobs: list[tuple[ArcInstance, list[int]]]) -> None:
    """The forked process of :func:`prepare_paths`: its share of the key tables (an error
    goes to the parent, which computes them itself and says why: :func:`forking.beside`)."""
    send.send(("ok", [_key_table(inst, group) for inst, group in jobs]))


def prepare_paths(instance: ArcInstance, *, fork: bool = False) -> int:
    """Compute the key-node tables a search of ``instance`` needs, on two cores if asked.

    The tables of the teams' profile groups and of :attr:`ArcInstance.cheapest` are
    independent Dijkstra runs (~4 CPU s each at 2,000 km, where there are four). With
    ``fork`` every other one is computed in a forked process while this one computes
    the rest; the child's tables come back through a pipe. The tables are the same
    arrays either way (the same function on the same graph), so nothing downstream
    depends on where they were computed; a child that fails leaves its share to this
    process. The caller decides whether a core is spare and forking safe (no other
    threads, not a daemonic process).

    Parameters
    ----------
    instance
        The routing instance.
    fork
        Whether to compute about half of the tables in a forked process.

    Returns
    -------
    int
        The number of tables computed in the forked process (0 without one).
    """
    jobs = _table_jobs(instance)
    theirs = jobs[1::2] if fork and len(jobs) > 1 else []
    blocks: list[np.ndarray | None] | None = None
    why = "it ended without them"
    child = None
    if theirs:
        child = forking.beside(
            _tables_child,
            theirs,
            name="borderwatch-paths",
            log=logger,
            refused="key tables: no process (%s), all computed here",
        )
    mine = jobs[0::2] if child is not None else jobs
    try:
        for inst, group in mine:
            inst._sp_cache.update(inst._compute_paths(group))
    finally:
        if child is not None:
            try:
                blocks = child.result()
            except forking.ChildLost:
                blocks = None
            except Exception as exc:  # the child's error
                blocks, why = None, forking.why(exc)
    if child is None:
        return 0
    if blocks is None or len(blocks) != len(theirs):
        logger.warning("the key tables' process failed (%s): computed here", why)
        blocks = [None] * len(theirs)
    for (inst, group), block in zip(theirs, blocks, strict=True):
        inst._sp_cache.update(inst._compute_paths(group, block))
    return len(theirs) if blocks[0] is not None else 0
