"""Verification reports in plain words, for people rather than verifiers.

:func:`headline` gives one sentence such as "Signed by Acme Academy's key, not
revoked, issued to you."; :func:`explain_checks` gives one row per check with a
short title, a mark and the check's own sentence. Both work from a
:class:`skills.verify.Report` or from the stored form of its checks (the
``checks`` JSON column: a list of ``{"name", "outcome", "message"}``).

Badge text (issuer names, messages quoting the badge) is untrusted: callers
must show it as plain text. :func:`plain` escapes Markdown for the few places
where text is interpolated into Markdown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from skills.verify.model import CheckName, Outcome, Report, Status

CHECK_TITLES: Mapping[str, str] = {
    CheckName.INPUT: "Readable badge",
    CheckName.CONTEXT: "Known vocabulary",
    CheckName.SAFE_MODE: "Every field is covered by the proof",
    CheckName.SCHEMA: "Matches the Open Badges schema",
    CheckName.STRUCTURE: "Complete badge",
    CheckName.HOSTED: "Published by the issuer",
    CheckName.ORIGIN: "Hosted where the issuer says",
    CheckName.ISSUER: "Issuer profile found",
    CheckName.KEY_BINDING: "Key belongs to the issuer",
    CheckName.SIGNATURE: "Signature",
    CheckName.REVOCATION: "Not revoked",
    CheckName.VALIDITY: "Within its dates",
    CheckName.RECIPIENT: "Issued to this person",
}

MARKS: Mapping[str, str] = {
    Outcome.PASSED: "✓",
    Outcome.FAILED: "✗",
    Outcome.WARNING: "!",
    Outcome.NOT_RUN: "–",
}

STATUS_WORDS: Mapping[str, str] = {
    Status.VERIFIED: "Verified",
    Status.INVALID: "Not valid",
    Status.REVOKED: "Revoked",
    Status.EXPIRED: "Expired",
    Status.NOT_YET_VALID: "Not valid yet",
    Status.RECIPIENT_MISMATCH: "Issued to someone else",
    Status.UNVERIFIABLE: "Could not be verified",
}


@dataclass(frozen=True)
class PlainCheck:
    """One check for display: ``title`` is ours, ``message`` comes from the verifier."""

    name: str
    title: str
    outcome: str
    mark: str
    message: str


def _checks_of(checks: Report | Sequence[Any] | str | None) -> list[tuple[str, str, str]]:
    """(name, outcome, message) triples from a Report, a list of check dicts/objects, or JSON."""
    if checks is None:
        return []
    if isinstance(checks, Report):
        return [(c.name, str(c.outcome), c.message) for c in checks.checks]
    items: Iterable[Any]
    if isinstance(checks, str):
        try:
            items = json.loads(checks)
        except ValueError:
            return []
        if not isinstance(items, list):
            return []
    else:
        items = checks
    out: list[tuple[str, str, str]] = []
    for item in items:
        if isinstance(item, Mapping):
            out.append(
                (
                    str(item.get("name", "")),
                    str(item.get("outcome", "")),
                    str(item.get("message", "")),
                )
            )
        elif hasattr(item, "name") and hasattr(item, "outcome"):
            out.append((str(item.name), str(item.outcome), str(getattr(item, "message", ""))))
    return out


def explain_checks(checks: Report | Sequence[Any] | str | None) -> list[PlainCheck]:
    """One :class:`PlainCheck` per check, in the order the verifier ran them."""
    rows = []
    for name, outcome, message in _checks_of(checks):
        rows.append(
            PlainCheck(
                name=name,
                title=CHECK_TITLES.get(name, name.replace("_", " ").capitalize()),
                outcome=outcome,
                mark=MARKS.get(outcome, "?"),
                message=message,
            )
        )
    return rows


def headline(
    status: str,
    checks: Report | Sequence[Any] | str | None,
    *,
    issuer_name: str | None = None,
    recipient_is_viewer: bool = True,
    summary: str | None = None,
) -> str:
    """One sentence saying what was proven, e.g. "Signed by Acme's key, not revoked, issued to you."

    For a badge that is not verified the sentence is the verdict and its reason
    (``summary`` when given, else built from the first failed or not-run check).
    """
    outcomes = {name: outcome for name, outcome, _ in _checks_of(checks)}
    messages = {name: message for name, _, message in _checks_of(checks)}
    who = (issuer_name or "").strip() or "the issuer"
    if status != Status.VERIFIED:
        if summary:
            return summary if summary.endswith(".") else summary + "."
        word = STATUS_WORDS.get(status, status)
        for _name, outcome, message in _checks_of(checks):
            if outcome == Outcome.FAILED:
                return f"{word}: {message}"
        for _name, outcome, message in _checks_of(checks):
            if outcome == Outcome.NOT_RUN:
                return f"{word}: {message}"
        return f"{word}."
    parts: list[str] = []
    if outcomes.get(CheckName.SIGNATURE) == Outcome.PASSED:
        parts.append(f"Signed by {who}'s key")
    elif outcomes.get(CheckName.HOSTED) == Outcome.PASSED:
        parts.append(f"Published by {who} at its own address")
    else:
        parts.append("Verified")
    if outcomes.get(CheckName.REVOCATION) == Outcome.PASSED:
        parts.append("not revoked")
    if outcomes.get(CheckName.VALIDITY) == Outcome.PASSED:
        match = re.search(r"until (\d{4}-\d{2}-\d{2})", messages.get(CheckName.VALIDITY, ""))
        parts.append(f"valid until {match.group(1)}" if match else "does not expire")
    if outcomes.get(CheckName.RECIPIENT) == Outcome.PASSED:
        parts.append("issued to you" if recipient_is_viewer else "issued to this person")
    return ", ".join(parts) + "."


def report_headline(report: Report, *, recipient_is_viewer: bool = True) -> str:
    """:func:`headline` for a fresh :class:`Report`."""
    issuer = report.credential.issuer.name if report.credential else None
    return headline(
        report.status,
        report,
        issuer_name=issuer,
        recipient_is_viewer=recipient_is_viewer,
        summary=None if report.ok else report.summary,
    )


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """``text`` with every Markdown (and HTML-ish) character escaped, on one line."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


__all__ = [
    "CHECK_TITLES",
    "MARKS",
    "STATUS_WORDS",
    "PlainCheck",
    "explain_checks",
    "headline",
    "plain",
    "report_headline",
]
