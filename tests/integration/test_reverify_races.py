"""Re-verification against what happens while it runs (issue 14 review), on a real DuckDB
file with real signed badges and a status list served through ``httpx.MockTransport``.

Re-verification reads a chunk, asks the issuers (slow), then writes. Meanwhile:

- a person withdraws a badge (or HR erases them): the run writes nothing back for it, no
  notice, history, skills or audit entry;
- another run starts (the schedule and HR's "Re-verify all" in one process): it is
  refused at once with a sentence, the schedule skips its round, and every change is
  recorded once;
- the same plan applied twice (a stale plan) records its status change once;
- a failing scheduled run is retried after an hour (or the interval), not at every poll;
- HR changes a synonym after the mapper was built: the badge is stamped with what really
  mapped it, so the next run maps it again.

Waits are on events set by the transport, never sleeps.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from skills.access import Role, Viewer
from skills.config import DEFAULTS
from skills.explain import plain
from skills.ingest import (
    ReverifyRunning,
    ReverifyScheduler,
    apply_plan,
    ingest_one,
    mapping_fingerprint,
    reverify,
    skill_mapper,
)
from skills.ingest._plan import plan_reverify
from skills.services import admin, notices
from skills.store import Store, withdraw_credential
from skills.verify import verify
from tests.support.ingest_helpers import PYTHON_ESCO, BadgeIssuer, trust_issuers

SETTINGS = replace(DEFAULTS, workers=1)
EVERY = timedelta(hours=24)
ADA = Viewer(account="ada", role=Role.MEMBER, person_id="e1", name="Ada Lovelace")
HR = Viewer(account="hr", role=Role.HR, name="HR")


def _store_badge(store: Store, issuer: BadgeIssuer, person: str, email: str, index: int) -> str:
    with issuer.client() as client:
        result = ingest_one(
            store,
            issuer.badge(email, status_index=index),
            person_id=person,
            submitted_by=person,
            client=client,
            settings=SETTINGS,
        )
    assert result.status == "verified" and result.credential_key, result.reason
    return result.credential_key


def _client_calling(issuer: BadgeIssuer, on_request: object) -> httpx.Client:
    """A client serving ``issuer``'s files that first calls ``on_request()`` (in the
    verification pass, after the chunk was read and before it is written)."""
    inner = issuer.client()

    def handler(request: httpx.Request) -> httpx.Response:
        on_request()  # type: ignore[operator]
        response = inner.get(str(request.url))
        return httpx.Response(
            response.status_code, content=response.content, headers=response.headers
        )

    return httpx.Client(transport=httpx.MockTransport(handler))


def _count(store: Store, table: str, key: str) -> int:
    return int(store.scalar(f"SELECT count(*) FROM {table} WHERE credential_key = ?", [key]))


def test_a_badge_withdrawn_while_the_issuer_is_asked_gets_nothing_back(store: Store) -> None:
    issuer = BadgeIssuer()
    adas = _store_badge(store, issuer, "e1", "ada@example.org", 3)
    alans = _store_badge(store, issuer, "e2", "alan@example.org", 4)
    trust_issuers(store)
    issuer.revoked.update({3, 4})
    withdrawn = threading.Event()

    def withdraw_once() -> None:
        if not withdrawn.is_set():
            withdrawn.set()
            withdraw_credential(store, adas, actor="ada")

    with _client_calling(issuer, withdraw_once) as client:
        summary = reverify(store, client=client, settings=SETTINGS)
    assert withdrawn.is_set() and summary.checked == 2
    # Alan's revocation is recorded: the run did write its chunk ...
    assert _count(store, "notices", alans) == 1
    assert _count(store, "credential_status_history", alans) == 2  # submitted, revoked
    # ... and nothing of Ada's withdrawn badge came back.
    for table in ("credentials", "credential_skills", "credential_status_history", "notices"):
        assert _count(store, table, adas) == 0, table
    assert not store.scalar(
        "SELECT count(*) FROM audit_log WHERE subject = ? AND action = 'credential.reverify'",
        [adas],
    )
    assert notices.my_notices(store, ADA).empty


def test_a_second_run_is_refused_while_one_runs_and_changes_are_recorded_once(
    store: Store,
) -> None:
    issuer = BadgeIssuer()
    key = _store_badge(store, issuer, "e1", "ada@example.org", 3)
    trust_issuers(store)
    issuer.revoked.add(3)
    entered, release = threading.Event(), threading.Event()

    def block() -> None:
        entered.set()
        assert release.wait(120), "the test never released the first run"

    outcome: list[object] = []

    def first_run() -> None:
        with _client_calling(issuer, block) as client:
            outcome.append(reverify(store, client=client, settings=SETTINGS))

    runner = threading.Thread(target=first_run)
    runner.start()
    try:
        assert entered.wait(120), "the first run never asked the issuer"
        with (
            issuer.client() as client,
            pytest.raises(ReverifyRunning, match="A re-verification is already running"),
        ):
            reverify(store, client=client, settings=SETTINGS)
        # The schedule, due by its clock, skips this round instead of failing.
        scheduler = ReverifyScheduler(
            store,
            every=EVERY,
            settings=SETTINGS,
            client_factory=issuer.client,
            clock=lambda: datetime.now(UTC) + EVERY * 2,
        )
        assert scheduler.due() and scheduler.run_once() is None
        assert scheduler.retry_at is None
    finally:
        release.set()
        runner.join(120)
    assert not runner.is_alive() and len(outcome) == 1
    assert _count(store, "notices", key) == 1
    assert store.rows(
        "SELECT old_status, new_status FROM credential_status_history "
        "WHERE credential_key = ? ORDER BY changed_at",
        [key],
    ) == [(None, "verified"), ("verified", "revoked")]
    # The lock is free again: the next run goes ahead (and finds nothing new).
    with issuer.client() as client:
        assert reverify(store, client=client, settings=SETTINGS).changes == ()


def test_a_stale_plan_does_not_record_a_status_change_twice(store: Store) -> None:
    issuer = BadgeIssuer()
    key = _store_badge(store, issuer, "e1", "ada@example.org", 3)
    issuer.revoked.add(3)
    raw = bytes(store.scalar("SELECT raw FROM credentials WHERE credential_key = ?", [key]))
    with issuer.client() as client:
        report = verify(raw, client=client, settings=SETTINGS)
    assert str(report.status) == "revoked"
    now = datetime.now(UTC)
    plan = plan_reverify([(key, "verified", "e1")], [report], now=now)
    for _ in range(2):  # the second time the stored status is no longer "verified"
        with store.write() as tx:
            apply_plan(tx, plan, actor="reverify", now=now)
    assert store.scalar("SELECT status FROM credentials WHERE credential_key = ?", [key]) == (
        "revoked"
    )
    assert _count(store, "notices", key) == 1
    assert _count(store, "credential_status_history", key) == 2
    assert (
        store.scalar(
            "SELECT count(*) FROM audit_log WHERE subject = ? AND action = 'credential.reverify'",
            [key],
        )
        == 1
    )
    # A plan read while the badge was stored "expired" (since re-submitted): stale too.
    back = plan_reverify([(key, "expired", "e1")], [report], now=now)
    with store.write() as tx:
        apply_plan(tx, back, actor="reverify", now=now)
    assert _count(store, "notices", key) == 1
    assert _count(store, "credential_status_history", key) == 2


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.mark.parametrize(
    ("every", "retry"),
    [(EVERY, timedelta(hours=1)), (timedelta(minutes=20), timedelta(minutes=20))],
)
def test_a_failed_scheduled_run_is_retried_later_not_at_every_poll(
    store: Store, every: timedelta, retry: timedelta
) -> None:
    issuer = BadgeIssuer()
    _store_badge(store, issuer, "e1", "ada@example.org", 3)
    attempts: list[datetime] = []
    clock = Clock(datetime.now(UTC) + EVERY * 2)

    def broken() -> httpx.Client:
        attempts.append(clock.now)
        raise RuntimeError("the network stack is broken")

    scheduler = ReverifyScheduler(
        store, every=every, settings=SETTINGS, client_factory=broken, clock=clock
    )
    failed_at = clock.now
    with pytest.raises(RuntimeError, match="network stack"):
        scheduler.run_once()
    assert attempts == [failed_at] and scheduler.retry_at == failed_at + retry
    # The next polls, until the retry time, fetch nothing.
    assert not scheduler.due() and scheduler.run_once() is None
    clock.now = failed_at + retry - timedelta(seconds=1)
    assert scheduler.run_once() is None and attempts == [failed_at]
    clock.now = failed_at + retry
    with pytest.raises(RuntimeError):
        scheduler.run_once()
    assert attempts == [failed_at, clock.now]
    # Once it works, the schedule is the interval again.
    scheduler.client_factory = issuer.client
    clock.now += retry
    assert scheduler.run_once() is not None and scheduler.retry_at is None
    assert not scheduler.due()


def test_a_badge_is_stamped_with_what_mapped_it_not_what_the_store_holds_later(
    store: Store,
) -> None:
    """HR adds a synonym after the mapper was built and before the badge is written: the
    badge says it was mapped without it, so the next run maps it again with it."""
    from tests.integration.test_reverify_schedule import _tagged_badge

    issuer = BadgeIssuer()
    tag = "qwzx frobnication"
    mapper = skill_mapper(store)
    assert mapper.fingerprint == mapping_fingerprint(store)
    admin.add_synonym(store, HR, tag, PYTHON_ESCO)
    with issuer.client() as client:
        result = ingest_one(
            store,
            _tagged_badge(issuer, tag),
            person_id="e1",
            submitted_by="ada",
            client=client,
            mapper=mapper,
            settings=SETTINGS,
        )
    key = str(result.credential_key)
    stamped = store.scalar("SELECT mapped_with FROM credentials WHERE credential_key = ?", [key])
    assert stamped == mapper.fingerprint != mapping_fingerprint(store)
    assert not store.scalar(
        "SELECT count(*) FROM credential_skills WHERE credential_key = ? AND skill_uri IS NOT NULL",
        [key],
    )
    trust_issuers(store)
    with issuer.client() as client:
        assert reverify(store, client=client, settings=SETTINGS).remapped == 1
    assert store.rows(
        "SELECT skill_uri FROM credential_skills WHERE credential_key = ? "
        "AND skill_uri IS NOT NULL",
        [key],
    ) == [(PYTHON_ESCO,)]


def test_a_status_change_notice_is_in_words_never_codes(store: Store) -> None:
    issuer = BadgeIssuer()
    key = _store_badge(store, issuer, "e1", "ada@example.org", 3)
    with store.write() as tx:  # what re-verification stores: the two statuses only
        tx.execute(
            "INSERT INTO notices (person_id, credential_key, kind, old_status, new_status) "
            "VALUES ('e1', ?, 'status_change', 'verified', 'recipient_mismatch'), "
            "('e1', ?, 'status_change', 'not_yet_valid', 'some_new_status')",
            [key, key],
        )
    mine = notices.my_notices(store, ADA)
    lines = notices.member_lines(mine, escape=plain, link=lambda p, c: f"./profile?person={p}")
    texts = [line.text for line in lines]
    assert any("is no longer issued to any of your addresses" in t for t in texts)
    assert any("changed from not valid yet to some new status" in t for t in texts)
    head, people = notices.digest_lines(
        notices.team_digest(store, HR), escape=plain, link=lambda p, c: "./profile"
    )
    shown = " ".join([*texts, head, *people])
    for code in ("recipient_mismatch", "recipient\\_mismatch", "not_yet_valid", "some_new"):
        assert code not in shown
    assert "issued to someone else" in " ".join(people)
