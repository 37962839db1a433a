"""A submission's result in words (issue 14): each reason said once, and what to do.

Real verification: a hosted badge whose site refuses the connection (httpx.MockTransport
raising as a closed port does), and a badge signed for somebody else.
"""

from __future__ import annotations

import httpx

from skills.explain import (
    ADVICE,
    NOT_COUNTED,
    UNREACHABLE_ADVICE,
    UNREVIEWED_ADVICE,
    added_sentence,
    advice,
    explain_checks,
    headline,
    report_headline,
)
from skills.verify import verify
from tests.support import seed
from tests.support.envelope_helpers import PYTHON_ESCO, DidKey, achievement_credential

URL = "https://issuer.example/badges/1.json"


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def test_an_unreachable_issuer_is_said_once_with_what_to_do() -> None:
    with httpx.Client(transport=httpx.MockTransport(_refused)) as http:
        report = verify(URL, client=http)
    assert report.status == "unverifiable"
    sentence = headline(report.status, report, summary=report.summary)
    assert sentence.count("could not be fetched") == 1, sentence
    assert sentence == f"Could not be verified: The badge at {URL} could not be fetched " + (
        "(connection refused)."
    )
    rows = {r.name: r.message for r in explain_checks(report)}
    assert rows["hosted"].count("could not be fetched") == 1, rows["hosted"]
    assert advice(report.status, report) == UNREACHABLE_ADVICE


def test_issued_to_someone_else_is_said_once_with_what_to_do() -> None:
    issuer = DidKey(key=seed.badge_issuer())
    doc = achievement_credential(
        issuer, "mailto:ann@example.org", "Python", "Python (computer programming)", PYTHON_ESCO
    )
    report = verify(doc, recipient="mailto:bob@example.org")
    assert report.status == "recipient_mismatch"
    sentence = report_headline(report)
    assert sentence.count("Issued to someone else") == 1, sentence
    assert sentence.startswith("Issued to someone else: ")
    assert advice(report.status, report) == ADVICE["recipient_mismatch"]
    assert "Profile → Your addresses" in ADVICE["recipient_mismatch"]
    assert "their profile" in str(advice(report.status, report, for_viewer=False))


def test_every_status_short_of_verified_has_advice() -> None:
    for status in (
        "recipient_mismatch",
        "unverifiable",
        "revoked",
        "expired",
        "invalid",
        "not_yet_valid",
        "rejected",
    ):
        assert advice(status), status
    assert advice("verified") is None
    assert advice("verified", not_counted="issuer_unreviewed") == UNREVIEWED_ADVICE


def test_what_a_submission_added_in_one_sentence() -> None:
    ts, js = ("TypeScript", "esco"), ("JavaScript", "esco")
    assert added_sentence([ts, js], []) == "Added to your profile: TypeScript, JavaScript (ESCO)."
    assert added_sentence([ts], [], whose="Ann's") == "Added to Ann's profile: TypeScript (ESCO)."
    assert added_sentence([], [js]) == "No new skills: you already hold JavaScript (ESCO)."
    assert added_sentence([], [], not_counted="issuer_unreviewed") == (
        "No skills counted because its issuer is not yet reviewed by HR."
    )
    # a copy of somebody else's badge: nothing that reveals somebody here holds it
    other = added_sentence([], [], not_counted="elsewhere")
    assert other == "This submission was not added to your profile."
    assert added_sentence([], [], not_counted="elsewhere", whose="Ann's") == (
        "This submission was not added to Ann's profile."
    )
    for said in (other, NOT_COUNTED["elsewhere"]):
        assert "record" not in said and "already" not in said and "stored" not in said
