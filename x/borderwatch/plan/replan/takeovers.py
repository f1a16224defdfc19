"""Take-over lines: who now serves which of a dropped team's roads, by chainage span."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from borderwatch.plan.replan.model import Takeover

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.patrols import PatrolPlan

__all__ = ["takeovers"]

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
    return tuple(out)
