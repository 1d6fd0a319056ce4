import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent

# Every AppTest creates a Streamlit runtime, which scans all installed packages for
# "components v2" (0.18 s of CPU each); none provides one (tests/test_ui_parts.py runs the real
# scan), so the tests skip it as `make run` does.
from ui.serve import skip_component_scan  # noqa: E402

skip_component_scan()


@pytest.fixture(autouse=True, scope="session")
def app_store_in_a_temporary_folder(tmp_path_factory):
    """The app's saves and autosaves (AppTest runs the app in this process) go to a
    throwaway store, never to the project's scenarios.db or a store named outside."""
    import os

    from network.store import ENV_VAR

    before = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = str(tmp_path_factory.mktemp("app-store") / "scenarios.db")
    yield os.environ[ENV_VAR]
    if before is None:
        os.environ.pop(ENV_VAR, None)
    else:
        os.environ[ENV_VAR] = before


@pytest.fixture(scope="session")
def default_scenario():
    from network.scenario_file import load_default_scenario

    return load_default_scenario()


@pytest.fixture(scope="session")
def default_lanes(default_scenario):
    from network.lanes import build_lanes

    return build_lanes(default_scenario)


# -- the scenario store on SQLite and PostgreSQL ------------------------------------------


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL server for the session: $NETWORK_TEST_POSTGRES_URL (CI starts one), else a
    throwaway server started here (scripts/postgres_server.py) and removed afterwards. Fails,
    never skips, when PostgreSQL is not installed: the README promises the whole suite."""
    import os
    import shutil
    import subprocess
    import tempfile

    from scripts.postgres_server import PostgresNotInstalled, start, stop

    given = os.environ.get("NETWORK_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    folder = Path(tempfile.mkdtemp(prefix="network-pg-"))
    try:
        url = start(folder)
    except (PostgresNotInstalled, subprocess.CalledProcessError) as exc:
        log = folder / "server.log"
        detail = log.read_text() if log.exists() else ""
        stop(folder)
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"cannot start the test PostgreSQL server: {exc}\n{detail}", pytrace=False)
    yield url
    stop(folder)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_db(request, tmp_path):
    """A fresh, empty store (not yet created) on each database: a SQLite file path, or a
    PostgreSQL URL whose search_path is a schema of its own, dropped afterwards."""
    if request.param == "sqlite":
        yield str(tmp_path / "scenarios.db")
        return
    from store_helpers import postgres_schema

    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


@pytest.fixture
def postgres_db(postgres_url):
    """A fresh, empty PostgreSQL store URL (its own schema), for PostgreSQL-only cases."""
    from store_helpers import postgres_schema

    with postgres_schema(postgres_url) as url:
        yield url


@pytest.fixture(scope="session")
def dask_cluster():
    """One Dask LocalCluster for the session: 2 worker processes on loopback, no dashboard."""
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def executor():
    """The sweeps' local executor with one worker thread, one per test module."""
    from network.explore.executor import LocalExecutor

    ex = LocalExecutor(1)
    yield ex
    ex.close()


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright (the browser tests' settings are in
    test_browser.py), one per test module."""
    from playwright.sync_api import sync_playwright
    from test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Property tests (tests/hostile.py): `quick` in the default run; `thorough` tries 20 times as many
# cases: HYPOTHESIS_PROFILE=thorough make test, or pytest --hypothesis-profile=thorough.
# No deadline: a timed assertion would fail on this shared machine for no fault of the code.
_HYPOTHESIS_COMMON = dict(deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large,
                                                 HealthCheck.large_base_example])
settings.register_profile("quick", max_examples=100, **_HYPOTHESIS_COMMON)
settings.register_profile("thorough", max_examples=2000, **_HYPOTHESIS_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))
