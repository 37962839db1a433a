"""Sending a code: a failure of any kind is a :class:`ConfigError` (so nobody is told to wait
for a message that was never sent), and a password never crosses the network in clear.

Real parts: aiosmtpd on 127.0.0.1 (tests/support/smtp.py).
"""

from __future__ import annotations

import dataclasses

import pytest

from skills.config import DEFAULTS
from skills.errors import ConfigError
from skills.mail import IMPLICIT_TLS_PORT, mailer_from, send
from tests.support.smtp import smtp_server


def test_a_login_without_tls_is_refused_when_configured() -> None:
    """Issue 14 review: a user and password were sent over a plain connection."""
    plain = dataclasses.replace(DEFAULTS, smtp_host="mail.example.org", smtp_user="atlas")
    with pytest.raises(ConfigError, match="in clear"):
        mailer_from(plain)
    for encrypted in (
        dataclasses.replace(plain, smtp_starttls=True, smtp_port=587),
        dataclasses.replace(plain, smtp_port=IMPLICIT_TLS_PORT),
    ):
        mailer = mailer_from(encrypted)
        assert mailer is not None and mailer.encrypted
    anonymous = mailer_from(dataclasses.replace(plain, smtp_user=None))
    assert anonymous is not None and not anonymous.encrypted  # no login: nothing to protect


def test_send_never_logs_in_over_a_plain_connection() -> None:
    with smtp_server() as (mailer, inbox):
        with_login = dataclasses.replace(mailer, user="atlas", password="s3cret-pw")
        with pytest.raises(ConfigError, match="in clear") as refused:
            send(with_login, "ada@example.org", "code", "12345678")
        assert "s3cret-pw" not in str(refused.value)
        assert inbox.messages == []
        send(mailer, "ada@example.org", "code", "12345678")  # the same server, no login
        assert len(inbox.messages) == 1


@pytest.mark.parametrize(
    ("host", "to"),
    [
        ("mail..example.org", "ada@example.org"),  # a host name IDNA cannot encode
        (None, "ada@example.org\r\nBcc: everyone@example.org"),  # a header injection
    ],
)
def test_every_failure_to_send_is_a_config_error(host: str | None, to: str) -> None:
    """Issue 14 review: a ValueError or UnicodeError escaped ``send``, so the request stayed
    'waiting for your code' for an e-mail that was never sent."""
    with smtp_server() as (mailer, inbox):
        target = mailer if host is None else dataclasses.replace(mailer, host=host)
        with pytest.raises(ConfigError, match="could not be sent"):
            send(target, to, "code", "12345678")
        assert inbox.messages == []
