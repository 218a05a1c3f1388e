"""Time the CSV imports: 10,000 accounts, then 100,000 wishes, into a fresh SQLite database.

Target: both together under 60 s on a 2-core machine. Files are generated with a fixed seed
into bench/out/; the database lives in a temporary instance folder that is removed afterwards.

Run: .venv/bin/python -m bench.bench_import [--accounts N] [--wishes N] [--seed N]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from bench.vocabulary import AREAS, SEED, TIERS, WORDS

OUT_DIR = Path(__file__).resolve().parent / "out"
PLATFORMS = ["salesforce", "hubspot", "sap", "dynamics"]
REGIONS = ["emea", "us", "apac", "latam"]


def write_accounts(path: Path, count: int, rng: random.Random) -> None:
    """An accounts file with every column filled in on most rows."""
    # Imported here: the app's configuration reads the environment that main() sets first.
    from wishlist.services import imports

    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(imports.ACCOUNT_COLUMNS)
        for n in range(1, count + 1):
            arr = f"{rng.uniform(1_000, 3_000_000):,.2f}" if rng.random() < 0.5 else ""
            segments = f"platform={rng.choice(PLATFORMS)};region={rng.choice(REGIONS)}"
            renewal = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            out.writerow(
                [
                    f"Company {n}",
                    f"company{n}.test",
                    arr,
                    rng.choice(TIERS),
                    renewal,
                    segments,
                    f"CRM-{n}",
                ]  # fmt: skip
            )


def write_wishes(path: Path, count: int, accounts: int, rng: random.Random) -> None:
    """A wishes file: accounts by domain or name, a third with a contact's email."""
    from wishlist.services import imports

    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(imports.WISH_COLUMNS)
        for n in range(1, count + 1):
            a = rng.randint(1, accounts)
            account = f"company{a}.test" if rng.random() < 0.5 else f"Company {a}"
            email = f"user{rng.randint(1, 5)}@company{a}.test" if rng.random() < 0.33 else ""
            title = " ".join(rng.choices(WORDS, k=rng.randint(3, 9))).capitalize()
            body = " ".join(rng.choices(WORDS, k=rng.randint(0, 120)))
            created = (
                f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                if rng.random() < 0.5
                else ""
            )
            out.writerow(
                [
                    title,
                    body,
                    account,
                    email,
                    rng.choice(["nice", "important", "critical", ""]),
                    rng.choice(AREAS + [""]),
                    f"W-{n}",
                    created,
                ]
            )


def main() -> None:
    """Generate the files, import them into a fresh database, and print the times."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--wishes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()

    OUT_DIR.mkdir(exist_ok=True)
    rng = random.Random(args.seed)
    accounts_csv = OUT_DIR / f"import_accounts_{args.accounts}.csv"
    wishes_csv = OUT_DIR / f"import_wishes_{args.wishes}.csv"
    write_accounts(accounts_csv, args.accounts, rng)
    write_wishes(wishes_csv, args.wishes, args.accounts, rng)

    instance = tempfile.mkdtemp(prefix="wishlist-bench-")
    # The app reads the instance folder (database, secret key) when it is created.
    os.environ["WISHLIST_INSTANCE_PATH"] = instance
    os.environ.pop("DATABASE_URL", None)
    try:
        from flask_migrate import upgrade

        from wishlist import create_app
        from wishlist.extensions import db
        from wishlist.models import ProductArea, Role, User
        from wishlist.services.imports import import_accounts, import_wishes

        # Imports are measured here, not embedding (bench_dedupe --semantic measures that).
        app = create_app({"EMBEDDING_MODEL": "off"})
        with app.app_context():
            upgrade()
            admin = User(email="admin@vendor.test", name="Admin", role=Role.ADMIN)
            db.session.add(admin)
            db.session.add_all(ProductArea(name=name) for name in AREAS)
            db.session.commit()

            started = time.perf_counter()
            accounts = import_accounts(accounts_csv, admin)
            t_accounts = time.perf_counter() - started
            started = time.perf_counter()
            wishes = import_wishes(wishes_csv, admin, rebundle=False)
            t_wishes = time.perf_counter() - started
            started = time.perf_counter()
            again = import_wishes(wishes_csv, admin, rebundle=False)
            t_again = time.perf_counter() - started
            db.engine.dispose()
        print(f"accounts: {args.accounts:>7} rows {t_accounts:6.2f}s  {accounts}")
        print(f"wishes:   {args.wishes:>7} rows {t_wishes:6.2f}s  {wishes}")
        print(f"total:                 {t_accounts + t_wishes:6.2f}s  (target < 60 s)")
        print(f"re-import of wishes:   {t_again:6.2f}s  {again}")
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
