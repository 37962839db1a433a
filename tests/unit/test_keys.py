"""skills.verify._keys.dids: did:key, did:jwk, did:web, HTTPS key documents and issuer binding."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given
from hypothesis import strategies as st

from skills.errors import FetchError, MalformedInput
from skills.verify._keys.dids import (
    b58decode,
    b58encode,
    decode_multikey,
    did_key_for,
    did_web_url,
    encode_multikey,
    key_belongs_to,
    multikey_fragment_key,
    resolve_did,
    resolve_verification_method,
)
from skills.verify._keys.jose import key_fingerprint, key_to_jwk


def client_for(routes: dict[str, Any]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        body = routes.get(str(request.url))
        if body is None:
            return httpx.Response(404)
        return httpx.Response(200, json=body)

    return httpx.Client(transport=httpx.MockTransport(handler))


NO_NET = client_for({})


@given(st.binary(max_size=80))
def test_base58_round_trips(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


def test_base58_rejects_characters_outside_the_alphabet() -> None:
    with pytest.raises(MalformedInput):
        b58decode("0OIl")


def test_did_key_ed25519_is_its_own_controller() -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    did = did_key_for(key)
    assert did.startswith("did:key:z6Mk")
    resolved = resolve_verification_method(did, client=NO_NET)
    assert resolved.controller == did and resolved.id == f"{did}#{did[8:]}"
    assert key_fingerprint(resolved.key) == key_fingerprint(key)
    assert key_belongs_to(did, resolved, client=NO_NET)
    assert not key_belongs_to("did:key:z6MkOther", resolved, client=NO_NET)


def test_did_key_p256_resolves() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    did = did_key_for(key)
    assert did.startswith("did:key:zDn")
    resolved = resolve_verification_method(did + "#" + did[8:], client=NO_NET)
    assert key_fingerprint(resolved.key) == key_fingerprint(key)


def test_did_key_p384_resolves_from_the_multikey_z82_prefix() -> None:
    key = ec.generate_private_key(ec.SECP384R1()).public_key()
    did = did_key_for(key)
    assert did.startswith("did:key:z82")
    resolved = resolve_verification_method(did + "#" + did[8:], client=NO_NET)
    assert key_fingerprint(resolved.key) == key_fingerprint(key)
    assert key_fingerprint(decode_multikey(encode_multikey(key))) == key_fingerprint(key)
    assert multikey_fragment_key("https://issuer.example/key#" + did[8:]) is not None


def test_did_key_with_a_foreign_fragment_is_refused() -> None:
    did = did_key_for(ed25519.Ed25519PrivateKey.generate().public_key())
    with pytest.raises(MalformedInput):
        resolve_verification_method(did + "#other", client=NO_NET)


def test_did_jwk_resolves_to_its_key() -> None:
    from skills.verify._keys.jose import b64url_encode

    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    did = "did:jwk:" + b64url_encode(json.dumps(key_to_jwk(key)).encode())
    resolved = resolve_verification_method(did + "#0", client=NO_NET)
    assert resolved.controller == did
    assert key_fingerprint(resolved.key) == key_fingerprint(key)
    assert resolve_did(did, client=NO_NET)["assertionMethod"] == [did + "#0"]


@pytest.mark.parametrize("depth", [9, 5_000])
def test_did_jwk_nested_deep_is_malformed_not_a_recursion_error(depth: int) -> None:
    from skills.verify._keys.jose import b64url_encode, did_jwk_key

    text = '{"k":' * depth + '{"kty":"OKP","crv":"Ed25519","x":"AA"}' + "}" * depth
    did = "did:jwk:" + b64url_encode(text.encode())
    with pytest.raises(MalformedInput, match="did:jwk"):
        resolve_verification_method(did + "#0", client=NO_NET)
    with pytest.raises(MalformedInput, match="did:jwk"):
        resolve_did(did, client=NO_NET)
    with pytest.raises(MalformedInput, match="did:jwk"):
        did_jwk_key(did)


def test_did_jwk_key_reads_a_public_key_and_refuses_a_private_one() -> None:
    from skills.verify._keys.jose import b64url_encode, did_jwk_key

    key = ec.generate_private_key(ec.SECP256R1())
    jwk = key_to_jwk(key.public_key())
    did = "did:jwk:" + b64url_encode(json.dumps(jwk).encode())
    assert key_fingerprint(did_jwk_key(did + "#0")) == key_fingerprint(key.public_key())
    private = "did:jwk:" + b64url_encode(json.dumps({**jwk, "d": "AA"}).encode())
    with pytest.raises(MalformedInput, match="public"):
        did_jwk_key(private)


def _did_jwk_spellings() -> tuple[str, list[str]]:
    """A did:jwk in its one valid spelling, and the same key spelt loosely (padding, a line
    break or a stray character inside) that a lenient base64 decoder would still read."""
    import base64

    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    text = json.dumps(key_to_jwk(key)) + " "
    if len(text.encode()) % 3 == 0:
        text += " "
    padded = base64.urlsafe_b64encode(text.encode()).decode()
    assert padded.endswith("=")
    body = padded.rstrip("=")
    loose = [padded, body[:20] + "\n" + body[20:], body[:20] + "!!" + body[20:]]
    return "did:jwk:" + body, ["did:jwk:" + spelling for spelling in loose]


def test_did_jwk_must_be_strict_base64url_everywhere() -> None:
    from skills.verify._keys.jose import did_jwk_key

    did, loose = _did_jwk_spellings()
    assert resolve_verification_method(did + "#0", client=NO_NET).controller == did
    for other in loose:
        with pytest.raises(MalformedInput, match="did:jwk does not hold a JSON Web Key"):
            resolve_verification_method(other + "#0", client=NO_NET)
        with pytest.raises(MalformedInput, match="did:jwk"):
            resolve_did(other, client=NO_NET)
        with pytest.raises(MalformedInput, match="did:jwk"):
            did_jwk_key(other)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "oct", "k": "c2VjcmV0"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB", "dp": "AQAB"},
        {"kty": "OKP", "crv": "X25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
    ],
)
def test_did_jwk_of_a_secret_private_or_unsupported_key_is_refused(jwk: dict[str, str]) -> None:
    from skills.verify._keys.jose import b64url_encode

    did = "did:jwk:" + b64url_encode(json.dumps(jwk).encode())
    with pytest.raises(MalformedInput):
        resolve_did(did, client=NO_NET)
    with pytest.raises(MalformedInput):
        resolve_verification_method(did + "#0", client=NO_NET)


def test_did_web_urls() -> None:
    assert did_web_url("did:web:example.com") == "https://example.com/.well-known/did.json"
    assert did_web_url("did:web:example.com%3A8443:u:alice") == (
        "https://example.com:8443/u/alice/did.json"
    )
    with pytest.raises(MalformedInput):
        did_web_url("did:web:example.com:..")


def _did_web(key: ed25519.Ed25519PublicKey, did: str) -> dict[str, Any]:
    return {
        "id": did,
        "verificationMethod": [
            {
                "id": did + "#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": encode_multikey(key),
            }
        ],
        "assertionMethod": ["#key-1"],
    }


def test_did_web_key_is_read_from_the_did_document() -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    did = "did:web:issuer.example:org"
    client = client_for({"https://issuer.example/org/did.json": _did_web(key, did)})
    resolved = resolve_verification_method(did + "#key-1", client=client)
    assert resolved.controller == did
    assert key_fingerprint(resolved.key) == key_fingerprint(key)
    assert key_belongs_to(did, resolved, client=client)


def test_did_web_that_cannot_be_fetched_raises_fetch_error() -> None:
    with pytest.raises(FetchError):
        resolve_verification_method("did:web:gone.example#key-1", client=NO_NET)


def test_did_web_document_for_another_did_is_refused() -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    client = client_for(
        {"https://a.example/.well-known/did.json": _did_web(key, "did:web:b.example")}
    )
    with pytest.raises(MalformedInput):
        resolve_did("did:web:a.example", client=client)


def _https_issuer(
    key: ed25519.Ed25519PublicKey, *, listed: bool
) -> Callable[[], tuple[httpx.Client, str, str]]:
    def make() -> tuple[httpx.Client, str, str]:
        issuer = "https://issuer.example/profile"
        key_url = "https://keys.example/k1"
        key_doc = {
            "id": key_url,
            "type": "Multikey",
            "controller": issuer,
            "publicKeyMultibase": encode_multikey(key),
        }
        profile = {"id": issuer, "type": "Profile", "assertionMethod": [key_url] if listed else []}
        return client_for({key_url: key_doc, issuer: profile}), issuer, key_url

    return make


def test_https_key_document_binds_only_when_the_issuer_lists_it() -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    client, issuer, key_url = _https_issuer(key, listed=True)()
    resolved = resolve_verification_method(key_url, client=client)
    assert resolved.controller == issuer
    assert key_belongs_to(issuer, resolved, client=client)
    client, issuer, key_url = _https_issuer(key, listed=False)()
    resolved = resolve_verification_method(key_url, client=client)
    assert not key_belongs_to(issuer, resolved, client=client)


def test_key_in_the_issuers_own_profile_binds() -> None:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    issuer = "https://issuer.example/p"
    profile = {
        "id": issuer,
        "verificationMethod": [
            {"id": issuer + "#k", "type": "Multikey", "controller": issuer,
             "publicKeyMultibase": encode_multikey(key)}
        ],
    }  # fmt: skip
    client = client_for({issuer: profile})
    resolved = resolve_verification_method(issuer + "#k", client=client)
    assert key_belongs_to(issuer, resolved, client=client)
    assert not key_belongs_to("https://other.example/p", resolved, client=client)


@pytest.mark.parametrize(
    "vm", ["z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x", "xxx:abc", "did:example:123"]
)
def test_unsupported_verification_methods_are_malformed(vm: str) -> None:
    with pytest.raises(MalformedInput):
        resolve_verification_method(vm, client=NO_NET)
