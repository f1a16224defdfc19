"""A lower bound that knows which team can reach what: links x teams assignment MILP with cuts.

The bounds of :mod:`borderwatch.routing.bounds` ignore the bases and the
vehicle restrictions (the round trip takes the cheapest team for every link,
the average spreads the work over every team), so with many bases and
vehicle profiles they are weak (Ningming: 64 min against an optimum of 88).
:func:`assignment_bound` assigns every required link to one team allowed to
drive it and bounds the longest loop ``z`` of any assignment:

* **round trip**: ``z >= rt[t, e] * x[t, e]``, a team serving ``e`` drives at
  least from its base to ``e`` and back;
* **additive**: ``z >= sum_e a[t, e] * x[t, e]`` where ``a[t, e]`` is the
  service of ``e`` plus the cheapest way into it from anything team ``t`` may
  come from (its base or the end of another link it may serve): every link of
  a tour is entered once;
* **subset cuts**, added lazily: when the MILP gives team ``t`` a set ``S``,
  the exact cost ``c_t(S)`` of the best tour serving ``S`` (every order, best
  orientations, shortest-path deadheading), for ``S`` itself when
  ``|S| <= max_exact`` and for its pairs and triples, gives
  ``z >= c_t(S) * (sum_{e in S} x[t, e] - |S| + 1)``. A tour serving a
  superset of ``S`` costs at least ``c_t(S)`` (shortest-path costs obey the
  triangle inequality), so every cut is valid for every assignment. The
  Held-Karp table of ``S`` holds the cost of every subset of ``S``, so the
  smallest subsets whose cost exceeds the current ``z`` get cuts too, and a
  lifted cut ``z >= c_t(S) - sum_{l in S} w_l (1 - x[t, l])`` (weights checked
  exactly over all subsets) binds assignments holding only part of ``S``;
* **incumbent**: with a known longest tour, pairs whose round trip exceeds
  it are left out and ``z`` is capped by it; the result is capped likewise.

Each round solves the MILP with HiGHS (:func:`scipy.optimize.milp`) and
takes its dual bound, which is valid even when a round is stopped by the
time box; the result is never below :func:`~borderwatch.routing.bounds.lower_bound`.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from borderwatch.routing.bounds import lower_bound
from borderwatch.routing.instance import ArcInstance
from borderwatch.routing.minmax import _Model

__all__ = [
    "SCALED_GAP_FROM",
    "SCALED_LINK_ROUNDS",
    "SCALED_MAX_ROUNDS",
    "SCALED_MIN_ROUNDS",
    "SCALED_REL_GAP",
    "WHOLE_UP_TO",
    "WINDOW_ROUNDS",
    "assignment_bound",
    "subset_cost",
]

logger = logging.getLogger(__name__)

#: Up to this many links the bound's MILP holds every link at once.
WHOLE_UP_TO = 150
#: Beyond, about this many link-rounds (rounds = SCALED_LINK_ROUNDS / links, between
#: :data:`SCALED_MIN_ROUNDS` and :data:`SCALED_MAX_ROUNDS`), each MILP stopped at a relative
#: gap of :data:`SCALED_REL_GAP`: a count, so the bound is the same on every run.
SCALED_LINK_ROUNDS = 4000
SCALED_MIN_ROUNDS = 3
SCALED_MAX_ROUNDS = 10
#: Relative MIP gap at which HiGHS stops a round beyond :data:`SCALED_GAP_FROM` links.
SCALED_REL_GAP = 0.05
#: Beyond :data:`WHOLE_UP_TO` and up to this many links the scaled rounds are solved to
#: HiGHS's default gap: at 500 km (241 links) ten such rounds take ~8 s against ~6 s
#: at the 5 % gap and bound 197.4 min instead of 191.2 (the 5 % gap lets the dual
#: bound lag the rounds' ``z``); beyond, rounds of ~1,000 links are too slow for it.
SCALED_GAP_FROM = 400
#: Rounds of the window bound (:func:`_window_bound`) after the scaled rounds, between
#: :data:`WHOLE_UP_TO` and :data:`SCALED_GAP_FROM` links: at 500 km (241 links, loop
#: 219.1 min) the window of the bottleneck team (167 links) reaches 205.5 min in 20
#: rounds, where the whole MILP's 10 rounds stop at 199.1 and more of them plateau at ~200.
WINDOW_ROUNDS = 20


def subset_cost(instance: ArcInstance, team: int, tasks: list[int]) -> float:
    """Exact cost of ``team``'s best tour serving the required edges ``tasks`` (positions).

    Exact by dynamic programming over subsets (Held-Karp with orientations), so
    keep ``tasks`` short (at most about 13).
    """
    return _exact(_Model.of(instance), team, tasks)


def _exact(model: _Model, team: int, tasks: list[int]) -> float:
    """Exact cost of ``team``'s best tour serving ``tasks`` (see :func:`_exact_all`)."""
    if not tasks:
        return 0.0
    return float(_exact_all(model, team, tasks)[-1])


def _exact_all(model: _Model, team: int, tasks: list[int]) -> np.ndarray:
    """Held-Karp dynamic programme over subsets, with two orientations per task.

    ``dp[mask, j, o]``: cheapest walk from the base serving the tasks of
    ``mask``, the last one ``j`` driven in orientation ``o``. Written out here
    (no library solves this arc variant exactly); ``2**n * (2n)**2`` work, so
    for sets of up to about 13 tasks.

    Returns
    -------
    numpy.ndarray
        ``cost[mask]``, the exact cost of the best tour serving the tasks of
        ``mask`` (bit ``j`` for ``tasks[j]``), for every subset at once: the
        programme computes them all on its way to the full set.
    """
    n = len(tasks)
    if n == 0:
        return np.zeros(1)
    if model.circuit:
        return _exact_circuits(model, team, tasks)
    p, d = int(model.slot[team]), int(model.dep[team])
    Dp = model.D[p]
    sq = np.asarray(tasks, dtype=np.int64)
    st, en = model.S[sq], model.E[sq]  # (n, 2) start / end key node per orientation
    serv = model.serv[p, sq]
    if not np.isfinite(serv).all():
        none = np.full(1 << n, np.inf)
        none[0] = 0.0
        return none
    # hop[j, o, l, q]: from the end of j (orientation o) to the start of l (orientation q)
    hop = Dp[en[:, :, None, None], st[None, None, :, :]] + serv[None, None, :, None]
    hop = hop.reshape(2 * n, 2 * n)
    first = (Dp[d, st] + serv[:, None]).reshape(2 * n)
    back = Dp[en, d].reshape(2 * n)
    full = (1 << n) - 1
    dp = np.full((1 << n, 2 * n), np.inf)
    for j in range(n):
        dp[1 << j, 2 * j : 2 * j + 2] = first[2 * j : 2 * j + 2]
    masks = np.arange(full + 1)
    member = ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    size = member.sum(axis=1)
    # all subsets of one size at once: each extends only to the next size, so a layer is
    # complete when the one below it has been spread (the same sums and minima as one
    # subset at a time, in any order)
    for k in range(1, n):
        layer = masks[size == k]
        rows = dp[layer]
        live = np.isfinite(rows).any(axis=1)
        layer, rows = layer[live], rows[live]
        if not len(layer):
            continue
        # (B, 2n): best arrival at each (task, orientation) after each subset
        nxt = np.min(rows[:, :, None] + hop[None, :, :], axis=1)
        at, nt = np.nonzero(~member[layer])
        m2 = layer[at] | (1 << nt)
        for o in (0, 1):
            np.minimum.at(dp, (m2, 2 * nt + o), nxt[at, 2 * nt + o])
    out: np.ndarray = np.min(dp + back[None, :], axis=1)
    out[0] = 0.0
    return out


def _exact_circuits(model: _Model, team: int, tasks: list[int]) -> np.ndarray:
    """:func:`_exact_all` for circuits: the best closed walk through every subset.

    A circuit has no base leg: it is rotated to start at the subset's lowest task
    (bit), in either orientation. ``dp[mask, (j, o), o0]``: cheapest path serving
    the tasks of ``mask`` from the start of its lowest task ``f`` (orientation
    ``o0``) to the end of ``j`` (orientation ``o``); a path grows only by tasks of
    higher bits than ``f``, so ``f`` stays its first task. ``cost[mask]`` adds the
    closing deadhead from the end of ``j`` back to the start of ``f``. Every circuit
    through the subset is such a rotated path plus its closing, so each entry is the
    exact circuit cost (the same ``2**n * (2n)**2`` work, twice).
    """
    n = len(tasks)
    p = int(model.slot[team])
    Dp = model.D[p]
    sq = np.asarray(tasks, dtype=np.int64)
    st, en = model.S[sq], model.E[sq]
    serv = model.serv[p, sq]
    full = (1 << n) - 1
    if not np.isfinite(serv).all():
        none = np.full(1 << n, np.inf)
        none[0] = 0.0
        return none
    hop = Dp[en[:, :, None, None], st[None, None, :, :]] + serv[None, None, :, None]
    hop = hop.reshape(2 * n, 2 * n)
    close = Dp[en.reshape(2 * n)[:, None], st.reshape(2 * n)[None, :]]  # (j,o) -> (f,o0)
    dp = np.full((1 << n, 2 * n, 2), np.inf)
    for j in range(n):
        for o in (0, 1):
            dp[1 << j, 2 * j + o, o] = serv[j]
    masks = np.arange(full + 1)
    member = ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    size = member.sum(axis=1)
    low = np.argmax(member, axis=1)  # lowest bit of each (non-empty) mask
    for k in range(1, n):
        layer = masks[size == k]
        rows = dp[layer]  # (B, 2n, 2)
        live = np.isfinite(rows).any(axis=(1, 2))
        layer, rows = layer[live], rows[live]
        if not len(layer):
            continue
        nxt = np.min(rows[:, :, None, :] + hop[None, :, :, None], axis=1)  # (B, 2n, 2)
        at, nt = np.nonzero(~member[layer] & (np.arange(n)[None, :] > low[layer][:, None]))
        m2 = layer[at] | (1 << nt)
        for o in (0, 1):
            np.minimum.at(dp, (m2, 2 * nt + o), nxt[at, 2 * nt + o])
    first = 2 * low[:, None] + np.arange(2)[None, :]  # (M, 2): the (f, o0) columns
    closing = close[:, first].transpose(1, 0, 2)  # (M, 2n, 2)
    out: np.ndarray = np.min(dp + closing, axis=(1, 2))
    out[0] = 0.0
    return out


def _lifted_weights(costs: np.ndarray, n: int) -> np.ndarray | None:
    """Weights ``w`` of a valid lifted cut ``z >= c(S) - sum_{l in S} w_l (1 - x_l)``.

    ``costs[mask]`` is the exact cost of every subset ``R`` of ``S`` (from
    :func:`_exact_all`). The cut is valid for every assignment iff, for every
    ``R``, ``c(S) - sum_{l not in R} w_l <= c(R)`` (a team serving a set ``T``
    with ``T & S = R`` costs at least ``c(R)``). Start from the removal
    marginals ``c(S) - c(S - l)``, scale them up by the worst violation over
    all ``2**n`` subsets (checked exactly here, so the cut is valid by
    construction), and clip at ``c(S)`` (which keeps it valid: a subset missing
    a clipped link already meets the cut through ``z >= 0``). ``None`` when the
    cut would be no stronger than the plain one (every weight ``c(S)``).
    """
    full = (1 << n) - 1
    cs = float(costs[full])
    if not np.isfinite(cs) or cs <= 0 or n < 2:
        return None
    bits = (np.arange(1 << n)[:, None] >> np.arange(n)[None, :]) & 1  # (2**n, n)
    w: np.ndarray = np.maximum(cs - costs[full ^ (1 << np.arange(n))], 0.0)
    need = cs - costs[:full]  # (2**n - 1,) what the missing links must pay for, per R
    pay = (1 - bits[:full]) @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(need > 1e-9, need / np.where(pay > 0, pay, 1e-300), 0.0)
    alpha = max(1.0, float(ratio.max()))
    w = np.asarray(np.minimum(w * alpha * (1 + 1e-9), cs), dtype=float)
    # exact re-check (guards rounding and the clip): every subset meets the cut
    if np.any(cs - (1 - bits[:full]) @ w > costs[:full] + 1e-6):
        return None
    if np.all(w >= cs - 1e-9):
        return None
    return w


def _minimal(costs: np.ndarray, zval: float, limit: int) -> list[tuple[int, ...]]:
    """The smallest subsets (bit positions) whose exact cost exceeds ``zval``, all of whose
    one-smaller subsets do not: the tightest subset cuts the table offers, at no extra
    Held-Karp run. At most ``limit``, fewest links first, then by mask (deterministic).
    """
    size = len(costs)
    n = size.bit_length() - 1
    masks = np.arange(size)
    viol = costs > zval + 1e-6
    minimal = viol.copy()
    for b in range(n):
        has = ((masks >> b) & 1).astype(bool)
        minimal &= ~(has & viol[masks ^ (1 << b)])
    found = np.flatnonzero(minimal)
    pop = np.array([bin(int(q)).count("1") for q in found], dtype=np.int64)
    order = np.lexsort((found, pop))[:limit]
    return [tuple(b for b in range(n) if (int(found[i]) >> b) & 1) for i in order]


def assignment_bound(
    instance: ArcInstance,
    *,
    time_limit_s: float = 10.0,
    max_rounds: int = 40,
    max_exact: int = 12,
    incumbent: float | None = None,
    lifted: bool = True,
    n_min: int = 30,
    basic: float | None = None,
    prune: bool = True,
    whole_up_to: int = WHOLE_UP_TO,
    gap_from: int = SCALED_GAP_FROM,
    window_rounds: int = WINDOW_ROUNDS,
) -> float:
    """Lower bound on the longest tour from the assignment MILP with subset cuts.

    Parameters
    ----------
    instance
        The routing instance.
    time_limit_s
        Time box for all rounds; on timeout the best dual bound so far is returned.
    max_rounds
        Most rounds of adding cuts and solving again.
    max_exact
        Sets up to this size get an exact-cost cut; every set also gets cuts
        for its pairs and (up to 10 links) triples.
    incumbent
        The best known longest tour: the rounds stop once the bound reaches it
        (a proven optimum; it depends on values, not on time).
    lifted
        Add, beside each exact-cost cut of a set ``S``, the lifted cut
        ``z >= c(S) - sum_{l in S} w_l (1 - x_l)`` (see :func:`_lifted_weights`).
    n_min
        Most minimal violated subsets of each set (read from its Held-Karp
        table, no extra run) that get a cut per team and round.
    prune
        With ``incumbent``: leave out the pairs (team, link) whose round trip
        alone exceeds it; the result is then capped at ``incumbent``.
    basic
        :func:`~borderwatch.routing.bounds.lower_bound` of ``instance`` if the
        caller has it already (the solver's result carries it); computed otherwise.
    whole_up_to
        Largest number of links bounded with ``max_rounds`` rounds, each MILP solved
        to HiGHS's default gap. Beyond, the bound is made scale-aware so that it
        stays deterministic (a count of rounds, never the time cap: a single round of
        hundreds of links and teams takes seconds and grows with the cuts, and a bound
        stopped by time differs between runs): ``SCALED_LINK_ROUNDS / links`` rounds
        (between 3 and 10; 500 km: 10, 1,000 km: 8, 2,000 km: 4), beyond ``gap_from``
        links each MILP stopped at a relative gap of :data:`SCALED_REL_GAP`. Its dual bound stays valid (HiGHS's proven bound,
        not the solution's value), and the cuts of a non-optimal solution are valid
        cuts all the same.
    gap_from
        Beyond ``whole_up_to`` and up to this many links the scaled rounds solve each
        MILP to HiGHS's default gap; beyond it, to :data:`SCALED_REL_GAP`.
    window_rounds
        Beyond ``whole_up_to`` and up to ``gap_from`` links, with an incumbent: rounds
        of the window bound (:func:`_window_bound`) of the bottleneck team of the last
        scaled round; the larger bound counts. 0 skips it.

    Returns
    -------
    float
        ``max(lower_bound(instance), MILP dual bound)``; never above the optimum.
    """
    t0 = time.perf_counter()
    base = lower_bound(instance) if basic is None else basic
    model = _Model.of(instance)
    m, k = model.m, model.k
    if m == 0 or k == 0:
        return base
    deadline = t0 + time_limit_s
    rounds = functools.partial(
        _rounds,
        model,
        deadline=deadline,
        max_exact=max_exact,
        incumbent=incumbent,
        lifted=lifted,
        n_min=n_min,
        prune=prune,
    )
    if m <= whole_up_to:
        best, pruned, cuts = rounds(base=base, max_rounds=max_rounds)
    else:
        scaled = min(SCALED_MAX_ROUNDS, max(SCALED_MIN_ROUNDS, round(SCALED_LINK_ROUNDS / m)))
        heavy: list[int] = []
        best, pruned, cuts = rounds(
            base=base,
            max_rounds=min(max_rounds, scaled),
            rel_gap=None if m <= gap_from else SCALED_REL_GAP,
            heavy=heavy,
        )
        window = window_rounds > 0 and m <= gap_from and prune and bool(heavy)
        if window and incumbent is not None and best < incumbent - 1e-6:
            wbest, wpruned, wcuts = _window_bound(
                model, heavy[0], rounds, base=base, max_rounds=window_rounds
            )
            best, pruned, cuts = max(best, wbest), pruned or wpruned, cuts + wcuts
    logger.info(
        "assignment bound: %.1f (basic %.1f), %d cuts, %.1f s",
        best,
        base,
        cuts,
        time.perf_counter() - t0,
    )
    if time.perf_counter() >= deadline - 0.05:
        logger.warning(
            "assignment bound stopped by its %.0f s cap before its last round: the bound "
            "%.1f is valid but may differ between runs (give a larger cap)",
            time_limit_s,
            best,
        )
    if pruned:
        best = min(best, float(incumbent))  # type: ignore[arg-type]
    return best


def _trip_weights(
    model: _Model, incumbent: float | None, prune: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Round trip and additive weights per (team, task), the pairs kept, and whether any was pruned."""
    m, k = model.m, model.k
    allowed = model.allowed  # (k, m)
    rt = np.full((k, m), np.inf)
    add = np.full((k, m), np.inf)
    s, e = model.S, model.E  # (m, 2)
    for t in range(k):
        p, d = int(model.slot[t]), int(model.dep[t])
        Dp = model.D[p]
        ok = allowed[t]
        if not ok.any():
            continue
        if model.circuit:  # the one-task circuit: the task and back to its start
            trip = np.minimum(Dp[e[:, 0], s[:, 0]], Dp[e[:, 1], s[:, 1]])
        else:
            trip = np.minimum(Dp[d, s[:, 0]] + Dp[e[:, 0], d], Dp[d, s[:, 1]] + Dp[e[:, 1], d])
        rt[t] = np.where(ok, model.serv[p] + trip, np.inf)
    usable = np.isfinite(rt)
    pruned = False
    if incumbent is not None and prune:
        # a team whose round trip to a link exceeds the incumbent never serves it in an
        # assignment better than the incumbent; the optimum is either such an assignment
        # or the incumbent itself, so the bound stays valid once capped at the incumbent
        near = usable & (rt <= incumbent + 1e-6)
        if near.any(axis=0).all():
            pruned = bool((usable & ~near).any())
            usable = near
    for t in range(k):
        # cheapest entry into each task: from the base or the end of another allowed task;
        # a task entered from its own far end is no cheaper than from another's: keep the
        # min. Only the pairs kept need it (the columns of the other tasks are not read).
        cols = np.flatnonzero(usable[t])
        if not len(cols):
            continue
        p, d = int(model.slot[t]), int(model.dep[t])
        # a circuit enters each task from the end of a task (itself, alone): no base
        ends = (
            e[allowed[t]].ravel() if model.circuit else np.concatenate([e[allowed[t]].ravel(), [d]])
        )
        into = np.min(model.D[p][np.ix_(ends, s[cols].ravel())], axis=0)
        add[t, cols] = model.serv[p, cols] + into.reshape(len(cols), 2).min(axis=1)
    return rt, add, usable, pruned


class _Rows:
    """The constraint matrix as flat coordinate lists that grow with the cuts."""

    def __init__(self) -> None:
        self.r: list[int] = []
        self.c: list[int] = []
        self.v: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, idx: list[int], vals: list[float], a: float, b: float) -> None:
        self.r.extend([len(self.lo)] * len(idx))
        self.c.extend(idx)
        self.v.extend(vals)
        self.lo.append(a)
        self.hi.append(b)

    def constraint(self, n: int) -> LinearConstraint:
        A = coo_array((self.v, (self.r, self.c)), shape=(len(self.lo), n)).tocsr()
        return LinearConstraint(A, np.array(self.lo), np.array(self.hi))


class _Cuts:
    """Subset cuts of one assignment MILP: exact tour costs (cached) and the cuts already added."""

    def __init__(self, model: _Model, *, max_exact: int, lifted: bool, n_min: int) -> None:
        self.model = model
        self.max_exact = max_exact
        self.lifted = lifted
        self.n_min = n_min
        self.seen: set[tuple[int, tuple[int, ...]]] = set()
        self.exact_cache: dict[tuple[int, tuple[int, ...]], float] = {}
        self.table_cache: dict[tuple[int, tuple[int, ...]], np.ndarray] = {}

    def exact(self, t: int, s: tuple[int, ...]) -> float:
        key = (t, s)
        if key not in self.exact_cache:
            self.exact_cache[key] = _exact(self.model, t, list(s))
        return self.exact_cache[key]

    def exact_all(self, t: int, s: tuple[int, ...]) -> np.ndarray:
        key = (t, s)
        if key not in self.table_cache:
            self.table_cache[key] = _exact_all(self.model, t, list(s))
            self.exact_cache[key] = float(self.table_cache[key][-1])
        return self.table_cache[key]

    def subsets(self, t: int, got: tuple[int, ...], zval: float) -> tuple[list, np.ndarray | None]:
        """The set itself when small, its minimal violated subsets, pairs and triples."""
        # the cuts of the subsets also bind the other assignments that contain them
        table: np.ndarray | None = None
        subsets: list[tuple[int, ...]] = []
        if len(got) <= self.max_exact:
            table = self.exact_all(t, got)
            subsets = [got]
            subsets += [tuple(got[b] for b in bs) for bs in _minimal(table, zval, self.n_min)]
        subsets += list(itertools.combinations(got, 2))
        if len(got) <= 10:
            subsets += list(itertools.combinations(got, 3))
        return subsets, table

    def add_team(
        self, rows: _Rows, col: dict[tuple[int, int], int], z: int, t: int, got: tuple, zval: float
    ) -> int:
        """Add the cuts that team ``t``'s set ``got`` violates at ``zval``; return how many."""
        subsets, table = self.subsets(t, got, zval)
        pos = {j: b for b, j in enumerate(got)}
        added = 0
        for q in subsets:
            if (t, q) in self.seen:
                continue
            if table is not None:
                cost = float(table[sum(1 << pos[j] for j in q)])
                self.exact_cache.setdefault((t, q), cost)
            else:
                cost = self.exact(t, q)
            if cost <= zval + 1e-6:
                continue
            self.seen.add((t, q))
            # z >= cost * (sum_{e in q} x[t, e] - |q| + 1)
            idx = [col[(t, j)] for j in q]
            rows.add([z, *idx], [1.0, *[-cost] * len(idx)], cost * (1 - len(q)), math.inf)
            added += 1
            if q == got and table is not None and self.lifted:
                w = _lifted_weights(table, len(got))
                if w is not None:
                    # z >= c(S) - sum w_l (1 - x_l)  <=>  z - sum w_l x_l >= c(S) - sum w_l
                    rows.add([z, *idx], [1.0, *(-w).tolist()], cost - float(w.sum()), math.inf)
                    added += 1
        return added


def _base_rows(
    model: _Model,
    rt: np.ndarray,
    add: np.ndarray,
    col: dict[tuple[int, int], int],
    team_cols: list[list[tuple[int, int]]],
    z: int,
) -> _Rows:
    """One team per task, the round-trip rows and the additive row of each team."""
    rows = _Rows()
    served = {j for _, j in col}
    for j in range(model.m):
        if j not in served:  # outside the window: no team must serve it
            continue
        idx = [col[(t, j)] for t in range(model.k) if (t, j) in col]
        rows.add(idx, [1.0] * len(idx), 1.0, 1.0)
    for (t, j), i in col.items():  # round trip: z - rt x >= 0
        rows.add([z, i], [1.0, -float(rt[t, j])], 0.0, math.inf)
    for t in range(model.k):  # additive per team: z - sum a x >= 0
        if team_cols[t]:
            rows.add(
                [z, *[i for _, i in team_cols[t]]],
                [1.0, *[-float(add[t, j]) for j, _ in team_cols[t]]],
                0.0,
                math.inf,
            )
    return rows


def _rounds(
    model: _Model,
    *,
    base: float,
    deadline: float,
    max_rounds: int,
    rel_gap: float | None = None,
    max_exact: int,
    incumbent: float | None,
    lifted: bool,
    n_min: int,
    prune: bool,
    window: np.ndarray | None = None,
    heavy: list[int] | None = None,
) -> tuple[float, bool, int]:
    """The rounds of :func:`assignment_bound`.

    Returns the bound, whether pairs were pruned by the incumbent (the bound must then be
    capped at it) and the number of cuts. With ``rel_gap`` each MILP stops at that
    relative gap: only its dual bound counts then (the solution's ``z`` may lie above
    the relaxation's optimum). With ``window`` (a boolean mask over the tasks) only the
    tasks of the window must be served: the bound of a relaxation (see
    :func:`_window_bound`). ``heavy``, if given, receives the team whose set in the last
    solved round has the costliest tour (the bottleneck of the relaxation).
    """
    k = model.k
    rt, add, usable, pruned = _trip_weights(model, incumbent, prune)
    if window is not None:
        usable = usable & window[None, :]
    pairs = [(t, j) for t in range(k) for j in range(model.m) if usable[t, j]]
    nx = len(pairs)
    col = {pr: i for i, pr in enumerate(pairs)}
    # the columns of each team, by task (pairs are team-major, tasks ascending)
    team_cols: list[list[tuple[int, int]]] = [[] for _ in range(k)]
    for i, (t, j) in enumerate(pairs):
        team_cols[t].append((j, i))
    z = nx  # index of z
    n = nx + 1
    rows = _base_rows(model, rt, add, col, team_cols, z)
    c = np.zeros(n)
    c[z] = 1.0
    integrality = np.ones(n)
    integrality[z] = 0
    # with an incumbent, only assignments no worse than it matter (the result is capped)
    ztop = math.inf if incumbent is None or not prune else float(incumbent) + 1e-6
    pruned = pruned or math.isfinite(ztop)
    bounds = Bounds(np.r_[np.zeros(nx), base], np.r_[np.ones(nx), max(ztop, base)])
    best = base
    cuts = _Cuts(model, max_exact=max_exact, lifted=lifted, n_min=n_min)
    for rnd in range(max_rounds):
        left = deadline - time.perf_counter()
        if left <= 0.05:
            break
        res = milp(
            c,
            constraints=rows.constraint(n),
            integrality=integrality,
            bounds=bounds,
            options={"time_limit": left, "disp": False}
            | ({} if rel_gap is None else {"mip_rel_gap": rel_gap}),
        )
        dual = getattr(res, "mip_dual_bound", None)
        if dual is not None and np.isfinite(dual):
            best = max(best, float(dual))
        if res.x is None or res.status not in (0, 1):
            break
        if res.status == 1:  # time box hit inside the round: keep its dual bound
            break
        if incumbent is not None and best >= incumbent - 1e-6:
            break
        x = res.x[:nx] > 0.5
        zval = float(res.x[z])
        added = 0
        top = -1.0
        for t in range(k):
            got = tuple(j for j, i in team_cols[t] if x[i])
            if not got:
                continue
            # a tour serving got costing at most z bounds every subset too: no cut violated
            upper = _tour_upper(model, t, got)
            if heavy is not None and upper > top:
                top = upper
                heavy[:] = [t]
            if upper > zval + 1e-6:
                added += cuts.add_team(rows, col, z, t, got, zval)
        logger.debug(
            "assignment bound round %d: z %.1f, dual %.1f, %d cuts", rnd, zval, best, added
        )
        if added == 0:
            if rel_gap is None:
                best = max(best, zval)  # solved to optimality with every cut satisfied
            break
    return best, pruned, len(cuts.seen)


def _window_bound(
    model: _Model,
    team: int,
    rounds: functools.partial[tuple[float, bool, int]],
    *,
    base: float,
    max_rounds: int,
) -> tuple[float, bool, int]:
    """The assignment bound of the tasks ``team`` may serve: a relaxation, so a valid bound.

    The window ``W`` is the set of tasks whose round trip from ``team``'s base stays
    within the incumbent (the pairs :func:`_trip_weights` keeps for it). The rounds
    then bound the min-max problem in which only the tasks of ``W`` must be served,
    by every team allowed to (their other tasks dropped). Validity: any plan of the
    whole instance, each tour restricted to the tasks of ``W`` (the others skipped,
    deadheading straight on, which costs no more as shortest-path costs obey the
    triangle inequality), is a plan of the window whose longest tour is no longer;
    so the window's optimum is at most the whole optimum, and every cut and pruning
    argument of :func:`assignment_bound` holds for it as for the whole. With fewer
    tasks, each round is cheaper and the subset cuts concentrate on the region
    where the bottleneck team competes: at 500 km it converges to a higher bound
    than the whole MILP does in any affordable number of rounds.

    ``team`` is the bottleneck of the whole MILP's last round (its set had the
    costliest tour), read from the solution, so the choice is deterministic.
    """
    _, _, usable, _ = _trip_weights(model, rounds.keywords["incumbent"], True)
    window = usable[team].copy()
    if not window.any():
        return base, False, 0
    return rounds(base=base, max_rounds=max_rounds, window=window)  # type: ignore[no-any-return]


def _tour_upper(model: _Model, team: int, tasks: tuple[int, ...]) -> float:
    """Cost of a tour serving ``tasks``: nearest-neighbour order, best orientations.

    An upper bound on the exact cost of the set (and so of each of its subsets, as
    shortest-path costs obey the triangle inequality).
    """
    p, d = int(model.slot[team]), int(model.dep[team])
    Dp = model.D[p]
    left = list(tasks)
    order: list[int] = []
    at = d
    while left:
        near = [float(min(Dp[at, model.S[j, 0]], Dp[at, model.S[j, 1]])) for j in left]
        j = left.pop(int(np.argmin(near)))
        order.append(j)
        # continue from the nearer end's far side
        at = int(model.E[j, 0] if Dp[at, model.S[j, 0]] <= Dp[at, model.S[j, 1]] else model.E[j, 1])
    cost: float = model.route_dp(team, order)[0]
    return cost
