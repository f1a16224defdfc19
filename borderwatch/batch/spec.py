"""The batch spec: a TOML file listing scenarios, a grid of variants and the job to run.

Example::

    job = "plan"              # or "gaps"
    max_iterations = 200      # fixed search effort: the same numbers on any number of workers
    time_limit_s = 60.0       # seconds, a safety cap on each task's search
    night = "2026-01-05"      # date of the night (plan.json; default: today, fixed at expansion)

    [[scenario]]
    name = "ningming"                      # embedded scenario

    [[scenario]]
    path = "counties/longzhou"             # folder, relative to the spec file

    [[scenario]]
    generate = { border_km = 60, seed = 3 }   # synthetic, rebuilt on the worker
    label = "g60"                          # optional: the scenario's name in folders and tables

    [config]                  # PlanConfig options for every task (optional)
    unit_length_m = 250.0

    [grid]                    # every combination is one task per scenario
    n_teams = [8, 12, 17]
    max_revisit_min = [90, 120]

Validation is funnelled through :func:`parse_spec`; every error is a
:class:`~borderwatch.errors.ConfigError` naming the spec file, the key and the
bad value.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from borderwatch.atomic import ID_RULE, id_problem
from borderwatch.config import LOOP_RULES, SCALAR_FIELDS, TARGETS, read_toml
from borderwatch.errors import ConfigError, ConfigWarning, unknown_key
from borderwatch.limits import DEFAULT_LIMITS, Limits, check_limit, limits_from_mapping

__all__ = [
    "GRID_KEYS",
    "JOB_KEYS",
    "BatchSpec",
    "ScenarioRef",
    "load_spec",
    "parse_spec",
]

#: Grid keys that are not :class:`~borderwatch.config.PlanConfig` fields.
JOB_KEYS = ("n_teams", "max_revisit_min", "max_response_min", "time_limit_s", "max_iterations")

#: PlanConfig fields that may be varied in ``[grid]`` (``profiles`` may not).
_CONFIG_KEYS = SCALAR_FIELDS

#: Every key allowed in ``[grid]``.
GRID_KEYS = JOB_KEYS + _CONFIG_KEYS

#: Old key names still read, with a ConfigWarning: old -> new.
_RENAMED = {"time_limit": "time_limit_s"}

_TOP_KEYS = (
    "job",
    "time_limit_s",
    "max_iterations",
    "max_revisit_min",
    "max_response_min",
    "criterion",
    "night",
    "map_html",
    "lang",
    "scenario",
    "config",
    "grid",
    "limits",
)
_JOBS = ("gaps", "plan")
_CRITERIA = ("checkpoint", "response", "road", "revisit")
#: generate_scenario keywords a spec may give (scalars and short lists only).
_GENERATE_KEYS = (
    "border_km",
    "seed",
    "name",
    "title",
    "n_checkpoints",
    "n_teams",
    "n_border_townships",
    "grid_counts",
    "road_density",
    "extra_edge_share",
    "depth_km",
    "incident_rate",
    "incident_year",
    "origin",
    "timezone",
    "night_window",
)


@dataclass(frozen=True)
class ScenarioRef:
    """Where a task's scenario comes from; small enough to ship to a worker.

    Parameters
    ----------
    label
        The scenario's name in output folders and in the summary table.
    kind
        ``"name"`` (embedded), ``"path"`` (a folder) or ``"generate"``.
    value
        The embedded name, the absolute folder path, or the
        :func:`~borderwatch.data.synthetic.generate_scenario` keywords as
        sorted ``(key, value)`` pairs.
    """

    label: str
    kind: str
    value: str | tuple[tuple[str, Any], ...]

    def describe(self) -> dict[str, Any]:
        """JSON-ready description (for ``task.json`` and the input hash)."""
        if self.kind == "generate":
            assert isinstance(self.value, tuple)
            return {"generate": {k: _plain(v) for k, v in self.value}}
        return {self.kind: self.value}


@dataclass(frozen=True)
class BatchSpec:
    """A parsed, validated batch spec.

    Parameters
    ----------
    job
        ``"gaps"`` or ``"plan"``.
    scenarios
        The scenarios, in spec order.
    grid
        Variant key to the list of its values, in spec order.
    config
        PlanConfig options applied to every task (under the grid values).
    time_limit_s, max_iterations
        Routing search limits (``plan``), unless varied in the grid
        (``time_limit``, the old name of ``time_limit_s``, is read with a warning).
    max_revisit_min, max_response_min
        Coverage targets, unless varied in the grid.
    criterion
        Coverage criteria of a ``gaps`` job.
    night
        Date of the night (``plan``).
    map_html
        Whether each task also draws ``map.html`` (default False: maps are
        big and a batch is read through its summary table).
    lang
        Map language (default: by the scenario's time zone).
    file
        The spec file, if read from one.
    """

    job: str
    scenarios: tuple[ScenarioRef, ...]
    grid: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    time_limit_s: float = 20.0
    max_iterations: int | None = None
    max_revisit_min: float = TARGETS.max_revisit_min
    max_response_min: float = TARGETS.max_response_min
    criterion: tuple[str, ...] = ("checkpoint",)
    night: date = field(default_factory=date.today)
    map_html: bool = False
    lang: str | None = None
    file: Path | None = None

    @property
    def n_variants(self) -> int:
        """Number of grid combinations (1 for an empty grid)."""
        return math.prod(len(v) for v in self.grid.values())

    @property
    def n_tasks(self) -> int:
        """Number of tasks: scenarios × variants."""
        return len(self.scenarios) * self.n_variants


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    return value


def _number(
    key: str, value: Any, file: Path | None, *, integer: bool = False, minimum: float = 0.0
) -> None:
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or not math.isfinite(value) or value < minimum:
        what = "an integer" if integer else "a number"
        raise ConfigError(
            f"must be {what} of at least {minimum:g}", field=key, value=value, file=file
        )


def _check_grid_value(key: str, value: Any, file: Path | None) -> None:
    """Check one grid value on the client (the full PlanConfig check runs in the task)."""
    where = f"grid.{key}"
    if key in ("n_teams", "max_iterations", "seed"):
        _number(where, value, file, integer=True, minimum=1 if key == "n_teams" else 0)
    elif key in ("night_start", "night_end"):
        if not isinstance(value, str):
            raise ConfigError("must be a time of day 'HH:MM'", field=where, value=value, file=file)
    elif key == "loops":
        if value not in LOOP_RULES:
            rules = ", ".join(repr(x) for x in LOOP_RULES)
            raise ConfigError(f"must be one of {rules}", field=where, value=value, file=file)
    else:
        _number(where, value, file, minimum=0.0)
        if value == 0:
            raise ConfigError("must be greater than 0", field=where, value=value, file=file)


def _scenario(
    entry: Any, i: int, base_dir: Path, file: Path | None, limits: Limits = DEFAULT_LIMITS
) -> ScenarioRef:
    where = f"scenario[{i}]"
    kind, label = _scenario_entry(entry, where, file)
    raw = entry[kind]
    if kind == "name":
        return _scenario_name(raw, label, where, file)
    if kind == "path":
        return _scenario_path(raw, label, where, base_dir, file)
    return _scenario_generate(raw, label, where, file, limits)


def _scenario_entry(entry: Any, where: str, file: Path | None) -> tuple[str, str | None]:
    """Check a ``[[scenario]]`` table's keys; its source kind and its label."""
    if not isinstance(entry, Mapping):
        raise ConfigError("must be a table", field=where, value=entry, file=file)
    unknown = set(entry) - {"path", "name", "generate", "label"}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(
            "unknown key; known: generate, label, name, path",
            field=f"{where}.{key}",
            value=entry[key],
            file=file,
        )
    sources = [k for k in ("path", "name", "generate") if k in entry]
    if len(sources) != 1:
        raise ConfigError(
            "give exactly one of path, name, generate",
            field=where,
            value=dict(entry),
            file=file,
        )
    label = entry.get("label")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise ConfigError(
            "must be a non-empty string", field=f"{where}.label", value=label, file=file
        )
    return sources[0], label


def _scenario_name(raw: Any, label: str | None, where: str, file: Path | None) -> ScenarioRef:
    """An embedded scenario, by name."""
    from borderwatch.data import embedded_scenarios

    known = embedded_scenarios()
    if raw not in known:
        raise ConfigError(
            f"unknown embedded scenario; known: {', '.join(known) or 'none'}",
            field=f"{where}.name",
            value=raw,
            file=file,
        )
    return ScenarioRef(label or str(raw), "name", str(raw))


def _scenario_path(
    raw: Any, label: str | None, where: str, base_dir: Path, file: Path | None
) -> ScenarioRef:
    """A scenario folder (or its scenario.toml), relative to ``base_dir``."""
    if not isinstance(raw, str) or not raw:
        raise ConfigError("must be a folder path", field=f"{where}.path", value=raw, file=file)
    folder = Path(raw).expanduser()
    if not folder.is_absolute():
        folder = base_dir / folder
    folder = folder.resolve()
    if folder.is_file() and folder.name == "scenario.toml":
        folder = folder.parent
    if not (folder / "scenario.toml").is_file():
        raise ConfigError(
            f"not a scenario folder (no scenario.toml in {folder})",
            field=f"{where}.path",
            value=raw,
            file=file,
        )
    return ScenarioRef(label or folder.name, "path", str(folder))


def _scenario_generate(
    raw: Any, label: str | None, where: str, file: Path | None, limits: Limits
) -> ScenarioRef:
    """A synthetic scenario: checked generate_scenario keywords, frozen."""
    if not isinstance(raw, Mapping):
        raise ConfigError(
            "must be a table of generate_scenario options",
            field=f"{where}.generate",
            value=raw,
            file=file,
        )
    for key, value in raw.items():
        if key not in _GENERATE_KEYS:
            raise ConfigError(
                f"unknown generator option; known: {', '.join(_GENERATE_KEYS)}",
                field=f"{where}.generate.{key}",
                value=value,
                file=file,
            )
    if "border_km" in raw:
        _number(f"{where}.generate.border_km", raw["border_km"], file, minimum=1.0)
        check_limit(  # a border of 1e9 km asks for tens of GiB before the first line of output
            raw["border_km"],
            limits,
            "border_km",
            what=f"{where}.generate.border_km",
            file=file,
            raise_in="the batch spec",
        )
    if "seed" in raw:
        _number(f"{where}.generate.seed", raw["seed"], file, integer=True)
    frozen = _freeze(raw)
    auto = f"gen{_fmt(raw.get('border_km', 60))}km-s{raw.get('seed', 7)}"
    return ScenarioRef(label or str(raw.get("name") or auto), "generate", frozen)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_spec(
    values: Mapping[str, Any], *, base_dir: str | Path = ".", file: str | Path | None = None
) -> BatchSpec:
    """Validate plain values (a parsed TOML document) into a :class:`BatchSpec`.

    Parameters
    ----------
    values
        The spec's top-level table.
    base_dir
        Folder that relative scenario paths start from.
    file
        The spec file, named in error messages.

    Returns
    -------
    BatchSpec
        The job, the scenarios, the grid, the config options and the job's
        options, checked (also the number of tasks against the ``[limits]``).

    Raises
    ------
    ConfigError
        Naming the spec file, the key and the bad value.
    """
    f = None if file is None else Path(file)
    values = _renamed(values, "", f)
    for key, value in values.items():
        if key not in _TOP_KEYS:
            raise unknown_key(key, value, _TOP_KEYS, file=f)
    job = values.get("job", "plan")
    if job not in _JOBS:
        raise ConfigError("job must be 'gaps' or 'plan'", field="job", value=job, file=f)
    limits = limits_from_mapping(values.get("limits", {}), file=f)
    scenarios = _spec_scenarios(values.get("scenario"), Path(base_dir), f, limits)
    config = _spec_config(values.get("config", {}), f)
    raw_grid = values.get("grid", {})
    if not isinstance(raw_grid, Mapping):
        raise ConfigError("must be a table", field="grid", value=raw_grid, file=f)
    raw_grid = _renamed(raw_grid, "grid.", f)
    grid = _spec_grid(raw_grid, job, f)
    spec = BatchSpec(
        job=job,
        scenarios=scenarios,
        grid=grid,
        config=dict(config),
        file=f,
        **_spec_options(values, f),
    )
    check_limit(
        spec.n_tasks,
        limits,
        "batch_tasks",
        what="batch tasks (scenarios x grid)",
        file=f,
        raise_in="the batch spec",
    )
    return spec


def _spec_scenarios(
    raw_scenarios: Any, base_dir: Path, f: Path | None, limits: Limits
) -> tuple[ScenarioRef, ...]:
    """The ``[[scenario]]`` tables, checked, with distinct folder-safe labels."""
    if not isinstance(raw_scenarios, list) or not raw_scenarios:
        raise ConfigError(
            "the spec needs at least one [[scenario]] table",
            field="scenario",
            value=raw_scenarios,
            file=f,
        )
    scenarios = tuple(
        _scenario(entry, i, base_dir, f, limits) for i, entry in enumerate(raw_scenarios)
    )
    labels = [s.label for s in scenarios]
    for label in labels:
        if labels.count(label) > 1:
            raise ConfigError(
                "two scenarios share this label; give each a distinct 'label'",
                field="scenario.label",
                value=label,
                file=f,
            )
        if not _safe(label):
            raise ConfigError(
                f"a scenario label names a folder: it is an id, {ID_RULE}",
                field="scenario.label",
                value=label,
                file=f,
            )
    return scenarios


def _spec_config(config: Any, f: Path | None) -> Mapping[str, Any]:
    """The ``[config]`` table, validated once on the client as PlanConfig options."""
    if not isinstance(config, Mapping):
        raise ConfigError("must be a table", field="config", value=config, file=f)
    from borderwatch.config import from_mapping

    try:
        from_mapping(config)  # validates keys and values once, on the client
    except ConfigError as err:
        raise ConfigError(
            err.message,
            field=f"config.{err.field}",
            value=err.value,
            file=f,
        ) from None
    return config


def _spec_grid(raw_grid: Mapping[str, Any], job: str, f: Path | None) -> dict[str, tuple[Any, ...]]:
    """The ``[grid]`` table (old key names already renamed): key to its checked values."""
    grid: dict[str, tuple[Any, ...]] = {}
    for key, vals in raw_grid.items():
        if key not in GRID_KEYS:
            raise unknown_key(key, vals, GRID_KEYS, where=f"grid.{key}", file=f, what="grid key")
        unused = {"plan": ("max_response_min",), "gaps": ("time_limit_s", "max_iterations")}
        if key in unused[job]:
            raise ConfigError(f"not used by a {job} job", field=f"grid.{key}", value=vals, file=f)
        if not isinstance(vals, list):
            vals = [vals]
        if not vals:
            raise ConfigError(
                "a grid key needs at least one value", field=f"grid.{key}", value=vals, file=f
            )
        for v in vals:
            _check_grid_value(key, v, f)
        if len(set(vals)) != len(vals):
            raise ConfigError(
                "repeated value in a grid list", field=f"grid.{key}", value=vals, file=f
            )
        grid[key] = tuple(vals)
    return grid


def _spec_options(values: Mapping[str, Any], f: Path | None) -> dict[str, Any]:
    """The top-level job options given in the spec, checked, as BatchSpec keywords."""
    kwargs: dict[str, Any] = {}
    for key in ("time_limit_s", "max_revisit_min", "max_response_min"):
        if key in values:
            _number(key, values[key], f)
            if values[key] <= 0:
                raise ConfigError("must be greater than 0", field=key, value=values[key], file=f)
            kwargs[key] = float(values[key])
    if "max_iterations" in values:
        _number("max_iterations", values["max_iterations"], f, integer=True, minimum=1)
        kwargs["max_iterations"] = int(values["max_iterations"])
    if "criterion" in values:
        kwargs["criterion"] = _spec_criterion(values["criterion"], f)
    if "night" in values:
        kwargs["night"] = _spec_night(values["night"], f)
    if "map_html" in values:
        if not isinstance(values["map_html"], bool):
            raise ConfigError(
                "must be true or false", field="map_html", value=values["map_html"], file=f
            )
        kwargs["map_html"] = values["map_html"]
    if "lang" in values:
        kwargs["lang"] = str(values["lang"])
    return kwargs


def _spec_criterion(crit: Any, f: Path | None) -> tuple[str, ...]:
    """``criterion``: a comma-separated string or a list of coverage criteria."""
    names = [c.strip() for c in crit.split(",")] if isinstance(crit, str) else crit
    if not isinstance(names, list) or not names or any(n not in _CRITERIA for n in names):
        raise ConfigError(
            f"criterion must be one or more of {', '.join(_CRITERIA)}",
            field="criterion",
            value=crit,
            file=f,
        )
    return tuple(names)


def _spec_night(raw: Any, f: Path | None) -> date:
    """``night``: a date or a ``YYYY-MM-DD`` string."""
    night = raw
    if isinstance(night, str):
        try:
            night = date.fromisoformat(night)
        except ValueError:
            night = None
    if not isinstance(night, date):
        raise ConfigError("must be a date YYYY-MM-DD", field="night", value=raw, file=f)
    return night


def _renamed(values: Mapping[str, Any], prefix: str, file: Path | None) -> Mapping[str, Any]:
    """``values`` with old key names replaced by the new ones (a ConfigWarning for each)."""
    old = [k for k in _RENAMED if k in values]
    if not old:
        return values
    out = dict(values)
    for key in old:
        new = _RENAMED[key]
        if new in out:
            raise ConfigError(
                f"given twice: as {prefix}{key} (the old name) and as {prefix}{new}",
                field=f"{prefix}{key}",
                value=out[key],
                file=file,
            )
        where = f"{file}: " if file is not None else ""
        warnings.warn(
            ConfigWarning(f"{where}{prefix}{key} is now called {prefix}{new} (seconds)"),
            stacklevel=3,
        )
        out[new] = out.pop(key)
    return out


def _safe(text: str) -> bool:
    return id_problem(text) is None


def load_spec(path: str | Path) -> BatchSpec:
    """Read and validate a batch spec TOML file (relative paths start at its folder).

    Parameters
    ----------
    path
        The batch spec file (TOML: ``job``, ``[[scenario]]``, ``[grid]``,
        ``[config]``, the job's options, ``[limits]``).

    Returns
    -------
    BatchSpec
        The validated spec (:func:`parse_spec`), ``file`` set to ``path``.

    Raises
    ------
    ConfigError
        Naming the spec file, the key and the bad value (also for a file that
        cannot be read or is not TOML).
    """
    path = Path(path)
    values = read_toml(path, what="batch spec file")
    return parse_spec(values, base_dir=path.resolve().parent, file=path)
