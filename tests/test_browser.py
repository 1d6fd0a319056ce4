"""The app in a real browser: headless Debian Chromium driven by Playwright.

Starts the app as `make run` does (`python -m ui.serve`) on a free port, adds sites through the
search box and one by clicking a ZIP3 on the map, solves, and checks the page: KPI values
present and formatted, no exception element, the map not rebuilt by the edits. Screenshots go
to test-artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import math
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from network.scenario_file import load_default_scenario, scenario_to_json
from ui import panels

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--disable-background-networking"]
# Seven candidate sites keep the solve near a second and the 1..2-site sweep near ten, so the
# whole test stays short.
SITES = ("SEA", "ONT", "DFW", "ORD", "ATL", "MDT", "MCO")
SERVER_START_TIMEOUT_S = 60
VIEWPORT = {"width": 1600, "height": 1000}
MAP_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'
# Counts the WebGL contexts the page creates: deck.gl creates one per map it builds.
COUNT_WEBGL_CONTEXTS = """
window.webglContexts = 0;
const getContext = HTMLCanvasElement.prototype.getContext;
HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
  if (String(kind).startsWith('webgl')) window.webglContexts += 1;
  return getContext.call(this, kind, ...rest);
};
"""

pytestmark = pytest.mark.browser
SERVER_LOGS: dict[str, Path] = {}  # an app's URL -> its server's log (stdout and stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"streamlit did not listen on port {port} within {timeout_s} s")


def browser_scenario():
    """The default scenario cut to the seven SITES."""
    default = load_default_scenario()
    return default.with_changes(name="Browser test (7 sites)", sites=tuple(
        s for s in default.sites if s.site_id in SITES))


@contextmanager
def served_app(folder: Path, scenario, env: dict[str, str] | None = None,
               plain: bool = False) -> Iterator[str]:
    """The app started as `make run` starts it (`plain`: with nothing but `streamlit run
    app.py`, Streamlit's file watcher on), on `scenario` (written to `folder`, with the
    server's log), with `env` added to the environment; its URL until the block ends."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (scripts/install-chromium.sh)")
    path = folder / "scenario.json"
    path.write_text(scenario_to_json(scenario))
    port = free_port()
    with (folder / "streamlit.log").open("w") as log:
        start = ["streamlit", "run", "app.py"] if plain else ["ui.serve"]
        proc = subprocess.Popen(
            [sys.executable, "-m", *start, "--server.headless", "true",
             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "NETWORK_SCENARIO": str(path), **(env or {})})
        try:
            wait_for_port(port, proc, SERVER_START_TIMEOUT_S)
            SERVER_LOGS[f"http://127.0.0.1:{port}/"] = folder / "streamlit.log"
            yield f"http://127.0.0.1:{port}/"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """A running app server on a small scenario; stopped after the tests."""
    with served_app(tmp_path_factory.mktemp("app"), browser_scenario()) as url:
        yield url


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def wait_idle(page) -> None:
    """Until the script run is over (stale elements of the previous run are gone)."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                           timeout=120_000)
    page.wait_for_timeout(300)


def map_pixel(lon: float, lat: float, width: float, height: float) -> tuple[float, float]:
    """Where a point is drawn on the Designer's map at its initial view (Web Mercator, deck.gl's
    512-pixel world at zoom 0)."""
    view = panels.DESIGNER_VIEW
    scale = 512 * 2 ** view.zoom / (2 * math.pi)

    def project(lo: float, la: float) -> tuple[float, float]:
        return (scale * (math.radians(lo) + math.pi),
                scale * (math.pi - math.log(math.tan(math.pi / 4 + math.radians(la) / 2))))

    x, y = project(lon, lat)
    cx, cy = project(view.longitude, view.latitude)
    return width / 2 + x - cx, height / 2 + y - cy


def kpi_cards(page, at_least: int = 7) -> str:
    """The KPI cards' text once `at_least` of them show, waiting up to 30 s: twice in CI at
    load there were none at the first idle moment (after a reload they came a run later;
    after a page switch the test read at once and failed; cause not found, said in the issue
    note). Fails with what the page shows instead, so that a CI log says which branch of the
    Designer's KPI area ran (solving, changed scenario, nothing solved)."""
    metrics = page.locator('[data-testid="stMetric"]')
    deadline = time.monotonic() + 30
    while metrics.count() < at_least:
        if time.monotonic() > deadline:
            main = page.get_by_test_id("stMain").inner_text()
            raise AssertionError(f"{metrics.count()} KPI cards after 30 s; the page shows: "
                                 + " | ".join(main.split("\n"))[:2000])
        page.wait_for_timeout(250)
    return " ".join(metrics.all_inner_texts())


def wait_for_sweep_end(page, url: str, timeout_s: float = 300) -> None:
    """Until a sweep's "Last run finished" caption shows. Twice in about eight CI runs it did
    not within 300 s; on a timeout this fails with the page's text and the server log's end
    (workers write a line and their stacks there when a point overruns its limit). That text
    showed the cause once: the sweep had ended, but the page was still on the tab the test
    had left (the Tradeoffs tabs were a new widget after every switch, fixed)."""
    try:
        page.get_by_text(re.compile("Last run finished in")).wait_for(timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        main = " | ".join(page.get_by_test_id("stMain").inner_text().split("\n"))[:1500]
        log = SERVER_LOGS[url].read_text(errors="replace")[-6000:] if url in SERVER_LOGS else ""
        raise AssertionError(f"no sweep end within {timeout_s:g} s; the page shows: {main}\n"
                             f"the server log ends:\n{log}") from None


def wait_for_map(page) -> None:
    page.wait_for_selector(MAP_CANVAS, timeout=30_000)
    page.wait_for_timeout(1500)  # let deck.gl draw its first frame


def test_add_site_solve_and_read_kpis(app_url, browser):
    """Add a site by search and one by clicking the map, solve: the KPI cards show formatted
    numbers, and there is no exception element."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport=VIEWPORT)
    page.add_init_script(COUNT_WEBGL_CONTEXTS)
    page.goto(app_url)
    wait_for_map(page)
    no_exception(page)
    page.screenshot(path=ARTIFACTS / "01-designer-start.png")
    assert page.locator('[data-testid="stDataFrame"]').count() == 0  # no table code to load
    # The map must survive edits and solves: a new one means a new WebGL context and every
    # shader compiled again, a second per rerun in software WebGL.
    contexts_at_start = page.evaluate("window.webglContexts")

    page.get_by_label("Add a site: city or ZIP").fill("Reno, NV")
    page.get_by_label("Add a site: city or ZIP").press("Enter")
    page.get_by_role("button", name="Add site", exact=True).click()
    page.get_by_text("Added candidate site Reno").wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page)
    # A second search: its pick list must not inherit the first one's pick.
    page.get_by_label("Add a site: city or ZIP").fill("Boise, ID")
    page.get_by_label("Add a site: city or ZIP").press("Enter")
    # Reno's pick list and Add site button stay until the search's run replaces them: in CI at
    # load that run had not begun when the test looked for an idle page, and the click went to
    # Reno's (already added: nothing happened). Boise's pick list first (its value).
    page.locator('input[aria-label="Place"][value^="Boise"]').wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("button", name="Add site", exact=True).click()
    page.get_by_text("Added candidate site Boise").wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page)

    # Click the New York City ZIP3 bubble on the map, then add a site there.
    chart = page.locator('[data-testid="stDeckGlJsonChart"]')
    chart.scroll_into_view_if_needed()
    wait_for_map(page)
    box = chart.bounding_box()
    x, y = map_pixel(-73.99, 40.75, box["width"], box["height"])
    add_here = page.get_by_role("button", name=re.compile("Add candidate site at"))
    for _ in range(6):  # the freshly drawn map can miss a click (software WebGL at load)
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(1000)
        page.mouse.click(box["x"] + x, box["y"] + y)
        try:
            add_here.wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            wait_idle(page)
    add_here.wait_for(timeout=1_000)
    wait_idle(page)
    page.screenshot(path=ARTIFACTS / "01b-designer-map-click.png")
    clear_selection = page.get_by_role("button", name="Clear selection")
    assert clear_selection.count() == 1  # the browser shows the click as a selection
    # Two searched sites added, the map as it was: no new WebGL context.
    assert page.evaluate("window.webglContexts") == contexts_at_start
    # The click that added the site must not stay selected: its "Add candidate site" button
    # would still be offered, and the browser would keep every other object dimmed. Clearing
    # it takes one new map.
    add_here.click()
    page.get_by_text(re.compile("Added candidate site .*, NY")).wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page)
    assert add_here.count() == 0
    assert clear_selection.count() == 0
    contexts_after_click = page.evaluate("window.webglContexts")
    assert contexts_after_click > contexts_at_start

    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text(re.compile(r"Solved in [\d.]+ s")).wait_for(timeout=120_000)
    wait_idle(page)
    wait_for_map(page)
    no_exception(page)
    text = kpi_cards(page)
    assert re.search(r"Total annual cost\s+\$\d{1,3}(,\d{3})+", text), text
    assert re.search(r"Cost per order\s+\$\d+\.\d{2}", text), text
    assert re.search(r"Average delivery\s+\d+\.\d days", text), text
    assert re.search(r"Within 2 days\s+\d+\.\d%", text), text
    assert page.evaluate("window.webglContexts") == contexts_after_click  # the solve: none
    page.screenshot(path=ARTIFACTS / "02-designer-solved.png")

    # "Why not this site?" for the site just added (the NYC one): the button asks, a warm
    # re-solve answers in one sentence under the toolbar.
    page.get_by_role("button", name=re.compile(r"Why is .* (closed|open)\?")).click()
    answer = page.get_by_text(re.compile(r"Why (not )?.*\? Forcing .* (open|closed)"))
    answer.wait_for(timeout=120_000)
    wait_idle(page)
    no_exception(page)
    assert re.search(r"Design with it forced: ", answer.inner_text())
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_role("heading", name="Network designer").scroll_into_view_if_needed()
    answer.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    page.screenshot(path=ARTIFACTS / "02e-designer-why-not-1280x720.png")
    page.set_viewport_size(VIEWPORT)

    # The site table comes closed (the first page loads no table code); one click opens it,
    # with the sites added above, and it is still open after a visit to another page.
    sites = page.get_by_test_id("stExpander").filter(has_text="Candidate sites")
    table = sites.locator('[data-testid="stDataFrame"]')
    assert table.count() == 0
    page.get_by_text("Candidate sites: edit the table").click()
    table.wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page)
    rows = table.locator("[aria-rowcount]").first.get_attribute("aria-rowcount")
    assert int(rows) == 1 + len(SITES) + 3  # header, the scenario's sites, the three added
    nav(page, "Settings")
    page.get_by_role("heading", name="Settings").wait_for(timeout=30_000)
    nav(page, "Designer")
    table.wait_for(timeout=30_000)
    wait_idle(page)
    wait_for_map(page)
    no_exception(page)
    table.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "02d-designer-sites-table.png")
    page.set_viewport_size({"width": 1280, "height": 720})  # a common projector resolution
    page.get_by_role("heading", name="Network designer").scroll_into_view_if_needed()
    wait_for_map(page)
    page.screenshot(path=ARTIFACTS / "02b-designer-solved-1280x720.png")
    page.locator('[data-testid="stDeckGlJsonChart"]').scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=ARTIFACTS / "02c-designer-map-1280x720.png")
    # The app scrolls inside its main block, so a tall viewport shows the whole page.
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 3400})
    wait_for_map(page)
    page.screenshot(path=ARTIFACTS / "03-designer-solved-full.png")
    page.close()


def test_settings_page_renders(app_url, browser):
    """Settings opens from the navigation."""
    page = browser.new_page(viewport={"width": VIEWPORT["width"], "height": 1800})
    page.goto(app_url)
    wait_for_map(page)
    nav(page, "Settings")
    page.get_by_role("heading", name="Settings").wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page)
    page.screenshot(path=ARTIFACTS / "04-settings.png")
    page.close()


def nav(page, name: str) -> None:
    """Open a page from the navigation bar across the top."""
    page.get_by_test_id("stTopNavLink").filter(has_text=name).click()


def pick_option(page, label: str, option: int) -> None:
    """Open the select box labelled `label` and pick its `option`-th entry."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label)
    box.scroll_into_view_if_needed()
    box.locator("input").click()
    page.get_by_role("option").nth(option).click()
    wait_idle(page)


def narrow_select_slider(page, label: str, lower_steps_right: int = 0,
                         upper_steps_left: int = 0) -> None:
    """Move a range select-slider's thumbs by keyboard, one option a key press, as a planner
    can; the page runs again once per move."""
    thumbs = page.get_by_test_id("stSlider").filter(has_text=label).get_by_role("slider")
    for thumb, key, steps in ((thumbs.nth(0), "ArrowRight", lower_steps_right),
                              (thumbs.nth(1), "ArrowLeft", upper_steps_left)):
        for _ in range(steps):
            thumb.focus()
            thumb.press(key)
            wait_idle(page)


def test_tradeoffs_frontier_runs_in_the_background(app_url, browser):
    """The Tradeoffs page at a projector's 1280x720: a frontier sweep shows its progress bar
    with Cancel while the page stays usable (another tab opens meanwhile), then the chart,
    every point, a point's network on the map and "use this design"; the other studies
    run too. Screenshots for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(app_url)
    wait_for_map(page)
    page.get_by_role("button", name="Solve", exact=True).click()  # the current design
    page.get_by_text(re.compile(r"Solved in [\d.]+ s")).wait_for(timeout=120_000)
    wait_idle(page)
    nav(page, "Tradeoffs")
    page.get_by_role("heading", name=re.compile("Tradeoffs")).wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page)
    page.screenshot(path=ARTIFACTS / "05-tradeoffs-start-1280x720.png")
    # A small grid, so that the test waits for the page rather than for 25 solves on a busy
    # machine: the levels 60-80% (3) at the current design's count only, and "any number".
    narrow_select_slider(page, "Promise levels", upper_steps_left=4)  # 5% options
    sites = page.get_by_test_id("stSlider").filter(has_text="Exactly this many sites")
    lower, upper = (int(sites.get_by_role("slider").nth(i).input_value()) for i in (0, 1))
    narrow_select_slider(page, "Exactly this many sites", upper_steps_left=upper - lower - 1)
    narrow_select_slider(page, "Exactly this many sites", lower_steps_right=1)
    page.get_by_role("button", name="Run the frontier: 6 points").click()
    progress = page.get_by_text(re.compile(r"of \d+ points on 2 worker processes"))
    progress.wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Cancel").count() == 1
    page.screenshot(path=ARTIFACTS / "05b-tradeoffs-running-1280x720.png")
    page.get_by_role("tab", name="Where sweeps run").click()  # usable while it runs
    page.get_by_text("Sweeps run on").wait_for(timeout=30_000)
    page.get_by_role("tab", name="Promise frontier").click()
    wait_for_sweep_end(page, app_url)
    wait_idle(page)
    no_exception(page)
    page.get_by_text("The cost of each delivery promise").wait_for(timeout=30_000)
    # the caption comes after the chart, which may still be drawing (CI, at load: count() 0)
    page.get_by_text("The red diamond is the current design itself").wait_for(timeout=30_000)
    assert page.get_by_text("Solve the scenario to mark the current design").count() == 0
    page.screenshot(path=ARTIFACTS / "05c-tradeoffs-frontier-1280x720.png")
    pick_option(page, "Show the network of", 1)
    wait_for_map(page)
    use = page.get_by_role("button", name=re.compile("Use this design in the Designer"))
    use.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "05d-tradeoffs-point-1280x720.png")
    page.set_viewport_size({"width": 1280, "height": 2600})
    wait_for_map(page)
    page.screenshot(path=ARTIFACTS / "05e-tradeoffs-frontier-full.png")
    page.set_viewport_size({"width": 1280, "height": 720})
    use.click()
    page.get_by_role("heading", name="Network designer").wait_for(timeout=30_000)
    page.get_by_text("Using the design of the Tradeoffs point").wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page)
    kpi_cards(page)
    page.screenshot(path=ARTIFACTS / "05f-designer-used-design-1280x720.png")
    nav(page, "Tradeoffs")
    for tab, run, shot in (("Sensitivity", "Run sensitivity", "06-sensitivity"),
                           ("Why not this site?", "Cost of forcing each", "07-why-not"),
                           ("Robustness", "Run 6 draws", "08-robustness")):
        page.get_by_role("tab", name=tab).click()
        wait_idle(page)
        if tab == "Robustness":  # fewer draws than the default: the test stays short
            page.get_by_label("Draws").fill("6")
            page.get_by_label("Draws").press("Enter")
            wait_idle(page)
        page.get_by_role("button", name=re.compile(run)).click()
        wait_for_sweep_end(page, app_url)
        wait_idle(page)
        no_exception(page)
        if tab == "Robustness":
            wait_for_map(page)
        page.screenshot(path=ARTIFACTS / f"{shot}-1280x720.png")
        page.set_viewport_size({"width": 1280, "height": 2000})
        page.wait_for_timeout(1000)
        page.screenshot(path=ARTIFACTS / f"{shot}-full.png")
        page.set_viewport_size({"width": 1280, "height": 720})
    page.close()


SLOW_SOLVE_SCENARIO = ROOT / "tests" / "data" / "slow_solve.json"
SLOW_SOLVE_LIMIT_S = 20  # the server's Designer time limit ($NETWORK_SOLVE_TIME_LIMIT_S)


@pytest.fixture(scope="module")
def default_app(tmp_path_factory):
    """A second app server, on a scenario whose solve runs into the Designer's time limit (the
    bench's capacity_overflow_200m over sites_150's 150 candidates: a gap of about 32% at 60 s),
    with that limit set to 20 s by the operator's variable, with its log: (URL, log file). Its
    tests need a solve still running after the Designer's 2.5 s wait; each bench class picked
    for that before (the default, next_day_60, next_day_80, capacity_overflow_200m) became fast
    enough that the page-switch test found it done (CI), so this one is hard on purpose and the
    time limit, not its speed, sets how long the test waits."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("log-default") / "streamlit.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.serve", "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "NETWORK_SCENARIO": str(SLOW_SOLVE_SCENARIO),
             "NETWORK_SOLVE_TIME_LIMIT_S": str(SLOW_SOLVE_LIMIT_S)})
    try:
        wait_for_port(port, proc, SERVER_START_TIMEOUT_S)
        yield f"http://127.0.0.1:{port}/", log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_a_solve_survives_a_page_switch_and_the_session_end_frees_it(default_app, browser):
    """Solve (a solve of several seconds), then Settings at once: the solve goes on (the sidebar
    says so), its result is on the Designer when the planner comes back, without solving
    again. Closing the tab ends the session's work on the server (its log says so)."""
    url, log_path = default_app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url)
    wait_for_map(page)
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text(re.compile(r"Solving… [\d.]+ s")).wait_for(timeout=30_000)
    wait_idle(page)
    page.screenshot(path=ARTIFACTS / "09-designer-solving-1280x720.png")
    nav(page, "Settings")
    page.get_by_role("heading", name="Settings").wait_for(timeout=30_000)
    page.get_by_text("Running for you").wait_for(timeout=30_000)
    assert page.get_by_test_id("stSidebar").count() == 0  # a line above the page, no sidebar
    page.screenshot(path=ARTIFACTS / "09b-settings-while-solving-1280x720.png")
    page.get_by_text("The Designer's solve is done").wait_for(timeout=180_000)
    wait_idle(page)
    no_exception(page)
    nav(page, "Designer")
    page.get_by_role("heading", name="Network designer").wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page)
    text = kpi_cards(page)  # this scenario's costs are in the billions: $4.83B (ui.fmt.usd_card)
    assert re.search(r"Total annual cost\s+\$\d+\.\d{2}B", text), text
    assert page.get_by_text(re.compile(r"Solving…")).count() == 0
    page.screenshot(path=ARTIFACTS / "09c-designer-result-after-switch-1280x720.png")
    page.close()
    deadline = time.monotonic() + 60
    while "ended: its background work" not in log_path.read_text():
        assert time.monotonic() < deadline, log_path.read_text()[-2000:]
        time.sleep(0.5)


def test_cancel_stops_a_solve_and_keeps_the_page_as_it_was(default_app, browser):
    """Solve the scenario with a site added (a scenario no session has solved), then
    Cancel: the live status goes, a note says the solve was cancelled, no numbers appear
    (there was no finished solve), and Solve works again: a new solve runs (its live status
    counts its own seconds) and is cancelled the same way. That a solve after a cancel shows
    its result is test_app_explorer's (a small scenario: this one's full solve took most of
    this test's 74 s in CI); the KPI cards of a solve in the browser, test_add_site_solve_and_
    read_kpis's."""
    url, _ = default_app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url)
    wait_for_map(page)
    page.get_by_label("Add a site: city or ZIP").fill("Reno, NV")
    page.get_by_label("Add a site: city or ZIP").press("Enter")
    page.get_by_role("button", name="Add site", exact=True).click()
    page.get_by_role("button", name="Add Reno anyway").click()  # Reno/Sparks is 3 miles off
    page.get_by_text("Added candidate site Reno").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text(re.compile(r"Solving… [\d.]+ s")).wait_for(timeout=30_000)
    page.get_by_role("button", name="Cancel", exact=True).click()
    page.get_by_text(re.compile(r"Solve cancelled after [\d.]+ s")).wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page)
    assert page.get_by_text(re.compile(r"Solving…")).count() == 0
    assert page.locator('[data-testid="stMetric"]').count() == 0
    page.get_by_text("Press Solve to find the cheapest network").wait_for(timeout=10_000)
    page.screenshot(path=ARTIFACTS / "09d-designer-cancelled-1280x720.png")
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text(re.compile(r"Solving… [\d.]+ s")).wait_for(timeout=60_000)
    page.get_by_role("button", name="Cancel", exact=True).click()
    page.get_by_text(re.compile(r"Solve cancelled after [\d.]+ s")).wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page)
    assert page.get_by_text(re.compile(r"Solving…")).count() == 0
    assert page.locator('[data-testid="stMetric"]').count() == 0
    page.close()
