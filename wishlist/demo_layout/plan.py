"""How large the installation is, and the small tools every stage of the layout uses.

The plan is everything the request decides (wishes, votes, seed) plus what follows from it
before anything else: the accounts' sizes and seats and the staff. It fails with ValueError
when the votes cannot fit, so nothing is written for a request that cannot be met.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from .. import demo_content as content

DEFAULT_VOTES_PER_WISH = 10
# One account per 50 wishes: 2,000 accounts at 100,000 wishes, as in bench_backlog.
WISHES_PER_ACCOUNT = 50
MIN_ACCOUNTS = 10
# Customers per account by size (inclusive range), and how common each size is.
SEATS = {"small": (1, 3), "mid": (2, 5), "large": (4, 8), "enterprise": (6, 14)}
SIZE_WEIGHTS = {"small": 45, "mid": 30, "large": 18, "enterprise": 7}
HISTORY_DAYS = 3 * 365
# Most wishes get a few votes, a few get hundreds: sigma 1.2 gives the top wish about 0.1% of
# all votes at 100,000 wishes.
POPULARITY_SIGMA = 1.2
# The steps product management takes to reach each status from New.
PATHS = {
    "new": [],
    "under_review": ["under_review"],
    "planned": ["under_review", "planned"],
    "in_progress": ["under_review", "planned", "in_progress"],
    "shipped": ["under_review", "planned", "in_progress", "shipped"],
    "declined": ["under_review", "declined"],
}

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
