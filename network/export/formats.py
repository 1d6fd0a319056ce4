"""Every export format behind one call: `export_files(item, format, day)` gives the files to
write or offer for download, each named after the scenario and the day."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from network.export.cells import file_name
from network.export.content import ScenarioWithDesign


class ExportFormat(enum.Enum):
    JSON = "json"  # scenario + design + KPIs; reads back as a scenario with its design
    CSV = "csv"  # candidate sites (reads back as sites) and, with a design, the lanes
    GEOJSON = "geojson"  # sites, ZIP3s and assignment lines in EPSG:4326
    XLSX = "xlsx"  # workbook: summary and KPIs, sites, lanes, assumptions with sources
    HTML = "html"  # the one-page report

    @property
    def needs_design(self) -> bool:
        return self in (ExportFormat.GEOJSON, ExportFormat.XLSX, ExportFormat.HTML)


MIME = {"json": "application/json", "csv": "text/csv", "geojson": "application/geo+json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html": "text/html"}


@dataclass(frozen=True)
class ExportFile:
    file_name: str
    data: bytes
    mime: str


def export_files(item: ScenarioWithDesign, fmt: ExportFormat, day: date) -> list[ExportFile]:
    """The file(s) of one format; InputError when the format needs a design and there is
    none. CSV gives the sites file and, with a design, the lanes file."""
    name = item.scenario.name
    if fmt is ExportFormat.CSV:
        return csv_files(item, day)
    return [ExportFile(file_name(name, day, fmt.value), export_bytes(item, fmt, day),
                       MIME[fmt.value])]


def csv_files(item: ScenarioWithDesign, day: date) -> list[ExportFile]:
    from network.export.csv_files import lanes_csv, sites_csv

    name = item.scenario.name
    files = [ExportFile(file_name(name, day, "csv", "sites"),
                        sites_csv(item.scenario, item.evaluation).encode(), MIME["csv"])]
    if item.evaluation is not None:
        files.append(ExportFile(file_name(name, day, "csv", "lanes"),
                                lanes_csv(item.scenario, item.evaluation).encode(),
                                MIME["csv"]))
    return files


def export_bytes(item: ScenarioWithDesign, fmt: ExportFormat, day: date) -> bytes:
    """One file's content (for CSV, the sites file)."""
    if fmt is ExportFormat.JSON:
        from network.export.scenario_json import design_json

        return design_json(item).encode()
    if fmt is ExportFormat.CSV:
        from network.export.csv_files import sites_csv

        return sites_csv(item.scenario, item.evaluation).encode()
    if fmt is ExportFormat.GEOJSON:
        from network.export.geojson import network_geojson

        return network_geojson(item)
    if fmt is ExportFormat.XLSX:
        from network.export.workbook import workbook_bytes

        return workbook_bytes(item, day)
    from network.export.report import report_html

    return report_html(item, day).encode()
