"""The shape of a large demo installation, decided before anything is written (pure).

No Flask and no database: the same plan, seed and day always give the same layout, and
`services/demo_scale.py` writes it. Things are named by number here, all counted from 0
(customer k, CSM c, product manager p, account a, wish w, bundle b); the writer turns numbers
into ids. Statuses and importances are the values the models store. One stage a module:

- `plan`: the size of the installation (accounts, seats, staff) and votes per wish;
- `people`: the accounts and the users, among them the demo logins;
- `wishes`: each wish's text, date, author, status and bundle, and its votes, comments and
  status steps.
"""

from .people import AccountSpec, PersonSpec, accounts, people
from .plan import (
    DEFAULT_VOTES_PER_WISH,
    HISTORY_DAYS,
    ScalePlan,
    allocate_votes,
    between,
    plan_scale,
)
from .wishes import Activity, Layout, PlannedBundle, activity, flag_choice, lay_out

__all__ = [
    "DEFAULT_VOTES_PER_WISH",
    "HISTORY_DAYS",
    "AccountSpec",
    "Activity",
    "Layout",
    "PersonSpec",
    "PlannedBundle",
    "ScalePlan",
    "accounts",
    "activity",
    "allocate_votes",
    "between",
    "flag_choice",
    "lay_out",
    "people",
    "plan_scale",
]
