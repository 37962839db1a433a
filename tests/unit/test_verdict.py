"""How checks become a verdict: a check that never ran is never a pass."""

from __future__ import annotations

import pytest

from skills.verify._model import (
    CheckName,
    Outcome,
    Status,
    decide,
    failed,
    merge_checks,
    not_run,
    passed,
    summarise,
    warning,
)


def test_all_passed_is_verified() -> None:
    checks = [passed(CheckName.SIGNATURE, "ok"), passed(CheckName.REVOCATION, "ok")]
    assert decide(checks) is Status.VERIFIED


def test_required_check_not_run_is_unverifiable() -> None:
    checks = [passed(CheckName.SIGNATURE, "ok"), not_run(CheckName.REVOCATION, "list unreachable")]
    assert decide(checks) is Status.UNVERIFIABLE


def test_optional_recipient_not_run_keeps_verified() -> None:
    checks = [
        passed(CheckName.SIGNATURE, "ok"),
        not_run(CheckName.RECIPIENT, "none given", required=False),
        warning(CheckName.ISSUER, "no url"),
    ]
    assert decide(checks) is Status.VERIFIED


def test_no_authenticity_check_is_never_verified() -> None:
    assert decide([passed(CheckName.VALIDITY, "fine")]) is Status.UNVERIFIABLE


def test_invalid_outranks_revoked_and_expired() -> None:
    checks = [
        failed(CheckName.REVOCATION, "revoked"),
        failed(CheckName.VALIDITY, "expired", status=Status.EXPIRED),
        failed(CheckName.SIGNATURE, "bad signature"),
    ]
    assert decide(checks) is Status.INVALID


def test_revoked_outranks_expired_and_recipient() -> None:
    checks = [
        passed(CheckName.SIGNATURE, "ok"),
        failed(CheckName.RECIPIENT, "someone else"),
        failed(CheckName.VALIDITY, "expired", status=Status.EXPIRED),
        failed(CheckName.REVOCATION, "revoked"),
    ]
    assert decide(checks) is Status.REVOKED


# ── revoked is decisive; then the validity window (model docstring) ────────────────────


def test_a_conclusive_revocation_outranks_every_other_reason() -> None:
    checks = [
        failed(CheckName.SCHEMA, "schema broken"),
        failed(CheckName.STRUCTURE, "no achievement"),
        not_run(CheckName.KEY_BINDING, "key could not be fetched"),
        not_run(CheckName.SIGNATURE, "key could not be fetched"),
        failed(CheckName.VALIDITY, "expired", status=Status.EXPIRED),
        failed(CheckName.RECIPIENT, "someone else"),
        failed(CheckName.REVOCATION, "revoked by a verified list"),
    ]
    assert decide(checks) is Status.REVOKED
    assert summarise(Status.REVOKED, checks).endswith("revoked by a verified list")


def test_a_revocation_that_is_not_conclusive_does_not_trump_invalid() -> None:
    revoked = failed(CheckName.REVOCATION, "unsigned list lists it", conclusive=False)
    assert decide([failed(CheckName.SCHEMA, "broken"), revoked]) is Status.INVALID
    assert decide([not_run(CheckName.KEY_BINDING, "unbound"), revoked]) is Status.REVOKED
    expired = failed(CheckName.VALIDITY, "expired", status=Status.EXPIRED)
    assert decide([expired, revoked]) is Status.EXPIRED


@pytest.mark.parametrize(
    "doubt", [CheckName.SIGNATURE, CheckName.KEY_BINDING, CheckName.HOSTED, CheckName.SAFE_MODE]
)
def test_content_not_shown_to_be_the_issuers_keeps_invalid_first(doubt: str) -> None:
    checks = [
        failed(doubt, "not the issuer's content"),
        failed(CheckName.REVOCATION, "revoked"),
        failed(CheckName.VALIDITY, "expired", status=Status.EXPIRED),
    ]
    assert decide(checks) is Status.INVALID


@pytest.mark.parametrize("status", [Status.EXPIRED, Status.NOT_YET_VALID])
def test_the_validity_window_outranks_structural_failures(status: Status) -> None:
    checks = [
        passed(CheckName.SIGNATURE, "ok"),
        failed(CheckName.SCHEMA, "schema broken"),
        failed(CheckName.STRUCTURE, "odd"),
        failed(CheckName.VALIDITY, "window", status=status),
        failed(CheckName.RECIPIENT, "someone else"),
    ]
    assert decide(checks) is status
    assert summarise(status, checks).endswith("window")


def test_a_validity_failure_that_is_no_window_stays_invalid() -> None:
    checks = [
        passed(CheckName.SIGNATURE, "ok"),
        failed(CheckName.VALIDITY, "ends before it starts"),
    ]
    assert decide(checks) is Status.INVALID


# ── one check per name ─────────────────────────────────────────────────────────────────


def test_merge_checks_keeps_one_check_per_name_with_the_worst_outcome() -> None:
    checks = [
        passed(CheckName.INPUT, "read"),
        passed(CheckName.STRUCTURE, "well formed"),
        passed(CheckName.SIGNATURE, "ok"),
        failed(CheckName.STRUCTURE, "claims do not match"),
        warning(CheckName.STRUCTURE, "odd claim"),
    ]
    merged = merge_checks(checks)
    assert [c.name for c in merged] == [CheckName.INPUT, CheckName.STRUCTURE, CheckName.SIGNATURE]
    structure = merged[1]
    assert structure.outcome is Outcome.FAILED
    assert structure.message == "claims do not match. odd claim."
    assert decide(merged) is decide(checks) is Status.INVALID


def test_merge_checks_joins_passes_and_warnings_and_keeps_required_not_run() -> None:
    merged = merge_checks(
        [
            passed(CheckName.ISSUER, "Profile found."),
            warning(CheckName.ISSUER, "No url."),
            not_run(CheckName.RECIPIENT, "none given", required=False),
            not_run(CheckName.RECIPIENT, "no identity on record"),
        ]
    )
    assert [(c.name, c.outcome) for c in merged] == [
        (CheckName.ISSUER, Outcome.WARNING),
        (CheckName.RECIPIENT, Outcome.NOT_RUN),
    ]
    assert merged[0].message == "No url. Profile found."
    assert merged[1].required


def test_merge_checks_keeps_the_most_telling_failure_status() -> None:
    merged = merge_checks(
        [
            failed(CheckName.REVOCATION, "unsigned list", conclusive=False),
            failed(CheckName.REVOCATION, "verified list"),
            failed(CheckName.VALIDITY, "backwards"),
            failed(CheckName.VALIDITY, "expired", status=Status.EXPIRED),
        ]
    )
    revocation, validity = merged
    assert revocation.conclusive and revocation.implied_status is Status.REVOKED
    assert validity.implied_status is Status.EXPIRED


def test_merge_checks_leaves_unique_names_untouched() -> None:
    checks = (passed(CheckName.SIGNATURE, "ok"), passed(CheckName.REVOCATION, "ok"))
    assert merge_checks(checks) == checks
