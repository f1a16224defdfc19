"""osmnx without matplotlib: the road reader's import of osmnx, a second cheaper.

``import osmnx`` imports ``osmnx.plot``, which imports ``matplotlib.pyplot`` when it
can (about 0.45 s of a command's start-up, more than half of osmnx's import).
borderwatch never plots with osmnx (its maps and drawings import matplotlib
themselves), and osmnx treats matplotlib as optional (``osmnx.plot.mpl_available``).
So when matplotlib is not loaded yet, osmnx is imported with ``matplotlib`` hidden
for the duration of that import; a later ``import matplotlib`` works as usual.
"""

from __future__ import annotations

import sys
from types import ModuleType

__all__ = ["osmnx_module"]


def osmnx_module() -> ModuleType:
    """The osmnx module, imported without matplotlib when matplotlib is not loaded yet.

    Returns
    -------
    module
        ``osmnx``.
    """
    loaded = sys.modules.get("osmnx")
    if loaded is not None:
        return loaded
    if "matplotlib" in sys.modules:
        import osmnx

        return osmnx
    sys.modules["matplotlib"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import osmnx
    finally:
        if sys.modules.get("matplotlib", 0) is None:
            del sys.modules["matplotlib"]
    return osmnx
