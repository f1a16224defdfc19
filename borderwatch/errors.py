"""Exceptions and warnings raised by borderwatch.

Every error that comes from bad input names the file, the field and the bad
value, so that a planner can fix the input without reading a traceback.

This module holds every exception and warning class of the package; each error
class carries the process exit code the command line uses for it
(:attr:`BorderwatchError.exit_code`):

==== =========================================================================
code meaning
==== =========================================================================
0    ok
1    an unexpected internal error (a bug: please report it with the traceback)
2    bad input: a file, field, option or value is wrong
3    infeasible: the input is valid but no plan or roster meets the rules
4    output exists, is locked by another run, or cannot be written (read-only,
     disk full, no permission); the old output is left as it was
5    a required external program is missing (Chromium for PNG and PDF)
6    the night is in the duty log already with other content (``log record``)
==== =========================================================================
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INFEASIBLE",
    "EXIT_MISSING_PROGRAM",
    "EXIT_NIGHT_RECORDED",
    "EXIT_OUTPUT_EXISTS",
    "BorderwatchError",
    "BorderwatchWarning",
    "BriefWarning",
    "ChromiumNotFoundError",
    "ConfigError",
    "ConfigWarning",
    "CoverageError",
    "InputLimitError",
    "LogError",
    "MapInputError",
    "NightRecordedError",
    "OfflineAssetError",
    "OutputExistsError",
    "OutputLockedError",
    "OutputWriteError",
    "PlanWarning",
    "RosterExistsError",
    "RosterInfeasibleError",
    "RosterWarning",
    "RoutingError",
    "ScenarioError",
    "ScenarioWarning",
    "nearest_key",
    "unknown_key",
]

EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_OUTPUT_EXISTS = 4
EXIT_MISSING_PROGRAM = 5
EXIT_NIGHT_RECORDED = 6


class BorderwatchError(Exception):
    """Base class of every error borderwatch raises on purpose.

    ``exit_code`` is the command line's exit status for the error's class.
    """

    exit_code: int = EXIT_BAD_INPUT


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
        self.message = message
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


class InputLimitError(_LocatedError):
    """An input is larger than a ``[limits]`` option allows (names the file, the limit and the count).

    Checked before the input is parsed (:mod:`borderwatch.limits`); the message
    says how to raise the limit.
    """


class ConfigWarning(BorderwatchWarning):
    """A configuration file is usable but uses an old form or a doubtful value."""


class CoverageError(_LocatedError):
    """A plan, timeline, GPS track or coverage request is invalid."""


class RoutingError(BorderwatchError, ValueError):
    """A routing instance or request is invalid or infeasible.

    The message names the team, edge or argument at fault and the bad value.
    """


class MapInputError(BorderwatchError, ValueError):
    """An input of a map function is missing a column or holds a bad value.

    The message names the argument, the column or key, the bad value and what
    is allowed.
    """


class OfflineAssetError(BorderwatchError, RuntimeError):
    """An offline map needs a script or stylesheet that no installed package provides."""

    exit_code = EXIT_MISSING_PROGRAM


class ChromiumNotFoundError(BorderwatchError, RuntimeError):
    """PNG or PDF export needs a headless Chromium and none was found."""

    exit_code = EXIT_MISSING_PROGRAM


class OutputExistsError(BorderwatchError, FileExistsError):
    """An output file or folder exists already and replacing it was not asked for."""

    exit_code = EXIT_OUTPUT_EXISTS


class OutputLockedError(BorderwatchError):
    """Another run holds the lock of an output folder."""

    exit_code = EXIT_OUTPUT_EXISTS


class OutputWriteError(BorderwatchError):
    """The output cannot be written: read-only, disk full, no permission, a folder in the way.

    The message names the path and the cause; the old output is left as it was.
    """

    exit_code = EXIT_OUTPUT_EXISTS


class LogError(_LocatedError):
    """The duty log cannot be opened, or a night's files or records are invalid."""


class NightRecordedError(BorderwatchError):
    """The night is in the duty log already with other content (``--replace`` to overwrite)."""

    exit_code = EXIT_NIGHT_RECORDED


class RosterExistsError(OutputExistsError):
    """The week's folder exists already and ``force`` was not given."""


class RosterInfeasibleError(BorderwatchError):
    """No roster meets the rules for this week; the message says which pool and why."""

    exit_code = EXIT_INFEASIBLE

    def __init__(self, message: str, *, pool: str = "") -> None:
        self.pool = pool
        super().__init__(message)


class PlanWarning(BorderwatchWarning):
    """A plan is usable but something in it deserves attention (an idle team, an unreachable road)."""


class RosterWarning(BorderwatchWarning):
    """A roster is usable but something about it deserves attention (no plan, a missing week)."""


class BriefWarning(BorderwatchWarning):
    """A night briefing is written but lacks something (no roster for the night, no CJK font)."""


def nearest_key(key: str, known: Any) -> str | None:
    """The known key closest to ``key`` (``difflib``), or None when none is close."""
    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_key(
    key: str,
    value: Any,
    known: Any,
    *,
    where: str | None = None,
    file: str | Path | None = None,
    error: type[ConfigError] | Any = None,
    what: str = "key",
) -> ConfigError:
    """Return the error for an unknown key, naming the nearest known key.

    Parameters
    ----------
    key
        The unknown key as written.
    value
        Its value.
    known
        The keys allowed at that place.
    where
        The dotted path of ``key`` in the file (default: ``key``).
    file
        The file named in the error.
    error
        A located error class (default :class:`~borderwatch.errors.ConfigError`).
    what
        The word for the key in the message (``"key"``, ``"option"``).
    """
    near = nearest_key(key, known)
    hint = f"did you mean {near!r}? " if near else ""
    return (error or ConfigError)(
        f"unknown {what}; {hint}known: {', '.join(sorted(str(k) for k in known))}",
        field=where or key,
        value=value,
        file=file,
    )
