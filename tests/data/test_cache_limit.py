"""The borderwatch cache's size limit, its clean-up and its refusal of folders others can write."""

from __future__ import annotations

import grp
import logging
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from borderwatch.data import road_cache as rc

NOBODY = 65534


def _key(i: int) -> str:
    return f"{i:064x}"


def _put(kind: str, i: int, size: int = 1000) -> Path:
    """An entry written through the cache (a value of about ``size`` bytes)."""
    rc.cached_computation(kind, _key(i), lambda: bytes(size), f"value {i}")
    return rc.cache_folder() / kind / f"{_key(i)}.pickle"


def _age(path: Path, seconds_ago: float) -> None:
    t = time.time() - seconds_ago
    os.utime(path, (t, t))


def _get(kind: str, i: int) -> tuple[bytes, bool]:
    """The value of entry ``i`` and whether it had to be made (not read from the cache)."""
    made = []

    def make() -> bytes:
        made.append(1)
        return b"made"

    return rc.cached_computation(kind, _key(i), make, f"value {i}"), bool(made)


def test_the_folders_are_made_0700_and_entries_0600(cache: Path) -> None:
    entry = _put("matchings", 1)
    for folder in (cache, cache / "matchings"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_a_read_marks_the_entry_used(cache: Path) -> None:
    entry = _put("matchings", 1)
    _age(entry, 5000)
    before = time.time()
    assert _get("matchings", 1) == (bytes(1000), False)
    assert entry.stat().st_mtime >= before - 1


def test_the_least_recently_used_go_first_and_never_the_newest(cache: Path) -> None:
    old = [_put(kind, i) for i, kind in enumerate(rc.KINDS * 2)]  # 8 entries, 2 per kind
    for n, path in enumerate(old):  # old[0] the least recently used
        _age(path, 10_000 - n)
    _get(rc.KINDS[0], 0)  # old[0] read now: the most recently used of the old ones
    size = old[1].stat().st_size
    newest = _put("key-tables", 99)  # under the default limit: nothing goes
    assert all(p.exists() for p in old)
    # a limit of 6 entries: 9 are there, down to 5 (90 % of 6): the 4 least recently used
    # go (old[1..4]); the one read and the newest stay. `now` an hour later: none is recent
    removed = rc.trim_cache(cache, 6 * size, keep=newest, now=time.time() + 3600)
    assert [e.path for e in removed] == old[1:5]
    assert sorted(p for p in cache.rglob("*.pickle")) == sorted([old[0], *old[5:], newest])
    # a limit below one entry: everything goes but the newest
    rc.trim_cache(cache, 1, keep=newest, now=time.time() + 3600)
    assert list(cache.rglob("*.pickle")) == [newest]


def test_a_write_over_the_limit_trims_and_keeps_what_was_used_just_now(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = [_put("matchings", i, size=4000) for i in range(3)]
    for path in stale:
        _age(path, 600)
    recent = _put("derived", 10, size=4000)  # written just now: kept although older than...
    monkeypatch.setenv(rc.MAX_ENV, "10K")
    newest = _put("roads", 11, size=4000)  # ...the trim this write starts
    assert not any(p.exists() for p in stale)
    assert recent.exists() and newest.exists()
    # a limit of one entry: the newest alone is over it, and stays
    monkeypatch.setenv(rc.MAX_ENV, "1")
    assert _put("roads", 12).exists()


def test_a_process_scans_again_after_a_minute_or_when_its_writes_may_reach_the_limit(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(rc.MAX_ENV, "100K")
    first = _put("matchings", 1)  # scans: ~1 kB
    _age(first, 600)
    other = cache / "roads" / f"{_key(2)}.pickle"  # another process's big entry
    other.parent.mkdir()
    other.write_bytes(bytes(200_000))
    _age(other, 900)
    _put("matchings", 3)  # its own writes keep it under the limit: no scan, both stay
    assert other.exists() and first.exists()
    when, known = rc._known[str(cache)]
    rc._known[str(cache)] = (when - rc.RESCAN_S, known)  # a minute later
    _put("matchings", 4)
    assert not other.exists() and first.exists()  # 203 kB -> 3 kB: the oldest went
    _put("matchings", 5, size=120_000)  # over the limit by itself: scans at once
    assert not first.exists()


def test_files_not_written_by_the_cache_survive_trims_and_clears(cache: Path) -> None:
    kept = _put("roads", 1)
    mine = cache / "notes.txt"
    mine.write_text("a user's file", encoding="utf-8")
    others = [
        cache / "roads" / "my.pickle",
        cache / "roads" / f"{_key(2)}.pickle.bak",
        cache / "roads" / f"{_key(0xABC).upper()}.pickle",
        cache / "elsewhere" / f"{_key(4)}.pickle",
        cache / f"{_key(5)}.pickle",
    ]
    for path in others:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x" * 5000)
    link = cache / "matchings" / f"{_key(6)}.pickle"
    link.parent.mkdir()
    link.symlink_to(mine)
    foreign = cache / "key-tables" / f"{_key(7)}.pickle"  # another user's
    foreign.parent.mkdir()
    foreign.write_bytes(b"y" * 5000)
    os.chown(foreign, NOBODY, NOBODY)
    folder = cache / "derived" / f"{_key(8)}.pickle"
    folder.mkdir(parents=True)
    survivors = [mine, *others, link, foreign, folder]
    for path in survivors:
        os.utime(path, (1, 1), follow_symlinks=False)
    assert [e.path for e in rc.scan_cache(cache).entries] == [kept]
    rc.trim_cache(cache, 0, now=time.time() + 3600)
    assert not kept.exists()
    _put("roads", 1)
    removed = rc.clear_cache(cache)
    assert [e.path for e in removed] == [kept]
    assert all(p.is_symlink() or p.exists() for p in survivors)
    assert mine.read_text(encoding="utf-8") == "a user's file"


def test_a_dead_writers_temporary_file_goes_a_running_ones_stays(cache: Path) -> None:
    _put("roads", 1)
    dead = cache / "roads" / f".{_key(2)}.pickle.4242.abc_12x.tmp.pickle"
    running = cache / "roads" / f".{_key(3)}.pickle.4343.zz9.tmp.pickle"
    for path in (dead, running):
        path.write_bytes(b"part of an entry")
    _age(dead, 2 * rc.STALE_TEMP_S)
    assert len(rc.scan_cache(cache).temporary) == 2
    rc.trim_cache(cache, 10**9)
    assert not dead.exists() and running.exists()
    rc.clear_cache(cache)
    assert running.exists() and not (cache / "roads" / f"{_key(1)}.pickle").exists()


def test_clear_by_kind(cache: Path) -> None:
    entries = {kind: _put(kind, i) for i, kind in enumerate(rc.KINDS)}
    removed = rc.clear_cache(cache, ["matchings", "key-tables"])
    assert sorted(e.kind for e in removed) == ["key-tables", "matchings"]
    assert entries["roads"].exists() and entries["derived"].exists()
    assert not entries["matchings"].exists()


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("123456", 123456),
        ("2G", 2 * 1024**3),
        ("500 MiB", 500 * 1024**2),
        ("1.5GB", 1_500_000_000),
        ("10k", 10 * 1024),
        ("3 kB", 3000),
        ("none", None),
        ("Unlimited", None),
    ],
)
def test_sizes(text: str, size: int | None) -> None:
    assert rc.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "G", "-1G", "2 parsecs", "1e9", "2GG"])
def test_what_is_no_size(text: str) -> None:
    with pytest.raises(ValueError, match="not a size"):
        rc.parse_size(text)


def test_the_limit_from_the_environment(
    cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert rc.cache_limit() == (rc.DEFAULT_MAX_BYTES, "default")
    monkeypatch.setenv(rc.MAX_ENV, "300M")
    assert rc.cache_limit() == (300 * 1024**2, f"{rc.MAX_ENV}=300M")
    monkeypatch.setenv(rc.MAX_ENV, "lots")
    with caplog.at_level(logging.WARNING, logger=rc.__name__):
        assert rc.cache_limit() == (rc.DEFAULT_MAX_BYTES, "default")
        assert rc.cache_limit() == (rc.DEFAULT_MAX_BYTES, "default")
    assert [r.getMessage() for r in caplog.records] == [
        f"{rc.MAX_ENV} ignored: not a size: 'lots' (e.g. 2G, 500M, 1.5GB, none); "
        "the limit is the default 2 GiB"
    ]


def shared_group(*paths: Path) -> None:
    """Give ``paths`` a group other users are in (a group-writable file of a group that holds
    the user alone is not refused): as root nobody's, else one of the user's groups."""
    me = os.geteuid()
    gids = [NOBODY] if me == 0 else os.getgroups()
    shared = [g for g in gids if not rc._private_group(g, me)]
    if not shared:
        pytest.skip("no group of this user is shared with another")
    for path in paths:
        os.chown(path, -1, shared[0])


def _refused(
    caplog: pytest.LogCaptureFixture, path: Path, why: str, kind: str = "matchings"
) -> None:
    """Entry 1 of ``kind`` is made each time, not written, with one warning naming ``path``."""
    entries = sorted((rc.cache_folder() / kind).glob("*.pickle"))
    with caplog.at_level(logging.WARNING, logger=rc.__name__):
        assert _get(kind, 1) == (b"made", True)
        assert _get(kind, 1) == (b"made", True)
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(said) == 1, said
    assert said[0].startswith(f"borderwatch cache not used: {path} is {why}"), said
    assert sorted((rc.cache_folder() / kind).glob("*.pickle")) == entries


@pytest.mark.parametrize(
    ("bits", "why"),
    [(0o020, "writable by its group (mode 0720)"), (0o002, "writable by every user (mode 0702)")],
)
def test_a_folder_others_can_write_is_not_used(
    cache: Path, caplog: pytest.LogCaptureFixture, bits: int, why: str
) -> None:
    _put("matchings", 1)
    shared_group(cache / "matchings")
    (cache / "matchings").chmod(0o700 | bits)
    _refused(caplog, cache / "matchings", why)
    assert rc.folder_problem(cache) == (cache / "matchings", why)


def test_a_cache_folder_others_can_write_is_not_used(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _put("matchings", 1)
    cache.chmod(0o777)
    _refused(caplog, cache, "writable by every user (mode 0777)")


def test_a_folder_of_another_user_is_not_used(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _put("matchings", 1)
    os.chown(cache, NOBODY, NOBODY)
    _refused(caplog, cache, f"owned by uid {NOBODY}, not by you (uid {os.geteuid()})")


def test_a_symlinked_kind_folder_is_not_used(
    cache: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _put("roads", 1)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (cache / "matchings").symlink_to(elsewhere)
    _refused(caplog, cache / "matchings", "a symbolic link")
    assert list(elsewhere.iterdir()) == []


def test_an_entry_of_another_user_is_not_read_but_replaced(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    entry = _put("matchings", 1)
    os.chown(entry, NOBODY, NOBODY)
    with caplog.at_level(logging.WARNING, logger=rc.__name__):
        assert _get("matchings", 1) == (b"made", True)
    (said,) = [r.getMessage() for r in caplog.records]
    assert said.startswith(f"borderwatch cache not used: {entry} is owned by uid {NOBODY}")
    assert entry.stat().st_uid == os.geteuid()  # the made value replaced it, in a safe folder
    assert _get("matchings", 1) == (b"made", False)


def test_an_entry_others_can_write_or_a_link_is_not_read(
    cache: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writable = _put("matchings", 1)
    shared_group(writable)
    writable.chmod(0o620)
    linked = cache / "matchings" / f"{_key(2)}.pickle"
    target = tmp_path / "target.pickle"
    target.write_bytes(_put("roads", 2).read_bytes())
    linked.symlink_to(target)
    with caplog.at_level(logging.WARNING, logger=rc.__name__):
        assert _get("matchings", 1) == (b"made", True)
        assert _get("matchings", 2) == (b"made", True)
    said = [r.getMessage() for r in caplog.records]
    assert f"{writable} is writable by its group (mode 0620)" in said[0]
    assert f"{linked} is a symbolic link" in said[1]


def test_a_fifo_in_place_of_an_entry_does_not_block(cache: Path) -> None:
    fifo = cache / "matchings" / f"{_key(1)}.pickle"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    result: list[tuple[bytes, bool]] = []
    reader = threading.Thread(target=lambda: result.append(_get("matchings", 1)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert result == [(b"made", True)]


def test_an_entry_that_cannot_be_written_is_passed_over(cache: Path) -> None:
    """A folder in the entry's place: atomic.write_bytes raises BorderwatchError (not an
    OSError, as on a full disk: OutputWriteError), which went out of the computation."""
    (cache / "matchings" / f"{_key(1)}.pickle").mkdir(parents=True)
    assert _get("matchings", 1) == (b"made", True)


def test_an_unknown_kind_is_a_bug(cache: Path) -> None:
    with pytest.raises(ValueError, match="not a kind"):
        rc.cached_computation("tables", _key(1), lambda: 1, "x")


# a command's process, as another user where this one is root (it imports first: the
# interpreter's own files may be out of that user's reach)
_OTHER_USER = """
import logging, os, sys
from borderwatch.data import road_cache as rc
logging.basicConfig(level=logging.WARNING, format="%(message)s")
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
print(rc.cached_computation("matchings", "0" * 64, lambda: 42, "x"))
"""


@pytest.mark.slow
def test_a_cache_folder_the_user_cannot_enter_is_passed_over_with_a_warning() -> None:
    """``sudo borderwatch ...`` keeping the user's $HOME leaves the cache folder root's and
    ``0700``: the user's next command died on the stat of the kind folder it could not
    make (a PermissionError out of the cache) instead of computing without it. Here: root's folder for user nobody (run as root), else the user's
    own folder made ``000`` (the same EACCES)."""
    home = Path(tempfile.mkdtemp(prefix="bw-cache-home-"))
    try:
        home.chmod(0o755)  # another user can reach the cache folder, not enter it
        cache = home / "cache"
        cache.mkdir(mode=0o700)
        if os.geteuid() != 0:
            cache.chmod(0)
        env = {**os.environ, rc.CACHE_ENV: str(cache)}
        env.pop(rc.NO_CACHE_ENV, None)
        done = subprocess.run(
            [sys.executable, "-c", _OTHER_USER], env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
    finally:
        (home / "cache").chmod(0o700)
        shutil.rmtree(home)
    assert (done.returncode, done.stdout) == (0, "42\n"), done.stderr
    said = done.stderr.splitlines()
    assert len(said) == 1, said
    assert said[0].startswith(f"borderwatch cache not used: {cache}"), said


def test_a_cache_made_under_umask_002_in_the_users_own_group_is_used(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Borderwatch before the cache's checks made its folders and entries with the umask's
    modes: under umask 002 (Debian's and Ubuntu's for a user whose group is their own)
    ``0775`` folders and ``0664`` entries. Writable by a group holding the user alone, they
    are the user's only (the Debian OpenSSH rule for group-writable files), but every
    command said the cache was not used and computed without it."""
    me = pwd.getpwuid(os.geteuid())
    group = grp.getgrgid(os.getegid())
    if {p.pw_uid for p in pwd.getpwall() if p.pw_gid == group.gr_gid} != {me.pw_uid} or set(
        group.gr_mem
    ) - {me.pw_name}:
        pytest.skip("this user's group is not theirs alone")
    entry = _put("matchings", 1)
    for path, mode in ((cache, 0o775), (cache / "matchings", 0o775), (entry, 0o664)):
        os.chown(path, -1, os.getegid())
        path.chmod(mode)
    with caplog.at_level(logging.WARNING, logger=rc.logger.name):
        assert _get("matchings", 1) == (bytes(1000), False)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert rc.folder_problem(cache) is None
