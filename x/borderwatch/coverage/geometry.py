"""Geometry helpers of the coverage package shared by its modules (border-unit midpoints)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["unit_midpoints"]


def unit_midpoints(network: PatrolNetwork) -> np.ndarray:
    """Return the midpoint (half way along) of every border unit as shapely Points."""
    mid: np.ndarray = shapely.line_interpolate_point(
        network.units.geometry.to_numpy(), 0.5, normalized=True
    )
    return mid
