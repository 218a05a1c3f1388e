"""CSV imports of customer accounts and of their wishes: every row is checked, then all or none.

Shared by `flask import accounts|wishes FILE.csv` and the admin upload page.

Decisions (the issue left these open):

- Files are UTF-8, with or without a byte-order mark. Header names are matched ignoring case and
  surrounding spaces. A column the importer does not know is an error (a misspelt `extrnal_id`
  would otherwise drop data without a word); so is a column named twice. Blank lines are skipped.
  A row with more or fewer values than the header is an error. A header of more than 200 columns
  or 10,000 characters is refused before its names are read (no export of ours comes near).
- Line numbers are lines of the file (the header is line 1); a quoted value that spans lines is
  reported at the line where its row starts.
- Accounts: only `name` is required. ARR is a plain non-negative amount with at most two decimals;
  commas are accepted only as thousands separators in groups of three (`120,000.50`), so a
  European decimal comma (`120,5`) is rejected rather than misread. No currency symbols.
  `renewal_date` is ISO `YYYY-MM-DD`. `segments` is `key=value;key=value` (a trailing `;` and
  spaces around keys and values are fine; an empty key, a missing `=` or a repeated key is not).
- Accounts are matched by external id, else domain, else name (both case-insensitive). On an
  existing account an empty cell leaves the stored value as it is, so a file with only names and
  ARR does not wipe domains. A matched account whose values are all the same counts as unchanged.
- Wishes: only `title` and `account` are required; `account` is an email domain or a name. An
  email that is not yet a user creates a customer of that account without a password (staff
  send the invitation later from the admin user page); an email that belongs to a user of another
  account, or to staff, is an error. Without an email the wish has no author and the account
  gets one account-level vote (no user). `created_at` is an ISO date or date-time; without a
  zone it is UTC.
- A wish row that matches an existing wish (by external id, else same title and account, ignoring
  case) changes nothing and counts as unchanged: the wish may have been edited or triaged since.
  Two rows in one file with the same title and account and no external ids are an error (likely
  a repeated row); give them external ids if they really are two wishes. So a wishes import
  never reports `updated`.
- Each new wish gets: `created_by` = the importing member of staff, status 'new' with one
  StatusChange (None -> new, reason "Imported", by that staff member, at `created_at`), one vote
  of the row's importance (`added_by` = the staff member), and, when it has an author, a follow
  by the author (as when customers file wishes themselves). With `rebundle=True` the new wishes
  are matched after the commit by `matching.bundle_new_wishes`: one by one against the index
  when there are at most 1,000 of them (as on submission), else by one full re-bundling run.
- Everything is validated in Python against lookup tables loaded up front, then written with
  bulk INSERTs in one transaction and one commit, so a failure leaves the database untouched.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import IO, TypeVar

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, insert, select, update

from ..extensions import db
from ..models import (
    BODY_MAX,
    TITLE_MAX,
    Account,
    Follow,
    Importance,
    ProductArea,
    Role,
    StatusChange,
    User,
    Vote,
    Wish,
    WishStatus,
    new_session_token,
    utcnow,
)
from . import counters
from .errors import Forbidden, ServiceError
from .text import clean_text

ACCOUNT_COLUMNS = ("name", "domain", "arr", "tier", "renewal_date", "segments", "external_id")
ACCOUNT_REQUIRED = ("name",)
WISH_COLUMNS = (
    "title",
    "body",
    "account",
    "email",
    "importance",
    "product_area",
    "external_id",
    "created_at",
)
WISH_REQUIRED = ("title", "account")
KINDS = ("accounts", "wishes")

# A file has at most 8 known columns; these bounds only stop a broken file early (a header of
# 100,000 columns took 103 s to check name by name and made a 1 MB error message).
HEADER_COLUMNS_MAX = 200
HEADER_CHARS_MAX = 10_000
EXTERNAL_ID_MAX = 100
TIER_MAX = 40
ARR_MAX = Decimal("999999999999.99")  # Numeric(14, 2)
_ARR = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
T = TypeVar("T")


@dataclass(frozen=True)
class RowError:
    """Why one line of an import file cannot be imported."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows that made new records, changed records, or changed nothing."""

    created: int
    updated: int
    unchanged: int
    # The new wishes, whose duplicates are looked for afterwards (empty for accounts).
    wish_ids: tuple[int, ...] = field(default=(), compare=False)


class ImportFailed(ServiceError):
    """The file had bad rows, so nothing was imported; `errors` lists every one of them."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        count = len(self.errors)
        lines = "\n".join(f"  {error}" for error in self.errors)
        super().__init__(
            f"Nothing was imported: {count} problem{'s' if count != 1 else ''} in the file.\n"
            + lines
        )


class _RowProblem(Exception):
    """A bad value in the row being checked (collected, never shown on its own)."""


# --- Reading ---------------------------------------------------------------------------------


def _read_bytes(path_or_file: str | os.PathLike[str] | IO[bytes] | IO[str]) -> bytes | str:
    """Return the content of a path or an open (binary or text) file."""
    if isinstance(path_or_file, str | os.PathLike):
        try:
            with open(path_or_file, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise ServiceError(f"Cannot read {os.fspath(path_or_file)}: {exc.strerror}.") from None
    return path_or_file.read()


def _decode(data: bytes | str) -> str:
    """Decode UTF-8 (dropping a byte-order mark), naming the line of the first bad byte."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFailed(
            [RowError(line, "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.")]
        ) from None


def _rows(
    path_or_file: str | os.PathLike[str] | IO[bytes] | IO[str],
    columns: tuple[str, ...],
    required: tuple[str, ...],
    errors: list[RowError],
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line, row) for each data row, keyed by known column; header problems raise."""
    text = _decode(_read_bytes(path_or_file))
    if not text.strip():
        raise ImportFailed([RowError(1, "The file is empty; the first line must be the header.")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = _header(reader, text)
    problems = []
    # One pass over the names: counted once, then looked up, never compared pairwise.
    counts = Counter(header)
    missing = [name for name in required if name not in counts]
    if missing:
        problems.append(
            f"required column{'s' if len(missing) > 1 else ''} missing: " + ", ".join(missing)
        )
    known = set(columns)
    unknown = [name for name in counts if name not in known]
    if unknown:
        problems.append(
            "unknown column"
            + ("s" if len(unknown) > 1 else "")
            + ": "
            + ", ".join(repr(name) for name in unknown)
        )
    repeated = sorted(name for name, times in counts.items() if times > 1)
    if repeated:
        problems.append("column named more than once: " + ", ".join(repeated))
    if problems:
        raise ImportFailed(
            [
                RowError(
                    1,
                    "The header is not right ("
                    + "; ".join(problems)
                    + "). Expected columns: "
                    + ", ".join(columns)
                    + f" (required: {', '.join(required)}).",
                )
            ]
        )
    last = reader.line_num
    while True:
        start = last + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append(RowError(start, f"This row cannot be read as CSV: {exc}."))
            return
        last = reader.line_num
        if not values or (len(values) == 1 and not values[0].strip()):
            continue
        if len(values) != len(header):
            errors.append(
                RowError(
                    start,
                    f"This row has {len(values)} values but the header has {len(header)} columns.",
                )
            )
            continue
        yield start, dict(zip(header, values, strict=True))


def _header(reader: Iterator[list[str]], text: str) -> list[str]:
    """Read the header row (names stripped and lower-cased), refusing one too wide or too long."""
    try:
        names = next(reader)
    except csv.Error as exc:
        # The csv module refuses an overlong cell before it can be measured; measure the line.
        end = text.find("\n")
        length = len(text) if end < 0 else end
        if length > HEADER_CHARS_MAX:
            raise _header_too_long(length) from None
        raise ImportFailed([RowError(1, f"The header cannot be read: {exc}.")]) from None
    if len(names) > HEADER_COLUMNS_MAX:
        raise ImportFailed(
            [
                RowError(
                    1,
                    f"The header has {len(names):,} columns; "
                    f"at most {HEADER_COLUMNS_MAX:,} are allowed.",
                )
            ]
        )
    length = sum(map(len, names)) + len(names) - 1
    if length > HEADER_CHARS_MAX:
        raise _header_too_long(length)
    return [name.strip().lower() for name in names]


def _header_too_long(length: int) -> ImportFailed:
    """The failure of a header longer than any real one."""
    return ImportFailed(
        [
            RowError(
                1,
                f"The header is {length:,} characters long; "
                f"at most {HEADER_CHARS_MAX:,} are allowed.",
            )
        ]
    )


# --- Parsing values --------------------------------------------------------------------------


def _clean(value: str) -> str:
    """clean_text, with a shortcut for plain printable ASCII (most cells; far faster)."""
    if value.isascii() and value.isprintable():
        return value.strip()
    return clean_text(value)


def _text(
    row: dict[str, str], column: str, label: str, max_length: int, min_length: int = 0
) -> str:
    """Return a cleaned cell, or raise a problem naming the column."""
    value = _clean(row.get(column, ""))
    if len(value) < min_length:
        if min_length == 1:
            raise _RowProblem(f"{label} cannot be empty.")
        raise _RowProblem(f"{label} must be at least {min_length} characters.")
    if len(value) > max_length:
        raise _RowProblem(f"{label} must be at most {max_length} characters (it has {len(value)}).")
    return value


def parse_arr(value: str) -> Decimal:
    """Read an ARR amount: digits, optional thousands commas, at most two decimals."""
    value = value.strip()
    if value.startswith("-"):
        raise _RowProblem(f"ARR cannot be negative ('{value}').")
    if not _ARR.fullmatch(value):
        raise _RowProblem(
            f"ARR '{value}' is not an amount (use digits like 120000 or 120,000.50, no currency)."
        )
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        raise _RowProblem(f"ARR '{value}' is not an amount.") from None
    if amount > ARR_MAX:
        raise _RowProblem(f"ARR '{value}' is too large.")
    return amount


def parse_date(value: str, label: str) -> date:
    """Read an ISO date (YYYY-MM-DD)."""
    value = value.strip()
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise _RowProblem(f"{label} '{value}' is not a date like 2025-03-31.") from None


def parse_timestamp(value: str, label: str) -> datetime:
    """Read an ISO date or date-time; without a zone it is UTC."""
    value = value.strip()
    if _ISO_DATE.fullmatch(value):
        return datetime.combine(parse_date(value, label), time(), tzinfo=UTC)
    try:
        if not _ISO_DATE.match(value):
            raise ValueError
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _RowProblem(
            f"{label} '{value}' is not a date or date-time like 2025-03-31 or 2025-03-31T14:05:00Z."
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_segments(value: str) -> dict[str, str]:
    """Read `key=value;key=value` into a dict (an empty cell is no segments)."""
    segments: dict[str, str] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        key, sep, item = part.partition("=")
        key, item = key.strip(), item.strip()
        if not sep or not key:
            raise _RowProblem(
                f"Segments '{value.strip()}' must look like key=value;key=value "
                f"(problem at '{part.strip()}')."
            )
        if key in segments:
            raise _RowProblem(f"Segment '{key}' is given twice.")
        if len(key) > 80 or len(item) > 200:
            raise _RowProblem(f"Segment '{key}' is too long.")
        segments[key] = item
    return segments


def parse_domain(value: str) -> str | None:
    """Read an email domain, lower-cased, without a leading @."""
    domain = _clean(value).lower().lstrip("@")
    if not domain:
        return None
    if len(domain) > 255 or "." not in domain or " " in domain or "@" in domain:
        raise _RowProblem(f"'{domain}' is not an email domain (like example.com).")
    return domain


# --- Accounts --------------------------------------------------------------------------------


@dataclass
class _AccountRow:
    """A checked accounts row: the values it gives (None: cell empty) and its line."""

    line: int
    name: str
    domain: str | None
    arr: Decimal | None
    tier: str | None
    renewal_date: date | None
    segments: dict[str, str] | None
    external_id: str | None


def _check_account_row(line: int, row: dict[str, str]) -> _AccountRow:
    """Parse every cell of an accounts row, raising the first problem."""
    name = _text(row, "name", "Name", 200, min_length=1)
    external_id = _text(row, "external_id", "External id", EXTERNAL_ID_MAX) or None
    domain = parse_domain(row.get("domain", ""))
    arr = parse_arr(row["arr"]) if row.get("arr", "").strip() else None
    tier = _text(row, "tier", "Tier", TIER_MAX) or None
    renewal = row.get("renewal_date", "").strip()
    renewal_date = parse_date(renewal, "Renewal date") if renewal else None
    seg = row.get("segments", "").strip()
    segments = parse_segments(seg) if seg else None
    return _AccountRow(line, name, domain, arr, tier, renewal_date, segments, external_id)


def import_accounts(
    path_or_file: str | os.PathLike[str] | IO[bytes] | IO[str], acting_user: User | None = None
) -> ImportResult:
    """Create or update accounts from a CSV file; any bad row means nothing is imported.

    Rows match an existing account by external id, else domain, else name (case-insensitive);
    see the module docstring for the file format and the other rules.
    """
    if acting_user is not None and not acting_user.is_admin:
        raise Forbidden("Only admins can import accounts.")
    errors: list[RowError] = []
    checked: list[_AccountRow] = []
    for line, row in _rows(path_or_file, ACCOUNT_COLUMNS, ACCOUNT_REQUIRED, errors):
        try:
            checked.append(_check_account_row(line, row))
        except _RowProblem as exc:
            errors.append(RowError(line, str(exc)))

    existing = {
        a.id: a
        for a in db.session.execute(
            select(
                Account.id,
                Account.name,
                Account.email_domain,
                Account.arr,
                Account.tier,
                Account.renewal_date,
                Account.segments,
                Account.external_id,
            )
        )
    }
    by_external = {a.external_id: a.id for a in existing.values() if a.external_id}
    by_domain = {a.email_domain.lower(): a.id for a in existing.values() if a.email_domain}
    by_name = {a.name.lower(): a.id for a in existing.values()}

    # Keys seen in this file, so a second row for the same account is reported, not merged.
    seen_external: dict[str, int] = {}
    seen_domain: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    seen_target: dict[int, int] = {}
    plans: list[tuple[_AccountRow, int | None]] = []
    for item in checked:
        problems = []
        for key, seen, label in (
            (item.external_id, seen_external, "external id"),
            (item.domain, seen_domain, "domain"),
            (item.name.lower(), seen_name, "name"),
        ):
            if key is None:
                continue
            if key in seen:
                problems.append(f"The {label} '{key}' is also on line {seen[key]}.")
            else:
                seen[key] = item.line
        target = None
        if item.external_id and item.external_id in by_external:
            target = by_external[item.external_id]
        elif item.domain and item.domain in by_domain:
            target = by_domain[item.domain]
        elif item.name.lower() in by_name:
            target = by_name[item.name.lower()]
        if target is not None:
            if target in seen_target and not problems:
                problems.append(
                    f"This row and line {seen_target[target]} both match the account "
                    f"'{existing[target].name}'."
                )
            seen_target.setdefault(target, item.line)
        if problems:
            errors.extend(RowError(item.line, p) for p in problems)
        else:
            plans.append((item, target))

    # What every account will look like afterwards, to catch clashes with accounts not in the file.
    final_domain = {a.email_domain.lower(): a.id for a in existing.values() if a.email_domain}
    final_name = {a.name.lower(): a.id for a in existing.values()}
    final_external = dict(by_external)
    for item, target in plans:
        if target is None:
            continue
        old = existing[target]
        if item.domain and old.email_domain and old.email_domain.lower() != item.domain:
            final_domain.pop(old.email_domain.lower(), None)
        if old.name.lower() != item.name.lower():
            final_name.pop(old.name.lower(), None)
        if item.external_id and old.external_id and old.external_id != item.external_id:
            final_external.pop(old.external_id, None)
    for item, target in plans:
        for key, final, label in (
            (item.domain, final_domain, "domain"),
            (item.name.lower(), final_name, "name"),
            (item.external_id, final_external, "external id"),
        ):
            if key is None:
                continue
            owner = final.get(key)
            if owner is not None and owner != target:
                errors.append(
                    RowError(
                        item.line,
                        f"The {label} '{key}' already belongs to the account "
                        f"'{existing[owner].name}'.",
                    )
                )

    if errors:
        raise ImportFailed(errors)

    now = utcnow()
    new_rows: list[dict[str, object]] = []
    changed_rows: list[dict[str, object]] = []
    unchanged = 0
    for item, target in plans:
        if target is None:
            new_rows.append(
                {
                    "name": item.name,
                    "email_domain": item.domain,
                    "arr": item.arr if item.arr is not None else Decimal("0"),
                    "tier": item.tier or "",
                    "renewal_date": item.renewal_date,
                    "segments": item.segments or {},
                    "external_id": item.external_id,
                    "created_at": now,
                }
            )
            continue
        old = existing[target]
        new = {
            "name": item.name,
            "email_domain": item.domain or old.email_domain,
            "arr": item.arr if item.arr is not None else old.arr,
            "tier": item.tier if item.tier is not None else old.tier,
            "renewal_date": item.renewal_date or old.renewal_date,
            "segments": item.segments if item.segments is not None else old.segments,
            "external_id": item.external_id or old.external_id,
        }
        before = {
            "name": old.name,
            "email_domain": old.email_domain,
            "arr": old.arr,
            "tier": old.tier,
            "renewal_date": old.renewal_date,
            "segments": old.segments,
            "external_id": old.external_id,
        }
        if new == before:
            unchanged += 1
        else:
            changed_rows.append({"id": target, **new})
    try:
        if new_rows:
            db.session.execute(insert(Account.__table__), new_rows)
        if changed_rows:
            db.session.execute(update(Account), changed_rows)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ImportResult(created=len(new_rows), updated=len(changed_rows), unchanged=unchanged)


# --- Wishes ----------------------------------------------------------------------------------


@dataclass
class _WishRow:
    """A checked wishes row, with the ids it refers to."""

    line: int
    title: str
    body: str
    account_id: int
    email: str | None
    importance: Importance
    product_area_id: int | None
    external_id: str | None
    created_at: datetime | None


def _collect(problems: list[str], check: Callable[..., T], *args: object) -> T | None:
    """Run one cell's check, noting its problem instead of raising, so a row reports all."""
    try:
        return check(*args)
    except _RowProblem as exc:
        problems.append(str(exc))
        return None


def _email(value: str) -> str:
    """Return a lower-cased, syntax-checked address."""
    try:
        info = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise _RowProblem(f"The email '{value}' is not valid: {exc}") from None
    return info.normalized.lower()


def import_wishes(
    path_or_file: str | os.PathLike[str] | IO[bytes] | IO[str],
    acting_user: User,
    rebundle: bool = True,
) -> ImportResult:
    """Create wishes (each with one vote from its account) from a CSV; all rows or none.

    `acting_user` is the member of staff recorded as having entered the wishes and moved them
    to 'new'. With `rebundle`, the new wishes' duplicates are found after a successful import
    (`matching.bundle_new_wishes`), so they get bundle suggestions. See the module docstring
    for the file format and the other rules.
    """
    if acting_user is None or not acting_user.is_staff:
        raise Forbidden("Only staff can import wishes.")
    errors: list[RowError] = []
    rows = list(_rows(path_or_file, WISH_COLUMNS, WISH_REQUIRED, errors))

    accounts: dict[str, int] = {}
    account_names: dict[int, str] = {}
    for account_id, name in db.session.execute(select(Account.id, Account.name)):
        account_names[account_id] = name
        accounts[name.lower()] = account_id
    # A domain wins over another account's identical name (domains are what people type).
    for account_id, domain in db.session.execute(
        select(Account.id, Account.email_domain).where(Account.email_domain.is_not(None))
    ):
        accounts[domain.lower()] = account_id
    users = {
        email.lower(): (user_id, role, account_id)
        for user_id, email, role, account_id in db.session.execute(
            select(User.id, User.email, User.role, User.account_id)
        )
    }
    areas = {
        name.lower(): (area_id, archived)
        for area_id, name, archived in db.session.execute(
            select(ProductArea.id, ProductArea.name, ProductArea.archived)
        )
    }
    wish_by_external = {
        external_id: wish_id
        for external_id, wish_id in db.session.execute(
            select(Wish.external_id, Wish.id).where(Wish.external_id.is_not(None))
        )
    }
    wish_by_title = {
        (title.lower(), account_id): wish_id
        for wish_id, title, account_id in db.session.execute(
            select(Wish.id, Wish.title, Wish.account_id).where(Wish.account_id.is_not(None))
        )
    }

    checked: list[_WishRow] = []
    emails_checked: dict[str, str] = {}
    new_users: dict[str, int] = {}  # email -> account id of the customer to create
    seen_external: dict[str, int] = {}
    seen_title: dict[tuple[str, int], int] = {}
    for line, row in rows:
        problems: list[str] = []
        title = _collect(problems, _text, row, "title", "Title", TITLE_MAX, 3)
        body = _collect(problems, _text, row, "body", "Description", BODY_MAX)
        account_key = _clean(row.get("account", "")).lower().lstrip("@")
        account_id = accounts.get(account_key)
        if not account_key:
            problems.append("Account cannot be empty.")
        elif account_id is None:
            problems.append(f"No account with the domain or name '{account_key}'.")
        importance_text = row.get("importance", "").strip().lower() or Importance.IMPORTANT.value
        try:
            importance = Importance(importance_text)
        except ValueError:
            importance = Importance.IMPORTANT
            problems.append(
                f"Importance '{importance_text}' must be one of: "
                + ", ".join(i.value for i in Importance)
                + "."
            )
        area_id = None
        area_key = _clean(row.get("product_area", "")).lower()
        if area_key:
            found = areas.get(area_key)
            if found is None:
                problems.append(f"No product area called '{row['product_area'].strip()}'.")
            elif found[1]:
                problems.append(f"The product area '{row['product_area'].strip()}' is archived.")
            else:
                area_id = found[0]
        external_id = (
            _collect(problems, _text, row, "external_id", "External id", EXTERNAL_ID_MAX) or None
        )
        if external_id is not None:
            if external_id in seen_external:
                problems.append(
                    f"The external id '{external_id}' is also on line {seen_external[external_id]}."
                )
            else:
                seen_external[external_id] = line
        created = row.get("created_at", "").strip()
        created_at = _collect(problems, parse_timestamp, created, "Created at") if created else None
        email = None
        raw_email = row.get("email", "").strip()
        if raw_email:
            if raw_email not in emails_checked:
                emails_checked[raw_email] = _collect([], _email, raw_email) or ""
            email = emails_checked[raw_email] or None
            if email is None:
                problems.append(f"The email '{raw_email}' is not a valid address.")
        if email and account_id is not None:
            user = users.get(email)
            if user is not None and user[1] != Role.CUSTOMER:
                problems.append(f"{email} is a member of staff, not a customer.")
            elif user is not None and user[2] != account_id:
                problems.append(f"{email} is not a user of {account_names[account_id]}.")
            elif user is None:
                other = new_users.setdefault(email, account_id)
                if other != account_id:
                    problems.append(
                        f"{email} is given for two accounts "
                        f"({account_names[other]} and {account_names[account_id]})."
                    )
        if title and account_id is not None and external_id is None:
            key = (title.lower(), account_id)
            if key in seen_title:
                problems.append(
                    f"Line {seen_title[key]} has the same title and account; "
                    "give both rows external ids if they are different wishes."
                )
            else:
                seen_title[key] = line
        if problems:
            errors.extend(RowError(line, p) for p in problems)
            continue
        checked.append(
            _WishRow(
                line,
                title,
                body,
                account_id,
                email,
                importance,
                area_id,
                external_id,
                created_at,
            )
        )
    if errors:
        raise ImportFailed(errors)

    to_create = []
    unchanged = 0
    for item in checked:
        if item.external_id is not None and item.external_id in wish_by_external:
            unchanged += 1
        elif (item.title.lower(), item.account_id) in wish_by_title:
            unchanged += 1
        else:
            to_create.append(item)

    try:
        wish_ids = _insert_wishes(to_create, new_users, users, acting_user)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if rebundle and wish_ids:
        from . import matching

        matching.bundle_new_wishes(wish_ids)
    return ImportResult(len(to_create), 0, unchanged, tuple(wish_ids))


# Core INSERTs on the tables (not the ORM's bulk insert): the ORM leaves None values out of a
# row's parameters, which splits one executemany into thousands of small ones when the
# optional columns are sometimes empty.


def _insert_wishes(
    items: list[_WishRow],
    new_users: dict[str, int],
    users: dict[str, tuple[int, Role, int | None]],
    acting_user: User,
) -> list[int]:
    """Bulk-insert the customers to invite, then the wishes with their votes and history;
    returns the new wishes' ids."""
    if not items:
        return []
    now = utcnow()
    wanted = {item.email for item in items if item.email and item.email not in users}
    if wanted:
        result = db.session.execute(
            insert(User.__table__).returning(User.__table__.c.id, User.__table__.c.email),
            [
                {
                    "email": email,
                    "name": email.split("@")[0],
                    "role": Role.CUSTOMER,
                    "account_id": new_users[email],
                    "password_hash": None,
                    "session_token": new_session_token(),
                    "active": True,
                    "created_at": now,
                }
                for email in sorted(wanted)
            ],
        )
        users = dict(users)
        for user_id, email in result:
            users[email] = (user_id, Role.CUSTOMER, new_users[email])
    staff_id = acting_user.id
    wish_rows = [
        {
            "title": item.title,
            "body": item.body,
            "product_area_id": item.product_area_id,
            "author_id": users[item.email][0] if item.email else None,
            "account_id": item.account_id,
            "created_by_id": staff_id,
            "external_id": item.external_id,
            "status": WishStatus.NEW,
            "status_reason": "",
            "created_at": item.created_at or now,
            "updated_at": item.created_at or now,
        }
        for item in items
    ]
    # Bulk RETURNING in parameter order runs one INSERT per row on SQLite (minutes for 100,000),
    # so insert in one executemany and read the new ids back by each row's unique key: its
    # external id, else its title and account (the import refuses files where those repeat).
    last_id = db.session.scalar(select(func.max(Wish.id))) or 0
    db.session.execute(insert(Wish.__table__), wish_rows)
    by_external: dict[str, int] = {}
    by_title: dict[tuple[str, int | None], int] = {}
    for wish_id, external_id, title, account_id in db.session.execute(
        select(Wish.id, Wish.external_id, Wish.title, Wish.account_id).where(
            Wish.id > last_id, Wish.created_by_id == staff_id
        )
    ):
        if external_id is not None:
            by_external[external_id] = wish_id
        else:
            by_title[(title.lower(), account_id)] = wish_id
    wish_ids = [
        by_external[item.external_id]
        if item.external_id is not None
        else by_title[(item.title.lower(), item.account_id)]
        for item in items
    ]
    votes, follows, history = [], [], []
    for item, wish_id in zip(items, wish_ids, strict=True):
        when = item.created_at or now
        user_id = users[item.email][0] if item.email else None
        votes.append(
            {
                "user_id": user_id,
                "account_id": item.account_id,
                "wish_id": wish_id,
                "importance": item.importance,
                "added_by_id": staff_id,
                "created_at": when,
                "updated_at": when,
            }
        )
        if user_id is not None:
            # Authors follow their wishes, as when they file one themselves.
            follows.append({"user_id": user_id, "wish_id": wish_id, "created_at": when})
        history.append(
            {
                "wish_id": wish_id,
                "from_status": None,
                "to_status": WishStatus.NEW,
                "reason": "Imported",
                "changed_by_id": staff_id,
                "created_at": when,
            }
        )
    db.session.execute(insert(Vote.__table__), votes)
    if follows:
        db.session.execute(insert(Follow.__table__), follows)
    db.session.execute(insert(StatusChange.__table__), history)
    counters.recount(v["wish_id"] for v in votes)
    return wish_ids


def run_import(
    kind: str,
    path_or_file: str | os.PathLike[str] | IO[bytes] | IO[str],
    acting_user: User | None,
    rebundle: bool = True,
) -> ImportResult:
    """Import accounts or wishes, by the kind's name (for the command and the upload page)."""
    if kind == "accounts":
        return import_accounts(path_or_file, acting_user)
    if kind == "wishes":
        if acting_user is None:
            raise ServiceError("Importing wishes needs a member of staff to record them under.")
        return import_wishes(path_or_file, acting_user, rebundle=rebundle)
    raise ServiceError(f"Unknown import '{kind}'. Use one of: {', '.join(KINDS)}.")


def default_importer() -> User | None:
    """The first active admin, who is recorded as entering wishes imported from the command line."""
    return db.session.scalar(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
    )


def find_staff(email: str) -> User:
    """The active member of staff with this email, or a clear error."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.is_staff or not user.active:
        raise ServiceError(f"{email} is not an active member of staff.")
    return user


__all__ = [
    "ImportFailed",
    "ImportResult",
    "RowError",
    "default_importer",
    "find_staff",
    "import_accounts",
    "import_wishes",
    "run_import",
]
