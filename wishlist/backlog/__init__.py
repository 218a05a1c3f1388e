"""The product manager's backlog: bundles ranked by value, filtered, charted, exported, printed."""

from flask import Blueprint

bp = Blueprint("backlog", __name__)

from . import views  # noqa: E402, F401 - routes register on bp
