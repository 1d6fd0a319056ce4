"""Start the app, with its imports and default data loaded while the browser loads the page.

    python -m ui.serve [streamlit options]        (what `make run` does)

is `streamlit run app.py [options]` plus a warm-up thread. Streamlit imports the page modules
only when the first browser session runs the script, once the browser has loaded Streamlit's
frontend; the first run then spends about 0.5 s importing pandas, pydeck and our modules
before it can send the map. The warm-up does that work while the browser loads the frontend,
then puts the default scenario, its lanes, the place names and the first page's map (its deck
and JSON, shared by sessions: `ui.panels.scenario_deck`) into the app's caches.
OR-Tools (0.8 s to import) is left to the first Solve: importing it here would compete with
the first page.

It also turns Streamlit's file watcher off (unless an option says otherwise): the watcher
walks every loaded module when a session starts and after each run, holding the server just
when the browser fetches the map's code, and planners do not edit the app's sources. For
development with reload-on-save, run `streamlit run app.py`. And it skips Streamlit's search
for "components v2" packages: when the runtime is created, before the server listens,
Streamlit reads the metadata of every installed package (about 90 here, 0.1-0.15 s of CPU)
looking for custom components; none provides one (a test checks: `skip_component_scan`). The
browser also gets an index.html that loads the map's code (deck.gl) once Streamlit's own
scripts have run, not when the map's element arrives (`preload_map_code`). Measured in
BENCHMARKS.md (section App).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"
# One BLAS thread for the server's solves, set before numpy loads (OpenBLAS reads it then), as
# the explorer's workers have (network.explore.executor.WORKER_ENVIRONMENT): on a machine of a
# few cores the solve's BLAS threads otherwise wait for a core beside the other sessions' work
# and, on a planner's laptop, the browser. A value set by the caller is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
RUNTIME_WAIT_S = 30.0
# While warming up, hand the GIL over every 0.5 ms instead of 5 ms, so the server thread that
# sends the browser Streamlit's files is not kept waiting behind the imports.
WARM_UP_SWITCH_INTERVAL_S = 0.0005
# What the Designer's first run imports, in the order it needs them: the frame (with pandas
# and the network package), Streamlit's emoji table (read when st.set_page_config checks the
# page icon: 0.06 s), the Designer's panels (pydeck) and results, the exports below the map.
WARM_UP_MODULES = ("ui.entry", "streamlit.emojis", "ui.panels", "ui.results",
                   "ui.export_import")


def warm_up() -> bool:
    """The warm-up thread: wait for Streamlit's runtime (the caches live in it, and starting
    earlier slows the server's own start-up), then `warm_caches`. False if either failed."""
    from streamlit.runtime import Runtime

    deadline = time.monotonic() + RUNTIME_WAIT_S
    while not Runtime.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return warm_caches()


def warm_caches() -> bool:
    """Import what the Designer uses and fill the caches its first run reads; False (never an
    exception) if that failed."""
    usual = sys.getswitchinterval()
    sys.setswitchinterval(WARM_UP_SWITCH_INTERVAL_S)
    try:
        for module in WARM_UP_MODULES:
            importlib.import_module(module)
        from ui import data, panels

        scenario = data.default_scenario()
        data.lanes(scenario)
        data.zip3_place_names()
        panels.first_map(scenario)  # the first page's map and its JSON (0.03-0.04 s)
        freeze_loaded()
        return True
    except Exception:  # noqa: BLE001
        # A failed warm-up only makes the first page slower; the page script then meets the
        # same problem and reports it to the planner.
        return False
    finally:
        sys.setswitchinterval(usual)


def freeze_loaded() -> None:
    """Move every object the garbage collector tracks so far (the imported modules, their
    functions and classes, the default data) out of its reach for good (`gc.freeze`). A full
    collection walks every tracked object holding the GIL, on whatever thread it happens to
    run: the interpreter's own as memory grows, and Streamlit's after every script run unless
    `runner.postScriptGC` is off (.streamlit/config.toml turns it off: it fell just after the
    run's last elements were queued, and the server could not send them until it was over).
    Most of what it walks is this start-up's objects, which live as long as the server;
    frozen, they are no longer walked. A frozen object is still freed when its last
    reference goes, but a frozen reference cycle never is: this runs once, when the warm-up's
    work is done (a collection then finds no garbage); a first session's run that overlaps it
    has its objects of that moment frozen too, a one-time amount."""
    import gc

    gc.freeze()


def skip_component_scan() -> None:
    """Streamlit's runtime scans every installed package's metadata for "components v2"
    manifests when it is created (before the server listens); no installed package provides
    one (tests/test_ui_parts.py runs the real scan), so it would find nothing and is skipped.
    A new dependency that brings such a component would need this gone. The rest of that step
    (the component file watcher, which watches nothing without components) runs as before."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    def discover_and_register_components(self, *, start_file_watching: bool = True) -> None:
        if start_file_watching:
            self.start_file_watching()

    BidiComponentManager.discover_and_register_components = discover_and_register_components


MAP_CHUNK = "DeckGlJsonChart.*.js"  # Streamlit's map element (deck.gl), in static/static/js


def preloading_static_dir(streamlit_static: Path, folder: Path) -> Path:
    """`folder` made into Streamlit's static folder (links to its files) with an index.html
    that, once Streamlit's own scripts have run, imports the map element's module: deck.gl, 3
    MB, and the chunks it imports. Streamlit's frontend imports it only when the map's element
    arrives, after the server has run the page, and the browser then fetches, compiles and
    runs it before it can draw (0.4 s on a quiet machine, seconds on a busy one); imported
    early, that work overlaps the server's first run, and the frontend's own import later
    finds the module loaded (the same URL: one module). Streamlit's hashed file name is read
    from its folder, so this follows an upgrade; without a map chunk it imports nothing. The
    index.html also carries the app's no-motion rule (ui.style.NO_MOTION_CSS) from
    the first paint: until the first run's CSS has arrived, the placeholders of elements
    whose code is loading shimmer, a page redrawn on every frame in a software-drawing
    browser while the first page loads."""
    from ui.style import NO_MOTION_CSS

    maps = sorted((streamlit_static / "static" / "js").glob(MAP_CHUNK))
    index = (streamlit_static / "index.html").read_text()
    folder.mkdir(parents=True, exist_ok=True)
    for entry in streamlit_static.iterdir():
        if entry.name != "index.html" and not (folder / entry.name).exists():
            (folder / entry.name).symlink_to(entry)
    script = "".join(  # relative, as Streamlit's own: works under any base URL path
        "<script>addEventListener('DOMContentLoaded',()=>import("
        + json.dumps(f"./static/js/{m.name}") + ").catch(()=>{}))</script>" for m in maps)
    style = f"<style>{NO_MOTION_CSS}</style>"
    (folder / "index.html").write_text(index.replace("</head>", style + script + "</head>", 1))
    return folder


_STATIC_FOLDER: tempfile.TemporaryDirectory | None = None


def preload_map_code() -> None:
    """Serve Streamlit's frontend from `preloading_static_dir` (a temporary folder made at
    start-up); nothing changes if that fails."""
    from streamlit import file_util

    global _STATIC_FOLDER
    _STATIC_FOLDER = tempfile.TemporaryDirectory(prefix="network-static-")  # gone at exit
    try:
        folder = preloading_static_dir(Path(file_util.get_static_dir()),
                                       Path(_STATIC_FOLDER.name))
    except OSError:
        return
    file_util.get_static_dir = lambda: str(folder)


def streamlit_args(argv: list[str]) -> list[str]:
    """`streamlit run app.py` with the caller's options; the file watcher off unless they set
    it."""
    watcher = [] if any(a.startswith("--server.fileWatcherType") for a in argv) else [
        "--server.fileWatcherType", "none"]
    return ["streamlit", "run", str(APP), *watcher, *argv]


def main(argv: list[str]) -> None:
    from streamlit.web import cli

    skip_component_scan()
    preload_map_code()
    threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
    sys.argv = streamlit_args(argv)
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
