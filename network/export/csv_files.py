"""The two CSV exports: candidate sites (which read back as candidate sites: the app's sites
upload, a scenario's `sites_file`) and the lane chosen for each ZIP3. Text cells a spreadsheet
would run as a formula are written with a leading apostrophe (network/export/cells.py)."""

from __future__ import annotations

import pandas as pd

from network.evaluate import Evaluation
from network.export.cells import spreadsheet_text
from network.export.frames import lanes_frame, sites_frame
from network.scenario import Scenario


def csv_text(frame: pd.DataFrame) -> str:
    """A table as CSV: numbers as rounded, blanks for missing values, text formula-safe."""
    safe = frame.map(lambda v: spreadsheet_text(v) if isinstance(v, str) else v)
    return safe.to_csv(index=False, lineterminator="\n")


def sites_csv(scenario: Scenario, evaluation: Evaluation | None) -> str:
    return csv_text(sites_frame(scenario, evaluation))


def lanes_csv(scenario: Scenario, evaluation: Evaluation) -> str:
    return csv_text(lanes_frame(scenario, evaluation))
