"""The application's settings: a :class:`Settings` value built once at the edge, passed down.

:func:`settings` reads the ``SKILLS_*`` environment; only the edges call it (the
command line, the Streamlit app's session module), and hand the value to
:mod:`skills.bootstrap`. Every other module receives a
:class:`Settings` value (or the one field it needs) from its caller, and a caller that
passes none gets :data:`DEFAULTS`, never the environment.

| variable | default | meaning |
|---|---|---|
| ``SKILLS_DB`` | ``data/skillatlas.duckdb`` | the DuckDB file |
| ``SKILLS_STORE`` | ``duckdb`` | ``ducklake``: the lake below instead of the file |
| ``SKILLS_LAKE_CATALOG`` | (empty) | the lake's PostgreSQL catalog (a libpq string) |
| ``SKILLS_LAKE_DATA`` | (empty) | the lake's data folder, shared by every process |
| ``SKILLS_FETCH_ALLOW_HOSTS`` | (empty) | hosts the fetcher may reach on private addresses |
| ``SKILLS_FETCH_MAX_BYTES`` | ``1048576`` | response size cap |
| ``SKILLS_MAX_UPLOAD_BYTES`` | ``10485760`` | per-file submission limit, enforced before parsing |
| ``SKILLS_MAX_BATCH_ITEMS`` | ``10000`` | items in one batch upload |
| ``SKILLS_CLOCK_SKEW_SECONDS`` | ``300`` | tolerance on validity windows |
| ``SKILLS_WORKERS`` | number of cores | processes for batch verification |
| ``SKILLS_HOSTED_MIRROR`` | empty | hosts served from files (tests; demo databases name theirs) |
| ``SKILLS_MAX_REJECTED_PER_DAY`` | ``200`` | rejected submissions stored per account per day |
| ``SKILLS_ACCOUNTS`` | ``data/accounts.toml`` | local accounts (see :mod:`skills.signin`) |
| ``SKILLS_REVERIFY_EVERY_HOURS`` | ``24`` | hours between re-verifications (0: off) |
| ``SKILLS_NOTICE_DAYS`` | ``90`` | badges expiring within this many days are announced |
| ``SKILLS_SMTP_HOST`` | (empty) | SMTP server for address confirmation codes (empty: HR confirms) |
| ``SKILLS_SMTP_PORT`` | ``25`` | its port |
| ``SKILLS_SMTP_FROM`` | ``skill-atlas@localhost`` | the sender address |
| ``SKILLS_SMTP_STARTTLS`` | ``false`` | ``true``: STARTTLS before sending |
| ``SKILLS_SMTP_USER``, ``..._PASSWORD`` | (empty) | SMTP login (STARTTLS or port 465) |
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from skills.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from exc
    if value < 0:
        raise ConfigError(f"{name} must not be negative.")
    return value


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {raw!r}.") from exc
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"{name} must be a finite number, not negative.")
    return value


@dataclass(frozen=True)
class Settings:
    """The effective configuration (defaults as in the table above)."""

    db_path: Path = DATA_DIR / "skillatlas.duckdb"
    fetch_allow_hosts: frozenset[str] = frozenset()
    fetch_max_bytes: int = 1024 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024
    max_batch_items: int = 10_000
    clock_skew_seconds: int = 300
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    accounts_path: Path = DATA_DIR / "accounts.toml"
    hosted_mirror: Path | None = None
    max_rejected_per_day: int = 200
    reverify_every_hours: float = 24.0
    """The server re-verifies every stored badge this often (0 disables the schedule)."""
    notice_days: int = 90
    """A verified badge expiring within this many days is announced on sign-in."""
    smtp_host: str | None = None
    """SMTP server that sends address confirmation codes (None: HR confirms addresses)."""
    smtp_port: int = 25
    smtp_from: str = "skill-atlas@localhost"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    store: str = "duckdb"
    """``duckdb`` (the file ``db_path``) or ``ducklake`` (``lake_catalog`` + ``lake_data``)."""
    lake_catalog: str = field(default="", repr=False)
    lake_data: str = ""

    @property
    def store_location(self) -> Path | LakeLocation:
        """What :func:`skills.store.open_store` opens: the file, or the lake."""
        if self.store == "ducklake":
            return LakeLocation(self.lake_catalog, self.lake_data, DATA_DIR / "extensions")
        return self.db_path


@dataclass(frozen=True)
class LakeLocation:
    """A DuckLake: its PostgreSQL catalog (a libpq connection string), its data folder
    (every process's path to the same shared storage), and where this machine keeps the
    DuckDB extensions it loads from their wheels."""

    catalog: str = field(repr=False)
    data_path: str
    extensions: Path

    def __str__(self) -> str:
        return f"the lake at {self.data_path}"


#: What a caller that passes no settings gets: the defaults, never the environment.
DEFAULTS = Settings()


def settings() -> Settings:
    """Read the ``SKILLS_*`` environment; raises :class:`ConfigError` on a bad value.

    Cheap to call often: cached per distinct set of the ``SKILLS_*`` values, so a
    changed environment (tests, a re-configured process) is seen at the next call.
    """
    return _settings_for(tuple(os.environ.get(name) for name in _VARIABLES))


_VARIABLES = (
    "SKILLS_DB",
    "SKILLS_FETCH_ALLOW_HOSTS",
    "SKILLS_FETCH_MAX_BYTES",
    "SKILLS_MAX_UPLOAD_BYTES",
    "SKILLS_MAX_BATCH_ITEMS",
    "SKILLS_CLOCK_SKEW_SECONDS",
    "SKILLS_WORKERS",
    "SKILLS_ACCOUNTS",
    "SKILLS_HOSTED_MIRROR",
    "SKILLS_MAX_REJECTED_PER_DAY",
    "SKILLS_REVERIFY_EVERY_HOURS",
    "SKILLS_NOTICE_DAYS",
    "SKILLS_SMTP_HOST",
    "SKILLS_SMTP_PORT",
    "SKILLS_SMTP_FROM",
    "SKILLS_SMTP_STARTTLS",
    "SKILLS_SMTP_USER",
    "SKILLS_SMTP_PASSWORD",
    "SKILLS_STORE",
    "SKILLS_LAKE_CATALOG",
    "SKILLS_LAKE_DATA",
)


@functools.lru_cache(maxsize=32)
def _settings_for(_env: tuple[str | None, ...]) -> Settings:
    hosts = os.environ.get("SKILLS_FETCH_ALLOW_HOSTS", "")
    return Settings(
        db_path=Path(os.environ.get("SKILLS_DB") or DEFAULTS.db_path),
        fetch_allow_hosts=frozenset(h.strip().lower() for h in hosts.split(",") if h.strip()),
        fetch_max_bytes=_int("SKILLS_FETCH_MAX_BYTES", DEFAULTS.fetch_max_bytes),
        max_upload_bytes=_int("SKILLS_MAX_UPLOAD_BYTES", DEFAULTS.max_upload_bytes),
        max_batch_items=_int("SKILLS_MAX_BATCH_ITEMS", DEFAULTS.max_batch_items),
        clock_skew_seconds=_int("SKILLS_CLOCK_SKEW_SECONDS", DEFAULTS.clock_skew_seconds),
        workers=_int("SKILLS_WORKERS", DEFAULTS.workers) or 1,
        accounts_path=Path(os.environ.get("SKILLS_ACCOUNTS") or DEFAULTS.accounts_path),
        hosted_mirror=Path(mirror) if (mirror := os.environ.get("SKILLS_HOSTED_MIRROR")) else None,
        max_rejected_per_day=_int("SKILLS_MAX_REJECTED_PER_DAY", DEFAULTS.max_rejected_per_day),
        reverify_every_hours=_float("SKILLS_REVERIFY_EVERY_HOURS", DEFAULTS.reverify_every_hours),
        notice_days=_int("SKILLS_NOTICE_DAYS", DEFAULTS.notice_days),
        smtp_host=os.environ.get("SKILLS_SMTP_HOST", "").strip() or None,
        smtp_port=_int("SKILLS_SMTP_PORT", DEFAULTS.smtp_port) or DEFAULTS.smtp_port,
        smtp_from=os.environ.get("SKILLS_SMTP_FROM", "").strip() or DEFAULTS.smtp_from,
        smtp_starttls=_flag("SKILLS_SMTP_STARTTLS"),
        smtp_user=os.environ.get("SKILLS_SMTP_USER") or None,
        smtp_password=os.environ.get("SKILLS_SMTP_PASSWORD") or None,
        **_lake(),
    )


def _lake() -> dict[str, str]:
    store = (os.environ.get("SKILLS_STORE") or "duckdb").strip().lower()
    if store not in ("duckdb", "ducklake"):
        raise ConfigError(f"SKILLS_STORE must be duckdb or ducklake, not {store!r}.")
    catalog = (os.environ.get("SKILLS_LAKE_CATALOG") or "").strip()
    data = (os.environ.get("SKILLS_LAKE_DATA") or "").strip()
    if store == "ducklake":
        for name, value in (("SKILLS_LAKE_CATALOG", catalog), ("SKILLS_LAKE_DATA", data)):
            if not value:
                raise ConfigError(f"SKILLS_STORE=ducklake needs {name} (see the README).")
        data = data if data.endswith("/") else data + "/"
    return {"store": store, "lake_catalog": catalog, "lake_data": data}


def _flag(name: str) -> bool:
    raw = (os.environ.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false, not {raw!r}.")
