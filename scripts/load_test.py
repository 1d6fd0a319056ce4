"""Many sessions on one app server (issue 18, section 3): one Streamlit server on loopback, one
headless Chromium, first one session alone and then N sessions at once (a Playwright browser
context each), every session editing and solving its own scenario.

Each session adds a candidate site of its own (a city, by the toolbar's search: two reruns,
the search and the add), solves, adds a second city and solves again, so every session's
scenario, and so its solve, differs from all others (the solve cache shared between sessions
cannot answer for another session). Measured in the same run, one session alone against N at once:

- rerun time: from the action (Enter in the search box, the Add site click) until the page's
  script run is over;
- solve time: from the Solve click until the result is on the page;
- the server's memory (RSS of the server process and its children), sampled every 0.25 s.

And checked: no exception on any page or in the server's log; each session's page shows its
own result and its autosaved working copy (read from the store afterwards by the session's
link key) holds exactly the scenario's sites plus its own two cities, with the KPIs its page
shows, and a design of that scenario that evaluate() costs the same: no session sees another's
sites or results.

    .venv/bin/python -m scripts.load_test [--sessions 10] [--out test-artifacts/load]

`make test-load` runs it as a test (tests/test_load.py, `pytest -m load`). Figures: RELIABILITY.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from playwright.async_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--disable-background-networking"]
SITES = ("SEA", "ONT", "DFW", "ORD", "ATL", "MDT", "MCO")  # the browser tests' seven
# The first two change the seven sites' optimum (a cheaper network opens them), so those
# sessions' results differ from the rest: a result leaking between sessions shows.
CITIES = ("Philadelphia, PA", "Newark, NJ", "Reno, NV", "Boise, ID", "Tucson, AZ", "Omaha, NE",
          "Tulsa, OK", "Louisville, KY", "Buffalo, NY", "Charlotte, NC", "Spokane, WA",
          "Fresno, CA", "Albuquerque, NM",
          "Des Moines, IA", "Wichita, KS", "Richmond, VA", "El Paso, TX", "Billings, MT",
          "Fargo, ND", "Portland, ME", "Savannah, GA", "Madison, WI", "Boston, MA",
          "Sacramento, CA", "Denver, CO", "Miami, FL")
# Generous: ten software-rendered maps on a shared 2-core machine. $LOAD_STEP_TIMEOUT_S shortens
# it (a mutation check that expects sessions to fail need not wait ten minutes for each).
STEP_TIMEOUT_MS = int(float(os.environ.get("LOAD_STEP_TIMEOUT_S", "600")) * 1000)
EXCEPTION = '[data-testid="stException"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING = '[data-testid="stApp"]:not([data-test-script-state="notRunning"])'


@dataclass
class SessionRun:
    """What one session did and saw."""

    cities: tuple[str, ...]
    load_s: float = 0.0
    rerun_s: list[float] = field(default_factory=list)
    solve_s: list[float] = field(default_factory=list)
    work_key: str = ""
    total_cost_shown: str = ""
    exceptions: int = 0
    problems: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# The server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served_app(folder: Path, store: Path):
    """The app as `make run` starts it, on the seven-site scenario and its own store file;
    yields (url, server process)."""
    from network.scenario_file import load_default_scenario, scenario_to_json

    default = load_default_scenario()
    scenario = default.with_changes(name="Load test (7 sites)", sites=tuple(
        s for s in default.sites if s.site_id in SITES))
    path = folder / "scenario.json"
    path.write_text(scenario_to_json(scenario))
    port = free_port()
    env = {**os.environ, "NETWORK_SCENARIO": str(path), "NETWORK_STORE": str(store)}
    with (folder / "streamlit.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.serve", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_for_port(port, proc)
            yield f"http://127.0.0.1:{port}/", proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_for_port(port: int, proc: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app server exited with code {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"the app server did not listen on port {port} in {timeout_s} s")


class MemorySampler:
    """The server's resident memory (its process and children), sampled in a thread; the
    peak of each phase."""

    def __init__(self, pid: int, every_s: float = 0.25) -> None:
        import psutil

        self._proc = psutil.Process(pid)
        self._every_s = every_s
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def rss_mb(self) -> float:
        import psutil

        total = 0
        for p in (self._proc, *self._proc.children(recursive=True)):
            try:
                total += p.memory_info().rss
            except psutil.Error:
                continue
        return total / 2**20

    def take_peak(self) -> float:
        """The peak since the last call, in MB."""
        peak, self._peak = self._peak, 0
        return round(max(peak, self.rss_mb()), 1)

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            self._peak = max(self._peak, self.rss_mb())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------------------------------------
# One session


async def timed_rerun(page, action, expect: str | None = None) -> float:
    """Seconds from `action` until the script run it starts is over (and `expect`, a text, is
    on the page)."""
    start = time.perf_counter()
    await action()
    with contextlib.suppress(PlaywrightTimeout):  # a quick run can be over before this looks
        await page.wait_for_selector(RUNNING, timeout=2_000)
    if expect is not None:  # or an exception, which ends the session at once
        await page.get_by_text(expect).first.or_(page.locator(EXCEPTION).first).wait_for(
            timeout=STEP_TIMEOUT_MS)
    await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_MS)
    seconds = time.perf_counter() - start
    if await page.locator(EXCEPTION).count():
        shown = await page.locator(EXCEPTION).first.inner_text()
        raise RuntimeError(f"exception on the page: {shown[:300]}")
    return seconds


async def add_city(page, run: SessionRun, city: str) -> None:
    box = page.get_by_label("Add a site: city or ZIP")
    await box.fill(city)
    run.rerun_s.append(await timed_rerun(page, lambda: box.press("Enter")))
    add = page.get_by_role("button", name="Add site", exact=True)
    run.rerun_s.append(await timed_rerun(page, add.click,
                                         expect=f"Added candidate site {city.split(',')[0]}"))


async def solve(page, run: SessionRun) -> None:
    button = page.get_by_role("button", name="Solve", exact=True)
    run.solve_s.append(await timed_rerun(page, button.click,
                                         expect=re.compile(r"Solved in [\d.]+ s")))


async def one_session(browser, url: str, cities: tuple[str, str]) -> SessionRun:
    """Open the app in a fresh context, add a city, solve, add another city, solve again;
    what it saw."""
    run = SessionRun(cities)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(STEP_TIMEOUT_MS)  # clicks too wait for a busy page
    page = await context.new_page()
    try:
        start = time.perf_counter()
        await page.goto(url, timeout=STEP_TIMEOUT_MS)
        await page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas',
                                     timeout=STEP_TIMEOUT_MS)
        await page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_MS)
        run.load_s = time.perf_counter() - start
        await add_city(page, run, cities[0])
        await solve(page, run)
        await add_city(page, run, cities[1])
        await solve(page, run)
        metrics = await page.locator('[data-testid="stMetric"]').all_inner_texts()
        total = next((m for m in metrics if m.startswith("Total annual cost")), "")
        run.total_cost_shown = re.search(r"\$[\d,]+", total).group(0) if total else ""
        run.exceptions = await page.locator(EXCEPTION).count()
        found = re.search(r"[?&]work=([^&]+)", page.url)
        run.work_key = found.group(1) if found else ""
    except Exception as exc:  # noqa: BLE001 - a session's failure is a finding, reported
        run.problems.append(f"{type(exc).__name__}: {str(exc)[:300]}")
        with contextlib.suppress(Exception):
            run.exceptions = await page.locator(EXCEPTION).count()
        shot = Path(tempfile.gettempdir()) / f"load-{cities[0].split(',')[0]}.png"
        with contextlib.suppress(Exception):  # the page may be beyond a screenshot
            await page.screenshot(path=str(shot), timeout=60_000)
            run.problems.append(f"screenshot: {shot}")
    finally:
        await context.close()
    return run


# ---------------------------------------------------------------------------------------------
# Isolation: each session's autosaved working copy


def check_isolation(store_path: Path, runs: list[SessionRun], timeout_s: float = 60) -> None:
    """Each session's working copy: the seven sites plus its own two cities, and the KPIs its
    page showed; a problem is added to the run otherwise."""
    from network.store import open_store

    store = open_store(str(store_path))
    try:
        for run in runs:
            if run.problems:
                continue
            problem = _working_copy_problem(store, run, timeout_s)
            if problem:
                run.problems.append(problem)
    finally:
        store.close()


def _working_copy_problem(store, run: SessionRun, timeout_s: float) -> str | None:
    from ui import fmt

    deadline = time.monotonic() + timeout_s
    while True:  # the autosave writes off the page's run: give it time
        copy = store.open_working_copy(run.work_key) if run.work_key else None
        names = _site_names(copy)
        wanted = [c.split(",")[0] for c in run.cities]
        mine = [n for n in names if any(n.startswith(w) for w in wanted)]
        if copy is not None and len(names) == len(SITES) + 2 and len(mine) == 2:
            break
        if time.monotonic() > deadline:
            return f"working copy {run.work_key!r} holds sites {names}, not the seven + {wanted}"
        time.sleep(0.5)
    total = (copy.content.kpis or {}).get("total_cost_usd")
    if total is None or fmt.usd(total) != run.total_cost_shown:
        return (f"the page showed {run.total_cost_shown} but the session's own solve "
                f"costs {total}")
    return _design_problem(copy)


def _design_problem(copy) -> str | None:
    """The saved design must be one of this scenario's, costing what its KPIs say: a result
    that came from another session's scenario fails here."""
    from network.errors import InputError
    from network.evaluate import evaluate
    from network.scenario_file import scenario_from_json

    scenario = scenario_from_json(copy.content.scenario_json)
    try:
        kpis = evaluate(scenario, copy.content.design).kpis
    except InputError as err:
        return f"the session's design is not its scenario's: {err.problems[0]}"
    if abs(kpis.total_cost_usd - copy.content.kpis["total_cost_usd"]) > 1.0:
        return (f"the session's design costs {kpis.total_cost_usd:,.0f} under its scenario, "
                f"not the {copy.content.kpis['total_cost_usd']:,.0f} it shows")
    return None


def _site_names(copy) -> list[str]:
    if copy is None:
        return []
    return [s["name"] for s in json.loads(copy.content.scenario_json)["sites"]]


# ---------------------------------------------------------------------------------------------
# The run


def p95(values: list[float]) -> float:
    """The 95th percentile (inclusive method: a value between two samples when few)."""
    if len(values) < 2:
        return round(values[0], 2) if values else float("nan")
    return round(statistics.quantiles(values, n=20, method="inclusive")[18], 2)


def summary(runs: list[SessionRun]) -> dict:
    reruns = [t for r in runs for t in r.rerun_s]
    solves = [t for r in runs for t in r.solve_s]
    return {"sessions": len(runs), "reruns": len(reruns), "solves": len(solves),
            "rerun_p50_s": round(statistics.median(reruns), 2) if reruns else None,
            "rerun_p95_s": p95(reruns), "rerun_max_s": round(max(reruns, default=0), 2),
            "solve_p50_s": round(statistics.median(solves), 2) if solves else None,
            "solve_p95_s": p95(solves), "solve_max_s": round(max(solves, default=0), 2),
            "first_load_p95_s": p95([r.load_s for r in runs if r.load_s])}


async def _drive(url: str, sessions: int, memory: MemorySampler) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=CHROMIUM_ARGS)
        memory.take_peak()
        alone = [await one_session(browser, url, (CITIES[-1], CITIES[-2]))]
        alone_peak = memory.take_peak()
        crowd = await asyncio.gather(*(
            one_session(browser, url, (CITIES[i], CITIES[i + sessions]))
            for i in range(sessions)))
        crowd_peak = memory.take_peak()
        await browser.close()
    return {"alone": alone, "crowd": list(crowd), "alone_peak": alone_peak,
            "crowd_peak": crowd_peak}


def run_load(sessions: int = 10, out: Path | None = None) -> dict:
    """The whole run; returns the figures (also written to `out`/load.json)."""
    if sessions < 1 or sessions * 2 > len(CITIES) - 2:
        raise ValueError(f"--sessions must be 1 to {(len(CITIES) - 2) // 2}")
    with tempfile.TemporaryDirectory(prefix="network-load-") as tmp:
        folder = Path(tmp)
        store = folder / "scenarios.db"
        with served_app(folder, store) as (url, proc):
            memory = MemorySampler(proc.pid)
            started_mb = round(memory.rss_mb(), 1)
            began = time.perf_counter()
            driven = asyncio.run(_drive(url, sessions, memory))
            seconds = round(time.perf_counter() - began, 1)
            ended_mb = round(memory.rss_mb(), 1)
            memory.stop()
        log = (folder / "streamlit.log").read_text()
        check_isolation(store, driven["alone"] + driven["crowd"])
    runs = driven["alone"] + driven["crowd"]
    figures = {
        "when_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end",
        "seconds": seconds,
        "alone": summary(driven["alone"]), "together": summary(driven["crowd"]),
        "server_rss_mb": {"started": started_mb, "peak_alone": driven["alone_peak"],
                          "peak_together": driven["crowd_peak"], "after": ended_mb},
        "server_log_tracebacks": log.count("Traceback"),
        "page_exceptions": sum(r.exceptions for r in runs),
        "problems": [f"{r.cities[0]}: {p}" for r in runs for p in r.problems],
        "sessions": [asdict(r) for r in runs],
    }
    for part in ("rerun", "solve"):
        alone, together = figures["alone"][f"{part}_p95_s"], figures["together"][f"{part}_p95_s"]
        figures[f"{part}_p95_ratio"] = round(together / alone, 1) if alone else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "load.json").write_text(json.dumps(figures, indent=2) + "\n")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "load")
    args = parser.parse_args(argv)
    figures = run_load(args.sessions, args.out)
    shown = {k: v for k, v in figures.items() if k != "sessions"}
    print(json.dumps(shown, indent=2))
    return 0 if not figures["problems"] and not figures["page_exceptions"] else 1


if __name__ == "__main__":
    sys.exit(main())
