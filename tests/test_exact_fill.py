"""exact_fill.fill_sites: a design whose sites are filled to the order with whole points, where
the target asks for every order they hold; every design it returns meets the rows."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from network.evaluate import ROW_TOLERANCE
from network.optimize import capacity_cuts, count_search, window_mip
from network.optimize.exact_fill import fill_sites
from network.optimize.incumbent import Incumbent, read_design
from network.optimize.model import build_model
from network.optimize.problem import (
    CarrierBound,
    LocationProblem,
    Options,
    ShareRequirement,
    site_loads,
)
from network.optimize.window_bounds import WindowState, bound_window

from random_problems import random_problem


def one_site(share: float) -> LocationProblem:
    """One site of capacity 10 reaching points of 6, 7 and 3 orders in a day (per order 1, 3
    and 2; cross-border 10 in 5 days): only the 7 and the 3 fill it to the order."""
    orders = np.array([6.0, 7.0, 3.0])
    options = Options(point=np.array([0, 0, 1, 1, 2, 2]), site=np.array([0, -1, 0, -1, 0, -1]),
                      service=np.array([0, -1, 0, -1, 0, -1]),
                      cost_usd_per_order=np.array([1.0, 10.0, 3.0, 10.0, 2.0, 10.0]),
                      days=np.array([1, 5, 1, 5, 1, 5], dtype=np.int32))
    return LocationProblem(
        orders_per_year=orders, fixed_cost_usd_per_year=np.array([5.0]),
        capacity_orders_per_year=np.array([10.0]), options=options,
        inventory_usd_by_count=np.zeros(2), min_sites=0, max_sites=1,
        forced_open=np.zeros(1, bool), forced_closed=np.zeros(1, bool),
        share_requirements=(ShareRequirement(2, share),))


def meets(problem: LocationProblem, choice: np.ndarray) -> bool:
    """Capacity and the share target within ROW_TOLERANCE, as evaluate() accepts them."""
    opt, orders = problem.options, problem.orders_per_year
    cap = problem.capacity_orders_per_year
    within_cap = np.all(site_loads(problem, choice) <= cap * (1 + ROW_TOLERANCE))
    return bool(within_cap and all(
        orders[opt.days[choice] <= r.within_days].sum()
        >= (r.share - ROW_TOLERANCE) * orders.sum() for r in problem.share_requirements))


def test_fills_the_site_to_the_order_by_an_exchange():
    """The cheapest start loads 16 on the site; sending the 7 cross-border (least lost per order)
    leaves 9 of the 10 needed, and no point fits the 1 left: only exchanging the 6 for the 7
    fills the site to 10."""
    problem = one_site(10 / 16)
    choice = fill_sites(problem, np.array([True]))
    assert choice is not None
    assert problem.options.site[choice].tolist() == [-1, 0, 0]
    assert meets(problem, choice)


def test_no_design_when_the_site_cannot_hold_the_target():
    problem = one_site(11 / 16)  # 11 orders within 2 days, but the site holds 10
    assert fill_sites(problem, np.array([True])) is None


@pytest.mark.parametrize("seed", range(40))
def test_every_fill_meets_the_rows(seed):
    problem = random_problem(seed, n_sites=4, n_points=12)
    rng = np.random.default_rng(seed)
    is_open = rng.random(4) < 0.6
    choice = fill_sites(problem, is_open)
    if choice is None:
        return
    opt = problem.options
    assert np.array_equal(opt.point[choice], np.arange(problem.n_points))
    sites = opt.site[choice]
    assert np.all((sites == -1) | is_open[np.maximum(sites, 0)])
    assert meets(problem, choice)


def test_not_of_its_kind():
    problem = one_site(10 / 16)
    two = replace(problem, share_requirements=(
        ShareRequirement(2, 0.5), ShareRequirement(3, 0.6)))
    carrier = replace(problem, carrier_bounds=(
        CarrierBound("UPS", np.ones(6), 0.3, None),))
    assert fill_sites(two, np.array([True])) is None
    assert fill_sites(carrier, np.array([True])) is None


def test_fixed_sites_design_takes_the_exact_fill_without_its_mip(monkeypatch):
    """With the site fixed, the LP's rounding and the greedy fill both miss the target on the
    hand-made site; the exact fill meets every row, so the node-limited MIP is not run."""
    problem = one_site(10 / 16)
    full = build_model(problem, (0,))

    def no_mip(*args, **kwargs):
        raise AssertionError("the fixed-sites MIP ran")

    monkeypatch.setattr(window_mip, "_mip_over", no_mip)
    best = Incumbent()
    window_mip.fixed_sites_design(problem, full, np.array([True]), best, 1e-5,
                                  time.perf_counter() + 30)
    assert best.objective == pytest.approx(5.0 + 6 * 10.0 + 7 * 3.0 + 3 * 2.0)
    _, choice = read_design(problem, full, best.values)
    assert problem.options.site[choice].tolist() == [-1, 0, 0]


def test_cuts_short_of_the_gap_fill_their_last_set_before_any_assignment_mip(monkeypatch):
    """close_by_cuts on the hand-made site: its master reaches the site's fixed-sites LP (a
    ZIP3 split), short of any incumbent; the exact fill of that set is offered before the
    assignment MIPs, which here find nothing, so the design is the fill's (the MIPs spent
    capacity_overflow_200m's time limit at +9 pts looking for the same subset sums); the
    master's bound is published (`on_bound`, window.kept, the cuts kept) before them."""
    problem = one_site(10 / 16)
    full = build_model(problem, (0,))

    steps = []

    def nothing(*args, **kwargs):
        steps.append("mip")

    monkeypatch.setattr(capacity_cuts, "small_assignment", nothing)
    monkeypatch.setattr(capacity_cuts, "best_assignment", nothing)
    window = WindowState(1, 1)
    deadline = time.perf_counter() + 30
    bound_window(full, window, deadline)
    best = Incumbent()
    kept = {}
    closed = capacity_cuts.close_by_cuts(
        problem, full, window, best, 1e-9, deadline, kept,
        on_bound=lambda: steps.append(("bound", window.kept, 1 in kept, best.objective)))
    # the bound published before the MIPs, with the cuts kept and the fill's design in hand
    assert steps[0] == ("bound", window.kept, True, best.objective) and "mip" in steps[1:]
    assert np.isfinite(window.kept) and not closed
    assert best.objective == pytest.approx(5.0 + 6 * 10.0 + 7 * 3.0 + 3 * 2.0)
    _, choice = read_design(problem, full, best.values)
    assert problem.options.site[choice].tolist() == [-1, 0, 0]
    assert window.kept <= best.objective * (1 + 1e-9)


def test_no_assignment_mip_starts_after_one_that_ended_past_the_deadline(monkeypatch):
    """close_by_cuts' steps after its master each ask the clock again: the points-in-doubt MIP
    ending past the deadline (HiGHS's root cut rounds are not stopped by its time limit) is
    not followed by the every-point MIP (the +9 pts what-if ran up to 2.6 s past its limit)."""
    problem = one_site(10 / 16)
    full = build_model(problem, (0,))
    deadline = time.perf_counter() + 2.0
    steps = []

    def overruns(*args, **kwargs):
        steps.append("small")
        time.sleep(max(0.0, deadline - time.perf_counter()) + 0.01)

    monkeypatch.setattr(capacity_cuts, "small_assignment", overruns)
    monkeypatch.setattr(capacity_cuts, "best_assignment",
                        lambda *args, **kwargs: steps.append("every point"))
    window = WindowState(1, 1)
    bound_window(full, window, deadline)
    best = Incumbent()
    capacity_cuts.close_by_cuts(problem, full, window, best, 1e-9, deadline, {})
    assert steps == ["small"]
    assert np.isfinite(window.kept)  # the master's bound is still the window's


def two_sites() -> LocationProblem:
    """one_site's points with a second site of the same capacity, one more per order, and a
    target of 10 of 16 orders within 2 days: one site open, filled to the order."""
    orders = np.array([6.0, 7.0, 3.0])
    options = Options(point=np.repeat([0, 1, 2], 3), site=np.tile([0, 1, -1], 3),
                      service=np.tile([0, 0, -1], 3),
                      cost_usd_per_order=np.array([1.0, 2.0, 10.0, 3.0, 4.0, 10.0,
                                                   2.0, 3.0, 10.0]),
                      days=np.tile(np.array([1, 1, 5], dtype=np.int32), 3))
    return LocationProblem(
        orders_per_year=orders, fixed_cost_usd_per_year=np.array([5.0, 5.0]),
        capacity_orders_per_year=np.array([10.0, 10.0]), options=options,
        inventory_usd_by_count=np.zeros(3), min_sites=1, max_sites=1,
        forced_open=np.zeros(2, bool), forced_closed=np.zeros(2, bool),
        share_requirements=(ShareRequirement(2, 10 / 16),))


def test_a_warm_start_whose_last_design_misses_a_row_fills_its_sites_first(monkeypatch):
    """After an edit the last design's sites (here site 1) are filled to the order before the
    heuristic's (site 0, whose design overloads it): the first incumbent is on the last
    design's sites, and the heuristic's sites are not assigned again (on capacity_overflow_200m
    +9 pts they filled to $4,927M, the last design's to $4,887M)."""
    problem = two_sites()
    full = build_model(problem, (0, 1))
    site0 = np.array([True, False])
    cheapest = np.array([0, 3, 6])  # every point at site 0: 16 orders, its capacity 10
    monkeypatch.setattr(count_search, "best_designs", lambda *args: {
        1: (5.0 + 6 + 21 + 6, site0, cheapest)})
    assigned = []
    monkeypatch.setattr(count_search, "fixed_sites_design",
                        lambda problem, full, is_open, *args: assigned.append(is_open))
    best = Incumbent()
    count_search._heuristic_incumbent(problem, full, best, 1, 1, np.array([False, True]),
                                      1e-4, time.perf_counter() + 30)
    assert best.objective == pytest.approx(5.0 + 6 * 10.0 + 7 * 4.0 + 3 * 3.0)
    is_open, choice = read_design(problem, full, best.values)
    assert is_open.tolist() == [False, True]
    assert problem.options.site[choice].tolist() == [-1, 1, 1]
    assert not assigned


def test_a_window_keeps_the_cuts_bound_beside_a_weaker_proof():
    """A window whose site tree or MIP stopped at the deadline with a bound below the one its
    cuts proved (window.kept) keeps the higher: both are valid for its designs (at 60 s the
    +9 pts what-if reported $4,878.6M where $4,884.6M was proven)."""
    problem = one_site(10 / 16)
    full = build_model(problem, (0,))
    w = WindowState(1, 1)
    w.proven, w.kept = 80.0, 85.0
    assert count_search._window_low([w], problem, full, 0) == 85.0
    w.proven = 90.0
    assert count_search._window_low([w], problem, full, 0) == 90.0
