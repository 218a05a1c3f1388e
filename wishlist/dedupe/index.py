"""TF-IDF retrieval plus rapidfuzz re-scoring: the near-duplicate index for wishes."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process
from threadpoolctl import ThreadpoolController

from wishlist.dedupe.dense import DenseIndex
from wishlist.dedupe.text import contrast_mask, contrasting
from wishlist.dedupe.vectors import TermModel

Progress = Callable[[str], None]

# Chosen on the three development sets together (bench/eval_quality.py, "Threshold sweep"; see
# BENCHMARKS.md). Bundles are suggestions a person reviews, so this favours recall more than the
# old 0.35 did: it is the lowest threshold at which (a) at least 80% of the wish pairs put in one
# bundle ask for the same thing on the feature-request set (0.84 here; B-cubed precision 0.95,
# recall 0.48, F1 0.64, up from 0.47 at 0.35), (b) at most 5% of the SemEval candidates judged
# irrelevant score above it (13 of 286; 38% of relevant ones do), and (c) no SeaMonkey bundle
# grows past 10 reports (largest 6; 57% of labelled duplicate pairs bundled, 15% before).
# Lower (0.10-0.12) maximises feature-request F1 (0.71-0.74) but lets unrelated wishes in
# (pair precision 0.68-0.75). The ranking (neighbours, query) does not depend on it.
DEFAULT_THRESHOLD: float = 0.18
# The same rule applied to scores with the sentence-embedding signal (eval_quality --semantic).
DEFAULT_SEMANTIC_THRESHOLD: float = 0.22


def default_threshold(semantic: bool) -> float:
    """The calibrated bundling threshold for a lexical or a semantic index."""
    return DEFAULT_SEMANTIC_THRESHOLD if semantic else DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Document:
    """One wish as the duplicate finder sees it: an id, a title and an optional body."""

    id: str
    title: str
    body: str = ""


@dataclass(frozen=True)
class Weights:
    """How much each similarity component counts in the final score (the first five sum to 1)."""

    title: float = 0.2
    text: float = 0.44
    char: float = 0.12
    fuzz: float = 0.04
    # Cosine of the wishes' latent (LSA) vectors: meaning shared through other words.
    latent: float = 0.2
    # Latent cosines up to this count as 0 (the rest is rescaled to [0, 1]): in a few
    # hundred dimensions unrelated wishes still share some direction.
    latent_floor: float = 0.0
    # Share of the score at stake when one title's words are missing from the other wish
    # entirely ("Export invoices to CSV" vs "Import invoices from CSV"): the hard negatives.
    coverage: float = 0.9
    # How much the better-covered direction counts beside the worse one: a short title fully
    # inside a longer wish is a paraphrase more often than a different request.
    coverage_stronger: float = 0.5
    # Share of the score lost when the titles take opposite sides of an action pair
    # (text.CONTRAST_PAIRS: import/export, enable/disable, ...).
    contrast: float = 0.8
    # With sentence embeddings (embedding.py): the share of the score that is their cosine,
    # cosines up to `semantic_floor` counting as 0, and the coverage penalty, which only the
    # lexical part bears (a paraphrase in other words covers no title word, by design).
    semantic: float = 0.5
    semantic_floor: float = 0.3
    # The floor is set per collection at fit time: the median cosine of random pairs plus this
    # margin. Texts of one domain (all browser bug reports) lie closer together than a mixed
    # feature forum, and a fixed floor would let their background similarity bundle them.
    # `semantic_floor` applies below `semantic_floor_min_docs` wishes, too few to measure.
    semantic_margin: float = 0.2
    semantic_floor_min_docs: int = 50


@dataclass(frozen=True)
class IndexParams:
    """Tuning knobs for the index; the defaults are what the benchmarks report."""

    weights: Weights = field(default_factory=Weights)
    # Candidates kept per wish from the TF-IDF stage before rapidfuzz re-scores them.
    candidates_extra: int = 5
    # Wishes per block of the neighbour search. Each worker holds one block's candidate scores
    # (about 7,000 per wish on big corpora): 1,000 keeps 100,000 wishes with embeddings under
    # 1.5 GB, where 2,000 took 1.8 GB, at the same speed.
    chunk_size: int = 1000
    # Candidate search reads at most `search_df_cap` wishes per feature and each wish's
    # strongest features (its rarer ones first): `search_features` of its title words, body
    # words and title character n-grams, so that no one kind crowds out the others (rows
    # sharing half a title otherwise outrank a copy of the whole wish). Every pair of its
    # `search_pairs` strongest common features searches too. So a wish costs at most
    # (features + pairs) * cap whatever n is: linear in the number of wishes. Final scores
    # always use every feature. See `_retrieval_matrices`.
    search_df_cap: int = 300
    search_features: tuple[int, int, int] = (4, 12, 4)
    search_pairs: int = 8
    # Fork this many processes for the neighbour search from this corpus size on.
    parallel_from: int = 20_000
    max_workers: int = 2
    # Latent (LSA) dimensions, and at most this many wishes (a fixed-seed sample) to fit them.
    latent_dims: int = 128
    latent_sample: int = 10_000
    # Below this many wishes there is too little co-occurrence to learn from (a handful of
    # wishes in a few dimensions look identical), so the latent weight goes to `text`.
    latent_min_docs: int = 100
    # Embedding neighbours added to each wish's candidates beside the TF-IDF ones.
    dense_candidates: int = 10


def _document_text(title: str, body: str) -> str:
    """Join title and body into the text the word model reads."""
    return f"{title}\n{body}" if body else title


def _fuzz_title(title: str) -> str:
    """Normalise a title once so rapidfuzz compares words, not case or punctuation."""
    return default_process(title)


_BLAS: ThreadpoolController | None = None


def _single_blas_thread() -> Any:
    """Context in which numpy's BLAS uses one thread (the controller is looked up once)."""
    global _BLAS
    if _BLAS is None:
        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


def _semantic_floor(embeddings: np.ndarray, weights: Weights) -> float:
    """Cosine below which embeddings count as unrelated in this collection (see Weights)."""
    n = len(embeddings)
    if n < weights.semantic_floor_min_docs:
        return weights.semantic_floor
    rng = np.random.default_rng(0)
    a = rng.integers(0, n, 20_000)
    b = rng.integers(0, n, 20_000)
    keep = a != b
    cosines = np.einsum("ij,ij->i", embeddings[a[keep]], embeddings[b[keep]])
    return float(np.clip(np.median(cosines) + weights.semantic_margin, 0.0, 0.9))


def _rowwise_dot(a: sp.csr_matrix, b: sp.csr_matrix) -> np.ndarray:
    """Dot product of row r of a with row r of b, for every r."""
    return np.asarray(a.multiply(b).sum(axis=1), dtype=np.float32).ravel()


def _fuzz_scores(titles: Sequence[str], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Word-order-insensitive edit similarity of the titles of pairs (i, j), in [0, 1]."""
    out = np.empty(len(i), dtype=np.float32)
    ratio = fuzz.token_sort_ratio
    for n, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        out[n] = ratio(titles[a], titles[b])
    return out / np.float32(100.0)


# Below this many pairs, scoring walks the rows directly: bundling asks for a few pairs at a
# time, thousands of times, and scipy's fixed cost per call would dominate.
_FEW_PAIRS = 64


def _row_dot(m: sp.csr_matrix, a: int, b: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Dot product of rows a and b of a CSR matrix with sorted indices, and their columns."""
    pa = slice(m.indptr[a], m.indptr[a + 1])
    pb = slice(m.indptr[b], m.indptr[b + 1])
    ia, ib = m.indices[pa], m.indices[pb]
    _, ka, kb = np.intersect1d(ia, ib, assume_unique=True, return_indices=True)
    dot = float(np.dot(m.data[pa][ka], m.data[pb][kb]))
    return dot, ia, ib


def _mass_in(m: sp.csr_matrix, row: int, columns: np.ndarray) -> float:
    """Sum of squared entries of one row over the given columns."""
    p = slice(m.indptr[row], m.indptr[row + 1])
    hit = np.isin(m.indices[p], columns, assume_unique=True)
    vals = m.data[p][hit]
    return float(np.dot(vals, vals))


def _coverage(
    ab: np.ndarray,
    ba: np.ndarray,
    has_title_a: np.ndarray,
    has_title_b: np.ndarray,
    stronger: float = 0.0,
) -> np.ndarray:
    """How fully each title's words appear in the other wish, in [0, 1].

    The weaker direction, blended with the stronger one by `stronger`.
    """
    # A missing title gives no evidence either way, so it counts as covered.
    ab = np.where(has_title_a > 0, ab, 1.0)
    ba = np.where(has_title_b > 0, ba, 1.0)
    cov = (1.0 - stronger) * np.minimum(ab, ba) + stronger * np.maximum(ab, ba)
    return np.clip(cov, 0.0, 1.0).astype(np.float32)


def _pair_features(m: sp.csr_matrix, top: int) -> sp.csr_matrix:
    """Pairs of each row's `top` strongest features as features of their own (n x pairs).

    A pair's value is the geometric mean of its two weights. Two common words together are
    far rarer than either alone (two sentences, or two halves of a title, that only copies
    share), so pair postings stay short where single-word postings are long.
    """
    n = m.shape[0]
    if top < 2 or not m.nnz:
        return sp.csr_matrix((n, 0), dtype=np.float32)
    pos = _top_entries(m, top)
    rows, cols, vals = _entry_rows(m, pos), m.indices[pos].astype(np.int64), m.data[pos]
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    counts = np.bincount(rows, minlength=n)
    slot = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    feat = np.full((n, top), -1, dtype=np.int64)
    weight = np.zeros((n, top), dtype=np.float32)
    feat[rows, slot] = cols
    weight[rows, slot] = vals
    out_rows, out_keys, out_vals = [], [], []
    for i, j in zip(*np.triu_indices(top, k=1), strict=True):
        ok = feat[:, j] >= 0
        out_rows.append(np.flatnonzero(ok))
        out_keys.append(feat[ok, i] * m.shape[1] + feat[ok, j])
        out_vals.append(np.sqrt(weight[ok, i] * weight[ok, j]))
    keys, column = np.unique(np.concatenate(out_keys), return_inverse=True)
    return sp.csr_matrix(
        (np.concatenate(out_vals), (np.concatenate(out_rows), column.ravel())),
        shape=(n, len(keys)),
        dtype=np.float32,
    )


def _truncate_rows(m: sp.csr_matrix, limit: int) -> sp.csr_matrix:
    """m with each row longer than `limit` cut to its `limit` largest entries."""
    counts = np.diff(m.indptr)
    long_rows = np.flatnonzero(counts > limit)
    if not len(long_rows):
        return m
    long = m[long_rows]
    top = _top_entries(long, limit)
    top_rows = _entry_rows(long, top)
    # Row slicing keeps each row's entries in order, so positions map back by row offset.
    keep = np.repeat(counts <= limit, counts)
    keep[m.indptr[long_rows[top_rows]] + (top - long.indptr[top_rows])] = True
    kept = np.where(counts <= limit, counts, 0)
    np.add.at(kept, long_rows[top_rows], 1)
    return sp.csr_matrix(
        (m.data[keep], m.indices[keep], np.concatenate([[0], np.cumsum(kept)])),
        shape=m.shape,
    )


def _top_entries(m: sp.csr_matrix, limit: int) -> np.ndarray:
    """Positions in m.data of the `limit` largest positive entries of each row, row by row."""
    counts = np.diff(m.indptr)
    n_rows = m.shape[0]
    found: list[np.ndarray] = []
    # Rows are padded into a dense block for argpartition; blocks are sized to bound memory.
    budget = 8_000_000
    start = 0
    while start < n_rows:
        width = 1
        stop = start
        while stop < n_rows and (stop - start + 1) * max(width, int(counts[stop])) <= budget:
            width = max(width, int(counts[stop]))
            stop += 1
        stop = max(stop, start + 1)
        width = max(width, int(counts[start:stop].max(initial=1)))
        lo, hi = m.indptr[start], m.indptr[stop]
        local_counts = counts[start:stop]
        row_of = np.repeat(np.arange(stop - start), local_counts)
        slot = np.arange(hi - lo) - np.repeat(m.indptr[start:stop] - lo, local_counts)
        vals = np.full((stop - start, width), -np.inf, dtype=np.float32)
        pos = np.full((stop - start, width), -1, dtype=np.int64)
        vals[row_of, slot] = m.data[lo:hi]
        pos[row_of, slot] = np.arange(lo, hi)
        if width > limit:
            pick = np.argpartition(-vals, limit - 1, axis=1)[:, :limit]
            vals = np.take_along_axis(vals, pick, axis=1)
            pos = np.take_along_axis(pos, pick, axis=1)
        found.append(pos[vals > 0])
        start = stop
    if not found:
        return np.empty(0, dtype=np.int64)
    return np.concatenate(found)


def _entry_rows(m: sp.csr_matrix, positions: np.ndarray) -> np.ndarray:
    """The row of each entry position of a CSR matrix."""
    return np.searchsorted(m.indptr, positions, side="right").astype(np.int64) - 1


def _top_per_row(m: sp.csr_matrix, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of the `limit` largest positive entries of each row of a CSR matrix."""
    pos = _top_entries(m, limit)
    return _entry_rows(m, pos), m.indices[pos].astype(np.int64)


def _keep_top(
    rows: np.ndarray,
    cols: np.ndarray,
    score: np.ndarray,
    id_rank: np.ndarray,
    start: int,
    k: int,
    out_idx: np.ndarray,
    out_score: np.ndarray,
) -> None:
    """Write the k best re-scored candidates of each row; ties go to the smaller id."""
    order = np.lexsort((id_rank[cols], -score, rows))
    rows, cols, score = rows[order], cols[order], score[order]
    first = np.searchsorted(rows, rows, side="left")
    rank = np.arange(len(rows)) - first
    sel = (rank < k) & (score > 0)
    out_idx[rows[sel] + start, rank[sel]] = cols[sel]
    out_score[rows[sel] + start, rank[sel]] = score[sel]


# What forked neighbour-search workers read: set just before the pool forks, so the children
# inherit the matrices copy-on-write instead of receiving pickled copies.
_FORK_STATE: (
    tuple[DedupeIndex, sp.csr_matrix, sp.csr_matrix, int, int, np.ndarray, np.ndarray | None] | None
) = None


def _neighbor_block(start: int) -> tuple[int, np.ndarray, np.ndarray]:
    """Worker entry point: one block of the neighbour search, from the inherited state."""
    if _FORK_STATE is None:
        raise RuntimeError("neighbour worker started without an index")
    index, q, rt, n_cand, k, id_rank, dense_idx = _FORK_STATE
    return index._neighbor_block(start, q, rt, n_cand, k, id_rank, dense_idx)


# Written into saved index files; a file of another version is refused (and the app refits).
# 4: IndexParams has a fixed search cap, per-kind search features and feature pairs.
_FILE_VERSION = 4


class DedupeIndex:
    """Fitted vocabulary and vectors for a set of wishes, answering similarity questions."""

    def __init__(self, params: IndexParams, model: TermModel) -> None:
        """Create an empty index around a fitted term model; use fit() instead."""
        self.params = params
        self.model = model
        self.ids: list[str] = []
        self.titles: list[str] = []
        self.fuzz_titles: list[str] = []
        self._position: dict[str, int] = {}
        self.title_vectors = sp.csr_matrix((0, model.n_words), dtype=np.float32)
        self.text_vectors = sp.csr_matrix((0, model.n_words), dtype=np.float32)
        self.char_vectors = sp.csr_matrix((0, model.n_grams), dtype=np.float32)
        self.latent_vectors = np.zeros((0, model.latent_basis.shape[1]), dtype=np.float32)
        self.contrast_masks = np.zeros(0, dtype=np.int64)
        # Unit sentence embeddings, one row per wish, when the index was built with them.
        self.dense: DenseIndex | None = None
        self.semantic_floor = params.weights.semantic_floor
        self.embedding_model: str | None = None
        self._columns: tuple[sp.csc_matrix, sp.csc_matrix, sp.csc_matrix] | None = None

    # ---- building -------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        docs: Sequence[Document],
        params: IndexParams | None = None,
        progress: Progress | None = None,
        embeddings: np.ndarray | None = None,
        embedding_model: str | None = None,
    ) -> DedupeIndex:
        """Learn the vocabulary from the wishes and index them.

        `embeddings` (unit rows, one per document, from `embedding_model`) add the semantic
        signal; without them the index is purely lexical.
        """
        params = params or IndexParams()
        docs = list(docs)
        if not docs:
            raise ValueError("cannot fit a duplicate index on no documents")
        if embeddings is not None and len(embeddings) != len(docs):
            raise ValueError(f"{len(embeddings)} embeddings for {len(docs)} documents")
        if progress:
            progress(f"vectorising {len(docs):,} wishes")
        model = TermModel()
        # Stemmed single words beat word bigrams on both development sets (paraphrases reorder
        # and inflect words far more often than they repeat phrases).
        title_vec, text_vec, char_vec = model.fit_transform(
            [d.title for d in docs], [_document_text(d.title, d.body) for d in docs]
        )
        if len(docs) >= params.latent_min_docs:
            model.fit_latent(text_vec, params.latent_dims, params.latent_sample)
        else:
            model.latent_basis = np.zeros((model.n_words, 0), dtype=np.float32)
        index = cls(params, model)
        if embeddings is not None:
            index.dense = DenseIndex(np.zeros((0, embeddings.shape[1]), dtype=np.float32))
            index.embedding_model = embedding_model
            index.semantic_floor = _semantic_floor(embeddings, params.weights)
        index._append(docs, title_vec, text_vec, char_vec, model.latent(text_vec), embeddings)
        return index

    @property
    def semantic(self) -> bool:
        """True when the index holds sentence embeddings and scores with them."""
        return self.dense is not None

    def _vectorize(
        self, titles: Sequence[str], bodies: Sequence[str]
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix, np.ndarray]:
        """Turn titles and bodies into normalised title, text, character and latent vectors."""
        texts = [_document_text(t, b) for t, b in zip(titles, bodies, strict=True)]
        title_vec, text_vec, char_vec = self.model.transform(titles, texts)
        return title_vec, text_vec, char_vec, self.model.latent(text_vec)

    def add(
        self,
        docs: Sequence[Document],
        progress: Progress | None = None,
        embeddings: np.ndarray | None = None,
    ) -> None:
        """Index more wishes with the fitted vocabulary, without refitting.

        A semantic index needs their embeddings too.
        """
        docs = list(docs)
        if progress:
            progress(f"vectorising {len(docs):,} wishes")
        title_vec, text_vec, char_vec, latent = self._vectorize(
            [d.title for d in docs], [d.body for d in docs]
        )
        self._append(docs, title_vec, text_vec, char_vec, latent, embeddings)

    def _append(
        self,
        docs: Sequence[Document],
        title_vec: sp.csr_matrix,
        text_vec: sp.csr_matrix,
        char_vec: sp.csr_matrix,
        latent: np.ndarray,
        embeddings: np.ndarray | None = None,
    ) -> None:
        """Add vectorised wishes to the index, after checking their ids are new and unique."""
        if (embeddings is not None) != (self.dense is not None):
            raise ValueError(
                "embeddings are needed exactly when the index was built with them"
                if self.dense is not None
                else "this index was built without embeddings"
            )
        if embeddings is not None and len(embeddings) != len(docs):
            raise ValueError(f"{len(embeddings)} embeddings for {len(docs)} documents")
        fresh: dict[str, int] = {}
        for n, d in enumerate(docs):
            if d.id in self._position or d.id in fresh:
                raise ValueError(f"document id {d.id!r} is already in the index")
            fresh[d.id] = len(self.ids) + n
        if self.dense is not None and embeddings is not None:
            self.dense.add(embeddings)
        self._position.update(fresh)
        self.title_vectors = sp.vstack([self.title_vectors, title_vec], "csr")
        self.text_vectors = sp.vstack([self.text_vectors, text_vec], "csr")
        self.char_vectors = sp.vstack([self.char_vectors, char_vec], "csr")
        self.latent_vectors = np.vstack([self.latent_vectors, latent])
        masks = np.array([contrast_mask(d.title) for d in docs], dtype=np.int64)
        self.contrast_masks = np.concatenate([self.contrast_masks, masks])
        self.ids.extend(d.id for d in docs)
        self.titles.extend(d.title for d in docs)
        self.fuzz_titles.extend(_fuzz_title(d.title) for d in docs)
        self._columns = None

    def __len__(self) -> int:
        """Number of indexed wishes."""
        return len(self.ids)

    def position(self, doc_id: str) -> int:
        """Row of a wish in the index, by id."""
        return self._position[doc_id]

    # ---- scoring --------------------------------------------------------------------------

    def _combine(
        self,
        title: np.ndarray,
        text: np.ndarray,
        char: np.ndarray,
        fz: np.ndarray,
        coverage: np.ndarray,
        latent: np.ndarray,
        contrast: np.ndarray,
        semantic: np.ndarray | None = None,
    ) -> np.ndarray:
        """Blend the component similarities into one score in [0, 1].

        `semantic` (rescaled embedding cosines) is None for a lexical index; then the score is
        the lexical blend alone.
        """
        w = self.params.weights
        w_latent = w.latent if self.latent_vectors.shape[1] else 0.0
        w_text = w.text + w.latent - w_latent
        score = w.title * title + w_text * text + w.char * char + w.fuzz * fz + w_latent * latent
        score = score * (1.0 - w.coverage * (1.0 - coverage))
        if semantic is not None:
            score = (1.0 - w.semantic) * score + w.semantic * semantic
        score = score * (1.0 - w.contrast * contrast)
        return np.clip(score, 0.0, 1.0).astype(np.float32)

    def _semantic_pairs(self, i: np.ndarray, j: np.ndarray) -> np.ndarray | None:
        """Rescaled embedding cosine of pairs (i, j), or None for a lexical index."""
        if self.dense is None:
            return None
        v = self.dense.vectors
        return self._semantic_score(np.einsum("ij,ij->i", v[i], v[j]))

    def _semantic_score(self, cosine: np.ndarray) -> np.ndarray:
        """Embedding cosines above the floor, rescaled to [0, 1]."""
        floor = self.semantic_floor
        return np.clip((cosine - floor) / (1.0 - floor), 0.0, 1.0).astype(np.float32)

    def _presence(self, rows: slice | np.ndarray) -> sp.csr_matrix:
        """Which stemmed words each wish uses anywhere, as 0/1 rows."""
        x = self.text_vectors[rows]
        return sp.csr_matrix((np.ones(x.nnz, dtype=np.float32), x.indices, x.indptr), shape=x.shape)

    def pair_components(self, i: np.ndarray, j: np.ndarray) -> dict[str, np.ndarray]:
        """Every component and the final score for the index pairs (i[r], j[r])."""
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        out: dict[str, list[np.ndarray]] = {}
        # Batches bound the memory of the gathered rows on million-pair calls.
        step = 250_000
        for b in range(0, max(len(i), 1), step):
            part = self._pair_components(i[b : b + step], j[b : b + step])
            for key, value in part.items():
                out.setdefault(key, []).append(value)
        return {key: np.concatenate(values) for key, values in out.items()}

    def _pair_components(self, i: np.ndarray, j: np.ndarray) -> dict[str, np.ndarray]:
        """pair_components() for one batch."""
        ti, tj = self.title_vectors[i], self.title_vectors[j]
        title = _rowwise_dot(ti, tj)
        shared = self.text_vectors[i].multiply(self.text_vectors[j]).tocsr()
        text = np.asarray(shared.sum(axis=1), dtype=np.float32).ravel()
        char = _rowwise_dot(self.char_vectors[i], self.char_vectors[j])
        fz = _fuzz_scores(self.fuzz_titles, i, j)
        # A title word of one wish found anywhere in the other is, because every title word is
        # also a text word, exactly a title word among the two texts' shared words.
        shared.data[:] = 1.0
        cov = _coverage(
            _rowwise_dot(ti.power(2), shared),
            _rowwise_dot(tj.power(2), shared),
            self._title_mass(i),
            self._title_mass(j),
            self.params.weights.coverage_stronger,
        )
        lat = self._latent_pairs(i, j)
        opp = contrasting(self.contrast_masks[i], self.contrast_masks[j])
        sem = self._semantic_pairs(i, j)
        score = self._combine(title, text, char, fz, cov, lat, opp, sem)
        out = {
            "title": title,
            "text": text,
            "char": char,
            "fuzz": fz,
            "latent": lat,
            "coverage": cov,
            "contrast": opp,
            "score": score,
        }
        if sem is not None:
            out["semantic"] = sem
        return out

    def _latent_pairs(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Latent cosine of pairs (i, j); opposite directions count as 0, not as negative."""
        z = self.latent_vectors
        if z.shape[1] == 0:
            return np.zeros(len(i), dtype=np.float32)
        return self._latent_score(np.einsum("ij,ij->i", z[i], z[j]))

    def _latent_score(self, cosine: np.ndarray) -> np.ndarray:
        """Latent cosines above the floor, rescaled to [0, 1]."""
        floor = self.params.weights.latent_floor
        return np.clip((cosine - floor) / (1.0 - floor), 0.0, 1.0).astype(np.float32)

    def _title_mass(self, rows: np.ndarray) -> np.ndarray:
        """1 where a wish's title has indexed words, else 0 (an empty title covers nothing)."""
        return (np.diff(self.title_vectors.indptr)[rows] > 0).astype(np.float32)

    def pair_scores(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Final similarity for the index pairs (i[r], j[r])."""
        if len(i) <= _FEW_PAIRS:
            return self._few_pair_scores(np.asarray(i), np.asarray(j))
        return self.pair_components(i, j)["score"]

    def _few_pair_scores(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """pair_scores() for a handful of pairs, without scipy's per-call overhead."""
        n = len(i)
        title = np.zeros(n, dtype=np.float32)
        text = np.zeros(n, dtype=np.float32)
        char = np.zeros(n, dtype=np.float32)
        cov_ab = np.zeros(n, dtype=np.float32)
        cov_ba = np.zeros(n, dtype=np.float32)
        for r, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
            char[r] = _row_dot(self.char_vectors, a, b)[0]
            title[r], ta, tb = _row_dot(self.title_vectors, a, b)
            text[r], xa, xb = _row_dot(self.text_vectors, a, b)
            shared = np.intersect1d(xa, xb, assume_unique=True)
            cov_ab[r] = _mass_in(self.title_vectors, a, shared)
            cov_ba[r] = _mass_in(self.title_vectors, b, shared)
        cov = _coverage(
            cov_ab,
            cov_ba,
            self._title_mass(i),
            self._title_mass(j),
            self.params.weights.coverage_stronger,
        )
        fz = _fuzz_scores(self.fuzz_titles, i, j)
        opp = contrasting(self.contrast_masks[i], self.contrast_masks[j])
        return self._combine(
            title, text, char, fz, cov, self._latent_pairs(i, j), opp, self._semantic_pairs(i, j)
        )

    def _retrieval_matrices(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Pruned TF-IDF rows for candidate search: (postings by feature, query rows by wish).

        Each wish searches with its strongest features of each kind (`search_features`: title
        words, body words, title character n-grams), those in at most `search_df_cap` wishes
        ("rare") taken before the common ones. A rare feature's postings
        list every wish that has it. A common feature's postings list only the wishes that
        also search with it, and at most `cap` of those, the ones where it weighs most; on its
        own that would lose near-duplicates whose every word is common (the benchmark's
        generated rows at 1,000,000: every sentence recurs hundreds of times). So every pair of
        a wish's `search_pairs` strongest common search features is a search feature too: two
        common words together (two sentences, two halves of a title) are rare, and a copy
        shares many such pairs with its original. No posting is longer than the cap, so each
        wish costs at most (features + pairs) * cap products and the search grows linearly
        with the number of wishes. (A cap that drops common features instead must grow with n
        on such text, which makes the search quadratic.) Wishes whose search features are all
        rare get exactly the candidates they would get with common features dropped.
        """
        r = sp.hstack(
            [vectors * np.float32(np.sqrt(weight)) for vectors, weight in self._search_kinds()],
            format="csr",
            dtype=np.float32,
        )
        r.sum_duplicates()
        r.eliminate_zeros()
        cap = self.params.search_df_cap
        common = np.bincount(r.indices, minlength=r.shape[1]) > cap
        rows, cols = self._search_selection(common)
        q = sp.csr_matrix(
            (np.asarray(r[rows, cols], dtype=np.float32).ravel(), (rows, cols)), shape=r.shape
        )
        del rows, cols
        if not common.any():
            return r.T.tocsr(), q
        # From here on r holds the postings of rare features only (it is not needed whole).
        r.data[common[r.indices]] = 0.0
        r.eliminate_zeros()
        q_common = q.copy()
        q_common.data[~common[q_common.indices]] = 0.0
        q_common.eliminate_zeros()
        indexed = (r + q_common).tocsr()
        del r
        pairs = _pair_features(q_common, self.params.search_pairs)
        del q_common
        # Transpose and stack one piece at a time: each copy is freed before the next is made.
        postings = indexed.T.tocsr()
        del indexed
        postings = sp.vstack([postings, pairs.T.tocsr()], format="csr")
        postings = _truncate_rows(postings, cap)
        return postings, sp.hstack([q, pairs], format="csr")

    def _search_kinds(self) -> list[tuple[sp.csr_matrix, float]]:
        """The kinds of features the candidate search concatenates, in order, with weights."""
        w = self.params.weights
        return [
            (self.title_vectors, w.title),
            (self.text_vectors, w.text),
            (self.char_vectors, w.char),
        ]

    def _search_selection(self, common: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of each wish's search features in the concatenated vectors.

        Per kind (title words, body words, title n-grams), the `search_features` strongest,
        rare features before common ones. Each kind's own matrix is ranked (one weight per
        kind keeps the order), so no concatenated copy is needed.
        """
        rows_out, cols_out = [], []
        start = 0
        kinds = self._search_kinds()
        for (block, _), limit in zip(kinds, self.params.search_features, strict=True):
            block = block.tocsr()
            is_common = common[start + block.indices]
            bonus = np.float32(1.0 + block.data.max(initial=0.0))
            rank = sp.csr_matrix(
                (
                    block.data + np.where(is_common, 0.0, bonus).astype(np.float32),
                    block.indices,
                    block.indptr,
                ),
                shape=block.shape,
            )
            del is_common
            rows, cols = _top_per_row(rank, limit)
            rows_out.append(rows)
            cols_out.append(cols + start)
            start += block.shape[1]
        return np.concatenate(rows_out), np.concatenate(cols_out)

    def neighbor_arrays(
        self, k: int = 10, progress: Progress | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k most similar other wishes per wish as (positions, scores), -1/0 padded."""
        n = len(self.ids)
        k = max(0, min(k, n - 1))
        out_idx = np.full((n, k), -1, dtype=np.int32)
        out_score = np.zeros((n, k), dtype=np.float32)
        if k == 0:
            return out_idx, out_score
        id_rank = np.empty(n, dtype=np.int64)
        id_rank[np.argsort(np.array(self.ids, dtype=object), kind="stable")] = np.arange(n)
        dense_idx = None
        if self.dense is not None:
            if progress:
                progress("finding embedding neighbours")
            dense_idx = self.dense.all_neighbors(self.params.dense_candidates, progress)[0]
        rt, q = self._retrieval_matrices()
        n_cand = k + self.params.candidates_extra
        step = self.params.chunk_size
        starts = list(range(0, n, step))
        workers = self._workers(n)
        if workers > 1:
            global _FORK_STATE
            _FORK_STATE = (self, q, rt, n_cand, k, id_rank, dense_idx)
            try:
                with multiprocessing.get_context("fork").Pool(workers) as pool:
                    blocks = pool.imap(_neighbor_block, starts)
                    self._collect(blocks, out_idx, out_score, progress)
            finally:
                _FORK_STATE = None
        else:
            blocks = (self._neighbor_block(s, q, rt, n_cand, k, id_rank, dense_idx) for s in starts)
            self._collect(blocks, out_idx, out_score, progress)
        return out_idx, out_score

    def _collect(
        self,
        blocks: Iterable[tuple[int, np.ndarray, np.ndarray]],
        out_idx: np.ndarray,
        out_score: np.ndarray,
        progress: Progress | None,
    ) -> None:
        """Copy finished blocks of neighbours into the output arrays, reporting progress."""
        n = len(self.ids)
        step = self.params.chunk_size
        for start, idx, score in blocks:
            stop = start + len(idx)
            out_idx[start:stop] = idx
            out_score[start:stop] = score
            if progress and (stop == n or (stop // step) % 10 == 0):
                progress(f"neighbours: {stop:,}/{n:,} wishes")

    def _workers(self, n: int) -> int:
        """Processes for the neighbour search: all cores on big corpora where fork exists."""
        if n < self.params.parallel_from or "fork" not in multiprocessing.get_all_start_methods():
            return 1
        return max(1, min(self.params.max_workers, os.cpu_count() or 1))

    def _neighbor_block(
        self,
        start: int,
        q: sp.csr_matrix,
        rt: sp.csr_matrix,
        n_cand: int,
        k: int,
        id_rank: np.ndarray,
        dense_idx: np.ndarray | None = None,
    ) -> tuple[int, np.ndarray, np.ndarray]:
        """Top-k re-scored neighbours of the wishes in one block of rows."""
        stop = min(len(self.ids), start + self.params.chunk_size)
        out_idx = np.full((stop - start, k), -1, dtype=np.int32)
        out_score = np.zeros((stop - start, k), dtype=np.float32)
        sims = (q[start:stop] @ rt).tocsr()
        # The wish itself is always its own best match; drop it before the cut.
        sims.setdiag(0.0, k=start)
        sims.eliminate_zeros()
        rows, cols = _top_per_row(sims, n_cand)
        if dense_idx is not None:
            # Embedding neighbours join the TF-IDF candidates (once each) before re-scoring.
            block = dense_idx[start:stop]
            d_rows, d_slot = np.nonzero((block >= 0) & (block != np.arange(start, stop)[:, None]))
            n = len(self.ids)
            dense_pairs = d_rows.astype(np.int64) * n + block[d_rows, d_slot]
            pair = np.unique(np.concatenate([rows * n + cols, dense_pairs]))
            rows, cols = pair // n, pair % n
        if len(rows):
            score = self.pair_scores(rows + start, cols)
            _keep_top(rows, cols, score, id_rank, 0, k, out_idx, out_score)
        return start, out_idx, out_score

    def neighbors(self, k: int = 10) -> list[list[tuple[str, float]]]:
        """Per wish in index order, up to k other wishes with their score, best first."""
        idx, score = self.neighbor_arrays(k)
        ids = self.ids
        return [
            [(ids[j], float(s)) for j, s in zip(ri.tolist(), rs.tolist(), strict=True) if j >= 0]
            for ri, rs in zip(idx, score, strict=True)
        ]

    # ---- interactive ------------------------------------------------------------------------

    def _column_views(self) -> tuple[sp.csc_matrix, sp.csc_matrix, sp.csc_matrix]:
        """Column-major copies of the vectors, built once, so a query touches only its terms."""
        if self._columns is None:
            self._columns = (
                self.title_vectors.tocsc(),
                self.text_vectors.tocsc(),
                self.char_vectors.tocsc(),
            )
        return self._columns

    def query(
        self,
        title: str,
        body: str = "",
        limit: int = 5,
        exclude: set[str] | None = None,
        embedding: np.ndarray | None = None,
    ) -> list[tuple[str, float]]:
        """Wishes most similar to a draft being typed, best first.

        `embedding` is the draft's sentence embedding; a semantic index then also finds and
        scores wishes by meaning. Without it the answer is purely lexical.
        """
        # The products here are small. BLAS threads left spinning after them compete with the
        # embedding model's threads for the cores on the next request (measured: 45 ms per
        # suggestion instead of 21 on 2 cores), so a query keeps BLAS to one thread.
        with _single_blas_thread():
            return self._query(title, body, limit, exclude, embedding)

    def _query(
        self,
        title: str,
        body: str,
        limit: int,
        exclude: set[str] | None,
        embedding: np.ndarray | None,
    ) -> list[tuple[str, float]]:
        """query() itself."""
        n = len(self.ids)
        if n == 0 or limit <= 0 or not title.strip() and not body.strip():
            return []
        qt, qx, qc, ql = self._vectorize([title], [body])
        ct, cx, cc = self._column_views()
        w = self.params.weights
        total = np.zeros(n, dtype=np.float32)
        for q, cols, weight in ((qt, ct, w.title), (qx, cx, w.text), (qc, cc, w.char)):
            if q.nnz:
                part = cols[:, q.indices] @ q.data
                total += np.float32(weight) * np.asarray(part, dtype=np.float32).ravel()
        excluded = [self._position[e] for e in (exclude or ()) if e in self._position]
        total[excluded] = 0.0
        n_cand = min(n, limit + self.params.candidates_extra)
        cand = np.argpartition(-total, n_cand - 1)[:n_cand] if n_cand < n else np.arange(n)
        cand = cand[total[cand] > 0]
        use_semantic = self.dense is not None and embedding is not None
        if use_semantic:
            assert self.dense is not None and embedding is not None
            near = self.dense.search(embedding, n_cand)[0][0]
            near = near[(near >= 0) & ~np.isin(near, excluded)]
            cand = np.union1d(cand, near).astype(np.int64)
        if len(cand) == 0:
            return []
        title_s = _rowwise_dot(self.title_vectors[cand], sp.vstack([qt] * len(cand), "csr"))
        text_s = _rowwise_dot(self.text_vectors[cand], sp.vstack([qx] * len(cand), "csr"))
        char_s = _rowwise_dot(self.char_vectors[cand], sp.vstack([qc] * len(cand), "csr"))
        qf = _fuzz_title(title)
        fz = np.array(
            [fuzz.token_sort_ratio(qf, self.fuzz_titles[c]) for c in cand.tolist()],
            dtype=np.float32,
        ) / np.float32(100.0)
        cov = self._query_coverage(qt, qx, cand)
        opp = contrasting(np.full(len(cand), contrast_mask(title)), self.contrast_masks[cand])
        # The latent signal re-scores candidates only, as in the neighbour search: a dense
        # product over every wish would cost more than the whole sparse search.
        latent = self._latent_score(self.latent_vectors[cand] @ ql[0]) if ql.shape[1] else None
        if latent is None:
            latent = np.zeros(len(cand), dtype=np.float32)
        semantic = None
        if use_semantic:
            assert self.dense is not None and embedding is not None
            cosine = self.dense.vectors[cand] @ np.asarray(embedding, dtype=np.float32).ravel()
            semantic = self._semantic_score(cosine)
        score = self._combine(title_s, text_s, char_s, fz, cov, latent, opp, semantic)
        ids = self.ids
        ranked = sorted(
            zip(score.tolist(), cand.tolist(), strict=True), key=lambda p: (-p[0], ids[p[1]])
        )
        return [(ids[c], s) for s, c in ranked[:limit] if s > 0]

    def _query_coverage(self, qt: sp.csr_matrix, qx: sp.csr_matrix, cand: np.ndarray) -> np.ndarray:
        """Title coverage between a draft and candidate wishes."""
        q_presence = sp.csr_matrix(
            (np.ones(qx.nnz, dtype=np.float32), qx.indices, qx.indptr), shape=qx.shape
        )
        t2 = self.title_vectors[cand].power(2)
        ab = np.asarray(t2 @ q_presence.T.toarray(), dtype=np.float32).ravel()
        ba = np.asarray(self._presence(cand) @ qt.power(2).T.toarray(), dtype=np.float32).ravel()
        has_q = np.full(len(cand), float(qt.nnz > 0), dtype=np.float32)
        return _coverage(
            ba, ab, has_q, self._title_mass(cand), self.params.weights.coverage_stronger
        )

    # ---- persistence --------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to one file (atomically) so web workers can load it without refitting."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        state = {
            "version": _FILE_VERSION,
            "params": self.params,
            "model": self.model,
            "ids": self.ids,
            "titles": self.titles,
            "title_vectors": self.title_vectors,
            "text_vectors": self.text_vectors,
            "char_vectors": self.char_vectors,
            "latent_vectors": self.latent_vectors,
            "dense": self.dense,
            "embedding_model": self.embedding_model,
            "semantic_floor": self.semantic_floor,
        }
        try:
            joblib.dump(state, tmp)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> DedupeIndex:
        """Read an index written by save(); only load files you wrote (they are pickles)."""
        state = joblib.load(path)
        if not isinstance(state, dict) or state.get("version") != _FILE_VERSION:
            raise ValueError(f"{path}: not a duplicate index file")
        index = cls(state["params"], state["model"])
        index.ids = list(state["ids"])
        index.titles = list(state["titles"])
        index.fuzz_titles = [_fuzz_title(t) for t in index.titles]
        index._position = {d: n for n, d in enumerate(index.ids)}
        index.title_vectors = state["title_vectors"]
        index.text_vectors = state["text_vectors"]
        index.char_vectors = state["char_vectors"]
        index.latent_vectors = state["latent_vectors"]
        index.dense = state["dense"]
        index.embedding_model = state["embedding_model"]
        index.semantic_floor = state["semantic_floor"]
        index.contrast_masks = np.array([contrast_mask(t) for t in index.titles], dtype=np.int64)
        return index
