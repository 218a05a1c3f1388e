"""Time every main page through gunicorn on a large installation, warm, as a customer and as staff.

Build the data first (SQLite in a folder of its own, or PostgreSQL with DATABASE_URL set):

    WISHLIST_INSTANCE_PATH=/tmp/wl-big WISHLIST_EMBEDDING_MODEL=off \\
        .venv/bin/flask --app app db upgrade
    WISHLIST_INSTANCE_PATH=/tmp/wl-big WISHLIST_EMBEDDING_MODEL=off \\
        .venv/bin/flask --app app demo --scale 100000 --votes 1000000

then run (the same environment; loopback only; it stops gunicorn when done):

    WISHLIST_INSTANCE_PATH=/tmp/wl-big .venv/bin/python -m bench.bench_pages [--requests 30]

Each page is requested once to warm the workers, then ``--requests`` times; p50 and p95 are
reported against the target (p95 < 100 ms; similar-wish suggestions < 30 ms). Writes (a vote,
a comment) are timed too, and the first backlog load after a vote. Rate limits are raised for
the run, since one bench user posts far more often than a person.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PASSWORD = "demo-password"
TARGET_MS = 100.0
SIMILAR_TARGET_MS = 30.0


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """A signed-in browser without a browser: a cookie jar and the last page's CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def get(self, path: str) -> tuple[int, str, float]:
        """GET a path: (status, body, seconds)."""
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=120) as response:
                body = response.read().decode("utf-8", "replace")
                status = response.status
        except urllib.error.HTTPError as exc:
            body, status = exc.read().decode("utf-8", "replace"), exc.code
        elapsed = time.perf_counter() - started
        found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', body)
        if found:
            self.token = found.group(1)
        return status, body, elapsed

    def post(self, path: str, data: dict[str, str]) -> tuple[int, float]:
        """POST a form with the CSRF token: (status, seconds); redirects are not followed."""
        payload = urllib.parse.urlencode({**data, "csrf_token": self.token}).encode()
        request = urllib.request.Request(self.base + path, data=payload, method="POST")
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return status, time.perf_counter() - started

    def login(self, email: str) -> None:
        """Sign in through the form."""
        self.get("/login")
        status, _ = self.post("/login", {"email": email, "password": PASSWORD})
        status, body, _ = self.get("/me/votes")
        if status != 200 or "/login" in body[:0]:
            raise SystemExit(f"could not sign in as {email} (status {status})")


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def warm(client: Client, path: str, workers: int) -> None:
    """Have every worker answer a path until it answers fast (its caches built).

    One request at a time can land on the same worker every time, leaving another cold; as
    many requests at once as there are workers keep them all busy, so each takes one.
    """
    for _ in range(10):
        with ThreadPoolExecutor(max_workers=workers) as pool:
            took = list(pool.map(lambda _: client.get(path)[2], range(workers)))
        if max(took) < 1:
            return


def report(label: str, statuses: set[int], timings: list[float], target: float) -> None:
    """One table line: statuses seen, p50 and p95 in ms, and whether p95 meets the target."""
    shown = "/".join(map(str, sorted(statuses)))
    verdict = "met" if p95(timings) < target else "NOT met"
    median = statistics.median(timings)
    print(f"{label:28} {shown:>6} {median:8.1f} {p95(timings):8.1f}  < {target:.0f} ms {verdict}")


def sample_ids() -> dict[str, int]:
    """A popular open wish and the customer's account facts, read from the database."""
    from sqlalchemy import select

    from wishlist import create_app
    from wishlist.extensions import db
    from wishlist.models import Wish

    app = create_app({"EMBEDDING_MODEL": "off"})
    with app.app_context():
        popular = db.session.scalar(
            select(Wish.id)
            .where(Wish.withdrawn_at.is_(None))
            .order_by(Wish.vote_count.desc())
            .limit(1)
        )
        middling = db.session.scalar(
            select(Wish.id).where(Wish.withdrawn_at.is_(None)).order_by(Wish.id).limit(1)
        )
        total = db.session.query(Wish).count()
        db.engine.dispose()
    return {"popular": popular or 1, "middling": middling or 1, "wishes": total}


def start_gunicorn(port: int, workers: int) -> subprocess.Popen[bytes]:
    """gunicorn serving the app on loopback; returns once it answers."""
    env = {
        **os.environ,
        "WISHLIST_POST_RATE_LIMIT": "100000 per minute",
        "WISHLIST_LOGIN_RATE_LIMIT": "1000 per minute",
    }
    process = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "app:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    """Warm each page, time it, and print a table against the targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    ids = sample_ids()
    port = free_port()
    server = start_gunicorn(port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        customer, staff = Client(base), Client(base)
        customer.login("customer@demo.test")
        staff.login("pm@demo.test")
        wish = ids["popular"]
        pages = [
            ("forum, top", customer, "/"),
            ("forum, newest", customer, "/?sort=newest"),
            ("forum, trending", customer, "/?sort=trending"),
            ("forum, text search", customer, "/?q=export"),
            ("forum, status filter", customer, "/?status=planned"),
            ("forum, page 50", customer, "/?page=50"),
            ("wish page, customer", customer, f"/wishes/{wish}"),
            ("wish page, staff", staff, f"/wishes/{wish}"),
            ("my votes", customer, "/me/votes"),
            ("roadmap", customer, "/roadmap"),
            ("backlog, first page", staff, "/backlog/"),
            ("value ranking, first page", staff, "/value/"),
            ("similar wishes", customer, "/api/v1/wishes/similar?title=export+invoices+to+csv"),
        ]
        print(
            f"{ids['wishes']:,} wishes; {args.workers} gunicorn workers; {args.requests} requests"
        )
        print(f"{'page':28} {'status':>6} {'p50 ms':>8} {'p95 ms':>8}  target")
        for label, client, path in pages:
            warm(client, path, args.workers)
            timings, statuses = [], set()
            for _ in range(args.requests):
                status, _, elapsed = client.get(path)
                timings.append(elapsed * 1000)
                statuses.add(status)
            target = SIMILAR_TARGET_MS if label == "similar wishes" else TARGET_MS
            report(label, statuses, timings, target)
        customer.get(f"/wishes/{ids['middling']}")
        for label, action in (
            ("vote", lambda n: customer.post(f"/wishes/{ids['middling']}/vote",
                                             {"importance": ("nice", "critical")[n % 2]})),
            ("comment", lambda n: customer.post(f"/wishes/{ids['middling']}/comments",
                                                {"body": f"Bench comment {n}"})),
        ):  # fmt: skip
            timings, statuses = [], set()
            for n in range(args.requests):
                status, elapsed = action(n)
                timings.append(elapsed * 1000)
                statuses.add(status)
            report(label, statuses, timings, TARGET_MS)
        after = []
        for n in range(5):
            customer.post(
                f"/wishes/{ids['middling']}/vote", {"importance": ("nice", "critical")[n % 2]}
            )
            time.sleep(2.5)  # past the workers' change-check interval
            _, _, elapsed = staff.get("/backlog/")
            after.append(elapsed * 1000)
        print(
            f"{'first backlog after a vote':28} {'':>6} {statistics.median(after):8.1f} "
            f"{max(after):8.1f}  < 300 ms {'met' if max(after) < 300 else 'NOT met'} (max of 5)"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
