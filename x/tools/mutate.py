"""Mutation testing by named source edits: does the suite notice when core code breaks?

Each mutation replaces one exact snippet of a core function of routing, coverage or roster
with a broken version, in a *scratch copy* of the repository (never the working tree), runs
the tests that should notice, and restores the file. A mutation is **killed** when those
tests fail, **survived** when they pass, **n/a** when its snippet is not in this version of
the code (the code moved: update the snippet). Tests that run the installed ``borderwatch``
entry point in a subprocess see the mutated copy too: ``PYTHONPATH`` points at the copy.

Why a small script and not mutmut: mutmut rewrites every operator of every file and needs
hours on this suite on 2 cores; a curated list of realistic breaks (the kind a refactoring
introduces) runs in minutes and names what each test protects.

Usage (from the repository root)::

    python tools/mutate.py                     # copy to a temp folder, run all, print a table
    python tools/mutate.py --repo /tmp/mut_before --report before.md
    python tools/mutate.py --only minmax_never_accepts --only greedy_cover_ignores_cost
    python tools/mutate.py --list

``--repo`` names the repository to copy (default: the one holding this script); the copy
goes to ``--scratch`` (default: a new temporary folder, deleted afterwards). Exit code 0
when every applicable mutation was killed, 1 otherwise. Results:
``benchmarks/results/mutation.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("mutate")

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    """One named break: replace ``old`` by ``new`` in ``file``, run ``tests``."""

    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]  # pytest arguments: files (missing ones are dropped), -k, -m
    what: str


ROUTING_FAST = ("tests/routing/test_quality.py", "tests/routing/test_minmax.py")
COVERAGE = ("tests/coverage",)
ROSTER = ("tests/roster",)

MUTATIONS: tuple[Mutation, ...] = (
    # ------------------------------------------------------------ the four breaks of issue #15
    Mutation(
        "greedy_cover_ignores_cost",
        "borderwatch/plan/required.py",
        "ratio = np.where(ok, cost / np.maximum(gain, 1), np.inf)",
        "ratio = np.where(ok, -gain.astype(float), np.inf)",
        (
            "tests/plan/test_required.py",
            "tests/routing/test_quality.py",
            "-k",
            "cover or required",
        ),
        "greedy set cover chooses by coverage alone",
    ),
    Mutation(
        "minmax_never_accepts",
        "borderwatch/routing/minmax.py",
        "if f_new <= f_cur + _EPS or f_new < f_cur - temp * math.log(self.rng.random()):",
        "if False:",
        ROUTING_FAST,
        "the search never accepts a move (the plan is the start solution)",
    ),
    Mutation(
        "roster_fairness_zero",
        "borderwatch/roster/model.py",
        "return [int(v[comp].min()), int(v[comp].max())] if len(comp) else [0, 0]",
        "return [0, 0]",
        ROSTER,
        "the fairness report is always 0",
    ),
    Mutation(
        "routes_layer_tmp_name",
        "borderwatch/planfiles/export.py",
        'frame.to_file(tmp, driver="GeoJSON", layer="routes")',
        'frame.to_file(tmp, driver="GeoJSON")',
        (
            "tests/plan/test_plan.py",
            "tests/batch/test_dask.py",
            "tests/cli/test_end_to_end.py::test_plan_files_and_numbers",
        ),
        "routes.geojson's layer named after the temporary file",
    ),
    # ------------------------------------------------------------ routing
    Mutation(
        "bound_average_not_divided",
        "borderwatch/routing/bounds.py",
        "value = (service + join) / instance.n_teams",
        "value = (service + join) / max(1, instance.n_teams - 1)",
        ROUTING_FAST,
        "the average lower bound divides by k - 1 (too high)",
    ),
    Mutation(
        "bound_round_trip_max",
        "borderwatch/routing/bounds.py",
        "best = np.minimum(best, trip)",
        "best = np.maximum(best, trip)",
        ROUTING_FAST,
        "round-trip bound takes the farthest team instead of the nearest",
    ),
    Mutation(
        "route_dp_fixed_last_orientation",
        "borderwatch/routing/minmax.py",
        "o = 0 if f0 <= f1 else 1",
        "o = 0",
        ROUTING_FAST,
        "the orientation DP ignores the way home",
    ),
    Mutation(
        "relocate_never_moves",
        "borderwatch/routing/minmax.py",
        "if not f[i, q] < cost[lng] - 1e-9:",
        "if True:",
        ROUTING_FAST,
        "local search never relocates a task out of the longest tour",
    ),
    Mutation(
        "required_milp_skipped",
        "borderwatch/plan/required.py",
        "if len(useful) <= max_milp_columns:",
        "if False:",
        ("tests/plan/test_required.py", "tests/routing/test_quality.py", "-k", "required"),
        "required roads by greedy only (the MILP never runs)",
    ),
    Mutation(
        "split_sums_instead_of_max",
        "borderwatch/routing/minmax.py",
        "cand = np.maximum(dp[:, None], seg)",
        "cand = dp[:, None] + seg",
        ROUTING_FAST,
        "the giant-tour split minimises the total, not the longest piece",
    ),
    # ------------------------------------------------------------ coverage
    Mutation(
        "checkpoint_radius_halved",
        "borderwatch/coverage/static.py",
        "ok = shapely.distance(mid[rows], cg[cols]) <= radius[cols]",
        "ok = shapely.distance(mid[rows], cg[cols]) <= radius[cols] / 2",
        COVERAGE,
        "a checkpoint watches only half its radius",
    ),
    Mutation(
        "siting_greedy_worst_first",
        "borderwatch/coverage/siting.py",
        "c = int(np.argmax(gains)) if len(gains) else -1",
        "c = int(np.argmax(gains > 0)) if len(gains) else -1",
        COVERAGE,
        "greedy siting takes the first useful site, not the best",
    ),
    Mutation(
        "siting_milp_ignored",
        "borderwatch/coverage/siting.py",
        "if m_obj >= greedy_obj - 1e-12",
        "if m_obj >= greedy_obj + 1e9",
        COVERAGE,
        "siting always keeps the greedy answer",
    ),
    Mutation(
        "siting_set_cover_greedy",
        "borderwatch/coverage/siting.py",
        "if m_sc and len(m_sc) <= len(g_sc):",
        "if m_sc and len(m_sc) > len(g_sc):",
        COVERAGE,
        "the fewest-sites answer is the greedy one",
    ),
    # ------------------------------------------------------------ roster
    Mutation(
        "roster_rest_ignored",
        "borderwatch/roster/model.py",
        "windows = _windows(slots, rest)",
        "windows = _windows(slots, 0)",
        ROSTER,
        "rest between duties not enforced",
    ),
    Mutation(
        "roster_cover_one_short",
        "borderwatch/roster/model.py",
        "add(cs, [1.0] * len(cs), s.demand, s.demand)",
        "add(cs, [1.0] * len(cs), max(0, s.demand - 1), s.demand)",
        ROSTER,
        "a slot may be staffed one short",
    ),
    Mutation(
        "roster_comparable_includes_leave",
        "borderwatch/roster/model.py",
        "comp = np.array([i for i, p in enumerate(people) if not _week_leave(p, monday)], dtype=int)",
        "comp = np.array([i for i, p in enumerate(people)], dtype=int)",
        ROSTER,
        "fairness report counts people on leave as comparable",
    ),
    Mutation(
        "roster_leave_ignored",
        "borderwatch/roster/model.py",
        "if (last is not None and s.start < last + rest) or _touches_leave(p, s, monday):",
        "if last is not None and s.start < last + rest:",
        ROSTER,
        "people on leave may be rostered",
    ),
    Mutation(
        "roster_waterfill_same_person",
        "borderwatch/roster/model.py",
        "heapq.heappush(heap, (c + 1, pn, i))",
        "heapq.heappush(heap, (c, pn, i))",
        ROSTER,
        "night duties go to the same person up to the cap (unfair targets)",
    ),
    Mutation(
        "roster_night_cap_ignored",
        "borderwatch/roster/model.py",
        "add(nmine, [1.0] * len(nmine), -np.inf, config.max_night_shifts)",
        "add(nmine, [1.0] * len(nmine), -np.inf, config.max_night_shifts + 1)",
        ROSTER,
        "one night duty over max_night_shifts allowed (weighted mode)",
    ),
)


def _copy(repo: Path, scratch: Path, *, working_tree: bool) -> str:
    """Copy ``repo`` into ``scratch``: its committed HEAD (default) or the files as they are.

    HEAD is the default because a shared working tree may hold someone's half-done edit
    (a module changed, its caller not yet): mutations must start from code that passes.
    """
    if working_tree or not (repo / ".git").exists():
        ignore = shutil.ignore_patterns(
            ".git", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.egg-info"
        )
        shutil.copytree(repo, scratch, ignore=ignore, symlinks=True)
        return "working tree"
    scratch.mkdir(parents=True)
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", "HEAD"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(scratch)], input=archive.stdout, check=True)
    return f"commit {head}"


def _pytest_args(copy: Path, tests: tuple[str, ...]) -> list[str]:
    args: list[str] = []
    skip_next = False
    for i, a in enumerate(tests):
        if skip_next:
            args.append(a)
            skip_next = False
            continue
        if a in ("-k", "-m"):
            args.append(a)
            skip_next = True
            continue
        if a.startswith("-") or (copy / a.split("::")[0]).exists():
            args.append(a)
        else:
            logger.debug("test path %s not in this version, dropped (%d)", a, i)
    return args


def _command(copy: Path, tests: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("BORDERWATCH_STRICT_SKIPS", None)
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header"]
    return [*cmd, *_pytest_args(copy, tests)], env


def baseline(copy: Path, tests: tuple[str, ...], timeout: float) -> tuple[bool, str]:
    """Run a test subset on the unmutated copy: it must pass for its mutations to mean anything."""
    cmd, env = _command(copy, tests)
    res = subprocess.run(
        cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    failed = [ln for ln in res.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    tail = (res.stdout.strip().splitlines() or [""])[-1]
    return res.returncode == 0, (failed[0] if failed else tail)[:160]


def run_one(copy: Path, mut: Mutation, timeout: float) -> tuple[str, float, str]:
    """Apply ``mut`` in ``copy``, run its tests, restore; return (outcome, seconds, detail)."""
    path = copy / mut.file
    if not path.is_file():
        return "n/a", 0.0, f"{mut.file} missing"
    text = path.read_text(encoding="utf-8")
    if text.count(mut.old) != 1:
        return "n/a", 0.0, f"snippet found {text.count(mut.old)} times"
    cmd, env = _command(copy, mut.tests)
    if not any(not a.startswith("-") for a in _pytest_args(copy, mut.tests)):
        return "n/a", 0.0, "none of its test files exist here"
    path.write_text(text.replace(mut.old, mut.new), encoding="utf-8")
    t0 = time.perf_counter()
    try:
        res = subprocess.run(
            cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        seconds = time.perf_counter() - t0
        tail = (res.stdout.strip().splitlines() or [""])[-1]
        failed = [ln for ln in res.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
        if res.returncode == 0:
            return "survived", seconds, tail
        if res.returncode == 5:
            return "n/a", seconds, "no tests collected"
        return "killed", seconds, (failed[0] if failed else tail)[:160]
    except subprocess.TimeoutExpired:
        return "killed", time.perf_counter() - t0, f"timeout after {timeout:g} s"
    finally:
        path.write_text(text, encoding="utf-8")


def _check_baseline(copy: Path) -> None:
    """The unmutated copy must import from itself (not from the installed tree)."""
    env = dict(os.environ, PYTHONPATH=str(copy))
    out = subprocess.run(
        [sys.executable, "-c", "import borderwatch; print(borderwatch.__file__)"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(out).resolve().is_relative_to(copy.resolve()):
        raise SystemExit(f"the copy imports borderwatch from {out}, not from {copy}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=ROOT, help="repository to copy")
    parser.add_argument("--scratch", type=Path, help="where to copy it (default: a temp folder)")
    parser.add_argument("--only", action="append", default=[], help="run only these mutations")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per mutation")
    parser.add_argument("--report", type=Path, help="also write the table (Markdown) here")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument(
        "--working-tree", action="store_true", help="copy the files as they are, not HEAD"
    )
    ns = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    chosen = [m for m in MUTATIONS if not ns.only or m.name in ns.only]
    if ns.list:
        for m in chosen:
            logger.info("%-34s %-34s %s", m.name, m.file, m.what)
        return 0
    repo = ns.repo.resolve()
    tmp = None
    if ns.scratch is None:
        tmp = Path(tempfile.mkdtemp(prefix="bw-mutate-"))
        copy = tmp / "repo"
    else:
        copy = ns.scratch.resolve()
        if copy in (ROOT, repo):
            raise SystemExit("--scratch must not be the repository itself")
        if copy.exists():
            shutil.rmtree(copy)
    try:
        source = _copy(repo, copy, working_tree=ns.working_tree)
        _check_baseline(copy)
        rows = []
        t_all = time.perf_counter()
        base: dict[tuple[str, ...], tuple[bool, str]] = {}
        for m in chosen:
            if m.tests not in base:
                base[m.tests] = baseline(copy, m.tests, ns.timeout)
                logger.info("baseline %s: %s", " ".join(m.tests), base[m.tests][1])
            ok, why = base[m.tests]
            if not ok:
                outcome, seconds, detail = "n/a", 0.0, f"tests fail unmutated: {why}"
            else:
                outcome, seconds, detail = run_one(copy, m, ns.timeout)
            logger.info("%-9s %6.1f s  %-34s %s", outcome, seconds, m.name, detail)
            rows.append((m, outcome, seconds, detail))
        total = time.perf_counter() - t_all
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    applicable = [r for r in rows if r[1] != "n/a"]
    killed = [r for r in applicable if r[1] == "killed"]
    rate = 100.0 * len(killed) / len(applicable) if applicable else 0.0
    lines = [
        f"repository: {repo} ({source}); {len(chosen)} mutations, {len(applicable)} applicable, "
        f"{len(killed)} killed ({rate:.0f} %), {total:.0f} s",
        "",
        "| mutation | file | outcome | s | first failing test / note |",
        "|---|---|---|---|---|",
    ]
    for m, outcome, seconds, detail in rows:
        note = detail.replace("|", "\\|")
        lines.append(f"| `{m.name}` | {m.file} | {outcome} | {seconds:.0f} | {note} |")
    table = "\n".join(lines) + "\n"
    logger.info("\n%s", table)
    if ns.report is not None:
        ns.report.write_text(table, encoding="utf-8")
    return 0 if len(killed) == len(applicable) else 1


if __name__ == "__main__":
    sys.exit(main())
