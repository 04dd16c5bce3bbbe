"""A real browser (headless Chromium via Selenium) drives the running server, as a user would.

Skipped with a reason where Chromium or its driver is not installed, except in CI (CI=true), where
.ci/run installs Debian's chromium and chromium-driver and a missing browser is a failure.
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

from evidence.serve import serve_args
from tests.conftest import ROOT, query

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
ARTIFACTS = ROOT / "tests" / "artifacts"

if not (CHROMIUM and DRIVER):
    reason = "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
    if os.environ.get("CI"):
        pytest.fail(f"browser test cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from selenium import webdriver  # noqa: E402  (only importable where the browser test runs)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(real_db):
    port = free_port()
    args = serve_args(real_db, ROOT / "metadata.yml", "127.0.0.1", port)
    process = subprocess.Popen([sys.executable, "-m", "datasette", *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"server did not start: {process.stderr.read().decode()[-2000:]}")
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1100", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def table_rows(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")


def test_condition_facet_shows_only_that_condition(server, browser, real_db):
    browser.get(server + "/evidence/findings")
    facet = browser.find_element(By.CSS_SELECTOR, '.facet-info[data-column="condition"]')
    facet.find_element(By.PARTIAL_LINK_TEXT, "traumatic brain injury").click()
    WebDriverWait(browser, 10).until(EC.url_contains("condition=traumatic_brain_injury"))
    rows = table_rows(browser)
    expected = query(real_db, "select count(*) from findings where condition = 'traumatic_brain_injury'")[0][0]
    assert len(rows) == expected
    assert all("traumatic brain injury" in r.find_element(By.CSS_SELECTOR, "td.col-condition").text for r in rows)
    assert screenshot(browser, "findings-traumatic-brain-injury").stat().st_size > 0


def test_gap_map_cell_leads_to_the_filtered_table(server, browser, real_db):
    browser.get(server + "/gap-map")
    cell = browser.find_element(
        By.CSS_SELECTOR, 'td[data-condition="coronary_heart_disease"][data-intervention-type="combined"] a.count')
    shown = int(cell.text)
    screenshot(browser, "gap-map")
    cell.click()
    WebDriverWait(browser, 10).until(EC.url_contains("intervention_type=combined"))
    assert "condition=coronary_heart_disease" in browser.current_url
    assert len(table_rows(browser)) == shown == query(
        real_db, "select count(*) from findings where condition = 'coronary_heart_disease' and intervention_type = 'combined'")[0][0]


def test_a_conclusion_with_its_quote_in_three_clicks(server, browser):
    browser.get(server + "/")
    browser.find_element(By.LINK_TEXT, "traumatic brain injury (traumatisch hersenletsel)").click()  # 1
    WebDriverWait(browser, 10).until(EC.url_contains("condition=traumatic_brain_injury"))
    browser.find_element(By.LINK_TEXT, "kumar-2017-f4").click()  # 2
    WebDriverWait(browser, 10).until(EC.url_contains("/evidence/findings/kumar-2017-f4"))
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "⊕⊕⊕◯ moderate" in page and "What the source says" in page
    assert "likely results in little to no difference in return to work in medium term (1 year)" in page
    screenshot(browser, "finding-kumar-2017-f4")


def test_search_all_finds_across_tables(server, browser):
    browser.get(server + "/evidence")
    box = browser.find_element(By.CSS_SELECTOR, 'input[name="q"]')
    box.send_keys("rehabilitation")
    box.submit()
    WebDriverWait(browser, 15).until(
        lambda d: "kumar-2017" in d.find_element(By.TAG_NAME, "body").text)
    screenshot(browser, "search-all")
