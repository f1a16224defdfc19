"""Team sizing: the fewest teams that reach a target worst revisit, and what binds.

Teams are taken in a spread-out order (farthest-point sampling on their bases,
starting from the base nearest the middle of the border), so that ``k`` teams
are always the ``k`` that cover the border best among simple choices; for each
``k`` the whole plan (required roads, min-max routes, schedule) is computed and
the worst revisit interval read off. The worst revisit falls as teams are
added but not strictly (a new team's base may be far from the binding
stretch), so every ``k`` up to the answer is evaluated, cheapest first by
bisection, then confirmed downwards.

Each plan's search runs a fixed number of iterations (:data:`SIZING_ITERATIONS`,
or until it converges), so the answer is the same on any machine; the time cap
only guards against a runaway search.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from borderwatch.config import TARGETS, SearchParams
from borderwatch.data.units import unit_runs
from borderwatch.errors import RoutingError
from borderwatch.plan.patrols import PatrolPlan, plan_patrols, spread_order

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = [
    "SIZING_ITERATIONS",
    "TeamSizing",
    "binding_stretches",
    "size_teams",
    "spread_order",
    "write_sizing",
]

logger = logging.getLogger(__name__)

#: Iterations of each sizing plan's min-max search. Sizing reads worst revisits
#: off whole plans; on Ningming 300, 500, 800 and 1,500 iterations and the former
#: 5 s cap (1,400-1,900 iterations under load) give the same worst revisit at every
#: team count but one (5 teams: 241.9 at 300, else 239.5); ``benchmarks/teams.py``.
SIZING_ITERATIONS = 1000


@dataclass(frozen=True)
class TeamSizing:
    """The answer of :func:`size_teams`.

    Attributes
    ----------
    target_min
        The worst-revisit target.
    order
        Team ids in the order they are added.
    worst_by_k
        Worst revisit interval (minutes) for each evaluated team count.
    fewest
        The fewest teams reaching the target (None if all teams do not).
    best_min
        The best worst-revisit reached (with all teams).
    binding
        Stretches whose revisit interval is within 5 % of the worst, with the
        answer's team count (or all teams): ``(start_km, end_km, township, worst_min)``.
    """

    target_min: float
    order: tuple[str, ...]
    worst_by_k: dict[int, float]
    fewest: int | None
    best_min: float
    binding: tuple[tuple[float, float, str, float], ...]


def binding_stretches(
    network: PatrolNetwork, plan: PatrolPlan, *, share: float = 0.95
) -> list[tuple[float, float, str, float]]:
    """Stretches (km from, km to, township, worst minutes) whose worst revisit is within ``share`` of the plan's worst."""
    table = plan.revisits
    worst = table["worst_revisit_min"].to_numpy(dtype=float)
    passed = table["n_passes"].to_numpy() > 0
    top = float(worst[passed].max()) if passed.any() else 0.0
    hot = passed & (worst >= share * top)
    units = network.units
    return [
        (
            round(float(units["start_m"].iat[i]) / 1000, 3),
            round(float(units["end_m"].iat[j]) / 1000, 3),
            str(units["township"].iat[i]),
            round(float(worst[i : j + 1].max()), 2),
        )
        for i, j in unit_runs(hot, units["part"].to_numpy())
    ]


def size_teams(
    network: PatrolNetwork,
    *,
    target_min: float = TARGETS.max_revisit_min,
    search: SearchParams | None = None,
    progress: Callable[[str], None] | None = None,
) -> TeamSizing:
    """Find the fewest teams whose plan keeps every patrolled unit's worst revisit within ``target_min``.

    Parameters
    ----------
    network
        The patrol network with all available teams.
    target_min
        Worst revisit target (minutes).
    search
        Each plan's search (:func:`~borderwatch.plan.patrols.plan_patrols`); default
        :data:`SIZING_ITERATIONS` iterations (the same answer on any machine; a 10 s
        cap per plan only as a safety) and no assignment bound (``bound_rounds=0``:
        sizing compares worst revisits, not gaps to a bound, and the bound was about
        a third of each plan's time; ``benchmarks/teams.py``).
    progress
        Called with a message before each plan.

    Returns
    -------
    TeamSizing
    """
    search = search or SearchParams(
        time_limit_s=10.0, max_iterations=SIZING_ITERATIONS, bound_rounds=0
    )
    if len(network.teams) == 0:
        raise RoutingError("zero teams: nothing to size")
    if not target_min > 0:
        raise RoutingError(f"target_min must be > 0 minutes, not {target_min!r}")
    order = spread_order(network)
    say = progress or (lambda _m: None)
    plans: dict[int, PatrolPlan] = {}

    def worst(k: int) -> float:
        if k not in plans:
            say(f"planning with {k} of {len(order)} teams")
            sub = network.with_teams(network.teams.loc[order[:k]])
            try:
                plans[k] = plan_patrols(sub, search)
            except RoutingError as err:
                logger.info("k=%d: %s", k, err)
                return float("inf")
        return float(plans[k].schedule.worst_revisit_min)

    n = len(order)
    best = worst(n)
    fewest: int | None = None
    if best <= target_min:
        lo, hi = 1, n  # worst(hi) <= target
        while lo < hi:
            mid = (lo + hi) // 2
            if worst(mid) <= target_min:
                hi = mid
            else:
                lo = mid + 1
        fewest = hi
    answer = plans.get(fewest if fewest is not None else n)
    binding = tuple(binding_stretches(network, answer)) if answer is not None else ()
    return TeamSizing(
        target_min=float(target_min),
        order=tuple(order),
        worst_by_k={
            k: round(float(p.schedule.worst_revisit_min), 2) for k, p in sorted(plans.items())
        },
        fewest=fewest,
        best_min=round(best, 2),
        binding=binding,
    )


def write_sizing(result: TeamSizing, out_dir: str | Path) -> list[Path]:
    """Write ``teams.json`` (the whole answer) and ``teams.csv`` (worst revisit by team count).

    The folder is written whole (:func:`~borderwatch.atomic.atomic_folder`, kind
    ``"teams"``; files of others in it are kept); returns the two paths.
    """
    import json

    from borderwatch.atomic import atomic_folder

    out = Path(out_dir)
    from borderwatch.describe import SCHEMA_VERSION

    record = {
        "schema_version": SCHEMA_VERSION,
        "files": ["teams.csv", "teams.json"],
        "target_min": result.target_min,
        "order": list(result.order),
        "worst_by_k": {str(k): round(v, 2) for k, v in sorted(result.worst_by_k.items())},
        "fewest": result.fewest,
        "best_min": round(result.best_min, 2),
        "binding": [
            {"start_km": a, "end_km": b, "township": t, "worst_min": round(w, 2)}
            for a, b, t, w in result.binding
        ],
    }
    lines = ["teams,worst_revisit_min,teams_in_order"]
    for k, worst in sorted(result.worst_by_k.items()):
        lines.append(f"{k},{worst:.2f},{' '.join(result.order[:k])}")
    with atomic_folder(out, kind="teams") as stage:
        (stage / "teams.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        (stage / "teams.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [out / "teams.json", out / "teams.csv"]
