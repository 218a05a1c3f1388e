"""Words and labels the synthetic benchmark data is made of (shared by the generators)."""

SEED = 20261126
WORDS = (
    "export report dashboard filter salesforce sync invoice approval workflow audit log role "
    "permission bulk edit csv excel api webhook sso saml mobile offline calendar reminder email "
    "template archive search tag comment attachment chart forecast budget currency tax region "
    "language translation dark mode keyboard shortcut undo history notification slack teams"
).split()
TIERS = ["", "starter", "growth", "enterprise"]
AREAS = ["Reporting", "Integrations", "Billing", "Mobile", "Admin", "Search", "Workflow"]
