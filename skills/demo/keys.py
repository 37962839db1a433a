"""Keys of the demo issuers and people (did:key form from :mod:`skills.verify._keys.dids`).

Ed25519 keys are derived from a label (SHA-256 of ``skill-atlas-demo/<label>`` is the
private seed), so they are the same on every run without being stored. RSA keys cannot
be derived that simply; the four RSA issuers' private keys are committed under
``data/demo/keys/`` (demo keys, never used for anything else). Both choices keep the
generated badges byte-for-byte reproducible, because Ed25519 and RSA PKCS#1 v1.5
signatures are deterministic.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from skills.config import DATA_DIR
from skills.errors import ConfigError
from skills.verify import did_key_for

KEYS_DIR = DATA_DIR / "demo" / "keys"


def did_key(public_key: ed25519.Ed25519PublicKey) -> str:
    """The ``did:key`` of an Ed25519 public key (the verifier's own encoder)."""
    return did_key_for(public_key)


def did_key_vm(public_key: ed25519.Ed25519PublicKey) -> str:
    """The verification method id of a did:key: ``did:key:z...#z...``."""
    did = did_key_for(public_key)
    return f"{did}#{did.removeprefix('did:key:')}"


def derived_ed25519(label: str) -> ed25519.Ed25519PrivateKey:
    """An Ed25519 private key derived from ``label`` (same label, same key)."""
    seed = hashlib.sha256(f"skill-atlas-demo/{label}".encode()).digest()
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed)


@cache
def issuer_rsa_key(slug: str) -> rsa.RSAPrivateKey:
    """The committed RSA private key of demo issuer ``slug``.

    Raises :class:`ConfigError` when ``data/demo/keys/<slug>.pem`` is missing or is not
    an RSA key.
    """
    path: Path = KEYS_DIR / f"{slug}.pem"
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"The demo issuer key {path} is missing or unreadable.") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError(f"The demo issuer key {path} is not an RSA key.")
    return key


def public_pem(key: rsa.RSAPrivateKey) -> str:
    """The SubjectPublicKeyInfo PEM of an RSA key's public half."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


__all__ = [
    "derived_ed25519",
    "did_key",
    "did_key_vm",
    "issuer_rsa_key",
    "public_pem",
]
