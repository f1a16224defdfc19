"""Shared helpers of these tests (no test module imports another)."""

from __future__ import annotations

import numpy as np

from borderwatch.routing.instance import ArcInstance


def grid(
    rows: int = 4,
    cols: int = 4,
    *,
    seed: int = 0,
    depots: tuple[int, ...] = (0, 0),
    profiles: int = 1,
    required_share: float = 1.0,
) -> ArcInstance:
    """A small grid with random integer costs; profile 1 may not use some edges."""
    rng = np.random.default_rng(seed)
    u, v = [], []
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols:
                u.append(i)
                v.append(i + 1)
            if r + 1 < rows:
                u.append(i)
                v.append(i + cols)
    cost = rng.integers(1, 10, size=len(u)).astype(float)
    costs = [cost]
    if profiles > 1:
        slow = cost * 2
        # the second profile (a pickup, say) may not drive the interior verticals
        for e, (a, b) in enumerate(zip(u, v, strict=True)):
            if b - a == cols and 0 < a % cols < cols - 1:
                slow[e] = np.inf
        costs.append(slow)
    required = rng.random(len(u)) < required_share
    return ArcInstance(
        n_nodes=rows * cols,
        u=u,
        v=v,
        cost=np.array(costs),
        required=required,
        depots=list(depots),
        team_profile=[t % profiles for t in range(len(depots))],
        name=f"grid{rows}x{cols}",
    )
