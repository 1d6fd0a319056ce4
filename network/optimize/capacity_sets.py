"""Designs for a one-count window where capacity binds, from the sets its LP opens in part.

Why: with every site full (capacity_overflow_200m: 6 sites of 57 hold 54% of the orders) the
LP with capacity rows opens a dozen sites, 9 of them in part, and the 6 it opens most, assigned
under every row, were 0.39% above its bound where another choice among them was 0.23% above.
With the sites fixed the LP is almost exact, so each choice S is ranked by a bound B(S), and
the best few are assigned under every row (window_mip.fixed_sites_design).

B(S) (site_sets.priced_set_bounds: the assignment rows kept, capacity and every share target
priced; a lower bound on every design with open set S, proof there and in docs/optimizer.md)
is as strong as the LP with y fixed to S when its steps converge, started here from the
window LP's prices. It only ranks the sets here and stops the loop once no set can beat the
incumbent; it proves nothing about the window (a proof by sets would need every set of 6 of 57
bounded: at the LP's prices more than 20,000 lie within 0.1% of its bound, BENCHMARKS.md).
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np

from network.optimize.capacity_prices import capacity_multipliers
from network.optimize.incumbent import Incumbent, design_vector, offer
from network.optimize.lagrange import coupling_rows, initial_prices
from network.optimize.mathopt_backend import solve_model
from network.optimize.model import MipModel, lagrangian_bound
from network.optimize.problem import NO_SITE, LocationProblem
from network.optimize.site_sets import priced_set_bounds
from network.optimize.window_bounds import WindowState
from network.optimize.window_mip import fixed_sites_columns, fixed_sites_design, fixed_sites_lp

MAX_SUPPORT_SETS = 1_000  # sets of the LP's sites ranked by B(S)
SUPPORT_SET_DESIGNS = 1  # of which the best this many are assigned (fixed_sites_design)
SCALE = 1e3  # small_assignment's MIP sees its design's cost as about this (HiGHS's
# tolerances are absolute: 4.8e9 USD, or 167 on a test's small problem, both misjudged)


def support_set_designs(problem: LocationProblem, full: MipModel, window: WindowState,
                        best: Incumbent, relative_gap: float, deadline: float) -> None:
    """Offer `best` designs on the sets of n sites the window's LP (with capacity rows)
    opens at least in part: every site it opens fully, and each choice of the rest among the
    sites it opens in part (the most open ones, at most MAX_SUPPORT_SETS sets), the
    SUPPORT_SET_DESIGNS sets of least B(S) each assigned under every row.

    Why: that LP opens a dozen sites a little (capacity_overflow_200m: 12 for 6), and the n it
    opens most are not the best choice among them (module docstring); B(S) (the LP with the
    sites fixed, by prices) ranks the choices, all at once."""
    if window.lo != window.hi or window.lp_values is None or window.duals is None:
        return
    n = window.lo
    y = window.lp_values[full.y]
    sure = problem.forced_open | ((y >= 1 - 1e-6) & ~problem.forced_closed)
    need = n - int(sure.sum())
    part = np.nonzero(~sure & ~problem.forced_closed & (y > 1e-6))[0]
    part = part[np.argsort(-y[part], kind="stable")]
    if need < 0 or need > len(part):
        return
    while len(part) > need and math.comb(len(part), need) > MAX_SUPPORT_SETS:
        part = part[:-1]
    base = np.nonzero(sure)[0]
    sets = np.array([np.r_[base, c] for c in itertools.combinations(part.tolist(), need)],
                    int).reshape(-1, n)
    m = capacity_multipliers(problem, full, window.duals)
    sigma = initial_prices(full, window.duals)[1][:len(problem.share_requirements)]
    bounds = priced_set_bounds(problem, sets, m, sigma, deadline)
    for k in np.argsort(bounds, kind="stable")[:SUPPORT_SET_DESIGNS]:
        if bounds[k] >= best.objective * (1 - relative_gap) or time.perf_counter() >= deadline:
            break  # no design on this set (or a later one) can beat the incumbent by the gap
        is_open = np.zeros(problem.n_sites, bool)
        is_open[sets[k]] = True
        fixed_sites_design(problem, full, is_open, best, relative_gap / 10, deadline)


NEAR_OPTIONS = 1.5  # an option whose reduced cost is within this many times the MIP's gap
# (in USD of the fixed-sites bound) is free in small_assignment's MIP: at a share of the room
# between incumbent and bound instead, too few were free after some edits (BENCHMARKS.md)
SMALL_NODES = 20  # the node limit of its MIP over NEAR_OPTIONS's (a source of designs, not a proof)
NARROW_NODES = 200  # the node limit of its MIPs over NEAR_FIRST's options, which stop at
# the first design that is enough: a miss at 20 nodes cost the wide MIP and then
# best_assignment (BENCHMARKS.md, branch overflow8)


def small_assignment(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                     best: Incumbent, gap: float, deadline: float,
                     enough: float | None = None) -> None:
    """Offer `best` an assignment to the sites `is_open` under every row from a MIP over the
    points the fixed-sites LP leaves in doubt: each point keeps its options whose reduced cost
    at that LP's prices is within NEAR_OPTIONS times `gap` of the LP's bound (and those the
    LP uses); a point left with one option stays there, and the MIP
    assigns the others within the capacity and the share each target still needs (a
    constant, fixed at 1, carries the rest of the cost, so that `gap` is of the whole
    design's cost). Nothing when the LP's bound is within `gap` of the incumbent. With
    `enough` (USD: a design at most this proves the caller's window), each MIP stops at its
    first design ENOUGH_MARGIN of the way from `enough` to the LP's bound, and the options
    within NEAR_FIRST's multiples of `gap` are tried first, in turn (at most NARROW_NODES
    nodes each), until one gives a design at most `enough`.

    Why: with every site full (capacity_overflow_200m) the LP splits a point per capacity row
    and the best single-sourced assignment moves a few points more to make room; rounding the
    split points alone stayed outside the gap after an edit, and the MIP over every option
    (window_mip.best_assignment) spent most of a warm edit at its first node, HiGHS without
    presolve carrying the hundreds of points the LP settles, which the MIP here leaves out.
    Like any source of designs it proves nothing: `offer` checks every row (BENCHMARKS.md,
    branch overflow6). Why `enough` and the narrower sets first: HiGHS's root spends most of
    its time on cut rounds before its sub-MIPs find the designs, and that grows with the
    binaries; a design within the window's gap is all the caller needs, and on the captured
    warm edits of capacity_overflow_200m the options within 0.1 times the gap (a third of the
    binaries) held one (BENCHMARKS.md, branch overflow7)."""
    if not np.isfinite(best.objective):
        return
    fixed, keep = fixed_sites_columns(problem, full, is_open)
    keep_x = keep[fixed.x]
    sub, cols, _, lp = fixed_sites_lp(problem, full, is_open, fixed, keep_x, best, deadline)
    if lp.duals is None or lp.values is None:
        return
    bound, reduced = lagrangian_bound(sub, lp.duals)
    if bound >= best.objective * (1 - gap):
        return
    values = np.zeros(len(fixed.var_lb))
    values[cols] = lp.values
    at = np.full(len(fixed.var_lb), np.inf)
    at[cols] = reduced
    x, r = values[fixed.x], at[fixed.x]
    steps = [(near, NARROW_NODES) for near in NEAR_FIRST] if enough is not None else []
    for near, nodes in (*steps, (NEAR_OPTIONS, SMALL_NODES)):
        _near_assignment(problem, full, is_open, best, gap, deadline,
                         None if enough is None else enough - ENOUGH_MARGIN * (enough - bound),
                         keep_x, x, r, near * gap * abs(bound), SCALE / max(abs(bound), 1.0),
                         nodes)
        if enough is None or best.objective <= enough or time.perf_counter() >= deadline:
            return


NEAR_FIRST = (0.1,)  # with `enough`, small_assignment first frees only the options within
# these many times the gap, in turn (a third of the binaries at 0.1: a quicker HiGHS root),
# then NEAR_OPTIONS's, until a design is enough (BENCHMARKS.md, branch overflow7)
ENOUGH_MARGIN = 0.1  # with `enough`, each MIP stops at a design this share of the room
# between the LP's bound and `enough` below it (a margin for the MIP's rounding)


def _near_assignment(problem: LocationProblem, full: MipModel, is_open: np.ndarray,
                     best: Incumbent, gap: float, deadline: float, enough: float | None,
                     keep_x: np.ndarray, x: np.ndarray, r: np.ndarray, near_usd: float,
                     scale: float, nodes: int | None) -> None:
    """small_assignment's MIP with the options of reduced cost `r` at most `near_usd` (and
    those of LP value `x` above 0) free, at most `nodes` nodes, its design offered to
    `best`."""
    opt = problem.options
    orders = problem.orders_per_year
    cand = np.nonzero(keep_x & ((r <= near_usd) | (x > 1e-9)))[0]
    per_point = np.bincount(opt.point[cand], minlength=problem.n_points)
    if (per_point == 0).any():
        return
    free_point = per_point > 1
    settled = cand[~free_point[opt.point[cand]]]  # one option each
    free = cand[free_point[opt.point[cand]]]
    choice = np.full(problem.n_points, -1)
    choice[opt.point[settled]] = settled
    at_site = opt.site != NO_SITE
    room = problem.capacity_orders_per_year - np.bincount(
        opt.site[settled[at_site[settled]]], orders[opt.point[settled[at_site[settled]]]],
        minlength=problem.n_sites)
    shares, need = coupling_rows(problem)
    need = need - shares[:, settled].sum(axis=1)
    if (room[is_open] < 0).any() or not len(free):
        return
    # the columns: the free options, then the constant; the rows: each free point's
    # assignment, each open site's capacity, each coupling row
    points = np.unique(opt.point[free])
    row_of_point = np.full(problem.n_points, -1)
    row_of_point[points] = np.arange(len(points))
    sites = np.nonzero(is_open)[0]
    row_of_site = np.full(problem.n_sites, -1)
    row_of_site[sites] = len(points) + np.arange(len(sites))
    f = len(free)
    a_row = [row_of_point[opt.point[free]]]
    a_col = [np.arange(f)]
    a_val = [np.ones(f)]
    there = np.nonzero(at_site[free])[0]
    a_row.append(row_of_site[opt.site[free[there]]])
    a_col.append(there)
    a_val.append(orders[opt.point[free[there]]])
    first = len(points) + len(sites)
    for t in range(len(need)):
        a_row.append(np.full(f, first + t))
        a_col.append(np.arange(f))
        a_val.append(shares[t, free])
    fixed_cost = float(problem.fixed_cost_usd_per_year[is_open].sum()
                       + problem.inventory_usd_by_count[int(is_open.sum())]
                       + (orders[opt.point[settled]] * opt.cost_usd_per_order[settled]).sum())
    model = MipModel(
        var_lb=np.r_[np.zeros(f), 1.0], var_ub=np.ones(f + 1),
        var_integer=np.r_[np.ones(f, bool), False],
        objective=np.r_[orders[opt.point[free]] * opt.cost_usd_per_order[free],
                        fixed_cost] * scale,
        row_lb=np.r_[np.ones(len(points)), np.full(len(sites), -np.inf), need],
        row_ub=np.r_[np.ones(len(points)), room[sites], np.full(len(need), np.inf)],
        a_row=np.concatenate(a_row), a_col=np.concatenate(a_col), a_val=np.concatenate(a_val),
        n_sites=0, n_options=f, count_values=np.zeros(0),
        row_blocks=(("assign", 0, len(points)), ("capacity", len(points), first),
                    ("coupling", first, first + len(need))))
    sol = solve_model(model, deadline - time.perf_counter(), gap, node_limit=nodes,
                      objective_target=None if enough is None else enough * scale)
    if sol.values is None:
        return
    taken = free[sol.values[:f] > 0.5]
    choice[opt.point[taken]] = taken
    if (choice < 0).any():
        return
    exact = design_vector(full, is_open, choice)
    if exact is not None:
        offer(problem, full, best, exact)
