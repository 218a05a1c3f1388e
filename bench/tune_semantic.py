"""Grid over the semantic weight and floor on the development sets (embeddings cached).

Run: .venv/bin/python -m bench.tune_semantic [--weights 0.3,0.5] [--floors 0.2,0.3]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from bench.devdata import load_feature_requests, load_seamonkey, load_semeval
from bench.eval_quality import (
    best_threshold,
    feature_report,
    pair_scorer,
    recall_report,
    seamonkey_ranks,
    semeval_map,
)
from wishlist.dedupe import DedupeIndex, Document, IndexParams
from wishlist.dedupe.embedding import EmbeddingCache, load_embedder, wish_vectors
from wishlist.dedupe.index import _semantic_floor

CACHE = Path(__file__).resolve().parent / "out" / "dev-embeddings.npz"


def embed_docs(docs: list[Document]) -> np.ndarray:
    """Embeddings of the documents, from the cache file where possible."""
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(CACHE)
    titles, bodies = [d.title for d in docs], [d.body for d in docs]
    return wish_vectors(load_embedder(), titles, bodies, cache=cache)


def main() -> None:
    """Print SemEval MAP, SeaMonkey recall and feature-request figures for each setting."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weights", default="0,0.2,0.3,0.4,0.5,0.6")
    parser.add_argument("--margins", default="0.1,0.15,0.2,0.25")
    parser.add_argument("--threshold", type=float, default=None)
    args = parser.parse_args()
    t0 = time.perf_counter()
    sem, sea, fr = load_semeval(), load_seamonkey(), load_feature_requests()
    sets = {}
    for name, docs in (("sem", sem.docs), ("sea", sea.docs), ("fr", fr.docs)):
        sets[name] = DedupeIndex.fit(docs, embeddings=embed_docs(docs), embedding_model="m")
    print(f"indexes ready in {time.perf_counter() - t0:.1f} s")
    for w in [float(x) for x in args.weights.split(",")]:
        for f in [float(x) for x in args.margins.split(",")]:
            weights = dataclasses.replace(IndexParams().weights, semantic=w, semantic_margin=f)
            for name in ("sem", "sea", "fr"):
                sets[name].params = dataclasses.replace(sets[name].params, weights=weights)
                sets[name].semantic_floor = _semantic_floor(sets[name].dense.vectors, weights)
            m = semeval_map(pair_scorer(sets["sem"]))
            nb = sets["sea"].neighbor_arrays(10)
            r = recall_report(seamonkey_ranks(nb, sea.docs, sea.pairs))
            nb_fr = sets["fr"].neighbor_arrays(10)
            best_t, best = best_threshold(sets["fr"], fr.docs, fr.intent, nb_fr)
            extra = ""
            if args.threshold is not None:
                rep = feature_report(sets["fr"], fr.docs, fr.intent, nb_fr, args.threshold)
                extra = f" | @{args.threshold}: F1 {rep['B3-F1']:.3f} pairP {rep['pairP']:.3f}"
            print(
                f"w {w:.2f} margin {f:.2f}: MAP {m:.3f} R@5 {r['R@5']:.3f} R@10 {r['R@10']:.3f}"
                f" | FR NN {best['NN']:.3f} best F1 {best['B3-F1']:.3f} @{best_t:.2f}"
                f" pairP {best['pairP']:.3f}{extra}",
                flush=True,
            )


if __name__ == "__main__":
    main()
