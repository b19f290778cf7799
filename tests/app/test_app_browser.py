"""The explorer in a real browser: ``cdn app`` serves it, headless Chromium moves a knob, the KPIs change.

Chromium is Debian's (``/usr/bin/chromium``; Playwright's own browser builds cannot be downloaded here),
installed by ``.ci/run`` when missing. The test skips without it locally, and fails without it in CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI") == "true"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).is_file() and not IN_CI,
                       reason="no chromium (apt-get install chromium); CI installs it and runs this test"),
]
METRIC = "[data-testid=stMetricValue]"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server():
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "cdn", "app", "--port", str(port), "--data",
                             str(ROOT / "data" / "demo")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.read() == b"ok":
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"cdn app did not start on {url}: {out}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_moving_a_knob_in_chromium_changes_the_kpis(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(server)
            page.locator(METRIC).first.wait_for(timeout=180_000)
            before = page.locator(METRIC).all_inner_texts()
            assert len(before) == 7
            page.screenshot(path=tmp_path / "baseline.png", full_page=True)
            knob = page.get_by_role("spinbutton", name="Edge disk x")
            knob.fill("2")
            knob.press("Enter")
            page.wait_for_function(
                "old => Array.from(document.querySelectorAll('[data-testid=stMetricValue]'))"
                ".map(e => e.innerText).join('|') !== old", arg="|".join(before), timeout=60_000)
            page.wait_for_timeout(500)  # let the rerun finish drawing
            after = page.locator(METRIC).all_inner_texts()
            page.screenshot(path=tmp_path / "edge_disk_x2.png", full_page=True)
        finally:
            browser.close()
    assert after != before
    assert float(after[0]) > float(before[0])  # twice the edge disk: a higher edge byte hit ratio
    assert (tmp_path / "edge_disk_x2.png").stat().st_size > 10_000
