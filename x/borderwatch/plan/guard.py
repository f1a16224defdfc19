"""The last check of a plan: every step of every route is one its vehicle may drive.

Routing builds each team's cost matrix only from the edges its vehicle profile
may use (:meth:`~borderwatch.data.network.PatrolNetwork.edge_seconds`), so a
route on a footway, a track a pickup may not take, a road closed by its access
tags, past a closed gate or through a ford the vehicle may not cross can only
come from a bug. :func:`check_routes` walks every step of every loop and
approach drive once more and raises :class:`ProfileViolation` naming the team,
the edge, its OSM way id, its class and the reason, instead of writing a plan
no crew can drive.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from borderwatch.data.network import closed_reasons

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.patrol import TeamRoute

__all__ = ["ProfileViolation", "check_routes", "violations"]


class ProfileViolation(RuntimeError):
    """A route steps on an edge its vehicle may not use: a bug, never a plan to hand out."""


def violations(network: PatrolNetwork, routes: Iterable[TeamRoute]) -> list[str]:
    """One line per step of ``routes`` that its vehicle may not drive (empty: all drivable).

    Parameters
    ----------
    network
        The network the routes were planned on.
    routes
        Loops (``steps``) and approach drives (``approach``) of the teams.

    Returns
    -------
    list of str
        ``"team T1 (pickup) loop step 12: edge 345 (OSM way 678, highway=track): class
        not allowed"`` and the like, in team and step order.
    """
    edges = network.edges
    osmid = edges["osmid"].to_numpy()
    highway = edges["highway"].to_numpy()
    out: list[str] = []
    for route in routes:
        secs = network.edge_seconds(route.vehicle)
        profile = network.config.profile(route.vehicle)
        reasons: np.ndarray | None = None
        for part, steps in (("loop", route.steps), ("approach", route.approach)):
            if not steps:
                continue
            idx = np.fromiter((e for e, _ in steps), dtype=np.int64, count=len(steps))
            bad = np.flatnonzero(~np.isfinite(secs[idx]))
            for k in bad:
                e = int(idx[k])
                if reasons is None:
                    reasons = closed_reasons(edges, network.config, route.vehicle)
                causes = [
                    *(["class not allowed"] if not profile.allows(str(highway[e])) else []),
                    *([str(reasons[e])] if reasons[e] else []),
                ]
                why = ", ".join(causes) or "no finite driving time"
                out.append(
                    f"team {route.team} ({route.vehicle}) {part} step {int(k)}: edge {e} "
                    f"(OSM way {osmid[e]}, highway={highway[e]}): {why}"
                )
    return out


def check_routes(network: PatrolNetwork, routes: Iterable[TeamRoute]) -> None:
    """Raise :class:`ProfileViolation` if any step of ``routes`` is closed to its vehicle.

    Raises
    ------
    ProfileViolation
        Naming every bad step (the first 10, and how many more).
    """
    bad = violations(network, routes)
    if bad:
        more = f"\n… and {len(bad) - 10} more" if len(bad) > 10 else ""
        raise ProfileViolation(
            f"{len(bad)} route step(s) on roads their vehicle may not use (a bug; please "
            "report it with the scenario):\n" + "\n".join(bad[:10]) + more
        )
