"""Our own words in Chinese and English, below every writer (issue #21: one language per output).

The tables here serve the writers that sit under the maps: ``report.txt``
(:mod:`borderwatch.planfiles.export`), the re-plan's radio text ``diff.txt``
(:mod:`borderwatch.plan.replan_text`), the target lines
(:func:`borderwatch.coverage.gaps.target_lines`), the border-length line
(:func:`borderwatch.data.summary.border_lengths_text`), the detection lines
(:func:`borderwatch.plan.odds.report_lines`) and a loop's start times
(:meth:`borderwatch.plan.laps.Laps.text`). The maps' own labels are in
:mod:`borderwatch.maps._i18n`, which takes the vehicles and the plan's notes
from here.

The language of an output is chosen by one rule
(:func:`borderwatch.config.default_language`: the scenario's time zone), or by
``--lang`` where the command has one. Only our own words are translated: ids
(``T05``, ``G5.25-5.75``), units (``km``, ``min``) and names from the data
(teams, townships, the scenario's title) are shown as given. The English texts
are the reports' words as they were before the tables, byte for byte.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = [
    "CRITERION",
    "DIFF",
    "LANGS",
    "REPORT",
    "ROLE",
    "VEHICLE",
    "criterion_text",
    "pad",
    "plan_note",
    "report_labels",
    "role_text",
    "term",
    "window_text",
]

LANGS: Final = ("zh", "en")

#: Vehicle profiles in words.
VEHICLE: Final[dict[str, dict[str, str]]] = {
    "zh": {"pickup": "皮卡", "suv": "越野车", "motorcycle": "摩托车", "foot": "徒步"},
    "en": {"pickup": "pickup", "suv": "SUV", "motorcycle": "motorcycle", "foot": "on foot"},
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
    (
        re.compile(
            r"^no road within (?P<view>[\d.]+) km of the border \(nearest (?P<near>[\d.]+) km\)$"
        ),
        {
            "zh": "边境线 {view} km 内无道路（最近道路 {near} km）",
            "en": "no road within {view} km of the border (nearest {near} km)",
        },
    ),
    (
        re.compile(r"^only roads no team vehicle \((?P<vs>[^)]*)\) may use come within view$"),
        {
            "zh": "视距内只有巡逻车辆（{vs}）都不能通行的道路",
            "en": "only roads no team vehicle ({vs}) may use come within view",
        },
    ),
    (
        re.compile(r"^no road within (?P<view>[\d.]+) km$"),
        {"zh": "{view} km 内无道路", "en": "no road within {view} km"},
    ),
    (
        re.compile(r"^no road within (?P<view>[\d.]+) km, or no team's vehicle reaches the road$"),
        {
            "zh": "{view} km 内无道路，或巡逻车辆到达不了道路",
            "en": "no road within {view} km, or no team's vehicle reaches the road",
        },
    ),
    (re.compile(r"^no loop$"), {"zh": "无巡逻圈", "en": "no loop"}),
    (
        re.compile(
            r"^lost to the sector split: only teams of other sectors \((?P<who>[^)]*)\) can watch it$"
        ),
        {
            "zh": "因区段划分失去：只有其他区段的巡逻队（{who}）能看守",
            "en": "lost to the sector split: only teams of other sectors ({who}) can watch it",
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
                if "vs" in values:
                    sep = "、" if lang == "zh" else ", "
                    values["vs"] = sep.join(
                        term(VEHICLE, v, lang) for v in values["vs"].split(", ")
                    )
                out.append(words[lang].format(**values))
                break
        else:
            out.append(part)
    return ("；" if lang == "zh" else "; ").join(out)


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


def criterion_text(value: object, lang: str) -> str:
    """A gap's criterion (e.g. ``"checkpoint+revisit"``) in ``lang``.

    Examples
    --------
    >>> criterion_text("checkpoint+revisit", "zh")
    '卡点看守+巡逻间隔'
    """
    text = "" if value is None else str(value)
    return "+".join(term(CRITERION, part, lang) for part in text.split("+"))


#: A route's role in the night plan (``TeamRoute.role``); ``co-patrol T12`` names its host.
ROLE: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "min-max": "最小化最长圈",
        "take-over": "接替",
        "extension": "延伸",
        "co-patrol": "协同巡逻",
    },
    "en": {},
}


def role_text(role: object, lang: str) -> str:
    """A route's role in ``lang`` (``"co-patrol T17"`` -> ``"协同巡逻 T17"``); unknown roles as given.

    Examples
    --------
    >>> role_text("co-patrol T17", "zh"), role_text("take-over", "en")
    ('协同巡逻 T17', 'take-over')
    """
    text = "" if role is None else str(role)
    head, _, rest = text.partition(" ")
    words = ROLE.get(lang, {})
    if head in words:
        return f"{words[head]} {rest}".rstrip()
    return words.get(text, text)


#: How the required roads were chosen (``RequiredRoads.method``).
METHOD: Final[dict[str, dict[str, str]]] = {
    "zh": {"milp": "整数规划", "greedy": "贪心算法", "fixed": "固定道路"},
    "en": {},
}

#: ``revisit_window`` of a re-plan (``jobs.replan.replan_worst``), its words after the clocks.
_WINDOW_NOTE: Final = ", the rest of the night with the passes before the cut counted"
_WINDOW_NOTE_ZH: Final = "，余下夜间（计入断点前的巡逻经过）"


def window_text(window: str, lang: str) -> str:
    """A ``revisit_window`` (``"02:10-06:00, the rest of the night ..."``) in ``lang``.

    Examples
    --------
    >>> window_text("02:10-06:00, the rest of the night with the passes before the cut counted", "zh")
    '02:10-06:00，余下夜间（计入断点前的巡逻经过）'
    """
    if lang == "zh":
        return window.replace(_WINDOW_NOTE, _WINDOW_NOTE_ZH)
    return window


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded to ``width`` terminal columns (a CJK character takes two).

    For ASCII text it is ``format(text, f"{align}{width}")``.

    Examples
    --------
    >>> pad("越野车", 8) + "|", pad("suv", 5, ">") + "|"
    ('越野车  |', '  suv|')
    """
    cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    fill = " " * max(width - cols, 0)
    return text + fill if align == "<" else fill + text


#: The words of ``report.txt`` (:func:`borderwatch.planfiles.export.report_text`), the target
#: lines (:func:`borderwatch.coverage.gaps.target_lines`), the border-length line, the
#: detection lines (:func:`borderwatch.plan.odds.report_lines`) and the loop column
#: (:meth:`borderwatch.plan.laps.Laps.text`). Figures come in as text (:mod:`borderwatch.fmt`).
REPORT: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "title": "夜间巡逻方案：{title}",
        "title_replan": "夜间巡逻重新规划：{title}",
        "night": "夜间 {start}-{end}{starting}，随机种子 {seed}",
        "starting": "，{night} 起",
        "col_team": "巡逻队",
        "col_vehicle": "车辆",
        "col_leave": "离开驻地",
        "col_start": "开始巡圈",
        "variants_note": "离开驻地为各队基本变体（如 {base}）的时间；排班表每夜为每队抽一个路线变体（方向、相位），当夜出发时间以排班表和日历为准",
        "col_loop_km": "单圈公里",
        "col_loop_min": "单圈分钟",
        "col_service_km": "必巡公里",
        "col_loops": "巡圈",
        "standby": "待命",
        "standby_warning": "!! {n} 个巡逻队今夜待命，无巡逻圈：",
        "sep": "；",
        "list_sep": "、",
        "team_reason": "{team}：{reason}",
        "role": "  [{role}]",
        "note": "  （{note}）",
        "teams_line": "在巡巡逻队 {n} / {total}，最短单圈 {short}，最长单圈 {long}",
        "minmax_line": "最长单圈（最小化）{mm}，下界 {bound}，最优性差距 {gap}",
        "risk_log_line": "风险权重取自值勤日志 {log}：{nights} 个夜晚（{first} 至 {last}），"
        "{incidents} 起事件，权重 {low}–{high}",
        "bound_time_line": "下界计算到时间上限即停止：下界有效，但每次运行可能不同",
        "circuit_line": (
            "巡逻圈为不经驻地的环线（loops = circuit）：窗口前由驻地出发一次，最长前往 "
            "{approach}（上限 {limit}），窗口结束后返回；下界按环线计算"
        ),
        "worst_line": "最长巡逻间隔 {worst}（有巡逻经过的边境线，{window}）{where}",
        "worst_where": "，位于 {a}-{b} km（{what}）",
        "no_team": "无巡逻队",
        "mean_line": "按风险加权的平均巡逻间隔 {mean}",
        "never_line": "整夜无巡逻经过：{km}，{why}",
        "patrolled_line": "有巡逻经过的边境线（至少经过一次）：{km} / {border}（{pct}）",
        "required_line": "必巡道路：{edges} 条路段，{links} 个连接，车程 {drive}（{method}，最优性差距 {gap}）",
        "unreachable_line": "没有巡逻队能到达的必巡道路：{links} 个连接，{km} km",
        "stretches_head": "道路无法到达的边境段：",
        "stretch_line": "  {a}-{b} km（{place}）：{why}",
        "stretch_why": "边境线 {view} km 内无道路（最近道路 {near}）",
        "coverage_line": "{when}（{criterion}）：有人看守 {watched}，盲区 {gap}，共 {n} 段",
        "before": "方案前",
        "after": "方案后",
        "targets": "目标：",
        "terms_note": "“有人看守”：卡点看得到该单元，或整夜巡逻间隔不超过目标；“巡逻经过”：整夜至少经过一次；"
        "巡逻间隔超过目标的路段算巡逻经过，但不算有人看守",
        "changes": "重新规划的变更：",
        # sectors (borderwatch.plan.sectors)
        "sectors_head": "分 {n} 个区段规划（上面的下界适用于全部巡逻队巡逻拼接后的必巡道路的方案，"
        "不适用于选择其他道路的方案；最大区段下界 {bound}，差距 {gap}，只约束保持此划分的方案）：",
        "sectors_lost": "  因划分失去：{km} 边境线（{n} 个单元）其他区段的巡逻队能看守，本区段的都不能",
        "sector_line": "  区段 {k}：{a}-{b} km，{teams} 个巡逻队，最长单圈 {loop}，下界 {bound}，"
        "差距 {gap}，最长巡逻间隔 {worst}（本区段巡逻队）",
        # coverage.gaps.target_lines
        "target_revisit": "巡逻间隔目标",
        "target_response": "响应时间目标",
        "target_head_window": "{head}（{window}）",
        "target_met": "{head}：达标（最差 {worst}）",
        "target_not_met": "{head}：未达标，最差 {worst}（超出 {by}），共 {km}：{where}{more}",
        "target_where": "{a}-{b} km（{worst}）",
        "target_more": "，另有 {n} 段",
        "unreachable": "无法到达",
        "target_never": "  另有 {km} 无巡逻经过（见盲区）",
        # coverage.report.format_summary and cli site (the printed summaries of gaps and site)
        "cov_head": "{scenario}：边境线 {border}，判据 {criterion}",
        "cov_watched": "  有人看守 {watched}（{pct}），盲区 {gap}，共 {n} 段",
        "cov_longest": "  最长盲区 {id}：{a}-{b} km（{length}）",
        "cov_worst": "  最长巡逻间隔 {worst}（有巡逻经过的单元）",
        "cov_no_pass": "  没有单元有巡逻经过",
        "cov_never": "  整夜无巡逻经过：{km}",
        "cov_col_gap": "盲区",
        "cov_col_km": "km",
        "cov_col_length": "长度",
        "cov_col_township": "乡镇",
        "cov_col_why": "原因",
        "site_head": "新增卡点 {n} 处（边境 km：各处新看守的边境段；距边境：卡点到边境线的距离）",
        "site_cols": "序号|卡点|乡镇|边境 km|新增 km|距边境|经度|纬度",
        "site_line": "有人看守 {before} → {after} / {border} km（+{new} km；{method}，{status}）；"
        "看守所有可看守单元最少需 {min} 处卡点；{unc} km 任何卡点都看守不到",
        "site_idle": "其中 {n} 处（序号 {ranks}）在前面的卡点之外不新增任何看守",
        "site_milp": "整数规划",
        "site_greedy": "贪心算法",
        "site_optimal": "最优",
        "site_other": "未证明最优",
        # data.summary.border_lengths_text
        "border_head": "边境线长度：模型边境线 {m} km，官方公布 {o} km",
        "border_why": "：模型边境线比官方测绘粗略（河湾、山脊被截直），因此较短；"
        "本报告的里程、盲区和百分比均按模型边境线计算",
        # plan.odds.report_lines
        "det_none": "历时 {tau} min 的越境：没有可看守的边境单元",
        "det_at": "：{a}-{b} km{town}",
        "det_town": "（{town}）",
        "det_head": "历时 {tau} min 的越境今夜各处被发现的概率不低于 {p}（最低{at}，对了解巡逻规律者）；"
        "对先观察一次经过再越境者为 {wp}{wat}",
        "det_uninformed": "  随机时间（不了解规律）：概率不低于 {p}{at}，平均 {mean}",
        "det_informed": "  了解路线变体及其概率：按方案的概率不低于 {p}（均匀概率：{u}），共 {n} 个变体",
        "det_watching": "  先观察一次经过再越境：{w} km 中 {z} km 为 0：每圈要过一个周期才再经过"
        "（最长 {g} min）；各夜的概率改变不了这一点",
        "det_unwatchable": "  {km} km 视距内无道路或卡点：在此越境不会被发现",
        "det_detours": "  抽签折返（plan --detours）：{teams} 以概率抽取折返路线变体（共 {n} 个，"
        "各队折返概率 {odds}），任一抽签之夜的最长巡逻间隔不超过 {worst} min",
        # plan.laps.Laps.text
        "laps_partial": "最后一圈只巡 {p} / {l}",
        "laps_few": "{clocks}（{partial}）",
        "laps_many": "{first} 起每 {loop} 一圈（{n} 整圈{tail}）",
        "laps_tail": "，另{partial}",
        "laps_too_long": "  !! 单圈长于整夜（{loop} > {win}）：把其道路交给其他巡逻队，或分成较短的圈",
    },
    "en": {
        "title": "borderwatch patrol plan: {title}",
        "title_replan": "borderwatch re-plan: {title}",
        "night": "night {start}-{end}{starting}, seed {seed}",
        "starting": " starting {night}",
        "col_team": "team",
        "col_vehicle": "vehicle",
        "col_leave": "leave base",
        "col_start": "loop start",
        "variants_note": "leave base is each team's base variant (e.g. {base}); the roster draws one route variant (direction, phase) per team and night: that night's leave-base time is in the roster and the calendars",
        "col_loop_km": "loop km",
        "col_loop_min": "loop min",
        "col_service_km": "service km",
        "col_loops": "loops",
        "standby": "STANDBY",
        "standby_warning": "!! {n} team(s) ON STANDBY, no loop tonight: ",
        "sep": "; ",
        "list_sep": ", ",
        "team_reason": "{team}: {reason}",
        "role": "  [{role}]",
        "note": "  ({note})",
        "teams_line": "teams on patrol {n} of {total}, shortest loop {short}, longest {long}",
        "minmax_line": "min-max loop {mm}, lower bound {bound}, optimality gap {gap}",
        "risk_log_line": "risk weights from the duty log {log}: {nights} nights ({first} to "
        "{last}), {incidents} incidents, weights {low}-{high}",
        "bound_time_line": "bound stopped by the time cap: valid, but it may differ between runs",
        "circuit_line": (
            "loops are circuits (loops = circuit), not through the base: each team drives "
            "out once before the window (longest approach {approach}, limit {limit}) and "
            "home after it; the bound is over circuits"
        ),
        "worst_line": "worst revisit interval {worst} (patrolled border, {window}){where}",
        "worst_where": " at km {a}-{b} ({what})",
        "no_team": "no team",
        "mean_line": "risk-weighted mean revisit interval {mean}",
        "never_line": "never passed: {km}, {why}",
        "patrolled_line": "border patrolled (a patrol passes at least once): {km} of {border} ({pct})",
        "required_line": "required roads: {edges} edges in {links} links, {drive} of driving "
        "({method}, optimality gap {gap})",
        "unreachable_line": "required roads no team can reach: {links} links, {km} km",
        "stretches_head": "stretches no road reaches:",
        "stretch_line": "  km {a}-{b} ({place}): {why}",
        "stretch_why": "no road within {view} km of the border (nearest road {near})",
        "coverage_line": "{when} ({criterion}): {watched} watched, {gap} in {n} coverage gaps",
        "before": "before the plan",
        "after": "after the plan",
        "targets": "targets:",
        "terms_note": "'watched' = a checkpoint sees the unit, or a patrol passes it at least every "
        "revisit target all night; 'patrolled' = a patrol passes it at least once: "
        "a stretch passed less often than the target is patrolled but not watched",
        "changes": "changes (diff.txt):",
        "sectors_head": "planned in {n} sector{s} (lower bound above: valid for plans that "
        "serve the stitched required roads with all teams, not for plans that choose other "
        "roads; the largest sector bound {bound}, gap {gap}, bounds only plans that keep "
        "this split):",
        "sectors_lost": "  lost to the split: {km} of border ({n} units) a team of another sector "
        "could watch, none of their own sector",
        "sector_line": "  sector {k}: km {a}-{b}, {teams} teams, longest loop {loop}, bound "
        "{bound}, gap {gap}, worst revisit {worst} (own teams)",
        "target_revisit": "revisit target",
        "target_response": "response target",
        "target_head_window": "{head} ({window})",
        "target_met": "{head}: met (worst {worst})",
        "target_not_met": "{head}: NOT MET, worst {worst} (over by {by}) along {km}: {where}{more}",
        "target_where": "km {a}-{b} ({worst})",
        "target_more": " and {n} more",
        "unreachable": "unreachable",
        "target_never": "  and {km} no patrol passes (see the gaps)",
        # coverage.report.format_summary and cli site (the printed summaries of gaps and site)
        "cov_head": "{scenario}: {border} of border, criterion {criterion}",
        "cov_watched": "  watched {watched} ({pct}), {gap} in {n} gaps",
        "cov_longest": "  longest gap {id}: km {a}-{b} ({length})",
        "cov_worst": "  worst revisit interval {worst} (patrolled units)",
        "cov_no_pass": "  no unit is passed by a patrol",
        "cov_never": "  never passed: {km}",
        "cov_col_gap": "gap",
        "cov_col_km": "km",
        "cov_col_length": "length",
        "cov_col_township": "township",
        "cov_col_why": "why",
        "site_head": "{n} new checkpoint sites (border km: the stretch each newly watches; "
        "to border: the site's distance from the border line)",
        "site_cols": "rank|site|township|border km|new km|to border|lon|lat",
        "site_line": "watched {before} → {after} of {border} km (+{new} km; {method}, {status}); "
        "fewest sites to watch all that any site can: {min}; {unc} km no site can watch",
        "site_idle": "{n} of them (rank {ranks}) newly watch nothing beyond the sites before them",
        "border_head": "border length: modelled {m} km of the official {o} km",
        "border_why": ": {why} (coarser than the official survey, so shorter); every km, gap and "
        "percentage here is on the modelled line",
        "det_none": "detection of a {tau}-min crossing: no border unit can be watched",
        "det_at": " at km {a}-{b}{town}",
        "det_town": " ({town})",
        "det_head": "a {tau}-min crossing is seen with p >= {p} everywhere tonight "
        "(lowest{at}, by one who knows the pattern); {wp}{wat} against a watching smuggler",
        "det_uninformed": "  random time (uninformed):      p >= {p}{at}, mean {mean}",
        "det_informed": "  knows variants and odds:       p >= {p} with the plan's odds "
        "(uniform odds: {u}) over {n} variants",
        "det_watching": "  watches a pass, then crosses:  0 on {z} km of {w} km: each loop passes "
        "again only after its period (longest {g} min); odds across nights do not change this",
        "det_unwatchable": "  {km} km with no road or checkpoint in view: a crossing there is not seen",
        "det_detours": "  drawn detours (plan --detours): {teams} draw turn-back variants ({n} in "
        "all; odds on them {odds}); no drawn night's worst revisit exceeds {worst} min",
        "laps_partial": "partial: {p} of {l}",
        "laps_few": "{clocks} (last {partial})",
        "laps_many": "{first}, then every {loop} ({n} loops{tail})",
        "laps_tail": " + 1 {partial}",
        "laps_too_long": "  !! loop longer than the night ({loop} > {win}): give its roads to another "
        "team, or split it into shorter loops",
    },
}

#: The words of a re-plan's radio text ``diff.txt`` (:mod:`borderwatch.plan.replan_text`).
DIFF: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "head": "自 {at} 至 {end} 重新规划{what}。",
        "what": "：{items}",
        "sep": "；",
        "list_sep": "、",
        "out": "{teams} 退出",
        "hot": "重点路段 {a}-{b} km（权重 {w}）",
        "takeover": "{team} 接替 {from_team} 的{where}，{when}{already}",
        "loop_span": "路段 {a}-{b} km",
        "roads_away": "远离边境的道路（{n} 条）",
        "first_pass": "首次经过 {clock}",
        "no_pass_before": "{end} 前不经过该处",
        "already": "（已在其巡圈上）",
        "unserved": "!! {n} 条必巡道路（{km}）无人巡逻：在岗巡逻队从所在位置都到达不了",
        "stands_by": "{team} 自 {at} 起待命：{reason}",
        "reversed": "{team} 自 {ready} 所在位置起反向巡圈",
        "new_loop": "{team} 新巡圈 {loop}，{km}{was}{role}，自 {ready} 所在位置起{note}",
        "approach": "，驶往巡圈 {approach}，{on} 上圈",
        "was": "（原 {loop}）",
        "role": "，{role}",
        "note": "（{note}）",
        "keeps": "{team} 保持原巡圈",
        "keep": "{teams} 保持原巡圈",
        "hot_passes": "重点路段 {a}-{b} km：至 {end} 经过 {new} 次（原方案：{old} 次）",
        "worst": "余下夜间最长巡逻间隔 {worst}{at}{unpassed}（{kept}：{old}{old_unpassed}）",
        "kept_without": "原方案去掉 {teams}",
        "kept": "原方案",
        "unpassed": "，{km} 此后不再有巡逻经过",
        "at": "，位于 {km} km",
        "no_pass": "无巡逻经过",
    },
    "en": {
        "head": "Re-plan from {at} to {end}{what}.",
        "what": ": {items}",
        "sep": "; ",
        "list_sep": ", ",
        "out": "{teams} out",
        "hot": "hot km {a}-{b} x{w}",
        "takeover": "{team} takes {from_team}'s {where}, {when}{already}",
        "loop_span": "loop from km {a} to km {b}",
        "roads_away": "roads away from the border ({n} roads)",
        "first_pass": "first pass {clock}",
        "no_pass_before": "no pass there before {end}",
        "already": " (on its loop already)",
        "unserved": "!! {n} required roads ({km}) stay unpatrolled: no team on duty reaches them "
        "from where it is",
        "stands_by": "{team} stands by from {at}: {reason}",
        "reversed": "{team} drives its loop the other way round from where it is at {ready}",
        "new_loop": "{team} new loop {loop}, {km}{was}{role}, from where it is at {ready}{note}",
        "approach": ", drives {approach} to it, on it at {on}",
        "was": " (was {loop})",
        "role": ", {role}",
        "note": " ({note})",
        "keeps": "{team} keeps its loop",
        "keep": "{teams} keep their loops",
        "hot_passes": "hot km {a}-{b}: {new} passes to {end} (plan kept: {old})",
        "worst": "worst revisit rest of night {worst}{at}{unpassed} ({kept}: {old}{old_unpassed})",
        "kept_without": "plan kept without {teams}",
        "kept": "plan kept",
        "unpassed": ", {km} never passed again",
        "at": " at km {km}",
        "no_pass": "no pass",
    },
}


def report_labels(lang: str, table: dict[str, dict[str, str]] = REPORT) -> dict[str, str]:
    """The words of ``lang`` in ``table`` (:data:`REPORT` or :data:`DIFF`); checks ``lang``.

    Raises
    ------
    ConfigError
        ``lang`` is not one of :data:`LANGS`.
    """
    if lang not in LANGS:
        from borderwatch.errors import ConfigError

        raise ConfigError(f"must be one of {', '.join(LANGS)}", field="lang", value=str(lang))
    return table[lang]
