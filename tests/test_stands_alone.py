"""The project stands alone: no README, doc, code, test or data file refers to a path outside
the repository, so a fresh clone has everything it names."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".cache",
             ".hypothesis", "test-artifacts", "bench-out", "node_modules"}
BINARY = {".gz", ".png", ".jpg", ".ico", ".woff", ".woff2", ".parquet", ".db", ".pyc"}
RELATIVE = re.compile(r"(?<![\w.])((?:\.\./)+[\w.-][\w./-]*)")
# Folders and notes that sit beside a checkout on the machine this was built on; spelled in
# pieces so that this file does not name them itself.
OUTSIDE_NAMES = ("shared" + "/reference", "shared" + "/benchmarks", "logistics" + "-facts",
                 "/work" + "/", "conventions" + ".md")


def project_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and not parts & SKIP_DIRS and path.suffix not in BINARY:
            files.append(path)
    return files


def outside_references(text: str, folder: Path) -> list[str]:
    """In the text of a file in `folder`: relative paths that climb out of the repository, and
    names of outside folders."""
    found = [name for name in OUTSIDE_NAMES if name in text]
    for ref in RELATIVE.findall(text):
        if not (folder / ref).resolve().is_relative_to(ROOT):
            found.append(ref)
    return found


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""


def test_no_file_refers_to_a_path_outside_the_project():
    """README, docs, code, tests and data name only paths inside the repository."""
    files = project_files()
    assert len(files) > 50 and ROOT / "README.md" in files
    problems = {str(p.relative_to(ROOT)): refs for p in files
                if (refs := outside_references(_text(p), p.parent))}
    assert problems == {}


def test_the_check_catches_a_path_that_climbs_out():
    """A reference that leaves the repository through '../' or names an outside folder is
    found; data/README.md's '../docs/sources.md' stays inside and is not."""
    data_readme = ROOT / "data" / "README.md"
    assert "../docs/sources.md" in _text(data_readme)
    assert outside_references(_text(data_readme), data_readme.parent) == []
    climbing = "../" * 2 + "notes/facts.md"
    text = f"Figures: {climbing} and {OUTSIDE_NAMES[0]}/x.md"
    assert outside_references(text, ROOT / "docs") == [OUTSIDE_NAMES[0], climbing]
