"""Exact search over the number of open sites, one count window at a time.

Why: with the number of open sites n fixed, the LP relaxation of the model is almost exact on
our scenarios (default: 6e-8 below the optimum), but the square-root inventory term makes the
LP over a range of counts weak (it mixes few and many sites: 4% below on the default), which is
what made one model over every count slow to prove. So:

1. Windows. If inventory is affine in n over [n_lo, n_hi] (OR-Library: zero inventory) there is
   one window; otherwise one window per n, each with a constant inventory cost.
2. Bounds without solving. From the row prices of any solved window, `lagrangian_bound` gives a
   valid bound for every other window (a Lagrangian relaxation: prices are multipliers).
   Without inventory the LP value is convex in n (an LP's value in its right-hand side), so two
   solved counts on one side bound every count beyond them, and infeasible counts form the
   ends of the range. A plain bound (n cheapest fixed costs + inventory + every point at its
   cheapest option) closes the far end. Windows whose bound is above the incumbent (less the
   requested gap) are never solved.
3. Reduced-cost filtering. A design in window w that uses option p costs at least
   B_w + r_p (B_w the window's bound, r_p the option's reduced cost). The window's MIP keeps
   only options with B_w + r_p <= incumbent, so it is exact and small (default: about 7k of
   95k lanes). Its proven bound is min(MIP bound, B_w + min over dropped options of r_p).
4. A small LP first. Before a window's full LP, the LP over each point's NEAREST_SITES
   cheapest sites gives row prices that, lifted by subgradient steps, usually bound the whole
   window within the gap of the incumbent (default: 1.2 s cold instead of 2.3 s); the full LP
   runs only when they fall short. A cold search of several counts first solves that LP over
   every count at once (`nearest_sites_prices`, beside the heuristic): its prices, lifted per
   count, settle every window of the default without a per-count LP (0.8 s cold).
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field, replace

import numpy as np

from network.optimize.incumbent import Incumbent, offer
from network.optimize.lagrange import LagrangeData, ascend, filter_options, initial_prices
from network.optimize.model import (
    MipModel,
    lagrangian_bound,
    restrict,
    with_count_window,
)
from network.optimize.problem import NO_SITE, LocationProblem
from network.optimize.solve import (
    AT_LOWER,
    BASIC,
    LpBasis,
    MipSolution,
    MipStatus,
    solve_lp,
    solve_model,
)

NEAR_ZERO_REDUCED_COST = 1e-6  # relative: options this close to the LP join the first MIP
SUPPORT_GAP = 1e-6  # the first, small MIP of a window: a close incumbent keeps the filter tight
MIP_GAP_SHARE = 0.5  # window MIPs stop at this share of the requested gap: a closer incumbent
# makes the reduced-cost filter much tighter, and the filtered MIPs are small


class LpOutcome(enum.Enum):
    """How a window's LP over every option ended."""

    SOLVED = "solved"  # prices, bound and reduced costs stored
    INFEASIBLE = "infeasible"  # proven: no design has a count in this window
    UNKNOWN = "unknown"  # ended without prices for another reason (time limit, numerical
    # trouble): nothing is learned, and the window's bound stays where it was


@dataclass
class WindowState:
    """What is known about one count window [lo, hi]."""

    lo: int
    hi: int
    lp: LpOutcome | None = None  # None until the window's LP has run
    bound: float | None = None  # a lower bound on the window's LP value, from row prices
    lp_upper: float | None = None  # an upper bound on it: the objective of its LP, or of an
    # LP over fewer options (convex_estimate uses it for the far point of its line)
    reduced: np.ndarray | None = field(default=None, repr=False)
    duals: np.ndarray | None = field(default=None, repr=False)
    lp_values: np.ndarray | None = field(default=None, repr=False)
    proven: float | None = None  # bound after the window's MIP
    tangent: tuple[float, np.ndarray] | None = field(default=None, repr=False)
    lagrange: float | None = None  # subgradient bound (lagrange.py), when tried
    lagrange_tries: int = 0
    prices: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    sets_tried: bool = False  # open sets enumerated (enumerate.py) without finishing
    basis: LpBasis | None = field(default=None, repr=False)  # of the window's LP
    nearest_tried: bool = False  # nearest_sites_lp ran
    nearest: tuple[np.ndarray, LpBasis | None, float] | None = field(default=None, repr=False)
    # (row prices of the full model, a basis, the small LP's objective)


def windows_of(problem: LocationProblem, lo: int, hi: int) -> list[WindowState]:
    inv = problem.inventory_usd_by_count[lo:hi + 1]
    affine = len(inv) <= 2 or np.allclose(np.diff(inv, 2), 0.0, atol=1e-9 * max(1.0, inv.max()))
    if affine:
        return [WindowState(lo, hi)]
    return [WindowState(n, n) for n in range(lo, hi + 1)]


def bound_window(full: MipModel, window: WindowState, deadline: float,
                 start: LpBasis | None = None) -> None:
    """The window's LP bound over every option, with its row prices and reduced costs;
    `start` is the basis of a related LP (solve_lp)."""
    model = with_count_window(full, window.lo, window.hi)
    lp = solve_lp(model, deadline - time.perf_counter(), start)
    if lp.duals is None:
        window.lp = LpOutcome.INFEASIBLE if lp.infeasible else LpOutcome.UNKNOWN
        return
    window.lp = LpOutcome.SOLVED
    _keep_lp(window, model, lp.duals, lp.values, lp.basis, lp.objective)


def _keep_lp(window: WindowState, model: MipModel, duals: np.ndarray, values: np.ndarray,
             basis: LpBasis | None, objective: float) -> None:
    """Store an LP's prices, values and basis with the bound and reduced costs they give, and
    its objective as an upper bound on the window's LP value (the LP was over every option of
    the window, or fewer)."""
    window.bound, window.reduced = lagrangian_bound(model, duals)
    window.lp_upper = objective if window.lp_upper is None else min(window.lp_upper, objective)
    window.duals, window.basis, window.lp_values = duals, basis, values
    # The same prices bound every other window: only the count variables' terms change.
    u_reduced = window.reduced[model.u]
    u_part = np.minimum(u_reduced * model.var_lb[model.u], u_reduced * model.var_ub[model.u])
    window.tangent = (window.bound - u_part.sum(), u_reduced)


NEAREST_SITES = 20  # the nearest-sites LP keeps each point's 20 cheapest sites (of 57)


def nearest_sites_lp(problem: LocationProblem, full: MipModel, window: WindowState,
                     data: LagrangeData, target: float, deadline: float) -> float:
    """A bound on a one-count window without its full LP: the LP over each point's
    NEAREST_SITES cheapest sites (and cross-border), whose row prices, lifted by subgradient
    steps (lagrange.py), bound the whole window. Returns that bound (-inf if the small LP
    fails); the window keeps the small LP's values (for rounding) and the prices.

    Why: on the default the small LP (34% of the options) takes 0.67 s against 2.07 s for the
    full one, and its prices after 0.1 s of ascent bound the count-7 window 4.7e-6 below the
    full LP: enough to prove the design within the 1e-4 gap. When the bound falls short, the
    caller solves the full LP (the small one was then wasted)."""
    window.nearest_tried = True
    model = with_count_window(full, window.lo, window.hi)
    lp, cols, rows = _nearest_lp(problem, model, deadline)
    if lp.duals is None:
        return -np.inf
    duals = np.zeros(len(model.row_lb))
    duals[rows] = lp.duals
    lam, sigma = initial_prices(model, duals)
    value, lam, sigma = ascend(problem, data, window.lo, lam, sigma, target)
    if window.lagrange is None or value > window.lagrange:
        window.lagrange, window.prices = value, (lam, sigma)
    window.lp_values = np.zeros(len(model.var_lb))
    window.lp_values[cols] = lp.values
    window.nearest = (duals, _full_basis(lp.basis, cols, rows, model), lp.objective)
    return value


def nearest_sites_prices(problem: LocationProblem, full: MipModel, deadline: float
                         ) -> np.ndarray | None:
    """Row prices (of `full`) from the nearest-sites LP over every count `full` allows, or None
    if that LP fails: a start for every window's subgradient ascent before any count is known.

    Why: on the default this LP takes 0.48 s and needs no count, so it runs beside the
    heuristic that picks the count; the ascent at count 7 from its prices then proves the
    optimum within 2.0e-5 (the count-7 LP's prices: 2.4e-5), and counts 6, 8 and 9 rise above
    the incumbent. Its own value (a free fractional count: 826.8M against 861.6M) bounds
    nothing useful."""
    lp, _, rows = _nearest_lp(problem, full, deadline)
    if lp.duals is None:
        return None
    duals = np.zeros(len(full.row_lb))
    duals[rows] = lp.duals
    return duals


def _nearest_lp(problem: LocationProblem, model: MipModel, deadline: float):
    """The LP of `model` over each point's NEAREST_SITES cheapest sites (and cross-border):
    (LpSolution, its columns and rows in `model`)."""
    cand = np.ones(len(model.var_lb), bool)
    cand[model.x] = _nearest_options(problem, NEAREST_SITES)
    sub, cols, rows = restrict(model, cand)
    return solve_lp(sub, deadline - time.perf_counter()), cols, rows


def settle_by_nearest(full: MipModel, window: WindowState) -> None:
    """Close a window that nearest_sites_lp proved: keep its prices and basis (valid for the
    full model, so they price other counts and start a warm re-solve's LP) as the window's."""
    model = with_count_window(full, window.lo, window.hi)
    duals, basis, objective = window.nearest
    _keep_lp(window, model, duals, window.lp_values, basis, objective)
    window.proven = max(window.bound, window.lagrange)


def _nearest_options(problem: LocationProblem, k: int) -> np.ndarray:
    """Cross-border options and the options at each point's k cheapest sites."""
    opt = problem.options
    at_site = opt.site != NO_SITE
    cheap = np.full((problem.n_points, problem.n_sites), np.inf)
    np.minimum.at(cheap, (opt.point[at_site], opt.site[at_site]), opt.cost_usd_per_order[at_site])
    rank = np.argsort(np.argsort(cheap, axis=1, kind="stable"), axis=1, kind="stable")
    return ~at_site | (rank[opt.point, np.maximum(opt.site, 0)] < k)


def _full_basis(basis: LpBasis | None, cols: np.ndarray, rows: np.ndarray, model: MipModel
                ) -> LpBasis | None:
    """A restricted LP's basis as one of the full model: left-out variables at their lower
    bound (0), left-out link rows with their slack basic. Primal feasible, so a warm re-solve's
    LP can start from it."""
    if basis is None:
        return None
    var = np.full(len(model.var_lb), AT_LOWER, np.int8)
    var[cols] = basis.variable_status
    row = np.full(len(model.row_lb), BASIC, np.int8)
    row[rows] = basis.row_status
    return LpBasis(var, row)


def solve_window(problem: LocationProblem, full: MipModel, window: WindowState,
                 best: Incumbent, relative_gap: float, deadline: float, known_low: float
                 ) -> None:
    """The window's MIP: first over the LP's own options (a near-optimal design fast when the
    LP is tight), then over every option that can still beat the incumbent. When the LP is
    far from that design (the M* instances: 5%) the filter would keep nearly everything, so
    the window is solved whole; so it is when its LP gave no prices (LpOutcome.UNKNOWN).
    `known_low` is a valid bound on the window already known, kept when the MIP gives none."""
    model = with_count_window(full, window.lo, window.hi)
    if window.lp is not LpOutcome.SOLVED:
        sol = _mip_over(problem, full, model, np.ones(model.n_options, bool), best,
                        relative_gap * MIP_GAP_SHARE, deadline)
        window.proven = _mip_bound(sol, known_low)
        return
    keep = _lp_support(problem, model, window)
    cand, first, weak = keep.copy(), True, False
    while True:
        sub, cols, _ = restrict(model, cand)
        hint = None if best.values is None else _hint_for(best.values, cols, sub)
        left = deadline - time.perf_counter()
        if first:
            sol = solve_model(sub, left, SUPPORT_GAP, hint=hint, node_limit=SUPPORT_NODES)
        else:
            sol = solve_model(sub, left, relative_gap * MIP_GAP_SHARE, hint=hint)
        if sol.values is not None:
            values = np.zeros(len(model.var_lb))
            values[cols] = sol.values
            offer(problem, full, best, values)
        if first:
            first = False
            weak = best.objective - window.bound > WEAK_LP_GAP * abs(best.objective)
            wider = np.ones_like(cand) if weak else cand | _candidates(model, window, keep,
                                                                       best.objective)
            if sol.status is MipStatus.OPTIMAL and not (wider & ~cand).any():
                break  # nothing left out can beat it: the support MIP was the window's MIP
            cand = wider
            continue
        if sol.status is MipStatus.INFEASIBLE and not cand.all():
            cand = np.ones_like(cand)
            continue
        wider = _candidates(model, window, keep, best.objective)
        if (wider & ~cand).any():  # options that might still beat the incumbent
            cand = cand | wider
            continue
        break
    best.hit_limit |= sol.status in (MipStatus.FEASIBLE, MipStatus.NO_SOLUTION)
    window.proven = min(_mip_bound(sol, window.bound), _dropped_bound(model, window, cand))


def _mip_bound(sol: MipSolution, fallback: float) -> float:
    """What a window MIP proves: inf when infeasible (over the options it was given), its dual
    bound, or `fallback` (a bound known before) when it stopped without one."""
    if sol.status is MipStatus.INFEASIBLE:
        return np.inf
    return sol.best_bound if sol.best_bound is not None else fallback


SUPPORT_NODES = 50  # the first MIP of a window stops after this many nodes. A node limit, not
# a time limit: a 5 s cap made the design depend on machine load (the default scenario with MCO
# closed gave two different designs of equal cost within the gap under load). On our scenarios
# these MIPs close at the root (1 node).
WEAK_LP_GAP = 0.005  # LP this far below the first design: solve the window whole


MAX_FILTERED_SHARE = 0.3  # above this share of the options, a window's LP is worth solving


def solve_window_by_prices(problem: LocationProblem, full: MipModel, window: WindowState,
                           data: LagrangeData, best: Incumbent, relative_gap: float,
                           deadline: float) -> bool:
    """The window's MIP over the options its Lagrangian prices keep, without an LP: first over
    the options with (near) zero price rise, for an incumbent close to the bound, then over
    every option that could still beat it. False when the prices keep too many options to be
    worth it (the incumbent may have improved)."""
    if window.prices is None:
        return False
    lam, sigma = window.prices
    _, hopeful, _ = filter_options(problem, data, window.lo, lam, sigma,
                                   value_of(window) * (1 + relative_gap))
    if hopeful.mean() > MAX_FILTERED_SHARE:
        return False  # even a design within the gap of these prices' bound would keep too many
    model = with_count_window(full, window.lo, window.hi)
    value, near, _ = filter_options(problem, data, window.lo, lam, sigma,
                                    window.lagrange + NEAR_ZERO_REDUCED_COST * abs(value_of(
                                        window)))
    support = near | (problem.options.site == NO_SITE)
    first = _mip_over(problem, full, model, support, best, SUPPORT_GAP, deadline, SUPPORT_NODES)
    value, keep_x, dropped = filter_options(problem, data, window.lo, lam, sigma, best.objective)
    if not np.isfinite(best.objective) or keep_x.mean() > MAX_FILTERED_SHARE:
        return False
    if first.status is MipStatus.OPTIMAL and not (keep_x & ~support).any():
        sol = first  # it already covered every option that can beat the incumbent
    else:
        sol = _mip_over(problem, full, model, keep_x, best, relative_gap * MIP_GAP_SHARE,
                        deadline)
    window.proven = min(_mip_bound(sol, value), dropped)
    return True


def value_of(window: WindowState) -> float:
    return window.lagrange if window.lagrange is not None else 0.0


def _mip_over(problem: LocationProblem, full: MipModel, model: MipModel, keep_x: np.ndarray,
              best: Incumbent, gap: float, deadline: float, node_limit: int | None = None,
              only_window_counts: bool = False) -> MipSolution:
    """Solve the window model (of `full`) over the options in `keep_x` to `gap`; offer its
    design to `best`. `only_window_counts`: leave the count variables outside the window out
    of the model."""
    cand = _window_counts(model) if only_window_counts else np.ones(len(model.var_lb), bool)
    cand[model.x] = keep_x
    sub, cols, _ = restrict(model, cand)
    hint = None if best.values is None else _hint_for(best.values, cols, sub)
    sol = solve_model(sub, deadline - time.perf_counter(), gap, hint=hint, node_limit=node_limit)
    if sol.values is not None:
        values = np.zeros(len(model.var_lb))
        values[cols] = sol.values
        offer(problem, full, best, values)
    if node_limit is None:  # a node-limited support MIP is only a source of incumbents
        best.hit_limit |= sol.status in (MipStatus.FEASIBLE, MipStatus.NO_SOLUTION)
    return sol


FIXED_SITES_NODES = 200  # the fixed-sites MIP is only a source of an incumbent


def fixed_sites_design(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                       best: Incumbent, gap: float, deadline: float) -> None:
    """Offer `best` the cheapest assignment to the sites `is_open` that meets every row of
    `full` (carrier shares, every share target, capacity): a MIP over those sites' options with
    the sites fixed, node-limited (a start, not a proof).

    Why: the heuristic prices one share target and nothing else, so with a carrier share
    (UPS at least 30%) the search had no incumbent until a window MIP, after two full LPs (14 s).
    The heuristic's sites for the problem without the carrier row, assigned again here, cost
    $997.19M against the optimum $997.02M (1.8e-4 above). Where its design overloads a site
    (12M orders of capacity per site) the same MIP with the capacity rows gives the design the
    proof then accepts, at 2.3 s instead of after the 11 s LP."""
    n = int(is_open.sum())
    model = with_count_window(full, n, n)
    lb, ub = model.var_lb.copy(), model.var_ub.copy()
    lb[model.y] = ub[model.y] = is_open.astype(float)
    opt = problem.options
    keep_x = (opt.site == NO_SITE) | is_open[np.maximum(opt.site, 0)]
    _mip_over(problem, full, replace(model, var_lb=lb, var_ub=ub), keep_x, best, gap, deadline,
              node_limit=FIXED_SITES_NODES, only_window_counts=True)


def _window_counts(model: MipModel) -> np.ndarray:
    """Every column but the count variables outside the window. The fixed-sites MIP leaves
    those out rather than only fixing them at 0: HiGHS runs without presolve here and keeps
    them (the UPS case: 13.5 s with all 58 counts, 2.1 s with one). Not the window MIPs: the
    same change made the 12M-capacity count-7 MIP 4.0 -> 13 s (and UPS's 5.9 -> 4.0 s)."""
    keep = np.ones(len(model.var_lb), bool)
    keep[model.u] = model.var_ub[model.u] > 0
    return keep


def _lp_support(problem: LocationProblem, model: MipModel, window: WindowState) -> np.ndarray:
    """y, u, cross-border, every option the LP uses and every option whose reduced cost is
    near zero: where a near-optimal design is found fast."""
    keep = np.zeros(len(model.var_lb), bool)
    keep[model.y] = True
    keep[model.u] = True
    x = problem.options.site == NO_SITE
    if window.lp_values is not None:
        x = x | (window.lp_values[model.x] > 1e-6)
    if window.reduced is not None:
        x = x | (window.reduced[model.x] <= NEAR_ZERO_REDUCED_COST * abs(window.bound))
    keep[model.x] = x
    return keep


def _candidates(model: MipModel, window: WindowState, keep: np.ndarray, incumbent: float
                ) -> np.ndarray:
    if not np.isfinite(incumbent) or window.reduced is None:
        return keep.copy()
    can_help = window.bound + np.maximum(window.reduced, 0.0) <= incumbent * (1 + 1e-9)
    cand = keep | can_help
    cand[model.y] = True
    cand[model.u] = True
    return cand


def _dropped_bound(model: MipModel, window: WindowState, cand: np.ndarray) -> float:
    dropped = ~cand
    if window.reduced is None or not dropped.any():
        return np.inf
    return window.bound + float(np.maximum(window.reduced[dropped], 0.0).min())


def _hint_for(values: np.ndarray, cols: np.ndarray, sub: MipModel) -> np.ndarray | None:
    hint = values[cols]
    if np.any(hint < sub.var_lb - 1e-9) or np.any(hint > sub.var_ub + 1e-9):
        return None  # the incumbent lies outside this window
    return hint


def convex_estimate(windows: list[WindowState], problem: LocationProblem, i: int) -> float:
    """A lower bound on one-count window i's LP value from two other one-count windows on one
    side of it; -inf when not enough is known.

    The LP value less inventory, v(n), is convex in the count n (an LP's value as a function of
    a right-hand side), so for counts m_far, m_near, n in that order on the line,
        v(n) >= v(near) + (n - m_near) (v(near) - v(far)) / (m_near - m_far).
    The factor of v(near) is positive and that of v(far) negative, so the line stays below
    v(n) with a lower bound for the near value (a window's `bound`) and an upper bound for the
    far one (`lp_upper`): a lower bound there (a Lagrangian one, after settle_by_nearest)
    would tilt the line up past v(n). And the counts whose LP is feasible form an interval:
    an infeasible LP between a feasible count and this one makes this one infeasible (inf)."""
    inv = problem.inventory_usd_by_count
    n = windows[i].lo
    single = [w for k, w in enumerate(windows) if k != i and w.lo == w.hi]
    feasible = [w.lo for w in single if w.bound is not None and np.isfinite(w.bound)]
    infeasible = [w.lo for w in single if w.lp is LpOutcome.INFEASIBLE]
    if any(f < m < n or n < m < f for m in infeasible for f in feasible):
        return np.inf
    best = -np.inf
    for side in ([w for w in single if w.lo < n], [w for w in single if w.lo > n]):
        side.sort(key=lambda w: abs(w.lo - n))
        near = next((w for w in side if w.bound is not None and np.isfinite(w.bound)), None)
        far = None if near is None else next(
            (w for w in side if abs(w.lo - n) > abs(near.lo - n) and w.lp_upper is not None), None)
        if far is None:
            continue
        v_near, v_far = near.bound - inv[near.lo], far.lp_upper - inv[far.lo]
        best = max(best, v_near + (n - near.lo) * (v_near - v_far) / (near.lo - far.lo))
    return best + inv[n]


def tangent_estimate(windows: list[WindowState], full: MipModel, i: int) -> float:
    """A lower bound on window i from the row prices of every computed window (the prices of
    one count are a valid Lagrangian multiplier for any other)."""
    inside = (full.count_values >= windows[i].lo) & (full.count_values <= windows[i].hi)
    bounds = [base + np.minimum(u_reduced[inside], 0.0).sum() if inside.sum() == 1
              else base + np.minimum(u_reduced[inside], 0.0).min()
              for base, u_reduced in (w.tangent for w in windows if w.tangent is not None)]
    return max(bounds, default=-np.inf)


def plain_estimate(problem: LocationProblem, n: int) -> float:
    """n sites cost at least the forced-open fixed costs, the cheapest others, the inventory
    and every point at its cheapest option."""
    fixed = problem.fixed_cost_usd_per_year
    forced = fixed[problem.forced_open].sum()
    free = np.sort(fixed[~problem.forced_open & ~problem.forced_closed])
    extra = n - int(problem.forced_open.sum())
    if extra < 0 or extra > len(free):
        return np.inf
    return float(forced + free[:extra].sum() + problem.inventory_usd_by_count[n]
                 + problem.cheapest_assignment_usd)


def guess_count(problem: LocationProblem, lo: int, hi: int) -> int:
    """A likely number of open sites: greedy adding, each design priced with every point at its
    cheapest open option and the first share target met by the cheapest upgrades (fractional).
    Only a starting point for the search; nothing relies on it being right."""
    cheap, fast, cb_cheap, cb_fast, target = _point_site_costs(problem)
    is_open = problem.forced_open.copy()
    allowed = ~problem.forced_open & ~problem.forced_closed
    best_n, best_cost = lo, np.inf
    while int(is_open.sum()) < hi and allowed.any():
        trials = [(_greedy_cost(problem, is_open | (np.arange(len(is_open)) == s), cheap, fast,
                                cb_cheap, cb_fast, target), s) for s in np.nonzero(allowed)[0]]
        cost, s = min(trials)
        is_open[s], allowed[s] = True, False
        if int(is_open.sum()) >= lo and cost < best_cost:
            best_n, best_cost = int(is_open.sum()), cost
        elif int(is_open.sum()) > best_n + 3:
            break
    return best_n


def _point_site_costs(problem: LocationProblem):
    opt = problem.options
    cost = problem.orders_per_year[opt.point] * opt.cost_usd_per_order
    at_site = opt.site != NO_SITE
    target = problem.share_requirements[0] if problem.share_requirements else None
    is_fast = (opt.days <= target.within_days) if target else np.ones(len(opt), bool)
    shape = (problem.n_points, problem.n_sites)
    cheap, fast = np.full(shape, np.inf), np.full(shape, np.inf)
    np.minimum.at(cheap, (opt.point[at_site], opt.site[at_site]), cost[at_site])
    f = at_site & is_fast
    np.minimum.at(fast, (opt.point[f], opt.site[f]), cost[f])
    cb_cheap, cb_fast = np.full(shape[0], np.inf), np.full(shape[0], np.inf)
    np.minimum.at(cb_cheap, opt.point[~at_site], cost[~at_site])
    g = ~at_site & is_fast
    np.minimum.at(cb_fast, opt.point[g], cost[g])
    return cheap, fast, cb_cheap, cb_fast, target


def _greedy_cost(problem, is_open, cheap, fast, cb_cheap, cb_fast, target) -> float:
    a = np.minimum(cheap[:, is_open].min(axis=1, initial=np.inf), cb_cheap)
    f = np.minimum(fast[:, is_open].min(axis=1, initial=np.inf), cb_fast)
    total = a.sum()
    if target is not None:
        w = problem.orders_per_year / problem.orders_per_year.sum()
        missing = target.share - w[f <= a].sum()
        if missing > 0:
            ratio = np.where(f > a, (f - a) / w, np.inf)
            order = np.argsort(ratio)
            covered = np.cumsum(w[order])
            take = np.searchsorted(covered, missing - 1e-12) + 1
            total += (f - a)[order[:take]].sum()
    if not np.isfinite(total):
        return np.inf
    n = int(is_open.sum())
    return float(total + problem.fixed_cost_usd_per_year[is_open].sum()
                 + problem.inventory_usd_by_count[n])
