"""Route variants: unpredictable nightly patrols that keep the revisit guarantee.

A team loops a closed route of ``D`` minutes: every unit on it is passed at
least once every ``D`` minutes whichever way round the loop is driven and
wherever on the loop the team is at the start of the night. So the variants
of a route are the two directions × a set of phases (how far into the loop
the team is at the window start); every variant keeps the guarantee
"worst revisit ≤ D" for the units that team alone watches. The schedule's
stagger between teams sharing units is an optimisation on top of the
guarantee; variants trade it for unpredictability, in the spirit of the
randomised patrol schedules of deployed security games (ARMOR at LAX).

The choice among variants is drawn from a seeded generator, so a week's
draws are reproducible from the seed and unpredictable without it; the odds of
the draw are chosen by :mod:`borderwatch.plan.odds` (an LP that maximises the
detection an intruder who knows the variants and odds can be sure of). A phase
grid finer than the crossing time (:func:`phase_count`: a loop started at a
drawn point, phases at most 7.5 min apart) is what lets the odds close every
window between passes; the historical 4 phases left windows no variant passes in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.patrol import TeamRoute

__all__ = [
    "PHASE_SPACING_MIN",
    "RouteVariant",
    "detour_added_steps",
    "detour_card",
    "detour_steps",
    "detour_variants",
    "phase_count",
    "reverse_steps",
    "route_variants",
    "variant_seconds",
    "variant_steps",
]


@dataclass(frozen=True)
class RouteVariant:
    """One way of driving a team's loop on one night.

    Attributes
    ----------
    team
        Team id.
    variant
        Variant id, e.g. ``"T01-r3"``: direction letter (``f``/``r``) and phase index.
    reverse
        Drive the loop backwards.
    phase_min
        Minutes into the loop at the window start (the team set out that long before).
    loop_min
        Loop duration (the revisit guarantee for units only this team watches);
        for a detour, the loop with its turn-back.
    detour
        ``None``, or ``(i, j)``: a *drawn detour* (a turn-back). Steps ``i..j-1``
        of the plan's loop (forward order) are driven, then back the other way
        to the first node of step ``i``, then once more forward, and the loop
        goes on (:func:`detour_steps`): the units along that stretch are passed
        three times a loop instead of once. A reversed detour variant drives the
        detoured loop backwards.
    """

    team: str
    variant: str
    reverse: bool
    phase_min: float
    loop_min: float
    detour: tuple[int, int] | None = None


def reverse_steps(steps: tuple[tuple[int, bool], ...]) -> tuple[tuple[int, bool], ...]:
    """The same closed walk driven the other way round."""
    return tuple((e, not f) for e, f in reversed(steps))


#: Consecutive phases of a loop's variants lie at most this far apart (minutes): half
#: the default crossing time, so that every 15-minute crossing meets some variant's pass.
PHASE_SPACING_MIN = 7.5


def phase_count(
    loop_min: float, spacing_min: float = PHASE_SPACING_MIN, *, least: int = 4, most: int = 24
) -> int:
    """Phases per direction so that consecutive phases lie at most ``spacing_min`` apart.

    Between ``least`` (the roster's historical 4) and ``most``. With phases
    ``τ/2`` apart, every exposure of ``τ`` minutes holds a pass of some variant
    of each direction, so odds exist that see every crossing on the loop with
    a positive probability (:mod:`borderwatch.plan.odds`).

    Examples
    --------
    >>> phase_count(88.1), phase_count(20.0), phase_count(600.0)
    (12, 4, 24)
    """
    if loop_min <= 0:
        return least
    return int(max(least, min(most, math.ceil(loop_min / float(spacing_min) - 1e-9))))


def route_variants(route: TeamRoute, n_phases: int | None = None) -> list[RouteVariant]:
    """All variants of ``route``: both directions × ``n_phases`` evenly spaced phases.

    Parameters
    ----------
    route
        A team's loop.
    n_phases
        Phases per direction (``loop * j / n_phases``); default
        :func:`phase_count` of the loop (at most 7.5 min apart, 4 to 24): a
        loop started at a drawn point.

    Returns
    -------
    list of RouteVariant
        ``2 * n_phases`` variants (just one for a team with an empty route).
    """
    if n_phases is None:
        n_phases = phase_count(route.loop_s / 60.0)
    if n_phases < 1:
        raise ValueError(f"n_phases must be at least 1, not {n_phases}")
    loop = route.loop_s / 60.0
    if not route.steps:
        return [RouteVariant(route.team, f"{route.team}-base", False, 0.0, 0.0)]
    out = []
    for reverse in (False, True):
        for j in range(n_phases):
            out.append(
                RouteVariant(
                    team=route.team,
                    variant=f"{route.team}-{'r' if reverse else 'f'}{j}",
                    reverse=reverse,
                    phase_min=float(np.round(loop * j / n_phases, 6)),
                    loop_min=loop,
                )
            )
    return out


def detour_steps(
    steps: tuple[tuple[int, bool], ...], detour: tuple[int, int]
) -> tuple[tuple[int, bool], ...]:
    """The loop ``steps`` with the turn-back ``detour = (i, j)``: drive ``i..j-1``, back, and again.

    The walk stays closed: after step ``j - 1`` the team is at the last node of
    the stretch, drives the stretch backwards to its first node, turns, drives it
    forward again and continues with step ``j``. It adds twice the stretch's
    driving time to the loop.

    Examples
    --------
    >>> detour_steps(((1, True), (2, True), (3, False)), (0, 2))
    ((1, True), (2, True), (2, False), (1, False), (1, True), (2, True), (3, False))
    """
    i, j = detour
    if not 0 <= i < j <= len(steps):
        raise ValueError(f"detour {detour} is not a stretch of a {len(steps)}-step loop")
    part = tuple(steps[i:j])
    return tuple(steps[:j]) + reverse_steps(part) + part + tuple(steps[j:])


def variant_steps(route: TeamRoute, variant: RouteVariant) -> tuple[tuple[int, bool], ...]:
    """The closed walk a crew drives for ``variant`` of ``route`` (detour, then direction)."""
    steps = tuple(route.steps)
    if variant.detour is not None:
        steps = detour_steps(steps, variant.detour)
    return reverse_steps(steps) if variant.reverse else steps


def detour_added_steps(
    steps: tuple[tuple[int, bool], ...], detour: tuple[int, int]
) -> tuple[tuple[int, bool], ...]:
    """The steps a turn-back adds to the loop: the stretch ``i..j-1`` backwards, then forward again.

    Inserted after step ``j - 1`` they make :func:`detour_steps`.

    Examples
    --------
    >>> detour_added_steps(((1, True), (2, True), (3, False)), (0, 2))
    ((2, False), (1, False), (1, True), (2, True))
    """
    i, j = detour
    if not 0 <= i < j <= len(steps):
        raise ValueError(f"detour {detour} is not a stretch of a {len(steps)}-step loop")
    part = tuple(steps[i:j])
    return reverse_steps(part) + part


def variant_seconds(route: TeamRoute, variant: RouteVariant) -> np.ndarray:
    """Seconds of each step of :func:`variant_steps` (a road takes as long either way)."""
    secs = np.asarray(route.seconds, dtype=float)
    if variant.detour is not None:
        i, j = variant.detour
        secs = np.concatenate([secs[:j], secs[i:j][::-1], secs[i:j], secs[j:]])
    return secs[::-1] if variant.reverse else secs


def detour_variants(
    route: TeamRoute, detours: list[tuple[int, int]], n_phases: int | None = None
) -> list[RouteVariant]:
    """The variants of ``route`` with a drawn detour: each detour × both directions × phases.

    Parameters
    ----------
    route
        A team's loop.
    detours
        Stretches ``(i, j)`` of the loop's steps (:class:`RouteVariant`
        ``detour``); the ``k``-th gives variants ``"<team>-d<k>f<phase>"`` and
        ``"<team>-d<k>r<phase>"``.
    n_phases
        Phases per direction (default :func:`phase_count` of the detoured loop).

    Returns
    -------
    list of RouteVariant
    """
    secs = np.asarray(route.seconds, dtype=float) / 60.0
    base = float(route.loop_s) / 60.0
    out = []
    for k, (i, j) in enumerate(detours):
        loop = base + 2.0 * float(secs[i:j].sum())
        n = phase_count(loop) if n_phases is None else n_phases
        for reverse in (False, True):
            for p in range(n):
                out.append(
                    RouteVariant(
                        team=route.team,
                        variant=f"{route.team}-d{k}{'r' if reverse else 'f'}{p}",
                        reverse=reverse,
                        phase_min=float(np.round(loop * p / n, 6)),
                        loop_min=loop,
                        detour=(int(i), int(j)),
                    )
                )
    return out


def _road_names(network: PatrolNetwork, steps: tuple[tuple[int, bool], ...]) -> list[str]:
    """The named roads along ``steps``, in driving order, each once."""
    names = network.edges["name"] if "name" in network.edges.columns else None
    out: list[str] = []
    for e, _ in steps:
        raw = names.iat[e] if names is not None else None
        name = str(raw) if isinstance(raw, str) and raw.strip() else ""
        if name and name not in out:
            out.append(name)
    return out


def detour_card(network: PatrolNetwork, route: TeamRoute, variant: RouteVariant) -> str:
    """What the crew drives for a detour variant, in one sentence (empty for a plain variant).

    Times are minutes into the plain loop as the variant drives it (forward from
    its start, or backwards for a reversed variant: the same stretch, met from
    its other end).

    Parameters
    ----------
    network
        The patrol network (road names and nodes).
    route
        The team's loop.
    variant
        One of ``detour_variants(route, ...)``.

    Returns
    -------
    str
    """
    if variant.detour is None:
        return ""
    i, j = variant.detour
    secs = np.asarray(route.seconds, dtype=float) / 60.0
    begin, length = float(secs[:i].sum()), float(secs[i:j].sum())
    eu, ev = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    e0, f0 = route.steps[i]
    e1, f1 = route.steps[j - 1]
    first = int(eu[e0] if f0 else ev[e0])
    last = int(ev[e1] if f1 else eu[e1])
    if variant.reverse:  # the reversed loop meets the stretch from its last node
        begin = float(secs.sum()) - begin - length
        first, last = last, first
    roads = _road_names(network, tuple(route.steps[i:j]))
    via = f" along {', '.join(roads)}" if roads else ""
    way = "backwards (the loop reversed)" if variant.reverse else "forward"
    ll = network.nodes.iloc[[first, last]].to_crs(4326).geometry
    at = [f"node {n} ({g.y:.5f}, {g.x:.5f})" for n, g in zip((first, last), ll, strict=True)]
    if first == last:  # a side trip that comes back to where it left the loop
        what = (
            f"the side trip{via} from {at[0]} back to it ({length:.1f} min) is driven three "
            "times in a row instead of once"
        )
    else:
        what = (
            f"drive the stretch{via} from {at[0]} to {at[1]} ({length:.1f} min), turn back to "
            f"{at[0]}, turn again and drive the stretch once more"
        )
    return (
        f"{variant.variant}: the loop {way}; at {begin:.1f} min into the loop {what}; then go "
        f"on with the loop: {variant.loop_min:.1f} min a loop instead of "
        f"{route.loop_s / 60.0:.1f}"
    )
