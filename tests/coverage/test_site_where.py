"""Where proposed sites are (issue #21): the chainage each newly watches, township,
coordinates and distance to the border, under honest names; border lengths side by side."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from borderwatch import build_network
from borderwatch.cli.gaps import site_table
from borderwatch.coverage import checkpoint_watch, site_checkpoints
from borderwatch.data.summary import border_lengths, border_lengths_text
from tests.coverage.helpers import straight_scenario


@pytest.fixture(scope="module")
def net():
    # a straight 10 km border, road 400 m south with a node every km, CP1 (r = 1000 m) at km 5
    return build_network(straight_scenario(1000.0))


def test_each_site_says_the_stretch_it_newly_watches(net) -> None:
    res = site_checkpoints(net, 3, method="greedy", cover_all=False)
    units = net.units
    mid = units.geometry.interpolate(0.5, normalized=True)
    left = ~checkpoint_watch(net)["watched"].to_numpy(dtype=bool)
    radius = float(res.summary["radius_m"])
    border = shapely.union_all(units.geometry.to_numpy())
    for _, site in res.sites.sort_values("rank").iterrows():
        # independently: units within the radius, not yet watched by a checkpoint or a better site
        near = mid.distance(site.geometry).to_numpy() <= radius + 1e-6
        mine = near & left
        left &= ~near
        assert site["new_km"] == pytest.approx(units["length_m"].to_numpy()[mine].sum() / 1000)
        assert site["from_km"] == pytest.approx(units["start_m"].to_numpy()[mine].min() / 1000)
        assert site["to_km"] == pytest.approx(units["end_m"].to_numpy()[mine].max() / 1000)
        assert site["township"] == units["township"].to_numpy()[mine][0]
        # to_border_m is the distance FROM the border (400 m: the road), not a chainage
        assert site["to_border_m"] == pytest.approx(site.geometry.distance(border), abs=1.0)
        assert site["to_border_m"] == pytest.approx(400.0, abs=1.0)
        back = gpd.GeoSeries([shapely.Point(site["lon"], site["lat"])], crs=4326).to_crs(net.crs)[0]
        assert back.distance(site.geometry) < 1.0
    # the sites newly watch different stretches: their chainages differ
    assert res.sites["from_km"].nunique() == len(res.sites)


def test_printed_table_has_honest_headers_and_every_site(net) -> None:
    res = site_checkpoints(net, 2, method="greedy", cover_all=False)
    text = site_table(res.sites.reset_index())
    assert "km along the border" not in text
    head = text.splitlines()[1]
    for col in ("township", "border km", "new km", "to border", "lon", "lat"):
        assert col in head
    for _, s in res.sites.iterrows():
        assert f"{s['from_km']:.2f}–{s['to_km']:.2f}" in text
        assert f"{s['lon']:.5f}" in text and f"{s['to_border_m']:.0f} m" in text


def test_border_lengths_side_by_side(net) -> None:
    lengths = border_lengths(net)
    assert lengths["modelled_km"] == pytest.approx(net.border_m / 1000, abs=1e-3)
    if lengths["official_km"] is None:
        assert border_lengths_text(lengths) == ""
    text = border_lengths_text(
        {"modelled_km": 103.78, "official_km": 212.0, "generalised": True, "source": ""}
    )
    assert "modelled 103.8 km of the official 212 km" in text and "generalised" in text


@pytest.mark.slow
def test_ningming_border_lengths_give_the_reason() -> None:
    from borderwatch import load_scenario

    scn = load_scenario("ningming")
    assert scn.official_border_km == 212.0

    class _Net:  # border_lengths reads only the scenario and the modelled length
        scenario = scn
        border_m = 103_780.0

    text = border_lengths_text(border_lengths(_Net()))  # type: ignore[arg-type]
    assert text.startswith("border length: modelled 103.8 km of the official 212 km: ")
    assert "generalised" in text


def test_a_site_that_adds_nothing_prints_a_dash(net, tmp_path) -> None:
    """More sites than the border needs: the last ones newly watch nothing and sites.csv
    leaves their stretch empty; `borderwatch site` read it back and stopped with a
    ValueError traceback (exit 1) after writing its files (a 30 km generated border, --add 3)."""
    import pandas as pd

    from borderwatch.coverage.report import write_siting

    res = site_checkpoints(net, 12, cover_all=False)  # the MILP, as the command runs
    write_siting(res, tmp_path / "site")
    # as the command reads it (cli.gaps.site_command)
    sites = pd.read_csv(tmp_path / "site" / "sites.csv", keep_default_na=False)
    empty = sites["from_km"] == ""
    assert empty.any(), sites  # the case: a site with no stretch
    text = site_table(sites)
    lines = text.splitlines()[2:]
    idle = [str(r) for r, e in zip(sites["rank"], empty, strict=True) if e]
    assert lines[-1] == (  # the table says so under the rows
        f"{len(idle)} of them (rank {', '.join(idle)}) newly watch nothing beyond the sites "
        "before them"
    )
    lines = lines[:-1]
    assert len(lines) == len(sites)
    for line, (_, s) in zip(lines, sites.iterrows(), strict=True):
        if s["from_km"] == "":
            assert "—" in line and " 0.00 " in line
        else:
            assert f"{float(s['from_km']):.2f}–{float(s['to_km']):.2f}" in line
