"""The briefing's charts find a CJK font installed after matplotlib built its font cache.

The stale cache is made for real: a fresh ``MPLCONFIGDIR`` whose ``fontlist-*.json``
has the CJK fonts taken out, as it is when matplotlib first ran before
``apt-get install fonts-wqy-microhei``. The charts are drawn in a child process
that reads that cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from borderwatch.errors import BriefWarning
from borderwatch.maps.brief import charts
from borderwatch.maps.brief.labels import brief_labels

needs_cjk = pytest.mark.skipif(
    not charts._fontconfig_cjk(), reason="needs a CJK font known to fontconfig (fc-list :lang=zh)"
)

CHILD = r"""
import json, sys, warnings
from matplotlib import font_manager
from borderwatch.maps.brief import charts
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    before = sorted({f.name for f in font_manager.fontManager.ttflist} & set(charts.CJK_FONTS))
    font = charts.cjk_font()
print(json.dumps({"before": before, "font": font, "warnings": [str(w.message) for w in caught]}))
"""


def _stale_cache(tmp_path: Path) -> Path:
    """An MPLCONFIGDIR whose font cache lists no CJK font (built before the font came)."""
    cfg = tmp_path / "mpl"
    cfg.mkdir()
    env = {**os.environ, "MPLCONFIGDIR": str(cfg)}
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.font_manager"], env=env, check=True, timeout=300
    )
    (cache,) = cfg.glob("fontlist-*.json")
    data = json.loads(cache.read_text())
    cjk = {path for path, _ in charts._fontconfig_cjk()}
    data["ttflist"] = [f for f in data["ttflist"] if f["fname"] not in cjk]
    cache.write_text(json.dumps(data))
    return cfg


@needs_cjk
@pytest.mark.slow
def test_font_installed_after_the_cache_is_found(tmp_path: Path) -> None:
    cfg = _stale_cache(tmp_path)
    env = {**os.environ, "MPLCONFIGDIR": str(cfg)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["before"] == []  # the cache really is stale
    assert out["font"] is not None
    assert out["warnings"] == []


def test_no_cjk_font_is_one_warning_not_one_per_glyph(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np
    import pandas as pd

    monkeypatch.setattr(charts, "CJK_FONTS", ("No Such Font SC",))
    monkeypatch.setattr(charts, "_fontconfig_cjk", list)
    charts.cjk_font.cache_clear()
    n = 40
    units = pd.DataFrame(
        {
            "start_m": np.arange(n) * 250.0,
            "end_m": np.arange(1, n + 1) * 250.0,
            "worst_revisit_min": np.linspace(10, 150, n),
            "never_passed": np.zeros(n, dtype=bool),
            "checkpoint_watched": np.zeros(n, dtype=bool),
            "watched": np.ones(n, dtype=bool),
        }
    )
    gaps = pd.DataFrame(columns=["gap", "start_km", "end_km"])
    towns = [{"township": "寨安乡爱店镇峙浪乡那楠乡", "start_km": 0.0, "end_km": 10.0}]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            charts.revisit_chart(
                units, gaps, target_min=120, labels=brief_labels("zh"), townships=towns
            )
    finally:
        charts.cjk_font.cache_clear()
    glyphs = [w for w in caught if "Glyph" in str(w.message)]
    ours = [w for w in caught if issubclass(w.category, BriefWarning)]
    assert glyphs == []
    assert len(ours) == 1
    assert "fc-list" in str(ours[0].message)


def test_fontconfig_list_is_read_when_present() -> None:
    fonts = charts._fontconfig_cjk()
    if shutil.which("fc-list") is None:
        assert fonts == []
    for path, family in fonts:
        assert Path(path).is_absolute() and family
