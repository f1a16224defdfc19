"""What ``gaps`` and ``site`` print is in one language (issue #21).

Ningming is a Chinese scenario: its printed summaries (the coverage table, the site
table and its line, the border-length line) hold no English word outside ids, units
and names from the data; with ``--lang en`` they are the English text, with no
Chinese word but the data's names. The closing "wrote DIR" line and the progress
messages on stderr are the command line's own English (docs/cli.md), not a summary.
"""

from __future__ import annotations

from typing import Any

import pytest

from borderwatch.i18n import REPORT
from tests.cli.run import offline_env, run_cli
from tests.lang import chinese_words, data_names, english_words

pytestmark = pytest.mark.slow

COMMANDS: dict[str, tuple[Any, ...]] = {
    "gaps": ("gaps", "ningming"),
    "site": ("site", "ningming", "--add", 3),
}


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("printed")
    env = offline_env(root / "offline")
    out: dict[str, str] = {}
    for job, args in COMMANDS.items():
        for lang in ("", "zh", "en"):
            folder = root / f"{job}-{lang or 'default'}"
            extra = ["--lang", lang] if lang else []
            res = run_cli([*args, "--out", folder, "--no-map", *extra], env, timeout=600)
            assert res.returncode == 0, res.stdout + res.stderr
            out[f"{job}-{lang or 'default'}"] = res.stdout.replace(f"wrote {folder}", "")
    return out


def test_ningming_prints_no_english_word(printed: dict[str, str]) -> None:
    names = data_names("ningming")
    zh = REPORT["zh"]
    for job in COMMANDS:
        text = printed[f"{job}-default"]
        assert text == printed[f"{job}-zh"]  # the scenario's language is Chinese
        assert english_words(text, names) == [], (job, text)
        assert zh["border_head"].split("：")[0] in text
    assert zh["cov_col_why"] in printed["gaps-default"]
    assert zh["site_cols"].split("|")[0] in printed["site-default"]


def test_lang_en_prints_the_english_summary(printed: dict[str, str]) -> None:
    names = data_names("ningming")
    gaps, site = printed["gaps-en"], printed["site-en"]
    assert gaps.startswith("ningming: 103.78 km of border, criterion checkpoint\n")
    assert "  watched 83.00 km (80.0 %), 20.78 km in 7 gaps" in gaps
    assert "\n  gap " in gaps and "border length: modelled 103.8 km of the official 212 km" in gaps
    assert site.startswith("3 new checkpoint sites (border km:")
    assert "\nwatched 83.00 → " in site and "km no site can watch" in site
    for text in (gaps, site):
        assert chinese_words(text, names) == [], text
