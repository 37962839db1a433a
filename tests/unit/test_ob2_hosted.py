"""OB 2.0 hosted badges (and 0.5/1.x upgraded): what a person sees for each situation."""

from __future__ import annotations

import base64
import copy
import hashlib
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from skills.verify import Status, verify

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SALT = "pepper"
EMAIL = "grace@example.org"
IDENTITY = "sha256$" + hashlib.sha256((EMAIL + SALT).encode()).hexdigest()
ASSERTION_URL = "https://badges.example/assertions/1"
BADGE_URL = "https://badges.example/classes/cobol"
ISSUER_URL = "https://badges.example/issuer"
CTX = "https://w3id.org/openbadges/v2"


def docs() -> dict[str, Any]:
    return {
        ASSERTION_URL: {
            "@context": CTX,
            "type": "Assertion",
            "id": ASSERTION_URL,
            "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": IDENTITY},
            "badge": BADGE_URL,
            "issuedOn": "2025-01-02T03:04:05Z",
            "verification": {"type": "HostedBadge"},
            "extensions:escoExtension": {
                "@context": "https://w3id.org/openbadges/extensions/exampleExtension/context.json",
                "type": ["Extension", "extensions:ExampleExtension"],
                "exampleProperty": "http://data.europa.eu/esco/skill/abc",
            },
        },
        BADGE_URL: {
            "@context": CTX,
            "type": "BadgeClass",
            "id": BADGE_URL,
            "name": "COBOL",
            "description": "Maintains COBOL.",
            "image": "https://badges.example/cobol.png",
            "criteria": {"narrative": "Ship a batch job."},
            "issuer": ISSUER_URL,
            "tags": ["cobol"],
            "alignment": [
                {
                    "targetName": "COBOL",
                    "targetUrl": "http://data.europa.eu/esco/skill/x",
                    "targetCode": "x",
                }
            ],
        },
        ISSUER_URL: {
            "@context": CTX,
            "type": "Issuer",
            "id": ISSUER_URL,
            "name": "Hopper Institute",
            "url": "https://badges.example",
        },
    }


def client_for(served: dict[str, Any], statuses: dict[str, int] | None = None) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if statuses and url in statuses:
            return httpx.Response(statuses[url])
        if url in served:
            return httpx.Response(200, json=served[url])
        return httpx.Response(404)

    return httpx.Client(transport=httpx.MockTransport(handler))


def run(submitted: Any, served: dict[str, Any], **kw: Any) -> Any:
    statuses = kw.pop("statuses", None)
    with client_for(served, statuses) as client:
        return verify(submitted, client=client, now=NOW, **kw)


def check(report: Any, name: str) -> Any:
    return [c for c in report.checks if c.name == name][-1]


def test_hosted_badge_verifies_and_reads_skills_from_the_hosted_copy() -> None:
    d = docs()
    report = run(d[ASSERTION_URL], d, recipient=EMAIL)
    assert report.ok, report.summary
    cred = report.credential
    assert cred.issuer.name == "Hopper Institute"
    assert cred.achievement.criteria == "Ship a batch job."
    assert cred.alignments[0].target_code == "x"
    assert cred.extensions[0]["_key"] == "assertion.extensions:escoExtension"
    assert "Hopper Institute" in check(report, "hosted").message


def test_a_url_submission_is_fetched_and_verified() -> None:
    d = docs()
    report = run(ASSERTION_URL, d)
    assert report.ok, report.summary


def test_a_forged_submission_differing_from_the_hosted_copy_is_invalid() -> None:
    d = docs()
    forged = copy.deepcopy(d[ASSERTION_URL])
    forged["recipient"]["identity"] = "sha256$" + "0" * 64
    report = run(forged, d)
    assert report.status is Status.INVALID
    assert "recipient" in check(report, "hosted").message
    assert report.credential is None


def test_skills_added_to_the_submitted_copy_are_ignored() -> None:
    d = docs()
    forged = copy.deepcopy(d[ASSERTION_URL])
    forged["badge"] = {
        **d[BADGE_URL],
        "alignment": [{"targetName": "Brain surgery", "targetUrl": "https://x"}],
    }
    forged["badge"]["id"] = BADGE_URL
    report = run(forged, d)
    # same essentials (id, recipient, badge id): verified, but skills come from the hosted copy
    assert report.ok
    assert [a.target_name for a in report.credential.alignments] == ["COBOL"]


def test_http_410_means_revoked() -> None:
    d = docs()
    report = run(d[ASSERTION_URL], d, statuses={ASSERTION_URL: 410})
    assert report.status is Status.REVOKED


def test_revoked_true_in_the_hosted_copy_means_revoked_with_reason() -> None:
    d = docs()
    served = copy.deepcopy(d)
    served[ASSERTION_URL].update(revoked=True, revocationReason="Cheated")
    report = run(d[ASSERTION_URL], served)
    assert report.status is Status.REVOKED
    assert "Cheated" in report.summary


def test_an_unreachable_host_leaves_the_badge_unverifiable() -> None:
    d = docs()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down", request=request)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = verify(d[ASSERTION_URL], client=client, now=NOW)
    assert report.status is Status.UNVERIFIABLE


def test_a_badge_hosted_outside_the_issuer_domain_is_invalid() -> None:
    d = docs()
    evil = "https://evil.example/a/1"
    served = copy.deepcopy(d)
    served[evil] = {**served.pop(ASSERTION_URL), "id": evil}
    report = run(served[evil], served)
    assert report.status is Status.INVALID
    assert check(report, "origin").outcome == "failed"


def test_undefined_properties_are_rejected() -> None:
    d = docs()
    served = copy.deepcopy(d)
    served[ASSERTION_URL]["skills"] = ["Brain surgery"]
    report = run(served[ASSERTION_URL], served)
    assert report.status is Status.INVALID
    assert "skills" in check(report, "safe_mode").message


def test_a_signed_badge_submitted_as_json_is_unverifiable() -> None:
    d = docs()
    doc = {**d[ASSERTION_URL], "verification": {"type": "SignedBadge", "creator": "https://k"}}
    report = run(doc, d)
    assert report.status is Status.UNVERIFIABLE
    assert "JWS" in report.summary


@pytest.mark.parametrize(
    "context", ["https://w3id.org/openbadges/invalid", "https://evil.example/ctx"]
)
def test_unknown_contexts_are_invalid(context: str) -> None:
    d = docs()
    report = run({**d[ASSERTION_URL], "@context": context}, d)
    assert report.status is Status.INVALID
    assert check(report, "context").outcome == "failed"


def test_an_ob_1_0_hosted_badge_is_upgraded_and_verified() -> None:
    url = "https://badges.example/v1/assertion"
    legacy = {
        "uid": "abc",
        "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": IDENTITY},
        "badge": "https://badges.example/v1/badge",
        "verify": {"type": "hosted", "url": url},
        "issuedOn": 1700000000,
    }
    served = {
        url: legacy,
        "https://badges.example/v1/badge": {
            "name": "Old badge",
            "description": "From 2014",
            "image": "https://badges.example/v1/badge.png",
            "criteria": "https://badges.example/v1/criteria",
            "issuer": "https://badges.example/v1/issuer",
            "alignment": [{"name": "Fortran", "url": "https://esco.example/fortran"}],
        },
        "https://badges.example/v1/issuer": {
            "name": "Old Institute",
            "url": "https://badges.example",
        },
    }
    report = run(legacy, served, recipient=EMAIL)
    assert report.ok, report.summary
    assert report.format == "ob10-hosted"
    assert report.credential.alignments[0].target_name == "Fortran"
    assert report.credential.issuer.name == "Old Institute"


def test_an_ob_0_5_badge_without_an_address_is_unverifiable_but_by_url_it_verifies() -> None:
    url = "https://badges.example/v05/1"
    legacy = {
        "recipient": IDENTITY,
        "salt": SALT,
        "issued_on": "2013-05-01",
        "badge": {
            "version": "0.5.0",
            "name": "Early badge",
            "description": "Very early",
            "image": "/img.png",
            "criteria": "https://badges.example/c",
            "issuer": {"origin": "https://badges.example", "name": "Early Org"},
        },
    }
    assert run(legacy, {}).status is Status.UNVERIFIABLE
    report = run(url, {url: legacy}, recipient=EMAIL)
    assert report.ok, report.summary
    assert report.credential.issuer.name == "Early Org"


def test_a_badge_class_names_no_recipient() -> None:
    d = docs()
    report = run(d[BADGE_URL], d, recipient=EMAIL)
    assert report.status is Status.RECIPIENT_MISMATCH
    assert report.format == "ob2-badgeclass"


# ── text served at a badge's address: JSON with dots is JSON, a token is a token ─


def _serving(body: bytes, content_type: str) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": content_type})

    return httpx.Client(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"name": "a.b.c", "name": "x.y"}', "repeats the key 'name'"),
        (b'{"name": "a.b.c"', "JSON"),
        (b'\n  {"id": "https://x.example/a.b", "v": NaN}', "NaN"),
    ],
)
def test_unreadable_json_with_two_dots_is_reported_as_json_not_as_a_token(
    body: bytes, reason: str
) -> None:
    with _serving(body, "application/json") as client:
        report = verify(ASSERTION_URL, client=client, now=NOW)
    assert report.status is Status.INVALID
    message = check(report, "hosted").message
    assert "looks like JSON but cannot be read" in message
    assert reason in message
    assert not any("token" in c.message or "base64url" in c.message for c in report.checks)


def test_a_compact_token_served_at_an_address_is_still_read_as_a_signed_badge() -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(b'{"a":1}').rstrip(b"=").decode()
    with _serving(f"{header}.{payload}.\n".encode(), "text/plain") as client:
        report = verify(ASSERTION_URL, client=client, now=NOW)
    assert report.format == "ob2-signed"
    assert "proves nothing" in check(report, "signature").message
