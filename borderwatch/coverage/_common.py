"""Shared helpers of the coverage package: its error type and unit-table helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from borderwatch.errors import CoverageError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["CoverageError", "unit_midpoints"]


def unit_midpoints(network: PatrolNetwork) -> np.ndarray:
    """Return the midpoint (half way along) of every border unit as shapely Points."""
    mid: np.ndarray = shapely.line_interpolate_point(
        network.units.geometry.to_numpy(), 0.5, normalized=True
    )
    return mid
