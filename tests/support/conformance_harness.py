"""Offline replay of the 1EdTech conformance corpus (tests/fixtures/1edtech).

Shared by the OB 2.0 and OB 3.0 conformance tests. It implements the replay rules of
``tests/fixtures/1edtech/README.md``:

- ``prefix_map`` of ``http_map.json``: a URL whose scheme+host+port base is a key is served
  from ``files/ob20/assets/<rest of the URL>`` (404 when that file does not exist), with the
  suggested content types;
- the URL in ``offline_substitutes_not_in_harness`` is served from its committed copy;
- every other URL answers 404;
- per case (``mock_transport(case)``), the case's own input document is also served at its
  declared ``id`` (README ``input_documents_note``): a verifier that re-fetches a hosted
  assertion (or any hosted node) from its id gets the document the case is about.

Nothing here touches the network: everything goes through :class:`httpx.MockTransport`.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "1edtech"
FILES = CORPUS / "files"

# A fixed moment for every replay: after every corpus issue date used as "valid", before the
# 2030 expiry of complete.json / endorsement-valid.json and the 2040/2100 "future" cases.
REPLAY_NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

_CONTENT_TYPES = {
    ".json": "application/ld+json",
    ".jsonld": "application/ld+json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".html": "text/html",
    ".jwt": "application/jwt",
}


@dataclass(frozen=True)
class Case:
    """One manifest entry. ``id`` is unique and readable (used as the pytest id)."""

    id: str
    file: str
    version: str
    input_kind: str
    expect: str | None
    expect_reason: str | None
    needs_network: bool
    java_test: str
    notes: str

    @property
    def path(self) -> Path:
        return FILES / self.file

    @property
    def replayable(self) -> bool:
        """True when the case asserts a verdict that holds offline."""
        return self.expect is not None and not self.needs_network


def load_manifest() -> list[Case]:
    """Every manifest entry as a :class:`Case`, ids made unique (``file`` + Java test name)."""
    raw = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for entry in raw:
        test = str(entry.get("java_test") or "")
        base = f"{entry['file']}::{test.rsplit('.', 1)[-1]}"
        seen[base] = seen.get(base, 0) + 1
        case_id = base if seen[base] == 1 else f"{base}#{seen[base]}"
        cases.append(
            Case(
                id=case_id,
                file=entry["file"],
                version=entry["version"],
                input_kind=entry["input_kind"],
                expect=entry.get("expect"),
                expect_reason=entry.get("expect_reason"),
                needs_network=bool(entry.get("needs_network")),
                java_test=test,
                notes=str(entry.get("notes") or ""),
            )
        )
    return cases


def http_map() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / "http_map.json").read_text(encoding="utf-8"))
    return data


def read_case_source(case: Case) -> bytes | str | dict[str, Any]:
    """The case's input as a user would submit it.

    PNG and SVG files come back as bytes (the verifier unbakes them), JWT files as the
    compact token text, JSON and ``.1ob`` files as the exact bytes of the file.
    """
    data = case.path.read_bytes()
    if case.input_kind == "jwt":
        return data.decode("ascii").strip()
    return data


def _png_itxt(data: bytes, keyword: bytes) -> bytes | None:
    """The text of the first iTXt chunk with ``keyword`` (test helper, no limits needed)."""
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind != b"iTXt":
            continue
        key, _, rest = body.partition(b"\x00")
        if key != keyword:
            continue
        compressed = rest[0]
        rest = rest[2:]
        _lang, _, rest = rest.partition(b"\x00")
        _translated, _, text = rest.partition(b"\x00")
        return zlib.decompress(text) if compressed else text
    return None


def case_document(case: Case) -> dict[str, Any] | None:
    """The JSON document the case submits (unbaked from a PNG), or None for tokens/SVG."""
    data = case.path.read_bytes()
    text: bytes | None = data
    if case.input_kind == "png":
        text = _png_itxt(data, b"openbadges") or _png_itxt(data, b"openbadgecredential")
    elif case.input_kind != "json":
        return None
    if text is None:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _content_type(path: str) -> str:
    for suffix, ctype in _CONTENT_TYPES.items():
        if path.lower().endswith(suffix):
            return ctype
    return "application/octet-stream"


def _base(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def make_handler(
    extra: dict[str, tuple[bytes, str]] | None = None,
) -> Callable[[httpx.Request], httpx.Response]:
    """The replay handler; ``extra`` maps exact URLs to (body, content type) served first."""
    rules = http_map()
    prefix_map: dict[str, str] = rules["prefix_map"]
    substitutes: dict[str, str] = rules["offline_substitutes_not_in_harness"]
    served = dict(extra or {})

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url in served:
            body, ctype = served[url]
            return httpx.Response(200, content=body, headers={"content-type": ctype})
        if url in substitutes:
            target = FILES / substitutes[url]
            return httpx.Response(
                200, content=target.read_bytes(), headers={"content-type": "application/json"}
            )
        base = _base(url)
        folder = prefix_map.get(base)
        if folder is not None:
            rest = url[len(base) :]
            target = (FILES / folder / rest).resolve()
            root = (FILES / folder).resolve()
            if root in target.parents and target.is_file():
                return httpx.Response(
                    200,
                    content=target.read_bytes(),
                    headers={"content-type": _content_type(rest.split("?")[0].split("#")[0])},
                )
        return httpx.Response(404, content=b"Not Found", headers={"content-type": "text/plain"})

    return handler


def mock_transport(case: Case | None = None) -> httpx.MockTransport:
    """A MockTransport replaying the corpus; with ``case``, its input is also served at its id."""
    extra: dict[str, tuple[bytes, str]] = {}
    if case is not None:
        doc = case_document(case)
        doc_id = doc.get("id") if doc else None
        if isinstance(doc_id, str) and doc_id.startswith(("http://", "https://")):
            body = json.dumps(doc).encode("utf-8")
            extra[doc_id] = (body, "application/ld+json")
    return httpx.MockTransport(make_handler(extra))


def replay_client(case: Case | None = None) -> httpx.Client:
    """An httpx.Client whose every request is answered by :func:`mock_transport`."""
    return httpx.Client(transport=mock_transport(case))


def replay_cases(version: str) -> list[Case]:
    """The cases of ``version`` ("ob20"/"ob30") that assert a verdict holding offline."""
    return [c for c in load_manifest() if c.version == version and c.replayable]


def expect_ok(case: Case) -> bool:
    """Whether the case's expectation means ``report.ok``."""
    return case.expect in {"valid", "valid_with_warnings"}
