"""App speed in a real browser (the numbers in BENCHMARKS.md, section "App").

    .venv/bin/python scripts/bench_app.py [--runs 3] [--scenario FILE.json]
                                          [--launch serve|streamlit|both] [--pin]

For each run: start the server as `make run` does (`python -m ui.serve`) and time, from
process start, until the Designer map has drawn in headless Chromium with an empty cache (first
page rendered); then on the default scenario time each click until the script run is over and
the page is updated:
    solve (cold)        first Solve of the scenario (the optimizer's time dominates)
    edit rerun          add a site through the search box
    solve after edit    Solve the edited scenario (warm-started from the last design)
    undo + cached solve Undo, then Solve: the scenario solved before, answered from memory
    edit and solve      with "Re-solve after each change" on, add another site: one rerun
                        that edits, solves (warm) and shows the result: the issue's 1.5 s
Last, restart the server at the same address and time the first page again in the same browser
context (first_page_warm_cache_s: a planner's browser that has the app's scripts cached).
Then the same steps without a browser (AppTest, in this process: the page script's own time,
which is what the app code controls; the rest of a browser figure is drawing, mostly deck.gl
in software WebGL here). Prints a JSON line per run (with the 1-minute load average: the machine
is shared) and a Markdown table of medians.

Where the first page's time goes (Linux, from /proc and the browser's network events):
map_message_s is when the map's element (the largest websocket message) reached the browser,
i.e. the server's share; server_cpu_s is the CPU the server used until the map was drawn
(start-up, imports, the first script run); gpu_cpu_s and renderer_cpu_s are what Chromium's
GPU process (software WebGL, SwiftShader) and page renderer used over the same time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--disable-background-networking"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
MAP = '[data-testid="stDeckGlJsonChart"] canvas'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def chromium_cpu() -> dict[int, tuple[str, float]]:
    """Kind (gpu-process, renderer, ...) and CPU seconds of each running Chromium process."""
    found: dict[int, tuple[str, float]] = {}
    for proc_dir in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode().split()
        except OSError:
            continue
        if not args or "chromium" not in args[0]:
            continue
        kind = next((a.removeprefix("--type=") for a in args if a.startswith("--type=")),
                    "browser")
        found[int(proc_dir.name)] = (kind, cpu_seconds(int(proc_dir.name)))
    return found


def cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
             kind: str) -> float:
    """CPU seconds the processes of one kind used between two `chromium_cpu()` readings."""
    return sum(cpu - before.get(pid, (kind, 0.0))[1] for pid, (k, cpu) in after.items()
               if k == kind)


def click_and_wait(page, locator, done_text: str | re.Pattern | None = None) -> float:
    """Seconds from a click until the app is idle again (and `done_text` is shown)."""
    start = time.perf_counter()
    locator.click()
    page.wait_for_timeout(50)  # let the rerun begin before waiting for its end
    if done_text is not None:
        page.get_by_text(done_text).first.wait_for(timeout=300_000)
    page.wait_for_selector(IDLE, timeout=300_000)
    return time.perf_counter() - start


# How the server is started: as `make run` does (with the warm-up of ui/serve.py), or plain.
LAUNCH = {"serve": [sys.executable, "-m", "ui.serve"],
          "streamlit": [sys.executable, "-m", "streamlit", "run", "app.py"]}


SERVER_CPU, BROWSER_CPU = 0, 1  # with --pin: the server and the browser one core each


@dataclass(frozen=True)
class Server:
    """How each run starts the app: `launch` (a LAUNCH key), on CPU 0 alone when `pinned`."""

    launch: str = "serve"
    scenario: str | None = None
    pinned: bool = False

    def start(self, port: int) -> subprocess.Popen:
        env = {**os.environ, **({"NETWORK_SCENARIO": self.scenario} if self.scenario else {})}
        return subprocess.Popen(
            [*LAUNCH[self.launch], "--server.headless", "true", "--server.port", str(port),
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=(lambda: os.sched_setaffinity(0, {SERVER_CPU})) if self.pinned else None)


def wait_listening(port: int) -> None:
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=10)


def one_run(browser, server: Server) -> dict:
    port = free_port()
    context = browser.new_context(viewport={"width": 1600, "height": 1000})  # cache: empty
    page = context.new_page()
    frames: list[tuple[float, int]] = []  # (seconds from server start, size) per message
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.webSocketFrameReceived", lambda event: frames.append(
        (time.perf_counter() - start, len(event["response"]["payloadData"]))))
    cpu_before = chromium_cpu()
    start = time.perf_counter()
    proc = server.start(port)
    try:
        wait_listening(port)
        listening = time.perf_counter() - start
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector(MAP, timeout=60_000)
        first = time.perf_counter() - start
        cpu_after = chromium_cpu()
        server_cpu = cpu_seconds(proc.pid)
        map_message = max(frames, key=lambda f: f[1])[0]
        page.wait_for_selector(IDLE, timeout=60_000)
        solve = page.get_by_role("button", name="Solve", exact=True)
        times = {"load_avg_1min": os.getloadavg()[0], "server_listening_s": listening,
                 "map_message_s": map_message, "first_page_s": first,
                 "server_cpu_s": server_cpu}
        for kind in ("gpu-process", "renderer"):
            key = f"{kind.split('-')[0]}_cpu_s"
            times[key] = cpu_used(cpu_before, cpu_after, kind)
        times["solve_cold_s"] = click_and_wait(page, solve, re.compile(r"(Solved|Finished) in"))
        page.get_by_label("Add a site: city or ZIP").fill("Reno, NV")
        page.get_by_label("Add a site: city or ZIP").press("Enter")
        page.wait_for_selector(IDLE, timeout=60_000)
        times["edit_rerun_s"] = click_and_wait(
            page, page.get_by_role("button", name="Add site", exact=True), "Added candidate site")
        times["solve_after_edit_s"] = click_and_wait(page, solve,
                                                     re.compile(r"(Solved|Finished) in"))
        click_and_wait(page, page.get_by_role("button", name="Undo", exact=True), "Undone")
        times["undo_cached_solve_s"] = click_and_wait(page, solve,
                                                      re.compile(r"(Solved|Finished) in"))
        # The "rerun after an edit, including the solve": with re-solve after each
        # change on, one click adds a site and shows the solved network.
        page.get_by_text("Re-solve after each change").click()
        page.wait_for_selector(IDLE, timeout=60_000)
        page.get_by_label("Add a site: city or ZIP").fill("Boise, ID")
        page.get_by_label("Add a site: city or ZIP").press("Enter")
        page.wait_for_selector(IDLE, timeout=60_000)
        times["edit_and_solve_s"] = click_and_wait(
            page, page.get_by_role("button", name="Add site", exact=True),
            re.compile(r"(Solved|Finished) in"))
    finally:
        page.close()
        stop(proc)
    times["first_page_warm_cache_s"] = first_page_again(context, port, server)
    context.close()
    return {k: round(v, 2) for k, v in times.items()}


def first_page_again(context, port: int, server: Server) -> float:
    """First page after a server restart at the same address, for a browser that has been
    there before: Streamlit's script bundle (served as immutable) comes from its cache."""
    page = context.new_page()
    start = time.perf_counter()
    proc = server.start(port)
    try:
        wait_listening(port)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector(MAP, timeout=60_000)
        first = time.perf_counter() - start
        page.wait_for_selector(IDLE, timeout=60_000)
        return first
    finally:
        page.close()
        stop(proc)


def solved(at):
    """The page again once the session's background solve is done (what its refreshing
    status does in a browser)."""
    if "work" in at.session_state:
        at.session_state["work"].solver.join()
    return at.run()


def script_times() -> dict:
    """Seconds of the page script alone (AppTest): first run with cold imports, a first
    solve, an edit, a solve after the edit (warm, as in the browser steps). A solve runs in
    the session's solve thread: its figure is from the click to the page showing the
    result."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    init = PagesManager.__init__  # AppTest runs app.py every run, as the server does

    def without_pages_folder_guess(self, *args, **kwargs) -> None:  # (tests/conftest.py)
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = without_pages_folder_guess
    times = {"load_avg_1min": os.getloadavg()[0]}
    start = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    times["script_first_run_s"] = time.perf_counter() - start
    start = time.perf_counter()
    at.button(key="solve_button").click().run()  # as in the browser: the edit comes after a solve
    times["script_solve_click_s"] = time.perf_counter() - start  # the page is back: usable
    solved(at)
    times["script_solve_cold_s"] = time.perf_counter() - start
    at.text_input(key="site_search").input("Reno, NV").run()
    start = time.perf_counter()
    at.button(key="add_search").click().run()
    times["script_edit_rerun_s"] = time.perf_counter() - start
    start = time.perf_counter()
    solved(at.button(key="solve_button").click().run())
    times["script_solve_after_edit_s"] = time.perf_counter() - start
    at.toggle(key="auto_solve").set_value(True).run()
    at.text_input(key="site_search").input("Boise, ID").run()
    start = time.perf_counter()
    solved(at.button(key="add_search").click().run())
    times["script_edit_and_solve_s"] = time.perf_counter() - start
    PagesManager.__init__ = init
    assert not at.exception and at.metric, "the solve should show KPI cards"
    return {k: round(v, 2) for k, v in times.items()}


def table(results: list[dict]) -> None:
    print("\n| measure | median (s) | runs (s) |\n|---|---:|---|")
    for key in results[0]:
        values = [r[key] for r in results]
        print(f"| {key} | {statistics.median(values):.2f} | "
              f"{', '.join(f'{v:.2f}' for v in values)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenario", help="scenario JSON (default: the embedded default)")
    parser.add_argument("--launch", choices=["serve", "streamlit", "both"], default="serve",
                        help="start the server as `make run` does (python -m ui.serve), as "
                             "plain `streamlit run app.py`, or both, alternating")
    parser.add_argument("--pin", action="store_true",
                        help="server on CPU 0, browser on CPU 1: as if each had its own "
                             "machine (a planner's browser is not on the app's server)")
    args = parser.parse_args()
    if args.pin:
        os.sched_setaffinity(0, {BROWSER_CPU})  # Chromium, started below, inherits it
    launches = ["serve", "streamlit"] if args.launch == "both" else [args.launch]
    results: dict[str, list[dict]] = {launch: [] for launch in launches}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=CHROMIUM_ARGS)
        for _ in range(args.runs):
            for launch in launches:
                results[launch].append(one_run(browser, Server(launch, args.scenario,
                                                                args.pin)))
                print(launch, json.dumps(results[launch][-1]), flush=True)
        browser.close()
    for launch in launches:
        print(f"\nserver started by: {' '.join(LAUNCH[launch][1:])}")
        table(results[launch])
    if args.scenario:
        os.environ["NETWORK_SCENARIO"] = args.scenario
    scripts = [script_times()]
    print(json.dumps(scripts[0]), flush=True)
    table(scripts)


if __name__ == "__main__":
    main()
