"""Static checkpoint watch: which checkpoints watch each border unit.

A checkpoint watches a unit when the unit's midpoint lies within the
checkpoint's radius (``radius_m``, default ``checkpoint_radius_m``). The
midpoint rule measures watched kilometres without bias: a straight border
through a checkpoint of radius ``r`` is watched for ``2 r`` (to within half a
unit at each end, exactly when ``r`` is a multiple of the unit length). The
candidates come from :attr:`WatchIndex.unit_checkpoint` (any part of the unit
within the radius), so the midpoint rule is a subset of that pattern.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from borderwatch.coverage.geometry import unit_midpoints
from borderwatch.errors import CoverageError

if TYPE_CHECKING:
    from borderwatch.data.network import PatrolNetwork

__all__ = ["checkpoint_watch"]


def checkpoint_watch(network: PatrolNetwork, *, rule: str = "midpoint") -> pd.DataFrame:
    """For every border unit, the checkpoints watching it and the nearest checkpoint.

    Parameters
    ----------
    network
        The patrol network.
    rule
        ``"midpoint"`` (default): the unit's midpoint within the radius;
        ``"any"``: any part of the unit within it (the watch index as built).

    Returns
    -------
    pandas.DataFrame
        Index ``unit``; columns ``n_checkpoints`` (int), ``checkpoints``
        (watching ids joined by ``;``), ``watched`` (bool),
        ``nearest_checkpoint`` (id, ``""`` if there is no checkpoint) and
        ``nearest_checkpoint_m`` (distance from the unit, inf if none).

    Examples
    --------
    >>> watch = checkpoint_watch(network)  # doctest: +SKIP
    >>> watch.loc[watch["watched"], "length_m"]  # doctest: +SKIP
    """
    if rule not in ("midpoint", "any"):
        raise CoverageError("rule must be 'midpoint' or 'any'", field="rule", value=rule)
    w = network.watch
    n_u = len(network.units)
    ids = network.checkpoints.index.astype(str).to_numpy()
    pat = w.unit_checkpoint.tocoo()
    rows, cols = np.asarray(pat.row, dtype=np.int64), np.asarray(pat.col, dtype=np.int64)
    if rule == "midpoint" and len(rows):
        mid = unit_midpoints(network)
        cg = network.checkpoints.geometry.to_numpy()
        radius = network.checkpoints["radius_m"].to_numpy(dtype=float)
        ok = shapely.distance(mid[rows], cg[cols]) <= radius[cols]
        rows, cols = rows[ok], cols[ok]
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    n = np.bincount(rows, minlength=n_u)
    names = (
        pd.Series(ids[cols]).groupby(rows).agg(";".join) if len(rows) else pd.Series(dtype=object)
    )
    nearest = np.where(
        w.nearest_checkpoint >= 0, ids[np.maximum(w.nearest_checkpoint, 0)] if len(ids) else "", ""
    )
    out = pd.DataFrame(
        {
            "n_checkpoints": n.astype(np.int64),
            "checkpoints": names.reindex(np.arange(n_u)).fillna("").to_numpy(dtype=object),
            "watched": n > 0,
            "nearest_checkpoint": nearest.astype(object),
            "nearest_checkpoint_m": np.asarray(w.nearest_checkpoint_m, dtype=float),
        },
        index=network.units.index,
    )
    out.index.name = "unit"
    return out
