"""Roadmap and notification pages. Each view parses the request, calls one service, renders."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..services import notify
from ..services import status as status_service
from . import bp
from .forms import MarkReadForm


@bp.app_context_processor
def inject_unread_notifications() -> dict[str, Any]:
    """The signed-in user's unread count, for the nav on every page."""
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": notify.unread_count(current_user)}


@bp.route("/roadmap")
@login_required
def roadmap() -> str:
    """What is planned, in progress and recently shipped (everyone signed in)."""
    return render_template(
        "roadmap/index.html",
        columns=status_service.roadmap(),
        can_manage=status_service.can_set_bundle_status(current_user),
    )


@bp.route("/notifications")
@login_required
def notifications() -> str:
    """The signed-in user's own notifications, newest first."""
    items = notify.list_notifications(current_user)
    form = MarkReadForm(up_to=str(items[0].id) if items else "")
    return render_template("notifications.html", notifications=items, form=form)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read() -> Response:
    """Mark the notifications the page showed as read."""
    form = MarkReadForm()
    if not form.validate_on_submit():
        abort(400, description="The form was out of date. Reload the page and try again.")
    up_to = int(form.up_to.data) if (form.up_to.data or "").isdigit() else None
    notify.mark_all_read(current_user, up_to)
    return redirect(url_for("roadmap.notifications"))
