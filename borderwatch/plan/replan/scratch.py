"""A plan from scratch of the same remainder: what a re-plan is held to.

:func:`from_scratch` answers "what would a fresh ``plan`` of the rest of the
night give?" for the same cut and dropped teams as :func:`~borderwatch.plan.replan.replan`:

* the **same remainder**: :func:`~borderwatch.plan.patrols.plan_patrols` on
  :func:`~borderwatch.plan.replan.cut.remainder_network` (the surviving teams,
  each based where tonight's timeline has it at the cut, the window from the cut
  to the night's end), with its own search, bound and night stage; its
  required roads are chosen afresh (:attr:`Scratch.same_required` says whether
  they are tonight's);
* **driven from where the teams are**: each team leaves its position when it is
  ready there (the re-plan's positions and ready times), drives the plan's
  approach (from its base, here its position, to where its first loop starts)
  and then its loop over and over until the window end; the approach's passes
  count;
* **scored like the re-plan**: the passes driven before the cut (tonight's
  timeline, :func:`~borderwatch.plan.replan.cut.passes_before`) and those after
  on one clock; the worst interval ending after the cut over the units tonight's
  plan or this plan passes, a unit no longer passed counting to the window end
  (the rule of :attr:`Replan.worst_revisit_min`).

:attr:`Scratch.worst_approach_before_cut_min` times the same loops as
``plan_patrols`` does (every team at its loop's start at the cut, the approach
driven before it): not drivable from the positions, a reference only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from borderwatch.config import SearchParams
from borderwatch.coverage.revisit import pass_times
from borderwatch.coverage.timeline import PatrolTimeline
from borderwatch.plan.patrols import PatrolPlan, plan_patrols
from borderwatch.plan.replan.cut import (
    cross_cut_revisits,
    parse_at,
    parse_drop,
    passes_before,
    plan_positions,
    remainder_network,
)

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["Scratch", "from_scratch"]


@dataclass(frozen=True)
class Scratch:
    """A plan from scratch of the rest of the night and its figures (see the module notes).

    Attributes
    ----------
    plan
        ``plan_patrols`` on the remainder network.
    worst_revisit_min
        Worst revisit for the rest of the night, the plan driven from the
        teams' positions (approach after the cut).
    worst_approach_before_cut_min
        The same with each team at its loop's start at the cut (reference).
    same_required
        Whether the plan chose tonight's required roads.
    """

    plan: PatrolPlan
    worst_revisit_min: float
    worst_approach_before_cut_min: float
    same_required: bool


def from_scratch(
    plan: PatrolPlan,
    network: PatrolNetwork,
    *,
    at: str | float,
    drop: Sequence[str] | str = (),
    search: SearchParams | None = None,
) -> Scratch:
    """Plan the rest of the night from scratch and score it as a re-plan is scored.

    Parameters
    ----------
    plan
        Tonight's plan, made on ``network``.
    network
        The network ``plan`` was made on.
    at, drop
        The cut and the teams that dropped out, as for
        :func:`~borderwatch.plan.replan.replan`.
    search
        ``plan_patrols``' search (default its own, seed 0).

    Returns
    -------
    Scratch
    """
    at_min = parse_at(at, network)
    dropped = parse_drop(drop, list(plan.instance.teams))
    survivors = [t for t in plan.instance.teams if t not in dropped]
    timeline = plan.schedule.timeline
    pos = plan_positions(network, timeline, at_min, survivors)
    rem = remainder_network(network, at_min, pos)
    fresh = plan_patrols(rem, search=search or SearchParams(seed=0))
    window = float(network.config.night_minutes)
    rest = window - at_min
    ready = {team: p.ready_min for team, p in pos.items()}
    before = passes_before(network, timeline, at_min, ready)
    tonight = np.zeros(len(network.units), dtype=bool)
    tonight[pass_times(network, timeline)["unit"].to_numpy(dtype=np.int64)] = True

    def worst(after: pd.DataFrame) -> float:
        after = after.assign(t=after["t"] + at_min)
        table = cross_cut_revisits(
            pd.concat([before, after], ignore_index=True), len(network.units), window, at_min
        )
        watched = (
            tonight
            | (table["n_passes"].to_numpy() > 0)
            | ~np.isnan(table["last_before_cut_min"].to_numpy(dtype=float))
        )
        return float(table["worst_revisit_min"].to_numpy()[watched].max())

    walks, starts = {}, {}
    for r in fresh.routes:
        if not r.on_patrol:
            continue
        start = ready[r.team] - at_min
        laps = int(max(0.0, rest - start) / (r.loop_s / 60.0)) + 2
        walks[r.team] = list(r.approach) + list(r.steps) * laps
        starts[r.team] = start
    driven = PatrolTimeline.from_walks(rem, walks, start_min=starts, window_min=rest, loop=False)
    return Scratch(
        plan=fresh,
        worst_revisit_min=worst(pass_times(rem, driven)),
        worst_approach_before_cut_min=worst(pass_times(rem, fresh.schedule.timeline)),
        same_required=sorted(map(int, fresh.required.edges))
        == sorted(map(int, plan.required.edges)),
    )
