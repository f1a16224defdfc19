"""The commander page's detection rows (issue #25): the border's minimum and a line per township.

The figures are ``plan.json``'s ``detection`` entry (:mod:`borderwatch.plan.odds`),
the same as ``report.txt`` and the map's detection layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["detection_rows"]

_T = {
    "en": {
        "head": "a {tau}-min crossing is seen",
        "line": "p ≥ {inf} everywhere against one who knows the pattern (lowest at km {ia}–{ib}, "
        "{it}); {wa} at km {wa_a}–{wa_b} ({wt}) against a watching smuggler",
        "town": "knows the pattern ≥ {inf} · random time ≥ {un} · watching ≥ {wa}",
        "none": "no unit can be watched",
    },
    "zh": {
        "head": "越境（{tau} 分钟）被发现概率",
        "line": "知晓巡逻规律者：处处 ≥ {inf}（最低 {ia}–{ib} 公里，{it}）；"
        "盯梢巡逻后越境者：{wa_a}–{wa_b} 公里（{wt}）仅 {wa}",
        "town": "知晓规律者 ≥ {inf} · 随机时间 ≥ {un} · 盯梢者 ≥ {wa}",
        "none": "无可监视的单元",
    },
}


def detection_rows(det: Mapping[str, Any] | None, lang: str) -> list[tuple[str, str]]:
    """``(label, text)`` rows: the border's minimum, then one per township; [] without figures."""
    if not det:
        return []
    t = _T.get(lang, _T["en"])
    head = t["head"].format(tau=f"{float(det['crossing_min']):g}")
    inf, wa = det.get("informed_min"), det.get("watching_min")
    if not inf or not wa:
        return [(head, t["none"])]
    rows = [
        (
            head,
            t["line"].format(
                inf=f"{inf['p']:.2f}",
                ia=f"{inf['start_km']:.2f}",
                ib=f"{inf['end_km']:.2f}",
                it=inf["township"],
                wa=f"{wa['p']:.2f}",
                wa_a=f"{wa['start_km']:.2f}",
                wa_b=f"{wa['end_km']:.2f}",
                wt=wa["township"],
            ),
        )
    ]
    for row in det.get("townships", []):
        rows.append(
            (
                str(row["township"]),
                t["town"].format(
                    inf=f"{row['informed_min']:.2f}",
                    un=f"{row['uninformed_min']:.2f}",
                    wa=f"{row['watching_min']:.2f}",
                ),
            )
        )
    return rows
