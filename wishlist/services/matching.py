"""The duplicate finder in the app: similar-wish suggestions, possible duplicates, bundling runs.

The fitted index (vocabulary and vectors) is expensive, so it is kept in a file under the
instance folder and loaded once per worker; a worker notices a newer file by its modification
time. Wishes added since the file was written are found with one cheap query (`id > newest`)
and added to the worker's copy, so suggestions include them at once without a refit. Words
that the fitted vocabulary has never seen are invisible to an added wish, so while the
collection is small (DEDUPE_REFIT_BELOW wishes, cheap to fit) it is refitted instead. A full
refit also happens on `flask cluster` or the staff button (which picks up edited texts).

Semantic matching is optional. When the semantic extra is installed and EMBEDDING_MODEL does
not switch it off, a local sentence-embedding model (loaded once per process) turns each
wish's title and body into one vector, stored in `wish_embedding` and computed again only when
the text or the model changes; the index then scores meaning as well as words. A new wish
costs one model call, a draft being typed one more. Without the extra everything is lexical
and the staff pages say why (`semantic_status`). An index file built with another model (or
without one) is rebuilt. A model that fails at run time is logged and left alone for
EMBEDDER_RETRY_SECONDS, matching lexically meanwhile; no wish is ever lost to it.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from ..dedupe import DedupeIndex, Document, Evidence, bundle, default_threshold, explain
from ..dedupe import embedding as embeddings
from ..dedupe.embedding import VECTOR_RECIPE, Embedder, EmbeddingUnavailable
from ..extensions import db, insert_for
from ..models import Bundle, BundleState, NotDuplicate, Vote, Wish, WishEmbedding, utcnow
from .errors import ServiceError

log = logging.getLogger(__name__)
_lock = threading.Lock()

# Seconds a model that failed at run time is left unused before this process loads it again.
EMBEDDER_RETRY_SECONDS = 300.0
# Stored vectors are read in chunks of ids (SQLite caps bound parameters); above this many
# wishes all of a model's vectors are read at once instead.
_LOOKUP_CHUNK = 500
_LOOKUP_ALL_ABOVE = 5_000
_STORE_CHUNK = 500
# Up to this many new wishes (an import) are matched one by one, as on submission; more are
# bundled by one full run, which refits the vocabulary (so words new to the collection count)
# and links the new wishes to each other by average linkage. At 20,000 wishes with embeddings,
# matching takes 20 ms a wish (4 s for 200; lexically 7 ms), a full run 29 s (324 s when no
# wish is embedded yet), so below this a full run would cost more than it finds (2026-12-08).
MATCH_EACH_MAX = 1_000
# Set in a session's info while it holds writes that are not committed yet (see _store).
_UNSAVED = "wishlist.matching.unsaved"


@dataclass
class Similar:
    """A wish similar to some text, with its similarity in [0, 1]."""

    wish: Wish
    score: float
    votes: int


# ---- the embedding model ------------------------------------------------------------------


@dataclass
class _Loaded:
    """What loading one model setting gave this process: a model, or the reason there is none."""

    embedder: Embedder | None
    reason: str = ""
    # For a failure that may pass (the model broke at run time): when to try loading again.
    retry_at: float | None = None


_embedders: dict[str, _Loaded] = {}
_embedder_lock = threading.Lock()


def _setting() -> str:
    """The configured model setting (an empty EMBEDDING_MODEL means the built-in model)."""
    return embeddings.model_setting(current_app.config.get("EMBEDDING_MODEL") or "")


def _loaded() -> _Loaded:
    """This process's model for the configured setting, loaded (or refused) once."""
    key = _setting()
    with _embedder_lock:
        entry = _embedders.get(key)
        if entry is not None and (entry.retry_at is None or time.monotonic() < entry.retry_at):
            return entry
        try:
            entry = _Loaded(embeddings.load_embedder(key))
            log.info("semantic matching is on (%s)", entry.embedder.model_id)  # type: ignore[union-attr]
        except EmbeddingUnavailable as exc:
            entry = _Loaded(None, str(exc))
            # Switching it off is a choice, not a problem worth a warning.
            chosen = key.lower() in embeddings.OFF_VALUES
            log.log(
                logging.INFO if chosen else logging.WARNING, "semantic matching is off: %s", exc
            )
        except Exception as exc:  # noqa: BLE001 - a model that will not load means lexical matching
            entry = _Loaded(
                None,
                f"the embedding model could not be loaded ({type(exc).__name__}: {exc})",
                time.monotonic() + EMBEDDER_RETRY_SECONDS,
            )
            log.warning("semantic matching is off: %s", entry.reason, exc_info=True)
        _embedders[key] = entry
        return entry


def embedder() -> Embedder | None:
    """The sentence-embedding model in use, or None when matching is lexical only."""
    return _loaded().embedder


def semantic_status() -> tuple[bool, str]:
    """Whether semantic matching is on, with the model's name, or the reason it is off."""
    entry = _loaded()
    if entry.embedder is not None:
        return True, entry.embedder.model_id
    return False, entry.reason


def reset_embedder() -> None:
    """Forget the loaded models and their failures, so the next use loads them again."""
    with _embedder_lock:
        _embedders.clear()


def _model_failed(model: Embedder, exc: BaseException) -> None:
    """Log a model failing at run time and match lexically until it is retried."""
    log.error(
        "embedding model %s failed; matching lexically for the next %d seconds",
        model.model_id,
        EMBEDDER_RETRY_SECONDS,
        exc_info=exc,
    )
    key = _setting()
    with _embedder_lock:
        entry = _embedders.get(key)
        if entry is not None and entry.embedder is model:
            _embedders[key] = _Loaded(
                None,
                f"the embedding model {model.model_id} failed ({type(exc).__name__}: {exc}); "
                f"it is tried again within {EMBEDDER_RETRY_SECONDS / 60:.0f} minutes",
                time.monotonic() + EMBEDDER_RETRY_SECONDS,
            )


def _embed(model: Embedder, titles: list[str], bodies: list[str]) -> np.ndarray | None:
    """One vector per wish text from one model call, or None if the model failed."""
    try:
        vectors = np.asarray(embeddings.wish_vectors(model, titles, bodies), dtype=np.float32)
        if vectors.shape != (len(titles), model.dim):
            raise ValueError(f"expected {len(titles)} vectors of {model.dim}, got {vectors.shape}")
    except Exception as exc:  # noqa: BLE001 - a broken model must not cost anyone their wish
        _model_failed(model, exc)
        return None
    return vectors


# ---- stored vectors -----------------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context: Any) -> None:
    """Remember that the session holds flushed, uncommitted changes."""
    session.info[_UNSAVED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    """INSERT, UPDATE and DELETE statements bypass the flush; remember those too."""
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_UNSAVED] = True


@event.listens_for(Session, "after_transaction_end")
def _note_end(session: Session, transaction: SessionTransaction) -> None:
    """A committed or rolled-back outer transaction leaves nothing unsaved."""
    if transaction.parent is None:
        session.info.pop(_UNSAVED, None)


def _has_unsaved_work(session: Session) -> bool:
    """Whether someone else's changes are waiting in the session (pending or flushed)."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(_UNSAVED))


def _text_hash(title: str, body: str | None) -> str:
    """Fingerprint of the title and body a wish's vector is made from, and of how it is made."""
    text = f"{VECTOR_RECIPE}\0{title.strip()}\0{(body or '').strip()}"
    return hashlib.sha1(text.encode()).hexdigest()


def _stored_vectors(model: Embedder, ids: list[int]) -> dict[int, tuple[str, np.ndarray]]:
    """Stored vectors (with the hash of their text) of these wishes under this model."""
    columns = select(WishEmbedding.wish_id, WishEmbedding.text_hash, WishEmbedding.vector).where(
        WishEmbedding.model == model.model_id
    )
    if len(ids) > _LOOKUP_ALL_ABOVE:
        queries = [columns]
    else:
        queries = [
            columns.where(WishEmbedding.wish_id.in_(ids[s : s + _LOOKUP_CHUNK]))
            for s in range(0, len(ids), _LOOKUP_CHUNK)
        ]
    wanted = set(ids)
    found: dict[int, tuple[str, np.ndarray]] = {}
    for query in queries:
        for wish_id, text_hash, blob in db.session.execute(query):
            vector = np.frombuffer(blob, dtype="<f4")
            if wish_id in wanted and vector.shape == (model.dim,):
                found[wish_id] = (text_hash, vector)
    return found


def _store(model: Embedder, rows: dict[int, tuple[str, np.ndarray]]) -> None:
    """Save wishes' new vectors, replacing stale ones.

    They are committed only if nothing else was waiting in the session; otherwise they join
    the caller's transaction (inside a savepoint, so a failure here cannot spoil it). Failing
    to store is logged and costs only a model call next time.
    """
    now = utcnow()
    values = [
        {
            "wish_id": wish_id,
            "model": model.model_id,
            "text_hash": text_hash,
            "vector": np.asarray(vector, dtype="<f4").tobytes(),
            "created_at": now,
        }
        for wish_id, (text_hash, vector) in rows.items()
    ]
    insert = insert_for(WishEmbedding.__table__)
    # An upsert, so two workers embedding the same wish at once both succeed.
    upsert = insert.on_conflict_do_update(
        index_elements=["wish_id"],
        set_={c: insert.excluded[c] for c in ("model", "text_hash", "vector", "created_at")},
    )
    session = db.session
    busy = _has_unsaved_work(session)
    try:
        if busy:
            with session.begin_nested():
                for s in range(0, len(values), _STORE_CHUNK):
                    session.execute(upsert, values[s : s + _STORE_CHUNK])
        else:
            for s in range(0, len(values), _STORE_CHUNK):
                session.execute(upsert, values[s : s + _STORE_CHUNK])
            session.commit()
    except Exception:  # noqa: BLE001 - the vectors are still good for this call
        if not busy:
            session.rollback()
        log.warning("could not store %d wish embeddings", len(values), exc_info=True)


def _vectors_for(docs: Sequence[Document], model: Embedder | None = None) -> np.ndarray | None:
    """One vector per wish (rows in `docs` order): stored ones, and new or edited texts
    embedded in one model call and stored. None when matching is lexical or the model failed.
    """
    model = model or embedder()
    if model is None:
        return None
    out = np.zeros((len(docs), model.dim), dtype=np.float32)
    if not docs:
        return out
    hashes = [_text_hash(d.title, d.body) for d in docs]
    stored = _stored_vectors(model, sorted({int(d.id) for d in docs}))
    missing = []
    for n, (doc, text_hash) in enumerate(zip(docs, hashes, strict=True)):
        hit = stored.get(int(doc.id))
        if hit is not None and hit[0] == text_hash:
            out[n] = hit[1]
        else:
            missing.append(n)
    if missing:
        fresh = _embed(model, [docs[n].title for n in missing], [docs[n].body for n in missing])
        if fresh is None:
            return None
        out[missing] = fresh
        _store(model, {int(docs[n].id): (hashes[n], out[n]) for n in missing})
    return out


def _index_model(index: DedupeIndex) -> Embedder | None:
    """The model whose vectors the index holds, if it is semantic and that model is in use."""
    model = embedder()
    if model is None or not index.semantic or index.embedding_model != model.model_id:
        return None
    return model


# ---- the index ----------------------------------------------------------------------------


def threshold() -> float:
    """The similarity above which two wishes are suggested as duplicates."""
    return _threshold(embedder() is not None)


def _threshold(semantic: bool) -> float:
    """The configured threshold, else the one calibrated for lexical or semantic scores."""
    configured = current_app.config.get("DEDUPE_THRESHOLD")
    return float(configured) if configured else default_threshold(semantic)


def _index_path() -> Path:
    """Where the fitted index lives."""
    return Path(current_app.instance_path) / "dedupe-index.joblib"


def _document(wish_id: int, title: str, body: str | None) -> Document:
    """A wish as the duplicate finder sees it."""
    return Document(str(wish_id), title, body or "")


def _live_documents(after_id: int = 0) -> list[Document]:
    """Wishes not withdrawn (optionally only newer than an id), in id order."""
    rows = db.session.execute(
        select(Wish.id, Wish.title, Wish.body)
        .where(Wish.withdrawn_at.is_(None), Wish.id > after_id)
        .order_by(Wish.id)
    )
    return [_document(*row) for row in rows]


def _cache() -> dict[str, object]:
    """This worker's copy of the index."""
    return current_app.extensions.setdefault("wishlist.matching", {})


def rebuild_index() -> DedupeIndex | None:
    """Refit the index on every live wish and write it for the other workers."""
    docs = _live_documents()
    entry = _loaded()
    model = entry.embedder
    vectors = _vectors_for(docs, model) if docs and model is not None else None
    # A lexical stand-in for a model that is failing in this process stays in this process:
    # the file is left to the workers whose model works.
    stand_in = vectors is None and (model is not None or entry.retry_at is not None)
    with _lock:
        cache = _cache()
        path = _index_path()
        if not docs:
            cache.clear()
            path.unlink(missing_ok=True)
            return None
        index = DedupeIndex.fit(
            docs,
            embeddings=vectors,
            embedding_model=model.model_id if model is not None and vectors is not None else None,
        )
        if not (stand_in and path.exists()):
            path.parent.mkdir(parents=True, exist_ok=True)
            index.save(path)
        cache.update(index=index, mtime=path.stat().st_mtime_ns, newest=int(docs[-1].id))
        _spare_from_collector(index)
        return index


def discard_index() -> None:
    """Forget the fitted index (file and this worker's copy) after wishes were bulk-replaced.

    A saved index describes the wishes it was fitted on; after a reset and a bulk load its ids
    name other texts, and catching it up would add every new wish to a stale vocabulary. With
    no file, the next request that needs the index refits it from the database.
    """
    with _lock:
        _cache().clear()
        _index_path().unlink(missing_ok=True)


# Indexes at least this big are frozen out of the cyclic collector's walks once loaded.
FREEZE_FROM = 10_000


def _spare_from_collector(index: DedupeIndex) -> None:
    """Keep the cyclic collector from walking a big just-loaded index again and again.

    A loaded index of 100,000 wishes is hundreds of thousands of long-lived objects; every
    full collection walked them, adding 110 ms to every 13th staff wish page. Frozen objects
    are still freed by reference counting when a newer index replaces them. Small indexes
    (refitted as wishes arrive) are left alone: collecting each time would cost more.
    """
    if len(index) >= FREEZE_FROM:
        gc.collect()
        gc.freeze()


def get_index() -> DedupeIndex | None:
    """This worker's index, reloaded if another process wrote a newer one, and caught up."""
    path = _index_path()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        mtime = None
    cache = _cache()
    if mtime is None:
        return rebuild_index()
    model = embedder()
    wanted = model.model_id if model is not None else None
    with _lock:
        if cache.get("mtime") != mtime:
            try:
                index = DedupeIndex.load(path)
            except Exception:  # noqa: BLE001 - a broken file is rebuilt, never fatal
                log.warning("duplicate index %s unreadable; rebuilding", path, exc_info=True)
                index = None
            if index is None:
                cache.clear()
            else:
                newest = max((int(i) for i in index.ids), default=0)
                cache.update(index=index, mtime=mtime, newest=newest)
                _spare_from_collector(index)
        index = cache.get("index")
        # An index of another model (or with none, or with one no longer available) is refitted.
        if index is not None and index.embedding_model == wanted:  # type: ignore[attr-defined]
            fresh = _live_documents(after_id=int(cache["newest"]))  # type: ignore[arg-type]
            small = len(index) + len(fresh) <= current_app.config["DEDUPE_REFIT_BELOW"]  # type: ignore[arg-type]
            if not fresh:
                return index  # type: ignore[return-value]
            if not small:
                vectors = _vectors_for(fresh, model) if model is not None else None
                if model is None or vectors is not None:
                    index.add(fresh, embeddings=vectors)  # type: ignore[union-attr]
                    cache["newest"] = int(fresh[-1].id)
                    return index  # type: ignore[return-value]
    # A small collection is refitted: words new to it ("import" beside "export") must count.
    return rebuild_index()


def _similar(
    title: str,
    body: str,
    limit: int,
    exclude: set[int] | None,
    min_score: float,
    wish: Document | None = None,
) -> tuple[list[Similar], DedupeIndex | None]:
    """Live wishes most like a text, and the index that found them.

    For a stored `wish` its stored vector is used; a draft is embedded here (one model call).
    """
    if not (title or "").strip() and not (body or "").strip():
        return [], None
    index = get_index()
    if index is None:
        return [], None
    vector = None
    model = _index_model(index)
    if model is not None:
        if wish is not None:
            vectors = _vectors_for([wish], model)
        else:
            # A draft being typed is embedded by its title only (its body still counts through
            # the words): one short model call, ~3 ms, where title and body cost ~14 ms per
            # keystroke pause and kept suggestions over 30 ms (BENCHMARKS.md). A submitted wish
            # is matched with its full vector.
            head = (title or "").strip() or (body or "").strip()[:300]
            vectors = _embed(model, [head], [""])
        vector = vectors[0] if vectors is not None else None
    skip = {str(i) for i in exclude or ()}
    # Ask for a few more: some hits may have been withdrawn since the index was written.
    hits = [
        (int(i), s)
        for i, s in index.query(title, body, limit + 5, skip, embedding=vector)
        if s > max(min_score, 0)
    ]
    if not hits:
        return [], index
    wishes = {
        w.id: w
        for w in db.session.scalars(
            select(Wish).where(Wish.id.in_([i for i, _ in hits]), Wish.withdrawn_at.is_(None))
        )
    }
    votes = dict(
        db.session.execute(
            select(Vote.wish_id, func.count(Vote.id))
            .where(Vote.wish_id.in_(list(wishes)))
            .group_by(Vote.wish_id)
        ).all()
    )
    found = [Similar(wishes[i], round(s, 4), votes.get(i, 0)) for i, s in hits if i in wishes]
    return found[:limit], index


def similar_wishes(
    title: str,
    body: str = "",
    limit: int = 5,
    exclude: set[int] | None = None,
    min_score: float = 0.0,
) -> list[Similar]:
    """Live wishes most like the given text, best first (for 'vote there instead')."""
    return _similar(title, body, limit, exclude, min_score)[0]


def possible_duplicates(wish: Wish, limit: int = 5) -> list[Similar]:
    """Wishes that may ask for the same thing as this one, for staff, best first."""
    doc = _document(wish.id, wish.title, wish.body)
    return _similar(wish.title, wish.body, limit, {wish.id}, 0.0, doc)[0]


def evidence(a: Wish, b: Wish) -> Evidence:
    """Why two wishes look alike: shared terms and phrases, and the component scores."""
    index = get_index()
    doc_a, doc_b = _document(a.id, a.title, a.body), _document(b.id, b.title, b.body)
    vectors = None
    model = _index_model(index) if index is not None else None
    if model is not None:
        found = _vectors_for([doc_a, doc_b], model)
        vectors = (found[0], found[1]) if found is not None else None
    return explain(doc_a, doc_b, index, embeddings=vectors)


def match_new_wish(wish: Wish) -> Bundle | None:
    """Suggest a bundle for a just-submitted wish from its nearest neighbour, without a refit."""
    try:
        doc = _document(wish.id, wish.title, wish.body)
        # The wish's one model call: its vector is stored here, so catching the index up and
        # querying it read the stored vector instead of embedding the wish again.
        _vectors_for([doc])
        hits, index = _similar(wish.title, wish.body, 5, {wish.id}, 0.0, doc)
        limit = _threshold(index is not None and index.semantic)
        for hit in hits:
            if hit.score < limit:
                break
            other = hit.wish
            if _marked_different(wish.id, other.id):
                continue
            target = other.bundle
            if target is None:
                target = Bundle(title=other.title, description="", confirmed=False)
                db.session.add(target)
                db.session.flush()
                other.bundle_id, other.bundle_state = target.id, BundleState.SUGGESTED
                other.bundle_score = hit.score
            wish.bundle_id, wish.bundle_state = target.id, BundleState.SUGGESTED
            wish.bundle_score = hit.score
            db.session.commit()
            return target
    except Exception:  # noqa: BLE001 - a suggestion must never cost the customer their wish
        db.session.rollback()
        log.exception("matching wish %s against existing wishes failed", wish.id)
    return None


def _marked_different(a: int, b: int) -> bool:
    """Whether a person said these two wishes are not duplicates."""
    low, high = min(a, b), max(a, b)
    return db.session.get(NotDuplicate, (low, high)) is not None


def match_new_wishes(wish_ids: Sequence[int]) -> ClusterSummary:
    """Match just-added wishes one by one, as on submission: no refit, no re-bundling."""
    wishes = list(
        db.session.scalars(
            select(Wish).where(Wish.id.in_(list(wish_ids)), Wish.withdrawn_at.is_(None))
        )
    )
    wishes.sort(key=lambda w: w.id)
    try:
        # One model call for all of them; each match below then reads its stored vector.
        _vectors_for([_document(w.id, w.title, w.body) for w in wishes])
    except Exception:  # noqa: BLE001 - without vectors each match embeds its own wish
        db.session.rollback()
        log.exception("embedding %d new wishes failed", len(wishes))
    bundles: set[int] = set()
    for wish in wishes:
        # An earlier wish of this batch may have pulled this one into its bundle already.
        if wish.bundle_id is not None:
            continue
        found = match_new_wish(wish)
        if found is not None:
            bundles.add(found.id)
    suggested = sum(1 for w in wishes if w.bundle_state == BundleState.SUGGESTED)
    return ClusterSummary(len(wishes), len(bundles), suggested, threshold())


def bundle_new_wishes(wish_ids: Sequence[int]) -> tuple[bool, ClusterSummary]:
    """Find duplicates of newly added wishes: each matched on its own, or for more than
    MATCH_EACH_MAX of them one full run over every wish. Says whether it was the full run."""
    if len(wish_ids) > MATCH_EACH_MAX:
        return True, recompute_bundles()
    return False, match_new_wishes(wish_ids)


@dataclass
class ClusterSummary:
    """What a bundling run did."""

    wishes: int
    suggested_bundles: int
    suggested_wishes: int
    threshold: float


def recompute_bundles() -> ClusterSummary:
    """Refit the index and replace every suggestion; confirmed bundles and 'not duplicate'
    decisions are constraints the engine must keep."""
    index = rebuild_index()
    # Suggestions are recomputed from scratch; people's decisions are not touched.
    for wish in db.session.scalars(select(Wish).where(Wish.bundle_state == BundleState.SUGGESTED)):
        wish.bundle_id, wish.bundle_state, wish.bundle_score = None, None, None
    db.session.flush()
    for stale in db.session.scalars(select(Bundle).where(Bundle.confirmed.is_(False))):
        if not stale.wishes:
            db.session.delete(stale)
    db.session.flush()
    if index is None:
        db.session.commit()
        return ClusterSummary(0, 0, 0, threshold())
    members: dict[int, list[int]] = {}
    state: dict[int, tuple[int | None, BundleState | None]] = {}
    for wid, bid, bstate, withdrawn in db.session.execute(
        select(Wish.id, Wish.bundle_id, Wish.bundle_state, Wish.withdrawn_at)
    ):
        if withdrawn is None:
            state[wid] = (bid, bstate)
            if bid is not None and bstate == BundleState.CONFIRMED:
                members.setdefault(bid, []).append(wid)
    must = [(str(ids[n]), str(ids[n + 1])) for ids in members.values() for n in range(len(ids) - 1)]
    cannot = [
        (str(a), str(b))
        for a, b in db.session.execute(select(NotDuplicate.wish_a_id, NotDuplicate.wish_b_id))
        if a in state and b in state
    ]
    limit = _threshold(index.semantic)
    groups = bundle(index, limit, must_link=must, cannot_link=cannot)
    suggested_bundles = suggested_wishes = 0
    for group in groups:
        ids = [int(m) for m in group.members]
        unbundled = [i for i in ids if state[i][0] is None]
        if not unbundled:
            continue
        confirmed = sorted({state[i][0] for i in ids if state[i][0] is not None})
        if confirmed:
            # Join the biggest confirmed bundle; joining two confirmed bundles is a person's call.
            target_id = max(confirmed, key=lambda b: (len(members.get(b, [])), -b))
            target = db.session.get(Bundle, target_id)
        else:
            target = Bundle(title=_best_title(ids), description="", confirmed=False)
            db.session.add(target)
            db.session.flush()
            suggested_bundles += 1
        for wid in unbundled:
            wish = db.session.get(Wish, wid)
            wish.bundle_id, wish.bundle_state = target.id, BundleState.SUGGESTED
            wish.bundle_score = group.cohesion
            suggested_wishes += 1
    db.session.commit()
    return ClusterSummary(len(index), suggested_bundles, suggested_wishes, limit)


def _best_title(wish_ids: list[int]) -> str:
    """A suggested bundle is named after its most-voted wish (lowest id on ties)."""
    row = db.session.execute(
        select(Wish.title)
        .outerjoin(Vote, Vote.wish_id == Wish.id)
        .where(Wish.id.in_(wish_ids))
        .group_by(Wish.id, Wish.title)
        .order_by(func.count(Vote.id).desc(), Wish.id)
        .limit(1)
    ).first()
    if row is None:
        raise ServiceError("No wishes to name the bundle after.")
    return row[0]
