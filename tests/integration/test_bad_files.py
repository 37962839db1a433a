"""Bad submissions through ``ingest_one`` into a real DuckDB file.

Every input of issue 7 is refused with one readable sentence; an unreadable one is
kept in ``rejected_submissions`` with that reason (its bytes only when within the
upload limit) plus one audit row, and no other table changes. Forged tokens
(``alg: none``, HS256 keyed with the issuer's public key) are recognised as
badges, so they are stored as ``invalid`` credentials with the reason: they must
never count as held skills nor reach HR's mapping review queue.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from skills.demo.baking import bake_png, bake_svg
from skills.ingest import Mapper, ingest_one
from skills.ingest._plan import REJECTED_PREFIX_BYTES
from skills.store import Store
from tests.support.hostile_support import (
    b64url,
    b64url_json,
    changed_tables,
    fingerprints,
    is_one_sentence,
    jwt_parts,
    png_chunk,
    tiny_png,
)
from tests.support.ingest_helpers import BadgeIssuer

pytestmark = pytest.mark.hostile

MB = 1024 * 1024
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'


def _badge_json() -> bytes:
    return json.dumps(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": "https://issuer.example", "name": "Acme"},
            "credentialSubject": {"achievement": {"name": "Python"}},
        }
    ).encode()


def _billion_laughs() -> bytes:
    lol = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    return (
        b'<?xml version="1.0"?><!DOCTYPE svg ['
        + lol
        + b']><svg xmlns="http://www.w3.org/2000/svg">&lol9;</svg>'
    )


def _png_bomb() -> bytes:
    bomb = zlib.compress(b"\0" * (64 * MB), 9)  # 64 MB of zeros in ~64 KB
    return tiny_png(png_chunk(b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + bomb))


# name -> (bytes, a word the reason must contain)
UNREADABLE: dict[str, tuple[Callable[[], bytes], str]] = {
    "empty": (lambda: b"", "empty"),
    "only whitespace": (lambda: b"  \r\n\t ", "empty"),
    "truncated JSON": (lambda: _badge_json()[:57], "not valid"),
    "truncated PNG": (lambda: bake_png(tiny_png(), "x" * 400, version="3.0")[:120], "PNG"),
    "JPEG (wrong format)": (lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\0" * 64, "JPEG"),
    "PDF (wrong format)": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    "PNG bomb": (_png_bomb, "inflates"),
    "PNG without a badge": (tiny_png, "badge"),
    "SVG billion laughs": (_billion_laughs, "entities"),
    "SVG external entity": (
        lambda: (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="http://openbadges.org">'
            b"<ob:assertion>&xxe;</ob:assertion></svg>"
        ),
        "entities",
    ),
    "SVG with a script and no badge": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "badge",
    ),
    "JSON 10,000 levels deep": (lambda: b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "deeper"),
    "JSON array 10,000 deep": (lambda: b"[" * 10_000 + b"]" * 10_000, "deeper"),
    "NaN": (lambda: b'{"id": "urn:x", "score": NaN}', "NaN"),
    "Infinity": (lambda: b'{"id": "urn:x", "score": -Infinity}', "Infinity"),
    "duplicate keys": (
        lambda: b'{"type": "Assertion", "recipient": {}, "recipient": {"identity": "x"}}',
        "repeats the key",
    ),
    "non-UTF-8": (lambda: '{"name": "Caf\u00e9 \u00e9l\u00e8ve"}'.encode("latin-1"), "UTF-8"),
    "UTF-16": (lambda: '{"name": "x"}'.encode("utf-16"), "format"),
    "JSON but not an object": (lambda: b'["a", "b"]', "not a JSON object"),
    "a number with 5,000 digits": (lambda: b'{"n": ' + b"9" * 5000 + b"}", "digits"),
    "random binary": (lambda: bytes(range(256)) * 8, "format"),
    "200 MB in memory": (lambda: b"{" + b" " * (200 * MB), "over the limit"),
}


def _assert_refused_and_nothing_else(
    store: Store, run: Callable[[], object], *, expect: str, keeps_raw: bool
) -> str:
    before = fingerprints(store)
    rejected_before = int(store.scalar("SELECT count(*) FROM rejected_submissions"))
    result = run()
    reason = str(getattr(result, "reason", ""))
    assert getattr(result, "rejected", False), f"not rejected: {result!r}"
    assert is_one_sentence(reason), reason
    assert expect.lower() in reason.lower(), reason
    after = fingerprints(store)
    assert changed_tables(before, after) <= {"rejected_submissions", "audit_log"}
    assert int(store.scalar("SELECT count(*) FROM rejected_submissions")) == rejected_before + 1
    row = store.rows(
        "SELECT reason, raw IS NOT NULL, submitted_by, person_id FROM rejected_submissions "
        "ORDER BY rejection_id DESC LIMIT 1"
    )[0]
    assert row[0] == reason and row[1] is keeps_raw and row[2] == "stranger" and row[3] == "c1"
    assert after["audit_log"][0] == before["audit_log"][0] + 1
    action = store.scalar("SELECT action FROM audit_log ORDER BY audit_id DESC LIMIT 1")
    assert action == "submission.reject"
    return reason


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_unreadable_upload_is_refused_stored_as_rejected_and_changes_nothing_else(
    store: Store, name: str
) -> None:
    make, expect = UNREADABLE[name]
    data = make()
    reason = _assert_refused_and_nothing_else(
        store,
        lambda: ingest_one(store, data, person_id="c1", submitted_by="stranger", name=name),
        expect=expect,
        keeps_raw=True,  # a bounded prefix, never more (issue 11: storage exhaustion)
    )
    kept = store.scalar("SELECT octet_length(raw) FROM rejected_submissions")
    assert kept == min(len(data), REJECTED_PREFIX_BYTES)
    # The same refused bytes submitted again are not stored a second time.
    again = ingest_one(store, data, person_id="c1", submitted_by="stranger", name=name)
    assert again.rejected and again.reason == reason
    assert store.scalar("SELECT count(*) FROM rejected_submissions") == 1


def test_a_200_mb_file_is_refused_by_its_size_without_being_read(
    store: Store, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * MB)
    reason = _assert_refused_and_nothing_else(
        store,
        lambda: ingest_one(store, huge, person_id="c1", submitted_by="stranger"),
        expect="over the limit",
        keeps_raw=False,
    )
    assert "209,715,200 bytes" in reason
    assert store.scalar("SELECT size FROM rejected_submissions") == 200 * MB


@pytest.mark.parametrize(
    ("filename", "content", "expect"),
    [
        ("badge.png", b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\0" * 64, "JPEG"),
        ("badge.json", b"%PDF-1.7\n1 0 obj", "PDF"),
        ("badge.svg", b"PK\x03\x04" + b"\0" * 40, "ZIP"),
        ("badge.jwt", b"MZ\x90\x00\x03" + bytes(range(200)), "format"),
    ],
)
def test_wrong_extension_is_judged_by_content_and_refused(
    store: Store, tmp_path: Path, filename: str, content: bytes, expect: str
) -> None:
    path = tmp_path / filename
    path.write_bytes(content)
    _assert_refused_and_nothing_else(
        store,
        lambda: ingest_one(store, path, person_id="c1", submitted_by="stranger"),
        expect=expect,
        keeps_raw=True,
    )


def test_a_real_badge_with_the_wrong_extension_is_read_by_its_content(
    store: Store, tmp_path: Path, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    path = tmp_path / "badge.png"  # a VC-JWT, not a PNG
    path.write_text(issuer.badge("katherine@example.org"))
    result = ingest_one(store, path, person_id="c1", submitted_by="katherine", mapper=mapper)
    assert result.status == "verified"


def test_a_truncated_token_is_refused(store: Store, issuer: BadgeIssuer) -> None:
    token = issuer.badge("katherine@example.org")
    cut = token[: token.index(".") + 40]  # header and the start of the payload
    _assert_refused_and_nothing_else(
        store,
        lambda: ingest_one(store, cut, person_id="c1", submitted_by="stranger"),
        expect="badge",
        keeps_raw=True,
    )


# -- forged tokens: recognised, stored invalid, never held, never in HR's queues -------------


def _forged_none(token: str, _issuer: BadgeIssuer) -> str:
    header, payload, _ = jwt_parts(token)
    return f"{b64url_json({**header, 'alg': 'none'})}.{payload}."


def _forged_hs256(token: str, issuer: BadgeIssuer) -> str:
    from cryptography.hazmat.primitives import serialization

    header, payload, _ = jwt_parts(token)
    head = b64url_json({**header, "alg": "HS256"})
    public = issuer.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    mac = hmac.new(public, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    return f"{head}.{payload}.{b64url(mac)}"


@pytest.mark.parametrize(
    ("forge", "expect"), [(_forged_none, "'none'"), (_forged_hs256, "'HS256'")]
)
def test_forged_token_is_invalid_with_its_reason_and_grants_nothing(
    store: Store,
    issuer: BadgeIssuer,
    mapper: Mapper,
    forge: Callable[[str, BadgeIssuer], str],
    expect: str,
) -> None:
    genuine = issuer.badge(
        "katherine@example.org",
        name="Underwater Basket Diplomacy",
        skill_url="https://skills.example/ubd",
        skill_name="underwater basket diplomacy",
    )
    forged = forge(genuine, issuer)
    before = fingerprints(store)
    held_before = store.rows("SELECT * FROM held_skills ORDER BY ALL")
    result = ingest_one(store, forged, person_id="c1", submitted_by="stranger", mapper=mapper)
    assert result.status == "invalid"
    assert is_one_sentence(result.reason) and expect in result.reason, result.reason
    stored = store.rows(
        "SELECT status, summary FROM credentials WHERE credential_key = ?", [result.credential_key]
    )
    assert stored == [("invalid", result.reason)]
    assert store.rows("SELECT * FROM held_skills ORDER BY ALL") == held_before
    changed = changed_tables(before, fingerprints(store))
    # A forged badge may leave its own record; it must not touch people, skills, trust,
    # settings, role profiles, or HR's mapping review queue (attacker-chosen labels).
    assert changed <= {
        "credentials",
        "credential_status_history",
        "credential_skills",
        "audit_log",
        "issuers",
        "achievements",
    }, changed


def test_svg_with_a_script_and_a_real_badge_is_verified_and_kept_only_as_bytes(
    store: Store, issuer: BadgeIssuer, mapper: Mapper
) -> None:
    token = issuer.badge("katherine@example.org")
    image = bake_svg(
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
        token,
        version="3.0",
    )
    result = ingest_one(store, image, person_id="c1", submitted_by="katherine", mapper=mapper)
    assert result.status == "verified"
    raw, baked = store.rows(
        "SELECT raw, baked_in FROM credentials WHERE credential_key = ?", [result.credential_key]
    )[0]
    assert bytes(raw) == image and baked == "svg"
