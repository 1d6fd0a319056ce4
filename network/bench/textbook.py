"""The textbook model of a scenario in CBC (OR-Tools linear_solver), for the benchmark's ratio.

Every lane a binary variable with x <= y per lane, the same objective and constraints as the
optimizer's model (network/optimize/model.py) without its reductions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from network.inventory import inventory_usd_per_year
from network.lanes import LaneTable
from network.scenario import Scenario


@dataclass(frozen=True)
class TextbookRun:
    seconds: float
    objective: float | None
    status: str
    capped: bool
    build_seconds: float


def textbook_cbc(scenario: Scenario, lanes: LaneTable, limit_s: float) -> TextbookRun:
    """Every lane a binary variable with x <= y, solved by CBC (one thread)."""
    from ortools.linear_solver import pywraplp

    start = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver("CBC")
    objective = _textbook_model(solver, scenario, lanes)
    solver.Minimize(objective)
    solver.SetTimeLimit(int(limit_s * 1000))
    build = time.perf_counter() - start
    start = time.perf_counter()
    status = solver.Solve()
    seconds = time.perf_counter() - start
    found = status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    capped = status != pywraplp.Solver.OPTIMAL
    names = {pywraplp.Solver.OPTIMAL: "optimal", pywraplp.Solver.FEASIBLE: "feasible (capped)",
             pywraplp.Solver.INFEASIBLE: "infeasible", pywraplp.Solver.NOT_SOLVED: "not solved"}
    return TextbookRun(limit_s if capped else seconds,
                       solver.Objective().Value() if found else None,
                       names.get(status, str(status)), capped, build)


def _textbook_model(solver, scenario: Scenario, lanes: LaneTable):
    n_z, n_s, n_k = lanes.shape
    orders = lanes.demand.orders_per_year
    cost = lanes.cost_usd_per_order
    days = lanes.delivery_days
    limit = scenario.targets.max_days_any_zip3
    k = scenario.constraints
    y = [solver.BoolVar(f"open[{s}]") for s in lanes.site_ids]
    for s, sid in enumerate(lanes.site_ids):
        if sid in k.forced_open:
            y[s].SetLb(1)
        if sid in k.forced_closed:
            y[s].SetUb(0)
    lanes_of_z: list[list[tuple]] = [[] for _ in range(n_z)]
    for z in range(n_z):
        for s in range(n_s):
            for kk in range(n_k):
                if limit is not None and days[z, s, kk] > limit:
                    continue
                x = solver.BoolVar(f"serve[{z},{s},{kk}]")
                solver.Add(x <= y[s])
                lanes_of_z[z].append((x, s, kk, float(cost[z, s, kk]), int(days[z, s, kk])))
        if lanes.cross_border_enabled and (limit is None or lanes.cross_border_days <= limit):
            lanes_of_z[z].append((solver.BoolVar(f"cross[{z}]"), -1, -1,
                                  lanes.cross_border_usd_per_order, lanes.cross_border_days))
    terms = []
    for z in range(n_z):
        solver.Add(solver.Sum([x for x, *_ in lanes_of_z[z]]) == 1)
        terms += [float(orders[z]) * c * x for x, _, _, c, _ in lanes_of_z[z]]
    total = float(orders.sum())
    for t in scenario.targets.share_targets:
        solver.Add(solver.Sum([float(orders[z]) * x for z in range(n_z)
                               for x, _, _, _, d in lanes_of_z[z] if d <= t.within_days])
                   >= t.share_pct / 100 * total)
    peak = scenario.costs.peak_multiplier
    for s in range(n_s):
        solver.Add(solver.Sum([float(orders[z]) * peak * x for z in range(n_z)
                               for x, ss, *_ in lanes_of_z[z] if ss == s])
                   <= float(lanes.capacity_orders_per_year[s]) * y[s])
    counts = range(n_s + 1)
    u = [solver.BoolVar(f"count[{n}]") for n in counts]
    solver.Add(solver.Sum(u) == 1)
    solver.Add(solver.Sum(y) == solver.Sum([n * u[n] for n in counts]))
    solver.Add(solver.Sum(y) >= k.min_sites)
    if k.max_sites is not None:
        solver.Add(solver.Sum(y) <= k.max_sites)
    _textbook_carriers(solver, scenario, lanes, lanes_of_z, orders)
    fixed = [float(f) * y[s] for s, f in enumerate(lanes.fixed_cost_usd_per_year)]
    volume = float(orders.sum())
    return solver.Sum(terms + fixed + [inventory_usd_per_year(scenario, n, volume) * u[n]
                                       for n in counts])


def _textbook_carriers(solver, scenario, lanes, lanes_of_z, orders) -> None:
    for c in scenario.constraints.carrier_shares:
        fraction = lanes.carrier_fraction(c.carrier)
        mine = solver.Sum([float(orders[z] * fraction[z, s, kk]) * x
                           for z, opts in enumerate(lanes_of_z)
                           for x, s, kk, *_ in opts if s >= 0])
        shipped = solver.Sum([float(orders[z]) * x for z, opts in enumerate(lanes_of_z)
                              for x, s, *_ in opts if s >= 0])
        if c.min_pct is not None:
            solver.Add(mine >= c.min_pct / 100 * shipped)
        if c.max_pct is not None:
            solver.Add(mine <= c.max_pct / 100 * shipped)
