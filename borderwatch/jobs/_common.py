"""Small pieces the jobs share: the silent progress callback, the folder summary."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from borderwatch.coverage import CoverageReport, PatrolTimeline
    from borderwatch.data.network import PatrolNetwork


Progress = Callable[[str], None]


def noop(_msg: str) -> None:
    """A progress callback that says nothing."""
    return None


@contextmanager
def frozen_heap() -> Iterator[None]:
    """The objects alive at the start kept out of the cyclic collector's passes in the block.

    A job allocates much, and every full collection of Python's cyclic collector walks
    every tracked object, among them what lives for the whole job: the network, the road
    cache's tables, the imported modules (~180,000 objects on Ningming). A plan of
    Ningming ran four full collections, 0.83 s of its wall time at load 4.5; with those
    objects frozen (``gc.freeze``) three, 0.17 s. At the end they go back to the oldest
    generation (``gc.unfreeze``): nothing is kept past the job, and what the job left
    as garbage is collected as before. Where the process has frozen objects of its own
    (``gc.get_freeze_count``; a server that froze its start-up heap), nothing is done:
    unfreezing would undo that. The collector's timing never changes a result.
    """
    if _one_shot:  # the command's own process: what lives now lives to its end
        gc.freeze()
        yield
        return
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


_one_shot = False


def one_shot_process() -> None:
    """Say that this process runs one command and ends: its heap is frozen now and in jobs.

    The ``borderwatch`` program (:func:`borderwatch.cli.main`) calls it before its
    command: the heap its imports made (~200,000 objects, alive to the end) leaves the
    cyclic collector's passes at once (a full collection while Ningming's scenario loaded
    took ~0.07 s), and :func:`frozen_heap` then freezes a job's heap without unfreezing it
    after (the process ends; the command line freezes at exit anyway). Not for a library
    or a server: their heaps are theirs to free.
    """
    global _one_shot
    _one_shot = True
    gc.freeze()


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
