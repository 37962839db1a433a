"""Further addresses on a profile: requested, confirmed by an e-mailed code or by HR, never
binding a badge before that (the stranger's-address attack), never moved from another person.

A real SMTP server (aiosmtpd on 127.0.0.1) receives the codes; the tests read them out of
the messages it received. Badges are real signed VC-JWTs verified offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from skills.access import Role, Viewer
from skills.errors import AccessDenied, InputError
from skills.ingest import Mapper, ingest_one
from skills.ingest.people import import_people
from skills.mail import Mailer
from skills.services import identities as ids
from skills.store import Store
from tests.support.ingest_helpers import PEOPLE_CSV, BadgeIssuer, trust_issuers
from tests.support.smtp import Inbox, smtp_server

ADA = Viewer(account="ada", role=Role.MEMBER, person_id="e1")
ALAN = Viewer(account="alan", role=Role.MEMBER, person_id="e2")
HR = Viewer(account="hr", role=Role.HR)
PERSONAL = "ada.personal@example.net"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailer, Inbox]]:
    with smtp_server() as running:
        yield running


def _statuses(store: Store, person: str) -> list[str]:
    return sorted(
        str(s)
        for (s,) in store.rows("SELECT status FROM credentials WHERE person_id = ?", [person])
    )


def _owner(store: Store, value: str) -> str | None:
    found = store.rows("SELECT person_id FROM identities WHERE value = ?", [value])
    return str(found[0][0]) if found else None


def _actions(store: Store) -> list[str]:
    return [str(a) for (a,) in store.rows("SELECT action FROM audit_log ORDER BY audit_id")]


@pytest.fixture
def mismatched(store: Store, issuer: BadgeIssuer, mapper: Mapper) -> Store:
    """Ada submitted a badge issued to her personal address, not yet on her profile."""
    token = issuer.badge(PERSONAL, name="Personal Python")
    result = ingest_one(store, token, person_id="e1", submitted_by="ada", mapper=mapper)
    assert result.status == "recipient_mismatch"
    return store


def test_an_emailed_code_confirms_the_address_and_the_badge_then_verifies(
    mismatched: Store, smtp: tuple[Mailer, Inbox]
) -> None:
    store, (mailer, inbox) = mismatched, smtp
    asked = ids.request_identity(store, ADA, "email", f" MAILTO:{PERSONAL.upper()} ", mailer=mailer)
    assert asked.code_sent and asked.value == PERSONAL  # normalised as the people import does
    assert _owner(store, PERSONAL) is None  # pending: binds nothing yet
    stored = store.rows("SELECT code_sha256, status FROM identity_requests")
    code = inbox.code_for(PERSONAL)
    assert stored[0][1] == "pending" and code not in str(stored[0][0])  # only a hash is kept
    shown = ids.addresses(store, ADA, "e1")
    assert dict(zip(shown["value"], shown["state"], strict=True)) == {
        "ada@example.org": "confirmed",
        PERSONAL: "waiting for your code",
    }

    done = ids.confirm_code(store, ADA, asked.request_id, code)

    assert _owner(store, PERSONAL) == "e1"
    assert (done.rechecked, done.now_verified) == (1, 1)
    assert _statuses(store, "e1") == ["verified"]  # the mismatch row was replaced, not doubled
    trust_issuers(store)  # stored as its issuer's now: HR reviews the issuer as for any badge
    held = store.rows("SELECT count(*) FROM held_skills WHERE person_id = 'e1'")[0][0]
    assert held >= 1
    assert {"identity.request", "identity.confirm", "credential.withdraw"} <= set(_actions(store))
    with pytest.raises(InputError):  # a code works once
        ids.confirm_code(store, ADA, asked.request_id, code)


def test_a_strangers_address_binds_nothing_until_confirmed(
    store: Store, issuer: BadgeIssuer, mapper: Mapper, smtp: tuple[Mailer, Inbox]
) -> None:
    """The attack: Alan adds the victim's public address and submits the victim's publicly
    shared badge. Without the code (it went to the victim) the badge stays a mismatch."""
    mailer, inbox = smtp
    victim = "victim@example.org"
    asked = ids.request_identity(store, ALAN, "email", victim, mailer=mailer)
    token = issuer.badge(victim, name="Victim's badge")
    result = ingest_one(store, token, person_id="e2", submitted_by="alan", mapper=mapper)
    assert result.status == "recipient_mismatch"
    with pytest.raises(InputError, match="not right"):
        ids.confirm_code(store, ALAN, asked.request_id, "00000000")
    again = ingest_one(store, token, person_id="e2", submitted_by="alan", mapper=mapper)
    assert again.status == "recipient_mismatch"
    assert _owner(store, victim) is None
    assert _statuses(store, "e2") == ["recipient_mismatch"]
    assert inbox.messages[-1]["To"] == victim  # the code went to the address's owner only


def test_hr_confirms_when_there_is_no_mailer(mismatched: Store) -> None:
    store = mismatched
    asked = ids.request_identity(store, ADA, "email", PERSONAL, mailer=None)
    assert not asked.code_sent and "HR" in asked.message
    with pytest.raises(InputError):  # no code was sent, so none can confirm it
        ids.confirm_code(store, ADA, asked.request_id, "12345678")
    with pytest.raises(AccessDenied):
        ids.list_identity_requests(store, ADA)
    with pytest.raises(AccessDenied):
        ids.decide_identity_request(store, ADA, asked.request_id, True)
    queue = ids.list_identity_requests(store, HR)
    assert list(queue["value"]) == [PERSONAL] and list(queue["waiting_for"]) == ["HR"]

    done = ids.decide_identity_request(store, HR, asked.request_id, True)

    assert done is not None and done.now_verified == 1
    assert _owner(store, PERSONAL) == "e1"
    assert _statuses(store, "e1") == ["verified"]
    assert ids.list_identity_requests(store, HR).empty


def test_hr_refuses_a_did_request(store: Store) -> None:
    asked = ids.request_identity(store, ALAN, "did", "did:web:alan.example")
    assert ids.decide_identity_request(store, HR, asked.request_id, False) is None
    assert _owner(store, "did:web:alan.example") is None
    assert store.rows("SELECT status, decided_by FROM identity_requests") == [("refused", "hr")]
    assert "identity.refuse" in _actions(store)


def test_an_address_of_another_person_is_refused_never_moved(store: Store) -> None:
    with pytest.raises(InputError, match="belongs to another person"):
        ids.request_identity(store, ALAN, "email", "ADA@example.org")
    assert _owner(store, "ada@example.org") == "e1"
    # Two people ask for the same free address; the second confirmation is refused.
    first = ids.request_identity(store, ADA, "email", "shared@example.org")
    second = ids.request_identity(store, ALAN, "email", "shared@example.org")
    ids.decide_identity_request(store, HR, first.request_id, True)
    with pytest.raises(InputError, match="another person"):
        ids.decide_identity_request(store, HR, second.request_id, True)
    assert _owner(store, "shared@example.org") == "e1"
    statuses = dict(store.rows("SELECT request_id, status FROM identity_requests"))
    assert statuses == {first.request_id: "confirmed", second.request_id: "refused"}


def test_a_member_cannot_confirm_or_cancel_someone_elses_request(
    store: Store, smtp: tuple[Mailer, Inbox]
) -> None:
    mailer, inbox = smtp
    asked = ids.request_identity(store, ADA, "email", PERSONAL, mailer=mailer)
    code = inbox.code_for(PERSONAL)
    with pytest.raises(InputError, match="no such"):
        ids.confirm_code(store, ALAN, asked.request_id, code)  # even with the right code
    with pytest.raises(InputError, match="no such"):
        ids.cancel_identity_request(store, ALAN, asked.request_id)
    with pytest.raises(AccessDenied):
        ids.addresses(store, ALAN, "e1")
    assert _owner(store, PERSONAL) is None
    ids.cancel_identity_request(store, ADA, asked.request_id)
    assert store.rows("SELECT status FROM identity_requests") == [("cancelled",)]


def test_a_code_expires_after_24_hours(store: Store, smtp: tuple[Mailer, Inbox]) -> None:
    mailer, inbox = smtp
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    asked = ids.request_identity(store, ADA, "email", PERSONAL, mailer=mailer, now=start)
    code = inbox.code_for(PERSONAL)
    late = start + ids.CODE_TTL + timedelta(minutes=1)
    with pytest.raises(InputError, match="expired"):
        ids.confirm_code(store, ADA, asked.request_id, code, now=late)
    assert _owner(store, PERSONAL) is None
    assert store.rows("SELECT status FROM identity_requests") == [("cancelled",)]


def test_five_wrong_codes_cancel_the_request(store: Store, smtp: tuple[Mailer, Inbox]) -> None:
    mailer, inbox = smtp
    asked = ids.request_identity(store, ADA, "email", PERSONAL, mailer=mailer)
    code = inbox.code_for(PERSONAL)
    wrong = "99999999" if code != "99999999" else "11111111"
    for n in range(1, ids.MAX_ATTEMPTS):
        with pytest.raises(InputError, match=f"{ids.MAX_ATTEMPTS - n} tries left"):
            ids.confirm_code(store, ADA, asked.request_id, wrong)
    with pytest.raises(InputError, match="cancelled"):
        ids.confirm_code(store, ADA, asked.request_id, wrong)
    with pytest.raises(InputError, match="no such"):  # the right code comes too late
        ids.confirm_code(store, ADA, asked.request_id, code)
    assert _owner(store, PERSONAL) is None
    assert _actions(store).count("identity.code_wrong") == ids.MAX_ATTEMPTS


def test_malformed_and_duplicate_requests_are_refused(store: Store) -> None:
    with pytest.raises(InputError, match="not an e-mail"):
        ids.request_identity(store, ADA, "email", "not-an-address")
    with pytest.raises(InputError, match="not an http"):
        ids.request_identity(store, ADA, "url", "javascript:alert(1)")
    ids.request_identity(store, ADA, "url", "https://ada.example/me")
    with pytest.raises(InputError, match="already waiting"):
        ids.request_identity(store, ADA, "url", "https://ada.example/me")
    with pytest.raises(AccessDenied):
        ids.request_identity(store, HR, "email", "hr@example.net")  # no person behind it


def test_a_people_import_keeps_confirmed_addresses(store: Store) -> None:
    asked = ids.request_identity(store, ADA, "email", PERSONAL)
    ids.decide_identity_request(store, HR, asked.request_id, True)
    import_people(store, PEOPLE_CSV)  # HR's file does not know the personal address
    assert _owner(store, PERSONAL) == "e1"
    assert _owner(store, "ada@example.org") == "e1"


def test_only_the_person_and_hr_see_their_addresses(store: Store) -> None:
    """Issue 14 review: a manager saw the personal e-mails and DIDs of the people they lead,
    a recruiter a candidate's; both may see the person, never their addresses."""
    from skills.access import check_person, make_viewer
    from skills.services import profile

    ids.request_identity(store, ALAN, "did", "did:example:alan-personal")
    manager = make_viewer(store, account="ada", role="manager", person_id="e1")
    check_person(store, manager, "e2")  # Alan is in Ada's team: she may see him ...
    with pytest.raises(AccessDenied):
        ids.addresses(store, manager, "e2")  # ... but not his addresses
    katherine = Viewer(account="katherine", role=Role.MEMBER, person_id="c1")
    profile.give_consent(store, katherine)
    recruiter = Viewer(account="rita", role=Role.RECRUITER)
    check_person(store, recruiter, "c1")
    with pytest.raises(AccessDenied):
        ids.addresses(store, recruiter, "c1")
    mine = ids.addresses(store, ALAN, "e2")
    assert "did:example:alan-personal" in set(mine["value"])
    assert set(ids.addresses(store, HR, "e2")["value"]) == set(mine["value"])


def test_cancelling_and_asking_again_is_capped_per_day(
    store: Store, smtp: tuple[Mailer, Inbox]
) -> None:
    """Issue 14 review: only waiting requests were capped, so cancel and add again mailed a
    stranger without end. Five requests per person per 24 hours, cancelled ones included."""
    mailer, inbox = smtp
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    victim = "someone.else@example.net"
    for n in range(ids.MAX_REQUESTS):
        asked = ids.request_identity(
            store, ADA, "email", victim, mailer=mailer, now=start + timedelta(minutes=n)
        )
        ids.cancel_identity_request(store, ADA, asked.request_id)
    later = start + timedelta(hours=23)
    with pytest.raises(InputError, match="last 24 hours"):
        ids.request_identity(store, ADA, "email", victim, mailer=mailer, now=later)
    assert len([m for m in inbox.messages if m["To"] == victim]) == ids.MAX_REQUESTS
    ids.request_identity(store, ALAN, "email", "alan.personal@example.net", now=later)  # others
    next_day = start + ids.WINDOW + timedelta(minutes=1)
    assert ids.request_identity(store, ADA, "email", victim, mailer=mailer, now=next_day).code_sent


def test_wrong_codes_are_counted_per_person_not_per_request(
    store: Store, smtp: tuple[Mailer, Inbox]
) -> None:
    """Issue 14 review: a fresh request brought five fresh guesses. The fifth wrong code of
    the day cancels the request, and a new request's code is not checked until the day
    is over, not even the right one."""
    mailer, inbox = smtp
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    first = ids.request_identity(store, ADA, "email", PERSONAL, mailer=mailer, now=start)
    wrong = "99999999" if inbox.code_for(PERSONAL) != "99999999" else "11111111"
    for n in range(ids.MAX_ATTEMPTS - 2):
        with pytest.raises(InputError, match="tries left"):
            ids.confirm_code(store, ADA, first.request_id, wrong, now=start + timedelta(minutes=n))
    ids.cancel_identity_request(store, ADA, first.request_id)
    at = start + timedelta(hours=1)
    second = ids.request_identity(store, ADA, "email", PERSONAL, mailer=mailer, now=at)
    code = inbox.code_for(PERSONAL)
    wrong = "99999999" if code != "99999999" else "11111111"
    with pytest.raises(InputError, match="1 tries left"):
        ids.confirm_code(store, ADA, second.request_id, wrong, now=at)
    with pytest.raises(InputError, match="cancelled"):  # the fifth wrong code today
        ids.confirm_code(store, ADA, second.request_id, wrong, now=at)
    third = ids.request_identity(store, ADA, "email", PERSONAL, mailer=mailer, now=at)
    with pytest.raises(InputError, match="no code is checked"):
        ids.confirm_code(store, ADA, third.request_id, inbox.code_for(PERSONAL), now=at)
    assert _owner(store, PERSONAL) is None
    assert _actions(store).count("identity.code_wrong") == ids.MAX_ATTEMPTS
    ids.cancel_identity_request(store, ADA, third.request_id)
    tomorrow = start + ids.WINDOW + timedelta(minutes=1)  # the first wrong tries age out
    fourth = ids.request_identity(store, ADA, "email", PERSONAL, mailer=mailer, now=tomorrow)
    ids.confirm_code(store, ADA, fourth.request_id, inbox.code_for(PERSONAL), now=tomorrow)
    assert _owner(store, PERSONAL) == "e1"


def test_a_code_that_cannot_be_sent_leaves_the_request_to_hr(store: Store) -> None:
    """Issue 14 review: a UnicodeError from sending escaped, and the request said "waiting
    for your code" about an e-mail never sent."""
    with smtp_server() as (mailer, inbox):
        broken = Mailer(host="mail..example.org", port=mailer.port, sender=mailer.sender)
        asked = ids.request_identity(store, ADA, "email", PERSONAL, mailer=broken)
        assert not asked.code_sent and "HR" in asked.message
        assert inbox.messages == []
    shown = ids.addresses(store, ADA, "e1")
    assert dict(zip(shown["value"], shown["state"], strict=True))[PERSONAL] == "waiting for HR"


def test_a_people_import_cannot_give_a_proved_address_to_someone_else(store: Store) -> None:
    """Issue 14 review: a file listing Ada (without her proved personal address) and giving
    that address to Alan moved nothing, said nothing, and left Alan's row silently short.
    An address proved on a profile is fixed: the file is refused like any bad row."""
    from skills.errors import ImportRowsError

    asked = ids.request_identity(store, ADA, "email", PERSONAL)
    ids.decide_identity_request(store, HR, asked.request_id, True)
    header, *rows = PEOPLE_CSV.splitlines()
    alan = next(i for i, row in enumerate(rows, start=2) if row.startswith("e2,"))
    taken = [
        row.replace("alan@example.org", PERSONAL) if row.startswith("e2,") else row for row in rows
    ]
    before = store.rows("SELECT person_id, kind, value FROM identities ORDER BY ALL")
    with pytest.raises(ImportRowsError) as refused:
        import_people(store, "\n".join([header, *taken]))
    assert (alan, f"{PERSONAL} belongs to e1") in refused.value.problems
    assert store.rows("SELECT person_id, kind, value FROM identities ORDER BY ALL") == before
    assert _owner(store, PERSONAL) == "e1"
    import_people(store, PEOPLE_CSV)  # the same file without the taking row goes through
    assert _owner(store, PERSONAL) == "e1"
