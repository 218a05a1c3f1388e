"""Quality of the duplicate finder on the development data, next to the plain TF-IDF baseline.

Run: .venv/bin/python -m bench.eval_quality
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bench.devdata import load_seamonkey, load_semeval
from wishlist.dedupe import DEFAULT_THRESHOLD, DedupeIndex, Document
from wishlist.dedupe.bundling import bundle_labels, bundle_neighbors, components_labels

# Top-k neighbour positions per document, and their scores.
Neighbours = tuple[np.ndarray, np.ndarray]


def average_precision(ranked_relevance: Sequence[bool]) -> float:
    """Average precision of one ranked candidate list (0 when nothing is relevant)."""
    hits, total = 0, 0.0
    for rank, relevant in enumerate(ranked_relevance, start=1):
        if relevant:
            hits += 1
            total += hits / rank
    return total / hits if hits else 0.0


def semeval_map(score_pairs: Callable[[list[str], list[str]], np.ndarray]) -> float:
    """MAP over the SemEval original questions, candidates ranked by our similarity only."""
    data = load_semeval()
    aps = []
    for org, cands in sorted(data.candidates.items()):
        scores = score_pairs([org] * len(cands), [c for c, _ in cands])
        # Stable sort on score alone: ties keep file order, which is the only order we have;
        # ties are rare with continuous scores.
        order = np.argsort(-scores, kind="stable")
        aps.append(average_precision([cands[i][1] for i in order]))
    return float(np.mean(aps))


def seamonkey_ranks(neighbors: Neighbours, docs: list[Document], pairs) -> list[int]:
    """Rank (1-based, 0 = not in the list) of each labelled partner, in both directions."""
    pos = {d.id: n for n, d in enumerate(docs)}
    idx = neighbors[0]
    ranks = []
    for a, b in pairs:
        for x, y in ((a, b), (b, a)):
            row = idx[pos[x]].tolist()
            ranks.append(row.index(pos[y]) + 1 if pos[y] in row else 0)
    return ranks


def recall_report(ranks: list[int]) -> dict[str, float]:
    """Recall@1/5/10 and MRR@10 from partner ranks."""
    r = np.array(ranks)
    found = r > 0
    return {
        "R@1": float(np.mean(found & (r <= 1))),
        "R@5": float(np.mean(found & (r <= 5))),
        "R@10": float(np.mean(found & (r <= 10))),
        "MRR": float(np.mean(np.where(found, 1.0 / np.maximum(r, 1), 0.0))),
    }


def bundle_report(labels: Sequence[str], docs: list[Document], pairs) -> dict[str, float]:
    """Share of labelled pairs in one bundle, largest bundle, and how many wishes are bundled."""
    pos = {d.id: n for n, d in enumerate(docs)}
    together = np.mean([labels[pos[a]] == labels[pos[b]] for a, b in pairs])
    sizes: dict[str, int] = {}
    for lab in labels:
        sizes[lab] = sizes.get(lab, 0) + 1
    return {
        "pairs_together": float(together),
        "largest": max(sizes.values()),
        "bundled_docs": sum(s for s in sizes.values() if s > 1),
    }


class Baseline:
    """Plain TF-IDF cosine: word 1-2 grams, English stop words."""

    def __init__(self, docs: list[Document]) -> None:
        """Fit the baseline vectoriser on title and body."""
        vec = TfidfVectorizer(ngram_range=(1, 2), stop_words="english")
        self.x = vec.fit_transform(f"{d.title}\n{d.body}" for d in docs)
        self.pos = {d.id: n for n, d in enumerate(docs)}

    def score(self, a: list[str], b: list[str]) -> np.ndarray:
        """Cosine of pairs of ids."""
        ia = [self.pos[x] for x in a]
        ib = [self.pos[x] for x in b]
        return np.asarray(self.x[ia].multiply(self.x[ib]).sum(axis=1)).ravel()

    def neighbors(self, k: int) -> Neighbours:
        """Exact top-k by cosine."""
        sim = (self.x @ self.x.T).toarray()
        np.fill_diagonal(sim, -1)
        idx = np.argsort(-sim, axis=1, kind="stable")[:, :k]
        return idx, np.take_along_axis(sim, idx, axis=1)


def calibration(
    score_pairs: Callable[[list[str], list[str]], np.ndarray],
    docs: list[Document],
    positives: list[tuple[str, str]],
    threshold: float,
    samples: int = 20_000,
) -> tuple[float, float]:
    """Share of labelled pairs, and of random pairs, scoring at or above the threshold."""
    rng = np.random.default_rng(0)
    ids = [d.id for d in docs]
    a = rng.integers(0, len(ids), samples)
    b = rng.integers(0, len(ids), samples)
    keep = a != b
    rand = score_pairs([ids[i] for i in a[keep]], [ids[i] for i in b[keep]])
    pos = score_pairs([x for x, _ in positives], [y for _, y in positives])
    return float(np.mean(pos >= threshold)), float(np.mean(rand >= threshold))


def pair_scorer(index: DedupeIndex) -> Callable[[list[str], list[str]], np.ndarray]:
    """Our final score for pairs of ids."""

    def score(a: list[str], b: list[str]) -> np.ndarray:
        """Score id pairs with the index."""
        return index.pair_components(
            np.array([index.position(x) for x in a]), np.array([index.position(x) for x in b])
        )["score"]

    return score


def fmt(d: dict[str, float]) -> str:
    """One-line rendering of a metrics dict."""
    return ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in d.items())


def main() -> None:
    """Print every quality figure for our engine and the baseline."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    t = args.threshold

    sem = load_semeval()
    sea = load_seamonkey()
    print(
        f"SemEval-2016 3B dev: {len(sem.docs)} questions, {len(sem.candidates)} originals; "
        f"SeaMonkey: {len(sea.docs)} reports, {len(sea.pairs)} labelled pairs "
        f"(Recall/MRR over both directions: {2 * len(sea.pairs)} queries)"
    )
    ids = [d.id for d in sea.docs]

    base_sem = Baseline(sem.docs)
    base_sea = Baseline(sea.docs)
    base_nb = base_sea.neighbors(args.k)
    print("\nBaseline (TF-IDF cosine, word 1-2 grams, English stop words)")
    print(f"  SemEval MAP {semeval_map(base_sem.score):.3f}")
    print("  SeaMonkey " + fmt(recall_report(seamonkey_ranks(base_nb, sea.docs, sea.pairs))))
    for thr in (0.5, t):
        labels = components_labels(ids, base_nb, thr)
        print(f"  components @{thr:.2f}: " + fmt(bundle_report(labels, sea.docs, sea.pairs)))

    idx_sem = DedupeIndex.fit(sem.docs)
    idx_sea = DedupeIndex.fit(sea.docs)
    nb = idx_sea.neighbor_arrays(args.k)
    print("\nOurs (TF-IDF retrieval + rapidfuzz re-scoring)")
    print(f"  SemEval MAP {semeval_map(pair_scorer(idx_sem)):.3f}")
    print("  SeaMonkey " + fmt(recall_report(seamonkey_ranks(nb, sea.docs, sea.pairs))))
    avg = bundle_labels(ids, bundle_neighbors(idx_sea, nb, t))
    print(f"  average linkage @{t:.2f}: " + fmt(bundle_report(avg, sea.docs, sea.pairs)))
    cc = components_labels(ids, nb, t)
    print(f"  components      @{t:.2f}: " + fmt(bundle_report(cc, sea.docs, sea.pairs)))
    # Lower thresholds show where connected components start chaining unrelated reports.
    for low in (0.25, 0.2, 0.15):
        avg = bundle_labels(ids, bundle_neighbors(idx_sea, nb, low))
        cc = components_labels(ids, nb, low)
        print(f"  average linkage @{low:.2f}: " + fmt(bundle_report(avg, sea.docs, sea.pairs)))
        print(f"  components      @{low:.2f}: " + fmt(bundle_report(cc, sea.docs, sea.pairs)))

    print(f"\nCalibration at threshold {t:.2f} (share of pairs scoring >= threshold)")
    sem_pos = [(o, c) for o, cands in sem.candidates.items() for c, rel in cands if rel]
    sem_neg = [(o, c) for o, cands in sem.candidates.items() for c, rel in cands if not rel]
    score_sem = pair_scorer(idx_sem)
    pos, rnd = calibration(score_sem, sem.docs, sem_pos, t)
    neg = float(np.mean(score_sem([a for a, _ in sem_neg], [b for _, b in sem_neg]) >= t))
    print(
        f"  SemEval (short questions): relevant {pos:.3f}, irrelevant {neg:.3f}, random {rnd:.4f}"
    )
    pos, rnd = calibration(pair_scorer(idx_sea), sea.docs, list(sea.pairs), t)
    print(f"  SeaMonkey (long reports): labelled duplicates {pos:.3f}, random {rnd:.4f}")


if __name__ == "__main__":
    main()
