"""Turn coverage and routing results into the maps' input contract (see ``docs/maps.md``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["map_gaps", "map_summary", "required_edge_labels", "units_status"]


def units_status(units: pd.DataFrame) -> pd.DataFrame:
    """``status``/``worst_revisit_min``/``response_min`` per unit from a coverage unit table.

    A unit a checkpoint watches is ``checkpoint``; one otherwise watched under
    the report's criterion (patrol revisits, response) is ``patrol``; the rest
    are ``gap``.
    """
    cp = units["checkpoint_watched"].to_numpy(dtype=bool)
    watched = units["watched"].to_numpy(dtype=bool)
    status = np.where(cp, "checkpoint", np.where(watched, "patrol", "gap"))
    out = pd.DataFrame({"status": status}, index=units.index)
    if "worst_revisit_min" in units.columns:
        worst = units["worst_revisit_min"].to_numpy(dtype=float).copy()
        if "never_passed" in units.columns:
            worst[units["never_passed"].to_numpy(dtype=bool)] = np.nan
        out["worst_revisit_min"] = worst
    else:
        out["worst_revisit_min"] = np.nan
    if "response_min" in units.columns:
        out["response_min"] = units["response_min"].to_numpy(dtype=float)
    # the detection probabilities of a plan (issue #25), for the map's detection layer
    for col in ("p_informed", "p_uninformed", "p_watching", "crossing_min"):
        if col in units.columns:
            out[col] = units[col].to_numpy(dtype=float)
    return out


def map_gaps(gaps: pd.DataFrame) -> pd.DataFrame:
    """The coverage gap table with the columns the maps expect (``gap_id`` from the index)."""
    out = gaps.reset_index().rename(columns={gaps.index.name or "index": "gap_id"})
    return out


def map_summary(
    summary: dict[str, Any], plan_summary: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The title-box figures from a coverage summary (and a plan summary), and its revisit target.

    For a re-planned folder (``plan_summary["replan"]``) the worst revisit is that of
    the rest of the night across the cut, as its radio text says.
    """
    longest = summary.get("longest_gap") or {}
    worst = summary.get("worst_revisit_min")
    if plan_summary is not None:
        worst = plan_summary.get("worst_revisit_min", worst)
        replan = plan_summary.get("replan")
        if isinstance(replan, dict) and isinstance(replan.get("worst_revisit_min"), dict):
            # a re-plan: the rest of the night with what was driven before the cut counted
            worst = replan["worst_revisit_min"].get("new", worst)
    target = (summary.get("targets") or {}).get("max_revisit_min")
    check = dict(summary.get("target_check") or {})
    patrolled = None
    if plan_summary is not None:
        after = plan_summary.get("coverage_after") or {}
        check.update(after.get("target_check") or {})
        patrolled = plan_summary.get("patrolled_pct")
    return {
        "target_check": check,
        "patrolled_pct": patrolled,
        "revisit_target_min": None if target is None else float(target),
        "watched_pct": float(summary["watched_pct"]),
        "gap_km": float(summary["gap_km"]),
        "longest_gap_km": float(longest.get("length_km", 0.0)),
        "worst_revisit_min": float("nan") if worst is None else float(worst),
        "border_km": float(summary["border_km"]),
    }


def required_edge_labels(network: PatrolNetwork, edges: np.ndarray) -> list[Any]:
    """Edge-table labels of required edge ids."""
    return [network.edges.index[int(e)] for e in edges]
