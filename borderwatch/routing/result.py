"""The result of a k-team routing run and its invariant checks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from borderwatch.errors import RoutingError
from borderwatch.routing.instance import ArcInstance

__all__ = ["RoutingResult", "gap_pct"]

Step = tuple[int, bool]
"""``(edge id, forward)``: an edge driven ``u`` → ``v`` when ``forward``."""


def gap_pct(value: float, bound: float) -> float:
    """Return ``100 * (value - bound) / bound`` (0 when both are 0, inf when only bound is)."""
    if bound <= 0:
        return 0.0 if value <= 0 else math.inf
    return 100.0 * (value - bound) / bound


@dataclass(frozen=True)
class RoutingResult:
    """Per-team closed walks of a min-max routing run.

    Attributes
    ----------
    tasks
        Per team, the served required edges in order as ``(edge id, forward)``.
    walks
        Per team, the whole closed walk from its depot (deadheading included)
        as ``(edge id, forward)`` steps.
    team_cost
        Per team, the cost of its walk under its profile.
    max_cost
        The longest team walk (the min-max objective).
    total_cost
        The sum of the team walks (the secondary objective).
    lower_bound
        A lower bound on ``max_cost`` (see :mod:`borderwatch.routing.bounds`).
    seconds
        Wall-clock seconds spent.
    iterations
        Improvement iterations run.
    seed
        The random seed used.
    search_s
        Of ``seconds``, those of the search itself (after the setup: shortest paths,
        bound, initial solutions); what ``time_limit_s`` caps.
    bound_by_time
        Whether the wall-clock safety cap stopped the assignment bound that gave
        ``lower_bound`` (valid, but it may differ between runs and machines).
    """

    tasks: tuple[tuple[Step, ...], ...]
    walks: tuple[tuple[Step, ...], ...]
    team_cost: tuple[float, ...]
    max_cost: float
    total_cost: float
    lower_bound: float
    seconds: float
    iterations: int
    seed: int
    search_s: float = 0.0
    bound_by_time: bool = False

    @property
    def gap_pct(self) -> float:
        """Gap of ``max_cost`` above ``lower_bound`` in percent."""
        return gap_pct(self.max_cost, self.lower_bound)

    def validate(self, instance: ArcInstance, *, rel_tol: float = 1e-9) -> None:
        """Check every invariant of the result against ``instance``.

        Closed walks from each team's depot (in circuit mode, ``instance.circuit``,
        closed walks from their first step's start), every required edge served exactly
        once (by a team whose profile may drive it, in walk order), profile
        restrictions honoured on every step, reported costs equal to the walked
        edges, and ``lower_bound <= max_cost``.

        Raises
        ------
        RoutingError
            Naming the first violated invariant.
        """
        k = instance.n_teams
        if not len(self.tasks) == len(self.walks) == len(self.team_cost) == k:
            raise RoutingError(f"result must describe {k} teams")
        served = np.zeros(instance.n_edges, dtype=np.int64)
        costs = []
        for t in range(k):
            p = int(instance.team_profile[t])
            node = int(instance.depots[t])
            if instance.circuit and self.walks[t]:  # a circuit starts where its walk starts
                e0, f0 = self.walks[t][0]
                node = int(instance.u[e0] if f0 else instance.v[e0])
            home = node
            total = 0.0
            for e, fwd in self.walks[t]:
                a, b = (instance.u[e], instance.v[e]) if fwd else (instance.v[e], instance.u[e])
                if a != node:
                    raise RoutingError(
                        f"team {instance.team_label(t)}: walk breaks at edge {e} "
                        f"(starts at node {a}, team is at node {node})"
                    )
                c = float(instance.cost[p, e])
                if not math.isfinite(c):
                    raise RoutingError(
                        f"team {instance.team_label(t)}: profile {p} may not drive edge {e}"
                    )
                total += c
                node = int(b)
            if node != home:
                raise RoutingError(
                    f"team {instance.team_label(t)}: walk does not return to "
                    + ("its start" if instance.circuit else "base")
                )
            it = iter(self.walks[t])
            for step in self.tasks[t]:
                if not any(step == w for w in it):
                    raise RoutingError(
                        f"team {instance.team_label(t)}: served edge {step[0]} is not on its "
                        "walk in that order and direction"
                    )
                served[step[0]] += 1
            if not math.isclose(total, self.team_cost[t], rel_tol=rel_tol, abs_tol=1e-9):
                raise RoutingError(
                    f"team {instance.team_label(t)}: reported cost {self.team_cost[t]} "
                    f"!= walked cost {total}"
                )
            costs.append(total)
        bad = np.flatnonzero(served != instance.required.astype(np.int64))
        if len(bad):
            e = int(bad[0])
            raise RoutingError(
                f"edge {e} is served {int(served[e])} times "
                f"({'required' if instance.required[e] else 'not required'})"
            )
        if not math.isclose(max(costs), self.max_cost, rel_tol=rel_tol, abs_tol=1e-9):
            raise RoutingError(f"max_cost {self.max_cost} != longest walk {max(costs)}")
        if not math.isclose(sum(costs), self.total_cost, rel_tol=rel_tol, abs_tol=1e-9):
            raise RoutingError(f"total_cost {self.total_cost} != sum of walks {sum(costs)}")
        if self.lower_bound > self.max_cost * (1 + rel_tol) + 1e-9:
            raise RoutingError(f"lower_bound {self.lower_bound} exceeds max_cost {self.max_cost}")
