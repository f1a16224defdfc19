"""Input size limits, checked before a file is parsed (the ``[limits]`` TOML table).

A hostile or mistaken input must not take the machine down: a 16 MB gzip of
two million OSM nodes, a CSV of ten million rows or a batch spec asking for a
border of 1e9 km is refused with a message that names the limit and how to
raise it, before the parser allocates anything for it. Every limit is an option
of the ``[limits]`` table of ``scenario.toml`` or of a ``--config`` file (a
batch spec has its own ``[limits]`` for ``batch_tasks`` and ``border_km``)::

    [limits]
    osm_nodes = 10000000    # nodes in an OSM file (XML or PBF)
    osm_road_nodes = 1000000  # of which highway ways use
    file_mb = 2000          # MB of one input file, after decompression

The defaults (:data:`DEFAULT_LIMITS`) keep ``scenario validate`` well inside a
few GB of memory (``benchmarks/validate_memory.py`` measures the peak per
million OSM nodes). How each limit is counted:

* ``file_mb``: bytes of one input file as the parser sees them: OSM XML is
  stream-counted through gzip, bz2 or xz before the parser starts; CSV,
  GeoJSON, GPX and plan.json by their size on disk.
* ``osm_nodes``, ``osm_ways``: ``<node`` and ``<way`` elements counted in the
  same stream pass (XML); PBF files are counted while they stream.
* ``osm_road_nodes``: nodes the highway ways use, counted after the light
  first read (about 0.1 GB per million nodes) and before the road graph is
  built (several GB per million road nodes).
* ``csv_rows``: lines of a CSV file, counted before it is parsed.
* ``geojson_vertices``: coordinate pairs of a GeoJSON file (counted in the
  parsed JSON before any geometry is built).
* ``gpx_points``: ``<trkpt`` elements of a GPX file, counted before gpxpy reads it.
* ``batch_tasks``, ``border_km``: tasks a batch spec expands to, and the
  border length of a generated scenario.
"""

from __future__ import annotations

import bz2
import dataclasses
import gzip
import lzma
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from borderwatch.errors import ConfigError, InputLimitError

__all__ = [
    "DEFAULT_LIMITS",
    "LIMIT_KEYS",
    "Limits",
    "check_geojson_vertices",
    "check_limit",
    "count_lines",
    "file_bytes_limit",
    "limits_from_mapping",
    "open_maybe_compressed",
    "scan_stream",
]

_MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    """Largest inputs read (each an option of the ``[limits]`` TOML table).

    Parameters
    ----------
    file_mb
        Megabytes (10^6 bytes) of one input file, after decompression.
    osm_nodes
        ``<node>`` elements of an OSM file.
    osm_ways
        ``<way>`` elements of an OSM file.
    osm_road_nodes
        Nodes that highway ways use (each becomes part of the road graph:
        the costly part, several GB per million).
    csv_rows
        Lines of one CSV file (checkpoints, teams, people, incidents).
    geojson_vertices
        Coordinate pairs of one GeoJSON file (border, area).
    gpx_points
        Track points of one GPX file.
    batch_tasks
        Tasks (scenarios x grid combinations) of one batch spec.
    border_km
        Border length of a generated scenario (batch ``generate`` tables).
    """

    file_mb: float = 2000.0
    osm_nodes: int = 10_000_000
    osm_ways: int = 2_000_000
    osm_road_nodes: int = 1_000_000
    csv_rows: int = 200_000
    geojson_vertices: int = 2_000_000
    gpx_points: int = 2_000_000
    batch_tasks: int = 10_000
    border_km: float = 10_000.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            integer = f.type == "int"
            ok = isinstance(value, int) if integer else isinstance(value, int | float)
            if isinstance(value, bool) or not ok or not math.isfinite(value) or value <= 0:
                what = "a positive whole number" if integer else "a positive number"
                raise ConfigError(f"must be {what}", field=f"limits.{f.name}", value=value)

    @property
    def file_bytes(self) -> int:
        """``file_mb`` in bytes."""
        return int(self.file_mb * _MB)


#: The built-in limits.
DEFAULT_LIMITS = Limits()
#: The keys of a ``[limits]`` table.
LIMIT_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Limits))


def limits_from_mapping(
    values: Mapping[str, Any] | Limits,
    *,
    base: Limits | None = None,
    file: str | Path | None = None,
) -> Limits:
    """Return ``base`` with the values of a ``[limits]`` table applied.

    Raises
    ------
    ConfigError
        Naming ``limits.KEY`` for an unknown key (with the nearest known key) or a bad value.
    """
    if isinstance(values, Limits):
        return values
    base = base or DEFAULT_LIMITS
    if not isinstance(values, Mapping):
        raise ConfigError(
            f"[limits] must be a table of {', '.join(LIMIT_KEYS)}",
            field="limits",
            value=values,
            file=file,
        )
    from borderwatch.errors import unknown_key

    for key, value in values.items():
        if key not in LIMIT_KEYS:
            raise unknown_key(key, value, LIMIT_KEYS, where=f"limits.{key}", file=file)
    try:
        return dataclasses.replace(base, **dict(values))
    except ConfigError as err:
        raise ConfigError(err.message, field=err.field, value=err.value, file=file) from None


def check_limit(
    count: float,
    limits: Limits,
    key: str,
    *,
    what: str,
    file: str | Path | None = None,
    at_least: bool = False,
    raise_in: str = "scenario.toml or a --config file",
) -> None:
    """Raise :class:`InputLimitError` if ``count`` exceeds ``limits.<key>``.

    Parameters
    ----------
    count
        What was counted.
    limits
        The limits in force.
    key
        The ``[limits]`` key.
    what
        What was counted, for the message ("OSM nodes").
    file
        The file counted.
    at_least
        The count stopped early at the limit: say "more than".
    raise_in
        Where a ``[limits]`` table can raise the limit.
    """
    limit = getattr(limits, key)
    if count > limit:
        shown = f"more than {_fmt(limit)}" if at_least else _fmt(count)
        raise InputLimitError(
            f"{what}: {shown} exceeds the limit of {_fmt(limit)} (limits.{key}); if the input is "
            f"meant, raise it with [limits] {key} = N in {raise_in}",
            file=file,
            field=f"limits.{key}",
            value=count if not at_least else None,
        )


def _fmt(x: float) -> str:
    x = float(x)
    return f"{int(x):,}" if x.is_integer() and abs(x) < 1e15 else f"{x:,.6g}"


def file_bytes_limit(path: Path, limits: Limits, *, what: str) -> None:
    """Refuse a file larger on disk than ``limits.file_mb`` (before it is read)."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # the reader names the problem
    if size > limits.file_bytes:
        check_limit(size / _MB, limits, "file_mb", what=f"{what} size in MB", file=path)


def open_maybe_compressed(path: Path) -> IO[bytes]:
    """Open ``path`` for reading bytes, through gzip, bz2 or xz by its suffix."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    if name.endswith(".xz"):
        return lzma.open(path, "rb")
    return path.open("rb")


def scan_stream(
    path: Path,
    limits: Limits,
    *,
    what: str,
    elements: Mapping[bytes, tuple[str, str]] = {},
    chunk: int = 1 << 20,
) -> dict[bytes, int]:
    """Stream ``path`` (decompressed) once, counting bytes and element openings, before it is parsed.

    Stops as soon as a limit is passed, so a compression bomb costs the
    time to decompress the limit, never the memory.

    Parameters
    ----------
    path
        The file (``.gz``, ``.bz2``, ``.xz`` read through their decompressor).
    limits
        The limits in force (``file_mb`` for the bytes).
    what
        What the file is, for messages ("OSM XML").
    elements
        Byte strings to count (``b"<node"``) -> (limit key, words for the message).
    chunk
        Bytes read at a time.

    Returns
    -------
    dict
        The count of each element.

    Raises
    ------
    InputLimitError
        Naming the file, the limit and how to raise it.
    """
    counts = dict.fromkeys(elements, 0)
    longest = max((len(e) for e in elements), default=1)
    total = 0
    tail = b""
    with open_maybe_compressed(path) as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            total += len(block)
            if total > limits.file_bytes:
                check_limit(
                    total / _MB,
                    limits,
                    "file_mb",
                    what=f"{what} decompressed size in MB",
                    file=path,
                    at_least=True,
                )
            text = tail + block
            for element, (key, words) in elements.items():
                # an element split across two blocks is counted once: it ends in the new block
                counts[element] += text.count(element) - tail.count(element)
                if counts[element] > getattr(limits, key):
                    check_limit(counts[element], limits, key, what=words, file=path, at_least=True)
            tail = text[-(longest - 1) :] if longest > 1 else b""
    return counts


def count_lines(path: Path, limits: Limits, *, what: str, chunk: int = 1 << 20) -> int:
    """Count the lines of a text file before it is parsed; refuse more than ``limits.csv_rows``."""
    file_bytes_limit(path, limits, what=what)
    lines = 0
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(chunk), b""):
                lines += block.count(b"\n")
                if lines > limits.csv_rows + 1:  # the header is not a row
                    check_limit(
                        lines - 1, limits, "csv_rows", what=f"{what} rows", file=path, at_least=True
                    )
    except OSError:
        return lines  # the reader names the problem
    return lines


def _pairs(obj: Any, budget: int) -> int:
    """Coordinate pairs in a parsed GeoJSON object, counted up to ``budget`` (then stops)."""
    count = 0
    stack: list[Any] = [obj]
    while stack and count <= budget:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            if item and all(isinstance(x, int | float) for x in item[:3]) and len(item) <= 4:
                count += 1
            else:
                stack.extend(item)
    return count


def check_geojson_vertices(obj: Any, limits: Limits, *, file: str | Path | None = None) -> None:
    """Refuse a parsed GeoJSON object with more than ``limits.geojson_vertices`` coordinate pairs."""
    n = _pairs(obj, limits.geojson_vertices)
    check_limit(n, limits, "geojson_vertices", what="GeoJSON vertices", file=file, at_least=True)
