"""Write a :class:`~borderwatch.data.network.PatrolNetwork` to files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from borderwatch.atomic import atomic_file
from borderwatch.data.gpkg import fixed_gpkg_time
from borderwatch.errors import BorderwatchError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["write_network_gpkg"]


def write_network_gpkg(network: PatrolNetwork, path: str | Path) -> Path:
    """Write ``nodes``, ``edges``, ``units``, ``checkpoints`` and ``teams`` layers.

    The file is written next to ``path`` under a temporary name and renamed
    into place, so a failed export leaves no half-written file.

    Parameters
    ----------
    network
        The network to export (projected CRS kept).
    path
        Target ``.gpkg`` file; replaced if it exists.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise BorderwatchError(f"{path.parent}: output folder does not exist")
    with atomic_file(path) as tmp, fixed_gpkg_time():
        layers = {
            "nodes": network.nodes,
            "edges": network.edges,
            "units": network.units,
            "checkpoints": network.checkpoints.reset_index(),
            "teams": network.teams.reset_index(),
        }
        for name, frame in layers.items():
            frame.to_file(tmp, layer=name, driver="GPKG", index=name in ("nodes", "edges", "units"))
    return path
