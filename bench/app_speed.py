"""Speed of the what-if explorer (app.py) on a scenario: first render and knob changes.

Usage::

    .venv/bin/python bench/app_speed.py [--data data/demo] [--repeat 3] [--browser] [--json FILE]

Measured with streamlit's AppTest in one process (the caches of ``st.cache_data`` and ``st.cache_resource``
live as long as the process, as in a running server):

* ``cold first render``: the first session, nothing cached (load, forecast, baseline plan, simulate);
* ``warm first render``: a new session once the caches hold the scenario's baseline (median of --repeat);
* one knob change at a time in a warm session, each to a value not seen before (median of --repeat values;
  of the two models' first forecasts for the model):
  edge disk and demand growth (plan and simulation rerun), a failed link and a surprise hit (simulation
  only), the forecast model ewma (forecast, plan and simulation), solver highs (the integer program, up to
  its time limit).

``--browser`` also times the same in headless Chromium against ``cdn app`` (page load to KPIs shown, and
a knob typed to new KPIs shown), which adds the websocket and the drawing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def timed(step: Callable[[], object]) -> float:
    began = time.perf_counter()
    step()
    return time.perf_counter() - began


def apptest(data: Path, repeat: int) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    from cdn.scenario import load_scenario
    from cdn.whatif import APP_DATA_ENV

    os.environ[APP_DATA_ENV] = str(data)
    scenario = load_scenario(data)
    link = sorted(f"{a}--{b}" for a, b in (sorted(e) for e in scenario.graph.edges))
    day = scenario.day(scenario.last_date)
    top = day.groupby("title_id")["views"].sum().sort_values(ascending=False).index[0]
    regions = sorted(scenario.region_site())

    def session():
        return AppTest.from_file(str(REPO / "app.py"), default_timeout=600)

    def check(at):
        assert not at.exception, [e.value for e in at.exception]
        assert at.metric, "no KPIs shown"
        return at

    results: dict[str, float] = {}
    at = session()
    results["cold first render"] = timed(lambda: check(at.run()))
    warm = []
    for _ in range(repeat):
        at = session()
        warm.append(timed(lambda at=at: check(at.run())))
    results["warm first render"] = statistics.median(warm)
    changes: dict[str, Callable[[object, int], None]] = {
        "edge disk x (replan + simulate)": lambda a, i: a.number_input(key="edge_disk").set_value(1.1 + 0.1 * i),
        "failed link (simulate)": lambda a, i: a.multiselect(key="failures").set_value([link[i % len(link)]]),
        "surprise hit (simulate)": lambda a, i: (a.selectbox(key="hit_title").set_value(str(top)),
                                                  a.multiselect(key="hit_regions").set_value(regions[:3]),
                                                  a.number_input(key="hit_factor").set_value(5.0 + i)),
        "demand growth % (replan + simulate)": lambda a, i: a.number_input(key="growth").set_value(10.0 + 5 * i),
        "model ewma, snaive7 (forecast + replan + simulate)":
            lambda a, i: a.selectbox(key="model").set_value(("ewma", "snaive7")[i]),
        "solver highs (integer program)": lambda a, i: (a.selectbox(key="solver").set_value("highs"),
                                                         a.number_input(key="time_limit").set_value(20.0 + i)),
    }
    for name, change in changes.items():
        seconds = []
        for i in range(min(repeat, 2) if name.startswith("model") else repeat):  # each model's first forecast
            at = check(session().run())
            change(at, i)
            seconds.append(timed(lambda at=at: check(at.run())))
        results[name] = statistics.median(seconds)
    return results


def browser(data: Path, repeat: int) -> dict[str, float]:
    import socket
    import subprocess
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "cdn", "app", "--port", str(port), "--data", str(data)], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    metric = "[data-testid=stMetricValue]"
    changed = ("old => Array.from(document.querySelectorAll('[data-testid=stMetricValue]'))"
               ".map(e => e.innerText).join('|') !== old")
    results: dict[str, float] = {}
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            chrome = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
            def render() -> tuple[float, float]:
                """Seconds from a new page's load to the KPIs shown and to the map drawn (then it closes)."""
                page = chrome.new_page(viewport={"width": 1500, "height": 1100})
                began = time.perf_counter()
                page.goto(url)
                page.locator(metric).first.wait_for(timeout=600_000)
                shown = time.perf_counter() - began
                page.locator(".js-plotly-plot").first.wait_for(timeout=600_000)
                drawn = time.perf_counter() - began
                page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')",
                                       timeout=600_000)
                page.close()
                return shown, drawn

            cold = render()
            results["browser: cold first render, KPIs shown"], results["browser: cold first render, map drawn"] = cold
            warm = [render() for _ in range(repeat)]
            results["browser: warm first render, KPIs shown"] = statistics.median(w[0] for w in warm)
            results["browser: warm first render, map drawn"] = statistics.median(w[1] for w in warm)
            page = chrome.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(url)
            page.locator(metric).first.wait_for(timeout=600_000)
            before = "|".join(page.locator(metric).all_inner_texts())
            knob = page.get_by_role("spinbutton", name="Edge disk x")
            knob.fill("1.7")
            began = time.perf_counter()
            knob.press("Enter")
            page.wait_for_function(changed, arg=before, timeout=600_000)
            results["browser: edge disk x to KPIs shown"] = time.perf_counter() - began
            chrome.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO / "data" / "demo")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--browser", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = apptest(args.data.resolve(), args.repeat)
    if args.browser:
        results.update(browser(args.data.resolve(), args.repeat))
    for name, seconds in results.items():
        print(f"{name:>50}: {seconds:6.2f} s")
    if args.json:
        args.json.write_text(json.dumps({"data": str(args.data), "repeat": args.repeat, "seconds": results},
                                        indent=2) + "\n")


if __name__ == "__main__":
    main()
