"""The patrol plan: required roads → min-max routes → night schedule, with the bound beside it."""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from borderwatch import forking
from borderwatch.config import SearchParams
from borderwatch.coverage.revisit import revisits
from borderwatch.coverage.risk import risk_weights
from borderwatch.coverage.timeline import PatrolTimeline
from borderwatch.plan.guard import check_routes
from borderwatch.plan.night import NightObjective, night_objective, night_routes, place_loops
from borderwatch.plan.outliers import explain_outliers
from borderwatch.plan.required import RequiredRoads, choose_required_edges
from borderwatch.plan.schedule import LoopPasses, NightSchedule, schedule_night
from borderwatch.routing.assignment import (
    REACH,
    SCALED_GAP_FROM,
    WHOLE_UP_TO,
    BoundStats,
    assignment_bound,
    reaches,
)
from borderwatch.routing.instance import prepare_paths
from borderwatch.routing.minmax import solve_minmax
from borderwatch.routing.patrol import PatrolInstance, TeamRoute, build_instance, route_teams
from borderwatch.routing.population import prepare_search
from borderwatch.routing.result import gap_pct

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from borderwatch.config import NightWindow
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.instance import ArcInstance
    from borderwatch.routing.result import RoutingResult

__all__ = [
    "BESIDE_CAP_FACTOR",
    "BOUND_WARMUP_ITERATIONS",
    "BoundBeside",
    "PlanDraft",
    "bound_cap_s",
    "draft_patrols",
    "finish_plan",
    "night_network",
    "plan_patrols",
    "pruned_bound",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PatrolPlan:
    """Everything a night's patrol plan consists of.

    Attributes
    ----------
    required
        The required roads (set cover of the watch index).
    instance
        The arc-routing instance built from the network.
    routes
        One route per team for the night: its loop, started where the team is
        at the window start, and the approach from its base (see
        :mod:`borderwatch.plan.night`); standby teams have no steps.
    result
        The min-max solver's result (seconds): the first stage, which the
        bound and the optimality gap refer to.
    balanced
        The take-over stage's result (tasks handed from long loops to teams
        with spare capacity).
    schedule
        The night timeline of the loops (every loop starts at the window start,
        so its phases are 0).
    revisits
        Per-unit revisit intervals under the schedule (the coverage engine's table).
    objective
        The night objective (worst revisit, risk-weighted mean revisit, driving).
    seconds
        Wall-clock seconds per step.
    seed
        The seed used.
    """

    required: RequiredRoads
    instance: PatrolInstance
    routes: tuple[TeamRoute, ...]
    result: RoutingResult
    balanced: RoutingResult
    schedule: NightSchedule
    revisits: pd.DataFrame
    objective: NightObjective
    seconds: dict[str, float]
    seed: int

    @property
    def max_loop_min(self) -> float:
        """The longest loop of the night (minutes)."""
        return max((r.loop_s for r in self.routes if r.on_patrol), default=0.0) / 60.0

    @property
    def minmax_loop_min(self) -> float:
        """The longest loop of the min-max stage (minutes), what the bound bounds."""
        return self.result.max_cost / 60.0

    @property
    def standby(self) -> tuple[TeamRoute, ...]:
        """Routes of the teams on standby."""
        return tuple(r for r in self.routes if not r.on_patrol)

    @property
    def bound_min(self) -> float:
        """Lower bound on the longest loop (minutes)."""
        return self.result.lower_bound / 60.0

    @property
    def bound_by_time(self) -> bool:
        """Whether the bound's wall-clock safety cap stopped it (it may differ between runs)."""
        return self.result.bound_by_time

    @property
    def gap_pct(self) -> float:
        """Optimality gap of the min-max loop above the bound (%, never below 0)."""
        return max(0.0, gap_pct(self.result.max_cost, self.result.lower_bound))

    @property
    def opt_gap_pct(self) -> float:
        """The optimality gap (same as :attr:`gap_pct`; not a coverage gap)."""
        return self.gap_pct


def spread_order(network: PatrolNetwork) -> list[str]:
    """Team ids by farthest-point sampling of their bases (projected distance)."""
    teams = network.teams
    xy = np.column_stack([teams.geometry.x, teams.geometry.y])
    mid = network.border.interpolate(0.5, normalized=True)
    first = int(np.argmin(np.hypot(xy[:, 0] - mid.x, xy[:, 1] - mid.y)))
    chosen = [first]
    dist = np.hypot(xy[:, 0] - xy[first, 0], xy[:, 1] - xy[first, 1])
    while len(chosen) < len(xy):
        nxt = int(np.argmax(np.where(np.isin(np.arange(len(xy)), chosen), -1.0, dist)))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(xy[:, 0] - xy[nxt, 0], xy[:, 1] - xy[nxt, 1]))
    return [str(teams.index[i]) for i in chosen]


def bound_cap_s(n_links: int) -> float:
    """The default safety cap of the assignment bound: 30 s, or 0.1 s per required link beyond.

    Measured (benchmarks/results/scale_whole.md): 2,000 km (989 links) takes ~29 s
    for its 4 rounds under load; 0.1 s a link gives it about three times that. Between
    ``WHOLE_UP_TO`` and ``SCALED_GAP_FROM`` links the bound's window step
    (``WINDOW_ROUNDS`` more rounds) gets 60 s more: 500 km took 21 + 41 s at load 8.
    """
    window = 60.0 if WHOLE_UP_TO < n_links <= SCALED_GAP_FROM else 0.0
    return max(30.0, 0.1 * n_links) + window


#: Iterations of the short seeded search whose longest tour prunes the assignment bound
#: when the bound runs beside the search (:class:`BoundBeside`). On Ningming 200
#: iterations reach 88.2 min (the search's 88.1): the bound then takes ~7 s, against
#: ~12 s pruned by the start solution alone (102 min).
BOUND_WARMUP_ITERATIONS = 200
#: The default safety cap of the bound beside the search, in multiples of :func:`bound_cap_s`:
#: at a load average of 4-5 on 2 cores the Ningming bound's ~9 CPU seconds took over 30 s
#: of wall time, and a bound stopped by the cap differs between runs (88.04 against 88.07).
BESIDE_CAP_FACTOR = 4.0


def pruned_bound(
    instance: ArcInstance,
    search: SearchParams,
    time_limit_s: float,
    stats: BoundStats | None = None,
    found: Callable[[], float | None] | None = None,
) -> float:
    """The assignment bound of ``instance`` pruned by a short seeded search of its own.

    The incumbent that prunes the bound's (team, link) pairs is the longest tour of
    :func:`~borderwatch.routing.minmax.solve_minmax` run for
    ``min(BOUND_WARMUP_ITERATIONS, search.max_iterations)`` iterations with
    ``search``'s seed and no time cap, so the bound depends on the instance and
    the seed only, never on the main search or the clock (except its
    ``time_limit_s`` safety cap), and may run beside the search.

    Parameters
    ----------
    instance
        The routing instance.
    search
        The plan's search budget: its seed, ``bound_rounds`` and ``max_iterations``.
    time_limit_s
        Safety cap on the bound's seconds (:func:`bound_cap_s`).
    stats
        Filled in by :func:`~borderwatch.routing.assignment.assignment_bound` (whether
        the cap stopped it: ``stats.by_time``).
    found
        The longest tour of the plan's search so far (:class:`BoundBeside`): the rounds
        stop once they reach it (``assignment_bound``'s ``found``). The plan's bound
        is the same either way (:func:`_with_bound`); this one may then be lower.

    Returns
    -------
    float
        A valid lower bound on the longest tour, never below the basic bound and
        never above the warm-up's longest tour (seconds).
    """
    its = BOUND_WARMUP_ITERATIONS
    if search.max_iterations is not None:
        its = min(its, search.max_iterations)
    warm = solve_minmax(
        instance, SearchParams(time_limit_s=0.0, max_iterations=its, seed=search.seed)
    )
    bound = assignment_bound(
        instance,
        time_limit_s=time_limit_s,
        max_rounds=search.bound_rounds,
        incumbent=warm.max_cost,
        basic=warm.lower_bound,
        stats=stats,
        found=found,
    )
    return min(max(bound, warm.lower_bound), warm.max_cost)


def _spare_core() -> bool:
    """Whether a core is likely idle (:func:`borderwatch.forking.spare_core`).

    On a busy machine the bound's process only competes with this one: at a load
    average of ~7 on 2 cores (benchmarks/results/plan_ningming.md, run 3) the search's
    wall time tripled for the same CPU and the plan took 81 s against 58. The choice
    changes the seconds only, never the bound (:class:`BoundBeside`).
    """
    return forking.spare_core()


def _fork_helps() -> bool:
    """Whether a forked helper process is safe and likely to run on an idle core.

    ``fork`` exists, no other thread runs (a terminal's spinner pauses for the fork:
    :mod:`borderwatch.forking`), this is no daemonic process (a Dask worker's) and a core is spare (:func:`_spare_core`). The choice changes the
    seconds only: every helper computes what this process would.
    """
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and forking.other_threads() == 0
        and not multiprocessing.current_process().daemon
        and _spare_core()
    )


def _bound_value(
    instance: ArcInstance,
    search: SearchParams,
    time_limit_s: float,
    after: tuple[float, float] | None,
    found: Callable[[], float | None] | None = None,
) -> tuple[float, bool]:
    """:func:`pruned_bound` (``found``: see there), or with ``after`` (the search's longest
    tour and basic bound) the assignment bound pruned by that tour, as the bound after the
    search; and whether the wall-clock cap stopped it (``BoundStats.by_time``)."""
    stats = BoundStats()
    if after is None:
        return pruned_bound(instance, search, time_limit_s, stats, found), stats.by_time
    value = assignment_bound(
        instance,
        time_limit_s=time_limit_s,
        max_rounds=search.bound_rounds,
        incumbent=after[0],
        basic=after[1],
        stats=stats,
    )
    return value, stats.by_time


def _bound_child(
    send: Connection,
    instance: ArcInstance,
    search: SearchParams,
    time_limit_s: float,
    after: tuple[float, float] | None = None,
) -> None:
    """The forked process of :class:`BoundBeside`: the basic bound's matching, then the bound.

    The basic lower bound first (its odd-node matching, ~0.3 s where the average bound
    decides, goes up the pipe for the parent's search: :meth:`BoundBeside.share_setup`;
    where the round trip decides, as on Ningming, there is none to hand), then the
    assignment bound; its error goes to the parent, which raises it (:func:`forking.beside`).
    With ``after`` (the search is done) the bound only.
    """
    if after is not None:
        send.send(("ok", _bound_value(instance, search, time_limit_s, after)))
        return
    from borderwatch.routing.bounds import lower_bound
    from borderwatch.routing.postman import cached_matchings

    lower_bound(instance)
    send.send(("matchings", cached_matchings()))
    send.send(("ok", _bound_value(instance, search, time_limit_s, None, _found_in(send))))


def _found_in(conn: Connection) -> Callable[[], float | None]:
    """The bound's process's ``found``: the latest ``("loop", seconds)`` the plan's
    process sent (:meth:`BoundBeside.offer`), read without waiting; None before any."""
    latest: list[float | None] = [None]

    def found() -> float | None:
        try:
            while conn.poll():
                kind, value = conn.recv()
                if kind == "loop":
                    latest[0] = float(value)
        except (EOFError, OSError):  # the plan's process closed its end: no more tours
            pass
        return latest[0]

    return found


class BoundBeside:
    """:func:`pruned_bound` computed beside the search: in a forked process when possible.

    The machine's second core works on the bound while this process searches,
    places and schedules the loops. The value is the same wherever it is computed
    (:func:`pruned_bound` depends on the instance and the seed only), so a plan is
    the same bytes with or without the process: this one computes the bound itself
    (in :meth:`result`) where forking is unsafe or impossible (no ``fork`` start
    method, other threads running, a daemonic process such as a Dask worker's),
    where no core is spare (:func:`_spare_core`) or when the child fails to report.

    Parameters
    ----------
    instance
        The routing instance.
    search
        The plan's search budget (seed already resolved).
    time_limit_s
        Safety cap on the bound's seconds.
    fork
        Whether to try a forked process (default: when it is safe, see above).
    after
        The search's longest tour and basic bound, once it is done: the bound is then
        :func:`~borderwatch.routing.assignment.assignment_bound` pruned by that tour
        (the bound of plans past :data:`~borderwatch.routing.assignment.WHOLE_UP_TO`
        links, computed beside the night stage and the schedule) instead of
        :func:`pruned_bound`; again the same value wherever it is computed.
    """

    def __init__(
        self,
        instance: ArcInstance,
        search: SearchParams,
        time_limit_s: float,
        *,
        fork: bool | None = None,
        after: tuple[float, float] | None = None,
    ) -> None:
        self.instance = instance
        self.search = search
        self.time_limit_s = time_limit_s
        self.after = after
        #: whether the bound's wall-clock cap stopped it (set by :meth:`result`)
        self.by_time = False
        self._child: forking.Child | None = None
        self._shared = False
        self._loop: float | None = None  # the search's best longest tour (offer)
        if fork is None:
            fork = _fork_helps()
        if fork:
            self._child = forking.beside(
                _bound_child,
                instance,
                search,
                time_limit_s,
                after,
                name="borderwatch-bound",
                log=logger,
                refused="bound beside the search: no process (%s), computed here",
                duplex=after is None,  # the search's tours go to the child (offer)
            )

    @property
    def forked(self) -> bool:
        """Whether a child process computes the bound."""
        return self._child is not None

    def offer(self, loop: float) -> None:
        """The search found a plan whose longest tour is ``loop`` seconds.

        The bound's rounds stop once they reach it (the plan is then optimal): the
        child is told at once; a bound computed here (:meth:`result`) reads the last
        one. The plan's bound is the same either way (:func:`_with_bound`).
        """
        if self._loop is not None and loop >= self._loop:
            return  # a better total at the same longest tour: nothing new for the bound
        self._loop = loop
        if self._child is not None and self.after is None:
            self._child.send("loop", loop)

    def share_setup(self) -> None:
        """Add the child's odd-node matchings to this process's cache (forked only).

        The child computes the basic bound's matching first, while this process builds
        the search's model and giant tour; the search's own basic bound then finds it
        in :mod:`borderwatch.routing.postman`'s cache (the same matching: an entry only
        answers the distance matrix it was computed on). A child that fails here says
        so again in :meth:`result`. Where the round trip decides the basic bound (a
        feasible matching shows the average bound below it:
        :func:`~borderwatch.routing.bounds.average_at_most`; Ningming's 17 teams), the
        bound needs no matching and nothing is waited for (the child's word is passed
        over in :meth:`result`).
        """
        if self._child is None or self._shared:
            return
        self._shared = True
        from borderwatch.routing.bounds import average_at_most, round_trip_bound

        if average_at_most(self.instance, round_trip_bound(self.instance)):
            return
        kind, value = self._child.peek()  # another word stays for result()
        if kind == "matchings":
            from borderwatch.routing.postman import add_matchings

            self._child.recv()
            add_matchings(value)

    def result(self) -> float:
        """The bound (seconds): the child's, waited for, or computed here.

        :attr:`by_time` then says whether the wall-clock cap stopped it.

        Raises
        ------
        Exception
            Whatever :func:`pruned_bound` raised (in the child or here).
        """
        if self._child is not None:
            child, self._child = self._child, None
            try:  # the matchings passed over if share_setup was not called
                value = child.result()
            except forking.ChildLost:
                logger.warning("the bound's process ended without a result: computed here")
            except forking.ChildError as err:  # what the parent cannot raise as it was
                logger.warning("the bound's process failed (%s): computed here", err)
            else:
                self.by_time = bool(value[1])
                return float(value[0])
        value, self.by_time = _bound_value(
            self.instance, self.search, self.time_limit_s, self.after, lambda: self._loop
        )
        return value

    def close(self) -> None:
        """Stop the child process if its bound was not waited for (the plan failed)."""
        if self._child is not None:
            self._child.stop()
            self._child = None


def _with_bound(result: RoutingResult, bound: float, by_time: bool = False) -> RoutingResult:
    """``result`` carrying ``bound``: never weaker than its basic bound, never above its loop;
    ``by_time``: the bound's wall-clock cap stopped it."""
    # a bound within 2 REACH of the loop proves it: the loop, wherever its rounds stopped
    # (at a tour the search found beside, BoundBeside.offer, or ran on; see reaches)
    loop = result.max_cost
    return dataclasses.replace(
        result,
        lower_bound=loop
        if reaches(bound, loop, 2 * REACH)
        else min(max(bound, result.lower_bound), loop),
        bound_by_time=by_time,
    )


def night_network(
    network: PatrolNetwork,
    *,
    teams: Sequence[str] | None = None,
    n_teams: int | None = None,
    night_window: NightWindow | str | tuple[str, str] | None = None,
    night: date | None = None,
) -> PatrolNetwork:
    """The network for one night's plan: a subset or number of teams, another night window.

    Parameters
    ----------
    network
        The scenario's network (not changed).
    teams
        Team ids to plan with (``["T01", "T03"]``); default all.
    n_teams
        Plan with this many teams, chosen spread out along the border
        (:func:`spread_order`) from ``teams`` (or all).
    night_window
        ``"21:00-05:00"`` or ``("21:00", "05:00")``; default the config's.

    Returns
    -------
    PatrolNetwork
        ``network`` itself when nothing changes, else a copy with the teams and
        the config's night window replaced.

    Raises
    ------
    ConfigError
        Naming the option and the value: an unknown team, a number of teams
        outside ``1 .. available``, or a window that is not ``HH:MM-HH:MM``.
    """

    from borderwatch.config import NightWindow
    from borderwatch.errors import ConfigError

    frame = network.teams
    if teams is not None:
        ids = [str(t).strip() for t in teams if str(t).strip()]
        known = set(frame.index.astype(str))
        unknown = [t for t in ids if t not in known]
        if unknown or not ids:
            raise ConfigError(
                f"unknown team; known: {', '.join(sorted(known))}",
                field="teams",
                value=unknown[0] if unknown else list(teams),
            )
        frame = frame.loc[list(dict.fromkeys(ids))]
    if n_teams is not None:
        if (
            isinstance(n_teams, bool)
            or not isinstance(n_teams, int)
            or not 1 <= n_teams <= len(frame)
        ):
            raise ConfigError(
                f"n_teams must be a whole number from 1 to {len(frame)} (the teams available)",
                field="n_teams",
                value=n_teams,
            )
        sub = network.with_teams(frame)
        frame = frame.loc[spread_order(sub)[:n_teams]]
    config = network.config
    if night_window is not None:
        window = NightWindow.of(night_window, field="night_window")
        config = config.replace(night_start=window.start, night_end=window.end)
    if night is not None:  # a DST changeover night is an hour shorter or longer
        config = config.on_night(night, network.scenario.timezone)
    if frame is network.teams and config is network.config:
        return network
    return network.with_teams(frame).with_config(config)


def plan_patrols(
    network: PatrolNetwork,
    search: SearchParams | None = None,
    *,
    always_patrol: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
    fixed_edges: Sequence[int] | np.ndarray = (),
    weights: np.ndarray | None = None,
) -> PatrolPlan:
    """Plan the night patrols of every team of ``network``.

    Parameters
    ----------
    network
        The patrol network (teams, their vehicles, the watch index).
    search
        The search's budget (:class:`~borderwatch.config.SearchParams`; default a
        20 s cap, the seed ``network.config.seed``). ``bound_rounds`` rounds of the
        assignment bound (:func:`~borderwatch.routing.assignment.assignment_bound`):
        a count, so that the printed bound is the same on every run; 0 keeps the
        basic bound. ``bound_time_s`` is a safety cap on the bound's seconds (a
        bound stopped by it is still valid, but may differ between runs: a warning
        is logged and :attr:`PatrolPlan.bound_by_time` is set, which plan.json and
        the report show); default :func:`bound_cap_s`, which grows with the instance
        so that the bound ends by its counts (rounds; up to ``WHOLE_UP_TO`` links also
        the model's size and each round's nodes) on a loaded machine.
        Up to :data:`~borderwatch.routing.assignment.WHOLE_UP_TO` links the bound
        runs beside the search (:class:`BoundBeside`, pruned by its own short
        search: :func:`pruned_bound`) with :data:`BESIDE_CAP_FACTOR` times that cap;
        a circuit plan (``loops = "circuit"``) bounds after the search, pruned by its loop.
    always_patrol
        Roads patrolled in any case (names, OSM ids or highway classes).
    progress
        Called with a short message before each step.
    fixed_edges
        Edge positions patrolled in any case, besides ``always_patrol``
        (:func:`~borderwatch.plan.required.choose_required_edges`).
    weights
        Risk weight per unit for the night objective (default
        :func:`~borderwatch.coverage.risk.risk_weights` of the scenario's incidents;
        ``plan --risk-from-log``: :func:`borderwatch.log.risk.risk_from_log`).

    Returns
    -------
    PatrolPlan
    """
    with draft_patrols(
        network,
        search,
        always_patrol=always_patrol,
        progress=progress,
        fixed_edges=fixed_edges,
        weights=weights,
    ) as draft:
        return draft.finish()


def draft_patrols(
    network: PatrolNetwork,
    search: SearchParams | None = None,
    *,
    always_patrol: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
    fixed_edges: Sequence[int] | np.ndarray = (),
    weights: np.ndarray | None = None,
) -> PlanDraft:
    """:func:`plan_patrols` up to the bound: the plan, its bound's process still running beside.

    What needs the routes and the schedule only (the coverage after the plan, the
    detection odds, the tracks) can then run while the bound's process ends
    (:class:`PlanDraft`); :meth:`PlanDraft.finish` returns the same plan as
    :func:`plan_patrols`. The parameters are :func:`plan_patrols`'.

    Returns
    -------
    PlanDraft
        The plan but for its bound (use it in a ``with`` block: leaving it stops the
        bound's process if :meth:`PlanDraft.finish` was not reached).
    """
    search = search or SearchParams()
    seed = search.seeded(network.config.seed)
    say = progress or (lambda _msg: None)
    secs: dict[str, float] = {}
    t = time.perf_counter()
    say("choosing required roads")
    required = choose_required_edges(
        network,
        always_patrol=always_patrol,
        fixed_edges=fixed_edges,
        time_limit_s=min(search.time_limit_s, 30.0),
    )
    secs["required"] = time.perf_counter() - t
    t = time.perf_counter()
    instance = build_instance(network, required.edges)
    # beside the search the bound shares the cores with it (and with whatever else runs):
    # its default safety cap is BESIDE_CAP_FACTOR times the sequential one, so that the
    # round count, not the clock, ends it on a loaded machine (a bound stopped by the cap
    # would differ between runs)
    cap_s = (
        BESIDE_CAP_FACTOR * bound_cap_s(len(instance.links))
        if search.bound_time_s is None
        else search.bound_time_s
    )
    # loops = circuit: the bound runs after the search, pruned by the plan's own loop. Its
    # MILP keeps every reachable pair (no base legs to prune by), ~2.5 s a round on
    # Ningming, and reaches the plan's 56.43 min at round 13; pruned by the beside
    # warm-up's 59.9 min it would run all 45 rounds into its safety cap
    beside = (
        BoundBeside(instance.instance, search.replace(seed=seed), cap_s)
        if search.bound_rounds > 0
        and len(instance.links) <= WHOLE_UP_TO
        and not instance.instance.circuit
        else None
    )
    try:
        # the search's model, giant tour and basic bound; with the bound's process, that
        # process computes the basic bound's matching meanwhile (its first step) and hands
        # it over (the same matching: the plan does not depend on the fork)
        if beside is None:
            # no bound process beside the search (large or circuit plans): the search's
            # key tables on both cores when one is spare (the same tables either way)
            prepare_paths(instance.instance, fork=_fork_helps())
        prepare_search(instance.instance, None if beside is None else beside.share_setup)
        return _plan_rest(network, search, seed, required, instance, beside, weights, say, secs, t)
    except BaseException:
        if beside is not None:
            beside.close()
        raise


def _plan_rest(
    network: PatrolNetwork,
    search: SearchParams,
    seed: int,
    required: RequiredRoads,
    instance: PatrolInstance,
    beside: BoundBeside | None,
    weights: np.ndarray | None,
    say: Callable[[str], None],
    secs: dict[str, float],
    t: float,
) -> PlanDraft:
    """:func:`draft_patrols` from the routing on (``beside``: the bound's process, if any)."""
    # the bound after the search runs beside the night stage when a core is spare, so
    # its default cap is the beside one on both paths (the cap must not depend on the
    # fork); circuit rounds are slower too (every reachable pair kept): 200 km seed 6
    # needs 36 rounds, 57 s at load 5-6, so that its rounds, not the 30 s cap, end it
    cap_s = (
        BESIDE_CAP_FACTOR * bound_cap_s(len(instance.links))
        if search.bound_time_s is None
        else search.bound_time_s
    )
    say(f"routing {len(network.teams)} teams")
    mm_routes, result = route_teams(
        network, instance, search.replace(seed=seed), None if beside is None else beside.offer
    )
    secs["routing"] = time.perf_counter() - t
    if search.bound_rounds > 0 and beside is None:
        # the bound pruned by the search's longest tour: in a forked process beside the
        # night stage and the schedule when a core is spare, else here once they are done
        # (the same value either way; neither stage reads the bound: the take-over stage
        # carries it, set by PlanDraft.finish)
        beside = BoundBeside(
            instance.instance, search, cap_s, after=(result.max_cost, result.lower_bound)
        )
    try:
        t = time.perf_counter()
        say("giving every team its loop")
        weights = risk_weights(network) if weights is None else np.asarray(weights, dtype=float)
        # one loop's passes per (team, walk): the night stage's, reused by the schedule
        passes = LoopPasses(network)
        routes, balanced = night_routes(network, instance, result, weights=weights, passes=passes)
        secs["night"] = time.perf_counter() - t
        t = time.perf_counter()
        say("scheduling the night")
        staggered = schedule_night(network, routes, weights=weights, passes=passes)
        routes = place_loops(network, instance, routes, staggered)
        routes = explain_outliers(network, routes)  # a far longer loop says why
        # the night's timeline from the placed loops: each starts at the window start
        timeline = PatrolTimeline.from_walks(
            network,
            {r.team: list(r.steps) for r in routes if r.on_patrol},
            window_min=staggered.timeline.window_min,
        )
        plan = finish_plan(
            network,
            required=required,
            instance=instance,
            routes=routes,
            result=result,
            balanced=balanced,
            timeline=timeline,
            weights=weights,
            seconds=secs,
            seed=seed,
            loop_min=staggered.loop_min,
        )
    except BaseException:
        if beside is not None:
            beside.close()
        raise
    secs["schedule"] = time.perf_counter() - t
    del mm_routes
    if beside is None:  # no bound to wait for: the plan is final
        _log_plan(plan)
    return PlanDraft(plan, beside, say)


class PlanDraft:
    """A plan made but for its bound, which its process may still compute beside.

    :func:`draft_patrols` returns it once the loops are placed and scheduled; the
    bound's process (:class:`BoundBeside`) may still run, and what needs the routes
    and the schedule only (the coverage after the plan, the detection odds, the
    tracks) can run meanwhile on :attr:`plan`, whose bound is still the basic one.
    :meth:`finish` waits for the bound and returns the plan carrying it, the same
    :class:`PatrolPlan` as :func:`plan_patrols`. Use it as a context manager: leaving
    the block stops the bound's process if :meth:`finish` was not reached.

    Parameters
    ----------
    plan
        The plan with the min-max search's basic bound.
    beside
        The bound's computation (None: ``plan`` carries its final bound already).
    say
        The progress callback (``"bounding the longest loop"`` before the wait).
    """

    def __init__(
        self,
        plan: PatrolPlan,
        beside: BoundBeside | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.plan = plan
        self._beside = beside
        self._say = say or (lambda _msg: None)
        self._done = beside is None

    @property
    def bound_forked(self) -> bool:
        """Whether a forked process computes the bound (a core this command holds)."""
        return self._beside is not None and self._beside.forked

    def finish(self) -> PatrolPlan:
        """The plan with its bound: the bound's process waited for (or the bound computed here).

        Returns
        -------
        PatrolPlan
            :attr:`plan` with :attr:`PatrolPlan.result` and ``balanced`` carrying the
            bound (the take-over stage carries the first stage's bound).

        Raises
        ------
        Exception
            What the bound's computation raised.
        """
        if self._done:
            return self.plan
        beside, self._beside = self._beside, None
        assert beside is not None
        plan = self.plan
        w = time.perf_counter()
        self._say("bounding the longest loop")
        try:
            value = beside.result()
        finally:
            beside.close()
        result = _with_bound(plan.result, value, beside.by_time)
        balanced = dataclasses.replace(plan.balanced, lower_bound=result.lower_bound)
        plan.seconds["bound"] = time.perf_counter() - w
        self.plan = plan = dataclasses.replace(plan, result=result, balanced=balanced)
        self._done = True
        _log_plan(plan)
        return plan

    def close(self) -> None:
        """Stop the bound's process if :meth:`finish` was not reached."""
        if self._beside is not None:
            self._beside.close()
            self._beside = None

    def __enter__(self) -> PlanDraft:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _log_plan(plan: PatrolPlan) -> None:
    """The plan's one INFO line: its loop, bound, gap, revisits and standby teams."""
    logger.info(
        "plan: min-max loop %.1f min, bound %.1f min, optimality gap %.1f %%, "
        "worst revisit %.1f min, risk-weighted mean revisit %.1f min, %d teams on standby",
        plan.result.max_cost / 60,
        plan.result.lower_bound / 60,
        gap_pct(plan.result.max_cost, plan.result.lower_bound),
        plan.objective.worst_revisit_min,
        plan.objective.mean_revisit_min,
        len(plan.standby),
    )


def finish_plan(
    network: PatrolNetwork,
    *,
    required: RequiredRoads,
    instance: PatrolInstance,
    routes: Sequence[TeamRoute],
    result: RoutingResult,
    balanced: RoutingResult,
    timeline: PatrolTimeline,
    weights: np.ndarray,
    seconds: dict[str, float],
    seed: int,
    loop_min: Sequence[float] | None = None,
    set_out: Mapping[str, float] | None = None,
) -> PatrolPlan:
    """The :class:`PatrolPlan` of placed ``routes`` driven as ``timeline``: revisits, objective, schedule.

    One truth: the schedule's worst revisit is the coverage engine's, over the
    patrolled units; the driving is the loops plus the approach drives; every
    loop starts at the window start (phases 0). ``loop_min``: the loop
    durations of the teams on patrol as the schedule had them (default from
    ``routes``). ``set_out``: a re-plan of a circuit plan, when each team sets
    out from where it is (minutes after the cut; :attr:`NightSchedule.set_out_min`).
    Used by :func:`plan_patrols`, the re-plan and the plan reloader.

    Raises
    ------
    ProfileViolation
        If a step of a route is closed to its vehicle (:func:`~borderwatch.plan.guard.check_routes`).
    """
    check_routes(network, routes)
    table = revisits(network, timeline)
    passed = table["n_passes"].to_numpy() > 0
    active = [r for r in routes if r.on_patrol]
    objective = night_objective(
        table["worst_revisit_min"].to_numpy(),
        passed,
        weights,
        sum(r.loop_s + r.approach_s for r in active) / 60.0,
    )
    schedule = NightSchedule(
        teams=tuple(r.team for r in active),
        loop_min=tuple(loop_min)
        if loop_min is not None
        else tuple(r.loop_s / 60.0 for r in active),
        phase_min=tuple(0.0 for _ in active),
        worst_revisit_min=objective.worst_revisit_min,
        timeline=timeline,
        set_out_min=tuple(float(set_out[r.team]) for r in active) if set_out else (),
    )
    return PatrolPlan(
        required=required,
        instance=instance,
        routes=tuple(routes),
        result=result,
        balanced=balanced,
        schedule=schedule,
        revisits=table,
        objective=objective,
        seconds=seconds,
        seed=seed,
    )
