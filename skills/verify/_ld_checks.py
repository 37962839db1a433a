"""The context allow-list check and the safe-mode (undefined term) check."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from skills.errors import CanonicalizationError
from skills.jsonld import CONTEXTS, ContextNotBundled, expand, shorten_url
from skills.verify._model import Check, CheckName, failed, not_run, passed, warning

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
_OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/"
#: The pre-release OB 3.0 context (JFF Plugfest wallets), under both URLs it was used at.
OB3_BETA_CONTEXTS = frozenset(
    {
        "https://w3c-ccg.github.io/vc-ed/plugfest-1-2022/jff-vc-edu-plugfest-1-context.json",
        "https://imsglobal.github.io/openbadges-specification/ob_v3p0.html",
    }
)
#: Bundled contexts that are accepted with a warning: superseded versions.
OUTDATED_CONTEXTS = frozenset(
    {
        VC_V1,
        _OB3 + "context.json",
        _OB3 + "context-3.0.0.json",
        _OB3 + "context-3.0.1.json",
        _OB3 + "context-3.0.2.json",
        "https://w3id.org/security/data-integrity/v1",
        *OB3_BETA_CONTEXTS,
    }
)
_VC_CONTEXTS = frozenset({VC_V1, VC_V2})
_SENTINEL = "urn:skillatlas:undefined-term#"
_ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# A context reference that could be a published context: an http(s) URL with a host and
# no whitespace or control characters. Anything else is malformed, not merely unbundled.
_CONTEXT_URL = re.compile(r"^https?://[^\s/?#]+[^\s\x00-\x1f\x7f]*$", re.IGNORECASE)
_KEYWORDS = frozenset(
    {
        "@base", "@container", "@context", "@direction", "@graph", "@id", "@import",
        "@included", "@index", "@json", "@language", "@list", "@nest", "@none", "@prefix",
        "@propagate", "@protected", "@reverse", "@set", "@type", "@value", "@version", "@vocab",
    }
)  # fmt: skip
# Terms whose definition resets the context for their values (VC 2.0 verifiableCredential).
_NULL_SCOPED_TERMS = frozenset({"verifiableCredential"})
MAX_REPORTED = 5


def _context_entries(doc: Any, depth: int = 0) -> list[Any]:
    """Every @context value anywhere in ``doc`` (the top-level one first)."""
    found: list[Any] = []
    stack: list[tuple[Any, int]] = [(doc, depth)]
    push = stack.append
    while stack:
        node, level = stack.pop()
        if level > 64:
            continue
        # Only containers are pushed: nothing else can hold a @context.
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    found.append(value)
                elif isinstance(value, dict | list):
                    push((value, level + 1))
        elif isinstance(node, Mapping):
            for key, value in node.items():
                if key == "@context":
                    found.append(value)
                elif isinstance(value, Mapping | list):
                    push((value, level + 1))
        elif isinstance(node, list):
            stack.extend((item, level + 1) for item in node if isinstance(item, Mapping | list))
    return found


def check_contexts(doc: Mapping[str, Any]) -> Check:
    """CONTEXT check: every ``@context`` entry (at any depth) is a bundled context URL.

    Fails for what is wrong whatever a context says: no or an empty @context, an entry
    that is neither a URL nor an object, a URL that is malformed, an inline context
    object (what a signature covers must be defined by pinned documents only), or a VC
    document whose first context is not a W3C credentials context. A well-formed URL
    that is not bundled is not fetched: the check is ``not_run`` (verdict
    ``unverifiable``) and its message names the URL. Superseded but bundled versions
    (VC 1.1, OB 3.0.0-3.0.2, the unversioned OB 3.0 URL, the pre-release OB 3.0 context
    of JFF Plugfest wallets) pass with a warning.
    """
    top = doc.get("@context") if isinstance(doc, Mapping) else None
    if top is None:
        return failed(CheckName.CONTEXT, "The badge has no JSON-LD @context.")
    outdated: list[str] = []
    unbundled: list[str] = []
    for value in _context_entries(doc):
        entries = value if isinstance(value, list) else [value]
        if not entries:
            return failed(CheckName.CONTEXT, "The badge has an empty JSON-LD @context.")
        for entry in entries:
            if isinstance(entry, Mapping):
                return failed(
                    CheckName.CONTEXT,
                    "The badge defines its own JSON-LD terms inline in @context; only the "
                    "published, pinned contexts are accepted.",
                )
            if not isinstance(entry, str):
                return failed(
                    CheckName.CONTEXT,
                    "The badge's JSON-LD @context holds an entry that is neither a context "
                    "URL nor a context object.",
                )
            if entry in CONTEXTS:
                if entry in OUTDATED_CONTEXTS and entry not in outdated:
                    outdated.append(entry)
            elif not _CONTEXT_URL.match(entry):
                return failed(
                    CheckName.CONTEXT,
                    f"The JSON-LD context {shorten_url(entry)!r} is not a valid http(s) URL.",
                )
            elif entry not in unbundled:
                unbundled.append(entry)
    top_list = top if isinstance(top, list) else [top]
    names_vc = any(
        isinstance(c, str) and (c in _VC_CONTEXTS or c in OB3_BETA_CONTEXTS or c.startswith(_OB3))
        for c in top_list
    )
    if names_vc and top_list[0] not in _VC_CONTEXTS:
        return failed(
            CheckName.CONTEXT,
            "The credential's first @context must be the W3C Verifiable Credentials context.",
        )
    if unbundled:
        named = ", ".join(shorten_url(u) for u in unbundled[:MAX_REPORTED])
        more = f" and {len(unbundled) - MAX_REPORTED} more" if len(unbundled) > MAX_REPORTED else ""
        plural = "s" if len(unbundled) > 1 else ""
        return not_run(
            CheckName.CONTEXT,
            f"The badge names the JSON-LD context{plural} {named}{more}, which Skill Atlas "
            "does not bundle and never fetches, so what the badge says could not be checked.",
        )
    if outdated:
        return warning(
            CheckName.CONTEXT,
            "The badge uses superseded JSON-LD contexts (" + ", ".join(outdated) + "); they "
            "are known and pinned, so it is still checked.",
        )
    return passed(CheckName.CONTEXT, "Every JSON-LD context is a known, pinned context.")


def _with_sentinel(node: Any, depth: int = 0) -> Any:
    """A copy of ``node`` whose every @context ends with a sentinel ``@vocab``."""
    if depth > 200:
        raise CanonicalizationError("The document is nested too deeply.")
    if isinstance(node, list):
        return [_with_sentinel(item, depth + 1) for item in node]
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            entries = value if isinstance(value, list) else [value]
            out[key] = [*entries, {"@vocab": _SENTINEL}]
        elif key in _NULL_SCOPED_TERMS:
            items = value if isinstance(value, list) else [value]
            fixed = [
                {"@context": {"@vocab": _SENTINEL}, **_with_sentinel(item, depth + 1)}
                if isinstance(item, Mapping) and "@context" not in item
                else _with_sentinel(item, depth + 1)
                for item in items
            ]
            out[key] = fixed if isinstance(value, list) else fixed[0]
        else:
            out[key] = _with_sentinel(value, depth + 1)
    return out


def _unknown_keywords(node: Any, found: list[str], depth: int = 0) -> None:
    if depth > 200 or len(found) > MAX_REPORTED:
        return
    if isinstance(node, list):
        for item in node:
            _unknown_keywords(item, found, depth + 1)
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if key == "@context":
                continue
            if key.startswith("@") and key not in _KEYWORDS and key not in found:
                found.append(key)
            _unknown_keywords(value, found, depth + 1)


def _undefined(iri: str) -> str | None:
    for prefix in (_SENTINEL, _ISSUER_DEPENDENT):
        if iri.startswith(prefix):
            return iri[len(prefix) :]
    return None


def _scan_expanded(node: Any, terms: list[str], ids: list[str], depth: int = 0) -> None:
    if depth > 400 or len(terms) + len(ids) > 2 * MAX_REPORTED:
        return
    if isinstance(node, list):
        for item in node:
            _scan_expanded(item, terms, ids, depth + 1)
        return
    if not isinstance(node, Mapping):
        return
    if "@value" in node:
        datatype = node.get("@type")
        if isinstance(datatype, str) and datatype != "@json":
            name = _undefined(datatype)
            if name is not None and name not in terms:
                terms.append(name)
            elif name is None and not _ABSOLUTE_IRI.match(datatype) and datatype not in ids:
                ids.append(datatype)
        return
    for key, value in node.items():
        if key == "@id":
            relative = isinstance(value, str) and not value.startswith("_:")
            if relative and not _ABSOLUTE_IRI.match(value) and value not in ids:
                ids.append(value)
        elif key == "@type":
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, str):
                    continue
                name = _undefined(item)
                if name is not None and name not in terms:
                    terms.append(name)
                elif name is None and not item.startswith("_:") and not _ABSOLUTE_IRI.match(item):
                    terms.extend([item] if item not in terms else [])
        elif key.startswith("@"):
            _scan_expanded(value, terms, ids, depth + 1)
        else:
            name = _undefined(key)
            if name is not None and name not in terms:
                terms.append(name)
            _scan_expanded(value, terms, ids, depth + 1)


def safe_mode_problems(doc: Mapping[str, Any]) -> list[str]:
    """Sentences naming what JSON-LD processing would drop or leave undefined in ``doc``.

    Empty when every key and type is defined by the document's contexts and every node
    id is an absolute IRI. Raises ContextNotBundled when the document names a context
    that is not bundled, CanonicalizationError when it cannot be expanded at all.
    """
    if not isinstance(doc, Mapping) or "@context" not in doc:
        return ["The document has no @context, so none of its terms is defined."]
    problems: list[str] = []
    keywords: list[str] = []
    _unknown_keywords(doc, keywords)
    if keywords:
        problems.append("Unknown keywords " + ", ".join(keywords[:MAX_REPORTED]) + ".")
    terms: list[str] = []
    ids: list[str] = []
    _scan_expanded(expand(_with_sentinel(doc)), terms, ids)
    if terms:
        problems.append("Undefined terms " + ", ".join(terms[:MAX_REPORTED]) + ".")
    if ids:
        problems.append(
            "Identifiers that are not absolute IRIs " + ", ".join(ids[:MAX_REPORTED]) + "."
        )
    return problems


def check_safe_mode(doc: Mapping[str, Any]) -> Check:
    """SAFE_MODE check: nothing in the JSON is dropped or left undefined by JSON-LD.

    A signature over the RDF a credential expands to does not cover JSON members that
    expansion drops (terms no context defines, relative node ids), so such a credential
    could carry unsigned extra skills next to a valid signature: it fails. A document
    naming a context that is not bundled cannot be expanded, so the check is ``not_run``
    (its message names the context), not failed.
    """
    try:
        problems = safe_mode_problems(doc)
    except ContextNotBundled as exc:
        return not_run(
            CheckName.SAFE_MODE,
            f"The JSON-LD context {shorten_url(exc.url)} is not bundled and contexts are never "
            "fetched, so whether every term in the badge is defined could not be checked.",
        )
    except CanonicalizationError as exc:
        return failed(CheckName.SAFE_MODE, f"The badge is not valid JSON-LD: {exc}")
    if problems:
        return failed(
            CheckName.SAFE_MODE,
            "The badge holds content its JSON-LD contexts do not define, which a signature "
            "would not cover: " + " ".join(problems),
        )
    return passed(
        CheckName.SAFE_MODE,
        "Every term in the badge is defined by its contexts, so a signature covers all of it.",
    )
