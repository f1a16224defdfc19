"""List functions longer than a budget, counting code lines (the docstring not counted).

The house rule (issue #20, docs/architecture.md): no function over 120 code lines,
at most 10 over 80. Alembic migration revisions (table definitions) are not counted. ``python tools/long_functions.py`` prints the long ones and
exits 1 when the budget is broken.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HARD, SOFT, SOFT_COUNT = 120, 80, 10


def code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the end of the function."""
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
        and len(body) > 1
    ):
        body = body[1:]
    return int(node.end_lineno or node.lineno) - body[0].lineno + 1


def long_functions(package: Path) -> list[tuple[int, str, str]]:
    """(code lines, file, name) of every function over the soft limit, longest first."""
    rows = []
    for path in sorted(package.rglob("*.py")):
        if "migrations" in path.parts:  # Alembic revisions: declarative table definitions
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = code_lines(node)
                if n > SOFT:
                    rows.append((n, str(path.relative_to(ROOT)), node.name))
    return sorted(rows, reverse=True)


def main() -> int:
    rows = long_functions(ROOT / "borderwatch")
    for n, path, name in rows:
        print(f"{n:4d}  {path}  {name}")
    over = [r for r in rows if r[0] > HARD]
    print(
        f"{len(rows)} over {SOFT} lines (budget {SOFT_COUNT}), {len(over)} over {HARD} (budget 0)"
    )
    return 1 if over or len(rows) > SOFT_COUNT else 0


if __name__ == "__main__":
    sys.exit(main())
