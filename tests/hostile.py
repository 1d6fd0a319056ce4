"""Hostile input for property tests, and the checks every reader of user input must pass.

Strategies (hypothesis) make what users and attackers send: bytes in other encodings or
formats, numbers that are not numbers, very long values, CSV files with another delimiter,
ragged rows, duplicate or misspelled columns, stray quotes, and JSON with NaN, huge numbers,
duplicate keys and deep nesting. The checks say what every outcome must be:

- `clear_outcome(call, valid=...)`: the call returns a result that passes `valid`, or raises
  InputError whose problems are plain sentences naming a row that exists; anything else (a
  traceback) fails the test;
- `unchanged(scenario)`: a context manager failing the test if the scenario was modified;
- `cli(argv)` / `cli_process(args)`: the command line exits 0 or 2, and says why on 2.

Point them at a new reader in a few lines, for example the scenario JSON reader:

    @given(text=hostile.json_texts(DEFAULT_DOC))
    def test_scenario_json(text):
        hostile.clear_outcome(lambda: scenario_from_json(text), valid=check_scenario_ok)

Every strategy draws a share of clean inputs too, so that "a valid result" is exercised as well
as "a clear message"; `hypothesis.event` records which, shown by --hypothesis-show-statistics.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import pickle
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from network.errors import InputError, Problem, problem_lines

ROOT = Path(__file__).resolve().parent.parent
BASE_EXAMPLES = 100  # the quick profile's max_examples (conftest.py); budgets scale with it
MAX_SHOWN_LINES = 21  # 20 problems and "... and N more"
MAX_LINE_CHARS = 700  # one problem line, with the longest source name the tests use
# Text that means an exception's own words reached the user instead of a sentence.
LEAKS = re.compile(r"Traceback|Error\(|codec can't|tokeniz|object at 0x|Errno|<class |"
                   r"\\x[0-9a-f]{2}'\)|could not convert|invalid literal|KeyError|IndexError")


def budget(share: float = 1.0) -> int:
    """max_examples for one test: `share` of the active profile's (quick: 100)."""
    return max(5, round(settings.default.max_examples * share))


# ---------------------------------------------------------------------------------------------
# Cells and text

NUMBER_TRAPS = (
    "", " ", "nan", "NaN", "-nan", "inf", "-Infinity", "1e309", "-1e309", "1e-320", "5e-324",
    "0", "-0", "-1", "0x10", "1_000", "1,5", "1,000", "1.000,5", "12,345.67", "1e", ".", "-",
    "+", "1.2.3", "TRUE", "null", "None", "\u00a05", "5\u200b", "\uff19", "\u0661\u0662",
    "\u00b2", "9" * 400, "1" + "0" * 320, "0." + "0" * 400 + "1", "  7  ", "=1+1", "#N/A",
)
TEXT_TRAPS = (
    "", " ", '"', '""', "'", ",", ";", "\t", "\n", "\r\n", "a\nb", "\x00", "\x1b[31mred",
    "\u202egnp.exe", "\ufeff", "\ud7ff", "**bold**", "[link](http://x)", "<b>x</b>",
    ":red[x]", "$x$", "é", "日本", "🚚", "x" * 5_000,
)


def number_texts() -> st.SearchStrategy[str]:
    """What users put where a number belongs: numbers, almost-numbers and traps."""
    return st.one_of(
        st.sampled_from(NUMBER_TRAPS),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-10**30, 10**30).map(str),
        st.from_regex(r"[-+]?[0-9,._eE ]{1,12}", fullmatch=True),
    )


def words(max_size: int = 30) -> st.SearchStrategy[str]:
    """Any text, traps included."""
    return st.one_of(st.sampled_from(TEXT_TRAPS), st.text(max_size=max_size))


def long_values() -> st.SearchStrategy[str]:
    """Very long values: past the CSV module's 131,072-character cell limit at times."""
    return st.sampled_from([1_000, 70_000, 140_000]).flatmap(
        lambda n: st.sampled_from(["9" * n, "x" * n, ('"' + "y" * n)]))


def cells() -> st.SearchStrategy[str]:
    """Any cell at all."""
    return st.one_of(number_texts(), words(), long_values())


def zip_texts(known: Sequence[str], digits: int) -> st.SearchStrategy[str]:
    """ZIP codes as users type them: known ones, leading zeros dropped, ZIP+4, and junk."""
    return st.one_of(
        st.sampled_from(sorted(known)),
        st.sampled_from(sorted(known)).map(lambda z: z.lstrip("0") or "0"),
        st.sampled_from(sorted(known)).map(lambda z: f"{z}-1234"),
        st.from_regex(rf"[0-9]{{{digits}}}", fullmatch=True),
        cells(),
    )


def positive_numbers(low: float = 0.0, high: float = 1e9) -> st.SearchStrategy[str]:
    """Clean numbers in range, written as a spreadsheet would."""
    options = [st.floats(low, high).map(lambda v: f"{v:.6g}"),
               st.integers(int(math.ceil(low)), int(high)).map(str)]
    if high >= 1000:  # thousands separators
        options.append(st.integers(max(1000, int(low)), int(high)).map(lambda v: f"{v:,}"))
    return st.one_of(options)


# ---------------------------------------------------------------------------------------------
# CSV files


@dataclass(frozen=True)
class CsvFile:
    """A generated file: its bytes, and what a reader may answer about it."""

    data: bytes
    clean: bool  # drawn only from the clean cells, with the right header and format

    @property
    def lines(self) -> int:
        """Lines in the file (an upper bound on the rows a problem may name): CR LF, lone CR
        and lone LF each end one."""
        data = self.data
        return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1


def rows_of(min_size: int = 1, max_size: int = 8, unique_by: str | None = None,
            **columns: st.SearchStrategy[str]) -> st.SearchStrategy[list[dict[str, str]]]:
    """Clean rows whose cells are drawn column by column (unique in `unique_by`)."""
    row = st.fixed_dictionaries(columns)
    return st.lists(row, min_size=min_size, max_size=max_size,
                    unique_by=(lambda r: r[unique_by]) if unique_by else None)


@st.composite
def csv_files(draw: st.DrawFn, columns: Sequence[str],
              clean_rows: st.SearchStrategy[list[dict[str, str]]]) -> CsvFile:
    """A CSV file with `columns`: either clean (rows from `clean_rows`, comma separated, UTF-8
    with or without a byte-order mark, any line ending and quoting) or those rows broken in
    one or more of the ways users' files are: hostile cells, a wrong header, ragged and blank
    rows, another delimiter or encoding, stray bytes or quotes, cut short."""
    clean = draw(st.booleans())
    table = draw(clean_rows)
    header = list(columns) if clean else draw(_header(columns))
    rows = []
    for record in table:
        row = [record.get(c, "") for c in header]
        if not clean:
            row = [draw(cells()) if draw(st.integers(0, 3)) == 0 else v for v in row]
            if draw(st.integers(0, 5)) == 0:  # ragged: a value too few or too many
                row = row[:-1] if draw(st.booleans()) else row + [draw(cells())]
        rows.append(row)
    text = _write(draw, header, rows, clean)
    data = _encode(draw, text, clean)
    if not clean:
        data = draw(_corrupt(data))
    event("clean file" if clean else "broken file")
    return CsvFile(data, clean)


def _header(columns: Sequence[str]) -> st.SearchStrategy[list[str]]:
    cols = list(columns)
    return st.one_of(
        st.just(cols),
        st.just(cols).map(lambda c: c[1:]),  # a required column missing
        st.just(cols).map(lambda c: c + [c[0]]),  # a column twice
        st.just(cols).map(lambda c: [x.upper() for x in c]),
        st.just(cols).map(lambda c: [f" {x} " for x in c] + [""]),  # spaces, empty last name
        st.just(cols).map(lambda c: [c[0] + "s"] + c[1:]),  # misspelt
        st.lists(words(), max_size=6),
    )


def _write(draw: st.DrawFn, header: list[str], rows: list[list[str]], clean: bool) -> str:
    delimiter = "," if clean else draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    if clean and any("\r" in v or "\n" in v for row in rows for v in row):
        quoting = csv.QUOTE_ALL  # the writer quotes only the line ending it writes
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=ending, quoting=quoting)
    writer.writerow(header)
    for row in rows:
        if not clean and draw(st.integers(0, 6)) == 0:
            out.write(ending)  # a blank row
        writer.writerow(row)
    return out.getvalue()


def _encode(draw: st.DrawFn, text: str, clean: bool) -> bytes:
    options = ["utf-8", "utf-8-sig"] + ([] if clean else ["utf-16", "cp1252", "latin-1"])
    encoding = draw(st.sampled_from(options))
    event(f"encoding {encoding}")
    return text.encode(encoding, errors="replace")


def _corrupt(data: bytes) -> st.SearchStrategy[bytes]:
    at = st.integers(0, len(data))
    return st.one_of(
        st.just(data),
        at.map(lambda i: data[:i]),  # cut short
        st.tuples(at, st.binary(min_size=1, max_size=8)).map(
            lambda t: data[:t[0]] + t[1] + data[t[0]:]),  # stray bytes
        at.map(lambda i: data[:i] + b'"' + data[i:]),  # a stray quote
    )


def hostile_bytes() -> st.SearchStrategy[bytes]:
    """Files that are not CSV text at all: binary, workbooks, other encodings' marks."""
    prefixes = [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x1f\x8b", b"%PDF-1.7\n",
                b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
                b"\xff\xfe\x00\x00", b"\x00"]
    return st.one_of(
        st.binary(max_size=400),
        st.tuples(st.sampled_from(prefixes), st.binary(max_size=200)).map(b"".join),
        st.text(max_size=200).map(lambda t: t.encode("utf-16-le")),
    )


# ---------------------------------------------------------------------------------------------
# JSON documents (for the scenario, share-link and import readers)

JSON_TRAPS: tuple[Any, ...] = (None, True, 0, -1, 1.5, float("nan"), float("inf"),
                               -float("inf"), 10**400, 1e-320, "", "x" * 5000, "1", [], {},
                               [[[[[]]]]], {"": None})


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value with hostile leaves (NaN, infinity, a 400-digit integer, long text)."""
    leaves = st.one_of(st.sampled_from(JSON_TRAPS), st.floats(), st.integers(), words())
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(words(10), inner, max_size=4)),
        max_leaves=12)


@st.composite
def json_texts(draw: st.DrawFn, document: dict) -> str:
    """`document` as JSON text, mostly with one hostile change: a value replaced, a key
    removed or written twice, deep nesting, or text that is not JSON."""
    kind = draw(st.sampled_from(["as is", "replace", "remove", "duplicate key", "deep",
                                 "not json"]))
    event(f"json {kind}")
    doc = json.loads(json.dumps(document))
    if kind in ("replace", "remove"):
        parent, key = draw(_json_path(doc))
        if kind == "remove" and isinstance(parent, dict):
            del parent[key]
        else:
            parent[key] = draw(json_values())
    text = json.dumps(doc, allow_nan=True)
    if kind == "duplicate key" and isinstance(doc, dict) and doc:
        key = draw(st.sampled_from(sorted(doc)))
        text = text[:-1] + f", {json.dumps(key)}: {json.dumps(draw(json_values()))}}}"
    if kind == "deep":
        depth = draw(st.sampled_from([100, 10_000, 200_000]))
        text = text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    if kind == "not json":
        text = draw(st.one_of(words(), st.just(text[: len(text) // 2])))
    return text


@st.composite
def _json_path(draw: st.DrawFn, doc: Any) -> tuple[Any, Any]:
    """(container, key) of one value inside `doc`, walking down a random number of levels."""
    parent: Any = {"root": doc}
    key: Any = "root"
    while isinstance(parent[key], dict | list) and parent[key] and draw(st.integers(0, 3)):
        parent = parent[key]
        key = draw(st.sampled_from(sorted(parent) if isinstance(parent, dict)
                                   else range(len(parent))))
    return parent, key


# ---------------------------------------------------------------------------------------------
# The checks


@dataclass(frozen=True)
class Outcome:
    result: Any = None
    problems: tuple[Problem, ...] = ()

    @property
    def rejected(self) -> bool:
        return bool(self.problems)


def clear_outcome(call: Callable[[], Any], *, valid: Callable[[Any], None] | None = None,
                  max_row: int | None = None) -> Outcome:
    """Run `call`: a result must pass `valid` (which asserts), an InputError must read well
    (`check_problems`); any other exception propagates and fails the test."""
    try:
        result = call()
    except InputError as err:
        check_problems(err.problems, max_row=max_row)
        event("rejected with a message")
        return Outcome(problems=tuple(err.problems))
    if valid is not None:
        valid(result)
    event("accepted")
    return Outcome(result=result)


def check_problems(problems: Sequence[Problem], max_row: int | None = None) -> None:
    """Problems a user can act on: at least one; each a sentence with its source, no control
    characters or exception text, a row that exists; the shown list cut to 21 lines."""
    assert problems, "InputError without a problem"
    for p in problems:
        assert isinstance(p, Problem) and p.source and p.message.strip(), p
        line = str(p)
        assert line.isprintable(), f"control characters in {line!r}"
        assert len(line) <= MAX_LINE_CHARS, f"{len(line)} characters: {line[:200]}..."
        assert not LEAKS.search(line), f"exception text reached the user: {line}"
        if p.row is not None:
            assert isinstance(p.row, int) and p.row >= 1, p
            assert max_row is None or p.row <= max_row, f"row {p.row} > {max_row}: {line}"
    assert len(problem_lines(problems)) <= MAX_SHOWN_LINES


@contextlib.contextmanager
def unchanged(*objects: Any) -> Iterator[None]:
    """Fail if any of `objects` (a scenario, a session store) is different afterwards, down to
    the bytes of its arrays."""
    before = [pickle.dumps(o) for o in objects]
    yield
    assert [pickle.dumps(o) for o in objects] == before, "the input was modified"


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str


def cli(argv: list[str], exits: tuple[int, ...] = (0, 2)) -> CliRun:
    """`python -m network ARGV` in this process: exit 0 or 2 (or another of `exits`), and on 2
    a short list of problems (or argparse's usage line) on stderr, never a traceback."""
    from network.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse refusing the arguments
            code = exit_.code if isinstance(exit_.code, int) else 2
    return _checked(CliRun(code, out.getvalue(), err.getvalue()), exits)


def cli_process(args: list[str], timeout_s: float = 120) -> CliRun:
    """`python -m network ARGS` as a real process (the exit code the shell sees)."""
    done = subprocess.run([sys.executable, "-m", "network", *args], capture_output=True,
                          text=True, timeout=timeout_s, cwd=ROOT)
    return _checked(CliRun(done.returncode, done.stdout, done.stderr))


def _checked(run: CliRun, exits: tuple[int, ...] = (0, 2)) -> CliRun:
    assert run.code in exits, f"exit {run.code}: {run.err[-2000:]}"
    assert "Traceback" not in run.err, run.err[-2000:]
    if run.code == 2:
        lines = run.err.strip().splitlines()
        assert lines and len(lines) <= MAX_SHOWN_LINES + 1, run.err[:3000]
        if not run.err.startswith("usage:"):  # argparse echoes what the user typed
            assert all(line.isprintable() for line in lines), run.err[:3000]
    if currently_in_test_context():
        event(f"exit {run.code}")
    return run
