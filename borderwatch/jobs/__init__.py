"""Whole jobs: from a network to an output folder.

These are what the CLI commands (and the batch runner) call: each takes a built
:class:`~borderwatch.data.network.PatrolNetwork` (or a plan), runs the steps of
the data flow, writes every output file atomically into one folder and returns
what it made. Like the CLI, the jobs may import every room below them
(docs/architecture.md).

- :func:`run_gaps` (:mod:`.gaps`): coverage gaps;
- :func:`run_plan` (:mod:`.plan`): the planners' main job, a night plan folder;
- :func:`replan_request`, :func:`run_replan` (:mod:`.replan_run`) and
  :func:`write_replan` (:mod:`.replan`): the rest of the night re-planned;
- :func:`run_roster` (:mod:`.roster`): next week's roster;
- :func:`run_site` (:mod:`.site`): new checkpoint sites;
- :func:`render_maps` (:mod:`.maps`): the map of a gaps or plan folder.
"""

from __future__ import annotations

from borderwatch.jobs.gaps import run_gaps
from borderwatch.jobs.maps import render_maps
from borderwatch.jobs.plan import describe_plan_folder, run_plan
from borderwatch.jobs.replan import replan_section, replan_worst, write_replan
from borderwatch.jobs.replan_run import ReplanRequest, replan_request, run_replan
from borderwatch.jobs.roster import run_roster
from borderwatch.jobs.site import run_site

__all__ = [
    "ReplanRequest",
    "describe_plan_folder",
    "render_maps",
    "replan_request",
    "replan_section",
    "replan_worst",
    "run_gaps",
    "run_plan",
    "run_replan",
    "run_roster",
    "run_site",
    "write_replan",
]
