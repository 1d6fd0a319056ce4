"""reduce.reduce_options: the same options, in the same order, as the pairwise rule it was
written as (kept below verbatim as the reference), on bench classes and on random lanes full
of ties."""

from __future__ import annotations

import numpy as np
import pytest

from network.bench.classes import load_class
from network.lanes import build_lanes
from network.optimize import reduce
from network.optimize.problem import NO_SITE, site_masks


def reference_dominated(cost, cls, keep, fractions):
    """The rule as first written: [z, s, k] slices, every ordered pair of services."""
    n_k = cost.shape[2]
    dominated = np.zeros(cost.shape, dtype=bool)
    for k in range(n_k):
        for k2 in range(n_k):
            if k2 == k:
                continue
            no_worse = keep[:, :, k2] & (cost[:, :, k2] <= cost[:, :, k]) & (
                cls[:, :, k2] >= cls[:, :, k])
            if fractions.shape[-1]:
                no_worse &= np.all(np.abs(fractions[:, :, k2] - fractions[:, :, k]) <= 1e-12,
                                   axis=-1)
            tie = (cost[:, :, k2] == cost[:, :, k]) & (cls[:, :, k2] == cls[:, :, k])
            dominated[:, :, k] |= no_worse & ~(tie & (k2 > k))
    return dominated


def reference_options(scenario, lanes):
    """reduce_options as first written: cross-border direct appended, four sort keys."""
    n_z, n_s, n_k = lanes.shape
    target_days = tuple(sorted({t.within_days for t in scenario.targets.share_targets}))
    max_days = scenario.targets.max_days_any_zip3
    cost = lanes.cost_usd_per_order
    days = lanes.delivery_days.astype(np.int32)
    cls = reduce.speed_class(days, target_days)
    _, forced_closed = site_masks(scenario)
    keep = ~forced_closed[None, :, None] & np.ones((n_z, n_s, n_k), dtype=bool)
    if max_days is not None:
        keep &= days <= max_days
    keep &= ~reference_dominated(cost, cls, keep, reduce._constrained_fractions(scenario, lanes))
    cross = lanes.cross_border_enabled and (max_days is None or lanes.cross_border_days <= max_days)
    if cross and not scenario.constraints.carrier_shares:
        cb_cls = reduce.speed_class(np.array(lanes.cross_border_days), target_days)
        keep &= ~((cost >= lanes.cross_border_usd_per_order) & (cls <= cb_cls))
    z, s, k = np.nonzero(keep)
    point, site, service = z, s, k
    option_cost, option_days = cost[z, s, k], days[z, s, k]
    if cross:
        every = np.arange(n_z)
        point = np.concatenate([point, every])
        site = np.concatenate([site, np.full(n_z, NO_SITE)])
        service = np.concatenate([service, np.full(n_z, -1)])
        option_cost = np.concatenate([option_cost, np.full(n_z, lanes.cross_border_usd_per_order)])
        option_days = np.concatenate([option_days, np.full(n_z, lanes.cross_border_days)])
    order = np.lexsort((service, site, option_cost, point))
    return (point[order], site[order], service[order], option_cost[order], option_days[order])


@pytest.mark.parametrize("name", ["sites_150", "ups_min_30", "zip3_max_4_days", "forced_sites",
                                  "next_day_35_3day_95"])
def test_the_options_of_a_class_are_the_reference_rules(name):
    """sites_150 (150 sites), a carrier share (the constrained fractions), a day limit, forced
    sites and two share rows: every array equal, element by element and in order."""
    scenario = load_class(name)
    lanes = build_lanes(scenario)
    got = reduce.reduce_options(scenario, lanes)
    want = reference_options(scenario, lanes)
    for array, expected in zip((got.point, got.site, got.service, got.cost_usd_per_order,
                                got.days), want, strict=True):
        assert np.array_equal(array, expected)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n_carriers", [0, 2])
def test_dominance_on_ties_is_the_reference_rule(seed, n_carriers):
    """Costs and speed classes drawn from a few values each (so most pairs tie in one or
    both), a third of the options not kept, and shares that often coincide: the same
    dominated options as the reference, on every option, kept or not."""
    rng = np.random.default_rng(seed)
    shape = (40, 7, 9)
    cost = rng.choice([1.0, 1.5, 2.0, np.nextafter(2.0, 3.0)], size=shape)
    cls = rng.integers(0, 3, size=shape).astype(np.int16)
    keep = rng.random(shape) > 1 / 3
    fractions = rng.choice([0.0, 0.5, 1.0], size=shape + (n_carriers,))
    got = reduce._dominated_on_same_site(cost, cls, keep, fractions)
    assert got.any() and not got.all()
    assert np.array_equal(got, reference_dominated(cost, cls, keep, fractions))
