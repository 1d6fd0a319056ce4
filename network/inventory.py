"""The safety-stock carrying cost of a network with a given number of open sites.

The one definition of it: evaluate() charges it, the optimizer's problem builder prices every
count of open sites with it, and the tests' independent model uses it too.

Square-root law (Maister 1976): for a given demand and service level, the safety stock a network
holds grows with the square root of the number of sites that stock it, so its yearly carrying
cost with n open sites is the scenario's one-site figure times sqrt(n).
"""

from __future__ import annotations

import math

from network.scenario import Scenario


def inventory_usd_per_year(scenario: Scenario, n_open_sites: int) -> float:
    """Safety-stock carrying cost (USD a year) with `n_open_sites` sites open."""
    return scenario.costs.safety_stock_usd_per_year_one_site * math.sqrt(n_open_sites)
