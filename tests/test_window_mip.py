"""network/optimize/window_mip.py: what a window proves after its MIP (never less than the bound
known before it, never more than the bound on the options left out), and the rounding of the
fixed-sites LP into a first design under capacity."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from network.optimize.mathopt_backend import MipSolution, MipStatus
from network.optimize.problem import LocationProblem, Options, site_loads
from network.optimize.window_mip import mip_window_bound, within_capacity


def _stopped(bound: float | None) -> MipSolution:
    return MipSolution(MipStatus.FEASIBLE, np.zeros(3), 1_000.0, bound, 60.0)


def test_a_mip_stopped_with_a_weak_dual_bound_keeps_the_windows_lp_bound():
    """A time-limited MIP whose dual bound lies below the window's LP bound proves the LP bound
    (a capped next-day run reported a 94% gap where its LP had proven 0.06%)."""
    assert mip_window_bound(_stopped(53.0), 998.0) == 998.0
    assert mip_window_bound(_stopped(None), 998.0) == 998.0


def test_a_mip_bound_above_the_known_bound_counts():
    """A MIP that closes more of the gap than the LP proves its own bound."""
    assert mip_window_bound(_stopped(999.5), 998.0) == 999.5


def test_options_left_out_cap_the_window_bound():
    """Designs using an option outside the MIP are bounded only by the reduced-cost bound."""
    assert mip_window_bound(_stopped(999.5), 998.0, dropped=999.0) == 999.0
    infeasible = MipSolution(MipStatus.INFEASIBLE, None, None, None, 1.0)
    assert mip_window_bound(infeasible, 998.0, dropped=1_200.0) == 1_200.0
    assert mip_window_bound(infeasible, 998.0) == np.inf


def _two_sites() -> tuple:
    """Site 0 holds 10 orders, site 1 100; point 0 (6 orders) only at site 0 or abroad, point 1
    (5 orders) at site 0 (2 days, cheapest), site 1 (2 days) or abroad (5 days)."""
    options = Options(point=np.array([0, 0, 1, 1, 1]), site=np.array([0, -1, 0, -1, 1]),
                      service=np.zeros(5, int), cost_usd_per_order=np.array([1.0, 9, 1, 2, 3]),
                      days=np.array([2, 5, 2, 5, 2], dtype=np.int32))
    problem = LocationProblem(
        orders_per_year=np.array([6.0, 5.0]), fixed_cost_usd_per_year=np.array([1.0, 1.0]),
        capacity_orders_per_year=np.array([10.0, 100.0]), options=options,
        inventory_usd_by_count=np.zeros(3), min_sites=0, max_sites=2,
        forced_open=np.zeros(2, bool), forced_closed=np.zeros(2, bool))
    return problem, np.array([True, True])


def test_rounding_moves_a_split_point_off_the_site_it_overloads():
    """The LP splits point 1 (0.8 at site 0, 0.2 abroad); rounded to site 0 it overloads it
    (11 > 10), so it moves: to site 1, as fast as site 0, rather than abroad where the LP put
    its other part (a share target counts it); point 0, not split, stays."""
    problem, is_open = _two_sites()
    x = np.array([1.0, 0.0, 0.8, 0.2, 0.0])
    choice = within_capacity(problem, is_open, x, np.array([0, 2]))
    assert choice.tolist() == [0, 4]
    assert (site_loads(problem, choice) <= problem.capacity_orders_per_year).all()


def test_rounding_keeps_a_split_point_where_it_fits():
    """A split point on a site with room for it stays where the rounding put it."""
    problem, is_open = _two_sites()
    problem = replace(problem, capacity_orders_per_year=np.array([11.0, 100.0]))
    x = np.array([1.0, 0.0, 0.8, 0.2, 0.0])
    assert within_capacity(problem, is_open, x, np.array([0, 2])).tolist() == [0, 2]
