"""Badges baked into PNG and SVG images: extraction, baking, and refusal of broken images."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from openbadgeslib import baking as obl

from skills.demo.baking import bake_png, bake_svg
from skills.errors import InputTooLarge, MalformedInput, UnsupportedFormat
from skills.verify._baking import extract_png, extract_svg

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "1edtech" / "files"
JWS = "eyJhbGciOiJSUzI1NiJ9.eyJ1aWQiOiIxIn0.c2lnbmF0dXJl"
CREDENTIAL = '{"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "Zoë & <co>"}'
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10"><rect/></svg>'


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def tiny_png(*extra: bytes) -> bytes:
    """A valid 1x1 grey PNG, with extra chunks before IEND."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x80")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", idat)
        + b"".join(extra)
        + chunk(b"IEND", b"")
    )


def itxt(keyword: bytes, text: bytes, *, compressed: bool = False) -> bytes:
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    body = zlib.compress(text) if compressed else text
    return chunk(b"iTXt", keyword + b"\x00" + flag + b"en\x00\x00" + body)


# ── PNG ─────────────────────────────────────────────────────────────────────


def test_1edtech_baked_pngs_are_read() -> None:
    keyword, text = extract_png((FILES / "ob20" / "simple-badge.png").read_bytes())
    assert keyword == "openbadges"
    assert '"type":"Assertion"' in text
    keyword, text = extract_png((FILES / "ob30" / "simple-jwt.png").read_bytes())
    assert keyword == "openbadgecredential"
    assert text.startswith("eyJ") and text.count(".") == 2
    keyword, text = extract_png((FILES / "ob30" / "simple-json.png").read_bytes())
    assert keyword == "openbadgecredential"
    assert "credentialSubject" in text


@pytest.mark.parametrize(
    ("version", "keyword"), [("2.0", "openbadges"), ("3.0", "openbadgecredential")]
)
def test_bake_then_extract_png(version: str, keyword: str) -> None:
    baked = bake_png(tiny_png(), CREDENTIAL, version=version)  # type: ignore[arg-type]
    assert extract_png(baked) == (keyword, CREDENTIAL)


def test_baking_replaces_an_existing_badge() -> None:
    once = bake_png(tiny_png(), "first", version="2.0")
    twice = bake_png(once, JWS, version="3.0")
    assert extract_png(twice) == ("openbadgecredential", JWS)


def test_pngs_baked_by_openbadgeslib_are_read() -> None:
    image = (FILES / "ob20" / "assets" / "robotics-badge.png").read_bytes()
    assert extract_png(obl.bake_png(image, JWS)) == ("openbadges", JWS)
    ob3 = obl.bake_png(image, JWS, keyword=b"openbadgecredential")
    assert extract_png(ob3) == ("openbadgecredential", JWS)


def test_our_baked_pngs_are_read_by_openbadgeslib() -> None:
    baked = bake_png(tiny_png(), JWS, version="3.0")
    assert obl.extract_png(baked, keyword=b"openbadgecredential") == JWS


def test_compressed_itxt_is_inflated() -> None:
    image = tiny_png(itxt(b"openbadges", JWS.encode(), compressed=True))
    assert extract_png(image) == ("openbadges", JWS)


def test_ob1_text_chunk_is_read() -> None:
    image = tiny_png(chunk(b"tEXt", b"openbadges\x00https://issuer.example/a/1"))
    assert extract_png(image) == ("openbadges", "https://issuer.example/a/1")


def test_other_text_chunks_are_ignored() -> None:
    image = tiny_png(chunk(b"tEXt", b"Comment\x00hello"), itxt(b"openbadgesX", b"nope"))
    with pytest.raises(MalformedInput, match=r"This PNG image has no badge baked into it."):
        extract_png(image)


def test_two_badges_are_refused() -> None:
    image = tiny_png(itxt(b"openbadges", b"a"), itxt(b"openbadgecredential", JWS.encode()))
    with pytest.raises(MalformedInput, match="2 badges"):
        extract_png(image)


def test_truncated_png_is_refused() -> None:
    baked = bake_png(tiny_png(), JWS, version="2.0")
    for cut in (5, 20, len(baked) - 30, len(baked) - 1):
        with pytest.raises(MalformedInput, match=r"truncated|not a PNG"):
            extract_png(baked[:cut])


def test_damaged_chunk_is_refused() -> None:
    baked = bytearray(bake_png(tiny_png(), JWS, version="2.0"))
    baked[baked.index(b"eyJ") + 3] ^= 0x01
    with pytest.raises(MalformedInput, match="checksum"):
        extract_png(bytes(baked))


def test_compressed_badge_over_the_limit_is_refused() -> None:
    image = tiny_png(itxt(b"openbadges", b"a" * (2 * 1024 * 1024), compressed=True))
    with pytest.raises(InputTooLarge, match="inflates beyond"):
        extract_png(image)


def test_corrupt_compressed_text_is_refused() -> None:
    body = b"openbadges\x00\x01\x00\x00\x00" + b"not zlib at all"
    with pytest.raises(MalformedInput, match="corrupt"):
        extract_png(tiny_png(chunk(b"iTXt", body)))


def test_bake_png_refuses_a_non_png() -> None:
    with pytest.raises(MalformedInput, match="not a PNG"):
        bake_png(b"GIF89a....", JWS, version="2.0")


# ── SVG ─────────────────────────────────────────────────────────────────────


def test_1edtech_baked_svgs_are_read() -> None:
    kind, text = extract_svg((FILES / "ob30" / "simple-json.svg").read_bytes())
    assert kind == "credential"
    assert text.startswith("{") and "credentialSubject" in text
    kind, text = extract_svg((FILES / "ob30" / "simple-jwt.svg").read_bytes())
    assert kind == "credential"
    assert text.startswith("eyJ") and text.count(".") == 2


@pytest.mark.parametrize(("version", "kind"), [("2.0", "assertion"), ("3.0", "credential")])
@pytest.mark.parametrize("payload", [JWS, CREDENTIAL, "https://issuer.example/assertions/1"])
def test_bake_then_extract_svg(version: str, kind: str, payload: str) -> None:
    baked = bake_svg(SVG, payload, version=version)  # type: ignore[arg-type]
    assert extract_svg(baked) == (kind, payload)
    assert b"<rect/></svg>" in baked  # the picture is kept as it was


def test_svg_baking_replaces_an_existing_badge() -> None:
    once = bake_svg(SVG, CREDENTIAL, version="3.0")
    twice = bake_svg(once, JWS, version="2.0")
    assert extract_svg(twice) == ("assertion", JWS)
    assert twice.count(b"openbadges:") == 1


def test_self_closing_svg_root_can_be_baked() -> None:
    baked = bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"/>', JWS, version="3.0")
    assert extract_svg(baked) == ("credential", JWS)


def test_svgs_baked_by_openbadgeslib_are_read() -> None:
    ob2 = obl.bake_svg(SVG, JWS)
    assert extract_svg(ob2) == ("assertion", JWS)
    ob3 = obl.bake_svg(
        SVG, CREDENTIAL, element="openbadges:credential", namespace=obl.SVG_NS_OB3, as_text=True
    )
    assert extract_svg(ob3) == ("credential", CREDENTIAL)


def test_our_baked_svgs_are_read_by_openbadgeslib() -> None:
    baked = bake_svg(SVG, JWS, version="3.0")
    assert obl.extract_svg(baked, element="openbadges:credential") == JWS


def test_verify_attribute_wins_over_text() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="http://openbadges.org">'
        b'<ob:assertion verify="https://issuer.example/a/1"><![CDATA[{"id": "x"}]]></ob:assertion>'
        b"</svg>"
    )
    assert extract_svg(svg) == ("assertion", "https://issuer.example/a/1")


def test_element_in_the_wrong_namespace_is_not_a_badge() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://example.org/x">'
        b'<openbadges:credential verify="abc"/></svg>'
    )
    with pytest.raises(MalformedInput, match="no badge"):
        extract_svg(svg)


def test_two_svg_badges_are_refused() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:a="http://openbadges.org"'
        b' xmlns:c="https://purl.imsglobal.org/ob/v3p0">'
        b'<a:assertion verify="x"/><c:credential verify="y"/></svg>'
    )
    with pytest.raises(MalformedInput, match="2 badges"):
        extract_svg(svg)


def test_empty_badge_element_is_refused() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg">'
        b'<c:credential xmlns:c="https://purl.imsglobal.org/ob/v3p0"> </c:credential></svg>'
    )
    with pytest.raises(MalformedInput, match="empty"):
        extract_svg(svg)


def test_broken_xml_is_refused() -> None:
    with pytest.raises(MalformedInput, match="not well-formed"):
        extract_svg(b"<svg><g></svg>")


def test_xml_that_is_not_svg_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat, match="not an SVG"):
        extract_svg(b'<?xml version="1.0"?><html><body/></html>')


def test_entity_declarations_are_refused() -> None:
    svg = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "x">]><svg>&a;</svg>'
    with pytest.raises(MalformedInput, match="entities"):
        extract_svg(svg)
