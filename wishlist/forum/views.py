"""Forum pages. Each view parses the request, calls one service, and renders or redirects."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ..extensions import limiter
from ..models import WishStatus
from ..permissions import abort_for, same_site_referrer, staff_required, user_or_ip
from ..services import Forbidden, NotFound, ServiceError
from ..services import status as status_service
from ..services import users as user_service
from ..services import wishes as wish_service
from . import bp
from .forms import (
    ActionForm,
    CommentForm,
    EditWishForm,
    StaffWishForm,
    StatusForm,
    VoteForForm,
    VoteForm,
    WishForm,
)


def _post_limit() -> str:
    """Posts (wishes, comments, votes) allowed per user."""
    return current_app.config["POST_RATE_LIMIT"]


def _area_choices() -> list[SelectChoice]:
    """Product areas for a select box, with 'not sure' first."""
    areas = user_service.list_product_areas()
    return [SelectChoice(0, "Not sure")] + [SelectChoice(a.id, a.name) for a in areas]


def _account_choices(first: str) -> list[SelectChoice]:
    """Customer accounts for a select box, with a first entry meaning 'none'."""
    accounts = user_service.list_accounts()
    return [SelectChoice(0, first)] + [SelectChoice(a.id, a.name) for a in accounts]


def _listing(template: str, title: str, **scope: int) -> str:
    """Render a filtered, sorted, paginated list of wishes."""
    try:
        wf = wish_service.parse_filter(request.args, current_user)
        if scope:
            wf = wish_service.WishFilter(**{**wf.__dict__, **scope})
        page = wish_service.parse_page(request.args.get("page"))
        result = wish_service.list_wishes(current_user, wf, page)
    except ServiceError as exc:
        abort_for(exc)
    return render_template(
        template,
        title=title,
        page=result,
        wf=wf,
        areas=user_service.list_product_areas(),
        sorts=wish_service.SORTS,
        statuses=list(WishStatus),
        vote_form=ActionForm(),
    )


@bp.route("/")
@login_required
def index() -> str:
    """All wishes, for everyone signed in."""
    return _listing("forum/index.html", "Wishes")


@bp.route("/me/wishes")
@login_required
def my_wishes() -> str:
    """Wishes the signed-in user submitted."""
    return _listing("forum/index.html", "My wishes", author_id=current_user.id)


@bp.route("/me/votes")
@login_required
def my_votes() -> str:
    """Wishes the signed-in user voted for."""
    return _listing("forum/index.html", "My votes", voter_id=current_user.id)


@bp.route("/wishes/new", methods=["GET", "POST"])
@login_required
@limiter.limit(_post_limit, methods=["POST"], key_func=user_or_ip)
def new_wish() -> str | Response:
    """Submit a wish."""
    form = StaffWishForm() if current_user.is_staff else WishForm()
    form.product_area.choices = _area_choices()
    if current_user.is_staff:
        form.account.choices = _account_choices("Myself")
    if form.validate_on_submit():
        try:
            if current_user.is_staff and form.account.data:
                wish = wish_service.submit_wish_for(
                    current_user,
                    form.account.data,
                    form.contact_email.data,
                    form.title.data,
                    form.body.data or "",
                    form.product_area.data or None,
                    form.importance.data,
                )
            else:
                wish = wish_service.submit_wish(
                    current_user,
                    form.title.data,
                    form.body.data or "",
                    form.product_area.data or None,
                    form.importance.data,
                )
        except ServiceError as exc:
            flash(str(exc), "error")
            return render_template("forum/wish_form.html", form=form, wish=None), 400
        flash("Thanks! Your wish is posted and you are following it.", "success")
        return redirect(url_for("forum.wish", wish_id=wish.id))
    status = 400 if form.errors else 200
    return render_template("forum/wish_form.html", form=form, wish=None), status


@bp.route("/wishes/<int:wish_id>")
@login_required
def wish(wish_id: int) -> str:
    """A wish with its votes, comments and history."""
    try:
        found = wish_service.get_wish(wish_id, current_user)
    except ServiceError as exc:
        abort_for(exc)
    detail = wish_service.wish_detail(found, current_user)
    vote_form = VoteForm(importance=(detail["my_vote"] or "important"))
    status_form = StatusForm(status=found.status.value) if current_user.is_staff else None
    vote_for_form = None
    if current_user.is_staff:
        vote_for_form = VoteForForm()
    return render_template(
        "forum/wish.html",
        vote_for_form=vote_for_form,
        voters=wish_service.voters(found) if current_user.is_staff else [],
        comment_form=CommentForm(),
        vote_form=vote_form,
        status_form=status_form,
        # The reopen box only where a change could take shipped work back.
        offer_reopen=bool(status_form) and status_service.wish_has_shipped_work(found),
        action_form=ActionForm(),
        **detail,
    )


@bp.route("/wishes/<int:wish_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(_post_limit, methods=["POST"], key_func=user_or_ip)
def edit_wish(wish_id: int) -> str | Response:
    """Change a wish's text while that is still allowed."""
    try:
        found = wish_service.get_wish(wish_id, current_user)
        if not wish_service.can_edit(found, current_user):
            raise Forbidden("Only the author can edit, and only until someone else votes.")
    except ServiceError as exc:
        abort_for(exc)
    form = EditWishForm(obj=found, product_area=found.product_area_id or 0)
    form.product_area.choices = _area_choices()
    if form.validate_on_submit():
        try:
            wish_service.edit_wish(
                current_user,
                wish_id,
                form.title.data,
                form.body.data or "",
                form.product_area.data or None,
            )
        except ServiceError as exc:
            flash(str(exc), "error")
            return render_template("forum/wish_form.html", form=form, wish=found), 400
        flash("Your changes are saved.", "success")
        return redirect(url_for("forum.wish", wish_id=wish_id))
    status = 400 if form.errors else 200
    return render_template("forum/wish_form.html", form=form, wish=found), status


def _action(wish_id: int, done: str, call: object) -> Response:
    """Run a one-click service call behind a CSRF-checked form, then go back."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400, description="The form was out of date. Reload the page and try again.")
    try:
        call()  # type: ignore[operator]
    except ServiceError as exc:
        abort_for(exc)
    if done:
        flash(done, "success")
    return redirect(same_site_referrer(url_for("forum.wish", wish_id=wish_id)))


@bp.route("/wishes/<int:wish_id>/vote", methods=["POST"])
@login_required
@limiter.limit(_post_limit, key_func=user_or_ip)
def vote(wish_id: int) -> Response:
    """Vote for a wish, or change the importance of one's vote."""
    importance = request.form.get("importance", "important")
    return _action(wish_id, "", lambda: wish_service.cast_vote(current_user, wish_id, importance))


@bp.route("/wishes/<int:wish_id>/unvote", methods=["POST"])
@login_required
@limiter.limit(_post_limit, key_func=user_or_ip)
def unvote(wish_id: int) -> Response:
    """Take a vote back."""
    return _action(
        wish_id, "Your vote is removed.", lambda: wish_service.remove_vote(current_user, wish_id)
    )


@bp.route("/wishes/<int:wish_id>/follow", methods=["POST"])
@login_required
def follow(wish_id: int) -> Response:
    """Follow or unfollow a wish (form field `follow` = 1 or 0)."""
    on = request.form.get("follow", "1") == "1"
    message = "You will hear about changes." if on else "You no longer follow this wish."
    return _action(wish_id, message, lambda: wish_service.set_following(current_user, wish_id, on))


@bp.route("/wishes/<int:wish_id>/withdraw", methods=["POST"])
@login_required
def withdraw(wish_id: int) -> Response:
    """Withdraw a wish; it disappears from the forum but nothing is deleted."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400, description="The form was out of date. Reload the page and try again.")
    try:
        wish_service.withdraw_wish(current_user, wish_id)
    except ServiceError as exc:
        abort_for(exc)
    flash("The wish is withdrawn.", "success")
    return redirect(url_for("forum.my_wishes"))


@bp.route("/wishes/<int:wish_id>/comments", methods=["POST"])
@login_required
@limiter.limit(_post_limit, key_func=user_or_ip)
def comment(wish_id: int) -> str | Response:
    """Add a comment."""
    form = CommentForm()
    if not form.validate_on_submit():
        message = "; ".join(e for errors in form.errors.values() for e in errors)
        flash(message or "The comment could not be posted.", "error")
        try:
            wish_service.get_wish(wish_id, current_user)
        except ServiceError as exc:
            abort_for(exc)
        return redirect(url_for("forum.wish", wish_id=wish_id) + "#comment")
    try:
        wish_service.add_comment(
            current_user, wish_id, form.body.data, internal=bool(form.internal.data)
        )
    except ServiceError as exc:
        abort_for(exc)
    flash("Your comment is posted.", "success")
    return redirect(url_for("forum.wish", wish_id=wish_id) + "#comments")


@bp.route("/wishes/<int:wish_id>/status", methods=["POST"])
@staff_required
def change_status(wish_id: int) -> Response:
    """Move a wish through the workflow (staff)."""
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400, description="Choose a status from the list.")
    try:
        found = wish_service.change_status(
            current_user,
            wish_id,
            form.status.data,
            form.reason.data or "",
            confirm_reopen=form.confirm_reopen.data,
        )
    except (NotFound, Forbidden) as exc:
        abort_for(exc)
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("forum.wish", wish_id=wish_id))
    flash(f"Status changed to {found.status.label}.", "success")
    return redirect(url_for("forum.wish", wish_id=wish_id))


@bp.route("/wishes/<int:wish_id>/vote-for", methods=["POST"])
@staff_required
@limiter.limit(_post_limit, key_func=user_or_ip)
def vote_for(wish_id: int) -> Response:
    """Record a vote for a customer account (customer success acting for a customer)."""
    form = VoteForForm()
    if not form.validate_on_submit():
        flash("Type the customer account and choose how important it is to them.", "error")
        return redirect(url_for("forum.wish", wish_id=wish_id))
    try:
        vote = wish_service.vote_for(
            current_user,
            wish_id,
            wish_service.find_account(form.account.data).id,
            form.contact_email.data,
            form.importance.data,
        )
    except (NotFound, Forbidden) as exc:
        abort_for(exc)
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("forum.wish", wish_id=wish_id))
    who = vote.user.name if vote.user else vote.account.name
    flash(f"Vote recorded for {who} ({vote.importance.label.lower()}).", "success")
    return redirect(url_for("forum.wish", wish_id=wish_id))
