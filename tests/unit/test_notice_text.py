"""The Overview's notice sentences (``skills.services._notice_text``), pure: dates are the
UTC day, as the Overview's tables show them, whatever zone the database returned them in;
statuses are words."""

from __future__ import annotations

import pandas as pd

from skills.explain import plain
from skills.services.notices import COLUMNS, member_lines, status_word


def _rows(**values: object) -> pd.DataFrame:
    row = dict.fromkeys(COLUMNS)
    row.update(values)
    return pd.DataFrame([row], columns=COLUMNS)


def test_dates_are_the_utc_day_whatever_the_zone() -> None:
    # 23:30 in New York on 1 January is 04:30 UTC on 2 January.
    late = pd.Timestamp("2026-01-01 23:30", tz="America/New_York")
    rows = _rows(kind="expiring", person_id="e1", credential_key="k", badge="B", expires=late)
    (line,) = member_lines(rows, escape=plain, link=lambda p, c: "profile")
    assert "on 2026-01-02" in line.text and "2026-01-01" not in line.text
    checked = _rows(
        kind="status_change",
        notice_id=1,
        person_id="e1",
        credential_key="k",
        badge="B",
        status="revoked",
        old_status="verified",
        # 07:00 in Tokyo on 2 March is 22:00 UTC on 1 March.
        verified_at=pd.Timestamp("2026-03-02 07:00", tz="Asia/Tokyo"),
    )
    (change,) = member_lines(checked, escape=plain, link=lambda p, c: "profile")
    assert change.text.endswith("(last checked 2026-03-01).")


def test_statuses_are_words() -> None:
    assert status_word("recipient_mismatch") == "issued to someone else"
    assert status_word("not_yet_valid") == "not valid yet"
    assert status_word("brand_new") == "brand new"
    assert status_word(None) == ""
