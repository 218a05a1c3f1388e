"""Account pages for staff: who the customers are, what they are worth, and what they ask for."""

from __future__ import annotations

from flask import abort, render_template, request

from ..permissions import staff_required
from ..services import ServiceError, insight
from . import bp


@bp.route("/")
@staff_required
def index() -> str:
    """Every account with ARR, tier, renewal, owner, segments and activity; ?sort=arr|name."""
    sort = request.args.get("sort", "arr")
    if sort not in insight.ACCOUNT_SORTS:
        sort = "arr"
    return render_template("accounts/index.html", rows=insight.account_rows(sort), sort=sort)


@bp.route("/<int:account_id>")
@staff_required
def account(account_id: int) -> str:
    """One account: details, users, the bundles it asks for with its exposure, wishes, votes."""
    try:
        detail = insight.account_detail(account_id)
    except ServiceError as exc:
        abort(404, description=str(exc))
    return render_template("accounts/account.html", detail=detail)
