"""The core package stays a plain Python library: nothing in network/ imports streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

NETWORK = Path(__file__).resolve().parent.parent / "network"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_network_never_imports_streamlit():
    """No module under network/ imports streamlit (or pydeck), at any depth."""
    offenders = sorted(
        str(path.relative_to(NETWORK.parent))
        for path in NETWORK.rglob("*.py")
        if any(m.split(".")[0] in {"streamlit", "pydeck"} for m in imported_modules(path)))
    assert offenders == []


def test_boundary_check_sees_imports(tmp_path):
    """The check itself finds both import forms, including ones inside functions."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import streamlit as st\nfrom pydeck import Deck\n")
    assert {"streamlit", "pydeck"} <= imported_modules(module)


def test_store_never_imports_the_optimizer():
    """The scenario store takes plain data: nothing in network/store/ imports network.optimize
    (nor the scenario model, whose JSON text it keeps as it is)."""
    offenders = sorted(
        str(path.relative_to(NETWORK.parent))
        for path in (NETWORK / "store").rglob("*.py")
        if any(m.startswith(("network.optimize", "network.scenario"))
               for m in imported_modules(path)))
    assert offenders == []


FIRST_PAGE = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=120).run()
assert not at.exception, [e.message for e in at.exception]
print(sorted(m for m in ("sqlalchemy", "alembic", "ortools", "altair") if m in sys.modules))
"""


def test_first_page_loads_neither_the_store_nor_the_optimizer():
    """The Designer's first run (no link in the address bar) imports no store (SQLAlchemy,
    Alembic: 0.7 s), no optimizer (OR-Tools: 0.8 s) and no charts (Altair): the saved-work
    features load them only when used."""
    import subprocess
    import sys

    root = NETWORK.parent
    done = subprocess.run([sys.executable, "-c", FIRST_PAGE, str(root / "app.py")], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


SOLVED_PAGE = """
import sys
from streamlit.testing.v1 import AppTest
from network.scenario_file import load_default_scenario
default = load_default_scenario()
at = AppTest.from_file(sys.argv[1], default_timeout=300)
at.session_state["scenario"] = default.with_changes(sites=tuple(
    s for s in default.sites if s.site_id in ("SEA", "DFW", "ORD", "MDT")))
at.run()
at.button(key="solve_button").click().run()
at.session_state["work"].solver.join(300)
at.run()
assert not at.exception, [e.message for e in at.exception]
assert at.metric and at.get("vega_lite_chart"), "the solve should show KPIs and charts"
print("altair" in sys.modules)
"""


def test_the_designers_results_load_no_altair():
    """A solved Designer (KPIs, charts, tables) imports no Altair: its charts are Vega-Lite
    specs written out (building them with Altair took 0.1-0.3 s a chart, every run)."""
    import subprocess
    import sys

    root = NETWORK.parent
    done = subprocess.run([sys.executable, "-c", SOLVED_PAGE, str(root / "app.py")], cwd=root,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
