"""A plan folder's tracks and map, written by a forked process beside the plan's last steps."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderwatch import forking

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from borderwatch.data.network import PatrolNetwork
    from borderwatch.plan.patrols import PatrolPlan

__all__ = ["FilesBeside"]

logger = logging.getLogger(__name__)

#: Seconds :meth:`FilesBeside.finish` waits for a word from the files' process before it
#: stops it and writes its files here (a hung child, not a failed one: Ningming's tracks
#: and map take ~1 s there, 2,000 km's under a minute).
FILES_WAIT_S = 300.0


def _child(
    conn: Connection,
    network: PatrolNetwork,
    plan: PatrolPlan,
    out: Path,
    night: date,
    map_html: bool,
) -> None:
    """The forked process of :class:`FilesBeside`: the tracks, then the map when asked.

    An error goes to the parent (:func:`forking.beside`), which writes the files itself;
    a parent gone away (its job failed) ends the wait for the map.
    """
    from borderwatch.planfiles.export import write_plan_tracks

    write_plan_tracks(network, plan, out, night=night)
    conn.send(("tracks", None))
    if map_html:
        import borderwatch.maps  # noqa: F401  (folium and the templates, while the parent works)
        from borderwatch.jobs.maps import render_maps

        kind, kwargs = conn.recv()
        if kind == "map":
            render_maps(network, out, plan=plan, **kwargs)
            conn.send(("map", None))


class FilesBeside:
    """The tracks and ``map.html`` of a plan folder, written beside the odds and ``plan.json``.

    Once the loops are placed and scheduled (:class:`~borderwatch.plan.patrols.PlanDraft`),
    the bound's process (:class:`~borderwatch.plan.patrols.BoundBeside`) is about to end
    and the machine's second core then idles while this process computes the coverage
    after the plan, the detection odds and ``plan.json``. A process forked
    here writes the tracks at once (:func:`~borderwatch.planfiles.export.write_plan_tracks`:
    ``routes.geojson``, ``routes.gpx``, ``gpx/<team>.gpx``, which depend on the plan
    only), imports the map's modules, and renders ``map.html`` when :meth:`render_map`
    hands it the coverage report and ``plan.json``'s figures. The files are the same
    bytes whichever process writes them, into the same staging folder
    (:func:`borderwatch.atomic.atomic_folder`), each atomically. Without a process
    (no ``fork`` start method, other threads running, a daemonic process, no core
    spare by the bound's rule, ``plan.patrols._spare_core``, unless the bound's own
    process holds one: the plan job passes ``fork=True`` then) this process writes them;
    what the process fails to write, this one writes again (:meth:`finish`).

    Parameters
    ----------
    network, plan
        The plan's network and plan.
    out
        The staging folder of the plan folder.
    night
        The date the night window starts on.
    map_html
        Whether ``map.html`` will be asked for (:meth:`render_map`).
    fork
        Whether to try a forked process (default: when it is safe, see above).
    """

    def __init__(
        self,
        network: PatrolNetwork,
        plan: PatrolPlan,
        out: Path,
        *,
        night: date,
        map_html: bool = True,
        fork: bool | None = None,
    ) -> None:
        from borderwatch.plan import patrols

        self.network, self.plan, self.out, self.night = network, plan, out, night
        self.map_html = map_html
        self._map: dict[str, Any] | None = None
        self._child: forking.Child | None = None
        if fork is None:
            fork = patrols._fork_helps()
        if fork:
            self._child = forking.beside(
                _child,
                network,
                plan,
                out,
                night,
                map_html,
                name="borderwatch-files",
                duplex=True,
                log=logger,
                refused="plan files beside: no process (%s), written here",
            )

    @property
    def forked(self) -> bool:
        """Whether a child process writes the tracks (and the map)."""
        return self._child is not None

    def render_map(self, **kwargs: Any) -> None:
        """``map.html``: :func:`~borderwatch.jobs.maps.render_maps` of ``kwargs`` (its
        ``report``, ``plan_summary``, ``lang`` ...; the network, folder and plan are this
        object's), handed to the process, or rendered here."""
        self._map = kwargs
        if self._child is not None:
            self._child.send("map", kwargs)  # a process gone: finish() writes it here
            return
        self._render_here()

    def _render_here(self) -> None:
        from borderwatch.jobs.maps import render_maps

        if self._map is not None:
            render_maps(self.network, self.out, plan=self.plan, **self._map)

    def finish(self) -> None:
        """Wait for the process's files; write here what it did not write.

        What the process failed to write (it raised, or ended without a word) is
        written again here, its error logged as a warning with its message: a fault
        of the process alone (say PROJ's database handle, which a forked process shares
        with this one, pyproj issue 426) costs the seconds, never the plan; an error
        that is the folder's or the data's is raised here by the same writer.

        Raises
        ------
        Exception
            What writing the tracks or the map here raised.
        """
        if self._child is None:
            return
        child, self._child = self._child, None
        want = {"tracks"} | ({"map"} if self._map is not None else set())
        got: set[str] = set()
        try:
            if self.map_html and self._map is None:
                child.send("stop")  # no map after all: the process may end
            while got != want:
                kind, value = child.recv(FILES_WAIT_S)
                if kind == "hung":  # not failed: stop it, write here
                    logger.warning(
                        "the plan files' process gave no word in %.0f s: stopped, written here",
                        FILES_WAIT_S,
                    )
                    child.stop()
                    break
                if kind == "lost":
                    logger.warning("the plan files' process ended without a word: written here")
                    break
                if kind == "error":
                    logger.warning(
                        "the plan files' process failed (%s): written here", forking.why(value)
                    )
                    break
                got.add(kind)
        finally:
            child.finish()
        if got == want:
            return
        _drop_temporaries(self.out, child.pid)
        if "tracks" not in got:
            from borderwatch.planfiles.export import write_plan_tracks

            write_plan_tracks(self.network, self.plan, self.out, night=self.night)
        if "map" not in got:
            self._render_here()

    def close(self) -> None:
        """Stop the process if it was not waited for (the plan job failed)."""
        if self._child is not None:
            self._child.stop()
            self._child = None


def _drop_temporaries(out: Path, pid: int | None) -> None:
    """Remove what a dead process's unfinished atomic writes left in ``out``."""
    if pid is None:
        return
    for tmp in out.rglob(f".*.{pid}.*.tmp*"):
        tmp.unlink(missing_ok=True)
