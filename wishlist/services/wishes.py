"""The forum's rules: submitting, finding, voting on, following and discussing wishes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from ..extensions import db, insert_for
from ..models import (
    BODY_MAX,
    COMMENT_MAX,
    TITLE_MAX,
    Account,
    BundleState,
    Comment,
    Follow,
    Importance,
    ProductArea,
    StatusChange,
    User,
    Vote,
    Wish,
    WishStatus,
    utcnow,
)
from . import counters, matching, notify, ranking_changes
from .errors import Forbidden, NotFound, ServiceError
from .kept import kept
from .text import optional_text, require_text

SORTS = ("top", "newest", "trending")
SEARCH_COUNT_CAP = 1_000
_TRENDING_KEY = "wishlist.trending"
_TOTAL_KEY = "wishlist.forum_total"
REASON_MAX = 2_000


@dataclass(frozen=True)
class WishFilter:
    """What a wish listing shows: sort order, status, product area, search text, whose."""

    sort: str = "top"
    status: WishStatus | None = None
    area_id: int | None = None
    q: str = ""
    author_id: int | None = None
    voter_id: int | None = None

    @property
    def unfiltered(self) -> bool:
        """Whether this is the whole forum, only sorted (the listing every worker can keep)."""
        return self == WishFilter(sort=self.sort)


@dataclass
class WishRow:
    """A wish with the counts a listing shows beside it."""

    wish: Wish
    votes: int
    critical: int
    important: int
    comments: int
    my_vote: Importance | None = None


@dataclass
class Page:
    """One page of a listing."""

    items: list[WishRow]
    page: int
    per_page: int
    total: int
    # A text search counts at most SEARCH_COUNT_CAP matches; True when there are more.
    capped: bool = False
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        """Whether there is an earlier page."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether there is a later page."""
        return self.page < self.pages


DB_INT_MAX = 2**63 - 1


def parse_page(value: str | None) -> int:
    """Return a page number from the query string, or raise a clear error."""
    if value is None or value == "":
        return 1
    try:
        page = int(value)
    except ValueError:
        raise ServiceError("The page number must be a whole number.") from None
    if page < 1 or page > 1_000_000:
        raise ServiceError("The page number must be 1 or more.")
    return page


def parse_filter(args: dict[str, str], viewer: User) -> WishFilter:
    """Read a WishFilter from query arguments, rejecting values that mean nothing."""
    sort = args.get("sort") or "top"
    if sort not in SORTS:
        raise ServiceError(f"Unknown sort order '{sort}'. Use one of: {', '.join(SORTS)}.")
    status = None
    if args.get("status"):
        try:
            status = WishStatus(args["status"])
        except ValueError:
            raise ServiceError(f"Unknown status '{args['status']}'.") from None
    area_id = None
    if args.get("area"):
        try:
            area_id = int(args["area"])
        except ValueError:
            raise ServiceError("Unknown product area.") from None
        # Databases reject integers past 64 bits with an error, not an empty result.
        if not 0 < area_id <= DB_INT_MAX:
            raise ServiceError("Unknown product area.")
    q = optional_text(args.get("q"), "Search", 200)
    return WishFilter(sort=sort, status=status, area_id=area_id, q=q)


def _vote_counts(since: datetime):  # noqa: ANN202 - SQL subquery
    """Subquery of votes per wish cast since a moment (for "trending")."""
    # Grouped by an expression, not the column: otherwise SQLite walks the wish_id index over
    # every vote (1,000,000) to group in order, instead of reading the recent ones (a range of
    # the created_at index) and grouping those: 150 ms against 20 ms.
    wish_id = (Vote.wish_id + 0).label("wish_id")
    return (
        select(wish_id, func.count().label("votes"))
        .where(Vote.created_at >= since)
        .group_by(wish_id)
        .subquery()
    )


def _listing_query(viewer: User, wf: WishFilter) -> Select:
    """The listing SELECT for a filter: each wish with its counters (see services/counters.py)."""
    comments = Wish.public_comments
    if viewer.is_staff:
        comments = Wish.public_comments + Wish.internal_comments
    query = select(
        Wish, Wish.vote_count, Wish.critical_votes, Wish.important_votes, comments
    ).where(Wish.withdrawn_at.is_(None))
    if wf.status is not None:
        query = query.where(Wish.status == wf.status)
    if wf.area_id is not None:
        query = query.where(Wish.product_area_id == wf.area_id)
    if wf.author_id is not None:
        query = query.where(Wish.author_id == wf.author_id)
    if wf.voter_id is not None:
        query = query.where(Wish.id.in_(select(Vote.wish_id).where(Vote.user_id == wf.voter_id)))
    for term in wf.q.split()[:10]:
        query = query.where(
            or_(
                Wish.title.icontains(term, autoescape=True),
                Wish.body.icontains(term, autoescape=True),
            )
        )
    return query


def list_wishes(viewer: User, wf: WishFilter, page: int = 1, per_page: int | None = None) -> Page:
    """Return one page of the wishes a viewer can see, filtered and sorted."""
    per_page = per_page or current_app.config["WISHES_PER_PAGE"]
    query = _listing_query(viewer, wf)
    capped = False
    if wf.q:
        # Counting every match of a text search reads every wish's text (70 ms at 100,000);
        # counting stops past the cap, and the list says "1,000+" (refine to see the rest).
        found = query.with_only_columns(Wish.id).limit(SEARCH_COUNT_CAP + 1).subquery()
        total = db.session.scalar(select(func.count()).select_from(found)) or 0
        capped = total > SEARCH_COUNT_CAP
        total = min(total, SEARCH_COUNT_CAP)
    elif wf.unfiltered:
        total = _live_total()
    else:
        total = db.session.scalar(query.with_only_columns(func.count(Wish.id))) or 0
    pages = max(1, math.ceil(total / per_page))
    if page > pages:
        raise NotFound(f"There is no page {page}; the last page is {pages}.")
    start = (page - 1) * per_page
    if wf.sort == "trending":
        rows = _cached_trending_page(viewer, wf, start, per_page)
        if rows is None:
            rows = _trending_page(query, start, per_page)
    else:
        if wf.sort == "newest":
            query = query.order_by(Wish.created_at.desc(), Wish.id.desc())
        else:
            query = query.order_by(Wish.vote_count.desc(), Wish.id.desc())
        rows = db.session.execute(query.limit(per_page).offset(start)).all()
    mine = _my_votes(viewer, [row[0].id for row in rows])
    items = [
        WishRow(
            wish=row[0],
            votes=row[1] or 0,
            critical=row[2] or 0,
            important=row[3] or 0,
            comments=row[4] or 0,
            my_vote=mine.get(row[0].id),
        )
        for row in rows
    ]
    return Page(items=items, page=page, per_page=per_page, total=total, capped=capped)


def _live_total() -> int:
    """How many wishes the unfiltered forum lists, reused by this worker for a few seconds.

    Counting 100,000 live wishes is a full scan (10 ms of database time on PostgreSQL) on
    every forum page; the figure under the list may lag TRENDING_CACHE_SECONDS / 6 behind.
    """
    ttl = float(current_app.config.get("TRENDING_CACHE_SECONDS", 0)) / 6
    live = select(func.count(Wish.id)).where(Wish.withdrawn_at.is_(None))
    return kept(_TOTAL_KEY, ttl, lambda: db.session.scalar(live) or 0)


def _hot_order() -> list[int]:
    """Live wishes with recent votes in trending order, reused by this worker for a while.

    Counting the last TRENDING_DAYS of votes is most of a trending page (64,000 votes into
    23,000 wishes: 40-90 ms of database time, half of all database time under load), and the
    answer barely moves within a minute, so each worker keeps it TRENDING_CACHE_SECONDS.
    """
    since = utcnow() - timedelta(days=current_app.config["TRENDING_DAYS"])
    recent = _vote_counts(since)
    order = (
        select(Wish.id)
        .join(recent, recent.c.wish_id == Wish.id)
        .where(Wish.withdrawn_at.is_(None))
        .order_by(recent.c.votes.desc(), Wish.vote_count.desc(), Wish.id.desc())
    )
    ttl = float(current_app.config.get("TRENDING_CACHE_SECONDS", 0))
    return kept(_TRENDING_KEY, ttl, lambda: list(db.session.scalars(order)))


def _cached_trending_page(
    viewer: User, wf: WishFilter, start: int, per_page: int
) -> list[Any] | None:
    """A page of the unfiltered trending list from the worker's kept order; None when the
    list is filtered, the cache is off, or the page lies past the wishes with recent votes."""
    if not wf.unfiltered or float(current_app.config.get("TRENDING_CACHE_SECONDS", 0)) <= 0:
        return None
    order = _hot_order()
    if start + per_page > len(order):
        return None
    ids = order[start : start + per_page]
    chosen = _listing_query(viewer, WishFilter()).where(Wish.id.in_(ids))
    found = {row[0].id: row for row in db.session.execute(chosen)}
    # A wish withdrawn since the order was kept drops out until the next refresh.
    return [found[i] for i in ids if i in found]


def _trending_page(query: Select, start: int, per_page: int) -> list[Any]:
    """One page of "trending": votes in the last TRENDING_DAYS, then all votes, then newest id.

    Wishes with recent votes come first; sorting only those (a few thousand of 100,000) and
    reading the rest in the order of the vote-count index is the same order as one sort of
    every wish on the combined key, without that sort (150 ms at 100,000 wishes).
    """
    since = utcnow() - timedelta(days=current_app.config["TRENDING_DAYS"])
    recent = _vote_counts(since)
    hot = query.join(recent, recent.c.wish_id == Wish.id)
    rows: list[Any] = list(
        db.session.execute(
            hot.order_by(recent.c.votes.desc(), Wish.vote_count.desc(), Wish.id.desc())
            .limit(per_page)
            .offset(start)
        )
    )
    if len(rows) < per_page:
        # Past the last wish with recent votes: where the others start decides their offset.
        if rows:
            hot_total = start + len(rows)
        else:
            hot_total = db.session.scalar(hot.with_only_columns(func.count(Wish.id))) or 0
        rest = query.where(Wish.id.not_in(select(recent.c.wish_id))).order_by(
            Wish.vote_count.desc(), Wish.id.desc()
        )
        rows += db.session.execute(
            rest.limit(per_page - len(rows)).offset(max(0, start - hot_total))
        ).all()
    return rows


def _my_votes(viewer: User, wish_ids: list[int]) -> dict[int, Importance]:
    """Map wish id to the viewer's vote importance for the given wishes."""
    if not wish_ids:
        return {}
    rows = db.session.execute(
        select(Vote.wish_id, Vote.importance).where(
            Vote.user_id == viewer.id, Vote.wish_id.in_(wish_ids)
        )
    )
    return {wish_id: importance for wish_id, importance in rows}


def get_wish(wish_id: int, viewer: User) -> Wish:
    """Return a wish the viewer may see; withdrawn wishes are visible to staff only."""
    wish = db.session.get(
        Wish,
        wish_id,
        # The page shows each comment's author and who made each status change: one query
        # each, instead of one per person.
        options=[
            selectinload(Wish.comments).selectinload(Comment.author),
            selectinload(Wish.status_changes).selectinload(StatusChange.changed_by),
        ],
    )
    if wish is None or (wish.is_withdrawn and not viewer.is_staff):
        raise NotFound("That wish does not exist or was withdrawn.")
    return wish


def _open_wish(wish_id: int) -> Wish:
    """Return a wish that can take votes and comments (exists, not withdrawn)."""
    wish = db.session.get(Wish, wish_id)
    if wish is None or wish.is_withdrawn:
        raise NotFound("That wish does not exist or was withdrawn.")
    return wish


def wish_detail(wish: Wish, viewer: User) -> dict[str, object]:
    """Everything the wish page shows, with internal comments only for staff."""
    comments = [c for c in wish.comments if viewer.is_staff or not c.internal]
    # From the counters, not by loading every vote: a popular wish has thousands.
    counts = {
        Importance.NICE: wish.vote_count - wish.critical_votes - wish.important_votes,
        Importance.IMPORTANT: wish.important_votes,
        Importance.CRITICAL: wish.critical_votes,
    }
    my_vote = db.session.scalar(
        select(Vote.importance).where(Vote.wish_id == wish.id, Vote.user_id == viewer.id)
    )
    following = db.session.get(Follow, {"user_id": viewer.id, "wish_id": wish.id}) is not None
    mates: list[Wish] = []
    if wish.bundle is not None and (viewer.is_staff or wish.bundle_state == BundleState.CONFIRMED):
        mates = [
            w
            for w in wish.bundle.wishes
            if w.id != wish.id
            and not w.is_withdrawn
            and (viewer.is_staff or w.bundle_state == BundleState.CONFIRMED)
        ]
    return {
        "wish": wish,
        "bundle_mates": mates,
        # Suggestions are for staff; customers only learn of bundles a person confirmed.
        "show_bundle": wish.bundle is not None
        and (viewer.is_staff or wish.bundle_state == BundleState.CONFIRMED),
        "possible_duplicates": matching.possible_duplicates(wish) if viewer.is_staff else [],
        "duplicate_threshold": matching.threshold(),
        "comments": comments,
        "votes": wish.vote_count,
        # A vote our team recorded for a whole company names no person; it counts like one.
        "company_votes": db.session.scalar(
            select(func.count()).where(Vote.wish_id == wish.id, Vote.user_id.is_(None))
        ),
        "importance_counts": counts,
        "my_vote": my_vote,
        "following": following,
        "can_edit": can_edit(wish, viewer),
        "history": wish.status_changes,
    }


def can_edit(wish: Wish, user: User) -> bool:
    """Authors may edit until someone else votes; staff may always tidy a wish up."""
    if wish.is_withdrawn:
        return False
    if user.is_staff:
        return True
    if wish.author_id != user.id:
        return False
    others = select(Vote.id).where(
        Vote.wish_id == wish.id, or_(Vote.user_id.is_(None), Vote.user_id != user.id)
    )
    return db.session.scalar(select(others.exists())) is False


def _area(area_id: int | None) -> ProductArea | None:
    """Return an active product area, or None when none was chosen."""
    if not area_id:
        return None
    area = db.session.get(ProductArea, area_id)
    if area is None or area.archived:
        raise ServiceError("Choose a product area from the list.")
    return area


def submit_wish(
    author: User,
    title: str,
    body: str = "",
    area_id: int | None = None,
    importance: Importance | str = Importance.IMPORTANT,
    match: bool = True,
) -> Wish:
    """File a new wish; its author votes for it and follows it.

    With `match`, the duplicate finder suggests a bundle for it right away (bulk loaders
    switch that off and run one bundling pass at the end instead).
    """
    return _file_wish(
        author.account, author, None, title, body, area_id, _importance(importance), match
    )


def _file_wish(
    account: Account | None,
    author: User | None,
    staff: User | None,
    title: str,
    body: str,
    area_id: int | None,
    importance: Importance,
    match: bool,
) -> Wish:
    """Store a wish with its first vote, its author's follow and its first history entry."""
    wish = Wish(
        title=require_text(title, "Title", TITLE_MAX, min_length=3),
        body=optional_text(body, "Description", BODY_MAX),
        product_area=_area(area_id),
        author=author,
        account=account,
        created_by=staff,
        status=WishStatus.NEW,
    )
    db.session.add(wish)
    db.session.flush()
    db.session.add(
        Vote(
            user_id=author.id if author else None,
            account_id=account.id if account else None,
            wish_id=wish.id,
            importance=importance,
            added_by_id=staff.id if staff else None,
        )
    )
    if author is not None:
        db.session.add(Follow(user_id=author.id, wish_id=wish.id))
    db.session.add(
        StatusChange(
            wish_id=wish.id,
            from_status=None,
            to_status=WishStatus.NEW,
            changed_by_id=(staff or author).id,  # type: ignore[union-attr]
        )
    )
    db.session.flush()
    counters.recount([wish.id])
    db.session.commit()
    if match:
        matching.match_new_wish(wish)
    return wish


def edit_wish(user: User, wish_id: int, title: str, body: str, area_id: int | None) -> Wish:
    """Change a wish's text and product area, if this user still may."""
    wish = get_wish(wish_id, user)
    if not can_edit(wish, user):
        raise Forbidden("Only the author can edit a wish, and only until someone else votes on it.")
    wish.title = require_text(title, "Title", TITLE_MAX, min_length=3)
    wish.body = optional_text(body, "Description", BODY_MAX)
    wish.product_area = _area(area_id)
    db.session.commit()
    return wish


def withdraw_wish(user: User, wish_id: int) -> Wish:
    """Hide a wish from the forum at its author's (or staff's) request; nothing is deleted."""
    wish = get_wish(wish_id, user)
    if wish.is_withdrawn:
        raise ServiceError("This wish was already withdrawn.")
    if wish.author_id != user.id and not user.is_staff:
        raise Forbidden("Only the author can withdraw this wish.")
    wish.withdrawn_at = utcnow()
    db.session.commit()
    return wish


def _importance(value: Importance | str) -> Importance:
    """Parse an importance, with a message people understand."""
    try:
        return Importance(value)
    except ValueError:
        raise ServiceError(
            "Choose how important this is: nice to have, important or critical."
        ) from None


def _upsert_vote(
    wish: Wish,
    importance: Importance,
    user_id: int | None,
    account_id: int | None,
    added_by_id: int | None = None,
) -> Vote:
    """Insert a vote or update its importance in one statement.

    ON CONFLICT makes a double click count once and lets concurrent voters each count,
    without read-then-write. A vote for an account without a contact conflicts on the
    account instead of the user (the partial unique index on votes without a user).
    """
    now = utcnow()
    stmt = insert_for(Vote.__table__).values(
        user_id=user_id,
        account_id=account_id,
        wish_id=wish.id,
        importance=importance.value,
        added_by_id=added_by_id,
        created_at=now,
        updated_at=now,
    )
    changes = {"importance": importance.value, "updated_at": now}
    if added_by_id is None:
        # A person voting themselves makes the vote theirs, even if staff recorded it first.
        changes["added_by_id"] = None
    if user_id is not None:
        stmt = stmt.on_conflict_do_update(index_elements=["user_id", "wish_id"], set_=changes)
        where = Vote.user_id == user_id
    else:
        stmt = stmt.on_conflict_do_update(
            index_elements=["account_id", "wish_id"],
            index_where=Vote.__table__.c.user_id.is_(None),
            set_=changes,
        )
        where = (Vote.account_id == account_id) & Vote.user_id.is_(None)
    # Journaled by the recount below, which names the wish.
    db.session.execute(stmt, execution_options={ranking_changes.JOURNALED: True})
    if user_id is not None:
        _follow(user_id, wish.id)
    counters.recount([wish.id])
    db.session.commit()
    vote = db.session.scalar(select(Vote).where(where, Vote.wish_id == wish.id))
    assert vote is not None
    return vote


def cast_vote(user: User, wish_id: int, importance: Importance | str) -> Vote:
    """Vote for a wish, or change the importance of an existing vote; the voter follows it."""
    importance = _importance(importance)
    wish = _open_wish(wish_id)
    return _upsert_vote(wish, importance, user.id, user.account_id)


def find_account(text: str | None) -> Account:
    """The account staff named: by name, email domain or CRM id (any case), or by its number."""
    wanted = " ".join((text or "").split())
    if not wanted:
        raise ServiceError("Type the customer account: its name, email domain or CRM id.")
    folded = wanted.lower()
    account = db.session.scalar(
        select(Account)
        .where(
            or_(
                func.lower(Account.name) == folded,
                func.lower(Account.email_domain) == folded.lstrip("@"),
                func.lower(Account.external_id) == folded,
            )
        )
        .order_by(Account.id)
        .limit(1)
    )
    if account is None and wanted.lstrip("#").isdigit() and len(wanted) < 19:
        account = db.session.get(Account, int(wanted.lstrip("#")))
    if account is None:
        raise ServiceError(f"No account is called “{wanted}”: type its name, domain or CRM id.")
    return account


def _customer_of(account_id: int | None, contact_email: str | None) -> tuple[Account, User | None]:
    """The account staff act for, and the named contact in it (if any)."""
    account = db.session.get(Account, account_id) if account_id else None
    if account is None:
        raise ServiceError("Choose the customer account you are acting for.")
    contact = None
    email = (contact_email or "").strip().lower()
    if email:
        contact = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if contact is None or contact.account_id != account.id:
            raise ServiceError(f"{email} is not a contact of {account.name}.")
    return account, contact


def vote_for(
    staff: User,
    wish_id: int,
    account_id: int | None,
    contact_email: str | None,
    importance: Importance | str,
) -> Vote:
    """Record a vote for a customer account (and one of its contacts), as customer success."""
    if not staff.is_staff:
        raise Forbidden("Only staff can vote for a customer.")
    importance = _importance(importance)
    wish = _open_wish(wish_id)
    account, contact = _customer_of(account_id, contact_email)
    existing = db.session.scalars(
        select(Vote).where(Vote.wish_id == wish.id, Vote.account_id == account.id)
    ).all()
    # Staff never overwrite a vote a person cast, and a vote for the account as a whole only
    # stands in for an account nobody from has voted yet (it counts once per account anyway).
    if contact is not None:
        clash = [v for v in existing if v.user_id == contact.id and v.added_by_id is None]
    else:
        clash = [v for v in existing if v.user_id is not None]
    if clash:
        first = min(clash, key=lambda v: v.created_at)
        who = first.user.name if first.user is not None else "a vote for the account"
        how = f"recorded by {first.added_by.name}" if first.added_by else "cast themselves"
        raise ServiceError(
            f"{account.name} already voted on this wish ({who}, {how}, "
            f"{first.importance.label.lower()})."
        )
    return _upsert_vote(
        wish, importance, contact.id if contact else None, account.id, added_by_id=staff.id
    )


def submit_wish_for(
    staff: User,
    account_id: int | None,
    contact_email: str | None,
    title: str,
    body: str = "",
    area_id: int | None = None,
    importance: Importance | str = Importance.IMPORTANT,
    match: bool = True,
) -> Wish:
    """File a wish for a customer account (and contact); it shows as added by staff for them."""
    if not staff.is_staff:
        raise Forbidden("Only staff can submit a wish for a customer.")
    importance = _importance(importance)
    account, contact = _customer_of(account_id, contact_email)
    return _file_wish(account, contact, staff, title, body, area_id, importance, match)


VOTERS_SHOWN = 200


def voters(wish: Wish, limit: int = VOTERS_SHOWN) -> list[Vote]:
    """A wish's votes with who cast them, most important first (for staff; the first ``limit``)."""
    rank = case(
        (Vote.importance == Importance.CRITICAL, 0),
        (Vote.importance == Importance.IMPORTANT, 1),
        else_=2,
    )
    return list(
        db.session.scalars(
            select(Vote)
            .where(Vote.wish_id == wish.id)
            .options(
                selectinload(Vote.user), selectinload(Vote.account), selectinload(Vote.added_by)
            )
            .order_by(rank, Vote.created_at, Vote.id)
            .limit(limit)
        )
    )


def remove_vote(user: User, wish_id: int) -> None:
    """Take back a vote; removing a vote that is not there is not an error."""
    wish = _open_wish(wish_id)
    db.session.execute(
        delete(Vote).where(Vote.user_id == user.id, Vote.wish_id == wish.id),
        execution_options={ranking_changes.JOURNALED: True},
    )
    counters.recount([wish.id])
    db.session.commit()


def _follow(user_id: int, wish_id: int) -> None:
    """Add a follow unless it exists (safe against concurrent requests)."""
    stmt = insert_for(Follow.__table__).values(
        user_id=user_id, wish_id=wish_id, created_at=utcnow()
    )
    db.session.execute(stmt.on_conflict_do_nothing(index_elements=["user_id", "wish_id"]))


def set_following(user: User, wish_id: int, follow: bool) -> None:
    """Follow or unfollow a wish."""
    wish = _open_wish(wish_id)
    if follow:
        _follow(user.id, wish.id)
    else:
        db.session.execute(
            delete(Follow).where(Follow.user_id == user.id, Follow.wish_id == wish.id)
        )
    db.session.commit()


def add_comment(user: User, wish_id: int, body: str, internal: bool = False) -> Comment:
    """Comment on a wish; only staff may write internal comments."""
    if internal and not user.is_staff:
        raise Forbidden("Only staff can write internal comments.")
    wish = _open_wish(wish_id)
    comment = Comment(
        wish=wish, author=user, body=require_text(body, "Comment", COMMENT_MAX), internal=internal
    )
    db.session.add(comment)
    db.session.flush()
    counters.recount([wish.id])
    db.session.commit()
    return comment


def change_status(
    user: User,
    wish_id: int,
    status: WishStatus | str,
    reason: str = "",
    confirm_reopen: bool = False,
) -> Wish:
    """Move a wish to another status, keeping the history; declining needs a public reason.

    A wish in a confirmed bundle moves with its bundle (see services/status.py), so the change
    goes through the bundle and moves its other wishes too.
    """
    # Imported here: status.py builds on this module.
    from . import status as status_service

    if not user.is_staff:
        raise Forbidden("Only staff can change a wish's status.")
    try:
        status = WishStatus(status)
    except ValueError:
        raise ServiceError("Choose a status from the list.") from None
    wish = get_wish(wish_id, user)
    if status_service.governs(wish.bundle, wish):
        assert wish.bundle_id is not None
        status_service.set_bundle_status(
            user, wish.bundle_id, status, reason, confirm_reopen, via_wish=True
        )
        return wish
    reason = optional_text(reason, "Reason", REASON_MAX)
    if status == WishStatus.DECLINED and not reason:
        raise ServiceError("Declining a wish needs a public reason for the customers who asked.")
    if status == wish.status:
        raise ServiceError(f"The wish is already {status.label.lower()}.")
    if status_service.reopens(wish.status, status) and not confirm_reopen:
        raise ServiceError(
            f"This takes a shipped wish back to {status.label.lower()}; "
            f"tick “{status_service.CONFIRM_REOPEN}” and change the status again to confirm."
        )
    db.session.add(
        StatusChange(
            wish=wish, from_status=wish.status, to_status=status, reason=reason, changed_by=user
        )
    )
    wish.status = status
    wish.status_reason = reason
    notify.wish_status_changed(user, wish)
    db.session.commit()
    return wish


def followers(wish_id: int) -> list[int]:
    """Ids of the users following a wish."""
    return list(db.session.scalars(select(Follow.user_id).where(Follow.wish_id == wish_id)))


__all__ = [
    "SORTS",
    "Page",
    "WishFilter",
    "WishRow",
    "add_comment",
    "cast_vote",
    "change_status",
    "edit_wish",
    "get_wish",
    "list_wishes",
    "parse_filter",
    "parse_page",
    "remove_vote",
    "set_following",
    "submit_wish",
    "wish_detail",
    "withdraw_wish",
]
