"""The benchmark's scenario classes (data/scenarios/bench/): each file is what the generator
writes, loads as a scenario, and holds the what-if its name says."""

from __future__ import annotations

import filecmp

import pytest

from network.bench.classes import CLASS_DIR, class_names, load_class, small_edits
from network.scenario_file import load_default_scenario
from scripts.build_bench_scenarios import CLASSES, main


def test_class_files_are_the_generators_output(tmp_path):
    """Every class file and the 150-site table equal a fresh run of the generator."""
    main(tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in CLASS_DIR.iterdir())
    mismatch = [n for n in written if not filecmp.cmp(tmp_path / n, CLASS_DIR / n, shallow=False)]
    assert not mismatch


def test_every_class_is_listed_and_the_default_comes_first():
    """class_names lists each generated class once, the default first."""
    names = class_names()
    assert names[0] == "default" and sorted(names) == sorted(CLASSES)


@pytest.mark.parametrize("name, check", [
    ("capacity_150m", lambda s: s.demand.annual_orders == 150e6),
    ("capacity_overflow_200m", lambda s: (s.demand.annual_orders, s.costs.peak_multiplier,
                                          s.constraints.max_sites) == (200e6, 2.0, 6)),
    ("ups_min_30", lambda s: [(c.carrier, c.min_pct) for c in s.constraints.carrier_shares]
     == [("UPS", 30.0)]),
    ("next_day_80", lambda s: [(t.within_days, t.share_pct)
                               for t in s.targets.share_targets] == [(1, 80.0)]),
    ("zip3_max_4_days", lambda s: s.targets.max_days_any_zip3 == 4),
    ("forced_sites", lambda s: "SEA" in s.constraints.forced_open
     and len(s.constraints.forced_closed) == 1),
    ("sites_150", lambda s: len(s.sites) == 150 and len({x.site_id for x in s.sites}) == 150),
    ("noncontiguous", lambda s: s.demand.include_noncontiguous),
])
def test_a_class_holds_its_what_if(name, check):
    """The class file loads and differs from the default in the way its name says."""
    scenario = load_class(name)
    assert check(scenario)
    assert not check(load_default_scenario())


def test_added_sites_are_labelled_estimates():
    """Each of the 93 added metros names its rent as an estimate."""
    added = [s for s in load_class("sites_150").sites if s.site_id.startswith("X")]
    assert len(added) == 93
    assert all("estimate" in s.source for s in added)


def test_small_edits_never_close_a_forced_site():
    """The warm edits of a class with forced sites leave them as the class forces them."""
    scenario = load_class("forced_sites")
    forced = scenario.constraints.forced_open[0]
    edits = small_edits(scenario, (forced, "ONT"))
    closed = [e.constraints.forced_closed for _, e in edits]
    assert all(forced not in c for c in closed) and any("ONT" in c for c in closed)


def test_a_textbook_solve_that_ignores_its_cap_is_killed(monkeypatch):
    """HiGHS does not check its time limit everywhere: the benchmark's textbook run is a child
    process killed past the cap, read as capped (a hang would stop the whole benchmark)."""
    import time

    from network.bench import textbook
    from network.lanes import build_lanes

    def hang(*_args):
        time.sleep(600)

    monkeypatch.setattr(textbook, "_textbook_run", hang)  # the forked child inherits it
    monkeypatch.setattr(textbook, "KILL_GRACE_S", 0.5)
    monkeypatch.setattr(textbook, "_build_allowance_s", lambda lanes: 0.5)
    scenario = load_default_scenario()
    run = textbook.textbook_highs(scenario, build_lanes(scenario), 1.0)  # not 600 s
    assert run.capped and run.seconds == 1.0 and run.objective is None
    assert run.status == "killed_past_time_limit"


def test_a_killed_textbook_run_reports_the_cpu_it_spent_and_where_highs_stood(monkeypatch):
    """A run killed past the cap still says what it cost: the child's CPU seconds after the
    model was built (its lower bound for the CPU ratio) and the last line HiGHS logged."""
    import os

    from network.bench import textbook
    from network.bench.smoke import smoke_scenario
    from network.lanes import build_lanes

    def busy(_scenario, _lanes, _limit_s, on_built):
        on_built((0.0, 0.0))
        os.write(1, b"Presolving model\n")  # HiGHS writes to fd 1, the child's log
        while True:
            pass

    monkeypatch.setattr(textbook, "_textbook_run", busy)
    monkeypatch.setattr(textbook, "KILL_GRACE_S", 0.5)
    scenario = smoke_scenario()
    run = textbook.textbook_highs(scenario, build_lanes(scenario), 1.0)
    assert run.status == textbook.KILLED and run.capped and run.seconds == 1.0
    assert run.cpu_seconds > 0 and run.log_tail == "Presolving model"



def test_each_cold_solve_starts_without_the_last_solves_lps(monkeypatch):
    """The bench's cold column is five solves in one process: none may find the LPs an
    earlier one left in window_mip's store (they would answer for HiGHS)."""
    from collections import OrderedDict

    from network.bench import classes
    from network.optimize import window_mip

    class Result:
        solve_seconds = 0.0

    stored_at_start = []

    def solve_and_keep_an_lp(scenario, lanes, params):
        stored_at_start.append(len(window_mip._solved))
        window_mip._solved[b"an LP of solve %d" % len(stored_at_start)] = None
        return Result()

    monkeypatch.setattr(window_mip, "_solved", OrderedDict())
    monkeypatch.setattr(classes, "optimize", solve_and_keep_an_lp)
    monkeypatch.setattr(classes, "warm_times", lambda *a, **k: [])
    classes.time_scenario("default", load_class("default"), repeats=3, warm_edits=0,
                          textbook_limit_s=None)
    assert stored_at_start == [0, 0, 0]
