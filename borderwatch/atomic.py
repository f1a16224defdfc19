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

Names and folders (issue #22): every output file name built from an id goes through
:func:`safe_name` (no separators, ``..``, absolute paths, NUL or reserved device
names; ids are checked on load with :func:`id_problem`). An output folder carries a
marker of its own, :data:`MARKER` (``.borderwatch.json``: kind, format, the files the
runs wrote); :func:`atomic_folder` replaces only those files and carries every other
("foreign") file of the old folder into the new one, follows a symlinked target
instead of replacing the link, and turns a read-only, full or forbidden file system
into :class:`~borderwatch.errors.OutputWriteError` with the old output intact.

This module imports nothing of borderwatch but :mod:`borderwatch.errors`.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import itertools
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

from borderwatch.errors import BorderwatchError, OutputLockedError, OutputWriteError

__all__ = [
    "ID_MAX_LEN",
    "ID_RULE",
    "MARKER",
    "atomic_file",
    "atomic_folder",
    "clean_stale",
    "folder_lock",
    "foreign_files",
    "id_problem",
    "input_file",
    "not_regular",
    "output_error",
    "placed_folders",
    "read_marker",
    "recover_folder",
    "safe_name",
    "write_bytes",
    "write_text",
]

MARKER = ".borderwatch.json"
"""The marker file of a borderwatch output folder (kind, format, files written)."""

MARKER_FORMAT = 1

ID_MAX_LEN = 64
ID_RULE = (
    f"1-{ID_MAX_LEN} letters (any script, e.g. 巡逻一队), digits, '-', '_' or '.'; "
    "not starting or ending with '.'; not a reserved device name (CON, NUL, COM1, ...)"
)
"""The character set of every id that may become part of a file name."""

_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|CLOCK\$|COM[0-9]|LPT[0-9])", re.IGNORECASE)

# errno values that mean "this output cannot be written here" (not a bug of ours)
_WRITE_ERRNOS = {
    errno.ENOSPC: "no space left on the device (disk full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for the file system",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EISDIR: "a folder is in the way of a file",
    errno.ENOTDIR: "a file is in the way of a folder",
    errno.EMLINK: "too many links",
    errno.ENAMETOOLONG: "file name too long",
}

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


def id_problem(value: object) -> str | None:
    """What makes ``value`` unfit as an id that may become part of a file name, or None.

    An id is :data:`ID_RULE`: letters of any script, digits, ``-``, ``_`` and ``.``,
    at most :data:`ID_MAX_LEN` characters, not starting or ending with ``.``, not a
    reserved device name. So an id can never be a path (``/``, ``\\``, ``..``), an
    absolute path, hold a NUL or a control character, or hide as a dot file.
    """
    import unicodedata

    if not isinstance(value, str):
        return f"an id is text, not {type(value).__name__}"
    if not value:
        return "empty"
    if len(value) > ID_MAX_LEN:
        return f"{len(value)} characters, more than {ID_MAX_LEN}"
    for ch in value:
        if ch not in "-_." and unicodedata.category(ch)[0] not in "LMN":
            shown = ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
            return f"holds {shown!r}, which an id may not hold"
    if value.startswith(".") or value.endswith("."):
        return "starts or ends with '.'"
    if _RESERVED.fullmatch(value.split(".", 1)[0]):
        return "a reserved device name"
    return None


def safe_name(ident: str, suffix: str = "", *, prefix: str = "", what: str = "id") -> str:
    """The file name ``prefix + ident + suffix``, refused unless ``ident`` is a safe id.

    Every output file name built from data (a team's GPX, a person's calendar) is
    built here, so that no id can name a path: separators, ``..``, absolute paths,
    NUL, control characters, dot files and reserved device names are refused.

    Parameters
    ----------
    ident
        The id (team, person, variant, label ...).
    suffix
        The extension, e.g. ``".gpx"`` (letters, digits and dots only).
    prefix
        A fixed start of the name, e.g. ``"team-"``.
    what
        What the id is, for the message (``"team id"``).

    Raises
    ------
    BorderwatchError
        Naming the id and why it cannot be a file name (exit code 2).
    """
    problem = id_problem(ident)
    if problem is not None:
        raise BorderwatchError(
            f"{what} {ident!r} cannot be part of a file name: {problem}; an id is {ID_RULE}"
        )
    if not re.fullmatch(r"(\.[A-Za-z0-9]+)*", suffix) or not re.fullmatch(
        r"[A-Za-z0-9_.-]*", prefix
    ):
        raise BorderwatchError(f"bad file name suffix {suffix!r} or prefix {prefix!r}")
    name = f"{prefix}{ident}{suffix}"
    if len(name.encode("utf-8")) > 255:
        raise BorderwatchError(f"{what} {ident!r} makes a file name longer than 255 bytes")
    return name


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular(path: str | Path) -> str | None:
    """Why ``path``, which exists, cannot be read as a file; None if it is a regular file or missing.

    Readers call it where ``path.is_file()`` is False, so that a FIFO, device or
    socket (which could block a reader forever) is named as such, not "not found".
    """
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"is not a regular file but {kind}; give a plain file"


def input_file(path: str | Path, *, what: str = "input file") -> Path:
    """``path`` if it is a regular file (or a symlink to one) that can be opened.

    A FIFO, device or socket is refused before it is opened (reading one could
    block forever or never end), and so is a folder.

    Raises
    ------
    BorderwatchError
        Naming the path: not found, a folder, not a regular file, or unreadable (exit code 2).
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise BorderwatchError(f"{p}: {what} not found") from None
    except NotADirectoryError:
        raise BorderwatchError(f"{p}: {what} not found (a part of the path is a file)") from None
    except PermissionError:
        raise BorderwatchError(f"{p}: {what} cannot be read (permission denied)") from None
    except OSError as exc:
        raise BorderwatchError(f"{p}: {what} cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise BorderwatchError(f"{p}: {what} is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "a special file")
        raise BorderwatchError(f"{p}: {what} is not a regular file but {kind}; give a plain file")
    if not os.access(p, os.R_OK):
        raise BorderwatchError(f"{p}: {what} cannot be read (permission denied)")
    return p


def _free_bytes(path: Path) -> int | None:
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        st = os.statvfs(p)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def output_error(exc: BaseException, path: str | Path) -> OutputWriteError | None:
    """The :class:`OutputWriteError` that ``exc`` (raised while writing ``path``) means, or None.

    An ``OSError`` of a full, read-only or forbidden file system is one; so is any
    other failure of a writer (GDAL reports a full disk as a SQLite error) when the
    file system of ``path`` has less than 256 KiB left.
    """
    path = Path(path)
    tail = "; the old output is left as it was"
    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        where = f" ({exc.filename})" if exc.filename else ""
        return OutputWriteError(
            f"{path}: cannot write the output: {_WRITE_ERRNOS[exc.errno]}"
            f" [Errno {exc.errno}]{where}{tail}"
        )
    free = _free_bytes(path)
    if free is not None and free < 256 * 1024:
        return OutputWriteError(
            f"{path}: cannot write the output: no space left on the device (disk full, "
            f"{free} bytes free; the writer said: {str(exc)[:120]}){tail}"
        )
    return None


@contextlib.contextmanager
def atomic_file(path: str | Path, *, mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary sibling of ``path`` to write; rename it over ``path`` on success.

    The temporary name keeps ``path``'s suffix, so writers that pick a format by
    extension (GeoPackage, GeoJSON) work on it. On an exception the temporary file
    is removed and ``path`` is left as it was; a full, read-only or forbidden file
    system raises :class:`~borderwatch.errors.OutputWriteError`.

    Parameters
    ----------
    path
        The target file; its folder must exist, and it must not be a folder.
    mode
        Permission bits of the new file.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise BorderwatchError(f"{path.parent}: output folder does not exist")
    if path.is_dir():
        raise BorderwatchError(f"{path}: is a folder; give the name of a file to write")
    _clean_stale_files(path)
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}.", suffix=f".tmp{path.suffix}", dir=path.parent
        )
        os.close(fd)
    except OSError as exc:
        raise (output_error(exc, path) or exc) from None
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
    except BorderwatchError:
        raise
    except Exception as exc:
        error = output_error(exc, path)
        if error is None:
            raise
        raise error from exc
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


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), from Linux's ``/proc``; None if unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        with Path("/proc/stat").open(encoding="ascii") as machine:
            boot = next(float(x.split()[1]) for x in machine if x.startswith("btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _owner_alive(folder: Path, pid: int) -> bool:
    """Whether process ``pid``, named in ``folder``'s name, still runs and made it.

    A process that started after ``folder`` last changed (a second's margin) holds a
    recycled pid: the owner is gone.
    """
    if not _alive(pid):
        return False
    if pid == os.getpid():
        return True
    started = _process_start(pid)
    try:
        changed = folder.lstat().st_ctime
    except OSError:
        return False
    return started is None or started <= changed + 1.0


def _other_writer(target: Path, mine: Path | None = None) -> tuple[int, Path] | None:
    """The first other live process's staging folder for ``target`` made before ``mine``.

    Without ``mine``, any other live process's. Order: the time the folder was made
    (in its name, :func:`_staging_prefix`), then the pid: of two runs that start
    together, one goes on.
    """

    def order(p: Path, pid: int) -> tuple[float, int]:
        parts = p.name.split(_STAGING, 1)[-1].split("-")
        if len(parts) > 2 and parts[1].isdigit():  # the time it was made, in its name
            return int(parts[1]) / 1e9, pid
        try:  # a name without it: the folder's change time
            return p.lstat().st_ctime, pid
        except OSError:
            return float("inf"), pid

    me = order(mine, os.getpid()) if mine is not None else (float("inf"), 0)
    first: tuple[tuple[float, int], Path] | None = None
    for p in target.parent.glob(f".{glob_escape(target.name)}{_STAGING}*"):
        pid = _pid_of(p.name, _STAGING)
        if pid is None or pid == os.getpid() or not _owner_alive(p, pid):
            continue
        key = order(p, pid)
        if key < me and (first is None or key < first[0]):
            first = key, p
    return None if first is None else (first[0][1], first[1])


def _staging_prefix(target: Path, what: str = "") -> str:
    """The name of a staging folder of ``target`` up to its random part.

    ``.<name>.staging-<pid>-<ns>-``: the pid (:func:`clean_stale` finds its owner)
    and the time it is made in nanoseconds (:func:`_other_writer` orders by it; a
    folder's change time moves as files are written into it).
    """
    return f".{target.name}{_STAGING}{os.getpid()}-{time.time_ns()}-{what}"


def _refuse_other_writer(target: Path, mine: Path | None = None) -> None:
    """Raise :class:`OutputLockedError` when another live run is writing ``target``."""
    other = _other_writer(target, mine)
    if other is not None:
        raise OutputLockedError(
            f"{target}: another borderwatch run (pid {other[0]}) is writing here; "
            "wait for it to end or choose another --out"
        )


#: this process's claims (:func:`claim_output`) and the parent folders each made, innermost
#: first, removed by :func:`release_claims`
_claims: list[tuple[Path, list[Path]]] = []


def claim_output(target: str | Path) -> None:
    """Mark ``target`` as written by this process until :func:`release_claims`.

    A command claims its output folder before its slow work, so that a second run
    into the same folder is refused at its start (:class:`OutputLockedError`, by the
    claim's check or by :func:`atomic_folder`'s) instead of both running and the
    last silently replacing the first's output. The claim is an empty staging
    folder beside ``target`` (a dead process's is removed by :func:`clean_stale`).
    A missing parent of ``target`` is made, as the writer would make it, and
    removed again with the claim when the run wrote nothing there (only the
    folders this call made, innermost first, none another process wrote into).
    Where the parent cannot be made or is not writable nothing is claimed: the
    writer says what is wrong when it writes.

    Raises
    ------
    OutputLockedError
        Another live run is writing ``target`` (exit code 4).
    """
    target = _follow(Path(target))
    made: list[Path] = []
    for _ in range(3):  # a parent another run made removes it again when that run wrote nothing
        # the parents this call makes, innermost first (folder_lock's rule), those of an
        # earlier try kept: they are this call's too (a retry found them there)
        missing = itertools.takewhile(lambda p: not p.exists(), target.parents)
        made = sorted({*made, *missing}, key=lambda p: len(p.parts), reverse=True)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            clean_stale(target)
            prefix = _staging_prefix(target, "claim-")
            claim = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
            break
        except FileNotFoundError:
            continue
        except OSError:
            _remove_made(made)
            return
    else:
        _remove_made(made)
        return
    try:
        _refuse_other_writer(target, claim)  # of two runs that started together, one goes on
    except OutputLockedError:
        shutil.rmtree(claim, ignore_errors=True)
        _remove_made(made)
        raise
    if not _claims:  # registered once: a second registration replaces the first
        atexit.unregister(release_claims)
        atexit.register(release_claims)
    _claims.append((claim, made))


def _remove_made(made: list[Path]) -> None:
    """Remove the folders of ``made`` (innermost first) while each is empty; stop at the first not.

    One already gone (another run removed it) is passed over: its parent may still be empty.
    """
    for p in made:
        try:
            p.rmdir()
        except FileNotFoundError:
            continue
        except OSError:
            return


def release_claims() -> None:
    """Remove this process's claims (:func:`claim_output`) and the parents they made, if empty."""
    while _claims:
        claim, made = _claims.pop()
        shutil.rmtree(claim, ignore_errors=True)
        _remove_made(made)


def _clean_stale_files(path: Path) -> list[Path]:
    """Remove the temporary files of :func:`atomic_file` beside ``path`` of dead processes."""
    removed = []
    for stale in path.parent.glob(f".{glob_escape(path.name)}.*.tmp*"):
        pid = stale.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)
            removed.append(stale)
    return removed


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
    """Remove staging and old folders (and temporary files) beside ``target`` left by dead processes.

    Runs :func:`recover_folder` first, so an interrupted swap is repaired rather than
    lost. Returns the folders removed.
    """
    target = Path(target)
    recover_folder(target)
    if not target.parent.is_dir():
        return []
    removed = _clean_stale_files(target)  # a killed atomic_file of a file target
    for marker in (_STAGING, _OLD):
        for p in sorted(target.parent.glob(f".{glob_escape(target.name)}{marker}*")):
            pid = _pid_of(p.name, marker)
            if pid is not None and not _owner_alive(p, pid):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    if removed:
        logger.info("removed %d stale staging folder(s) beside %s", len(removed), target)
    return removed


def read_marker(folder: str | Path) -> dict[str, Any] | None:
    """The marker (:data:`MARKER`) of a borderwatch output folder, or None if it has none.

    A marker is a JSON object with ``kind`` (``"plan"``, ``"gaps"`` ...), ``format``
    and ``files`` (the relative paths borderwatch wrote there); anything else found
    under that name counts as no marker.
    """
    path = Path(folder) / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("kind"), str)
        or not isinstance(data.get("files"), list)
        or not all(isinstance(f, str) for f in data["files"])
    ):
        return None
    return data


def _entries(folder: Path) -> list[str]:
    """Relative POSIX paths of every file, symlink and empty folder under ``folder``."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        rel = here.relative_to(folder)
        for d in list(dirnames):
            if (here / d).is_symlink():  # a link to a folder: carried as the link
                found.append((rel / d).as_posix())
                dirnames.remove(d)
        found.extend((rel / f).as_posix() for f in filenames)
        if not dirnames and not filenames and rel != Path():
            found.append(rel.as_posix() + "/")
    return sorted(found)


def foreign_files(folder: str | Path) -> list[str]:
    """Files (relative paths) in ``folder`` that no borderwatch run recorded in its marker.

    Every file of a folder without a marker is foreign; the marker itself never is.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    marker = read_marker(folder)
    ours = set(marker["files"]) if marker else set()
    return [e for e in _entries(folder) if e != MARKER and e not in ours]


def _carry(old: Path, new: Path, rel: str) -> None:
    """Put ``old/rel`` into ``new/rel``: a hard link (no copy), a copy where links fail."""
    src, dst = old / rel.rstrip("/"), new / rel.rstrip("/")
    if os.path.lexists(dst) or any(
        p.is_file() for p in dst.parents if p != new and new in p.parents
    ):
        raise BorderwatchError(
            f"{old}: cannot keep {rel!r}: this run writes a file or folder of that name; "
            "move it away and run again (nothing was changed)"
        )
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_symlink():
        dst.symlink_to(src.readlink())
    elif rel.endswith("/"):
        dst.mkdir()
    else:
        try:
            os.link(src, dst, follow_symlinks=False)
        except OSError:
            shutil.copy2(src, dst, follow_symlinks=False)


def _follow(target: Path) -> Path:
    """``target``, or the folder it links to: a symlinked output folder is written through."""
    if not target.is_symlink():
        return target
    real = Path(os.path.realpath(target))
    if not real.is_dir():
        raise BorderwatchError(
            f"{target}: is a symlink to {real}, which is not a folder; "
            "give a folder (or a link to one)"
        )
    return real


def _finish(staging: Path, target: Path, kind: str, keep: str, drop: tuple[str, ...]) -> None:
    """Carry the old folder's files to keep into ``staging`` and write the marker."""
    written = {e for e in _entries(staging) if e != MARKER}
    kept_ours: set[str] = set()
    if target.is_dir():
        old = read_marker(target)
        ours = set(old["files"]) if old else set()
        if keep == "all" and old is not None:
            kind = old["kind"]
        for rel in _entries(target):
            if rel == MARKER or rel in written:
                continue
            if rel in ours and (keep != "all" or rel in drop):
                continue  # the old run's own file: replaced (or gone) with this run
            _carry(target, staging, rel)
            if rel in ours:
                kept_ours.add(rel)
    files = sorted(e for e in written | kept_ours if not e.endswith("/"))
    from borderwatch._version import __version__

    marker = {"files": files, "format": MARKER_FORMAT, "kind": kind, "version": __version__}
    (staging / MARKER).write_text(
        json.dumps(marker, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


#: the folders :func:`atomic_folder` put in place in this process since :func:`placed_folders`
#: was last cleared, in order: complete, whatever interrupts the command after them
_placed: list[Path] = []


def placed_folders(*, clear: bool = False) -> list[Path]:
    """The output folders this process put in place (complete), oldest first.

    A command line says which folders a Ctrl-C after them leaves complete (exit 130):
    :func:`atomic_folder` records each folder right after its swap.

    Parameters
    ----------
    clear
        Forget them after returning them (a new command starts).

    Returns
    -------
    list of Path
        The folders, each once.
    """
    done = list(dict.fromkeys(_placed))
    if clear:
        _placed.clear()
    return done


@contextlib.contextmanager
def atomic_folder(
    target: str | Path,
    *,
    replace: bool = True,
    kind: str = "output",
    keep: str = "foreign",
    drop: tuple[str, ...] = (),
) -> Iterator[Path]:
    """Yield a staging folder beside ``target``; swap it in for ``target`` on success.

    While another live process stages ``target`` (its staging folder is there)
    nothing is written: :class:`~borderwatch.errors.OutputLockedError`, so that two runs
    into one folder never silently replace each other's output.
    On an exception the staging folder is removed and ``target`` is untouched. A
    ``target`` that is a symlink to a folder is followed: the folder it points to
    is replaced, the link stays. The new folder gets the marker :data:`MARKER`
    (``kind``, the files written) and keeps every foreign file of the old folder
    (one no earlier run recorded in its marker; carried over as a hard link):
    only what borderwatch wrote is ever replaced.

    Parameters
    ----------
    target
        The output folder. Its parent is created if missing.
    replace
        Replace an existing ``target`` (the default). If False and ``target``
        exists, :class:`~borderwatch.errors.OutputExistsError` is raised before
        anything is written.
    kind
        What the folder holds (``"plan"``, ``"gaps"``, ``"brief"`` ...), for the marker.
    keep
        ``"foreign"``: the files of the old folder that earlier runs wrote and this
        one does not are dropped (a new plan leaves no stale brief); ``"all"``:
        every old file is kept (``brief`` and ``map`` adding files to a plan folder,
        whose kind then stays).
    drop
        With ``keep="all"``: files of earlier runs that this writer owns and drops
        when it does not write them again (``brief`` owns brief.html and brief.pdf:
        a new HTML never stands beside an old PDF).

    Raises
    ------
    OutputLockedError
        Another live run is writing ``target`` (exit code 4).
    OutputWriteError
        The file system is read-only, full or forbids writing (exit code 4).
    """
    from borderwatch.errors import OutputExistsError

    if keep not in ("foreign", "all"):
        raise ValueError(f"keep is 'foreign' or 'all', not {keep!r}")
    target = _follow(Path(target))
    if target.exists() and not target.is_dir():
        raise BorderwatchError(f"{target}: output path exists and is not a folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(target)
        if target.exists() and not replace:
            raise OutputExistsError(f"{target}: exists already; use --force to replace it")
        staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(target), dir=target.parent))
    except OSError as exc:
        raise (output_error(exc, target) or exc) from None
    try:
        _refuse_other_writer(target, staging)  # two runs that started together: one goes on
        yield staging
        _finish(staging, target, kind, keep, drop)
        staging.chmod(0o755)
        if target.exists():
            if _exchange(staging, target):
                _placed.append(target)
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
                _placed.append(target)
                shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
        _placed.append(target)
        _fsync_dir(target.parent)
    except BorderwatchError:
        raise
    except Exception as exc:
        error = output_error(exc, target)
        if error is None:
            raise
        raise error from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def folder_lock(folder: str | Path, *, wait_s: float = 0.0) -> Iterator[Path]:
    """Hold an exclusive advisory lock on ``folder`` (a ``.lock`` file inside it).

    Parameters
    ----------
    folder
        Created if missing, with its parents (and those removed again if the run wrote
        nothing into it).
    wait_s
        How long to wait for another holder to finish; 0 fails at once.

    Raises
    ------
    OutputLockedError
        Another process holds the lock after ``wait_s`` seconds.
    BorderwatchError
        ``folder`` is a file (exit code 2).
    OutputWriteError
        ``folder`` or its lock cannot be made: a read-only, full or forbidden disk (exit code 4).
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise BorderwatchError(f"{folder}: output path exists and is not a folder")
    lock = folder / ".lock"
    fh, made = _locked(folder, lock, wait_s)
    try:
        yield folder
    finally:
        if made:  # a run that wrote nothing leaves no folder of its own behind
            with contextlib.suppress(OSError):
                if [p.name for p in folder.iterdir()] == [lock.name]:
                    # removed while held: a waiter that locks this file next finds it gone
                    # and starts over (:func:`_locked`), never holding a lock nobody sees
                    lock.unlink()
                    for p in made:  # a parent another process wrote into meanwhile stays
                        p.rmdir()
        fh.close()


def _locked(folder: Path, lock: Path, wait_s: float) -> tuple[Any, list[Path]]:
    """Open and lock ``lock``; return the file, locked, and the folders this call made.

    A holder that made the folder and wrote nothing removes the lock file (and the
    folder) before it lets go; a waiter that opened that file then holds a lock on
    a file no path names while a third process makes a new one and locks that too.
    So the lock counts only if ``lock`` still names the file locked; else it is
    opened (and its folder made) again.
    """
    deadline = time.monotonic() + max(wait_s, 0.0)
    for attempt in itertools.count():
        # the folders this call makes (``folder`` and its missing parents), innermost first
        made = list(itertools.takewhile(lambda p: not p.exists(), (folder, *folder.parents)))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fh = lock.open("a+")
        except OSError as exc:
            if isinstance(exc, FileNotFoundError) and attempt < 100:
                continue  # the folder was removed meanwhile by a holder that wrote nothing
            error = output_error(exc, folder)
            if error is None:
                raise
            raise error from exc
        try:
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
            try:
                if os.path.samestat(os.fstat(fh.fileno()), lock.stat()):
                    return fh, made
            except FileNotFoundError:
                pass
        except BaseException:
            fh.close()
            raise
        fh.close()  # the file locked was removed by its last holder: start over
    raise AssertionError("unreachable")  # pragma: no cover
