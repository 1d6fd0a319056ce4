"""How many pydeck maps one page can hold in headless Chromium (software WebGL, as the browser
tests run): for N maps side by side, the time until all N are drawn, the WebGL contexts the
page made, and any context the browser dropped ("too many active WebGL contexts").

    .venv/bin/python scripts/bench_compare_maps.py --counts 1 2 3 4 6 8 17 --rounds 3

Each N is a small Streamlit page (written to a temporary folder) drawing the default
scenario's optimal design N times with the Compare page's map (ui.compare_view), in columns of
at most four; after the first draw it reruns the page `--rounds` times (new map keys each
round, as a changed pick does) and counts lost contexts. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_app import CHROMIUM_ARGS, free_port, stop, wait_listening
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PAGE = '''
import streamlit as st
from network.optimize import optimize
from network.scenario_file import load_default_scenario
from ui import compare_view, data, maps

st.set_page_config(layout="wide")

@st.cache_resource
def solved():
    s = load_default_scenario()
    return s, optimize(s, data.lanes(s)).evaluation

scenario, evaluation = solved()
n = int(st.query_params.get("n", "2"))
rnd = st.session_state.setdefault("round", 0)
st.button("rerun", key="again", on_click=lambda: st.session_state.update(round=rnd + 1))
for start in range(0, n, 4):
    cols = st.columns(min(4, n - start))
    for i, col in enumerate(cols):
        with col:
            deck = maps.network_deck(scenario, data.lanes(scenario), evaluation,
                                     view=compare_view.COMPARE_VIEW)
            st.pydeck_chart(deck, key=f"m{start + i}_{rnd}",
                            height=compare_view.COMPARE_MAP_HEIGHT_PX)
'''
INIT = """
window.webglContexts = 0; window.lostContexts = 0;
const getContext = HTMLCanvasElement.prototype.getContext;
HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
  const ctx = getContext.call(this, kind, ...rest);
  if (String(kind).startsWith('webgl') && ctx) {
    window.webglContexts += 1;
    this.addEventListener('webglcontextlost', () => { window.lostContexts += 1; });
  }
  return ctx;
};
"""
CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def measure(browser, url: str, n: int, rounds: int) -> dict:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.add_init_script(INIT)
    start = time.perf_counter()
    page.goto(f"{url}?n={n}")
    page.locator(CANVAS).nth(n - 1).wait_for(timeout=180_000)
    page.wait_for_selector(IDLE, timeout=180_000)
    page.wait_for_timeout(1500)  # deck.gl's first frames
    drawn = time.perf_counter() - start
    for _ in range(rounds):
        page.get_by_role("button", name="rerun").click()
        page.wait_for_timeout(300)
        page.wait_for_selector(IDLE, timeout=180_000)
        page.locator(CANVAS).nth(n - 1).wait_for(timeout=180_000)
        page.wait_for_timeout(1500)
    out = {"n": n, "first_draw_s": drawn, "contexts": page.evaluate("window.webglContexts"),
           "lost": page.evaluate("window.lostContexts"),
           "canvases": page.locator(CANVAS).count()}
    page.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 2, 3, 4, 6, 8, 17])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-maps-"))
    (folder / "maps_page.py").write_text(PAGE)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(folder / "maps_page.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        wait_listening(port)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=CHROMIUM_ARGS)
            for n in args.counts:
                rows.append(measure(browser, f"http://127.0.0.1:{port}/", n, args.rounds))
                print(rows[-1], f"(load {os.getloadavg()[0]:.1f})", flush=True)
            browser.close()
    finally:
        stop(proc)
    print("\n| maps | first draw (s) | canvases | contexts made | contexts lost |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n']} | {r['first_draw_s']:.1f} | {r['canvases']} | {r['contexts']} | "
              f"{r['lost']} |")


if __name__ == "__main__":
    main()
