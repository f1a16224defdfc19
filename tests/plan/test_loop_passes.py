"""The night stage's and the schedule's cheaper paths give the same numbers as the plain ones.

* ``pass_times`` (numpy runs since the eleventh session) against the pandas code it replaced,
  kept here as the reference, on walks with repeats, U-turns and several teams;
* :class:`LoopPasses` (one loop's passes per team and walk, cached) against
  :func:`loop_phases` through :meth:`PatrolTimeline.from_walks` and ``pass_times``;
* :func:`worst_by_phase` (every phase of one team in one call) and
  :func:`worst_intervals` against a plain per-unit reference;
* the night stage and the schedule with one shared cache against fresh ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from borderwatch.config import SearchParams
from borderwatch.coverage.revisit import pass_times
from borderwatch.coverage.timeline import PatrolTimeline
from borderwatch.plan.schedule import LoopPasses, loop_phases, worst_by_phase, worst_intervals
from borderwatch.routing.patrol import TeamRoute

_TOL = 1e-9


# ---------------------------------------------------------------- the replaced pandas code
def _reference_traversal_passes(network, trav: pd.DataFrame, window: float) -> pd.DataFrame:
    """``revisit._traversal_passes`` as it was before the numpy runs (3458e6e)."""
    ue = network.watch.unit_edge.tocsc()
    ue.sort_indices()
    edge = trav["edge"].to_numpy()
    used = np.unique(edge)
    counts_all = np.diff(ue.indptr)
    cnt = counts_all[used]
    pos = np.repeat(ue.indptr[used], cnt) + (
        np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    )
    p_unit = ue.indices[pos]
    p_edge = np.repeat(used, cnt)
    eg = network.edges.geometry.to_numpy()[p_edge]
    ug = network.units.geometry.to_numpy()[p_unit]
    near = shapely.get_point(shapely.shortest_line(eg, ug), 0)
    length = shapely.length(eg)
    frac = np.where(
        length > 0, shapely.line_locate_point(eg, near) / np.maximum(length, 1e-12), 0.5
    )
    dist = shapely.distance(eg, ug)
    frac_at = np.zeros(len(ue.indices))
    dist_at = np.zeros(len(ue.indices))
    frac_at[pos] = frac
    dist_at[pos] = dist
    c = counts_all[edge]
    k = np.repeat(np.arange(len(trav)), c)
    p = np.repeat(ue.indptr[edge], c) + (np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c))
    f = frac_at[p]
    fwd = trav["forward"].to_numpy()[k]
    ts, te = trav["t_start"].to_numpy()[k], trav["t_end"].to_numpy()[k]
    t = ts + np.where(fwd, f, 1.0 - f) * (te - ts)
    team = trav["team"].to_numpy()[k]
    u_node, v_node = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    end_node = np.where(fwd, v_node[edge[k]], u_node[edge[k]])
    frame = pd.DataFrame(
        {
            "unit": ue.indices[p],
            "team": team,
            "seq": k,
            "t": t,
            "distance_m": dist_at[p],
            "end": end_node,
            "key": edge[k] * 2 + fwd.astype(np.int64),
        }
    )
    frame = frame.sort_values(["unit", "seq"], kind="stable")
    f_unit, f_seq, f_team = (
        frame["unit"].to_numpy(),
        frame["seq"].to_numpy(),
        frame["team"].to_numpy(),
    )
    linked = (
        (f_unit[1:] == f_unit[:-1]) & (f_seq[1:] == f_seq[:-1] + 1) & (f_team[1:] == f_team[:-1])
    )
    if linked.any():
        li = np.flatnonzero(linked)
        node_pt = network.nodes.geometry.to_numpy()[frame["end"].to_numpy()[li]]
        unit_g = network.units.geometry.to_numpy()[f_unit[li]]
        in_view = shapely.distance(node_pt, unit_g) <= network.config.patrol_view_m
        linked[li[~in_view]] = False
    brk = ~linked
    frame["run"] = _reference_split_repeats(
        np.cumsum(np.concatenate([[True], brk]))[: len(frame)],
        frame["key"].to_numpy(dtype=np.int64),
    )
    frame = frame.sort_values(["run", "distance_m", "t"], kind="stable")
    best = frame.drop_duplicates("run", keep="first")
    best = best[(best["t"] >= -_TOL) & (best["t"] <= window + _TOL)]
    return best[["unit", "team", "t", "distance_m"]].reset_index(drop=True)


def _reference_split_repeats(run: np.ndarray, key: np.ndarray) -> np.ndarray:
    pairs = pd.DataFrame({"run": run, "key": key})
    dup = pairs.duplicated(["run", "key"]).to_numpy()
    if not dup.any():
        return run
    out = run.copy()
    rows = np.flatnonzero(np.isin(run, np.unique(run[dup])))
    next_id = int(run.max()) + 1
    current, cur_id = -1, -1
    seen: set[int] = set()
    for i in rows:
        r, kk = int(run[i]), int(key[i])
        if r != current:
            current, cur_id, seen = r, r, set()
        elif kk in seen:
            cur_id, next_id, seen = next_id, next_id + 1, set()
        seen.add(kk)
        out[i] = cur_id
    return out


def _reference_pass_times(network, timeline: PatrolTimeline) -> pd.DataFrame:
    passes = _reference_traversal_passes(network, timeline.traversals, timeline.window_min)
    return passes.sort_values(["unit", "t", "team"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- walks on Ningming's roads
def _random_walks(network, rng: np.random.Generator, n: int, length: int) -> list[list]:
    """Walks along Ningming's roads that double back, stop at dead ends and repeat edges."""
    u = network.edges["u"].to_numpy()
    v = network.edges["v"].to_numpy()
    out_of: dict[int, list[tuple[int, bool]]] = {}
    for e, (a, b) in enumerate(zip(u, v, strict=True)):
        out_of.setdefault(int(a), []).append((e, True))
        out_of.setdefault(int(b), []).append((e, False))
    watching = np.unique(network.watch.unit_edge.tocsc().nonzero()[1])
    walks = []
    for _ in range(n):
        e0 = int(rng.choice(watching))
        step = (e0, bool(rng.integers(2)))
        walk = [step]
        for _ in range(length):
            e, f = walk[-1]
            node = int(v[e] if f else u[e])
            nxt = out_of[node]
            walk.append(nxt[int(rng.integers(len(nxt)))])
        if rng.random() < 0.5:  # drive it back: U-turns at both ends, every edge twice
            walk += [(e, not f) for e, f in reversed(walk)]
        walks.append(walk)
    return walks


def _team_routes(network, walks: list[list]) -> list[TeamRoute]:
    """Each walk driven by the next team (in turn) whose vehicle may drive all of it."""
    teams = [str(t) for t in network.teams.index]
    out = []
    for i, walk in enumerate(walks):
        edges = [e for e, _ in walk]
        for j in range(len(teams)):
            team = teams[(i + j) % len(teams)]
            vehicle = str(network.teams.loc[team, "vehicle"])
            secs = network.edge_seconds(vehicle)
            if np.isfinite(secs[edges]).all():
                out.append(
                    TeamRoute(
                        team=team,
                        vehicle=vehicle,
                        steps=tuple(walk),
                        service=(True,) * len(walk),
                        seconds=tuple(float(secs[e]) for e in edges),
                    )
                )
                break
    return out


@pytest.fixture(scope="module")
def walk_routes(ningming_net) -> list[TeamRoute]:
    rng = np.random.default_rng(11)
    walks = _random_walks(ningming_net, rng, 40, 60)
    walks += _random_walks(ningming_net, rng, 10, 4)  # short ones: a loop in view all along
    routes = _team_routes(ningming_net, walks)
    assert len(routes) >= 30
    return routes


def test_pass_times_equals_the_pandas_code_it_replaced(ningming_net, walk_routes) -> None:
    net = ningming_net
    by_team: dict[str, list] = {}
    start: dict[str, float] = {}
    for r in walk_routes:
        if r.team not in by_team:
            by_team[r.team] = list(r.steps)
            start[r.team] = -0.3 * r.loop_s / 60 * (len(start) % 2)
    timelines = [
        # the whole night, looped, every team at once, some starting before the window
        PatrolTimeline.from_walks(
            net,
            by_team,
            start_min=start,
            window_min=600.0,
        ),
        # driven once each, in a window that cuts the last ones off
        PatrolTimeline.from_walks(net, by_team, window_min=45.0, loop=False),
    ]
    timelines += [
        PatrolTimeline.from_walks(net, {r.team: list(r.steps)}, window_min=240.0)
        for r in walk_routes[:10]
    ]
    rows = 0
    for tl in timelines:
        got, want = pass_times(net, tl), _reference_pass_times(net, tl)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        for col in ("unit", "t", "distance_m"):
            assert got[col].to_numpy().tobytes() == want[col].to_numpy().tobytes(), col
        rows += len(got)
    assert rows > 1000  # walks that watch units


def test_loop_passes_equal_loop_phases_through_the_timeline(ningming_net, walk_routes) -> None:
    cache = LoopPasses(ningming_net)
    for r in walk_routes:
        _team, unit, t = loop_phases(ningming_net, [r])  # from_walks + pass_times
        got_u, got_t = cache.of(r)
        assert got_u.dtype == unit.dtype and got_t.dtype == t.dtype
        assert got_u.tobytes() == unit.tobytes() and got_t.tobytes() == t.tobytes()
        again = cache.of(r)
        assert again[0] is got_u  # kept, not computed again
    # several routes (one per team) at once: the cached arrays, in pass_times' order
    seen: dict[str, TeamRoute] = {}
    for r in walk_routes:
        seen.setdefault(r.team, r)
    group = list(seen.values())
    plain = loop_phases(ningming_net, group)
    cached = loop_phases(ningming_net, group, cache)
    fresh = loop_phases(ningming_net, group, LoopPasses(ningming_net))
    for a, b, c in zip(plain, cached, fresh, strict=True):
        assert a.tobytes() == b.tobytes() == c.tobytes()
    # a team with no walk is left out, as the timeline leaves it out
    idle = TeamRoute(team=group[0].team, vehicle=group[0].vehicle, steps=(), service=(), seconds=())
    with_idle = [idle, *group[1:]]
    for a, b in zip(
        loop_phases(ningming_net, with_idle),
        loop_phases(ningming_net, with_idle, cache),
        strict=True,
    ):
        assert a.tobytes() == b.tobytes()


def _reference_worst(team, unit, t, loop, phase, window, n_units) -> np.ndarray:
    """Per unit: every pass repeated through the window, sorted, the largest gap (plain Python)."""
    times: dict[int, list[float]] = {}
    for tm, u, x in zip(team, unit, t, strict=True):
        d = float(loop[tm])
        first = float(np.mod(x - phase[tm], d))
        k = 0
        while True:
            tt = first + k * d
            if tt > window or (k and d <= 0):
                break
            times.setdefault(int(u), []).append(tt)
            k += 1
    worst = np.full(n_units, window)
    for u, ts in times.items():
        ts.sort()
        gaps = [ts[0]] + [b - a for a, b in zip(ts, ts[1:], strict=False)] + [window - ts[-1]]
        worst[u] = max(gaps)
    return worst


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_worst_intervals_and_worst_by_phase_equal_a_plain_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_teams, n_units, window = 5, 40, 600.0
    loop = rng.uniform(20.0, 130.0, n_teams)
    loop[0] = 60.0  # a loop that divides the window: passes at its very end
    n = 300
    team = rng.integers(0, n_teams, n)
    unit = rng.integers(0, n_units - 5, n)  # the last units are never passed
    t = rng.uniform(0.0, 1.0, n) * loop[team]
    t[:20] = np.round(t[:20])  # equal times: ties in the sort
    t[20:25] = 0.0
    phase = rng.uniform(0.0, 1.0, n_teams) * loop
    phase[1] = 0.0
    got = worst_intervals(team, unit, t, loop, phase, window, n_units)
    want = _reference_worst(team, unit, t, loop, phase, window, n_units)
    assert got.tobytes() == want.tobytes()
    # every phase of team i at once, on the units it passes (their passes only)
    for i in range(n_teams):
        units = np.unique(unit[team == i])
        rows = np.flatnonzero(np.isin(unit, units))
        phases = [0.0, float(loop[i] / 3), float(phase[i]), float(loop[i] - 1e-3), 17.25]
        table = worst_by_phase(
            team[rows], unit[rows], t[rows], loop, phase, i, phases, window, units
        )
        assert table.shape == (len(phases), len(units))
        for g, ph in enumerate(phases):
            trial = phase.copy()
            trial[i] = ph
            one = worst_intervals(team, unit, t, loop, trial, window, n_units)[units]
            assert table[g].tobytes() == one.tobytes(), (i, ph)


def test_worst_by_phase_of_no_pass_is_the_window() -> None:
    none = np.zeros(0, dtype=np.int64)
    table = worst_by_phase(
        none, none, np.zeros(0), np.array([30.0]), np.zeros(1), 0, [0.0, 5.0], 600.0, np.arange(3)
    )
    assert table.shape == (2, 3) and (table == 600.0).all()


@pytest.mark.slow
def test_night_stage_and_schedule_share_one_cache(ningming_net) -> None:
    """night_routes then schedule_night with one LoopPasses: the routes and phases of fresh ones."""
    from borderwatch.coverage.risk import risk_weights
    from borderwatch.plan.night import night_routes
    from borderwatch.plan.required import choose_required_edges
    from borderwatch.plan.schedule import schedule_night
    from borderwatch.routing.patrol import build_instance, route_teams

    net = ningming_net
    patrol = build_instance(net, choose_required_edges(net).edges)
    _mm, result = route_teams(net, patrol, SearchParams(max_iterations=150, seed=0))
    w = risk_weights(net)
    routes, balanced = night_routes(net, patrol, result, weights=w)
    sched = schedule_night(net, routes, weights=w)
    cache = LoopPasses(net)
    routes2, balanced2 = night_routes(net, patrol, result, weights=w, passes=cache)
    known = len(cache._cache)
    sched2 = schedule_night(net, routes2, weights=w, passes=cache)
    assert repr(routes2) == repr(routes)
    assert balanced2.tasks == balanced.tasks
    assert (sched2.teams, sched2.phase_min, sched2.worst_revisit_min) == (
        sched.teams,
        sched.phase_min,
        sched.worst_revisit_min,
    )
    pd.testing.assert_frame_equal(sched2.timeline.traversals, sched.timeline.traversals)
    assert len(cache._cache) == known  # the schedule's loops were all scored by the night stage
    # the units each link watches, read off the CSC arrays: as the column slices gave them
    from borderwatch.plan.night import _link_units

    ue = net.watch.unit_edge.tocsc()
    want = [np.unique(ue[:, list(link.edges)].nonzero()[0]) for link in patrol.links]
    got = _link_units(net, patrol)
    assert [(g.dtype, g.tolist()) for g in got] == [(x.dtype, x.tolist()) for x in want]


def test_revisits_name_the_passing_teams_as_the_groupby_did(ningming_net, walk_routes) -> None:
    """revisits' ``teams`` column (a dict of distinct pairs since night11) as the groupby gave it."""
    from borderwatch.coverage.revisit import revisits

    by_team: dict[str, list] = {}
    for r in walk_routes:
        by_team.setdefault(r.team, list(r.steps))
    tl = PatrolTimeline.from_walks(ningming_net, by_team, window_min=300.0)
    table = revisits(ningming_net, tl)
    passes = pass_times(ningming_net, tl)
    want = (
        passes.groupby("unit")["team"]
        .agg(lambda s: ";".join(sorted(set(map(str, s)))))
        .reindex(np.arange(len(ningming_net.units)))
        .fillna("")
        .to_numpy(dtype=object)
    )
    got = table["teams"].to_numpy(dtype=object)
    assert list(got) == list(want)
    assert table["teams"].dtype == pd.DataFrame({"x": want})["x"].dtype
    assert sum(";" in x for x in got) > 0  # units passed by several teams


def test_from_walks_table_as_the_per_team_frames_gave(ningming_net, walk_routes) -> None:
    """from_walks builds one table of every team's traversals (was: a frame per team, concat)."""
    import math

    net = ningming_net
    by_team: dict[str, list] = {}
    start: dict[str, float] = {}
    for r in walk_routes:
        if r.team not in by_team:
            by_team[r.team] = list(r.steps)
            start[r.team] = [0.0, -0.4 * r.loop_s / 60, 12.5][len(start) % 3]
    window = 480.0
    got = PatrolTimeline.from_walks(net, by_team, start_min=start, window_min=window)
    frames = []
    for team, walk in by_team.items():
        edges = np.array([e for e, _ in walk], dtype=np.int64)
        fwd = np.array([f for _, f in walk], dtype=bool)
        minutes = net.edge_seconds(str(net.teams.loc[team, "vehicle"]))[edges] / 60.0
        s0 = start[team]
        n_loops = max(1, math.ceil((window - s0) / float(minutes.sum())))
        ends = s0 + np.cumsum(np.tile(minutes, n_loops))
        starts = np.concatenate([[s0], ends[:-1]])
        keep = (starts < window - 1e-9) & (starts >= -1e-9)
        frames.append(
            pd.DataFrame(
                {
                    "team": team,
                    "edge": np.tile(edges, n_loops)[keep],
                    "t_start": starts[keep],
                    "t_end": ends[keep],
                    "forward": np.tile(fwd, n_loops)[keep],
                }
            )
        )
    want = PatrolTimeline(
        window_min=window, teams=tuple(by_team), traversals=pd.concat(frames, ignore_index=True)
    )
    pd.testing.assert_frame_equal(got.traversals, want.traversals, check_exact=True)
    assert len(got.traversals) > 1000


@pytest.mark.parametrize("n_units", [50, 70_000])
def test_unit_time_order_gives_lexsorts_arrays(n_units: int) -> None:
    from borderwatch.plan.schedule import unit_time_order

    rng = np.random.default_rng(n_units)
    unit = rng.integers(0, n_units, 5000)
    unit[:1000] = rng.integers(0, 20, 1000)  # many passes of few units
    t = np.round(rng.uniform(0.0, 600.0, 5000), 1)  # equal times of one unit
    order = unit_time_order(unit, t, n_units)
    want = np.lexsort((t, unit))
    assert unit[order].tobytes() == unit[want].tobytes()
    assert t[order].tobytes() == t[want].tobytes()
    assert sorted(order.tolist()) == list(range(5000))  # a permutation
