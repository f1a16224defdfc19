"""A replayable night: the plan's own GPX gives the plan's coverage; noisy and holed tracks."""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from pathlib import Path

import gpxpy
import gpxpy.gpx
import numpy as np
import pytest
from typer.testing import CliRunner

from borderwatch import build_network, load_scenario
from borderwatch.cli import app
from borderwatch.config import SearchParams
from borderwatch.coverage import CoverageError, revisits
from borderwatch.coverage.gpx import gpx_files, timeline_from_gpx
from borderwatch.jobs import run_plan

# every test replays the GPX of a generated scenario planned once for the module (several s)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("scn") / "s20"
    made = CliRunner().invoke(
        app, ["scenario", "generate", "--border-km", "20", "--seed", "3", "--out", str(folder)]
    )
    assert made.exit_code == 0, made.output
    net = build_network(load_scenario(folder))
    out = tmp_path_factory.mktemp("plan")
    plan, _summary = run_plan(
        net,
        out,
        night=date(2026, 12, 1),
        map_html=False,
        search=SearchParams(max_iterations=100, seed=0),
    )
    return net, plan, out


def _passed(table) -> np.ndarray:
    return table["n_passes"].to_numpy() > 0


def test_gpx_points_lie_inside_each_crews_duty(planned) -> None:
    """The window's points from 20:00 to 06:00; before and after them the drives out and home."""
    import json
    from datetime import datetime

    net, plan, out = planned
    gpx = gpxpy.parse((out / "routes.gpx").read_text(encoding="utf-8"))
    assert [t.name.split()[0] for t in gpx.tracks] == [r.team for r in plan.routes if r.on_patrol]
    duty = {
        r["team"]: r["variants"][0]
        for r in json.loads((out / "plan.json").read_text(encoding="utf-8"))["routes"]
    }
    window = timedelta(minutes=net.config.night_minutes)
    for track in gpx.tracks:
        own = duty[track.name.split()[0]]
        times = [p.time for s in track.segments for p in s.points]
        leave, on, off, back = (
            datetime.fromisoformat(own[k])
            for k in ("leave_base", "on_loop", "off_loop", "back_base")
        )
        assert on.isoformat().startswith("2026-12-01T20:00:00") and off - on == window
        assert on in times and off in times
        assert leave <= min(times) and max(times) <= back
        assert min(times) - leave < timedelta(minutes=1) and back - max(times) < timedelta(
            minutes=1
        )


def test_replaying_the_plans_gpx_gives_the_plans_coverage(planned) -> None:
    net, plan, out = planned
    want = _passed(plan.revisits)
    for source in ([out / "routes.gpx"], [out / "gpx"], sorted((out / "gpx").glob("*.gpx"))):
        tl = timeline_from_gpx(net, source)
        assert set(tl.teams) == {r.team for r in plan.routes if r.on_patrol}
        got = _passed(revisits(net, tl))
        assert int((got != want).sum()) <= 1, source  # within one unit
    # the worst revisit of the replay is the plan's, within the densification step
    replay = revisits(net, timeline_from_gpx(net, [out / "routes.gpx"]))
    both = want & _passed(replay)
    diff = np.abs(
        replay["worst_revisit_min"].to_numpy()[both]
        - plan.revisits["worst_revisit_min"].to_numpy()[both]
    )
    assert np.median(diff) < 1.0


def test_a_plan_folders_tracks_replay_without_stray_warnings(planned) -> None:
    """The whole-night tracks' drives out and home are the duty, not strays (gaps, API, re-plan)."""
    from borderwatch.errors import BorderwatchWarning
    from borderwatch.planfiles.reload import gpx_duty_margins

    net, _plan, out = planned
    lead, tail = gpx_duty_margins([out / "gpx"])
    assert tail > 0 and (lead, tail) == gpx_duty_margins(sorted((out / "gpx").glob("*.gpx")))
    assert gpx_duty_margins([out / "routes.gpx"]) == (lead, tail)
    with pytest.warns(BorderwatchWarning, match="outside the night"):
        timeline_from_gpx(net, [out / "gpx"])  # without them the drive home is a stray
    with warnings.catch_warnings():
        warnings.simplefilter("error", BorderwatchWarning)
        timeline_from_gpx(net, [out / "gpx"], lead_min=lead, tail_min=tail)


def _perturbed(
    src: Path, dst: Path, *, noise_m: float = 0.0, hole: tuple[float, float] | None = None
) -> Path:
    gpx = gpxpy.parse(src.read_text(encoding="utf-8"))
    rng = np.random.default_rng(1)
    t0 = min(p.time for t in gpx.tracks for s in t.segments for p in s.points)
    for trk in gpx.tracks:
        for seg in trk.segments:
            kept = []
            for p in seg.points:
                minutes = (p.time - t0).total_seconds() / 60
                if hole and hole[0] <= minutes < hole[1]:
                    continue
                p.latitude += float(rng.uniform(-noise_m, noise_m)) / 111_000
                p.longitude += float(rng.uniform(-noise_m, noise_m)) / (
                    111_000 * np.cos(np.radians(p.latitude))
                )
                kept.append(p)
            seg.points = kept
    dst.write_text(gpx.to_xml(), encoding="utf-8")
    return dst


def test_gps_noise_of_15_m_hardly_changes_the_replay(planned, tmp_path: Path) -> None:
    net, plan, out = planned
    clean = revisits(net, timeline_from_gpx(net, [out / "routes.gpx"]))
    noisy_file = _perturbed(out / "routes.gpx", tmp_path / "noisy.gpx", noise_m=15.0)
    noisy = revisits(net, timeline_from_gpx(net, [noisy_file]))
    assert int((_passed(noisy) != _passed(clean)).sum()) <= 1
    both = _passed(noisy) & _passed(clean)
    # noise moves a pass by the time it takes to drive a few tens of metres; a track grazing
    # the edge of the view radius may gain a pass, so the worst interval can only shrink there
    diff = noisy["worst_revisit_min"].to_numpy()[both] - clean["worst_revisit_min"].to_numpy()[both]
    assert np.median(np.abs(diff)) < 0.5
    # along a road parallel to the border the closest approach is flat: noise may move the
    # timed point along it by minutes, never by a loop
    assert np.abs(diff).max() < 0.25 * plan.max_loop_min


def test_a_logging_gap_is_not_bridged(planned, tmp_path: Path) -> None:
    net, _plan, out = planned
    hole = (100.0, 160.0)
    holed = _perturbed(out / "routes.gpx", tmp_path / "holed.gpx", hole=hole)
    tl = timeline_from_gpx(net, [holed])
    t = tl.sightings["t"].to_numpy()
    # no pass inside the silence (the straight line between its fixes is not where the team was)
    assert not ((t > hole[0] + 0.5) & (t < hole[1] - 0.5)).any()
    # before and after it the night replays as before
    clean = timeline_from_gpx(net, [out / "routes.gpx"]).sightings
    before = clean[clean["t"] < hole[0] - 5]
    got = tl.sightings[tl.sightings["t"] < hole[0] - 5]
    assert len(got) == len(before)
    # and the revisit of the units only seen in the hole gets longer, not shorter
    r_clean = revisits(net, timeline_from_gpx(net, [out / "routes.gpx"]))
    r_hole = revisits(net, tl)
    assert (
        r_hole["worst_revisit_min"].to_numpy() >= r_clean["worst_revisit_min"].to_numpy() - 1.0
    ).all()
    # with a generous gap rule the hole is bridged again: straight lines, timed passes in it
    bridged = timeline_from_gpx(net, [holed], max_gap_s=3 * 3600).sightings["t"].to_numpy()
    assert ((bridged > hole[0] + 0.5) & (bridged < hole[1] - 0.5)).any()


def test_files_folders_and_team_names(planned, tmp_path: Path) -> None:
    net, _plan, out = planned
    files = gpx_files([out / "gpx", out / "routes.gpx"])
    assert files[-1] == out / "routes.gpx" and all(f.suffix == ".gpx" for f in files)
    with pytest.raises(CoverageError, match=r"holds no \.gpx"):
        gpx_files([tmp_path])
    with pytest.raises(CoverageError, match="not found"):
        gpx_files([tmp_path / "nope.gpx"])
    # a track whose name and file name name no team: the error names the file and the value
    gpx = gpxpy.gpx.GPX()
    trk = gpxpy.gpx.GPXTrack(name="night drive")
    gpx.tracks.append(trk)
    bad = tmp_path / "drive.gpx"
    bad.write_text(gpx.to_xml(), encoding="utf-8")
    with pytest.raises(CoverageError, match=r"drive\.gpx.*names no known team"):
        timeline_from_gpx(net, [bad])


def test_cli_gaps_replays_routes_gpx(planned, tmp_path: Path) -> None:
    import json

    net, plan, out = planned
    result = CliRunner().invoke(
        app,
        [
            "gaps",
            str(net.scenario.source),
            "--criterion",
            "revisit",
            "--gpx",
            str(out / "routes.gpx"),
            "--out",
            str(tmp_path / "g"),
            "--no-map",
        ],
    )
    assert result.exit_code == 0, result.output
    replay = json.loads((tmp_path / "g" / "summary.json").read_text(encoding="utf-8"))
    patrolled_km = float(net.units["length_m"].to_numpy()[_passed(plan.revisits)].sum()) / 1000
    assert replay["border_km"] - replay["never_passed_km"] == pytest.approx(patrolled_km, abs=0.25)
