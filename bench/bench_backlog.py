"""Time the backlog on 10,000 bundles, 100,000 wishes, ~300,000 votes and 2,000 accounts.

Targets: the backlog answers in < 200 ms p95 once scored (warm), and every export of all
10,000 rows takes < 5 s. Data is generated with a fixed seed and bulk-inserted into a fresh
SQLite database (migrated with Alembic) in a temporary instance folder, removed afterwards.

Run: .venv/bin/python -m bench.bench_backlog [--bundles N] [--wishes N] [--votes-per-wish N]
     [--accounts N] [--calls N] [--seed N]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bench.vocabulary import AREAS, SEED, TIERS, WORDS

THEMES = ["Enterprise readiness", "Integrations", "Self-serve", "Analytics", "Mobile first"]
PLATFORMS = ["salesforce", "hubspot", "sap", "dynamics"]
REGIONS = ["emea", "us", "apac", "latam"]
INDUSTRIES = [f"industry-{n}" for n in range(12)]
IMPORTANCES = ["nice", "important", "critical"]
STATUSES = ["new", "new", "new", "under_review", "planned", "in_progress", "shipped", "declined"]
USERS_PER_ACCOUNT = 4


def _title(rng: random.Random) -> str:
    """A wish-like title."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize()


def populate(args: argparse.Namespace) -> dict[str, int]:
    """Bulk-insert the synthetic data with Core inserts; returns row counts."""
    from sqlalchemy import insert

    from wishlist.extensions import db
    from wishlist.models import (
        Account,
        AccountFlag,
        Bundle,
        ProductArea,
        Role,
        Theme,
        User,
        Vote,
        Wish,
    )

    rng = random.Random(args.seed)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    session = db.session
    session.execute(insert(ProductArea.__table__), [{"name": n, "description": ""} for n in AREAS])
    session.execute(
        insert(Theme.__table__),
        [{"name": n, "description": "", "active": True, "created_at": now} for n in THEMES],
    )
    session.execute(
        insert(User.__table__),
        [
            {
                "email": "pm@vendor.test",
                "name": "PM",
                "role": Role.PM.value,
                "active": True,
                "created_at": now,
            }
        ],
    )
    accounts = []
    for n in range(1, args.accounts + 1):
        segments = {"region": rng.choice(REGIONS), "industry": rng.choice(INDUSTRIES)}
        if rng.random() < 0.8:
            segments["platform"] = rng.choice(PLATFORMS)
        accounts.append(
            {
                "id": n,
                "name": f"Company {n}",
                "email_domain": f"company{n}.test",
                "arr": Decimal(round(10 ** rng.uniform(3, 6.3), 2)).quantize(Decimal("0.01")),
                "tier": rng.choice(TIERS),
                "segments": segments,
                "created_at": now,
            }
        )
    session.execute(insert(Account.__table__), accounts)
    users = []
    user_account = {}
    next_user = 2
    for account in accounts:
        for k in range(USERS_PER_ACCOUNT):
            users.append(
                {
                    "id": next_user,
                    "email": f"user{k}@{account['email_domain']}",
                    "name": f"User {k} of {account['name']}",
                    "role": Role.CUSTOMER.value,
                    "account_id": account["id"],
                    "active": True,
                    "created_at": now,
                }
            )
            user_account[next_user] = account["id"]
            next_user += 1
    session.execute(insert(User.__table__), users)
    user_ids = list(user_account)

    bundles = []
    for n in range(1, args.bundles + 1):
        fit = rng.choice([None, None, 0, 1, 2, 3, 4, 5])
        bundles.append(
            {
                "id": n,
                "title": _title(rng),
                "description": "",
                "confirmed": rng.random() < 0.6,
                "status": rng.choice(STATUSES),
                "status_reason": "",
                "strategic_fit": fit,
                "theme_id": rng.randint(1, len(THEMES)) if fit is not None else None,
                "created_at": now,
                "updated_at": now,
            }
        )
    session.execute(insert(Bundle.__table__), bundles)

    wishes = []
    votes = []
    for n in range(1, args.wishes + 1):
        author = rng.choice(user_ids)
        # Every bundle gets wishes first; the rest land anywhere, a few stay unbundled.
        if n <= args.bundles:
            bundle_id = n
        elif rng.random() < 0.95:
            bundle_id = rng.randint(1, args.bundles)
        else:
            bundle_id = None
        created = now - timedelta(minutes=args.wishes - n)
        wishes.append(
            {
                "id": n,
                "title": _title(rng),
                "body": "",
                "product_area_id": rng.randint(1, len(AREAS)),
                "author_id": author,
                "account_id": user_account[author],
                "status": "new",
                "status_reason": "",
                "withdrawn_at": now if rng.random() < 0.02 and n > args.bundles else None,
                "created_at": created,
                "updated_at": created,
                "bundle_id": bundle_id,
                "bundle_state": None if bundle_id is None else "confirmed",
            }
        )
        voters = rng.sample(user_ids, rng.randint(0, 2 * args.votes_per_wish))
        if author not in voters:
            voters.append(author)
        for voter in voters:
            votes.append(
                {
                    "user_id": voter,
                    "account_id": user_account[voter],
                    "wish_id": n,
                    "importance": rng.choice(IMPORTANCES),
                    "created_at": created,
                    "updated_at": created,
                }
            )
    session.execute(insert(Wish.__table__), wishes)
    session.execute(insert(Vote.__table__), votes)
    flags = {}
    for _ in range(args.bundles // 20):
        key = (rng.randint(1, args.bundles), rng.randint(1, args.accounts), "churn_risk")
        flags[key] = {
            "bundle_id": key[0],
            "account_id": key[1],
            "kind": key[2],
            "amount": None if rng.random() < 0.5 else Decimal(rng.randint(1, 300) * 1000),
            "note": "",
            "created_by_id": 1,
            "created_at": now,
        }
    session.execute(insert(AccountFlag.__table__), list(flags.values()))
    session.commit()
    return {
        "accounts": len(accounts),
        "users": len(users),
        "bundles": len(bundles),
        "wishes": len(wishes),
        "votes": len(votes),
        "flags": len(flags),
    }


def filters(count: int, seed: int) -> list[object]:
    """Different filters and sorts, as product managers click through the page."""
    from wishlist.models import WishStatus
    from wishlist.services.backlog import SORT_COLUMNS, BacklogFilter

    rng = random.Random(seed)
    made = []
    for n in range(count):
        f = BacklogFilter(sort=SORT_COLUMNS[n % len(SORT_COLUMNS)])
        kind = n % 8
        if kind == 1:
            f.statuses = rng.sample(list(WishStatus), 2)
        elif kind == 2:
            f.themes = [rng.choice(THEMES).upper()]
        elif kind == 3:
            f.min_score = rng.choice([10.0, 25.0, 40.0])
        elif kind == 4:
            f.tiers = ["enterprise"]
        elif kind == 5:
            f.segments = [f"platform={rng.choice(PLATFORMS)}"]
        elif kind == 6:
            f.q = rng.choice(WORDS)
        elif kind == 7:
            f.area_ids = [rng.randint(1, len(AREAS))]
            f.include_off_strategy = True
        made.append(f)
    return made


def p95(samples: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    """Build the data, then time cold and warm backlogs and each export."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--bundles", type=int, default=10_000)
    parser.add_argument("--wishes", type=int, default=100_000)
    parser.add_argument("--votes-per-wish", type=int, default=2, help="mean extra voters")
    parser.add_argument("--calls", type=int, default=50, help="warm calls timed")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--keep", metavar="DIR", help="instance folder to keep (and reuse when it has data)"
    )
    args = parser.parse_args()

    instance = args.keep or tempfile.mkdtemp(prefix="wishlist-bench-")
    reuse = bool(args.keep) and os.path.exists(os.path.join(instance, "wishlist.sqlite"))
    # The app reads the instance folder (database, secret key) when it is created.
    os.environ["WISHLIST_INSTANCE_PATH"] = instance
    os.environ.pop("DATABASE_URL", None)
    try:
        from flask_migrate import upgrade

        from wishlist import create_app
        from wishlist.extensions import db
        from wishlist.services import backlog as backlog_service
        from wishlist.services.backlog import BacklogFilter
        from wishlist.services.export import FORMATS, export_backlog

        # Ranking and exports are measured here, not embedding.
        app = create_app({"EMBEDDING_MODEL": "off"})
        if not reuse:
            with app.app_context():
                upgrade()
                started = time.perf_counter()
                counts = populate(args)
                print(f"data: {counts} in {time.perf_counter() - started:.1f}s")
                db.session.remove()

        with app.test_request_context("/backlog/"):
            started = time.perf_counter()
            every = backlog_service.backlog(BacklogFilter(include_off_strategy=True))
            cold = time.perf_counter() - started
            print(f"cold backlog(): {cold:.2f}s for {len(every)} bundles (scores everything)")

            started = time.perf_counter()
            for _ in range(10):
                backlog_service._base_fingerprint()
                backlog_service._journal_state(0)
            print(f"change check: {(time.perf_counter() - started) * 100:.1f} ms per call")

            # With the default, the fingerprint is checked at most every 2 s while nothing is
            # written here; with 0 it is checked on every call (the worst case: another
            # worker writes all the time).
            for max_age in (None, 0):
                if max_age is not None:
                    app.config["BACKLOG_FINGERPRINT_MAX_AGE"] = max_age
                timings = []
                sizes = []
                for f in filters(args.calls, args.seed):
                    started = time.perf_counter()
                    rows = backlog_service.backlog(f)
                    timings.append(time.perf_counter() - started)
                    sizes.append(len(rows))
                label = "default" if max_age is None else f"max age {max_age}"
                print(
                    f"warm backlog() [{label}]: {len(timings)} calls, "
                    f"p50 {statistics.median(timings) * 1000:.0f} ms, "
                    f"p95 {p95(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms "
                    f"(rows {min(sizes)}-{max(sizes)}; target p95 < 200 ms)"
                )

            # A vote, then the first backlog: only the voted bundle is rescored (the journal).
            from sqlalchemy import select

            from wishlist.models import User, Vote
            from wishlist.services import wishes as wish_service

            voter = db.session.scalar(select(User).where(User.account_id.is_not(None)).limit(1))
            targets = list(db.session.scalars(select(Vote.wish_id).limit(10)))
            after = []
            for n, wish_id in enumerate(targets):
                wish_service.cast_vote(voter, wish_id, ("nice", "critical")[n % 2])
                started = time.perf_counter()
                backlog_service.backlog(BacklogFilter())
                after.append(time.perf_counter() - started)
            print(
                f"first backlog() after a vote: {len(after)} votes, "
                f"p50 {statistics.median(after) * 1000:.0f} ms, "
                f"max {max(after) * 1000:.0f} ms (target < 300 ms)"
            )

            rows = backlog_service.backlog(BacklogFilter(include_off_strategy=True))
            for fmt in FORMATS:
                started = time.perf_counter()
                content, _, _ = export_backlog(rows, fmt)
                took = time.perf_counter() - started
                print(
                    f"export {fmt:>4}: {len(rows)} rows {took:5.2f}s "
                    f"{len(content) / 1e6:5.1f} MB (target < 5 s)"
                )
        with app.app_context():
            # The page itself, through the app: filters parsed, the ranking, the template.
            from wishlist.models import Role, User

            staff = db.session.query(User).filter(User.role == Role.PM).first()
            if staff is None:
                staff = User(email="bench-pm@vendor.test", name="Bench PM", role=Role.PM)
                db.session.add(staff)
                db.session.commit()
            # Sessions carry the user's session token (Flask-Login's alternative id).
            staff_id = staff.get_id()
            db.session.remove()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = staff_id
            session["_fresh"] = True
        app.config["BACKLOG_FINGERPRINT_MAX_AGE"] = 2.0
        client.get("/backlog/")  # warm this worker's cache
        pages = [
            "/backlog/",
            "/backlog/?sort=revenue_at_risk",
            "/backlog/?q=report",
            "/backlog/?status=new",
            "/backlog/?min_score=20",
            "/backlog/?page=3",
        ]
        timings = []
        for n in range(args.calls):
            started = time.perf_counter()
            response = client.get(pages[n % len(pages)])
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        print(
            f"GET /backlog/ page: {len(timings)} requests, "
            f"p50 {statistics.median(timings) * 1000:.0f} ms, "
            f"p95 {p95(timings) * 1000:.0f} ms (target p95 < 200 ms)"
        )
        with app.app_context():
            db.engine.dispose()
    finally:
        if not args.keep:
            shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
