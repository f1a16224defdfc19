"""Print an HTML page to PDF with headless Chromium (the program PNG export already needs).

Why Chromium rather than a PDF library: the maps already depend on it for PNG
export, it lays out CSS paged media (``@page``, page breaks, CJK line breaking)
and embeds the system's CJK fonts by itself; WeasyPrint would add Pango and
cairo, ReportLab a second layout in Python code.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

from borderwatch.atomic import write_bytes
from borderwatch.errors import BorderwatchError
from borderwatch.maps.io import find_chromium, run_chromium

__all__ = ["pin_pdf_dates", "print_pdf"]

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


def print_pdf(
    html_path: str | os.PathLike[str],
    pdf_path: str | os.PathLike[str],
    *,
    chromium: str | os.PathLike[str] | None = None,
    timeout_s: float = 180.0,
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
