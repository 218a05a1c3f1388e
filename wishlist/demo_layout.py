"""The shape of a large demo installation, decided before anything is written (pure).

No Flask and no database: the same plan, seed and day always give the same layout, and
`services/demo_scale.py` writes it. Things are named by number here, all counted from 0
(customer k, CSM c, product manager p, account a, wish w, bundle b); the writer turns numbers
into ids. Statuses and importances are the values the models store.

Texts come from the small demo's vocabulary (`demo_content`): each wish is a variant of one of
its intents, varied with product words, so same-intent wishes are the near-duplicates that
bundles gather. Popularity is skewed: most wishes get a few votes, a few get hundreds.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np

from . import demo_content as content

DEFAULT_VOTES_PER_WISH = 10
# One account per 50 wishes: 2,000 accounts at 100,000 wishes, as in bench_backlog.
WISHES_PER_ACCOUNT = 50
MIN_ACCOUNTS = 10
# Customers per account by size (inclusive range), and how common each size is.
SEATS = {"small": (1, 3), "mid": (2, 5), "large": (4, 8), "enterprise": (6, 14)}
SIZE_WEIGHTS = {"small": 45, "mid": 30, "large": 18, "enterprise": 7}
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
HISTORY_DAYS = 3 * 365
# Most wishes get a few votes, a few get hundreds: sigma 1.2 gives the top wish about 0.1% of
# all votes at 100,000 wishes.
POPULARITY_SIGMA = 1.2
IMPORTANCE_WEIGHTS = {"nice": 4, "important": 4, "critical": 2}
BUNDLED_SHARE = 0.5  # of the groups of same-intent wishes, this many become bundles
CONFIRMED_SHARE = 0.8  # of bundles; the rest wait in the review queue as suggestions
LATE_SUGGESTION_SHARE = 0.1  # confirmed bundles whose newest wish is only suggested
SCREENED_SHARE = 0.6  # of confirmed bundles, screened by a product manager
FIT_WEIGHTS = [1, 2, 3, 4, 3, 2]  # strategic fit 0-5; 0 is "off strategy"
FLAGGED_SHARE = 0.08  # of confirmed bundles, with an account flagged at risk
WITHDRAWN_SHARE = 0.01  # of new wishes in no bundle
ON_BEHALF_SHARE = 0.03  # of wishes and votes, entered by customer success for the customer
INTERNAL_NOTE_SHARE = 0.25
PUBLIC_COMMENTS = [0, 0, 1, 1, 2, 3]
BUNDLE_STATUS_WEIGHTS = {
    "new": 30,
    "under_review": 20,
    "planned": 15,
    "in_progress": 10,
    "shipped": 15,
    "declined": 10,
}
LOOSE_STATUS_WEIGHTS = {
    "new": 60,
    "under_review": 15,
    "planned": 8,
    "in_progress": 5,
    "shipped": 7,
    "declined": 5,
}
# The steps product management takes to reach each status from New.
PATHS = {
    "new": [],
    "under_review": ["under_review"],
    "planned": ["under_review", "planned"],
    "in_progress": ["under_review", "planned", "in_progress"],
    "shipped": ["under_review", "planned", "in_progress", "shipped"],
    "declined": ["under_review", "declined"],
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
TITLE_TAILS = ["{title} for {a}", "{title} ({a} {b})", "{title}, also for {a}"]
BODY_TAILS = [
    "We need this for our {a} and {b} work.",
    "Ideally it would cover {a} {b} as well.",
    "Today we work around it with {a} and {b}, which takes hours every month.",
    "This came up again in our {a} review.",
]

Step = tuple[str, str, datetime]  # from status, to status, when


@dataclass(frozen=True)
class ScalePlan:
    """How large the installation will be; everything else follows from this and the seed."""

    wishes: int
    votes: int
    seed: int
    sizes: tuple[str, ...]  # of each account, Demo Corp first
    seats: tuple[int, ...]  # customers of each account
    csms: int
    pms: int

    @property
    def accounts(self) -> int:
        """Customer accounts."""
        return len(self.sizes)

    @property
    def customers(self) -> int:
        """Customer users, who cast the votes."""
        return sum(self.seats)

    def account_of_customers(self) -> list[int]:
        """Each customer's account number, customers numbered account by account."""
        return [a for a, seats in enumerate(self.seats) for _ in range(seats)]


def plan_scale(wishes: int, votes: int | None, seed: int) -> ScalePlan:
    """Size an installation of this many wishes and votes; ValueError says why it cannot be."""
    if wishes < 1:
        raise ValueError("A large demo needs at least 1 wish.")
    if votes is None:
        votes = DEFAULT_VOTES_PER_WISH * wishes
    if votes < 0:
        raise ValueError("The number of votes cannot be negative.")
    rng = random.Random(seed)
    count = max(MIN_ACCOUNTS, math.ceil(wishes / WISHES_PER_ACCOUNT))
    # The small demo's accounts come first, so Demo Corp and its neighbours look familiar.
    known = [a["size"] for a in content.ACCOUNTS[:count]]
    sizes = known + rng.choices(
        list(SIZE_WEIGHTS), list(SIZE_WEIGHTS.values()), k=count - len(known)
    )
    plan = ScalePlan(
        wishes=wishes,
        votes=votes,
        seed=seed,
        sizes=tuple(sizes),
        seats=tuple(rng.randint(*SEATS[size]) for size in sizes),
        csms=max(2, count // 100),
        pms=max(2, count // 400),
    )
    most = plan.customers * wishes
    if votes > most:
        raise ValueError(
            f"{votes:,} votes do not fit: {plan.customers:,} customers can vote once on each of "
            f"{wishes:,} wishes, {most:,} votes at most."
        )
    return plan


def allocate_votes(wishes: int, votes: int, cap: int, seed: int) -> np.ndarray:
    """How many votes each wish gets: `votes` in all, at most `cap` each, popularity skewed.

    With at least as many votes as wishes every wish gets one (its author's).
    """
    if votes > wishes * cap:
        raise ValueError(f"{votes:,} votes do not fit on {wishes:,} wishes of {cap:,} voters.")
    weights = np.random.default_rng(seed).lognormal(0.0, POPULARITY_SIGMA, wishes)
    counts = np.full(wishes, 1 if votes >= wishes else 0, dtype=np.int64)
    left = votes - int(counts.sum())
    # Hand out the rest by popularity; a wish every customer voted on is full, and its share
    # goes round again to the others.
    while left > 0:
        room = cap - counts
        open_weights = np.where(room > 0, weights, 0.0)
        share = np.floor(left * open_weights / open_weights.sum())
        share = np.minimum(share, room).astype(np.int64)
        if share.sum() == 0:
            # Fewer votes left than shares: one more each for the most popular open wishes.
            order = np.argsort(-open_weights, kind="stable")[: min(left, int((room > 0).sum()))]
            share[order] = 1
        counts += share
        left -= int(share.sum())
    return counts


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    """One key of a weights table, drawn by its weight."""
    return rng.choices(list(weights), list(weights.values()))[0]


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment between two others, to the second (the start when they are the wrong way)."""
    seconds = max(0.0, (end - start).total_seconds())
    return start + timedelta(seconds=int(rng.random() * seconds))


def steps_to(rng: random.Random, status: str, start: datetime, end: datetime) -> list[Step]:
    """The changes that bring a wish or bundle from New to a status, between two moments."""
    path = PATHS[status]
    times = sorted(between(rng, start, end) for _ in path)
    return list(zip(["new", *path][: len(path)], path, times, strict=True))


# ---- accounts and people -------------------------------------------------------------------


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


# ---- wishes and bundles --------------------------------------------------------------------


@dataclass
class PlannedBundle:
    """A bundle: its wishes, whether a person confirmed it, its status, history and screening."""

    members: list[int]  # wish numbers, oldest first
    confirmed: bool
    suggested: set[int] = field(default_factory=set)  # members only suggested, not confirmed
    status: str = "new"
    reason: str = ""
    steps: list[Step] = field(default_factory=list)
    changed_by: int = 0  # product manager number
    fit: int | None = None
    theme: int | None = None  # theme number
    screened_by: int | None = None  # product manager number
    screened_at: datetime | None = None
    flagged: bool = False

    def governs(self, wish: int) -> bool:
        """Whether this bundle's status is the wish's (a confirmed member of a confirmed one)."""
        return self.confirmed and wish not in self.suggested


@dataclass
class Layout:
    """Everything about the wishes decided before writing, by wish number."""

    titles: list[str]
    bodies: list[str]
    areas: list[int]  # product area number (content.PRODUCT_AREAS)
    created: list[datetime]
    authors: list[int]  # customer number
    votes: np.ndarray  # how many votes each wish gets
    bundle_of: list[int]  # bundle number, or -1
    scores: list[float | None]  # the engine's similarity when it put the wish in its bundle
    status: list[str]
    reason: list[str]
    withdrawn: dict[int, datetime]
    bundles: list[PlannedBundle]


def _vary(rng: random.Random, title: str, body: str) -> tuple[str, str]:
    """A demo wish's words, varied with product words so titles rarely repeat verbatim."""
    if rng.random() < 0.6:
        a, b = rng.sample(content.WORDS, 2)
        title = rng.choice(TITLE_TAILS).format(title=title, a=a, b=b)
    if rng.random() < 0.5:
        a, b = rng.sample(content.WORDS, 2)
        body = f"{body} {rng.choice(BODY_TAILS).format(a=a, b=b)}".strip()
    return title, body


def _texts(rng: random.Random, count: int) -> tuple[list[int], list[str], list[str], list[int]]:
    """Each wish's intent, title, body and product area."""
    intents = content.WISH_INTENTS
    area_number = {name: i for i, (name, _) in enumerate(content.PRODUCT_AREAS)}
    # Some needs are far more common than others: a Zipf-like spread over a shuffled order.
    order = list(range(len(intents)))
    rng.shuffle(order)
    weights = [0.0] * len(intents)
    for rank, intent in enumerate(order):
        weights[intent] = 1 / (rank + 1) ** 0.8
    intent_of = rng.choices(range(len(intents)), weights, k=count)
    titles, bodies, areas = [], [], []
    for intent in intent_of:
        title, body = _vary(rng, *rng.choice(intents[intent]["variants"]))
        titles.append(title)
        bodies.append(body)
        areas.append(area_number[intents[intent]["area"]])
    return intent_of, titles, bodies, areas


def _groups(rng: random.Random, intent_of: list[int]) -> list[list[int]]:
    """Same-intent wishes cut into groups of near-duplicates; half the groups become bundles."""
    by_intent: dict[int, list[int]] = {}
    for wish, intent in enumerate(intent_of):
        by_intent.setdefault(intent, []).append(wish)
    groups = []
    for intent in sorted(by_intent):
        members = by_intent[intent]
        rng.shuffle(members)
        pos = 0
        while pos < len(members):
            size = 2 + int(rng.expovariate(1 / 3))
            group = sorted(members[pos : pos + size])
            pos += size
            if len(group) >= 2 and rng.random() < BUNDLED_SHARE:
                groups.append(group)
    # Bundle numbers follow the arrival of their first wish.
    return sorted(groups, key=lambda g: g[0])


def _bundle(
    rng: random.Random, plan: ScalePlan, members: list[int], created: list[datetime], now: datetime
) -> PlannedBundle:
    """A bundle of these wishes: suggested, or confirmed with a status, history and screening."""
    if rng.random() >= CONFIRMED_SHARE:
        return PlannedBundle(members, confirmed=False, suggested=set(members))
    bundle = PlannedBundle(members, confirmed=True)
    if len(members) >= 3 and rng.random() < LATE_SUGGESTION_SHARE:
        bundle.suggested.add(members[-1])  # a new wish the engine put beside it
    bundle.status = pick(rng, BUNDLE_STATUS_WEIGHTS)
    if bundle.status == "declined":
        bundle.reason = rng.choice(content.DECLINE_REASONS)
    # Decisions come after the last of its confirmed wishes joined it.
    since = max(created[w] for w in members if bundle.governs(w))
    bundle.steps = steps_to(rng, bundle.status, since, now)
    bundle.changed_by = rng.randrange(plan.pms)
    if rng.random() < SCREENED_SHARE:
        bundle.fit = rng.choices(range(len(FIT_WEIGHTS)), FIT_WEIGHTS)[0]
        # Fit 0 is "off strategy": no theme to serve.
        bundle.theme = rng.randrange(len(content.THEMES)) if bundle.fit else None
        bundle.screened_by = rng.randrange(plan.pms)
        bundle.screened_at = between(rng, created[members[1]], now)
    bundle.flagged = rng.random() < FLAGGED_SHARE
    return bundle


def lay_out(plan: ScalePlan, now: datetime) -> Layout:
    """Decide every wish and bundle: texts, authors, dates, statuses, votes per wish."""
    rng = random.Random(plan.seed + 1)
    n = plan.wishes
    intent_of, titles, bodies, areas = _texts(rng, n)
    # Wishes arrive over three years; numbers (and ids) follow arrival.
    start = now - timedelta(days=HISTORY_DAYS)
    seconds = sorted(rng.randrange(HISTORY_DAYS * 86_400) for _ in range(n))
    created = [start + timedelta(seconds=s) for s in seconds]
    authors = [rng.randrange(plan.customers) for _ in range(n)]
    votes = allocate_votes(n, plan.votes, plan.customers, plan.seed + 2)
    bundle_of = [-1] * n
    scores: list[float | None] = [None] * n
    status, reason = ["new"] * n, [""] * n
    bundles = []
    for number, members in enumerate(_groups(rng, intent_of)):
        bundle = _bundle(rng, plan, members, created, now)
        bundles.append(bundle)
        for wish in members:
            bundle_of[wish] = number
            scores[wish] = round(rng.uniform(0.45, 0.95), 3)
            # A confirmed bundle's status governs its confirmed wishes (services/status.py).
            if bundle.governs(wish):
                status[wish], reason[wish] = bundle.status, bundle.reason
    withdrawn: dict[int, datetime] = {}
    for wish in range(n):
        if bundle_of[wish] >= 0 and bundles[bundle_of[wish]].governs(wish):
            continue
        status[wish] = pick(rng, LOOSE_STATUS_WEIGHTS)
        if status[wish] == "declined":
            reason[wish] = rng.choice(content.DECLINE_REASONS)
        elif status[wish] == "new" and bundle_of[wish] < 0 and rng.random() < WITHDRAWN_SHARE:
            withdrawn[wish] = between(rng, created[wish], now)
    return Layout(
        titles=titles,
        bodies=bodies,
        areas=areas,
        created=created,
        authors=authors,
        votes=votes,
        bundle_of=bundle_of,
        scores=scores,
        status=status,
        reason=reason,
        withdrawn=withdrawn,
        bundles=bundles,
    )


# ---- what happens on each wish -------------------------------------------------------------


@dataclass
class PlannedVote:
    """A customer's vote; `entered_by` is the CSM who recorded it for them, if one did."""

    customer: int
    importance: str
    when: datetime
    entered_by: int | None


@dataclass
class PlannedComment:
    """A public comment by a customer, or an internal note by a member of staff."""

    author: int  # customer number, or staff number (CSMs then PMs) when internal
    internal: bool
    body: str
    when: datetime


@dataclass
class Activity:
    """What happened on one wish: who entered it, votes, comments and status steps."""

    entered_by: int | None  # CSM number when customer success typed it in for the customer
    votes: list[PlannedVote]
    comments: list[PlannedComment]
    steps: list[Step]
    movers: list[int]  # who took each step: staff number (CSMs then PMs)

    def counters(self) -> dict[str, int]:
        """The wish's vote and comment counts, as listings read them."""
        importances = [v.importance for v in self.votes]
        internal = sum(c.internal for c in self.comments)
        return {
            "vote_count": len(self.votes),
            "critical_votes": importances.count("critical"),
            "important_votes": importances.count("important"),
            "public_comments": len(self.comments) - internal,
            "internal_comments": internal,
        }


_IMPORTANCES = list(IMPORTANCE_WEIGHTS)
_IMPORTANCE_BOUNDS = list(itertools.accumulate(IMPORTANCE_WEIGHTS.values()))


def _votes(
    rng: random.Random,
    plan: ScalePlan,
    layout: Layout,
    wish: int,
    entered_by: int | None,
    now: datetime,
) -> list[PlannedVote]:
    """The wish's votes, its author's first (filing a wish votes for it), one per customer."""
    created, author = layout.created[wish], layout.authors[wish]
    voters = rng.sample(range(plan.customers), int(layout.votes[wish]))
    if author in voters:
        voters.remove(author)
        voters.insert(0, author)
    elif voters:
        voters[0] = author
    votes = []
    for k, voter in enumerate(voters):
        draw = rng.random() * _IMPORTANCE_BOUNDS[-1]
        importance = _IMPORTANCES[bisect.bisect(_IMPORTANCE_BOUNDS, draw)]
        if k == 0:
            votes.append(PlannedVote(voter, importance, created, entered_by))
            continue
        on_behalf = rng.random() < ON_BEHALF_SHARE
        votes.append(
            PlannedVote(
                voter,
                importance,
                between(rng, created, now),
                rng.randrange(plan.csms) if on_behalf else None,
            )
        )
    return votes


def _comments(
    rng: random.Random, plan: ScalePlan, created: datetime, now: datetime
) -> list[PlannedComment]:
    """Customers' comments and sometimes a staff note, in the wish's first month."""
    month = min(now, created + timedelta(days=30))
    comments = [
        PlannedComment(
            rng.randrange(plan.customers),
            False,
            rng.choice(content.COMMENTS),
            between(rng, created, month),
        )
        for _ in range(rng.choice(PUBLIC_COMMENTS))
    ]
    if rng.random() < INTERNAL_NOTE_SHARE:
        comments.append(
            PlannedComment(
                rng.randrange(plan.csms + plan.pms),
                True,
                rng.choice(content.INTERNAL_COMMENTS),
                between(rng, created, month),
            )
        )
    return comments


def activity(
    rng: random.Random, plan: ScalePlan, layout: Layout, wish: int, now: datetime
) -> Activity:
    """Decide one wish's votes, comments and status steps (call in wish order, one rng)."""
    created = layout.created[wish]
    entered_by = rng.randrange(plan.csms) if rng.random() < ON_BEHALF_SHARE else None
    votes = _votes(rng, plan, layout, wish, entered_by, now)
    comments = _comments(rng, plan, created, now)
    number = layout.bundle_of[wish]
    bundle = layout.bundles[number] if number >= 0 else None
    if bundle is not None and bundle.governs(wish):
        # It took each of its bundle's steps with it, by the same hand.
        steps = bundle.steps
        movers = [plan.csms + bundle.changed_by] * len(steps)
    else:
        steps = steps_to(rng, layout.status[wish], created, now)
        movers = [rng.randrange(plan.csms + plan.pms) for _ in steps]
    return Activity(entered_by, votes, comments, steps, movers)


def flag_choice(
    rng: random.Random, asking: set[int], arr: list[Decimal]
) -> tuple[int, str, Decimal | None]:
    """Customer success flags the biggest asking account: (account, kind, amount at risk)."""
    account = max(asking, key=lambda a: (arr[a], -a))
    kind = rng.choice(["churn_risk", "deal_blocker"])
    # A churn risk puts the whole ARR at risk (no amount); a deal blocker names the deal.
    amount = None if kind == "churn_risk" else (arr[account] / 2).quantize(Decimal(1))
    return account, kind, amount
