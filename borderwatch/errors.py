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


class ScenarioError(BorderwatchError, ValueError):
    """A scenario file or value is missing or invalid.

    Parameters
    ----------
    message
        What is wrong and what is allowed.
    file
        The file that holds the bad input, if any.
    field
        The field (column, key, layer, attribute) that holds the bad value.
    value
        The bad value itself.
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
        parts = []
        if self.file is not None:
            parts.append(f"{self.file}")
        if field is not None:
            parts.append(f"field {field!r}")
        if value is not None:
            parts.append(f"value {_describe(value)}")
        prefix = ": ".join([", ".join(parts)]) if parts else ""
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ScenarioWarning(BorderwatchWarning):
    """A scenario is usable but something in it deserves attention."""


class ConfigError(BorderwatchError, ValueError):
    """A configuration option has a bad value.

    Parameters
    ----------
    message
        What is wrong and what is allowed.
    field
        The option name.
    value
        The bad value.
    file
        The TOML file the option came from, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: Any = None,
        file: str | Path | None = None,
    ) -> None:
        self.file = None if file is None else str(file)
        self.field = field
        self.value = value
        where = []
        if self.file is not None:
            where.append(self.file)
        if field is not None:
            where.append(f"option {field!r}")
        if value is not None:
            where.append(f"value {_describe(value)}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class RoutingError(BorderwatchError, ValueError):
    """A routing instance or request is invalid or infeasible.

    The message names the team, edge or argument at fault and the bad value.
    """
