"""One language per output (issue #21): a Chinese plan, re-plan, briefing and roster say
everything in Chinese, an English one in English, outside ids, units and names from the data
(maps, brief.html, the calendars, report.txt and diff.txt).

Everything goes through the installed ``borderwatch`` with the network blocked; the maps
and the briefing are read as a reader sees them, in Chromium (DOM text, tooltips, popups,
``title`` attributes); the calendars with icalendar.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.cli.run import offline_env, run_cli, write_people
from tests.lang import (
    chinese_words,
    data_names,
    english_words,
    html_visible_text,
    ics_text,
    map_visible_text,
)

CHROMIUM = os.environ.get("BORDERWATCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
NIGHT = "2026-12-02"
WEEK = "2026-W49"
SEARCH = ("--max-iterations", "60")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).is_file(), reason="needs Chromium (apt-get install chromium)"
    ),
]
pytest.importorskip("playwright.sync_api", reason="needs Playwright")
pytest.importorskip("icalendar", reason="needs icalendar")


def _ok(res: object) -> None:
    assert res.returncode == 0, res.stdout + res.stderr  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("lang")
    env = offline_env(root / "offline", BORDERWATCH_ROSTER_SALT="s")
    scn = root / "scenario"
    _ok(
        run_cli(
            ["scenario", "generate", "--border-km", 20, "--seed", 3, "--teams", 3, "--out", scn],
            env,
        )
    )
    people = write_people(scn, root / "people.csv")
    out: dict[str, Path] = {"scenario": scn}
    for lang in ("zh", "en"):
        plan = root / f"plan-{lang}"
        _ok(run_cli(["plan", scn, "--out", plan, *SEARCH, "--night", NIGHT, "--lang", lang], env))
        data = json.loads((plan / "plan.json").read_text(encoding="utf-8"))
        patrol = [r for r in data["routes"] if r["status"] == "patrol"]
        drop = max(patrol, key=lambda r: (r["service_km"], r["team"]))["team"]
        replan = root / f"replan-{lang}"
        _ok(
            run_cli(
                [
                    *("replan", plan, "--at", "02:10", "--drop", drop, *SEARCH),
                    *("--lang", lang, "--out", replan),
                ],
                env,
            )
        )
        out[f"plan-{lang}"], out[f"replan-{lang}"] = plan, replan
    roster = root / "roster"
    _ok(
        run_cli(
            [
                *("roster", scn, "--week", WEEK, "--people", people),
                *("--plan", out["plan-zh"] / "plan.json", "--out", roster),
            ],
            env,
        )
    )
    out["week"] = roster / WEEK
    for lang in ("zh", "en"):
        brief = root / f"brief-{lang}"
        _ok(
            run_cli(
                [
                    *("brief", out[f"plan-{lang}"], "--out", brief, "--lang", lang),
                    *("--roster", out["week"], "--night", NIGHT),
                ],
                env,
            )
        )
        out[f"brief-{lang}"] = brief
    return out


def _texts(made: dict[str, Path], lang: str) -> dict[str, str]:
    texts = {
        "plan map.html": map_visible_text(made[f"plan-{lang}"] / "map.html", CHROMIUM),
        "replan map.html": map_visible_text(made[f"replan-{lang}"] / "map.html", CHROMIUM),
        "brief.html": html_visible_text(made[f"brief-{lang}"] / "brief.html", CHROMIUM),
    }
    # the plan's and the re-plan's text reports and the radio text (borderwatch/i18n.py)
    for key, name in (("plan", "report.txt"), ("replan", "report.txt"), ("replan", "diff.txt")):
        texts[f"{key} {name}"] = (made[f"{key}-{lang}"] / name).read_text(encoding="utf-8")
    return texts


def test_chinese_outputs_hold_no_english_word(made: dict[str, Path]) -> None:
    names = data_names(made["scenario"], made["week"] / "roster.csv")
    texts = _texts(made, "zh")
    for p in sorted((made["week"] / "ics").glob("*.ics")):
        texts[f"ics/{p.name}"] = ics_text(p.read_bytes())
    assert any("接替" in v for k, v in texts.items() if k.startswith("replan"))
    bad = {k: english_words(v, names) for k, v in texts.items()}
    assert {k: v for k, v in bad.items() if v} == {}


def test_english_outputs_hold_no_chinese_word(made: dict[str, Path]) -> None:
    names = data_names(made["scenario"], made["week"] / "roster.csv")
    texts = _texts(made, "en")
    assert "takes" in texts["replan map.html"]
    bad = {k: chinese_words(v, names) for k, v in texts.items()}
    assert {k: v for k, v in bad.items() if v} == {}
