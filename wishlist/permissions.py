"""Who may do what: role checks for views, and the rate-limit key."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn
from urllib.parse import urlsplit

from flask import abort, request
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from .models import Role
from .services.errors import Forbidden, NotFound, ServiceError


def roles_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let only signed-in users with one of these roles through (others get 403)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(Role.CSM, Role.PM, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)


def user_or_ip() -> str:
    """Rate-limit key: the signed-in user, else the client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{get_remote_address()}"


def safe_next(target: str | None, default: str) -> str:
    """Return a same-site path to go to after sign-in, never another host (no open redirect)."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
    ):
        return default
    return target


def same_site_referrer(default: str) -> str:
    """Return the referring page when it is on this site, for redirects after small actions."""
    ref = request.referrer
    if not ref:
        return default
    parts = urlsplit(ref)
    if parts.netloc and parts.netloc != request.host:
        return default
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path, default)


def abort_for(exc: ServiceError) -> NoReturn:
    """Answer a failed service call with the matching HTTP error and the service's message."""
    if isinstance(exc, NotFound):
        abort(404, description=str(exc))
    if isinstance(exc, Forbidden):
        abort(403, description=str(exc))
    abort(400, description=str(exc))
