"""A process for the crash tests to SIGKILL: ingests a folder, or drains the app's queue.

Usage (from the project root): ``python -m tests.support.crash_worker MODE DB SOURCE FAULT``

- MODE ``ingest``: ``ingest_batch`` of the badge files in folder SOURCE, filed under e1;
  MODE ``drain``: ``skills.ingest.queue.drain`` of the spool folder SOURCE (what the app does).
- FAULT ``committed:N``: print ``READY`` once N chunks are committed and keep going;
  ``midwrite:N``: in the N-th chunk's transaction, after the credential rows are
  inserted and before their skills, print ``READY`` and stop there (until killed).

Chunks are 25 items and verification runs in this process (one worker), so the
fault lands where it says.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from skills.ingest import expand_batch, ingest_batch
from skills.ingest.queue import drain
from skills.store import Tx, open_store

CHUNK = 25


def main() -> None:
    mode, db, source, fault = sys.argv[1:5]
    kind, _, number = fault.partition(":")
    target = int(number)
    store = open_store(db)
    chunks = {"credentials": 0}

    if kind == "midwrite":
        original = Tx.insert_frame

        def insert_frame(self: Tx, table: str, frame: Any, **kw: Any) -> int:
            n = original(self, table, frame, **kw)
            if table == "credentials":
                chunks["credentials"] += 1
                if chunks["credentials"] == target:
                    print("READY", flush=True)
                    time.sleep(3600)
            return n

        Tx.insert_frame = insert_frame  # type: ignore[method-assign]

    def progress(done: int, total: int) -> None:
        if kind == "committed" and done >= target * CHUNK and done < total:
            print("READY", flush=True)

    if mode == "ingest":
        items = expand_batch(Path(source), person_id="e1")
        ingest_batch(
            store, items, submitted_by="crash", workers=1, progress=progress, chunk_size=CHUNK
        )
    else:
        drain(store, Path(source), progress=progress, workers=1, chunk_size=CHUNK)
    print("FINISHED", flush=True)
    store.close()


if __name__ == "__main__":
    main()
