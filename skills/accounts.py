"""Local sign-in accounts: a TOML file of users with salted scrypt password hashes.

Used when no OIDC provider is configured (``[auth]`` in ``.streamlit/secrets.toml``).
The file (``SKILLS_ACCOUNTS``, default ``data/accounts.toml``) looks like::

    [accounts.hr]
    role = "hr"
    name = "Hana Richter"
    person_id = "p000001"
    email = "hana.richter@example.org"          # optional; matches OIDC sign-ins
    password = "scrypt$16384$8$1$<salt>$<hash>"  # optional; absent = OIDC only

Passwords are never stored: only ``scrypt`` hashes with a 16-byte random salt
(:func:`hash_password`). :func:`write_demo_accounts` creates the demo accounts,
one per role, with the documented demo passwords in :data:`DEMO_PASSWORDS`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from skills.errors import ConfigError

ROLES: tuple[str, ...] = ("hr", "manager", "recruiter", "member")

# The demo accounts: user name -> (role, persona key in skills.demo.personas.PERSONAS).
DEMO_ACCOUNTS: Mapping[str, tuple[str, str]] = {
    "hr": ("hr", "hr"),
    "manager": ("manager", "manager"),
    "recruiter": ("recruiter", "recruiter"),
    "member": ("member", "employee"),
    "candidate": ("member", "candidate"),
}

# Their passwords, as listed in the README (demo only: replace the file in production).
DEMO_PASSWORDS: Mapping[str, str] = {
    "hr": "atlas-hr",
    "manager": "atlas-manager",
    "recruiter": "atlas-recruiter",
    "member": "atlas-member",
    "candidate": "atlas-candidate",
}

_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_DKLEN = 32


@dataclass(frozen=True)
class Account:
    """One user who may sign in. ``password_hash`` is empty for OIDC-only accounts."""

    username: str
    role: str
    name: str = ""
    person_id: str | None = None
    email: str | None = None
    password_hash: str = ""

    def __repr__(self) -> str:  # never print the hash, even by accident in a log
        return (
            f"Account(username={self.username!r}, role={self.role!r}, person_id={self.person_id!r})"
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` for ``password`` with a fresh random salt (or ``salt``)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=_DKLEN
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the ``stored`` hash; False for any malformed hash."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, expected = _unb64(parts[4]), _unb64(parts[5])
        if n > 2**20 or r > 16 or p > 4:  # refuse hashes that would take minutes
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"),
            salt=salt,
            n=n,
            r=r,
            p=p,
            dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(digest, expected)


def load_accounts(path: Path) -> dict[str, Account]:
    """The accounts in ``path`` by user name; ``{}`` when the file does not exist.

    Raises :class:`ConfigError` when the file is not valid TOML or an account
    has an unknown role.
    """
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"The accounts file {path} is not valid TOML: {err}.") from err
    table = data.get("accounts", {})
    if not isinstance(table, dict):
        raise ConfigError(f"The accounts file {path} needs an [accounts.<name>] table per user.")
    accounts: dict[str, Account] = {}
    for username, entry in table.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"Account {username!r} in {path} is not a table.")
        role = str(entry.get("role", ""))
        if role not in ROLES:
            raise ConfigError(
                f"Account {username!r} in {path} has role {role!r}; use one of {', '.join(ROLES)}."
            )
        person = entry.get("person_id")
        email = entry.get("email")
        accounts[username] = Account(
            username=username,
            role=role,
            name=str(entry.get("name", username)),
            person_id=str(person) if person is not None else None,
            email=str(email).strip().lower() if email else None,
            password_hash=str(entry.get("password", "")),
        )
    return accounts


# A real hash of a random password: unknown user names cost the same time as known ones.
_DUMMY_HASH = hash_password(secrets.token_hex(16))


def authenticate(accounts: Mapping[str, Account], username: str, password: str) -> Account | None:
    """The account when ``username``/``password`` match, else None (in constant-ish time)."""
    account = accounts.get(username.strip())
    stored = account.password_hash if account and account.password_hash else _DUMMY_HASH
    ok = check_password(password, stored)
    return account if ok and account is not None and account.password_hash else None


def account_for_email(accounts: Mapping[str, Account], email: str) -> Account | None:
    """The account whose ``email`` is ``email`` (case-insensitive), for OIDC sign-ins."""
    wanted = email.strip().lower()
    for account in accounts.values():
        if account.email and account.email == wanted:
            return account
    return None


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def dump_accounts(accounts: Mapping[str, Account]) -> str:
    """The TOML text of ``accounts`` (hashes included), readable by :func:`load_accounts`."""
    lines = ["# Skill Atlas sign-in accounts. Passwords are stored as salted scrypt hashes.", ""]
    for username, acc in accounts.items():
        lines.append(f"[accounts.{_toml_str(username)}]")
        lines.append(f"role = {_toml_str(acc.role)}")
        lines.append(f"name = {_toml_str(acc.name)}")
        if acc.person_id is not None:
            lines.append(f"person_id = {_toml_str(acc.person_id)}")
        if acc.email:
            lines.append(f"email = {_toml_str(acc.email)}")
        if acc.password_hash:
            lines.append(f"password = {_toml_str(acc.password_hash)}")
        lines.append("")
    return "\n".join(lines)


def save_accounts(path: Path, accounts: Mapping[str, Account]) -> None:
    """Write ``accounts`` to ``path`` atomically, readable only by its owner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(dump_accounts(accounts))
    os.replace(tmp, path)


def demo_accounts(
    personas: Mapping[str, str], names: Mapping[str, str] | None = None
) -> dict[str, Account]:
    """The demo accounts of :data:`DEMO_ACCOUNTS` for ``personas`` (persona key -> person id).

    ``names`` maps persona keys to display names. Raises :class:`ConfigError`
    when a persona the demo accounts need is missing.
    """
    missing = sorted({key for _, key in DEMO_ACCOUNTS.values()} - set(personas))
    if missing:
        raise ConfigError(f"The demo has no persona for: {', '.join(missing)}.")
    names = names or {}
    return {
        username: Account(
            username=username,
            role=role,
            name=names.get(key, f"Demo {username}"),
            person_id=str(personas[key]),
            password_hash=hash_password(DEMO_PASSWORDS[username]),
        )
        for username, (role, key) in DEMO_ACCOUNTS.items()
    }


def write_demo_accounts(
    path: Path, personas: Mapping[str, str], names: Mapping[str, str] | None = None
) -> dict[str, Account]:
    """Create (or replace) ``path`` with the demo accounts; returns them."""
    accounts = demo_accounts(personas, names)
    save_accounts(path, accounts)
    return accounts


# --- Sessions that survive a page reload -------------------------------------------------
#
# A reload opens a new Streamlit session, which forgets ``st.session_state``. After a
# local sign-in the app stores a signed, expiring token in a cookie; a new session
# reads it (``st.context.cookies``) and signs the same account in again.
#
# Token: ``v1.<user, base64url>.<expiry, unix seconds>.<nonce>.<HMAC-SHA256, base64url>``.
# The MAC covers the user name, role, expiry, nonce and a digest of the account's
# password hash, so a token dies when it expires, when the account's role or password
# changes, when the account is removed, or when its nonce is revoked (sign-out).
# The secret is 32 random bytes in a 0600 file next to the accounts file (or given by
# the caller, e.g. from ``.streamlit/secrets.toml``); it never goes to the database.

SESSION_TTL_SECONDS = 12 * 3600
_SESSION_FORMAT = "v1"
_MAX_SESSION_CHARS = 400


@dataclass(frozen=True)
class SessionToken:
    """A verified session token's contents: who, until when, and its revocable nonce."""

    username: str
    expires: int
    nonce: str


def secret_path(accounts_path: Path) -> Path:
    """Where the session secret lives: ``<accounts file>.session-key`` beside it."""
    return accounts_path.with_name(accounts_path.name + ".session-key")


def revocations_path(accounts_path: Path) -> Path:
    """Where revoked session nonces live: ``<accounts file>.revoked-sessions.json``."""
    return accounts_path.with_name(accounts_path.name + ".revoked-sessions.json")


def load_or_create_secret(path: Path) -> bytes:
    """The session secret in ``path``; created (32 random bytes, hex, mode 0600) if absent.

    An existing file readable by others is narrowed to 0600. Raises
    :class:`ConfigError` when the file holds fewer than 32 bytes of secret.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    secret = path.read_text(encoding="ascii", errors="replace").strip().encode("ascii", "replace")
    if len(secret) < 32:
        raise ConfigError(f"The session secret in {path} is too short; delete it to renew it.")
    return secret


def _mac(secret: bytes, account: Account, expires: int, nonce: str) -> str:
    fingerprint = hashlib.sha256(account.password_hash.encode("utf-8")).hexdigest()
    message = "|".join(
        (_SESSION_FORMAT, account.username, account.role, str(expires), nonce, fingerprint)
    )
    return _b64(hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest())


def issue_session_token(
    secret: bytes, account: Account, *, now: float, ttl: int = SESSION_TTL_SECONDS
) -> str:
    """A token that signs ``account`` in until ``now + ttl`` (seconds since the epoch).

    Raises :class:`ConfigError` for an account without a password (OIDC-only
    accounts sign in through their provider, which keeps its own session).
    """
    if not account.password_hash:
        raise ConfigError(f"Account {account.username!r} has no password to bind a session to.")
    expires = int(now) + int(ttl)
    nonce = secrets.token_hex(12)
    user = _b64(account.username.encode("utf-8"))
    return ".".join(
        (_SESSION_FORMAT, user, str(expires), nonce, _mac(secret, account, expires, nonce))
    )


def parse_session_token(
    secret: bytes,
    accounts: Mapping[str, Account],
    token: str,
    *,
    now: float,
    revoked: Collection[str] = (),
) -> tuple[Account, SessionToken] | None:
    """The account and token contents when ``token`` is genuine, unexpired and not revoked.

    Returns None for anything else (malformed, forged, expired, revoked nonce,
    unknown account, changed role or password). Never raises for bad input.
    """
    if not token or len(token) > _MAX_SESSION_CHARS:
        return None
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != _SESSION_FORMAT:
        return None
    _, user, expires_text, nonce, mac = parts
    try:
        username = _unb64(user).decode("utf-8")
        expires = int(expires_text)
    except (ValueError, UnicodeDecodeError):
        return None
    account = accounts.get(username)
    if account is None or not account.password_hash:
        return None
    if not hmac.compare_digest(mac, _mac(secret, account, expires, nonce)):
        return None
    if expires <= now or nonce in revoked:
        return None
    return account, SessionToken(username=username, expires=expires, nonce=nonce)


def load_revocations(path: Path, *, now: float) -> dict[str, int]:
    """Revoked session nonces (nonce -> expiry) in ``path`` that have not expired yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(k): int(v)
        for k, v in data.items()
        if isinstance(v, int) and not isinstance(v, bool) and v > now
    }


def revoke_session(path: Path, token: SessionToken, *, now: float) -> None:
    """Record ``token``'s nonce as revoked in ``path`` (0600, atomic), pruning expired ones.

    Side effect: rewrites ``path``. Concurrent sign-outs in one server are
    serialised by the caller; the last writer keeps both when each re-reads first.
    """
    current = load_revocations(path, now=now)
    current[token.nonce] = token.expires
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(current, fh)
    os.replace(tmp, path)


__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORDS",
    "ROLES",
    "SESSION_TTL_SECONDS",
    "Account",
    "SessionToken",
    "account_for_email",
    "authenticate",
    "check_password",
    "demo_accounts",
    "dump_accounts",
    "hash_password",
    "issue_session_token",
    "load_accounts",
    "load_or_create_secret",
    "load_revocations",
    "parse_session_token",
    "revocations_path",
    "revoke_session",
    "save_accounts",
    "secret_path",
    "write_demo_accounts",
]
