"""Settings from ``SKILLS_*`` environment variables, read once per call of :func:`settings`.

| variable | default | meaning |
|---|---|---|
| ``SKILLS_DB`` | ``data/skillatlas.duckdb`` | the DuckDB file |
| ``SKILLS_FETCH_ALLOW_HOSTS`` | (empty) | hosts the fetcher may reach on private addresses |
| ``SKILLS_FETCH_MAX_BYTES`` | ``1048576`` | response size cap |
| ``SKILLS_MAX_UPLOAD_BYTES`` | ``10485760`` | per-file submission limit, enforced before parsing |
| ``SKILLS_MAX_BATCH_ITEMS`` | ``10000`` | items in one batch upload |
| ``SKILLS_CLOCK_SKEW_SECONDS`` | ``300`` | tolerance on validity windows |
| ``SKILLS_WORKERS`` | number of cores | processes for batch verification |
| ``SKILLS_HOSTED_MIRROR`` | empty | hosts served from files (tests; demo databases name theirs) |
| ``SKILLS_MAX_REJECTED_PER_DAY`` | ``200`` | rejected submissions stored per account per day |
| ``SKILLS_ACCOUNTS`` | ``data/accounts.toml`` | local accounts (when no OIDC ``[auth]``) |
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Settings:
    """The effective configuration."""

    db_path: Path
    fetch_allow_hosts: frozenset[str]
    fetch_max_bytes: int
    max_upload_bytes: int
    max_batch_items: int
    clock_skew_seconds: int
    workers: int
    accounts_path: Path
    hosted_mirror: Path | None
    max_rejected_per_day: int


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
)


@functools.lru_cache(maxsize=32)
def _settings_for(_env: tuple[str | None, ...]) -> Settings:
    hosts = os.environ.get("SKILLS_FETCH_ALLOW_HOSTS", "")
    return Settings(
        db_path=Path(os.environ.get("SKILLS_DB", str(DATA_DIR / "skillatlas.duckdb"))),
        fetch_allow_hosts=frozenset(h.strip().lower() for h in hosts.split(",") if h.strip()),
        fetch_max_bytes=_int("SKILLS_FETCH_MAX_BYTES", 1024 * 1024),
        max_upload_bytes=_int("SKILLS_MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        max_batch_items=_int("SKILLS_MAX_BATCH_ITEMS", 10_000),
        clock_skew_seconds=_int("SKILLS_CLOCK_SKEW_SECONDS", 300),
        workers=_int("SKILLS_WORKERS", os.cpu_count() or 1) or 1,
        accounts_path=Path(os.environ.get("SKILLS_ACCOUNTS", str(DATA_DIR / "accounts.toml"))),
        hosted_mirror=Path(mirror) if (mirror := os.environ.get("SKILLS_HOSTED_MIRROR")) else None,
        max_rejected_per_day=_int("SKILLS_MAX_REJECTED_PER_DAY", 200),
    )
