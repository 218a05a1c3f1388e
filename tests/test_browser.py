"""The forum in a real browser (headless Chromium driven by Playwright), when one is installed."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from . import factories

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Chromium (apt-get install chromium)"
)


@pytest.fixture
def live_server(app) -> Iterator[str]:  # noqa: ANN001
    """Serve the test app on a free local port in a background thread."""
    app.config.update(WTF_CSRF_ENABLED=True)  # the browser goes through the real forms
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(live_server):  # noqa: ANN001, ANN201
    """A fresh headless Chromium page."""
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()


def test_customer_submits_votes_and_comments_in_a_browser(live_server, page, people):
    other = factories.make_wish(people["other"], "Offline mode for the mobile app")
    page.goto(live_server + "/")
    assert "/login" in page.url
    page.fill("#email", "carol@acme.test")
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")
    assert page.locator(".wish-title").all_inner_texts() == ["Offline mode for the mobile app"]

    page.click("text=Submit a wish")
    page.fill("#title", "Dark mode <b>please</b>")
    page.fill("#body", "Long evenings closing the books 🌙")
    page.check("input[name=importance][value=critical]")
    page.click("button:has-text('Submit wish')")
    page.wait_for_selector("text=Your wish is posted")
    assert page.locator("h1").inner_text() == "Dark mode <b>please</b>"
    assert page.locator(".imp--critical").inner_text() == "1 critical"

    page.goto(f"{live_server}/wishes/{other.id}")
    page.check("input[name=importance][value=nice]")
    page.click("button:has-text('Vote')")
    page.wait_for_selector("text=Remove my vote")
    assert page.locator(".vote-count.big").inner_text() == "2"

    page.fill("#body", "We need this for field audits.")
    page.click("button:has-text('Post comment')")
    page.wait_for_selector("text=Your comment is posted")
    assert "We need this for field audits." in page.locator("#comments").inner_text()

    page.goto(live_server + "/me/votes")
    assert sorted(page.locator(".wish-title").all_inner_texts()) == [
        "Dark mode <b>please</b>",
        "Offline mode for the mobile app",
    ]


def test_layout_fits_a_phone_screen(live_server, page, people):
    factories.make_wish(people["other"], "A wish with a rather long title " * 4)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server + "/login")
    page.fill("#email", "carol@acme.test")
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
