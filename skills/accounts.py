"""Local sign-in accounts: a TOML file of users with salted scrypt password hashes.

Used when no OIDC provider is configured (``[auth]`` in ``.streamlit/secrets.toml``), or
beside one when ``[signin] local_accounts = true`` (:mod:`skills.signin`).
The file (``SKILLS_ACCOUNTS``, default ``data/accounts.toml``) looks like::

    [accounts.hr]
    role = "hr"
    name = "Hana Richter"
    person_id = "p000001"
    email = "hana.richter@example.org"          # optional; for the record only
    password = "scrypt$16384$8$1$<salt>$<hash>"  # optional; absent = cannot sign in

A provider's sign-ins never use this file: their roles come from the provider's groups
and their person from the people table (:mod:`skills.signin`).

Passwords are never stored: only ``scrypt`` hashes with a 16-byte random salt
(:func:`hash_password`). :func:`write_demo_accounts` creates the demo accounts,
one per role, with the documented demo passwords in :data:`DEMO_PASSWORDS`.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import math
import os
import secrets
import threading
import time
import tomllib
import unicodedata
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skills.errors import AccessDenied, ConfigError

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


def demo_sign_in_lines(path: Path) -> list[str]:
    """The lines that tell a person how to sign in to the demo with the accounts in ``path``.

    One line per account whose stored password is still its documented demo password
    (:data:`DEMO_PASSWORDS`), in :data:`DEMO_ACCOUNTS` order, after one heading line. An
    account whose password was changed is never listed (its password is not known here),
    and ``[]`` is returned when no account in ``path`` (or no file) uses a demo password.
    Raises :class:`ConfigError` as :func:`load_accounts` does.
    """
    accounts = load_accounts(path)
    lines: list[str] = []
    for username in DEMO_ACCOUNTS:
        account = accounts.get(username)
        password = DEMO_PASSWORDS[username]
        if account is None or not check_password(password, account.password_hash):
            continue
        who = f", {account.name}" if account.name and account.name != username else ""
        lines.append(f"  {username} / {password}  (role {account.role}{who})")
    if not lines:
        return []
    heading = f"Sign in to the demo with one of these accounts (user / password), from {path}:"
    return [heading, *lines]


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
    """A verified session token's contents: who, until when, its revocable nonce, and
    what the account was when the token was accepted (role, person, password
    fingerprint), so :func:`session_problem` can tell on every rerun whether it changed.
    """

    username: str
    expires: int
    nonce: str
    role: str = ""
    person_id: str | None = None
    fingerprint: str = field(default="", repr=False)


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


def _fingerprint(account: Account) -> str:
    return hashlib.sha256(account.password_hash.encode("utf-8")).hexdigest()


def _mac(secret: bytes, account: Account, expires: int, nonce: str) -> str:
    message = "|".join(
        (
            _SESSION_FORMAT,
            account.username,
            account.role,
            str(expires),
            nonce,
            _fingerprint(account),
        )
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
    contents = SessionToken(
        username=username,
        expires=expires,
        nonce=nonce,
        role=account.role,
        person_id=account.person_id,
        fingerprint=_fingerprint(account),
    )
    return account, contents


def session_problem(
    accounts: Mapping[str, Account],
    token: SessionToken,
    *,
    now: float,
    revoked: Collection[str] = (),
) -> str | None:
    """Why the session that ``token`` signed in no longer holds, or None when it does.

    Cheap enough for every rerun (a dict look-up and one SHA-256 of a short
    string; no scrypt, no MAC): the token was already verified when the session
    began. The answer is one sentence starting "You were signed out: ", for
    a revoked nonce (signed out elsewhere), an expired token, a removed
    account, or a changed password, role or linked person.
    """
    if token.nonce in revoked:
        return "You were signed out: this session was signed out in another tab or window."
    if token.expires <= now:
        return "You were signed out: your session expired; please sign in again."
    account = accounts.get(token.username)
    if account is None or not account.password_hash:
        return "You were signed out: your account no longer exists."
    if not hmac.compare_digest(_fingerprint(account), token.fingerprint):
        return "You were signed out: your password changed; please sign in again."
    if account.role != token.role:
        return "You were signed out: your account's role changed; please sign in again."
    if account.person_id != token.person_id:
        return (
            "You were signed out: your account is now linked to another person; "
            "please sign in again."
        )
    return None


def _read_json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``<path>.lock`` (created 0600) for the block.

    ``flock`` locks belong to the open file, so this serialises threads of one
    process as well as separate processes (local file systems; not NFS).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def _write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Replace ``path`` with ``data`` as JSON (0600, write to a temporary file + rename).

    Called under :func:`_exclusive`. The new file's modification time is made
    strictly later (in nanoseconds) than the old one's, so a reader that caches
    by (inode, size, mtime) always sees that the file changed.
    """
    try:
        previous = path.stat().st_mtime_ns
    except FileNotFoundError:
        previous = 0
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        stamp = max(time.time_ns(), previous + 1)
        os.utime(tmp, ns=(stamp, stamp))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _live_revocations(data: Mapping[str, Any], now: float | None) -> dict[str, int]:
    return {
        str(k): int(v)
        for k, v in data.items()
        if isinstance(v, int) and not isinstance(v, bool) and (now is None or v > now)
    }


def load_revocations(path: Path, *, now: float) -> dict[str, int]:
    """Revoked session nonces (nonce -> expiry) in ``path`` that have not expired yet."""
    return _live_revocations(_read_json_object(path), now)


_REVOKED_CACHE: dict[str, tuple[tuple[int, int, int, int], frozenset[str]]] = {}
_REVOKED_CACHE_LOCK = threading.Lock()


def revoked_nonces(path: Path) -> frozenset[str]:
    """The revoked nonces in ``path``, re-read only when the file changed.

    For a check on every rerun: one ``stat``; the file is parsed again only when
    its device, inode, size or modification time (ns) differs from the last read
    (every write goes through a rename and a strictly later mtime, see
    :func:`revoke_session`). Expired entries may be included: an expired
    token is refused on its expiry anyway.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return frozenset()
    key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    name = str(path)
    with _REVOKED_CACHE_LOCK:
        cached = _REVOKED_CACHE.get(name)
    if cached is not None and cached[0] == key:
        return cached[1]
    # Read after the stat: the content is at least as new as ``key``, so a later
    # write changes the key and is never hidden behind this entry.
    nonces = frozenset(_live_revocations(_read_json_object(path), None))
    with _REVOKED_CACHE_LOCK:
        _REVOKED_CACHE[name] = (key, nonces)
    return nonces


def revoke_session(path: Path, token: SessionToken, *, now: float) -> None:
    """Record ``token``'s nonce as revoked in ``path`` (0600, atomic), pruning expired ones.

    Side effect: rewrites ``path``. The read-modify-write holds an exclusive
    lock on ``<path>.lock``, so simultaneous sign-outs from any number of
    threads or processes all stay recorded.
    """
    with _exclusive(path):
        current = load_revocations(path, now=now)
        current[token.nonce] = token.expires
        _write_json_atomic(path, current)


# --- Throttling password guesses -----------------------------------------------------------
#
# Failed sign-ins are counted per account name (normalised: NFKC, trimmed, case-folded)
# and per client address, in ``<accounts file>.sign-in-failures.json`` beside the
# accounts file, so neither a new browser session nor a server restart resets them.
# An attempt is counted *before* its password is checked (and un-counted when it
# succeeds), so many simultaneous guesses cannot all slip in before the first failure
# is written. Deleting the file lifts every lock-out.

SIGN_IN_WINDOW_SECONDS = 15 * 60
MAX_ACCOUNT_FAILURES = 5
MAX_ADDRESS_FAILURES = 30  # higher: people behind one proxy share an address
_MAX_THROTTLE_KEYS = 10_000


def throttle_path(accounts_path: Path) -> Path:
    """Where failed sign-ins are counted: ``<accounts file>.sign-in-failures.json``."""
    return accounts_path.with_name(accounts_path.name + ".sign-in-failures.json")


def _account_key(username: str) -> str:
    return "account:" + unicodedata.normalize("NFKC", username).strip().casefold()


def _address_key(address: str) -> str:
    return "address:" + address.strip().lower()


def _load_failures(path: Path, *, now: float) -> dict[str, list[float]]:
    """Failure times per key in ``path``, only those inside the window, oldest first."""
    since = now - SIGN_IN_WINDOW_SECONDS
    table: dict[str, list[float]] = {}
    for key, times in _read_json_object(path).items():
        if not isinstance(times, list):
            continue
        kept = sorted(
            float(t)
            for t in times
            if isinstance(t, int | float) and not isinstance(t, bool) and t > since
        )
        if kept:
            table[str(key)] = kept[-MAX_ADDRESS_FAILURES:]
    return table


def _save_failures(path: Path, table: Mapping[str, list[float]]) -> None:
    kept = {key: times for key, times in table.items() if times}
    if len(kept) > _MAX_THROTTLE_KEYS:  # a spray of made-up names: keep the most recent
        newest = sorted(kept, key=lambda key: kept[key][-1])[-_MAX_THROTTLE_KEYS:]
        kept = {key: kept[key] for key in newest}
    _write_json_atomic(path, kept)


def _wait_minutes(times: list[float], limit: int, *, now: float) -> int | None:
    """Whole minutes until fewer than ``limit`` of ``times`` are inside the window."""
    if len(times) < limit:
        return None
    free_at = times[-limit] + SIGN_IN_WINDOW_SECONDS
    return max(1, math.ceil((free_at - now) / 60))


def _minutes(count: int) -> str:
    return "1 minute" if count == 1 else f"{count} minutes"


def sign_in_refusal(path: Path, username: str, address: str | None, *, now: float) -> str | None:
    """The sentence refusing a sign-in as ``username`` from ``address`` now, or None.

    Reads ``path`` only. An account with :data:`MAX_ACCOUNT_FAILURES` failures in
    the last :data:`SIGN_IN_WINDOW_SECONDS`, or an address with
    :data:`MAX_ADDRESS_FAILURES`, is refused until the oldest of those leaves the window.
    """
    table = _load_failures(path, now=now)
    wait = _wait_minutes(table.get(_account_key(username), []), MAX_ACCOUNT_FAILURES, now=now)
    if wait is not None:
        return f"Too many failed sign-ins for this account; try again in {_minutes(wait)}."
    if address:
        times = table.get(_address_key(address), [])
        wait = _wait_minutes(times, MAX_ADDRESS_FAILURES, now=now)
        if wait is not None:
            return (
                "Too many failed sign-ins from your network address; "
                f"try again in {_minutes(wait)}."
            )
    return None


def authenticate_throttled(
    accounts: Mapping[str, Account],
    path: Path,
    username: str,
    password: str,
    *,
    address: str | None,
    now: float,
) -> Account | None:
    """:func:`authenticate`, with failed attempts counted and limited in ``path``.

    Raises :class:`AccessDenied` with "Too many failed sign-ins for this
    account; try again in M minutes." (or the same for the client ``address``)
    without checking the password when the limit is reached. Otherwise the
    attempt is counted as a failure under an exclusive lock *before* the
    password is checked; a correct password then clears the account's count
    and takes this attempt off the address's count.
    """
    account_key = _account_key(username)
    address_key = _address_key(address) if address else None
    with _exclusive(path):
        refusal = sign_in_refusal(path, username, address, now=now)
        if refusal is not None:
            raise AccessDenied(refusal)
        table = _load_failures(path, now=now)
        for key in (account_key, address_key):
            if key is not None:
                table.setdefault(key, []).append(float(now))
        _save_failures(path, table)
    account = authenticate(accounts, username, password)
    if account is not None:
        with _exclusive(path):
            table = _load_failures(path, now=now)
            table.pop(account_key, None)
            if address_key is not None and float(now) in table.get(address_key, []):
                table[address_key].remove(float(now))
            _save_failures(path, table)
    return account


__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORDS",
    "MAX_ACCOUNT_FAILURES",
    "MAX_ADDRESS_FAILURES",
    "ROLES",
    "SESSION_TTL_SECONDS",
    "SIGN_IN_WINDOW_SECONDS",
    "Account",
    "SessionToken",
    "authenticate",
    "authenticate_throttled",
    "check_password",
    "demo_accounts",
    "demo_sign_in_lines",
    "dump_accounts",
    "hash_password",
    "issue_session_token",
    "load_accounts",
    "load_or_create_secret",
    "load_revocations",
    "parse_session_token",
    "revocations_path",
    "revoke_session",
    "revoked_nonces",
    "save_accounts",
    "secret_path",
    "session_problem",
    "sign_in_refusal",
    "throttle_path",
    "write_demo_accounts",
]
