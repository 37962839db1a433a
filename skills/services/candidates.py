"""Recruiters' verified-candidate search: filters, ranked matches, comparison, export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from skills.access import Role, Viewer, check_person, require_role
from skills.export import to_csv_bytes, to_xlsx_bytes
from skills.services._common import Reader, scope

Mode = Literal["all", "any", "at_least"]
#: Each mode by its name (a page's widget gives a plain string; anything else is refused).
MODES: dict[str, Mode] = {"all": "all", "any": "any", "at_least": "at_least"}
MAX_COMPARE = 4


@dataclass(frozen=True)
class CandidateQuery:
    """A search: required skills and how many must match, and which evidence counts."""

    skills: tuple[str, ...]
    mode: Mode = "all"
    at_least: int = 1
    verified_only: bool = True
    trusted_only: bool = True  # False adds badges whose issuer HR has not reviewed yet
    within_years: int | None = None
    limit: int = 200


def skill_options(store: Reader, viewer: Viewer, limit: int = 2000) -> pd.DataFrame:
    """Skills any candidate has evidence for (skill_uri, label, candidates), most common first."""
    require_role(viewer, Role.RECRUITER, Role.HR, what="candidate search")
    return store.read(
        """
        SELECT cs.skill_uri, s.label, count(DISTINCT c.person_id) AS candidates
        FROM credential_skills cs
        JOIN credentials c USING (credential_key)
        JOIN people p ON p.person_id = c.person_id
        JOIN skills s ON s.skill_uri = cs.skill_uri
        LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
        WHERE p.kind = 'candidate'
          AND c.status IN ('verified', 'expired', 'not_yet_valid')
          AND NOT coalesce(c.self_issued, false)
          AND coalesce(i.trust, 'unknown') <> 'untrusted'
        GROUP BY cs.skill_uri, s.label
        ORDER BY candidates DESC, s.label
        LIMIT ?
        """,
        [int(limit)],
    )


def search_candidates(
    store: Reader, viewer: Viewer, query: CandidateQuery, *, now: datetime | None = None
) -> pd.DataFrame:
    """Candidates matching ``query``, ranked by match score (best first).

    Only people of kind ``candidate`` are searched (never employees' names).
    Columns: person_id, name, matched, score, why, matched_skills,
    missing_skills, badges.
    """
    require_role(viewer, Role.RECRUITER, Role.HR, what="candidate search")
    cols = [
        "person_id",
        "name",
        "matched",
        "score",
        "why",
        "matched_skills",
        "missing_skills",
        "badges",
    ]
    wanted = list(dict.fromkeys(query.skills))
    if not wanted:
        return pd.DataFrame(columns=cols)
    cond, params = scope(viewer)
    moment = now or datetime.now(UTC)
    since = moment - timedelta(days=365.25 * query.within_years) if query.within_years else None
    # Never someone else's badge (recipient_mismatch), whatever the filters.
    statuses = (
        ["verified"]
        if query.verified_only
        else ["verified", "expired", "unverifiable", "not_yet_valid"]
    )
    evidence = store.read(
        f"""
        SELECT c.person_id, p.display_name AS name, cs.skill_uri, c.issued, c.credential_key,
               -- an issuer's trust vouches only for a badge whose signature verified
               CASE WHEN c.status IN ('verified', 'expired', 'not_yet_valid') THEN i.trust
                    ELSE 'unknown' END AS issuer_trust
        FROM credential_skills cs
        JOIN credentials c USING (credential_key)
        JOIN people p ON p.person_id = c.person_id
        LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
        WHERE p.kind = 'candidate' AND {cond}
          AND list_contains(?::VARCHAR[], cs.skill_uri)
          AND list_contains(?::VARCHAR[], c.status)
          AND NOT coalesce(c.self_issued, false)
          AND coalesce(i.trust, 'unknown') <> 'untrusted'
          AND (? = FALSE OR (i.trust = 'trusted' AND c.status <> 'unverifiable'))
          AND cs.confidence >= (SELECT CAST(value AS DOUBLE) FROM app_settings
                                WHERE key = 'held_confidence_threshold')
          AND (?::TIMESTAMPTZ IS NULL OR c.issued >= ?::TIMESTAMPTZ)
          AND (c.status <> 'verified' OR c.expires IS NULL OR c.expires > ?::TIMESTAMPTZ)
        """,  # noqa: S608
        [*params, wanted, statuses, query.trusted_only, since, since, moment],
    )
    if evidence.empty:
        return pd.DataFrame(columns=cols)
    labels = _labels(store, wanted)
    need = {"all": len(wanted), "any": 1, "at_least": max(1, min(query.at_least, len(wanted)))}
    scored = _best_matches(evidence, wanted, labels, need[query.mode], query.limit, moment)
    if scored.empty:
        return pd.DataFrame(columns=cols)
    badges = evidence.groupby("person_id")["credential_key"].nunique().rename("badges")
    names = evidence.drop_duplicates("person_id")[["person_id", "name"]]
    out = scored.merge(names, on="person_id").merge(badges, on="person_id")
    return out.sort_values(["score", "name"], ascending=[False, True], ignore_index=True)[cols]


def _best_matches(
    evidence: pd.DataFrame,
    required: list[str],
    labels: dict[str, str],
    need: int,
    limit: int,
    moment: datetime,
) -> pd.DataFrame:
    """The ``limit`` best people matching at least ``need`` of ``required``.

    Scores (score descending, then person_id) are computed with vectorised aggregates;
    the explanation texts are written only for the people kept.
    """
    cols = ["person_id", "matched", "score", "why", "matched_skills", "missing_skills"]
    ev = evidence[evidence["skill_uri"].isin(required)].copy()
    if ev.empty:
        return pd.DataFrame(columns=cols)
    issued = pd.to_datetime(ev["issued"], utc=True)
    age_years = ((pd.Timestamp(moment) - issued).dt.days / 365.25).fillna(10).clip(lower=0)
    ev["recency"] = np.power(0.5, age_years / 3.0)
    ev["trusted"] = (ev["issuer_trust"] == "trusted").astype(float)
    ev["issued"] = issued
    per_skill = ev.groupby(["person_id", "skill_uri"], as_index=False, sort=False).agg(
        recency=("recency", "max"), trusted=("trusted", "max"), newest=("issued", "max")
    )
    per_person = per_skill.groupby("person_id", sort=False).agg(
        recency=("recency", "mean"),
        trusted=("trusted", "mean"),
        trusted_n=("trusted", "sum"),
        newest=("newest", "max"),
        matched=("skill_uri", "size"),
    )
    per_person = per_person[per_person["matched"] >= need]
    if per_person.empty:
        return pd.DataFrame(columns=cols)
    cover = per_person["matched"].to_numpy(dtype=float) / len(required)
    raw = (
        70 * cover
        + 20 * per_person["recency"].to_numpy(dtype=float) * cover
        + 10 * per_person["trusted"].to_numpy(dtype=float) * cover
    )
    per_person["score"] = [round(float(x), 1) for x in raw]
    per_person = per_person.rename_axis("person_id").reset_index()
    best = per_person.sort_values(
        ["score", "person_id"], ascending=[False, True], ignore_index=True
    ).head(limit)
    kept = per_skill[per_skill["person_id"].isin(best["person_id"])]
    held = kept.groupby("person_id", sort=False)["skill_uri"].agg(frozenset).to_dict()
    out = []
    for person, score, trusted_n, newest in zip(
        best["person_id"], best["score"], best["trusted_n"], best["newest"], strict=True
    ):
        got = [s for s in required if s in held[person]]
        missing = [s for s in required if s not in held[person]]
        why = (
            f"{len(got)} of {len(required)} required skills"
            f" ({', '.join(labels.get(s, s) for s in got)})"
            f"; {int(trusted_n)} backed by a trusted issuer"
            + (f"; newest evidence {newest:%Y-%m}" if pd.notna(newest) else "")
            + (f"; missing {', '.join(labels.get(s, s) for s in missing)}" if missing else "")
            + "."
        )
        out.append(
            {
                "person_id": person,
                "matched": len(got),
                "score": score,
                "why": why,
                "matched_skills": ", ".join(labels.get(s, s) for s in got),
                "missing_skills": ", ".join(labels.get(s, s) for s in missing),
            }
        )
    return pd.DataFrame(out, columns=cols)


def _labels(store: Reader, uris: list[str]) -> dict[str, str]:
    found = store.read(
        "SELECT skill_uri, label FROM skills WHERE list_contains(?::VARCHAR[], skill_uri)",
        [uris],
    )
    return dict(zip(found["skill_uri"], found["label"], strict=True))


def compare(store: Reader, viewer: Viewer, person_ids: list[str]) -> pd.DataFrame:
    """Side by side: one row per skill, one column per candidate (up to four), ✓ when held."""
    require_role(viewer, Role.RECRUITER, Role.HR, what="candidate comparison")
    ids = list(dict.fromkeys(person_ids))[:MAX_COMPARE]
    for pid in ids:
        check_person(store, viewer, pid)
    if not ids:
        return pd.DataFrame()
    held = store.read(
        """
        SELECT p.display_name AS name, s.label AS skill
        FROM held_skills h JOIN people p USING (person_id) JOIN skills s USING (skill_uri)
        WHERE list_contains(?::VARCHAR[], h.person_id)
        """,
        [ids],
    )
    if held.empty:
        return pd.DataFrame()
    table = pd.crosstab(held["skill"], held["name"]).gt(0)
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index]
    return table.replace({True: "✓", False: ""})


def shortlist_csv(shortlist: pd.DataFrame) -> bytes:
    """The shortlist as UTF-8 CSV (with a BOM so spreadsheets read accents right).

    Every text cell is made safe by :func:`skills.export.safe_frame` (a leading
    ``'`` before anything a spreadsheet would run as a formula).
    """
    return to_csv_bytes(shortlist)


def shortlist_xlsx(shortlist: pd.DataFrame) -> bytes:
    """The shortlist as an Excel workbook (one sheet, "Shortlist").

    Text cells are escaped as in :func:`shortlist_csv` and written as strings.
    """
    return to_xlsx_bytes(shortlist, sheet="Shortlist")
