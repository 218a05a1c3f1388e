"""Words and labels the synthetic benchmark data is made of (shared by the generators)."""

# The words live in the product package, which the large demo (services/demo_scale.py) uses too.
from wishlist.demo_content import WORDS

SEED = 20261126
TIERS = ["", "starter", "growth", "enterprise"]
AREAS = ["Reporting", "Integrations", "Billing", "Mobile", "Admin", "Search", "Workflow"]

__all__ = ["AREAS", "SEED", "TIERS", "WORDS"]
