"""Which loops of a team fit the night: every start, full loops, the last partial one.

One rule for every writer that lists loop starts (``report.txt``, ``plan.json``,
the GPX descriptions, the briefing), issue #21:

* a loop is listed when it starts inside the window and at least
  :data:`MIN_PARTIAL_MIN` before its end; a "loop" starting in the last
  minute is the previous loop finishing, not a loop (the 05:59 fragment of
  issue #21); a loop ending at most :data:`FULL_SLACK_MIN` after the window
  end counts as whole;
* a loop that cannot finish by the window end is the **last partial loop**:
  listed as partial with the minutes driven (the timeline counts them);
* a loop longer than the night (``longer_than_night``) is flagged, with what
  would fix it: another team on the roads, or a shorter loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from borderwatch.config import format_hhmm
from borderwatch.fmt import minutes as fmt_min
from borderwatch.i18n import report_labels

__all__ = ["FULL_SLACK_MIN", "MIN_PARTIAL_MIN", "Laps", "laps"]

#: A loop starting less than this before the window end is not listed (minutes).
MIN_PARTIAL_MIN: Final = 1.0
#: A loop ending at most this after the window end counts as driven whole (6 s: rounding).
FULL_SLACK_MIN: Final = 0.1


@dataclass(frozen=True)
class Laps:
    """The loops of one team in one window, minutes from the window start.

    Attributes
    ----------
    starts
        Every listed loop start (the first is the loop's start, possibly
        before the window for a phased variant).
    full
        How many of them finish by the window end.
    partial_min
        Minutes driven of the last loop when it is cut by the window end (0: none).
    loop_min, window_min
        The loop's duration and the window's length.
    """

    starts: tuple[float, ...]
    full: int
    partial_min: float
    loop_min: float
    window_min: float

    @property
    def longer_than_night(self) -> bool:
        """The loop is longer than the whole window: no crew ever drives it whole tonight."""
        return self.loop_min > self.window_min + 1e-9

    def text(self, start_min: int, *, lang: str = "en") -> str:
        """The report's loop column: ``"20:00, 22:47, 01:34 (last partial: 43.1 min of 167.0 min)"``.

        ``start_min`` is the window start (minutes after midnight). Seven and more
        loops are written ``"20:00, then every 27.9 min (21 loops + 1 partial: 14.0 min of 27.9 min)"``.
        ``lang`` (``"zh"`` or ``"en"``) picks the words (:data:`borderwatch.i18n.REPORT`).
        """
        if not self.starts:
            return ""
        L = report_labels(lang)
        partial = (
            L["laps_partial"].format(p=fmt_min(self.partial_min), l=fmt_min(self.loop_min))
            if self.partial_min > 0
            else ""
        )
        if len(self.starts) <= 6:
            clocks = ", ".join(format_hhmm(start_min + t) for t in self.starts)
            out = L["laps_few"].format(clocks=clocks, partial=partial) if partial else clocks
        else:
            out = L["laps_many"].format(
                first=format_hhmm(start_min + self.starts[0]),
                loop=fmt_min(self.loop_min),
                n=self.full,
                tail=L["laps_tail"].format(partial=partial) if partial else "",
            )
        if self.longer_than_night:
            out += L["laps_too_long"].format(
                loop=fmt_min(self.loop_min), win=fmt_min(self.window_min)
            )
        return out


def laps(loop_min: float, window_min: float, on_min: float = 0.0) -> Laps:
    """The loops of a team starting its loop at ``on_min`` (see the module rule).

    Parameters
    ----------
    loop_min
        The loop's duration (> 0).
    window_min
        The window's length.
    on_min
        When the first loop starts, minutes from the window start (negative for
        a phased variant already on its loop before the window).
    """
    if not (loop_min > 0 and math.isfinite(loop_min)):
        return Laps((), 0, 0.0, float(loop_min), float(window_min))
    starts = []
    k = 0
    while True:
        t = on_min + k * loop_min
        if t > window_min - MIN_PARTIAL_MIN + 1e-9:
            break
        starts.append(t)
        k += 1
    full = sum(1 for t in starts if t + loop_min <= window_min + FULL_SLACK_MIN)
    last = starts[-1] if starts else 0.0
    partial = window_min - last if starts and last + loop_min > window_min + FULL_SLACK_MIN else 0.0
    return Laps(tuple(starts), full, max(partial, 0.0), float(loop_min), float(window_min))
