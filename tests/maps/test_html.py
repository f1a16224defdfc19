"""Maps, checked on the generated HTML (fast; no browser).

Inputs are synthetic: the toy scenario with a status by a simple rule
(:func:`tests.maps.synthetic.synthetic_inputs`) and two forced gaps; a
checkpoint and a team carry hostile names.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from borderwatch.data import build_network, load_scenario
from borderwatch.maps import (
    ChromiumNotFoundError,
    MapInputError,
    coverage_map,
    gap_km_by_grid,
    plan_map,
    route_arrows,
    save_map,
    save_png,
    to_html,
)
from tests.maps.hostile import FORCED_GAPS, XSS_CP, XSS_TEAM, write_hostile_toy
from tests.maps.synthetic import synthetic_inputs


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    net = build_network(load_scenario(write_hostile_toy(tmp_path_factory.mktemp("maps") / "toy")))
    return net, synthetic_inputs(net, force_gaps=FORCED_GAPS)


def _cov(toy: tuple, **kw: object) -> str:
    net, inp = toy
    m = coverage_map(net, inp["units_status"], inp["gaps"], inp["summary"], **kw)
    return to_html(m)


def _plan(toy: tuple, **kw: object) -> str:
    net, inp = toy
    m = plan_map(net, inp["routes"], inp["required_edges"], inp["units_status"], **kw)
    return to_html(m)


def _count(prop: str, html: str) -> int:
    """How many GeoJSON features in ``html`` have the property ``prop``."""
    return len(re.findall(rf'"{prop}":\s*"', html))


REMOTE = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)=\"https?://", re.IGNORECASE)


def test_inputs_as_expected(toy: tuple) -> None:
    net, inp = toy
    assert list(inp["gaps"]["gap_id"]) == ["G1.00-2.00", "G7.50-8.50"]  # ids by chainage
    assert inp["units_status"]["status"].value_counts()["gap"] == 8
    assert net.checkpoints["name"].iloc[0] == XSS_CP


def test_offline_map_inlines_every_script(toy: tuple) -> None:
    for html in (_cov(toy, offline=True), _plan(toy, offline=True)):
        assert not REMOTE.search(html)
        assert "cdn.jsdelivr" not in html and "code.jquery" not in html
        assert "Leaflet 1.9.4" in html  # the inlined library's banner
        assert "borderwatch.init(" in html
        assert "L.tileLayer(" not in html  # offline default basemap: none
        assert "data:image/png;base64," in html  # layer-control icon inlined
        assert len(html.encode()) < 1_000_000


def test_online_map_links_leaflet_only(toy: tuple) -> None:
    html = _cov(toy, basemap="OpenStreetMap.Mapnik")
    links = re.findall(r"<(?:script|link)\b[^>]*(?:src|href)=\"(https?://[^\"]+)", html)
    assert links and all("leaflet" in u for u in links), links
    assert "tile.openstreetmap.org" in html


def test_hostile_names_are_escaped(toy: tuple) -> None:
    for html in (_cov(toy, offline=True), _plan(toy, offline=True)):
        assert XSS_CP not in html
        assert XSS_TEAM not in html
        assert "<script>alert" not in html
        # the name is there, escaped for the popup's innerHTML and the script's JSON
        assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html


def test_languages(toy: tuple) -> None:
    zh, en = _cov(toy, lang="zh", offline=True), _cov(toy, lang="en", offline=True)
    assert "边境巡防覆盖图" in zh and "盲区段" in zh and "Border coverage" not in zh
    assert "Border coverage" in en and "Watched by patrol only" in en and "盲区段" not in en
    assert "Aidian" in zh and "Aidian" in en  # names from the data as given
    assert "Night patrol plan" in _plan(toy, lang="en")
    with pytest.raises(MapInputError, match="lang must be one of 'zh', 'en', not 'fr'"):
        _cov(toy, lang="fr")


def test_same_inputs_same_bytes(toy: tuple) -> None:
    assert _cov(toy, offline=True) == _cov(toy, offline=True)
    assert _plan(toy) == _plan(toy)


def test_feature_counts_in_data(toy: tuple) -> None:
    net, inp = toy
    html = _cov(toy, offline=True)
    assert _count("s", html) == len(net.units)  # one feature per unit
    assert _count("rng", html) == len(inp["gaps"])
    plan = _plan(toy, offline=True)
    assert _count("lk", plan) == len(inp["routes"])
    assert '"arrows":[{' in plan


def test_basemaps(toy: tuple) -> None:
    html = _cov(toy, basemap=["OpenStreetMap.Mapnik", "Esri.WorldImagery"])
    assert html.count("L.tileLayer(") == 2
    assert "L.tileLayer(" not in _cov(toy, basemap="none")
    assert "tiles/{z}/{x}/{y}.png" in _cov(toy, basemap="tiles/{z}/{x}/{y}.png", offline=True)
    with pytest.raises(MapInputError, match="not an xyzservices provider"):
        _cov(toy, basemap="No.Such.Tiles")
    with pytest.warns(UserWarning, match="tiles load only where there is internet"):
        _cov(toy, basemap="OpenStreetMap.Mapnik", offline=True)


def test_bad_inputs_name_what_is_wrong(toy: tuple) -> None:
    net, inp = toy
    us, gaps, summary = inp["units_status"], inp["gaps"], inp["summary"]
    with pytest.raises(MapInputError, match="units_status lacks column"):
        coverage_map(net, us.drop(columns="status"), gaps, summary)
    bad = us.copy()
    bad.loc[bad.index[3], "status"] = "maybe"
    with pytest.raises(MapInputError, match="'status' of unit 3 is 'maybe'"):
        coverage_map(net, bad, gaps, summary)
    with pytest.raises(MapInputError, match=r"aligned to network\.units\.index"):
        coverage_map(net, us.iloc[:5], gaps, summary)
    with pytest.raises(MapInputError, match="gaps lacks column"):
        coverage_map(net, us, gaps.drop(columns="why"), summary)
    with pytest.raises(MapInputError, match="summary lacks key"):
        coverage_map(net, us, gaps, {"watched_pct": 1})
    with pytest.raises(MapInputError, match="required_edges: edge 99999"):
        plan_map(net, inp["routes"], [99999], us)
    with pytest.raises(MapInputError, match="focus_team 'T9' has no route"):
        plan_map(net, inp["routes"], [], us, focus_team="T9")
    with pytest.raises(MapInputError, match="routes lacks column"):
        plan_map(net, inp["routes"].drop(columns="loop_km"), [], us)


def test_gaps_given_as_geometry(toy: tuple) -> None:
    net, inp = toy
    gaps = inp["gaps"].drop(columns=["first_unit", "last_unit"])
    units = net.units.geometry.to_numpy()
    gaps["geometry"] = [
        shapely.line_merge(shapely.union_all(units[a : b + 1])) for a, b in FORCED_GAPS
    ]
    gaps = gpd.GeoDataFrame(gaps, geometry="geometry", crs=net.crs)
    m = coverage_map(net, inp["units_status"], gaps, inp["summary"])
    assert _count("rng", to_html(m)) == 2
    from borderwatch.maps.coverage import _units_in_gaps

    mask = _units_in_gaps(net.units, gaps, None)
    assert mask.sum() == 8 and mask[4:8].all() and mask[30:34].all()


def test_route_arrows_point_along_the_route() -> None:
    east = shapely.LineString([(0, 0), (10_000, 0)])
    pts = route_arrows(east, spacing_m=2000)
    assert [round(x) for x, _, _ in pts] == [1000, 3000, 5000, 7000, 9000]
    assert all(h == pytest.approx(90.0) for _, _, h in pts)
    back = route_arrows(shapely.LineString([(0, 10_000), (0, 0)]), spacing_m=5000)
    assert all(h == pytest.approx(180.0) for _, _, h in back)
    assert len(route_arrows(east, spacing_m=1, max_arrows=40)) == 40


def test_choropleth_and_heat_on_a_synthetic_scenario(tmp_path: Path) -> None:
    from borderwatch.data.synthetic import generate_scenario

    net = build_network(generate_scenario(15.0, seed=3))
    inp = synthetic_inputs(net, force_gaps=[(10, 19)])
    km = gap_km_by_grid(net, inp["gaps"], "township")
    assert km.sum() == pytest.approx(inp["gaps"]["length_km"].sum())
    m = coverage_map(net, inp["units_status"], inp["gaps"], inp["summary"], offline=True)
    path = save_map(m, tmp_path / "out" / "map.html")
    html = path.read_text(encoding="utf-8")
    assert "bw-grid" in html
    assert net.scenario.incidents is not None and len(net.scenario.incidents) > 0
    assert "L.heatLayer(" in html and "simpleheat" in html  # Leaflet.heat inlined from folium
    assert [p.name for p in path.parent.iterdir()] == ["map.html"]  # no temp file left


def test_summary_figures_in_title(toy: tuple) -> None:
    net, inp = toy
    s = dict(inp["summary"], watched_pct=87.25, worst_revisit_min=math.nan)
    html = to_html(coverage_map(net, inp["units_status"], inp["gaps"], s, lang="en"))
    assert "87.2 %" in html or "87.3 %" in html
    assert "Worst revisit tonight" in html


def test_save_png_names_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = tmp_path / "m.html"
    html.write_text("<html></html>", encoding="utf-8")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("BORDERWATCH_CHROMIUM", raising=False)
    with pytest.raises(ChromiumNotFoundError, match="apt-get install chromium"):
        save_png(html, tmp_path / "m.png")


def test_units_status_reindexed_when_shuffled(toy: tuple) -> None:
    net, inp = toy
    shuffled = inp["units_status"].sample(frac=1.0, random_state=1)
    a = to_html(coverage_map(net, shuffled, inp["gaps"], inp["summary"]))
    b = to_html(coverage_map(net, inp["units_status"], inp["gaps"], inp["summary"]))
    assert a == b
    assert isinstance(inp["units_status"], pd.DataFrame)


def test_offline_refuses_a_script_it_cannot_inline(toy: tuple) -> None:
    from folium.plugins import Fullscreen

    from borderwatch.maps import OfflineAssetError

    net, inp = toy
    m = coverage_map(net, inp["units_status"], inp["gaps"], inp["summary"], offline=True)
    Fullscreen().add_to(m)  # folium's plugin loads from a CDN: no offline source
    with pytest.raises(OfflineAssetError, match="no offline source for the script https://"):
        to_html(m)


def test_offline_without_leaflet_package_names_it(
    toy: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from borderwatch.maps import OfflineAssetError, _assets

    real = importlib.util.find_spec
    monkeypatch.setattr(
        _assets.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "js_lib_leaflet" else real(name, *a),
    )
    _assets._leaflet_css.cache_clear()
    try:
        with pytest.raises(OfflineAssetError, match="pip install django-js-lib-leaflet"):
            _cov(toy, offline=True)
    finally:
        _assets._leaflet_css.cache_clear()


def test_no_gaps_and_infinite_worst_values(toy: tuple) -> None:
    net, inp = toy
    empty = inp["gaps"].iloc[0:0].drop(columns=["first_unit", "last_unit"])
    html = to_html(coverage_map(net, inp["units_status"], empty, inp["summary"], lang="en"))
    assert _count("rng", html) == 0 and "borderwatch.init(" in html
    gaps = inp["gaps"].copy()
    gaps["worst_value"] = [math.inf, 95.25]
    html = to_html(coverage_map(net, inp["units_status"], gaps, inp["summary"], lang="en"))
    assert '"wv": "\\u221e"' in html or '"wv": "∞"' in html
    assert '"wv": "95.2"' in html or '"wv": "95.3"' in html


def test_plan_focus_team_and_defaults(toy: tuple) -> None:
    html = _plan(toy, focus_team="T1", lang="en")
    assert '"initial":"T1"' in html
    assert "Gaps after the plan" in html
    assert _count("rng", html) == 2  # gaps derived from the unit status


def test_team_colours_never_a_status_colour_and_distinct_for_colour_blind_readers() -> None:
    import itertools

    from borderwatch.maps.colours import (
        CVD,
        MIN_DELTA_E,
        STATUS_COLOURS,
        TEAM_COLOURS,
        delta_e,
        team_style,
    )

    for vision in CVD:
        for team, status in itertools.product(TEAM_COLOURS, STATUS_COLOURS.values()):
            assert delta_e(team, status, vision) >= MIN_DELTA_E, (team, status, vision)
    # two of up to 27 teams drawn alike (same dash) differ by colour in every vision; any two
    # in normal vision; 54 teams before a style repeats
    styles = [team_style(i) for i in range(54)]
    assert len(set(styles)) == 54 and styles[9] == (TEAM_COLOURS[9], "10 6")
    for (ca, da), (cb, db) in itertools.combinations(styles[:27], 2):
        if ca == cb:
            assert da != db
            continue
        assert delta_e(ca, cb) >= 11.0, (ca, cb)
        if da == db:
            assert min(delta_e(ca, cb, v) for v in CVD) >= 9.0, (ca, cb)
    # hue first: the first nine teams are nine colours drawn solid
    assert len({c for c, _ in styles[:9]}) == 9 and {d for _, d in styles[:9]} == {""}
    # the simulation is real: red and green collapse for a deuteranope
    assert delta_e("#d7191c", "#1a9850") > 60 > delta_e("#ff0000", "#00ff00", "deuteranopia") / 2


def test_plan_map_team_styles_standby_gap_labels_km_marks_and_target(toy: tuple) -> None:
    net, inp = toy
    routes = inp["routes"].copy()
    standby = routes.iloc[[0]].copy()
    standby["team"] = "T2"
    standby["loop_km"] = 0.0
    standby["loop_min"] = 0.0
    standby["geometry"] = [shapely.LineString()]
    routes = pd.concat([routes, standby], ignore_index=True).set_geometry("geometry")
    m = plan_map(net, routes, inp["required_edges"], inp["units_status"], lang="en")
    html = to_html(m)
    route_colours = set(re.findall(r'"className": "bw-route", "color": "(#[0-9A-Fa-f]{6})"', html))
    assert route_colours == {"#E69F00"}
    assert "bw-row bw-standby" in html and "T2 · standby" in html
    for gap in inp["gaps"]["gap_id"]:
        assert f'bw-gap-label\\"\\u003e{gap}' in html
    assert 'bw-km\\"\\u003e1\\u003c' in html
    # revisit scale from 0 to twice the target, the target marked
    assert "\u25b2 120" in html and "\u2265 240" in html  # the config target, 120 min
    html90 = _plan(toy, lang="en", revisit_target_min=90.0)
    assert "\u25b2 90" in html90 and "\u2265 180" in html90 and "target 90 min" in html90
    with pytest.raises(MapInputError, match="revisit_target_min must be a number > 0"):
        _plan(toy, revisit_target_min=0.0)


def test_gap_reason_in_the_map_language(toy: tuple) -> None:
    net, inp = toy
    gaps = inp["gaps"].copy()
    gaps["why"] = "no checkpoint"
    gaps["why_zh"] = "无执勤点"
    zh = to_html(coverage_map(net, inp["units_status"], gaps, inp["summary"], lang="zh"))
    en = to_html(coverage_map(net, inp["units_status"], gaps, inp["summary"], lang="en"))
    zh_why = json.dumps("无执勤点")[1:-1]  # folium embeds the GeoJSON \\u-escaped
    assert zh_why in zh and "no checkpoint" not in zh
    assert "no checkpoint" in en and zh_why not in en
    # a table without the Chinese column falls back to the English reason
    old = to_html(
        coverage_map(net, inp["units_status"], gaps.drop(columns="why_zh"), inp["summary"])
    )
    assert "no checkpoint" in old
