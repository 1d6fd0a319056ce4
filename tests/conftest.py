import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def default_scenario():
    from network.scenario_file import load_default_scenario

    return load_default_scenario()


@pytest.fixture(scope="session")
def default_lanes(default_scenario):
    from network.lanes import build_lanes

    return build_lanes(default_scenario)
