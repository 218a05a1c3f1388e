"""Similar-wish suggestions against 100,000 wishes: p95 latency in-process and over HTTP.

Run: .venv/bin/python -m bench.bench_similar_http [--rows 100000] [--queries 300] [--semantic]
     [--gunicorn]
Needs bench/out/rows_N.csv (`python -m bench.make_rows N`). Builds a SQLite database in a
temporary instance folder, loads the rows as wishes, fits the index once, then times
`matching.similar_wishes` directly and `GET /api/v1/wishes/similar` through a local server
(and, with --gunicorn, through gunicorn serving the same instance folder in its own process).

With --semantic, the wishes' stored embeddings are filled from bench/out/embeddings_N.npz
(made by `bench.bench_dedupe N --semantic`; rows missing from it are embedded), and every
query also embeds its draft, as the endpoint does.
"""

from __future__ import annotations

import argparse
import csv
import http.cookiejar
import logging
import os
import random
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile of the values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def store_embeddings(rows: list[tuple[str, str]], cache_path: Path) -> int:
    """Fill wish_embedding for wishes 1..n from an embedding cache file, as the app would."""
    from wishlist.dedupe.embedding import EmbeddingCache, wish_vectors
    from wishlist.services import matching

    model = matching.embedder()
    if model is None:
        raise SystemExit(f"--semantic: {matching.semantic_status()[1]}")
    titles, bodies = [t for t, _ in rows], [b for _, b in rows]
    vectors = wish_vectors(model, titles, bodies, cache=EmbeddingCache(cache_path))
    matching._store(
        model,
        {n + 1: (matching._text_hash(titles[n], bodies[n]), vectors[n]) for n in range(len(rows))},
    )
    return len(rows)


def main() -> None:
    """Load wishes, fit, and time suggestions both ways."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--semantic", action="store_true", help="with sentence embeddings")
    parser.add_argument(
        "--gunicorn", action="store_true", help="also time the endpoint served by gunicorn"
    )
    args = parser.parse_args()
    os.environ["WISHLIST_INSTANCE_PATH"] = os.environ.get(
        "WISHLIST_BENCH_INSTANCE"
    ) or tempfile.mkdtemp(prefix="wishlist-bench-")
    os.environ.pop("DATABASE_URL", None)

    from flask_migrate import upgrade
    from sqlalchemy import insert
    from werkzeug.serving import make_server

    from wishlist import create_app
    from wishlist.extensions import db
    from wishlist.models import Account, Role, User, Vote, Wish
    from wishlist.services import matching
    from wishlist.services.users import hash_password

    app = create_app(
        {
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "EMBEDDING_MODEL": "" if args.semantic else "off",
        }
    )
    with app.app_context():
        upgrade()
        account = Account(name="Bench Corp", email_domain="bench.test")
        db.session.add(account)
        db.session.flush()
        user = User(
            email="bench@bench.test",
            name="Bench",
            role=Role.CUSTOMER,
            account_id=account.id,
            password_hash=hash_password("bench-password"),
        )
        db.session.add(user)
        db.session.flush()
        with (OUT / f"rows_{args.rows}.csv").open(newline="", encoding="utf-8") as handle:
            rows = [(r["title"][:200], r["body"]) for r in csv.DictReader(handle)]
        started = time.perf_counter()
        db.session.execute(
            insert(Wish),
            [
                {"title": t, "body": b, "author_id": user.id, "account_id": account.id}
                for t, b in rows
            ],
        )
        db.session.execute(
            insert(Vote),
            [
                {"user_id": user.id, "account_id": account.id, "wish_id": n + 1}
                for n in range(0, len(rows), 7)
            ],
        )
        db.session.commit()
        print(f"loaded {len(rows):,} wishes in {time.perf_counter() - started:.1f}s")
        if args.semantic:
            started = time.perf_counter()
            stored = store_embeddings(rows, OUT / f"embeddings_{args.rows}.npz")
            print(f"stored {stored:,} embeddings in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        matching.rebuild_index()
        print(f"fitted and saved the index in {time.perf_counter() - started:.1f}s")
        rng = random.Random(7)
        probes = [rng.choice(rows) for _ in range(args.queries)]
        # Queries as typed: a title and the start of a description.
        queries = [(t, b[:200]) for t, b in probes]
        matching.similar_wishes(*queries[0])  # warm the worker's copy
        timings = []
        for title, body in queries:
            t0 = time.perf_counter()
            matching.similar_wishes(title, body, 5, min_score=0.1)
            timings.append((time.perf_counter() - t0) * 1000)
        print(
            f"in-process: p50 {statistics.median(timings):.1f} ms, "
            f"p95 {percentile(timings, 95):.1f} ms, max {max(timings):.1f} ms"
        )

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    timings = time_http(f"http://127.0.0.1:{server.server_port}", queries)
    server.shutdown()
    report("HTTP (threaded development server, client in this process)", timings)
    if args.gunicorn:
        timings = time_gunicorn(queries, args.semantic)
        report("HTTP (gunicorn, 1 sync worker, client in this process)", timings)


def report(label: str, timings: list[float]) -> None:
    """Print p50, p95 and max of request timings."""
    print(
        f"{label}: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {percentile(timings, 95):.1f} ms, max {max(timings):.1f} ms "
        f"over {len(timings)} requests"
    )


def time_http(base: str, queries: list[tuple[str, str]]) -> list[float]:
    """Sign in (with the form's CSRF token when there is one) and time each suggestion request."""
    import re

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"email": "bench@bench.test", "password": "bench-password"}
    if token:
        form["csrf_token"] = token.group(1)
    opener.open(base + "/login", data=urllib.parse.urlencode(form).encode()).read()

    def get(title: str, body: str) -> None:
        """One suggestion request."""
        query = urllib.parse.urlencode({"title": title, "body": body, "limit": 5})
        with opener.open(f"{base}/api/v1/wishes/similar?{query}") as response:
            response.read()

    get(*queries[0])  # the worker loads the index file on its first request
    timings = []
    for title, body in queries:
        t0 = time.perf_counter()
        get(title, body)
        timings.append((time.perf_counter() - t0) * 1000)
    return timings


def time_gunicorn(queries: list[tuple[str, str]], semantic: bool) -> list[float]:
    """The same requests against `make serve`'s server, one sync worker, in its own process."""
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, RATELIMIT_ENABLED="0")
    env["WISHLIST_EMBEDDING_MODEL"] = "" if semantic else "off"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}", "app:app"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login").read()
                break
            except OSError:
                time.sleep(0.2)
        return time_http(base, queries)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
