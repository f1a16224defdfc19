"""Forked helper processes beside threads that can pause: a terminal's spinner.

The plan forks helper processes (the bound beside the search, half of the key
tables, the tracks and the map) only when no other thread runs: a thread holding a
lock at the fork (stderr's, a console's) would leave it held in the child. On a
terminal the command line's spinner is such a thread, so a planner at a terminal
lost the helpers that a piped run had. A spinner registers here how to pause
(stop its thread, waiting for it) and resume; :func:`other_threads` does not count
its thread, and :func:`start` pauses it for the instant of the fork.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["Pausable", "other_threads", "paused", "register", "start"]


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


def other_threads() -> int:
    """Threads running beside the calling one, those that can pause not counted."""
    pausable = {t for owner in _registered for t in owner.threads() if t.is_alive()}
    return sum(
        t is not threading.current_thread() and t not in pausable for t in threading.enumerate()
    )


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
