"""Re-plan the rest of the night when a team drops out or a stretch of the border turns hot.

:func:`replan` takes tonight's :class:`~borderwatch.plan.patrols.PatrolPlan`, a
cut time ``at`` inside the night window, the teams that dropped out and the
stretches that turned hot, and plans the rest of the night (``at`` to the
window end) for the teams still on duty:

* **Cut.** Every surviving team is where the plan's timeline (or its driven
  GPS track) has it at ``at``: a team driving a road then finishes that road,
  so its position is the road's end and it is ready there a little after
  ``at`` (:class:`TeamPosition`). What was driven before the cut (the plan's
  traversals, or the GPS tracks) is kept.
* **Remainder.** A copy of the network with the surviving teams only, the
  night window ``[at, end]`` and each team's ``node`` set to its position
  (:func:`remainder_network`): every new loop is a closed tour through where
  the team is, started when it is ready there, with no approach from base.
* **Routing.** The same required roads as tonight's plan; the min-max search
  starts from the better of tonight's assignment (each survivor keeps its
  roads, the dropped teams' roads go in by best insertion) and the greedy
  start (on Ningming the greedy one, and either reaches the final longest loop
  within about 100 iterations), searched 2 s by default, with the basic lower
  bound only (no assignment-bound rounds: they would cost more than the
  re-plan); then the night stage of :func:`~borderwatch.plan.patrols.plan_patrols`
  (take-over, extension, co-patrol, standby) with the risk weights of the
  scenario times the hot stretches' weights.
* **Hot stretches.** Units whose chainage lies in a hot stretch weigh ``w``
  times more, in the night stage and after it: the piece of road that passes
  most of the stretch (a loop's visit there, or the road a vehicle may drive
  that watches most of it) is driven once more per loop by the team whose
  detour lowers the *weighted* worst revisit most (interval times weight, so
  the target on a hot stretch is ``T / w``), up to three extra passes per
  stretch (:func:`hot_detours`). The passes there go up; the price is a longer
  loop for the teams that drive it (measured in :attr:`Replan.hot_passes`, the
  worst revisit and ``benchmarks/results/replan.md``).
* **Orientation.** A loop must start at the team's position but may be driven
  either way round: each is driven the way that serves first the units
  waiting longest since their last pass before the cut (:func:`orient_for_cut`).
* **Stability.** A commander cannot radio sixteen new loops at 02:10: every
  team keeps tonight's loop, continued from where it is, unless changing it
  pays (:func:`~borderwatch.plan.replan.loops.keep_unchanged`: all kept
  when every required road stays served and the rest of the night's worst
  revisit stays within 2 min or 2 % of the all-new plan's, else team by
  team); :attr:`Replan.changed` lists the teams whose loop changes.
* **Revisits across the cut.** The passes before the cut and those of the new
  loops are put on one clock (minutes after the original window start); for
  every unit the worst interval that ends after the cut is reported, so a unit
  passed at 01:55 is not "unpassed since 20:00". The same figure for tonight's
  plan kept as it is with the dropped teams gone is what the commander gets by
  doing nothing (:attr:`Replan.original_worst_revisit_min`); both figures run
  over the same units (those tonight's plan, the kept or the new plan passes),
  a unit a plan no longer passes after the cut counting to the window end, and
  :attr:`Replan.unpassed_km` / :attr:`Replan.original_unpassed_km` say how
  much border each leaves unpassed.
"""

from borderwatch.plan.replan.cut import cross_cut_revisits, plan_positions, remainder_network
from borderwatch.plan.replan.engine import replan
from borderwatch.plan.replan.hot import hot_detours
from borderwatch.plan.replan.loops import orient_for_cut
from borderwatch.plan.replan.model import HotStretch, Replan, Takeover, TeamPosition

__all__ = [
    "HotStretch",
    "Replan",
    "Takeover",
    "TeamPosition",
    "cross_cut_revisits",
    "hot_detours",
    "orient_for_cut",
    "plan_positions",
    "remainder_network",
    "replan",
]
