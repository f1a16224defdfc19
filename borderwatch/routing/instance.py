"""Integer-indexed arc-routing instances: edges, vehicle profiles, teams.

An :class:`ArcInstance` is the pure-algorithm view of a patrol problem: no
geometry, just nodes ``0 .. n_nodes - 1``, undirected edges, one traversal
cost per vehicle profile and edge (``inf`` where a profile may not use the
edge), the required edges, and the teams (a depot node and a profile each).
Shortest paths are computed with :mod:`scipy.sparse.csgraph` from the nodes
that matter (depots and required-edge endpoints) and cached per profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from borderwatch.errors import RoutingError

__all__ = ["ArcInstance", "ShortestPaths"]


@dataclass(frozen=True, eq=False)
class ShortestPaths:
    """Shortest paths of one profile from the key nodes of an instance.

    Attributes
    ----------
    nodes
        The key nodes (sorted node ids): depots and required-edge endpoints.
    index
        For every node, its row in ``dist``/``pred`` or ``-1``.
    dist
        Distances, shape ``(len(nodes), n_nodes)``; ``inf`` = unreachable.
    pred
        Predecessor node on a shortest path, same shape, ``-9999`` = none.
    key_dist
        ``dist`` restricted to the key-node columns, shape ``(K, K)``.
    edge_of
        For each ordered-free node pair ``(min, max)``, the cheapest edge id.
    """

    nodes: np.ndarray
    index: np.ndarray
    dist: np.ndarray
    pred: np.ndarray
    key_dist: np.ndarray
    edge_of: dict[tuple[int, int], int] = field(repr=False)


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

    def shortest_paths(self, profile: int) -> ShortestPaths:
        """Shortest paths of ``profile`` from every key node (cached).

        Parameters
        ----------
        profile
            Profile index.

        Returns
        -------
        ShortestPaths
            Distances and predecessors from the key nodes to all nodes.
        """
        profile = int(profile)
        if not 0 <= profile < self.n_profiles:
            raise RoutingError(f"profile must lie in 0..{self.n_profiles - 1}, got {profile}")
        cache = self._sp_cache
        if profile not in cache:
            cache[profile] = self._compute_paths(profile)
        return cache[profile]

    def _compute_paths(self, profile: int) -> ShortestPaths:
        c = self.cost[profile]
        ok = np.flatnonzero(np.isfinite(c) & (self.u != self.v))
        a = np.minimum(self.u[ok], self.v[ok])
        b = np.maximum(self.u[ok], self.v[ok])
        # keep the cheapest of parallel edges (csr would sum duplicates)
        order = np.lexsort((ok, c[ok], b, a))
        a, b, ids = a[order], b[order], ok[order]
        first = np.ones(len(a), dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        a, b, ids = a[first], b[first], ids[first]
        edge_of = {(int(x), int(y)): int(e) for x, y, e in zip(a, b, ids, strict=True)}
        g = csr_matrix((c[ids], (a, b)), shape=(self.n_nodes,) * 2)
        nodes = self.key_nodes
        dist, pred = dijkstra(g, directed=False, indices=nodes, return_predecessors=True)
        index = np.full(self.n_nodes, -1, dtype=np.int64)
        index[nodes] = np.arange(len(nodes))
        key_dist = np.ascontiguousarray(dist[:, nodes])
        for arr in (index, dist, pred, key_dist):
            arr.setflags(write=False)
        return ShortestPaths(nodes, index, dist, pred, key_dist, edge_of)

    def path(self, profile: int, source: int, target: int) -> list[tuple[int, bool]]:
        """Edges of a shortest ``source`` → ``target`` path for ``profile``.

        Parameters
        ----------
        profile
            Profile index.
        source
            A key node (depot or required-edge endpoint).
        target
            Any node.

        Returns
        -------
        list of (int, bool)
            ``(edge id, forward)`` pairs; ``forward`` means driven ``u`` → ``v``.
        """
        sp = self.shortest_paths(profile)
        row = int(sp.index[source])
        if row < 0:
            raise RoutingError(f"path source {source} is not a key node of the instance")
        if not np.isfinite(sp.dist[row, target]):
            raise RoutingError(
                f"node {target} is unreachable from node {source} with profile {profile}"
            )
        nodes = [int(target)]
        while nodes[-1] != source:
            nodes.append(int(sp.pred[row, nodes[-1]]))
        nodes.reverse()
        out = []
        for x, y in zip(nodes[:-1], nodes[1:], strict=True):
            e = sp.edge_of[(min(x, y), max(x, y))]
            out.append((e, bool(self.u[e] == x)))
        return out
