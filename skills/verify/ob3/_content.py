"""The content checks every Open Badges 3.0 credential gets, whatever secures it.

Given the credential JSON (the document with its embedded proof, or the ``vc`` claim / payload
of a VC-JWT), :func:`content_checks` returns the CONTEXT, SAFE_MODE, SCHEMA, STRUCTURE,
REVOCATION, VALIDITY and RECIPIENT checks, and :func:`normalise` the
:class:`~skills.verify._model.Credential` read from it. The proof itself is checked by the
format modules (``_proof`` for Data Integrity, ``_jwt`` for VC-JWT).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from skills.jsondata import as_list, types_of
from skills.verify._common import check_name_binding, identity_matches, parse_datetime
from skills.verify._context import VerifyContext
from skills.verify._model import (
    Achievement,
    Alignment,
    Check,
    CheckName,
    Credential,
    Issuer,
    Outcome,
    Recipient,
    failed,
    not_run,
    passed,
)
from skills.verify._schema import validate_ob3_schema
from skills.verify.ob3._status import (
    LIST_CREDENTIAL_TYPES,
    StatusListVerifier,
    check_status,
    issuer_id_of,
)

VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
BADGE_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
ENDORSEMENT_TYPE = "EndorsementCredential"
_MAX_EXTENSION_DEPTH = 12
_MAX_EXTENSIONS = 200

# OB 3.0 IdentityObject.identityType -> the Recipient.type vocabulary of the model.
_IDENTITY_TYPES = {
    "emailaddress": "email",
    "email": "email",
    "url": "url",
    "phonenumber": "telephone",
    "telephone": "telephone",
    "did": "id",
}


def _text(value: Any) -> str | None:
    """A plain string value, or the first string of a language map / list."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        for v in value.values():
            if isinstance(v, str):
                return v
    if isinstance(value, list):
        for v in value:
            found = _text(v)
            if found is not None:
                return found
    return None


def kind_of(doc: Mapping[str, Any]) -> str:
    """``"badge"``, ``"endorsement"``, ``"status-list"`` or ``"other"`` from ``type``."""
    kinds = types_of(doc)
    if not BADGE_TYPES.isdisjoint(kinds):
        return "badge"
    if ENDORSEMENT_TYPE in kinds:
        return "endorsement"
    if not LIST_CREDENTIAL_TYPES.isdisjoint(kinds):
        return "status-list"
    return "other"


def issuer_label(doc: Mapping[str, Any]) -> str:
    """How sentences name the issuer: its name, else its id, else "The issuer"."""
    issuer = doc.get("issuer")
    if isinstance(issuer, Mapping):
        name = _text(issuer.get("name"))
        if name and name.strip():
            return name.strip()[:120]
    ident = issuer_id_of(doc)
    return ident[:120] if ident else "The issuer"


def is_vc1(doc: Mapping[str, Any]) -> bool:
    """True when the credential uses the VC Data Model 1.1 context."""
    ctx = as_list(doc.get("@context"))
    return bool(ctx) and ctx[0] == VC_V1_CONTEXT


def _subject(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    subjects = as_list(doc.get("credentialSubject"))
    first = subjects[0] if subjects else None
    return first if isinstance(first, Mapping) else None


def _achievement(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    subject = _subject(doc)
    ach = subject.get("achievement") if subject is not None else None
    return ach if isinstance(ach, Mapping) else None


def check_structure(doc: Mapping[str, Any]) -> Check:
    """The data-model requirements the JSON Schema does not cover for every version."""
    who = issuer_label(doc)
    problems: list[str] = []
    contexts = as_list(doc.get("@context"))
    if not contexts or contexts[0] not in (VC_V1_CONTEXT, VC_V2_CONTEXT):
        problems.append("its first @context is not the W3C Verifiable Credentials context")
    kinds = types_of(doc)
    kind = kind_of(doc)
    if "VerifiableCredential" not in kinds:
        problems.append("its type does not include VerifiableCredential")
    if kind == "other":
        problems.append(
            "its type names neither OpenBadgeCredential, AchievementCredential nor "
            "EndorsementCredential"
        )
    if "id" in doc and not isinstance(doc.get("id"), str):
        problems.append("its id is not a URI")
    issuer = doc.get("issuer")
    issuer_id = issuer_id_of(doc)
    if issuer_id is None or ":" not in issuer_id:
        problems.append("it names no issuer id")
    issuer_typed = isinstance(issuer, Mapping) and "type" in issuer
    if issuer_typed and "Profile" not in types_of(issuer) and kind in ("badge", "endorsement"):
        problems.append("its issuer is not a Profile")
    subject = _subject(doc)
    if subject is None:
        problems.append("it has no credentialSubject object")
    elif kind == "badge":
        if "type" in subject and "AchievementSubject" not in types_of(subject):
            problems.append("its credentialSubject is not an AchievementSubject")
        ach = _achievement(doc)
        if ach is None:
            problems.append("its credentialSubject has no achievement")
        else:
            if "Achievement" not in types_of(ach):
                problems.append("its achievement is not of type Achievement")
            if not _text(ach.get("name")):
                problems.append("its achievement has no name")
        if (
            not isinstance(subject.get("id"), str)
            and not as_list(subject.get("identifier"))
            and not _text(subject.get("name"))
        ):
            problems.append("its credentialSubject names no recipient (no id, identifier or name)")
    elif kind == "endorsement" and "EndorsementSubject" not in types_of(subject):
        problems.append("its credentialSubject is not an EndorsementSubject")
    date_key = "issuanceDate" if is_vc1(doc) else "validFrom"
    issued, _ = dates(doc)
    if kind in ("badge", "endorsement") and issued is None:
        problems.append(f"it has no readable {date_key}")
    if problems:
        noun = "status list credential" if kind == "status-list" else "Open Badges 3.0 credential"
        return failed(
            CheckName.STRUCTURE,
            f"{who}'s credential is not a well-formed {noun}: " + "; ".join(problems) + ".",
        )
    what = {
        "badge": "an Open Badges 3.0 credential",
        "endorsement": "an Open Badges 3.0 endorsement",
        "status-list": "a status list credential",
    }[kind]
    return passed(CheckName.STRUCTURE, f"{who}'s credential is {what}.")


def dates(doc: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """(issued, expires): validFrom/validUntil, or issuanceDate/expirationDate (VC 1.1)."""
    issued = parse_datetime(doc.get("validFrom"))
    if issued is None:
        issued = parse_datetime(doc.get("issuanceDate"))
    expires = parse_datetime(doc.get("validUntil"))
    if expires is None:
        expires = parse_datetime(doc.get("expirationDate"))
    return issued, expires


def recipients(doc: Mapping[str, Any]) -> list[Recipient]:
    """Every identity the credential names: credentialSubject.id, then each IdentityObject."""
    subject = _subject(doc)
    if subject is None:
        return []
    found: list[Recipient] = []
    ident = subject.get("id")
    if isinstance(ident, str) and ident.strip():
        found.append(Recipient(identity=ident.strip(), type="id"))
    for item in as_list(subject.get("identifier"))[:50]:
        if not isinstance(item, Mapping):
            continue
        value = item.get("identityHash")
        if not isinstance(value, str) or not value:
            continue
        raw_type = item.get("identityType")
        kind = (
            _IDENTITY_TYPES.get(raw_type.lower(), raw_type) if isinstance(raw_type, str) else None
        )
        salt = item.get("salt")
        found.append(
            Recipient(
                identity=value,
                type=kind,
                hashed=item.get("hashed") is True,
                salt=salt if isinstance(salt, str) else None,
            )
        )
    return found


def _recipient(named: list[Recipient], subject: Mapping[str, Any] | None) -> Recipient:
    """The credential's recipient: its first identity, carrying the subject's name if any."""
    name = _text(subject.get("name")) if subject is not None else None
    if named:
        return replace(named[0], name=name)
    return Recipient(type="name" if name else None, name=name)


def check_recipient(
    doc: Mapping[str, Any], claimed: str | None, claimed_name: str | None = None
) -> Check:
    """RECIPIENT: the claimed identity matches credentialSubject.id or any IdentityObject.

    A credential that names its recipient only by name is bound by name
    (:func:`skills.verify._common.check_name_binding`): a warning, never ``invalid``.
    """
    if not recipients(doc):
        subject = _subject(doc)
        only_name = _recipient([], subject)
        if only_name.name_only:
            return check_name_binding(only_name, claimed_name)
    if claimed is None or not claimed.strip():
        return not_run(
            CheckName.RECIPIENT,
            "No recipient identity was given, so who the badge was issued to was not checked.",
            required=False,
        )
    who = issuer_label(doc)
    named = recipients(doc)
    if not named:
        return failed(CheckName.RECIPIENT, f"{who}'s credential names no recipient to compare.")
    for rec in named:
        if identity_matches(rec, claimed):
            how = "hashed identity" if rec.hashed else (rec.type or "identity")
            return passed(
                CheckName.RECIPIENT,
                f"{who} issued this to {claimed.strip()} (matches the credential's {how}).",
            )
    return failed(
        CheckName.RECIPIENT,
        f"Issued to someone else: {who}'s credential does not name {claimed.strip()}.",
    )


def _is_extension(node: Mapping[str, Any]) -> bool:
    kind = node.get("type")
    if isinstance(kind, str):
        return kind.endswith("Extension") or kind.startswith("extensions:")
    if isinstance(kind, list):
        return any(
            isinstance(t, str) and (t.endswith("Extension") or t.startswith("extensions:"))
            for t in kind
        )
    return False


def _collect_extensions(node: Any, path: str, out: list[dict[str, Any]], depth: int) -> None:
    if depth > _MAX_EXTENSION_DEPTH or len(out) >= _MAX_EXTENSIONS:
        return
    if isinstance(node, list):
        for i, item in enumerate(node):
            _collect_extensions(item, f"{path}[{i}]", out, depth + 1)
        return
    if not isinstance(node, Mapping):
        return
    if _is_extension(node):
        entry = dict(node)
        entry["_key"] = path
        out.append(entry)
        return
    for key, value in node.items():
        if key in ("endorsement", "proof"):
            continue  # endorsements are separate credentials, not this issuer's claims
        if isinstance(value, Mapping | list):
            _collect_extensions(value, f"{path}.{key}", out, depth + 1)


def normalise(doc: Mapping[str, Any]) -> Credential:
    """The model's Credential read from ``doc`` (call only on what the proof covers)."""
    issuer = doc.get("issuer")
    issuer_obj = issuer if isinstance(issuer, Mapping) else {}
    ach = _achievement(doc) or {}
    criteria = ach.get("criteria")
    criteria_text: str | None = None
    if isinstance(criteria, Mapping):
        criteria_text = _text(criteria.get("narrative")) or _text(criteria.get("id"))
    elif isinstance(criteria, str):
        criteria_text = criteria
    ach_type = ach.get("achievementType")
    tags = tuple(t for t in as_list(ach.get("tag")) if isinstance(t, str))
    alignments = tuple(
        Alignment(
            target_name=_text(a.get("targetName")),
            target_url=_text(a.get("targetUrl")),
            target_code=_text(a.get("targetCode")),
            target_framework=_text(a.get("targetFramework")),
            target_type=_text(a.get("targetType")),
            target_description=_text(a.get("targetDescription")),
        )
        for a in as_list(ach.get("alignment"))
        if isinstance(a, Mapping)
    )
    extensions: list[dict[str, Any]] = []
    subject = _subject(doc)
    if subject is not None:
        _collect_extensions(subject, "credentialSubject", extensions, 0)
    named = recipients(doc)
    issued, expires = dates(doc)
    ident = doc.get("id")
    return Credential(
        id=ident if isinstance(ident, str) else None,
        issuer=Issuer(
            id=issuer_id_of(doc),
            name=_text(issuer_obj.get("name")),
            url=_text(issuer_obj.get("url")),
        ),
        achievement=Achievement(
            id=_text(ach.get("id")),
            name=_text(ach.get("name")),
            description=_text(ach.get("description")),
            criteria=criteria_text,
            type=_text(ach_type),
            tags=tags,
        ),
        recipient=_recipient(named, subject),
        issued=issued,
        expires=expires,
        alignments=alignments,
        extensions=tuple(extensions),
        document=dict(doc),
    )


def check_validity(
    doc: Mapping[str, Any],
    ctx: VerifyContext,
    *,
    issued: datetime | None = None,
    expires: datetime | None = None,
) -> Check:
    """VALIDITY from validFrom/validUntil (or VC 1.1 dates), or the given overrides."""
    from skills.verify._common import check_validity as window

    doc_issued, doc_expires = dates(doc)
    label = "issuanceDate" if is_vc1(doc) else "validFrom"
    check = window(
        issued or doc_issued,
        expires or doc_expires,
        ctx.now,
        ctx.clock_skew,
        issued_label=label,
    )
    who = issuer_label(doc)
    return replace(check, message=check.message.replace("The badge", f"{who}'s credential", 1))


_TERM_LIKE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_SAFE_SHAPES: OrderedDict[Any, Check] = OrderedDict()
_SAFE_SHAPES_MAX = 4096
_SAFE_SHAPES_LOCK = threading.Lock()


class _InlineContext(Exception):
    """Internal: the document defines terms inline; no shape is used."""


_LIST_MARK = "[list]"
_DICT_MARK = "{dict}"


def _shape(node: Any, depth: int = 0) -> Any:
    """What safe mode depends on, with the rest of the text replaced by representatives.

    JSON-LD expansion of a string value depends on its term's definition (its key and the
    contexts, kept exactly) and, for IRI-valued terms, only on whether the value is an
    absolute IRI, a blank node id, or relative; a string that could be a term or a
    keyword (one word, or starting with "@") is kept exactly, as are every key, every
    ``type``/``@type`` value, every @-keyword value and every ``@context``. Free text
    (with spaces or punctuation) can be none of those, so it becomes "free text" and
    absolute IRIs become "urn:x": documents with one shape have one safe-mode outcome.

    The shape is a hashable value: an object is a tuple of its marker and (key, shape)
    pairs in document order, an array a tuple of its marker and shapes, a number,
    boolean or null a (type, value) pair (so ``1``, ``1.0`` and ``true`` stay apart).
    Raises _InlineContext when a context is defined inline (terms of its own).
    """
    if depth > 200:
        raise _InlineContext
    kind = type(node)
    if kind is str:
        if not node or node[0] == "@" or _TERM_LIKE.fullmatch(node):
            return node
        if node.startswith("_:"):
            return "_:b"
        if _ABSOLUTE_IRI.match(node):
            return "urn:x"
        return "free text"
    if kind is dict or isinstance(node, Mapping):
        out: list[Any] = [_DICT_MARK]
        for key, value in node.items():
            if key == "@context":
                if not all(isinstance(c, str) for c in as_list(value)):
                    raise _InlineContext
                out.append((key, _exact(value)))
            elif key in ("type", "@type") or (key.startswith("@") and key not in ("@id", "@value")):
                out.append((key, _exact(value)))
            else:
                out.append((key, _shape(value, depth + 1)))
        return tuple(out)
    if kind is list:
        return (_LIST_MARK, *[_shape(item, depth + 1) for item in node])
    if isinstance(node, str):
        return _shape(str(node), depth)
    return (kind, node)


def _exact(value: Any, depth: int = 0) -> Any:
    """``value`` kept exactly, as a hashable value (the @context check of _shape included)."""
    if depth > 200:
        raise _InlineContext
    kind = type(value)
    if kind is str:
        return ("s", value)
    if kind is list:
        return (_LIST_MARK, *[_exact(item, depth + 1) for item in value])
    if isinstance(value, Mapping):
        return (_DICT_MARK, *[(k, _exact(v, depth + 1)) for k, v in value.items()])
    return (kind, value)


def _safe_mode(doc: Mapping[str, Any]) -> Check:
    """SAFE_MODE via :func:`skills.jsonld.check_safe_mode`, remembering passing shapes.

    Expansion costs most of a VC-JWT verification; a batch from one issuer repeats a few
    shapes (see :func:`_shape`), so a shape that passed once passes again without it.
    Failures are always computed on the document itself (their sentences name terms).
    """
    from skills.verify._ld_checks import check_safe_mode

    try:
        key = _shape(doc)
        hash(key)
    except (_InlineContext, TypeError, ValueError, RecursionError):
        return check_safe_mode(dict(doc))
    with _SAFE_SHAPES_LOCK:
        hit = _SAFE_SHAPES.get(key)
        if hit is not None:
            _SAFE_SHAPES.move_to_end(key)
            return hit
    check = check_safe_mode(dict(doc))
    if check.outcome is Outcome.PASSED:
        with _SAFE_SHAPES_LOCK:
            _SAFE_SHAPES[key] = check
            while len(_SAFE_SHAPES) > _SAFE_SHAPES_MAX:
                _SAFE_SHAPES.popitem(last=False)
    return check


def jsonld_checks(doc: Mapping[str, Any]) -> list[Check]:
    """CONTEXT (allow-list) and SAFE_MODE (no term dropped by expansion) from skills.jsonld."""
    from skills.verify._ld_checks import check_contexts

    return [check_contexts(dict(doc)), _safe_mode(doc)]


def content_checks(
    doc: Mapping[str, Any],
    ctx: VerifyContext,
    *,
    verify_list: StatusListVerifier,
    issued: datetime | None = None,
    expires: datetime | None = None,
) -> tuple[list[Check], list[Check]]:
    """(checks before the proof, checks after it) for the credential ``doc``.

    Before: CONTEXT, SAFE_MODE, SCHEMA, STRUCTURE. After: REVOCATION, VALIDITY, RECIPIENT.
    ``issued``/``expires`` override the credential's own window in VALIDITY (a VC-JWT's
    ``nbf``/``exp`` claims), as in :func:`check_validity`.
    Fetches (status lists) go through ``ctx.client``; never raises for bad content.
    """
    who = issuer_label(doc)
    before = jsonld_checks(doc)
    if kind_of(doc) in ("badge", "endorsement"):
        before.append(validate_ob3_schema(doc, who=who))
    before.append(check_structure(doc))
    after = [
        check_status(doc, ctx, who=who, verify_list=verify_list),
        check_validity(doc, ctx, issued=issued, expires=expires),
        check_recipient(doc, ctx.recipient, ctx.recipient_name),
    ]
    return before, after


__all__ = [
    "check_recipient",
    "check_structure",
    "check_validity",
    "content_checks",
    "dates",
    "issuer_label",
    "kind_of",
    "normalise",
    "recipients",
]
