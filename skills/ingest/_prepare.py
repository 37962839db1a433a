"""Before writing: each submission read once, bound to its person, mapped to skills;
CLR transcripts and presentations opened into their credentials.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from skills.config import Settings
from skills.ingest._plan import BatchItem, Mapper, Prepared
from skills.store import Store
from skills.verify import Report, Status, Unpacked, bind_recipient


@dataclass(frozen=True)
class Person:
    """What a badge's recipient is compared with: a person's identities and name."""

    identities: tuple[str, ...]
    name: str | None


NOBODY = Person((), None)


def identities_of(store: Store, person_ids: Iterable[str]) -> dict[str, Person]:
    """The people among ``person_ids`` that exist, with their identities and names."""
    wanted = sorted(set(person_ids))
    if not wanted:
        return {}
    names = {
        str(r[0]): (None if r[1] is None else str(r[1]))
        for r in store.rows(
            "SELECT person_id, display_name FROM people WHERE person_id = ANY(?)",
            [wanted],
        )
    }
    found: dict[str, list[str]] = {p: [] for p in names}
    for pid, value in store.rows(
        "SELECT person_id, value FROM identities WHERE NOT hashed AND person_id = ANY(?) "
        "ORDER BY person_id, kind, value",
        [wanted],
    ):
        if pid in found:
            found[pid].append(value)
    return {p: Person(tuple(v), names[p]) for p, v in found.items()}


# -- preparing rows -------------------------------------------------------------------


def raw_of(source: bytes | str | Path, limit: int) -> tuple[bytes | None, int, bytes | str | Path]:
    """(bytes to keep, size, what to hand to verify)."""
    if isinstance(source, bytes):
        return source, len(source), source
    if isinstance(source, str):
        data = source.encode("utf-8", "surrogatepass")
        return data, len(data), source
    try:
        size = source.stat().st_size
    except OSError:
        return None, 0, source  # verify reports why it cannot be read
    if size > limit:
        return None, size, source
    try:
        data = source.read_bytes()
    except OSError:
        return None, size, source
    return data, len(data), data


def prepare(
    items: Sequence[BatchItem],
    reports: Sequence[Report | None],
    raws: Sequence[tuple[bytes | None, int]],
    identities: Mapping[str, Person],
    mapper: Mapper | None,
) -> list[Prepared]:
    out: list[Prepared] = []
    for item, report, (raw, size) in zip(items, reports, raws, strict=True):
        if report is None:
            reason = f"There is no person {item.person_id!r} to file this badge under."
            out.append(Prepared(item, raw, size, None, (), reason))
            continue
        person = NOBODY
        if item.person_id is not None:
            person = identities.get(item.person_id, NOBODY)
            report = bind_recipient(report, person.identities, person.name)
        if report.credential is None:
            out.append(Prepared(item, raw, size, report, (), None))
            continue
        rows = tuple(mapper(report.credential)) if mapper is not None else ()
        out.append(Prepared(item, raw, size, report, rows, None, identities=person.identities))
    return out


@dataclass(frozen=True)
class ContainerPrep:
    """A CLR or presentation ready to store: its own row and one prepared row per part."""

    item: BatchItem
    raw: bytes | None
    size: int
    opened: Unpacked
    key: str
    parts: tuple[Prepared, ...]


def open_container(
    source: bytes | str | Path,
    client: httpx.Client | None,
    now: datetime | None,
    client_factory: Callable[[], httpx.Client] | None = None,
    *,
    settings: Settings,
) -> Unpacked | None:
    """The verified container when ``source`` is a CLR or a presentation, else None."""
    from skills.verify import might_hold_many, unpack

    if not might_hold_many(source):
        return None
    if client is None and client_factory is not None:
        with client_factory() as own:
            return unpack(source, client=own, now=now, settings=settings)
    return unpack(source, client=client, now=now, settings=settings)


def container_key(report: Report, owner: str) -> str:
    """Where a CLR or presentation is stored: its signer and its own id when its own proof
    verified (as :func:`skills.ingest._plan.claim_key` for a badge), else ``sha256:`` + its
    content hash + ``@`` + ``owner`` (the person it is filed under, else the submitter), so
    an unsigned or forged container claims no id and tells nothing about anybody else's."""
    info = report.container
    if report.status is Status.VERIFIED and info is not None and info.id and info.id.strip():
        return f"{info.issuer or info.holder or ''} {info.id.strip()}"
    return f"sha256:{report.source_sha256}@{owner}"


def prepare_container(
    item: BatchItem,
    raw: tuple[bytes | None, int],
    opened: Unpacked,
    identities: Mapping[str, Any],
    mapper: Mapper | None,
    submitted_by: str,
) -> ContainerPrep:
    """Each credential inside becomes an item of the same person, named after the
    upload and its badge, bound to that person like any badge and linked to the container."""
    key = container_key(opened.container, item.person_id or submitted_by)
    items = []
    for n, (report, part_raw) in enumerate(zip(opened.parts, opened.raws, strict=True), 1):
        badge = report.credential.achievement.name if report.credential else None
        items.append(BatchItem(part_raw, item.person_id, f"{item.name} › {badge or f'item {n}'}"))
    prepared = prepare(
        items, list(opened.parts), [(r, len(r)) for r in opened.raws], identities, mapper
    )
    parts = tuple(replace(p, container_key=key) for p in prepared)
    return ContainerPrep(item, raw[0], raw[1], opened, key, parts)
