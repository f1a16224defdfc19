"""Output folders of the jobs: guarding them, and reading back what a run recorded.

The command line, the map re-renderer, the roster and the briefing all need the
same three things: may a job write into this folder, which scenario made this
folder, and the plan file of a plan folder. They live here, in the library, so
that a script gets the same answers (and the same errors) as the command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from borderwatch.errors import BorderwatchError, CoverageError, OutputExistsError

__all__ = ["MARKER_FILES", "check_output_folder", "read_plan_file", "scenario_of_folder"]

MARKER_FILES = ("summary.json", "siting.json", "teams.json", "brief.html")
"""Files whose presence marks a folder as earlier borderwatch output (safe to replace)."""


def check_output_folder(out_dir: str | Path, *, force: bool = False, option: str = "--out") -> Path:
    """Check that a job may write its output into ``out_dir``; return it as a Path.

    A folder that does not exist, is empty, or holds earlier borderwatch output
    (one of :data:`MARKER_FILES`) is fine; any other non-empty folder needs
    ``force``, so that a typo never replaces a user's own files.

    Raises
    ------
    BorderwatchError
        ``out_dir`` is a file (exit code 2).
    OutputExistsError
        ``out_dir`` is a foreign non-empty folder and ``force`` is not given (exit code 4).
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BorderwatchError(f"{out}: {option} exists and is not a folder")
    ours = any((out / name).is_file() for name in MARKER_FILES)
    if out.is_dir() and any(out.iterdir()) and not (force or ours):
        raise OutputExistsError(
            f"{out}: output folder is not empty and holds no earlier borderwatch output; "
            "use --force to write into it"
        )
    return out


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BorderwatchError(f"{path}: {what} not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CoverageError(f"not a valid JSON {what} ({exc})", file=path) from None
    if not isinstance(data, dict):
        raise CoverageError(
            f"a {what} is a JSON object, not {type(data).__name__}", file=path, value=data
        )
    return data


def scenario_of_folder(folder: str | Path) -> str:
    """The scenario (embedded name or folder) that made a gaps or plan output folder.

    Reads ``summary.json``: an embedded scenario is recorded by name; a scenario
    folder by its path, relative to the output folder when it was written so
    (portable when both are copied together) or absolute.

    Raises
    ------
    BorderwatchError
        No ``summary.json``, or it records no scenario.
    """
    folder = Path(folder)
    path = folder / "summary.json"
    if not path.is_file():
        raise BorderwatchError(f"{path}: not found; give the output folder of gaps or plan")
    recorded = _read_json(path, "summary")
    from borderwatch.data.load import embedded_scenarios

    source = recorded.get("source")
    name = recorded.get("scenario")
    if isinstance(source, str) and source:
        if source in embedded_scenarios():
            return source
        candidate = Path(source)
        if not candidate.is_absolute():
            candidate = folder / candidate
        if candidate.is_dir():
            return str(candidate)
    if isinstance(name, str) and name in embedded_scenarios():
        return name
    raise BorderwatchError(
        f"{path}: the scenario it was made from ({source or name!r}) is not found here; "
        "give it with --scenario"
    )


def read_plan_file(path: str | Path) -> dict[str, Any]:
    """Read and check a ``plan.json`` written by ``borderwatch plan``.

    Raises
    ------
    BorderwatchError
        The file is missing, not JSON (for instance cut in half), or not of the
        plan's shape (a ``routes`` list of objects with a ``team``).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "plan.json"
    data = _read_json(path, "plan file")
    routes = data.get("routes")
    if not isinstance(routes, list):
        raise CoverageError(
            "a plan file holds a 'routes' list", file=path, field="routes", value=routes
        )
    for i, route in enumerate(routes):
        if not isinstance(route, dict) or not isinstance(route.get("team"), str):
            raise CoverageError(
                "each route is an object with a 'team' id",
                file=path,
                field=f"routes[{i}]",
                value=route,
            )
    return data
