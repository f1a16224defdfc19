"""Circuit mode (``loops = "circuit"``): tours that need not pass the base, against brute force.

The brute force here is independent of the solver's code: shortest paths from scipy on
each profile's own edges, every assignment of the tasks to teams, every cyclic order
and orientation of each team's tasks, and the reach rule (a team serves a task only if
its base reaches an end of it within ``max_approach``, else the task's nearest teams).
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from borderwatch.config import SearchParams
from borderwatch.errors import RoutingError
from borderwatch.routing.assignment import assignment_bound, subset_cost
from borderwatch.routing.bounds import lower_bound
from borderwatch.routing.instance import ArcInstance
from borderwatch.routing.minmax import balance_loops, evaluate_route, extend_tour, solve_minmax
from borderwatch.routing.population import solve_population

from .helpers import grid


def _tiny(seed: int, *, max_approach: float = math.inf) -> ArcInstance:
    """8 nodes, 5 or 6 required edges, 3 teams on 2 profiles, circuit mode."""
    rng = np.random.default_rng(seed)
    n = 8
    u = list(range(n - 1))
    v = list(range(1, n))
    for _ in range(6):
        a, b = rng.choice(n, 2, replace=False)
        u.append(int(a))
        v.append(int(b))
    e = len(u)
    base = rng.integers(1, 20, size=e).astype(float)
    slow = base * rng.uniform(1.0, 2.0, size=e)
    slow[rng.choice(e, 2, replace=False)] = np.inf
    slow[: n - 1] = base[: n - 1] * 1.5
    required = np.zeros(e, dtype=bool)
    required[rng.choice(e, 5 + seed % 2, replace=False)] = True
    depots = rng.choice(n, 3, replace=True)
    return ArcInstance(
        n,
        np.array(u),
        np.array(v),
        np.vstack([base, slow]),
        required,
        depots,
        np.array([0, 1, 1]),
        circuit=True,
        max_approach=max_approach,
    )


def _dist(inst: ArcInstance, profile: int) -> np.ndarray:
    c = inst.cost[profile]
    ok = np.isfinite(c)
    g = csr_matrix((inst.n_nodes, inst.n_nodes))
    # the cheapest of parallel edges, both directions
    w = np.full((inst.n_nodes, inst.n_nodes), np.inf)
    for a, b, x in zip(inst.u[ok], inst.v[ok], c[ok], strict=True):
        w[a, b] = w[b, a] = min(w[a, b], x)
    g = csr_matrix(np.where(np.isfinite(w), w, 0.0))
    d: np.ndarray = dijkstra(g, directed=False)
    return d


def _allowed(inst: ArcInstance) -> np.ndarray:
    """(teams, tasks): the profile may drive it and the base reaches it in time (or nearest)."""
    req = inst.required_edges
    k = inst.n_teams
    near = np.full((k, len(req)), np.inf)
    for t in range(k):
        p = int(inst.team_profile[t])
        d = _dist(inst, p)[int(inst.depots[t])]
        fin = np.isfinite(inst.cost[p, req])
        near[t] = np.where(fin, np.minimum(d[inst.u[req]], d[inst.v[req]]), np.inf)
    nearest = near.min(axis=0)
    limit = np.maximum(inst.max_approach, nearest * (1 + 1e-9))
    out: np.ndarray = near <= limit[None, :]
    return out


def _circuit(inst: ArcInstance, t: int, tasks: tuple[int, ...], dist: np.ndarray) -> float:
    """The best closed walk of team ``t`` through ``tasks`` (every order and orientation)."""
    if not tasks:
        return 0.0
    p = int(inst.team_profile[t])
    req = inst.required_edges
    best = math.inf
    first, rest = tasks[0], tasks[1:]
    for perm in itertools.permutations(rest):
        order = (first, *perm)
        for ori in itertools.product((0, 1), repeat=len(order)):
            ends = []
            cost = 0.0
            for j, o in zip(order, ori, strict=True):
                e = int(req[j])
                a, b = (
                    (int(inst.u[e]), int(inst.v[e])) if o == 0 else (int(inst.v[e]), int(inst.u[e]))
                )
                ends.append((a, b))
                cost += float(inst.cost[p, e])
            for i in range(len(ends)):
                cost += float(dist[ends[i][1], ends[(i + 1) % len(ends)][0]])
            best = min(best, cost)
    return best


def _brute_force(inst: ArcInstance) -> float:
    m, k = len(inst.required_edges), inst.n_teams
    allowed = _allowed(inst)
    dists = {p: _dist(inst, p) for p in set(inst.team_profile.tolist())}
    cache: dict[tuple[int, tuple[int, ...]], float] = {}
    best = math.inf
    for assign in itertools.product(range(k), repeat=m):
        if not all(allowed[assign[j], j] for j in range(m)):
            continue
        worst = 0.0
        for t in range(k):
            tasks = tuple(j for j in range(m) if assign[j] == t)
            if (t, tasks) not in cache:
                cache[(t, tasks)] = _circuit(inst, t, tasks, dists[int(inst.team_profile[t])])
            worst = max(worst, cache[(t, tasks)])
        best = min(best, worst)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_every_bound_stays_below_the_brute_force_circuit_optimum(seed: int) -> None:
    inst = _tiny(seed)
    opt = _brute_force(inst)
    basic = lower_bound(inst)
    bound = assignment_bound(inst, time_limit_s=30)
    assert basic <= opt + 1e-6
    assert basic - 1e-9 <= bound <= opt + 1e-6
    for incumbent in (opt, opt * 1.1):
        assert assignment_bound(inst, time_limit_s=30, incumbent=incumbent) <= opt + 1e-6
    # the scaled rounds (forced) and the window stay valid too
    assert assignment_bound(inst, whole_up_to=0, time_limit_s=30) <= opt + 1e-6
    # on instances this small the cuts reach the optimum
    assert bound == pytest.approx(opt, rel=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_bounds_stay_valid_with_a_tight_approach(seed: int) -> None:
    """A small max_approach takes tasks from far teams: the bound knows the same rule."""
    free = _tiny(seed)
    d = [_dist(free, int(free.team_profile[t]))[int(free.depots[t])] for t in range(free.n_teams)]
    reach = float(np.median(np.concatenate([x[np.isfinite(x)] for x in d])))
    inst = _tiny(seed, max_approach=max(reach, 1.0))
    opt = _brute_force(inst)
    bound = assignment_bound(inst, time_limit_s=30)
    assert lower_bound(inst) - 1e-9 <= bound <= opt + 1e-6
    res = solve_minmax(inst, SearchParams(time_limit_s=0, max_iterations=300, seed=seed))
    res.validate(inst)
    assert res.max_cost >= opt - 1e-6
    allowed = _allowed(inst)
    pos = {int(e): j for j, e in enumerate(inst.required_edges)}
    for t, tasks in enumerate(res.tasks):
        assert all(allowed[t, pos[e]] for e, _ in tasks)


def test_exact_subset_costs_are_the_best_circuits() -> None:
    from borderwatch.routing.assignment import _exact_all
    from borderwatch.routing.minmax import _Model

    inst = _tiny(1)
    model = _Model(inst)
    m = len(inst.required_edges)
    allowed = _allowed(inst)
    for t in range(inst.n_teams):
        dist = _dist(inst, int(inst.team_profile[t]))
        tasks = list(range(m))
        table = _exact_all(model, t, tasks)
        for mask in range(1, 1 << m):
            sub = tuple(b for b in range(m) if (mask >> b) & 1)
            if not all(allowed[t, j] for j in sub):
                assert table[mask] == math.inf
                continue
            want = _circuit(inst, t, sub, dist)
            assert table[mask] == pytest.approx(want)
            assert subset_cost(inst, t, list(sub)) == pytest.approx(want)


def test_route_cost_is_the_closed_walk_through_the_tasks() -> None:
    inst = _tiny(2)
    req = [int(e) for e in inst.required_edges]
    rng = np.random.default_rng(0)
    allowed = _allowed(inst)
    for t in range(inst.n_teams):
        dist = _dist(inst, int(inst.team_profile[t]))
        mine = [j for j in range(len(req)) if allowed[t, j]]
        for _ in range(5):
            order = [int(j) for j in rng.permutation(mine)]
            cost, fwd = evaluate_route(inst, t, [req[j] for j in order])
            # best orientations for this cyclic order, by enumeration
            best = math.inf
            for ori in itertools.product((0, 1), repeat=len(order)):
                c = 0.0
                ends = []
                for j, o in zip(order, ori, strict=True):
                    e = req[j]
                    a, b = (inst.u[e], inst.v[e]) if o == 0 else (inst.v[e], inst.u[e])
                    ends.append((int(a), int(b)))
                    c += float(inst.cost[int(inst.team_profile[t]), e])
                for i in range(len(ends)):
                    c += float(dist[ends[i][1], ends[(i + 1) % len(ends)][0]])
                best = min(best, c)
            assert cost == pytest.approx(best)
            assert len(fwd) == len(order)


@pytest.mark.slow  # ~1.5-3.5 s each (both searches, twice, and the depot search)
@pytest.mark.parametrize("seed", range(4))
def test_both_searches_find_valid_circuits_no_longer_than_depot_tours(seed: int) -> None:
    inst = _tiny(seed)
    depot = dataclasses.replace(inst, circuit=False)
    opt = _brute_force(inst)
    budget = SearchParams(time_limit_s=0, max_iterations=400, seed=seed)
    for solve in (solve_minmax, solve_population):
        res = solve(inst, budget)
        res.validate(inst)
        # every walk is a closed walk that starts at its first task (not the base)
        for t, walk in enumerate(res.walks):
            if res.tasks[t]:
                assert walk[0] == res.tasks[t][0]
        assert res.max_cost >= opt - 1e-6
        assert res.max_cost == pytest.approx(opt, rel=1e-6)  # tiny: found
        again = solve(inst, budget)
        assert again.walks == res.walks  # determinism per seed
        base = solve(depot, budget)
        base.validate(depot)
        assert res.max_cost <= base.max_cost + 1e-6
        off_base = [
            t
            for t, w in enumerate(res.walks)
            if w and int(inst.u[w[0][0]] if w[0][1] else inst.v[w[0][0]]) != inst.depots[t]
        ]
        if off_base:  # a circuit that does not start at its base is no depot tour
            with pytest.raises(RoutingError, match="walk breaks"):
                res.validate(depot)


def test_balance_and_extension_keep_circuits() -> None:
    inst = grid(4, 4, seed=3, depots=(0, 15, 5), profiles=2, required_share=0.5)
    inst = dataclasses.replace(inst, circuit=True)
    res = solve_minmax(inst, SearchParams(time_limit_s=0, max_iterations=300, seed=0))
    res.validate(inst)
    bal = balance_loops(inst, res)
    bal.validate(inst)
    assert bal.max_cost <= res.max_cost + 1e-6
    # an empty circuit grows from nothing: the task and back to its start
    value = np.ones(len(inst.required_edges))
    tasks, walk, cost = extend_tour(inst, 1, [], value, target=20.0)
    assert tasks and walk
    e0, f0 = walk[0]
    start = int(inst.u[e0] if f0 else inst.v[e0])
    e1, f1 = walk[-1]
    assert int(inst.v[e1] if f1 else inst.u[e1]) == start
    assert cost == pytest.approx(
        sum(float(inst.cost[int(inst.team_profile[1]), e]) for e, _ in walk)
    )


def test_cyclic_slots_cost_insertions_and_removals_exactly() -> None:
    """The search's move costs (keeping orientations) equal the recomputed circuits."""
    from borderwatch.routing.minmax import _Model, _State

    inst = grid(5, 5, seed=4, depots=(0, 24, 12), profiles=2, required_share=0.6)
    m = _Model.of(dataclasses.replace(inst, circuit=True))
    rng = np.random.default_rng(0)

    def cost(r: int, seq: list[int], ori: list[int]) -> float:
        p = int(m.slot[r])
        c = sum(float(m.serv[p, t]) for t in seq)
        for i in range(len(seq)):
            j = (i + 1) % len(seq)
            c += float(m.D[p][m.E[seq[i], ori[i]], m.S[seq[j], ori[j]]])
        return c

    checked = 0
    for _ in range(10):
        perm = rng.permutation(m.m).tolist()
        cuts = sorted(rng.choice(range(m.m + 1), m.k - 1).tolist())
        pieces = [perm[a:b] for a, b in zip([0, *cuts], [*cuts, m.m], strict=True)]
        st = _State(m, [[t for t in s if m.allowed[r, t]] for r, s in enumerate(pieces)])
        for r in range(m.k):
            assert st.cost[r] == pytest.approx(cost(r, st.seqs[r], st.oris[r]))
            if not st.seqs[r]:
                continue
            others = [x for x in range(m.k) if x != r]
            gain, d, lens, _team = st._relocation_costs(r, others, nan_to_inf=True)
            for i, t in enumerate(st.seqs[r]):
                rest = st.seqs[r][:i] + st.seqs[r][i + 1 :]
                rori = st.oris[r][:i] + st.oris[r][i + 1 :]
                assert st.cost[r] - gain[i] == pytest.approx(cost(r, rest, rori), abs=1e-9)
                q = 0
                for s, n_slots in zip(others, lens, strict=True):
                    for at in range(n_slots):  # an empty circuit has its one slot too
                        for o in (0, 1):
                            if not m.allowed[s, t]:
                                assert d[i, o, q + at] == math.inf
                                continue
                            seq = [*st.seqs[s][:at], t, *st.seqs[s][at:]]
                            ori = [*st.oris[s][:at], o, *st.oris[s][at:]]
                            want = cost(s, seq, ori)
                            assert st.cost[s] + d[i, o, q + at] == pytest.approx(want)
                            checked += 1
                    q += n_slots
    assert checked > 100
