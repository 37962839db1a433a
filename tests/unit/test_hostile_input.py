"""Hostile submissions: whatever arrives, reading it ends in a readable SkillAtlasError.

Random bytes, cut images, bombs and parser tricks must neither crash, hang nor
allocate what the attacker asks for.
"""

from __future__ import annotations

import base64
import json
import struct
import tracemalloc
import zlib
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skills.demo.baking import bake_png, bake_svg
from skills.errors import InputTooLarge, MalformedInput, SkillAtlasError
from skills.verify._sources import detect_format, read_source

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "1edtech" / "files"
BAKED_PNG = (FILES / "ob30" / "simple-jwt.png").read_bytes()
BAKED_SVG = (FILES / "ob30" / "simple-json.svg").read_bytes()
CLIENT = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(599)))


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def tiny_png(*extra: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + b"".join(extra)
        + chunk(b"IEND", b"")
    )


def read_or_refuse(data: bytes | str) -> None:
    """read_source either returns or raises a SkillAtlasError; detect_format never raises."""
    try:
        sub = read_source(data, client=CLIENT)
    except SkillAtlasError as err:
        assert str(err).strip(), "every refusal carries a sentence"
        return
    assert isinstance(detect_format(sub), str)


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.binary(max_size=2048))
def test_random_bytes(data: bytes) -> None:
    read_or_refuse(data)


@FAST
@given(st.binary(max_size=512))
def test_random_bytes_behind_each_signature(tail: bytes) -> None:
    for head in (b"\x89PNG\r\n\x1a\n", b"<?xml", b"<svg", b"{", b"[", b"eyJ", b"https://"):
        read_or_refuse(head + tail)


@FAST
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    read_or_refuse(text)


@FAST
@given(st.integers(min_value=0, max_value=len(BAKED_PNG)))
def test_png_cut_anywhere(cut: int) -> None:
    read_or_refuse(BAKED_PNG[:cut])


@FAST
@given(st.integers(min_value=8, max_value=len(BAKED_PNG) - 1), st.integers(0, 255))
def test_png_with_one_byte_changed(position: int, value: int) -> None:
    data = bytearray(BAKED_PNG)
    data[position] = value
    read_or_refuse(bytes(data))


@FAST
@given(st.integers(min_value=0, max_value=len(BAKED_SVG)))
def test_svg_cut_anywhere(cut: int) -> None:
    read_or_refuse(BAKED_SVG[:cut])


@FAST
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
        ),
        max_leaves=30,
    )
)
def test_any_json_value(value: object) -> None:
    read_or_refuse(json.dumps(value))


@FAST
@given(st.integers(min_value=1, max_value=5000), st.sampled_from(["[", '{"a":']))
def test_deep_json(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    read_or_refuse(opener * depth + "1" * (opener != "[") + closer * depth)


@FAST
@given(st.integers(min_value=90, max_value=5000))
def test_huge_numbers(digits: int) -> None:
    read_or_refuse('{"n": ' + "9" * digits + "}")
    read_or_refuse('{"n": 1e' + "9" * digits + "}")


@FAST
@given(st.binary(max_size=200), st.binary(max_size=200), st.text(max_size=20))
def test_bad_base64_tokens(header: bytes, payload: bytes, junk: str) -> None:
    seg = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode() or "A"  # noqa: E731
    read_or_refuse(f"{seg(header)}.{seg(payload)}.{seg(junk.encode())}")
    read_or_refuse(f"{seg(header)}.{junk}.x")


# ── bombs ───────────────────────────────────────────────────────────────────


def test_png_decompression_bomb_is_refused_without_inflating_it() -> None:
    bomb = zlib.compress(b"\0" * (100 * 1024 * 1024), 9)  # 100 MB of zeros in ~100 KB
    image = tiny_png(chunk(b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + bomb))
    tracemalloc.start()
    try:
        with pytest.raises(InputTooLarge, match="inflates beyond"):
            read_source(image, client=CLIENT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024, "the bomb must not be inflated in memory"


def test_svg_billion_laughs_is_refused() -> None:
    lol = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    svg = (
        b'<?xml version="1.0"?><!DOCTYPE svg ['
        + lol
        + b']><svg xmlns="http://www.w3.org/2000/svg">&lol9;</svg>'
    )
    with pytest.raises(MalformedInput, match="entities"):
        read_source(svg, client=CLIENT)


def test_svg_external_entity_is_refused() -> None:
    svg = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="http://openbadges.org">'
        b"<ob:assertion>&xxe;</ob:assertion></svg>"
    )
    with pytest.raises(MalformedInput, match="entities") as err:
        read_source(svg, client=CLIENT)
    assert "root:" not in str(err.value)


def test_svg_external_dtd_is_not_fetched() -> None:
    svg = (
        b'<?xml version="1.0"?><!DOCTYPE svg SYSTEM "http://evil.example/x.dtd">'
        b'<svg xmlns="http://www.w3.org/2000/svg">&remote;</svg>'
    )
    with pytest.raises(MalformedInput, match="not defined"):
        read_source(svg, client=CLIENT)


def test_json_ten_thousand_levels_deep() -> None:
    with pytest.raises(InputTooLarge, match="nests deeper"):
        read_source("[" * 10_000 + "]" * 10_000, client=CLIENT)
    with pytest.raises(InputTooLarge, match="nests deeper"):
        read_source('{"a":' * 10_000 + "1" + "}" * 10_000, client=CLIENT)


def test_deep_json_baked_into_an_image() -> None:
    image = bake_svg(
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        '{"a":' * 1000 + "1" + "}" * 1000,
        version="3.0",
    )
    with pytest.raises(InputTooLarge):
        read_source(image, client=CLIENT)
    image = bake_png(tiny_png(), "[" * 1000 + "]" * 1000, version="3.0")
    with pytest.raises(InputTooLarge):
        read_source(image, client=CLIENT)


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(MalformedInput, match="repeats the key 'credentialSubject'"):
        read_source(
            b'{"credentialSubject": {"id": "a"}, "credentialSubject": {"id": "b"}}', client=CLIENT
        )


def test_nan_is_refused() -> None:
    with pytest.raises(MalformedInput, match="NaN"):
        read_source(b'{"type": "Assertion", "n": NaN}', client=CLIENT)


def test_unterminated_string_full_of_escaped_quotes_is_quick() -> None:
    with pytest.raises(MalformedInput):
        read_source('{"a": "' + '\\"[' * 200_000, client=CLIENT)
