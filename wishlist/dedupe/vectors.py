"""TF-IDF for wishes: stemmed words and in-word character n-grams, built without sklearn's
per-token Python loop so a hundred thousand wishes vectorise in seconds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import randomized_svd
from threadpoolctl import threadpool_limits

from wishlist.dedupe.text import STOP_WORDS, WORD_PATTERN, stem, word_char_grams


def _csr_from_lists(columns: list[int], indptr: list[int], n_cols: int) -> sp.csr_matrix:
    """Count matrix from per-row column lists (duplicates are summed)."""
    indices = np.asarray(columns, dtype=np.int32)
    ptr = np.asarray(indptr, dtype=np.int64)
    data = np.ones(len(indices), dtype=np.float32)
    m = sp.csr_matrix((data, indices, ptr), shape=(len(ptr) - 1, n_cols))
    m.sum_duplicates()
    return m


def _tfidf(
    counts: sp.csr_matrix, idf: np.ndarray, unseen: np.ndarray | None = None
) -> sp.csr_matrix:
    """Sublinear tf times idf, rows L2-normalised (sklearn's TfidfVectorizer, sublinear_tf).

    `unseen` is each row's squared weight of terms the vocabulary does not know: they stay
    out of the vector but still count in its length, so a new word lowers the similarity
    instead of silently vanishing ("Import invoices" is not "invoices").
    """
    m = counts.astype(np.float32, copy=True)
    m.data = (1.0 + np.log(m.data)) * idf[m.indices]
    squares = np.asarray(m.multiply(m).sum(axis=1), dtype=np.float64).ravel()
    if unseen is not None:
        squares = squares + unseen
    norms = np.sqrt(squares)
    norms[norms == 0.0] = 1.0
    m.data /= np.repeat(norms, np.diff(m.indptr)).astype(np.float32)
    return m


def _smooth_idf(counts: sp.csr_matrix, n_cols: int) -> np.ndarray:
    """ln((1 + n) / (1 + df)) + 1, as sklearn computes it."""
    df = np.bincount(counts.indices, minlength=n_cols)
    n = counts.shape[0]
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)


class TermModel:
    """Vocabulary and idf of the word and character features, frozen once fitted."""

    def __init__(self) -> None:
        """An empty model; fit_transform() fills it."""
        # Surface word -> column of its stem, or -1 for stop words; shared by all columns of
        # a stem, so inflections of a word count as one term.
        self.word_column: dict[str, int] = {}
        self.stem_column: dict[str, int] = {}
        self.word_names: list[str] = []
        self.word_idf = np.zeros(0, dtype=np.float32)
        # Character n-grams per whitespace-separated word of a title, as sklearn's char_wb.
        self.gram_column: dict[str, int] = {}
        self.word_grams: dict[str, tuple[int, ...]] = {}
        self.char_idf = np.zeros(0, dtype=np.float32)
        self.n_docs = 0
        # Word column -> latent dimensions (LSA): words used in the same wishes land close
        # together, so "dark mode" and "night theme" can meet without sharing a word.
        self.latent_basis = np.zeros((0, 0), dtype=np.float32)

    # ---- words ----------------------------------------------------------------------------

    def _word_col(self, token: str, grow: bool) -> int:
        """Column of a lower-cased token, learning it when growing; -1 if ignored."""
        col = self.word_column.get(token)
        if col is not None:
            return col
        if token in STOP_WORDS:
            col = -1
        else:
            s = stem(token)
            col = self.stem_column.get(s, -1)
            if col < 0:
                if not grow:
                    return -1
                col = len(self.word_names)
                self.stem_column[s] = col
                self.word_names.append(s)
        self.word_column[token] = col
        return col

    def _word_counts(self, texts: Iterable[str], grow: bool) -> tuple[sp.csr_matrix, np.ndarray]:
        """Stemmed-word count rows for texts, and each row's squared unseen-word weight."""
        columns: list[int] = []
        indptr = [0]
        unseen: list[float] = []
        lookup = self.word_column.get
        find = WORD_PATTERN.findall
        for text in texts:
            new: dict[str, int] = {}
            for token in find(text.lower()):
                col = lookup(token)
                if col is None:
                    col = self._word_col(token, grow)
                    if col < 0 and token not in STOP_WORDS:
                        s = stem(token)
                        new[s] = new.get(s, 0) + 1
                if col >= 0:
                    columns.append(col)
            indptr.append(len(columns))
            unseen.append(sum((1.0 + np.log(c)) ** 2 for c in new.values()) * self._unseen_idf2)
        return _csr_from_lists(columns, indptr, len(self.word_names)), np.array(unseen)

    @property
    def _unseen_idf2(self) -> float:
        """Squared idf of a word no fitted wish uses (document frequency 0)."""
        return float(np.log(1.0 + self.n_docs) + 1.0) ** 2

    # ---- characters -----------------------------------------------------------------------

    def _grams_of(self, word: str, grow: bool) -> tuple[int, ...]:
        """Columns of a word's character n-grams, learning new grams when growing."""
        cached = self.word_grams.get(word)
        if cached is not None:
            return cached
        cols = []
        for g in word_char_grams(word):
            col = self.gram_column.get(g)
            if col is None:
                if not grow:
                    continue
                col = len(self.gram_column)
                self.gram_column[g] = col
            cols.append(col)
        out = tuple(cols)
        if grow or len(cols) == len(word_char_grams(word)):
            self.word_grams[word] = out
        return out

    def _char_counts(self, titles: Iterable[str], grow: bool) -> tuple[sp.csr_matrix, np.ndarray]:
        """Character n-gram count rows for titles, and each row's squared unseen-gram weight."""
        columns: list[int] = []
        indptr = [0]
        unseen: list[float] = []
        lookup = self.word_grams.get
        for title in titles:
            missing = 0
            for word in title.lower().split():
                cols = lookup(word)
                if cols is None:
                    cols = self._grams_of(word, grow)
                    missing += len(word_char_grams(word)) - len(cols)
                columns.extend(cols)
            indptr.append(len(columns))
            unseen.append(missing * self._unseen_idf2)
        return _csr_from_lists(columns, indptr, len(self.gram_column)), np.array(unseen)

    # ---- public ---------------------------------------------------------------------------

    def fit_transform(
        self, titles: Sequence[str], texts: Sequence[str]
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
        """Learn vocabulary and idf from the wishes; return title, text and char vectors."""
        self.n_docs = len(texts)
        text_counts, _ = self._word_counts(texts, grow=True)
        n_words = len(self.word_names)
        self.word_idf = _smooth_idf(text_counts, n_words)
        char_counts, _ = self._char_counts(titles, grow=True)
        self.char_idf = _smooth_idf(char_counts, len(self.gram_column))
        # Every title word is in its own text, so titles see no unseen words here.
        title_counts, _ = self._word_counts(titles, grow=False)
        return (
            _tfidf(title_counts, self.word_idf),
            _tfidf(text_counts, self.word_idf),
            _tfidf(char_counts, self.char_idf),
        )

    def transform(
        self, titles: Sequence[str], texts: Sequence[str]
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
        """Title, text and char vectors of new wishes in the fitted vocabulary."""
        title_counts, title_unseen = self._word_counts(titles, grow=False)
        text_counts, text_unseen = self._word_counts(texts, grow=False)
        char_counts, char_unseen = self._char_counts(titles, grow=False)
        return (
            _tfidf(title_counts, self.word_idf, title_unseen),
            _tfidf(text_counts, self.word_idf, text_unseen),
            _tfidf(char_counts, self.char_idf, char_unseen),
        )

    def fit_latent(
        self, text_vectors: sp.csr_matrix, dims: int, sample: int, seed: int = 0
    ) -> None:
        """Learn the latent basis by truncated SVD of (a fixed random sample of) text vectors."""
        n, n_words = text_vectors.shape
        if n > sample:
            rows = np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
            text_vectors = text_vectors[rows]
        k = min(dims, text_vectors.shape[0] - 1, n_words - 1)
        if k < 1:
            self.latent_basis = np.zeros((n_words, 0), dtype=np.float32)
            return
        # One BLAS thread: the matrices are small, and on a busy machine OpenBLAS's threads
        # spin against each other (measured 5-7x slower with two threads under load).
        with threadpool_limits(1):
            _, _, vt = randomized_svd(text_vectors, k, n_iter=2, random_state=seed)
        # Sign flips of singular vectors are arbitrary; fix them so refits give equal bases.
        signs = np.sign(vt[np.arange(k), np.argmax(np.abs(vt), axis=1)])
        self.latent_basis = np.ascontiguousarray((vt * signs[:, None]).T, dtype=np.float32)

    def latent(self, text_vectors: sp.csr_matrix) -> np.ndarray:
        """Unit-length latent vectors of text vectors (zero rows stay zero)."""
        basis = self.latent_basis
        if basis.shape[1] == 0:
            return np.zeros((text_vectors.shape[0], 0), dtype=np.float32)
        z = np.asarray(text_vectors @ basis, dtype=np.float32)
        norms = np.linalg.norm(z, axis=1, keepdims=True)
        norms[norms == 0.0] = 1.0
        return z / norms

    @property
    def n_words(self) -> int:
        """Number of word columns."""
        return len(self.word_names)

    @property
    def n_grams(self) -> int:
        """Number of character n-gram columns."""
        return len(self.gram_column)
