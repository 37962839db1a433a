"""The ingest queue: a batch started while the app holds the database is spooled, then drained.

The app process is the database's only writer; ``python -m skills ingest`` meanwhile
must neither fail nor corrupt. It spools the batch next to the database
(``skills.ingest.queue.enqueue``) and the app drains it (``skills.ingest.queue.drain`` in a
``start_drainer`` thread).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skills.ingest import BatchItem, Mapper
from skills.ingest.queue import (
    INCOMING_PREFIX,
    MANIFEST,
    drain,
    enqueue,
    failed,
    pending,
    spool_dir_for,
    start_drainer,
)
from skills.store import Store
from tests.support.hostile_support import ROOT
from tests.support.ingest_helpers import BadgeIssuer

pytestmark = pytest.mark.hostile

EMAILS = {"e1": "ada@example.org", "e2": "alan@example.org", "c1": "katherine@example.org"}


def _stored(store: Store) -> dict[str, int]:
    return {
        str(k): int(n)
        for k, n in store.rows("SELECT credential_key, count(*) FROM credentials GROUP BY 1")
    }


@pytest.fixture(autouse=True)
def _mapper_everywhere(mapper: Mapper, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drains build their mapper with skill_mapper(store); reuse the session's (ESCO loads once)."""
    monkeypatch.setattr("skills.ingest._batch.skill_mapper", lambda _store: mapper)


def test_a_queued_batch_is_ingested_once_and_its_entry_removed(
    store: Store, issuer: BadgeIssuer, tmp_path: Path
) -> None:
    badge_file = tmp_path / "ada.jwt"
    badge_file.write_text(issuer.badge("ada@example.org"))
    items = [
        BatchItem(badge_file, "e1", "ada.jwt"),
        BatchItem(issuer.badge("alan@example.org").encode(), "e2", "alan upload"),
        BatchItem(issuer.badge("katherine@example.org"), "c1", "pasted text"),
        BatchItem(b'{"a": NaN}', "c1", "junk"),
    ]
    spool = spool_dir_for(store.path)
    queued = enqueue(spool, items, submitted_by="cli-user")
    badge_file.unlink()  # the queue holds its own copy
    assert "the batch of 4 items was queued" in queued.message
    assert "see the Admin page" in queued.message
    assert [b.batch_id for b in pending(spool)] == [queued.batch_id]

    summary = drain(store, spool)
    assert summary.total == 4
    assert summary.counts["verified"] == 3 and summary.counts["rejected"] == 1
    assert pending(spool) == [] and not queued.entry.exists()
    assert sorted(_stored(store).values()) == [1, 1, 1]
    assert (
        store.scalar(
            "SELECT count(*) FROM credentials WHERE submitted_by = 'cli-user' "
            "AND status = 'verified'"
        )
        == 3
    )
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'queue.ingest'") == 1
    assert drain(store, spool).total == 0


def test_half_written_entries_are_never_read_and_are_cleaned_when_stale(
    store: Store, issuer: BadgeIssuer
) -> None:
    spool = spool_dir_for(store.path)
    queued = enqueue(
        spool, [BatchItem(issuer.badge("ada@example.org"), "e1", "a")], submitted_by="x"
    )
    # A writer killed before its rename, and a ready-named folder that lost its manifest.
    (spool / f"{INCOMING_PREFIX}dead" / "items").mkdir(parents=True)
    (spool / f"{INCOMING_PREFIX}dead" / "items" / "000000.bin").write_bytes(b"half")
    cut = spool / "20000101T000000000000Z-cut"
    (cut / "items").mkdir(parents=True)
    assert [b.batch_id for b in pending(spool)] == [queued.batch_id]

    summary = drain(store, spool)  # fresh leftovers may still be being written: kept
    assert summary.total == 1 and (spool / f"{INCOMING_PREFIX}dead").exists()
    summary = drain(store, spool, stale_after=0.0)
    assert summary.total == 0
    assert not (spool / f"{INCOMING_PREFIX}dead").exists() and not cut.exists()
    assert store.scalar("SELECT count(*) FROM rejected_submissions") == 0


def test_an_unreadable_entry_is_set_aside_with_its_reason(
    store: Store, issuer: BadgeIssuer
) -> None:
    spool = spool_dir_for(store.path)
    bad = enqueue(spool, [BatchItem(b"{}", "e1", "x")], submitted_by="x")
    (bad.entry / MANIFEST).write_text("{not json")
    good = enqueue(spool, [BatchItem(issuer.badge("ada@example.org"), "e1", "a")], submitted_by="x")
    summary = drain(store, spool)
    assert summary.counts["verified"] == 1
    assert not good.entry.exists()
    ((name, reason),) = failed(spool)
    assert name == bad.entry.name and "unreadable" in reason


def test_the_drainer_thread_ingests_what_arrives(store: Store, issuer: BadgeIssuer) -> None:
    spool = spool_dir_for(store.path)
    drainer = start_drainer(store, spool, interval=0.05)
    try:
        enqueue(spool, [BatchItem(issuer.badge("ada@example.org"), "e1", "a")], submitted_by="x")
        assert drainer.ingested.wait(300), "the drainer never ingested the batch"
    finally:
        drainer.stop(timeout=30)
    assert drainer.drained == 1 and drainer.error is None
    assert not drainer.is_alive()
    assert store.scalar("SELECT count(*) FROM credentials WHERE status = 'verified'") == 1


def _python(
    code: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_another_process_queues_while_this_one_holds_the_database(
    store: Store, issuer: BadgeIssuer, tmp_path: Path
) -> None:
    """This test process plays the app (it holds the file); a second process ingests."""
    badge = tmp_path / "ada.jwt"
    badge.write_text(issuer.badge("ada@example.org"))
    code = (
        "import sys; from pathlib import Path\n"
        "from skills.ingest import expand_batch\n"
        "from skills.ingest.queue import open_or_enqueue, QueuedBatch\n"
        "items = expand_batch(Path(sys.argv[2]), person_id='e1')\n"
        "out = open_or_enqueue(sys.argv[1], items, submitted_by='cli')\n"
        "assert isinstance(out, QueuedBatch), out\n"
        "print(out.message)\n"
    )
    done = _python(code, str(store.path), str(badge))
    assert done.returncode == 0, done.stderr
    assert "was queued" in done.stdout
    summary = drain(store, spool_dir_for(store.path))
    assert summary.counts["verified"] == 1


def test_the_ingest_command_queues_instead_of_failing_while_the_app_runs(
    store: Store, issuer: BadgeIssuer, tmp_path: Path
) -> None:
    """``python -m skills ingest`` against a held database: exit 0, a clear message, queued."""
    badge = tmp_path / "alan.jwt"
    badge.write_text(issuer.badge("alan@example.org"))
    done = subprocess.run(
        [sys.executable, "-m", "skills", "ingest", str(badge), "--as", "e2", "--db",
         str(store.path), "--wait", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "The app is running and holds the database" in output and "was queued" in output
    assert drain(store, spool_dir_for(store.path)).counts["verified"] == 1


def test_admin_lists_the_shared_queues_unfinished_batches(
    store: Store, issuer: BadgeIssuer
) -> None:
    """Batches in the shared queue (``ingest --queue``) show in Admin until a worker has
    ingested them: waiting, then being ingested once claimed, then gone."""
    from skills.access import make_viewer
    from skills.ingest.shared_queue import drain_shared, enqueue
    from skills.services.admin import ingest_queue

    hr = make_viewer(store, account="hr", role="hr", person_id=None)
    items = [
        BatchItem(issuer.badge("ada@example.org", name=f"Q{i}"), None, f"{i}.jwt") for i in range(3)
    ]
    batch = enqueue(store, items, submitted_by="cli")
    listed = ingest_queue(store, hr)
    assert listed[["batch", "state", "submitted_by", "items"]].values.tolist() == [
        [batch, "waiting", "cli", 3]
    ]
    store.run_write(
        lambda tx: tx.execute("UPDATE ingest_queue SET claimed_by = 'w' WHERE position = 0")
    )
    assert ingest_queue(store, hr)["state"].tolist() == ["being ingested"]
    drain_shared(store, name="w2")  # "w" is gone (no open store holds it): taken over
    assert ingest_queue(store, hr).empty
    assert store.scalar("SELECT count(*) FROM credentials") == 3
