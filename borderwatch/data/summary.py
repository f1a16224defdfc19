"""Plain-data summaries of scenarios and networks (for the CLI and reports)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from borderwatch.data.network import HIGHWAY_RANK

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["border_lengths", "border_lengths_text", "scenario_summary"]

#: Below this share of the official length the modelled line is called generalised.
GENERALISED_SHARE = 0.9


def scenario_summary(network: PatrolNetwork) -> dict[str, Any]:
    """Return the figures ``borderwatch scenario info`` prints, as JSON-ready values."""
    scn = network.scenario
    by_class = network.edges.groupby("highway")["length"].sum() / 1000.0
    order = sorted(by_class.index, key=lambda h: (HIGHWAY_RANK.get(h, len(HIGHWAY_RANK)), h))
    vehicles = network.teams["vehicle"].value_counts()
    return {
        "name": scn.name,
        "title": scn.title or scn.name,
        "crs": network.crs,
        "timezone": scn.timezone,
        "night_window": f"{scn.night_window.start}–{scn.night_window.end}",
        "border_km_modelled": round(network.border_m / 1000.0, 3),
        "border_km_official": scn.official_border_km,
        "unit_length_m": network.config.unit_length_m,
        "units": len(network.units),
        "nodes": len(network.nodes),
        "edges": len(network.edges),
        "components": int(network.nodes["component"].max()) + 1,
        "roads_km": round(float(network.edges["length"].sum()) / 1000.0, 3),
        "roads_km_by_class": {h: round(float(by_class[h]), 3) for h in order},
        "checkpoints": len(network.checkpoints),
        "teams": len(network.teams),
        "teams_by_vehicle": {str(k): int(vehicles[k]) for k in sorted(vehicles.index)},
        "border_townships": scn.townships,
        "grids": {level: len(frame) for level, frame in scn.grids.items()},
        "incidents": 0 if scn.incidents is None else len(scn.incidents),
        "provenance": dict(scn.provenance),
    }


def border_lengths(network: PatrolNetwork) -> dict[str, Any]:
    """The modelled and the official border length side by side, and why they differ.

    Returns
    -------
    dict
        ``modelled_km`` (the line every km, gap and percentage is computed on),
        ``official_km`` (``official_border_km`` of scenario.toml, or None),
        ``generalised`` (the modelled line is under 90 % of the official length:
        drawn with less detail than the official survey) and ``source`` (the
        scenario's provenance of its border line, English, or ``""``).
    """
    scn = network.scenario
    modelled = round(network.border_m / 1000.0, 3)
    official = scn.official_border_km
    return {
        "modelled_km": modelled,
        "official_km": None if official is None else float(official),
        "generalised": official is not None and modelled < GENERALISED_SHARE * float(official),
        "source": str(scn.provenance.get("border", "")),
    }


def border_lengths_text(lengths: dict[str, Any], *, lang: str = "en") -> str:
    """One line for the reports: ``"modelled 103.8 km of the official 212 km: ..."``.

    Empty when the scenario gives no official length. ``lang`` (``"zh"`` or
    ``"en"``) picks the words (:data:`borderwatch.i18n.REPORT`); the Chinese
    line gives the reason in its own words, not the scenario's (English)
    provenance text.

    Examples
    --------
    >>> border_lengths_text({"modelled_km": 103.78, "official_km": 212.0, "generalised": True,
    ...                      "source": "derived from small-scale outlines, generalised"})
    'border length: modelled 103.8 km of the official 212 km: the border line is derived from small-scale outlines, generalised (coarser than the official survey, so shorter); every km, gap and percentage here is on the modelled line'
    """
    from borderwatch.i18n import report_labels

    L = report_labels(lang)
    official = lengths.get("official_km")
    if official is None:
        return ""
    head = L["border_head"].format(m=f"{lengths['modelled_km']:.1f}", o=f"{official:,.0f}")
    if not lengths.get("generalised"):
        return head
    source = str(lengths.get("source") or "").strip().rstrip(".")
    why = f"the border line is {source}" if source else "the border line is generalised"
    return head + L["border_why"].format(why=why)
