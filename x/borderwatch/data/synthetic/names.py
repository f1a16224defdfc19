"""Seeded synthetic names: places, grid heads and people (public: the roster's synthetic
personnel file uses them too)."""

from __future__ import annotations

import numpy as np

__all__ = ["person_names", "place_names"]

# Syllables common in place names of the Zhuang-speaking border counties.
_FIRST = tuple("那板陇峒弄百岜渠念北坡汪派叫琴逐龙卜平枯谷浦公凭旺思新东西南")
_SECOND = tuple("楠坡烂排马堪岭湾桥江关隆安河兰利坤孟梅贯良农堡田盘达旦屯化扶")
_SURNAMES = tuple("王李张刘陈杨黄赵吴周韦覃农陆蒙梁莫卢苏廖罗何凌马林郭谢邓钟宋")
_GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建文红玉林海兰福忠志")


def place_names(
    rng: np.random.Generator, n: int, suffixes: tuple[str, ...], taken: set[str]
) -> list[str]:
    """``n`` distinct place names ending in one of ``suffixes``, not in ``taken`` (updated)."""
    out: list[str] = []
    first = rng.integers(len(_FIRST), size=n)
    second = rng.integers(len(_SECOND), size=n)
    suf = rng.integers(len(suffixes), size=n)
    for i in range(n):
        base = _FIRST[first[i]] + _SECOND[second[i]]
        name = base + suffixes[suf[i]]
        k = 2
        while name in taken:
            name = f"{base}{k}{suffixes[suf[i]]}"
            k += 1
        taken.add(name)
        out.append(name)
    return out


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` synthetic personal names (surname + one or two given characters)."""
    s = rng.integers(len(_SURNAMES), size=n)
    g1 = rng.integers(len(_GIVEN), size=n)
    g2 = rng.integers(len(_GIVEN), size=n)
    two = rng.uniform(size=n) < 0.6
    return [_SURNAMES[s[i]] + _GIVEN[g1[i]] + (_GIVEN[g2[i]] if two[i] else "") for i in range(n)]
