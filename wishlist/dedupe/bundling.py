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


def _must_link_groups(n: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Per wish, the smallest position of its must-link group (itself when it has none)."""
    if not pairs:
        return np.arange(n, dtype=np.int64)
    a, b = np.array(pairs, dtype=np.int64).T
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    root = np.full(int(comp.max()) + 1, n, dtype=np.int64)
    np.minimum.at(root, comp, np.arange(n, dtype=np.int64))
    return root[comp]


def _unique_pairs(
    lo: np.ndarray, hi: np.ndarray, score: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted pair keys (lo * n + hi) and their scores; a pair listed twice keeps its last."""
    key = lo * n + hi
    last = len(key) - 1 - np.unique(key[::-1], return_index=True)[1]
    return key[last], score[last]


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
    them together. The scorer, when given, is used for the reported cohesion only.

    Two groups merge only if their mean link clears the threshold, so at least one pair
    between them does: groups never cross the connected components of the pairs at or above
    the threshold (with must-link pairs). The work is therefore done only for wishes in
    components of two or more, on the pairs inside them; everything else stays alone. The
    first merges are read from a sorted array and only links recomputed after a merge go
    through a heap, so bundling costs about one sort of the pairs.
    """
    n = len(ids)
    lo = np.asarray(edges[0], dtype=np.int64)
    hi = np.asarray(edges[1], dtype=np.int64)
    es = np.asarray(edges[2], dtype=np.float64)
    lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    must = _positions(ids, must_link)
    group = _must_link_groups(n, must)
    cannot = _positions(ids, cannot_link)
    for a, b in cannot:
        if group[a] == group[b]:
            raise ConstraintError(
                f"wishes {ids[a]!r} and {ids[b]!r} are both must-link and cannot-link"
            )
    # Pairs far below the threshold barely move an average but dominate the edge count on big
    # corpora; dropping them (counting them as 0) can only keep wishes apart.
    keep = (lo != hi) & (es >= threshold * _EDGE_FLOOR)
    key, es = _unique_pairs(lo[keep], hi[keep], es[keep], n)
    lo, hi = key // n, key % n

    # Components of the pairs that could start a merge, must-link groups included.
    strong = es >= threshold
    link_a = np.concatenate([lo[strong], group])
    link_b = np.concatenate([hi[strong], np.arange(n, dtype=np.int64)])
    graph = coo_matrix((np.ones(len(link_a)), (link_a, link_b)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    comp_size = np.bincount(comp)
    inside = comp[lo] == comp[hi]
    key, lo, hi, es = key[inside], lo[inside], hi[inside], es[inside]
    active = np.flatnonzero(comp_size[comp] > 1)
    if not len(active):
        return []

    # Clusters start as must-link groups, named by their smallest position.
    members: dict[int, list[int]] = {}
    for x, g in zip(active.tolist(), group[active].tolist(), strict=True):
        members.setdefault(g, []).append(x)
    # Ties break on the clusters' smallest ids, so input order never matters.
    active_ids = [ids[x] for x in active.tolist()]
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[active[sorted(range(len(active)), key=active_ids.__getitem__)]] = np.arange(len(active))
    # Per starting cluster: its size and its smallest id's rank (arrays by cluster position).
    start_size = np.bincount(group[active], minlength=n)
    start_rank = np.full(n, len(active), dtype=np.int64)
    np.minimum.at(start_rank, group[active], id_rank[active])
    smallest = {c: int(start_rank[c]) for c in members}

    forbidden: dict[int, set[int]] = {}
    for a, b in cannot:
        forbidden.setdefault(int(group[a]), set()).add(b)
        forbidden.setdefault(int(group[b]), set()).add(a)

    # Summed pair scores between clusters, as a sparse adjacency read into a dict per cluster
    # the first time a merge touches it, and kept up to date from then on.
    ca, cb = group[lo], group[hi]
    between = ca != cb
    u, v = np.minimum(ca, cb)[between], np.maximum(ca, cb)[between]
    pair_key, inverse = np.unique(u * n + v, return_inverse=True)
    pair_sum = np.bincount(inverse, weights=es[between], minlength=len(pair_key))
    u, v = pair_key // n, pair_key % n
    adjacency = coo_matrix(
        (np.concatenate([pair_sum, pair_sum]), (np.concatenate([u, v]), np.concatenate([v, u]))),
        shape=(n, n),
    ).tocsr()
    sums: dict[int, dict[int, float]] = {}

    def row_of(c: int) -> dict[int, float]:
        """Cluster c's summed links to its neighbouring clusters."""
        row = sums.get(c)
        if row is None:
            lo_, hi_ = adjacency.indptr[c], adjacency.indptr[c + 1]
            row = dict(
                zip(
                    adjacency.indices[lo_:hi_].tolist(),
                    adjacency.data[lo_:hi_].tolist(),
                    strict=True,
                )
            )
            sums[c] = row
        return row

    def allowed(a: int, b: int) -> bool:
        """Whether merging two clusters keeps every cannot-link pair apart."""
        fa = forbidden.get(a)
        if fa and any(m in fa for m in members[b]):
            return False
        fb = forbidden.get(b)
        return not (fb and any(m in fb for m in members[a]))

    # The first candidate merges, best first: (-link, smaller id rank, larger id rank, a, b).
    link = pair_sum / (start_size[u] * start_size[v])
    ok = link >= threshold
    u, v, link = u[ok], v[ok], link[ok]
    ru, rv = start_rank[u], start_rank[v]
    ka, kb = np.minimum(ru, rv), np.maximum(ru, rv)
    order = np.lexsort((v, u, kb, ka, -link))
    first = list(
        zip(
            (-link[order]).tolist(),
            ka[order].tolist(),
            kb[order].tolist(),
            u[order].tolist(),
            v[order].tolist(),
            strict=True,
        )
    )
    first.reverse()
    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int) -> None:
        """Queue a merge if its average link clears the threshold."""
        value = sums[a][b] / (len(members[a]) * len(members[b]))
        if value >= threshold:
            ra, rb = smallest[a], smallest[b]
            heapq.heappush(heap, (-value, min(ra, rb), max(ra, rb), a, b))

    next_id = n
    while first or heap:
        if heap and (not first or heap[0] < first[-1]):
            _, _, _, a, b = heapq.heappop(heap)
        else:
            _, _, _, a, b = first.pop()
        if a not in members or b not in members or not allowed(a, b):
            continue
        new = next_id
        next_id += 1
        members[new] = members.pop(a) + members.pop(b)
        smallest[new] = min(smallest.pop(a), smallest.pop(b))
        fa, fb = forbidden.pop(a, set()), forbidden.pop(b, set())
        if fa or fb:
            forbidden[new] = fa | fb
        merged: dict[int, float] = {}
        for old in (a, b):
            for d, s in row_of(old).items():
                if d not in (a, b):
                    merged[d] = merged.get(d, 0.0) + s
            sums.pop(old, None)
        sums[new] = merged
        # Heap keys (link, smallest ids) fix the merge order, so pushes need no sorting.
        size_new = len(members[new])
        for d, s in merged.items():
            row = row_of(d)
            row.pop(a, None)
            row.pop(b, None)
            row[new] = s
            if s >= threshold * size_new * len(members[d]) and allowed(new, d):
                push(new, d)

    groups = [sorted(g) for g in members.values() if len(g) > 1]
    cohesion = _cohesion(groups, key, es, n, scorer)
    bundles = [
        Bundle(id=min(names), members=sorted(names), cohesion=round(c, 4))
        for names, c in zip(([ids[m] for m in g] for g in groups), cohesion, strict=True)
    ]
    bundles.sort(key=lambda b: b.id)
    return bundles


def _cohesion(
    groups: list[list[int]],
    known_key: np.ndarray,
    known_score: np.ndarray,
    n: int,
    scorer: PairScorer | None,
) -> list[float]:
    """Mean pairwise similarity of each group's members.

    Known pair scores (sorted keys lo * n + hi) come first; the scorer, when given, scores
    the remaining pairs of groups up to `_EXACT_PAIR_LIMIT` pairs in one batch; any pair
    still unscored counts as 0.
    """
    if not groups:
        return []
    label = np.full(n, -1, dtype=np.int64)
    for g, members in enumerate(groups):
        label[members] = g
    lo, hi = known_key // n, known_key % n
    same = (label[lo] >= 0) & (label[lo] == label[hi])
    total = np.bincount(label[lo[same]], weights=known_score[same], minlength=len(groups)).astype(
        np.float64
    )
    if scorer is not None:
        pair_lo: list[np.ndarray] = []
        pair_hi: list[np.ndarray] = []
        for g in groups:
            if len(g) * (len(g) - 1) // 2 > _EXACT_PAIR_LIMIT:
                continue
            x, y = np.triu_indices(len(g), k=1)
            members = np.asarray(g, dtype=np.int64)
            pair_lo.append(members[x])
            pair_hi.append(members[y])
        if pair_lo:
            a, b = np.concatenate(pair_lo), np.concatenate(pair_hi)
            wanted = a * n + b
            if len(known_key):
                pos = np.minimum(np.searchsorted(known_key, wanted), len(known_key) - 1)
                missing = known_key[pos] != wanted
            else:
                missing = np.ones(len(wanted), dtype=bool)
            if missing.any():
                a, b = a[missing], b[missing]
                scores = np.asarray(scorer(a, b), dtype=np.float64)
                total += np.bincount(label[a], weights=scores, minlength=len(groups))
    pairs = np.array([len(g) * (len(g) - 1) / 2 for g in groups], dtype=np.float64)
    return (total / pairs).tolist()


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
