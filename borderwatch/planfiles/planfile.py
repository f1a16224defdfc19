"""``plan.json``: the one typed, schema-versioned reader and writer of a plan folder's plan file.

Every reader of ``plan.json`` (reload, roster, briefing, map, re-plan) goes
through :meth:`PlanFile.read`, which checks the schema and each field it types and
raises a located error naming the file, the field (``routes[3].variants[1].leave_base``)
and the value. Times are ISO 8601 local times with the UTC offset of the
scenario's zone (``"2026-12-17T19:14:00+08:00"``).

Schema versions: 2 (this one) adds ``schema_version``, ``timezone``, the duty
times of every route variant (:mod:`borderwatch.plan.duty`), ``start_times``
as a list of ISO times (was a display string) and a ``colour`` per route. A
plan file without ``schema_version`` (written before) is refused with an error
that says to plan again: its leave-base times cannot be told for each variant
without the road network.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from borderwatch.atomic import write_text
from borderwatch.config import NightWindow
from borderwatch.errors import BorderwatchError, ConfigError, CoverageError

__all__ = [
    "SCHEMA_VERSION",
    "TYPED_FIELDS",
    "PlanFile",
    "PlanRoute",
    "PlanVariant",
    "is_replan",
]

#: The schema version written by this code (``plan.json`` ``schema_version``).
SCHEMA_VERSION = 2

#: Top-level keys :class:`PlanFile` types (every other key is one of its ``figures``).
TYPED_FIELDS = (
    "schema_version",
    "scenario",
    "night",
    "night_window",
    "timezone",
    "seed",
    "routes",
    "cut_min",
)


class _Reader:
    """Field checks that raise ``error`` naming the file, the field and the value."""

    def __init__(self, file: str | Path | None, error: Any) -> None:
        self.file, self.error = file, error

    def fail(self, message: str, where: str, value: Any) -> BorderwatchError:
        err: BorderwatchError = self.error(message, file=self.file, field=where, value=value)
        return err

    def get(self, data: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in data:
            raise self.fail("missing field", f"{where}{key}", None)
        return data[key]

    def text(self, data: Mapping[str, Any], key: str, where: str = "") -> str:
        value = self.get(data, key, where)
        if not isinstance(value, str):
            raise self.fail("must be a text", f"{where}{key}", value)
        return value

    def number(self, data: Mapping[str, Any], key: str, where: str = "") -> float:
        value = self.get(data, key, where)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail("must be a number", f"{where}{key}", value)
        if not math.isfinite(value) or value < 0:
            raise self.fail("must be a finite number >= 0", f"{where}{key}", value)
        return float(value)

    def flag(self, data: Mapping[str, Any], key: str, where: str = "") -> bool:
        value = self.get(data, key, where)
        if not isinstance(value, bool):
            raise self.fail("must be true or false", f"{where}{key}", value)
        return value

    def items(self, data: Mapping[str, Any], key: str, where: str = "") -> list[Any]:
        value = self.get(data, key, where)
        if not isinstance(value, list):
            raise self.fail("must be a list", f"{where}{key}", value)
        return value

    def moment(self, value: Any, where: str) -> datetime:
        try:
            out = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            out = None
        if out is None or out.tzinfo is None:
            raise self.fail("must be an ISO 8601 time with its UTC offset", where, value)
        return out

    def steps(self, data: Mapping[str, Any], key: str, where: str) -> tuple[tuple[int, bool], ...]:
        out = []
        for i, s in enumerate(self.items(data, key, where)):
            ok = isinstance(s, list) and len(s) == 2 and isinstance(s[0], int)
            if not ok or not isinstance(s[1], bool) or isinstance(s[0], bool) or s[0] < 0:
                raise self.fail("must be [edge, forward]", f"{where}{key}[{i}]", s)
            out.append((int(s[0]), bool(s[1])))
        return tuple(out)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class PlanVariant:
    """One route variant of a team and its duty times on the plan's night.

    Attributes
    ----------
    variant, reverse, phase_min
        Variant id (``"T09-r2"``), direction, minutes into the loop at the window start.
    leave_base
        When the crew leaves its base (aware, local time of the scenario).
    on_loop
        When it starts its loop (``phase_min`` before the window start).
    loop_starts
        Every start of the loop before the window end (the first is ``on_loop``).
    off_loop
        When it leaves the loop (the window end).
    back_base
        When it is back at its base.
    detour
        ``None``, or a *drawn detour* (issue #25, ``plan --detours``): the
        stretch ``(i, j)`` of the route's ``steps`` (forward order) that the
        crew drives, turns back on and drives once more
        (:func:`borderwatch.plan.variants.detour_steps`). Written only for such
        a variant, with ``detour_steps`` and ``loop_min``.
    detour_steps
        The steps the turn-back adds after step ``j - 1``: the stretch
        backwards, then forward again (empty for a plain variant).
    loop_min
        The variant's loop with its turn-back (``None``: the route's ``loop_min``).
    """

    variant: str
    reverse: bool
    phase_min: float
    leave_base: datetime
    on_loop: datetime
    loop_starts: tuple[datetime, ...]
    off_loop: datetime
    back_base: datetime
    detour: tuple[int, int] | None = None
    detour_steps: tuple[tuple[int, bool], ...] = ()
    loop_min: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (a plain variant's as before detours existed: no detour keys)."""
        out: dict[str, Any] = {
            "variant": self.variant,
            "reverse": self.reverse,
            "phase_min": self.phase_min,
            "leave_base": _iso(self.leave_base),
            "on_loop": _iso(self.on_loop),
            "loop_starts": [_iso(t) for t in self.loop_starts],
            "off_loop": _iso(self.off_loop),
            "back_base": _iso(self.back_base),
        }
        if self.detour is not None:
            out["detour"] = list(self.detour)
            out["detour_steps"] = [[e, f] for e, f in self.detour_steps]
            out["loop_min"] = self.loop_min
        return out

    def walk(self, steps: Sequence[tuple[int, bool]]) -> tuple[tuple[int, bool], ...]:
        """The closed walk the crew drives on this variant, from the route's ``steps``.

        The turn-back inserted after step ``j - 1`` (a drawn detour), then the
        whole walk reversed for a reversed variant.
        """
        walk = tuple((int(e), bool(f)) for e, f in steps)
        if self.detour is not None:
            walk = walk[: self.detour[1]] + self.detour_steps + walk[self.detour[1] :]
        return tuple((e, not f) for e, f in reversed(walk)) if self.reverse else walk

    @classmethod
    def from_dict(cls, data: Any, r: _Reader, where: str) -> PlanVariant:
        """Read one variant entry (``where`` names it in errors)."""
        if not isinstance(data, Mapping):
            raise r.fail("must be an object", where.rstrip("."), data)
        return cls(
            variant=r.text(data, "variant", where),
            reverse=r.flag(data, "reverse", where),
            phase_min=r.number(data, "phase_min", where),
            leave_base=r.moment(r.get(data, "leave_base", where), f"{where}leave_base"),
            on_loop=r.moment(r.get(data, "on_loop", where), f"{where}on_loop"),
            loop_starts=tuple(
                r.moment(t, f"{where}loop_starts[{i}]")
                for i, t in enumerate(r.items(data, "loop_starts", where))
            ),
            off_loop=r.moment(r.get(data, "off_loop", where), f"{where}off_loop"),
            back_base=r.moment(r.get(data, "back_base", where), f"{where}back_base"),
            **_detour_fields(data, r, where),
        )


def _detour_fields(data: Mapping[str, Any], r: _Reader, where: str) -> dict[str, Any]:
    """A variant entry's drawn detour (``detour``, ``detour_steps``, ``loop_min``), if it has one."""
    if "detour" not in data:
        return {}
    raw = data["detour"]
    ok = isinstance(raw, list) and len(raw) == 2
    ok = ok and all(isinstance(x, int) and not isinstance(x, bool) for x in raw)
    if not ok or not 0 <= raw[0] < raw[1]:
        raise r.fail("must be [first step, end step] with first < end", f"{where}detour", raw)
    return {
        "detour": (int(raw[0]), int(raw[1])),
        "detour_steps": r.steps(data, "detour_steps", where),
        "loop_min": r.number(data, "loop_min", where),
    }


@dataclass(frozen=True)
class PlanRoute:
    """One team's entry of ``plan.json``.

    Attributes
    ----------
    team, name, vehicle
        Team id, name and vehicle profile.
    status, standby_reason
        ``"patrol"`` or ``"standby"`` (with the reason).
    role, note
        The night objective's role (``"min-max"``, ``"take-over"``, ...) and a note.
    leave_base
        When the crew leaves its base on the plan's own schedule (variant ``-f0``);
        ``None`` on standby.
    approach_min, loop_km, loop_min, service_km
        Drive from the base to the loop, the loop's length and duration, the
        required road it serves.
    start_times
        Every loop start of the plan's own schedule, from the window start.
    approach, steps, service
        The drive to the loop and the loop as ``(edge position, forward)``;
        ``service[i]`` is 1 where step ``i`` serves a required road.
    variants
        The route variants with their duty times (empty on standby).
    colour
        The team's colour on maps and papers (``None`` until the plan records one).
    """

    team: str
    name: str
    vehicle: str
    status: str
    standby_reason: str
    role: str
    note: str
    leave_base: datetime | None
    approach_min: float
    loop_km: float
    loop_min: float
    service_km: float
    start_times: tuple[datetime, ...]
    approach: tuple[tuple[int, bool], ...]
    steps: tuple[tuple[int, bool], ...]
    service: tuple[int, ...]
    variants: tuple[PlanVariant, ...] = ()
    colour: str | None = None

    @property
    def on_patrol(self) -> bool:
        """Whether the team drives a loop tonight."""
        return self.status == "patrol"

    def variant(self, code: str) -> PlanVariant | None:
        """The variant ``code`` (``"T09-r2"``), or None."""
        return next((v for v in self.variants if v.variant == code), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["leave_base"] = _iso(self.leave_base) if self.leave_base else None
        out["start_times"] = [_iso(t) for t in self.start_times]
        out["approach"] = [[e, f] for e, f in self.approach]
        out["steps"] = [[e, f] for e, f in self.steps]
        out["service"] = list(self.service)
        out["variants"] = [v.to_dict() for v in self.variants]
        return out

    @classmethod
    def from_dict(cls, data: Any, r: _Reader, where: str) -> PlanRoute:
        """Read one route entry (``where`` is ``"routes[3]."``)."""
        if not isinstance(data, Mapping):
            raise r.fail("must be an object", where.rstrip("."), data)
        status = r.text(data, "status", where)
        if status not in ("patrol", "standby"):
            raise r.fail("must be 'patrol' or 'standby'", f"{where}status", status)
        leave = r.get(data, "leave_base", where)
        colour = data.get("colour")
        if colour is not None and not isinstance(colour, str):
            raise r.fail("must be a colour text or null", f"{where}colour", colour)
        service = r.items(data, "service", where)
        if any(s not in (0, 1) or isinstance(s, bool) for s in service):
            raise r.fail("must be a list of 0 and 1", f"{where}service", service)
        route = cls(
            team=r.text(data, "team", where),
            name=r.text(data, "name", where),
            vehicle=r.text(data, "vehicle", where),
            status=status,
            standby_reason=r.text(data, "standby_reason", where),
            role=r.text(data, "role", where),
            note=r.text(data, "note", where),
            leave_base=None if leave is None else r.moment(leave, f"{where}leave_base"),
            approach_min=r.number(data, "approach_min", where),
            loop_km=r.number(data, "loop_km", where),
            loop_min=r.number(data, "loop_min", where),
            service_km=r.number(data, "service_km", where),
            start_times=tuple(
                r.moment(t, f"{where}start_times[{i}]")
                for i, t in enumerate(r.items(data, "start_times", where))
            ),
            approach=r.steps(data, "approach", where),
            steps=r.steps(data, "steps", where),
            service=tuple(int(s) for s in service),
            variants=tuple(
                PlanVariant.from_dict(v, r, f"{where}variants[{j}].")
                for j, v in enumerate(r.items(data, "variants", where))
            ),
            colour=colour,
        )
        for j, v in enumerate(route.variants):
            if v.detour is None:
                continue
            a, b = v.detour
            stretch = route.steps[a:b]
            if b > len(route.steps):
                raise r.fail(
                    f"is not a stretch of the route's {len(route.steps)} steps",
                    f"{where}variants[{j}].detour",
                    list(v.detour),
                )
            if v.detour_steps != tuple((e, not f) for e, f in reversed(stretch)) + stretch:
                raise r.fail(
                    "must be the detour's stretch backwards, then forward again",
                    f"{where}variants[{j}].detour_steps",
                    [list(x) for x in v.detour_steps],
                )
        return route


@dataclass(frozen=True)
class PlanFile:
    """A plan folder's ``plan.json``, typed.

    Attributes
    ----------
    scenario
        The scenario's name.
    night
        The date the night starts on.
    night_window
        The night window (a re-plan keeps the original window).
    timezone
        The scenario's IANA time zone: the zone of every time in the file.
    seed
        The plan's seed.
    routes
        One entry per team, in plan order.
    figures
        Every other top-level entry (the plan's figures, coverage summaries,
        ``source``, ``replan``...), as written; read-only.
    cut_min
        For a re-planned folder: the cut, minutes after the start of
        ``night_window`` (which stays tonight's original window); its loops
        run from the cut to the window end (:meth:`run_window`). None for a plan.
    schema_version
        :data:`SCHEMA_VERSION` for files this code writes.
    path
        The file read (None for a plan file built in memory).
    """

    scenario: str
    night: date
    night_window: NightWindow
    timezone: str
    seed: int
    routes: tuple[PlanRoute, ...]
    figures: Mapping[str, Any] = field(default_factory=dict)
    cut_min: float | None = None
    schema_version: int = SCHEMA_VERSION
    path: Path | None = field(default=None, compare=False)

    # -- reading
    @classmethod
    def read(cls, path: str | Path, *, error: Any = CoverageError) -> PlanFile:
        """Read and check ``plan.json``.

        Parameters
        ----------
        path
            The file.
        error
            The located error class raised (default
            :class:`~borderwatch.errors.CoverageError`; the briefing passes its own).

        Raises
        ------
        CoverageError
            (or ``error``) naming the file, the field and the value: not JSON,
            an older file without ``schema_version``, a missing or mistyped field.
        """
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise error("plan file not found", file=path) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise error(f"cannot read the plan file: {exc}", file=path) from None
        except json.JSONDecodeError as exc:
            raise error(f"not valid JSON (line {exc.lineno}): {exc.msg}", file=path) from None
        return dataclasses.replace(cls.from_dict(data, file=path, error=error), path=path)

    @classmethod
    def from_dict(
        cls, data: Any, *, file: str | Path | None = None, error: Any = CoverageError
    ) -> PlanFile:
        """Check a parsed ``plan.json`` document (see :meth:`read`)."""
        r = _Reader(file, error)
        if not isinstance(data, Mapping):
            raise r.fail("must be a JSON object", "plan", type(data).__name__)
        version = data.get("schema_version")
        if version is None:
            raise r.fail(
                "a plan file of an older borderwatch (no schema_version): plan the night "
                "again with `borderwatch plan` to get duty times for every route variant",
                "schema_version",
                None,
            )
        if version != SCHEMA_VERSION:
            raise r.fail(f"schema version {SCHEMA_VERSION} expected", "schema_version", version)
        window = r.items(data, "night_window")
        try:
            night_window = NightWindow.of(window, field="night_window")
        except ConfigError as exc:  # names the part: night_window[0] and its value
            part = exc.field if exc.field and exc.field != "night_window" else None
            raise r.fail(
                exc.message, part or "night_window", exc.value if part else window
            ) from None
        night_text = r.text(data, "night")
        try:
            night = date.fromisoformat(night_text)
        except ValueError:
            raise r.fail("must be a date YYYY-MM-DD", "night", night_text) from None
        seed = r.get(data, "seed", "")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise r.fail("must be a whole number", "seed", seed)
        cut = r.get(data, "cut_min", "")
        if cut is not None:
            cut = r.number(data, "cut_min")
            if not 0 < cut < night_window.minutes():
                raise r.fail(f"must lie inside the night window {night_window}", "cut_min", cut)
        return cls(
            scenario=r.text(data, "scenario"),
            night=night,
            night_window=night_window,
            timezone=r.text(data, "timezone"),
            seed=seed,
            routes=tuple(
                PlanRoute.from_dict(x, r, f"routes[{i}].")
                for i, x in enumerate(r.items(data, "routes"))
            ),
            figures={k: v for k, v in data.items() if k not in TYPED_FIELDS},
            cut_min=cut,
            schema_version=int(version),
        )

    # -- writing
    def to_dict(self) -> dict[str, Any]:
        """The JSON document (figures first, the typed fields over them)."""
        return {
            **dict(self.figures),
            "schema_version": self.schema_version,
            "scenario": self.scenario,
            "night": self.night.isoformat(),
            "night_window": list(self.night_window.pair),
            "timezone": self.timezone,
            "seed": self.seed,
            "cut_min": self.cut_min,
            "routes": [r.to_dict() for r in self.routes],
        }

    def dumps(self) -> str:
        """The file's text (sorted keys, one space indent, UTF-8 text kept)."""
        return (
            json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=True, default=_json)
            + "\n"
        )

    def write(self, path: str | Path) -> Path:
        """Write the file atomically; return its path."""
        path = Path(path)
        write_text(path, self.dumps())
        return path

    # -- queries
    def route(self, team: str) -> PlanRoute | None:
        """The route of ``team``, or None."""
        return next((r for r in self.routes if r.team == team), None)

    @property
    def teams(self) -> tuple[str, ...]:
        """Team ids in plan order."""
        return tuple(r.team for r in self.routes)

    def window_start(self) -> datetime:
        """The start of the window the loops run in (:meth:`run_window`; aware, in :attr:`timezone`)."""
        window, night = self.run_window()
        return window.start_at(night, self.timezone)

    def window_end(self) -> datetime:
        """The end of the plan's night (aware, in :attr:`timezone`)."""
        return self.night_window.end_at(self.night, self.timezone)

    def run_window(self) -> tuple[NightWindow, date]:
        """The window this plan's loops run in and the date it starts on.

        The night window and night of a plan; for a re-plan the rest of the
        night: from the cut (its wall clock, DST-correct) to the window end, on
        the date of the cut.
        """
        if self.cut_min is None:
            return self.night_window, self.night
        at = self.night_window.at(self.cut_min, self.night, self.timezone)
        return NightWindow(at.strftime("%H:%M"), self.night_window.end), at.date()

    def lead_min(self, v: PlanVariant) -> float:
        """Minutes from leaving the base to the window start (the duty before the window)."""
        return (self.window_start() - v.leave_base).total_seconds() / 60.0

    def tail_min(self, v: PlanVariant) -> float:
        """Minutes from the window end to being back at the base."""
        return (v.back_base - self.window_end()).total_seconds() / 60.0

    def duty_margins(self) -> tuple[float, float]:
        """The longest duty before the night's start and after its end over every variant, minutes.

        The drives out and home that a whole-night GPX track holds
        (:func:`~borderwatch.coverage.gpx.timeline_from_gpx` ``lead_min``/``tail_min``);
        measured from the night window's start (for a re-plan too, not its cut).
        """
        start = self.night_window.start_at(self.night, self.timezone)
        duties = [v for r in self.routes for v in r.variants]
        return (
            max([0.0, *((start - v.leave_base).total_seconds() / 60.0 for v in duties)]),
            max([0.0, *(self.tail_min(v) for v in duties)]),
        )

    def variants_by_team(self) -> dict[str, tuple[PlanVariant, ...]]:
        """Team id -> its variants (empty for a team on standby)."""
        return {r.team: r.variants for r in self.routes}

    @property
    def is_replan(self) -> bool:
        """Whether this is a re-planned folder's plan file (:func:`is_replan`)."""
        return is_replan(self)

    @property
    def replan(self) -> Mapping[str, Any] | None:
        """The ``replan`` section of a re-planned folder (cut, dropped teams, hot stretches), else None."""
        section = self.figures.get("replan")
        return section if isinstance(section, Mapping) else None

    @property
    def border_km(self) -> float | None:
        """The modelled border length the plan was made on (km), None if not recorded."""
        value = self.figures.get("border_km")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)

    def figure(self, key: str) -> Any:
        """A top-level figure as written (``worst_revisit_min``, ``replan``, ...); KeyError if absent."""
        return self.figures[key]


def is_replan(plan: PlanFile | Mapping[str, Any]) -> bool:
    """Whether a plan file is a re-plan's: the one test of a re-plan folder.

    A re-plan's loops run from its cut to the window end: its ``plan.json``
    records the cut (``cut_min``, :attr:`PlanFile.cut_min`); a plan's has none.
    Its crews' variants, roster times and tracks are the plan's it cuts, not its own.

    Parameters
    ----------
    plan
        The typed plan file, or ``plan.json`` as :meth:`PlanFile.to_dict` gives it.

    Returns
    -------
    bool
        True for a re-plan folder's plan file.
    """
    cut = plan.cut_min if isinstance(plan, PlanFile) else plan.get("cut_min")
    return cut is not None


def _json(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
