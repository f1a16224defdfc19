"""The ``replan`` job's folder: the plan files of the remainder, ``diff.txt`` and the take-over map."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from borderwatch.atomic import atomic_folder, write_text
from borderwatch.config import default_language
from borderwatch.coverage import coverage_report, write_coverage
from borderwatch.data.gpkg import fixed_gpkg_time
from borderwatch.i18n import report_labels
from borderwatch.jobs._common import COVERAGE_KEEP, Progress, noop
from borderwatch.jobs.plan import describe_plan_folder
from borderwatch.planfiles.export import write_plan_files

if TYPE_CHECKING:
    from borderwatch.coverage import CoverageReport
    from borderwatch.plan.replan import Replan


def _finite(value: float, digits: int = 2) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def replan_section(
    rp: Replan, *, night: date | None = None, lang: str | None = None
) -> dict[str, Any]:
    """The ``replan`` section of a re-planned folder's ``plan.json`` (JSON-ready, no NaN).

    Times ``*_min`` are minutes after the ORIGINAL window start (``at_min``),
    except ``positions.*.start_min``: minutes after the cut at which the team
    starts its new loop (what :func:`borderwatch.planfiles.reload.load_plan`
    needs to rebuild the remainder's timeline).

    Parameters
    ----------
    rp
        The re-plan.
    night
        The date the ORIGINAL night started on (``original_night``); None
        writes null.
    lang
        Language of the radio diff lines, as in ``diff.txt`` (default: the
        scenario's).

    Returns
    -------
    dict
        The section: the cut (``at``, ``at_min``), the original window and
        night, the teams dropped, the hot stretches with their passes before and
        after, each team's position at the cut, the take-overs, the edges no one
        serves, the worst and weighted-worst revisit and the unpassed km (new
        and original), and the radio diff lines.
    """
    import shapely

    from borderwatch.plan.replan_text import diff_lines

    def clock(minutes: float) -> str | None:
        return rp.clock(minutes) if math.isfinite(minutes) else None

    units = rp.network.units
    mid_km = (units["start_m"].to_numpy() + units["end_m"].to_numpy()) / 2000.0
    out: dict[str, Any] = {
        "at": rp.at_clock,
        "at_min": _finite(rp.at_min),
        "original_night_window": list(rp.window.pair),
        "original_night": night.isoformat() if night is not None else None,
        "dropped": list(rp.dropped),
        "hot": [
            {
                "label": h.label,
                "start_km": h.start_km,
                "end_km": h.end_km,
                "weight": h.weight,
                "passes_original": rp.hot_passes.get(h.label, (0, 0))[0],
                "passes_new": rp.hot_passes.get(h.label, (0, 0))[1],
                "units": len(h.units(rp.network)),
            }
            for h in rp.hot
        ],
        "positions": {},
        "takeovers": [
            {
                "team": tk.team,
                "from_team": tk.from_team,
                "edges": [int(e) for e in tk.edges],
                "km_from": _finite(tk.km_from, 3),
                "km_to": _finite(tk.km_to, 3),
                "first_pass": clock(tk.first_pass_min),
                "first_pass_min": _finite(tk.first_pass_min),
            }
            for tk in rp.takeovers
        ],
        "unserved_edges": [int(e) for e in rp.unserved],
        "worst_revisit_min": {
            "new": _finite(rp.worst_revisit_min),
            "original": _finite(rp.original_worst_revisit_min),
        },
        "weighted_worst_revisit_min": {
            "new": _finite(rp.weighted_worst_revisit_min),
            "original": _finite(rp.original_weighted_worst_revisit_min),
        },
        # km of border never passed after the cut (same units as the worst figures)
        "unpassed_km": {
            "new": _finite(rp.unpassed_km, 3),
            "original": _finite(rp.original_unpassed_km, 3),
        },
        "diff": diff_lines(rp, lang=lang),
    }
    xy = rp.network.nodes
    tree_geoms = units.geometry.to_numpy()
    for team, pos in sorted(rp.positions.items()):
        if team not in rp.network.teams.index:
            continue
        node_pt = xy.geometry.iloc[int(pos.node)]
        nearest = int(np.argmin(shapely.distance(tree_geoms, node_pt)))
        out["positions"][team] = {
            "node": int(pos.node),
            "ready": clock(pos.ready_min),
            "ready_min": _finite(pos.ready_min, 3),
            "start_min": float(pos.ready_min - rp.at_min),  # exact: load_plan times the loop by it
            "source": pos.source,
            "near_km": round(float(mid_km[nearest]), 2),
        }
    return out


def replan_worst(rp: Replan, target_min: float) -> dict[str, Any]:
    """The re-plan folder's worst revisit: the rest of the night across the cut (``Replan.worst_revisit_min``).

    Returns ``worst_revisit_min``, ``worst_revisit_at`` (km range, township,
    teams), ``revisit_window`` (what the figure covers) and ``target_check``
    (``revisit``: met or not, where, over the same units and intervals).

    Parameters
    ----------
    rp
        The re-plan.
    target_min
        The revisit target in minutes the figure is checked against.

    Returns
    -------
    dict
        ``worst_revisit_min`` (None when not finite), ``worst_revisit_at``
        (None when no unit reaches it), ``revisit_window`` and ``target_check``.
    """
    from borderwatch.coverage.gaps import target_check
    from borderwatch.data.units import unit_runs

    net = rp.network
    units = net.units
    table = rp.revisits
    worst = table["worst_revisit_min"].to_numpy(dtype=float)
    # the units the figure runs over: passed tonight before the cut or after it (units no one
    # passes all night, no road in view, are counted apart as never passed)
    passed = table["n_passes"].to_numpy() > 0
    if "last_before_cut_min" in table.columns:
        passed |= np.isfinite(table["last_before_cut_min"].to_numpy(dtype=float))
    counted = np.isfinite(worst) & passed
    frame = units[["part", "start_m", "end_m", "length_m"]].copy()
    frame["worst_revisit_min"] = np.where(counted, worst, np.nan)
    frame["never_passed"] = ~counted
    check = target_check(frame, max_revisit_min=target_min)
    value = float(rp.worst_revisit_min)
    if "revisit" in check and math.isfinite(value):  # the figure itself, as the radio says it
        check["revisit"]["worst_min"] = round(value, 2)
        check["revisit"]["over_min"] = round(max(value - target_min, 0.0), 2)
        check["revisit"]["met"] = bool(check["revisit"]["met"] and value <= target_min)
    at: dict[str, Any] | None = None
    hit = counted & (np.abs(worst - value) <= 1e-6)
    if hit.any() and math.isfinite(value):
        i, j = next(iter(unit_runs(hit, units["part"].to_numpy())))
        teams = sorted(
            {t for k in range(i, j + 1) for t in str(table["teams"].iat[k]).split(";") if t}
        )
        at = {
            "worst_revisit_min": round(value, 2),
            "start_km": round(float(units["start_m"].iat[i]) / 1000.0, 3),
            "end_km": round(float(units["end_m"].iat[j]) / 1000.0, 3),
            "township": str(units["township"].iat[i]),
            "teams": teams,
            "n_units": int(hit.sum()),
        }
    return {
        "worst_revisit_min": _finite(value),
        "worst_revisit_at": at,
        "revisit_window": f"{rp.at_clock}-{net.config.night_end}, the rest of the night "
        "with the passes before the cut counted",
        "target_check": {"revisit": check["revisit"]} if "revisit" in check else {},
    }


def write_replan(
    rp: Replan,
    out_dir: str | Path,
    *,
    night: date,
    map_html: bool = True,
    lang: str | None = None,
    offline: bool = True,
    basemap: str | None = None,
    progress: Progress = noop,
) -> dict[str, Any]:
    """Write a re-plan into one folder, atomically: the ``plan`` files of the remainder, plus ``diff.txt``.

    ``routes.geojson``, ``routes.gpx`` and ``gpx/<team>.gpx`` (from the cut),
    ``plan.json`` (with a ``replan`` section, :func:`replan_section`),
    ``report.txt`` (the plan report of the remainder and the radio diff),
    ``diff.txt`` (:func:`borderwatch.plan.replan_text.diff_text`), the
    coverage files of the remainder (``gaps_after.csv``, ``gaps.geojson``,
    ``units.gpkg``, ``grids.csv``, ``summary.json``) and ``map.html`` with
    the roads taken over highlighted in the taker's colour.

    Parameters
    ----------
    rp
        The re-plan.
    out_dir
        The output folder (replaced as a whole).
    night
        The date the ORIGINAL night starts on; the remainder's GPX times are on
        the date of the cut (the next day when the cut is after midnight).
    map_html
        Write ``map.html`` (the plan map of the remainder with the roads taken
        over); False skips the map.
    lang
        Language of the map's labels, ``report.txt`` and ``diff.txt``, ``"zh"``
        or ``"en"`` (default: from the scenario's time zone).
    offline
        Inline every script of the map so that it opens without a network.
    basemap
        The map's tile layer (as for :func:`borderwatch.maps.coverage_map`).
    progress
        Called with a short message before each step.

    Returns
    -------
    dict
        ``plan.json`` as written.
    """
    from borderwatch.plan.replan_text import diff_text

    rem = rp.network
    # the remainder starts on the date of the cut (the next day when the cut is after midnight)
    rem_night = rp.window.at(rp.at_min, night, rem.scenario.timezone).date()
    target = rem.config.targets.max_revisit_min
    progress("coverage of the rest of the night")
    after = coverage_report(
        rem,
        criterion=("checkpoint", "revisit"),
        timeline=rp.plan.schedule.timeline,
        max_revisit_min=target,
    )
    lang = lang or default_language(rem.scenario.timezone)
    text = diff_text(rp, lang=lang)
    with atomic_folder(out_dir, kind="plan") as out, fixed_gpkg_time():
        coverage_summary = write_coverage(after, out)
        (out / "gaps.csv").replace(out / "gaps_after.csv")
        keep = COVERAGE_KEEP
        extra = {
            "coverage_after": {k: coverage_summary[k] for k in keep if k in coverage_summary},
            "replan": replan_section(rp, night=night, lang=lang),
        }
        # one worst-revisit figure for the folder: the rest of the night across the cut (the
        # radio text's and the map's), not the remainder alone
        worst = replan_worst(rp, target)
        extra.update(worst)
        extra["coverage_after"]["worst_revisit_min"] = worst["worst_revisit_min"]
        extra["coverage_after"]["target_check"] = {
            **extra["coverage_after"].get("target_check", {}),
            **worst["target_check"],
        }
        del extra["target_check"]
        summary = write_plan_files(
            rem,
            rp.plan,
            out,
            night=rem_night,
            extra=extra,
            cut=(night, rp.window, rp.at_min),
            lang=lang,
        )
        write_text(out / "diff.txt", text)
        # the report of the remainder, then the radio text
        report = (out / "report.txt").read_text(encoding="utf-8")
        changes = report_labels(lang)["changes"]
        write_text(out / "report.txt", f"{report}\n{changes}\n{text}")
        if map_html:
            progress("drawing the map")
            _replan_map(
                rp,
                out,
                report=after,
                plan_summary=summary,
                lang=lang,
                offline=offline,
                basemap=basemap,
            )
        describe_plan_folder(out, summary, command="replan")
    return summary


def _replan_map(
    rp: Replan,
    out_dir: Path,
    *,
    report: CoverageReport,
    plan_summary: dict[str, Any],
    lang: str | None,
    offline: bool,
    basemap: str | None,
) -> Path:
    """``map.html`` of a re-plan: the plan map of the remainder with the roads taken over."""
    from borderwatch.maps import plan_map, save_map
    from borderwatch.maps._i18n import labels
    from borderwatch.maps.adapters import map_gaps, map_summary, required_edge_labels, units_status
    from borderwatch.maps.plan import replan_changes
    from borderwatch.planfiles.export import routes_frame

    net = rp.network
    lang = lang or default_language(net.scenario.timezone)
    changes = replan_changes(net, plan_summary["replan"]["takeovers"], lang)
    m = plan_map(
        net,
        routes_frame(net, rp.plan),
        required_edge_labels(net, rp.plan.required.edges),
        units_status(report.units),
        gaps=map_gaps(report.gaps),
        summary=map_summary(report.summary, plan_summary),
        lang=lang,
        offline=offline,
        basemap=basemap,
        title=f"{labels(lang)['replan_title']} {rp.at_clock}-{net.config.night_end}",
        changes=changes,
    )
    return save_map(m, out_dir / "map.html", offline=offline)
