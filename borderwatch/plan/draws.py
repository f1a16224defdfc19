"""In-night randomisation: the direction of every loop drawn from a sealed list.

The watching intruder (:mod:`borderwatch.coverage.detection`) sees a patrol
pass and starts: against a loop driven the same way all night he has the
loop's period, every night. Here each team's crew opens, at every loop start,
the next card of a sealed list that says which way this loop goes (forward or
reverse; drawn with ``p_reverse`` by a generator seeded from the salt, the
night and the team, so the list is reproducible with the salt and unknown
without it). After seeing a pass, the next pass at a unit is then random:
a unit ``a`` minutes into the forward loop is passed again after ``D`` (same
direction) or ``2 (D - a)`` (forward, then reverse) / ``2 a`` (reverse, then
forward).

:func:`draw_odds` chooses ``p_reverse`` per team by an LP over the
situations (HiGHS, :func:`~borderwatch.plan.odds.lp_odds`): maximise the
least watching figure over the team's units, then the mean, subject to the
worst revisit of every drawn sequence staying within the target. A direction
change makes the gap ``2 (D - a)`` near the loop's start point, up to ``2 D``;
where that exceeds the target the LP may not mix and keeps one direction.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from borderwatch.coverage.detection import DrawTable, draw_table
from borderwatch.coverage.revisit import pass_times
from borderwatch.coverage.timeline import PatrolTimeline
from borderwatch.plan.variants import reverse_steps

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.patrol import TeamRoute

__all__ = [
    "InNight",
    "draw_odds",
    "drawn_timeline",
    "expected_seen",
    "in_night_detection",
    "sealed_list",
    "team_draw_table",
]

logger = logging.getLogger(__name__)


def team_draw_table(network: PatrolNetwork, route: TeamRoute, tau: np.ndarray | float) -> DrawTable:
    """The :class:`~borderwatch.coverage.detection.DrawTable` of one team's loop.

    Three loops are timed as driven one after the other for each of the 8
    direction triples (:meth:`PatrolTimeline.from_walks`,
    :func:`~borderwatch.coverage.revisit.pass_times`), so a turn at the loop
    start in view of a unit is one pass, as on the night's GPX.
    """
    d = route.loop_s / 60.0
    n = len(network.units)
    loops = (list(route.steps), list(reverse_steps(route.steps)))
    triples = {}
    for a in (0, 1):
        for b in (0, 1):
            for c in (0, 1):
                walk = loops[a] + loops[b] + loops[c]
                tl = PatrolTimeline.from_walks(
                    network, {route.team: walk}, window_min=3 * d + 1e-6, loop=False
                )
                p = pass_times(network, tl)
                triples[(a, b, c)] = (
                    p["unit"].to_numpy(dtype=np.int64),
                    p["t"].to_numpy(dtype=float),
                )
    return draw_table(triples, d, tau, n)


def draw_odds(table: DrawTable, max_revisit_min: float | None = None) -> tuple[float, float]:
    """``P(reverse)`` per loop that maximises the least watching figure, then the mean.

    The LP (:func:`~borderwatch.plan.odds.lp_odds`) runs over the situations
    (rows) and the next card's two directions (columns). Mixing is allowed
    only if the worst revisit of every drawn sequence stays within
    ``max_revisit_min``; otherwise the loop keeps one direction (``0``).

    Returns
    -------
    (float, float)
        ``p_reverse`` and the least watching figure over the team's units under it.
    """
    from borderwatch.plan.odds import lp_odds

    passed = np.unique(table.unit)
    if not len(passed):
        return 0.0, 0.0
    mix_ok = max_revisit_min is None or (
        float(table.worst_revisit(0.5)[passed].max()) <= max_revisit_min + 1e-9
    )
    if not mix_ok:
        return 0.0, float(table.watching(0.0)[passed].min())
    p, _z = lp_odds(table.seen)
    # the LP counts the situations of a direction it gives odds 0 (conservative);
    # the exact figure counts only those the draws can give, so the pure
    # directions are checked too: the best (least, then mean) wins; on ties every loop
    # forward (today's practice), then reverse, then the LP's mix
    best = (-1.0, -1.0)
    p_rev = 0.0
    for cand in (0.0, 1.0, round(float(p[1]), 6)):
        w = table.watching(cand)[passed]
        key = (round(float(w.min()), 9), round(float(w.mean()), 9))
        if key > best:
            best, p_rev = key, cand
    return p_rev, float(table.watching(p_rev)[passed].min())


@dataclass(frozen=True)
class InNight:
    """The night's figures with in-night direction draws.

    Attributes
    ----------
    p_reverse
        Team → the chance a loop is driven in reverse.
    p_watching_share
        Per unit: the chance of a watcher who cannot tell which pass of which
        loop he saw (:meth:`DrawTable.share`; the same lower bound over teams).
    p_watching
        Per unit: the watching figure (1 where a checkpoint watches; where
        several teams pass a unit, the least over them of each team's own
        figure: the other teams can only add passes, so this is a lower bound).
    worst_revisit_min
        The worst revisit any drawn sequence can give, over the units (each team alone).
    worst_revisit_fixed_min
        The same with every loop driven forward (today's plan).
    tables
        Team → its draw table.
    """

    p_reverse: dict[str, float]
    p_watching: np.ndarray
    p_watching_share: np.ndarray
    worst_revisit_min: float
    worst_revisit_fixed_min: float
    tables: dict[str, DrawTable]


def in_night_detection(
    network: PatrolNetwork,
    routes: Sequence[TeamRoute],
    tau: np.ndarray | float,
    checkpoint: np.ndarray,
    *,
    max_revisit_min: float | None = None,
    p_reverse: float | Mapping[str, float] | None = None,
) -> InNight:
    """Watching figures and worst revisit with per-loop direction draws.

    Parameters
    ----------
    network, routes
        The plan.
    tau
        Crossing time per unit.
    checkpoint
        Units a staffed checkpoint watches.
    max_revisit_min
        The revisit target of :func:`draw_odds` (default the config's).
    p_reverse
        Fixed odds (one for all teams, or per team) instead of :func:`draw_odds`.
    """
    if max_revisit_min is None:
        max_revisit_min = network.config.targets.max_revisit_min
    n = len(network.units)
    low = np.full(n, np.inf)
    low_share = np.full(n, np.inf)
    tables, odds = {}, {}
    worst = worst_fixed = 0.0
    for r in routes:
        if not r.on_patrol:
            continue
        tab = team_draw_table(network, r, tau)
        if p_reverse is None:
            p, _ = draw_odds(tab, max_revisit_min)
        elif isinstance(p_reverse, Mapping):
            p = float(p_reverse.get(r.team, 0.0))
        else:
            p = float(p_reverse)
        tables[r.team], odds[r.team] = tab, p
        mine = np.unique(tab.unit)
        low[mine] = np.minimum(low[mine], tab.watching(p)[mine])
        low_share[mine] = np.minimum(low_share[mine], tab.share(p)[mine])
        worst = max(worst, float(tab.worst_revisit(p).max(initial=0.0)))
        worst_fixed = max(worst_fixed, float(tab.worst_revisit(0.0).max(initial=0.0)))
    p_w = np.where(np.isfinite(low), low, 0.0)
    p_w = np.where(np.asarray(checkpoint, bool), 1.0, p_w)
    p_s = np.where(
        np.asarray(checkpoint, bool), 1.0, np.where(np.isfinite(low_share), low_share, 0.0)
    )
    logger.info(
        "in-night draws: P(reverse) %s; watching min %.3f; worst revisit %.1f min (fixed %.1f)",
        odds,
        float(p_w.min()) if n else 1.0,
        worst,
        worst_fixed,
    )
    return InNight(odds, p_w, p_s, worst, worst_fixed, tables)


def sealed_list(salt: str, night: date, team: str, n_loops: int, p_reverse: float) -> list[str]:
    """The sealed cards of one team for one night: ``"F"`` or ``"R"`` per loop, in order.

    Drawn independently with ``p_reverse`` from a generator seeded by SHA-256 of
    (salt, night, team) (as the roster's draws): the
    same list every time with the salt, unpredictable without it.

    Examples
    --------
    >>> sealed_list("s", date(2026, 12, 6), "T01", 6, 0.0)
    ['F', 'F', 'F', 'F', 'F', 'F']
    >>> sealed_list("s", date(2026, 12, 6), "T01", 8, 0.5) == sealed_list(
    ...     "s", date(2026, 12, 6), "T01", 8, 0.5)
    True
    """
    if not 0.0 <= p_reverse <= 1.0:
        raise ValueError(f"p_reverse must lie in [0, 1], not {p_reverse}")
    # the roster's seeding (roster/rotation.py seed_for; plan/ may not import roster/)
    key = "\x1f".join((salt, "in-night", night.isoformat(), team)).encode("utf-8")
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))
    return ["R" if x < p_reverse else "F" for x in rng.random(n_loops)]


def drawn_timeline(
    network: PatrolNetwork,
    routes: Sequence[TeamRoute],
    cards: Mapping[str, Sequence[str]],
    window_min: float,
) -> PatrolTimeline:
    """The night each team drives when it follows its sealed cards from the window start.

    Loop ``i`` starts at ``i · D`` from the loop's start point, in the
    direction of card ``i`` (the list must cover the window: at least
    ``ceil(W / D)`` cards).
    """
    walks = {}
    for r in routes:
        if not r.on_patrol or r.team not in cards:
            continue
        need = math.ceil(window_min / (r.loop_s / 60.0))
        seq = list(cards[r.team])
        if len(seq) < need:
            raise ValueError(f"team {r.team}: {len(seq)} cards for {need} loops")
        walk: list[tuple[int, bool]] = []
        for c in seq[:need]:
            walk.extend(reverse_steps(r.steps) if c == "R" else r.steps)
        walks[r.team] = walk
    return PatrolTimeline.from_walks(network, walks, window_min=window_min, loop=False)


def expected_seen(table: DrawTable, unit: int, prev: str, card: str, p_reverse: float) -> float:
    """The closed form's chance that a watcher after a pass of ``unit`` is seen, per pass.

    Over the passes of a loop driven ``card`` after a loop driven ``prev``
    (``"F"``/``"R"``), the next card drawn with ``p_reverse``: expected passes
    seen over expected passes (a pass that only one next card gives counts
    with that card's chance). What the simulator's
    :func:`~borderwatch.coverage.crossings.replay_watching_draws` measures.
    """
    a, b = int(prev == "R"), int(card == "R")
    mine = (table.unit == unit) & (table.prev == a) & (table.direction == b)
    if not mine.any():
        return math.nan
    w = np.array([1.0 - p_reverse, p_reverse])
    only = table.only_next[mine]
    weight = np.where(only < 0, 1.0, w[np.maximum(only, 0)])
    return float((weight * table.situation_p(p_reverse)[mine]).sum() / weight.sum())
