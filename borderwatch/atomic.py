"""Crash-safe writing: every file and output folder of borderwatch is written through here.

A file is written to a temporary sibling and renamed over the target
(:func:`atomic_file`, :func:`write_bytes`, :func:`write_text`), so a reader sees the
old or the new file, never a part. A whole output folder is built in a staging
folder beside the target and swapped in (:func:`atomic_folder`): on Linux the swap
is one ``renameat2(RENAME_EXCHANGE)`` call, so there is no moment without a complete
folder; elsewhere it is two renames, and a run that died between them is repaired by
the next one (:func:`recover_folder` puts the old folder back). Staging folders carry
the writer's process id; :func:`clean_stale` removes those of dead processes.

:func:`folder_lock` is an advisory ``flock`` on a folder, for writers (the roster
history) that must not run twice at once.

This module imports nothing of borderwatch but :mod:`borderwatch.errors`.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from borderwatch.errors import BorderwatchError, OutputLockedError

__all__ = [
    "atomic_file",
    "atomic_folder",
    "clean_stale",
    "folder_lock",
    "recover_folder",
    "write_bytes",
    "write_text",
]

logger = logging.getLogger(__name__)

_STAGING = ".staging-"
_OLD = ".old-"


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_file(path: str | Path, *, mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary sibling of ``path`` to write; rename it over ``path`` on success.

    The temporary name keeps ``path``'s suffix, so writers that pick a format by
    extension (GeoPackage, GeoJSON) work on it. On an exception the temporary file
    is removed and ``path`` is left as it was.

    Parameters
    ----------
    path
        The target file; its folder must exist.
    mode
        Permission bits of the new file.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise BorderwatchError(f"{path.parent}: output folder does not exist")
    fd, name = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=f".tmp{path.suffix}", dir=path.parent
    )
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # writers such as GDAL refuse to open an existing empty file
    try:
        yield tmp
        if not tmp.exists():
            raise BorderwatchError(f"{path}: the writer produced no file")
        tmp.chmod(mode)
        with contextlib.suppress(OSError), tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: str | Path, data: bytes, *, mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    path = Path(path)
    with atomic_file(path, mode=mode) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(path: str | Path, text: str, *, mode: int = 0o644) -> Path:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically and return the path."""
    return write_bytes(path, text.encode("utf-8"), mode=mode)


def _libc_renameat2() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn  # type: ignore[no-any-return]


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step; False where the system cannot."""
    fn = _libc_renameat2()
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _pid_of(name: str, marker: str) -> int | None:
    try:
        return int(name.split(marker, 1)[1].split("-", 1)[0])
    except (IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_folder(target: str | Path) -> bool:
    """Put back the old folder of a swap that died half-way; True if one was restored.

    Only where ``target`` is missing and a ``.<name>.old-<pid>-…`` sibling of a dead
    process exists (the two-rename fallback of :func:`atomic_folder`).
    """
    target = Path(target)
    if target.exists() or not target.parent.is_dir():
        return False
    olds = sorted(
        p
        for p in target.parent.glob(f".{target.name}{_OLD}*")
        if p.is_dir() and not _alive(_pid_of(p.name, _OLD) or -1)
    )
    if not olds:
        return False
    olds[-1].rename(target)
    logger.warning("restored %s from an interrupted replacement", target)
    return True


def clean_stale(target: str | Path) -> list[Path]:
    """Remove staging and old folders beside ``target`` left by dead processes.

    Runs :func:`recover_folder` first, so an interrupted swap is repaired rather than
    lost. Returns the folders removed.
    """
    target = Path(target)
    recover_folder(target)
    removed: list[Path] = []
    if not target.parent.is_dir():
        return removed
    for marker in (_STAGING, _OLD):
        for p in sorted(target.parent.glob(f".{target.name}{marker}*")):
            pid = _pid_of(p.name, marker)
            if pid is not None and not _alive(pid):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    if removed:
        logger.info("removed %d stale staging folder(s) beside %s", len(removed), target)
    return removed


@contextlib.contextmanager
def atomic_folder(target: str | Path, *, replace: bool = True) -> Iterator[Path]:
    """Yield a staging folder beside ``target``; swap it in for ``target`` on success.

    On an exception the staging folder is removed and ``target`` is untouched.

    Parameters
    ----------
    target
        The output folder. Its parent is created if missing.
    replace
        Replace an existing ``target`` (the default). If False and ``target``
        exists, :class:`~borderwatch.errors.OutputExistsError` is raised before
        anything is written.
    """
    from borderwatch.errors import OutputExistsError

    target = Path(target)
    if target.exists() and not target.is_dir():
        raise BorderwatchError(f"{target}: output path exists and is not a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    if target.exists() and not replace:
        raise OutputExistsError(f"{target}: exists already; use --force to replace it")
    staging = Path(
        tempfile.mkdtemp(prefix=f".{target.name}{_STAGING}{os.getpid()}-", dir=target.parent)
    )
    try:
        yield staging
        staging.chmod(0o755)
        if target.exists():
            if _exchange(staging, target):
                shutil.rmtree(staging, ignore_errors=True)  # holds the old folder now
            else:
                old = Path(
                    tempfile.mkdtemp(
                        prefix=f".{target.name}{_OLD}{os.getpid()}-", dir=target.parent
                    )
                )
                old.rmdir()
                target.rename(old)
                staging.rename(target)
                shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
        _fsync_dir(target.parent)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def folder_lock(folder: str | Path, *, wait_s: float = 0.0) -> Iterator[Path]:
    """Hold an exclusive advisory lock on ``folder`` (a ``.lock`` file inside it).

    Parameters
    ----------
    folder
        Created if missing.
    wait_s
        How long to wait for another holder to finish; 0 fails at once.

    Raises
    ------
    OutputLockedError
        Another process holds the lock after ``wait_s`` seconds.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / ".lock"
    fh = lock.open("a+")
    try:
        deadline = time.monotonic() + max(wait_s, 0.0)
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OutputLockedError(
                        f"{folder}: another borderwatch run is writing here (lock {lock}); "
                        "wait for it to finish or try again"
                    ) from None
                time.sleep(0.1)
        yield folder
    finally:
        fh.close()
