"""An independent oracle for the optimizer: the textbook model of the same problem, for tests.

Built straight from the lane table and the scenario (never from the optimizer's reduced options
or its LocationProblem), every lane its own binary variable, solved by HiGHS through OR-Tools
MathOpt to a tight gap. The product keeps its fast search; this only checks it.

    y_s in {0,1}        site s open (forced open: y_s = 1; forced closed: y_s = 0)
    x_zsk in {0,1}      ZIP3 z served from site s by service k (lanes within the day limit)
    c_z in {0,1}        ZIP3 z shipped cross-border direct (when enabled and within the limit)
    u_n in {0,1}        exactly n sites open, n = 0..S
    min  sum_s F_s y_s + sum o_z cost_zsk x_zsk + sum o_z cost_cb c_z + sum_n inv(n) u_n
    (1) sum_sk x_zsk + c_z = 1                              every ZIP3 served once
    (2) x_zsk <= y_s                                        only from open sites
    (3) sum_{days <= N} o_z x + o_z c_z [days_cb <= N] >= share_N O   each share target
    (4) sum_zk peak o_z x_zsk <= Q_s y_s                    capacity at the peak
    (5) sum_s y_s = sum_n n u_n, sum_n u_n = 1; min <= sum_s y_s <= max
    (6) lo_j sum_zsk o_z x <= sum_zsk f_jzsk o_z x <= hi_j sum_zsk o_z x   carrier shares
        (f_jzsk: the share of lane zsk's parcels carrier j carries; rate shopping splits them)
with inv(n) from network/inventory.py, the one definition of the inventory cost.

Rows (3), (4) and (6) are solved as evaluate() checks them: met within ROW_TOLERANCE (a share
target or a carrier share by that share of all orders O, a capacity by that share of Q_s), so
the oracle's optimum is over the same designs evaluate() accepts and the optimizer may return
(network/optimize/model.py: its bounds hold for the rows loosened so). Solved with the exact
right-hand sides instead, the oracle's "optimum" can lie above a design evaluate() accepts: seed
171 met its 21.8% target at 21.799978% (2.2e-7 short) for $4,012 (3.9e-6) below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ortools.math_opt.python import mathopt

from network.evaluate import CROSS_BORDER, ROW_TOLERANCE
from network.inventory import inventory_usd_per_year
from network.lanes import LaneTable
from network.scenario import Scenario

ORACLE_GAP = 1e-6  # relative; a time limit may stop it sooner: its bound still holds


@dataclass(frozen=True)
class OracleResult:
    feasible: bool | None  # False: HiGHS proved no design exists; None: its time limit
    # stopped it before it found a design or proved none (bound_usd still holds)
    objective_usd: float | None  # the cost of its best design
    bound_usd: float | None  # HiGHS's proven lower bound on every design's cost
    open_site_ids: tuple[str, ...] = ()
    assignment: tuple[tuple[str, str, str], ...] = ()  # (zip3, site_id or CROSS_BORDER, service)


def solve_oracle(scenario: Scenario, lanes: LaneTable, time_limit_s: float = 600.0
                 ) -> OracleResult:
    """The textbook model of `scenario` over `lanes`, solved to ORACLE_GAP or the time limit:
    its best design's cost and HiGHS's proven bound (both valid whichever stopped it)."""
    model = mathopt.Model(name="oracle")
    n_z, n_s, n_k = lanes.shape
    k = scenario.constraints
    y = [model.add_binary_variable(name=f"open[{sid}]") for sid in lanes.site_ids]
    for s, sid in enumerate(lanes.site_ids):
        if sid in k.forced_open:
            y[s].lower_bound = 1
        if sid in k.forced_closed:
            y[s].upper_bound = 0
    x, cross = _assignment_variables(model, scenario, lanes)
    orders = lanes.demand.orders_per_year
    for z in range(n_z):  # (1)
        model.add_linear_constraint(mathopt.fast_sum(v for _, _, v in x[z]) + _or0(cross[z])
                                    == 1)
    for z in range(n_z):  # (2)
        for s, _, v in x[z]:
            model.add_linear_constraint(v <= y[s])
    _share_targets(model, scenario, lanes, x, cross)  # (3)
    peak = scenario.costs.peak_multiplier
    for s in range(n_s):  # (4)
        load = mathopt.fast_sum(peak * orders[z] * v for z in range(n_z)
                                for ss, _, v in x[z] if ss == s)
        model.add_linear_constraint(
            load <= float(lanes.capacity_orders_per_year[s]) * (1 + ROW_TOLERANCE) * y[s])
    u = [model.add_binary_variable(name=f"count[{n}]") for n in range(n_s + 1)]  # (5)
    model.add_linear_constraint(mathopt.fast_sum(y) == mathopt.fast_sum(n * u[n]
                                                                       for n in range(n_s + 1)))
    model.add_linear_constraint(mathopt.fast_sum(u) == 1)
    model.add_linear_constraint(mathopt.fast_sum(y) >= k.min_sites)
    if k.max_sites is not None:
        model.add_linear_constraint(mathopt.fast_sum(y) <= k.max_sites)
    _carrier_shares(model, scenario, lanes, x)  # (6)
    cost = lanes.cost_usd_per_order
    model.minimize(
        mathopt.fast_sum(float(f) * y[s] for s, f in enumerate(lanes.fixed_cost_usd_per_year))
        + mathopt.fast_sum(orders[z] * float(cost[z, s, kk]) * v for z in range(n_z)
                           for s, kk, v in x[z])
        + mathopt.fast_sum(orders[z] * lanes.cross_border_usd_per_order * cross[z]
                           for z in range(n_z) if cross[z] is not None)
        + mathopt.fast_sum(inventory_usd_per_year(scenario, n, float(orders.sum())) * u[n]
                           for n in range(n_s + 1)))
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=time_limit_s),
                                     relative_gap_tolerance=ORACLE_GAP,
                                     absolute_gap_tolerance=0.0)
    result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params)
    return _read(result, lanes, y, x)


def _or0(v):
    return 0.0 if v is None else v


def _assignment_variables(model: mathopt.Model, scenario: Scenario, lanes: LaneTable):
    """x[z] = [(site, service, variable)] for every lane within the day limit; cross[z] the
    cross-border variable, or None when it is disabled or too slow."""
    n_z, n_s, n_k = lanes.shape
    limit = scenario.targets.max_days_any_zip3
    days = lanes.delivery_days
    x = [[(s, kk, model.add_binary_variable(name=f"serve[{z},{s},{kk}]"))
          for s in range(n_s) for kk in range(n_k)
          if limit is None or days[z, s, kk] <= limit] for z in range(n_z)]
    allowed = lanes.cross_border_enabled and (limit is None or lanes.cross_border_days <= limit)
    cross = [model.add_binary_variable(name=f"cross[{z}]") if allowed else None
             for z in range(n_z)]
    return x, cross


def _share_targets(model, scenario: Scenario, lanes: LaneTable, x, cross) -> None:
    orders = lanes.demand.orders_per_year
    for t in scenario.targets.share_targets:
        fast = [orders[z] * v for z in range(len(x)) for s, kk, v in x[z]
                if lanes.delivery_days[z, s, kk] <= t.within_days]
        if lanes.cross_border_days <= t.within_days:
            fast += [orders[z] * c for z, c in enumerate(cross) if c is not None]
        model.add_linear_constraint(mathopt.fast_sum(fast)
                                    >= (t.share_pct / 100 - ROW_TOLERANCE) * float(orders.sum()))


def _carrier_shares(model, scenario: Scenario, lanes: LaneTable, x) -> None:
    orders = lanes.demand.orders_per_year
    shipped = mathopt.fast_sum(orders[z] * v for z in range(len(x)) for _, _, v in x[z])
    slack = ROW_TOLERANCE * float(orders.sum())  # evaluate(): a share of all orders
    for c in scenario.constraints.carrier_shares:
        fraction = lanes.carrier_fraction(c.carrier)  # of each option's parcels
        mine = mathopt.fast_sum(float(orders[z] * fraction[z, s, kk]) * v
                                for z in range(len(x)) for s, kk, v in x[z])
        if c.min_pct is not None:
            model.add_linear_constraint(mine >= c.min_pct / 100 * shipped - slack)
        if c.max_pct is not None:
            model.add_linear_constraint(mine <= c.max_pct / 100 * shipped + slack)


def _read(result, lanes: LaneTable, y, x) -> OracleResult:
    """The oracle's outcome; a ZIP3 served by no lane is shipped cross-border."""
    reason = result.termination.reason
    if reason in (mathopt.TerminationReason.INFEASIBLE,
                  mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED):
        return OracleResult(False, None, None)
    if (reason is mathopt.TerminationReason.NO_SOLUTION_FOUND
            and result.termination.limit is mathopt.Limit.TIME):
        return OracleResult(None, None, result.termination.objective_bounds.dual_bound)
    if reason not in (mathopt.TerminationReason.OPTIMAL, mathopt.TerminationReason.FEASIBLE):
        raise RuntimeError(f"the oracle found no design: {result.termination}")
    values = result.variable_values()
    open_ids = tuple(sid for sid, v in zip(lanes.site_ids, y, strict=True) if values[v] > 0.5)
    assignment = []
    for z, zip3 in enumerate(lanes.demand.zip3):
        lane = next(((lanes.site_ids[s], lanes.service_ids[kk]) for s, kk, v in x[z]
                     if values[v] > 0.5), (CROSS_BORDER, ""))
        assignment.append((zip3, *lane))
    return OracleResult(True, result.objective_value(),
                        result.termination.objective_bounds.dual_bound, open_ids,
                        tuple(assignment))
