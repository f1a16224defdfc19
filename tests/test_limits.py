"""Input size limits (borderwatch/limits.py): refused before the parse, with the limit named."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderwatch.batch.spec import parse_spec
from borderwatch.cli import app
from borderwatch.config import plan_options
from borderwatch.data import load_scenario
from borderwatch.data.roads import read_roads
from borderwatch.errors import ConfigError, InputLimitError
from borderwatch.limits import DEFAULT_LIMITS, Limits, limits_from_mapping, scan_stream
from borderwatch.plan.replan.model import HotStretch
from tests.helpers import toy_osm_xml


def _add_limits(folder: Path, table: str) -> None:
    toml = folder / "scenario.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f"\n[limits]\n{table}\n", encoding="utf-8")


def _bigger_osm(extra_nodes: int) -> str:
    """The toy roads plus ``extra_nodes`` nodes off any road."""
    lines = toy_osm_xml().splitlines()
    extra = [
        f'  <node id="{900000 + i}" lat="22.0" lon="107.0{i % 10}"/>' for i in range(extra_nodes)
    ]
    return "\n".join([*lines[:2], *extra, *lines[2:]]) + "\n"


def test_osm_node_limit_names_the_limit_and_how_to_raise_it(toy_dir: Path) -> None:
    (toy_dir / "roads.osm").write_text(_bigger_osm(50), encoding="utf-8")
    _add_limits(toy_dir, "osm_nodes = 40")
    with pytest.raises(InputLimitError) as err:
        load_scenario(toy_dir)
    assert str(err.value) == (
        f"{toy_dir / 'roads.osm'}, field 'limits.osm_nodes': OSM nodes: more than 40 exceeds "
        "the limit of 40 (limits.osm_nodes); if the input is meant, raise it with "
        "[limits] osm_nodes = N in scenario.toml or a --config file"
    )
    assert err.value.exit_code == 2


@pytest.mark.parametrize(
    "opener,suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2"), (lzma.open, ".xz")]
)
def test_decompressed_bytes_counted_through_the_decompressor(
    toy_dir: Path, opener: object, suffix: str
) -> None:
    # a small bomb: 3 MB of comments compress to a few KB
    text = toy_osm_xml().replace("</osm>", "<!--" + "x" * 3_000_000 + "--></osm>")
    (toy_dir / "roads.osm").unlink()
    road = toy_dir / f"roads.osm{suffix}"
    with opener(road, "wt", encoding="utf-8") as fh:  # type: ignore[operator]
        fh.write(text)
    assert road.stat().st_size < 100_000
    with pytest.raises(InputLimitError, match=r"OSM XML decompressed size in MB: more than 1 "):
        read_roads(road, limits=Limits(file_mb=1))
    # the same file passes under the default limits
    assert read_roads(road).number_of_nodes() > 0


def test_scan_stream_counts_elements_split_across_blocks(tmp_path: Path) -> None:
    path = tmp_path / "x.osm"
    path.write_bytes(b"<node/>" * 1000)
    counts = scan_stream(
        path,
        DEFAULT_LIMITS,
        what="OSM XML",
        elements={b"<node": ("osm_nodes", "OSM nodes")},
        chunk=3,
    )
    assert counts == {b"<node": 1000}


def test_road_node_limit_before_the_graph(toy_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # checked when the file is parsed, before osmnx builds the graph (a graph in the road
    # cache was built once already: its file's bytes passed the limit then)
    monkeypatch.setenv("BORDERWATCH_NO_CACHE", "1")
    with pytest.raises(
        InputLimitError, match=r"OSM nodes on highway ways: 14 exceeds the limit of 5 "
    ):
        read_roads(toy_dir / "roads.osm", limits=Limits(osm_road_nodes=5))


def test_csv_row_limit(toy_dir: Path) -> None:
    _add_limits(toy_dir, "csv_rows = 1")
    with pytest.raises(InputLimitError) as err:
        load_scenario(toy_dir)
    assert err.value.file == str(toy_dir / "checkpoints.csv")
    assert "CSV rows: more than 1 exceeds the limit of 1 (limits.csv_rows)" in str(err.value)


def test_geojson_vertex_limit(toy_dir: Path) -> None:
    border = json.loads((toy_dir / "border.geojson").read_text(encoding="utf-8"))
    coords = border["features"][0]["geometry"]["coordinates"]
    (x0, y), (x1, _) = coords
    border["features"][0]["geometry"]["coordinates"] = [
        [x0 + (x1 - x0) * i / 99, y] for i in range(100)
    ]
    (toy_dir / "border.geojson").write_text(json.dumps(border), encoding="utf-8")
    _add_limits(toy_dir, "geojson_vertices = 50")
    with pytest.raises(InputLimitError, match=r"GeoJSON vertices: more than 50 exceeds the limit"):
        load_scenario(toy_dir)


def test_file_size_limit_on_disk(toy_dir: Path) -> None:
    (toy_dir / "teams.csv").write_text(
        (toy_dir / "teams.csv").read_text(encoding="utf-8") + "# " + "x" * 20_000 + "\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InputLimitError, match=r"CSV size in MB: 0\.0201 exceeds the limit of 0\.01"
    ):
        from borderwatch.data import validate as v

        v.read_csv_table(toy_dir / "teams.csv", ["id"], limits=Limits(file_mb=0.01))


def test_config_file_limits_apply_to_the_scenario_files(toy_dir: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[limits]\nosm_ways = 2\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["scenario", "validate", str(toy_dir), "--config", str(cfg)])
    assert out.exit_code == 2
    assert "OSM ways: more than 2 exceeds the limit of 2 (limits.osm_ways)" in out.output


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ("osm_nodes = 0", "option 'limits.osm_nodes', value 0: must be a positive whole number"),
        (
            "osm_node = 5",
            "option 'limits.osm_node', value 5: unknown key; did you mean 'osm_nodes'",
        ),
    ],
)
def test_a_bad_limit_names_its_file(toy_dir: Path, tmp_path: Path, table: str, said: str) -> None:
    """A bad [limits] value names the file it is in, as every other option does: a
    --config's and a scenario.toml's said only the option (walk12)."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[limits]\n{table}\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["scenario", "validate", str(toy_dir), "--config", str(cfg)])
    assert out.exit_code == 2
    assert f"{cfg}, {said}" in " ".join(out.output.split())
    _add_limits(toy_dir, table)
    out = CliRunner().invoke(app, ["scenario", "validate", str(toy_dir)])
    assert out.exit_code == 2
    assert f"{toy_dir / 'scenario.toml'}, {said}" in " ".join(out.output.split())


def test_limits_table_is_checked() -> None:
    with pytest.raises(
        ConfigError,
        match=r"option 'limits.osm_node', value 5: unknown key; did you mean 'osm_nodes'",
    ):
        plan_options({"limits": {"osm_node": 5}})
    with pytest.raises(
        ConfigError, match=r"option 'limits.csv_rows', value 0: must be a positive whole number"
    ):
        limits_from_mapping({"csv_rows": 0})
    with pytest.raises(
        ConfigError, match=r"'limits.file_mb', value nan: must be a positive number"
    ):
        limits_from_mapping({"file_mb": float("nan")})
    assert plan_options({"limits": {"osm_nodes": 7}}).to_config().limits.osm_nodes == 7


def test_batch_border_km_and_task_count() -> None:
    with pytest.raises(InputLimitError) as err:
        parse_spec({"scenario": [{"generate": {"border_km": 1e9}}]})
    assert str(err.value) == (
        "field 'limits.border_km', value 1000000000.0: scenario[0].generate.border_km: "
        "1,000,000,000 exceeds the limit of 10,000 (limits.border_km); if the input is meant, "
        "raise it with [limits] border_km = N in the batch spec"
    )
    with pytest.raises(InputLimitError, match=r"batch tasks \(scenarios x grid\): 20,000 exceeds"):
        parse_spec({"scenario": [{"name": "ningming"}], "grid": {"seed": list(range(20_000))}})
    spec = parse_spec(
        {"scenario": [{"generate": {"border_km": 20_000}}], "limits": {"border_km": 3e4}}
    )
    assert spec.n_tasks == 1


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "2-5:1e308",
            "the weight must be above 0 and at most 100 (2 asks for about twice the passes)",
        ),
        ("2-5:0", "the weight must be above 0 and at most 100"),
        ("1e400-2e400", "the km of a hot stretch is too large to be a km of a border"),
        ("2-5:x", "a hot stretch is KM-KM or KM-KM:WEIGHT"),
    ],
)
def test_hot_weight_out_of_range_is_a_range_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        HotStretch.parse(text)
    assert message in str(err.value)
    assert HotStretch.parse("2-5:1e1").weight == 10.0


def test_an_unknown_xml_encoding_is_bad_input(tmp_path: Path) -> None:
    from borderwatch.errors import ScenarioError

    path = tmp_path / "roads.osm"
    path.write_text(
        toy_osm_xml().replace('encoding="UTF-8"', 'encoding="nanUTF-8"'), encoding="utf-8"
    )
    with pytest.raises(
        ScenarioError,
        match=r"field 'encoding': the XML declaration names an unknown text encoding \(unknown encoding: nanUTF-8\); OSM XML is UTF-8",
    ):
        read_roads(path)


def test_gpx_options_are_numbers_in_range() -> None:
    with pytest.raises(ConfigError) as err:
        plan_options({"defaults": {"gpx_off_road_m": []}}).to_config()
    assert (
        str(err.value)
        == "option 'defaults.gpx_off_road_m', value []: gpx_off_road_m must be a number"
    )
    with pytest.raises(ConfigError, match=r"gpx_max_stray_share must be between 0 and 1"):
        plan_options({"defaults": {"gpx_max_stray_share": 1.5}}).to_config()
