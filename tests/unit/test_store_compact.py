"""``Store.compact()`` while readers are active (issue 11, found in review).

Compaction closes the connection and swaps the file in; it used to fail with
"connection is busy" while reader threads had queries in flight. Reads now pass a gate:
compaction waits for the reads in flight and holds new ones until the new file is open.
"""

from __future__ import annotations

import threading
from pathlib import Path

from skills.store import open_store

READERS = 4


def test_compaction_waits_for_reads_in_flight_and_readers_never_fail(tmp_path: Path) -> None:
    store = open_store(tmp_path / "atlas.duckdb")
    with store.write() as tx:
        tx.execute("CREATE TABLE numbers AS SELECT range AS n FROM range(200000)")
    started = threading.Barrier(READERS + 1)
    done = threading.Event()
    errors: list[BaseException] = []
    reads = [0] * READERS

    def reader(i: int) -> None:
        started.wait()
        while not done.is_set() or reads[i] == 0:
            try:
                assert store.scalar("SELECT sum(n) FROM numbers") == 199999 * 200000 // 2
                reads[i] += 1
            except BaseException as err:
                errors.append(err)
                return

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    for thread in threads:
        thread.start()
    started.wait()  # every reader is reading when compaction starts
    try:
        generation = store.generation
        for _ in range(3):
            store.compact()
        assert store.generation == generation + 3
    finally:
        done.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert all(reads)
    assert store.scalar("SELECT count(*) FROM numbers") == 200000
    store.close()
