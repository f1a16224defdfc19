"""A briefing a commander can use (issue #21): page numbers on every page, a contents list
whose page numbers are where the sections really are (also when a section takes two
pages), an overview map on the commander pages, the modelled and official border lengths,
route-card legends that never cover the map.

The plan is real (:func:`borderwatch.jobs.run_plan` on a generated 20 km scenario); the PDF
is printed by Chromium and read back with poppler's ``pdftotext``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import shapely

from borderwatch.config import SearchParams
from borderwatch.data import build_network
from borderwatch.data.synthetic import generate_scenario
from borderwatch.jobs import run_plan
from borderwatch.maps.brief import charts, write_brief
from borderwatch.maps.brief.labels import brief_labels

CHROMIUM = os.environ.get("BORDERWATCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
NIGHT = date(2026, 12, 1)
#: A note long enough to push its route card over one page.
LONG_NOTE = "; ".join(f"kept: only it drives {k}.25 km of required road" for k in range(90))

needs_pdf = pytest.mark.skipif(
    not (Path(CHROMIUM).is_file() and shutil.which("pdftotext")),
    reason="needs chromium and poppler-utils (apt-get install chromium poppler-utils)",
)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pytest.importorskip("playwright.sync_api", reason="page numbers need Playwright")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"needs Chromium at {CHROMIUM}")
    root = tmp_path_factory.mktemp("pages")
    scn = dataclasses.replace(generate_scenario(20, seed=5, n_teams=4), official_border_km=40.0)
    net = build_network(scn)
    run_plan(
        net,
        root / "plan",
        night=NIGHT,
        map_html=False,
        search=SearchParams(time_limit_s=5, max_iterations=50),
    )
    plan_file = root / "plan" / "plan.json"
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    patrol = [r for r in plan["routes"] if r.get("status") == "patrol"]
    assert len(patrol) >= 2
    long_team = str(patrol[0]["team"])
    patrol[0]["note"] = LONG_NOTE
    plan_file.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    pdf = write_brief(root / "plan", root / "brief", network=net, lang="zh")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    html = (root / "brief" / "brief.html").read_text(encoding="utf-8")
    return {"net": net, "plan": plan, "pages": pages, "html": html, "long": long_team}


def _toc(html: str) -> dict[str, int]:
    """Section id -> page number, from the contents list of brief.html."""
    found = re.findall(r'<a href="#([^"]+)">.*?</a><span class="pg">第 (\d+) 页</span>', html)
    return {k: int(n) for k, n in found}


@needs_pdf
@pytest.mark.slow
def test_every_page_has_its_number(made: dict[str, Any]) -> None:
    pages = made["pages"]
    n = len(pages)
    for i, page in enumerate(pages, start=1):
        assert re.search(rf"(?m)^\s*{i}\s*/\s*{n}\s*$", page), f"page {i} has no '{i} / {n}'"


@needs_pdf
@pytest.mark.slow
def test_contents_page_numbers_are_where_the_sections_are(made: dict[str, Any]) -> None:
    toc = _toc(made["html"])
    pages = made["pages"]
    cards = [str(r["team"]) for r in made["plan"]["routes"]]
    assert set(toc) >= {"overview", *(f"card-{t}" for t in cards)}
    t = brief_labels("zh")
    for team in cards:
        page = pages[toc[f"card-{team}"] - 1]
        head = page.strip().splitlines()[0]
        assert re.search(rf"({t['route_card']}|{t['standby_card']})\s+{team} ", head), (team, head)
    assert t["overview"] in pages[toc["overview"] - 1].strip().splitlines()[0]
    # the long card really takes more than one page, and the card after it is numbered so
    i = cards.index(made["long"])
    if i + 1 < len(cards):
        assert toc[f"card-{cards[i + 1]}"] >= toc[f"card-{made['long']}"] + 2


@needs_pdf
@pytest.mark.slow
def test_overview_map_and_border_lengths_on_the_commander_pages(made: dict[str, Any]) -> None:
    html = made["html"]
    assert 'class="overview-map" src="data:image/svg+xml;base64,' in html
    modelled = made["net"].border_m / 1000
    note = f"模型边境线 {modelled:.1f} 公里，官方公布 40 公里"
    first = made["pages"][0] + made["pages"][1]
    assert note in first.replace("\n", "")
    toc = _toc(html)
    assert note in made["pages"][toc["overview"] - 1].replace("\n", "")


@pytest.mark.slow
def test_route_card_legend_never_covers_the_map(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    net = build_network(generate_scenario(20, seed=5, n_teams=4))
    boxes: list[Any] = []
    real = charts._svg

    def measure(fig: Any) -> str:
        # laid out as drawn (inside the charts' style): the legend against the map's frame
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        (ax,) = fig.axes
        legends = [*fig.legends, *([ax.get_legend()] if ax.get_legend() else [])]
        boxes.append(
            (ax.get_window_extent(renderer), [g.get_window_extent(renderer) for g in legends])
        )
        return real(fig)

    monkeypatch.setattr(charts, "_svg", measure)
    base = net.teams.geometry.iloc[0]
    route = shapely.LineString([(base.x, base.y), (base.x + 3000, base.y + 2000)])
    cps = list(net.checkpoints.index[:3])
    t = brief_labels("zh")
    charts.route_map(net, route, colour="#332288", dash="", labels=t, base=base, label_cps=cps)
    charts.route_map(net, None, colour="#332288", dash="", labels=t, base=base, min_span_m=6000.0)
    assert len(boxes) == 2
    for frame, legends in boxes:
        assert legends
        for lb in legends:
            assert not lb.overlaps(frame), (lb, frame)


@needs_pdf
@pytest.mark.slow
def test_without_playwright_the_pdf_is_printed_without_numbers_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from borderwatch.errors import BriefWarning
    from borderwatch.maps.brief import pdf as pdfmod

    html = tmp_path / "page.html"
    html.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>@page { size: A4; }</style>"
        "</head><body><p>one page</p></body></html>",
        encoding="utf-8",
    )
    monkeypatch.setattr(pdfmod, "_sync_playwright", lambda: None)
    assert pdfmod.section_pages(html, content_mm=(188.0, 276.0)) is None
    with pytest.warns(BriefWarning, match="no page numbers"):
        out = pdfmod.print_pdf(html, tmp_path / "page.pdf", chromium=CHROMIUM)
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "one page" in text and not re.search(r"\b1\s*/\s*1\b", text)
