"""Customer success's review queue: suggested bundles, decisions and their undo."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from . import views  # noqa: E402, F401 - routes register on bp
