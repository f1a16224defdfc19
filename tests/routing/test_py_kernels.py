"""The search's kernels over lists choose exactly what the numpy evaluation chooses (#24.5).

:meth:`_State.insert_best` (depot tours) and :meth:`_State.two_opt` (short routes) run in
Python over the key tables read as lists, with the teams of an insertion taken by a
round-trip lower bound; :meth:`_Model.route_arrays` builds the slots from lists. Integer
costs on grids make many ties: the first least in team then slot order must still win.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from borderwatch.routing import minmax
from borderwatch.routing.minmax import _Model, _State
from tests.routing.helpers import grid


def _random_state(model: _Model, rng: random.Random, *, keep: float) -> tuple[_State, list[int]]:
    """Each task kept with probability ``keep`` in a random team it may serve; the rest."""
    seqs: list[list[int]] = [[] for _ in range(model.k)]
    left = []
    for t in rng.sample(range(model.m), model.m):
        teams = model.teams_of[t].tolist()
        if rng.random() < keep:
            seqs[rng.choice(teams)].append(t)
        else:
            left.append(t)
    return _State(model, seqs), left


def _numpy_insert(st: _State, t: int, alpha: float) -> int:
    """Every allowed team's slots in one numpy evaluation, no pruning (the reference)."""
    teams = st.model.teams_of[t]
    return st._insert_at(t, teams, *st._insertions(t, teams, alpha, 0.0, 1.0))


@pytest.mark.parametrize(
    ("profiles", "depots"), [(1, (0, 24)), (2, (0, 24, 12)), (2, (0, 24, 12, 4, 20, 0))]
)
def test_insert_best_is_the_full_numpy_choice(profiles: int, depots: tuple[int, ...]) -> None:
    rng = random.Random(profiles * 10 + len(depots))
    checked = 0
    for seed in range(6):
        model = _Model.of(grid(5, 5, seed=seed, depots=depots, profiles=profiles))
        alpha = 0.1 / model.k
        for _ in range(15):
            st, left = _random_state(model, rng, keep=rng.choice((0.3, 0.7, 0.95)))
            ref = st.copy()
            for t in left:
                got, want = st.insert_best(t, alpha, 0.0, 1.0), _numpy_insert(ref, t, alpha)
                assert got == want
                assert st.seqs == ref.seqs and st.oris == ref.oris
                assert st.cost.tolist() == ref.cost.tolist()  # the same floats
                checked += 1
    assert checked > 500


def test_two_opt_over_lists_is_numpys(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    moved = 0
    for seed, circuit in [(0, False), (1, False), (2, True), (3, True)]:
        inst = grid(6, 6, seed=seed, depots=(0, 35, 5), profiles=2)
        if circuit:
            inst = dataclasses.replace(inst, circuit=True)
        model = _Model.of(inst)
        for _ in range(15):
            st, _left = _random_state(model, rng, keep=1.0)
            st.oris = [[rng.randrange(2) for _ in s] for s in st.seqs]
            ref = st.copy()
            for r in range(model.k):
                before = list(st.seqs[r])
                st.two_opt(r)
                with monkeypatch.context() as m:
                    m.setattr(minmax, "_PY_TWO_OPT", 0)  # numpy's evaluation
                    ref.two_opt(r)
                assert st.seqs[r] == ref.seqs[r] and st.oris[r] == ref.oris[r]
                moved += st.seqs[r] != before
    assert moved > 10


def test_route_arrays_are_the_tables_gathers() -> None:
    rng = random.Random(5)
    model = _Model.of(grid(5, 5, seed=4, depots=(0, 24, 12), profiles=2))
    for _ in range(30):
        st, _left = _random_state(model, rng, keep=0.8)
        for r in range(model.k):
            seq, ori = st.seqs[r], st.oris[r]
            prev, nxt, base = model.route_arrays(r, seq, ori)
            d = int(model.dep[r])
            sq, oq = np.asarray(seq, dtype=np.int64), np.asarray(ori, dtype=np.int64)
            want_prev = np.concatenate(([d], model.E[sq, oq])).astype(np.int64)
            want_nxt = np.concatenate((model.S[sq, oq], [d])).astype(np.int64)
            assert prev.dtype == want_prev.dtype and nxt.dtype == want_nxt.dtype
            assert prev.tolist() == want_prev.tolist() and nxt.tolist() == want_nxt.tolist()
            assert base.tolist() == model.D[int(model.slot[r])][want_prev, want_nxt].tolist()


def test_np_sum_is_numpys_sum_bit_for_bit() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        n = rng.choice((rng.randrange(10), rng.randrange(140), rng.randrange(300)))
        pick = (lambda: rng.uniform(-1, 1) * 10 ** rng.randint(-4, 9), lambda: 0.0, lambda: -0.0)
        values = [rng.choice(pick)() for _ in range(n)]
        if n and rng.random() < 0.05:
            values[rng.randrange(n)] = np.inf
        want = float(np.array(values, dtype=np.float64).sum())
        got = minmax._np_sum(values)
        assert got == want or (np.isnan(got) and np.isnan(want))
        assert np.signbit(got) == np.signbit(want)


@pytest.mark.parametrize("profiles", [1, 2])
def test_slots_kept_through_insertions_are_the_rebuilt_ones(profiles: int) -> None:
    """Each insertion updates a route's slot lists in place of a rebuild: the same values,
    and the re-costed routes (fixed, refresh) cost what the arrays' numpy sums give."""
    rng = random.Random(profiles)
    model = _Model.of(grid(5, 5, seed=7, depots=(0, 24, 12, 6), profiles=profiles))
    alpha = 0.1 / model.k
    checked = 0
    for _ in range(20):
        st, left = _random_state(model, rng, keep=0.4)
        for t in left:
            r = st.insert_best(t, alpha, 0.0, 1.0)
            assert st._slot_lists(r) == model.route_lists(r, st.seqs[r], st.oris[r])
            got = st.arrays(r)
            for a, b in zip(got, model.route_arrays(r, st.seqs[r], st.oris[r]), strict=True):
                assert a.dtype == b.dtype and a.tolist() == b.tolist()
            checked += 1
        for r in range(model.k):
            st.fixed(r)
            seq = st.seqs[r]
            serv = float(model.serv[int(model.slot[r]), seq].sum()) if seq else 0.0
            assert st.cost[r] == float(st.arrays(r)[2].sum()) + serv
    assert checked > 100


def test_table_as_list_or_view_gives_the_same_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small key tables are read from a list of their floats, large ones through a view."""
    from borderwatch.config import SearchParams

    got = []
    for cap in (minmax._LIST_TABLE, 0):
        monkeypatch.setattr(minmax, "_LIST_TABLE", cap)
        inst = grid(5, 5, seed=2, depots=(0, 24, 12), profiles=2)
        assert isinstance(_Model.of(inst).py.view, list) == (cap > 0)
        res = minmax.solve_minmax(inst, SearchParams(time_limit_s=0.0, max_iterations=60, seed=1))
        got.append((res.tasks, res.team_cost, res.max_cost, res.total_cost))
    assert got[0] == got[1]


def _reference_relocation(st: _State, r: int, others: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Gains and insertion costs of the tasks of ``r`` gathered through the stacked tables."""
    mdl = st.model
    pl = int(mdl.slot[r])
    prev, nxt, base = mdl.route_arrays(r, st.seqs[r], st.oris[r])
    sq = np.asarray(st.seqs[r])
    gain = base[:-1] + mdl.serv[pl, sq] + base[1:] - mdl.D[pl][prev[:-1], nxt[1:]]
    slots = [mdl.route_arrays(x, st.seqs[x], st.oris[x]) for x in others]
    oprev, onxt, obase = (np.concatenate([s[j] for s in slots]) for j in range(3))
    team = np.repeat(others, [len(s[0]) for s in slots])
    prof, ends = mdl.slot[team], mdl.ends[sq]
    with np.errstate(invalid="ignore"):
        d = (
            mdl.D[prof[None, None, :], oprev[None, None, :], ends[:, :2, None]]
            + mdl.D[prof[None, None, :], ends[:, 2:, None], onxt[None, None, :]]
            + (mdl.serv[prof][:, sq].T[:, None, :] - obase[None, None, :])
        )
    if mdl.circuit:
        empty = np.repeat([not st.seqs[x] for x in others], [len(s[0]) for s in slots])
        d = mdl.open_circuits(d, sq, team, empty)
    return gain, d


def _reference_swap(st: _State, alpha: float) -> tuple[int, int, int, int] | None:
    """The exchange the former all-numpy evaluation picks: (lng, i, r, pos) or None."""
    mdl, cost = st.model, st.cost
    lng = int(np.argmax(cost))
    seq = st.seqs[lng]
    others = [r for r in range(mdl.k) if r != lng and st.seqs[r]]
    others = st.near_teams(others, seq, float(cost[lng]), alpha) if seq else []
    if not others:
        return None
    D, serv, pl = mdl.D, mdl.serv, int(mdl.slot[lng])
    lp, ln, lb = mdl.route_arrays(lng, seq, st.oris[lng])
    slots = [mdl.route_arrays(r, st.seqs[r], st.oris[r]) for r in others]
    a, oseq = np.asarray(seq), np.concatenate([np.asarray(st.seqs[r]) for r in others])
    op = np.concatenate([s[0][:-1] for s in slots])
    on = np.concatenate([s[1][1:] for s in slots])
    ob = np.concatenate([s[2][:-1] + s[2][1:] for s in slots])
    team = np.repeat(others, [len(st.seqs[r]) for r in others])
    prof = mdl.slot[team]
    ea, eb = mdl.ends[a], mdl.ends[oseq]
    into_l = np.minimum(
        D[pl][lp[:-1, None], eb[None, :, 0]] + D[pl][eb[None, :, 2], ln[1:, None]],
        D[pl][lp[:-1, None], eb[None, :, 1]] + D[pl][eb[None, :, 3], ln[1:, None]],
    )
    dl = into_l + serv[pl, oseq][None, :] - (lb[:-1] + serv[pl, a] + lb[1:])[:, None]
    pr = prof[None, :]
    s0 = D[pr, op[None, :], ea[:, 0, None]] + D[pr, ea[:, 2, None], on[None, :]]
    s1 = D[pr, op[None, :], ea[:, 1, None]] + D[pr, ea[:, 3, None], on[None, :]]
    dr = np.minimum(s0, s1) + serv[prof][:, a].T - (ob + serv[prof, oseq])[None, :]
    rest = np.sort(cost[[r for r in range(mdl.k) if r != lng]])[::-1]
    top1, top2 = rest[0], (rest[1] if len(rest) > 1 else 0.0)
    ct = cost[team]
    rest_max = np.where(ct >= top1, top2, top1)[None, :]
    f = np.maximum(np.maximum(cost[lng] + dl, ct[None, :] + dr), rest_max) + alpha * (dl + dr)
    i, j = np.unravel_index(int(np.argmin(f)), f.shape)
    if not f[i, j] < cost[lng] - 1e-9:
        return None
    r = int(team[j])
    return lng, int(i), r, int(j) - int(np.searchsorted(team, r))


@pytest.mark.parametrize("circuit", [False, True])
def test_moves_gather_what_the_stacked_tables_give(circuit: bool) -> None:
    """The relocation costs and the exchange read by flat index (the routes' cached index
    arrays) are the former gathers through the stacked key tables, bit for bit, and the
    exchange picks the same pair; the caches follow every change of a route."""
    rng = random.Random(8 + circuit)
    inst = grid(6, 6, seed=3, depots=(0, 35, 5, 30, 14), profiles=2)
    if circuit:
        inst = dataclasses.replace(inst, circuit=True)
    model = _Model.of(inst)
    alpha = 0.1 / model.k
    swaps = 0
    for _ in range(25):
        st, _left = _random_state(model, rng, keep=1.0)
        for _step in range(4):
            r = int(st.cost.argmax())
            others = [x for x in range(model.k) if x != r]
            if st.seqs[r]:
                gain, d, _lens, team = st._relocation_costs(r, others, nan_to_inf=False)
                want_gain, want_d = _reference_relocation(st, r, others)
                assert gain.tobytes() == want_gain.tobytes()
                assert d.tobytes() == want_d.tobytes()
                assert team.tolist() == np.repeat(others, _lens).tolist()
            want = _reference_swap(st, alpha)
            before = [list(s) for s in st.seqs]
            done = st.swap_longest(alpha)
            assert done == (want is not None)
            if want is not None:
                lng, i, r2, pos = want
                assert st.seqs[lng][i] == before[r2][pos] and st.seqs[r2][pos] == before[lng][i]
                swaps += 1
            st.relocate_longest(alpha)  # the caches must follow the moves' refreshes
    assert swaps > 5
