"""A large demo installation, for measuring performance: N wishes, M votes and all around them.

`flask --app app demo --scale N [--votes M] [--seed S]` builds it. The small demo
(services/demo.py) goes through the services one object at a time, which would take hours at
100,000 wishes; this writes the same kinds of rows with SQLAlchemy Core bulk inserts (the
approach of bench/bench_backlog.py), in one transaction, so a failure leaves nothing behind.
What to write is decided by the pure `demo_layout`; this module only turns its numbers into
ids and rows: accounts and people, bundles, then wishes with their votes, follows, comments
and status history in chunks (memory stays flat), then risk flags.

The rows keep the app's rules: one vote per person and wish, counted for the voter's account;
the author votes first and every voter follows; a confirmed bundle's status is the status of
its live confirmed wishes (services/status.py), with the same history on both; declining
carries a public reason; timestamps are UTC and never after the build's day; each user has
their own session token. Ids are given explicitly (the tables are empty), so nothing is read
back; PostgreSQL's id sequences are moved past them afterwards.

Left out: sentence embeddings and the duplicate index (a saved index is discarded and refits
lazily, or with `flask cluster`), notifications and emails, and bundling decisions.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, insert, text

from .. import demo_content as content
from .. import demo_layout as layout_
from ..demo_layout import Layout, ScalePlan
from ..extensions import db
from ..models import (
    Account,
    AccountFlag,
    Bundle,
    BundleStatusChange,
    Comment,
    Follow,
    ProductArea,
    StatusChange,
    Theme,
    User,
    Vote,
    Wish,
    WishEmbedding,
    new_session_token,
    utcnow,
)
from . import demo, matching
from .errors import ServiceError
from .users import hash_password

Progress = Callable[[str], None]

SEED = demo.SEED
DEFAULT_VOTES_PER_WISH = layout_.DEFAULT_VOTES_PER_WISH
# Wishes written per round of inserts: keeps memory flat at a million votes.
CHUNK = 10_000
# SQLite page cache during the build, in KiB (see _roomy_page_cache).
SQLITE_CACHE_KIB = 256 * 1024


def plan_scale(wishes: int, votes: int | None = None, seed: int = SEED) -> ScalePlan:
    """Size the installation, or say why it cannot be built (before anything is written)."""
    try:
        return layout_.plan_scale(wishes, votes, seed)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None


@dataclass(frozen=True)
class _Ids:
    """Turns the layout's numbers into the ids written (all counted from 1, tables empty)."""

    plan: ScalePlan
    customer_account: list[int]  # account number of each customer

    def csm(self, number: int) -> int:
        """A CSM's user id (the admin is user 1)."""
        return 2 + number

    def pm(self, number: int) -> int:
        """A product manager's user id."""
        return 2 + self.plan.csms + number

    def staff(self, number: int) -> int:
        """A member of staff's user id, numbered CSMs then product managers."""
        return 2 + number

    def customer(self, number: int) -> int:
        """A customer's user id."""
        return 2 + self.plan.csms + self.plan.pms + number

    def account_of(self, customer: int) -> int:
        """The account id of a customer."""
        return self.customer_account[customer] + 1


def _insert(table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany of Core inserts (no RETURNING: the ids are given)."""
    if rows:
        db.session.execute(insert(table), rows)


def _write_catalogue(now: datetime) -> None:
    """The small demo's product areas and strategic themes."""
    areas = [
        {"id": n + 1, "name": name, "description": description, "archived": False}
        for n, (name, description) in enumerate(content.PRODUCT_AREAS)
    ]
    themes = [
        {"id": n + 1, "name": name, "description": description, "active": True, "created_at": now}
        for n, (name, description) in enumerate(content.THEMES)
    ]
    _insert(ProductArea.__table__, areas)
    _insert(Theme.__table__, themes)


def _write_people(plan: ScalePlan, now: datetime, ids: _Ids) -> list[layout_.AccountSpec]:
    """Staff, accounts and their customers, all able to sign in with the demo password."""
    rng = random.Random(plan.seed)
    specs = layout_.accounts(plan, rng, now)
    staff, customers = layout_.people(plan, rng, [a.domain for a in specs])
    joined = now - timedelta(days=layout_.HISTORY_DAYS + 30)
    # One hash for everyone: hashing is deliberately slow, and the demo password is shared.
    password_hash = hash_password(demo.DEMO_PASSWORD)

    def rows(people: list[layout_.PersonSpec], first_id: int) -> list[dict[str, Any]]:
        """User rows, ids counting from first_id."""
        return [
            {
                "id": first_id + n,
                "email": person.email,
                "name": person.name,
                "password_hash": password_hash,
                "role": person.role,
                "account_id": None if person.account is None else person.account + 1,
                "active": True,
                "created_at": joined,
                # Random, not seeded: a session token is a credential, whatever the seed.
                "session_token": new_session_token(),
                "email_verified_at": joined,
            }
            for n, person in enumerate(people)
        ]

    # Staff before accounts (which name their owner), accounts before their customers.
    _insert(User.__table__, rows(staff, 1))
    _insert(
        Account.__table__,
        [
            {
                "id": n + 1,
                "name": spec.name,
                "email_domain": spec.domain,
                "created_at": joined,
                "arr": spec.arr,
                "tier": spec.tier,
                "renewal_date": spec.renewal_date,
                "owner_id": ids.csm(spec.owner),
                "segments": spec.segments,
                "external_id": f"CRM-{1000 + n}",
            }
            for n, spec in enumerate(specs)
        ],
    )
    _insert(User.__table__, rows(customers, ids.customer(0)))
    return specs


def _write_bundles(layout: Layout, ids: _Ids) -> int:
    """The bundles with their status, screening and status history; returns history rows."""
    rows, history = [], []
    for number, bundle in enumerate(layout.bundles):
        members = bundle.members
        # Named after its most-voted wish (lowest id on ties), as the duplicate finder does.
        named = max(members, key=lambda w: (layout.votes[w], -w))
        # It became a bundle when its second wish arrived.
        created = layout.created[members[1]]
        rows.append(
            {
                "id": number + 1,
                "title": layout.titles[named],
                "description": "",
                "confirmed": bundle.confirmed,
                "created_at": created,
                "updated_at": bundle.steps[-1][2] if bundle.steps else created,
                "status": bundle.status,
                "status_reason": bundle.reason,
                "strategic_fit": bundle.fit,
                "theme_id": None if bundle.theme is None else bundle.theme + 1,
                "screened_by_id": None
                if bundle.screened_by is None
                else ids.pm(bundle.screened_by),
                "screened_at": bundle.screened_at,
            }
        )
        history += [
            {
                "bundle_id": number + 1,
                "from_status": old,
                "to_status": new,
                "reason": bundle.reason if new == "declined" else "",
                "changed_by_id": ids.pm(bundle.changed_by),
                "created_at": when,
            }
            for old, new, when in bundle.steps
        ]
    _insert(Bundle.__table__, rows)
    _insert(BundleStatusChange.__table__, history)
    return len(history)


def _wish_row(layout: Layout, wish: int, done: layout_.Activity, ids: _Ids) -> dict[str, Any]:
    """The wish itself, with its bundle membership and its vote and comment counters."""
    number = layout.bundle_of[wish]
    state = None
    if number >= 0:
        state = "confirmed" if wish not in layout.bundles[number].suggested else "suggested"
    withdrawn = layout.withdrawn.get(wish)
    changes = [layout.created[wish], *(when for _, _, when in done.steps)]
    return {
        "id": wish + 1,
        "title": layout.titles[wish],
        "body": layout.bodies[wish],
        "product_area_id": layout.areas[wish] + 1,
        "author_id": ids.customer(layout.authors[wish]),
        "account_id": ids.account_of(layout.authors[wish]),
        "created_by_id": None if done.entered_by is None else ids.csm(done.entered_by),
        "external_id": None,
        "status": layout.status[wish],
        "status_reason": layout.reason[wish],
        "withdrawn_at": withdrawn,
        "created_at": layout.created[wish],
        "updated_at": max(changes + ([withdrawn] if withdrawn else [])),
        "bundle_id": number + 1 if number >= 0 else None,
        "bundle_state": state,
        "bundle_score": layout.scores[wish],
        # The counters listings read (services/counters.py) are known here: no recount needed.
        **done.counters(),
    }


@dataclass
class _Chunk:
    """Rows of one round of inserts, in the order the foreign keys need."""

    wishes: list[dict[str, Any]]
    votes: list[dict[str, Any]]
    follows: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    history: list[dict[str, Any]]

    def add(self, layout: Layout, wish: int, done: layout_.Activity, ids: _Ids) -> None:
        """Add one wish's votes (each voter following), comments and status history."""
        wish_id, created = wish + 1, layout.created[wish]
        for vote in done.votes:
            user_id = ids.customer(vote.customer)
            self.votes.append(
                {
                    "user_id": user_id,
                    # A vote counts for its voter's account.
                    "account_id": ids.account_of(vote.customer),
                    "wish_id": wish_id,
                    "importance": vote.importance,
                    "added_by_id": None if vote.entered_by is None else ids.csm(vote.entered_by),
                    "created_at": vote.when,
                    "updated_at": vote.when,
                }
            )
            self.follows.append({"user_id": user_id, "wish_id": wish_id, "created_at": vote.when})
        if not done.votes:
            # Fewer votes than wishes: the author still follows what they asked for.
            author = ids.customer(layout.authors[wish])
            self.follows.append({"user_id": author, "wish_id": wish_id, "created_at": created})
        self.comments += [
            {
                "wish_id": wish_id,
                "author_id": ids.staff(c.author) if c.internal else ids.customer(c.author),
                "body": c.body,
                "internal": c.internal,
                "created_at": c.when,
            }
            for c in done.comments
        ]
        filed_by = ids.csm(done.entered_by) if done.entered_by is not None else None
        self.history.append(
            {
                "wish_id": wish_id,
                "from_status": None,
                "to_status": "new",
                "reason": "",
                "changed_by_id": filed_by or ids.customer(layout.authors[wish]),
                "created_at": created,
            }
        )
        self.history += [
            {
                "wish_id": wish_id,
                "from_status": old,
                "to_status": new,
                "reason": layout.reason[wish] if new == "declined" else "",
                "changed_by_id": ids.staff(mover),
                "created_at": when,
            }
            for (old, new, when), mover in zip(done.steps, done.movers, strict=True)
        ]

    def write(self) -> None:
        """Insert the chunk: wishes before what points at them."""
        _insert(Wish.__table__, self.wishes)
        _insert(Vote.__table__, self.votes)
        _insert(Follow.__table__, self.follows)
        _insert(Comment.__table__, self.comments)
        _insert(StatusChange.__table__, self.history)


def _write_wishes(
    plan: ScalePlan, layout: Layout, ids: _Ids, now: datetime, say: Progress
) -> dict[int, set[int]]:
    """Wishes with everything on them, CHUNK at a time; returns flagged bundles' askers."""
    rng = random.Random(plan.seed + 4)
    # Accounts voting on the bundles customer success will flag, by bundle number.
    asking: dict[int, set[int]] = {n: set() for n, b in enumerate(layout.bundles) if b.flagged}
    votes = 0
    for start in range(0, plan.wishes, CHUNK):
        chunk = _Chunk([], [], [], [], [])
        for wish in range(start, min(start + CHUNK, plan.wishes)):
            done = layout_.activity(rng, plan, layout, wish, now)
            chunk.wishes.append(_wish_row(layout, wish, done, ids))
            chunk.add(layout, wish, done, ids)
            if layout.bundle_of[wish] in asking:
                asking[layout.bundle_of[wish]].update(
                    ids.customer_account[v.customer] for v in done.votes
                )
        chunk.write()
        votes += len(chunk.votes)
        say(f"wishes: {min(start + CHUNK, plan.wishes):,} of {plan.wishes:,}, {votes:,} votes")
    return asking


def _write_flags(
    plan: ScalePlan,
    layout: Layout,
    specs: list[layout_.AccountSpec],
    asking: dict[int, set[int]],
    now: datetime,
    ids: _Ids,
) -> int:
    """Customer success flags the biggest asking account of some confirmed bundles at risk."""
    rng = random.Random(plan.seed + 5)
    arr = [spec.arr for spec in specs]
    rows = []
    for number in sorted(asking):
        if not asking[number]:
            continue  # nobody voted on it (only when there are fewer votes than wishes)
        account, kind, amount = layout_.flag_choice(rng, asking[number], arr)
        rows.append(
            {
                "bundle_id": number + 1,
                "account_id": account + 1,
                "kind": kind,
                "amount": amount,
                "note": rng.choice(content.INTERNAL_COMMENTS),
                "created_by_id": ids.csm(rng.randrange(plan.csms)),
                "created_at": layout_.between(
                    rng, layout.created[layout.bundles[number].members[-1]], now
                ),
            }
        )
    _insert(AccountFlag.__table__, rows)
    return len(rows)


@contextmanager
def _roomy_page_cache() -> Iterator[None]:
    """On SQLite, a page cache that holds the growing vote and follow indexes, then the old one.

    Votes arrive in wish order, so the indexes by voter, account and date are written at random
    places; with SQLite's default 2 MB cache each insert reads its pages again. At 100,000
    wishes and 1,000,000 votes this cut the build from 52 s to 42 s (2 cores).
    """
    if db.session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = db.session.execute(text("PRAGMA cache_size")).scalar()
    db.session.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
    try:
        yield
    finally:
        db.session.execute(text(f"PRAGMA cache_size = {int(before or 0)}"))


def _advance_sequences(models: list[type]) -> None:
    """On PostgreSQL, move each id sequence past the ids written here, so later inserts fit."""
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite takes the next id from the table itself
    for model in models:
        name = bind.dialect.identifier_preparer.quote(model.__table__.name)
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:name, 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
            ),
            {"name": name},
        )


def _write(plan: ScalePlan, say: Progress) -> dict[str, int]:
    """Write every row of the plan into the empty tables; returns counts not kept as rows."""
    # Midnight of the build's day: the same seed gives the same rows all day.
    now = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    ids = _Ids(plan, plan.account_of_customers())
    _write_catalogue(now)
    specs = _write_people(plan, now, ids)
    users = ids.customer(plan.customers) - 1
    say(f"accounts and people: {plan.accounts:,} accounts, {users:,} users")
    layout = layout_.lay_out(plan, now)
    bundle_changes = _write_bundles(layout, ids)
    confirmed = sum(b.confirmed for b in layout.bundles)
    say(f"bundles: {confirmed:,} confirmed, {len(layout.bundles) - confirmed:,} suggested")
    asking = _write_wishes(plan, layout, ids, now, say)
    flags = _write_flags(plan, layout, specs, asking, now, ids)
    say(f"risk flags: {flags:,}")
    _advance_sequences(
        [ProductArea, Theme, User, Account, Bundle, BundleStatusChange, Wish, Vote]
        + [Comment, StatusChange, AccountFlag]
    )
    return {
        "bundle status changes": bundle_changes,
        "suggested bundles": len(layout.bundles) - confirmed,
        "confirmed bundles": confirmed,
        "withdrawn wishes": len(layout.withdrawn),
        "risk flags": flags,
    }


def build_scale_demo(
    plan: ScalePlan, reset: bool = False, progress: Progress | None = None
) -> dict[str, int]:
    """Write the planned installation in one transaction and return what it holds.

    With `reset`, every row goes first; otherwise the database must be empty (the caller
    decides which, as for the small demo).
    """
    say = progress or (lambda message: None)
    with _roomy_page_cache():
        try:
            if reset:
                demo.clear_all()
                # Not in clear_all's list; SQLite cascades nothing, and stale vectors would stay.
                db.session.execute(delete(WishEmbedding))
                say("reset: every row deleted")
            if not demo.database_is_empty():
                raise ServiceError("The database already has data; a large demo needs it empty.")
            extra = _write(plan, say)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    matching.discard_index()
    say("saved duplicate index discarded: it refits when first needed (or flask cluster)")

    rows = demo.table_rows
    return {
        "accounts": rows(Account),
        "users": rows(User),
        "product areas": rows(ProductArea),
        "themes": rows(Theme),
        "wishes": rows(Wish),
        "withdrawn wishes": extra["withdrawn wishes"],
        "votes": rows(Vote),
        "follows": rows(Follow),
        "comments": rows(Comment),
        "status changes": rows(StatusChange),
        "confirmed bundles": extra["confirmed bundles"],
        "suggested bundles": extra["suggested bundles"],
        "bundle status changes": extra["bundle status changes"],
        "risk flags": extra["risk flags"],
    }
