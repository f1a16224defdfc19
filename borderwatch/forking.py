"""Forked helper processes beside threads that can pause: a terminal's spinner.

The plan forks helper processes (the bound beside the search, half of the key
tables, the tracks and the map) only when no other thread runs: a thread holding a
lock at the fork (stderr's, a console's) would leave it held in the child. On a
terminal the command line's spinner is such a thread, so a planner at a terminal
lost the helpers that a piped run had. A spinner registers here how to pause
(stop its thread, waiting for it) and resume; :func:`other_threads` does not count
its thread, and :func:`start` pauses it for the instant of the fork.

:func:`beside` is the one way the plan forks a helper: a child running a function
whose words (``(kind, value)``, its error as ``("error", exc)``) come back through a
pipe (:class:`Child`), or None where no process could start; the caller computes in
this process what the child does not deliver.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import resource
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

__all__ = [
    "Child",
    "ChildError",
    "ChildLost",
    "Pausable",
    "beside",
    "blocking_threads",
    "cgroup_cpus",
    "other_threads",
    "paused",
    "register",
    "spare_core",
    "start",
    "usable_cpus",
    "why",
]


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pausable:
    """A thread owner that can stop its threads for a fork and start them again.

    Parameters
    ----------
    threads
        The threads it runs now (alive ones are not counted by :func:`other_threads`).
    pause
        Stops them and returns once they have ended.
    resume
        Starts them again.
    """

    threads: Callable[[], Sequence[threading.Thread]]
    pause: Callable[[], None]
    resume: Callable[[], None]


_registered: list[Pausable] = []


def register(owner: Pausable) -> Callable[[], None]:
    """Register ``owner``; returns the function that unregisters it."""
    _registered.append(owner)

    def unregister() -> None:
        if owner in _registered:
            _registered.remove(owner)

    return unregister


def cgroup_cpus(cpu_max: str) -> float | None:
    """The CPUs a cgroup v2 ``cpu.max`` text allows (quota / period), None for no limit.

    ``"100000 100000"`` is one CPU, ``"150000 100000"`` one and a half, ``"max 100000"``
    no limit; an unreadable text is no limit either.

    Parameters
    ----------
    cpu_max
        The file's text: ``"<quota> <period>"`` in microseconds, or ``"max <period>"``.

    Returns
    -------
    float or None
        The quota over the period; None for no limit.
    """
    parts = cpu_max.split()
    if not parts or parts[0] == "max":
        return None
    try:
        quota, period = int(parts[0]), int(parts[1]) if len(parts) > 1 else 100_000
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def _own_cgroup(controller: str = "", text: str | None = None) -> str:
    """This process's cgroup path from ``/proc/self/cgroup`` (or ``text``), ``"/"`` where none.

    ``controller`` empty: the cgroup v2 line (``0::<path>``); else the cgroup v1 line
    whose hierarchy holds that controller (``4:cpu,cpuacct:<path>``).
    """
    if text is None:
        try:
            text = Path("/proc/self/cgroup").read_text(encoding="utf-8")
        except OSError:
            text = ""
    for line in text.splitlines():
        hierarchy, _, rest = line.partition(":")
        names, colon, path = rest.partition(":")
        wanted = controller in names.split(",") if controller else hierarchy == "0" and not names
        if colon and wanted:
            return path
    return "/"


def _tightest(root: Path, own: str, read: Callable[[Path], float | None]) -> float | None:
    """The smallest ``read(level)`` of the cgroup folder ``root/own`` and its parents up to ``root``."""
    limits: list[float] = []
    folder = root / own.strip("/")
    for level in (folder, *folder.parents):
        try:
            limit = read(level)
        except (OSError, ValueError):
            limit = None
        if limit is not None:
            limits.append(limit)
        if level == root:
            break
    return min(limits) if limits else None


def _cgroup_limit(root: Path = Path("/sys/fs/cgroup"), own: str | None = None) -> float | None:
    """The tightest CPU limit of a cgroup v2 and its parents (``cpu.max`` under ``root``).

    ``own``: the cgroup's path (default this process's, ``/proc/self/cgroup``'s ``0::`` line).
    """
    return _tightest(
        root,
        _own_cgroup() if own is None else own,
        lambda level: cgroup_cpus((level / "cpu.max").read_text(encoding="ascii")),
    )


def _v1_cpus(level: Path) -> float | None:
    """A cgroup v1 folder's CFS quota over its period (``-1``: no limit), None for no limit."""
    quota = int((level / "cpu.cfs_quota_us").read_text(encoding="ascii"))
    period = int((level / "cpu.cfs_period_us").read_text(encoding="ascii"))
    return quota / period if quota > 0 and period > 0 else None


def _cgroup_v1_limit(root: Path = Path("/sys/fs/cgroup"), own: str | None = None) -> float | None:
    """The tightest CFS quota of a cgroup v1 ``cpu`` hierarchy and its parents.

    The hierarchy is mounted at ``root/cpu,cpuacct`` or ``root/cpu`` (the first that
    is a folder); ``own``: the cgroup's path in it (default this process's,
    ``/proc/self/cgroup``'s line naming ``cpu``).
    """
    mount = next((root / n for n in ("cpu,cpuacct", "cpu") if (root / n).is_dir()), None)
    if mount is None:
        return None
    return _tightest(mount, _own_cgroup("cpu") if own is None else own, _v1_cpus)


def _affinity() -> set[int] | None:
    """The CPUs this process may run on (``sched_getaffinity``), None where unknown."""
    try:
        return os.sched_getaffinity(0)
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return None


def usable_cpus(root: Path = Path("/sys/fs/cgroup")) -> int:
    """The CPUs this process can use: its affinity, then its cgroup's quota (rounded down).

    ``os.cpu_count()`` counts the machine's; a process pinned to some of them
    (``taskset``) or in a container limited by cgroup v2 (``cpu.max``, e.g.
    ``100000 100000``: one CPU) or by cgroup v1 (``cpu.cfs_quota_us`` over
    ``cpu.cfs_period_us``) can use fewer.

    Parameters
    ----------
    root
        Where the cgroup file systems are mounted (a test's fake folder).

    Returns
    -------
    int
        The CPUs of the affinity mask, at most the tightest cgroup quota over its
        period rounded down; at least 1.
    """
    mine = _affinity()
    cpus = len(mine) if mine else (os.cpu_count() or 1)
    for limit in (_cgroup_limit(root), _cgroup_v1_limit(root)):
        if limit is not None:
            cpus = min(cpus, int(limit))
    return max(1, cpus)


def _cpu_sample() -> tuple[float, int, int, float, int] | None:
    """(monotonic s, idle jiffies, all jiffies, reaped children's CPU s, CPUs), or None.

    The counters from Linux's ``/proc/stat`` of the CPUs this process may run on
    (its affinity; each ``cpuN`` line; all of them: the first line) (idle counts
    ``iowait`` too, all leaves out the guest columns, already in ``user``); the CPU
    time of this process's children that have ended and been waited for.
    """
    mine = _affinity()
    idle = every = cpus = 0
    try:
        with Path("/proc/stat").open(encoding="ascii") as stat:
            for line in stat:
                fields = line.split()
                if not fields or not fields[0].startswith("cpu"):
                    break
                n = fields[0][3:]
                wanted = n == "" if mine is None else n.isdigit() and int(n) in mine
                if not wanted:
                    continue
                ticks = [int(x) for x in fields[1:9]]
                if len(ticks) < 5:
                    return None
                idle, every, cpus = idle + ticks[3] + ticks[4], every + sum(ticks), cpus + 1
    except (OSError, ValueError):
        return None
    if not cpus:
        return None
    if mine is None:
        cpus = os.cpu_count() or 1
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.monotonic(), idle, every, children.ru_utime + children.ru_stime, cpus


#: the last sample :func:`spare_core` measures from (first: when this module loaded)
_mark = _cpu_sample()

#: the shortest and longest spans (s) over which idle time says more than the load average
_IDLE_SPAN_S = (0.25, 60.0)


def _idle_cores() -> float | None:
    """Cores idle or running this process's own helpers, on average since the last sample.

    None: no sample, or a span out of :data:`_IDLE_SPAN_S`. A helper that ran since
    then (the bound's process beside the search) kept a core busy that the next
    helper may use once it has ended: its CPU time counts as idle.
    """
    global _mark
    before, now = _mark, _cpu_sample()
    if now is None or before is None or not _IDLE_SPAN_S[0] <= now[0] - before[0]:
        return None
    _mark = now
    span = now[0] - before[0]
    if span > _IDLE_SPAN_S[1] or now[2] <= before[2]:
        return None
    return now[4] * (now[1] - before[1]) / (now[2] - before[2]) + (now[3] - before[3]) / span


def spare_core() -> bool:
    """Whether a core is likely idle for a helper process.

    Measured first as the machine's idle time since the previous call (or since this
    module loaded: the command's own imports and set-up, about a second), this
    process's ended helpers counted as idle (:func:`_idle_cores`): at least half a
    core. Where that span is under a quarter of a second or over a minute, or on a
    system without ``/proc/stat``, the 1-minute load average at most the cores less one.
    The load average alone kept every helper off for about a minute after any
    command ended (one ``plan`` adds 0.2-0.4 to it), so that back-to-back plans on an
    idle machine ran without them. The choice changes the seconds only, never the
    results (the helpers compute what the caller would). Cores are those this process
    can use (:func:`usable_cpus`): a process pinned to one CPU, or in a container
    whose cgroup allows one, has none to spare however idle the machine is.
    """
    usable = usable_cpus()
    if usable < 2:
        logger.debug("usable CPUs: %d, none to spare", usable)
        return False
    idle = _idle_cores()
    if idle is not None:
        logger.debug("cores idle since the last look: %.2f", idle)
        return idle >= 0.5
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - no load average on this system
        return True
    logger.debug("1-minute load average: %.2f", load)
    return load <= usable - 1


def blocking_threads() -> list[threading.Thread]:
    """The threads running beside the calling one that keep a fork off (not those that can pause)."""
    pausable = {t for owner in _registered for t in owner.threads() if t.is_alive()}
    me = threading.current_thread()
    return [t for t in threading.enumerate() if t is not me and t not in pausable]


def other_threads() -> int:
    """Threads running beside the calling one, those that can pause not counted."""
    return len(blocking_threads())


@contextmanager
def paused() -> Iterator[None]:
    """Every registered owner's threads stopped inside the block, started again after it."""
    done: list[Pausable] = []
    try:
        for owner in list(_registered):
            owner.pause()
            done.append(owner)
        yield
    finally:
        for owner in reversed(done):
            owner.resume()


def start(process: Any) -> None:
    """``process.start()`` (a forking multiprocessing process) with the pausable threads paused.

    Raises
    ------
    OSError
        A registered thread did not end when paused: no fork (the callers then compute
        in this process).
    """
    with paused():
        alive = [t.name for owner in _registered for t in owner.threads() if t.is_alive()]
        if alive:
            raise OSError(f"threads still running at the fork: {', '.join(alive)}")
        process.start()


class ChildError(Exception):
    """An exception of a :func:`beside` child that pickle could not carry (or no
    :class:`Exception`, such as a ``KeyboardInterrupt``): its type's name and text."""


class ChildLost(Exception):
    """A :func:`beside` child ended without the result waited for (:meth:`Child.result`)."""


def why(exc: BaseException) -> str:
    """``"Type: text"`` of ``exc`` (a child's error as the warnings name it)."""
    return str(exc) if isinstance(exc, ChildError) else f"{type(exc).__name__}: {exc}"


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if the parent can receive and raise it, else a :class:`ChildError` of its text."""
    if isinstance(exc, Exception):
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:  # an exception pickle cannot carry: its text
            pass
        else:
            return exc
    return ChildError(why(exc))


def _run(
    target: Callable[..., None], conn: Connection, other: Connection, args: tuple[Any, ...]
) -> None:
    """A :func:`beside` child: ``target(conn, *args)``; what it raises goes up as ``("error", exc)``."""
    other.close()  # the parent's end: a parent that dies then ends this one's recv()
    try:
        target(conn, *args)
    except BaseException as exc:  # the parent raises it, or logs it and computes itself
        with contextlib.suppress(OSError):  # the parent went away: no one to tell
            conn.send(("error", _portable(exc)))
    finally:
        conn.close()


class Child:
    """A process forked by :func:`beside`, seen from this process: its pipe's other end.

    The child's words are ``(kind, value)`` pairs: its own (``"ok"`` carries the result
    :meth:`result` waits for), and ``("error", exc)`` when its target raised. Two words
    never come from the child: ``("lost", None)`` (it ended, or its pipe closed, without
    one) and ``("hung", None)`` (no word within the time :meth:`recv` was given).

    Parameters
    ----------
    process
        The started child process.
    conn
        This process's end of the pipe.
    """

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self._process = process
        self._conn: Connection | None = conn
        self._next: tuple[str, Any] | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id."""
        return self._process.pid

    def is_alive(self) -> bool:
        """Whether the child process runs."""
        return self._process.is_alive()

    def send(self, kind: str, value: Any = None) -> bool:
        """Send the child ``(kind, value)`` (a duplex pipe); False if it has gone."""
        if self._conn is None:
            return False
        try:
            self._conn.send((kind, value))
        except OSError:
            return False
        return True

    def peek(self, timeout: float | None = None) -> tuple[str, Any]:
        """The child's next word, left for the next :meth:`recv` (see :meth:`recv`)."""
        if self._next is not None:
            return self._next
        word = self._receive(timeout)
        if word[0] != "hung":
            self._next = word
        return word

    def recv(self, timeout: float | None = None) -> tuple[str, Any]:
        """The child's next word; ``("lost", None)`` if it ended without one, ``("hung",
        None)`` if none came within ``timeout`` seconds (default: wait)."""
        word = self.peek(timeout)
        self._next = None
        return word

    def _receive(self, timeout: float | None) -> tuple[str, Any]:
        if self._conn is None:
            return ("lost", None)
        try:
            if timeout is not None and not self._conn.poll(timeout):
                return ("hung", None)
            word: tuple[str, Any] = self._conn.recv()
        except (EOFError, OSError):
            return ("lost", None)
        return word

    def result(self) -> Any:
        """The value of the child's ``("ok", value)`` word (its other words passed over);
        the child is then :meth:`finish`-ed.

        Returns
        -------
        Any
            The child's result.

        Raises
        ------
        Exception
            The exception the child raised (a :class:`ChildError` if it could not come).
        ChildLost
            The child ended without a result.
        """
        try:
            while True:
                kind, value = self.recv()
                if kind == "ok":
                    return value
                if kind == "error":
                    raise value
                if kind == "lost":
                    raise ChildLost("it ended without a result")
        finally:
            self.finish()

    def finish(self) -> None:
        """Close this end of the pipe and wait for the child to end."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._process.join()

    def stop(self) -> None:
        """Stop the child (not waited for, or hung), wait for it, close the pipe."""
        if self._process.is_alive():
            self._process.terminate()
        self.finish()


def beside(
    target: Callable[..., None],
    *args: Any,
    name: str,
    log: logging.Logger,
    refused: str,
    duplex: bool = False,
) -> Child | None:
    """``target(conn, *args)`` in a forked daemonic process beside this one, or None.

    The one way the plan forks its helpers (the bound beside the search, half of the
    key tables, the tracks and the map): a ``fork`` context's pipe and process, started
    with the pausable threads paused (:func:`start`). The caller decides whether to fork
    (a core spare, :func:`other_threads` none) and computes in this process what the
    child does not deliver: where the fork is refused (None), where the child fails or
    is lost (:meth:`Child.result`, :meth:`Child.recv`).

    Parameters
    ----------
    target
        The child's work; it gets the child's end of the pipe first and sends its
        words there as ``(kind, value)``; what it raises is sent as ``("error", exc)``.
    *args
        The rest of ``target``'s arguments (inherited by the fork, not pickled).
    name
        The process's name.
    log
        The caller's logger: a refused fork is logged there at debug level.
    refused
        That line, with one ``%s`` for the reason.
    duplex
        A pipe both ways (:meth:`Child.send`); default: the child's words only.

    Returns
    -------
    Child or None
        The started child; None where no process could start (no ``fork`` start
        method, a paused thread that did not end, the system's refusal).
    """
    ends: tuple[Connection, Connection] | None = None
    try:
        ctx = multiprocessing.get_context("fork")
        ends = mine, theirs = ctx.Pipe(duplex=duplex)  # one way: (receiving end, sending end)
        process = ctx.Process(
            target=_run, args=(target, theirs, mine, args), name=name, daemon=True
        )
        start(process)
        theirs.close()
    except (OSError, AssertionError, ValueError) as exc:
        for end in ends or ():
            end.close()
        log.debug(refused, exc)
        return None
    return Child(process, mine)
