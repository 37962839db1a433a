"""Helpers shared by the hostile-world tests: table fingerprints and hostile inputs."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from pathlib import Path
from typing import Any

from skills.ingest import Mapper, skill_mapper
from skills.store import Store, open_store

ROOT = Path(__file__).resolve().parents[2]


def module_mapper(db: Path) -> Mapper:
    """A skill mapper built from a scratch database (the mapper only keeps the matcher)."""
    scratch = open_store(db)
    try:
        return skill_mapper(scratch)
    finally:
        scratch.close()


def base_tables(store: Store) -> list[str]:
    return [
        str(r[0])
        for r in store.rows(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND database_name = current_database() ORDER BY table_name"
        )
    ]


def fingerprints(store: Store) -> dict[str, tuple[int, str]]:
    """(row count, hash of every row's text) per base table: any change shows."""
    out: dict[str, tuple[int, str]] = {}
    for table in base_tables(store):
        texts = sorted(str(r) for r in store.rows(f"SELECT * FROM {table}"))
        out[table] = (len(texts), hashlib.sha256("\n".join(texts).encode()).hexdigest())
    return out


def changed_tables(
    before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]
) -> set[str]:
    return {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)}


def is_one_sentence(text: str) -> bool:
    """A readable refusal: one line, starts with a capital, ends with a full stop, no trace."""
    return (
        bool(text)
        and "\n" not in text
        and "Traceback" not in text
        and text[0].isupper()
        and text.rstrip().endswith((".", "!", "?"))
        and len(text) < 400
    )


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def tiny_png(*extra: bytes) -> bytes:
    """A valid 1x1 grey PNG, with ``extra`` chunks before IEND."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0\0"))
        + b"".join(extra)
        + png_chunk(b"IEND", b"")
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(obj: Any) -> str:
    return b64url(json.dumps(obj).encode())


def jwt_parts(token: str) -> tuple[dict[str, Any], str, str]:
    """(decoded header, payload segment, signature segment) of a compact JWS."""
    head, payload, signature = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return header, payload, signature
