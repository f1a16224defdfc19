"""Scale-aware checks: rural defaults on a city-scale border stop with values that fit; built-up speeds."""

from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from borderwatch import ScenarioError, build_network, load_scenario
from borderwatch.config import SearchParams
from borderwatch.data.roads import BUILT_UP_KMH, built_up, maxspeed_kmh
from borderwatch.data.validate import suggest_scale
from tests.data.city import CITY_DEFAULTS, write_city_scenario
from tests.helpers import toy_osm_xml


def _quiet_load(folder: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_scenario(folder)


@pytest.mark.slow
def test_city_with_rural_defaults_stops_with_suggested_values(tmp_path: Path) -> None:
    pytest.importorskip("osmium")
    folder = write_city_scenario(tmp_path / "city")
    with pytest.raises(ScenarioError) as err:
        build_network(_quiet_load(folder))
    assert str(err.value) == (
        f"{folder / 'scenario.toml'}, field 'unit_length_m', value 250.0: the border is 1.64 km "
        "long, too short for these settings: unit_length_m = 250 gives 6.5 units; "
        "checkpoint_radius_m = 1500 lets one checkpoint watch more than a third of it; "
        "patrol_view_m = 1000 lets one road watch more than a third of it. Rural values (250 m "
        "units, a 1.5 km radius, a 1 km view) suit borders of tens of km; for this one set in "
        "[defaults] for example unit_length_m = 20, checkpoint_radius_m = 120, patrol_view_m = 80"
    )


@pytest.mark.slow
def test_city_with_suggested_values_plans_without_degenerate_loops(tmp_path: Path) -> None:
    pytest.importorskip("osmium")
    from borderwatch.jobs import run_plan

    folder = write_city_scenario(tmp_path / "city", defaults=CITY_DEFAULTS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = build_network(load_scenario(folder))
        assert net.edges["built_up"].mean() > 0.9  # a city centre
        before = net.watch.unit_checkpoint.sum(axis=1)
        assert (before > 0).mean() < 0.5  # not "100 % watched" before any plan
        run_plan(
            net, tmp_path / "plan", night=date(2026, 12, 1), map_html=False, search=SearchParams(max_iterations=50, seed=1))  # fmt: skip
    report = (tmp_path / "plan" / "report.txt").read_text(encoding="utf-8")
    loops = [float(m) for m in re.findall(r"then every (\d+(?:\.\d+)?) min", report)]
    assert loops and min(loops) >= 3, report  # no "every 0 min (99938 loops)"


def test_suggest_scale_rounds_to_nice_values() -> None:
    assert suggest_scale(212_000.0) == {
        "unit_length_m": 2500.0, "checkpoint_radius_m": 15000.0, "patrol_view_m": 10000.0,
    }  # fmt: skip
    assert suggest_scale(100.0)["unit_length_m"] == 5.0


def test_short_border_names_the_checkpoint_radius(toy_dir: Path) -> None:
    # the toy's 10 km border with a checkpoint radius_m of 4 km in checkpoints.csv
    text = (toy_dir / "checkpoints.csv").read_text(encoding="utf-8")
    (toy_dir / "checkpoints.csv").write_text(text.replace(",1000\n", ",4000\n"), encoding="utf-8")
    text = (toy_dir / "scenario.toml").read_text(encoding="utf-8")
    (toy_dir / "scenario.toml").write_text(
        text.replace("checkpoint_radius_m = 1500.0", "checkpoint_radius_m = 500.0"),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"field 'radius_m', value 4000\.0: .*a checkpoints"):
        build_network(load_scenario(toy_dir))


@pytest.mark.parametrize(
    ("value", "kmh"),
    [("50", 50.0), ("30 mph", 48.28032), ("FI:urban", 50.0), ("RU:rural", 90.0),
     ("DE:living_street", 20.0), ("walk", 7.0), ("60;40", 40.0), (["50", "30"], 30.0),
     ("none", np.nan), ("signals", np.nan), (None, np.nan), ("-5", np.nan)],
)  # fmt: skip
def test_maxspeed_values(value: object, kmh: float) -> None:
    assert maxspeed_kmh(value) == pytest.approx(kmh, nan_ok=True)


def test_maxspeed_tag_caps_the_pickup(toy_dir: Path) -> None:
    plain = build_network(load_scenario(toy_dir))
    xml = toy_osm_xml().replace(
        '<tag k="highway" v="tertiary"/>',
        '<tag k="highway" v="tertiary"/><tag k="maxspeed" v="20"/>',
    )
    (toy_dir / "roads.osm").write_text(xml, encoding="utf-8")
    capped = build_network(load_scenario(toy_dir))
    tertiary = (capped.edges["highway"] == "tertiary").to_numpy()
    secs = capped.edge_seconds("pickup")[tertiary]
    assert secs == pytest.approx(capped.edges["length"].to_numpy()[tertiary] / (20 / 3.6))
    assert (secs > plain.edge_seconds("pickup")[tertiary]).all()
    assert not capped.edges["built_up"].any()  # the toy is rural


def test_dense_streets_are_built_up() -> None:
    # a 500 m square with 20 km of streets is a town; 1 km of road in the next square is not
    x = np.array([100.0] * 40 + [700.0])
    y = np.array([100.0] * 40 + [100.0])
    length = np.array([500.0] * 40 + [1000.0])
    mask = built_up(x, y, length)
    assert mask[:40].all() and not mask[40]
    assert BUILT_UP_KMH == 40.0
