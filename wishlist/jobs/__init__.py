"""Background jobs' pages: progress and outcome of imports, duplicate finding, email sending."""

from flask import Blueprint

bp = Blueprint("jobs", __name__)

from . import views  # noqa: E402, F401 - routes register on bp
