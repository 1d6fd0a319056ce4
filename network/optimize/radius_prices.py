"""Row prices for one count of open sites without the nearest-sites LP: Benders on the radius
form (Duran-Mateluna, Ales and Elloumi 2023) inside a 1-D search on the share price.

Every share target and carrier-share row is priced, each row's price searched in turn with
the others held (below, one row for short); capacity rows are not in the master, and the
caller uses it only for models without them.

With the share target's price sigma held, every option p of point z costs
r_p = o_z c_p - sigma A_p, each (point, site) pair its cheapest option C_zs, cross-border its
cheapest CB_z, and the window's LP (exactly n sites, the target row priced) is a p-median LP
with fixed costs:
    LP(sigma) = sigma b + I_n + min_{y, x} sum_s F_s y_s + sum_z sum_s C_zs x_zs (+ CB_z x_z0)
    s.t. sum_s x_zs + x_z0 = 1, x_zs <= y_s, sum_s y_s = n, 0 <= y <= 1 (forced sites fixed).
For fixed y, point z's part is a greedy fill (its sources in cost order, each up to y_s,
cross-border without limit), whose LP dual gives for any threshold c the valid cut
    theta_z >= c - (c - CB_z)^+ - sum_s (c - C_zs)^+ y_s
(dual lambda_z = c, w_zs = (c - C_zs)^+ is feasible). The master, min F y + sum_z theta_z over
sum y = n and the cuts, has 57 + 881 columns on the default; each round adds, for every point
whose theta lies below its fill's value at the master's y, the cut at its critical cost (the
source where the fill reaches 1), until none is violated: then the master's value is LP(sigma)
(three or four rounds from cuts at each point's four cheapest sources). Its cut prices give
lambda_z = sum_c pi_c c (each point's cut prices sum to 1).

LP(sigma) is concave in sigma (a minimum of functions affine in it) with supergradient
b - A x at the master's solution, so sigma is searched as share_prices.best_share_price does
(bracket, then where the two end lines meet), each point one Benders solve.

Nothing here is trusted for a bound: the prices only start the search's ascents, and every
bound is L_n(lambda, sigma) computed by lagrange.py, valid for any prices with sigma >= 0 (weak
duality: docs/optimizer.md). Why: on the default the nearest-sites LP at the guessed count took
2.0 CPU s of a 2.8 s cold solve; this gives the same L_n (the full LP's value, to 1e-9) in a
fraction of that (BENCHMARKS.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.math_opt import model_pb2
from pybind11_abseil.status import StatusNotOk

from network.optimize.heuristic import share_price_guess
from network.optimize.lagrange import LagrangeData, priced_rows
from network.optimize.mathopt_backend import BASIC, LpBasis, solve_lp, to_proto
from network.optimize.model import MipModel
from network.optimize.problem import LocationProblem

FIRST_RANKS = 2  # the first master has a cut at each point's 2 cheapest sources
MAX_ROUNDS = 30  # Benders rounds per sigma at most
SEARCH_EVALS = 10  # Benders solves per 1-D search on sigma at most
STEP = 1.25  # the bracket grows from the guessed sigma by this factor, doubled each time
CUT_TOLERANCE = 1e-9  # relative: a cut violated by less is not added
SIGMA_TOLERANCE = 2e-6  # relative: the search stops when its bracket's lines meet this close


@dataclass(frozen=True)
class RadiusSolution:
    """The window's LP at one sigma: its value, lambda, and the share the LP's x reaches."""

    value: float  # LP(sigma): sigma b + I_n + the master's objective
    lam: np.ndarray  # [z]
    sigma: np.ndarray  # [t]
    slope: np.ndarray  # [t] b - A x, one per row
    y: np.ndarray  # [s] the master's y
    cuts: tuple[np.ndarray, np.ndarray]  # (point, source) of every cut, to start the next
    # The last master's (point, source) of every cut and its final basis: the next sigma's
    # first master (`_solve`'s `last`)
    master: tuple[np.ndarray, np.ndarray, LpBasis | None] | None = None


def radius_prices(problem: LocationProblem, data: LagrangeData, n: int, deadline: float,
                  sites: np.ndarray | None = None, enough: float = np.inf,
                  sigma_guess: np.ndarray | None = None,
                  opened: list[np.ndarray] | None = None,
                  kept: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
                  upper: list[float] | None = None
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """(lambda, sigma) for count n: Benders at each sigma of a 1-D search for the best one,
    stopping once LP(sigma) reaches `enough`; `sites` (a guessed design's open sites, n of
    them) give the first cuts (each point's two cheapest of them: where an integral master
    fills it) and the share target's first sigma (heuristic.share_price_guess, unless
    `sigma_guess`, one price per row, an ascent's for the same count, is given: then every
    row's search starts from it). `opened`, when given, receives the master's
    y at the prices returned (a design to try: count_search._radius_ascent), then its y at
    every other price the search tried (where the LP mixes two designs, as with two share
    targets, the master at either side of the best price opens one of them whole). None where
    the master fails (no n sites fit the forced ones, a point no source reaches, a solver
    stop). `kept` (count -> (point, source) pairs: the cuts binding where the last search of
    that count ended, on this problem or an earlier one over the same points and sites) gives
    the first master's cuts, its count's pairs else the nearest count's, in place of the
    design's sources where they give every point a cut, and receives this search's pairs.
    `upper`, when given, receives an upper bound on the window's LP value (so on every L_n
    of count n: `lp_upper`) where the search proved one (one row or none: the lines of its
    bracket; several rows: the tangent planes at every sigma it solved, `tangent_upper`),
    else inf.
    Each pair's cut is made again from this problem's costs at each sigma (`_master`), so it
    is valid whatever problem or count the pair came from (docs/optimizer.md, "Radius cuts
    kept across edits"); the pairs only choose where the master starts. Why: next_day_80's
    warm edits spent 0.07-0.09 CPU s in each first master, from two cuts a point at the
    design's sites (BENCHMARKS.md, branch nextday9)."""
    own = _kept_pairs(problem, kept, n)
    if own is None or not np.bincount(own[0], minlength=problem.n_points).all():
        own = _joined(_design_sources(problem, data, sites), own)
    seen: list[np.ndarray] = []
    above = [np.inf]  # the least upper bound on max LP(sigma) the search proved
    if not len(data.shares):
        best = _solve(problem, data, n, np.zeros(0), own, deadline)
        above = [np.inf if best is None else best.value]
    else:
        solved: dict[bytes, RadiusSolution] = {}
        best = _coordinate_search(problem, data, n, deadline, sites, own, enough, sigma_guess,
                                  seen, above if len(data.shares) == 1 else None, solved)
        if len(data.shares) > 1:  # one row: the bracket's lines, without another LP
            above[0] = min(above[0], tangent_upper(list(solved.values())))
    if upper is not None:
        upper.append(lp_upper(above[0]))
    if best is None:
        return None
    if kept is not None:
        kept[n] = best.cuts
    if opened is not None:
        opened.append(best.y)
        opened.extend(y for y in seen if y is not best.y)
    return best.lam, best.sigma


def _coordinate_search(problem: LocationProblem, data: LagrangeData, n: int, deadline: float,
                       sites: np.ndarray | None, cuts: tuple[np.ndarray, np.ndarray] | None,
                       enough: float, guess: np.ndarray | None,
                       seen: list[np.ndarray] | None = None,
                       above: list[float] | None = None,
                       solved: dict[bytes, RadiusSolution] | None = None
                       ) -> RadiusSolution | None:
    """The best LP(sigma) found by a 1-D search on each row's price in turn, the others held
    (the share target's first), twice over where there are several rows, from `guess` (every
    row's price: an ascent's, for the same count), else from 0 (the share target's from
    share_price_guess). LP(sigma) is concave in the whole vector, so each search only raises
    it; its maximum need not be reached, and nothing needs it to be. A row's second search is
    skipped where no other row's price moved since its first ended (it would start where that
    one ended, along the same line), and a sigma solved once is not solved again (a row's
    search starts at the best point of the row before: next_day_35_3day_95 after closing AVP
    solved 11 masters where these 5 give the same prices; BENCHMARKS.md, branch warm6)."""
    t = len(data.shares)
    best = None
    base = np.zeros(t)
    if guess is not None and len(guess) == t:
        base = np.maximum(np.asarray(guess, float), 0.0)
    targets = len(problem.share_requirements)
    solved = {} if solved is None else solved  # sigma -> LP(sigma), once per search
    ended: dict[int, RadiusSolution | None] = {}  # row -> `best` when its last search ended
    for k in list(range(t)) * (2 if t > 1 else 1):
        if k in ended and ended[k] is best:  # no other row's price moved since: the search
            continue  # would start where it ended, along the same line
        first = None if k < targets and best is None and not base[k] > 0 else float(base[k])
        found = _search(problem, data, n, deadline, sites, cuts, enough, first, k, base, seen,
                        solved, above)
        if found is None:
            return best
        cuts = found.cuts
        if best is None or found.value > best.value:
            best = found
            base = found.sigma.copy()
        ended[k] = best
        if best.value >= enough or time.perf_counter() >= deadline:
            break
    return best


def _design_sources(problem: LocationProblem, data: LagrangeData, sites: np.ndarray | None
                    ) -> tuple[np.ndarray, np.ndarray] | None:
    """(point, source) of each point's two cheapest sites of `sites` at sigma 0."""
    if sites is None or not sites.any():
        return None
    cost, _ = _source_costs(problem, data, np.zeros(len(data.shares)))
    mine = np.where(sites[None, :], cost[:, :problem.n_sites], np.inf)
    k = min(2, int(sites.sum()))
    best = np.argsort(mine, axis=1, kind="stable")[:, :k]
    return np.repeat(np.arange(problem.n_points), k), best.ravel()


def _kept_pairs(problem: LocationProblem,
                kept: dict[int, tuple[np.ndarray, np.ndarray]] | None, n: int
                ) -> tuple[np.ndarray, np.ndarray] | None:
    """`kept`'s (point, source) pairs for count n, else for the nearest count kept (the
    fewer sites on a tie), those that index this problem's points and sources (sites and
    cross-border); None without any. A cut's pair does not depend on the count (`_master`
    makes it from the costs alone), so another count's pairs are cuts of this one's master."""
    pairs = None
    if kept:
        pairs = kept[n] if n in kept else kept[min(kept, key=lambda m: (abs(m - n), m))]
    if pairs is None:
        return None
    z, src = pairs
    ok = (z >= 0) & (z < problem.n_points) & (src >= 0) & (src <= problem.n_sites)
    return (z[ok], src[ok]) if ok.any() else None


def _joined(a: tuple[np.ndarray, np.ndarray] | None, b: tuple[np.ndarray, np.ndarray] | None
            ) -> tuple[np.ndarray, np.ndarray] | None:
    """The (point, source) pairs of a and b, each pair once."""
    if a is None or b is None:
        return a if b is None else b
    z, src = np.r_[a[0], b[0]].astype(np.int64), np.r_[a[1], b[1]].astype(np.int64)
    _, first = np.unique(z * (int(src.max()) + 1) + src, return_index=True)
    first.sort()
    return z[first], src[first]


def _search(problem: LocationProblem, data: LagrangeData, n: int, deadline: float,
            sites: np.ndarray | None, cuts: tuple[np.ndarray, np.ndarray] | None,
            enough: float, guess: float | None = None, k: int = 0,
            base: np.ndarray | None = None, seen: list[np.ndarray] | None = None,
            solved: dict[bytes, RadiusSolution] | None = None,
            above: list[float] | None = None,
            warm: RadiusSolution | None = None) -> RadiusSolution | None:
    """The best LP(sigma) found along row k's price, the others as in `base` (module
    docstring): from `guess` (for the share target, else share_price_guess at `sites`, else at
    the n sites the master at sigma 0 opens most; a carrier row's from a scale), the bracket
    grown by STEP, doubled each time (`_past_crossing`), then narrowed where the lines
    through its ends meet. `above[0]` is lowered to each upper bound on LP(sigma) along the
    row the search proves: a point's value where its slope is 0 (or negative at sigma 0),
    and where the tangent lines at the bracket's ends meet (LP(sigma) is concave, so it lies
    under every tangent line, and so under the lower of two; docs/optimizer.md). With one
    priced row, each sigma's first master starts from `warm`'s, the master solved before it
    (`_solve`'s `last`). Not with several: the masters' duals differ where they are
    degenerate, and next_day_35_3day_95's cold ascents from the other duals took 211-364
    L_n evaluations where they took 158 (BENCHMARKS.md, branch radius15)."""
    evals = 0
    base = np.zeros(len(data.shares)) if base is None else base
    target_row = k < len(problem.share_requirements)

    def at(s: float) -> RadiusSolution | None:
        nonlocal cuts, evals, warm
        evals += 1
        sigma = base.copy()
        sigma[k] = s
        key = sigma.tobytes()
        if solved is not None and key in solved:  # this LP(sigma) is known already
            return solved[key]
        found = _solve(problem, data, n, sigma, cuts, deadline,
                       warm if len(data.shares) == 1 else None)
        if found is not None:
            if solved is not None:
                solved[key] = found
            cuts, warm = found.cuts, found
            if seen is not None:  # the master's y at every price tried (radius_prices)
                seen.append(found.y)
        return found

    if target_row and (guess is None or not guess > 0):
        guess = share_price_guess(problem, sites)
    first = at(float(guess) if guess is not None and guess > 0 else 0.0)
    if first is None:
        return None
    best, lo, hi, step = first, None, None, STEP
    point, last = first, None  # `last`: the point before `point`, on the same side
    while True:
        if point.value > best.value:
            best = point
        s, slope = float(point.sigma[k]), float(point.slope[k])
        if above is not None and (slope == 0 or (s == 0.0 and slope < 0)):
            above[0] = min(above[0], point.value)
        if slope == 0 or best.value >= enough or (s == 0.0 and slope < 0):
            return best  # a slope of 0 is the maximum; at 0 going down, 0 is
        last = lo if slope > 0 else hi
        if slope > 0:
            lo = point
        else:
            hi = point
        if lo is not None and hi is not None:
            break
        if evals >= SEARCH_EVALS or time.perf_counter() >= deadline:
            return best
        if hi is None and s == 0.0:  # a first price: the master's sites' guess, else a scale
            opened = np.zeros(problem.n_sites, bool)
            opened[np.argsort(-point.y, kind="stable")[:n]] = True
            guess = share_price_guess(problem, opened) if target_row else None
            scale = 1e-3 * abs(point.value) / slope
            nxt = float(guess) if guess is not None and guess > 0 else scale
        elif hi is None:
            nxt = _past_crossing(last, point, k, s * step)
        else:
            nxt = s / step if s / step > 1e-6 * float(hi.sigma[k]) else 0.0
        step *= 2.0
        point = at(nxt)
        if point is None:
            return best
    while evals < SEARCH_EVALS and best.value < enough and time.perf_counter() < deadline:
        a, b = float(lo.sigma[k]), float(hi.sigma[k])
        la, lb = float(lo.slope[k]), float(hi.slope[k])
        kink = (hi.value - lo.value + la * a - lb * b) / (la - lb)
        line = lo.value + la * (kink - a)  # no LP(sigma) in the bracket lies above it
        if above is not None:  # nor any other: both lines are tangents of a concave function
            above[0] = min(above[0], line)
        if line - best.value <= SIGMA_TOLERANCE * abs(best.value) or b - a <= 1e-9 * b:
            break
        if not a < kink < b:
            kink = 0.5 * (a + b)
        mid = at(kink)
        if mid is None:
            break
        if mid.value > best.value:
            best = mid
        if mid.slope[k] > 0:
            lo = mid
        elif mid.slope[k] < 0:
            hi = mid
        else:
            break
    return best


def tangent_upper(points: list[RadiusSolution]) -> float:
    """An upper bound on max_{sigma >= 0} LP(sigma) from the tangent planes at `points`
    (each a master's value v_i at sigma_i with its slope g_i = b - A x_i), inf where they
    prove none. LP(sigma) is concave and lies under each plane
    sigma -> v_i + g_i (sigma - sigma_i) (x_i is feasible at every sigma), so for any weights
    mu >= 0 summing to 1 whose mixed slope G = sum_i mu_i g_i is <= 0 in every row,
    LP(sigma) <= sum_i mu_i (v_i - g_i sigma_i) + G sigma <= sum_i mu_i (v_i - g_i sigma_i)
    at every sigma >= 0 (docs/optimizer.md, "Radius prices"). The least such bound is a small
    LP over mu (the dual of max t, t <= each plane, sigma >= 0), solved by GLOP; its mu is
    only a candidate: clipped to >= 0, scaled to sum 1, and the bound kept only where
    numpy's G is <= 0, so nothing of the solver's tolerances enters the bound.

    Why: with two share rows the lines of one row's bracket prove nothing (the other's
    price moves), and next_day_35_3day_95 ran every ascent to its end (111-192
    L_n evaluations a solve); closing AVP, its 3-site ascent (52 of them) aimed at the
    heuristic's incumbent, above the window's LP, before the master's sets gave the
    optimum (count_search._radius_ascent; BENCHMARKS.md, branch nextday14)."""
    if not points:
        return np.inf
    g = np.array([p.slope for p in points], float)  # [m, t]
    a = np.array([p.value - float(p.slope @ p.sigma) for p in points])
    if not (np.isfinite(g).all() and np.isfinite(a).all()):
        return np.inf
    alone = (g <= 0).all(axis=1)  # one plane falling in every row bounds on its own
    best = float(a[alone].min()) if alone.any() else np.inf
    if len(points) < 2:
        return best
    m, t = g.shape
    scale = np.maximum(np.abs(g).max(axis=0), 1e-300)
    rows = np.repeat(np.arange(t + 1), m)
    model = MipModel(np.zeros(m), np.full(m, np.inf), np.zeros(m, bool), a,
                     np.r_[1.0, np.full(t, -np.inf)], np.r_[1.0, np.full(t, -TANGENT_MARGIN)],
                     rows, np.tile(np.arange(m), t + 1),
                     np.r_[np.ones(m), (g / scale).T.ravel()], 0, 0, np.zeros(0, int), ())
    try:
        lp = solve_lp(model, 1.0, glop_cold=True)
    except StatusNotOk:
        return best
    if lp.values is None:
        return best
    mu = np.maximum(lp.values, 0.0)
    if not mu.sum() > 0:
        return best
    mu = mu / mu.sum()
    if (mu @ g <= 0).all():
        best = min(best, float(mu @ a))
    return best


TANGENT_MARGIN = 1e-9  # each row's mixed slope asked to be <= -this (of its largest |g|),
# so that the solver's tolerance leaves numpy's mixed slope <= 0


def lp_upper(value: float) -> float:
    """An upper bound on max LP(sigma) proved by the search (`value`: a master's value or
    the meeting point of two tangent lines), raised by LP_UPPER_MARGIN of its size for the
    master's tolerances (CUT_TOLERANCE, GLOP's own) and rounding."""
    return value + LP_UPPER_MARGIN * abs(value) if np.isfinite(value) else np.inf


LP_UPPER_MARGIN = 1e-6  # relative, 1,000 times CUT_TOLERANCE


def _past_crossing(last: RadiusSolution | None, point: RadiusSolution, k: int,
                   step_to: float) -> float:
    """The next price up while every slope so far is positive: `step_to` (the bracket's
    step), or, where the slopes at `last` and `point` (lower sigma first) fall, just past
    where the line through them crosses 0 (CROSSING_MARGIN beyond), when that is nearer but
    at least a STEP on from `point`. Only where the search looks next: LP(sigma) is concave,
    so its slope falls, and the bracket is closed when a slope turns negative, wherever.

    Why: the step doubles (1.25, then 2.5 times), and next_day_80's edits' best prices lay
    15 % past the second price, so the third went to 2.2 times the best, and each price
    between was one more Benders solve of the narrowing (7 where 5 did; BENCHMARKS.md,
    branch nextday13)."""
    s, g = float(point.sigma[k]), float(point.slope[k])
    if last is None:
        return step_to
    s0, g0 = float(last.sigma[k]), float(last.slope[k])
    if not (s0 < s and g0 > g > 0):
        return step_to
    crossing = s + g * (s - s0) / (g0 - g)
    return min(step_to, max(s * STEP, crossing * CROSSING_MARGIN))


CROSSING_MARGIN = 1.1  # past the slopes' line's 0 by this factor: the slope falls in steps


def _solve(problem: LocationProblem, data: LagrangeData, n: int, sigma: np.ndarray,
           start: tuple[np.ndarray, np.ndarray] | None, deadline: float,
           last: RadiusSolution | None = None) -> RadiusSolution | None:
    """LP(sigma) by Benders on the radius form (module docstring), its first cuts at each
    point's FIRST_RANKS cheapest sources and at `start`'s (point, source) pairs; or, given
    `last` (the same count's master at another sigma), at every pair of its last master,
    from that master's final basis. Each cut is made from this sigma's costs (`_master`), so
    any pairs give a valid master and the rounds end at LP(sigma) either way; only where
    the rounds start changes.

    Why: from the binding pairs alone, each new sigma's master took 3-6 rounds, each adding
    300-600 cuts with 100-500 dual simplex iterations (next_day_80's edits: 19-24 LPs a
    search); most of the last master's other cuts are needed again at a nearby sigma, and
    its basis stays close to optimal (10-15 LPs; BENCHMARKS.md, branch radius15). Without
    the basis (tried at nextday14) the first LP took 600 ms."""
    cost, fast = _source_costs(problem, data, sigma)  # [z, S+1], the last column cross-border
    n_z, n_s = problem.n_points, problem.n_sites
    free = ~problem.forced_open & ~problem.forced_closed
    if not (int(problem.forced_open.sum()) <= n <= int(problem.forced_open.sum() + free.sum())):
        return None
    order = np.argsort(cost, axis=1, kind="stable")
    ranked = np.take_along_axis(cost, order, axis=1)
    finite = np.where(np.isfinite(ranked), ranked, 0.0)
    z_all, src_all = _first_cuts(cost, order, start)
    basis = proto = None
    if (last is not None and last.master is not None
            and np.isfinite(cost[last.master[0], last.master[1]]).all()):
        z_all, src_all, basis = last.master
    for _ in range(MAX_ROUNDS):
        master = _master(problem, n, cost, z_all, src_all)
        proto = _grown_proto(proto, master)
        begin = None
        if basis is not None:  # the last master's basis, the new cuts' slacks basic
            extra = len(master.row_lb) - len(basis.row_status)
            begin = LpBasis(basis.variable_status,
                            np.r_[basis.row_status, np.full(extra, BASIC, np.int8)])
        try:
            lp = solve_lp(master, deadline - time.perf_counter(), begin, dual_simplex=True,
                          glop_cold=True, proto=proto)
        except StatusNotOk:  # a solver error: left to the LP
            return None
        if lp.values is None:
            return None
        basis = lp.basis
        y = np.r_[lp.values[:n_s], 1.0]  # cross-border always "open"
        theta = lp.values[n_s:]
        fill, critical = _fill(y[order], ranked)
        if fill.sum(axis=1).min() < 1.0 - 1e-6:  # a point the master's sites cannot serve
            return None  # (no cross-border option): left to the LP
        value = (fill * finite).sum(axis=1)
        short = theta < value - CUT_TOLERANCE * np.abs(value) - 1e-9
        if not short.any():
            break
        z_all = np.r_[z_all, np.nonzero(short)[0]]
        src_all = np.r_[src_all, order[short, critical[short]]]
        if time.perf_counter() >= deadline:
            return None
    else:
        return None
    prices = lp.duals[1:]  # the count row first
    lam = np.bincount(z_all, weights=prices * np.minimum(cost[z_all, src_all],
                                                         cost[z_all, n_s]), minlength=n_z)
    x = np.zeros_like(cost)
    np.put_along_axis(x, order, fill, axis=1)
    reached = (x[None] * fast).sum(axis=(1, 2))  # [t]; fast is 0 where cost is inf
    slope = data.shares - reached
    value = lp.objective + float(sigma @ data.shares) + problem.inventory_usd_by_count[n]
    active = prices > 1e-12 * max(1.0, float(np.abs(prices).max()))  # the next sigma's first
    return RadiusSolution(value, lam, sigma.astype(float), slope, y[:n_s],  # cuts: binding
                          (z_all[active], src_all[active]), (z_all, src_all, basis))


def _first_cuts(cost: np.ndarray, order: np.ndarray,
                start: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    """(point, source) of the first master's cuts: `start`'s with a finite cost, and each
    point's FIRST_RANKS cheapest sources (none where `start` has a cut for
    every point: fewer rows, fewer rounds; BENCHMARKS.md), so that every theta is bounded."""
    n_z = len(cost)
    z_all, src_all = np.zeros(0, np.int64), np.zeros(0, np.int64)
    if start is not None:
        keep = np.isfinite(cost[start[0], start[1]])
        z_all, src_all = start[0][keep], start[1][keep]
    ranks = 0 if np.bincount(z_all, minlength=n_z).all() else FIRST_RANKS
    firsts = order[:, :ranks]
    return (np.r_[z_all, np.repeat(np.arange(n_z), ranks)].astype(np.int64),
            np.r_[src_all, firsts.ravel()].astype(np.int64))


def _source_costs(problem: LocationProblem, data: LagrangeData, sigma: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """([z, S+1] each pair's least r_p at sigma, inf where z has no option at s, the last
    column cross-border's; [t, z, S+1] each row's A_tp of the option that attains it)."""
    n_z, n_s = problem.n_points, problem.n_sites
    r = data.po_cost - priced_rows(sigma, data.po_fast) if len(sigma) else data.po_cost.copy()
    members = data.pair_members
    values = np.where(members >= 0, r[np.maximum(members, 0)], np.inf)
    pick = members[np.arange(len(members)), np.argmin(values, axis=1)]
    z = data.po_point[data.pair_starts]
    cost = np.full((n_z, n_s + 1), np.inf)
    fast = np.zeros((len(sigma), n_z, n_s + 1))
    cost[z, data.pair_site] = r[pick]
    fast[:, z, data.pair_site] = data.po_fast[:, pick]
    cross = data.cross
    if not len(cross):
        return cost, fast
    rc = data.cost[cross] - (priced_rows(sigma, data.weight_fast[:, cross]) if len(sigma)
                             else 0.0)
    point = problem.options.point[cross]
    by_point = np.lexsort((rc, point))  # each point's cheapest cross-border option first
    firsts = by_point[np.r_[True, point[by_point][1:] != point[by_point][:-1]]]
    cost[point[firsts], n_s] = rc[firsts]
    fast[:, point[firsts], n_s] = data.weight_fast[:, cross[firsts]]
    return cost, fast


def _master(problem: LocationProblem, n: int, cost: np.ndarray, z_all: np.ndarray,
            src_all: np.ndarray) -> MipModel:
    """min sum_s F_s y_s + sum_z theta_z, sum_s y_s = n, and each cut (point z, threshold the
    cost of source src) theta_z + sum_s (c - C_zs)^+ y_s >= c - (c - CB_z)^+."""
    n_z, n_s = problem.n_points, problem.n_sites
    c = cost[z_all, src_all]
    coef = np.maximum(0.0, c[:, None] - cost[z_all, :n_s])  # inf costs give 0
    rr, ss = np.nonzero(coef > 0)
    n_cut = len(z_all)
    rhs = np.minimum(c, cost[z_all, n_s])
    return MipModel(
        np.r_[problem.forced_open.astype(float), np.full(n_z, -np.inf)],
        np.r_[np.where(problem.forced_closed, 0.0, 1.0), np.full(n_z, np.inf)],
        np.zeros(n_s + n_z, bool), np.r_[problem.fixed_cost_usd_per_year, np.ones(n_z)],
        np.r_[float(n), rhs], np.r_[float(n), np.full(n_cut, np.inf)],
        np.r_[np.zeros(n_s, np.int64), rr + 1, np.arange(n_cut) + 1],
        np.r_[np.arange(n_s), ss, n_s + z_all],
        np.r_[np.ones(n_s), coef[rr, ss], np.ones(n_cut)], n_s, 0, np.zeros(0, int), ())


def _grown_proto(proto: model_pb2.ModelProto | None, master: MipModel
                 ) -> model_pb2.ModelProto:
    """`to_proto(master)`, made from `proto`, the last round's master (the same columns and
    objective, the rows before its new cuts), by adding those cuts' rows: a round adds rows
    after the others, so MathOpt's row-major order holds with their entries appended.

    Why: each round built its master's proto from every cut again (sorting and copying all
    its entries), a third of the master's CPU (next_day_35_3day_95 closing AVP: 17 protos
    in 0.09 CPU s; BENCHMARKS.md, branch warm6). The same proto, so the same LP and
    prices."""
    if proto is None:
        return to_proto(master)
    first = len(proto.linear_constraints.ids)
    rows = np.arange(first, len(master.row_lb))
    c = proto.linear_constraints
    c.ids.extend(rows.tolist())
    c.lower_bounds.extend(master.row_lb[first:].tolist())
    c.upper_bounds.extend(master.row_ub[first:].tolist())
    new = np.nonzero(master.a_row >= first)[0]
    new = new[np.lexsort((master.a_col[new], master.a_row[new]))]
    m = proto.linear_constraint_matrix
    m.row_ids.extend(master.a_row[new].tolist())
    m.column_ids.extend(master.a_col[new].tolist())
    m.coefficients.extend(master.a_val[new].tolist())
    return proto


def _fill(y_ranked: np.ndarray, ranked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's greedy fill of its sources in cost order, each up to its y (the LP's x),
    and the rank where it reaches 1 (the critical source)."""
    before = np.cumsum(y_ranked, axis=1) - y_ranked
    fill = np.clip(1.0 - before, 0.0, y_ranked)
    fill = np.where(np.isfinite(ranked), fill, 0.0)
    reached = np.cumsum(fill, axis=1) >= 1.0 - 1e-9
    critical = np.argmax(reached, axis=1)
    return fill, critical
