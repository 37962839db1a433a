"""The Open Badges 2.0 vocabulary the OB 2.0 verifier needs, bundled (never fetched).

- ``OB_V2_TERMS``: every term of the OB v2 JSON-LD context ``https://w3id.org/openbadges/v2``
  and the IRI it maps to, taken from 1EdTech's copy of the context
  (``files/ob20/assets/openbadges_context.json`` of digital-credentials-public-validator at
  38254719, file SHA-256 ``OB_V2_CONTEXT_SOURCE_SHA256``). The context is flat (no scoped
  contexts, no ``@vocab``), so a JSON key is kept by JSON-LD expansion exactly when it is a
  keyword, one of these terms, a term of an extension context in scope, or contains ``:``.
- ``OB_V2_PROPERTY_ALIASES``/``OB_V2_CLASS_ALIASES``: the aliases the bundled OB v2 context
  (``skills/jsonld/contexts/openbadges-v2.json``) defines, derived from that file by
  :func:`context_aliases` (never a hand list): ``verify`` -> ``verification`` (a property),
  ``hosted`` -> ``HostedBadge`` and ``signed`` -> ``SignedBadge`` (classes, used as ``type``).
- ``EXTENSION_CONTEXTS``/``EXTENSION_SCHEMAS``: the two published OB 2.0 extensions the 1EdTech
  validator bundles (Example Extension and Apply Link): their context terms, the types they
  validate, and their JSON Schemas (draft-04), as published by IMS Global / 1EdTech.
"""

from __future__ import annotations

from typing import Any

OB_V2_CONTEXT_URL = "https://w3id.org/openbadges/v2"
OB_V2_CONTEXT_ALIASES = frozenset(
    {
        "https://w3id.org/openbadges/v2",
        "http://w3id.org/openbadges/v2",
        "https://openbadgespec.org/v2/context.json",
    }
)
OB_V1_CONTEXTS = frozenset(
    {
        "https://w3id.org/openbadges/v1",
        "http://w3id.org/openbadges/v1",
        "https://openbadgespec.org/v1/context.json",
    }
)
OB_V2_CONTEXT_SOURCE_SHA256 = "0686a1d703a648b6c1183e179104670b0d6045a60ed86fd7f09028ead8091474"

OB_V2_TERMS: dict[str, str] = {
    "AlignmentObject": "schema:AlignmentObject",
    "Assertion": "obi:Assertion",
    "BadgeClass": "obi:BadgeClass",
    "Criteria": "obi:Criteria",
    "CryptographicKey": "sec:Key",
    "Endorsement": "cred:Credential",
    "Evidence": "obi:Evidence",
    "Extension": "obi:Extension",
    "FrameValidation": "obi:FrameValidation",
    "HostedBadge": "obi:HostedBadge",
    "IdentityObject": "obi:IdentityObject",
    "Image": "obi:Image",
    "Issuer": "obi:Issuer",
    "Profile": "obi:Profile",
    "RevocationList": "obi:RevocationList",
    "SignedBadge": "obi:SignedBadge",
    "TypeValidation": "obi:TypeValidation",
    "VerificationObject": "obi:VerificationObject",
    "alignment": "obi:alignment",
    "allowedOrigins": "obi:allowedOrigins",
    "audience": "obi:audience",
    "author": "schema:author",
    "badge": "obi:badge",
    "caption": "schema:caption",
    "claim": "cred:claim",
    "created": "dc:created",
    "creator": "dc:creator",
    "cred": "https://w3id.org/credentials#",
    "criteria": "obi:criteria",
    "dc": "http://purl.org/dc/terms/",
    "description": "schema:description",
    "email": "schema:email",
    "endorsement": "cred:credential",
    "endorsementComment": "obi:endorsementComment",
    "evidence": "obi:evidence",
    "expires": "sec:expiration",
    "extensions": "https://w3id.org/openbadges/extensions#",
    "genre": "schema:genre",
    "hashed": "obi:hashed",
    "hosted": "obi:HostedBadge",
    "id": "@id",
    "identity": "obi:identityHash",
    "image": "schema:image",
    "issuedOn": "obi:issueDate",
    "issuer": "obi:issuer",
    "name": "schema:name",
    "narrative": "obi:narrative",
    "obi": "https://w3id.org/openbadges#",
    "owner": "sec:owner",
    "publicKey": "sec:publicKey",
    "publicKeyPem": "sec:publicKeyPem",
    "recipient": "obi:recipient",
    "related": "dc:relation",
    "revocationList": "obi:revocationList",
    "revocationReason": "obi:revocationReason",
    "revoked": "obi:revoked",
    "revokedAssertions": "obi:revoked",
    "salt": "obi:salt",
    "schema": "http://schema.org/",
    "sec": "https://w3id.org/security#",
    "signed": "obi:SignedBadge",
    "startsWith": "http://purl.org/dqm-vocabulary/v1/dqm#startsWith",
    "tags": "schema:keywords",
    "targetCode": "obi:targetCode",
    "targetDescription": "schema:targetDescription",
    "targetFramework": "schema:targetFramework",
    "targetName": "schema:targetName",
    "targetUrl": "schema:targetUrl",
    "telephone": "schema:telephone",
    "type": "@type",
    "uid": "obi:uid",
    "url": "schema:url",
    "validatesType": "obi:validatesType",
    "validation": "obi:validation",
    "validationFrame": "obi:validationFrame",
    "validationSchema": "obi:validationSchema",
    "verification": "obi:verify",
    "verificationProperty": "obi:verificationProperty",
    "verify": "verification",
    "version": "schema:version",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

OB_V2_PREFIXES: dict[str, str] = {
    "extensions": "https://w3id.org/openbadges/extensions#",
    "obi": "https://w3id.org/openbadges#",
    "cred": "https://w3id.org/credentials#",
    "dc": "http://purl.org/dc/terms/",
    "schema": "http://schema.org/",
    "sec": "https://w3id.org/security#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _definition_id(definition: Any) -> str | None:
    """The ``@id`` a term definition gives (a string definition is its own ``@id``)."""
    if isinstance(definition, str):
        return definition
    if isinstance(definition, dict) and isinstance(definition.get("@id"), str):
        return str(definition["@id"])
    return None


def context_aliases(context: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(property aliases, class aliases) a flat JSON-LD context defines.

    Terms are grouped by the IRI they expand to. Within a group:

    - a term whose definition names another term of the context as its ``@id`` is an alias
      of that term (``"verify": "verification"``): a property alias;
    - among terms defined directly, when exactly one is a class name (capitalised), the
      others are aliases of that class (``hosted`` -> ``HostedBadge``): a class alias,
      used as a ``type`` value;
    - any other group (``revoked`` and ``revokedAssertions`` both map to ``obi:revoked``
      but the specification gives them different places: a flag on an Assertion, a list
      on a RevocationList) is left alone: no name is preferred over another.
    """
    terms = context.get("@context", context)
    if not isinstance(terms, dict):
        return {}, {}
    prefixes = {k: v for k, v in terms.items() if isinstance(v, str) and v.endswith(("#", "/"))}

    def expand(term: str, seen: frozenset[str] = frozenset()) -> str | None:
        raw = _definition_id(terms.get(term))
        if raw is None or term in seen:
            return None
        if raw in terms and raw not in prefixes and raw != term:
            return expand(raw, seen | {term})
        prefix, sep, suffix = raw.partition(":")
        if sep and prefix in prefixes and not suffix.startswith("//"):
            return prefixes[prefix] + suffix
        return raw

    groups: dict[str, list[str]] = {}
    for term in terms:
        if term.startswith("@") or term in prefixes:
            continue
        iri = expand(term)
        if iri is not None and not iri.startswith("@"):
            groups.setdefault(iri, []).append(term)
    properties: dict[str, str] = {}
    classes: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        direct = []
        for term in members:
            target = _definition_id(terms[term])
            if target in members and target != term:
                properties[term] = str(target)
            else:
                direct.append(term)
        capitalised = [t for t in direct if t[:1].isupper()]
        if len(capitalised) == 1:
            for term in direct:
                if term != capitalised[0]:
                    classes[term] = capitalised[0]
    return properties, classes


def _bundled_aliases() -> tuple[dict[str, str], dict[str, str]]:
    from skills.jsonld import CONTEXTS  # the pinned (SHA-256 checked) bundled file

    document = CONTEXTS.get(OB_V2_CONTEXT_URL)
    return context_aliases(dict(document)) if document is not None else ({}, {})


OB_V2_PROPERTY_ALIASES, OB_V2_CLASS_ALIASES = _bundled_aliases()

# Node classes the OB v2 context defines (a ``type`` must be one of these, or an IRI).
OB_V2_CLASSES = frozenset(
    k for k, v in OB_V2_TERMS.items() if k[:1].isupper() or k in {"hosted", "signed"}
)

EXAMPLE_EXTENSION_CONTEXT = "https://w3id.org/openbadges/extensions/exampleExtension/context.json"
APPLY_LINK_CONTEXT = "https://w3id.org/openbadges/extensions/applyLinkExtension/context.json"

# context URL -> (term -> absolute IRI)
EXTENSION_CONTEXTS: dict[str, dict[str, str]] = {
    EXAMPLE_EXTENSION_CONTEXT: {"exampleProperty": "http://schema.org/text"},
    APPLY_LINK_CONTEXT: {"url": "https://w3id.org/openbadges/extensions#applyLink"},
}
# http:// spellings of the same contexts are used in the wild.
for _url in list(EXTENSION_CONTEXTS):
    EXTENSION_CONTEXTS["http://" + _url.removeprefix("https://")] = EXTENSION_CONTEXTS[_url]

# Expanded type IRI -> (context URL, JSON Schema). The Example Extension's validatesType was
# published first as ``obi:extensions/#ExampleExtension`` and later as
# ``extensions:ExampleExtension``; both spellings are validated.
_EXAMPLE_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "1.1 Open Badge Example Extension",
    "type": "object",
    "properties": {"exampleProperty": {"type": "string"}},
    "required": ["exampleProperty"],
}
_APPLY_LINK_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "Apply Link",
    "type": "object",
    "properties": {"url": {"type": "string", "format": "uri"}},
    "required": ["url"],
}
EXTENSION_SCHEMAS: dict[str, tuple[str, dict[str, Any]]] = {
    "https://w3id.org/openbadges/extensions#ExampleExtension": (
        EXAMPLE_EXTENSION_CONTEXT,
        _EXAMPLE_SCHEMA,
    ),
    "https://w3id.org/openbadges#extensions/#ExampleExtension": (
        EXAMPLE_EXTENSION_CONTEXT,
        _EXAMPLE_SCHEMA,
    ),
    "https://w3id.org/openbadges/extensions#ApplyLink": (APPLY_LINK_CONTEXT, _APPLY_LINK_SCHEMA),
}


def expand_iri(value: str, extra_prefixes: dict[str, str] | None = None) -> str:
    """A term, compact IRI or IRI in the OB v2 context as an absolute IRI (best effort).

    Unknown terms without ``:`` come back unchanged (they are undefined).
    """
    if value in OB_V2_TERMS:
        value = OB_V2_TERMS[value]
    prefix, sep, suffix = value.partition(":")
    if sep and not suffix.startswith("//"):
        prefixes = (
            OB_V2_PREFIXES if extra_prefixes is None else {**OB_V2_PREFIXES, **extra_prefixes}
        )
        if prefix in prefixes:
            return prefixes[prefix] + suffix
    return value
