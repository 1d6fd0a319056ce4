"""Where an edit's round trip goes: a timeline per "Add site" click (BENCHMARKS.md, App).

    .venv/bin/python scripts/bench_timeline.py CHECKOUT [CHECKOUT...] [--edits 3]
        [--rounds 1] [--scenario FILE.json] [--detail]

For each checkout (alternating within each round, as scripts/bench_app.py does) the app is
started as `make run` does, solved once, "Auto re-solve" switched on, and then each of
`--edits` places is added with one click, as bench_app's "edit and solve" (after a 0.8 s
pause, so that the last run's drawing is over). Over each click it records, on one clock
(CLOCK_MONOTONIC, which Chromium's DevTools and trace timestamps use too):

- the server: when its script run starts and ends, when the solve starts and ends (and its
  thread's CPU seconds), and every element the run sends: from hooks that a `sitecustomize`
  module, put on the server's PYTHONPATH by this script only, installs as the app's and
  Streamlit's modules are imported (wrapping functions by name; a name a checkout does not
  have is skipped, so older trees are timed too), with each element's kind and size, and
  every full garbage collection (`gc.collect`: Streamlit's after each run unless
  `runner.postScriptGC` is off);
- the browser: when its page handled each websocket message (DevTools'
  webSocketFrameReceived, which the page's main thread emits), and each frame Chromium drew
  (its display compositor's SwapBuffers, from a trace);
- the bench: the click and when the page was idle again with the solve's line shown.

It prints one line per edit: click to the run's start, the run's start to the solve's start,
the solve, the solve's end to the run's last element (`script_finished`), that element sent
to the page having handled it (the browser's backlog), and then to the page idle; the last
collection's wall seconds; the elements sent (and those after the solve, with their kB),
frames drawn and CPU seconds of the server, Chromium's GPU process and its renderer; then
the medians per checkout. `--detail` adds the server's events per edit and when the page
handled each message.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts import bench_app as bench  # noqa: E402

# Installed in the server process only (PYTHONPATH): logs "<monotonic>\t<thread>\t<event>..."
# lines to $TIMELINE_LOG.
HOOKS = r'''
import functools, importlib.abc, importlib.util, os, sys, threading, time

_lock = threading.Lock()
_out = open(os.environ["TIMELINE_LOG"], "a", buffering=1)


def log(*parts):
    with _lock:
        _out.write("\t".join([f"{time.monotonic():.4f}", threading.current_thread().name,
                              *map(str, parts)]) + "\n")


def timed(owner, attr, label):
    fn = getattr(owner, attr, None)
    if fn is None:
        return

    @functools.wraps(fn)
    def inner(*args, **kwargs):
        log("start", label)
        cpu = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            log("end", label, f"{time.thread_time() - cpu:.3f}")
    setattr(owner, attr, inner)


def sent(original):
    def enqueue(self, msg):
        kind, what = msg.WhichOneof("type"), ""
        if kind == "delta":
            kind = msg.delta.WhichOneof("type")
            if kind == "new_element":
                what = msg.delta.new_element.WhichOneof("type")
        log("element", kind, what, msg.ByteSize())
        return original(self, msg)
    return enqueue


TIMED = {"streamlit.runtime.scriptrunner.script_runner": [("ScriptRunner", "_run_script", "run")],
         "network.optimize": [("WarmSolver", "solve", "solve")],
         "ui.background": [("SessionSolver", "_run", "solve_request")]}


def patch(name, module):
    for cls, attr, label in TIMED.get(name, []):
        owner = getattr(module, cls, None)
        if owner is not None:
            timed(owner, attr, label)
    if name == "streamlit.runtime.scriptrunner.script_runner":
        module.ScriptRunner._enqueue_forward_msg = sent(
            module.ScriptRunner._enqueue_forward_msg)
    if name == "streamlit.runtime.app_session":  # the run's end, sent by the session
        original = module.AppSession._enqueue_forward_msg

        def enqueue(self, msg):
            if msg.WhichOneof("type") == "script_finished":
                log("finished", "script_finished")
            return original(self, msg)
        module.AppSession._enqueue_forward_msg = enqueue


class Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in TIMED and name != "streamlit.runtime.app_session":
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            patch(name, module)
        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, Hook())

import gc  # noqa: E402  (Streamlit collects after each run: runner.postScriptGC)

_collect = gc.collect


def _timed_collect(*args, **kwargs):
    log("start", "gc")
    cpu = time.thread_time()
    try:
        return _collect(*args, **kwargs)
    finally:
        log("end", "gc", f"{time.thread_time() - cpu:.3f}")


gc.collect = _timed_collect
'''


def server_events(log: Path, start: float, end: float) -> list[tuple]:
    """(seconds after the click, thread, event, ...) of the server's log within a window."""
    rows = [line.rstrip("\n").split("\t") for line in log.read_text().splitlines()]
    return [(float(r[0]) - start, *r[1:]) for r in rows if start - 0.05 <= float(r[0]) <= end]


def one_run(browser, checkout: Path, scenario: str | None, places: list[str],
            hooks: Path) -> list[dict]:
    log = hooks / f"{checkout.name}-{time.monotonic_ns()}.log"
    port = bench.free_port()
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    received: list[float] = []
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.webSocketFrameReceived", lambda e: received.append(e["timestamp"]))
    env = {**os.environ, **bench.scenario_env(checkout, scenario), "TIMELINE_LOG": str(log),
           "PYTHONPATH": str(hooks)}
    proc = subprocess.Popen(
        [*bench.LAUNCH["serve"], "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"], cwd=checkout, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    edits = []
    try:
        bench.wait_listening(port)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector(bench.MAP, timeout=60_000)
        page.wait_for_selector(bench.IDLE, timeout=60_000)
        bench.click_and_wait(page, page.get_by_role("button", name="Solve", exact=True),
                             bench.SOLVED)
        page.get_by_text(bench.AUTO_RESOLVE).click()
        page.wait_for_selector(bench.IDLE, timeout=60_000)
        search = page.get_by_label("Add a site: city or ZIP")
        for place in places:
            search.fill(place)
            search.press("Enter")
            bench.picked(page, place)
            page.wait_for_timeout(800)
            browser.start_tracing(page=page, categories=["viz", "gpu"])
            cpu = bench.chromium_cpu(), bench.cpu_seconds(proc.pid)
            clicked = time.monotonic()
            page.get_by_role("button", name="Add site", exact=True).click()
            page.wait_for_timeout(50)
            page.get_by_text(bench.SOLVED).first.wait_for(timeout=300_000)
            page.wait_for_selector(bench.IDLE, timeout=300_000)
            idle = time.monotonic()
            after = bench.chromium_cpu(), bench.cpu_seconds(proc.pid)
            page.wait_for_timeout(1500)  # the frames that follow (deck.gl's draw of the map)
            events = json.loads(browser.stop_tracing())
            events = events["traceEvents"] if isinstance(events, dict) else events
            edits.append({
                "place": place, "clicked": clicked, "idle_s": idle - clicked,
                "optimizer_s": bench.solve_wall_s(page),
                "received": [t - clicked for t in received if clicked <= t <= idle],
                "frames": [e["ts"] / 1e6 - clicked for e in events
                           if e.get("name") == bench.SWAP_EVENT and e.get("ph") in ("X", "B")
                           and clicked <= e["ts"] / 1e6 <= idle],
                "cpu": {"server": after[1] - cpu[1],
                        **{kind: bench.cpu_used(cpu[0], after[0], kind)
                           for kind in ("gpu-process", "renderer")}}})
    finally:
        page.close()
        bench.stop(proc)
        context.close()
    for edit in edits:
        edit["server"] = server_events(log, edit["clicked"], edit["clicked"] + edit["idle_s"])
    return edits


def summary(edit: dict) -> dict:
    """The edit's timeline in phases (seconds; None where an event is missing)."""
    events = edit["server"]

    def at(event: str, label: str, last: bool = False) -> float | None:
        found = [e[0] for e in events if e[2] == event and e[3] == label]
        return (found[-1] if last else found[0]) if found else None

    run, solve, solved = at("start", "run"), at("start", "solve"), at("end", "solve", True)
    finished = [e[0] for e in events if e[2] == "finished"]
    finished = finished[-1] if finished else None
    handled = edit["received"][-1] if edit["received"] else None
    cpu = [float(e[4]) for e in events if e[2] == "end" and e[3] == "solve"]

    def span(a, b):
        return None if a is None or b is None else b - a

    return {"round_trip": edit["idle_s"], "optimizer_line": edit["optimizer_s"],
            "click_to_run": run, "run_to_solve": span(run, solve), "solve": span(solve, solved),
            "solve_thread_cpu": cpu[-1] if cpu else None,
            "solve_to_run_end": span(solved, finished),
            "browser_backlog": span(finished, handled), "to_idle": span(handled, edit["idle_s"]),
            "run_end_gc": span(at("start", "gc", True), at("end", "gc", True)),
            "elements": sum(1 for e in events if e[2] == "element"),
            "elements_after_solve": None if solved is None else sum(
                1 for e in events if e[2] == "element" and e[0] >= solved),
            "kb_after_solve": None if solved is None else sum(
                int(e[5]) for e in events if e[2] == "element" and e[0] >= solved
                and len(e) > 5) / 1000,
            "messages_handled": len(edit["received"]), "frames": len(edit["frames"]),
            **{f"cpu_{k}": v for k, v in edit["cpu"].items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--scenario", help="a scenario JSON inside each checkout")
    parser.add_argument("--detail", action="store_true", help="the server's events per edit")
    args = parser.parse_args()
    places = bench.far_places(args.scenario, args.edits)
    found: dict[Path, list[dict]] = {c.resolve(): [] for c in args.checkouts}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        hooks = Path(folder)
        (hooks / "sitecustomize.py").write_text(HOOKS)
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=bench.CHROMIUM_ARGS)
        for _ in range(args.rounds):
            for checkout in found:
                load = os.getloadavg()[0]
                for edit in one_run(browser, checkout, args.scenario, places, hooks):
                    row = summary(edit)
                    found[checkout].append(row)
                    print(f"{checkout.name} {edit['place']} (load {load:.1f}): " + ", ".join(
                        f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                        for k, v in row.items()), flush=True)
                    if args.detail:
                        for e in edit["server"]:
                            print(f"    {e[0]:7.3f} {e[1][:16]:16s} {' '.join(e[2:])}")
                        print("    frames:", " ".join(f"{t:.2f}" for t in edit["frames"]))
                        print("    handled:", " ".join(f"{t:.3f}" for t in edit["received"]))
        browser.close()
    for checkout, rows in found.items():
        print(f"\n{checkout} (medians of {len(rows)} edits)")
        for key in rows[0]:
            values = [r[key] for r in rows if r[key] is not None]
            if values:
                print(f"  {key}: {statistics.median(values):.2f}  "
                      f"({', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
