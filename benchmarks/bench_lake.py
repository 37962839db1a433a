"""The lake backend against the embedded file (issue 17), in one table with ratios.

- Page queries: the slowest p95 of each page's queries (``tests/support/page_queries.py``)
  on the 115,000-person demo (``benchmarks/_bigdemo.py``), on the embedded file and on a
  lake it was imported into (``python -m skills lake import``'s function; its time is a
  row too). Ratio: lake / embedded.
- Ingest throughput: ``BADGES`` signed badges through the embedded store in one process
  (``ingest_batch``, its skill matcher fitted first), then through the shared queue on a lake with
  1 and 2 long-running ``python -m skills ingest-worker`` processes, ready before the batch
  is enqueued (timed from the enqueue); badges per second, the median of ``REPEATS``
  runs each. Ratio: against the embedded run. One verification process per
  worker (``SKILLS_WORKERS=1``) on this 2-core machine.

The lake's catalog is a private PostgreSQL cluster (``tests/support/postgres.py``) and its
data folder a local directory, so the figures show the lake's own cost, not a network's.
Run: ``.venv/bin/python benchmarks/run.py lake``.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _bigdemo import database  # noqa: E402

from skills.config import DATA_DIR, LakeLocation  # noqa: E402
from skills.ingest import BatchItem, ingest_batch, org_matcher  # noqa: E402
from skills.ingest.people import import_people  # noqa: E402
from skills.ingest.shared_queue import enqueue  # noqa: E402
from skills.store import open_store  # noqa: E402
from skills.store._lake import LakeStore, import_file  # noqa: E402
from tests.support import postgres  # noqa: E402
from tests.support.ingest_helpers import PEOPLE_CSV, BadgeIssuer  # noqa: E402
from tests.support.page_queries import page_queries  # noqa: E402

RUNS = 15
BADGES = 2000
REPEATS = 3
DONE = re.compile(r"([\d,]+) done$")


def _p95(fn: Callable[[], Any]) -> float:
    fn()  # warm caches once
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.quantiles(times, n=20)[-1]


def _page_rows(cluster: postgres.Cluster, folder: Path) -> list[dict[str, Any]]:
    db = database()
    lake = LakeLocation(cluster.new_database(), f"{folder}/pages/", DATA_DIR / "extensions")
    start = time.perf_counter()
    with open_store(lake) as store:
        assert isinstance(store, LakeStore)
        copied = import_file(store, db)
    took = time.perf_counter() - start
    rows = [
        {
            "what": "lake import of the demo file",
            "size": f"{sum(copied.values()):,} rows",
            "ours": f"{took:.1f} s",
            "peer": "-",
            "ratio": "-",
        }
    ]
    with open_store(db) as embedded, open_store(lake) as store:
        people = int(embedded.scalar("SELECT count(*) FROM people"))
        theirs, ours = page_queries(embedded), page_queries(store)
        for page, calls in theirs.items():
            file_ms = max(_p95(c) for c in calls)
            lake_ms = max(_p95(c) for c in ours[page])
            rows.append(
                {
                    "what": f"queries {page}, slowest p95: lake (embedded file as peer)",
                    "size": f"{people:,} people",
                    "ours": f"{lake_ms:.0f} ms",
                    "peer": f"{file_ms:.0f} ms",
                    "ratio": f"{lake_ms / file_ms:.2f}",
                }
            )
    return rows


def _items(issuer: BadgeIssuer, n: int) -> list[BatchItem]:
    return [
        BatchItem(issuer.badge("ada@example.org", name=f"Badge {i}"), None, f"{i}.jwt")
        for i in range(n)
    ]


def _embedded_rate(folder: Path, issuer: BadgeIssuer, run: int) -> float:
    with open_store(folder / f"ingest-{run}.duckdb") as store:
        import_people(store, PEOPLE_CSV)
        items = _items(issuer, BADGES)
        org_matcher(store)  # fitted before the clock starts, as a ready worker's is
        start = time.perf_counter()
        ingest_batch(store, items, submitted_by="bench", workers=1)
        return BADGES / (time.perf_counter() - start)


def _lake_rate(
    cluster: postgres.Cluster, folder: Path, issuer: BadgeIssuer, workers: int, run: int
) -> float:
    """Long-running workers, started and ready (matcher fitted: each says "draining"),
    then the batch is enqueued; timed from the enqueue to the progress line that reports
    every row done (the workers' own signal, no polling)."""
    lake = LakeLocation(
        cluster.new_database(), f"{folder}/ingest-{workers}-{run}/", DATA_DIR / "extensions"
    )
    with open_store(lake) as store:
        import_people(store, PEOPLE_CSV)
    env = {
        **os.environ,
        "SKILLS_STORE": "ducklake",
        "SKILLS_LAKE_CATALOG": lake.catalog,
        "SKILLS_LAKE_DATA": lake.data_path,
        "SKILLS_WORKERS": "1",
        "PYTHONPATH": str(ROOT),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "skills", "ingest-worker", "--poll", "0.1", "--claim", "100"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    all_done = threading.Event()
    ready = threading.Barrier(workers + 1)

    def follow(proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if ": draining" in line:
                ready.wait()
            elif (m := DONE.search(line)) and int(m.group(1).replace(",", "")) == BADGES:
                all_done.set()

    readers = [threading.Thread(target=follow, args=(p,), daemon=True) for p in procs]
    for reader in readers:
        reader.start()
    items = _items(issuer, BADGES)
    try:
        ready.wait(timeout=300)
        start = time.perf_counter()
        with open_store(lake) as store:
            enqueue(store, items, submitted_by="bench")
        assert all_done.wait(timeout=600), "the workers did not finish"
        took = time.perf_counter() - start
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
    with open_store(lake) as store:
        assert store.scalar("SELECT count(DISTINCT credential_key) FROM credentials") == BADGES
    return BADGES / took


def _ingest_rows(cluster: postgres.Cluster, folder: Path) -> list[dict[str, Any]]:
    issuer = BadgeIssuer()
    embedded = statistics.median(_embedded_rate(folder, issuer, r) for r in range(REPEATS))
    rows = [
        {
            "what": "ingest, embedded file, one process (median of 3)",
            "size": f"{BADGES:,} badges",
            "ours": f"{embedded:.0f} badges/s",
            "peer": "-",
            "ratio": "1.00",
        }
    ]
    for workers in (1, 2):
        rate = statistics.median(
            _lake_rate(cluster, folder, issuer, workers, r) for r in range(REPEATS)
        )
        rows.append(
            {
                "what": f"ingest, lake, {workers} worker(s) (median of 3; embedded as peer)",
                "size": f"{BADGES:,} badges",
                "ours": f"{rate:.0f} badges/s",
                "peer": f"{embedded:.0f} badges/s",
                "ratio": f"{rate / embedded:.2f}",
            }
        )
    return rows


def rows() -> list[dict[str, Any]]:
    with postgres.running() as cluster, tempfile.TemporaryDirectory() as tmp:
        return _page_rows(cluster, Path(tmp)) + _ingest_rows(cluster, Path(tmp))


if __name__ == "__main__":
    for row in rows():
        print(row)
