"""Write a :class:`~borderwatch.data.network.PatrolNetwork` to files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from borderwatch.errors import BorderwatchError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["atomic_path", "write_network_gpkg"]


def atomic_path(path: Path) -> Path:
    """Return a temporary sibling of ``path`` to write to before renaming into place."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")


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
    tmp = atomic_path(path)
    try:
        layers = {
            "nodes": network.nodes,
            "edges": network.edges,
            "units": network.units,
            "checkpoints": network.checkpoints.reset_index(),
            "teams": network.teams.reset_index(),
        }
        for name, frame in layers.items():
            frame.to_file(tmp, layer=name, driver="GPKG", index=name in ("nodes", "edges", "units"))
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
