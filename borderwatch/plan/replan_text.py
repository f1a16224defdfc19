"""The radio text of a re-plan: one short line per change, for a commander to read out.

:func:`diff_lines` turns a :class:`~borderwatch.plan.replan.Replan` into
lines like::

    T03 takes T05's loop from km 30.0 to km 38.0, first pass 02:25

plus a line for every team whose loop changed (or that stands by), the passes
over each hot stretch and the worst revisit for the rest of the night, new
against tonight's plan kept with the dropped teams gone. It is a pure
function of the Replan (no clock, no files): the same re-plan gives the same
text, and ``borderwatch replan`` writes it as ``diff.txt``.

Times are clock times of the night (``02:25``); chainage, distances and
minutes are printed by :mod:`borderwatch.fmt` (``km 21.75``, ``130.1 min``),
as in every other output of the folder.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

from borderwatch.config import default_language
from borderwatch.fmt import km as fmt_km
from borderwatch.fmt import minutes as fmt_min
from borderwatch.i18n import DIFF, plan_note, report_labels, role_text

if TYPE_CHECKING:
    from borderwatch.plan.replan import Replan
    from borderwatch.routing.patrol import TeamRoute

__all__ = ["diff_lines", "diff_text", "loop_changed"]


def _clock(rp: Replan, minutes: float) -> str:
    """Clock time of ``minutes`` after the ORIGINAL window start."""
    return rp.clock(minutes)


def loop_changed(old: TeamRoute | None, new: TeamRoute) -> bool:
    """Whether ``new`` changes ``old``: other roads, or the same roads driven another way.

    A loop only rotated (started elsewhere on it) is the same loop.
    """
    if old is None or old.on_patrol != new.on_patrol:
        return True
    return _directed_changed(old, new)


def _directed_changed(old: TeamRoute, new: TeamRoute) -> bool:
    return Counter(old.steps) != Counter(new.steps)


def _reversed(old: TeamRoute, new: TeamRoute) -> bool:
    """The same roads, driven the other way round."""
    return Counter(old.steps) == Counter((e, not f) for e, f in new.steps)


def diff_lines(rp: Replan, *, lang: str | None = None) -> list[str]:
    """The radio diff of ``rp``, one line per change (see the module notes).

    Parameters
    ----------
    rp
        A re-plan (:func:`~borderwatch.plan.replan.replan`).
    lang
        ``"zh"`` or ``"en"`` (default: the scenario's language,
        :func:`~borderwatch.config.default_language`); every word from
        :data:`borderwatch.i18n.DIFF`.

    Returns
    -------
    list of str
        Header, take-overs, roads left unpatrolled, changed loops and
        standbys, unchanged teams, hot stretches, worst revisit.
    """
    net = rp.network
    lang = lang or default_language(net.scenario.timezone)
    L = report_labels(lang, DIFF)
    end = net.config.night_end
    out = []
    what = [L["out"].format(teams=L["list_sep"].join(rp.dropped))] if rp.dropped else []
    what += [
        L["hot"].format(a=fmt_km(h.start_km, ""), b=fmt_km(h.end_km, ""), w=f"{h.weight:g}")
        for h in rp.hot
    ]
    out.append(
        L["head"].format(
            at=rp.at_clock,
            end=end,
            what=L["what"].format(items=L["sep"].join(what)) if what else "",
        )
    )
    old_routes = {r.team: r for r in rp.original.routes}
    # the teams that go on with tonight's loop (the engine's Replan.changed, and a loop on the
    # same roads the same way round is the same loop to the crew)
    same_loop = {
        r.team
        for r in rp.plan.routes
        if r.on_patrol and (r.team not in rp.changed or not loop_changed(old_routes.get(r.team), r))
    }
    for tk in rp.takeovers:
        if math.isfinite(tk.km_from) and math.isfinite(tk.km_to):
            where = L["loop_span"].format(a=fmt_km(tk.km_from, ""), b=fmt_km(tk.km_to, ""))
        else:
            where = L["roads_away"].format(n=len(tk.edges))
        when = (
            L["first_pass"].format(clock=_clock(rp, tk.first_pass_min))
            if math.isfinite(tk.first_pass_min)
            else L["no_pass_before"].format(end=end)
        )
        # a taker that keeps its loop drives those roads already: nothing new to find
        already = L["already"] if tk.team in same_loop else ""
        out.append(
            L["takeover"].format(
                team=tk.team, from_team=tk.from_team, where=where, when=when, already=already
            )
        )
    if rp.unserved:
        lengths = rp.network.edges["length"].to_numpy()
        km = sum(float(lengths[e]) for e in rp.unserved) / 1000.0
        out.append(L["unserved"].format(n=len(rp.unserved), km=fmt_km(km)))
    out += _team_lines(rp, L, lang)
    for h in rp.hot:
        old_n, new_n = rp.hot_passes.get(h.label, (0, 0))
        out.append(
            L["hot_passes"].format(
                a=fmt_km(h.start_km, ""), b=fmt_km(h.end_km, ""), new=new_n, end=end, old=old_n
            )
        )
    kept_what = (
        L["kept_without"].format(teams=L["list_sep"].join(rp.dropped)) if rp.dropped else L["kept"]
    )
    out.append(
        L["worst"].format(
            worst=_minutes(rp.worst_revisit_min, L),
            at=_worst_at(rp, L),
            unpassed=_unpassed(rp.unpassed_km, L),
            kept=kept_what,
            old=_minutes(rp.original_worst_revisit_min, L),
            old_unpassed=_unpassed(rp.original_unpassed_km, L),
        )
    )
    return out


def _team_lines(rp: Replan, L: dict[str, str], lang: str) -> list[str]:
    """The lines of the teams: stand-bys, turned and new loops, then the teams that keep theirs."""
    net = rp.network
    old_routes = {r.team: r for r in rp.original.routes}
    out = []
    kept = []
    for r in rp.plan.routes:
        pos = rp.positions.get(r.team)
        ready = _clock(rp, pos.ready_min) if pos is not None else rp.at_clock
        if not r.on_patrol:
            reason = plan_note(r.standby_reason or "no loop", lang)
            out.append(L["stands_by"].format(team=r.team, at=rp.at_clock, reason=reason))
            continue
        old = old_routes.get(r.team)
        # the engine says who changes (Replan.changed); a loop on the same roads the same
        # way round is the same loop to the crew (it goes on from where it is)
        if r.team not in rp.changed or not loop_changed(old, r):
            kept.append(r.team)
            continue
        if old is not None and _reversed(old, r):
            out.append(L["reversed"].format(team=r.team, ready=ready))
            continue
        was = (
            L["was"].format(loop=fmt_min(old.loop_s / 60))
            if old is not None and old.on_patrol
            else ""
        )
        role = (
            L["role"].format(role=role_text(r.role, lang))
            if r.role and r.role not in ("min-max", "take-over")
            else ""
        )
        note = L["note"].format(note=plan_note(r.note, lang)) if r.note else ""
        set_out = rp.plan.schedule.set_out(r.team)
        if r.approach and set_out is not None:  # a circuit joined after the cut
            # rounded, as the report's loop column and plan.json's start times
            on = rp.window.clock(rp.at_min + set_out + r.approach_s / 60.0)
            note = L["approach"].format(approach=fmt_min(r.approach_s / 60), on=on) + note
        out.append(
            L["new_loop"].format(
                team=r.team,
                loop=fmt_min(r.loop_s / 60),
                km=fmt_km(r.length_m(net) / 1000),
                was=was,
                role=role,
                ready=ready,
                note=note,
            )
        )
    # a team is in one list: a taker that keeps its loop is said once, in its take-over line
    takers = {tk.team for tk in rp.takeovers}
    kept = [t for t in kept if t not in takers]
    if kept:
        out.append(
            L["keeps"].format(team=kept[0])
            if len(kept) == 1
            else L["keep"].format(teams=L["list_sep"].join(kept))
        )
    return out


def _unpassed(km: float, L: dict[str, str]) -> str:
    """``", 2.2 km never passed again"`` (border no pass after the cut reaches), or nothing."""
    return L["unpassed"].format(km=fmt_km(km)) if km >= 0.005 else ""


def _worst_at(rp: Replan, L: dict[str, str]) -> str:
    """`` at km 33.0`` : where the worst revisit of the rest of the night is (first such unit)."""
    table = rp.revisits
    if not len(table) or not math.isfinite(rp.worst_revisit_min):
        return ""
    # the figure runs over every unit tonight's, the kept or the new plan passes, a unit no
    # longer passed after the cut included (Replan.worst_revisit_min)
    worst = table["worst_revisit_min"].to_numpy()
    hit = abs(worst - rp.worst_revisit_min) <= 1e-6
    if not hit.any():
        return ""
    i = int(hit.argmax())
    units = rp.network.units
    mid = (float(units["start_m"].iat[i]) + float(units["end_m"].iat[i])) / 2000.0
    return L["at"].format(km=fmt_km(mid, ""))


def _minutes(value: float, L: dict[str, str]) -> str:
    return fmt_min(value) if math.isfinite(value) else L["no_pass"]


def diff_text(rp: Replan, *, lang: str | None = None) -> str:
    """:func:`diff_lines` as one text, a line each, ending in a newline."""
    return "\n".join(diff_lines(rp, lang=lang)) + "\n"
