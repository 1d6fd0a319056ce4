"""Repair a design's assignment so it meets every share row: share targets and carrier shares.

One repair for every caller. The heuristic (heuristic.py) prices one share target and no
carrier share, so where a scenario has more (UPS at least 30%, or 35% within 1 day and 95%
within 3) its designs are repaired here; the greedy fill under capacity and the rounded
fixed-sites LP (window_mip.py) are repaired here too, with room per site. The sites stay,
and points switch options (another service or open site, or cross-border) greedily, the
cheapest per unit of shortfall removed first, until every row

    sum_z A_t,choice(z) >= b_t    (lagrange.coupling_rows: targets (3) and carrier shares (7))

is met; then every point that can move to a cheaper option without breaking a row does. With
`room` (orders a year per site: capacity (4)), a switch may not put a site over its room
(a switch to another service of the same site keeps its load); without it capacity is
ignored. The result is a design for `incumbent.offer`, which checks every row of the model
again: nothing relies on repair being right or optimal.

Why: before repair, the first incumbent of these scenarios came from a MIP with the sites
fixed (window_mip.fixed_sites_design), 5 to 13 s on the bench classes; repair takes
milliseconds and the fixed-sites LP and MIP are used only where it fails (BENCHMARKS.md).
"""

from __future__ import annotations

import numpy as np

from network.optimize.incumbent import Incumbent, design_vector, offer
from network.optimize.lagrange import (
    LagrangeData,
    coupling_rows,
    fixed_set_bound,
    lagrange_data,
    priced_rows,
)
from network.optimize.mathopt_backend import solve_lp
from network.optimize.model import MipModel
from network.optimize.problem import (
    NO_SITE,
    ROW_TOLERANCE,
    SHARE_SLACK,
    LocationProblem,
    site_loads,
)

MAX_MOVES = 5000  # switches at most, over all rounds (a point may switch more than once)
BATCH = 32  # switches between two rankings of the candidate switches
MARGIN = 1e-9  # rows are met with this much to spare (shares of all orders), so float noise in
# another sum of the same terms (evaluate()) still finds them met
FULL_SHARE = 1 - SHARE_SLACK / 2  # the most a share target asks of repair: a target of 100%
# (or within SHARE_SLACK of it) is met once every order but this much is fast, which
# incumbent.offer and evaluate() accept; above it, MARGIN more than every order could never
# be met (next_day_35_3day_95 with targets 5 points up asks 100% within 3 days)


def site_room(problem: LocationProblem) -> np.ndarray:
    """Orders a year each site may take in a design built within capacity: its capacity less
    a tenth of evaluate()'s tolerance, so float noise in another sum of the loads still finds
    it within (inf for a site without one)."""
    capacity = problem.capacity_orders_per_year
    return np.where(np.isfinite(capacity), capacity, np.inf) * (1 - ROW_TOLERANCE / 10)


def repair(problem: LocationProblem, is_open: np.ndarray, choice: np.ndarray,
           room: np.ndarray | None = None, last_prices: list[np.ndarray] | None = None,
           above: float = np.inf, data: LagrangeData | None = None) -> np.ndarray | None:
    """The option of each point after repair (a new array), or None when the rows cannot be
    met by switching options at these sites (no switch reduces the shortfall any more).

    Without `room` the start is each point's option of least cost less the rows' prices
    (`_priced_choice`; `choice` is not needed); with `room` (`site_room`) it is `choice`, a
    design the caller built within capacity, and every switch keeps each site within its
    room (a site already over it may only lose orders). Without `room`, `last_prices` (when
    given) receives the rows' prices sigma the priced choice found, and with two rows or
    more the greedy switches start also from the tied options' LP (`_starts`): the cheaper
    of the two results is returned. Without `room` and with a finite `above` (an incumbent's
    cost), None as well where the sites' bound at those prices (lagrange.fixed_set_bound;
    `data` the problem's lagrange_data, made here when not given) is not below `above`:
    every design at these sites that `offer` accepts costs at least that bound."""
    a, b = coupling_rows(problem)
    targets = len(problem.share_requirements)
    b[:targets] = np.minimum(b[:targets], FULL_SHARE)  # 100%: all orders less a tolerance
    opt = problem.options
    usable = np.nonzero((opt.site == NO_SITE) | is_open[np.maximum(opt.site, 0)])[0]
    if not np.bincount(opt.point[usable], minlength=problem.n_points).all():
        return None  # a point no open site serves
    cost = problem.orders_per_year[opt.point] * opt.cost_usd_per_order
    if room is not None:
        return _meet_rows(a, b, cost, usable, opt.point, choice.copy(),
                          SiteLoads(problem, choice, room))
    choice, prices = _priced_choice(a, b, cost, usable, opt.point)
    if last_prices is not None:
        last_prices.append(prices)
    if np.isfinite(above):  # no design here is cheaper: the switches would be in vain
        bound = fixed_set_bound(problem, data or lagrange_data(problem), is_open, prices)
        if bound - SKIP_ROUNDING * abs(bound) >= above:
            return None
    found = [_meet_rows(a, b, cost, usable, opt.point, start, SiteLoads(problem, start, None))
             for start in _starts(a, b, cost, usable, opt.point, choice, prices)]
    found = [c for c in found if c is not None]
    return min(found, key=lambda c: float(cost[c].sum())) if found else None


def _meet_rows(a: np.ndarray, b: np.ndarray, cost: np.ndarray, usable: np.ndarray,
               point: np.ndarray, choice: np.ndarray, loads: SiteLoads) -> np.ndarray | None:
    """`choice` (changed in place) after the greedy switches that meet every row, then the
    cheaper options the slack allows (`repair`); None where the switches cannot meet them."""
    slack = a[:, choice].sum(axis=1) - b - MARGIN  # >= 0 where a row is met
    moves = 0
    while _violation(slack) > 0:
        if moves >= MAX_MOVES:
            return None
        order = _ranked_switches(a, cost, usable, point, choice, slack, loads)
        if not len(order):
            return None
        # One row or a few: the switches below add Python floats, term by term as numpy did.
        row_slack = slack.tolist()
        taken, moved = 0, set()
        short = _shortfall(row_slack)
        for p, z in zip(usable[order].tolist(), point[usable[order]].tolist(),
                        strict=True):
            if z in moved or not loads.fits(z, p, choice[z]):
                continue
            after = [s + d for s, d in zip(row_slack, _delta(a, p, choice[z]),
                                           strict=True)]
            gain = short - _shortfall(after)
            if gain <= 0:
                continue
            row_slack, short = after, _shortfall(after)
            loads.move(z, choice[z], p)
            choice[z] = p
            moved.add(z)
            taken += 1
            if short <= 0 or taken >= BATCH:
                break
        slack = np.array(row_slack)
        moves += taken
        if not taken:
            return None
    return _cheaper_where_slack(a, cost, usable, point, choice, slack, loads)


def _delta(a: np.ndarray, new: int, old: int) -> list[float]:
    """Each row's change (A_t,new - A_t,old) when a point switches from option old to new."""
    return (a[:, new] - a[:, old]).tolist()


def _shortfall(slack: list[float]) -> float:
    """`_violation` of a few rows' slacks given as Python floats, the same float: numpy sums
    up to eight terms as the first plus the others added in turn to 0; more go to numpy."""
    if len(slack) > 8:
        return _violation(np.array(slack))
    rest = 0.0
    for s in slack[1:]:
        rest += max(-s, 0.0)
    return max(-slack[0], 0.0) + rest


class SiteLoads:
    """Each site's load as points switch, against its room; with no room, every switch fits
    (and no load is kept). Also window_mip.relieve_overloads' loads."""

    def __init__(self, problem: LocationProblem, choice: np.ndarray, room: np.ndarray | None
                 ) -> None:
        self.site = problem.options.site
        self.orders = problem.orders_per_year
        self.room = room
        self.load = None if room is None else site_loads(problem, choice)

    def fits_all(self, options: np.ndarray, current: np.ndarray, points: np.ndarray
                 ) -> np.ndarray:
        """[k] True where switching point points[k] from current[k] to options[k] fits."""
        if self.load is None:
            return np.ones(len(options), bool)
        s, old = self.site[options], self.site[current]
        at = np.maximum(s, 0)
        return (s == NO_SITE) | (s == old) | (self.load[at] + self.orders[points]
                                              <= self.room[at])

    def fits(self, z: int, p: int, old: int) -> bool:
        if self.load is None:
            return True
        s = self.site[p]
        return bool(s == NO_SITE or s == self.site[old]
                    or self.load[s] + self.orders[z] <= self.room[s])

    def move(self, z: int, old: int, new: int) -> None:
        if self.load is None:
            return
        if self.site[old] != NO_SITE:
            self.load[self.site[old]] -= self.orders[z]
        if self.site[new] != NO_SITE:
            self.load[self.site[new]] += self.orders[z]


PRICE_SWEEPS = 4  # rounds over the rows of the price search
PRICE_STEPS = 50  # bisection steps per row and round
TIE = 1e-6  # options this close (relative) to a point's least reduced cost are tied with it


def _priced_choice(a: np.ndarray, b: np.ndarray, cost: np.ndarray, usable: np.ndarray,
                   point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(choice, sigma): each point's option of least cost - sigma . A among `usable`, with
    sigma >= 0 raised row by row (bisection) to the least price at which the row is met, the
    others held.

    Why: with the sites fixed and one share row, the assignment LP's optimum is this
    assignment at the row's LP price, but for the one point it splits; just above that price
    the row is met at a cost at most that point's switch above the LP. With several rows the
    rounds usually meet them all; the greedy switches of `repair` close what is left."""
    cu, au = cost[usable], a[:, usable]
    kept = _undominated(cu, au, _slots(point[usable], np.arange(len(usable)), len(usable)))
    ck, ak = cu[kept], au[:, kept]  # the options that can be a point's first least, and
    slots = _slots(point[usable][kept], np.arange(len(kept)), len(kept))  # [k, z] of them
    tolerance = np.abs(np.append(ck, 0.0))[slots]
    past = len(kept)

    def at_least(sigma: np.ndarray, tie: float = 0.0) -> np.ndarray:
        """[z] the position in `kept` of each point's first (so cheapest: options are
        sorted by cost) option within `tie` (relative) of its least reduced cost."""
        r = np.append(ck - priced_rows(sigma, ak), np.inf)[slots]
        least = r.min(axis=0)
        within = r <= (least if tie == 0.0 else least + tie * tolerance)
        return np.where(within, slots, past).min(axis=0)

    def choose(sigma: np.ndarray, tie: float = 0.0) -> np.ndarray:
        return usable[kept[at_least(sigma, tie)]]

    def meets(t: int, trial: np.ndarray) -> bool:
        return ak[t, at_least(trial)].sum() - b[t] - MARGIN >= 0

    sigma = np.zeros(len(b))
    for _ in range(PRICE_SWEEPS):  # each row's price: the least that meets it, the others held
        before = sigma.copy()
        for t in range(len(b)):
            trial = sigma.copy()
            trial[t] = 0.0
            if meets(t, trial):
                sigma[t] = 0.0
                continue
            lo, hi = 0.0, max(sigma[t], 1e-6 * cu.sum())
            for _ in range(60):  # a price that meets the row
                trial[t] = hi
                if meets(t, trial):
                    break
                lo, hi = hi, 4 * hi
            else:
                continue  # no price meets it: the greedy switches try
            for _ in range(PRICE_STEPS):
                trial[t] = 0.5 * (lo + hi)
                if meets(t, trial):
                    hi = trial[t]
                else:
                    lo = trial[t]
                if hi - lo <= 1e-9 * hi:
                    break
            sigma[t] = hi
        if np.allclose(sigma, before, rtol=1e-6, atol=0.0):
            break
    return choose(sigma, TIE), sigma


def _slots(point: np.ndarray, kept: np.ndarray, past: int) -> np.ndarray:
    """[k, z] the position (of `point`'s options) of point z's k-th option among those
    `kept` (ascending positions; options are sorted by point, then cost), `past` after a
    point's last: column-wise minima over it are fast."""
    at = point[kept]
    segments = np.r_[0, np.nonzero(np.diff(at))[0] + 1]
    sizes = np.diff(np.r_[segments, len(kept)])
    segment_of = np.repeat(np.arange(len(segments)), sizes)
    slots = np.full((int(sizes.max()), len(segments)), past)
    slots[np.arange(len(kept)) - segments[segment_of], segment_of] = kept
    return slots


def _undominated(cu: np.ndarray, au: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """The positions (ascending) of the options no other option of the same point dominates:
    strictly cheaper with every row's term at least as large. Such an option is never the
    first of least cost - sigma . A (sigma >= 0), nor within a tie of it: the cheaper one
    comes before it (options are sorted by point, then cost) at no more reduced cost.

    Why: `_priced_choice` takes each point's least reduced cost some 200 times; of
    usps_max_60's 20,000 options at five sites (up to 26 a point) few are undominated
    in two rows (BENCHMARKS.md, branch usps15)."""
    c = np.append(cu, np.inf)[slots]  # [k, z], inf past a point's last option
    terms = np.append(au, np.full((len(au), 1), -np.inf), axis=1)[:, slots]  # [t, k, z]
    dominated = np.zeros(slots.shape, bool)
    for j in range(len(slots)):  # option j of each point against every other of it
        over = c[j][None, :] < c
        for row in terms:
            over &= row[j][None, :] >= row
        dominated |= over
    keep = ~dominated & (slots < len(cu))
    return np.sort(slots[keep])


def _violation(slack: np.ndarray) -> float:
    return float(np.maximum(-slack, 0.0).sum())


def _ranked_switches(a: np.ndarray, cost: np.ndarray, usable: np.ndarray, point: np.ndarray,
                     choice: np.ndarray, slack: np.ndarray, loads: SiteLoads) -> np.ndarray:
    """Positions in `usable` of the switches that fit the sites' room and reduce the total
    shortfall, cheapest extra cost per unit of shortfall removed first (a switch that saves
    money and helps: first)."""
    current = choice[point[usable]]
    delta = a[:, usable] - a[:, current]  # [t, k]
    before = _violation(slack)
    after = np.maximum(-(slack[:, None] + delta), 0.0).sum(axis=0)
    gain = before - after
    helps = np.nonzero(gain > 1e-15)[0]
    helps = helps[loads.fits_all(usable[helps], current[helps], point[usable[helps]])]
    extra = cost[usable[helps]] - cost[current[helps]]
    return helps[np.argsort(extra / gain[helps], kind="stable")]


def _cheaper_where_slack(a: np.ndarray, cost: np.ndarray, usable: np.ndarray,
                         point: np.ndarray, choice: np.ndarray, slack: np.ndarray,
                         loads: SiteLoads) -> np.ndarray:
    """Move points to cheaper options while every row stays met and every site within its
    room: the largest saving first, each point to the cheapest option the current slack
    allows (greedy rounds overshoot).

    Each round takes the candidates in that order and each one that still fits, as one at a
    time would: within a round a point's candidates come cheapest first, so once it moved
    the rest of its candidates cost more and are passed over, and until it moves each one's
    row change is from the round's starting option (`_first_fitting` finds the next one that
    fits, a block of candidates at a time, with the same float sums)."""
    for _ in range(3):
        current = choice[point[usable]]
        saving = cost[current] - cost[usable]
        fits = ((slack[:, None] + a[:, usable] - a[:, current] >= 0).all(axis=0)
                & loads.fits_all(usable, current, point[usable]))
        cheaper = np.nonzero((saving > 0) & fits)[0]  # fit alone: what may fit after others
        if not len(cheaper):
            break
        order = cheaper[np.argsort(-saving[cheaper], kind="stable")]
        options, points, olds = usable[order], point[usable[order]], current[order]
        delta = a[:, options] - a[:, olds]  # [t, k] as _delta's, the same float differences
        moved = np.zeros(len(choice), bool)
        changed = False
        k = 0
        while (k := _first_fitting(k, options, points, olds, delta, slack, moved,
                                   loads)) < len(options):
            z, p = int(points[k]), int(options[k])
            slack[:] = [s + d for s, d in zip(slack.tolist(), delta[:, k].tolist(),
                                              strict=True)]
            loads.move(z, choice[z], p)
            choice[z] = p
            moved[z] = True
            changed = True
            k += 1
        if not changed:
            break
    return choice


SCAN_BLOCK = 256  # candidates checked at once by _first_fitting


def _first_fitting(k: int, options: np.ndarray, points: np.ndarray, olds: np.ndarray,
                   delta: np.ndarray, slack: np.ndarray, moved: np.ndarray,
                   loads: SiteLoads) -> int:
    """The first candidate from k on whose point has not moved this round and whose switch
    keeps every row met (slack + delta >= 0) and fits its site's room; len(options) if
    none."""
    while k < len(options):
        end = min(k + SCAN_BLOCK, len(options))
        ok = ((slack[:, None] + delta[:, k:end] >= 0).all(axis=0) & ~moved[points[k:end]]
              & loads.fits_all(options[k:end], olds[k:end], points[k:end]))
        hit = np.flatnonzero(ok)
        if len(hit):
            return k + int(hit[0])
        k = end
    return k


def offer_repaired(problem: LocationProblem, full: MipModel, best: Incumbent,
                   designs: dict[int, tuple[float, np.ndarray, np.ndarray | None]],
                   prices: list[np.ndarray] | None = None, data: LagrangeData | None = None
                   ) -> int | None:
    """Repair each design of `designs` (count -> (cost, open mask, choice), heuristic.py's
    for the problem without the rows repair meets) and offer it (incumbent.offer checks every
    row of `full`); the count of the best one that became the incumbent, None if none did.

    A design whose sites' bound (lagrange.fixed_set_bound, at the rows' prices of the last
    priced choice: `prices`, which collects them across calls; `data` the problem's
    lagrange_data, made here when not given) is not below the incumbent is not repaired:
    offer would refuse whatever the repair made of it. Why: each repair took 0.05-0.1 s of CPU
    on the carrier-share classes, and the bound at a neighbouring design's prices came within
    1e-6 of the repaired cost there, above the incumbent for all but the best count
    (BENCHMARKS.md, branch warm4). The same bound at the design's own priced choice's prices
    (repair's `above`) then skips its switches. Why: on usps_max_60's and ups_min_30's warm
    edits the neighbouring design's prices left the second count's bound below the
    incumbent, its own above it (usps_max_60 with SEA open: $1,006.66M against $1,004.72M),
    and its two greedy runs and tied LP took 0.04 CPU s (BENCHMARKS.md, branch usps15)."""
    found = None
    prices = [] if prices is None else prices
    for n, (cost, is_open, choice) in sorted(designs.items(), key=lambda item: item[1][0]):
        if choice is None or not np.isfinite(cost):
            continue
        if prices:
            data = data or lagrange_data(problem)
            bound = fixed_set_bound(problem, data, is_open, prices[-1])
            if bound - SKIP_ROUNDING * abs(bound) >= best.objective:
                continue
        if np.isfinite(best.objective):
            data = data or lagrange_data(problem)
        fixed = repair(problem, is_open, choice, last_prices=prices, above=best.objective,
                       data=data)
        values = None if fixed is None else design_vector(full, is_open, fixed)
        if values is not None and offer(problem, full, best, values):
            found = n
            best.repaired_prices = (best.objective, prices[-1])
    return found


SKIP_ROUNDING = 2e-9  # relative: a sites' bound is lowered by this against rounding before it
# skips a repair (a design costing the bound exactly is repaired)


def _starts(a: np.ndarray, b: np.ndarray, cost: np.ndarray, usable: np.ndarray,
            point: np.ndarray, choice: np.ndarray, sigma: np.ndarray) -> list[np.ndarray]:
    """Where `repair` starts its greedy switches without room: the priced choice (`choice`, at
    the rows' prices `sigma`), and, with two rows or more where it misses one, also the
    assignment of `_tied_lp` (`repair` keeps the cheaper result).

    Why: at the rows' prices many points can have two or three options of the same least
    reduced cost (usps_max_60 after opening SEA: 321 of 881 points, the carrier row's price
    the cost difference of a USPS lane and another carrier's at many points), and the
    priced choice takes each one's cheapest. From there the greedy switches, ranked by cost
    per unit of the rows' summed shortfall, ended 2.4e-4 above the sites' assignment LP, the
    heuristic's design stayed the incumbent, and the window's ascent (56 evaluations of L_n)
    and a fixed-sites LP (0.25-0.45 CPU s) ran to find the optimum's assignment; from the
    tied LP they end within 8e-6 of that LP (BENCHMARKS.md, branch usps15). With one row
    the greedy is the LP's own rule (cost per unit of the row) and needs no LP."""
    if len(b) < 2 or _violation(a[:, choice].sum(axis=1) - b - MARGIN) <= 0:
        return [choice]
    tied = _tied_lp(a, b, cost, usable, point, choice, sigma)
    return [choice] if tied is None else [choice, tied]


TIED_LP_SECONDS = 1.0  # the tied options' LP is small (hundreds of columns): a cap only


def _tied_lp(a: np.ndarray, b: np.ndarray, cost: np.ndarray, usable: np.ndarray,
             point: np.ndarray, choice: np.ndarray, sigma: np.ndarray) -> np.ndarray | None:
    """A new `choice` where each point with two or more options within TIE of its least
    reduced cost at `sigma` takes the option the LP over those options (the other points
    held at `choice`, every row of `a x >= b` kept, least cost) gives it most; None when
    no point has such a tie or the LP has no solution.

    Where `sigma` are the LP prices of the sites' assignment LP (`_priced_choice`'s), that
    LP's optimum uses only options of least reduced cost (complementary slackness), so this
    small LP has the same optimum, and it splits at most one point per row: rounding it
    misses the rows by at most those points, which `repair`'s switches then meet. Only a
    start: `repair` keeps whichever start ends cheaper, and `incumbent.offer` checks the
    result against every row."""
    cu, au, pu = cost[usable], a[:, usable], point[usable]
    r = cu - priced_rows(sigma, au)
    least = np.full(len(choice), np.inf)
    np.minimum.at(least, pu, r)
    tied = r <= least[pu] + TIE * np.abs(cu)
    cols = np.nonzero(tied & (np.bincount(pu[tied], minlength=len(choice))[pu] > 1))[0]
    if not len(cols):
        return None
    points, member = np.unique(pu[cols], return_inverse=True)
    held = a[:, choice].sum(axis=1) - a[:, choice[points]].sum(axis=1)
    m, t = len(cols), len(b)
    model = MipModel(np.zeros(m), np.ones(m), np.zeros(m, bool), cu[cols],
                     np.r_[np.ones(len(points)), b + MARGIN - held],
                     np.r_[np.ones(len(points)), np.full(t, np.inf)],
                     np.r_[member, np.repeat(np.arange(t) + len(points), m)],
                     np.r_[np.arange(m), np.tile(np.arange(m), t)],
                     np.r_[np.ones(m), au[:, cols].ravel()], 0, 0, np.zeros(0, int), ())
    lp = solve_lp(model, TIED_LP_SECONDS, glop_cold=True)
    if lp.values is None:
        return None
    order = np.lexsort((-lp.values, member))  # by point, its largest x first
    largest = order[np.r_[True, member[order][1:] != member[order][:-1]]]
    out = choice.copy()
    out[points] = usable[cols[largest]]
    return out
