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
