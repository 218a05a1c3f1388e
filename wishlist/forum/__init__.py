"""The customer forum: browse, submit, vote on, follow and discuss wishes."""

from flask import Blueprint

bp = Blueprint("forum", __name__)

from . import views  # noqa: E402, F401 - routes register on bp
