"""Read-only lookups behind the value and account pages: batches of bundles, accounts, activity.

`services/value.py` scores bundles; this module fetches the records those pages show next to
the scores (titles, themes, users, wishes, votes) in a few queries instead of one per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Account, Bundle, User, Vote, Wish
from ..scoring import AccountExposure, AccountFacts, BundleScore
from . import backlog
from .errors import NotFound
from .value import wish_of_key

ACCOUNT_SORTS = ("arr", "name")


def bundles_by_id(bundle_ids: Iterable[int]) -> dict[int, Bundle]:
    """The bundles with these ids, their themes loaded, keyed by id."""
    ids = list(bundle_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Bundle).where(Bundle.id.in_(ids)).options(selectinload(Bundle.theme))
    )
    return {b.id: b for b in rows}


def shared_segments(
    expected: Sequence[AccountFacts], askers: Mapping[int, AccountFacts]
) -> dict[int, list[str]]:
    """For each expected account, the `key=value` segments it shares with an asking account."""
    asking_pairs = set().union(*(set(a.segments.items()) for a in askers.values()))
    return {
        account.id: sorted(
            f"{k}={v}" for k, v in account.segments.items() if (k, v) in asking_pairs
        )
        for account in expected
    }


@dataclass
class AccountRow:
    """One line of the account list: the account with its activity counts."""

    account: Account
    wishes: int
    votes: int


def account_rows(sort: str = "arr") -> list[AccountRow]:
    """Every account with its live wishes and votes counted, by ARR (desc) or name."""
    if sort not in ACCOUNT_SORTS:
        sort = "arr"
    wish_counts = dict(
        db.session.execute(
            select(Wish.account_id, func.count(Wish.id))
            .where(Wish.withdrawn_at.is_(None), Wish.account_id.is_not(None))
            .group_by(Wish.account_id)
        ).all()
    )
    vote_counts = dict(
        db.session.execute(
            select(Vote.account_id, func.count(Vote.id))
            .where(Vote.account_id.is_not(None))
            .group_by(Vote.account_id)
        ).all()
    )
    order = (
        (Account.name, Account.id)
        if sort == "name"
        else (Account.arr.desc(), Account.name, Account.id)
    )
    accounts = db.session.scalars(
        select(Account).options(selectinload(Account.owner)).order_by(*order)
    )
    return [AccountRow(a, wish_counts.get(a.id, 0), vote_counts.get(a.id, 0)) for a in accounts]


@dataclass
class AccountBundle:
    """A bundle (or a lone wish, ranked as a bundle of one) an account asks for: its rank and
    score, and the account's exposure."""

    bundle: Bundle | None
    wish: Wish | None
    rank: int | None
    result: BundleScore
    exposure: AccountExposure


@dataclass
class AccountDetail:
    """Everything the account page shows."""

    account: Account
    users: list[User]
    bundles: list[AccountBundle] = field(default_factory=list)
    wishes: list[Wish] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    total_exposure: Decimal = Decimal(0)


def account_detail(account_id: int) -> AccountDetail:
    """An account with its users, the bundles it asks for (and its exposure), wishes and votes."""
    account = db.session.get(Account, account_id)
    if account is None:
        raise NotFound("That account does not exist.")
    users = list(
        db.session.scalars(select(User).where(User.account_id == account.id).order_by(User.name))
    )
    wishes = list(
        db.session.scalars(
            select(Wish).where(Wish.account_id == account.id).order_by(Wish.created_at.desc())
        )
    )
    votes = list(
        db.session.scalars(
            select(Vote)
            .where(Vote.account_id == account.id)
            .options(selectinload(Vote.wish), selectinload(Vote.user))
            .order_by(Vote.created_at.desc())
        )
    )
    # The backlog's own ranking, so the ranks shown are the backlog's, not ranks within this
    # account; off-strategy bundles are outside it (no rank).
    found: list[tuple[int | None, BundleScore, AccountExposure]] = []
    for rank, result in backlog.ranked_results():
        exposure = next((e for e in result.exposures if e.account_id == account.id), None)
        if exposure is not None:
            found.append((rank, result, exposure))
    bundles = bundles_by_id(result.bundle_id for _, result, _ in found if result.bundle_id > 0)
    lone = {w.id: w for w in wishes}
    lone.update((v.wish.id, v.wish) for v in votes)
    detail = AccountDetail(account=account, users=users, wishes=wishes, votes=votes)
    for rank, result, exposure in found:
        wish_id = wish_of_key(result.bundle_id)
        bundle = bundles.get(result.bundle_id)
        wish = lone.get(wish_id) if wish_id is not None else None
        if bundle is not None or wish is not None:
            detail.bundles.append(AccountBundle(bundle, wish, rank, result, exposure))
    detail.total_exposure = sum((b.exposure.exposure for b in detail.bundles), Decimal(0))
    return detail
