"""Check numpydoc sections on the public API (issue #20).

The public API is every function and class named in the ``__all__`` of the
package root and of its subpackages. A public function with parameters documents
them in a ``Parameters`` section and, when it returns something, has a
``Returns`` (or ``Yields``) section; every public class has a docstring.
Checked with numpydoc's own validator (codes PR01, RT01, GL08). Run
``python tools/check_docstrings.py``; it exits 1 and lists what is missing.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys

from numpydoc.validate import validate

import borderwatch

CHECKS_FUNCTION = ("GL08", "PR01", "RT01")
CHECKS_CLASS = ("GL08",)


def public_objects() -> list[tuple[str, object]]:
    """(name as exported, object) of every public function and class, each once."""
    modules = ["borderwatch"] + [
        f"borderwatch.{m.name}" for m in pkgutil.iter_modules(borderwatch.__path__) if m.ispkg
    ]
    seen: set[int] = set()
    out = []
    for name in modules:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr, None)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and id(obj) not in seen:
                seen.add(id(obj))
                out.append((f"{name}.{attr}", obj))
    return out


def problems() -> list[str]:
    """One line per public object whose docstring misses a checked section."""
    lines = []
    for name, obj in public_objects():
        checks = CHECKS_CLASS if inspect.isclass(obj) else CHECKS_FUNCTION
        result = validate(f"{obj.__module__}.{obj.__qualname__}")  # type: ignore[attr-defined]
        bad = [f"{code} {msg}" for code, msg in result["errors"] if code in checks]
        lines.extend(f"{name}: {b}" for b in bad)
    return lines


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    total = len(public_objects())
    print(f"{total} public functions and classes; {len(found)} missing sections")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
