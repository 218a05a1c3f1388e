"""JSON endpoints for wishes. Writes need the X-CSRFToken header, like the forms."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..models import User, Wish
from ..permissions import abort_for, user_or_ip
from ..services import ServiceError, matching
from ..services import wishes as wish_service
from . import bp


def wish_json(wish: Wish, viewer: User, votes: int, my_vote: Any = None) -> dict[str, Any]:
    """The public fields of a wish; who asked is told as this viewer may read it."""
    return {
        "id": wish.id,
        "title": wish.title,
        "body": wish.body,
        "status": wish.status.value,
        "status_reason": wish.status_reason,
        "product_area": wish.product_area.name if wish.product_area else None,
        "votes": votes,
        "my_vote": my_vote.value if my_vote else None,
        "author": wish.author_label(viewer),
        "created_at": wish.created_at.isoformat(),
        "url": url_for("forum.wish", wish_id=wish.id, _external=True),
    }


@bp.route("/wishes")
@login_required
def wishes() -> Response:
    """Wishes, filtered and sorted like the forum page."""
    try:
        wf = wish_service.parse_filter(request.args, current_user)
        page = wish_service.parse_page(request.args.get("page"))
        result = wish_service.list_wishes(current_user, wf, page)
    except ServiceError as exc:
        abort_for(exc)
    return jsonify(
        {
            "items": [wish_json(r.wish, current_user, r.votes, r.my_vote) for r in result.items],
            "page": result.page,
            "pages": result.pages,
            "total": result.total,
            # A text search counts at most 1,000 matches; true when more match.
            "total_capped": result.capped,
        }
    )


@bp.route("/wishes/similar")
@login_required
def similar() -> Response:
    """Existing wishes like the one being typed: {"items": [{id, title, status, votes, score}]}."""
    title = request.args.get("title", "")
    body = request.args.get("body", "")
    try:
        limit = int(request.args.get("limit", "5"))
    except ValueError:
        abort(400, description="limit must be a whole number from 1 to 20.")
    if not 1 <= limit <= 20:
        abort(400, description="limit must be a whole number from 1 to 20.")
    if len(title) > 2_000 or len(body) > 20_000:
        abort(400, description="The text is too long to compare.")
    found = matching.similar_wishes(
        title, body, limit, min_score=current_app.config["SIMILAR_MIN_SCORE"]
    )
    return jsonify(
        {
            "items": [
                {
                    "id": s.wish.id,
                    "title": s.wish.title,
                    "status": s.wish.status.value,
                    "status_label": s.wish.status.label,
                    "votes": s.votes,
                    "score": s.score,
                    "url": url_for("forum.wish", wish_id=s.wish.id),
                }
                for s in found
            ]
        }
    )


@bp.route("/wishes/<int:wish_id>")
@login_required
def wish(wish_id: int) -> Response:
    """One wish with the comments this user may see."""
    try:
        found = wish_service.get_wish(wish_id, current_user)
    except ServiceError as exc:
        abort_for(exc)
    detail = wish_service.wish_detail(found, current_user)
    data = wish_json(found, current_user, detail["votes"], detail["my_vote"])  # type: ignore[arg-type]
    data["comments"] = [
        {
            "author": c.author.name,
            "body": c.body,
            "internal": c.internal,
            "created_at": c.created_at.isoformat(),
        }
        for c in detail["comments"]  # type: ignore[attr-defined]
    ]
    return jsonify(data)


def _post_limit() -> str:
    """Writes allowed per user."""
    return current_app.config["POST_RATE_LIMIT"]


@bp.route("/wishes/<int:wish_id>/vote", methods=["PUT", "DELETE"])
@login_required
@limiter.limit(_post_limit, key_func=user_or_ip)
def vote(wish_id: int) -> Response:
    """PUT {"importance": "critical"} to vote or change importance; DELETE to take it back."""
    try:
        if request.method == "DELETE":
            wish_service.remove_vote(current_user, wish_id)
            return jsonify({"voted": False})
        payload = request.get_json(silent=True) or {}
        vote = wish_service.cast_vote(
            current_user, wish_id, str(payload.get("importance", "important"))
        )
    except ServiceError as exc:
        abort_for(exc)
    return jsonify({"voted": True, "importance": vote.importance.value})
