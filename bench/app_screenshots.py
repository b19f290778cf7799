"""Screenshots for the docs, taken in headless Chromium (Debian's /usr/bin/chromium through Playwright).

Usage::

    .venv/bin/python bench/app_screenshots.py --replay DIR --report DIR [--data data/demo] [--out docs/img]

* ``explorer-whatif.png``: ``cdn app`` on the scenario, What-if page with edge disk x 1.2 and the busiest
  link failed;
* ``explorer-forecast.png``: the Forecast page;
* ``explorer-replay.png``: the explorer's Replay page showing ``--replay``;
* ``replay-page.png``: the replay's own ``index.html`` (``cdn replay --out DIR``);
* ``accuracy-report.png``: ``report.html`` of ``cdn report accuracy --out DIR``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
METRIC = "[data-testid=stMetricValue]"


def serve(data: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    given = [] if data == (REPO / "data" / "demo").resolve() else ["--data", str(data)]  # bundled: its own label
    proc = subprocess.Popen([sys.executable, "-m", "cdn", "app", "--port", str(port), *given], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read()
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"cdn app did not start on {url}")


def settle(page) -> None:
    """Wait until Streamlit has finished the run (no running indicator) and charts are drawn."""
    page.wait_for_timeout(800)
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=600_000)
    page.wait_for_timeout(1500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO / "data" / "demo")
    parser.add_argument("--replay", type=Path, required=True)
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    from cdn.scenario import load_scenario
    from cdn.whatif import Knobs, evaluate, link_utilisation

    scenario = load_scenario(args.data)
    busiest = link_utilisation(evaluate(scenario, scenario.last_date, Knobs(model="ewma")).simulation).sort_values(
        "utilisation", ascending=False).iloc[0]
    failed = f"{busiest['src']}--{busiest['dst']}"
    proc, url = serve(args.data.resolve())
    try:
        with sync_playwright() as pw:
            chrome = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
            page = chrome.new_page(viewport={"width": 1500, "height": 1400}, device_scale_factor=1)
            page.goto(url)
            page.locator(METRIC).first.wait_for(timeout=600_000)
            before = "|".join(page.locator(METRIC).all_inner_texts())
            knob = page.get_by_role("spinbutton", name="Edge disk x")
            knob.fill("1.2")
            knob.press("Enter")
            page.wait_for_function("old => Array.from(document.querySelectorAll('[data-testid=stMetricValue]'))"
                                   ".map(e => e.innerText).join('|') !== old", arg=before, timeout=600_000)
            settle(page)
            before = "|".join(page.locator(METRIC).all_inner_texts())
            page.get_by_role("combobox", name="Failed sites or links").first.click()
            page.keyboard.type(failed)
            page.keyboard.press("Enter")
            page.keyboard.press("Escape")
            page.wait_for_function("old => Array.from(document.querySelectorAll('[data-testid=stMetricValue]'))"
                                   ".map(e => e.innerText).join('|') !== old", arg=before, timeout=600_000)
            settle(page)
            page.locator("[data-testid=stSidebarContent]").evaluate("e => e.scrollTo(0, 0)")
            page.screenshot(path=args.out / "explorer-whatif.png")
            page.goto(f"{url}/forecast")
            page.locator(".js-plotly-plot").first.wait_for(timeout=600_000)
            settle(page)
            page.screenshot(path=args.out / "explorer-forecast.png")
            page.goto(f"{url}/replay")
            page.get_by_text("another directory").click()
            box = page.get_by_label("Replay directory (written by cdn replay --out DIR)")
            box.fill(str(args.replay.resolve()))
            box.press("Enter")
            page.locator(".js-plotly-plot").first.wait_for(timeout=600_000)
            settle(page)
            page.screenshot(path=args.out / "explorer-replay.png", full_page=True)
            for name, html in (("replay-page.png", args.replay / "index.html"),
                               ("accuracy-report.png", args.report / "report.html")):
                page = chrome.new_page(viewport={"width": 1300, "height": 1100})
                page.goto(html.resolve().as_uri())
                page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
                page.wait_for_timeout(1500)
                page.screenshot(path=args.out / name, full_page=True)
            chrome.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    for path in sorted(args.out.glob("*.png")):
        print(f"{path}: {path.stat().st_size / 1000:,.0f} kB")


if __name__ == "__main__":
    main()
