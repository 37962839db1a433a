"""Recipient binding and validity windows shared by every format."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from skills.verify._common import check_recipient, check_validity, identity_matches, parse_datetime
from skills.verify._model import Outcome, Recipient, Status

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SKEW = timedelta(minutes=5)


def _hashed(identity: str, salt: str, algo: str = "sha256", upper: bool = False) -> Recipient:
    digest = hashlib.new(algo, (identity + salt).encode()).hexdigest()
    return Recipient(
        identity=f"{algo}${digest.upper() if upper else digest}",
        type="email",
        hashed=True,
        salt=salt,
    )


def test_hashed_email_matches_case_insensitively() -> None:
    rec = _hashed("nobody@example.org", "deadsea", upper=True)
    assert identity_matches(rec, "nobody@example.org")
    assert identity_matches(rec, "Nobody@Example.ORG")  # normalised e-mail is tried too
    assert not identity_matches(rec, "somebody@example.org")


def test_md5_and_unsalted_hashes() -> None:
    assert identity_matches(_hashed("a@b.org", "", "md5"), "a@b.org")


def test_plain_identity_and_mailto() -> None:
    rec = Recipient(identity="Ann@Example.org", type="email")
    assert identity_matches(rec, "mailto:ann@example.org")
    assert not identity_matches(Recipient(identity="did:key:z6Mk1"), "did:key:z6Mk2")


def test_recipient_check_outcomes() -> None:
    rec = _hashed("ann@example.org", "s")
    assert check_recipient(rec, None).outcome is Outcome.NOT_RUN
    assert check_recipient(rec, None).required is False
    assert check_recipient(rec, "ann@example.org").outcome is Outcome.PASSED
    bad = check_recipient(rec, "eve@example.org")
    assert bad.outcome is Outcome.FAILED and bad.implied_status is Status.RECIPIENT_MISMATCH


def test_validity_window() -> None:
    past, future = NOW - timedelta(days=30), NOW + timedelta(days=30)
    assert check_validity(past, future, NOW, SKEW).outcome is Outcome.PASSED
    expired = check_validity(past - timedelta(days=60), past, NOW, SKEW)
    assert expired.implied_status is Status.EXPIRED
    early = check_validity(future, None, NOW, SKEW)
    assert early.implied_status is Status.NOT_YET_VALID
    backwards = check_validity(future, past, NOW, SKEW)
    assert backwards.implied_status is Status.INVALID
    # within the clock skew is still valid
    assert check_validity(NOW + timedelta(minutes=2), None, NOW, SKEW).outcome is Outcome.PASSED


def test_parse_datetime_forms() -> None:
    assert parse_datetime("2016-12-31T23:59:59Z") == datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_datetime("2016-12-31") == datetime(2016, 12, 31, tzinfo=UTC)
    assert parse_datetime(1483228799) == datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_datetime("1483228799") == datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_datetime("not a date") is None
    assert parse_datetime(None) is None
