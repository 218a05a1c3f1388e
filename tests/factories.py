"""Small builders for test data (no shared data files needed)."""

from __future__ import annotations

import itertools

from wishlist.extensions import db
from wishlist.models import Account, Importance, ProductArea, Role, User, Wish
from wishlist.services import wishes as wish_service
from wishlist.services.users import hash_password

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_account(name: str | None = None, domain: str | None = None) -> Account:
    """Create a customer account."""
    n = next(_seq)
    account = Account(name=name or f"Account {n}", email_domain=domain or f"acct{n}.test")
    db.session.add(account)
    db.session.commit()
    return account


def make_user(
    role: Role | str = Role.CUSTOMER,
    account: Account | None = None,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
) -> User:
    """Create a user who can sign in with PASSWORD; customers get an account if none is given."""
    role = Role(role)
    if role == Role.CUSTOMER and account is None:
        account = make_account()
    n = next(_seq)
    domain = account.email_domain if account is not None else "vendor.test"
    user = User(
        email=email or f"{role.value}{n}@{domain}",
        name=name or f"{role.label} {n}",
        role=role,
        account=account,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_area(name: str | None = None) -> ProductArea:
    """Create a product area."""
    area = ProductArea(name=name or f"Area {next(_seq)}", description="")
    db.session.add(area)
    db.session.commit()
    return area


def make_wish(
    author: User,
    title: str | None = None,
    body: str = "",
    area: ProductArea | None = None,
    importance: Importance = Importance.IMPORTANT,
    match: bool = False,
) -> Wish:
    """Submit a wish through the service, as a person would (matching only when asked)."""
    return wish_service.submit_wish(
        author,
        title or f"Wish number {next(_seq)}",
        body,
        area.id if area else None,
        importance,
        match=match,
    )
