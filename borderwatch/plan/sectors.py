"""Sectors for long borders: split by chainage, plan each sector on its own, stitch.

A national border of thousands of kilometres is planned in sectors:

1. :func:`split_sectors` cuts the border by chainage into ``N`` sectors of
   whole, consecutive border units. Every unit belongs to exactly one sector
   (no unit is left between sectors, none is counted twice). Each team belongs
   to the sector of its base's chainage (the nearest border unit to the base);
   the cuts fall between two teams, so every sector has at least one team, near
   their equal-length places but moved by up to :data:`CUT_WINDOW` team gaps
   where that brings every unit nearer a sector team whose vehicle may drive a
   road that watches it (:func:`_cuts`). A sector whose teams can reach none of
   the roads that watch its units is merged with its neighbour; so is a sector
   with units that a team can watch on the whole network but none of its own
   teams can, when a neighbour's teams can (:func:`_rescue`, repeated). Units
   only a team two or more sectors away could watch stay lost to the split:
   :func:`plan_sectors` warns and reports their km (``lost_km``). Then the
   split is balanced (:func:`_balance`): while a sector's own bounds (its teams,
   its sub-network) exceed the whole border's by more than
   :data:`SPLIT_TOLERANCE` — its round trip to its farthest unit
   (:func:`_trip_per_unit`) against the whole border's, or the assignment bound
   of its required roads (its workload per team) against that of all the
   sectors' roads with all teams on the whole network (:class:`_SplitBounds`) —
   its cuts move; a sector no move mends is refused (merged with a neighbour,
   with one warning line naming it, its bound and the whole border's). A small
   split (up to :data:`TRIAL_MAX_LINKS` required links) is then checked by trial
   plans of the whole border and of each sector (:func:`_trial_split`), which see
   what no bound does: a cut moves, or the split is refused, when the sectors'
   longest trial loop exceeds the whole's by more than the tolerance.
2. :func:`sector_network` makes a valid :class:`~borderwatch.data.network.PatrolNetwork`
   of each sector (:func:`subset_network`): the sector's units; the road nodes
   whose nearest border unit lies within the sector's chainage span plus a
   margin (``margin_m``, default 5 km) on both sides, every road that watches a
   unit of the sector, the sector teams' bases and the checkpoints that watch
   its units; where a team could reach one of those roads on the whole network
   but not inside this subset, the nodes of its shortest path to it are added.
   The roads are the edges with both ends in that node set.
3. :func:`plan_sectors` plans the sectors independently with
   :func:`~borderwatch.plan.patrols.plan_patrols` (in parallel on Dask, see
   :func:`borderwatch._dask.open_client`, or one after another in this
   process), each with its own seed (:func:`sector_seed`: the same seed gives
   the same plan whatever the number of workers), and stitches the sector plans
   into one :class:`~borderwatch.plan.patrols.PatrolPlan` on the whole network:
   routes mapped back to whole-network edge ids, the required roads united
   (a road two sectors chose is served by one of them, :func:`_dedupe_links`),
   and the timeline, the revisits and the night objective computed on the
   whole network (a team near a seam also watches units of the next sector).

The bounds
----------
The sector plan reports two bounds and says which is which:

* ``bound_min`` (``PatrolPlan.result.lower_bound``, the "lower bound" of
  ``report.txt``): a bound valid for routing the stitched required roads with
  *all* teams on the *whole* network, so ``opt_gap_pct`` is an honest gap for
  those roads (not a bound for a plan that chooses other required roads). Up
  to :data:`FULL_BOUND_MAX_LINKS` required links it is the bound a whole plan
  prints (the assignment MILP bound of
  :func:`~borderwatch.routing.assignment.assignment_bound` over the basic
  bound, on one instance of the whole network holding every sector's links);
  above, only :func:`whole_bound` (the longest loop is at least the driving of
  every required link divided by the number of teams, and at least the
  cheapest round trip from a base through the dearest link), which is cheap
  but weak. ``plan.json`` says which (``sectors.bound``).
* ``sector_bound_min``: the largest of the sector plans' own bounds. Each sector
  bound bounds the best longest loop of *its* sector (its teams, its required
  roads, its sub-network), so their maximum bounds the best plan that keeps
  this split. It is **not** a bound for the whole border in general: a plan of
  the whole border may send a team across a seam, choose other required roads,
  or use a road outside a sector's sub-network, and so come out below it.
  ``sector_gap_pct`` is the gap to it: what is left to gain without changing
  the split.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from borderwatch.config import SearchParams
from borderwatch.coverage.risk import risk_weights
from borderwatch.coverage.timeline import PatrolTimeline
from borderwatch.data.network import PatrolNetwork, WatchIndex, _components, _symmetric_min_csr
from borderwatch.errors import ConfigError, PlanWarning, RoutingError
from borderwatch.plan.patrols import PatrolPlan, bound_cap_s, finish_plan, plan_patrols
from borderwatch.plan.required import RequiredRoads, _fixed_edges, choose_required_edges
from borderwatch.routing.assignment import BoundStats, assignment_bound
from borderwatch.routing.bounds import round_trip_bound
from borderwatch.routing.instance import ArcInstance
from borderwatch.routing.links import Link
from borderwatch.routing.patrol import (
    PatrolInstance,
    TeamRoute,
    build_instance,
    node_components,
)
from borderwatch.routing.population import solve_search
from borderwatch.routing.result import RoutingResult, Step, gap_pct

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "AUTO_SECTOR_KM",
    "AUTO_SECTOR_TEAMS",
    "CUT_WINDOW",
    "DEFAULT_MARGIN_M",
    "FULL_BOUND_MAX_LINKS",
    "SECTOR_BOUND_ROUNDS",
    "SPLIT_BOUND_ROUNDS",
    "SPLIT_REFERENCE_ROUNDS",
    "SPLIT_TOLERANCE",
    "TRIAL_MAX_LINKS",
    "TRIAL_WINDOW",
    "Sector",
    "SectorFigures",
    "SectorPlan",
    "auto_sector_count",
    "parse_sectors",
    "plan_sectors",
    "sector_network",
    "sector_seed",
    "split_sectors",
    "subset_network",
    "whole_bound",
]

logger = logging.getLogger(__name__)

#: ``--sectors auto`` aims at about this many teams per sector ...
AUTO_SECTOR_TEAMS = 50
#: ... or this many km of border per sector, whichever gives more sectors.
AUTO_SECTOR_KM = 500.0
#: Up to this many required links (about a 1,000 km generated border) a sector plan's
#: whole-border bound is the assignment bound on the whole instance (see plan_sectors).
#: Measured at 2,000 km (1,000 links): 133 s and 2.2 GB in the planning process, against
#: 207 s and 445 MB per worker for the 4 sectors themselves; so above this, the cheap bound.
FULL_BOUND_MAX_LINKS = 600
#: Most rounds of every assignment bound of a sector plan (each sector's, the stitched
#: one) when ``bound_time_s`` is not given: those bounds have no wall-clock cap (in
#: process and on Dask they agree), so a count must end them. A sector of <= WHOLE_UP_TO
#: links got the whole-plan default of 45 exact rounds, and its rounds grow dear with the
#: cuts: 500 km seed 7 (112 links / 19 teams, 130 / 21) and 200 km seed 6 (89 / 14) ran
#: for minutes; 15 rounds take 3-10 CPU s each and bound 207.4, 211.4 and 152.2 min
#: against 217.1 and 218.9 at 24 and 21 rounds (23 and 48 s; benchmarks/results/
#: sectors_quality.md). Smaller sectors converge before it (120 km seed 10: 7 rounds).
SECTOR_BOUND_ROUNDS = 15
#: Roads this far (in chainage) beyond a sector's ends belong to its sub-network.
DEFAULT_MARGIN_M = 5000.0
#: A split is kept only if no sector's own round-trip bound exceeds the whole border's by more
#: than this fraction (see :func:`_balance`); else its cuts move, and failing that sectors merge.
SPLIT_TOLERANCE = 0.02
#: At most this many cut moves per sector while balancing a split (:func:`_balance`).
BALANCE_MOVES = 8
#: Rounds of the assignment bound that gives each trial sector its workload bound while
#: balancing a split (:class:`_SplitBounds`); a count, so the split is the same on any load.
#: 0: the round-trip bound alone (the sixth session's balance).
SPLIT_BOUND_ROUNDS = 4
#: Rounds of the whole border's reference for a split (:meth:`_SplitBounds.reference`, the
#: assignment bound's own scaling caps them on large borders): it runs once per split
#: checked, not per trial, and a weaker reference would refuse splits that cost nothing.
SPLIT_REFERENCE_ROUNDS = 12
#: Up to this many required links over a split's sectors (the sum of their covers) the
#: split is also checked by trial plans (:func:`_trial_split`): the whole border and each
#: sector planned with the default search; a split whose sectors' longest loop exceeds the
#: whole's by more than the tolerance moves a cut (up to :data:`TRIAL_WINDOW` candidate
#: places) or is refused. No bound sees what such a split costs (200 km seed 6: sector 1's
#: plan 158.9 min against the whole's 153.2, 1.038, every bound within 2 %); past this
#: size the trial would double the cost of borders that need sectors.
TRIAL_MAX_LINKS = 150
#: Candidate cut places (halfway between two bases) on each side of a cut that the trial
#: plans try before refusing a split (:func:`_trial_split`).
TRIAL_WINDOW = 1


# --------------------------------------------------------------------------- the split
@dataclass(frozen=True)
class Sector:
    """One sector of the border and the parts of the whole network it is planned on.

    Attributes
    ----------
    index
        Position of the sector along the border (0 = from the start of the chainage).
    unit_lo, unit_hi
        The sector's border units: positions ``unit_lo .. unit_hi - 1`` of
        ``network.units`` (consecutive; the sectors tile the units).
    start_m, end_m
        Chainage of the sector's ends (m).
    teams
        Ids of the teams based in the sector.
    nodes, edges, checkpoints
        Positions in the whole network's node, edge and checkpoint tables of
        the sub-network's (sorted: the sub-network's own positions follow them).
    lost_units
        Positions of the sector's units that a team can watch on the whole
        network but no team of the sector can (lost to the split; empty
        unless merging neighbours could not rescue them, see
        :func:`split_sectors`).
    """

    index: int
    unit_lo: int
    unit_hi: int
    start_m: float
    end_m: float
    teams: tuple[str, ...]
    nodes: np.ndarray
    edges: np.ndarray
    checkpoints: np.ndarray
    lost_units: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_units(self) -> int:
        """Number of border units of the sector."""
        return self.unit_hi - self.unit_lo

    @property
    def km(self) -> float:
        """Border length of the sector (km)."""
        return (self.end_m - self.start_m) / 1000.0


def parse_sectors(value: str | int, *, option: str = "--sectors") -> int | str:
    """Read a ``--sectors`` value: ``"auto"`` or a whole number of sectors >= 1.

    Raises
    ------
    ConfigError
        Naming the option and the value, for anything else.
    """
    if isinstance(value, bool):
        raise ConfigError(
            "give 'auto' or a whole number of sectors >= 1", field=option, value=value
        )
    if isinstance(value, int):
        n = value
    else:
        text = str(value).strip().lower()
        if text == "auto":
            return "auto"
        try:
            n = int(text)
        except ValueError:
            raise ConfigError(
                "give 'auto' or a whole number of sectors >= 1", field=option, value=value
            ) from None
    if n < 1:
        raise ConfigError(
            "give 'auto' or a whole number of sectors >= 1", field=option, value=value
        )
    return n


def auto_sector_count(n_teams: int, border_km: float) -> int:
    """The number of sectors of ``--sectors auto``.

    ``round(max(n_teams / AUTO_SECTOR_TEAMS, border_km / AUTO_SECTOR_KM))``, at
    least 1 and at most ``n_teams``: sectors of about 40-60 teams or about
    500 km, whichever is smaller. A generated scenario has about 8 teams per
    100 km, so its sectors are about 500 km with 40 teams (1,000 km: 2 sectors,
    2,000 km: 4, 5,000 km: 10); a border of up to 749 km is one sector.

    Examples
    --------
    >>> auto_sector_count(160, 2000.0), auto_sector_count(40, 500.0), auto_sector_count(300, 900.0)
    (4, 1, 6)
    """
    n = round(max(n_teams / AUTO_SECTOR_TEAMS, border_km / AUTO_SECTOR_KM))
    return int(min(max(1, n), max(1, n_teams)))


def _sector_count(network: PatrolNetwork, sectors: int | str, option: str) -> int:
    n = parse_sectors(sectors, option=option)
    if n == "auto":
        return auto_sector_count(len(network.teams), network.border_m / 1000.0)
    assert isinstance(n, int)
    if n > len(network.teams):
        raise ConfigError(
            f"at most one sector per team: the plan has {len(network.teams)} teams",
            field=option,
            value=sectors,
        )
    if n > len(network.units):
        raise ConfigError(
            f"at most one sector per border unit: the border has {len(network.units)} units",
            field=option,
            value=sectors,
        )
    return n


def _nearest_unit(network: PatrolNetwork, geoms: np.ndarray) -> np.ndarray:
    """Position of the nearest border unit of each geometry (ties: the lowest)."""
    if len(geoms) == 0:
        return np.zeros(0, dtype=np.int64)
    tree = shapely.STRtree(network.units.geometry.to_numpy())
    idx = tree.query_nearest(geoms, all_matches=True)
    out = np.full(len(geoms), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, idx[0], idx[1])
    return out


#: Each cut may move this many team gaps away from the one nearest its equal-length place.
CUT_WINDOW = 3


class _Reach:
    """How far, in chainage, a sector's teams must go for its units: the score of a split.

    For a unit, the reach of a watching road is the chainage distance to the nearest
    sector team whose vehicle may drive it; the unit's reach is that of its closest
    watching road. A sector scores the larger of twice its largest unit reach (out and
    back) and twice its border length per team (each team's share, out and back):
    a lower bound-like proxy, in metres, of its longest loop.
    """

    def __init__(self, network: PatrolNetwork, team_unit: np.ndarray, cum: np.ndarray) -> None:
        self.cum = cum
        self.mid = (cum[:-1] + cum[1:]) / 2.0
        self.team_unit = team_unit
        self.vehicles = sorted(set(network.teams["vehicle"].astype(str)))
        self.team_vehicle = np.searchsorted(
            self.vehicles, network.teams["vehicle"].astype(str).to_numpy()
        )
        coo = network.watch.unit_edge.tocoo()
        order = np.argsort(coo.row, kind="stable")
        self.pair_unit = np.asarray(coo.row[order], dtype=np.int64)
        pair_edge = np.asarray(coo.col[order], dtype=np.int64)
        self.drive = np.vstack(
            [np.isfinite(network.edge_seconds(v))[pair_edge] for v in self.vehicles]
        )
        self.penalty = 10.0 * float(cum[-1])  # a unit no sector team can watch
        self._cache: dict[tuple[int, int], float] = {}

    def score(self, lo: int, hi: int) -> float:
        key = (lo, hi)
        if key not in self._cache:
            self._cache[key] = self._score(lo, hi)
        return self._cache[key]

    def _score(self, lo: int, hi: int) -> float:
        mine = (self.team_unit >= lo) & (self.team_unit < hi)
        if not mine.any():
            return math.inf
        a, b = np.searchsorted(self.pair_unit, [lo, hi])
        units = self.pair_unit[a:b]
        x = self.mid[units]
        reach = np.full(len(units), np.inf)
        for k in range(len(self.vehicles)):
            chain = np.sort(self.mid[self.team_unit[mine & (self.team_vehicle == k)]])
            if len(chain) == 0:
                continue
            i = np.searchsorted(chain, x)
            left = np.abs(x - chain[np.maximum(i - 1, 0)])
            right = np.abs(chain[np.minimum(i, len(chain) - 1)] - x)
            d = np.minimum(left, right)
            reach = np.where(self.drive[k, a:b], np.minimum(reach, d), reach)
        per_unit = np.full(hi - lo, -1.0)  # -1: no road watches the unit (ignored)
        per_unit[units - lo] = np.inf
        np.minimum.at(per_unit, units - lo, reach)
        per_unit[np.isinf(per_unit)] = self.penalty
        far = float(per_unit.max()) if len(per_unit) else 0.0
        return max(2.0 * far, 2.0 * float(self.cum[hi] - self.cum[lo]) / int(mine.sum()))


def _cuts(reach: _Reach, team_unit: np.ndarray, cum: np.ndarray, n: int) -> list[int]:
    """Unit positions where sectors start (after the first).

    Cuts fall halfway between the units of two consecutive bases, so every sector
    has a team. Each cut is taken among the :data:`CUT_WINDOW` team gaps either
    side of the one nearest its equal-length place, the choice that minimises the
    largest sector score of :class:`_Reach` (dynamic programming over the cuts).
    """
    units = np.unique(team_unit)  # the units holding a base, in chainage order
    if n <= 1 or len(units) < 2:
        return []
    cand = (units[:-1] + units[1:] + 1) // 2
    c = len(cand)
    n = min(n, c + 1)
    total = float(cum[-1])
    windows = []
    for k in range(n - 1):  # cut k may use candidates k .. c - n + 1 + k
        near = int(np.argmin(np.abs(cum[cand] - (k + 1) * total / n)))
        lo, hi = max(k, near - CUT_WINDOW), min(c - n + 1 + k, near + CUT_WINDOW)
        if lo > hi:
            lo = hi = min(max(near, k), c - n + 1 + k)
        windows.append(range(lo, hi + 1))

    # best[j]: (largest sector score, sum of squared scores, cuts) with the latest cut at j;
    # the squares break ties of the largest towards balanced sectors
    def add(state: tuple[float, float, list[int]], score: float, j: int | None) -> Any:
        mx, sq, cuts = state
        return (max(mx, score), sq + score * score, cuts if j is None else [*cuts, j])

    best: dict[int, tuple[float, float, list[int]]] = {}
    for j in windows[0]:
        best[j] = add((0.0, 0.0, []), reach.score(0, int(cand[j])), j)
    for k in range(1, n - 1):
        step: dict[int, tuple[float, float, list[int]]] = {}
        for j in windows[k]:
            options = [
                add(state, reach.score(int(cand[i]), int(cand[j])), j)
                for i, state in best.items()
                if i < j
            ]
            if options:
                step[j] = min(options)
        best = step
    last = len(cum) - 1
    final = min(add(state, reach.score(int(cand[j]), last), None) for j, state in best.items())
    return [int(cand[j]) for j in final[2]]


def split_sectors(
    network: PatrolNetwork,
    sectors: int | str = "auto",
    *,
    margin_m: float = DEFAULT_MARGIN_M,
    option: str = "--sectors",
    tolerance: float | None = SPLIT_TOLERANCE,
    bound_rounds: int = SPLIT_BOUND_ROUNDS,
) -> tuple[Sector, ...]:
    """Split the border of ``network`` by chainage into sectors with the teams based in them.

    Parameters
    ----------
    network
        The whole network (not changed).
    sectors
        ``"auto"`` (:func:`auto_sector_count`) or the number of sectors. Fewer
        come out when the bases are too bunched to put a team in every
        sector, or when a sector's teams can reach no road that watches it
        (such a sector is merged with a neighbour; both are logged).
    margin_m
        Roads whose nodes lie up to this far (chainage of their nearest border
        unit) beyond a sector's ends are part of its sub-network.
    option
        The option name errors give.
    tolerance
        No sector's own bounds (the round trip to its farthest unit; the assignment
        bound of its required roads with its teams) may exceed the whole border's
        of the same kind by more than this fraction: the cuts move until none does,
        and a sector no move brings within it is merged with a neighbour (warned,
        naming the sector, its bound and the whole border's; :func:`_balance`); a
        small split is then checked by trial plans against the same tolerance
        (:func:`_trial_split`). ``None``: keep the chainage cuts.
    bound_rounds
        Rounds of the assignment bound that gives each trial sector its workload
        bound; 0: the round trip alone (and the whole border's round trip as the
        reference).

    Returns
    -------
    tuple of Sector
        In chainage order; their units tile ``network.units``.

    Raises
    ------
    ConfigError
        A bad ``sectors`` value (not ``auto`` or a whole number from 1 to the
        number of teams), a negative margin or tolerance, or bad ``bound_rounds``.
    """
    n = _sector_count(network, sectors, option)
    if not (isinstance(margin_m, int | float) and math.isfinite(margin_m) and margin_m >= 0):
        raise ConfigError(
            "the sector margin is a distance >= 0 m", field="margin_m", value=margin_m
        )
    if tolerance is not None and not (
        isinstance(tolerance, int | float) and math.isfinite(tolerance) and tolerance >= 0
    ):
        raise ConfigError(
            "the split tolerance is a fraction >= 0", field="tolerance", value=tolerance
        )
    if isinstance(bound_rounds, bool) or not isinstance(bound_rounds, int) or bound_rounds < 0:
        raise ConfigError(
            "the split's bound rounds are a whole number >= 0",
            field="bound_rounds",
            value=bound_rounds,
        )
    lengths = network.units["length_m"].to_numpy(dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    team_unit = _nearest_unit(network, network.teams.geometry.to_numpy())
    node_unit = _nearest_unit(network, network.nodes.geometry.to_numpy())
    mid = (cum[:-1] + cum[1:]) / 2.0
    node_chain = mid[node_unit]
    starts = [0, *_cuts(_Reach(network, team_unit, cum), team_unit, cum, n), len(lengths)]
    if len(starts) - 1 < n:
        logger.warning(
            "sectors: the team bases allow only %d sectors with a team each (asked %d)",
            len(starts) - 1,
            n,
        )
    can = _team_watch(network)  # teams x units: what each team can watch on the whole network
    base_units = np.unique(team_unit)
    cand = (base_units[:-1] + base_units[1:] + 1) // 2
    bounds = (
        None
        if tolerance is None
        else _SplitBounds(network, team_unit, node_chain, cum, float(margin_m), bound_rounds)
    )
    while True:
        built = [
            _build_sector(network, i, lo, hi, team_unit, node_chain, cum, margin_m)
            for i, (lo, hi) in enumerate(zip(starts[:-1], starts[1:], strict=True))
        ]
        if len(starts) <= 2:
            break
        bad = [i for i, (_, ok) in enumerate(built) if not ok]
        if not bad:
            drop = _rescue(starts, team_unit, can, lengths)
            if drop is None:
                if bounds is None:
                    break
                balanced = _balance(bounds, starts, cand, float(tolerance or 0.0))
                if balanced == starts:
                    break
                starts = balanced
                continue
            logger.warning(
                "sectors: units of km %.1f-%.1f only teams of the next sector can watch; "
                "the two sectors merged",
                cum[starts[drop - 1]] / 1000.0,
                cum[starts[drop + 1]] / 1000.0,
            )
            del starts[drop]
            continue
        i = bad[0]
        # merge it with the shorter neighbour (the only one at either end)
        left = starts[i] - starts[i - 1] if i > 0 else math.inf
        right = starts[i + 2] - starts[i + 1] if i + 2 < len(starts) else math.inf
        drop = i if left <= right else i + 1
        logger.warning(
            "sectors: the teams of km %.1f-%.1f reach no road that watches it; merged with a neighbour",
            cum[starts[i]] / 1000.0,
            cum[starts[i + 1]] / 1000.0,
        )
        del starts[drop]
    if (
        bounds is not None
        and bounds.rounds > 0  # the trial plans' instances are the workload bounds' ones
        and len(starts) > 2
        and bounds.links(starts) <= TRIAL_MAX_LINKS
    ):
        tried = _trial_split(bounds, starts, cand, float(tolerance or 0.0))
        if tried != starts:
            starts = tried
            built = [
                _build_sector(network, i, lo, hi, team_unit, node_chain, cum, margin_m)
                for i, (lo, hi) in enumerate(zip(starts[:-1], starts[1:], strict=True))
            ]
    out = tuple(
        dataclasses.replace(s, lost_units=_lost_units(s.unit_lo, s.unit_hi, s.teams, network, can))
        for s, _ in built
    )
    logger.info(
        "sectors: %d sectors of %s km, %s teams",
        len(out),
        "/".join(f"{s.km:.0f}" for s in out),
        "/".join(str(len(s.teams)) for s in out),
    )
    return out


def _team_watch(network: PatrolNetwork) -> np.ndarray:
    """Which units each team can watch on the whole network (teams x units, bool).

    A team can watch a unit when a road that watches it is one its vehicle may
    drive, in the road component of its base for that vehicle (the rows of
    :func:`_cost_rows`).
    """
    rows, team_row = _cost_rows(network)
    drive = np.isfinite(rows).T.astype(np.int32)  # edges x rows
    unit_edge = sparse.csr_array(network.watch.unit_edge, dtype=np.int32)
    watched = np.asarray(unit_edge @ drive) > 0  # units x rows
    out: np.ndarray = watched.T[team_row]
    return out


def _sector_can(can: np.ndarray, team_unit: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The units the teams based at units ``lo .. hi - 1`` can watch (bool per unit)."""
    mine = (team_unit >= lo) & (team_unit < hi)
    out: np.ndarray = np.asarray(can[mine].any(axis=0), dtype=bool)
    return out


def _lost_units(
    lo: int, hi: int, teams: Sequence[str], network: PatrolNetwork, can: np.ndarray
) -> np.ndarray:
    """Units ``lo .. hi - 1`` some team can watch on the whole network but none of ``teams``."""
    mine = network.teams.index.isin(list(teams))
    anyone = can[:, lo:hi].any(axis=0)
    own = can[mine, lo:hi].any(axis=0)
    return (lo + np.flatnonzero(anyone & ~own)).astype(np.int64)


def _rescue(
    starts: Sequence[int], team_unit: np.ndarray, can: np.ndarray, lengths: np.ndarray
) -> int | None:
    """The sector start to delete (merging two neighbours) so that fewer units are lost, or None.

    A unit is lost to the split when a team can watch it on the whole network
    but no team of its own sector can. The first sector (in chainage order)
    with lost units that a neighbour's teams can watch is merged with the
    neighbour that rescues more of their length (ties: the shorter
    neighbour). Units only teams two or more sectors away can watch are not
    rescued by a merge of neighbours; they are rescued later only if a merge
    brings such a team next to them.
    """
    anyone = np.asarray(can.any(axis=0), dtype=bool)
    n = len(starts) - 1
    for i in range(n):
        lo, hi = starts[i], starts[i + 1]
        lost = anyone[lo:hi] & ~_sector_can(can, team_unit, lo, hi)[lo:hi]
        if not lost.any():
            continue
        gain = []
        for j in (i - 1, i + 1):
            if 0 <= j < n:
                other = _sector_can(can, team_unit, starts[j], starts[j + 1])[lo:hi]
                size = starts[j + 1] - starts[j]
                gain.append((-float(lengths[lo:hi][lost & other].sum()), size, j))
        best = min(gain)
        if best[0] < 0:
            return i if best[2] < i else i + 1  # delete the start between the two
    return None


def _build_sector(
    network: PatrolNetwork,
    index: int,
    lo: int,
    hi: int,
    team_unit: np.ndarray,
    node_chain: np.ndarray,
    cum: np.ndarray,
    margin_m: float,
    *,
    quiet: bool = False,
) -> tuple[Sector, bool]:
    """The sector of units ``lo .. hi - 1`` and whether one of its teams reaches a road watching it.

    ``quiet``: no log line (a trial sector of :class:`_SplitBounds`).
    """
    n_nodes = len(network.nodes)
    eu = network.edges["u"].to_numpy()
    ev = network.edges["v"].to_numpy()
    teams = network.teams
    mine = (team_unit >= lo) & (team_unit < hi)
    team_ids = tuple(str(t) for t in teams.index[mine])
    bases = teams["node"].to_numpy()[mine].astype(np.int64)
    vehicles = teams["vehicle"].astype(str).to_numpy()[mine]
    watch = network.watch
    watching = np.unique(watch.unit_edge[lo:hi].indices)  # edges watching a sector unit
    rows = watch.unit_checkpoint[lo:hi]
    cps = np.unique(np.concatenate([rows.indices, watch.nearest_checkpoint[lo:hi]]))
    cps = cps[cps >= 0].astype(np.int64)

    keep = np.zeros(n_nodes, dtype=bool)
    keep[(node_chain >= cum[lo] - margin_m) & (node_chain <= cum[hi] + margin_m)] = True
    keep[bases] = True
    keep[eu[watching]] = True
    keep[ev[watching]] = True
    if len(cps):
        keep[network.checkpoints["node"].to_numpy()[cps].astype(np.int64)] = True

    reached_any = False
    for vehicle in sorted(set(vehicles.tolist())):
        ok = np.isfinite(network.edge_seconds(vehicle))
        targets = np.unique(
            np.concatenate([eu[watching[ok[watching]]], ev[watching[ok[watching]]]])
        )
        if len(targets) == 0:
            continue
        src = bases[vehicles == vehicle]
        inside = ok & keep[eu] & keep[ev]
        labels = node_components(n_nodes, eu[inside], ev[inside])
        missing = targets[~np.isin(labels[targets], labels[src])]
        if len(missing):
            # reachable on the whole network but not inside the subset: add the shortest paths
            dist, pred, _ = csgraph.dijkstra(
                network.csr(vehicle),
                directed=False,
                indices=src,
                min_only=True,
                return_predecessors=True,
            )
            added = 0
            walked = np.zeros(n_nodes, dtype=bool)
            for t in missing[np.isfinite(dist[missing])]:
                node = int(t)
                while node >= 0 and not walked[node]:  # back to the base (csgraph: -9999)
                    walked[node] = True
                    added += int(not keep[node])
                    keep[node] = True
                    node = int(pred[node])
            if added and not quiet:
                logger.info(
                    "sector %d: %d nodes added so that its %s teams reach its roads",
                    index,
                    added,
                    vehicle,
                )
            inside = ok & keep[eu] & keep[ev]
            labels = node_components(n_nodes, eu[inside], ev[inside])
        reached_any = reached_any or bool(np.isin(labels[targets], labels[src]).any())

    nodes = np.flatnonzero(keep)
    edges = np.flatnonzero(keep[eu] & keep[ev])
    sector = Sector(
        index=index,
        unit_lo=int(lo),
        unit_hi=int(hi),
        start_m=float(cum[lo]),
        end_m=float(cum[hi]),
        teams=team_ids,
        nodes=nodes,
        edges=edges,
        checkpoints=cps,
    )
    return sector, reached_any and bool(team_ids)


# --------------------------------------------------------------------------- the split's quality


def _trip_per_unit(
    network: PatrolNetwork, teams: np.ndarray, edges: np.ndarray | None
) -> np.ndarray:
    """Per unit, the cheapest round trip (s) from a base of ``teams`` through a road watching it.

    ``teams`` is a bool mask over the network's teams; ``edges`` the edge positions
    the teams may use (None: all). The trip of a road is the distance from the
    nearest base of a team whose vehicle may drive it to one end, the road, and
    back from the other end to the nearest such base: a team whose loop drives
    the road drives at least that much. ``inf`` where none of ``teams`` can
    watch the unit, ``nan`` where no road watches it.
    """
    n_nodes = len(network.nodes)
    eu = network.edges["u"].to_numpy()
    ev = network.edges["v"].to_numpy()
    allowed = np.ones(len(eu), dtype=bool)
    if edges is not None:
        allowed = np.zeros(len(eu), dtype=bool)
        allowed[edges] = True
    vehicles = network.teams["vehicle"].astype(str).to_numpy()
    bases = network.teams["node"].to_numpy().astype(np.int64)
    best = np.full(len(eu), np.inf)
    for vehicle in sorted(set(vehicles[teams].tolist())):
        secs = network.edge_seconds(vehicle)
        ok = np.isfinite(secs) & allowed
        graph = _symmetric_min_csr(eu[ok], ev[ok], secs[ok], n_nodes)  # parallel: the cheapest
        src = np.unique(bases[teams & (vehicles == vehicle)])
        dist = csgraph.dijkstra(graph, directed=False, indices=src, min_only=True)
        trip = np.where(np.isfinite(secs) & allowed, dist[eu] + secs + dist[ev], np.inf)
        best = np.minimum(best, trip)
    unit_edge = sparse.csr_array(network.watch.unit_edge)
    out = np.full(len(network.units), np.nan)
    counts = np.diff(unit_edge.indptr)
    has = counts > 0
    if has.any():
        vals = best[unit_edge.indices]
        out[has] = np.minimum.reduceat(vals, unit_edge.indptr[:-1][has])
    return out


#: The loggers of the steps a trial sector's workload bound runs (quiet while balancing).
_TRIAL_LOGGERS = (
    "borderwatch.plan.required",
    "borderwatch.routing.patrol",
    "borderwatch.routing.assignment",
    "borderwatch.routing.minmax",
    "borderwatch.routing.population",
)


@contextmanager
def _quiet() -> Iterator[None]:
    """No warnings and no log lines below ERROR from a trial sector's cover, instance, bound."""
    loggers = [logging.getLogger(name) for name in _TRIAL_LOGGERS]
    levels = [lg.level for lg in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for lg, level in zip(loggers, levels, strict=True):
                lg.setLevel(level)


class _SplitBounds:
    """Each candidate sector's own bounds against the whole border's (cached).

    A sector has two lower bounds (s) of any plan of the sector (its teams, its
    sub-network), each held against the whole border's of the same kind:

    * **reach**: over its units its teams can watch, the cheapest round trip from a
      base of its teams through a road watching the unit (:func:`_trip_per_unit`);
      the units some team could watch but none of the sector's are its lost units;
    * **workload** (``rounds`` > 0): the assignment bound
      (:func:`~borderwatch.routing.assignment.assignment_bound`, ``rounds`` rounds)
      of the sector's required roads (the cover
      :func:`~borderwatch.plan.required.choose_required_edges` chooses on its
      sub-network, as its plan does) served by its teams: it grows when the
      sector's teams are too few or too far for its roads, which reach alone
      does not see.

    The whole border's reach bound (``ref``) is the cheapest round trip to its
    dearest unit from any base on the whole network. Its workload reference for a
    split (:meth:`reference`) is a lower bound of the longest loop of any plan of
    the whole border that serves the sectors' required roads: the larger of
    ``ref`` and the assignment bound of the union of the sectors' required roads
    served by *every* team on the *whole* network (:data:`SPLIT_REFERENCE_ROUNDS`
    rounds, pruned and capped at the largest sector workload bound over ``1 +
    tolerance``: it only has to tell whether that bound is within the tolerance).
    A per-sector reference (one sector's roads with every team) would let all teams
    help that sector for free: on 120 km seed 10 it stays at 191 min where the
    whole border's is 236. Both parts count: the workload bound of a small sector
    can be weak (80 km seed 4, 3 + 3 teams: within the 2 % of the whole border's
    while its plan came out 9.5 % above the whole plan; its reach is 15 % over).
    """

    def __init__(
        self,
        network: PatrolNetwork,
        team_unit: np.ndarray,
        node_chain: np.ndarray,
        cum: np.ndarray,
        margin_m: float,
        rounds: int = SPLIT_BOUND_ROUNDS,
    ) -> None:
        self.network = network
        self.team_unit = team_unit
        self.node_chain = node_chain
        self.cum = cum
        self.margin_m = margin_m
        self.rounds = rounds
        self.lengths = np.diff(cum)
        whole = _trip_per_unit(network, np.ones(len(network.teams), dtype=bool), None)
        self.watchable = np.isfinite(whole)
        self.ref = float(whole[self.watchable].max()) if self.watchable.any() else 0.0
        self._cache: dict[tuple[int, int], tuple[float, float]] = {}
        # per sector: its required roads (whole-network edge ids) and own workload bound
        self._work: dict[tuple[int, int], tuple[np.ndarray, float]] = {}
        self._whole: dict[tuple[tuple[int, ...], float], float] = {}
        # per sector: the routing instance of its required roads (the trial plan's, _Trial)
        self.instances: dict[tuple[int, int], ArcInstance] = {}

    def sector(self, lo: int, hi: int) -> tuple[float, float]:
        """(own bound in s, lost km) of the sector of units ``lo .. hi - 1``."""
        key = (lo, hi)
        if key not in self._cache:
            built, _ = _build_sector(
                self.network,
                0,
                lo,
                hi,
                self.team_unit,
                self.node_chain,
                self.cum,
                self.margin_m,
                quiet=True,
            )
            mine = self.network.teams.index.isin(list(built.teams))
            trip = _trip_per_unit(self.network, mine, built.edges)[lo:hi]
            need = self.watchable[lo:hi]
            ok = need & np.isfinite(trip)
            bound = float(trip[ok].max()) if ok.any() else 0.0
            lost = float(self.lengths[lo:hi][need & ~ok].sum()) / 1000.0
            if self.rounds > 0 and built.teams:
                self._work[key] = self._workload(built)
            self._cache[key] = (bound, lost)
        return self._cache[key]

    def work(self, lo: int, hi: int) -> float:
        """The workload bound (s) of the sector of units ``lo .. hi - 1`` (0 without rounds)."""
        self.sector(lo, hi)
        return self._work[(lo, hi)][1] if (lo, hi) in self._work else 0.0

    def _workload(self, built: Sector) -> tuple[np.ndarray, float]:
        """The required roads of ``built`` (whole-network ids) and their own bound (s).

        The assignment bound of those roads served by its teams on its sub-network
        (0 where its teams reach none of them: its reach bound says so).
        """
        none = np.zeros(0, dtype=np.int64)
        with _quiet():
            sub = sector_network(self.network, built)
            req = choose_required_edges(sub)
            try:
                inst = build_instance(sub, req.edges).instance
            except RoutingError:
                return none, 0.0
            if not inst.required.any():
                return none, 0.0
            self.instances[(built.unit_lo, built.unit_hi)] = inst
            own = assignment_bound(
                inst, max_rounds=self.rounds, time_limit_s=math.inf, basic=round_trip_bound(inst)
            )
        return built.edges[req.edges].astype(np.int64), float(own)

    def reference(self, starts: Sequence[int], cap: float) -> float:
        """The whole border's reference (s) for the split ``starts`` (see the class).

        The assignment bound of the union of the sectors' required roads with every
        team on the whole network stops at ``cap`` (pairs whose round trip exceeds it
        are left out, the bound's incumbent pruning), so the result is at most
        ``max(cap, ref)``: enough to tell whether a sector's bound is within the
        tolerance of it.
        """
        key = (tuple(starts), cap)
        if key not in self._whole:
            none = np.zeros(0, dtype=np.int64)
            parts = []
            for lo, hi in zip(starts[:-1], starts[1:], strict=True):
                self.sector(lo, hi)
                parts.append(self._work.get((lo, hi), (none, 0.0))[0])
            edges = np.unique(np.concatenate(parts)) if parts else none
            value = 0.0
            if self.rounds > 0 and len(edges) and cap > self.ref:
                with _quiet():
                    inst = build_instance(self.network, edges).instance
                    value = assignment_bound(
                        inst,
                        max_rounds=max(self.rounds, SPLIT_REFERENCE_ROUNDS),
                        time_limit_s=math.inf,
                        incumbent=cap,
                        basic=min(cap, round_trip_bound(inst)),
                    )
            self._whole[key] = max(self.ref, min(cap, float(value)))
        return self._whole[key]

    def links(self, starts: Sequence[int]) -> int:
        """Required links over the sectors of ``starts`` (the sum of their covers)."""
        total = 0
        for lo, hi in zip(starts[:-1], starts[1:], strict=True):
            self.sector(lo, hi)
            total += len(self._work[(lo, hi)][0]) if (lo, hi) in self._work else 0
        return total

    def ratios(self, starts: Sequence[int], work_ref: float) -> list[float]:
        """Per sector of ``starts``: max(reach bound / ``ref``, workload bound / ``work_ref``).

        ``work_ref`` is the whole border's reference for the split (:meth:`reference`).
        """
        out = []
        for lo, hi in zip(starts[:-1], starts[1:], strict=True):
            reach = self.sector(lo, hi)[0] / self.ref if self.ref > 0 else 0.0
            work = self.work(lo, hi) / work_ref if work_ref > 0 else 0.0
            out.append(max(reach, work))
        return out

    def score(self, starts: Sequence[int], work_ref: float) -> tuple[float, float, float]:
        """(lost km, largest ratio, sum of squared ratios) of a split: lower is better."""
        lost = sum(self.sector(lo, hi)[1] for lo, hi in zip(starts[:-1], starts[1:], strict=True))
        ratios = self.ratios(starts, work_ref)
        return (round(lost, 6), max(ratios), sum(r * r for r in ratios))


def _balance(
    bounds: _SplitBounds, starts: list[int], cand: np.ndarray, tolerance: float
) -> list[int]:
    """The split ``starts`` with no sector's own bound above the whole border's by ``tolerance``.

    While a sector's own reach or workload bound (:class:`_SplitBounds`) exceeds
    ``(1 + tolerance)`` times the whole border's of the same kind (for the workload,
    :meth:`_SplitBounds.reference` of the split), the cuts of the sector with the
    largest ratio move (each to any candidate place, halfway between two bases, within
    :data:`CUT_WINDOW` candidates and between its neighbours' cuts): the move that
    lowers the split's score most (never losing more border to the split), up to
    :data:`BALANCE_MOVES` moves per sector. A sector no move brings within the
    tolerance is refused: merged with the neighbour that gives the better split,
    with a warning naming the sector, its bound and the whole border's reference.
    """
    starts = list(starts)
    limit = 1.0 + tolerance
    cum = bounds.cum
    moves = BALANCE_MOVES * (len(starts) - 1)
    while len(starts) > 2:
        pairs = list(zip(starts[:-1], starts[1:], strict=True))
        work = [bounds.work(lo, hi) for lo, hi in pairs]
        # the whole border's workload reference (an assignment bound) only where it decides
        ref = (
            bounds.ref
            if max(work) <= limit * bounds.ref
            else bounds.reference(starts, max(work) / limit)
        )
        ratios = bounds.ratios(starts, ref)
        if max(ratios) <= limit:
            return starts
        score = bounds.score(starts, ref)
        worst = int(np.argmax(ratios))
        best: tuple[tuple[float, float, float], list[int]] | None = None
        if moves > 0:
            for c in (worst, worst + 1):  # its left and right cut
                if c == 0 or c == len(starts) - 1:
                    continue
                at = int(np.searchsorted(cand, starts[c]))
                for j in range(max(0, at - CUT_WINDOW), min(len(cand), at + CUT_WINDOW + 1)):
                    x = int(cand[j])
                    if x == starts[c] or not (starts[c - 1] < x < starts[c + 1]):
                        continue
                    trial = [*starts[:c], x, *starts[c + 1 :]]
                    s = bounds.score(trial, ref)
                    if s < score and (best is None or s < best[0]):
                        best = (s, trial)
        if best is not None:
            moves -= 1
            logger.info(
                "sectors: a cut moved to lower sector %d's own bound (%.3f -> largest %.3f "
                "of the whole border's)",
                worst + 1,
                ratios[worst],
                best[0][1],
            )
            starts = best[1]
            continue
        merged = []
        for drop in (worst, worst + 1):
            if 0 < drop < len(starts) - 1:
                trial = [*starts[:drop], *starts[drop + 1 :]]
                merged.append(trial)
        lo, hi = pairs[worst]
        reach = bounds.sector(lo, hi)[0]
        if bounds.ref > 0 and reach / bounds.ref >= ratios[worst]:
            own, whole, what = reach, bounds.ref, "the round trip to its farthest unit"
        else:
            own, whole, what = work[worst], ref, "its workload"
        logger.warning(
            "sectors: sector %d (km %.1f-%.1f) refused: its own bound %.1f min exceeds the "
            "whole border's bound %.1f min by more than %.0f %% (%s) and no cut move helps; "
            "merged with a neighbour",
            worst + 1,
            cum[lo] / 1000.0,
            cum[hi] / 1000.0,
            own / 60.0,
            whole / 60.0,
            100.0 * tolerance,
            what,
        )
        # one neighbour: no need to bound the merged sector; two: the better split
        starts = merged[0] if len(merged) == 1 else min(merged, key=lambda t: bounds.score(t, ref))
    return starts


class _Trial:
    """Trial plans: the whole border's longest loop and each candidate sector's (cached).

    Each is the routing search of a plan with the default budget
    (:func:`~borderwatch.routing.population.solve_search`, a count: the same on any
    load) and the plan's default seed (the network's; sector ``i`` with
    :func:`sector_seed`), on the instance its plan would build: the whole border's
    cover (:func:`~borderwatch.plan.required.choose_required_edges`) and each
    sector's (its sub-network's cover, :class:`_SplitBounds`).
    """

    def __init__(self, bounds: _SplitBounds) -> None:
        self.bounds = bounds
        self.seed = SearchParams().seeded(bounds.network.config.seed)
        self._loops: dict[tuple[int, int, int], float] = {}
        with _quiet():
            req = choose_required_edges(bounds.network)
            try:
                inst = build_instance(bounds.network, req.edges).instance
            except RoutingError:
                inst = None
        self.whole = 0.0 if inst is None else self._longest(inst, self.seed)

    @staticmethod
    def _longest(inst: ArcInstance, seed: int) -> float:
        if not inst.required.any():
            return 0.0
        with _quiet():
            return float(solve_search(inst, SearchParams(seed=seed)).max_cost)

    def loop(self, index: int, lo: int, hi: int) -> float:
        """The trial plan's longest loop (s) of sector ``index``, units ``lo .. hi - 1``.

        ``inf`` when the sector has no instance (its teams reach none of its roads).
        """
        key = (index, lo, hi)
        if key not in self._loops:
            self.bounds.sector(lo, hi)
            inst = self.bounds.instances.get((lo, hi))
            self._loops[key] = (
                math.inf if inst is None else self._longest(inst, sector_seed(self.seed, index))
            )
        return self._loops[key]

    def worst(self, starts: Sequence[int]) -> tuple[float, int]:
        """The longest sector loop of the split ``starts`` (s) and its sector's position."""
        loops = [
            self.loop(i, lo, hi)
            for i, (lo, hi) in enumerate(zip(starts[:-1], starts[1:], strict=True))
        ]
        at = int(np.argmax(loops))
        return loops[at], at


def _within_bounds(bounds: _SplitBounds, starts: Sequence[int], limit: float) -> bool:
    """Whether every sector's own bounds of ``starts`` are within ``limit`` of the whole's."""
    pairs = list(zip(starts[:-1], starts[1:], strict=True))
    work = max(bounds.work(lo, hi) for lo, hi in pairs)
    ref = bounds.ref if work <= limit * bounds.ref else bounds.reference(starts, work / limit)
    return max(bounds.ratios(starts, ref)) <= limit


def _trial_split(
    bounds: _SplitBounds, starts: list[int], cand: np.ndarray, tolerance: float
) -> list[int]:
    """The split ``starts`` checked by trial plans (:class:`_Trial`): kept, a cut moved, or refused.

    For a small border (:data:`TRIAL_MAX_LINKS`), where the whole plan is cheap and
    a split's cost can hide from every bound. When the sectors' longest trial loop
    exceeds the whole border's by more than ``tolerance``, each cut in turn tries the
    candidate places within :data:`TRIAL_WINDOW` of it (never losing more border to
    the split, its sectors' own bounds within the tolerance as :func:`_balance`
    keeps them); the one with the least longest loop is kept if it is within the
    tolerance. Else the sector with the longest loop is refused (merged with the
    neighbour that gives the better trial, one warning line naming the figures) and
    the rest is checked again.
    """
    trial = _Trial(bounds)
    limit = 1.0 + tolerance
    cum = bounds.cum

    def lost(split: Sequence[int]) -> float:
        pairs = zip(split[:-1], split[1:], strict=True)
        return round(sum(bounds.sector(lo, hi)[1] for lo, hi in pairs), 6)

    starts = list(starts)
    while len(starts) > 2:
        worst, at = trial.worst(starts)
        if trial.whole <= 0 or worst <= limit * trial.whole:
            return starts
        base_lost = lost(starts)
        best: tuple[float, list[int]] | None = None
        for c in range(1, len(starts) - 1):
            pos = int(np.searchsorted(cand, starts[c]))
            for j in range(max(0, pos - TRIAL_WINDOW), min(len(cand), pos + TRIAL_WINDOW + 1)):
                x = int(cand[j])
                if x == starts[c] or not (starts[c - 1] < x < starts[c + 1]):
                    continue
                moved = [*starts[:c], x, *starts[c + 1 :]]
                if lost(moved) > base_lost:
                    continue
                loop = trial.worst(moved)[0]
                if (best is None or loop < best[0]) and (
                    loop > limit * trial.whole or _within_bounds(bounds, moved, limit)
                ):
                    best = (loop, moved)
        if best is not None and best[0] <= limit * trial.whole:
            logger.info(
                "sectors: a cut moved: the sectors' trial plans' longest loop %.1f -> %.1f min "
                "(the whole border's %.1f)",
                worst / 60.0,
                best[0] / 60.0,
                trial.whole / 60.0,
            )
            return best[1]
        lo, hi = starts[at], starts[at + 1]
        logger.warning(
            "sectors: sector %d (km %.1f-%.1f) refused: its trial plan's longest loop %.1f min "
            "exceeds the whole border's trial plan's %.1f min by more than %.0f %% and no cut "
            "move (up to %d candidate places each way) helps (best %.1f); merged with a neighbour",
            at + 1,
            cum[lo] / 1000.0,
            cum[hi] / 1000.0,
            worst / 60.0,
            trial.whole / 60.0,
            100.0 * tolerance,
            TRIAL_WINDOW,
            (worst if best is None else min(worst, best[0])) / 60.0,
        )
        merged = [
            [*starts[:drop], *starts[drop + 1 :]]
            for drop in (at, at + 1)
            if 0 < drop < len(starts) - 1
        ]
        starts = merged[0] if len(merged) == 1 else min(merged, key=lambda t: trial.worst(t)[0])
    return starts


# --------------------------------------------------------------------------- sub-networks
def subset_network(
    network: PatrolNetwork,
    *,
    units: np.ndarray | slice,
    nodes: np.ndarray,
    teams: Sequence[str],
    checkpoints: np.ndarray | None = None,
) -> PatrolNetwork:
    """A valid :class:`PatrolNetwork` of a subset of ``network`` (which is not changed).

    Parameters
    ----------
    network
        The whole network.
    units
        Positions of the border units to keep (a slice or sorted positions).
    nodes
        Sorted positions of the road nodes to keep; the roads kept are those
        with both ends among them. Every team base and checkpoint node kept
        must be among them.
    teams
        Ids of the teams to keep.
    checkpoints
        Positions of the checkpoints to keep (default none).

    Returns
    -------
    PatrolNetwork
        Tables renumbered 0..n-1 in the order of the kept whole-network rows
        (so position ``i`` of the subset is ``nodes[i]`` of the whole, and edge
        ``i`` is the ``i``-th kept edge in whole-network order); the watch index
        sliced from the whole one; node components recomputed; the scenario
        without its road graph and grids (a sub-network is planned, not rebuilt
        or drawn); caches empty.

    Raises
    ------
    RoutingError
        If a team base or checkpoint node is not among ``nodes``.
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    pos = np.full(len(network.nodes), -1, dtype=np.int64)
    pos[nodes] = np.arange(len(nodes))
    eu = network.edges["u"].to_numpy()
    ev = network.edges["v"].to_numpy()
    edge_ids = np.flatnonzero((pos[eu] >= 0) & (pos[ev] >= 0))
    unit_ids = np.arange(len(network.units))[units]
    cp_ids = np.zeros(0, dtype=np.int64) if checkpoints is None else np.asarray(checkpoints)
    cp_ids = cp_ids.astype(np.int64)

    sub_nodes = network.nodes.iloc[nodes].reset_index(drop=True)
    sub_nodes.index.name = "node"
    sub_edges = network.edges.iloc[edge_ids].reset_index(drop=True)
    sub_edges["u"] = pos[eu[edge_ids]]
    sub_edges["v"] = pos[ev[edge_ids]]
    sub_edges.index.name = "edge"
    sub_nodes["component"] = _components(sub_nodes, sub_edges)
    sub_units = network.units.iloc[unit_ids].reset_index(drop=True)
    sub_units.index.name = "unit"

    frame = network.teams.loc[list(teams)].copy()
    frame["node"] = pos[frame["node"].to_numpy().astype(np.int64)]
    cps = network.checkpoints.iloc[cp_ids].copy()
    cps["node"] = pos[cps["node"].to_numpy().astype(np.int64)]
    for what, table in (("team base", frame), ("checkpoint", cps)):
        lost = table.index[table["node"].to_numpy() < 0]
        if len(lost):
            raise RoutingError(f"{what} {lost[0]!r}: its road node is not in the subset")

    w = network.watch
    cp_pos = np.full(len(network.checkpoints), -1, dtype=np.int64)
    cp_pos[cp_ids] = np.arange(len(cp_ids))
    nearest = w.nearest_checkpoint[unit_ids]
    nearest = np.where(nearest >= 0, cp_pos[np.maximum(nearest, 0)], -1)
    watch = WatchIndex(
        unit_edge=sparse.csr_array(w.unit_edge[unit_ids][:, edge_ids]),
        unit_checkpoint=sparse.csr_array(w.unit_checkpoint[unit_ids][:, cp_ids]),
        checkpoint_distance_m=sparse.csr_array(w.checkpoint_distance_m[unit_ids][:, cp_ids]),
        nearest_checkpoint=nearest,
        nearest_checkpoint_m=np.where(nearest >= 0, w.nearest_checkpoint_m[unit_ids], np.inf),
        nearest_road_m=w.nearest_road_m[unit_ids],
    )
    scenario = dataclasses.replace(
        network.scenario,
        roads=nx.MultiDiGraph(crs="EPSG:4326"),
        grids={},
        teams=network.scenario.teams.loc[list(teams)],
        checkpoints=network.scenario.checkpoints.iloc[cp_ids],
    )
    return PatrolNetwork(
        scenario=scenario,
        config=network.config,
        crs=network.crs,
        nodes=sub_nodes,
        edges=sub_edges,
        border=network.border,
        units=sub_units,
        checkpoints=cps,
        teams=frame,
        grids={},
        watch=watch,
    )


def sector_network(network: PatrolNetwork, sector: Sector) -> PatrolNetwork:
    """The sub-network ``sector`` is planned on (:func:`subset_network` of its parts)."""
    sub = subset_network(
        network,
        units=slice(sector.unit_lo, sector.unit_hi),
        nodes=sector.nodes,
        teams=sector.teams,
        checkpoints=sector.checkpoints,
    )
    if len(sub.edges) != len(sector.edges):  # the sector's edges are those subset_network keeps
        raise RoutingError(f"sector {sector.index}: its edge list does not match its nodes")
    return sub


def sector_seed(seed: int, index: int) -> int:
    """The seed of sector ``index`` of a plan with ``seed`` (independent of the worker count)."""
    state = np.random.SeedSequence([int(seed), int(index)]).generate_state(1)
    return int(state[0]) & 0x7FFFFFFF


# --------------------------------------------------------------------------- planning
@dataclass(frozen=True)
class SectorFigures:
    """A sector's plan in short, for the report and ``plan.json``.

    Attributes
    ----------
    index, start_km, end_km, n_units, teams
        The sector.
    nodes, edges
        Size of its sub-network.
    seed
        Its seed (:func:`sector_seed`).
    links, required_edges
        Required links routed and required edges chosen.
    max_loop_min, minmax_loop_min, bound_min, gap_pct
        Its longest loop, its min-max stage's loop, its own lower bound on the
        latter and the gap (what :class:`PatrolPlan` of the sector says).
    worst_revisit_min
        Worst revisit over the sector's units counting only its own teams.
    iterations, search_s
        Search iterations and seconds of its min-max stage.
    seconds
        Wall-clock seconds per step of its plan (not written to plan.json).
    """

    index: int
    start_km: float
    end_km: float
    n_units: int
    teams: tuple[str, ...]
    nodes: int
    edges: int
    seed: int
    links: int
    required_edges: int
    max_loop_min: float
    minmax_loop_min: float
    bound_min: float
    gap_pct: float
    worst_revisit_min: float
    iterations: int
    search_s: float
    seconds: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (no timings, so that plan.json stays byte-identical)."""
        return {
            "sector": self.index,
            "start_km": round(self.start_km, 3),
            "end_km": round(self.end_km, 3),
            "units": self.n_units,
            "teams": list(self.teams),
            "nodes": self.nodes,
            "edges": self.edges,
            "seed": self.seed,
            "links": self.links,
            "required_edges": self.required_edges,
            "max_loop_min": round(self.max_loop_min, 2),
            "minmax_loop_min": round(self.minmax_loop_min, 2),
            "bound_min": round(self.bound_min, 2),
            "opt_gap_pct": round(self.gap_pct, 2),
            "worst_revisit_min": round(self.worst_revisit_min, 2),
        }


@dataclass(frozen=True)
class _SectorOutcome:
    """What a worker sends back: the sector plan mapped to whole-network ids, without the heavy parts.

    Walks and tasks of ``result`` and ``balanced`` hold whole-network edge ids, and
    ``-(1 + j)`` for the sector's link ``j`` (the stitched instance numbers the links).
    """

    figures: SectorFigures
    required: RequiredRoads
    links: tuple[Link, ...]
    unreachable: tuple[Link, ...]
    idle: tuple[str, ...]
    routes: tuple[TeamRoute, ...]
    result: RoutingResult
    balanced: RoutingResult
    window_min: float


@dataclass(frozen=True)
class SectorPlan(PatrolPlan):
    """A :class:`PatrolPlan` of the whole border made in sectors (see the module docstring).

    Attributes
    ----------
    sectors
        The sectors, in chainage order.
    figures
        Each sector's plan in short.
    sector_bound
        The largest of the sector bounds (s): it bounds the best plan that
        keeps this split, not the whole border's best plan.
    margin_m
        The chainage margin of the sub-networks.
    bound_kind
        ``"assignment"`` or ``"round trip"``: which bound ``result.lower_bound`` is.
    lost_km, lost_units
        Border a team could watch on the whole network but no team of its own
        sector can (:attr:`Sector.lost_units`): lost to the split.
    """

    sectors: tuple[Sector, ...] = ()
    figures: tuple[SectorFigures, ...] = ()
    sector_bound: float = 0.0
    margin_m: float = DEFAULT_MARGIN_M
    bound_kind: str = "round trip"
    lost_km: float = 0.0
    lost_units: int = 0

    @property
    def sector_bound_min(self) -> float:
        """The largest sector bound (minutes)."""
        return self.sector_bound / 60.0

    @property
    def sector_gap_pct(self) -> float:
        """Gap of the min-max loop above :attr:`sector_bound_min` (%, never below 0)."""
        return max(0.0, gap_pct(self.result.max_cost, self.sector_bound))

    def sectors_summary(self) -> dict[str, Any]:
        """The ``sectors`` entry of ``plan.json``: the split, the bounds and each sector's figures."""
        return {
            "n_sectors": len(self.sectors),
            "margin_m": self.margin_m,
            "bound": f"bound_min ({self.bound_kind} bound on the whole network) is valid for "
            "plans that serve the stitched required roads with all teams, not for plans that "
            "choose other roads; sector_bound_min, the largest sector bound, bounds only plans "
            "that keep this split",
            "sector_bound_min": round(self.sector_bound_min, 2),
            "sector_gap_pct": round(self.sector_gap_pct, 2),
            "lost_km": round(self.lost_km, 3),
            "lost_units": self.lost_units,
            "sectors": [f.as_dict() for f in self.figures],
        }


def _map_steps(steps: Sequence[Step], edge_ids: np.ndarray) -> tuple[Step, ...]:
    return tuple((int(edge_ids[e]), bool(f)) for e, f in steps)


def _map_walks(
    walks: Sequence[Sequence[Step]], n_sub: int, edge_ids: np.ndarray
) -> tuple[tuple[Step, ...], ...]:
    """Instance walks: network edges to whole ids, link ``j`` to ``-(1 + j)`` (offset at stitching)."""
    return tuple(
        tuple((int(edge_ids[e]) if e < n_sub else -(1 + int(e) - n_sub), bool(f)) for e, f in w)
        for w in walks
    )


def _plan_one(
    sub: PatrolNetwork,
    sector: Sector,
    *,
    search: SearchParams,
    fixed_edges: np.ndarray,
) -> _SectorOutcome:
    """Plan one sector (runs on a Dask worker or in this process) and map it to whole ids.

    ``fixed_edges`` are whole-network edge ids of the sector's own always-patrolled roads.
    """
    plan = plan_patrols(sub, search, fixed_edges=np.searchsorted(sector.edges, fixed_edges))
    e_ids = sector.edges
    n_ids = sector.nodes
    n_sub = plan.instance.n_network_edges

    def link(lk: Link) -> Link:
        return Link(
            edges=tuple(int(e_ids[e]) for e in lk.edges),
            forward=lk.forward,
            start=int(n_ids[lk.start]),
            end=int(n_ids[lk.end]),
        )

    def result(res: RoutingResult) -> RoutingResult:
        return dataclasses.replace(
            res,
            tasks=_map_walks(res.tasks, n_sub, e_ids),
            walks=_map_walks(res.walks, n_sub, e_ids),
        )

    req = plan.required
    required = dataclasses.replace(
        req,
        edges=e_ids[req.edges].astype(np.int64),
        fixed=e_ids[req.fixed].astype(np.int64),
        uncoverable=(np.asarray(req.uncoverable, dtype=np.int64) + sector.unit_lo),
    )
    routes = tuple(
        dataclasses.replace(
            r, steps=_map_steps(r.steps, e_ids), approach=_map_steps(r.approach, e_ids)
        )
        for r in plan.routes
    )
    figures = SectorFigures(
        index=sector.index,
        start_km=sector.start_m / 1000.0,
        end_km=sector.end_m / 1000.0,
        n_units=sector.n_units,
        teams=sector.teams,
        nodes=len(sub.nodes),
        edges=len(sub.edges),
        seed=plan.seed,
        links=len(plan.instance.links),
        required_edges=len(req.edges),
        max_loop_min=plan.max_loop_min,
        minmax_loop_min=plan.minmax_loop_min,
        bound_min=plan.bound_min,
        gap_pct=plan.gap_pct,
        worst_revisit_min=plan.objective.worst_revisit_min,
        iterations=plan.result.iterations,
        search_s=plan.result.seconds,
        seconds=dict(plan.seconds),
    )
    return _SectorOutcome(
        figures=figures,
        required=required,
        links=tuple(link(lk) for lk in plan.instance.links),
        unreachable=tuple(link(lk) for lk in plan.instance.unreachable),
        idle=plan.instance.idle,
        routes=routes,
        result=result(plan.result),
        balanced=result(plan.balanced),
        window_min=plan.schedule.timeline.window_min,
    )


def _plan_task(args: tuple[PatrolNetwork, Sector, dict[str, Any]]) -> _SectorOutcome:
    sub, sector, options = args
    return _plan_one(sub, sector, **options)


def _run_dask(
    client: Client,
    subs: list[PatrolNetwork],
    sectors: Sequence[Sector],
    options: list[dict[str, Any]],
) -> list[_SectorOutcome]:
    import uuid

    import distributed

    run = uuid.uuid4().hex[:8]
    futures = []
    for sub, sector, opts in zip(subs, sectors, options, strict=True):
        [data] = client.scatter([(sub, sector, opts)], hash=False)
        futures.append(
            client.submit(
                _plan_task, data, key=f"borderwatch-sector-{run}-{sector.index}", pure=False
            )
        )
    try:
        out: dict[int, _SectorOutcome] = {}
        for future in distributed.as_completed(futures, loop=client.loop):
            outcome: _SectorOutcome = future.result()  # a failed sector fails the plan
            out[outcome.figures.index] = outcome
            logger.info("sector %d planned", outcome.figures.index)
        return [out[s.index] for s in sectors]
    finally:
        client.cancel([f for f in futures if not f.done()])


def _own_fixed(
    network: PatrolNetwork, sectors: Sequence[Sector], fixed: np.ndarray
) -> list[np.ndarray]:
    """Each sector's own always-patrolled edges (whole-network ids), each edge in one sector.

    An edge goes to a sector whose sub-network holds it and one of whose teams
    may drive it: the sector of its nearest border unit if that one can, else
    the one whose chainage is nearest. An edge no sector can take is left out
    (logged), as a whole plan leaves out an always-patrolled road no team
    vehicle may drive.
    """
    out: list[list[int]] = [[] for _ in sectors]
    if len(fixed) == 0:
        return [np.zeros(0, dtype=np.int64) for _ in sectors]
    unit = _nearest_unit(network, network.edges.geometry.to_numpy()[fixed])
    cum = np.concatenate([[0.0], np.cumsum(network.units["length_m"].to_numpy(dtype=float))])
    at = (cum[unit] + cum[unit + 1]) / 2.0
    vehicles = network.teams["vehicle"].astype(str)
    drive = {v: np.isfinite(network.edge_seconds(v)) for v in sorted(set(vehicles))}
    left = 0
    for e, x in zip(fixed.tolist(), at.tolist(), strict=True):
        options = []
        for k, s in enumerate(sectors):
            pos = int(np.searchsorted(s.edges, e))
            held = pos < len(s.edges) and int(s.edges[pos]) == e
            if held and any(drive[str(vehicles[t])][e] for t in s.teams):
                options.append((max(0.0, s.start_m - x, x - s.end_m), k))
        if options:
            out[min(options)[1]].append(e)
        else:
            left += 1
    if left:
        logger.warning(
            "sectors: %d always-patrolled edges no sector's teams may drive are left out", left
        )
    return [np.asarray(x, dtype=np.int64) for x in out]


def plan_sectors(
    network: PatrolNetwork,
    sectors: int | str = "auto",
    search: SearchParams | None = None,
    *,
    always_patrol: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
    margin_m: float = DEFAULT_MARGIN_M,
    full_bound: bool | None = None,
    tolerance: float | None = SPLIT_TOLERANCE,
    client: Client | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> SectorPlan:
    """Plan the night patrols of ``network`` in sectors and stitch them into one plan.

    Parameters
    ----------
    network
        The whole network (not changed).
    sectors
        ``"auto"`` or the number of sectors (:func:`split_sectors`).
    search
        The search of every sector's :func:`~borderwatch.plan.patrols.plan_patrols`
        (each sector's search gets ``time_limit_s`` of its own). Without
        ``bound_time_s`` the sectors' bounds and the stitched bound have no wall-clock
        cap: they end by their rounds (``bound_rounds``, at most
        :data:`SECTOR_BOUND_ROUNDS`, scaled down on large instances), so the plan is the
        same on Dask and in process whatever the load.
        Its seed (default ``network.config.seed``) is the plan's: sector ``i`` plans
        with :func:`sector_seed` ``(seed, i)``.
    always_patrol
        Passed to every sector's plan.
    progress
        Called with a short message before each step.
    margin_m
        Chainage margin of the sub-networks.
    full_bound
        Bound the stitched plan with the assignment MILP bound
        (:func:`~borderwatch.routing.assignment.assignment_bound`, ``bound_rounds``
        rounds, at most ``bound_time_s``, of ``search``) on the whole network's instance, as a
        whole plan does: strong, but it needs the whole instance's key-node
        shortest paths. ``False``: only :func:`whole_bound` (a round-trip and
        average bound, cheap, weak). Default: the full bound up to
        :data:`FULL_BOUND_MAX_LINKS` required links.
    tolerance
        How far a sector's own round-trip bound may exceed the whole border's
        before its cuts move or it is refused (:func:`split_sectors`; ``None``:
        the chainage cuts).
    client
        A connected Dask client to plan the sectors on.
    scheduler
        Address of a Dask scheduler (``tcp://host:8786``) when no ``client``.
    workers
        Without ``client`` and ``scheduler``: the number of local Dask worker
        processes (default: as many as sectors, at most the CPUs this process may use);
        ``0`` plans the sectors one after another in this process (so does a
        plan of one sector). The plan does not depend on it.
    Returns
    -------
    SectorPlan
        A :class:`PatrolPlan` on the whole network. Its ``result.lower_bound``
        bounds the longest loop of any plan that serves the stitched required
        roads (``required.edges``, the union of the sectors' choices) with all
        teams on the whole network; not a plan that chooses other roads. Up to
        :data:`FULL_BOUND_MAX_LINKS` links it is the assignment bound, above
        :func:`whole_bound` (``bound_kind`` says which). ``sector_bound`` is the
        largest sector bound, which bounds only plans that keep the split (see
        the module docstring). ``lost_km`` is the border lost to the split
        (warned, see :func:`split_sectors`).

    Warns
    -----
    PlanWarning
        When the split leaves units that a team of another sector could watch
        but none of their own (``lost_km`` > 0).

    Raises
    ------
    ConfigError
        A bad ``sectors`` or ``workers`` value; the loop rule ``loops = "circuit"``
        (sector plans and their bounds are made for loops through the base only).
    BorderwatchError
        The Dask scheduler cannot be reached (from :func:`~borderwatch._dask.open_client`).
    """
    if network.config.loops != "base":
        raise ConfigError(
            "a plan in sectors keeps every loop through its base: plan the border whole "
            "with loops = 'circuit', or in sectors with loops = 'base'",
            field="loops",
            value=network.config.loops,
        )
    search = search or SearchParams()
    if search.bound_time_s is None:  # the bounds end by their rounds, never by the clock: a
        # wall-clock cap binding under load would make in-process and Dask runs differ; at
        # most SECTOR_BOUND_ROUNDS of them (45 exact rounds of a 100-link sector: minutes)
        search = search.replace(
            bound_time_s=math.inf, bound_rounds=min(search.bound_rounds, SECTOR_BOUND_ROUNDS)
        )
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 0
    ):
        raise ConfigError("give a whole number of workers >= 0", field="--workers", value=workers)
    seed = search.seeded(network.config.seed)
    say = progress or (lambda _msg: None)
    secs: dict[str, float] = {}
    t = time.perf_counter()
    say("splitting the border into sectors")
    fixed = _fixed_edges(network, always_patrol)  # a name matching no edge anywhere: an error
    split = split_sectors(network, sectors, margin_m=margin_m, tolerance=tolerance)
    lost = np.concatenate([s.lost_units for s in split])
    if len(lost):
        km = float(network.units["length_m"].to_numpy()[lost].sum()) / 1000.0
        warnings.warn(
            f"the sector split loses {km:.1f} km of border ({len(lost)} units) that a team of "
            "another sector could watch; plan with fewer sectors (or none) to patrol them",
            PlanWarning,
            stacklevel=2,
        )
    owned = _own_fixed(network, split, fixed)
    subs = [sector_network(network, s) for s in split]
    secs["split"] = time.perf_counter() - t
    options: list[dict[str, Any]] = [
        {"search": search.replace(seed=sector_seed(seed, s.index)), "fixed_edges": own}
        for s, own in zip(split, owned, strict=True)
    ]
    t = time.perf_counter()
    say(f"planning {len(split)} sectors")
    if client is None and scheduler is None and (workers == 0 or len(split) == 1):
        outcomes = [
            _plan_one(sub, s, **opts) for sub, s, opts in zip(subs, split, options, strict=True)
        ]
    else:
        from borderwatch._dask import close_client, open_client

        own = client is None
        if client is None:
            from borderwatch import forking

            local = None if scheduler else (workers or min(len(split), forking.usable_cpus()))
            client = open_client(local=local, scheduler=scheduler)
        try:
            outcomes = _run_dask(client, subs, split, options)
        finally:
            if own:
                close_client(client)
    secs["sectors"] = time.perf_counter() - t
    t = time.perf_counter()
    say("stitching the sectors")
    if full_bound is None:
        full_bound = (
            search.bound_rounds > 0
            and sum(o.figures.links for o in outcomes) <= FULL_BOUND_MAX_LINKS
        )
    plan = _stitch(
        network,
        split,
        outcomes,
        seed=seed,
        margin_m=margin_m,
        full_bound=full_bound,
        bound_rounds=search.bound_rounds,
        bound_time_s=search.bound_time_s,
    )
    secs["stitch"] = time.perf_counter() - t
    for key in ("required", "routing", "bound", "night", "schedule"):
        secs[f"sector_{key}"] = sum(o.figures.seconds.get(key, 0.0) for o in outcomes)
    return dataclasses.replace(plan, seconds=secs)


def _cost_rows(network: PatrolNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Per (vehicle, road component of the base) the edge seconds, and each team's row.

    The rows of :func:`~borderwatch.routing.patrol.build_instance`: a team serves
    only what its vehicle reaches from its base.
    """
    n = len(network.nodes)
    eu = network.edges["u"].to_numpy()
    ev = network.edges["v"].to_numpy()
    rows: list[np.ndarray] = []
    row_of: dict[tuple[str, int], int] = {}
    team_row: list[int] = []
    labels_of: dict[str, np.ndarray] = {}
    for vehicle, node in zip(
        network.teams["vehicle"].astype(str), network.teams["node"], strict=True
    ):
        secs = network.edge_seconds(vehicle)
        ok = np.isfinite(secs)
        if vehicle not in labels_of:
            labels_of[vehicle] = node_components(n, eu[ok], ev[ok])
        labels = labels_of[vehicle]
        key = (vehicle, int(labels[int(node)]))
        if key not in row_of:
            inside = ok & (labels[eu] == key[1]) & (labels[ev] == key[1])
            row_of[key] = len(rows)
            rows.append(np.where(inside, secs, np.inf))
        team_row.append(row_of[key])
    return np.vstack(rows), np.asarray(team_row, dtype=np.int64)


def whole_bound(patrol: PatrolInstance) -> float:
    """A lower bound (s) on the longest loop of any plan of ``patrol`` with all its teams.

    The larger of (a) the driving of every required link at its cheapest
    vehicle, divided by the number of teams (the loops together drive every
    link), and (b) for the link that is dearest to reach, the cheapest round
    trip through it from any base whose team may drive it: distance from the
    nearest such base to one end, the link, and back from the other end to the
    nearest such base (each term is at most the team's own). Valid for the
    whole network and all teams, so for a sector plan too; weak where many
    teams share little work.
    """
    inst = patrol.instance
    n_e = patrol.n_network_edges
    links = np.flatnonzero(inst.required)
    if len(links) == 0:
        return 0.0
    service = inst.cost[:, links]
    total = float(np.min(service, axis=0).sum()) / inst.n_teams
    best = np.full(len(links), np.inf)
    for row in np.unique(inst.team_profile):
        c = inst.cost[row, :n_e]
        ok = np.flatnonzero(np.isfinite(c) & (inst.u[:n_e] != inst.v[:n_e]))
        a = np.minimum(inst.u[ok], inst.v[ok])
        b = np.maximum(inst.u[ok], inst.v[ok])
        # parallel roads: keep the cheapest (a sparse matrix would add them up)
        order = np.lexsort((c[ok], b, a))
        a, b, w = a[order], b[order], c[ok][order]
        first = np.ones(len(a), dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        graph = sparse.csr_array(
            (np.maximum(w[first], 1e-9), (a[first], b[first])), shape=(inst.n_nodes,) * 2
        )
        depots = inst.depots[inst.team_profile == row]
        dist = csgraph.dijkstra(graph, directed=False, indices=depots, min_only=True)
        trip = dist[inst.u[links]] + inst.cost[row, links] + dist[inst.v[links]]
        best = np.minimum(best, trip)
    reach = best[np.isfinite(best)]
    return max(total, float(reach.max()) if len(reach) else 0.0)


def _dedupe_links(
    network: PatrolNetwork, sectors: Sequence[Sector], outcomes: Sequence[_SectorOutcome]
) -> tuple[list[Link], list[list[list[Step]]], list[set[int]]]:
    """The stitched links, each required edge in one of them, and how sector links map to them.

    A road in two sectors' margins may be chosen by both; it stays with the
    sector whose border units it watches most (ties: the first) and becomes
    driving without service in the others' links, which are cut into the
    pieces around it.

    Returns
    -------
    links
        The stitched links, in sector order.
    pieces
        Per sector, per sector link ``j``: the link from its start as steps,
        ``(-(1 + i), True)`` for stitched link ``i`` and ``(edge, forward)`` for
        an edge another sector serves.
    dropped
        Per sector, the edges its links hold that another sector serves.
    """
    share: dict[int, list[int]] = {}
    for k, o in enumerate(outcomes):
        for e in sorted({e for lk in o.links for e in lk.edges}):
            share.setdefault(e, []).append(k)
    owner: dict[int, int] = {}
    unit_edge = sparse.csc_array(network.watch.unit_edge)
    for e, ks in share.items():
        if len(ks) > 1:
            units = unit_edge.indices[unit_edge.indptr[e] : unit_edge.indptr[e + 1]]
            counts = [
                int(((units >= sectors[k].unit_lo) & (units < sectors[k].unit_hi)).sum())
                for k in ks
            ]
            owner[e] = ks[int(np.argmax(counts))]
    if owner:
        logger.info(
            "sectors: %d required edges chosen by two sectors, each served by one", len(owner)
        )
    eu = network.edges["u"].to_numpy()
    ev = network.edges["v"].to_numpy()
    links: list[Link] = []
    pieces: list[list[list[Step]]] = []
    dropped: list[set[int]] = []
    for k, o in enumerate(outcomes):
        gone = {e for e, w in owner.items() if w != k}
        dropped.append(gone)
        mine: list[list[Step]] = []
        for lk in o.links:
            if not gone.intersection(lk.edges):
                links.append(lk)
                mine.append([(-len(links), True)])
                continue
            seg: list[Step] = []
            run: list[Step] = []

            def close(run: list[Step], seg: list[Step]) -> None:
                if run:
                    a = int(eu[run[0][0]] if run[0][1] else ev[run[0][0]])
                    b = int(ev[run[-1][0]] if run[-1][1] else eu[run[-1][0]])
                    links.append(
                        Link(
                            edges=tuple(e for e, _ in run),
                            forward=tuple(f for _, f in run),
                            start=a,
                            end=b,
                        )
                    )
                    seg.append((-len(links), True))

            for e, f in lk.steps():
                if e in gone:
                    close(run, seg)
                    run = []
                    seg.append((e, f))
                else:
                    run.append((e, f))
            close(run, seg)
            mine.append(seg)
        pieces.append(mine)
    return links, pieces, dropped


def _united_required(
    network: PatrolNetwork, sectors: Sequence[Sector], outcomes: Sequence[_SectorOutcome]
) -> tuple[RequiredRoads, np.ndarray]:
    """The sectors' required roads united (a road in two margins may be chosen by both), and the units lost."""
    reqs = [o.required for o in outcomes]
    cost = sum(r.cost_s for r in reqs)
    lower = sum(r.lower_bound_s for r in reqs)
    unc = np.concatenate([np.asarray(r.uncoverable, dtype=np.int64) for r in reqs])
    reasons = [x for r in reqs for x in r.uncoverable_reason]
    lost = np.concatenate([s.lost_units for s in sectors]).astype(np.int64)
    if len(lost):  # a sector's reason names only its own vehicles: say who could watch it
        can = _team_watch(network)
        names = np.asarray([str(t) for t in network.teams.index])
        for k in np.flatnonzero(np.isin(unc, lost)):
            who = ", ".join(names[can[:, int(unc[k])]])
            reasons[k] = (
                f"lost to the sector split: only teams of other sectors ({who}) can watch it"
            )
    required = RequiredRoads(
        edges=np.unique(np.concatenate([r.edges for r in reqs])).astype(np.int64),
        fixed=np.unique(np.concatenate([r.fixed for r in reqs])).astype(np.int64),
        cost_s=float(cost),
        lower_bound_s=float(lower),
        gap_pct=100.0 * (cost - lower) / cost if cost > 0 else 0.0,
        method="+".join(sorted({r.method for r in reqs})),
        uncoverable=unc,
        uncoverable_reason=reasons,
        seconds=float(sum(r.seconds for r in reqs)),
    )
    return required, lost


def _whole_instance(
    network: PatrolNetwork, outcomes: Sequence[_SectorOutcome], links: list
) -> tuple[PatrolInstance, np.ndarray]:
    """One instance on the whole network: its edges, then every sector's links in sector order."""
    n_e = len(network.edges)
    rows, team_row = _cost_rows(network)
    link_cost = (
        np.column_stack([rows[:, list(lk.edges)].sum(axis=1) for lk in links])
        if links
        else np.empty((len(rows), 0))
    )
    team_ids = [str(t) for t in network.teams.index]
    instance = ArcInstance(
        n_nodes=len(network.nodes),
        u=np.concatenate([network.edges["u"].to_numpy(), [lk.start for lk in links]]).astype(
            np.int64
        ),
        v=np.concatenate([network.edges["v"].to_numpy(), [lk.end for lk in links]]).astype(
            np.int64
        ),
        cost=np.hstack([rows, link_cost]),
        required=np.concatenate([np.zeros(n_e, dtype=bool), np.ones(len(links), dtype=bool)]),
        depots=network.teams["node"].to_numpy().astype(np.int64),
        team_profile=team_row,
        name=network.scenario.name,
        team_names=tuple(team_ids),
    )
    patrol = PatrolInstance(
        instance=instance,
        links=tuple(links),
        profiles=tuple(sorted(set(network.teams["vehicle"].astype(str)))),
        teams=tuple(team_ids),
        n_network_edges=n_e,
        unreachable=tuple(lk for o in outcomes for lk in o.unreachable),
        idle=tuple(t for o in outcomes for t in o.idle),
    )
    return patrol, team_row


def _whole_steps(
    steps: tuple[Step, ...], segs: list[list[Step]], n_e: int, served: bool
) -> tuple[Step, ...]:
    """A sector walk's steps on the whole instance: sector link -(1 + j) becomes its pieces."""
    out: list[Step] = []
    for e, f in steps:
        if e >= 0:
            out.append((e, f))
            continue
        # sector link -(1 + j): its pieces (links n_e + id) and dropped edges
        seg = segs[-1 - e] if f else [(x, not g) for x, g in segs[-1 - e][::-1]]
        out.extend((n_e + (-1 - x), g) if x < 0 else (x, g) for x, g in seg if x < 0 or not served)
    return tuple(out)


def _stitched(
    outcomes: Sequence[_SectorOutcome],
    pieces: list,
    patrol: PatrolInstance,
    team_row: np.ndarray,
    which: str,
    seed: int,
) -> RoutingResult:
    """The sectors' ``which`` results (``"result"`` or ``"balanced"``) as one result on the whole instance."""
    n_e, instance, team_ids = patrol.n_network_edges, patrol.instance, list(patrol.teams)
    tasks: dict[str, tuple[Step, ...]] = {}
    walks: dict[str, tuple[Step, ...]] = {}
    for o, segs in zip(outcomes, pieces, strict=True):
        res: RoutingResult = getattr(o, which)
        for i, team in enumerate(o.figures.teams):
            tasks[team] = _whole_steps(res.tasks[i], segs, n_e, served=True)
            walks[team] = _whole_steps(res.walks[i], segs, n_e, served=False)
    all_walks = tuple(walks[t] for t in team_ids)
    costs = tuple(
        float(sum(instance.cost[team_row[k], e] for e, _ in w)) for k, w in enumerate(all_walks)
    )
    first = [getattr(o, which) for o in outcomes]
    return RoutingResult(
        tasks=tuple(tasks[t] for t in team_ids),
        walks=all_walks,
        team_cost=costs,
        max_cost=max(costs),
        total_cost=sum(costs),
        lower_bound=0.0,
        seconds=float(sum(r.seconds for r in first)),
        iterations=int(sum(r.iterations for r in first)),
        seed=seed,
    )


def _stitched_bound(
    patrol: PatrolInstance,
    result: RoutingResult,
    *,
    full_bound: bool,
    bound_rounds: int,
    bound_time_s: float | None,
) -> tuple[float, str, bool]:
    """The whole-border bound of a stitched plan, its kind (round trip or assignment) and
    whether the wall-clock cap stopped it (then it may differ between runs)."""
    bound = whole_bound(patrol)
    kind = "round trip"
    stats = BoundStats()
    if full_bound:
        # looked up at the call (tests count its rounds through the module)
        from borderwatch.routing.assignment import assignment_bound
        from borderwatch.routing.bounds import lower_bound

        basic = max(bound, lower_bound(patrol.instance))
        full = assignment_bound(
            patrol.instance,
            time_limit_s=bound_cap_s(len(patrol.links)) if bound_time_s is None else bound_time_s,
            max_rounds=bound_rounds,
            incumbent=result.max_cost,
            basic=basic,
            stats=stats,
        )
        bound, kind = max(full, basic), "assignment"
    return min(bound, result.max_cost), kind, stats.by_time


def _stitch(
    network: PatrolNetwork,
    sectors: Sequence[Sector],
    outcomes: Sequence[_SectorOutcome],
    *,
    seed: int,
    margin_m: float,
    full_bound: bool,
    bound_rounds: int,
    bound_time_s: float | None,
) -> SectorPlan:
    """One plan on the whole network from the sector plans."""
    required, lost = _united_required(network, sectors, outcomes)
    # each required edge in one link only (a road two sectors chose is served by one of them)
    links, pieces, dropped = _dedupe_links(network, sectors, outcomes)
    patrol, team_row = _whole_instance(network, outcomes, links)
    result = _stitched(outcomes, pieces, patrol, team_row, "result", seed)
    bound, kind, by_time = _stitched_bound(
        patrol,
        result,
        full_bound=full_bound,
        bound_rounds=bound_rounds,
        bound_time_s=bound_time_s,
    )
    result = dataclasses.replace(result, lower_bound=bound, bound_by_time=by_time)
    balanced = dataclasses.replace(
        _stitched(outcomes, pieces, patrol, team_row, "balanced", seed),
        lower_bound=bound,
        bound_by_time=by_time,
    )
    by_team = {
        r.team: dataclasses.replace(
            r,
            service=tuple(
                v and e not in gone for (e, _), v in zip(r.steps, r.service, strict=True)
            ),
        )
        for o, gone in zip(outcomes, dropped, strict=True)
        for r in o.routes
    }
    routes = tuple(by_team[t] for t in patrol.teams)
    timeline = PatrolTimeline.from_walks(
        network,
        {r.team: list(r.steps) for r in routes if r.on_patrol},
        window_min=outcomes[0].window_min,
    )
    # revisits, objective and schedule on the whole network, as plan_patrols makes them
    whole = finish_plan(
        network,
        required=required,
        instance=patrol,
        routes=routes,
        result=result,
        balanced=balanced,
        timeline=timeline,
        weights=risk_weights(network),
        seconds={},
        seed=seed,
    )
    sector_bound = max(o.result.lower_bound for o in outcomes)
    logger.info(
        "sector plan: %d sectors, min-max loop %.1f min, whole-border bound %.1f min, "
        "largest sector bound %.1f min, worst revisit %.1f min",
        len(sectors),
        result.max_cost / 60,
        bound / 60,
        sector_bound / 60,
        whole.objective.worst_revisit_min,
    )
    return SectorPlan(
        **{f.name: getattr(whole, f.name) for f in dataclasses.fields(PatrolPlan)},
        sectors=tuple(sectors),
        figures=tuple(o.figures for o in outcomes),
        sector_bound=float(sector_bound),
        margin_m=float(margin_m),
        bound_kind=kind,
        lost_km=float(network.units["length_m"].to_numpy()[lost].sum()) / 1000.0,
        lost_units=len(lost),
    )
