"""Lane reduction by dominance: drop every option no optimal design needs.

A ZIP3's options are its (site, service) lanes plus cross-border direct. The targets only ask
whether an order arrives within N days for the target day counts N_1 < N_2 < ..., so an option
matters only through its cost and its *speed class*: how many of those N it meets. On one
(ZIP3, site) pair, a lane is dominated when another option of the same site costs no more and
is in the same or a faster class, and (when carrier shares are constrained) gives each
constrained carrier the same share of its parcels: whichever design uses the first could use
the second at no extra cost and with every target, capacity, site and carrier-share constraint
still met. (A rate-shopped option splits its parcels over carriers, network/lanes.py: it may
replace a one-carrier lane only when the constrained carriers' shares are equal.)
Cross-border direct needs no site, so it dominates every lane of that ZIP3 that costs as much or
more and is no faster (unless carrier shares are constrained: moving a parcel abroad changes
every carrier's share).
Lanes slower than the per-ZIP3 day limit and lanes of forced-closed sites are dropped too.
Ties are broken by site then service index, so the reduction is deterministic.
"""

from __future__ import annotations

import numpy as np

from network.lanes import LaneTable
from network.optimize.problem import NO_SITE, Options, site_masks
from network.scenario import Scenario


def speed_class(days: np.ndarray, target_days: tuple[int, ...]) -> np.ndarray:
    """How many of the target day counts an option with `days` meets (higher is faster)."""
    cls = np.zeros(np.shape(days), dtype=np.int16)
    for n in target_days:
        cls += np.asarray(days) <= n
    return cls


def reduce_options(scenario: Scenario, lanes: LaneTable) -> Options:
    """The options a cost-minimal design may use, per ZIP3, sorted by cost."""
    n_z, n_s, n_k = lanes.shape
    target_days = tuple(sorted({t.within_days for t in scenario.targets.share_targets}))
    max_days = scenario.targets.max_days_any_zip3
    cost = lanes.cost_usd_per_order
    days = lanes.delivery_days.astype(np.int32)
    cls = speed_class(days, target_days)
    _, forced_closed = site_masks(scenario)
    keep = ~forced_closed[None, :, None] & np.ones((n_z, n_s, n_k), dtype=bool)
    if max_days is not None:
        keep &= days <= max_days
    keep &= ~_dominated_on_same_site(cost, cls, keep, _constrained_fractions(scenario, lanes))
    cross = lanes.cross_border_enabled and (max_days is None or lanes.cross_border_days <= max_days)
    if cross and not scenario.constraints.carrier_shares:
        cb_cls = speed_class(np.array(lanes.cross_border_days), target_days)
        keep &= ~((cost >= lanes.cross_border_usd_per_order) & (cls <= cb_cls))
    z, s, k = np.nonzero(keep)  # in (point, site, service) order
    point, site, service = z, s, k
    option_cost, option_days = cost[z, s, k], days[z, s, k]
    if cross:
        # Cross-border direct first: its NO_SITE sorts before every site, so after the stable
        # sort below the options of one point and cost stay in (site, service) order.
        every = np.arange(n_z)
        point = np.concatenate([every, point])
        site = np.concatenate([np.full(n_z, NO_SITE), site])
        service = np.concatenate([np.full(n_z, -1), service])
        option_cost = np.concatenate([np.full(n_z, lanes.cross_border_usd_per_order), option_cost])
        option_days = np.concatenate([np.full(n_z, lanes.cross_border_days), option_days])
    # (point, cost, site, service) order: np.lexsort is stable, and the options come in
    # (point, site, service) order, so two keys give the four keys' order.
    order = np.lexsort((option_cost, point))
    return Options(point[order].astype(np.int64), site[order].astype(np.int64),
                   service[order].astype(np.int64), option_cost[order].astype(float),
                   option_days[order].astype(np.int32))


def _constrained_fractions(scenario: Scenario, lanes: LaneTable) -> np.ndarray:
    """[z, s, k, j] share of each option's parcels carried by the j-th carrier whose share is
    constrained (no columns when none is): options may replace each other only when these are
    equal."""
    carriers = sorted({c.carrier for c in scenario.constraints.carrier_shares})
    if not carriers:
        return np.zeros(lanes.shape + (0,))
    return np.stack([lanes.carrier_fraction(c) for c in carriers], axis=-1)


def _dominated_on_same_site(cost: np.ndarray, cls: np.ndarray, keep: np.ndarray,
                            fractions: np.ndarray) -> np.ndarray:
    """[z, s, k] True when another kept option k' of the same site costs no more, is no slower
    and carries the same constrained-carrier shares (on exact ties the lower index stays).

    The pairs are compared over [k, (z, s)] copies, each service's column one contiguous
    array: the [z, s, k] slices strided by the service count cost sites_150 (150 sites) about
    seven times the CPU for the same result."""
    n_k = cost.shape[2]
    by_k = [np.ascontiguousarray(a.reshape(-1, n_k).T) for a in (cost, cls, keep)]
    c, speed, kept = by_k
    same_shares = None
    if fractions.shape[-1]:
        f = np.ascontiguousarray(np.moveaxis(fractions.reshape(-1, n_k, fractions.shape[-1]),
                                             1, 0))
        same_shares = {(k, k2): np.all(np.abs(f[k2] - f[k]) <= 1e-12, axis=-1)
                       for k in range(n_k) for k2 in range(k + 1, n_k)}
    dominated = np.zeros(c.shape, dtype=bool)
    for k in range(n_k):
        for k2 in range(n_k):
            if k2 == k:
                continue
            if k2 < k:  # no dearer and no slower: on an exact tie the lower index k2 stays
                beats = (c[k2] <= c[k]) & (speed[k2] >= speed[k])
            else:  # a tie keeps k: k2 must be cheaper, or as cheap and faster
                beats = (c[k2] <= c[k]) & (speed[k2] >= speed[k]) & (
                    (c[k2] != c[k]) | (speed[k2] != speed[k]))
            beats &= kept[k2]
            if same_shares is not None:
                beats &= same_shares[min(k, k2), max(k, k2)]
            dominated[k] |= beats
    return dominated.T.reshape(cost.shape)
