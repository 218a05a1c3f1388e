"""Telling people what happened to their wishes: in-app notifications and a retried mail queue.

A status change only inserts rows here (a Notification per person, and an OutboundEmail when
mail is set up), in the caller's transaction, so a mail server that is down can never undo or
fail the change. `send_queued` delivers the queue later and retries with exponential backoff:
the job worker queues a delivery job once a minute when emails are due (services/jobs.py), and
`flask notifications send` does the same from a terminal or cron.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import (
    Bundle,
    Follow,
    Notification,
    OutboundEmail,
    User,
    Vote,
    Wish,
    WishStatus,
    utcnow,
)
from .errors import ServiceError

log = logging.getLogger("wishlist.notify")

MAX_ATTEMPTS = 10
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
# A claimed email is not picked up by another `send` run for this long (a crashed run's
# emails become due again afterwards, so nothing is lost; at worst one is sent twice).
CLAIM_LEASE = timedelta(minutes=10)
SMTP_TIMEOUT = 10
SUBJECT_MAX = 300
NOTIFICATIONS_SHOWN = 100


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand emails to the mail server."""

    host: str
    port: int = 587
    user: str = ""
    password: str = ""
    sender: str = ""
    starttls: bool = True


# Delivers one message or raises; tests pass a fake instead of smtplib.
Sender = Callable[[SmtpSettings, EmailMessage], None]


@dataclass(frozen=True)
class SendSummary:
    """What one pass over the mail queue did."""

    sent: int
    failed: int
    gave_up: int
    remaining: int


def smtp_settings() -> SmtpSettings | None:
    """The mail server settings of this installation, or None when no host is configured."""
    config = current_app.config
    host = (config.get("SMTP_HOST") or "").strip()
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=int(config.get("SMTP_PORT") or 587),
        user=config.get("SMTP_USER") or "",
        password=config.get("SMTP_PASSWORD") or "",
        sender=config.get("SMTP_FROM") or config.get("SMTP_USER") or "wishlist@localhost",
        starttls=bool(config.get("SMTP_TLS", True)),
    )


def smtp_send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the SMTP server (STARTTLS and login when configured)."""
    with smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password)
        smtp.send_message(message)


def _one_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """A header-safe single line: titles may hold newlines, which email headers must not."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def wish_path(wish_id: int) -> str:
    """The site-relative link to a wish's page (works without a request, e.g. in the CLI)."""
    return current_app.url_map.bind("localhost").build("forum.wish", {"wish_id": wish_id})


def _link(path: str) -> str:
    """An absolute link for emails when WISHLIST_BASE_URL is set, else the path."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    return base + path


def audience(wish_ids: Sequence[int], exclude_user_id: int | None = None) -> dict[int, int]:
    """Who to tell about these wishes: active user id -> the wish that concerns them most.

    Submitters, voters (votes with a person; account-level votes name no one) and followers,
    each once. Their own wish comes first, then one they voted for, then one they follow.
    """
    if not wish_ids:
        return {}
    ids = list(wish_ids)
    picks: dict[int, int] = {}
    sources = (
        select(Wish.author_id, Wish.id).where(Wish.id.in_(ids), Wish.author_id.is_not(None)),
        select(Vote.user_id, Vote.wish_id).where(Vote.wish_id.in_(ids), Vote.user_id.is_not(None)),
        select(Follow.user_id, Follow.wish_id).where(Follow.wish_id.in_(ids)),
    )
    for query in sources:
        for user_id, wish_id in db.session.execute(query.order_by(query.selected_columns[1])):
            picks.setdefault(user_id, wish_id)
    picks.pop(exclude_user_id, None)  # type: ignore[arg-type]
    if not picks:
        return {}
    active = set(
        db.session.scalars(select(User.id).where(User.id.in_(picks), User.active.is_(True)))
    )
    return {user_id: wish_id for user_id, wish_id in picks.items() if user_id in active}


def _message(
    title: str, status: WishStatus, reason: str, wish: Wish, link: str, in_bundle: bool
) -> str:
    """The text people read about a status change (in the app and by email)."""
    lines = [f"“{title}” is now {status.label.lower()}."]
    if reason:
        lines += ["", f"Why: {reason}" if status == WishStatus.DECLINED else reason]
    lines.append("")
    if in_bundle:
        lines.append(f"It includes the wish “{wish.title}”: {link}")
    else:
        lines.append(f"See the wish: {link}")
    return "\n".join(lines)


def notify_status_change(
    changer: User,
    wishes: Sequence[Wish],
    status: WishStatus,
    reason: str = "",
    bundle: Bundle | None = None,
) -> list[Notification]:
    """Queue one notification (and email) per person behind these wishes; does not commit.

    The person who made the change and deactivated users are left out. Without an SMTP host
    the email text goes to the log instead of the queue.
    """
    by_id = {w.id: w for w in wishes}
    people = audience(list(by_id), exclude_user_id=changer.id)
    if not people:
        return []
    title = bundle.title if bundle is not None else next(iter(by_id.values())).title
    subject = _one_line(f"{status.label}: {title}")
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(people)))}
    settings = smtp_settings()
    made: list[tuple[User, Notification, str]] = []
    for user_id, wish_id in sorted(people.items()):
        wish = by_id[wish_id]
        path = wish_path(wish.id)
        notification = Notification(
            user_id=user_id,
            wish_id=wish.id,
            bundle_id=bundle.id if bundle is not None else None,
            subject=subject,
            body=_message(title, status, reason, wish, path, bundle is not None),
        )
        db.session.add(notification)
        email_body = (
            f"Hello {users[user_id].name},\n\n"
            + _message(title, status, reason, wish, _link(path), bundle is not None)
            + "\n\nYou receive this because you asked for, voted for or follow this wish."
        )
        made.append((users[user_id], notification, email_body))
    db.session.flush()
    for user, notification, email_body in made:
        if settings is None:
            log.warning(
                "Mail is not set up (WISHLIST_SMTP_HOST); email not sent.\n"
                "To: %s\nSubject: %s\n\n%s",
                user.email,
                subject,
                email_body,
            )
            continue
        db.session.add(
            OutboundEmail(
                to_address=user.email,
                subject=subject,
                body=email_body,
                notification_id=notification.id,
            )
        )
    return [notification for _, notification, _ in made]


def wish_status_changed(changer: User, wish: Wish) -> list[Notification]:
    """Tell a wish's submitter, voters and followers about its new status; does not commit."""
    return notify_status_change(changer, [wish], wish.status, wish.status_reason)


def retry_delay(attempts_before: int) -> timedelta:
    """How long to wait after a failed attempt: 1, 2, 4 … minutes, at most 6 hours."""
    return min(RETRY_BASE * (2 ** min(attempts_before, 20)), RETRY_CAP)


def _pending():  # noqa: ANN202 - SQL condition
    """Emails not sent yet and not given up on."""
    return OutboundEmail.sent_at.is_(None) & (OutboundEmail.attempts < MAX_ATTEMPTS)


def due_count(now: datetime | None = None) -> int:
    """How many unsent emails are due for an attempt now."""
    due = _pending() & (OutboundEmail.next_attempt_at <= (now or utcnow()))
    return db.session.scalar(select(func.count()).where(due)) or 0


def _claim(email_id: int, now: datetime) -> bool:
    """Take an email for this run, so an overlapping run does not send it too."""
    result = db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id, _pending(), OutboundEmail.next_attempt_at <= now)
        .values(next_attempt_at=now + CLAIM_LEASE)
    )
    db.session.commit()
    return result.rowcount == 1


def _as_message(email: OutboundEmail, settings: SmtpSettings) -> EmailMessage:
    """Build the MIME message of a queued email."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = email.to_address
    message["Subject"] = _one_line(email.subject)
    message.set_content(email.body)
    return message


def send_queued(
    limit: int | None = None, sender: Sender = smtp_send, now: datetime | None = None
) -> SendSummary:
    """Try every due, unsent email once (up to `limit`); record successes and failures.

    Each email is committed on its own, so a crash half-way keeps what was already sent.
    """
    settings = smtp_settings()
    if settings is None:
        raise ServiceError("Mail is not set up: set WISHLIST_SMTP_HOST to send queued emails.")
    now = now or utcnow()
    due = select(OutboundEmail.id).where(_pending(), OutboundEmail.next_attempt_at <= now)
    due = due.order_by(OutboundEmail.next_attempt_at, OutboundEmail.id)
    if limit is not None:
        due = due.limit(limit)
    sent = failed = gave_up = 0
    for email_id in list(db.session.scalars(due)):
        if not _claim(email_id, now):
            continue
        email = db.session.get(OutboundEmail, email_id)
        assert email is not None
        try:
            sender(settings, _as_message(email, settings))
        # Any failure, from a refused connection to a bad address, must only delay this email.
        except Exception as exc:
            failed += 1
            error = f"{type(exc).__name__}: {exc}"[:2000]
            email.attempts += 1
            if email.attempts >= MAX_ATTEMPTS:
                gave_up += 1
                email.last_error = f"Gave up after {email.attempts} attempts. {error}"
                log.error("Gave up on email %s to %s: %s", email.id, email.to_address, error)
            else:
                email.last_error = error
                email.next_attempt_at = now + retry_delay(email.attempts - 1)
                log.warning("Email %s to %s failed: %s", email.id, email.to_address, error)
        else:
            sent += 1
            email.sent_at = utcnow()
        db.session.commit()
    remaining = db.session.scalar(select(func.count()).where(_pending())) or 0
    return SendSummary(sent=sent, failed=failed, gave_up=gave_up, remaining=remaining)


def unread_count(user: User) -> int:
    """How many of a user's notifications are unread."""
    query = select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return db.session.scalar(query) or 0


def list_notifications(user: User, limit: int = NOTIFICATIONS_SHOWN) -> list[Notification]:
    """A user's own notifications, newest first."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def mark_all_read(user: User, up_to_id: int | None = None) -> int:
    """Mark a user's unread notifications read (only those up to `up_to_id`, when given).

    The page passes the newest id it showed, so one that arrived meanwhile stays unread.
    """
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if up_to_id is not None:
        query = query.where(Notification.id <= up_to_id)
    result = db.session.execute(query.values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount
