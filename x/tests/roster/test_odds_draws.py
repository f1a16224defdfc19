"""The roster draws each night's variant with the plan's odds (issue #25): a χ² test over 8 weeks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare

from borderwatch.errors import ScenarioError
from borderwatch.roster.build import plan_variants
from borderwatch.roster.rotation import rotate_variants

WEEKS = [f"2026-W{w:02d}" for w in range(1, 9)]


def _variants(n_teams: int = 17) -> dict[str, list[dict[str, object]]]:
    """Teams with six variants each and uneven odds (as an LP gives: some zero)."""
    rng = np.random.default_rng(7)
    out = {}
    for k in range(n_teams):
        odds = rng.dirichlet(np.ones(6))
        odds[rng.integers(6)] = 0.0
        odds = np.round(odds / odds.sum(), 6)
        out[f"T{k:02d}"] = [
            {"variant": f"T{k:02d}-{d}{j}", "reverse": d == "r", "phase_min": 10.0 * j, "odds": p}
            for (d, j), p in zip(
                [(d, j) for d in "fr" for j in range(3)], odds.tolist(), strict=True
            )
        ]
    return out


def _chi2(variants: dict[str, list[dict[str, object]]], draws: dict[str, list[str]]) -> float:
    """p-value of the draws against the odds, pooled over teams (bins merged to expected >= 5)."""
    f_obs: list[float] = []
    f_exp: list[float] = []
    for team, vs in variants.items():
        n = len(draws[team])
        obs = {str(v["variant"]): 0 for v in vs}
        for name in draws[team]:
            obs[name] += 1
        exp = {str(v["variant"]): n * float(v["odds"]) for v in vs}  # type: ignore[arg-type]
        if any(obs[k] and exp[k] == 0 for k in obs):  # drawn with odds 0: impossible
            return 0.0
        bin_o = bin_e = 0.0
        for k in sorted(exp, key=lambda k: exp[k]):
            if exp[k] == 0:
                continue
            bin_o, bin_e = bin_o + obs[k], bin_e + exp[k]
            if bin_e >= 5:
                f_obs.append(bin_o)
                f_exp.append(bin_e)
                bin_o = bin_e = 0.0
        if bin_e:
            f_obs[-1] += bin_o
            f_exp[-1] += bin_e
    # each team's counts sum to its nights: one degree of freedom fewer per team after the first
    return float(chisquare(f_obs, f_exp, ddof=len(variants) - 1).pvalue)


def _eight_weeks(variants, *, salt: str = "s") -> dict[str, list[str]]:
    draws: dict[str, list[str]] = {t: [] for t in variants}
    for week in WEEKS:
        for team, picks in rotate_variants(variants, week, salt=salt).items():
            draws[team] += [str(p["variant"]) for p in picks]
    return draws


def test_eight_weeks_of_draws_follow_the_odds() -> None:
    variants = _variants()
    draws = _eight_weeks(variants)
    assert all(len(d) == 56 for d in draws.values())
    assert _chi2(variants, draws) > 0.01
    # reproducible from the salt, different without it
    assert _eight_weeks(variants) == draws
    assert _eight_weeks(variants, salt="other") != draws


def test_the_chi2_test_rejects_uniform_draws() -> None:
    """The check can fail: draws that ignore the odds (uniform, the old rotation) are rejected."""
    variants = _variants()
    plain = {
        t: [{k: v for k, v in x.items() if k != "odds"} for x in vs] for t, vs in variants.items()
    }
    assert _chi2(variants, _eight_weeks(plain)) < 0.01


def test_plan_variants_reads_the_odds() -> None:
    plan = {
        "routes": [
            {
                "team": "T1",
                "loop_min": 60.0,
                "variants": [
                    {"variant": "T1-f0", "reverse": False, "phase_min": 0.0},
                    {"variant": "T1-r0", "reverse": True, "phase_min": 0.0},
                ],
            }
        ],
        "detection": {"odds": {"T1-f0": 0.25, "T1-r0": 0.75}},
    }
    got = plan_variants(plan, file="plan.json")
    assert [v["odds"] for v in got["T1"]] == [0.25, 0.75]
    bad = {**plan, "detection": {"odds": {"T1-f0": 0.25, "T1-r0": 0.5}}}
    with pytest.raises(ScenarioError, match=r"sum to 0\.75") as err:
        plan_variants(bad, file="plan.json")
    assert err.value.field == "detection.odds"
    worse = {**plan, "detection": {"odds": {"T1-f0": 0.25, "T1-r0": "x"}}}
    with pytest.raises(ScenarioError, match="probability") as err:
        plan_variants(worse, file="plan.json")
    assert err.value.field == "detection.odds.T1-r0"
