"""Files that describe themselves: the schema version of every JSON file and a folder's file list.

Every JSON file borderwatch writes (``summary.json``, ``siting.json``,
``teams.json``, ``plan.json``) carries ``schema_version``
(:data:`SCHEMA_VERSION`): a reader can tell which fields to expect. A job's
``summary.json`` lists, under ``files``, exactly the files the job wrote
beside it (:func:`list_files`, relative POSIX paths, sorted, ``summary.json``
itself included, hidden files such as the folder marker left out) and
carries the headline figures of its command.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final

__all__ = ["SCHEMA_VERSION", "list_files", "rewrite_summary"]

#: Version of the JSON files' layout. 2: ``schema_version``, ``files`` = the folder's own
#: files, ``target_check``, ``coverage_terms``, gap ids by chainage (issue #21).
SCHEMA_VERSION: Final = 2


def list_files(folder: str | Path) -> list[str]:
    """Relative POSIX paths of the files under ``folder``, sorted; hidden files and folders left out."""
    folder = Path(folder)
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = Path(dirpath).relative_to(folder)
        found.extend((rel / f).as_posix() for f in filenames if not f.startswith("."))
    return sorted(found)


def rewrite_summary(
    folder: str | Path, name: str = "summary.json", extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Re-write ``folder/name`` with ``extra`` merged in and ``files`` = the folder's files now.

    Call it last, once every other file of the job is written. Returns the
    summary as written.
    """
    path = Path(folder) / name
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(extra or {})
    data["schema_version"] = SCHEMA_VERSION
    files = list_files(folder)
    data["files"] = files if name in files else sorted([*files, name])
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return data  # type: ignore[no-any-return]
