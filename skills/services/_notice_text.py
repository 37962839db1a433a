"""The Overview's sentences for notices (:mod:`skills.services.notices`), pure.

Each builder takes the page's escaper for untrusted text (badge names, person names:
``skills.explain.plain``) and its Profile link, so no untrusted text
reaches Markdown unescaped and the link convention stays the page's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from skills.explain import STATUS_WORDS

if TYPE_CHECKING:
    from skills.services.notices import Digest, OrgTotals

EXPIRING_DAYS = 90
RECENT_DAYS = 30
#: Status changes shown as errors (the badge stopped counting), as good news, else warnings.
BAD = frozenset({"revoked", "invalid", "expired", "recipient_mismatch"})
GOOD = frozenset({"verified"})

Escape = Callable[[object], str]
Link = Callable[[str, object], str]


@dataclass(frozen=True)
class Line:
    """One sentence for the Overview, Markdown with every untrusted part escaped.

    ``tone``: ``error`` (a badge stopped counting), ``warning``, ``success`` (counts
    again) or ``info``; ``notice_id`` when its person may dismiss it."""

    text: str
    tone: str
    notice_id: int | None = None


#: What a status change means for its person, by the new status.
_CHANGE_TAILS = {
    "revoked": "was revoked by its issuer; its skills no longer count.",
    "expired": "has expired; its skills no longer count. Ask its issuer how to renew it.",
    "unverifiable": "could not be checked again (its issuer's site or status list did not "
    "answer); its skills do not count until it verifies again.",
    "invalid": "no longer passes verification; its skills no longer count.",
    "recipient_mismatch": "is no longer issued to any of your addresses; its skills no "
    "longer count.",
    "not_yet_valid": "is not valid yet; its skills count from its start date.",
    "verified": "verifies again; its skills count again.",
}


def status_word(status: object) -> str:
    """A stored status in words (``skills.explain.STATUS_WORDS``, lower case: "issued to
    someone else"), never its code; an unknown one with its underscores as spaces."""
    text = status if isinstance(status, str) else ""
    return STATUS_WORDS.get(text, text.replace("_", " ")).lower()


def change_sentence(badge: object, old: object, new: object, *, escape: Escape) -> str:
    """The sentence a person reads about a status change re-verification found, built
    when shown from the stored old and new status (Markdown; ``badge``, the badge's own
    name, is untrusted and goes through ``escape``)."""
    name = (
        f"Your badge “{escape(badge)}”"
        if isinstance(badge, str) and badge.strip()
        else "One of your badges"
    )
    tail = _CHANGE_TAILS.get(str(new))
    if tail is None:
        tail = f"changed from {status_word(old)} to {status_word(new)}."
    return f"{name} {tail}"


def _day(value: Any) -> str:
    """A date as YYYY-MM-DD in UTC (as the Overview's tables show it), whatever zone the
    database handed the timestamp back in."""
    if value is None or pd.isna(value):
        return "an unknown date"
    return str(pd.to_datetime(value, utc=True).strftime("%Y-%m-%d"))


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _badge(row: Any, escape: Escape) -> str:
    name = row["badge"] if isinstance(row["badge"], str) and row["badge"].strip() else "a badge"
    return escape(name)


def _expiring_list(rows: pd.DataFrame, escape: Escape, link: Link, *, limit: int = 5) -> str:
    parts = [
        f"[{_badge(r, escape)}]({link(str(r['person_id']), r['credential_key'])}) on "
        f"{_day(r['expires'])}"
        for _, r in rows.head(limit).iterrows()
    ]
    more = len(rows) - limit
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def _checked(row: Any) -> str:
    value = row["verified_at"]
    return "" if pd.isna(value) else f" (last checked {_day(value)})"


def member_lines(
    rows: pd.DataFrame, *, within_days: int = EXPIRING_DAYS, escape: Escape, link: Link
) -> list[Line]:
    """The Overview's boxes for :func:`my_notices`: one warning listing the badges about
    to expire ("2 badges expire within 90 days: X on 2027-01-10, Y on ..."), then one
    line per status change (:func:`change_sentence`) with a link to the badge."""
    lines: list[Line] = []
    soon = rows[rows["kind"] == "expiring"]
    if not soon.empty:
        verb = "expires" if len(soon) == 1 else "expire"
        lines.append(
            Line(
                f"{_count(len(soon), 'badge', 'badges')} {verb} within {within_days} days: "
                f"{_expiring_list(soon, escape, link)}. Ask the issuer how to renew "
                "before the skills stop counting.",
                "warning",
            )
        )
    for _, r in rows[rows["kind"] != "expiring"].iterrows():
        status = str(r["status"])
        tone = "error" if status in BAD else "success" if status in GOOD else "warning"
        target = link(str(r["person_id"]), r["credential_key"])
        lines.append(
            Line(
                f"{change_sentence(r['badge'], r['old_status'], status, escape=escape)} "
                f"[Open the badge]({target}){_checked(r)}.",
                tone,
                int(r["notice_id"]),
            )
        )
    return lines


def digest_lines(digest: Digest, *, escape: Escape, link: Link) -> tuple[str, list[str]]:
    """A headline for a manager ("3 people in your teams: 2 badges expire within 90
    days, 1 found revoked") and one line per person with links to their badges."""
    people = digest.people
    if people.empty:
        return "Nobody in your teams has a badge about to expire or a changed status.", []
    revoked = int(people["revoked"].sum())
    parts = [
        f"{_count(digest.expiring, 'badge expires', 'badges expire')} within "
        f"{digest.within_days} days"
    ]
    if digest.changes:
        parts.append(
            f"{_count(digest.changes, 'badge', 'badges')} changed status in the last "
            f"{RECENT_DAYS} days" + (f" ({revoked} revoked)" if revoked else "")
        )
    head = f"{_count(len(people), 'person', 'people')} in your teams: " + "; ".join(parts) + "."
    lines = []
    for _, p in people.iterrows():
        mine = digest.rows[digest.rows["person_id"] == p["person_id"]]
        items = []
        soon = mine[mine["kind"] == "expiring"]
        if not soon.empty:
            items.append("expiring: " + _expiring_list(soon, escape, link))
        for _, r in mine[mine["kind"] != "expiring"].iterrows():
            target = link(str(r["person_id"]), r["credential_key"])
            items.append(
                f"[{_badge(r, escape)}]({target}) {escape(status_word(r['status']))} "
                f"(found {_day(r['created_at'])})"
            )
        who = f"[{escape(p['person'])}]({link(str(p['person_id']), None)})"
        lines.append(f"{who}: " + "; ".join(items))
    return head, lines


def totals_line(totals: OrgTotals) -> str:
    """HR's headline: "Across the organisation: 4 badges expire within 30 days, 9 within
    60, 14 within 90; 2 found revoked in the last 30 days." (numbers only)."""
    return (
        f"Across the organisation: {_count(totals.expiring_30, 'badge expires', 'badges expire')}"
        f" within 30 days, {totals.expiring_60} within 60, {totals.expiring} within "
        f"{totals.within_days}; {totals.revoked_30} found revoked in the last {RECENT_DAYS} days."
    )


def toast_text(count: int) -> str | None:
    """The sign-in toast ("You have 2 notices."), None when there is nothing to say."""
    if count <= 0:
        return None
    return f"You have {_count(count, 'notice', 'notices')}: see the top of the Overview."
