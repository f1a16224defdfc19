"""The ``replan`` job: check the request against tonight's plan file, then re-plan the rest of the night.

:func:`replan_request` does the quick checks (the cut inside the plan's window,
the dropped teams, the hot stretches) before anything slow; :func:`run_replan`
rebuilds tonight's plan on the network, reads the driven tracks and runs the
engine (:func:`borderwatch.plan.replan.replan`). :func:`~borderwatch.jobs.replan.write_replan`
writes the folder.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderwatch.config import SearchParams
from borderwatch.errors import ConfigError, PlanWarning
from borderwatch.jobs._common import Progress, noop

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.replan import Replan
    from borderwatch.planfiles.planfile import PlanFile

__all__ = ["ReplanRequest", "replan_request", "run_replan"]


@dataclass(frozen=True)
class ReplanRequest:
    """A checked re-plan request on one plan folder.

    Attributes
    ----------
    plan_dir
        The plan folder (``borderwatch plan`` or an earlier re-plan).
    plan
        Its plan file.
    at, at_min
        The cut as written and as elapsed minutes from the plan's window start.
    drop
        Teams that drop out (ids, each once).
    hot
        Hot stretches (:class:`~borderwatch.plan.replan.HotStretch`).
    night
        The date the night started.
    """

    plan_dir: Path
    plan: PlanFile
    at: str
    at_min: float
    drop: tuple[str, ...]
    hot: tuple[Any, ...]
    night: date


def _check_at(at: str, plan: PlanFile) -> float:
    """Elapsed minutes from the plan's window start to the cut ``at``; refused outside the window.

    The wall clock is read in the plan's zone on the plan's night: on a
    daylight-saving changeover night a skipped time is refused and a repeated
    one needs its offset (``02:30+01:00``), see
    :func:`~borderwatch.plan.replan.cut.cut_offset`.
    """
    from borderwatch.plan.replan.cut import cut_offset

    win, day = plan.run_window()  # a re-planned folder's loops run from its own cut
    offset = cut_offset(at, win, day, plan.timezone, field="--at")
    if not 0 < offset < win.minutes(day, plan.timezone):
        raise ConfigError(
            f"the cut must lie inside the plan's night window {win} "
            "(after its start, before its end)",
            field="--at",
            value=at,
        )
    return float(offset)


def _check_drop(drop: Sequence[str], plan: PlanFile) -> tuple[str, ...]:
    teams = list(plan.teams)
    on_patrol = [r.team for r in plan.routes if r.on_patrol]
    ids = [t.strip() for item in drop for t in item.split(",") if t.strip()]
    for t in ids:
        if t not in teams:
            raise ConfigError(
                f"no such team in the plan; it has {', '.join(teams)}", field="--drop", value=t
            )
    if on_patrol and set(on_patrol) <= set(ids):
        raise ConfigError(
            "cannot drop every team on patrol: someone must be left",
            field="--drop",
            value=",".join(ids),
        )
    return tuple(dict.fromkeys(ids))


def _check_hot(hot: Sequence[str], plan: PlanFile) -> tuple[Any, ...]:
    from borderwatch.plan.replan import HotStretch

    border_km = plan.border_km
    out = []
    for text in hot:
        stretch = HotStretch.parse(text, field="--hot")
        if border_km is not None and stretch.start_km >= border_km:
            raise ConfigError(
                f"the hot stretch lies beyond the border's end (km {float(border_km):.1f})",
                field="--hot",
                value=text,
            )
        out.append(stretch)
    return tuple(out)


def _warn_untracked(request: ReplanRequest, positions: dict[str, Any]) -> None:
    """With ``--gpx``: say which teams on patrol have no track (placed by the plan, silently before)."""
    untracked = [
        r.team
        for r in request.plan.routes
        if r.on_patrol and r.team not in positions and r.team not in request.drop
    ]
    if untracked:
        warnings.warn(
            f"no --gpx track of {', '.join(untracked)}: taken to be where tonight's plan has "
            f"{'it' if len(untracked) == 1 else 'them'} at {request.at} and kept on patrol; "
            "--drop a team that is not out",
            PlanWarning,
            stacklevel=3,
        )


def _warn_chained(plan_dir: Path, plan: PlanFile) -> None:
    """A chained re-plan: its window starts at the earlier cut (docs/replan.md, Known limits)."""
    earlier = plan.replan
    if earlier is None:
        return
    labels = ", ".join(
        str(h.get("label", "?")) for h in earlier.get("hot") or [] if isinstance(h, dict)
    )
    cut = earlier.get("at", "?")
    warnings.warn(
        f"{plan_dir} is itself a re-plan (cut at {cut}): tonight's passes before {cut} "
        f"and its hot stretches ({labels or 'none'}) are not carried; the worst revisit "
        f"counts from {cut} as if the night began there; give --hot again, or re-plan "
        "from tonight's original plan folder",
        PlanWarning,
        stacklevel=3,
    )


def replan_request(
    plan_dir: str | Path,
    *,
    at: str,
    drop: Sequence[str] = (),
    hot: Sequence[str] = (),
    night: date | None = None,
) -> ReplanRequest:
    """Read the plan file of ``plan_dir`` and check a re-plan request against it (fast).

    Parameters
    ----------
    plan_dir
        Output folder of ``borderwatch plan`` (or of an earlier re-plan: a warning
        says what is not carried).
    at
        The cut, ``HH:MM`` inside the plan's window (``HH:MM+HH:MM`` for a repeated
        time on a daylight-saving night).
    drop
        Teams that drop out (``"T05"``, ``"T05,T07"``).
    hot
        Stretches that turned hot, ``KM-KM[:WEIGHT]``.
    night
        The date the night started (default: the plan's).

    Returns
    -------
    ReplanRequest
        The checked request: the folder, its plan file, the cut in elapsed
        minutes, the teams dropped, the hot stretches and the night's date.

    Raises
    ------
    ConfigError
        Naming the option and the value (a cut outside the window, an unknown
        team, every team dropped, a stretch beyond the border). A plan made with
        ``loops = "circuit"`` is re-planned as circuits (its rule is read from its
        ``plan.json``, whatever the scenario's config says).
    """
    from borderwatch.planfiles.folders import read_plan_file

    folder = Path(plan_dir)
    plan = read_plan_file(folder)
    at_min = _check_at(at, plan)
    dropped = _check_drop(drop, plan)
    stretches = _check_hot(hot, plan)
    _warn_chained(folder, plan)
    day = night or plan.run_window()[1]
    return ReplanRequest(folder, plan, at, at_min, dropped, stretches, day)


def run_replan(
    request: ReplanRequest,
    network: PatrolNetwork,
    *,
    gpx: Sequence[str | Path] | None = None,
    search: SearchParams | None = None,
    progress: Progress = noop,
) -> Replan:
    """Re-plan the rest of the night of ``request`` on the scenario's ``network``.

    Tonight's plan is rebuilt from its folder; with ``gpx`` the teams' positions
    come from their last points and the passes before the cut from the tracks
    (tracks of teams off duty in this plan are left out, with a warning).

    Parameters
    ----------
    request
        The checked request (:func:`replan_request`): plan folder, cut, teams
        dropped, hot stretches.
    network
        The scenario's patrol network; the plan's own network (its teams and
        night window) is rebuilt from the folder on it.
    gpx
        GPX files or folders of tonight's driven tracks (a track belongs to the
        team its name starts with, else the file's name); teams without a
        track are taken to have driven tonight's plan.
    search
        The min-max search's budget and seed (:class:`~borderwatch.config.SearchParams`;
        default that of :func:`borderwatch.plan.replan.replan`: a 20 s cap, the plan's seed).
    progress
        Called with a short message before each step.

    Returns
    -------
    Replan
        The re-plan of the rest of the night: the remainder's network and plan,
        the take-overs and the revisit figures before and after.
    """
    from borderwatch.plan.replan import replan
    from borderwatch.planfiles.reload import driven_from_gpx, load_plan, plan_network

    progress("reading tonight's plan")
    plan = load_plan(request.plan_dir, network)
    pnet = plan_network(request.plan_dir, network)
    driven = positions = None
    if gpx:
        off_duty = sorted(set(network.teams.index.astype(str)) - set(pnet.teams.index.astype(str)))
        # whole-night tracks hold the drives out and home (plan.json's duty times)
        lead, tail = request.plan.duty_margins()
        earlier = request.plan.replan
        at_before = earlier.get("at_min") if earlier is not None else None
        if isinstance(at_before, int | float) and not isinstance(at_before, bool):
            # a re-planned folder's window starts at its cut: tonight began earlier
            lead += float(at_before)
        driven, found = driven_from_gpx(
            pnet,
            plan,
            gpx,
            at_min=request.at_min,
            night=request.night,
            skip_teams=off_duty,
            lead_min=lead,
            tail_min=tail,
        )
        positions = {t: p for t, p in found.items() if t not in request.drop}
        _warn_untracked(request, positions)
    return replan(
        plan,
        pnet,
        at=request.at_min,  # elapsed minutes: the wall clock was read in the night's zone
        drop=request.drop,
        hot=request.hot,
        positions=positions,
        driven=driven,
        search=search,
        progress=progress,
    )
