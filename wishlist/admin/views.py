"""Administration pages (admins only)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ..extensions import db
from ..models import Account, Job, ProductArea, User
from ..permissions import admin_required
from ..services import ServiceError
from ..services import imports as import_service
from ..services import jobs as job_service
from ..services import users as user_service
from . import bp
from .forms import AccountForm, AreaForm, ImportForm, UserCreateForm, UserEditForm

IMPORT_MAX_BYTES = 10 * 1024 * 1024


def _account_choices() -> list[SelectChoice]:
    """Accounts for a select box, with 'none (staff)' first."""
    accounts = user_service.list_accounts()
    return [SelectChoice(0, "None (staff)")] + [SelectChoice(a.id, a.name) for a in accounts]


@bp.route("/")
@admin_required
def home() -> Response:
    """The admin area starts at the user list."""
    return redirect(url_for("admin.users"))


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users() -> str | Response:
    """List users and create or invite one."""
    form = UserCreateForm()
    form.account.choices = _account_choices()
    invite_link = None
    status = 200
    if form.validate_on_submit():
        account = db.session.get(Account, form.account.data) if form.account.data else None
        try:
            user = user_service.create_user(
                form.email.data,
                form.role.data,
                account,
                form.password.data or None,
                form.name.data,
            )
        except ServiceError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            if user.password_hash is None:
                invite_link = url_for(
                    "auth.accept_invite", token=user_service.invite_token(user), _external=True
                )
                flash(f"{user.email} is invited. Send them the link below.", "success")
            else:
                flash(f"{user.email} can now sign in.", "success")
            form = UserCreateForm(formdata=None)
            form.account.choices = _account_choices()
    elif form.errors:
        status = 400
    return render_template(
        "admin/users.html", form=form, users=user_service.list_users(), invite_link=invite_link
    ), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int) -> str | Response:
    """Change a user's role, account or access."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = UserEditForm(obj=user, role=user.role.value, account=user.account_id or 0)
    form.account.choices = _account_choices()
    if form.validate_on_submit():
        try:
            user_service.update_user(
                user.id, form.role.data, form.account.data or None, form.active.data, current_user
            )
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("admin/user_edit.html", form=form, user=user), 400
        flash(f"{user.email} is updated.", "success")
        return redirect(url_for("admin.users"))
    invite_link = None
    if user.password_hash is None:
        invite_link = url_for(
            "auth.accept_invite", token=user_service.invite_token(user), _external=True
        )
    return render_template("admin/user_edit.html", form=form, user=user, invite_link=invite_link), (
        400 if form.errors else 200
    )


@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def accounts() -> str | Response:
    """List customer accounts and add one."""
    form = AccountForm()
    status = 200
    if form.validate_on_submit():
        try:
            account = user_service.create_account(form.name.data, form.email_domain.data)
        except ServiceError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash(f"Account {account.name} is created.", "success")
            return redirect(url_for("admin.accounts"))
    elif form.errors:
        status = 400
    return render_template(
        "admin/accounts.html", form=form, accounts=user_service.list_accounts()
    ), status


@bp.route("/accounts/<int:account_id>", methods=["GET", "POST"])
@admin_required
def edit_account(account_id: int) -> str | Response:
    """Rename an account or change its email domain."""
    account = db.session.get(Account, account_id)
    if account is None:
        abort(404)
    form = AccountForm(obj=account)
    if form.validate_on_submit():
        try:
            user_service.update_account(account.id, form.name.data, form.email_domain.data)
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("admin/account_edit.html", form=form, account=account), 400
        flash(f"Account {account.name} is updated.", "success")
        return redirect(url_for("admin.accounts"))
    return render_template("admin/account_edit.html", form=form, account=account), (
        400 if form.errors else 200
    )


@bp.route("/areas", methods=["GET", "POST"])
@admin_required
def areas() -> str | Response:
    """List product areas and add one."""
    form = AreaForm()
    status = 200
    if form.validate_on_submit():
        try:
            area = user_service.save_product_area(
                None, form.name.data, form.description.data or "", form.archived.data
            )
        except ServiceError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash(f"Product area {area.name} is created.", "success")
            return redirect(url_for("admin.areas"))
    elif form.errors:
        status = 400
    return render_template(
        "admin/areas.html", form=form, areas=user_service.list_product_areas(include_archived=True)
    ), status


@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
@admin_required
def edit_area(area_id: int) -> str | Response:
    """Rename, describe or archive a product area."""
    area = db.session.get(ProductArea, area_id)
    if area is None:
        abort(404)
    form = AreaForm(obj=area)
    if form.validate_on_submit():
        try:
            user_service.save_product_area(
                area.id, form.name.data, form.description.data or "", form.archived.data
            )
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("admin/area_edit.html", form=form, area=area), 400
        flash("Product area is updated.", "success")
        return redirect(url_for("admin.areas"))
    return render_template("admin/area_edit.html", form=form, area=area), (
        400 if form.errors else 200
    )


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_csv() -> str | Response:
    """Upload a CSV of accounts or wishes; show the counts, or every bad row (nothing imported).

    A file of more than job_service.INLINE_ROWS_MAX rows is imported by a background job, whose
    page shows the same.
    """
    form = ImportForm()
    result = None
    row_errors: list[import_service.RowError] = []
    status = 200
    if form.validate_on_submit():
        # Read one byte past the limit so an oversized file is refused without guessing.
        data = form.file.data.stream.read(IMPORT_MAX_BYTES + 1)
        try:
            if len(data) > IMPORT_MAX_BYTES:
                raise ServiceError("The file is larger than 10 MB; split it or use the command.")
            outcome = job_service.start_import(
                form.kind.data, data, form.file.data.filename or "", current_user
            )
        except import_service.ImportFailed as exc:
            row_errors = exc.errors
            flash(f"Nothing was imported: {len(exc.errors)} problem(s) in the file.", "error")
            status = 400
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            status = 400
        else:
            if isinstance(outcome, Job):
                return redirect(url_for("jobs.job", job_id=outcome.id))
            result = outcome
            flash(
                f"Imported {form.kind.data}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged.",
                "success",
            )
    elif form.errors:
        status = 400
    return render_template(
        "admin/import.html", form=form, result=result, row_errors=row_errors
    ), status
