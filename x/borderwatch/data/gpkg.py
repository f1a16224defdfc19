"""Byte-stable GeoPackage files: no wall-clock time inside.

GDAL stamps every GeoPackage table with the time of writing (``gpkg_contents.last_change``),
so the same data written twice gives different bytes. :func:`fixed_gpkg_time` sets GDAL's
``OGR_CURRENT_DATE`` option to a fixed stamp while borderwatch writes, and puts the
previous value back afterwards (reference-counted, so nested and concurrent writers in one
process agree).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["GPKG_STAMP", "fixed_gpkg_time"]

#: The ``last_change`` stamp of every GeoPackage table borderwatch writes.
GPKG_STAMP = "2000-01-01T00:00:00.000Z"

_lock = threading.Lock()
_depth = 0
_previous: str | None = None


@contextlib.contextmanager
def fixed_gpkg_time(stamp: str = GPKG_STAMP) -> Iterator[None]:
    """Write GeoPackages inside this block with ``stamp`` instead of the current time."""
    import pyogrio

    global _depth, _previous
    with _lock:
        if _depth == 0:
            _previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _previous})
