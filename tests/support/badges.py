"""Badges of the seed's trusted issuer (:func:`tests.support.seed.badge_issuer`) for page and
service tests: signed OB 3.0 credentials that verify offline and whose skills count."""

from __future__ import annotations

import json
from typing import Any

from skills.demo.signing import sign_data_integrity
from tests.support import seed
from tests.support.envelope_helpers import PYTHON_ESCO, SQL_ESCO, DidKey, achievement_credential

PYTHON = ("Python (computer programming)", PYTHON_ESCO)
SQL = ("SQL", SQL_ESCO)


def email(person_id: str) -> str:
    """A seeded person's e-mail identity (``seed`` gives each ``<id>@example.org``)."""
    return f"mailto:{person_id.lower()}@example.org"


def badge(subject: str, *skills: tuple[str, str], name: str = "Data Course") -> bytes:
    """A signed OB 3.0 badge of the seed's trusted issuer for ``subject``, aligned to
    ``skills`` (label, ESCO URI), as JSON bytes."""
    issuer = DidKey(key=seed.badge_issuer())
    doc: dict[str, Any] = achievement_credential(issuer, subject, name, *skills[0])
    doc.pop("proof")
    doc["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": label, "targetUrl": url, "targetFramework": "ESCO"}
        for label, url in skills
    ]
    signed = sign_data_integrity(doc, issuer.key, issuer.vm, created="2024-01-15T00:00:00Z")
    return json.dumps(signed).encode()
