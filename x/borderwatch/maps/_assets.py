"""Scripts and stylesheets of the maps, and the offline inliner.

Online, a map links Leaflet (and Leaflet.heat for the incidents layer) from
the CDN folium names. Offline, :func:`inline_assets` replaces every link by
the file's text, read from installed Python packages:

* Leaflet 1.9.4 (``leaflet.js``, ``leaflet.css`` and its control images as
  ``data:`` URIs) from the ``django-js-lib-leaflet`` wheel, found with
  :func:`importlib.util.find_spec` without importing Django;
* Leaflet.heat from the copy that folium itself ships in ``folium/templates``;
* our own controls (full screen, measure, colour switch, team focus, direction
  arrows) from ``borderwatch/maps/_static``, which are inlined in both modes.

Links to folium's other defaults (jQuery, Bootstrap, Font Awesome, awesome
markers) are dropped: no element of our maps uses them.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from borderwatch.errors import OfflineAssetError

__all__ = [
    "LEAFLET_CSS_URL",
    "LEAFLET_JS_URL",
    "OfflineAssetError",
    "inline_assets",
    "js_json",
    "leaflet_dir",
    "own_css",
    "own_js",
]

LEAFLET_JS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"
LEAFLET_CSS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css"

_STATIC = Path(__file__).with_name("_static")

#: Links to folium defaults that no element of our maps needs.
_DROPPABLE = re.compile(
    r"jquery|bootstrap|awesome-markers|awesome_markers|font-awesome|fontawesome|"
    r"leaflet\.awesome\.rotate|glyphicons",
    re.IGNORECASE,
)
_SCRIPT_LINK = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>', re.IGNORECASE)
_CSS_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>', re.IGNORECASE)
_REMOTE_REF = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)


def js_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element (no ``<``, ``>``, ``&``, U+2028/9)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@cache
def own_js() -> str:
    """Our controls script."""
    return (_STATIC / "bw.js").read_text(encoding="utf-8")


@cache
def own_css() -> str:
    """Our controls stylesheet."""
    return (_STATIC / "bw.css").read_text(encoding="utf-8")


def leaflet_dir() -> Path:
    """Folder of Leaflet's dist files inside the installed ``django-js-lib-leaflet``."""
    spec = importlib.util.find_spec("js_lib_leaflet")
    if spec is None or not spec.submodule_search_locations:
        raise OfflineAssetError(
            "offline maps inline Leaflet from the package 'django-js-lib-leaflet', which is not "
            "installed; install it with: pip install django-js-lib-leaflet"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "static" / "js_lib_leaflet"
    if not (folder / "leaflet.js").is_file():
        raise OfflineAssetError(
            f"django-js-lib-leaflet is installed but {folder}/leaflet.js is missing"
        )
    return folder


def _folium_template(name: str) -> Path:
    spec = importlib.util.find_spec("folium")
    if (
        spec is None or not spec.submodule_search_locations
    ):  # pragma: no cover - folium is a dependency
        raise OfflineAssetError("folium is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "templates" / name
    if not path.is_file():
        raise OfflineAssetError(f"folium does not ship {name} (looked in {path.parent})")
    return path


@cache
def _leaflet_css() -> str:
    folder = leaflet_dir()
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        path = folder / match.group(1)
        if not path.is_file():
            return match.group(0)
        b64 = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{b64})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, css)


def _script_for(url: str) -> str | None:
    name = url.rsplit("/", 1)[-1].split("?", 1)[0].lower()
    if name in ("leaflet.js", "leaflet-src.js"):
        return (leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    if name in ("leaflet_heat.min.js", "leaflet-heat.js"):
        return _folium_template("leaflet_heat.min.js").read_text(encoding="utf-8")
    return None


def _css_for(url: str) -> str | None:
    name = url.rsplit("/", 1)[-1].split("?", 1)[0].lower()
    if name == "leaflet.css":
        return _leaflet_css()
    return None


def _script(text: str) -> str:
    return "<script>" + re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE) + "</script>"


def _style(text: str) -> str:
    return "<style>" + re.sub(r"</(style)", r"<\\/\1", text, flags=re.IGNORECASE) + "</style>"


def _inliner(
    source: Callable[[str], str | None], wrap: Callable[[str], str], kind: str
) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` replacement: the link's offline ``source`` wrapped, or "" if droppable.

    The replacement raises :class:`OfflineAssetError` naming the ``kind`` of
    link (script, stylesheet) when the URL has no offline source.
    """

    def replace(match: re.Match[str]) -> str:
        url = match.group(1)
        text = source(url)
        if text is not None:
            return wrap(text)
        if _DROPPABLE.search(url):
            return ""
        raise OfflineAssetError(f"no offline source for the {kind} {url}")

    return replace


def inline_assets(html: str) -> str:
    """Replace every script and stylesheet link of ``html`` by the inlined file.

    Raises
    ------
    OfflineAssetError
        If a link has no offline source, or a remote reference is left.
    """

    html = _SCRIPT_LINK.sub(_inliner(_script_for, _script, "script"), html)
    html = _CSS_LINK.sub(_inliner(_css_for, _style, "stylesheet"), html)
    left = _REMOTE_REF.search(html)
    if left:
        start = max(0, left.start() - 60)
        raise OfflineAssetError(
            f"an offline map still references a remote file: ...{html[start : left.end() + 60]}..."
        )
    return html
