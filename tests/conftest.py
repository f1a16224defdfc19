"""Shared fixtures for the whole suite (the scenario writers live in ``tests/helpers.py``)."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Generator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.helpers import write_toy_scenario

# Hypothesis profiles (issue #22's fuzz tests, tests/test_fuzz_parsers.py, take their example
# count from here): "dev" a few dozen examples a test, "ci" 10,000 (.ci/run sets
# HYPOTHESIS_PROFILE=ci); derandomised so that a failure repeats, no deadline (a loaded machine)
settings.register_profile("dev", max_examples=30, deadline=None, derandomize=True, print_blob=True)
settings.register_profile(
    "ci", max_examples=10_000, deadline=None, derandomize=True, print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# one road-graph cache for the session, not the user's ~/.cache (subprocesses inherit it);
# tests of the cache itself point it elsewhere
os.environ.setdefault("BORDERWATCH_CACHE_DIR", tempfile.mkdtemp(prefix="borderwatch-test-cache-"))

# ---------------------------------------------------------------------------
# strict skips: in CI (.ci/run sets BORDERWATCH_STRICT_SKIPS=1) a test that would skip for
# want of Chromium, a font, a package or data fails instead, so that a green run means every
# test ran. An expected failure (xfail, reported as "skipped" with ``wasxfail``) stays one.
# ---------------------------------------------------------------------------
STRICT_SKIPS_ENV = "BORDERWATCH_STRICT_SKIPS"


def _strict_skips() -> bool:
    return os.environ.get(STRICT_SKIPS_ENV, "").strip() not in ("", "0")


def _fail_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail") and _strict_skips():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped while {STRICT_SKIPS_ENV} is set (no skips in CI): {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    """Turn a skipped test (setup, call or teardown) into a failure under strict skips."""
    outcome = yield
    _fail_skip(outcome.get_result())  # type: ignore[attr-defined]


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, None]:
    """Turn a module-level skip (``pytest.skip(allow_module_level=True)``, ``importorskip``)
    into a collection error under strict skips."""
    outcome = yield
    _fail_skip(outcome.get_result())  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# pytest-xdist (the README's command runs ``-n 2 --dist loadgroup``; a plain ``pytest`` runs
# serially and is not touched by the hook below). Each worker is its own process with its
# own ``tmp_path_factory`` base folder, so module and session fixtures build their folders
# per worker; the road cache (BORDERWATCH_CACHE_DIR, set above before the workers start) is
# shared and written by atomic rename; PostgreSQL databases carry the worker id
# (tests/log/conftest.py); every Chromium run gets a throw-away profile folder.
# ---------------------------------------------------------------------------


def _module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(d.scope == "module" for defs in info.name2fixturedefs.values() for d in defs)


def _first(item: pytest.Item) -> int:
    """Sort key: the profile's property tests first, then the slow tests, then the rest."""
    test = getattr(item, "obj", None)
    if getattr(test, "is_hypothesis_test", False):
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if own is None or own.max_examples >= 1000:  # "ci": 10,000 examples, minutes each
            return 0
    return 1 if item.get_closest_marker("slow") else 2


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist: keep a module's tests on one worker where they share a module
    fixture (built once, not once per worker), and hand out the long lone tests first.

    ``--dist loadgroup`` sends each ``xdist_group`` as one unit, largest first, then the
    other tests one by one in collection order; so the property tests (minutes each in CI)
    and the slow tests come first among those, and both workers end on short tests.
    """
    if not hasattr(config, "workerinput"):  # not an xdist worker: serial order untouched
        return
    groups = []
    for item in items:
        group = item.nodeid
        if _module_fixture(item):
            group = item.nodeid.split("::", 1)[0]
            item.add_marker(pytest.mark.xdist_group(group))
        groups.append(group)
    urgency: dict[str, int] = {}  # a group goes where its most urgent test would go
    for item, group in zip(items, groups, strict=True):
        urgency[group] = min(urgency.get(group, 2), _first(item))
    order = sorted(range(len(items)), key=lambda i: urgency[groups[i]])  # stable
    items[:] = [items[i] for i in order]


# ---------------------------------------------------------------------------
# leftover threads (opt-in: BORDERWATCH_THREAD_CHECK=1). A Python thread left running keeps
# every later fork of its process off (borderwatch.forking: the plan's helper processes), so
# in a CI worker only the tests that force fork=True forked after it. With the variable set,
# the teardown of a module's last test (its module fixtures finalised) fails if a thread
# started since the module began, one borderwatch.forking counts, still runs 2 s later.
# Off by default: a module that leaves a thread is a finding to fix, not a flake to retry.
# ---------------------------------------------------------------------------
THREAD_CHECK_ENV = "BORDERWATCH_THREAD_CHECK"
_threads_before: set[threading.Thread] | None = None


def _blocking() -> list[threading.Thread]:
    from borderwatch import forking

    return [t for t in forking.blocking_threads() if t.is_alive()]


def _thread_name(t: threading.Thread) -> str:
    target = getattr(t, "_target", None)
    where = f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', '?')}"
    return f"{t.name} ({where if target is not None else type(t).__qualname__})"


@pytest.hookimpl(tryfirst=True)  # before the module's fixtures are set up
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Note the threads running when a module's tests begin (under the thread check)."""
    global _threads_before
    if _threads_before is None and os.environ.get(THREAD_CHECK_ENV, "").strip() not in ("", "0"):
        _threads_before = set(_blocking())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, None, None]:
    """Fail the teardown of a module's last test if the module left a thread running."""
    global _threads_before
    yield
    if _threads_before is None or (nextitem is not None and nextitem.path == item.path):
        return
    before, _threads_before = _threads_before, None
    deadline = time.monotonic() + 2.0
    while (left := [t for t in _blocking() if t not in before]) and time.monotonic() < deadline:
        time.sleep(0.05)
    if left:
        names = ", ".join(sorted(_thread_name(t) for t in left))
        pytest.fail(
            f"{item.path.name} left threads running ({THREAD_CHECK_ENV}; they keep every later "
            f"fork of this process off, borderwatch.forking): {names}",
            pytrace=False,
        )


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A borderwatch cache folder of the test's own (not made yet), the limit the default.

    Each test sees its own cache warnings and scans its own cache (the module's
    once-per-process memories emptied).
    """
    from borderwatch.data import road_cache as rc

    folder = tmp_path / "cache"
    monkeypatch.setenv(rc.CACHE_ENV, str(folder))
    monkeypatch.delenv(rc.NO_CACHE_ENV, raising=False)
    monkeypatch.delenv(rc.MAX_ENV, raising=False)
    monkeypatch.setattr(rc, "_warned", set())
    monkeypatch.setattr(rc, "_known", {})
    return folder


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
