"""Speed of the dedupe run (neighbours K=10 + bundles) and of typing-time queries.

Run: .venv/bin/python -m bench.bench_dedupe 10000 100000 [--query] [--semantic]
Each measurement runs in its own process so peak RSS is that step's alone.

With --semantic the rows are first embedded into bench/out/embeddings_N.npz (the cold run,
timed on its own; later runs reuse the file), then the dedupe run reads the embeddings from
that file, as `flask dedupe --embedding-cache` does, and the query timing includes embedding
each draft.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.make_rows import COLUMNS, OUT_DIR


def rows_file(n: int) -> Path:
    """The generated CSV of n rows, made on first use (and again if its columns are old)."""
    path = OUT_DIR / f"rows_{n}.csv"
    current = False
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            current = fh.readline().strip() == ",".join(COLUMNS)
    if not current:
        subprocess.run([sys.executable, "-m", "bench.make_rows", str(n)], check=True)
    return path


def planted_found(n: int) -> dict[str, float]:
    """How many of the rows' planted copies the run found, from its output CSVs.

    `recall_at_10`: share of copies with their source among their 10 neighbours;
    `bundled`: share of copies in the same bundle as their source.
    """
    source: dict[str, str] = {}
    with open(rows_file(n), encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["duplicate_of"]:
                source[row["id"]] = row["duplicate_of"]
    found: set[str] = set()
    with open(OUT_DIR / f"neighbors_{n}.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if source.get(row["id"]) == row["neighbor_id"]:
                found.add(row["id"])
    with open(OUT_DIR / f"bundles_{n}.csv", encoding="utf-8", newline="") as fh:
        label = {row["id"]: row["bundle_id"] for row in csv.DictReader(fh)}
    together = sum(label[c] == label[s] for c, s in source.items())
    planted = max(1, len(source))
    return {
        "planted": len(source),
        "recall_at_10": len(found) / planted,
        "bundled": together / planted,
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process plus its largest finished child, in MiB.

    Forked workers share the parent's pages copy-on-write, so the sum overstates real use.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + kids) / 1024.0


def own_rss_mb() -> float:
    """Peak resident memory of this process alone, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child_fit(n: int) -> dict[str, float]:
    """Time fitting the reference TF-IDF vectoriser alone (word 1-2 grams, stop words)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from wishlist.dedupe import read_documents

    docs = read_documents(rows_file(n))
    texts = [f"{d.title}\n{d.body}" for d in docs]
    started = time.perf_counter()
    TfidfVectorizer(ngram_range=(1, 2), stop_words="english").fit(texts)
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and its children, in MiB (shared pages split)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024.0


def embeddings_file(n: int) -> Path:
    """Where the embeddings of the n-row file are kept between runs."""
    return OUT_DIR / f"embeddings_{n}.npz"


def child_embed(n: int) -> dict[str, float]:
    """Embed every row of the n-row file into its cache file, with progress.

    The file is written after every slice, so an interrupted cold run resumes where it stopped
    (the time reported is then that of the rest).
    """
    from wishlist.dedupe import read_documents
    from wishlist.dedupe.embedding import EmbeddingCache, load_embedder, wish_vectors

    docs = read_documents(rows_file(n))
    embedder = load_embedder()
    cache = EmbeddingCache(embeddings_file(n))
    before = len(cache)
    started = time.perf_counter()
    step = 5_000
    for s in range(0, n, step):
        part = docs[s : s + step]
        wish_vectors(embedder, [d.title for d in part], [d.body for d in part], cache=cache)
        elapsed = time.perf_counter() - started
        done = min(n, s + step)
        print(f"    {elapsed:7.1f}s embedded {done:,}/{n:,}", file=sys.stderr, flush=True)
    wall = time.perf_counter() - started
    embedded = len(cache) - before
    return {
        "seconds": wall,
        "embedded": embedded,
        "per_second": embedded / wall,
        "peak_rss_mb": own_rss_mb(),
    }


def child_single(n: int, drafts: int = 300) -> dict[str, float]:
    """Latency of embedding one new wish (its title and whole text), one wish at a time.

    On the demo content's feature requests (typical wish length) and on the first rows of the
    n-row file (bug-report length, mostly cut at the model's 256 word pieces).
    """
    import numpy as np

    from bench.devdata import load_feature_requests
    from wishlist.dedupe import read_documents
    from wishlist.dedupe.embedding import load_embedder, wish_vectors

    started = time.perf_counter()
    embedder = load_embedder()
    out: dict[str, float] = {"load_s": time.perf_counter() - started}
    sets = {
        "wish": load_feature_requests().docs[:drafts],
        "long": read_documents(rows_file(n))[:drafts],
    }
    for name, docs in sets.items():
        times = []
        for d in docs:
            t = time.perf_counter()
            wish_vectors(embedder, [d.title], [d.body])
            times.append((time.perf_counter() - t) * 1000.0)
        ms = np.array(times)
        out[f"{name}_p50_ms"] = float(np.percentile(ms, 50))
        out[f"{name}_p95_ms"] = float(np.percentile(ms, 95))
    return out


def child_run(n: int, semantic: bool = False) -> dict[str, float]:
    """Time the whole dedupe run: read CSV, fit, neighbours, bundles, write both CSVs."""
    import threading

    from wishlist.dedupe import run

    src = rows_file(n)
    stamps: list[tuple[float, str]] = []
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        """Track the peak PSS of this process tree while the run goes."""
        while not stop.wait(0.2):
            peak[0] = max(peak[0], tree_pss_mb(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    summary = run(
        src,
        bundles_out=OUT_DIR / f"bundles_{n}.csv",
        neighbors_out=OUT_DIR / f"neighbors_{n}.csv",
        k=10,
        progress=lambda msg: stamps.append((time.perf_counter() - started, msg)),
        semantic=semantic,
        embedding_cache=embeddings_file(n) if semantic else None,
    )
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    for at, msg in stamps:
        print(f"    {at:7.1f}s {msg}", file=sys.stderr)
    return {
        "seconds": wall,
        "peak_rss_mb": peak_rss_mb(),
        "parent_rss_mb": own_rss_mb(),
        "peak_pss_mb": peak[0],
        "bundles": summary.bundles,
        "bundled": summary.bundled_documents,
        "largest": summary.largest_bundle,
        "embedded": summary.embedded_texts,
    }


def child_query(n: int, queries: int = 500, semantic: bool = False) -> dict[str, float]:
    """p50/p95/max latency of index.query() against n wishes, drafts taken from other rows.

    With `semantic`, each query also embeds its draft (as the web endpoint does).
    """
    import numpy as np

    from wishlist.dedupe import DedupeIndex, read_documents

    docs = read_documents(rows_file(n))
    embed = None
    if semantic:
        from wishlist.dedupe.embedding import EmbeddingCache, load_embedder, wish_vectors

        embedder = load_embedder()
        titles, bodies = [d.title for d in docs], [d.body for d in docs]
        vectors = wish_vectors(embedder, titles, bodies, cache=EmbeddingCache(embeddings_file(n)))
        index = DedupeIndex.fit(docs, embeddings=vectors, embedding_model=embedder.model_id)

        def embed(text: str) -> np.ndarray:
            """The draft's vector."""
            return wish_vectors(embedder, [text], [""])[0]
    else:
        index = DedupeIndex.fit(docs)
    rng = random.Random(7)
    drafts = []
    for _ in range(queries):
        words = rng.choice(docs).title.split()
        rng.shuffle(words)
        drafts.append(" ".join(words[: max(2, len(words) - 1)]))
    index.query(drafts[0])  # builds the column views once, as a web worker would at start
    times = []
    for draft in drafts:
        t = time.perf_counter()
        index.query(draft, limit=5, embedding=embed(draft) if embed else None)
        times.append((time.perf_counter() - t) * 1000.0)
    ms = np.array(times)
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "max_ms": float(ms.max()),
        "peak_rss_mb": peak_rss_mb(),
    }


def in_child(kind: str, n: int, semantic: bool = False) -> dict[str, float]:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    extra = ["--semantic"] if semantic else []
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_dedupe", "--child", kind, str(n), *extra],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure each size and print a table row per size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--query", action="store_true", help="also time query() at 100,000")
    parser.add_argument("--semantic", action="store_true", help="with sentence embeddings")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sem = args.semantic
    if args.child:
        kind, n = args.child[0], int(args.child[1])
        if kind == "run":
            result = child_run(n, sem)
        elif kind == "query":
            result = child_query(n, semantic=sem)
        else:
            result = {"fit": child_fit, "embed": child_embed, "single": child_single}[kind](n)
        print(json.dumps(result))
        return
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores; above ~0.5 means noisy)")
    if sem:
        one = in_child("single", 10_000)
        print(
            f"model load {one['load_s']:.2f} s; one new wish embedded in p50 "
            f"{one['wish_p50_ms']:.1f} ms, p95 {one['wish_p95_ms']:.1f} ms (feature requests); "
            f"p50 {one['long_p50_ms']:.1f} ms, p95 {one['long_p95_ms']:.1f} ms (bug reports)",
            flush=True,
        )
    for n in args.sizes:
        rows_file(n)
        if sem:
            cold = in_child("embed", n)
            if cold["embedded"]:
                print(
                    f"{n:>9,} rows: embedded {cold['embedded']:,} wishes in "
                    f"{cold['seconds']:.1f} s ({cold['per_second']:.1f} wishes/s, "
                    f"peak RSS {cold['peak_rss_mb']:.0f} MiB)",
                    flush=True,
                )
        fit = in_child("fit", n)
        run = in_child("run", n, sem)
        print(
            f"{n:>9,} rows: dedupe {run['seconds']:.1f} s; peak memory of the process tree "
            f"{run['peak_pss_mb']:.0f} MiB PSS (main process peak RSS "
            f"{run['parent_rss_mb']:.0f} MiB; "
            f"main + largest worker RSS {run['peak_rss_mb']:.0f} MiB); "
            f"vectoriser fit alone {fit['seconds']:.1f} s; "
            f"ratio {run['seconds'] / fit['seconds']:.2f}; "
            f"bundles {run['bundles']:,} ({run['bundled']:,} wishes, largest {run['largest']})",
            flush=True,
        )
        found = planted_found(n)
        print(
            f"{n:>9,} rows: planted copies {found['planted']:,}: source among the 10 neighbours "
            f"{found['recall_at_10']:.3f}, in the same bundle {found['bundled']:.3f}",
            flush=True,
        )
    if args.query:
        q = in_child("query", 100_000, sem)
        print(
            f"query() against 100,000 wishes: p50 {q['p50_ms']:.1f} ms, p95 {q['p95_ms']:.1f} ms, "
            f"max {q['max_ms']:.1f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
