"""Why a loop is far longer than the others, or than the night, and what would help.

A min-max plan balances loops as far as the vehicles allow; a loop that stays
far longer than the rest (or than the night) is almost always forced by the
scenario: the team's vehicle is the only one allowed on some required roads
(tracks, paths), or its base is far from any road it serves. The report and
``plan.json`` (the route's ``note``) then say so, with the facts and a
suggestion, instead of an unexplained 400-minute loop with "gap 0.0 %".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csgraph

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.patrol import TeamRoute

__all__ = ["OUTLIER_FACTOR", "OUTLIER_MIN", "explain_outliers", "outlier_reason"]

#: A loop is an outlier when longer than this many times the longest loop of the other teams ...
OUTLIER_FACTOR = 1.5
#: ... and longer than it by at least this many minutes (or longer than the night).
OUTLIER_MIN = 30.0


def _served_edges(route: TeamRoute) -> np.ndarray:
    return np.array(
        sorted({e for (e, _), s in zip(route.steps, route.service, strict=True) if s}),
        dtype=np.int64,
    )


def outlier_reason(
    network: PatrolNetwork, route: TeamRoute, others: Sequence[TeamRoute], next_min: float
) -> str:
    """The facts behind an outlying loop of ``route`` and a suggestion, as one text.

    Parameters
    ----------
    network
        The plan's network.
    route
        The outlying team's route.
    others
        The other teams' routes (their vehicles decide who else could serve its roads).
    next_min
        The longest loop of the other teams on patrol (minutes; 0 when none).
    """
    loop_min = route.loop_s / 60.0
    night = network.config.night_minutes
    served = _served_edges(route)
    edges = network.edges
    length = edges["length"].to_numpy()
    facts = [
        f"loop {loop_min:.0f} min"
        + (f", longer than the {night:.0f}-min night" if loop_min > night else "")
        + (
            f" ({loop_min / next_min:.1f}x the next longest loop, {next_min:.0f} min)"
            if next_min > 0
            else ""
        )
    ]
    tips = []
    # roads only its vehicle may drive
    other_vehicles = sorted({r.vehicle for r in others if r.vehicle != route.vehicle})
    if len(served):
        open_to_other = np.zeros(len(served), dtype=bool)
        for vehicle in other_vehicles:
            open_to_other |= np.isfinite(network.edge_seconds(vehicle)[served])
        only = served[~open_to_other]
        if len(only):
            classes = sorted(set(edges["highway"].to_numpy()[only].astype(str)))
            same = sum(1 for r in others if r.vehicle == route.vehicle)
            who = (
                f"the only {route.vehicle}" if same == 0 else f"one of {same + 1} {route.vehicle}s"
            )
            facts.append(
                f"{who}: {length[only].sum() / 1000:.1f} km of its required roads "
                f"({', '.join(classes)}) no other team's vehicle may use"
            )
            tips.append(f"give another team a vehicle allowed on {', '.join(classes)}")
        # how far its nearest required road is from its base
        base = int(network.teams.loc[route.team, "node"])
        secs = csgraph.dijkstra(network.csr(route.vehicle), indices=base)
        ends = np.concatenate([edges["u"].to_numpy()[served], edges["v"].to_numpy()[served]])
        nearest_min = float(np.min(secs[ends])) / 60.0
        if np.isfinite(nearest_min) and nearest_min >= 10:
            facts.append(f"its nearest required road is {nearest_min:.0f} min from its base")
            units = network.watch.unit_edge[:, served].sum(axis=1) > 0
            units = np.asarray(units).ravel()
            if units.any():
                a = float(network.units["start_m"].to_numpy()[units].min()) / 1000
                b = float(network.units["end_m"].to_numpy()[units].max()) / 1000
                tips.append(f"base the team nearer km {a:.1f}-{b:.1f}")
    if not tips:
        tips.append("add a team with the same vehicle to share its roads")
    return "outlier: " + "; ".join(facts) + "; suggestion: " + " or ".join(tips)


def explain_outliers(network: PatrolNetwork, routes: Sequence[TeamRoute]) -> list[TeamRoute]:
    """``routes`` with the reason added to the ``note`` of every outlying loop.

    A loop is an outlier when it is longer than the night, or longer than
    :data:`OUTLIER_FACTOR` times the longest loop of the other teams on patrol
    and longer than it by :data:`OUTLIER_MIN` minutes: it stands apart from a
    min-max plan whose longest loops are otherwise alike.
    """
    active = [r for r in routes if r.on_patrol]
    if not active:
        return list(routes)
    night = network.config.night_minutes
    out = []
    for r in routes:
        loop_min = r.loop_s / 60.0
        others = [o for o in active if o.team != r.team]
        next_min = max((o.loop_s / 60.0 for o in others), default=0.0)
        far = bool(others) and (
            loop_min > OUTLIER_FACTOR * next_min and loop_min - next_min >= OUTLIER_MIN
        )
        if r.on_patrol and (far or loop_min > night):
            why = outlier_reason(network, r, others, next_min)
            r = dataclasses.replace(r, note=f"{r.note}; {why}" if r.note else why)
        out.append(r)
    return out
