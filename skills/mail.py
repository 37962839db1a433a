"""Sending one plain-text e-mail through the organisation's SMTP server (stdlib only).

Used to send a person a one-time code that proves they own an address they added to
their profile. :func:`mailer_from` builds it from the ``smtp_*`` fields of
:class:`skills.config.Settings`; without a host there is no mailer and HR confirms
addresses instead.

The password never crosses the network in clear: a login needs TLS, either STARTTLS
(``SKILLS_SMTP_STARTTLS=true``, usually port 587) or implicit TLS on port
:data:`IMPLICIT_TLS_PORT` (465, ``smtplib.SMTP_SSL``), both with certificate and host name
checks. :func:`mailer_from` refuses a user without either (:class:`ConfigError`), and
:func:`send` refuses to log in without TLS whatever built the :class:`Mailer`.

Errors: :class:`skills.errors.ConfigError` for every failure to send (the server cannot be
reached or refuses the message, a host or address it cannot encode, a malformed header),
so a caller never tells a person "waiting for your code" about a message never sent. The
sentence never contains the password.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from skills.config import Settings
from skills.errors import ConfigError

TIMEOUT_SECONDS = 15.0
IMPLICIT_TLS_PORT = 465
"""The SMTP port spoken over TLS from the first byte (SMTPS): no STARTTLS needed there."""


@dataclass(frozen=True)
class Mailer:
    """Where and how to send: an SMTP server, the sender address, optional STARTTLS and login."""

    host: str
    port: int = 25
    sender: str = "skill-atlas@localhost"
    starttls: bool = False
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # the password never reaches a log or an error page
        return f"Mailer(host={self.host!r}, port={self.port}, sender={self.sender!r})"

    @property
    def implicit_tls(self) -> bool:
        """Whether the connection is TLS from the start (port 465)."""
        return self.port == IMPLICIT_TLS_PORT

    @property
    def encrypted(self) -> bool:
        """Whether the connection is encrypted before anything is sent (so a login may be)."""
        return self.starttls or self.implicit_tls


_CLEAR_LOGIN = (
    "SKILLS_SMTP_USER is set but the connection to {where} would not be encrypted, so the "
    "password would cross the network in clear: set SKILLS_SMTP_STARTTLS=true or use port "
    f"{IMPLICIT_TLS_PORT} (implicit TLS)."
)


def mailer_from(settings: Settings) -> Mailer | None:
    """The mailer the settings configure, or None when no SMTP host is set.

    Raises :class:`ConfigError` when a user is set without STARTTLS or implicit TLS.
    """
    if not settings.smtp_host:
        return None
    mailer = Mailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        starttls=settings.smtp_starttls,
        user=settings.smtp_user,
        password=settings.smtp_password,
    )
    if mailer.user and not mailer.encrypted:
        raise ConfigError(_CLEAR_LOGIN.format(where=f"{mailer.host}:{mailer.port}"))
    return mailer


def _connect(mailer: Mailer) -> smtplib.SMTP:
    """An open connection, encrypted when the mailer asks for TLS (verified certificates)."""
    if mailer.implicit_tls:
        return smtplib.SMTP_SSL(
            mailer.host,
            mailer.port,
            timeout=TIMEOUT_SECONDS,
            context=ssl.create_default_context(),
        )
    smtp = smtplib.SMTP(mailer.host, mailer.port, timeout=TIMEOUT_SECONDS)
    if mailer.starttls:
        try:
            smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    return smtp


def send(mailer: Mailer, to: str, subject: str, body: str) -> None:
    """Send one plain-text message to ``to``; raises :class:`ConfigError` when it fails,
    whatever the reason (see the module docstring), and before connecting when a login
    would not be encrypted."""
    if mailer.user and not mailer.encrypted:
        raise ConfigError(_CLEAR_LOGIN.format(where=f"{mailer.host}:{mailer.port}"))
    try:
        message = EmailMessage()
        message["From"] = mailer.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with _connect(mailer) as smtp:
            if mailer.user:
                smtp.login(mailer.user, mailer.password or "")
            smtp.send_message(message)
    except Exception as err:  # any failure means: not sent
        raise ConfigError(
            f"The e-mail could not be sent through {mailer.host}:{mailer.port} "
            f"({type(err).__name__}); ask HR to confirm the address instead."
        ) from err


__all__ = ["IMPLICIT_TLS_PORT", "Mailer", "mailer_from", "send"]
