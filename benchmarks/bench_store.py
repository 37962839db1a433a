"""Store speed: pre-verified bulk ingest (credentials/s) against row-by-row inserts.

Ours: :func:`skills.store.bulk_load` of 100,000 credentials (raw bytes, checks
JSON, two skills each) into a fresh DuckDB file, one transaction, registered
DataFrames and ``INSERT ... SELECT``. Peer: the same rows through DuckDB
``executemany`` (row by row) on 5,000 credentials, the approach the design
rules out. Goal: >= 20,000 credentials/s.

Run alone: ``python benchmarks/bench_store.py``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skills.store import bulk_load, open_store

N_OURS = 100_000
N_PEER = 5_000
CHECKS = json.dumps(
    [{"name": n, "outcome": "passed", "message": "ok"} for n in ("input", "signature", "validity")]
)


def frames(n: int) -> dict[str, pd.DataFrame]:
    """Pre-verified rows: n credentials over n // 10 people, two skills per credential."""
    people = max(1, n // 10)
    keys = [f"urn:uuid:bench-{i:09d}" for i in range(n)]
    issued = pd.date_range("2023-01-01", periods=n, freq="min", tz="UTC")
    credentials = pd.DataFrame(
        {
            "credential_key": keys,
            "credential_id": keys,
            "person_id": [f"p{i % people}" for i in range(n)],
            "submitted_by": "bench",
            "format": "ob3-di",
            "status": "verified",
            "summary": "Verified: signed by its issuer.",
            "issued": issued,
            "verified_at": issued,
            "source_sha256": "0" * 64,
            "raw": pd.Series([b'{"type":"OpenBadgeCredential"}' * 20] * n, dtype="object"),
            "issuer_id": [f"did:key:issuer{i % 10}" for i in range(n)],
            "achievement_id": [f"urn:a:{i % 500}" for i in range(n)],
            "checks": CHECKS,
        }
    )
    skills = pd.DataFrame(
        {
            "credential_key": keys + keys,
            "skill_uri": [f"http://data.europa.eu/esco/skill/s{i % 2000}" for i in range(2 * n)],
            "label": "skill",
            "source": "alignment",
            "confidence": 0.9,
            "method": "uri",
        }
    )
    persons = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(people)],
            "display_name": [f"Person {i}" for i in range(people)],
            "kind": "employee",
        }
    )
    return {"people": persons, "credentials": credentials, "credential_skills": skills}


def bulk_rate(n: int) -> float:
    data = frames(n)
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "b.duckdb") as store:
        start = time.perf_counter()
        counts = bulk_load(store, data)
        elapsed = time.perf_counter() - start
        assert counts["credentials"] == n
    return n / elapsed


def executemany_rate(n: int) -> float:
    data = frames(n)
    creds = data["credentials"]
    cols = list(creds.columns)
    rows = [list(r) for r in creds.itertuples(index=False, name=None)]
    skill_rows = [list(r) for r in data["credential_skills"].itertuples(index=False, name=None)]
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "p.duckdb") as store:
        start = time.perf_counter()
        with store.write() as tx:
            cur = tx._cur  # the peer deliberately bypasses the bulk path
            cur.executemany(
                f"INSERT INTO credentials ({', '.join(cols)}) VALUES "
                f"({', '.join('?' for _ in cols)})",
                rows,
            )
            cur.executemany(
                "INSERT INTO credential_skills (credential_key, skill_uri, label, source, "
                "confidence, method) VALUES (?, ?, ?, ?, ?, ?)",
                skill_rows,
            )
        elapsed = time.perf_counter() - start
    return n / elapsed


def rows() -> list[dict[str, Any]]:
    """Rows {what, size, ours, peer, ratio} for benchmarks/run.py."""
    ours = bulk_rate(N_OURS)
    peer = executemany_rate(N_PEER)
    return [
        {
            "what": "store: pre-verified bulk ingest, credentials/s (goal >= 20,000; "
            "peer: row-by-row executemany)",
            "size": f"{N_OURS:,} credentials (peer {N_PEER:,})",
            "ours": f"{ours:,.0f}",
            "peer": f"{peer:,.0f}",
            "ratio": f"{ours / peer:.1f}",
        }
    ]


if __name__ == "__main__":
    for row in rows():
        print(row)
