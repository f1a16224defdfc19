"""Chinese and rural postman tours against brute force."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.routing.instance import ArcInstance
from borderwatch.routing.postman import PostmanTour, chinese_postman, rural_postman


@st.composite
def connected_graphs(draw: st.DrawFn, max_nodes: int = 7) -> tuple[int, list, list, list]:
    n = draw(st.integers(2, max_nodes))
    u, v = [], []
    for i in range(1, n):  # a random spanning tree keeps the graph connected
        u.append(draw(st.integers(0, i - 1)))
        v.append(i)
    for _ in range(draw(st.integers(0, 6))):  # extra edges, parallel ones allowed
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if a != b:
            u.append(a)
            v.append(b)
    cost = [draw(st.integers(1, 20)) for _ in u]
    return n, u, v, cost


def _brute_force_cpp(n: int, u: list, v: list, cost: list) -> float:
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for a, b, c in zip(u, v, cost, strict=True):
        if not g.has_edge(a, b) or g[a][b]["weight"] > c:
            g.add_edge(a, b, weight=c)
    dist = dict(nx.all_pairs_dijkstra_path_length(g))
    deg = np.bincount(np.r_[u, v], minlength=n)
    odd = [int(x) for x in np.flatnonzero(deg % 2)]

    def best(nodes: tuple[int, ...]) -> float:
        if not nodes:
            return 0.0
        a, rest = nodes[0], nodes[1:]
        return min(dist[a][b] + best(rest[:i] + rest[i + 1 :]) for i, b in enumerate(rest))

    return float(sum(cost)) + best(tuple(odd))


def _check_walk(inst: ArcInstance, tour: PostmanTour, profile: int = 0) -> None:
    node = tour.start
    total = 0.0
    for e, fwd in zip(tour.edges, tour.forward, strict=True):
        a, b = (inst.u[e], inst.v[e]) if fwd else (inst.v[e], inst.u[e])
        assert a == node
        node = b
        total += inst.cost[profile, e]
    assert node == tour.start
    assert math.isclose(total, tour.cost)
    served = [e for e, s in zip(tour.edges, tour.serve, strict=True) if s]
    assert sorted(served) == inst.required_edges.tolist()


@settings(max_examples=60, deadline=None)
@given(connected_graphs())
def test_cpp_equals_brute_force(graph: tuple[int, list, list, list]) -> None:
    n, u, v, cost = graph
    inst = ArcInstance(n, u, v, cost, np.ones(len(u), bool), [0])
    tour = chinese_postman(inst)
    assert tour.cost == pytest.approx(_brute_force_cpp(n, u, v, cost))
    _check_walk(inst, tour)


@settings(max_examples=40, deadline=None)
@given(connected_graphs(), st.data())
def test_rpp_is_a_valid_closed_walk(
    graph: tuple[int, list, list, list], data: st.DataObject
) -> None:
    n, u, v, cost = graph
    req = data.draw(st.lists(st.booleans(), min_size=len(u), max_size=len(u)))
    start = data.draw(st.integers(0, n - 1))
    inst = ArcInstance(n, u, v, cost, req, [start])
    tour = rural_postman(inst)
    _check_walk(inst, tour)
    assert tour.cost >= sum(c for c, r in zip(cost, req, strict=True) if r)


def test_rpp_joins_separate_components() -> None:
    # path 0-1-2-3-4-5; required: 0-1 and 4-5 (two components), start at 2
    inst = ArcInstance(
        6, [0, 1, 2, 3, 4], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [True, False, False, False, True], [2]
    )
    tour = rural_postman(inst)
    _check_walk(inst, tour)
    assert tour.cost == pytest.approx(2 * 15)
    assert [e for e, _ in tour.tasks()] in ([0, 4], [4, 0])


def test_rpp_equals_cpp_when_everything_is_required() -> None:
    inst = ArcInstance(4, [0, 1, 2, 3, 0], [1, 2, 3, 0, 2], [1, 2, 3, 4, 5], [True] * 5, [0])
    assert rural_postman(inst).cost == pytest.approx(chinese_postman(inst).cost)


def test_cpp_skips_edges_the_profile_may_not_use() -> None:
    cost = np.array([[1, 1, 1, np.inf], [1, 1, 1, 1]], dtype=float)
    inst = ArcInstance(
        3, [0, 1, 2, 0], [1, 2, 0, 1], cost, [True, True, True, False], [0], team_profile=[0]
    )
    tour = chinese_postman(inst, profile=0)
    assert 3 not in tour.edges
    assert tour.cost == pytest.approx(3.0)


def test_no_required_edges_gives_empty_tour() -> None:
    inst = ArcInstance(2, [0], [1], [3.0], [False], [0])
    tour = rural_postman(inst)
    assert tour.edges == () and tour.cost == 0.0


def test_eulerize_is_not_used() -> None:
    src = Path(__file__).parents[2] / "borderwatch" / "routing" / "postman.py"
    code = "\n".join(
        line for line in src.read_text().splitlines() if not line.lstrip().startswith(("#", "``"))
    )
    assert "eulerize(" not in code


def test_brute_force_helper_on_a_triangle_with_tail() -> None:
    # triangle 0-1-2 plus tail 2-3: odd nodes 2 and 3 -> add 2-3 again
    assert _brute_force_cpp(4, [0, 1, 2, 2], [1, 2, 0, 3], [1, 1, 1, 7]) == 17.0


def _random_distances(seed: int, n: int, kind: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "road":  # shortest paths on a random connected graph
        g = nx.connected_watts_strogatz_graph(n, 4, 0.3, seed=seed)
        for a, b in g.edges:
            g[a][b]["weight"] = float(rng.integers(1, 30))
        d = dict(nx.all_pairs_dijkstra_path_length(g))
        return np.array([[d[i][j] for j in range(n)] for i in range(n)], dtype=float)
    pts = rng.random((n, 2)) * ([1.0, 1.0] if kind == "square" else [30.0, 1.0])
    return np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))


#: Stated quality of the matching heuristic on random instances (worst seen: 1.14).
HEURISTIC_FACTOR = 1.25


@pytest.mark.parametrize("kind", ["square", "strip", "road"])
@pytest.mark.parametrize("seed", range(5))
def test_heuristic_matching_is_perfect_and_within_its_factor(kind: str, seed: int) -> None:
    from borderwatch.routing.postman import match_odd_nodes

    n = 24 + 8 * seed
    dist = _random_distances(seed, n, kind)
    nodes = list(range(3, 3 + n))  # entries of a larger matrix, as the tours pass them
    big = np.full((n + 3, n + 3), np.inf)
    big[3:, 3:] = dist
    exact = match_odd_nodes(big, nodes)
    heur = match_odd_nodes(big, nodes, exact_up_to=0, sparse_up_to=0)
    assert exact.exact and not heur.exact
    assert sorted(a for p in heur.pairs for a in p) == nodes
    assert heur.cost == pytest.approx(sum(big[a, b] for a, b in heur.pairs))
    assert exact.cost - 1e-9 <= heur.cost <= HEURISTIC_FACTOR * exact.cost
    # its own bound: valid (never above the optimum), and at least the nearest-neighbour bound
    assert heur.lower_bound <= exact.cost + 1e-9
    off = dist + np.diag(np.full(n, np.inf))
    assert heur.lower_bound >= off.min(axis=1).sum() / 2 - 1e-9
    assert exact.lower_bound == exact.cost


@pytest.mark.parametrize("kind", ["square", "road", "ties", "sparse", "empty"])
@pytest.mark.parametrize("seed", range(4))
def test_blossom_on_plain_graph_gives_networkx_own_matching(kind: str, seed: int) -> None:
    """The matching's faster graph (plain adjacency dicts) picks networkx's very pairs.

    "ties": integer weights from 1 to 3, so that many perfect matchings share the optimum
    and only networkx's own order of steps picks one of them.
    """
    from borderwatch.routing.postman import _min_weight_matching

    rng = np.random.default_rng(seed)
    n = 20 + 6 * seed
    if kind == "ties":
        dist = rng.integers(1, 4, (n, n)).astype(float)
        dist = np.minimum(dist, dist.T)
    elif kind == "sparse":
        dist = _random_distances(seed, n, "square")
        dist[rng.random((n, n)) < 0.6] = np.inf
        dist = np.minimum(dist, dist.T)
    else:
        dist = _random_distances(seed, n, "square" if kind == "empty" else kind)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    if kind != "empty":
        for i in range(n):
            for j in range(i + 1, n):
                if np.isfinite(dist[i, j]):
                    g.add_edge(i, j, weight=float(dist[i, j]))
    ours = _min_weight_matching(g)
    assert ours == nx.min_weight_matching(g, weight="weight")
    assert (not ours) if kind == "empty" else bool(ours)


def test_sparse_blossom_tier_is_near_exact() -> None:
    from borderwatch.routing.postman import match_odd_nodes

    dist = _random_distances(0, 60, "square")
    nodes = list(range(60))
    exact = match_odd_nodes(dist, nodes)
    sparse = match_odd_nodes(dist, nodes, exact_up_to=10, sparse_up_to=100)
    assert not sparse.exact and sorted(a for p in sparse.pairs for a in p) == nodes
    assert exact.cost - 1e-9 <= sparse.cost <= 1.02 * exact.cost
    assert sparse.lower_bound <= exact.cost + 1e-9


def test_matching_of_unpairable_nodes_raises() -> None:
    from borderwatch.errors import RoutingError
    from borderwatch.routing.postman import match_odd_nodes

    inf = np.inf
    dist = np.array([[0, 1, inf, inf], [1, 0, inf, inf], [inf, inf, 0, inf], [inf, inf, inf, 0]])
    for up_to, sparse in ((10, 10), (0, 10), (0, 0)):
        with pytest.raises(RoutingError, match="cannot be paired"):
            match_odd_nodes(dist, [0, 1, 2, 3], exact_up_to=up_to, sparse_up_to=sparse)
    with pytest.raises(RoutingError, match="odd number"):
        match_odd_nodes(dist, [0, 1, 2])


@settings(max_examples=30, deadline=None)
@given(connected_graphs(max_nodes=9))
def test_heuristic_join_bound_never_exceeds_the_exact_one(graph: tuple) -> None:
    from borderwatch.routing.bounds import average_bound, odd_join_bound

    n, u, v, cost = graph
    inst = ArcInstance(n, u, v, cost, [True] * len(u), [0])
    exact = odd_join_bound(inst)
    assert odd_join_bound(inst, exact_up_to=0) <= exact + 1e-9
    # with every edge required and one team the exact bound is the Chinese postman tour
    assert average_bound(inst, integral=False) == pytest.approx(chinese_postman(inst).cost)


def test_bound_and_tour_share_one_matching() -> None:
    from borderwatch.routing import postman
    from borderwatch.routing.bounds import average_bound

    # a 3 x 4 grid: 6 odd nodes (the non-corner border nodes), every edge required
    g = nx.grid_2d_graph(3, 4)
    idx = {node: i for i, node in enumerate(sorted(g.nodes))}
    u = [idx[a] for a, _ in g.edges]
    v = [idx[b] for _, b in g.edges]
    cost = [float(1 + (3 * i) % 5) for i in range(len(u))]
    inst = ArcInstance(len(idx), u, v, cost, [True] * len(u), [0])
    postman._matching_cache.clear()
    average_bound(inst)
    assert len(postman._matching_cache) == 1
    tour = chinese_postman(inst)
    assert len(postman._matching_cache) == 1  # the tour found the bound's matching
    assert average_bound(inst, integral=False) == pytest.approx(tour.cost)


@settings(max_examples=40, deadline=None)
@given(connected_graphs(max_nodes=12), st.data())
def test_tour_beyond_the_blossom_tiers_reuses_the_bounds_matching(
    graph: tuple[int, list, list, list], data: st.DataObject
) -> None:
    """Beyond the tiers the giant tour matches the required edges' odd nodes once (the
    bound's call, cached) and doubles the tree joining what is left apart (issue #12)."""
    from borderwatch.routing import postman
    from borderwatch.routing.bounds import odd_join_bound

    n, u, v, cost = graph
    req = data.draw(st.lists(st.booleans(), min_size=len(u), max_size=len(u)))
    start = data.draw(st.integers(0, n - 1))
    inst = ArcInstance(n, u, v, cost, req, [start])
    frederickson = rural_postman(inst)
    old = postman.SPARSE_MATCHING_UP_TO
    postman.SPARSE_MATCHING_UP_TO = -1  # every tour takes the shared path
    try:
        postman._matching_cache.clear()
        join = odd_join_bound(inst)  # the bound's matching
        cached = len(postman._matching_cache)
        tour = rural_postman(inst)
        assert len(postman._matching_cache) == cached  # no matching of its own
    finally:
        postman.SPARSE_MATCHING_UP_TO = old
    _check_walk(inst, tour)
    service = sum(c for c, r in zip(cost, req, strict=True) if r)
    assert tour.cost >= service + join - 1e-9
    sub = nx.MultiGraph([(a, b) for a, b, r in zip(u, v, req, strict=True) if r])
    if sub.number_of_nodes() and start in sub and nx.is_connected(sub):
        # required edges and start connected: no tree, both tours are optimal
        assert tour.cost == pytest.approx(frederickson.cost)


def _join_components_networkx(dk: np.ndarray, comp_of_key: np.ndarray) -> list[tuple[int, int]]:
    """The former construction: networkx MST on the complete graph of components."""
    comps = sorted(set(comp_of_key.tolist()))
    cg = nx.Graph()
    members = {c: np.flatnonzero(comp_of_key == c) for c in comps}
    for i, ci in enumerate(comps):
        for cj in comps[i + 1 :]:
            sub = dk[np.ix_(members[ci], members[cj])]
            ia, ib = np.unravel_index(int(np.argmin(sub)), sub.shape)
            x, y = int(members[ci][ia]), int(members[cj][ib])
            cg.add_edge(ci, cj, weight=float(sub[ia, ib]), pair=(x, y))
    return [data["pair"] for _, _, data in sorted(nx.minimum_spanning_edges(cg, data=True))]


@pytest.mark.parametrize("seed", range(8))
def test_component_tree_equals_networkx_kruskal(seed: int) -> None:
    from borderwatch.routing.postman import _join_components

    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 40))
    # integer distances: many ties, which both must break the same way
    pts = rng.integers(0, 6, (n, 2))
    dk = np.abs(pts[:, None, :] - pts[None, :, :]).sum(axis=2).astype(float)
    comp = rng.integers(0, int(rng.integers(2, 9)), n) * 3 + 1
    assert _join_components(dk, comp) == _join_components_networkx(dk, comp)


@pytest.mark.parametrize("exact_up_to", [300, 0])  # the blossom and the heuristic
def test_a_matching_comes_from_the_disk_cache_the_same(
    tmp_path, monkeypatch: pytest.MonkeyPatch, exact_up_to: int
) -> None:
    """Every plan of a scenario asks for its giant tour's matching: kept in the borderwatch
    cache, keyed by the distances and the code; a broken entry is computed again."""
    from borderwatch.data import road_cache
    from borderwatch.routing import postman

    monkeypatch.setenv(road_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(road_cache.NO_CACHE_ENV, raising=False)
    dist = _random_distances(3, 40, "road")
    nodes = list(range(40))
    kw = {"exact_up_to": exact_up_to, "sparse_up_to": exact_up_to}
    postman._matching_cache.clear()
    first = postman.match_odd_nodes(dist, nodes, **kw)
    (entry,) = (tmp_path / "cache" / "matchings").iterdir()
    postman._matching_cache.clear()  # a new process: only the disk has it
    calls: list[int] = []
    real = postman._compute_matching
    monkeypatch.setattr(postman, "_compute_matching", lambda *a: calls.append(1) or real(*a))
    assert postman.match_odd_nodes(dist, nodes, **kw) == first and not calls
    entry.write_bytes(b"truncated")
    postman._matching_cache.clear()
    assert postman.match_odd_nodes(dist, nodes, **kw) == first and calls == [1]
    other = dist.copy()
    other[0, 1] = other[1, 0] = other[0, 1] + 1.0  # other distances: another entry
    postman._matching_cache.clear()
    postman.match_odd_nodes(other, nodes, **kw)
    assert calls == [1, 1] and len(list((tmp_path / "cache" / "matchings").iterdir())) == 2
    postman._matching_cache.clear()


def test_a_heuristic_matching_from_the_disk_cache_says_its_cost_and_bound(
    tmp_path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The heuristic's INFO line (its cost and lower bound: how far from the optimum the
    tour may be) is said whether the matching is computed or read from the disk cache."""
    from borderwatch.data import road_cache
    from borderwatch.routing import postman

    monkeypatch.setenv(road_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(road_cache.NO_CACHE_ENV, raising=False)
    dist = _random_distances(5, 30, "road")
    kw = {"exact_up_to": 0, "sparse_up_to": 0}
    said = []
    for _ in range(2):  # computed, then from the disk (a new process: no matching in memory)
        postman._matching_cache.clear()
        caplog.clear()
        with caplog.at_level("INFO", logger=postman.logger.name):
            m = postman.match_odd_nodes(dist, list(range(30)), **kw)
        said.append(
            [r.getMessage() for r in caplog.records if "by the heuristic" in r.getMessage()]
        )
    postman._matching_cache.clear()
    line = f"odd-node matching of 30 nodes by the heuristic: cost {m.cost:.1f}, lower bound"
    assert len(said[0]) == len(said[1]) == 1
    assert said[0] == said[1] and said[0][0].startswith(line)


def test_without_its_source_file_the_matching_is_computed_and_not_kept(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk cache's key hashes postman.py's source: where the module has no readable
    source (a zipped or frozen install) nothing is kept on disk, the matching is computed."""
    from borderwatch.data import road_cache
    from borderwatch.routing import postman

    monkeypatch.setenv(road_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(road_cache.NO_CACHE_ENV, raising=False)
    monkeypatch.setattr(postman, "__file__", str(tmp_path / "app.zip" / "postman.py"))
    dist = _random_distances(4, 20, "road")
    postman._matching_cache.clear()
    try:
        got = postman.match_odd_nodes(dist, list(range(20)))
    finally:
        postman._matching_cache.clear()
    assert got == postman._compute_matching(np.ascontiguousarray(dist), True, False, 10)
    assert not (tmp_path / "cache" / "matchings").exists()
