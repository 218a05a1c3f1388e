"""Typed SQLAlchemy models: the forum's accounts, users, wishes, votes, comments and history."""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import current_app, has_app_context
from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from .extensions import db

TITLE_MAX = 200
BODY_MAX = 10_000
COMMENT_MAX = 5_000


def new_session_token() -> str:
    """A fresh random value for User.session_token."""
    return secrets.token_urlsafe(32)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class Role(enum.StrEnum):
    """What a user may do: customers use the forum, staff also triage it."""

    CUSTOMER = "customer"
    CSM = "csm"
    PM = "pm"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """Human-readable role name."""
        return {
            "customer": "Customer",
            "csm": "Customer success",
            "pm": "Product manager",
            "admin": "Admin",
        }[self.value]


class Importance(enum.StrEnum):
    """How much a voter needs a wish."""

    NICE = "nice"
    IMPORTANT = "important"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        """Human-readable importance."""
        return {"nice": "Nice to have", "important": "Important", "critical": "Critical"}[
            self.value
        ]

    @property
    def rank(self) -> int:
        """Order from least to most needed, for 'highest importance' comparisons."""
        return {"nice": 1, "important": 2, "critical": 3}[self.value]


class WishStatus(enum.StrEnum):
    """Where a wish stands in product management's workflow."""

    NEW = "new"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SHIPPED = "shipped"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        """Human-readable status."""
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        """Whether the wish is still awaiting delivery or a decision."""
        return self not in (WishStatus.SHIPPED, WishStatus.DECLINED)


def _enum(kind: type[enum.Enum], length: int = 16) -> Enum:
    """Store an enum as its value in a VARCHAR, portable across SQLite and PostgreSQL."""
    return Enum(
        kind,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store in UTC; a naive value is taken to be UTC already."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """SQLite drops the zone, so put UTC back."""
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def _ts() -> UTCDateTime:
    """A timezone-aware timestamp column type."""
    return UTCDateTime()


class BundleState(enum.StrEnum):
    """Whether a wish's place in a bundle was suggested by the engine or confirmed by a person."""

    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"


class Account(db.Model):
    """A customer company; its users' votes count once per account."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email_domain: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)
    # Annual recurring revenue in the installation's currency (WISHLIST_CURRENCY).
    arr: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    tier: Mapped[str] = mapped_column(String(40), default="")
    renewal_date: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", use_alter=True))
    # Free key/value attributes such as platform=salesforce, regulation=hipaa, region=emea.
    segments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)

    users: Mapped[list[User]] = relationship(
        back_populates="account", foreign_keys="User.account_id"
    )
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    def __repr__(self) -> str:
        return f"<Account {self.name}>"


class User(UserMixin, db.Model):
    """A person who signs in: a customer of an account, or a member of staff."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.CUSTOMER)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(_ts())
    # Flask-Login's alternative id: rotating it ends every session and remember-me cookie.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    # Set while a self-service sign-up waits for its emailed link; the link carries it, so
    # clearing it on use makes the link single-use.
    verify_nonce: Mapped[str | None] = mapped_column(String(64))
    email_verified_at: Mapped[datetime | None] = mapped_column(_ts())

    account: Mapped[Account | None] = relationship(
        back_populates="users", foreign_keys=[account_id]
    )

    def get_id(self) -> str:
        """The session token plus a per-sign-in nonce, so each remember-me cookie differs."""
        # The loader ignores the part after the dot; only the token decides who this is.
        return f"{self.session_token}.{secrets.token_urlsafe(8)}"

    def rotate_session_token(self) -> None:
        """End every session and remember-me cookie this user has (the caller commits)."""
        self.session_token = new_session_token()

    @property
    def is_pending_verification(self) -> bool:
        """A self-service sign-up whose emailed link has not been used yet."""
        return self.verify_nonce is not None

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Deactivated users cannot sign in (Flask-Login reads this)."""
        return self.active

    @property
    def is_staff(self) -> bool:
        """Customer success, product managers and admins see internal data."""
        return self.role in (Role.CSM, Role.PM, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        """Admins manage users, accounts and product areas."""
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ProductArea(db.Model):
    """A part of the product that wishes are filed under."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Wish(db.Model):
    """An enhancement request submitted by a customer (or by staff for one)."""

    __table_args__ = (
        Index("ix_wish_status_created", "status", "created_at"),
        # The forum's "top" order, whole and within a status, read from an index.
        Index("ix_wish_votes", "vote_count", "id"),
        Index("ix_wish_status_votes", "status", "vote_count", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, default="")
    product_area_id: Mapped[int | None] = mapped_column(ForeignKey("product_area.id"), index=True)
    # The customer who asked; None for a wish imported for an account without a contact.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    # The member of staff who entered the wish for a customer (on behalf, or by import).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[WishStatus] = mapped_column(_enum(WishStatus), default=WishStatus.NEW)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(_ts())
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow, onupdate=utcnow)
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("bundle.id"), index=True)
    bundle_state: Mapped[BundleState | None] = mapped_column(_enum(BundleState))
    # Similarity to the bundle when the engine suggested it (for ordering the review).
    bundle_score: Mapped[float | None] = mapped_column(Float)
    # Counters kept in the same transaction as every vote and comment (services/counters.py),
    # so listings sort and show counts without counting 1,000,000 votes per request.
    vote_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    critical_votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    important_votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    public_comments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    internal_comments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    bundle: Mapped[Bundle | None] = relationship(back_populates="wishes")
    account: Mapped[Account | None] = relationship()
    product_area: Mapped[ProductArea | None] = relationship()
    votes: Mapped[list[Vote]] = relationship(back_populates="wish", cascade="all, delete-orphan")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="wish", cascade="all, delete-orphan", order_by="Comment.created_at"
    )
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="wish", cascade="all, delete-orphan", order_by="StatusChange.created_at"
    )

    def author_label(self, viewer: User | AnonymousUserMixin | None) -> str:
        """Who asked for this wish, in the words this viewer may read (pages, API, messages).

        - Staff see everything: the author's name, email and account, and for a wish staff
          entered (on behalf or by import) "added by <staff> for <account>".
        - Anyone else sees the author's name only when the author posted it themselves, or
          when the viewer is the author or belongs to the wish's account.
        - Otherwise the author is "a customer" (their own account's name for its people),
          or "added by the <VENDOR_NAME> team for a customer" ("our team" without a
          VENDOR_NAME) when staff entered it: never another account's name, another
          customer's email, or the name of a contact who did not post it themselves.
        """
        if getattr(viewer, "is_staff", False):
            return self._staff_label()
        viewer_id = getattr(viewer, "id", None)
        viewer_account_id = getattr(viewer, "account_id", None)
        own_account = viewer_account_id is not None and viewer_account_id == self.account_id
        if self.author is not None and (
            not self.on_behalf or own_account or viewer_id == self.author_id
        ):
            return self.author.name
        who = self.account.name if own_account and self.account is not None else "a customer"
        if self.created_by_id is None:
            return who
        vendor = (current_app.config.get("VENDOR_NAME") or "") if has_app_context() else ""
        team = f"the {vendor} team" if vendor else "our team"
        return f"added by {team} for {who}"

    def _staff_label(self) -> str:
        """The author with email and account, and the member of staff who entered it."""
        account = self.account.name if self.account is not None else None
        if self.author is None:
            label = account or "a customer"
            if self.on_behalf and self.created_by is not None:
                return f"added by {self.created_by.name} for {label}"
            return label
        details = ", ".join(part for part in (self.author.email, account) if part)
        label = f"{self.author.name} ({details})"
        if self.on_behalf and self.created_by is not None:
            label += f", added by {self.created_by.name} for {account or self.author.name}"
        return label

    @property
    def on_behalf(self) -> bool:
        """Whether staff entered this wish for a customer."""
        return self.created_by_id is not None and self.created_by_id != self.author_id

    @property
    def is_withdrawn(self) -> bool:
        """Withdrawn wishes are hidden from the forum and take no votes."""
        return self.withdrawn_at is not None


class WishEmbedding(db.Model):
    """A wish's sentence embedding, stored so its text is embedded once per model.

    `text_hash` fingerprints the title and body that were embedded: an edited wish no longer
    matches it and is embedded again. `vector` holds the float32 values as raw bytes.
    """

    __tablename__ = "wish_embedding"

    wish_id: Mapped[int] = mapped_column(
        ForeignKey("wish.id", ondelete="CASCADE"), primary_key=True
    )
    # The embedder's model_id; vectors of different models are never compared.
    model: Mapped[str] = mapped_column(String(255))
    text_hash: Mapped[str] = mapped_column(String(40))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)


class Bundle(db.Model):
    """Wishes that ask for the same thing, counted as one request with its true weight."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    # A person accepted it (or built it); unconfirmed bundles are the engine's suggestions.
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow, onupdate=utcnow)

    status: Mapped[WishStatus] = mapped_column(
        _enum(WishStatus), default=WishStatus.NEW, server_default=WishStatus.NEW.value
    )
    status_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Screening by product management: 0-5, None while nobody has screened it.
    strategic_fit: Mapped[int | None] = mapped_column(Integer)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"), index=True)
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    screened_at: Mapped[datetime | None] = mapped_column(_ts())

    wishes: Mapped[list[Wish]] = relationship(back_populates="bundle", order_by="Wish.id")
    theme: Mapped[Theme | None] = relationship()
    flags: Mapped[list[AccountFlag]] = relationship(
        back_populates="bundle", cascade="all, delete-orphan", order_by="AccountFlag.id"
    )


class Theme(db.Model):
    """A strategic theme product management declares; bundles are screened against them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)


class FlagKind(enum.StrEnum):
    """Why an account's need on a bundle is urgent."""

    CHURN_RISK = "churn_risk"
    DEAL_BLOCKER = "deal_blocker"

    @property
    def label(self) -> str:
        """Human-readable flag."""
        return {"churn_risk": "Churn risk", "deal_blocker": "Deal blocker"}[self.value]


class AccountFlag(db.Model):
    """Customer success's internal flag: this account may churn or not buy without the bundle."""

    __table_args__ = (UniqueConstraint("bundle_id", "account_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundle.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    kind: Mapped[FlagKind] = mapped_column(_enum(FlagKind))
    # At-risk amount; None means the account's full ARR.
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)

    bundle: Mapped[Bundle] = relationship(back_populates="flags")
    account: Mapped[Account] = relationship()
    created_by: Mapped[User] = relationship()


class BundleStatusChange(db.Model):
    """One step in a bundle's status history (its wishes get their own entries too)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundle.id"), index=True)
    from_status: Mapped[WishStatus | None] = mapped_column(_enum(WishStatus))
    to_status: Mapped[WishStatus] = mapped_column(_enum(WishStatus))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)

    changed_by: Mapped[User] = relationship()


class Notification(db.Model):
    """A message for one user in the app (and, when mail is set up, by email)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    wish_id: Mapped[int | None] = mapped_column(ForeignKey("wish.id"))
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("bundle.id"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(_ts())

    user: Mapped[User] = relationship()


class OutboundEmail(db.Model):
    """An email waiting to be sent; kept and retried until the mail server takes it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(_ts(), index=True)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)


class Setting(db.Model):
    """An installation-wide setting changed in the app (such as the scoring weights)."""

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow, onupdate=utcnow)


class NotDuplicate(db.Model):
    """Two wishes a person said are different; the engine never bundles them together."""

    wish_a_id: Mapped[int] = mapped_column(ForeignKey("wish.id"), primary_key=True)
    wish_b_id: Mapped[int] = mapped_column(ForeignKey("wish.id"), primary_key=True, index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("bundle_decision.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)


class BundleDecision(db.Model):
    """A bundling decision by a person, with what it changed, so it can be undone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(String(500))
    bundle_id: Mapped[int | None] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # Memberships and bundle fields before the decision (see services/bundles.py).
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow, index=True)
    undone_at: Mapped[datetime | None] = mapped_column(_ts())
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Vote(db.Model):
    """One person's (or, from an import, one account's) support for a wish, with importance.

    `account_id` is the account the vote counts for. A vote recorded for an account without
    naming a contact has no user; there is at most one such vote per account and wish.
    """

    __table_args__ = (
        UniqueConstraint("user_id", "wish_id"),
        # "Trending": votes since a date, by wish, read from the index alone.
        Index("ix_vote_created_wish", "created_at", "wish_id"),
        Index(
            "uq_vote_account_wish_without_user",
            "account_id",
            "wish_id",
            unique=True,
            sqlite_where=text("user_id IS NULL"),
            postgresql_where=text("user_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wish.id"), index=True)
    importance: Mapped[Importance] = mapped_column(_enum(Importance), default=Importance.IMPORTANT)
    # The member of staff who recorded this vote for a customer, if it was not the customer.
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    account: Mapped[Account | None] = relationship()
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])
    wish: Mapped[Wish] = relationship(back_populates="votes")


class Comment(db.Model):
    """A remark on a wish; internal ones are for staff eyes only."""

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wish.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)

    author: Mapped[User] = relationship()
    wish: Mapped[Wish] = relationship(back_populates="comments")


class Follow(db.Model):
    """A user who wants to hear about a wish's progress."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wish.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)


class StatusChange(db.Model):
    """One step in a wish's status history: who moved it, when, and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wish.id"), index=True)
    from_status: Mapped[WishStatus | None] = mapped_column(_enum(WishStatus))
    to_status: Mapped[WishStatus] = mapped_column(_enum(WishStatus))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow)

    changed_by: Mapped[User] = relationship()
    wish: Mapped[Wish] = relationship(back_populates="status_changes")


class RankingChange(db.Model):
    """A wish or bundle whose ranking facts changed: what the backlog cache must rescore.

    Written in the same transaction as the change (services/ranking_changes.py); each worker's
    cache reads the rows after the last one it saw and rescores only those bundles and wishes.
    """

    __tablename__ = "ranking_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int | None] = mapped_column(Integer)
    bundle_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow, index=True)


class JobStatus(enum.StrEnum):
    """Where a background job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """Human-readable status."""
        return {
            "queued": "Waiting for the job worker",
            "running": "Running",
            "succeeded": "Done",
            "failed": "Failed",
        }[self.value]


class JobKind(enum.StrEnum):
    """What a background job does (services/jobs.py runs each kind)."""

    IMPORT_ACCOUNTS = "import_accounts"
    IMPORT_WISHES = "import_wishes"
    FIND_DUPLICATES = "find_duplicates"
    SEND_EMAILS = "send_emails"

    @property
    def label(self) -> str:
        """Human-readable name of the work."""
        return {
            "import_accounts": "Import accounts",
            "import_wishes": "Import wishes",
            "find_duplicates": "Find duplicates again",
            "send_emails": "Send queued emails",
        }[self.value]


class Job(db.Model):
    """Work done outside a request (an import, finding duplicates, sending emails): its progress
    and outcome, for the page that shows it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(_enum(JobKind, 32))
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus), default=JobStatus.QUEUED)
    # Steps done of the job's steps (0 of 0 until it knows how many).
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(300), default="")
    # What it did: counts, bundles found, or the file's problems with their line numbers.
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(_ts(), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(_ts())
    finished_at: Mapped[datetime | None] = mapped_column(_ts())

    created_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        """Whether the job is over, one way or the other."""
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    def visible_to(self, user: User) -> bool:
        """Admins see every job; other staff their own, and every 'Find duplicates again'."""
        if not user.is_staff:
            return False
        if user.is_admin:
            return True
        # Any member of staff may start that one, and it changes the queue they all review.
        return self.created_by_id == user.id or self.kind == JobKind.FIND_DUPLICATES
