"""The OB 3.0 credential the verification benchmarks issue, one distinct copy per index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from openbadgeslib.ob3 import Achievement, Alignment, Issuer, OpenBadgeCredential

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def sample_credential(issuer_id: str, i: int) -> OpenBadgeCredential:
    """Credential ``i`` of issuer ``issuer_id``: its own recipient, one of 20 achievements."""
    return OpenBadgeCredential(
        issuer=Issuer(id=issuer_id, name="Acme Academy", url="https://issuer.example"),
        recipient_id=f"did:example:person{i}",
        achievement=Achievement(
            id=f"https://issuer.example/achievements/{i % 20}",
            name=f"Skill {i % 20}",
            description="Demonstrated the skill in a practical assessment.",
            criteria_narrative="Passed the assessment.",
            tags=["python"],
            alignments=[
                Alignment(
                    target_name="Python (computer programming)",
                    target_url="http://data.europa.eu/esco/skill/ccd0a1d9",
                    target_framework="ESCO",
                )
            ],
        ),
        issuance_date=NOW - timedelta(days=1 + i % 300),
    )
