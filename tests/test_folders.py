"""Nothing lost, nothing escapes (issue #22, files and folders): ids are data, never paths;
output folders keep every file that borderwatch did not write; faults (read-only, disk full,
permission, a folder where a file is expected, far dates, FIFOs) are clear errors with the old
output intact. Messages are pinned.

The disk-full and read-only cases mount a small tmpfs (root only, as in CI); elsewhere they skip.
Tests that run whole commands (1.5-7 s each) are marked slow; the rest take ~13 s together.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderwatch.atomic import (
    MARKER,
    atomic_folder,
    foreign_files,
    id_problem,
    input_file,
    not_regular,
    read_marker,
    safe_name,
)
from borderwatch.cli import app
from borderwatch.errors import BorderwatchError, OutputWriteError
from tests.helpers import write_toy_scenario

runner = CliRunner()
NIGHT = ("--night", "2026-12-01")
FAST = ("--max-iterations", "5", "--time-limit", "5")


def _tree(root: Path) -> dict[str, bytes | str]:
    """Every path under ``root`` (files by content, links by target, folders as 'dir')."""
    out: dict[str, bytes | str] = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = f"-> {p.readlink()}"
        elif p.is_dir():
            out[rel] = "dir"
        elif p.is_file():
            out[rel] = p.read_bytes()
        else:
            out[rel] = "special"
    return out


def _run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


# --- ids ---------------------------------------------------------------------------------------

BAD_IDS = [
    ("../../X", "holds '/', which an id may not hold"),
    ("/etc/passwd", "holds '/', which an id may not hold"),
    ("a\\b", "holds '\\\\', which an id may not hold"),
    ("..", "starts or ends with '.'"),
    (".hidden", "starts or ends with '.'"),
    ("T1.", "starts or ends with '.'"),
    ("", "empty"),
    ("x\x00y", "holds 'U+0000', which an id may not hold"),
    ("T 01", "holds 'U+0020', which an id may not hold"),
    ("T01\n", "holds 'U+000A', which an id may not hold"),
    ("a:b", "holds ':', which an id may not hold"),
    ("CON", "a reserved device name"),
    ("nul.txt", "a reserved device name"),
    ("x" * 65, "65 characters, more than 64"),
]
GOOD_IDS = ["T01", "巡逻一队", "S01-001", "cp_7.b", "Équipe-2", "x" * 64, "ท่าช้าง"]


@pytest.mark.parametrize(("value", "problem"), BAD_IDS)
def test_bad_ids_are_named(value: str, problem: str) -> None:
    assert id_problem(value) == problem
    with pytest.raises(BorderwatchError) as info:
        safe_name(value, ".gpx", what="team id")
    assert str(info.value) == (
        f"team id {value!r} cannot be part of a file name: {problem}; an id is 1-64 letters "
        "(any script, e.g. 巡逻一队), digits, '-', '_' or '.'; not starting or ending with '.'; "
        "not a reserved device name (CON, NUL, COM1, ...)"
    )


@pytest.mark.parametrize("value", GOOD_IDS)
def test_good_ids_make_plain_file_names(value: str) -> None:
    assert id_problem(value) is None
    assert safe_name(value, ".gpx") == f"{value}.gpx"
    assert safe_name(value, ".ics", prefix="team-") == f"team-{value}.ics"


HOSTILE = ["../../X", "/tmp/abs-X", "a/b", ".hidden", "..", "NUL"]


def _set_id(folder: Path, file: str, value: str) -> None:
    path = folder / file
    lines = path.read_text(encoding="utf-8").splitlines()
    head, first, *rest = lines
    first = ",".join([f'"{value}"', *first.split(",")[1:]])
    path.write_text("\n".join([head, first, *rest]) + "\n", encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("file", ["teams.csv", "checkpoints.csv"])
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_ids_stop_every_command_and_nothing_is_written(
    tmp_path: Path, file: str, value: str
) -> None:
    root = tmp_path / "a" / "b"
    scn = write_toy_scenario(root / "scn")
    _set_id(scn, file, value)
    before = _tree(tmp_path)
    commands = [
        ("scenario", "validate", scn),
        ("plan", scn, "--out", root / "out", *NIGHT, *FAST, "--no-map"),
        ("gaps", scn, "--out", root / "gaps", "--no-map"),
        ("site", scn, "--add", "1", "--out", root / "site", "--no-map"),
    ]
    for args in commands:
        code, output = _run(*args)
        assert code == 2, (args, output)
        assert f"{file}, field 'id', value {value!r}: row 2: not an id (" in output, output
    assert _tree(tmp_path) == before  # nothing written anywhere, above --out included
    assert not Path("/tmp/abs-X.gpx").exists()


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_person_ids_stop_the_roster(tmp_path: Path, value: str) -> None:
    root = tmp_path / "a" / "b"
    scn = write_toy_scenario(root / "scn")
    (scn / "people.csv").write_text(
        "id,name,role,team,township,leave,source\n"
        f"P1,A,team_member,T1,Aidian,,\n{value},B,checkpoint_staff,,Aidian,,\n",
        encoding="utf-8",
    )
    before = _tree(tmp_path)
    code, output = _run("roster", "--week", "2026-W49", scn, "--out", root / "out")
    assert code == 2, output
    assert f"people.csv, field 'id', value {value!r}: row 3: not an id (" in output, output
    after = _tree(tmp_path)  # the history folder's lock file only, inside --out
    assert {k: v for k, v in after.items() if not k.startswith("a/b/out")} == before
    assert sorted(set(after) - set(before)) in ([], ["a/b/out", "a/b/out/.lock"])


def test_hostile_batch_label(tmp_path: Path) -> None:
    from borderwatch.batch.spec import load_spec

    spec = tmp_path / "spec.toml"
    spec.write_text(
        'job = "gaps"\n[[scenario]]\nname = "ningming"\nlabel = "../up"\n', encoding="utf-8"
    )
    with pytest.raises(BorderwatchError, match="a scenario label names a folder: it is an id"):
        load_spec(spec)


# --- output folders ----------------------------------------------------------------------------


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    return write_toy_scenario(tmp_path / "scn")


@pytest.mark.slow
def test_a_foreign_folder_is_refused_and_kept_under_force(toy: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    (out / "sub").mkdir(parents=True)
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    (out / "summary.json").write_text("{}", encoding="utf-8")  # a name is no marker
    (out / "sub" / "photo.jpg").write_bytes(b"\xff\xd8")
    (out / "empty").mkdir()
    mine = _tree(out)
    code, output = _run("gaps", toy, "--out", out, "--no-map")
    assert code == 4
    assert (
        f"{out}: --out is not empty and is no borderwatch output folder (no .borderwatch.json); "
        "it holds empty/, notes.txt, sub/photo.jpg, summary.json. Use --force to write into it"
    ) in output.replace("\n", "")
    assert _tree(out) == mine
    code, output = _run("gaps", toy, "--out", out, "--no-map", "--force")
    assert code == 0, output
    after = _tree(out)
    for name in ("notes.txt", "sub/photo.jpg", "empty"):
        assert after[name] == mine[name]  # foreign files kept
    assert after["summary.json"] != b"{}"  # a file of the name the command writes: replaced
    marker = read_marker(out)
    assert marker is not None and marker["kind"] == "gaps"
    assert "notes.txt" not in marker["files"] and "summary.json" in marker["files"]
    assert foreign_files(out) == ["empty/", "notes.txt", "sub/photo.jpg"]
    # again without --force: our folder; the foreign files stay; files of the old run go
    code, output = _run("gaps", toy, "--out", out, "--no-map")
    assert code == 0, output
    assert foreign_files(out) == ["empty/", "notes.txt", "sub/photo.jpg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "scn"]  # no staging left


@pytest.mark.slow
def test_another_kind_needs_force(toy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run("gaps", toy, "--out", out, "--no-map")[0] == 0
    code, output = _run("site", toy, "--add", "1", "--out", out, "--no-map")
    assert code == 4
    assert f"{out}: --out holds the output of `gaps`, not `site`; use --force" in output
    code, output = _run("site", toy, "--add", "1", "--out", out, "--no-map", "--force")
    assert code == 0, output
    assert read_marker(out)["kind"] == "site"  # type: ignore[index]
    assert not (out / "units.gpkg").exists()  # the gaps run's files went with it


@pytest.mark.parametrize("where", ["same", "inside", "parent"])
def test_out_is_never_the_scenario_folder(toy: Path, where: str) -> None:
    out = {"same": toy, "inside": toy / "out", "parent": toy.parent}[where]
    before = _tree(toy.parent)
    code, output = _run("plan", toy, "--out", out, *NIGHT, *FAST, "--force")
    assert code == 2
    assert (
        f"{out}: --out may not be, contain or lie inside the scenario folder {toy.resolve()}, "
        "which this command reads; give another folder"
    ) in output.replace("\n", "")
    assert _tree(toy.parent) == before


@pytest.mark.slow
def test_a_symlinked_out_is_followed(toy: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    for _ in range(2):
        code, output = _run("gaps", toy, "--out", link, "--no-map")
        assert code == 0, output
    assert link.is_symlink() and link.readlink() == real
    assert (real / "summary.json").is_file() and (real / MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real", "scn"]


def test_brief_keeps_the_plan_folder_and_drops_its_own_old_pair(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    with atomic_folder(out, kind="plan") as st:
        (st / "plan.json").write_text("{}")
        (st / "brief.pdf").write_text("old pdf")
    (out / "notes.txt").write_text("mine")
    with atomic_folder(out, kind="brief", keep="all", drop=("brief.html", "brief.pdf")) as st:
        (st / "brief.html").write_text("new html")  # no PDF this time: the old one must go
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "brief.html", "notes.txt", "plan.json"]
    marker = read_marker(out)
    assert marker == {**marker, "kind": "plan", "files": ["brief.html", "plan.json"]}  # type: ignore[dict-item]


def test_a_foreign_file_in_the_way_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "gpx").write_text("a file where the output writes a folder")
    with (
        pytest.raises(
            BorderwatchError,
            match="cannot keep 'gpx': this run writes a file or folder of that name",
        ),
        atomic_folder(out, kind="plan") as st,
    ):
        (st / "gpx").mkdir()
        (st / "gpx" / "T1.gpx").write_text("x")
    assert (out / "gpx").read_text() == "a file where the output writes a folder"


@pytest.mark.slow
def test_map_never_replaces_a_map_without_force(toy: Path, tmp_path: Path) -> None:
    out = tmp_path / "gaps"
    assert _run("gaps", toy, "--out", out)[0] == 0
    first = (out / "map.html").read_bytes()
    code, output = _run("map", out, "--lang", "en")
    assert code == 4
    assert (
        f"{out / 'map.html'}: exists already; use --force to replace it, or --out/--png" in output
    )
    assert (out / "map.html").read_bytes() == first
    code, output = _run("map", out, "--out", tmp_path)
    assert code == 2
    assert f"{tmp_path}: --out is a folder; give the name of a file, e.g." in output
    code, output = _run("map", out, "--lang", "en", "--out", out / "map-en.html")
    assert code == 0, output
    assert (out / "map.html").read_bytes() == first
    code, output = _run("map", out, "--lang", "en", "--force")
    assert code == 0, output
    assert "map.html" in read_marker(out)["files"]  # type: ignore[index]


def test_a_map_written_into_an_output_folder_goes_with_its_next_run(
    toy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "gaps"
    assert _run("gaps", toy, "--out", out, "--no-map")[0] == 0
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # a user's file
    code, output = _run("map", out, "--lang", "en", "--out", out / "extra" / "map-en.html")
    assert code == 0, output
    marker = read_marker(out)
    assert marker is not None and marker["kind"] == "gaps"  # the folder's kind stays
    assert "extra/map-en.html" in marker["files"]
    assert _run("gaps", toy, "--out", out, "--no-map")[0] == 0  # the next run's folder
    assert not (out / "extra").exists()  # no map of the old run beside the new files
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    code, output = _run("map", out, "--out", tmp_path / "elsewhere.html")
    assert code == 0, output
    assert (tmp_path / "elsewhere.html").is_file()  # a file elsewhere: written on its own


@pytest.mark.slow
def test_a_png_into_an_output_folder_is_written_beside_a_map_elsewhere(
    toy: Path, tmp_path: Path
) -> None:
    from borderwatch.maps.io import find_chromium

    try:
        find_chromium()
    except BorderwatchError:
        pytest.skip("no chromium")
    out = tmp_path / "gaps"
    assert _run("gaps", toy, "--out", out, "--no-map")[0] == 0
    html, png = tmp_path / "elsewhere.html", out / "shots" / "map.png"
    code, output = _run("map", out, "--lang", "en", "--out", html, "--png", png)
    assert code == 0, output
    assert html.is_file()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # was not written at all
    assert "shots/map.png" in read_marker(out)["files"]  # type: ignore[index]


def test_network_export_file_checks(toy: Path, tmp_path: Path) -> None:
    code, output = _run("network", "export", toy, "--gpkg", tmp_path)
    assert code == 2
    assert f"{tmp_path}: --gpkg is a folder; give the name of a file, e.g." in output
    target = tmp_path / "net.gpkg"
    target.write_bytes(b"mine")
    code, output = _run("network", "export", toy, "--gpkg", target)
    assert code == 4 and f"{target}: exists already; use --force to replace it" in output
    assert target.read_bytes() == b"mine"


# --- faults ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` up to ``leave`` bytes free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    with (folder / ".filler").open("wb") as fh, contextlib.suppress(OSError):
        fh.write(b"\0" * max(free - leave, 0))


@pytest.mark.slow
def test_read_only_output_keeps_the_old_folder(toy: Path, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "mnt", "4m") as mnt:
        out = mnt / "gaps"
        assert _run("gaps", toy, "--out", out, "--no-map")[0] == 0
        old = _tree(out)
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        code, output = _run("gaps", toy, "--out", out, "--no-map")
        assert code == 4
        assert (
            f"{out}: cannot write the output: read-only file system [Errno 30]" in output
            and "the old output is left as it was" in output
        ), output
        assert _tree(out) == old


@pytest.mark.slow
def test_disk_full_keeps_the_old_folder(toy: Path, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "mnt", "2m") as mnt:
        out = mnt / "gaps"
        assert _run("gaps", toy, "--out", out, "--no-map")[0] == 0
        old = _tree(out)
        _fill(mnt, 40_000)
        code, output = _run("gaps", toy, "--out", out, "--no-map")
        assert code == 4, output
        assert f"{out}: cannot write the output: no space left on the device (disk full" in output
        assert _tree(out) == old
        assert sorted(p.name for p in mnt.iterdir()) == [".filler", "gaps"]


def test_disk_full_in_network_export(toy: Path, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "mnt", "1m") as mnt:
        target = mnt / "net.gpkg"
        _fill(mnt, 30_000)
        code, output = _run("network", "export", toy, "--gpkg", target)
        assert code == 4, output
        assert f"{target}: cannot write the output: no space left on the device" in output
        assert sorted(p.name for p in mnt.iterdir()) == [".filler"]


@pytest.mark.slow
def test_permission_denied_is_a_clear_error(
    toy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "gaps"
    assert _run("gaps", toy, "--out", out, "--no-map")[0] == 0
    old = _tree(out)

    def denied(*args: object, **kwargs: object) -> str:
        raise PermissionError(errno.EACCES, "Permission denied", str(out.parent))

    monkeypatch.setattr("borderwatch.atomic.tempfile.mkdtemp", denied)
    code, output = _run("gaps", toy, "--out", out, "--no-map")
    assert code == 4
    assert f"{out}: cannot write the output: permission denied [Errno 13] ({out.parent})" in output
    assert _tree(out) == old


def test_output_error_maps_errnos() -> None:
    for number, words in [
        (errno.ENOSPC, "no space left on the device (disk full)"),
        (errno.EROFS, "read-only file system"),
        (errno.EACCES, "permission denied"),
        (errno.EDQUOT, "disk quota exceeded"),
    ]:
        from borderwatch.atomic import output_error

        error = output_error(OSError(number, os.strerror(number), "/x/y"), "/x")
        assert isinstance(error, OutputWriteError) and error.exit_code == 4
        assert str(error) == (
            f"/x: cannot write the output: {words} [Errno {number}] (/x/y); "
            "the old output is left as it was"
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--night", "9999-12-31"),
            "option '--night', value '9999-12-31': a date of the years 1900-9998",
        ),
        (
            ("--night", "0001-01-01"),
            "option '--night', value '0001-01-01': a date of the years 1900-9998",
        ),
    ],
)
def test_far_nights_are_refused(
    toy: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    code, output = _run("plan", toy, "--out", tmp_path / "out", *args, *FAST)
    assert code == 2
    assert message in output
    assert not (tmp_path / "out").exists()


def test_far_weeks_are_refused() -> None:
    from borderwatch.roster.week import iso_week

    with pytest.raises(BorderwatchError) as info:
        iso_week("9999-W52")
    assert str(info.value) == "option 'week', value '9999-W52': a week of the years 1900-9998"


def test_fifos_and_devices_are_not_files(toy: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "x.gpx"
    os.mkfifo(fifo)
    assert not_regular(fifo) == "is not a regular file but a FIFO (named pipe); give a plain file"
    assert (
        not_regular("/dev/null")
        == "is not a regular file but a character device; give a plain file"
    )
    assert not_regular(tmp_path) == "is a folder, not a file"
    assert not_regular(tmp_path / "missing") is None
    with pytest.raises(BorderwatchError, match="is not a regular file but a FIFO"):
        input_file(fifo, what="GPX file")
    code, output = _run("gaps", toy, "--gpx", fifo, "--out", tmp_path / "g", "--no-map")
    assert code == 2
    assert (
        f"{fifo}, field 'gpx': is not a regular file but a FIFO (named pipe); give a plain file"
        in output
    )
    # a scenario file that is a FIFO: named, never opened (opening it would block)
    (toy / "teams.csv").unlink()
    os.mkfifo(toy / "teams.csv")
    code, output = _run("scenario", "validate", toy)
    assert code == 2
    assert f"{toy / 'teams.csv'}: is not a regular file but a FIFO (named pipe)" in output
    code, output = _run("scenario", "info", toy, "--config", "/dev/null")
    assert code == 2
    assert "/dev/null: config file is not a regular file (a FIFO, device or socket)" in output
    plan = tmp_path / "plan"
    plan.mkdir()
    os.mkfifo(plan / "plan.json")
    from borderwatch.planfiles.folders import read_plan_file

    with pytest.raises(BorderwatchError, match="plan file is not a regular file but a FIFO"):
        read_plan_file(plan)


def test_marker_is_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        with atomic_folder(tmp_path / name, kind="gaps") as st:
            (st / "x.csv").write_text("1")
    assert (tmp_path / "a" / MARKER).read_bytes() == (tmp_path / "b" / MARKER).read_bytes()
    assert json.loads((tmp_path / "a" / MARKER).read_text())["files"] == ["x.csv"]


def test_roster_out_is_never_inside_the_scenario(toy: Path) -> None:
    before = _tree(toy)
    code, output = _run("roster", "--week", "2026-W49", toy, "--out", toy / "rosters")
    assert code == 2
    assert "--out may not be, contain or lie inside the scenario folder" in output
    assert _tree(toy) == before


@pytest.mark.slow
def test_plan_force_keeps_foreign_files_and_drops_its_stale_ones(toy: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, output = _run("plan", toy, "--out", out, *NIGHT, *FAST, "--force")
    assert code == 0, output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "gpx" / "T1.gpx").is_file() and (out / "map.html").is_file()
    assert read_marker(out)["kind"] == "plan"  # type: ignore[index]
    code, output = _run("plan", toy, "--out", out, *NIGHT, *FAST, "--no-map")
    assert code == 0, output  # our folder now: no --force needed
    assert not (out / "map.html").exists()  # the old run's map does not outlive its plan
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_team_sizing_folder_keeps_foreign_files(tmp_path: Path) -> None:
    from borderwatch.plan.sizing import TeamSizing, write_sizing

    out = tmp_path / "teams"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result = TeamSizing(60.0, ("T1", "T2"), {1: 80.0, 2: 50.0}, 2, 50.0, ())
    paths = write_sizing(result, out)
    assert [p.name for p in paths] == ["teams.json", "teams.csv"]
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "notes.txt", "teams.csv", "teams.json"]
    assert read_marker(out)["files"] == ["teams.csv", "teams.json"]  # type: ignore[index]


# --- two runs into one folder ------------------------------------------------------------------


@pytest.mark.slow
def test_a_run_into_a_folder_another_run_is_writing_is_refused_at_its_start(
    toy: Path, tmp_path: Path
) -> None:
    import sys

    out = tmp_path / "out"
    code, output = _run("gaps", toy, "--out", out, "--no-map")
    assert code == 0, output
    before = _tree(out)
    holder = (  # another process that claimed the folder, as a running command does
        "import time; from borderwatch.atomic import claim_output\n"
        f"claim_output({str(out)!r}); print('claimed', flush=True); time.sleep(30)\n"
    )
    other = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "claimed"
        code, output = _run("gaps", toy, "--out", out, "--no-map")
        assert code == 4
        assert f"another borderwatch run (pid {other.pid}) is writing here" in output
        assert _tree(out) == before
    finally:
        other.kill()
        other.wait()
    # the other run died: its claim is stale, this run goes on and leaves no claim behind
    code, output = _run("gaps", toy, "--out", out, "--no-map")
    assert code == 0, output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "scn"]


@pytest.mark.slow  # ~0.6-0.9 s: the quick loop stays under a minute
def test_a_run_into_a_new_folder_another_run_claimed_is_refused_at_its_start(
    toy: Path, tmp_path: Path
) -> None:
    """--out new/dir/out, whose parents do not exist yet: the first run's claim makes them (as
    its writer would) and holds, so a second run is refused at its start (both ran and the
    second was refused only when it wrote); the refused run leaves the first's claim."""
    import sys

    out = tmp_path / "new" / "dir" / "out"
    holder = (  # a run that claimed the folder, as a running command does
        "import time; from borderwatch.atomic import claim_output\n"
        f"claim_output({str(out)!r}); print('claimed', flush=True); time.sleep(30)\n"
    )
    other = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "claimed"
        code, output = _run("gaps", toy, "--out", out, "--no-map")
        assert code == 4, output
        assert f"another borderwatch run (pid {other.pid}) is writing here" in output
        assert not out.exists()
        (claim,) = out.parent.iterdir()  # the first run's claim, kept
        assert claim.name.startswith(f".out.staging-{other.pid}-")
    finally:
        other.kill()
        other.wait()
