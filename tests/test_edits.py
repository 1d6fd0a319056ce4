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


def _numbers(section, labels) -> dict:
    """A section's current values of the fields a Settings form edits, as the form shows them."""
    return {name: getattr(section, name) for name in labels}


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
    same = se.apply_inbound(default, se.ports_table(default), _numbers(
        default.costs.inbound, se.INBOUND_NUMBERS))
    assert same.costs.sources == default.costs.sources
    same = se.apply_customs(default, _numbers(default.costs.customs, se.CUSTOMS_NUMBERS))
    assert same == default
    xb = default.costs.cross_border
    same = se.apply_cross_border(default, xb.enabled, xb.return_policy,
                                 _numbers(xb, se.CROSS_BORDER_NUMBERS))
    assert same == default
    assert se.apply_inventory(default, _numbers(default.costs, se.INVENTORY_NUMBERS)) == default
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
    """A section sourced as one (here cross-border): a new figure marks it, naming the field."""
    sources = {k: v for k, v in default.costs.sources if not k.startswith("cross_border.")}
    sourced = default.with_changes(costs=replace(default.costs, sources=tuple(
        sorted((sources | {"cross_border": "estimate: the exporter's quote"}).items()))))
    xb = sourced.costs.cross_border
    edited = se.apply_cross_border(sourced, True, xb.return_policy,
                                   {"parcel_usd_per_parcel": 9.5})
    assert dict(edited.costs.sources)["cross_border"] == (
        "edited in the app (was parcel_usd_per_parcel 8; source then: estimate: the "
        "exporter's quote)")


def test_edited_customs_and_returns_choice_are_applied_and_marked(default):
    """Duty 25%, a declared parcel value of 80 USD and refunds without return: applied, each
    marked as edited; a blank parcel value goes back to 'the goods value'."""
    edited = se.apply_customs(default, {"duty_rate_pct": 25, "parcel_value_usd_per_order": 80})
    assert edited.costs.customs.duty_rate_pct == 25
    assert edited.costs.customs.parcel_value_usd_per_order == 80
    assert dict(edited.costs.sources)["customs.duty_rate_pct"].startswith(
        "edited in the app (was 10;")
    blank = se.apply_customs(edited, {"parcel_value_usd_per_order": float("nan")})
    assert blank.costs.customs.parcel_value_usd_per_order is None
    refunds = se.apply_cross_border(default, True, "refund_without_return", {})
    assert refunds.costs.cross_border.return_policy == "refund_without_return"
    assert dict(refunds.costs.sources)["cross_border.return_policy"].startswith(
        "edited in the app (was return_label;")
    with pytest.raises(InputError, match="return policy"):
        se.apply_cross_border(default, True, "keep it", {})


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
    (lambda s: se.apply_cross_border(s, True, "return_label", {"delivery_days": 0}),
     "delivery days"),
    (lambda s: se.apply_customs(s, {"duty_rate_pct": 101}), "duty %"),
    (lambda s: se.apply_inventory(s, {"safety_stock_volume_exponent": 1.5}), "volume exponent"),
    (lambda s: se.apply_targets(s, se.targets_table(s), 61, 0, 0), "max days to any ZIP3"),
])
def test_settings_checks_use_the_definitions_limits(default, call, field):
    """Values the definition refuses (growth -100%, peak 5.01, cross-border 0 days, a 61-day
    limit) are refused by the form's check, naming its field."""
    with pytest.raises(InputError) as err:
        call(default)
    assert [p.field for p in err.value.problems] == [field]
