"""Small pieces the jobs share: the silent progress callback, the folder summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from borderwatch.coverage import CoverageReport, PatrolTimeline
    from borderwatch.data.network import PatrolNetwork


Progress = Callable[[str], None]


def noop(_msg: str) -> None:
    """A progress callback that says nothing."""
    return None


def describe_folder(folder: Path, name: str, command: str) -> dict[str, Any]:
    """The folder's JSON summary re-written last: ``files`` = its files, the command's name."""
    from borderwatch.describe import rewrite_summary

    return rewrite_summary(folder, name, {"command": command})


#: The coverage figures a plan.json carries (coverage_before / coverage_after).
COVERAGE_KEEP = (
    "criterion",
    "watched_km",
    "watched_pct",
    "gap_km",
    "n_gaps",
    "worst_revisit_min",
    "target_check",
)


def night_detection_columns(
    network: PatrolNetwork, report: CoverageReport, timeline: PatrolTimeline
) -> CoverageReport:
    """``report`` with one night's uninformed and watching figures (no variants: no informed).

    Units and gaps only: ``summary.json`` keeps the coverage headline (the duty log
    compares it key by key).
    """
    from borderwatch.coverage.detection import night_detection, with_detection
    from borderwatch.plan.odds import scenario_crossing_csv

    table = night_detection(network, timeline, stretches=scenario_crossing_csv(network))
    return with_detection(report, table)
