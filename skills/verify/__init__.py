"""Open Badges verification: ``verify(source)`` -> :class:`Report`, check by check.

Formats: OB 2.0 hosted and signed (and 0.5/1.0/1.1 upgraded), OB 3.0 with a
Data Integrity proof or as VC-JWT, each plain or baked into PNG/SVG.
``verify_all(source)`` also opens CLR 2.0 transcripts and verifiable presentations:
the container's report, then one report per badge inside.

This module is the package's face: everything other stages use is exported here, and
every module behind it is private (``_api``, ``_model``, ``_sources``, ``ob2/``, ``ob3/``,
``_keys/``, ...). Verification only verifies; issuing (signing, baking) is
:mod:`skills.demo`'s, built on the primitives exported at the end of this list.
"""

from skills.verify._api import shutdown_pool, verify, verify_all, verify_many
from skills.verify._baking import (
    PNG_KEYWORD_OB2,
    PNG_KEYWORD_OB3,
    PNG_SIGNATURE,
    SVG_NS_OB2,
    SVG_NS_OB3,
    extract_png,
    extract_svg,
    parse_svg,
    png_chunks,
)
from skills.verify._binding import bind_recipient
from skills.verify._common import identity_matches, normalise_identity
from skills.verify._envelopes import Unpacked, container_ok, might_hold_many, unpack
from skills.verify._keys.dids import b58encode, did_key_for
from skills.verify._keys.jose import PrivateKey, PublicKey, b64url_encode, key_to_jwk, sign_input
from skills.verify._model import (
    AUTHENTICITY_CHECKS,
    Achievement,
    Alignment,
    Check,
    CheckName,
    Container,
    Credential,
    Issuer,
    Outcome,
    Recipient,
    Report,
    Status,
    decide,
)
from skills.verify.ob3._proof import (
    CURVE_HASHES,
    DI_SUITES,
    ECDSA_SUITES,
    JCS_SUITES,
    JWS_2018,
    LEGACY_TYPES,
    hash_data,
    jcs_hash_data,
)

__all__ = [
    "AUTHENTICITY_CHECKS",
    "CURVE_HASHES",
    "DI_SUITES",
    "ECDSA_SUITES",
    "JCS_SUITES",
    "JWS_2018",
    "LEGACY_TYPES",
    "PNG_KEYWORD_OB2",
    "PNG_KEYWORD_OB3",
    "PNG_SIGNATURE",
    "SVG_NS_OB2",
    "SVG_NS_OB3",
    "Achievement",
    "Alignment",
    "Check",
    "CheckName",
    "Container",
    "Credential",
    "Issuer",
    "Outcome",
    "PrivateKey",
    "PublicKey",
    "Recipient",
    "Report",
    "Status",
    "Unpacked",
    "b58encode",
    "b64url_encode",
    "bind_recipient",
    "container_ok",
    "decide",
    "did_key_for",
    "extract_png",
    "extract_svg",
    "hash_data",
    "identity_matches",
    "jcs_hash_data",
    "key_to_jwk",
    "might_hold_many",
    "normalise_identity",
    "parse_svg",
    "png_chunks",
    "shutdown_pool",
    "sign_input",
    "unpack",
    "verify",
    "verify_all",
    "verify_many",
]
