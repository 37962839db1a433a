"""Recognising what was submitted, and naming its likely format."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import httpx
import pytest

from skills.demo.baking import bake_png, bake_svg
from skills.errors import InputError, InputTooLarge, MalformedInput, UnsupportedFormat
from skills.verify._context import Submission
from skills.verify._sources import detect_format, is_compact_token, read_source

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "1edtech" / "files"
OB2 = {
    "@context": "https://w3id.org/openbadges/v2",
    "type": "Assertion",
    "id": "https://i.example/a/1",
}
OB3 = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'


def b64(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def token(header: object, payload: object) -> str:
    return f"{b64(header)}.{b64(payload)}.c2ln"


def tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def client() -> httpx.Client:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("reading a submission must not fetch anything")

    return httpx.Client(transport=httpx.MockTransport(never))


def read(source: bytes | str | dict | Path, client: httpx.Client) -> Submission:  # type: ignore[type-arg]
    return read_source(source, client=client)


def test_dict_is_json_with_canonical_raw_bytes(client: httpx.Client) -> None:
    sub = read(OB2, client)
    assert (sub.kind, sub.payload, sub.baked_in) == ("json", OB2, None)
    assert json.loads(sub.raw) == OB2


def test_json_bytes_and_text(client: httpx.Client) -> None:
    data = json.dumps(OB3, indent=2).encode()
    sub = read(data, client)
    assert (sub.kind, sub.payload, sub.raw) == ("json", OB3, data)
    assert read("\n  " + json.dumps(OB2), client).payload == OB2
    assert read(b"\xef\xbb\xbf" + data, client).payload == OB3


def test_json_that_is_not_an_object_is_refused(client: httpx.Client) -> None:
    with pytest.raises(MalformedInput, match="not a JSON object"):
        read(b"[1, 2, 3]", client)


def test_broken_json_is_malformed(client: httpx.Client) -> None:
    with pytest.raises(MalformedInput, match="not valid"):
        read(b'{"type": "Assertion",', client)


def test_compact_token(client: httpx.Client) -> None:
    jws = token({"alg": "RS256"}, OB2)
    sub = read(jws + "\n", client)
    assert (sub.kind, sub.payload) == ("compact", jws)
    assert sub.raw == (jws + "\n").encode()


def test_url(client: httpx.Client) -> None:
    sub = read("  https://issuer.example/assertions/1?x=1 \n", client)
    assert (sub.kind, sub.payload) == ("url", "https://issuer.example/assertions/1?x=1")


@pytest.mark.parametrize(
    "text",
    [
        "ftp://issuer.example/a",
        "file:///etc/passwd",
        "https://a.example/x\nhttps://b.example/y",
        "hello world",
        "a.b",
        "not.a.tok en",
    ],
)
def test_other_text_is_unsupported_and_says_what_is_accepted(
    text: str, client: httpx.Client
) -> None:
    with pytest.raises(UnsupportedFormat, match="JSON, a signed token"):
        read(text, client)


@pytest.mark.parametrize("data", [b"", b"   \n\t", b"\xef\xbb\xbf"])
def test_empty_input(data: bytes, client: httpx.Client) -> None:
    with pytest.raises(MalformedInput, match=r"The file is empty."):
        read(data, client)


def test_other_images_are_unsupported(client: httpx.Client) -> None:
    with pytest.raises(UnsupportedFormat, match="JPEG"):
        read(b"\xff\xd8\xff\xe0" + b"\0" * 100, client)
    with pytest.raises(UnsupportedFormat):
        read(bytes(range(256)) * 4, client)


def test_baked_png_is_unbaked_and_redetected(client: httpx.Client) -> None:
    jws = token({"alg": "RS256"}, OB2)
    image = bake_png(tiny_png(), jws, version="2.0")
    sub = read(image, client)
    assert (sub.kind, sub.payload, sub.baked_in, sub.raw) == ("compact", jws, "png", image)
    image = bake_png(tiny_png(), json.dumps(OB3), version="3.0")
    sub = read(image, client)
    assert (sub.kind, sub.payload, sub.baked_in) == ("json", OB3, "png")


def test_baked_svg_with_a_hosted_url(client: httpx.Client) -> None:
    image = bake_svg(SVG, "https://issuer.example/a/1", version="2.0")
    sub = read(image, client)
    assert (sub.kind, sub.payload, sub.baked_in, sub.raw) == (
        "url",
        "https://issuer.example/a/1",
        "svg",
        image,
    )


def test_1edtech_baked_files(client: httpx.Client) -> None:
    sub = read(FILES / "ob30" / "simple-json.svg", client)
    assert (sub.kind, sub.baked_in, detect_format(sub)) == ("json", "svg", "ob3-di")
    sub = read(FILES / "ob30" / "simple-jwt.png", client)
    assert (sub.kind, sub.baked_in, detect_format(sub)) == ("compact", "png", "ob3-jwt")
    sub = read(FILES / "ob20" / "simple-badge.png", client)
    assert (sub.kind, sub.baked_in, detect_format(sub)) == ("json", "png", "ob2-hosted")
    assert sub.raw == (FILES / "ob20" / "simple-badge.png").read_bytes()


def test_baked_junk_is_malformed(client: httpx.Client) -> None:
    image = bake_png(tiny_png(), "just some words", version="2.0")
    with pytest.raises(MalformedInput, match="neither JSON"):
        read(image, client)


def test_png_without_badge(client: httpx.Client) -> None:
    with pytest.raises(MalformedInput, match=r"This PNG image has no badge baked into it."):
        read(tiny_png(), client)


def test_size_limit_on_bytes(client: httpx.Client) -> None:
    with pytest.raises(InputTooLarge, match="over the limit of 100 bytes"):
        read_source(b"{" + b" " * 200 + b"}", client=client, max_bytes=100)


def test_size_limit_on_files_is_checked_before_reading(
    client: httpx.Client, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024 * 1024)  # sparse: 50 GB that are never read
    with pytest.raises(InputTooLarge, match="over the limit of 1,000 bytes"):
        read_source(huge, client=client, max_bytes=1000)


def test_missing_file(client: httpx.Client, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="could not be read"):
        read(tmp_path / "nope.png", client)


def test_dict_that_is_not_json_data(client: httpx.Client) -> None:
    with pytest.raises(MalformedInput):
        read({"a": float("nan")}, client)


# ── detect_format ───────────────────────────────────────────────────────────


def sub(kind: str, payload: object) -> Submission:
    return Submission(kind, payload, b"")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("submission", "expected"),
    [
        (sub("json", OB3), "ob3-di"),
        (sub("json", {"@context": "https://www.w3.org/2018/credentials/v1"}), "ob3-di"),
        (sub("json", {"type": "VerifiableCredential"}), "ob3-di"),
        (sub("json", OB2), "ob2-hosted"),
        (sub("json", {"@context": [{"x": 1}, 5]}), "ob2-hosted"),
        (sub("url", "https://i.example/a"), "url"),
        (sub("compact", token({"alg": "RS256"}, {"vc": OB3, "iss": "x"})), "ob3-jwt"),
        (sub("compact", token({"alg": "RS256"}, OB3)), "ob3-jwt"),
        (sub("compact", token({"alg": "EdDSA", "typ": "vc+jwt"}, {"x": 1})), "ob3-jwt"),
        (sub("compact", token({"alg": "RS256", "typ": "JWT"}, OB2)), "ob2-signed"),
        (sub("compact", "a.b.c"), "unknown"),
        (sub("compact", "////.x.y"), "unknown"),
        (sub("compact", token(["not", "a", "header"], OB2)), "unknown"),
        (sub("json", ["not a dict"]), "unknown"),
        (sub("compact", None), "unknown"),
    ],
)
def test_detect_format(submission: Submission, expected: str) -> None:
    assert detect_format(submission) == expected


# ── JSON that happens to contain two dots is JSON, not a token ─────────────────

DOTTED = {"name": "a.b.c"}


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "a.b.c"}',
        '{"name":"a.b.c"}',
        '  \n{\n  "name": "a.b.c"\n}\n  ',
        '\ufeff{"name": "a.b.c"}',
        '\t{ "name" : "a.b.c" }\r\n',
    ],
)
def test_json_text_with_two_dots_is_read_as_json(text: str, client: httpx.Client) -> None:
    for source in (text, text.encode("utf-8")):
        sub = read(source, client)
        assert (sub.kind, sub.payload) == ("json", DOTTED)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"name": "a.b.c"}', False),
        ('{"a":"b.c"}', False),
        ("[1.5, 2.5]", False),
        ("a.b.c", True),
        ("  eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln \n", True),
        ("a.b", False),
        ("a.b.c.d", False),
    ],
)
def test_is_compact_token_only_for_three_base64url_segments(text: str, expected: bool) -> None:
    assert is_compact_token(text) is expected


def test_baked_json_after_a_byte_order_mark_is_json(client: httpx.Client) -> None:
    """A PNG whose badge text starts with a byte order mark still carries JSON."""
    image = bake_png(tiny_png(), "\ufeff" + json.dumps(DOTTED), version="2.0")
    sub = read(image, client)
    assert (sub.kind, sub.payload, sub.baked_in) == ("json", DOTTED, "png")
