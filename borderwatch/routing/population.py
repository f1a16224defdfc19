"""A population search over giant tours for min-max k-team arc routing (HGS-style).

In the spirit of Vidal's hybrid genetic search for arc routing (HGS-CARP, 2017),
on top of the ruin-and-recreate annealing of :mod:`borderwatch.routing.minmax`:

1. Individuals are solutions; each reads as a giant tour (its teams' task
   sequences, in team order, with their orientations).
2. Two parents are chosen by binary tournament on a biased fitness (rank of the
   objective plus rank of the contribution to diversity, the average broken-pairs
   distance to the closest individuals).
3. Order crossover (OX) of the parents' giant tours, then the optimal min-max split
   of the child's giant tour into contiguous team pieces
   (:func:`borderwatch.routing.minmax._split`, a dynamic programme).
4. Education: a short annealing run of the existing search from the child (one
   cooling cycle as long as the run).
5. The child joins the population; past its largest size the worst biased fitness
   leaves (clones first).

Determinism: every decision draws from one ``random.Random(seed)`` and the search
stops by counts (the iteration budget or the bound), so the same instance, seed
and budget give the same routes on any machine and any load; ``time_limit_s`` is
only a safety cap.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from borderwatch.config import SearchParams
from borderwatch.errors import RoutingError
from borderwatch.routing.bounds import lower_bound
from borderwatch.routing.instance import ArcInstance
from borderwatch.routing.minmax import (
    _EPS,
    _P,
    _giant_tour,
    _Model,
    _result,
    _Search,
    _split,
    _starts,
    _State,
    solve_minmax,
)
from borderwatch.routing.result import RoutingResult

__all__ = ["PopulationParams", "prepare_search", "solve_population", "solve_search"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PopulationParams:
    """Sizes and lengths of the population search, as counts and shares of its budget.

    Attributes
    ----------
    size
        Individuals kept after each survivor selection (also the number of starts).
    per_task
        Annealing iterations per task (required edge) of the default budget (no
        ``SearchParams.max_iterations``) at a 20 s ``time_limit_s``: 27 x 241 tasks =
        6,507 iterations on the generated 500 km border, about the 20 s of the former
        default on an idle core. The count scales with ``time_limit_s`` (200 s: ten
        times as many), so a longer limit searches longer and still reproducibly.
    least
        The smallest default budget, whatever the time limit: small instances
        iterate fast, and 2,000 iterations reach the best known values the 10 s
        annealing reached on the public gdb/val rows of
        ``benchmarks/search_quality.py`` (1,000 lost one). It grows with the tasks
        per team past ``route_tasks`` (see ``least_growth``).
    route_tasks
        Tasks per team above which ``least`` grows in proportion: long routes need
        longer searches. At 10 s on the public egl graphs (49-95 tasks per team
        with 2 teams, 20-38 with 5) 2,000 iterations lost to the 10 s annealing
        (``benchmarks/results/search_quality.md``); plans route a few tasks per
        team (Ningming 3.6, the generated 500 km border 6), so their counts do
        not change.
    least_growth
        At most this multiple of ``least`` (2: 4,000 iterations, about 5 s of
        an idle core on the egl graphs).
    start_share
        Share of the budget that educates the initial individuals (split evenly).
    child_share
        Share of the budget that educates each offspring.
    elite
        Individuals protected by their objective rank in the biased fitness.
    close
        Closest individuals whose mean distance measures diversity.
    slack
        The wall-clock safety cap is ``slack * SearchParams.time_limit_s``: the
        search ends by its count, the cap binds only on a machine ``slack`` times
        slower than an idle core (at load 8 on 2 cores the 500 km search took 85 s
        of its 20 s count: 5 x would have been too tight). Past ``anneal_from``
        tasks it grows in proportion to the tasks (:meth:`cap_s`).
    work
        Annealing iterations x tasks per 20 s of ``time_limit_s`` past
        ``anneal_from`` tasks, where the count is ``work / tasks``: an iteration's
        CPU grows with the tasks (~3 ms at 241 tasks, ~15 ms at 989;
        ``benchmarks/results/search_count.md``). The generated 2,000 km border
        (989 tasks) gets 4,044 iterations instead of 26,703 (which no 200 s cap
        let finish under load).
    anneal_from
        Tasks past which (:attr:`knee`) the count is ``work / tasks`` and
        :func:`solve_search` runs one annealing
        (:func:`~borderwatch.routing.minmax.solve_minmax`) of that count instead
        of the population: on the 2,000 km border 4,044 iterations give 182.4
        min in 55 CPU s, the population 187-192 min in ~145 (~84 of them
        whatever the count: 14 splits of ~2 CPU s and the dear first iterations
        of 14 educations from fresh splits, ~70 ms each; 8,000 iterations: 187.4
        in 206). At 1,000 km (482 tasks) the population's 13,014 gave 222.1 min
        in 63 CPU s and one annealing of 8,299 233.6 in 38, so the knee lies
        above it: Ningming (62), 500 km (241) and 1,000 km keep their counts.
    """

    size: int = 4
    per_task: int = 27
    least: int = 2000
    start_share: float = 0.5
    child_share: float = 0.05
    elite: int = 2
    close: int = 3
    slack: float = 10.0
    route_tasks: float = 10.0
    least_growth: float = 2.0
    work: float = 4_000_000.0
    anneal_from: int = 600

    def budget(self, tasks: int, time_limit_s: float = 20.0, teams: int = 1) -> int:
        """The default iteration budget for ``tasks`` required edges, a time limit and teams.

        ``max(least * min(least_growth, max(1, tasks / (teams * route_tasks))),
        count * time_limit_s / 20)``, rounded, where ``count`` is ``per_task * tasks``
        up to ``anneal_from`` tasks and ``work / tasks`` past them.
        """
        per_team = tasks / (max(teams, 1) * self.route_tasks)
        least = self.least * min(self.least_growth, max(1.0, per_team))
        count = self.per_task * tasks if tasks <= self.knee else self.work / tasks
        return max(round(least), round(count * time_limit_s / 20.0))

    @property
    def knee(self) -> float:
        """Tasks past which the count is ``work / tasks`` and one annealing: ``anneal_from``."""
        return float(self.anneal_from)

    def cap_s(self, tasks: int, time_limit_s: float) -> float:
        """The wall-clock safety cap of the default search, in seconds (0: none).

        ``slack * time_limit_s``, times ``tasks / anneal_from`` past that
        knee: the count no longer grows there but the fixed part of the search
        does (its min-max splits cost teams x tasks^2, the first iterations of an
        education from a fresh split ~70 ms at 2,000 km), so the cap keeps the
        count, not the clock, the end of the search on a loaded machine
        (2,000 km: 330 s; its annealing of 4,044 iterations took 47.5 s).
        """
        return self.slack * time_limit_s * max(1.0, tasks / self.knee)


class _Individual:
    """A solution with its giant tour and its adjacency set."""

    def __init__(self, state: _State) -> None:
        self.state = state
        self.key = state.key()
        pairs: set[tuple[int, int]] = set()
        for seq in state.seqs:
            prev = -1
            for t in seq:
                pairs.add((min(prev, t), max(prev, t)))
                prev = t
            if seq:
                pairs.add((-1, seq[-1]))
        self.pairs = pairs

    def giant(self) -> list[tuple[int, int]]:
        """The teams' (task, orientation) sequences one after another."""
        out: list[tuple[int, int]] = []
        for seq, ori in zip(self.state.seqs, self.state.oris, strict=True):
            out.extend(zip(seq, ori, strict=True))
        return out

    def distance(self, other: _Individual) -> float:
        """Broken-pairs distance: share of this solution's adjacencies the other lacks."""
        if not self.pairs:
            return 0.0
        return 1.0 - len(self.pairs & other.pairs) / len(self.pairs)


def _better(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[0] - _EPS or (a[0] <= b[0] + _EPS and a[1] < b[1] - _EPS)


def _order_crossover(
    rng: random.Random, p1: list[tuple[int, int]], p2: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """OX: a slice of ``p1`` in place, the other tasks in ``p2``'s order after it."""
    n = len(p1)
    if n < 2:
        return list(p1)
    a, b = sorted(rng.sample(range(n + 1), 2))
    child: list[tuple[int, int] | None] = [None] * n
    child[a:b] = p1[a:b]
    kept = {t for t, _ in p1[a:b]}
    fill = [x for x in p2[b:] + p2[:b] if x[0] not in kept]
    pos = b % n
    for x in fill:
        while child[pos] is not None:
            pos = (pos + 1) % n
        child[pos] = x
    return [x for x in child if x is not None]


class _Population:
    """The individuals, their biased fitness and the survivor selection."""

    def __init__(self, params: PopulationParams) -> None:
        self.params = params
        self.members: list[_Individual] = []

    def fitness(self) -> list[float]:
        """Biased fitness (lower is better): objective rank + diversity rank weight."""
        n = len(self.members)
        if n == 1:
            return [0.0]
        order = sorted(range(n), key=lambda i: self.members[i].key)
        rank_cost = [0] * n
        for r, i in enumerate(order):
            rank_cost[i] = r
        close = min(self.params.close, n - 1)
        div = []
        for i, a in enumerate(self.members):
            ds = sorted(a.distance(b) for j, b in enumerate(self.members) if j != i)
            div.append(sum(ds[:close]) / close)
        order_div = sorted(range(n), key=lambda i: (-div[i], rank_cost[i]))
        rank_div = [0] * n
        for r, i in enumerate(order_div):
            rank_div[i] = r
        weight = 1.0 - min(self.params.elite, n) / n
        return [(rank_cost[i] + weight * rank_div[i]) / (n - 1) for i in range(n)]

    def add(self, ind: _Individual) -> None:
        self.members.append(ind)
        while len(self.members) > self.params.size:
            clones = [
                i
                for i, a in enumerate(self.members)
                if any(a.distance(b) < 1e-12 for j, b in enumerate(self.members) if j != i)
            ]
            fit = self.fitness()
            pool = clones or range(len(self.members))
            worst = max(pool, key=lambda i: (fit[i], self.members[i].key))
            del self.members[worst]

    def tournament(self, rng: random.Random) -> _Individual:
        fit = self.fitness()
        i, j = rng.randrange(len(self.members)), rng.randrange(len(self.members))
        return self.members[i if fit[i] <= fit[j] else j]


def solve_population(
    instance: ArcInstance,
    search: SearchParams | None = None,
    params: PopulationParams | None = None,
    *,
    stop_at: float | None = None,
    on_best: Callable[[float], None] | None = None,
) -> RoutingResult:
    """Min-max k-team routing by a population of giant tours, crossover, split and education.

    Parameters
    ----------
    instance
        The routing instance (teams, depots, profiles, required edges).
    search
        The budget and seed (:class:`~borderwatch.config.SearchParams`).
        ``max_iterations`` is the number of annealing iterations over the whole run
        (starts and offspring); without it, :meth:`PopulationParams.budget` of the
        instance and ``time_limit_s`` (a count that grows with the limit). The run ends by that count (or at the lower bound), so the same
        seed gives the same result on any machine; ``params.cap_s(tasks,
        time_limit_s)`` seconds (``slack * time_limit_s``, more past ``anneal_from`` tasks) is a
        safety cap only (0: none).
    params
        Population sizes and education shares (:class:`PopulationParams`).
    stop_at
        A lower bound on the longest tour known before the search (a proven one, such as
        :func:`~borderwatch.routing.assignment.assignment_bound`'s): the search ends the
        first time its longest tour is within a relative ``1e-6`` of it (or of the basic
        bound, whichever is larger), inside an education run if need be. A value, not a
        clock: the same ``stop_at`` gives the same routes.
    on_best
        Called with the longest tour of each new best plan (after the education that
        found it): the plan's bound, computed beside, stops once it reaches one
        (:class:`~borderwatch.plan.patrols.BoundBeside`). It changes nothing here.

    Returns
    -------
    RoutingResult
        As :func:`~borderwatch.routing.minmax.solve_minmax`; ``iterations`` counts
        the annealing iterations of every education.
    """
    t0 = time.perf_counter()
    search = search or SearchParams()
    params = params or PopulationParams()
    seed = search.seeded(0)
    if search.time_limit_s <= 0 and search.max_iterations is None:
        raise RoutingError(f"time_limit_s must be > 0, got {search.time_limit_s}")
    model = _Model.of(instance)
    rng = random.Random(seed)
    alpha = _P["alpha"] / model.k
    beta = _P["beta"] / model.k
    bound = lower_bound(instance)
    first = min(_starts(model, instance, alpha, beta), key=lambda s: s.key())
    scale = bound if bound > 0 else max(first.key()[0], 1.0)
    cap = params.cap_s(model.m, search.time_limit_s)
    deadline = time.perf_counter() + cap if cap > 0 else math.inf
    budget = (
        params.budget(model.m, search.time_limit_s, model.k)
        if search.max_iterations is None
        else search.max_iterations
    )
    start_its = max(1, int(budget * params.start_share / params.size))
    child_its = max(1, int(budget * params.child_share))
    t_search = time.perf_counter()
    engine = _Search(model, rng, alpha, beta, scale)
    used = 0
    best = first
    # a longest tour at the bound (the basic one, or a stronger one known beforehand) is
    # optimal; a relative 1e-6 of a proven bound absorbs the MILP's rounding, ~5 ms a loop
    stop = bound if stop_at is None else max(bound, stop_at * (1.0 + 1e-6))
    target = stop + 1e-9 * max(1.0, abs(stop))

    def educate(st: _State, n: int) -> _State:
        nonlocal used, best
        n = min(n, budget - used)
        if n <= 0 or not model.m:
            return st
        out, it = engine.run(
            st, max_iterations=n, deadline=deadline, bound=stop, cycle=n, patience=n
        )
        used += it
        if _better(out.key(), best.key()):
            best = out
            if on_best is not None:
                on_best(best.key()[0])
        return out

    def done() -> bool:
        return (
            not model.m
            or used >= budget
            or best.key()[0] <= target
            or time.perf_counter() >= deadline
        )

    pop = _Population(params)
    pop.add(_Individual(educate(first, start_its)))
    while len(pop.members) < params.size and not done():
        # another start: the first individual's giant tour, rotated and split again
        giant = pop.members[0].giant()
        cut = rng.randrange(len(giant))
        pieces = _split(model, giant[cut:] + giant[:cut])
        if pieces is None:
            break
        pop.add(_Individual(educate(_State(model, pieces), start_its)))
    gen = 0
    while not done():
        gen += 1
        a, b = pop.tournament(rng), pop.tournament(rng)
        pieces = _split(model, _order_crossover(rng, a.giant(), b.giant()))
        if pieces is None:  # no team order serves this tour: anneal the best instead
            best = educate(best, child_its)
            continue
        pop.add(_Individual(educate(_State(model, pieces), child_its)))
    search_s = time.perf_counter() - t_search
    if time.perf_counter() >= deadline and used < budget:
        logger.warning(
            "population search stopped by its %.0f s safety cap after %d of %d iterations",
            cap,
            used,
            budget,
        )
    logger.info(
        "population search: %d offspring, %d iterations in %.1f s, longest %.1f, bound %.1f",
        gen,
        used,
        search_s,
        best.key()[0],
        bound,
    )
    return _result(instance, model, best, bound, seed, used, time.perf_counter() - t0, search_s)


def prepare_search(instance: ArcInstance, before_bound: Callable[[], None] | None = None) -> float:
    """Build what every search of ``instance`` starts from; its basic lower bound.

    The solver's model (key tables, kept with the instance), the postman giant tour
    and the basic lower bound (their shortest paths and odd-node matchings are
    cached by :mod:`borderwatch.routing.instance` and :mod:`borderwatch.routing.postman`),
    for the search and any later search of the instance. The plan calls it after
    forking the bound's process (:class:`borderwatch.plan.patrols.BoundBeside`), which
    computes the basic bound's matching meanwhile and hands it over (``before_bound``).
    Nothing random: the searches' results are unchanged.

    Parameters
    ----------
    instance
        The routing instance.
    before_bound
        Called after the model and the giant tour, before the lower bound (the plan
        adds there the bound's matching its forked process computed meanwhile:
        :func:`~borderwatch.routing.postman.add_matchings`).

    Returns
    -------
    float
        :func:`~borderwatch.routing.bounds.lower_bound` of ``instance``.
    """
    model = _Model.of(instance)
    if model.m:
        _giant_tour(instance)
    if before_bound is not None:
        before_bound()
    return lower_bound(instance)


def solve_search(
    instance: ArcInstance,
    search: SearchParams | None = None,
    params: PopulationParams | None = None,
    on_best: Callable[[float], None] | None = None,
) -> RoutingResult:
    """The plan's routing search: the population search unless an iteration count is given.

    Parameters
    ----------
    instance
        The routing instance.
    search
        The budget and seed. Without ``max_iterations`` (the default),
        :func:`solve_population` with its default budget, which ends by counts
        (past :attr:`PopulationParams.knee` tasks, :func:`~borderwatch.routing.minmax.solve_minmax`
        for that budget, capped by :meth:`PopulationParams.cap_s`: one long
        annealing beats the population's short educations there);
        with it, :func:`~borderwatch.routing.minmax.solve_minmax` for that many
        iterations (callers that fix a short search: sizing, re-plans, tests).
    params
        The default search's counts and its wall-clock safety cap (default
        :class:`PopulationParams`).
    on_best
        The population search's ``on_best`` (:func:`solve_population`); the
        annealings do not call it.

    Returns
    -------
    RoutingResult
    """
    search = search or SearchParams()
    if search.max_iterations is not None:
        return solve_minmax(instance, search)
    params = params or PopulationParams()
    tasks = len(instance.required_edges)
    if tasks > params.knee:
        # past the knee one long annealing beats the population at the same count: on the
        # generated 2,000 km border 4,044 iterations give 182.4 min in 55 CPU s against
        # the population's 187-192 min in ~145 (results/search_count.md); a count, so the
        # same on any machine, with the population's safety cap
        count = params.budget(tasks, search.time_limit_s, instance.n_teams)
        cap = params.cap_s(tasks, search.time_limit_s)
        return solve_minmax(instance, search.replace(max_iterations=count, time_limit_s=cap))
    return solve_population(instance, search, params, on_best=on_best)
