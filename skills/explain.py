"""Verification reports in plain words, for people rather than verifiers.

:func:`headline` gives one sentence such as "Signed by Acme Academy's key, not
revoked, issued to you."; :func:`explain_checks` gives one row per check with a
short title, a mark and the check's own sentence. Both work from a
:class:`skills.verify.Report` or from the stored form of its checks (the
``checks`` JSON column: a list of ``{"name", "outcome", "message"}``).

Badge text (issuer names, messages quoting the badge) and everything HR imports
(names of people and teams, role titles) is untrusted: callers must show it as
plain text. :func:`plain` escapes Markdown for the places where text is
interpolated into Markdown (titles, captions, messages, widget labels);
:func:`chart_text` escapes the HTML subset Plotly renders in labels, ticks,
legends and hover text; :func:`error_sentence` is how a :class:`SkillAtlasError`
is shown.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from skills.verify import CheckName, Outcome, Report, Status

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


# The check whose failure a status comes from.
_STATUS_CHECK: Mapping[str, str] = {
    Status.REVOKED: CheckName.REVOCATION,
    Status.EXPIRED: CheckName.VALIDITY,
    Status.NOT_YET_VALID: CheckName.VALIDITY,
    Status.RECIPIENT_MISMATCH: CheckName.RECIPIENT,
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


# Outcomes from worst to best; unknown outcome strings rank with "not run".
_RANK: Mapping[str, int] = {
    Outcome.FAILED: 0,
    Outcome.NOT_RUN: 1,
    Outcome.WARNING: 2,
    Outcome.PASSED: 3,
}


def _one_per_name(triples: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Rows with each check name once, as :func:`skills.verify._model.merge_checks` does.

    Reports stored before reports named each check once may repeat a name: such rows
    become one, where the first stood, with the worst outcome and the sentences behind it
    (a pass's sentence is left out once the check failed or could not run).
    """
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for row in triples:
        groups.setdefault(row[0], []).append(row)
    out: list[tuple[str, str, str]] = []
    for name, rows in groups.items():
        if len(rows) == 1:
            out.append(rows[0])
            continue
        rows = sorted(rows, key=lambda r: _RANK.get(r[1], 1))
        worst = rows[0][1]
        if _RANK.get(worst, 1) < _RANK[Outcome.WARNING]:
            rows = [r for r in rows if r[1] != Outcome.PASSED]
        messages = list(dict.fromkeys(r[2].strip() for r in rows if r[2].strip()))
        text = " ".join(m if m.endswith((".", "!", "?")) else m + "." for m in messages)
        out.append((name, worst, text))
    return out


def explain_checks(checks: Report | Sequence[Any] | str | None) -> list[PlainCheck]:
    """One :class:`PlainCheck` per check name, in the order the verifier ran them."""
    rows = []
    for name, outcome, message in _one_per_name(_checks_of(checks)):
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
    triples = _one_per_name(_checks_of(checks))
    outcomes = {name: outcome for name, outcome, _ in triples}
    messages = {name: message for name, _, message in triples}
    who = (issuer_name or "").strip() or "the issuer"
    if status != Status.VERIFIED:
        if summary:
            return summary if summary.endswith(".") else summary + "."
        word = STATUS_WORDS.get(status, status)
        # The reason behind the verdict: the check that implies it, else the first failure
        # (the first check that could not run, for "unverifiable").
        owner = _STATUS_CHECK.get(status)
        if owner is not None and outcomes.get(owner) == Outcome.FAILED:
            return f"{word}: {messages[owner]}"
        order = (Outcome.NOT_RUN, Outcome.FAILED)
        if status != Status.UNVERIFIABLE:
            order = (Outcome.FAILED, Outcome.NOT_RUN)
        for wanted in order:
            for _name, outcome, message in triples:
                if outcome == wanted:
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


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&@=^])")
# GFM turns bare addresses into links after parsing, whatever was escaped: a word
# joiner (U+2060, invisible) after "www", in "://" and after "@" keeps them text.
_AUTOLINK = re.compile(r"(?i)(www)(?=\.)|(:)(?=//)|(@)")
WORD_JOINER = "\u2060"
GENERIC_ERROR = (
    "Something went wrong while showing this page; it has been logged. "
    "Please try again, or tell your administrator if it keeps happening."
)


def plain(text: object) -> str:
    """``text`` as literal text inside Markdown, on one line.

    Every Markdown and HTML-ish character is backslash-escaped (so no link, image,
    emphasis, heading, HTML tag, entity, LaTeX or ``:colour[...]`` directive can
    form), and bare web or e-mail addresses get an invisible word joiner so they do
    not become links.
    """
    flat = " ".join(str(text).split())
    flat = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, flat)
    return _MD_SPECIAL.sub(r"\\\1", flat)


def chart_text(text: object) -> str:
    """``text`` for a Plotly figure: ``&``, ``<`` and ``>`` as HTML entities, on one line.

    Plotly renders a subset of HTML in titles, axis ticks, legends and hover labels
    (``<a href>``, ``<span style>``, ``<br>``, ``<b>``); escaped, the data shows as
    the characters it holds. ``None`` becomes the empty string.
    """
    if text is None:
        return ""
    return html.escape(" ".join(str(text).split()), quote=False)


def error_sentence(err: BaseException) -> str:
    """How an error is shown to a person, as Markdown-safe text (see :func:`plain`).

    A :class:`skills.errors.SkillAtlasError` is shown as its own sentence (its
    ``str()``); an empty message, or any other exception, as :data:`GENERIC_ERROR`,
    so no exception type, message or trace of an unexpected error reaches a page.
    """
    from skills.errors import SkillAtlasError

    sentence = " ".join(str(err).split()) if isinstance(err, SkillAtlasError) else ""
    return plain(sentence or GENERIC_ERROR)


__all__ = [
    "CHECK_TITLES",
    "GENERIC_ERROR",
    "MARKS",
    "STATUS_WORDS",
    "PlainCheck",
    "chart_text",
    "error_sentence",
    "explain_checks",
    "headline",
    "plain",
    "report_headline",
]
