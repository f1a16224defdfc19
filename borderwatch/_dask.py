"""Dask client helpers, on the bottom floor: the batch runner and the sector planner both use them.

Dask (``dask.distributed``) is imported lazily, so that nothing but a run on a
cluster needs it installed.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from borderwatch import forking
from borderwatch._version import __version__
from borderwatch.errors import BorderwatchError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["close_client", "open_client"]

logger = logging.getLogger(__name__)

#: Local clusters started by open_client, by id of their client.
_CLUSTERS: dict[int, Any] = {}

_INSTALL_HINT = "the batch runner needs Dask: pip install 'borderwatch[batch]'"


def import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise BorderwatchError(_INSTALL_HINT) from None
    _register_offload()
    return distributed


#: The name prefix of ``distributed.utils._offload_executor``'s one thread.
_OFFLOAD_PREFIX = "Dask-Offload"
_offload_registered = False
_offload_paused = False


def _offload_threads() -> list[threading.Thread]:
    """Dask's offload thread while it may pause: no client's "IO loop" thread runs (one
    that could hand it work at the fork instant; the thread is then counted as any other)."""
    threads = [t for t in threading.enumerate() if t.is_alive()]
    if any(t.name == "IO loop" for t in threads):
        return []
    return [t for t in threads if t.name.startswith(_OFFLOAD_PREFIX)]


def _pause_offload() -> None:
    """Shut down Dask's offload pool (its thread ends; any work it runs is finished first)."""
    global _offload_paused
    if _offload_threads():
        import distributed.utils

        distributed.utils._offload_executor.shutdown(wait=True)
        _offload_paused = True


def _resume_offload() -> None:
    """A fresh offload pool in place of the one paused (its thread starts when first used)."""
    global _offload_paused
    if _offload_paused:
        import distributed.utils

        distributed.utils._offload_executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=_OFFLOAD_PREFIX
        )
        _offload_paused = False


def _register_offload() -> None:
    """Let :mod:`borderwatch.forking` pause Dask's offload thread for a fork.

    ``distributed`` runs some of a client's work (serialising large messages) in one
    process-wide pool, ``distributed.utils._offload_executor``, whose thread, once
    started, lives as long as the process: after a batch or a sector plan on a cluster
    (its client closed) it alone kept every later fork of the process off (the plan's
    helper processes; a test worker's every fork test after the Dask tests). Idle, it
    can stop for the instant of a fork and a fresh pool replace it; not while a client's
    loop runs (:func:`_offload_threads`), and the plan forks only when no other thread runs.
    """
    global _offload_registered
    if not _offload_registered:
        _offload_registered = True
        forking.register(forking.Pausable(_offload_threads, _pause_offload, _resume_offload))


def _connect(distributed: Any, scheduler: str, timeout: float) -> Client:
    """``distributed.Client(scheduler)``, whose thread is stopped if it cannot connect.

    A client that does not reach its scheduler raises from its constructor with its
    "IO loop" thread still running (distributed 2026.8: ``Client.start`` starts the
    loop runner, only ``close`` stops it, and the failed client is already closed):
    each failed attempt left a thread behind in a long-running caller.
    """
    client: Client = distributed.Client.__new__(distributed.Client)
    try:
        distributed.Client.__init__(client, scheduler, timeout=f"{timeout}s", set_as_default=False)
    except BaseException:
        runner = getattr(client, "_loop_runner", None)
        if runner is not None:
            runner.stop()
        raise
    return client


def _probe() -> str:
    return __version__


def open_client(
    *,
    local: int | None = None,
    scheduler: str | None = None,
    timeout: float = 10.0,
    dashboard: bool = False,
) -> Client:
    """Connect to a Dask scheduler, or start a local cluster of worker processes.

    Parameters
    ----------
    local
        Start a :class:`distributed.LocalCluster` of this many worker processes
        with one thread each (default when ``scheduler`` is None: the CPUs this
        process may use, :func:`borderwatch.forking.usable_cpus`). Closed together with the client.
    scheduler
        Address of a running scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    timeout
        Seconds to wait for the scheduler before giving up.
    dashboard
        Serve the Dask dashboard of a local cluster (on a free port).

    Returns
    -------
    distributed.Client
        A client not set as the default, whose workers were checked to run
        borderwatch (a version other than this one is logged as a warning);
        close it with :func:`close_client`.

    Raises
    ------
    BorderwatchError
        If both ``local`` and ``scheduler`` are given, ``local`` is not
        positive, the scheduler cannot be reached (the message names its
        address), or the workers cannot import borderwatch.
    """
    distributed = import_distributed()
    if local is not None and scheduler is not None:
        raise BorderwatchError("give either a local cluster size or a scheduler address, not both")
    if scheduler is not None:
        try:
            client = _connect(distributed, scheduler, timeout)
        except (OSError, TimeoutError, ValueError) as err:
            raise BorderwatchError(
                f"cannot reach the Dask scheduler at {scheduler} within {timeout:g} s: {err}"
            ) from None
    else:
        n = local if local is not None else forking.usable_cpus()
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise BorderwatchError(f"--local: number of workers must be at least 1, got {n!r}")
        cluster = distributed.LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0" if dashboard else None,
            silence_logs=logging.ERROR,
        )
        try:
            client = distributed.Client(cluster, set_as_default=False)
        except BaseException:
            cluster.close()  # its worker processes would outlive the failed connection
            raise
        _CLUSTERS[id(client)] = cluster
    try:
        versions = client.run(_probe)
    except Exception as err:  # a worker without borderwatch fails to unpickle _probe
        close_client(client)
        raise BorderwatchError(
            f"Dask workers cannot run borderwatch ({type(err).__name__}: {err}); "
            "install borderwatch[batch] in the workers' environment"
        ) from None
    other = sorted({v for v in versions.values() if v != __version__})
    if other:
        logger.warning("workers run borderwatch %s, this client %s", ", ".join(other), __version__)
    return client


def close_client(client: Client) -> None:
    """Close ``client`` and the local cluster :func:`open_client` started for it, if any.

    Parameters
    ----------
    client
        A client from :func:`open_client`; a remote scheduler it connected to
        is left running.
    """
    cluster = _CLUSTERS.pop(id(client), None)
    client.close()
    if cluster is not None:
        cluster.close()
        _join_watchers()


#: Seconds :func:`close_client` waits for a closed cluster's process watchers to end.
WATCHERS_WAIT_S = 10.0


def _join_watchers() -> None:
    """Wait for the closed local cluster's process watcher threads to end.

    distributed's ``AsyncProcess`` watches each worker process with two threads
    ("... watch message queue", "... watch process join") that end a moment after
    the nanny has closed; while they run, they keep this process's forks off
    (:mod:`borderwatch.forking`), so the next plan's first fork would depend on timing.
    """
    for t in threading.enumerate():
        if t.name.startswith("AsyncProcess ") and t is not threading.current_thread():
            t.join(timeout=WATCHERS_WAIT_S)
