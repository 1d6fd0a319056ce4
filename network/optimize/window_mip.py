"""A count window's MIP, kept small by reduced-cost filtering.

A design in window w that uses option p costs at least B_w + r_p, where B_w is a valid bound
on the window (its LP's Lagrangian bound, or a subgradient bound) and r_p the option's reduced
cost at the same prices. So the window's MIP need only keep the options with
B_w + r_p <= incumbent; its proven bound is min(the MIP's bound, B_w + the least r_p left out).
That is reduced-cost fixing (Crowder, Johnson and Padberg 1983; docs/optimizer.md).

- `solve_window`: from the window's LP: first a MIP over the LP's own options (a near-optimal
  design fast when the LP is tight), then over every option that can still beat the incumbent;
  the window whole when its LP is far from that design or gave no prices.
- `solve_window_by_prices`: the same filter from a window's Lagrangian prices, without an LP.
- `fixed_sites_design`: a cheap assignment to a given set of sites under every row (a first
  incumbent where the heuristic ignores carrier shares or capacity): its LP rounded, else a
  node-limited MIP.
Every design a MIP returns goes through incumbent.offer before the search uses it. Every MIP
here solves the model with its rows loosened by their slack (model.loosened: the designs
offer accepts), so that its bound holds for every design the search may return.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import replace

import numpy as np

from network.optimize import exact_fill
from network.optimize.capacity_prices import priced
from network.optimize.carrier_repair import SiteLoads, repair, site_room
from network.optimize.incumbent import (
    Incumbent,
    design_vector,
    meets_rows,
    offer,
    read_design,
)
from network.optimize.lagrange import LagrangeData, coupling_rows, filter_options
from network.optimize.mathopt_backend import (
    LpSolution,
    MipSolution,
    MipStatus,
    solve_lp,
    solve_model,
)
from network.optimize.model import (
    MipModel,
    array_digest,
    lagrangian_bound,
    loosened,
    restrict,
    with_count_window,
)
from network.optimize.problem import (
    NO_SITE,
    ROW_TOLERANCE,
    SHARE_SLACK,
    LocationProblem,
    site_loads,
)
from network.optimize.window_bounds import LpOutcome, WindowState

NEAR_ZERO_REDUCED_COST = 1e-6  # relative: options this close to the LP join the first MIP
SUPPORT_GAP = 1e-6  # the first, small MIP of a window: a close incumbent keeps the filter tight
MIP_GAP_SHARE = 0.5  # window MIPs stop at this share of the requested gap: a closer incumbent
# makes the reduced-cost filter much tighter, and the filtered MIPs are small


def solve_window(problem: LocationProblem, full: MipModel, window: WindowState,
                 best: Incumbent, relative_gap: float, deadline: float, known_low: float
                 ) -> None:
    """The window's MIP: first over the LP's own options (a near-optimal design fast when the
    LP is tight), then over every option that can still beat the incumbent. When the LP is
    far from that design (WEAK_LP_GAP) the filter would keep nearly everything, so
    the window is solved whole; so it is when its LP gave no prices (LpOutcome.UNKNOWN).
    `known_low` is a valid bound on the window already known, kept when the MIP gives none."""
    model = with_count_window(full, window.lo, window.hi)
    if window.lp is not LpOutcome.SOLVED:
        sol = _mip_over(problem, full, model, np.ones(model.n_options, bool), best,
                        relative_gap * MIP_GAP_SHARE, deadline)
        window.proven = mip_window_bound(sol, known_low)
        return
    keep = _lp_support(problem, model, window)
    cand, first, weak = keep.copy(), True, False
    while True:
        sub, cols, _ = restrict(model, cand)
        hint = None if best.values is None else _hint_for(best.values, cols, sub)
        left = deadline - time.perf_counter()
        if first:
            sol = solve_model(loosened(sub), left, SUPPORT_GAP, hint=hint,
                              node_limit=SUPPORT_NODES)
        else:
            sol = solve_model(loosened(sub), left, relative_gap * MIP_GAP_SHARE, hint=hint)
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
    window.proven = mip_window_bound(sol, window.bound, _dropped_bound(model, window, cand))


def mip_window_bound(sol: MipSolution, known: float, dropped: float = np.inf) -> float:
    """What a window proves after its MIP over some options: the better of the MIP's bound
    (inf when infeasible over those options) and `known`, a bound on every design of the window
    found before (its LP's or a Lagrangian one), and at most `dropped`, the bound on designs
    using an option left out. Both are valid, so their maximum is: a MIP stopped by the time
    limit reports a dual bound that may lie far below its root LP, and must not undo it."""
    if sol.status is MipStatus.INFEASIBLE:
        mip = np.inf
    else:
        mip = sol.best_bound if sol.best_bound is not None else -np.inf
    return min(max(mip, known), dropped)


SUPPORT_NODES = 50  # the first MIP of a window stops after this many nodes: a node limit, not a
# time limit, so the design found does not depend on how busy the machine is
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
    if window.capacity_prices is not None:  # the filter of the priced bound (capacity_prices)
        at_prices, data = priced(problem, data, window.capacity_prices)
    else:
        at_prices = problem
    _, hopeful, _ = filter_options(at_prices, data, window.lo, lam, sigma,
                                   value_of(window) * (1 + relative_gap))
    if hopeful.mean() > MAX_FILTERED_SHARE:
        return False  # even a design within the gap of these prices' bound would keep too many
    model = with_count_window(full, window.lo, window.hi)
    value, near, _ = filter_options(at_prices, data, window.lo, lam, sigma,
                                    window.lagrange + NEAR_ZERO_REDUCED_COST * abs(value_of(
                                        window)))
    support = near | (problem.options.site == NO_SITE)
    first = _mip_over(problem, full, model, support, best, SUPPORT_GAP, deadline, SUPPORT_NODES)
    value, keep_x, dropped = filter_options(at_prices, data, window.lo, lam, sigma, best.objective)
    if not np.isfinite(best.objective) or keep_x.mean() > MAX_FILTERED_SHARE:
        return False
    if first.status is MipStatus.OPTIMAL and not (keep_x & ~support).any():
        sol = first  # it already covered every option that can beat the incumbent
    else:
        sol = _mip_over(problem, full, model, keep_x, best, relative_gap * MIP_GAP_SHARE,
                        deadline)
    window.proven = mip_window_bound(sol, value, dropped)
    return True


def value_of(window: WindowState) -> float:
    return window.lagrange if window.lagrange is not None else 0.0


def _mip_over(problem: LocationProblem, full: MipModel, model: MipModel, keep_x: np.ndarray,
              best: Incumbent, gap: float, deadline: float, node_limit: int | None = None,
              only_window_counts: bool = False, for_bound: bool = True) -> MipSolution:
    """Solve the window model (of `full`) over the options in `keep_x` to `gap`; offer its
    design to `best`. `only_window_counts`: leave the count variables outside the window out
    of the model. `for_bound`: its bound may be used, so it solves the loosened rows
    (model.loosened); a MIP that is only a source of designs solves the rows as built (over
    the loosened ones next_day_80's warm edits took 11% more CPU, its assignment MIPs
    exploring designs within the tolerance)."""
    cand = _window_counts(model) if only_window_counts else np.ones(len(model.var_lb), bool)
    cand[model.x] = keep_x
    sub, cols, _ = restrict(model, cand)
    hint = None if best.values is None else _hint_for(best.values, cols, sub)
    sol = solve_model(loosened(sub) if for_bound else sub, deadline - time.perf_counter(), gap,
                      hint=hint, node_limit=node_limit)
    if sol.values is not None:
        values = np.zeros(len(model.var_lb))
        values[cols] = sol.values
        offer(problem, full, best, values)
    if node_limit is None:  # a node-limited support MIP is only a source of incumbents
        best.hit_limit |= sol.status in (MipStatus.FEASIBLE, MipStatus.NO_SOLUTION)
    return sol


FIXED_SITES_NODES = 200  # the fixed-sites MIP is only a source of an incumbent
ROUNDING_GAP = 0.01  # a rounded fixed-sites LP design this close to its LP is a good enough
# first incumbent: the window searches improve it, and the MIP could take seconds more


def fixed_sites_design(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                       best: Incumbent, gap: float, deadline: float) -> None:
    """Offer `best` the cheapest assignment to the sites `is_open` that meets every row of
    `full` (carrier shares, every share target, capacity): the LP over those sites' options,
    rounded (_rounded_lp_design), or where that is not within ROUNDING_GAP of it, with capacity
    rows, the greedy fill (_filled_design), else a MIP with the sites fixed, node-limited (a
    start, not a proof).

    Why: the heuristic prices one share target and nothing else, so with a carrier share or a
    binding capacity the search would have no incumbent until a window's MIP; its sites,
    assigned again under every row, are usually close to the optimum (BENCHMARKS.md)."""
    fixed, keep_x = _fixed_sites(problem, full, is_open)
    if _rounded_lp_design(problem, full, fixed, keep_x, best, deadline):
        return
    if full.capacity_sites and _filled_design(problem, full, is_open, best):
        return  # a design under every row: the node-limited MIP would only polish it
    if full.capacity_sites and _exactly_filled(problem, full, fixed, keep_x, best, deadline):
        return  # as above: exact_fill's design meets every row
    _mip_over(problem, full, fixed, keep_x, best, gap, deadline,
              node_limit=FIXED_SITES_NODES, only_window_counts=True, for_bound=False)


def rounded_fixed_sites_design(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                               best: Incumbent, deadline: float) -> bool:
    """The first, cheap step of fixed_sites_design alone: the LP over the sites `is_open`,
    rounded and repaired (_rounded_lp_design); True when that became the incumbent within
    ROUNDING_GAP of the LP. Why: a node of site_branching's tree with capacity rows rounds
    its LP this way; the greedy fill after it took 3-3.7 s a node on capacity_overflow_200m
    (eight fills for the bisection), three times the node's LP (BENCHMARKS.md)."""
    fixed, keep_x = _fixed_sites(problem, full, is_open)
    return _rounded_lp_design(problem, full, fixed, keep_x, best, deadline)


def exactly_filled_design(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                          best: Incumbent, deadline: float) -> bool:
    """Offer `best` exact_fill's designs for the sites `is_open` (_exactly_filled: from the
    fixed-sites LP's roundings and the cheapest options); True when one meets every row.
    Why: where the share target asks for every order the sites hold, the assignment MIPs
    after close_by_cuts' last set spend the time limit looking for the same subset sums the
    fill finds in milliseconds (capacity_overflow_200m at +9 pts; BENCHMARKS.md, branch
    overflow11). Only where the sites' capacity exceeds the orders the target needs by at
    most one point's orders (a subset-sum then decides it): elsewhere the MIPs find their
    designs, and the fill cost capacity_overflow_200m's bench edits 0.4 CPU s each."""
    if not (full.capacity_sites and exact_fill.applies(problem)):
        return False
    orders = problem.orders_per_year
    needed = (problem.share_requirements[0].share - SHARE_SLACK) * orders.sum()
    if problem.capacity_orders_per_year[is_open].sum() - needed > orders.max():
        return False
    fixed, keep_x = _fixed_sites(problem, full, is_open)
    return _exactly_filled(problem, full, fixed, keep_x, best, deadline)


def best_assignment(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                    best: Incumbent, gap: float, deadline: float) -> None:
    """Offer `best` the MIP's assignment to the sites `is_open` under every row, to `gap`,
    node-limited (a source of incumbents, not a proof: a stop by the node limit marks
    nothing), over the options that can still beat the incumbent (_hopeful_options); no MIP
    when the fixed-sites LP's bound is within `gap` of the incumbent. Why: fixed_sites_design
    keeps a rounding within ROUNDING_GAP of its LP, and a search that proves the gap with it
    returns that rounding (next_day_60: 1.7e-6 above the LP on the same sites, where the
    MIP's assignment is 8.8e-7 above). Why the filter: over all of the sites' options (16,400
    at 9 sites of the default) HiGHS took 1-6 CPU s for that last 1e-6, a third of the
    frontier's dearest points; about a tenth of them can beat the incumbent (BENCHMARKS.md,
    Tradeoff explorer)."""
    fixed, keep_x = _fixed_sites(problem, full, is_open)
    keep_x = _hopeful_options(problem, full, is_open, fixed, keep_x, best, gap, deadline)
    if keep_x is not None:
        _mip_over(problem, full, fixed, keep_x, best, gap, deadline,
                  node_limit=FIXED_SITES_NODES, only_window_counts=True, for_bound=False)


def _hopeful_options(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                     fixed: MipModel, keep_x: np.ndarray, best: Incumbent, gap: float,
                     deadline: float) -> np.ndarray | None:
    """Of the options `keep_x` of the fixed-sites model `fixed` (the sites `is_open`), those
    an assignment below the incumbent may use: B + r_p <= incumbent, with B the Lagrangian
    bound of the fixed-sites LP's prices (fixed_sites_lp) over `fixed` and r_p the option's
    reduced cost at them (reduced-cost fixing, as in solve_window; docs/optimizer.md, "The
    best assignment to a set of sites"); None when B is within `gap` of the incumbent (no
    assignment to these sites improves on it by more); `keep_x` itself when the LP gives no
    prices or there is no incumbent."""
    if not np.isfinite(best.objective):
        return keep_x
    sub, cols, _, lp = fixed_sites_lp(problem, full, is_open, fixed, keep_x, best, deadline)
    if lp.duals is None:
        return keep_x
    bound, reduced = lagrangian_bound(sub, lp.duals)
    if bound >= best.objective * (1 - gap):
        return None
    at = np.full(len(fixed.var_lb), np.inf)
    at[cols] = reduced
    return keep_x & (bound + np.maximum(at[fixed.x], 0.0)
                     <= best.objective + HOPEFUL_SLACK * abs(best.objective))


def fixed_sites_lp(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                   fixed: MipModel, keep_x: np.ndarray, best: Incumbent, deadline: float
                   ) -> tuple[MipModel, np.ndarray, np.ndarray, LpSolution]:
    """The LP of `full` with the sites `is_open` fixed (`fixed`, `keep_x`: _fixed_sites),
    over their options and cross-border, every y and their count's variable: that model
    (restrict), its columns' and rows' places in `fixed`, and its solution, solved once per
    site set in a search (kept in `best.fixed_lps`; a solve that ends without prices is not
    kept), and once per process for its data (solved_lp: the same LP of another search, its
    stored solution).

    Why once: a site tree assigns the incumbent's sites again before the tree
    (fixed_sites_design: the LP rounded) and after it (best_assignment: the LP's prices
    filter the MIP's options), mostly the same sites, and the LP (0.1-0.2 CPU s over 9 sites'
    16,000 options) was solved both times (BENCHMARKS.md, branch frontier5). Why per
    process too: a warm edit that closes a site the heuristic's sites leave out rounds the
    same LP the search before it rounded (capacity_overflow_200m's close ALB: 0.12-0.2 CPU s
    of HiGHS; BENCHMARKS.md, branch overflow14)."""
    cand = _window_counts(fixed)
    cand[fixed.x] = keep_x
    sub, cols, rows = restrict(fixed, cand)
    key = is_open.tobytes()
    lp = best.fixed_lps.get(key)
    if lp is None:
        lp = solved_lp(sub, deadline, glop=False)
        if lp.duals is not None:
            best.fixed_lps[key] = lp
    return sub, cols, rows, lp


SOLVED_LPS = 64  # fixed-sites LPs kept by their data's fingerprint (about 0.2-0.4 MB each)
_solved: OrderedDict[bytes, LpSolution] = OrderedDict()
_solved_lock = threading.Lock()


def _fingerprint(model: MipModel, glop: bool) -> bytes:
    """A digest of everything solve_lp reads of `model` (integrality aside: an LP), and which
    solver: two models of one fingerprint are the same LP, solved the same way."""
    return array_digest(b"glop" if glop else b"highs", model.var_lb, model.var_ub,
                        model.objective, model.row_lb, model.row_ub, model.a_row,
                        model.a_col, model.a_val)


def forget_solved_lps() -> None:
    """Drop the LPs solved_lp keeps, so that the next solve in this process starts as the
    first one did. Why: the benchmark's cold solves are five solves of one scenario in one
    process, and from the second on the kept LPs answered for HiGHS (capacity_overflow_200m:
    1.53 s the first, 0.56-0.61 s the next four; BENCHMARKS.md, "Where issue 15 stands")."""
    with _solved_lock:
        _solved.clear()


def solved_lp(model: MipModel, deadline: float, glop: bool) -> LpSolution:
    """solve_lp of the fixed-sites LP `model` (GLOP's dual simplex cold with `glop`, else
    cold HiGHS), or the solution of the same LP (_fingerprint) solved before in this process,
    optimal or proven infeasible; a solve stopped short is not kept.

    Why: a warm edit that closes or opens a site changes which sets a search may choose, not
    the LP of a set it keeps (nor do the forced sites enter it: its y are fixed), and the
    search after the edit solves again LPs the last search solved (capacity_cuts' sets, the
    heuristic's sites rounded: fixed_sites_lp). The same data give the same LP, so its
    stored optimum (or proof of infeasibility) is the one a new solve proves
    (docs/optimizer.md, "A set's LP solved once for its data")."""
    key = _fingerprint(model, glop)
    with _solved_lock:
        lp = _solved.get(key)
        if lp is not None:
            _solved.move_to_end(key)
            return lp
    lp = solve_lp(model, deadline - time.perf_counter(), glop_cold=glop, dual_simplex=glop)
    if lp.duals is not None or lp.infeasible:
        with _solved_lock:
            _solved[key] = lp
            while len(_solved) > SOLVED_LPS:
                _solved.popitem(last=False)
    return lp


HOPEFUL_SLACK = 1e-9  # relative: rounding in B + r_p, so that no option that can beat the
# incumbent is left out


def fixed_sites_bound(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                      best: Incumbent, gap: float, deadline: float, known: float) -> float:
    """A lower bound on every design whose open sites are exactly `is_open`: the MIP over
    their options (and cross-border) to `gap`, its design offered to `best`; `known`, a
    bound on those designs found before, is kept if higher (mip_window_bound)."""
    fixed, keep_x = _fixed_sites(problem, full, is_open)
    sol = _mip_over(problem, full, fixed, keep_x, best, gap, deadline, only_window_counts=True)
    return mip_window_bound(sol, known)


def _fixed_sites(problem: LocationProblem, full: MipModel, is_open: np.ndarray
                 ) -> tuple[MipModel, np.ndarray]:
    """`full` with the open sites fixed to `is_open` (and the count to theirs), and the
    options those sites or cross-border serve."""
    n = int(is_open.sum())
    model = with_count_window(full, n, n)
    lb, ub = model.var_lb.copy(), model.var_ub.copy()
    lb[model.y] = ub[model.y] = is_open.astype(float)
    opt = problem.options
    keep_x = (opt.site == NO_SITE) | is_open[np.maximum(opt.site, 0)]
    return replace(model, var_lb=lb, var_ub=ub), keep_x


def fixed_sites_columns(problem: LocationProblem, full: MipModel, is_open: np.ndarray
                        ) -> tuple[MipModel, np.ndarray]:
    """`full` with the open sites fixed to `is_open` (_fixed_sites), and the mask of the
    columns an LP with those sites keeps: their options and cross-border, every y, and the
    count variable of their number (_window_counts). One definition for the fixed-sites LP
    here and capacity_cuts'."""
    fixed, keep_x = _fixed_sites(problem, full, is_open)
    keep = _window_counts(fixed)
    keep[fixed.x] = keep_x
    return fixed, keep


def _rounded_lp_design(problem: LocationProblem, full: MipModel, fixed: MipModel,
                       keep_x: np.ndarray, best: Incumbent, deadline: float) -> bool:
    """Offer the fixed-sites LP's design, each point at its largest x (within_capacity moves
    the split points off overloaded sites, relieve_overloads any points; then
    carrier_repair.repair meets the share rows within the sites' room); True when it became
    the incumbent within ROUNDING_GAP of that LP (a bound for these sites), so the MIP is not
    needed.

    Why: with the sites fixed, the LP is a transportation-like problem whose solution splits
    only a few points (one per coupling row: capacity, targets, carrier shares); rounding them
    often meets every row, in a fraction of the node-limited MIP's time (BENCHMARKS.md).
    incumbent.offer checks every row, so a rounding that breaks one is simply not taken."""
    is_open = fixed.var_lb[fixed.y] > 0.5
    _, cols, rows, lp = fixed_sites_lp(problem, full, is_open, fixed, keep_x, best, deadline)
    if lp.values is None or lp.objective is None:
        return False
    values = np.zeros(len(fixed.var_lb))
    values[cols] = lp.values
    kept = offer_rounded_lp(problem, full, values, fast_bonus(problem, fixed, rows, lp.duals),
                            best)
    return kept and best.objective <= lp.objective * (1 + ROUNDING_GAP)


def offer_rounded_lp(problem: LocationProblem, full: MipModel, values: np.ndarray,
                     bonus: float, best: Incumbent) -> bool:
    """Offer `best` the design of LP values whose sites are whole (y 0 or 1): each point at
    its largest x, moved off overloaded sites two ways (within_capacity the split points,
    relieve_overloads any points, `bonus` per order for each share target a move loses),
    each then repaired to meet the share rows within the sites' room (carrier_repair.repair).
    True when one of them became the incumbent. incumbent.offer checks every row, so a
    rounding that breaks one is simply not taken."""
    is_open, choice = read_design(problem, full, values)
    room = site_room(problem)
    kept = False
    for repaired in (within_capacity(problem, is_open, values[full.x], choice),
                     relieve_overloads(problem, is_open, choice, bonus)):
        met = repair(problem, is_open, repaired, room)  # the share rows, within capacity
        exact = design_vector(full, is_open, repaired if met is None else met)
        kept |= exact is not None and offer(problem, full, best, exact)
    return kept


def fast_bonus(problem: LocationProblem, model: MipModel, rows: np.ndarray,
                duals: np.ndarray | None) -> float:
    """The share targets' LP prices as USD per order moved into the fastest class: what
    relieve_overloads charges a move that makes an order slower (0 without prices)."""
    if duals is None:
        return 0.0
    position = np.full(len(model.row_lb), -1)
    position[rows] = np.arange(len(rows))
    total = 0.0
    for t in problem.share_requirements:
        for r in model.rows_of(f"target[{t.within_days}]"):
            if position[r] >= 0:
                total += max(0.0, float(duals[position[r]]))
    return total / problem.orders_per_year.sum()


def relieve_overloads(problem: LocationProblem, is_open: np.ndarray, choice: np.ndarray,
                      bonus: float = 0.0) -> np.ndarray:
    """`choice` with points moved off every overloaded site: from the most overloaded site,
    the points whose move (to the cheapest option at another open site with room, or
    cross-border) costs least per order, `bonus` per order for each share target the move
    loses counted as cost, until the site fits; the last one the cheapest single point that
    closes the rest. Unlike within_capacity, any point of the site may move, not only those
    the LP split: moving a big split point abroad can cost far more than a few small ones."""
    opt = problem.options
    orders = problem.orders_per_year
    choice = choice.copy()
    room = site_room(problem)
    loads = SiteLoads(problem, choice, room)
    load = loads.load  # updated in place by loads.move
    met = sum((opt.days <= t.within_days).astype(float) for t in problem.share_requirements)
    met = np.broadcast_to(met, len(opt))  # 0 without targets
    usable = (opt.site == NO_SITE) | is_open[np.maximum(opt.site, 0)]
    starts = np.searchsorted(opt.point, np.arange(problem.n_points + 1))
    for _ in range(problem.n_sites):
        over = np.nonzero(load > room)[0]
        if not len(over):
            break
        s = over[np.argmax(load[over] - room[over])]
        moves = _cheapest_moves(problem, s, choice, usable, starts, load, room, met, bonus)
        if not moves:
            break
        excess = load[s] - room[s]
        for i, (_, z, p) in enumerate(moves):
            if orders[z] < excess:
                loads.move(z, choice[z], p)
                choice[z] = p
                excess -= orders[z]
                continue
            # the last move: the cheapest single one left that closes the rest
            _, z, p = min(((e * orders[m], m, q) for e, m, q in moves[i:]
                           if orders[m] >= excess))
            loads.move(z, choice[z], p)
            choice[z] = p
            break
    return choice


def _cheapest_moves(problem: LocationProblem, s: int, choice: np.ndarray, usable: np.ndarray,
                    starts: np.ndarray, load: np.ndarray, room: np.ndarray, met: np.ndarray,
                    bonus: float) -> list[tuple[float, int, int]]:
    """relieve_overloads' moves off site s: for each point there, (extra cost per order, the
    point, its option) of its cheapest usable option elsewhere that fits (the first of equal
    ones), sorted; all points at once (a loop over them was most of a rounding's time)."""
    opt = problem.options
    here = np.nonzero(opt.site[choice] == s)[0]
    lens = starts[here + 1] - starts[here]
    owner = np.repeat(here, lens)
    alt = np.arange(int(lens.sum())) + np.repeat(starts[here] - np.cumsum(np.r_[0, lens[:-1]]),
                                                 lens)
    sites = opt.site[alt]
    at = np.maximum(sites, 0)
    ok = (usable[alt] & (sites != s)
          & ((sites == NO_SITE) | (load[at] + problem.orders_per_year[owner] <= room[at])))
    alt, owner = alt[ok], owner[ok]
    now = choice[owner]
    extra = (opt.cost_usd_per_order[alt] - opt.cost_usd_per_order[now]
             + bonus * np.maximum(met[now] - met[alt], 0.0))
    order = np.lexsort((alt, extra, owner))  # each point's least extra, first option first
    first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]] if len(order) else order
    first = first[np.lexsort((alt[first], owner[first], extra[first]))]
    return list(zip(extra[first].tolist(), owner[first].tolist(), alt[first].tolist(),
                    strict=True))


def _filled_design(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                   best: Incumbent) -> bool:
    """Offer `best` the greedy design under capacity for the sites `is_open` (fill_capacity
    with a bonus for fast options, then carrier_repair.repair within the sites' room); True
    when one meets every row of `full` (whether or not it beat the incumbent): then these
    sites have a design, and the node-limited MIP is not needed.

    The bonus (USD per order, per share target an option meets) is the smallest found by
    bisection with which the fill meets the targets alone: with every site full, which points
    the sites serve decides the targets, and repairs after a fill that ignored them cost more.

    Why: that MIP, where the rounded LP falls short, took 12-34 s on capacity_overflow_200m
    (every site full, half the orders cross-border) for a first incumbent; the fill takes a
    fraction of a second, and the search improves on it (BENCHMARKS.md)."""
    found = False
    low, high = 0.0, float(np.ptp(problem.options.cost_usd_per_order))
    bonus = 0.0
    room = site_room(problem)
    for _ in range(FILL_BONUS_STEPS):
        choice = fill_capacity(problem, is_open, bonus)
        if choice is None:
            return found
        met = _targets_met(problem, choice)
        fixed = repair(problem, is_open, choice, room)
        values = None if fixed is None else design_vector(full, is_open, fixed)
        if values is not None and meets_rows(problem, full, values):
            offer(problem, full, best, values)
            found = True
        if not problem.share_requirements or (met and bonus == 0.0):
            break
        if met:
            high = bonus
        else:
            low = bonus
        bonus = (low + high) / 2
    return found


def _exactly_filled(problem: LocationProblem, full: MipModel, fixed: MipModel,
                    keep_x: np.ndarray, best: Incumbent, deadline: float) -> bool:
    """Offer `best` exact_fill's designs for the sites of `fixed` (filled to the order with
    whole ZIP3s), from the fixed-sites LP's two roundings (within_capacity, relieve_overloads)
    and from each point's cheapest option; True when one meets every row of `full`. Why:
    where the share target asks for every order the sites hold (capacity_overflow_200m at 54%
    within 2 days), the greedy fill misses it by a few hundred orders and the MIP may find
    nothing within the time limit; from the LP's roundings the fill costs less (BENCHMARKS.md,
    branch explain10)."""
    if not exact_fill.applies(problem):
        return False
    is_open = fixed.var_lb[fixed.y] > 0.5
    starts = [None]
    _, cols, rows, lp = fixed_sites_lp(problem, full, is_open, fixed, keep_x, best, deadline)
    if lp.values is not None:
        values = np.zeros(len(fixed.var_lb))
        values[cols] = lp.values
        _, choice = read_design(problem, full, values)
        starts[:0] = [within_capacity(problem, is_open, values[full.x], choice),
                      relieve_overloads(problem, is_open, choice,
                                        fast_bonus(problem, fixed, rows, lp.duals))]
    found = False
    for start in starts:
        choice = exact_fill.fill_sites(problem, is_open, start)
        values = None if choice is None else design_vector(full, is_open, choice)
        if values is not None and meets_rows(problem, full, values):
            offer(problem, full, best, values)
            found = True
    return found


FILL_BONUS_STEPS = 8  # fills tried per site set: the bisection on the fast options' bonus


def _targets_met(problem: LocationProblem, choice: np.ndarray) -> bool:
    """Every share target (3) met by `choice`: the first rows of lagrange.coupling_rows."""
    a, b = coupling_rows(problem)
    targets = len(problem.share_requirements)
    return bool((a[:targets, choice].sum(axis=1) >= b[:targets]).all())


def fill_capacity(problem: LocationProblem, is_open: np.ndarray, bonus: float = 0.0,
                  site_price: np.ndarray | None = None) -> np.ndarray | None:
    """Each point's option (its index) at the open sites `is_open` or cross-border, within
    every site's capacity, by regret (Martello and Toth 1981, for the generalized assignment
    problem): each point's cheapest option per open site and cross-border; of the points left,
    the one losing most per order if it missed its cheapest place that still has room for it
    goes there; repeat. Cross-border never fills: it takes the overflow. An option's cost is
    its cost per order less `bonus` for each share target it meets (0: cost alone). None when
    some point has no place with room (no cross-border: the sites cannot hold the demand this
    way). Share rows are left to carrier_repair.repair."""
    opt = problem.options
    orders = problem.orders_per_year
    sites = np.nonzero(is_open)[0]
    column = np.full(problem.n_sites + 1, -1)
    column[sites] = np.arange(len(sites))
    column[NO_SITE] = len(sites)  # the last column: cross-border
    usable = np.nonzero((opt.site == NO_SITE) | is_open[np.maximum(opt.site, 0)])[0]
    faster = sum((opt.days[usable] <= t.within_days).astype(float)
                 for t in problem.share_requirements)
    eff = opt.cost_usd_per_order[usable] - bonus * faster
    if site_price is not None:  # capacity prices (USD per order) steer the points
        eff = eff + np.where(opt.site[usable] == NO_SITE, 0.0,
                             site_price[np.maximum(opt.site[usable], 0)])
    by_eff = usable[np.lexsort((eff, opt.point[usable]))[::-1]]  # later writes win: cheapest
    eff_of = np.empty(len(opt))
    eff_of[usable] = eff
    cost = np.full((problem.n_points, len(sites) + 1), np.inf)
    pick = np.full(cost.shape, -1)
    cols = column[opt.site[by_eff]]
    cost[opt.point[by_eff], cols] = eff_of[by_eff]
    pick[opt.point[by_eff], cols] = by_eff
    room = np.append(site_room(problem)[sites], np.inf)
    load = np.zeros(len(sites) + 1)
    choice = np.full(problem.n_points, -1)
    left = np.arange(problem.n_points)
    while len(left):
        here = np.where(load[None, :] + orders[left, None] <= room[None, :], cost[left], np.inf)
        two = np.partition(here, 1, axis=1)[:, :2] if here.shape[1] > 1 else np.c_[
            here, np.full(len(left), np.inf)]
        if not np.isfinite(two[:, 0]).all():
            return None
        regret = np.where(np.isfinite(two[:, 1]), two[:, 1] - two[:, 0], np.inf)
        i = int(np.argmax(regret))
        z = left[i]
        j = int(np.argmin(here[i]))
        choice[z] = pick[z, j]
        load[j] += orders[z]
        left = np.delete(left, i)
    return choice


def within_capacity(problem: LocationProblem, is_open: np.ndarray, x: np.ndarray,
                     choice: np.ndarray) -> np.ndarray:
    """Move the points the LP split off the sites their rounding overloads: each, largest
    first, to an option at an open site with room for it, or cross-border: one no slower than
    its own if there is one (the share targets), then the most LP weight, then the cheapest.
    Points the LP did not split stay where it put them."""
    opt = problem.options
    orders = problem.orders_per_year
    choice = choice.copy()
    load = site_loads(problem, choice)
    room = problem.capacity_orders_per_year * (1 + ROW_TOLERANCE)
    split = np.nonzero(x[choice] < 1 - 1e-6)[0]
    for z in split[np.argsort(-orders[split], kind="stable")]:
        s = opt.site[choice[z]]
        if s == NO_SITE or load[s] <= room[s]:
            continue
        mine = np.nonzero(opt.point == z)[0]
        sites = opt.site[mine]
        fits = np.where(sites == NO_SITE, True, is_open[np.maximum(sites, 0)]
                        & (load[np.maximum(sites, 0)] + orders[z] <= room[np.maximum(sites, 0)]))
        if not fits.any():
            continue
        alt = mine[fits]
        slower = opt.days[alt] > opt.days[choice[z]]  # would cost the share targets orders
        pick = alt[np.lexsort((opt.cost_usd_per_order[alt], -x[alt], slower))[0]]
        load[s] -= orders[z]
        if opt.site[pick] != NO_SITE:
            load[opt.site[pick]] += orders[z]
        choice[z] = pick
    return choice


def _window_counts(model: MipModel) -> np.ndarray:
    """Every column but the count variables outside the window: the fixed-sites MIP leaves
    those out rather than only fixing them at 0, as HiGHS runs without presolve here and would
    carry them (not the window MIPs, which it made slower: BENCHMARKS.md)."""
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
