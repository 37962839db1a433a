"""Badge text printed by the command line is shown as it is: no rich markup, no emoji codes."""

from __future__ import annotations

import pytest

from skills.commands.verify import _print_report
from skills.verify._model import Check, Outcome, Report, Status


def test_untrusted_check_text_is_printed_verbatim(capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    message = "Key did:key:z6Mk belongs to [link=https://evil.example]Acme[/link] :smile:"
    report = Report(
        Status.VERIFIED,
        "ob3-di",
        (Check("signature", Outcome.PASSED, message),),
        None,
        "0" * 64,
        datetime.now(UTC),
    )
    _print_report("[bold]name[/bold]", report)
    out = " ".join(capsys.readouterr().out.split())
    assert "did:key:z6Mk" in out
    assert "[link=https://evil.example]Acme[/link]" in out
    assert ":smile:" in out
    assert "[bold]name[/bold]" in out
