"""The OR-Library instances ship with the project (tests/data/orlib, gzip-compressed): every
instance the slow tests and `bench --orlib` solve is there, and the readers open it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from network.bench.orlib import instance_file, published_optima, read_warehouse

DATA = Path(__file__).resolve().parent / "data" / "orlib"


def _every_instance() -> list[tuple[str, str]]:
    return sorted(k for k in published_optima(DATA / "optima.csv") if k[0] != "cfl")


def test_every_published_instance_ships_with_the_project():
    """Each pmed, UFL and M* instance of optima.csv is in tests/data/orlib (a fresh clone
    runs the slow set and `bench --orlib` without any folder outside the repository)."""
    missing = [i for k, i in _every_instance() if not instance_file(i, k, DATA).is_file()]
    assert len(_every_instance()) == 70 and missing == []


@pytest.mark.parametrize("instance", ["cap71", "cap74", "cap104", "cap134", "capa"])
def test_ufllib_solution_re_evaluates_to_the_published_optimum(instance):
    """The reader (from .gz) and UflLib's optimal assignment give the published UFL cost."""
    text = (DATA / "solutions_ufllib" / f"{instance}.txt.opt").read_text().split()
    facility, stated = np.array(text[:-1], dtype=int), float(text[-1])
    fixed, cost = read_warehouse(instance_file(instance, "ufl", DATA))
    total = fixed[np.unique(facility)].sum() + cost[np.arange(len(facility)), facility].sum()
    assert total == pytest.approx(stated, abs=1e-6)
    assert total == pytest.approx(published_optima(DATA / "optima.csv")[("ufl", instance)],
                                  abs=2e-3)
