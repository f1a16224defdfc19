"""Exceptions and warnings raised by borderwatch.

Every error that comes from bad input names the file, the field and the bad
value, so that a planner can fix the input without reading a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "BorderwatchError",
    "BorderwatchWarning",
    "ConfigError",
    "CoverageError",
    "RoutingError",
    "ScenarioError",
    "ScenarioWarning",
]


class BorderwatchError(Exception):
    """Base class of every error borderwatch raises on purpose."""


class BorderwatchWarning(UserWarning):
    """Base class of every warning borderwatch issues."""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class _LocatedError(BorderwatchError, ValueError):
    """An input error that names where it is: file, field (or option) and value.

    Parameters
    ----------
    message
        What is wrong and what is allowed.
    file
        The file that holds the bad input, if any.
    field
        The field (column, key, layer, attribute, option) that holds the bad value.
    value
        The bad value itself.
    """

    _field_word = "field"

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
            where.append(f"{self._field_word} {field!r}")
        if value is not None:
            where.append(f"value {_describe(value)}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ScenarioError(_LocatedError):
    """A scenario file or value is missing or invalid (names file, field and value)."""


class ScenarioWarning(BorderwatchWarning):
    """A scenario is usable but something in it deserves attention."""


class ConfigError(_LocatedError):
    """A configuration option has a bad value (names the option, the value and the file)."""

    _field_word = "option"


class CoverageError(_LocatedError):
    """A plan, timeline, GPS track or coverage request is invalid."""


class RoutingError(BorderwatchError, ValueError):
    """A routing instance or request is invalid or infeasible.

    The message names the team, edge or argument at fault and the bad value.
    """
