"""A share opened in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`, driven
by Selenium) against the local stack. The page renders (a screenshot that is not blank, the SVG charts
with their titles), the console stays empty, no request leaves the page's origin, it prints to PDF, and
hostile words render as text.

`make test` installs Chromium where it is missing on Debian as root (`make browser`); elsewhere this
test says so and is skipped.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.local_stack import LocalStack

HOSTILE = '<script>alert(1)</script></svg><img src=x onerror="alert(2)">'
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (CHROMIUM and DRIVER):
        pytest.skip("Chromium and chromedriver are not installed here (make browser installs them on Debian as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1024,1400"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def _shared_link(stack: LocalStack) -> str:
    token = stack.token("e2e-share-user")
    pulled = stack.request("GET", "/v1/sync?last_pulled_at=null", token=token).json()
    entry = {
        "id": "hard-day",
        "kind": "free",
        "title": HOSTILE,
        "body": HOSTILE,
        "mood": 2,
        "exercise_id": None,
        "created_at": 1_795_000_000_000,
        "updated_at": 1_795_000_000_000,
    }
    now = int(time.time() * 1000)
    day = 86_400_000
    sessions = [
        {
            "id": f"session-{n}",
            "exercise_id": "self-compassion-break",
            "started_at": now - n * 3 * day,
            "duration_s": 300,
            "feeling_before": 2,
            "feeling_after": 4,
            "note": None,
            "created_at": now - n * 3 * day,
            "updated_at": now - n * 3 * day,
        }
        for n in range(4)
    ]
    check_ins = [
        {"id": f"check-in-{n}", "instrument": "scs-sf", "answers": answers, "taken_at": now - (20 - 10 * n) * day}
        for n, answers in enumerate(("222233332222", "334433443344"))
    ]
    entry["created_at"] = entry["updated_at"] = now - day
    changes = {
        "journal_entries": {"created": [entry], "updated": [], "deleted": []},
        "practice_sessions": {"created": sessions, "updated": [], "deleted": []},
        "check_ins": {"created": check_ins, "updated": [], "deleted": []},
    }
    push = {"changes": changes}
    assert stack.request("POST", f"/v1/sync?last_pulled_at={pulled['timestamp']}", push, token=token).status == 200
    request = {
        "weeks": 8,
        "include": {"practice": True, "moods": True, "check_ins": True, "entry_ids": ["hard-day"]},
        "language": "en",
        "display_name": HOSTILE[:40],
    }
    created = stack.request("POST", "/v1/shares", request, token=token)
    assert created.status == 201
    url: str = created.json()["url"]
    assert url.startswith(stack.base_url + "/s/")
    return url


def test_a_share_renders_prints_and_keeps_to_its_origin_in_a_real_browser(stack: LocalStack, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    url = _shared_link(stack)
    browser.get("about:blank")
    blank = browser.get_screenshot_as_png()
    browser.get_log("performance")  # only this page's requests from here on

    browser.get(url)

    # The page renders: a screenshot unlike a blank page's, the charts with their titles
    shot = browser.get_screenshot_as_png()
    assert shot.startswith(b"\x89PNG")
    assert len(shot) > 3 * len(blank)
    titles = [title.get_attribute("textContent") for title in browser.find_elements(By.CSS_SELECTOR, "svg.chart title")]
    assert titles == [
        "Days practised per week",
        "Minutes of practice per week",
        "Average mood of the week's journal entries (1 to 5)",
        "SCS-SF score over time (1 to 5)",
    ]
    assert browser.find_elements(By.TAG_NAME, "main")
    # Hostile words are text: no script, no image, and shown as written
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_elements(By.TAG_NAME, "img") == []
    assert HOSTILE in browser.find_element(By.TAG_NAME, "article").text
    assert HOSTILE[:40] in browser.find_element(By.TAG_NAME, "header").text
    # The console is empty, and every request stays on the page's origin
    assert browser.get_log("browser") == []
    requested = [
        message["params"]["request"]["url"]
        for entry in browser.get_log("performance")
        if (message := json.loads(entry["message"])["message"])["method"] == "Network.requestWillBeSent"
    ]
    assert url in requested
    assert [r for r in requested if not r.startswith((stack.base_url + "/", "data:"))] == []
    # It prints: the browser's own PDF
    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 5_000
