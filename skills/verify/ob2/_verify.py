"""Open Badges 2.0 verification (0.5, 1.0 and 1.1 upgraded to the 2.0 model).

:func:`verify_ob2` handles three shapes of submission:

- **hosted** (``ob2-hosted``): the assertion is re-fetched from its ``id`` (``verify.url`` for
  1.x) and only that fetched copy is trusted; HTTP 410 or ``revoked: true`` mean revoked;
  the submitted copy must match it in id, recipient and badge; the issuer's
  ``verification.allowedOrigins``/``startsWith`` (default: the issuer id's host) must cover
  the assertion's address;
- **signed** (``ob2-signed``): a compact JWS, RS256 only; the key named by
  ``verification.creator`` must be listed in the issuer profile's ``publicKey`` (and owned by
  it); the issuer's ``revocationList`` is consulted, and an unreachable list leaves the
  revocation check not run (so the verdict is ``unverifiable``, never ``verified``);
- **other OB 2.0 nodes** submitted on their own (a BadgeClass, an Issuer profile, an
  AlignmentObject ...): validated as documents and re-fetched from their ``id``. They name no
  recipient, so a claimed recipient never matches them.

Issuer profiles, badge classes and keys are cached per ``httpx.Client``
(:mod:`skills.verify.ob2._fetch`). Skills (alignments, tags, criteria, extensions) are read
only from the fetched or signature-checked copy.
"""

from __future__ import annotations

from typing import Any

from skills.jsondata import types_of
from skills.verify._common import check_recipient
from skills.verify._context import FormatResult, Submission, VerifyContext
from skills.verify._model import (
    CheckName,
    Credential,
    failed,
    not_run,
    passed,
)
from skills.verify._share_links import known_platform, match_share_link
from skills.verify._sources import is_compact_token
from skills.verify.ob2._checks import (
    canonical_names,
    context_problem,
    is_web_url,
    node_id,
    read_credential,
    type_problem,
)
from skills.verify.ob2._fetch import (
    Got,
    get_document,
)
from skills.verify.ob2._hosted import verify_hosted
from skills.verify.ob2._legacy import legacy_version, upgrade_assertion
from skills.verify.ob2._run import (
    Resolved,
    Run,
    badge_class_checks,
    canonical_doc,
    check_issuer,
    document_checks,
    extension_check,
    resolve,
)
from skills.verify.ob2._signed import verify_signed

__all__ = ["verify_ob2"]


# ── entry point ─────────────────────────────────────────────────────────────


def verify_ob2(sub: Submission, ctx: VerifyContext) -> FormatResult:
    """Verify an OB 2.0 (or 0.5/1.x) submission; see the module docstring.

    Never raises for a bad badge: every problem is a failed or not-run check. May raise
    :class:`skills.errors.MalformedInput` for a token that cannot be decoded at all (the
    dispatcher reports it as a failed structure check).
    """
    if sub.kind == "compact":
        return verify_signed(str(sub.payload), ctx)
    if sub.kind == "url":
        return _verify_url(str(sub.payload), ctx)
    if not isinstance(sub.payload, dict):
        run = Run(ctx)
        run.add(failed(CheckName.STRUCTURE, "The badge is not a JSON object."))
        return FormatResult("ob2-hosted", run.checks, None)
    return _verify_json(sub.payload, ctx, fetched_from=None)


def _verify_url(url: str, ctx: VerifyContext) -> FormatResult:
    """Fetch ``url`` (or, for a badge platform's share page, its Open Badges endpoint) and
    verify what it serves; a resolved page is named in a passed INPUT check."""
    link = match_share_link(url)
    if link is None:
        return _verify_fetched_url(url, ctx, page=None)
    result = _verify_fetched_url(link.endpoint, ctx, page=link.platform)
    resolved = passed(
        CheckName.INPUT,
        f"Resolved the {link.platform} page to its Open Badges assertion ({link.endpoint}).",
    )
    return FormatResult(result.format, [resolved, *result.checks], result.credential)


def _not_a_badge(url: str, got: Got, page: str | None) -> str:
    """Why nothing at ``url`` could be read as a badge, in one sentence for a person."""
    if got.status and got.status >= 300:
        where = f"the {page} endpoint {url}" if page else url
        return f"No badge could be read at {where} (HTTP {got.status})."
    text = (got.text or "").lstrip("\ufeff").lstrip()
    if text.startswith(("{", "[")):
        why = got.parse_error or "it is not valid JSON"
        return f"The answer at {url} looks like JSON but cannot be read: {why}"
    looks_html = "html" in got.content_type or text[:15].lower().startswith(("<!doctype", "<html"))
    if looks_html:
        known = known_platform(url)
        if known is not None:
            platform, where = known
            advice = (
                f"{platform} serves Open Badges assertions at {where}: paste that address, "
                "or upload the baked badge image."
                if where
                else "Paste the badge's assertion URL or upload the baked badge image instead."
            )
            return (
                f"{url} is a web page of {platform}, not an Open Badges document, and no "
                f"documented address pattern leads from it to the badge's data. {advice}"
            )
        return (
            f"{url} is a web page, not an Open Badges document. Skill Atlas resolves the share "
            "pages of Credly, Canvas Credentials (Badgr), Parchment and Open Badge Factory; for "
            "other platforms paste the badge's assertion URL or upload the baked badge image."
        )
    return f"No badge could be read at {url} (it is not a badge)."


def _verify_fetched_url(url: str, ctx: VerifyContext, *, page: str | None) -> FormatResult:
    got = get_document(url, ctx.client, cache=False)
    if not got.reached:
        run = Run(ctx)
        run.add(not_run(CheckName.HOSTED, f"The badge at {url} could not be fetched: {got.error}"))
        return FormatResult("ob2-hosted", run.checks, None)
    if got.status == 410:
        run = Run(ctx)
        run.add(
            failed(CheckName.REVOCATION, f"The issuer withdrew the badge at {url} (HTTP 410 Gone).")
        )
        return FormatResult("ob2-hosted", run.checks, None)
    if got.doc is None:
        if got.text and is_compact_token(got.text) and got.status and got.status < 300:
            return verify_signed(got.text.strip(), ctx)
        run = Run(ctx)
        run.add(failed(CheckName.HOSTED, _not_a_badge(url, got, page)))
        return FormatResult("ob2-hosted", run.checks, None)
    return _verify_json(got.doc, ctx, fetched_from=got)


def _verify_json(
    doc: dict[str, Any], ctx: VerifyContext, *, fetched_from: Got | None
) -> FormatResult:
    legacy = legacy_version(doc)
    types = types_of(doc, keyword=True)
    if legacy is None and "Assertion" not in types and not _looks_like_assertion(doc):
        return _verify_node(doc, ctx, fetched_from=fetched_from)
    assertion = upgrade_assertion(doc, legacy) if legacy else canonical_names(doc)[0]
    verification = assertion.get("verification")
    vtype = str(verification.get("type", "")).lower() if isinstance(verification, dict) else ""
    if vtype in {"signedbadge", "signed"}:
        run = Run(ctx)
        problem = context_problem(doc, legacy=legacy)
        if problem:
            run.add(failed(CheckName.CONTEXT, problem))
        run.add(
            not_run(
                CheckName.SIGNATURE,
                "This is a signed badge submitted as plain JSON, without its signature: "
                "submit the signed token (JWS) or the baked image to verify it.",
            )
        )
        return FormatResult("ob2-signed", run.checks, None)
    return verify_hosted(doc, assertion, legacy, ctx, fetched_from=fetched_from)


def _looks_like_assertion(doc: dict[str, Any]) -> bool:
    """An untyped document with the shape of an assertion (type checks then reject it)."""
    return not types_of(doc, keyword=True) and "recipient" in doc and "badge" in doc


# ── other OB 2.0 documents ──────────────────────────────────────────────────


_NODE_FORMATS = {"BadgeClass": "ob2-badgeclass", "Issuer": "ob2-issuer", "Profile": "ob2-issuer"}


def _verify_node(
    doc: dict[str, Any], ctx: VerifyContext, *, fetched_from: Got | None
) -> FormatResult:
    run = Run(ctx)
    types = types_of(canonical_names(doc)[0], keyword=True)
    fmt = next((_NODE_FORMATS[t] for t in types if t in _NODE_FORMATS), "ob2-document")
    if context_problem(doc, legacy=None):
        document_checks(run, doc, None, "document")
        return FormatResult(fmt, run.checks, None)
    problem = type_problem(doc, what="document", expected=None)
    if problem:
        run.add(failed(CheckName.STRUCTURE, problem))
        return FormatResult(fmt, run.checks, None)
    url = node_id(doc)
    if not is_web_url(url):
        run.add(
            not_run(
                CheckName.HOSTED,
                "The document has no web address to re-fetch it from, so nobody vouches for it.",
            )
        )
        return FormatResult(fmt, run.checks, None)
    assert url is not None
    got = (
        fetched_from
        if fetched_from is not None and url in {fetched_from.url, fetched_from.final_url}
        else get_document(url, ctx.client, cache=False)
    )
    if not got.reached:
        run.add(
            not_run(CheckName.HOSTED, f"The document at {url} could not be fetched: {got.error}")
        )
        return FormatResult(fmt, run.checks, None)
    if got.doc is None:
        why = f"HTTP {got.status}" if got.status and got.status >= 300 else "not a JSON object"
        run.add(
            failed(CheckName.HOSTED, f"The document is not hosted at its address {url} ({why}).")
        )
        return FormatResult(fmt, run.checks, None)
    fetched = canonical_doc(run, got.doc, "document")
    if got is not fetched_from and (
        node_id(fetched),
        types_of(fetched, keyword=True),
        fetched.get("name"),
    ) != (
        url,
        types,
        doc.get("name"),
    ):
        run.add(
            failed(
                CheckName.HOSTED, f"The submitted document differs from the one hosted at {url}."
            )
        )
        return FormatResult(fmt, run.checks, None)
    document_checks(run, fetched, None, "document")
    badge: Resolved | None = None
    issuer: Resolved | None = None
    ftypes = types_of(fetched, keyword=True)
    if "BadgeClass" in ftypes:
        badge = Resolved(url, fetched, got)
        badge_class_checks(run, fetched)
        resolved = resolve(run, fetched.get("issuer"), "issuer", "issuer profile")
        if resolved is not None and resolved.doc is not None:
            issuer = check_issuer(run, resolved, None)
        extension_check(run, fetched)
    elif "Issuer" in ftypes or "Profile" in ftypes:
        issuer = check_issuer(run, Resolved(url, fetched, got), None)
        extension_check(run, fetched)
    elif "AlignmentObject" in ftypes:
        missing = [p for p in ("targetName", "targetUrl") if not isinstance(fetched.get(p), str)]
        if missing:
            run.add(failed(CheckName.STRUCTURE, f"The alignment has no {' or '.join(missing)}."))
    run.add(
        passed(CheckName.HOSTED, f"Re-fetched from {url}: the document is hosted at its address.")
    )
    run.add(check_recipient(None, ctx.recipient))
    credential = read_credential(
        None,
        badge.doc if badge else None,
        issuer.doc if issuer else None,
        issuer_ref=issuer.ref if issuer else None,
    )
    if badge is None and issuer is None:
        credential = Credential(
            id=url,
            issuer=credential.issuer,
            achievement=credential.achievement,
            recipient=credential.recipient,
            document=fetched,
        )
    return FormatResult(fmt, run.checks, credential)
