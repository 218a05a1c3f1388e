"""CSV imports of accounts and wishes: the command, the admin upload page, all rows or none."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from wishlist.extensions import db as _db
from wishlist.models import (
    Account,
    Follow,
    Importance,
    Role,
    StatusChange,
    User,
    Vote,
    Wish,
    WishStatus,
)
from wishlist.services import Forbidden
from wishlist.services import imports as import_service
from wishlist.services.imports import ImportFailed, ImportResult, import_accounts, import_wishes

from . import factories

ACCOUNTS_HEADER = "name,domain,arr,tier,renewal_date,segments,external_id\n"
WISHES_HEADER = "title,body,account,email,importance,product_area,external_id,created_at\n"


def write(tmp_path: Path, text: str | bytes, name: str = "in.csv") -> Path:
    """Write a CSV file for the importer to read."""
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def count(model: type) -> int:
    """How many rows of a model are stored, as another request would see them."""
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(model)) or 0


def account_named(name: str) -> Account | None:
    """The stored account with this name."""
    _db.session.rollback()
    _db.session.expire_all()
    return _db.session.scalar(select(Account).where(Account.name == name))


def everything() -> dict[str, int]:
    """Row counts of what an import may add."""
    return {m.__name__: count(m) for m in (Account, User, Wish, Vote, StatusChange, Follow)}


# --- Accounts --------------------------------------------------------------------------------


def test_accounts_are_created_with_their_values(app, tmp_path):
    path = write(
        tmp_path,
        ACCOUNTS_HEADER
        + 'Initech,initech.test,"120,000.50",enterprise,2026-03-31,'
        + "platform=salesforce;region=emea,CRM-1\n"
        + "Hooli,,900,,,,\n",
    )
    assert import_accounts(path) == ImportResult(created=2, updated=0, unchanged=0)
    initech = account_named("Initech")
    assert initech.arr == Decimal("120000.50")
    assert isinstance(initech.arr, Decimal)
    assert initech.email_domain == "initech.test"
    assert initech.tier == "enterprise"
    assert initech.renewal_date == date(2026, 3, 31)
    assert initech.segments == {"platform": "salesforce", "region": "emea"}
    assert initech.external_id == "CRM-1"
    hooli = account_named("Hooli")
    assert hooli.arr == Decimal("900") and hooli.segments == {} and hooli.email_domain is None


def test_accounts_upsert_by_external_id_then_domain_then_name(app, people, tmp_path):
    crm = factories.make_account("Old CRM name", "oldcrm.test")
    crm.external_id = "CRM-7"
    _db.session.commit()
    path = write(
        tmp_path,
        ACCOUNTS_HEADER
        # External id wins even though name and domain changed.
        + "New CRM name,newcrm.test,5000,,,,CRM-7\n"
        # Domain matches Acme Corp; the name changes.
        + "Acme Corporation,ACME.test,250000,gold,,,\n"
        # Name matches Globex, ignoring case.
        + "GLOBEX,,75000,,,,\n",
    )
    result = import_accounts(path)
    assert result == ImportResult(created=0, updated=3, unchanged=0)
    assert count(Account) == 3
    renamed = account_named("New CRM name")
    assert renamed.id == crm.id and renamed.email_domain == "newcrm.test"
    assert renamed.arr == Decimal("5000")
    acme = account_named("Acme Corporation")
    assert acme.id == people["acme"].id and acme.tier == "gold"
    assert acme.email_domain == "acme.test"
    globex = account_named("GLOBEX")
    assert globex.id == people["globex"].id and globex.arr == Decimal("75000")
    # Empty cells left the stored domain alone.
    assert globex.email_domain == "globex.test"


def test_reimporting_accounts_changes_nothing(app, tmp_path):
    path = write(
        tmp_path,
        ACCOUNTS_HEADER + "Initech,initech.test,120000,gold,2026-03-31,a=b,CRM-1\n",
    )
    assert import_accounts(path).created == 1
    assert import_accounts(path) == ImportResult(created=0, updated=0, unchanged=1)
    assert count(Account) == 1


def test_bad_account_rows_are_all_reported_and_nothing_is_imported(app, people, tmp_path):
    path = write(
        tmp_path,
        ACCOUNTS_HEADER
        + "Good one,good.test,100,,,,\n"  # line 2: fine, but must not be imported
        + "Bad arr,,lots,,,,\n"  # 3
        + "Negative,,-5,,,,\n"  # 4
        + "Bad date,,,,31/03/2026,,\n"  # 5
        + "Bad segments,,,,,platform,\n"  # 6
        + ",nameless.test,,,,,\n"  # 7
        + "Good one,,,,,,\n"  # 8: same name as line 2
        + "Twin,twin.test,,,,,X1\n"  # 9
        + "Twin two,TWIN.test,,,,,X1\n"  # 10: same domain and external id as line 9
        + 'Euro,,"120,5",,,,\n',  # 11: decimal comma is ambiguous
    )
    before = everything()
    with pytest.raises(ImportFailed) as failed:
        import_accounts(path)
    assert everything() == before
    assert account_named("Good one") is None
    lines = {error.line for error in failed.value.errors}
    assert lines == {3, 4, 5, 6, 7, 8, 10, 11}
    messages = {error.line: error.message for error in failed.value.errors}
    assert "ARR 'lots'" in messages[3]
    assert "negative" in messages[4]
    assert "31/03/2026" in messages[5]
    assert "key=value" in messages[6]
    assert "Name cannot be empty" in messages[7]
    assert "line 2" in messages[8]
    assert "line 9" in messages[10]
    assert "line 3: ARR 'lots'" in str(failed.value)


def test_account_taking_another_accounts_domain_is_an_error(app, people, tmp_path):
    people["globex"].external_id = "G-1"
    _db.session.commit()
    path = write(tmp_path, ACCOUNTS_HEADER + "Globex,acme.test,,,,,G-1\n")
    with pytest.raises(ImportFailed) as failed:
        import_accounts(path)
    assert "acme.test" in str(failed.value) and "Acme Corp" in str(failed.value)
    assert account_named("Globex").email_domain == "globex.test"


@pytest.mark.parametrize("arr", ["120000", "120,000", "120000.50", "1,234,567.5", " 42 "])
def test_arr_formats_accepted(app, tmp_path, arr):
    path = write(tmp_path, ACCOUNTS_HEADER + f'Initech,,"{arr}",,,,\n')
    import_accounts(path)
    assert account_named("Initech").arr == Decimal(arr.strip().replace(",", ""))


@pytest.mark.parametrize("arr", ["$100", "12,00", "1.234", "1e6", "12.345", "--1", "NaN"])
def test_arr_formats_rejected(app, tmp_path, arr):
    path = write(tmp_path, ACCOUNTS_HEADER + f'Initech,,"{arr}",,,,\n')
    with pytest.raises(ImportFailed) as failed:
        import_accounts(path)
    assert failed.value.errors[0].line == 2
    assert count(Account) == 0


# --- File problems ---------------------------------------------------------------------------


def test_byte_order_mark_is_accepted(app, tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + (ACCOUNTS_HEADER + "Caf\xe9 GmbH,,,,,,\n").encode())
    assert import_accounts(path).created == 1
    assert account_named("Caf\xe9 GmbH") is not None


def test_undecodable_file_names_the_line(app, tmp_path):
    path = write(tmp_path, (ACCOUNTS_HEADER + "Fine,,,,,,\n").encode() + b"Caf\xe9,,,,,,\n")
    with pytest.raises(ImportFailed) as failed:
        import_accounts(path)
    assert failed.value.errors[0].line == 3
    assert "UTF-8" in failed.value.errors[0].message
    assert count(Account) == 0


def test_empty_file_is_an_error(app, tmp_path):
    with pytest.raises(ImportFailed, match="empty"):
        import_accounts(write(tmp_path, ""))


def test_missing_required_column_is_an_error(app, tmp_path):
    with pytest.raises(ImportFailed) as failed:
        import_accounts(write(tmp_path, "domain,arr\nacme.test,5\n"))
    assert failed.value.errors[0].line == 1
    assert "missing: name" in failed.value.errors[0].message


def test_unknown_column_is_an_error(app, tmp_path):
    with pytest.raises(ImportFailed, match="extrnal_id"):
        import_accounts(write(tmp_path, "name,extrnal_id\nAcme,1\n"))


def test_column_named_twice_is_an_error(app, tmp_path):
    with pytest.raises(ImportFailed) as failed:
        import_accounts(write(tmp_path, "name,Domain,domain , NAME\nAcme,a.test,a.test,Acme\n"))
    assert "column named more than once: domain, name" in failed.value.errors[0].message
    assert count(Account) == 0


def test_each_unknown_column_is_named_once(app, tmp_path):
    # 200 columns is the most a header may have; a header that wide is still read name by name.
    header = ["name"] + ["colour"] * 100 + [f"extra{n}" for n in range(99)]
    path = write(tmp_path, ",".join(header) + "\n" + "Acme" + "," * 199 + "\n")
    with pytest.raises(ImportFailed) as failed:
        import_accounts(path)
    message = failed.value.errors[0].message
    assert message.count("'colour'") == 1 and "'extra98'" in message
    assert "column named more than once: colour" in message
    assert count(Account) == 0


def wide_header(columns: int) -> str:
    """A header of `columns` columns (name first), and one row, as a broken export writes."""
    names = ["name"] + [f"c{n}" for n in range(1, columns)]
    return ",".join(names) + "\n" + "Acme" + "," * (columns - 1) + "\n"


def test_a_header_of_100000_columns_is_refused_before_its_names_are_read(app, people, tmp_path):
    before = everything()
    with pytest.raises(ImportFailed) as failed:
        import_accounts(write(tmp_path, wide_header(100_000)))
    assert [(e.line, e.message) for e in failed.value.errors] == [
        (1, "The header has 100,000 columns; at most 200 are allowed.")
    ]
    assert everything() == before


def test_a_header_of_several_megabytes_is_refused(app, people, tmp_path):
    before = everything()
    with pytest.raises(ImportFailed) as failed:
        import_wishes(write(tmp_path, "title," + "x" * 5_000_000 + "\nA,B\n"), people["admin"])
    assert [(e.line, e.message) for e in failed.value.errors] == [
        (1, "The header is 5,000,006 characters long; at most 10,000 are allowed.")
    ]
    assert everything() == before


def test_a_header_cell_over_the_csv_modules_limit_is_named_as_too_long(app, tmp_path):
    # The limit is process-wide; the dedupe package raises it when it is imported.
    previous = csv.field_size_limit(131_072)
    try:
        with pytest.raises(ImportFailed) as failed:
            import_accounts(write(tmp_path, "name,x" + "x" * 200_000 + "\nAcme,\n"))
    finally:
        csv.field_size_limit(previous)
    assert failed.value.errors[0].message == (
        "The header is 200,006 characters long; at most 10,000 are allowed."
    )


def test_multiline_value_reports_the_line_its_row_starts(app, people, tmp_path):
    text = WISHES_HEADER + 'First,"two\nlines",acme.test,,,,,\nSecond,,nowhere.test,,,,,\n'
    with pytest.raises(ImportFailed) as failed:
        import_wishes(write(tmp_path, text), people["admin"], rebundle=False)
    assert [e.line for e in failed.value.errors] == [4]


# --- Wishes ----------------------------------------------------------------------------------


def test_wishes_are_imported_with_account_votes(app, people, tmp_path):
    path = write(
        tmp_path,
        WISHES_HEADER
        + "Export to Excel,Monthly reports,acme.test,carol@acme.test,critical,reporting,W-1,"
        + "2025-01-15\n"
        + "Single sign-on,,GLOBEX,,,,W-2,2025-02-01T10:30:00+01:00\n",
    )
    result = import_wishes(path, people["admin"], rebundle=False)
    assert result == ImportResult(created=2, updated=0, unchanged=0)

    excel = _db.session.scalar(select(Wish).where(Wish.external_id == "W-1"))
    assert excel.author_id == people["customer"].id
    assert excel.account_id == people["acme"].id
    assert excel.product_area_id == people["area"].id
    assert excel.created_by_id == people["admin"].id
    assert excel.status == WishStatus.NEW
    assert excel.created_at == datetime(2025, 1, 15, tzinfo=UTC)
    [vote] = excel.votes
    assert vote.user_id == people["customer"].id and vote.account_id == people["acme"].id
    assert vote.importance == Importance.CRITICAL
    [history] = excel.status_changes
    assert history.from_status is None and history.to_status == WishStatus.NEW
    assert history.changed_by_id == people["admin"].id

    sso = _db.session.scalar(select(Wish).where(Wish.external_id == "W-2"))
    assert sso.author_id is None and sso.account_id == people["globex"].id
    assert sso.author_label(people["admin"]) == "added by Ada Admin for Globex"
    assert sso.created_at == datetime(2025, 2, 1, 9, 30, tzinfo=UTC)
    [account_vote] = sso.votes
    assert account_vote.user_id is None
    assert account_vote.account_id == people["globex"].id
    assert account_vote.importance == Importance.IMPORTANT


def test_unknown_email_becomes_an_invited_customer(app, people, tmp_path):
    path = write(
        tmp_path,
        WISHES_HEADER
        + "Dark mode,,Acme Corp,New.Person@acme.test,nice,,,\n"
        + "Bulk edit,,acme.test,new.person@acme.test,,,,\n",
    )
    import_wishes(path, people["csm"], rebundle=False)
    newcomer = _db.session.scalar(select(User).where(User.email == "new.person@acme.test"))
    assert newcomer.role == Role.CUSTOMER and newcomer.account_id == people["acme"].id
    assert newcomer.password_hash is None  # invited later
    assert {w.author_id for w in _db.session.scalars(select(Wish))} == {newcomer.id}
    assert count(User) == 6


def test_reimporting_wishes_creates_nothing(app, people, tmp_path):
    path = write(
        tmp_path,
        WISHES_HEADER + "Export to Excel,,acme.test,,,,W-1,\nSingle sign-on,,globex.test,,,,,\n",
    )
    import_wishes(path, people["admin"], rebundle=False)
    before = everything()
    result = import_wishes(path, people["admin"], rebundle=False)
    assert result == ImportResult(created=0, updated=0, unchanged=2)
    assert everything() == before


def test_existing_wish_with_same_title_and_account_is_not_duplicated(app, people, tmp_path):
    factories.make_wish(people["customer"], "Export to Excel")
    path = write(tmp_path, WISHES_HEADER + "export to excel,,Acme Corp,,,,,\n")
    assert import_wishes(path, people["admin"], rebundle=False).unchanged == 1
    assert count(Wish) == 1


def test_bad_wish_rows_are_all_reported_and_nothing_is_imported(app, people, tmp_path):
    path = write(
        tmp_path,
        WISHES_HEADER
        + "Fine wish,,acme.test,,,,W-1,\n"  # 2
        + "Orphan,,nowhere.test,,,,,\n"  # 3
        + "Urgent,,acme.test,,urgent,,,\n"  # 4
        + ",,acme.test,,,,,\n"  # 5
        + "Long,"
        + "x" * 10_001
        + ",acme.test,,,,,\n"  # 6
        + "T" * 201
        + ",,acme.test,,,,,\n"  # 7
        + "Dated,,acme.test,,,,,yesterday\n"  # 8
        + "Twice,,acme.test,,,,W-1,\n"  # 9
        + "Area,,acme.test,,,Nowhere,,\n"  # 10
        + "Staff,,acme.test,sam@vendor.test,,,,\n"  # 11
        + "Other account,,acme.test,oscar@globex.test,,,,\n",  # 12
    )
    before = everything()
    with pytest.raises(ImportFailed) as failed:
        import_wishes(path, people["admin"], rebundle=False)
    assert everything() == before
    messages = {e.line: e.message for e in failed.value.errors}
    assert set(messages) == set(range(3, 13))
    assert "nowhere.test" in messages[3]
    assert "urgent" in messages[4]
    assert "Title" in messages[5]
    assert "10000" in messages[6]
    assert "200" in messages[7]
    assert "yesterday" in messages[8]
    assert "line 2" in messages[9]
    assert "Nowhere" in messages[10]
    assert "staff" in messages[11]
    assert "not a user of Acme Corp" in messages[12]


def test_a_small_import_matches_only_its_new_wishes(app, people, tmp_path, monkeypatch):
    from wishlist.services import matching

    def everything_again():  # noqa: ANN202 - must not run
        raise AssertionError("a handful of new wishes must not re-bundle every wish")

    monkeypatch.setattr(matching, "recompute_bundles", everything_again)
    matched = []
    real = matching.match_new_wishes
    monkeypatch.setattr(matching, "match_new_wishes", lambda ids: matched.append(ids) or real(ids))
    path = write(tmp_path, WISHES_HEADER + "One wish,,acme.test,,,,,\nTwo wish,,acme.test,,,,,\n")
    result = import_wishes(path, people["admin"])
    assert len(matched) == 1 and sorted(matched[0]) == sorted(result.wish_ids)
    assert len(result.wish_ids) == 2
    import_wishes(path, people["admin"])  # nothing new, nothing to match
    assert len(matched) == 1


def test_a_large_import_rebundles_once(app, people, tmp_path, monkeypatch):
    from wishlist.services import matching

    calls = []
    monkeypatch.setattr(matching, "MATCH_EACH_MAX", 1)
    monkeypatch.setattr(matching, "recompute_bundles", lambda: calls.append(1))
    path = write(tmp_path, WISHES_HEADER + "One wish,,acme.test,,,,,\nTwo wish,,acme.test,,,,,\n")
    import_wishes(path, people["admin"])
    assert calls == [1]
    import_wishes(path, people["admin"])  # nothing new, nothing to bundle
    assert calls == [1]


def test_customers_cannot_import_wishes(app, people, tmp_path):
    path = write(tmp_path, WISHES_HEADER + "One wish,,acme.test,,,,,\n")
    with pytest.raises(Forbidden):
        import_wishes(path, people["customer"], rebundle=False)
    assert count(Wish) == 0


# --- Command ---------------------------------------------------------------------------------


def test_command_imports_accounts_and_prints_counts(runner, people, tmp_path):
    path = write(tmp_path, ACCOUNTS_HEADER + "Initech,,1000,,,,\nGlobex,,2000,,,,\n")
    result = runner.invoke(args=["import", "accounts", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 created, 1 updated, 0 unchanged" in result.output


def test_command_reports_every_bad_row_and_exits_2(runner, people, tmp_path):
    path = write(tmp_path, ACCOUNTS_HEADER + "Initech,,lots,,,,\nHooli,,,,2026-13-01,,\n")
    result = runner.invoke(args=["import", "accounts", str(path)])
    assert result.exit_code == 2
    assert "Nothing was imported" in result.stderr
    assert "line 2: ARR 'lots'" in result.stderr
    assert "line 3: Renewal date '2026-13-01'" in result.stderr
    assert count(Account) == 2


def test_command_imports_wishes_as_the_first_admin(runner, people, tmp_path):
    path = write(tmp_path, WISHES_HEADER + "One wish,,acme.test,,,,,\n")
    result = runner.invoke(args=["import", "wishes", str(path), "--no-rebundle"])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    wish = _db.session.scalar(select(Wish))
    assert wish.created_by_id == people["admin"].id


def test_command_import_of_one_wish_matches_it_against_the_others(
    runner, people, tmp_path, monkeypatch
):
    from wishlist.services import matching

    def everything_again():  # noqa: ANN202 - must not run
        raise AssertionError("one new wish must not re-bundle every wish")

    existing = factories.make_wish(people["other"], "Export invoices to CSV")
    monkeypatch.setattr(matching, "recompute_bundles", everything_again)
    path = write(tmp_path, WISHES_HEADER + "CSV export of invoices,,acme.test,,,,,\n")
    result = runner.invoke(args=["import", "wishes", str(path)])
    assert result.exit_code == 0, result.output
    _db.session.rollback()
    new = _db.session.scalar(select(Wish).where(Wish.id != existing.id))
    assert new.bundle_id is not None
    assert new.bundle_id == _db.session.get(Wish, existing.id).bundle_id


def test_command_records_wishes_under_the_named_staff(runner, people, tmp_path):
    path = write(tmp_path, WISHES_HEADER + "One wish,,acme.test,,,,,\n")
    args = ["import", "wishes", str(path), "--no-rebundle", "--as", "sam@vendor.test"]
    assert runner.invoke(args=args).exit_code == 0
    assert _db.session.scalar(select(Wish)).created_by_id == people["csm"].id
    bad = runner.invoke(args=["import", "wishes", str(path), "--as", "carol@acme.test"])
    assert bad.exit_code == 2 and "not an active member of staff" in bad.stderr


def test_command_needs_an_admin_when_no_staff_is_named(runner, app, tmp_path):
    factories.make_account("Acme Corp", "acme.test")
    path = write(tmp_path, WISHES_HEADER + "One wish,,acme.test,,,,,\n")
    result = runner.invoke(args=["import", "wishes", str(path)])
    assert result.exit_code == 2 and "--as" in result.stderr
    assert count(Wish) == 0


def test_command_missing_file_exits_2(runner, app, tmp_path):
    result = runner.invoke(args=["import", "accounts", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "Cannot read" in result.stderr


# --- Admin upload page -----------------------------------------------------------------------


def upload(client, kind: str, content: bytes, name: str = "a.csv"):  # noqa: ANN201
    """Post the import form with a file, as a browser would."""
    return client.post(
        "/admin/import",
        data={"kind": kind, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_admin_uploads_accounts_and_sees_counts(client, auth, people):
    auth.login(people["admin"].email)
    assert client.get("/admin/import").status_code == 200
    response = upload(client, "accounts", (ACCOUNTS_HEADER + "Initech,,5,,,,\n").encode())
    assert response.status_code == 200
    assert "1 created, 0 updated, 0 unchanged" in response.text
    assert account_named("Initech") is not None


def test_admin_uploads_wishes(client, auth, people):
    auth.login(people["admin"].email)
    response = upload(client, "wishes", (WISHES_HEADER + "One wish,,acme.test,,,,,\n").encode())
    assert response.status_code == 200
    assert "1 created" in response.text
    assert _db.session.scalar(select(Wish)).created_by_id == people["admin"].id


def test_admin_upload_of_bad_file_lists_errors_and_imports_nothing(client, auth, people):
    auth.login(people["admin"].email)
    content = (ACCOUNTS_HEADER + "Fine,,1,,,,\nBad,,lots,,,,\n,,,,,,\n").encode()
    response = upload(client, "accounts", content)
    assert response.status_code == 400
    assert "Nothing was imported" in response.text
    assert "<td>3</td>" in response.text and "ARR &#39;lots&#39;" in response.text
    assert "<td>4</td>" in response.text and "Name cannot be empty" in response.text
    assert account_named("Fine") is None


def test_admin_upload_of_a_100000_column_header_is_refused(client, auth, people):
    auth.login(people["admin"].email)
    before = everything()
    # Empty names, as a spreadsheet exports trailing columns (and under werkzeug's 500 KB, above
    # which the test client leaves its temporary file open).
    content = ("title,account" + "," * 99_998 + "\nA wish,acme.test" + "," * 99_998 + "\n").encode()
    response = upload(client, "wishes", content)
    assert response.status_code == 400
    assert "The header has 100,000 columns; at most 200 are allowed." in response.text
    assert everything() == before


def test_admin_upload_needs_a_csv_file(client, auth, people):
    auth.login(people["admin"].email)
    assert upload(client, "accounts", b"name\nAcme\n", name="a.xlsx").status_code == 400
    assert client.post("/admin/import", data={"kind": "accounts"}).status_code == 400
    assert count(Account) == 2


@pytest.mark.parametrize("role", ["customer", "csm", "pm"])
def test_non_admins_cannot_import(client, auth, people, role):
    auth.login(people[role].email)
    assert client.get("/admin/import").status_code == 403
    response = upload(client, "accounts", (ACCOUNTS_HEADER + "Sneaky,,,,,,\n").encode())
    assert response.status_code == 403
    assert account_named("Sneaky") is None


def test_import_tab_is_in_the_admin_nav(client, auth, people):
    auth.login(people["admin"].email)
    assert 'href="/admin/import"' in client.get("/admin/accounts").text


def test_run_import_rejects_unknown_kind(app):
    with pytest.raises(import_service.ServiceError, match="Unknown import"):
        import_service.run_import("bundles", io.BytesIO(b"x"), None)
