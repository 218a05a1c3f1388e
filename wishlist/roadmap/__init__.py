"""The public roadmap and in-app notifications."""

from flask import Blueprint

bp = Blueprint("roadmap", __name__)

from . import views  # noqa: E402, F401 - routes register on bp
