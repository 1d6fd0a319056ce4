"""The safety-stock carrying cost of a network with a given number of open sites.

The one definition of it: evaluate() charges it, the optimizer's problem builder prices every
count of open sites with it, and the tests' independent model uses it too.

    inventory(n) = I_1 x (orders / reference orders)^e x sqrt(n)

Square-root law (Maister 1976): for a given demand and service level, the safety stock a network
holds grows with the square root of the number of sites that stock it. For independent demand it
also grows with the square root of the volume (e = 0.5 by default; the scenario states the
exponent and its source). I_1 is the one-site figure at the reference volume. With no US site
open there is none. For a given scenario the term depends only on the number of open sites, so
the optimizer prices it exactly through its one-hot count (docs/optimizer.md); what it leaves
out is in docs/sources.md.
"""

from __future__ import annotations

import math

from network.scenario import Scenario


def inventory_usd_per_year(scenario: Scenario, n_open_sites: int, orders_per_year: float
                           ) -> float:
    """Safety-stock carrying cost (USD a year) with `n_open_sites` sites open, for a scenario
    whose demand (after growth and multipliers) is `orders_per_year`."""
    c = scenario.costs
    volume = (orders_per_year / c.safety_stock_reference_orders_per_year
              ) ** c.safety_stock_volume_exponent
    return c.safety_stock_usd_per_year_one_site * volume * math.sqrt(n_open_sites)
