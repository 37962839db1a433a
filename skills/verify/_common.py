"""Checks every format shares: recipient binding and the validity window."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from skills.verify._model import (
    Check,
    CheckName,
    Recipient,
    Status,
    failed,
    not_run,
    passed,
    warning,
)


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 / xsd:dateTime string or a Unix timestamp as an aware UTC datetime.

    Returns None when ``value`` is missing or cannot be read (the caller decides
    whether that is an error). Dates without a zone are taken as UTC.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"\d{9,11}", text):
        return parse_datetime(int(text))
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def normalise_identity(identity: str) -> str:
    """The comparable form of a claimed identity: trimmed; e-mails and DIDs' methods lower-cased."""
    text = identity.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if "@" in text and not text.startswith(("did:", "http:", "https:")):
        return text.lower()
    return text


def _identity_variants(claimed: str) -> list[str]:
    base = claimed.strip()
    variants = [base, normalise_identity(base)]
    if base.lower().startswith("mailto:"):
        variants.append(base[7:])
    if base.startswith("tel:"):
        variants.append(base[4:])
    elif re.fullmatch(r"\+?[\d ()-]{6,}", base):
        digits = re.sub(r"[ ()-]", "", base)
        variants += [digits, "tel:" + digits]
    seen: list[str] = []
    for v in variants:
        if v not in seen:
            seen.append(v)
    return seen


def identity_matches(recipient: Recipient, claimed: str) -> bool:
    """True when ``claimed`` is the identity the badge names.

    Hashed identities (``sha256$hex`` or ``md5$hex`` of identity + salt) are
    compared case-insensitively on the hex, trying the claimed text as given
    and its normalised form (lower-cased e-mail).
    """
    if recipient.identity is None:
        return False
    stored = recipient.identity.strip()
    salt = recipient.salt or ""
    algo, sep, digest = stored.partition("$")
    if recipient.hashed or (sep and algo.lower() in {"sha256", "md5"}):
        algo = algo.lower()
        if algo not in {"sha256", "md5"} or not digest:
            return False
        for candidate in _identity_variants(claimed):
            computed = hashlib.new(algo, (candidate + salt).encode("utf-8")).hexdigest()
            if hmac.compare_digest(computed, digest.strip().lower()):
                return True
        return False
    wanted = {normalise_identity(v) for v in _identity_variants(claimed)}
    return normalise_identity(stored) in wanted


def _name_tokens(name: str) -> list[str]:
    """A person's name as comparable tokens: case-folded, accents and punctuation removed,
    sorted (so "Lovelace, Ada", "ADA  LOVELACE" and "Ada Lovelace" compare equal)."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = plain.replace("ß", "ss")
    return sorted(t for t in re.split(r"[^\w]+|_", plain) if t)


def names_match(named: str, claimed: str) -> bool:
    """True when two person names are the same name: case, accents, spacing, punctuation
    and the order of given and family names do not matter; every word must be there."""
    a, b = _name_tokens(named), _name_tokens(claimed)
    return bool(a) and a == b


def check_name_binding(recipient: Recipient, claimed_name: str | None) -> Check:
    """RECIPIENT for a credential that names its recipient only by name.

    A warning when the names match ("bound by name only": a name is weaker evidence than
    an e-mail or a DID, and the report says so), a failure (``recipient_mismatch``) when
    they differ, a warning naming the recipient when no name was given to compare.
    """
    named = (recipient.name or "").strip()
    if claimed_name is None or not claimed_name.strip():
        return warning(
            CheckName.RECIPIENT,
            f"Bound by name only: the badge names its recipient only as {named!r} (no e-mail, "
            "URL or DID), and no name was given to compare with.",
        )
    if names_match(named, claimed_name):
        return warning(
            CheckName.RECIPIENT,
            f"Bound by name only: the badge names its recipient only as {named!r}, which "
            f"matches {claimed_name.strip()!r}; it carries no e-mail, URL or DID to prove it.",
        )
    return failed(
        CheckName.RECIPIENT,
        f"Issued to someone else: the badge names its recipient only as {named!r}, not "
        f"{claimed_name.strip()!r}.",
    )


def check_recipient(recipient: Recipient | None, claimed: str | None) -> Check:
    """The recipient check; not run (and not required) when nobody claimed an identity."""
    if claimed is None or not claimed.strip():
        return not_run(
            CheckName.RECIPIENT,
            "No recipient identity was given, so who the badge was issued to was not checked.",
            required=False,
        )
    if recipient is None or recipient.identity is None:
        return failed(CheckName.RECIPIENT, "The badge names no recipient to compare with.")
    if identity_matches(recipient, claimed):
        how = "hashed identity" if recipient.hashed else "identity"
        return passed(
            CheckName.RECIPIENT, f"Issued to {claimed.strip()} (matches the badge's {how})."
        )
    return failed(
        CheckName.RECIPIENT,
        f"Issued to someone else: the badge's recipient does not match {claimed.strip()}.",
    )


def check_validity(
    issued: datetime | None,
    expires: datetime | None,
    now: datetime,
    skew: timedelta,
    *,
    issued_label: str = "issued",
    require_issued: bool = True,
) -> Check:
    """Validity window: issued/validFrom not in the future, expires/validUntil not past."""
    if issued is None and require_issued:
        return failed(CheckName.VALIDITY, f"The badge has no readable {issued_label} date.")
    if issued is not None and expires is not None and expires < issued:
        return failed(
            CheckName.VALIDITY,
            f"The badge expires ({expires:%Y-%m-%d}) before it was issued ({issued:%Y-%m-%d}).",
        )
    if issued is not None and issued > now + skew:
        return failed(
            CheckName.VALIDITY,
            f"The badge is not valid until {issued:%Y-%m-%d %H:%M} UTC.",
            status=Status.NOT_YET_VALID,
        )
    if expires is not None and expires < now - skew:
        return failed(
            CheckName.VALIDITY,
            f"The badge expired on {expires:%Y-%m-%d}.",
            status=Status.EXPIRED,
        )
    if expires is not None:
        return passed(CheckName.VALIDITY, f"Within its validity window (until {expires:%Y-%m-%d}).")
    if issued is None:
        return warning(CheckName.VALIDITY, "The badge states no issue date; it does not expire.")
    return passed(CheckName.VALIDITY, f"Issued {issued:%Y-%m-%d}; it does not expire.")
