"""Take-over lines: who now serves which of a dropped team's roads, by chainage span."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from borderwatch.plan.replan.model import Takeover

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.patrols import PatrolPlan

__all__ = ["takeovers"]

logger = logging.getLogger(__name__)

SPAN_GAP_KM = 0.5
"""Taken-over roads further apart than this along the border are two lines."""


def takeovers(
    network: PatrolNetwork,
    original: PatrolPlan,
    new: PatrolPlan,
    dropped: Sequence[str],
    after: pd.DataFrame,
) -> tuple[Takeover, ...]:
    """Group the dropped teams' served roads by who serves them now, in contiguous chainage spans."""
    ue = network.watch.unit_edge.tocsc()
    mid = (network.units["start_m"].to_numpy() + network.units["end_m"].to_numpy()) / 2000.0
    u_start = network.units["start_m"].to_numpy() / 1000.0
    u_end = network.units["end_m"].to_numpy() / 1000.0
    server: dict[int, str] = {}
    for r in new.routes:
        for (e, _), s in zip(r.steps, r.service, strict=True):
            if s:
                server.setdefault(int(e), r.team)
    out: list[Takeover] = []
    for gone in dropped:
        route = next((r for r in original.routes if r.team == gone), None)
        if route is None:
            continue
        edges = sorted({int(e) for (e, _), s in zip(route.steps, route.service, strict=True) if s})
        by_team: dict[str, list[tuple[float, float, float, int, np.ndarray]]] = {}
        for e in edges:
            taker = server.get(e)
            if taker is None:
                continue
            units = ue[:, [e]].nonzero()[0]
            if len(units):
                lo, hi = float(u_start[units].min()), float(u_end[units].max())
            else:
                lo, hi = math.nan, math.nan
            by_team.setdefault(taker, []).append(
                (float(mid[units].min()) if len(units) else math.inf, lo, hi, e, units)
            )
        for taker in sorted(by_team):
            located = sorted((x for x in by_team[taker] if len(x[4])), key=lambda x: (x[1], x[3]))
            loose = [x for x in by_team[taker] if not len(x[4])]
            spans: list[list[tuple[float, float, float, int, np.ndarray]]] = []
            hi = -math.inf
            for it in located:
                if not spans or it[1] > hi + SPAN_GAP_KM:
                    spans.append([])
                    hi = it[2]
                spans[-1].append(it)
                hi = max(hi, it[2])
            if loose:  # roads watching no unit go with the taker's first span
                if not spans:
                    spans.append([])
                spans[0].extend(loose)
            mine = after[after["team"] == taker]
            for span in spans:
                units = np.unique(np.concatenate([x[4] for x in span]))
                lo = min((x[1] for x in span if len(x[4])), default=math.nan)
                hi_km = max((x[2] for x in span if len(x[4])), default=math.nan)
                times = mine["t"].to_numpy()[np.isin(mine["unit"].to_numpy(), units)]
                out.append(
                    Takeover(
                        team=taker,
                        from_team=gone,
                        edges=tuple(sorted(x[3] for x in span)),
                        km_from=lo,
                        km_to=hi_km,
                        first_pass_min=float(times.min()) if len(times) else math.nan,
                    )
                )
    out.sort(
        key=lambda x: (x.from_team, x.km_from if math.isfinite(x.km_from) else math.inf, x.team)
    )
    return _tile(out, mid, after)


def _tile(spans: list[Takeover], mid: np.ndarray, after: pd.DataFrame) -> tuple[Takeover, ...]:
    """Take-over spans of one dropped team that never overlap: each km has one taker.

    Two takers' roads can watch the same units; the radio text must still name
    one team per stretch. In chainage order, a span starts where the one before
    it ends (its first pass counted over what is left); a span wholly inside
    earlier ones is folded into the span that covers it when the taker is the
    same, else left out of the text (its roads are within a stretch another
    team is named for; the log says so).
    """
    out: list[Takeover] = []
    reach: dict[str, float] = {}
    for tk in spans:
        if not (math.isfinite(tk.km_from) and math.isfinite(tk.km_to)):
            out.append(tk)
            continue
        start = max(tk.km_from, reach.get(tk.from_team, -math.inf))
        if start >= tk.km_to - 1e-9:
            same = next(
                (o for o in reversed(out) if o.team == tk.team and o.from_team == tk.from_team),
                None,
            )
            if same is not None and same.km_to >= tk.km_to - 1e-9:
                out[out.index(same)] = replace(same, edges=tuple(sorted({*same.edges, *tk.edges})))
            else:
                logger.info(
                    "take-over %s of %s km %.2f-%.2f lies within stretches named for other "
                    "teams: left out of the radio text",
                    tk.team,
                    tk.from_team,
                    tk.km_from,
                    tk.km_to,
                )
            continue
        if start > tk.km_from:
            mine = after[after["team"] == tk.team]
            inside = np.flatnonzero((mid > start) & (mid < tk.km_to))
            times = mine["t"].to_numpy()[np.isin(mine["unit"].to_numpy(), inside)]
            tk = replace(
                tk,
                km_from=start,
                first_pass_min=float(times.min()) if len(times) else tk.first_pass_min,
            )
        out.append(tk)
        reach[tk.from_team] = max(reach.get(tk.from_team, -math.inf), tk.km_to)
    return tuple(out)
