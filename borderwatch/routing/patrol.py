"""Patrol routing on a :class:`~borderwatch.data.network.PatrolNetwork`.

Turns the network, its teams and the required roads into an
:class:`~borderwatch.routing.instance.ArcInstance` (every road a deadhead edge,
every link of required roads one required edge), solves the min-max k-team
problem, and expands the solution back to network edges as
:class:`TeamRoute` objects.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from shapely.geometry import LineString

from borderwatch.config import SearchParams
from borderwatch.errors import BorderwatchWarning, RoutingError
from borderwatch.routing.instance import ArcInstance
from borderwatch.routing.links import Link, merge_links
from borderwatch.routing.population import solve_search
from borderwatch.routing.result import Step

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.result import RoutingResult

__all__ = [
    "PatrolInstance",
    "TeamRoute",
    "build_instance",
    "route_teams",
    "routes_from_result",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PatrolInstance:
    """An :class:`ArcInstance` built from a network, with the map back to network edges.

    Attributes
    ----------
    instance
        The arc-routing instance; its first ``n_network_edges`` edges are the
        network's edges (deadhead), the rest one per link (required).
    links
        The links, in instance order.
    profiles
        Vehicle profile names, in the instance's profile order.
    teams
        Team ids, in the instance's team order.
    n_network_edges
        Number of network edges.
    unreachable
        Links of required roads that no team can reach with its vehicle from
        its base (left out of the instance, reported).
    idle
        Teams that can reach no required road with their vehicle (they stay at base).
    """

    instance: ArcInstance
    links: tuple[Link, ...]
    profiles: tuple[str, ...]
    teams: tuple[str, ...]
    n_network_edges: int
    unreachable: tuple[Link, ...] = ()
    idle: tuple[str, ...] = ()

    def expand(self, steps: tuple[Step, ...] | list[Step]) -> list[Step]:
        """Replace link steps by the network edges they stand for."""
        out: list[Step] = []
        for e, fwd in steps:
            if e < self.n_network_edges:
                out.append((int(e), bool(fwd)))
            else:
                out.extend(self.links[e - self.n_network_edges].steps(reverse=not fwd))
        return out


@dataclass(frozen=True)
class TeamRoute:
    """One team's loop for the night, on network edges.

    Attributes
    ----------
    team, vehicle
        Team id and its vehicle profile.
    steps
        The loop: ``(edge, forward)`` in driving order, a closed walk. Out of
        the min-max stage it starts and ends at the team's base (with ``loops =
        "circuit"``: at the start of its first road, and it need not pass the
        base); after the night schedule it starts where the team is at the
        window start (see ``approach``).
    service
        For each step, whether it serves a required road (else deadheading,
        or a co-patrolled road of another team's loop).
    seconds
        Driving time of each step.
    approach
        The drive from the base to the first node of ``steps``, done before the
        window starts (empty when the loop starts at the base).
    approach_s
        Driving time of ``approach`` (s).
    status
        ``"patrol"``, or ``"standby"`` for a team with nothing it can reach.
    standby_reason
        Why a team is on standby (empty for a patrol).
    role
        How the night stage gave the team its loop: ``"min-max"``,
        ``"take-over"`` (it took tasks off longer loops), ``"co-patrol T12"``
        (it drives T12's loop, staggered), or ``""`` on standby.
    note
        Anything a planner must know (e.g. a loop shorter than the minimum
        because that is all the team can reach).
    """

    team: str
    vehicle: str
    steps: tuple[Step, ...]
    service: tuple[bool, ...]
    seconds: tuple[float, ...]
    approach: tuple[Step, ...] = ()
    approach_s: float = 0.0
    status: str = "patrol"
    standby_reason: str = ""
    role: str = "min-max"
    note: str = ""

    @property
    def on_patrol(self) -> bool:
        """Whether the team drives a loop tonight."""
        return self.status == "patrol" and bool(self.steps)

    @property
    def loop_s(self) -> float:
        """Time to drive the whole loop (s)."""
        return float(sum(self.seconds))

    def length_m(self, network: PatrolNetwork) -> float:
        """Length of the loop (m)."""
        lengths = network.edges["length"].to_numpy()
        return float(sum(lengths[e] for e, _ in self.steps))

    def geometry(self, network: PatrolNetwork) -> LineString:
        """The loop as one LineString in driving order (projected CRS)."""
        if not self.steps:
            base = network.nodes.geometry.iloc[int(network.teams.loc[self.team, "node"])]
            return LineString([base, base])
        geoms = network.edges.geometry.to_numpy()
        coords = []
        for e, fwd in self.steps:
            c = shapely.get_coordinates(geoms[e])
            coords.append(c if fwd else c[::-1])
        return LineString(np.vstack(coords))


def _cost_rows(network: PatrolNetwork) -> tuple[np.ndarray, list[int]]:
    """Edge seconds per (vehicle, road component of the base), and each team's row."""
    teams = network.teams
    n_nodes = len(network.nodes)
    eu, ev = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    # One cost row per (vehicle, road component of the base): a pickup based where the
    # pickup-drivable roads are cut off from a stretch cannot serve it, even if another
    # pickup can. Rows are what the arc instance calls profiles.
    rows: list[np.ndarray] = []
    row_of: dict[tuple[str, int], int] = {}
    team_row = []
    for vehicle, node in zip(teams["vehicle"].astype(str), teams["node"], strict=True):
        secs = network.edge_seconds(vehicle)
        ok = np.isfinite(secs)
        labels = node_components(n_nodes, eu[ok], ev[ok])
        key = (vehicle, int(labels[int(node)]))
        if key not in row_of:
            inside = ok & (labels[eu] == key[1]) & (labels[ev] == key[1])
            row_of[key] = len(rows)
            rows.append(np.where(inside, secs, np.inf))
        team_row.append(row_of[key])
    return np.vstack(rows), team_row


def _servable_links(
    network: PatrolNetwork,
    required_edges: np.ndarray | list[int],
    profiles: tuple[str, ...],
    secs_rows: np.ndarray,
) -> tuple[list[Link], np.ndarray, tuple[Link, ...]]:
    """The required links some team can drive, their cost per row, and the dropped ones."""
    teams = network.teams
    links = merge_links(
        network, required_edges, profiles=profiles, keep_nodes=teams["node"].to_numpy()
    )
    link_cost = (
        np.column_stack([secs_rows[:, list(link.edges)].sum(axis=1) for link in links])
        if links
        else np.empty((len(secs_rows), 0))
    )
    servable: np.ndarray = (
        np.asarray(np.isfinite(link_cost).any(axis=0)) if links else np.zeros(0, dtype=bool)
    )
    dropped = tuple(link for link, ok in zip(links, servable, strict=True) if not ok)
    links = [link for link, ok in zip(links, servable, strict=True) if ok]
    link_cost = link_cost[:, servable] if len(servable) else link_cost
    if dropped:
        logger.warning(
            "%d required links (%d edges) can be reached by no team's vehicle from its base; "
            "they stay unpatrolled",
            len(dropped),
            sum(len(link.edges) for link in dropped),
        )
    return links, link_cost, dropped


def build_instance(
    network: PatrolNetwork, required_edges: np.ndarray | list[int], *, name: str = ""
) -> PatrolInstance:
    """Build the arc-routing instance of ``network``'s teams and ``required_edges``.

    Parameters
    ----------
    network
        The patrol network: its edges are the deadhead arcs, its teams (base
        node, vehicle) the depots and profiles, costs in seconds per vehicle.
    required_edges
        Positions of the network edges the plan must drive; they are merged
        into links (:func:`~borderwatch.routing.links.merge_links`), and links
        no team can reach with its vehicle are left out (``unreachable``).
    name
        Name of the instance (default: the scenario's name).

    The loop rule is the network config's ``loops``: with ``"circuit"`` the instance's
    tours are circuits (:attr:`ArcInstance.circuit`) and a team serves only links its
    base reaches within ``max_approach_min``.

    Returns
    -------
    PatrolInstance
        The instance (network edges first, then one required arc per link),
        its links, the vehicle profiles and team ids in instance order, the
        links left out and the teams that stay at base (each with a warning).

    Raises
    ------
    RoutingError
        If there are no teams, or (from :class:`ArcInstance`) a team's base
        cannot reach a required link its vehicle may drive.
    """
    teams = network.teams
    if len(teams) == 0:
        raise RoutingError("zero teams: the scenario has no team to patrol with")
    profiles = tuple(sorted(set(teams["vehicle"].astype(str))))
    n_nodes, n_e = len(network.nodes), len(network.edges)
    eu, ev = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    secs_rows, team_row = _cost_rows(network)
    links, link_cost, dropped = _servable_links(network, required_edges, profiles, secs_rows)
    idle = tuple(
        str(team)
        for t, team in enumerate(teams.index)
        if links and not np.isfinite(link_cost[team_row[t]]).any()
    )
    if links and len(idle) == len(teams):
        raise RoutingError(
            f"no team can reach any required road from its base with its vehicle "
            f"(teams {', '.join(idle)}): move bases or change vehicles"
        )
    for team in idle:
        message = (
            f"team {team!r} ({teams.loc[team, 'vehicle']}) cannot reach any required road from its "
            "base with its vehicle: it stays at base (move its base or change its vehicle)"
        )
        logger.warning(message)
        warnings.warn(message, BorderwatchWarning, stacklevel=2)
    u = np.concatenate([eu, [link.start for link in links]]).astype(np.int64)
    v = np.concatenate([ev, [link.end for link in links]]).astype(np.int64)
    cost = np.hstack([secs_rows, link_cost])
    required = np.concatenate([np.zeros(n_e, dtype=bool), np.ones(len(links), dtype=bool)])
    instance = ArcInstance(
        n_nodes=n_nodes,
        u=u,
        v=v,
        cost=cost,
        required=required,
        depots=teams["node"].to_numpy().astype(np.int64),
        team_profile=np.asarray(team_row, dtype=np.int64),
        name=name or network.scenario.name,
        team_names=tuple(str(t) for t in teams.index),
        circuit=network.config.loops == "circuit",
        max_approach=float(network.config.max_approach_min) * 60.0,
    )
    if instance.circuit:
        from borderwatch.routing.minmax import _Model

        beyond = _Model.of(instance).beyond
        if len(beyond):
            logger.warning(
                "loops = circuit: %d required links lie farther than max_approach_min = %g "
                "from every base; their nearest teams serve them",
                len(beyond),
                network.config.max_approach_min,
            )
    logger.info(
        "routing instance: %d nodes, %d deadhead edges, %d required links (%d edges), %d teams",
        len(network.nodes),
        n_e,
        len(links),
        sum(len(link.edges) for link in links),
        len(teams),
    )
    return PatrolInstance(
        instance, tuple(links), profiles, tuple(str(t) for t in teams.index), n_e, dropped, idle
    )


def node_components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` nodes joined by the edges ``u``-``v`` (undirected)."""
    graph = sparse.csr_array((np.ones(len(u)), (u, v)), shape=(n, n))
    labels: np.ndarray = csgraph.connected_components(graph, directed=False)[1]
    return labels


def route_teams(
    network: PatrolNetwork,
    patrol: PatrolInstance,
    search: SearchParams | None = None,
    on_best: Callable[[float], None] | None = None,
) -> tuple[list[TeamRoute], RoutingResult]:
    """Solve the min-max routing of ``patrol`` and expand it to network routes.

    Parameters
    ----------
    network
        The patrol network the instance was built on (the routes are
        expanded to its edges, timed with each team's vehicle).
    patrol
        The instance (:func:`build_instance`).
    search
        The search's budget and seed, passed to
        :func:`~borderwatch.routing.population.solve_search`
        (:class:`~borderwatch.config.SearchParams`; default seed 0): without
        ``max_iterations`` the population search, which ends by its own count; with
        it, :func:`~borderwatch.routing.solve_minmax` for that many iterations. The
        same seed and budget give the same routes.
    on_best
        Told the longest tour of each better plan the population search finds
        (:func:`~borderwatch.routing.population.solve_population`).

    Returns
    -------
    routes
        One :class:`TeamRoute` per team, in team order.
    result
        The solver's result on the instance (costs in seconds).
    """
    result = solve_search(patrol.instance, search or SearchParams(), on_best=on_best)
    result.validate(patrol.instance)
    return routes_from_result(network, patrol, result), result


def routes_from_result(
    network: PatrolNetwork, patrol: PatrolInstance, result: RoutingResult, *, role: str = "min-max"
) -> list[TeamRoute]:
    """Expand the instance walks of ``result`` to :class:`TeamRoute` objects on network edges."""
    routes = []
    for i, team in enumerate(patrol.teams):
        vehicle = str(network.teams.loc[team, "vehicle"])
        secs = network.edge_seconds(vehicle)
        steps: list[Step] = []
        service: list[bool] = []
        for e, fwd in result.walks[i]:
            expanded = patrol.expand([(e, fwd)])
            steps.extend(expanded)
            service.extend([e >= patrol.n_network_edges] * len(expanded))
        routes.append(
            TeamRoute(
                team=team,
                vehicle=vehicle,
                steps=tuple(steps),
                service=tuple(service),
                seconds=tuple(float(secs[e]) for e, _ in steps),
                role=role,
            )
        )
    return routes
