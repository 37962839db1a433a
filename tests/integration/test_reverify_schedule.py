"""Re-verification on a schedule (issue 14): a real DuckDB file, real signed badges, a status
list served through ``httpx.MockTransport`` that changes between runs, and a clock the test
moves, never a sleep.

- A restart does not re-run at once; a run is due an interval after the last one.
- Every run updates ``verified_at``, also when the status did not change.
- A revocation found by a run becomes a status-change notice the member sees.
- Re-mapping: a badge whose tag mapped to nothing is mapped again after HR adds an
  organisation synonym, and its skill is then held.
- The thread runs on its own, survives errors (logged), and stops.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest
from openbadgeslib.ob3 import Achievement, IdentityObject, Issuer, OB3Signer, OpenBadgeCredential

from skills.access import Role, Viewer
from skills.bootstrap import serve
from skills.config import DEFAULTS, Settings
from skills.explain import plain
from skills.ingest import (
    ReverifyScheduler,
    ingest_one,
    last_checked,
    mapping_fingerprint,
    reverify,
    start_reverify_scheduler,
)
from skills.ingest._schedule import RETRY_AFTER
from skills.services import admin
from skills.services.notices import member_lines, my_notices
from skills.store import Store
from tests.support.ingest_helpers import PYTHON_ESCO, BadgeIssuer, trust_issuers

SETTINGS = replace(DEFAULTS, workers=1)
EVERY = timedelta(hours=24)
ADA = Viewer(account="ada", role=Role.MEMBER, person_id="e1", name="Ada Lovelace")
ALAN = Viewer(account="alan", role=Role.MEMBER, person_id="e2", name="Alan Turing")
HR = Viewer(account="hr", role=Role.HR, name="HR")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def _row(store: Store, key: str) -> pd.Series:
    return store.read(
        "SELECT status, verified_at, mapped_with FROM credentials WHERE credential_key = ?", [key]
    ).iloc[0]


def _stored_badge(store: Store, issuer: BadgeIssuer) -> str:
    with issuer.client() as client:
        result = ingest_one(
            store,
            issuer.badge("ada@example.org", status_index=3),
            person_id="e1",
            submitted_by="ada",
            client=client,
            settings=SETTINGS,
        )
    assert result.status == "verified" and result.credential_key
    trust_issuers(store)
    return result.credential_key


def test_a_schedule_rechecks_records_a_revocation_and_the_member_sees_it(store: Store) -> None:
    issuer = BadgeIssuer()
    key = _stored_badge(store, issuer)
    clock = Clock(datetime.now(UTC))
    scheduler = ReverifyScheduler(
        store, every=EVERY, settings=SETTINGS, client_factory=issuer.client, clock=clock
    )

    # Just verified at submission: a restarted server does not re-check at once.
    assert scheduler.run_once() is None

    clock.advance(EVERY + timedelta(minutes=1))
    first = scheduler.run_once()
    assert first is not None and first.checked == 1 and first.changes == ()
    row = _row(store, key)
    assert row["status"] == "verified"
    # verified_at moves with every check, also when nothing changed.
    assert row["verified_at"].to_pydatetime() == clock.now
    assert last_checked(store) == clock.now
    assert scheduler.run_once() is None  # the run just made is the last one now
    assert my_notices(store, ADA)["kind"].tolist() == []

    issuer.revoked.add(3)
    clock.advance(EVERY)
    second = scheduler.run_once()
    assert second is not None and second.changes == ((key, "verified", "revoked"),)
    assert _row(store, key)["status"] == "revoked"
    notice = store.read("SELECT * FROM notices").iloc[0]
    assert (notice["person_id"], notice["credential_key"], notice["kind"]) == (
        "e1",
        key,
        "status_change",
    )
    assert (notice["old_status"], notice["new_status"]) == ("verified", "revoked")
    assert notice["message"] is None  # the sentence is built when shown, in words
    mine = my_notices(store, ADA)
    line = member_lines(mine, escape=plain, link=lambda p, c: "./profile")[0]
    assert line.text.startswith(
        "Your badge “Python Programming” was revoked by its issuer; its skills no longer count."
    )
    assert mine[["kind", "credential_key", "status"]].values.tolist() == [
        ["status_change", key, "revoked"]
    ]
    assert mine["verified_at"].iloc[0].to_pydatetime() == clock.now
    assert my_notices(store, ALAN).empty  # nobody else's
    runs = store.read(
        "SELECT actor, detail FROM audit_log WHERE action = 'reverify.run' ORDER BY logged_at"
    )
    assert runs["actor"].tolist() == ["schedule", "schedule"]


def test_a_manual_run_postpones_the_schedule(store: Store) -> None:
    issuer = BadgeIssuer()
    _stored_badge(store, issuer)
    clock = Clock(datetime.now(UTC) + EVERY + timedelta(hours=1))
    scheduler = ReverifyScheduler(
        store, every=EVERY, settings=SETTINGS, client_factory=issuer.client, clock=clock
    )
    assert scheduler.due()
    with issuer.client() as client:  # `python -m skills reverify` from cron: the same function
        reverify(store, actor="cron", client=client, now=clock.now, settings=SETTINGS)
    assert not scheduler.due()
    assert scheduler.run_once() is None


def test_an_empty_database_is_never_due(store: Store) -> None:
    scheduler = ReverifyScheduler(
        store, every=EVERY, settings=SETTINGS, clock=lambda: datetime(2100, 1, 1, tzinfo=UTC)
    )
    assert last_checked(store) is None and not scheduler.due()


def test_the_thread_runs_by_itself_survives_errors_and_stops(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    issuer = BadgeIssuer()
    key = _stored_badge(store, issuer)
    failing = threading.Event()

    def client_factory() -> httpx.Client:
        if not failing.is_set():
            failing.set()
            # A failed run is retried no sooner than an hour later (not at every poll):
            # move the clock there, so the thread's next look finds it due.
            clock.advance(RETRY_AFTER)
            raise RuntimeError("the network stack is broken")
        return issuer.client()

    clock = Clock(datetime.now(UTC) + EVERY * 2)
    settings: Settings = replace(SETTINGS, reverify_every_hours=24.0)
    caplog.set_level(logging.ERROR, logger="skills.reverify")
    scheduler = start_reverify_scheduler(
        store, settings, client_factory=client_factory, clock=clock, poll=0.0
    )
    assert scheduler is not None and scheduler.daemon
    try:
        assert scheduler.finished.wait(120), scheduler.error
    finally:
        scheduler.stop(timeout=60)
    assert not scheduler.is_alive()
    # The first attempt failed and was logged; the thread went on and the next one ran.
    assert failing.is_set()
    assert any(
        r.exc_info and "the network stack is broken" in str(r.exc_info[1]) for r in caplog.records
    )
    assert scheduler.last is not None and scheduler.last.checked == 1
    assert _row(store, key)["verified_at"].to_pydatetime() == clock.now


def test_a_schedule_of_zero_hours_is_off(store: Store) -> None:
    assert start_reverify_scheduler(store, replace(SETTINGS, reverify_every_hours=0)) is None


def test_the_interval_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from skills.config import settings

    monkeypatch.setenv("SKILLS_REVERIFY_EVERY_HOURS", "0.5")
    monkeypatch.setenv("SKILLS_NOTICE_DAYS", "60")
    found = settings()
    assert (found.reverify_every_hours, found.notice_days) == (0.5, 60)
    monkeypatch.setenv("SKILLS_REVERIFY_EVERY_HOURS", "soon")
    from skills.errors import ConfigError

    with pytest.raises(ConfigError, match="SKILLS_REVERIFY_EVERY_HOURS"):
        settings()


# -- re-mapping ----------------------------------------------------------------------------


def _tagged_badge(issuer: BadgeIssuer, tag: str) -> str:
    """A signed badge whose only skill mention is the tag ``tag`` (no alignment)."""
    achievement = Achievement(
        id="https://issuer.example/achievements/tagged",
        name="Zorblax Certificate",
        description="Zorblax: demonstrated in practice.",
        criteria_narrative="Passed the practical exam.",
        tags=[tag],
        achievement_type="Badge",
        alignments=[],
    )
    credential = OpenBadgeCredential(
        issuer=Issuer(id=issuer.did, name="Acme Academy", url="https://issuer.example"),
        recipient_id=None,
        achievement=achievement,
        id="urn:uuid:7c1f6a55-7b43-4bd1-9d0e-2f6c9c5a1e01",
        issuance_date=datetime.now(UTC) - timedelta(days=3),
        identifiers=[IdentityObject.create("ada@example.org", salt="s4lt")],
    )
    token: str = OB3Signer(issuer._pem(), algorithm="EdDSA").sign(credential)
    return token


def test_reverify_maps_again_after_hr_adds_a_synonym(store: Store) -> None:
    issuer = BadgeIssuer()
    tag = "qwzx frobnication"
    with issuer.client() as client:
        result = ingest_one(
            store,
            _tagged_badge(issuer, tag),
            person_id="e1",
            submitted_by="ada",
            client=client,
            settings=SETTINGS,
        )
    assert result.status == "verified"
    key = str(result.credential_key)
    trust_issuers(store)
    before = store.read(
        "SELECT skill_uri, mention FROM credential_skills WHERE credential_key = ?", [key]
    )
    assert before["skill_uri"].isna().all()  # the tag maps to nothing
    stamped = _row(store, key)["mapped_with"]
    assert stamped == mapping_fingerprint(store)

    with issuer.client() as client:  # nothing changed: nothing is mapped again
        assert reverify(store, client=client, settings=SETTINGS).remapped == 0

    admin.add_synonym(store, HR, tag, PYTHON_ESCO)
    assert mapping_fingerprint(store) != stamped
    with issuer.client() as client:
        summary = reverify(store, client=client, settings=SETTINGS)
    assert summary.remapped == 1 and summary.changes == ()
    after = store.read(
        "SELECT skill_uri, mention, method FROM credential_skills WHERE credential_key = ?", [key]
    )
    assert after["skill_uri"].tolist() == [PYTHON_ESCO]
    assert _row(store, key)["mapped_with"] == mapping_fingerprint(store)
    held = store.read("SELECT person_id, skill_uri FROM held_skills WHERE person_id = 'e1'")
    assert held.values.tolist() == [["e1", PYTHON_ESCO]]
    remap = store.read(
        "SELECT subject, person_id, detail FROM audit_log WHERE action = 'credential.remap'"
    )
    assert remap[["subject", "person_id"]].values.tolist() == [[key, "e1"]]
    assert PYTHON_ESCO in remap["detail"].iloc[0]


def test_esco_an_organisation_skill_and_the_threshold_change_the_fingerprint(store: Store) -> None:
    first = mapping_fingerprint(store)
    assert first == mapping_fingerprint(store)  # stable
    assert mapping_fingerprint(store, esco="another ESCO release") != first
    admin.add_skill(store, HR, "Zorblax wrangling")
    second = mapping_fingerprint(store)
    assert second != first
    with store.write() as tx:  # inferred skills below the threshold go to review instead
        tx.execute("UPDATE app_settings SET value = '0.9' WHERE key = 'held_confidence_threshold'")
    assert mapping_fingerprint(store) != second


def test_the_server_starts_one_schedule_and_stops_it(tmp_path: Path) -> None:
    settings = replace(SETTINGS, db_path=tmp_path / "served.duckdb", reverify_every_hours=6)
    app = serve(settings)
    try:
        scheduler = app.scheduler
        assert scheduler is not None and scheduler.is_alive() and scheduler.daemon
        assert scheduler.every == timedelta(hours=6)
        assert serve(settings).scheduler is scheduler  # one per process and database file
    finally:
        app.close()
    assert not scheduler.is_alive()
    off = serve(replace(settings, db_path=tmp_path / "off.duckdb", reverify_every_hours=0))
    try:
        assert off.scheduler is None
    finally:
        off.close()
