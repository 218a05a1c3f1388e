"""Signing in and out, self-service sign-up and accepting invitations."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import views  # noqa: E402, F401 - routes register on bp
