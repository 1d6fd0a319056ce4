"""App speed in a real browser (the numbers in BENCHMARKS.md, section "App").

    .venv/bin/python scripts/bench_app.py [--runs 3] [--edits 5] [--scenario FILE.json]
        [--checkouts DIR DIR...] [--launch serve|streamlit|both] [--pin] [--no-script]
        [--screenshots DIR] [--frames]

For each run (and each checkout, alternating within the run: `--checkouts /tmp/before .`
compares two checkouts side by side, each server started from its own folder with this
interpreter): start the server as `make run` does (`python -m ui.serve`) and time, from process
start, until the Designer map has drawn in headless Chromium with an empty cache (first page
rendered); then time each click until the page shows its result and the script run is over:
    solve (cold)        first Solve of the scenario (the optimizer's time dominates)
    edit and solve      with "Auto re-solve" on, add a site through the search box: one click
                        that edits, solves (warm) and shows the result (issue 15's round
                        trip); repeated `--edits` times with places at least 25 miles from
                        every candidate (a place nearer one asks first, and adds nothing);
                        clicked once the place's search has run (its pick list shows it):
                        the edit's figures are its own run's, not the search's as well.
                        Split into the optimizer's part (the solve's own wall time, from the
                        "Solved in N.N s" line) and the app's part (the rest: the page's
                        runs, sending the page, the browser drawing it); beside them the CPU
                        seconds each side used over the click (edit_and_solve_server_cpu_s:
                        the page's runs and the solve; _gpu_ and _renderer_: Chromium's
                        software WebGL and page), which a busy machine inflates far less
    same result rerun   a place typed in the search box (no edit, no solve), once per place:
                        the page's elements sent and drawn again (same_result_rerun_*: wall,
                        CPU of the server, Chromium's GPU process and renderer over the run
                        and 1.2 s after it, websocket messages; medians)
    undo (remembered)   Undo with "Auto re-solve" on: the scenario solved before, from memory
Last, restart the server at the same address and time the first page again in the same browser
context (first_page_warm_cache_s: a planner's browser that has the app's scripts cached).
Then (unless --no-script) the same steps without a browser (AppTest, in this process: the page
script's own time, which is what the app code controls; the rest of a browser figure is
drawing, mostly deck.gl in software WebGL here). Prints a JSON line per run (with the 1-minute
load average: the machine is shared) and a Markdown table of medians.

Where the first page's time goes (Linux, from /proc and the browser's network events):
map_message_s is when the map's element (the largest websocket message) reached the browser,
i.e. the server's share; server_cpu_s is the CPU the server used until the map was drawn
(start-up, imports, the first script run); gpu_cpu_s and renderer_cpu_s are what Chromium's
GPU process (software WebGL, SwiftShader) and page renderer used over the same time.
first_page_messages and edit_and_solve_messages count the websocket messages the browser
received until the map was drawn and over an edit's click (median): about one per element
the page's runs sent, each one more render of the page in the browser. With --frames,
edit_and_solve_frames counts the frames Chromium drew over an edit's click (a trace of its
display compositor; median): in software GL each is the whole window, so the GPU process's
CPU per edit follows this count.
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


SOLVED = re.compile(r"(Solved|Finished) in ([\d.]+) s")
AUTO_RESOLVE = re.compile(r"^(Auto re-solve|Re-solve after each change)$")
# Places to add, each far from the others; those within 25 miles of a candidate of the
# scenario benchmarked are skipped (`far_places`).
PLACES = ("Billings, MT", "Fargo, ND", "Amarillo, TX", "Duluth, MN", "Rapid City, SD",
          "Casper, WY", "Flagstaff, AZ", "Missoula, MT", "Bismarck, ND", "Grand Junction, CO",
          "Lubbock, TX", "Abilene, TX", "Yakima, WA", "Bend, OR", "Eureka, CA")


def far_places(scenario_file: str | None, count: int) -> list[str]:
    """`count` of PLACES at least NEAR_SITE_MI from every candidate site of the scenario (and
    in no candidate's ZIP3): adding one is a new site, not the "use the existing one" question."""
    sys.path.insert(0, str(ROOT))
    from network.places import search_places, sites_near
    from network.scenario_file import load_default_scenario, load_scenario

    scenario = load_scenario(ROOT / scenario_file) if scenario_file else load_default_scenario()
    found = [q for q in PLACES if not sites_near(search_places(q, limit=1)[0], scenario.sites)]
    if len(found) < count:
        raise SystemExit(f"only {len(found)} places far from every candidate: {found}")
    return found[:count]


# How the server is started: as `make run` does (with the warm-up of ui/serve.py), or plain.
LAUNCH = {"serve": [sys.executable, "-m", "ui.serve"],
          "streamlit": [sys.executable, "-m", "streamlit", "run", "app.py"]}


SERVER_CPU, BROWSER_CPU = 0, 1  # with --pin: the server and the browser one core each


@dataclass(frozen=True)
class Server:
    """How each run starts the app: `launch` (a LAUNCH key) from `checkout`, on CPU 0 alone
    when `pinned`."""

    launch: str = "serve"
    scenario: str | None = None
    pinned: bool = False
    checkout: Path = ROOT

    def start(self, port: int) -> subprocess.Popen:
        env = {**os.environ, **scenario_env(self.checkout, self.scenario)}
        return subprocess.Popen(
            [*LAUNCH[self.launch], "--server.headless", "true", "--server.port", str(port),
             "--browser.gatherUsageStats", "false"],
            cwd=self.checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=(lambda: os.sched_setaffinity(0, {SERVER_CPU})) if self.pinned else None)


def scenario_env(checkout: Path, scenario: str | None) -> dict[str, str]:
    """$NETWORK_SCENARIO for the app of `checkout`: a relative `scenario` path is taken inside
    the checkout (the app refuses a scenario whose files are outside its own data folder)."""
    return {"NETWORK_SCENARIO": str(checkout / scenario)} if scenario else {}


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


def picked(page, place: str) -> None:
    """Wait until the search's run for `place` is over: its pick list shows the place and the
    page is idle. "Add site" alone would not do from the second place on: the last search's
    pick list and button are still on the page (the search box keeps its text), so the click
    came while the new search's run had not yet ended, and the edit's figures counted that
    run too (two runs' messages, 161 instead of 82)."""
    city = place.split(",")[0]
    page.locator(f'input[aria-label="Place"][value^="{city}"]').wait_for(timeout=60_000)
    page.get_by_role("button", name="Add site", exact=True).wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)


def solve_wall_s(page) -> float:
    """The optimizer's part of the last solve: its wall time in the "Solved in" line."""
    return float(SOLVED.search(page.get_by_text(SOLVED).first.inner_text()).group(2))


def frames_drawn(trace: bytes) -> int:
    """Frames Chromium's display compositor drew in a trace (`browser.stop_tracing()`): one
    SwapBuffers each, a full window in software GL."""
    events = json.loads(trace)
    events = events["traceEvents"] if isinstance(events, dict) else events
    return sum(1 for e in events if e.get("name") == SWAP_EVENT)


SWAP_EVENT = "SkiaOutputSurfaceImplOnGpu::SwapBuffers"


def one_run(browser, server: Server, places: list[str], shots: Path | None = None,
            frames_traced: bool = False) -> dict:
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
        first_messages = len(frames)
        page.wait_for_selector(IDLE, timeout=60_000)
        if page.get_by_text("could not be used").count():  # the app fell back to the default
            raise SystemExit(f"{server.checkout}: the app refused {server.scenario}")
        solve = page.get_by_role("button", name="Solve", exact=True)
        times = {"load_avg_1min": os.getloadavg()[0], "server_listening_s": listening,
                 "map_message_s": map_message, "first_page_s": first,
                 "server_cpu_s": server_cpu, "first_page_messages": first_messages}
        for kind in ("gpu-process", "renderer"):
            key = f"{kind.split('-')[0]}_cpu_s"
            times[key] = cpu_used(cpu_before, cpu_after, kind)
        times["solve_cold_s"] = click_and_wait(page, solve, SOLVED)
        # The round trip: with "Auto re-solve" on, one click adds a site and shows
        # the solved network.
        # (its label until 2026-12-01, so that the tree the "today" figures came from,
        # 4ae5700, can be measured beside main: "Re-solve after each change")
        page.get_by_text(AUTO_RESOLVE).click()
        page.wait_for_selector(IDLE, timeout=60_000)
        trips, optimizer, trip_cpu, messages, drawn = [], [], [], [], []
        search = page.get_by_label("Add a site: city or ZIP")
        for place in places:
            search.fill(place)
            search.press("Enter")
            picked(page, place)
            if frames_traced:
                browser.start_tracing(page=page, categories=["viz", "gpu"])
            before, sent = (chromium_cpu(), cpu_seconds(proc.pid)), len(frames)
            trips.append(click_and_wait(
                page, page.get_by_role("button", name="Add site", exact=True), SOLVED))
            after = chromium_cpu(), cpu_seconds(proc.pid)
            if frames_traced:
                drawn.append(frames_drawn(browser.stop_tracing()))
            trip_cpu.append((after[1] - before[1], *(cpu_used(before[0], after[0], kind)
                                                     for kind in ("gpu-process", "renderer"))))
            messages.append(len(frames) - sent)
            optimizer.append(solve_wall_s(page))
        if shots is not None:
            page.screenshot(path=shots / f"{server.checkout.name}-after-edits.png")
        times["edit_and_solve_s"] = statistics.median(trips)
        times["edit_and_solve_optimizer_s"] = statistics.median(optimizer)
        times["edit_and_solve_app_s"] = statistics.median(
            t - o for t, o in zip(trips, optimizer, strict=True))
        for i, who in enumerate(("server", "gpu", "renderer")):
            times[f"edit_and_solve_{who}_cpu_s"] = statistics.median(c[i] for c in trip_cpu)
        times["edit_and_solve_messages"] = statistics.median(messages)
        if drawn:
            times["edit_and_solve_frames"] = statistics.median(drawn)
        times.update(same_result_reruns(page, proc.pid, frames, places))
        times["undo_remembered_s"] = click_and_wait(
            page, page.get_by_role("button", name="Undo", exact=True), "Undone")
    finally:
        page.close()
        stop(proc)
    times["first_page_warm_cache_s"] = first_page_again(context, port, server)
    context.close()
    return {k: round(v, 2) for k, v in times.items()}


def same_result_reruns(page, server_pid: int, frames: list, places: list[str]) -> dict:
    """A run that shows the same solved result again (a place typed in the search box and
    Enter: no edit, no solve), once per place: the CPU the server and Chromium used for it
    (up to 1.2 s after the run ended, for the drawing that follows) and the websocket
    messages it sent (median). What each run's elements cost, without the solve's wait."""
    search = page.get_by_label("Add a site: city or ZIP")
    found = []
    for place in places:
        search.fill(place)
        page.wait_for_timeout(700)  # the previous run's drawing is over
        before, server, sent = chromium_cpu(), cpu_seconds(server_pid), len(frames)
        start = time.perf_counter()
        search.press("Enter")
        page.wait_for_timeout(50)
        page.wait_for_selector(IDLE, timeout=60_000)
        wall = time.perf_counter() - start
        page.wait_for_timeout(1200)
        after = chromium_cpu()
        found.append((wall, cpu_seconds(server_pid) - server,
                      cpu_used(before, after, "gpu-process"), cpu_used(before, after, "renderer"),
                      len(frames) - sent))
    names = ("s", "server_cpu_s", "gpu_cpu_s", "renderer_cpu_s", "messages")
    return {f"same_result_rerun_{name}": statistics.median(f[i] for f in found)
            for i, name in enumerate(names)}


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
    status does in a browser), unless the click's own run already showed its result."""
    shown = at.session_state["result"]
    if shown is not None and shown.scenario == at.session_state["scenario"]:
        return at
    if "work" in at.session_state:
        at.session_state["work"].solver.join()
    return at.run()


def script_times(root: Path, places: list[str]) -> dict:
    """Seconds of the page script alone (AppTest, the app of checkout `root`): first run with
    cold imports, a first solve, then with "Auto re-solve" on each edit of `places` until the
    page shows its solved result (median), and of that the solve's own wall time and the rest
    (the page's runs). A solve runs in the session's solve thread: its figure is from the
    click to the page showing the result. The `_cpu_s` figures are CPU seconds, which a busy
    machine inflates far less than wall time: the page's runs for an edit and its solve (this
    process's CPU over them less the solve thread's), and a run that shows the same result
    again (a search typed)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    from ui import background

    init = PagesManager.__init__  # AppTest runs app.py every run, as the server does

    def without_pages_folder_guess(self, *args, **kwargs) -> None:  # (tests/conftest.py)
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = without_pages_folder_guess
    solve_cpu = [0.0]
    real_solve = background.warm_solve

    def timed_solve(*args):
        start = time.thread_time()
        try:
            return real_solve(*args)
        finally:
            solve_cpu[0] += time.thread_time() - start

    background.warm_solve = timed_solve
    times = {"load_avg_1min": os.getloadavg()[0]}
    start = time.perf_counter()
    at = AppTest.from_file(str(root / "app.py"), default_timeout=300).run()
    times["script_first_run_s"] = time.perf_counter() - start
    start = time.perf_counter()
    at.button(key="solve_button").click().run()  # as in the browser: the edit comes after a solve
    times["script_solve_click_s"] = time.perf_counter() - start  # the page is back
    solved(at)
    times["script_solve_cold_s"] = time.perf_counter() - start
    at.toggle(key="auto_solve").set_value(True).run()
    trips, optimizer, app_cpu, rerun_cpu = [], [], [], []
    for place in places:
        cpu = time.process_time()
        at.text_input(key="site_search").input(place).run()
        rerun_cpu.append(time.process_time() - cpu)
        start, cpu, solve_cpu[0] = time.perf_counter(), time.process_time(), 0.0
        solved(at.button(key="add_search").click().run())
        trips.append(time.perf_counter() - start)
        app_cpu.append(time.process_time() - cpu - solve_cpu[0])
        optimizer.append(at.session_state["result"].wall_seconds)
    times["script_edit_and_solve_s"] = statistics.median(trips)
    times["script_edit_and_solve_optimizer_s"] = statistics.median(optimizer)
    times["script_edit_and_solve_app_s"] = statistics.median(
        t - o for t, o in zip(trips, optimizer, strict=True))
    times["script_edit_and_solve_app_cpu_s"] = statistics.median(app_cpu)
    times["script_rerun_same_result_cpu_s"] = statistics.median(rerun_cpu)
    PagesManager.__init__ = init
    assert not at.exception and at.metric, "the solve should show KPI cards"
    assert at.session_state["result"].scenario == at.session_state["scenario"]
    return {k: round(v, 3) for k, v in times.items()}


def script_times_of(checkout: Path, scenario: str | None, places: list[str]) -> dict:
    """`script_times` in a fresh process of this interpreter run from `checkout` (its app and
    its network package)."""
    env = {**os.environ, "PYTHONPATH": str(checkout), **scenario_env(checkout, scenario)}
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--script-only",
                          str(checkout), "--places", *places], cwd=checkout, env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def table(results: list[dict]) -> None:
    print("\n| measure | median (s) | runs (s) |\n|---|---:|---|")
    for key in results[0]:
        values = [r[key] for r in results]
        print(f"| {key} | {statistics.median(values):.2f} | "
              f"{', '.join(f'{v:.2f}' for v in values)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--edits", type=int, default=5,
                        help="sites added (each re-solved) per run; the median is reported")
    parser.add_argument("--scenario", help="scenario JSON, a path inside each checkout, e.g. "
                        "data/scenarios/bench/ups_min_30.json (default: the embedded default)")
    parser.add_argument("--checkouts", nargs="+", type=Path, default=[ROOT],
                        help="checkouts of the app to compare, alternating within each run")
    parser.add_argument("--launch", choices=["serve", "streamlit", "both"], default="serve",
                        help="start the server as `make run` does (python -m ui.serve), as "
                             "plain `streamlit run app.py`, or both, alternating")
    parser.add_argument("--pin", action="store_true",
                        help="server on CPU 0, browser on CPU 1: as if each had its own "
                             "machine (a planner's browser is not on the app's server)")
    parser.add_argument("--no-script", action="store_true",
                        help="skip the page-script (AppTest) figures")
    parser.add_argument("--screenshots", type=Path,
                        help="a folder for a screenshot of each checkout after the edits")
    parser.add_argument("--frames", action="store_true",
                        help="trace each edit's click in Chromium and count the frames drawn "
                             "(edit_and_solve_frames; the trace costs a little CPU)")
    parser.add_argument("--script-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--places", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    scenario = args.scenario
    if scenario and Path(scenario).is_absolute():
        parser.error("--scenario: a path inside the checkouts, e.g. "
                     "data/scenarios/bench/ups_min_30.json")
    if args.script_only:  # (script_times_of's child process)
        print(json.dumps(script_times(args.script_only.resolve(), args.places)))
        return
    places = far_places(scenario, args.edits)
    checkouts = [c.resolve() for c in args.checkouts]
    if args.pin:
        os.sched_setaffinity(0, {BROWSER_CPU})  # Chromium, started below, inherits it
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    launches = ["serve", "streamlit"] if args.launch == "both" else [args.launch]
    variants = [(c, launch) for c in checkouts for launch in launches]
    results: dict[tuple, list[dict]] = {v: [] for v in variants}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=CHROMIUM_ARGS)
        for _ in range(args.runs):
            for checkout, launch in variants:
                server = Server(launch, scenario, args.pin, checkout)
                results[checkout, launch].append(one_run(browser, server, places,
                                                         args.screenshots, args.frames))
                print(checkout, launch, json.dumps(results[checkout, launch][-1]), flush=True)
        browser.close()
    for (checkout, launch), found in results.items():
        print(f"\n{checkout}, server started by: {' '.join(LAUNCH[launch][1:])}")
        table(found)
    if args.no_script:
        return
    scripts: dict[Path, list[dict]] = {c: [] for c in checkouts}
    for _ in range(max(1, args.runs // 3)):
        for checkout in checkouts:
            scripts[checkout].append(script_times_of(checkout, scenario, places))
            print(checkout, json.dumps(scripts[checkout][-1]), flush=True)
    for checkout, found in scripts.items():
        print(f"\n{checkout}, page script (AppTest)")
        table(found)


if __name__ == "__main__":
    main()
