"""Print an HTML page to PDF with headless Chromium (the program PNG export already needs).

Chromium is driven through Playwright (``Page.pdf``) when it is installed: that is
the one way to get page numbers, Chromium's own footer (``footerTemplate`` with
``pageNumber``/``totalPages``; CSS ``@page`` counters do nothing in Chromium), and to
measure how many pages each section of the page takes in print layout (the
briefing's table of contents). Without Playwright the Chromium command line prints
the same page without page numbers, and says so once.

Why Chromium rather than a PDF library: the maps already depend on it for PNG
export, it lays out CSS paged media (``@page``, page breaks, CJK line breaking)
and embeds the system's CJK fonts by itself; WeasyPrint would add Pango and
cairo, ReportLab a second layout in Python code.
"""

from __future__ import annotations

import logging
import math
import os
import re
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from borderwatch.atomic import write_bytes
from borderwatch.errors import BorderwatchError, BriefWarning
from borderwatch.maps.io import CHROMIUM_FLAGS, find_chromium, run_chromium

__all__ = ["page_starts", "pin_pdf_dates", "print_pdf", "section_pages"]

logger = logging.getLogger(__name__)

#: Chromium's footer on every printed page: "3 / 22" (its own pageNumber/totalPages).
FOOTER = (
    '<div style="width:100%;text-align:center;font-size:7pt;color:#555;'
    'font-family:sans-serif"><span class="pageNumber"></span> / '
    '<span class="totalPages"></span></div>'
)
_MM_PX = 96 / 25.4

_PDF_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\(D:(\d{14})([^)]*)\)")


def pin_pdf_dates(data: bytes, *, epoch_s: int | None = None) -> bytes:
    """Replace the PDF's creation and modification dates by a fixed one: no wall clock in the file.

    Chromium stamps the wall clock into the document information (the rest of its output is
    usually, not always, byte-identical between prints of the same page; brief.html is). The fixed date
    is ``$SOURCE_DATE_EPOCH`` (the reproducible-builds convention) or 1970-01-01;
    it has the same length as the stamp it replaces, so the cross-reference
    offsets of the file stay valid.
    """
    if epoch_s is None:
        epoch_s = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
    fixed = datetime.fromtimestamp(epoch_s, tz=UTC).strftime("%Y%m%d%H%M%S").encode()

    def pin(m: re.Match[bytes]) -> bytes:
        tail = b"+00'00'" if len(m.group(3)) == 7 else m.group(3)
        return b"/" + m.group(1) + b" (D:" + fixed + tail + b")"

    out = _PDF_DATE.sub(pin, data)
    return out if len(out) == len(data) else data


def _sync_playwright() -> object | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    return sync_playwright


def _open(pw: object, exe: str, src: Path, timeout_s: float) -> tuple[object, object]:
    """A browser and a page with ``src`` loaded; every request but file: and data: refused."""
    browser = pw.chromium.launch(  # type: ignore[attr-defined]
        executable_path=exe,
        args=[f for f in CHROMIUM_FLAGS if f != "--headless"],
        timeout=timeout_s * 1000,
    )
    page = browser.new_page()

    def block(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(("file:", "data:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", block)
    page.goto(src.as_uri(), wait_until="load", timeout=timeout_s * 1000)
    return browser, page


def section_pages(
    html_path: str | os.PathLike[str],
    *,
    content_mm: tuple[float, float],
    selector: str = "section.page",
    chromium: str | os.PathLike[str] | None = None,
    timeout_s: float = 180.0,
) -> list[int] | None:
    """How many printed pages each ``selector`` element of the page takes (each starts a page).

    Measured in Chromium's print layout: the page is laid out with print media at
    the printable width, and each section's height is divided by the printable
    height. None without Playwright (the caller then assumes one page each).

    Parameters
    ----------
    html_path
        The HTML file.
    content_mm
        Printable width and height of a page, mm (paper minus the ``@page`` margins).
    selector
        The elements that each begin a new page.
    chromium, timeout_s
        As for :func:`print_pdf`.
    """
    sync_playwright = _sync_playwright()
    if sync_playwright is None:
        return None
    src = Path(html_path).resolve()
    exe = find_chromium(chromium)
    width_px, height_px = content_mm[0] * _MM_PX, content_mm[1] * _MM_PX
    with sync_playwright() as pw:  # type: ignore[operator]
        browser, page = _open(pw, exe, src, timeout_s)
        try:
            page.set_viewport_size(  # type: ignore[attr-defined]
                {"width": math.floor(width_px), "height": math.ceil(height_px)}
            )
            page.emulate_media(media="print")  # type: ignore[attr-defined]
            heights = page.evaluate(  # type: ignore[attr-defined]
                "(sel) => Array.from(document.querySelectorAll(sel), "
                "(e) => e.getBoundingClientRect().height)",
                selector,
            )
        finally:
            browser.close()  # type: ignore[attr-defined]
    return [max(1, math.ceil(float(h) / height_px - 0.01)) for h in heights]


def print_pdf(
    html_path: str | os.PathLike[str],
    pdf_path: str | os.PathLike[str],
    *,
    chromium: str | os.PathLike[str] | None = None,
    timeout_s: float = 180.0,
    page_numbers: bool = True,
) -> Path:
    """Print ``html_path`` to ``pdf_path`` (page size from the page's CSS ``@page``).

    Parameters
    ----------
    html_path
        A self-contained HTML file.
    pdf_path
        Where to write the PDF (atomically).
    chromium
        The Chromium executable (default :func:`borderwatch.maps.io.find_chromium`).
    timeout_s
        Wall-clock limit of the Chromium run.
    page_numbers
        Print "n / N" at the foot of every page (:data:`FOOTER`, in the bottom
        ``@page`` margin); needs Playwright, else the PDF has none and a
        :class:`~borderwatch.errors.BriefWarning` says so.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    ChromiumNotFoundError
        If no Chromium is installed, naming what to install.
    BorderwatchError
        If Chromium fails or writes no PDF.
    """
    src = Path(html_path).resolve()
    if not src.is_file():
        raise BorderwatchError(f"print_pdf: no such HTML file: {src}")
    exe = find_chromium(chromium)
    out = Path(pdf_path)
    sync_playwright = _sync_playwright() if page_numbers else None
    if page_numbers and sync_playwright is None:
        warnings.warn(
            "print_pdf: no page numbers in the PDF: they need Playwright (pip install playwright)",
            BriefWarning,
            stacklevel=2,
        )
    if sync_playwright is not None:
        data = _print_playwright(sync_playwright, exe, src, timeout_s)
    else:
        data = run_chromium(
            exe,
            src,
            ["--no-pdf-header-footer", "--run-all-compositor-stages-before-draw"],
            output=("--print-to-pdf=", "print.pdf"),
            timeout_s=timeout_s,
            timeout_message="print_pdf: Chromium took longer than {timeout_s:g} s to print {src}",
            failure_message=(
                "print_pdf: Chromium ({exe}) exited with {code} and wrote no PDF for {src}: "
            ),
        )
    write_bytes(out, pin_pdf_dates(data))
    return out


def _print_playwright(sync_playwright: object, exe: str, src: Path, timeout_s: float) -> bytes:
    """The PDF of ``src`` with Chromium's footer of page numbers (Playwright ``Page.pdf``)."""
    try:
        with sync_playwright() as pw:  # type: ignore[operator]
            browser, page = _open(pw, exe, src, timeout_s)
            try:
                data = page.pdf(  # type: ignore[attr-defined]
                    prefer_css_page_size=True,
                    print_background=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=FOOTER,
                )
            finally:
                browser.close()  # type: ignore[attr-defined]
    except Exception as exc:  # Playwright's errors: a timeout, a browser that would not start
        raise BorderwatchError(f"print_pdf: Chromium ({exe}) could not print {src}: {exc}") from exc
    if not data:
        raise BorderwatchError(f"print_pdf: Chromium ({exe}) wrote an empty PDF for {src}")
    return bytes(data)


def page_starts(pages: Sequence[int], first: int = 1) -> list[int]:
    """The first page of each section, from the pages each takes."""
    out, n = [], first
    for k in pages:
        out.append(n)
        n += int(k)
    return out
