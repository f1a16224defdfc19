"""The plan folder's tracks and map from a forked process (issue #24.5): the same bytes as here."""

from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path

import pytest

import borderwatch.jobs.plan as job
import borderwatch.plan.patrols as patrols
from borderwatch import build_network, forking
from borderwatch.config import SearchParams
from borderwatch.data.synthetic import generate_scenario
from borderwatch.jobs import run_plan
from borderwatch.jobs.beside import FilesBeside
from borderwatch.jobs.maps import render_maps
from borderwatch.plan.patrols import plan_patrols
from borderwatch.planfiles.export import write_plan_tracks

SEARCH = SearchParams(max_iterations=60, seed=3, bound_rounds=0)
NIGHT = date(2026, 12, 7)
TRACKS = ("routes.geojson", "routes.gpx")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def small():
    net = build_network(generate_scenario(10, seed=2))
    return net, plan_patrols(net, SEARCH)


@pytest.fixture(scope="module")
def here(small, tmp_path_factory) -> dict[str, bytes]:
    """The tracks and the map written by this process."""
    net, plan = small
    out = tmp_path_factory.mktemp("here")
    write_plan_tracks(net, plan, out, night=NIGHT)
    report = _report(net, plan)
    render_maps(net, out, report=report, plan=plan, plan_summary={"patrolled_pct": 50.0})
    return _files(out)


def _report(net, plan):
    from borderwatch.coverage import coverage_report

    return coverage_report(
        net, criterion=("checkpoint", "revisit"), timeline=plan.schedule.timeline
    )


def test_forked_files_equal_the_files_written_here(small, here, tmp_path) -> None:
    net, plan = small
    beside = FilesBeside(net, plan, tmp_path, night=NIGHT, fork=True)
    assert beside.forked
    beside.render_map(report=_report(net, plan), plan_summary={"patrolled_pct": 50.0})
    beside.finish()
    assert not beside.forked
    assert _files(tmp_path) == here
    assert {"map.html", *TRACKS} <= set(here) and any(k.startswith("gpx/") for k in here)


def test_without_a_process_the_files_are_written_here(small, here, tmp_path) -> None:
    net, plan = small
    beside = FilesBeside(net, plan, tmp_path, night=NIGHT, fork=False)
    assert not beside.forked
    beside.render_map(report=_report(net, plan), plan_summary={"patrolled_pct": 50.0})
    beside.finish()
    assert _files(tmp_path) == {k: v for k, v in here.items() if k == "map.html"}


def test_a_lost_process_is_replaced_by_this_one(small, here, tmp_path) -> None:
    net, plan = small
    beside = FilesBeside(net, plan, tmp_path, night=NIGHT, fork=True)
    assert beside._child is not None and beside._child.pid is not None
    os.kill(beside._child.pid, signal.SIGKILL)  # dies without a word, maybe mid-file
    beside.render_map(report=_report(net, plan), plan_summary={"patrolled_pct": 50.0})
    beside.finish()
    assert _files(tmp_path) == here  # no temporary file of the dead process left either


def test_an_error_of_the_folder_is_raised_here_with_its_message(small, tmp_path) -> None:
    net, plan = small
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    beside = FilesBeside(net, plan, blocked, night=NIGHT, fork=True, map_html=False)
    assert beside.forked
    with pytest.raises(FileExistsError, match="a file"):
        beside.finish()  # the process failed; written again here, it fails the same way


def test_a_fault_of_the_process_alone_is_logged_and_written_here(
    small, here, tmp_path, monkeypatch, caplog
) -> None:
    """The process's writer raises (a fault only it has); this one writes the same bytes."""
    import borderwatch.planfiles.export as export

    net, plan = small
    real = export.write_plan_tracks

    def broken(*_a, **_k):
        raise RuntimeError("PROJ database is malformed")

    monkeypatch.setattr(export, "write_plan_tracks", broken)
    beside = FilesBeside(net, plan, tmp_path, night=NIGHT, fork=True)  # the child has it
    monkeypatch.setattr(export, "write_plan_tracks", real)  # this process has the real one
    assert beside.forked
    beside.render_map(report=_report(net, plan), plan_summary={"patrolled_pct": 50.0})
    with caplog.at_level("WARNING", logger="borderwatch.jobs.beside"):
        beside.finish()
    assert "PROJ database is malformed" in caplog.text
    assert _files(tmp_path) == here


def test_a_hung_process_is_stopped_and_its_files_written_here(
    small, here, tmp_path, monkeypatch, caplog
) -> None:
    """No word within FILES_WAIT_S (the child hangs, it has not failed): stopped, written here."""
    import time

    import borderwatch.jobs.beside as beside_mod
    import borderwatch.planfiles.export as export

    net, plan = small
    real = export.write_plan_tracks
    monkeypatch.setattr(export, "write_plan_tracks", lambda *_a, **_k: time.sleep(600))
    beside = FilesBeside(net, plan, tmp_path, night=NIGHT, fork=True)  # the child hangs
    monkeypatch.setattr(export, "write_plan_tracks", real)
    monkeypatch.setattr(beside_mod, "FILES_WAIT_S", 0.5)
    assert beside._child is not None
    child = beside._child
    beside.render_map(report=_report(net, plan), plan_summary={"patrolled_pct": 50.0})
    with caplog.at_level("WARNING", logger="borderwatch.jobs.beside"):
        beside.finish()
    assert caplog.messages == ["the plan files' process gave no word in 0 s: stopped, written here"]
    assert not child.is_alive()
    assert _files(tmp_path) == here


def test_close_stops_a_process_not_waited_for(small, tmp_path) -> None:
    net, plan = small
    beside = FilesBeside(net, plan, tmp_path, night=NIGHT, fork=True)
    proc = beside._child
    assert proc is not None
    beside.close()
    assert not proc.is_alive() and not beside.forked


def _watch_forks(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """run_plan's FilesBeside recorded: whether each one forked its process."""
    seen: list[bool] = []

    class Seen(FilesBeside):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            seen.append(self.forked)

    monkeypatch.setattr(job, "FilesBeside", Seen)
    return seen


@pytest.mark.slow
def test_plan_folder_is_the_same_with_and_without_the_processes(small, tmp_path, monkeypatch):
    """run_plan: the bound's and the files' processes on (both forked) or off, same bytes."""
    net, _plan = small
    seen = _watch_forks(monkeypatch)
    folders = {}
    for spare in (True, False):
        monkeypatch.setattr(patrols, "_spare_core", lambda spare=spare: spare)
        out = tmp_path / f"spare-{spare}"
        run_plan(net, out, night=NIGHT, search=SearchParams(max_iterations=300, seed=3))
        folders[spare] = _files(out)
    # forked unless threads other tests of this worker left keep forks off (borderwatch.forking)
    assert seen == [forking.other_threads() == 0, False]
    assert folders[True] == folders[False]
    assert {"map.html", "plan.json", "summary.json", *TRACKS} <= set(folders[True])


def test_the_bounds_core_passes_to_the_files_process(small, tmp_path, monkeypatch) -> None:
    """The files' process is forked while the bound's still runs (PlanDraft): the core the
    bound's process holds is this command's, whatever the idle-time rule says then."""
    net, _plan = small
    seen = _watch_forks(monkeypatch)
    looks: list[bool] = []

    def once() -> bool:  # a core spare for the bound's process, none at any later look
        looks.append(not looks)
        return looks[-1]

    monkeypatch.setattr(patrols, "_spare_core", once)
    run_plan(net, tmp_path / "plan", night=NIGHT, search=SearchParams(max_iterations=60, seed=3))
    assert looks[0]  # the bound's process was forked
    assert seen == [forking.other_threads() == 0]


def test_the_maps_figures_come_before_plan_json_with_its_values(small, tmp_path) -> None:
    """write_plan_files hands plan.json's figures over before writing it (the map's process
    draws meanwhile): every figure is plan.json's, the title box's above all."""
    from borderwatch.maps.adapters import map_summary
    from borderwatch.planfiles.export import write_plan_files

    net, plan = small
    out = tmp_path / "plan"
    seen: list[tuple[dict, bool]] = []
    written = write_plan_files(
        net,
        plan,
        out,
        night=NIGHT,
        figures_ready=lambda figures: seen.append((dict(figures), (out / "plan.json").exists())),
    )
    assert len(seen) == 1
    figures, plan_json_there = seen[0]
    assert not plan_json_there
    # plan.json's values key by key; its routes gain their duty times (plan_file)
    assert {k: written[k] for k in figures if k != "routes"} == {
        k: v for k, v in figures.items() if k != "routes"
    }
    coverage = {"watched_pct": 90.0, "gap_km": 1.0, "border_km": 10.0}
    assert map_summary(coverage, figures) == map_summary(coverage, written)


def test_no_files_process_is_forked_beside_a_thread_started_after_the_bound(
    small, tmp_path, monkeypatch
) -> None:
    """The bound's core passes to the files' process, its fork's safety does not: a thread
    started after the bound's fork (here during the schedule) keeps the files here."""
    import threading

    net, _plan = small
    seen = _watch_forks(monkeypatch)
    stop = threading.Event()
    started: list[threading.Thread] = []
    real = patrols.schedule_night

    def schedule_with_a_thread(*args, **kwargs):
        worker = threading.Thread(target=stop.wait, name="late-thread", daemon=True)
        worker.start()  # the bound's process is forked by now
        started.append(worker)
        return real(*args, **kwargs)

    monkeypatch.setattr(patrols, "_spare_core", lambda: True)
    monkeypatch.setattr(patrols, "schedule_night", schedule_with_a_thread)
    try:
        run_plan(
            net, tmp_path / "plan", night=NIGHT, search=SearchParams(max_iterations=60, seed=3)
        )
    finally:
        stop.set()
        for worker in started:
            worker.join()
    assert started and seen == [False]
    assert {"routes.gpx", "map.html"} <= {p.name for p in (tmp_path / "plan").iterdir()}
