"""Tasks of a batch: expansion of a spec with input hashes, and running one task.

A :class:`Task` is small (a scenario reference, the variant values and the job
options), so that it travels to a Dask worker cheaply; the worker rebuilds the
scenario from its path, embedded name or generator parameters. :func:`run_task`
is the one function a worker runs, and the sequential runner runs the very same
function, so a batch gives the same numbers on 1 or 100 workers or without Dask.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderwatch.atomic import atomic_folder
from borderwatch.batch.spec import BatchSpec, ScenarioRef
from borderwatch.config import SCALAR_FIELDS, SearchParams
from borderwatch.errors import BorderwatchError, ConfigError

if TYPE_CHECKING:
    from borderwatch.data import Scenario

__all__ = [
    "RESULT_COLUMNS",
    "TASK_FILE",
    "Task",
    "error_row",
    "expand_tasks",
    "finished_row",
    "run_task",
    "scenario_digest",
    "task_dir",
]

logger = logging.getLogger(__name__)

#: The marker file of a finished task: inputs, input hash, result row.
TASK_FILE = "task.json"

#: Result columns of every row, after the task id, scenario, job and variant values.
RESULT_COLUMNS = (
    "teams",
    "border_km",
    "watched_pct",
    "gap_km",
    "n_gaps",
    "max_loop_min",
    "bound_min",
    "opt_gap_pct",
    "worst_revisit_min",
    "seconds",
    "status",
    "error",
    "resumed",
    "input_hash",
    "out_dir",
)

_CONFIG_GRID = SCALAR_FIELDS


@dataclass(frozen=True)
class Task:
    """One run of a batch: one scenario, one combination of variant values, one job.

    Parameters
    ----------
    index
        Position in the batch (scenario-major, then grid order).
    task_id
        ``"<scenario label>/<variant>"``, the task's folder under ``tasks/``.
    scenario
        Where the scenario comes from.
    job
        ``"gaps"`` or ``"plan"``.
    variant
        The grid values of this task as ``(key, value)`` pairs, in grid order.
    config
        PlanConfig options from the spec's ``[config]`` table.
    options
        Job options (``time_limit_s``, ``max_iterations``, ``max_revisit_min``,
        ``max_response_min``, ``criterion``, ``night``, ``map_html``, ``lang``),
        before the variant values are applied.
    input_hash
        SHA-256 of every input: the borderwatch version, the scenario (its files'
        contents for a folder) and all values above but ``index``.
    """

    index: int
    task_id: str
    scenario: ScenarioRef
    job: str
    variant: tuple[tuple[str, Any], ...]
    config: tuple[tuple[str, Any], ...]
    options: tuple[tuple[str, Any], ...]
    input_hash: str

    def inputs(self) -> dict[str, Any]:
        """The task's inputs as JSON-ready values (what ``task.json`` records)."""
        return {
            "task_id": self.task_id,
            "scenario": self.scenario.describe(),
            "job": self.job,
            "variant": dict(self.variant),
            "config": dict(self.config),
            "options": dict(self.options),
        }


def scenario_digest(ref: ScenarioRef) -> str:
    """SHA-256 of what a scenario is built from.

    For a folder or an embedded name: every file's relative path and content;
    for a generated scenario: its generator parameters (with the package
    version, which the hash of every task holds).
    """
    h = hashlib.sha256()
    if ref.kind == "generate":
        h.update(json.dumps(ref.describe(), sort_keys=True).encode())
        return h.hexdigest()
    from borderwatch.data import resolve_scenario_path

    folder = resolve_scenario_path(str(ref.value))
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith(".") or "__pycache__" in rel:
            continue
        h.update(rel.encode() + b"\0")
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")
    return h.hexdigest()


def _slug(variant: tuple[tuple[str, Any], ...]) -> str:
    if not variant:
        return "base"
    parts = []
    for key, value in variant:
        text = str(value)
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        text = "".join(c for c in text if c.isalnum() or c in ".-")
        parts.append(f"{key}={text}")
    return ",".join(parts)


def expand_tasks(spec: BatchSpec) -> list[Task]:
    """Every task of ``spec``: each scenario × each combination of grid values.

    Runs on the client; reads the scenario folders once to hash their files,
    builds nothing.

    Parameters
    ----------
    spec
        The checked batch spec (:func:`~borderwatch.batch.spec.load_spec`).

    Returns
    -------
    list of Task
        In scenario order, then grid order (the first grid key varying
        slowest), ``index`` numbering them; each with its output folder id
        ``<scenario>/<key=value,...>`` and the SHA-256 input hash of the
        borderwatch version, the scenario's files, the job, the variant, the
        config and the job's options.

    Raises
    ------
    ConfigError
        Two tasks would share one output folder (grid values that give the
        same folder name), naming the spec file and the folder.
    """
    from borderwatch._version import __version__

    if spec.job == "plan":
        specific: tuple[tuple[str, Any], ...] = (
            ("time_limit_s", spec.time_limit_s),
            ("max_iterations", spec.max_iterations),
            ("night", spec.night.isoformat()),
        )
    else:  # options a gaps job does not use stay out of its hash
        specific = (
            ("max_response_min", spec.max_response_min),
            ("criterion", list(spec.criterion)),
        )
    options = (
        *specific,
        ("max_revisit_min", spec.max_revisit_min),
        ("map_html", spec.map_html),
        ("lang", spec.lang),
    )
    config = tuple(sorted(spec.config.items()))
    keys = list(spec.grid)
    combos = list(itertools.product(*(spec.grid[k] for k in keys)))
    tasks: list[Task] = []
    for ref in spec.scenarios:
        digest = scenario_digest(ref)
        for combo in combos:
            variant = tuple(zip(keys, combo, strict=True))
            task_id = f"{ref.label}/{_slug(variant)}"
            payload = {
                "version": __version__,
                "scenario": ref.describe() if ref.kind == "generate" else ref.kind,
                "scenario_digest": digest,
                "job": spec.job,
                "variant": [[k, v] for k, v in variant],
                "config": [[k, v] for k, v in config],
                "options": [[k, v] for k, v in options],
            }
            blob = json.dumps(payload, sort_keys=True, default=str).encode()
            tasks.append(
                Task(
                    index=len(tasks),
                    task_id=task_id,
                    scenario=ref,
                    job=spec.job,
                    variant=variant,
                    config=config,
                    options=options,
                    input_hash=hashlib.sha256(blob).hexdigest(),
                )
            )
    seen: set[str] = set()
    for task in tasks:
        if task.task_id in seen:
            raise ConfigError(
                "two tasks would share one output folder; make the grid values distinct",
                field="grid",
                value=task.task_id,
                file=spec.file,
            )
        seen.add(task.task_id)
    return tasks


def task_dir(task: Task, out_dir: str | Path) -> Path:
    """The output folder of ``task`` under a batch output folder."""
    return Path(out_dir) / "tasks" / task.task_id


def finished_row(task: Task, out_dir: str | Path) -> dict[str, Any] | None:
    """The result row of ``task`` if its folder holds a successful run with the same input hash.

    Parameters
    ----------
    task
        The task (its ``task_id`` and ``input_hash``).
    out_dir
        The batch output folder.

    Returns
    -------
    dict or None
        The row recorded in the task folder's ``task.json``, with ``resumed``
        set True; None when there is no readable ``task.json``, its input hash
        differs or its run failed.
    """
    marker = task_dir(task, out_dir) / TASK_FILE
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    row = record.get("row") if isinstance(record, dict) else None
    if (
        not isinstance(row, dict)
        or record.get("input_hash") != task.input_hash
        or row.get("status") != "ok"
    ):
        return None
    return {**row, "resumed": True}


def _base_row(task: Task, out_dir: str | Path) -> dict[str, Any]:
    row: dict[str, Any] = {
        "task_id": task.task_id,
        "scenario": task.scenario.label,
        "job": task.job,
    }
    row.update(dict(task.variant))
    row.update(dict.fromkeys(RESULT_COLUMNS))
    row["input_hash"] = task.input_hash
    row["out_dir"] = task_dir(task, ".").as_posix()
    row["resumed"] = False
    return row


def error_row(
    task: Task, out_dir: str | Path, message: str, seconds: float = 0.0
) -> dict[str, Any]:
    """The row of a task that failed with ``message``."""
    row = _base_row(task, out_dir)
    row.update(status="error", error=message, seconds=round(seconds, 3))
    return row


def _load(ref: ScenarioRef) -> Scenario:
    if ref.kind == "generate":
        from borderwatch.data.synthetic import generate_scenario

        assert isinstance(ref.value, tuple)
        return generate_scenario(**dict(ref.value))
    from borderwatch.data import load_scenario

    return load_scenario(str(ref.value))


def _execute(task: Task, out: Path) -> dict[str, Any]:
    """Build the task's network and run its job into ``out``; return the job summary."""
    from borderwatch.data import build_network

    variant = dict(task.variant)
    opts = {**dict(task.options), **{k: v for k, v in variant.items() if k in dict(task.options)}}
    scenario = _load(task.scenario)
    n_teams = variant.get("n_teams")
    if n_teams is not None:
        have = len(scenario.teams)
        if n_teams > have:
            raise ConfigError(
                f"scenario {task.scenario.label!r} has only {have} team(s)",
                field="n_teams",
                value=n_teams,
            )
        scenario = dataclasses.replace(scenario, teams=scenario.teams.iloc[:n_teams].copy())
    config = scenario.resolve_config(
        **{**dict(task.config), **{k: v for k, v in variant.items() if k in _CONFIG_GRID}}
    )
    network = build_network(scenario, config)
    if task.job == "gaps":
        from borderwatch.jobs import run_gaps

        _, summary = run_gaps(
            network,
            out,
            criterion=tuple(opts["criterion"]),
            max_response_min=float(opts["max_response_min"]),
            max_revisit_min=float(opts["max_revisit_min"]),
            map_html=bool(opts["map_html"]),
            lang=opts["lang"],
        )
        return summary
    from datetime import date

    from borderwatch.jobs import run_plan

    _, summary = run_plan(
        network,
        out,
        night=date.fromisoformat(opts["night"]),
        search=SearchParams(
            time_limit_s=float(opts["time_limit_s"]),
            max_iterations=None if opts["max_iterations"] is None else int(opts["max_iterations"]),
            seed=config.seed,
        ),
        max_revisit_min=float(opts["max_revisit_min"]),
        map_html=bool(opts["map_html"]),
        lang=opts["lang"],
    )
    return summary


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _result_values(job: str, summary: dict[str, Any]) -> dict[str, Any]:
    # a gaps summary holds the coverage figures itself; a plan summary under coverage_after
    plan = job != "gaps"
    cover = summary.get("coverage_after", {}) if plan else summary
    row = {
        "teams": summary.get("teams" if plan else "n_teams"),
        "border_km": _num(summary.get("border_km")),
        "watched_pct": _num(cover.get("watched_pct")),
        "gap_km": _num(cover.get("gap_km")),
        "n_gaps": cover.get("n_gaps"),
    }
    if plan:
        row["max_loop_min"] = _num(summary.get("max_loop_min"))
        row["bound_min"] = _num(summary.get("bound_min"))
        row["opt_gap_pct"] = _num(summary.get("opt_gap_pct", summary.get("gap_pct")))
    row["worst_revisit_min"] = _num(summary.get("worst_revisit_min"))
    return row


def run_task(task: Task, out_dir: str | Path, *, resume: bool = True) -> dict[str, Any]:
    """Run one task into ``<out_dir>/tasks/<task_id>`` and return its result row.

    The job writes into a staging folder beside the task folder; ``task.json``
    (inputs, input hash, result row, warnings and, on failure, the traceback)
    is written last and the folder is then moved into place, so a task folder
    holding ``task.json`` is always complete. Any exception of the job becomes
    a row with ``status="error"`` and the message in ``error``; it never
    propagates.

    Parameters
    ----------
    task
        From :func:`expand_tasks`.
    out_dir
        The batch output folder (shared by all workers).
    resume
        Return the recorded row, without running, when the task folder holds a
        successful run with the same input hash.

    Returns
    -------
    dict
        The result row: ``task_id``, ``scenario``, ``job``, the variant values
        and :data:`RESULT_COLUMNS` (the job's figures, ``status`` ``"ok"`` or
        ``"error"`` with the message in ``error``, ``seconds``, ``input_hash``,
        the task folder relative to ``out_dir``).
    """
    from borderwatch._version import __version__

    if resume:
        done = finished_row(task, out_dir)
        if done is not None:
            return done
    final = task_dir(task, out_dir)
    t0 = time.perf_counter()
    record: dict[str, Any] = {
        "task_id": task.task_id,
        "input_hash": task.input_hash,
        "borderwatch_version": __version__,
        "inputs": task.inputs(),
    }
    with atomic_folder(final, kind="batch-task") as staging:
        row = _run_into(task, out_dir, staging, record, t0)
    return row


def _run_into(
    task: Task, out_dir: str | Path, staging: Path, record: dict[str, Any], t0: float
) -> dict[str, Any]:
    """Run the job into ``staging`` and write ``task.json`` last; return the result row."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                summary = _execute(task, staging)
            finally:
                record["warnings"] = sorted({str(w.message) for w in caught})
        row = _base_row(task, out_dir)
        row.update(_result_values(task.job, summary))
        row.update(status="ok", seconds=round(time.perf_counter() - t0, 3))
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, BorderwatchError):
            record["traceback"] = traceback.format_exc()
        logger.info("task %s failed: %s", task.task_id, message)
        row = error_row(task, out_dir, message, time.perf_counter() - t0)
    record["row"] = row
    (staging / TASK_FILE).write_text(
        json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n",
        encoding="utf-8",
    )
    return row
