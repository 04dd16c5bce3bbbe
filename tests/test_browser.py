"""A real browser (headless Chromium via Selenium) drives the running server, as a user would: on a
laptop (1400 px) and a phone (400 px), in English and Dutch, with axe-core checking accessibility.

Skipped with a reason where Chromium or its driver is not installed, except in CI (CI=true), where
.ci/run installs Debian's chromium and chromium-driver and axe-core (npm ci in tests/browser), and a
missing browser or axe-core is a failure. Screenshots go to tests/artifacts/.
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
from tests.page_types import PAGE_TYPES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP, PHONE = (1400, 1000), (400, 850)

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


def start_server(db: Path, metadata: Path):
    port = free_port()
    args = serve_args(db, metadata, "127.0.0.1", port)
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
    return base, process


@pytest.fixture(scope="module")
def server(real_db):
    base, process = start_server(real_db, ROOT / "metadata.yml")
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def bounded_server(real_db, tmp_path_factory):
    """The site with bounds small enough for the real data to reach them (metadata.yml's plugins: evidence:)."""
    import yaml

    from evidence.metadata import read

    metadata = read(ROOT / "metadata.yml")
    metadata["plugins"]["evidence"].update(search_max_matches=3, search_ranked=2, condition_findings_per_comparison=1)
    path = tmp_path_factory.mktemp("bounded") / "metadata.yml"
    path.write_text(yaml.safe_dump(metadata, allow_unicode=True), encoding="utf-8")
    base, process = start_server(real_db, path)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", f"--window-size={LAPTOP[0]},{LAPTOP[1]}",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(5)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def laptop(browser):
    browser.set_window_size(*LAPTOP)
    return browser


@pytest.fixture
def phone(browser):
    browser.set_window_size(*PHONE)
    yield browser
    browser.set_window_size(*LAPTOP)


def screenshot(driver, name: str, full: bool = True) -> Path:
    """The page (as long as it is, up to 4000 px) saved as tests/artifacts/NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    if full:
        driver.set_window_size(width, min(driver.execute_script("return document.documentElement.scrollHeight"), 4000))
    driver.save_screenshot(str(path))
    driver.set_window_size(width, height)
    return path


def table_rows(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")


def body(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def status(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as e:
        return e.code


# --- the phone -----------------------------------------------------------------------------------

def test_phone_labels_name_the_cell_beside_them(server, phone):
    phone.get(server + "/evidence/findings?condition=traumatic_brain_injury")
    headings = [th.get_attribute("textContent").strip().rstrip("▲▼").strip()
                for th in phone.find_elements(By.CSS_SELECTOR, "table.rows-and-columns thead th")]
    first = table_rows(phone)[0].find_elements(By.TAG_NAME, "td")
    labels = [phone.execute_script("return getComputedStyle(arguments[0], '::before').content", td).strip('"')
              for td in first]
    assert labels == headings and labels[:3] == ["Certainty", "Statement", "Effect (95% CI)"]
    certainty = first[0].text
    assert "moderate" in certainty or "low" in certainty  # the certainty sits under "Certainty"
    assert phone.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]  # no sideways scrolling
    screenshot(phone, "phone-findings", full=False)
    phone.get(server + "/condition/cancer")
    screenshot(phone, "phone-condition-cancer", full=False)


# --- the laptop: finding things ---------------------------------------------------------------------

def test_findings_table_fits_a_laptop_screen(server, laptop):
    laptop.get(server + "/evidence/findings")
    assert laptop.execute_script("return document.documentElement.scrollWidth") <= LAPTOP[0]
    right = laptop.execute_script("return document.querySelector('table.compact').getBoundingClientRect().right")
    assert right <= LAPTOP[0]
    screenshot(laptop, "findings", full=False)


def test_condition_facet_shows_only_that_condition(server, laptop, real_db):
    laptop.get(server + "/evidence/findings")
    facet = laptop.find_element(By.CSS_SELECTOR, '.facet-info[data-column="condition"]')
    for more in facet.find_elements(By.CSS_SELECTOR, "details.facet-more summary"):  # "Show all (17)"
        more.click()
    facet.find_element(By.LINK_TEXT, "traumatic brain injury").click()
    WebDriverWait(laptop, 10).until(EC.url_contains("condition=traumatic_brain_injury"))
    rows = table_rows(laptop)
    expected = query(real_db, "select count(*) from findings where condition = 'traumatic_brain_injury'")[0][0]
    assert len(rows) == expected
    assert all(r.find_element(By.CSS_SELECTOR, "td.col-condition").text == "traumatic brain injury" for r in rows)
    screenshot(laptop, "findings-traumatic-brain-injury")


def test_gap_map_cell_leads_to_the_filtered_table(server, laptop, real_db):
    laptop.get(server + "/gap-map")
    cell = laptop.find_element(
        By.CSS_SELECTOR, 'td[data-condition="coronary_heart_disease"][data-intervention-type="combined"] a.count')
    shown = int(cell.text.split()[0].rstrip("⊕◯–"))
    assert "⊕" in cell.text  # certainty by symbol, not colour alone
    screenshot(laptop, "gap-map", full=False)
    cell.click()
    WebDriverWait(laptop, 10).until(EC.url_contains("intervention_type=combined"))
    assert "condition=coronary_heart_disease" in laptop.current_url
    assert len(table_rows(laptop)) == shown == query(
        real_db, "select count(*) from findings where condition = 'coronary_heart_disease' and intervention_type = "
                 "'combined' and same_result_as is null")[0][0]


def test_a_finding_and_its_quote_in_three_clicks_by_condition(server, laptop):
    laptop.get(server + "/")
    laptop.find_element(By.LINK_TEXT, "traumatic brain injury").click()  # 1: the condition
    WebDriverWait(laptop, 10).until(EC.url_contains("/condition/traumatic_brain_injury"))
    screenshot(laptop, "condition-traumatic-brain-injury")
    laptop.find_element(By.PARTIAL_LINK_TEXT, "likely results in little to no difference in return to work in medium term (1 year)").click()  # 2
    WebDriverWait(laptop, 10).until(EC.url_contains("/evidence/findings/kumar-2017-f4"))
    page = body(laptop)
    assert "⊕⊕⊕◯ moderate" in page and "What the source says" in page
    quote = laptop.find_element(By.CSS_SELECTOR, "blockquote.source-quote").text
    assert "likely results in little to no difference in return to work in medium term (1 year)" in quote
    screenshot(laptop, "finding-kumar-2017-f4")
    # the document the quote was read in: its page, by title
    document = laptop.find_element(By.CSS_SELECTOR, ".read-in a[href^='/documents/']")
    href = document.get_attribute("href")
    assert status(href) == 200 and ".txt" not in document.text
    document.click()  # 3
    WebDriverWait(laptop, 10).until(EC.url_contains("/documents/"))
    assert "Error" not in laptop.find_element(By.TAG_NAME, "h1").text


def test_a_recommendation_and_the_finding_behind_it_in_three_clicks_by_the_guideline(server, laptop):
    laptop.get(server + "/")
    laptop.find_element(By.PARTIAL_LINK_TEXT, "Read the guideline's recommendations").click()  # 1
    WebDriverWait(laptop, 10).until(EC.url_contains("/guideline"))
    laptop.find_element(By.LINK_TEXT, "Arbeid in de spreekkamer").click()  # 2: the module and its recommendations
    WebDriverWait(laptop, 10).until(EC.url_contains("/guideline/q2"))
    assert laptop.find_element(By.ID, "q2-r1").is_displayed()
    screenshot(laptop, "guideline-q2")
    # 3: the finding, among the conclusions grouped under their population headings
    laptop.find_element(By.CSS_SELECTOR, "ul.conclusions a[href$='/evidence/findings/kumar-2017-f3']").click()
    WebDriverWait(laptop, 10).until(EC.url_contains("/evidence/findings/kumar-2017-f3"))
    assert "What the source says" in body(laptop) and laptop.find_element(By.CSS_SELECTOR, "blockquote.source-quote").text


def test_a_recommendation_from_a_condition_page(server, laptop):
    laptop.get(server + "/condition/cancer")
    laptop.find_element(By.CSS_SELECTOR, "ul.recommendations a[href*='#q2-r']").click()
    WebDriverWait(laptop, 10).until(EC.url_contains("/guideline/q2#q2-r"))
    target = laptop.current_url.split("#")[1]
    assert laptop.find_element(By.ID, target).is_displayed()


def test_dutch_search_finds_and_marks_the_words(server, laptop):
    laptop.get(server + "/?lang=nl")
    assert laptop.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"
    box = laptop.find_element(By.CSS_SELECTOR, 'header input[name="q"]')
    box.send_keys("hersenletsel")
    box.submit()
    WebDriverWait(laptop, 15).until(EC.url_contains("/search?q=hersenletsel"))
    cards = laptop.find_elements(By.CSS_SELECTOR, "#results-findings li.result-card a.card-title")
    assert cards and all("/evidence/findings/kumar-2017-f" in c.get_attribute("href") for c in cards)
    assert laptop.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"  # remembered (cookie)
    screenshot(laptop, "search-hersenletsel-nl")
    laptop.get(server + "/search?q=rehab*&lang=en")
    assert laptop.find_elements(By.CSS_SELECTOR, "mark")


# --- labels that fit their box, in both languages ----------------------------------------------------

# Every kind of card and label box: the certainty beside a finding card (condition page, search), the
# record kind beside a search card (recommendation, consideration, evaluation, source), the certainty
# cell of the findings table, and facet labels. Issue 28: "niet met GRADE beoordeeld" ran over the text.
LABEL_BOXES = ".card-certainty, td.col-certainty, ul.facet-values li, .facet-info, .facets, th"
LABEL_PAGES = ("/condition/cancer", "/condition/chronic_pain", "/search?q=werk", "/evidence/findings",
               "/evidence/findings?condition=cancer", "/evidence/economic_evaluations")


def overflowing(driver, selector: str) -> list[str]:
    """The boxes whose content is wider than the box (scrollWidth > clientWidth): text that runs over."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].filter(e => e.offsetParent !== null && "
        "e.scrollWidth > e.clientWidth + 1).map(e => e.className + ': ' + e.textContent.trim().slice(0, 60) + "
        "' (' + e.scrollWidth + ' > ' + e.clientWidth + ')');", selector)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("width", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_no_label_runs_over_its_box_on_any_card(server, browser, lang, width):
    browser.set_window_size(*width)
    found, measured = {}, 0
    for path in LABEL_PAGES:
        browser.get(server + path + ("&" if "?" in path else "?") + f"lang={lang}")
        measured += browser.execute_script("return document.querySelectorAll(arguments[0]).length", LABEL_BOXES)
        if bad := overflowing(browser, LABEL_BOXES):
            found[path] = bad
    browser.set_window_size(*LAPTOP)
    browser.get(server + "/?lang=en")  # the language is remembered (a cookie): English again for the tests after
    assert measured > 50  # the pages hold cards of every kind
    assert found == {}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_phone_menu_shows_every_item_without_sideways_scrolling(server, phone, lang):
    phone.get(server + f"/?lang={lang}")
    items = phone.execute_script(
        "return [...document.querySelectorAll('ul.site-nav a')].map(a => [a.textContent.trim(), "
        "a.getBoundingClientRect().left, a.getBoundingClientRect().right, a.scrollWidth, a.clientWidth])")
    assert len(items) == 5
    for text, left, right, scroll, client in items:  # issue 28: "Dowi…" cut off at the right
        assert 0 <= left and right <= PHONE[0], text
    nav = phone.find_element(By.CSS_SELECTOR, "header.site-header nav")
    assert phone.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth", nav)
    assert phone.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    # the front page on a phone: the conditions one line each (issue 28: 7,064 px tall)
    height = phone.execute_script("return document.documentElement.scrollHeight")
    phone.get(server + "/?lang=en")
    assert height < 3500


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("width", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_gap_map_says_it_scrolls_sideways(server, browser, lang, width):
    browser.set_window_size(*width)
    browser.get(server + f"/gap-map?lang={lang}")
    box = browser.find_element(By.CSS_SELECTOR, ".gap-map-wrapper")
    wider = browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", box)
    hint = browser.find_element(By.ID, "gap-map-hint")
    assert wider and hint.is_displayed() and ("opzij" if lang == "nl" else "sideways") in hint.text
    assert "more-right" in box.find_element(By.XPATH, "..").get_attribute("class")  # the shadow on the edge
    browser.execute_script("arguments[0].scrollLeft = arguments[0].scrollWidth", box)
    WebDriverWait(browser, 5).until(lambda d: "more-right" not in box.find_element(By.XPATH, "..").get_attribute("class"))
    browser.set_window_size(*LAPTOP)
    browser.get(server + "/?lang=en")


# Every page type, at both widths, in both languages: kept as artifacts to look at (tests/artifacts/).


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("width", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_every_page_type_fits_its_width_and_is_kept_as_a_screenshot(server, browser, lang, width):
    browser.set_window_size(*width)
    wide = {}
    for name, path in PAGE_TYPES.items():
        browser.get(server + path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
        if browser.execute_script("return document.documentElement.scrollWidth") > width[0]:
            wide[name] = browser.execute_script("return document.documentElement.scrollWidth")
        screenshot(browser, f"{name}-{lang}-{width[0]}", full=False)
    browser.set_window_size(*LAPTOP)
    browser.get(server + "/?lang=en")
    assert wide == {}  # wide tables scroll inside their own box, never the page


# --- accessibility ---------------------------------------------------------------------------------

AXE_PAGES = {
    "front": "/", "findings-table": "/evidence/findings", "finding": "/evidence/findings/kumar-2017-f3",
    "source": "/evidence/sources/kumar-2017", "condition": "/condition/cancer", "gap-map-page": "/gap-map",
    "search": "/search?q=werk", "guideline": "/guideline", "question": "/guideline/q2",
    "query": "/evidence/condition_evidence?condition=cancer", "document": "/documents/published-facts",
    "economic-evaluations": "/evidence/economic_evaluations", "data": "/data",
}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        reason = "needs axe-core: (cd tests/browser && npm ci)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


def axe_violations(driver, source: str) -> list[dict]:
    driver.execute_script(source)
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}}).then(r => done(r.violations.map(v => ("
        "{id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))));")


PHONE_PAGES = ("front", "findings-table", "finding", "condition", "search", "gap-map-page")


@pytest.mark.parametrize("width", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_no_serious_or_critical_accessibility_violations(server, browser, axe_source, width):
    browser.set_window_size(*width)
    found = {}
    for name, path in AXE_PAGES.items():
        if width == PHONE and name not in PHONE_PAGES:
            continue
        browser.get(server + path)
        serious = [v for v in axe_violations(browser, axe_source) if v["impact"] in ("serious", "critical")]
        if serious:
            found[path] = serious
        if width == LAPTOP and name in ("front", "source", "condition", "question", "query", "document", "data"):
            screenshot(browser, name)
        if width == PHONE and name in ("front", "finding", "search"):
            screenshot(browser, f"phone-{name}", full=False)
    browser.set_window_size(*LAPTOP)
    assert found == {}


def test_bounded_pages_say_what_they_show_and_lead_to_the_rest(bounded_server, laptop, axe_source):
    """A search with very many matches, the site search and a condition page with more findings than it
    lists: each says so where it is seen, and the condition page leads to the comparison's findings."""
    laptop.get(bounded_server + "/evidence/findings?_search=work")
    notice = laptop.find_element(By.CSS_SELECTOR, ".search-bounded")
    assert notice.is_displayed() and "the first 3" in notice.text
    assert len(laptop.find_elements(By.CSS_SELECTOR, ".compact-table tbody tr, table tbody tr")) == 3
    laptop.get(bounded_server + "/search?q=work")
    assert laptop.find_element(By.CSS_SELECTOR, ".search-ranked").is_displayed()
    laptop.get(bounded_server + "/condition/cancer")
    violations = [v for v in axe_violations(laptop, axe_source) if v["impact"] in ("serious", "critical")]
    assert violations == []
    screenshot(laptop, "condition-bounded")
    more = laptop.find_element(By.CSS_SELECTOR, ".more-findings a")
    assert more.is_displayed()
    more.click()
    WebDriverWait(laptop, 10).until(EC.url_contains("intervention_type="))
    assert "_sort_desc=certainty_rank" in laptop.current_url
    assert laptop.find_elements(By.CSS_SELECTOR, ".filter-chip")
