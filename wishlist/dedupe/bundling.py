"""Group near-duplicate wishes into bundles by average linkage, honouring people's constraints.

Why average linkage and not connected components: components join A~B~C~...~Z through a chain
of pairwise matches, so one bundle can swallow unrelated wishes (on SeaMonkey, components at the
same threshold chain reports into one large bundle; see BENCHMARKS.md). Average linkage only
merges two groups when their *mean* pairwise similarity clears the threshold, so a link at one
end of a chain cannot drag in the other end.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from wishlist.dedupe.index import DEFAULT_THRESHOLD, DedupeIndex

PairScorer = Callable[[np.ndarray, np.ndarray], np.ndarray]

# Cohesion of bundles with more member pairs than this uses known pair scores only, so one
# huge must-link group cannot make bundling quadratic.
_EXACT_PAIR_LIMIT = 20_000
# Known pairs scoring under this share of the threshold are treated as unknown (0).
_EDGE_FLOOR = 0.5


@dataclass(frozen=True)
class Bundle:
    """Wishes suggested as one request: members sorted by id, id = smallest member id."""

    id: str
    members: list[str]
    cohesion: float


class ConstraintError(ValueError):
    """Must-link and cannot-link constraints contradict each other."""


def _edges_from_neighbors(
    idx: np.ndarray, score: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique undirected (i, j, score) edges from padded top-k neighbour arrays."""
    n, k = idx.shape
    rows = np.repeat(np.arange(n, dtype=np.int64), k)
    cols = idx.ravel().astype(np.int64)
    vals = score.ravel()
    keep = cols >= 0
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    a, b = np.minimum(rows, cols), np.maximum(rows, cols)
    key = a * n + b
    _, first = np.unique(key, return_index=True)
    return a[first], b[first], vals[first]


def _positions(ids: Sequence[str], pairs: Iterable[tuple[str, str]]) -> list[tuple[int, int]]:
    """Pairs of ids as pairs of positions; pairs naming unknown ids are skipped."""
    pos = {d: n for n, d in enumerate(ids)}
    out = []
    for a, b in pairs:
        if a in pos and b in pos and a != b:
            out.append((pos[a], pos[b]))
    return out


def average_linkage(
    ids: Sequence[str],
    edges: tuple[np.ndarray, np.ndarray, np.ndarray],
    threshold: float,
    scorer: PairScorer | None = None,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
) -> list[Bundle]:
    """Bundles of 2+ wishes whose mean pairwise similarity is at least the threshold.

    Pairs without a known score (not among each other's nearest neighbours, or under half
    the threshold) count as 0, so a missing link can only keep wishes apart, never pull
    them together. The scorer, when
    given, is used for the reported cohesion only.
    """
    n = len(ids)
    ei, ej, es = edges

    # Must-link groups start as one cluster: union-find over their pairs.
    parent = list(range(n))

    def find(x: int) -> int:
        """Root of x's must-link group."""
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in _positions(ids, must_link):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, list[int]] = {}
    for x in range(n):
        members.setdefault(find(x), []).append(x)
    cluster_of = [find(x) for x in range(n)]

    forbidden: dict[int, set[int]] = {}
    for a, b in _positions(ids, cannot_link):
        if cluster_of[a] == cluster_of[b]:
            raise ConstraintError(
                f"wishes {ids[a]!r} and {ids[b]!r} are both must-link and cannot-link"
            )
        forbidden.setdefault(cluster_of[a], set()).add(b)
        forbidden.setdefault(cluster_of[b], set()).add(a)

    # Sum of known pair scores between clusters, kept up to date as clusters merge, so each
    # merge costs the number of neighbouring clusters rather than the product of sizes.
    sums: dict[int, dict[int, float]] = {c: {} for c in members}
    known: dict[tuple[int, int], float] = {}
    # Pairs far below the threshold barely move an average but dominate the edge count on big
    # corpora; dropping them (counting them as 0) can only keep wishes apart.
    strong = es >= threshold * _EDGE_FLOOR
    ei, ej, es = ei[strong], ej[strong], es[strong]
    for a, b, s in zip(ei.tolist(), ej.tolist(), es.tolist(), strict=True):
        if a == b:
            continue
        known[(min(a, b), max(a, b))] = s
        ca, cb = cluster_of[a], cluster_of[b]
        if ca != cb:
            sums[ca][cb] = sums[ca].get(cb, 0.0) + s
            sums[cb][ca] = sums[cb].get(ca, 0.0) + s
    smallest = {c: min(ids[m] for m in group) for c, group in members.items()}

    def allowed(ca: int, cb: int) -> bool:
        """Whether merging two clusters keeps every cannot-link pair apart."""
        fa = forbidden.get(ca)
        if fa and any(m in fa for m in members[cb]):
            return False
        fb = forbidden.get(cb)
        return not (fb and any(m in fb for m in members[ca]))

    heap: list[tuple[float, str, str, int, int]] = []

    def push(ca: int, cb: int) -> None:
        """Queue a merge if its average link clears the threshold."""
        link = sums[ca][cb] / (len(members[ca]) * len(members[cb]))
        if link >= threshold:
            # Ties break on the clusters' smallest ids, so input order never matters.
            ka, kb = sorted((smallest[ca], smallest[cb]))
            heapq.heappush(heap, (-link, ka, kb, ca, cb))

    for c in sorted(sums):
        for d in sorted(sums[c]):
            if c < d:
                push(c, d)

    next_id = n
    while heap:
        _, _, _, ca, cb = heapq.heappop(heap)
        if ca not in members or cb not in members or not allowed(ca, cb):
            continue
        new = next_id
        next_id += 1
        members[new] = members.pop(ca) + members.pop(cb)
        smallest[new] = min(smallest.pop(ca), smallest.pop(cb))
        for m in members[new]:
            cluster_of[m] = new
        fa, fb = forbidden.pop(ca, set()), forbidden.pop(cb, set())
        if fa or fb:
            forbidden[new] = fa | fb
        merged: dict[int, float] = {}
        for old in (ca, cb):
            for d, s in sums.pop(old).items():
                if d not in (ca, cb):
                    merged[d] = merged.get(d, 0.0) + s
        sums[new] = merged
        # Heap keys (link, smallest ids) fix the merge order, so pushes need no sorting.
        size_new = len(members[new])
        for d, s in merged.items():
            row = sums[d]
            row.pop(ca, None)
            row.pop(cb, None)
            row[new] = s
            if s >= threshold * size_new * len(members[d]) and allowed(new, d):
                push(new, d)

    groups = [sorted(g) for g in members.values() if len(g) > 1]
    _fill_unknown(groups, known, scorer)
    bundles = [_make_bundle(ids, g, known) for g in groups]
    bundles.sort(key=lambda b: b.id)
    return bundles


def _fill_unknown(
    groups: list[list[int]], known: dict[tuple[int, int], float], scorer: PairScorer | None
) -> None:
    """Score, in one batch, the member pairs of each bundle that have no known score."""
    if scorer is None:
        return
    missing = []
    for g in groups:
        if len(g) * (len(g) - 1) // 2 > _EXACT_PAIR_LIMIT:
            continue
        for x in range(len(g)):
            for y in range(x + 1, len(g)):
                if (g[x], g[y]) not in known:
                    missing.append((g[x], g[y]))
    if missing:
        pairs = np.array(missing, dtype=np.int64)
        known.update(zip(missing, scorer(pairs[:, 0], pairs[:, 1]).tolist(), strict=True))


def _make_bundle(
    ids: Sequence[str], group: list[int], known: dict[tuple[int, int], float]
) -> Bundle:
    """A Bundle with its cohesion (mean pairwise similarity of its members)."""
    names = sorted(ids[m] for m in group)
    pairs = [(group[x], group[y]) for x in range(len(group)) for y in range(x + 1, len(group))]
    cohesion = float(np.mean([known.get(p, 0.0) for p in pairs]))
    return Bundle(id=names[0], members=names, cohesion=round(cohesion, 4))


def bundle_neighbors(
    index: DedupeIndex,
    neighbors: tuple[np.ndarray, np.ndarray],
    threshold: float = DEFAULT_THRESHOLD,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
) -> list[Bundle]:
    """Bundle an index's wishes from neighbour arrays already computed by neighbor_arrays()."""
    edges = _edges_from_neighbors(*neighbors)
    return average_linkage(index.ids, edges, threshold, index.pair_scores, must_link, cannot_link)


def bundle(
    source: DedupeIndex | Iterable[tuple[str, str, float]],
    threshold: float = DEFAULT_THRESHOLD,
    must_link: Iterable[tuple[str, str]] = (),
    cannot_link: Iterable[tuple[str, str]] = (),
    k: int = 10,
) -> list[Bundle]:
    """Bundles of 2+ wishes from an index (its top-k neighbours) or from scored id pairs.

    With an index, merges are judged on exact similarities of all member pairs; with bare
    (id_a, id_b, score) pairs, pairs not listed count as 0.
    """
    if isinstance(source, DedupeIndex):
        return bundle_neighbors(
            source, source.neighbor_arrays(k), threshold, must_link, cannot_link
        )
    triples = list(source)
    names = sorted({a for a, _, _ in triples} | {b for _, b, _ in triples})
    pos = {d: n for n, d in enumerate(names)}
    edges = (
        np.array([pos[a] for a, _, _ in triples], dtype=np.int64),
        np.array([pos[b] for _, b, _ in triples], dtype=np.int64),
        np.array([s for _, _, s in triples], dtype=np.float64),
    )
    return average_linkage(names, edges, threshold, None, must_link, cannot_link)


def bundle_labels(ids: Sequence[str], bundles: Iterable[Bundle]) -> list[str]:
    """Bundle id per wish in input order; a wish in no bundle is its own bundle."""
    label = {m: b.id for b in bundles for m in b.members}
    return [label.get(d, d) for d in ids]


def components_labels(
    ids: Sequence[str], neighbors: tuple[np.ndarray, np.ndarray], threshold: float
) -> list[str]:
    """Connected-component labels over pairs above the threshold (chains; for comparison)."""
    n = len(ids)
    a, b, s = _edges_from_neighbors(*neighbors)
    keep = s >= threshold
    graph = coo_matrix((np.ones(int(keep.sum())), (a[keep], b[keep])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    smallest: dict[int, str] = {}
    for d, c in zip(ids, comp.tolist(), strict=True):
        if c not in smallest or d < smallest[c]:
            smallest[c] = d
    return [smallest[c] for c in comp.tolist()]
