"""A toy scenario with hostile names (script tags in ids) and forced gaps, for the map tests."""

from __future__ import annotations

from pathlib import Path

XSS_CP = "<img src=x onerror=alert(1)>"


XSS_TEAM = "</script><script>alert(2)</script>"


FORCED_GAPS = [(4, 7), (30, 33)]


def write_hostile_toy(folder: Path) -> Path:
    """The toy scenario with hostile checkpoint and team names."""
    from tests.helpers import write_toy_scenario

    write_toy_scenario(folder)
    cps = (folder / "checkpoints.csv").read_text(encoding="utf-8")
    (folder / "checkpoints.csv").write_text(cps.replace("West post", XSS_CP), encoding="utf-8")
    teams = (folder / "teams.csv").read_text(encoding="utf-8")
    (folder / "teams.csv").write_text(teams.replace("Team one", f'"{XSS_TEAM}"'), encoding="utf-8")
    return folder
