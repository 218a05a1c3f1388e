"""Quality of the duplicate finder on the development data, next to the plain TF-IDF baseline.

Run: .venv/bin/python -m bench.eval_quality [--semantic]

With --semantic every index also gets the sentence-embedding signal (embeddings cached in
bench/out/dev-embeddings.npz, so only the first run pays the model).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bench.devdata import (
    load_feature_requests,
    load_paraphrases,
    load_seamonkey,
    load_semeval,
)
from wishlist.dedupe import DedupeIndex, Document, default_threshold
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


def semeval_map(
    score_pairs: Callable[[list[str], list[str]], np.ndarray], half: int | None = None
) -> float:
    """MAP over the SemEval original questions, candidates ranked by our similarity only.

    `half` 0 or 1 keeps every other original question (sorted by id), for split-half checks.
    """
    data = load_semeval()
    aps = []
    for n, (org, cands) in enumerate(sorted(data.candidates.items())):
        if half is not None and n % 2 != half:
            continue
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


def bcubed(labels: Sequence[str], gold: Sequence[int]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of predicted bundle labels against gold intents."""
    pred_size: dict[str, int] = {}
    gold_size: dict[int, int] = {}
    both: dict[tuple[str, int], int] = {}
    for lab, g in zip(labels, gold, strict=True):
        pred_size[lab] = pred_size.get(lab, 0) + 1
        gold_size[g] = gold_size.get(g, 0) + 1
        both[(lab, g)] = both.get((lab, g), 0) + 1
    pairs = list(zip(labels, gold, strict=True))
    p = float(np.mean([both[(lab, g)] / pred_size[lab] for lab, g in pairs]))
    r = float(np.mean([both[(lab, g)] / gold_size[g] for lab, g in pairs]))
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def pair_counts(labels: Sequence[str], gold: Sequence[int]) -> tuple[float, float]:
    """Pair precision and recall: pairs put in one bundle against pairs of the same intent."""
    both: dict[tuple[str, int], int] = {}
    pred: dict[str, int] = {}
    true: dict[int, int] = {}
    for lab, g in zip(labels, gold, strict=True):
        both[(lab, g)] = both.get((lab, g), 0) + 1
        pred[lab] = pred.get(lab, 0) + 1
        true[g] = true.get(g, 0) + 1

    def pairs(counts: Iterable[int]) -> int:
        """Number of unordered pairs within groups of the given sizes."""
        return sum(c * (c - 1) // 2 for c in counts)

    hit, n_pred, n_true = pairs(both.values()), pairs(pred.values()), pairs(true.values())
    return (hit / n_pred if n_pred else 1.0), (hit / n_true if n_true else 0.0)


def feature_report(
    index: DedupeIndex,
    docs: list[Document],
    intent: dict[str, int],
    nb: Neighbours,
    threshold: float,
    only: set[int] | None = None,
) -> dict[str, float]:
    """NN accuracy, MRR@10 and bundle quality at one threshold on the feature-request set.

    `only` restricts the figures to wishes of those intents (the index still holds them all).
    """
    gold = [intent[d.id] for d in docs]
    keep = [n for n, g in enumerate(gold) if only is None or g in only]
    idx = nb[0]
    nn, rr = [], []
    for n in keep:
        row = [j for j in idx[n].tolist() if j >= 0]
        hits = [r for r, j in enumerate(row, start=1) if gold[j] == gold[n]]
        nn.append(bool(hits) and hits[0] == 1)
        rr.append(1.0 / hits[0] if hits else 0.0)
    labels = bundle_labels(index.ids, bundle_neighbors(index, nb, threshold))
    lab_k = [labels[n] for n in keep]
    gold_k = [gold[n] for n in keep]
    p, r, f = bcubed(lab_k, gold_k)
    pp, pr = pair_counts(lab_k, gold_k)
    sizes: dict[str, int] = {}
    for lab in labels:
        sizes[lab] = sizes.get(lab, 0) + 1
    return {
        "NN": float(np.mean(nn)),
        "MRR": float(np.mean(rr)),
        "B3-P": p,
        "B3-R": r,
        "B3-F1": f,
        "pairP": pp,
        "pairR": pr,
        "largest": max(sizes.values()),
    }


def best_threshold(
    index: DedupeIndex, docs: list[Document], intent: dict[str, int], nb: Neighbours
) -> tuple[float, dict[str, float]]:
    """The threshold (0.05 steps of 0.01) with the best B-cubed F1, and its report."""
    best: tuple[float, dict[str, float]] | None = None
    for thr in np.arange(0.05, 0.51, 0.01).round(2).tolist():
        rep = feature_report(index, docs, intent, nb, thr)
        if best is None or rep["B3-F1"] > best[1]["B3-F1"]:
            best = (thr, rep)
    assert best is not None
    return best


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


def fitter(semantic: bool) -> Callable[[list[Document]], DedupeIndex]:
    """DedupeIndex.fit, with the wishes' embeddings when `semantic`."""
    if not semantic:
        return DedupeIndex.fit
    from bench.tune_semantic import embed_docs

    def fit(docs: list[Document]) -> DedupeIndex:
        """Fit with cached embeddings."""
        return DedupeIndex.fit(docs, embeddings=embed_docs(docs), embedding_model="dev")

    return fit


def main() -> None:
    """Print every quality figure for our engine and the baseline."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--semantic", action="store_true", help="Add the embedding signal.")
    args = parser.parse_args()
    t = args.threshold if args.threshold is not None else default_threshold(args.semantic)
    fit = fitter(args.semantic)

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

    idx_sem = fit(sem.docs)
    idx_sea = fit(sea.docs)
    nb = idx_sea.neighbor_arrays(args.k)
    signals = " and sentence embeddings" if args.semantic else ""
    print(f"\nOurs (TF-IDF{signals}; re-scored with rapidfuzz, LSA and title penalties)")
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

    fr = load_feature_requests()
    idx_fr = fit(fr.docs)
    nb_fr = idx_fr.neighbor_arrays(args.k)
    n_intents = len(set(fr.intent.values()))
    print(f"\nFeature requests (demo content): {len(fr.docs)} wishes, {n_intents} intents")
    print(f"  @{t:.2f} (default): " + fmt(feature_report(idx_fr, fr.docs, fr.intent, nb_fr, t)))
    best_t, best = best_threshold(idx_fr, fr.docs, fr.intent, nb_fr)
    print(f"  @{best_t:.2f} (best B3-F1): " + fmt(best))

    # Held out: written for the tests, never used to choose weights or the threshold.
    para = load_paraphrases()
    n_para = len(set(para.intent.values()))
    print(f"\nParaphrase test set (tests/data): {len(para.docs)} wishes, {n_para} intents")
    for label, f in (("lexical", fitter(False)), ("semantic", fitter(True))):
        if label == "semantic" and not args.semantic:
            continue
        idx_p = f(para.docs)
        nb_p = idx_p.neighbor_arrays(args.k)
        thr = default_threshold(label == "semantic")
        rep_p = feature_report(idx_p, para.docs, para.intent, nb_p, thr)
        print(f"  {label} @{thr:.2f} (default): " + fmt(rep_p))
        best_t, best = best_threshold(idx_p, para.docs, para.intent, nb_p)
        print(f"  {label} @{best_t:.2f} (best B3-F1): " + fmt(best))

    # Weights were chosen on half 0 of each set (every other SemEval original question,
    # SeaMonkey pair and feature-request intent); half 1 shows how far that carries.
    print("\nSplit halves (0: used to choose weights, 1: check)")
    sem_score = pair_scorer(idx_sem)
    for h in (0, 1):
        half_pairs = [p for n, p in enumerate(sea.pairs) if n % 2 == h]
        rec = recall_report(seamonkey_ranks(nb, sea.docs, half_pairs))
        only = {g for g in set(fr.intent.values()) if g % 2 == h}
        rep_fr = feature_report(idx_fr, fr.docs, fr.intent, nb_fr, t, only)
        print(
            f"  half {h}: SemEval MAP {semeval_map(sem_score, h):.3f}; SeaMonkey R@5 "
            f"{rec['R@5']:.3f}, R@10 {rec['R@10']:.3f}; feature requests NN {rep_fr['NN']:.3f}, "
            f"B3-F1 @{t:.2f} {rep_fr['B3-F1']:.3f}"
        )

    # The threshold trades recall for precision on all three kinds of text at once.
    print("\nThreshold sweep (feature requests | SeaMonkey | SemEval candidates)")
    sem_rel = [(o, c) for o, cands in sem.candidates.items() for c, rel in cands if rel]
    sem_irr = [(o, c) for o, cands in sem.candidates.items() for c, rel in cands if not rel]
    rel_s = sem_score([a for a, _ in sem_rel], [b for _, b in sem_rel])
    irr_s = sem_score([a for a, _ in sem_irr], [b for _, b in sem_irr])
    for thr in (0.12, 0.15, 0.18, 0.2, 0.22, 0.24, 0.26, 0.28, 0.3, 0.35):
        f = feature_report(idx_fr, fr.docs, fr.intent, nb_fr, thr)
        sb = bundle_report(
            bundle_labels(ids, bundle_neighbors(idx_sea, nb, thr)), sea.docs, sea.pairs
        )
        print(
            f"  @{thr:.2f}: B3-P {f['B3-P']:.3f} B3-R {f['B3-R']:.3f} B3-F1 {f['B3-F1']:.3f} "
            f"pairP {f['pairP']:.3f} pairR {f['pairR']:.3f} largest {f['largest']} | "
            f"pairs together {sb['pairs_together']:.3f} largest {sb['largest']} "
            f"bundled {sb['bundled_docs']} | relevant {np.mean(rel_s >= thr):.3f} "
            f"irrelevant {int(np.sum(irr_s >= thr))}/{len(irr_s)}"
        )

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
