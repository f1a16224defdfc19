"""Writing maps: HTML (online or self-contained offline) and PNG through headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from borderwatch.atomic import write_bytes
from borderwatch.errors import BorderwatchError, ChromiumNotFoundError
from borderwatch.maps._assets import inline_assets

if TYPE_CHECKING:
    import folium

__all__ = [
    "CHROMIUM_NAMES",
    "ChromiumNotFoundError",
    "find_chromium",
    "save_map",
    "save_png",
    "to_html",
]

#: Executables :func:`find_chromium` looks for on ``PATH``, in order.
CHROMIUM_NAMES: tuple[str, ...] = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)

#: Flags of every headless Chromium run: no GPU, no background traffic.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--mute-audio",
)


def to_html(m: folium.Map, *, offline: bool | None = None) -> str:
    """The map as one HTML document.

    Parameters
    ----------
    m
        A map from :func:`coverage_map` or :func:`plan_map` (any folium map works).
    offline
        Inline every script and stylesheet (no request but tiles, if any);
        default: what the map was built with.
    """
    if offline is None:
        offline = bool(getattr(m, "borderwatch_offline", False))
    html = m.get_root().render()
    if offline:
        html = inline_assets(html)
    return html


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, data)


def save_map(m: folium.Map, path: str | os.PathLike[str], *, offline: bool | None = None) -> Path:
    """Write the map as an HTML file, atomically (a temporary file renamed over ``path``).

    Parameters
    ----------
    m
        The map.
    path
        Where to write (parent folders are made).
    offline
        As for :func:`to_html`.

    Returns
    -------
    Path
        ``path``.
    """
    out = Path(path)
    _atomic_write(out, to_html(m, offline=offline).encode("utf-8"))
    return out


def find_chromium(chromium: str | os.PathLike[str] | None = None) -> str:
    """The Chromium executable: ``chromium`` if given, else ``$BORDERWATCH_CHROMIUM``, else on PATH.

    Raises
    ------
    ChromiumNotFoundError
        Naming what to install.
    """
    candidates = [str(chromium)] if chromium else []
    if not chromium and os.environ.get("BORDERWATCH_CHROMIUM"):
        candidates.append(os.environ["BORDERWATCH_CHROMIUM"])
    if not candidates:
        candidates = list(CHROMIUM_NAMES)
    for name in candidates:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumNotFoundError(
        "PNG export needs a headless Chromium, and none was found "
        f"(looked for {', '.join(candidates)}). Install Debian's or Ubuntu's package with "
        "'apt-get install chromium', or point BORDERWATCH_CHROMIUM (or chromium=) at a "
        "Chrome or Chromium executable."
    )


def save_png(
    html_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    width: int = 1600,
    height: int = 1000,
    wait_ms: int = 3000,
    chromium: str | os.PathLike[str] | None = None,
    timeout_s: float = 120.0,
) -> Path:
    """Screenshot a saved map with headless Chromium (for briefings).

    Parameters
    ----------
    html_path
        A map written by :func:`save_map` (best offline, or with reachable tiles).
    png_path
        Where to write the PNG (atomically).
    width, height
        Window size in CSS pixels.
    wait_ms
        Virtual time Chromium gives the page before the screenshot.
    chromium
        The Chromium executable (default: :func:`find_chromium`).
    timeout_s
        Wall-clock limit of the Chromium run.

    Returns
    -------
    Path
        ``png_path``.

    Raises
    ------
    ChromiumNotFoundError
        If no Chromium is installed, naming what to install.
    BorderwatchError
        If Chromium fails or writes no image.
    """
    src = Path(html_path).resolve()
    if not src.is_file():
        raise BorderwatchError(f"save_png: no such HTML file: {src}")
    if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
        raise BorderwatchError(
            f"save_png: width and height must be positive integers, not {width}x{height}"
        )
    exe = find_chromium(chromium)
    out = Path(png_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bw-chromium-") as work:
        shot = Path(work) / "shot.png"
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(work) / 'profile'}",
            f"--window-size={width},{height}",
            f"--virtual-time-budget={int(wait_ms)}",
            f"--screenshot={shot}",
            src.as_uri(),
        ]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired:
            raise BorderwatchError(f"save_png: Chromium took longer than {timeout_s:g} s") from None
        if not shot.is_file() or shot.stat().st_size == 0:
            tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-5:]
            raise BorderwatchError(
                f"save_png: Chromium ({exe}) exited with {proc.returncode} and wrote no image: "
                + " | ".join(tail)
            )
        _atomic_write(out, shot.read_bytes())
    return out
