"""CSV imports (people, batch submissions): every bad row reported, nothing half-imported.

The database already holds people and a badge; a file mixing good rows (including
updates of stored people) with bad ones must change nothing at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.errors import ImportRowsError
from skills.ingest import Mapper, expand_batch, ingest_batch, ingest_one
from skills.ingest.people import import_people
from skills.store import Store
from tests.support.hostile_support import changed_tables, fingerprints
from tests.support.ingest_helpers import BadgeIssuer

pytestmark = pytest.mark.hostile

HEADER = "person_id,name,kind,email,team,department,manager_id,start_date,leads\n"
GOOD = (
    "e1,Ada Renamed,employee,ada@example.org,Data Platform,Engineering,e0,2020-01-06,\n"
    "n1,New Person,employee,new@example.org,Data Platform,Engineering,e1,2024-02-01,\n"
)


@pytest.fixture
def filled(store: Store, issuer: BadgeIssuer, mapper: Mapper) -> Store:
    ingest_one(
        store, issuer.badge("ada@example.org"), person_id="e1", submitted_by="ada", mapper=mapper
    )
    return store


@pytest.mark.parametrize(
    ("bad_row", "problem"),
    [
        ("x1,Xavier,employee,x1@example.org,Ops,Ops Dept,,2024-13-45,", "not a YYYY-MM-DD date"),
        ("x1,Xavier,employee,x1@example.org,Ops,Ops Dept,,01/02/2024,", "not a YYYY-MM-DD date"),
        ("x1,Xavier,employee,x1@example.org,Ops,,,,", "team is given without its department"),
        ("x1,Xavier,employee,x1@example.org,,,,,Moonbase Team", "which is no team or department"),
        ("e2,Alan Twice,employee,alan2@example.org,,,,,", "appears 2 times"),
        ("x1,Xavier,employee,ada@example.org,,,,,", "is also listed for e1"),
        ("x1,Xavier,employee,grace@example.org,,,,,", "belongs to e0"),
        ("x1,Xavier,employee,x1@example.org,,,ghost,,", "unknown manager ghost"),
        ("x1,Xavier,contractor,x1@example.org,,,,,", "kind must be employee or candidate"),
        ("x1,,employee,x1@example.org,,,,,", "name is empty"),
        ("x 1!,Xavier,employee,x1@example.org,,,,,", "has characters other than"),
        ("x1,Xavier,employee,not-an-email,,,,,", "is not an e-mail address"),
    ],
)
def test_people_file_with_one_bad_row_reports_it_and_imports_nothing(
    filled: Store, bad_row: str, problem: str
) -> None:
    text = HEADER + GOOD + "e2,Alan Turing,employee,alan@example.org,,,,,\n" + bad_row + "\n"
    before = fingerprints(filled)
    with pytest.raises(ImportRowsError) as err:
        import_people(filled, text)
    problems = dict(err.value.problems)
    assert 5 in problems and problem in problems[5], err.value.problems
    assert "Nothing was imported" in str(err.value)
    assert changed_tables(before, fingerprints(filled)) == set()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"person_id,email\nx,x@example.org\n", "missing column name"),
        (b"name,kind\nX,employee\n", "missing column person_id"),
        (b"", "missing column person_id"),
        ("person_id,name,kind\nx1,Ren\u00e9,employee\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_unusable_people_files_are_refused_whole(
    filled: Store, tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    before = fingerprints(filled)
    with pytest.raises(ImportRowsError) as err:
        import_people(filled, path)
    assert any(problem in reason for _, reason in err.value.problems), err.value.problems
    assert changed_tables(before, fingerprints(filled)) == set()


def test_every_bad_row_is_listed_not_just_the_first(filled: Store) -> None:
    text = (
        HEADER
        + GOOD
        + "x1,Xavier,employee,x1@example.org,,,,yesterday,\n"
        + "x2,,employee,x2@example.org,,,,,\n"
        + "x3,Xena,employee,x3@example.org,Ops,,,,\n"
    )
    with pytest.raises(ImportRowsError) as err:
        import_people(filled, text)
    assert [n for n, _ in err.value.problems] == [4, 5, 6]


def test_batch_csv_without_its_columns_or_with_empty_rows_is_refused_whole(
    filled: Store, tmp_path: Path
) -> None:
    before = fingerprints(filled)
    missing = tmp_path / "missing.csv"
    missing.write_text("who,what\ne1,badge.jwt\n")
    with pytest.raises(ImportRowsError) as err:
        expand_batch(missing)
    assert err.value.problems == [(1, "missing column person_id")]
    empty_rows = tmp_path / "rows.csv"
    empty_rows.write_text("person_id,url_or_file\ne1,a.jwt\ne2,\nc1,\n")
    with pytest.raises(ImportRowsError) as err:
        expand_batch(empty_rows)
    assert err.value.problems == [(3, "no URL or file"), (4, "no URL or file")]
    assert changed_tables(before, fingerprints(filled)) == set()


def test_batch_csv_rows_are_reported_one_by_one(
    filled: Store, tmp_path: Path, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    (tmp_path / "alan.jwt").write_text(issuer.badge("alan@example.org"))
    (tmp_path / "ghost.jwt").write_text(issuer.badge("ghost@example.org"))
    (tmp_path / "junk.json").write_text('{"a": NaN}')
    sheet = tmp_path / "batch.csv"
    sheet.write_text(
        "person_id,url_or_file\ne2,alan.jwt\nnobody,ghost.jwt\ne2,junk.json\ne2,missing-file.jwt\n"
    )
    items = expand_batch(sheet)
    summary = ingest_batch(filled, items, submitted_by="hr", mapper=mapper, workers=1)
    by_row = {r.name.split(":")[0]: r for r in summary.results}
    assert by_row["row 2"].status == "verified"
    assert by_row["row 3"].rejected and "no person 'nobody'" in by_row["row 3"].reason
    assert by_row["row 4"].rejected and "NaN" in by_row["row 4"].reason
    assert by_row["row 5"].rejected and "could not be read" in by_row["row 5"].reason
    assert summary.counts["verified"] == 1 and summary.counts["rejected"] == 3
    assert filled.scalar("SELECT count(*) FROM people WHERE person_id = 'nobody'") == 0


def test_an_uploaded_batch_csv_cannot_make_the_server_read_its_own_files(
    filled: Store, tmp_path: Path
) -> None:
    """HR uploads a CSV through the Submit page; its rows must not name server files.

    The page writes the upload into a temporary folder and calls ``submit_batch``;
    a row naming ``../secret`` or an absolute path would otherwise have the server
    read that file and keep its bytes in ``rejected_submissions``.
    """
    from skills.access import Role, Viewer
    from skills.services.submit import submit_batch

    secret = tmp_path / "server-secret.toml"
    secret.write_text('password_hash = "scrypt$SECRET-HASH-0123456789"\n')
    upload_dir = tmp_path / "upload"
    upload_dir.mkdir()
    sheet = upload_dir / "batch.csv"
    sheet.write_text(
        f"person_id,url_or_file\ne1,../server-secret.toml\ne2,{secret}\n", encoding="utf-8"
    )
    hr = Viewer(account="hr", role=Role.HR, person_id="e0")
    try:
        summary = submit_batch(filled, hr, sheet)
    except ImportRowsError as err:  # refusing the rows is a fine answer
        assert {n for n, _ in err.problems} == {2, 3}
    else:
        assert all(r.rejected for r in summary.results)
    for table in ("rejected_submissions", "credentials", "audit_log"):
        dump = " ".join(str(r) for r in filled.rows(f"SELECT * FROM {table}"))
        assert "SECRET-HASH" not in dump, f"a server file's bytes were stored in {table}"
