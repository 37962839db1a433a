"""Baking a badge into a PNG or SVG image (the demo issuers and tests).

The reader is :func:`skills.verify.extract_png` / :func:`skills.verify.extract_svg`; the
image formats' badge keywords and namespaces are theirs, so what is baked here reads back.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from skills.errors import MalformedInput
from skills.verify import (
    PNG_KEYWORD_OB2,
    PNG_KEYWORD_OB3,
    PNG_SIGNATURE,
    SVG_NS_OB2,
    SVG_NS_OB3,
    extract_svg,
    parse_svg,
    png_chunks,
)

Version = Literal["2.0", "3.0"]
_PNG_KEYWORDS = {PNG_KEYWORD_OB2.encode(), PNG_KEYWORD_OB3.encode()}

# An openbadges element (any prefix), self-closing or with content.
_BADGE_ELEMENT = re.compile(
    r"<(?P<name>(?:[A-Za-z_][\w.-]*:)?(?:assertion|credential))\b[^>]*?"
    r"(?:/>|>.*?</(?P=name)\s*>)\s*",
    re.DOTALL,
)
_ROOT_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?svg\b")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(body, zlib.crc32(kind)) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def bake_png(image: bytes, payload: str, *, version: Version) -> bytes:
    """Return ``image`` with ``payload`` baked in as an uncompressed iTXt chunk.

    The keyword is ``openbadges`` for 2.0 and ``openbadgecredential`` for 3.0; the
    chunk goes just before ``IEND``. Any badge chunk already present is removed first.
    Raises :class:`MalformedInput` when ``image`` is not a sound PNG.
    """
    keyword = PNG_KEYWORD_OB3 if version == "3.0" else PNG_KEYWORD_OB2
    out = [PNG_SIGNATURE]
    for kind, body in png_chunks(image):
        if kind == b"IEND":
            itxt = keyword.encode() + b"\x00\x00\x00\x00\x00" + payload.encode("utf-8")
            out.append(_png_chunk(b"iTXt", itxt))
        elif _is_badge_chunk(kind, body):
            continue
        out.append(_png_chunk(kind, body))
    return b"".join(out)


def _is_badge_chunk(kind: bytes, body: bytes) -> bool:
    keyword = body.partition(b"\x00")[0]
    if kind == b"iTXt":
        return keyword in _PNG_KEYWORDS
    return kind == b"tEXt" and keyword == PNG_KEYWORD_OB2.encode()


def _root_start_end(text: str) -> tuple[int, bool]:
    """Index just past the root ``<svg ...>`` start tag, and whether it self-closes."""
    match = _ROOT_START.search(text)
    if match is None:
        raise MalformedInput("This SVG image has no <svg> element.")
    quote = ""
    for index in range(match.end(), len(text)):
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ">":
            return index + 1, text[index - 1] == "/"
    raise MalformedInput("This SVG image is truncated.")


def bake_svg(svg: bytes, payload: str, *, version: Version) -> bytes:
    """Return ``svg`` with ``payload`` baked in as the first child of the root element.

    2.0 writes ``<openbadges:assertion xmlns:openbadges="http://openbadges.org" .../>``,
    3.0 ``<openbadges:credential xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" .../>``.
    JSON payloads (starting with ``{``) go in the element text, others (URLs, compact
    tokens) in the ``verify`` attribute. Existing badge elements are removed; the rest
    of the document is kept byte for byte. Raises :class:`MalformedInput` when ``svg``
    is not a readable UTF-8 SVG image.
    """
    parse_svg(svg)
    try:
        text = svg.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedInput("Skill Atlas bakes only UTF-8 SVG images.") from None
    namespace, name = (SVG_NS_OB3, "credential") if version == "3.0" else (SVG_NS_OB2, "assertion")
    end, self_closing = _root_start_end(text)
    head, tail = text[:end], _BADGE_ELEMENT.sub("", text[end:])
    if payload.lstrip().startswith("{"):
        element = (
            f"<openbadges:{name} xmlns:openbadges={quoteattr(namespace)}>"
            f"{escape(payload)}</openbadges:{name}>"
        )
    else:
        element = (
            f"<openbadges:{name} xmlns:openbadges={quoteattr(namespace)} "
            f"verify={quoteattr(payload)}/>"
        )
    if self_closing:
        root_name = _ROOT_START.search(head)
        assert root_name is not None
        tag = root_name.group()[1:]
        head = head[: end - 2].rstrip() + ">"
        tail = f"</{tag}>" + tail
    baked = (head + element + tail).encode("utf-8")
    if extract_svg(baked) != (name, payload.strip()):
        raise MalformedInput("The badge could not be baked into this SVG image.")
    return baked


__all__ = ["bake_png", "bake_svg"]
