"""Upload limits: per-file size and per-batch count, configured and enforced before parsing.

``SKILLS_MAX_UPLOAD_BYTES`` and ``SKILLS_MAX_BATCH_ITEMS`` set the limits (read once at
the edge into a ``skills.config.Settings`` value that is passed down). A file is measured
with ``stat`` before it is opened; a batch is counted before any item is read or any zip
entry inflated; a refused batch changes nothing.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from skills.config import Settings, settings
from skills.errors import ConfigError, InputTooLarge
from skills.ingest import BatchItem, expand_batch, ingest_batch, ingest_one
from skills.ingest._plan import REJECTED_PREFIX_BYTES
from skills.ingest.queue import enqueue, spool_dir_for
from skills.store import Store
from skills.verify._sources import read_source
from tests.support.hostile_support import changed_tables, fingerprints

pytestmark = pytest.mark.hostile

MB = 1024 * 1024


def test_limits_come_from_the_environment_at_the_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLS_MAX_UPLOAD_BYTES", "1234")
    monkeypatch.setenv("SKILLS_MAX_BATCH_ITEMS", "7")
    assert settings().max_upload_bytes == 1234 and settings().max_batch_items == 7
    monkeypatch.setenv("SKILLS_MAX_UPLOAD_BYTES", "lots")
    with pytest.raises(ConfigError, match="SKILLS_MAX_UPLOAD_BYTES must be a whole number"):
        settings()


def test_an_oversized_file_is_refused_from_its_size_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.png"
    with huge.open("wb") as handle:
        handle.truncate(200 * MB)  # sparse file: reading it would allocate 200 MB
    tracemalloc.start()
    try:
        with pytest.raises(InputTooLarge, match="over the limit of 10,485,760 bytes"):
            read_source(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * MB, f"{peak:,} bytes allocated: the file was read"


def test_the_size_limit_is_checked_before_parsing(
    store: Store,
) -> None:
    limits = Settings(max_upload_bytes=1000)
    deep = b"[" * 600 + b"]" * 600  # 1,200 bytes that would also nest too deep
    result = ingest_one(store, deep, person_id="c1", submitted_by="stranger", settings=limits)
    assert result.rejected and "over the limit of 1,000 bytes" in result.reason
    raw, size = store.rows("SELECT raw, size FROM rejected_submissions")[0]
    assert bytes(raw) == deep[:REJECTED_PREFIX_BYTES] and size == 1200  # a bounded prefix
    small_deep = b"[" * 400 + b"]" * 400
    result = ingest_one(store, small_deep, person_id="c1", submitted_by="stranger", settings=limits)
    assert result.rejected and "nests deeper" in result.reason


def _badge_folder(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"b{i}.json").write_text("{}")
    return folder


def test_batch_counts_are_enforced_before_anything_is_read(store: Store, tmp_path: Path) -> None:
    limits = Settings(max_batch_items=5)
    before = fingerprints(store)
    folder = _badge_folder(tmp_path / "folder", 6)
    with pytest.raises(InputTooLarge, match="holds 6 badges, over the limit of 5"):
        expand_batch(folder, settings=limits)
    sheet = tmp_path / "batch.csv"
    sheet.write_text("person_id,url_or_file\n" + "".join(f"e1,b{i}.json\n" for i in range(6)))
    with pytest.raises(InputTooLarge, match="lists 6 badges, over the limit of 5"):
        expand_batch(sheet, settings=limits)
    items = [BatchItem(b"{}", "e1", f"b{i}") for i in range(6)]
    with pytest.raises(InputTooLarge, match="6 items, over the limit of 5"):
        ingest_batch(store, items, submitted_by="hr", settings=limits)
    spool = spool_dir_for(store.path)
    with pytest.raises(InputTooLarge, match="6 items, over the limit of 5"):
        enqueue(spool, items, submitted_by="hr", settings=limits)
    assert not spool.exists() or not any(spool.iterdir())
    assert changed_tables(before, fingerprints(store)) == set()


def test_a_zip_is_counted_before_any_entry_is_inflated(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(6):  # six 30 MB entries of zeros: ~180 MB if inflated
            archive.writestr(f"b{i}.json", b"\0" * (30 * MB))
    path = tmp_path / "many.zip"
    path.write_bytes(buffer.getvalue())
    del buffer
    tracemalloc.start()
    try:
        with pytest.raises(InputTooLarge, match="holds 6 files, over the limit of 5"):
            expand_batch(path, settings=Settings(max_batch_items=5))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * MB, f"{peak:,} bytes allocated: entries were inflated"


def test_a_zip_entry_is_inflated_only_up_to_the_file_limit(store: Store, tmp_path: Path) -> None:
    limits = Settings(max_upload_bytes=MB)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.json", b" " * (100 * MB))
    path = tmp_path / "bomb.zip"
    path.write_bytes(buffer.getvalue())
    del buffer
    tracemalloc.start()
    try:
        items = expand_batch(path, person_id="c1", settings=limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MB, f"{peak:,} bytes allocated for a 100 MB entry"
    summary = ingest_batch(store, items, submitted_by="stranger", workers=1, settings=limits)
    assert summary.counts["rejected"] == 1
    assert "over the limit" in summary.results[0].reason


def test_the_streamlit_upload_cap_is_not_above_what_the_server_accepts() -> None:
    """``server.maxUploadSize`` bounds what Streamlit holds in memory per file."""
    import tomllib

    config = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
    cap_mb = tomllib.loads(config.read_text())["server"]["maxUploadSize"]
    assert cap_mb <= 200
    assert cap_mb * MB >= settings().max_upload_bytes, "the app would refuse files skills accepts"
