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

from dataclasses import dataclass, field
from typing import Any

from skills.errors import MalformedInput
from skills.jsondata import as_list, types_of
from skills.verify._common import check_recipient, check_validity, parse_datetime
from skills.verify._context import FormatResult, Submission, VerifyContext
from skills.verify._keys.jose import CompactJWS, PublicKey, decode_compact, verify_signature
from skills.verify._model import (
    Check,
    CheckName,
    Credential,
    failed,
    not_run,
    passed,
    warning,
)
from skills.verify._share_links import known_platform, match_share_link
from skills.verify._sources import is_compact_token
from skills.verify.ob2._checks import (
    assertion_problems,
    badge_class_problems,
    canonical_names,
    context_problem,
    extension_problems,
    host_of,
    is_web_url,
    issuer_problems,
    node_id,
    origin_policy,
    read_credential,
    read_recipient,
    type_problem,
    undefined_terms,
)
from skills.verify.ob2._fetch import (
    REVOCATION_TTL_SECONDS,
    Got,
    cached_key,
    get_document,
)
from skills.verify.ob2._legacy import legacy_version, upgrade_assertion, upgrade_fetched

__all__ = ["verify_ob2"]


@dataclass
class _Run:
    """Checks gathered while verifying one badge, and what was learnt on the way."""

    ctx: VerifyContext
    checks: list[Check] = field(default_factory=list)
    issuer_name: str | None = None

    def add(self, check: Check) -> None:
        self.checks.append(check)

    @property
    def issuer_label(self) -> str:
        return self.issuer_name or "the issuer"

    @property
    def issuer_possessive(self) -> str:
        return f"{self.issuer_name}'s" if self.issuer_name else "the issuer's"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence_list(items: list[str]) -> str:
    return "; ".join(items)


def _canonical(run: _Run, doc: dict[str, Any], what: str) -> dict[str, Any]:
    """``doc`` with the OB v2 context's aliases read under their canonical names
    (``verify`` -> ``verification``); a failed STRUCTURE check when it is ambiguous."""
    canonical, problems = canonical_names(doc)
    if problems:
        run.add(
            failed(
                CheckName.STRUCTURE,
                f"The {what} is ambiguous: " + _sentence_list(problems) + ".",
            )
        )
    return canonical


# ── entry point ─────────────────────────────────────────────────────────────


def verify_ob2(sub: Submission, ctx: VerifyContext) -> FormatResult:
    """Verify an OB 2.0 (or 0.5/1.x) submission; see the module docstring.

    Never raises for a bad badge: every problem is a failed or not-run check. May raise
    :class:`skills.errors.MalformedInput` for a token that cannot be decoded at all (the
    dispatcher reports it as a failed structure check).
    """
    if sub.kind == "compact":
        return _verify_signed(str(sub.payload), ctx)
    if sub.kind == "url":
        return _verify_url(str(sub.payload), ctx)
    if not isinstance(sub.payload, dict):
        run = _Run(ctx)
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
        run = _Run(ctx)
        run.add(not_run(CheckName.HOSTED, f"The badge at {url} could not be fetched: {got.error}"))
        return FormatResult("ob2-hosted", run.checks, None)
    if got.status == 410:
        run = _Run(ctx)
        run.add(
            failed(CheckName.REVOCATION, f"The issuer withdrew the badge at {url} (HTTP 410 Gone).")
        )
        return FormatResult("ob2-hosted", run.checks, None)
    if got.doc is None:
        if got.text and is_compact_token(got.text) and got.status and got.status < 300:
            return _verify_signed(got.text.strip(), ctx)
        run = _Run(ctx)
        run.add(failed(CheckName.HOSTED, _not_a_badge(url, got, page)))
        return FormatResult("ob2-hosted", run.checks, None)
    return _verify_json(got.doc, ctx, fetched_from=got)


def _verify_json(
    doc: dict[str, Any], ctx: VerifyContext, *, fetched_from: Got | None
) -> FormatResult:
    legacy = legacy_version(doc)
    types = types_of(doc)
    if legacy is None and "Assertion" not in types and not _looks_like_assertion(doc):
        return _verify_node(doc, ctx, fetched_from=fetched_from)
    assertion = upgrade_assertion(doc, legacy) if legacy else canonical_names(doc)[0]
    verification = assertion.get("verification")
    vtype = str(verification.get("type", "")).lower() if isinstance(verification, dict) else ""
    if vtype in {"signedbadge", "signed"}:
        run = _Run(ctx)
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
    return _verify_hosted(doc, assertion, legacy, ctx, fetched_from=fetched_from)


def _looks_like_assertion(doc: dict[str, Any]) -> bool:
    """An untyped document with the shape of an assertion (type checks then reject it)."""
    return not types_of(doc) and "recipient" in doc and "badge" in doc


# ── shared pieces ───────────────────────────────────────────────────────────


def _document_checks(run: _Run, doc: dict[str, Any], legacy: str | None, what: str) -> bool:
    """Context allow-list and undefined-term (safe mode) checks; False when one failed."""
    problem = context_problem(doc, legacy=legacy)
    if problem:
        run.add(failed(CheckName.CONTEXT, problem))
        return False
    label = "the Open Badges 2.0 context" if legacy is None else f"Open Badges {legacy}"
    run.add(passed(CheckName.CONTEXT, f"The {what} uses {label}."))
    if legacy is not None:
        return True
    dropped = undefined_terms(doc)
    if dropped:
        shown = ", ".join(dropped[:5])
        run.add(
            failed(
                CheckName.SAFE_MODE,
                f"The {what} holds properties no JSON-LD context defines ({shown}); they could "
                "carry claims nobody vouches for.",
            )
        )
        return False
    run.add(passed(CheckName.SAFE_MODE, f"Every property of the {what} is defined by its context."))
    return True


@dataclass
class _Resolved:
    """A badge class or issuer: the document (if any), its reference, and where it came from."""

    ref: str | None
    doc: dict[str, Any] | None
    got: Got | None = None


_TRUST_ANCHORS = ("verification", "publicKey", "revocationList")


def _bare_address(url: str) -> str:
    """``url`` without its http/https scheme and trailing slashes, with its host lowercased."""
    text = url.strip()
    for scheme in ("https://", "http://"):
        if text.lower().startswith(scheme):
            text = text[len(scheme) :]
            break
    host, sep, rest = text.partition("/")
    path = rest.rstrip("/")
    path = path.removesuffix(".json") if path.lower().endswith(".json") else path
    return host.lower() + sep + path


def same_address(a: str, b: str) -> bool:
    """True when two addresses differ at most trivially: a trailing slash, http vs https,
    the case of the host, or a ``.json`` ending of the path (the 1EdTech OB 2.0 conformance
    corpus serves ``issuer.json`` declaring ``issuer``)."""
    return _bare_address(a) == _bare_address(b)


def _claims_elsewhere(declared: str, ref: str) -> bool:
    """True when a profile served at ``ref`` declares a web id on another host: a claim to be
    someone else. (A non-web id or another path of the same host only gets a warning: the
    profile is identified by ``ref`` either way, and the 1EdTech corpus relies on both.)"""
    return is_web_url(declared) and host_of(declared) != host_of(ref)


def _resolve(
    run: _Run,
    value: Any,
    kind: str,
    what: str,
    *,
    embedded_ok: bool = True,
    legacy: str | None = None,
) -> _Resolved | None:
    """Fetch (with the per-client cache) or take the embedded node; adds checks on failure.

    An issuer profile's identity is the address it is served from: an embedded issuer
    (OB 2.0, 1.x) is fetched from its id, and one whose id is not a web address fails the
    ISSUER check; a fetched profile that declares another id (beyond a trailing slash or
    http vs https) fails it too. The resolved issuer document always carries the address it
    was fetched from as its id. A 0.5 issuer organisation (always embedded, never published)
    is kept without any verification policy, keys or revocation list, so its only trust
    anchor is its ``origin`` host, which the ORIGIN check compares with the badge's address.

    Returns None when the document could not be obtained (a failed or not-run check was
    added); a wrong type or missing property is reported by the caller.
    """
    if isinstance(value, dict) and embedded_ok:
        doc = upgrade_fetched(value, kind) if "@context" not in value else value
        if kind != "issuer":
            return _Resolved(node_id(value), doc)
        if legacy == "0.5":
            return _Resolved(None, {k: v for k, v in doc.items() if k not in _TRUST_ANCHORS})
        embedded_id = node_id(doc)
        if not is_web_url(embedded_id):
            run.add(
                failed(
                    CheckName.ISSUER,
                    "The badge embeds its issuer profile, and an embedded issuer profile whose "
                    "id is not a web address cannot be verified.",
                )
            )
            return None
        value = embedded_id
    ref = node_id(value)
    if ref is None:
        run.add(failed(CheckName.STRUCTURE, f"The badge names no {what}."))
        return None
    if not is_web_url(ref):
        run.add(
            failed(CheckName.ISSUER, f"The {what} {ref} is not a web address and is not embedded.")
        )
        return None
    got = get_document(ref, run.ctx.client)
    if not got.reached:
        run.add(not_run(CheckName.ISSUER, f"The {what} at {ref} could not be fetched: {got.error}"))
        return None
    if got.doc is None:
        status = f"HTTP {got.status}" if got.status and got.status >= 300 else "not a JSON object"
        run.add(failed(CheckName.ISSUER, f"The {what} at {ref} could not be read ({status})."))
        return None
    canonical = _canonical(run, got.doc, what)
    doc = upgrade_fetched(canonical, kind)
    declared = node_id(canonical)
    if kind == "issuer":
        if (
            declared is not None
            and not same_address(declared, ref)
            and _claims_elsewhere(declared, ref)
        ):
            run.add(
                failed(
                    CheckName.ISSUER,
                    f"The issuer profile fetched from {ref} declares itself as {declared}: a "
                    "profile speaks only for the address it is served from.",
                )
            )
            return None
        if declared is not None and not same_address(declared, ref):
            run.add(
                warning(
                    CheckName.ISSUER,
                    f"The issuer profile fetched from {ref} declares its id as {declared}; it "
                    f"is identified by the address it is served from, {ref}.",
                )
            )
        doc = {**doc, "id": ref}
    elif declared is not None and declared != ref:
        run.add(
            warning(
                CheckName.ISSUER,
                f"The {what} fetched from {ref} declares its id as {declared}.",
            )
        )
    return _Resolved(ref, doc, got)


def _assertion_checks(
    run: _Run, assertion: dict[str, Any], raw: dict[str, Any], legacy: str | None, what: str
) -> tuple[bool, _Resolved | None, _Resolved | None]:
    """Document, type and completeness checks of an assertion, then its BadgeClass, Issuer
    and extensions. Returns (the assertion's own checks passed, badge class, issuer)."""
    ok = _document_checks(run, raw, legacy, what)
    if legacy is None:
        problem = type_problem(assertion, what="badge", expected={"Assertion"})
        if problem:
            run.add(failed(CheckName.STRUCTURE, problem))
            ok = False
    problems = assertion_problems(assertion)
    if problems:
        run.add(
            failed(
                CheckName.STRUCTURE, "The badge is incomplete: " + _sentence_list(problems) + "."
            )
        )
        ok = False
    badge, issuer = _badge_and_issuer(run, assertion, legacy)
    _extension_check(run, assertion, badge.doc if badge else None)
    return ok, badge, issuer


def _badge_class_checks(run: _Run, doc: dict[str, Any]) -> None:
    """STRUCTURE checks of a BadgeClass: a failure for missing parts, a warning per doubt."""
    errors, warns = badge_class_problems(doc)
    if errors:
        run.add(
            failed(
                CheckName.STRUCTURE,
                "The badge class is incomplete: " + _sentence_list(errors) + ".",
            )
        )
    for text in warns:
        run.add(warning(CheckName.STRUCTURE, text))


def _badge_and_issuer(
    run: _Run, assertion: dict[str, Any], legacy: str | None
) -> tuple[_Resolved | None, _Resolved | None]:
    """Resolve and check the BadgeClass and its Issuer; adds STRUCTURE/ISSUER checks."""
    badge = _resolve(run, assertion.get("badge"), "badge", "badge class")
    if badge is None or badge.doc is None:
        return badge, None
    if legacy is None:
        problem = type_problem(badge.doc, what="badge class", expected={"BadgeClass"})
        if problem:
            run.add(failed(CheckName.STRUCTURE, problem))
            return badge, None
    _badge_class_checks(run, badge.doc)
    issuer = _resolve(run, badge.doc.get("issuer"), "issuer", "issuer profile", legacy=legacy)
    if issuer is None or issuer.doc is None:
        return badge, issuer
    return badge, _check_issuer(run, issuer, legacy)


def _check_issuer(run: _Run, issuer: _Resolved, legacy: str | None) -> _Resolved | None:
    assert issuer.doc is not None
    if legacy is None:
        problem = type_problem(issuer.doc, what="issuer profile", expected={"Issuer", "Profile"})
        if problem:
            run.add(failed(CheckName.ISSUER, problem))
            return None
    errors, warns = issuer_problems(issuer.doc)
    name = issuer.doc.get("name")
    run.issuer_name = name if isinstance(name, str) and name else None
    if errors:
        run.add(
            failed(
                CheckName.ISSUER,
                "The issuer profile is incomplete: " + _sentence_list(errors) + ".",
            )
        )
        return None
    for text in warns:
        run.add(warning(CheckName.ISSUER, text))
    where = f" ({issuer.ref})" if issuer.ref else ""
    run.add(
        passed(
            CheckName.ISSUER, f"Issued by {run.issuer_label}{where}, whose profile is well formed."
        )
    )
    return issuer


def _extension_check(run: _Run, *docs: dict[str, Any] | None) -> bool:
    problems: list[str] = []
    count = 0
    for doc in docs:
        if doc:
            found, n = extension_problems(doc)
            problems += found
            count += n
    if problems:
        run.add(
            failed(
                CheckName.SCHEMA,
                "An extension does not follow its schema: " + _sentence_list(problems) + ".",
            )
        )
        return False
    if count:
        run.add(passed(CheckName.SCHEMA, f"{count} extension(s) follow their published schemas."))
    return True


def _finish(
    run: _Run,
    assertion: dict[str, Any],
    badge: _Resolved | None,
    issuer: _Resolved | None,
) -> Credential:
    """Validity and recipient checks; the credential from the verified documents."""
    issued = parse_datetime(assertion.get("issuedOn"))
    expires_raw = assertion.get("expires")
    expires = parse_datetime(expires_raw)
    if expires_raw is not None and expires is None:
        run.add(failed(CheckName.VALIDITY, "The badge's expiry date cannot be read."))
    else:
        run.add(check_validity(issued, expires, run.ctx.now, run.ctx.clock_skew))
    run.add(check_recipient(read_recipient(assertion), run.ctx.recipient))
    return read_credential(
        assertion,
        badge.doc if badge else None,
        issuer.doc if issuer else None,
        issuer_ref=issuer.ref
        if issuer
        else (_issuer_reference(badge.doc) if badge and badge.doc else None),
    )


def _issuer_reference(badge_doc: dict[str, Any]) -> str | None:
    """The issuer a badge class names by reference; None for an embedded (unproven) profile."""
    value = badge_doc.get("issuer")
    return value if isinstance(value, str) else None


# ── hosted ──────────────────────────────────────────────────────────────────


def _essentials(doc: dict[str, Any]) -> tuple[Any, ...]:
    recipient = doc.get("recipient")
    identity: Any = recipient
    if isinstance(recipient, dict):
        identity = (str(recipient.get("identity", "")).lower(), recipient.get("salt"))
    return (node_id(doc), identity, node_id(doc.get("badge")))


def _verify_hosted(
    submitted_raw: dict[str, Any],
    submitted: dict[str, Any],
    legacy: str | None,
    ctx: VerifyContext,
    *,
    fetched_from: Got | None,
) -> FormatResult:
    fmt = "ob2-hosted" if legacy is None else f"ob{legacy.replace('.', '')[:2]}-hosted"
    run = _Run(ctx)
    if context_problem(submitted_raw, legacy=legacy):
        _document_checks(run, submitted_raw, legacy, "badge")
        return FormatResult(fmt, run.checks, None)
    url = node_id(submitted)
    if not is_web_url(url):
        if fetched_from is not None and legacy == "0.5":
            url = fetched_from.url
        else:
            run.add(
                not_run(
                    CheckName.HOSTED,
                    "The badge names no web address it is hosted at, so it cannot be re-fetched "
                    "from its issuer; submit its URL instead.",
                )
            )
            return FormatResult(fmt, run.checks, None)
    assert url is not None
    if fetched_from is not None and url in {fetched_from.url, fetched_from.final_url}:
        got = fetched_from
    else:
        got = get_document(url, ctx.client, cache=False)
    if not got.reached:
        run.add(
            not_run(
                CheckName.HOSTED, f"The hosted badge at {url} could not be fetched: {got.error}"
            )
        )
        return FormatResult(fmt, run.checks, None)
    if got.status == 410:
        run.add(
            failed(
                CheckName.REVOCATION,
                f"The issuer withdrew this badge: {url} answers HTTP 410 Gone.",
            )
        )
        return FormatResult(fmt, run.checks, None)
    if got.doc is None:
        why = (
            f"HTTP {got.status}"
            if got.status and got.status >= 300
            else "the answer is not a badge"
        )
        run.add(failed(CheckName.HOSTED, f"The issuer does not host this badge at {url} ({why})."))
        return FormatResult(fmt, run.checks, None)
    fetched_raw = got.doc
    fetched_legacy = legacy_version(fetched_raw)
    fetched = (
        upgrade_assertion(fetched_raw, fetched_legacy)
        if fetched_legacy
        else _canonical(run, fetched_raw, "hosted badge")
    )
    if fetched_legacy == "0.5":
        fetched = {**fetched, "id": url}
    if got is not fetched_from:
        mine, theirs = _essentials(submitted), _essentials(fetched)
        labels = ("id", "recipient", "badge class")
        differ = [label for label, a, b in zip(labels, mine, theirs, strict=True) if a != b]
        if differ:
            run.add(
                failed(
                    CheckName.HOSTED,
                    f"The submitted badge differs from the copy its issuer hosts at {url} "
                    f"({', '.join(differ)}); only the hosted copy can be trusted.",
                )
            )
            return FormatResult(fmt, run.checks, None)
    # From here on only the fetched copy is used.
    ok, badge, issuer = _assertion_checks(run, fetched, fetched_raw, fetched_legacy, "hosted badge")
    _origin_check(run, url, issuer)
    run.add(
        passed(
            CheckName.HOSTED,
            f"Re-fetched from {url}: {run.issuer_label} hosts this badge"
            + (" and the submitted copy matches it." if got is not fetched_from else "."),
        )
    )
    if fetched.get("revoked") is True:
        reason = fetched.get("revocationReason")
        why = f" Reason given: {reason}" if isinstance(reason, str) and reason else ""
        run.add(failed(CheckName.REVOCATION, f"{_cap(run.issuer_label)} revoked this badge.{why}"))
    else:
        run.add(
            passed(
                CheckName.REVOCATION, f"The copy {run.issuer_label} hosts is not marked revoked."
            )
        )
    credential = _finish(run, fetched, badge, issuer)
    del ok  # structure failures already decide the verdict; the credential is the hosted copy
    return FormatResult(fmt, run.checks, credential)


def _origin_check(run: _Run, assertion_url: str, issuer: _Resolved | None) -> None:
    if issuer is None or issuer.doc is None:
        run.add(
            not_run(
                CheckName.ORIGIN,
                "The issuer profile was not available, so the badge's address could not be "
                "checked against it.",
            )
        )
        return
    origins, starts = origin_policy(issuer.doc)
    host = host_of(assertion_url)
    who = run.issuer_label
    if starts:
        if any(assertion_url.startswith(prefix) for prefix in starts):
            run.add(
                passed(
                    CheckName.ORIGIN,
                    f"The badge's address is within the addresses {who} allows "
                    f"({', '.join(starts)}).",
                )
            )
        else:
            run.add(
                failed(
                    CheckName.ORIGIN,
                    f"The badge is hosted at {assertion_url}, outside the addresses {who} allows "
                    f"({', '.join(starts)}).",
                )
            )
        return
    if origins:
        if host in origins:
            run.add(
                passed(CheckName.ORIGIN, f"The badge is hosted on {host}, a domain {who} allows.")
            )
        else:
            run.add(
                failed(
                    CheckName.ORIGIN,
                    f"The badge is hosted on {host}, not on a domain {who} allows "
                    f"({', '.join(origins)}).",
                )
            )
        return
    issuer_id = node_id(issuer.doc)
    if is_web_url(issuer_id):
        assert issuer_id is not None
        expected = host_of(issuer_id)
        if host == expected:
            run.add(
                passed(CheckName.ORIGIN, f"The badge is hosted on {host}, the domain of {who}.")
            )
        else:
            run.add(
                failed(
                    CheckName.ORIGIN, f"The badge is hosted on {host}, but {who} is on {expected}."
                )
            )
        return
    if issuer.ref and is_web_url(issuer.ref) and host == host_of(issuer.ref):
        run.add(
            warning(
                CheckName.ORIGIN,
                f"{_cap(who)}'s id{f' ({issuer_id})' if issuer_id else ''} is not a web "
                f"address; the badge is on {host}, where its profile is served.",
            )
        )
        return
    run.add(
        failed(
            CheckName.ORIGIN,
            f"{_cap(who)} has no web domain the badge's address ({host}) could be checked against.",
        )
    )


# ── signed ──────────────────────────────────────────────────────────────────


def _verify_signed(token: str, ctx: VerifyContext) -> FormatResult:
    run = _Run(ctx)
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
    assertion = upgrade_assertion(raw, legacy) if legacy else _canonical(run, raw, "signed badge")
    verification = assertion.get("verification")
    vtype = str(verification.get("type", "")).lower() if isinstance(verification, dict) else ""
    if vtype in {"hostedbadge", "hosted"}:
        # A hosted badge that also carries a signature: its trust anchor is its address.
        return _verify_hosted(raw, assertion, legacy, ctx, fetched_from=None)
    ok, badge, issuer = _assertion_checks(run, assertion, raw, legacy, "signed badge")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    signature_ok = _key_and_signature(
        run, jws, creator if isinstance(creator, str) else None, issuer
    )
    _revocation_list_check(run, assertion, issuer)
    credential = _finish(run, assertion, badge, issuer)
    return FormatResult("ob2-signed", run.checks, credential if (signature_ok and ok) else None)


def _key_ids(issuer_doc: dict[str, Any]) -> list[str]:
    return [k for k in (node_id(v) for v in as_list(issuer_doc.get("publicKey"))) if k]


def _load_key(
    run: _Run, key_url: str, embedded: dict[str, Any] | None
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
    run: _Run, jws: CompactJWS, creator: str | None, issuer: _Resolved | None
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


def _revocation_list_check(run: _Run, assertion: dict[str, Any], issuer: _Resolved | None) -> None:
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
                f"{_cap(who)} publishes no revocation list, so it has revoked no signed badge.",
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
                f"{_cap(who)}'s revocation list ({ref}) could not be read ({reason}), so the "
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
                    CheckName.REVOCATION, f"{_cap(who)} revoked this badge (listed in {ref}).{why}"
                )
            )
            return
    run.add(passed(CheckName.REVOCATION, f"Not on {run.issuer_possessive} revocation list."))


# ── other OB 2.0 documents ──────────────────────────────────────────────────


_NODE_FORMATS = {"BadgeClass": "ob2-badgeclass", "Issuer": "ob2-issuer", "Profile": "ob2-issuer"}


def _verify_node(
    doc: dict[str, Any], ctx: VerifyContext, *, fetched_from: Got | None
) -> FormatResult:
    run = _Run(ctx)
    types = types_of(canonical_names(doc)[0])
    fmt = next((_NODE_FORMATS[t] for t in types if t in _NODE_FORMATS), "ob2-document")
    if context_problem(doc, legacy=None):
        _document_checks(run, doc, None, "document")
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
    fetched = _canonical(run, got.doc, "document")
    if got is not fetched_from and (node_id(fetched), types_of(fetched), fetched.get("name")) != (
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
    _document_checks(run, fetched, None, "document")
    badge: _Resolved | None = None
    issuer: _Resolved | None = None
    ftypes = types_of(fetched)
    if "BadgeClass" in ftypes:
        badge = _Resolved(url, fetched, got)
        _badge_class_checks(run, fetched)
        resolved = _resolve(run, fetched.get("issuer"), "issuer", "issuer profile")
        if resolved is not None and resolved.doc is not None:
            issuer = _check_issuer(run, resolved, None)
        _extension_check(run, fetched)
    elif "Issuer" in ftypes or "Profile" in ftypes:
        issuer = _check_issuer(run, _Resolved(url, fetched, got), None)
        _extension_check(run, fetched)
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
