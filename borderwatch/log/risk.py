"""Risk weights for the next night from the duty log: recorded incidents and missed stretches.

Incidents (a decayed Gamma-Poisson estimate)
    Each recorded incident is placed at its border unit's chainage and spread
    along the border with the Gaussian kernel of
    :func:`borderwatch.coverage.risk.risk_weights` (bandwidth 2 km). An incident
    ``a`` days before the night to plan counts ``2^(-a / half_life)`` (half-life
    30 days), and so does each recorded night as exposure. Per unit, the nightly
    incident rate ``λ`` has the conjugate prior Gamma(α₀ = 0.5, β₀ = 7 nights);
    with decayed count ``c`` over decayed exposure ``n`` the posterior is
    Gamma(α₀ + c, β₀ + n): mean ``(α₀ + c) / (β₀ + n)``, and the 5 % and 95 %
    quantiles are its uncertainty. A unit's incident weight is that mean over the
    prior mean ``α₀ / β₀`` (about 1 with no incident, growing with recent ones).

Repeatedly missed stretches
    The decayed share of recorded nights on which the plan watched a unit and
    the driven night did not; it adds ``missed_gain`` x that share.

The weight of a unit is ``1 + incident weight + missed_gain x missed share``,
at least 1 like the scenario's own risk weights; ``plan --risk-from-log`` passes
them to the night objective in place of the scenario's incident weights.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from borderwatch.log import schema as S

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from borderwatch.data.network import PatrolNetwork

__all__ = ["LogRisk", "risk_from_log"]

logger = logging.getLogger(__name__)

ALPHA0 = 0.5
BETA0_NIGHTS = 7.0
HALF_LIFE_DAYS = 30.0
BANDWIDTH_M = 2000.0


@dataclass
class LogRisk:
    """Risk per unit from the log: ``weights`` (for the plan) and the estimate behind them."""

    weights: np.ndarray
    rate: pd.DataFrame
    """Per unit: ``count`` (decayed, kernel-spread incidents), ``mean``, ``q05``, ``q95``
    (nightly rate), ``missed_share``."""
    nights: int
    incidents: int
    first_night: date | None = None
    """The earliest night counted (None without nights)."""
    last_night: date | None = None
    """The latest night counted (None without nights)."""

    def record(self, log: str) -> dict[str, Any]:
        """What ``plan --risk-from-log`` took from the log, as ``plan.json`` keeps it.

        Parameters
        ----------
        log
            The log's address as shown to users (a URL without its password).

        Returns
        -------
        dict
            ``log``, ``nights``, ``first_night``, ``last_night`` (ISO dates or None),
            ``incidents`` and ``weights`` (the least and the largest, 2 decimals).
        """
        return {
            "log": log,
            "nights": self.nights,
            "first_night": self.first_night.isoformat() if self.first_night else None,
            "last_night": self.last_night.isoformat() if self.last_night else None,
            "incidents": self.incidents,
            "weights": [round(float(self.weights.min()), 2), round(float(self.weights.max()), 2)],
        }


def _kernel_counts(
    network: PatrolNetwork, unit: np.ndarray, along_m: np.ndarray, w: np.ndarray
) -> np.ndarray:
    units = network.units
    part = units["part"].to_numpy()
    mid = (units["start_m"].to_numpy() + units["end_m"].to_numpy()) / 2
    out = np.zeros(len(units))
    for u, c, wi in zip(unit, along_m, w, strict=True):
        on = part == part[u]
        out[on] += wi * np.exp(-0.5 * ((mid[on] - c) / BANDWIDTH_M) ** 2)
    return out


def _same_scenario(stored: str, network: PatrolNetwork) -> bool:
    """Whether a night's scenario (as the log keeps it: a name or a folder) is ``network``'s."""
    from borderwatch.data.load import resolve_scenario_path
    from borderwatch.errors import BorderwatchError

    source = network.scenario.source
    if source is None:
        return stored == network.scenario.name
    try:
        return resolve_scenario_path(stored).resolve() == Path(source).resolve()
    except BorderwatchError:  # a folder gone or moved since
        return False


def risk_from_log(
    engine: Engine,
    network: PatrolNetwork,
    night: date,
    *,
    half_life_days: float = HALF_LIFE_DAYS,
    missed_gain: float = 1.0,
) -> LogRisk:
    """Risk weights of ``network``'s units for ``night`` from the nights recorded before it.

    Parameters
    ----------
    engine
        The open duty log.
    network
        The network to plan (its units must be the log's: the same scenario).
    night
        The night to plan; only nights before it count.
    half_life_days
        Age at which an incident or a night counts half.
    missed_gain
        Weight added for a unit missed on every recorded night.

    Returns
    -------
    LogRisk
    """
    from scipy.stats import gamma

    n_units = len(network.units)
    with engine.connect() as conn:
        nights = [
            (nid, d)
            for nid, d, scenario in conn.execute(
                sa.select(S.nights.c.id, S.nights.c.night, S.nights.c.scenario)
                .where(S.nights.c.night < night)
                .order_by(S.nights.c.night)
            ).all()
            if _same_scenario(scenario, network)
        ]
        inc = conn.execute(
            sa.select(S.incidents.c.night_id, S.incidents.c.unit, S.incidents.c.km)
            .join(S.nights, S.nights.c.id == S.incidents.c.night_id)
            .where(S.nights.c.night < night)
            .order_by(S.incidents.c.night_id, S.incidents.c.seq)
        ).all()
        miss = conn.execute(
            sa.select(
                S.unit_figures.c.night_id,
                S.unit_figures.c.unit,
                S.unit_figures.c.planned_worst_revisit_min,
                S.unit_figures.c.watched,
            )
            .join(S.nights, S.nights.c.id == S.unit_figures.c.night_id)
            .where(S.nights.c.night < night)
        ).all()
    # only this scenario's nights: another border's unit numbers are not these units
    ids = {nid for nid, _d in nights}
    inc = [r for r in inc if r.night_id in ids]
    miss = [r for r in miss if r.night_id in ids]
    lam = math.log(2.0) / half_life_days
    decay = {nid: math.exp(-lam * (night - d).days) for nid, d in nights}
    exposure = float(sum(decay.values()))
    units = network.units
    if inc:
        iu = np.array([r.unit for r in inc if r.unit is not None and r.unit < n_units], dtype=int)
        iw = np.array([decay[r.night_id] for r in inc if r.unit is not None and r.unit < n_units])
        ia = np.array([r.km * 1000.0 for r in inc if r.unit is not None and r.unit < n_units])
        count = _kernel_counts(network, iu, ia, iw)
    else:
        count = np.zeros(n_units)
    a = ALPHA0 + count
    b = BETA0_NIGHTS + exposure
    mean = a / b
    prior = ALPHA0 / BETA0_NIGHTS
    missed = np.zeros(n_units)
    target = float(network.config.targets.max_revisit_min)
    for r in miss:
        if r.unit >= n_units:
            continue
        planned_ok = (
            r.planned_worst_revisit_min is not None and r.planned_worst_revisit_min <= target
        )
        if planned_ok and not r.watched:
            missed[r.unit] += decay[r.night_id]
    share = missed / exposure if exposure > 0 else missed
    weights = 1.0 + mean / prior + missed_gain * share
    rate = pd.DataFrame(
        {
            "unit": np.arange(n_units),
            "start_km": units["start_m"].to_numpy() / 1000.0,
            "count": count,
            "mean": mean,
            "q05": gamma.ppf(0.05, a, scale=1.0 / b),
            "q95": gamma.ppf(0.95, a, scale=1.0 / b),
            "missed_share": share,
        }
    )
    logger.info(
        "risk from the log: %d nights, %d incidents; weights %.2f..%.2f",
        len(nights),
        len(inc),
        float(weights.min()),
        float(weights.max()),
    )
    span = (nights[0][1], nights[-1][1]) if nights else (None, None)
    return LogRisk(weights, rate, len(nights), len(inc), *span)
