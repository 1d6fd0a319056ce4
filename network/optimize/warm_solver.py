"""Re-solving what-if edits of one scenario from the last solution, and the site-count sweep.

`WarmSolver` keeps the lanes, the reduced options and the last solution (design, row prices, an
LP basis) of one scenario, so that a small edit re-solves from them; results are those
`optimize` would give (the same exact search), only sooner. `sweep_site_counts` gives the best
design with exactly k open sites for each k asked, one warm solve after another.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from network.lanes import LaneTable, build_lanes, lanes_for_orders
from network.optimize.count_search import ProblemSolution, solve_problem
from network.optimize.coverage import CoverageLps, kept_lps
from network.optimize.explain import pre_checks
from network.optimize.lagrange import LagrangeData
from network.optimize.problem import LocationProblem, Options, problem_from_scenario
from network.optimize.reduce import reduce_options
from network.optimize.result import OptimizeResult, SolveParams, SolveProgress, SolveStatus
from network.optimize.scenario_solver import (
    DEFAULT_PARAMS,
    no_design_result,
    time_left_s,
    to_result,
)
from network.optimize.warm_basis import WarmBasis
from network.scenario import DemandSettings, Scenario, Targets


def sweep_site_counts(scenario: Scenario, counts, lanes: LaneTable | None = None,
                      params: SolveParams = DEFAULT_PARAMS) -> list[OptimizeResult]:
    """The optimal design with exactly k open sites, for each k in `counts`.

    The share targets ("X% within N days") are dropped for the sweep, so every k has a design to
    show; each result's evaluation reports the share it achieves (kpis.share_within_days).
    Capacity, the per-ZIP3 day limit, forced sites and carrier shares are kept; a k they rule
    out comes back INFEASIBLE with its explanation."""
    lanes = lanes or build_lanes(scenario)
    relaxed_targets = Targets(share_targets=(),
                              max_days_any_zip3=scenario.targets.max_days_any_zip3)
    out, solver = [], None
    for k in counts:  # one warm solver: each count starts from the last one's prices
        constraints = replace(scenario.constraints, min_sites=int(k), max_sites=int(k))
        variant = scenario.with_changes(targets=relaxed_targets, constraints=constraints)
        solver = solver or WarmSolver(variant, lanes, params)
        out.append(solver.solve(variant))
    return out


@dataclass(frozen=True)
class _Carried:
    """What a WarmSolver keeps across an edit that builds the options again (candidate sites
    or demand changed): the last open sites (by id) and row prices (lambda, sigma) to start
    from, and, while the options come out the same (a demand edit: same ZIP3s and lanes),
    the last design's variables (the incumbent if it still meets every row: `offer` checks)
    and its LP basis. All of it is a start only: any prices give a valid bound, and a design
    becomes the incumbent only through `offer`."""

    open_ids: tuple[str, ...]
    prices: tuple[np.ndarray, np.ndarray] | None
    options: Options
    values: np.ndarray | None
    basis: WarmBasis | None
    count_prices: dict[int, tuple[np.ndarray, np.ndarray]] | None = None  # count -> the
    # last search's best (lambda, sigma) for L_n, scaled as `prices`


class WarmSolver:
    """Re-solves small what-if edits of one scenario from the previous design.

    Keeps the lanes, the reduced options (reduced without the forced-closed pruning, so any site
    can be forced open or closed later) and the last solution; an edit of forced-open or
    forced-closed sites, of the site-count limits or of a target's share starts from the last
    number of sites and design. An edit of the candidate sites (added, removed, changed) or of
    demand builds the options again (not after new orders at the same ZIP3s, a robustness
    draw: every option's cost per order and days stay, so the options do), but keeps the last
    open sites (by id) and row prices (lambda, sigma; after a demand edit each point's lambda
    is scaled by its orders' ratio and sigma by the total's) to start from, and, when the
    options come out the same, the last design and LP basis too (`_Carried`), and each
    count's best prices for its Lagrangian bound (scaled the same way); after an edit of
    forced sites, site-count limits or target shares each count's best prices of the last
    search start its first ascent too (unscaled: the orders are the same), and each open
    set's prices at its best B(S) start that set's bound when the same sets are enumerated
    again (site_sets.SetPrices: a frontier's 2-site row, level after level), and each
    count's radius master starts from the (point, source) pairs of the cuts binding where
    that count's last search ended (radius_prices.py: each pair's cut is made again from the
    edited problem's costs, so it is valid for it). Any other edit falls
    back to a full `optimize`. Results are the same as `optimize` would give (same exact
    search), only sooner (BENCHMARKS.md)."""

    def __init__(self, scenario: Scenario, lanes: LaneTable | None = None,
                 params: SolveParams = DEFAULT_PARAMS):
        self.params = params
        self._coverage = CoverageLps()  # its coverage LPs (coverage.py), for the next solves
        self._reset(scenario, lanes or build_lanes(scenario))

    def _reset(self, scenario: Scenario, lanes: LaneTable, carried: _Carried | None = None,
               options: Options | None = None) -> None:
        """Start over on `scenario`; `options` are its reduced options when known already."""
        self.scenario, self.lanes = scenario, lanes
        self._key = _edit_key(scenario)  # kept: building a Scenario validates it (pydantic)
        open_scenario = scenario.with_changes(
            constraints=replace(scenario.constraints, forced_closed=()))
        self._options = options if options is not None else reduce_options(open_scenario, lanes)
        self._last: ProblemSolution | None = None
        self._last_scenario: Scenario | None = None  # the scenario `_last` solved
        self._carried = carried
        self._lagrange: tuple[LocationProblem, LagrangeData] | None = None  # the last
        # search's problem and data of L_n (lagrange.reused_data)

    @property
    def last_prices(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The row prices (lambda per point, sigma per share or carrier row) of the last
        solve, if any. Any prices give a valid Lagrangian bound (lagrange.py), so they can
        start a bound of another problem over the same points and rows (the explorer's
        envelope, network/explore/envelope.py)."""
        return None if self._last is None else self._last.prices

    def solve(self, scenario: Scenario | None = None,
              on_progress: Callable[[SolveProgress], None] | None = None,
              lanes: LaneTable | None = None, started: float | None = None
              ) -> OptimizeResult:
        """Solve `scenario` (an edit of the one given at construction, or that one);
        `on_progress` as for `optimize`; `lanes` are the edited scenario's, when the caller
        has them already; `started` (perf_counter), when the wait for this solve began if
        before this call (the Designer's request): the time limit counts from it, else from
        this call (`time_left_s`)."""
        start = time.perf_counter()
        scenario = scenario or self.scenario
        key = _edit_key(scenario)
        if key != self._key:
            # New orders at the same ZIP3s keep every lane's cost per order and days, and so
            # the reduced options: only the orders are new (lanes_for_orders).
            same = lanes_for_orders(self.lanes, self._key, key)
            new_lanes = lanes or same or build_lanes(scenario)
            carried = self._carry_over(key, new_lanes)
            self._reset(scenario, new_lanes, carried, None if same is None else self._options)
        reasons = pre_checks(scenario, self.lanes)
        if reasons:
            return no_design_result(SolveStatus.INFEASIBLE, reasons, start)
        problem = problem_from_scenario(scenario, self.lanes, self._options)
        last, carried = self._last, self._carried
        same_options = carried is not None and _same_options(carried.options, self._options)
        if last is not None:
            start_sites = last.is_open
            hint, duals, basis, prices = last.values, last.duals, last.basis, None
        elif carried is not None:
            start_sites = np.isin(self.lanes.site_ids, carried.open_ids)
            hint = carried.values if same_options else None
            basis = carried.basis if same_options else None
            duals, prices = None, carried.prices
        else:
            start_sites = hint = duals = basis = prices = None
        if last is not None:
            count_prices = last.count_prices
        else:
            count_prices = carried.count_prices if carried is not None else None
        limit_from = start if started is None else min(started, start)
        with kept_lps(self._coverage):
            solution = solve_problem(
                problem, time_left_s(self.params, limit_from),
                self.params.relative_gap, hint=hint,
                start_count=None if start_sites is None else int(start_sites.sum()),
                prior_duals=duals, on_progress=on_progress, prior_basis=basis,
                start_sites=start_sites, prior_prices=prices, count_prices=count_prices,
                set_prices=None if last is None else last.set_prices,
                open_set_cuts=None if last is None else last.open_set_cuts,
                radius_cuts=None if last is None else last.radius_cuts,
                lagrange=self._lagrange,
                kept_bounds=last.count_bounds if last is not None and _restricts(
                    scenario, self._last_scenario) else None)
        if solution.lagrange_data is not None:
            self._lagrange = (problem, solution.lagrange_data)
        if solution.choice is not None:
            self._last, self._last_scenario = solution, scenario
        return to_result(scenario, self.lanes, problem, solution, self.params, start,
                         limit_from)

    def _carry_over(self, key: Scenario, lanes: LaneTable) -> _Carried | None:
        """What starts the search after an edit of the candidate sites or of demand, when the
        edited scenario (`key`: its `_edit_key`) differs from the last one only there and in
        what `_edit_key` ignores."""
        last = self._last
        if last is None or last.is_open is None or _carry_key(key) != _carry_key(self._key):
            return None
        prices, by_count = last.prices, dict(last.count_prices or {})
        old, new = self.lanes.demand, lanes.demand
        if key.sites == self._key.sites:
            if prices is not None:
                prices = _scaled_prices(prices, old.orders_per_year, new.orders_per_year)
            by_count = {n: _scaled_prices(p, old.orders_per_year, new.orders_per_year)
                        for n, p in by_count.items()}
        open_ids = tuple(np.asarray(self.lanes.site_ids)[last.is_open])
        return _Carried(open_ids, prices, self._options, last.values, last.basis, by_count)


def _scaled_prices(prices: tuple[np.ndarray, np.ndarray], old: np.ndarray, new: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Row prices after a demand edit: a point's lambda prices its orders (r_p = o_z c_p -
    lambda_z), so it moves with them; sigma prices a share of all orders, so it moves with the
    total. Only a start for the ascent: any prices give a valid bound."""
    lam, sigma = prices
    if len(lam) != len(old) or len(old) != len(new):
        return prices
    ratio = np.divide(new, old, out=np.ones_like(new, dtype=float), where=old > 0)
    total = float(new.sum()) / float(old.sum()) if old.sum() > 0 else 1.0
    return lam * ratio, sigma * total


def _restricts(new: Scenario, old: Scenario | None) -> bool:
    """Every design of `new` is one of `old` (of the same `_edit_key`): `new` forces open and
    closed at least the sites `old` does, and asks each share target (the same days, in the
    same order) for at least `old`'s share. Then a lower bound on the designs of `old` with n
    sites bounds those of `new` (docs/optimizer.md, step 7); site-count limits only decide
    which counts there are."""
    if old is None:
        return False
    a, b = new.constraints, old.constraints
    if not (set(b.forced_open) <= set(a.forced_open)
            and set(b.forced_closed) <= set(a.forced_closed)):
        return False
    ta, tb = new.targets.share_targets, old.targets.share_targets
    return len(ta) == len(tb) and all(
        x.within_days == y.within_days and x.share_pct >= y.share_pct
        for x, y in zip(ta, tb, strict=True))


def _same_options(a: Options, b: Options) -> bool:
    return (len(a) == len(b) and np.array_equal(a.point, b.point)
            and np.array_equal(a.site, b.site) and np.array_equal(a.service, b.service))


def _carry_key(key: Scenario) -> Scenario:
    """What must stay the same for the last solution to be carried over an edit: everything
    but candidate sites, demand and what `_edit_key` ignores (`key` is an `_edit_key`)."""
    return key.with_changes(sites=(), demand=DemandSettings())


def _edit_key(s: Scenario) -> Scenario:
    """The scenario without what a WarmSolver re-solves from its last solution: forced sites,
    site-count limits and target shares."""
    targets = replace(s.targets, share_targets=tuple(
        replace(t, share_pct=0.0) for t in s.targets.share_targets))
    constraints = replace(s.constraints, forced_open=(), forced_closed=(), min_sites=0,
                          max_sites=None)
    return s.with_changes(targets=targets, constraints=constraints)
