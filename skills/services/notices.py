"""Notices on sign-in: badges about to lapse, and status changes found by re-verification.

Two sources, one shape (:data:`COLUMNS`):

- ``expiring``: a verified badge whose ``expires`` falls within the next ``within_days``
  (``Settings.notice_days``, default 90), computed live from ``credentials``, never
  stored;
- ``status_change``: a row of ``notices``, written by re-verification when a badge's
  status changed (``skills.ingest.apply_plan``): its old and new status only; the
  sentence is built when shown (``_notice_text``), in words, never status codes.

Who sees what: a member their own (:func:`my_notices`; only undismissed status changes,
which :func:`dismiss` hides, their own only), a manager the people of their teams
(:func:`team_digest`), HR the organisation's totals with the rows behind them
(:func:`org_totals`). Every row carries ``credential_key`` (the link to the badge on the
Profile page) and ``verified_at`` (when the badge was last checked).

Dismissing is not audited: it changes no badge, skill or permission, only what its own
person's Overview shows, and ``dismissed_at`` records when. The sentence builders
(:func:`member_lines`, :func:`digest_lines`, :func:`totals_line`, :func:`toast_text`) live
in ``_notice_text`` (pure: no store, no viewer) and are used from here; they take the
page's escaper for untrusted text (badge and person names) and its profile link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from skills.access import Role, Viewer, require_role
from skills.errors import AccessDenied
from skills.services._common import Reader, scope
from skills.services._notice_text import (
    EXPIRING_DAYS,
    RECENT_DAYS,
    Line,
    change_sentence,
    digest_lines,
    member_lines,
    status_word,
    toast_text,
    totals_line,
)
from skills.store import Store

COLUMNS = [
    "kind",
    "notice_id",
    "person_id",
    "person",
    "team",
    "department",
    "credential_key",
    "badge",
    "issuer",
    "status",
    "old_status",
    "expires",
    "verified_at",
    "created_at",
]


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _days(within_days: int | None) -> int:
    return EXPIRING_DAYS if within_days is None else int(within_days)


def _rows(
    store: Reader,
    cond: str,
    params: list[Any],
    *,
    within_days: int,
    now: datetime,
    changes_since: datetime | None,
    departments: bool = False,
) -> pd.DataFrame:
    """Notices of the people matching ``cond`` (on ``p``): badges expiring within
    ``within_days`` of ``now``, then status changes: undismissed ones when
    ``changes_since`` is None, else every one found since then. Status changes newest
    first, then expiring badges soonest first. ``department`` is filled only with
    ``departments`` (HR: a department is a unit the others may not see named)."""
    undismissed = changes_since is None
    return store.read(
        f"""
        SELECT * FROM (
        SELECT 'expiring' AS kind, NULL::BIGINT AS notice_id, p.person_id,
               p.display_name AS person, t.name AS team,
               CASE WHEN ? THEN t.department END AS department, c.credential_key,
               c.badge_name AS badge, c.issuer_name AS issuer, c.status,
               NULL::VARCHAR AS old_status, c.expires, c.verified_at,
               NULL::TIMESTAMPTZ AS created_at
        FROM credentials c JOIN people p USING (person_id)
        LEFT JOIN teams t ON t.team_id = p.team_id
        WHERE {cond} AND c.status = 'verified'
          AND c.expires > ?::TIMESTAMPTZ AND c.expires <= ?::TIMESTAMPTZ + to_days(?::INTEGER)
        UNION ALL
        SELECT n.kind, n.notice_id, p.person_id, p.display_name, t.name,
               CASE WHEN ? THEN t.department END,
               n.credential_key, c.badge_name, c.issuer_name, n.new_status, n.old_status,
               c.expires, c.verified_at, n.created_at
        FROM notices n JOIN people p USING (person_id)
        LEFT JOIN teams t ON t.team_id = p.team_id
        LEFT JOIN credentials c ON c.credential_key = n.credential_key
        WHERE {cond} AND (CASE WHEN ? THEN n.dismissed_at IS NULL
                               ELSE n.created_at >= ?::TIMESTAMPTZ END)
        ) ORDER BY kind = 'expiring', created_at DESC, expires, person, credential_key
        """,  # noqa: S608
        [
            departments,
            *params,
            now,
            now,
            int(within_days),
            departments,
            *params,
            undismissed,
            changes_since or now,
        ],
    )


def my_notices(
    store: Reader,
    viewer: Viewer,
    *,
    within_days: int | None = EXPIRING_DAYS,
    now: datetime | None = None,
) -> pd.DataFrame:
    """The viewer's own notices (columns :data:`COLUMNS`): their undismissed status
    changes, newest first, then their verified badges expiring within ``within_days``,
    soonest first. Empty for a viewer without a person (an HR or recruiter account of
    nobody)."""
    if viewer.person_id is None:
        return pd.DataFrame(columns=COLUMNS)
    return _rows(
        store,
        "p.person_id = ?",
        [viewer.person_id],
        within_days=_days(within_days),
        now=_now(now),
        changes_since=None,
    )


def dismiss(store: Store, viewer: Viewer, notice_id: int, *, now: datetime | None = None) -> None:
    """Hide one of the viewer's own status-change notices from their Overview.

    Raises :class:`AccessDenied` for a notice that is not theirs, unknown or already
    dismissed (one sentence for all three: the answer tells nobody whose it is). Not
    audited (see the module docstring)."""
    if viewer.person_id is None:
        raise AccessDenied("There is no such notice of yours.")
    with store.write() as tx:
        found = tx.scalar(
            "SELECT count(*) FROM notices WHERE notice_id = ? AND person_id = ? "
            "AND dismissed_at IS NULL",
            [int(notice_id), viewer.person_id],
        )
        if not found:
            raise AccessDenied("There is no such notice of yours.")
        tx.execute(
            "UPDATE notices SET dismissed_at = ? WHERE notice_id = ? AND person_id = ?",
            [_now(now), int(notice_id), viewer.person_id],
        )


@dataclass(frozen=True)
class Digest:
    """Notices of the people in a manager's teams: ``people`` one row per person with
    notices (person_id, person, team, expiring, changes, revoked), most first; ``rows``
    the notices themselves (:data:`COLUMNS`)."""

    people: pd.DataFrame
    rows: pd.DataFrame
    within_days: int = EXPIRING_DAYS

    @property
    def expiring(self) -> int:
        return int((self.rows["kind"] == "expiring").sum())

    @property
    def changes(self) -> int:
        return int((self.rows["kind"] != "expiring").sum())


def team_digest(
    store: Reader,
    viewer: Viewer,
    *,
    within_days: int | None = EXPIRING_DAYS,
    recent_days: int = RECENT_DAYS,
    now: datetime | None = None,
) -> Digest:
    """The notices of the people in the viewer's scope, the viewer excepted (their own are
    :func:`my_notices`): badges expiring within ``within_days``, and status changes found
    in the last ``recent_days`` (dismissed or not: a person hiding a notice does not hide
    it from their manager). Managers (their teams, down the hierarchy) and HR only."""
    require_role(viewer, Role.MANAGER, Role.HR, what="your teams' notices")
    moment = _now(now)
    cond, params = scope(viewer)
    cond = f"{cond} AND p.person_id IS DISTINCT FROM ?"
    rows = _rows(
        store,
        cond,
        [*params, viewer.person_id],
        within_days=_days(within_days),
        now=moment,
        changes_since=moment - timedelta(days=recent_days),
    )
    return Digest(_per_person(rows), rows, _days(within_days))


def _per_person(rows: pd.DataFrame) -> pd.DataFrame:
    cols = ["person_id", "person", "team", "expiring", "changes", "revoked"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    flags = rows.assign(
        expiring=rows["kind"] == "expiring",
        changes=rows["kind"] != "expiring",
        revoked=(rows["kind"] != "expiring") & (rows["status"] == "revoked"),
    )
    out = (
        flags.groupby(["person_id", "person"], dropna=False)
        .agg(
            team=("team", "first"),
            expiring=("expiring", "sum"),
            changes=("changes", "sum"),
            revoked=("revoked", "sum"),
        )
        .reset_index()
    )
    out[["expiring", "changes", "revoked"]] = out[["expiring", "changes", "revoked"]].astype(int)
    out = out.sort_values(
        ["revoked", "changes", "expiring", "person"], ascending=[False, False, False, True]
    )
    return out[cols].reset_index(drop=True)


@dataclass(frozen=True)
class OrgTotals:
    """The organisation's notices in numbers: badges expiring within 30, 60 and
    ``within_days`` days, badges found revoked in the last 30 days, the same per team
    (``by_team``: department, team, and the four counts) and the rows behind them."""

    expiring_30: int
    expiring_60: int
    expiring: int
    revoked_30: int
    by_team: pd.DataFrame
    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COLUMNS))
    within_days: int = EXPIRING_DAYS


def org_totals(
    store: Reader,
    viewer: Viewer,
    *,
    within_days: int | None = EXPIRING_DAYS,
    now: datetime | None = None,
) -> OrgTotals:
    """Organisation totals for HR (see :class:`OrgTotals`). ``rows`` holds every badge
    expiring within ``within_days`` and every status change of the last 30 days."""
    require_role(viewer, Role.HR, what="the organisation's notices")
    moment = _now(now)
    within_days = _days(within_days)
    days = max(within_days, 60)
    rows = _rows(
        store,
        "TRUE",
        [],
        within_days=days,
        now=moment,
        changes_since=moment - timedelta(days=RECENT_DAYS),
        departments=True,
    )
    left = pd.to_datetime(rows["expires"], utc=True) - moment
    soon = rows["kind"] == "expiring"
    flags = pd.DataFrame(
        {
            "department": rows["department"],
            "team": rows["team"],
            "expiring_30": soon & (left <= pd.Timedelta(days=30)),
            "expiring_60": soon & (left <= pd.Timedelta(days=60)),
            "expiring": soon & (left <= pd.Timedelta(days=int(within_days))),
            "revoked_30": (~soon) & (rows["status"] == "revoked"),
        }
    )
    counts = ["expiring_30", "expiring_60", "expiring", "revoked_30"]
    by_team = (
        flags.fillna({"department": "(none)", "team": "(no team)"})
        .groupby(["department", "team"])[counts]
        .sum()
        .astype(int)
        .reset_index()
        .sort_values(["revoked_30", "expiring_30", "expiring"], ascending=False)
        .reset_index(drop=True)
    )
    shown = rows[(~soon) | flags["expiring"]].reset_index(drop=True)
    return OrgTotals(
        expiring_30=int(flags["expiring_30"].sum()),
        expiring_60=int(flags["expiring_60"].sum()),
        expiring=int(flags["expiring"].sum()),
        revoked_30=int(flags["revoked_30"].sum()),
        by_team=by_team,
        rows=shown,
        within_days=int(within_days),
    )


__all__ = [
    "COLUMNS",
    "EXPIRING_DAYS",
    "RECENT_DAYS",
    "Digest",
    "Line",
    "OrgTotals",
    "change_sentence",
    "digest_lines",
    "dismiss",
    "member_lines",
    "my_notices",
    "org_totals",
    "status_word",
    "team_digest",
    "toast_text",
    "totals_line",
]
