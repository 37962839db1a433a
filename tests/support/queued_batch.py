"""A seeded organisation with N real signed badges, queued by a second process while the app runs.

Shared by ``tests/e2e/test_live_queue.py`` (a few badges, asserts correctness) and
``benchmarks/bench_load.py`` (thousands of badges under twenty browsers, measures the
drain). Both import it as ``tests.support.queued_batch`` (the project root on ``sys.path``).
"""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BatchInputs:
    """The database and accounts file of a seeded organisation, and a batch CSV for it."""

    db: Path
    accounts: Path
    sheet: Path
    badges: int


def build_inputs(folder: Path, badges: int) -> BatchInputs:
    """Seed ``folder/load.duckdb`` (``tests/support/seed.py``) and write ``badges`` real VC-JWT
    badges (each for a person on record, aligned to an ESCO skill) with their batch CSV."""
    from skills.store import open_store
    from tests.support import seed
    from tests.support.ingest_helpers import BadgeIssuer

    db, accounts = folder / "load.duckdb", folder / "accounts.toml"
    seed.build(db, accounts)
    with open_store(db) as store:
        people = [
            (str(p), str(v))
            for p, v in store.rows(
                "SELECT person_id, value FROM identities WHERE kind = 'email' ORDER BY person_id"
            )
        ]
    issuer = BadgeIssuer()
    badge_dir = folder / "badges"
    badge_dir.mkdir()
    rows: list[tuple[str, str]] = []
    for i in range(badges):
        person, email = people[i % len(people)]
        name = f"{i:05d}.jwt"
        (badge_dir / name).write_text(issuer.badge(email, name=f"Load badge {i}"))
        rows.append((person, f"badges/{name}"))
    sheet = folder / "batch.csv"
    with sheet.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person_id", "url_or_file"])
        writer.writerows(rows)
    return BatchInputs(db, accounts, sheet, badges)


def enqueue_from_another_process(db: Path, sheet: Path, submitted_by: str = "load") -> str:
    """Submit the batch as ``python -m skills ingest`` does, from a second process.

    The caller must already know that the app holds the database (a signed-in session
    is the signal: signing in opens the store). Raises RuntimeError when the second
    process could open the file itself, i.e. the app did not hold it.
    """
    code = (
        "import sys; from pathlib import Path\n"
        "from skills.ingest import expand_batch\n"
        "from skills.ingest.queue import open_or_enqueue, QueuedBatch\n"
        "items = expand_batch(Path(sys.argv[2]))\n"
        "out = open_or_enqueue(sys.argv[1], items, submitted_by=sys.argv[3])\n"
        "assert isinstance(out, QueuedBatch), 'the database was not held by the app'\n"
        "print(out.message)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(db), str(sheet), submitted_by],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return done.stdout.strip()


def stored_counts(db: Path, submitted_by: str = "load") -> dict[str, int]:
    """What the batch left in the database (opened read-only once the app has stopped)."""
    from skills.store import open_store

    queries = {
        "stored": "SELECT count(*) FROM credentials WHERE submitted_by = ?",
        "distinct": "SELECT count(DISTINCT credential_key) FROM credentials WHERE submitted_by = ?",
        "verified": "SELECT count(*) FROM credentials WHERE submitted_by = ? "
        "AND status = 'verified'",
        "submit_audits": "SELECT count(*) FROM audit_log WHERE actor = ? "
        "AND action = 'credential.submit'",
    }
    with open_store(db, read_only=True) as store:
        counts = {k: int(store.scalar(sql, [submitted_by])) for k, sql in queries.items()}
        counts["rejected"] = int(store.scalar("SELECT count(*) FROM rejected_submissions"))
    return counts
