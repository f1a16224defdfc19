"""Write coverage and siting results to an output folder, atomically.

Every file is first written into a temporary folder next to the output folder
and then moved into place with :func:`os.replace`, so an interrupted run never
leaves a half-written file: each file is either the old one or the new one.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from borderwatch.data.safe_csv import neutralise_frame as safe
from borderwatch.data.scenario_io import source_record
from borderwatch.describe import SCHEMA_VERSION
from borderwatch.errors import BorderwatchError
from borderwatch.fmt import km as fmt_km
from borderwatch.fmt import minutes as fmt_min
from borderwatch.fmt import pct as fmt_pct

if TYPE_CHECKING:
    from borderwatch.coverage.gaps import CoverageReport
    from borderwatch.coverage.siting import SitingResult

__all__ = ["COVERAGE_FILES", "SITING_FILES", "format_summary", "write_coverage", "write_siting"]

logger = logging.getLogger(__name__)

#: The files :func:`write_coverage` writes.
COVERAGE_FILES = ("gaps.csv", "gaps.geojson", "units.gpkg", "grids.csv", "summary.json")
#: The files :func:`write_siting` writes.
SITING_FILES = ("sites.csv", "sites.geojson", "uncoverable.csv", "siting.json")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.bool_):
        return bool(value)
    return value


@contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """A temporary folder beside ``out_dir``; its files are moved into ``out_dir`` on success."""
    out_dir = Path(out_dir)
    parent = out_dir.parent
    if not parent.is_dir():
        raise BorderwatchError(f"{parent}: output folder's parent does not exist")
    if out_dir.exists() and not out_dir.is_dir():
        raise BorderwatchError(f"{out_dir}: output path exists and is not a folder")
    # inside out_dir, so that a kill leaves nothing beside it (and nothing at all when out_dir
    # is itself the staging folder of borderwatch.atomic.atomic_folder)
    out_dir.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=out_dir))
    try:
        yield tmp
        for f in sorted(tmp.iterdir()):
            f.replace(out_dir / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _nulls(frame: pd.DataFrame) -> pd.DataFrame:
    """Infinite floats (unreachable, no checkpoint) as NaN, which GeoJSON and GPKG write as null."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            values = out[col].to_numpy(dtype=float)
            if np.isinf(values).any():
                out[col] = np.where(np.isinf(values), np.nan, values)
    return out


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(
        json.dumps(_jsonable(data), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


#: Columns of degrees: kept to 6 decimals (about 0.1 m), not the 3 of the other figures.
DEGREE_COLUMNS = ("lon", "lat")


def _round(frame: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(6 if col in DEGREE_COLUMNS else digits)
    return out


def write_coverage(report: CoverageReport, out_dir: str | Path) -> dict[str, Any]:
    """Write ``gaps.csv``, ``gaps.geojson``, ``units.gpkg``, ``grids.csv``, ``summary.json``.

    Parameters
    ----------
    report
        From :func:`~borderwatch.coverage.coverage_report`.
    out_dir
        Output folder (created if missing; other files in it are kept).

    Returns
    -------
    dict
        The summary as written to ``summary.json`` (with a ``files`` list).

    Notes
    -----
    ``gaps.geojson`` is in EPSG:4326 (RFC 7946); ``units.gpkg`` keeps the
    projected CRS and holds the layers ``units`` and ``gaps``.
    """
    out = Path(out_dir)
    gaps = report.gaps
    units = report.units
    summary = dict(report.summary)
    if "source" in summary:  # embedded scenarios by name, folders relative to the output
        summary["source"] = source_record(summary["source"], out)
    summary["schema_version"] = SCHEMA_VERSION
    summary["files"] = list(COVERAGE_FILES)
    with _staging(out) as tmp:
        safe(_round(gaps.drop(columns="geometry"))).to_csv(
            tmp / "gaps.csv", index=True, encoding="utf-8"
        )
        g4326 = _nulls(_round(gaps).to_crs(4326).reset_index())
        if len(g4326):
            g4326.to_file(tmp / "gaps.geojson", driver="GeoJSON")
        else:
            (tmp / "gaps.geojson").write_text(
                '{"type": "FeatureCollection", "features": []}\n', encoding="utf-8"
            )
        layer = units.copy()
        for col in layer.columns:
            if layer[col].dtype == object:
                layer[col] = layer[col].astype(str)
        _nulls(layer).to_file(tmp / "units.gpkg", layer="units", driver="GPKG", index=True)
        if len(gaps):
            _nulls(gaps.reset_index()).to_file(tmp / "units.gpkg", layer="gaps", driver="GPKG")
        safe(_round(report.grids)).to_csv(tmp / "grids.csv", index=False, encoding="utf-8")
        _write_json(tmp / "summary.json", summary)
    logger.info("coverage: wrote %s to %s", ", ".join(COVERAGE_FILES), out)
    return _jsonable(summary)  # type: ignore[no-any-return]


def format_summary(report: CoverageReport, *, top: int = 10, lang: str = "en") -> str:
    """A short plain-text table of the summary and the longest gaps, for the CLI.

    Figures are printed by :mod:`borderwatch.fmt` (as in every other output); the
    targets say met or not met, where and by how much. The words come from
    :data:`borderwatch.i18n.REPORT` in ``lang``; the English text is the one
    printed before the tables, byte for byte.

    Parameters
    ----------
    report
        The coverage report (its ``summary`` and ``gaps``).
    top
        Number of gaps listed (longest first).
    lang
        ``"zh"`` or ``"en"``: the language of the words (ids and units stay Latin).

    Returns
    -------
    str
        The lines: border and watched km, gaps, longest gap, worst revisit and
        never-passed km when measured, the target checks, then a table of the
        ``top`` longest gaps (id, km range, length, township when the
        scenario has township grids, why).
    """
    from borderwatch.coverage.gaps import target_lines
    from borderwatch.i18n import criterion_text, pad, report_labels

    L = report_labels(lang)
    s = report.summary
    crit = str(s["criterion"]) if lang == "en" else criterion_text(s["criterion"], lang)
    lines = [
        L["cov_head"].format(scenario=s["scenario"], border=fmt_km(s["border_km"]), criterion=crit),
        L["cov_watched"].format(
            watched=fmt_km(s["watched_km"]),
            pct=fmt_pct(s["watched_pct"]),
            gap=fmt_km(s["gap_km"]),
            n=s["n_gaps"],
        ),
    ]
    if s.get("longest_gap"):
        g = s["longest_gap"]
        lines.append(
            L["cov_longest"].format(
                id=g["id"],
                a=fmt_km(g["start_km"], ""),
                b=fmt_km(g["end_km"], ""),
                length=fmt_km(g["length_km"]),
            )
        )
    if "worst_revisit_min" in s:
        worst = s["worst_revisit_min"]
        lines.append(
            L["cov_worst"].format(worst=fmt_min(worst)) if worst is not None else L["cov_no_pass"]
        )
        if s.get("never_passed_km"):
            lines.append(L["cov_never"].format(km=fmt_km(s["never_passed_km"])))
    lines += [f"  {x}" for x in target_lines(s.get("target_check") or {}, lang=lang)]
    if len(report.gaps):
        lines.append("")
        width = max(6, max(len(str(g)) for g in report.gaps.index) + 1)
        shown = report.gaps.head(top)
        # no township grid: no empty township column
        named = "township" in shown.columns and bool(
            shown["township"].fillna("").astype(str).str.strip().ne("").any()
        )
        why_col = "why_zh" if lang == "zh" and "why_zh" in shown.columns else "why"
        town_head = pad(L["cov_col_township"], 12) if named else ""
        lines.append(
            f"  {pad(L['cov_col_gap'], width)}{pad(L['cov_col_km'], 17, '>')}"
            f"{pad(L['cov_col_length'], 8, '>')}  {town_head}{L['cov_col_why']}"
        )
        for gid, g in shown.iterrows():
            town = f"{str(g['township'])[:12]:<12}" if named else ""
            lines.append(
                f"  {gid!s:<{width}}{fmt_km(g['start_km'], ''):>8}-{fmt_km(g['end_km'], ''):<8}"
                f"{fmt_km(g['length_km'], ''):>8}  {town}{g[why_col]}"
            )
    return "\n".join(lines)


def write_siting(result: SitingResult, out_dir: str | Path) -> dict[str, Any]:
    """Write ``sites.csv``, ``sites.geojson``, ``uncoverable.csv`` and ``siting.json``.

    Parameters
    ----------
    result
        From :func:`~borderwatch.coverage.site_checkpoints`.
    out_dir
        Output folder (created if missing; other files in it are kept).

    Returns
    -------
    dict
        The summary as written to ``siting.json``.
    """
    out = Path(out_dir)
    # no seconds in the file: the same inputs give the same bytes
    summary = {k: v for k, v in result.summary.items() if k != "seconds"}
    summary["schema_version"] = SCHEMA_VERSION
    summary["files"] = list(SITING_FILES)
    with _staging(out) as tmp:
        sites = result.sites
        safe(_round(sites.drop(columns="geometry"))).to_csv(
            tmp / "sites.csv", index=True, encoding="utf-8"
        )
        if len(sites):
            _round(sites).to_crs(4326).reset_index().to_file(
                tmp / "sites.geojson", driver="GeoJSON"
            )
        else:
            (tmp / "sites.geojson").write_text(
                '{"type": "FeatureCollection", "features": []}\n', encoding="utf-8"
            )
        safe(_round(result.uncoverable)).to_csv(
            tmp / "uncoverable.csv", index=True, encoding="utf-8"
        )
        _write_json(tmp / "siting.json", summary)
    logger.info("siting: wrote %s to %s", ", ".join(SITING_FILES), out)
    return _jsonable(summary)  # type: ignore[no-any-return]
