"""Load: simulated customers vote, change importance, unvote, comment and read, then a check.

Each simulated customer signs in as a different customer of the installation and, for the
given time, repeats a random action: read the forum or a wish page (half the time), vote
with an importance, change it, take it back, or comment. Afterwards the script compares
what the database holds with what it was told: every vote it last set is there with that
importance, every vote it took back is gone, every comment it posted is stored once, and
every wish's counters equal a recount. Loopback only; it starts and stops gunicorn itself.

Build the data first (see bench_pages.py), then, in the same environment:

    .venv/bin/python -m bench.bench_load [--users 50] [--seconds 60] [--workers 4]

Targets (the scaling issue): at least 250 requests/s with p95 under 300 ms on PostgreSQL
with 4 workers, and no lost or doubled write.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import random
import statistics
import threading
import time
import urllib.request
from collections import Counter

from bench.bench_pages import Client, free_port, p95, start_gunicorn

IMPORTANCES = ("nice", "important", "critical")


class _Stay(urllib.request.HTTPRedirectHandler):
    """Answer a redirect with itself: a write is one request, not a write and a page."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        """Do not follow."""
        return None


class Customer(Client):
    """A signed-in customer whose writes are timed without the page they redirect to."""

    def __init__(self, base: str) -> None:
        super().__init__(base)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _Stay()
        )


def customers_and_wishes(users: int, seed: int) -> tuple[list[str], list[int]]:
    """Customer emails to sign in as, and open wishes they act on (a few hundred, so they meet)."""
    from sqlalchemy import select

    from wishlist import create_app
    from wishlist.extensions import db
    from wishlist.models import Role, User, Wish

    app = create_app({"EMBEDDING_MODEL": "off"})
    with app.app_context():
        emails = list(
            db.session.scalars(
                select(User.email)
                .where(
                    User.role == Role.CUSTOMER, User.active.is_(True), User.account_id.is_not(None)
                )
                .order_by(User.id)
                .limit(users)
            )
        )
        wishes = list(
            db.session.scalars(
                select(Wish.id).where(Wish.withdrawn_at.is_(None)).order_by(Wish.id).limit(300)
            )
        )
        db.engine.dispose()
    random.Random(seed).shuffle(wishes)
    return emails, wishes


def check(expected: dict[tuple[str, int], str | None], comments: Counter[str]) -> list[str]:
    """What the database holds against what the customers were told; problems found."""
    from sqlalchemy import func, select

    from wishlist import create_app
    from wishlist.extensions import db
    from wishlist.models import Comment, User, Vote
    from wishlist.services import counters

    problems: list[str] = []
    app = create_app({"EMBEDDING_MODEL": "off"})
    with app.app_context():
        ids = dict(db.session.execute(select(User.email, User.id)).all())
        for (email, wish_id), importance in expected.items():
            found = db.session.scalars(
                select(Vote.importance).where(Vote.user_id == ids[email], Vote.wish_id == wish_id)
            ).all()
            stored = [i.value for i in found]
            if stored != ([importance] if importance else []):
                problems.append(f"{email} on wish {wish_id}: told {importance}, stored {stored}")
        for body, times in comments.items():
            stored = db.session.scalar(select(func.count()).where(Comment.body == body))
            if stored != times:
                problems.append(f"comment {body!r}: posted {times}, stored {stored}")
        problems += [f"counter {m}" for m in counters.check()]
        db.engine.dispose()
    return problems


def main() -> None:
    """Run the simulated customers, then report throughput, latency and the write check."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20261208)
    args = parser.parse_args()
    emails, wishes = customers_and_wishes(args.users, args.seed)
    port = free_port()
    server = start_gunicorn(port, args.workers)
    base = f"http://127.0.0.1:{port}"
    timings: list[float] = []
    errors: Counter[str] = Counter()
    expected: dict[tuple[str, int], str | None] = {}
    comments: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(emails) + 1)
    run_id = f"{time.time():.0f}"

    def customer(n: int, email: str) -> None:
        rng = random.Random(args.seed + n)
        client = Customer(base)
        client.login(email)
        client.get("/")
        mine = rng.sample(wishes, 12)  # each customer cares about a dozen wishes
        start.wait()
        deadline = time.monotonic() + args.seconds
        count = 0
        while time.monotonic() < deadline:
            wish = rng.choice(mine)
            roll = rng.random()
            if roll < 0.5:
                path = rng.choice(["/", "/?sort=trending", f"/wishes/{wish}", "/me/votes"])
                status, _, took = client.get(path)
                ok, action = status == 200, None
            elif roll < 0.8:
                importance = rng.choice(IMPORTANCES)
                status, took = client.post(f"/wishes/{wish}/vote", {"importance": importance})
                ok, action = status in (200, 302), ("vote", importance)
            elif roll < 0.9:
                status, took = client.post(f"/wishes/{wish}/unvote", {})
                ok, action = status in (200, 302), ("vote", None)
            else:
                count += 1
                body = f"Load {run_id} {n} {count}"
                status, took = client.post(f"/wishes/{wish}/comments", {"body": body})
                ok, action = status in (200, 302), ("comment", body)
            with lock:
                timings.append(took * 1000)
                if not ok:
                    errors[str(status)] += 1
                elif action and action[0] == "vote":
                    expected[(email, wish)] = action[1]
                elif action:
                    comments[action[1]] += 1

    threads = [threading.Thread(target=customer, args=(n, email)) for n, email in enumerate(emails)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    server.terminate()
    server.wait(timeout=30)
    problems = check(expected, comments)
    print(
        f"{len(emails)} customers, {args.workers} workers, {elapsed:.0f} s: "
        f"{len(timings)} requests, {len(timings) / elapsed:.0f} requests/s, "
        f"p50 {statistics.median(timings):.0f} ms, p95 {p95(timings):.0f} ms, "
        f"errors {dict(errors) or 0}"
    )
    print(
        f"checked {len(expected)} votes and {sum(comments.values())} comments: "
        f"{len(problems)} lost or doubled writes"
    )
    for problem in problems[:20]:
        print("  ", problem)


if __name__ == "__main__":
    main()
