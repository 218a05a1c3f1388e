"""The dedupe command's work, without the command: CSV in, bundles and neighbours CSVs out."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from wishlist.dedupe.bundling import bundle_labels, bundle_neighbors
from wishlist.dedupe.csvio import read_documents, write_bundles, write_neighbors
from wishlist.dedupe.embedding import (
    Embedder,
    EmbeddingCache,
    EmbeddingUnavailable,
    load_embedder,
    wish_vectors,
)
from wishlist.dedupe.index import DedupeIndex, Progress, default_threshold

# Bundling looks at least this many neighbours per wish even when fewer are written out, so
# the bundles do not depend on --neighbors.
_BUNDLE_NEIGHBOURS = 10


@dataclass(frozen=True)
class RunSummary:
    """What a dedupe run found, for the command to print."""

    documents: int
    bundles: int
    bundled_documents: int
    largest_bundle: int
    neighbor_rows: int
    threshold: float
    seconds: float
    # Which similarity signals were used, e.g. ["tf-idf", "fuzzy", "embeddings (model)"].
    signals: tuple[str, ...] = ()
    # Why embeddings were not used (empty when they were).
    semantic_off_reason: str = ""
    # Wishes the model embedded in this run (the rest came from the cache), and its time.
    embedded_texts: int = 0
    embedding_seconds: float = 0.0


def _neighbor_rows(
    ids: list[str], idx: np.ndarray, score: np.ndarray, k: int
) -> Iterator[list[tuple[str, float]]]:
    """Neighbours of each wish as (id, score) lists, produced lazily to spare memory."""
    for row_idx, row_score in zip(idx[:, :k], score[:, :k], strict=True):
        yield [
            (ids[j], float(s))
            for j, s in zip(row_idx.tolist(), row_score.tolist(), strict=True)
            if j >= 0
        ]


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one batch run.

    A run allocates millions of small objects (rows, words, dict entries) and frees them by
    reference counting; the collector would walk all of them again and again as they pile up
    (30% of reading 1,000,000 rows). The run makes no reference cycles worth collecting.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@_cycle_collector_paused()
def run(
    input_path: str | os.PathLike[str],
    bundles_out: str | os.PathLike[str] | None = None,
    neighbors_out: str | os.PathLike[str] | None = None,
    k: int = 10,
    threshold: float | None = None,
    progress: Progress | None = None,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    semantic: bool | None = None,
    embedder: Embedder | None = None,
    embedding_cache: str | os.PathLike[str] | None = None,
) -> RunSummary:
    """Read wishes from a CSV, find neighbours and bundles, and write the requested CSVs.

    `semantic`: True requires sentence embeddings (EmbeddingUnavailable if the model cannot
    be loaded), False never uses them, None uses them when the model is available. `embedder`
    replaces the configured model; `embedding_cache` names an .npz file of vectors kept
    between runs. `threshold` None means the calibrated default for the signals used.
    """
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    if k < 1:
        raise ValueError(f"the number of neighbours must be at least 1, got {k}")
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    say(f"reading {input_path}")
    docs = read_documents(input_path)
    say(f"read {len(docs):,} wishes")
    off_reason = ""
    if semantic is False:
        off_reason = "--no-semantic"
    elif embedder is None:
        try:
            embedder = load_embedder()
        except EmbeddingUnavailable as exc:
            if semantic:
                raise
            off_reason = str(exc)
            say(f"semantic matching off: {off_reason}")
    vectors = None
    embedded, embed_seconds = 0, 0.0
    if not off_reason and embedder is not None:
        say(f"embedding {len(docs):,} wishes with {embedder.model_id}")
        t0 = time.perf_counter()
        cache = EmbeddingCache(embedding_cache) if embedding_cache is not None else None
        before = len(cache) if cache is not None else 0
        vectors = wish_vectors(
            embedder, [d.title for d in docs], [d.body for d in docs], progress, cache
        )
        embedded = (len(cache) - before) if cache is not None else len(docs)
        del cache
        embed_seconds = round(time.perf_counter() - t0, 3)
        say(f"embeddings ready in {embed_seconds:.1f}s ({embedded:,} wishes through the model)")
    index = DedupeIndex.fit(
        docs,
        progress=progress,
        embeddings=vectors,
        embedding_model=embedder.model_id if vectors is not None and embedder else None,
    )
    del docs, vectors
    if threshold is None:
        threshold = default_threshold(index.semantic)
    signals = ["tf-idf (words, title, characters)", "latent (LSA)", "fuzzy titles"]
    if index.semantic:
        signals.append(f"sentence embeddings ({index.embedding_model})")
    say("finding neighbours")
    idx, score = index.neighbor_arrays(max(k, _BUNDLE_NEIGHBOURS), progress=progress)
    say("bundling")
    bundles = bundle_neighbors(index, (idx, score), threshold, must_link, cannot_link)
    ids = index.ids
    neighbor_rows = int(np.count_nonzero((idx[:, :k] >= 0) & (score[:, :k] > 0)))
    if bundles_out is not None:
        say(f"writing bundles to {bundles_out}")
        write_bundles(bundles_out, ids, bundle_labels(ids, bundles))
    if neighbors_out is not None:
        say(f"writing neighbours to {neighbors_out}")
        write_neighbors(neighbors_out, ids, _neighbor_rows(ids, idx, score, k))
    return RunSummary(
        documents=len(ids),
        bundles=len(bundles),
        bundled_documents=sum(len(b.members) for b in bundles),
        largest_bundle=max((len(b.members) for b in bundles), default=1),
        neighbor_rows=neighbor_rows,
        threshold=threshold,
        seconds=round(time.perf_counter() - started, 3),
        signals=tuple(signals),
        semantic_off_reason=off_reason,
        embedded_texts=embedded,
        embedding_seconds=embed_seconds,
    )
