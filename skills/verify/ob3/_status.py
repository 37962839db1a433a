"""The REVOCATION check of Open Badges 3.0 credentials: ``credentialStatus``.

Supported status methods:

- ``BitstringStatusListEntry`` (W3C Bitstring Status List v1.0) and its predecessor
  ``StatusList2021Entry``: the status list credential named by ``statusListCredential`` is
  fetched, **its own proof is verified** (Data Integrity or VC-JWT, through the same OB 3.0
  verification, passed in as ``verify_list``) with a key bound to *the list's own issuer*,
  its type must name a status list credential, its validity window must hold, and its
  ``encodedList`` (multibase ``u`` + base64url of a gzip stream; a bare base64 string for
  StatusList2021) is decoded; bit ``statusListIndex`` counts from the most significant bit
  of the first byte. The list's issuer may be another party than the badge's issuer (the
  W3C recommendation allows it: the badge's issuer names the list in the signed
  credential); the check's sentence then names the list's issuer. A revocation read from
  such a verified list is *conclusive* (it decides the verdict, see
  :mod:`skills.verify._model`).
- A status list whose proof verifies but whose key is not shown to belong to its issuer is
  not trusted, with one exception that can only take trust away: when it names the badge's
  own issuer and its Data Integrity proof verifies with the very verification method of the
  badge's own proof, whoever signed the badge also signed the list, so the list is exactly
  as trustworthy as the badge. A "revoked" or "suspended" bit of such a list is reported (a
  failed check that is *not conclusive*); a clear bit is never enough (NOT RUN, as for any
  list that could not be trusted).
- ``1EdTechRevocationList``: the list at ``credentialStatus.id`` is fetched; it is a JSON object
  whose ``revokedCredentials`` array lists revoked credential ids. That list is unsigned by
  design of the 1EdTech method; what it is trusted on is that its address comes from the
  signed credential itself. A list naming another issuer is not trusted; a revocation it
  lists is not conclusive (it has no proof of its own).

Purposes: ``revocation`` set → revoked. ``suspension`` set → also the REVOKED status (decided
here): a suspended credential must not count as held, and REVOKED is the status whose meaning
("its issuer withdrew it") fits; the sentence says "suspended", and a later re-verification
passes once the issuer lifts the suspension. Other purposes (``message``, ``refresh``) do not
bear on validity and only add a note.

Anything that prevents an answer (unreachable list, unverifiable list proof, unknown method,
index out of range) makes the check NOT RUN, which is required: the verdict becomes
``unverifiable``, never "not revoked".
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from skills.errors import FetchError, InputError
from skills.jsondata import as_list, types_of
from skills.verify._common import parse_datetime
from skills.verify._context import FormatResult, Submission, VerifyContext
from skills.verify._model import (
    Check,
    CheckName,
    Outcome,
    Status,
    decide,
    failed,
    not_run,
    passed,
    warning,
)

StatusListVerifier = Callable[[Submission, VerifyContext], FormatResult]

BITSTRING_ENTRY_TYPES = frozenset({"BitstringStatusListEntry", "StatusList2021Entry"})
LIST_CREDENTIAL_TYPES = frozenset({"BitstringStatusListCredential", "StatusList2021Credential"})
REVOCATION_LIST_TYPE = "1EdTechRevocationList"
MAX_BITSTRING_BYTES = 4 * 1024 * 1024  # 32 million entries; the spec's minimum is 16 KiB
MAX_ENTRIES = 8
_ACCEPT = "application/vc+ld+json, application/ld+json, application/vc+jwt, application/json;q=0.9"

# Depth of nested status-list verification in this thread of execution: a status list
# credential's own credentialStatus is not followed (no loops, bounded fetches).
_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("ob3_status_depth", default=0)


class StatusUnavailable(Exception):
    """Internal: the status could not be determined; ``str()`` is the sentence."""


@dataclass(frozen=True)
class EntryResult:
    """The outcome of one ``credentialStatus`` entry.

    ``message`` is a whole sentence. ``conclusive`` is False when the answer comes from a
    list without a verified proof of its own (see the module docstring).
    """

    state: str  # "clear", "revoked", "suspended", "note", "unknown"
    message: str
    conclusive: bool = True


@dataclass(frozen=True)
class TrustedList:
    """A status list credential that may be read: its document and who stands behind it.

    ``issuer`` names the list's issuer for sentences (its name, else its id).
    ``same_signer_only`` is True when the list is trusted only because the badge's own
    signer signed it (a key not shown to belong to anyone): only its revocations count.
    """

    document: Mapping[str, Any]
    issuer: str
    same_signer_only: bool = False


def issuer_name_of(doc: Mapping[str, Any]) -> str:
    """How sentences name a credential's issuer: its name, else its id, else "an unnamed issuer"."""
    issuer = doc.get("issuer")
    if isinstance(issuer, Mapping):
        name = issuer.get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()[:120]
    ident = issuer_id_of(doc)
    return ident[:120] if ident else "an unnamed issuer"


def issuer_id_of(doc: Mapping[str, Any]) -> str | None:
    """The issuer id of a credential (``issuer`` as a string or an object with ``id``)."""
    issuer = doc.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, Mapping) and isinstance(issuer.get("id"), str):
        ident: str = issuer["id"]
        return ident
    return None


def decode_encoded_list(encoded: Any) -> bytes:
    """The raw bitstring of an ``encodedList``.

    Accepts the Bitstring Status List form (multibase ``u`` prefix, base64url, no padding) and
    the StatusList2021 form (bare base64, url-safe or standard alphabet); both wrap a gzip
    stream. Raises ValueError for anything else, a broken gzip stream, or a bitstring larger
    than :data:`MAX_BITSTRING_BYTES` (a decompression bomb).
    """
    if not isinstance(encoded, str) or not encoded.strip():
        raise ValueError("the encodedList is missing")
    text = encoded.strip()
    body = text[1:] if text.startswith("u") else text.replace("+", "-").replace("/", "_")
    if not body or any(c not in _B64URL for c in body.rstrip("=")):
        raise ValueError("the encodedList is not base64url")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the encodedList is not base64url") from exc
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, MAX_BITSTRING_BYTES)
    except zlib.error as exc:
        raise ValueError("the encodedList is not a gzip stream") from exc
    if inflater.unconsumed_tail:
        raise ValueError("the status list is larger than any real status list")
    if not inflater.eof:
        raise ValueError("the encodedList gzip stream is truncated")
    return bits


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def bit_at(bitstring: bytes, index: int) -> bool:
    """Bit ``index`` of ``bitstring``, most significant bit of the first byte first.

    Raises IndexError when the index is negative or beyond the list.
    """
    if index < 0 or index // 8 >= len(bitstring):
        raise IndexError(index)
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def _index(value: Any) -> int:
    if isinstance(value, bool):
        raise StatusUnavailable("Its statusListIndex is not a number.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        return int(value.strip())
    raise StatusUnavailable("Its statusListIndex is not a whole number.")


def _fetch_json_or_token(url: str, ctx: VerifyContext) -> tuple[Submission, str]:
    """Fetch ``url``; a Submission of the JSON document or the compact token it holds."""
    from skills.fetch import fetch
    from skills.jsondata import loads_strict

    try:
        got = fetch(url, client=ctx.client, accept=_ACCEPT)
    except FetchError as err:
        raise StatusUnavailable(f"The status list at {url} could not be fetched: {err}") from err
    if not got.ok:
        raise StatusUnavailable(
            f"The status list at {url} could not be fetched (HTTP {got.status})."
        )
    text = got.body.strip()
    if text[:1] in (b"{", b"["):
        try:
            doc = loads_strict(got.body)
        except InputError as err:
            raise StatusUnavailable(
                f"The status list at {url} is not readable JSON: {err}"
            ) from err
        if not isinstance(doc, dict):
            raise StatusUnavailable(f"The status list at {url} is not a JSON object.")
        return Submission(kind="json", payload=doc, raw=got.body), got.url
    if text.count(b".") == 2 and len(text) < 2_000_000:
        try:
            token = text.decode("ascii")
        except UnicodeDecodeError:
            token = ""
        if token:
            return Submission(kind="compact", payload=token, raw=got.body), got.url
    raise StatusUnavailable(f"The status list at {url} is neither JSON nor a VC-JWT.")


def _proof_methods(doc: Mapping[str, Any]) -> set[str]:
    """The ``verificationMethod`` of every Data Integrity proof of ``doc`` that is checked."""
    from skills.verify.ob3._proof import suite_of

    methods: set[str] = set()
    for proof in as_list(doc.get("proof")):
        if isinstance(proof, Mapping) and suite_of(proof) is not None:
            method = proof.get("verificationMethod")
            if isinstance(method, str) and method:
                methods.add(method)
    return methods


def _signed_like_badge(
    result: FormatResult, list_doc: Mapping[str, Any], badge_doc: Mapping[str, Any]
) -> bool:
    """True when the list is as trustworthy as the badge itself (module docstring).

    The list names the badge's issuer; its Data Integrity proofs use only verification
    methods of the badge's own proofs and verify; and nothing else about it failed or
    could not run but the binding of that key to the issuer.
    """
    badge_issuer = issuer_id_of(badge_doc)
    if badge_issuer is None or issuer_id_of(list_doc) != badge_issuer:
        return False
    checks = result.checks
    if any(c.outcome is Outcome.FAILED for c in checks):
        return False
    if any(
        c.outcome is Outcome.NOT_RUN and c.required and c.name != CheckName.KEY_BINDING
        for c in checks
    ):
        return False
    if not any(c.name == CheckName.SIGNATURE and c.outcome is Outcome.PASSED for c in checks):
        return False
    list_methods = _proof_methods(list_doc)
    return bool(list_methods) and list_methods <= _proof_methods(badge_doc)


def _verify_list_credential(
    sub: Submission,
    url: str,
    ctx: VerifyContext,
    verify_list: StatusListVerifier,
    badge_doc: Mapping[str, Any],
) -> TrustedList:
    """Verify the status list credential; the list to read, or StatusUnavailable.

    The list's own proof must verify with a key bound to the list's own issuer, whoever
    that is (module docstring). A document that is not a status list credential is
    reported as such, before anything else about it.
    """
    token = _DEPTH.set(_DEPTH.get() + 1)
    try:
        # The list names no recipient: verify it for nobody in particular.
        result = verify_list(sub, replace(ctx, recipient=None, recipient_name=None))
    finally:
        _DEPTH.reset(token)
    doc = result.credential.document if result.credential is not None else None
    if isinstance(doc, Mapping) and LIST_CREDENTIAL_TYPES.isdisjoint(types_of(doc)):
        named = ", ".join(sorted(types_of(doc))) or "no type at all"
        raise StatusUnavailable(
            f"The document at {url} is not a status list credential: its type ({named[:120]}) "
            "names neither BitstringStatusListCredential nor StatusList2021Credential."
        )
    verdict = decide(result.checks)
    if isinstance(doc, Mapping) and verdict is Status.VERIFIED:
        return TrustedList(doc, issuer_name_of(doc))
    if isinstance(doc, Mapping) and _signed_like_badge(result, doc, badge_doc):
        return TrustedList(doc, issuer_name_of(doc), same_signer_only=True)
    reasons = [c.message for c in result.checks if c.outcome is Outcome.FAILED]
    reasons += [c.message for c in result.checks if c.outcome is Outcome.NOT_RUN and c.required]
    if not reasons:
        reasons = ["its proof could not be checked."]
    raise StatusUnavailable(
        f"The status list credential at {url} could not be trusted: {reasons[0]}"
    )


def _bitstring_entry(
    entry: Mapping[str, Any],
    ctx: VerifyContext,
    verify_list: StatusListVerifier,
    badge_doc: Mapping[str, Any],
    who: str,
) -> EntryResult:
    purpose = entry.get("statusPurpose", "revocation")
    if not isinstance(purpose, str):
        raise StatusUnavailable("Its statusPurpose is not text.")
    size = entry.get("statusSize", 1)
    if size not in (1, "1"):
        raise StatusUnavailable("It uses multi-bit status entries, which are not supported.")
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url:
        raise StatusUnavailable("It names no statusListCredential to check.")
    index = _index(entry.get("statusListIndex"))
    sub, _final_url = _fetch_json_or_token(url, ctx)
    trusted = _verify_list_credential(sub, url, ctx, verify_list, badge_doc)
    doc = trusted.document
    subjects = [s for s in as_list(doc.get("credentialSubject")) if isinstance(s, Mapping)]
    if not subjects:
        raise StatusUnavailable(f"The status list at {url} has no credentialSubject.")
    subject = subjects[0]
    list_purposes = {p for p in as_list(subject.get("statusPurpose")) if isinstance(p, str)}
    if list_purposes and purpose not in list_purposes:
        raise StatusUnavailable(
            f"The status list at {url} is for {', '.join(sorted(list_purposes))}, not {purpose}."
        )
    list_until = parse_datetime(doc.get("validUntil") or doc.get("expirationDate"))
    if list_until is not None and list_until < ctx.now - ctx.clock_skew:
        raise StatusUnavailable(f"The status list at {url} expired on {list_until:%Y-%m-%d}.")
    try:
        bits = decode_encoded_list(subject.get("encodedList"))
        is_set = bit_at(bits, index)
    except ValueError as exc:
        raise StatusUnavailable(f"The status list at {url} cannot be read: {exc}.") from exc
    except IndexError as exc:
        raise StatusUnavailable(
            f"Index {index} is outside the status list at {url} ({len(bits) * 8} entries)."
        ) from exc
    own = issuer_id_of(doc) == issuer_id_of(badge_doc)
    if purpose not in ("revocation", "suspension"):
        state = "set" if is_set else "not set"
        return EntryResult("note", f"Its {purpose[:40]} status entry {index} is {state}.")
    state = "revoked" if purpose == "revocation" else "suspended"
    if not is_set:
        if trusted.same_signer_only:
            raise StatusUnavailable(
                f"The status list at {url} is signed with the credential's own key, which is "
                f"not shown to belong to {who}, so its clear entry {index} proves nothing."
            )
        if own:
            return EntryResult(
                "clear", f"Not {state} by {who}: entry {index} of its {purpose} list is not set."
            )
        return EntryResult(
            "clear",
            f"Not {state}: entry {index} of the {purpose} list issued by {trusted.issuer} "
            "is not set.",
        )
    if trusted.same_signer_only:
        return EntryResult(
            state,
            f"Its status list at {url} marks this credential {state} (entry {index} is set); "
            f"the list is signed with the same key as the credential, a key not shown to "
            f"belong to {who}.",
            conclusive=False,
        )
    if own:
        return EntryResult(
            state, f"{who} {state} this credential: entry {index} of its {purpose} list is set."
        )
    return EntryResult(
        state,
        f"The {purpose} list issued by {trusted.issuer} for {who} marks this credential "
        f"{state}: entry {index} is set.",
    )


def _revocation_list_entry(
    entry: Mapping[str, Any], doc: Mapping[str, Any], ctx: VerifyContext, who: str
) -> EntryResult:
    url = entry.get("id")
    if not isinstance(url, str) or not url:
        raise StatusUnavailable("Its 1EdTechRevocationList entry names no list address.")
    cred_id = doc.get("id")
    if not isinstance(cred_id, str) or not cred_id:
        raise StatusUnavailable("It has no id to look up in its 1EdTech revocation list.")
    sub, _ = _fetch_json_or_token(url, ctx)
    listing = sub.payload
    if not isinstance(listing, Mapping):
        raise StatusUnavailable(f"The revocation list at {url} is not a JSON object.")
    list_issuer = listing.get("issuer")
    if isinstance(list_issuer, Mapping):
        list_issuer = list_issuer.get("id")
    if list_issuer is not None and list_issuer != issuer_id_of(doc):
        named = list_issuer if isinstance(list_issuer, str) else "an issuer it does not name"
        raise StatusUnavailable(
            f"The revocation list at {url} belongs to {named[:100]}, not to the badge's issuer."
        )
    revoked = listing.get("revokedCredentials")
    if not isinstance(revoked, list):
        raise StatusUnavailable(f"The revocation list at {url} has no revokedCredentials list.")
    for item in revoked:
        item_id = item.get("id") if isinstance(item, Mapping) else item
        if item_id == cred_id:
            reason = item.get("revocationReason") if isinstance(item, Mapping) else None
            because = f" (reason given: {reason[:200]})" if isinstance(reason, str) else ""
            # The list is unsigned: it is as good as the credential that names it, no better.
            return EntryResult(
                "revoked",
                f"{who} revoked this credential: its revocation list lists it{because}.",
                conclusive=False,
            )
    return EntryResult(
        "clear", f"Not revoked by {who}: its 1EdTech revocation list does not list it."
    )


def check_status(
    doc: Mapping[str, Any],
    ctx: VerifyContext,
    *,
    who: str,
    verify_list: StatusListVerifier,
) -> Check:
    """The REVOCATION check of the credential ``doc`` (see the module docstring).

    ``who`` names the issuer in sentences ("Example Corp"). ``verify_list`` verifies a
    status list credential (OB 3.0 verification of that document). Fetches go through
    ``ctx.client``. Never raises for bad input or failed fetches. Every entry's answer
    ends in this one check: revoked (or suspended) by any entry fails it, conclusive when
    a verified list said so; any entry that could not be answered otherwise makes it
    NOT RUN.
    """
    entries = as_list(doc.get("credentialStatus"))
    if not entries:
        return passed(
            CheckName.REVOCATION,
            f"{who} gives this credential no revocation status, so it cannot be revoked.",
        )
    if _DEPTH.get() > 0:
        return warning(
            CheckName.REVOCATION,
            "The status of a status list credential itself is not followed.",
        )
    results: list[EntryResult] = []
    problems: list[str] = []
    for entry in entries[:MAX_ENTRIES]:
        if not isinstance(entry, Mapping):
            problems.append("A credentialStatus entry is not an object.")
            continue
        kinds = types_of(entry)
        try:
            if not BITSTRING_ENTRY_TYPES.isdisjoint(kinds):
                results.append(_bitstring_entry(entry, ctx, verify_list, doc, who))
            elif REVOCATION_LIST_TYPE in kinds:
                results.append(_revocation_list_entry(entry, doc, ctx, who))
            else:
                named = ", ".join(sorted(kinds)) or "no type"
                problems.append(f"Its status method ({named[:100]}) is not supported.")
        except StatusUnavailable as exc:
            problems.append(str(exc))
    if len(entries) > MAX_ENTRIES:
        problems.append(f"It has more than {MAX_ENTRIES} status entries.")
    withdrawn = [r for r in results if r.state in ("revoked", "suspended")]
    if withdrawn:
        first = min(withdrawn, key=lambda r: (not r.conclusive, r.state != "revoked"))
        return failed(
            CheckName.REVOCATION, first.message, status=Status.REVOKED, conclusive=first.conclusive
        )
    if problems:
        return not_run(
            CheckName.REVOCATION,
            f"Whether {who} revoked this credential could not be checked. " + " ".join(problems),
        )
    return passed(CheckName.REVOCATION, " ".join(r.message for r in results))
