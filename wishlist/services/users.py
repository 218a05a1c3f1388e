"""Users and accounts: sign-up, sign-in, invitations and administration."""

from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Account, OutboundEmail, ProductArea, Role, User, utcnow
from .errors import NotFound, ServiceError
from .text import optional_text, require_text

PASSWORD_MIN = 10
INVITE_MAX_AGE = 14 * 24 * 3600
VERIFY_MAX_AGE = 24 * 3600
# Checked against when the email is unknown, so a failed sign-in takes the same time either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str | None) -> str:
    """Return the address lower-cased and syntax-checked, or raise a ServiceError."""
    try:
        # test_environment allows *.test, the reserved domain the demo accounts use.
        info = validate_email(
            (email or "").strip(), check_deliverability=False, test_environment=True
        )
    except EmailNotValidError as exc:
        raise ServiceError(f"That email address is not valid: {exc}") from None
    return info.normalized.lower()


def email_domain(email: str) -> str:
    """Return the part of an address after the @."""
    return email.rsplit("@", 1)[1].lower()


def check_password(password: str | None) -> str:
    """Return the password if it is long enough, else raise."""
    if not password or len(password) < PASSWORD_MIN:
        raise ServiceError(f"Passwords must be at least {PASSWORD_MIN} characters.")
    if len(password) > 200:
        raise ServiceError("Passwords must be at most 200 characters.")
    return password


def hash_password(password: str) -> str:
    """Hash with a strong KDF (scrypt unless PASSWORD_HASH_METHOD says otherwise)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_account(key: str | None) -> Account | None:
    """Find an account by email domain or by name (case-insensitive)."""
    if not key:
        return None
    key = key.strip().lower()
    return db.session.scalar(
        select(Account).where(
            (func.lower(Account.email_domain) == key) | (func.lower(Account.name) == key)
        )
    )


def create_user(
    email: str,
    role: Role | str = Role.CUSTOMER,
    account: Account | None = None,
    password: str | None = None,
    name: str | None = None,
) -> User:
    """Create a user; customers need an account. Without a password, they get an invite."""
    address = normalise_email(email)
    role = Role(role)
    if db.session.scalar(select(User.id).where(User.email == address)) is not None:
        raise ServiceError(f"A user with the email {address} already exists.")
    if role == Role.CUSTOMER and account is None:
        raise ServiceError("Customers must belong to an account.")
    display = optional_text(name, "Name", 120) or address.split("@")[0]
    user = User(
        email=address,
        name=display,
        role=role,
        account=account,
        password_hash=hash_password(check_password(password)) if password else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str | None, password: str | None) -> User | None:
    """Return the active user with this email and password, or None (never says which was wrong).

    A user still pending verification is returned too (they proved the password); the
    caller must not sign them in (see User.is_pending_verification).
    """
    address = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(User.email == address)) if address else None
    if user is None or user.password_hash is None:
        # Same work as a real check, so the response time does not say the address is unknown.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    if not user.is_pending_verification:
        user.last_login_at = utcnow()
        db.session.commit()
    return user


SIGNUP_SENT = "If this address can sign up, we sent it a link. It works once, for 24 hours."


def sign_up(email: str, name: str, password: str) -> User | None:
    """Register a customer of a known account, pending until they follow the emailed link.

    Returns the new user, or None when the address cannot sign up (unknown domain, or
    already registered); the caller answers the same either way so nobody learns which.
    """
    address = normalise_email(email)
    name = require_text(name, "Name", 120)
    check_password(password)
    account = _account_for(address)
    exists = db.session.scalar(select(User.id).where(User.email == address)) is not None
    if account is None or exists:
        # Same hashing work as a real sign-up, so timing does not tell the cases apart.
        hash_password(password)
        return None
    # No account yet: membership (and voting for it) waits for the emailed link.
    user = User(
        email=address,
        name=name,
        role=Role.CUSTOMER,
        account=None,
        password_hash=hash_password(password),
        verify_nonce=secrets.token_urlsafe(24),
    )
    db.session.add(user)
    db.session.flush()
    _queue_verification(user)
    db.session.commit()
    return user


def _account_for(address: str) -> Account | None:
    """The account whose email domain this address has."""
    return db.session.scalar(select(Account).where(Account.email_domain == email_domain(address)))


def _verify_serializer() -> URLSafeTimedSerializer:
    """Signs sign-up verification tokens with the app's secret key."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="wishlist-verify")


def verification_token(user: User) -> str:
    """A token naming the user and their current nonce, so it dies once used or replaced."""
    return _verify_serializer().dumps([user.id, user.verify_nonce])


def _queue_verification(user: User) -> None:
    """Put the verification email in the mail queue (logged when SMTP is not set up)."""
    from .notify import _link

    path = current_app.url_map.bind("localhost").build(
        "auth.verify_email", {"token": verification_token(user)}
    )
    db.session.add(
        OutboundEmail(
            to_address=user.email,
            subject="Confirm your Wishlist sign-up",
            body=(
                f"Hello {user.name},\n\nFollow this link within 24 hours to join your "
                f"company's account on Wishlist:\n\n{_link(path)}\n\n"
                "If you did not sign up, ignore this email."
            ),
        )
    )


def resend_verification(email: str | None) -> None:
    """Send a fresh link to a pending sign-up (the old one stops working); silent otherwise."""
    try:
        address = normalise_email(email)
    except ServiceError:
        return
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None or not user.is_pending_verification or not user.active:
        return
    user.verify_nonce = secrets.token_urlsafe(24)
    _queue_verification(user)
    db.session.commit()


def _read_signed(
    serializer: URLSafeTimedSerializer,
    token: str,
    max_age: int,
    expired: ServiceError,
    invalid: ServiceError,
) -> tuple[int, str]:
    """Read a signed (user id, check value) pair, raising `expired` or `invalid` when it fails."""
    try:
        user_id, check = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise expired from None
    except (BadSignature, ValueError, TypeError):
        raise invalid from None
    return user_id, check


def verify_email(token: str, max_age: int = VERIFY_MAX_AGE) -> User:
    """Use a verification link once: the user joins their domain's account and may sign in."""
    user_id, nonce = _read_signed(
        _verify_serializer(),
        token,
        max_age,
        ServiceError("This link has expired. Ask for a new one below."),
        ServiceError("This link is not valid or was already used."),
    )
    user = db.session.get(User, user_id)
    if user is None or user.verify_nonce is None or user.verify_nonce != nonce:
        raise ServiceError("This link is not valid or was already used.")
    account = _account_for(user.email)
    if account is None:
        raise ServiceError("Your company is no longer registered. Ask for an invite.")
    user.account = account
    user.verify_nonce = None
    user.email_verified_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> User:
    """Change a user's password, ending all their sessions (the caller signs them in again)."""
    if user.password_hash is None or not check_password_hash(user.password_hash, current or ""):
        raise ServiceError("Your current password is not correct.")
    user.password_hash = hash_password(check_password(new))
    user.rotate_session_token()
    db.session.commit()
    return user


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere: every session and remember-me cookie stops working."""
    user.rotate_session_token()
    db.session.commit()


def _invite_serializer() -> URLSafeTimedSerializer:
    """Signs invitation tokens with the app's secret key."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="wishlist-invite")


def invite_token(user: User) -> str:
    """Return a token that lets the user set a password once (it dies when the password changes)."""
    return _invite_serializer().dumps([user.id, (user.password_hash or "")[-12:]])


def user_from_invite(token: str) -> User:
    """Return the user an unused, unexpired invitation token belongs to."""
    user_id, fingerprint = _read_signed(
        _invite_serializer(),
        token,
        INVITE_MAX_AGE,
        ServiceError("This invitation has expired. Ask for a new one."),
        NotFound("This invitation link is not valid."),
    )
    user = db.session.get(User, user_id)
    if user is None or (user.password_hash or "")[-12:] != fingerprint or not user.active:
        raise NotFound("This invitation link is not valid or was already used.")
    return user


def accept_invite(token: str, password: str, name: str | None = None) -> User:
    """Set the invited user's password (and name), consuming the token."""
    user = user_from_invite(token)
    user.password_hash = hash_password(check_password(password))
    if name:
        user.name = require_text(name, "Name", 120)
    # A new password ends any session that existed before it.
    user.rotate_session_token()
    db.session.commit()
    return user


def update_user(
    user_id: int, role: Role | str, account_id: int | None, active: bool, acting: User
) -> User:
    """Change a user's role, account and whether they may sign in (admins only)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    role = Role(role)
    account = db.session.get(Account, account_id) if account_id else None
    if account_id and account is None:
        raise ServiceError("No such account.")
    if role == Role.CUSTOMER and account is None:
        raise ServiceError("Customers must belong to an account.")
    if user.id == acting.id and (role != Role.ADMIN or not active):
        # Stops the last admin from locking everyone out by accident.
        raise ServiceError("You cannot remove your own admin role or deactivate yourself.")
    if role != user.role or active != user.active:
        # Sessions opened under the old role (or before deactivation) must not live on.
        user.rotate_session_token()
    user.role, user.account, user.active = role, account, active
    db.session.commit()
    return user


def list_users() -> list[User]:
    """All users, staff first, then by email."""
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))


def create_account(name: str, email_domain_: str | None) -> Account:
    """Create a customer account with a unique name and optional unique email domain."""
    account = Account()
    return _save_account(account, name, email_domain_)


def update_account(account_id: int, name: str, email_domain_: str | None) -> Account:
    """Rename an account or change its email domain."""
    account = db.session.get(Account, account_id)
    if account is None:
        raise NotFound("No such account.")
    return _save_account(account, name, email_domain_)


def _save_account(account: Account, name: str, domain: str | None) -> Account:
    """Validate and store an account's name and domain."""
    name = require_text(name, "Company name", 200)
    domain = optional_text(domain, "Email domain", 255).lower().lstrip("@") or None
    if domain and ("." not in domain or " " in domain or "@" in domain):
        raise ServiceError(f"'{domain}' is not an email domain (like example.com).")
    same = func.lower(Account.name) == name.lower()
    if domain:
        same = same | (Account.email_domain == domain)
    clash = db.session.scalar(select(Account).where(same, Account.id != (account.id or 0)))
    if clash is not None:
        raise ServiceError(f"Another account already uses that name or domain ({clash.name}).")
    account.name, account.email_domain = name, domain
    db.session.add(account)
    db.session.commit()
    return account


def list_accounts() -> list[Account]:
    """All accounts by name."""
    return list(db.session.scalars(select(Account).order_by(Account.name)))


def save_product_area(
    area_id: int | None, name: str, description: str = "", archived: bool = False
) -> ProductArea:
    """Create or update a product area; names are unique."""
    area = db.session.get(ProductArea, area_id) if area_id else ProductArea()
    if area is None:
        raise NotFound("No such product area.")
    name = require_text(name, "Name", 80)
    clash = db.session.scalar(
        select(ProductArea).where(
            func.lower(ProductArea.name) == name.lower(), ProductArea.id != (area.id or 0)
        )
    )
    if clash is not None:
        raise ServiceError(f"A product area called {clash.name} already exists.")
    area.name = name
    area.description = optional_text(description, "Description", 300)
    area.archived = archived
    db.session.add(area)
    db.session.commit()
    return area


def list_product_areas(include_archived: bool = False) -> list[ProductArea]:
    """Product areas by name, optionally with archived ones."""
    query = select(ProductArea).order_by(ProductArea.name)
    if not include_archived:
        query = query.where(ProductArea.archived.is_(False))
    return list(db.session.scalars(query))
