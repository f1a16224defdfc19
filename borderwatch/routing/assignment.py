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
  triangle inequality), so every cut is valid for every assignment.

Each round solves the MILP with HiGHS (:func:`scipy.optimize.milp`) and
takes its dual bound, which is valid even when a round is stopped by the
time box; the result is never below :func:`~borderwatch.routing.bounds.lower_bound`.
"""

from __future__ import annotations

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

__all__ = ["assignment_bound", "subset_cost"]

logger = logging.getLogger(__name__)


def subset_cost(instance: ArcInstance, team: int, tasks: list[int]) -> float:
    """Exact cost of ``team``'s best tour serving the required edges ``tasks`` (positions).

    Exact by dynamic programming over subsets (Held-Karp with orientations), so
    keep ``tasks`` short (at most about 13).
    """
    return _exact(_Model(instance), team, tasks)


def _exact(model: _Model, team: int, tasks: list[int]) -> float:
    """Held-Karp dynamic programme over subsets, with two orientations per task.

    ``dp[mask, j, o]``: cheapest walk from the base serving the tasks of
    ``mask``, the last one ``j`` driven in orientation ``o``. Written out here
    (no library solves this arc variant exactly); ``2**n * (2n)**2`` work, so
    for sets of up to about 13 tasks.
    """
    n = len(tasks)
    if n == 0:
        return 0.0
    p, d = int(model.slot[team]), int(model.dep[team])
    Dp = model.D[p]
    sq = np.asarray(tasks, dtype=np.int64)
    st, en = model.S[sq], model.E[sq]  # (n, 2) start / end key node per orientation
    serv = model.serv[p, sq]
    if not np.isfinite(serv).all():
        return math.inf
    # hop[j, o, l, q]: from the end of j (orientation o) to the start of l (orientation q)
    hop = Dp[en[:, :, None, None], st[None, None, :, :]] + serv[None, None, :, None]
    hop = hop.reshape(2 * n, 2 * n)
    first = (Dp[d, st] + serv[:, None]).reshape(2 * n)
    back = Dp[en, d].reshape(2 * n)
    full = (1 << n) - 1
    dp = np.full((1 << n, 2 * n), np.inf)
    for j in range(n):
        dp[1 << j, 2 * j : 2 * j + 2] = first[2 * j : 2 * j + 2]
    member = np.array([[(mask >> j) & 1 for j in range(n)] for mask in range(1 << n)], dtype=bool)
    for mask in range(1, full + 1):
        row = dp[mask]
        if not np.isfinite(row).any():
            continue
        nxt = np.min(row[:, None] + hop, axis=0)  # (2n,) best arrival at each (task, orientation)
        for nt in np.flatnonzero(~member[mask]):
            m2 = mask | (1 << int(nt))
            seg = dp[m2, 2 * nt : 2 * nt + 2]
            np.minimum(seg, nxt[2 * nt : 2 * nt + 2], out=seg)
    return float(np.min(dp[full] + back))


def assignment_bound(
    instance: ArcInstance,
    *,
    time_limit_s: float = 10.0,
    max_rounds: int = 40,
    max_exact: int = 12,
    incumbent: float | None = None,
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
        The best known longest tour: the rounds stop once the bound reaches it.

    Returns
    -------
    float
        ``max(lower_bound(instance), MILP dual bound)``; never above the optimum.
    """
    t0 = time.perf_counter()
    base = lower_bound(instance)
    model = _Model(instance)
    m, k = model.m, model.k
    if m == 0 or k == 0:
        return base
    allowed = model.allowed  # (k, m)
    # round trip and additive weights per (team, task)
    rt = np.full((k, m), np.inf)
    add = np.full((k, m), np.inf)
    for t in range(k):
        p, d = int(model.slot[t]), int(model.dep[t])
        Dp = model.D[p]
        serv = model.serv[p]
        ok = allowed[t]
        if not ok.any():
            continue
        s, e = model.S, model.E  # (m, 2)
        trip = np.minimum(Dp[d, s[:, 0]] + Dp[e[:, 0], d], Dp[d, s[:, 1]] + Dp[e[:, 1], d])
        rt[t] = np.where(ok, serv + trip, np.inf)
        # cheapest entry into each task: from the base or the end of another allowed task
        ends = np.concatenate([e[ok].ravel(), [d]])
        into = np.min(Dp[np.ix_(ends, s.ravel())], axis=0).reshape(m, 2).min(axis=1)
        # a task entered from its own far end is no cheaper than from another's: keep the min
        add[t] = np.where(ok, serv + into, np.inf)
    pairs = [(t, j) for t in range(k) for j in range(m) if np.isfinite(rt[t, j])]
    nx = len(pairs)
    col = {pr: i for i, pr in enumerate(pairs)}
    z = nx  # index of z
    n = nx + 1
    rows: list[tuple[list[int], list[float], float, float]] = []
    # each task to exactly one team
    for j in range(m):
        idx = [col[(t, j)] for t in range(k) if (t, j) in col]
        rows.append((idx, [1.0] * len(idx), 1.0, 1.0))
    # round trip: z - rt x >= 0
    for (t, j), i in col.items():
        rows.append(([z, i], [1.0, -float(rt[t, j])], 0.0, math.inf))
    # additive per team: z - sum a x >= 0
    for t in range(k):
        idx = [col[(t, j)] for j in range(m) if (t, j) in col]
        if idx:
            rows.append(
                (
                    [z, *idx],
                    [1.0, *[-float(add[t, j]) for j in range(m) if (t, j) in col]],
                    0.0,
                    math.inf,
                )
            )
    c = np.zeros(n)
    c[z] = 1.0
    integrality = np.ones(n)
    integrality[z] = 0
    bounds = Bounds(np.r_[np.zeros(nx), base], np.r_[np.ones(nx), math.inf])
    best = base
    seen: set[tuple[int, tuple[int, ...]]] = set()
    exact_cache: dict[tuple[int, tuple[int, ...]], float] = {}

    def exact(t: int, s: tuple[int, ...]) -> float:
        key = (t, s)
        if key not in exact_cache:
            exact_cache[key] = _exact(model, t, list(s))
        return exact_cache[key]

    for rnd in range(max_rounds):
        left = time_limit_s - (time.perf_counter() - t0)
        if left <= 0.05:
            break
        data_r, data_c, data_v, lo, hi = [], [], [], [], []
        for r, (idx, vals, a, b) in enumerate(rows):
            data_r += [r] * len(idx)
            data_c += idx
            data_v += vals
            lo.append(a)
            hi.append(b)
        A = coo_array((data_v, (data_r, data_c)), shape=(len(rows), n)).tocsr()
        res = milp(
            c,
            constraints=LinearConstraint(A, np.array(lo), np.array(hi)),
            integrality=integrality,
            bounds=bounds,
            options={"time_limit": left, "disp": False},
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
        for t in range(k):
            got = tuple(sorted(j for (tt, j), i in col.items() if tt == t and x[i]))
            if not got:
                continue
            # the set itself when small, and its pairs and triples: the cuts of the
            # subsets also bind the other assignments that contain them
            subsets: list[tuple[int, ...]] = [got] if len(got) <= max_exact else []
            subsets += list(itertools.combinations(got, 2))
            if len(got) <= 10:
                subsets += list(itertools.combinations(got, 3))
            for q in subsets:
                if (t, q) in seen:
                    continue
                cost = exact(t, q)
                if cost <= zval + 1e-6:
                    continue
                seen.add((t, q))
                # z >= cost * (sum_{e in q} x[t, e] - |q| + 1)
                idx = [col[(t, j)] for j in q]
                rows.append(([z, *idx], [1.0, *[-cost] * len(idx)], cost * (1 - len(q)), math.inf))
                added += 1
        logger.debug(
            "assignment bound round %d: z %.1f, dual %.1f, %d cuts", rnd, zval, best, added
        )
        if added == 0:
            best = max(best, zval)  # solved to optimality with every cut satisfied
            break
    logger.info(
        "assignment bound: %.1f (basic %.1f), %d cuts, %.1f s",
        best,
        base,
        len(seen),
        time.perf_counter() - t0,
    )
    return best
