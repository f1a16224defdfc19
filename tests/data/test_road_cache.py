"""The road-graph cache: the same graph and the same warnings from a second read, never stale."""

from __future__ import annotations

import warnings
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from borderwatch.data import road_cache
from borderwatch.data.roads import read_roads
from borderwatch.errors import BorderwatchWarning
from tests.helpers import write_toy_scenario


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(road_cache.CACHE_ENV, str(folder))
    monkeypatch.delenv(road_cache.NO_CACHE_ENV, raising=False)
    return folder


def _roads(tmp_path: Path) -> Path:
    return write_toy_scenario(tmp_path / "toy") / "roads.osm"


def _same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))
    assert a.graph == b.graph


def _read(path: Path) -> tuple[nx.MultiDiGraph, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = read_roads(path)
    return graph, [str(w.message) for w in caught if issubclass(w.category, BorderwatchWarning)]


def test_a_second_read_comes_from_the_cache_and_equals_the_first(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _roads(tmp_path)
    first, _ = _read(path)
    entries = list((cache / "roads").glob("*.pickle"))
    assert len(entries) == 1
    # the second read must not parse the file: make parsing fail loudly
    import borderwatch.data.roads as roads

    def boom(_path: Path, **_limits: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(roads, "_read_xml", boom)
    second, _ = _read(path)
    _same(first, second)
    # the cache off: parsed again
    monkeypatch.setenv(road_cache.NO_CACHE_ENV, "1")
    with pytest.raises(AssertionError, match="parsed again"):
        read_roads(path)


def test_changed_bytes_are_read_again(cache: Path, tmp_path: Path) -> None:
    path = _roads(tmp_path)
    first, _ = _read(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('lon="107.0096852"', 'lon="107.0100000"'), encoding="utf-8")
    second, _ = _read(path)
    assert len(list((cache / "roads").glob("*.pickle"))) == 2
    assert list(first.edges(keys=True, data=True)) != list(second.edges(keys=True, data=True))


def test_the_warnings_of_the_first_read_are_given_again(cache: Path, tmp_path: Path) -> None:
    path = _roads(tmp_path)
    text = path.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if '<node id="1"' in x)
    path.write_text(text.replace(line, line + "\n" + line, 1), encoding="utf-8")
    _, said_first = _read(path)
    _, said_again = _read(path)
    assert any("appear twice (same place)" in m for m in said_first), said_first
    assert said_again == said_first


def test_a_broken_cache_entry_is_read_past(cache: Path, tmp_path: Path) -> None:
    path = _roads(tmp_path)
    first, _ = _read(path)
    (entry,) = (cache / "roads").glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    again, _ = _read(path)
    _same(first, again)
    assert entry.read_bytes() != b"not a pickle"  # written anew


def test_an_unwritable_cache_does_not_stop_the_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv(road_cache.CACHE_ENV, str(blocker))
    graph, _ = _read(_roads(tmp_path))
    assert graph.number_of_edges() > 0


_WRITER = """
import hashlib, pickle, sys, time
from pathlib import Path
go = Path(sys.argv[2])
while not go.exists():  # all writers miss the cache together
    time.sleep(0.005)
from borderwatch.data.roads import read_roads
graph = read_roads(Path(sys.argv[1]))
edges = sorted((u, v, k) for u, v, k in graph.edges(keys=True))
print(hashlib.sha256(repr((sorted(graph.nodes), edges)).encode()).hexdigest())
"""


@pytest.mark.slow
def test_concurrent_processes_share_one_cache_folder(cache: Path, tmp_path: Path) -> None:
    """pytest-xdist workers (and their subprocesses) share BORDERWATCH_CACHE_DIR: writers of
    the same entry at the same time leave one whole entry and no temporary file, and a reader
    never finds a part of one (the entry appears by atomic rename)."""
    import os
    import pickle
    import subprocess
    import sys
    import time

    path = _roads(tmp_path)
    go = tmp_path / "go"
    env = {**os.environ, road_cache.CACHE_ENV: str(cache)}
    env.pop(road_cache.NO_CACHE_ENV, None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), str(go)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    time.sleep(0.5)
    go.touch()
    while any(p.poll() is None for p in procs):
        for entry in (cache / "roads").glob("*.pickle"):
            if entry.name.startswith("."):  # a writer's temporary file (atomic.write_bytes)
                continue
            try:
                data = entry.read_bytes()
            except FileNotFoundError:
                continue
            pickle.loads(data)  # never a part of an entry
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs]
    digests = {out.strip() for out, _ in outs}
    assert len(digests) == 1, digests
    (entry,) = (cache / "roads").glob("*.pickle")
    assert sorted(p.name for p in (cache / "roads").iterdir()) == [entry.name]  # no temp files
    _same(pickle.loads(entry.read_bytes())[0], _read(path)[0])


@pytest.mark.slow
def test_the_road_tables_of_a_cached_graph_come_from_the_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import borderwatch.data.network as network
    from borderwatch.data import build_network, load_scenario

    folder = write_toy_scenario(tmp_path / "toy")
    first = build_network(load_scenario(folder))
    assert len(list((cache / "derived").glob("*.pickle"))) == 1

    def boom(*_args: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(network, "_road_tables", boom)
    second = build_network(load_scenario(folder))
    pd.testing.assert_frame_equal(first.nodes, second.nodes)
    pd.testing.assert_frame_equal(first.edges, second.edges)
    assert first.nodes.crs == second.nodes.crs and first.edges.crs == second.edges.crs
    # another projection is another entry: converted, not read from the first one
    with pytest.raises(AssertionError, match="converted again"):
        road_cache.cached_derived(second.scenario.roads, "road tables EPSG:3857 v1", boom)


def test_a_graph_not_read_through_the_cache_is_always_built(cache: Path) -> None:
    calls = []
    graph = nx.MultiDiGraph()
    for _ in range(2):
        road_cache.cached_derived(graph, "anything", lambda: calls.append(1))
    assert calls == [1, 1]
    assert not (cache / "derived").exists()
