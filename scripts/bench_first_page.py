"""First page only, alternating between checkouts of the app, for side-by-side comparisons.

    git worktree add /tmp/before <commit>
    .venv/bin/python scripts/bench_first_page.py --runs 12 /tmp/before .

Each round starts every checkout's server in turn, as `make run` does (`python -m ui.serve`
with this interpreter, from that checkout), and times from process start until the Designer's
map is drawn in headless Chromium with an empty cache (bench_app.py's first_page_s). The
machine is shared and noisy, so the checkouts alternate within each round and only their
medians over the same rounds are compared. Beside the wall time: when the map's element (the
largest websocket message) reached the browser (map_message_s: the rest, up to the first
page, is the browser's), and the CPU seconds the server used until the map was drawn
(server_cpu_s), which a busy machine inflates far less than wall time, and what Chromium's GPU
process (software WebGL and the page's frames, SwiftShader) and page renderer used over the
same time (gpu_cpu_s, renderer_cpu_s). Prints each run and a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_app import (
    CHROMIUM_ARGS,
    IDLE,
    MAP,
    chromium_cpu,
    cpu_seconds,
    cpu_used,
    free_port,
    stop,
    wait_listening,
)
from playwright.sync_api import sync_playwright


def first_page_s(browser, checkout: Path) -> tuple[float, ...]:
    """Seconds from server start to the map drawn and to the map's element reaching the
    browser, and the CPU seconds of the server, Chromium's GPU process and its renderer until
    the map was drawn."""
    port = free_port()
    context = browser.new_context(viewport={"width": 1600, "height": 1000})  # cache: empty
    page = context.new_page()
    frames: list[tuple[float, int]] = []  # (seconds from server start, size) per message
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.webSocketFrameReceived", lambda event: frames.append(
        (time.perf_counter() - start, len(event["response"]["payloadData"]))))
    chromium_before = chromium_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.serve", "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector(MAP, timeout=60_000)
        seconds = time.perf_counter() - start
        server_cpu = cpu_seconds(proc.pid)
        chromium_after = chromium_cpu()
        map_message = max(frames, key=lambda f: f[1])[0]
        page.wait_for_selector(IDLE, timeout=60_000)
    finally:
        context.close()
        stop(proc)
    return (seconds, map_message, server_cpu,
            *(cpu_used(chromium_before, chromium_after, kind) for kind in ("gpu-process",
                                                                          "renderer")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkouts", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args()
    times: dict[Path, list[tuple[float, ...]]] = {c: [] for c in args.checkouts}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=CHROMIUM_ARGS)
        for run in range(args.runs):
            for checkout in args.checkouts:
                times[checkout].append(first_page_s(browser, checkout))
                wall, message, server, gpu, renderer = times[checkout][-1]
                print(f"run {run + 1} {checkout}: {wall:.2f} s, map message {message:.2f} s, "
                      f"server CPU {server:.2f} s, GPU process {gpu:.2f} s, renderer "
                      f"{renderer:.2f} s (load {os.getloadavg()[0]:.1f})", flush=True)
        browser.close()
    print("\n| checkout | first page, median (s) | map_message_s | browser's part (s) | "
          "server_cpu_s | gpu_cpu_s | renderer_cpu_s | runs (s) |\n"
          "|---|---:|---:|---:|---:|---:|---:|---|")
    for checkout, runs in times.items():
        wall, message, server, gpu, renderer = ([r[i] for r in runs] for i in range(5))
        browser_part = [w - m for w, m in zip(wall, message, strict=True)]
        print(f"| {checkout} | {statistics.median(wall):.2f} | {statistics.median(message):.2f} "
              f"| {statistics.median(browser_part):.2f} | {statistics.median(server):.2f} | "
              f"{statistics.median(gpu):.2f} | {statistics.median(renderer):.2f} | "
              f"{', '.join(f'{x:.2f}' for x in wall)} |")


if __name__ == "__main__":
    main()
