"""The SMTP settings: read from the environment at the edge, turned into a mailer; a bad
value is a clear error, and the password never shows in a printed form."""

from __future__ import annotations

import pytest

from skills.config import DEFAULTS, settings
from skills.errors import ConfigError
from skills.mail import mailer_from


def test_no_host_means_no_mailer() -> None:
    assert mailer_from(DEFAULTS) is None


def test_the_environment_configures_the_mailer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLS_SMTP_HOST", " mail.example.org ")
    monkeypatch.setenv("SKILLS_SMTP_PORT", "587")
    monkeypatch.setenv("SKILLS_SMTP_FROM", "atlas@example.org")
    monkeypatch.setenv("SKILLS_SMTP_STARTTLS", "true")
    monkeypatch.setenv("SKILLS_SMTP_USER", "atlas")
    monkeypatch.setenv("SKILLS_SMTP_PASSWORD", "s3cret-pw")
    cfg = settings()
    mailer = mailer_from(cfg)
    assert mailer is not None
    assert (mailer.host, mailer.port, mailer.sender, mailer.starttls, mailer.user) == (
        "mail.example.org",
        587,
        "atlas@example.org",
        True,
        "atlas",
    )
    assert mailer.password == "s3cret-pw"
    assert "s3cret-pw" not in repr(mailer) and "s3cret-pw" not in repr(cfg)


def test_a_bad_starttls_value_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLS_SMTP_STARTTLS", "perhaps")
    with pytest.raises(ConfigError, match="SKILLS_SMTP_STARTTLS must be true or false"):
        settings()
