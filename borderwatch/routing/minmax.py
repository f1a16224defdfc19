"""k-team min-max arc routing: multi-depot, one vehicle profile per team.

Minimise the longest closed tour, then the total. A solution is, per team, an
ordered list of required edges ("tasks"); the orientation of each task is
chosen optimally for the sequence by a small dynamic programme (two states per
task), and consecutive tasks are joined by shortest paths of the team's
profile, from and back to the team's depot.

Engine:

1. Initial solutions: a rural/Chinese postman giant tour split optimally into
   contiguous pieces for the teams (min-max split by dynamic programming, in
   the spirit of Frederickson–Hecht–Kim), and a greedy best insertion; the
   better one starts the search.
2. Ruin and recreate (in the spirit of SISR, Christiaens & Vanden Berghe
   2020): remove strings of tasks around a seed task (often taken from the
   longest tour) or its nearest tasks, reinsert them one by one at the best
   position, orientation and team for ``max + alpha * total`` (all positions of
   all teams evaluated at once with numpy), 2-opt and re-optimise the
   orientations of every rebuilt tour, then a vectorised local search that
   relocates a task out of the longest tour or swaps one with another tour
   while that helps; accept by simulated annealing in fixed-length cycles
   restarted from the best solution (lexicographic: max, then total).

Why our own engine rather than PyVRP or OR-Tools: both are node-routing
solvers, so an arc instance must be blown up to two nodes per required edge
(plus group constraints) and min-max must be emulated (OR-Tools: a global span
cost; PyVRP: a bisection over a maximum duration, one full solve per step).
Working on tasks directly lets the orientation of every edge be optimised
exactly, evaluates the min-max objective itself, handles per-team depots and
vehicle profiles natively and needs no compiled dependency. The benchmark
(``benchmarks/arc_routing.py``) runs both as baselines at equal time.

Determinism: all decisions come from a ``random.Random(seed)``; the clock is
only read to stop. ``max_iterations`` makes runs machine-independent.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import time
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from borderwatch.config import SearchParams
from borderwatch.errors import RoutingError
from borderwatch.routing.bounds import lower_bound
from borderwatch.routing.instance import ArcInstance, ShortestPaths
from borderwatch.routing.postman import rural_postman
from borderwatch.routing.result import RoutingResult

__all__ = ["balance_loops", "evaluate_route", "extend_tour", "solve_minmax"]

logger = logging.getLogger(__name__)

_EPS = 1e-9
#: :func:`solve_minmax` searches from a second greedy start (:func:`_served_differs`) for
#: this share of its iteration count (or time limit) after the first search, and keeps
#: the better: 1,000 km seed 7 sector 2 at 1,500 iterations 270.7 -> 225.8 min.
SERVED_SHARE = 0.1
#: ... on instances of at least this many tasks, and only for at least
#: SERVED_MIN_ITERATIONS iterations: it won on 75-252 tasks at 1,500 iterations (200 km
#: seeds 6 and 7, whole and sectors, 6 of 16 seeds; 1,000 km sector 2) but never on
#: Ningming's 62 or the generated 40 / 100 km (17 / 49) at 200 iterations, nor in six
#: re-plans of 3 x 100 (10-20 iterations from a greedy start do not compete).
SERVED_MIN_TASKS = 70
SERVED_MIN_ITERATIONS = 50
#: Relative (and absolute, in cost units) margin of the round-trip pruning of the local
#: search (:meth:`_State.near_teams`, :meth:`_State.insert_best`) over float rounding.
_NEAR_MARGIN = 1e-6
#: :meth:`_State.insert_best` first evaluates the teams whose round trip to the task is at
#: most this multiple of the longest tour (all teams when they cannot decide).
_NEAR_FACTOR = 1.1
#: A route's insertion slots as lists (previous end, next start, their distance) and
#: whether a distance is infinite (:meth:`_State._slot_lists`).
_SlotLists = tuple[list[int], list[int], list[float], bool]
#: Most key-table entries :class:`_Py` holds as a Python list (Ningming's 3 tables of 132 key
#: nodes: 52,272; 16 MB of floats at this cap): the same floats as the array, read faster.
_LIST_TABLE = 500_000
#: Longest route :meth:`_State.two_opt` evaluates over lists (its n^2 / 2 gains in Python
#: cost more than numpy's ~15 calls past about this many tasks; the same moves either way).
_PY_TWO_OPT = 12
# search parameters (tuned on gdb/val, see docs/routing.md)
_P: dict[str, float] = {
    "cycle": 4000,  # iterations of one annealing cycle, restarted from the best
    "t_hi": 0.01,  # start temperature, fraction of the lower bound
    "t_lo": 0.0005,  # end temperature
    "qmax": 30,  # most tasks removed per ruin
    "qfrac": 0.25,  # ... and at most this fraction of the tasks
    "lmax": 10,  # longest removed string
    "p_longest": 0.6,  # probability that the ruin seed comes from the longest tour
    "p_string": 0.5,  # string removal (else nearest tasks)
    "alpha": 0.1,  # weight of total / k in the objective
    "beta": 0.0,  # weight of sum of squared tour costs / scale
    "two_opt": 1,  # 2-opt each rebuilt tour
    "relocate": 20,  # most relocations out of the longest tour after each rebuild
    "swap": 1,  # also try exchanges with the longest tour
    "patience": 40,  # stop after max(1000, patience * tasks) iterations without a better best
}


class _Tables:
    """Key-node distances per profile slot, one ``(K, K)`` table per shared graph.

    ``tables[p]`` and ``tables[p_array, rows, cols]`` read like the former stacked
    ``(P, K, K)`` array: profiles of one :attr:`~ArcInstance.profile_groups` group share
    one table. A row of a key node the slot's profile does not reach may hold another
    profile's distances instead of ``inf``; every reader adds the slot's service cost of
    the task (``inf`` where the team may not serve it) or reads only allowed tasks, so
    no cost, choice or bound changes (P x K^2 -> groups x K^2 floats at 2,000 km).
    """

    def __init__(self, blocks: np.ndarray, table: np.ndarray) -> None:
        self.blocks = blocks  # (G, K, K)
        self.table = table  # table of each profile slot

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, tuple):
            out: np.ndarray = self.blocks[(self.table[key[0]], *key[1:])]
        else:
            out = self.blocks[self.table[key]]
        return out


def _orient_forward(
    a0: float, a1: float, hops: Sequence[Sequence[Sequence[float]]]
) -> tuple[float, float, list[tuple[int, int]]]:
    """Forward pass of the orientation DP along a task sequence.

    ``a0``/``a1``: cost so far ending the first task in orientation 0/1; ``hops[i][o][q]``:
    the deadhead from task ``i`` (orientation ``o``) to task ``i + 1`` (orientation ``q``).
    Returns the costs ending the last task in orientation 0/1 and, per hop, the best
    predecessor orientation for each orientation (ties keep 0).
    """
    back: list[tuple[int, int]] = []
    for (t00, t01), (t10, t11) in hops:
        x0, y0 = a0 + t00, a1 + t10
        x1, y1 = a0 + t01, a1 + t11
        b0 = 0 if x0 <= y0 else 1
        b1 = 0 if x1 <= y1 else 1
        back.append((b0, b1))
        a0, a1 = (x0 if b0 == 0 else y0), (x1 if b1 == 0 else y1)
    return a0, a1, back


def _orient_back(o: int, back: list[tuple[int, int]]) -> list[int]:
    """The orientations of the sequence whose last task ends in orientation ``o``."""
    ori = [o]
    for b0, b1 in reversed(back):
        o = b0 if o == 0 else b1
        ori.append(o)
    ori.reverse()
    return ori


class _Py:
    """The model's arrays as Python lists, for the per-task kernels on short routes.

    A plan routes a few tasks per team (Ningming 3.6): numpy's cost per call outweighs
    its loops on arrays of ~10 elements, so :meth:`_State.insert_best` reads these
    instead. ``flat`` is the key tables (``(G, K, K)``) flattened: slot ``p``'s distance
    from key node ``a`` to ``b`` is ``flat[off[p] + a * n + b]``, read through :attr:`view`
    (a list of the floats for small tables, else a ``memoryview``: no copy whatever the
    size). The same float64 values, summed in the same order as the numpy kernels: every
    choice and cost is unchanged.
    """

    def __init__(self, model: _Model) -> None:
        blocks = np.ascontiguousarray(model.D.blocks)
        self.flat = blocks.reshape(-1)
        self.n = int(blocks.shape[1])
        size = self.n * self.n
        self.off = [int(model.D.table[p]) * size for p in range(len(model.D.table))]
        self.ends: list[list[int]] = model.ends.tolist()
        self.start: list[list[int]] = model.S.tolist()  # [task][orientation]
        self.end: list[list[int]] = model.E.tolist()
        self.dep: list[int] = model.dep.tolist()
        self.serv: list[list[float]] = model.serv.tolist()
        #: the service costs flattened: slot ``p``'s of task ``t`` at ``p * m + t``
        self.serv_flat = np.ascontiguousarray(model.serv, dtype=np.float64).reshape(-1)
        self.slot: list[int] = model.slot.tolist()
        self.teams_of: list[list[int]] = [x.tolist() for x in model.teams_of]
        self.trip: list[list[float]] | None = None if model.trip is None else model.trip.T.tolist()
        #: the flat key tables read element by element as floats: a list up to
        #: _LIST_TABLE floats (a read returns the float it holds: ~20 % faster than a
        #: view's, which makes one), else a view of the array (no copy whatever the size)
        self.view: Sequence[float] = (
            self.flat.tolist()
            if self.flat.size <= _LIST_TABLE
            else cast("Sequence[float]", self.flat.data)
        )

    def table(self) -> Sequence[float]:
        """The flat key tables read element by element as floats (:attr:`view`)."""
        return self.view


def _as_arrays(lists: _SlotLists) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A route's slot lists (:meth:`_Model.route_lists`) as :meth:`_Model.route_arrays`."""
    return (
        np.array(lists[0], dtype=np.int64),
        np.array(lists[1], dtype=np.int64),
        np.array(lists[2]),
    )


def _np_sum(values: list[float]) -> float:
    """``float(np.array(values).sum())`` bit for bit, without the array (up to 128 values).

    numpy sums a float64 array from its identity 0.0 by pairwise summation: fewer than 8
    values one after the other, up to 128 into 8 running sums (element ``i`` into sum
    ``i % 8``) added as ``((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))``, then the
    tail one by one; longer arrays split in halves (numpy's own sum here).
    ``tests/routing/test_py_kernels.py`` checks it against numpy on random arrays.
    """
    n = len(values)
    if n < 8:
        acc = 0.0
        for x in values:
            acc += x
        return acc
    if n > 128:
        return float(np.add.reduce(np.array(values, dtype=np.float64)))
    s0, s1, s2, s3, s4, s5, s6, s7 = values[:8]
    whole = n - n % 8
    for i in range(8, whole, 8):
        s0 += values[i]
        s1 += values[i + 1]
        s2 += values[i + 2]
        s3 += values[i + 3]
        s4 += values[i + 4]
        s5 += values[i + 5]
        s6 += values[i + 6]
        s7 += values[i + 7]
    acc = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    for i in range(whole, n):
        acc += values[i]
    return 0.0 + acc  # the identity last, as numpy adds the pairwise sum to it


def _top_two(values: list[float]) -> tuple[float, float]:
    """The two largest of ``values`` as ``np.sort(values)[::-1]`` gives them (the second
    0.0 if there is none): Python's sort where no NaN is among them (the same values)."""
    if math.isnan(sum(values)):  # numpy sorts NaN last, so first once reversed
        top = np.sort(np.array(values))[::-1].tolist()
    else:
        top = sorted(values, reverse=True)
    return top[0], (top[1] if len(top) > 1 else 0.0)


def _best_slot(
    flat: Sequence[float],
    off: int,
    n: int,
    prev: list[int],
    nxt: list[int],
    base: list[float],
    ends: tuple[int, int, int, int],
    serv: float,
    old: float,
    longest: float,
    alpha: float,
    single: bool,
) -> tuple[float, int, int, float]:
    """The least ``f`` of inserting a task into one route, its slot, orientation and cost.

    ``f = max(old + delta, longest) + alpha * delta`` per slot, ``delta`` the cheaper
    orientation's ``D[prev, start] + D[end, next] + (serv - base)`` (one profile: the
    tables read from the task's end points, ``D[start, prev]``, as
    :meth:`_State._insertions` reads them); the first slot reaching the least ``f``.
    """
    s0, s1, e0, e1 = ends
    r0, r1 = off + e0 * n, off + e1 * n  # rows of the task's ends
    # the reads of slot (a, b) start at a0 + a * m and a1 + a * m: one profile, the rows
    # of the task's starts (D[start, a]); else row a (D[a, start]). The same entries
    a0, a1, m = (off + s0 * n, off + s1 * n, 1) if single else (off + s0, off + s1, n)
    best_f = best_x = math.inf
    best_i = best_o = 0
    i = 0
    # (plain zip, a counter, if/else and the hoisted a * m: the search's hottest loop)
    for a, b, bs in zip(prev, nxt, base):  # noqa: B905 - the three lists of one route
        c = serv - bs
        am = a * m
        x0 = flat[a0 + am] + flat[r0 + b] + c
        x1 = flat[a1 + am] + flat[r1 + b] + c
        if x0 <= x1:
            x, o = x0, 0
        else:
            x, o = x1, 1
        new = old + x
        f = (new if new >= longest else longest) + alpha * x  # np.maximum(new, longest)
        if f < best_f or not i:  # the first slot reaching the least f
            best_f, best_i, best_o, best_x = f, i, o, x
        i += 1  # noqa: SIM113 - enumerate's tuples cost ~20 % of this loop
    return best_f, best_i, best_o, best_x


class _Model:
    """Dense arrays of an instance, indexed by task (required edge) and key node."""

    def __init__(self, inst: ArcInstance) -> None:
        self.inst = inst
        req = inst.required_edges
        self.req = req
        self.m = len(req)
        self.k = inst.n_teams
        profiles = sorted(set(inst.team_profile.tolist()))
        slot = {p: i for i, p in enumerate(profiles)}
        self.profiles = profiles
        sps = [inst.shortest_paths(p) for p in profiles]
        self.D = _Model._tables(sps)
        idx = sps[0].index
        a, b = idx[inst.u[req]], idx[inst.v[req]]
        self.S = np.stack([a, b], axis=1)  # start key node per (task, orientation)
        self.E = np.stack([b, a], axis=1)  # end key node
        self.serv = inst.cost[profiles][:, req]  # (P, m)
        self.slot = np.array([slot[int(p)] for p in inst.team_profile], dtype=np.int64)
        self.dep = idx[inst.depots]
        profile_table = self.D.table
        self.circuit = bool(inst.circuit)
        self.beyond = np.zeros(0, dtype=np.int64)  # circuit tasks no base reaches in time
        if self.circuit:
            self._reach(float(inst.max_approach))
        allowed = np.isfinite(self.serv[self.slot])  # (k, m)
        self.allowed = allowed
        self.serv_min = self.serv.min(axis=0).tolist()
        self.single = self.serv.shape[0] == 1
        self.ends = np.concatenate([self.S, self.E], axis=1)  # (m, 4): s0, s1, e0, e1
        self.teams_of = [np.flatnonzero(allowed[:, t]) for t in range(self.m)]
        # task proximity (cheapest profile), for the ruin neighbourhoods
        dmin = _Model._cheapest(sps, profile_table)
        if self.m:
            ends = np.stack([a, b], axis=1)
            td = np.min(
                [dmin[np.ix_(ends[:, i], ends[:, j])] for i in (0, 1) for j in (0, 1)], axis=0
            )
            np.fill_diagonal(td, -1.0)
            self.neighbours = np.argsort(td, axis=1, kind="stable").tolist()
            near = dmin[self.dep][:, ends.ravel()].reshape(self.k, self.m, 2).min(axis=2)
            self.depot_dist = near.min(axis=0)  # from the nearest base of any team
            # from the nearest base of a team that may serve the task (the second greedy
            # start's order; a task every team may serve keeps its depot_dist)
            served = np.where(allowed, near, np.inf).min(axis=0)
            self.serve_dist = np.where(np.isfinite(served), served, self.depot_dist)
        else:
            self.neighbours = []
            self.depot_dist = np.zeros(0)
            self.serve_dist = np.zeros(0)
        self.trip = None if self.circuit else self._trips()

    def _trips(self) -> np.ndarray:
        """``(k, m)``: team ``r``'s round trip serving task ``t`` alone (``inf``: not allowed).

        Every depot tour of ``r`` that serves ``t`` costs at least this (the key tables
        are shortest-path distances), so a move that puts ``t`` into ``r``'s tour makes
        that tour at least this long: the local search leaves out the teams for which
        this alone rules a move out (:meth:`_State.near_teams`), at no change of choice.
        """
        trip = np.full((self.k, self.m), np.inf)
        s, e = self.S, self.E
        for r in range(self.k):
            p, d = int(self.slot[r]), int(self.dep[r])
            Dp = self.D[p]
            way = np.minimum(Dp[d, s[:, 0]] + Dp[e[:, 0], d], Dp[d, s[:, 1]] + Dp[e[:, 1], d])
            trip[r] = np.where(self.allowed[r], self.serv[p] + way, np.inf)
        return trip

    def _reach(self, max_approach: float) -> None:
        """Circuit mode: one slot per team, its service ``inf`` on tasks beyond its reach.

        A team may serve a task only if its base reaches the nearer end of the task
        within ``max_approach`` (the approach before the window stays bounded); a task
        no base reaches so goes to its nearest allowed teams (within 1e-9 relative of
        the nearest) and is listed in :attr:`beyond`. The slots then index teams, not
        profiles: ``serv[r]`` is team ``r``'s service row and ``D[r]`` its profile's
        key table (the shared blocks are not copied).
        """
        k, m = self.k, self.m
        serv = self.serv[self.slot].copy()  # (k, m)
        near = np.full((k, m), np.inf)
        for r in range(k):
            Dp = self.D[int(self.slot[r])]
            d = int(self.dep[r])
            near[r] = np.minimum(Dp[d, self.S[:, 0]], Dp[d, self.S[:, 1]])
        near = np.where(np.isfinite(serv), near, np.inf)
        if m:
            nearest = near.min(axis=0)
            limit = np.maximum(max_approach, nearest * (1 + 1e-9))
            serv[near > limit[None, :]] = np.inf
            self.beyond = np.flatnonzero(nearest > max_approach)
        self.serv = serv
        self.D = _Tables(self.D.blocks, self.D.table[self.slot])
        self.slot = np.arange(k, dtype=np.int64)

    @staticmethod
    def _tables(sps: list[ShortestPaths]) -> _Tables:
        """One table per distinct shared-graph block of the slots' profiles."""
        ids: dict[int, int] = {}
        blocks: list[np.ndarray] = []
        table = []
        for sp in sps:
            key = id(sp.block)
            if key not in ids:
                ids[key] = len(blocks)
                blocks.append(sp.block)
            table.append(ids[key])
        stacked = blocks[0][None] if len(blocks) == 1 else np.stack(blocks)
        return _Tables(stacked, np.asarray(table, dtype=np.int64))

    @staticmethod
    def _cheapest(sps: list[ShortestPaths], table: np.ndarray) -> np.ndarray:
        """The minimum over the slots' own (masked) key tables, as one ``(K, K)`` table.

        Per shared table, the rows of the key nodes some slot of it reaches; the minimum
        of a group's masked tables is its table masked by the union of their reaches.
        """
        out: np.ndarray | None = None
        for g in range(int(table.max()) + 1):
            mine = [sp for sp, t in zip(sps, table, strict=True) if t == g]
            rows = np.logical_or.reduce([sp.reach[sp.nodes] for sp in mine])
            part = mine[0].block if rows.all() else np.where(rows[:, None], mine[0].block, np.inf)
            out = part.copy() if out is None else np.minimum(out, part)
        assert out is not None
        np.fill_diagonal(out, 0.0)
        return out

    @classmethod
    def of(cls, inst: ArcInstance) -> _Model:
        """The model of ``inst``, built once and kept with the instance.

        The search, the bound, the take-over and every tour extension of a plan read the
        same arrays; building them once saves a stack of key tables and a task
        neighbour sort per use.
        """
        model = inst.__dict__.get("_minmax_model")
        if not isinstance(model, cls):
            model = cls(inst)
            object.__setattr__(inst, "_minmax_model", model)
        return model

    @property
    def py(self) -> _Py:
        """The model's arrays as lists (:class:`_Py`), built on first use."""
        got = self.__dict__.get("_py")
        if not isinstance(got, _Py):
            got = self.__dict__["_py"] = _Py(self)
        return got

    # -------------------------------------------------------------- routes
    def route_dp(self, r: int, seq: list[int]) -> tuple[float, list[int]]:
        """Cost of team ``r`` serving ``seq`` in order, best orientations.

        A depot tour (base, tasks, base), or in circuit mode the closed walk through the
        tasks (:meth:`circuit_dp`).
        """
        if not seq:
            return 0.0, []
        if self.circuit:
            return self.circuit_dp(r, seq)
        # the table read element by element (numpy's calls cost more than these few
        # floats), the service summed as numpy sums it (_np_sum): the same sums in the
        # same order
        py = self.py
        p, d, n = py.slot[r], py.dep[r], py.n
        flat, off, st, en = py.view, py.off[p], py.start, py.end
        row, t0, tn = off + d * n, seq[0], seq[-1]
        hops = []
        for a, b in zip(seq, seq[1:], strict=False):
            r0, r1 = off + en[a][0] * n, off + en[a][1] * n
            b0, b1 = st[b]
            hops.append(((flat[r0 + b0], flat[r0 + b1]), (flat[r1 + b0], flat[r1 + b1])))
        a0, a1, back = _orient_forward(flat[row + st[t0][0]], flat[row + st[t0][1]], hops)
        f0, f1 = a0 + flat[off + en[tn][0] * n + d], a1 + flat[off + en[tn][1] * n + d]
        o = 0 if f0 <= f1 else 1
        serv = py.serv[p]
        cost = (f0 if o == 0 else f1) + _np_sum([serv[t] for t in seq])
        return cost, _orient_back(o, back)

    def circuit_dp(self, r: int, seq: list[int]) -> tuple[float, list[int]]:
        """Cost of the closed walk serving ``seq`` in (cyclic) order, best orientations.

        Service plus the deadheads between consecutive tasks and the one closing the
        last task back to the first; no leg to or from the base. The orientation DP runs
        twice, the first task's orientation fixed to 0 and to 1 (the closing deadhead
        depends on it); ties keep orientation 0.
        """
        p = int(self.slot[r])
        Dp = self.D[p]
        sq = np.asarray(seq, dtype=np.int64)
        Ss, Es = self.S[sq], self.E[sq]
        service = float(self.serv[p, sq].sum())
        tr = Dp[Es[:-1, :, None], Ss[1:, None, :]].tolist() if len(seq) > 1 else []
        close = Dp[Es[-1][:, None], Ss[0][None, :]].tolist()  # [last o][first o0]
        best: tuple[float, list[int]] | None = None
        for o0 in (0, 1):
            a0, a1, back = _orient_forward(*((0.0, math.inf) if o0 == 0 else (math.inf, 0.0)), tr)
            if len(seq) == 1:  # the one task: its orientation is the first's
                a0, a1 = (a0, math.inf) if o0 == 0 else (math.inf, a1)
            f0, f1 = a0 + close[0][o0], a1 + close[1][o0]
            o = 0 if f0 <= f1 else 1
            cost = (f0 if o == 0 else f1) + service
            if best is not None and not cost < best[0]:
                continue
            ori = _orient_back(o, back)
            best = (cost, ori)
        assert best is not None
        return best

    def route_arrays(
        self, r: int, seq: list[int], ori: list[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Insertion slots of a route: previous end, next start, their distance.

        A depot tour of ``n`` tasks has ``n + 1`` slots (base first and last). A circuit
        has ``n`` distinct slots, written as ``n + 1`` so that task ``i`` still lies
        between slots ``i`` and ``i + 1``: slot 0 and slot ``n`` are the same closing
        slot (last task -> first task). An empty circuit's one slot is written at the
        base with distance 0; :meth:`open_circuits` gives its true insertion cost.
        """
        if not self.circuit:
            return _as_arrays(self.route_lists(r, seq, ori))
        d = int(self.dep[r])
        if seq:
            sq, oq = np.asarray(seq), np.asarray(ori)
            en = self.E[sq, oq]
            st = self.S[sq, oq]
            prev = np.concatenate(([en[-1]], en))
            nxt = np.concatenate((st, [st[0]]))
        else:
            prev = nxt = np.array([d])
        base = self.D[int(self.slot[r])][prev, nxt]
        return prev, nxt, base

    def route_lists(self, r: int, seq: list[int], ori: list[int]) -> _SlotLists:
        """:meth:`route_arrays` of a depot tour as lists (the same values), and whether a
        slot's distance is infinite."""
        py = self.py
        d, n, off = py.dep[r], py.n, py.off[py.slot[r]]
        st, en = py.start, py.end
        prev = [d, *(en[t][o] for t, o in zip(seq, ori, strict=True))]
        nxt = [*(st[t][o] for t, o in zip(seq, ori, strict=True)), d]
        flat = py.table()
        base = [flat[off + a * n + b] for a, b in zip(prev, nxt, strict=True)]
        return prev, nxt, base, math.inf in base

    def open_circuits(
        self, d: np.ndarray, tasks: Any, team: np.ndarray, empty: np.ndarray
    ) -> np.ndarray:
        """Insertion costs ``d`` (``(..., 2, Q)``) with the slots of empty circuits made exact.

        Inserting a task into an empty circuit costs its service plus the drive from
        its end back to its start; the slot of an empty route (written at the base,
        :meth:`route_arrays`) gives the depot round trip instead. ``tasks`` holds the
        task of each leading entry of ``d``, ``team`` the team of each slot, ``empty``
        whether that team's route is empty. Depot tours: ``d`` unchanged.
        """
        if not self.circuit or not empty.any():
            return d
        d = np.array(d, dtype=float)
        tasks = np.asarray(tasks, dtype=np.int64)
        for q in np.flatnonzero(empty):
            p = int(self.slot[int(team[q])])
            Dp = self.D[p]
            for o in (0, 1):
                d[..., o, q] = self.serv[p, tasks] + Dp[self.E[tasks, o], self.S[tasks, o]]
        return d


class _State:
    """A (possibly partial) solution with cached insertion slots.

    Per route its insertion slots (:meth:`_Model.route_arrays`): a depot tour keeps them
    as lists (:meth:`_Model.route_lists`, what :meth:`insert_best` reads; an insertion
    updates them in place of a rebuild, :meth:`_inserted`) and builds the arrays the
    numpy moves read on first use (:meth:`arrays`); a circuit keeps the arrays. The
    lists of one route are never changed in place, so a copy shares them.
    """

    def __init__(self, model: _Model, seqs: list[list[int]]) -> None:
        self.model = model
        self.seqs = [list(s) for s in seqs]
        self.oris: list[list[int]] = []
        self.cost = np.zeros(model.k)
        self.slots: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = [None] * model.k
        self.lists: list[_SlotLists | None] = [None] * model.k
        # per route, what the moves gather from (:meth:`_target_arrays`, :meth:`_task_arrays`)
        self.targets: list[tuple[np.ndarray, np.ndarray] | None] = [None] * model.k
        self.tasks: list[tuple[np.ndarray, np.ndarray] | None] = [None] * model.k
        for r, s in enumerate(self.seqs):
            c, o = model.route_dp(r, s)
            self.oris.append(o)
            self.cost[r] = c
            self._set_slots(r)

    def copy(self) -> _State:
        new = object.__new__(_State)
        new.model = self.model
        new.seqs = [list(s) for s in self.seqs]
        new.oris = [list(o) for o in self.oris]
        new.cost = self.cost.copy()
        new.slots = list(self.slots)
        new.lists = list(self.lists)
        new.targets = list(self.targets)
        new.tasks = list(self.tasks)
        return new

    def _set_slots(self, r: int) -> None:
        """Route ``r``'s slots as it is now: lists (depot tours) or arrays (circuits)."""
        mdl = self.model
        if mdl.circuit:
            self.slots[r] = mdl.route_arrays(r, self.seqs[r], self.oris[r])
            self.lists[r] = None
        else:
            self.lists[r] = mdl.route_lists(r, self.seqs[r], self.oris[r])
            self.slots[r] = None
        self.targets[r] = self.tasks[r] = None

    def arrays(self, r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Route ``r``'s slots as arrays (:meth:`_Model.route_arrays`), built once."""
        got = self.slots[r]
        if got is None:
            lists = self.lists[r]
            assert lists is not None  # a depot tour's slots are kept as lists
            got = self.slots[r] = _as_arrays(lists)
        return got

    def _target_arrays(self, x: int) -> tuple[np.ndarray, np.ndarray]:
        """Route ``x``'s slots as a move's target, built once: ``(4, L)`` int64 rows (the
        flat key-table index of the row of each slot's previous end, of the column of its
        next start, the flat service index of the route's profile row, the team) and the
        slots' distances (:meth:`_relocation_costs`)."""
        got = self.targets[x]
        if got is None:
            prev, nxt, base, _ = self._slot_lists(x)
            py = self.model.py
            p, n = py.slot[x], py.n
            off, size = py.off[p], len(prev)
            ints = [[off + a * n for a in prev], [off + b for b in nxt]]
            ints += [[p * self.model.m] * size, [x] * size]
            got = self.targets[x] = (np.array(ints, dtype=np.int64), np.array(base))
        return got

    def _task_arrays(self, x: int) -> tuple[np.ndarray, np.ndarray]:
        """Route ``x``'s tasks as an exchange's other side, built once: ``(9, L)`` int64
        rows (the flat key-table index of the row of the slot before each task, of the
        column of the slot after it, the flat service index of the route's profile row,
        the team, the task, its start in orientation 0 and 1, its end in orientation 0 and
        1 times the key nodes) and ``(base before + base after) + serv`` of each task
        (:meth:`swap_longest`)."""
        got = self.tasks[x]
        if got is None:
            prev, nxt, base, _ = self._slot_lists(x)
            mdl, seq = self.model, self.seqs[x]
            py = mdl.py
            p, n, ends = py.slot[x], py.n, py.ends
            off, size, serv = py.off[p], len(seq), py.serv[p]
            ints = [[off + a * n for a in prev[:-1]], [off + b for b in nxt[1:]]]
            ints += [[p * mdl.m] * size, [x] * size, seq]
            ints += [[ends[t][j] for t in seq] for j in (0, 1)]
            ints += [[ends[t][j] * n for t in seq] for j in (2, 3)]
            obs = [base[i] + base[i + 1] + serv[t] for i, t in enumerate(seq)]
            got = self.tasks[x] = (np.array(ints, dtype=np.int64), np.array(obs))
        return got

    def _slot_lists(self, r: int) -> _SlotLists:
        """Route ``r``'s slots (:meth:`_Model.route_arrays`) as lists, and whether a slot's
        distance is infinite."""
        lists = self.lists[r]
        if lists is None:  # a circuit's: from its arrays
            arrays = self.arrays(r)
            base = arrays[2].tolist()
            lists = self.lists[r] = (arrays[0].tolist(), arrays[1].tolist(), base, math.inf in base)
        return lists

    def _inserted(self, r: int, i: int) -> None:
        """Route ``r``'s slots after its task ``i`` went in (the rest unchanged).

        A depot tour's slot ``i`` (previous end ``a``, next start ``b``) becomes two, ``a``
        to the task's start and its end to ``b``: the table reads :meth:`_Model.route_lists`
        makes for them, the other slots as they were.
        """
        lists = self.lists[r]
        mdl = self.model
        if lists is None or mdl.circuit:
            self._set_slots(r)
            return
        py = mdl.py
        t, o = self.seqs[r][i], self.oris[r][i]
        s, e = py.start[t][o], py.end[t][o]
        prev, nxt, base, _ = lists
        flat, n, off = py.view, py.n, py.off[py.slot[r]]
        legs = [flat[off + prev[i] * n + s], flat[off + e * n + nxt[i]]]
        new_base = base[:i] + legs + base[i + 1 :]
        self.lists[r] = (
            [*prev[: i + 1], e, *prev[i + 1 :]],
            [*nxt[:i], s, *nxt[i:]],
            new_base,
            math.inf in new_base,
        )
        self.slots[r] = self.targets[r] = self.tasks[r] = None

    def refresh(self, r: int) -> None:
        c, o = self.model.route_dp(r, self.seqs[r])
        self.oris[r] = o
        self.cost[r] = c
        self._set_slots(r)

    def fixed(self, r: int) -> None:
        """Re-cost route ``r`` keeping its orientations (no DP)."""
        mdl = self.model
        self._set_slots(r)
        seq = self.seqs[r]
        if mdl.circuit:  # slot 0 and slot n are the one closing slot: count it once
            slot = self.arrays(r)
            self.cost[r] = (
                float(slot[2][:-1].sum()) + float(mdl.serv[int(mdl.slot[r]), seq].sum())
                if seq
                else 0.0
            )
            return
        # the sums numpy made of the arrays: the base distances, then the service
        py = mdl.py
        lists = self.lists[r]
        assert lists is not None
        serv = py.serv[py.slot[r]]
        self.cost[r] = _np_sum(lists[2]) + (_np_sum([serv[t] for t in seq]) if seq else 0.0)

    def two_opt(self, r: int, max_moves: int = 100) -> None:
        """Reverse the best improving subsequence of route ``r`` until none is left.

        With undirected edges a reversed piece (orientations flipped) costs the
        same inside, so a move only changes its two junctions.
        """
        mdl = self.model
        seq, ori = self.seqs[r], self.oris[r]
        n = len(seq)
        if n < 2:
            return
        if n <= _PY_TWO_OPT and self._two_opt_py(r, max_moves):
            return
        Dp = mdl.D[int(mdl.slot[r])]
        d = int(mdl.dep[r])
        upper = np.triu(np.ones((n, n), dtype=bool))
        if mdl.circuit:
            # a circuit's neighbours are cyclic; reversing all of it changes nothing
            upper[0, n - 1] = False
        for _ in range(max_moves):
            sq, oq = np.asarray(seq), np.asarray(ori)
            st, en = mdl.S[sq, oq], mdl.E[sq, oq]
            if mdl.circuit:
                before = np.concatenate(([en[-1]], en[:-1]))
                after = np.concatenate((st[1:], [st[0]]))
            else:
                before = np.concatenate(([d], en[:-1]))
                after = np.concatenate((st[1:], [d]))
            gain = (
                Dp[np.ix_(before, en)]
                + Dp[np.ix_(st, after)]
                - Dp[before, st][:, None]
                - Dp[en, after][None, :]
            )
            gain = np.where(upper, gain, np.inf)
            flat = int(np.argmin(gain))
            if gain.flat[flat] > -1e-9:
                break
            i, j = divmod(flat, n)
            seq[i : j + 1] = seq[i : j + 1][::-1]
            ori[i : j + 1] = [1 - o for o in ori[i : j + 1][::-1]]

    def _two_opt_py(self, r: int, max_moves: int) -> bool:
        """:meth:`two_opt` over lists: the same gains (the same float sums), the first least
        in row order taken. False (nothing changed) when a leg of the route is infinite,
        where numpy's NaN would decide: :meth:`two_opt` evaluates with numpy then.
        """
        mdl, py = self.model, self.model.py
        seq, ori = self.seqs[r], self.oris[r]
        n, k = len(seq), py.n
        flat, off, d = py.table(), py.off[py.slot[r]], py.dep[r]
        # a circuit's neighbours are cyclic; reversing all of it changes nothing
        skip = (0, n - 1) if mdl.circuit else None
        for move in range(max_moves):
            st = [py.start[t][o] for t, o in zip(seq, ori, strict=True)]
            en = [py.end[t][o] for t, o in zip(seq, ori, strict=True)]
            if mdl.circuit:
                before, after = [en[-1], *en[:-1]], [*st[1:], st[0]]
            else:
                before, after = [d, *en[:-1]], [*st[1:], d]
            into = [flat[off + b * k + s] for b, s in zip(before, st, strict=True)]
            out = [flat[off + e * k + a] for e, a in zip(en, after, strict=True)]
            if move == 0 and (math.inf in into or math.inf in out):
                return False
            least, bi, bj = math.inf, 0, 0
            first = True
            for i in range(n):
                rb, rs, c = off + before[i] * k, off + st[i] * k, into[i]
                for j in range(i, n):
                    if (i, j) == skip:
                        continue
                    g = flat[rb + en[j]] + flat[rs + after[j]] - c - out[j]
                    if first or g < least:
                        least, bi, bj, first = g, i, j, False
            if least > -1e-9:
                break
            seq[bi : bj + 1] = seq[bi : bj + 1][::-1]
            ori[bi : bj + 1] = [1 - o for o in ori[bi : bj + 1][::-1]]
        return True

    def _relocation_costs(
        self, r: int, others: list[int], *, nan_to_inf: bool
    ) -> tuple[np.ndarray, np.ndarray, list[int], np.ndarray]:
        """Costs of moving each task of tour ``r`` into every slot of the ``others``.

        Parameters
        ----------
        r : int
            The tour the tasks leave.
        others : list of int
            The tours that may receive a task, in slot order.
        nan_to_inf : bool
            Read a NaN insertion cost (inf - inf on a forbidden profile) as inf.

        Returns
        -------
        gain : numpy.ndarray
            ``(n,)`` saving on tour ``r`` when each of its ``n`` tasks leaves.
        d : numpy.ndarray
            ``(n, 2, Q)`` insertion cost of each task, in each orientation, at
            each of the ``Q`` slots of the ``others``.
        lens : list of int
            Number of slots of each tour of ``others``.
        team : numpy.ndarray
            ``(Q,)`` the tour each slot belongs to.
        """
        mdl = self.model
        py = mdl.py
        seq = self.seqs[r]
        sq = np.asarray(seq)
        # base[:-1] + serv + base[1:] - D[prev[:-1], nxt[1:]] element by element
        prev, nxt, base, _ = self._slot_lists(r)
        serv, off, n, view = py.serv[py.slot[r]], py.off[py.slot[r]], py.n, py.view
        gain = np.array(
            [base[i] + serv[t] + base[i + 1] - view[off + prev[i] * n + nxt[i + 1]]
             for i, t in enumerate(seq)]
        )  # fmt: skip
        parts = [self._target_arrays(x) for x in others]
        idx = np.concatenate([part[0] for part in parts], axis=1)
        obase = np.concatenate([part[1] for part in parts])
        lens = [len(part[1]) for part in parts]
        team = idx[3]
        ends = mdl.ends[sq]  # (n, 4)
        quiet = np.errstate(invalid="ignore") if nan_to_inf else contextlib.nullcontext()
        with quiet:
            # D[prof, prev, start] + D[prof, end, next] + (serv[prof, task] - base), the
            # tables and the service read by flat index (_target_arrays)
            d = (
                py.flat.take(idx[0] + ends[:, :2, None])
                + py.flat.take(ends[:, 2:, None] * n + idx[1])
                + (py.serv_flat.take(idx[2] + sq[:, None, None]) - obase)
            )  # (n, 2, Q)
        if mdl.circuit:
            empty = np.repeat([not self.seqs[x] for x in others], lens)
            d = mdl.open_circuits(d, sq, team, empty)
        if nan_to_inf:
            d = np.where(np.isnan(d), np.inf, d)
        return gain, d, lens, team

    def _move_task(
        self, r: int, i: int, q: int, d: np.ndarray, lens: list[int], others: list[int]
    ) -> int:
        """Move task ``i`` of tour ``r`` into slot ``q`` (in its cheaper orientation).

        ``d``, ``lens`` and ``others`` are as from :meth:`_relocation_costs`.
        Returns the tour that received the task.
        """
        t = self.seqs[r][i]
        j = 0
        pos = q
        while pos >= lens[j]:
            pos -= lens[j]
            j += 1
        s = others[j]
        o = 0 if d[i, 0, q] <= d[i, 1, q] else 1
        del self.seqs[r][i]
        del self.oris[r][i]
        self.seqs[s].insert(pos, t)
        self.oris[s].insert(pos, o)
        return s

    def relocate_longest(self, alpha: float) -> bool:
        """Best move of one task out of the longest tour (all targets at once).

        Evaluates every task of the longest tour at every position and
        orientation of every other allowed tour in one numpy expression and
        applies the best move if it lowers ``max + alpha * total``.
        """
        mdl = self.model
        cost = self.cost
        lng = int(cost.argmax())
        others = [r for r in range(mdl.k) if r != lng]
        if not self.seqs[lng] or not others:
            return False
        listed = cost.tolist()
        top1, top2 = _top_two([listed[r] for r in others])
        others = self.near_teams(others, self.seqs[lng], listed[lng], alpha)
        if not others:
            return False
        gain, d, lens, team = self._relocation_costs(lng, others, nan_to_inf=False)
        delta = np.minimum.reduce(d, axis=1)  # (n, Q): d.min(axis=1)
        ct = cost.take(team)
        rest_max = np.where(ct >= top1, top2, top1)  # max over tours other than lng and r
        new_max = np.maximum(np.maximum((listed[lng] - gain)[:, None], ct + delta), rest_max)
        f = new_max + alpha * (delta - gain[:, None])
        i, q = divmod(int(f.argmin()), f.shape[1])  # np.unravel_index's (row, column)
        if not f[i, q] < cost[lng] - 1e-9:
            return False
        r = self._move_task(lng, int(i), int(q), d, lens, others)
        for x in (lng, r):
            self.refresh(x)
        return True

    def relocate_from(self, r: int, alpha: float, min_gain: float) -> bool:
        """Best move of one task out of tour ``r`` that shortens the longer of the two tours.

        The leximax step of :func:`balance_loops`: a move from ``r`` to ``s``
        is taken only if ``max(new r, new s) < cost[r] - min_gain``, so the
        sorted vector of tour costs falls lexicographically (the longest tour
        never grows) and the stage terminates.
        """
        mdl = self.model
        cost = self.cost
        others = [x for x in range(mdl.k) if x != r]
        if not self.seqs[r] or not others:
            return False
        gain, d, lens, team = self._relocation_costs(r, others, nan_to_inf=True)
        delta = d.min(axis=1)  # (n, Q)
        pair = np.maximum((cost[r] - gain)[:, None], cost[team][None, :] + delta)
        f = pair + alpha * (delta - gain[:, None])
        i, q = np.unravel_index(int(np.argmin(f)), f.shape)
        if not pair[i, q] < cost[r] - min_gain:
            return False
        s = self._move_task(r, int(i), int(q), d, lens, others)
        for x in (r, s):
            self.two_opt(x)
            self.refresh(x)
        return True

    def swap_longest(self, alpha: float) -> bool:
        """Best exchange of a task of the longest tour with a task of another tour.

        Each task takes the other's place (best orientation, neighbours fixed);
        all pairs are evaluated at once with numpy.
        """
        mdl = self.model
        cost = self.cost
        lng = int(cost.argmax())
        seq = self.seqs[lng]
        others = [r for r in range(mdl.k) if r != lng and self.seqs[r]]
        if not seq or not others:
            return False
        listed = cost.tolist()
        others = self.near_teams(others, seq, listed[lng], alpha)
        if not others:
            return False
        py = mdl.py
        n, flat, serv = py.n, py.flat, py.serv_flat
        parts = [self._task_arrays(r) for r in others]
        oi = np.concatenate([part[0] for part in parts], axis=1)  # (9, M), _task_arrays
        obs = np.concatenate([part[1] for part in parts])
        team = oi[3]
        # the longest tour's side from its lists: the flat rows of the slots before its
        # tasks, the columns of those after, base[:-1] + serv + base[1:]
        pl = py.slot[lng]
        off, sl = py.off[pl], py.serv[pl]
        lp, ln, lb, _ = self._slot_lists(lng)
        rows = np.array([[off + x * n for x in lp[:-1]], [off + x for x in ln[1:]]])
        la = np.array([lb[i] + sl[t] + lb[i + 1] for i, t in enumerate(seq)])
        a = np.asarray(seq)
        ea = mdl.ends[a]  # (n, 4)
        # task b (other tour) into a's place in the longest tour: (n, M), per orientation
        # D[pl][before a, start b] + D[pl][end b, after a]
        x = flat.take(rows[0][None, :, None] + oi[5:7, None, :]) + flat.take(
            oi[7:9, None, :] + rows[1][None, :, None]
        )
        dl = np.minimum(x[0], x[1]) + serv.take(pl * mdl.m + oi[4]) - la[:, None]
        # task a into b's place in its tour: (n, M), per orientation
        # D[prof b][before b, start a] + D[prof b][end a, after b]
        y = flat.take(oi[0] + ea[:, :2].T[:, :, None]) + flat.take(
            (ea[:, 2:] * n).T[:, :, None] + oi[1]
        )
        dr = np.minimum(y[0], y[1]) + serv.take(oi[2] + a[:, None]) - obs
        top1, top2 = _top_two([listed[r] for r in range(mdl.k) if r != lng])
        ct = cost.take(team)
        rest_max = np.where(ct >= top1, top2, top1)
        new_max = np.maximum(np.maximum(listed[lng] + dl, ct + dr), rest_max)
        f = new_max + alpha * (dl + dr)
        i, j = divmod(int(f.argmin()), f.shape[1])
        if not f[i, j] < cost[lng] - 1e-9:
            return False
        r = int(team[j])
        pos = int(j) - int(np.searchsorted(team, r))
        ta, tb = seq[i], self.seqs[r][pos]
        self.seqs[lng][i] = tb
        self.seqs[r][pos] = ta
        for x in (lng, r):
            self.refresh(x)
        return True

    def near_teams(
        self, teams: list[int], tasks: list[int], longest: float, alpha: float
    ) -> list[int]:
        """The ``teams`` (in order) that may take one of ``tasks`` from the longest tour.

        A relocation or exchange out of the longest tour (cost ``longest``) is taken only
        if its ``new max + alpha * (change of total)`` falls below ``longest``. A team
        receiving task ``t`` then drives a depot tour through ``t``, at least its round
        trip ``trip[r, t]`` (:meth:`_Model._trips`), and the change of total is at least
        ``-2 * longest`` (neither tour can lose more than its whole cost, and no tour is
        longer than the longest), so a team whose round trips to all of ``tasks`` exceed
        ``longest * (1 + 2 * alpha)`` (plus a rounding margin) cannot make such a move:
        leaving it out changes no choice (the best move is the same, ties included).
        Depot tours with ``alpha >= 0`` only; otherwise ``teams`` unchanged.
        """
        trip = self.model.trip
        if trip is None or alpha < 0 or not tasks:
            return teams
        limit = longest * (1.0 + 2.0 * alpha) * (1.0 + _NEAR_MARGIN) + _NEAR_MARGIN
        trips = self.model.py.trip
        assert trips is not None  # as self.model.trip
        rows = [trips[t] for t in tasks]
        # per team the least of its round trips to the tasks (min's first least, as before)
        least = rows[0] if len(rows) == 1 else list(map(min, *rows))
        return [r for r in teams if least[r] <= limit]

    def key(self) -> tuple[float, float]:
        # cost.max() and cost.sum() are these reductions (without their Python wrappers)
        return float(np.maximum.reduce(self.cost)), float(np.add.reduce(self.cost))

    def insert_best(self, t: int, alpha: float, beta: float, scale: float) -> int:
        """Insert task ``t`` where the search objective grows least; return its team.

        The objective is ``max + alpha * total + beta * sum(cost**2) / scale``;
        neighbours keep their orientation (re-optimised later by the caller).
        """
        mdl = self.model
        # alpha > 0: an infinite new leg gives f = inf, never numpy's NaN (inf + 0 * inf),
        # whose first occurrence argmin would take and the lists' "<" never would
        if not mdl.circuit and not beta and alpha > 0:
            done = self._insert_best_py(t, alpha)
            if done is not None:
                return done
        teams = mdl.teams_of[t]
        if mdl.trip is not None and len(teams) > 1 and alpha >= 0 and beta >= 0:
            # the tour that takes t is at least the team's round trip to it, and f at least
            # that tour's new cost: teams whose round trip exceeds the best f of the nearer
            # teams cannot win (same choice, ties included); otherwise all are evaluated
            trip = mdl.trip[teams, t]
            near = trip <= float(np.maximum.reduce(self.cost)) * _NEAR_FACTOR
            if near.any() and not near.all():
                part = self._insertions(t, teams[near], alpha, beta, scale)
                floor = float(trip[~near].min())
                if float(part[0].min()) < floor * (1.0 - _NEAR_MARGIN) - _NEAR_MARGIN:
                    return self._insert_at(t, teams[near], *part)
        return self._insert_at(t, teams, *self._insertions(t, teams, alpha, beta, scale))

    def _insert_best_py(self, t: int, alpha: float) -> int | None:
        """:meth:`insert_best` of depot tours (``beta == 0``, ``alpha > 0``) over lists, team by team.

        The same choice as the numpy evaluation: each slot's costs are the same float
        sums, ``f`` the same ``max(old + delta, longest) + alpha * delta``, the first least
        ``f`` in team then slot order wins (a team's first least slot, then the first team
        reaching the least), the same round-trip pruning. None (nothing inserted) when
        a route has an infinite slot distance, where numpy's NaN would decide: the caller
        evaluates with numpy then.
        """
        mdl = self.model
        py = mdl.py
        teams = py.teams_of[t]
        cost = self.cost.tolist()
        longest = max(cost)  # numpy's max (one of the values) unless a NaN is among them
        if math.isnan(sum(cost)):  # a NaN (or inf and -inf): numpy's own
            longest = float(np.maximum.reduce(self.cost))
        flat = py.view
        n = py.n
        s0, s1, e0, e1 = py.ends[t]
        single = mdl.single
        lists = self.lists
        for r in teams:
            got_lists = lists[r]
            if got_lists is None or got_lists[3]:
                return None
        trip = py.trip[t] if py.trip is not None and alpha >= 0 else None
        seen: dict[int, tuple[float, int, int, float]] = {}
        serv_t = [row[t] for row in py.serv]
        ends = (s0, s1, e0, e1)

        def best_of(rs: list[int]) -> tuple[int, tuple[float, int, int, float]]:
            # the teams by a lower bound on their least f (the tour that takes t is at
            # least the round trip trip[r], and f grows with the tour): once that bound
            # exceeds the least f found (by a rounding margin), no later team can reach
            # it, nor tie with it; the choice is then the first least f in team order
            order, bound = rs, None
            if trip is not None and len(rs) > 1:
                bound = [max(trip[r], longest) + alpha * (trip[r] - cost[r]) for r in rs]
                at = sorted(range(len(rs)), key=bound.__getitem__)  # stable: rs's order
                order, bound = [rs[j] for j in at], [bound[j] for j in at]
            least = math.inf
            for j, r in enumerate(order):
                if bound is not None and bound[j] * (1.0 - _NEAR_MARGIN) - _NEAR_MARGIN > least:
                    break
                got = seen.get(r)
                if got is None:
                    prev, nxt, base, _ = lists[r]  # type: ignore[misc]  # checked above
                    p = py.slot[r]
                    got = seen[r] = _best_slot(
                        flat, py.off[p], n, prev, nxt, base, ends, serv_t[p], cost[r],
                        longest, alpha, single,
                    )  # fmt: skip
                if got[0] < least:
                    least = got[0]
            best: tuple[int, tuple[float, int, int, float]] | None = None
            for r in rs:
                got = seen.get(r)
                if got is not None and (best is None or got[0] < best[1][0]):
                    best = (r, got)
            assert best is not None
            return best

        chosen = None
        if trip is not None and len(teams) > 1:
            limit = longest * _NEAR_FACTOR
            near = [r for r in teams if trip[r] <= limit]
            if near and len(near) < len(teams):
                chosen = best_of(near)
                floor = min(trip[r] for r in teams if not trip[r] <= limit)
                if not chosen[1][0] < floor * (1.0 - _NEAR_MARGIN) - _NEAR_MARGIN:
                    chosen = None
        if chosen is None:
            chosen = best_of(teams)
        r, (_f, i, o, delta) = chosen
        self.seqs[r].insert(i, t)
        self.oris[r].insert(i, o)
        self.cost[r] += delta
        self._inserted(r, i)
        return r

    def _insertions(
        self, t: int, teams: np.ndarray, alpha: float, beta: float, scale: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """Search objective, insertion costs (both orientations), best cost and slot counts
        of inserting task ``t`` at every slot of ``teams`` (:meth:`insert_best`)."""
        mdl = self.model
        slots = [self.arrays(int(r)) for r in teams]
        if len(teams) == 1:
            prev, nxt, base = slots[0]
            lens = [len(prev)]
        else:
            prev = np.concatenate([slot[0] for slot in slots])
            nxt = np.concatenate([slot[1] for slot in slots])
            base = np.concatenate([slot[2] for slot in slots])
            lens = [len(slot[0]) for slot in slots]
        ends = mdl.ends[t]  # [s0, s1, e0, e1]
        if mdl.single:
            # one profile: distances are symmetric, take rows of the four endpoints
            rows = mdl.D[0][ends]
            d = rows[:2, prev] + rows[2:, nxt] + (mdl.serv[0, t] - base)
            old = np.repeat(self.cost[teams], lens)
        else:
            team = np.repeat(teams, lens)
            prof = mdl.slot[team]
            D = mdl.D
            serv = mdl.serv[prof, t] - base
            d = np.stack(
                (
                    D[prof, prev, ends[0]] + D[prof, ends[2], nxt] + serv,
                    D[prof, prev, ends[1]] + D[prof, ends[3], nxt] + serv,
                )
            )
            old = self.cost[team]
        if mdl.circuit:
            empty = np.repeat([not self.seqs[int(r)] for r in teams], lens)
            d = mdl.open_circuits(d, t, np.repeat(teams, lens), empty)
        delta = d.min(axis=0)
        new = old + delta
        f = np.maximum(new, self.cost.max()) + alpha * delta
        if beta:
            f += (beta / scale) * (new * new - old * old)
        return f, d, delta, lens

    def _insert_at(
        self,
        t: int,
        teams: np.ndarray,
        f: np.ndarray,
        d: np.ndarray,
        delta: np.ndarray,
        lens: list[int],
    ) -> int:
        """Insert ``t`` at the slot of ``teams`` where ``f`` is least; return its team."""
        i = int(np.argmin(f))
        j = 0
        while i >= lens[j]:
            i -= lens[j]
            j += 1
        r = int(teams[j])
        k = i + (sum(lens[:j]) if j else 0)
        o = 0 if d[0, k] <= d[1, k] else 1
        self.seqs[r].insert(i, t)
        self.oris[r].insert(i, o)
        self.cost[r] += float(delta[k])
        self._inserted(r, i)
        return r


class _Relocations:
    """The best move of one task out of each tour into each other tour, kept up to date.

    :func:`balance_loops` asks, tour after tour, for the best relocation out of it
    (:meth:`_State.relocate_from`), and one move changes only two tours. This table
    holds, for every pair (tour ``x``, tour ``y``), the best move of a task of ``x`` into
    ``y``: ``(f, task position, slot, pair, orientation)`` with the values and the
    tie-breaking of the full evaluation (the smallest ``f``, then the first task, then
    the first slot, as ``np.argmin`` over the flattened ``(task, slot)`` array). After a
    move between ``r`` and ``s`` only the pairs with ``r`` or ``s`` on either side are
    evaluated again, so the stage picks the very moves the full evaluation picks, at a
    fraction of its cost on many teams.
    """

    def __init__(self, st: _State, alpha: float) -> None:
        self.st = st
        self.alpha = alpha
        k = st.model.k
        self.f = np.full((k, k), np.inf)
        self.task = np.zeros((k, k), dtype=np.int64)
        self.slot = np.zeros((k, k), dtype=np.int64)
        self.pair = np.full((k, k), np.inf)
        self.ori = np.zeros((k, k), dtype=np.int64)
        everyone = list(range(k))
        self._update(everyone, everyone)

    def _update(self, owners: list[int], targets: list[int]) -> None:
        """Re-evaluate the pairs (owner ``x`` in ``owners``, target ``y`` in ``targets``)."""
        st, mdl = self.st, self.st.model
        owners = [x for x in owners if st.seqs[x]]
        for x in owners:
            self.f[x, targets] = np.inf
        if not owners or not targets:
            return
        # rows: the tasks of the owners (contiguous per owner); columns: the target slots
        gains, sqs, own_cost = [], [], []
        for x in owners:
            prev, nxt, base = st.arrays(x)
            pl = int(mdl.slot[x])
            sq = np.asarray(st.seqs[x])
            gains.append(base[:-1] + mdl.serv[pl, sq] + base[1:] - mdl.D[pl][prev[:-1], nxt[1:]])
            sqs.append(sq)
            own_cost.append(np.full(len(sq), st.cost[x]))
        counts = [len(s) for s in sqs]
        owner = np.repeat(owners, counts)
        gain = np.concatenate(gains)
        sq = np.concatenate(sqs)
        cost_x = np.concatenate(own_cost)
        slots = [st.arrays(y) for y in targets]
        oprev = np.concatenate([slot[0] for slot in slots])
        onxt = np.concatenate([slot[1] for slot in slots])
        obase = np.concatenate([slot[2] for slot in slots])
        lens = [len(slot[0]) for slot in slots]
        team = np.repeat(targets, lens)
        prof = mdl.slot[team]
        ends = mdl.ends[sq]
        D = mdl.D
        pr, px, pn = prof[None, None, :], oprev[None, None, :], onxt[None, None, :]
        with np.errstate(invalid="ignore"):
            d = (
                D[pr, px, ends[:, :2, None]]
                + D[pr, ends[:, 2:, None], pn]
                + (mdl.serv[prof][:, sq].T[:, None, :] - obase[None, None, :])
            )  # (N, 2, Q), the same elementwise sums as _State._relocation_costs
        if mdl.circuit:
            empty = np.repeat([not st.seqs[y] for y in targets], lens)
            d = mdl.open_circuits(d, sq, team, empty)
        d = np.where(np.isnan(d), np.inf, d)
        delta = d.min(axis=1)
        pair = np.maximum((cost_x - gain)[:, None], st.cost[team][None, :] + delta)
        f = pair + self.alpha * (delta - gain[:, None])
        f[owner[:, None] == team[None, :]] = np.inf  # a tour does not move a task into itself
        n_rows, n_cols = f.shape
        cstart = np.concatenate(([0], np.cumsum(lens)[:-1]))
        rstart = np.concatenate(([0], np.cumsum(counts)[:-1]))
        # per (task, target): its smallest f and the first slot reaching it
        seg = np.minimum.reduceat(f, cstart, axis=1)  # (N, Y)
        cols = np.where(f == np.repeat(seg, lens, axis=1), np.arange(n_cols)[None, :], n_cols)
        first_col = np.minimum.reduceat(cols, cstart, axis=1)
        # per (owner, target): the smallest f and the first task reaching it
        best = np.minimum.reduceat(seg, rstart, axis=0)  # (X, Y)
        rows = np.where(seg == np.repeat(best, counts, axis=0), np.arange(n_rows)[:, None], n_rows)
        first_row = np.minimum.reduceat(rows, rstart, axis=0)
        for a, x in enumerate(owners):
            for b, y in enumerate(targets):
                if y == x:
                    continue
                i = int(first_row[a, b])
                q = int(first_col[i, b])
                self.f[x, y] = best[a, b]
                self.task[x, y] = i - int(rstart[a])
                self.slot[x, y] = q - int(cstart[b])
                self.pair[x, y] = pair[i, q]
                self.ori[x, y] = 0 if d[i, 0, q] <= d[i, 1, q] else 1

    def move_from(self, r: int, min_gain: float) -> bool:
        """:meth:`_State.relocate_from` (same choice, same move) from the table."""
        st = self.st
        if not st.seqs[r] or st.model.k < 2:
            return False
        row = self.f[r]
        low = float(row.min())
        tied = np.flatnonzero(row == low)  # targets reaching it, ascending
        s = int(tied[np.argmin(self.task[r, tied])])  # the first task, then the first target
        if not self.pair[r, s] < st.cost[r] - min_gain:
            return False
        i, pos, o = int(self.task[r, s]), int(self.slot[r, s]), int(self.ori[r, s])
        t = st.seqs[r][i]
        del st.seqs[r][i]
        del st.oris[r][i]
        st.seqs[s].insert(pos, t)
        st.oris[s].insert(pos, o)
        for x in (r, s):
            st.two_opt(x)
            st.refresh(x)
        everyone = list(range(st.model.k))
        self._update(everyone, [r, s])
        self._update([r, s], everyone)
        return True


def _split(model: _Model, tour: list[tuple[int, int]]) -> list[list[int]] | None:
    """Optimal min-max split of a giant tour into contiguous team pieces (in team order)."""
    n, k = len(tour), model.k
    if n == 0:
        return [[] for _ in range(k)]
    g = np.array([t for t, _ in tour], dtype=np.int64)
    o = np.array([x for _, x in tour], dtype=np.int64)
    st, en = model.S[g, o], model.E[g, o]
    dp = np.full(n + 1, np.inf)
    dp[0] = 0.0
    choice = np.zeros((k, n + 1), dtype=np.int64)
    # cut points a < b (rows a, columns b): team serves tour[a:b]; a == b: the team stays
    # home. Each term depends on a or on b alone, so it is a column or a row broadcast
    # over the (n + 1, n + 1) table (the same sums in the same order as gathering it)
    cut = np.arange(n + 1)
    first = np.minimum(cut, n - 1)[:, None]  # first task of the piece, by a
    last = np.maximum(cut - 1, 0)[None, :]  # last task of the piece, by b
    upper = cut[:, None] < cut[None, :]
    home = np.where(cut[:, None] == cut[None, :], 0.0, np.inf)
    for r in range(k):
        p, d = int(model.slot[r]), int(model.dep[r])
        Dp = model.D[p]
        with np.errstate(invalid="ignore"):
            sv = np.concatenate(([0.0], np.cumsum(model.serv[p, g])))
            dh = np.concatenate(([0.0], np.cumsum(Dp[en[:-1], st[1:]])))
            if model.circuit:  # the piece closes on itself: last end -> first start
                seg = (sv[None, :] - sv[:, None]) + (dh[last] - dh[first]) + Dp[en[last], st[first]]
            else:
                seg = (
                    Dp[d, st][first]
                    + (sv[None, :] - sv[:, None])
                    + (dh[last] - dh[first])
                    + Dp[en, d][last]
                )
        seg = np.where(upper, seg, home)
        seg[np.isnan(seg)] = np.inf
        cand = np.maximum(dp[:, None], seg)
        choice[r] = np.argmin(cand, axis=0)
        dp = cand[choice[r], np.arange(n + 1)]
    if not np.isfinite(dp[n]):
        return None
    pieces: list[list[int]] = []
    b = n
    for r in range(k - 1, -1, -1):
        a = int(choice[r, b])
        pieces.append(g[a:b].tolist())
        b = a
    pieces.reverse()
    return pieces


def _giant_tour(inst: ArcInstance) -> list[tuple[int, int]] | None:
    """A postman tour through all required edges as (task, orientation) pairs.

    Computed once per instance and kept with it (the plan's setup and the search's
    start both ask for it: ~2 s at 2,000 km); each call returns a fresh list.
    """
    kept = inst.__dict__.get("_giant_tour")
    if kept is None:
        kept = (_postman_giant(inst),)
        object.__setattr__(inst, "_giant_tour", kept)
    tour = kept[0]
    return None if tour is None else list(tour)


def _postman_giant(inst: ArcInstance) -> list[tuple[int, int]] | None:
    """:func:`_giant_tour` computed (None when no postman tour serves every task)."""
    profiles = np.unique(inst.team_profile)
    try:
        if len(profiles) == 1:
            tour = rural_postman(inst, profile=int(profiles[0]), start=int(inst.depots[0]))
        else:
            # one team on the cheapest profile of every edge: the instance the average
            # bound uses too, so its key table is computed and held once. Its paths first:
            # held by the cached instance, the postman's own copy of it (the same graph and
            # key nodes) reads that table; computed by the copy, the table went with it
            # and the bound computed it again (~5 s at 2,000 km)
            cheapest = inst.cheapest
            cheapest.shortest_paths(0)
            tour = rural_postman(cheapest, profile=0)
    except RoutingError:
        return None
    pos = {int(e): i for i, e in enumerate(inst.required_edges)}
    return [(pos[e], 0 if fwd else 1) for e, fwd in tour.tasks()]


def evaluate_route(instance: ArcInstance, team: int, edges: list[int]) -> tuple[float, list[bool]]:
    """Cost of ``team`` serving required ``edges`` in order, best orientations.

    Parameters
    ----------
    instance
        The routing instance.
    team
        Team index.
    edges
        Required edge ids in serving order.

    Returns
    -------
    cost : float
        Depot → edges → depot cost with shortest-path deadheading (in circuit mode
        the closed walk through the edges, last back to first).
    forward : list of bool
        Optimal direction of each edge (``True`` = ``u`` → ``v``).
    """
    model = _Model.of(instance)
    pos = {int(e): i for i, e in enumerate(model.req)}
    try:
        seq = [pos[int(e)] for e in edges]
    except KeyError as exc:
        raise RoutingError(f"edge {exc.args[0]} is not a required edge") from None
    cost, ori = model.route_dp(team, seq)
    return float(cost), [o == 0 for o in ori]


class _Search:
    """Ruin-and-recreate with simulated annealing cycles."""

    def __init__(
        self, model: _Model, rng: random.Random, alpha: float, beta: float, scale: float
    ) -> None:
        self.model = model
        self.rng = rng
        self.alpha = alpha
        self.beta = beta
        self.scale = scale

    def objective(self, st: _State) -> float:
        c = st.cost
        f = float(np.maximum.reduce(c) + self.alpha * np.add.reduce(c))  # c.max(), c.sum()
        if self.beta:
            f += self.beta * float(c @ c) / self.scale
        return f

    def recreate(self, st: _State, removed: list[int]) -> None:
        rng, mdl = self.rng, self.model
        u = rng.random()
        if u < 0.5:
            rng.shuffle(removed)
        elif u < 0.75:
            removed.sort(key=lambda t: -mdl.depot_dist[t])
        else:
            removed.sort(key=lambda t: -mdl.serv_min[t])
        touched = set()
        for t in removed:
            touched.add(st.insert_best(t, self.alpha, self.beta, self.scale))
        for r in touched:
            if _P["two_opt"]:
                st.two_opt(r)
            st.refresh(r)
        for _ in range(int(_P["relocate"])):
            if not st.relocate_longest(self.alpha) and not (
                _P["swap"] and st.swap_longest(self.alpha)
            ):
                break

    def ruin(self, st: _State) -> list[int]:
        rng, mdl = self.rng, self.model
        m = mdl.m
        qmax = max(3, min(int(_P["qmax"]), int(m * _P["qfrac"])))
        q = rng.randint(1, qmax)
        longest = int(st.cost.argmax())
        if st.seqs[longest] and rng.random() < _P["p_longest"]:
            seed = rng.choice(st.seqs[longest])
        else:
            seed = rng.randrange(m)
        where = {}
        for r, s in enumerate(st.seqs):
            for i, t in enumerate(s):
                where[t] = (r, i)
        removed: set[int] = set()
        if rng.random() < _P["p_string"]:
            # strings from the routes nearest to the seed
            lmax = max(1, min(int(_P["lmax"]), q))
            done: set[int] = set()
            for t in [seed, *mdl.neighbours[seed]]:
                if len(removed) >= q:
                    break
                r, i = where[t]
                if r in done or t in removed:
                    continue
                done.add(r)
                s = st.seqs[r]
                ln = rng.randint(1, min(lmax, len(s)))
                lo = max(0, min(i - rng.randrange(ln), len(s) - ln))
                removed.update(s[lo : lo + ln])
        else:
            for t in [seed, *mdl.neighbours[seed]]:
                if len(removed) >= q:
                    break
                removed.add(t)
        touched = {where[t][0] for t in removed}
        for r in touched:
            keep = [i for i, t in enumerate(st.seqs[r]) if t not in removed]
            st.seqs[r] = [st.seqs[r][i] for i in keep]
            st.oris[r] = [st.oris[r][i] for i in keep]
            st.fixed(r)
        return sorted(removed)

    def run(
        self,
        st: _State,
        *,
        max_iterations: int | None,
        deadline: float,
        bound: float = 0.0,
        cycle: int | None = None,
        patience: int | None = None,
    ) -> tuple[_State, int]:
        """Anneal from ``st``; ``cycle`` and ``patience`` default to ``_P``'s.

        A caller educating many short runs (routing.population) passes a cycle as
        long as its run, so each run cools down once.
        """
        best, cur = st.copy(), st
        best_key = best.key()
        target = bound + 1e-9 * max(1.0, abs(bound))  # a max at the bound is optimal
        f_cur = self.objective(cur)
        t_hi, t_lo = _P["t_hi"] * self.scale, _P["t_lo"] * self.scale
        cycle = int(_P["cycle"]) if cycle is None else max(1, cycle)
        decay = (t_lo / t_hi) ** (1.0 / cycle)
        it = 0
        last_gain = 0
        if patience is None:
            patience = max(1000, int(_P["patience"]) * self.model.m)
        while True:
            if best_key[0] <= target:
                break
            if it - last_gain >= patience:  # converged: no better solution for that long
                break
            if max_iterations is not None and it >= max_iterations:
                break
            if time.perf_counter() >= deadline:
                break
            phase = it % cycle
            if phase == 0 and it:
                cur, f_cur = best.copy(), self.objective(best)
            temp = t_hi * decay**phase
            cand = cur.copy()
            removed = self.ruin(cand)
            self.recreate(cand, removed)
            f_new = self.objective(cand)
            it += 1
            if f_new <= f_cur + _EPS or f_new < f_cur - temp * math.log(self.rng.random()):
                cur, f_cur = cand, f_new
                key = cur.key()
                if key[0] < best_key[0] - _EPS or (
                    key[0] <= best_key[0] + _EPS and key[1] < best_key[1] - _EPS
                ):
                    best, best_key = cur.copy(), key
                    last_gain = it
        return best, it


def solve_minmax(
    instance: ArcInstance,
    search: SearchParams | None = None,
    *,
    alpha: float | None = None,
    initial: Sequence[Sequence[int]] | None = None,
) -> RoutingResult:
    """Min-max k-team routing: minimise the longest tour, then the total.

    Parameters
    ----------
    instance
        The routing instance (teams, depots, profiles, required edges).
    search
        The budget (:class:`~borderwatch.config.SearchParams`; default a 10 s
        cap, seed 0). ``time_limit_s`` caps the seconds of search, counted
        after the setup (bound, initial solutions): the only wall-clock
        dependence (0 with ``max_iterations``: no cap). ``max_iterations``
        stops after that many ruin-and-recreate iterations (deterministic
        across machines). The search stops earlier once it has converged: no
        better solution (longest tour, then total) in ``max(1000, 40 * tasks)``
        iterations, or as soon as the longest tour equals the lower bound
        (optimal). The same seed and iteration count give the same result.
        On :data:`SERVED_MIN_TASKS` tasks or more where some task is not open to
        every team, a second search follows from the greedy that orders tasks by
        the nearest base of a team that may serve them (:func:`_served_differs`)
        for :data:`SERVED_SHARE` of the count (if that is at least
        ``SERVED_MIN_ITERATIONS``) or of the time limit (which the first search
        then leaves to it); the better of the two is kept (ties: the first).
    alpha
        Weight of the total cost in the search objective ``max + alpha *
        total``; default ``0.1 / k``.
    initial
        A warm start: per team, the required edge ids it serves, in order
        (e.g. tonight's plan when re-planning). Edges it lists that the team
        may not serve, or that no team lists, are added by best insertion; the
        search starts from the better of this and the greedy start (the
        giant-tour start is skipped).

    Returns
    -------
    RoutingResult
        Per-team tasks and walks, costs, lower bound and run statistics.
    """
    t0 = time.perf_counter()
    search = search or SearchParams(time_limit_s=10.0)
    time_limit_s, max_iterations, seed = (
        search.time_limit_s,
        search.max_iterations,
        search.seeded(0),
    )
    if time_limit_s <= 0 and max_iterations is None:
        raise RoutingError(f"time_limit_s must be > 0, got {time_limit_s}")
    model = _Model.of(instance)
    rng = random.Random(seed)
    if alpha is None:
        alpha = _P["alpha"] / model.k
    beta = _P["beta"] / model.k
    bound = lower_bound(instance)
    starts = _starts(model, instance, alpha, beta, initial)
    state = min(starts, key=lambda s: s.key())
    scale = bound if bound > 0 else max(state.key()[0], 1.0)
    logger.debug("initial solutions: %s", [s.key() for s in starts])
    iterations = 0
    # the time limit caps the search itself: setup (bound, initial solutions) does not eat it
    t_search = time.perf_counter()
    end = t_search + time_limit_s if time_limit_s > 0 else math.inf
    second = (
        model.m >= SERVED_MIN_TASKS
        and (max_iterations is None or SERVED_SHARE * max_iterations >= SERVED_MIN_ITERATIONS)
        and _served_differs(model)
    )
    # with a second start, the first search leaves SERVED_SHARE of a time limit to it
    deadline = (
        end
        if not second or max_iterations is not None
        else (t_search + (1.0 - SERVED_SHARE) * time_limit_s)
    )
    if model.m:
        engine = _Search(model, rng, alpha, beta, scale)
        state, iterations = engine.run(
            state, max_iterations=max_iterations, deadline=deadline, bound=bound
        )
        if second and state.key()[0] > bound + 1e-9 * max(1.0, abs(bound)):
            count = None if max_iterations is None else math.ceil(SERVED_SHARE * max_iterations)
            served = _greedy(model, model.serve_dist, alpha, beta)
            other, more = engine.run(served, max_iterations=count, deadline=end, bound=bound)
            iterations += more
            if _better_key(other.key(), state.key()):
                state = other
    search_s = time.perf_counter() - t_search
    seconds = time.perf_counter() - t0
    logger.info(
        "min-max search: %d iterations in %.1f s (setup %.1f s), longest %.1f, bound %.1f",
        iterations,
        search_s,
        t_search - t0,
        state.key()[0],
        bound,
    )
    return _result(instance, model, state, bound, seed, iterations, seconds, search_s)


def _starts(
    model: _Model,
    instance: ArcInstance,
    alpha: float,
    beta: float,
    initial: Sequence[Sequence[int]] | None = None,
) -> list[_State]:
    """The start solutions: the giant tour split, the greedy insertion, a warm start.

    A warm start (``initial``) stands in for the giant-tour start (its postman tour
    is the slow part). The greedy inserts the farthest task first, far from the
    nearest base of any team (``depot_dist``); :func:`solve_minmax` also searches
    from the other order (:func:`_served_differs`).
    """
    starts: list[_State] = []
    giant = (_giant_tour(instance) if model.m else []) if initial is None else None
    if giant is not None:
        pieces = _split(model, giant)
        if pieces is not None:
            starts.append(_State(model, pieces))
    starts.append(_greedy(model, model.depot_dist, alpha, beta))
    if initial is not None:
        starts.append(_warm_state(model, initial, alpha, beta))
    return starts


def _served_differs(model: _Model) -> bool:
    """Whether the greedy from the nearest base of a team that may serve a task is another start.

    :func:`_starts`' greedy orders tasks by the nearest base of any team (``depot_dist``):
    a motorcycle-only link beside a pickup's base goes in last, when the motorcycles
    that may take it are full. 1,000 km seed 7 sector 2 starts at 270.7 min (T38 with
    three such links) and 1,500 iterations keep it in 8 of 12 seeds; 150 iterations from
    the other order (``serve_dist``) reach 225.8. That start is not simply the better
    one (305.8 there; on Ningming its 96.4 beats 102.0, yet 200 iterations from it end at
    89.97 against 88.22), so :func:`solve_minmax` searches from it for a
    :data:`SERVED_SHARE` of its budget after the first search and keeps the better.
    False when every task is open to every team's base alike (the same order).
    """
    return not np.array_equal(model.serve_dist, model.depot_dist)


def _better_key(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """``a`` beats ``b``: a shorter longest tour, or the same and a smaller total (by _EPS)."""
    return a[0] < b[0] - _EPS or (a[0] <= b[0] + _EPS and a[1] < b[1] - _EPS)


def _greedy(model: _Model, far: np.ndarray, alpha: float, beta: float) -> _State:
    """Best insertion of every task, the largest ``far`` first (ties: task order)."""
    greedy = _State(model, [[] for _ in range(model.k)])
    order = list(range(model.m))
    order.sort(key=lambda t: -far[t])
    for t in order:
        greedy.insert_best(t, alpha, beta, 1.0)
    for r in range(model.k):
        greedy.refresh(r)
    return greedy


def _warm_state(
    model: _Model, initial: Sequence[Sequence[int]], alpha: float, beta: float
) -> _State:
    """A start from given per-team edge lists; missing or disallowed edges by best insertion."""
    if len(initial) != model.k:
        raise RoutingError(f"initial: {len(initial)} edge lists for {model.k} teams")
    pos = {int(e): i for i, e in enumerate(model.req)}
    seqs: list[list[int]] = []
    placed: set[int] = set()
    for r, edges in enumerate(initial):
        seq = []
        for e in edges:
            t = pos.get(int(e))
            if t is not None and t not in placed and model.allowed[r, t]:
                seq.append(t)
                placed.add(t)
        seqs.append(seq)
    warm = _State(model, seqs)
    rest = [t for t in range(model.m) if t not in placed]
    rest.sort(key=lambda t: -model.depot_dist[t])
    for t in rest:
        warm.insert_best(t, alpha, beta, 1.0)
    for r in range(model.k):
        warm.refresh(r)
    return warm


def _result(
    inst: ArcInstance,
    model: _Model,
    st: _State,
    bound: float,
    seed: int,
    iterations: int,
    seconds: float,
    search_s: float = 0.0,
) -> RoutingResult:
    tasks, walks, costs = [], [], []
    for r in range(inst.n_teams):
        mine, steps, c = _walk(inst, model, r, st.seqs[r], st.oris[r])
        tasks.append(tuple(mine))
        walks.append(tuple(steps))
        costs.append(c)
    return RoutingResult(
        tasks=tuple(tasks),
        walks=tuple(walks),
        team_cost=tuple(costs),
        max_cost=max(costs),
        total_cost=float(sum(costs)),
        lower_bound=bound,
        seconds=seconds,
        iterations=iterations,
        seed=seed,
        search_s=search_s,
    )


def balance_loops(
    instance: ArcInstance,
    result: RoutingResult,
    *,
    max_moves: int = 5000,
    min_gain: float = 1.0,
) -> RoutingResult:
    """Second stage: hand tasks of long tours to shorter ones while the longer of the two shrinks.

    The min-max stage fixes the longest tour; it gives no reason to use a team
    that cannot lower it, so teams near the border but off the critical
    stretch get short or empty tours. This stage takes tasks off a tour and
    gives them to another team whenever the longer of the two tours gets
    shorter (a leximax descent on the sorted tour costs): the longest tour
    never grows, every other long loop shrinks where a team can take part of
    it over, and idle capacity goes to work. Tours are re-oriented and 2-opted
    after each move.

    Parameters
    ----------
    instance
        The routing instance.
    result
        A result of :func:`solve_minmax` on ``instance``.
    max_moves
        Cap on moves (each strictly lowers the sorted cost vector, so the
        stage also stops by itself).
    min_gain
        Smallest shortening (cost units, seconds for patrol instances) worth a move.

    Returns
    -------
    RoutingResult
        Every required edge still served exactly once; ``max_cost`` not above
        the input's; the input's lower bound, seconds and iterations (plus the moves).
    """
    t0 = time.perf_counter()
    model = _Model.of(instance)
    if model.m == 0:
        return result
    pos = {int(e): i for i, e in enumerate(model.req)}
    st = _State(model, [[pos[int(e)] for e, _ in tasks] for tasks in result.tasks])
    alpha = _P["alpha"] / model.k
    table = _Relocations(st, alpha)
    moves = 0
    while moves < max_moves:
        order = np.argsort(-st.cost, kind="stable")
        if not any(table.move_from(int(r), min_gain) for r in order):
            break
        moves += 1
    if st.cost.max() > result.max_cost + 1e-6:  # pragma: no cover - guarded by the move rule
        return result
    out = _result(
        instance,
        model,
        st,
        result.lower_bound,
        result.seed,
        result.iterations + moves,
        result.seconds + time.perf_counter() - t0,
        result.search_s,
    )
    logger.info(
        "balance: %d moves, longest %.1f -> %.1f, shortest %.1f -> %.1f",
        moves,
        result.max_cost,
        out.max_cost,
        min(result.team_cost),
        min(out.team_cost),
    )
    return out


def _walk(
    inst: ArcInstance, model: _Model, r: int, seq: list[int], ori: list[int]
) -> tuple[list[tuple[int, bool]], list[tuple[int, bool]], float]:
    """Tasks, closed walk (shortest-path deadheading) and cost of team ``r`` serving ``seq``.

    A depot tour starts and ends at the base; a circuit (circuit mode) at the start
    of its first task.
    """
    p = int(inst.team_profile[r])
    depot = node = int(inst.depots[r])
    if model.circuit and seq:
        e0 = int(model.req[seq[0]])
        depot = node = int(inst.u[e0]) if ori[0] == 0 else int(inst.v[e0])
    # the deadhead paths between consecutive tasks, rebuilt in one batch
    pairs: list[tuple[int, int]] = []
    where: list[int] = []  # for each task: index of the path before it, or -1
    mine = []
    for t, o in zip(seq, ori, strict=True):
        e = int(model.req[t])
        fwd = o == 0
        a, b = (int(inst.u[e]), int(inst.v[e])) if fwd else (int(inst.v[e]), int(inst.u[e]))
        where.append(len(pairs) if a != node else -1)
        if a != node:
            pairs.append((node, a))
        mine.append((e, fwd))
        node = b
    if node != depot:
        pairs.append((node, depot))
    paths = inst.paths(p, pairs) if pairs else []
    steps: list[tuple[int, bool]] = []
    for (e, fwd), w in zip(mine, where, strict=True):
        if w >= 0:
            steps += paths[w]
        steps.append((e, fwd))
    if node != depot:
        steps += paths[-1]
    c = float(sum(float(inst.cost[p, e]) for e, _ in steps))
    if not math.isfinite(c):
        raise RoutingError(f"team {inst.team_label(r)}: no feasible tour found")
    return mine, steps, c


def extend_tour(
    instance: ArcInstance,
    team: int,
    edges: list[int],
    value: np.ndarray,
    *,
    target: float,
    max_cost: float = math.inf,
) -> tuple[list[tuple[int, bool]], list[tuple[int, bool]], float]:
    """Grow ``team``'s tour by required edges worth another pass until it costs ``target``.

    Greedy: the allowed required edge (not yet in the tour) with the largest
    ``value`` per second of added driving at its cheapest position and
    orientation, while the tour stays within ``max_cost``; orientations are
    re-optimised after each insertion. A greedy ratio rule is enough here: the
    tour is short (below the minimum loop) and only needs to reach ``target``.

    Parameters
    ----------
    instance
        The routing instance.
    team
        Index of the team whose tour is extended.
    edges
        Required edge ids the team serves now, in order.
    value
        Worth of one more pass over each required edge (``instance.required_edges``
        order); edges of value 0 are not added.
    target
        Stop once the tour costs at least this much.
    max_cost
        Never grow the tour beyond this.

    Returns
    -------
    tasks : list of (int, bool)
        Served edges in order with their direction.
    walk : list of (int, bool)
        The closed walk from the team's depot.
    cost : float
        Its cost.
    """
    model = _Model.of(instance)
    pos = {int(e): i for i, e in enumerate(model.req)}
    seq = [pos[int(e)] for e in edges]
    cost, ori = model.route_dp(team, seq)
    p = int(model.slot[team])
    Dp = model.D[p]
    value = np.asarray(value, dtype=float)
    while cost < target:
        cand = np.flatnonzero(model.allowed[team] & (value > 0))
        cand = cand[~np.isin(cand, seq)]
        if len(cand) == 0:
            break
        prev, nxt, base = model.route_arrays(team, seq, ori)
        S, E = model.S[cand], model.E[cand]
        with np.errstate(invalid="ignore"):
            d = np.stack(
                [Dp[prev[None, :], S[:, o, None]] + Dp[E[:, o, None], nxt[None, :]] for o in (0, 1)]
            ) + (model.serv[p, cand][None, :, None] - base[None, None, :])
        if model.circuit and not seq:  # an empty circuit: the task and back to its start
            d = np.stack([model.serv[p, cand] + Dp[E[:, o], S[:, o]] for o in (0, 1)])[:, :, None]
        d = np.where(np.isnan(d), np.inf, d)
        delta = d.min(axis=(0, 2))
        ok = np.isfinite(delta) & (cost + delta <= max_cost + _EPS)
        if not ok.any():
            break
        ratio = np.where(ok, value[cand] / np.maximum(delta, 1.0), -np.inf)
        i = int(np.argmax(ratio))
        o, at = np.unravel_index(int(np.argmin(d[:, i, :])), d[:, i, :].shape)
        seq.insert(int(at), int(cand[i]))
        ori.insert(int(at), int(o))
        cost, ori = model.route_dp(team, seq)
    tasks, walk, c = _walk(instance, model, team, seq, ori)
    return tasks, walk, c
