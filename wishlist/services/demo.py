"""Demo data: realistic accounts, people and wishes (with near-duplicates) for trying Wishlist."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import delete, func, select, update

from .. import demo_content as content
from ..extensions import db
from ..models import (
    Account,
    AccountFlag,
    Bundle,
    BundleDecision,
    BundleStatusChange,
    Comment,
    FlagKind,
    Follow,
    Importance,
    NotDuplicate,
    Notification,
    OutboundEmail,
    ProductArea,
    Role,
    Setting,
    StatusChange,
    Theme,
    User,
    Vote,
    Wish,
    WishStatus,
    utcnow,
)
from . import bundles, counters, matching, value
from . import wishes as wish_service
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
CONFIRMED_DEMO_BUNDLES = 6
SEED = 20261126
# How many demo customers each account size gets, so big accounts speak louder.
SEATS = {"small": 1, "mid": 2, "large": 3, "enterprise": 4}
IMPORTANCE_WEIGHTS = [(Importance.NICE, 4), (Importance.IMPORTANT, 4), (Importance.CRITICAL, 2)]


def database_is_empty() -> bool:
    """True when nobody has been created yet."""
    return (db.session.scalar(select(func.count(User.id))) or 0) == 0


def clear_all() -> None:
    """Delete every row, children first, keeping the schema."""
    # Accounts point at their owners, users at their accounts: cut one side first.
    db.session.execute(update(Account).values(owner_id=None))
    for model in (
        OutboundEmail,
        Notification,
        BundleStatusChange,
        StatusChange,
        Comment,
        Follow,
        Vote,
        NotDuplicate,
        BundleDecision,
        AccountFlag,
        Wish,
        Bundle,
        Theme,
        Setting,
        User,
        ProductArea,
        Account,
    ):
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
    accounts = [
        Account(
            name=a["name"],
            email_domain=a["domain"],
            arr=Decimal(a["arr"]),
            tier=a["tier"],
            # "regulation=none" is the absence of a segment, not one to share.
            segments={k: v for k, v in a["segments"].items() if v != "none"},
            renewal_date=(now + timedelta(days=rng.randint(20, 360))).date(),
            external_id=f"CRM-{1000 + n}",
        )
        for n, a in enumerate(content.ACCOUNTS)
    ]
    db.session.add_all(accounts)
    themes = [Theme(name=name, description=desc) for name, desc in content.THEMES]
    db.session.add_all(themes)

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
                Vote(
                    user=voter,
                    account=voter.account,
                    wish=wish,
                    importance=importance,
                    created_at=when,
                    updated_at=when,
                )
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
    # The demo writes votes and comments as rows, not through cast_vote: count them once here.
    db.session.flush()
    counters.recount_all()
    db.session.commit()
    # Bundle the near-duplicates, and let customer success confirm the busiest suggestions,
    # so the review queue shows both states.
    on_behalf = _demo_on_behalf(rng, staff[0], accounts)
    clustered = matching.recompute_bundles()
    confirmed = 0
    for bundle_id in _busiest_suggestions(CONFIRMED_DEMO_BUNDLES):
        bundles.accept_bundle(staff[0], bundle_id)
        confirmed += 1
    for account in accounts:
        account.owner = rng.choice([staff[0], staff[3]])
    flags = _demo_screening_and_flags(rng, staff)

    rows = table_rows
    return {
        "accounts": rows(Account),
        "users": rows(User),
        "product areas": rows(ProductArea),
        "wishes": rows(Wish),
        "votes": rows(Vote),
        "comments": rows(Comment),
        "status changes": rows(StatusChange),
        "suggested bundles": clustered.suggested_bundles - confirmed,
        "confirmed bundles": confirmed,
        "wishes added for customers": on_behalf,
        "themes": len(themes),
        "risk flags": flags,
    }


def table_rows(model: type) -> int:
    """Rows of one table, as stored (for the demos' summaries)."""
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _busiest_suggestions(count: int) -> list[int]:
    """Ids of the suggested bundles with the most wishes (lowest id first on ties)."""
    rows = db.session.execute(
        select(Wish.bundle_id, func.count(Wish.id))
        .where(Wish.bundle_id.is_not(None))
        .group_by(Wish.bundle_id)
        .order_by(func.count(Wish.id).desc(), Wish.bundle_id)
        .limit(count)
    )
    return [bundle_id for bundle_id, _ in rows]


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


def _demo_screening_and_flags(rng: random.Random, staff: list[User]) -> int:
    """Screen the confirmed bundles against the themes and flag some accounts at risk."""
    pm, csm = staff[1], staff[0]
    flags = 0
    confirmed = db.session.scalars(select(Bundle).where(Bundle.confirmed.is_(True))).all()
    for n, bundle in enumerate(sorted(confirmed, key=lambda b: b.id)):
        theme, fit, _ = value.theme_suggestion(bundle)
        # One bundle is judged off strategy, one stays unscreened; the rest take the suggestion.
        if n == 1:
            value.screen_bundle(pm, bundle.id, 0, None)
        elif n != 2 and fit is not None:
            value.screen_bundle(pm, bundle.id, fit, theme.id if theme else None)
        askers = value.accounts_for([bundle.id])
        if askers and n % 2 == 0:
            account = max(askers, key=lambda a: (a.arr, -a.id))
            kind = FlagKind.CHURN_RISK if n % 4 == 0 else FlagKind.DEAL_BLOCKER
            amount = None if kind == FlagKind.CHURN_RISK else (account.arr / 2).quantize(Decimal(1))
            note = rng.choice(content.INTERNAL_COMMENTS)
            value.flag_account(csm, bundle.id, account.id, kind, amount, note)
            flags += 1
    return flags


def _demo_on_behalf(rng: random.Random, csm: User, accounts: list[Account]) -> int:
    """Customer success records a few wishes and votes heard on calls with customers."""
    added = 0
    for intent in rng.sample(content.WISH_INTENTS, 4):
        account = rng.choice(accounts[1:])
        title, body = rng.choice(intent["variants"])
        wish_service.submit_wish_for(
            csm, account.id, None, f"{title} (from our QBR)", body, None, "critical", match=False
        )
        added += 1
    targets = db.session.scalars(select(Wish.id).order_by(Wish.id).limit(40)).all()
    for wish_id in rng.sample(targets, 6):
        wish_service.vote_for(csm, wish_id, rng.choice(accounts).id, None, "important")
    return added
