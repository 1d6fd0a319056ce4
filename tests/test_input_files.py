"""Reading a user's file: encodings, delimiters, shape, limits, spreadsheet row numbers, and the
short problem list the command line and the app show."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from network.cli import main
from network.errors import InputError, Problem, problem_lines, shown_value
from network.input_files import (
    MAX_FILE_BYTES,
    column_letter,
    count_lines,
    parse_csv,
    read_csv,
    read_text,
)
from network.places import zip5_table, zip5_to_zip3
from network.scenario_file import embedded_zip3_base
from network.tables import DEMAND_MAX_ROWS, load_user_demand

ROOT = Path(__file__).resolve().parent.parent
DEMAND = "zip3,orders_per_year\n981,1200\n100,300\n"


def problems(call) -> list[str]:
    with pytest.raises(InputError) as info:
        call()
    return [str(p) for p in info.value.problems]


def read(data: bytes, max_rows: int = 100):
    return read_csv(data, "f.csv", max_rows)


def demand(data: bytes):
    return load_user_demand(data, embedded_zip3_base(), name="d.csv")


def test_utf8_byte_order_mark_is_accepted_silently():
    """Excel's 'CSV UTF-8' starts with a byte-order mark: same result as without."""
    assert demand(b"\xef\xbb\xbf" + DEMAND.encode()) == demand(DEMAND.encode())


def test_windows_1252_is_named_with_the_character_it_would_be():
    """A file from Excel's plain 'CSV' says it is not UTF-8 and looks like Windows-1252, on the
    row of the first byte that is not UTF-8, and what to do."""
    data = "site_id,name\nA,Seattle\nB,Montr\u00e9al\n".encode("cp1252")
    assert problems(lambda: read(data)) == [
        "f.csv, row 3: is not UTF-8 text (byte 0xE9 in this line is not valid UTF-8); it "
        "looks like Windows-1252 (Western European, what Excel's plain 'CSV' writes), where "
        "that byte is '\u00e9'; open it in a spreadsheet and save it as 'CSV UTF-8 (Comma "
        "delimited)'"]


@pytest.mark.parametrize("data, said", [
    ("zip3,orders\n981,1\n".encode("utf-16"), "is UTF-16 text, not UTF-8"),
    ("zip3,orders\n".encode("utf-16-le"), "is UTF-16 text (every other byte is zero)"),
    (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook (.xlsx), not a text file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1", "Excel 97-2003 workbook (.xls)"),
    (b"zip3,orders\n\x01\x02\x03\x04\x05\x06\x07\x08\x81\x8d", "looks like binary data"),
    (b"zip3,orders\n981\x00,1\n", "holds a zero byte"),
])
def test_other_encodings_and_formats_say_what_they_are(data, said):
    """UTF-16, workbooks and binary data are named; no codec error reaches the user."""
    [message] = problems(lambda: read(data))
    assert said in message and "codec" not in message


@pytest.mark.parametrize("text, said", [
    ("name;zip\nA;98101\n", "separates its columns with semicolons (;), not commas"),
    ("name\tzip\nA\t98101\n", "separates its columns with tabs, not commas"),
    ("name|zip\nA|98101\n", "separates its columns with vertical bars (|), not commas"),
])
def test_other_delimiters_are_named(text, said):
    """A semicolon, tab or bar file is refused with what it is (no 'unknown column name;zip')."""
    [message] = problems(lambda: read(text.encode()))
    assert message.startswith(f"f.csv, row 1: {said}")


def test_semicolon_demand_on_the_command_line(tmp_path, capsys):
    """The case of the issue: the CLI names the delimiter, not an unknown column."""
    path = tmp_path / "demand.csv"
    path.write_text("zip3;orders_per_year\n981;1,5\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "semicolons" in err and "unknown column" not in err


def test_rows_are_numbered_as_a_spreadsheet_shows_them():
    """The header is row 1; a blank row counts; a quoted value over two lines is one row."""
    text = 'a,b\n1,"two\nlines"\n\n3,x\n'
    assert [(row, list(cells)) for row, cells in read(text.encode()).rows] == [
        (2, ["1", "two\nlines"]), (4, ["3", "x"])]
    assert problems(lambda: demand(b"zip3,orders_per_year\n981,1\n\n981,lots\n")) == [
        "d.csv, row 4, field 'orders_per_year': 'lots' is not a number"]


def test_ragged_rows_are_named_and_trailing_commas_forgiven():
    """A row with more values than columns is named; empty values past the header (trailing
    commas) are not a problem; a short row is padded."""
    assert problems(lambda: read(b"a,b\n1,2,3\n4,5\n")) == [
        "f.csv, row 2: has 3 values but the header names 2 columns; a value holding a comma "
        "must be in double quotes"]
    table = read(b"a,b\n1,2,,\n3\n")
    assert [list(c) for _, c in table.rows] == [["1", "2"], ["3", ""]]


def test_every_row_one_value_too_many_is_not_read_as_an_index():
    """pandas read such a file with its first column as the index, shifting every value:
    'zip3,orders_per_year' over '981,1,2' was read as ZIP3 001 with 2 orders."""
    assert problems(lambda: demand(b"zip3,orders_per_year\n981,1,2\n")) == [
        "d.csv, row 2: has 3 values but the header names 2 columns; a value holding a comma "
        "must be in double quotes"]


def test_header_problems():
    """A name used twice and a column with values but no name are named with their spreadsheet
    column letters; an unnamed empty column (a trailing comma) is dropped."""
    assert problems(lambda: read(b"zip,name,zip\n1,a,2\n")) == [
        "f.csv, row 1, field 'zip': the column name appears twice (columns A and C)"]
    assert problems(lambda: read(b"a,,b\n1,2,3\n")) == [
        "f.csv, row 1: column B has values but no name in the header"]
    assert read(b"a,b,\n1,2,\n").columns == ("a", "b")


@pytest.mark.parametrize("text, said", [
    ('a,b\n1,"2\n3,4\n', "row 2: opens a double quote that is never closed"),
    ('a,b\n1,"2"x\n', "row 2: has text right after a closing double quote"),
    ("a,b\n1," + "9" * 200_000 + "\n", "row 2: has a value longer than 131,072 characters"),
    ("", "is empty: the first row should name the columns"),
    ("\n,,\n", "is empty: the first row should name the columns"),
])
def test_quotes_long_values_and_empty_files(text, said):
    [message] = problems(lambda: read(text.encode()))
    assert said in message


def test_row_limit_is_checked_on_the_line_count_before_decoding():
    """A file with more lines than the limit is refused before it is decoded or parsed: here
    it is also not UTF-8, and the line count is what is reported."""
    data = b"zip3,orders\n" + b"981,\xe9\n" * 11
    assert problems(lambda: read(data, max_rows=10)) == [
        "f.csv: has 12 lines; at most 10 rows below the header are read from this file"]
    assert len(read(data.replace(b"\xe9", b"1"), max_rows=11).rows) == 11


def test_line_count_with_mixed_line_endings():
    """CR LF, a lone CR and a lone LF each end a line, so mixing them cannot slip past the
    row limit."""
    assert count_lines(b"a\r\nb\rc\nd") == 4
    assert count_lines(b"a\r\nb\rc\nd\n") == 4
    assert count_lines(b"") == 0


def test_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    """A file over the limit is refused from its size alone, never read, with the limit in
    MB."""
    path = tmp_path / "huge.csv"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: takes no disk
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    assert problems(lambda: read_text(path, "huge.csv")) == [
        "huge.csv: is larger than 20 MB, the most this tool reads from one file; split it or "
        "leave out the rows and columns it does not need"]
    [message] = problems(lambda: read_text(b"x" * 11, "b.csv", max_bytes=10))
    assert message.startswith("b.csv: is larger than")
    assert read_text(b"x" * 10, "b.csv", max_bytes=10) == "x" * 10


def test_upload_size_limit_in_the_app_matches_the_readers():
    """.streamlit/config.toml server.maxUploadSize (MB) is the readers' MAX_FILE_BYTES."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_FILE_BYTES


def test_missing_file_and_folder(tmp_path):
    assert problems(lambda: read_text(tmp_path / "nope.csv", "nope.csv")) == [
        "nope.csv: file not found"]
    assert problems(lambda: read_text(tmp_path, "dir")) == ["dir: is a folder, not a file"]


def test_large_valid_zip5_demand_file():
    """Every US ZIP5 in the demand base, one row each (about 41,000 rows): read in full and
    summed into ZIP3s. Timings: BENCHMARKS.md."""
    known = set(embedded_zip3_base().zip3)
    zips = sorted(z for z in zip5_table() if z[:3] in known)
    assert len(zips) > 40_000
    text = "zip5,orders_per_year\n" + "".join(f"{z},{i % 7 + 1}\n" for i, z in enumerate(zips))
    orders = dict(load_user_demand(text.encode(), embedded_zip3_base(), name="d.csv",
                                   zip5_to_zip3=zip5_to_zip3))
    assert sum(orders.values()) == sum(i % 7 + 1 for i in range(len(zips)))
    assert set(orders) == {z[:3] for z in zips}
    assert len(zips) < DEMAND_MAX_ROWS


# ---------------------------------------------------------------------------------------------
# The problem list people read


def many_problems(n: int) -> list[Problem]:
    return [Problem("d.csv", f"'x{i}' is not a number", i + 2,
                    "orders_per_year" if i % 3 else "zip5") for i in range(n)]


def test_a_long_problem_list_is_cut_after_20_lines():
    """881 bad rows: the first 20, then one line counting the rest by field and row span."""
    lines = problem_lines(many_problems(881))
    assert len(lines) == 21
    assert lines[:20] == [str(p) for p in many_problems(20)]
    assert lines[20] == ("... and 861 more problems in rows 22 to 882 (574 in field "
                         "'orders_per_year', 287 in field 'zip5')")


def test_a_short_problem_list_is_shown_whole():
    """Up to 21 problems are all shown (a count line would hide only one)."""
    assert problem_lines(many_problems(21)) == [str(p) for p in many_problems(21)]


def test_the_command_line_prints_at_most_21_lines(tmp_path, capsys):
    """881 bad rows on the command line: 21 lines on stderr, exit 2."""
    path = tmp_path / "demand.csv"
    path.write_text("zip3,orders_per_year\n" + "981,lots\n" * 881)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 21 and err[-1].startswith("... and 861 more problems in rows 22 to 882")


def test_values_quoted_back_are_cut_and_escaped():
    """A 5,000-character cell or one with terminal codes is quoted short and harmless."""
    assert shown_value("x" * 5000) == "x" * 57 + "..."
    assert shown_value("a\nb\x1b[31m") == "a\\nb\\x1b[31m"
    assert str(Problem("f.csv", "bad\rvalue", 2, "na\nme")) == (
        "f.csv, row 2, field 'na\\nme': bad\\rvalue")


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 51, 702)] == ["A", "Z", "AA", "AZ", "AAA"]


def test_parse_csv_strips_a_byte_order_mark_left_in_text():
    """Text decoded elsewhere may still start with U+FEFF: not part of the first column."""
    assert parse_csv("\ufeffa,b\n1,2\n", "f.csv").columns == ("a", "b")


def test_a_message_quoting_a_whole_document_is_cut_in_the_middle():
    """A checker quoting a 5,000-character value: the start (where) and end (what) stay."""
    message = "{'x': '" + "x" * 5000 + "'} is not of type 'string'"
    line = str(Problem("s.json", message, field="name"))
    head, tail = line.split(" ... ")
    assert len(line) < 450 and head.startswith("s.json, field 'name': {'x': 'xxx")
    assert message.endswith(tail) and tail.endswith("x'} is not of type 'string'")


def test_not_utf8_after_a_byte_order_mark_names_the_right_byte():
    """The byte named is the one that is not UTF-8, also when a byte-order mark precedes it."""
    data = b"\xef\xbb\xbfzip3,orders\n981,caf\xe9\n"
    [message] = problems(lambda: read(data))
    assert message.startswith("f.csv, row 2: is not UTF-8 text (byte 0xE9")
    assert "where that byte is '\u00e9'" in message


def test_a_decimal_comma_is_not_read_as_thousands():
    """'1,5' (a European decimal) is refused, not read as 15; '1,500' is fifteen hundred."""
    assert problems(lambda: demand(b'zip3,orders_per_year\n981,"1,5"\n')) == [
        "d.csv, row 2, field 'orders_per_year': '1,5' is not a number: write decimals with a "
        "point (1.5) and thousands with commas or nothing (1,000 or 1000)"]
    assert demand(b'zip3,orders_per_year\n981,"1,500"\n') == (("981", 1500.0),)


def test_read_text_drops_a_byte_order_mark():
    """Any text file (a scenario JSON) may start with Excel's or Notepad's UTF-8 mark."""
    assert read_text(b"\xef\xbb\xbf{}", "s.json") == "{}"
