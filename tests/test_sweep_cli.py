"""`python -m network sweep`: the files and columns of the contract, and bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from network.cli import main
from network.exit_codes import EXIT_BAD_INPUT
from network.explore.frontier import FRONTIER_COLUMNS
from network.explore.robustness import FREQUENCY_COLUMNS, ROBUSTNESS_COLUMNS
from network.explore.sensitivity import PERTURBATIONS, SENSITIVITY_COLUMNS
from network.scenario_file import save_scenario

from small import small_scenario


@pytest.fixture(scope="module")
def scenario_file(default_scenario, tmp_path_factory):
    path = tmp_path_factory.mktemp("sweep") / "small.json"
    save_scenario(small_scenario(default_scenario, every=30, sites=("ONT", "ORD", "ATL", "BDL")),
                  path)
    return path


def test_sweep_writes_every_file(scenario_file, tmp_path, capsys):
    """Frontier, robustness, site frequency and sensitivity files with their columns, and a
    progress line per point."""
    out = tmp_path / "out"
    code = main(["sweep", str(scenario_file), "--sites", "1-2", "--target-days", "2",
                 "--targets", "0.8:1.0:0.2", "--out", str(out), "--workers", "1",
                 "--draws", "2", "--sensitivity"])
    assert code == 0
    frontier = pd.read_csv(out / "frontier.csv", keep_default_na=False)
    assert list(frontier.columns) == FRONTIER_COLUMNS
    assert [(str(s), t) for s, t in zip(frontier["sites"], frontier["target"], strict=True)] \
        == [("1", 0.8), ("1", 1.0), ("2", 0.8), ("2", 1.0), ("any", 0.8), ("any", 1.0)]
    robustness = pd.read_csv(out / "robustness.csv")
    assert list(robustness.columns) == ROBUSTNESS_COLUMNS and len(robustness) == 2
    frequency = pd.read_csv(out / "site_frequency.csv")
    assert list(frequency.columns) == FREQUENCY_COLUMNS and len(frequency) == 4
    sensitivity = pd.read_csv(out / "sensitivity.csv")
    assert list(sensitivity.columns) == SENSITIVITY_COLUMNS
    assert len(sensitivity) == 1 + 2 * len(PERTURBATIONS)
    printed = capsys.readouterr().out
    assert "[6/6] frontier" in printed and "[2/2] robustness" in printed


def test_sweep_bad_input_one_line_per_problem(tmp_path, capsys):
    """Every bad option is reported at once, one line each naming it, exit 2, nothing run."""
    code = main(["sweep", "--sites", "0-3,x,5-2", "--target-days", "4", "--targets",
                 "0.5:1.2:0.1", "--workers", "0", "--time-limit", "-1", "--gap", "2",
                 "--draws", "ten", "--current", "NOPE", "--out", str(tmp_path / "o")])
    assert code == EXIT_BAD_INPUT
    lines = capsys.readouterr().err.strip().splitlines()
    expected = ["--sites", "--sites", "--sites", "--target-days", "--targets", "--workers",
                "--time-limit", "--gap", "--draws", "--current"]
    assert len(lines) == len(expected)
    for line, option in zip(lines, expected, strict=True):
        assert line.startswith(f"sweep, field '{option}': ")
    assert not (tmp_path / "o").exists()


def test_sweep_bad_scenario_file(tmp_path, capsys):
    """A scenario file that cannot be read is one line naming it, exit 2."""
    missing = tmp_path / "none.json"
    code = main(["sweep", str(missing), "--out", str(tmp_path / "o")])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "none.json" in err[0]
