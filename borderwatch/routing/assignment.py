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

Each round solves the MILP with HiGHS (one ``highspy`` model kept across the
rounds, :class:`_Milp`, single-threaded) and takes its dual bound, which is valid even
when a round is stopped by a limit; the result is never below
:func:`~borderwatch.routing.bounds.lower_bound`. Counts end the rounds (their number,
the model's size, a round's nodes), so the bound is the same on every run; the wall-clock
cap is a safety net whose hitting :class:`BoundStats` reports.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import highspy
import numpy as np

from borderwatch.routing.bounds import lower_bound
from borderwatch.routing.instance import ArcInstance
from borderwatch.routing.minmax import _Model

__all__ = [
    "REACH",
    "ROUND_MAX_NODES",
    "SCALED_GAP_FROM",
    "SCALED_LINK_ROUNDS",
    "SCALED_MAX_ROUNDS",
    "SCALED_MIN_ROUNDS",
    "SCALED_REL_GAP",
    "WHOLE_MAX_NNZ",
    "WHOLE_UP_TO",
    "WINDOW_ROUNDS",
    "BoundStats",
    "assignment_bound",
    "reaches",
    "subset_cost",
]

logger = logging.getLogger(__name__)

#: Up to this many links the bound's MILP holds every link at once.
WHOLE_UP_TO = 150
#: Beyond, about this many link-rounds (rounds = SCALED_LINK_ROUNDS / links, between
#: :data:`SCALED_MIN_ROUNDS` and :data:`SCALED_MAX_ROUNDS`), each MILP stopped at a relative
#: gap of :data:`SCALED_REL_GAP`: a count, so the bound is the same on every run. 8,000
#: since the rounds share one HiGHS model (was 4,000): 2,000 km (989 links, loop 182.4
#: min) 8 rounds give 170.1 min (printed gap 7.3 %) in ~20 CPU s, 4 rounds 164.9 (10.6 %)
#: in ~9 s; 12 rounds 170.1 in ~50 s (benchmarks/results/bound_scale.md).
SCALED_LINK_ROUNDS = 8000
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
#: 219.1 min) the window of the farthest task (:func:`_window_team`, 167 links) reaches
#: 216.2 min in 20 rounds, where the whole MILP's 10 rounds stop at 210.8.
WINDOW_ROUNDS = 20
#: Up to :data:`WHOLE_UP_TO` links no round after the first starts on a MILP of more than this
#: many nonzeros (the base rows and the cuts so far): a count, so that the work, not the wall
#: clock, ends the exact regime's 45 rounds. Each round solves the whole model again and
#: grows dear with it (generated 250 km seed 1, 120 links: rounds at 54,000 / 67,000 /
#: 83,000 / 103,000 / 123,000 nonzeros took 1.6 / 4.1 / 8.4 / 14.9 / 43.1 CPU s, the
#: bound still rising, so that the 120 s cap beside the search decided the printed value;
#: 300 km seed 7: 1.2 s at 77,000, 9-13 s at 164,000-173,000). Ningming converges at
#: 12,000 (benchmarks/results/bound_scale.md, "bound9").
WHOLE_MAX_NNZ = 80_000
#: Up to :data:`WHOLE_UP_TO` links, most branch-and-bound nodes of one round's MILP
#: (HiGHS ``mip_max_nodes``): a round stopped there gives HiGHS's dual bound so far
#: (valid) and ends the rounds, the same on every run. Rounds under
#: :data:`WHOLE_MAX_NNZ` measured <= 390 nodes (Ningming <= 54).
ROUND_MAX_NODES = 500


@dataclass
class BoundStats:
    """How an :func:`assignment_bound` ended: filled in when passed as its ``stats``.

    Attributes
    ----------
    rounds
        MILP rounds solved (the scaled rounds and the window rounds together).
    nnz
        Nonzeros of the largest MILP solved.
    by_size
        Whether a round count was cut short by ``max_nnz`` (deterministic).
    by_nodes
        Whether a round's MILP stopped at ``max_nodes`` (deterministic).
    by_time
        Whether the wall-clock cap ``time_limit_s`` stopped it: the bound is valid
        but may differ between runs and machines.
    """

    rounds: int = 0
    nnz: int = 0
    by_size: bool = False
    by_nodes: bool = False
    by_time: bool = False


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


def _subset_arrays(
    model: _Model, team: int, tasks: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The team's key table, the tasks' start/end key nodes, service and hops; None if one is barred.

    ``st``/``en``: ``(n, 2)`` start / end key node per orientation; ``hop`` ``(2n, 2n)``:
    from the end of task j (orientation o) to the start of task l (orientation q), plus
    l's service.
    """
    p = int(model.slot[team])
    Dp = model.D[p]
    sq = np.asarray(tasks, dtype=np.int64)
    st, en = model.S[sq], model.E[sq]
    serv = model.serv[p, sq]
    if not np.isfinite(serv).all():
        return None
    n = len(tasks)
    hop = Dp[en[:, :, None, None], st[None, None, :, :]] + serv[None, None, :, None]
    return Dp, st, en, serv, hop.reshape(2 * n, 2 * n)


def _none_served(n: int) -> np.ndarray:
    """Subset costs when the team may not serve every task: only the empty subset is free."""
    none = np.full(1 << n, np.inf)
    none[0] = 0.0
    return none


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
    d = int(model.dep[team])
    arrays = _subset_arrays(model, team, tasks)
    if arrays is None:
        return _none_served(n)
    Dp, st, en, serv, hop = arrays
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


def _pair_costs(model: _Model, team: int, tasks: tuple[int, ...]) -> np.ndarray:
    """Exact cost of ``team``'s best tour serving each pair of ``tasks`` (depot tours).

    ``cost[a, b]`` for ``a != b`` (symmetric; the diagonal is ``inf``): both orders,
    both orientations each, summed as :func:`_exact_all` sums a set of two tasks (base
    to the first, the hop, back to the base), so the values are the same.
    """
    p, d = int(model.slot[team]), int(model.dep[team])
    Dp = model.D[p]
    sq = np.asarray(tasks, dtype=np.int64)
    st, en = model.S[sq], model.E[sq]
    serv = model.serv[p, sq]
    n = len(tasks)
    hop = Dp[en[:, :, None, None], st[None, None, :, :]] + serv[None, None, :, None]
    first = Dp[d, st] + serv[:, None]  # (n, 2)
    back = Dp[en, d]  # (n, 2)
    one = first[:, :, None, None] + hop + back[None, None, :, :]  # a first, then b
    cost: np.ndarray = one.min(axis=(1, 3))
    cost = np.minimum(cost, cost.T)
    cost[np.arange(n), np.arange(n)] = np.inf
    return cost


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
    full = (1 << n) - 1
    arrays = _subset_arrays(model, team, tasks)
    if arrays is None:
        return _none_served(n)
    Dp, st, en, serv, hop = arrays
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
    max_nnz: int | None = WHOLE_MAX_NNZ,
    max_nodes: int = ROUND_MAX_NODES,
    stats: BoundStats | None = None,
    found: Callable[[], float | None] | None = None,
) -> float:
    """Lower bound on the longest tour from the assignment MILP with subset cuts.

    Parameters
    ----------
    instance
        The routing instance.
    time_limit_s
        Wall-clock safety cap for all rounds; on timeout the best dual bound so far is
        returned (valid, but it may differ between runs: ``stats.by_time`` says so and
        a warning is logged). The rounds end by counts first: ``max_rounds``,
        ``max_nnz``, ``max_nodes``.
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
        (between 3 and 10; 500 and 1,000 km: 10, 2,000 km: 8), beyond ``gap_from``
        links each MILP stopped at a relative gap of :data:`SCALED_REL_GAP`. Its dual bound stays valid (HiGHS's proven bound,
        not the solution's value), and the cuts of a non-optimal solution are valid
        cuts all the same.
    gap_from
        Beyond ``whole_up_to`` and up to this many links the scaled rounds solve each
        MILP to HiGHS's default gap; beyond it, to :data:`SCALED_REL_GAP`.
    window_rounds
        Beyond ``whole_up_to`` and up to ``gap_from`` links, with an incumbent: rounds
        of the window bound (:func:`_window_bound`) of the team :func:`_window_team`
        picks; the larger bound counts. 0 skips it.
    max_nnz
        Up to ``whole_up_to`` links: no further round once the MILP holds more than
        this many nonzeros (None: no such limit). A count, so the same bound on every
        run; it keeps out the rounds that grow dear as the cuts pile up.
    max_nodes
        Up to ``whole_up_to`` links: most branch-and-bound nodes of each round's MILP;
        a round stopped there gives its dual bound (valid) and ends the rounds. Beyond,
        the scaled rounds are a count already (each MILP solved to a gap beyond
        ``gap_from``) and are measured far below their cap: neither limit applies.
    stats
        Filled in with the rounds, the largest model and what ended them.
    found
        Asked after each round (up to ``whole_up_to`` links) for the longest tour of
        the best plan found so far elsewhere (a search running beside, None: nothing
        new); the rounds stop once the bound is within ``1e-6`` of it, as at
        ``incumbent``, but nothing is pruned by it. The rounds before the stop are the
        same as without it, so the bound differs only where it reaches a plan's
        longest tour: :func:`reaches` of that plan's tour holds then either way.

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
    stats = BoundStats() if stats is None else stats
    rounds = functools.partial(
        _rounds,
        model,
        deadline=deadline,
        max_exact=max_exact,
        incumbent=incumbent,
        lifted=lifted,
        n_min=n_min,
        prune=prune,
        stats=stats,
    )
    if m <= whole_up_to:
        best, pruned, cuts = rounds(
            base=base, max_rounds=max_rounds, max_nnz=max_nnz, max_nodes=max_nodes, found=found
        )
    else:
        scaled = min(SCALED_MAX_ROUNDS, max(SCALED_MIN_ROUNDS, round(SCALED_LINK_ROUNDS / m)))
        best, pruned, cuts = rounds(
            base=base,
            max_rounds=min(max_rounds, scaled),
            rel_gap=None if m <= gap_from else SCALED_REL_GAP,
        )
        team = None
        if window_rounds > 0 and m <= gap_from and prune and incumbent is not None:
            team = _window_team(model, incumbent) if best < incumbent - 1e-6 else None
        if team is not None:
            wbest, wpruned, wcuts = _window_bound(
                model, team, rounds, base=base, max_rounds=window_rounds
            )
            best, pruned, cuts = max(best, wbest), pruned or wpruned, cuts + wcuts
    logger.info(
        "assignment bound: %.1f (basic %.1f), %d rounds, %d cuts, %d nonzeros%s, %.1f s",
        best,
        base,
        stats.rounds,
        cuts,
        stats.nnz,
        " (size limit)" * stats.by_size + " (node limit)" * stats.by_nodes,
        time.perf_counter() - t0,
    )
    if stats.by_time:
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


@contextlib.contextmanager
def _ctrl_c_after_run() -> Iterator[list[int]]:
    """Hold a Ctrl-C (SIGINT) while HiGHS runs, and raise it as ``KeyboardInterrupt`` after.

    HiGHS calls Python (:meth:`_Milp._improving`); a ``KeyboardInterrupt`` raised there
    is swallowed by HiGHS: the run ended in a solve error, the rounds stopped with a
    weaker bound and the plan went on to write it (a Ctrl-C'd ``plan ningming`` exited 0
    with bound 86.56 min, gap 1.7 %, for 88.07, 0.0 %). Only in the main thread with
    Python's own handler in place (a Dask worker's thread, or a program's own handler, is
    left alone). Yields the signals held so far: the run's interrupt callback asks HiGHS
    to stop at once when one came (:meth:`_Milp._improving`).
    """
    got: list[int] = []
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield got
        return
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: got.append(signum))
    try:
        yield got
    finally:
        signal.signal(signal.SIGINT, previous)
    if got:
        raise KeyboardInterrupt


class _Milp:
    """The rounds' MILP in one HiGHS model kept across rounds (issue #24).

    Each round adds the new cut rows to the model (:meth:`solve` pushes the rows of
    :class:`_Rows` it has not seen) instead of building and presolving a fresh model
    from all rows; the lower bound of ``z`` is raised to the previous rounds' bound;
    and every improving solution HiGHS finds on its way (not only the last) is kept,
    so that :func:`_rounds` separates the cuts of each (more cuts per round). HiGHS is
    deterministic for a given model and options, so the rounds are too.
    """

    def __init__(self, nx: int, zlo: float, zhi: float, max_nodes: int | None = None) -> None:
        self.nx = nx
        self.zhi = zhi
        # the core class: highspy.Highs prints a banner on stdout when it is built
        h = highspy._core._Highs()
        h.setOptionValue("output_flag", False)
        # one thread: HiGHS's worker threads do not survive a fork, and a child forked
        # after a bound in the parent (the bound beside the search) hung in its first run
        h.setOptionValue("threads", 1)
        if max_nodes is not None:  # a count ends a round's branch and bound (kSolutionLimit)
            h.setOptionValue("mip_max_nodes", int(max_nodes))
        n = nx + 1
        h.addVars(n, np.zeros(n), np.r_[np.ones(nx), zhi])
        h.changeColBounds(nx, zlo, zhi)
        h.changeColsCost(1, np.array([nx], dtype=np.int32), np.array([1.0]))
        h.changeColsIntegrality(nx, np.arange(nx, dtype=np.int32), np.ones(nx, dtype=np.uint8))
        self.found: list[np.ndarray] = []
        self._held: list[int] = []  # a Ctrl-C held during the run (_ctrl_c_after_run)
        h.setCallback(self._improving, None)
        h.startCallback(highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution)
        h.startCallback(highspy.cb.HighsCallbackType.kCallbackMipInterrupt)
        self.h = h
        self.rows = 0
        self.nnz = 0

    def _improving(self, kind: object, msg: str, out: object, into: object, data: object) -> None:
        """HiGHS's calls: keep each improving solution; stop the run once a Ctrl-C came.

        The interrupt check (~1,500 calls in Ningming's bound) changes nothing unless a
        Ctrl-C was held: then the run ends at once and :func:`_ctrl_c_after_run` raises.
        """
        if kind == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
            if self._held:
                into.user_interrupt = True  # type: ignore[attr-defined]
            return
        self.found.append(np.array(out.mip_solution, dtype=float))  # type: ignore[attr-defined]

    def solve(
        self, rows: _Rows, *, zlo: float, left: float, rel_gap: float | None
    ) -> tuple[str, float, list[np.ndarray]]:
        """Solve with the rows added since the last call and ``z >= zlo``.

        Returns the outcome (``"optimal"``, ``"time"``, ``"nodes"`` (the node limit),
        ``"infeasible"`` or ``"other"``), HiGHS's dual bound, and the solutions found, the final one first, then the improving ones
        from the latest back (each an integer assignment of the MILP).
        """
        h = self.h
        new = len(rows.lo) - self.rows
        if new > 0:
            r = np.asarray(rows.r[self.nnz :], dtype=np.int64) - self.rows
            starts = np.searchsorted(r, np.arange(new)).astype(np.int32)
            h.addRows(
                new,
                np.asarray(rows.lo[self.rows :], dtype=float),
                np.asarray(rows.hi[self.rows :], dtype=float),
                len(r),
                starts,
                np.asarray(rows.c[self.nnz :], dtype=np.int32),
                np.asarray(rows.v[self.nnz :], dtype=float),
            )
            self.rows, self.nnz = len(rows.lo), len(rows.r)
        h.changeColBounds(self.nx, min(zlo, self.zhi), self.zhi)
        # HiGHS's run clock adds up over the runs of one model
        h.setOptionValue("time_limit", float(h.getRunTime()) + max(left, 0.0))
        if rel_gap is not None:
            h.setOptionValue("mip_rel_gap", rel_gap)
        self.found.clear()
        with _ctrl_c_after_run() as self._held:
            h.run()
        status = h.getModelStatus()
        dual = float(h.getInfo().mip_dual_bound)
        if status == highspy.HighsModelStatus.kOptimal:
            kind = "optimal"
        elif status == highspy.HighsModelStatus.kTimeLimit:
            kind = "time"
        elif status == highspy.HighsModelStatus.kSolutionLimit:  # mip_max_nodes
            kind = "nodes"
        elif status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", -math.inf, []
        else:
            return "other", -math.inf, []
        sols: list[np.ndarray] = []
        if h.getInfo().primal_solution_status == highspy.kSolutionStatusFeasible:
            sols.append(np.array(h.getSolution().col_value, dtype=float))
        sols += self.found[::-1]
        return kind, dual, sols


#: How close (seconds) a bound must come to a plan's longest tour to prove it optimal: the
#: rounds stop there (at ``incumbent`` and at a tour ``found`` beside).
REACH = 1e-6


def reaches(bound: float, loop: float | None, within: float = REACH) -> bool:
    """Whether ``bound`` proves ``loop`` optimal: within ``within`` of it (or above).

    A plan whose bound reaches its longest tour within ``2 * REACH`` reports that tour
    as its bound (:func:`borderwatch.plan.patrols`): the rounds stopped at a tour found
    beside (:func:`assignment_bound`'s ``found``, within :data:`REACH` of a tour never
    more than ~1e-7 s above the plan's final one: the search's ties) then give the same
    bound as rounds that ran on, whenever the tours came.

    Parameters
    ----------
    bound
        A lower bound on the longest tour (seconds).
    loop
        A plan's longest tour (seconds); None: no plan, False.
    within
        The tolerance (seconds).

    Returns
    -------
    bool
    """
    return loop is not None and bound >= loop - within


#: A candidate cut: the subset, its exact cost, and its Held-Karp table when it is a
#: piece (for the lifted cut).
_Cand = tuple[tuple[int, ...], float, np.ndarray | None]


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

    def pieces(self, t: int, got: tuple[int, ...]) -> list[tuple[int, ...]]:
        """The sets whose Held-Karp tables give ``got``'s cuts: ``got`` itself when small.

        A larger set (more than ``max_exact`` tasks) is read through windows of
        ``max_exact`` consecutive tasks of its nearest-neighbour tour, each window
        overlapping the next by half (deterministic). Each window is a subset of
        ``got``, so its cuts bind ``got`` as well; before, such a set got only its
        pair cuts, and a round whose sets were all large and whose pairs held found
        no cut and ended the rounds early (Ningming: 85.1 instead of 88.1 min once
        the rounds met other optimal assignments).
        """
        if len(got) <= self.max_exact:
            return [got]
        if self.max_exact < 1:
            return []
        order = _nn_order(self.model, t, got)
        n, w = len(order), self.max_exact
        step = max(1, w // 2)
        return [tuple(sorted(order[(s + i) % n] for i in range(w))) for s in range(0, n, step)]

    def subsets(self, t: int, got: tuple[int, ...], zval: float) -> list[_Cand]:
        """Candidate cuts of ``got``: each piece (:meth:`pieces`) with its table (for the
        lifted cut), the minimal violated subsets of each piece, the pairs and triples."""
        # the cuts of the subsets also bind the other assignments that contain them
        out: list[_Cand] = []
        for piece in self.pieces(t, got):
            table = self.exact_all(t, piece)
            out.append((piece, float(table[-1]), table))
            for bs in _minimal(table, zval, self.n_min):
                out.append(
                    (tuple(piece[b] for b in bs), float(table[sum(1 << b for b in bs)]), None)
                )
        small = (got, self.table_cache[(t, got)]) if len(got) <= self.max_exact else None
        if small is None and not self.model.circuit:
            # the pairs of a large set at once (the same sums as a Held-Karp of two tasks)
            pair = _pair_costs(self.model, t, got)
            for a, b in zip(*np.nonzero(np.triu(pair > zval + 1e-6, 1)), strict=True):
                out.append(((got[a], got[b]), float(pair[a, b]), None))
            return out
        pos = {j: b for b, j in enumerate(got)}
        combos: list[tuple[int, ...]] = list(itertools.combinations(got, 2))
        if len(got) <= 10:
            combos += list(itertools.combinations(got, 3))
        for q in combos:
            if small is not None:
                cost = float(small[1][sum(1 << pos[j] for j in q)])
                self.exact_cache.setdefault((t, q), cost)
            else:
                cost = self.exact(t, q)
            out.append((q, cost, None))
        return out

    def add_team(
        self, rows: _Rows, col: dict[tuple[int, int], int], z: int, t: int, got: tuple, zval: float
    ) -> int:
        """Add the cuts that team ``t``'s set ``got`` violates at ``zval``; return how many."""
        added = 0
        for q, cost, table in self.subsets(t, got, zval):
            if (t, q) in self.seen or cost <= zval + 1e-6:
                continue
            self.seen.add((t, q))
            # z >= cost * (sum_{e in q} x[t, e] - |q| + 1)
            idx = [col[(t, j)] for j in q]
            rows.add([z, *idx], [1.0, *[-cost] * len(idx)], cost * (1 - len(q)), math.inf)
            added += 1
            if table is not None and self.lifted:
                w = _lifted_weights(table, len(q))
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
    max_nnz: int | None = None,
    max_nodes: int | None = None,
    stats: BoundStats | None = None,
    found: Callable[[], float | None] | None = None,
) -> tuple[float, bool, int]:
    """The rounds of :func:`assignment_bound` (``found``: see there).

    Returns the bound, whether pairs were pruned by the incumbent (the bound must then be
    capped at it) and the number of cuts. With ``rel_gap`` each MILP stops at that
    relative gap: only its dual bound counts then (the solution's ``z`` may lie above
    the relaxation's optimum). With ``window`` (a boolean mask over the tasks) only the
    tasks of the window must be served: the bound of a relaxation (see
    :func:`_window_bound`). Counts end the rounds: ``max_rounds``, no round on a model of
    more than ``max_nnz`` nonzeros, a round's MILP stopped at ``max_nodes`` nodes (its
    dual bound kept); ``deadline`` is a safety net (``stats.by_time``).

    The MILP is one HiGHS model kept across the rounds (:class:`_Milp`): each round adds
    its cut rows, raises ``z``'s lower bound to the bound so far, and separates the cuts
    of every improving solution HiGHS met, not only of the last; sets larger than
    ``max_exact`` are read through windows of their tour (:meth:`_Cuts.pieces`).
    Ningming: the same 88.07 min in 30 rounds and ~2 CPU s instead of 42 rounds and
    ~7 s (benchmarks/results/bound_scale.md).
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
    if nx == 0:
        return base, pruned, 0
    z = nx  # index of z
    rows = _base_rows(model, rt, add, col, team_cols, z)
    # with an incumbent, only assignments no worse than it matter (the result is capped)
    ztop = math.inf if incumbent is None or not prune else float(incumbent) + 1e-6
    pruned = pruned or math.isfinite(ztop)
    mip = _Milp(nx, base, max(ztop, base), max_nodes)
    best = base
    cuts = _Cuts(model, max_exact=max_exact, lifted=lifted, n_min=n_min)
    stats = BoundStats() if stats is None else stats
    for rnd in range(max_rounds):
        if rnd > 0 and max_nnz is not None and len(rows.r) > max_nnz:
            stats.by_size = True  # a count: the same round on every run
            break
        left = deadline - time.perf_counter()
        if left <= 0.05:
            stats.by_time = True
            break
        stats.rounds += 1
        stats.nnz = max(stats.nnz, len(rows.r))
        # z >= best: every round's MILP is the last one with more rows, so its optimum is
        # at least the last round's bound; any assignment better than that is infeasible
        kind, dual, sols = mip.solve(rows, zlo=best, left=left, rel_gap=rel_gap)
        if kind == "infeasible" and math.isfinite(ztop):
            # no assignment meets z <= ztop under cuts valid for every plan (pairs pruned by
            # the incumbent drop only plans longer than it): every plan is longer than ztop
            best = max(best, ztop)
            break
        if np.isfinite(dual):
            best = max(best, dual)
        if kind != "optimal" or not sols:  # a limit hit inside the round: keep its dual bound
            stats.by_time |= kind == "time"
            stats.by_nodes |= kind == "nodes"
            break
        # the incumbent, or a plan found beside (its tour), proven optimal ends the rounds
        if reaches(best, incumbent) or (found is not None and reaches(best, found())):
            break
        zval = float(sols[0][z])
        added = 0
        for si, sol in enumerate(sols):
            # the final solution first, then the improving ones HiGHS met on its way: each
            # is an assignment, and the cuts its sets violate are valid for all of them
            got_sets = _team_sets(team_cols, sol[:nx] > 0.5)
            n_new = _separate(model, cuts, rows, col, z, got_sets, float(sol[z]))
            added += n_new
            if si == 0 and n_new == 0:
                break
        logger.debug(
            "assignment bound round %d: z %.1f, dual %.1f, %d cuts", rnd, zval, best, added
        )
        if added == 0:
            if rel_gap is None:
                best = max(best, zval)  # solved to optimality with every cut satisfied
            break
    return best, pruned, len(cuts.seen)


def _team_sets(team_cols: list[list[tuple[int, int]]], x: np.ndarray) -> list[tuple[int, ...]]:
    """The set of tasks each team serves in the assignment ``x`` (a boolean per column)."""
    return [tuple(j for j, i in cols if x[i]) for cols in team_cols]


def _separate(
    model: _Model,
    cuts: _Cuts,
    rows: _Rows,
    col: dict[tuple[int, int], int],
    z: int,
    sets: list[tuple[int, ...]],
    zval: float,
) -> int:
    """Add the cuts the team sets ``sets`` of an assignment violate at ``zval``; how many."""
    added = 0
    for t, got in enumerate(sets):
        if not got:
            continue
        # a tour serving got costing at most z bounds every subset too: no cut violated
        if _tour_upper(model, t, got) > zval + 1e-6:
            added += cuts.add_team(rows, col, z, t, got, zval)
    return added


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
    where that team competes: at 500 km it converges to a higher bound
    than the whole MILP does in any affordable number of rounds.

    ``team`` is chosen by :func:`_window_team` from the instance and the incumbent
    alone, so the choice is deterministic.
    """
    _, _, usable, _ = _trip_weights(model, rounds.keywords["incumbent"], True)
    window = usable[team].copy()
    if not window.any():
        return base, False, 0
    return rounds(base=base, max_rounds=max_rounds, window=window)  # type: ignore[no-any-return]


def _window_team(model: _Model, incumbent: float) -> int | None:
    """The team whose window (:func:`_window_bound`) holds the farthest task, the largest such.

    The farthest task is the one whose cheapest round trip (over the teams that keep it
    within the incumbent) is the longest: the round-trip bound's task, where the teams
    able to serve it are fewest and the loops longest. Among the teams that reach it,
    the one that reaches the most tasks keeps the most of the competition for it in
    the window. Read from the instance and the incumbent alone (lowest team on ties).
    At 500 km (241 links, loop 219.1 min) it picks the 167-link window that reaches
    216.2 min in 20 rounds; the bottleneck team of the whole MILP's last round (the
    rule before) changed with the rounds' solutions and its window could miss that
    task entirely (148.1 min, the basic bound, once the rounds ran on one HiGHS model).
    """
    rt, _, usable, _ = _trip_weights(model, incumbent, True)
    near = np.where(usable, rt, np.inf).min(axis=0)
    reached = np.isfinite(near)
    if not reached.any():
        return None
    far = int(np.argmax(np.where(reached, near, -np.inf)))
    holders = np.flatnonzero(usable[:, far])
    return int(holders[np.argmax(usable[holders].sum(axis=1))])


def _nn_order(model: _Model, team: int, tasks: tuple[int, ...]) -> list[int]:
    """``tasks`` in nearest-neighbour order from ``team``'s base (nearer end first)."""
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
    return order


def _tour_upper(model: _Model, team: int, tasks: tuple[int, ...]) -> float:
    """Cost of a tour serving ``tasks``: nearest-neighbour order, best orientations.

    An upper bound on the exact cost of the set (and so of each of its subsets, as
    shortest-path costs obey the triangle inequality).
    """
    cost: float = model.route_dp(team, _nn_order(model, team, tasks))[0]
    return cost
