"""Open Badges 3.0 as a compact VC-JWT: header, key, issuer binding, signature and claims.

- ``alg`` must be an asymmetric algorithm (RS256, ES256, EdDSA ...); ``none`` and HMAC are
  refused (:func:`skills.verify._keys.jose.check_alg`). The token is read by
  :func:`skills.verify._keys.jose.decode_compact` (joserfc underneath): strict base64url, and a
  header with ``crit`` is refused, as no JWS extension is understood (the STRUCTURE check
  fails with the reason).
- The key comes from ``kid`` (a DID URL, a URL relative to a DID issuer, or an HTTPS key
  document, resolved by :mod:`skills.verify._keys.dids`) and must belong to the issuer; or from an
  embedded ``jwk``, accepted only when bound to the issuer: the issuer is ``did:jwk`` of that
  exact key, or the issuer's DID document / profile lists that key. An unbound ``jwk`` proves
  only that *someone* signed, so KEY_BINDING does not pass and the verdict cannot be
  ``verified``. With neither, a DID issuer's assertion keys are tried.
- Claims: ``iss`` equals the issuer id, ``sub`` the credentialSubject id (when both exist),
  ``jti`` the credential id (when both exist), and ``nbf``/``exp`` agree with
  validFrom/validUntil (VC 1.1: issuanceDate/expirationDate) to the second.
- The credential is the ``vc`` claim (VC 1.1 style) or the payload itself (a VC 2.0
  JOSE-secured credential); it then gets the content checks of
  :mod:`skills.verify.ob3._content`. The claims check is folded into the credential's
  STRUCTURE check, so that the report names each check once
  (:func:`skills.verify._model.merge_checks`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from skills.errors import FetchError, InputError, SkillAtlasError
from skills.jsondata import as_list
from skills.verify._context import FormatResult, VerifyContext
from skills.verify._keys import jose
from skills.verify._model import Check, CheckName, failed, merge_checks, not_run, passed
from skills.verify.ob3._content import content_checks, issuer_label, normalise
from skills.verify.ob3._status import StatusListVerifier, issuer_id_of

_CLAIM_TOLERANCE_SECONDS = 1.0
JWT_REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})
_MAX_CANDIDATE_KEYS = 16


@lru_cache(maxsize=4096)
def _did_jwk(did: str) -> tuple[jose.PublicKey, str]:
    """The key a ``did:jwk`` names and its fingerprint (cached: parsing a key costs more
    than verifying a signature with it). Raises InputError for a broken did:jwk."""
    key = jose.did_jwk_key(did)  # strict, depth-limited JSON: never a RecursionError
    return key, jose.key_fingerprint(key)


@lru_cache(maxsize=4096)
def _header_jwk(jwk_json: str) -> tuple[jose.PublicKey, str]:
    """The key of a header ``jwk`` (given as canonical JSON text) and its fingerprint."""
    jwk: Any = json.loads(jwk_json)
    key = jose.jwk_to_key(jwk)
    return key, jose.key_fingerprint(key)


def _listed_keys(document: Mapping[str, Any], ctx: VerifyContext) -> list[jose.PublicKey]:
    """Public keys a DID document or issuer profile lists (assertionMethod,
    verificationMethod, publicKey): inline entries are read, references resolved."""
    from skills.verify._keys.dids import key_from_entry, resolve_verification_method

    keys: list[jose.PublicKey] = []
    entries: list[Any] = []
    for prop in ("assertionMethod", "verificationMethod", "publicKey"):
        entries += as_list(document.get(prop))
    seen: set[str] = set()
    base = document.get("id") if isinstance(document.get("id"), str) else ""
    for entry in entries[:_MAX_CANDIDATE_KEYS]:
        try:
            if isinstance(entry, Mapping):
                keys.append(key_from_entry(entry))
                continue
            if not isinstance(entry, str) or entry in seen:
                continue
            seen.add(entry)
            ref = f"{base}{entry}" if entry.startswith("#") else entry
            keys.append(resolve_verification_method(ref, client=ctx.client).key)
        except SkillAtlasError:
            continue
    return keys


def _issuer_document(issuer_id: str, ctx: VerifyContext) -> Mapping[str, Any]:
    """The issuer's DID document (DIDs) or its fetched profile (http(s) ids)."""
    if issuer_id.startswith("did:"):
        from skills.verify._keys.dids import resolve_did

        resolved: Mapping[str, Any] = resolve_did(issuer_id, client=ctx.client)
        return resolved
    if issuer_id.startswith(("https://", "http://")):
        from skills.fetch import fetch

        got = fetch(issuer_id, client=ctx.client)
        if not got.ok:
            raise InputError(f"its profile could not be fetched (HTTP {got.status})")
        doc = got.json()
        if not isinstance(doc, dict):
            raise InputError("its profile is not a JSON object")
        return doc
    raise InputError(f"the issuer id {issuer_id[:80]} cannot be resolved to keys")


def _bind_jwk(issuer_id: str | None, key: jose.PublicKey, fp: str, ctx: VerifyContext) -> Check:
    """KEY_BINDING of a header ``jwk`` to the issuer."""
    if issuer_id is None:
        return failed(CheckName.KEY_BINDING, "The credential names no issuer to bind its key to.")
    if issuer_id.startswith("did:jwk:"):
        try:
            bound = _did_jwk(issuer_id)[1] == fp
        except SkillAtlasError:
            bound = False
        if bound:
            return passed(CheckName.KEY_BINDING, "The signing key is the issuer's own did:jwk.")
        return failed(
            CheckName.KEY_BINDING, "The token's key is not the key of the issuer's did:jwk."
        )
    try:
        document = _issuer_document(issuer_id, ctx)
    except (FetchError, InputError) as err:
        return not_run(
            CheckName.KEY_BINDING,
            f"The token carries its own key, but it could not be tied to {issuer_id[:120]}: {err}",
        )
    if any(jose.key_fingerprint(k) == fp for k in _listed_keys(document, ctx)):
        return passed(CheckName.KEY_BINDING, f"The signing key is listed by {issuer_id[:120]}.")
    return failed(
        CheckName.KEY_BINDING,
        f"The token's embedded key is not among the keys {issuer_id[:120]} publishes.",
    )


def _key_from_kid(
    kid: str, issuer_id: str | None, ctx: VerifyContext
) -> tuple[jose.PublicKey | None, Check]:
    """(key, KEY_BINDING check) for a ``kid``; the key is None when it could not be resolved."""
    from skills.verify._keys.dids import key_belongs_to, resolve_verification_method

    ref = kid
    relative = not kid.startswith("did:") and ":" not in kid.split("#", 1)[0]
    if issuer_id is not None and issuer_id.startswith("did:") and relative:
        ref = issuer_id.split("#", 1)[0] + ("" if kid.startswith("#") else "#") + kid
    try:
        resolved = resolve_verification_method(ref, client=ctx.client)
    except SkillAtlasError as err:
        return None, not_run(
            CheckName.KEY_BINDING, f"The signing key {ref[:160]} could not be resolved: {err}"
        )
    if issuer_id is None:
        return resolved.key, failed(CheckName.KEY_BINDING, "The credential names no issuer.")
    try:
        belongs = key_belongs_to(issuer_id, resolved, client=ctx.client)
    except SkillAtlasError as err:
        return resolved.key, not_run(
            CheckName.KEY_BINDING,
            f"Whether the key {ref[:160]} belongs to {issuer_id[:120]} could not be checked: {err}",
        )
    if belongs:
        return resolved.key, passed(
            CheckName.KEY_BINDING, f"The signing key {ref[:160]} belongs to {issuer_id[:120]}."
        )
    return resolved.key, failed(
        CheckName.KEY_BINDING, f"The signing key {ref[:160]} does not belong to {issuer_id[:120]}."
    )


def _key_and_binding(
    header: Mapping[str, Any], issuer_id: str | None, ctx: VerifyContext
) -> tuple[jose.PublicKey | None, Check]:
    kid = header.get("kid")
    jwk = header.get("jwk")
    if isinstance(kid, str) and kid.strip():
        return _key_from_kid(kid.strip(), issuer_id, ctx)
    if isinstance(jwk, Mapping):
        if any(k in jwk for k in jose.PRIVATE_JWK_MEMBERS):
            return None, failed(
                CheckName.KEY_BINDING, "The token's header carries a private or secret key."
            )
        try:
            key, fp = _header_jwk(json.dumps(jwk, sort_keys=True))
        except (SkillAtlasError, ValueError) as err:
            return None, failed(
                CheckName.KEY_BINDING, f"The token's embedded key is unusable: {err}"
            )
        return key, _bind_jwk(issuer_id, key, fp, ctx)
    if issuer_id is not None and issuer_id.startswith("did:jwk:"):
        try:
            return _did_jwk(issuer_id)[0], passed(
                CheckName.KEY_BINDING, "The signing key is the issuer's own did:jwk."
            )
        except SkillAtlasError as err:
            return None, failed(CheckName.KEY_BINDING, f"The issuer's did:jwk is unusable: {err}")
    return None, not_run(
        CheckName.KEY_BINDING,
        "The token names no key (neither kid nor jwk), so the signature could not be checked.",
    )


def _claim_time(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _shown(value: Any) -> str:
    """A claim value as a person reads it: text as it is, anything else as JSON."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:100]


def _claims_check(
    payload: Mapping[str, Any], vc: Mapping[str, Any], embedded: bool
) -> tuple[Check, datetime | None, datetime | None]:
    """The STRUCTURE check of the JWT claims, and (nbf, exp) as datetimes."""
    from skills.verify.ob3._content import dates

    problems: list[str] = []
    issuer_id = issuer_id_of(vc)
    iss = payload.get("iss")
    if embedded and iss is None:
        problems.append("it has no iss claim")
    elif iss is not None and iss != issuer_id:
        if issuer_id is None:
            problems.append(
                f"its iss claim names {_shown(iss)}, but the credential names no issuer"
            )
        else:
            problems.append(f"its iss claim ({_shown(iss)}) is not the issuer ({issuer_id})")
    subjects = as_list(vc.get("credentialSubject"))
    subject_id = subjects[0].get("id") if subjects and isinstance(subjects[0], Mapping) else None
    sub = payload.get("sub")
    if sub is not None and subject_id is not None and sub != subject_id:
        problems.append("its sub claim is not the credentialSubject id")
    jti = payload.get("jti")
    if jti is not None and vc.get("id") is not None and jti != vc.get("id"):
        problems.append("its jti claim is not the credential id")
    issued, expires = dates(vc)
    nbf, exp = _claim_time(payload.get("nbf")), _claim_time(payload.get("exp"))
    if "nbf" in payload and nbf is None:
        problems.append("its nbf claim is not a time")
    if "exp" in payload and exp is None:
        problems.append("its exp claim is not a time")
    if nbf and issued and abs((nbf - issued).total_seconds()) > _CLAIM_TOLERANCE_SECONDS:
        problems.append("its nbf claim disagrees with the credential's start of validity")
    if exp and expires and abs((exp - expires).total_seconds()) > _CLAIM_TOLERANCE_SECONDS:
        problems.append("its exp claim disagrees with the credential's end of validity")
    if exp and not expires and embedded:
        problems.append("its exp claim has no validUntil in the credential")
    who = issuer_label(vc)
    if problems:
        return (
            failed(
                CheckName.STRUCTURE,
                f"{who}'s token claims do not match the credential: " + "; ".join(problems) + ".",
            ),
            nbf,
            exp,
        )
    return passed(CheckName.STRUCTURE, f"{who}'s token claims match the credential."), nbf, exp


def verify_ob3_jwt(
    token: str, ctx: VerifyContext, *, verify_list: StatusListVerifier
) -> FormatResult:
    """Verify a compact VC-JWT carrying an OB 3.0 credential; never raises for bad input.

    ``verify_list`` verifies status list credentials (see :mod:`skills.verify.ob3._status`).
    Resolving keys and status lists fetches through ``ctx.client``.
    """
    fmt = "ob3-jwt"
    try:
        jws = jose.decode_compact(token)
    except InputError as err:
        return FormatResult(fmt, [failed(CheckName.STRUCTURE, str(err))], None)
    payload = jws.payload
    if not isinstance(payload, dict):
        return FormatResult(
            fmt, [failed(CheckName.STRUCTURE, "The token's payload is not a JSON object.")], None
        )
    embedded = isinstance(payload.get("vc"), dict)
    # A VC 2.0 JOSE-secured payload is the credential itself, with the registered JWT claims
    # beside it: they are the token's, not the credential's, so they are not checked as
    # JSON-LD terms.
    vc: dict[str, Any] = (
        payload["vc"]
        if embedded
        else {k: v for k, v in payload.items() if k not in JWT_REGISTERED_CLAIMS}
    )
    if not embedded and "@context" not in payload:
        return FormatResult(
            fmt,
            [
                failed(
                    CheckName.STRUCTURE, "The token carries no verifiable credential (no vc claim)."
                )
            ],
            None,
        )
    who = issuer_label(vc)
    claims, nbf, exp = _claims_check(payload, vc, embedded)
    # nbf/exp, when present, bound the validity window instead of the credential's dates.
    before, after = content_checks(vc, ctx, verify_list=verify_list, issued=nbf, expires=exp)
    checks: list[Check] = [*before, claims]
    try:
        alg = jose.check_alg(jws.header.get("alg"))
    except InputError as err:
        checks.append(failed(CheckName.SIGNATURE, f"{who}'s token is not acceptably signed: {err}"))
        if nbf or exp:  # an unusable token's claims do not bound the window
            from skills.verify.ob3._content import check_validity

            after = [check_validity(vc, ctx) if c.name == CheckName.VALIDITY else c for c in after]
        return FormatResult(fmt, list(merge_checks([*checks, *after])), normalise(vc))
    issuer_id = issuer_id_of(vc)
    key, binding = _key_and_binding(jws.header, issuer_id, ctx)
    checks.append(binding)
    if key is None:
        checks.append(
            not_run(CheckName.SIGNATURE, f"{who}'s signature could not be checked without a key.")
        )
    elif jose.verify_signature(alg, key, jws.signing_input, jws.signature):
        checks.append(
            passed(CheckName.SIGNATURE, f"{who}'s {alg} signature on the token is valid.")
        )
    else:
        checks.append(
            failed(
                CheckName.SIGNATURE,
                f"The {alg} signature does not match: the token was altered or not signed by "
                "that key.",
            )
        )
    # The claims check and the credential's structure check are both STRUCTURE: one check.
    return FormatResult(fmt, list(merge_checks([*checks, *after])), normalise(vc))
