"""The commander's daily and weekly report from the duty log: ``report.html`` and ``report.pdf``.

The briefing's machinery: a Jinja2 page (``templates/report.html.j2``) with
matplotlib SVG drawings inlined (:mod:`borderwatch.maps.brief.charts` style:
fixed hash salt, no dates), printed to A4 by headless Chromium
(:func:`borderwatch.maps.brief.pdf.print_pdf`). Sections: headline tiles
(achieved against plan), achieved coverage by township against the plan, a map
of the stretches missed (watched in the plan, not as driven) with the incidents,
team compliance, every deviation (late start, skipped loop or stretch, off route,
GPS noise, no track, early end), the stretches unwatched longer than the target,
incidents with the patrols that passed near them, inspections, and the trend
over up to 52 weeks.

Everything on the page comes from the log (nothing from the clock), so the same
log gives a byte-identical ``report.html`` on SQLite and on PostgreSQL. The PDF
is Chromium's print of it (its dates pinned; not byte-stable between prints).
"""

from __future__ import annotations

import base64
import logging
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from borderwatch import fmt
from borderwatch.atomic import atomic_folder, write_text
from borderwatch.errors import LogError
from borderwatch.log import schema as S
from borderwatch.log.query import NightRecord, clock, iso_week, nights_between, read_night

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from borderwatch.data.network import PatrolNetwork

__all__ = ["KINDS", "LABELS", "report_html", "write_report"]

logger = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).resolve().parent / "templates"
TREND_WEEKS = 52

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "day_title": "Duty log: daily report",
        "week_title": "Duty log: weekly report",
        "nights": "nights",
        "watched_pct": "watched %",
        "plan": "plan",
        "worst_revisit": "worst revisit, min",
        "detection": "detection % of a crossing, mean (lowest)",
        "unwatched_km": "km unwatched > target",
        "never_km": "never passed, km",
        "teams_ok": "team-nights as planned",
        "incidents": "Incidents and the patrols near them",
        "n_incidents": "incidents (cases / people)",
        "townships": "Achieved coverage by township against the plan",
        "township": "township",
        "border_km": "border km",
        "plan_watched_km": "plan: watched km",
        "watched_km": "driven: watched km",
        "map": "Stretches missed (watched in the plan, not as driven) and incidents",
        "map_note": "Red: nights a stretch the plan watched went unwatched as driven (darker: more "
        "nights); grey: unwatched in the plan too; numbered crosses: incidents; orange under the "
        "line: stretches a team skipped (others may have watched them); small numbers: km along "
        "the border.",
        "teams": "Team compliance",
        "team": "team",
        "driven_nights": "nights driven",
        "loops": "loops driven / planned",
        "late": "late starts (max min)",
        "km": "km driven / planned",
        "passes": "passes %",
        "off_route": "km off route",
        "deviations": "Deviations from the plan",
        "night": "night",
        "kind": "kind",
        "km_range": "km",
        "time": "time",
        "detail": "detail",
        "unwatched": "Stretches unwatched longer than the target",
        "outcome": "outcome",
        "cases": "cases",
        "people": "people",
        "near": "patrols within 1 km and 60 min",
        "inspections": "Inspections by the leader on duty",
        "leader": "leader",
        "place": "place",
        "trend": "Trend over the weeks",
        "week": "week",
        "plan_pct": "plan watched %",
        "none": "none",
        "footer": "From the duty log (borderwatch log). Watched: a patrol passes at least every "
        "target minutes all night (the revisit criterion of borderwatch gaps).",
    },
    "zh": {
        "day_title": "边境值班日报",
        "week_title": "边境值班周报",
        "nights": "夜数",
        "watched_pct": "有效巡控 %",
        "plan": "计划",
        "worst_revisit": "最长间隔（分钟）",
        "detection": "越境发现概率 %，平均（最低）",
        "unwatched_km": "超时无人巡（公里）",
        "never_km": "无巡逻（公里）",
        "teams_ok": "按计划完成的队·夜",
        "incidents": "案事件及附近巡逻",
        "n_incidents": "案事件（案件/人数）",
        "townships": "各乡镇实际巡控与计划对比",
        "township": "乡镇",
        "border_km": "边境线公里",
        "plan_watched_km": "计划巡控公里",
        "watched_km": "实际巡控公里",
        "map": "漏巡路段（计划有、实际无）及案事件",
        "map_note": "红色：计划巡控而实际未巡控的路段（颜色越深夜数越多）；灰色：计划中亦无人巡；"
        "带编号的叉：案事件；线下橙色：某队漏巡的路段（可能有他队巡控）；小号数字：边境线公里数。",
        "teams": "各巡逻队执行情况",
        "team": "巡逻队",
        "driven_nights": "实际出巡夜数",
        "loops": "实跑/计划圈数",
        "late": "迟出发次数（最长分钟）",
        "km": "实际/计划公里",
        "passes": "经过率 %",
        "off_route": "偏离路线公里",
        "deviations": "偏离计划情况",
        "night": "日期",
        "kind": "类别",
        "km_range": "公里",
        "time": "时间",
        "detail": "说明",
        "unwatched": "超过目标时长无人巡的路段",
        "outcome": "结果",
        "cases": "案件",
        "people": "人数",
        "near": "1 公里、60 分钟内的巡逻",
        "inspections": "带班领导督导检查",
        "leader": "带班领导",
        "place": "地点",
        "trend": "逐周趋势",
        "week": "周",
        "plan_pct": "计划巡控 %",
        "none": "无",
        "footer": "数据来自值班日志（borderwatch log）。有效巡控：整夜每隔不超过目标分钟数有巡逻经过"
        "（borderwatch gaps 的 revisit 标准）。",
    },
}

KINDS: dict[str, dict[str, str]] = {
    "en": {},
    "zh": {
        "late start": "迟出发",
        "early end": "提前收队",
        "skipped loop": "漏跑一圈",
        "skipped": "漏巡路段",
        "off route": "偏离路线",
        "gps noise": "轨迹漂移",
        "no track": "未出巡",
        "unwatched": "无人巡",
    },
}

_ZH_DETAIL = [
    (r"started (\d+) min late", r"迟出发 \1 分钟"),
    (r"ended (\d+) min early", r"提前 \1 分钟收队"),
    (r"(\d+) loop\(s\) of (\d+) not driven", r"共 \2 圈，\1 圈未跑"),
    (
        r"([\d.]+) km driven more than (\d+) m off the planned route",
        r"\1 公里偏离计划路线 \2 米以上",
    ),
    (r"([\d.]+) km not driven", r"\1 公里未巡"),
    (r"track (\d+) m off the planned route \(median\)", r"轨迹偏离计划路线 \1 米（中位数）"),
    (r"did not drive", "未出巡"),
    (
        r"unwatched (\d+) min > target (\d+) \(also in the plan\)",
        r"\1 分钟无人巡，超过目标 \2（计划中亦然）",
    ),
    (
        r"unwatched (\d+) min > target (\d+) \(not in the plan\)",
        r"\1 分钟无人巡，超过目标 \2（计划外）",
    ),
]


def _detail(text: str, lang: str) -> str:
    if lang != "zh":
        return text
    for pat, rep in _ZH_DETAIL:
        text = re.sub(pat, rep, text)
    return text


def _img(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _f(x: Any, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return ""
    return f"{float(x):.{digits}f}"


def _period(engine: Engine, day: date | None, week: str | None) -> tuple[date, date, str]:
    if day is not None:
        return day, day, day.isoformat()
    assert week is not None
    first, last = iso_week(week)
    return first, last, f"{week} ({first.isoformat()} – {last.isoformat()})"


def _network(scenario: str) -> PatrolNetwork:
    from borderwatch.data import build_network
    from borderwatch.data.load import load_scenario

    return build_network(load_scenario(scenario))


def report_html(
    engine: Engine,
    *,
    day: date | None = None,
    week: str | None = None,
    lang: str = "zh",
    network: PatrolNetwork | None = None,
) -> str:
    """The report page (self-contained HTML) of a night (``day``) or an ISO ``week``.

    Raises
    ------
    LogError
        If no night of the period is in the log.
    """
    first, last, period = _period(engine, day, week)
    nights = nights_between(engine, first, last)
    if not nights:
        raise LogError(
            "no night of the period in the duty log",
            field="--day" if day is not None else "--week",
            value=period,
        )
    recs = [read_night(engine, n) for n in nights]
    by_scenario: dict[str, list[str]] = defaultdict(list)
    for r in recs:
        by_scenario[r.scenario].append(str(r.night))
    if len(by_scenario) > 1:  # one map, one township table: of one scenario's border
        held = "; ".join(f"{s}: {', '.join(n)}" for s, n in by_scenario.items())
        raise LogError(
            f"the period holds nights of {len(by_scenario)} scenarios ({held}); a report "
            "covers one: report those nights day by day, or keep a log per scenario (--db)",
            field="--day" if day is not None else "--week",
            value=period,
        )
    net = network if network is not None else _network(recs[0].scenario)
    L = LABELS[lang]
    K = KINDS[lang]
    from borderwatch.maps.brief.charts import _style

    with _style():
        ctx = {
            "lang": lang,
            "L": L,
            "title": L["day_title" if day is not None else "week_title"],
            "subtitle": f"{recs[0].scenario} · {period}",
            "tiles": _tiles(recs, L),
            "townships": _townships(recs, net),
            "map_img": _img(_map_svg(recs, net)),
            "teams": _teams(recs),
            "deviations": [
                _stretch_row(r, s, K, lang)
                for r in recs
                for s in r.stretches.itertuples()
                if s.kind != "unwatched"
            ],
            "unwatched": _unwatched(recs, K, lang),
            "incidents": _incidents(recs, net),
            "inspections": [
                {
                    "night": r.night.isoformat(),
                    "leader": i.leader,
                    "time": i.time[11:16],
                    "place": i.place,
                    "note": i.note,
                }
                for r in recs
                for i in r.inspections.itertuples()
            ],
        }
        trend = _trend(engine, last)
        ctx["trend"] = trend
        ctx["trend_img"] = _img(_trend_svg(trend, L))
    env = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)), autoescape=True, undefined=StrictUndefined
    )
    return env.get_template("report.html.j2").render(**ctx)


def write_report(
    engine: Engine,
    out_dir: str | Path,
    *,
    day: date | None = None,
    week: str | None = None,
    lang: str = "zh",
    pdf: bool = True,
    force: bool = False,
    network: PatrolNetwork | None = None,
) -> list[Path]:
    """Write ``report.html`` (and ``report.pdf``) into ``out_dir`` atomically.

    Returns
    -------
    list of Path
        The files written.
    """
    from borderwatch.maps.brief.pdf import print_pdf
    from borderwatch.planfiles.folders import check_output_folder

    out = check_output_folder(out_dir, force=force, kind="log-report")
    html = report_html(engine, day=day, week=week, lang=lang, network=network)
    names = ["report.html"] + (["report.pdf"] if pdf else [])
    with atomic_folder(out, kind="log-report") as stage:
        write_text(stage / "report.html", html)
        if pdf:
            print_pdf(stage / "report.html", stage / "report.pdf")
    return [out / n for n in names]


# ------------------------------------------------------------------------------------ sections
def _tiles(recs: list[NightRecord], L: dict[str, str]) -> list[dict[str, str]]:
    a_pct = np.mean([r.achieved["watched_pct"] for r in recs])
    p_pct = np.mean([r.planned["watched_pct"] for r in recs])
    a_w = max(r.achieved["worst_revisit_min"] for r in recs)
    p_w = max(r.planned["worst_revisit_min"] for r in recs)
    a_gap = np.mean([r.achieved["gap_km"] for r in recs])
    p_gap = np.mean([r.planned["gap_km"] for r in recs])
    on = [t for r in recs for t in r.teams.itertuples() if t.status != "standby"]
    bad = {(r.night, s.team) for r in recs for s in r.stretches.itertuples() if s.team}
    ok = sum(
        1
        for r in recs
        for t in r.teams.itertuples()
        if t.status == "drove" and (r.night, t.team) not in bad
    )
    n_inc = sum(len(r.incidents) for r in recs)
    cases = sum(int(r.incidents["cases"].sum()) for r in recs if len(r.incidents))
    people = sum(int(r.incidents["people"].sum()) for r in recs if len(r.incidents))
    return [
        {"value": str(len(recs)), "label": L["nights"], "plan": ""},
        {"value": _f(a_pct), "label": L["watched_pct"], "plan": f"{L['plan']} {_f(p_pct)}"},
        {"value": _f(a_w, 0), "label": L["worst_revisit"], "plan": f"{L['plan']} {_f(p_w, 0)}"},
        {"value": _f(a_gap, 2), "label": L["unwatched_km"], "plan": f"{L['plan']} {_f(p_gap, 2)}"},
        {"value": f"{ok}/{len(on)}", "label": L["teams_ok"], "plan": ""},
        {"value": f"{n_inc} ({cases}/{people})", "label": L["n_incidents"], "plan": ""},
    ]


def _planned_watched(rec: NightRecord) -> np.ndarray:
    target = float(rec.achieved["targets"]["max_revisit_min"])
    w = rec.units["planned_worst_revisit_min"].to_numpy(dtype=float)
    out: np.ndarray = np.nan_to_num(w, nan=np.inf) <= target
    return out


def _townships(recs: list[NightRecord], net: PatrolNetwork) -> list[dict[str, Any]]:
    units = net.units
    town = (
        units["township"].fillna("").astype(str).to_numpy()
        if "township" in units
        else np.full(len(units), "")
    )
    length = units["length_m"].to_numpy(dtype=float) / 1000.0
    n = len(recs)
    plan_km = np.zeros(len(units))
    ach_km = np.zeros(len(units))
    # the worst revisit over the units a patrol passed, as the headline, report.txt and
    # the briefing's township table say it; the rest is counted apart (never passed, km):
    # a never-passed unit counted as the whole night put 600 beside the headline's 88
    worst = np.full(len(units), np.nan)
    never_km = np.zeros(len(units))
    det = np.zeros(len(units))
    det_n = 0
    for r in recs:
        d = pd.to_numeric(r.units["detection"], errors="coerce").to_numpy(dtype=float)
        if np.isfinite(d).any():
            det += np.nan_to_num(d, nan=0.0)
            det_n += 1
        plan_km += np.where(_planned_watched(r), length, 0.0)
        ach_km += np.where(r.units["watched"].to_numpy(dtype=bool), length, 0.0)
        w = r.units["worst_revisit_min"].to_numpy(dtype=float)
        passed = (r.units["passes"].to_numpy(dtype=float) > 0) & np.isfinite(w)
        worst = np.fmax(worst, np.where(passed, w, np.nan))
        never_km += np.where(passed, 0.0, length)
    rows = []
    for t in sorted(set(town)):
        on = town == t
        b = float(length[on].sum())
        p = float(plan_km[on].sum()) / n
        a = float(ach_km[on].sum()) / n
        rows.append(
            {
                "name": t or "—",
                "border_km": _f(b),
                "plan_km": _f(p),
                "watched_km": _f(a),
                "pct": _f(100.0 * a / b if b else 0.0),
                "worst": (
                    _f(float(np.nanmax(worst[on])), 0) if np.isfinite(worst[on]).any() else "—"
                ),
                "never_km": _f(float(never_km[on].sum()) / n, 2),
                "detection": (
                    f"{100.0 * float((det[on] / det_n).mean()):.0f} "
                    f"({100.0 * float((det[on] / det_n).min()):.0f})"
                    if det_n
                    else ""
                ),
                "short": a < p - 0.05,
            }
        )
    return rows


def _teams(recs: list[NightRecord]) -> list[dict[str, Any]]:
    agg: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(float))
    for r in recs:
        for t in r.teams.itertuples():
            if t.status == "standby":
                continue
            a = agg[t.team]
            a["nights"] += 1
            a["driven"] += t.status == "drove"
            a["loops"] += t.loops_driven
            a["loops_planned"] += t.loops_planned
            if t.late_min > 10:
                a["late_n"] += 1
                a["late_max"] = max(a["late_max"], t.late_min)
            a["km"] += t.driven_km
            a["km_planned"] += t.planned_km
            # the passes that count, unit by unit (compare.py's compliance_pct): extra passes
            # of one unit do not make up for the missed passes of another, as in `log night`
            a["passes"] += t.compliance_pct * t.passes_planned / 100.0
            a["passes_planned"] += t.passes_planned
            a["off"] += t.off_route_km
    rows = []
    for team in sorted(agg):
        a = agg[team]
        rows.append(
            {
                "team": team,
                "nights": int(a["nights"]),
                "driven": int(a["driven"]),
                "missing": a["driven"] < a["nights"],
                "loops": f"{a['loops']:.1f} / {a['loops_planned']:.0f}",
                "loops_short": a["loops"] < a["loops_planned"] - 0.5,
                "late": f"{int(a['late_n'])} ({a['late_max']:.0f})" if a["late_n"] else "0",
                "late_n": a["late_n"] > 0,
                "km": f"{a['km']:.0f} / {a['km_planned']:.0f}",
                "passes": fmt.pct(
                    100.0 * a["passes"] / a["passes_planned"] if a["passes_planned"] else 0.0, ""
                ),
                "off_route": _f(a["off"]),
            }
        )
    return rows


def _stretch_row(r: NightRecord, s: Any, K: dict[str, str], lang: str) -> dict[str, str]:
    km = (
        "" if s.start_km is None or s.start_km != s.start_km else f"{s.start_km:.2f}–{s.end_km:.2f}"
    )
    tm = (
        ""
        if s.from_min is None or s.from_min != s.from_min
        else f"{r.clock(s.from_min)}–{r.clock(s.to_min)}"
    )
    return {
        "night": r.night.isoformat(),
        "kind": K.get(s.kind, s.kind),
        "team": "" if pd.isna(s.team) else str(s.team),
        "km": km,
        "time": tm,
        "township": s.township,
        "detail": _detail(s.detail, lang),
    }


def _unwatched(recs: list[NightRecord], K: dict[str, str], lang: str) -> list[dict[str, str]]:
    """Unwatched stretches: those the plan watched night by night; those it left unwatched
    too once per km range, with the number of nights."""
    rows = []
    also: dict[tuple[float, float], list[Any]] = {}
    for r in recs:
        for s in r.stretches.itertuples():
            if s.kind != "unwatched":
                continue
            if s.detail.endswith("(also in the plan)"):
                also.setdefault((s.start_km, s.end_km), []).append((r, s))
            else:
                rows.append(_stretch_row(r, s, K, lang))
    for (_a, _b), items in sorted(also.items()):
        row = _stretch_row(items[0][0], items[0][1], K, lang)
        if len(items) > 1:
            row["night"] = f"{items[0][0].night.isoformat()} … ×{len(items)}"
        rows.append(row)
    return rows


def _incidents(recs: list[NightRecord], net: PatrolNetwork) -> list[dict[str, Any]]:
    units = net.units
    rows = []
    n = 0
    for r in recs:
        for i in r.incidents.itertuples():
            n += 1
            town = (
                str(units["township"].iloc[int(i.unit)])
                if i.unit is not None and "township" in units
                else ""
            )
            rows.append(
                {
                    "n": n,
                    "night": r.night.isoformat(),
                    "time": clock(r.window_start, i.t_min),
                    "km": _f(i.km, 2),
                    "township": town,
                    "kind": i.kind,
                    "outcome": i.outcome,
                    "cases": i.cases,
                    "people": i.people,
                    "near": i.near or "—",
                }
            )
    return rows


def _trend(engine: Engine, last: date) -> list[dict[str, str]]:
    first = last - timedelta(days=7 * TREND_WEEKS - 1)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                S.nights.c.id, S.nights.c.night, S.nights.c.achieved_json, S.nights.c.planned_json
            )
            .where(S.nights.c.night >= first, S.nights.c.night <= last)
            .order_by(S.nights.c.night)
        ).all()
        counts: dict[int, int] = dict(
            conn.execute(
                sa.select(S.incidents.c.night_id, sa.func.count()).group_by(S.incidents.c.night_id)
            ).all()
        )
    import json

    weeks: dict[str, list[Any]] = defaultdict(list)
    for nid, night, a, p in rows:
        y, w, _ = night.isocalendar()
        weeks[f"{y}-W{w:02d}"].append((json.loads(a), json.loads(p), counts.get(nid, 0)))
    out = []
    for wk in sorted(weeks):
        items = weeks[wk]
        out.append(
            {
                "week": wk,
                "nights": str(len(items)),
                "plan": _f(np.mean([p["watched_pct"] for _, p, _ in items])),
                "pct": _f(np.mean([a["watched_pct"] for a, _, _ in items])),
                "worst": _f(max(a["worst_revisit_min"] for a, _, _ in items), 0),
                "incidents": str(sum(c for _, _, c in items)),
            }
        )
    return out


# ------------------------------------------------------------------------------------ drawings
def _map_svg(recs: list[NightRecord], net: PatrolNetwork) -> str:
    import shapely
    from matplotlib.collections import LineCollection
    from pyproj import Transformer

    from borderwatch.maps.brief.charts import _figure, _svg

    units = net.units
    geoms = units.geometry.to_numpy()
    missed = np.zeros(len(units))
    never = np.ones(len(units), dtype=bool)
    for r in recs:
        pw = _planned_watched(r)
        missed += pw & ~r.units["watched"].to_numpy(dtype=bool)
        never &= ~pw
    fig = _figure(186, 110)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.axis("off")

    def segs(mask: np.ndarray) -> list[np.ndarray]:
        return [
            np.asarray(g.coords)[:, :2]
            for g in geoms[mask]
            if g is not None and not shapely.is_empty(g)
        ]

    ax.add_collection(
        LineCollection(segs(~never & (missed == 0)), colors="#2a7f3f", linewidths=1.6)
    )
    ax.add_collection(LineCollection(segs(never), colors="#9a9a9a", linewidths=1.6))
    # stretches a team skipped (its own passes missing), even where others watched them
    skipped = np.zeros(len(units), dtype=bool)
    s_m, e_m = units["start_m"].to_numpy(dtype=float), units["end_m"].to_numpy(dtype=float)
    for r in recs:
        for st in r.stretches.itertuples():
            if st.kind in ("skipped", "skipped loop", "no track") and not pd.isna(st.start_km):
                skipped |= (s_m >= st.start_km * 1000 - 1) & (e_m <= st.end_km * 1000 + 1)
    if skipped.any():
        ax.add_collection(LineCollection(segs(skipped), colors="#f0a030", linewidths=5.0))
    n = len(recs)
    for k in range(1, n + 1):
        m = missed == k
        if m.any():
            shade = 0.45 + 0.55 * k / n
            ax.add_collection(LineCollection(segs(m), colors=[(shade, 0.0, 0.0)], linewidths=3.2))
    # chainage every 10 km, so a stretch "km 86-89" can be found on the map
    start_m = units["start_m"].to_numpy(dtype=float)
    for i in np.flatnonzero(np.isclose(np.mod(start_m, 10_000.0), 0.0)):
        g = geoms[i]
        if g is None or shapely.is_empty(g):
            continue
        x, y = np.asarray(g.coords)[0][:2]
        ax.plot([x], [y], marker="o", color="#333", markersize=2)
        ax.annotate(
            f"{start_m[i] / 1000:.0f}",
            (x, y),
            xytext=(2, -8),
            textcoords="offset points",
            fontsize=6,
            color="#333",
        )
    tf = Transformer.from_crs(4326, net.crs, always_xy=True)
    num = 0
    for r in recs:
        for i in r.incidents.itertuples():
            num += 1
            x, y = tf.transform(i.lon, i.lat)
            ax.plot([x], [y], marker="x", color="black", markersize=6, mew=1.5)
            ax.annotate(str(num), (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7)
    xmin, ymin, xmax, ymax = units.total_bounds
    pad = 0.03 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    return _svg(fig)


def _trend_svg(trend: list[dict[str, str]], L: dict[str, str]) -> str:
    from borderwatch.maps.brief.charts import _figure, _svg

    fig = _figure(186, 45)
    ax = fig.add_subplot()
    x = np.arange(len(trend))
    ax.plot(
        x,
        [float(t["plan"]) for t in trend],
        color="#777",
        linestyle="--",
        marker=".",
        label=L["plan_pct"],
    )
    ax.plot(x, [float(t["pct"]) for t in trend], color="#b00", marker="o", label=L["watched_pct"])
    step = max(1, len(trend) // 12)
    ax.set_xticks(x[::step], [t["week"] for t in trend][::step])
    ax.set_ylabel("%")
    ax.legend(loc="lower left", frameon=False, fontsize=7)
    return _svg(fig)
