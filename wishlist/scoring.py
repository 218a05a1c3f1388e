"""Score and explain bundles of wishes: framework-free, bundle facts in, score and breakdown out.

Components of a bundle, over the distinct accounts that requested or voted for any of its wishes:

- customers: distinct accounts asking (``customer_count``); distinct users are reported too.
- revenue: ``revenue_at_risk``, the sum of each asking account's exposure (see below).
- fit: ``strategic_fit`` 0-5 set by a product manager, or None while nobody has screened it.
- reach: accounts *not* asking that share a segment value (``platform=salesforce``) with at
  least one asker; reported as a count and their total ARR ("expected to need").

Exposure of one asking account:

- Unflagged: ARR x the weight of the HIGHEST importance it gave anywhere in the bundle, so an
  account voting on three wishes of one bundle counts once. Defaults: critical 0.5,
  important 0.2, nice 0.05.
- Flagged ("churn_risk" or "deal_blocker") on the bundle: the flag's amount, or its full ARR
  when the flag has no amount. Two decisions the issue left open:
  * several flags on one account: the largest exposure among them counts (flags describe the
    same money at risk, so adding them up would count it twice);
  * a flag never lowers exposure below the account's importance-based exposure: the exposure
    is the largest of its flags' and its importance's. A flag is evidence of *more* risk, and
    without this rule flagging a critical account with a small amount would lower its score.
- Flags on accounts that have not asked for the bundle are ignored (and named in the revenue
  note): the account set is defined by requests and votes, not by flags.

Normalisation (set-independent, so a bundle's score is the same in every filter and export)::

    customers_norm = log1p(customer_count) / log1p(customer_scale)   # default 20
    revenue_norm   = log1p(revenue_at_risk) / log1p(revenue_scale)   # default 1,000,000
    reach_norm     = log1p(reach_arr) / log1p(reach_scale)           # default 1,000,000
    fit_norm       = strategic_fit / 5          (unscreened counts 0, and is marked unscreened)

    share_c        = weight_c / sum(all weights)
    contribution_c = 100 * share_c * norm_c
    score          = sum(contribution_c)        in [0, 100] unless flags exceed the book

Logarithms because both account counts and money span orders of magnitude: going from 1 to 10
customers should matter about as much as going from 10 to 100. The installation passes scales
from its own book of business (`services.value.book_config`: number of accounts, total ARR),
so a norm is never clipped: it passes 1 only when money at risk exceeds the whole book (a flag
amount can), and more money at risk always means a higher score. ``scale_basis`` says where
the scales came from and every component's note names its scale. Each normalised value depends
only on the bundle's own facts and is strictly increasing in its raw value, and shares are
non-negative, so raising one component with the others fixed never lowers the score.
Default weights: customers 0.35, revenue 0.45, fit 0.20, reach 0.0.

Fit 0 means "off strategy": the result has ``off_strategy=True`` and ``rank_bundles`` leaves
it out unless asked. Unscreened (fit None) stays in the backlog with ``unscreened=True``; its
fit component counts 0 and its note says "unscreened", so it is never shown as a fit of 0.

With a non-zero reach weight, turning a reach account into an asker moves it from reach to
customers and revenue: each component still only ever rises with its raw value, but reach
itself can fall, so "add an asker" alone is only guaranteed monotonic while reach weighs 0.

API: ``AccountFacts``, ``Request``, ``Flag``, ``BundleFacts`` and ``ScoringConfig`` in;
``score_bundle(bundle, accounts, config=None, reach_index=None) -> BundleScore`` and
``rank_bundles(bundles, accounts, config=None, include_off_strategy=False)
-> list[RankedBundle]`` out (ties: bundles before lone wishes, each by lower id; a
negative ``bundle_id`` is a key the app gives a wish in no bundle, ranked as a bundle of
one). Reach uses a ``ReachIndex`` over all accounts, which ``rank_bundles`` builds once per
call.

Money is ``Decimal`` throughout; floats are converted through ``str`` so ``100000.10`` stays
``Decimal("100000.1")``. Only the normalisation works in floats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter, mul

IMPORTANCES: tuple[str, ...] = ("nice", "important", "critical")
FLAG_KINDS: tuple[str, ...] = ("churn_risk", "deal_blocker")
COMPONENTS: tuple[str, ...] = ("customers", "revenue", "fit", "reach")
MAX_FIT = 5

_IMPORTANCE_RANK = {name: n for n, name in enumerate(IMPORTANCES)}
_FLAG_LABEL = {"churn_risk": "churn risk", "deal_blocker": "deal blocker"}
_BY_NAME = attrgetter("name", "account_id")
_BY_EXPOSURE = attrgetter("exposure")
# Below this many set bits, summing signature by signature beats summing by bit plane.
_FEW = 64
_NONZERO_BYTE = re.compile(rb"[^\x00]")

Money = Decimal | float | int


def to_money(value: Money | str) -> Decimal:
    """Convert an amount to Decimal without binary float drift (0.1 stays 0.1)."""
    if isinstance(value, bool):
        raise TypeError("money must be a number, not a bool")
    if isinstance(value, Decimal):
        money = value
    elif isinstance(value, int | float | str):
        # str() first: Decimal(0.1) would carry the float's binary error into every sum.
        money = Decimal(str(value))
    else:
        raise TypeError(f"money must be Decimal, int or float, not {type(value).__name__}")
    if not money.is_finite():
        raise ValueError(f"money must be finite, got {value!r}")
    return money


@dataclass(frozen=True)
class AccountFacts:
    """A customer account: its ARR and segment values (platform=salesforce, region=emea, ...)."""

    id: int
    name: str
    arr: Decimal
    segments: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Store ARR as Decimal and segments as a private copy."""
        arr = to_money(self.arr)
        if arr < 0:
            raise ValueError(f"account {self.id}: ARR must not be negative, got {arr}")
        object.__setattr__(self, "arr", arr)
        object.__setattr__(self, "segments", dict(self.segments))


@dataclass(frozen=True)
class Request:
    """One request or vote by an account (and user, if known) on any wish of the bundle."""

    account_id: int
    user_id: int | None
    importance: str

    def __post_init__(self) -> None:
        """Reject importances the scoring has no weight for."""
        if self.importance not in _IMPORTANCE_RANK:
            raise ValueError(
                f"importance must be one of {', '.join(IMPORTANCES)}, got {self.importance!r}"
            )


@dataclass(frozen=True)
class Flag:
    """A product manager's flag on a bundle for one account, with the money at stake if known."""

    account_id: int
    kind: str
    amount: Decimal | None = None

    def __post_init__(self) -> None:
        """Check the kind and store the amount as Decimal."""
        if self.kind not in _FLAG_LABEL:
            raise ValueError(f"flag kind must be one of {', '.join(FLAG_KINDS)}, got {self.kind!r}")
        if self.amount is not None:
            amount = to_money(self.amount)
            if amount < 0:
                raise ValueError(f"flag amount must not be negative, got {amount}")
            object.__setattr__(self, "amount", amount)


@dataclass(frozen=True)
class BundleFacts:
    """What scoring needs to know about one bundle: its requests, flags and strategic fit."""

    bundle_id: int
    requests: Sequence[Request]
    flags: Sequence[Flag] = ()
    strategic_fit: int | None = None

    def __post_init__(self) -> None:
        """Check the strategic fit is unscreened (None) or an integer 0-5."""
        fit = self.strategic_fit
        if fit is not None and (
            isinstance(fit, bool) or not isinstance(fit, int) or not 0 <= fit <= MAX_FIT
        ):
            raise ValueError(
                f"bundle {self.bundle_id}: strategic fit must be None or 0-{MAX_FIT}, got {fit!r}"
            )


def _default_weights() -> dict[str, float]:
    """The issue's default component weights."""
    return {"customers": 0.35, "revenue": 0.45, "fit": 0.20, "reach": 0.0}


def _default_importance_weights() -> dict[str, Decimal]:
    """The issue's default share of ARR at risk per importance."""
    return {"nice": Decimal("0.05"), "important": Decimal("0.2"), "critical": Decimal("0.5")}


@dataclass(frozen=True)
class ScoringConfig:
    """Weights and scales product managers may tune; ScoringConfig() equals default()."""

    weights: Mapping[str, float] = field(default_factory=_default_weights)
    importance_weights: Mapping[str, Decimal | float] = field(
        default_factory=_default_importance_weights
    )
    customer_scale: float = 20
    revenue_scale: Decimal | float = Decimal(1_000_000)
    reach_scale: Decimal | float = Decimal(1_000_000)
    # Where the scales came from, for explanations ("total ARR of 120 accounts").
    scale_basis: str = "fixed default"

    @classmethod
    def default(cls) -> ScoringConfig:
        """The defaults from the issue: 0.35/0.45/0.20/0.0, 0.05/0.2/0.5, 20 and 1,000,000."""
        return cls()

    def validate(self) -> None:
        """Raise ValueError naming every problem (keys, signs, ranges, scales), else return."""
        problems: list[str] = []
        problems += _check_keys("weights", self.weights, COMPONENTS)
        weights = _numbers("weights", self.weights, problems)
        negative = sorted(k for k, v in weights.items() if v < 0)
        if negative:
            problems.append(f"weights must not be negative: {', '.join(negative)}")
        if weights and not negative and not any(v > 0 for v in weights.values()):
            problems.append("weights must not all be zero")

        problems += _check_keys("importance_weights", self.importance_weights, IMPORTANCES)
        importance = _numbers("importance_weights", self.importance_weights, problems)
        outside = sorted(k for k, v in importance.items() if not 0 <= v <= 1)
        if outside:
            problems.append(f"importance_weights must be between 0 and 1: {', '.join(outside)}")
        ordered = [importance[k] for k in IMPORTANCES if k in importance]
        # "Highest importance" picks by rank; if weights ran backwards, raising an account's
        # importance would lower its exposure and break monotonicity.
        if len(ordered) == len(IMPORTANCES) and ordered != sorted(ordered):
            problems.append(
                "importance_weights must not decrease from nice to important to critical"
            )

        for name in ("customer_scale", "revenue_scale", "reach_scale"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                problems.append(f"{name} must be a number, got {value!r}")
            elif not (math.isfinite(float(value)) and value > 0):
                problems.append(f"{name} must be a positive finite number, got {value!r}")
        if problems:
            raise ValueError("invalid scoring config: " + "; ".join(problems))


def _check_keys(label: str, given: Mapping[str, object], expected: Sequence[str]) -> list[str]:
    """Problems with a mapping's keys: unknown ones, and missing ones."""
    problems = []
    unknown = sorted(str(k) for k in given if k not in expected)
    missing = [k for k in expected if k not in given]
    if unknown:
        problems.append(
            f"unknown {label} keys: {', '.join(unknown)} (expected {', '.join(expected)})"
        )
    if missing:
        problems.append(f"missing {label} keys: {', '.join(missing)}")
    return problems


def _numbers(label: str, given: Mapping[str, object], problems: list[str]) -> dict[str, float]:
    """The finite numeric values of a mapping as floats; the others become problems."""
    values: dict[str, float] = {}
    for key, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            problems.append(f"{label}[{key!r}] must be a number, got {value!r}")
        elif not math.isfinite(float(value)):
            problems.append(f"{label}[{key!r}] must be finite, got {value!r}")
        else:
            values[str(key)] = float(value)
    return values


@dataclass(frozen=True)
class _Prepared:
    """A validated config in the form scoring uses, computed once per ranking."""

    shares: dict[str, float]
    importance_weights: dict[str, Decimal]
    importance_reasons: dict[str, str]
    log_customer_scale: float
    log_revenue_scale: float
    log_reach_scale: float
    revenue_scale_note: str
    customer_scale_note: str
    reach_scale_note: str


def _prepare(config: ScoringConfig) -> _Prepared:
    """Validate a config and precompute its shares, Decimal weights and log scales."""
    config.validate()
    total = sum(float(config.weights[k]) for k in COMPONENTS)
    importance_weights = {k: to_money(config.importance_weights[k]) for k in IMPORTANCES}
    return _Prepared(
        shares={k: float(config.weights[k]) / total for k in COMPONENTS},
        importance_weights=importance_weights,
        importance_reasons={k: f"{k} × {_fmt_money(w)}" for k, w in importance_weights.items()},
        log_customer_scale=math.log1p(float(config.customer_scale)),
        log_revenue_scale=math.log1p(float(config.revenue_scale)),
        log_reach_scale=math.log1p(float(config.reach_scale)),
        revenue_scale_note=(
            f"scale {_fmt_money(to_money(config.revenue_scale))} ({config.scale_basis})"
        ),
        customer_scale_note=f"scale {_fmt_money(to_money(config.customer_scale))} accounts",
        reach_scale_note=f"scale {_fmt_money(to_money(config.reach_scale))}",
    )


class ReachIndex:
    """Segment index over all accounts, built once so reach costs little per bundle.

    ``ReachIndex(accounts)``; ``reach(asking_ids) -> (count, arr)``;
    ``expected_accounts(asking_ids) -> list[AccountFacts]`` for explanations.
    Accounts with the same segments form one signature, and sets of signatures are Python
    ints used as bitsets: with low-cardinality segments (region, platform) reach is often most
    accounts, and OR-ing a few bitsets is far cheaper than building large sets per bundle.
    Sums stay exact: ARR is held as integers of the smallest unit any account uses, and the
    count or ARR of a bitset is summed bit plane by bit plane with popcounts.
    Segment values match exactly; normalising case is the importer's job.
    """

    def __init__(self, accounts: Mapping[int, AccountFacts]) -> None:
        """Group accounts into signatures and index them by segment (key, value) pair."""
        self._accounts = accounts
        self._pairs_of: dict[int, frozenset[tuple[str, str]]] = {}
        # Smallest exponent among the ARRs, so every ARR is an exact integer in that unit.
        self._exponent = min(
            (min(0, int(a.arr.as_tuple().exponent)) for a in accounts.values()), default=0
        )
        self._units_of: dict[int, int] = {}
        signature_of: dict[frozenset[tuple[str, str]], int] = {}
        counts: list[int] = []
        units: list[int] = []
        for account_id in sorted(accounts):
            account = accounts[account_id]
            self._units_of[account_id] = int(account.arr.scaleb(-self._exponent))
            pairs = frozenset(account.segments.items())
            if not pairs:
                continue
            self._pairs_of[account_id] = pairs
            signature = signature_of.setdefault(pairs, len(counts))
            if signature == len(counts):
                counts.append(0)
                units.append(0)
            counts[signature] += 1
            units[signature] += self._units_of[account_id]
        size = len(counts)
        positions_with: dict[tuple[str, str], list[int]] = {}
        for pairs, signature in signature_of.items():
            for pair in pairs:
                positions_with.setdefault(pair, []).append(signature)
        self._with_pair = {pair: _bitset(ps, size) for pair, ps in positions_with.items()}
        self._counts, self._units = counts, units
        self._count_planes = _planes(counts, size)
        self._unit_planes = _planes(units, size)
        self._total_count, self._total_units = sum(counts), sum(units)
        self._size, self._bytes, self._all = size, (size + 7) // 8, (1 << size) - 1
        self._cache: dict[frozenset[tuple[str, str]], tuple[int, int]] = {}

    def _shared(self, asking_ids: Iterable[int]) -> tuple[int, int, list[int]]:
        """Count and ARR units of everyone sharing a segment with an asker, and those askers."""
        pairs: set[tuple[str, str]] = set()
        segmented = []
        for account_id in asking_ids:
            own = self._pairs_of.get(account_id)
            if own:
                pairs.update(own)
                segmented.append(account_id)
        key = frozenset(pairs)
        found = self._cache.get(key)
        if found is None:
            mask = 0
            for pair in key:
                mask |= self._with_pair[pair]
            signatures = mask.bit_count()
            if signatures <= _FEW:
                inside = _positions(mask, self._bytes)
                found = (
                    sum(self._counts[n] for n in inside),
                    sum(self._units[n] for n in inside),
                )
            elif self._size - signatures <= _FEW:
                # Low-cardinality segments often make reach nearly everyone: sum who is left out.
                outside = _positions(self._all ^ mask, self._bytes)
                found = (
                    self._total_count - sum(self._counts[n] for n in outside),
                    self._total_units - sum(self._units[n] for n in outside),
                )
            else:
                found = (_plane_sum(mask, self._count_planes), _plane_sum(mask, self._unit_planes))
            self._cache[key] = found
        return found[0], found[1], segmented

    def reach(self, asking_ids: Iterable[int]) -> tuple[int, Decimal]:
        """Count and total ARR of accounts not asking that share a segment value with an asker."""
        count, units, segmented = self._shared(asking_ids)
        # Every asker with a segment shares its own segments; take the askers back out.
        count -= len(segmented)
        units -= sum(self._units_of[a] for a in segmented)
        return count, Decimal(units).scaleb(self._exponent)

    def expected_accounts(self, asking_ids: Iterable[int]) -> list[AccountFacts]:
        """The reach accounts themselves, by ARR descending then name, for a detail page."""
        asking = set(asking_ids)
        pairs = set().union(*(self._pairs_of.get(a, frozenset()) for a in asking))
        members = [
            account
            for account_id, account in self._accounts.items()
            if account_id not in asking and pairs.intersection(self._pairs_of.get(account_id, ()))
        ]
        return sorted(members, key=lambda a: (-a.arr, a.name, a.id))


def _positions(mask: int, size_bytes: int) -> list[int]:
    """Positions of the set bits of a sparse bitset, found a nonzero byte at a time."""
    data = mask.to_bytes(size_bytes, "little")
    found = []
    for match in _NONZERO_BYTE.finditer(data):
        start = match.start()
        byte = data[start]
        found.extend(start * 8 + bit for bit in range(8) if byte >> bit & 1)
    return found


def _planes(values: list[int], size: int) -> list[int]:
    """Bit planes of non-negative integers: plane n has a bit set where value bit n is."""
    return [
        _bitset([i for i, value in enumerate(values) if value >> plane & 1], size)
        for plane in range(max(values, default=0).bit_length())
    ]


def _plane_sum(mask: int, planes: list[int]) -> int:
    """Sum of the values (given as bit planes) at the set bits of mask."""
    place_values = [1 << n for n in range(len(planes))]
    # map() keeps the per-plane loop in C; this is the inner loop of reach.
    return sum(map(mul, map(int.bit_count, map(mask.__and__, planes)), place_values))


def _bitset(positions: Iterable[int], size: int) -> int:
    """An int whose bits at the given positions are set, built in one pass."""
    buffer = bytearray((size + 7) // 8)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")


# Results are slotted but not frozen: ranking builds one record per asking account, and a
# frozen dataclass takes about five times as long to construct. Treat them as read-only.
@dataclass(slots=True)
class Component:
    """One part of a score: raw value, normalised 0-1, weight share, points added, why."""

    name: str
    raw: int | Decimal | None
    normalised: float
    weight: float
    contribution: float
    note: str


@dataclass(slots=True)
class AccountExposure:
    """How much of one asking account's money is at risk in a bundle, and why."""

    account_id: int
    name: str
    arr: Decimal
    importance: str
    flag: Flag | None
    exposure: Decimal
    reason: str


@dataclass(slots=True)
class BundleScore:
    """A bundle's score (0-100, unrounded), its raw facts and its explanation."""

    bundle_id: int
    score: float
    customer_count: int
    user_count: int
    revenue_at_risk: Decimal
    reach_accounts: int
    reach_arr: Decimal
    strategic_fit: int | None
    unscreened: bool
    off_strategy: bool
    components: list[Component]
    exposures: list[AccountExposure]


@dataclass(slots=True)
class RankedBundle:
    """A bundle's place in the backlog (1 = first) with its score and explanation."""

    rank: int
    result: BundleScore

    @property
    def bundle_id(self) -> int:
        """The ranked bundle's id."""
        return self.result.bundle_id

    @property
    def score(self) -> float:
        """The ranked bundle's score."""
        return self.result.score


def _fmt_money(value: Decimal) -> str:
    """Money for explanations: thousands separators, no needless trailing zeros."""
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _plural(count: int, noun: str) -> str:
    """A count with its noun, plural unless the count is one."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _flag_exposure(flag: Flag, arr: Decimal) -> tuple[Decimal, str]:
    """A flag's exposure and its reason: its amount, else the account's full ARR."""
    label = _FLAG_LABEL[flag.kind]
    if flag.amount is None:
        return arr, f"flagged {label}: full ARR"
    return flag.amount, f"flagged {label}: amount {_fmt_money(flag.amount)}"


def _exposure(
    account: AccountFacts,
    importance: str,
    flags: list[Flag],
    prepared: _Prepared,
) -> AccountExposure:
    """One asking account's exposure: the largest of its flags' and its importance's."""
    exposure = account.arr * prepared.importance_weights[importance]
    reason = prepared.importance_reasons[importance]
    chosen: Flag | None = None
    best_flag: tuple[Decimal, str] | None = None
    for flag in flags:
        candidate = _flag_exposure(flag, account.arr)
        if best_flag is None or candidate[0] > best_flag[0]:
            chosen, best_flag = flag, candidate
    if best_flag is not None:
        flag_exposure, flag_reason = best_flag
        if len(flags) > 1:
            flag_reason += f" (largest of {len(flags)} flags)"
        if flag_exposure >= exposure:
            exposure, reason = flag_exposure, flag_reason
        else:
            reason += f" (above {flag_reason})"
    return AccountExposure(
        account_id=account.id,
        name=account.name,
        arr=account.arr,
        importance=importance,
        flag=chosen,
        exposure=exposure,
        reason=reason,
    )


def _log_norm(value: float, log_scale: float) -> float:
    """Log normalisation: 0 at 0, 1 at the scale, strictly increasing (never clipped)."""
    if value <= 0:
        return 0.0
    # No clip at 1: with a clip, every bundle past the scale tied and a flag adding money
    # beyond it changed nothing. Past 1 only when money at risk exceeds the whole book.
    return math.log1p(value) / log_scale


def score_bundle(
    bundle: BundleFacts,
    accounts: Mapping[int, AccountFacts],
    config: ScoringConfig | None = None,
    reach_index: ReachIndex | None = None,
) -> BundleScore:
    """Score and explain one bundle: ``score_bundle(bundle, accounts, config, reach_index)``.

    ``accounts`` must hold every account (reach looks beyond the askers); pass a ``ReachIndex``
    built from the same accounts when scoring many bundles, else one is built per call.
    Raises ValueError for an invalid config or a request from an account not in ``accounts``.
    """
    prepared = _prepare(config if config is not None else ScoringConfig.default())
    index = reach_index if reach_index is not None else ReachIndex(accounts)
    return _score(bundle, accounts, prepared, index)


def _score(
    bundle: BundleFacts,
    accounts: Mapping[int, AccountFacts],
    prepared: _Prepared,
    index: ReachIndex,
) -> BundleScore:
    """Score one bundle against a prepared config and a built reach index."""
    # Ranking runs this for every bundle, so hot loops bind their lookups to locals.
    rank_of = _IMPORTANCE_RANK
    highest: dict[int, int] = {}
    known = highest.get
    users: set[int] = set()
    for request in bundle.requests:
        rank = rank_of[request.importance]
        if known(request.account_id, -1) < rank:
            highest[request.account_id] = rank
        if request.user_id is not None:
            users.add(request.user_id)

    flags_of: dict[int, list[Flag]] = {}
    ignored_flags = 0
    for flag in bundle.flags:
        if flag.account_id in highest:
            flags_of.setdefault(flag.account_id, []).append(flag)
        else:
            ignored_flags += 1

    weights, reasons = prepared.importance_weights, prepared.importance_reasons
    exposures = []
    for account_id, rank in highest.items():
        account = accounts.get(account_id)
        if account is None:
            raise ValueError(
                f"bundle {bundle.bundle_id}: account {account_id} is not among the accounts given"
            )
        importance = IMPORTANCES[rank]
        flags = flags_of.get(account_id)
        if flags:
            exposures.append(_exposure(account, importance, flags, prepared))
        else:
            # Unflagged accounts are most of them; skipping the flag logic keeps ranking fast.
            exposures.append(
                AccountExposure(
                    account_id,
                    account.name,
                    account.arr,
                    importance,
                    None,
                    account.arr * weights[importance],
                    reasons[importance],
                )
            )
    if len(exposures) > 1:
        # Two stable sorts give exposure desc, then name and id asc, without negating Decimals.
        exposures.sort(key=_BY_NAME)
        exposures.sort(key=_BY_EXPOSURE, reverse=True)
    revenue = sum(map(_BY_EXPOSURE, exposures), Decimal(0))
    reach_count, reach_arr = index.reach(highest)

    fit = bundle.strategic_fit
    customer_count = len(highest)
    revenue_note = (
        f"{len(flags_of)} of {_plural(customer_count, 'account')} flagged; "
        f"{prepared.revenue_scale_note}"
    )
    if ignored_flags:
        revenue_note += f"; {ignored_flags} flag(s) on accounts not asking ignored"
    if fit is None:
        fit_note = "unscreened: counts nothing until a product manager sets fit"
    elif fit == 0:
        fit_note = "fit 0 of 5: off strategy, left out of the backlog unless asked for"
    else:
        fit_note = f"fit {fit} of {MAX_FIT}"
    shares = prepared.shares
    norms = (
        _log_norm(customer_count, prepared.log_customer_scale),
        _log_norm(float(revenue), prepared.log_revenue_scale),
        0.0 if fit is None else fit / MAX_FIT,
        _log_norm(float(reach_arr), prepared.log_reach_scale),
    )
    contributions = [
        100.0 * shares[name] * norm for name, norm in zip(COMPONENTS, norms, strict=True)
    ]
    components = [
        Component(
            "customers",
            customer_count,
            norms[0],
            shares["customers"],
            contributions[0],
            f"{_plural(customer_count, 'account')}, {_plural(len(users), 'user')}; "
            f"{prepared.customer_scale_note}",
        ),
        Component("revenue", revenue, norms[1], shares["revenue"], contributions[1], revenue_note),
        Component("fit", fit, norms[2], shares["fit"], contributions[2], fit_note),
        Component(
            "reach",
            reach_arr,
            norms[3],
            shares["reach"],
            contributions[3],
            f"{_plural(reach_count, 'account')} not asking share a segment; "
            f"ARR {_fmt_money(reach_arr)}; {prepared.reach_scale_note}",
        ),
    ]
    return BundleScore(
        bundle_id=bundle.bundle_id,
        # The score is the sum of the contributions so the breakdown adds up exactly.
        score=sum(contributions),
        customer_count=customer_count,
        user_count=len(users),
        revenue_at_risk=revenue,
        reach_accounts=reach_count,
        reach_arr=reach_arr,
        strategic_fit=fit,
        unscreened=fit is None,
        off_strategy=fit == 0,
        components=components,
        exposures=exposures,
    )


def rank_order(score: float, key: int) -> tuple[float, bool, int]:
    """Sort key for ranking: higher score first; ties put bundles (key > 0) before lone wishes
    (key < 0, a wish's id negated), each by lower id."""
    return (-score, key < 0, abs(key))


def rank_bundles(
    bundles: Iterable[BundleFacts],
    accounts: Mapping[int, AccountFacts],
    config: ScoringConfig | None = None,
    include_off_strategy: bool = False,
) -> list[RankedBundle]:
    """Rank bundles by score desc then id asc, rank 1 first; fit 0 left out unless asked.

    ``rank_bundles(bundles, accounts, config, include_off_strategy=False) -> list[RankedBundle]``.
    Validates the config and builds the reach index once for the whole set.
    """
    prepared = _prepare(config if config is not None else ScoringConfig.default())
    index = ReachIndex(accounts)
    results = [_score(b, accounts, prepared, index) for b in bundles]
    if not include_off_strategy:
        results = [r for r in results if not r.off_strategy]
    results.sort(key=lambda r: rank_order(r.score, r.bundle_id))
    return [RankedBundle(rank=n, result=r) for n, r in enumerate(results, start=1)]
