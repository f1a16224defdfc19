"""Dask client helpers, on the bottom floor: the batch runner and the sector planner both use them.

Dask (``dask.distributed``) is imported lazily, so that nothing but a run on a
cluster needs it installed.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

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
    return distributed


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
        with one thread each (default when ``scheduler`` is None: the machine's
        cores). Closed together with the client.
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
            client: Client = distributed.Client(
                scheduler, timeout=f"{timeout}s", set_as_default=False
            )
        except (OSError, TimeoutError, ValueError) as err:
            raise BorderwatchError(
                f"cannot reach the Dask scheduler at {scheduler} within {timeout:g} s: {err}"
            ) from None
    else:
        n = local if local is not None else (os.cpu_count() or 1)
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
