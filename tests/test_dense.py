"""Nearest-neighbour search over embeddings: exact when small, cell-probed when big."""

from __future__ import annotations

import numpy as np

from wishlist.dedupe.dense import DenseIndex


def _unit(rows: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _exact(v: np.ndarray, k: int) -> np.ndarray:
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    return np.argsort(-sims, axis=1, kind="stable")[:, :k]


def test_exact_neighbours_match_brute_force_and_never_the_row_itself():
    v = _unit(300)
    idx, sims = DenseIndex(v).all_neighbors(5)
    assert (idx == _exact(v, 5)).all()
    assert not (idx == np.arange(300)[:, None]).any()
    assert (np.diff(sims, axis=1) <= 1e-6).all()


def test_asking_for_more_neighbours_than_rows_pads_with_minus_one():
    v = _unit(3)
    idx, sims = DenseIndex(v).all_neighbors(5)
    assert (idx[:, 2:] == -1).all() and (sims[:, 2:] == 0).all()
    assert sorted(idx[0, :2].tolist()) == [1, 2]


def test_probed_search_finds_most_true_neighbours_and_repeats_exactly():
    # Clustered data, as embeddings of texts are: 40 topics of 20 rows.
    rng = np.random.default_rng(3)
    centres = _unit(40, 32, seed=4)
    v = np.repeat(centres, 20, axis=0) + 0.06 * rng.normal(size=(800, 32)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    probed = DenseIndex(v, exact_below=100, probes=4)
    idx, _ = probed.all_neighbors(5)
    assert probed.centroids is not None  # the cell search was used
    truth = _exact(v, 5)
    recall = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(idx, truth, strict=True)])
    assert recall >= 0.9
    again, _ = DenseIndex(v, exact_below=100, probes=4).all_neighbors(5)
    assert (again == idx).all()


def test_search_finds_a_vector_added_after_the_cells_were_built():
    v = _unit(400, seed=5)
    index = DenseIndex(v, exact_below=100, probes=3)
    index.all_neighbors(3)
    new = _unit(1, seed=99)
    index.add(new)
    idx, sims = index.search(new, 1)
    assert idx[0, 0] == 400
    assert abs(sims[0, 0] - 1.0) < 1e-5
