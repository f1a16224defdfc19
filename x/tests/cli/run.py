"""Run the installed ``borderwatch`` entry point in a subprocess with the network blocked.

:func:`offline_env` writes a ``sitecustomize.py`` into a folder put first on ``PYTHONPATH``:
every Python process started with that environment replaces ``socket.socket.connect`` (and
``connect_ex``, ``getaddrinfo``) by functions that raise for anything but the loopback
interface and Unix sockets (a local Dask cluster and Chromium's DevTools pipe stay usable).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

SITECUSTOMIZE = '''
"""Written by tests/cli/run.py: no connection leaves this machine."""
import os
import socket

_LOCAL = {"127.0.0.1", "::1", "localhost", "0.0.0.0", ""}
_connect, _connect_ex, _getaddrinfo = (
    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
)


def _host(address):
    return str(address[0]) if isinstance(address, tuple) else None


def _check(sock, address):
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = _host(address)
    if host is None or host not in _LOCAL:
        raise OSError(f"network blocked by the borderwatch tests: connect to {address!r}")


def connect(self, address):
    _check(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if host not in _LOCAL and host is not None:
        raise socket.gaierror(f"network blocked by the borderwatch tests: resolve {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.getaddrinfo = getaddrinfo
os.environ["BORDERWATCH_TEST_NETWORK_BLOCKED"] = "1"
'''


def offline_env(folder: Path, **extra: str) -> dict[str, str]:
    """Environment for a subprocess whose Python cannot reach the network."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(folder), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("BORDERWATCH_ROSTER_SALT", None)
    env.update(extra)
    return env


def borderwatch_exe() -> str:
    exe = shutil.which("borderwatch")
    assert exe is not None, "the borderwatch entry point is not installed (pip install -e .)"
    return exe


def run_cli(
    args: Sequence[str | Path],
    env: Mapping[str, str],
    *,
    cwd: Path | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """``borderwatch ARGS`` through the installed entry point."""
    return subprocess.run(
        [borderwatch_exe(), *map(str, args)],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def write_people(scenario: Path, target: Path, *, seed: int = 5) -> Path:
    """A synthetic personnel file for a generated scenario (it has none)."""
    from borderwatch import load_scenario
    from borderwatch.roster import RosterSite, synthetic_people

    site = RosterSite.from_scenario(load_scenario(scenario))
    rows = synthetic_people(site, seed=seed, n_leaders=6, leave_share=0.0)
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=["id", "name", "role", "team", "township", "leave", "source"]
        )
        writer.writeheader()
        for r in rows:
            writer.writerow({k: r.get(k, "") for k in writer.fieldnames})
    return target


def files_under(folder: Path) -> list[str]:
    """Relative paths of every file under ``folder``, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
