"""Wishlist: customer enhancement requests, bundled, quantified and ranked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from werkzeug.routing import IntegerConverter

from . import models  # noqa: F401 - registers the models with the metadata
from .config import Config, TestingConfig, load_secret_key
from .extensions import csrf, db, huey, init_sqlite, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


class DatabaseIntConverter(IntegerConverter):
    """An <int:...> URL part that also fits a 64-bit database column."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        """Cap the value at 2**63-1 so a huge id is a 404 instead of an OverflowError."""
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict[str, Any] | str | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages, commands."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("WISHLIST_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure(app, config)
    # Every <int:...> in every blueprint gets the bound; rules compile as they are added.
    app.url_map.converters["int"] = DatabaseIntConverter
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_warmers(app)
    return app


def register_warmers(app: Flask) -> None:
    """Work a worker should do once in the background rather than in someone's request."""
    from .services import backlog

    backlog.warm_on_first_request(app)


def configure(app: Flask, config: dict[str, Any] | str | None) -> None:
    """Load Config (or TestingConfig for config='testing'), then any overrides."""
    testing = config == "testing" or (isinstance(config, dict) and config.get("TESTING"))
    app.config.from_object(TestingConfig if testing else Config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = Config.database_url(app.instance_path)
    if isinstance(config, dict):
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)


def register_extensions(app: Flask) -> None:
    """Bind the extension objects to this app."""
    db.init_app(app)
    init_sqlite(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    huey.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.unauthorized_handler
    def unauthorized() -> Any:
        """API callers get 401 JSON; people get the sign-in page (coming back afterwards)."""
        from flask import flash, redirect, url_for

        if request.path.startswith("/api/"):
            return api_error(401, "Sign in first."), 401
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @login_manager.user_loader
    def load_user(user_id: str) -> models.User | None:
        """Return the user whose current session token this is, if active and verified."""
        from sqlalchemy import select

        token = user_id.split(".", 1)[0]
        if not token:
            return None
        user = db.session.scalar(select(models.User).where(models.User.session_token == token))
        # Deactivating someone ends their existing sessions too, not only future sign-ins.
        if user is None or not user.active or user.is_pending_verification:
            return None
        return user


def register_blueprints(app: Flask) -> None:
    """Attach the areas of the application."""
    from .accounts import bp as accounts_bp
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .backlog import bp as backlog_bp
    from .forum import bp as forum_bp
    from .jobs import bp as jobs_bp
    from .review import bp as review_bp
    from .roadmap import bp as roadmap_bp
    from .value import bp as value_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(forum_bp)
    app.register_blueprint(review_bp, url_prefix="/review")
    app.register_blueprint(value_bp, url_prefix="/value")
    app.register_blueprint(backlog_bp, url_prefix="/backlog")
    app.register_blueprint(accounts_bp, url_prefix="/accounts")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(roadmap_bp)
    app.register_blueprint(jobs_bp, url_prefix="/jobs")


def register_errorhandlers(app: Flask) -> None:
    """Show friendly pages (or JSON under /api) for HTTP errors."""
    from flask_wtf.csrf import CSRFError

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    def render_error(code: int, title: str, message: str) -> tuple[Any, int]:
        """One JSON shape for every API error; a page for people."""
        if wants_json():
            return api_error(code, message), code
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(401)
    def unauthorized(error: Exception) -> tuple[Any, int]:
        return render_error(401, "Sign in first", "Sign in first.")

    @app.errorhandler(409)
    def conflict(error: Exception) -> tuple[Any, int]:
        description = getattr(error, "description", "") or "That conflicts with a change."
        return render_error(409, "Conflict", description)

    @app.errorhandler(413)
    def too_large(error: Exception) -> tuple[Any, int]:
        return render_error(413, "Too large", "The upload is too large.")

    @app.errorhandler(422)
    def unprocessable(error: Exception) -> tuple[Any, int]:
        description = getattr(error, "description", "") or "The data could not be used."
        return render_error(422, "Unprocessable", description)

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[Any, int]:
        return render_error(500, "Something went wrong", "Something went wrong on our side.")

    @app.errorhandler(400)
    def bad_request(error: Exception) -> tuple[Any, int]:
        description = getattr(error, "description", "") or "The request was not understood."
        return render_error(400, "Bad request", description)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[Any, int]:
        return render_error(
            400, "Form expired", "The form was out of date. Go back, reload the page and try again."
        )

    @app.errorhandler(403)
    def forbidden(error: Exception) -> tuple[Any, int]:
        return render_error(403, "Not allowed", "Your role does not give access to this page.")

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[Any, int]:
        description = getattr(error, "description", "")
        if not description or description.startswith("The requested URL"):
            description = "There is nothing here. It may have been withdrawn or never existed."
        return render_error(404, "Not found", description)

    @app.errorhandler(405)
    def method_not_allowed(error: Exception) -> tuple[Any, int]:
        return render_error(405, "Method not allowed", "That action is not available here.")

    @app.errorhandler(429)
    def too_many(error: Exception) -> tuple[Any, int]:
        return render_error(
            429, "Slow down", "Too many attempts in a short time. Wait a minute and try again."
        )


API_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "unprocessable",
    429: "rate_limited",
    500: "server_error",
}


def api_error(status: int, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one JSON body every /api/ error answers with."""
    code = API_ERROR_CODES.get(status, "error")
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def register_template_helpers(app: Flask) -> None:
    """Values and filters every template can use."""
    from .models import Importance, Role, WishStatus

    @app.context_processor
    def inject_enums() -> dict[str, Any]:
        return {"Importance": Importance, "WishStatus": WishStatus, "Role": Role}

    @app.template_filter("when")
    def when(value: Any) -> str:
        """Show a timestamp as a short UTC date and time."""
        return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""

    @app.after_request
    def security_headers(response: Any) -> Any:
        """Defence in depth against clickjacking, sniffing and injected scripts."""
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response


def register_commands(app: Flask) -> None:
    """Add the `flask` sub-commands."""
    from .cli import register

    register(app)
