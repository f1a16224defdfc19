"""ArcInstance validation and shortest paths."""

from __future__ import annotations

import numpy as np
import pytest

from borderwatch.errors import BorderwatchError, RoutingError
from borderwatch.routing.instance import ArcInstance


def _square(**kw: object) -> ArcInstance:
    # 0-1-2-3-0 square plus a diagonal 0-2
    args: dict[str, object] = {
        "n_nodes": 4,
        "u": [0, 1, 2, 3, 0],
        "v": [1, 2, 3, 0, 2],
        "cost": [1.0, 2.0, 3.0, 4.0, 2.5],
        "required": [True, True, False, False, True],
        "depots": [0, 0],
    }
    args.update(kw)
    return ArcInstance(**args)  # type: ignore[arg-type]


def test_shapes_and_defaults() -> None:
    inst = _square()
    assert inst.n_edges == 5
    assert inst.n_profiles == 1
    assert inst.n_teams == 2
    assert inst.team_profile.tolist() == [0, 0]
    assert inst.required_edges.tolist() == [0, 1, 4]
    assert inst.key_nodes.tolist() == [0, 1, 2]
    assert inst.is_integral is False


def test_arrays_are_read_only() -> None:
    inst = _square()
    with pytest.raises(ValueError):
        inst.cost[0, 0] = 5.0


def test_shortest_paths_cached_and_correct() -> None:
    inst = _square()
    sp = inst.shortest_paths(0)
    assert sp is inst.shortest_paths(0)
    row = sp.index[0]
    assert sp.dist[row, 3] == pytest.approx(4.0)
    assert sp.dist[row, 2] == pytest.approx(2.5)
    assert sp.key_dist.shape == (3, 3)


def test_path_uses_cheapest_parallel_edge() -> None:
    inst = ArcInstance(3, [0, 0, 1], [1, 1, 2], [5.0, 1.0, 1.0], [False, False, True], [0])
    steps = inst.path(0, 0, 2)
    assert steps == [(1, True), (2, True)]
    back = inst.path(0, 2, 0)
    assert back == [(2, False), (1, False)]


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"v": [1, 2, 3, 0]}, "one entry per edge"),
        ({"u": [0, 1, 2, 9, 0]}, "endpoints"),
        ({"cost": [1.0, -2.0, 3.0, 4.0, 1.0]}, "non-negative"),
        ({"depots": [7]}, "depot node 7"),
        ({"depots": []}, "at least one team"),
        ({"team_profile": [0, 1]}, "team_profile values"),
        ({"team_profile": [0]}, "team_profile has 1"),
        ({"n_nodes": 0}, "n_nodes"),
    ],
)
def test_bad_input_raises(kw: dict[str, object], match: str) -> None:
    with pytest.raises(RoutingError, match=match):
        _square(**kw)


def test_routing_error_is_value_error() -> None:
    assert issubclass(RoutingError, ValueError)
    assert issubclass(RoutingError, BorderwatchError)


def test_required_edge_nobody_may_drive() -> None:
    cost = np.array([[1.0, np.inf, 3.0, 4.0, 2.5]])
    with pytest.raises(RoutingError, match=r"required edge 1 \(1-2\) may not be driven"):
        _square(cost=cost)


def test_unreachable_team_is_named() -> None:
    # two components: {0,1} and {2,3}; team 'north' lives in the first, and the
    # required edge 2-3 is drivable by its profile but not reachable from its base
    with pytest.raises(RoutingError, match=r"team 1 \('north'\).*cannot reach required edge 1"):
        ArcInstance(
            n_nodes=4,
            u=[0, 2],
            v=[1, 3],
            cost=[[np.inf, 1.0], [1.0, 1.0]],
            required=[True, True],
            depots=[2, 0],
            team_profile=[0, 1],
            team_names=("south", "north"),
        )


def test_profile_restriction_excuses_unreachable_edge() -> None:
    # the pickup (profile 0) may not drive edge 1, so its base need not reach it
    inst = ArcInstance(
        n_nodes=4,
        u=[0, 2],
        v=[1, 3],
        cost=[[1.0, np.inf], [np.inf, 1.0]],
        required=[True, True],
        depots=[0, 2],
        team_profile=[0, 1],
    )
    assert inst.n_teams == 2


# ------------------------------------------------- shortest paths against the dense run
def _dense_reference(inst: ArcInstance, profile: int) -> tuple[np.ndarray, np.ndarray]:
    """The former computation: one scipy run per profile on its own edges, dense (K, n)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    c = inst.cost[profile]
    ok = np.flatnonzero(np.isfinite(c) & (inst.u != inst.v))
    a, b = np.minimum(inst.u[ok], inst.v[ok]), np.maximum(inst.u[ok], inst.v[ok])
    order = np.lexsort((ok, c[ok], b, a))
    a, b, ids = a[order], b[order], ok[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    g = csr_matrix((c[ids[first]], (a[first], b[first])), shape=(inst.n_nodes,) * 2)
    return dijkstra(g, directed=False, indices=inst.key_nodes, return_predecessors=True)


def _trace_dense(pred: np.ndarray, row: int, s: int, t: int) -> list[int]:
    nodes = [t]
    while nodes[-1] != s:
        nodes.append(int(pred[row, nodes[-1]]))
    return nodes[::-1]


def _check_against_dense(inst: ArcInstance, n_pairs: int = 300) -> None:
    rng = np.random.default_rng(3)
    keys = inst.key_nodes
    # a fresh copy: its paths come from limited runs, not from cached full rows
    copy = ArcInstance(
        inst.n_nodes, inst.u, inst.v, inst.cost, inst.required, inst.depots, inst.team_profile
    )
    for p in range(inst.n_profiles):
        dist, pred = _dense_reference(inst, p)
        fresh = copy.shortest_paths(p)
        for row, col in zip(
            rng.integers(0, len(keys), n_pairs), rng.integers(0, len(keys), n_pairs), strict=True
        ):
            s, t = int(keys[row]), int(keys[col])
            if np.isfinite(dist[row, t]):
                assert fresh.path_nodes(s, t) == _trace_dense(pred, row, s, t)
        sp = inst.shortest_paths(p)
        assert sp.key_dist.shape == (len(keys), len(keys))
        np.testing.assert_array_equal(sp.key_dist, dist[:, keys])
        # every key source's predecessor row is the dense one: the same paths, ties included
        for row, s in enumerate(keys):
            np.testing.assert_array_equal(sp.predecessors_from(int(s)), pred[row])
            np.testing.assert_array_equal(sp.distances_from(int(s)), dist[row])
        rows = rng.integers(0, len(keys), n_pairs)
        cols = rng.integers(0, len(keys), n_pairs)
        reachable = [
            (int(keys[r]), int(keys[c]))
            for r, c in zip(rows, cols, strict=True)
            if np.isfinite(dist[r, keys[c]])
        ]
        # many paths at once are the paths one at a time
        assert inst.paths(p, reachable) == [inst.path(p, s, t) for s, t in reachable]
        for row, col in zip(rows, cols, strict=True):
            s, t = int(keys[row]), int(keys[col])
            if not np.isfinite(dist[row, t]):
                with pytest.raises(RoutingError, match="unreachable"):
                    inst.path(p, s, t)
                continue
            steps = inst.path(p, s, t)
            node = s
            for e, fwd in steps:
                a, b = (inst.u[e], inst.v[e]) if fwd else (inst.v[e], inst.u[e])
                assert a == node
                node = int(b)
            assert node == t
            assert sum(inst.cost[p, e] for e, _ in steps) == pytest.approx(dist[row, t], rel=1e-12)


@pytest.fixture(scope="module")
def generated_patrol():
    from borderwatch import build_network
    from borderwatch.data.synthetic import generate_scenario
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.routing.patrol import build_instance

    net = build_network(generate_scenario(40.0, seed=7))
    return build_instance(net, choose_required_edges(net, time_limit_s=5).edges)


def test_generated_scenario_equals_dense_run(generated_patrol) -> None:
    _check_against_dense(generated_patrol.instance)


@pytest.mark.slow
def test_ningming_equals_dense_run(ningming_net) -> None:
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.routing.patrol import build_instance

    required = choose_required_edges(ningming_net, time_limit_s=5)
    _check_against_dense(build_instance(ningming_net, required.edges).instance)


def _two_component_instance() -> ArcInstance:
    # component A: 0-1-2 (+ a parallel 0-1 and a loop), component B: 3-4-5; profile 0 =
    # a vehicle based on A, profile 1 = the same vehicle based on B, profile 2 = another
    # vehicle (other costs) that also drives the track 2-3 joining them
    inf = np.inf
    u = [0, 1, 0, 3, 4, 2, 2]
    v = [1, 2, 1, 4, 5, 2, 3]
    cost = [
        [1.0, 2.0, 0.5, inf, inf, 1.0, inf],
        [inf, inf, inf, 3.0, 1.0, inf, inf],
        [2.0, 2.0, 2.0, 2.0, 2.0, inf, 5.0],
    ]
    required = [True, False, False, False, True, False, False]
    return ArcInstance(6, u, v, cost, required, [0, 4, 2], [0, 1, 2])


def test_profiles_of_one_vehicle_share_one_run() -> None:
    inst = _two_component_instance()
    assert inst.profile_groups == ((0, 1), (2,))
    a, b = inst.shortest_paths(0), inst.shortest_paths(1)
    assert a._group is b._group and a._group is not inst.shortest_paths(2)._group
    assert a.reach.tolist() == [True, True, True, False, False, False]
    assert b.reach.tolist() == [False, False, False, True, True, True]
    _check_against_dense(inst, n_pairs=60)
    # a node outside the profile's components reaches only itself
    assert a.distances_from(4).tolist() == [np.inf] * 4 + [0.0, np.inf]
    with pytest.raises(RoutingError, match="unreachable"):
        inst.path(0, 4, 5)


def test_profiles_driving_part_of_a_component_do_not_share() -> None:
    # profile 1 may drive 0-1 only, profile 0 the whole path 0-1-2 at the same costs
    inst = ArcInstance(
        3, [0, 1], [1, 2], [[1.0, 1.0], [1.0, np.inf]], [True, False], [0, 0], [0, 1]
    )
    assert inst.profile_groups == ((0,), (1,))
    _check_against_dense(inst, n_pairs=20)


def test_old_dense_interface_still_works() -> None:
    inst = _square()
    sp = inst.shortest_paths(0)
    dist, pred = _dense_reference(inst, 0)
    assert sp.dist.shape == (3, 4) and len(sp.pred) == 3
    np.testing.assert_array_equal(sp.dist[1], dist[1])
    np.testing.assert_array_equal(sp.pred[np.int64(2)], pred[2])
    assert sp.dist[0, 3] == dist[0, 3]
    np.testing.assert_array_equal(sp.dist[1:], dist[1:])
    np.testing.assert_array_equal(np.asarray(sp.pred), pred)
    assert sp.edge_of == {(0, 1): 0, (1, 2): 1, (2, 3): 2, (0, 3): 3, (0, 2): 4}
    assert sp.edge_between(2, 0) == 4
    with pytest.raises(RoutingError, match="no edge joins"):
        sp.edge_between(1, 3)


def test_row_cache_is_bounded() -> None:
    from borderwatch.routing.instance import ROW_CACHE_SIZE

    n = ROW_CACHE_SIZE + 20
    inst = ArcInstance(
        n, list(range(n - 1)), list(range(1, n)), [1.0] * (n - 1), [True] * (n - 1), [0]
    )
    sp = inst.shortest_paths(0)
    for s in range(n):
        assert sp.distances_from(s)[n - 1] == n - 1 - s
    assert len(sp._group.rows) == ROW_CACHE_SIZE
    assert sp.key_dist.shape == (n, n)


def test_tied_paths_are_the_dense_run_paths() -> None:
    # a 6 x 6 grid of unit costs: every pair of nodes has many shortest paths
    n = 6
    ids = np.arange(n * n).reshape(n, n)
    u = np.r_[ids[:, :-1].ravel(), ids[:-1, :].ravel()]
    v = np.r_[ids[:, 1:].ravel(), ids[1:, :].ravel()]
    inst = ArcInstance(n * n, u, v, np.ones(len(u)), np.ones(len(u), dtype=bool), [0])
    _check_against_dense(inst, n_pairs=200)


def test_derived_instances_share_the_graph_and_key_table() -> None:
    import gc
    from dataclasses import replace

    from borderwatch.routing import instance as mod

    inst = _two_component_instance()
    cheap = inst.cheapest
    assert cheap is inst.cheapest and cheap.n_teams == 1
    np.testing.assert_array_equal(cheap.cost[0], inst.cost.min(axis=0))
    sp = cheap.shortest_paths(0)
    # the giant tour's own copy (one team at the first base) finds the same graph
    again = replace(cheap, cost=cheap.cost[0][None, :], depots=np.array([0]))
    other = again.shortest_paths(0)
    assert other._group is sp._group
    np.testing.assert_array_equal(
        other.key_dist, sp.key_dist[np.ix_(*[sp.index[again.key_nodes]] * 2)]
    )
    np.testing.assert_array_equal(other.key_dist, _dense_reference(again, 0)[0][:, again.key_nodes])
    # weakly held: gone with the instances
    n_before = len(mod._SHARED)
    del inst, cheap, sp, again, other
    gc.collect()
    assert len(mod._SHARED) < n_before


def test_key_table_runs_skip_dead_ends_and_keep_every_distance() -> None:
    # a grid with dead-end trees hanging off it, some holding a required edge (key nodes)
    rng = np.random.default_rng(3)
    side = 6
    u, v = [], []
    for r in range(side):
        for c in range(side):
            x = r * side + c
            if c + 1 < side:
                u.append(x), v.append(x + 1)
            if r + 1 < side:
                u.append(x), v.append(x + side)
    n = side * side
    for _ in range(12):  # chains of 1..4 new nodes off a random grid node
        at = int(rng.integers(n))
        for _ in range(int(rng.integers(1, 5))):
            u.append(at), v.append(n)
            at, n = n, n + 1
    cost = rng.uniform(0.1, 3.0, len(u)).round(3)
    required = np.zeros(len(u), dtype=bool)
    required[rng.choice(len(u), 10, replace=False)] = True
    inst = ArcInstance(n, u, v, cost, required, [0, n - 1])
    sp = inst.shortest_paths(0)
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    a, b = np.minimum(u, v), np.maximum(u, v)
    full = dijkstra(csr_matrix((cost, (a, b)), shape=(n, n)), directed=False)
    np.testing.assert_array_equal(sp.key_dist, full[np.ix_(sp.nodes, sp.nodes)])


def test_profiles_of_one_group_share_one_key_table() -> None:
    from borderwatch.routing.minmax import _Model

    inst = _two_component_instance()
    a, b = inst.shortest_paths(0), inst.shortest_paths(1)
    assert a.block is b.block
    # a profile's own table: the rows of the key nodes it does not reach are inf
    nodes = a.nodes.tolist()
    assert nodes == [0, 1, 2, 4, 5]
    assert a.key_dist[3].tolist() == [np.inf, np.inf, np.inf, 0.0, np.inf]
    assert np.isfinite(b.key_dist[3, 4]) and not np.isfinite(b.key_dist[0, 1])
    for sp in (a, b, inst.shortest_paths(2)):
        for row in range(len(nodes)):
            np.testing.assert_array_equal(sp.key_row(row), sp.key_dist[row])
    # the search's tables: one per group, and the cheapest table is the minimum of the
    # profiles' own tables
    model = _Model.of(inst)
    assert model.D.blocks.shape == (2, 5, 5)
    own = np.stack([inst.shortest_paths(p).key_dist for p in model.profiles])
    for p in range(len(model.profiles)):
        reach = own[p] < np.inf
        np.testing.assert_array_equal(model.D[p][reach], own[p][reach])
    np.testing.assert_array_equal(
        _Model._cheapest([inst.shortest_paths(p) for p in model.profiles], model.D.table),
        own.min(axis=0),
    )


def test_key_tables_computed_beside_are_the_tables_computed_here() -> None:
    """prepare_paths(fork=True): a forked process computes every other group's key table."""
    from borderwatch.routing.instance import _key_table, prepare_paths
    from tests.routing.helpers import grid

    inst = grid(7, 6, seed=11, depots=(0, 41, 20), profiles=2, required_share=0.5)
    groups = [list(g) for g in inst.profile_groups]
    assert len(groups) == 2  # the cheapest profile's graph is the first group's
    want = [_key_table(inst, g) for g in groups]  # computed here, shared with nothing
    assert prepare_paths(inst, fork=True) == 1  # the second table came from the child
    for g, table in zip(groups, want, strict=True):
        for p in g:
            np.testing.assert_array_equal(inst.shortest_paths(p).block, table)
    assert np.isfinite(want[1]).any() and not np.array_equal(want[0], want[1])
    assert prepare_paths(inst, fork=True) == 0  # nothing left to compute


def test_key_tables_of_a_failed_process_are_computed_here(monkeypatch, caplog) -> None:
    """The child's error is named in one warning; this process computes its share itself."""
    import borderwatch.routing.instance as instance
    from tests.routing.helpers import grid

    inst = grid(7, 6, seed=11, depots=(0, 41, 20), profiles=2, required_share=0.5)
    groups = [list(g) for g in inst.profile_groups]
    want = [instance._key_table(inst, g) for g in groups]

    def broken(*_a: object) -> None:  # the child's key tables (this process does not call it)
        raise MemoryError("no room for the table")

    monkeypatch.setattr(instance, "_key_table", broken)
    with caplog.at_level("WARNING", logger="borderwatch.routing.instance"):
        assert instance.prepare_paths(inst, fork=True) == 0
    assert caplog.messages == [
        "the key tables' process failed (MemoryError: no room for the table): computed here"
    ]
    for g, table in zip(groups, want, strict=True):
        for p in g:
            np.testing.assert_array_equal(inst.shortest_paths(p).block, table)


def test_key_tables_come_from_the_disk_cache_the_same(tmp_path, monkeypatch) -> None:
    """Every plan of a scenario asks for the same key tables: kept in the borderwatch cache
    under the group's graph, the key nodes and the code; a new process reads them back."""
    from borderwatch.data import road_cache
    from borderwatch.routing import instance as mod
    from tests.helpers import generated_instance

    monkeypatch.setenv(road_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(road_cache.NO_CACHE_ENV, raising=False)
    _net, patrol = generated_instance(20, seed=2)
    inst = patrol.instance
    group = inst.profile_groups[0]
    union, labels, key = inst._group_graph(list(group))
    fresh = mod._Group(inst.n_nodes, inst.u, inst.v, union, labels)
    want = fresh.key_block(inst.key_nodes)
    got = fresh.stored_key_block(inst.key_nodes, key)
    assert np.array_equal(got, want)
    (entry,) = (tmp_path / "cache" / "key-tables").iterdir()
    runs: list[int] = []
    real = mod._Group.key_block
    monkeypatch.setattr(mod._Group, "key_block", lambda g, n: runs.append(1) or real(g, n))
    again = mod._Group(inst.n_nodes, inst.u, inst.v, union, labels)  # a new process's group
    assert np.array_equal(again.stored_key_block(inst.key_nodes, key), want) and not runs
    # other key nodes, or a graph of other costs: another entry, computed
    again.stored_key_block(inst.key_nodes[:-1], key)
    again.stored_key_block(inst.key_nodes, key + b"other costs")
    assert len(runs) == 2 and len(list(entry.parent.iterdir())) == 3
    monkeypatch.setattr(mod, "STORED_BLOCK_BYTES", 8)  # too big to keep: computed each time
    again.stored_key_block(inst.key_nodes, key)
    assert len(runs) == 3


def test_without_its_source_file_a_key_table_is_computed_and_not_kept(
    tmp_path, monkeypatch
) -> None:
    """The stored key tables' key hashes instance.py's source: where the module has no
    readable source (a zipped or frozen install) nothing is kept, the table is computed."""
    from borderwatch.data import road_cache
    from borderwatch.routing import instance as mod
    from tests.helpers import generated_instance

    monkeypatch.setenv(road_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(road_cache.NO_CACHE_ENV, raising=False)
    monkeypatch.setattr(mod, "__file__", str(tmp_path / "app.zip" / "instance.py"))
    _net, patrol = generated_instance(20, seed=2)
    inst = patrol.instance
    union, labels, key = inst._group_graph(list(inst.profile_groups[0]))
    group = mod._Group(inst.n_nodes, inst.u, inst.v, union, labels)
    got = group.stored_key_block(inst.key_nodes, key)
    assert np.array_equal(got, group.key_block(inst.key_nodes))
    assert not (tmp_path / "cache" / "key-tables").exists()
