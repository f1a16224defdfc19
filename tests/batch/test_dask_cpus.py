"""A local Dask cluster is sized by the CPUs this process may use, not the machine's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from tests.helpers import write_toy_scenario

_PINNED = """
import io, sys
from rich.console import Console
from borderwatch._dask import close_client, open_client
from borderwatch.cli.batch import batch_command

client = open_client()
print("workers", len(client.scheduler_info()["workers"]))
close_client(client)
said = io.StringIO()
code = batch_command(sys.argv[1], sys.argv[2], console=Console(file=said, width=200))
print("exit", code)
print(said.getvalue())
"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("taskset") is None, reason="no taskset")
@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="one usable CPU here: a pinned process counts the same as the machine",
)
def test_a_process_pinned_to_one_cpu_starts_one_local_worker(tmp_path: Path) -> None:
    """A real child under ``taskset -c 0``: open_client() starts one worker (it started
    os.cpu_count()'s), and ``batch`` says one where it prints the cluster's size."""
    write_toy_scenario(tmp_path / "toy")
    spec = tmp_path / "spec.toml"
    spec.write_text(
        'job = "plan"\nmax_iterations = 5\nnight = "2026-01-05"\n\n'
        '[[scenario]]\npath = "toy"\n\n[grid]\nseed = [0]\n',
        encoding="utf-8",
    )
    cpu = min(os.sched_getaffinity(0))
    run = subprocess.run(
        ["taskset", "-c", str(cpu), sys.executable, "-c", _PINNED, str(spec), str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "workers 1\n" in run.stdout
    assert "exit 0\n" in run.stdout
    assert "on a local cluster of 1 worker processes" in run.stdout
