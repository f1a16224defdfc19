"""Shared fixtures for the whole suite (the scenario writers live in ``tests/helpers.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_toy_scenario


@pytest.fixture
def toy_dir(tmp_path: Path) -> Path:
    """A fresh copy of the toy scenario folder (tests may break it)."""
    return write_toy_scenario(tmp_path / "toy")


@pytest.fixture(scope="session")
def toy_net(tmp_path_factory: pytest.TempPathFactory):
    """The toy scenario's PatrolNetwork, built once (tests must not mutate it)."""
    from borderwatch import build_network, load_scenario

    return build_network(load_scenario(write_toy_scenario(tmp_path_factory.mktemp("toy") / "toy")))


@pytest.fixture(scope="session")
def ningming_net():
    """The embedded Ningming scenario's PatrolNetwork, built once (tests must not mutate it)."""
    from borderwatch import build_network, load_scenario

    return build_network(load_scenario("ningming"))
