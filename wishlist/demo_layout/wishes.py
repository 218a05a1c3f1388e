"""Wishes and bundles: texts, dates, authors, statuses, and what happens on each wish.

Texts come from the small demo's vocabulary (`demo_content`): each wish is a variant of one of
its intents, varied with product words, so same-intent wishes are the near-duplicates that
bundles gather. A confirmed bundle's status is its confirmed wishes' status (services/status.py).
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np

from .. import demo_content as content
from .plan import HISTORY_DAYS, ScalePlan, Step, allocate_votes, between, pick, steps_to

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
TITLE_TAILS = ["{title} for {a}", "{title} ({a} {b})", "{title}, also for {a}"]
BODY_TAILS = [
    "We need this for our {a} and {b} work.",
    "Ideally it would cover {a} {b} as well.",
    "Today we work around it with {a} and {b}, which takes hours every month.",
    "This came up again in our {a} review.",
]


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
