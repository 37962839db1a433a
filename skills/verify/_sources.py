"""Turn whatever was submitted into a :class:`Submission`, and guess its format.

:func:`read_source` accepts a parsed dict, a file path, raw bytes or text, recognises
JSON, a compact JWS/JWT, an http(s) URL, or a PNG/SVG image with a badge baked in
(whose payload is recognised the same way), and enforces the upload size limit before
parsing anything. It does no network I/O. :func:`detect_format` names the likely
badge format before verification, without ever raising.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import Path
from typing import Any

import httpx

from skills.config import DEFAULTS
from skills.errors import InputError, InputTooLarge, MalformedInput, UnsupportedFormat
from skills.jsondata import loads_strict
from skills.verify._baking import PNG_SIGNATURE, extract_png, extract_svg
from skills.verify._context import Submission, SubmissionKind

ACCEPTED = (
    "Skill Atlas reads a badge as JSON, a signed token (JWS/JWT), "
    "a PNG or SVG image with the badge baked in, or an http(s) URL."
)

VC_CONTEXTS = frozenset(
    {"https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1"}
)
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
_XML_STARTS = (b"<?xml", b"<svg", b"<!doctype", b"<!--")
_IMAGE_SIGNATURES = {
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive",
}


def _too_large(size: int, limit: int) -> InputTooLarge:
    return InputTooLarge(f"The submission is {size:,} bytes, over the limit of {limit:,} bytes.")


def _canonical_bytes(obj: dict[str, Any]) -> bytes:
    try:
        text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except RecursionError:
        raise InputTooLarge("The badge nests too deeply to be read.") from None
    except (TypeError, ValueError) as exc:
        raise MalformedInput(f"The badge is not plain JSON data ({exc}).") from None
    return text.encode("utf-8", "surrogatepass")


def _json_object(text: bytes | str, *, where: str, limit: int) -> dict[str, Any]:
    value = loads_strict(text, max_bytes=limit)
    if not isinstance(value, dict):
        raise MalformedInput(f"{where} is JSON but not a JSON object, so it cannot be a badge.")
    return value


def is_compact_token(text: str) -> bool:
    """True when ``text`` (surrounding whitespace aside) has the shape of a compact JWS/JWT:
    three base64url segments joined by dots. JSON text is never a token, however many dots
    its strings hold (``{"name": "a.b.c"}``)."""
    stripped = text.strip()
    return stripped.isascii() and _COMPACT.fullmatch(stripped) is not None


def _recognise_text(text: str, limit: int) -> tuple[SubmissionKind, Any] | None:
    """(kind, payload) for a compact token, an http(s) URL, or JSON text; None otherwise."""
    stripped = text.strip().lstrip("\ufeff").strip()
    if stripped.startswith("{") or stripped.startswith("["):
        return "json", _json_object(stripped, where="The text", limit=limit)
    if is_compact_token(stripped):
        return "compact", stripped
    if _URL.fullmatch(stripped):
        return "url", stripped
    return None


def _unbake(text: str, image: str, raw: bytes, limit: int) -> Submission:
    stripped = text.strip()
    if stripped.startswith("{"):
        return Submission(
            "json",
            _json_object(stripped, where=f"The badge in this {image} image", limit=limit),
            raw,
            image,
        )
    found = _recognise_text(stripped, limit)
    if found is None:
        raise MalformedInput(
            f"The badge baked into this {image.upper()} image is neither JSON, "
            "a signed token nor a URL."
        )
    kind, payload = found
    return Submission(kind, payload, raw, image)


def _read_bytes(data: bytes, limit: int) -> Submission:
    if len(data) > limit:
        raise _too_large(len(data), limit)
    if data.startswith(PNG_SIGNATURE):
        _keyword, text = extract_png(data)
        return _unbake(text, "png", data, limit)
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    body = body.lstrip(_WHITESPACE)
    if not body:
        raise MalformedInput("The file is empty.")
    if body[:9].lower().startswith(_XML_STARTS):
        _kind, text = extract_svg(data)
        return _unbake(text, "svg", data, limit)
    if body[:1] in (b"{", b"["):
        return Submission("json", _json_object(data, where="The submission", limit=limit), data)
    for signature, name in _IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            raise UnsupportedFormat(f"This is {name}, which cannot carry a badge. {ACCEPTED}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsupportedFormat(
            f"This file is not a format Skill Atlas reads. {ACCEPTED}"
        ) from None
    found = _recognise_text(text, limit)
    if found is None:
        raise UnsupportedFormat(f"This text is not a badge Skill Atlas can read. {ACCEPTED}")
    kind, payload = found
    return Submission(kind, payload, data)


def read_source(
    source: bytes | str | dict[str, Any] | Path,
    *,
    client: httpx.Client | None = None,
    max_bytes: int | None = None,
) -> Submission:
    """Read and recognise one submission; no network I/O (``client`` is not used here).

    - a ``dict`` is a parsed JSON badge;
    - a ``Path`` is read after checking its size (``SKILLS_MAX_UPLOAD_BYTES``) with ``stat``;
    - bytes/str are recognised by content: PNG signature, SVG/XML, JSON (must be an
      object), a compact JWS/JWT (three base64url segments), or a single-line http(s) URL.
      A badge baked into an image is recognised the same way and ``baked_in`` set.

    ``raw`` is the exact bytes submitted (for a dict: its canonical JSON encoding).
    ``max_bytes`` is the size limit (default: :data:`skills.config.DEFAULTS`).
    Raises :class:`InputTooLarge`, :class:`MalformedInput` (empty, broken JSON, image
    without a badge, ...), :class:`UnsupportedFormat`, or :class:`InputError` when a
    file cannot be read.
    """
    if isinstance(source, dict):
        return Submission("json", source, _canonical_bytes(source))
    if not isinstance(source, Path | str | bytes | bytearray | memoryview):
        raise UnsupportedFormat(f"A {type(source).__name__} cannot be read as a badge. {ACCEPTED}")
    limit = DEFAULTS.max_upload_bytes if max_bytes is None else max_bytes
    if isinstance(source, Path):
        try:
            size = source.stat().st_size
            if size > limit:
                raise _too_large(size, limit)
            with source.open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(
                f"The file {source.name} could not be read ({exc.strerror or exc})."
            ) from None
        return _read_bytes(data, limit)
    if isinstance(source, str):
        return _read_bytes(source.encode("utf-8", "surrogatepass"), limit)
    return _read_bytes(bytes(source), limit)


def _b64url_json(segment: str, max_bytes: int) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        decoded = base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, ValueError):
        return None
    try:
        return loads_strict(decoded, max_bytes=max_bytes)
    except InputError:
        return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _is_vc(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    return bool(VC_CONTEXTS.intersection(_strings(obj.get("@context")))) or (
        "VerifiableCredential" in _strings(obj.get("type"))
    )


def detect_format(sub: Submission, *, max_bytes: int | None = None) -> str:
    """Best-effort format name before verification; never raises.

    ``"ob3-di"`` (JSON verifiable credential), ``"ob3-jwt"`` (compact token carrying a
    VC: ``vc`` claim, VC ``@context``, or ``typ`` ``vc+jwt``/``vc+ld+jwt``),
    ``"ob2-signed"`` (other compact tokens), ``"ob2-hosted"`` (other JSON), ``"url"``,
    or ``"unknown"``. Nothing is verified: signatures are not checked. ``max_bytes`` bounds
    a decoded token segment (default: :data:`skills.config.DEFAULTS`).
    """
    try:
        if sub.kind == "url":
            return "url"
        if sub.kind == "json":
            if not isinstance(sub.payload, dict):
                return "unknown"
            return "ob3-di" if _is_vc(sub.payload) else "ob2-hosted"
        if sub.kind == "compact" and isinstance(sub.payload, str):
            parts = sub.payload.split(".")
            if len(parts) != 3:
                return "unknown"
            limit = DEFAULTS.max_upload_bytes if max_bytes is None else max_bytes
            header = _b64url_json(parts[0], limit)
            if not isinstance(header, dict):
                return "unknown"
            typ = str(header.get("typ", "")).lower()
            if typ in ("vc+jwt", "vc+ld+jwt", "application/vc+jwt", "application/vc+ld+jwt"):
                return "ob3-jwt"
            payload = _b64url_json(parts[1], limit)
            if isinstance(payload, dict) and ("vc" in payload or _is_vc(payload)):
                return "ob3-jwt"
            return "ob2-signed"
        return "unknown"
    except Exception:
        return "unknown"


__all__ = ["ACCEPTED", "VC_CONTEXTS", "detect_format", "is_compact_token", "read_source"]
