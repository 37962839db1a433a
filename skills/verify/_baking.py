"""Reading and writing badges baked into PNG and SVG images.

PNG: the badge is a text chunk, never pixels. OB 2.0 uses an ``iTXt`` chunk with
keyword ``openbadges``, OB 3.0 ``openbadgecredential``, OB 1.x a ``tEXt`` chunk
``openbadges``. Chunks are parsed here with their CRCs checked; compressed text is
inflated with a hard bound.

SVG: an element ``assertion`` in namespace ``http://openbadges.org`` (OB 2.0) or
``credential`` in ``https://purl.imsglobal.org/ob/v3p0`` (OB 3.0), usually written
with the ``openbadges:`` prefix. The badge is the ``verify`` attribute (a URL or a
compact JWS/JWT) or else the element's text (JSON). XML is parsed with defusedxml:
entity declarations and external references are refused. A plain ``<!DOCTYPE svg
PUBLIC ...>`` line naming the SVG 1.1 DTD is allowed (design tools write it, and the
1EdTech baked examples have it); it is never fetched.

An image carrying more than one badge is refused: which one counts would be a guess.
"""

from __future__ import annotations

import struct
import zlib
from typing import Literal
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden

from skills.errors import InputTooLarge, MalformedInput, UnsupportedFormat

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_BAKED_TEXT = 1024 * 1024
"""Largest badge text accepted from an image (after decompression), in bytes."""

PNG_KEYWORD_OB2 = "openbadges"
PNG_KEYWORD_OB3 = "openbadgecredential"
SVG_NS_OB2 = "http://openbadges.org"
SVG_NS_OB3 = "https://purl.imsglobal.org/ob/v3p0"
SVG_NS = "http://www.w3.org/2000/svg"

_PNG_KEYWORDS = {PNG_KEYWORD_OB2.encode(), PNG_KEYWORD_OB3.encode()}
_SVG_BADGES = {
    f"{{{SVG_NS_OB2}}}assertion": "assertion",
    f"{{{SVG_NS_OB3}}}credential": "credential",
}

Version = Literal["2.0", "3.0"]


# ── PNG ─────────────────────────────────────────────────────────────────────


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """All (type, data) chunks up to and including IEND, CRCs checked.

    Raises :class:`MalformedInput` for a missing signature, a bad CRC, a chunk running
    past the end, or no ``IEND`` (a truncated file).
    """
    if not data.startswith(PNG_SIGNATURE):
        raise MalformedInput("This file is not a PNG image.")
    chunks: list[tuple[bytes, bytes]] = []
    pos = len(PNG_SIGNATURE)
    end = len(data)
    while True:
        if pos + 8 > end:
            raise MalformedInput("This PNG image is truncated.")
        length, kind = struct.unpack_from(">I4s", data, pos)
        if length > 0x7FFFFFFF or pos + 12 + length > end:
            raise MalformedInput("This PNG image is truncated.")
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", data, pos + 8 + length)
        if zlib.crc32(body, zlib.crc32(kind)) & 0xFFFFFFFF != crc:
            raise MalformedInput(
                f"This PNG image is damaged (checksum error in a {kind.decode('latin-1')!r} chunk)."
            )
        chunks.append((kind, body))
        pos += 12 + length
        if kind == b"IEND":
            return chunks


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_BAKED_TEXT + 1)
    except zlib.error:
        raise MalformedInput("The compressed badge text in this PNG image is corrupt.") from None
    if len(out) > MAX_BAKED_TEXT or inflater.unconsumed_tail:
        raise InputTooLarge(
            f"The badge text in this PNG image inflates beyond {MAX_BAKED_TEXT:,} bytes."
        )
    if not inflater.eof:
        raise MalformedInput("The compressed badge text in this PNG image is incomplete.")
    return out


def _png_text_too_large() -> InputTooLarge:
    return InputTooLarge(f"The badge text in this PNG image is over {MAX_BAKED_TEXT:,} bytes.")


def _badge_text(kind: bytes, body: bytes) -> tuple[str, str] | None:
    """(keyword, text) when the chunk is a badge chunk, else None."""
    keyword, sep, rest = body.partition(b"\x00")
    if not sep:
        return None
    if kind == b"tEXt":
        if keyword != PNG_KEYWORD_OB2.encode():
            return None
        if len(rest) > MAX_BAKED_TEXT:
            raise InputTooLarge(
                f"The badge text in this PNG image is over {MAX_BAKED_TEXT:,} bytes."
            )
        return keyword.decode(), rest.decode("latin-1")
    if kind != b"iTXt" or keyword not in _PNG_KEYWORDS:
        return None
    if len(rest) < 2:
        raise MalformedInput("The badge chunk of this PNG image is malformed.")
    flag, method = rest[0], rest[1]
    _language, sep1, rest = rest[2:].partition(b"\x00")
    _translated, sep2, text = rest.partition(b"\x00")
    if not (sep1 and sep2) or flag not in (0, 1) or (flag == 1 and method != 0):
        raise MalformedInput("The badge chunk of this PNG image is malformed.")
    if flag == 1:
        text = _inflate(text)
    elif len(text) > MAX_BAKED_TEXT:
        raise _png_text_too_large()
    try:
        return keyword.decode(), text.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedInput("The badge text in this PNG image is not UTF-8.") from None


def extract_png(data: bytes) -> tuple[str, str]:
    """Return ``(keyword, text)`` of the one badge chunk baked into a PNG image.

    ``keyword`` is ``"openbadges"`` (OB 2.0 iTXt, or OB 1.x tEXt) or
    ``"openbadgecredential"`` (OB 3.0). Pixels are never decoded.
    Raises :class:`MalformedInput` (not a PNG, damaged, truncated, no badge, more than
    one badge) and :class:`InputTooLarge` (badge text over 1 MiB once inflated; the
    inflation stops at the limit).
    """
    found: list[tuple[str, str]] = []
    for kind, body in png_chunks(data):
        badge = _badge_text(kind, body)
        if badge is not None:
            found.append(badge)
    if not found:
        raise MalformedInput("This PNG image has no badge baked into it.")
    if len(found) > 1:
        raise MalformedInput(
            f"This PNG image has {len(found)} badges baked into it; only one is allowed."
        )
    return found[0]


# ── SVG ─────────────────────────────────────────────────────────────────────


def parse_svg(data: bytes) -> Element:
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (EntitiesForbidden, DTDForbidden):
        raise MalformedInput(
            "This SVG image declares XML entities, which Skill Atlas refuses for safety "
            "(they can expand without bound or read local files)."
        ) from None
    except DefusedXmlException:
        raise MalformedInput(
            "This SVG image refers to external XML resources, which Skill Atlas refuses for safety."
        ) from None
    except ParseError as exc:
        if "undefined entity" in str(exc):
            raise MalformedInput(
                "This SVG image uses XML entities that are not defined; "
                "Skill Atlas does not load external definitions."
            ) from None
        raise MalformedInput(f"This SVG image is not well-formed XML ({exc}).") from None
    except (ValueError, LookupError) as exc:  # e.g. an unknown declared encoding
        raise MalformedInput(f"This SVG image cannot be read as XML ({exc}).") from None
    if not isinstance(root.tag, str) or root.tag.rsplit("}", 1)[-1] != "svg":
        raise UnsupportedFormat(
            "This XML document is not an SVG image; Skill Atlas reads badges as JSON, "
            "a signed token (JWS/JWT), a PNG or SVG image, or a URL."
        )
    return root


def extract_svg(data: bytes) -> tuple[str, str]:
    """Return ``(kind, text)`` of the one badge baked into an SVG image.

    ``kind`` is ``"assertion"`` (OB 2.0, namespace ``http://openbadges.org``) or
    ``"credential"`` (OB 3.0). ``text`` is the element's ``verify`` attribute when set
    (a URL or compact JWS/JWT), else its stripped text content (JSON).
    Raises :class:`MalformedInput` (not well-formed, entities or external references,
    no badge, an empty badge element, more than one badge) and
    :class:`UnsupportedFormat` (XML whose root is not ``svg``).
    """
    root = parse_svg(data)
    found = [(el, _SVG_BADGES[el.tag]) for el in root.iter() if el.tag in _SVG_BADGES]
    if not found:
        raise MalformedInput("This SVG image has no badge baked into it.")
    if len(found) > 1:
        raise MalformedInput(
            f"This SVG image has {len(found)} badges baked into it; only one is allowed."
        )
    element, kind = found[0]
    text = (element.get("verify") or "").strip() or "".join(element.itertext()).strip()
    if not text:
        raise MalformedInput("The badge element in this SVG image is empty.")
    if len(text.encode("utf-8")) > MAX_BAKED_TEXT:
        raise InputTooLarge(f"The badge text in this SVG image is over {MAX_BAKED_TEXT:,} bytes.")
    return kind, text


__all__ = [
    "MAX_BAKED_TEXT",
    "PNG_KEYWORD_OB2",
    "PNG_KEYWORD_OB3",
    "SVG_NS_OB2",
    "SVG_NS_OB3",
    "extract_png",
    "extract_svg",
    "parse_svg",
    "png_chunks",
]
