"""Every exception Skill Atlas raises on purpose, in one hierarchy.

Pages and the command line catch :class:`SkillAtlasError` and show ``str(err)``,
which is always one sentence a person understands. Anything else escaping a
``skills`` function is a bug.

::

    SkillAtlasError
    ├── InputError            the submitted bytes cannot be read as a badge
    │   ├── UnsupportedFormat   not JSON, JWS/JWT, PNG, SVG or a URL
    │   ├── InputTooLarge       over a configured size, count or depth limit
    │   └── MalformedInput      recognised, but broken (bad JSON, truncated PNG, two badges ...)
    ├── FetchError            a URL named by a badge could not be fetched safely
    │   ├── BlockedURL          refused before connecting (scheme, private address, redirects)
    │   ├── FetchTooLarge       the response exceeded the size cap
    │   └── FetchFailed         timeout, connection error, or an unusable response
    ├── CanonicalizationError JSON-LD processing failed or ran out of its time budget
    ├── StoreError            the database refused an operation
    │   ├── SchemaTooNew        the database was written by a newer Skill Atlas
    │   └── DatabaseLocked      another process holds the write lock
    ├── ImportRowsError       a CSV import was rejected; ``.problems`` lists each bad row
    ├── AccessDenied          the viewer's role does not allow this
    └── ConfigError           a setting is missing or invalid
"""

from __future__ import annotations

from collections.abc import Sequence


class SkillAtlasError(Exception):
    """Base of every deliberate Skill Atlas error; ``str()`` is a readable sentence."""


class InputError(SkillAtlasError):
    """The submission cannot be read as a badge."""


class UnsupportedFormat(InputError):
    """The bytes are none of the formats Skill Atlas reads."""


class InputTooLarge(InputError):
    """The input is over a configured size, count, nesting or decompression limit."""


class MalformedInput(InputError):
    """The format was recognised but the content is broken."""


class FetchError(SkillAtlasError):
    """A URL could not be fetched safely. ``url`` is the address concerned."""

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class BlockedURL(FetchError):
    """Refused before any connection: bad scheme, private address, redirect loop."""


class FetchTooLarge(FetchError):
    """The response body exceeded the configured cap."""


class FetchFailed(FetchError):
    """Timeout, connection failure, or a response that could not be used."""


class CanonicalizationError(SkillAtlasError):
    """JSON-LD expansion or RDF canonicalisation failed or exceeded its budget."""


class CanonicalizationBudgetExceeded(CanonicalizationError):
    """Canonicalisation was stopped by its time or run budget: the document was not shown
    wrong, it could not be checked (a hostile graph, or a machine too busy)."""


class StoreError(SkillAtlasError):
    """The database refused an operation."""


class SchemaTooNew(StoreError):
    """The database file was migrated by a newer version of Skill Atlas."""


class StorageTooNew(StoreError):
    """The database file was written by a newer DuckDB than this one reads (Skill Atlas
    before issue 17 used DuckDB 2.0; it now uses 1.5, which cannot read 2.0 files)."""


class DatabaseLocked(StoreError):
    """Another process is writing to the database file."""


class ImportRowsError(SkillAtlasError):
    """A CSV import was rejected as a whole; ``problems`` holds (row number, reason)."""

    def __init__(self, message: str, problems: Sequence[tuple[int, str]]) -> None:
        super().__init__(message)
        self.problems = list(problems)


class AccessDenied(SkillAtlasError):
    """The viewer is not allowed to see or change this."""


class ConfigError(SkillAtlasError):
    """A configuration value is missing or invalid."""


__all__ = [
    "AccessDenied",
    "BlockedURL",
    "CanonicalizationError",
    "ConfigError",
    "DatabaseLocked",
    "FetchError",
    "FetchFailed",
    "FetchTooLarge",
    "ImportRowsError",
    "InputError",
    "InputTooLarge",
    "MalformedInput",
    "SchemaTooNew",
    "SkillAtlasError",
    "StoreError",
    "UnsupportedFormat",
]
