"""Tests for the framework-free duplicate finder (no app, no shared data)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from wishlist.dedupe import (
    DEFAULT_THRESHOLD,
    ConstraintError,
    DedupeIndex,
    DedupeInputError,
    Document,
    IndexParams,
    Weights,
    bundle,
    bundle_labels,
    components_labels,
    explain,
    read_documents,
    run,
    write_bundles,
    write_neighbors,
)
from wishlist.dedupe.bundling import average_linkage
from wishlist.dedupe.text import contrast_mask, contrasting

WISHES = [
    Document("w1", "Export invoices to CSV", "I need to export my invoices to a CSV file."),
    Document("w2", "Import invoices from CSV", "Let me upload a CSV file and import invoices."),
    Document("w3", "Exporting invoices as CSV", "Please allow exporting invoices as a CSV file."),
    Document("w4", "Dark mode", "Please add a dark theme for working at night."),
    Document("w5", "Add a dark mode", "A dark theme would be easier on the eyes at night."),
    Document("w6", "Invoice reminders by email", "Email customers when an invoice is overdue."),
    Document("w7", "PDF invoices", "Attach invoices as PDF files to the email."),
    Document("w8", "Invoice numbering", "Let me choose the invoice number format."),
    Document("w9", "Export customers to Excel", "Download the customer list as a spreadsheet."),
    Document("w10", "Two-factor login", "Support authenticator apps when logging in."),
    Document(
        "w11", "Invoice totals in the dashboard", "Show unpaid invoice totals on the start page."
    ),
    Document("w12", "Recurring invoices", "Send the same invoice every month automatically."),
    Document("w13", "Single sign-on with Google", "Log in with a Google account."),
    Document("w14", "Mobile app for iPhone", "A native iOS app to create invoices on the go."),
    Document("w15", "Keyboard shortcuts", "Shortcuts for creating and saving invoices quickly."),
]


@pytest.fixture(scope="module")
def index() -> DedupeIndex:
    """An index over the hand-made wishes."""
    return DedupeIndex.fit(WISHES)


def test_paraphrase_ranks_first(index: DedupeIndex) -> None:
    """The reworded duplicate is every wish's best neighbour."""
    neighbours = dict(zip([d.id for d in WISHES], index.neighbors(3), strict=True))
    assert neighbours["w1"][0][0] == "w3"
    assert neighbours["w3"][0][0] == "w1"
    assert neighbours["w4"][0][0] == "w5"
    assert neighbours["w1"][0][1] >= DEFAULT_THRESHOLD


def test_duplicates_found_when_every_word_is_common() -> None:
    """Copies are still found when each of their words recurs in far more wishes than the
    search reads per feature (as in a big corpus whose wording repeats), and no feature's
    postings are read further than that."""
    rng = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(60)]
    docs = [
        Document(
            f"d{x:03d}",
            " ".join(rng.sample(words, 5)),
            " ".join(rng.choice(words) for _ in range(20)),
        )
        for x in range(300)
    ]
    sources = rng.sample(range(300), 20)
    for c, x in enumerate(sources):
        # A reworded copy: title words swapped, half the body kept and half new.
        title = docs[x].title.split()
        title[0], title[1] = title[1], title[0]
        body = docs[x].body.split()[:10] + [rng.choice(words) for _ in range(10)]
        docs.append(Document(f"copy{c}", " ".join(title), " ".join(body)))
    cap = 8
    ix = DedupeIndex.fit(docs, IndexParams(search_df_cap=cap))
    postings, _ = ix._retrieval_matrices()
    assert np.diff(postings.indptr).max() <= cap
    neighbours = dict(zip(ix.ids, ix.neighbors(3), strict=True))
    found = sum(docs[x].id in [n for n, _ in neighbours[f"copy{c}"]] for c, x in enumerate(sources))
    assert found >= 18


def test_neighbors_sorted_and_in_range(index: DedupeIndex) -> None:
    """Neighbour lists are best first, exclude the wish itself, and scores lie in [0, 1]."""
    for doc, row in zip(WISHES, index.neighbors(5), strict=True):
        scores = [s for _, s in row]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert doc.id not in [i for i, _ in row]


def test_hard_negative_below_threshold(index: DedupeIndex) -> None:
    """Export and import of the same thing are different wishes."""
    evidence = explain(WISHES[0], WISHES[1], index)
    assert evidence.score < DEFAULT_THRESHOLD
    labels = bundle_labels(index.ids, bundle(index))
    assert labels[0] != labels[1]
    assert labels[0] == labels[2]


def test_explain_gives_shared_terms(index: DedupeIndex) -> None:
    """Evidence names the shared words and every component."""
    evidence = explain(WISHES[0], WISHES[2], index)
    assert {"csv", "invoices"} <= set(evidence.shared_terms)
    assert set(evidence.components) >= {"title", "text", "char", "fuzz"}
    assert 0.0 <= evidence.score <= 1.0
    pair = index.pair_scores(np.array([0]), np.array([2]))[0]
    assert evidence.score == pytest.approx(float(pair), abs=1e-4)


def test_explain_without_index() -> None:
    """explain() works on two bare documents."""
    evidence = explain(Document("a", "Dark mode"), Document("b", "Dark mode please"))
    assert "dark" in evidence.shared_terms
    assert 0.0 <= evidence.score <= 1.0


def chain_edges() -> tuple[list[str], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A chain A~B~C~D~E where each link is strong but the ends have nothing in common."""
    ids = ["A", "B", "C", "D", "E"]
    edges = [(0, 1, 0.9), (1, 2, 0.8), (2, 3, 0.8), (3, 4, 0.9)]
    return ids, (
        np.array([a for a, _, _ in edges]),
        np.array([b for _, b, _ in edges]),
        np.array([s for _, _, s in edges]),
    )


def test_no_chaining_with_average_linkage() -> None:
    """Links at the ends of a chain do not pull the whole chain into one bundle."""
    ids, edges = chain_edges()
    bundles = average_linkage(ids, edges, 0.5)
    labels = bundle_labels(ids, bundles)
    assert labels[0] != labels[4]
    assert labels[0] == labels[1] and labels[3] == labels[4]
    assert max(len(b.members) for b in bundles) <= 3
    # Connected components, by contrast, chain everything together.
    n = len(ids)
    idx = np.full((n, 2), -1, dtype=np.int32)
    score = np.zeros((n, 2), dtype=np.float32)
    for a, b, s in zip(*edges, strict=True):
        for x, y in ((a, b), (b, a)):
            slot = int(np.argmax(idx[x] < 0))
            idx[x, slot], score[x, slot] = y, s
    assert len(set(components_labels(ids, (idx, score), 0.5))) == 1


def test_no_chaining_on_texts() -> None:
    """Text overlap A~B~C~D with unrelated A and D does not become one bundle."""
    docs = [
        Document("a", "Export invoices to CSV", "Export invoices to a CSV file"),
        Document("b", "Export invoices and payments to CSV", "CSV export of payments"),
        Document("c", "Payments report by month", "Export payments report monthly"),
        Document("d", "Monthly report emailed to the team", "Email the report to the team"),
        Document("e", "Team members and roles", "Invite team members with roles"),
    ]
    ix = DedupeIndex.fit(docs)
    labels = bundle_labels(ix.ids, bundle(ix, threshold=0.1))
    assert labels[0] != labels[3]
    assert labels[1] != labels[4]


def test_cannot_link_respected(index: DedupeIndex) -> None:
    """A cannot-link pair never shares a bundle, even when it is the closest pair."""
    labels = bundle_labels(index.ids, bundle(index, cannot_link=[("w1", "w3")]))
    assert labels[0] != labels[2]
    ids, edges = chain_edges()
    assert (
        bundle_labels(ids, average_linkage(ids, edges, 0.5, cannot_link=[("A", "B")]))[0]
        != (bundle_labels(ids, average_linkage(ids, edges, 0.5, cannot_link=[("A", "B")]))[1])
    )


def test_must_link_respected(index: DedupeIndex) -> None:
    """Must-link groups stay together on every run, even when their texts differ."""
    for _ in range(2):
        labels = bundle_labels(index.ids, bundle(index, must_link=[("w10", "w13"), ("w13", "w4")]))
        assert labels[9] == labels[12] == labels[3]


def test_conflicting_constraints_raise(index: DedupeIndex) -> None:
    """A pair that is both must-link and cannot-link is an error, not a silent choice."""
    with pytest.raises(ConstraintError, match="w1"):
        bundle(index, must_link=[("w1", "w2")], cannot_link=[("w2", "w1")])


def test_bundle_from_scored_pairs() -> None:
    """bundle() also takes bare (id, id, score) pairs."""
    bundles = bundle([("x", "y", 0.9), ("y", "z", 0.2)], threshold=0.5)
    assert [b.members for b in bundles] == [["x", "y"]]
    assert bundles[0].id == "x"
    assert bundles[0].cohesion == pytest.approx(0.9)


def test_deterministic_and_order_independent() -> None:
    """Same input gives the same output; shuffled input gives the same bundles."""
    first = DedupeIndex.fit(WISHES)
    again = DedupeIndex.fit(WISHES)
    assert first.neighbors(5) == again.neighbors(5)
    assert bundle(first) == bundle(again)
    shuffled = list(WISHES)
    random.Random(7).shuffle(shuffled)
    other = DedupeIndex.fit(shuffled)
    assert {tuple(b.members) for b in bundle(other)} == {tuple(b.members) for b in bundle(first)}
    by_id = dict(zip(other.ids, other.neighbors(3), strict=True))
    for doc_id, row in zip(first.ids, first.neighbors(3), strict=True):
        assert [i for i, _ in row] == [i for i, _ in by_id[doc_id]]


def naive_average_linkage(
    ids: list[str],
    scores: dict[tuple[int, int], float],
    threshold: float,
    must: list[tuple[int, int]],
    cannot: list[tuple[int, int]],
) -> list[list[str]]:
    """Textbook average linkage: merge the best allowed pair of clusters until none clears.

    Unknown pairs and pairs under half the threshold count as 0; ties go to the pair whose
    smallest ids sort first. Quadratic, for checking the real one on small graphs.
    """
    clusters: list[list[int]] = [[x] for x in range(len(ids))]
    for a, b in must:
        ca = next(c for c in clusters if a in c)
        cb = next(c for c in clusters if b in c)
        if ca is not cb:
            clusters.remove(cb)
            ca.extend(cb)

    def score(a: int, b: int) -> float:
        s = scores.get((min(a, b), max(a, b)), 0.0)
        return s if s >= threshold * 0.5 else 0.0

    while True:
        best = None
        for x in range(len(clusters)):
            for y in range(x + 1, len(clusters)):
                cx, cy = clusters[x], clusters[y]
                if any((a, b) in cannot or (b, a) in cannot for a in cx for b in cy):
                    continue
                link = sum(score(a, b) for a in cx for b in cy) / (len(cx) * len(cy))
                first = sorted((min(ids[m] for m in cx), min(ids[m] for m in cy)))
                key = (-link, first[0], first[1])
                if link >= threshold and (best is None or key < best[0]):
                    best = (key, x, y)
        if best is None:
            break
        _, x, y = best
        clusters[x] = clusters[x] + clusters[y]
        del clusters[y]
    return sorted(sorted(ids[m] for m in c) for c in clusters if len(c) > 1)


def test_average_linkage_matches_the_textbook_algorithm() -> None:
    """On random graphs with constraints, bundles equal those of the quadratic algorithm."""
    rng = random.Random(5)
    for trial in range(60):
        n = rng.randint(2, 14)
        ids = [f"id{rng.randrange(1000):03d}-{x}" for x in range(n)]
        # Scores on a coarse grid make ties, which must break the same way.
        scores = {
            (a, b): rng.choice([0.1, 0.3, 0.5, 0.6, 0.6, 0.8, 0.9])
            for a in range(n)
            for b in range(a + 1, n)
            if rng.random() < 0.45
        }
        must = [(a, a + 1) for a in range(n - 1) if rng.random() < 0.1]
        groups = {x: x for x in range(n)}
        for a, b in must:
            groups[b] = groups[a]
        cannot = [
            (a, b)
            for a in range(n)
            for b in range(a + 1, n)
            if rng.random() < 0.05 and groups[a] != groups[b]
        ]
        edges = (
            np.array([a for a, _ in scores], dtype=np.int64),
            np.array([b for _, b in scores], dtype=np.int64),
            np.array(list(scores.values())),
        )
        got = average_linkage(
            ids,
            edges,
            0.5,
            must_link=[(ids[a], ids[b]) for a, b in must],
            cannot_link=[(ids[a], ids[b]) for a, b in cannot],
        )
        want = naive_average_linkage(ids, scores, 0.5, must, cannot)
        assert sorted(b.members for b in got) == want, f"trial {trial}"
        for b in got:
            pos = sorted(ids.index(m) for m in b.members)
            pairs = [(x, y) for i, x in enumerate(pos) for y in pos[i + 1 :]]
            # Without a scorer, cohesion is the mean of the known scores (weak ones as 0).
            known = [scores.get(p, 0.0) for p in pairs]
            mean = sum(v for v in known if v >= 0.25) / len(pairs)
            assert b.cohesion == pytest.approx(mean, abs=1e-4)


def test_wishes_without_a_strong_link_stay_alone() -> None:
    """Many weak links never add up to a bundle; one strong pair among them does."""
    n = 40
    ids = [f"w{x:02d}" for x in range(n)]
    pairs = [(x, y) for x in range(n) for y in range(x + 1, n)]
    a = np.array([x for x, _ in pairs])
    b = np.array([y for _, y in pairs])
    s = np.where((a == 0) & (b == 1), 0.95, 0.4)
    bundles = average_linkage(ids, (a, b, s), 0.5)
    assert [bd.members for bd in bundles] == [["w00", "w01"]]


def test_query_finds_similar(index: DedupeIndex) -> None:
    """A draft finds the matching wish first, and exclude removes it."""
    hits = index.query("dark theme", limit=3)
    assert hits[0][0] in {"w4", "w5"}
    assert all(0.0 <= s <= 1.0 for _, s in hits)
    hits = index.query("dark theme", limit=3, exclude={"w4", "w5"})
    assert {"w4", "w5"}.isdisjoint(i for i, _ in hits)
    assert index.query("   ") == []


def test_query_matches_pair_scores(index: DedupeIndex) -> None:
    """Querying with an indexed wish's text scores its duplicate as the pair score does."""
    hits = dict(index.query(WISHES[0].title, WISHES[0].body, limit=5, exclude={"w1"}))
    expected = float(index.pair_scores(np.array([0]), np.array([2]))[0])
    assert hits["w3"] == pytest.approx(expected, abs=1e-4)


def test_save_load_roundtrip(index: DedupeIndex, tmp_path: Path) -> None:
    """A saved and loaded index answers queries identically."""
    path = tmp_path / "dedupe.joblib"
    index.save(path)
    loaded = DedupeIndex.load(path)
    for text in ("dark theme", "csv export of invoices", "login with google"):
        assert loaded.query(text) == index.query(text)
    assert loaded.neighbors(3) == index.neighbors(3)
    assert [p.name for p in tmp_path.iterdir()] == ["dedupe.joblib"]


def test_index_file_of_an_older_version_is_refused(index: DedupeIndex, tmp_path: Path) -> None:
    """A file saved by an older engine (other search settings) is refused, not half-used."""
    import joblib

    path = tmp_path / "dedupe.joblib"
    index.save(path)
    state = joblib.load(path)
    state["version"] = 3
    joblib.dump(state, path)
    with pytest.raises(ValueError, match="not a duplicate index file"):
        DedupeIndex.load(path)


def test_add_makes_new_wish_findable() -> None:
    """A wish added after fitting is found by query and neighbours."""
    ix = DedupeIndex.fit(WISHES)
    ix.add([Document("new", "Night mode with a dark theme", "dark colours at night")])
    assert ix.query("dark theme at night", limit=3)[0][0] in {"new", "w4", "w5"}
    assert "new" in [i for i, _ in ix.query("dark theme at night", limit=3)]
    row = ix.neighbors(3)[ix.position("new")]
    assert row[0][0] in {"w4", "w5"}
    with pytest.raises(ValueError, match="already"):
        ix.add([Document("new", "again")])


# ---- CSV ------------------------------------------------------------------------------------


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write a CSV fixture file."""
    path.write_bytes(text.encode(encoding))
    return path


def test_read_bom_and_extra_columns(tmp_path: Path) -> None:
    """A BOM and unknown columns are fine; body is optional."""
    path = write(tmp_path / "in.csv", "\ufeffvotes,id,Title,body\n3,a,Dark mode,x\n1,b,Export,\n")
    docs = read_documents(path)
    assert docs == [Document("a", "Dark mode", "x"), Document("b", "Export", "")]
    path = write(tmp_path / "nobody.csv", "id,title\n7,Só ünïcode\n")
    assert read_documents(path) == [Document("7", "Só ünïcode")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,body\n1,x\n", "no 'title' column"),
        ("title\nx\n", "no 'id' column"),
        ("", "empty"),
        ("id,title\n", "no wishes"),
        ("id,title\na,x\nb,y\na,z\n", "duplicate id 'a' in rows 2 and 4"),
        ("id,title\na,x\n,y\n", "row 3 has an empty id"),
    ],
)
def test_read_errors(tmp_path: Path, content: str, message: str) -> None:
    """Bad input raises one clear line naming the problem."""
    path = write(tmp_path / "bad.csv", content)
    with pytest.raises(DedupeInputError, match=message) as info:
        read_documents(path)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_read_bad_encoding(tmp_path: Path) -> None:
    """A Latin-1 file is rejected with the line where it breaks."""
    path = write(tmp_path / "latin.csv", "id,title\na,ok\nb,Caf\u00e9\n", encoding="latin-1")
    with pytest.raises(DedupeInputError, match="line 3 is not valid UTF-8"):
        read_documents(path)


def test_run_writes_outputs(tmp_path: Path) -> None:
    """A run writes both CSVs in input order with the documented headers."""
    rows = "\n".join(f'{d.id},"{d.title}","{d.body}"' for d in WISHES)
    src = write(tmp_path / "in.csv", "id,title,body\n" + rows + "\n")
    messages: list[str] = []
    summary = run(src, tmp_path / "b.csv", tmp_path / "n.csv", k=2, progress=messages.append)
    assert summary.documents == len(WISHES)
    assert messages
    bundles = (tmp_path / "b.csv").read_text(encoding="utf-8").splitlines()
    assert bundles[0] == "id,bundle_id"
    assert [line.split(",")[0] for line in bundles[1:]] == [d.id for d in WISHES]
    labels = dict(line.split(",") for line in bundles[1:])
    assert labels["w1"] == labels["w3"] and labels["w10"] == "w10"
    neighbours = (tmp_path / "n.csv").read_text(encoding="utf-8").splitlines()
    assert neighbours[0] == "id,neighbor_id,score"
    first = neighbours[1].split(",")
    assert first[:2] == ["w1", "w3"] and len(first[2].split(".")[1]) == 4
    assert max(sum(1 for r in neighbours[1:] if r.startswith(f"{d.id},")) for d in WISHES) <= 2


def test_failed_run_leaves_no_output(tmp_path: Path) -> None:
    """A bad input leaves neither output file behind, nor temp files."""
    src = write(tmp_path / "in.csv", "id,title\na,x\na,y\n")
    with pytest.raises(DedupeInputError):
        run(src, tmp_path / "b.csv", tmp_path / "n.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_failed_write_leaves_no_file(tmp_path: Path) -> None:
    """An error while writing removes the temp file and does not create the target."""
    with pytest.raises(ValueError):
        write_bundles(tmp_path / "b.csv", ["a", "b"], ["a"])

    def broken_rows():
        """Neighbour rows that fail half-way, like a crash during a long write."""
        yield [("b", 0.5)]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_neighbors(tmp_path / "n.csv", ["a", "b"], broken_rows())
    assert list(tmp_path.iterdir()) == []


# --- opposite actions and the latent signal -----------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "opposite"),
    [
        ("Export invoices to CSV", "Import invoices from CSV", True),
        ("Approve expenses from Slack", "Submit expenses from Slack", True),
        ("Approve expense reports", "Reject expense reports", True),
        ("Disable email alerts", "Enabling email alerts", True),
        ("Sign in with Google", "Sign out of every device", True),
        ("Export invoices to CSV", "CSV export for invoices", False),
        ("Import and export invoices", "Export invoices", False),
        ("Dark mode", "Night theme", False),
    ],
)
def test_contrasting_titles(a: str, b: str, opposite: bool) -> None:
    """Titles taking opposite sides of an action pair are flagged, in either order."""
    ma, mb = np.array([contrast_mask(a)]), np.array([contrast_mask(b)])
    assert bool(contrasting(ma, mb)[0]) is opposite
    assert bool(contrasting(mb, ma)[0]) is opposite


def test_contrast_penalty_lowers_opposite_actions_only() -> None:
    """The contrast weight lowers import-vs-export and leaves a paraphrase pair alone."""
    plain = DedupeIndex.fit(WISHES, IndexParams(weights=Weights(contrast=0.0)))
    strict = DedupeIndex.fit(WISHES, IndexParams(weights=Weights(contrast=0.8)))
    opposite = (np.array([0]), np.array([1]))  # export vs import
    paraphrase = (np.array([0]), np.array([2]))  # export vs exporting
    assert strict.pair_scores(*opposite)[0] < plain.pair_scores(*opposite)[0] * 0.3
    assert strict.pair_scores(*paraphrase)[0] == pytest.approx(plain.pair_scores(*paraphrase)[0])
    assert explain(WISHES[0], WISHES[1], strict).components["contrast"] == 1.0


def _many_wishes(n: int, seed: int = 7) -> list[Document]:
    """n made-up wishes from a small vocabulary, enough for the latent signal to switch on."""
    rng = random.Random(seed)
    words = [
        "invoice", "export", "csv", "dark", "theme", "mode", "night", "report", "schedule",
        "email", "slack", "approval", "mobile", "offline", "budget", "receipt", "card", "audit",
    ]  # fmt: skip
    return [
        Document(f"d{i}", " ".join(rng.sample(words, 3)), " ".join(rng.sample(words, 6)))
        for i in range(n)
    ]


def test_latent_signal_is_deterministic() -> None:
    """Two fits on the same wishes give identical latent vectors and scores."""
    docs = _many_wishes(150)
    a, b = DedupeIndex.fit(docs), DedupeIndex.fit(docs)
    assert a.latent_vectors.shape[1] > 0
    np.testing.assert_array_equal(a.latent_vectors, b.latent_vectors)
    np.testing.assert_array_equal(a.neighbor_arrays(5)[0], b.neighbor_arrays(5)[0])


def test_latent_signal_off_for_small_collections(index: DedupeIndex, tmp_path: Path) -> None:
    """A handful of wishes teaches no latent space, and its weight goes to the text score."""
    assert index.latent_vectors.shape == (len(WISHES), 0)
    assert explain(WISHES[0], WISHES[2], index).components["latent"] == 0.0
    big = DedupeIndex.fit(_many_wishes(120))
    path = tmp_path / "latent.joblib"
    big.save(path)
    again = DedupeIndex.load(path)
    np.testing.assert_array_equal(big.latent_vectors, again.latent_vectors)
    assert big.query("dark night theme", limit=3) == again.query("dark night theme", limit=3)
