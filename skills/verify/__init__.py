"""Open Badges verification: ``verify(source)`` -> :class:`Report`, check by check.

Formats: OB 2.0 hosted and signed (and 0.5/1.0/1.1 upgraded), OB 3.0 with a
Data Integrity proof or as VC-JWT, each plain or baked into PNG/SVG.
``verify_all(source)`` also opens CLR 2.0 transcripts and verifiable presentations:
the container's report, then one report per badge inside.
"""

from skills.verify._api import verify, verify_all, verify_many
from skills.verify.model import (
    Achievement,
    Alignment,
    Check,
    CheckName,
    Credential,
    Issuer,
    Outcome,
    Recipient,
    Report,
    Status,
)

__all__ = [
    "Achievement",
    "Alignment",
    "Check",
    "CheckName",
    "Credential",
    "Issuer",
    "Outcome",
    "Recipient",
    "Report",
    "Status",
    "verify",
    "verify_all",
    "verify_many",
]
