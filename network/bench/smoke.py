"""A tiny scenario for the CI smoke run of `python -m network bench --smoke`: the default
scenario cut to its 60 most populous ZIP3s and 8 sites, so both solvers finish in seconds."""

from __future__ import annotations

import numpy as np

from network.scenario import Zip3Base
from network.scenario_file import load_default_scenario

SMOKE_ZIP3S = 60
SMOKE_SITES = ("SEA", "ONT", "DFW", "ORD", "ATL", "MDT", "MCO", "DEN")


def smoke_scenario():
    scenario = load_default_scenario()
    base = scenario.zip3_base
    keep = np.sort(np.argsort(base.population)[::-1][:SMOKE_ZIP3S])
    small = Zip3Base(tuple(base.zip3[i] for i in keep), tuple(base.state[i] for i in keep),
                     base.lat[keep], base.lon[keep], base.population[keep], base.source)
    sites = tuple(s for s in scenario.sites if s.site_id in SMOKE_SITES)
    return scenario.with_changes(name="smoke (60 ZIP3s x 8 sites)", zip3_base=small, sites=sites)
