"""Plain-data summaries of scenarios and networks (for the CLI and reports)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from borderwatch.data.network import HIGHWAY_RANK

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["scenario_summary"]


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
        "night_window": f"{scn.night_window[0]}–{scn.night_window[1]}",
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
