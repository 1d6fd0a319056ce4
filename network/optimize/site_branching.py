"""A one-count window's LP bound raised by branching on its sites, each node an LP started
from its parent's basis.

With the count n fixed the LP is almost exact once its sites are whole (with the sites fixed
it splits about one point per coupling row), but under a share target it can open sites in
part: next_day_80's 7-site LP opens six sites whole and two at 0.24 and 0.76, 2.2e-4 below the
optimum, and the 1e-4 proof was then left to HiGHS's MIP over 47,000 options, which did not
finish its root in the 60 s limit. Here the window's designs are split on a site the LP opens
in part, y_s = 0 or y_s = 1; each half's LP is the parent's with one more variable fixed, so
the parent's basis stays dual feasible and GLOP's dual simplex restarts from it (tens to
hundreds of iterations where the window's LP took thousands). Best first: always the open
node of least bound, until every open node's bound is within the requested gap of the
incumbent (BENCHMARKS.md, branch nextday).

Validity (docs/optimizer.md, step 4, "Branching on sites"): every design of the window has
each y_s at 0 or 1, so the leaves closed and the nodes still open partition its designs by the
fixings on the way. A node's bound is model.lagrangian_bound of its LP's row prices over the
node's model (any prices give a lower bound, whatever the solver's tolerances), and at least
its parent's (which holds for every design of the parent, so of the node); a node whose LP
over every column and the rows loosened by their slack (_child) is infeasible holds no
design offer accepts; a node whose sites are whole is closed by the MIP over its sites'
options (window_mip.mip_window_bound). So the least bound over the leaves and the open nodes
is a lower bound on every design of the window. With capacity rows a node also fixes sites
by their reduced costs, and the designs that leaves out count as a closed leaf with the bound
that ruled them out (_fixed_by_reduced_cost); a stop closes the window with the least bound so
far (_stopped). Every design found passes incumbent.offer.
"""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass, field, replace

import numpy as np

from network.optimize import heuristic
from network.optimize.incumbent import Incumbent, design_vector, offer, read_design
from network.optimize.mathopt_backend import BASIC, LpBasis, solve_lp
from network.optimize.model import (
    MipModel,
    lagrangian_bound,
    loosened,
    restrict,
    with_count_window,
)
from network.optimize.problem import LocationProblem
from network.optimize.window_bounds import LpOutcome, WindowState, nearest_columns
from network.optimize.window_mip import (
    MIP_GAP_SHARE,
    best_assignment,
    fast_bonus,
    fixed_sites_bound,
    fixed_sites_design,
    offer_rounded_lp,
    rounded_fixed_sites_design,
)

MAX_NODES = 40  # LPs solved at most before the tree gives up (the window's MIP then runs)
WHOLE = 1e-6  # a site open this close to 0 or 1 counts as whole


@dataclass(order=True)
class _Node:
    bound: float
    rank: int  # among equal bounds, lower first: 0, or minus the depth with capacity rows
    order: int
    lb: np.ndarray = field(compare=False, repr=False)  # y bounds of this node
    ub: np.ndarray = field(compare=False, repr=False)
    open_y: np.ndarray = field(compare=False, repr=False)  # its LP's y
    basis: LpBasis | None = field(compare=False, repr=False)  # in the tree's columns and rows
    excluded: float = field(default=np.inf, compare=False)  # a bound on the parent's designs
    # this node's reduced-cost fixing left out (_fixed_by_reduced_cost)


@dataclass(frozen=True)
class _Space:
    """The columns and rows of the window's model the tree's LPs keep, and the window's basis
    there."""

    model: MipModel  # the window's model over those columns and rows (every y among them)
    rows: np.ndarray  # its rows' places in the window's model
    cols: np.ndarray  # its columns' places in the window's model
    basis: LpBasis | None
    restricted: bool


def _space(problem: LocationProblem, model: MipModel, window: WindowState) -> _Space:
    """The nearest-sites columns (window_bounds.nearest_columns) where the window's basis lies
    among them (its LP was the nearest-sites LP: window_bounds.lp_by_nearest), else all.

    Why: on next_day_80 those child LPs took half the time of the full ones (1.9-4.1 s against
    3.5-11.2 s at load 9) and their prices, priced over every option, gave the full LPs' values
    (BENCHMARKS.md). Any prices give a valid bound, so the restriction can only weaken it.
    Not with capacity rows: there the nearest-sites LPs' prices priced every option to 0.3%
    below the node's LP (capacity_overflow_200m: a node with six whole sites bounded at
    $4,833.5M where the LP with those sites is $4,847.9M), and the tree stalled at its root's
    bound."""
    every = _Space(model, np.arange(len(model.row_lb)), np.arange(len(model.var_lb)),
                   window.basis, False)
    basis = window.basis
    if basis is None or not basis.fits(model) or model.capacity_sites:
        return every
    keep = (window.nearest_cols if window.nearest_cols is not None
            else nearest_columns(problem, model))  # as grown (window_bounds.grow_nearest)
    if keep.all():
        return every
    sub, cols, rows = restrict(model, keep)
    left_out = np.ones(len(model.row_lb), bool)
    left_out[rows] = False
    if (basis.variable_status[~keep] == BASIC).any() or (
            basis.row_status[left_out] != BASIC).any():
        return every  # the basis needs a column or row left out
    return _Space(sub, rows, cols, LpBasis(basis.variable_status[cols], basis.row_status[rows]),
                  True)


def branch_on_sites(problem: LocationProblem, full: MipModel, window: WindowState,
                    best: Incumbent, relative_gap: float, deadline: float) -> bool:
    """Close the one-count window `window` (its LP solved) by branching on the sites its LPs
    open in part; True when every node is closed (window.proven is then the least bound of the
    tree), False when it does not apply or gives up (MAX_NODES, the deadline, an LP that ends
    without prices): the window is then as before, but for the incumbents found.

    With share targets or capacity rows: measured where a target makes the LP open sites in
    part (the next-day classes), and where capacity does (capacity_overflow_200m: the 6-site
    LP opens 12 sites, 9 in part); without either (OR-Library) it was not measured. With
    capacity rows the tree never hands over to the window's MIP, which made no progress there
    in the time left (HiGHS's root over 97,000 options): a stop (MAX_CAPACITY_NODES, the
    deadline, an LP without prices) closes the window with the tree's bound so far
    (`_stopped`), valid but maybe short of the gap, which then leaves the result feasible."""
    capacity = bool(full.capacity_sites)
    if (window.lo != window.hi or window.lp is not LpOutcome.SOLVED or window.bound is None
            or window.lp_values is None
            or not (capacity or problem.share_requirements)):
        return False
    _polish(problem, full, window.lo, best, relative_gap, deadline)
    model = with_count_window(full, window.lo, window.hi)
    y = model.y
    space = _space(problem, model, window)
    count = itertools.count()
    heap = [_Node(window.bound, 0, next(count), model.var_lb[y].copy(), model.var_ub[y].copy(),
                  window.lp_values[y], space.basis)]
    closed = np.inf  # the least bound of the leaves closed
    solved, limit = 0, MAX_CAPACITY_NODES if capacity else MAX_NODES
    rounded: set[bytes] = set()  # the site sets a node's LP was rounded to (capacity rows)
    starts: set[bytes] = set()  # the heuristic's starting sets rounded from a node's LP
    while heap and heap[0].bound < best.objective * (1 - relative_gap):
        node = heapq.heappop(heap)
        s, fractional = _branch_site(node, model)
        if s is None:  # every open site fixed open: the node's designs have these sites
            closed = min(closed, fixed_sites_bound(
                problem, full, node.lb > 0.5, best, relative_gap * MIP_GAP_SHARE,
                deadline, node.bound))
            continue
        for side in (0.0, 1.0):
            if solved >= limit or time.perf_counter() >= deadline:
                return capacity and _stopped(window, node, heap, closed)
            lb, ub = node.lb.copy(), node.ub.copy()
            lb[s] = ub[s] = side
            rank = node.rank - 1 if capacity else 0  # deepest first among equal bounds
            if side == 1.0 and not fractional:  # the parent's LP solution is the child's
                heapq.heappush(heap, replace(node, rank=rank, order=next(count), lb=lb, ub=ub))
                continue
            child = _child(problem, full, model, space, node, lb, ub, (rank, next(count)),
                           best, deadline, window.lo, rounded if capacity else None,
                           relative_gap, starts)
            solved += 1
            if child is None:  # its LP ended without prices: nothing proven about this half
                return capacity and _stopped(window, node, heap, closed)
            closed = min(closed, child.excluded)  # left out: as a closed leaf
            if np.isfinite(child.bound):  # an infeasible half holds no design
                heapq.heappush(heap, child)
    window.proven = float(min([closed] + [n.bound for n in heap]))
    _polish(problem, full, window.lo, best, relative_gap, deadline, exact=True)
    return True


def _stopped(window: WindowState, node: _Node, heap: list[_Node], closed: float) -> bool:
    """Close a capacity window whose tree stopped with nodes open: window.proven is the least
    bound over the leaves closed, the open nodes and `node` (popped, its halves not all
    pushed yet: its bound holds for both), and never below the window's LP bound. Valid as
    the tree's bound is (the module docstring); it may lie short of the gap. Returns True."""
    window.proven = float(max(window.bound, min([closed, node.bound]
                                                + [n.bound for n in heap])))
    return True


MAX_CAPACITY_NODES = 400  # with capacity rows: LPs at most (the deadline usually stops first)
POLISH_GAP = 1e-3  # of the requested gap: the closed window's design, assigned again to this


def _polish(problem: LocationProblem, full: MipModel, n: int, best: Incumbent,
            relative_gap: float, deadline: float, exact: bool = False) -> None:
    """The incumbent's sites, when it has n, assigned again under every row: before the tree
    by window_mip.fixed_sites_design (its LP rounded, or a MIP; with capacity rows the LP
    rounded only: those sites were assigned under every row before, and the greedy fill
    again took 3 s on capacity_overflow_200m), once the tree has closed the window (`exact`)
    by the MIP to POLISH_GAP of the gap (window_mip.best_assignment).

    Why: the heuristic's assignment prices the share target with one price, and on next_day_80
    its design lay 5.4e-5 above the best assignment to its own sites; a lower incumbent lowers
    the bar every node must clear. And the design returned is the incumbent: without the MIP
    it would be a rounding within the gap but not the best assignment to its sites, which the
    window MIP this tree replaces usually found (next_day_60, BENCHMARKS.md)."""
    if best.values is None:
        return
    is_open, _ = read_design(problem, full, best.values)
    if int(is_open.sum()) != n:
        return
    if exact:
        best_assignment(problem, full, is_open, best, relative_gap * POLISH_GAP, deadline)
    elif full.capacity_sites:
        rounded_fixed_sites_design(problem, full, is_open, best, deadline)
    else:
        fixed_sites_design(problem, full, is_open, best, relative_gap / 10, deadline)


def _branch_site(node: _Node, model: MipModel) -> tuple[int | None, bool]:
    """(the site to branch on, whether the node's LP opens it in part): the site it opens most
    in part; else, its sites all whole, a site it opens that is not fixed open yet (its
    designs may still close it and open another); None when every site it opens is fixed."""
    open_y = node.open_y
    part = np.minimum(open_y - node.lb, node.ub - open_y)
    if part.max() > WHOLE:
        return int(np.argmax(part)), True
    free_open = np.nonzero((node.lb < node.ub) & (open_y > 0.5))[0]
    return (int(free_open[0]), False) if len(free_open) else (None, False)


def _child(problem: LocationProblem, full: MipModel, model: MipModel, space: _Space,
           parent: _Node, lb: np.ndarray, ub: np.ndarray, order: tuple[int, int],
           best: Incumbent, deadline: float, n: int, rounded: set[bytes] | None = None,
           relative_gap: float = 0.0, starts: set[bytes] | None = None) -> _Node | None:
    """The node with these site bounds: its LP (over the tree's columns) from the parent's
    basis, its bound (model.lagrangian_bound of that LP's prices over every option of the
    node; inf when the LP over every column is infeasible), a design rounded from it offered to
    `best` (and, where it opens whole sites, its own assignment rounded and repaired:
    window_mip.offer_rounded_lp); None when the LP ended without prices for another reason.
    With capacity rows (`rounded` given) its free sites whose reduced cost alone lifts the
    bound past the incumbent less the gap are fixed in the node (_fixed_by_reduced_cost).

    Why the LP's own assignment: next_day_80 with SEA forced open had a node whose LP opened
    whole sites at the optimum's cost (1,073.12M) where the heuristic's assignment to those
    sites (one price for the target) cost 1,073.33M, 2e-4 more; every node then had to clear
    the higher bar and the tree ran 17 LPs to the deadline (BENCHMARKS.md).

    Neither is offered from a node whose bound reaches the incumbent (without capacity rows):
    the LP's own assignment is a design of the node, so costs at least its bound, and the
    heuristic's start lies in the node too (its swaps may leave it, but on next_day_80 none
    of the 4 such nodes of a warm edit's tree offered a better design: branch nextday4).

    An LP infeasible over the rows as built proves nothing: a design may miss a share
    row by SHARE_SLACK and pass incumbent.offer. So the LP whose infeasibility drops the half
    is over the rows loosened by their slack (model.loosened): the node's LP over every column
    infeasible is solved again over them, from the parent's basis (only right-hand sides
    differ: it stays dual feasible), and when that one solves, the node keeps its prices and
    basis (window_bounds.bound_window does the same for the window's LP).

    An LP infeasible over fewer columns than all proves nothing, so the node's LP is then
    solved over every column (cold, over the loosened rows at once: it is there for the proof),
    and the node keeps no basis (its children's LPs start cold). Why: next_day_80 solved
    again after an edit and back had a node (two sites fixed open, one closed) with no design
    among the nearest-sites columns; the tree gave up there and the window's MIP took 27 s of
    CPU (BENCHMARKS.md)."""
    lp = solve_lp(_with_sites(space.model, lb, ub), deadline - time.perf_counter(),
                  parent.basis, dual_simplex=True)
    rows, cols, basis, every_column = space.rows, space.cols, lp.basis, not space.restricted
    if lp.duals is None and lp.infeasible and not every_column:
        lp = solve_lp(loosened(_with_sites(model, lb, ub)), deadline - time.perf_counter())
        rows, cols = np.arange(len(model.row_lb)), np.arange(len(model.var_lb))
        basis, every_column = None, True
    elif lp.duals is None and lp.infeasible:  # the proof: over the loosened rows
        lp = solve_lp(loosened(_with_sites(model, lb, ub)), deadline - time.perf_counter(),
                      parent.basis, dual_simplex=True)
        basis = lp.basis
    if lp.duals is None:
        if lp.infeasible and every_column:  # no design in this half
            return _Node(np.inf, *order, lb, ub, parent.open_y, None)
        return None
    duals = np.zeros(len(model.row_lb))
    duals[rows] = lp.duals
    raw, reduced = lagrangian_bound(_with_sites(model, lb, ub), duals)
    bound = max(raw, parent.bound)
    excluded = np.inf
    if rounded is not None:  # capacity rows: fix the sites the prices rule out
        lb, ub, excluded = _fixed_by_reduced_cost(raw, reduced[model.y], lb, ub,
                                                  best.objective * (1 - relative_gap))
    values = np.zeros(len(model.var_lb))
    values[cols] = lp.values
    open_y = values[model.y]
    above = rounded is None and bound >= best.objective  # no design of the node beats it
    if time.perf_counter() < deadline and not above:  # its LP may end at the deadline
        _round(problem, full, open_y, lb, ub, n, best, deadline, rounded, starts)
        if np.all(np.minimum(open_y, 1.0 - open_y) <= WHOLE):  # its own assignment, rounded
            offer_rounded_lp(problem, full, values, fast_bonus(problem, model, rows, lp.duals),
                             best)
    return _Node(bound, *order, lb, ub, open_y, basis, excluded)


def _fixed_by_reduced_cost(raw: float, reduced_y: np.ndarray, lb: np.ndarray, ub: np.ndarray,
                           target: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Site bounds (lb, ub) with every free site fixed whose other side cannot hold a design
    below `target`: closed where raw + r_s > target, open where raw - r_s > target; and the
    least bound on the designs left out (inf if none), which the tree counts as a closed leaf
    (its bound must hold for every design of the window, those above the target too).

    Validity: `raw` is model.lagrangian_bound of the node's prices, sum_i d_i b_i +
    sum_j min(r_j lb_j, r_j ub_j); for a free y_s with r_s > 0 its term is 0, and over the
    node's designs with y_s = 1 the same prices give that bound with the term r_s instead,
    so each such design costs at least raw + r_s (weak duality, as for the node); likewise
    with r_s < 0 those with y_s = 0 cost at least raw - r_s. Designs above the target cannot
    beat the incumbent by the gap, so leaving them out changes no proof (reduced-cost fixing,
    Crowder, Johnson and Padberg 1983, as in the window's MIP). The incumbent only falls, so
    the fixing stays valid for the node's subtree."""
    free = lb < ub
    other_side = raw + np.abs(reduced_y)
    close = free & (reduced_y > 0) & (other_side > target)
    open_ = free & (reduced_y < 0) & (other_side > target)
    lb, ub = lb.copy(), ub.copy()
    ub[close] = 0.0
    lb[open_] = 1.0
    return lb, ub, float(other_side[close | open_].min(initial=np.inf))


def _with_sites(model: MipModel, lb: np.ndarray, ub: np.ndarray) -> MipModel:
    """`model` with its site variables' bounds set to (lb, ub)."""
    var_lb, var_ub = model.var_lb.copy(), model.var_ub.copy()
    var_lb[model.y], var_ub[model.y] = lb, ub
    return replace(model, var_lb=var_lb, var_ub=var_ub)


def _round(problem: LocationProblem, full: MipModel, open_y: np.ndarray, lb: np.ndarray,
           ub: np.ndarray, n: int, best: Incumbent, deadline: float,
           rounded: set[bytes] | None = None, starts: set[bytes] | None = None) -> None:
    """Offer the design a node's LP points at: the n sites it opens most, those it fixes open
    first and those it fixes closed never, improved by the heuristic's swaps where it applies
    (heuristic.rounded_design, once per starting set: `starts`, the tree's), else assigned
    under every row (window_mip.fixed_sites_design).
    With capacity rows (`rounded`: the sets tried so far) by the fixed-sites LP rounded
    (window_mip.rounded_fixed_sites_design, without the greedy fill that follows it there),
    once per set: the heuristic ignores capacity, and its designs overload the sites."""
    weight = np.where(ub < 0.5, -np.inf, np.where(lb > 0.5, np.inf, open_y))
    if rounded is not None:
        is_open = np.zeros(problem.n_sites, bool)
        is_open[np.argsort(-weight, kind="stable")[:n]] = True
        if is_open.tobytes() not in rounded:
            rounded.add(is_open.tobytes())
            rounded_fixed_sites_design(problem, full, is_open, best, deadline)
        return
    if heuristic.applies(problem):
        found = heuristic.rounded_design(problem, weight, n, starts)
        if found is not None and found[0] < best.objective:
            values = design_vector(full, found[1], found[2])
            if values is not None:
                offer(problem, full, best, values)
        return
    is_open = np.zeros(problem.n_sites, bool)
    is_open[np.argsort(-weight, kind="stable")[:n]] = True
    fixed_sites_design(problem, full, is_open, best, 0.0, deadline)
