"""Who may drive where: OSM access tags, barriers and fords, read once per way and node.

The OSM reader (:mod:`borderwatch.data.roads`) turns the raw tags of every
highway way and node into a few plain attributes, so that simplification never
merges ways a vehicle treats differently and the network's edge table can say,
per road, why a profile may not use it:

``access_car`` / ``access_motorcycle``
    The access value that binds a car (pickup, SUV) or a motorcycle on the
    way, taken from the most specific tag present (``motorcar`` or
    ``motorcycle``, then ``motor_vehicle``, ``vehicle``, ``access``), kept only
    when it closes the way (``no``, ``private``, ``agricultural``,
    ``forestry``, ``military``, ...); empty when the way is open
    (``yes``, ``permissive``, ``designated``, ``destination``, ...).
``barrier``
    On a node: the kind of barrier (``gate``, ``lift_gate``, ``bollard``,
    ``block``, ...) that stops motor vehicles there, unless the node is tagged
    open (``access=yes``, ``motor_vehicle=yes``, ``locked=no``, ...).
``ford``
    ``yes`` on a way or node that crosses water without a bridge.

Whether a closed way, a barrier or a ford stops a given vehicle is decided in
:func:`closed_reason`, with the scenario's ``[defaults.access]`` options
(:class:`AccessRules`): access values the patrol may use
(``allow = ["private", "military"]``), keys to gates (``gate_keys = true``) and
the profiles that may ford (``fords``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from borderwatch.errors import ConfigError

__all__ = [
    "ACCESS_COLUMNS",
    "CLOSING_BARRIERS",
    "KEYED_BARRIERS",
    "OPEN_ACCESS",
    "WAY_ACCESS_TAGS",
    "AccessRules",
    "access_from_mapping",
    "closed_reason",
    "closing_access",
    "motor_access",
    "node_attributes",
    "way_attributes",
]

#: Access values that let a vehicle use a way (anything else closes it).
OPEN_ACCESS = frozenset(
    {
        "",
        "yes",
        "permissive",
        "designated",
        "destination",
        "discouraged",
        "customers",
        "delivery",
        "unknown",
        "public",
        "official",
    }
)
#: Barrier kinds that stop motor vehicles unless the node is tagged open.
CLOSING_BARRIERS = frozenset(
    {
        "gate",
        "lift_gate",
        "swing_gate",
        "sliding_gate",
        "hampshire_gate",
        "wicket_gate",
        "chain",
        "bar",
        "rope",
        "bollard",
        "block",
        "jersey_barrier",
        "log",
        "kissing_gate",
        "stile",
        "turnstile",
        "full-height_turnstile",
        "cycle_barrier",
        "motorcycle_barrier",
        "barrier_board",
        "spikes",
        "debris",
        "fence",
        "wall",
        "hedge",
        "planter",
        "bus_trap",
        "sump_buster",
        "yes",
    }
)
#: Closing barriers that a team holding the keys opens (``[defaults.access] gate_keys``).
KEYED_BARRIERS = frozenset(
    {"gate", "lift_gate", "swing_gate", "sliding_gate", "hampshire_gate", "chain", "bar", "rope"}
)
#: Raw way tags the reader keeps to derive the access attributes.
WAY_ACCESS_TAGS = (
    "access", "vehicle", "motor_vehicle", "motorcar", "motorcycle", "ford", "oneway"
)  # fmt: skip
#: Raw node tags the reader keeps to derive the barrier and ford attributes.
NODE_ACCESS_TAGS = (
    "barrier", "access", "vehicle", "motor_vehicle", "motorcar", "motorcycle", "locked", "ford"
)  # fmt: skip
#: The derived attributes, as graph attributes and edge-table columns.
ACCESS_COLUMNS = ("access_car", "access_motorcycle", "barrier", "ford")

_CAR_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
_MOTORCYCLE_KEYS = ("motorcycle", "motor_vehicle", "vehicle", "access")


def motor_access(tags: Mapping[str, str], *, motorcycle: bool = False) -> str:
    """The access value that binds a car (or a motorcycle): the most specific tag present.

    Examples
    --------
    >>> motor_access({"access": "no", "motor_vehicle": "yes"})
    'yes'
    >>> motor_access({"access": "private"}, motorcycle=True)
    'private'
    """
    for key in _MOTORCYCLE_KEYS if motorcycle else _CAR_KEYS:
        value = tags.get(key)
        if value is not None:
            return value.strip().lower()
    return ""


def closing_access(value: str) -> str:
    """``value`` when it closes a way to the vehicle, else ``""``.

    A list (``"agricultural;forestry"``) closes the way only when every part does.

    Examples
    --------
    >>> closing_access("private"), closing_access("yes"), closing_access("no;destination")
    ('private', '', '')
    """
    parts = [p.strip() for p in value.split(";")]
    return "" if any(p in OPEN_ACCESS for p in parts) else value


def _yes(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in ("", "no", "false", "0")


def way_attributes(tags: Mapping[str, str]) -> dict[str, str]:
    """The derived access attributes of a way (only those that are set)."""
    out: dict[str, str] = {}
    car = closing_access(motor_access(tags))
    moto = closing_access(motor_access(tags, motorcycle=True))
    if car:
        out["access_car"] = car
    if moto:
        out["access_motorcycle"] = moto
    if _yes(tags.get("ford")):
        out["ford"] = "yes"
    return out


def node_attributes(tags: Mapping[str, str]) -> dict[str, str]:
    """The derived barrier and ford attributes of a node (only those that are set).

    A barrier of a closing kind is kept unless the node says motor vehicles
    may pass (``access``/``vehicle``/``motor_vehicle``/``motorcar`` open, or
    ``locked=no`` on a gate).

    Examples
    --------
    >>> node_attributes({"barrier": "gate"}), node_attributes({"barrier": "gate", "access": "yes"})
    ({'barrier': 'gate'}, {})
    """
    out: dict[str, str] = {}
    kind = tags.get("barrier", "").strip().lower()
    if kind in CLOSING_BARRIERS:
        said = motor_access(tags)
        opened = (said != "" and closing_access(said) == "") or (
            tags.get("locked", "").strip().lower() == "no" and kind in KEYED_BARRIERS
        )
        if not opened:
            out["barrier"] = kind
    if _yes(tags.get("ford")):
        out["ford"] = "yes"
    return out


def closed_reason(
    *,
    profile: str,
    access_car: str,
    access_motorcycle: str,
    barrier: str,
    ford: bool,
    allow: frozenset[str],
    gate_keys: bool,
    fords: frozenset[str],
) -> str:
    """Why ``profile`` may not use a road with these attributes, or ``""`` when it may.

    The ``foot`` profile (checkpoint crews walking) ignores access tags and
    barriers; every other profile is a motor vehicle.

    Examples
    --------
    >>> kw = dict(access_car="", access_motorcycle="", ford=False, allow=frozenset(),
    ...           fords=frozenset({"suv"}))
    >>> closed_reason(profile="pickup", barrier="gate", gate_keys=False, **kw)
    'barrier=gate'
    >>> closed_reason(profile="pickup", barrier="gate", gate_keys=True, **kw)
    ''
    """
    if ford and profile not in fords:
        return "ford"
    if profile == "foot":
        return ""
    value = access_motorcycle if profile == "motorcycle" else access_car
    if value and not any(p.strip() in allow for p in value.split(";")):
        return f"access={value}"
    if barrier and not (gate_keys and barrier in KEYED_BARRIERS):
        return f"barrier={barrier}"
    return ""


#: Profiles that may cross a ford unless ``[defaults.access] fords`` says otherwise.
DEFAULT_FORDS = ("foot", "motorcycle", "suv")


@dataclass(frozen=True)
class AccessRules:
    """What the patrol may do beyond what OSM access tags allow the public (``[defaults.access]``).

    Parameters
    ----------
    allow
        Access values (``private``, ``military``, ``agricultural``, ...) of roads
        the patrol's motor vehicles may use although the public may not.
    gate_keys
        The teams hold the keys of gates, lift gates and chains
        (:data:`KEYED_BARRIERS`); bollards, blocks and stiles still stop them.
    fords
        Vehicle profiles that may cross fords.
    """

    allow: frozenset[str] = frozenset()
    gate_keys: bool = False
    fords: frozenset[str] = frozenset(DEFAULT_FORDS)

    def reason(
        self, profile: str, access_car: str, access_motorcycle: str, barrier: str, ford: bool
    ) -> str:
        """Why ``profile`` may not use a road with these attributes (``""``: it may)."""
        return closed_reason(
            profile=profile,
            access_car=access_car,
            access_motorcycle=access_motorcycle,
            barrier=barrier,
            ford=ford,
            allow=self.allow,
            gate_keys=self.gate_keys,
            fords=self.fords,
        )


_ACCESS_KEYS = ("allow", "gate_keys", "fords")


def _names(value: Any, key: str) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, list | tuple | frozenset | set):
        raise ConfigError(
            f'{key} must be a list of names, e.g. ["private", "military"]',
            field=f"access.{key}",
            value=value,
        )
    if not all(isinstance(x, str) and x.strip() for x in value):
        raise ConfigError(f"{key} must hold non-empty names", field=f"access.{key}", value=value)
    return frozenset(x.strip().lower() for x in value)


def access_from_mapping(value: Any, *, base: AccessRules | None = None) -> AccessRules:
    """Build :class:`AccessRules` from a ``[defaults.access]`` table, over ``base``.

    Raises
    ------
    ConfigError
        For an unknown key (naming the nearest) or a bad value, as ``access.KEY``.
    """
    base = base or AccessRules()
    if isinstance(value, AccessRules):
        return value
    if not isinstance(value, Mapping):
        raise ConfigError(
            "[defaults.access] must be a table of allow, gate_keys, fords",
            field="access",
            value=value,
        )
    allow, keys, fords = base.allow, base.gate_keys, base.fords
    for key, val in value.items():
        if key == "allow":
            allow = _names(val, key)
        elif key == "fords":
            fords = _names(val, key)
        elif key == "gate_keys":
            if not isinstance(val, bool):
                raise ConfigError(
                    "gate_keys must be true or false", field="access.gate_keys", value=val
                )
            keys = val
        else:
            from borderwatch.errors import unknown_key

            raise unknown_key(key, val, _ACCESS_KEYS, where=f"access.{key}")
    return AccessRules(allow=allow, gate_keys=keys, fords=fords)
