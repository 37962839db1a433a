"""A badge's recipient decided against the identities and name of the person it is filed under."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from skills.verify._common import check_name_binding, check_recipient
from skills.verify._model import CheckName, Outcome, Report, decide, failed, not_run


def bind_recipient(
    report: Report, identities: Sequence[str] | None, name: str | None = None
) -> Report:
    """The report with its recipient check decided against a person's identities.

    ``identities`` None means "no person": the report is returned as it is. A badge
    that names its recipient only by name is compared with the person's ``name``
    ("bound by name only": a warning when the names match, ``recipient_mismatch``
    when they differ). Otherwise an empty list makes the check a required one that
    could not run (the badge is then ``unverifiable``), the first identity that
    matches passes the check, and none matching fails it (``recipient_mismatch``).
    The verdict is recomputed from the checks.
    """
    if identities is None or report.credential is None:
        return report
    recipient = report.credential.recipient
    if recipient.name_only:
        check = check_name_binding(recipient, name)
    elif not identities:
        check = not_run(
            CheckName.RECIPIENT,
            "This person has no e-mail, URL or DID on record to compare with the badge's "
            "recipient.",
        )
    else:
        check = next(
            (
                c
                for c in (check_recipient(recipient, ident) for ident in identities)
                if c.outcome is Outcome.PASSED
            ),
            failed(
                CheckName.RECIPIENT,
                "Issued to someone else: the badge's recipient matches none of the identities "
                "on record for this person.",
            ),
        )
    checks = (*(c for c in report.checks if c.name != CheckName.RECIPIENT), check)
    return replace(report, checks=checks, status=decide(checks))
