"""Hot stretches: more passes where a township reports crossings, with the night's capacity."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from borderwatch.plan.night import _Evaluator
from borderwatch.plan.replan.cut import edge_end, edge_start
from borderwatch.plan.replan.model import HotStretch

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.patrol import PatrolInstance, TeamRoute

__all__ = ["HOT_MAX_GROWTH", "hot_detours"]

logger = logging.getLogger(__name__)

Step = tuple[int, bool]

HOT_MAX_GROWTH = 1.2
"""A hot detour may make a loop at most this much longer than the night's longest."""


def _hot_key(
    ev: _Evaluator, routes: Sequence[TeamRoute], hot_w: np.ndarray, weights: np.ndarray
) -> tuple[float, float, float, float]:
    """``(weighted worst, worst, risk x hot weighted mean, driving)`` of looping ``routes`` from 0."""
    active = [r for r in routes if r.on_patrol]
    worst = ev.worst(active, [0.0] * len(active))
    seen = ev.passed(active)
    if not seen.any():
        return (math.inf, math.inf, math.inf, 0.0)
    w = weights[seen]
    return (
        round(float((worst * hot_w)[seen].max()), 6),
        round(float(worst[seen].max()), 6),
        round(float((w * worst[seen]).sum() / w.sum()), 6),
        round(sum(r.loop_s for r in active) / 60.0, 6),
    )


def _hot_steps(network: PatrolNetwork, route: TeamRoute, hot: np.ndarray) -> np.ndarray:
    """Indices of the steps of ``route`` whose edge watches a hot unit."""
    ue = network.watch.unit_edge.tocsc()
    edges = np.array([e for e, _ in route.steps], dtype=np.int64)
    watched = np.asarray(ue[hot][:, edges].sum(axis=0)).ravel() > 0
    return np.flatnonzero(watched)


def _visits(
    starts: np.ndarray, ends: np.ndarray, hs: np.ndarray, loop: float
) -> list[tuple[int, int]]:
    """Hot steps ``hs`` grouped into visits: runs of steps less than a 20th of the loop apart."""
    out: list[tuple[int, int]] = []
    for i in hs:
        if out and starts[i] - ends[out[-1][1]] < loop / 20.0:
            out[-1] = (out[-1][0], int(i))
        else:
            out.append((int(i), int(i)))
    if len(out) > 1 and starts[out[0][0]] + loop - ends[out[-1][1]] < loop / 20.0:
        out[0] = (out[-1][0], out[0][1])  # wraps round the loop's start
        out.pop()
    return out


def _insert_block(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    route: TeamRoute,
    block: Sequence[Step],
    j: int,
) -> TeamRoute:
    """``route`` with a drive from the start of step ``j`` through ``block`` (either way) and back."""
    inst = patrol.instance
    row = int(inst.team_profile[patrol.teams.index(route.team)])
    sp = inst.shortest_paths(row)
    a = edge_start(network, *block[0])
    b = edge_end(network, *block[-1])
    n = edge_start(network, *route.steps[j])
    if sp.distances_from(a)[n] <= sp.distances_from(b)[n]:
        body = list(block)
        first, last = a, b
    else:
        body = [(e, not f) for e, f in reversed(block)]
        first, last = b, a
    go = patrol.expand(inst.path(row, n, first)) if n != first else []
    back = patrol.expand(inst.path(row, last, n)) if n != last else []
    extra = go + body + back
    s = network.edge_seconds(route.vehicle)
    steps = list(route.steps[:j]) + extra + list(route.steps[j:])
    service = list(route.service[:j]) + [False] * len(extra) + list(route.service[j:])
    return dataclasses.replace(
        route,
        steps=tuple(steps),
        service=tuple(service),
        seconds=tuple(float(s[e]) for e, _ in steps),
    )


def _block_candidates(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    routes: Sequence[TeamRoute],
    blocks: Sequence[Sequence[Step]],
    hot: np.ndarray,
    *,
    per_route: int = 2,
    max_growth: float = HOT_MAX_GROWTH,
    longest_min: float | None = None,
) -> list[tuple[float, int, int, int]]:
    """``(detour minutes, route, step, block)`` of cheap places to drive a hot block once more.

    A loop takes a block its vehicle may drive at its cheapest nodes (a
    quarter loop apart), the detour at most a third of its loop or its spare
    time up to the night's longest loop, and the loop at most ``max_growth``
    times the night's longest (``longest_min``, default of ``routes``); a loop that already
    passes every unit of the block takes it only a quarter loop or more away
    from its own passes there.
    """
    inst = patrol.instance
    longest = (
        max((r.loop_s for r in routes if r.on_patrol), default=0.0) / 60.0
        if longest_min is None
        else longest_min
    )
    dist: dict[tuple[int, int], np.ndarray] = {}
    out: list[tuple[float, int, int, int]] = []
    for i, r in enumerate(routes):
        if not r.on_patrol:
            continue
        s = network.edge_seconds(r.vehicle)
        row = int(inst.team_profile[patrol.teams.index(r.team)])
        secs = np.asarray(r.seconds) / 60.0
        ends = np.cumsum(secs)
        starts = ends - secs
        loop = float(ends[-1])
        nodes = np.array([edge_start(network, e, f) for e, f in r.steps], dtype=np.int64)
        own = _hot_steps(network, r, hot)
        own_units = set(_watched(network, [r.steps[k] for k in own], hot).tolist())
        for bi, block in enumerate(blocks):
            block_e = np.array([e for e, _ in block], dtype=np.int64)
            if not np.isfinite(s[block_e]).all():
                continue
            if (row, bi) not in dist:
                sp = inst.shortest_paths(row)
                a = edge_start(network, *block[0])
                b = edge_end(network, *block[-1])
                dist[(row, bi)] = (sp.distances_from(a) + sp.distances_from(b)) / 60.0
            cost = dist[(row, bi)][nodes] + float(s[block_e].sum()) / 60.0
            ok = (
                np.isfinite(cost)
                & (cost <= max(loop / 3.0, longest - loop))
                & (loop + cost <= max_growth * longest + 1e-6)
            )
            if set(_watched(network, block, hot).tolist()) <= own_units:
                for k in own:
                    off = np.abs((starts - starts[k] + loop / 2.0) % loop - loop / 2.0)
                    ok &= off >= loop / 4.0
            picked: list[int] = []
            for j in np.argsort(np.where(ok, cost, np.inf), kind="stable"):
                if not ok[j] or len(picked) >= per_route:
                    break
                if all(
                    abs((starts[j] - starts[k] + loop / 2.0) % loop - loop / 2.0) >= loop / 4.0
                    for k in picked
                ):
                    picked.append(int(j))
                    out.append((float(cost[j]), i, int(j), bi))
    out.sort()
    return out


def _hot_blocks(
    network: PatrolNetwork, routes: Sequence[TeamRoute], hot: np.ndarray
) -> list[list[Step]]:
    """Pieces of road to drive again for more passes over the ``hot`` units.

    The longest visit of each loop through them, and per vehicle the single
    road it may drive that watches most of them (driven there and back).
    """
    out: list[list[Step]] = []
    for r in routes:
        b = _hot_block(network, r, hot) if r.on_patrol else None
        if b is not None and b not in out:
            out.append(b)
    ue = network.watch.unit_edge.tocsc()[hot]
    counts = np.asarray(ue.sum(axis=0)).ravel()
    edges = np.flatnonzero(counts > 0)
    lengths = network.edges["length"].to_numpy()
    for vehicle in sorted({r.vehicle for r in routes if r.on_patrol}):
        s = network.edge_seconds(vehicle)
        ok = edges[np.isfinite(s[edges])]
        if not len(ok):
            continue
        e = int(ok[np.lexsort((ok, lengths[ok], -counts[ok]))[0]])
        block = [(e, True), (e, False)]
        if block not in out:
            out.append(block)
    return out


def _hot_block(network: PatrolNetwork, route: TeamRoute, hot: np.ndarray) -> list[Step] | None:
    """The steps of ``route``'s longest visit to the hot units (the piece a detour drives again)."""
    hs = _hot_steps(network, route, hot)
    if not len(hs):
        return None
    secs = np.asarray(route.seconds) / 60.0
    ends = np.cumsum(secs)
    starts = ends - secs
    loop = float(ends[-1])
    visits = _visits(starts, ends, hs, loop)
    n = len(route.steps)

    def length(v: tuple[int, int]) -> int:
        return (v[1] - v[0]) % n + 1

    a, b = max(visits, key=length)
    idx = [(a + i) % n for i in range(length((a, b)))]
    if sum(secs[i] for i in idx) > loop / 2.0:
        return None  # the hot units take half the loop already
    return [route.steps[i] for i in idx]


def hot_detours(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    routes: Sequence[TeamRoute],
    hot: Sequence[HotStretch],
    weights: np.ndarray,
    window_min: float,
    *,
    score: Callable[[Sequence[TeamRoute]], tuple[float, ...]] | None = None,
    max_extra: int = 3,
    tries: int = 12,
) -> list[TeamRoute]:
    """Drive the hot stretches more often, where the night's loops can take it.

    For each hot stretch, a *block* (the longest visit of a loop to the
    stretch, or per vehicle the road it may drive that watches most of the
    stretch, there and back) is driven once more by some team: a detour from a
    node of its loop, at most a third of the loop or the loop's spare time up to
    the night's longest, leaving the loop at most
    :data:`HOT_MAX_GROWTH` times the night's longest, a quarter loop or more
    from the team's own passes there. Of the ``tries`` cheapest detours the one
    that lowers the key most is kept, again up to ``max_extra`` extra passes per
    stretch while the key drops. The key is ``score`` (the re-plan passes its
    :class:`~borderwatch.plan.replan.loops.CutScore`: the rest of the night
    with what was driven before the cut), else ``(weighted worst, worst,
    weighted mean, driving)`` of the loops alone; the weighted worst counts each
    interval times the hot weight, so a stretch of weight ``w`` aims at ``T / w``.
    """
    out = list(routes)
    if not hot:
        return out
    # the growth cap is on the longest loop before any detour (no creeping up)
    longest0 = max((r.loop_s for r in out if r.on_patrol), default=0.0) / 60.0
    hot_w = np.ones(len(network.units))
    for h in hot:
        hot_w[h.units(network)] *= h.weight
    ev = _Evaluator(network, window_min, weights)

    def judge(rs: Sequence[TeamRoute]) -> tuple[float, ...]:
        return score(rs) if score is not None else _hot_key(ev, rs, hot_w, weights)

    key = judge(out)
    for h in hot:
        units = h.units(network)
        blocks = _hot_blocks(network, out, units)
        if not blocks:
            continue
        for _ in range(max_extra):
            best: tuple[tuple[float, ...], int, TeamRoute] | None = None
            found = _block_candidates(network, patrol, out, blocks, units, longest_min=longest0)
            for _cost, i, j, bi in found[:tries]:
                cand = _insert_block(network, patrol, out[i], blocks[bi], j)
                trial = [*out[:i], cand, *out[i + 1 :]]
                new_key = judge(trial)
                if new_key < key and (best is None or new_key < best[0]):
                    best = (new_key, i, cand)
            if best is None:
                break
            new_key, i, cand = best
            logger.info(
                "hot %s: team %s drives it once more per loop, loop %.1f -> %.1f min, "
                "weighted worst %.1f -> %.1f min",
                h.label,
                cand.team,
                out[i].loop_s / 60,
                cand.loop_s / 60,
                key[0],
                new_key[0],
            )
            out[i] = dataclasses.replace(
                cand,
                note=(cand.note + "; " if cand.note else "")
                + f"drives km {h.start_km:g}-{h.end_km:g} once more per loop (hot)",
            )
            key = new_key
    return out


def _watched(network: PatrolNetwork, steps: Sequence[Step], units: np.ndarray) -> np.ndarray:
    """The ``units`` that the edges of ``steps`` watch."""
    ue = network.watch.unit_edge.tocsc()
    sub = ue[units][:, [e for e, _ in steps]]
    return units[np.asarray(sub.sum(axis=1)).ravel() > 0]
