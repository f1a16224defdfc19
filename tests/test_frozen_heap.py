"""The heap out of the cyclic collector's passes during a plan job and at a command's exit (#24.5)."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from datetime import date

import pytest

from borderwatch.jobs._common import frozen_heap


class _Cycle:
    """An object in a reference cycle (only the cyclic collector frees it)."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def _no_frozen_objects():
    assert gc.get_freeze_count() == 0  # another test left objects frozen
    yield
    gc.unfreeze()


def test_frozen_inside_the_block_and_collected_after_it() -> None:
    old = _Cycle()
    gone = weakref.ref(old)
    del old  # garbage, in a cycle
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        gc.collect()
        assert gone() is not None  # frozen: not collected inside the block
    assert gc.get_freeze_count() == 0  # back in the oldest generation
    gc.collect()
    assert gone() is None  # nothing kept past the block


def test_a_freeze_of_the_process_is_left_alone() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()  # frozen objects freed meanwhile lower it, never raise it
    try:
        fresh = [{} for _ in range(1000)]  # made after the process's freeze: not frozen
        with frozen_heap():
            assert gc.get_freeze_count() <= frozen  # the block froze nothing more
        assert 0 < gc.get_freeze_count() <= frozen  # nor unfroze the process's freeze
        assert len(fresh) == 1000
    finally:
        gc.unfreeze()  # the next tests of this worker start unfrozen


def test_run_plan_runs_with_the_heap_frozen(tmp_path, monkeypatch) -> None:
    import borderwatch.jobs.plan as job
    import borderwatch.plan.patrols as patrols
    from borderwatch import build_network
    from borderwatch.config import SearchParams
    from borderwatch.data.synthetic import generate_scenario

    net = build_network(generate_scenario(10, seed=2))
    seen: list[int] = []
    real = patrols.draft_patrols

    def counted(*args, **kwargs):
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(patrols, "draft_patrols", counted)
    search = SearchParams(max_iterations=60, seed=3, bound_rounds=0)
    job.run_plan(net, tmp_path / "plan", night=date(2026, 12, 7), search=search, map_html=False)
    assert len(seen) == 1 and seen[0] > 0  # the network and modules frozen during the job
    assert gc.get_freeze_count() == 0  # and unfrozen after it


@pytest.mark.slow  # two interpreters, one importing the CLI (~1.8 s)
def test_the_command_line_skips_the_last_collections() -> None:
    """Importing the CLI registers gc.freeze at exit: a cycle that is garbage when the
    interpreter ends is not walked (nor finalized); without the CLI it is."""
    code = (
        "import gc, sys\n"
        "{imp}\n"
        "class C:\n"
        "    def __init__(self): self.me = self\n"
        "    def __del__(self): sys.stdout.write('collected')\n"
        "gc.disable()\n"
        "C()\n"
    )
    plain = subprocess.run(
        [sys.executable, "-c", code.format(imp="")], capture_output=True, text=True, check=True
    )
    cli = subprocess.run(
        [sys.executable, "-c", code.format(imp="import borderwatch.cli.app")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert plain.stdout == "collected"
    assert cli.stdout == ""


@pytest.mark.slow  # an interpreter importing the CLI (~1.5 s)
def test_the_program_freezes_its_heap_and_keeps_jobs_frozen() -> None:
    """`borderwatch` (the console script and python -m) runs cli.main: the imports' heap is
    frozen before the command, and a job's heap stays frozen after it (one command, then
    the process's end); a garbage cycle made after the job is still collected."""
    code = (
        "import gc, sys, weakref\n"
        "import borderwatch.cli as cli\n"
        "from borderwatch.jobs._common import frozen_heap\n"
        "assert gc.get_freeze_count() == 0\n"
        "cli.app = lambda **kw: None  # the command: nothing\n"
        "cli.main()\n"
        "imports = gc.get_freeze_count()\n"
        "job = [[] for _ in range(1000)]  # tracked objects made after the imports\n"
        "with frozen_heap():\n"
        "    during = gc.get_freeze_count()\n"
        "class C:\n"
        "    def __init__(self): self.me = self\n"
        "c = C(); gone = weakref.ref(c); del c; gc.collect()\n"
        "print(imports > 100000, during >= imports + 1000, gc.get_freeze_count() > imports,"
        " gone() is None)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["True", "True", "True", "True"]


def test_the_console_script_is_the_program() -> None:
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="borderwatch")
    assert script.value == "borderwatch._entry:main"  # cli.main once it is imported
