"""Seeded rotations: each team's nightly route variant and the inspected township.

Draws come from a generator seeded by SHA-256 of (salt, week, team), so a
week is reproducible for whoever holds the salt and unpredictable without it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np

__all__ = ["leader_townships", "rotate_variants", "seed_for"]


def seed_for(salt: str, *parts: str) -> int:
    """A 64-bit seed from the salt and the given parts.

    Parameters
    ----------
    salt
        Secret part of the seed (the roster's salt).
    *parts
        The public parts, e.g. the ISO week and a team id.

    Returns
    -------
    int
        The first 8 bytes, big-endian, of SHA-256 of the salt and the parts
        joined by the unit separator (U+001F).
    """
    digest = hashlib.sha256("\x1f".join((salt, *parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def rotate_variants(
    variants: Mapping[str, Sequence[Mapping[str, Any]]],
    week: str,
    *,
    salt: str = "",
    last: Mapping[str, str] | None = None,
    nights: int = 7,
) -> dict[str, list[dict[str, Any]]]:
    """Pick one route variant per team per night; never the same one on consecutive nights.

    Parameters
    ----------
    variants
        Team id → its variants (dicts with ``variant``, ``reverse``, ``phase_min``).
    week
        ISO week label, part of the seed.
    salt
        Secret part of the seed.
    last
        Team id → the variant it drove on the last night of the previous week.
    nights
        Nights to draw.

    Returns
    -------
    dict
        Team id → ``nights`` variant dicts. Where the variants carry ``odds``
        (the plan's LP odds, :mod:`borderwatch.plan.odds`), each night is an
        independent draw with those odds: any rule between nights (such as
        "never the same twice") would tell an intruder who knows it more than
        the odds do. Otherwise (an older plan.json), where a team has two or
        more variants, consecutive nights differ; where possible they differ
        in start phase too, and the loop direction alternates at random.
    """
    last = last or {}
    out: dict[str, list[dict[str, Any]]] = {}
    for team, vs in variants.items():
        vs = sorted((dict(v) for v in vs), key=lambda v: str(v["variant"]))
        if not vs:
            out[team] = []
            continue
        rng = np.random.default_rng(seed_for(salt, week, team))
        if all("odds" in v for v in vs):
            p = np.asarray([float(v["odds"]) for v in vs])
            picks_i = rng.choice(len(vs), size=nights, p=p / p.sum())
            out[team] = [dict(vs[int(i)]) for i in picks_i]
            continue
        prev = next((v for v in vs if v["variant"] == last.get(team)), None)
        picks: list[dict[str, Any]] = []
        for _ in range(nights):
            cands = vs
            if prev is not None and len(vs) > 1:
                cands = [v for v in vs if v["variant"] != prev["variant"]]
                other_phase = [
                    v for v in cands if float(v["phase_min"]) != float(prev["phase_min"])
                ]
                cands = other_phase or cands
            pick = cands[int(rng.integers(len(cands)))]
            picks.append(dict(pick))
            prev = pick
        out[team] = picks
    return out


def leader_townships(
    townships: Sequence[str], monday: date, *, salt: str = "", nights: int = 7
) -> list[str]:
    """The border township inspected on each night: a round robin continuing across weeks.

    Parameters
    ----------
    townships
        The border townships, in the order they are visited.
    monday
        The Monday of the week; the round robin runs on the date's ordinal, so
        the next week continues where this one ended.
    salt
        Secret part of the seed; it fixes where the round robin starts.
    nights
        Nights to give.

    Returns
    -------
    list of str
        One township per night from ``monday`` (empty when there are no
        townships).
    """
    if not townships:
        return []
    offset = seed_for(salt, "leader") % len(townships)
    return [townships[(monday.toordinal() + i + offset) % len(townships)] for i in range(nights)]
