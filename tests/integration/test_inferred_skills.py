"""Skills inferred from a verified badge's description and criteria (issue 14): real signed
badges (openbadgeslib VC-JWT), the real ESCO skill mapper, a real DuckDB file."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from openbadgeslib.ob3 import Achievement, IdentityObject, Issuer, OB3Signer, OpenBadgeCredential

from skills.extract import INFERRED_CONFIDENCE
from skills.ingest import ingest_one
from skills.store import Store
from tests.support.ingest_helpers import PYTHON_ESCO, BadgeIssuer, trust_issuers

pytestmark = pytest.mark.slow  # loads the ESCO matcher

SQL_ESCO = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742"
COMMUNICATION_ESCO = "http://data.europa.eu/esco/skill/15d76317-c71a-4fa2-aadc-2ecc34e627b7"
DESCRIPTION = (
    "Participants completed Python programming exercises and wrote SQL queries against "
    "a shared warehouse; the last module was about communication."
)


def _badge(
    issuer: BadgeIssuer,
    *,
    description: str,
    tags: list[str] | None = None,
    criteria: str = "Attend all sessions.",
) -> str:
    """A signed VC-JWT for ada@example.org with no alignment: only text names its skills."""
    achievement = Achievement(
        id=f"https://issuer.example/achievements/{uuid.uuid4()}",
        name="Autumn Data Week",
        description=description,
        criteria_narrative=criteria,
        tags=tags or [],
        achievement_type="Badge",
        alignments=[],
    )
    credential = OpenBadgeCredential(
        issuer=Issuer(id=issuer.did, name="Acme Academy", url="https://issuer.example"),
        recipient_id=None,
        achievement=achievement,
        id=f"urn:uuid:{uuid.uuid4()}",
        issuance_date=datetime.now(UTC) - timedelta(days=30),
        identifiers=[IdentityObject.create("ada@example.org", salt="s4lt")],
    )
    token: str = OB3Signer(issuer._pem(), algorithm="EdDSA").sign(credential)
    return token


def _skills(store: Store, key: str) -> dict[str, dict[str, Any]]:
    frame = store.read(
        "SELECT skill_uri, mention, source, confidence, method, inferred "
        "FROM credential_skills WHERE credential_key = ? ORDER BY mention",
        [key],
    )
    records: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in frame.to_dict("records")
    ]
    return {r["skill_uri"]: r for r in records if not pd.isna(r["skill_uri"])} | {
        f"review:{r['mention']}": r for r in records if pd.isna(r["skill_uri"])
    }


def test_a_badge_whose_description_names_skills_gets_inferred_rows(
    store: Store, issuer: BadgeIssuer
) -> None:
    result = ingest_one(
        store, _badge(issuer, description=DESCRIPTION), person_id="e1", submitted_by="ada"
    )
    assert result.status == "verified"
    rows = _skills(store, str(result.credential_key))
    python, sql = rows[PYTHON_ESCO], rows[SQL_ESCO]
    assert (python["mention"], python["source"], python["inferred"]) == (
        "Python",
        "description",
        True,
    )
    assert (sql["mention"], sql["source"], sql["inferred"]) == ("SQL", "description", True)
    # an exact name in free text is worth INFERRED_CONFIDENCE, never a structured claim's 1.0
    assert sql["confidence"] == pytest.approx(INFERRED_CONFIDENCE)
    assert python["confidence"] < 1.0
    # "communication" is one generic word: inferred below the held threshold, so it waits
    # for review with the skill as its candidate instead of being held
    weak = rows["review:communication"]
    assert (weak["source"], weak["inferred"]) == ("description", True)
    assert COMMUNICATION_ESCO not in rows
    review = store.read("SELECT label_norm, candidates FROM mapping_review")
    assert "communication" in set(review["label_norm"])
    assert COMMUNICATION_ESCO in str(
        review.set_index("label_norm").at["communication", "candidates"]
    )
    # above the threshold, from a trusted issuer: held like any other skill
    trust_issuers(store)
    held = set(store.read("SELECT skill_uri FROM held_skills WHERE person_id = 'e1'")["skill_uri"])
    assert {PYTHON_ESCO, SQL_ESCO} <= held
    assert COMMUNICATION_ESCO not in held


def test_a_badge_with_a_skill_tag_does_not_run_the_extractor(
    store: Store, issuer: BadgeIssuer
) -> None:
    token = _badge(issuer, description=DESCRIPTION, tags=["SQL"])
    result = ingest_one(store, token, person_id="e1", submitted_by="ada")
    assert result.status == "verified"
    frame = store.read(
        "SELECT skill_uri, source, inferred FROM credential_skills WHERE credential_key = ?",
        [result.credential_key],
    )
    assert frame.to_dict("records") == [{"skill_uri": SQL_ESCO, "source": "tag", "inferred": False}]


def test_the_criteria_narrative_is_read_and_the_store_threshold_decides_review(
    store: Store, issuer: BadgeIssuer
) -> None:
    with store.write() as tx:
        tx.execute("UPDATE app_settings SET value = '0.7' WHERE key = 'held_confidence_threshold'")
    token = _badge(issuer, description="A week of talks.", criteria="Write SQL for a report.")
    result = ingest_one(store, token, person_id="e1", submitted_by="ada")
    rows = _skills(store, str(result.credential_key))
    # 1.0 x INFERRED_CONFIDENCE is below this organisation's 0.7: review, not a weak skill
    assert SQL_ESCO not in rows
    assert (rows["review:SQL"]["source"], rows["review:SQL"]["inferred"]) == ("criteria", True)
    review = store.read("SELECT label_norm, candidates FROM mapping_review")
    assert SQL_ESCO in str(review.set_index("label_norm").at["sql", "candidates"])
