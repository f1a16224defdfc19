"""A cache of parsed road graphs, keyed by the road file's bytes (and of other derived values).

Reading an OSM extract through osmnx (parse, build, simplify) is the slowest
part of starting any command on a real scenario: about 9 s of a Ningming
``borderwatch replan`` that re-plans in 3 s. The graph depends only on the
file's bytes and the versions of the code that reads it, so it is kept, with
the warnings its reading gave, under a key made of both; a later read of the
same file unpickles it and replays the warnings.

What is derived from a cached graph alone (the projected road tables of
:func:`~borderwatch.data.network.build_network`) is kept beside it by
:func:`cached_derived`, under the graph's key, a name and the versions of the
libraries whose objects it pickles: a warm start then imports neither osmnx nor
matplotlib and converts no graph. Values computed from other inputs, which the
caller hashes into a key (the giant tour's odd-node matching), are kept by
:func:`cached_computation`.

Where: ``$BORDERWATCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/borderwatch``, else
``~/.cache/borderwatch``; ``BORDERWATCH_NO_CACHE=1`` turns it off. A cache
that cannot be written (a read-only home, a full disk) or read (a broken file)
is passed over: the graph is then read from the file as without a cache.

Each kind of entry has its sub-folder (:data:`KINDS`), each entry is one file
``<sha256 hex>.pickle`` written atomically (a temporary sibling renamed over it);
nothing else in the folder is ever read or removed.

Size: after an entry is written, if the cache's files (of all kinds; their sizes, not
the disk blocks they take) hold more than
``$BORDERWATCH_CACHE_MAX`` (:data:`DEFAULT_MAX_BYTES`, 2 GiB; ``500M``, ``10G``,
``none``) the least recently used go until they hold :data:`TRIM_TO` of it
(:func:`trim_cache`; a read marks its entry used by its modification time). The
entry just written and any used in the last :data:`RECENT_S` seconds stay. One
``os.scandir`` of each kind's folder sees the size; a process scans again at a
later write only after :data:`RESCAN_S` seconds or when its own writes since may
take the cache over the limit (a warm plan writes nothing and never scans).
``borderwatch cache info | clear`` shows and empties it (:func:`scan_cache`,
:func:`clear_cache`).

Safety: an entry is a pickle, and unpickling runs code, so whoever can write the
folder could run code as the user. The folders are made ``0700``; an entry is
read (and written) only where the cache folder and its kind's folder are the
user's own and writable by no other user nor group (a group holding the user alone
may: umask 002's folders), and the entry is a regular file of the user's not
writable by others (:func:`folder_problem`). Otherwise one
warning line names the path and why, and the value is computed as without a
cache (an unsafe entry in a safe folder is then replaced by the value computed).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import logging
import math
import os
import pickle
import re
import stat
import time
import warnings
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple, TypeVar

import networkx as nx

from borderwatch.atomic import write_bytes
from borderwatch.errors import BorderwatchError

__all__ = [
    "CACHE_ENV",
    "DEFAULT_MAX_BYTES",
    "KINDS",
    "MAX_ENV",
    "NO_CACHE_ENV",
    "RECENT_S",
    "RESCAN_S",
    "TRIM_TO",
    "CacheEntry",
    "CacheScan",
    "cache_dir",
    "cache_folder",
    "cache_limit",
    "cached_computation",
    "cached_derived",
    "cached_graph",
    "clear_cache",
    "folder_problem",
    "parse_size",
    "scan_cache",
    "source_digest",
    "trim_cache",
]

T = TypeVar("T")

logger = logging.getLogger(__name__)

CACHE_ENV = "BORDERWATCH_CACHE_DIR"
NO_CACHE_ENV = "BORDERWATCH_NO_CACHE"
MAX_ENV = "BORDERWATCH_CACHE_MAX"
#: The cache's size limit where ``$BORDERWATCH_CACHE_MAX`` does not give one (2 GiB).
DEFAULT_MAX_BYTES = 2 * 1024**3
#: The kinds of entry, one sub-folder each: parsed road graphs, what is derived from
#: them, the giant tours' odd-node matchings, the routing's key-node tables.
KINDS = ("roads", "derived", "matchings", "key-tables")
#: A trim over the limit removes entries until they hold this share of it.
TRIM_TO = 0.9
#: An entry used or written this many seconds ago or less is never trimmed (another
#: process of the same plan may be about to read it).
RECENT_S = 60.0
#: A writer's temporary file this old (seconds) is a dead writer's left-over.
STALE_TEMP_S = 3600.0
#: A process scans the cache again after a write at most this many seconds after its last
#: scan, unless its writes since take what it knows of over the limit.
RESCAN_S = 60.0
# an entry's name, and the temporary name borderwatch.atomic writes it under (compiled
# when first used: every command imports this module)
_ENTRY = r"[0-9a-f]{64}\.pickle"
_TEMP = r"\.[0-9a-f]{64}\.pickle\.[0-9]+\.[A-Za-z0-9_]+\.tmp\.pickle"
_SIZE = r"\s*([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]*)\s*"
_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4}
_UNITS |= {u + s: 1024**i for i, u in enumerate("kmgt", 1) for s in ("", "i", "ib")}
#: Bump when the reader's output changes for the same file (the key holds the versions too).
READER_VERSION = 2
#: The libraries whose objects a derived entry pickles (part of its key).
_DERIVED_LIBS = ("numpy", "pandas", "geopandas", "shapely", "pyproj")

# the cache key of each graph read through the cache (derived entries hang on it)
_graph_keys: weakref.WeakKeyDictionary[nx.MultiDiGraph, str] = weakref.WeakKeyDictionary()


def cache_dir() -> Path | None:
    """The folder of the borderwatch cache, or None when it is turned off."""
    if os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    return cache_folder()


def cache_folder() -> Path:
    """Where the borderwatch cache is, turned off or not (``borderwatch cache`` looks there)."""
    given = os.environ.get(CACHE_ENV, "").strip()
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "borderwatch"


def parse_size(text: str) -> int | None:
    """Bytes of a size such as ``2G``, ``500 MiB``, ``1.5GB`` or ``123456``; None for ``none``.

    ``K``, ``M``, ``G``, ``T`` (and ``KiB`` ... ``TiB``) are powers of 1024, ``KB`` ...
    ``TB`` powers of 1000, case aside. ``none`` (or ``unlimited``) means no limit.

    Raises
    ------
    ValueError
        Any other text.
    """
    if text.strip().lower() in ("none", "unlimited"):
        return None
    match = re.fullmatch(_SIZE, text)
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        raise ValueError(f"not a size: {text!r} (e.g. 2G, 500M, 1.5GB, none)")
    return int(float(match.group(1)) * unit)


def cache_limit() -> tuple[int | None, str]:
    """The cache's size limit in bytes (None: none) and where it comes from.

    ``$BORDERWATCH_CACHE_MAX`` (:func:`parse_size`), else :data:`DEFAULT_MAX_BYTES`;
    a value that is no size is said in one warning line and the default holds.
    """
    given = os.environ.get(MAX_ENV, "").strip()
    if not given:
        return DEFAULT_MAX_BYTES, "default"
    try:
        return parse_size(given), f"{MAX_ENV}={given}"
    except ValueError as err:
        _warn_once(f"{MAX_ENV}", f"{MAX_ENV} ignored: {err}; the limit is the default 2 GiB")
        return DEFAULT_MAX_BYTES, "default"


def _key(path: Path) -> str:
    from importlib.metadata import version

    from borderwatch._version import __version__

    # osmnx's version from its metadata: importing osmnx (and matplotlib with it)
    # took about a second of every warm start
    h = hashlib.sha256()
    for part in (__version__, version("osmnx"), nx.__version__, READER_VERSION):
        h.update(f"{part}\0".encode())
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cached_graph(path: Path, read: Callable[[Path], nx.MultiDiGraph]) -> nx.MultiDiGraph:
    """``read(path)``, or the graph an earlier read of the same bytes gave (its warnings replayed).

    Parameters
    ----------
    path
        The road file.
    read
        The reader; its errors are not cached (a bad file fails the same way every time).
    """
    folder = cache_dir()
    if folder is None:
        return read(path)
    key = _key(path)
    graph: nx.MultiDiGraph = _cached(folder / "roads" / f"{key}.pickle", lambda: read(path), path)
    _graph_keys[graph] = key
    return graph


def cached_derived(graph: nx.MultiDiGraph, name: str, build: Callable[[], T]) -> T:
    """``build()``, or what an earlier ``build`` of the same name on the same cached graph gave.

    Parameters
    ----------
    graph
        A graph :func:`cached_graph` returned (any other graph, or the cache turned
        off: ``build()`` is simply called).
    name
        What ``build`` makes from ``graph`` alone, with every other input it reads
        (``"tables EPSG:32648"``); part of the key, with the versions of the
        libraries whose objects are pickled.
    build
        Makes the value from ``graph`` (a pure function of it and ``name``); its
        warnings are kept and replayed like the graph's.

    Returns
    -------
    The value, built or unpickled.
    """
    from importlib.metadata import version

    folder = cache_dir()
    key = _graph_keys.get(graph)
    if folder is None or key is None:
        return build()
    h = hashlib.sha256()
    for part in (key, name, *(version(lib) for lib in _DERIVED_LIBS)):
        h.update(f"{part}\0".encode())
    return _cached(folder / "derived" / f"{h.hexdigest()}.pickle", build, name)


def cached_computation(kind: str, key: str, make: Callable[[], T], what: object) -> T:
    """``make()``, or what an earlier ``make`` of the same kind and key gave.

    For values computed from inputs other than a road graph, which the caller hashes
    into ``key`` with everything that decides the result (the code's and the
    libraries' versions): the odd-node matchings of the route search's giant tour
    (:mod:`borderwatch.routing.postman`), the same on every plan of a scenario.

    Parameters
    ----------
    kind
        The cache's sub-folder, one of :data:`KINDS` (``"matchings"``).
    key
        A hex digest of the inputs (the entry's file name).
    make
        Computes the value (a pure function of what ``key`` hashes).
    what
        Names the value in the log line of a cache hit.

    Returns
    -------
    The value, computed or unpickled.
    """
    if kind not in KINDS:
        raise ValueError(f"not a kind of the borderwatch cache: {kind!r} (one of {KINDS})")
    folder = cache_dir()
    if folder is None:
        return make()
    return _cached(folder / kind / f"{key}.pickle", make, what)


@functools.cache
def source_digest(source: str, versions: tuple[str, ...]) -> str:
    """A hex digest of a module's source file and the library versions it computes with.

    The part of a :func:`cached_computation` key that says which code made the value:
    any change of the module or of a version makes new keys. ``""`` where the source
    cannot be read (a zipped or frozen install): then no key says which code computed,
    and the caller keeps nothing. Computed once per process and argument.

    Parameters
    ----------
    source
        The module's ``__file__``.
    versions
        The versions of the libraries whose results the value holds.
    """
    try:
        h = hashlib.sha256(Path(source).read_bytes())
    except OSError:
        return ""
    for part in versions:
        h.update(f"\0{part}".encode())
    return h.hexdigest()


def _cached(entry: Path, make: Callable[[], T], what: object) -> T:
    """The value pickled at ``entry`` (its warnings replayed), else ``make()`` stored there.

    ``entry`` is ``<cache folder>/<kind>/<name>``. Nothing is read or written where the
    folders are not safe (:func:`folder_problem`: one warning line); an entry that is
    not (another owner's, writable by others, not a regular file) is not read but
    replaced by the value made.
    """
    folder = _safe_kind_folder(entry.parent.parent, entry.parent.name)
    usable = folder is not None
    if folder is not None:
        try:
            data = _read_entry(folder, entry)
        finally:
            os.close(folder)
        if data is not None:
            try:
                value, said = pickle.loads(data)
            except Exception as err:  # a truncated or foreign file: make it again
                logger.debug("road cache %s unreadable (%s): making %s", entry, err, what)
            else:
                logger.info("%s from the cache (%s)", what, entry.name[:12])
                for category, message in said:
                    warnings.warn(message, category, stacklevel=4)
                return value  # type: ignore[no-any-return]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = make()
    said = [(w.category, str(w.message)) for w in caught]
    for category, message in said:
        warnings.warn(message, category, stacklevel=4)
    if not usable:
        return value
    try:
        data = pickle.dumps((value, said), protocol=pickle.HIGHEST_PROTOCOL)
        write_bytes(entry, data, mode=0o600)
    except (OSError, pickle.PicklingError, BorderwatchError) as err:  # a full disk too
        logger.debug("road cache not written (%s)", err)
    else:
        _after_write(entry, len(data))
    return value


_warned: set[str] = set()


def _warn_once(key: str, message: str) -> None:
    """``message`` as a warning line, once per process and ``key``."""
    if key not in _warned:
        _warned.add(key)
        logger.warning(message)


def _problem(st: os.stat_result, *, folder: bool) -> str | None:
    """Why a file or folder of this status may not hold entries to unpickle, or None."""
    if not (stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)):
        return "not a folder" if folder else "not a regular file"
    if st.st_uid != os.geteuid():
        return f"owned by uid {st.st_uid}, not by you (uid {os.geteuid()})"
    mode = stat.S_IMODE(st.st_mode)
    if mode & stat.S_IWOTH:
        return f"writable by every user (mode {mode:04o})"
    if mode & stat.S_IWGRP and not _private_group(st.st_gid, st.st_uid):
        return f"writable by its group (mode {mode:04o})"
    return None


@functools.cache
def _private_group(gid: int, uid: int) -> bool:
    """Whether group ``gid`` holds user ``uid`` alone: its files writable by the group are
    that user's only (a user private group; umask 002 makes the folders ``0775``).

    Debian's OpenSSH rule for group-writable files (``secure_permissions``): every user
    whose primary group it is, and its one listed member if any, is ``uid``, and there is one.
    """
    import grp
    import pwd

    try:
        group, name = grp.getgrgid(gid), pwd.getpwuid(uid).pw_name
    except KeyError:  # a group or user the databases do not know
        return False
    primary = {p.pw_uid for p in pwd.getpwall() if p.pw_gid == gid}
    if primary - {uid} or set(group.gr_mem) - {name}:
        return False
    return bool(primary or group.gr_mem)


def _refuse(path: Path, why: str, *, folder: bool = True) -> None:
    """The one warning line of a cache path that is not used."""
    then = (
        f"make the folder yours and 0700, or set {CACHE_ENV} to another folder"
        if folder
        else "the value computed replaces it"
    )
    _warn_once(
        str(path),
        f"borderwatch cache not used: {path} is {why}, so others could make borderwatch "
        f"run code as you; computing without it ({then})",
    )


def folder_problem(root: Path, kinds: Iterable[str] = KINDS) -> tuple[Path, str] | None:
    """The first folder of the cache at ``root`` not safe to read entries from, and why.

    Safe: the user's own folder, writable by no other user and no group but one that
    holds the user alone (:func:`_private_group`; a symbolic link is followed for
    ``root``, not for a kind's folder). Folders not there yet
    are not checked (they are made ``0700``).

    Parameters
    ----------
    root
        The cache folder (:func:`cache_folder`).
    kinds
        The kinds whose folders are checked too.

    Returns
    -------
    None where every existing folder is safe, else the folder and why not.
    """
    try:
        problem = _problem(root.stat(), folder=True)
    except FileNotFoundError:
        return None
    except OSError as err:
        return root, f"not readable ({err.strerror})"
    if problem:
        return root, problem
    for kind in kinds:
        try:
            st = os.lstat(root / kind)
        except FileNotFoundError:
            continue
        except OSError as err:
            return root / kind, f"not readable ({err.strerror})"
        if stat.S_ISLNK(st.st_mode):
            return root / kind, "a symbolic link"
        problem = _problem(st, folder=True)
        if problem:
            return root / kind, problem
    return None


def _safe_kind_folder(root: Path, kind: str) -> int | None:
    """An open descriptor of ``root/kind``, made ``0700`` if missing, where it is safe; else None.

    Not safe (:func:`folder_problem`): one warning line. Not there and not made (a file
    in the way, a read-only disk): None without a warning, as without a cache.
    """
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        (root / kind).mkdir(mode=0o700, exist_ok=True)
    except OSError as err:
        logger.debug("cache folder %s not made (%s)", root / kind, err)
        try:
            if not (root / kind).is_dir():
                return None
        except OSError:  # a folder this user may not enter (root's, under sudo): said below
            pass
    found = folder_problem(root, (kind,))
    if found is not None:
        _refuse(*found)
        return None
    try:
        fd = os.open(root / kind, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as err:  # swapped since it was checked
        logger.debug("cache folder %s not opened (%s)", root / kind, err)
        return None
    problem = _problem(os.fstat(fd), folder=True)
    if problem:  # swapped since it was checked
        os.close(fd)
        _refuse(root / kind, problem)
        return None
    return fd


def _read_entry(folder: int, entry: Path) -> bytes | None:
    """The bytes of ``entry`` (in the open folder ``folder``) marked used; None if absent or unsafe."""
    try:  # not through a symbolic link; a FIFO must not block the open
        fd = os.open(
            entry.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder
        )
    except FileNotFoundError:
        return None
    except OSError as err:
        if err.errno == errno.ELOOP:
            _refuse(entry, "a symbolic link", folder=False)
        else:
            logger.debug("road cache %s not opened (%s)", entry, err)
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # a folder or a FIFO in its place: not read
            logger.debug("road cache %s is not a regular file", entry)
            return None
        problem = _problem(st, folder=False)
        if problem:
            _refuse(entry, problem, folder=False)
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read()
        with contextlib.suppress(OSError):  # used now: the last a trim removes
            os.utime(fd)
    finally:
        os.close(fd)
    return data


class CacheEntry(NamedTuple):
    """One file of the cache: an entry, or a writer's temporary file.

    Attributes
    ----------
    kind
        Its kind (:data:`KINDS`), the sub-folder it is in.
    path
        The file.
    size
        Bytes.
    used_ns
        When it was last written or read: its modification time, nanoseconds since the epoch.
    """

    kind: str
    path: Path
    size: int
    used_ns: int

    @property
    def used(self) -> float:
        """When it was last written or read, seconds since the epoch."""
        return self.used_ns / 1e9


class CacheScan(NamedTuple):
    """The files of the cache, read by :func:`scan_cache`.

    Attributes
    ----------
    entries
        The entries, the least recently used first.
    temporary
        Writers' temporary files (a write under way, or a dead writer's left-over).
    """

    entries: tuple[CacheEntry, ...]
    temporary: tuple[CacheEntry, ...]

    @property
    def size(self) -> int:
        """Bytes of every entry and temporary file."""
        return sum(e.size for e in self.entries) + sum(e.size for e in self.temporary)


# a file of the scan: (modification time ns, the kind's rank, name, path, size, kind)
_Found = tuple[int, int, str, str, int, str]


def _scan(root: Path, kinds: Iterable[str]) -> tuple[list[_Found], list[_Found]]:
    """The entries (least recently used first) and temporary files of :func:`scan_cache`."""
    uid = os.geteuid()
    entry_name, temp_name = re.compile(_ENTRY), re.compile(_TEMP)
    entries: list[_Found] = []
    temporary: list[_Found] = []
    for rank, kind in enumerate(kinds):
        try:
            listing = os.scandir(root / kind)
        except OSError:  # not there (or not a folder)
            continue
        with listing:
            for item in listing:
                name = item.name
                is_entry = entry_name.fullmatch(name) is not None
                if not is_entry and temp_name.fullmatch(name) is None:
                    continue
                try:
                    st = item.stat(follow_symlinks=False)
                except OSError:  # removed meanwhile
                    continue
                if st.st_uid == uid and stat.S_ISREG(st.st_mode):
                    found = (st.st_mtime_ns, rank, name, item.path, st.st_size, kind)
                    (entries if is_entry else temporary).append(found)
    entries.sort()
    temporary.sort(key=lambda f: (f[1], f[2]))
    return entries, temporary


def _entry(found: _Found) -> CacheEntry:
    return CacheEntry(found[5], Path(found[3]), found[4], found[0])


def scan_cache(root: Path, kinds: Iterable[str] = KINDS) -> CacheScan:
    """The cache's own files under ``root``: one ``os.scandir`` of each kind's folder.

    Only regular files of the current user with the names the cache writes
    (``<sha256 hex>.pickle``, and ``.<that>.<pid>.<random>.tmp.pickle`` while one is
    written) in the kinds' folders; any other file there or in ``root`` is not the
    cache's and is never listed (so never removed).

    Parameters
    ----------
    root
        The cache folder.
    kinds
        The kinds to look at (default: all of :data:`KINDS`).
    """
    entries, temporary = _scan(root, kinds)
    return CacheScan(tuple(map(_entry, entries)), tuple(map(_entry, temporary)))


def _remove(found: _Found) -> bool:
    """Remove a scanned file unless it changed since (written again); True if removed."""
    try:
        st = os.lstat(found[3])
        if st.st_size != found[4] or st.st_mtime_ns != found[0]:
            return False
        os.unlink(found[3])  # noqa: PTH108 - a path the scan gave as text
    except OSError:  # gone already, or not ours to remove
        return False
    return True


def _trim(root: Path, limit: int, keep: Path | None, now: float) -> tuple[list[CacheEntry], int]:
    """:func:`trim_cache`'s removed files, and the bytes the cache's files hold after."""
    entries, temporary = _scan(root, KINDS)
    stale_ns = int((now - STALE_TEMP_S) * 1e9)
    removed = [t for t in temporary if t[0] < stale_ns and _remove(t)]
    total = sum(f[4] for f in entries) + sum(f[4] for f in temporary)
    left = total - sum(f[4] for f in removed)
    if left > limit:
        recent_ns, kept = int((now - RECENT_S) * 1e9), str(keep)
        for found in entries:
            if left <= TRIM_TO * limit:
                break
            if found[0] < recent_ns and found[3] != kept and _remove(found):
                left -= found[4]
                removed.append(found)
        logger.info(
            "borderwatch cache over its limit (%d of %d bytes): %d files removed, %d bytes left",
            total,
            limit,
            len(removed),
            left,
        )
    return [_entry(f) for f in removed], left


def trim_cache(
    root: Path, limit: int, *, keep: Path | None = None, now: float | None = None
) -> list[CacheEntry]:
    """Remove the least recently used entries while the cache holds more than ``limit`` bytes.

    Runs after a write of an entry (:func:`_after_write` says when). Where the cache's
    files (entries and writers' temporary files) hold more than ``limit`` bytes,
    entries go, the least recently used first, until they hold :data:`TRIM_TO` of it;
    ``keep`` (the entry just written) and entries used in the last :data:`RECENT_S`
    seconds stay, so the cache may stay above its limit for a while. A dead writer's
    temporary file (older than an hour) goes whatever the size. Only the cache's own
    files are looked at (:func:`scan_cache`).

    Parameters
    ----------
    root
        The cache folder.
    limit
        Bytes.
    keep
        An entry never removed.
    now
        The time to measure recent use from (default: now).

    Returns
    -------
    What was removed.
    """
    return _trim(root, limit, keep, time.time() if now is None else now)[0]


# what this process knows of a cache folder's size: (when it last scanned it, bytes since)
_known: dict[str, tuple[float, int]] = {}


def _after_write(entry: Path, size: int) -> None:
    """Trim the cache after ``entry`` (``size`` bytes) was written, if it may be over its limit.

    A scan costs ~3-6 µs per entry (10,000 entries: 30-65 ms), so not every write
    scans: within :data:`RESCAN_S` of this process's last scan of the folder, a write
    that keeps the bytes it knows of (that scan's, and its own writes' since) within the
    limit does not. Other processes' writes since are seen at the next scan (theirs or
    this one's): the limit is kept within a minute's writes.
    """
    limit, _ = cache_limit()
    if limit is None:
        return
    root, now = entry.parent.parent, time.time()
    when, known = _known.get(str(root), (-math.inf, 0))
    if now - when < RESCAN_S and known + size <= limit:
        _known[str(root)] = (when, known + size)
        return
    _known[str(root)] = (now, _trim(root, limit, entry, now)[1])


def clear_cache(root: Path, kinds: Iterable[str] = KINDS) -> list[CacheEntry]:
    """Remove the cache's entries of ``kinds`` (and dead writers' temporary files) under ``root``.

    Only the files :func:`scan_cache` lists: any other file or folder stays, the
    folders too. A temporary file younger than an hour (a write under way) stays.

    Parameters
    ----------
    root
        The cache folder.
    kinds
        The kinds to remove (default: all of :data:`KINDS`).

    Returns
    -------
    What was removed.
    """
    entries, temporary = _scan(root, kinds)
    stale_ns = int((time.time() - STALE_TEMP_S) * 1e9)
    stale = [t for t in temporary if t[0] < stale_ns]
    _known.pop(str(root), None)
    return [_entry(f) for f in (*entries, *stale) if _remove(f)]
