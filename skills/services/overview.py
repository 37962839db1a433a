"""The overview page: headline numbers, status breakdown and the newest submissions."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from skills.access import Viewer
from skills.services._common import Reader, org_wide, scope
from skills.services._readmodel import held_source


@dataclass(frozen=True)
class Overview:
    """Headline numbers over the viewer's scope (the organisation, or just the member)."""

    scope: str  # "organisation" or "you"
    people: int
    credentials: int
    verified: int
    distinct_skills: int
    status_counts: pd.DataFrame  # status, credentials
    newest: pd.DataFrame  # submitted, person, badge, issuer, status (only people in scope)

    @property
    def share_verified(self) -> float:
        return self.verified / self.credentials if self.credentials else 0.0


def overview(store: Reader, viewer: Viewer) -> Overview:
    """Numbers for the overview page.

    HR, managers and recruiters get organisation aggregates (counts only); a
    member gets their own. The newest-submissions list only ever holds people
    the viewer may see.
    """
    cond, params = scope(viewer)
    if org_wide(viewer):
        where, wparams = "TRUE", []
    else:
        where, wparams = cond, params
    held = held_source(store) if org_wide(viewer) else "held_skills"
    counts = store.read(
        f"""
        SELECT
          (SELECT count(*) FROM people p WHERE {where}) AS people,
          (SELECT count(*) FROM credentials c JOIN people p USING (person_id) WHERE {where})
             AS credentials,
          (SELECT count(*) FROM credentials c JOIN people p USING (person_id)
             WHERE c.status = 'verified' AND {where}) AS verified,
          (SELECT count(DISTINCT h.skill_uri) FROM {held} h JOIN people p USING (person_id)
             WHERE {where}) AS distinct_skills
        """,  # noqa: S608
        wparams * 4,
    )
    statuses = store.read(
        f"""
        SELECT c.status, count(*) AS credentials
        FROM credentials c JOIN people p USING (person_id)
        WHERE {where}
        GROUP BY c.status ORDER BY credentials DESC
        """,  # noqa: S608
        wparams,
    )
    newest = store.read(
        f"""
        SELECT c.created AS submitted, p.display_name AS person, c.badge_name AS badge,
               c.issuer_name AS issuer, c.status, c.person_id, c.credential_key
        FROM credentials c
        JOIN people p USING (person_id)
        LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
        WHERE {cond}
        ORDER BY c.created DESC, c.credential_key
        LIMIT 10
        """,  # noqa: S608
        params,
    )
    row = counts.iloc[0]
    return Overview(
        scope="organisation" if org_wide(viewer) else "you",
        people=int(row["people"]),
        credentials=int(row["credentials"]),
        verified=int(row["verified"]),
        distinct_skills=int(row["distinct_skills"]),
        status_counts=statuses,
        newest=newest,
    )
