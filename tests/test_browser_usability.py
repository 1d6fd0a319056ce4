"""Usable in the room, in a real browser at a projector's 1280x720: the Designer on one screen
(map, KPI cards, legend over the map, the open-sites table's cost columns), the mouse wheel
scrolls the page instead of zooming the map and Reset view brings the lower 48 back, and a
fresh server started with plain `streamlit run app.py` opens a page by its URL. Screenshots
go to test-artifacts/."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops
from test_browser import (
    ARTIFACTS,
    COUNT_WEBGL_CONTEXTS,
    MAP_CANVAS,
    browser_scenario,
    no_exception,
    served_app,
    wait_for_map,
    wait_idle,
)

from network.scenario_file import load_default_scenario

pytestmark = pytest.mark.browser
PROJECTOR = {"width": 1280, "height": 720}
MAP = '[data-testid="stDeckGlJsonChart"]'


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with served_app(tmp_path_factory.mktemp("usability"), browser_scenario()) as url:
        yield url


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def on_screen(b: dict) -> bool:
    return (b["x"] >= 0 and b["y"] >= 0 and b["x"] + b["width"] <= PROJECTOR["width"]
            and b["y"] + b["height"] <= PROJECTOR["height"])


def map_image(page) -> Image.Image:
    return Image.open(io.BytesIO(page.locator(MAP).first.screenshot())).convert("RGB")


def changed_share(a: Image.Image, b: Image.Image) -> float:
    """The share of pixels that differ between two pictures of the map."""
    if a.size != b.size:
        return 1.0
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 24 else 0)
    return diff.histogram()[255] / (a.size[0] * a.size[1])


def solve(page) -> None:
    page.get_by_role("button", name="Solve", exact=True).click()
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=120_000)
    wait_idle(page)
    wait_for_map(page)


def test_a_fresh_plain_server_opens_settings_by_its_url(browser, tmp_path):
    """`streamlit run app.py` alone, and the first visit is /settings: the Settings page with
    the app's navigation (five titled pages), not a KeyError and a list of file names."""
    with served_app(tmp_path, browser_scenario(), plain=True) as url:
        page = browser.new_page(viewport=PROJECTOR)
        page.goto(url + "settings")
        page.get_by_role("heading", name="Settings").wait_for(timeout=60_000)
        wait_idle(page)
        no_exception(page)
        links = page.get_by_test_id("stTopNavLink").all_inner_texts()
        assert [t.split()[-1] for t in links] == ["Designer", "Scenarios", "Compare",
                                                  "Tradeoffs", "Settings"], links
        assert page.get_by_test_id("stSidebarNav").count() == 0
        page.screenshot(path=ARTIFACTS / "20-settings-by-url-plain-streamlit.png")
        page.close()


def test_the_designer_reads_on_one_1280x720_screen(app_url, browser):
    """After a solve, at 1280x720 without scrolling: the whole map, the KPI cards from the
    total cost to the share within 3 days, and the legend over the map's corner; further down
    the open-sites table shows every column, its cost columns included."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport=PROJECTOR)
    page.goto(app_url)
    wait_for_map(page)
    solve(page)
    page.screenshot(path=ARTIFACTS / "21-designer-one-screen-1280x720.png")
    no_exception(page)
    chart = box(page, MAP)
    assert on_screen(chart), chart
    metrics = page.locator('[data-testid="stMetric"]')
    labels = [t.splitlines()[0] for t in metrics.all_inner_texts()]
    assert labels[:7] == ["Total annual cost", "Cost per order", "Average delivery",
                          "Sites open", "Within 1 day", "Within 2 days", "Within 3 days"]
    for i in range(7):  # each card's label and figure (the card's border is the metric's
        # own, its lower padding may run past the screen's edge)
        for part in ("stMetricLabel", "stMetricValue"):
            card = metrics.nth(i).get_by_test_id(part).bounding_box()
            assert on_screen(card), (labels[i], part, card)
            assert card["x"] > chart["x"] + chart["width"]  # beside the map
    legend = box(page, '[data-testid="mapLegend"]')
    assert on_screen(legend)
    assert chart["x"] <= legend["x"] and legend["x"] + legend["width"] <= chart["x"] + chart[
        "width"]
    assert chart["y"] < legend["y"] and legend["y"] + legend["height"] <= chart["y"] + chart[
        "height"]  # over the map, not below it
    tab = page.get_by_role("tab", name="Open sites")
    tab.scroll_into_view_if_needed()
    tab.click()  # its table is built only once its tab is open
    wait_idle(page)
    page.wait_for_timeout(800)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "21b-designer-open-sites-1280x720.png")
    scroller = table.locator(".dvn-scroller").first
    width, seen = scroller.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert width <= seen + 1, (width, seen)  # no column cut off behind a scroll bar
    headers = table.locator('[role="columnheader"]').all_inner_texts()
    assert {"Fixed cost (USD/yr)", "Variable cost (USD/yr)", "Total cost (USD/yr)"} <= set(
        headers), headers
    page.close()


def test_the_wheel_scrolls_the_page_and_reset_view_brings_the_us_back(app_url, browser):
    """A mouse wheel over the map leaves it as it was (the page scrolls instead); a drag moves
    it; Reset view draws it as at first again, on the same WebGL context (not rebuilt)."""
    page = browser.new_page(viewport=PROJECTOR)
    page.add_init_script(COUNT_WEBGL_CONTEXTS)
    page.goto(app_url)
    wait_for_map(page)
    page.wait_for_timeout(1500)
    first = map_image(page)
    contexts = page.evaluate("window.webglContexts")
    chart = box(page, MAP)
    cx, cy = chart["x"] + chart["width"] / 2, chart["y"] + chart["height"] / 2
    page.mouse.move(cx, cy)
    for _ in range(5):
        page.mouse.wheel(0, -240)  # "zoom in" five notches
        page.wait_for_timeout(100)
    page.wait_for_timeout(800)
    page.locator(MAP).first.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    assert changed_share(first, map_image(page)) < 0.01
    chart = box(page, MAP)
    cx, cy = chart["x"] + chart["width"] / 2, chart["y"] + chart["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 180, cy + 90, steps=12)
    page.mouse.up()
    page.wait_for_timeout(1000)
    moved = map_image(page)
    page.screenshot(path=ARTIFACTS / "22-designer-map-dragged.png")
    assert changed_share(first, moved) > 0.05
    page.get_by_role("button", name="Reset view").click()
    wait_idle(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "22b-designer-map-reset.png")
    assert changed_share(first, map_image(page)) < 0.01
    assert page.evaluate("window.webglContexts") == contexts
    no_exception(page)
    assert page.locator(MAP_CANVAS).count() == 1
    page.close()


def test_the_sites_csv_download_is_named_and_uploads_back(app_url, browser, tmp_path):
    """The Designer's "Sites (CSV)" download is named after the scenario and today, and its
    bytes are the sites export, which the Candidate sites upload takes back."""
    from datetime import date

    from network.export.csv_files import sites_csv
    from ui import edits

    page = browser.new_page(viewport=PROJECTOR)
    page.goto(app_url)
    wait_for_map(page)
    wait_idle(page)  # the file's id is the last run's: a run still going drops it at its end
    # (a click's own rerun did too, ui/export_import.py; CI twice: no download in 60 s)
    section = page.get_by_text("Export and import", exact=False).first
    section.scroll_into_view_if_needed()
    section.click()  # its buttons are built only once it is open
    wait_idle(page)
    button = page.get_by_role("button", name="Sites (CSV)")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == (
        f"browser-test-7-sites-sites-{date.today().isoformat()}.csv")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    scenario = browser_scenario()
    assert saved.read_text(encoding="utf-8") == sites_csv(scenario, None)
    ours = [s.site_id for s in scenario.sites]
    others = load_default_scenario()
    others = others.with_changes(sites=tuple(s for s in others.sites if s.site_id not in ours))
    back = edits.apply_sites_upload(others, saved.read_bytes(), saved.name)
    assert [s.site_id for s in back.sites][-len(ours):] == ours
    page.close()
