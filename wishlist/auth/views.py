"""Sign-in, sign-out, sign-up and invitation pages."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..permissions import safe_next
from ..services import NotFound, ServiceError
from ..services import users as user_service
from . import bp
from .forms import InviteForm, LoginForm, PasswordForm, ResendForm, SignupForm


def _login_limit() -> str:
    """Sign-in attempts allowed per client address."""
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> str | Response:
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("forum.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = user_service.authenticate(form.email.data, form.password.data)
        if user is not None and user.is_pending_verification:
            # Right password, so saying "pending" reveals nothing the visitor did not know.
            flash("Your sign-up is pending verification: follow the link we emailed you.", "info")
            return redirect(url_for("auth.resend_verification"))
        if user is not None:
            login_user(user, remember=bool(form.remember.data))
            return redirect(safe_next(request.args.get("next"), url_for("forum.index")))
        # One message for unknown email, wrong password and deactivated user alike.
        flash("Email or password is incorrect.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out (POST only, so a link on another site cannot sign people out)."""
    # A new token, so a copy of this browser's cookies taken earlier signs nobody in.
    user_service.end_all_sessions(current_user._get_current_object())
    logout_user()
    # A fresh session: nothing left for the next person at this browser (such as messages).
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def signup() -> str | Response:
    """Let a customer whose company is registered create their own sign-in."""
    if not current_app.config["SIGNUP_ENABLED"]:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("forum.index"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user_service.sign_up(form.email.data, form.name.data, form.password.data)
        except ServiceError as exc:
            flash(str(exc), "error")
            return render_template("auth/signup.html", form=form), 400
        # One answer whether or not the address could sign up, so nobody learns who is here.
        return render_template("auth/pending.html", message=user_service.SIGNUP_SENT)
    status = 400 if form.errors else 200
    return render_template("auth/signup.html", form=form), status


def _resend_limit() -> str:
    """Verification emails a client address may ask for."""
    return current_app.config["RESEND_RATE_LIMIT"]


@bp.route("/signup/resend", methods=["GET", "POST"])
@limiter.limit(_resend_limit, methods=["POST"])
def resend_verification() -> str | Response:
    """Ask for a fresh verification link (answers the same for any address)."""
    form = ResendForm()
    if form.validate_on_submit():
        user_service.resend_verification(form.email.data)
        return render_template("auth/pending.html", message=user_service.SIGNUP_SENT)
    status = 400 if form.errors else 200
    return render_template("auth/resend.html", form=form), status


@bp.route("/signup/verify/<token>")
def verify_email(token: str) -> str | Response:
    """Use the emailed link: the sign-up joins its account and may sign in."""
    try:
        user = user_service.verify_email(token)
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("auth.resend_verification"))
    flash(f"Your address is confirmed. Sign in to take part for {user.account.name}.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere() -> Response:
    """End every session of the signed-in user, on every device (POST with CSRF)."""
    user_service.end_all_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out on every device.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def accept_invite(token: str) -> str | Response:
    """Let an invited user set their password."""
    try:
        user = user_service.user_from_invite(token)
    except NotFound as exc:
        abort(404, description=str(exc))
    except ServiceError as exc:
        abort(400, description=str(exc))
    form = InviteForm(name=user.name)
    if form.validate_on_submit():
        try:
            user = user_service.accept_invite(token, form.password.data, form.name.data)
        except ServiceError as exc:
            flash(str(exc), "error")
            return render_template("auth/invite.html", form=form, user=user), 400
        logout_user()
        login_user(user)
        flash("Your password is set. Welcome to Wishlist!", "success")
        return redirect(url_for("forum.index"))
    status = 400 if form.errors else 200
    return render_template("auth/invite.html", form=form, user=user), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def change_password() -> str | Response:
    """Change one's password: other sessions end, this one signs in again."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = user_service.change_password(
                current_user._get_current_object(), form.current.data, form.password.data
            )
        except ServiceError as exc:
            flash(str(exc), "error")
            return render_template("auth/password.html", form=form), 400
        # The token rotated, so this browser's cookie is dead too: sign in under the new one.
        login_user(user)
        flash("Your password is changed. Other devices are signed out.", "success")
        return redirect(url_for("forum.index"))
    status = 400 if form.errors else 200
    return render_template("auth/password.html", form=form), status
