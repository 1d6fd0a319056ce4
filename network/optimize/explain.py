"""Why no design meets the targets, in a planner's words.

Two steps. `pre_checks` looks at the data alone (no solver): sites forced both open and closed,
site counts that cannot be met, ZIP3s no allowed site or service reaches within the day limit,
capacity short of demand when nothing can ship from abroad, targets that even every allowed
site together cannot meet, and targets beyond what the largest allowed sites hold within their
capacities. When the checks pass but the model is still infeasible, `relaxation_explanation`
relaxes the targets one at a time (the most that can be delivered within N days under every
other constraint, first from the sites alone) and then the carrier shares, within what the
search left of the time limit, and names what binds (or, when the relaxations stop at that
limit unresolved, says that it was not found). `targets_at_capacity` says,
for a search stopped without a design or a proven gap, when a target leaves the sites so little
spare capacity that whole ZIP3s must fill each one almost to the order.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from network.evaluate import ROW_TOLERANCE
from network.lanes import LaneTable
from network.optimize.incumbent import design_vector, meets_rows, read_design
from network.optimize.mathopt_backend import MipSolution, solve_model
from network.optimize.model import MipModel, build_model, count_range, loosened
from network.optimize.problem import NO_SITE, LocationProblem, site_masks
from network.scenario import Scenario
from network.wording import day_count

MAX_LISTED = 5  # ZIP3s named one by one; the rest are counted
SUM_ERROR_PCT = 1e-9  # percentage points: room for the rounding of a sum of floats, so a
# bound computed here a hair below the share evaluate() computes proves nothing wrongly


def pre_checks(scenario: Scenario, lanes: LaneTable) -> list[str]:
    """Reasons, visible in the data, that no design can be feasible (empty when none)."""
    return (_forced_conflicts(scenario) + _count_conflicts(scenario) + _carrier_conflicts(scenario)
            + _unreachable_zip3s(scenario, lanes) + _capacity_short(scenario, lanes)
            + _targets_out_of_reach(scenario, lanes) + _targets_beyond_capacity(scenario, lanes))


def _forced_conflicts(scenario: Scenario) -> list[str]:
    k = scenario.constraints
    both = sorted(set(k.forced_open) & set(k.forced_closed))
    return [f"site {s} ({scenario.site(s).name}) is both forced open and forced closed"
            for s in both]


def _count_conflicts(scenario: Scenario) -> list[str]:
    k = scenario.constraints
    n_allowed = len(scenario.sites) - len(set(k.forced_closed))
    out = []
    if k.max_sites is not None and len(set(k.forced_open)) > k.max_sites:
        out.append(f"{len(set(k.forced_open))} sites are forced open but at most {k.max_sites} "
                   "may open")
    if k.max_sites is not None and k.min_sites > k.max_sites:
        out.append(f"at least {k.min_sites} sites must open but at most {k.max_sites} may")
    if k.min_sites > n_allowed:
        out.append(f"at least {k.min_sites} sites must open but only {n_allowed} candidates "
                   "are not forced closed")
    return out


def _carrier_conflicts(scenario: Scenario) -> list[str]:
    shares = scenario.constraints.carrier_shares
    carriers = {s.carrier for s in scenario.services}
    out = [f"{c.carrier}: minimum share {c.min_pct:g}% is above its maximum {c.max_pct:g}%"
           for c in shares if c.min_pct is not None and c.max_pct is not None
           and c.min_pct > c.max_pct]
    out += [f"carrier {c.carrier} must carry at least {c.min_pct:g}% of parcels but no service "
            "of that carrier is in the scenario" for c in shares
            if c.carrier not in carriers and (c.min_pct or 0) > 0]
    total_min = sum(c.min_pct or 0 for c in shares)
    if total_min > 100 + 1e-9:
        out.append(f"the carriers' minimum shares add up to {total_min:g}%, more than 100%")
    return out


def _allowed_days(scenario: Scenario, lanes: LaneTable) -> tuple[np.ndarray, np.ndarray]:
    """Fastest days to each ZIP3 over allowed sites and services, and the site achieving it."""
    _, closed = site_masks(scenario)
    days = np.where(closed[None, :, None], 10**6, lanes.delivery_days.astype(np.int64))
    per_site = days.min(axis=2)
    return per_site.min(axis=1), per_site.argmin(axis=1)


def _unreachable_zip3s(scenario: Scenario, lanes: LaneTable) -> list[str]:
    limit = scenario.targets.max_days_any_zip3
    if limit is None or (lanes.cross_border_enabled and lanes.cross_border_days <= limit):
        return []
    best, site = _allowed_days(scenario, lanes)
    late = np.nonzero(best > limit)[0]
    d = lanes.demand
    out = [f"ZIP3 {d.zip3[z]} ({d.state[z]}) cannot be reached within {day_count(limit)} by "
           f"any service from any allowed site (best: {day_count(int(best[z]))} from "
           f"{scenario.sites[site[z]].name})" for z in late[:MAX_LISTED]]
    if len(late) > MAX_LISTED:
        out.append(f"... and {len(late) - MAX_LISTED} more ZIP3s cannot be reached within "
                   f"{day_count(limit)}")
    return out


def _capacity_short(scenario: Scenario, lanes: LaneTable) -> list[str]:
    limit = scenario.targets.max_days_any_zip3
    if lanes.cross_border_enabled and (limit is None or lanes.cross_border_days <= limit):
        return []  # orders beyond capacity can ship from abroad
    _, closed = site_masks(scenario)
    caps = np.sort(lanes.capacity_orders_per_year[~closed])[::-1]
    k = scenario.constraints
    if k.max_sites is not None:
        caps = caps[:k.max_sites]
    peak = scenario.costs.peak_multiplier
    usable = caps.sum() / peak
    demand = lanes.demand.total_orders_per_year
    if usable >= demand:
        return []
    how_many = "" if k.max_sites is None else f" (at most {k.max_sites} of them open)"
    return [f"allowed sites{how_many} can handle {usable / 1e6:.1f}M orders a year at the peak "
            f"multiplier {peak:g}; demand is {demand / 1e6:.1f}M"]


def _targets_out_of_reach(scenario: Scenario, lanes: LaneTable) -> list[str]:
    best, _ = _allowed_days(scenario, lanes)
    if lanes.cross_border_enabled:
        best = np.minimum(best, lanes.cross_border_days)
    orders = lanes.demand.orders_per_year
    out = []
    for t in scenario.targets.share_targets:
        share = 100 * orders[best <= t.within_days].sum() / orders.sum()
        if share < t.share_pct - 100 * ROW_TOLERANCE:  # as evaluate() meets a target
            out.append(f"at most {share:.1f}% of orders can be delivered within "
                       f"{day_count(t.within_days)} even with every allowed site open "
                       f"(target: {t.share_pct:g}%)")
    return out


def _targets_beyond_capacity(scenario: Scenario, lanes: LaneTable) -> list[str]:
    """Targets that the largest sites allowed, each within its capacity, cannot meet.

    Bound (docs/optimizer.md, "Targets beyond capacity"): where cross-border takes more than
    D days, every order within D days leaves an open site s that reaches its ZIP3 within D
    days, at most min(R_s, (1 + ROW_TOLERANCE) Q_s) of them, R_s the orders site s reaches
    within D days by any service and Q_s its capacity over the peak multiplier, loosened as
    evaluate() accepts. At most k sites open, so the share is at most the k largest of these
    over all orders. Named only where capacity lowers that sum (with capacity ample, the
    relaxation after the search gives the exact share)."""
    out = []
    for t, held, orders in _capacity_held(scenario, lanes):
        share = 100 * held / orders.sum()
        if share < t.share_pct - 100 * ROW_TOLERANCE - SUM_ERROR_PCT:
            out.append(f"at most {share:.1f}% of orders can be delivered within "
                       f"{day_count(t.within_days)} from {_sites_text(scenario)}, each within "
                       f"its capacity at the peak multiplier {scenario.costs.peak_multiplier:g} "
                       f"(target: {t.share_pct:g}%)")
    return out


def targets_at_capacity(scenario: Scenario, lanes: LaneTable) -> list[str]:
    """Targets met only with every open site filled to within a fraction of one ZIP3's orders.

    With H the bound of _targets_beyond_capacity (capacity binding) and the target asking for
    a share a of all orders O, the open sites' loads within D days fall short of what they can
    hold (their min(R_s, (1 + ROW_TOLERANCE) Q_s)) by at most H - (a - ROW_TOLERANCE) O in
    total (docs/optimizer.md, "Targets beyond capacity"). Named where that spare is below the
    median ZIP3's orders: then which whole ZIP3s each site serves must add up to its capacity
    almost to the order, a subset-sum, which is why a search may stop without a proven gap
    (capacity_overflow_200m at 54% within 2 days: 308 orders of 200M)."""
    out = []
    for t, held, orders in _capacity_held(scenario, lanes):
        spare = held - (t.share_pct / 100 - ROW_TOLERANCE) * orders.sum()
        if 0 <= spare < np.median(orders):
            out.append(f"{t.share_pct:g}% of orders within {day_count(t.within_days)} leaves "
                       f"at most {spare:,.0f} orders a year unused of what "
                       f"{_sites_text(scenario)} can hold at the peak multiplier "
                       f"{scenario.costs.peak_multiplier:g} ({100 * held / orders.sum():.1f}% "
                       f"of orders): each open site must be filled to within that many orders "
                       f"with whole ZIP3s (the median ZIP3 has {np.median(orders):,.0f} orders "
                       f"a year)")
    return out


def _sites_text(scenario: Scenario) -> str:
    k = scenario.constraints.max_sites
    return "every allowed site" if k is None else f"at most {k} site{'s' if k != 1 else ''}"


def _capacity_held(scenario: Scenario, lanes: LaneTable):
    """(target, H, the orders of each ZIP3) for each share target where capacity binds: H the
    k largest of min(R_s, (1 + ROW_TOLERANCE) Q_s) (see _targets_beyond_capacity); none for a
    target cross-border meets in time, or where H equals the sum without capacity."""
    k = scenario.constraints.max_sites
    _, closed = site_masks(scenario)
    days = np.where(closed[:, None], 10**6, lanes.delivery_days.min(axis=2).T)  # site x ZIP3
    orders = lanes.demand.orders_per_year
    capacity = lanes.capacity_orders_per_year * (1 + ROW_TOLERANCE) / scenario.costs.peak_multiplier
    n = len(days) if k is None else min(k, len(days))
    for t in scenario.targets.share_targets:
        if lanes.cross_border_enabled and lanes.cross_border_days <= t.within_days:
            continue
        reach = (days <= t.within_days) @ orders
        held = np.sort(np.minimum(reach, capacity))[::-1][:n].sum()
        if held >= np.sort(reach)[::-1][:n].sum():
            continue  # capacity does not bind
        yield t, float(held), orders


def relaxation_explanation(problem: LocationProblem, time_limit_s: float,
                           max_sites_text: str, budget_text: str | None = None) -> list[str]:
    """Name the binding target (and how far it can be met) or the binding carrier shares.

    `time_limit_s` is the whole explanation's: its relaxations run one after another, each
    with what the ones before it left (a solve's limit is the planner's, and the explanation
    is part of the solve); `budget_text` names that time in the text ("N s" by default).
    Every relaxation keeps the rows loosened as evaluate() accepts them (`model.loosened`:
    the capacities, the carrier shares), so "at most x%" bounds every design evaluate()
    accepts (docs/optimizer.md, "After the search"). "Each target can be met on its own" and
    "without them a design exists" only where a relaxation found a design that meets its rows
    as evaluate() does (`incumbent.meets_rows`); a relaxation stopped by the time limit with
    neither such a design nor a bound below the target proves nothing, and the sentence says
    so."""
    deadline = time.perf_counter() + time_limit_s
    out = []
    each_met = True
    for req in problem.share_requirements:
        best = _coverage_bound(problem, req.within_days, deadline)
        if best is None or best >= req.share - ROW_TOLERANCE:
            best, reached = _best_share(problem, req.within_days, deadline)
        else:
            reached = None  # the target is out of reach: no design meets it
        if best is not None and best < req.share - ROW_TOLERANCE:
            out.append(f"at most {100 * best:.1f}% of orders can be delivered within "
                       f"{day_count(req.within_days)} {max_sites_text}under the other constraints "
                       f"(target: {100 * req.share:g}%)")
        each_met = each_met and reached is not None and reached >= req.share - ROW_TOLERANCE
    if out:
        return out
    if problem.carrier_bounds:
        free = replace(problem, carrier_bounds=())
        model = _with_all_capacity(free)
        design = _accepted_design(free, model, _solve(loosened(model), deadline, 1e-4))
        if design is not None:
            names = ", ".join(b.carrier for b in problem.carrier_bounds)
            return [f"the carrier share limits ({names}) cannot be met together with the "
                    "delivery targets and capacities; without them a design exists"]
    if not each_met:
        within = f"{time_limit_s:g} s" if budget_text is None else budget_text
        return ["no design meets every target and constraint together; which of them binds "
                f"was not found within {within}"]
    return ["no design meets every target and constraint together, although each target can "
            "be met on its own"]


def _with_all_capacity(problem: LocationProblem):
    return build_model(problem, tuple(range(problem.n_sites)))


def _solve(model: MipModel, deadline: float, relative_gap: float) -> MipSolution | None:
    """The MIP solved within what is left until `deadline` (perf_counter); None when nothing
    is left (a solver given no time proves nothing)."""
    left = deadline - time.perf_counter()
    return None if left <= 0 else solve_model(model, left, relative_gap)


def _accepted_design(problem: LocationProblem, model: MipModel, sol: MipSolution | None
                     ) -> np.ndarray | None:
    """The 0/1 vector of the design in a solver's values when it meets every row of `model`
    as evaluate() does (within the row's slack); None otherwise. The solver meets the
    loosened rows only within its own tolerances, which may add to the slack."""
    if sol is None or sol.values is None:
        return None
    exact = design_vector(model, *read_design(problem, model, sol.values))
    return exact if exact is not None and meets_rows(problem, model, exact) else None


def _coverage_bound(problem: LocationProblem, within_days: int, deadline: float
                    ) -> float | None:
    """An upper bound on the share of orders within `within_days` of every design evaluate()
    accepts, from the sites alone (None when the solve found none): the most orders the
    allowed number of open sites reach that fast (docs/optimizer.md, "After the search").

    Variables y_s (site open; forced sites fixed) and c_z in [0, 1] (point z counted);
    max sum_z (o_z / O) c_z subject to c_z <= sum of y_s over the sites with an option
    reaching z within the days (c_z free where cross-border does) and lo <= sum_s y_s <= hi.
    A relaxation of the model without its targets: a design's fast points are each served
    from an open site that reaches them so fast, or from abroad. Why: a model of the sites
    and points only, far smaller than the relaxation over every option and capacity, whose
    root LP alone can take the planner's whole time limit (BENCHMARKS.md, branch explain11);
    it names the target when the sites alone cannot reach it."""
    opt = problem.options
    fast = opt.days <= within_days
    n_s, n_z = problem.n_sites, problem.n_points
    free = np.zeros(n_z, bool)
    free[opt.point[fast & (opt.site == NO_SITE)]] = True
    at_site = fast & (opt.site != NO_SITE) & ~free[opt.point]
    pairs = np.unique(opt.point[at_site] * n_s + opt.site[at_site])
    z_of, s_of = pairs // n_s, pairs % n_s
    rows = np.concatenate([np.arange(n_z), z_of, np.full(n_s, n_z)])
    cols = np.concatenate([n_s + np.arange(n_z), s_of, np.arange(n_s)])
    vals = np.concatenate([np.ones(n_z), -np.ones(len(pairs)), np.ones(n_s)])
    keep = ~free[rows[:n_z]]  # the free points' rows say nothing
    keep = np.concatenate([keep, np.ones(len(pairs) + n_s, bool)])
    lo, hi = count_range(problem)
    row_ub = np.concatenate([np.where(free, np.inf, 0.0), [hi]])
    row_lb = np.concatenate([np.full(n_z, -np.inf), [lo]])
    model = MipModel(
        var_lb=np.concatenate([problem.forced_open.astype(float), np.zeros(n_z)]),
        var_ub=np.concatenate([(~problem.forced_closed).astype(float), np.ones(n_z)]),
        var_integer=np.concatenate([np.ones(n_s, bool), np.zeros(n_z, bool)]),
        objective=np.concatenate([np.zeros(n_s),
                                  -problem.orders_per_year / problem.orders_per_year.sum()]),
        row_lb=row_lb, row_ub=row_ub, a_row=rows[keep], a_col=cols[keep], a_val=vals[keep],
        n_sites=n_s, n_options=n_z, count_values=np.zeros(0, np.int64), row_blocks=())
    sol = _solve(model, deadline, 1e-6)
    return None if sol is None or sol.best_bound is None else -sol.best_bound


def _best_share(problem: LocationProblem, within_days: int, deadline: float
                ) -> tuple[float | None, float | None]:
    """Largest share of orders within `within_days` under every constraint but the targets,
    each row loosened as evaluate() accepts it: a proven upper bound (when the solve stops
    early too; None without one), and the share of the best design found that meets the rows
    as evaluate() does (None when none)."""
    lo, hi = count_range(problem)
    if lo > hi:
        return None, None
    relaxed = replace(problem, share_requirements=())
    model = _with_all_capacity(relaxed)
    opt = problem.options
    weight = problem.orders_per_year[opt.point] / problem.orders_per_year.sum()
    share = np.where(opt.days <= within_days, weight, 0.0)
    objective = np.zeros(len(model.var_lb))
    objective[model.x] = -share
    sol = _solve(loosened(replace(model, objective=objective)), deadline, 1e-6)
    design = _accepted_design(relaxed, model, sol)
    reached = None if design is None else float(share @ design[model.x])
    if sol is not None and sol.best_bound is not None:
        return -sol.best_bound, reached
    return None, reached


def max_sites_phrase(problem: LocationProblem) -> str:
    _, hi = count_range(problem)
    if hi >= problem.n_sites - int(problem.forced_closed.sum()):
        return ""
    return f"with at most {hi} site{'s' if hi != 1 else ''} "

