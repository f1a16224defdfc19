"""What the program's light entry and the lazy front door cost at start (mend12, twelfth session).

The change: the console script and ``python -m borderwatch`` start in
``borderwatch._entry`` (a Ctrl-C while the command line imports says ``interrupted``,
exit 130), and ``borderwatch/__init__.py`` imports its front door's names on first use
(PEP 562) instead of config, data and errors at package import. The program imports the
same modules as before; this measures it, the two trees alternating:

- CPU s of ``python -c "import borderwatch.cli"`` (what the program imports);
- CPU s of ``python -c "import borderwatch"`` (the front door's package import);
- ms until the entry's guard is up (``-X importtime``: ``borderwatch._entry``'s
  cumulative import, the package's ``__init__`` in it); before, no guard;
- wall and CPU s of ``python -m borderwatch plan ningming`` (with ``--plans``).

Usage::

    python benchmarks/entry_imports.py --before /tmp/before_tree --after . --runs 20 --plans 4
"""

from __future__ import annotations

import argparse
import atexit
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alternating import alternate  # benchmarks/alternating.py (the script's folder)

#: each tree's bytecode, written once and read after (as installed), outside the trees
_PYC = Path(tempfile.mkdtemp(prefix="entry-imports-pyc-"))
atexit.register(shutil.rmtree, _PYC, ignore_errors=True)


def _env(tree: Path, cache: Path | None = None) -> dict[str, str]:
    skip = ("BORDERWATCH_NO_CACHE", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env["PYTHONPATH"] = str(tree.resolve())
    env["PYTHONPYCACHEPREFIX"] = str(_PYC / str(abs(hash(str(tree.resolve())))))
    env["BORDERWATCH_QUIET"] = "1"
    if cache is not None:
        env["BORDERWATCH_CACHE_DIR"] = str(cache)
    return env


def _cpu(command: list[str], env: dict[str, str], cwd: str = "/tmp") -> tuple[float, float, str]:
    """Wall s, CPU s (the child's user + system) and stderr of one run."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime, done.stderr


def _guard_ms(tree: Path) -> float:
    """Cumulative import ms of ``borderwatch._entry`` (nan where the tree has none)."""
    code = "import importlib.util, sys\n"
    code += "if importlib.util.find_spec('borderwatch._entry'): import borderwatch._entry\n"
    _, _, said = _cpu([sys.executable, "-X", "importtime", "-c", code], _env(tree))
    got = re.search(r"\|\s*(\d+) \| borderwatch\._entry$", said, re.MULTILINE)
    if got is None:
        return float("nan")
    package = re.search(r"\|\s*(\d+) \| borderwatch$", said, re.MULTILINE)
    return (int(got.group(1)) + (int(package.group(1)) if package else 0)) / 1000.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--before", type=Path, required=True, help="tree without the change")
    ap.add_argument("--after", type=Path, required=True, help="tree with it")
    ap.add_argument("--runs", type=int, default=20, help="import runs per tree")
    ap.add_argument("--plans", type=int, default=4, help="plan ningming runs per tree (0: none)")
    args = ap.parse_args()
    trees = {"before": args.before, "after": args.after}
    for tree in trees.values():  # each tree's bytecode written
        _cpu([sys.executable, "-c", "import borderwatch.cli"], _env(tree))
    got: dict[tuple[str, str], list[float]] = {}
    for i in range(args.runs):
        order = list(trees.items()) if i % 2 == 0 else list(trees.items())[::-1]
        for name, tree in order:
            for what, code in (("cli", "import borderwatch.cli"), ("root", "import borderwatch")):
                got.setdefault((name, what), []).append(
                    _cpu([sys.executable, "-c", code], _env(tree))[1]
                )
            got.setdefault((name, "guard"), []).append(_guard_ms(tree))
    med = {k: statistics.median(v) for k, v in got.items()}
    print(f"medians of {args.runs} processes per tree, the trees alternating, bytecode read\n")
    print("| measure | before | after | after / before |\n|---|---|---|---|")
    for what, label in (
        ("cli", "`import borderwatch.cli`, CPU s"),
        ("root", "`import borderwatch`, CPU s"),
    ):
        b, a = med["before", what], med["after", what]
        print(f"| {label} | {b:.3f} | {a:.3f} | {a / b:.3f}x |")
    print(
        f"| the entry's guard up after, ms | none | {med['after', 'guard']:.1f} | - |", flush=True
    )
    if not args.plans:
        return
    with tempfile.TemporaryDirectory(prefix="entry-imports-plan-") as tmp:
        cache = Path(tmp) / "cache"
        command = [sys.executable, "-m", "borderwatch", "plan", "ningming", "--night",
                   "2026-12-07", "--force", "--out"]  # fmt: skip
        alternate(
            trees,
            lambda name, tree: _cpu([*command, str(Path(tmp) / name)], _env(tree, cache))[:2],
            args.plans,
            Path(tmp),
            "plan ningming medians",
        )


if __name__ == "__main__":
    main()
