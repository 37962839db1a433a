"""Notices (issue 14): badges about to lapse and status changes, per role, on a real DuckDB
file with real signed badges.

- A member sees their own badges expiring within 90 days (computed live) and their
  undismissed status changes, newest first, each with the badge's key and last check.
- A member never sees or dismisses anybody else's notice, whatever id they craft.
- A manager gets a digest of their teams; HR organisation totals with the rows behind.
- The sentences escape untrusted names and link to the badge on the Profile page.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest

from skills.access import Role, Viewer, make_viewer
from skills.errors import AccessDenied
from skills.explain import plain
from skills.ingest import ingest_one, reverify
from skills.ingest.people import import_people
from skills.services import notices
from skills.store import Store, open_store
from tests.support.ingest_helpers import PEOPLE_CSV, BadgeIssuer, trust_issuers

NOW = datetime.now(UTC)
ADA = Viewer(account="ada", role=Role.MEMBER, person_id="e1", name="Ada Lovelace")
ALAN = Viewer(account="alan", role=Role.MEMBER, person_id="e2", name="Alan Turing")
HR = Viewer(account="hr", role=Role.HR, name="HR")


def link(person: str, credential: object = None) -> str:
    params = {"person": person}
    if isinstance(credential, str):
        params["credential"] = credential
    return "profile?" + urlencode(params)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, dict[str, str]]]:
    """Four people; Ada holds badges expiring in 20, 50 and 200 days and one revoked by
    re-verification; Alan one expiring in 10 days; Katherine (a candidate) one in 5."""
    store = open_store(tmp_path_factory.mktemp("notices") / "n.duckdb")
    import_people(store, PEOPLE_CSV)
    issuer = BadgeIssuer()
    keys: dict[str, str] = {}
    plan = [
        ("ada20", "e1", "ada@example.org", "Cloud Practitioner", 20, None),
        ("ada50", "e1", "ada@example.org", "Data Steward", 50, None),
        ("ada200", "e1", "ada@example.org", "Far Future", 200, None),
        ("ada_rev", "e1", "ada@example.org", "Python Programming", None, 7),
        ("alan10", "e2", "alan@example.org", "[Click me](https://evil.example)", 10, None),
        ("kat5", "c1", "katherine@example.org", "Candidate Badge", 5, None),
    ]
    with issuer.client() as client:
        for name, person, email, badge, days, index in plan:
            result = ingest_one(
                store,
                issuer.badge(
                    email,
                    name=badge,
                    status_index=index,
                    expires=None if days is None else NOW + timedelta(days=days),
                ),
                person_id=person,
                submitted_by=person,
                client=client,
            )
            assert result.status == "verified", result.reason
            keys[name] = str(result.credential_key)
        issuer.revoked.add(7)
        reverify(store, client=client)
    trust_issuers(store)
    yield store, keys
    store.close()


def test_a_member_sees_their_expiring_badges_and_a_revocation(
    org: tuple[Store, dict[str, str]],
) -> None:
    store, keys = org
    mine = notices.my_notices(store, ADA)
    assert mine[["kind", "credential_key"]].values.tolist() == [
        ["status_change", keys["ada_rev"]],  # status changes first, newest first
        ["expiring", keys["ada20"]],  # then expiring, soonest first
        ["expiring", keys["ada50"]],
    ]
    assert set(mine["person_id"]) == {"e1"}
    assert mine["department"].isna().all()  # a department is a unit only HR sees named
    assert mine["verified_at"].notna().all()  # when each badge was last checked
    assert mine.loc[0, "status"] == "revoked" and mine.loc[0, "old_status"] == "verified"
    # A shorter window (the setting) keeps only what falls within it.
    assert notices.my_notices(store, ADA, within_days=30)["credential_key"].tolist() == [
        keys["ada_rev"],
        keys["ada20"],
    ]
    # Nobody else's: Alan sees only his own badge.
    assert notices.my_notices(store, ALAN)["credential_key"].tolist() == [keys["alan10"]]
    nobody = Viewer(account="ops", role=Role.HR, name="ops")
    assert notices.my_notices(store, nobody).empty


@pytest.fixture
def two_notices(tmp_path: Path) -> Iterator[tuple[Store, int, int]]:
    """A database of its own (the dismiss test changes it) with one status-change notice
    for Ada and one for Alan: (store, Ada's notice id, Alan's)."""
    store = open_store(tmp_path / "dismiss.duckdb")
    import_people(store, PEOPLE_CSV)
    with store.write() as tx:
        for person in ("e1", "e2"):
            tx.execute(
                "INSERT INTO notices (person_id, credential_key, kind, old_status, new_status) "
                "VALUES (?, NULL, 'status_change', 'verified', 'revoked')",
                [person],
            )
    adas = int(store.scalar("SELECT notice_id FROM notices WHERE person_id = 'e1'"))
    alans = int(store.scalar("SELECT notice_id FROM notices WHERE person_id = 'e2'"))
    yield store, adas, alans
    store.close()


@pytest.mark.hostile
def test_a_member_dismisses_only_their_own_notices(two_notices: tuple[Store, int, int]) -> None:
    store, adas, alans = two_notices
    for crafted in (alans, 999_999, -1):
        with pytest.raises(AccessDenied, match="There is no such notice of yours"):
            notices.dismiss(store, ADA, crafted)
    assert store.scalar("SELECT dismissed_at FROM notices WHERE notice_id = ?", [alans]) is None
    assert alans in notices.my_notices(store, ALAN)["notice_id"].tolist()

    notices.dismiss(store, ADA, adas)
    assert "status_change" not in notices.my_notices(store, ADA)["kind"].tolist()
    with pytest.raises(AccessDenied):  # dismissed already
        notices.dismiss(store, ADA, adas)
    assert alans in notices.my_notices(store, ALAN)["notice_id"].tolist()


def test_a_manager_gets_a_digest_of_their_teams_only(org: tuple[Store, dict[str, str]]) -> None:
    store, keys = org
    grace = make_viewer(store, account="grace", role="manager", person_id="e0")
    digest = notices.team_digest(store, grace)
    assert set(digest.rows["person_id"]) == {"e1", "e2"}  # not the candidate, not herself
    assert digest.rows["department"].isna().all()
    assert digest.people[["person_id", "expiring", "changes", "revoked"]].values.tolist() == [
        ["e1", 2, 1, 1],
        ["e2", 1, 0, 0],
    ]
    assert keys["kat5"] not in digest.rows["credential_key"].tolist()
    # A dismissed notice still reaches the manager (a person cannot hide it from them).
    adas = int(store.scalar("SELECT notice_id FROM notices WHERE person_id = 'e1'"))
    with store.write() as tx:
        tx.execute("UPDATE notices SET dismissed_at = now() WHERE notice_id = ?", [adas])
    try:
        assert notices.team_digest(store, grace).changes == 1
    finally:
        with store.write() as tx:
            tx.execute("UPDATE notices SET dismissed_at = NULL WHERE notice_id = ?", [adas])
    head, lines = notices.digest_lines(digest, escape=plain, link=link)
    assert head == (
        "2 people in your teams: 3 badges expire within 90 days; "
        "1 badge changed status in the last 30 days (1 revoked)."
    )
    assert lines[0].startswith(f"[Ada Lovelace]({link('e1')}): expiring: ")
    assert "Python Programming](" in lines[0] and "revoked (found " in lines[0]
    # Alan's badge name is Markdown: it shows as text, never as a link to evil.example.
    assert "\\[Click me\\]\\(https" in lines[1]
    assert "](https://evil.example)" not in lines[1]

    for viewer in (ADA, Viewer(account="rita", role=Role.RECRUITER, name="Rita")):
        with pytest.raises(AccessDenied):
            notices.team_digest(store, viewer)


def test_hr_gets_totals_by_team_and_the_rows_behind_them(
    org: tuple[Store, dict[str, str]],
) -> None:
    store, keys = org
    with store.write() as tx:  # a revocation found 40 days ago is past the 30-day count
        tx.execute(
            "INSERT INTO notices (person_id, credential_key, kind, old_status, new_status, "
            "created_at) VALUES ('e2', NULL, 'status_change', 'verified', 'revoked', ?)",
            [NOW - timedelta(days=40)],
        )
    totals = notices.org_totals(store, HR)
    assert (totals.expiring_30, totals.expiring_60, totals.expiring, totals.revoked_30) == (
        3,
        4,
        4,
        1,
    )
    by_team = totals.by_team.set_index("team")
    data_platform = by_team.loc[["Data Platform"], ["expiring_30", "expiring", "revoked_30"]]
    assert data_platform.values.tolist()[0] == [
        2,
        3,
        1,
    ]
    assert by_team.loc["(no team)", "expiring_30"] == 1  # the candidate
    assert set(totals.by_team["department"]) == {"Engineering", "(none)"}
    assert set(totals.rows["credential_key"].dropna()) == {
        keys[k] for k in ("ada20", "ada50", "alan10", "kat5", "ada_rev")
    }
    assert notices.totals_line(totals) == (
        "Across the organisation: 3 badges expire within 30 days, 4 within 60, 4 within 90; "
        "1 found revoked in the last 30 days."
    )
    grace = make_viewer(store, account="grace", role="manager", person_id="e0")
    for viewer in (ADA, grace):
        with pytest.raises(AccessDenied):
            notices.org_totals(store, viewer)


@pytest.mark.hostile
def test_member_sentences_link_each_badge_and_escape_names(
    org: tuple[Store, dict[str, str]],
) -> None:
    store, keys = org
    lines = notices.member_lines(notices.my_notices(store, ADA), escape=plain, link=link)
    assert [line.tone for line in lines] == ["warning", "error"]
    soon = pd.Timestamp(NOW + timedelta(days=20)).strftime("%Y-%m-%d")
    assert lines[0].text.startswith(
        f"2 badges expire within 90 days: [Cloud Practitioner]({link('e1', keys['ada20'])}) "
        f"on {soon}, [Data Steward]("
    )
    assert lines[0].notice_id is None
    message = (
        f"Your badge “{plain('Python Programming')}” was revoked by its issuer; its skills no "
        "longer count."
    )
    assert lines[1].text.startswith(
        f"{message} [Open the badge]({link('e1', keys['ada_rev'])}) (last checked "
    )
    assert lines[1].notice_id is not None
    alan = notices.member_lines(notices.my_notices(store, ALAN), escape=plain, link=link)
    assert alan[0].text.startswith("1 badge expires within 90 days: [\\[Click me\\]\\(https")
    assert notices.toast_text(2) == "You have 2 notices: see the top of the Overview."
    assert notices.toast_text(1) == "You have 1 notice: see the top of the Overview."
    assert notices.toast_text(0) is None


def test_an_empty_database_has_no_notices(tmp_path: Path) -> None:
    """Nothing to say on an empty database, for every role."""
    store = open_store(tmp_path / "empty.duckdb")
    try:
        assert notices.my_notices(store, ADA).empty
        assert notices.org_totals(store, HR).expiring == 0
        assert notices.team_digest(store, HR).people.empty
        head, lines = notices.digest_lines(notices.team_digest(store, HR), escape=plain, link=link)
        assert lines == [] and head.startswith("Nobody in your teams")
    finally:
        store.close()
