"""Sets of open sites: a lower bound for each (B(S)), and a window solved one set at a time.

The bound. For an open set S of n sites, keep the assignment rows (every point takes one
option among S and cross-border) and relax the capacity rows (4) with prices m_s >= 0 per
order and each share target (3) with a price sigma_t >= 0:
    B(S) = F(S) + I_n - sum_{s in S} m_s Q_s + sum_t sigma_t a_t
           + sum_z min_{p at S or abroad} (o_z c_p + m_s(p) o_z - sum_{t met by p} sigma_t o_z/O)
with Q_s and a_t loosened by their slack (Q_s + problem.capacity_slack, a_t -
problem.SHARE_SLACK: the designs incumbent.offer accepts). For such a design with open set S
each added term m_s (load_s - Q_s) and sigma_t (a_t - share_t) is <= 0, so B(S) is a lower
bound on every design with open set S, whatever the prices (weak duality; carrier shares are
left out, which only lowers it), and as strong as the LP with y
fixed to S when the subgradient steps (all sets at once) converge: the kept rows are
integral. For S empty every point goes cross-border and only sigma is priced.
`priced_set_bounds` computes it, from any starting prices; capacity_sets.py ranks the sets of
a window LP's partly open sites by it, and the enumeration below prunes with it.

The enumeration. Why: with one or two open sites capacity binds hard (each site handles far
less than the demand, the rest going cross-border), and such a window's LP with every
capacity row is slow (BENCHMARKS.md). When the window allows at most MAX_SETS sets of open
sites, every set gets B(S) (`set_bounds`, from zero prices). Sets are then taken least bound
first, each by its LP over its own options with its capacity rows and sites fixed (which
settles it, or raises its bound and puts it back), then by its MIP to a loose gap (which
settles it, or raises its bound and puts it back again), then by its MIP to the requested
gap, and the rest pruned once the least bound reaches the best design. A set's model leaves
out its link rows: implied when every site in it is open. The window's proven bound is
min(each settled set's bound, the least bound of the sets not settled).

The share targets must be priced (sigma): without them the bound pruned nothing where a target
binds (2 sites at 90% within 2 days on the default: every one of the 1,596 set bounds below
the best design, about $110M under the optimum; with sigma within $10M of it). The search
enumerates only where capacity binds (count_search.py: _worth_enumerating), and at most
MAX_SET_MIPS sets are solved: if the bound has not reached the best design by then, the
window goes back to the LP/MIP path, keeping any design found. Each set's MIP carries a
cutoff row at the best design so far (`_set_mip`): a set that cannot beat it is shown so
at the MIP's root (0.1 s on seed 165's sets, where proving such a set's own optimum took up
to 107 s), or by its LP already (`_set_by_lp`); those count apart, up to MAX_CUT_OFF, as
they cost little. An enumeration begun with no design known may pause before its first exact
set MIP, so that the other windows are searched first (`solve_by_sets`, may_pause).
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from network.optimize.incumbent import Incumbent, read_design
from network.optimize.mathopt_backend import MipStatus, objective_scale, solve_lp, solve_model
from network.optimize.model import (
    MipModel,
    build_model,
    lagrangian_bound,
    loosened,
    without_block,
)
from network.optimize.problem import (
    NO_SITE,
    SHARE_SLACK,
    LocationProblem,
    Options,
    capacity_slack,
    overloaded_sites,
)
from network.optimize.result import bound_holds, relative_gap_of
from network.optimize.window_mip import fast_bonus, offer_rounded_lp

MAX_SETS = 3500  # 2 of 57 sites: 1,596 sets; 7 of 14: 3,432 (seed 111 of tests/test_oracle.py)
MAX_SET_MIPS = 12  # then the set bounds are too weak to pay: solve the window as a whole
MAX_CUT_OFF = 200  # sets whose MIP the cutoff row closes at its root (0.1 s each on seed 165)


def enumerable(problem: LocationProblem, lo: int, hi: int) -> bool:
    """True when the window [lo, hi] allows at most MAX_SETS sets of open sites."""
    free = int((~problem.forced_open & ~problem.forced_closed).sum())
    forced = int(problem.forced_open.sum())
    total = sum(math.comb(free, n - forced) for n in range(lo, hi + 1) if 0 <= n - forced <= free)
    return 0 < total <= MAX_SETS


def site_sets(problem: LocationProblem, lo: int, hi: int) -> list[np.ndarray]:
    free = np.nonzero(~problem.forced_open & ~problem.forced_closed)[0]
    forced = problem.forced_open
    out = []
    for n in range(lo, hi + 1):
        extra = n - int(forced.sum())
        if not 0 <= extra <= len(free):
            continue
        for chosen in itertools.combinations(free.tolist(), extra):
            mask = forced.copy()
            mask[list(chosen)] = True
            out.append(mask)
    return out


def solve_by_sets(problem: LocationProblem, full: MipModel, lo: int, hi: int,
                  incumbent: float, relative_gap: float, deadline: float,
                  start: SetPrices | None = None, resume: SetSearch | None = None,
                  may_pause: bool = False) -> SetSearch:
    """Every open set of the window, least bound first, until the least bound reaches the
    best design (complete), the time limit, or MAX_SET_MIPS sets solved (not complete).
    `start`: the prices each set's B(S) reached in the last search of the same sets (a
    what-if edit: the next promise level of a frontier), where its steps start instead of
    zero. With `may_pause` and no incumbent (`incumbent` infinite: no design known outside
    this window), the search pauses (`paused`, its bound `low`) where the least set would
    take its exact MIP; `resume`, a paused search of the same window, goes on from there.

    A set's bound is its B(S) until its LP is solved (`_set_by_lp`), then the higher of B(S)
    and the LP's bound L; a set taken with B(S) alone gets its LP, which settles it (L at the
    cutoff, or a rounded design within SET_ROUNDING of the gap) or puts it back at its new
    bound; a set taken with its LP's bound gets its MIP (`_set_mip`) to LOOSE_SET_GAP (or the
    requested gap, if wider), which settles it or puts it back at the higher of its bound
    and the MIP's; a set taken a third time gets its MIP to the requested gap. Each bound
    holds for every design of its set, so when the least of them reaches the best design
    less the gap, no set left can beat that design by the gap.

    Why the LP before any MIP: its bound ranks the sets as their MIPs would, at a tenth of
    the cost (BENCHMARKS.md, branch frontier5). Why a loose MIP before the exact one: a
    set's MIP proved its own optimum even where it was far above the best design (seed 114
    of tests/test_oracle.py: the first set, of the least B(S) and no incumbent yet, 20 CPU s
    for a design 3.5% above the optimum; seed 111: six sets, each a little cheaper than the
    last, each proven to 1e-4), and the cutoff row helps only once some design is near the
    optimum (BENCHMARKS.md, branch seeds5). Why the pause: a window enumerated before any
    design is known proved its best set's own optimum, however far above the other
    windows' designs (seed 109: the 3-site set [0, 5, 13], a design 7% above the
    optimum); paused, the search goes to the other windows with that set's loose design as
    the incumbent, and comes back only if this window's bound is still the least."""
    if resume is not None and resume.paused:
        out = resume
        sets, queue, own_best, (solved, cut_off) = out.state
        out.paused, out.state = False, None
    else:
        sets = site_sets(problem, lo, hi)
        prices: list[SetPrices] = []
        bounds = set_bounds(problem, sets, deadline, enough=incumbent * (1 - relative_gap),
                            start=start, prices=prices)
        out = SetSearch(prices=SetPrices.joined(prices))
        own_best = set()  # the set whose design out.cost is
        queue = [(float(bounds[k]), 0, k) for k in range(len(sets))]  # (bound, stage, set);
        heapq.heapify(queue)  # stage 0: B(S) alone, 1: its LP solved, 2: its loose MIP solved
        solved = cut_off = 0  # sets that gave a design or stopped short; cut off at once
    loose = max(relative_gap, LOOSE_SET_GAP)
    while queue:
        bound, stage, k = queue[0]
        target = min(out.cost, incumbent)
        if bound >= target * (1 - relative_gap):
            out.proven = min(out.proven, bound)
            return out  # this set and every later one cannot beat the best by the gap
        if solved == MAX_SET_MIPS or cut_off == MAX_CUT_OFF:
            out.complete = False
            return out
        if time.perf_counter() >= deadline:
            out.proven, out.limited = min(out.proven, bound), True
            return out
        if stage == 2 and may_pause and not np.isfinite(incumbent):
            out.paused, out.state = True, (sets, queue, own_best, (solved, cut_off))
            out.low = min(out.proven, bound)  # every set settled or in line has one as high
            return out
        heapq.heappop(queue)
        model, keep = _set_model(problem, sets[k])
        gap = relative_gap
        if stage == 0:
            found, lp_bound = _set_by_lp(problem, full, model, keep, sets[k], relative_gap,
                                         deadline, target)
            if found is None:  # back in the queue at its LP's bound
                heapq.heappush(queue, (max(bound, lp_bound), 1, k))
                continue
        else:
            gap = loose if stage == 1 else relative_gap
            cutoff = np.inf if k in own_best and out.cost == target else target  # no row
            # at the set's own design: seed 108's 2-site set then took 13.7 CPU s, without 0.8
            found = _set_mip(problem, full, model, keep, sets[k], gap, deadline, cutoff)
        cost, values, set_bound, cut = found
        out.limited |= cut
        if stage < 2 and (cost < np.inf or cut):
            solved += 1
        elif cost == np.inf and not cut:
            cut_off += 1
        if cost < out.cost:
            out.cost, out.values, own_best = cost, values, {k}
        set_bound = max(set_bound, bound)  # both bound every design of the set
        if (cut or cost == np.inf or gap == relative_gap
                or set_bound >= cost * (1 - relative_gap)):  # done: as close as asked, no
            out.proven = min(out.proven, set_bound)  # design below the cutoff, or cut short
        else:
            heapq.heappush(queue, (set_bound, 2, k))
    return out


LOOSE_SET_GAP = 5e-3  # a set's first MIP stops this close to its bound (solve_by_sets)


@dataclass
class SetSearch:
    """What solve_by_sets found: the best design (cost, full-model variable vector), the
    window's proven bound when `complete`, whether a time limit cut a MIP short, and when
    `paused`, the window's bound so far and the search's state to resume."""

    cost: float = np.inf
    values: np.ndarray | None = field(default=None, repr=False)
    proven: float = np.inf
    complete: bool = True
    limited: bool = False
    prices: SetPrices | None = field(default=None, repr=False)  # where each set's B(S) got
    paused: bool = False  # stopped before an exact set MIP with no incumbent (may_pause)
    low: float = -np.inf  # when paused: a bound on every design of the window
    state: tuple | None = field(default=None, repr=False)  # when paused: where to go on


@dataclass(frozen=True)
class SetPrices:
    """The prices at each open set's best B(S): a start for the same sets' steps after an
    edit that keeps the points and share rows (a frontier's next level). Only a start: B(S)
    is a bound at any m, sigma >= 0 (module docstring), so these decide how high the steps
    get, never whether it holds."""

    sets: np.ndarray  # [K, n] the open sites of each set (one size)
    m: np.ndarray  # [K, n] capacity prices, USD per order, of those sites
    sigma: np.ndarray  # [K, T] share prices, in problem.share_requirements' order

    @staticmethod
    def joined(parts: list[SetPrices]) -> SetPrices | None:
        """One size's prices (the window's sets of another size are not kept)."""
        return parts[0] if len(parts) == 1 else None

    def for_sets(self, idx: np.ndarray, n_targets: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(m, sigma) for exactly the sets `idx` in their order, or None when these prices
        are of other sets or other share rows."""
        if (self.sets.shape != idx.shape or self.sigma.shape[1] != n_targets
                or not np.array_equal(self.sets, idx)):
            return None
        return self.m, self.sigma


def set_bounds(problem: LocationProblem, sets: list[np.ndarray], deadline: float = np.inf,
               enough: float = np.inf, start: SetPrices | None = None,
               prices: list[SetPrices] | None = None) -> np.ndarray:
    """B(S) of each open set (a mask per set; module docstring) from zero prices, or from
    `start` when it holds the prices of exactly these sets (then Polyak steps, as from any
    given prices), the sets of one size together, stopping at `deadline` (every step's value
    is a bound, so the best so far is one); a set stops its steps once its B(S) reaches
    `enough` (solve_by_sets: the incumbent less the gap, which such a set can never beat).
    Each size's prices at its best B(S) go to `prices` when given."""
    out = np.empty(len(sets))
    by_size: dict[int, list[int]] = {}
    for k, mask in enumerate(sets):
        by_size.setdefault(int(mask.sum()), []).append(k)
    n_targets = len(problem.share_requirements)
    for members in by_size.values():
        idx = np.array([np.nonzero(sets[k])[0] for k in members], int).reshape(len(members), -1)
        m0, sigma0 = (None, None) if start is None else start.for_sets(idx, n_targets) or (
            None, None)
        out[members], m, sigma = set_prices_and_bounds(problem, idx, m0, sigma0, deadline,
                                                       enough)
        if prices is not None:
            prices.append(SetPrices(idx, m, sigma))
    return out


SET_PRICE_STEPS = 100  # from given prices: Polyak steps
COLD_PRICE_STEPS = 120  # from zero prices: steps shrinking as 1 / sqrt(k); sets that reach
# `enough` leave the steps early, so the many steps go to the few sets near the best design,
# each of which would otherwise take its LP (seed 111 of tests/test_oracle.py: 297 set LPs
# after 40 steps, 51 after 120, for about the same CPU in the steps; BENCHMARKS.md)
SET_AIM_ABOVE = 0.01  # Polyak steps aim this far over the best B(S) so far (relative)
SET_STALL = 5  # steps without a better B(S) before its step halves
BATCH = 400  # sets priced together (memory: BATCH x points x columns x classes floats)


def priced_set_bounds(problem: LocationProblem, sets: np.ndarray, m0: np.ndarray | None = None,
                      sigma0: np.ndarray | None = None, deadline: float = np.inf,
                      enough: float = np.inf) -> np.ndarray:
    """B(S) for each row of `sets` (set_prices_and_bounds, without the prices)."""
    return set_prices_and_bounds(problem, sets, m0, sigma0, deadline, enough)[0]


def set_prices_and_bounds(problem: LocationProblem, sets: np.ndarray,
                          m0: np.ndarray | None = None, sigma0: np.ndarray | None = None,
                          deadline: float = np.inf, enough: float = np.inf
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """B(S) for each row of `sets` [K, n] (the open sites of each set, n >= 0; module
    docstring), the best over subgradient steps on the prices; after `deadline` each batch of
    sets takes its first step only (a bound still: any prices give one), and a set whose B(S)
    reaches `enough` takes no further step (it is a bound already; only its height above
    `enough` is left unknown).

    From given prices m0 (USD per order, per site [s], or per set [K, n]) and sigma0 (USD per
    share of orders, per target in problem.share_requirements' order [T], or per set [K, T]),
    near the best ones (a window LP's), the
    steps are Polyak steps aimed just above the best value so far; from zero prices (None),
    steps of a typical cost per order (the median at the sets' sites) times the relative
    overload or shortfall, shrinking as 1 / sqrt(k): Polyak steps aimed 1% above crawl from
    zero (capacity_150m, one site: least bound $6.8B where these reach $18.6B), and these
    stray from good prices (overflow's LP sets: 0.3% below Polyak's; BENCHMARKS.md).

    Returns the bounds and the prices each was reached at (m [K, n], sigma [K, T])."""
    out = np.full(len(sets), -np.inf)
    out_m = np.zeros(sets.shape)
    out_sig = np.zeros((len(sets), len(problem.share_requirements)))
    if not len(sets):
        return out, out_m, out_sig
    tables = _option_tables(problem)
    spread = None
    if m0 is None or sigma0 is None:
        m0, sigma0 = np.zeros(problem.n_sites), np.zeros(len(problem.share_requirements))
        spread = _median_cost(tables, sets)
    for first in range(0, len(sets), BATCH):
        part = slice(first, first + BATCH)
        out[part], out_m[part], out_sig[part] = _ascend_sets(
            problem, tables, sets[part], m0[part] if m0.ndim == 2 else m0,
            sigma0[part] if sigma0.ndim == 2 else sigma0, deadline, spread, enough)
    return out, out_m, out_sig


def _median_cost(tables: _Tables, sets: np.ndarray) -> float:
    """The median over the sets' sites (each as often as the sets hold it) and points of the
    cheapest cost per order at that site (finite ones), or 1 when there is none or it is not
    positive: the step scale of the steps from zero prices. The median of that multiset,
    taken from each site's values and its count instead of gathering every set's copy."""
    at_sites = tables.cost[:, :-1, :].min(axis=2).T  # [s, z]
    weight = np.repeat(np.bincount(sets.ravel(), minlength=len(at_sites)), at_sites.shape[1])
    values = at_sites.ravel()
    keep = np.isfinite(values) & (weight > 0)
    values, weight = values[keep], weight[keep]
    if not values.size:
        return 1.0
    order = np.argsort(values, kind="stable")
    values, ends = values[order], np.cumsum(weight[order])
    total = int(ends[-1])  # the k-th smallest (from 0) is the first value whose end passes k
    median = (values[np.searchsorted(ends, (total - 1) // 2, side="right")]
              + values[np.searchsorted(ends, total // 2, side="right")]) / 2
    return float(median) if median > 0 else 1.0


def _set_model(problem: LocationProblem, is_open: np.ndarray) -> tuple[MipModel, np.ndarray]:
    """The model of the designs with exactly the sites `is_open` open, capacity rows
    included, rows loosened by their slack (the designs incumbent.offer accepts), over the
    options of those sites and cross-border (`keep`: their places among the options)."""
    opt = problem.options
    keep = np.nonzero((opt.site == NO_SITE) | is_open[np.maximum(opt.site, 0)])[0]
    small = replace(problem, options=Options(opt.point[keep], opt.site[keep],
                                             opt.service[keep], opt.cost_usd_per_order[keep],
                                             opt.days[keep]),
                    forced_open=is_open.copy(), forced_closed=~is_open,
                    carrier_bounds=tuple(replace(b, option_fraction=b.option_fraction[keep])
                                         for b in problem.carrier_bounds))
    n = int(is_open.sum())
    model = build_model(small, tuple(int(s) for s in np.nonzero(is_open)[0]), (n, n))
    return loosened(without_block(model, "link")), keep  # implied: every site here is open


def _set_mip(problem: LocationProblem, full: MipModel, model: MipModel, keep: np.ndarray,
             is_open: np.ndarray, relative_gap: float, deadline: float, cutoff: float
             ) -> tuple[float, np.ndarray | None, float, bool]:
    """The set's MIP (`model`: _set_model's) with the cutoff as one more row, objective <=
    cutoff (`with_cutoff`): (cost, full-model vector, proven lower bound, cut short) of the
    cheapest design with exactly the sites `is_open` open among those cheaper than `cutoff`.

    Why the cutoff row: HiGHS, through MathOpt, takes no cutoff (cutoff_limit and
    best_bound_limit are refused, and its own objective_bound option came back "optimal"
    with a design above it), and a set's MIP otherwise proves its own optimum: seed 165's
    [1, 3, 6, 7] took 50 s to prove a design 0.56% above the incumbent. The bound returned is
    min(the MIP's bound, cutoff): a design of this set either costs at least the cutoff or
    meets the row, so costs at least the bound of the MIP with it (infeasible: no design
    below the cutoff).

    Why HiGHS's heuristics at SET_HEURISTIC_EFFORT, not its default: with the sites fixed the
    MIP is close to a subset sum (which points take the dearer, faster service so that the
    share and carrier rows are just met), with many designs within the gap of each other;
    HiGHS proves such a set within a few nodes once it holds a design near the optimum, but
    with its default effort found that design late (seed 120 of tests/test_oracle.py,
    BENCHMARKS.md, branch seeds6). The effort changes which designs HiGHS tries, not what
    its bound means."""
    sol = solve_model(with_cutoff(model, cutoff), deadline - time.perf_counter(),
                      relative_gap, heuristic_effort=SET_HEURISTIC_EFFORT)
    limited = sol.status in (MipStatus.FEASIBLE, MipStatus.NO_SOLUTION)
    if sol.status is MipStatus.INFEASIBLE:
        return np.inf, None, float(cutoff), False
    bound = min(sol.best_bound if sol.best_bound is not None else _set_bound(problem, is_open),
                float(cutoff))
    if sol.values is None:
        return np.inf, None, bound, limited
    return (float(sol.objective), _full_vector(full, model, keep, is_open, sol.values), bound,
            limited)


SET_HEURISTIC_EFFORT = 0.8  # HiGHS's mip_heuristic_effort in a set MIP (its default: 0.05)

SET_ROUNDING = 0.1  # of the gap: a set LP's rounded design this close above its bound
# settles the set without its MIP


def _set_by_lp(problem: LocationProblem, full: MipModel, model: MipModel, keep: np.ndarray,
               is_open: np.ndarray, relative_gap: float, deadline: float, cutoff: float
               ) -> tuple[tuple[float, np.ndarray | None, float, bool] | None, float]:
    """The set settled by its LP (`model`: _set_model's), as _set_mip returns it, or None
    when its MIP must decide; and L, the LP's bound (-inf without one).

    L, model.lagrangian_bound of the LP's prices over `model`, is a lower bound on every
    design with these open sites that incumbent.offer accepts (weak duality: any prices give
    one, for the loosened rows; docs/optimizer.md, "Open sets one by one"). So when L reaches
    the cutoff no design of the set is cheaper than it: (inf, None, cutoff), as the MIP with
    the cutoff row says by coming back infeasible. Else the LP's design rounded and repaired
    (window_mip.offer_rounded_lp: each point at its largest x, moved off overloaded sites,
    the share rows met again), when incumbent.offer takes it, it overloads no site (`full`
    may lack capacity rows; the set's model has them), and it lies within SET_ROUNDING of the
    gap above L: (its cost, its vector, L), a design within the gap of the set's optimum with
    a bound that holds, what the MIP to the gap returns.

    Why: on the default's 2-site row the set LP (about 4,300 options) takes 0.06 CPU s and the
    MIP 0.3-1.8 s, and the LP's bound lay within 1e-5 of the MIP's design at every set the
    frontier solved (BENCHMARKS.md, branch frontier5). An LP with no solution settles the set
    as having no design: the MIP's rows are the LP's, and solve_lp says infeasible only on
    HiGHS's word. GLOP's dual simplex solves it cold (solve_lp: an LP of a few thousand
    columns solved many times); any vertex's prices give the bound."""
    lp = solve_lp(model, deadline - time.perf_counter(), dual_simplex=True, glop_cold=True)
    if lp.infeasible:  # no design of the set meets even the LP's rows (loosened)
        return (np.inf, None, np.inf, False), np.inf
    if lp.duals is None or lp.values is None:
        return None, -np.inf
    bound = lagrangian_bound(model, lp.duals)[0]
    if bound >= cutoff:
        return (np.inf, None, float(cutoff), False), bound
    values = _full_vector(full, model, keep, is_open, lp.values)
    found = Incumbent()
    rows = np.arange(len(model.row_lb))
    if not offer_rounded_lp(problem, full, values, fast_bonus(problem, model, rows, lp.duals),
                            found):
        return None, bound
    if (overloaded_sites(problem, read_design(problem, full, found.values)[1])
            or not bound_holds(bound, found.objective)
            or relative_gap_of(found.objective, bound) > SET_ROUNDING * relative_gap):
        return None, bound  # over a capacity `full` has no row for, or not close enough
    return (found.objective, found.values, bound, False), bound


def _full_vector(full: MipModel, model: MipModel, keep: np.ndarray, is_open: np.ndarray,
                 set_values: np.ndarray) -> np.ndarray:
    """The full model's variables of a set model's solution (`keep`: its options' places)."""
    values = np.zeros(len(full.var_lb))
    values[full.y] = is_open
    values[full.x.start + keep] = set_values[model.x]
    n = int(is_open.sum())
    values[full.u.start + int(np.searchsorted(full.count_values, n))] = 1.0
    return values


def with_cutoff(model: MipModel, cutoff: float) -> MipModel:
    """`model` with one more row, objective . v <= cutoff (scaled as HiGHS sees the
    objective: objective_scale), slack 0: only designs cheaper than `cutoff` (the model's
    objective has no constant term). The model itself when the cutoff is infinite."""
    if not np.isfinite(cutoff):
        return model
    scale = objective_scale(model)
    cols = np.nonzero(model.objective)[0]
    row = len(model.row_lb)
    return replace(model, row_lb=np.append(model.row_lb, -np.inf),
                   row_ub=np.append(model.row_ub, cutoff * scale),
                   a_row=np.concatenate([model.a_row, np.full(len(cols), row)]),
                   a_col=np.concatenate([model.a_col, cols]),
                   a_val=np.concatenate([model.a_val, model.objective[cols] * scale]),
                   row_blocks=model.row_blocks + (("cutoff", row, row + 1),),
                   row_slack=None if model.row_slack is None else np.append(model.row_slack,
                                                                            0.0))


def _set_bound(problem: LocationProblem, is_open: np.ndarray) -> float:
    return float(set_bounds(problem, [is_open])[0])


@dataclass(frozen=True)
class _Tables:
    """Per point and column (each site, then cross-border), the cheapest cost per order of an
    option meeting exactly k of the share targets (the targets sorted by days, longest first:
    an option meets the k longest), inf where none."""

    cost: np.ndarray  # [z, s + 1, T + 1]
    shares: np.ndarray  # [T] a_t less its slack (SHARE_SLACK), in the same (longest first) order
    order: np.ndarray  # [T] position in problem.share_requirements of each
    weight: np.ndarray  # [z] o_z / O


def _option_tables(problem: LocationProblem) -> _Tables:
    opt = problem.options
    order = np.argsort([-t.within_days for t in problem.share_requirements], kind="stable")
    targets = [problem.share_requirements[i] for i in order]
    met = sum((opt.days <= t.within_days).astype(int) for t in targets) if targets else (
        np.zeros(len(opt), int))
    column = np.where(opt.site == NO_SITE, problem.n_sites, opt.site)
    cost = np.full((problem.n_points, problem.n_sites + 1, len(targets) + 1), np.inf)
    np.minimum.at(cost, (opt.point, column, met), opt.cost_usd_per_order)
    return _Tables(cost, np.array([t.share for t in targets], float) - SHARE_SLACK,
                   order.astype(int), problem.orders_per_year / problem.orders_per_year.sum())


def _cheapest(cost: np.ndarray, adjust: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per set and point, the first choice of least cost + adjust and that least: `cost`
    [K, C, z], `adjust` [K, C]. The argmin over C taken row by row (C is small, 2-12: a
    column and class each), which numpy's argmin over a short last axis does several times
    slower."""
    least = cost[:, 0, :] + adjust[:, 0, None]
    pick = np.zeros(least.shape, dtype=np.intp)
    for c in range(1, cost.shape[1]):
        here = cost[:, c, :] + adjust[:, c, None]
        better = here < least
        np.copyto(least, here, where=better)
        pick[better] = c
    return pick, least


def _ascend_sets(problem: LocationProblem, tables: _Tables, idx: np.ndarray,
                 m0: np.ndarray, sigma0: np.ndarray, deadline: float, spread: float | None,
                 enough: float = np.inf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best B(S) over subgradient steps for the sets `idx` [K, n] (n may be 0:
    cross-border alone), from m0 and sigma0 (priced_set_bounds), stopping after the first step
    at `deadline`: SET_PRICE_STEPS Polyak steps, or with `spread` (USD per order: zero start
    prices) COLD_PRICE_STEPS steps of spread / sqrt(k) times the relative subgradient. A set
    whose best reaches `enough` leaves the steps (the arrays are cut to the sets left: on
    the default's 2-site windows at 90% within 2 days, 1,564 of 1,596 sets after 10 of the
    40 cold steps).

    m0 is per site [s] or per set [K, n] (in `idx`'s order), sigma0 per target [T] or per set
    [K, T] (both in problem.share_requirements' order). Returns each set's best B(S) and the
    prices it was reached at (m [K, n], sigma [K, T] in that order): a start for the same sets
    after an edit (`SetPrices`)."""
    out = np.full(len(idx), -np.inf)
    out_m = np.zeros(idx.shape)
    out_sig = np.zeros((len(idx), len(tables.shares)))
    left = np.arange(len(idx))  # positions in `idx` of the sets still stepping
    orders = problem.orders_per_year
    total = orders.sum()
    k_sets, n = idx.shape
    n_t = len(tables.shares)
    capacity = (np.where(np.isfinite(problem.capacity_orders_per_year),
                         problem.capacity_orders_per_year, 0.0)
                + capacity_slack(problem))[idx]  # [K, n], each with its slack
    has_cap = capacity > 0
    columns = np.concatenate([idx, np.full((k_sets, 1), problem.n_sites)], axis=1)
    cost = np.ascontiguousarray(  # [K, column x class, z]: each choice's row contiguous
        tables.cost[:, columns, :].transpose(1, 2, 3, 0).reshape(k_sets, -1, len(orders)))
    constant = (problem.fixed_cost_usd_per_year[idx].sum(axis=1)
                + problem.inventory_usd_by_count[n])
    m = np.where(has_cap, m0 if m0.ndim == 2 else m0[idx], 0.0)
    sig = (sigma0[:, tables.order] if sigma0.ndim == 2
           else np.tile(sigma0[tables.order], (k_sets, 1))).astype(float)
    sig = np.maximum(sig, 0.0)  # any prices >= 0 give a bound; a start may come from elsewhere
    best = np.full(k_sets, -np.inf)
    col_of = np.repeat(np.arange(n + 1), n_t + 1)  # flat position -> column, class
    cls_of = np.tile(np.arange(n_t + 1), n + 1)
    weight_col = np.zeros((k_sets, n + 1))
    factor, stall = np.full(k_sets, 2.0), np.zeros(k_sets, int)
    last_best = np.full(k_sets, -np.inf)
    for step in range(SET_PRICE_STEPS if spread is None else COLD_PRICE_STEPS):
        if step > 0 and time.perf_counter() >= deadline:
            break
        if step > 0 and np.isfinite(enough) and not (best < enough).all():
            keep = best < enough  # the others are bounds at or above `enough` already
            if not keep.any():
                break
            (left, best, cost, capacity, has_cap, constant, m, sig, weight_col, factor, stall,
             last_best) = (a[keep] for a in (left, best, cost, capacity, has_cap, constant, m,
                                             sig, weight_col, factor, stall, last_best))
            k_sets = len(left)
        weight_col[:, :n] = m
        bonus = np.concatenate([np.zeros((k_sets, 1)), np.cumsum(sig, axis=1)], axis=1) / total
        pick, least = _cheapest(cost, weight_col[:, col_of] - bonus[:, cls_of])  # [K, z]
        value = constant + least @ orders - (m * capacity).sum(axis=1) + sig @ tables.shares
        gained = value > best
        best = np.maximum(best, value)  # inf: some point has no option here, so no design
        out[left] = best
        out_m[left[gained]], out_sig[left[gained]] = m[gained], sig[gained]
        col, cls = col_of[pick], cls_of[pick]
        load, served = np.zeros((k_sets, n)), np.zeros((k_sets, n_t))  # n or n_t may be 0
        for j in range(n):
            load[:, j] = (col == j) @ orders
        for t in range(n_t):
            served[:, t] = (cls >= t + 1) @ tables.weight
        g_m = np.where(has_cap, (load - capacity) / np.maximum(capacity, 1.0), 0.0)
        g_sig = tables.shares[None, :] - served
        if spread is not None:  # from zero prices (priced_set_bounds)
            size = spread / np.sqrt(step + 1)
            m = np.maximum(0.0, m + size * g_m)
            sig = np.maximum(0.0, sig + problem.orders_per_year.sum() * size * g_sig)
            continue
        finite = np.isfinite(value)  # inf: no design on that set, and no step for it
        value_or_0 = np.where(finite, value, 0.0)
        improved = finite & (value_or_0 > last_best + 1e-9 * np.abs(value_or_0))
        stall = np.where(improved, 0, stall + 1)
        factor = np.where(stall >= SET_STALL, factor / 2, factor)
        stall = np.where(stall >= SET_STALL, 0, stall)
        last_best = np.maximum(last_best, value)
        # Polyak steps (as lagrange.ascend) in m_s Q_s and sigma_t, aimed SET_AIM_ABOVE over the
        # best so far: the subgradients (load_s - Q_s) / Q_s and a_t - share_t are then of one
        # scale
        aim = np.where(finite, best + SET_AIM_ABOVE * np.abs(np.where(finite, best, 0.0)), 0.0)
        norm = (g_m ** 2).sum(axis=1) + (g_sig ** 2).sum(axis=1)
        room = np.where(finite & np.isfinite(aim), np.maximum(aim - value_or_0, 0.0), 0.0)
        theta = np.where(norm > 0, factor * room / np.maximum(norm, 1e-30), 0.0)
        m = np.maximum(0.0, m + theta[:, None] * g_m / np.maximum(capacity, 1.0))
        sig = np.maximum(0.0, sig + theta[:, None] * g_sig)
    back = np.empty_like(tables.order)
    back[tables.order] = np.arange(len(tables.order))  # longest first -> the problem's order
    return out, out_m, out_sig[:, back]
