"""Prices for the share rows of the Lagrangian bound: one 1-D search per row.

The Lagrangian bound L_n(lambda, sigma) of lagrange.py relaxes the assignment rows (1) with
prices lambda and every share row, written as sum_p A_tp x_p >= b_t, with prices sigma_t >= 0:
a share target (3) "a_t of orders within N_t days", and a carrier's minimum or maximum share
(7) (a maximum enters with its sign flipped, so it too is a ">=" row with sigma_t >= 0). Any
lambda and any sigma >= 0 give a valid lower bound on every design with n sites (weak duality:
docs/optimizer.md, "Share rows priced by a 1-D search"), so this module only chooses better
prices; it never changes what a bound means.

Why: plain subgradient steps move lambda (one price per ZIP3, hundreds) and sigma (one to three
prices) together with one step length, and the share prices, whose scale is the whole cost of
moving a share of all orders, stall far from their best value (next_day_35 at 2 sites: 6e-3
below the LP bound after 80 steps, the LP's sigma 1.7x the start; BENCHMARKS.md). For fixed
lambda and the other prices, L_n is concave and piecewise linear in one sigma_t, and its
slope is b_t - A_t x(sigma_t), the target less the share the relaxed subproblem reaches; that
share is nondecreasing in sigma_t (a concave function's slopes decrease). So the best sigma_t
is where the relaxed share crosses the target: bracketed by doubling, then found by
intersecting the two end lines of the bracket (exact once one kink is left, like bisection
otherwise). `ascend` alternates that search over every share row with subgradient steps on
lambda alone.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from network.optimize import lagrange
from network.optimize.lagrange import LagrangeData, PolyakSteps, lagrangian_value
from network.optimize.model import MipModel, build_model, with_count_window
from network.optimize.problem import LocationProblem
from network.optimize.window_bounds import nearest_sites_prices

ROUNDS = 6  # LAMBDA_STEPS steps on lambda, each round followed by the share-price searches
LAMBDA_STEPS = 15
SEARCH_EVALS = 24  # evaluations of L_n per 1-D search at most
SIGMA_TOLERANCE = 1e-6  # relative width of the bracket at which a search stops


def ascend(problem: LocationProblem, data: LagrangeData, n: int, lam: np.ndarray,
           sigma: np.ndarray, target: float, first: lagrange.Evaluated | None = None
           ) -> tuple[float, np.ndarray, np.ndarray]:
    """The best L_n found from (lam, sigma), stopping once at or above `target`, and the
    prices that gave it: rounds of subgradient steps on lambda with sigma held (Polyak steps
    aimed just above `target`; a count far above the target is proven by the first steps)
    then a 1-D search on each share price (`best_share_price`). Every value returned is a
    valid bound: sigma stays >= 0. `first` is lagrangian_value at (lam, sigma), sigma >= 0,
    when the caller has it: not evaluated again (count_search._try_lagrange, which chose the
    start by it)."""
    if not len(sigma):
        return lagrange.ascend(problem, data, n, lam, sigma, target, first)
    if (sigma < 0).any():
        first = None  # not the prices it was evaluated at
    lam, sigma = lam.copy(), np.maximum(sigma, 0.0)
    best = _Best()
    steps = PolyakSteps(target)
    for _ in range(ROUNDS):
        steps.new_round()
        before = best.value
        for _ in range(LAMBDA_STEPS):
            value, g_lam, _ = first or lagrangian_value(problem, data, n, lam, sigma)
            first = None
            if not np.isfinite(value):
                return value, lam, sigma
            steps.seen(best.see(value, lam, sigma))
            if best.value >= target:
                return best.result()
            norm = g_lam @ g_lam
            if norm <= 0:
                break
            lam = lam + steps.length(value, norm) * g_lam
        lam, sigma = best.lam.copy(), best.sigma.copy()  # the share prices at the best lambda
        for t in range(len(sigma)):
            value, sigma[t] = best_share_price(problem, data, n, lam, sigma, t, target)
            best.see(value, lam, sigma)
            if not np.isfinite(value) or best.value >= target:
                return best.result()
        lam, sigma = best.lam.copy(), best.sigma.copy()  # the next round from the best prices
        if best.value <= before + 1e-7 * abs(before):
            break  # a round that gained nothing: the next would not either
    return best.result()


JOINT_STEPS = 80  # evaluations of L_n in `ascend_joint` at most
SIGMA_FLOOR = 0.01  # a share price's scale is at least this fraction of sum |lambda|


def ascend_joint(problem: LocationProblem, data: LagrangeData, n: int, lam: np.ndarray,
                 sigma: np.ndarray, target: float) -> tuple[float, np.ndarray, np.ndarray]:
    """The best L_n found from (lam, sigma) by subgradient steps on lambda and sigma together,
    sigma's scaled to its size, stopping once at or above `target`; the prices that gave it.

    Why: where `ascend` stops short, it is stuck at a point where neither lambda alone (sigma
    held) nor one sigma alone (lambda held) gains: L_n is not smooth, so alternating between
    them can stall below its maximum (next_day_35 at 2 sites with AVP closed: 944.94M, the LP
    bound 950.14M, the LP's sigma 2.34e8 where the searches held 1.55e8). Plain joint steps
    move every price by the same multiple of its subgradient, and a share price (a price per
    share of all orders, ~1e8) then hardly moves next to lambda_z (a price per point, ~1e6).
    Here row t's subgradient is scaled by K_t = max(sigma_t, SIGMA_FLOOR sum |lambda|) /
    rms(lambda) (a diagonal preconditioner: sigma_t moves by K_t^2 times its subgradient), so
    both move by about the same fraction of their size: from `ascend`'s best prices it passed
    the target in 8-70 steps on the warm edits it had failed (BENCHMARKS.md). The projection
    keeps sigma >= 0, so every value is a valid bound (weak duality, whatever the steps)."""
    if not len(sigma):
        return lagrange.ascend(problem, data, n, lam, sigma, target)
    lam, sigma = lam.copy(), np.maximum(sigma, 0.0)
    rms = float(np.sqrt(np.mean(lam ** 2))) if len(lam) else 0.0
    if rms <= 0:
        return lagrange.ascend(problem, data, n, lam, sigma, target)
    scale = np.maximum(sigma, SIGMA_FLOOR * float(np.abs(lam).sum())) / rms
    best = _Best()
    steps = PolyakSteps(target)
    for _ in range(JOINT_STEPS):
        value, g_lam, g_sigma = lagrangian_value(problem, data, n, lam, sigma)
        if not np.isfinite(value):
            return value, lam, sigma
        steps.seen(best.see(value, lam, sigma))
        if best.value >= target:
            break
        g_scaled = scale * g_sigma
        norm = g_lam @ g_lam + g_scaled @ g_scaled
        if norm <= 0:
            break
        theta = steps.length(value, norm)
        lam = lam + theta * g_lam
        sigma = np.maximum(0.0, sigma + theta * scale * g_scaled)
    return best.result()


def best_share_price(problem: LocationProblem, data: LagrangeData, n: int, lam: np.ndarray,
                     sigma: np.ndarray, t: int, enough: float = np.inf) -> tuple[float, float]:
    """(L_n, sigma_t) at the best sigma_t >= 0 found with lambda and the other share prices
    held: where the relaxed subproblem's share of row t crosses its right-hand side; the
    first price found whose L_n reaches `enough`, if one does on the way.

    L(s) is concave and piecewise linear in s = sigma_t with slope g(s) = b_t - A_t x(s).
    If g(0) <= 0 the best is s = 0; else the bracket [lo, hi] with g(lo) > 0 >= g(hi) is found
    by doubling, and narrowed at the point where the lines through its ends meet (the kink,
    when one is left; a point strictly inside otherwise)."""
    at = sigma.copy()

    def evaluate(s: float) -> tuple[float, float]:
        at[t] = s
        value, _, g_sigma = lagrangian_value(problem, data, n, lam, at)
        return value, float(g_sigma[t])

    s0 = float(sigma[t])
    v0, g0 = evaluate(s0)
    if not np.isfinite(v0) or v0 >= enough:
        return v0, s0
    best_v, best_s = v0, s0
    evals = 1
    if g0 > 0:  # the share falls short at s0: raise the price until it does not
        lo, v_lo, g_lo = s0, v0, g0
        hi = max(2.0 * s0, 1e-3 * abs(v0) / max(g0, 1e-12), 1.0)
        v_hi, g_hi = evaluate(hi)
        evals += 1
        while g_hi > 0 and evals < SEARCH_EVALS and v_hi < enough:
            lo, v_lo, g_lo = hi, v_hi, g_hi
            hi *= 4.0
            v_hi, g_hi = evaluate(hi)
            evals += 1
    else:
        if s0 == 0.0:
            return v0, s0
        hi, v_hi, g_hi = s0, v0, g0
        lo = 0.0
        v_lo, g_lo = evaluate(lo)
        evals += 1
        if g_lo <= 0 or v_lo >= enough:
            return (v_lo, lo) if v_lo >= v0 else (v0, s0)
    for v, s in ((v_lo, lo), (v_hi, hi)):
        if v > best_v:
            best_v, best_s = v, s
    while (evals < SEARCH_EVALS and g_lo > 0 > g_hi and hi - lo > SIGMA_TOLERANCE * hi
           and best_v < enough):
        kink = (v_hi - v_lo + g_lo * lo - g_hi * hi) / (g_lo - g_hi)
        if not lo < kink < hi:
            kink = 0.5 * (lo + hi)
        v, g = evaluate(kink)
        evals += 1
        if v > best_v:
            best_v, best_s = v, kink
        line = v_lo + g_lo * (kink - lo)
        if v >= line - 1e-9 * abs(line):
            break  # the two lines meet on L: that is its maximum in the bracket
        if g > 0:
            lo, v_lo, g_lo = kink, v, g
        elif g < 0:
            hi, v_hi, g_hi = kink, v, g
        else:
            break  # a slope of zero: the maximum
    return best_v, best_s


def prices_without_carrier_rows(problem: LocationProblem, full: MipModel, n: int,
                                deadline: float) -> np.ndarray | None:
    """Row prices of `full` (no capacity rows) from the nearest-sites LP at count n of the
    problem without its carrier-share rows, those rows priced 0; None if that LP fails.

    Why: the carrier rows make that LP slow (ups_min_30 at 4 sites: 4.9 s of CPU, 3.1 s
    without them), and `ascend` finds their prices by its 1-D searches: from these prices it
    proves every count of ups_min_30 and usps_max_60, as from the LP with the rows
    (BENCHMARKS.md). Any prices give valid bounds, so this changes only the time."""
    plain = replace(problem, carrier_bounds=())
    counts = (int(full.count_values[0]), int(full.count_values[-1]))
    model = build_model(plain, (), counts)
    duals = nearest_sites_prices(plain, with_count_window(model, n, n), deadline)
    if duals is None:
        return None
    out = np.zeros(len(full.row_lb))
    for name, first, end in model.row_blocks:  # the same blocks, by name, in `full`
        rows = full.rows_of(name)
        out[rows.start:rows.stop] = duals[first:end]
    return out


class _Best:
    """The best value seen and its prices (copies)."""

    def __init__(self) -> None:
        self.value = -np.inf
        self.lam: np.ndarray | None = None
        self.sigma: np.ndarray | None = None

    def see(self, value: float, lam: np.ndarray, sigma: np.ndarray) -> bool:
        if self.lam is not None and not value > self.value + 1e-9 * abs(value):
            return False
        self.value, self.lam, self.sigma = value, lam.copy(), sigma.copy()
        return True

    def result(self) -> tuple[float, np.ndarray, np.ndarray]:
        return self.value, self.lam, self.sigma
