"""The cut: the inputs checked, where every team is, the remainder network, revisits across the cut."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from borderwatch.config import NightWindow, parse_hhmm
from borderwatch.coverage.revisit import pass_times
from borderwatch.coverage.timeline import PatrolTimeline
from borderwatch.errors import ConfigError
from borderwatch.plan.patrols import night_network
from borderwatch.plan.replan.model import TOL, HotStretch, TeamPosition

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork
    from borderwatch.routing.patrol import TeamRoute

__all__ = [
    "check_positions",
    "cross_cut_revisits",
    "cut_offset",
    "edge_end",
    "edge_start",
    "kept_passes",
    "parse_at",
    "parse_drop",
    "parse_hot",
    "passes_before",
    "plan_positions",
    "remainder_network",
    "remainder_timeline",
    "stretch_passes",
    "weighted_worst",
    "worst_over",
]


_AT = re.compile(r"^\s*(\d\d:\d\d)\s*(?:([+-])(\d\d):?(\d\d))?\s*$")


def cut_offset(
    at: str,
    window: NightWindow,
    night: date | None,
    timezone: str | None,
    *,
    field: str = "at",
) -> float:
    """Elapsed minutes from the window start to the wall clock ``at`` on the night of ``night``.

    ``at`` is ``"HH:MM"``, or ``"HH:MM+02:00"`` with the UTC offset it is
    meant in. On a daylight-saving changeover night (``night`` and
    ``timezone`` given) the wall clock is read in the zone: a time the spring
    change skips (02:30 when clocks go from 02:00 to 03:00) is refused; a time
    the autumn change repeats (02:30 when clocks go back from 03:00 to 02:00)
    is refused unless its offset says which of the two is meant. Without a
    night or a zone the nominal clock is used (no DST).

    Raises
    ------
    ConfigError
        Naming ``field`` and the value: not a time, a skipped or repeated wall
        time, an offset that is neither of the night's.
    """
    m = _AT.match(at) if isinstance(at, str) else None
    if m is None:
        parse_hhmm(at, field=field)  # its message for what is not HH:MM
        raise ConfigError("a time HH:MM, or HH:MM+HH:MM with its UTC offset", field=field, value=at)
    clock = parse_hhmm(m.group(1), field=field)
    if night is None or timezone is None:
        if m.group(2):
            raise ConfigError(
                "an offset is only read on a night of known date and zone; give HH:MM",
                field=field,
                value=at,
            )
        return float((clock - window.start_min) % (24 * 60))
    tz = ZoneInfo(timezone)
    day = night if clock >= window.start_min else night + timedelta(days=1)
    wall = datetime.combine(day, time(clock // 60, clock % 60))
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    choices = [first] if first.utcoffset() == second.utcoffset() else [first, second]
    if len(choices) == 2 and second.timestamp() < first.timestamp():
        skip_from, skip_to = _spring_jump(first, tz)
        raise ConfigError(
            f"{m.group(1)} does not exist on {day} in {timezone}: the clocks skip from "
            f"{skip_from} to {skip_to} that night; give a time before or after the change",
            field=field,
            value=at,
        )
    if m.group(2):
        sign = 1 if m.group(2) == "+" else -1
        want = timedelta(hours=int(m.group(3)), minutes=int(m.group(4))) * sign
        picked = [c for c in choices if c.utcoffset() == want]
        if not picked:
            said = " or ".join(_offset(c) for c in choices)
            raise ConfigError(
                f"{m.group(1)} on {day} in {timezone} is at UTC{said}, not at the offset given",
                field=field,
                value=at,
            )
        moment = picked[0]
    elif len(choices) == 2:
        raise ConfigError(
            f"{m.group(1)} happens twice on {day} in {timezone} (the clocks go back an hour): "
            f"give {m.group(1)}{_offset(first)} for the first, {m.group(1)}{_offset(second)} "
            "for the second",
            field=field,
            value=at,
        )
    else:
        moment = first
    return window.offset_of(moment, night, timezone)


def _offset(moment: datetime) -> str:
    off = moment.utcoffset() or timedelta(0)
    sign = "-" if off < timedelta(0) else "+"
    minutes = int(abs(off).total_seconds() // 60)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _spring_jump(moment: datetime, tz: ZoneInfo) -> tuple[str, str]:
    """The wall clocks just before and after the spring change near ``moment`` ("02:00", "03:00")."""
    base = moment.astimezone(UTC)
    for k in range(-180, 181):
        t = base + timedelta(minutes=k)
        before = (t - timedelta(minutes=1)).astimezone(tz).utcoffset()
        if t.astimezone(tz).utcoffset() != before and before is not None:
            return (t + before).strftime("%H:%M"), t.astimezone(tz).strftime("%H:%M")
    return moment.strftime("%H:%M"), moment.strftime("%H:%M")


def parse_at(at: str | float, network: PatrolNetwork) -> float:
    """Minutes after the window start of ``at`` (``"HH:MM"`` or minutes), inside the window.

    On a daylight-saving changeover night (``network.config`` dated with its
    zone) the wall clock is read in the zone (:func:`cut_offset`).
    """
    cfg = network.config
    window = float(cfg.night_minutes)
    if isinstance(at, str):
        minutes = cut_offset(at.strip(), cfg.night, cfg.night_date, cfg.timezone, field="at")
    elif isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
        raise ConfigError(
            "at is a time 'HH:MM' or minutes after the window start", field="at", value=at
        )
    else:
        minutes = float(at)
    if not 0 < minutes < window:
        raise ConfigError(
            f"the cut must lie inside the night window {cfg.night_start}-{cfg.night_end} "
            "(after its start, before its end)",
            field="at",
            value=at,
        )
    if abs(minutes - round(minutes)) > 1e-6:
        # the remainder's night window is HH:MM: the cut is a whole minute
        raise ConfigError("the cut must be a whole minute", field="at", value=at)
    return float(round(minutes))


def parse_drop(drop: Sequence[str] | str, teams: Sequence[str]) -> tuple[str, ...]:
    items = [drop] if isinstance(drop, str) else list(drop)
    out: list[str] = []
    for raw in items:
        for t in str(raw).split(","):
            t = t.strip()
            if not t:
                continue
            if t not in teams:
                raise ConfigError(
                    f"unknown team; tonight's plan has {', '.join(teams)}", field="drop", value=t
                )
            if t not in out:
                out.append(t)
    if len(out) == len(teams):
        raise ConfigError(
            "cannot drop every team: someone must be left to patrol", field="drop", value=list(out)
        )
    return tuple(out)


def parse_hot(
    hot: Sequence[HotStretch | str] | str, network: PatrolNetwork
) -> tuple[HotStretch, ...]:
    items = [hot] if isinstance(hot, str | HotStretch) else list(hot)
    out = []
    border_km = float(network.units["end_m"].max()) / 1000.0
    for h in items:
        stretch = h if isinstance(h, HotStretch) else HotStretch.parse(h, field="hot")
        if stretch.start_km > border_km or stretch.end_km > border_km + 0.5:
            raise ConfigError(
                f"the hot stretch lies outside the border (km 0-{border_km:.1f})",
                field="hot",
                value=stretch.label,
            )
        if len(stretch.units(network)) == 0:
            raise ConfigError(
                "the hot stretch holds no border unit (make it longer)",
                field="hot",
                value=stretch.label,
            )
        out.append(stretch)
    return tuple(out)


def edge_end(network: PatrolNetwork, edge: int, forward: bool) -> int:
    return int(network.edges["v"].iat[edge] if forward else network.edges["u"].iat[edge])


def edge_start(network: PatrolNetwork, edge: int, forward: bool) -> int:
    return int(network.edges["u"].iat[edge] if forward else network.edges["v"].iat[edge])


def plan_positions(
    network: PatrolNetwork, timeline: PatrolTimeline, at_min: float, teams: Sequence[str]
) -> dict[str, TeamPosition]:
    """Where each of ``teams`` is at ``at_min`` on ``timeline`` (source ``"plan"``).

    A team driving an edge at ``at_min`` finishes it: its position is the
    edge's end, ready when it gets there; a team between two edges is at their
    node at ``at_min``; a team without traversals is at its base.
    """
    trav = timeline.traversals
    out = {}
    for team in teams:
        mine = trav[trav["team"] == team]
        base = int(network.teams.loc[team, "node"])
        if not len(mine):
            out[team] = TeamPosition(team, base, at_min, "plan")
            continue
        ts, te = mine["t_start"].to_numpy(), mine["t_end"].to_numpy()
        edges, fwd = mine["edge"].to_numpy(), mine["forward"].to_numpy()
        later = np.flatnonzero(te > at_min + TOL)
        if len(later) == 0:  # its last drive ended before the cut
            k = len(mine) - 1
            out[team] = TeamPosition(team, edge_end(network, int(edges[k]), bool(fwd[k])), at_min)
            continue
        k = int(later[0])
        if ts[k] >= at_min - TOL:
            node, ready = edge_start(network, int(edges[k]), bool(fwd[k])), at_min
        else:
            node, ready = edge_end(network, int(edges[k]), bool(fwd[k])), float(te[k])
        out[team] = TeamPosition(team, node, ready, "plan")
    return out


def check_positions(
    given: Mapping[str, TeamPosition | int],
    network: PatrolNetwork,
    survivors: Sequence[str],
    at_min: float,
) -> dict[str, TeamPosition]:
    out = {}
    n_nodes = len(network.nodes)
    for team, p in given.items():
        if team not in survivors:
            raise ConfigError(
                f"no surviving team of that id (survivors: {', '.join(survivors)})",
                field="positions",
                value=team,
            )
        pos = p if isinstance(p, TeamPosition) else TeamPosition(str(team), int(p), at_min, "given")
        if pos.team != team:
            raise ConfigError("position keyed by another team", field="positions", value=pos.team)
        if not 0 <= int(pos.node) < n_nodes:
            raise ConfigError(
                f"node out of range 0..{n_nodes - 1}", field="positions", value=pos.node
            )
        if not math.isfinite(pos.ready_min) or pos.ready_min < at_min - 1e-6:
            raise ConfigError(
                "ready_min must be at or after the cut", field="positions", value=pos.ready_min
            )
        vehicle = str(network.teams.loc[team, "vehicle"])
        secs = network.edge_seconds(vehicle)
        touching = (network.edges["u"].to_numpy() == pos.node) | (
            network.edges["v"].to_numpy() == pos.node
        )
        if not np.isfinite(secs[touching]).any():
            raise ConfigError(
                f"team {team}'s {vehicle} may drive no road at node {pos.node}",
                field="positions",
                value=pos.node,
            )
        out[team] = dataclasses.replace(pos, node=int(pos.node), ready_min=float(pos.ready_min))
    return out


def remainder_network(
    network: PatrolNetwork,
    at_min: float,
    positions: Mapping[str, TeamPosition],
) -> PatrolNetwork:
    """The network of the rest of the night: teams of ``positions`` at their nodes, window ``[at, end]``.

    Each team's ``node`` is its position; its base stays in the column
    ``base_node`` (where it drives home after the window, :mod:`borderwatch.plan.duty`).
    """
    cfg = network.config
    # the wall clock of the cut (DST-correct on a changeover night, PlanConfig.on_night)
    start = cfg.clock(at_min)
    teams = list(positions)
    sub = night_network(network, teams=teams, night_window=(start, cfg.night_end))
    if cfg.night_date is not None:  # the rest of a changeover night starts on the cut's date
        day = cfg.night.at(at_min, cfg.night_date, cfg.timezone).date()
        sub = dataclasses.replace(sub, config=dataclasses.replace(sub.config, night_date=day))
    frame = sub.teams.copy()
    if "base_node" not in frame.columns:  # home (a chained re-plan keeps the first one's)
        frame["base_node"] = frame["node"].astype(np.int64)
    frame["node"] = [int(positions[t].node) for t in frame.index]
    return sub.with_teams(frame)


def remainder_timeline(
    network: PatrolNetwork, routes: Sequence[TeamRoute], start_min: Mapping[str, float]
) -> PatrolTimeline:
    """The rest of the night driven by ``routes`` (on patrol), each team from ``start_min[team]``.

    ``network`` is the remainder's (window from the cut); a team sets out from
    where it is at its start (minutes after the cut). A loop through where it is
    (``loops = "base"``) is driven over and over from there; a circuit with an
    ``approach`` (``loops = "circuit"``) is driven after the approach, whose
    passes count. The engine, the plan reloader and the re-plan's files all time
    the rest of the night here.
    """
    window = float(network.config.night_minutes)
    if not any(r.approach for r in routes):
        return PatrolTimeline.from_walks(
            network,
            {r.team: list(r.steps) for r in routes},
            start_min={r.team: start_min[r.team] for r in routes},
            window_min=window,
        )
    walks = {}
    for r in routes:
        loop = r.loop_s / 60.0
        rest = window - start_min[r.team] - r.approach_s / 60.0
        laps = max(1, math.ceil(max(rest, 0.0) / loop) + 1) if loop > 0 else 1
        walks[r.team] = [*r.approach, *(list(r.steps) * laps)]
    return PatrolTimeline.from_walks(
        network,
        walks,
        start_min={r.team: start_min[r.team] for r in routes},
        window_min=window,
        loop=False,
    )


def cross_cut_revisits(
    passes: pd.DataFrame,
    n_units: int,
    window_min: float,
    at_min: float,
    *,
    index: pd.Index | None = None,
) -> pd.DataFrame:
    """Per-unit intervals that end after the cut, from passes on the original window's clock.

    For passes ``t1 <= ... <= tn`` in ``[0, W]`` the intervals are those of
    :mod:`borderwatch.coverage.revisit` (window start and end are
    boundaries); only the intervals that end after ``at_min`` count: the one
    running from the last pass before the cut (or the window start) to the
    first pass after it, the ones after, and the one to the window end.

    Returns
    -------
    pandas.DataFrame
        Columns ``n_passes``, ``first_pass_min``, ``last_pass_min`` (after the
        cut), ``last_before_cut_min``, ``worst_revisit_min``,
        ``mean_revisit_min``, ``never_passed``, ``teams``.
    """
    unit = passes["unit"].to_numpy(dtype=np.int64)
    t = np.clip(passes["t"].to_numpy(dtype=float), 0.0, window_min)
    team = passes["team"].to_numpy().astype(str)
    after = t > at_min + TOL
    before_last = np.full(n_units, np.nan)
    if (~after).any():
        np.fmax.at(before_last, unit[~after], t[~after])
    ua, ta = unit[after], t[after]
    order = np.lexsort((ta, ua))
    ua, ta = ua[order], ta[order]
    n = np.bincount(ua, minlength=n_units)
    first = np.full(n_units, np.nan)
    last = np.full(n_units, np.nan)
    worst = np.zeros(n_units)
    total = np.zeros(n_units)
    prev0 = np.where(np.isnan(before_last), 0.0, before_last)
    if len(ua):
        starts = np.concatenate([[True], ua[1:] != ua[:-1]])
        ends = np.concatenate([ua[1:] != ua[:-1], [True]])
        first[ua[starts]] = ta[starts]
        last[ua[ends]] = ta[ends]
        prev = np.empty(len(ta))
        prev[1:] = ta[:-1]
        prev[starts] = prev0[ua[starts]]
        gaps = ta - prev
        np.maximum.at(worst, ua, gaps)
        np.add.at(total, ua, gaps)
    tail_from = np.where(n > 0, last, prev0)
    tail = window_min - tail_from
    worst = np.maximum(worst, tail)
    total += tail
    mean = total / (n + 1)
    if len(ua):
        ut = pd.DataFrame({"unit": unit[after], "team": team[after]})
        names = ut.groupby("unit")["team"].agg(lambda s: ";".join(sorted(set(s))))
        teams = names.reindex(np.arange(n_units)).fillna("").to_numpy(dtype=object)
    else:
        teams = np.full(n_units, "", dtype=object)
    out = pd.DataFrame(
        {
            "n_passes": n.astype(np.int64),
            "first_pass_min": first,
            "last_pass_min": last,
            "last_before_cut_min": before_last,
            "worst_revisit_min": worst,
            "mean_revisit_min": mean,
            "never_passed": n == 0,
            "teams": teams,
        },
        index=index if index is not None else pd.RangeIndex(n_units, name="unit"),
    )
    out.index.name = "unit"
    return out


def passes_before(
    network: PatrolNetwork,
    driven: PatrolTimeline,
    at_min: float,
    ready: Mapping[str, float],
) -> pd.DataFrame:
    """Passes of ``driven`` up to the cut (a surviving team's road under way: up to when it is done)."""
    trav = driven.traversals
    trav = trav[trav["t_start"] < at_min - TOL]
    sight = driven.sightings
    sight = sight[sight["t"] <= at_min + TOL]
    cut = PatrolTimeline(
        window_min=driven.window_min,
        teams=driven.teams,
        traversals=trav,
        sightings=sight,
        source=driven.source,
    )
    passes = pass_times(network, cut)
    limit = passes["team"].map(lambda x: ready.get(str(x), at_min)).to_numpy(dtype=float)
    return passes[passes["t"].to_numpy() <= limit + TOL].reset_index(drop=True)


def kept_passes(
    passes: pd.DataFrame,
    at_min: float,
    dropped: Sequence[str],
    before: pd.DataFrame,
    driven_is_plan: bool,
) -> pd.DataFrame:
    """Passes had tonight's plan been kept with the dropped teams gone after the cut.

    ``passes`` are tonight's plan's (:func:`~borderwatch.coverage.revisit.pass_times`
    of its timeline).
    """
    late = passes["t"].to_numpy() > at_min + TOL
    gone = passes["team"].isin(list(dropped)).to_numpy()
    after = passes[late & ~gone]
    if driven_is_plan:
        early = passes[~late]
        return pd.concat([early, after], ignore_index=True)
    return pd.concat([before[before["t"] <= at_min + TOL], after], ignore_index=True)


def stretch_passes(kept: pd.DataFrame, new: pd.DataFrame, units: np.ndarray) -> tuple[int, int]:
    """Passes after the cut over the least-passed unit of ``units`` that either plan passes."""
    a = kept["n_passes"].to_numpy()[units]
    b = new["n_passes"].to_numpy()[units]
    on = (a > 0) | (b > 0)
    if not on.any():
        return (0, 0)
    return (int(a[on].min()), int(b[on].min()))


def weighted_worst(table: pd.DataFrame, hot_w: np.ndarray, watched: np.ndarray) -> float:
    if not watched.any():
        return math.inf
    return float((table["worst_revisit_min"].to_numpy() * hot_w)[watched].max())


def worst_over(table: pd.DataFrame, watched: np.ndarray) -> float:
    if not watched.any():
        return math.inf
    return float(table["worst_revisit_min"].to_numpy()[watched].max())
