"""What bundles are worth: ranking, each bundle's score explained, flags, screening, themes."""

from flask import Blueprint

from .formatting import money

bp = Blueprint("value", __name__)
bp.add_app_template_filter(money, "money")

from . import views  # noqa: E402, F401 - routes register on bp
