"""Shared helpers of the coverage package: its error type and unit-table helpers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from borderwatch.errors import BorderwatchError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["CoverageError", "unit_midpoints"]


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class CoverageError(BorderwatchError, ValueError):
    """A plan, timeline, track or coverage request is invalid.

    Parameters
    ----------
    message
        What is wrong and what is allowed.
    file
        The file that holds the bad input, if any (a GPX track).
    field
        The argument or field at fault.
    value
        The bad value.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        field: str | None = None,
        value: Any = None,
    ) -> None:
        self.file = None if file is None else str(file)
        self.field = field
        self.value = value
        where = []
        if self.file is not None:
            where.append(self.file)
        if field is not None:
            where.append(f"field {field!r}")
        if value is not None:
            where.append(f"value {_describe(value)}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


def unit_midpoints(network: PatrolNetwork) -> np.ndarray:
    """Return the midpoint (half way along) of every border unit as shapely Points."""
    mid: np.ndarray = shapely.line_interpolate_point(
        network.units.geometry.to_numpy(), 0.5, normalized=True
    )
    return mid
