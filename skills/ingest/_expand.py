"""A folder, a zip or a CSV of (person, url_or_file) rows as :class:`BatchItem` s."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path, PurePosixPath

from skills.config import DEFAULTS, Settings
from skills.errors import ImportRowsError, InputTooLarge
from skills.ingest._plan import (
    BatchItem,
)

_BADGE_SUFFIXES = frozenset({".json", ".jsonld", ".jwt", ".jws", ".png", ".svg", ".txt", ".url"})
_CSV_PERSON = ("person_id", "person")
_CSV_SOURCE = ("url_or_file", "source", "url", "file")


def expand_batch(
    path: Path, *, person_id: str | None = None, settings: Settings | None = None
) -> list[BatchItem]:
    """The submissions in a folder, a zip file, or a CSV of (person, url_or_file) rows.

    - folder: every badge-like file below it (json, jwt, jws, png, svg, txt), sorted;
    - zip: the same inside the archive, read in memory with entry-count, per-entry
      and total decompressed size limits from ``settings`` (default
      :data:`skills.config.DEFAULTS`); entry
      names with ``..`` or absolute paths are refused (zip-slip), nothing is
      written to disk;
    - CSV (``.csv``): columns ``person_id`` (or ``person``) and ``url_or_file`` (or
      ``source``/``url``/``file``); a file path is taken relative to the CSV.
      Each row keeps its own person; ``person_id`` applies elsewhere.
    - any other file: that one badge.

    Raises :class:`ImportRowsError` for a CSV without the columns or with empty
    rows (every bad row listed), :class:`InputTooLarge` over a limit,
    :class:`InputError` for an unreadable archive.
    """
    from skills.errors import InputError, MalformedInput

    cfg = settings or DEFAULTS
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _BADGE_SUFFIXES
        )
        if len(files) > cfg.max_batch_items:
            raise InputTooLarge(
                f"The folder holds {len(files):,} badges, over the limit of "
                f"{cfg.max_batch_items:,}."
            )
        return [BatchItem(f, person_id, str(f.relative_to(path))) for f in files]
    if not path.is_file():
        raise InputError(f"There is no file or folder {path}.")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _expand_zip(path, person_id, cfg)
    if suffix == ".csv":
        return _expand_csv(path, cfg)
    if path.stat().st_size == 0:
        raise MalformedInput(f"{path.name} is empty.")
    return [BatchItem(path, person_id, path.name)]


def _expand_zip(path: Path, person_id: str | None, cfg: Settings) -> list[BatchItem]:
    from skills.errors import InputError

    total_limit = cfg.max_upload_bytes * 10
    items: list[BatchItem] = []
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise InputError(f"{path.name} is not a readable zip file.") from err
    with archive:
        entries = [e for e in archive.infolist() if not e.is_dir()]
        if len(entries) > cfg.max_batch_items:
            raise InputTooLarge(
                f"{path.name} holds {len(entries):,} files, over the limit of "
                f"{cfg.max_batch_items:,}."
            )
        used = 0
        for entry in entries:
            name = entry.filename
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise InputError(f"{path.name} contains an unsafe path: {name!r}.")
            if PurePosixPath(name).suffix.lower() not in _BADGE_SUFFIXES or parts[-1].startswith(
                "."
            ):
                continue
            data = _read_bounded(archive, entry, cfg.max_upload_bytes + 1)
            used += len(data)
            if used > total_limit:
                raise InputTooLarge(f"{path.name} decompresses to more than {total_limit:,} bytes.")
            items.append(BatchItem(data, person_id, name))
    return items


def _read_bounded(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int) -> bytes:
    """Read at most ``limit`` bytes of an entry, whatever its header claims.

    An entry cut at the limit is over the upload limit and is rejected as such
    when verified (bounded decompression: a zip bomb costs ``limit`` bytes).
    """
    with archive.open(entry) as handle:
        return handle.read(limit)


def _expand_csv(path: Path, cfg: Settings) -> list[BatchItem]:
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ImportRowsError(f"{path.name} is not UTF-8 text.", [(0, "not UTF-8")]) from err
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    person_col = next((c for c in _CSV_PERSON if c in header), None)
    source_col = next((c for c in _CSV_SOURCE if c in header), None)
    if person_col is None or source_col is None:
        raise ImportRowsError(
            f"{path.name} needs the columns person_id and url_or_file.",
            [
                (
                    1,
                    "missing column person_id"
                    if person_col is None
                    else "missing column url_or_file",
                )
            ],
        )
    items: list[BatchItem] = []
    problems: list[tuple[int, str]] = []
    for number, row in enumerate(reader, start=2):
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        person = clean.get(person_col, "")
        source = clean.get(source_col, "")
        if not source:
            problems.append((number, "no URL or file"))
            continue
        label = f"row {number}: {source}"
        if source.lower().startswith(("http://", "https://")):
            items.append(BatchItem(source, person or None, label))
        else:
            folder = path.parent.resolve()
            target = (folder / source).resolve()
            if not target.is_relative_to(folder):
                problems.append((number, "a file outside the CSV's folder is not allowed"))
                continue
            items.append(BatchItem(target, person or None, label))
    if problems:
        raise ImportRowsError(
            f"{path.name} has {len(problems)} bad row(s); nothing was submitted.", problems
        )
    if len(items) > cfg.max_batch_items:
        raise InputTooLarge(
            f"{path.name} lists {len(items):,} badges, over the limit of {cfg.max_batch_items:,}."
        )
    return items
