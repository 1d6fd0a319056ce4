"""What differs between two scenarios: designs (sites, ZIP3s and their orders) and inputs."""

from dataclasses import replace

from network.compare import design_changes, input_differences
from network.evaluate import CROSS_BORDER, Design, evaluate
from network.scenario import ShareTarget, Targets
from network.scenario_file import scenario_to_json

from toy import toy_scenario


def test_design_changes_by_hand():
    """A alone, then A and C: C opens, nothing closes; ZIP3 105 (150 orders, at C) moves to C;
    104, halfway between, stays with A (a tie goes to the first site)."""
    toy = toy_scenario()
    before = evaluate(toy, Design(("A",)))
    after = evaluate(toy, Design(("A", "C")))
    changes = design_changes(before, after)
    assert (changes.sites_opened, changes.sites_closed) == (("C",), ())
    moved = changes.zip3_changes
    assert list(moved["zip3"]) == ["105"]
    assert set(moved["site_before"]) == {"A"} and set(moved["site_after"]) == {"C"}
    assert changes.orders_moved == 150.0
    back = design_changes(after, before)
    assert (back.sites_opened, back.sites_closed) == ((), ("C",))


def test_cross_border_reads_as_such():
    """A ZIP3 moved from a site to shipping from abroad says 'cross-border'."""
    toy = toy_scenario()
    toy = toy.with_changes(costs=replace(toy.costs, cross_border=replace(
        toy.costs.cross_border, enabled=True)))
    lanes = evaluate(toy, Design(("A",))).lanes
    assignment = tuple((z, "A", "ground") for z in lanes.demand.zip3[:4]) + (
        (lanes.demand.zip3[4], CROSS_BORDER, ""),)
    after = evaluate(toy, Design(("A",), assignment))
    row = design_changes(evaluate(toy, Design(("A",))), after).zip3_changes.iloc[0]
    assert (row["zip3"], row["service_after"], row["site_after"]) == ("105", "cross-border",
                                                                      CROSS_BORDER)


def test_input_differences_read_by_key():
    """Sites by id (added, removed, a field changed), targets by day count, forced sites as
    added/removed; the scenario's name is not an input; sources come last."""
    toy = toy_scenario()
    sites = tuple(replace(s, fixed_cost_usd_per_year=1500.0, source="quote 2026")
                  if s.site_id == "A" else s for s in toy.sites if s.site_id != "B")
    other = toy.with_changes(
        name="renamed", sites=sites,
        targets=Targets(share_targets=(ShareTarget(2, 60.0), ShareTarget(1, 20.0))),
        constraints=replace(toy.constraints, forced_open=("C",)))
    found = {d.path: (d.before, d.after) for d in input_differences(
        scenario_to_json(toy), scenario_to_json(other))}
    assert found["sites[A].fixed_cost_usd_per_year"] == ("1,000", "1,500")
    assert found["sites[B]"] == ("Site B, KS", "removed")
    assert found["targets.share_targets[2].share_pct"] == ("50", "60")
    assert found["targets.share_targets[1]"][1].startswith("added: within_days 1")
    assert found["constraints.forced_open"] == ("[]", "added C")
    assert "name" not in found
    paths = [d.path for d in input_differences(scenario_to_json(toy), scenario_to_json(other))]
    assert paths[-1] == "sites[A].source"
    assert input_differences(scenario_to_json(toy), scenario_to_json(toy)) == []
