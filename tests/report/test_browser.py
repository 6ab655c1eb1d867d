"""The report page in a real headless browser (Debian chromium + chromedriver, driven by Selenium):
it loads without console errors, the scene filter hides rows, a screenshot is taken and is not blank.

Skips when chromium, chromedriver or selenium is missing, except under CI (the CI variable set), where
it fails: CI installs them (`apt-get install -y chromium chromium-driver`, `pip install selenium`).
"""

import importlib.util
import io
import os
import shutil

import numpy as np
import pytest

pytestmark = pytest.mark.slow

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1600"]


def _need_browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    missing = [n for n, ok in (("chromium", chromium), ("chromedriver", driver)) if not ok]
    if importlib.util.find_spec("selenium") is None:
        missing.append("selenium (pip)")
    if missing:
        msg = f"headless browser test needs {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(msg + " (CI is set: apt-get install -y chromium chromium-driver; pip install selenium)")
        pytest.skip(msg)
    return chromium, driver


@pytest.fixture
def browser(tmp_path):
    chromium, driver_path = _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for f in FLAGS + [f"--user-data-dir={tmp_path / 'chrome-profile'}"]:
        opts.add_argument(f)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()


def _severe(drv):
    return [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]


def test_report_page_in_chromium(browser, outs, tmp_path):      # browser first: a skip renders nothing
    from selenium.webdriver.common.by import By

    from simgen.report.html import build_report

    # the log collector must see a real script error, or "no errors" below would prove nothing
    canary = tmp_path / "canary.html"
    canary.write_text("<!DOCTYPE html><html><body><script>throw new Error('canary-error')</script></body></html>")
    browser.get(canary.as_uri())
    assert any("canary-error" in e["message"] for e in _severe(browser))

    page = tmp_path / "report.html"
    build_report([outs["clean"], outs["degraded"]], page)
    browser.get(page.as_uri())
    assert _severe(browser) == [], "console errors on the report page"
    assert browser.title.startswith("simgen dataset report")

    rows = browser.find_elements(By.CSS_SELECTOR, "section.scene")
    assert len(rows) == 2 and all(r.is_displayed() for r in rows)
    count = browser.find_element(By.ID, "scene-count")
    assert count.text == "2 of 2 scenes shown"
    # the inlined pictures decode in the browser: the sheets, and the evidence frames once a QA sample is opened
    for summary in browser.find_elements(By.CSS_SELECTOR, "section.scene details:not([open]) > summary"):
        summary.click()
    n_img = browser.execute_script("return document.images.length")
    assert n_img >= 4 and browser.execute_script(
        "return Array.from(document.images).every(function (i) { return i.complete && i.naturalWidth > 100; })")

    box = browser.find_element(By.ID, "scene-filter")
    box.send_keys("fog")                                   # only the degraded scene mentions fog
    shown = [r for r in rows if r.is_displayed()]
    assert [r.find_element(By.TAG_NAME, "h3").text for r in shown] == ["degraded/000000"]
    assert count.text == "1 of 2 scenes shown"
    box.clear()
    box.send_keys("no-such-thing")
    assert not any(r.is_displayed() for r in rows) and count.text == "0 of 2 scenes shown"
    box.clear()
    box.send_keys(" ")                                     # clear() fires no input event; typing does
    assert all(r.is_displayed() for r in rows) and count.text == "2 of 2 scenes shown"

    png = browser.get_screenshot_as_png()
    (tmp_path / "report.png").write_bytes(png)
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert img.shape[0] >= 800 and img.shape[1] >= 1000
    assert img.std() > 20 and len(np.unique(img.reshape(-1, 3)[::7], axis=0)) > 200   # not blank
    assert _severe(browser) == []
