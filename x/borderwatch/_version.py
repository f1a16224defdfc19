"""The installed version of borderwatch, from the package metadata (one place, bottom floor)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("borderwatch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
