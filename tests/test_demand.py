"""Orders per ZIP3: population-based and uploaded demand scale the same way, and uploaded
orders in Alaska, Hawaii or the territories are reported when the scenario leaves them out."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from network.demand import build_demand, left_out_orders
from network.geo import LOWER_48_EXCLUDED_STATES
from ui import edits

UPLOAD = (b"zip3,orders_per_year\n"
          b"100,6000\n750,3000\n995,400\n996,100\n967,300\n006,200\n")  # 1,000 off the lower 48


def test_uploaded_orders_outside_the_lower_48_are_reported(default_scenario):
    """1,000 of 10,000 uploaded orders are in AK, HI and PR: reported with their ZIP3s and
    states; the total stays 10,000, spread over the included ZIP3s; none once included."""
    scenario = edits.apply_demand_upload(default_scenario, UPLOAD, "orders.csv")
    out = left_out_orders(scenario)
    assert out is not None
    assert out.orders_per_year == 1000 and out.share == pytest.approx(0.1)
    assert out.zip3 == ("006", "967", "995", "996") and out.states == ("AK", "HI", "PR")
    demand = build_demand(scenario)
    assert demand.total_orders_per_year == pytest.approx(10_000)
    assert dict(zip(demand.zip3, demand.orders_per_year, strict=True))["100"] == pytest.approx(
        10_000 * 6000 / 9000)
    included = scenario.with_changes(demand=replace(scenario.demand, include_noncontiguous=True))
    assert left_out_orders(included) is None
    assert dict(zip(build_demand(included).zip3, build_demand(included).orders_per_year,
                    strict=True))["995"] == pytest.approx(400)


def test_population_demand_and_lower_48_uploads_leave_nothing_out(default_scenario):
    """Population demand is spread over the included ZIP3s by design; an upload within the
    lower 48 loses nothing."""
    assert left_out_orders(default_scenario) is None
    lower48 = edits.apply_demand_upload(default_scenario, b"zip3,orders\n100,5\n750,5\n", "a.csv")
    assert left_out_orders(lower48) is None


def test_growth_and_multipliers_apply_alike_to_population_and_uploaded_demand(default_scenario):
    """The same orders given as population or as an upload give the same orders per ZIP3
    after 12% growth, Texas x 1.5 and the Northeast x 0.8; a Texas ZIP3 by hand."""
    base = default_scenario.zip3_base
    uploaded = tuple((z, float(p)) for z, p, s in zip(base.zip3, base.population, base.state,
                                                      strict=True)
                     if p > 0 and s not in LOWER_48_EXCLUDED_STATES)
    scaled = {"growth_pct": 12.0, "state_multipliers": (("TX", 1.5),),
              "region_multipliers": (("Northeast", 0.8),)}
    population = default_scenario.with_changes(demand=replace(default_scenario.demand, **scaled))
    own = default_scenario.with_changes(demand=replace(
        default_scenario.demand, orders_by_zip3=uploaded,
        annual_orders=sum(q for _, q in uploaded), **scaled))
    a, b = build_demand(population), build_demand(own)
    assert a.zip3 == b.zip3
    assert np.allclose(a.orders_per_year * sum(q for _, q in uploaded)
                       / default_scenario.demand.annual_orders, b.orders_per_year)
    i = b.zip3.index("750")
    assert b.orders_per_year[i] == pytest.approx(dict(uploaded)["750"] * 1.12 * 1.5)
    j = b.zip3.index("100")
    assert b.orders_per_year[j] == pytest.approx(dict(uploaded)["100"] * 1.12 * 0.8)
