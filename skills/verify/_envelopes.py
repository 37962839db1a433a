"""Containers of many badges: CLR 2.0 transcripts and Verifiable Presentations.

A ``ClrCredential`` (1EdTech Comprehensive Learner Record 2.0) carries the learner's
``AchievementCredential`` s in ``credentialSubject.verifiableCredential``; a
``VerifiablePresentation`` (a wallet export) carries credentials in
``verifiableCredential``. Both come as JSON with a Data Integrity proof or as a compact JWT
(a CLR as a VC-JWT, a presentation as a VP-JWT with a ``vp`` claim and ``iss`` = holder).

:func:`unpack` verifies the container's own proof (its own report, ``Report.container`` set)
and then every credential inside it *on its own*, with :func:`skills.verify.verify`: each
gets its own report (``Report.part_of`` = the container's ``source_sha256``), so a bad
credential fails alone and never stops the others, and a forged wrapper cannot make a
credential verified.

- Container checks: INPUT, CONTEXT (JSON with a proof: every context must be bundled to
  canonicalise it; one that is not makes the proof *not run*, never failed), STRUCTURE,
  KEY_BINDING and SIGNATURE (a CLR's key bound to its issuer; a presentation's key bound to
  its ``holder``: a ``did:key``/``did:jwk`` holder *is* its key; a JSON proof is checked by
  :func:`skills.verify.ob3._proof.verify_data_integrity`, every suite and the proof cap
  included, a presentation's for purpose ``authentication`` or ``assertionMethod``),
  REVOCATION (CLR) and VALIDITY. An unsigned presentation is accepted: its credentials are
  verified each on their own, and it binds nobody. Nothing is read from the container for
  skills.
- :func:`skills.verify.verify` checks one badge: given a container it reports only
  :func:`not_one_badge` (``invalid``, pointing to ``verify_all``).
- Holder binding: when a presentation's proof verified with the holder's key and no
  recipient was claimed, a credential whose subject id *is* the holder gets a passed
  RECIPIENT check saying it was bound to the presentation's holder. A claimed recipient is
  always compared as usual. A presentation carries no verifier challenge here, so the
  binding shows the holder presented these credentials, not who uploaded the file.
- Limits: at most :data:`MAX_EMBEDDED` credentials are verified (a warning says how many
  were skipped); a container inside a container is refused (its own failed report);
  an embedded credential given only by an address is not fetched.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from skills.config import DEFAULTS, Settings
from skills.errors import InputError
from skills.jsondata import as_list, types_of
from skills.verify._context import FormatResult, Submission, VerifyContext
from skills.verify._keys import jose
from skills.verify._model import (
    Check,
    CheckName,
    Container,
    Outcome,
    Report,
    Status,
    decide,
    failed,
    not_run,
    passed,
    warning,
)
from skills.verify.ob3._status import issuer_id_of

#: The most credentials verified from one container.
MAX_EMBEDDED = 200
CLR_TYPE = "ClrCredential"
VP_TYPE = "VerifiablePresentation"
ENVELOPED_TYPE = "EnvelopedVerifiableCredential"
_VC_CONTEXTS = ("https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1")
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_JWT_DATA_URLS = ("data:application/vc+jwt,", "data:application/vc+ld+json+jwt,")
_WHAT = {"clr": "transcript", "vp": "presentation"}
#: Proof purposes a presentation's own proof may have.
_VP_PURPOSES = frozenset({"authentication", "assertionMethod"})

Source = bytes | str | dict[str, Any] | Path


@dataclass(frozen=True)
class Unpacked:
    """A verified container: its own report, one report per credential, and each
    credential's bytes as they are stored and re-verified (canonical JSON or the token)."""

    container: Report
    parts: tuple[Report, ...]
    raws: tuple[bytes, ...]


# -- detection ---------------------------------------------------------------------------


def _token_payload(token: str) -> dict[str, Any] | None:
    """The JSON payload of a compact token, without verifying anything; None otherwise."""
    try:
        payload = jose.decode_compact(token).payload
    except InputError:
        return None
    return payload if isinstance(payload, dict) else None


def _kind_of_document(doc: Mapping[str, Any]) -> str | None:
    kinds = types_of(doc)
    if VP_TYPE in kinds:
        return "vp"
    if CLR_TYPE in kinds:
        return "clr"
    return None


def _kind_of_token(token: str) -> str | None:
    payload = _token_payload(token)
    if payload is None:
        return None
    if isinstance(payload.get("vp"), Mapping):
        return "vp"
    vc = payload.get("vc")
    return _kind_of_document(vc if isinstance(vc, Mapping) else payload)


def envelope_kind(sub: Submission) -> str | None:
    """``"clr"`` or ``"vp"`` when the submission is a CLR or a presentation, else None.

    JSON is recognised by its ``type``; a compact token by a ``vp`` claim, or a ``vc`` claim
    (or VC 2.0 payload) typed ``ClrCredential``/``VerifiablePresentation``. URLs are not
    fetched here (a URL is verified as one badge). Never raises.
    """
    try:
        if sub.kind == "json" and isinstance(sub.payload, Mapping):
            return _kind_of_document(sub.payload)
        if sub.kind == "compact" and isinstance(sub.payload, str):
            return _kind_of_token(sub.payload)
    except Exception:  # detection is best effort, like sources.detect_format
        return None
    return None


def _badges(n: int) -> str:
    return "no badges" if n == 0 else f"{n:,} badge" + ("" if n == 1 else "s")


def not_one_badge(sub: Submission) -> FormatResult | None:
    """What :func:`skills.verify.verify` reports for a CLR or a presentation, else None.

    ``verify`` checks one badge; a container holds several and is opened by
    :func:`skills.verify.verify_all` (or submitted as a whole). For a container this is a
    result with the container's format (``clr``, ``clr-jwt``, ``vp``, ``vp-jwt``) and one
    failed STRUCTURE check saying so and how many entries it holds; nothing is verified
    (the count is read without checking any signature). Never raises.
    """
    kind = envelope_kind(sub)
    if kind is None:
        return None
    doc: Any = sub.payload
    if sub.kind == "compact":
        payload = _token_payload(str(sub.payload)) or {}
        inner = payload.get("vp" if kind == "vp" else "vc")
        doc = inner if isinstance(inner, Mapping) else payload
    if not isinstance(doc, Mapping):
        doc = {}
    if kind == "clr":
        subject = doc.get("credentialSubject")
        count = len(_entries(subject if isinstance(subject, Mapping) else None))
        what = "a Comprehensive Learner Record (transcript)"
    else:
        count = len(_entries(doc))
        what = "a verifiable presentation (a wallet export)"
    message = (
        f"This is {what} holding {_badges(count)}, not a single badge: verify it with "
        "verify_all, or submit it as a whole, and each badge inside is verified on its own."
    )
    fmt = kind + ("-jwt" if sub.kind == "compact" else "")
    return FormatResult(fmt, [failed(CheckName.STRUCTURE, message)], None)


def might_hold_many(source: Source) -> bool:
    """A cheap pre-check: False only when ``source`` cannot be a CLR or a presentation.

    Used before a batch is verified badge by badge: JSON text without the type names (and
    without escapes that could spell them) and compact tokens that carry no ``vp`` claim or
    container type are plain badges; images, files and anything unclear may be containers.
    """
    if isinstance(source, Mapping):
        return _kind_of_document(source) is not None
    if not isinstance(source, bytes | str):
        return True
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    body = data.lstrip(b" \t\r\n\xef\xbb\xbf")
    if body[:1] in (b"{", b"["):
        return b"ClrCredential" in body or b"VerifiablePresentation" in body or b"\\u" in body
    text = body.rstrip()
    if text.isascii() and _COMPACT.fullmatch(text.decode("ascii")):
        return _kind_of_token(text.decode("ascii")) is not None
    # A URL is verified as one badge; images and anything else may hold a container.
    return not text.lower().startswith((b"http://", b"https://"))


# -- the container's own checks ----------------------------------------------------------


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _context_check(doc: Mapping[str, Any], what: str) -> Check:
    """CONTEXT of a JSON container whose proof is to be checked.

    :func:`skills.jsonld.check_contexts` (every context, the container's and its
    credentials', must be a bundled one for the proof to be canonicalised: one that is not
    makes the check *not run*; an inline or malformed one fails it), its message speaking
    of the ``what`` (transcript or presentation) instead of a badge.
    """
    from skills.verify._ld_checks import check_contexts

    check = check_contexts(doc)
    text = (
        check.message.replace("The badge", f"The {what}")
        .replace("the badge", f"the {what}")
        .replace("The credential's", f"The {what}'s")
    )
    return replace(check, message=text)


def _proof_not_checked(context: Check, what: str) -> Check:
    """The SIGNATURE check of a container whose CONTEXT check did not pass."""
    if context.outcome is Outcome.NOT_RUN:
        return not_run(
            CheckName.SIGNATURE,
            f"The {what}'s own proof could not be checked: it names a JSON-LD context that is "
            "not bundled with Skill Atlas (contexts are never fetched).",
        )
    return not_run(CheckName.SIGNATURE, context.message)


def _holder_of(vp: Mapping[str, Any]) -> str | None:
    holder = vp.get("holder")
    if isinstance(holder, str) and holder.strip():
        return holder.strip()
    if isinstance(holder, Mapping) and isinstance(holder.get("id"), str):
        return str(holder["id"]).strip() or None
    return None


def _entries(holder_doc: Mapping[str, Any] | None) -> list[Any]:
    if not isinstance(holder_doc, Mapping):
        return []
    return as_list(holder_doc.get("verifiableCredential"))


def _structure(kind: str, doc: Mapping[str, Any], entries: list[Any], json_form: bool) -> Check:
    """STRUCTURE of a CLR (VC typed ClrCredential with a ClrSubject) or a presentation."""
    problems: list[str] = []
    contexts = as_list(doc.get("@context"))
    if json_form and (not contexts or contexts[0] not in _VC_CONTEXTS):
        problems.append("its first @context is not the W3C Verifiable Credentials context")
    kinds = types_of(doc)
    if kind == "clr":
        from skills.verify.ob3._content import issuer_label

        who = issuer_label(doc)
        if "VerifiableCredential" not in kinds:
            problems.append("its type does not include VerifiableCredential")
        issuer = issuer_id_of(doc)
        if issuer is None or ":" not in issuer:
            problems.append("it names no issuer id")
        subject = doc.get("credentialSubject")
        if not isinstance(subject, Mapping):
            problems.append("it has no credentialSubject object")
        elif "type" in subject and "ClrSubject" not in types_of(subject):
            problems.append("its credentialSubject is not a ClrSubject")
        if not entries:
            problems.append("its credentialSubject holds no verifiableCredential")
        if problems:
            return failed(
                CheckName.STRUCTURE,
                f"{who}'s transcript is not a well-formed CLR 2.0 credential: "
                + "; ".join(problems)
                + ".",
            )
        return passed(
            CheckName.STRUCTURE,
            f"{who}'s transcript is a CLR 2.0 credential holding {_count(len(entries))}.",
        )
    if not entries:
        problems.append("it holds no verifiableCredential")
    if problems:
        return failed(
            CheckName.STRUCTURE,
            "The presentation is not a well-formed verifiable presentation: "
            + "; ".join(problems)
            + ".",
        )
    return passed(CheckName.STRUCTURE, f"The presentation holds {_count(len(entries))}.")


def _count(n: int) -> str:
    return f"{n:,} credential" + ("" if n == 1 else "s")


def _vp_proof(doc: Mapping[str, Any], holder: str | None, ctx: VerifyContext) -> list[Check]:
    """KEY_BINDING and SIGNATURE of a presentation's Data Integrity proof(s).

    :func:`skills.verify.ob3._proof.verify_data_integrity` with the holder as the key's
    controller and ``authentication`` (or ``assertionMethod``) as the proof purpose: every
    suite credentials may use, the rule for several proofs, the proof cap and the
    presentation's one canonicalisation budget apply.
    """
    from skills.verify.ob3._proof import verify_data_integrity

    return verify_data_integrity(
        doc,
        client=ctx.client,
        issuer_id=holder,
        budget=ctx.budget,
        purposes=_VP_PURPOSES,
        role="holder",
    )


def _jwt_checks(
    jws: jose.CompactJWS, signer: str | None, what: str, ctx: VerifyContext
) -> list[Check]:
    """KEY_BINDING and SIGNATURE of a CLR VC-JWT (signer: the issuer) or a VP-JWT (the
    holder), with the key rules of :mod:`skills.verify.ob3._jwt` (``alg`` none/HMAC refused)."""
    from skills.verify.ob3._jwt import _key_and_binding

    sig, bind = CheckName.SIGNATURE, CheckName.KEY_BINDING
    try:
        alg = jose.check_alg(jws.header.get("alg"))
    except InputError as err:
        return [
            not_run(bind, f"The {what}'s token was not usable."),
            failed(sig, f"The {what}'s token is not acceptably signed: {err}"),
        ]
    if signer is None:
        who = "holder" if what == "presentation" else "issuer"
        return [
            failed(bind, f"The {what} names no {who} to bind its signing key to."),
            not_run(sig, f"The {what}'s signature was not checked: it names no {who}."),
        ]
    key, binding = _key_and_binding(jws.header, signer, ctx)
    if key is None:
        return [
            binding,
            not_run(sig, f"The {what}'s signature could not be checked without a key."),
        ]
    if jose.verify_signature(alg, key, jws.signing_input, jws.signature):
        return [binding, passed(sig, f"The {what}'s {alg} signature on the token is valid.")]
    return [
        binding,
        failed(
            sig,
            f"The {what}'s {alg} signature does not match: the token was altered or not signed "
            "by that key.",
        ),
    ]


def _claim_time(value: Any) -> datetime | None:
    from skills.verify.ob3._jwt import _claim_time as read

    return read(value)


def _window(issued: datetime | None, expires: datetime | None, ctx: VerifyContext) -> Check:
    from skills.verify._common import check_validity

    check = check_validity(issued, expires, ctx.now, ctx.clock_skew, require_issued=False)
    return replace(check, message=check.message.replace("The badge", "The presentation", 1))


@dataclass(frozen=True)
class _Opened:
    format: str
    checks: list[Check]
    container: Container
    entries: list[Any]


def _open_clr(doc: Mapping[str, Any], ctx: VerifyContext, jws: jose.CompactJWS | None) -> _Opened:
    from skills.verify.ob3._content import check_validity, issuer_label
    from skills.verify.ob3._proof import verify_data_integrity
    from skills.verify.ob3._status import check_status
    from skills.verify.ob3._verify import verify_ob3

    subject = doc.get("credentialSubject")
    entries = _entries(subject if isinstance(subject, Mapping) else None)
    checks: list[Check] = []
    issuer = issuer_id_of(doc)
    issued: datetime | None = None
    expires: datetime | None = None
    if jws is None:
        context = _context_check(doc, "transcript")
        checks.append(context)
        checks.append(_structure("clr", doc, entries, json_form=True))
        if not as_list(doc.get("proof")):
            checks.append(
                not_run(
                    CheckName.SIGNATURE,
                    "The transcript carries no proof of its own; each credential in it is "
                    "verified on its own.",
                )
            )
        elif context.outcome in (Outcome.PASSED, Outcome.WARNING):
            checks.extend(
                verify_data_integrity(doc, client=ctx.client, issuer_id=issuer, budget=ctx.budget)
            )
        else:
            checks.append(_proof_not_checked(context, "transcript"))
    else:
        checks.append(_structure("clr", doc, entries, json_form=False))
        iss = jws.payload.get("iss") if isinstance(jws.payload, Mapping) else None
        if iss is not None and iss != issuer:
            checks.append(
                failed(
                    CheckName.STRUCTURE,
                    f"The transcript's iss claim ({_short(str(iss))}) is not its issuer.",
                )
            )
        checks.extend(_jwt_checks(jws, issuer, "transcript", ctx))
        if isinstance(jws.payload, Mapping):
            issued = _claim_time(jws.payload.get("nbf"))
            expires = _claim_time(jws.payload.get("exp"))
    who = issuer_label(doc)
    checks.append(check_status(doc, ctx, who=who, verify_list=verify_ob3))
    checks.append(check_validity(doc, ctx, issued=issued, expires=expires))
    name = doc.get("name")
    ident = doc.get("id")
    return _Opened(
        "clr-jwt" if jws is not None else "clr",
        checks,
        Container(
            kind="clr",
            id=ident if isinstance(ident, str) else None,
            name=name.strip()[:200] if isinstance(name, str) and name.strip() else None,
            issuer=issuer,
        ),
        entries,
    )


def _open_vp(doc: Mapping[str, Any], ctx: VerifyContext, jws: jose.CompactJWS | None) -> _Opened:
    entries = _entries(doc)
    holder = _holder_of(doc)
    checks: list[Check] = []
    if jws is None:
        structure = _structure("vp", doc, entries, json_form=True)
        if not as_list(doc.get("proof")):
            checks.append(structure)
            checks.append(
                not_run(
                    CheckName.SIGNATURE,
                    "The presentation is not signed, so it binds no holder; each credential in "
                    "it is verified on its own.",
                )
            )
        else:
            context = _context_check(doc, "presentation")
            checks += [context, structure]
            if context.outcome in (Outcome.PASSED, Outcome.WARNING):
                checks.extend(_vp_proof(doc, holder, ctx))
            else:
                checks.append(_proof_not_checked(context, "presentation"))
    else:
        payload = jws.payload if isinstance(jws.payload, Mapping) else {}
        iss = payload.get("iss")
        checks.append(_structure("vp", doc, entries, json_form=False))
        if isinstance(iss, str) and holder is not None and iss != holder:
            checks.append(
                failed(
                    CheckName.STRUCTURE,
                    f"The presentation's iss claim ({_short(iss)}) is not its holder "
                    f"({_short(holder)}).",
                )
            )
        holder = holder or (iss if isinstance(iss, str) and iss.strip() else None)
        checks.extend(_jwt_checks(jws, holder, "presentation", ctx))
        nbf, exp = _claim_time(payload.get("nbf")), _claim_time(payload.get("exp"))
        if nbf is not None or exp is not None:
            checks.append(_window(nbf, exp, ctx))
    outcome = {c.name: c.outcome for c in checks}
    bound = (
        holder is not None
        and all(c.outcome is not Outcome.FAILED for c in checks)
        and outcome.get(CheckName.SIGNATURE) is Outcome.PASSED
        and outcome.get(CheckName.KEY_BINDING) is Outcome.PASSED
    )
    ident = doc.get("id")
    return _Opened(
        "vp-jwt" if jws is not None else "vp",
        checks,
        Container(
            kind="vp",
            id=ident if isinstance(ident, str) else None,
            holder=holder,
            holder_bound=bound,
        ),
        entries,
    )


def _open(sub: Submission, kind: str, ctx: VerifyContext) -> _Opened:
    jws: jose.CompactJWS | None = None
    doc: Mapping[str, Any] = {}
    if sub.kind == "compact":
        jws = jose.decode_compact(str(sub.payload))
        payload = jws.payload if isinstance(jws.payload, Mapping) else {}
        inner = payload.get("vp" if kind == "vp" else "vc")
        doc = inner if isinstance(inner, Mapping) else payload
    elif isinstance(sub.payload, Mapping):
        doc = sub.payload
    return _open_clr(doc, ctx, jws) if kind == "clr" else _open_vp(doc, ctx, jws)


# -- the credentials inside ----------------------------------------------------------------


def _canonical(obj: Any) -> bytes:
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), allow_nan=False, default=str
    ).encode("utf-8", "surrogatepass")


def _part_source(entry: Any) -> tuple[dict[str, Any] | str | None, str]:
    """(what to verify, "") for a usable entry, or (None, why it is refused)."""
    if isinstance(entry, Mapping):
        if ENVELOPED_TYPE in types_of(entry):
            ident = entry.get("id")
            if isinstance(ident, str):
                for prefix in _JWT_DATA_URLS:
                    if ident.startswith(prefix):
                        return _part_source(ident[len(prefix) :])
            return None, "This enveloped credential is not a VC-JWT data URL Skill Atlas reads."
        if _kind_of_document(entry) is not None:
            return None, (
                "A transcript or presentation inside another one is not unpacked; submit it on "
                "its own."
            )
        return dict(entry), ""
    if isinstance(entry, str):
        text = entry.strip()
        if text.isascii() and _COMPACT.fullmatch(text):
            if _kind_of_token(text) is not None:
                return None, (
                    "A transcript or presentation inside another one is not unpacked; submit "
                    "it on its own."
                )
            return text, ""
        if text.lower().startswith(("http://", "https://")):
            return None, (
                "This credential is given only by its address; credentials inside a "
                "transcript or presentation are never fetched."
            )
    return None, "This entry is neither a JSON credential nor a signed token."


def _refused(entry: Any, why: str, moment: datetime, part_of: str) -> tuple[Report, bytes]:
    raw = _canonical(entry)
    checks = (failed(CheckName.INPUT, why),)
    report = Report(
        decide(checks),
        "unknown",
        checks,
        None,
        hashlib.sha256(raw).hexdigest(),
        moment,
        part_of=part_of,
    )
    return report, raw


def bind_to_holder(report: Report, holder: str) -> Report:
    """``report`` with a passed RECIPIENT check when its credential's subject id is
    ``holder`` (the holder of a presentation whose proof verified); otherwise unchanged."""
    cred = report.credential
    if cred is None:
        return report
    ids = {
        s.get("id")
        for s in as_list(cred.document.get("credentialSubject"))
        if isinstance(s, Mapping)
    }
    if holder not in ids:
        return report
    check = passed(
        CheckName.RECIPIENT,
        f"Bound to the presentation's holder: {_short(holder)} signed the presentation and "
        "this credential was issued to that same identifier.",
    )
    kept = tuple(c for c in report.checks if c.name != CheckName.RECIPIENT)
    checks = (*kept, check)
    return replace(report, checks=checks, status=decide(checks))


def unpack(
    source: Source,
    *,
    recipient: str | None = None,
    recipient_name: str | None = None,
    client: httpx.Client | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> Unpacked | None:
    """Verify a CLR or a presentation and every credential in it; None for anything else.

    ``source`` is read as :func:`skills.verify.verify` reads it (a badge baked in an image
    included); None is returned when it cannot be read or is not a container, so the
    caller verifies it as one badge. ``recipient``/``recipient_name`` are the claimed
    recipient, applied to every credential inside. Never raises for bad input: a broken
    entry gets its own failed report. ``settings`` as for :func:`skills.verify.verify`.
    """
    from skills.fetch import shared_client
    from skills.verify._api import _source_bytes, verify
    from skills.verify._sources import read_source

    moment = (now or datetime.now(UTC)).astimezone(UTC)
    cfg = settings or DEFAULTS
    http = client or shared_client(cfg)
    try:
        sub = read_source(source, client=http, max_bytes=cfg.max_upload_bytes)
    except InputError:
        return None
    kind = envelope_kind(sub)
    if kind is None:
        return None
    ctx = VerifyContext(
        recipient=recipient,
        client=http,
        now=moment,
        clock_skew=timedelta(seconds=cfg.clock_skew_seconds),
        recipient_name=recipient_name,
    )
    what = _WHAT[kind]
    digest = hashlib.sha256(sub.raw or _source_bytes(source)).hexdigest()
    how = f"baked in a {sub.baked_in.upper()} image" if sub.baked_in else "read"
    checks: list[Check] = [passed(CheckName.INPUT, f"The {what} was {how} successfully.")]
    try:
        opened = _open(sub, kind, ctx)
    except InputError as err:
        checks.append(failed(CheckName.STRUCTURE, str(err)))
        container = Report(
            decide(checks), kind, tuple(checks), None, digest, moment, sub.baked_in,
            container=Container(kind=kind),
        )  # fmt: skip
        return Unpacked(container, (), ())
    checks += opened.checks
    entries = opened.entries
    if len(entries) > MAX_EMBEDDED:
        checks.append(
            warning(
                CheckName.INPUT,
                f"The {what} holds {len(entries):,} credentials; only the first "
                f"{MAX_EMBEDDED} were verified (the limit for one upload). Submit the others "
                "separately.",
            )
        )
    parts: list[Report] = []
    raws: list[bytes] = []
    holder = opened.container.holder if opened.container.holder_bound else None
    for entry in entries[:MAX_EMBEDDED]:
        part, why = _part_source(entry)
        if part is None:
            report, raw = _refused(entry, why, moment, digest)
        else:
            raw = part.encode("ascii") if isinstance(part, str) else _canonical(part)
            report = replace(
                verify(
                    part,
                    recipient=recipient,
                    recipient_name=recipient_name,
                    client=http,
                    now=moment,
                    settings=cfg,
                ),
                part_of=digest,
            )
            if holder is not None and not (recipient and recipient.strip()):
                report = bind_to_holder(report, holder)
        parts.append(report)
        raws.append(raw)
    done = sum(1 for p in parts if p.format != "unknown" or p.credential is not None)
    container_info = replace(opened.container, found=len(entries), checked=done)
    status = decide(checks)
    container = Report(
        status, opened.format, tuple(checks), None, digest, moment, sub.baked_in,
        container=container_info,
    )  # fmt: skip
    return Unpacked(container, tuple(parts), tuple(raws))


def container_ok(report: Report) -> bool:
    """Whether a container report does not stand in the way of its badges: its own proof
    verified or could not be checked (unsigned, context not bundled), and nothing was
    skipped. A failed container check (a forged wrapper, a broken structure) is not ok."""
    info = report.container
    if info is None:
        return report.ok
    return report.status in (Status.VERIFIED, Status.UNVERIFIABLE) and info.skipped == 0


__all__ = [
    "CLR_TYPE",
    "MAX_EMBEDDED",
    "VP_TYPE",
    "Unpacked",
    "bind_to_holder",
    "container_ok",
    "envelope_kind",
    "might_hold_many",
    "not_one_badge",
    "unpack",
]
