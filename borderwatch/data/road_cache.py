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
that cannot be written (a read-only home) or read (a broken file) is passed
over: the graph is then read from the file as without a cache.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import warnings
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import networkx as nx

from borderwatch.atomic import write_bytes

__all__ = [
    "CACHE_ENV",
    "NO_CACHE_ENV",
    "cache_dir",
    "cached_computation",
    "cached_derived",
    "cached_graph",
    "source_digest",
]

T = TypeVar("T")

logger = logging.getLogger(__name__)

CACHE_ENV = "BORDERWATCH_CACHE_DIR"
NO_CACHE_ENV = "BORDERWATCH_NO_CACHE"
#: Bump when the reader's output changes for the same file (the key holds the versions too).
READER_VERSION = 2
#: The libraries whose objects a derived entry pickles (part of its key).
_DERIVED_LIBS = ("numpy", "pandas", "geopandas", "shapely", "pyproj")

# the cache key of each graph read through the cache (derived entries hang on it)
_graph_keys: weakref.WeakKeyDictionary[nx.MultiDiGraph, str] = weakref.WeakKeyDictionary()


def cache_dir() -> Path | None:
    """The folder of the road-graph cache, or None when it is turned off."""
    if os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    given = os.environ.get(CACHE_ENV, "").strip()
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "borderwatch"


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
        The cache's sub-folder (``"matchings"``).
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
    """The value pickled at ``entry`` (its warnings replayed), else ``make()`` stored there."""
    if entry.is_file():
        try:
            value, said = pickle.loads(entry.read_bytes())
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
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(entry, pickle.dumps((value, said), protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, pickle.PicklingError) as err:
        logger.debug("road cache not written (%s)", err)
    return value
