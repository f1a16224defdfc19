"""``borderwatch cache info | clear`` on a real cache folder."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderwatch.cli import app
from borderwatch.data import road_cache as rc
from tests.data.test_cache_limit import shared_group

runner = CliRunner()


def _fill(cache: Path) -> dict[str, list[Path]]:
    """Two entries of each kind (values of 1,000 bytes), a user's file in each folder."""
    made: dict[str, list[Path]] = {}
    for n, kind in enumerate(rc.KINDS):
        for i in (2 * n, 2 * n + 1):
            rc.cached_computation(kind, f"{i:064x}", lambda: bytes(1000), "value")
            made.setdefault(kind, []).append(cache / kind / f"{i:064x}.pickle")
        (cache / kind / "mine.txt").write_text("a user's file", encoding="utf-8")
    (cache / "mine.txt").write_text("a user's file", encoding="utf-8")
    return made


def test_info_on_a_missing_folder(cache: Path) -> None:
    result = runner.invoke(app, ["cache", "info"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"cache folder: {cache} (not made yet)"
    assert lines[1] == "state: used"
    assert lines[2].split() == ["kind", "entries", "size"]
    assert [x.split() for x in lines[3:8]] == [
        [kind, "0", "0", "B"] for kind in (*rc.KINDS, "total")
    ]
    assert lines[8].split() == ["limit", "2.0", "GiB", "(default)"]
    assert not cache.exists()  # info makes nothing


def test_info_counts_entries_per_kind(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _fill(cache)
    size = made["roads"][0].stat().st_size
    monkeypatch.setenv(rc.MAX_ENV, "500M")
    result = runner.invoke(app, ["cache", "info", "--json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    assert facts["folder"] == str(cache) and facts["exists"] and facts["on"]
    assert facts["problem"] is None
    assert facts["kinds"] == {k: {"entries": 2, "bytes": 2 * size} for k in rc.KINDS}
    assert (facts["entries"], facts["bytes"]) == (8, 8 * size)
    assert (facts["limit_bytes"], facts["limit_from"]) == (500 * 1024**2, f"{rc.MAX_ENV}=500M")
    text = runner.invoke(app, ["cache", "info"]).stdout.splitlines()
    assert text[3].split() == ["roads", "2", f"{2 * size / 1024:.1f}", "KiB"]
    assert text[7].split() == ["total", "8", f"{8 * size / 1024:.1f}", "KiB"]
    assert text[8].split() == ["limit", "500.0", "MiB", f"({rc.MAX_ENV}=500M)"]
    monkeypatch.setenv(rc.MAX_ENV, "4K")  # 8 entries of ~1 kB: over it
    text = runner.invoke(app, ["cache", "info"]).stdout.splitlines()
    assert text[8].endswith(f"4.0 KiB ({rc.MAX_ENV}=4K; over it: the next write trims)")


def test_info_says_when_the_cache_is_off_or_not_safe(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(cache)
    shared_group(cache / "matchings")
    (cache / "matchings").chmod(0o770)
    result = runner.invoke(app, ["cache", "info"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        f"state: not used in part: {cache / 'matchings'} is writable by its group (mode 0770), "
        "its entries are neither read nor written (make it yours and 0700)"
    )
    monkeypatch.setenv(rc.NO_CACHE_ENV, "1")
    result = runner.invoke(app, ["cache", "info"])
    assert result.stdout.splitlines()[1] == (
        f"state: off ({rc.NO_CACHE_ENV}=1): nothing is read or written"
    )
    assert result.stdout.splitlines()[7].split()[:2] == ["total", "8"]  # still counted


def test_clear_removes_the_cache_entries_only(cache: Path) -> None:
    made = _fill(cache)
    size = sum(p.stat().st_size for paths in made.values() for p in paths)
    result = runner.invoke(app, ["cache", "clear"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"removed 8 files ({size / 1024:.1f} KiB) from {cache}: "
        "roads 2, derived 2, matchings 2, key-tables 2"
    )
    assert sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()) == [
        "derived/mine.txt",
        "key-tables/mine.txt",
        "matchings/mine.txt",
        "mine.txt",
        "roads/mine.txt",
    ]
    again = runner.invoke(app, ["cache", "clear"])
    assert again.exit_code == 0 and again.stdout.strip() == f"nothing to remove in {cache}"


def test_clear_by_kind_and_with_the_cache_off(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _fill(cache)
    monkeypatch.setenv(rc.NO_CACHE_ENV, "1")
    result = runner.invoke(app, ["cache", "clear", "--kind", "matchings", "--kind", "roads"])
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith(": roads 2, matchings 2")
    assert not any(p.exists() for p in made["matchings"] + made["roads"])
    assert all(p.exists() for p in made["derived"] + made["key-tables"])


def test_clear_refuses_an_unknown_kind(cache: Path) -> None:
    made = _fill(cache)
    result = runner.invoke(app, ["cache", "clear", "--kind", "graphs"])
    assert result.exit_code == 2
    assert "--kind" in result.stderr and "allowed: roads, derived, matchings, key-tables" in (
        result.stderr
    )
    assert all(p.exists() for paths in made.values() for p in paths)


def test_clear_leaves_a_write_under_way(cache: Path) -> None:
    _fill(cache)
    running = cache / "roads" / f".{1:064x}.pickle.{os.getpid()}.abc123_x.tmp.pickle"
    dead = cache / "roads" / f".{2:064x}.pickle.99999.abc123_y.tmp.pickle"
    for path in (running, dead):
        path.write_bytes(b"part")
    old = time.time() - 2 * rc.STALE_TEMP_S
    os.utime(dead, (old, old))
    result = runner.invoke(app, ["cache", "clear"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("removed 9 files")
    assert "1 temporary files of writes under way left" in result.stderr
    assert running.exists() and not dead.exists()


@pytest.mark.slow
def test_a_command_on_a_cache_others_can_write_says_so_once(cache: Path, toy_dir: Path) -> None:
    """Through the program, as a user sees it: one warning line, the same output."""
    import subprocess
    import sys

    def info() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "borderwatch", "scenario", "info", str(toy_dir), "--json"]
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)

    first = info()
    assert first.returncode == 0, first.stderr
    entries = sorted(cache.rglob("*.pickle"))  # the road graph, its tables
    assert len(entries) == 2
    cache.chmod(0o757)
    again = info()
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)
    assert [x for x in again.stderr.splitlines() if x.startswith("warning:")] == [
        f"warning: borderwatch cache not used: {cache} is writable by every user (mode 0757), "
        "so others could make borderwatch run code as you; computing without it (make the "
        f"folder yours and 0700, or set {rc.CACHE_ENV} to another folder)"
    ]
    assert sorted(cache.rglob("*.pickle")) == entries  # nothing written there


def test_info_and_clear_of_a_cache_under_a_file(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file where a folder of the cache's path should be: ``info`` says the cache is not
    reachable and why (it said 'not readable ... make it yours and 0700'), exit 0;
    ``clear`` one error line, exit 4."""
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(rc.CACHE_ENV, str(tmp_path / "file" / "cache"))
    result = runner.invoke(app, ["cache", "info"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"cache folder: {tmp_path / 'file' / 'cache'}",
        f"state: not reachable: {tmp_path / 'file'} is a file, not a folder; nothing is read "
        "or written",
        "limit                   2.0 GiB (default)",
    ]
    facts = json.loads(runner.invoke(app, ["cache", "info", "--json"]).stdout)
    assert (facts["exists"], facts["unreachable"], facts["problem"]) == (
        False,
        f"{tmp_path / 'file'} is a file, not a folder",
        None,
    )
    result = runner.invoke(app, ["cache", "clear"])
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == (
        f"error: cannot clear {tmp_path / 'file' / 'cache'}: not reachable: "
        f"{tmp_path / 'file'} is a file, not a folder\n"
    )


# `cache info` and `cache clear` as a user who cannot enter the folder above the cache (as
# root: user nobody, its imports made first as root; else the folder is made 000)
_INFO_AS_OTHER = """
import os, sys
from typer.testing import CliRunner
from borderwatch.cli import app
runner = CliRunner()
for command in (["cache", "info"], ["cache", "info", "--json"], ["cache", "clear"]):
    runner.invoke(app, command)  # every import made (the interpreter's files may be root's)
os.environ["BORDERWATCH_CACHE_DIR"] = sys.argv[1]
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
for command in (["cache", "info"], ["cache", "clear"]):
    result = runner.invoke(app, command)
    print(result.exit_code, repr(result.stdout), repr(result.stderr))
"""


@pytest.mark.slow
def test_info_of_a_cache_under_a_folder_the_user_cannot_enter(tmp_path: Path) -> None:
    """``BORDERWATCH_CACHE_DIR=/root/x/cache`` for a user who cannot enter /root: ``info``
    died with exit 4 ('cannot write the output: permission denied'); now its state line says
    the cache is not reachable and which folder is in the way, exit 0."""
    import subprocess
    import sys

    top = Path(tempfile.mkdtemp(prefix="bw-cache-unreachable-"))  # pytest's is root's 0700
    home = top / "home"
    (home / "x").mkdir(parents=True)
    top.chmod(0o755)
    home.chmod(0o700 if os.geteuid() == 0 else 0)
    cache = home / "x" / "cache"
    env = {**os.environ, rc.CACHE_ENV: str(tmp_path / "warm")}
    env.pop(rc.NO_CACHE_ENV, None)
    env.pop(rc.MAX_ENV, None)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _INFO_AS_OTHER, str(cache)], env=env, capture_output=True,
            text=True, timeout=120, check=False,
        )  # fmt: skip
    finally:
        home.chmod(0o700)
        shutil.rmtree(top)
    assert done.returncode == 0, done.stderr
    info, clear = done.stdout.splitlines()
    owner, mode = (0, "0700") if os.geteuid() == 0 else (os.geteuid(), "0000")
    why = f"{home} cannot be entered by you (owned by uid {owner}, mode {mode})"
    assert info == repr_line(
        0,
        f"cache folder: {cache}\nstate: not reachable: {why}; nothing is read or written\n"
        "limit                   2.0 GiB (default)\n",
        "",
    )
    assert clear == repr_line(4, "", f"error: cannot clear {cache}: not reachable: {why}\n")


def repr_line(code: int, stdout: str, stderr: str) -> str:
    """A line the script above prints of one command."""
    return f"{code} {stdout!r} {stderr!r}"
