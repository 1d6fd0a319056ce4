""""Why not this site", sensitivity and robustness on the hand-checkable toy (tests/toy.py:
optimum A alone at 4850; B alone 5850; A and C 7441.42) and on a slice of the default."""

from __future__ import annotations

import numpy as np
import pytest

from network.demand import build_demand
from network.evaluate import Design, evaluate
from network.explore import (
    PERTURBATIONS,
    DemandNoise,
    design_outcome,
    forcing_frame,
    forcing_sentence,
    forcing_tasks,
    robustness_frame,
    robustness_tasks,
    run_sweep,
    sensitivity_frame,
    sensitivity_tasks,
    site_frequency_frame,
    summarize,
    tornado_frame,
)
from network.explore.robustness import demand_draws
from network.lanes import build_lanes
from network.optimize import SolveParams, optimize

from small import small_scenario
from toy import toy_scenario

TIGHT = SolveParams(time_limit_s=60.0, relative_gap=1e-6)
DRAWS = DemandNoise(6, 0.3, 10.0, 3)  # on the slice, 2 of these draws have another optimum


def test_forcing_costs_by_hand(executor):
    """Forcing A closed costs +1000 (B alone) and closes A, opens B; forcing C open costs
    +2591.42 (A and C) and closes nothing."""
    scenario = toy_scenario()
    points = run_sweep(forcing_tasks(scenario, ("A",)), executor, TIGHT).wait()
    frame = forcing_frame(points, scenario, ("A",)).set_index("site_id")
    assert list(frame["action"]) == ["force closed", "force open", "force open"]
    assert frame.loc["A", "delta_usd"] == pytest.approx(1000.0)
    assert (frame.loc["A", "opens"], frame.loc["A", "closes"]) == ("B", "A")
    assert frame.loc["C", "delta_usd"] == pytest.approx(4000 + 100 * np.sqrt(2) + 3300 - 4850)
    assert (frame.loc["C", "opens"], frame.loc["C", "closes"]) == ("C", "")
    assert forcing_sentence(frame.reset_index().iloc[0]) == \
        "Forcing Site A closed costs +$1,000 a year and opens B."


def test_forcing_releases_the_scenarios_own_forcing(executor):
    """A site the scenario forces closed can still be asked about: it is forced open instead."""
    scenario = toy_scenario()
    closed = scenario.with_changes(constraints=scenario.constraints.__class__(
        forced_closed=("C",)))
    points = run_sweep(forcing_tasks(closed, ("A",)), executor, TIGHT).wait()
    frame = forcing_frame(points, closed, ("A",)).set_index("site_id")
    assert frame.loc["C", "status"] == "optimal"
    assert frame.loc["C", "opens"] == "C"


def test_design_outcome_marks_the_real_design():
    """The current design's point is the design itself (A and C), not the cheapest network
    with as many sites."""
    scenario = toy_scenario()
    point = design_outcome(scenario, Design(("A", "C")))
    assert point.cost_usd == pytest.approx(4000 + 100 * np.sqrt(2) + 3300)
    assert point.open_sites == ("A", "C")


def test_each_perturbation_moves_its_input():
    """Each named input moves by its factor in the scenario it returns."""
    s = toy_scenario()
    moved = {p.name: p.move(s, 1.1) for p in PERTURBATIONS}
    assert build_demand(moved["orders"]).total_orders_per_year == pytest.approx(1100.0)
    assert moved["parcel_rates"].services[0].rates_usd[0][0] == pytest.approx(1.1)
    assert moved["fixed_costs"].sites[0].fixed_cost_usd_per_year == pytest.approx(1100.0)
    assert moved["safety_stock"].costs.safety_stock_usd_per_year_one_site == \
        pytest.approx(110.0)
    assert moved["cross_border_cost"].costs.cross_border.parcel_usd_per_parcel == \
        pytest.approx(55.0)
    assert moved["return_rate"].costs.returns.return_rate_share == 0.0
    assert moved["truckload_rate"].costs.inbound.truckload_usd_per_mile == \
        pytest.approx(s.costs.inbound.truckload_usd_per_mile * 1.1)


def test_sensitivity_on_the_toy(executor):
    """Orders +-20%: per-order costs scale (5.5 USD a toy order: 3750 of 4850) and the safety
    stock with the square root of the volume (100 at 1000 orders), fixed 1100 stays; the
    current design (A, the optimum) costs the same; the tornado puts orders first."""
    scenario = toy_scenario()
    tasks = sensitivity_tasks(scenario, ("A",), steps={"orders": 0.2, "fixed_costs": 0.1})
    frame = sensitivity_frame(run_sweep(tasks, executor, TIGHT).wait())
    rows = frame.set_index(["input", "direction"])
    assert rows.loc[("base", "base"), "delta_usd"] == 0
    assert rows.loc[("orders", "up"), "delta_usd"] == pytest.approx(
        0.2 * 3750 + 100 * (np.sqrt(1.2) - 1))
    assert rows.loc[("orders", "down"), "delta_usd"] == pytest.approx(
        -0.2 * 3750 + 100 * (np.sqrt(0.8) - 1))
    assert rows.loc[("fixed_costs", "up"), "delta_usd"] == pytest.approx(100.0)
    assert not rows["design_changed"].any()
    assert rows["current_design_cost_usd"].to_numpy() == pytest.approx(rows["cost_usd"])
    tornado = tornado_frame(frame)
    assert tornado["input"].iloc[0] == "orders"
    assert tornado["swing_usd"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="unknown sensitivity inputs: rent"):
        sensitivity_tasks(scenario, ("A",), steps={"rent": 0.1})


def test_demand_draws_are_seeded():
    """The same seed draws the same demand; another seed another; spread 0 and growth sd 0
    leave demand as it is."""
    s = toy_scenario()
    noise = DemandNoise(draws=3, state_spread=0.2, growth_sd_pct=5.0, seed=7)
    a = [build_demand(d).total_orders_per_year for _, d in demand_draws(s, noise)]
    b = [build_demand(d).total_orders_per_year for _, d in demand_draws(s, noise)]
    c = [build_demand(d).total_orders_per_year for _, d in
         demand_draws(s, DemandNoise(3, 0.2, 5.0, seed=8))]
    assert a == b and a != c and len(set(a)) == 3
    flat = demand_draws(s, DemandNoise(2, 0.0, 0.0, 1))
    assert [build_demand(d).total_orders_per_year for _, d in flat] == [1000.0, 1000.0]


def test_state_noise_moves_states_apart(default_scenario):
    """State-level noise changes the states' shares of demand, not only the total."""
    _, moved = demand_draws(default_scenario, DemandNoise(1, 0.3, 0.0, 3))[0]
    base, drawn = build_demand(default_scenario), build_demand(moved)
    ratio = drawn.orders_per_year / base.orders_per_year
    assert ratio.std() > 0.1


@pytest.fixture(scope="module")
def slice_robustness(default_scenario, executor):
    scenario = small_scenario(default_scenario, every=30,
                              sites=("ONT", "DFW", "ORD", "ATL", "MDT", "BDL"))
    base = run_sweep(robustness_tasks(scenario, ("ONT",), DemandNoise(1, 0.0, 0.0, 0)),
                     executor, TIGHT).wait()[0].optimum
    current = base.open_sites
    points = run_sweep(robustness_tasks(scenario, current, DRAWS),
                       executor, TIGHT).wait()
    return scenario, current, base, points


def test_robustness_draws(slice_robustness):
    """Every draw has an optimum and the current design's cost; the current design, kept
    with its own sites, passes evaluate() on the draw's demand; regret percentiles follow."""
    scenario, current, _, points = slice_robustness
    frame = robustness_frame(points)
    assert list(frame["draw"]) == list(range(1, 7))
    assert (frame["status"] == "optimal").all()
    for p, (_, moved) in zip(points, demand_draws(scenario, DRAWS),
                             strict=True):
        assert p.fixed.open_sites == current
        assert evaluate(moved, p.fixed.design, build_lanes(moved)).feasible
        assert p.fixed.cost_usd == pytest.approx(
            evaluate(moved, p.fixed.design).kpis.total_cost_usd)
    moved_by_draw = dict(enumerate(demand_draws(scenario, DRAWS), 1))
    regretted = frame[frame["regret_usd"] > 1.0]["draw"].tolist()
    assert regretted  # on some draws another network beats the current one
    for draw in regretted:
        alone = optimize(moved_by_draw[draw][1], params=TIGHT)
        assert points[draw - 1].optimum.cost_usd == pytest.approx(alone.objective_usd, rel=2e-6)
    summary = summarize(frame)
    regrets = frame["regret_usd"].to_numpy(float)
    assert summary.regret_p50_usd == pytest.approx(np.percentile(regrets, 50))
    assert summary.regret_p90_usd == pytest.approx(np.percentile(regrets, 90))
    assert summary.draws_with_optimum == 6


def test_robustness_without_noise_has_no_regret(default_scenario, executor, slice_robustness):
    """With no spread and no growth uncertainty each draw is the scenario itself: the current
    design (its optimum) has zero regret."""
    scenario, current, base, _ = slice_robustness
    points = run_sweep(robustness_tasks(scenario, current, DemandNoise(2, 0.0, 0.0, 5)),
                       executor, TIGHT).wait()
    frame = robustness_frame(points)
    assert frame["cost_usd"].to_numpy() == pytest.approx([base.cost_usd] * 2)
    assert frame["regret_usd"].to_numpy() == pytest.approx([0.0, 0.0], abs=1e-6 * base.cost_usd)


def test_site_frequency(slice_robustness):
    """Each site's count is the number of draws whose optimum opens it."""
    scenario, current, _, points = slice_robustness
    frame = site_frequency_frame(points, scenario, current).set_index("site_id")
    for site_id in scenario.site_ids:
        opened = sum(site_id in p.optimum.open_sites for p in points)
        assert frame.loc[site_id, "draws_open"] == opened
        assert frame.loc[site_id, "share_of_draws"] == pytest.approx(opened / len(points))
        assert frame.loc[site_id, "in_current_design"] == (site_id in current)


def test_current_sites_kept_by_the_optimum_need_no_second_solve(slice_robustness):
    """Where a draw's proven optimum opens exactly the current sites, the current design's
    outcome is that design with the optimum's bound (no solve of its own: every design with
    those sites is a design of the draw); it costs what a solve with the sites fixed costs,
    within the gap, and both bounds hold."""
    from network.explore.points import with_fixed_sites

    scenario, current, _, points = slice_robustness
    kept = [(p, moved) for p, (_, moved) in zip(points, demand_draws(scenario, DRAWS),
                                                strict=True)
            if set(p.optimum.open_sites) == set(current)]
    assert kept  # the case this is about
    for p, moved in kept:
        assert p.fixed.status == "optimal" and p.fixed.bound_usd == p.optimum.bound_usd
        pinned = optimize(with_fixed_sites(moved, current), params=TIGHT)
        assert p.fixed.cost_usd == pytest.approx(pinned.objective_usd, rel=TIGHT.relative_gap)
        assert p.fixed.bound_usd <= pinned.objective_usd * (1 + 1e-9)
        assert pinned.best_bound_usd <= p.fixed.cost_usd * (1 + 1e-9)
