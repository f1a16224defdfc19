"""One language per output: find words of the other language in a rendered artefact.

``english_words(text)`` lists the English words of a Chinese output that are not
ids (T05, CP012, G003, T09-r2, L004, S01-068), units (km, min, m, h) or names from
the data; ``chinese_words(text)`` the Chinese runs of an English output that are
not names from the data (townships, villages, team and checkpoint names). The
visible text of a map is its DOM text plus what a reader sees on hover (tooltips,
popups, ``title`` attributes), read from Chromium by :func:`map_visible_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: Units and symbols a Chinese page may print in Latin letters.
UNITS: frozenset[str] = frozenset({"km", "m", "min", "h", "km/h", "GPX", "UTC"})

#: Names of software and map sources a page credits (attribution), in any language.
CREDITS: tuple[str, ...] = ("Leaflet", "OpenStreetMap", "CARTO", "Esri", "OpenTopoMap")

#: Ids of the data: teams, checkpoints, gaps, leaders, staff, variants, sites, units.
ID = re.compile(
    r"^(?:[A-Z]{1,3}\d+(?:[-_][A-Za-z]?\d+)*|[A-Z]\d+-r\d+|\d+[A-Za-z]?|[A-Z]{1,3}\d*-\d+)$"
)

#: A command-line option named in a hint ("--roster") is a command, not a word.
_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'’/-]*")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def english_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The English words in ``text`` that are not ids, units or ``allowed``.

    Parameters
    ----------
    text
        Visible text of a Chinese output.
    allowed
        Further words and phrases that may appear (names from the data, e.g. a
        scenario title "Ningming County, Guangxi"); a phrase allows each of its words.

    Returns
    -------
    list[str]
        The offending words in order of appearance, each once.
    """
    ok = set(UNITS) | set(CREDITS)
    for phrase in allowed:
        ok.update(w.strip("'’/-") for w in _WORD.findall(phrase))
    out: list[str] = []
    text = _OPTION.sub(" ", text)
    for m in _WORD.finditer(text):
        w = m.group(0).strip("'’/-")
        if not w or w in ok or ID.match(w) or w in out:
            continue
        # a lone capital letter (a legend key "A", a compass "N") is not a word
        if len(w) == 1:
            continue
        out.append(w)
    return out


def chinese_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The runs of Chinese characters in ``text`` that are not inside an ``allowed`` name."""
    names = sorted({a for a in allowed if a}, key=len, reverse=True)
    for n in names:
        text = text.replace(n, " ")
    out: list[str] = []
    for m in _CJK.finditer(text):
        if m.group(0) not in out:
            out.append(m.group(0))
    return out


#: JavaScript run in a folium map: the DOM text, every tooltip and popup (also
#: those shown only on hover, whose content is a function of the hovered layer)
#: and every ``title`` attribute.
_MAP_TEXT_JS = r"""
() => {
  const parts = [document.body.innerText];
  const div = document.createElement("div");
  const text = (c) => {
    if (c === undefined || c === null) return "";
    if (typeof c === "string") { div.innerHTML = c; return div.textContent; }
    if (c.textContent !== undefined) return c.textContent;
    return String(c);
  };
  const maps = Object.keys(window).filter((k) => {
    try { return window[k] instanceof L.Map; } catch (e) { return false; }
  }).map((k) => window[k]);
  for (const map of maps) {
    map.eachLayer((layer) => {
      for (const get of ["getTooltip", "getPopup"]) {
        const tip = layer[get] && layer[get]();
        if (!tip) continue;
        const c = tip._content;
        if (typeof c === "function") {
          const subs = [];
          if (layer.eachLayer) layer.eachLayer((s) => subs.push(s)); else subs.push(layer);
          for (const s of subs) { try { parts.push(text(c(s))); } catch (e) {} }
        } else {
          parts.push(text(c));
        }
      }
    });
  }
  for (const el of document.querySelectorAll("[title]")) parts.push(el.getAttribute("title"));
  return parts.join("\n");
}
"""


def map_visible_text(html: Path, chromium: str) -> str:
    """What a reader of the map can see: DOM text, tooltips, popups, titles (via Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()

            def block(route: Any) -> None:
                if route.request.url.startswith(("file:", "data:")):
                    route.continue_()
                else:
                    route.abort()

            page.route("**/*", block)
            page.goto(html.resolve().as_uri(), wait_until="load")
            return str(page.evaluate(_MAP_TEXT_JS))
        finally:
            browser.close()


def html_visible_text(html: Path, chromium: str) -> str:
    """The DOM text of a static page (the briefing) in Chromium, plus ``title`` and ``alt``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(html.resolve().as_uri(), wait_until="load")
            return str(
                page.evaluate(
                    "() => [document.title, document.body.innerText, ...Array.from("
                    "document.querySelectorAll('[title],[alt]'), (e) => "
                    "(e.getAttribute('title') || '') + ' ' + (e.getAttribute('alt') || ''))]"
                    ".join('\\n')"
                )
            )
        finally:
            browser.close()


def ics_text(data: bytes) -> str:
    """The human fields of a calendar: calendar name, event summaries, descriptions, places."""
    import icalendar

    cal = icalendar.Calendar.from_ical(data)
    out = [str(cal.get("x-wr-calname", ""))]
    for ev in cal.walk("VEVENT"):
        for key in ("summary", "description", "location"):
            if ev.get(key):
                out.append(str(ev.get(key)))
    return "\n".join(out)


def data_names(scenario: str | Path, roster_csv: Path | None = None) -> list[str]:
    """Names from a scenario's data that an output shows as given, in any language: the
    title and id, teams, checkpoints, townships, villages, roads, and (given a roster.csv)
    the people and their townships."""
    import csv

    from borderwatch.data import build_network, load_scenario

    net = build_network(load_scenario(scenario))
    names = [str(net.scenario.title or ""), str(net.scenario.name)]
    for frame, cols in (
        (net.teams, ("name", "township")),
        (net.checkpoints, ("name", "township")),
        (net.units, ("township", "village")),
        (net.edges, ("name",)),
    ):
        for c in cols:
            if c in frame:
                names += [str(x) for x in frame[c].dropna().unique()]
    if roster_csv is not None:
        with roster_csv.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                names += [row["name"], row["township"]]
    return [n for n in names if n and n != "nan"]
