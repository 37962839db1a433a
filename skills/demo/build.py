"""Building the demo database: generate, load people, verify and ingest, bulk-load the rest.

:func:`build_demo` is what ``python -m skills demo`` and ``make run`` call. The truly
issued sample goes through the real path (:func:`skills.ingest.ingest_batch`: verify,
bind the recipient, map skills, store), with every fetch answered from the hosted files
by :func:`skills.demo.client.demo_client`. Credentials beyond the sample (benchmark
sizes) are stored as pre-verified rows with :func:`skills.store.bulk_load`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from skills.config import Settings
from skills.demo.catalogue import AchievementSpec, org_skill_uri
from skills.demo.client import demo_client
from skills.demo.generator import (
    DemoConfig,
    GeneratedDemo,
    PlannedCredential,
    build_day,
    generate_demo,
)
from skills.demo.inputs import DemoInputs, load_inputs, requirement_priorities
from skills.demo.org import Organisation, Person, slug
from skills.demo.personas import PERSONAS
from skills.store import Store, bulk_load

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages: generate, verify, load."""

ACTOR = "demo"
BULK_CHUNK = 200_000
SENIOR_EVERY = 6
"""Every sixth team member (not a lead, not a persona) carries the title "Senior <role>",
which HR has mapped to the role's profile (table ``role_title_profiles``)."""


@dataclass(frozen=True)
class DemoResult:
    """What a build did: counts per stored status and the time each stage took."""

    people: int
    teams: int
    submitted: int
    bulk_loaded: int
    statuses: dict[str, int]
    seconds: dict[str, float]


def role_title(person: Person, leads: set[str]) -> str:
    """The title a person's record carries: the role, or "Senior <role>" for every
    :data:`SENIOR_EVERY`-th team member (by id) who is neither a lead nor a persona."""
    senior = (
        person.kind == "employee"
        and person.team_id is not None
        and person.person_id not in leads
        and person.person_id not in PERSONAS.values()
        and int(person.person_id[1:]) % SENIOR_EVERY == 0
    )
    return f"Senior {person.role}" if senior else person.role


def title_mappings(org: Organisation) -> list[tuple[str, str, str]]:
    """(title_norm, title, profile_id) for each title that is not a profile's name."""
    leads = {u.lead_person_id for u in org.units if u.lead_person_id}
    out: dict[str, tuple[str, str, str]] = {}
    for person in org.people:
        title = role_title(person, leads)
        if title != person.role:
            out.setdefault(title.lower(), (title.lower(), title, "role:" + slug(person.role)))
    return [out[k] for k in sorted(out)]


def people_frames(org: Organisation) -> dict[str, pd.DataFrame]:
    """The ``teams``, ``people`` and ``identities`` rows of the organisation.

    A person's ``role_title`` is :func:`role_title` (mostly the role itself)."""
    leads = {u.lead_person_id for u in org.units if u.lead_person_id}
    teams = pd.DataFrame(
        {
            "team_id": [u.team_id for u in org.units],
            "name": [u.name for u in org.units],
            "kind": [u.kind for u in org.units],
            "parent_id": [u.parent_id for u in org.units],
            "department": [u.department for u in org.units],
            "lead_person_id": [u.lead_person_id for u in org.units],
        }
    )
    people = pd.DataFrame(
        {
            "person_id": [p.person_id for p in org.people],
            "display_name": [p.name for p in org.people],
            "kind": [p.kind for p in org.people],
            "team_id": [p.team_id for p in org.people],
            "role_title": [role_title(p, leads) for p in org.people],
            "manager_id": [p.manager_id for p in org.people],
            "location": [p.location for p in org.people],
            "availability": [p.availability for p in org.people],
            "start_date": pd.to_datetime(
                pd.Series([p.start_date for p in org.people], dtype="object")
            ).dt.date,
        }
    )
    ident_rows: list[tuple[str, str, str]] = [(p.person_id, "email", p.email) for p in org.people]
    ident_rows += [(p.person_id, "did", p.did) for p in org.people if p.did]
    identities = pd.DataFrame(ident_rows, columns=["person_id", "kind", "value"]).assign(
        hashed=False
    )
    return {"teams": teams, "people": people, "identities": identities}


def reference_frames(
    esco_labels: dict[str, str], inputs: DemoInputs | None = None
) -> dict[str, pd.DataFrame]:
    """Organisation skills, and one role profile per role title with its ESCO skills.

    A profile is named like its role title, so every person with that title maps to it
    by itself (view ``person_roles``); its skills take the priorities of
    :func:`skills.demo.inputs.requirement_priorities` (first listed, most important).
    """
    inputs = inputs or load_inputs()
    org_skills = pd.DataFrame(
        {
            "skill_uri": [org_skill_uri(n) for n, _ in inputs.org_skills],
            "label": [n for n, _ in inputs.org_skills],
            "pillar": "S",
            "description": [d for _, d in inputs.org_skills],
            "origin": "org",
            "created_by": ACTOR,
        }
    )
    profiles: list[dict[str, Any]] = []
    requirements: list[dict[str, Any]] = []
    for role, labels in inputs.roles.items():
        pid = "role:" + slug(role)
        profiles.append(
            {
                "profile_id": pid,
                "name": role,
                "description": f"Skills a {role} needs (demo profile).",
                "created_by": ACTOR,
            }
        )
        for label, priority in zip(labels, requirement_priorities(len(labels)), strict=True):
            requirements.append(
                {
                    "profile_id": pid,
                    "target": esco_labels[label],
                    "target_kind": "skill",
                    "priority": priority,
                }
            )
    return {
        "skills": org_skills,
        "role_profiles": pd.DataFrame(profiles),
        "role_skills": pd.DataFrame(requirements).drop_duplicates(["profile_id", "target"]),
    }


def _status_of(planned: PlannedCredential) -> str:
    return {
        "revoked": "revoked",
        "expired": "expired",
        "tampered": "invalid",
        "foreign": "recipient_mismatch",
        "missing": "invalid",
        "unreachable": "unverifiable",
        "not_yet_valid": "not_yet_valid",
    }.get(planned.award.special, "verified")


def _achievement_id(planned: PlannedCredential, ach: AchievementSpec) -> str:
    base = planned.issuer.base_url
    if planned.issuer.format.startswith("ob2"):
        return f"{base}badges/{ach.slug}.json"
    return f"{base}achievements/{ach.slug}"


def _credential_id(planned: PlannedCredential) -> str:
    if planned.issuer.format == "ob2-hosted":
        return f"{planned.issuer.base_url}assertions/{planned.award.uid}.json"
    return f"urn:uuid:{planned.award.uid}"


def preverified_frames(
    planned: list[PlannedCredential], esco_labels: dict[str, str], now: datetime
) -> dict[str, pd.DataFrame]:
    """Rows for credentials planned but not signed: as the real path would store them.

    Skills are taken from the achievement's stated skills (ESCO URI, confidence 1.0,
    method ``demo``); ``raw`` is left empty, so these rows cannot be re-verified.
    """
    creds: dict[str, list[Any]] = {
        k: []
        for k in (
            "credential_key",
            "credential_id",
            "person_id",
            "format",
            "status",
            "summary",
            "issued",
            "expires",
            "issuer_id",
            "achievement_id",
            "name",
            "source_sha256",
            "badge_name",
            "badge_description",
            "issuer_name",
        )
    }
    skill_rows: dict[str, list[Any]] = {
        k: [] for k in ("credential_key", "skill_uri", "label", "mention", "source")
    }
    achievements: dict[str, dict[str, Any]] = {}
    issuers: dict[str, dict[str, Any]] = {}
    for item in planned:
        ach = item.award.achievement
        key = _credential_id(item)
        ach_id = _achievement_id(item, ach)
        status = _status_of(item)
        creds["credential_key"].append(key)
        creds["credential_id"].append(key)
        creds["person_id"].append(item.person_id)
        creds["format"].append(item.issuer.format)
        creds["status"].append(status)
        creds["summary"].append(f"Pre-verified demo credential ({status}).")
        creds["issued"].append(item.award.issued)
        creds["expires"].append(item.award.expires)
        creds["issuer_id"].append(item.issuer_id)
        creds["achievement_id"].append(ach_id)
        creds["name"].append(f"{ach.slug}.json")
        creds["badge_name"].append(ach.name)
        creds["badge_description"].append(ach.description)
        creds["issuer_name"].append(item.issuer.name)
        creds["source_sha256"].append(hashlib.sha256(key.encode()).hexdigest())
        achievements.setdefault(
            ach_id,
            {
                "achievement_id": ach_id,
                "issuer_id": item.issuer_id,
                "name": ach.name,
                "description": ach.description,
            },
        )
        issuers.setdefault(
            item.issuer_id,
            {"issuer_id": item.issuer_id, "name": item.issuer.name, "url": item.issuer.base_url},
        )
        for ref in ach.skills:
            skill_rows["credential_key"].append(key)
            skill_rows["skill_uri"].append(ref.uri or org_skill_uri(ref.label))
            skill_rows["label"].append(ref.label)
            skill_rows["mention"].append(ref.stated_as)
            skill_rows["source"].append("alignment" if ach.style != "tags" else "tag")
    cred_frame = pd.DataFrame(creds).assign(
        submitted_by=ACTOR, verified_at=now, baked_in=None, checks=None
    )
    cred_frame["issued"] = pd.to_datetime(cred_frame["issued"], utc=True)
    cred_frame["expires"] = pd.to_datetime(cred_frame["expires"], utc=True)
    skills = pd.DataFrame(skill_rows).assign(confidence=1.0, method="demo", inferred=False)
    history = pd.DataFrame(
        {
            "credential_key": cred_frame["credential_key"],
            "old_status": pd.Series([None] * len(cred_frame), dtype="object"),
            "new_status": cred_frame["status"],
            "changed_at": now,
            "reason": "demo bulk load",
        }
    )
    return {
        "issuers": pd.DataFrame(list(issuers.values())),
        "achievements": pd.DataFrame(list(achievements.values())),
        "credentials": cred_frame,
        "credential_skills": skills,
        "credential_status_history": history,
    }


def build_demo(
    store: Store,
    config: DemoConfig,
    *,
    hosted_root: Path,
    workers: int | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    inputs: DemoInputs | None = None,
    settings: Settings | None = None,
) -> DemoResult:
    """Generate the demo organisation and store it in ``store``.

    Side effects: writes the hosted issuer files under ``hosted_root`` and fills the
    database (people, teams, identities, every candidate's consent to be found,
    organisation skills, role profiles, credentials with their skills). Badge dates
    are anchored to the day of ``now`` (default: the current time; see
    :func:`skills.demo.generator.build_day`), so some badges expire within 90 days of
    the build. Safe to run again on the same database
    the same day: stored rows are kept and counted as duplicates. ``inputs`` replaces the files of
    ``data/demo/`` (tests); ``settings`` go to ingestion (limits, verification workers).
    Raises :class:`ConfigError` for bad sizes
    or missing inputs and :class:`StoreError` when the database refuses.
    """
    from skills.demo.generator import load_esco
    from skills.ingest import BatchItem, ingest_batch

    seconds: dict[str, float] = {}
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    started = time.perf_counter()

    def gen_progress(done: int, total: int) -> None:
        if progress:
            progress("generate", done, total)

    demo: GeneratedDemo = generate_demo(
        config, hosted_root, inputs=inputs, progress=gen_progress, reference=build_day(moment)
    )
    skills, _ = load_esco()
    esco_labels = dict(zip(skills["label"].astype(str), skills["uri"].astype(str), strict=True))
    seconds["generate"] = time.perf_counter() - started

    started = time.perf_counter()
    bulk_load(
        store,
        {**people_frames(demo.organisation), **reference_frames(esco_labels, inputs)},
        actor=ACTOR,
    )
    _map_titles(store, title_mappings(demo.organisation), moment)
    _record_consent(store, demo.organisation, moment)
    seconds["people"] = time.perf_counter() - started

    started = time.perf_counter()
    items = [BatchItem(s.source, s.person_id, s.name) for s in demo.submissions]
    summary_counts: Counter[str] = Counter()
    batch = 5000
    for start in range(0, len(items), batch):
        part = items[start : start + batch]

        def verify_progress(done: int, total: int, base: int = start) -> None:
            if progress:
                progress("verify", base + done, len(items))

        summary = ingest_batch(
            store,
            part,
            submitted_by=ACTOR,
            client_factory=functools.partial(demo_client, hosted_root),
            workers=workers,
            progress=verify_progress,
            now=moment,
            settings=settings,
        )
        summary_counts.update(summary.counts)
    seconds["verify_and_ingest"] = time.perf_counter() - started

    started = time.perf_counter()
    loaded = 0
    planned = list(demo.planned)
    for start in range(0, len(planned), BULK_CHUNK):
        part_plan = planned[start : start + BULK_CHUNK]
        counts = bulk_load(store, preverified_frames(part_plan, esco_labels, moment), actor=ACTOR)
        loaded += counts.get("credentials", 0)
        if progress:
            progress("load", start + len(part_plan), len(planned))
    seconds["bulk_load"] = time.perf_counter() - started

    started = time.perf_counter()
    mill = _diploma_mill(store, config.seed, moment, settings)
    summary_counts.update(mill.counts)
    _settle_trust(store, hosted_root)
    seconds["trust"] = time.perf_counter() - started

    statuses = {
        str(s): int(n)
        for s, n in store.rows("SELECT status, count(*) FROM credentials GROUP BY status")
    }
    return DemoResult(
        people=len(demo.organisation.people),
        teams=sum(1 for u in demo.organisation.units if u.kind == "team"),
        submitted=len(items),
        bulk_loaded=loaded,
        statuses=statuses,
        seconds=seconds,
    )


MILL_NAME = "Diploma Mill (fake)"
_ESCO = "http://data.europa.eu/esco/skill/"
MILL_AWARDS = 4
MILL_BADGES = (  # (badge, ESCO skill it claims: preventive medicine, ensure information security)
    ("Doctor of Medicine", _ESCO + "08f85a8c-c50c-4c97-b456-2fdda7f6a973"),
    ("Chief Security Architect", _ESCO + "6833e58b-eceb-4599-9375-1b7e6ec64087"),
)


def _diploma_mill(store: Store, seed: int, moment: datetime, settings: Settings | None) -> Any:
    """A few genuinely signed badges from a ``did:key`` "diploma mill" that HR has marked
    untrusted: verified signatures, skills that never count (the demo shows why)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from skills.demo.signing import sign_data_integrity
    from skills.ingest import BatchItem, ingest_batch
    from skills.verify import did_key_for

    key = ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"diploma-mill-{seed}".encode()).digest()
    )
    did = did_key_for(key.public_key())
    people = store.rows(
        "SELECT p.person_id, min(i.value) FROM people p JOIN identities i USING (person_id) "
        "WHERE p.kind = 'employee' AND i.kind = 'email' AND NOT i.hashed "
        "GROUP BY p.person_id ORDER BY p.person_id LIMIT ?",
        [MILL_AWARDS],
    )
    items = []
    for n, (person, email) in enumerate(people):
        name, skill = MILL_BADGES[n % len(MILL_BADGES)]
        doc: dict[str, Any] = {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": f"urn:uuid:00000000-0000-4000-8000-{seed:06d}{n:06d}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": name,
            "issuer": {"id": did, "type": ["Profile"], "name": MILL_NAME},
            "validFrom": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": [
                    {
                        "type": "IdentityObject",
                        "identityHash": str(email),
                        "identityType": "emailAddress",
                        "hashed": False,
                    }
                ],
                "achievement": {
                    "id": f"urn:uuid:00000000-0000-4000-9000-{n:012d}",
                    "type": ["Achievement"],
                    "name": name,
                    "description": "Awarded on payment; no assessment.",
                    "criteria": {"narrative": "Payment received."},
                    "alignment": [
                        {
                            "type": ["Alignment"],
                            "targetName": name,
                            "targetUrl": skill,
                            "targetFramework": "ESCO",
                            "targetType": "ceasn:Competency",
                        }
                    ],
                },
            },
        }
        signed = sign_data_integrity(
            doc, key, f"{did}#{did.removeprefix('did:key:')}", created=str(doc["validFrom"])
        )
        items.append(BatchItem(json.dumps(signed).encode(), str(person), f"mill-{n}.json"))
    return ingest_batch(store, items, submitted_by=ACTOR, workers=1, now=moment, settings=settings)


def _map_titles(store: Store, mappings: list[tuple[str, str, str]], moment: datetime) -> None:
    """Record the demo's title mappings as HR would (kept if HR already mapped a title)."""
    if not mappings:
        return
    with store.write() as tx:
        for norm, title, profile_id in mappings:
            tx.upsert(
                "role_title_profiles",
                {
                    "title_norm": norm,
                    "title": title,
                    "profile_id": profile_id,
                    "mapped_by": ACTOR,
                    "mapped_at": moment,
                },
                keys=["title_norm"],
            )


def _record_consent(store: Store, org: Organisation, moment: datetime) -> None:
    """Every demo candidate agreed to the privacy notice (so recruiters can find them);
    kept as it is when a candidate already decided otherwise."""
    from skills.services.profile import NOTICE_VERSION

    candidates = [p.person_id for p in org.people if p.kind == "candidate"]
    if not candidates:
        return
    with store.write() as tx:
        frame = pd.DataFrame({"person_id": candidates})
        frame["consented_at"], frame["notice_version"] = moment, NOTICE_VERSION
        tx.insert_frame("candidate_consent", frame, on_conflict="nothing")


def _settle_trust(store: Store, hosted_root: Path) -> None:
    """Mark the demo database as one (its hosted-files folder, so only it serves the demo
    issuers' files), trust the demo issuers and distrust the diploma mill."""
    from skills.store import set_issuer_trust

    with store.write() as tx:
        tx.upsert(
            "app_settings",
            {"key": "demo_hosted", "value": str(hosted_root.resolve())},
            keys=["key"],
            update={"value": "given.value"},
        )
    for issuer_id, name in store.rows("SELECT issuer_id, name FROM issuers"):
        trust = "untrusted" if name == MILL_NAME else "trusted"
        set_issuer_trust(store, str(issuer_id), trust, actor=ACTOR)


def manifest(demo: GeneratedDemo) -> str:
    """A JSON summary of a generated demo (sizes and intended fates), for tests and logs."""
    fates = Counter(s.special or "ordinary" for s in demo.submissions)
    return json.dumps(
        {
            "people": len(demo.organisation.people),
            "submissions": len(demo.submissions),
            "planned": len(demo.planned),
            "fates": dict(sorted(fates.items())),
        },
        sort_keys=True,
    )


__all__ = [
    "DemoResult",
    "build_demo",
    "manifest",
    "people_frames",
    "preverified_frames",
    "reference_frames",
    "role_title",
    "title_mappings",
]
