"""Checkpoint watch and response times: hand cases and a networkx reference."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import shapely

from borderwatch import PlanConfig, build_network, load_scenario
from borderwatch.coverage import CoverageError, checkpoint_watch, response_times
from tests.coverage.helpers import straight_scenario


@pytest.fixture(scope="module")
def synth_net():
    synthetic = pytest.importorskip("borderwatch.data.synthetic")
    return build_network(synthetic.generate_scenario(8, seed=1))


@pytest.mark.parametrize("radius", [500.0, 1500.0, 2000.0])
def test_checkpoint_on_the_border_watches_exactly_2r(radius: float) -> None:
    net = build_network(straight_scenario(radius))
    watch = checkpoint_watch(net)
    watched_m = net.units.loc[watch["watched"], "length_m"].sum()
    assert watched_m == pytest.approx(2 * radius, abs=1e-3)
    assert (watch.loc[watch["watched"], "checkpoints"] == "CP1").all()
    # the "any part" rule of the watch index takes the two touching units too
    wide = checkpoint_watch(net, rule="any")
    assert wide["watched"].sum() >= watch["watched"].sum()


def test_checkpoint_watch_matches_the_toy_index(toy_net) -> None:
    watch = checkpoint_watch(toy_net)
    assert watch.index.equals(toy_net.units.index)
    assert np.flatnonzero(watch["watched"]).tolist() == list(range(10)) + list(range(28, 36))
    assert watch.loc[0, "nearest_checkpoint"] == "CP1"
    assert watch.loc[39, "nearest_checkpoint"] == "CP2"
    with pytest.raises(CoverageError, match="rule"):
        checkpoint_watch(toy_net, rule="nearest")


def reference_response(net, *, teams: bool = True, checkpoints: bool = True) -> np.ndarray:
    """The same definition as :func:`response_times`, computed with networkx and plain loops."""
    cfg = net.config
    walk_ms = cfg.walk_speed_kmh / 3.6
    best = np.full(len(net.units), np.inf)
    groups = []
    if teams:
        for prof, frame in net.teams.groupby("vehicle"):
            groups.append((str(prof), frame))
    if checkpoints:
        groups.append(("foot", net.checkpoints))
    ug = list(net.units.geometry)
    eg = list(net.edges.geometry)
    for prof, frame in groups:
        secs = net.edge_seconds(prof)
        g = nx.DiGraph()
        g.add_nodes_from(range(len(net.nodes)))
        for e, (u, v) in enumerate(net.edges[["u", "v"]].to_numpy()):
            if np.isfinite(secs[e]) and u != v:
                for a, b in ((u, v), (v, u)):
                    if not g.has_edge(a, b) or g[a][b]["w"] > secs[e]:
                        g.add_edge(int(a), int(b), w=float(secs[e]))
        for node, snap in zip(frame["node"], frame["snap_m"], strict=True):
            w = max(snap * cfg.walk_detour / walk_ms, 1e-9)
            if not g.has_edge("S", int(node)) or g["S"][int(node)]["w"] > w:
                g.add_edge("S", int(node), w=w)
        dist = nx.single_source_dijkstra_path_length(g, "S", weight="w")
        for i, unit in enumerate(ug):
            cands = {e for e, geom in enumerate(eg) if geom.distance(unit) <= cfg.patrol_view_m}
            cands.add(int(np.argmin([geom.distance(unit) for geom in eg])))
            for e in cands:
                if not np.isfinite(secs[e]):
                    continue
                geom = eg[e]
                near = shapely.ops.nearest_points(geom, unit)[0]
                f = min(max(geom.project(near) / geom.length, 0.0), 1.0)
                u, v = int(net.edges.loc[e, "u"]), int(net.edges.loc[e, "v"])
                t = min(dist.get(u, np.inf) + f * secs[e], dist.get(v, np.inf) + (1 - f) * secs[e])
                t += geom.distance(unit) * cfg.walk_detour / walk_ms
                best[i] = min(best[i], t / 60)
            for p in frame.geometry:
                best[i] = min(best[i], p.distance(unit) * cfg.walk_detour / walk_ms / 60)
    return best


@pytest.mark.parametrize("which", [(True, True), (True, False), (False, True)])
def test_response_equals_networkx_reference_on_the_toy(toy_net, which) -> None:
    got = response_times(toy_net, teams=which[0], checkpoints=which[1])
    ref = reference_response(toy_net, teams=which[0], checkpoints=which[1])
    np.testing.assert_allclose(got["response_min"].to_numpy(), ref, rtol=1e-12, atol=1e-9)


def test_response_equals_networkx_reference_on_a_generated_scenario(synth_net) -> None:
    got = response_times(synth_net)
    ref = reference_response(synth_net)
    np.testing.assert_allclose(got["response_min"].to_numpy(), ref, rtol=1e-12, atol=1e-9)
    assert np.isfinite(got["response_min"]).all()


def test_response_by_hand_on_the_straight_border() -> None:
    # the team drives 1 km/junction at 30 km/h along a road 400 m from the border; no checkpoints count
    net = build_network(straight_scenario(1000.0))
    got = response_times(net, checkpoints=False)
    speed = 30 / 3.6
    walk = 4 / 3.6
    # unit 20 spans km 5.0-5.25: drive 5 km from the base, walk 400 m x 1.4
    expected = (5000 / speed + 400 * 1.4 / walk) / 60
    assert got.loc[20, "response_min"] == pytest.approx(expected, rel=1e-3)
    assert got.loc[20, "responder"] == "T1"
    assert (got["responder_kind"] == "team").all()
    # farther along the border is never faster
    assert np.all(np.diff(got["response_min"].to_numpy()[2:]) >= -1e-9)


def test_response_options(toy_net) -> None:
    slow = response_times(toy_net, walk_speed_kmh=2.0)
    fast = response_times(toy_net)
    assert (slow["response_min"] >= fast["response_min"] - 1e-9).all()
    with pytest.raises(CoverageError, match="no responder"):
        response_times(toy_net, teams=False, checkpoints=False)
    with pytest.raises(CoverageError, match="walk_detour"):
        response_times(toy_net, walk_detour=0.5)


def test_response_with_config_override(toy_dir: Path) -> None:
    net = build_network(load_scenario(toy_dir), PlanConfig(walk_detour=2.0))
    ref = reference_response(net)
    np.testing.assert_allclose(response_times(net)["response_min"].to_numpy(), ref, rtol=1e-12)
