"""skills.verify.verify_many: the reused worker pool gives the same reports as verify."""

from __future__ import annotations

import copy
import os
import signal
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from skills.config import Settings
from skills.demo.signing import sign_data_integrity
from skills.verify import Report, verify, verify_many
from skills.verify import _api as api
from skills.verify._keys.dids import did_key_for

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def no_network() -> httpx.Client:
    """The workers' client (top-level, so it pickles): every URL answers 404."""
    return httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)))


def _credential(key: ed25519.Ed25519PrivateKey, did: str, i: int) -> dict[str, Any]:
    doc = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did, "type": ["Profile"], "name": "Acme"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": f"did:example:person{i}",
            "achievement": {
                "id": f"https://acme.example/a/{i}",
                "type": ["Achievement"],
                "name": f"Skill {i}",
                "description": "Did it.",
                "criteria": {"narrative": "Passed."},
            },
        },
    }
    vm = f"{did}#{did.removeprefix('did:key:')}"
    return sign_data_integrity(doc, key, vm, created="2025-01-01T00:00:00Z")


@pytest.fixture(scope="module")
def sources() -> list[Any]:
    key = ed25519.Ed25519PrivateKey.generate()
    did = did_key_for(key.public_key())
    good = [_credential(key, did, i) for i in range(8)]
    altered = copy.deepcopy(good[0])
    altered["credentialSubject"]["achievement"]["name"] = "Something else"
    extra = copy.deepcopy(good[1])
    extra["credentialSubject"]["achievement"]["skill"] = "unsigned"
    return [*good, altered, b"not a badge", extra, "eyJhbGciOiJub25lIn0.e30."]


def _summary(report: Report) -> tuple[Any, ...]:
    return (
        report.status,
        report.format,
        [(c.name, c.outcome, c.message) for c in report.checks],
        report.credential,
        report.source_sha256,
    )


def test_reports_match_verify_in_order_across_calls(sources: list[Any]) -> None:
    with no_network() as client:
        expected = [_summary(verify(s, client=client, now=NOW)) for s in sources]
    statuses = [e[0] for e in expected]
    assert statuses.count("verified") == 8 and "invalid" in statuses
    for _ in range(2):  # the second call runs on the pool the first one started
        reports = verify_many(sources, now=NOW, workers=2, client_factory=no_network)
        assert [_summary(r) for r in reports] == expected


def test_workers_get_the_settings_of_each_call_not_the_environment(
    sources: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    verify_many(sources, now=NOW, workers=2, client_factory=no_network)  # pool running
    small = Settings(max_upload_bytes=8)
    reports = verify_many(
        [b"0123456789ab"] * 8, now=NOW, workers=2, client_factory=no_network, settings=small
    )
    assert all("over the limit of 8 bytes" in r.checks[0].message for r in reports)
    monkeypatch.setenv("SKILLS_MAX_UPLOAD_BYTES", "8")  # below the edges, nobody reads it
    reports = verify_many([b"0123456789ab"] * 8, now=NOW, workers=2, client_factory=no_network)
    assert not any("over the limit" in r.checks[0].message for r in reports)


def test_a_dead_worker_does_not_lose_reports(sources: list[Any]) -> None:
    verify_many(sources, now=NOW, workers=2, client_factory=no_network)
    pool = api._pool
    assert pool is not None
    pid, worker = next(iter(pool._processes.items()))
    os.kill(pid, signal.SIGKILL)
    worker.join(300)  # the worker is dead (a signal, not a pause); only a hang waits this long
    assert worker.exitcode == -signal.SIGKILL
    reports = verify_many(sources, now=NOW, workers=2, client_factory=no_network)
    assert [r.status for r in reports][:8] == ["verified"] * 8
    api.shutdown_pool()
