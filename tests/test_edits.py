"""App edits as plain functions (ui/edits.py, ui/settings_edits.py): values edited in the app
carry an "edited in the app" source, and the limits come from the scenario definition."""

from __future__ import annotations

from dataclasses import replace

import pytest

from network.errors import InputError
from network.scenario_file import load_default_scenario
from ui import edits
from ui import settings_edits as se


@pytest.fixture(scope="module")
def default():
    return load_default_scenario()


def orders_profile(scenario, peak: float = 1.3, pick: float = 3.0, rate_pct: float = 15.0):
    return se.apply_orders_profile(scenario, se.weight_mix_table(scenario), rate_pct, 0, pick,
                                   peak)


def test_an_edited_cost_says_it_was_edited_and_what_it_was(default):
    """Peak multiplier 1.3 -> 1.6: its source names the app edit, 1.3 and the old source; the
    other parameters keep theirs."""
    before = dict(default.costs.sources)
    after = dict(orders_profile(default, peak=1.6).costs.sources)
    assert after["peak_multiplier"] == (
        f"edited in the app (was 1.3; source then: {before['peak_multiplier']})")
    assert {k: v for k, v in after.items() if k != "peak_multiplier"} == {
        k: v for k, v in before.items() if k != "peak_multiplier"}


def test_applying_unchanged_values_marks_nothing(default):
    """The form applied as shown changes no source, also for a share that does not come back
    exactly from percent (0.026 * 100 / 100 != 0.026 in floating point)."""
    assert orders_profile(default).costs.sources == default.costs.sources
    same = se.apply_inbound(default, se.ports_table(default), 2.42, 0.25)
    assert same.costs.sources == default.costs.sources
    odd = default.with_changes(costs=replace(default.costs, returns=replace(
        default.costs.returns, return_rate_share=0.026)))
    again = orders_profile(odd, rate_pct=100 * odd.costs.returns.return_rate_share)
    assert again == odd


def test_a_second_edit_keeps_the_value_before_the_app(default):
    """1.3 -> 1.6 -> 1.8: the source still says it was 1.3 before the app's edits."""
    once = orders_profile(default, peak=1.6)
    twice = orders_profile(once, peak=1.8)
    assert twice.costs.peak_multiplier == 1.8
    assert dict(twice.costs.sources)["peak_multiplier"].startswith(
        "edited in the app (was 1.3; source then: estimate")


def test_a_section_source_is_marked_with_the_field_that_changed(default):
    """Cross-border is sourced as one section: a new cost marks it, naming the field."""
    xb = se.apply_cross_border(default, True, 25.0, 10)
    assert dict(xb.costs.sources)["cross_border"].startswith(
        "edited in the app (was cost_usd_per_order 22; source then: estimate: international")


def test_an_edited_site_says_it_was_edited(default):
    """A fixed cost typed in the site table replaces the site's source with the edit note;
    a row left alone keeps its source."""
    table = edits.sites_table(default)
    table.loc[0, "fixed_cost_usd_per_year"] = 12_000_000
    edited = edits.apply_sites_table(default, table)
    first, old = edited.sites[0], default.sites[0]
    assert first.source == (f"edited in the app (was fixed cost "
                            f"{old.fixed_cost_usd_per_year:,.0f}; source then: {old.source})")
    assert edited.sites[1] == default.sites[1]


@pytest.mark.parametrize(("call", "field"), [
    (lambda s: se.apply_demand(s, 50e6, -100, False), "growth %"),
    (lambda s: orders_profile(s, peak=5.01), "peak multiplier"),
    (lambda s: se.apply_cross_border(s, True, 22, 0), "delivery days"),
    (lambda s: se.apply_targets(s, se.targets_table(s), 61, 0, 0), "max days to any ZIP3"),
])
def test_settings_checks_use_the_definitions_limits(default, call, field):
    """Values the definition refuses (growth -100%, peak 5.01, cross-border 0 days, a 61-day
    limit) are refused by the form's check, naming its field."""
    with pytest.raises(InputError) as err:
        call(default)
    assert [p.field for p in err.value.problems] == [field]
