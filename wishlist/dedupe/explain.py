"""Why two wishes look alike: the component scores and the terms they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz

from wishlist.dedupe.index import (
    DedupeIndex,
    Document,
    _coverage,
    _fuzz_title,
    _rowwise_dot,
)
from wishlist.dedupe.text import contrast_mask, contrasting, surface_words


@dataclass(frozen=True)
class Evidence:
    """The similarity of a pair with what it is made of, for showing to a reviewer."""

    score: float
    components: dict[str, float]
    shared_terms: list[str]
    shared_phrases: list[str]


def _shared_terms(
    index: DedupeIndex,
    text_a: sp.csr_matrix,
    text_b: sp.csr_matrix,
    a: Document,
    b: Document,
    limit: int,
) -> list[str]:
    """Shared words ordered by how much they add to the text similarity, as the wish spells them."""
    contrib = text_a.multiply(text_b).tocoo()
    if contrib.nnz == 0:
        return []
    names = index.model.word_names
    spelled = surface_words(f"{a.title} {a.body}")
    order = np.lexsort((contrib.col, -contrib.data))
    out = []
    for col in contrib.col[order][:limit].tolist():
        stem = str(names[col])
        out.append(spelled.get(stem, stem))
    return out


def _shared_phrases(a: Document, b: Document, limit: int) -> list[str]:
    """Runs of two or more consecutive words that both wishes use."""

    def bigrams(doc: Document) -> list[tuple[str, str]]:
        """Consecutive word pairs of a wish, lower-cased."""
        toks = [t.lower() for t in f"{doc.title} . {doc.body}".split()]
        toks = ["".join(ch for ch in t if ch.isalnum()) for t in toks]
        return [(x, y) for x, y in zip(toks, toks[1:], strict=False) if x and y]

    theirs = set(bigrams(b))
    seen: list[str] = []
    for x, y in bigrams(a):
        phrase = f"{x} {y}"
        if (x, y) in theirs and phrase not in seen:
            seen.append(phrase)
    return seen[:limit]


def explain(
    a: Document,
    b: Document,
    index: DedupeIndex | None = None,
    limit: int = 10,
    embeddings: tuple[np.ndarray, np.ndarray] | None = None,
) -> Evidence:
    """Score two wishes and say why; without an index, a throwaway one is fitted on the pair.

    With a semantic index, pass the two wishes' `embeddings` to score (and show) their meaning
    too; without them the pair is scored lexically.
    """
    if index is None:
        index = DedupeIndex.fit([Document("a", a.title, a.body), Document("b", b.title, b.body)])
    ta, xa, ca, la = index._vectorize([a.title], [a.body])
    tb, xb, cb, lb = index._vectorize([b.title], [b.body])
    latent = index._latent_score((la * lb).sum(axis=1))
    title = _rowwise_dot(ta, tb)
    text = _rowwise_dot(xa, xb)
    char = _rowwise_dot(ca, cb)
    fz = np.array(
        [fuzz.token_sort_ratio(_fuzz_title(a.title), _fuzz_title(b.title))], dtype=np.float32
    ) / np.float32(100.0)
    pa = sp.csr_matrix((np.ones(xa.nnz, dtype=np.float32), xa.indices, xa.indptr), shape=xa.shape)
    pb = sp.csr_matrix((np.ones(xb.nnz, dtype=np.float32), xb.indices, xb.indptr), shape=xb.shape)
    cov = _coverage(
        _rowwise_dot(ta.power(2), pb),
        _rowwise_dot(tb.power(2), pa),
        np.array([float(ta.nnz > 0)], dtype=np.float32),
        np.array([float(tb.nnz > 0)], dtype=np.float32),
        index.params.weights.coverage_stronger,
    )
    opp = contrasting(np.array([contrast_mask(a.title)]), np.array([contrast_mask(b.title)]))
    semantic = None
    if index.semantic and embeddings is not None:
        va, vb = (np.asarray(v, dtype=np.float32).ravel() for v in embeddings)
        semantic = index._semantic_score(np.array([float(va @ vb)], dtype=np.float32))
    score = float(index._combine(title, text, char, fz, cov, latent, opp, semantic)[0])
    components = {
        "title": round(float(title[0]), 4),
        "text": round(float(text[0]), 4),
        "char": round(float(char[0]), 4),
        "fuzz": round(float(fz[0]), 4),
        "latent": round(float(latent[0]), 4),
        "coverage": round(float(cov[0]), 4),
        "contrast": round(float(opp[0]), 4),
    }
    if semantic is not None:
        components["semantic"] = round(float(semantic[0]), 4)
    return Evidence(
        score=round(score, 4),
        components=components,
        shared_terms=_shared_terms(index, xa, xb, a, b, limit),
        shared_phrases=_shared_phrases(a, b, limit),
    )
