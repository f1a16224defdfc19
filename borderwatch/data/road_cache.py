"""A cache of parsed road graphs, keyed by the road file's bytes.

Reading an OSM extract through osmnx (parse, build, simplify) is the slowest
part of starting any command on a real scenario: about 9 s of a Ningming
``borderwatch replan`` that re-plans in 3 s. The graph depends only on the
file's bytes and the versions of the code that reads it, so it is kept, with
the warnings its reading gave, under a key made of both; a later read of the
same file unpickles it and replays the warnings.

Where: ``$BORDERWATCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/borderwatch``, else
``~/.cache/borderwatch``; ``BORDERWATCH_NO_CACHE=1`` turns it off. A cache
that cannot be written (a read-only home) or read (a broken file) is passed
over: the graph is then read from the file as without a cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import warnings
from collections.abc import Callable
from pathlib import Path

import networkx as nx

from borderwatch.atomic import write_bytes

__all__ = ["CACHE_ENV", "NO_CACHE_ENV", "cache_dir", "cached_graph"]

logger = logging.getLogger(__name__)

CACHE_ENV = "BORDERWATCH_CACHE_DIR"
NO_CACHE_ENV = "BORDERWATCH_NO_CACHE"
#: Bump when the reader's output changes for the same file (the key holds the versions too).
READER_VERSION = 2


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
    from borderwatch.data._osmnx import osmnx_module

    osmnx = osmnx_module()
    from borderwatch._version import __version__

    h = hashlib.sha256()
    for part in (__version__, osmnx.__version__, nx.__version__, READER_VERSION):
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
    entry = folder / "roads" / f"{_key(path)}.pickle"
    if entry.is_file():
        try:
            graph, said = pickle.loads(entry.read_bytes())
        except Exception as err:  # a truncated or foreign file: read the roads again
            logger.debug("road cache %s unreadable (%s): reading %s", entry, err, path)
        else:
            logger.info("roads of %s from the cache (%s)", path, entry.name[:12])
            for category, message in said:
                warnings.warn(message, category, stacklevel=3)
            return graph  # type: ignore[no-any-return]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = read(path)
    said = [(w.category, str(w.message)) for w in caught]
    for category, message in said:
        warnings.warn(message, category, stacklevel=3)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(entry, pickle.dumps((graph, said), protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, pickle.PicklingError) as err:
        logger.debug("road cache not written (%s)", err)
    return graph
