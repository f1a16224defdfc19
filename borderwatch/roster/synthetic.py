"""A synthetic personnel file sized to staff a site under the roster rules.

Every row carries ``source = synthetic``: the people, names and leave dates
are invented by a seeded generator, not taken from any real roster.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta

import numpy as np

from borderwatch.data.synthetic.names import person_names
from borderwatch.roster.config import RosterConfig
from borderwatch.roster.week import RosterSite

__all__ = ["synthetic_people"]


def synthetic_people(
    site: RosterSite,
    *,
    config: RosterConfig | None = None,
    seed: int = 2026,
    n_leaders: int = 21,
    slack: float = 1.25,
    leave_share: float = 0.04,
    leave_from: date = date(2026, 11, 23),
    leave_days: int = 42,
) -> list[dict[str, str]]:
    """Rows of ``people.csv`` for ``site``.

    Sizing: each township gets ``ceil(slack × weekly person-shifts / max_shifts)``
    checkpoint staff (and enough for the night shifts under
    ``max_night_shifts``); each team ``ceil(slack × 7 × crew / max_night_shifts)``
    members; ``n_leaders`` county leaders. A share ``leave_share`` of people
    gets one leave of 2-6 days between ``leave_from`` and ``leave_from + leave_days``.

    Parameters
    ----------
    site
        The roster site: its townships' checkpoints and its teams' crews size
        the file.
    config
        The roster rules (shifts, staff per shift, ``max_shifts``,
        ``max_night_shifts``); default :class:`RosterConfig`.
    seed
        Seed of the generator of names and leave (same seed, same file).
    n_leaders
        Number of county leaders.
    slack
        Factor over the bare minimum of people, so that rest, leave and
        fairness rules can be met.
    leave_share
        Share of all people who get one leave.
    leave_from
        First day a leave can start.
    leave_days
        Leaves start within this many days from ``leave_from``.

    Returns
    -------
    list of dict of str to str
        One row per person with the ``people.csv`` columns (``id``, ``name``,
        ``role``, ``team``, ``township``, ``leave``, ``source`` =
        ``"synthetic"``): checkpoint staff per township, members per team (at
        least crew + 1), then the leaders.
    """
    config = config or RosterConfig()
    rng = np.random.default_rng(seed)
    n_shifts = len(config.shift_starts)
    rows: list[dict[str, str]] = []
    cp_count = Counter(site.checkpoints.values())

    def add(role: str, team: str, township: str, n: int, prefix: str) -> None:
        names = person_names(rng, n)
        for k in range(n):
            rows.append(
                {
                    "id": f"{prefix}{k + 1:03d}",
                    "name": names[k],
                    "role": role,
                    "team": team,
                    "township": township,
                    "leave": "",
                    "source": "synthetic",
                }
            )

    for i, t in enumerate(site.townships, start=1):
        demand = cp_count[t] * config.staff_per_shift * n_shifts * 7
        n = max(
            math.ceil(slack * demand / config.max_shifts),
            math.ceil(slack * demand / n_shifts / max(config.max_night_shifts, 1)),
        )
        add("checkpoint_staff", "", t, n, f"S{i:02d}-")
    for team, (_name, crew) in site.teams.items():
        n = math.ceil(slack * 7 * crew / max(min(config.max_night_shifts, config.max_shifts), 1))
        add("team_member", team, "", max(n, crew + 1), f"{team}-")
    add("county_leader", "", "", n_leaders, "L")
    n_leave = round(leave_share * len(rows))
    for k in sorted(rng.choice(len(rows), size=n_leave, replace=False).tolist()):
        start = leave_from + timedelta(days=int(rng.integers(leave_days)))
        end = start + timedelta(days=int(rng.integers(1, 6)))
        rows[k]["leave"] = f"{start.isoformat()}..{end.isoformat()}"
    return rows
