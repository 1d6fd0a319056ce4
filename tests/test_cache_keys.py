"""Caches shared between sessions are keyed by the whole scenario (issue 18, section 3): two
scenarios that differ anywhere, a ZIP3's coordinates included, never share a cached result."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from network.scenario import content_digest
from ui import data

from toy import toy_scenario


def moved_zip3_point(scenario, index: int = 0, degrees: float = 3.0):
    """The scenario with one ZIP3 point moved north, nothing else changed."""
    base = scenario.zip3_base
    lat = base.lat.copy()
    lat[index] += degrees
    return scenario.with_changes(zip3_base=replace(base, lat=lat))


def test_zip3_table_equality_and_hash_count_the_coordinates():
    """Two ZIP3 tables with the same codes and population but another point differ."""
    base = toy_scenario().zip3_base
    moved = moved_zip3_point(toy_scenario()).zip3_base
    assert moved != base
    assert hash(moved) != hash(base)
    again = replace(base, lat=base.lat.copy(), lon=base.lon.copy())
    assert again == base and hash(again) == hash(base)


def test_digest_counts_the_coordinates_of_zip3s_and_sites():
    """The digest changes with a ZIP3's point or a site's, even where hash() does not."""
    toy = toy_scenario()
    assert content_digest(moved_zip3_point(toy)) != content_digest(toy)
    west = [toy.with_changes(sites=(replace(toy.sites[0], lon=lon), *toy.sites[1:]))
            for lon in (-1.0, -2.0)]
    assert hash(-1.0) == hash(-2.0)  # why hash() is no cache key
    assert content_digest(west[0]) != content_digest(west[1])


@pytest.mark.parametrize("change", [
    lambda s: s.with_changes(name=s.name + " "),
    lambda s: s.with_changes(sites=(replace(s.sites[0], source="quote"), *s.sites[1:])),
    lambda s: s.with_changes(services=(replace(s.services[0], rates_usd=(
        (1, 2, 3, 4, 5, 6, 7, 8.01),)),)),
    lambda s: s.with_changes(zip3_base=replace(s.zip3_base, population=np.roll(
        s.zip3_base.population, 1))),
    lambda s: s.with_changes(costs=replace(s.costs, pick_pack_usd_per_order=1.0 + 1e-12)),
    lambda s: s.with_changes(description="x"),
])
def test_digest_changes_with_any_field(change):
    """Any changed input, however small, gives another digest."""
    toy = toy_scenario()
    assert content_digest(change(toy)) != content_digest(toy)


def test_equal_content_gives_equal_digest():
    """Scenarios built apart with the same content share a key (and so the cache)."""
    assert content_digest(toy_scenario()) == content_digest(toy_scenario())


def test_app_lanes_cache_keeps_moved_points_apart():
    """The app's shared lanes cache gives each scenario its own distances."""
    toy = toy_scenario()
    moved = moved_zip3_point(toy)
    assert data.scenario_key(toy) != data.scenario_key(moved)
    near, far = data.lanes(toy), data.lanes(moved)
    assert not np.allclose(near.distance_mi[0], far.distance_mi[0])
    assert np.allclose(near.distance_mi[1:], far.distance_mi[1:])
