"""What hosted and signed verification share: the run that gathers checks, resolving the
badge class and issuer, the document checks, and finishing with validity and recipient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skills.verify._common import check_recipient, check_validity, parse_datetime
from skills.verify._context import VerifyContext
from skills.verify._model import (
    Check,
    CheckName,
    Credential,
    failed,
    not_run,
    passed,
    warning,
)
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
    read_credential,
    read_recipient,
    type_problem,
    undefined_terms,
)
from skills.verify.ob2._fetch import (
    Got,
    get_document,
)
from skills.verify.ob2._legacy import upgrade_fetched


@dataclass
class Run:
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


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence_list(items: list[str]) -> str:
    return "; ".join(items)


def canonical_doc(run: Run, doc: dict[str, Any], what: str) -> dict[str, Any]:
    """``doc`` with the OB v2 context's aliases read under their canonical names
    (``verify`` -> ``verification``); a failed STRUCTURE check when it is ambiguous."""
    canonical, problems = canonical_names(doc)
    if problems:
        run.add(
            failed(
                CheckName.STRUCTURE,
                f"The {what} is ambiguous: " + sentence_list(problems) + ".",
            )
        )
    return canonical


# ── shared pieces ───────────────────────────────────────────────────────────


def document_checks(run: Run, doc: dict[str, Any], legacy: str | None, what: str) -> bool:
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
class Resolved:
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


def resolve(
    run: Run,
    value: Any,
    kind: str,
    what: str,
    *,
    embedded_ok: bool = True,
    legacy: str | None = None,
) -> Resolved | None:
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
            return Resolved(node_id(value), doc)
        if legacy == "0.5":
            return Resolved(None, {k: v for k, v in doc.items() if k not in _TRUST_ANCHORS})
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
    canonical = canonical_doc(run, got.doc, what)
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
    return Resolved(ref, doc, got)


def assertion_checks(
    run: Run, assertion: dict[str, Any], raw: dict[str, Any], legacy: str | None, what: str
) -> tuple[bool, Resolved | None, Resolved | None]:
    """Document, type and completeness checks of an assertion, then its BadgeClass, Issuer
    and extensions. Returns (the assertion's own checks passed, badge class, issuer)."""
    ok = document_checks(run, raw, legacy, what)
    if legacy is None:
        problem = type_problem(assertion, what="badge", expected={"Assertion"})
        if problem:
            run.add(failed(CheckName.STRUCTURE, problem))
            ok = False
    problems = assertion_problems(assertion)
    if problems:
        run.add(
            failed(CheckName.STRUCTURE, "The badge is incomplete: " + sentence_list(problems) + ".")
        )
        ok = False
    badge, issuer = badge_and_issuer(run, assertion, legacy)
    extension_check(run, assertion, badge.doc if badge else None)
    return ok, badge, issuer


def badge_class_checks(run: Run, doc: dict[str, Any]) -> None:
    """STRUCTURE checks of a BadgeClass: a failure for missing parts, a warning per doubt."""
    errors, warns = badge_class_problems(doc)
    if errors:
        run.add(
            failed(
                CheckName.STRUCTURE,
                "The badge class is incomplete: " + sentence_list(errors) + ".",
            )
        )
    for text in warns:
        run.add(warning(CheckName.STRUCTURE, text))


def badge_and_issuer(
    run: Run, assertion: dict[str, Any], legacy: str | None
) -> tuple[Resolved | None, Resolved | None]:
    """Resolve and check the BadgeClass and its Issuer; adds STRUCTURE/ISSUER checks."""
    badge = resolve(run, assertion.get("badge"), "badge", "badge class")
    if badge is None or badge.doc is None:
        return badge, None
    if legacy is None:
        problem = type_problem(badge.doc, what="badge class", expected={"BadgeClass"})
        if problem:
            run.add(failed(CheckName.STRUCTURE, problem))
            return badge, None
    badge_class_checks(run, badge.doc)
    issuer = resolve(run, badge.doc.get("issuer"), "issuer", "issuer profile", legacy=legacy)
    if issuer is None or issuer.doc is None:
        return badge, issuer
    return badge, check_issuer(run, issuer, legacy)


def check_issuer(run: Run, issuer: Resolved, legacy: str | None) -> Resolved | None:
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
                "The issuer profile is incomplete: " + sentence_list(errors) + ".",
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


def extension_check(run: Run, *docs: dict[str, Any] | None) -> bool:
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
                "An extension does not follow its schema: " + sentence_list(problems) + ".",
            )
        )
        return False
    if count:
        run.add(passed(CheckName.SCHEMA, f"{count} extension(s) follow their published schemas."))
    return True


def finish(
    run: Run,
    assertion: dict[str, Any],
    badge: Resolved | None,
    issuer: Resolved | None,
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
