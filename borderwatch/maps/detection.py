"""The detection layer of the plan map: the chance a crossing is seen, unit by unit (issue #25).

Each border unit is coloured by the informed intruder's probability (the one a
commander can count on: whoever knows the variants and odds cannot do
better), from red (0) to green (1); its tooltip gives the three
probabilities and the crossing time. The layer is off at first; the layer
control switches it on. The figures are those of ``units.gpkg``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import folium
import numpy as np
import pandas as pd

from borderwatch.maps.builder import esc, feature_collection, ramp

if TYPE_CHECKING:
    from borderwatch.maps.builder import MapBuilder

__all__ = ["DETECTION_COLOURS", "detection_layer"]

#: From "never seen" (red) to "always seen" (green).
DETECTION_COLOURS = ("#d73027", "#fc8d59", "#fee08b", "#a6d96a", "#1a9850")

_TEXT = {
    "en": {
        "layer": "Chance a {tau}-min crossing is seen",
        "informed": "knows the pattern",
        "uninformed": "random time",
        "watching": "watches a pass",
        "km": "km",
    },
    "zh": {
        "layer": "越境（{tau} 分钟）被发现概率",
        "informed": "知晓巡逻规律者",
        "uninformed": "随机时间",
        "watching": "盯梢巡逻后越境",
        "km": "公里",
    },
}

COLUMNS = ("p_informed", "p_uninformed", "p_watching", "crossing_min")


def detection_layer(b: MapBuilder, units_status: pd.DataFrame) -> folium.FeatureGroup | None:
    """Add the detection layer to ``b``'s map when ``units_status`` has the detection columns."""
    if not all(c in units_status.columns for c in COLUMNS):
        return None
    text = _TEXT.get(b.lang, _TEXT["en"])
    units = b.network.units
    p_inf = units_status["p_informed"].to_numpy(dtype=float)
    p_un = units_status["p_uninformed"].to_numpy(dtype=float)
    p_wa = units_status["p_watching"].to_numpy(dtype=float)
    tau = units_status["crossing_min"].to_numpy(dtype=float)
    colours = ramp(p_inf, 1.0, DETECTION_COLOURS)
    start = units["start_m"].to_numpy(float) / 1000
    end = units["end_m"].to_numpy(float) / 1000
    props = [
        {
            "c": colours[i],
            "km": f"{start[i]:.2f}–{end[i]:.2f} {text['km']}",
            "pi": f"{p_inf[i]:.2f}",
            "pu": f"{p_un[i]:.2f}",
            "pw": f"{p_wa[i]:.2f}",
        }
        for i in range(len(units))
    ]
    taus = np.unique(np.round(tau[np.isfinite(tau)], 1))
    tau_text = f"{taus[0]:g}" if len(taus) == 1 else f"{taus.min():g}–{taus.max():g}"
    name = text["layer"].format(tau=tau_text)
    fg = b.group(name, show=False)
    folium.GeoJson(
        feature_collection(b.units_geo, props),
        name=esc(name),
        style_function=lambda f: {
            "color": f["properties"]["c"],
            "weight": 7,
            "opacity": 0.95,
            "lineCap": "butt",
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["km", "pi", "pu", "pw"],
            aliases=[
                esc(text["km"]),
                esc(text["informed"]),
                esc(text["uninformed"]),
                esc(text["watching"]),
            ],
            localize=False,
            sticky=True,
        ),
        smooth_factor=0.5,
    ).add_to(fg)
    return fg
