"""Document-level OB 2.0 checks: context allow-list, undefined terms, types, structure,
extension schemas, hosted-origin scope, and reading the normalised credential.

Everything here is pure (no I/O) and works on documents that were already fetched or
signature-checked by :mod:`skills.verify.ob2._hosted` and :mod:`skills.verify.ob2._signed`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from skills.jsondata import as_list, types_of
from skills.verify._common import parse_datetime
from skills.verify._model import Achievement, Alignment, Credential, Issuer, Recipient
from skills.verify._schema import schema_errors
from skills.verify.ob2._vocab import (
    EXTENSION_CONTEXTS,
    EXTENSION_SCHEMAS,
    OB_V1_CONTEXTS,
    OB_V2_CLASS_ALIASES,
    OB_V2_CLASSES,
    OB_V2_CONTEXT_ALIASES,
    OB_V2_PROPERTY_ALIASES,
    OB_V2_TERMS,
    expand_iri,
)

_OB_V2_CONTEXT_TERMS = frozenset(OB_V2_TERMS)


def node_id(value: Any) -> str | None:
    """The id of a reference: the string itself, or the ``id`` of an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def is_web_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


# ── @context ────────────────────────────────────────────────────────────────


def _inline_context_ok(ctx: dict[str, Any]) -> bool:
    """An inline context is accepted only when it defines exactly the OB v2 terms."""
    if set(ctx) != _OB_V2_CONTEXT_TERMS:
        return False
    for term, value in ctx.items():
        iri = (
            value
            if isinstance(value, str)
            else value.get("@id")
            if isinstance(value, dict)
            else None
        )
        if iri != OB_V2_TERMS[term]:
            return False
    return True


def context_problem(doc: dict[str, Any], *, legacy: str | None) -> str | None:
    """Why the document's ``@context`` is not acceptable, or None when it is.

    OB 2.0 documents must use the OB v2 context (by URL, or inline with exactly its terms),
    optionally followed by bundled extension contexts. OB 1.1 uses the v1 context; 0.5/1.0
    have none.
    """
    contexts = as_list(doc.get("@context"))
    if legacy in {"0.5", "1.0"} and not contexts:
        return None
    if legacy == "1.1":
        if all(isinstance(c, str) and c in OB_V1_CONTEXTS for c in contexts):
            return None
        return "The Open Badges 1.1 document names a JSON-LD context other than the v1 one."
    if not contexts:
        return "The document has no @context; an Open Badges 2.0 document needs the v2 context."
    first = contexts[0]
    if isinstance(first, dict):
        if not _inline_context_ok(first):
            return "The document defines its own JSON-LD context instead of the Open Badges v2 one."
    elif not (isinstance(first, str) and first in OB_V2_CONTEXT_ALIASES):
        return f"The JSON-LD context {first!r} is not the Open Badges 2.0 context."
    for extra in contexts[1:]:
        if not (isinstance(extra, str) and extra in EXTENSION_CONTEXTS):
            return f"The JSON-LD context {extra!r} is not on the allow-list of known contexts."
    return None


def _extension_terms(node: dict[str, Any], inherited: frozenset[str]) -> frozenset[str] | None:
    """Terms in scope inside ``node`` (None when it names a context we do not know)."""
    if "@context" not in node:
        return inherited
    terms = set(inherited)
    for ctx in as_list(node["@context"]):
        if isinstance(ctx, str) and ctx in EXTENSION_CONTEXTS:
            terms.update(EXTENSION_CONTEXTS[ctx])
        elif (isinstance(ctx, str) and ctx in OB_V2_CONTEXT_ALIASES) or (
            isinstance(ctx, dict) and _inline_context_ok(ctx)
        ):
            terms.update(_OB_V2_CONTEXT_TERMS)
        else:
            return None
    return frozenset(terms)


def undefined_terms(doc: dict[str, Any]) -> list[str]:
    """JSON keys that JSON-LD expansion would silently drop (the "safe mode" problem).

    The OB v2 context and the bundled extension contexts are flat term maps without
    ``@vocab``, so a key survives expansion exactly when it is a keyword, a term in scope,
    or an IRI/compact IRI (contains ``:``). Keys under an unknown nested context are
    reported too, since what they mean cannot be known offline.
    """
    found: list[str] = []
    base = _extension_terms(doc, frozenset()) or frozenset()

    def walk(value: Any, terms: frozenset[str], path: str) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item, terms, path)
            return
        if not isinstance(value, dict):
            return
        if "@value" in value:
            return
        scoped = _extension_terms(value, terms)
        if scoped is None:
            found.append(f"{path}@context")
            return
        for key, child in value.items():
            if key == "@context":
                continue
            if not key.startswith("@") and key not in scoped and ":" not in key:
                found.append(f"{path}{key}")
                continue
            walk(child, scoped, f"{path}{key}.")

    walk(doc, base, "")
    return found


# ── aliases ─────────────────────────────────────────────────────────────────


def _alias_scope(node: dict[str, Any], active: frozenset[str]) -> frozenset[str]:
    """The property aliases in force inside ``node``: all of them under the OB v2 context,
    minus any term a bundled extension context redefines; none under an unknown context."""
    if "@context" not in node:
        return active
    scope = set(active)
    for ctx in as_list(node["@context"]):
        if (isinstance(ctx, str) and ctx in OB_V2_CONTEXT_ALIASES) or (
            isinstance(ctx, dict) and _inline_context_ok(ctx)
        ):
            scope = set(OB_V2_PROPERTY_ALIASES)
        elif isinstance(ctx, str) and ctx in EXTENSION_CONTEXTS:
            scope -= set(EXTENSION_CONTEXTS[ctx])
        else:
            return frozenset()
    return frozenset(scope)


def canonical_names(doc: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``doc`` with the aliases of the OB v2 context replaced by their canonical names.

    Every object where the OB v2 context is in scope (the document's own ``@context``, so
    embedded badge classes, issuers, recipients and verification objects too) has its
    aliased keys renamed (``verify`` -> ``verification``) and aliased class names in
    ``type`` replaced (``hosted`` -> ``HostedBadge``); see
    :data:`skills.verify.ob2._vocab.OB_V2_PROPERTY_ALIASES`. JSON-LD expansion gives both
    spellings one meaning, so the checks then read one name. A document without the v2
    context (OB 0.5/1.x, whose ``verify`` is a different structure) comes back unchanged.

    Returns (the canonical copy, problems): a problem is an object that gives both an alias
    and its canonical name with different values, which is ambiguous; the canonical
    name's value is kept. The input is never modified.
    """
    problems: list[str] = []

    def walk(value: Any, active: frozenset[str]) -> Any:
        if isinstance(value, list):
            return [walk(item, active) for item in value]
        if not isinstance(value, dict):
            return value
        scope = _alias_scope(value, active)
        out: dict[str, Any] = {}
        renamed: list[tuple[str, str, Any]] = []
        for key, child in value.items():
            if key == "@context":
                out[key] = child  # term definitions, not data: never renamed
            elif key in scope:
                renamed.append((key, OB_V2_PROPERTY_ALIASES[key], walk(child, scope)))
            elif key in {"type", "@type"} and scope:
                out[key] = _canonical_types(child)
            else:
                out[key] = walk(child, scope)
        for alias, canonical, child in renamed:
            if canonical not in out:
                out[canonical] = child
            elif out[canonical] != child:
                problems.append(
                    f"it gives both {alias} and {canonical}, two names of one property, "
                    "with different values"
                )
        return out

    base = _alias_scope(doc, frozenset())
    if not base:
        return doc, []
    result = walk(doc, base)
    return (result if isinstance(result, dict) else doc), problems


def _canonical_types(value: Any) -> Any:
    if isinstance(value, str):
        return OB_V2_CLASS_ALIASES.get(value, value)
    if isinstance(value, list):
        return [OB_V2_CLASS_ALIASES.get(v, v) if isinstance(v, str) else v for v in value]
    return value


# ── types and structure ─────────────────────────────────────────────────────


def type_problem(node: dict[str, Any], *, what: str, expected: set[str] | None) -> str | None:
    """Why ``node``'s ``type`` is wrong: missing/empty, an undefined term, or not expected."""
    raw = as_list(node.get("type", node.get("@type")))
    if not raw:
        return f"The {what} has no type."
    for t in raw:
        if not isinstance(t, str) or not t:
            return f"The {what} has a type that is not text."
        if t not in OB_V2_CLASSES and ":" not in t:
            return f"The {what} has the type {t!r}, which Open Badges 2.0 does not define."
    if expected is not None and not expected.intersection(raw):
        names = " or ".join(sorted(expected))
        return f"The {what} has the type {', '.join(raw)}; it must be {names}."
    return None


def assertion_problems(doc: dict[str, Any]) -> list[str]:
    """Missing or malformed required properties of an (upgraded) Assertion."""
    problems: list[str] = []
    recipient = doc.get("recipient")
    if not isinstance(recipient, dict) or not isinstance(recipient.get("identity"), str):
        problems.append("it names no recipient identity")
    if node_id(doc.get("badge")) is None and not isinstance(doc.get("badge"), dict):
        problems.append("it names no badge class")
    if not isinstance(doc.get("verification"), dict):
        problems.append("it has no verification property")
    image = doc.get("image")
    image_id = node_id(image)
    if image_id is not None and image_id.lower().startswith("data:"):
        problems.append("its image is a data: URI, which an Assertion may not use")
    return problems


def badge_class_problems(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(errors, warnings) for a BadgeClass: name, description, criteria, issuer required."""
    errors: list[str] = []
    warnings: list[str] = []
    for prop in ("name", "description"):
        if not isinstance(doc.get(prop), str) or not doc.get(prop):
            errors.append(f"it has no {prop}")
    if doc.get("criteria") is None:
        errors.append("it has no criteria")
    if node_id(doc.get("issuer")) is None and not isinstance(doc.get("issuer"), dict):
        errors.append("it names no issuer")
    if doc.get("image") is None:
        warnings.append("The badge class has no image.")
    return errors, warnings


def issuer_problems(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(errors, warnings) for an Issuer/Profile: name required; url, email recommended."""
    errors: list[str] = []
    warnings: list[str] = []
    if not isinstance(doc.get("name"), str) or not doc.get("name"):
        errors.append("it has no name")
    if not is_web_url(doc.get("url")):
        warnings.append("The issuer profile has no web address (url).")
    return errors, warnings


# ── extensions ──────────────────────────────────────────────────────────────


def iter_extensions(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``extensions:*`` object in ``node``, nested ones included, with its key path."""
    if isinstance(node, list):
        for item in node:
            yield from iter_extensions(item, path)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key.startswith("extensions:"):
            for item in as_list(value):
                if isinstance(item, dict):
                    yield f"{path}{key}", item
        if isinstance(value, dict | list):
            yield from iter_extensions(value, f"{path}{key}.")


def extension_problems(doc: dict[str, Any]) -> tuple[list[str], int]:
    """(schema violations, number of extensions validated) for the bundled extensions."""
    problems: list[str] = []
    validated = 0
    for key, ext in iter_extensions(doc):
        for t in types_of(ext, keyword=True):
            entry = EXTENSION_SCHEMAS.get(expand_iri(t))
            if entry is None:
                continue
            ctx_url, schema = entry
            terms = EXTENSION_CONTEXTS[ctx_url]
            by_iri = {iri: term for term, iri in terms.items()}
            compacted: dict[str, Any] = {}
            for prop, value in ext.items():
                compacted[by_iri.get(expand_iri(prop), prop)] = value
            validated += 1
            errors = schema_errors(compacted, schema)
            if errors:
                problems.append(f"{key}: {errors[0]}")
    return problems, validated


# ── hosted-origin scope ─────────────────────────────────────────────────────


def origin_policy(issuer: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(allowedOrigins, startsWith) stated by the issuer's ``verification`` property."""
    verification = issuer.get("verification")
    if not isinstance(verification, dict):
        return [], []
    origins = [
        str(o).lower() for o in as_list(verification.get("allowedOrigins")) if isinstance(o, str)
    ]
    starts = [s for s in as_list(verification.get("startsWith")) if isinstance(s, str)]
    return origins, starts


# ── the normalised credential ───────────────────────────────────────────────


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("@value"), str):
        return str(value["@value"])
    return None


def read_alignments(badge: dict[str, Any]) -> tuple[Alignment, ...]:
    out: list[Alignment] = []
    for item in as_list(badge.get("alignment")):
        if not isinstance(item, dict):
            continue
        out.append(
            Alignment(
                target_name=_text(item.get("targetName")),
                target_url=_text(item.get("targetUrl")),
                target_code=_text(item.get("targetCode")),
                target_framework=_text(item.get("targetFramework")),
                target_type=_text(item.get("targetType")),
                target_description=_text(item.get("targetDescription")),
            )
        )
    return tuple(out)


def read_criteria(badge: dict[str, Any]) -> str | None:
    criteria = badge.get("criteria")
    if isinstance(criteria, str):
        return criteria
    if isinstance(criteria, dict):
        return _text(criteria.get("narrative")) or node_id(criteria)
    return None


def read_issuer(issuer: dict[str, Any] | None, ref: str | None) -> Issuer:
    if issuer is None:
        return Issuer(id=ref)
    return Issuer(
        id=node_id(issuer) or ref, name=_text(issuer.get("name")), url=_text(issuer.get("url"))
    )


def read_recipient(assertion: dict[str, Any]) -> Recipient:
    raw = assertion.get("recipient")
    if not isinstance(raw, dict):
        return Recipient()
    identity = raw.get("identity")
    hashed = raw.get("hashed")
    text = identity if isinstance(identity, str) else None
    is_hashed = (
        bool(hashed)
        if isinstance(hashed, bool)
        else bool(text and text.lower().startswith(("sha256$", "md5$")))
    )
    salt = raw.get("salt")
    return Recipient(
        identity=text,
        type=raw.get("type") if isinstance(raw.get("type"), str) else None,
        hashed=is_hashed,
        salt=salt if isinstance(salt, str) else None,
    )


def read_credential(
    assertion: dict[str, Any] | None,
    badge: dict[str, Any] | None,
    issuer: dict[str, Any] | None,
    *,
    issuer_ref: str | None,
) -> Credential:
    """The normalised credential from verified documents (any of them may be absent)."""
    badge = badge or {}
    extensions: list[dict[str, Any]] = []
    for source, where in ((assertion, "assertion"), (badge, "badge")):
        if source:
            for key, ext in iter_extensions(source):
                extensions.append({**ext, "_key": f"{where}.{key}"})
    tags = tuple(str(t) for t in as_list(badge.get("tags")) if isinstance(t, str))
    badge_types = types_of(badge, keyword=True)
    achievement = Achievement(
        id=node_id(badge) if badge else None,
        name=_text(badge.get("name")),
        description=_text(badge.get("description")),
        criteria=read_criteria(badge),
        type=badge_types[0] if badge_types else None,
        tags=tags,
    )
    doc = assertion if assertion is not None else badge if badge else (issuer or {})
    return Credential(
        id=node_id(assertion) if assertion else node_id(doc),
        issuer=read_issuer(issuer, issuer_ref),
        achievement=achievement,
        recipient=read_recipient(assertion) if assertion else Recipient(),
        issued=parse_datetime(assertion.get("issuedOn")) if assertion else None,
        expires=parse_datetime(assertion.get("expires")) if assertion else None,
        alignments=read_alignments(badge),
        extensions=tuple(extensions),
        document=doc,
    )
