"""The program's entry: ``borderwatch`` (the console script) and ``python -m borderwatch``.

A Ctrl-C while the command line's modules are imported (about a second: numpy, pandas,
geopandas, ...) ends the program with one line and exit 130, not a Python traceback.
This module imports nothing of borderwatch's before its guard is up (the package's
``__init__`` imports its names on first use).
"""

from __future__ import annotations

import sys

__all__ = ["main"]

#: the exit status of a program a Ctrl-C ended (128 + SIGINT)
EXIT_INTERRUPTED = 130


def main() -> None:
    """Import the command line, then run it (:func:`borderwatch.cli.main`).

    A Ctrl-C during the imports: ``interrupted`` on stderr, exit 130.
    """
    try:
        from borderwatch.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        raise SystemExit(EXIT_INTERRUPTED) from None
    run()
