"""Take the README's screenshots of a running Wishlist with demo data (headless Chromium).

Usage: start the app (`make run`), then `.venv/bin/python docs/make_screenshots.py [BASE_URL]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000"
OUT = Path(__file__).parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# (who signs in, path, file name, viewport width)
SHOTS = [
    ("customer@demo.test", "/", "forum.png", 1200),
    ("customer@demo.test", "/wishes/new", "new-wish.png", 1200),
    ("csm@demo.test", "/wishes/1", "wish-staff.png", 1200),
    ("customer@demo.test", "/?sort=trending", "forum-phone.png", 390),
    ("csm@demo.test", "/review/", "review-queue.png", 1200),
    ("csm@demo.test", "/review/bundles/1", "review-bundle.png", 1200),
    ("pm@demo.test", "/value/", "value-ranking.png", 1200),
    ("pm@demo.test", "/value/bundles/1", "value-bundle.png", 1200),
    ("pm@demo.test", "/backlog/", "backlog.png", 1440),
    ("customer@demo.test", "/roadmap", "roadmap.png", 1200),
]


def main() -> None:
    """Sign in as each role and save full-page PNGs under docs/screenshots/."""
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for email, path, name, width in SHOTS:
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            page.goto(BASE + "/login")
            page.fill("#email", email)
            page.fill("#password", "demo-password")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(BASE + path)
            page.screenshot(
                path=str(OUT / name), full_page=name not in ("forum.png", "backlog.png")
            )
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
