"""Coverage: checkpoint watch, response time, night revisits, gaps, grids and checkpoint siting.

The data flow: :func:`unit_coverage` (or the one-call :func:`coverage_report`)
gathers :func:`checkpoint_watch`, :func:`response_times` and, given a
:class:`PatrolTimeline`, :func:`revisits` per border unit; :func:`find_gaps`
merges failing units into stretches; :func:`by_grid` and :func:`summarize`
make the commanders' tables; :func:`write_coverage` writes them.
:func:`site_checkpoints` proposes new checkpoints.
"""

from __future__ import annotations

from borderwatch.coverage.gaps import (
    CRITERIA,
    CoverageReport,
    by_grid,
    coverage_report,
    find_gaps,
    summarize,
    unit_coverage,
    watched_mask,
)
from borderwatch.coverage.gpx import gpx_files, timeline_from_gpx
from borderwatch.coverage.report import format_summary, write_coverage, write_siting
from borderwatch.coverage.response import candidate_edges, response_times
from borderwatch.coverage.revisit import pass_times, revisits
from borderwatch.coverage.risk import risk_weights
from borderwatch.coverage.siting import (
    SitingResult,
    candidate_sites,
    coverage_matrix,
    greedy_max_coverage,
    site_checkpoints,
)
from borderwatch.coverage.static import checkpoint_watch
from borderwatch.coverage.timeline import PatrolTimeline, Step
from borderwatch.errors import CoverageError

__all__ = [
    "CRITERIA",
    "CoverageError",
    "CoverageReport",
    "PatrolTimeline",
    "SitingResult",
    "Step",
    "by_grid",
    "candidate_edges",
    "candidate_sites",
    "checkpoint_watch",
    "coverage_matrix",
    "coverage_report",
    "find_gaps",
    "format_summary",
    "gpx_files",
    "greedy_max_coverage",
    "pass_times",
    "response_times",
    "revisits",
    "risk_weights",
    "site_checkpoints",
    "summarize",
    "timeline_from_gpx",
    "unit_coverage",
    "watched_mask",
    "write_coverage",
    "write_siting",
]
