"""Hosted assertions: re-fetched from their own address, compared, origin-checked."""

from __future__ import annotations

from typing import Any

from skills.verify._context import FormatResult, VerifyContext
from skills.verify._model import (
    CheckName,
    failed,
    not_run,
    passed,
    warning,
)
from skills.verify.ob2._checks import (
    context_problem,
    host_of,
    is_web_url,
    node_id,
    origin_policy,
)
from skills.verify.ob2._fetch import (
    Got,
    get_document,
)
from skills.verify.ob2._legacy import legacy_version, upgrade_assertion
from skills.verify.ob2._run import (
    Resolved,
    Run,
    assertion_checks,
    canonical_doc,
    cap,
    document_checks,
    finish,
)

# ── hosted ──────────────────────────────────────────────────────────────────


def _essentials(doc: dict[str, Any]) -> tuple[Any, ...]:
    recipient = doc.get("recipient")
    identity: Any = recipient
    if isinstance(recipient, dict):
        identity = (str(recipient.get("identity", "")).lower(), recipient.get("salt"))
    return (node_id(doc), identity, node_id(doc.get("badge")))


def verify_hosted(
    submitted_raw: dict[str, Any],
    submitted: dict[str, Any],
    legacy: str | None,
    ctx: VerifyContext,
    *,
    fetched_from: Got | None,
) -> FormatResult:
    fmt = "ob2-hosted" if legacy is None else f"ob{legacy.replace('.', '')[:2]}-hosted"
    run = Run(ctx)
    if context_problem(submitted_raw, legacy=legacy):
        document_checks(run, submitted_raw, legacy, "badge")
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
        else canonical_doc(run, fetched_raw, "hosted badge")
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
    ok, badge, issuer = assertion_checks(run, fetched, fetched_raw, fetched_legacy, "hosted badge")
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
        run.add(failed(CheckName.REVOCATION, f"{cap(run.issuer_label)} revoked this badge.{why}"))
    else:
        run.add(
            passed(
                CheckName.REVOCATION, f"The copy {run.issuer_label} hosts is not marked revoked."
            )
        )
    credential = finish(run, fetched, badge, issuer)
    del ok  # structure failures already decide the verdict; the credential is the hosted copy
    return FormatResult(fmt, run.checks, credential)


def _origin_check(run: Run, assertion_url: str, issuer: Resolved | None) -> None:
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
                f"{cap(who)}'s id{f' ({issuer_id})' if issuer_id else ''} is not a web "
                f"address; the badge is on {host}, where its profile is served.",
            )
        )
        return
    run.add(
        failed(
            CheckName.ORIGIN,
            f"{cap(who)} has no web domain the badge's address ({host}) could be checked against.",
        )
    )
