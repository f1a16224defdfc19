"""What every command shares: consoles, option types, error handling, progress, loading.

Output reads well in a terminal and in a log file: nothing is wrapped at 80 columns
when piped (``soft_wrap``), spinners only on a terminal (else a log line), warnings
print as ``warning: …`` and errors as ``error: …`` with the exit code of their class
(:attr:`borderwatch.errors.BorderwatchError.exit_code`).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from borderwatch import forking
from borderwatch.errors import (
    BorderwatchError,
    ConfigError,
    RosterInfeasibleError,
)

__all__ = [
    "BasemapOpt",
    "ConfigOpt",
    "FolderScenarioOpt",
    "ForceOpt",
    "LangOpt",
    "MaxIterationsOpt",
    "MaxRevisitOpt",
    "NoMapOpt",
    "OfflineOpt",
    "OutDirOpt",
    "ScenarioArg",
    "adding_to",
    "check_choice",
    "check_files",
    "err",
    "guarded",
    "interrupts_after_the_command",
    "load_network",
    "load_scenario_config",
    "out",
    "parse_night_date",
    "shown_warnings",
    "step",
    "typed_error",
]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("borderwatch.cli")

ScenarioArg = Annotated[
    str, typer.Argument(help="Embedded scenario name (ningming) or a scenario folder.")
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML file of PlanConfig options.", exists=False),
]
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Map language: zh or en (default: zh for Chinese scenarios)."),
]
OfflineOpt = Annotated[
    bool,
    typer.Option(
        "--offline/--online", help="Inline every script in map.html (no CDN; default) or link them."
    ),
]
OutDirOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Write into a non-empty folder.")]
NoMapOpt = Annotated[bool, typer.Option("--no-map", help="Do not write map.html.")]
MaxRevisitOpt = Annotated[
    float | None,
    typer.Option(help="Revisit-interval target, minutes (default: the scenario's, 120).", min=1),
]
BasemapOpt = Annotated[
    str | None,
    typer.Option("--basemap", help="xyzservices name, a {z}/{x}/{y} URL/folder, or none."),
]
MaxIterationsOpt = Annotated[
    int | None,
    typer.Option(
        help="Stop the routing search after this many iterations: the same files on any "
        "machine (--time-limit then only caps it).",
        min=0,
    ),
]
FolderScenarioOpt = Annotated[
    str | None,
    typer.Option(help="Scenario the folder was made from (default: as recorded in it)."),
]


def _print_warning(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False)


class _WarningLog(logging.Filter):
    """One line per warning: a library WARNING log record prints as ``warning: …``.

    Library code often logs a warning and issues it as a Python warning (e.g.
    :func:`borderwatch.data.validate.warn`); both used to reach the terminal
    (``WARNING borderwatch…: x`` and ``warning: x``). This filter, on the
    terminal's log handler, prints a ``borderwatch.*`` WARNING record as
    ``warning: …`` and counts it, so that the Python warning of the same text
    that follows is not printed again.
    """

    def __init__(self) -> None:
        super().__init__()
        self.pending: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING or not record.name.startswith("borderwatch"):
            return True
        text = record.getMessage()
        self.pending[text] = self.pending.get(text, 0) + 1
        _print_warning(text)
        return False

    def seen(self, text: str) -> bool:
        """Whether ``text`` was printed from the log (then it is not printed again)."""
        left = self.pending.get(text, 0)
        if left:
            self.pending[text] = left - 1
        return left > 0


@contextmanager
def shown_warnings() -> Iterator[None]:
    """Print warnings as ``warning: …`` on stderr while the block runs, each once.

    A warning both logged (WARNING, from a ``borderwatch`` logger) and issued
    as a Python warning prints one line (see :class:`_WarningLog`).
    """
    previous = warnings.showwarning
    dedupe = _WarningLog()
    # the terminal's handler from logging.basicConfig (plain StreamHandlers only: test
    # harnesses' capture handlers keep every record)
    handlers = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        text = str(message)
        if not dedupe.seen(text):
            _print_warning(text)

    warnings.showwarning = show
    for h in handlers[:1]:
        h.addFilter(dedupe)
    try:
        yield
    finally:
        warnings.showwarning = previous
        for h in handlers[:1]:
            h.removeFilter(dedupe)


@contextmanager
def guarded() -> Iterator[None]:
    """Run a command body: warnings as ``warning: …``; errors as one line and their exit code.

    The output folders the body claimed (:func:`borderwatch.atomic.claim_output`) are
    released when it ends, however it ends. A Ctrl-C once the body's output folder is in
    place (:func:`borderwatch.atomic.placed_folders`) ends it with exit 130 and one line
    saying the folder is complete; before that, exit 130 with the old folder as it was.
    """
    from borderwatch.atomic import placed_folders, release_claims

    placed_folders(clear=True)  # this command's folders from here on
    _said.clear()
    _adding.clear()
    try:
        with shown_warnings():
            yield
    except KeyboardInterrupt:
        if not _say_interrupted():
            raise  # nothing in place: Typer's exit 130
        raise typer.Exit(130) from None
    except RosterInfeasibleError as exc:
        err.print(f"[red]infeasible:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except BorderwatchError as exc:
        err.print(f"[red]error:[/] {escape(typed_error(exc))}", highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except OSError as exc:  # a full, read-only or forbidden disk outside the atomic writers
        from borderwatch.atomic import output_error

        error = output_error(exc, exc.filename or ".")
        if error is None:
            raise
        err.print(f"[red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(error.exit_code) from None
    finally:
        release_claims()


#: the interrupt line once said (:func:`_say_interrupted`): one line per command
_said: list[str] = []


def _interrupted_line() -> str | None:
    """The line a Ctrl-C after this command's folders were put in place says, None: none were."""
    from borderwatch.atomic import placed_folders

    done = placed_folders()
    if not done or _said:
        return None
    names = ", ".join(str(p) for p in done)
    missing = "".join(f"; {what} not written into {folder}" for folder, what in _adding)
    return (
        f"interrupted: {names} {'is' if len(done) == 1 else 'are'} complete (written before it)"
        f"{missing}"
    )


#: the steps under way that add files to a folder already in place (:func:`adding_to`)
_adding: list[tuple[Path, str]] = []


@contextmanager
def adding_to(folder: Path, what: str) -> Iterator[None]:
    """A command's step adding ``what`` to its ``folder`` once that is in place.

    A Ctrl-C in it says the folder is complete and ``what`` is not written into it
    (``plan --brief``'s briefing), where the line said the folder was complete alone.
    The step stays recorded when it raises (the line is said after it); :func:`guarded`
    forgets it at the next command.
    """
    _adding.append((folder, what))
    yield
    _adding.remove((folder, what))


def _say_interrupted() -> bool:
    """Print :func:`_interrupted_line` once on stderr; whether this command's folders are in place."""
    line = _interrupted_line()
    if line is not None:
        _said.append(line)
        err.print(escape(line), highlight=False)
    return bool(_said)


def _exit_at_once(signum: int, frame: object) -> None:
    """The program's Ctrl-C after its command: that line (raw, no console), then exit 130."""
    line = _interrupted_line()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    if line is not None:
        with contextlib.suppress(OSError):
            os.write(2, f"{line}\n".encode())
    os._exit(130)


def _ctrl_c_kills() -> None:
    """At exit, after the callbacks registered during the command: a Ctrl-C ends the process."""
    if signal.getsignal(signal.SIGINT) is _exit_at_once:
        signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def interrupts_after_the_command() -> Iterator[None]:
    """The ``borderwatch`` program's command: a Ctrl-C after it is not swallowed.

    Once the command has ended, a ``KeyboardInterrupt`` in the process's exit (the
    ``atexit`` callbacks, Python's teardown) was ignored: a Ctrl-C there ended with exit
    0. From the command's end on, a Ctrl-C exits 130 at once, saying which folders are
    complete (:func:`guarded`'s line); late in the exit it ends the process by the
    signal. A process that ignores SIGINT (a background job) keeps ignoring it. Only
    for the program (:func:`borderwatch.cli.main`): tests drive the app in their process.
    """
    atexit.register(_ctrl_c_kills)  # runs after the callbacks the command registers
    try:
        yield
    except SystemExit as exc:
        if exc.code == 130:  # Typer's exit for a Ctrl-C between guarded() and here
            _say_interrupted()
        raise
    except KeyboardInterrupt:  # after Typer's reach
        _say_interrupted()
        raise SystemExit(130) from None
    finally:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _exit_at_once)


def typed_error(exc: BorderwatchError) -> str:
    """The error's text, naming a value of this command's line by its option as typed.

    The library names a value by its field (``option 'night_window'``); where no file
    holds it and the running command has that option, the line says ``--night-window``.
    """
    text = str(exc)
    field, word = getattr(exc, "field", None), getattr(exc, "_field_word", "field")
    if not isinstance(field, str) or getattr(exc, "file", None) is not None:
        return text
    typed = "--" + field.replace("_", "-")
    if typed not in _command_options():
        return text
    return text.replace(f"{word} {field!r}", typed, 1)


def _command_options() -> set[str]:
    """The option names (``--teams`` ...) of the command running now (none outside one)."""
    import importlib

    for name in ("typer._click.globals", "click.globals"):  # typer >= 0.20 carries its own click
        try:
            ctx = importlib.import_module(name).get_current_context(silent=True)
        except ImportError:
            continue
        if ctx is not None:
            return {o for p in ctx.command.params for o in getattr(p, "opts", ())}
    return set()


def _progress_line(message: str) -> None:
    """One plain progress line on stderr (a cron log reads it), with the wall-clock time."""
    if os.environ.get("BORDERWATCH_QUIET"):
        return
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"{stamp} {message.rstrip(' …')}", file=sys.stderr, flush=True)


class _LineStatus:
    """Stands in for a rich status off a terminal: each update is one progress line."""

    def update(self, message: str) -> None:
        _progress_line(message)


def _spinner_pause(status: Any) -> forking.Pausable:
    """How a rich status pauses its refresh thread for a fork (:mod:`borderwatch.forking`)."""

    stopped: list[threading.Thread] = []

    def running() -> list[threading.Thread]:
        thread = getattr(getattr(status, "_live", None), "_refresh_thread", None)
        return [thread] if isinstance(thread, threading.Thread) else []

    def threads() -> list[threading.Thread]:  # a stopped one that has not ended yet too
        return running() + [t for t in stopped if t.is_alive()]

    def pause() -> None:
        stopped[:] = running()
        status.stop()
        for thread in stopped:  # rich's stop() only asks it to end
            thread.join(timeout=1.0)

    return forking.Pausable(threads=threads, pause=pause, resume=status.start)


@contextmanager
def step(message: str) -> Iterator[Any]:
    """A spinner with ``message`` on a terminal; a progress line elsewhere.

    Off a terminal (piped, cron) every step and update prints one line on stderr,
    ``HH:MM:SS message``, so that a log shows what a long run is doing
    (``BORDERWATCH_QUIET=1`` turns them off). Yields an object with ``update``.
    """
    if sys.stderr.isatty():
        with err.status(message, spinner="dots") as status:
            unregister = forking.register(_spinner_pause(status))
            try:
                yield status
            finally:
                unregister()
    else:
        _progress_line(message)
        yield _LineStatus()


def check_choice(option: str, value: str | None, allowed: Sequence[str]) -> None:
    """Refuse an option value outside ``allowed`` before any slow work."""
    if value is not None and value not in allowed:
        raise ConfigError(f"allowed: {', '.join(allowed)}", field=option, value=value)


def check_files(option: str, paths: Sequence[Path] | None) -> None:
    """Refuse a missing input file or folder before any slow work."""
    for p in paths or ():
        if not Path(p).exists():
            raise ConfigError("no such file or folder", field=option, value=str(p))


def parse_night_date(text: str | None) -> date | None:
    """``--night YYYY-MM-DD`` as a date (None when not given)."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ConfigError("not a date YYYY-MM-DD", field="--night", value=text) from None
    if not 1900 <= day.year <= 9998:  # a night runs into the next day, GPX times need room
        raise ConfigError("a date of the years 1900-9998", field="--night", value=text)
    return day


def load_scenario_config(scenario: str, config: Path | None) -> tuple[Any, Any]:
    """Load a scenario and its PlanConfig (scenario defaults, then ``--config``)."""
    from borderwatch.data import load_scenario

    check_files("--config", [config] if config else None)
    limits = None
    if config:  # a --config [limits] table guards the scenario's files too
        from borderwatch.config import read_toml
        from borderwatch.limits import limits_from_mapping

        limits = read_toml(config, what="config file").get("limits")
        if limits is not None:  # checked here to name the file: the scenario's loader cannot
            limits_from_mapping(limits, file=config)
    with step(f"loading scenario {scenario} …"):
        scn = load_scenario(scenario, limits=limits)
    return scn, scn.resolve_config(config)


def load_network(scenario: str, config: Path | None) -> Any:
    """Load a scenario and build its PatrolNetwork under its config (and ``--config``)."""
    from borderwatch.data import build_network

    scn, cfg = load_scenario_config(scenario, config)
    with step("building the patrol network …"):
        return build_network(scn, cfg)
