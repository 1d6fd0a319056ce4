"""User text in a real browser (headless Chromium): a site named to run script shows as text in
the app's map tooltip and on the page, and the HTML report renders as one page with nothing
run. Screenshots go to test-artifacts/ for people to look at."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest
from playwright.sync_api import sync_playwright
from test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    SERVER_START_TIMEOUT_S,
    free_port,
    map_pixel,
    no_exception,
    wait_for_map,
    wait_for_port,
    wait_idle,
)

from network.export.content import from_result
from network.export.report import report_html
from network.scenario_file import load_default_scenario, scenario_to_json

pytestmark = pytest.mark.browser
XSS = "<img src=x onerror=alert(1)>"
SITES = ("SEA", "DFW", "MDT", "ORD", "ATL")


@pytest.fixture(scope="module")
def hostile():
    default = load_default_scenario()
    sites = [s for s in default.sites if s.site_id in SITES]
    sites[0] = replace(sites[0], name=XSS)
    return default.with_changes(name=f"XSS check {XSS}", sites=tuple(sites),
                                constraints=replace(default.constraints, forced_open=("SEA",)))


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app_url(hostile, tmp_path_factory):
    path = tmp_path_factory.mktemp("scenario") / "hostile.json"
    path.write_text(scenario_to_json(hostile))
    port = free_port()
    log = (tmp_path_factory.mktemp("log") / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.serve", "--server.headless", "true", "--server.port",
         str(port), "--browser.gatherUsageStats", "false"], cwd=ROOT, stdout=log,
        stderr=subprocess.STDOUT, env={**os.environ, "NETWORK_SCENARIO": str(path)})
    try:
        wait_for_port(port, proc, SERVER_START_TIMEOUT_S)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def test_a_hostile_site_name_runs_nothing_in_the_app(app_url, browser, hostile):
    """Solve with the site open, hover it on the map: the tooltip shows the name as text, no
    dialog fires, and no element of the page is an <img src=x>."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app_url)
    wait_for_map(page)
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text("Total annual cost").first.wait_for(timeout=120_000)
    wait_idle(page)
    no_exception(page)
    chart = page.locator('[data-testid="stDeckGlJsonChart"]')
    chart.scroll_into_view_if_needed()
    wait_for_map(page)
    box = chart.bounding_box()
    seattle = hostile.site("SEA")
    x, y = map_pixel(seattle.lon, seattle.lat, box["width"], box["height"])
    tooltip = page.locator(".deck-tooltip")
    for _ in range(5):  # the first move after a redraw can miss the pick
        page.mouse.move(box["x"] + x + 1, box["y"] + y + 1)
        page.wait_for_timeout(600)
        if XSS in (tooltip.first.inner_text() if tooltip.count() else ""):
            break
    assert XSS in tooltip.first.inner_text()
    assert tooltip.first.locator("img").count() == 0
    page.screenshot(path=ARTIFACTS / "export-01-hostile-name-tooltip.png")
    assert page.locator("img[src='x']").count() == 0
    assert page.get_by_text(XSS).count() > 0  # the page shows the name, as text
    assert dialogs == []
    page.close()


def test_the_report_renders_as_one_page_and_runs_nothing(browser, hostile, tmp_path):
    """The report at 1280 px wide (as a projector or a mail client shows it): map drawn, no
    dialog, nothing fetched, about one screen-and-a-half tall; and on paper, one landscape
    sheet's worth of content per page at most two pages."""
    from network.optimize import optimize

    path = tmp_path / "report.html"
    path.write_text(report_html(from_result(hostile, optimize(hostile)), date(2025, 6, 1)))
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / "export-02-report-1280.png", full_page=True)
    assert dialogs == [] and requests == [path.as_uri()]
    assert page.locator("svg").bounding_box()["width"] > 600
    assert page.locator("h1").inner_text() == f"XSS check {XSS}"
    assert page.evaluate("document.body.scrollHeight") < 1600
    pdf = page.pdf(format="Letter", landscape=True, print_background=True)
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(
        b"/Type /Page>") <= 2
    page.close()
