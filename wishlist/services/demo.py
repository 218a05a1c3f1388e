"""Demo data: realistic accounts, people and wishes (with near-duplicates) for trying Wishlist."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import delete, func, select

from .. import demo_content as content
from ..extensions import db
from ..models import (
    Account,
    Comment,
    Follow,
    Importance,
    ProductArea,
    Role,
    StatusChange,
    User,
    Vote,
    Wish,
    WishStatus,
    utcnow,
)
from .users import hash_password

DEMO_PASSWORD = "demo-password"
LOGINS_HELP = (
    "Demo logins (password: demo-password):\n"
    "  customer@demo.test  customer of Demo Corp\n"
    "  csm@demo.test       customer success\n"
    "  pm@demo.test        product manager\n"
    "  admin@demo.test     admin"
)
USER_COUNT = 40
SEED = 20261126
# How many demo customers each account size gets, so big accounts speak louder.
SEATS = {"small": 1, "mid": 2, "large": 3, "enterprise": 4}
IMPORTANCE_WEIGHTS = [(Importance.NICE, 4), (Importance.IMPORTANT, 4), (Importance.CRITICAL, 2)]


def database_is_empty() -> bool:
    """True when nobody has been created yet."""
    return (db.session.scalar(select(func.count(User.id))) or 0) == 0


def clear_all() -> None:
    """Delete every row, children first, keeping the schema."""
    for model in (StatusChange, Comment, Follow, Vote, Wish, User, ProductArea, Account):
        db.session.execute(delete(model))
    db.session.flush()


def load_demo(reset: bool = False) -> dict[str, int]:
    """Fill the database with demo data (deterministic) and return what was created."""
    if reset:
        clear_all()
    rng = random.Random(SEED)
    now = utcnow()
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: the demo password is shared

    areas = {name: ProductArea(name=name, description=desc) for name, desc in content.PRODUCT_AREAS}
    db.session.add_all(areas.values())
    accounts = [Account(name=a["name"], email_domain=a["domain"]) for a in content.ACCOUNTS]
    db.session.add_all(accounts)

    def person(email: str, role: Role, account: Account | None, name: str) -> User:
        user = User(
            email=email,
            name=name,
            role=role,
            account=account,
            password_hash=password_hash,
            created_at=now - timedelta(days=400),
        )
        db.session.add(user)
        return user

    names = iter(
        f"{first} {last}"
        for first, last in zip(
            rng.sample(content.FIRST_NAMES, len(content.FIRST_NAMES)),
            rng.sample(content.LAST_NAMES, len(content.LAST_NAMES)),
            strict=False,
        )
    )
    demo_corp = accounts[0]
    customers = [person("customer@demo.test", Role.CUSTOMER, demo_corp, next(names))]
    staff = [
        person("csm@demo.test", Role.CSM, None, next(names)),
        person("pm@demo.test", Role.PM, None, next(names)),
        person("admin@demo.test", Role.ADMIN, None, next(names)),
        person("csm2@demo.test", Role.CSM, None, next(names)),
        person("pm2@demo.test", Role.PM, None, next(names)),
    ]
    seats = [
        (acc, SEATS[spec["size"]]) for acc, spec in zip(accounts, content.ACCOUNTS, strict=True)
    ]
    while len(customers) + len(staff) < USER_COUNT:
        for account, count in seats:
            existing = sum(1 for c in customers if c.account is account)
            if existing < count and len(customers) + len(staff) < USER_COUNT:
                name = next(names)
                local = name.lower().replace(" ", ".").replace("'", "")
                customers.append(
                    person(f"{local}@{account.email_domain}", Role.CUSTOMER, account, name)
                )
        seats = [(acc, count + 1) for acc, count in seats]
    db.session.flush()

    wishes: list[tuple[Wish, int]] = []
    for intent in content.WISH_INTENTS:
        # Popular intents get more votes, so the demo ranking has a shape.
        popularity = rng.choice([1, 1, 2, 3, 5, 8])
        for title, body in intent["variants"]:
            author = rng.choice(customers)
            created = now - timedelta(days=rng.uniform(1, 360), minutes=rng.randint(0, 1440))
            wish = Wish(
                title=title,
                body=body,
                product_area=areas[intent["area"]],
                author=author,
                account=author.account,
                status=WishStatus.NEW,
                created_at=created,
                updated_at=created,
            )
            db.session.add(wish)
            wishes.append((wish, popularity))
    db.session.flush()

    votes = comments = changes = 0
    for wish, popularity in wishes:
        voters = {wish.author}
        voters.update(rng.sample(customers, min(len(customers), rng.randint(0, 3 * popularity))))
        for voter in sorted(voters, key=lambda u: u.id):
            importance = rng.choices(
                [i for i, _ in IMPORTANCE_WEIGHTS], [w for _, w in IMPORTANCE_WEIGHTS]
            )[0]
            when = wish.created_at + timedelta(
                days=rng.uniform(0, max(0.1, (now - wish.created_at).days))
            )
            if voter is wish.author:
                when = wish.created_at
            db.session.add(
                Vote(user=voter, wish=wish, importance=importance, created_at=when, updated_at=when)
            )
            db.session.add(Follow(user_id=voter.id, wish_id=wish.id, created_at=when))
            votes += 1
        db.session.add(
            StatusChange(
                wish=wish,
                from_status=None,
                to_status=WishStatus.NEW,
                changed_by=wish.author,
                created_at=wish.created_at,
            )
        )
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            db.session.add(
                Comment(
                    wish=wish,
                    author=rng.choice(customers),
                    body=rng.choice(content.COMMENTS),
                    created_at=wish.created_at + timedelta(days=rng.uniform(0, 30)),
                )
            )
            comments += 1
        if rng.random() < 0.25:
            db.session.add(
                Comment(
                    wish=wish,
                    author=rng.choice(staff[:2] + staff[3:4]),
                    internal=True,
                    body=rng.choice(content.INTERNAL_COMMENTS),
                    created_at=wish.created_at + timedelta(days=rng.uniform(0, 30)),
                )
            )
            comments += 1
        changes += _demo_history(rng, wish, staff, now)
    db.session.commit()
    return {
        "accounts": len(accounts),
        "users": len(customers) + len(staff),
        "product areas": len(areas),
        "wishes": len(wishes),
        "votes": votes,
        "comments": comments,
        "status changes": changes,
    }


def _demo_history(rng: random.Random, wish: Wish, staff: list[User], now) -> int:  # noqa: ANN001
    """Walk some wishes through the workflow so the status badges and history have content."""
    path: list[WishStatus] = []
    roll = rng.random()
    if roll < 0.08:
        path = [
            WishStatus.UNDER_REVIEW,
            WishStatus.PLANNED,
            WishStatus.IN_PROGRESS,
            WishStatus.SHIPPED,
        ]
    elif roll < 0.16:
        path = [WishStatus.UNDER_REVIEW, WishStatus.PLANNED, WishStatus.IN_PROGRESS]
    elif roll < 0.28:
        path = [WishStatus.UNDER_REVIEW, WishStatus.PLANNED]
    elif roll < 0.45:
        path = [WishStatus.UNDER_REVIEW]
    elif roll < 0.50:
        path = [WishStatus.UNDER_REVIEW, WishStatus.DECLINED]
    when = wish.created_at
    previous = WishStatus.NEW
    for status in path:
        when = min(now, when + timedelta(days=rng.uniform(2, 40)))
        reason = rng.choice(content.DECLINE_REASONS) if status == WishStatus.DECLINED else ""
        db.session.add(
            StatusChange(
                wish=wish,
                from_status=previous,
                to_status=status,
                reason=reason,
                changed_by=rng.choice(staff[:3]),
                created_at=when,
            )
        )
        previous = status
        wish.status, wish.status_reason = status, reason
    return len(path) + 1
