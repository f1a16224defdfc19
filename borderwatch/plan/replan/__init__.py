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
  Under ``loops = "circuit"`` (a circuit plan) the remainder is a circuit
  instance: each loop need not pass where the team is; the team drives there
  first (its approach, after the cut, within ``max_approach_min``,
  :func:`~borderwatch.plan.replan.loops.approach_at`), its passes counted.
* **Routing.** The same required roads as tonight's plan; the min-max search
  runs from ``starts`` seeds (3 by default; the first warm from tonight's
  assignment: each survivor keeps its roads, the dropped teams' roads go in by
  best insertion), each for a fixed number of iterations (100 by default, or
  ``search.max_iterations``), so the same inputs give the same re-plan on any
  machine, with the basic lower bound only. Equal longest loops can leave a unit
  waiting from 100 to 140 min across the cut, so the start kept is the one whose
  loops, closed at the teams' positions, oriented and reordered for the cut, give
  the best rest of the night; then the night stage of
  :func:`~borderwatch.plan.patrols.plan_patrols` (take-over, extension,
  co-patrol, standby) with the risk weights of the scenario times the hot
  stretches' weights.
* **Hot stretches.** Units whose chainage lies in a hot stretch weigh ``w``
  times more, in the night stage and after it: the piece of road that passes
  most of the stretch (a loop's visit there, or the road a vehicle may drive
  that watches most of it) is driven once more per loop by the team whose
  detour lowers the *weighted* worst revisit most (interval times weight, so
  the target on a hot stretch is ``T / w``), up to three extra passes per
  stretch (:func:`hot_detours`). The passes there go up; the price is a longer
  loop for the teams that drive it (measured in :attr:`Replan.hot_passes`, the
  worst revisit and ``benchmarks/results/replan.md``). Of the variants (detours on
  the loops as kept or on the new ones) the one whose hot stretches' least-passed
  units lack fewest passes against tonight's loops kept wins first: a re-plan
  asked to favour a stretch never passes it less often than doing nothing when a
  variant avoids it. Two candidates get the detours: the loops made with the
  hot weights (search choice, night stage, orientation) and those made as if no
  stretch were hot; the min-max search knows no hot weight, and the second often
  leaves more spare time where the detours need it (Ningming 02:10, T05 out, km
  40.5-42.0 hot: weighted worst 198.0 -> 140.7 min, 2 -> 8 passes, tonight's
  loops kept 3).
* **Orientation and order.** A loop must start at the team's position but may be
  driven either way round (:func:`orient_for_cut`), and wherever it comes back to
  a node the closed piece in between may be driven the other way round or swapped
  with the next piece from that node: the same roads and minutes, other minutes
  after the cut at each unit (:func:`reorder_for_cut`). Both serve first the units
  waiting longest since their last pass before the cut; when no order helps, a
  loop with time to spare (up to the longest loop, or 5 min under the worst
  revisit) drives to the worst-off unit early.
* **Stability.** A commander cannot radio sixteen new loops at 02:10: every
  team keeps tonight's loop, continued from where it is, unless changing it
  pays (:func:`~borderwatch.plan.replan.loops.keep_unchanged`: all kept
  when every required road stays served and the rest of the night's worst
  revisit stays within 2 min or 2 % of the all-new plan's, else team by
  team, the cheapest reverts first); :attr:`Replan.changed` lists the teams
  whose loop changes. Quality is held to a plan from scratch of the same
  remainder (:func:`from_scratch`), stability gives up at most those 2 min or
  2 % of it.
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
from borderwatch.plan.replan.reorder import reorder_for_cut
from borderwatch.plan.replan.scratch import Scratch, from_scratch

__all__ = [
    "HotStretch",
    "Replan",
    "Scratch",
    "Takeover",
    "TeamPosition",
    "cross_cut_revisits",
    "from_scratch",
    "hot_detours",
    "orient_for_cut",
    "plan_positions",
    "remainder_network",
    "reorder_for_cut",
    "replan",
]
