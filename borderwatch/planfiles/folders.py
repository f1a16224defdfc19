"""Output folders of the jobs: guarding them, and reading back what a run recorded.

The command line, the map re-renderer, the roster and the briefing all need the
same three things: may a job write into this folder, which scenario made this
folder, and the plan file of a plan folder. They live here, in the library, so
that a script gets the same answers (and the same errors) as the command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderwatch.atomic import MARKER, claim_output, foreign_files, not_regular, read_marker
from borderwatch.errors import BorderwatchError, CoverageError, OutputExistsError

if TYPE_CHECKING:
    from borderwatch.planfiles.planfile import PlanFile

__all__ = ["check_not_scenario", "check_output_folder", "read_plan_file", "scenario_of_folder"]


def _shown(names: list[str], n: int = 5) -> str:
    more = f" and {len(names) - n} more" if len(names) > n else ""
    return ", ".join(names[:n]) + more


def check_output_folder(
    out_dir: str | Path,
    *,
    force: bool = False,
    option: str = "--out",
    kind: str | None = None,
    scenario: str | Path | None = None,
    claim: bool = False,
) -> Path:
    """Check that a job may write its output into ``out_dir``; return it as a Path.

    A folder that does not exist, is empty, or is a borderwatch output folder of
    the same ``kind`` (its marker :data:`borderwatch.atomic.MARKER` says so) is
    fine. A non-empty folder without a marker, or with another kind's output,
    needs ``force``: a typo never touches a user's files. Even then nothing but
    borderwatch's own files is replaced: :func:`borderwatch.atomic.atomic_folder`
    keeps every foreign file (``--force`` replaces foreign files only where the
    job writes a file of the same name). A symlink to a folder is followed.

    Parameters
    ----------
    out_dir
        The output folder.
    force
        Write into a non-empty folder that is not this kind's output.
    option
        The option's name, for messages.
    kind
        The job's kind of output (``"plan"``, ``"gaps"``, ``"site"`` ...).
    scenario
        The scenario (name or folder) the job reads: ``out_dir`` may not be,
        contain or lie inside its folder.
    claim
        Once checked, claim ``out_dir`` for this process until
        :func:`borderwatch.atomic.release_claims` (the command line's commands:
        :func:`borderwatch.atomic.claim_output`).

    Raises
    ------
    BorderwatchError
        ``out_dir`` is a file, or is, contains or lies inside the scenario folder (exit code 2).
    OutputExistsError
        ``out_dir`` is a foreign non-empty folder and ``force`` is not given (exit code 4).
    OutputLockedError
        With ``claim``: another live run is writing ``out_dir`` (exit code 4).
    """
    out = _checked_output_folder(Path(out_dir), force, option, kind, scenario)
    if claim:
        claim_output(out)
    return out


def _checked_output_folder(
    out: Path, force: bool, option: str, kind: str | None, scenario: str | Path | None
) -> Path:
    """:func:`check_output_folder` without the claim."""
    if out.exists() and not out.is_dir():
        raise BorderwatchError(f"{out}: {option} exists and is not a folder")
    if out.is_symlink() and not out.exists():
        raise BorderwatchError(f"{out}: {option} is a symlink to a missing folder")
    if scenario is not None:
        check_not_scenario(out, scenario, option)
    if not out.is_dir() or not any(out.iterdir()):
        return out
    marker = read_marker(out)
    if marker is None and not force:
        raise OutputExistsError(
            f"{out}: {option} is not empty and is no borderwatch output folder (no {MARKER}); "
            f"it holds {_shown(foreign_files(out))}. Use --force to write into it: "
            "its files are kept, only files of the names this command writes are replaced"
        )
    if marker is not None and kind is not None and marker["kind"] != kind and not force:
        raise OutputExistsError(
            f"{out}: {option} holds the output of `{marker['kind']}`, not `{kind}`; use --force "
            f"to replace that output (files borderwatch did not write are kept)"
        )
    return out


def check_not_scenario(out: str | Path, scenario: str | Path, option: str = "--out") -> None:
    """Refuse an output folder that is, contains or lies inside the folder of ``scenario``.

    Raises
    ------
    BorderwatchError
        Naming the option, the folder and the scenario folder (exit code 2).
    """
    from borderwatch.data.load import resolve_scenario_path

    out = Path(out)
    try:
        folder = resolve_scenario_path(scenario).resolve()
    except BorderwatchError:
        return  # the scenario's own loading names that error
    real = out.resolve()
    if real == folder or folder in real.parents or real in folder.parents:
        raise BorderwatchError(
            f"{out}: {option} may not be, contain or lie inside the scenario folder "
            f"{folder}, which this command reads; give another folder"
        )


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not_regular(path):
        raise BorderwatchError(f"{path}: {what} {not_regular(path)}")
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


def read_plan_file(path: str | Path) -> PlanFile:
    """Read and check a plan folder's ``plan.json`` (or the file itself) as a :class:`PlanFile`.

    Raises
    ------
    CoverageError
        The file is missing, not JSON (for instance cut in half), of an older
        schema, or a field is missing or mistyped (named with its value).
    BorderwatchError
        The path is not a regular file.
    """
    from borderwatch.planfiles.planfile import PlanFile

    path = Path(path)
    if path.is_dir():
        path = path / "plan.json"
    if not_regular(path):
        raise BorderwatchError(f"{path}: plan file {not_regular(path)}")
    return PlanFile.read(path)
