"""Recruiters' verified-candidate search: filters, ranked matches, comparison, export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from skills.access import CONSENTED_SQL as CONSENTED
from skills.access import Role, Viewer, check_person, require_role
from skills.export import to_csv_bytes, to_xlsx_bytes
from skills.services._common import Reader, profile_link, scope
from skills.store import Store

Mode = Literal["all", "any", "at_least"]
#: Each mode by its name (a page's widget gives a plain string; anything else is refused).
MODES: dict[str, Mode] = {"all": "all", "any": "any", "at_least": "at_least"}
MAX_COMPARE = 4


#: Columns of :func:`search_candidates`.
RESULT_COLUMNS = [
    "person_id",
    "name",
    "matched",
    "score",
    "why",
    "matched_skills",
    "missing_skills",
    "badges",
    "location",
    "availability",
    "evidence",
    "profile",
]
#: Columns of :func:`skills_in_job_ad`.
JOB_AD_COLUMNS = ["skill_uri", "label", "mention", "score", "method", "accepted"]
#: What the side by side says when a badge states no level (none of the stored formats does).
NO_LEVEL = "level not stated"


@dataclass(frozen=True)
class CandidateQuery:
    """A search: the skills wanted and how many must match, which evidence counts, and
    where and when candidates must be available.

    ``must_have`` skills are required whatever the mode: a candidate lacking one is not
    listed. ``skills`` and ``must_have`` together are the confirmed skills; ``mode`` and
    ``at_least`` count matches among all of them, and the score is computed over all of
    them (see :func:`search_candidates`). ``locations`` and ``availability``, when not
    empty, keep only candidates whose value is one of them.
    """

    skills: tuple[str, ...]
    mode: Mode = "all"
    at_least: int = 1
    verified_only: bool = True
    trusted_only: bool = True  # False adds badges whose issuer HR has not reviewed yet
    within_years: int | None = None
    limit: int = 200
    must_have: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    availability: tuple[str, ...] = ()

    @property
    def wanted(self) -> list[str]:
        """The confirmed skills: must-haves first, each once."""
        return list(dict.fromkeys((*self.must_have, *self.skills)))


def skill_options(store: Reader, viewer: Viewer, limit: int = 2000) -> pd.DataFrame:
    """Skills any searchable candidate has evidence for (skill_uri, label, candidates),
    most common first."""
    require_role(viewer, Role.RECRUITER, Role.HR, what="candidate search")
    return store.read(
        f"""
        SELECT cs.skill_uri, s.label, count(DISTINCT c.person_id) AS candidates
        FROM credential_skills cs
        JOIN credentials c USING (credential_key)
        JOIN people p ON p.person_id = c.person_id
        JOIN skills s ON s.skill_uri = cs.skill_uri
        LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
        WHERE p.kind = 'candidate' AND {CONSENTED}
          AND c.status IN ('verified', 'expired', 'not_yet_valid')
          AND NOT coalesce(c.self_issued, false)
          AND coalesce(i.trust, 'unknown') <> 'untrusted'
        GROUP BY cs.skill_uri, s.label
        ORDER BY candidates DESC, s.label
        LIMIT ?
        """,  # noqa: S608
        [int(limit)],
    )


def skills_named(store: Reader, viewer: Viewer, labels: tuple[str, ...]) -> dict[str, str]:
    """URI -> label of the known skills whose label is one of ``labels`` (a shared link
    names its skills by label): the page offers these too, so a link keeps skills no
    candidate holds (a must-have nobody holds must still exclude everybody)."""
    require_role(viewer, Role.RECRUITER, Role.HR, what="candidate search")
    found = store.read(
        "SELECT skill_uri, label FROM skills WHERE label = ANY(?::VARCHAR[]) ORDER BY skill_uri",
        [list(dict.fromkeys(labels))],
    )
    return dict(zip(found["skill_uri"], found["label"], strict=True))


def filter_options(store: Reader, viewer: Viewer) -> dict[str, list[str]]:
    """The locations and availabilities searchable candidates have (``location``,
    ``availability``: sorted values, empty ones left out), for the page's filters."""
    require_role(viewer, Role.RECRUITER, Role.HR, what="candidate search")
    found = store.read(
        f"""
        SELECT 'location' AS what, p.location AS value FROM people p
        WHERE p.kind = 'candidate' AND {CONSENTED} AND nullif(trim(p.location), '') IS NOT NULL
        UNION
        SELECT 'availability', p.availability FROM people p
        WHERE p.kind = 'candidate' AND {CONSENTED}
          AND nullif(trim(p.availability), '') IS NOT NULL
        """  # noqa: S608
    )
    return {
        what: sorted(found.loc[found["what"] == what, "value"].astype(str), key=str.casefold)
        for what in ("location", "availability")
    }


def skills_in_job_ad(store: Store, viewer: Viewer, text: str) -> pd.DataFrame:
    """The skills a job ad names (columns :data:`JOB_AD_COLUMNS`), best first, for the
    recruiter to confirm before ranking.

    :func:`skills.taxonomy.extract_text_skills` with the matcher of ESCO plus the
    organisation's skills, synonyms and review decisions (the one ingestion maps badges
    with), so an organisation synonym in the ad finds the organisation's skill.
    """
    require_role(viewer, Role.RECRUITER, Role.HR, what="candidate search")
    if not text.strip():
        return pd.DataFrame(columns=JOB_AD_COLUMNS)
    from skills.ingest import org_matcher
    from skills.taxonomy import extract_text_skills

    found = extract_text_skills(text, org_matcher(store))
    return pd.DataFrame(
        [(s.uri, s.label, s.mention, float(s.score), s.method, bool(s.accepted)) for s in found],
        columns=JOB_AD_COLUMNS,
    )


def search_candidates(
    store: Reader, viewer: Viewer, query: CandidateQuery, *, now: datetime | None = None
) -> pd.DataFrame:
    """Candidates matching ``query``, ranked by match score (best first).

    Only people of kind ``candidate`` who consented to be found are searched (never
    employees' names). A candidate is listed when they hold every must-have skill and
    as many of the confirmed skills as ``mode`` asks. The score (0..100) is computed over
    all confirmed skills: 70 for the share held, 20 for how recent the evidence is (half
    weight after 3 years) and 10 for the share backed by a trusted issuer, each scaled by
    the share held; so must-haves rank nobody (everyone listed holds them) and the other
    skills decide.

    Columns :data:`RESULT_COLUMNS`: ``evidence`` names, per matched skill, the badge
    behind it (trusted first, then newest): "skill — badge (issuer, YYYY-MM)"; ``profile``
    is the Profile page's relative link to the best of those badges.
    """
    require_role(viewer, Role.RECRUITER, Role.HR, what="candidate search")
    wanted = query.wanted
    if not wanted:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    moment = now or datetime.now(UTC)
    since = moment - timedelta(days=365.25 * query.within_years) if query.within_years else None
    # Never someone else's badge (recipient_mismatch), whatever the filters.
    statuses = (
        ["verified"]
        if query.verified_only
        else ["verified", "expired", "unverifiable", "not_yet_valid"]
    )
    evidence = _evidence(
        store,
        viewer,
        skills=wanted,
        statuses=statuses,
        trusted_only=query.trusted_only,
        since=since,
        moment=moment,
        locations=query.locations,
        availability=query.availability,
    )
    if evidence.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    labels = _labels(store, wanted)
    need = {"all": len(wanted), "any": 1, "at_least": max(1, min(query.at_least, len(wanted)))}
    scored = _best_matches(
        evidence, wanted, set(query.must_have), labels, need[query.mode], query.limit, moment
    )
    if scored.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    kept = evidence[evidence["person_id"].isin(scored["person_id"])]
    badges = kept.groupby("person_id")["credential_key"].nunique().rename("badges")
    people = kept.drop_duplicates("person_id")[["person_id", "name", "location", "availability"]]
    cited = _cite(store, _best_evidence(kept), labels)
    out = (
        scored.merge(people, on="person_id")
        .merge(badges, on="person_id")
        .merge(cited, on="person_id", how="left")
    )
    return out.sort_values(["score", "name"], ascending=[False, True], ignore_index=True)[
        RESULT_COLUMNS
    ]


def _evidence(
    store: Reader,
    viewer: Viewer,
    *,
    skills: list[str] | None,
    statuses: list[str],
    trusted_only: bool,
    moment: datetime,
    since: datetime | None = None,
    person_ids: list[str] | None = None,
    locations: tuple[str, ...] = (),
    availability: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Searchable candidates' badge-skill rows that count as evidence: one row per
    (credential, skill), with the person's name, location and availability.

    ``skills`` / ``person_ids`` (None: any) and ``locations`` / ``availability`` (empty:
    any) narrow it; optional conditions are left out of the SQL rather than passed as
    NULL, so DuckDB filters on the lists it is given.
    """
    cond, params = scope(viewer)
    extra: list[str] = []
    extra_params: list[object] = []
    for column, values in (
        ("cs.skill_uri", skills),
        ("c.person_id", person_ids),
        ("p.location", list(locations) or None),
        ("p.availability", list(availability) or None),
    ):
        if values is not None:
            extra.append(f"AND {column} = ANY(?::VARCHAR[])")
            extra_params.append(list(values))
    return store.read(
        f"""
        SELECT c.person_id, p.display_name AS name, p.location, p.availability,
               cs.skill_uri, c.issued, c.credential_key,
               -- an issuer's trust vouches only for a badge whose signature verified
               CASE WHEN c.status IN ('verified', 'expired', 'not_yet_valid') THEN i.trust
                    ELSE 'unknown' END AS issuer_trust
        FROM credential_skills cs
        JOIN credentials c USING (credential_key)
        JOIN people p ON p.person_id = c.person_id
        LEFT JOIN issuers i ON i.issuer_id = c.issuer_id
        WHERE p.kind = 'candidate' AND {cond} AND {CONSENTED}
          {" ".join(extra)}
          AND c.status = ANY(?::VARCHAR[])
          AND NOT coalesce(c.self_issued, false)
          AND coalesce(i.trust, 'unknown') <> 'untrusted'
          AND (? = FALSE OR (i.trust = 'trusted' AND c.status <> 'unverifiable'))
          AND cs.confidence >= (SELECT CAST(value AS DOUBLE) FROM app_settings
                                WHERE key = 'held_confidence_threshold')
          AND (?::TIMESTAMPTZ IS NULL OR c.issued >= ?::TIMESTAMPTZ)
          AND (c.status <> 'verified' OR c.expires IS NULL OR c.expires > ?::TIMESTAMPTZ)
        """,  # noqa: S608
        [*params, *extra_params, statuses, trusted_only, since, since, moment],
    )


def _best_first(evidence: pd.DataFrame) -> pd.DataFrame:
    """``evidence`` ordered best badge first within each person: a trusted issuer first,
    then the newest, then the credential key (so ties always pick the same badge)."""
    return (
        evidence.assign(
            _trusted=(evidence["issuer_trust"] == "trusted").astype(int),
            _issued=pd.to_datetime(evidence["issued"], utc=True),
        )
        .sort_values(
            ["person_id", "_trusted", "_issued", "credential_key"],
            ascending=[True, False, False, True],
            na_position="last",
        )
        .drop(columns=["_trusted", "_issued"])
    )


def _best_evidence(evidence: pd.DataFrame) -> pd.DataFrame:
    """One row per (person, skill): the badge behind it, best first (:func:`_best_first`)."""
    return _best_first(evidence).drop_duplicates(["person_id", "skill_uri"], ignore_index=True)


def _badges(store: Reader, keys: list[str]) -> pd.DataFrame:
    """Each credential's signed badge and issuer names, indexed by credential key."""
    return store.read(
        "SELECT credential_key, badge_name, issuer_name FROM credentials "
        "WHERE credential_key = ANY(?::VARCHAR[])",
        [keys],
    ).set_index("credential_key")


def _text(value: object) -> str | None:
    """A stored text, or None when missing or blank."""
    return str(value).strip() or None if isinstance(value, str) else None


def _month(issued: object) -> str | None:
    stamp = pd.Timestamp(issued) if isinstance(issued, datetime | pd.Timestamp) else None
    return None if stamp is None or pd.isna(stamp) else f"{stamp:%Y-%m}"


def _source(badge: object, issuer: object, issued: object) -> str:
    """'badge (issuer, YYYY-MM)', leaving out what the badge does not say."""
    about = [x for x in (_text(issuer), _month(issued)) if x]
    name = _text(badge) or "unnamed badge"
    return f"{name} ({', '.join(about)})" if about else name


def _cite(store: Reader, best: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Per person: ``evidence`` ("skill — badge (issuer, YYYY-MM)" per skill, in the
    order of ``labels``) and ``profile`` (the Profile page link of their best badge)."""
    cols = ["person_id", "evidence", "profile"]
    if best.empty:
        return pd.DataFrame(columns=cols)
    about = _badges(store, best["credential_key"].unique().tolist())
    badge, issuer = about["badge_name"].to_dict(), about["issuer_name"].to_dict()
    order = {uri: i for i, uri in enumerate(labels)}
    top = _best_first(best).drop_duplicates("person_id").set_index("person_id")["credential_key"]
    ranked = best.assign(_order=best["skill_uri"].map(order)).sort_values(
        ["person_id", "_order"], kind="stable"
    )
    parts: dict[str, list[str]] = {}
    for person, uri, key, issued in zip(
        ranked["person_id"],
        ranked["skill_uri"],
        ranked["credential_key"],
        ranked["issued"],
        strict=True,
    ):
        parts.setdefault(person, []).append(
            f"{labels.get(uri, uri)} — {_source(badge.get(key), issuer.get(key), issued)}"
        )
    rows = [
        (person, "; ".join(cited), profile_link(person, top[person]))
        for person, cited in parts.items()
    ]
    return pd.DataFrame(rows, columns=cols)


def _best_matches(
    evidence: pd.DataFrame,
    required: list[str],
    must_have: set[str],
    labels: dict[str, str],
    need: int,
    limit: int,
    moment: datetime,
) -> pd.DataFrame:
    """The ``limit`` best people holding every ``must_have`` and at least ``need`` of
    ``required``.

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
    ev["must"] = ev["skill_uri"].isin(must_have)
    per_skill = ev.groupby(["person_id", "skill_uri"], as_index=False, sort=False).agg(
        recency=("recency", "max"),
        trusted=("trusted", "max"),
        newest=("issued", "max"),
        must=("must", "first"),
    )
    per_person = per_skill.groupby("person_id", sort=False).agg(
        recency=("recency", "mean"),
        trusted=("trusted", "mean"),
        trusted_n=("trusted", "sum"),
        newest=("newest", "max"),
        matched=("skill_uri", "size"),
        musts=("must", "sum"),
    )
    per_person = per_person[
        (per_person["matched"] >= need) & (per_person["musts"] >= len(must_have))
    ]
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
            + (f", every must-have ({len(must_have)})" if must_have else "")
            + f"; {int(trusted_n)} backed by a trusted issuer"
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
    """Each URI's label, in the order of ``uris`` (unknown URIs left out)."""
    found = store.read(
        "SELECT skill_uri, label FROM skills WHERE skill_uri = ANY(?::VARCHAR[])",
        [uris],
    )
    known = dict(zip(found["skill_uri"], found["label"], strict=True))
    return {u: known[u] for u in uris if u in known}


def compare(
    store: Reader,
    viewer: Viewer,
    person_ids: list[str],
    *,
    required: tuple[str, ...] = (),
    now: datetime | None = None,
) -> Comparison:
    """Side by side, up to four searchable candidates: one row per skill they hold, one
    column per candidate, each cell the badge's issuer, month and level ("Acme, 2025-03
    · level not stated": no stored badge format states a level), and the ``required``
    skills none of them holds.

    Held as on every page: a verified, unexpired badge of a trusted issuer, mapped with
    enough confidence, never self-issued; the badge shown is the newest.
    """
    require_role(viewer, Role.RECRUITER, Role.HR, what="candidate comparison")
    ids = list(dict.fromkeys(person_ids))[:MAX_COMPARE]
    for pid in ids:
        check_person(store, viewer, pid)
    wanted = list(dict.fromkeys(required))
    labels = _labels(store, wanted)
    if not ids:
        return Comparison(pd.DataFrame(), [labels.get(u, u) for u in wanted])
    held = _evidence(
        store,
        viewer,
        skills=None,
        person_ids=ids,
        statuses=["verified"],
        trusted_only=True,
        moment=now or datetime.now(UTC),
    )
    nobody = [labels.get(u, u) for u in wanted if u not in set(held["skill_uri"])]
    if held.empty:
        return Comparison(pd.DataFrame(), nobody)
    best = _best_evidence(held)
    about = _badges(store, best["credential_key"].unique().tolist())
    best = best.assign(
        skill=best["skill_uri"].map(_labels(store, best["skill_uri"].unique().tolist())),
        cell=[
            f"{_source_short(about.at[k, 'issuer_name'], issued)} · {NO_LEVEL}"
            for k, issued in zip(best["credential_key"], best["issued"], strict=True)
        ],
    )
    table = best.pivot_table(index="skill", columns="name", values="cell", aggfunc="first")
    held_by = table.notna().sum(axis=1)
    first = pd.Series([0 if s in set(labels.values()) else 1 for s in table.index], table.index)
    order = sorted(table.index, key=lambda s: (first[s], -held_by[s], s.casefold()))
    table = table.loc[order].fillna("")
    table.columns.name = None
    return Comparison(table, nobody)


def _source_short(issuer: object, issued: object) -> str:
    """'issuer, YYYY-MM' for a side-by-side cell."""
    return ", ".join(x for x in (_text(issuer) or "issuer not named", _month(issued)) if x)


@dataclass(frozen=True)
class Comparison:
    """:func:`compare`'s answer: the side-by-side table (skills by candidates; the
    required skills first, then the most widely held) and the required skills none of
    the compared candidates holds (labels)."""

    table: pd.DataFrame
    nobody_holds: list[str]


def _shortlist_frame(shortlist: pd.DataFrame, base_url: str | None = None) -> pd.DataFrame:
    """The shortlist as exported: :data:`RESULT_COLUMNS` with ``profile`` made absolute
    under ``base_url`` (the app's public address) when the app knows it, else the
    relative link as on the page."""
    out = shortlist.reindex(columns=RESULT_COLUMNS).reset_index(drop=True)
    if base_url:
        root = base_url.rstrip("/") + "/"
        out["profile"] = [root + p if isinstance(p, str) else p for p in out["profile"]]
    return out


def shortlist_csv(shortlist: pd.DataFrame, base_url: str | None = None) -> bytes:
    """The shortlist (:func:`_shortlist_frame`) as UTF-8 CSV (with a BOM so spreadsheets
    read accents right).

    Every text cell is made safe by :func:`skills.export.safe_frame` (a leading
    ``'`` before anything a spreadsheet would run as a formula).
    """
    return to_csv_bytes(_shortlist_frame(shortlist, base_url))


def shortlist_xlsx(shortlist: pd.DataFrame, base_url: str | None = None) -> bytes:
    """The shortlist (:func:`_shortlist_frame`) as an Excel workbook (one sheet, "Shortlist").

    Text cells are escaped as in :func:`shortlist_csv` and written as strings.
    """
    return to_xlsx_bytes(_shortlist_frame(shortlist, base_url), sheet="Shortlist")
