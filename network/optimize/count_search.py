"""The exact search over a `LocationProblem`: best-first over counts of open sites.

`solve_problem` builds the model (model.py) without capacity rows and searches it; if the
design found overloads a site, it adds every site's capacity row and searches again (row
generation: each model is a relaxation of the full one, so its bounds hold, and a design of a
relaxation that meets every row is as good as the relaxation's bound says). Where the most
sites allowed cannot hold every order, it starts with them (`_capacity_short`).

One pass (`_search`): a first design from the heuristic (heuristic.py) while, in a worker
thread, Benders on the radius form at a guessed count (radius_prices.py; else the LP over each
point's nearest sites there) gives starting row prices; then, over the count windows
(window_bounds.py), always the window with the lowest bound, by the cheapest step that can
raise it: a subgradient ascent from the nearest known prices (lagrange.py), the open site sets
one by one where capacity binds (site_sets.py), a MIP over the options its prices keep, an
ascent from the window's radius prices, the nearest-sites LP (taken as the full LP when its
prices price every option up to its objective), that LP grown by column generation
(window_bounds.grow_nearest), the full LP, with capacity rows cuts over its open sets
(capacity_cuts.py), branching on the sites it opens in part (site_branching.py), then the
window's MIP (window_mip.py). It stops when every window's bound
is within the requested gap of the best design, or at the time limit. Every design passes
incumbent.offer; the bound returned is the least window bound, so "optimal" is proven
(docs/optimizer.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from network.optimize import heuristic, radius_prices, share_prices
from network.optimize.capacity_cuts import (
    KeptCuts,
    close_by_cuts,
    cuts_apply,
    cuts_apply_without_lp,
    other_counts_bound,
)
from network.optimize.capacity_sets import support_set_designs
from network.optimize.carrier_repair import offer_repaired, repair
from network.optimize.coverage import least_count
from network.optimize.heuristic import best_designs, guess_count, guess_sites, rounded_design
from network.optimize.incumbent import Incumbent, design_vector, offer, read_design
from network.optimize.lagrange import (
    LagrangeData,
    duals_from_prices,
    initial_prices,
    lagrange_data,
    lagrangian_value,
    relaxed_choice,
    reused_data,
    site_values,
)
from network.optimize.mathopt_backend import LpBasis, MipStatus
from network.optimize.model import (
    MipModel,
    build_model,
    count_range,
    lagrangian_bound,
    with_count_window,
)
from network.optimize.problem import LocationProblem, overloaded_sites
from network.optimize.reach_sets import close_by_reaching_sets, set_bound
from network.optimize.result import SolveProgress, bound_holds, relative_gap_of
from network.optimize.site_branching import branch_on_sites
from network.optimize.site_sets import SetPrices, enumerable, solve_by_sets
from network.optimize.warm_basis import WarmBasis, kept_duals, start_basis, warm_basis_of
from network.optimize.window_bounds import (
    LpOutcome,
    NearestSolution,
    WindowState,
    bound_window,
    convex_estimate,
    grow_nearest,
    keep_nearest,
    lagrange_ascent,
    lp_by_nearest,
    nearest_sites_lp,
    nearest_sites_prices,
    plain_estimate,
    settle_by_nearest,
    tangent_estimate,
    windows_of,
)
from network.optimize.window_mip import (
    exactly_filled_design,
    fast_bonus,
    fixed_sites_design,
    offer_rounded_lp,
    solve_window,
    solve_window_by_prices,
)


@dataclass(frozen=True)
class ProblemSolution:
    """A solution of a LocationProblem as plain data."""

    status: MipStatus
    is_open: np.ndarray | None  # [s]
    choice: np.ndarray | None  # [z] index of the chosen option
    solver_objective: float | None
    best_bound: float | None
    seconds: float
    capacity_sites: tuple[int, ...] = ()
    values: np.ndarray | None = None  # every model variable, for warm starts
    duals: np.ndarray | None = None  # row prices of the best LP, for warm starts
    basis: WarmBasis | None = None  # an LP basis, to start the same window's LP after an edit
    prices: tuple[np.ndarray, np.ndarray] | None = None  # (lambda, sigma) of `duals`: these
    # carry over an edit of the candidate sites, which changes the rows between them
    count_prices: dict[int, tuple[np.ndarray, np.ndarray]] | None = None  # count n -> the
    # best (lambda, sigma) known for L_n: where the next search's ascent of n may start
    set_prices: dict[int, SetPrices] | None = None  # count n -> each n-site set's prices at
    # its best B(S) (site_sets.py), where the next search's set bounds may start
    open_set_cuts: dict[int, KeptCuts] | None = None  # count n -> the cuts over its open
    # sets (capacity_cuts.py), where the next search's master may start
    radius_cuts: dict[int, tuple[np.ndarray, np.ndarray]] | None = None  # count n -> the
    # (point, source) pairs of the radius master's cuts binding where its last search ended
    # (radius_prices.py), where the next search's first master may start
    lagrange_data: LagrangeData | None = None  # the search's data of L_n, for the next search
    # of an edit that keeps it (lagrange.reused_data)
    count_bounds: dict[int, float] | None = None  # count n -> a lower bound on every design
    # with n sites (the least window bound's part), from a pass without capacity rows: what
    # bounds the next search's counts where its designs are among these (`kept_bounds`)

    @property
    def gap(self) -> float | None:
        if self.solver_objective is None or self.best_bound is None:
            return None
        return relative_gap_of(self.solver_objective, self.best_bound)


def solve_problem(problem: LocationProblem, time_limit_s: float, relative_gap: float,
                  hint: np.ndarray | None = None, count_bounds: tuple[int, int] | None = None,
                  capacity_sites: tuple[int, ...] = (), start_count: int | None = None,
                  prior_duals: np.ndarray | None = None,
                  on_progress: Callable[[SolveProgress], None] | None = None,
                  prior_basis: WarmBasis | None = None,
                  start_sites: np.ndarray | None = None,
                  prior_prices: tuple[np.ndarray, np.ndarray] | None = None,
                  count_prices: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
                  set_prices: dict[int, SetPrices] | None = None,
                  open_set_cuts: dict[int, KeptCuts] | None = None,
                  lagrange: tuple[LocationProblem, LagrangeData] | None = None,
                  kept_bounds: dict[int, float] | None = None,
                  radius_cuts: dict[int, tuple[np.ndarray, np.ndarray]] | None = None
                  ) -> ProblemSolution:
    """The optimum of `problem` (or the best design found within the time limit).
    `on_progress` (called from this thread) hears the incumbent and bound after each step.
    `start_sites` (the last design's open-site mask) starts the heuristic after an edit; the
    `hint` (its values) fits only while the model keeps its shape. `prior_prices` stand in for
    `prior_duals` (the last row prices) after an edit of the candidate sites; `count_prices`
    (count -> lambda, sigma: the last search's best for that count) start each count's first
    ascent where they give a higher L_n than those row prices; `set_prices` (count -> the
    last search's prices of each set of that many sites) start the set bounds of a window
    enumerated again (site_sets.solve_by_sets); `open_set_cuts` (count -> the last search's
    cuts over open sets) start the master of a window closed by cuts (capacity_cuts.py),
    valid after an edit of forced sites, count limits or target shares only. `lagrange` (the
    last search's problem and its data of L_n) is used again where the data would come out
    the same (lagrange.reused_data). `kept_bounds` (count -> a lower bound on every design
    with that many sites of a problem whose designs include this one's: the last search's
    `count_bounds`, after an edit that only adds forced sites or raises targets) bound the
    windows of those counts from the start (docs/optimizer.md, step 7). `radius_cuts` (count
    -> the last search's radius master's binding (point, source) pairs) start that count's
    first radius master: any pair gives a valid cut of any problem over the same points and
    sites (radius_prices.py), so after any edit that keeps them."""
    start = time.perf_counter()
    deadline = start + time_limit_s
    lo, hi = count_bounds or count_range(problem)
    if lo > hi:
        return ProblemSolution(MipStatus.INFEASIBLE, None, None, None, None, 0.0)
    capacity = tuple(capacity_sites) or _capacity_short(problem, hi)
    set_prices = dict(set_prices or {})  # the passes' set searches update it
    open_set_cuts = dict(open_set_cuts or {})  # and the passes' masters this
    radius_cuts = dict(radius_cuts or {})  # and the radius masters this
    while True:
        full = build_model(problem, capacity, (lo, hi))
        if prior_prices is not None and (prior_duals is None
                                         or len(prior_duals) != len(full.row_lb)):
            prior_duals = duals_from_prices(full, *prior_prices)
        report = None if on_progress is None else _reporter(on_progress, start)
        run = _search(problem, full, relative_gap, deadline, _fit_hint(hint, full), start_count,
                      prior_duals, report, prior_basis, start_sites, count_prices,
                      set_prices, open_set_cuts, lagrange, kept_bounds, radius_cuts)
        prior_duals, prior_basis = run.duals, run.basis
        if run.data is not None:  # the next pass's problem is this one
            lagrange = (problem, run.data)
        if _needs_capacity_rows(problem, full, run):  # every site's row, and solve again
            capacity, hint = tuple(range(problem.n_sites)), None
            continue
        return replace(_solution(problem, full, run, relative_gap,
                                 time.perf_counter() - start), set_prices=set_prices,
                       open_set_cuts=open_set_cuts, radius_cuts=radius_cuts,
                       lagrange_data=run.data,
                       count_bounds=run.count_bounds)


def _capacity_short(problem: LocationProblem, hi: int) -> tuple[int, ...]:
    """Every site's capacity row when the hi largest capacities hold fewer orders than there
    are, else none (row generation adds them once a design overloads a site).

    Why: then every design the pass without them finds is likely to overload a site
    (capacity_overflow_200m: 6 sites of 18M orders for 200M orders), and that pass, its
    nearest-sites LP joined beside the heuristic, was thrown away (3-6 s). The rows are rows of
    the problem, so starting with them changes how fast, never what is proven."""
    if not _short_of_capacity(problem, hi):
        return ()
    return tuple(int(s) for s in np.nonzero(np.isfinite(problem.capacity_orders_per_year))[0])


def _short_of_capacity(problem: LocationProblem, n: int) -> bool:
    """The n largest capacities hold fewer orders than there are: every design of n sites
    or fewer fills its sites and sends the rest cross-border (or has none)."""
    largest = np.sort(problem.capacity_orders_per_year)[::-1][:n].sum()
    return bool(largest < problem.orders_per_year.sum())


@dataclass
class _SearchPass:
    """What one pass of the search over a model found."""

    best: Incumbent
    bound: float  # proven lower bound on every design of the model
    timed_out: bool
    duals: np.ndarray | None
    basis: WarmBasis | None
    capacity_binds: bool = False  # stopped early: the model needs every capacity row
    count_prices: dict[int, tuple[np.ndarray, np.ndarray]] | None = None
    data: LagrangeData | None = None  # the pass's data of L_n, if it made one
    count_bounds: dict[int, float] | None = None  # ProblemSolution.count_bounds


def _needs_capacity_rows(problem: LocationProblem, full: MipModel, run: _SearchPass) -> bool:
    """The pass stopped for capacity rows, or its design overloads a site whose row is not in
    the model (row generation: the model without them is a relaxation)."""
    if run.capacity_binds:
        return True
    if not np.isfinite(run.best.objective):
        return False
    _, choice = read_design(problem, full, run.best.values)
    return bool(set(overloaded_sites(problem, choice)) - set(full.capacity_sites))


def _solution(problem: LocationProblem, full: MipModel, run: _SearchPass, relative_gap: float,
              seconds: float) -> ProblemSolution:
    """The pass as a ProblemSolution: optimal only when the gap to a bound that holds is
    within `relative_gap` and nothing was cut short; infeasible only when every window is."""
    best, capacity = run.best, full.capacity_sites
    if not np.isfinite(best.objective):
        status = MipStatus.INFEASIBLE if run.bound == np.inf else MipStatus.NO_SOLUTION
        return ProblemSolution(status, None, None, None, None, seconds, capacity)
    is_open, choice = read_design(problem, full, best.values)
    bound = _integral_bound(problem, run.bound, capacity)
    if not bound_holds(bound, best.objective):
        bound = None  # a defect (warned): no gap is claimed
    gap = None if bound is None else relative_gap_of(best.objective, bound)
    optimal = (gap is not None and not run.timed_out and not best.hit_limit
               and gap <= relative_gap * (1 + 1e-6))
    prices = None if run.duals is None else initial_prices(full, run.duals)
    return ProblemSolution(MipStatus.OPTIMAL if optimal else MipStatus.FEASIBLE, is_open,
                           choice, best.objective, bound, seconds, capacity, best.values,
                           run.duals, run.basis, prices, run.count_prices)


def _integral_bound(problem: LocationProblem, bound: float, capacity: tuple[int, ...]) -> float:
    """Round the bound up when every design costs a whole number: integer costs and nothing
    that could make an optimal assignment fractional (p-median and UFL: OR-Library)."""
    numbers = np.concatenate([problem.orders_per_year, problem.options.cost_usd_per_order,
                              problem.fixed_cost_usd_per_year, problem.inventory_usd_by_count])
    coupled = problem.share_requirements or problem.carrier_bounds or capacity
    if coupled or not np.isfinite(bound) or not np.all(numbers == np.round(numbers)):
        return bound
    return float(np.ceil(bound - 1e-6))


def _reporter(on_progress: Callable[[SolveProgress], None], start: float
              ) -> Callable[[float, float], None]:
    def report(incumbent: float, bound: float) -> None:
        on_progress(SolveProgress(incumbent if np.isfinite(incumbent) else None,
                                  bound if np.isfinite(bound) else None,
                                  time.perf_counter() - start))
    return report


def _search(problem: LocationProblem, full: MipModel, relative_gap: float, deadline: float,
            hint: np.ndarray | None, start_count: int | None,
            prior_duals: np.ndarray | None = None,
            report: Callable[[float, float], None] | None = None,
            prior_basis: WarmBasis | None = None, start_sites: np.ndarray | None = None,
            count_prices: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
            set_prices: dict[int, SetPrices] | None = None,
            open_set_cuts: dict[int, KeptCuts] | None = None,
            lagrange: tuple[LocationProblem, LagrangeData] | None = None,
            kept_bounds: dict[int, float] | None = None,
            radius_cuts: dict[int, tuple[np.ndarray, np.ndarray]] | None = None
            ) -> _SearchPass:
    """One pass over `full`: best-first over count windows, always the window with the lowest
    bound, by the cheapest step that can raise it (Lagrangian ascent, then the nearest-sites LP,
    then its full LP, then branching on its sites, then its MIP; after a what-if edit, the full
    LP from the kept basis).

    A cold search of several counts starts every ascent from the prices of radius_prices (or
    one nearest-sites LP) at a guessed count, found while the heuristic runs; a window whose
    first ascent leaves room below the incumbent offers the design its prices choose."""
    lo, hi = int(full.count_values[0]), int(full.count_values[-1])
    windows = windows_of(problem, lo, hi)
    for w in windows:  # valid for this problem's designs: solve_problem's `kept_bounds`
        if w.lo == w.hi and kept_bounds and w.lo in kept_bounds:
            w.kept = kept_bounds[w.lo]
    first = _close_unreachable(problem, windows, lo, hi, deadline)
    best = Incumbent()
    if hint is not None:  # the last design, after an edit: the incumbent if it still fits
        offer(problem, full, best, hint)
    if prior_duals is not None and len(prior_duals) != len(full.row_lb):
        prior_duals = None
    usable = _lagrange_applies(full, windows) or prior_duals is not None
    data = reused_data(problem, lagrange) if usable else None
    guessed: list[NearestSolution] = []  # the thread's LP, when it is a window's nearest LP
    radius_counts: list[int] = []  # the thread's count, when radius prices came from it
    uppers: dict[int, float] = {}  # count -> an upper bound on its window's LP (`_lp_short`)
    heuristic_first = len(problem.share_requirements) > 1 and prior_duals is None
    count = None
    if heuristic_first:  # its design's count is where the LP beside it goes
        count = _heuristic_incumbent(problem, full, best, lo, hi, start_sites, relative_gap,
                                     deadline, data)
    prices = _prices_beside_heuristic(problem, full, data, prior_duals, deadline, first,
                                      guessed, radius_counts, count, best, radius_cuts,
                                      uppers)
    if not heuristic_first:
        count = _heuristic_incumbent(problem, full, best, lo, hi, start_sites,
                                     relative_gap, deadline, data)
    if prices is not None:  # joined here, never on the thread's timing: the same steps each run
        prior_duals = prices.result()
        for w in windows:  # its first ascent starts from them: radius again would repeat it
            w.radius_tried |= w.lo == w.hi and w.lo in radius_counts
        for w in _keep_guessed(windows, full, guessed):
            if time.perf_counter() < deadline:  # as after the window's own nearest-sites LP
                _round_lp(problem, full, w, best)
    binds = _capacity_binds(problem, full, best)
    if binds and not full.capacity_sites:  # solve_problem adds the rows and starts again
        return _SearchPass(best, -np.inf, False, prior_duals, prior_basis, capacity_binds=True,
                           data=data)
    # After an edit, the heuristic's count first where it has more sites than the last
    # design (its swaps start from that design and walk to the neighbouring counts): forcing
    # SEA open moved sites_150's optimum from 4 sites to 5, and the radius master and ascents
    # at the last count, 4, only repriced it; not where it has fewer: forced_sites closing ABE
    # kept 5 sites where the heuristic's best design had 4 (BENCHMARKS.md, branch warm6).
    # Only the order of the steps changes.
    if start_count is None or (count is not None and count > start_count):
        start_count = count
    guess = _first_window(windows, problem, full, hint, start_count)
    reach_tried: set[int] = set()  # counts whose windows close_by_reaching_sets tried
    cuts_tried: set[int] = set()  # counts whose windows close_by_cuts tried without their LP
    open_set_cuts = {} if open_set_cuts is None else open_set_cuts
    while True:
        if time.perf_counter() >= deadline:  # the bounds known so far still hold
            return _SearchPass(best, _global_bound(windows, problem, full), True,
                               kept_duals(windows, prior_duals),
                               warm_basis_of(windows, full, best, prior_basis),
                               count_prices=_count_prices(windows, full, count_prices),
                               data=data, count_bounds=_count_bounds(windows, problem, full))
        lows = _lows(windows, problem, full)
        if report is not None:
            report(best.objective, min(lows))
        open_ = [i for i, w in enumerate(windows) if w.proven is None]
        if not open_:
            break
        i = min(open_, key=lambda k: (lows[k], abs(k - guess)))
        if lows[i] >= best.objective * (1 - relative_gap):
            break
        g = windows[guess]
        untouched = g.lp is None and g.lagrange is None and g.set_search is None
        warm_lp = g.lp is None and start_basis(prior_basis, full, g) is not None
        if ((untouched or warm_lp) and guess in open_
                and lows[guess] < best.objective * (1 - relative_gap)):
            i = guess  # the likely count first: its LP prices bound the others
        w = windows[i]
        if w.lo not in cuts_tried and _cuts_without_lp(problem, full, w, best):
            cuts_tried.add(w.lo)  # once per count: short of the gap, the window's LP next
            closed = close_by_cuts(problem, full, w, best, relative_gap, deadline,
                                   open_set_cuts, _publisher(problem, full, windows, w.lo,
                                                             open_set_cuts, best,
                                                             relative_gap, report))
            _close_other_counts(problem, windows, open_set_cuts, w.lo, best, relative_gap)
            if closed or time.perf_counter() >= deadline:  # the cuts bound the other counts
                continue  # either way (valid cuts); past the deadline the loop's top returns
        # the last search's basis, for this window: its LP is cheap, so one price try, then LP
        start = edited = start_basis(prior_basis, full, w)
        if (w.lp is None and start is None and _radius_applies(problem, full, data, w, best)
                and (w.lagrange_tries == 1 or (i == guess and prices is None))):
            _radius_ascent(problem, full, data, w, best, relative_gap, deadline,
                           prior_duals, radius_cuts, uppers)
            if w.lagrange_tries == 0 and w.prices is not None:  # the warm count's new prices
                fresh = duals_from_prices(full, *w.prices)
                prior_duals = prior_duals if fresh is None else fresh
                if _ascended(problem, full, data, w, count_prices):
                    _round_prices(problem, full, data, w, best, relative_gap)
            continue  # short after its first ascent, or a warm search's likely count: radius
            # prices first (the master prices the carrier rows too: BENCHMARKS.md, carrier2)
        if w.lp is None and (start is None or w.lagrange_tries == 0 or _near_target(
                full, w, best, relative_gap)) and not _lp_short(
                w, uppers, best, relative_gap) and _try_lagrange(
                problem, full, data, windows, i, best, lows, prior_duals, relative_gap,
                count_prices):
            _round_prices(problem, full, data, w, best, relative_gap)
            continue
        if w.lp is None and _worth_enumerating(problem, w, binds):
            _solve_by_sets(problem, full, w, best, relative_gap, deadline, set_prices,
                           may_pause=len(open_) > 1)
            continue
        if w.lp is None and start is None and data is not None and solve_window_by_prices(
                problem, full, w, data, best, relative_gap, deadline):
            continue
        if w.lp is None and start is None and _radius_applies(problem, full, data, w, best):
            _radius_ascent(problem, full, data, w, best, relative_gap, deadline,
                           prior_duals, radius_cuts, uppers)
            continue
        if (w.lp is None and data is not None and w.lo == w.hi and w.lo not in reach_tried
                and np.isfinite(best.objective)):
            reach_tried.add(w.lo)  # once per window: its sets best first at its prices
            if close_by_reaching_sets(problem, full, w, data, best, relative_gap, deadline):
                continue
        if w.lp is None and start is None and _nearest_applies(data, w, best):
            value = nearest_sites_lp(problem, full, w, data, best.objective, deadline,
                                     read_design(problem, full, best.values)[0])
            _round_lp(problem, full, w, best)  # the small LP's design may be the best yet
            if value >= best.objective * (1 - relative_gap):
                settle_by_nearest(full, w)
                continue
        if w.lp is None and start is None and w.nearest is not None:
            if not lp_by_nearest(full, w) and _grown(problem, full, data, w, best,
                                                     relative_gap, deadline):
                continue  # the grown LP's prices proved the window
            if w.lp is LpOutcome.SOLVED:  # its prices price every option: no full LP needed
                _lp_sites_design(problem, full, w, best, relative_gap, deadline)
                continue
            # Short: the full LP now, from the small LP's basis. Not the price-filtered MIP
            # its prices would allow next: prices this far from the bound keep too much.
            start = w.nearest[1]
        if w.lp is None:
            bound_window(full, w, deadline, start, _by_dual_simplex(start, edited))
            _round_lp(problem, full, w, best)
            _lp_sites_design(problem, full, w, best, relative_gap, deadline)
            continue
        if w.lp is LpOutcome.INFEASIBLE:
            w.proven = np.inf
        elif not (_cuts_first(problem, full, w) and close_by_cuts(
                problem, full, w, best, relative_gap, deadline, open_set_cuts)
                  ) and not branch_on_sites(
                problem, full, w, best, relative_gap, deadline):
            # solved but not closed by branching on its sites, or unknown: the window's MIP
            solve_window(problem, full, w, best, relative_gap, deadline, lows[i])
    return _SearchPass(best, _global_bound(windows, problem, full), False,
                       kept_duals(windows, prior_duals),
                       warm_basis_of(windows, full, best, prior_basis),
                       count_prices=_count_prices(windows, full, count_prices), data=data,
                       count_bounds=_count_bounds(windows, problem, full))


def _count_bounds(windows: list[WindowState], problem: LocationProblem, full: MipModel
                  ) -> dict[int, float] | None:
    """Count -> the one-count window's lower bound at the end of a pass (`_window_low`: its
    MIP's, LP's, ascent's or estimate's, each a lower bound on every design of the model with
    that count), for the next search's `kept_bounds`; None with capacity rows in the model
    (its bounds hold only for the designs that meet them, and the next pass may have none)."""
    if full.capacity_sites:
        return None
    lows = _lows(windows, problem, full)
    return {w.lo: float(lows[i]) for i, w in enumerate(windows) if w.lo == w.hi}


def _by_dual_simplex(start: LpBasis | None, edited: LpBasis | None) -> bool:
    """GLOP's dual simplex for a window's LP started from the last search's basis (an edit of
    forced sites, counts or target shares changes bounds and right-hand sides only, so that
    basis, optimal before, stays dual feasible); its primal simplex from the nearest-sites
    LP's basis of this search (the columns added at 0 keep it primal feasible).

    Why: measured side by side on the same LP and basis, GLOP's dual simplex took 2.3 s of
    CPU where its primal took 8.8 s (next_day_35_3day_95 closing AVP), 0.4 s where it took
    2.4 s (next_day_60, targets 5 points down), 3.9 s where it took 3.1 s (next_day_80,
    targets 5 points down), 3.3 s where it took 34 s (capacity_overflow_200m with BDL closed,
    capacity rows; BENCHMARKS.md). Either ends at the LP's optimum: only the time differs,
    and its prices' bound holds whichever simplex found them (model.lagrangian_bound)."""
    return start is not None and start is edited


def _close_unreachable(problem: LocationProblem, windows: list[WindowState], lo: int, hi: int,
                       deadline: float) -> int:
    """Windows whose counts are too small to meet a share target are proven empty by the
    bound on the share n sites can reach (coverage.py), without their LP; returns the least
    count left."""
    if not problem.share_requirements:
        return lo
    first = least_count(problem, lo, hi, deadline)
    for w in windows:
        if w.hi < first:
            w.proven = np.inf
    return first


def _radius_applies(problem: LocationProblem, full: MipModel, data: LagrangeData | None,
                    w: WindowState, best: Incumbent) -> bool:
    """An ascent from radius_prices' prices (`_radius_ascent`) needs what the nearest-sites
    LP needs and no capacity rows (the master has none: the capacity-priced ascent would
    start from m = 0); tried once per window. The master prices every share target and
    carrier row."""
    return (data is not None and w.lo == w.hi and not w.radius_tried and not w.nearest_tried
            and np.isfinite(best.objective) and not full.capacity_sites)


def _radius_ascent(problem: LocationProblem, full: MipModel, data: LagrangeData,
                   w: WindowState, best: Incumbent, relative_gap: float, deadline: float,
                   prior_duals: np.ndarray | None = None,
                   radius_cuts: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
                   uppers: dict[int, float] | None = None) -> None:
    """Before the window's nearest-sites LP: prices for its count from Benders on the radius
    form (radius_prices.py, the first cuts at the incumbent's sites, the share and carrier
    rows' prices searched), lifted by an ascent (window_bounds.lagrange_ascent: the window
    keeps the best L_n). Where that reaches the incumbent less the gap the window is proven
    without any LP; else the master's sites are tried as a design (`_master_sites_design`),
    and the LP runs next unless that design closes the gap. The prices known already (the
    window's ascent's, else `prior_duals`: the last search's) give the share price's first
    guess, but for one row (a single share target) the last search's price is not taken
    before the window's own ascent: the master's guess at the incumbent's sites
    (heuristic.share_price_guess) starts nearer. Why: after closing SAV on next_day_80 the
    last search's price was its 7-site LP's, far above the 8-site master's best, and the
    1-D search took more masters to come down from it (BENCHMARKS.md, branch nextday7).
    Where the incumbent at the window's count is a repaired design (carrier_repair's
    offer_repaired: `best.repaired_prices`), its priced choice's prices, the LP prices of
    its own sites' assignment, come first. Why: after forcing SEA open on usps_max_60 the
    search took 5 masters from the last search's prices and 1 from these (BENCHMARKS.md,
    branch usps15).

    Where the search proved the window's LP below the incumbent less the gap (`uppers`:
    radius_prices.lp_upper) no ascent can reach it, so the master's sets come first, at L_n
    of the radius prices: they may lower the incumbent, and the ascent runs only where the
    LP's bound reaches the new target (from that L_n, not evaluated again). Why: closing AVP
    on next_day_35_3day_95 the 3-site ascent (52 L_n evaluations) climbed toward the
    heuristic's design, 1.1e-3 above the LP's bound, before the master's sets gave the
    optimum, which L_n at the radius prices already proved (BENCHMARKS.md, branch nextday14).

    Why: a warm edit whose ascents fell short solved the window's nearest-sites LP (forced_sites
    closing ABE: 3.0 CPU s at 5 sites), and after this branch's cold solves, which solve no LP,
    it had no basis to start from (BENCHMARKS.md). Any prices give a valid L_n."""
    w.radius_tried = True
    target = best.objective * (1 - relative_gap)
    sites, known = read_design(problem, full, best.values)[0], w.prices
    if known is None and prior_duals is not None:
        known = initial_prices(full, prior_duals)
    if w.prices is not None and int(sites.sum()) != w.lo:  # the ascent's sites, at its count
        found = relaxed_choice(problem, data, w.lo, *w.prices)
        sites = sites if found is None else found.chosen
    guess = None if known is None else known[1]
    if w.prices is None and len(guess if guess is not None else ()) == 1:
        guess = None  # one row and no ascent here yet: the guess at the incumbent's sites
    repaired = best.repaired_prices
    if (w.prices is None and repaired is not None and repaired[0] == best.objective
            and int(sites.sum()) == w.lo and len(repaired[1]) == len(data.shares)):
        guess = repaired[1]  # the rows' LP prices at the incumbent's own sites
    opened: list[np.ndarray] = []
    duals = _radius_duals(problem, full, w.lo, deadline, sites, target, data, guess, opened,
                          radius_cuts, uppers)
    if duals is None:
        return
    lam, sigma = initial_prices(full, duals)
    first = None  # L_n at the radius prices, when evaluated before the ascent
    designs = bool(opened) and not heuristic.applies(problem)
    if designs and (uppers or {}).get(w.lo, np.inf) < target:  # no ascent reaches it: the
        first = lagrangian_value(problem, data, w.lo, lam, sigma)  # master's sets first,
        _keep_start_bound(w, first[0], lam, sigma)  # which may lower the incumbent and so
        _master_sites_design(problem, full, w, opened, best, relative_gap, deadline, data)
        target = best.objective * (1 - relative_gap)  # the ascent's target
    if first is None or (uppers or {}).get(w.lo, np.inf) >= target:
        lagrange_ascent(problem, full, data, w, lam, sigma, target, duals, first=first)
    if w.lagrange < target and designs and first is None:
        _master_sites_design(problem, full, w, opened, best, relative_gap, deadline, data)


def _lp_short(w: WindowState, uppers: dict[int, float], best: Incumbent,
              relative_gap: float) -> bool:
    """After its first ascent, the one-count window's LP value is proven below the incumbent
    less the gap (`uppers`: radius_prices.lp_upper, from the radius master's search at its
    count), so no further ascent can prove it: every L_n lies at or below that LP's value
    (docs/optimizer.md, "Radius prices"), and the window goes on to the steps that can
    (the sets that reach the targets, its LP and the site tree).

    Why: next_day_80's second, joint ascent (share_prices.ascend_joint) ran on every edit
    and on the cold solve, 0.13-0.16 CPU s each, and never raised L_n by a dollar: the radius
    prices are the LP's own within 2e-6, 2.3e-4 below the optimum (BENCHMARKS.md, branch
    nextday13). Only which steps run changes, never a bound."""
    return (w.lagrange_tries >= 1 and w.lo == w.hi
            and uppers.get(w.lo, np.inf) < best.objective * (1 - relative_gap))


def _ascended(problem: LocationProblem, full: MipModel, data: LagrangeData, w: WindowState,
              count_prices: dict[int, tuple[np.ndarray, np.ndarray]] | None) -> bool:
    """Count the ascent of a window's first radius step (`_radius_ascent`, before any of its
    `_try_lagrange`) as its first ascent, unless the last search's prices for its count
    (`count_prices`) give a higher L_n: `_try_lagrange`'s first ascent would start there.
    True when counted (the caller offers its prices' design, as after a first ascent).

    Why: that first ascent started from the prices where the radius step's ascent had
    stopped, whenever they were the higher, with the same steps, and so only repeated it
    (next_day_80 closing SAV: the same L_8 to the dollar, 0.06 CPU s); the second, joint
    ascent (share_prices.ascend_joint) comes next as it did. Only which ascents run changes:
    any prices give a valid L_n."""
    own = (count_prices or {}).get(w.lo)
    if (own is not None and w.lagrange is not None and len(own[0]) == problem.n_points
            and len(own[1]) == len(w.prices[1])
            and lagrangian_value(problem, data, w.lo, *own)[0] > w.lagrange):
        return False
    w.lagrange_tries = 1
    return True


def _master_sites_design(problem: LocationProblem, full: MipModel, w: WindowState,
                         opened: list[np.ndarray], best: Incumbent, relative_gap: float,
                         deadline: float, data: LagrangeData | None = None) -> None:
    """Where the radius prices' ascent falls short and the heuristic ignores some rows
    (carrier shares, a second share target): offer the cheapest assignment under every row
    to the n sites the radius master opens most (window_mip.fixed_sites_design), as
    _lp_sites_design does for the window's LP, at the prices returned (`opened[0]`), and
    to the others its search tried where it opens whole sites (`opened[1:]`), each set once,
    at most MASTER_SETS, until the ascent's bound is within the gap of the incumbent. With
    `data`, the sets go least bound first (reach_sets.set_bound from the ascent's target
    prices: a bound on every design with exactly those sites, any prices >= 0 giving one),
    and a set whose bound is not below the incumbent is not assigned (no design there is
    cheaper).

    Why: on usps_max_60's "open SEA" edit the 5-site bound from radius prices equals the
    nearest-sites LP's (2.4e-4 under the incumbent, carrier_repair's assignment to the very
    sites the master opens); that LP ran (3.2 CPU s) only for its design, the optimum, 5.5e-7
    above the bound: the same sites assigned again under every row (BENCHMARKS.md).

    Why the others: with two share targets (next_day_35_3day_95 closing AVP) the master at
    the best prices opens two designs at 0.5 each, and the n largest (ties by index) mixed
    them; at a higher 1-day price it opens LAS, MEM, ABE whole, the optimum's sites, which
    otherwise came only from the window's LP (2.6 CPU s from the last basis, 8 s by the
    nearest-sites LP without one; BENCHMARKS.md, branch nextday3). Why by bound: there the
    mixed set and one whole design were assigned first, 0.04-0.08 CPU s each, before the
    optimum's sites, the least bound of the three (BENCHMARKS.md, branch nextday14)."""
    sets: list[np.ndarray] = []
    for k, y in enumerate(opened):
        if k and not np.all(np.minimum(y, 1.0 - y) <= WHOLE_SITE):
            continue
        is_open = np.zeros(problem.n_sites, bool)
        is_open[np.argsort(-y, kind="stable")[:w.lo]] = True  # the incumbent's own sites
        if all(is_open.tobytes() != s.tobytes() for s in sets):  # too: repair's assignment
            sets.append(is_open)  # there can be the one that falls short
        if len(sets) >= MASTER_SETS:
            break
    if data is not None and w.prices is not None and len(sets) > 1:
        sigma = w.prices[1][:len(problem.share_requirements)]
        bounds = [set_bound(problem, data, s, sigma, best.objective)[0] for s in sets]
        order = np.argsort(bounds, kind="stable")
        sets = [sets[i] for i in order if bounds[i] < best.objective]
    for is_open in sets:
        if w.lagrange >= best.objective * (1 - relative_gap):
            return
        fixed_sites_design(problem, full, is_open, best, relative_gap / 10, deadline)


MASTER_SETS = 4  # site sets of the radius master assigned again at most, per window


def _nearest_applies(data: LagrangeData | None, w: WindowState, best: Incumbent) -> bool:
    """The nearest-sites LP (window_bounds.py) needs Lagrangian data, one count and an incumbent
    to prove against, and is tried once per window."""
    return (data is not None and w.lo == w.hi and not w.nearest_tried
            and np.isfinite(best.objective))


def _grown(problem: LocationProblem, full: MipModel, data: LagrangeData | None, w: WindowState,
           best: Incumbent, relative_gap: float, deadline: float) -> bool:
    """Grow the window's nearest-sites LP by column generation (window_bounds.grow_nearest)
    and offer its design; True when its prices' bound over every option proves the window
    (settled as by the small LP), False when the caller goes on: to that LP as the window's
    LP if its prices price every option (lp_by_nearest), else to the full LP from its basis."""
    grow_nearest(problem, full, w, best.objective * (1 - relative_gap), deadline, data)
    _round_lp(problem, full, w, best)
    if lp_by_nearest(full, w):
        return False
    bound, _ = lagrangian_bound(with_count_window(full, w.lo, w.hi), w.nearest[0])
    if max(bound, -np.inf if w.lagrange is None else w.lagrange) < best.objective * (
            1 - relative_gap):
        return False
    settle_by_nearest(full, w)
    return True


def _worth_enumerating(problem: LocationProblem, w: WindowState, capacity_binds: bool) -> bool:
    """Set by set pays only where capacity binds, which makes the window's LP with capacity
    rows slow; without it the window's LP is the faster proof (BENCHMARKS.md)."""
    if w.sets_tried or not enumerable(problem, w.lo, w.hi):
        return False
    return capacity_binds or _short_of_capacity(problem, w.hi)


def _cuts_first(problem: LocationProblem, full: MipModel, w: WindowState) -> bool:
    """The capacity cuts (capacity_cuts.py) before the site tree: where they apply and the
    window's sites cannot hold every order (`_short_of_capacity`), the case they were made
    for (capacity_overflow_200m: every site full). Why not elsewhere: on seed 100 of
    tests/test_oracle.py (11 of 17 sites, 74.5% within a day, capacity to spare) the
    master's bound stalled 0.2% under the optimum, at the fixed-sites LPs' level, for 188
    rounds (38.5 s) where the site tree closed the window in 2.1 s."""
    return cuts_apply(problem, full, w) and _short_of_capacity(problem, w.hi)


def _cuts_without_lp(problem: LocationProblem, full: MipModel, w: WindowState,
                     best: Incumbent) -> bool:
    """The capacity cuts from the incumbent's sites, before the window's LP: where `_cuts_first`
    would run them after it (capacity rows, the window's sites short of the orders) and the
    incumbent has the window's count. Why: that LP (the nearest-sites LP with every capacity
    row) was half of capacity_overflow_200m's cold solve, and the cuts need only prices
    (capacity_cuts.close_by_cuts; BENCHMARKS.md, branch overflow6)."""
    return (_short_of_capacity(problem, w.hi)  # first: the cheap test, asked at every step
            and cuts_apply_without_lp(problem, full, w, best))


def _close_other_counts(problem: LocationProblem, windows: list[WindowState],
                        kept: dict[int, KeptCuts], n: int, best: Incumbent,
                        relative_gap: float) -> None:
    """Close each other one-count window whose bound from count n's cuts
    (capacity_cuts.other_counts_bound) is within the gap of the incumbent. Why: closed by
    the cuts without its LP, window n gives the others no LP prices (tangent_estimate), and
    with every site full their cuts' bound is far above the incumbent."""
    if n not in kept:
        return
    target = best.objective * (1 - relative_gap)
    for w in windows:
        if w.proven is None and w.lo == w.hi and w.lo != n:
            bound = other_counts_bound(problem, kept[n], n, w.lo)
            if bound >= target:
                w.proven = bound


def _publisher(problem: LocationProblem, full: MipModel, windows: list[WindowState], n: int,
               kept: dict[int, KeptCuts], best: Incumbent, relative_gap: float,
               report: Callable[[float, float], None] | None) -> Callable[[], None]:
    """close_by_cuts' `on_bound` for count n's window closed without its LP: the other counts
    closed by its cuts (_close_other_counts, as after it returns) and the search's bound
    reported. Why: where the assignment MIPs after the cuts find no design within the gap
    (capacity_overflow_200m +9 pts) they run to the deadline, and the progress showed the
    windows' estimates ($3,301M, a 33% gap) the whole time while $4,884.6M was proven in
    the first seconds (BENCHMARKS.md, branch overflow11)."""
    def publish() -> None:
        _close_other_counts(problem, windows, kept, n, best, relative_gap)
        if report is not None:
            report(best.objective, min(_lows(windows, problem, full)))
    return publish


def _capacity_binds(problem: LocationProblem, full: MipModel, best: Incumbent) -> bool:
    """Capacity rows are in the model, or the heuristic's design overloads a site: then the
    pass without rows would most likely end in one with them anyway, after a wasted LP, so the
    search starts over with every capacity row at once."""
    if full.capacity_sites:
        return True
    if best.values is None:
        return False
    return bool(overloaded_sites(problem, read_design(problem, full, best.values)[1]))


def _solve_by_sets(problem: LocationProblem, full: MipModel, w: WindowState, best: Incumbent,
                   relative_gap: float, deadline: float,
                   set_prices: dict[int, SetPrices] | None = None,
                   may_pause: bool = False) -> None:
    """A window with few possible site sets (one site of 57: 57 sets), each solved alone with
    its capacity rows (site_sets.py); left open when the set bounds prune too little. The
    sets' bounds start from `set_prices` of the window's count (the last search's), and
    their prices go back there. With `may_pause` (other windows are open) an enumeration
    begun with no incumbent pauses before its first exact set MIP (site_sets.solve_by_sets):
    the window keeps the paused search (`w.set_search`) and its bound, and the next call
    resumes it.

    Why: from zero prices the 1,596 two-site bounds of the default stayed 0.2-0.3% below the
    incumbent on 4-6 sets per promise level, each set then solved as a MIP (about 1 s each,
    two thirds of the 2-site row's time); from the last level's prices none or two stay
    below (BENCHMARKS.md, Tradeoff explorer)."""
    start = None if set_prices is None or w.lo != w.hi else set_prices.get(w.lo)
    found = solve_by_sets(problem, full, w.lo, w.hi, best.objective, relative_gap, deadline,
                          start, resume=w.set_search, may_pause=may_pause)
    if set_prices is not None and w.lo == w.hi and found.prices is not None:
        set_prices[w.lo] = found.prices
    if found.values is not None:
        offer(problem, full, best, found.values)
    best.hit_limit |= found.limited
    if found.paused:  # its bound so far (found.low) ranks it; resumed if still the least
        w.set_search = found
        return
    w.set_search = None
    w.sets_tried = True
    if found.complete:
        w.proven = found.proven


def _window_low(windows: list[WindowState], problem: LocationProblem, full: MipModel, i: int,
                known: _Known | None = None) -> float:
    """Window i's lower bound: what a step proved, its LP's, or an estimate, each with
    `kept` (a bound its cuts proved, or the last search's: valid for its designs as well).
    Why `kept` beside `proven`: a site tree or window MIP stopped by the deadline proves
    less than the cuts did before it (capacity_overflow_200m +9 pts: $4,878.6M, where the
    cuts had proved $4,884.6M; BENCHMARKS.md, branch overflow11)."""
    w = windows[i]
    if w.proven is not None:
        return max(w.proven, w.kept)
    if w.bound is not None:
        return max(w.bound, w.kept)
    low = _estimate(windows, problem, full, i, known)  # also when the window's LP gave no
    # prices
    return low if w.set_search is None else max(low, w.set_search.low)  # both bounds


@dataclass(frozen=True)
class _Known:
    """What the estimates of one step can use from the other windows: the one-count windows
    with a finite LP bound, and whether any window has row prices (a tangent)."""

    bounded: tuple[int, ...]
    tangents: bool

    @staticmethod
    def of(windows: list[WindowState]) -> _Known:
        return _Known(tuple(k for k, w in enumerate(windows) if w.lo == w.hi
                            and w.bound is not None and np.isfinite(w.bound)),
                      any(w.tangent is not None for w in windows))

    def convex(self, i: int) -> bool:
        """Whether convex_estimate can be finite for window i (a one-count window other than
        i has a finite bound; it returns -inf otherwise)."""
        return len(self.bounded) > 1 or (len(self.bounded) == 1 and self.bounded[0] != i)


def _lows(windows: list[WindowState], problem: LocationProblem, full: MipModel
          ) -> list[float]:
    """Every window's lower bound (`_window_low`), what they share read once.

    Why: the search asks for every window's at every step, and the estimates scanned every
    other window for each (convex_estimate, tangent_estimate) even where none had an LP yet:
    on sites_150, 150 windows, a tenth of a warm edit's CPU; the values are the same."""
    known = _Known.of(windows)
    return [_window_low(windows, problem, full, i, known) for i in range(len(windows))]


NEAR_TARGET = 1e-3  # relative: a first ascent this close below its target gets a second


def _near_target(full: MipModel, w: WindowState, best: Incumbent, relative_gap: float) -> bool:
    """The window's first ascent ended within NEAR_TARGET below the incumbent less the gap:
    worth a second ascent (joint steps, share_prices.ascend_joint) before its LP even when
    that LP would start from the last basis. Why: sites_150 closing X47 stopped 4e-6 short
    at 4 sites and its LP from the basis took 9.8 s at load 10-14, where the second ascent
    passed in 0.8 s; it costs at most 80 evaluations of L_n (BENCHMARKS.md). Not with
    capacity rows: that ascent (capacity priced) would start where the first did and repeat
    it."""
    if full.capacity_sites or w.lagrange is None or not np.isfinite(best.objective):
        return False
    target = best.objective * (1 - relative_gap)
    return w.lagrange >= target - NEAR_TARGET * abs(target)


def _try_lagrange(problem: LocationProblem, full: MipModel, data: LagrangeData | None,
                  windows: list[WindowState], i: int, best: Incumbent, lows: list[float],
                  prior_duals: np.ndarray | None = None, relative_gap: float = 0.0,
                  count_prices: dict[int, tuple[np.ndarray, np.ndarray]] | None = None) -> bool:
    """One ascent for window i (from the nearest solved window's prices; share prices by 1-D
    searches, share_prices.py), aiming above the incumbent or, before there is one, above the
    lowest solved bound. True when it was tried (the window's bound may have risen), False
    when it does not apply.

    A one-count window's first ascent starts instead from the last search's best prices for
    its count (`count_prices`) when their L_n is higher. Why: after a demand edit (a
    robustness draw) the row prices carried are one LP's, of one count, and L_n at them was
    2-8% below the incumbent at the other counts, each then climbing 30-160 evaluations of
    L_n; the count's own last prices (scaled to the new orders) are its own best. Its second
    ascent starts from the best prices its first found, when their L_n is higher than the
    nearest solved window's, and moves every price together, each scaled to its size
    (share_prices.ascend_joint). Why: it used to start from the same prices as the first with
    the same steps, and the ascent is deterministic, so unless a window's LP had been solved
    in between it only repeated the first; where the first stalls (lambda and sigma adjusted
    in turn, each held while the other moves), the joint steps climb on (next_day_35 with AVP
    closed: count 2 stopped 2.1e-4 below the incumbent and its nearest-sites and full LPs
    took 9 s; BENCHMARKS.md). Any prices give a valid bound, so this changes where the
    ascent starts and how it climbs, not what it proves."""
    w = windows[i]
    solved = [j for j, v in enumerate(windows) if v.duals is not None]
    if data is None or w.lagrange_tries >= 2 or not (solved or prior_duals is not None):
        return False
    target = best.objective * (1 - relative_gap)  # within the gap proves the window
    if not np.isfinite(target):
        if not solved:
            return False
        target = min(windows[j].bound for j in solved)
    if lows[i] >= target:
        return False
    duals = windows[min(solved, key=lambda j: abs(j - i))].duals if solved else prior_duals
    lam, sigma = initial_prices(full, duals)
    if w.lo != w.hi:
        own = None
    elif w.lagrange_tries == 0:
        own = (count_prices or {}).get(w.lo)
    else:  # where its first ascent got to: from the same start it would only repeat it
        own = w.prices
    start = first = None  # L_n at the start, and lagrangian_value there, when known
    if own is not None and not full.capacity_sites and len(own[0]) == len(lam) and len(
            own[1]) == len(sigma):
        first = lagrangian_value(problem, data, w.lo, *own)
        other = lagrangian_value(problem, data, w.lo, lam, sigma)
        if first[0] > other[0]:
            lam, sigma = own
        else:
            first = other
        start = first[0]
    if start is not None and start >= target and (sigma >= 0).all():
        _keep_start_bound(w, start, lam, sigma)
    else:  # the ascent starts where `first` was evaluated: not again (the 1-D searches')
        lagrange_ascent(problem, full, data, w, lam, sigma, target, duals,  # capacity priced
                        joint=w.lagrange_tries > 0, first=first)
    w.lagrange_tries += 1
    return True


def _keep_start_bound(w: WindowState, value: float, lam: np.ndarray, sigma: np.ndarray) -> None:
    """What `lagrange_ascent` keeps when its first evaluation, at its start (lam, sigma >= 0),
    already reaches the target (without capacity rows): that L_n and those prices.

    Why: after an edit of forced sites or target shares each count's start (its last prices,
    or the nearest window's, whichever L_n is higher: `_try_lagrange`) mostly proves it at
    once; that L_n was evaluated to choose the start, and the ascent evaluated it again
    (sites_150 closing X47: 10 of 56 evaluations, 3 ms each; BENCHMARKS.md, branch warm4).
    The same bound and prices as the ascent's."""
    if w.lagrange is None or value > w.lagrange:
        w.lagrange, w.prices, w.capacity_prices = value, (lam.copy(), sigma.copy()), None


def _count_prices(windows: list[WindowState], full: MipModel,
                  prior: dict[int, tuple[np.ndarray, np.ndarray]] | None
                  ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Count -> the best (lambda, sigma) this search found for L_n of that count (its LP's
    prices or its ascent's, whichever bound is higher), else the prior search's: the starts
    of the next search's ascents (`_try_lagrange`)."""
    out = dict(prior or {})
    for w in windows:
        if w.lo != w.hi or w.capacity_prices is not None:
            continue
        if w.duals is not None and (w.lagrange is None or w.bound >= w.lagrange):
            out[w.lo] = initial_prices(full, w.duals)
        elif w.prices is not None:
            out[w.lo] = w.prices
    return out


def _prices_beside_heuristic(problem: LocationProblem, full: MipModel,
                             data: LagrangeData | None, prior_duals: np.ndarray | None,
                             deadline: float, first: int,
                             guessed: list[NearestSolution] | None = None,
                             radius_counts: list[int] | None = None,
                             count: int | None = None, best: Incumbent | None = None,
                             radius_cuts: dict[int, tuple[np.ndarray, np.ndarray]] | None
                             = None, uppers: dict[int, float] | None = None
                             ) -> Future | None:
    """A cold search of several counts finds prices at a guessed count
    (`_guessed_count_prices`: radius prices, else the nearest-sites LP) in a worker thread
    while the heuristic runs here: the solver releases the GIL, so on two cores the heuristic
    costs little wall time, and its design is the incumbent the prices' ascents prove against.
    Not with capacity rows (that LP is slow, and the master has none).

    With several share targets the heuristic runs first and `count` is its design's count
    (`best` holds the design), not heuristic.guess_sites's, which prices the first target
    alone. Why: next_day_35_3day_95's guess was 4 sites where its optimum has 3, and the
    4-site LP (4-5 s of CPU) only gave prices; at 3 the same LP is the optimum's count's own
    (its basis starts the LP of a warm edit) for the 0.1-0.3 s the heuristic now runs
    before it. The radius master now prices both targets (no LP there), and the count still
    matters: its prices prove their own count without another step."""
    if data is None or prior_duals is not None or full.capacity_sites:
        return None
    sites = None
    if count is not None and best is not None and best.values is not None:
        sites = read_design(problem, full, best.values)[0]
    if count is not None and not first <= count <= int(full.count_values[-1]):
        count, sites = None, None
    pool = ThreadPoolExecutor(1, thread_name_prefix="nearest-lp")
    future = pool.submit(_guessed_count_prices, problem, full, first, deadline, guessed,
                         radius_counts, count, sites, data, radius_cuts, uppers)
    pool.shutdown(wait=False)  # the thread ends with its one task
    return future


def _guessed_count_prices(problem: LocationProblem, full: MipModel, first: int,
                          deadline: float, guessed: list[NearestSolution] | None = None,
                          radius_counts: list[int] | None = None,
                          count: int | None = None, sites: np.ndarray | None = None,
                          data: LagrangeData | None = None,
                          radius_cuts: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
                          uppers: dict[int, float] | None = None) -> np.ndarray | None:
    """Row prices of `full` at one count: `count` with the open mask `sites` when given,
    else heuristic.guess_sites's (its greedy's sites start the master's cuts and the share
    price's search), at least `first` (the least count coverage.py leaves): radius prices
    (`_radius_duals`), else, where the master fails, those of the nearest-sites LP (with
    those sites: window_bounds.nearest_columns), or None if that LP fails. Without carrier
    rows that LP is the count's own nearest-sites LP: it goes to `guessed`, and its window
    does not solve it again (_keep_guessed; next_day_80 solved it twice, 2-5 s each).

    Why one count, not every count at once as before: the ascents from that count's prices,
    with the share prices searched (share_prices.py), prove the other counts as well as from
    the all-counts LP's, and its own count, usually the optimum's, within 4e-6 of its LP
    bound where the all-counts prices left it 1.3e-3 below, so that count needs no LP of its
    own (default, ups_min_30, next_day_35; BENCHMARKS.md)."""
    lo, hi = int(full.count_values[0]), int(full.count_values[-1])
    n, sites = (count, sites) if count is not None else guess_sites(problem, lo, hi)
    if n < first:  # the greedy's sites are of another count
        n, sites = first, None
    if n > hi:
        return None
    radius = _radius_duals(problem, full, n, deadline, sites, data=data,  # the search's data:
                           kept=radius_cuts, uppers=uppers)  # made once (28 ms on sites_150)
    if radius is not None:
        if radius_counts is not None:  # that window takes no second radius step (next_day_80
            radius_counts.append(n)  # at 7 sites: its LP lies below the target either way)
        return radius
    if problem.carrier_bounds:  # their prices come from the ascents' 1-D searches
        return share_prices.prices_without_carrier_rows(problem, full, n, deadline)
    return nearest_sites_prices(problem, with_count_window(full, n, n), deadline, guessed,
                                sites)


def _radius_duals(problem: LocationProblem, full: MipModel, n: int, deadline: float,
                  sites: np.ndarray | None, enough: float = np.inf,
                  data: LagrangeData | None = None, sigma_guess: np.ndarray | None = None,
                  opened: list[np.ndarray] | None = None,
                  kept: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
                  uppers: dict[int, float] | None = None) -> np.ndarray | None:
    """Row prices of `full` for count n from Benders on the radius form with the share and
    carrier rows' prices searched (radius_prices.py); None where it fails, and the
    nearest-sites LP runs instead.

    Why: that LP was most of a cold solve (the default: 2.0 of 2.8 CPU s); the master gives
    the same L_n at the guessed count (the window's LP value) in about a sixth of it
    (BENCHMARKS.md). Any prices give valid bounds: this changes only the time. With two
    share targets (next_day_35_3day_95) it took 1.0 CPU s where that LP took 3.2
    (BENCHMARKS.md, branch nextday3). `uppers[n]`, when given, is lowered to the upper bound
    on the window's LP value the master's search proved (radius_prices.lp_upper; inf where
    none): `_lp_short`."""
    if data is None:
        data = lagrange_data(problem)
    upper: list[float] = []
    found = radius_prices.radius_prices(problem, data, n, deadline, sites, enough, sigma_guess,
                                        opened, kept, upper)
    if uppers is not None and upper:
        uppers[n] = min(uppers.get(n, np.inf), upper[0])
    if found is None:
        return None
    return duals_from_prices(full, *found)


def _keep_guessed(windows: list[WindowState], full: MipModel,
                  guessed: list[NearestSolution]) -> list[WindowState]:
    """The window of the guessed count keeps the nearest-sites LP solved beside the heuristic
    (window_bounds.keep_nearest), when its model was that window's: one count. Returns the
    windows that kept one."""
    kept = []
    for solved in guessed:
        counts = full.count_values[solved.values[full.u] > 0.5]
        for w in windows:
            if len(counts) == 1 and w.lo == w.hi == counts[0] and w.nearest is None:
                keep_nearest(w, solved)
                kept.append(w)
    return kept


def _heuristic_incumbent(problem: LocationProblem, full: MipModel, best: Incumbent, lo: int,
                         hi: int, start_sites: np.ndarray | None, relative_gap: float,
                         deadline: float, data: LagrangeData | None = None) -> int | None:
    """Seed the search with the heuristic's best design (from `start_sites` when given; also
    for one window: OR-Library); returns its count. Where the heuristic does not apply (carrier
    shares, several share targets), its designs (for the problem without those rows) are
    repaired to meet them (carrier_repair.py: milliseconds); where that fails, or the design
    overloads a site of the model's capacity rows, its sites are assigned again by a MIP that
    keeps every row (window_mip.fixed_sites_design), unless the last design (a what-if edit's
    hint) is an incumbent already: a first incumbent before any LP. After an edit whose last
    design misses a row, its sites filled to the order (exactly_filled_design) come first:
    where only a full fill meets the target, the last design's sites fill cheaper than the
    heuristic's (capacity_overflow_200m +9 pts: $4,887M against $4,927M; BENCHMARKS.md,
    branch explain10) and cost one fixed-sites LP, not the greedy fill's bisection."""
    if heuristic.applies(problem):
        designs = best_designs(problem, lo, hi, start_sites)
        if not designs:
            return None
        n = min(designs, key=lambda k: designs[k][0])
        _offer(problem, full, best, n, *designs[n])
    else:  # their designs meet the rows they ignore after repair, most of the time
        runs = [found for relaxed in _heuristic_relaxations(problem)
                if (found := best_designs(relaxed, lo, hi, start_sites))]
        if not runs:
            return None
        designs = runs[0]
        n = min(designs, key=lambda k: designs[k][0])
        prices: list[np.ndarray] = []  # the rows' prices of each repair's priced choice
        for found in runs:  # offer takes only a better design: the last count found is best
            n = offer_repaired(problem, full, best, found, prices, data) or n
    if (not np.isfinite(best.objective) and start_sites is not None
            and exactly_filled_design(problem, full, start_sites, best, deadline)):
        return int(start_sites.sum())  # the last design's sites filled to the order
    if not np.isfinite(best.objective) and np.isfinite(designs[n][0]):  # none taken (so n is
        # of `designs`), and not after an edit
        fixed_sites_design(problem, full, designs[n][1], best, relative_gap / 10, deadline)
    return n


def _heuristic_relaxations(problem: LocationProblem) -> list[LocationProblem]:
    """The problems without the rows the heuristic ignores (carrier shares, all share targets
    but one) that its designs for `problem` come from: one per share target (one with none).

    Why each target, not the first alone: next_day_35_3day_95's heuristic for 35% within 1
    day chose ONT, MEM and AVP, 1.8e-3 above the optimum once repaired to 95% within 3 days;
    for the 3-day target alone it chose the optimum's sites (LAS, MEM, AVP), repaired to
    within 6e-6 of its 3-site Lagrangian bound, so that count needs no LP (BENCHMARKS.md).
    Each run costs 0.1-0.2 s of CPU."""
    if not problem.share_requirements:
        return [replace(problem, carrier_bounds=())]
    return [replace(problem, carrier_bounds=(), share_requirements=(t,))
            for t in problem.share_requirements]


def _round_lp(problem: LocationProblem, full: MipModel, w: WindowState, best: Incumbent
              ) -> None:
    """Offer the design the window's LP points at (heuristic.rounded_design) as incumbent,
    and, when the LP opens whole sites, the LP's own assignment rounded and repaired
    (window_mip.offer_rounded_lp).

    Why the second: the heuristic meets a share target by a greedy choice of points to
    upgrade, which on a binding target can stay 5e-4 above the LP at the LP's own sites
    (robustness draws of the default); the LP's assignment splits about one point per
    coupling row, and rounding it comes within 1e-6, so a tight LP proves the window
    without its MIP (whose root took 25 s on such a draw; BENCHMARKS.md)."""
    if w.lp_values is None:
        return
    y = w.lp_values[full.y]
    n = int(np.clip(round(float(y.sum())), w.lo, w.hi))
    design = rounded_design(problem, y, n)
    if design is not None:
        _offer(problem, full, best, n, *design)
    if np.all(np.minimum(y, 1.0 - y) <= WHOLE_SITE) and w.lo <= round(float(y.sum())) <= w.hi:
        bonus = fast_bonus(problem, full, np.arange(len(full.row_lb)), w.duals)
        offer_rounded_lp(problem, full, w.lp_values, bonus, best)


WHOLE_SITE = 1e-6  # an LP's y this close to 0 or 1 opens or closes the site outright


def _lp_sites_design(problem: LocationProblem, full: MipModel, w: WindowState,
                     best: Incumbent, relative_gap: float, deadline: float) -> None:
    """With capacity rows in the model, or share rows the heuristic ignores (carrier shares, a
    second target), offer the cheapest assignment (under every row) to the n sites the
    window's full LP opens most (window_mip.fixed_sites_design), n the LP's count; with
    capacity rows, then to the best-ranked other choices among the sites it opens in part
    (capacity_sets.py).

    Why: the heuristic's designs and _round_lp's ignore capacity and those share rows, and
    the incumbent then comes from the heuristic's sites, chosen as if they did not bind; the
    LP knows which sites fill and which serve the targets, and a closer incumbent keeps the
    window MIP's reduced-cost filter tight, or makes it needless: on next_day_35_3day_95 the
    3-site LP opens 3 whole sites and lies 8e-7 below the optimum, whose design these sites
    give, where the heuristic's was 1.8e-3 above and the window's MIP took the rest of the
    60 s (BENCHMARKS.md)."""
    rows_ignored = full.capacity_sites or not heuristic.applies(problem)
    if not rows_ignored or w.lp_values is None or not np.isfinite(best.objective):
        return
    if w.bound is not None and w.bound >= best.objective * (1 - relative_gap):
        return  # the window is proven already
    y = w.lp_values[full.y]
    n = int(np.clip(round(float(y.sum())), w.lo, w.hi))
    is_open = np.zeros(problem.n_sites, bool)
    is_open[np.argsort(-y, kind="stable")[:n]] = True
    if not np.array_equal(is_open, read_design(problem, full, best.values)[0]):
        fixed_sites_design(problem, full, is_open, best, relative_gap / 10, deadline)
    if full.capacity_sites:
        support_set_designs(problem, full, w, best, relative_gap, deadline)  # other choices


def _round_prices(problem: LocationProblem, full: MipModel, data: LagrangeData, w: WindowState,
                  best: Incumbent, relative_gap: float) -> None:
    """After a one-count window's first Lagrangian try leaves room below the heuristic's
    incumbent, offer the design its prices point at: the sites L_n chooses, improved by swaps.

    Why: where the heuristic's best design has another count than the optimum, the prices of
    the optimum's count often choose its sites, and the next ascent proves them without an LP.
    Not without an incumbent (the heuristic ignores capacity rows and carrier shares, and so
    do these designs, which were then all poor; BENCHMARKS.md)."""
    if (w.lo != w.hi or w.lagrange_tries != 1 or w.prices is None
            or not np.isfinite(best.objective)
            or w.lagrange >= best.objective * (1 - relative_gap)):
        return
    design = rounded_design(problem, -site_values(problem, data, *w.prices), w.lo)
    if design is not None:
        _offer(problem, full, best, w.lo, *design)


def _offer(problem: LocationProblem, full: MipModel, best: Incumbent, n: int, cost: float,
           is_open: np.ndarray, choice: np.ndarray) -> None:
    """Offer a heuristic design (it ignores capacity rows and carrier shares: `offer` checks
    them) as incumbent, and, when it comes within PRICED_MARGIN of the incumbent, its sites
    with every point's option priced against the share rows (`_offer_priced`)."""
    if cost < best.objective:
        values = design_vector(full, is_open, choice)
        if values is not None:
            offer(problem, full, best, values)
    if cost <= best.objective * (1 + PRICED_MARGIN):
        _offer_priced(problem, full, best, is_open)


PRICED_MARGIN = 2e-3  # a heuristic design this close to the incumbent has its sites priced


def _offer_priced(problem: LocationProblem, full: MipModel, best: Incumbent,
                  is_open: np.ndarray) -> None:
    """Offer the sites `is_open` with each point at its option of least cost less the share
    rows' prices, each price the least that meets its row (carrier_repair.repair, without
    room), once per set of sites in a search; not when that overloads a site the model has
    no capacity row for (row generation would start over with every row).

    Why: the heuristic meets a share target by greedy upgrades, the last point the cheapest
    single one that closes the shortfall; at the optimum's own sites that stayed 3e-4 above
    the optimum on robustness draws of the default, more than the 1e-4 gap, so the window's
    Lagrangian bound, already within 3e-6, could not prove it and the nearest-sites and full
    LPs ran (5 s); the priced assignment came within 1e-6 (BENCHMARKS.md)."""
    key = is_open.tobytes()
    if not problem.share_requirements or key in best.priced_sites:
        return
    best.priced_sites.add(key)
    choice = repair(problem, is_open, None)
    if choice is None or (not full.capacity_sites and overloaded_sites(problem, choice)):
        return
    values = design_vector(full, is_open, choice)
    if values is not None:
        offer(problem, full, best, values)


def _lagrange_applies(full: MipModel, windows: list[WindowState]) -> bool:
    """Lagrangian bounds serve to compare counts (capacity rows are simply left out of them,
    which keeps them valid)."""
    return len(windows) > 1


def _first_window(windows: list[WindowState], problem: LocationProblem, full: MipModel,
                  hint: np.ndarray | None, start_count: int | None) -> int:
    if len(windows) == 1:
        return 0
    guess = start_count
    if guess is None and hint is not None:
        guess = int(round(hint[full.y].sum()))
    if guess is None:
        guess = guess_count(problem, windows[0].lo, windows[-1].hi)
    return int(np.argmin([abs(w.lo - guess) for w in windows]))


def _estimate(windows: list[WindowState], problem: LocationProblem, full: MipModel, i: int,
              known: _Known | None = None) -> float:
    """A lower bound on window i without solving it (`known`: the other windows' state, read
    once for a step's every window by `_lows`)."""
    if len(windows) == 1:
        w = windows[0]
        plain = min(plain_estimate(problem, n) for n in range(w.lo, w.hi + 1))
        if w.lo == w.hi and w.lagrange is not None:  # L_n bounds every design with n sites
            return max(plain, w.lagrange, w.kept)
        return max(plain, w.kept)
    w = windows[i]
    lagrange = w.lagrange if w.lagrange is not None else -np.inf
    if w.plain is None:  # asked for every window at every step: once per window (it sorts)
        w.plain = plain_estimate(problem, w.lo)
    known = known or _Known.of(windows)
    convex = convex_estimate(windows, problem, i) if known.convex(i) else -np.inf
    tangent = tangent_estimate(windows, full, i) if known.tangents else -np.inf
    return max(convex, tangent, w.plain, lagrange, w.kept)


def _global_bound(windows: list[WindowState], problem: LocationProblem, full: MipModel
                  ) -> float:
    return float(min(_lows(windows, problem, full)))


def _fit_hint(hint: np.ndarray | None, model: MipModel) -> np.ndarray | None:
    return hint if hint is not None and len(hint) == len(model.var_lb) else None
