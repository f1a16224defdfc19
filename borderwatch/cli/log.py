"""``borderwatch log record | night | report``: the duty log of nights as they were driven."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from borderwatch import fmt
from borderwatch.cli.app import app
from borderwatch.cli.common import ForceOpt, guarded, out, step
from borderwatch.errors import LogError

__all__ = ["log_app"]

log_app = typer.Typer(
    help="The duty log: record driven nights, compare them with the plan, daily and weekly reports.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(log_app, name="log")

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Duty log URL: sqlite:///PATH or postgresql://user@host/db "
        "(default: $BORDERWATCH_LOG_DB, else $XDG_DATA_HOME/borderwatch/log.sqlite).",
    ),
]
NightArg = Annotated[str, typer.Argument(help="The date the night starts, YYYY-MM-DD.")]


def _night(text: str, option: str = "NIGHT") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LogError("not a date YYYY-MM-DD", field=option, value=text) from None


@log_app.command("record")
def record_command(
    night: NightArg,
    plan: Annotated[Path, typer.Option("--plan", help="The plan folder the teams drove.")],
    gpx: Annotated[Path, typer.Option("--gpx", help="Folder of the driven GPX (one per team).")],
    incidents: Annotated[
        Path | None, typer.Option("--incidents", help="incidents.csv of the night.")
    ] = None,
    inspections: Annotated[
        Path | None, typer.Option("--inspections", help="inspections.csv of the night.")
    ] = None,
    db: DbOpt = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the night if recorded with other content.")
    ] = False,
) -> None:
    """Record a night in one transaction (same content again: no-op; other content: exit 6)."""
    from borderwatch.log.record import record_night

    with guarded():
        day = _night(night)
        for name, path in (("--incidents", incidents), ("--inspections", inspections)):
            if path is not None and not path.is_file():
                raise LogError("file not found", file=path, field=name)
        with step(f"recording the night of {day} …"):
            rec = record_night(
                day,
                plan,
                gpx,
                incidents=incidents,
                inspections=inspections,
                db=db,
                replace=replace,
            )
        if rec.action == "unchanged":
            out.print(f"night {day} is recorded already with the same content", highlight=False)
            return
        a = rec.figures.achieved if rec.figures else {}
        out.print(
            f"{rec.action} night {day}: watched {fmt.pct(a.get('watched_pct'))}, "
            f"worst revisit {fmt.minutes(a.get('worst_revisit_min'))}",
            highlight=False,
        )


@log_app.command("night")
def night_command(
    night: NightArg,
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Planned against driven for one recorded night: teams, skipped stretches, incidents."""
    from borderwatch.log.db import open_log
    from borderwatch.log.query import night_json, read_night

    with guarded():
        rec = read_night(open_log(db, create=False), _night(night))
        if as_json:
            out.print_json(json.dumps(night_json(rec), ensure_ascii=False, default=str))
            return
        a, p = rec.achieved, rec.planned
        out.print(
            f"night {rec.night} ({rec.scenario}): watched {fmt.pct(a['watched_pct'])} "
            f"(plan {fmt.pct(p['watched_pct'])}), worst revisit "
            f"{fmt.minutes(a['worst_revisit_min'])} (plan {fmt.minutes(p['worst_revisit_min'])}), "
            f"{fmt.km(a['gap_km'])} unwatched",
            highlight=False,
        )
        table = Table(title="teams: planned against driven", title_justify="left")
        for col in (
            "team",
            "status",
            "loops",
            "start",
            "late min",
            "km",
            "passes %",
            "off route km",
        ):
            table.add_column(col, justify="right")
        for r in rec.teams.itertuples():
            table.add_row(
                str(r.team),
                str(r.status),
                f"{r.loops_driven:g}/{r.loops_planned:g}",
                rec.clock(r.driven_start_min),
                f"{r.late_min:.0f}",
                f"{r.driven_km:.1f}/{r.planned_km:.1f}",
                fmt.pct(r.compliance_pct, ""),
                f"{r.off_route_km:.1f}",
            )
        out.print(table)
        st = Table(title="deviations and unwatched stretches", title_justify="left")
        for col in ("kind", "team", "km", "time", "township", "detail"):
            st.add_column(col)
        import pandas as pd

        for s in rec.stretches.itertuples():
            km = "" if pd.isna(s.start_km) else f"{s.start_km:.2f}–{s.end_km:.2f}"
            tm = "" if pd.isna(s.from_min) else f"{rec.clock(s.from_min)}–{rec.clock(s.to_min)}"
            team = "" if pd.isna(s.team) else str(s.team)
            st.add_row(str(s.kind), team, km, tm, str(s.township), str(s.detail))
        out.print(st)


@log_app.command("report")
def report_command(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    day: Annotated[str | None, typer.Option("--day", help="The night YYYY-MM-DD.")] = None,
    week: Annotated[str | None, typer.Option("--week", help="ISO week, e.g. 2026-W51.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en (default: zh).")] = None,
    db: DbOpt = None,
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Write report.html only.")] = False,
    force: ForceOpt = False,
) -> None:
    """The commander's daily (--day) or weekly (--week) report: report.html and report.pdf."""
    from borderwatch.log.db import open_log
    from borderwatch.log.report import write_report

    with guarded():
        if (day is None) == (week is None):
            raise LogError("give one of --day or --week", field="--day/--week")
        if lang not in (None, "zh", "en"):
            raise LogError("zh or en", field="--lang", value=lang)
        engine = open_log(db, create=False)
        with step("writing the report …"):
            files = write_report(
                engine,
                out_dir,
                day=None if day is None else _night(day, "--day"),
                week=week,
                lang=lang or "zh",
                pdf=not no_pdf,
                force=force,
            )
        out.print(f"wrote {', '.join(str(f) for f in files)}", highlight=False)
