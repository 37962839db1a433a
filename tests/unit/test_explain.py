"""Verification reports in plain words."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from skills.explain import explain_checks, headline, plain, report_headline
from skills.verify._model import (
    Achievement,
    Credential,
    Issuer,
    Recipient,
    Report,
    Status,
    decide,
    failed,
    not_run,
    passed,
)

SIGNED_OK = (
    passed("input", "The badge was read successfully."),
    passed("signature", "The signature is valid."),
    passed("revocation", "Not on the issuer's revocation list."),
    passed("validity", "Within its validity window (until 2027-05-01)."),
    passed("recipient", "Issued to ada@example.org (matches the badge's hashed identity)."),
)


def _report(checks: tuple, issuer: str = "Acme Academy") -> Report:  # type: ignore[type-arg]
    cred = Credential("urn:x", Issuer("https://acme", issuer), Achievement(name="A"), Recipient())
    return Report(decide(checks), "ob3-di", checks, cred, "0" * 64, datetime.now(UTC))


def test_a_verified_badge_reads_as_one_sentence() -> None:
    assert report_headline(_report(SIGNED_OK)) == (
        "Signed by Acme Academy's key, not revoked, valid until 2027-05-01, issued to you."
    )


def test_a_hosted_badge_without_expiry() -> None:
    checks = (
        passed("hosted", "Re-fetched."),
        passed("validity", "Issued 2024-01-01; it does not expire."),
    )
    text = headline("verified", checks, issuer_name="Uni", recipient_is_viewer=False)
    assert text == "Published by Uni at its own address, does not expire."


def test_a_revoked_badge_says_why() -> None:
    checks = (passed("signature", "ok"), failed("revocation", "Revoked on 2025-01-02."))
    report = _report(checks)
    assert report.status is Status.REVOKED
    assert report_headline(report).startswith("Revoked by its issuer: Revoked on 2025-01-02")


def test_stored_checks_json_is_explained_row_by_row() -> None:
    stored = json.dumps(
        [
            {"name": "signature", "outcome": "passed", "message": "Valid."},
            {"name": "revocation", "outcome": "not_run", "message": "List unreachable."},
        ]
    )
    rows = explain_checks(stored)
    assert [(r.title, r.mark) for r in rows] == [("Signature", "✓"), ("Not revoked", "–")]
    assert headline("unverifiable", stored) == "Could not be verified: List unreachable."
    assert explain_checks("not json") == []


def test_plain_escapes_markdown_and_links() -> None:
    hostile = "[click](javascript:alert(1)) **bold** <b>x</b>\n# head"
    out = plain(hostile)
    assert "\n" not in out
    assert "](" not in out and "**" not in out and "<b>" not in out
    assert not_run("x", "y").required
