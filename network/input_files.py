"""A user's file read as text before it is parsed: its size and row count, its encoding and, for
a CSV file, its delimiter and shape.

Every CSV reader (network/tables.py) goes through `read_csv`, so that a file that is too large,
not UTF-8, separated by semicolons or tabs, or ragged gets a plain sentence naming the row instead
of a codec or tokenizer error. `read_text` is the same first step for any other text format;
`read_json` and `parse_json` read JSON strictly on top of it (a scenario file, an import).

Rows are numbered as a spreadsheet shows them: the header is row 1, so the first data row is
row 2; a blank row still counts, and a quoted value that spans lines stays in one row. Columns,
where a message needs them, are also named as a spreadsheet does (A, B, ..., Z, AA).

Choices: a UTF-8 byte-order mark is accepted silently; any other encoding is refused with the
encoding it looks like, because guessing wrong would change names and numbers without a word.
A file separated by semicolons or tabs is refused with what to do, not read: such files are
usually written with decimal commas ("1,5"), which would be read as other numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from network.errors import InputError, Problem, shown_value

MAX_FILE_BYTES = 20 * 1024 * 1024  # .streamlit/config.toml server.maxUploadSize: the same, in MB
UTF8_BOM = b"\xef\xbb\xbf"
# What to do about a file in another encoding or format.
CSV_FIX = "open it in a spreadsheet and save it as 'CSV UTF-8 (Comma delimited)'"
TEXT_FIX = "save it as UTF-8 text"

FileSource = str | Path | bytes | BinaryIO

# What a file is when its first bytes say so (a spreadsheet workbook uploaded instead of a CSV).
SIGNATURES = (
    (b"PK\x03\x04", "a zip archive, such as an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"%PDF", "a PDF document"),
)
BYTE_ORDER_MARKS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"),
)
OTHER_DELIMITERS = ((";", "semicolons (;)"), ("\t", "tabs"), ("|", "vertical bars (|)"))


# ---------------------------------------------------------------------------------------------
# Bytes and text


def read_bytes(source: FileSource, name: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, refused before reading them all when there are more than `max_bytes`."""
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | Path):
        data = _read_path(Path(source), name, max_bytes)
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(name, max_bytes)
    return data


def _read_path(path: Path, name: str, max_bytes: int) -> bytes:
    try:
        if path.is_dir():
            raise InputError([Problem(name, "is a folder, not a file")])
        if path.stat().st_size > max_bytes:
            raise _too_large(name, max_bytes)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(name, "file not found")]) from None
    except OSError as exc:
        raise InputError([Problem(name, f"cannot be read ({exc.strerror or exc})")]) from None


def _too_large(name: str, max_bytes: int) -> InputError:
    return InputError([Problem(name, f"is larger than {max_bytes / 2**20:g} MB, the most this "
                               "tool reads from one file; split it or leave out the rows and "
                               "columns it does not need")])


def decode_text(data: bytes, name: str, fix: str = TEXT_FIX) -> str:
    """UTF-8 text (a leading byte-order mark dropped), or InputError saying what the file is
    instead, which encoding it looks like, and `fix`: what to do about it."""
    for signature, what in SIGNATURES:
        if data.startswith(signature):
            raise InputError([Problem(name, f"is {what}, not a text file; {fix}")])
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            raise InputError([Problem(name, f"is {encoding} text, not UTF-8; {fix}")])
    data = data.removeprefix(UTF8_BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([_not_utf8(data, exc.start, name, fix)]) from None
    if "\0" in text:
        raise InputError([_nul_problem(data, name, fix)])
    return text


def _not_utf8(data: bytes, at: int, name: str, fix: str) -> Problem:
    line = line_breaks(data[:at]) + 1
    byte = data[at]
    guess = ""
    if _looks_binary(data):
        guess = "; it looks like binary data, not a text file"
    elif (cp1252 := _as_windows_1252(data)) is not None:
        guess = (f"; it looks like Windows-1252 (Western European, what Excel's plain 'CSV' "
                 f"writes), where that byte is '{shown_value(cp1252[at])}'")
    return Problem(name, f"is not UTF-8 text (byte 0x{byte:02X} in this line is not valid "
                   f"UTF-8){guess}; {fix}", row=line)


def _as_windows_1252(data: bytes) -> str | None:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def _looks_binary(data: bytes) -> bool:
    """More than 1 in 100 bytes are control characters that text never holds."""
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls * 100 > len(sample)


def _nul_problem(data: bytes, name: str, fix: str) -> Problem:
    sample = data[:4096]
    odd_nuls = sample[1::2].count(0)
    if odd_nuls * 2 > len(sample) // 2 or sample[0::2].count(0) * 2 > len(sample) // 2:
        return Problem(name, f"is UTF-16 text (every other byte is zero), not UTF-8; {fix}")
    line = line_breaks(data[:data.index(b"\0")]) + 1
    return Problem(name, "holds a zero byte: it looks like binary data, not a text file",
                   row=line)


def read_text(source: FileSource, name: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file as text, after the size and encoding checks."""
    return decode_text(read_bytes(source, name, max_bytes), name)


# ---------------------------------------------------------------------------------------------
# JSON

MAX_JSON_DEPTH = 24  # a scenario nests 6 deep; deeper is not a document this tool reads


def read_json(source: FileSource, name: str, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """The file's JSON, after the size and encoding checks (see `parse_json`)."""
    return parse_json(read_text(source, name, max_bytes), name)


def parse_json(text: str, name: str) -> Any:
    """Strict JSON as Python objects, or InputError saying what is wrong and on which line: no
    NaN or Infinity, no key given twice in one object (json.loads would keep the last one
    silently), at most `MAX_JSON_DEPTH` levels of lists and objects."""
    too_deep = Problem(name, f"is nested too deeply: more than {MAX_JSON_DEPTH} levels of "
                       "lists or objects inside each other; not a document this tool reads")
    try:
        doc = json.loads(text, object_pairs_hook=_json_object, parse_constant=_json_constant)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(name, f"not valid JSON: {exc.msg}", row=exc.lineno,
                                  field=f"column {exc.colno}")]) from None
    except _RefusedJson as exc:
        raise InputError([Problem(name, str(exc))]) from None
    except RecursionError:  # thousands of levels deep: json.loads recurses
        raise InputError([too_deep]) from None
    except ValueError:  # an integer of thousands of digits, past Python's conversion limit
        raise InputError([Problem(name, "not usable JSON: a number has thousands of digits; "
                                  "give numbers as plain decimals")]) from None
    if _json_depth(doc) > MAX_JSON_DEPTH:
        raise InputError([too_deep])
    return doc


class _RefusedJson(ValueError):
    """JSON that the json module accepts but this tool does not."""


def _json_object(pairs: list[tuple[str, Any]]) -> dict:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _RefusedJson(f"the key '{shown_value(key)}' is given twice in one object; "
                               "give it once")
        seen[key] = value
    return seen


def _json_constant(name: str) -> float:
    raise _RefusedJson(f"{name} is not a number JSON allows; give a finite number")


def _json_depth(doc: Any) -> int:
    """How deeply lists and objects nest (without recursion: the input may be hostile)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_JSON_DEPTH:
                children = node.values() if isinstance(node, dict) else node
                stack.extend((child, level + 1) for child in children)
    return deepest


# ---------------------------------------------------------------------------------------------
# Lines


def count_lines(data: bytes) -> int:
    """Lines in the file, whichever line endings it mixes (an upper bound on its CSV rows)."""
    return line_breaks(data) + (0 if data.endswith((b"\n", b"\r")) or not data else 1)


def line_breaks(data: bytes) -> int:
    """Line breaks: CR LF, a lone LF and a lone CR each count once (as the CSV reader sees)."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


# ---------------------------------------------------------------------------------------------
# CSV


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and data rows, every cell as the text the user wrote; `rows` holds
    (spreadsheet row number, cells) with exactly one cell per column."""

    columns: tuple[str, ...]
    rows: Sequence[tuple[int, Sequence[str]]]


def read_csv(source: FileSource, name: str, max_rows: int,
             max_bytes: int = MAX_FILE_BYTES) -> CsvTable:
    """A comma-separated file checked for size, row count (before parsing it), encoding,
    delimiter, quotes and shape; InputError names each problem's row."""
    data = read_bytes(source, name, max_bytes)
    lines = count_lines(data)
    if lines - 1 > max_rows:
        raise InputError([Problem(name, f"has {lines:,} lines; at most {max_rows:,} rows below "
                                  "the header are read from this file")])
    return parse_csv(decode_text(data, name, CSV_FIX), name)


def parse_csv(text: str, name: str) -> CsvTable:
    """Header and rows of comma-separated text; blank rows are skipped, a trailing empty column
    is dropped, short rows are padded with empty cells."""
    records = _records(text.lstrip("\ufeff"), name)
    header_at = next((i for i, cells in enumerate(records) if "".join(cells).strip()), None)
    if header_at is None:
        raise InputError([Problem(name, "is empty: the first row should name the columns")])
    header_row = header_at + 1
    columns = [c.strip() for c in records[header_at]]
    _check_delimiter(columns, header_row, name)
    width, problems, body = len(columns), [], []
    for row, cells in enumerate(records[header_at + 1:], header_at + 2):
        if not (cells and cells[0] and not cells[0].isspace()) and not "".join(cells).strip():
            continue  # a blank row
        if len(cells) != width:
            cells = _fit(cells, width, row, name, problems)
        body.append((row, cells))
    keep, header_problems = _columns_kept(columns, body, header_row, name)
    if problems or header_problems:
        raise InputError(header_problems + problems)
    if len(keep) < width:
        body = [(row, [cells[i] for i in keep]) for row, cells in body]
    return CsvTable(tuple(columns[i] for i in keep), body)


def _fit(cells: list[str], width: int, row: int, name: str, problems: list[Problem]
         ) -> list[str]:
    """A row cut or padded to the header's width; values past the header are a problem, empty
    cells there (trailing commas) are not."""
    used = max((i + 1 for i, c in enumerate(cells) if c.strip()), default=0)
    if used > width:
        problems.append(Problem(name, f"has {used} values but the header names {width} "
                                "columns; a value holding a comma must be in double quotes",
                                row=row))
    return cells[:width] + [""] * (width - len(cells))


def _records(text: str, name: str) -> list[list[str]]:
    """Every record of the file, blank ones included, so that list index + 1 is the row."""
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=True)
    records: list[list[str]] = []
    try:
        records.extend(reader)  # on an error, the records before it stay
    except csv.Error as exc:
        raise InputError([_quote_problem(str(exc), len(records) + 1, name)]) from None
    return records


def _quote_problem(error: str, row: int, name: str) -> Problem:
    if "field larger than field limit" in error:
        return Problem(name, f"has a value longer than {csv.field_size_limit():,} characters, "
                       "often a double quote that is never closed", row=row)
    if "expected after" in error:
        return Problem(name, "has text right after a closing double quote; a double quote "
                       "inside a quoted value must be written twice (\"\")", row=row)
    if "end of data" in error:
        return Problem(name, "opens a double quote that is never closed", row=row)
    return Problem(name, "cannot be read as CSV", row=row)


def _check_delimiter(columns: list[str], header_row: int, name: str) -> None:
    if len(columns) != 1:
        return
    for delimiter, what in OTHER_DELIMITERS:
        if delimiter in columns[0]:
            raise InputError([Problem(name, f"separates its columns with {what}, not commas. "
                                      "This tool reads comma-separated files only (files saved "
                                      "with semicolons often write decimals with a comma); "
                                      f"{CSV_FIX}", row=header_row)])


def _columns_kept(columns: list[str], body: list[tuple[int, list[str]]], header_row: int,
                  name: str) -> tuple[list[int], list[Problem]]:
    """Indexes of the columns to keep, and the header's problems: a name used twice, or a
    column with values but no name (a column with neither is dropped)."""
    keep, problems, first = [], [], {}
    for i, column in enumerate(columns):
        if not column:
            if any(i < len(cells) and cells[i].strip() for _, cells in body):
                problems.append(Problem(name, f"column {column_letter(i)} has values but no "
                                        "name in the header", row=header_row))
            continue
        if column in first:
            problems.append(Problem(name, f"the column name appears twice (columns "
                                    f"{column_letter(first[column])} and {column_letter(i)})",
                                    row=header_row, field=shown_value(column)))
            continue
        first[column] = i
        keep.append(i)
    return keep, problems


def column_letter(index: int) -> str:
    """A spreadsheet's name for the column at 0-based `index`: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
