"""The atomic-write helpers: files and folders appear whole or not at all."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from borderwatch.atomic import (
    atomic_file,
    atomic_folder,
    clean_stale,
    folder_lock,
    recover_folder,
    write_text,
)
from borderwatch.errors import OutputExistsError, OutputLockedError


def test_write_text_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    write_text(p, "one")
    write_text(p, "two")
    assert p.read_text() == "two"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.txt"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(p) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert p.read_text() == "old"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.txt"]


def test_temporary_keeps_the_suffix(tmp_path: Path) -> None:
    with atomic_file(tmp_path / "x.gpkg") as tmp:
        assert tmp.suffix == ".gpkg"
        assert not tmp.exists()
        tmp.write_bytes(b"x")


def test_folder_swap_and_failure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with atomic_folder(out) as st:
        (st / "a").write_text("1")
    with atomic_folder(out) as st:
        (st / "b").write_text("2")
    assert sorted(x.name for x in out.iterdir()) == [".borderwatch.json", "b"]
    with pytest.raises(RuntimeError), atomic_folder(out) as st:
        (st / "c").write_text("3")
        raise RuntimeError("boom")
    assert sorted(x.name for x in out.iterdir()) == [".borderwatch.json", "b"]
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out"]
    with (
        pytest.raises(OutputExistsError, match="exists already"),
        atomic_folder(out, replace=False),
    ):
        pass


def _dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout)


def test_stale_staging_removed_and_half_swap_recovered(tmp_path: Path) -> None:
    pid = _dead_pid()
    out = tmp_path / "out"
    (tmp_path / f".out.staging-{pid}-abc").mkdir()
    old = tmp_path / f".out.old-{pid}-abc"
    old.mkdir()
    (old / "plan.json").write_text("{}")
    # the target is missing: a swap died between its two renames
    assert recover_folder(out) is True
    assert (out / "plan.json").exists()
    removed = clean_stale(out)
    assert [p.name for p in removed] == [f".out.staging-{pid}-abc"]
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out"]
    # the folder of a live process is left alone
    live = tmp_path / f".out.staging-{os.getpid()}-x"
    live.mkdir()
    assert clean_stale(out) == []


@pytest.mark.slow
def test_folder_lock_is_exclusive_across_processes(tmp_path: Path) -> None:
    code = (
        "import sys, time; from borderwatch.atomic import folder_lock\n"
        f"with folder_lock({str(tmp_path)!r}):\n"
        "    print('held', flush=True); time.sleep(3)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with (
            pytest.raises(OutputLockedError, match="another borderwatch run"),
            folder_lock(tmp_path),
        ):
            pass
    finally:
        proc.wait()
    with folder_lock(tmp_path, wait_s=1):
        pass


def test_folder_lock_leaves_no_folder_it_made_when_nothing_was_written(tmp_path: Path) -> None:
    """A run that wrote nothing (roster with a bad --week into --out a/b/c) leaves none of
    the folders it made, the parents too (a/b was left), and never a folder it found."""
    with folder_lock(tmp_path / "a" / "b" / "c"):
        pass
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "mine").mkdir()
    with folder_lock(tmp_path / "mine" / "x" / "y"):
        pass
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]
    assert list((tmp_path / "mine").iterdir()) == []
    with folder_lock(tmp_path / "a" / "b") as held:
        (held / "week").mkdir()  # a run that wrote something keeps its folders
    assert (tmp_path / "a" / "b" / "week").is_dir()


_LOCKER = """
import sys
from borderwatch.atomic import folder_lock
from borderwatch.errors import OutputLockedError
try:
    with folder_lock(sys.argv[1], wait_s=float(sys.argv[2])):
        print("held", flush=True)
        sys.stdin.readline()  # hold until told
except OutputLockedError:
    print("locked", flush=True)
"""


def _locker(folder: Path, wait_s: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _LOCKER, str(folder), str(wait_s)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _has_open(pid: int, path: Path, timeout_s: float = 20.0) -> bool:
    """Whether process ``pid`` has ``path`` open (within ``timeout_s``), from /proc."""
    import time

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if fd.readlink() == path:
                    return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_a_waiter_never_holds_a_removed_lock_beside_a_third_holder(tmp_path: Path) -> None:
    """Three processes: the first makes the folder and holds its lock; the second waits on
    that .lock file; the first ends having written nothing and removes the file and the
    folder. The second then holds the lock the path names (it was holding a lock on a
    removed file), so a third process is refused (both 'held' it)."""
    folder = tmp_path / "week"
    first = _locker(folder, 0)
    second = third = None
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "held"
        second = _locker(folder, 30)
        assert _has_open(second.pid, folder / ".lock")  # waiting on the first's lock file
        first.communicate("\n", timeout=30)
        assert first.returncode == 0
        assert second.stdout is not None and second.stdout.readline().strip() == "held"
        third = _locker(folder, 0)
        out, _ = third.communicate(timeout=30)
        assert out.strip() == "locked"
        second.communicate("\n", timeout=30)
        assert second.returncode == 0
        assert list(tmp_path.iterdir()) == []  # the second made the folder again: removed
    finally:
        for proc in (first, second, third):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


def test_a_claim_makes_the_missing_parents_and_removes_them_when_nothing_was_written(
    tmp_path: Path,
) -> None:
    """claim_output of a/b/out makes a/b (the claim is in it) and removes a/b again with
    the claim when the run wrote nothing; a found parent, and one holding output, stay."""
    from borderwatch.atomic import claim_output, release_claims

    claim_output(tmp_path / "a" / "b" / "out")
    try:
        (claim,) = (tmp_path / "a" / "b").iterdir()
        assert claim.name.startswith(f".out.staging-{os.getpid()}-")
    finally:
        release_claims()
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "mine").mkdir()
    claim_output(tmp_path / "mine" / "x" / "out")
    release_claims()
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]
    assert list((tmp_path / "mine").iterdir()) == []
    claim_output(tmp_path / "a" / "b" / "out")
    (tmp_path / "a" / "b" / "out").mkdir()  # the run wrote its folder: the parents stay
    release_claims()
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["out"]


@pytest.mark.parametrize("retries", [1, 3])
def test_a_claim_that_retries_removes_every_parent_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, retries: int
) -> None:
    """Another run removes the parent it made (it wrote nothing) while this claim makes the
    same parents: the claim's mkdtemp finds no folder and it tries again. The parents of
    every try are its own: with the claim released (or given up after three tries) none
    stays behind empty (the old code forgot those of the earlier tries: a/ and a/b/ stayed),
    and a parent that was there before stays."""
    from borderwatch import atomic

    (tmp_path / "keep").mkdir()
    target = tmp_path / "keep" / "a" / "b" / "c" / "out"
    cleaned = atomic.clean_stale
    races: list[int] = []

    def raced(path: str | Path) -> list[Path]:
        if len(races) < retries:  # the other run's rmdir of its empty c/, before our mkdtemp
            races.append(1)
            target.parent.rmdir()
        return cleaned(path)

    monkeypatch.setattr(atomic, "clean_stale", raced)
    atomic.claim_output(target)
    try:
        assert len(races) == retries
        claimed = retries < 3
        assert target.parent.is_dir() is claimed
    finally:
        atomic.release_claims()
    assert list((tmp_path / "keep").iterdir()) == []


def _staging_holder(out: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process inside ``atomic_folder(out)`` for ``seconds``, once it printed 'in'."""
    code = (
        "import time; from borderwatch.atomic import atomic_folder\n"
        f"with atomic_folder({str(out)!r}, kind='plan') as s:\n"
        "    (s / 'theirs.txt').write_text('theirs')\n"
        f"    print('in', flush=True); time.sleep({seconds})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "in"
    return proc


@pytest.mark.slow
def test_a_second_run_into_a_folder_being_written_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _staging_holder(out, 3)
    try:
        with (
            pytest.raises(OutputLockedError, match=rf"pid {proc.pid}\) is writing here"),
            atomic_folder(out, kind="plan") as mine,
        ):
            (mine / "mine.txt").write_text("mine")
        assert not out.exists()  # nothing of ours swapped in meanwhile
        assert [p for p in tmp_path.iterdir() if str(os.getpid()) in p.name] == []
    finally:
        proc.wait()
    assert (out / "theirs.txt").read_text() == "theirs"
    with atomic_folder(out, kind="plan") as mine:  # the other run has ended: ours goes on
        (mine / "mine.txt").write_text("mine")
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["mine.txt"]


@pytest.mark.slow
def test_of_two_runs_started_together_the_first_staged_goes_on(tmp_path: Path) -> None:
    import time

    from borderwatch.atomic import _other_writer

    out = tmp_path / "out"
    mine = tmp_path / f".out.staging-{os.getpid()}-mine"
    mine.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.05)
        (tmp_path / f".out.staging-{holder.pid}-theirs").mkdir()  # staged after ours
        assert _other_writer(out, mine) is None  # ours is older: ours goes on
        code = (
            "from borderwatch.atomic import atomic_folder\n"
            f"with atomic_folder({str(out)!r}, kind='plan'): pass\n"
        )
        late = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert late.returncode != 0  # a third run: refused, naming the first
        assert f"pid {os.getpid()}) is writing here" in late.stderr
    finally:
        holder.kill()
        holder.wait()


def test_a_recycled_pid_does_not_hold_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from borderwatch import atomic

    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        stale = tmp_path / f".out.staging-{holder.pid}-abc"
        stale.mkdir()
        # the live process with that pid started long after the folder last changed
        monkeypatch.setattr(atomic, "_process_start", lambda pid: time.time() + 100.0)
        with atomic_folder(out, kind="plan") as s:
            (s / "a.txt").write_text("a")
        assert not stale.exists() and (out / "a.txt").exists()
    finally:
        holder.kill()
        holder.wait()


def test_two_writers_are_ordered_by_the_time_in_their_names(tmp_path: Path) -> None:
    import time

    from borderwatch.atomic import _other_writer

    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        ns = time.time_ns()
        mine = tmp_path / f".out.staging-{os.getpid()}-{ns}-mine"
        mine.mkdir()
        time.sleep(0.05)
        # made after ours on disk (a later change time), but its name says it was first:
        # a folder's change time moves whenever a file is written into it, its name does not
        theirs = tmp_path / f".out.staging-{holder.pid}-{ns - 1_000_000}-theirs"
        theirs.mkdir()
        assert _other_writer(out, mine) == (holder.pid, theirs)
        theirs.rename(tmp_path / f".out.staging-{holder.pid}-{ns + 1_000_000}-theirs")
        assert _other_writer(out, mine) is None  # ours first now: ours goes on
    finally:
        holder.kill()
        holder.wait()
