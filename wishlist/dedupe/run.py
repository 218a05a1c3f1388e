"""The dedupe command's work, without the command: CSV in, bundles and neighbours CSVs out."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from wishlist.dedupe.bundling import bundle_labels, bundle_neighbors
from wishlist.dedupe.csvio import read_documents, write_bundles, write_neighbors
from wishlist.dedupe.index import DEFAULT_THRESHOLD, DedupeIndex, Progress

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


def run(
    input_path: str | os.PathLike[str],
    bundles_out: str | os.PathLike[str] | None = None,
    neighbors_out: str | os.PathLike[str] | None = None,
    k: int = 10,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Progress | None = None,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
) -> RunSummary:
    """Read wishes from a CSV, find neighbours and bundles, and write the requested CSVs."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    if k < 1:
        raise ValueError(f"the number of neighbours must be at least 1, got {k}")
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    say(f"reading {input_path}")
    docs = read_documents(input_path)
    say(f"read {len(docs):,} wishes")
    index = DedupeIndex.fit(docs, progress=progress)
    del docs
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
    )
