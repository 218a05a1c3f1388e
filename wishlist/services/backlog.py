"""The ranked backlog: every bundle with a live wish, scored, filtered and sorted for the page
and for every export, so a bundle has the same rank and score wherever a PM looks at it.

What enters the backlog: every open wish. Bundles (confirmed or suggested by the engine) with
at least one wish that is not withdrawn, and every wish that is not withdrawn and in no bundle,
ranked as a bundle of one with its own score (``bundle_id`` None, ``wish_id`` set; inside the
ranking its key is the wish's id negated, see `value.lone_key`). No bundle row is created for
it until staff act on it as a bundle ("Make it a bundle" on its value page), so the duplicate
finder stays free to suggest it into a bundle. Declined and shipped ones follow the status
filter like bundles; withdrawn wishes never enter.

Ranking: every such bundle is scored by `wishlist.scoring` under the weights in force and
ordered by score descending, ties by lower bundle id. Filters then pick rows out of that order
and ``rank`` is the position among the rows left (1..n), so the page and each export of the
same filter show the same rank. Finally the rows are sorted by the chosen column; ties keep
rank order. Off-strategy bundles (fit 0) are left out unless asked for.

Filters: values of one kind are alternatives (status new OR planned), different kinds must all
hold (status AND theme). Themes, tiers and segments compare case-insensitively; ``tier`` and
``segment`` match when any asking account has that tier or segment value; ``area`` when any
live wish is filed under the area; ``q`` looks in the bundle's title and description and its
live wishes' titles. ``min_score`` compares with the score as shown, rounded to one decimal.

Scores are rounded to one decimal in ``BacklogRow.score`` (the page and every export show one
decimal); ``score_result`` keeps the unrounded score and its breakdown.

Sorting: numbers run high to low by default, text (title, theme) A to Z, status in workflow
order (new first); ``descending`` reverses that. Missing values (no theme, unscreened fit)
always come last.

Speed: scoring every bundle and lone wish takes seconds at 100,000 wishes, so the scored
backlog is kept per app and process, one per scoring config, in rank order. Writes journal
which wishes and bundles they changed (services/ranking_changes.py); on the next call the
cache rescores only those and moves them to their new places (`_update`), so the first page
after a vote costs milliseconds. Account, theme, product area and settings changes (the
scales, names and weights everything depends on) and bulk writes (imports, demo loads, which
bump the ``ranking_generation`` setting) rebuild everything (`_build`). The check for changes
is re-run at once after this process writes, else at most every BACKLOG_FINGERPRINT_MAX_AGE
seconds (see `_current_state`). Facts are gathered with a handful of set-based queries, never
one per bundle.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import math
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, overload

from flask import Flask, current_app, has_app_context, has_request_context, url_for
from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from ..extensions import db
from ..models import (
    Account,
    Bundle,
    ProductArea,
    RankingChange,
    Setting,
    Theme,
    Wish,
    WishStatus,
)
from ..scoring import (
    BundleScore,
    ReachIndex,
    ScoringConfig,
    rank_bundles,
    rank_order,
    score_bundle,
)
from . import ranking_changes, value
from .errors import ServiceError

EXPORT_COLUMNS: tuple[str, ...] = (
    "rank",
    "bundle_id",
    "wish_id",
    "title",
    "score",
    "customer_count",
    "user_count",
    "revenue_at_risk",
    "strategic_fit",
    "theme",
    "status",
    "wish_count",
    "vote_count",
    "reach_accounts",
    "reach_arr",
    "top_accounts",
    "url",
)
# Every exported column sorts except the id, the account list and the link.
SORT_COLUMNS: tuple[str, ...] = tuple(
    c for c in EXPORT_COLUMNS if c not in ("bundle_id", "wish_id", "top_accounts", "url")
)
# Columns whose natural order is ascending; every other (numeric) column runs high to low.
ASCENDING_COLUMNS = frozenset({"rank", "title", "theme", "status"})
TOP_ACCOUNTS = 5
Q_MAX = 200
FALLBACK_BASE_URL = "http://localhost"
BUNDLE_PATH = "/value/bundles/"
WISH_PATH = "/value/wishes/"
_STATUS_ORDER = {status: n for n, status in enumerate(WishStatus)}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
# Scored backlogs kept per app: one per scoring config (a weights preview is a second config).
_CACHED_CONFIGS = 4
_CACHE_KEY = "wishlist.backlog"
# Seconds a change check stays good while this process writes nothing (see _current_state).
FINGERPRINT_MAX_AGE = 2.0
# Journal ids looked back over for transactions that committed late (see _Cached).
JOURNAL_OVERLAP = 10_000
# More changed rows than this at once (an import, a re-bundling) rebuild the whole ranking.
INCREMENTAL_LIMIT = 2_000
# Bumped whenever this process writes; a change means "check the fingerprint now".
_writes = [0]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _note_write(session: Session, *args: Any) -> None:
    """Remember that this process changed (or undid changes to) the database."""
    _writes[0] += 1


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    """Bulk inserts, updates and deletes bypass the flush; note them too."""
    if state.is_insert or state.is_update or state.is_delete:
        _writes[0] += 1


@dataclass
class BacklogFilter:
    """Which bundles the backlog shows and in what order (see the module docstring)."""

    statuses: list[WishStatus] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    area_ids: list[int] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    q: str = ""
    min_score: float | None = None
    include_off_strategy: bool = False
    sort: str = "rank"
    descending: bool | None = None

    @property
    def is_descending(self) -> bool:
        """The direction in force: the one asked for, else the column's natural order."""
        if self.descending is not None:
            return self.descending
        return self.sort not in ASCENDING_COLUMNS


@dataclass(slots=True)
class BacklogRow:
    """One bundle (or lone wish) in the backlog: the export columns in order, then extras."""

    rank: int
    bundle_id: int | None
    wish_id: int | None
    title: str
    score: float
    customer_count: int
    user_count: int
    revenue_at_risk: Decimal
    strategic_fit: int | None
    theme: str
    status: WishStatus
    wish_count: int
    vote_count: int
    reach_accounts: int
    reach_arr: Decimal
    top_accounts: list[str]
    url: str
    score_result: BundleScore
    unscreened: bool
    off_strategy: bool
    product_areas: list[str]
    confirmed: bool
    description: str

    @property
    def key(self) -> int:
        """The row's ranking key: the bundle's id, or a lone wish's id negated."""
        return self.bundle_id if self.bundle_id is not None else -(self.wish_id or 0)

    @property
    def label(self) -> str:
        """How the row names itself: "#12" for a bundle, "Wish #34" for a lone wish."""
        return f"#{self.bundle_id}" if self.bundle_id is not None else f"Wish #{self.wish_id}"


# --- the filter in addresses --------------------------------------------------------------------


def _values(args: Any, name: str) -> list[str]:
    """Every value of one query parameter, from a MultiDict, a dict of lists or of strings."""
    if hasattr(args, "getlist"):
        raw = args.getlist(name)
    else:
        found = args.get(name)
        if found is None:
            raw = []
        elif isinstance(found, str | int | float):
            raw = [found]
        else:
            raw = list(found)
    # Empty values are what an untouched form field sends: they mean "no filter".
    return [str(v).strip() for v in raw if v is not None and str(v).strip()]


def _last(args: Any, name: str) -> str:
    """A single-valued parameter (the last one given wins), or ''."""
    found = _values(args, name)
    return found[-1] if found else ""


def _unique(items: Iterable[Any]) -> list[Any]:
    """Items without repeats, in first-seen order."""
    return list(dict.fromkeys(items))


def parse_backlog_filter(args: Any) -> BacklogFilter:
    """Read a backlog filter from query parameters; raise ServiceError naming any bad value."""
    if not hasattr(args, "getlist") and not isinstance(args, Mapping):
        grouped: dict[str, list[str]] = defaultdict(list)
        for key, item in args:
            grouped[key].append(item)
        args = grouped
    statuses = []
    for raw in _values(args, "status"):
        try:
            statuses.append(WishStatus(raw.lower().replace(" ", "_")))
        except ValueError:
            choices = ", ".join(s.value for s in WishStatus)
            raise ServiceError(f"Unknown status “{raw}”: choose from {choices}.") from None
    area_ids = []
    for raw in _values(args, "area"):
        if not raw.isdigit() or int(raw) < 1:
            raise ServiceError(f"Product area must be an area's number, not “{raw}”.")
        area_ids.append(int(raw))
    segments = []
    for raw in _values(args, "segment"):
        key, sep, val = raw.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise ServiceError(f"Segment must look like key=value (platform=salesforce): “{raw}”.")
        segments.append(f"{key.strip()}={val.strip()}")
    q = " ".join(_last(args, "q").split())
    if len(q) > Q_MAX:
        raise ServiceError(f"Search text must be at most {Q_MAX} characters.")
    min_score = None
    raw_score = _last(args, "min_score")
    if raw_score:
        try:
            min_score = float(raw_score)
        except ValueError:
            raise ServiceError(f"Minimum score must be a number, not “{raw_score}”.") from None
        if not math.isfinite(min_score) or not 0 <= min_score <= 100:
            raise ServiceError("Minimum score must be between 0 and 100.")
    off = _last(args, "off_strategy").lower()
    if off not in _TRUE | _FALSE:
        raise ServiceError("off_strategy must be 1 (include off-strategy bundles) or 0.")
    sort = _last(args, "sort").lower() or "rank"
    if sort not in SORT_COLUMNS:
        raise ServiceError(f"Cannot sort by “{sort}”: choose from {', '.join(SORT_COLUMNS)}.")
    direction = _last(args, "dir").lower()
    if direction not in ("", "asc", "desc"):
        raise ServiceError("Direction must be asc or desc.")
    return BacklogFilter(
        statuses=_unique(statuses),
        themes=_unique(_values(args, "theme")),
        area_ids=_unique(area_ids),
        tiers=_unique(_values(args, "tier")),
        segments=_unique(segments),
        q=q,
        min_score=min_score,
        include_off_strategy=off in _TRUE,
        sort=sort,
        descending=None if not direction else direction == "desc",
    )


def _number_text(number: float) -> str:
    """A float as short text that reads back as the same float (50 rather than 50.0)."""
    short = f"{number:g}"
    return short if float(short) == number else repr(number)


def filter_to_args(f: BacklogFilter) -> list[tuple[str, str]]:
    """The query parameters of a filter (defaults left out), for links and export addresses."""
    args: list[tuple[str, str]] = [("status", s.value) for s in f.statuses]
    args += [("theme", t) for t in f.themes]
    args += [("area", str(a)) for a in f.area_ids]
    args += [("tier", t) for t in f.tiers]
    args += [("segment", s) for s in f.segments]
    if f.q:
        args.append(("q", f.q))
    if f.min_score is not None:
        args.append(("min_score", _number_text(f.min_score)))
    if f.include_off_strategy:
        args.append(("off_strategy", "1"))
    if f.sort != "rank":
        args.append(("sort", f.sort))
    if f.descending is not None:
        args.append(("dir", "desc" if f.descending else "asc"))
    return args


def filter_summary(f: BacklogFilter) -> dict[str, Any]:
    """The filter as plain JSON-ready values, for export headers."""
    return {
        "statuses": [s.value for s in f.statuses],
        "themes": list(f.themes),
        "area_ids": list(f.area_ids),
        "tiers": list(f.tiers),
        "segments": list(f.segments),
        "q": f.q,
        "min_score": f.min_score,
        "include_off_strategy": f.include_off_strategy,
        "sort": f.sort,
        "descending": f.is_descending,
    }


# --- the cached, scored backlog -----------------------------------------------------------------


class _Entry:
    """One scored bundle with what filters and rows need, kept between requests (read-only)."""

    __slots__ = (
        "key",
        "result",
        "score",
        "bundle_id",
        "wish_id",
        "title",
        "description",
        "confirmed",
        "status",
        "theme",
        "theme_key",
        "area_ids",
        "product_areas",
        "wish_count",
        "vote_count",
        "top_accounts",
        "tiers",
        "segments",
        "haystack",
    )

    def __init__(self, **values: Any) -> None:
        for name, item in values.items():
            setattr(self, name, item)


@dataclass
class _LoneRow:
    """A lone wish's columns in the shape of a bundle row (id is its ranking key)."""

    id: int
    title: str
    description: str
    confirmed: bool
    status: WishStatus
    theme_id: int | None


@dataclass
class _Cached:
    """A scored backlog for one config, and what it was built from.

    ``entries`` are in rank order (`scoring.rank_order`) with their sort keys in ``order``;
    ``wishes_of`` maps each ranking key to its live wishes, so a changed wish finds the
    bundle it was counted in. ``seen`` holds every journal id above ``journal_id -
    JOURNAL_OVERLAP`` already applied: on PostgreSQL a transaction can commit after a later
    one, so its row appears below the newest id seen, and is applied when it does.
    """

    base: tuple[Any, ...]
    entries: list[_Entry]
    order: list[tuple[float, bool, int]]
    wishes_of: dict[int, tuple[int, ...]]
    journal_id: int
    seen: frozenset[int]
    # Each ranking key's sort key (its place in ``order``), and each live wish's key.
    place: dict[int, tuple[float, bool, int]]
    key_of: dict[int, int]
    # Unchanged until the base changes, so updates reuse them instead of reading them again.
    accounts: dict[int, Any]
    lookups: _Lookups
    # The default backlog's entries, worked out on first use (see `_on_strategy`).
    on_strategy: list[_Entry] | None = None


def _digest(rows: Iterable[Any]) -> str:
    """A short hash of rows of plain values."""
    return hashlib.blake2b(repr(list(rows)).encode(), digest_size=16).hexdigest()


def _base_fingerprint() -> tuple[Any, ...]:
    """What moves every score at once: the settings (weights, and ``ranking_generation``).

    Wishes, votes, bundles and flags are followed through the journal; accounts, themes and
    product areas (the scales and the names on every row) bump ``ranking_generation`` when
    they change, as bulk writes do (services/ranking_changes.py), so one small query tells.
    """
    return tuple(
        db.session.execute(
            select(
                select(func.count()).select_from(Setting).scalar_subquery(),
                select(func.max(Setting.updated_at)).scalar_subquery(),
            )
        ).one()
    )


def _journal_state(after: int) -> tuple[int, int]:
    """The journal's newest id and how many rows lie above ``after`` (late commits show here)."""
    table = RankingChange.__table__.c
    newest, above = db.session.execute(
        select(
            select(func.coalesce(func.max(table.id), 0)).scalar_subquery(),
            select(func.count()).where(table.id > after).scalar_subquery(),
        )
    ).one()
    return int(newest), int(above)


def _config_key(config: ScoringConfig) -> str:
    """A hashable description of a scoring config."""
    return repr(
        (
            sorted((k, str(v)) for k, v in config.weights.items()),
            sorted((k, str(v)) for k, v in config.importance_weights.items()),
            str(config.customer_scale),
            str(config.revenue_scale),
            str(config.reach_scale),
        )
    )


@dataclass
class _Lookups:
    """Names and account attributes entries are made with, read once per build or update."""

    area_names: dict[int, str]
    theme_names: dict[int, str]
    tier_of: dict[int, str]
    segments_of: dict[int, frozenset[str]]
    # Set after the first build: updates score against it instead of building it again.
    reach: ReachIndex | None = None

    @classmethod
    def load(cls, accounts: Mapping[int, Any]) -> _Lookups:
        """Read the lookups from the database and the accounts' segments."""
        return cls(
            dict(db.session.execute(select(ProductArea.id, ProductArea.name)).all()),
            dict(db.session.execute(select(Theme.id, Theme.name)).all()),
            {
                aid: (tier or "").casefold()
                for aid, tier in db.session.execute(select(Account.id, Account.tier))
            },
            {
                aid: frozenset(f"{k}={v}".casefold() for k, v in a.segments.items())
                for aid, a in accounts.items()
            },
        )


def _make_entries(facts: value.Facts, lookups: _Lookups) -> list[_Entry]:
    """Score the facts' bundles and lone wishes into entries."""
    wanted = facts.scoring
    bundle_ids = [k for k in wanted if k > 0]
    bundles: dict[int, Any] = {}
    for start in range(0, len(bundle_ids), 10_000):
        for row in db.session.execute(
            select(
                Bundle.id,
                Bundle.title,
                Bundle.description,
                Bundle.confirmed,
                Bundle.status,
                Bundle.theme_id,
            ).where(Bundle.id.in_(bundle_ids[start : start + 10_000]))
        ):
            bundles[row.id] = row
    lone = [-key for key in wanted if key < 0]
    for start in range(0, len(lone), 10_000):
        # A lone wish is shown as a bundle of one: its own title, body and status, no theme.
        for row in db.session.execute(
            select(Wish.id, Wish.title, Wish.body, Wish.status).where(
                Wish.id.in_(lone[start : start + 10_000])
            )
        ):
            bundles[value.lone_key(row.id)] = _LoneRow(
                value.lone_key(row.id), row.title, row.body, True, row.status, None
            )
    accounts = facts.accounts
    present = [f for k, f in wanted.items() if k in bundles]
    if lookups.reach is None:
        results = [r.result for r in rank_bundles(present, accounts, facts.config, True)]
    else:
        # A few changed rows: the reach index built with the ranking serves again.
        results = [score_bundle(f, accounts, facts.config, lookups.reach) for f in present]
    entries = []
    for result in results:
        row = bundles[result.bundle_id]
        asking = [accounts[e.account_id] for e in result.exposures]
        top = sorted(asking, key=lambda a: (-a.arr, a.name, a.id))[:TOP_ACCOUNTS]
        theme = lookups.theme_names.get(row.theme_id, "") if row.theme_id else ""
        area_ids = facts.area_ids.get(row.id, set())
        entries.append(
            _Entry(
                key=row.id,
                result=result,
                score=round(result.score, 1),
                bundle_id=row.id if row.id > 0 else None,
                wish_id=value.wish_of_key(row.id),
                title=row.title,
                description=row.description or "",
                confirmed=bool(row.confirmed),
                status=WishStatus(row.status),
                theme=theme,
                theme_key=theme.casefold(),
                area_ids=frozenset(area_ids),
                product_areas=sorted((lookups.area_names[a] for a in area_ids), key=str.casefold),
                wish_count=facts.wish_count.get(row.id, 0),
                vote_count=facts.vote_count.get(row.id, 0),
                top_accounts=[a.name for a in top],
                tiers=frozenset([lookups.tier_of.get(a.id, "") for a in asking]),
                segments=frozenset().union(*[lookups.segments_of[a.id] for a in asking]),
                haystack="\n".join(
                    [row.title, row.description or "", *facts.titles.get(row.id, ())]
                ).casefold(),
            )
        )
    return entries


def _order_key(entry: _Entry) -> tuple[float, bool, int]:
    """Where an entry sits in the ranking."""
    return rank_order(entry.result.score, entry.key)


def _wishes_by_key(facts: value.Facts) -> dict[int, tuple[int, ...]]:
    """Each ranking key's live wishes."""
    grouped: dict[int, list[int]] = defaultdict(list)
    for wish_id, key in facts.wish_keys.items():
        grouped[key].append(wish_id)
    return {key: tuple(ids) for key, ids in grouped.items()}


def _journal_since(low: int) -> list[Any]:
    """Journal rows above an id."""
    table = RankingChange.__table__.c
    return list(
        db.session.execute(select(table.id, table.wish_id, table.bundle_id).where(table.id > low))
    )


def _build(config: ScoringConfig, base: tuple[Any, ...]) -> _Cached:
    """Gather facts for every bundle and lone wish and score them all (the slow path)."""
    # Read before the facts: what these rows say is in the facts; later rows are applied later.
    newest, _ = _journal_state(0)
    low = max(0, newest - JOURNAL_OVERLAP)
    seen = frozenset(r.id for r in _journal_since(low) if r.id <= newest)
    facts = value.gather_facts(config=config)
    lookups = _Lookups.load(facts.accounts)
    entries = _make_entries(facts, lookups)
    entries.sort(key=_order_key)
    lookups.reach = ReachIndex(facts.accounts)
    order = [_order_key(e) for e in entries]
    return _Cached(
        base=base,
        entries=entries,
        order=order,
        place={e.key: k for e, k in zip(entries, order, strict=True)},
        key_of=dict(facts.wish_keys),
        wishes_of=_wishes_by_key(facts),
        journal_id=newest,
        seen=seen,
        accounts=facts.accounts,
        lookups=lookups,
    )


def _update(cached: _Cached, config: ScoringConfig) -> _Cached | None:
    """Rescore only what the journal names since the last update; None means rebuild instead."""
    low = max(0, cached.journal_id - JOURNAL_OVERLAP)
    fresh_rows = _journal_since(cached.journal_id)
    _, above = _journal_state(low)
    if above == len(cached.seen) + len(fresh_rows):
        # The usual case: nothing committed late below the newest id seen, so only the new
        # rows are read (the window holds up to JOURNAL_OVERLAP rows).
        rows = fresh_rows
        newest = max([cached.journal_id, *(r.id for r in rows)])
        seen = frozenset(
            i for i in (*cached.seen, *(r.id for r in rows)) if i > newest - JOURNAL_OVERLAP
        )
    else:
        window = _journal_since(low)
        rows = [r for r in window if r.id not in cached.seen]
        newest = max([cached.journal_id, *(r.id for r in rows)])
        seen = frozenset(r.id for r in window if r.id > newest - JOURNAL_OVERLAP)
    if not rows:
        # Only pruning moved the window: nothing to rescore.
        return replace(cached, seen=seen)
    if len(rows) > INCREMENTAL_LIMIT:
        return None
    wish_ids = {r.wish_id for r in rows if r.wish_id is not None}
    keys = {r.bundle_id for r in rows if r.bundle_id is not None}
    keys.update(cached.key_of[w] for w in wish_ids if w in cached.key_of)
    for wish_id, bundle_id, withdrawn in db.session.execute(
        select(Wish.id, Wish.bundle_id, Wish.withdrawn_at).where(Wish.id.in_(sorted(wish_ids)))
    ):
        if withdrawn is None:
            keys.add(bundle_id if bundle_id is not None else value.lone_key(wish_id))
    facts = value.gather_facts(sorted(keys), config, accounts=cached.accounts)
    fresh = _make_entries(facts, cached.lookups)
    # Readers hold the old lists; the new ones are copies (a memory copy, not a re-sort).
    entries, order = list(cached.entries), list(cached.order)
    place = cached.place
    for key in keys:
        # Each changed entry is found by binary search on its sort key, not by a scan.
        sort_key = place.pop(key, None)
        if sort_key is not None:
            at = bisect.bisect_left(order, sort_key)
            del entries[at], order[at]
    for entry in fresh:
        sort_key = _order_key(entry)
        at = bisect.bisect_left(order, sort_key)
        order.insert(at, sort_key)
        entries.insert(at, entry)
        place[entry.key] = sort_key
    # Only updates (one at a time, under the lock) read these two maps, so they change in
    # place instead of being copied; readers of the ranking use only ``entries``.
    wishes_of, key_of = cached.wishes_of, cached.key_of
    for key in keys:
        for wish_id in wishes_of.pop(key, ()):
            key_of.pop(wish_id, None)
    wishes_of.update(_wishes_by_key(facts))
    key_of.update(facts.wish_keys)
    return replace(
        cached,
        entries=entries,
        order=order,
        wishes_of=wishes_of,
        journal_id=newest,
        seen=seen,
        on_strategy=None,
    )


def _current_state(store: dict[str, Any], journal_id: int) -> tuple[Any, ...]:
    """The base fingerprint and journal state, queried unless checked a moment ago.

    Both are cheap (small tables, and the journal's primary key), but a page that is read
    many times a second need not ask on every request: the answer is reused for up to
    BACKLOG_FINGERPRINT_MAX_AGE seconds (default 2) while this process writes nothing, so
    changes made here show at once and changes by other workers within that time.
    """
    max_age = float(current_app.config.get("BACKLOG_FINGERPRINT_MAX_AGE", FINGERPRINT_MAX_AGE))
    now, writes = time.monotonic(), _writes[0]
    checked = store.get("checked")
    if (
        checked is not None
        and checked[1] == writes
        and checked[3] == journal_id
        and now - checked[0] < max_age
    ):
        return checked[2]
    state = (_base_fingerprint(), _journal_state(max(0, journal_id - JOURNAL_OVERLAP)))
    store["checked"] = (now, writes, state, journal_id)
    return state


def _scored(config: ScoringConfig) -> _Cached:
    """The scored backlog for a config: cached per process, rescoring only what changed."""
    store = current_app.extensions.setdefault(
        _CACHE_KEY, {"lock": threading.Lock(), "by_config": OrderedDict()}
    )
    key = _config_key(config)
    by_config: OrderedDict[str, _Cached] = store["by_config"]
    cached = by_config.get(key)
    base, (newest, above) = _current_state(store, cached.journal_id if cached else 0)
    if (
        cached is not None
        and cached.base == base
        and newest <= cached.journal_id
        and above == len(cached.seen)
    ):
        return cached
    # One builder at a time: concurrent requests after a change wait for one update.
    with store["lock"]:
        cached = by_config.get(key)
        if cached is not None and cached.base == base:
            updated = _update(cached, config)
            if updated is not None:
                by_config[key] = updated
                _remember_check(store, updated)
                return updated
        # Building allocates millions of objects that all stay; the collector would walk
        # them again and again on the way (about a tenth of the build), so it waits.
        collecting = gc.isenabled()
        gc.disable()
        try:
            cached = _build(config, base)
        finally:
            if collecting:
                gc.enable()
        by_config[key] = cached
        # The cache is millions of long-lived objects (every score's exposures); left to
        # the cyclic collector, each full collection walks them all and a page that took
        # 50 ms takes 800. Frozen objects are still freed by reference counting when a
        # newer cache replaces them: freezing only spares them the collector's walks.
        # Collecting first means only live objects are frozen, so no garbage cycle is.
        gc.collect()
        gc.freeze()
        by_config.move_to_end(key)
        while len(by_config) > _CACHED_CONFIGS:
            by_config.popitem(last=False)
        if store.get("pruned", 0) < time.monotonic() - 3600:
            store["pruned"] = time.monotonic()
            ranking_changes.prune(db.session)
            db.session.commit()
        _remember_check(store, cached)
    return cached


def _remember_check(store: dict[str, Any], cached: _Cached) -> None:
    """Count what an update or build just read as a fresh check, so the next request reuses it."""
    state = (cached.base, (cached.journal_id, len(cached.seen)))
    store["checked"] = (time.monotonic(), _writes[0], state, cached.journal_id)


def ranked_results(
    config: ScoringConfig | None = None,
) -> Iterator[tuple[int | None, BundleScore]]:
    """Every bundle and lone wish in rank order with its backlog rank (None: off strategy).

    Read from this worker's kept ranking, so a page that needs every score (an account's)
    does not score everything again.
    """
    rank = 0
    for entry in _scored(config or value.scoring_config()).entries:
        if entry.result.off_strategy:
            yield None, entry.result
        else:
            rank += 1
            yield rank, entry.result


def warm_on_first_request(app: Flask) -> None:
    """Score the ranking in the background once a worker serves its first request.

    Each worker keeps its own ranking; scoring 100,000 wishes takes 10-14 s, which would
    otherwise fall on the first person to open the backlog after every restart. The thread
    takes the same lock as a request would, so a backlog request meanwhile waits for it.
    """
    started = threading.Event()

    @app.before_request
    def _warm() -> None:
        if started.is_set() or not app.config.get("WARM_RANKING"):
            return
        started.set()
        threading.Thread(target=_warm_now, args=(app,), name="warm-ranking", daemon=True).start()


def _warm_now(app: Flask) -> None:
    """Build this worker's default ranking (a failure is logged; requests build it then)."""
    with app.app_context():
        try:
            _scored(value.scoring_config())
        except Exception:  # noqa: BLE001 - warming is an optimisation, never an outage
            app.logger.exception("warming the ranking failed; the next request builds it")
        finally:
            db.session.remove()


def clear_cache() -> None:
    """Forget this app's scored backlogs (the next call rebuilds them)."""
    current_app.extensions.pop(_CACHE_KEY, None)


# --- rows ---------------------------------------------------------------------------------------


def default_base_url() -> str:
    """The site's address for links in rows: from the request, else SERVER_NAME, else localhost."""
    if has_request_context() or (has_app_context() and current_app.config.get("SERVER_NAME")):
        sample = url_for("value.bundle", bundle_id=0, _external=True)
        return sample[: -len(BUNDLE_PATH + "0")]
    return FALLBACK_BASE_URL


def _matcher(f: BacklogFilter) -> Callable[[_Entry], bool]:
    """A test of one entry against the filter."""
    statuses = set(f.statuses)
    themes = {t.casefold() for t in f.themes}
    areas = set(f.area_ids)
    tiers = {t.casefold() for t in f.tiers}
    segments = {s.casefold() for s in f.segments}
    words = f.q.casefold().split()
    min_score = f.min_score
    include_off = f.include_off_strategy

    def matches(e: _Entry) -> bool:
        if not include_off and e.result.off_strategy:
            return False
        if statuses and e.status not in statuses:
            return False
        if themes and e.theme_key not in themes:
            return False
        if min_score is not None and e.score < min_score:
            return False
        if areas and areas.isdisjoint(e.area_ids):
            return False
        if tiers and tiers.isdisjoint(e.tiers):
            return False
        if segments and segments.isdisjoint(e.segments):
            return False
        return all(w in e.haystack for w in words)

    return matches


def _sort_key(sort: str) -> Callable[[BacklogRow], Any]:
    """How rows compare for one sort column (None means "no value": always sorted last)."""
    if sort == "title":
        return lambda r: r.title.casefold()
    if sort == "theme":
        return lambda r: r.theme.casefold() or None
    if sort == "status":
        return lambda r: _STATUS_ORDER[r.status]
    return lambda r: getattr(r, sort)


def sort_rows(rows: list[BacklogRow], sort: str, descending: bool) -> list[BacklogRow]:
    """Rows in rank order sorted by a column; ties stay in rank order, missing values last."""
    if sort == "rank":
        return sorted(rows, key=lambda r: r.rank, reverse=descending)
    key = _sort_key(sort)
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    # Python's sort is stable in both directions, so equal values keep rank order.
    present.sort(key=key, reverse=descending)
    return present + missing


def _row(e: _Entry, rank: int, base: str) -> BacklogRow:
    """One entry as a row at a rank, with links under a base address."""
    r = e.result
    return BacklogRow(
        rank,
        e.bundle_id,
        e.wish_id,
        e.title,
        e.score,
        r.customer_count,
        r.user_count,
        r.revenue_at_risk,
        r.strategic_fit,
        e.theme,
        e.status,
        e.wish_count,
        e.vote_count,
        r.reach_accounts,
        r.reach_arr,
        list(e.top_accounts),
        f"{base}{BUNDLE_PATH}{e.bundle_id}"
        if e.bundle_id is not None
        else f"{base}{WISH_PATH}{e.wish_id}",
        r,
        r.unscreened,
        r.off_strategy,
        list(e.product_areas),
        e.confirmed,
        e.description,
    )


class RankedRows(Sequence[BacklogRow]):
    """Backlog rows in rank order, each built when it is read.

    A page shows 100 rows of 100,000; building them all took most of the page's time.
    Indexing and slicing build just those rows; iterating (exports) builds each in turn.
    """

    def __init__(self, entries: Sequence[_Entry], base: str) -> None:
        self._entries = entries
        self._base = base

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> BacklogRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[BacklogRow]: ...

    def __getitem__(self, index: int | slice) -> BacklogRow | list[BacklogRow]:
        """A row (ranks count from 1), or a list of rows for a slice."""
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._entries)))]
        if index < 0:
            index += len(self._entries)
        if not 0 <= index < len(self._entries):
            raise IndexError(index)
        return _row(self._entries[index], index + 1, self._base)


def _has_criteria(f: BacklogFilter) -> bool:
    """Whether the filter picks rows by anything but strategy."""
    return bool(
        f.statuses
        or f.themes
        or f.area_ids
        or f.tiers
        or f.segments
        or f.q
        or f.min_score is not None
    )


def backlog(
    f: BacklogFilter, config: ScoringConfig | None = None, base_url: str | None = None
) -> Sequence[BacklogRow]:
    """The backlog's rows for a filter: ranked over every bundle, filtered, numbered, sorted.

    In rank order the rows come as a `RankedRows` (built when read); sorted by another
    column, as a list.
    """
    if f.sort not in SORT_COLUMNS:
        raise ServiceError(f"Cannot sort by “{f.sort}”: choose from {', '.join(SORT_COLUMNS)}.")
    cached = _scored(config or value.scoring_config())
    base = (base_url if base_url is not None else default_base_url()).rstrip("/")
    if _has_criteria(f):
        matches = _matcher(f)
        matched: Sequence[_Entry] = [e for e in cached.entries if matches(e)]
    elif f.include_off_strategy:
        matched = cached.entries
    else:
        matched = _on_strategy(cached)
    if f.sort == "rank" and not f.is_descending:
        return RankedRows(matched, base)
    rows = [_row(e, rank, base) for rank, e in enumerate(matched, start=1)]
    return sort_rows(rows, f.sort, f.is_descending)


def _on_strategy(cached: _Cached) -> list[_Entry]:
    """The entries not off strategy (the default backlog), worked out once per version."""
    if cached.on_strategy is None:
        cached.on_strategy = [e for e in cached.entries if not e.result.off_strategy]
    return cached.on_strategy


def facet_values() -> dict[str, list[str]]:
    """Choices for the backlog's filter form: themes, tiers and segments in use, by name."""
    themes = db.session.scalars(select(Theme.name).order_by(Theme.name)).all()
    tiers: set[str] = set()
    segments: set[str] = set()
    for tier, segs in db.session.execute(select(Account.tier, Account.segments)):
        if tier:
            tiers.add(tier)
        segments.update(f"{k}={v}" for k, v in (segs or {}).items())
    return {
        "themes": list(themes),
        "tiers": sorted(tiers, key=str.casefold),
        "segments": sorted(segments, key=str.casefold),
    }
