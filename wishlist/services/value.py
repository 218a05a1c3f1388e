"""What a bundle is worth: facts from the database into the scoring core, and screening.

`wishlist.scoring` does the arithmetic on plain facts. This module gathers those facts
(accounts with ARR and segments; every request and vote on a bundle's live wishes; the flags
customer success recorded; the fit product management set), keeps the scoring weights product
managers chose (the `scoring` row of the settings table), and records flags and screening.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from flask import current_app, has_app_context
from sqlalchemy import String, func, select, type_coerce

from ..dedupe.themes import suggest_theme
from ..extensions import db
from ..models import (
    Account,
    AccountFlag,
    Bundle,
    FlagKind,
    Importance,
    Setting,
    Theme,
    User,
    Vote,
    Wish,
    utcnow,
)
from ..scoring import (
    AccountFacts,
    BundleFacts,
    BundleScore,
    Flag,
    RankedBundle,
    ReachIndex,
    Request,
    ScoringConfig,
    rank_bundles,
    score_bundle,
)
from .errors import Forbidden, NotFound, ServiceError
from .text import optional_text, require_text

SCORING_KEY = "scoring"
# Money columns are NUMERIC(14, 2).
MONEY_LIMIT = Decimal(10) ** 12


def _require(user: User, *roles: str) -> None:
    """Raise Forbidden unless the user has one of the roles."""
    if user.role.value not in roles:
        raise Forbidden("Your role does not allow this.")


# --- configuration ---------------------------------------------------------------------------


def scoring_config() -> ScoringConfig:
    """The weights in force: product managers' saved choice, else the defaults."""
    row = db.session.get(Setting, SCORING_KEY)
    if row is None or not row.value:
        return ScoringConfig.default()
    return config_from_dict(row.value)


def config_from_dict(data: Mapping[str, object]) -> ScoringConfig:
    """Build a ScoringConfig from stored or submitted numbers (missing ones take defaults)."""
    default = ScoringConfig.default()
    weights = {**default.weights, **dict(data.get("weights", {}))}  # type: ignore[arg-type]
    importance = {
        **default.importance_weights,
        **{k: Decimal(str(v)) for k, v in dict(data.get("importance_weights", {})).items()},  # type: ignore[arg-type]
    }
    return ScoringConfig(weights=weights, importance_weights=importance)


def config_to_dict(config: ScoringConfig) -> dict[str, dict[str, float]]:
    """The storable form of a config."""
    return {
        "weights": {k: float(v) for k, v in config.weights.items()},
        "importance_weights": {k: float(v) for k, v in config.importance_weights.items()},
    }


def parse_config(form: Mapping[str, str]) -> ScoringConfig:
    """Read weights from a form (weight_customers, importance_nice, ...) and validate them."""
    data: dict[str, dict[str, float]] = {"weights": {}, "importance_weights": {}}
    for prefix, key in (("weight_", "weights"), ("importance_", "importance_weights")):
        for name, value in form.items():
            if name.startswith(prefix) and value not in (None, ""):
                try:
                    data[key][name[len(prefix) :]] = float(value)
                except ValueError:
                    raise ServiceError(f"{name.replace('_', ' ')} must be a number.") from None
    config = config_from_dict(data)
    try:
        config.validate()
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    return config


def save_scoring_config(user: User, config: ScoringConfig) -> ScoringConfig:
    """Store new weights (product managers and admins)."""
    _require(user, "pm", "admin")
    try:
        config.validate()
    except ValueError as exc:
        raise ServiceError(str(exc)) from None
    row = db.session.get(Setting, SCORING_KEY) or Setting(key=SCORING_KEY)
    row.value = config_to_dict(config)
    row.updated_by_id = user.id
    db.session.add(row)
    db.session.commit()
    return config


# --- facts -----------------------------------------------------------------------------------


def account_facts() -> dict[int, AccountFacts]:
    """Every account's ARR and segments, for revenue and reach."""
    rows = db.session.execute(select(Account.id, Account.name, Account.arr, Account.segments))
    return {
        aid: AccountFacts(aid, name, arr or Decimal(0), segments or {})
        for aid, name, arr, segments in rows
    }


@dataclass
class Facts:
    """Everything ranking needs, gathered once: scoring facts, counts, accounts and config."""

    scoring: dict[int, BundleFacts]
    wish_count: dict[int, int]
    vote_count: dict[int, int]
    area_ids: dict[int, set[int]]
    titles: dict[int, list[str]]
    accounts: dict[int, AccountFacts]
    config: ScoringConfig
    # Each live wish's ranking key: its bundle's id, or its own id negated when in none.
    wish_keys: dict[int, int] = field(default_factory=dict)


def book_config(config: ScoringConfig, accounts: Mapping[int, AccountFacts]) -> ScoringConfig:
    """The config with scales from the installation's own book of business.

    Revenue and reach scale: WISHLIST_REVENUE_SCALE if set, else the total ARR of all
    accounts, else the fixed 1,000,000; customer scale: the number of accounts (else 20).
    """
    override = current_app.config.get("REVENUE_SCALE") if has_app_context() else None
    total = sum((a.arr for a in accounts.values()), Decimal(0))
    if override:
        money, basis = Decimal(str(override)), "WISHLIST_REVENUE_SCALE"
    elif total > 0:
        money, basis = total, f"total ARR of {len(accounts)} accounts"
    else:
        # No ARR recorded yet: a fixed scale still ranks by money rather than dividing by 0.
        money, basis = Decimal(1_000_000), "fixed default: no ARR recorded"
    return replace(
        config,
        customer_scale=len(accounts) or ScoringConfig.customer_scale,
        revenue_scale=money,
        reach_scale=money,
        scale_basis=basis,
    )


def lone_key(wish_id: int) -> int:
    """The ranking key of a wish in no bundle: its id, negated (bundles keep their own id)."""
    return -wish_id


def wish_of_key(key: int) -> int | None:
    """The lone wish a ranking key stands for, or None when the key is a bundle's id."""
    return -key if key < 0 else None


def gather_facts(
    bundle_ids: Sequence[int] | None = None,
    config: ScoringConfig | None = None,
    include_empty: bool = False,
    accounts: dict[int, AccountFacts] | None = None,
) -> Facts:
    """The one source of ranking facts: every bundle with a live wish and every live wish in no
    bundle (or the keys given).

    Every open wish is ranked: a wish in no bundle is ranked as a bundle of one under the key
    ``lone_key(wish.id)`` (its id negated, so it never clashes with a bundle id); it has no
    flags and is unscreened until staff make it a real bundle (value page "Make it a bundle").
    A wish's account counts as asking at the author's vote importance; an author who took
    their vote back still asks, at the lowest importance. Staff votes (no account) do not
    count. ``include_empty`` also returns bundles whose wishes are all withdrawn (no requests).
    Read as plain rows, not ORM objects: at 10,000 bundles this takes a fraction of the time.
    """
    wishes = Wish.__table__.c
    votes = Vote.__table__.c
    live = wishes.withdrawn_at.is_(None)
    if bundle_ids is not None:
        wanted_bundles = [k for k in bundle_ids if k > 0]
        wanted_wishes = [-k for k in bundle_ids if k < 0]
        live = live & (
            wishes.bundle_id.in_(wanted_bundles)
            | (wishes.bundle_id.is_(None) & wishes.id.in_(wanted_wishes))
        )
    bundle_of: dict[int, int] = {}
    wish_count: dict[int, int] = defaultdict(int)
    area_ids: dict[int, set[int]] = defaultdict(set)
    titles: dict[int, list[str]] = defaultdict(list)
    askers: list[tuple[int, int, int, int | None]] = []
    for bid, wid, account_id, author_id, area_id, title in db.session.execute(
        select(
            wishes.bundle_id,
            wishes.id,
            wishes.account_id,
            wishes.author_id,
            wishes.product_area_id,
            wishes.title,
        ).where(live)
    ):
        if bid is None:
            bid = lone_key(wid)
        bundle_of[wid] = bid
        wish_count[bid] += 1
        titles[bid].append(title)
        if area_id is not None:
            area_ids[bid].add(area_id)
        if account_id is not None:
            askers.append((bid, wid, account_id, author_id))
    # Interned: the same voter at the same importance recurs across bundles.
    known: dict[tuple[int, int | None, str], Request] = {}
    requests: dict[int, list[Request]] = defaultdict(list)
    vote_count: dict[int, int] = defaultdict(int)
    voted: set[tuple[int, int]] = set()
    for wid, account_id, user_id, importance in db.session.execute(
        select(
            votes.wish_id, votes.account_id, votes.user_id, type_coerce(votes.importance, String)
        )
        .join(Wish.__table__, wishes.id == votes.wish_id)
        .where(live)
    ):
        bid = bundle_of[wid]
        vote_count[bid] += 1
        if account_id is None:
            continue  # staff votes carry no account, so no weight
        key = (account_id, user_id, importance)
        request = known.get(key)
        if request is None:
            request = known[key] = Request(account_id, user_id, importance)
        requests[bid].append(request)
        voted.add((wid, account_id))
    for bid, wid, account_id, author_id in askers:
        if (wid, account_id) not in voted:
            requests[bid].append(Request(account_id, author_id, Importance.NICE.value))
    fit_query = select(Bundle.id, Bundle.strategic_fit)
    if bundle_ids is not None:
        fit_query = fit_query.where(Bundle.id.in_(wanted_bundles))
    fits: dict[int, int | None] = {
        bid: fit for bid, fit in db.session.execute(fit_query) if include_empty or bid in wish_count
    }
    # Lone wishes are unscreened: fit belongs to a bundle.
    fits.update((key, None) for key in wish_count if key < 0)
    flags: dict[int, list[Flag]] = defaultdict(list)
    flag_query = select(
        AccountFlag.bundle_id, AccountFlag.account_id, AccountFlag.kind, AccountFlag.amount
    )
    if bundle_ids is not None:
        flag_query = flag_query.where(AccountFlag.bundle_id.in_(wanted_bundles))
    for bid, account_id, kind, amount in db.session.execute(flag_query):
        if bid in fits:
            flags[bid].append(Flag(account_id, FlagKind(kind).value, amount))
    scoring = {
        bid: BundleFacts(bid, tuple(requests[bid]), tuple(flags[bid]), fits[bid])
        for bid in sorted(fits)
    }
    # The backlog cache passes the accounts it read: they only change with a full rebuild.
    accounts = account_facts() if accounts is None else accounts
    return Facts(
        scoring,
        dict(wish_count),
        dict(vote_count),
        dict(area_ids),
        dict(titles),
        accounts,
        book_config(config or scoring_config(), accounts),
        bundle_of,
    )


def lone_wish(wish_id: int) -> Wish:
    """A wish that is not withdrawn, for its value page (it may be in a bundle)."""
    wish = db.session.get(Wish, wish_id)
    if wish is None or wish.is_withdrawn:
        raise NotFound("That wish does not exist or was withdrawn.")
    return wish


def scale_explanation(config: ScoringConfig | None = None) -> str:
    """Which revenue scale ranking uses and its current value, for the ranking pages."""
    book = book_config(config or scoring_config(), account_facts())
    return (
        f"Revenue at risk and reach are scored on a log scale against "
        f"{book.revenue_scale:,.0f} ({book.scale_basis}); customers against "
        f"{book.customer_scale:,} accounts."
    )


def score(bundle_id: int, config: ScoringConfig | None = None) -> BundleScore:
    """One bundle's score with its explanation."""
    facts = gather_facts([bundle_id], config, include_empty=True)
    if bundle_id not in facts.scoring:
        raise NotFound("That bundle does not exist.")
    return score_bundle(
        facts.scoring[bundle_id], facts.accounts, facts.config, ReachIndex(facts.accounts)
    )


def ranking(
    bundle_ids: Sequence[int] | None = None,
    config: ScoringConfig | None = None,
    include_off_strategy: bool = False,
) -> list[RankedBundle]:
    """Bundles ranked by score (ties: lower id first); off-strategy ones only when asked."""
    facts = gather_facts(bundle_ids, config, include_empty=True)
    return rank_bundles(
        facts.scoring.values(),
        facts.accounts,
        facts.config,
        include_off_strategy=include_off_strategy,
    )


def reach_accounts(bundle_id: int) -> list[AccountFacts]:
    """Accounts expected to need a bundle: not asking, sharing a segment value with an asker."""
    facts = gather_facts([bundle_id], include_empty=True)
    if bundle_id not in facts.scoring:
        raise NotFound("That bundle does not exist.")
    asking = {r.account_id for r in facts.scoring[bundle_id].requests}
    return ReachIndex(facts.accounts).expected_accounts(asking)


# --- flags ----------------------------------------------------------------------------------


def parse_money(value: str | None, field: str = "Amount") -> Decimal | None:
    """An optional non-negative amount typed by a person ("120000", "120,000.50")."""
    text = (value or "").strip().replace(",", "").replace("_", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ServiceError(f"{field} must be a number, like 120000 or 120,000.50.") from None
    if not amount.is_finite() or amount < 0:
        raise ServiceError(f"{field} must be zero or more.")
    if amount >= MONEY_LIMIT:
        raise ServiceError(f"{field} must be less than {MONEY_LIMIT:,}.")
    return amount.quantize(Decimal("0.01"))


def flag_account(
    user: User,
    bundle_id: int,
    account_id: int,
    kind: FlagKind | str,
    amount: Decimal | None = None,
    note: str = "",
) -> AccountFlag:
    """Record that an account may churn or not buy without this bundle (customer success)."""
    _require(user, "csm", "pm", "admin")
    bundle = db.session.get(Bundle, bundle_id)
    if bundle is None:
        raise NotFound("That bundle does not exist.")
    account = db.session.get(Account, account_id)
    if account is None:
        raise ServiceError("Choose an account.")
    try:
        kind = FlagKind(kind)
    except ValueError:
        raise ServiceError("Choose churn risk or deal blocker.") from None
    existing = db.session.scalar(
        select(AccountFlag).where(
            AccountFlag.bundle_id == bundle.id,
            AccountFlag.account_id == account.id,
            AccountFlag.kind == kind,
        )
    )
    flag = existing or AccountFlag(bundle_id=bundle.id, account_id=account.id, kind=kind)
    flag.amount = amount
    flag.note = optional_text(note, "Note", 2_000)
    flag.created_by_id = user.id
    db.session.add(flag)
    db.session.commit()
    return flag


def remove_flag(user: User, flag_id: int) -> None:
    """Take a flag back."""
    _require(user, "csm", "pm", "admin")
    flag = db.session.get(AccountFlag, flag_id)
    if flag is None:
        raise NotFound("No such flag.")
    db.session.delete(flag)
    db.session.commit()


# --- themes and screening -----------------------------------------------------------------


def list_themes(active_only: bool = False) -> list[Theme]:
    """Strategic themes by name."""
    query = select(Theme).order_by(Theme.name)
    if active_only:
        query = query.where(Theme.active.is_(True))
    return list(db.session.scalars(query))


def save_theme(
    user: User, theme_id: int | None, name: str, description: str, active: bool = True
) -> Theme:
    """Create or change a strategic theme (product managers and admins)."""
    _require(user, "pm", "admin")
    theme = db.session.get(Theme, theme_id) if theme_id else Theme()
    if theme is None:
        raise NotFound("No such theme.")
    name = require_text(name, "Theme name", 120)
    clash = db.session.scalar(
        select(Theme).where(func.lower(Theme.name) == name.lower(), Theme.id != (theme.id or 0))
    )
    if clash is not None:
        raise ServiceError(f"A theme called {clash.name} already exists.")
    theme.name = name
    theme.description = optional_text(description, "Description", 5_000)
    theme.active = active
    db.session.add(theme)
    db.session.commit()
    return theme


def theme_suggestion(bundle: Bundle) -> tuple[Theme | None, int | None, float]:
    """The active theme the bundle's text is most like, a suggested fit 1-5, and similarity."""
    themes = list_themes(active_only=True)
    texts = [f"{w.title}. {w.body}" for w in bundle.wishes if not w.is_withdrawn]
    if not themes or not texts:
        return None, None, 0.0
    best, similarity, fit = suggest_theme(
        " ".join([bundle.title, bundle.description, *texts]),
        [(t.id, f"{t.name}. {t.description}") for t in themes],
    )
    theme = next((t for t in themes if t.id == best), None)
    return theme, fit, similarity


def screen_bundle(user: User, bundle_id: int, fit: int | None, theme_id: int | None) -> Bundle:
    """Set a bundle's strategic fit (0-5, or None to unscreen) and theme (product managers)."""
    _require(user, "pm", "admin")
    bundle = db.session.get(Bundle, bundle_id)
    if bundle is None:
        raise NotFound("That bundle does not exist.")
    if fit is not None and not 0 <= fit <= 5:
        raise ServiceError("Strategic fit goes from 0 (off strategy) to 5.")
    theme = db.session.get(Theme, theme_id) if theme_id else None
    if theme_id and theme is None:
        raise ServiceError("Choose a theme from the list.")
    bundle.strategic_fit = fit
    bundle.theme_id = theme.id if theme else None
    bundle.screened_by_id = user.id if fit is not None else None
    bundle.screened_at = utcnow() if fit is not None else None
    db.session.commit()
    return bundle


def accounts_for(bundle_ids: Iterable[int]) -> list[Account]:
    """Accounts that asked for or voted on any live wish of these bundles."""
    ids = list(bundle_ids)
    live = Wish.withdrawn_at.is_(None) & Wish.bundle_id.in_(ids)
    voters = select(Vote.account_id).join(Wish, Wish.id == Vote.wish_id).where(live)
    askers = select(Wish.account_id).where(live)
    return list(
        db.session.scalars(
            select(Account)
            .where(Account.id.in_(voters) | Account.id.in_(askers))
            .order_by(Account.name)
        )
    )
