"""Imports: a scenario file is data to check, never code or a path to follow. Every bad file
ends in an InputError naming what is wrong (and where), and nothing else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from network.errors import InputError
from network.export.scenario_json import design_json, read_scenario_file
from network.input_files import MAX_JSON_DEPTH
from network.scenario import FORMAT_VERSION
from network.scenario_file import MAX_SCENARIO_FILE_BYTES, load_scenario, scenario_to_json
from network.tables import DATA_DIR, SITES_FILE

ROOT = Path(__file__).resolve().parent.parent
SITES = ("SEA", "DFW", "MDT", "ORD", "ATL")


@pytest.fixture(scope="module")
def small():
    from network.scenario_file import load_default_scenario

    default = load_default_scenario()
    return default.with_changes(name="Import test", sites=tuple(
        s for s in default.sites if s.site_id in SITES))


@pytest.fixture(scope="module")
def exported(small):
    """The small scenario solved and exported as JSON text."""
    from network.export.content import from_result
    from network.optimize import optimize

    return design_json(from_result(small, optimize(small)))


def problems(data: bytes, source: str = "bad.json") -> list[str]:
    """The problem lines an import of `data` gives (it must give some)."""
    with pytest.raises(InputError) as err:
        read_scenario_file(data, source)
    assert err.value.problems
    return [str(p) for p in err.value.problems]


def edited(text: str, change) -> bytes:
    doc = json.loads(text)
    change(doc)
    return json.dumps(doc).encode()


# -- files that are not a scenario at all ------------------------------------------------------


@pytest.mark.parametrize("data, expected", [
    (b"", "not valid JSON"),
    (b"this is not json", "not valid JSON: Expecting value"),
    (b"\xff\xfe{\x00}\x00", "UTF-16"),
    (b'{"name": "caf\xe9"}', "not UTF-8"),
    (b"[1, 2]", "one JSON object"),
    (b'{"a": NaN}', "NaN is not a number JSON allows"),
    (b'{"a": 1, "a": 2}', "the key 'a' is given twice"),
    (b'{"a": ' + b"1" * 5000 + b"}", "not usable JSON"),
    (b"[" * 100_000 + b"]" * 100_000, f"nested too deeply: more than {MAX_JSON_DEPTH} levels"),
    (b'{"a":' * 40 + b"1" + b"}" * 40, f"nested too deeply: more than {MAX_JSON_DEPTH} levels"),
])
def test_a_file_that_is_not_a_scenario_says_what_it_is(data, expected):
    assert any(expected in p for p in problems(data))


def test_a_truncated_export_names_the_line(exported):
    lines = problems(exported.encode()[: len(exported) // 2])
    assert len(lines) == 1 and "not valid JSON" in lines[0] and ", row " in lines[0]


def test_an_oversized_file_is_refused_unread():
    data = b" " * (MAX_SCENARIO_FILE_BYTES + 1)
    assert "is larger than 5 MB" in problems(data)[0]


def test_a_newer_format_version_is_refused_saying_so(exported):
    data = edited(exported, lambda d: d.update(format_version=FORMAT_VERSION + 1))
    assert "newer than this tool reads" in problems(data)[0]


def test_wrong_values_are_named_by_field_and_row(exported):
    def spoil(doc):
        doc["sites"][1]["lat"] = "forty"
        doc["demand"]["annual_orders"] = -5
    lines = problems(edited(exported, spoil))
    assert any("row 2, field 'sites.lat'" in p for p in lines)
    assert any("field 'demand.annual_orders'" in p for p in lines)


# -- files that point elsewhere ----------------------------------------------------------------


@pytest.mark.parametrize("key, value", [("sites_file", "../candidate_sites.csv"),
                                        ("rate_cards_dir", "/etc"),
                                        ("zip3_file", "../" * 4 + "etc/passwd")])
def test_an_imported_scenario_may_not_refer_to_any_file(exported, key, value):
    inline = {"sites_file": "sites", "rate_cards_dir": "services", "zip3_file": "zip3_base"}

    def refer(doc):
        doc.pop(inline[key], None)
        doc[key] = value
    lines = problems(edited(exported, refer))
    assert any(f"field '{key}'" in p and "may not refer to a file" in p for p in lines)


def test_the_embedded_zip3_table_is_no_file_reference(exported):
    assert json.loads(exported)["zip3_file"] == "embedded"
    read_scenario_file(exported.encode(), "ok.json")


def write_scenario(folder: Path, sites_file: str) -> Path:
    doc = json.loads(Path(DATA_DIR / "scenarios" / "default.json").read_text())
    doc["sites_file"] = sites_file
    doc["rate_cards_dir"] = str((DATA_DIR / "rate_cards").resolve())  # the data folder: allowed
    path = folder / "scenario.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_scenario_file_reads_files_in_its_folder_and_the_data_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    shutil.copy(SITES_FILE, tmp_path / "mine" / "sites.csv")
    assert load_scenario(write_scenario(tmp_path, "mine/sites.csv")).sites


@pytest.mark.parametrize("how", ["parent", "absolute", "link"])
def test_a_scenario_file_cannot_reach_outside_its_folder(tmp_path, how):
    folder = tmp_path / "scenario"
    folder.mkdir()
    outside = tmp_path / "secret.csv"
    shutil.copy(SITES_FILE, outside)
    ref = {"parent": "../secret.csv", "absolute": str(outside), "link": "link.csv"}[how]
    if how == "link":
        os.symlink(outside, folder / "link.csv")
    with pytest.raises(InputError) as err:
        load_scenario(write_scenario(folder, ref))
    assert "outside the scenario's folder and the project's data folder" in str(err.value)
    assert "field 'sites_file'" in str(err.value)


# -- designs that do not fit their scenario ----------------------------------------------------


def test_a_design_naming_unknown_sites_or_zip3s_is_refused_by_row(exported):
    def spoil(doc):
        doc["design"]["open_site_ids"].append("NOPE")
        doc["design"]["assignment"][3]["zip3"] = doc["design"]["assignment"][2]["zip3"]
        doc["design"]["assignment"][5]["site_id"] = "MDT" if "MDT" not in doc["design"][
            "open_site_ids"] else "ORD"
    lines = problems(edited(exported, spoil))
    assert any("unknown site id 'NOPE'" in p and "field 'design.open_site_ids'" in p
               for p in lines)
    assert any("row 4" in p and "is assigned twice (first in row 3)" in p for p in lines)


def test_a_design_with_a_missing_zip3_is_refused(exported):
    lines = problems(edited(exported, lambda d: d["design"]["assignment"].pop()))
    assert any("have no lane" in p and "design.assignment" in p for p in lines)


def test_bad_solver_claims_are_refused_by_field(exported):
    lines = problems(edited(exported, lambda d: d["design"]["solve"].update(gap=7)))
    assert any("field 'design.solve.gap'" in p for p in lines)


# -- the command line --------------------------------------------------------------------------


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "network", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_export_import_export_is_byte_identical(small, tmp_path):
    """Export JSON (solving first), import it into a store, export it from there: the same
    bytes; the store then exports every other format too."""
    path = tmp_path / "small.json"
    path.write_text(scenario_to_json(small))
    first = run("export", str(path), "--format", "json", "--out", str(tmp_path / "a.json"))
    assert first.returncode == 0, first.stderr
    db = tmp_path / "store.db"
    stored = run("import", str(tmp_path / "a.json"), "--db", str(db))
    assert stored.returncode == 0, stored.stderr
    assert "stored 'Import test' with its design as scenario 1 version 1" in stored.stdout
    again = run("export", "--db", str(db), "--id", "1", "--format", "json", "--out",
                str(tmp_path / "b.json"))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    second = run("import", str(tmp_path / "b.json"), "--db", str(db))
    assert "stored 'Import test (imported)'" in second.stdout
    out = tmp_path / "all"
    for fmt in ("csv", "geojson", "xlsx", "html"):
        done = run("export", "--db", str(db), "--id", "2", "--format", fmt, "--out", str(out))
        assert done.returncode == 0, done.stderr
    assert sorted(p.suffix for p in out.iterdir()) == [".csv", ".csv", ".geojson", ".html",
                                                      ".xlsx"]


def test_import_of_a_bad_file_exits_2_with_one_line_per_problem(exported, tmp_path):
    def spoil(doc):
        doc["sites"][0]["lat"] = 500
        doc["sites"][2]["fixed_cost_usd_per_year"] = -1
    bad = tmp_path / "bad.json"
    bad.write_bytes(edited(exported, spoil))
    done = run("import", str(bad), "--db", str(tmp_path / "s.db"))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and "row 1, field 'sites.lat'" in lines[0]
    assert "row 3, field 'sites.fixed_cost_usd_per_year'" in lines[1]
    assert not (tmp_path / "s.db").exists()  # checked before the store is touched


def test_import_refuses_a_csv_and_an_unknown_store_id(tmp_path):
    done = run("import", str(SITES_FILE), "--db", str(tmp_path / "s.db"))
    assert done.returncode == 2 and "import stores a scenario JSON" in done.stderr
    missing = run("export", "--db", str(tmp_path / "s.db"), "--id", "9", "--format", "json",
                  "--out", str(tmp_path))
    assert missing.returncode == 2 and "no scenario 9" in missing.stderr


def test_export_of_an_infeasible_scenario_exits_3_with_the_explanation(small, tmp_path):
    from dataclasses import replace

    from network.scenario import ShareTarget, Targets

    impossible = small.with_changes(
        targets=Targets(share_targets=(ShareTarget(within_days=1, share_pct=100),)),
        costs=replace(small.costs, cross_border=replace(small.costs.cross_border,
                                                        enabled=False)))
    path = tmp_path / "impossible.json"
    path.write_text(scenario_to_json(impossible))
    done = run("export", str(path), "--format", "html", "--out", str(tmp_path / "r.html"))
    assert done.returncode == 3, done.stderr
    assert "no design to export: the solve ended infeasible" in done.stderr
    assert not (tmp_path / "r.html").exists()
