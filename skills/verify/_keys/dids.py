"""Issuer keys: did:key, did:jwk, did:web and HTTPS key documents, and their binding to issuers.

- :func:`resolve_did` returns a DID document (did:key and did:jwk are built locally,
  did:web is fetched from ``https://host[/path]/did.json`` or ``/.well-known/did.json``).
- :func:`resolve_verification_method` turns a proof's ``verificationMethod`` (or a JWT
  ``kid``) into a :class:`ResolvedKey`: the key, its id and its controller.
- :func:`key_belongs_to` says whether a resolved key speaks for an issuer. A key read
  from a URL fragment or a key document proves nothing by itself: the issuer's own
  DID document or profile must list it (or the key must be the issuer's DID itself).

Fetched documents are cached per ``httpx.Client`` for five minutes. Errors:
:class:`~skills.errors.FetchError` subclasses when a document cannot be fetched
(including a non-2xx answer, as FetchFailed), :class:`~skills.errors.MalformedInput`
for broken or unsupported key material and unsupported DID methods.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from skills.errors import FetchFailed, InputError, MalformedInput
from skills.verify._keys import jose
from skills.verify._keys.jose import PublicKey

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
MULTICODEC_ED25519_PUB = 0xED
MULTICODEC_P256_PUB = 0x1200
MULTICODEC_P384_PUB = 0x1201
_MAX_B58_CHARS = 512
_CACHE_SECONDS = 300.0
_KEY_LISTS = ("verificationMethod", "assertionMethod", "authentication", "publicKey")


@dataclass(frozen=True)
class ResolvedKey:
    """A public key with its id and controller. ``source`` is the DID or URL of the
    document the key was read from (empty when the key is its own DID)."""

    id: str
    controller: str
    key: PublicKey
    source: str = ""


# --- base58btc and multicodec -------------------------------------------------------------


def b58decode(text: str) -> bytes:
    """Decode base58 (Bitcoin alphabet); MalformedInput on bad characters or absurd length."""
    if not isinstance(text, str) or len(text) > _MAX_B58_CHARS:
        raise MalformedInput("A base58 value is missing or too long.")
    number = 0
    for char in text:
        digit = _B58_INDEX.get(char)
        if digit is None:
            raise MalformedInput("A base58 value holds a character outside the alphabet.")
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\x00" * pad + body


def b58encode(data: bytes) -> str:
    """Encode bytes as base58 (Bitcoin alphabet)."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_B58_ALPHABET[rem])
    pad = len(data) - len(data.lstrip(b"\x00"))
    return "1" * pad + "".join(reversed(out))


def _read_varint(data: bytes) -> tuple[int, int]:
    value = 0
    for i, byte in enumerate(data[:4]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, i + 1
    raise MalformedInput("A multicodec prefix is not a valid varint.")


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def decode_multikey(multibase: str) -> PublicKey:
    """A public key from a multibase (``z`` base58btc) multicodec value.

    Ed25519 (``z6Mk...``), P-256 (``zDn...``) and P-384 (``z82...``) keys, the curves as
    compressed points. Raises MalformedInput for anything else.
    """
    if not isinstance(multibase, str) or not multibase.startswith("z"):
        raise MalformedInput("A multibase key must be base58btc ('z...').")
    raw = b58decode(multibase[1:])
    codec, used = _read_varint(raw)
    material = raw[used:]
    try:
        if codec == MULTICODEC_ED25519_PUB and len(material) == 32:
            return ed25519.Ed25519PublicKey.from_public_bytes(material)
        if codec == MULTICODEC_P256_PUB and len(material) == 33:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), material)
        if codec == MULTICODEC_P384_PUB and len(material) == 49:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), material)
    except ValueError as exc:
        raise MalformedInput("The multibase key is not a valid point.") from exc
    raise MalformedInput("The multibase key is not an Ed25519, P-256 or P-384 public key.")


def encode_multikey(key: PublicKey) -> str:
    """The multibase (``z...``) multicodec form of an Ed25519, P-256 or P-384 public key."""
    from cryptography.hazmat.primitives import serialization

    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return "z" + b58encode(_varint(MULTICODEC_ED25519_PUB) + raw)
    codecs = {"secp256r1": MULTICODEC_P256_PUB, "secp384r1": MULTICODEC_P384_PUB}
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in codecs:
        raw = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        return "z" + b58encode(_varint(codecs[key.curve.name]) + raw)
    raise MalformedInput("Only Ed25519, P-256 and P-384 keys have a multikey form here.")


def did_key_for(key: PublicKey) -> str:
    """The did:key of an Ed25519, P-256 or P-384 public key."""
    return "did:key:" + encode_multikey(key)


# --- fetching with a small per-client cache ----------------------------------------------

_cache: weakref.WeakKeyDictionary[httpx.Client, dict[str, tuple[float, Any]]] = (
    weakref.WeakKeyDictionary()
)
_cache_lock = threading.Lock()


def _fetch_json(url: str, client: httpx.Client, what: str) -> Any:
    now = time.monotonic()
    with _cache_lock:
        entry = _cache.get(client, {}).get(url)
    if entry is not None and now - entry[0] < _CACHE_SECONDS:
        return entry[1]
    from skills.fetch import fetch

    got = fetch(url, client=client)
    if not got.ok:
        raise FetchFailed(
            f"The {what} at {url[:200]} could not be fetched (HTTP {got.status}).", url=url
        )
    try:
        document = got.json()
    except InputError as exc:
        raise MalformedInput(f"The {what} at {url[:200]} is not valid JSON.") from exc
    if not isinstance(document, dict):
        raise MalformedInput(f"The {what} at {url[:200]} is not a JSON object.")
    with _cache_lock:
        per_client = _cache.setdefault(client, {})
        if len(per_client) > 1000:
            per_client.clear()
        per_client[url] = (now, document)
    return document


# --- DIDs --------------------------------------------------------------------------------


def did_web_url(did: str) -> str:
    """The HTTPS URL of a did:web DID document."""
    parts = did.split(":")
    if len(parts) < 3 or parts[0] != "did" or parts[1] != "web" or not parts[2]:
        raise MalformedInput(f"{did[:120]!r} is not a did:web DID.")
    host = unquote(parts[2])
    if "/" in host or "@" in host or not host.strip("."):
        raise MalformedInput(f"{did[:120]!r} names an invalid host.")
    path = [unquote(p) for p in parts[3:]]
    if any(not p or p in {".", ".."} or "/" in p for p in path):
        raise MalformedInput(f"{did[:120]!r} has an invalid path.")
    if path:
        return f"https://{host}/{'/'.join(path)}/did.json"
    return f"https://{host}/.well-known/did.json"


def _did_key_document(did: str) -> dict[str, Any]:
    multibase = did[len("did:key:") :]
    key = decode_multikey(multibase)
    vm_id = f"{did}#{multibase}"
    del key  # decoded only to refuse a broken did:key
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        ],
        "assertionMethod": [vm_id],
        "authentication": [vm_id],
    }


def _did_jwk_document(did: str) -> dict[str, Any]:
    # Strict base64url, strict shallow JSON, public members only; the key must be readable.
    jwk = jose.did_jwk_public_jwk(did)
    jose.jwk_to_key(jwk)
    vm_id = f"{did}#0"
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey", "controller": did, "publicKeyJwk": jwk}
        ],
        "assertionMethod": [vm_id],
        "authentication": [vm_id],
    }


def resolve_did(did: str, *, client: httpx.Client) -> dict[str, Any]:
    """The DID document of ``did`` (did:key, did:jwk or did:web; any fragment ignored).

    Raises MalformedInput for other methods, broken keys or a did:web document whose
    ``id`` is not the DID; FetchError subclasses when a did:web document cannot be fetched.
    """
    if not isinstance(did, str):
        raise MalformedInput("A DID must be text.")
    base = did.split("#", 1)[0].split("?", 1)[0]
    if base.startswith("did:key:"):
        return _did_key_document(base)
    if base.startswith("did:jwk:"):
        return _did_jwk_document(base)
    if base.startswith("did:web:"):
        document = _fetch_json(did_web_url(base), client, "DID document")
        if document.get("id") != base:
            raise MalformedInput(f"The DID document for {base[:120]} names another DID.")
        return dict(document)
    method = base.split(":")[1] if base.count(":") >= 2 else base
    raise MalformedInput(f"The DID method {method[:40]!r} is not supported.")


# --- verification methods ----------------------------------------------------------------


def key_from_entry(entry: Mapping[str, Any]) -> PublicKey:
    """The public key of a verification method object (multibase, JWK, base58 or PEM)."""
    if isinstance(entry.get("publicKeyMultibase"), str):
        return decode_multikey(entry["publicKeyMultibase"])
    if isinstance(entry.get("publicKeyJwk"), Mapping):
        return jose.jwk_to_key(dict(entry["publicKeyJwk"]))
    if isinstance(entry.get("publicKeyBase58"), str):
        raw = b58decode(entry["publicKeyBase58"])
        if len(raw) != 32:
            raise MalformedInput("A publicKeyBase58 value is not a 32-byte Ed25519 key.")
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if isinstance(entry.get("publicKeyPem"), str):
        return jose.pem_to_key(entry["publicKeyPem"])
    raise MalformedInput("The verification method holds no public key we can read.")


def _absolute(ref: str, base: str) -> str:
    return base + ref if ref.startswith("#") else ref


def _listed_entries(document: Mapping[str, Any], base: str) -> list[tuple[str, Any]]:
    """(id, entry) of every key the document lists; entry is a dict or a bare reference."""
    out: list[tuple[str, Any]] = []
    for name in _KEY_LISTS:
        items = document.get(name)
        for item in items if isinstance(items, list) else [items] if items else []:
            if isinstance(item, str):
                out.append((_absolute(item, base), item))
            elif isinstance(item, Mapping) and isinstance(item.get("id"), str):
                out.append((_absolute(item["id"], base), item))
    return out


def _find_entry(document: Mapping[str, Any], vm_id: str, base: str) -> Mapping[str, Any] | None:
    for ident, entry in _listed_entries(document, base):
        if ident == vm_id and isinstance(entry, Mapping):
            return entry
    return None


def lists_key(document: Mapping[str, Any], vm_id: str, *, base: str) -> bool:
    """True when ``document`` lists ``vm_id`` among its verification or assertion methods."""
    return any(ident == vm_id for ident, _ in _listed_entries(document, base))


def _from_document(vm: str, document: Mapping[str, Any], base: str, source: str) -> ResolvedKey:
    entry = _find_entry(document, vm, base)
    if entry is None:
        raise MalformedInput(f"The document at {source[:160]} does not list the key {vm[:160]}.")
    controller = entry.get("controller")
    owner = controller if isinstance(controller, str) and controller else base
    return ResolvedKey(id=vm, controller=owner, key=key_from_entry(entry), source=source)


def multikey_fragment_key(vm: str) -> PublicKey | None:
    """The key a URL's multikey fragment (``...#z6Mk...``) spells, or None.

    This proves nothing about who controls the key; callers must bind it separately.
    Raises MalformedInput when the fragment looks like a multikey but is broken.
    """
    fragment = vm.partition("#")[2]
    if not fragment.startswith(("z6Mk", "zDn", "z82")):
        return None
    return decode_multikey(fragment)


def resolve_verification_method(vm: str, *, client: httpx.Client) -> ResolvedKey:
    """The key a ``verificationMethod`` (or JWT ``kid``) names, with its controller.

    did:key and did:jwk are decoded locally (the DID is the controller); did:web keys are
    read from the DID document; ``https:`` methods from the document at the URL (a key
    document with a ``controller``, or a profile listing the key). Raises MalformedInput
    for unsupported schemes/methods and broken key material, FetchError subclasses when
    a document cannot be fetched.
    """
    if not isinstance(vm, str) or not vm.strip():
        raise MalformedInput("The proof names no verification method.")
    vm = vm.strip()
    base, _, fragment = vm.partition("#")
    if base.startswith("did:key:"):
        multibase = base[len("did:key:") :]
        if fragment and fragment != multibase:
            raise MalformedInput("A did:key verification method must use its own key as fragment.")
        return ResolvedKey(
            id=f"{base}#{multibase}", controller=base, key=decode_multikey(multibase)
        )
    if base.startswith("did:jwk:"):
        document = _did_jwk_document(base)
        entry = document["verificationMethod"][0]
        return ResolvedKey(id=entry["id"], controller=base, key=key_from_entry(entry))
    if base.startswith("did:"):
        document = resolve_did(base, client=client)
        if not fragment:
            listed = [e for _, e in _listed_entries(document, base) if isinstance(e, Mapping)]
            if len(listed) != 1:
                raise MalformedInput(f"{base[:120]} lists several keys; the proof must name one.")
            vm = _absolute(str(listed[0]["id"]), base)
        return _from_document(vm, document, base, base)
    if base.startswith("https://") or base.startswith("http://"):
        document = _fetch_json(base, client, "key document")
        doc_id = document.get("id")
        if doc_id == vm or (not fragment and doc_id == base):
            controller = document.get("controller")
            if not isinstance(controller, str) or not controller:
                raise MalformedInput(f"The key document at {base[:160]} names no controller.")
            return ResolvedKey(
                id=vm, controller=controller, key=key_from_entry(document), source=base
            )
        if isinstance(doc_id, str) and doc_id != base:
            raise MalformedInput(f"The document at {base[:160]} claims to be {doc_id[:160]}.")
        return _from_document(vm, document, base, base)
    scheme = vm.split(":", 1)[0] if ":" in vm else ""
    if not scheme:
        raise MalformedInput("The verification method is not a URL or DID.")
    raise MalformedInput(f"The verification method scheme {scheme[:20]!r} is not supported.")


def key_belongs_to(issuer_id: str, resolved: ResolvedKey, *, client: httpx.Client) -> bool:
    """True when ``resolved`` is a key of the issuer ``issuer_id``.

    Holds when the issuer is the key's own DID (did:key/did:jwk), when the key was read
    from the issuer's own DID document or profile and names the issuer as controller, or
    when the issuer's document lists the key (and the key's controller is the issuer).
    A key merely named in a proof, or a key document claiming a controller, is not enough.
    Raises FetchError subclasses when the issuer's document is needed but cannot be fetched.
    """
    if not isinstance(issuer_id, str) or not issuer_id:
        return False
    issuer = issuer_id.split("#", 1)[0]
    if resolved.controller != issuer:
        return False
    if not resolved.source and issuer.startswith(("did:key:", "did:jwk:")):
        return resolved.id.split("#", 1)[0] == issuer
    if resolved.source == issuer:
        return True
    if issuer.startswith("did:"):
        document = resolve_did(issuer, client=client)
    elif issuer.startswith(("https://", "http://")):
        document = _fetch_json(issuer, client, "issuer profile")
    else:
        return False
    return lists_key(document, resolved.id, base=issuer)
