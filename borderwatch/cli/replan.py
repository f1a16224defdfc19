"""``borderwatch replan``: the rest of the night, re-planned from a plan folder."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from borderwatch.cli.app import app
from borderwatch.cli.common import (
    BasemapOpt,
    ConfigOpt,
    FolderScenarioOpt,
    ForceOpt,
    LangOpt,
    MaxIterationsOpt,
    NoMapOpt,
    OfflineOpt,
    check_choice,
    check_files,
    guarded,
    load_network,
    out,
    parse_night_date,
    step,
)
from borderwatch.errors import ConfigError, PlanWarning

if TYPE_CHECKING:
    from borderwatch.planfiles.planfile import PlanFile

__all__ = ["replan_command"]


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


def _check_drop(drop: list[str], plan: PlanFile) -> list[str]:
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
    return list(dict.fromkeys(ids))


def _check_hot(hot: list[str], plan: PlanFile) -> list[Any]:
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
    return out


@app.command("replan")
def replan_command(
    plan_dir: Annotated[Path, typer.Argument(help="Output folder of `borderwatch plan`.")],
    at: Annotated[
        str, typer.Option("--at", help="The cut HH:MM inside the plan's night window, e.g. 02:10.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder of the re-plan.")],
    drop: Annotated[
        list[str] | None,
        typer.Option("--drop", help="A team that drops out (repeat, or T05,T07)."),
    ] = None,
    hot: Annotated[
        list[str] | None,
        typer.Option(
            "--hot",
            help="A stretch that turned hot, KM-KM[:WEIGHT] (default weight 2), repeatable.",
        ),
    ] = None,
    gpx: Annotated[
        list[Path] | None,
        typer.Option(
            "--gpx",
            help="GPX files or folders of what the teams drove tonight: positions from their "
            "last points, passes before the cut from the tracks.",
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            help="Most seconds of routing search (default: the engine's 20 s cap; "
            "the search stops when it converges).",
            min=0.1,
        ),
    ] = None,
    max_iterations: MaxIterationsOpt = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: the plan's).", min=0)
    ] = None,
    night: Annotated[
        str | None,
        typer.Option(help="Date the night started, YYYY-MM-DD (default: the plan's night)."),
    ] = None,
    scenario: FolderScenarioOpt = None,
    config: ConfigOpt = None,
    lang: LangOpt = None,
    offline: OfflineOpt = True,
    basemap: BasemapOpt = None,
    no_map: NoMapOpt = False,
    force: ForceOpt = False,
) -> None:
    """Re-plan the rest of the night from --at: dropped teams' roads taken over, hot stretches, driven tracks."""

    from borderwatch.jobs import write_replan
    from borderwatch.maps._i18n import LANGS
    from borderwatch.planfiles.folders import (
        check_output_folder,
        read_plan_file,
        scenario_of_folder,
    )
    from borderwatch.planfiles.reload import driven_from_gpx, load_plan, plan_network

    with guarded():
        recorded = read_plan_file(plan_dir)
        at_min = _check_at(at, recorded)
        dropped = _check_drop(drop or [], recorded)
        stretches = _check_hot(hot or [], recorded)
        check_files("--gpx", gpx)
        check_choice("--lang", lang, LANGS)
        day = parse_night_date(night) or recorded.run_window()[1]
        earlier = recorded.replan
        if earlier is not None:
            # a chained re-plan: its window starts at the earlier cut (docs/replan.md, Known limits)
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
                stacklevel=2,
            )
        if out_dir.resolve() == Path(plan_dir).resolve():
            raise ConfigError(
                "must not be the plan folder itself", field="--out", value=str(out_dir)
            )
        source = scenario or scenario_of_folder(plan_dir)
        check_output_folder(out_dir, force=force, kind="plan", scenario=source)
        net = load_network(source, config)
        with step("re-planning …") as status:
            status.update("reading tonight's plan …")
            plan = load_plan(plan_dir, net)
            pnet = plan_network(plan_dir, net)
            driven = None
            positions = None
            if gpx:
                # tracks of teams not on duty in this plan (dropped earlier tonight) are left out
                off_duty = sorted(
                    set(net.teams.index.astype(str)) - set(pnet.teams.index.astype(str))
                )
                driven, found = driven_from_gpx(
                    pnet, plan, gpx, at_min=at_min, night=day, skip_teams=off_duty
                )
                positions = {t: p for t, p in found.items() if t not in dropped}
            from borderwatch.plan.replan import replan

            rp = replan(
                plan,
                pnet,
                at=at_min,  # elapsed minutes: the wall clock was read in the night's zone
                drop=dropped,
                hot=stretches,
                positions=positions,
                driven=driven,
                max_iterations=max_iterations,
                seed=seed,
                progress=lambda msg: status.update(f"{msg} …"),
                **({} if time_limit is None else {"time_limit_s": time_limit}),
            )
            write_replan(
                rp,
                out_dir,
                night=day,
                map_html=not no_map,
                lang=lang,
                offline=offline,
                basemap=basemap,
                progress=lambda msg: status.update(f"{msg} …"),
            )
        out.print((out_dir / "diff.txt").read_text(encoding="utf-8"), highlight=False, markup=False)
        out.print(f"wrote {out_dir}", highlight=False)
