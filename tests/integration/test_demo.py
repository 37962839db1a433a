"""The demo organisation: deterministic, every status present, hosted files served offline."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from skills.cli import main
from skills.demo import PERSONA_NAMES, PERSONAS, DemoConfig, build_demo, demo_client, generate_demo
from skills.demo.build import MILL_AWARDS
from skills.demo.generator import REFERENCE_DATE
from skills.demo.inputs import load_inputs
from skills.demo.org import build_organisation
from skills.store import open_store
from skills.verify import Status, verify

SMALL = DemoConfig(people=80, candidates=12, credentials=160, seed=7)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("hosted")
    return generate_demo(SMALL, root)


def test_same_seed_gives_the_same_organisation_badges_and_hosted_files(
    small_demo, tmp_path: Path
) -> None:
    again = generate_demo(SMALL, tmp_path / "again")
    assert [s.source for s in again.submissions] == [s.source for s in small_demo.submissions]
    assert again.organisation == small_demo.organisation
    assert _tree(tmp_path / "again") == _tree(small_demo.hosted_root)
    other = generate_demo(
        DemoConfig(people=80, candidates=12, credentials=160, seed=8), tmp_path / "o"
    )
    assert [s.source for s in other.submissions] != [s.source for s in small_demo.submissions]


def test_personas_exist_with_stable_ids_and_the_manager_leads_a_team() -> None:
    org = build_organisation(
        load_inputs(), employees=400, candidates=150, seed=99, reference=REFERENCE_DATE.date()
    )
    people = {p.person_id: p for p in org.people}
    for role, pid in PERSONAS.items():
        assert people[pid].name == PERSONA_NAMES[role]
    manager = PERSONAS["manager"]
    team = [p for p in org.people if p.manager_id == manager]
    assert 10 <= len(team) <= 15
    assert people[PERSONAS["employee"]].manager_id == manager
    assert people[PERSONAS["candidate"]].kind == "candidate"
    assert sum(1 for p in org.people if p.kind == "employee") == 400
    assert len({u.team_id for u in org.units if u.kind == "team"}) == 25


def test_badges_cover_every_format_skill_style_and_baking(small_demo) -> None:
    formats = Counter(s.format for s in small_demo.submissions)
    assert set(formats) == {"ob2-hosted", "ob2-signed", "ob3-di", "ob3-jwt"}
    deliveries = {s.delivery for s in small_demo.submissions}
    assert {"json", "url", "png"} <= deliveries
    styles = {a.style for a in small_demo.catalogue}
    assert styles == {"esco-alignment", "esco-extension", "free-text", "tags", "org"}
    esco = [r for a in small_demo.catalogue for r in a.skills if r.uri]
    assert all(r.uri.startswith("http://data.europa.eu/esco/skill/") for r in esco)
    dates = [
        json.loads(s.source)["issuedOn"]
        for s in small_demo.submissions
        if s.format == "ob2-hosted" and s.delivery == "json" and not s.special
    ]
    assert dates and all("2023-11" <= d[:7] <= "2026-11" for d in dates)


def test_hosted_badges_verify_through_the_file_transport(small_demo) -> None:
    people = {p.person_id: p for p in small_demo.organisation.people}
    hosted = [s for s in small_demo.submissions if s.delivery == "url" and not s.special]
    assert hosted
    with demo_client(small_demo.hosted_root) as client:
        sub = hosted[0]
        report = verify(sub.source, recipient=people[sub.person_id].email, client=client)
        assert report.status is Status.VERIFIED, report.summary
        assert client.get("https://elsewhere.example/issuer.json").status_code == 404
        profile = client.get(f"https://{load_inputs().issuers[0].host}/issuer.json").json()
        assert profile["type"] == "Issuer"


def test_demo_command_builds_a_database_with_every_status(tmp_path: Path, capsys) -> None:
    db = tmp_path / "demo.duckdb"
    args = [
        "demo",
        "--db",
        str(db),
        "--people",
        "80",
        "--candidates",
        "12",
        "--credentials",
        "160",
        "--seed",
        "7",
        "--workers",
        "2",
    ]
    assert main(args) == 0
    store = open_store(db, read_only=True)
    try:
        statuses = dict(store.rows("SELECT status, count(*) FROM credentials GROUP BY status"))
        assert set(statuses) == {s.value for s in Status}
        assert statuses["verified"] > 100
        assert store.scalar("SELECT count(*) FROM people") == 92
        # 160 credentials: round(160 * SPECIAL_SHARES["missing"]) == 0, so the floor of one
        # hosted badge whose assertion was deleted, which cannot be read and is rejected
        reasons = [r for (r,) in store.rows("SELECT reason FROM rejected_submissions")]
        assert len(reasons) == 1, reasons
        reason = reasons[0]
        assert reason.startswith("Not valid: The issuer does not host this badge at https://")
        assert reason.endswith(" (HTTP 404).")
        held = store.scalar("SELECT count(DISTINCT skill_uri) FROM held_skills")
        assert held > 20
        assert store.scalar("SELECT count(*) FROM role_profiles") > 20
    finally:
        store.close()
    assert main([*args, "--if-missing"]) == 0
    assert "nothing to do" in capsys.readouterr().err


def test_large_demos_bulk_load_pre_verified_rows(tmp_path: Path) -> None:
    store = open_store(tmp_path / "bulk.duckdb")
    try:
        result = build_demo(
            store,
            DemoConfig(people=120, candidates=10, credentials=400, signed_sample=60),
            hosted_root=tmp_path / "hosted",
            workers=1,
        )
        assert result.submitted == 60
        assert result.bulk_loaded == 340
        # 400 planned, plus the diploma mill's badges (genuinely signed, issuer untrusted)
        assert store.scalar("SELECT count(*) FROM credentials") == 400 + MILL_AWARDS
        assert (
            store.scalar(
                "SELECT count(*) FROM credential_skills cs "
                "JOIN credentials c USING (credential_key) "
                "WHERE c.submitted_by = 'demo' AND cs.method = 'demo'"
            )
            >= 340
        )
    finally:
        store.close()


def test_the_demo_build_passes_its_settings_to_ingestion(tmp_path: Path) -> None:
    """``python -m skills demo`` reads SKILLS_* once and hands them down: a batch limit
    smaller than the demo's verification chunk is honoured, not replaced by the default."""
    from skills.config import Settings
    from skills.errors import InputTooLarge

    store = open_store(tmp_path / "limited.duckdb")
    try:
        with pytest.raises(InputTooLarge, match="over the limit of 3"):
            build_demo(
                store,
                DemoConfig(people=80, candidates=12, credentials=160, seed=7, signed_sample=20),
                hosted_root=tmp_path / "hosted",
                workers=1,
                settings=Settings(max_batch_items=3),
            )
    finally:
        store.close()
