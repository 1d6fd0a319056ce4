"""The largest share of orders any design could deliver within N days: a proven upper bound.

A frontier point whose promise is above this bound is infeasible without a solve, and the
bound is the "best share reachable" shown beside it. The bound comes from a small covering MIP
that relaxes the design problem (so it can only overstate what is reachable):

    Data      o_z orders of ZIP3 z (w_z = o_z / sum o), cov(z) the allowed sites with some
              service reaching z within N days, q_s = capacity_s / peak multiplier,
              raised by the slack a design may load it beyond that (problem.capacity_slack:
              evaluate() accepts such a design, so the bound must cover it), [lo, hi] the
              number of open sites allowed
    Variables y_s in {0, 1} site s open; c_z in [0, 1] share of z delivered within N days
    Model     max  sum_z w_z c_z
              (1)  c_z <= sum_{s in cov(z)} y_s             z is covered only by an open site
              (2)  sum_z o_z c_z <= sum_s q_s y_s           covered orders fit the open capacity
              (3)  lo <= sum_s y_s <= hi                    the site count
              (4)  y_s = 1 forced open, y_s = 0 forced closed

Left out, each of which can only lower the true optimum: cost, the other share targets, the
per-ZIP3 day limit, carrier shares, serving the uncovered orders, and capacity per site (2
pools it). When none of those binds (the default scenario), the bound is the exact best share.
Cross-border direct counts as covered when its days are within N.

Before that MIP, `greedy_share` gives a feasible solution of it in microseconds: hi sites
(the forced-open ones, then each time the one covering the most orders not yet covered),
c_z = r for every covered z with r = min(1, pooled capacity / covered orders), so (1)-(4)
hold. Its share is at most the MIP's optimum, so at most the bound: a promise at or below it
is not proven out of reach by the bound either, and needs no MIP (points._bounded; a
frontier worker used to spend about 0.5 s on that MIP at each count's first point, where the
bound was 100% from 2 sites up on the default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from ortools.math_opt.python import mathopt

from network.evaluate import ROW_TOLERANCE
from network.lanes import LaneTable
from network.scenario import Scenario

BOUND_TIME_LIMIT_S = 30.0  # the dual bound is valid whenever the solve stops


@dataclass(frozen=True)
class ShareBound:
    """At most `share` (0-1) of orders can be delivered within `within_days` with a site count
    in [min_sites, max_sites]; `sites` open a design reaching `reached` (0-1) of them in the
    relaxation (equal to `share` when the MIP closed its gap)."""

    within_days: int
    min_sites: int
    max_sites: int
    share: float
    reached: float
    sites: tuple[str, ...]


def site_count_range(scenario: Scenario) -> tuple[int, int]:
    """The number of open sites the scenario allows, as the optimizer reads its constraints."""
    k = scenario.constraints
    n = len(scenario.sites)
    return k.min_sites, n if k.max_sites is None else min(k.max_sites, n)


def share_bound(scenario: Scenario, lanes: LaneTable, within_days: int) -> ShareBound | None:
    """The bound for the scenario's own site-count limits and forced sites; None when those
    admit no design at all (the optimizer's checks explain why)."""
    lo, hi = site_count_range(scenario)
    ids = scenario.site_ids
    forced_open = np.isin(ids, scenario.constraints.forced_open)
    forced_closed = np.isin(ids, scenario.constraints.forced_closed)
    if lo > hi or forced_open.sum() > hi or (~forced_closed).sum() < lo:
        return None
    orders = lanes.demand.orders_per_year.astype(float)
    fastest = lanes.delivery_days.min(axis=2)  # [z, s]
    covers = (fastest <= within_days) & ~forced_closed[None, :]
    if lanes.cross_border_enabled and lanes.cross_border_days <= within_days:
        return ShareBound(within_days, lo, hi, 1.0, 1.0, ())
    capacity = lanes.capacity_orders_per_year / scenario.costs.peak_multiplier
    capacity = capacity * (1 + ROW_TOLERANCE)  # q_s with its slack (module docstring)
    model, y, covered = _covering_model(orders, covers, capacity, lo, hi,
                                        forced_open, forced_closed)
    result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=mathopt.SolveParameters(
        time_limit=timedelta(seconds=BOUND_TIME_LIMIT_S), relative_gap_tolerance=1e-7,
        absolute_gap_tolerance=0.0))
    bound = result.termination.objective_bounds.dual_bound
    if not result.has_primal_feasible_solution():
        return ShareBound(within_days, lo, hi, min(1.0, bound), 0.0, ())
    open_ids = tuple(s for s, v in zip(ids, y, strict=True) if result.variable_values(v) > 0.5)
    reached = float(sum(result.variable_values(c) * orders[z] for c, z in covered)) / orders.sum()
    return ShareBound(within_days, lo, hi, min(1.0, max(bound, reached)), reached, open_ids)


def greedy_share(scenario: Scenario, lanes: LaneTable, within_days: int) -> float:
    """A share (0-1) of orders some feasible solution of the covering MIP delivers within
    `within_days` (module docstring), so at most `share_bound(...).share`; 0 when the count
    limits and forced sites admit no design."""
    lo, hi = site_count_range(scenario)
    ids = scenario.site_ids
    forced_open = np.isin(ids, scenario.constraints.forced_open)
    forced_closed = np.isin(ids, scenario.constraints.forced_closed)
    if lo > hi or forced_open.sum() > hi or (~forced_closed).sum() < lo:
        return 0.0
    if lanes.cross_border_enabled and lanes.cross_border_days <= within_days:
        return 1.0
    orders = lanes.demand.orders_per_year.astype(float)
    covers = (lanes.delivery_days.min(axis=2) <= within_days) & ~forced_closed[None, :]
    capacity = lanes.capacity_orders_per_year / scenario.costs.peak_multiplier
    chosen = forced_open.copy()
    covered = covers[:, chosen].any(axis=1)
    for _ in range(int(hi - chosen.sum())):
        gain = orders[~covered] @ covers[~covered]  # orders each site would add
        gain[chosen | forced_closed] = -1.0
        if gain.max() < 0:
            break  # no site left to open
        s = int(np.argmax(gain))
        chosen[s] = True
        covered |= covers[:, s]
    total, reach = orders.sum(), float(orders[covered].sum())
    if total <= 0 or reach <= 0:
        return 0.0
    return min(reach, float(capacity[chosen].sum())) / float(total)


def _covering_model(orders: np.ndarray, covers: np.ndarray, capacity: np.ndarray, lo: int,
                    hi: int, forced_open: np.ndarray, forced_closed: np.ndarray):
    """The MIP of the module docstring; ZIP3s no allowed site covers are left out (c_z = 0)."""
    model = mathopt.Model(name="share_bound")
    y = [model.add_binary_variable(name=f"y{s}") for s in range(covers.shape[1])]
    for s, v in enumerate(y):
        if forced_open[s]:
            v.lower_bound = 1.0
        if forced_closed[s]:
            v.upper_bound = 0.0
    covered = []
    share = orders / orders.sum()
    for z in np.nonzero(covers.any(axis=1))[0]:
        c = model.add_variable(lb=0.0, ub=1.0, name=f"c{z}")
        reach = mathopt.fast_sum(y[s] for s in np.nonzero(covers[z])[0])
        model.add_linear_constraint(c <= reach)  # (1)
        covered.append((c, int(z)))
    model.add_linear_constraint(  # (2)
        mathopt.fast_sum(float(orders[z]) * c for c, z in covered)
        <= mathopt.fast_sum(float(q) * v for q, v in zip(capacity, y, strict=True)))
    model.add_linear_constraint(mathopt.fast_sum(y) >= lo)  # (3)
    model.add_linear_constraint(mathopt.fast_sum(y) <= hi)
    model.maximize(mathopt.fast_sum(float(share[z]) * c for c, z in covered))
    return model, y, covered
