"""Exports of a scenario and its design, and imports of scenario files (plain Python).

    content.ScenarioWithDesign   what every export is made from (scenario, design, evaluation,
                                 solve); from_result / from_saved / with_design / solved
    formats.export_files(item, ExportFormat.X, day) -> [ExportFile(file_name, data, mime)]
    scenario_json.read_scenario_file(data, source) -> ImportedScenario (validated; no files)
    store_io.import_to_store(store, imported, ...) / store_io.version_content(item, note)

Formats: scenario JSON (scenario_json.py), CSV (csv_files.py), GeoJSON (geojson.py), Excel
(workbook.py), the HTML report (report.py, with svg_map.py); the tables they share are in
frames.py, and what makes user text safe in each file is in cells.py. Modules are imported on
use: the app loads geopandas or openpyxl only when a planner asks for that file.
"""
