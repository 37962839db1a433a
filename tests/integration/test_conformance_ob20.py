"""Replay the 1EdTech OB 2.0 conformance cases offline: each ends as the manifest expects."""

from __future__ import annotations

import pytest

from skills.verify import Status, verify
from tests.support.conformance_harness import (
    REPLAY_NOW,
    Case,
    expect_ok,
    read_case_source,
    replay_cases,
    replay_client,
)

CASES = replay_cases("ob20")


def test_the_corpus_has_the_documented_ob20_cases() -> None:
    # 38 OB 2.0 entries, one of them (a loader test) asserts nothing.
    assert len(CASES) == 37


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_ends_as_the_manifest_expects(case: Case) -> None:
    with replay_client(case) as client:
        report = verify(read_case_source(case), client=client, now=REPLAY_NOW)
    detail = "\n".join(f"  {c.name}: {c.outcome} - {c.message}" for c in report.checks)
    assert report.ok is expect_ok(case), f"{case.expect} but got {report.status}\n{detail}"
    if case.expect == "valid_with_warnings":
        assert any(c.outcome == "warning" for c in report.checks), detail


RECIPIENT_CASES = [
    c
    for c in CASES
    if c.expect == "valid" and c.file.endswith(("basic-assertion.json", ".png", "simple.jwt"))
]


@pytest.mark.parametrize("case", RECIPIENT_CASES, ids=[c.id for c in RECIPIENT_CASES])
def test_corpus_badges_belong_to_nobody_at_example_org(case: Case) -> None:
    with replay_client(case) as client:
        mine = verify(
            read_case_source(case), recipient="nobody@example.org", client=client, now=REPLAY_NOW
        )
        other = verify(
            read_case_source(case), recipient="somebody@example.org", client=client, now=REPLAY_NOW
        )
    assert mine.ok, mine.summary
    assert other.status is Status.RECIPIENT_MISMATCH
