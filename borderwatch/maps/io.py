"""Writing maps: HTML (online or self-contained offline) and PNG through headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from borderwatch.atomic import write_bytes
from borderwatch.errors import BorderwatchError, ChromiumNotFoundError
from borderwatch.maps._assets import inline_assets
from borderwatch.maps._text_elements import rendered_text_elements

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

    Returns
    -------
    str
        The rendered HTML document.
    """
    if offline is None:
        offline = bool(getattr(m, "borderwatch_offline", False))
    with rendered_text_elements():  # the same HTML, ~2/3 of the render's time saved
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

    Parameters
    ----------
    chromium
        A Chromium or Chrome executable, a name or a path, looked up like a
        command (``shutil.which``); default: ``$BORDERWATCH_CHROMIUM``, else the
        usual Chromium names on ``PATH``.

    Returns
    -------
    str
        The full path of the first executable found.

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
    data = run_chromium(
        exe,
        src,
        [f"--window-size={width},{height}", f"--virtual-time-budget={int(wait_ms)}"],
        output=("--screenshot=", "shot.png"),
        timeout_s=timeout_s,
        timeout_message="save_png: Chromium took longer than {timeout_s:g} s",
        failure_message="save_png: Chromium ({exe}) exited with {code} and wrote no image: ",
    )
    _atomic_write(out, data)
    return out


def run_chromium(
    exe: str,
    src: Path,
    flags: Sequence[str],
    *,
    output: tuple[str, str],
    timeout_s: float,
    timeout_message: str,
    failure_message: str,
) -> bytes:
    """Run headless Chromium on the HTML file ``src`` and return the file it writes.

    Parameters
    ----------
    exe
        The Chromium executable.
    src
        The HTML file (absolute).
    flags
        Flags after :data:`CHROMIUM_FLAGS` and the throw-away profile folder.
    output
        The output flag (e.g. ``"--screenshot="``) and the file name it is given
        in a temporary folder.
    timeout_s
        Wall-clock limit of the run.
    timeout_message, failure_message
        Error texts, formatted with ``timeout_s``, ``src``, ``exe`` and ``code``
        (the exit code); Chromium's last five output lines follow the failure.

    Raises
    ------
    BorderwatchError
        If Chromium runs too long or writes no (or an empty) file.
    """
    flag, name = output
    with tempfile.TemporaryDirectory(prefix="bw-chromium-") as work:
        made = Path(work) / name
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(work) / 'profile'}",
            *flags,
            f"{flag}{made}",
            src.as_uri(),
        ]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired:
            raise BorderwatchError(timeout_message.format(timeout_s=timeout_s, src=src)) from None
        if not made.is_file() or made.stat().st_size == 0:
            tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-5:]
            raise BorderwatchError(
                failure_message.format(exe=exe, code=proc.returncode, src=src) + " | ".join(tail)
            )
        return made.read_bytes()
