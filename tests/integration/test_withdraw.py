"""Withdrawing a submission (issue 14): the owner removes their own badge, HR anybody's,
nobody else anything; every removal is audited, erased with its person, and the held
skills follow at once. Also what a submission says it added (``SubmitOutcome``).

Real parts: a seeded DuckDB file, badges signed by the seed's trusted ``did:key`` issuer
and verified offline, the services the pages call.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from skills.access import Viewer, make_viewer
from skills.demo.personas import PERSONAS
from skills.errors import AccessDenied, StoreError
from skills.services import submit as q
from skills.store import Store, erase_person, open_store
from tests.support import seed
from tests.support.badges import PYTHON, SQL, badge, email
from tests.support.envelope_helpers import DidKey, achievement_credential, presentation

MEMBER = PERSONAS["employee"]
OTHER = "E100000"  # Web Person 0, another member of the web team


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    seed.build(tmp_path / "w.duckdb", tmp_path / "accounts.toml")
    opened = open_store(tmp_path / "w.duckdb")
    yield opened
    opened.close()


def viewer(store: Store, role: str, person_id: str | None, account: str | None = None) -> Viewer:
    return make_viewer(store, account=account or role, role=role, person_id=person_id)


def held(store: Store, person_id: str) -> set[str]:
    return {
        r[0]
        for r in store.rows("SELECT skill_uri FROM held_skills WHERE person_id = ?", [person_id])
    }


def rows_about(store: Store, key: str) -> dict[str, int]:
    return {
        table: int(store.scalar(f"SELECT count(*) FROM {table} WHERE credential_key = ?", [key]))
        for table in ("credentials", "credential_skills", "credential_status_history", "notices")
    }


def test_submit_says_which_skills_it_added_and_which_were_held(store: Store) -> None:
    member = viewer(store, "member", MEMBER, "member")
    first = q.submit_one(store, member, badge(email(MEMBER), PYTHON, SQL), name="data.json")
    assert first.result.status == "verified" and first.not_counted is None
    assert first.added == (("Python (computer programming)", "esco"), ("SQL", "esco"))
    assert first.already == () and first.for_viewer
    again = q.submit_one(store, member, badge(email(MEMBER), PYTHON, name="Py"), name="py.json")
    assert again.added == () and again.already == (("Python (computer programming)", "esco"),)


def test_submit_for_someone_else_names_them(store: Store) -> None:
    hr = viewer(store, "hr", PERSONAS["hr"])
    out = q.submit_one(store, hr, badge(email(OTHER), PYTHON), name="p.json", person_id=OTHER)
    assert not out.for_viewer and out.person_name == "Web Person 0"
    assert out.added == (("Python (computer programming)", "esco"),)


def test_why_nothing_counted(store: Store) -> None:
    member = viewer(store, "member", MEMBER, "member")
    wrong = q.submit_one(store, member, badge("mailto:someone@else.org", PYTHON), name="x.json")
    assert wrong.result.status == "recipient_mismatch" and wrong.not_counted == "status"
    junk = q.submit_one(store, member, b'{"not": "a badge"}', name="junk.json")
    assert junk.result.status == "rejected" and junk.not_counted == "rejected"
    with store.write() as tx:  # HR has not reviewed the issuer (yet)
        tx.execute(
            "UPDATE issuers SET trust = 'unknown' WHERE issuer_id = ?", [seed.badge_issuer_did()]
        )
    pending = q.submit_one(store, member, badge(email(MEMBER), PYTHON), name="p.json")
    assert pending.result.status == "verified" and pending.not_counted == "issuer_unreviewed"
    assert pending.added == ()


def test_a_copy_of_someone_elses_badge_is_never_credited(store: Store) -> None:
    """OTHER's badge is stored for OTHER; then their address moves to the member (a
    reassigned mailbox), so the same badge is authentic for the member too: the copy
    changes nothing and is credited to nobody."""
    hr = viewer(store, "hr", PERSONAS["hr"])
    data = badge(email(OTHER), PYTHON)
    q.submit_one(store, hr, data, name="p.json", person_id=OTHER)
    with store.write() as tx:
        tx.execute("UPDATE identities SET person_id = ? WHERE person_id = ?", [MEMBER, OTHER])
    copy = q.submit_one(store, viewer(store, "member", MEMBER, "member"), data, name="p.json")
    assert copy.result.duplicate and copy.elsewhere
    assert copy.added == () and copy.already == ()
    assert seed.uri("python") not in held(store, MEMBER)


def test_the_owner_withdraws_and_the_held_skill_goes(store: Store) -> None:
    member = viewer(store, "member", MEMBER, "member")
    out = q.submit_one(store, member, badge(email(MEMBER), PYTHON), name="py.json")
    key = out.result.credential_key
    assert key is not None and seed.uri("python") in held(store, MEMBER)
    with store.write() as tx:  # what else points at it: a notice and a review-queue example
        tx.execute(
            "INSERT INTO notices (person_id, credential_key, kind) VALUES (?, ?, 'status_change')",
            [MEMBER, key],
        )
        tx.execute("UPDATE mapping_review SET first_credential_key = ?", [key])
    assert all(rows_about(store, key)[t] for t in ("credentials", "credential_skills", "notices"))

    deleted = q.withdraw(store, member, key)

    assert deleted["credentials"] == 1 and deleted["credential_skills"] == 1
    assert set(rows_about(store, key).values()) == {0}
    assert seed.uri("python") not in held(store, MEMBER)
    assert (
        store.scalar("SELECT count(*) FROM mapping_review WHERE first_credential_key = ?", [key])
        == 0
    )
    audit = store.rows(
        "SELECT actor, subject, person_id, detail FROM audit_log "
        "WHERE action = 'credential.withdraw'"
    )
    assert [(a, s, p) for a, s, p, _ in audit] == [("member", key, MEMBER)]
    assert json.loads(audit[0][3])["badge"] == "Data Course"
    # Erasing the person erases the entry too (person_id is set on it).
    erase_person(store, MEMBER, actor="hr")
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'credential.withdraw'") == 0


def test_a_badge_issued_to_someone_else_can_be_withdrawn_by_its_submitter(store: Store) -> None:
    member = viewer(store, "member", MEMBER, "member")
    out = q.submit_one(store, member, badge("mailto:someone@else.org", PYTHON), name="x.json")
    assert out.result.status == "recipient_mismatch"
    q.withdraw(store, member, str(out.result.credential_key))
    assert rows_about(store, str(out.result.credential_key))["credentials"] == 0


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("role", "person_id", "account"),
    [
        ("member", OTHER, "attacker"),  # another member of the same team
        ("manager", PERSONAS["manager"], "manager"),  # leads the member's team
        ("recruiter", PERSONAS["recruiter"], "recruiter"),
        ("member", PERSONAS["candidate"], "candidate"),
    ],
)
def test_nobody_else_withdraws_a_members_badge(
    store: Store, role: str, person_id: str, account: str
) -> None:
    member = viewer(store, "member", MEMBER, "member")
    key = str(
        q.submit_one(
            store, member, badge(email(MEMBER), PYTHON), name="p.json"
        ).result.credential_key
    )
    before_audit = store.scalar("SELECT count(*) FROM audit_log")
    before = rows_about(store, key)
    attacker = viewer(store, role, person_id, account)
    with pytest.raises(AccessDenied) as refused:
        q.withdraw(store, attacker, key)
    # Same sentence for a key that does not exist: the answer reveals nothing.
    with pytest.raises(AccessDenied) as missing:
        q.withdraw(store, attacker, "urn:no-such-badge")
    assert str(refused.value) == str(missing.value)
    assert rows_about(store, key) == before and seed.uri("python") in held(store, MEMBER)
    assert store.scalar("SELECT count(*) FROM audit_log") == before_audit


def test_a_member_cannot_withdraw_a_badge_filed_under_nobody_that_someone_else_sent(
    store: Store,
) -> None:
    with store.write() as tx:
        tx.execute(
            "INSERT INTO credentials (credential_key, submitted_by, format, status, verified_at, "
            "source_sha256, name) VALUES ('urn:test:loose', 'hr', 'ob3-di', 'verified', now(), "
            "'00', 'loose.json')"
        )
    with pytest.raises(AccessDenied):
        q.withdraw(store, viewer(store, "member", MEMBER, "member"), "urn:test:loose")
    q.withdraw(store, viewer(store, "hr", PERSONAS["hr"]), "urn:test:loose")
    assert rows_about(store, "urn:test:loose")["credentials"] == 0


def test_hr_withdraws_anybodys_badge(store: Store) -> None:
    hr = viewer(store, "hr", PERSONAS["hr"])
    assert seed.uri("js") in held(store, MEMBER)  # seeded: Web Foundations, urn:test:cred:0
    q.withdraw(store, hr, "urn:test:cred:0")
    assert seed.uri("js") not in held(store, MEMBER)
    assert store.rows(
        "SELECT actor, person_id FROM audit_log WHERE action = 'credential.withdraw'"
    ) == [("hr", MEMBER)]
    with pytest.raises(StoreError):
        q.withdraw(store, hr, "urn:test:cred:0")  # gone already


def test_the_last_badge_of_a_presentation_takes_the_presentation_with_it(store: Store) -> None:
    issuer, holder = DidKey(key=seed.badge_issuer()), DidKey()
    members = [
        achievement_credential(issuer, email(MEMBER), "Python Course", *PYTHON),
        achievement_credential(issuer, email(MEMBER), "SQL Course", *SQL),
    ]
    member = viewer(store, "member", MEMBER, "member")
    wallet = json.dumps(presentation(holder, members)).encode()
    out = q.submit_one(store, member, wallet, name="wallet.json")
    keys = [str(p.result.credential_key) for p in out.parts]
    assert len(keys) == 2 and all(p.result.status == "verified" for p in out.parts)
    assert [p.added for p in out.parts] == [
        (("Python (computer programming)", "esco"),),
        (("SQL", "esco"),),
    ]
    containers = "SELECT count(*) FROM credential_containers WHERE person_id = ?"
    assert store.scalar(containers, [MEMBER]) == 1
    q.withdraw(store, member, keys[0])
    assert store.scalar(containers, [MEMBER]) == 1  # one badge of it is still stored
    deleted = q.withdraw(store, member, keys[1])
    assert deleted["credential_containers"] == 1
    assert store.scalar(containers, [MEMBER]) == 0


def test_recent_submissions_say_which_rows_the_viewer_may_remove(store: Store) -> None:
    hr = viewer(store, "hr", PERSONAS["hr"])
    q.submit_one(store, hr, badge(email(OTHER), PYTHON), name="other.json", person_id=OTHER)
    manager = viewer(store, "manager", PERSONAS["manager"], "manager")
    q.submit_one(store, manager, badge(email(OTHER), SQL), name="team.json", person_id=OTHER)
    q.submit_one(store, manager, badge(email(PERSONAS["manager"]), SQL), name="own.json")
    mine = q.recent_submissions(store, manager, 20)
    assert dict(zip(mine["file"], mine["removable"], strict=True)) == {
        "team.json": False,  # sent for a team member: theirs or HR's to remove
        "own.json": True,
    }
    assert bool(q.recent_submissions(store, hr, 20)["removable"].all())


def test_the_owner_is_checked_in_the_deleting_transaction(store: Store) -> None:
    """Issue 14 review: ``withdraw`` checked the owner in one transaction and deleted in
    another, so a badge that changed hands in between was removed from its new owner.
    The rule now runs inside the deleting transaction, on the owner as it is then."""
    from skills.store import withdraw_credential

    member = viewer(store, "member", MEMBER, "member")
    out = q.submit_one(store, member, badge(email(MEMBER), PYTHON), name="py.json")
    key = out.result.credential_key
    assert key is not None
    before = store.scalar("SELECT count(*) FROM audit_log WHERE action = 'credential.withdraw'")
    asked: list[tuple[str | None, str | None]] = []

    def expects_other(person_id: str | None, submitted_by: str | None) -> bool:
        asked.append((person_id, submitted_by))
        return person_id == OTHER  # what the page saw; the badge is the member's now

    with pytest.raises(AccessDenied, match="your own"):
        withdraw_credential(store, key, actor="member", allowed=expects_other)
    assert asked == [(MEMBER, "member")]  # the owner as stored, read in the same transaction
    assert rows_about(store, key)["credentials"] == 1 and seed.uri("python") in held(store, MEMBER)
    assert (
        store.scalar("SELECT count(*) FROM audit_log WHERE action = 'credential.withdraw'")
        == before
    )
    with pytest.raises(AccessDenied, match="your own"):  # gone: the same sentence
        withdraw_credential(store, "urn:test:nothing", actor="member", allowed=expects_other)
    # the badge changes hands after the member's page showed it: the member cannot remove it
    with store.write() as tx:
        tx.execute("UPDATE credentials SET person_id = ? WHERE credential_key = ?", [OTHER, key])
    with pytest.raises(AccessDenied):
        q.withdraw(store, member, key)
    assert rows_about(store, key)["credentials"] == 1
    withdraw_credential(store, key, actor="member", allowed=expects_other)  # the rule holds
    assert rows_about(store, key)["credentials"] == 0
