"""The ``borderwatch`` command line (Typer): one package, a module per command group.

Each module parses its options (checking them before any slow work), calls the
library and prints; nothing else. ``common`` holds what they share (consoles,
option types, error handling with exit codes by error class, progress).

=============  ==================================================
module         commands
=============  ==================================================
``scenario``   ``scenario info | validate | generate``, ``network export``
``gaps``       ``gaps``, ``site``
``plan``       ``plan``, ``teams``
``replan``     ``replan``
``maps``       ``map``
``roster``     ``roster``
``batch``      ``batch``
``log``        ``log record | night | report``
``cache``      ``cache info | clear``
=============  ==================================================
"""

from __future__ import annotations

import importlib

from borderwatch.cli.app import app

__all__ = ["app", "main"]

# Registering the commands on ``app`` is what importing their modules does.
for _name in (
    "scenario",
    "gaps",
    "plan",
    "replan",
    "maps",
    "roster",
    "batch",
    "brief",
    "log",
    "cache",
):
    try:
        importlib.import_module(f"borderwatch.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command module not written yet (brief)
        if exc.name != f"borderwatch.cli.{_name}":
            raise


def main() -> None:
    """The ``borderwatch`` program: one command in this process, then its end.

    What the console script and ``python -m borderwatch`` run: the app (:data:`app`,
    which tests drive in their own process) with this process's heap out of the cyclic
    collector's passes (:func:`borderwatch.jobs._common.one_shot_process`).
    """
    from borderwatch.cli.common import interrupts_after_the_command
    from borderwatch.jobs._common import one_shot_process

    one_shot_process()
    with interrupts_after_the_command():  # a Ctrl-C after the command exits 130, saying so
        app(prog_name="borderwatch")
