"""Spreadsheet-safe cells: text that a spreadsheet would run as a formula is neutralised.

A name such as ``=HYPERLINK("http://…")`` or ``@SUM(1+1)*cmd|' /C calc'!A0`` that reaches a
CSV file runs as a formula when the file is opened in Excel or LibreOffice (CSV injection).
Following the OWASP rules, a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is written with a leading single quote, which spreadsheets show as text;
:func:`restore_cell` undoes it when borderwatch reads its own files back. Numbers are never
changed (``-3.5`` stays a number).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMULA_STARTS", "neutralise_cell", "neutralise_frame", "restore_cell"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def neutralise_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text that begins like a formula.

    Examples
    --------
    >>> neutralise_cell("=1+1"), neutralise_cell("-3.5"), neutralise_cell("Aidian"), neutralise_cell(7)
    ("'=1+1", '-3.5', 'Aidian', 7)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """Undo :func:`neutralise_cell` on text read back from a borderwatch CSV file."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and index labels are neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(neutralise_cell)
    if out.index.dtype == object:
        out.index = out.index.map(neutralise_cell)
    return out
