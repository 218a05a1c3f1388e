"""The duplicate finder in the app: similar-wish suggestions, possible duplicates, bundling runs.

The fitted index (vocabulary and vectors) is expensive, so it is kept in a file under the
instance folder and loaded once per worker; a worker notices a newer file by its modification
time. Wishes added since the file was written are found with one cheap query (`id > newest`)
and added to the worker's copy, so suggestions include them at once without a refit. Words
that the fitted vocabulary has never seen are invisible to an added wish, so while the
collection is small (DEDUPE_REFIT_BELOW wishes, cheap to fit) it is refitted instead. A full
refit also happens on `flask cluster` or the staff button (which picks up edited texts).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from ..dedupe import DEFAULT_THRESHOLD, DedupeIndex, Document, Evidence, bundle, explain
from ..extensions import db
from ..models import Bundle, BundleState, NotDuplicate, Vote, Wish
from .errors import ServiceError

log = logging.getLogger(__name__)
_lock = threading.Lock()


@dataclass
class Similar:
    """A wish similar to some text, with its similarity in [0, 1]."""

    wish: Wish
    score: float
    votes: int


def threshold() -> float:
    """The similarity above which two wishes are suggested as duplicates."""
    return float(current_app.config.get("DEDUPE_THRESHOLD") or DEFAULT_THRESHOLD)


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
    with _lock:
        cache = _cache()
        if not docs:
            cache.clear()
            _index_path().unlink(missing_ok=True)
            return None
        index = DedupeIndex.fit(docs)
        path = _index_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        index.save(path)
        cache.update(index=index, mtime=path.stat().st_mtime_ns, newest=int(docs[-1].id))
        return index


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
        index = cache.get("index")
        fresh = []
        if index is not None:
            fresh = _live_documents(after_id=int(cache["newest"]))  # type: ignore[arg-type]
            small = len(index) + len(fresh) <= current_app.config["DEDUPE_REFIT_BELOW"]  # type: ignore[arg-type]
            if not fresh:
                return index  # type: ignore[return-value]
            if not small:
                index.add(fresh)  # type: ignore[union-attr]
                cache["newest"] = int(fresh[-1].id)
                return index  # type: ignore[return-value]
    # A small collection is refitted: words new to it ("import" beside "export") must count.
    return rebuild_index()


def similar_wishes(
    title: str,
    body: str = "",
    limit: int = 5,
    exclude: set[int] | None = None,
    min_score: float = 0.0,
) -> list[Similar]:
    """Live wishes most like the given text, best first (for 'vote there instead')."""
    if not (title or "").strip() and not (body or "").strip():
        return []
    index = get_index()
    if index is None:
        return []
    skip = {str(i) for i in exclude or ()}
    # Ask for a few more: some hits may have been withdrawn since the index was written.
    hits = [
        (int(i), s) for i, s in index.query(title, body, limit + 5, skip) if s > max(min_score, 0)
    ]
    if not hits:
        return []
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
    return found[:limit]


def possible_duplicates(wish: Wish, limit: int = 5) -> list[Similar]:
    """Wishes that may ask for the same thing as this one, for staff, best first."""
    return similar_wishes(wish.title, wish.body, limit, exclude={wish.id})


def evidence(a: Wish, b: Wish) -> Evidence:
    """Why two wishes look alike: shared terms and phrases, and the component scores."""
    index = get_index()
    return explain(_document(a.id, a.title, a.body), _document(b.id, b.title, b.body), index)


def match_new_wish(wish: Wish) -> Bundle | None:
    """Suggest a bundle for a just-submitted wish from its nearest neighbour, without a refit."""
    try:
        hits = similar_wishes(wish.title, wish.body, limit=5, exclude={wish.id})
        limit = threshold()
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
    groups = bundle(index, threshold(), must_link=must, cannot_link=cannot)
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
    return ClusterSummary(len(index), suggested_bundles, suggested_wishes, threshold())


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
