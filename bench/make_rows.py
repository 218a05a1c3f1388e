"""Generate N wishes of real-length text by recombining sentences of the development data.

Run: .venv/bin/python -m bench.make_rows 100000  (writes bench/out/rows_100000.csv)

About 5% of the rows are reworded copies of an earlier row; the `duplicate_of` column names
that row (empty otherwise), so the benchmark can check that the copies are still found at every
size. The dedupe command ignores the column.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

from bench.devdata import load_seamonkey, load_semeval

OUT_DIR = Path(__file__).resolve().parent / "out"
SEED = 20261126
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences_and_titles() -> tuple[list[str], list[str], list[int]]:
    """Distinct sentences, titles and body lengths from both development sets."""
    docs = load_seamonkey().docs + load_semeval().docs
    sentences: dict[str, None] = {}
    for d in docs:
        for s in _SENTENCE.split(d.body):
            s = " ".join(s.split())
            if 3 <= len(s) <= 400:
                sentences.setdefault(s, None)
    titles = sorted({" ".join(d.title.split()) for d in docs if d.title.strip()})
    lengths = [len(d.body) for d in docs]
    return list(sentences), titles, lengths


COLUMNS = ("id", "title", "body", "duplicate_of")


def make_rows(n: int, seed: int = SEED) -> list[tuple[str, str, str, str]]:
    """N (id, title, body, duplicate_of) rows; about 5% are reworded copies of an earlier row."""
    rng = random.Random(seed)
    sentences, titles, lengths = sentences_and_titles()
    rows: list[tuple[str, str, str, str]] = []
    for i in range(n):
        if rows and rng.random() < 0.05:
            # A near-duplicate: same title words partly reordered, body partly re-sampled.
            source, title, body, _ = rows[rng.randrange(len(rows))]
            words = title.split()
            if len(words) > 3:
                a = rng.randrange(len(words) - 1)
                words[a], words[a + 1] = words[a + 1], words[a]
            parts = body.split(". ")
            body = ". ".join(parts[: max(1, len(parts) // 2)] + [rng.choice(sentences)])
            rows.append((f"r{i}", " ".join(words), body, source))
            continue
        # New titles splice two real titles so the title space is not just the dev titles.
        t1, t2 = rng.choice(titles).split(), rng.choice(titles).split()
        title = " ".join(t1[: max(1, len(t1) // 2)] + t2[len(t2) // 2 :])
        target = rng.choice(lengths)
        body_parts: list[str] = []
        size = 0
        while size < target:
            s = rng.choice(sentences)
            body_parts.append(s)
            size += len(s) + 1
        rows.append((f"r{i}", title, " ".join(body_parts), ""))
    return rows


def main() -> None:
    """Write bench/out/rows_N.csv."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or OUT_DIR / f"rows_{args.n}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(make_rows(args.n, args.seed))
    print(out)


if __name__ == "__main__":
    main()
