"""Concurrent use of the store on SQLite and PostgreSQL: sessions racing from one version,
processes saving at once, a store created by two programs at once."""

from __future__ import annotations

import threading
from pathlib import Path

from store_helpers import content, run_child

from network.store import VersionConflict, open_store

SAVER = """
import os, sys, time
sys.path.insert(0, "tests")
from store_helpers import content
from network.store import VersionConflict, open_store
db, tag, scenario_id, n, go = sys.argv[1:]
store = open_store(db)
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.002)
for i in range(int(n)):
    note = f"{tag}-{i}"
    if i % 2:  # save anyway: the next free number
        store.save_version(int(scenario_id), content(note), based_on=0, force=True)
        continue
    while True:  # open the latest, save from it, retry when someone was faster
        latest = store.open_version(int(scenario_id)).version
        try:
            store.save_version(int(scenario_id), content(note), based_on=latest)
            break
        except VersionConflict:
            pass
for i in range(3):
    store.create(f"{tag} own {i}", content())
print("done", flush=True)
"""


def test_racing_saves_from_one_version_let_exactly_one_win(store_db):
    """Six sessions save from version 1 at the same moment: one becomes version 2, the other
    five are told of the conflict, and nothing is overwritten."""
    stores = [open_store(store_db) for _ in range(6)]
    ref = stores[0].create("Race", content("v1"))
    barrier = threading.Barrier(len(stores))
    outcomes: list[object] = [None] * len(stores)

    def save(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = stores[i].save_version(ref.scenario_id, content(f"s{i}"), based_on=1)
        except VersionConflict as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [o for o in outcomes if not isinstance(o, VersionConflict)]
    assert len(won) == 1 and won[0].version == 2
    assert all(o.latest == 2 for o in outcomes if isinstance(o, VersionConflict))
    history = stores[0].history(ref.scenario_id)
    assert [v.version for v in history] == [2, 1]
    assert history[0].note == f"s{outcomes.index(won[0])}"
    for store in stores:
        store.close()


def test_two_processes_saving_at_once_lose_nothing(store_db, tmp_path: Path):
    """Two processes each save 12 versions of one scenario (half from the latest they read,
    retrying on conflict; half 'save anyway') and create 3 scenarios, all at once: every save
    is there, numbered 2..25 without gaps or repeats, and the store is consistent."""
    store = open_store(store_db)
    ref = store.create("Shared", content("start"))
    go = tmp_path / "go"
    children = [run_child(SAVER, store_db, tag, str(ref.scenario_id), "12", str(go))
                for tag in ("alpha", "beta")]
    for child in children:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
    go.touch()
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0 and out.strip() == "done", err
    history = store.history(ref.scenario_id)
    assert sorted(v.version for v in history) == list(range(1, 26))
    notes = sorted(v.note for v in history)
    assert notes == sorted(["start"] + [f"{t}-{i}" for t in ("alpha", "beta") for i in range(12)])
    assert len(store.list_scenarios()) == 7
    assert store.check() == []
    store.close()


def test_two_programs_creating_the_store_at_once(store_db):
    """Two programs opening a store that does not exist yet both get it, created once."""
    opened: list[object] = [None, None]
    barrier = threading.Barrier(2)

    def first_use(i: int) -> None:
        barrier.wait()
        try:
            opened[i] = open_store(store_db)
        except Exception as exc:  # reported below with its message
            opened[i] = exc

    threads = [threading.Thread(target=first_use, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(not isinstance(o, Exception) for o in opened), opened
    a, b = opened
    ref = a.create("Made by one", content())
    assert b.open_version(ref.scenario_id).name == "Made by one"
    a.close()
    b.close()
