"""A terminal's spinner pauses for the plan's forks (borderwatch.forking)."""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
import threading

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
