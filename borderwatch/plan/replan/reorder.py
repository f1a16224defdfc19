"""Reorder loops for the cut: the same roads and minutes, their closed pieces driven in another order.

A loop from the team's position is a closed walk; wherever it comes back to a
node it left earlier, the piece in between is itself a closed walk. Such a
piece can be driven the other way round, and two pieces back to back at the
same node can be swapped: the loop keeps its roads, its length and its start,
but reaches its units at other minutes after the cut. :func:`reorder_for_cut`
uses that freedom for the units that wait longest across the cut (the
bottleneck of the rest of the night's worst revisit): it tries the moves that
change when a loop passes them, estimates each by mirroring or shifting the
loop's passes in time (as :meth:`CutScore.flip` does for a whole loop), takes
the best that lowers the score and checks it with the coverage engine.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from borderwatch.plan.replan.hot import _insert_block
from borderwatch.plan.replan.model import TOL

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.replan.loops import CutScore
    from borderwatch.routing.patrol import PatrolInstance, TeamRoute

__all__ = ["cut_key", "reorder_for_cut"]

#: Units within this many minutes of the worst revisit count as the bottleneck.
NEAR_MIN = 0.5
#: Most pieces of one loop tried per move (the ones nearest the bottleneck's pass first).
MAX_MOVES_PER_LOOP = 120

#: Moves per round scored in full (of those that bring a bottleneck pass soonest).
SHORTLIST = 12

_Key = tuple[float, float, int, float]


def cut_key(score: CutScore, routes: Sequence[TeamRoute]) -> _Key:
    """The rest of the night's figures of ``routes``, lower is better.

    ``(weighted worst revisit, worst revisit, units within NEAR_MIN of the
    weighted worst, risk-weighted mean revisit)`` across the cut, as
    :class:`~borderwatch.plan.replan.loops.CutScore` computes them.
    """
    worst, seen = score.per_unit(routes)
    if not seen.any():
        return (np.inf, np.inf, 0, np.inf)
    weighted = (worst * score.hot_w)[seen]
    top = float(weighted.max())
    w = score.weights[seen]
    return (
        round(top, 6),
        round(float(worst[seen].max()), 6),
        int((weighted >= top - NEAR_MIN).sum()),
        round(float((w * worst[seen]).sum() / w.sum()), 6),
    )


def _nodes(network: PatrolNetwork, route: TeamRoute) -> np.ndarray:
    """The node each step starts at, and at the end the loop's start again (``n + 1`` nodes)."""
    edge = np.array([e for e, _ in route.steps], dtype=np.int64)
    fwd = np.array([f for _, f in route.steps], dtype=bool)
    u = network.edges["u"].to_numpy()[edge]
    v = network.edges["v"].to_numpy()[edge]
    start = np.where(fwd, u, v).astype(np.int64)
    return np.append(start, start[0])


def _reverse(route: TeamRoute, i: int, j: int) -> TeamRoute:
    """``route`` with its closed piece ``steps[i:j]`` driven the other way round."""
    piece = [(e, not f) for e, f in reversed(route.steps[i:j])]
    return dataclasses.replace(
        route,
        steps=route.steps[:i] + tuple(piece) + route.steps[j:],
        service=route.service[:i] + tuple(reversed(route.service[i:j])) + route.service[j:],
        seconds=route.seconds[:i] + tuple(reversed(route.seconds[i:j])) + route.seconds[j:],
    )


def _swap(route: TeamRoute, i: int, k: int, j: int) -> TeamRoute:
    """``route`` with its closed pieces ``steps[i:k]`` and ``steps[k:j]`` in the other order."""

    def cut(items: tuple[object, ...]) -> tuple[object, ...]:
        return items[:i] + items[k:j] + items[i:k] + items[j:]

    return dataclasses.replace(
        route,
        steps=cut(route.steps),  # type: ignore[arg-type]
        service=cut(route.service),  # type: ignore[arg-type]
        seconds=cut(route.seconds),  # type: ignore[arg-type]
    )


def _moves(
    nodes: np.ndarray, cum: np.ndarray, hits: np.ndarray
) -> Iterator[tuple[str, int, int, int]]:
    """Reversals ``(i, j)`` and swaps ``(i, k, j)`` of closed pieces holding a bottleneck pass."""
    at: dict[int, list[int]] = defaultdict(list)
    for p, node in enumerate(nodes.tolist()):
        at[node].append(p)
    found: list[tuple[float, tuple[str, int, int, int]]] = []
    for ps in at.values():
        if len(ps) < 2:
            continue
        for a in range(len(ps)):
            for b in range(a + 1, len(ps)):
                i, j = ps[a], ps[b]
                inside = hits[(hits >= cum[i] - TOL) & (hits < cum[j] - TOL)]
                if not len(inside) or j - i < 2 or (i == 0 and j == len(nodes) - 1):
                    continue
                # nearest pieces first: the moves that shift the bottleneck's pass least
                found.append((float(cum[j] - cum[i]), ("reverse", i, j, j)))
                for c in range(a + 1, b):
                    found.append((float(cum[j] - cum[i]), ("swap", i, ps[c], j)))
    found.sort(key=lambda x: x[0])
    for _, move in found[:MAX_MOVES_PER_LOOP]:
        yield move


def _estimate(move: tuple[str, int, int, int], cum: np.ndarray, t: np.ndarray) -> np.ndarray:
    """One loop's pass times after ``move`` (mirrored or shifted within the pieces)."""
    kind, i, k, j = move
    out = t.copy()
    if kind == "reverse":
        m = (t >= cum[i] - TOL) & (t < cum[j] - TOL)
        out[m] = cum[i] + cum[j] - t[m]
    else:
        first = (t >= cum[i] - TOL) & (t < cum[k] - TOL)
        second = (t >= cum[k] - TOL) & (t < cum[j] - TOL)
        out[first] = t[first] + (cum[j] - cum[k])
        out[second] = t[second] - (cum[k] - cum[i])
    return out


def _detours(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    routes: Sequence[TeamRoute],
    score: CutScore,
    unit: int,
    worst: float,
    limit_min: float,
) -> list[tuple[float, int, TeamRoute]]:
    """Loops that could drive a road watching ``unit`` early after the cut, soonest first.

    ``(arrival, route index, new route)``: a drive from a node of the loop to the
    road and back (:func:`~borderwatch.plan.replan.hot._insert_block`), the loop at
    most ``limit_min`` long, reaching the unit before its interval across the cut
    gets to ``worst``.
    """
    inst = patrol.instance
    row_of = network.watch.unit_edge.tocsr()[[unit], :].tocoo()
    edges = np.asarray(row_of.col, dtype=np.int64)
    lengths = network.edges["length"].to_numpy()
    edges = edges[np.argsort(lengths[edges], kind="stable")][:3]
    last = score.before_last[unit]
    since = 0.0 if np.isnan(last) else float(last)
    found: list[tuple[float, int, int, int]] = []
    for idx, r in enumerate(routes):
        if not r.on_patrol:
            continue
        secs = network.edge_seconds(r.vehicle)
        row = int(inst.team_profile[patrol.teams.index(r.team)])
        sp = inst.shortest_paths(row)
        nodes = _nodes(network, r)[:-1]
        cum = np.concatenate([[0.0], np.cumsum(r.seconds)[:-1]]) / 60.0
        loop = r.loop_s / 60.0
        for e in edges.tolist():
            if not np.isfinite(secs[e]):
                continue
            da = sp.distances_from(int(network.edges["u"].iat[e]))[nodes] / 60.0
            db = sp.distances_from(int(network.edges["v"].iat[e]))[nodes] / 60.0
            cost = da + db + float(secs[e]) / 60.0
            arrival = score.offsets[r.team] + cum + np.minimum(da, db)
            ok = np.isfinite(cost) & (loop + cost <= limit_min + 1e-6)
            ok &= arrival - since < worst - NEAR_MIN
            for j in np.flatnonzero(ok)[:1]:  # the earliest place on this loop
                found.append((float(arrival[j]), idx, int(j), e))
    found.sort()
    out = []
    for arrival, idx, j, e in found[:4]:
        r = routes[idx]
        out.append((arrival, idx, _insert_block(network, patrol, r, [(e, True)], j)))
    return out


def reorder_for_cut(
    network: PatrolNetwork,
    routes: Sequence[TeamRoute],
    score: CutScore,
    *,
    patrol: PatrolInstance | None = None,
    rounds: int = 60,
) -> list[TeamRoute]:
    """Drive closed pieces of the loops in another order where that lowers the rest of the night's score.

    Parameters
    ----------
    network
        The remainder's network (the routes' steps are its edges).
    routes
        One route per team, each a closed walk from the team's position.
    score
        The rest of the night's score of candidate loops (``CutScore``).
    rounds
        Most moves made (each one checked with the coverage engine).

    Returns
    -------
    list of TeamRoute
        The routes, some with pieces reversed or swapped: the same roads, the
        same loop minutes, the same start; the weighted worst revisit across
        the cut never higher (ties broken by fewer units at it, then the
        weighted mean).
    """
    out = list(routes)
    score.prime(out)
    current = cut_key(score, out)
    tabu: set[tuple[str, tuple[tuple[int, bool], ...]]] = set()
    for _ in range(rounds):
        worst, seen = score.per_unit(out)
        weighted = np.where(seen, worst * score.hot_w, -np.inf)
        bottleneck = np.flatnonzero(weighted >= weighted.max() - NEAR_MIN)
        trials: list[tuple[_Key, int, TeamRoute]] = []
        # the moves that bring a bottleneck pass soonest after the cut, estimated
        shortlist: list[tuple[float, int, TeamRoute, np.ndarray, np.ndarray]] = []
        for idx, r in enumerate(out):
            if not r.on_patrol:
                continue
            unit, t = score.passes(r)
            on = np.isin(unit, bottleneck)
            if not on.any():
                continue
            nodes = _nodes(network, r)
            cum = np.concatenate([[0.0], np.cumsum(r.seconds)]) / 60.0
            first = float(t[on].min())
            for move in _moves(nodes, cum, t[on]):
                new_t = np.clip(_estimate(move, cum, t), 0.0, cum[-1])
                soon = float(new_t[on].min())
                if soon >= first - TOL:
                    continue
                cand = (
                    _reverse(r, move[1], move[2]) if move[0] == "reverse" else _swap(r, *move[1:])
                )
                if (cand.team, cand.steps) in tabu or cand.steps == r.steps:
                    continue
                shortlist.append((soon, idx, cand, unit, new_t))
        shortlist.sort(key=lambda x: (x[0], x[1]))
        for _soon, idx, cand, unit, new_t in shortlist[:SHORTLIST]:
            score.assume(cand, unit, new_t)
            trial = list(out)
            trial[idx] = cand
            k = cut_key(score, trial)
            if k < current:
                trials.append((k, idx, cand))
        if not trials and patrol is not None:
            # no order helps: a loop with time to spare drives to the worst unit early
            u = int(np.argmax(weighted))
            limit = max(max(r.loop_s for r in out if r.on_patrol) / 60.0, float(worst[u]) - 1.0)
            for _arr, idx, cand in _detours(network, patrol, out, score, u, float(worst[u]), limit):
                if (cand.team, cand.steps) in tabu:
                    continue
                score.prime([cand])
                trial = list(out)
                trial[idx] = cand
                k = cut_key(score, trial)
                if k < current:
                    trials.append((k, idx, cand))
        moved = False
        for _k, idx, cand in sorted(trials, key=lambda x: (x[0], x[1]))[:5]:
            score.refresh(cand)
            trial = list(out)
            trial[idx] = cand
            k = cut_key(score, trial)
            if k < current:
                out, current, moved = trial, k, True
                break
            tabu.add((cand.team, cand.steps))
        if not moved:
            break
    return out
