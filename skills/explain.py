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
                message=tidy(message),
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
            summary = tidy(summary)
            return summary if summary.endswith(".") else summary + "."
        word = STATUS_WORDS.get(status, status)
        # The reason behind the verdict: the check that implies it, else the first failure
        # (the first check that could not run, for "unverifiable").
        owner = _STATUS_CHECK.get(status)
        if owner is not None and outcomes.get(owner) == Outcome.FAILED:
            return tidy(f"{word}: {messages[owner]}")
        order = (Outcome.NOT_RUN, Outcome.FAILED)
        if status != Status.UNVERIFIABLE:
            order = (Outcome.FAILED, Outcome.NOT_RUN)
        for wanted in order:
            for _name, outcome, message in triples:
                if outcome == wanted:
                    return tidy(f"{word}: {message}")
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


# Issue 14: the result card of a submission, in words.

#: What a status (or "rejected": not stored at all) is called on a result card.
CARD_WORDS: Mapping[str, str] = {**STATUS_WORDS, "rejected": "Not accepted"}

#: What the submitter can do about a badge that did not end verified, by status.
ADVICE: Mapping[str, str] = {
    Status.RECIPIENT_MISMATCH: (
        "Issued to a different e-mail: add that address to your profile (Profile → Your "
        "addresses), or ask the issuer."
    ),
    Status.UNVERIFIABLE: (
        "Some checks could not be completed: try again later; if it keeps happening, ask "
        "the issuer for a fresh copy of the badge."
    ),
    Status.REVOKED: (
        "The issuer has withdrawn this badge, so it does not count: ask the issuer if you "
        "think that is a mistake."
    ),
    Status.EXPIRED: (
        "This badge is past its expiry date, so it no longer counts: ask the issuer to "
        "renew it, then submit the new one."
    ),
    Status.INVALID: (
        "This copy is not the issuer's signed badge (it was changed or its signature does "
        "not hold): download a fresh copy from the issuer and submit that file unchanged."
    ),
    Status.NOT_YET_VALID: (
        "This badge only becomes valid on its start date: submit it again from then."
    ),
    "rejected": (
        "This is not an Open Badge we can read: see “Where to get your badge file” on this "
        "page for the file to submit."
    ),
}
#: Advice for an unverifiable badge whose checks could not reach the issuer's site.
UNREACHABLE_ADVICE = "The issuer's site could not be reached: try again later."
#: Advice when the badge is fine but its issuer awaits HR's review.
UNREVIEWED_ADVICE = (
    "HR has not reviewed this issuer yet: its skills count once HR trusts it. Nothing to "
    "do on your side."
)
_UNREACHABLE = re.compile(
    r"could not be fetched|took too long|could not be reached|\(HTTP 5\d\d\)", re.IGNORECASE
)

#: Why a badge's skills were not counted (codes from :mod:`skills.services.submit`).
NOT_COUNTED: Mapping[str, str] = {
    "rejected": "it was not stored",
    # a copy of a badge on record for somebody else: saying so would reveal that somebody
    # here holds it, so the words say only what happened to this submission
    "elsewhere": "this submission was not added to the profile",
    "status": "it is not verified",
    "self_issued": "it is self-issued (its issuer is its own recipient)",
    "issuer_unreviewed": "its issuer is not yet reviewed by HR",
    "issuer_untrusted": "HR does not trust its issuer",
    "no_skills": "it names no skill we could match to ESCO",
    "low_confidence": (
        "its skills could not be matched with enough confidence (HR will review them)"
    ),
    "withdrawn": "it is no longer stored",
}


def tidy(message: str) -> str:
    """A verifier's sentence without the repetitions nested errors produce.

    "Issued to someone else: Issued to someone else: the badge's ..." keeps one lead, and
    "The badge at URL could not be fetched: URL could not be fetched (why)." says it once:
    "The badge at URL could not be fetched (why)."
    """
    text = " ".join(str(message).split())
    while True:
        lead, sep, rest = text.partition(": ")
        if sep and lead and rest.lower().startswith(lead.lower() + ":"):
            text = rest  # "X: X: ..." -> "X: ..."
            continue
        break
    return re.sub(r"could not be fetched:? \S+ could not be fetched", "could not be fetched", text)


def advice(
    status: str,
    checks: Report | Sequence[Any] | str | None = None,
    *,
    not_counted: str | None = None,
    for_viewer: bool = True,
) -> str | None:
    """What to do about a submission, or None when there is nothing to do.

    ``status`` is the stored status or ``"rejected"``; an ``unverifiable`` badge whose
    checks could not reach a site gets :data:`UNREACHABLE_ADVICE`; a verified badge of
    an issuer HR has not reviewed (``not_counted="issuer_unreviewed"``) says so.
    """
    if status == Status.VERIFIED:
        return UNREVIEWED_ADVICE if not_counted == "issuer_unreviewed" else None
    if status == Status.UNVERIFIABLE:
        stuck = [m for _n, o, m in _checks_of(checks) if o in (Outcome.NOT_RUN, Outcome.FAILED)]
        if any(_UNREACHABLE.search(m) for m in stuck):
            return UNREACHABLE_ADVICE
    text = ADVICE.get(status)
    if text and not for_viewer and status == Status.RECIPIENT_MISMATCH:
        text = text.replace("your profile", "their profile")
    return text


def skill_list(skills: Sequence[tuple[str, str]]) -> str:
    """(label, origin) pairs as "TypeScript, JavaScript (ESCO)"; an organisation's own
    skill says so. Plain text: :func:`plain` it for Markdown."""
    if all(origin == "esco" for _l, origin in skills):
        return ", ".join(label for label, _o in skills) + " (ESCO)"
    return ", ".join(
        label + (" (ESCO)" if origin == "esco" else " (your organisation's skill)")
        for label, origin in skills
    )


def added_sentence(
    added: Sequence[tuple[str, str]],
    already: Sequence[tuple[str, str]],
    *,
    not_counted: str | None = None,
    whose: str = "your",
) -> str:
    """What a submission did to a profile, in one sentence (plain text).

    "Added to your profile: TypeScript, JavaScript (ESCO).", "No new skills: you already
    hold SQL (ESCO).", or "No skills counted because <reason>." (``not_counted``, a key of
    :data:`NOT_COUNTED`). ``whose`` is "your" or "<name>'s".
    """
    if not_counted == "elsewhere":  # true, and says nothing about anybody else's profile
        return f"This submission was not added to {whose} profile."
    if added:
        sentence = f"Added to {whose} profile: {skill_list(added)}."
        if already:
            sentence += f" Already held: {skill_list(already)}."
        return sentence
    if already:
        holder = "you already hold" if whose == "your" else "already held"
        return f"No new skills: {holder} {skill_list(already)}."
    reason = NOT_COUNTED.get(not_counted or "", "")
    return f"No skills counted because {reason}." if reason else "No skills counted."


def resubmitted_sentence(old_status: str | None, status: str, *, whose: str = "your") -> str:
    """A badge submitted again for the same person, in words (never status codes)."""
    if old_status is not None and old_status != status:
        was, now = (CARD_WORDS.get(s, s.replace("_", " ")) for s in (old_status, status))
        return f"Already on {whose} profile; its status changed from {was} to {now}."
    return f"Already on {whose} profile; nothing changed."


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
    "ADVICE",
    "CARD_WORDS",
    "CHECK_TITLES",
    "GENERIC_ERROR",
    "MARKS",
    "NOT_COUNTED",
    "STATUS_WORDS",
    "UNREACHABLE_ADVICE",
    "UNREVIEWED_ADVICE",
    "PlainCheck",
    "added_sentence",
    "advice",
    "chart_text",
    "error_sentence",
    "explain_checks",
    "headline",
    "plain",
    "report_headline",
    "resubmitted_sentence",
    "skill_list",
    "tidy",
]
