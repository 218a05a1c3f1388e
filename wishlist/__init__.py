"""Wishlist: customer enhancement requests, bundled, quantified and ranked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request

from . import models  # noqa: F401 - registers the models with the metadata
from .config import Config, TestingConfig, load_secret_key
from .extensions import csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | str | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages, commands."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("WISHLIST_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


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
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.unauthorized_handler
    def unauthorized() -> Any:
        """API callers get 401 JSON; people get the sign-in page (coming back afterwards)."""
        from flask import flash, redirect, url_for

        if request.path.startswith("/api/"):
            return {"error": "Unauthorized", "message": "Sign in first."}, 401
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


def register_errorhandlers(app: Flask) -> None:
    """Show friendly pages (or JSON under /api) for HTTP errors."""
    from flask_wtf.csrf import CSRFError

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    def render_error(code: int, title: str, message: str) -> tuple[Any, int]:
        if wants_json():
            return {"error": title, "message": message}, code
        return render_template("error.html", code=code, title=title, message=message), code

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
