"""The briefing's charts and small maps, drawn with matplotlib (Agg, no pyplot state).

Each function returns the drawing as SVG text. The SVG is deterministic:
``svg.hashsalt`` is fixed and the date is left out, so the same inputs give the
same bytes. Text is drawn as paths, so the reader needs no font; the drawing
needs a CJK font for Chinese names (:func:`cjk_font`).
"""

from __future__ import annotations

import functools
import io
import logging
import math
import shutil
import subprocess
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from borderwatch.errors import BriefWarning
from borderwatch.maps.colours import NO_DATA, STATUS_COLOURS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from borderwatch.data.network import PatrolNetwork

__all__ = ["CJK_FONTS", "cjk_font", "overview_map", "revisit_chart", "route_map"]

logger = logging.getLogger(__name__)

#: Font families tried, in order, for Chinese text.
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",
)
GAP_SHADE = "#d7191c"
ROAD_GREY = "#c8c8c8"
BORDER_COLOUR = "#5a3e85"


def _fontconfig_cjk() -> list[tuple[str, str]]:
    """``(file, first family name)`` of every Chinese font fontconfig knows (``fc-list :lang=zh``).

    Empty when ``fc-list`` is missing or fails: matplotlib's own list is then all we know.
    """
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        done = subprocess.run(
            [exe, ":lang=zh", "file", "family"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    out = []
    for line in done.stdout.splitlines():
        path, _, families = line.partition(": ")
        if path and families:
            out.append((path.strip(), families.split(",")[0].strip()))
    return sorted(set(out))


@functools.cache
def cjk_font() -> str | None:
    """The CJK font family the charts draw Chinese text with, or None (with one warning).

    The first of :data:`CJK_FONTS` that matplotlib's font manager knows, else the
    first Chinese font fontconfig knows. matplotlib keeps its font list in a cache
    built on its first run; a font installed after that is missing from it (the
    charts then print boxes although the font is there). Font files that
    ``fc-list :lang=zh`` reports and matplotlib's list lacks are therefore added to
    the font manager (``FontManager.addfont``) before looking.
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    known_files = {f.fname for f in manager.ttflist}
    added = []
    system = _fontconfig_cjk()
    for path, _family in system:
        if path not in known_files and Path(path).is_file():
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError) as exc:  # pragma: no cover - bad font file
                logger.info("matplotlib cannot read the font %s: %s", path, exc)
                continue
            known_files.add(path)
            added.append(path)
    if added:
        logger.info(
            "added %d CJK font file(s) that fontconfig knows and matplotlib's font cache "
            "(older than the font) lacked: %s",
            len(added),
            ", ".join(added),
        )
    names = {f.name for f in manager.ttflist}
    for name in (*CJK_FONTS, *(family for _, family in system)):
        if name in names:
            return name
    warnings.warn(
        "no CJK font found for the briefing's charts (looked for "
        f"{', '.join(CJK_FONTS)} in matplotlib's font list and for any Chinese font with "
        "'fc-list :lang=zh'); Chinese names will show as boxes: "
        "apt-get install fonts-wqy-microhei (or fonts-noto-cjk)",
        BriefWarning,
        stacklevel=2,
    )
    return None


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib

    font = cjk_font()
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with (
        warnings.catch_warnings(),
        matplotlib.rc_context(
            {
                "font.family": "sans-serif",
                "font.sans-serif": families,
                "font.size": 8,
                "axes.unicode_minus": False,
                "svg.hashsalt": "borderwatch-brief",
                "svg.fonttype": "path",
                "path.simplify": True,
                "axes.spines.top": False,
                "axes.spines.right": False,
            }
        ),
    ):
        if font is None:
            # said once by cjk_font(); not once per character drawn
            warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        yield


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _figure(width_mm: float, height_mm: float) -> Figure:
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=100)
    fig.set_layout_engine(ConstrainedLayoutEngine(w_pad=0.01, h_pad=0.01))
    return fig


def revisit_chart(
    units: Any,
    gaps: Any,
    *,
    target_min: float,
    labels: dict[str, str],
    townships: Sequence[dict[str, Any]] = (),
    km_range: tuple[float, float] | None = None,
    width_mm: float = 180.0,
    height_mm: float = 62.0,
) -> str:
    """Worst revisit interval along the border chainage, with the target line and the gaps shaded.

    Parameters
    ----------
    units
        ``units.gpkg`` layer ``units`` (``start_m``, ``end_m``, ``worst_revisit_min``,
        ``never_passed``, ``checkpoint_watched``, ``watched``).
    gaps
        ``gaps_after.csv`` rows (``gap``, ``start_km``, ``end_km``).
    target_min
        The revisit target; the scale runs from 0 to twice the target (higher values are
        drawn at the top, marked as above the scale).
    labels
        The briefing's words.
    townships
        Rows with ``township``, ``start_km``, ``end_km``: boundaries and names on top.
    km_range
        Only this stretch (a township page); default the whole border.
    """
    t = labels
    start = units["start_m"].to_numpy(dtype=float) / 1000
    end = units["end_m"].to_numpy(dtype=float) / 1000
    worst = units["worst_revisit_min"].to_numpy(dtype=float)
    never = (
        units["never_passed"].to_numpy(dtype=bool)
        if "never_passed" in units.columns
        else ~np.isfinite(worst)
    )
    ymax = 2.0 * target_min
    shown = np.where(never | ~np.isfinite(worst), np.nan, np.minimum(worst, ymax))
    lo, hi = km_range if km_range is not None else (float(start.min()), float(end.max()))
    with _style():
        fig = _figure(width_mm, height_mm)
        ax: Axes = fig.add_subplot()
        _gap_spans(ax, gaps, lo, hi, ymax)
        _revisit_steps(ax, start, end, worst, never, shown, ymax)
        ax.axhline(target_min, color="#d7301f", lw=1.2, ls="--", zorder=4)
        ax.text(
            lo + 0.005 * (hi - lo),
            target_min * 1.03,
            f"{t['target']} {target_min:g} {t['min']}",
            color="#d7301f",
            fontsize=7,
            va="bottom",
        )
        _status_strip(ax, units, start, end, shown, ymax)
        _township_marks(ax, townships, lo, hi, ymax)
        _revisit_axes(ax, lo, hi, ymax, t)
        return _svg(fig)


def _gap_spans(ax: Axes, gaps: Any, lo: float, hi: float, ymax: float) -> None:
    """The gaps in ``lo..hi`` shaded, their ids above the axis (close ones on two heights)."""
    last_x, row = -math.inf, 0
    for _, g in gaps.iterrows():
        a, b = float(g["start_km"]), float(g["end_km"])
        if b < lo or a > hi:
            continue
        ax.axvspan(a, b, color=GAP_SHADE, alpha=0.18, lw=0, zorder=0)
        # labels closer than 4 % of the axis alternate between two heights
        x = (a + b) / 2
        row = 1 - row if x - last_x < 0.04 * (hi - lo) else 0
        last_x = x
        ax.text(
            x,
            ymax * (1.02 + 0.07 * row),
            str(g["gap"]),
            ha="center",
            va="bottom",
            fontsize=6.5,
            color="#a50f15",
            clip_on=False,
        )


def _revisit_steps(
    ax: Axes,
    start: np.ndarray,
    end: np.ndarray,
    worst: np.ndarray,
    never: np.ndarray,
    shown: np.ndarray,
    ymax: float,
) -> None:
    """The worst interval unit by unit (filled step line), marks above the scale, never-passed hatch."""
    edges = np.r_[start, end[-1]]
    ax.stairs(np.nan_to_num(shown, nan=0.0), edges, fill=True, color="#9ecae1", alpha=0.6, zorder=1)
    ax.stairs(shown, edges, color="#08519c", lw=1.0, zorder=2)
    over = np.isfinite(worst) & ~never & (worst > ymax)
    if over.any():
        mid = (start + end) / 2
        ax.plot(mid[over], np.full(over.sum(), ymax), "^", ms=3, color="#08519c", zorder=3)
    # never passed: full-height grey hatch
    for i in np.flatnonzero(never):
        ax.bar(
            start[i],
            ymax,
            width=end[i] - start[i],
            align="edge",
            color="none",
            edgecolor=NO_DATA,
            hatch="////",
            lw=0,
            zorder=1,
        )


def _status_strip(
    ax: Axes, units: Any, start: np.ndarray, end: np.ndarray, shown: np.ndarray, ymax: float
) -> None:
    """The status strip under the axis: checkpoint / patrol / gap, unit by unit."""
    cp = (
        units["checkpoint_watched"].to_numpy(dtype=bool)
        if "checkpoint_watched" in units.columns
        else np.zeros(len(units), dtype=bool)
    )
    watched = (
        units["watched"].to_numpy(dtype=bool) if "watched" in units.columns else np.isfinite(shown)
    )
    status = np.where(cp, "checkpoint", np.where(watched, "patrol", "gap"))
    for key, colour in STATUS_COLOURS.items():
        sel = np.flatnonzero(status == key)
        if len(sel):
            ax.broken_barh(
                list(zip(start[sel], end[sel] - start[sel], strict=True)),
                (-0.09 * ymax, 0.06 * ymax),
                facecolors=colour,
                lw=0,
                zorder=2,
            )


def _township_marks(
    ax: Axes, townships: Sequence[dict[str, Any]], lo: float, hi: float, ymax: float
) -> None:
    """Township boundaries (dotted) and names on top of the chart."""
    for tw in townships:
        a = float(tw["start_km"])
        if lo < a < hi:
            ax.axvline(a, color="#555555", lw=0.6, ls=":", zorder=3)
        mid = (max(a, lo) + min(float(tw["end_km"]), hi)) / 2
        if lo <= mid <= hi and float(tw["end_km"]) > lo and a < hi:
            ax.text(
                mid,
                ymax * 0.93,
                str(tw["township"]),
                ha="center",
                va="top",
                fontsize=7.5,
                color="#333333",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
                zorder=5,
            )


def _revisit_axes(ax: Axes, lo: float, hi: float, ymax: float, t: dict[str, str]) -> None:
    """The revisit chart's limits, ticks, axis labels, grid and legend."""
    from matplotlib.patches import Patch

    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.1 * ymax, ymax)
    ax.set_yticks(np.linspace(0, ymax, 5))
    ax.set_xlabel(t["chart_x"])
    # the unit over the axis, upright (a rotated label turns Chinese characters sideways)
    ax.set_ylabel(t["min"], rotation=0, ha="right", va="bottom")
    ax.yaxis.set_label_coords(-0.01, 1.01)
    ax.grid(axis="y", color="#e5e5e5", lw=0.5, zorder=0)
    handles = [
        Patch(facecolor="#9ecae1", edgecolor="#08519c", label=t["worst_revisit"]),
        Patch(facecolor="none", edgecolor=NO_DATA, hatch="////", label=t["no_patrol"]),
        Patch(facecolor=GAP_SHADE, alpha=0.18, label=t["gap"]),
    ]
    ax.legend(
        handles=handles,
        loc="upper right",
        bbox_to_anchor=(1.0, 1.16),
        ncol=3,
        fontsize=6.5,
        frameon=False,
    )


def _nice_length(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^k m) near a quarter of ``span_m``."""
    target = max(span_m / 4, 1.0)
    k = 10 ** math.floor(math.log10(target))
    for f in (5, 2, 1):
        if f * k <= target:
            return float(f * k)
    return float(k)


def _lines(ax: Axes, geoms: Sequence[Any], **kw: Any) -> None:
    from matplotlib.collections import LineCollection

    segs: list[np.ndarray] = []
    for g in geoms:
        if g is None or shapely.is_empty(g):
            continue
        parts = g.geoms if hasattr(g, "geoms") else [g]
        segs.extend(np.asarray(p.coords)[:, :2] for p in parts if len(p.coords) >= 2)
    if segs:
        ax.add_collection(LineCollection(segs, **kw))


def route_map(
    network: PatrolNetwork,
    route: Any,
    *,
    colour: str,
    dash: str,
    labels: dict[str, str],
    base: Any,
    others: Sequence[Any] = (),
    gaps: Sequence[Any] = (),
    label_cps: Sequence[str] = (),
    road_names: Sequence[tuple[str, Any]] = (),
    approach: Any = None,
    width_mm: float = 120.0,
    height_mm: float = 110.0,
    min_span_m: float = 3000.0,
) -> str:
    """A team's loop on a small map: its route strong, other routes faint, border, checkpoints.

    Parameters
    ----------
    network
        The plan's network (roads, border, checkpoints; projected metres).
    route
        The team's loop (a projected line) or an empty geometry (a standby team).
    colour, dash
        The team's colour and dash pattern (:func:`borderwatch.maps.colours.team_style`).
    labels
        The briefing's words.
    base
        The team's base (a projected point).
    others
        Other teams' loops, drawn faint.
    gaps
        Gap stretches (projected lines), shaded red.
    label_cps
        Checkpoint ids to label.
    road_names
        ``(name, line)`` of named roads on the route, labelled at the line's middle.
    approach
        The drive from the base to the loop's start (a projected line), drawn dotted.
    width_mm, height_mm
        Size of the drawing.
    min_span_m
        The least extent shown (a standby team's surroundings).
    """
    t = labels
    has_route = route is not None and not shapely.is_empty(route)
    frame = route if has_route else base
    x0, y0, x1, y1 = shapely.buffer(frame, 1.0).bounds
    cx, cy, span_x, span_y, view = _view(x0, y0, x1, y1, width_mm / height_mm, min_span_m, 1.12)
    with _style():
        fig = _figure(width_mm, height_mm)
        ax: Axes = fig.add_subplot()
        _route_roads(ax, network, view, others, gaps)
        if has_route:
            _lines(ax, [route], colors="white", linewidths=4.8, zorder=4)
            _lines(ax, [route], colors=colour, linewidths=3.0, linestyles=[_dash(dash)], zorder=5)
            _arrows(ax, route, colour, span_x)
        if approach is not None and not shapely.is_empty(approach):
            _lines(
                ax, [approach], colors=colour, linewidths=1.6, linestyles=[(0, (1, 2))], zorder=5
            )
        _route_checkpoints(ax, network, view, label_cps)
        _road_labels(ax, road_names, view)
        if base is not None and not shapely.is_empty(base):
            ax.plot(base.x, base.y, marker="s", ms=7, mfc=colour, mec="white", mew=1.2, zorder=9)
            ax.annotate(
                t["base"],
                (base.x, base.y),
                xytext=(6, -9),
                textcoords="offset points",
                fontsize=7,
                zorder=9,
            )
        _map_frame(ax, cx, cy, span_x, span_y)
        _route_legend(fig, colour, has_route, t)
        _north_arrow(ax, t["north"])
        _scale_bar(ax, cx - span_x / 2, cy - span_y / 2, span_x, span_y, t["km"])
        return _svg(fig)


def _view(
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    aspect: float,
    min_span_m: float,
    margin: float,
) -> tuple[float, float, float, float, Any]:
    """``(cx, cy, span_x, span_y, box)`` of a map frame around the bounds, of the given aspect."""
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    span_x = max(x1 - x0, (y1 - y0) * aspect, min_span_m) * margin
    span_y = span_x / aspect
    view = shapely.box(cx - span_x / 2, cy - span_y / 2, cx + span_x / 2, cy + span_y / 2)
    return cx, cy, span_x, span_y, view


def _dash(dash: str) -> Any:
    """A matplotlib line style of a team's dash pattern (half its lengths; ``""``: solid)."""
    return (0, tuple(float(x) / 2 for x in dash.split())) if dash else "solid"


def _route_roads(
    ax: Axes, network: PatrolNetwork, view: Any, others: Sequence[Any], gaps: Sequence[Any]
) -> None:
    """A card map's background: roads in view, other loops faint, the border, gaps shaded."""
    edges = network.edges
    near = edges.sindex.query(view, predicate="intersects")
    roads = edges.geometry.to_numpy()[near]
    major = edges["highway"].to_numpy()[near]
    wide = np.isin(major, ["trunk", "primary", "secondary", "tertiary"])
    _lines(ax, list(roads[~wide]), colors=ROAD_GREY, linewidths=0.5, zorder=1)
    _lines(ax, list(roads[wide]), colors="#a9a9a9", linewidths=1.1, zorder=1)
    _lines(ax, list(others), colors="#8c8c8c", linewidths=1.0, alpha=0.55, zorder=2)
    _lines(ax, [network.border], colors=BORDER_COLOUR, linewidths=1.6, zorder=3)
    _lines(ax, list(gaps), colors=GAP_SHADE, linewidths=6, alpha=0.35, zorder=3)


def _route_checkpoints(
    ax: Axes, network: PatrolNetwork, view: Any, label_cps: Sequence[str]
) -> None:
    """The checkpoints in view, those in ``label_cps`` with their ids."""
    cps = network.checkpoints
    inside = cps[cps.geometry.within(view)]
    ax.scatter(
        inside.geometry.x,
        inside.geometry.y,
        s=16,
        facecolors="white",
        edgecolors="#1b3d1b",
        linewidths=1.0,
        zorder=6,
    )
    for ident in label_cps:
        if ident in inside.index:
            p = inside.geometry.loc[ident]
            ax.annotate(
                str(ident),
                (p.x, p.y),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=6.5,
                color="#1b3d1b",
                zorder=7,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75},
            )


def _road_labels(ax: Axes, road_names: Sequence[tuple[str, Any]], view: Any) -> None:
    """Each named road's name at the middle of its line, when that is in view."""
    for name, line in road_names:
        p = shapely.line_interpolate_point(line, 0.5, normalized=True)
        if not view.contains(p):
            continue
        ax.text(
            p.x,
            p.y,
            str(name),
            fontsize=6.5,
            ha="center",
            va="center",
            color="#222222",
            zorder=8,
            bbox={"boxstyle": "round,pad=0.15", "fc": "#fffbe6", "ec": "#bbbbbb", "lw": 0.4},
        )


def _map_frame(ax: Axes, cx: float, cy: float, span_x: float, span_y: float) -> None:
    """A map's extent (equal scale), no ticks, a grey frame all round."""
    ax.set_xlim(cx - span_x / 2, cx + span_x / 2)
    ax.set_ylim(cy - span_y / 2, cy + span_y / 2)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(True)
        ax.spines[side].set_color("#777777")


def _route_legend(fig: Figure, colour: str, has_route: bool, t: dict[str, str]) -> None:
    """A card map's legend, below the map, outside the axes (never over the base or a checkpoint)."""
    from matplotlib.lines import Line2D

    handles = [
        *([Line2D([], [], color=colour, lw=3.0, label=t["legend_route"])] if has_route else []),
        Line2D([], [], color="#8c8c8c", lw=1.0, alpha=0.55, label=t["legend_other"]),
        Line2D([], [], color=BORDER_COLOUR, lw=1.6, label=t["legend_border"]),
        Line2D([], [], color=GAP_SHADE, lw=6, alpha=0.35, label=t["legend_gap"]),
        Line2D([], [], ls="", marker="o", ms=4, mfc="white", mec="#1b3d1b", label=t["legend_cp"]),
        Line2D([], [], ls="", marker="s", ms=5, mfc=colour, mec="white", label=t["legend_base"]),
    ]
    fig.get_layout_engine().set(h_pad=0.04)  # type: ignore[union-attr,call-arg]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=3,
        fontsize=6,
        frameon=False,
        borderpad=0.2,
        handlelength=1.8,
        columnspacing=1.2,
    )


def overview_map(
    network: PatrolNetwork,
    routes: Sequence[dict[str, Any]],
    *,
    labels: dict[str, str],
    gaps: Sequence[Any] = (),
    width_mm: float = 188.0,
    height_mm: float = 215.0,
) -> str:
    """The whole border on one map: every team's loop in its colour, bases, gaps, checkpoints.

    Parameters
    ----------
    network
        The plan's network (projected metres).
    routes
        One mapping per team: ``team`` (id, printed at the base), ``colour``,
        ``dash`` (as :func:`route_map`), ``route`` (projected line, may be empty
        for a team on standby) and ``base`` (projected point).
    labels
        The briefing's words.
    gaps
        Gap stretches (projected lines), shaded red.
    width_mm, height_mm
        Size of the drawing; the legend sits below the map, outside it.
    """
    t = labels
    shapes = [network.border, *(r["route"] for r in routes if not shapely.is_empty(r["route"]))]
    x0, y0, x1, y1 = shapely.union_all([shapely.envelope(g) for g in shapes]).bounds
    # the legend takes about a tenth of the height
    cx, cy, span_x, span_y, view = _view(x0, y0, x1, y1, width_mm / (height_mm * 0.9), 2000.0, 1.06)
    with _style():
        fig = _figure(width_mm, height_mm)
        ax: Axes = fig.add_subplot()
        edges = network.edges
        near = edges.sindex.query(view, predicate="intersects")
        major = np.isin(
            edges["highway"].to_numpy()[near], ["trunk", "primary", "secondary", "tertiary"]
        )
        _lines(ax, list(edges.geometry.to_numpy()[near][major]), colors=ROAD_GREY, linewidths=0.6)
        _lines(ax, list(gaps), colors=GAP_SHADE, linewidths=7, alpha=0.35, zorder=2)
        _lines(ax, [network.border], colors=BORDER_COLOUR, linewidths=1.8, zorder=3)
        for r in routes:
            if shapely.is_empty(r["route"]):
                continue
            style = _dash(str(r.get("dash") or ""))
            _lines(ax, [r["route"]], colors="white", linewidths=3.2, zorder=4)
            _lines(
                ax, [r["route"]], colors=r["colour"], linewidths=1.9, linestyles=[style], zorder=5
            )
        cps = network.checkpoints
        ax.scatter(
            cps.geometry.x,
            cps.geometry.y,
            s=5,
            facecolors="white",
            edgecolors="#1b3d1b",
            linewidths=0.6,
            zorder=6,
        )
        _overview_bases(ax, routes)
        _map_frame(ax, cx, cy, span_x, span_y)
        _overview_legend(fig, t)
        _north_arrow(ax, t["north"])
        _scale_bar(ax, cx - span_x / 2, cy - span_y / 2, span_x, span_y, t["km"])
        return _svg(fig)


def _overview_bases(ax: Axes, routes: Sequence[dict[str, Any]]) -> None:
    """Each team's base in its colour, labelled with the team id."""
    for r in routes:
        base = r["base"]
        if base is None or shapely.is_empty(base):
            continue
        ax.plot(base.x, base.y, marker="s", ms=5.5, mfc=r["colour"], mec="white", mew=1.0, zorder=8)
        ax.annotate(
            str(r["team"]),
            (base.x, base.y),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=6.5,
            color="#111111",
            zorder=9,
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": r["colour"], "lw": 0.6},
        )


def _overview_legend(fig: Figure, t: dict[str, str]) -> None:
    """The overview map's legend, one row below the map."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=BORDER_COLOUR, lw=1.8, label=t["legend_border"]),
        Line2D([], [], color=GAP_SHADE, lw=6, alpha=0.35, label=t["legend_gap"]),
        Line2D([], [], color="#555555", lw=1.9, label=t["legend_routes"]),
        Line2D([], [], ls="", marker="o", ms=3.5, mfc="white", mec="#1b3d1b", label=t["legend_cp"]),
        Line2D([], [], ls="", marker="s", ms=5, mfc="#555555", mec="white", label=t["legend_base"]),
    ]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=5,
        fontsize=7,
        frameon=False,
        handlelength=1.8,
    )


def _arrows(ax: Axes, route: Any, colour: str, span_m: float) -> None:
    """Direction arrows along the route (about ten over the loop)."""
    length = float(route.length)
    if length <= 0:
        return
    n = int(min(12, max(3, length / (span_m / 6))))
    for k in range(n):
        d = (k + 0.5) * length / n
        a = route.interpolate(max(d - 1.0, 0.0))
        b = route.interpolate(min(d + 1.0, length))
        if a.equals(b):
            continue
        ax.annotate(
            "",
            xy=(b.x, b.y),
            xytext=(a.x, a.y),
            arrowprops={
                "arrowstyle": "-|>,head_length=0.7,head_width=0.4",
                "color": colour,
                "lw": 0,
                "mutation_scale": 10,
            },
            zorder=6,
        )


def _north_arrow(ax: Axes, label: str) -> None:
    # the projected CRS is UTM: grid north is up (convergence is under 2 degrees here)
    ax.annotate(
        "",
        xy=(0.94, 0.95),
        xytext=(0.94, 0.83),
        xycoords="axes fraction",
        arrowprops={
            "arrowstyle": "-|>,head_length=0.8,head_width=0.45",
            "color": "black",
            "lw": 1.4,
        },
        zorder=10,
    )
    ax.text(
        0.94,
        0.80,
        label,
        transform=ax.transAxes,
        ha="center",
        va="top",
        fontsize=9,
        zorder=10,
    )


def _scale_bar(ax: Axes, x0: float, y0: float, span_x: float, span_y: float, km: str) -> None:
    from matplotlib.patches import Rectangle

    length = _nice_length(span_x)
    x, y = x0 + 0.05 * span_x, y0 + 0.06 * span_y
    h = 0.012 * span_y
    ax.add_patch(
        Rectangle((x, y), length / 2, h, facecolor="black", edgecolor="black", lw=0.8, zorder=10)
    )
    ax.add_patch(
        Rectangle(
            (x + length / 2, y),
            length / 2,
            h,
            facecolor="white",
            edgecolor="black",
            lw=0.8,
            zorder=10,
        )
    )
    text = f"{length / 1000:g} {km}" if length >= 1000 else f"{length:g} m"
    ax.text(
        x + length / 2,
        y + 1.8 * h,
        text,
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=10,
        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
    )
