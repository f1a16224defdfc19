"""``borderwatch replan``: the rest of the night, re-planned from a plan folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from borderwatch.config import SearchParams
from borderwatch.errors import ConfigError

if TYPE_CHECKING:
    pass

__all__ = ["replan_command"]


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
            help="Safety cap on the seconds of routing search (default 20 s; the re-plan's "
            "searches stop after their iterations, 3 starts x 100 by default, long before).",
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
    from borderwatch.jobs.replan_run import replan_request, run_replan
    from borderwatch.maps._i18n import LANGS
    from borderwatch.planfiles.folders import check_output_folder, scenario_of_folder

    with guarded():
        request = replan_request(
            plan_dir, at=at, drop=drop or [], hot=hot or [], night=parse_night_date(night)
        )
        check_files("--gpx", gpx)
        check_choice("--lang", lang, LANGS)
        if out_dir.resolve() == Path(plan_dir).resolve():
            raise ConfigError(
                "must not be the plan folder itself", field="--out", value=str(out_dir)
            )
        source = scenario or scenario_of_folder(plan_dir)
        _refuse_a_plan(out_dir, force)
        check_output_folder(out_dir, force=force, kind="plan", scenario=source, claim=True)
        net = load_network(source, config)
        with step("re-planning …") as status:
            rp = run_replan(
                request,
                net,
                gpx=gpx,
                search=SearchParams(max_iterations=max_iterations, seed=seed).replace(
                    **({} if time_limit is None else {"time_limit_s": time_limit})
                ),
                progress=lambda msg: status.update(f"{msg} …"),
            )
            write_replan(
                rp,
                out_dir,
                night=request.night,
                map_html=not no_map,
                lang=lang,
                offline=offline,
                basemap=basemap,
                progress=lambda msg: status.update(f"{msg} …"),
            )
        out.print((out_dir / "diff.txt").read_text(encoding="utf-8"), highlight=False, markup=False)
        out.print(f"wrote {out_dir}", highlight=False)


def _refuse_a_plan(out_dir: Path, force: bool) -> None:
    """Refuse an ``--out`` that holds a plan, not a re-plan, unless ``force``.

    A plan folder and a re-plan folder are both of the kind ``plan`` (brief, map,
    roster and log read either), so the output-folder check lets a re-plan replace
    a plan: ``replan out/plan/re --at 03:00 --out out/plan`` replaced tonight's
    plan, the folder that later re-plans, the roster and the duty log read, with
    the remainder of a re-plan. Re-running a re-plan into its own folder stays allowed.
    """
    import json

    from borderwatch.atomic import read_marker
    from borderwatch.errors import OutputExistsError
    from borderwatch.planfiles.planfile import is_replan

    held = out_dir / "plan.json"
    if force or not held.is_file() or read_marker(out_dir) is None:
        return
    try:
        data = json.loads(held.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return  # not a plan file this can read: check_output_folder's rules apply
    if isinstance(data, dict) and not is_replan(data):
        raise OutputExistsError(
            f"{out_dir}: --out holds a plan (the night of {data.get('night', '?')}), not a "
            "re-plan; a re-plan would replace it. Give another folder, or --force to replace it"
        )
