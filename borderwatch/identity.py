"""Stable identity of a team on paper and screen: its colour and dash, fixed by the scenario.

A team's style is fixed by its place in the scenario's ``teams.csv``
(:func:`team_styles`), never by its place among tonight's working teams: T06
keeps its colour when T05 is dropped in a re-plan, when a plan runs with
``--teams`` or ``--n-teams``, and from the 19:30 briefing to the 02:10
re-plan map. ``plan.json`` records each route's ``colour`` and ``dash``; the
map, the briefing and the GPX files read them from there.

The palette (:data:`TEAM_COLOURS`) separates teams by hue first: the first
nine colours are nine hue families drawn solid, the next nine another
lightness of other hues drawn dashed, the next nine the first nine dotted, and
so on (:func:`team_style`): 54 teams before a style repeats. In grey print
each dash group spans black to pale (lightness 0-82 and 13-78 in CIELAB), so
the dash and the grey level tell the lines apart where the hue cannot; every
colour also keeps a colour difference of at least 15 (CIE76) from the border
status colours for normal and colour-blind vision
(:mod:`borderwatch.maps.colours`, tested there), and the maps label each route
with its team id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

__all__ = ["GROUP", "TEAM_COLOURS", "TEAM_DASHES", "team_style", "team_styles"]

#: Eighteen team colours: nine hues (solid), then nine more (dashed).
TEAM_COLOURS: Final = (
    # solid: Okabe-Ito / Paul Tol colour-blind-safe colours without greens, mid blues, reds
    "#E69F00",  # orange
    "#332288",  # indigo
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#882255",  # wine
    "#000000",  # black
    "#DDCC77",  # sand
    "#777777",  # grey
    "#0B2E59",  # navy
    # dashed
    "#AA3377",  # magenta
    "#40004B",  # dark purple
    "#65000B",  # rosewood
    "#CC9933",  # ochre
    "#4D5A6B",  # slate
    "#BBAADD",  # lilac
    "#762A83",  # plum
    "#FFAABB",  # peach
    "#D8B365",  # light brown
)
#: Colours per dash group.
GROUP: Final = 9
#: Dash patterns (Leaflet ``dashArray``; matplotlib takes the same numbers): solid, dashed, dotted.
TEAM_DASHES: Final = ("", "10 6", "2 5")


def team_style(i: int) -> tuple[str, str]:
    """``(colour, dash)`` of the team at 0-based position ``i`` of the scenario's teams.

    Parameters
    ----------
    i
        The team's 0-based position in the scenario's ``teams.csv`` (not in
        tonight's teams).

    Returns
    -------
    colour : str
        A hex colour of :data:`TEAM_COLOURS`, cycling every ``len(TEAM_COLOURS)`` teams.
    dash : str
        A Leaflet ``dashArray`` of :data:`TEAM_DASHES` (``""`` = solid), the
        next pattern every :data:`GROUP` teams.
    """
    return TEAM_COLOURS[i % len(TEAM_COLOURS)], TEAM_DASHES[(i // GROUP) % len(TEAM_DASHES)]


def team_styles(scenario_teams: Iterable[object]) -> dict[str, tuple[str, str]]:
    """``{team id: (colour, dash)}`` by each team's place in the scenario's ``teams.csv``.

    Pass the ids of *all* the scenario's teams in file order
    (``network.scenario.teams.index``), not tonight's.
    """
    return {str(t): team_style(i) for i, t in enumerate(scenario_teams)}
