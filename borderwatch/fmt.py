"""One text per figure: how every writer prints a distance, a duration, a share and a gap id.

Every output a person reads (``report.txt``, the maps' headers, the briefing,
``diff.txt``, the command line) prints its figures through these functions, so
that one figure of a night reads the same everywhere (issue #21). Each
quantity has one rule:

========== ============================ ==================================
quantity   JSON value (``*_json``)      text
========== ============================ ==================================
km         rounded to 3 decimals (1 m)  2 decimals: ``2.25 km`` (units are
                                        often 250 m: one decimal would
                                        print 2.25 as 2.2 in one place and
                                        2.3 in another)
minutes    rounded to 2 decimals        1 decimal: ``88.1 min``
percent    rounded to 2 decimals        1 decimal: ``97.8 %``
========== ============================ ==================================

The text is made from the JSON value (the figure is first rounded as JSON holds
it, then printed): a raw figure and the figure read back from a JSON file
print the same text (``6.1499`` and its JSON ``6.15`` both print ``6.2``, not
``6.1`` and ``6.2``).

Gap ids (:func:`gap_id`) name a stretch by its chainage, ``G<start km>-<end
km>`` with two decimals (``G5.25-5.75``): the same stretch has the same id in
every output of a scenario (``gaps``, ``plan``'s ``gaps_before.csv`` /
``gaps_after.csv``, ``site``, ``replan``), whatever else the table holds, and
two different stretches never share an id.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

__all__ = [
    "KM_DIGITS",
    "MIN_DIGITS",
    "PCT_DIGITS",
    "data_size",
    "gap_id",
    "gap_ids",
    "km",
    "km_json",
    "minutes",
    "minutes_json",
    "minutes_over",
    "pct",
    "pct_json",
]

#: Decimals of the text of a distance (km), a duration (min) and a share (%).
KM_DIGITS: Final = 2
MIN_DIGITS: Final = 1
PCT_DIGITS: Final = 1
#: Decimals of the same figures in JSON files.
_KM_JSON: Final = 3
_MIN_JSON: Final = 2
_PCT_JSON: Final = 2


def _json(value: float, digits: int) -> float:
    x = float(value)
    return round(x, digits) if math.isfinite(x) else x


def _text(value: float | None, json_digits: int, digits: int, unit: str) -> str:
    if value is None:
        return "—"
    x = float(value)
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        text = "∞" if x > 0 else "-∞"
    else:
        text = f"{round(x, json_digits) + 0.0:.{digits}f}"
    return f"{text} {unit}" if unit else text


def km_json(value: float) -> float:
    """A distance in km as JSON files hold it (3 decimals)."""
    return _json(value, _KM_JSON)


def minutes_json(value: float) -> float:
    """A duration in minutes as JSON files hold it (2 decimals)."""
    return _json(value, _MIN_JSON)


def pct_json(value: float) -> float:
    """A percentage as JSON files hold it (2 decimals)."""
    return _json(value, _PCT_JSON)


def km(value: float | None, unit: str = "km") -> str:
    """A distance in km as text: ``"2.25 km"`` (``unit=""``: the number alone; ``—`` if missing)."""
    return _text(value, _KM_JSON, KM_DIGITS, unit)


def minutes(value: float | None, unit: str = "min") -> str:
    """A duration in minutes as text: ``"88.1 min"`` (``unit=""``: the number alone)."""
    return _text(value, _MIN_JSON, MIN_DIGITS, unit)


def pct(value: float | None, unit: str = "%") -> str:
    """A percentage as text: ``"97.8 %"`` (``unit=""``: the number alone)."""
    return _text(value, _PCT_JSON, PCT_DIGITS, unit)


def minutes_over(value: float | None, target: float, unit: str = "min") -> str:
    """By how much ``value`` exceeds ``target``, as text: the difference of the printed figures.

    ``minutes_over(43.65, 30)`` is ``"13.6 min"``, because the worst prints as
    ``43.6 min``: a reader subtracting the two texts gets the same answer.
    """
    if value is None or not math.isfinite(float(value)):
        return minutes(value, unit)
    shown = float(minutes(value, ""))
    return minutes(max(shown - float(target), 0.0), unit)


def data_size(n_bytes: int) -> str:
    """A size in bytes as text, in powers of 1024: ``"512 B"``, ``"3.4 MiB"``, ``"2.0 GiB"``."""
    if abs(n_bytes) < 1024:
        return f"{n_bytes} B"
    value = float(n_bytes)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if round(abs(value), 1) < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:.1f} TiB"


def gap_id(start_km: float, end_km: float, digits: int = KM_DIGITS) -> str:
    """The id of the border stretch from ``start_km`` to ``end_km``: ``"G5.25-5.75"``."""
    return (
        f"G{round(float(start_km), 3) + 0.0:.{digits}f}-{round(float(end_km), 3) + 0.0:.{digits}f}"
    )


def gap_ids(start_km: Sequence[float], end_km: Sequence[float]) -> list[str]:
    """:func:`gap_id` of each stretch; three decimals when two would name two stretches alike.

    Two decimals are 10 m: stretches of units shorter than that could collide.
    """
    ids = [gap_id(a, b) for a, b in zip(start_km, end_km, strict=True)]
    if len(set(ids)) < len(ids):
        ids = [gap_id(a, b, 3) for a, b in zip(start_km, end_km, strict=True)]
    return ids
