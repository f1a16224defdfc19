"""``borderwatch cache info | clear``: the disk cache of road graphs, tables, matchings."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from borderwatch.cli.app import app
from borderwatch.cli.common import check_choice, err, guarded, out
from borderwatch.errors import OutputWriteError

__all__ = ["cache_app"]

cache_app = typer.Typer(
    help="The disk cache (parsed road graphs, their tables, matchings, key-node tables): "
    "where it is, what it holds, emptying it. Its folder: $BORDERWATCH_CACHE_DIR, else "
    "$XDG_CACHE_HOME/borderwatch, else ~/.cache/borderwatch; its size limit: "
    "$BORDERWATCH_CACHE_MAX (default 2G); BORDERWATCH_NO_CACHE=1 turns it off.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(cache_app, name="cache")


def _unreachable(root: Path) -> str | None:
    """Why the cache folder ``root`` cannot be reached, or None (there, or not made yet).

    Not reachable: a folder above it the user cannot enter (``BORDERWATCH_CACHE_DIR``
    under another user's home), or a file where a folder of its path should be.
    """
    try:
        root.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        for above in reversed(root.parents):  # from the top down: the first in the way
            try:
                st = above.stat()
            except OSError:
                break
            if not stat.S_ISDIR(st.st_mode):
                return f"{above} is a file, not a folder"
            if not os.access(above, os.X_OK):
                mode = f"{stat.S_IMODE(st.st_mode):04o}"
                return f"{above} cannot be entered by you (owned by uid {st.st_uid}, mode {mode})"
        return f"{root}: {exc.strerror}"
    return None


def _facts() -> dict[str, Any]:
    """What ``cache info`` says, as its ``--json`` holds it."""
    from borderwatch.data import road_cache as rc

    root = rc.cache_folder()
    limit, source = rc.cache_limit()
    unreachable = _unreachable(root)
    scan = rc.scan_cache(root)
    found = None if unreachable else rc.folder_problem(root)
    kinds = {k: {"entries": 0, "bytes": 0} for k in rc.KINDS}
    for entry in scan.entries:
        kinds[entry.kind]["entries"] += 1
        kinds[entry.kind]["bytes"] += entry.size
    return {
        "folder": str(root),
        "exists": not unreachable and root.is_dir(),
        "on": rc.cache_dir() is not None,
        "unreachable": unreachable,
        "problem": None if found is None else {"path": str(found[0]), "why": found[1]},
        "limit_bytes": limit,
        "limit_from": source,
        "kinds": kinds,
        "entries": len(scan.entries),
        "bytes": sum(e.size for e in scan.entries),
        "temporary": {"files": len(scan.temporary), "bytes": sum(e.size for e in scan.temporary)},
    }


@cache_app.command("info")
def info_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Where the cache is, what it holds per kind, its size limit.

    Also says whether it is used: off (BORDERWATCH_NO_CACHE=1), not reachable (a
    folder above it you cannot enter, or a file in its path), or refused because a
    folder of it is not yours or others can write it.
    """
    from borderwatch.data.road_cache import NO_CACHE_ENV
    from borderwatch.fmt import data_size

    with guarded():
        facts = _facts()
        if as_json:
            out.print_json(json.dumps(facts, ensure_ascii=False))
            return
        made = "" if facts["exists"] or facts["unreachable"] else " (not made yet)"
        out.print(f"cache folder: {escape(facts['folder'])}{made}", highlight=False)
        if facts["unreachable"]:
            state = f"not reachable: {escape(facts['unreachable'])}; nothing is read or written"
        elif not facts["on"]:
            state = f"off ({NO_CACHE_ENV}=1): nothing is read or written"
        elif facts["problem"]:
            p = facts["problem"]
            where = "not used" if p["path"] == facts["folder"] else "not used in part"
            state = (
                f"{where}: {escape(p['path'])} is {p['why']}, its entries are neither read nor "
                "written (make it yours and 0700)"
            )
        else:
            state = "used"
        out.print(f"state: {state}", highlight=False)
        rows = [("kind", "entries", "size")]
        rows += [(k, str(n["entries"]), data_size(n["bytes"])) for k, n in facts["kinds"].items()]
        rows.append(("total", str(facts["entries"]), data_size(facts["bytes"])))
        temp = facts["temporary"]
        if temp["files"]:  # writes under way, or left by a writer that died
            rows.append(("temporary", str(temp["files"]), data_size(temp["bytes"])))
        for name, count, size in [] if facts["unreachable"] else rows:  # none to count
            out.print(f"{name:<11} {count:>7} {size:>11}", highlight=False)
        limit = facts["limit_bytes"]
        shown = "none" if limit is None else data_size(limit)
        over = (
            "; over it: the next write trims"
            if limit is not None and facts["bytes"] > limit
            else ""
        )
        out.print(
            f"{'limit':<11} {'':>7} {shown:>11} ({escape(facts['limit_from'])}{over})",
            highlight=False,
        )


@cache_app.command("clear")
def clear_command(
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            metavar="KIND",
            help="Only this kind: roads, derived, matchings or key-tables (repeat for more; "
            "default: all).",
        ),
    ] = None,
) -> None:
    """Remove the cache's entries (any other file in its folder stays).

    Only the files the cache writes are removed, also with the cache turned off. Prints
    what it removed; exit 2 on an unknown --kind, 4 where the folder cannot be reached.
    """
    from borderwatch.data import road_cache as rc
    from borderwatch.fmt import data_size

    with guarded():
        for k in kind or ():
            check_choice("--kind", k, rc.KINDS)
        kinds = [k for k in rc.KINDS if not kind or k in kind]
        root = rc.cache_folder()
        unreachable = _unreachable(root)
        if unreachable:
            raise OutputWriteError(f"cannot clear {root}: not reachable: {unreachable}")
        removed = rc.clear_cache(root, kinds)
        if not removed:
            out.print(f"nothing to remove in {escape(str(root))}", highlight=False)
            return
        counts = {k: sum(e.kind == k for e in removed) for k in kinds}
        per_kind = ", ".join(f"{k} {n}" for k, n in counts.items() if n)
        size = data_size(sum(e.size for e in removed))
        out.print(
            f"removed {len(removed)} files ({size}) from {escape(str(root))}: {per_kind}",
            highlight=False,
        )
        left = rc.scan_cache(root, kinds)
        if left.temporary:
            err.print(
                f"{len(left.temporary)} temporary files of writes under way left",
                highlight=False,
            )
