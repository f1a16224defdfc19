"""No Dask thread keeps the plan's forks off once a client is closed (borderwatch.forking)."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading

import pytest

pytest.importorskip("distributed")

from borderwatch import forking
from borderwatch._dask import close_client, open_client
from borderwatch.errors import BorderwatchError


def _offload_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("Dask-Offload") and t.is_alive()]


def test_a_scheduler_not_reached_leaves_no_thread() -> None:
    # distributed's Client raises from its constructor with its "IO loop" thread running
    before = set(threading.enumerate())
    with pytest.raises(BorderwatchError, match="within 1 s"):
        open_client(scheduler="tcp://127.0.0.1:9", timeout=1)
    left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert left == []


@pytest.mark.slow
def test_dask_offload_thread_pauses_for_a_fork() -> None:
    import distributed.utils

    counted = forking.other_threads()  # other tests' leftovers in this worker, if any
    before = set(threading.enumerate())
    client = open_client(local=1)
    try:
        assert client.submit(sum, [1, 2]).result() == 3
    finally:
        close_client(client)
    # the cluster's threads have ended; Dask's process-wide offload thread lives on ...
    left = {t for t in threading.enumerate() if t not in before and t.is_alive()}
    assert {t.name.split("_")[0] for t in left} <= {"Dask-Offload"}
    assert _offload_alive()
    # ... not counted as a thread that makes a fork unsafe
    assert forking.other_threads() <= counted
    # and stopped for the instant of a fork: the child runs, no offload thread after it
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=send.send, args=("ran",), daemon=True)
    forking.start(proc)
    send.close()
    assert recv.recv() == "ran"
    proc.join()
    assert _offload_alive() == []
    # Dask's offload pool works again (a fresh one, its thread started when used)
    assert asyncio.run(distributed.utils.offload(lambda: 7)) == 7
    assert len(_offload_alive()) == 1


def test_dask_offload_thread_does_not_pause_while_a_client_loop_runs() -> None:
    """With a client's loop running (it may hand the pool work) the thread stays and counts."""
    import distributed.utils

    from borderwatch._dask import import_distributed

    import_distributed()  # registers the offload pool with borderwatch.forking
    assert asyncio.run(distributed.utils.offload(lambda: 7)) == 7
    (offload,) = _offload_alive()
    stop = threading.Event()
    loop = threading.Thread(target=stop.wait, name="IO loop")  # as distributed names it
    loop.start()
    try:
        assert offload in forking.blocking_threads()
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=send.send, args=("ran",), daemon=True)
        forking.start(proc)  # a forced fork: nothing paused, the pool left as it was
        send.close()
        assert recv.recv() == "ran"
        proc.join()
        assert _offload_alive() == [offload]
    finally:
        stop.set()
        loop.join()
    assert offload not in forking.blocking_threads()  # pausable again
