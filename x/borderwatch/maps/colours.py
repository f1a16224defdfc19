"""Colours of the maps and the briefing: border status, revisit scale, teams.

Team colours never reuse a status colour: every team colour differs from every
status colour, and from every other team colour, by a colour difference (CIE76
ΔE in CIELAB) of at least :data:`MIN_DELTA_E` for normal vision and for the
simulated protanopia, deuteranopia and tritanopia (Machado, Oliveira and
Fernandes 2009, severity 1). Past seven teams the colours repeat with another
dash pattern (:func:`team_style`), so that no two of up to 21 teams look alike
even to a colour-blind reader; the maps and cards also label each route with
its team id.
"""

from __future__ import annotations

from typing import Final

import numpy as np

__all__ = [
    "CVD",
    "MIN_DELTA_E",
    "NO_DATA",
    "REVISIT_COLOURS",
    "STATUS_COLOURS",
    "TEAM_COLOURS",
    "TEAM_DASHES",
    "delta_e",
    "simulate",
    "team_style",
]

#: Border status colours (checkpoint watch, patrol only, gap).
STATUS_COLOURS: Final[dict[str, str]] = {
    "checkpoint": "#1a9850",
    "patrol": "#2c7fb8",
    "gap": "#d7191c",
}
#: Units nobody passes / no data.
NO_DATA: Final = "#9e9e9e"
#: The revisit ramp from 0 (good) to twice the target (bad); the target sits in the middle.
REVISIT_COLOURS: Final = ("#1a9850", "#a6d96a", "#fee08b", "#fc8d59", "#d73027")

#: Seven team colours from the Okabe–Ito and Paul Tol colour-blind-safe palettes, without
#: their greens, mid blues and reds (too near the status colours).
TEAM_COLOURS: Final = (
    "#E69F00",  # orange
    "#332288",  # indigo
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#882255",  # wine
    "#000000",  # black
    "#DDCC77",  # sand
)
#: Dash patterns (Leaflet ``dashArray``; matplotlib takes the same numbers): solid, dashed, dotted.
TEAM_DASHES: Final = ("", "10 6", "2 5")
#: The least ΔE between a team colour and a status colour, and between two team colours,
#: in every vision simulated (the palette's worst pair is 17.2).
MIN_DELTA_E: Final = 15.0


def team_style(i: int) -> tuple[str, str]:
    """``(colour, dash)`` of the ``i``-th team (0-based)."""
    n = len(TEAM_COLOURS)
    return TEAM_COLOURS[i % n], TEAM_DASHES[(i // n) % len(TEAM_DASHES)]


# --- colour-vision simulation ------------------------------------------------------------
# Written here rather than taken from a package: these are the published 3x3 matrices
# (Machado et al. 2009, severity 1.0, applied to linear RGB) and the textbook sRGB -> CIELAB
# formulas, a dozen lines; the one maintained package for this (colorspacious) would be a
# dependency for a test-time check.
CVD: Final[dict[str, np.ndarray]] = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}  # fmt: skip


def _linear(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    srgb = np.array([int(h[k : k + 2], 16) / 255.0 for k in (0, 2, 4)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    m = np.array(
        [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
    )  # fmt: skip
    xyz = m @ np.clip(linear_rgb, 0.0, 1.0) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def simulate(hex_colour: str, vision: str) -> np.ndarray:
    """CIELAB of ``hex_colour`` as seen with ``vision`` (a key of :data:`CVD`)."""
    return _lab(CVD[vision] @ _linear(hex_colour))


def delta_e(a: str, b: str, vision: str = "normal") -> float:
    """CIE76 colour difference of two ``#rrggbb`` colours under ``vision``."""
    return float(np.linalg.norm(simulate(a, vision) - simulate(b, vision)))
