"""A small, hand-made organisation for page tests: teams, people, badges, role profiles.

Uses the demo personas' ids so the demo accounts (skills.accounts) sign in as them.
Every person carries a role title named like a role profile (so view ``person_roles``
maps them all by itself): Web people are Frontend Developers, API people Backend
Developers, the personas Engineering Manager, HR Business Partner and Recruiter; each
profile's requirements have varied priorities (1 critical, 2 important, 3 nice to have).
Rows go in through the store's bulk path; no badge is verified here (the browser
tests submit real badges).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from skills.accounts import write_demo_accounts
from skills.demo.personas import PERSONA_NAMES, PERSONAS
from skills.store import Store, open_store
from skills.taxonomy import normalise

NOW = datetime.now(UTC)

# Real ESCO skills (uri suffix, label, pillar, group).
SKILLS = {
    "python": (
        "ccd0a1d9-afda-43d9-b901-96344886e14d",
        "Python (computer programming)",
        "K",
        "K0613",
    ),
    "js": ("e3f4dd5f-5a02-4e6b-8d0d-5d6b6d9a0a11", "JavaScript", "K", "K0613"),
    "sql": ("4b8a1a8e-7d0c-4a55-bc7a-0d0a1b8e5a21", "SQL", "K", "K0613"),
    "teamwork": ("a6b1c2d3-0000-4000-8000-000000000001", "work in teams", "T", "T4"),
    "git": ("a6b1c2d3-0000-4000-8000-000000000002", "use version control", "S", "S5.6.1"),
    "ux": ("a6b1c2d3-0000-4000-8000-000000000003", "design user interface", "S", "S1.6.2"),
}
ESCO = "http://data.europa.eu/esco/skill/"
OTHER_EMPLOYEES = [(f"E1{i:05d}", f"Web Person {i}", "web") for i in range(4)] + [
    (f"E2{i:05d}", f"Api Person {i}", "api") for i in range(4)
]
CANDIDATES = [
    ("C000001", PERSONA_NAMES["candidate"]),
    ("C000002", "Cem Candidate"),
    ("C000003", "Cora Candidate"),
]
CANDIDATE_DETAILS = {  # person -> (location, availability)
    "C000001": ("Berlin", "immediately"),
    "C000002": ("Lisbon", "within 3 months"),
    "C000003": ("Berlin", "within 1 month"),
}
"""Where candidates live and when they can start (people-import columns)."""
BADGE_ISSUER_KEY = bytes(range(32))
"""Seed of the Ed25519 key of a trusted ``did:key`` issuer whose badges tests sign
(:func:`badge_issuer_did`): a badge they submit verifies offline and its skills count."""
TEAM_ROLES = {"web": "Frontend Developer", "api": "Backend Developer"}
"""Role title of the other employees, by team."""
ROLE_TITLES = {
    PERSONAS["hr"]: "HR Business Partner",
    PERSONAS["manager"]: "Engineering Manager",
    PERSONAS["recruiter"]: "Recruiter",
    PERSONAS["employee"]: "Frontend Developer",
    **{pid: TEAM_ROLES[team] for pid, _, team in OTHER_EMPLOYEES},
    "C000001": "Backend Developer",  # candidates: the role they applied for
    "C000002": "Frontend Developer",
    "C000003": "Backend Developer",
}
"""Person -> role title; each title is the name of a seeded role profile."""
PROFILES = [  # (profile_id, name, team_id or None: organisation-wide)
    ("rp-fe", "Frontend Developer", "web"),
    ("rp-be", "Backend Developer", "api"),
    ("rp-em", "Engineering Manager", None),
    ("rp-hrbp", "HR Business Partner", None),
    ("rp-rec", "Recruiter", None),
]
REQUIREMENTS = [  # (profile_id, target, target_kind, priority)
    ("rp-fe", ESCO + SKILLS["js"][0], "skill", 1),
    ("rp-fe", ESCO + SKILLS["ux"][0], "skill", 2),
    ("rp-fe", ESCO + SKILLS["git"][0], "skill", 2),
    ("rp-fe", "T4", "group", 3),
    ("rp-fe", ESCO + SKILLS["sql"][0], "skill", 1),
    ("rp-be", ESCO + SKILLS["python"][0], "skill", 1),
    ("rp-be", ESCO + SKILLS["sql"][0], "skill", 1),
    ("rp-be", ESCO + SKILLS["git"][0], "skill", 2),
    ("rp-be", ESCO + SKILLS["teamwork"][0], "skill", 3),
    ("rp-em", ESCO + SKILLS["teamwork"][0], "skill", 1),
    ("rp-em", ESCO + SKILLS["git"][0], "skill", 2),
    ("rp-em", ESCO + SKILLS["python"][0], "skill", 3),
    ("rp-hrbp", ESCO + SKILLS["teamwork"][0], "skill", 1),
    ("rp-hrbp", ESCO + SKILLS["sql"][0], "skill", 2),
    ("rp-hrbp", ESCO + SKILLS["python"][0], "skill", 3),
    ("rp-rec", ESCO + SKILLS["teamwork"][0], "skill", 1),
    ("rp-rec", ESCO + SKILLS["ux"][0], "skill", 3),
]
"""Requirements of the seeded profiles, with varied priorities."""


def uri(key: str) -> str:
    return ESCO + SKILLS[key][0]


def badge_issuer() -> Any:
    """The trusted issuer's key (an ``Ed25519PrivateKey``), the same on every call."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.from_private_bytes(BADGE_ISSUER_KEY)


def badge_issuer_did() -> str:
    from skills.verify._keys.dids import did_key_for

    return str(did_key_for(badge_issuer().public_key()))


def build(db: Path, accounts: Path) -> None:
    """Create the database at ``db`` and the demo accounts file at ``accounts``."""
    store = open_store(db)
    try:
        _fill(store)
    finally:
        store.close()
    write_demo_accounts(accounts, PERSONAS, PERSONA_NAMES)


def _fill(store: Store) -> None:
    teams = pd.DataFrame(
        [
            ("eng", "Engineering", "department", None, "Engineering", "E000009"),
            ("web", "Web Frontend", "team", "eng", "Engineering", PERSONAS["manager"]),
            ("api", "API Platform", "team", "eng", "Engineering", "E200000"),
            ("people", "People & Culture", "team", None, "People", PERSONAS["hr"]),
            ("talent", "Talent Acquisition", "team", None, "People", PERSONAS["recruiter"]),
        ],
        columns=["team_id", "name", "kind", "parent_id", "department", "lead_person_id"],
    )
    people_rows = [
        (PERSONAS["hr"], PERSONA_NAMES["hr"], "employee", "people"),
        (PERSONAS["manager"], PERSONA_NAMES["manager"], "employee", "web"),
        (PERSONAS["recruiter"], PERSONA_NAMES["recruiter"], "employee", "talent"),
        (PERSONAS["employee"], PERSONA_NAMES["employee"], "employee", "web"),
        *[(pid, name, "employee", team) for pid, name, team in OTHER_EMPLOYEES],
        *[(pid, name, "candidate", None) for pid, name in CANDIDATES],
    ]
    people = pd.DataFrame(people_rows, columns=["person_id", "display_name", "kind", "team_id"])
    people["role_title"] = people["person_id"].map(ROLE_TITLES)
    people["location"] = people["person_id"].map(lambda p: CANDIDATE_DETAILS.get(p, (None,))[0])
    people["availability"] = people["person_id"].map(
        lambda p: CANDIDATE_DETAILS.get(p, (None, None))[1]
    )
    identities = pd.DataFrame(
        {
            "person_id": people["person_id"],
            "kind": "email",
            "value": people["person_id"].str.lower() + "@example.org",
        }
    )
    skills = pd.DataFrame(
        [(ESCO + u, label, pillar, group) for u, label, pillar, group in SKILLS.values()],
        columns=["skill_uri", "label", "pillar", "group_code"],
    )
    issuers = pd.DataFrame(
        [
            ("iss-acme", "Acme Academy", "https://acme.example", "trusted"),
            ("iss-open", "Open Learning", "https://open.example", "unknown"),
            (badge_issuer_did(), "Acme University", None, "trusted"),
        ],
        columns=["issuer_id", "name", "url", "trust"],
    )
    achievements = pd.DataFrame(
        [
            ("a-py", "iss-acme", "Python Developer"),
            ("a-web", "iss-acme", "Web Foundations"),
            ("a-data", "iss-open", "Data Basics"),
            ("a-team", "iss-open", "Team Player"),
        ],
        columns=["achievement_id", "issuer_id", "name"],
    )
    awards = {  # achievement -> skills
        "a-py": ["python", "git"],
        "a-web": ["js", "ux", "git"],
        "a-data": ["sql", "python"],
        "a-team": ["teamwork"],
    }
    plan: list[tuple[str, str, str, int, int | None]] = [
        # person, achievement, status, issued days ago, expires in days
        (PERSONAS["employee"], "a-web", "verified", 400, None),
        (PERSONAS["employee"], "a-team", "verified", 100, 30),
        (PERSONAS["employee"], "a-py", "revoked", 50, None),
        (PERSONAS["manager"], "a-py", "verified", 800, None),
        (PERSONAS["manager"], "a-team", "verified", 300, None),
        (PERSONAS["hr"], "a-team", "verified", 200, None),
        ("C000001", "a-py", "verified", 90, None),
        ("C000001", "a-data", "verified", 60, None),
        ("C000002", "a-py", "verified", 1500, None),
        ("C000002", "a-web", "expired", 1200, -100),
        ("C000003", "a-data", "verified", 20, None),
    ]
    for i, (pid, _, team) in enumerate(OTHER_EMPLOYEES):
        plan.append((pid, "a-web" if team == "web" else "a-py", "verified", 30 * (i + 1), None))
        if i % 2 == 0:
            plan.append((pid, "a-team", "verified", 45 * (i + 1), None))
    issuer_of = dict(zip(achievements["achievement_id"], achievements["issuer_id"], strict=True))
    badge_name = dict(zip(achievements["achievement_id"], achievements["name"], strict=True))
    issuer_name = dict(zip(issuers["issuer_id"], issuers["name"], strict=True))
    creds, cred_skills = [], []
    for n, (pid, ach, status, ago, expires) in enumerate(plan):
        key = f"urn:test:cred:{n}"
        issued = NOW - timedelta(days=ago)
        creds.append(
            {
                "credential_key": key,
                "credential_id": key,
                "person_id": pid,
                "submitted_by": "seed",
                "format": "ob3-di",
                "status": status,
                "summary": "Verified" if status == "verified" else status.capitalize(),
                "issued": issued,
                "expires": None if expires is None else NOW + timedelta(days=expires),
                "verified_at": NOW,
                "source_sha256": f"{n:064d}",
                "issuer_id": issuer_of[ach],
                "achievement_id": ach,
                "badge_name": badge_name[ach],
                "issuer_name": issuer_name[issuer_of[ach]],
                "name": f"{ach}.json",
                "checks": '[{"name": "signature", "outcome": "passed", "message": "The '
                'Data Integrity proof is valid."}, {"name": "revocation", "outcome": "'
                + ("failed" if status == "revoked" else "passed")
                + '", "message": "Checked the status list."}]',
            }
        )
        for skill in awards[ach]:
            cred_skills.append(
                {
                    "credential_key": key,
                    "skill_uri": uri(skill),
                    "label": SKILLS[skill][1],
                    "mention": SKILLS[skill][1],
                    "source": "alignment",
                    "confidence": 0.95,
                    "method": "exact",
                }
            )
    with store.write() as tx:
        tx.insert_frame("teams", teams)
        tx.insert_frame("people", people)
        tx.insert_frame("identities", identities)
        tx.insert_frame(  # every seeded candidate agreed to be found by recruiters
            "candidate_consent",
            pd.DataFrame(
                {
                    "person_id": [pid for pid, _ in CANDIDATES],
                    "consented_at": NOW - timedelta(days=30),
                    "notice_version": "seed",
                }
            ),
        )
        tx.insert_frame("skills", skills)
        tx.insert_frame("issuers", issuers)
        tx.insert_frame("achievements", achievements)
        tx.insert_frame("credentials", pd.DataFrame(creds))
        tx.insert_frame("credential_skills", pd.DataFrame(cred_skills))
        tx.insert_frame(
            "role_profiles", pd.DataFrame(PROFILES, columns=["profile_id", "name", "team_id"])
        )
        tx.insert_frame(
            "role_skills",
            pd.DataFrame(REQUIREMENTS, columns=["profile_id", "target", "target_kind", "priority"]),
        )
        tx.insert_frame(
            "mapping_review",
            pd.DataFrame(
                [(normalise("ReactJS"), "ReactJS", 3)],
                columns=["label_norm", "label", "occurrences"],
            ),
        )
