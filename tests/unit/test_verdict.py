"""How checks become a verdict: a check that never ran is never a pass."""

from __future__ import annotations

from skills.verify.model import CheckName, Status, decide, failed, not_run, passed, warning


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
