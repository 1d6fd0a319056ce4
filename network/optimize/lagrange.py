"""Lagrangian bounds for one count of open sites, by subgradient ascent (no LP solve).

For a fixed number n of open sites, relax the assignment rows (1) with prices lambda_z and the
coupling rows, share targets (3) and carrier shares (7), written as sum_p A_tp x_p >= b_t,
with prices sigma_t >= 0 (capacity rows (4) are dropped: a relaxation stays a valid bound).
Option p of point z then has the reduced cost
    r_p = o_z c_p - lambda_z - sum_t sigma_t A_tp
and the relaxation falls apart by site: a site is worth
    v_s = F_s + sum_z min(0, min_{p in P_z at s} r_p)
(one option per (point, site) because of the linking rows (2)), cross-border contributes
min(0, r) per point, and the best n sites are the forced-open ones plus the cheapest others:
    L_n(lambda, sigma) = sum_z lambda_z + sum_t sigma_t b_t + sum_z min(0, r_cb(z))
                         + sum of the n chosen v_s + I_n.
Every L_n is a valid lower bound on any design with n sites (weak duality; Geoffrion 1974,
Fisher 1981), with b_t the row's right-hand side less its slack (problem.SHARE_SLACK): so on
every design that misses a share row by no more than incumbent.offer accepts. Started from
the row prices of an LP (of another count, or of fewer options), a few dozen subgradient steps
(Held, Wolfe and Crowder 1974; Polyak steps aimed just above the incumbent) usually lift it
above the incumbent, which proves that count cannot win without solving its LP.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from network.optimize.model import MipModel
from network.optimize.problem import NO_SITE, SHARE_SLACK, LocationProblem

MAX_STEPS = 80
AIM_ABOVE = 0.002  # Polyak steps aim this far above the incumbent (relative)


@dataclass(frozen=True)
class LagrangeData:
    """The problem's options grouped by (point, site) pair, precomputed once. Site options are
    also stored in pair order (`po_*`), so a step prices them without gathering."""

    cost: np.ndarray  # [p] o_z c_p
    weight_fast: np.ndarray  # [t, p] A_tp of the coupling rows in ">=" form
    shares: np.ndarray  # [t] b_t: each coupling row's right-hand side less its slack
    pair_order: np.ndarray  # site options ordered by pair
    pair_starts: np.ndarray
    pair_site: np.ndarray  # [pair]
    pair_of: np.ndarray  # [k] pair of each option in pair_order
    cross: np.ndarray  # options with no site
    po_cost: np.ndarray  # [k] cost[pair_order]
    po_point: np.ndarray  # [k] point of pair_order
    po_fast: np.ndarray  # [t, k] weight_fast[:, pair_order]
    pair_members: np.ndarray  # [pair, m] positions in pair order, -1 padding (m: largest pair)
    pair_columns: np.ndarray  # [m, pair] the same, padding repeating the pair's first member
    site_pairs: tuple[np.ndarray, ...] = ()  # [s] each site's pairs, ascending (relaxed_choice)
    priced: dict[bytes, tuple[np.ndarray, np.ndarray]] = field(  # sigma -> `priced_pairs`
        default_factory=dict, init=False, repr=False, compare=False)  # (new with `replace`)
    pair_point: np.ndarray = field(init=False, repr=False, compare=False)  # [pair] its point

    def __post_init__(self) -> None:
        object.__setattr__(self, "pair_point", self.po_point[self.pair_starts])


def coupling_rows(problem: LocationProblem) -> tuple[np.ndarray, np.ndarray]:
    """(A [t, p], b [t]): the share targets (3) and carrier shares (7) as rows
    sum_p A_tp x_p >= b_t, in shares of all orders, in the model's order (model.py); a carrier
    maximum enters with its sign flipped."""
    opt = problem.options
    w = problem.orders_per_year / problem.orders_per_year.sum()
    rows = [w[opt.point] * (opt.days <= r.within_days) for r in problem.share_requirements]
    rhs = [r.share for r in problem.share_requirements]
    shipped = opt.site != NO_SITE
    for bound in problem.carrier_bounds:  # the same rows, in the same order, as model.py
        for share, sign in ((bound.min_share, 1.0), (bound.max_share, -1.0)):
            if share is not None:
                rows.append(sign * w[opt.point] * shipped * (bound.option_fraction - share))
                rhs.append(0.0)
    return np.array(rows).reshape(-1, len(opt)), np.array(rhs, dtype=float)


def lagrange_data(problem: LocationProblem) -> LagrangeData:
    """The data of L_n; its right-hand sides are the coupling rows' less their slack, so every
    L_n bounds the designs that miss a share row by up to SHARE_SLACK (incumbent.offer's)."""
    opt = problem.options
    fast, rhs = coupling_rows(problem)
    rhs = rhs - SHARE_SLACK
    at_site = np.nonzero(opt.site != NO_SITE)[0]
    pair = opt.point[at_site] * problem.n_sites + opt.site[at_site]
    order = at_site[np.argsort(pair, kind="stable")]
    sorted_pair = opt.point[order] * problem.n_sites + opt.site[order]
    starts = np.nonzero(np.r_[True, sorted_pair[1:] != sorted_pair[:-1]])[0]
    sizes = np.diff(np.r_[starts, len(order)])
    pair_of = np.repeat(np.arange(len(starts)), sizes)
    cost = problem.orders_per_year[opt.point] * opt.cost_usd_per_order
    members = _members(starts, sizes, len(order))
    pair_site = opt.site[order[starts]]
    by_site = np.argsort(pair_site, kind="stable")
    bounds = np.searchsorted(pair_site[by_site], np.arange(problem.n_sites + 1))
    return LagrangeData(cost, fast, rhs, order, starts,
                        pair_site, pair_of, np.nonzero(opt.site == NO_SITE)[0],
                        cost[order], opt.point[order], fast[:, order], members,
                        np.where(members >= 0, members, members[:, :1]).T.copy(),
                        tuple(by_site[bounds[s]:bounds[s + 1]] for s in range(problem.n_sites)))


def reused_data(problem: LocationProblem, last: tuple[LocationProblem, LagrangeData] | None
                ) -> LagrangeData:
    """`lagrange_data(problem)`, or the data of `last` (a problem and its data) when what it is
    made of is the same: the options (the same object), the orders, the share targets and the
    carrier rows; it does not depend on forced sites or count limits.

    Why: a warm edit of forced sites, counts or target shares built it again (sites_150: 28 ms
    of CPU a solve, 261,081 options); the data compared are the same arrays, so the bounds are
    the same floats (BENCHMARKS.md, branch warm5)."""
    if last is not None and _same_inputs(problem, last[0]):
        return last[1]
    return lagrange_data(problem)


def _same_inputs(a: LocationProblem, b: LocationProblem) -> bool:
    """Whether lagrange_data gives the same for both (every input it reads is equal)."""
    return (a.options is b.options and a.n_sites == b.n_sites
            and a.share_requirements == b.share_requirements
            and len(a.carrier_bounds) == len(b.carrier_bounds)
            and all(p.carrier == q.carrier and p.min_share == q.min_share
                    and p.max_share == q.max_share
                    and np.array_equal(p.option_fraction, q.option_fraction)
                    for p, q in zip(a.carrier_bounds, b.carrier_bounds, strict=True))
            and np.array_equal(a.orders_per_year, b.orders_per_year))


def pair_least(data: LagrangeData, r: np.ndarray) -> np.ndarray:
    """[pair] the least of `r` (one value per site option, in pair order) over each (point,
    site) pair: np.minimum.reduceat(r, data.pair_starts), as one gather and minimum per
    member rank (a pair's padding repeats its first member, which leaves its minimum as it is).

    Why: every L_n evaluation takes it, and reduceat over 132,000 pairs of one or two options
    (sites_150) took 3.3 ms where this takes 0.5 ms (BENCHMARKS.md, branch nextday3); the
    values are the same, only the time differs."""
    if not len(r):
        return r
    columns = data.pair_columns
    least = r[columns[0]]
    for members in columns[1:]:
        np.minimum(least, r[members], out=least)
    return least


def priced_rows(sigma: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """sigma @ rows ([t] @ [t, k] -> [k]) without a BLAS call for up to FEW_ROWS rows: row by
    row, sigma[0] rows[0] + sigma[1] rows[1] + ..., each product and sum rounded once (with
    one row the same floats as sigma @ rows; with more, within a rounding of each term of
    them: OpenBLAS fuses the multiply and add).

    Why: numpy hands that product to OpenBLAS as a matrix-vector product, which wakes its
    threads for a long row (k above a few thousand options); on the shared 2-core machine a
    wake cost 0.3-5 ms of CPU where the product takes 0.1 (BENCHMARKS.md, branch
    nextday12), several times a warm edit. With two rows, one thread, its [2, k] product
    took 0.4-0.5 ms where the rows one by one take 0.2 (next_day_35_3day_95's 91,302 site
    options, 250 products an edit; BENCHMARKS.md, branch nextday14)."""
    if not 0 < len(sigma) <= FEW_ROWS:
        return sigma @ rows
    out = sigma[0] * rows[0]
    for k in range(1, len(sigma)):
        out += sigma[k] * rows[k]
    return out


FEW_ROWS = 4  # priced_rows row by row up to this many rows


def _members(starts: np.ndarray, sizes: np.ndarray, n: int) -> np.ndarray:
    width = int(sizes.max()) if len(sizes) else 1
    members = starts[:, None] + np.arange(width)[None, :]
    return np.where(np.arange(width)[None, :] < sizes[:, None], members, -1)


_SIGMA_SIGN = {"target": 1.0, "carrier_min": 1.0, "carrier_max": -1.0}


def initial_prices(model: MipModel, duals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """lambda and sigma from an LP's row prices (carrier maximum rows change sign: they are
    "<=" rows in the model and ">=" rows here)."""
    lam = duals[list(model.rows_of("assign"))]
    sigma = [_SIGMA_SIGN[kind] * duals[first] for kind, first in _sigma_rows(model)]
    return lam, np.maximum(np.array(sigma, dtype=float), 0.0)


def duals_from_prices(model: MipModel, lam: np.ndarray, sigma: np.ndarray
                      ) -> np.ndarray | None:
    """Row prices of `model` that give back (lam, sigma) in `initial_prices`, 0 on every other
    row; None when the model has other points or other target rows. Carries prices across an
    edit that changes the rows in between (a site added or removed changes the link rows)."""
    rows, sigma_rows = list(model.rows_of("assign")), _sigma_rows(model)
    if len(rows) != len(lam) or len(sigma_rows) != len(sigma):
        return None
    duals = np.zeros(len(model.row_lb))
    duals[rows] = lam
    for (kind, first), value in zip(sigma_rows, sigma, strict=True):
        duals[first] = _SIGMA_SIGN[kind] * value
    return duals


def _sigma_rows(model: MipModel) -> list[tuple[str, int]]:
    """(kind, row) of each share target and carrier share row, in model order."""
    return [(name.split("[")[0], first) for name, first, _ in model.row_blocks
            if name.split("[")[0] in _SIGMA_SIGN]


def site_values(problem: LocationProblem, data: LagrangeData, lam: np.ndarray,
                sigma: np.ndarray) -> np.ndarray:
    """Each site's term in L_n at these prices: its fixed cost plus every negative reduced
    cost of its pairs (lower is more attractive: L_n takes the n lowest free sites)."""
    return _site_terms(problem, data, lam, sigma)[0]


def _site_terms(problem: LocationProblem, data: LagrangeData, lam: np.ndarray,
                sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(site values, the least r of each pair, the position in pair order of the pair's
    first option reaching it). Within a pair every option has the same point, so its r_p
    is (o_z c_p - sigma A_p) - lambda_z: the least and where it is reached are those of the
    sigma part (`priced_pairs`, kept per sigma), less lambda_z."""
    least, first = priced_pairs(data, sigma)
    pair_r = least - lam[data.pair_point]
    gain = np.minimum(pair_r, 0.0)
    value = problem.fixed_cost_usd_per_year + np.bincount(data.pair_site, gain,
                                                          minlength=problem.n_sites)
    return value, pair_r, first


PRICED_KEPT = 4  # sigmas whose `priced_pairs` a LagrangeData keeps


def priced_pairs(data: LagrangeData, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """([pair] the least o_z c_p - sigma A_p over each (point, site) pair's options, [pair]
    the position in pair order of the first option reaching it), kept on `data` for the
    last PRICED_KEPT sigmas.

    Why: an ascent's steps on lambda hold sigma (share_prices.ascend: 15 a round), and so do
    the first tries of every count at the same carried prices, yet each L_n priced every
    site option and took each pair's least again: on usps_max_60 (217,978 site options in
    50,217 pairs) 3.7 of an evaluation's 4.7 ms; from the kept sigma part an evaluation
    works over the pairs alone (BENCHMARKS.md, branch usps15)."""
    key = np.asarray(sigma, dtype=float).tobytes()
    with _PRICED_LOCK:  # a search's worker thread may share the data
        kept = data.priced.get(key)
    if kept is not None:
        return kept
    v = data.po_cost - priced_rows(sigma, data.po_fast) if len(sigma) else data.po_cost
    columns = data.pair_columns
    first = columns[0].copy()
    least = v[first]
    for members in columns[1:]:  # a pair's padding repeats its first member: never below
        values = v[members]
        lower = values < least
        first[lower] = members[lower]
        np.minimum(least, values, out=least)
    with _PRICED_LOCK:
        while len(data.priced) >= PRICED_KEPT:
            data.priced.pop(next(iter(data.priced)), None)
        data.priced[key] = (least, first)
    return least, first


_PRICED_LOCK = threading.Lock()


def lagrangian_value(problem: LocationProblem, data: LagrangeData, n: int, lam: np.ndarray,
                     sigma: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """L_n and its subgradient (for lambda, for sigma)."""
    found = relaxed_choice(problem, data, n, lam, sigma)
    if found is None:
        return np.inf, np.zeros_like(lam), np.zeros_like(sigma)
    served = np.bincount(problem.options.point[found.options], minlength=problem.n_points)
    g_lam = 1.0 - served
    g_sigma = data.shares - data.weight_fast[:, found.options].sum(axis=1)
    return found.value, g_lam, g_sigma


@dataclass(frozen=True)
class RelaxedChoice:
    """The relaxed subproblem's solution at some prices: L_n, the n sites it opens and the
    options it takes (every option with a negative reduced cost at a chosen site, one per
    (point, site) pair, and every cross-border option with a negative reduced cost). A point
    may take none or several: the assignment rows are relaxed. Its subgradients and the load
    it puts on each site (capacity_prices.py) are read from it."""

    value: float
    chosen: np.ndarray  # [s] bool
    options: np.ndarray  # option indices taken


def relaxed_choice(problem: LocationProblem, data: LagrangeData, n: int, lam: np.ndarray,
                   sigma: np.ndarray) -> RelaxedChoice | None:
    """The relaxed subproblem's solution at (lam, sigma) (module docstring); None when no n
    sites fit the forced ones."""
    value, pair_r, first = _site_terms(problem, data, lam, sigma)
    chosen = _choose_sites(problem, value, n)
    if chosen is None:
        return None
    used = _used_pairs(data, chosen, pair_r)
    taken = first[used]  # positions in pair order
    cross = data.cross
    r_cross = _cross_reduced(problem, data, lam, sigma)
    return RelaxedChoice(_value(problem, data, lam, sigma, value, chosen, r_cross), chosen,
                         np.concatenate([data.pair_order[taken], cross[r_cross < 0]]))


def _used_pairs(data: LagrangeData, chosen: np.ndarray, pair_r: np.ndarray) -> np.ndarray:
    """The pairs at the chosen sites with a negative least r, ascending:
    np.nonzero(chosen[data.pair_site] & (pair_r < 0))[0], read from each chosen site's pairs.
    Why: that scan of every pair took 0.3 ms of a 2.8 ms L_n on sites_150 (132,150 pairs, a few
    thousand at the chosen sites; BENCHMARKS.md, branch warm5)."""
    if not data.site_pairs:
        return np.nonzero(chosen[data.pair_site] & (pair_r < 0))[0]
    at = np.concatenate([data.site_pairs[s] for s in np.nonzero(chosen)[0]] + [
        np.zeros(0, np.int64)])
    at = at[pair_r[at] < 0]
    at.sort()
    return at


def _cross_reduced(problem: LocationProblem, data: LagrangeData, lam: np.ndarray,
                   sigma: np.ndarray) -> np.ndarray:
    """r of each cross-border option (data.cross) at (lam, sigma)."""
    cross = data.cross
    return data.cost[cross] - lam[problem.options.point[cross]] - priced_rows(
        sigma, data.weight_fast[:, cross])


def _value(problem: LocationProblem, data: LagrangeData, lam: np.ndarray, sigma: np.ndarray,
           site_value: np.ndarray, chosen: np.ndarray, r_cross: np.ndarray) -> float:
    """L at (lam, sigma) with the sites `chosen` open (module docstring; `site_value` the
    sites' v_s, `r_cross` the cross-border options' r): the one formula of L_n (its chosen
    sites the best n: relaxed_choice) and of the bound of a fixed set (`fixed_set_bound`)."""
    return float(lam.sum() + sigma @ data.shares + np.minimum(r_cross, 0.0).sum()
                 + site_value[chosen].sum()
                 + problem.inventory_usd_by_count[int(chosen.sum())])


def fixed_set_bound(problem: LocationProblem, data: LagrangeData, is_open: np.ndarray,
                    sigma: np.ndarray) -> float:
    """The Lagrangian bound of every design whose open sites are exactly `is_open` (S), at the
    share and carrier rows' prices sigma: L with S as the chosen sites (`_value`, L_n's own
    formula) and each lambda_z the point's least r_p at lambda = 0 over its options at S and
    cross-border, so that every min(0, .) term is 0 (up to rounding) and L = sum_z lambda_z
    + sigma . b + F(S) + I(|S|), with b each row's right-hand side less its slack (any
    lambda and sigma >= 0 give a bound: weak duality, as for L_n). inf when a point has no
    option at S or cross-border (no such design), -inf for a negative sigma.

    Why here: carrier_repair.offer_repaired skips a repair whose sites' bound is not below the
    incumbent, and that bound was a second formula of the same Lagrangian (carrier_repair's
    sites_bound, over the rows' right-hand sides without their slack, so not a bound on every
    design offer accepts); docs/optimizer.md, step 3."""
    if (sigma < 0).any():
        return -np.inf
    _, pair_r, _ = _site_terms(problem, data, np.zeros(problem.n_points), sigma)
    lam = np.full(problem.n_points, np.inf)
    at_open = is_open[data.pair_site]
    np.minimum.at(lam, data.po_point[data.pair_starts[at_open]], pair_r[at_open])
    np.minimum.at(lam, problem.options.point[data.cross],
                  _cross_reduced(problem, data, np.zeros(problem.n_points), sigma))
    if not np.isfinite(lam).all():
        return np.inf
    value, _, _ = _site_terms(problem, data, lam, sigma)
    return _value(problem, data, lam, sigma, value, is_open,
                  _cross_reduced(problem, data, lam, sigma))


def _choose_sites(problem: LocationProblem, value: np.ndarray, n: int) -> np.ndarray | None:
    chosen = problem.forced_open.copy()
    free = np.nonzero(~problem.forced_open & ~problem.forced_closed)[0]
    extra = n - int(chosen.sum())
    if extra < 0 or extra > len(free):
        return None
    chosen[free[np.argsort(value[free], kind="stable")[:extra]]] = True
    return chosen


class PolyakSteps:
    """The step rule of the ascents here and in share_prices: Polyak lengths aimed `AIM_ABOVE`
    above the target, theta = step (aim - L) / |g|^2, with `step` halved after 5 evaluations
    in a row that found no new best (`seen`; `new_round` forgets the count, keeps the step)."""

    def __init__(self, target: float) -> None:
        self.step, self.stall = 2.0, 0
        self.aim = target + AIM_ABOVE * abs(target)

    def seen(self, improved: bool) -> None:
        if improved:
            self.stall = 0
            return
        self.stall += 1
        if self.stall >= 5:
            self.step, self.stall = self.step / 2, 0

    def new_round(self) -> None:
        self.stall = 0

    def length(self, value: float, norm: float) -> float:
        return self.step * max(self.aim - value, 1e-6 * abs(value)) / norm


Evaluated = tuple[float, np.ndarray, np.ndarray]  # lagrangian_value's (L_n, subgradients)


def ascend(problem: LocationProblem, data: LagrangeData, n: int, lam: np.ndarray,
           sigma: np.ndarray, target: float, first: Evaluated | None = None
           ) -> tuple[float, np.ndarray, np.ndarray]:
    """The best L_n found by subgradient steps from (lam, sigma), stopping once above
    `target`, with the prices that gave it; `first` is lagrangian_value at (lam, sigma) when
    the caller has it (not evaluated again)."""
    lam, sigma = lam.copy(), sigma.copy()
    best, best_lam, best_sigma = -np.inf, lam.copy(), sigma.copy()
    steps = PolyakSteps(target)
    for _ in range(MAX_STEPS):
        value, g_lam, g_sigma = first or lagrangian_value(problem, data, n, lam, sigma)
        first = None
        if not np.isfinite(value):
            return value, lam, sigma
        improved = value > best + 1e-9 * abs(value)
        if improved:
            best, best_lam, best_sigma = value, lam.copy(), sigma.copy()
        steps.seen(improved)
        if best >= target:
            break
        norm = g_lam @ g_lam + g_sigma @ g_sigma
        if norm <= 0:
            break
        theta = steps.length(value, norm)
        lam = lam + theta * g_lam
        sigma = np.maximum(0.0, sigma + theta * g_sigma)
    return best, best_lam, best_sigma


def filter_options(problem: LocationProblem, data: LagrangeData, n: int, lam: np.ndarray,
                   sigma: np.ndarray, incumbent: float) -> tuple[float, np.ndarray, float]:
    """(L_n, options that may appear in a design with n sites cheaper than `incumbent`, the
    least bound among the others).

    Forcing option p into the relaxation raises L_n by at least r_p - min(0, m_p), where m_p
    is the least reduced cost of p's (point, site) pair (for cross-border, m_p = r_p): site
    s(p) must then be among the n chosen and the pair contributes r_p instead of min(0, m_p);
    if s(p) was not chosen, swapping it in costs at least as much again."""
    value, _, _ = lagrangian_value(problem, data, n, lam, sigma)
    opt = problem.options
    r = data.cost - lam[opt.point] - priced_rows(sigma, data.weight_fast)
    pair_r = pair_least(data, r[data.pair_order])
    m = r.copy()
    m[data.pair_order] = pair_r[data.pair_of]
    rise = r - np.minimum(m, 0.0)
    keep = value + rise <= incumbent * (1 + 1e-9)
    dropped = value + rise[~keep]
    return value, keep, float(dropped.min()) if len(dropped) else np.inf
