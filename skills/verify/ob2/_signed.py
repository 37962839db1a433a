"""Signed assertions: a compact JWS, the issuer's key, its revocation list."""

from __future__ import annotations

from typing import Any

from skills.errors import MalformedInput
from skills.jsondata import as_list
from skills.verify._context import FormatResult, VerifyContext
from skills.verify._keys.jose import CompactJWS, PublicKey, decode_compact, verify_signature
from skills.verify._model import (
    CheckName,
    failed,
    not_run,
    passed,
)
from skills.verify.ob2._checks import (
    is_web_url,
    node_id,
)
from skills.verify.ob2._fetch import (
    REVOCATION_TTL_SECONDS,
    cached_key,
    get_document,
)
from skills.verify.ob2._hosted import verify_hosted
from skills.verify.ob2._legacy import legacy_version, upgrade_assertion
from skills.verify.ob2._run import Resolved, Run, assertion_checks, canonical_doc, cap, finish

# ── signed ──────────────────────────────────────────────────────────────────


def verify_signed(token: str, ctx: VerifyContext) -> FormatResult:
    run = Run(ctx)
    jws = decode_compact(token)
    alg = jws.header.get("alg")
    if alg != "RS256":
        if isinstance(alg, str) and (alg.lower() == "none" or alg.upper().startswith("HS")):
            why = f"'{alg}', which proves nothing about who issued it"
        else:
            why = f"{alg!r}"
        run.add(
            failed(
                CheckName.SIGNATURE,
                f"The badge is signed with {why}; Open Badges 2.0 signed badges must use RS256.",
            )
        )
        return FormatResult("ob2-signed", run.checks, None)
    if not isinstance(jws.payload, dict):
        run.add(failed(CheckName.STRUCTURE, "The signed badge's payload is not a JSON object."))
        return FormatResult("ob2-signed", run.checks, None)
    raw = jws.payload
    legacy = legacy_version(raw)
    assertion = (
        upgrade_assertion(raw, legacy) if legacy else canonical_doc(run, raw, "signed badge")
    )
    verification = assertion.get("verification")
    vtype = str(verification.get("type", "")).lower() if isinstance(verification, dict) else ""
    if vtype in {"hostedbadge", "hosted"}:
        # A hosted badge that also carries a signature: its trust anchor is its address.
        return verify_hosted(raw, assertion, legacy, ctx, fetched_from=None)
    ok, badge, issuer = assertion_checks(run, assertion, raw, legacy, "signed badge")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    signature_ok = _key_and_signature(
        run, jws, creator if isinstance(creator, str) else None, issuer
    )
    _revocation_list_check(run, assertion, issuer)
    credential = finish(run, assertion, badge, issuer)
    return FormatResult("ob2-signed", run.checks, credential if (signature_ok and ok) else None)


def _key_ids(issuer_doc: dict[str, Any]) -> list[str]:
    return [k for k in (node_id(v) for v in as_list(issuer_doc.get("publicKey"))) if k]


def _load_key(
    run: Run, key_url: str, embedded: dict[str, Any] | None
) -> tuple[PublicKey, dict[str, Any]] | None:
    doc = embedded
    if doc is None or not isinstance(doc.get("publicKeyPem"), str):
        if not is_web_url(key_url):
            run.add(
                failed(CheckName.KEY_BINDING, f"The signing key {key_url} is not a web address.")
            )
            return None
        got = get_document(key_url, run.ctx.client)
        if not got.reached:
            run.add(
                not_run(
                    CheckName.KEY_BINDING,
                    f"The signing key at {key_url} could not be fetched: {got.error}",
                )
            )
            return None
        if got.doc is None:
            status = (
                f"HTTP {got.status}" if got.status and got.status >= 300 else "not a JSON object"
            )
            run.add(
                failed(
                    CheckName.KEY_BINDING,
                    f"The signing key at {key_url} could not be read ({status}).",
                )
            )
            return None
        doc = got.doc
    pem = doc.get("publicKeyPem")
    if not isinstance(pem, str):
        run.add(failed(CheckName.KEY_BINDING, f"The key document {key_url} holds no publicKeyPem."))
        return None
    try:
        return cached_key(run.ctx.client, key_url, pem), doc
    except MalformedInput as err:
        run.add(failed(CheckName.KEY_BINDING, f"The key at {key_url} is unusable: {err}"))
        return None


def _key_and_signature(
    run: Run, jws: CompactJWS, creator: str | None, issuer: Resolved | None
) -> bool:
    """KEY_BINDING and SIGNATURE checks; True when the signature verified with a bound key."""
    if issuer is None or issuer.doc is None:
        run.add(
            not_run(
                CheckName.KEY_BINDING,
                "The issuer profile was not available, so the signing key could not be tied to it.",
            )
        )
        run.add(
            not_run(
                CheckName.SIGNATURE,
                "The signature was not checked: no key could be tied to the issuer.",
            )
        )
        return False
    issuer_id = node_id(issuer.doc) or issuer.ref
    listed = _key_ids(issuer.doc)
    embedded = {node_id(v): v for v in as_list(issuer.doc.get("publicKey")) if isinstance(v, dict)}
    who = run.issuer_possessive
    if creator is not None:
        if creator not in listed:
            run.add(
                failed(
                    CheckName.KEY_BINDING,
                    f"The badge was signed with the key {creator}, which {who} profile does not "
                    "list "
                    f"among its public keys{' (' + ', '.join(listed) + ')' if listed else ''}.",
                )
            )
            run.add(
                not_run(
                    CheckName.SIGNATURE,
                    "The signature was not checked: its key does not belong to the issuer.",
                )
            )
            return False
        candidates = [creator]
    else:
        candidates = listed
        if not candidates:
            run.add(
                failed(
                    CheckName.KEY_BINDING,
                    f"The badge names no signing key and {who} profile lists none.",
                )
            )
            run.add(
                not_run(
                    CheckName.SIGNATURE,
                    "The signature was not checked: there is no key to check it with.",
                )
            )
            return False
    for key_url in candidates:
        loaded = _load_key(run, key_url, embedded.get(key_url))
        if loaded is None:
            continue
        key, key_doc = loaded
        owner = key_doc.get("owner")
        if (
            isinstance(owner, str)
            and issuer_id is not None
            and owner not in {issuer_id, issuer.ref}
        ):
            run.add(
                failed(
                    CheckName.KEY_BINDING,
                    f"The key {key_url} says it belongs to {owner}, not to {run.issuer_label} "
                    f"({issuer_id}).",
                )
            )
            continue
        if verify_signature("RS256", key, jws.signing_input, jws.signature):
            run.add(passed(CheckName.KEY_BINDING, f"The key {key_url} is listed in {who} profile."))
            run.add(
                passed(
                    CheckName.SIGNATURE,
                    f"Signed by {who} key (listed in its profile); the content is unchanged.",
                )
            )
            return True
        if creator is not None:
            run.add(passed(CheckName.KEY_BINDING, f"The key {key_url} is listed in {who} profile."))
            run.add(
                failed(
                    CheckName.SIGNATURE,
                    f"The signature does not match {who} key: the badge was altered or signed by "
                    "someone else.",
                )
            )
            return False
    if not any(c.name == CheckName.KEY_BINDING for c in run.checks):
        run.add(failed(CheckName.KEY_BINDING, f"None of {who} listed keys could be used."))
    if any(c.name == CheckName.KEY_BINDING and c.outcome == "not_run" for c in run.checks):
        run.add(
            not_run(
                CheckName.SIGNATURE,
                "The signature was not checked: the issuer's key could not be fetched.",
            )
        )
    else:
        run.add(
            failed(
                CheckName.SIGNATURE,
                f"The signature matches none of {who} keys: the badge was altered or signed by "
                "someone else.",
            )
        )
    return False


def _revocation_list_check(run: Run, assertion: dict[str, Any], issuer: Resolved | None) -> None:
    if issuer is None or issuer.doc is None:
        run.add(
            not_run(
                CheckName.REVOCATION,
                "The issuer profile was not available, so its revocation list could not be "
                "checked.",
            )
        )
        return
    ref = node_id(issuer.doc.get("revocationList"))
    who = run.issuer_label
    if ref is None:
        run.add(
            passed(
                CheckName.REVOCATION,
                f"{cap(who)} publishes no revocation list, so it has revoked no signed badge.",
            )
        )
        return
    got = get_document(ref, run.ctx.client, ttl=REVOCATION_TTL_SECONDS) if is_web_url(ref) else None
    if got is None or got.doc is None:
        reason = (
            got.error
            if got and got.error
            else (f"HTTP {got.status}" if got and got.status else "not a web address")
        )
        run.add(
            not_run(
                CheckName.REVOCATION,
                f"{cap(who)}'s revocation list ({ref}) could not be read ({reason}), so the "
                "badge may be revoked.",
            )
        )
        return
    entries = got.doc.get("revokedAssertions")
    if not isinstance(entries, list):
        run.add(
            not_run(
                CheckName.REVOCATION,
                f"The revocation list {ref} has no revokedAssertions list, so the badge may be "
                "revoked.",
            )
        )
        return
    my_id = node_id(assertion)
    my_uid = assertion.get("uid")
    for entry in entries:
        entry_id = node_id(entry)
        entry_uid = entry.get("uid") if isinstance(entry, dict) else None
        if (my_id is not None and entry_id == my_id) or (
            my_uid is not None and entry_uid == my_uid
        ):
            said = entry.get("revocationReason") if isinstance(entry, dict) else None
            why = f" Reason given: {said}" if isinstance(said, str) and said else ""
            run.add(
                failed(
                    CheckName.REVOCATION, f"{cap(who)} revoked this badge (listed in {ref}).{why}"
                )
            )
            return
    run.add(passed(CheckName.REVOCATION, f"Not on {run.issuer_possessive} revocation list."))
