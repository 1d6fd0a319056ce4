"""The Excel workbook export (openpyxl): a Summary sheet (scenario, solve, KPIs, cost by
component, carrier mix, targets), then Sites, Lanes and Assumptions (every input with its
source). Numbers are stored rounded (network/export/frames.py) with a number format each.

Every text is stored as a text cell: openpyxl would store a string that starts with '=' as a
formula, so a site named '=HYPERLINK(...)' would run in the planner's Excel. Text that starts
like a formula also gets Excel's quote prefix, so that editing the cell keeps it text.
Characters XML cannot hold become U+FFFD.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from network.export.cells import FORMULA_STARTS, xml_text
from network.export.content import ScenarioWithDesign
from network.export.frames import (
    assumption_frame,
    kpi_frame,
    lanes_frame,
    sites_frame,
)

WHOLE = "#,##0"
CENTS = "#,##0.00"
MAX_COLUMN_CHARS = 60


def workbook_bytes(item: ScenarioWithDesign, day: date) -> bytes:
    evaluation = item.require_design("The workbook")
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    _summary(summary, item, day)
    _table(book.create_sheet("Sites"), sites_frame(item.scenario, evaluation))
    _table(book.create_sheet("Lanes"), lanes_frame(item.scenario, evaluation))
    _table(book.create_sheet("Assumptions"), assumption_frame(item.scenario))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def put(sheet: Worksheet, row: int, column: int, value: Any, number_format: str | None = None
        ) -> None:
    """One cell; text always as text (never a formula), numbers with `number_format`."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = xml_text(value)
        cell.data_type = "s"  # openpyxl took a leading '=' for a formula
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
        return
    cell.value = value
    if number_format and value is not None:
        cell.number_format = number_format


def _summary(sheet: Worksheet, item: ScenarioWithDesign, day: date) -> None:
    s = item.scenario
    put(sheet, 1, 1, s.name)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    put(sheet, 2, 1, s.description or "")
    put(sheet, 3, 1, f"Exported {day.isoformat()}; costs in USD. Every input and its source: "
        "the Assumptions sheet; each site's: the Sites sheet.")
    kpis = kpi_frame(item)
    _table(sheet, kpis, first_row=5)
    for row, unit in enumerate(kpis["unit"], start=6):
        cell = sheet.cell(row=row, column=2)
        if isinstance(cell.value, int | float):
            cell.number_format = CENTS if unit == "USD" else (
                "0.0" if unit == "%" else WHOLE if unit != "business days" else "0.00")
    sheet.column_dimensions["A"].width = 48


def _table(sheet: Worksheet, frame: pd.DataFrame, first_row: int = 1) -> None:
    """A frame as a sheet: bold header, frozen, filterable, each column formatted by its unit."""
    for column, name in enumerate(frame.columns, start=1):
        put(sheet, first_row, column, name)
        sheet.cell(row=first_row, column=column).font = Font(bold=True)
        number_format = _number_format(name)
        for row, value in enumerate(frame[name], start=first_row + 1):
            put(sheet, row, column, value, number_format)
        width = max([len(str(name))] + [len(str(v)) for v in frame[name].head(200)])
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(width + 2, MAX_COLUMN_CHARS)
        if width > MAX_COLUMN_CHARS:
            for cell in sheet[letter][first_row:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    if first_row == 1:
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions


def _number_format(column: str) -> str | None:
    if column.endswith(("_usd_per_year", "orders_per_year", "size_sqft")):
        return WHOLE
    if column.endswith(("_usd_per_order", "_usd", "_usd_per_sqft_year")):
        return CENTS
    if column.endswith("_pct"):
        return "0.0"
    if column in ("lat", "lon"):
        return "0.00000"
    if column == "distance_mi":
        return "#,##0.0"
    return None
