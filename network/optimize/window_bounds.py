"""What the search knows about each count window, and the bounds it gets without a MIP.

The search (count_search.py) splits the numbers of open sites into windows: one window [lo, hi]
when inventory is affine in the count (OR-Library: no inventory), else one window per count,
each with a constant inventory cost. Why per count: with n fixed the LP relaxation is almost
exact on our scenarios, while the square-root inventory term makes the LP over a range of
counts weak (it mixes few and many sites).

A window's bound comes from, cheapest first:
- estimates without solving anything: `plain_estimate` (the n cheapest fixed costs, inventory,
  every point at its cheapest option), `tangent_estimate` (the row prices of any solved window
  priced at this count: a Lagrangian bound), `convex_estimate` (the LP value is convex in n);
- the window's LP over each point's NEAREST_SITES cheapest sites, whose row prices, lifted by
  subgradient steps (lagrange.py), bound the whole window (`nearest_sites_lp`); the same LP
  over every count at once gives every window's starting prices (`nearest_sites_prices`);
- the window's full LP (`bound_window`): its Lagrangian bound, reduced costs for filtering
  (window_mip.py), and its objective, an upper bound on the LP value.
Every bound here is a valid lower bound on every design in the window (docs/optimizer.md);
an LP that ends without prices for a reason other than infeasibility proves nothing.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field

import numpy as np

from network.optimize.capacity_prices import ascend_priced, capacity_mask, capacity_multipliers
from network.optimize.lagrange import Evaluated, LagrangeData, initial_prices
from network.optimize.mathopt_backend import AT_LOWER, BASIC, LpBasis, solve_lp
from network.optimize.model import (
    MipModel,
    lagrangian_bound,
    loosened,
    restrict,
    slack_cost,
    with_count_window,
)
from network.optimize.problem import NO_SITE, LocationProblem


class LpOutcome(enum.Enum):
    """How a window's LP over every option ended."""

    SOLVED = "solved"  # prices, bound and reduced costs stored
    INFEASIBLE = "infeasible"  # proven, over the rows loosened by their slack (bound_window):
    # no design incumbent.offer accepts has a count in this window
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
    capacity_prices: np.ndarray | None = field(default=None, repr=False)  # m [s] with
    # `prices`, when the model has capacity rows (capacity_prices.py); None: not priced
    sets_tried: bool = False  # open sets enumerated (site_sets.py) without finishing
    set_search: object | None = field(default=None, repr=False)  # a paused enumeration
    # (site_sets.SetSearch), resumed when the window is next taken; its `low` bounds it
    basis: LpBasis | None = field(default=None, repr=False)  # of the window's LP
    nearest_tried: bool = False  # nearest_sites_lp ran
    radius_tried: bool = False  # an ascent from radius_prices' prices ran (count_search.py)
    plain: float | None = None  # plain_estimate of a one-count window, once computed
    nearest: tuple[np.ndarray, LpBasis | None, float] | None = field(default=None, repr=False)
    # (row prices of the full model, a basis, the small LP's objective)
    nearest_cols: np.ndarray | None = field(default=None, repr=False)  # the columns (a mask
    # over the model's variables) of the LP in `nearest`; grow_nearest adds to them
    kept: float = -np.inf  # a lower bound on the window's designs carried from the last
    # search of a problem whose designs include them (count_search.solve_problem's
    # `kept_bounds`), used as an estimate is


def windows_of(problem: LocationProblem, lo: int, hi: int) -> list[WindowState]:
    """One window over [lo, hi] when inventory is affine in the count there, else one per
    count."""
    inv = problem.inventory_usd_by_count[lo:hi + 1]
    affine = len(inv) <= 2 or np.allclose(np.diff(inv, 2), 0.0, atol=1e-9 * max(1.0, inv.max()))
    if affine:
        return [WindowState(lo, hi)]
    return [WindowState(n, n) for n in range(lo, hi + 1)]


def bound_window(full: MipModel, window: WindowState, deadline: float,
                 start: LpBasis | None = None, dual_simplex: bool = False) -> None:
    """The window's LP bound over every option, with its row prices and reduced costs;
    `start` is the basis of a related LP, `dual_simplex` for one that differs from it in
    bounds and right-hand sides only (solve_lp).

    LpOutcome.INFEASIBLE is taken as "no design in this window", which the rows as built do
    not prove: a design may miss a share row by SHARE_SLACK and be accepted (docs/optimizer.md,
    "The rows a design must meet"). So an LP infeasible over them is solved again over the
    rows loosened by their slack (model.loosened), from the same start (only right-hand sides
    differ), and only that one's infeasibility counts; when it solves, the window keeps its
    prices (their Lagrangian bound over `model` is the same function: model.lagrangian_bound
    prices the loosened sides). Why not the loosened LP always: the same LPs as before wherever
    the rows as built are feasible (next_day_80's tree took 14 node LPs after closing SAV over
    the loosened rows, 12 over the built ones)."""
    model = with_count_window(full, window.lo, window.hi)
    lp = solve_lp(model, deadline - time.perf_counter(), start, dual_simplex)
    if lp.duals is None and lp.infeasible:
        lp = solve_lp(loosened(model), deadline - time.perf_counter(), start, dual_simplex)
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


NEAREST_SITES = 20  # the nearest-sites LP keeps each point's 20 cheapest sites


def nearest_sites_lp(problem: LocationProblem, full: MipModel, window: WindowState,
                     data: LagrangeData, target: float, deadline: float,
                     sites: np.ndarray | None = None) -> float:
    """A bound on a one-count window without its full LP: the LP over each point's
    NEAREST_SITES cheapest sites (and cross-border, and its OPEN_NEAREST cheapest of `sites`,
    the incumbent's open sites), whose row prices, lifted by subgradient steps (lagrange.py), bound
    the whole window. Returns that bound (-inf if the small LP fails); the window keeps the
    small LP's values (for rounding) and the prices.

    Why: any row prices give a valid Lagrangian bound, and the small LP is a fraction of the
    full one's time while its lifted prices usually come within the requested gap of the full
    LP's bound (BENCHMARKS.md). When they fall short, the caller grows it (grow_nearest) or
    solves the full LP. Why `sites`: the incumbent's design is then mostly a solution of the
    small LP, which so is feasible; with 150 candidates a point's 20 cheapest sites lie close
    together, and the LP without them was infeasible at the optimum's count (sites_150: the
    full LP cold instead, most of its 22 s)."""
    window.nearest_tried = True
    model = with_count_window(full, window.lo, window.hi)
    solved = NearestSolution.of(*_nearest_lp(problem, model, deadline, sites), model)
    if solved is None:
        return -np.inf
    keep_nearest(window, solved)
    lam, sigma = initial_prices(model, solved.duals)
    return lagrange_ascent(problem, model, data, window, lam, sigma, target, solved.duals)


@dataclass(frozen=True)
class NearestSolution:
    """A nearest-sites LP's solution in the terms of the model it restricts: row prices (0 on
    the rows left out), values (0 on the options left out), a basis, its objective."""

    duals: np.ndarray
    values: np.ndarray
    basis: LpBasis | None
    objective: float
    columns: np.ndarray | None = None  # mask over the model's variables: the LP's columns

    @staticmethod
    def of(lp, cols: np.ndarray, rows: np.ndarray, model: MipModel) -> NearestSolution | None:
        if lp.duals is None:
            return None
        duals = np.zeros(len(model.row_lb))
        duals[rows] = lp.duals
        values = np.zeros(len(model.var_lb))
        values[cols] = lp.values
        columns = np.zeros(len(model.var_lb), bool)
        columns[cols] = True
        return NearestSolution(duals, values, _full_basis(lp.basis, cols, rows, model),
                               lp.objective, columns)


def keep_nearest(window: WindowState, solved: NearestSolution) -> None:
    """The window keeps a nearest-sites LP of its count (for rounding, lp_by_nearest, and the
    basis its full LP starts from); it is not solved again."""
    window.nearest_tried = True
    window.lp_values = solved.values
    window.nearest = (solved.duals, solved.basis, solved.objective)
    window.nearest_cols = solved.columns


def lagrange_ascent(problem: LocationProblem, model: MipModel, data: LagrangeData,
                    window: WindowState, lam: np.ndarray, sigma: np.ndarray, target: float,
                    duals: np.ndarray | None = None, joint: bool = False,
                    first: Evaluated | None = None) -> float:
    """One subgradient ascent of the window's count from (lam, sigma) towards `target`; the
    window keeps the best bound and its prices. Returns this ascent's bound. Without capacity
    rows the share rows' prices come from 1-D searches (share_prices.ascend), or, with
    `joint`, from steps on every price together, each scaled to its size
    (share_prices.ascend_joint: where the searches stalled).

    With capacity rows in the model they are priced too (capacity_prices.py), from the
    capacity rows' prices in `duals` (row prices of `model`); then the bound holds where the
    sites fill up, which the bound without them (capacity dropped) cannot see. `first`, L_n
    and its subgradient at (lam, sigma) when the caller has them, saves the 1-D searches'
    ascent evaluating them again (not the joint or the capacity-priced ascent)."""
    sites = capacity_mask(problem, model)
    if sites.any():
        m = capacity_multipliers(problem, model, duals)
        value, lam, sigma, m = ascend_priced(problem, data, window.lo, lam, sigma, m, sites,
                                             target)
    else:  # share rows' prices by their 1-D searches (share_prices imports this module)
        from network.optimize import share_prices

        if joint:
            value, lam, sigma = share_prices.ascend_joint(problem, data, window.lo, lam, sigma,
                                                          target)
        else:
            value, lam, sigma = share_prices.ascend(problem, data, window.lo, lam, sigma,
                                                    target, first)
        m = None
    if window.lagrange is None or value > window.lagrange:
        window.lagrange, window.prices, window.capacity_prices = value, (lam, sigma), m
    return value


def nearest_sites_prices(problem: LocationProblem, full: MipModel, deadline: float,
                         keep: list[NearestSolution] | None = None,
                         sites: np.ndarray | None = None) -> np.ndarray | None:
    """Row prices (of `full`) from the nearest-sites LP over the counts `full` allows, or None
    if that LP fails: a start for every window's subgradient ascent. `keep`, when given,
    receives the whole solution (for the window of its count, when `full` allows one count:
    keep_nearest); `sites` (a guessed design's open sites) as in nearest_sites_lp.

    Why: this LP runs beside the heuristic, and the ascents from its prices, one per count, are
    about as strong as from each count's own LP."""
    solved = NearestSolution.of(*_nearest_lp(problem, full, deadline, sites), full)
    if solved is None:
        return None
    if keep is not None:
        keep.append(solved)
    return solved.duals


def _nearest_lp(problem: LocationProblem, model: MipModel, deadline: float,
                sites: np.ndarray | None = None):
    """The LP of `model` over each point's NEAREST_SITES cheapest sites (and cross-border,
    and `sites` for every point): (LpSolution, its columns and rows in `model`)."""
    sub, cols, rows = restrict(model, nearest_columns(problem, model, sites))
    return solve_lp(sub, deadline - time.perf_counter()), cols, rows


def nearest_columns(problem: LocationProblem, model: MipModel,
                    sites: np.ndarray | None = None) -> np.ndarray:
    """The columns of the nearest-sites LP: every y and u, and the options at each point's
    NEAREST_SITES cheapest sites and cross-border, and at its OPEN_NEAREST cheapest sites of
    the mask `sites`."""
    cand = np.ones(len(model.var_lb), bool)
    cand[model.x] = _nearest_options(problem, NEAREST_SITES, sites)
    return cand


def _near(bound: float, target: float) -> bool:
    """Within LIFT_WITHIN of the target: close enough for an ascent to be worth its time."""
    return target - bound <= LIFT_WITHIN * abs(target)


LIFT_WITHIN = 1e-2  # grow_nearest lifts an LP's prices by an ascent once this close
GROW_ROUNDS = 16  # column generation rounds of grow_nearest at most
GROW_LIMIT = 0.6  # ... and while its LP keeps at most this share of the model's columns


def grow_nearest(problem: LocationProblem, full: MipModel, window: WindowState, target: float,
                 deadline: float, data: LagrangeData | None = None) -> None:
    """Column generation on the window's nearest-sites LP: add every (point, site) pair with
    an option priced below zero by the LP's row prices, solve again from its basis (GLOP,
    primal simplex: the added columns start at 0 and the added link rows with their slack
    basic, so the basis stays primal feasible), until its prices price every option up to its
    objective (then lp_by_nearest takes it as the window's LP), or their Lagrangian bound
    reaches `target` (the incumbent less the gap: settle_by_nearest proves the window), or
    GROW_ROUNDS, GROW_LIMIT or the deadline stops it; the window keeps the last LP. With
    `data`, an LP whose bound comes within LIFT_WITHIN of the target has its prices lifted by
    an ascent (lagrange_ascent: the window keeps the best), which stops it once at the target.

    Why: when the small LP's lifted prices fall short, its full LP (every option of every
    site) was the slowest step of a cold solve (sites_150: 261k columns, 22 s). The pairs
    priced below zero are the only ones whose columns can enter the basis; the LP over the
    small set plus those stays a fraction of the full LP and converges in a few rounds. Why
    the ascent: the small LP often has the full LP's optimal primal from the first round on
    (its objective does not move) while its prices are another, degenerate, optimum's, and
    the later rounds add a few dozen pairs each for a small rise (sites_150 after closing X47:
    16 rounds at the cap; with the ascent, 5).
    Valid whatever it stops on: the bound kept is the Lagrangian bound of the prices over
    every option (model.lagrangian_bound) and the objective, of an LP over fewer options, an
    upper bound on the window's LP value, as for the small LP (docs/optimizer.md)."""
    if window.nearest is None or window.nearest_cols is None or window.lp is not None:
        return
    model = with_count_window(full, window.lo, window.hi)
    opt = problem.options
    pair = np.where(opt.site != NO_SITE, opt.point * problem.n_sites + opt.site, -1)
    keep = window.nearest_cols.copy()
    for _ in range(GROW_ROUNDS):
        duals, basis, objective = window.nearest
        bound, reduced = lagrangian_bound(model, duals)
        if (bound >= target or _is_lp_optimum(model, duals, bound, objective) or basis is None
                or time.perf_counter() >= deadline):
            return
        below = (reduced[model.x] < 0) & ~keep[model.x]
        if not below.any():
            return
        keep[model.x] |= np.isin(pair, pair[below])
        if keep.sum() > GROW_LIMIT * len(keep):
            return  # as big as the full LP, nearly: that one is solved instead
        sub, cols, rows = restrict(model, keep)
        start = LpBasis(basis.variable_status[cols], basis.row_status[rows])
        solved = NearestSolution.of(solve_lp(sub, deadline - time.perf_counter(), start), cols,
                                    rows, model)
        if solved is None:
            return
        keep_nearest(window, solved)
        if data is not None and _near(lagrangian_bound(model, solved.duals)[0], target):
            lam, sigma = initial_prices(model, solved.duals)
            if lagrange_ascent(problem, model, data, window, lam, sigma, target,
                               solved.duals) >= target:
                return


def settle_by_nearest(full: MipModel, window: WindowState) -> None:
    """Close a window that nearest_sites_lp proved: keep its prices and basis (valid for the
    full model, so they price other counts and start a warm re-solve's LP) as the window's."""
    model = with_count_window(full, window.lo, window.hi)
    duals, basis, objective = window.nearest
    _keep_lp(window, model, duals, window.lp_values, basis, objective)
    window.proven = max(window.bound, -np.inf if window.lagrange is None else window.lagrange)


EXACT_NEAREST = 1e-7  # relative: a nearest-sites LP whose prices bound the whole window this
# close to its own objective is taken as the window's LP


def lp_by_nearest(full: MipModel, window: WindowState) -> bool:
    """Take the nearest-sites LP (nearest_sites_lp) as the window's full LP when its row prices,
    priced over every option of the window, give a bound that reaches its own objective; True
    when taken (the window's LP is then SOLVED, with those prices, values and basis).

    Why valid: the small LP's objective is an upper bound on the window's LP value (its
    solution, the options left out at 0, is a solution of the full LP), and the Lagrangian
    bound of its prices (model.lagrangian_bound, every option priced) a lower bound; when the
    two meet, its prices and values are the full LP's optimum (up to EXACT_NEAREST), so the
    full LP would return the same. The bound kept is the Lagrangian one whatever the tolerance,
    so the window's bound holds either way; only the reduced costs' use as the LP's (the
    window MIP's filter) rests on the tolerance. On next_day_80 at 7 sites the two agree to
    1e-15 and the full LP took as long again (BENCHMARKS.md)."""
    if window.nearest is None or window.lp is not None:
        return False
    model = with_count_window(full, window.lo, window.hi)
    duals, basis, objective = window.nearest
    bound, _ = lagrangian_bound(model, duals)
    if not _is_lp_optimum(model, duals, bound, objective):
        return False
    window.lp = LpOutcome.SOLVED
    _keep_lp(window, model, duals, window.lp_values, basis, objective)
    return True


def _is_lp_optimum(model: MipModel, duals: np.ndarray, bound: float, objective: float) -> bool:
    """The prices' Lagrangian bound over every option, `bound`, meets `objective` (that of an
    LP over fewer options) within EXACT_NEAREST: those prices and values are the window's LP
    optimum. The bound is for the rows loosened by their slack (model.lagrangian_bound), the
    LP's objective for the rows as built, so the slack's cost is added back to compare them."""
    return bound + slack_cost(model, duals) >= objective - EXACT_NEAREST * abs(objective)


OPEN_NEAREST = 2  # ... and each point's 2 cheapest sites of a given design


def _nearest_options(problem: LocationProblem, k: int, sites: np.ndarray | None = None
                     ) -> np.ndarray:
    """Cross-border options and the options at each point's k cheapest sites, and at its
    OPEN_NEAREST cheapest sites of the mask `sites` (where a design serves it from, mostly:
    with 150 candidates its k cheapest can all lie far from a 4-site design's sites)."""
    opt = problem.options
    at_site = opt.site != NO_SITE
    cheap = np.full((problem.n_points, problem.n_sites), np.inf)
    np.minimum.at(cheap, (opt.point[at_site], opt.site[at_site]), opt.cost_usd_per_order[at_site])
    rank = np.argsort(np.argsort(cheap, axis=1, kind="stable"), axis=1, kind="stable")
    site = np.maximum(opt.site, 0)
    keep = ~at_site | (rank[opt.point, site] < k)
    if sites is not None and sites.any():
        mine = np.where(sites[None, :], cheap, np.inf)
        rank = np.argsort(np.argsort(mine, axis=1, kind="stable"), axis=1, kind="stable")
        keep |= at_site & sites[site] & (rank[opt.point, site] < OPEN_NEAREST)
    return keep


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



def convex_estimate(windows: list[WindowState], problem: LocationProblem, i: int) -> float:
    """A lower bound on one-count window i's LP value from two other one-count windows on one
    side of it; -inf when not enough is known.

    The LP value less inventory, v(n), is convex in the count n (an LP's value as a function of
    a right-hand side); v is the LP over the rows loosened by their slack, which a window's
    `bound` bounds from below (model.lagrangian_bound) and its `lp_upper` from above (the
    objective of that LP, or of one over fewer options or the rows as built). So for counts
    m_far, m_near, n in that order on the line,
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
    if not feasible:  # no near point on either side (the search asks this of every window at
        return -np.inf  # every step: sorting for nothing was a third of a warm draw's time)
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
