"""Print an HTML page to PDF with headless Chromium (the program PNG export already needs).

Why Chromium rather than a PDF library: the maps already depend on it for PNG
export, it lays out CSS paged media (``@page``, page breaks, CJK line breaking)
and embeds the system's CJK fonts by itself; WeasyPrint would add Pango and
cairo, ReportLab a second layout in Python code.
"""

from __future__ import annotations

import os
from pathlib import Path

from borderwatch.atomic import write_bytes
from borderwatch.errors import BorderwatchError
from borderwatch.maps.io import find_chromium, run_chromium

__all__ = ["print_pdf"]


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
    write_bytes(out, data)
    return out
