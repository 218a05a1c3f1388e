"""The journal of ranking changes: which wishes and bundles the backlog cache must rescore.

Every worker keeps the scored backlog in memory (services/backlog.py). Rebuilding it takes
seconds at 100,000 wishes, so a write no longer throws it away: the write records, in its own
transaction, which wishes and bundles changed (a `RankingChange` row each), and each worker
rescores just those on its next request.

What records a change, so nothing is missed:
- ORM changes, through the session's ``after_flush``: any Wish, Vote, Bundle or AccountFlag
  added, changed or deleted names its wish or bundle (votes their wish, flags their bundle).
- Statements the ORM does not track (Core inserts, updates and deletes on those tables):
  the vote upsert and vote removal call ``record_wishes`` themselves and mark their statement
  ``journaled``; any other such statement (imports, bulk loads) cannot say which rows it
  touched, so the transaction bumps the ``ranking_generation`` setting instead, and every
  worker rebuilds the whole ranking once it commits.
- Account, theme and product area changes move the scales or show on every row: any such
  change, through the ORM or a statement, bumps ``ranking_generation`` too.
Settings (the weights, the generation) carry ``updated_at``, which the cache compares.

Rows are written through the session's connection, not ``session.execute``, so writing the
journal never triggers the listeners that write it. Old rows are pruned after a day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, delete, event, insert, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from ..extensions import insert_for
from ..models import (
    Account,
    AccountFlag,
    Bundle,
    ProductArea,
    RankingChange,
    Setting,
    Theme,
    Vote,
    Wish,
    utcnow,
)

# Tables whose rows feed the ranking; a statement on them that names no rows forces a rebuild.
WATCHED = frozenset({"wish", "vote", "bundle", "account_flag", "account", "theme", "product_area"})
GENERATION_KEY = "ranking_generation"
JOURNALED = "journaled"
KEEP = timedelta(days=1)
_BULK = "wishlist.ranking_bulk"


def record_wishes(session: Session, wish_ids: Iterable[int]) -> None:
    """Journal these wishes as changed, in the session's current transaction."""
    _write(session, [(wish_id, None) for wish_id in set(wish_ids)])


def _write(session: Session, pairs: list[tuple[int | None, int | None]]) -> None:
    """Insert journal rows through the connection (no session events fire)."""
    if not pairs:
        return
    now = utcnow()
    session.connection().execute(
        insert(RankingChange.__table__),
        [{"wish_id": w, "bundle_id": b, "created_at": now} for w, b in pairs],
    )


@event.listens_for(Session, "after_flush")
def _journal_flush(session: Session, flush_context: Any) -> None:
    """Journal the wishes and bundles the ORM just wrote."""
    pairs: set[tuple[int | None, int | None]] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Wish):
            pairs.add((obj.id, None))
            # A wish moving between bundles changes the bundle it left and the one it joined.
            for bundle_id in _bundle_history(obj):
                pairs.add((None, bundle_id))
        elif isinstance(obj, Vote):
            pairs.add((obj.wish_id, None))
        elif isinstance(obj, Bundle | AccountFlag):
            pairs.add((None, obj.id if isinstance(obj, Bundle) else obj.bundle_id))
        elif isinstance(obj, Account | Theme | ProductArea):
            # ARR moves the scales, names show on every row: every score is redone.
            session.info[_BULK] = True
    _write(session, sorted(pairs, key=repr))
    # Written here too: the flush that commit() runs comes after its before_commit event.
    if session.info.pop(_BULK, False):
        bump_generation(session.connection())


def _bundle_history(wish: Wish) -> list[int]:
    """The bundle ids a wish had and has in this flush."""
    history = inspect(wish).attrs.bundle_id.history
    return [b for b in (*history.added, *history.deleted, *history.unchanged) if b is not None]


@event.listens_for(Session, "do_orm_execute")
def _journal_statement(state: ORMExecuteState) -> None:
    """A bulk statement on a watched table cannot name its rows: rebuild after commit."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.execution_options.get(JOURNALED):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in WATCHED:
        state.session.info[_BULK] = True


@event.listens_for(Session, "before_commit")
def _bump_after_statements(session: Session) -> None:
    """After a bulk statement, move the generation so every worker rebuilds in full."""
    if session.info.pop(_BULK, False):
        bump_generation(session.connection())


def bump_generation(connection: Connection) -> None:
    """Move ``ranking_generation`` (in this connection's transaction): every cache rebuilds."""
    now = utcnow()
    statement = insert_for(Setting.__table__, connection)
    values = {"key": GENERATION_KEY, "value": {"at": now.isoformat()}, "updated_at": now}
    connection.execute(
        statement.values(**values).on_conflict_do_update(
            index_elements=["key"], set_={"value": values["value"], "updated_at": now}
        )
    )


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """A rolled-back transaction changed nothing."""
    session.info.pop(_BULK, None)


def prune(session: Session) -> None:
    """Delete journal rows older than a day (every worker has read them by then)."""
    session.connection().execute(
        delete(RankingChange.__table__).where(RankingChange.created_at < utcnow() - KEEP)
    )
