"""A terminal's spinner pauses for the plan's forks (borderwatch.forking)."""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from borderwatch import forking
from borderwatch.cli.common import _spinner_pause

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this system"
)


def _child(conn: object) -> None:
    conn.send(threading.active_count())  # type: ignore[attr-defined]
    conn.close()  # type: ignore[attr-defined]


def _refresh_thread(status: object) -> threading.Thread | None:
    return getattr(getattr(status, "_live", None), "_refresh_thread", None)


def test_spinner_is_not_counted_and_pauses_for_the_fork() -> None:
    before = forking.other_threads()  # threads other tests of this process may have left
    console = Console(file=io.StringIO(), force_terminal=True)
    status = console.status("planning", spinner="dots")
    status.start()
    try:
        first = _refresh_thread(status)
        assert first is not None and first.is_alive()
        assert forking.other_threads() == before + 1  # the spinner, before it is registered
        unregister = forking.register(_spinner_pause(status))
        try:
            assert forking.other_threads() == before
            ctx = multiprocessing.get_context("fork")
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(send,))
            forking.start(proc)
            # paused for the fork: the old thread has ended, a new one runs
            assert not first.is_alive()
            again = _refresh_thread(status)
            assert again is not None and again is not first and again.is_alive()
            assert recv.recv() == 1
            proc.join(10)
            assert proc.exitcode == 0
        finally:
            unregister()
        assert forking.other_threads() == before + 1
    finally:
        status.stop()


def test_a_thread_that_cannot_pause_is_counted() -> None:
    before = forking.other_threads()
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:  # other tests' leftover threads may end meanwhile: bounds, not equalities
        assert forking.other_threads() >= 1
        unregister = forking.register(
            forking.Pausable(threads=lambda: [worker], pause=lambda: None, resume=lambda: None)
        )
        assert forking.other_threads() <= before
        unregister()
    finally:
        stop.set()
        worker.join()
    assert forking.other_threads() <= before


def test_step_on_a_terminal_registers_its_spinner() -> None:
    """Under a pseudo-terminal `step` runs a spinner thread that the fork rule does not count."""
    code = (
        "import threading, time\n"
        "from borderwatch import forking\n"
        "from borderwatch.cli.common import step\n"
        "with step('planning'):\n"
        "    time.sleep(0.3)\n"
        "    n = f'{threading.active_count()} {forking.other_threads()}'\n"
        "import os\n"
        "os.write(1, n.encode())\n"  # rich's live display takes print() to the terminal
    )
    master, slave = os.openpty()
    try:
        out = subprocess.run(
            [sys.executable, "-c", code],
            stderr=slave,
            stdout=subprocess.PIPE,
            text=True,
            timeout=60,
            check=True,
            env={**os.environ, "TERM": "xterm"},
        ).stdout.split()
    finally:
        os.close(slave)
        os.close(master)
    assert out == ["2", "0"], out


def test_no_fork_while_a_paused_thread_still_runs() -> None:
    """A thread that does not end when paused: `start` refuses (OSError), nothing forks."""
    stop = threading.Event()
    stubborn = threading.Thread(target=stop.wait, name="stubborn")
    stubborn.start()
    resumed: list[bool] = []
    unregister = forking.register(
        forking.Pausable(
            threads=lambda: [stubborn], pause=lambda: None, resume=lambda: resumed.append(True)
        )
    )
    ctx = multiprocessing.get_context("fork")
    proc = ctx.Process(target=print)
    try:
        with pytest.raises(OSError, match="stubborn"):
            forking.start(proc)
        assert proc.pid is None and resumed == [True]
    finally:
        unregister()
        stop.set()
        stubborn.join()


# --- forking.beside: the one way the plan forks its helpers ---------------------------------

logger = logging.getLogger("tests.forking")


def _pid_and_square(conn: Any, x: int) -> None:
    conn.send(("progress", os.getpid()))
    conn.send(("ok", x * x))


def _raises(conn: Any, exc: BaseException) -> None:
    raise exc


def _says_nothing(conn: Any, wait: float) -> None:
    time.sleep(wait)


def _echo(conn: Any) -> None:
    while True:
        kind, value = conn.recv()  # EOFError once the parent has gone: no one to tell
        conn.send((kind, value))


def _beside(target: Any, *args: Any, duplex: bool = False) -> forking.Child:
    child = forking.beside(
        target, *args, name="test-beside", log=logger, refused="no process (%s)", duplex=duplex
    )
    assert child is not None
    return child


def test_beside_returns_the_childs_value_from_another_process() -> None:
    child = _beside(_pid_and_square, 12)
    kind, pid = child.peek()
    assert kind == "progress" and pid == child.pid != os.getpid()  # the child really ran
    assert child.recv() == ("progress", pid)  # peek left it for recv
    assert child.result() == 144
    assert not child.is_alive() and child._process.exitcode == 0


def test_beside_result_passes_over_words_not_taken() -> None:
    assert _beside(_pid_and_square, 3).result() == 9


def test_the_childs_error_is_raised_here() -> None:
    with pytest.raises(KeyError, match="no such team"):
        _beside(_raises, KeyError("no such team")).result()


class _Unpicklable(Exception):
    def __reduce__(self) -> Any:
        raise TypeError("cannot pickle this")


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (_Unpicklable("PROJ handle"), "_Unpicklable: PROJ handle"),
        (KeyboardInterrupt("stop"), "KeyboardInterrupt: stop"),  # not raised here as such
    ],
)
def test_an_error_that_cannot_come_arrives_as_its_text(exc: BaseException, text: str) -> None:
    with pytest.raises(forking.ChildError) as err:
        _beside(_raises, exc).result()
    assert forking.why(err.value) == str(err.value) == text


def test_a_child_that_dies_is_lost() -> None:
    child = _beside(_says_nothing, 60.0)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(forking.ChildLost):
        child.result()
    assert child.recv() == ("lost", None)


def test_a_silent_child_is_hung_then_stopped() -> None:
    child = _beside(_says_nothing, 60.0)
    assert child.recv(0.2) == ("hung", None)
    assert child.is_alive()
    child.stop()
    assert not child.is_alive() and child.recv() == ("lost", None)
    child.stop()  # again: nothing to do


def test_a_duplex_child_answers() -> None:
    child = _beside(_echo, duplex=True)
    assert child.send("map", {"lang": "zh"})
    assert child.recv(30) == ("map", {"lang": "zh"})
    child.finish()  # the child's recv() ends (EOF), it ends quietly
    assert child._process.exitcode == 0
    assert not child.send("map", None)  # this end is closed


def test_beside_refused_returns_none_and_logs_why(caplog: pytest.LogCaptureFixture) -> None:
    stop = threading.Event()
    stubborn = threading.Thread(target=stop.wait, name="stubborn")
    stubborn.start()
    unregister = forking.register(
        forking.Pausable(threads=lambda: [stubborn], pause=lambda: None, resume=lambda: None)
    )
    try:
        with caplog.at_level("DEBUG", logger="tests.forking"):
            child = forking.beside(
                _pid_and_square, 2, name="t", log=logger, refused="no process (%s), here"
            )
        assert child is None
        assert "no process (threads still running at the fork: stubborn), here" in caplog.text
    finally:
        unregister()
        stop.set()
        stubborn.join()


# --- whether a core is spare: idle time since the last sample, else the load average ---

needs_proc_stat = pytest.mark.skipif(
    forking._cpu_sample() is None, reason="no /proc/stat on this system"
)


needs_two_cpus = pytest.mark.skipif(
    forking.usable_cpus() < 2, reason="one usable CPU: never a core to spare"
)


def _marked(
    idle_since: int, all_since: int, seconds_ago: float, children_s: float = 0.0
) -> tuple[float, int, int, float, int]:
    """A sample as if taken ``seconds_ago``: ``idle_since``/``all_since`` jiffies and
    ``children_s`` CPU seconds of ended children before now."""
    now = forking._cpu_sample()
    assert now is not None
    return (
        now[0] - seconds_ago,
        now[1] - idle_since,
        now[2] - all_since,
        now[3] - children_s,
        now[4],
    )


@needs_proc_stat
@needs_two_cpus
def test_an_idle_span_spares_a_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forking, "_mark", _marked(10_000, 10_000, 1.0))  # all idle
    monkeypatch.setattr(os, "getloadavg", lambda: (99.0, 99.0, 99.0))  # not consulted
    assert forking.spare_core()
    mark = forking._mark
    assert mark is not None and mark[0] > time.monotonic() - 1.0  # the next call's start


@needs_proc_stat
def test_a_busy_span_spares_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forking, "_mark", _marked(0, 1_000_000, 1.0))  # never idle
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # not consulted
    assert not forking.spare_core()


@needs_proc_stat
@needs_two_cpus
def test_own_ended_helpers_count_as_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    # busy all second, but this process's helper (ended, waited for) ran a core of it
    monkeypatch.setattr(forking, "_mark", _marked(0, 1_000_000, 1.0, children_s=0.9))
    monkeypatch.setattr(os, "getloadavg", lambda: (99.0, 99.0, 99.0))  # not consulted
    assert forking.spare_core()


@needs_proc_stat
@needs_two_cpus
@pytest.mark.parametrize("seconds_ago", [0.0, 3600.0])
def test_a_span_too_short_or_too_long_asks_the_load_average(
    monkeypatch: pytest.MonkeyPatch, seconds_ago: float
) -> None:
    cores = forking.usable_cpus()
    monkeypatch.setattr(forking, "_mark", _marked(10_000, 10_000, seconds_ago))
    monkeypatch.setattr(os, "getloadavg", lambda: (cores + 5.0, 0.0, 0.0))
    assert not forking.spare_core()  # the idle span would have said yes
    monkeypatch.setattr(forking, "_mark", _marked(0, 1_000_000, seconds_ago))
    monkeypatch.setattr(os, "getloadavg", lambda: (cores - 1.0, 0.0, 0.0))
    assert forking.spare_core()  # the busy span would have said no


# --- the CPUs this process can use: affinity, then the cgroup's quota ---------------------------


def test_a_cgroup_cpu_max_text_gives_its_cpus(tmp_path: Path) -> None:
    assert forking.cgroup_cpus("100000 100000\n") == 1.0
    assert forking.cgroup_cpus("150000 100000") == 1.5
    assert forking.cgroup_cpus("max 100000") is None
    assert forking.cgroup_cpus("") is None
    assert forking.cgroup_cpus("lots of cpus") is None
    # a container's cgroup and its parent, each with a cpu.max: the tightest counts
    (tmp_path / "box" / "job").mkdir(parents=True)
    (tmp_path / "cpu.max").write_text("max 100000\n", encoding="ascii")
    (tmp_path / "box" / "cpu.max").write_text("150000 100000\n", encoding="ascii")
    assert forking._cgroup_limit(tmp_path, "/box/job") == 1.5
    (tmp_path / "box" / "job" / "cpu.max").write_text("100000 100000\n", encoding="ascii")
    assert forking._cgroup_limit(tmp_path, "/box/job") == 1.0
    assert forking._cgroup_limit(tmp_path, "/") is None


def _v1(folder: Path, quota: int, period: int = 100_000) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cpu.cfs_quota_us").write_text(f"{quota}\n", encoding="ascii")
    (folder / "cpu.cfs_period_us").write_text(f"{period}\n", encoding="ascii")


@pytest.mark.parametrize("mount", ["cpu,cpuacct", "cpu"])
def test_a_cgroup_v1_cfs_quota_gives_its_cpus(tmp_path: Path, mount: str) -> None:
    """cgroup v1 (cpu.cfs_quota_us / cpu.cfs_period_us, -1 no limit), read as v2's cpu.max is:
    the process's cgroup and its parents, the tightest counts; usable_cpus takes it (the
    old usable_cpus read cpu.max only, so a v1 container limited to one CPU counted all)."""
    hierarchy = tmp_path / mount
    _v1(hierarchy, -1)
    assert forking._cgroup_v1_limit(tmp_path, "/box/job") is None
    _v1(hierarchy / "box", 150_000)
    assert forking._cgroup_v1_limit(tmp_path, "/box/job") == 1.5
    _v1(hierarchy / "box" / "job", 50_000, 50_000)
    assert forking._cgroup_v1_limit(tmp_path, "/box/job") == 1.0
    assert forking._cgroup_v1_limit(tmp_path, "/") is None
    assert forking._cgroup_v1_limit(tmp_path / "nothing", "/box/job") is None
    (hierarchy / "box" / "job" / "cpu.cfs_period_us").write_text("lots\n", encoding="ascii")
    assert forking._cgroup_v1_limit(tmp_path, "/box/job") == 1.5  # unreadable: no limit there
    # this process's cgroup (whatever /proc/self/cgroup says) under a v1 root of 1.5 CPUs
    _v1(hierarchy, 150_000)
    assert forking.usable_cpus(tmp_path) == 1
    _v1(hierarchy, 50_000)  # half a CPU is still one
    assert forking.usable_cpus(tmp_path) == 1


def test_the_own_cgroup_of_each_version() -> None:
    text = "12:pids:/a\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/s\n0::/user.slice/x\n"
    assert forking._own_cgroup(text=text) == "/user.slice/x"
    assert forking._own_cgroup("cpu", text) == "/docker/abc"
    assert forking._own_cgroup("cpuacct", text) == "/docker/abc"
    assert forking._own_cgroup("memory", text) == "/"
    assert forking._own_cgroup(text="4:cpu:/v1-only\n") == "/"
    assert forking._own_cgroup("cpu", "garbage\n") == "/"


_CPUS = (
    "import time; from borderwatch import forking\n"
    "time.sleep(0.5)  # an idle span long enough to be measured\n"
    "print(forking.usable_cpus(), forking.spare_core())\n"
)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("taskset") is None, reason="no taskset")
def test_a_process_pinned_to_one_cpu_has_none_to_spare() -> None:
    """A real child under ``taskset -c 0``: one usable CPU however many the machine has
    (os.cpu_count() said all of them), so no helper is forked beside it."""
    one = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", _CPUS],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert one.stdout.split() == ["1", "False"]
    mine = sorted(os.sched_getaffinity(0))
    if len(mine) >= 2:  # two CPUs: as many as the cgroup allows
        two = subprocess.run(
            ["taskset", "-c", f"{mine[0]},{mine[1]}", sys.executable, "-c", _CPUS],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        limit = forking._cgroup_limit()
        assert int(two.stdout.split()[0]) == max(1, min(2, int(limit or 2)))
