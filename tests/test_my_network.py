"""My network (exactly the picked sites, costed against the targets) and the status quo."""

from dataclasses import replace

import pytest

from network.errors import InputError
from network.evaluate import evaluate, status_quo
from network.my_network import cost_my_network, exact_network, my_network_scenario
from network.scenario import DesignConstraints, ShareTarget, Targets

from toy import toy_scenario


def test_the_pick_becomes_the_constraints():
    """Picked sites forced open, the others forced closed, no site-count limits; the pick
    reads back from the constraints."""
    toy = toy_scenario(constraints=DesignConstraints(min_sites=3, max_sites=3))
    mine = my_network_scenario(toy, ["C", "A", "A"])
    k = mine.constraints
    assert (k.forced_open, k.forced_closed, k.min_sites, k.max_sites) == (("A", "C"), ("B",),
                                                                          0, None)
    assert exact_network(mine) == ("A", "C")
    assert exact_network(toy) is None
    with pytest.raises(InputError, match="unknown site id 'Z'"):
        my_network_scenario(toy, ["A", "Z"])


def test_my_network_meets_the_target_at_the_least_cost():
    """One site at A (zones 1-2 to ZIP3s 101-103, days 1-2): the optimizer's design equals the
    cheapest-lane design when that meets the target, and only A is open."""
    toy = toy_scenario()
    found = cost_my_network(toy, ["A"])
    assert found.result.status.value == "optimal" and found.reach is None
    assert found.result.open_site_ids == ("A",)
    cheapest = evaluate(found.scenario, replace(found.result.design, assignment=()))
    assert found.result.evaluation.kpis.total_cost_usd == pytest.approx(
        cheapest.kpis.total_cost_usd)


def test_my_network_that_cannot_meet_the_target_says_what_it_reaches():
    """100% within 1 day from A alone: infeasible, with the optimizer's reason and the share
    the fastest lanes reach (zones 1-2 take 1 day: ZIP3s 101-103, 600 of 1000 orders)."""
    toy = toy_scenario(targets=Targets(share_targets=(ShareTarget(1, 100.0),)))
    found = cost_my_network(toy, ["A"])
    assert found.result.status.value == "infeasible"
    assert found.reach is not None
    assert found.reach.best_share_within == {1: pytest.approx(0.6)}
    text = " ".join(found.explanation())
    assert "at best 60.0% of orders within 1 day (target 100%)" in text
    assert "cheapest lane" in text


def test_status_quo_ships_everything_cross_border():
    """Every order at the cross-border cost and days; no site, no inventory; None when
    cross-border direct is disabled."""
    toy = toy_scenario()
    assert status_quo(toy) is None
    enabled = toy.with_changes(costs=replace(toy.costs, cross_border=replace(
        toy.costs.cross_border, enabled=True)))
    quo = status_quo(enabled)
    k = quo.kpis
    assert k.n_open_sites == 0
    assert k.total_cost_usd == pytest.approx(1000 * 50.0)
    assert k.avg_delivery_days == pytest.approx(10)
    assert k.cost_breakdown_usd["inventory"] == 0
