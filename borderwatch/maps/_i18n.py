"""Labels of the maps in Chinese and English.

Only our own words are translated; names from the data (checkpoints, teams,
townships, villages) are shown as given.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "CHECKPOINT_KIND",
    "CRITERION",
    "HIGHWAY",
    "LANGS",
    "VEHICLE",
    "criterion_text",
    "labels",
    "plan_note",
    "term",
]

LANGS: Final = ("zh", "en")

_LABELS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "coverage_title": "边境巡防覆盖图",
        "plan_title": "夜间巡逻方案图",
        "watched_pct": "有人看守",
        "gap_km_total": "盲区总长",
        "longest_gap": "最长盲区",
        "worst_revisit": "今夜最长巡逻间隔",
        "target_revisit": "巡逻间隔目标",
        "target_response": "响应时间目标",
        "target_met": "达标",
        "target_not_met": "未达标",
        "over_by": "超出",
        "patrolled_pct": "巡逻经过（至少一次）",
        "watched_note": "有人看守：卡点看守，或巡逻间隔不超过目标；巡逻经过：整夜至少经过一次",
        "target_detail": "{verdict}，{over_by} {over}：{where}",
        "list_sep": "、",
        "border_km": "边境线",
        "status": "状态",
        "checkpoint": "卡点看守",
        "patrol": "仅巡逻看守",
        "gap": "盲区",
        "not_patrolled": "无巡逻",
        "units_status": "边境线（按状态）",
        "units_revisit": "边境线（按巡逻间隔）",
        "colour_by": "着色",
        "by_status": "按状态",
        "by_revisit": "按最长间隔",
        "gaps": "盲区段",
        "gaps_after": "方案后仍为盲区",
        "checkpoints": "卡点",
        "watch_radii": "卡点看守半径",
        "team_bases": "巡逻队驻地",
        "grid_township": "乡镇盲区里程",
        "grid_village": "村级盲区里程",
        "response": "响应时间分段",
        "incidents": "事件热力图",
        "required_roads": "必巡道路",
        "routes": "巡逻路线",
        "gap_id": "盲区编号",
        "km_range": "里程范围",
        "length": "长度",
        "criterion": "判定标准",
        "worst_value": "最差值",
        "township": "乡镇",
        "village": "村",
        "nearest_checkpoint": "最近卡点",
        "why": "原因",
        "name": "名称",
        "ident": "编号",
        "siting_title": "卡点选址建议图",
        "new_sites": "建议新增卡点",
        "newly_watched": "新增看守边境线",
        "site_rank": "顺序",
        "site_new_km": "新增看守",
        "border_chainage": "边境里程",
        "to_border": "距边境线",
        "radius": "看守半径",
        "kind": "类型",
        "team": "巡逻队",
        "vehicle": "车辆",
        "crew": "人数",
        "loop_km": "单圈里程",
        "loop_min": "单圈时间",
        "start_times": "出发时间",
        "revisit_min": "最长间隔",
        "response_min": "响应时间",
        "gap_km": "盲区里程",
        "unit": "单元",
        "chainage": "里程",
        "km": "公里",
        "min": "分钟",
        "m": "米",
        "focus": "聚焦巡逻队",
        "all_teams": "全部巡逻队",
        "fullscreen": "全屏",
        "measure": "测距",
        "measure_hint": "单击地图逐点测距，双击结束",
        "legend": "图例",
        "no_data": "无数据",
        "required": "必巡",
        "target": "目标",
        "standby": "待命",
        "km_marks": "边境里程标（公里）",
        "replan_title": "夜间巡逻重新规划图",
        "changes": "重新规划：接替路段",
        "takes_over": "接替",
        "takeover_text": "{team} 接替 {from_team} 的路段{span}{first}",
        "takeover_span": "（{a}–{b} 公里）",
        "takeover_first": "，首次经过 {clock}",
        "every_loop": "{first} 起每 {loop} 分钟一圈（{n} 整圈{partial}）",
        "every_partial": "，另最后一圈只巡 {p} / {l} 分钟",
        "last_partial": "（最后一圈只巡 {p} / {l} 分钟）",
        "loop_too_long": "！！单圈长于整夜（{loop} > {win} 分钟）：把其道路交给其他巡逻队，或分成较短的圈",
        "zoom_in": "放大",
        "zoom_out": "缩小",
        "layers": "图层",
        "leaflet": "Leaflet 地图库",
    },
    "en": {
        "coverage_title": "Border coverage",
        "plan_title": "Night patrol plan",
        "watched_pct": "Watched",
        "gap_km_total": "In gaps",
        "longest_gap": "Longest gap",
        "worst_revisit": "Worst revisit tonight",
        "target_revisit": "Revisit target",
        "target_response": "Response target",
        "target_met": "met",
        "target_not_met": "NOT met",
        "over_by": "over by",
        "patrolled_pct": "Patrolled (passed at least once)",
        "watched_note": "Watched: a checkpoint sees it, or a patrol passes it within the "
        "revisit target; patrolled: passed at least once all night",
        "target_detail": "{verdict}, {over_by} {over}: {where}",
        "list_sep": ", ",
        "border_km": "Border",
        "status": "Status",
        "checkpoint": "Watched by a checkpoint",
        "patrol": "Watched by patrol only",
        "gap": "Gap",
        "not_patrolled": "Not patrolled",
        "units_status": "Border (by status)",
        "units_revisit": "Border (by revisit)",
        "colour_by": "Colour",
        "by_status": "by status",
        "by_revisit": "by worst revisit",
        "gaps": "Gaps",
        "gaps_after": "Gaps after the plan",
        "checkpoints": "Checkpoints",
        "watch_radii": "Checkpoint watch radii",
        "team_bases": "Team bases",
        "grid_township": "Km in gaps by township",
        "grid_village": "Km in gaps by village",
        "response": "Response time bands",
        "incidents": "Incidents (heat)",
        "required_roads": "Required roads",
        "routes": "Patrol routes",
        "gap_id": "Gap",
        "km_range": "Km range",
        "length": "Length",
        "criterion": "Criterion",
        "worst_value": "Worst value",
        "township": "Township",
        "village": "Village",
        "nearest_checkpoint": "Nearest checkpoint",
        "why": "Reason",
        "name": "Name",
        "ident": "ID",
        "siting_title": "Proposed checkpoint sites",
        "new_sites": "Proposed new sites",
        "newly_watched": "Border newly watched",
        "site_rank": "Rank",
        "site_new_km": "Newly watched",
        "border_chainage": "Border km",
        "to_border": "To the border",
        "radius": "Watch radius",
        "kind": "Kind",
        "team": "Team",
        "vehicle": "Vehicle",
        "crew": "Crew",
        "loop_km": "Loop length",
        "loop_min": "Loop time",
        "start_times": "Start times",
        "revisit_min": "Worst revisit",
        "response_min": "Response time",
        "gap_km": "Km in gaps",
        "unit": "Unit",
        "chainage": "Chainage",
        "km": "km",
        "min": "min",
        "m": "m",
        "focus": "Focus on team",
        "all_teams": "All teams",
        "fullscreen": "Full screen",
        "measure": "Measure",
        "measure_hint": "Click points on the map to measure, double-click to finish",
        "legend": "Legend",
        "no_data": "no data",
        "required": "required",
        "target": "target",
        "standby": "standby",
        "km_marks": "Border km marks",
        "replan_title": "Night patrol re-plan",
        "changes": "Re-plan: roads taken over",
        "takes_over": "takes over",
        "takeover_text": "{team} takes {from_team}'s loop{span}{first}",
        "takeover_span": " km {a}-{b}",
        "takeover_first": ", first pass {clock}",
        "every_loop": "{first}, then every {loop} min ({n} loops{partial})",
        "every_partial": " + 1 partial: {p} min of {l} min",
        "last_partial": " (last partial: {p} min of {l} min)",
        "loop_too_long": "!! loop longer than the night ({loop} min > {win} min): give its roads to another team, or split it into shorter loops",
        "zoom_in": "Zoom in",
        "zoom_out": "Zoom out",
        "layers": "Layers",
        "leaflet": "Leaflet map library",
    },
}


def labels(lang: str) -> dict[str, str]:
    """The label table of ``lang`` (``"zh"`` or ``"en"``)."""
    from borderwatch.maps._validate import check_choice

    check_choice("lang", lang, LANGS)
    return _LABELS[lang]


#: Road classes (OSM ``highway``) in words, for roads without a name.
HIGHWAY: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "motorway": "高速公路",
        "trunk": "国道",
        "primary": "省道",
        "secondary": "县道",
        "tertiary": "乡道",
        "unclassified": "村道",
        "residential": "村内道路",
        "service": "专用道路",
        "track": "机耕路",
        "path": "小路",
        "footway": "步道",
        "living_street": "生活街道",
        "road": "道路",
        "motorway_link": "高速匝道",
        "trunk_link": "国道连接线",
        "primary_link": "省道连接线",
        "secondary_link": "县道连接线",
        "tertiary_link": "乡道连接线",
        "bridleway": "马道",
        "cycleway": "自行车道",
        "steps": "台阶",
        "pedestrian": "步行街",
    },
    "en": {
        "motorway": "motorway",
        "trunk": "trunk road",
        "primary": "primary road",
        "secondary": "secondary road",
        "tertiary": "tertiary road",
        "unclassified": "minor road",
        "residential": "village street",
        "service": "service road",
        "track": "track",
        "path": "path",
        "footway": "footpath",
        "living_street": "living street",
        "road": "road",
        "motorway_link": "motorway link",
        "trunk_link": "trunk road link",
        "primary_link": "primary road link",
        "secondary_link": "secondary road link",
        "tertiary_link": "tertiary road link",
        "bridleway": "bridleway",
        "cycleway": "cycleway",
        "steps": "steps",
        "pedestrian": "pedestrian street",
    },
}

#: Vehicle profiles in words.
VEHICLE: Final[dict[str, dict[str, str]]] = {
    "zh": {"pickup": "皮卡", "suv": "越野车", "motorcycle": "摩托车", "foot": "徒步"},
    "en": {"pickup": "pickup", "suv": "SUV", "motorcycle": "motorcycle", "foot": "on foot"},
}

#: Checkpoint kinds of the generated and embedded scenarios; other kinds are data, shown as given.
CHECKPOINT_KIND: Final[dict[str, dict[str, str]]] = {
    "zh": {"crossing": "边境通道", "trail_end": "便道口", "border_road": "边境公路"},
    "en": {"crossing": "border crossing", "trail_end": "trail end", "border_road": "border road"},
}

#: Coverage criteria of a gap (``coverage.gaps.CRITERIA``), joined by "+" in a gap's ``criterion``.
CRITERION: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "checkpoint": "卡点看守",
        "response": "响应时间",
        "revisit": "巡逻间隔",
        "road": "道路可达",
        "status": "状态",
    },
    "en": {
        "checkpoint": "checkpoint",
        "response": "response time",
        "revisit": "revisit",
        "road": "road reach",
        "status": "status",
    },
}


def term(table: dict[str, dict[str, str]], value: object, lang: str) -> str:
    """``value`` (a vehicle, road class, checkpoint kind) in ``lang``; unknown values as given.

    Examples
    --------
    >>> term(VEHICLE, "suv", "zh"), term(VEHICLE, "hovercraft", "zh")
    ('越野车', 'hovercraft')
    """
    text = "" if value is None else str(value)
    return table.get(lang, {}).get(text, text)


def criterion_text(value: object, lang: str) -> str:
    """A gap's criterion (e.g. ``"checkpoint+revisit"``) in ``lang``.

    Examples
    --------
    >>> criterion_text("checkpoint+revisit", "zh")
    '卡点看守+巡逻间隔'
    """
    text = "" if value is None else str(value)
    return "+".join(term(CRITERION, part, lang) for part in text.split("+"))


#: The plan's notes and standby reasons (written in English by ``borderwatch.plan``), as
#: patterns and their words in each language; ``{v}`` is the vehicle in words.
_NOTES: Final[tuple[tuple[re.Pattern[str], dict[str, str]], ...]] = (
    (
        re.compile(r"^loop (?P<loop>[\d.]+) min: all its (?P<v>\w+) can reach$"),
        {
            "zh": "单圈 {loop} 分钟：其{v}能到达的道路仅此",
            "en": "loop {loop} min: all its {v} can reach",
        },
    ),
    (
        re.compile(
            r"^loop (?P<loop>[\d.,]+) min: all its (?P<v>\w+) can reach, "
            r"shorter than (?P<floor>[\d.,]+) min$"
        ),
        {
            "zh": "单圈 {loop} 分钟：其{v}能到达的道路仅此，短于 {floor} 分钟",
            "en": "loop {loop} min: all its {v} can reach, shorter than {floor} min",
        },
    ),
    (
        re.compile(r"^kept: only it drives (?P<km>[\d.,]+) km of required road$"),
        {
            "zh": "保留此圈：其中 {km} 公里必巡道路只有该队巡逻",
            "en": "kept: only it drives {km} km of required road",
        },
    ),
    (
        re.compile(
            r"^alternative: reinforce checkpoint (?P<cp>\S+), (?P<km>[\d.,]+) km from its base$"
        ),
        {
            "zh": "备选：增援卡点 {cp}（距驻地 {km} 公里）",
            "en": "alternative: reinforce checkpoint {cp}, {km} km from its base",
        },
    ),
    (
        re.compile(r"^alternative: reinforce a checkpoint$"),
        {"zh": "备选：增援一处卡点", "en": "alternative: reinforce a checkpoint"},
    ),
    (
        re.compile(
            r"^checkpoint reinforcement at checkpoint (?P<cp>\S+), (?P<km>[\d.,]+) km from its "
            r"base: its best loop \((?P<loop>[\d.,]+) min\) is shorter than (?P<floor>[\d.,]+) "
            r"min and every road it serves is driven by another team$"
        ),
        {
            "zh": "增援卡点 {cp}（距驻地 {km} 公里）：其最佳单圈（{loop} 分钟）短于 {floor} 分钟，"
            "且所巡道路均有其他队巡逻",
            "en": "checkpoint reinforcement at checkpoint {cp}, {km} km from its base: its best "
            "loop ({loop} min) is shorter than {floor} min and every road it serves is driven by "
            "another team",
        },
    ),
    (
        re.compile(
            r"^checkpoint reinforcement at a checkpoint: its best loop \((?P<loop>[\d.,]+) min\) "
            r"is shorter than (?P<floor>[\d.,]+) min and every road it serves is driven by "
            r"another team$"
        ),
        {
            "zh": "增援一处卡点：其最佳单圈（{loop} 分钟）短于 {floor} 分钟，且所巡道路均有其他队巡逻",
            "en": "checkpoint reinforcement at a checkpoint: its best loop ({loop} min) is shorter "
            "than {floor} min and every road it serves is driven by another team",
        },
    ),
    (
        re.compile(r"^drives km (?P<a>[\d.]+)-(?P<b>[\d.]+) once more per loop \(hot\)$"),
        {
            "zh": "每圈多巡一次 {a}–{b} 公里（重点路段）",
            "en": "drives km {a}-{b} once more per loop (hot)",
        },
    ),
    (
        re.compile(r"^its (?P<v>\w+) reaches no required road from its base$"),
        {
            "zh": "其{v}从驻地到达不了任何必巡道路",
            "en": "its {v} reaches no required road from its base",
        },
    ),
    (
        re.compile(
            r"^no loop its (?P<v>\w+) can drive within (?P<min>\d+) min of its base needs it$"
        ),
        {
            "zh": "驻地 {min} 分钟车程内没有需要其{v}巡逻的道路",
            "en": "no loop its {v} can drive within {min} min of its base needs it",
        },
    ),
    (
        re.compile(
            r"^its (?P<v>\w+) reaches no required road from where it is at "
            r"(?P<clock>\d{1,2}:\d{2}) \(node (?P<node>\d+)\)$"
        ),
        {
            "zh": "其{v}在 {clock} 所在位置到达不了任何必巡道路（节点 {node}）",
            "en": "its {v} reaches no required road from where it is at {clock} (node {node})",
        },
    ),
    (
        re.compile(r"^still on its road at the window end \(ready (?P<clock>\d{1,2}:\d{2})\)$"),
        {
            "zh": "夜间时段结束时仍在途中（{clock} 才能就位）",
            "en": "still on its road at the window end (ready {clock})",
        },
    ),
)


def plan_note(text: object, lang: str) -> str:
    """A route's note or standby reason in ``lang`` (parts joined by ``"; "``).

    A part no pattern knows is shown as written (and the language tests find it).

    Examples
    --------
    >>> plan_note("loop 6.1 min: all its pickup can reach", "zh")
    '单圈 6.1 分钟：其皮卡能到达的道路仅此'
    """
    raw = "" if text is None else str(text)
    if not raw or raw == "nan":
        return ""
    out = []
    for part in raw.split("; "):
        for pattern, words in _NOTES:
            m = pattern.match(part.strip())
            if m:
                values = m.groupdict()
                if "v" in values:
                    values["v"] = term(VEHICLE, values["v"], lang)
                out.append(words[lang].format(**values))
                break
        else:
            out.append(part)
    return ("；" if lang == "zh" else "; ").join(out)
