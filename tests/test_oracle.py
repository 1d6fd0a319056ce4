"""The optimizer against an independent oracle (tests/oracle.py: the textbook model in HiGHS)
on random scenarios drawn from the default: six seeds by default, 120 with `-m slow`.

Each draw: 8-20 of the default candidate sites with random fixed costs and capacities that
usually bind, 60 random ZIP3s with their population as orders, the peak multiplier, inventory,
0-2 share targets (1, 2 or 3 days), sometimes a per-ZIP3 day limit, a carrier share,
forced-open and forced-closed sites, site-count limits, and cross-border direct on or off. A
failing seed prints its scenario as JSON: save it and run
`python -m network solve FILE --out DIR` (the file replays the draw exactly).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from network.evaluate import Design, evaluate
from network.lanes import build_lanes
from network.optimize import SolveParams, SolveStatus, optimize
from network.scenario import CarrierShare, DesignConstraints, ShareTarget, Targets
from network.scenario_file import load_default_scenario, scenario_to_json

from oracle import solve_oracle

# The default run's seeds: quick ones that together draw every constraint type (checked by
# test_default_seeds_cover_every_constraint_type), an infeasible scenario and binding capacity.
DEFAULT_SEEDS = (5, 13, 30, 34, 41, 49)
INFEASIBLE_SEEDS = {13}  # 27% within 1 day and FedEx at least 37.5%, nothing from abroad
CAPACITY_BINDS = {30, 34}  # the oracle's design loads a site to 99% or more at the peak
SLOW_SEEDS = range(100, 220)
TOLERANCE = 1e-6  # relative: the two solvers' feasibility tolerances and float sums
PARAMS = SolveParams(time_limit_s=300.0)  # the default gap (1e-4); a long limit, for a busy
# machine: a design stopped by it (feasible) is held to the gap it states


def random_scenario(seed: int, n_zip3: int = 60):
    """A scenario drawn from the default (see the module docstring)."""
    rng = np.random.default_rng(seed)
    base = load_default_scenario()
    picked = np.sort(rng.choice(len(base.sites), rng.integers(8, 21), replace=False))
    costs = replace(base.costs, peak_multiplier=float(rng.uniform(1.0, 1.5)),
                    safety_stock_usd_per_year_one_site=float(
                        0.0 if rng.random() < 0.25 else rng.uniform(1e6, 6e7)),
                    cross_border=replace(base.costs.cross_border,
                                         enabled=bool(rng.random() < 0.6),
                                         parcel_usd_per_parcel=float(
                                             base.costs.cross_border.parcel_usd_per_parcel
                                             * rng.uniform(0.6, 1.4)),
                                         delivery_days=int(rng.integers(5, 12))))
    orders = base.demand.annual_orders * costs.peak_multiplier
    sites = tuple(replace(base.sites[i],
                          fixed_cost_usd_per_year=float(base.sites[i].fixed_cost_usd_per_year
                                                        * rng.uniform(0.5, 1.5)),
                          capacity_orders_per_year=float(orders * rng.uniform(0.06, 0.45)))
                  for i in picked)
    zips = np.sort(rng.choice(len(base.zip3_base.zip3), n_zip3, replace=False))
    demand = replace(base.demand, orders_by_zip3=tuple(
        (base.zip3_base.zip3[i], float(base.zip3_base.population[i])) for i in zips))
    return base.with_changes(name=f"oracle seed {seed}", sites=sites, costs=costs,
                             demand=demand, targets=_targets(rng),
                             constraints=_constraints(rng, sites, base.services))


def _targets(rng: np.random.Generator) -> Targets:
    ranges = {1: (10.0, 75.0), 2: (50.0, 95.0), 3: (80.0, 99.5)}
    days = rng.choice([1, 2, 3], int(rng.integers(0, 3)), replace=False)
    shares = tuple(ShareTarget(int(d), round(float(rng.uniform(*ranges[int(d)])), 1))
                   for d in sorted(days))
    limit = int(rng.integers(3, 7)) if rng.random() < 0.3 else None
    return Targets(share_targets=shares, max_days_any_zip3=limit)


def _constraints(rng: np.random.Generator, sites, services) -> DesignConstraints:
    ids = [s.site_id for s in sites]
    order = rng.permutation(len(ids))
    forced_open = (ids[order[0]],) if rng.random() < 0.3 else ()
    forced_closed = (ids[order[1]],) if rng.random() < 0.3 else ()
    shares = ()
    if rng.random() < 0.3:
        carrier = str(rng.choice(sorted({s.carrier for s in services})))
        low = rng.random() < 0.5
        shares = (CarrierShare(carrier, round(float(rng.uniform(5, 40)), 1) if low else None,
                               None if low else round(float(rng.uniform(20, 70)), 1)),)
    min_sites = int(rng.integers(1, 4)) if rng.random() < 0.3 else 0
    max_sites = int(rng.integers(2, 9)) if rng.random() < 0.3 else None
    return DesignConstraints(min_sites=min_sites, max_sites=max_sites, forced_open=forced_open,
                             forced_closed=forced_closed, carrier_shares=shares)


def check_against_oracle(seed: int) -> float | None:
    """The optimizer's answer to one random scenario agrees with the oracle's; returns the
    highest peak utilization of a site in the oracle's design (None: infeasible)."""
    scenario = random_scenario(seed)
    lanes = build_lanes(scenario)
    start = time.perf_counter()
    ours = optimize(scenario, lanes, PARAMS)
    ours_s = time.perf_counter() - start
    oracle = solve_oracle(scenario, lanes)
    replay = (f"seed {seed} ({ours.status.value} in {ours_s:.1f} s); scenario to replay:\n"
              f"{scenario_to_json(scenario)}")
    if ours.design is not None:  # the optimizer's own claim, checked apart from its search
        assert evaluate(scenario, ours.design, lanes).feasible, replay
    if oracle.feasible is None:  # the oracle's time limit, no design yet (seed 170 at load
        # 14): only its bound can judge; a design cheaper than that bound is wrong
        if ours.design is not None:
            assert ours.objective_usd >= oracle.bound_usd * (1 - TOLERANCE), replay
        return None
    if not oracle.feasible:
        assert ours.status is SolveStatus.INFEASIBLE, replay
        return None
    checked = evaluate(scenario, Design(oracle.open_site_ids, oracle.assignment), lanes)
    assert checked.feasible, f"the oracle's own design breaks: {checked.violations}"
    assert checked.kpis.total_cost_usd == pytest.approx(oracle.objective_usd, rel=TOLERANCE)
    assert ours.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE), (
        f"{ours.explanation}\n{replay}")
    cost, gap = ours.objective_usd, ours.gap
    assert cost - oracle.objective_usd <= gap * cost + TOLERANCE * cost, replay  # its gap holds
    assert cost >= oracle.bound_usd * (1 - TOLERANCE), replay  # never below a proven bound
    assert ours.best_bound_usd <= oracle.objective_usd * (1 + TOLERANCE), replay  # nor its own
    return max(u.utilization_share for u in checked.sites if u.is_open)


@pytest.mark.parametrize("seed", DEFAULT_SEEDS)
def test_optimizer_agrees_with_the_oracle(seed):
    """A design within its stated gap of the oracle's optimum, never below the oracle's proven
    bound, its own bound at most the oracle's optimum, and infeasible exactly when the oracle
    is; the oracle's design passes evaluate() at the oracle's cost."""
    utilization = check_against_oracle(seed)
    assert (utilization is None) == (seed in INFEASIBLE_SEEDS)
    if seed in CAPACITY_BINDS:
        assert utilization >= 0.99


def test_default_seeds_cover_every_constraint_type():
    """The default seeds draw, between them, a 1-day target, two targets at once, the per-ZIP3
    day limit, a carrier minimum and maximum, forced-open and forced-closed sites, minimum and
    maximum site counts, inventory, and cross-border on and off."""
    drawn = [random_scenario(seed) for seed in DEFAULT_SEEDS]
    shares = [c for s in drawn for c in s.constraints.carrier_shares]
    assert any(t.within_days == 1 for s in drawn for t in s.targets.share_targets)
    assert any(len(s.targets.share_targets) >= 2 for s in drawn)
    assert any(s.targets.max_days_any_zip3 is not None for s in drawn)
    assert any(c.min_pct is not None for c in shares)
    assert any(c.max_pct is not None for c in shares)
    assert any(s.constraints.forced_open for s in drawn)
    assert any(s.constraints.forced_closed for s in drawn)
    assert any(s.constraints.min_sites > 0 for s in drawn)
    assert any(s.constraints.max_sites is not None for s in drawn)
    assert any(s.costs.safety_stock_usd_per_year_one_site > 0 for s in drawn)
    assert {s.costs.cross_border.enabled for s in drawn} == {True, False}


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_SEEDS)
def test_optimizer_agrees_with_the_oracle_on_many_seeds(seed):
    """The same comparison on 120 more random scenarios."""
    check_against_oracle(seed)
