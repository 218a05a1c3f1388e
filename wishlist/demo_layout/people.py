"""Customer accounts and the people who sign in: staff, and customers account by account."""

from __future__ import annotations

import itertools
import math
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from .. import demo_content as content
from .plan import ScalePlan, pick

ARR_RANGE = {
    "small": (5e3, 3e4),
    "mid": (3e4, 1.5e5),
    "large": (1.5e5, 6e5),
    "enterprise": (6e5, 3e6),
}
TIERS = {
    "small": ["standard"],
    "mid": ["standard", "premium"],
    "large": ["premium"],
    "enterprise": ["premium", "strategic", "strategic"],
}
NAME_PREFIXES = "North Blue Copper Iron Silver Oak Stone Bright Red Green Clear High Lake Sun"
NAME_ROOTS = "wind field bridge brook gate line ridge wood haven point crest vale ford mark"
# Kinds of company, with the industry segment each implies.
COMPANY_KINDS = [
    ("Logistics", "logistics"),
    ("Health", "healthcare"),
    ("Analytics", "software"),
    ("Manufacturing", "manufacturing"),
    ("Retail", "retail"),
    ("Media", "media"),
    ("Insurance", "insurance"),
    ("Foods", "hospitality"),
    ("Telecom", "telecommunications"),
    ("Aerospace", "aerospace"),
    ("Learning", "education"),
    ("Software", "software"),
]
PLATFORMS = ["salesforce", "netsuite", "sap", "dynamics"]
PLATFORM_SHARE = 0.8
REGIONS = {"na": 40, "emea": 30, "apac": 18, "latam": 12}
REGULATIONS = {"sox": 30, "gdpr": 25, "hipaa": 10, "none": 35}


@dataclass(frozen=True)
class AccountSpec:
    """A customer company to write."""

    name: str
    domain: str
    arr: Decimal
    tier: str
    segments: dict[str, str]
    renewal_date: date
    owner: int  # CSM number


@dataclass(frozen=True)
class PersonSpec:
    """A user to write: staff have no account."""

    email: str
    name: str
    role: str
    account: int | None


def _company_names(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(name, email domain, industry) for invented companies, none clashing with the demo's."""
    taken = {a["name"] for a in content.ACCOUNTS}
    combos = list(itertools.product(NAME_PREFIXES.split(), NAME_ROOTS.split(), COMPANY_KINDS))
    rng.shuffle(combos)
    made: list[tuple[str, str, str]] = []
    n = 0
    while len(made) < count:
        prefix, root, (noun, industry) = combos[n % len(combos)]
        # Past every combination, a number tells companies apart.
        number = f" {n // len(combos) + 1}" if n >= len(combos) else ""
        name = f"{prefix}{root} {noun}{number}"
        if name not in taken:
            taken.add(name)
            made.append((name, f"{prefix}{root}-{noun}{number.strip()}.test".lower(), industry))
        n += 1
    return made


def accounts(plan: ScalePlan, rng: random.Random, today: datetime) -> list[AccountSpec]:
    """The customer accounts: the small demo's first, then invented ones of the planned sizes."""
    known = content.ACCOUNTS[: plan.accounts]
    invented = _company_names(rng, plan.accounts - len(known))
    made = []
    for n, size in enumerate(plan.sizes):
        if n < len(known):
            spec = known[n]
            name, domain, arr = spec["name"], spec["domain"], Decimal(spec["arr"])
            tier, segments = spec["tier"], dict(spec["segments"])
        else:
            name, domain, industry = invented[n - len(known)]
            low, high = ARR_RANGE[size]
            arr = Decimal(round(math.exp(rng.uniform(math.log(low), math.log(high))), -2))
            tier = rng.choice(TIERS[size])
            segments = {
                "region": pick(rng, REGIONS),
                "regulation": pick(rng, REGULATIONS),
                "industry": industry,
            }
            if rng.random() < PLATFORM_SHARE:
                segments["platform"] = rng.choice(PLATFORMS)
        made.append(
            AccountSpec(
                name=name,
                domain=domain,
                arr=arr.quantize(Decimal("0.01")),
                tier=tier,
                # "regulation=none" is the absence of a segment, not one to share.
                segments={k: v for k, v in sorted(segments.items()) if v != "none"},
                renewal_date=(today + timedelta(days=rng.randint(20, 360))).date(),
                owner=rng.randrange(plan.csms),
            )
        )
    return made


def email_local(name: str) -> str:
    """The part of an email address before @ for a person's name (ASCII, dotted)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(ascii_name.lower().replace("'", "").split()) or "user"


def people(
    plan: ScalePlan, rng: random.Random, domains: list[str]
) -> tuple[list[PersonSpec], list[PersonSpec]]:
    """Staff (admin, then CSMs, then product managers) and customers (account by account).

    The demo logins are among them: admin@, csm@ and pm@demo.test, and customer@demo.test as
    Demo Corp's first customer.
    """
    names = [f"{first} {last}" for first in content.FIRST_NAMES for last in content.LAST_NAMES]
    staff = [PersonSpec("admin@demo.test", rng.choice(names), "admin", None)]
    for role, count in (("csm", plan.csms), ("pm", plan.pms)):
        for k in range(count):
            email = f"{role}{k + 1 if k else ''}@demo.test"
            staff.append(PersonSpec(email, rng.choice(names), role, None))
    customers = []
    for account, (domain, seats) in enumerate(zip(domains, plan.seats, strict=True)):
        used: set[str] = set()
        for seat in range(seats):
            name = rng.choice(names)
            local = "customer" if account == 0 and seat == 0 else email_local(name)
            local = next(
                f"{local}{k or ''}" for k in itertools.count() if f"{local}{k or ''}" not in used
            )
            used.add(local)
            customers.append(PersonSpec(f"{local}@{domain}", name, "customer", account))
    return staff, customers
