"""Drawing helpers shared by pages: verification checks, badge images, status words.

Badge text is untrusted: it is shown with ``st.text``/``st.dataframe``/``st.caption``
of escaped text, never with ``unsafe_allow_html``; SVG images are never displayed.
So is everything HR imports (names, titles): Markdown gets ``plain(...)``, Plotly
figures ``chart_text(...)``. :func:`show_error` is how an error reaches a page.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import pandas as pd
import streamlit as st

from skills.errors import SkillAtlasError
from skills.explain import (
    CARD_WORDS,
    error_sentence,
    explain_checks,
    headline,
    plain,
)

STATUS_ICON = {  # for tables: characters every common font has (no emoji, no U+23xx)
    "verified": "✓",
    "expired": "!",
    "revoked": "✗",
    "invalid": "✗",
    "not_yet_valid": "…",
    "recipient_mismatch": "✗",
    "unverifiable": "?",
    "rejected": "✗",
}
STATUS_MATERIAL = {  # for alerts and Markdown: Streamlit's own icon font, never a missing glyph
    "verified": ":material/verified:",
    "expired": ":material/event_busy:",
    "revoked": ":material/block:",
    "invalid": ":material/error:",
    "not_yet_valid": ":material/schedule:",
    "recipient_mismatch": ":material/person_off:",
    "unverifiable": ":material/help:",
    "rejected": ":material/block:",
}
MAX_IMAGE_PIXELS = 4096 * 4096
_LOG = logging.getLogger("skillatlas.pages")
# ESCO's skill pillars (the level-0 groups in data/esco/groups.parquet), by code.
PILLAR_NAMES = {
    "S": "Skills",
    "K": "Knowledge",
    "T": "Transversal skills",
    "L": "Language",
    "A": "Attitudes and values",
}


def show_error(err: BaseException) -> None:
    """Show ``err`` as one sentence in ``st.error``, never as a trace.

    A :class:`SkillAtlasError` shows its own sentence; anything else shows one
    generic sentence and is logged on the server with its traceback (logger
    ``skillatlas.pages``).
    """
    if not isinstance(err, SkillAtlasError):
        _LOG.error("A page failed with an unexpected error", exc_info=err)
    st.error(error_sentence(err))


def container_heading(info: Any, badges: int) -> str:
    """One line naming a CLR transcript or a presentation and how many badges it brought.

    ``info`` is a :class:`skills.verify.Container`.
    """
    count = f"{badges} badge" + ("" if badges == 1 else "s")
    if info.kind == "clr":
        name = f" “{info.name}”" if info.name else ""
        line = f"transcript{name}, {count}"
    else:
        holder = f" from {info.holder}" if info.holder else ""
        bound = " (signed by its holder)" if info.holder_bound else ""
        line = f"wallet presentation{holder}{bound}, {count}"
    if info.skipped:
        line += f"; {info.skipped} not checked"
    return line


def show_checks(
    status: str,
    checks: Any,
    *,
    issuer: str | None = None,
    summary: str | None = None,
    recipient_is_viewer: bool = True,
    details: bool = False,
) -> None:
    """The verdict in one sentence, then every check as a table row (with ``details``,
    inside a collapsed "Technical details")."""
    show_verdict(
        status, checks, issuer=issuer, summary=summary, recipient_is_viewer=recipient_is_viewer
    )
    if details:
        with st.expander("Technical details", expanded=False, icon=":material/fact_check:"):
            checks_table(checks)
    else:
        checks_table(checks)


def show_verdict(
    status: str,
    checks: Any,
    *,
    issuer: str | None = None,
    summary: str | None = None,
    recipient_is_viewer: bool = True,
) -> None:
    """The verdict as one alert: its words in bold (never a status code), then the sentence
    :func:`skills.explain.headline` gives, without saying the words twice."""
    sentence = headline(
        status,
        checks,
        issuer_name=issuer,
        recipient_is_viewer=recipient_is_viewer,
        summary=summary,
    )
    box = st.success if status == "verified" else st.warning if status == "expired" else st.error
    word = CARD_WORDS.get(status, status.replace("_", " "))
    icon = STATUS_MATERIAL.get(status, ":material/info:")
    head, colon, rest = sentence.partition(":")
    if colon and head.lower().startswith(word.lower()):
        box(f"**{plain(head)}**: {plain(rest)}", icon=icon)
    elif sentence.lower().rstrip(".") == word.lower():
        box(f"**{plain(word)}**", icon=icon)
    else:
        box(f"**{plain(word)}**: {plain(sentence)}", icon=icon)


def checks_table(checks: Any) -> None:
    """Every check as a row: a mark, its title, what the verifier found (plain text)."""
    rows = explain_checks(checks)
    if rows:
        st.dataframe(
            pd.DataFrame(
                {
                    "": [r.mark for r in rows],
                    "check": [r.title for r in rows],
                    "what we found": [r.message for r in rows],
                }
            ),
            hide_index=True,
            width="stretch",
        )


def show_badge_image(raw: bytes | None, baked_in: str | None, *, width: int = 120) -> None:
    """Show a baked PNG badge after checking its size; SVG badges are never rendered."""
    if not raw or baked_in != "png":
        if baked_in == "svg":
            st.caption("SVG badge image not shown (SVG files can carry scripts).")
        return
    try:
        from PIL import Image

        with Image.open(io.BytesIO(raw)) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                st.caption("Badge image too large to show.")
                return
            img.load()
            safe = io.BytesIO()
            img.convert("RGBA").save(safe, format="PNG")
    except Exception:
        st.caption("Badge image could not be read.")
        return
    st.image(safe.getvalue(), width=width)


DEMO_NOTICE = (
    "Demo database: the demo issuers' badges are verified against local files; "
    "never use it for real people."
)


def demo_notice() -> None:
    """One line on every page when the database was built by ``python -m skills demo``
    (it names a hosted-files folder, :func:`skills.ingest.demo_mirror`).

    Opens the store only when its file exists; draws nothing when it cannot be read.
    """
    from pages._ui import session
    from skills.ingest import demo_mirror

    try:
        if not session.app_settings().db_path.exists():
            return
        demo = demo_mirror(session.get_store()) is not None
    except SkillAtlasError:
        return
    if demo:
        st.caption(f":material/science: {DEMO_NOTICE}")


def esco_footer() -> None:
    from skills.taxonomy import ESCO_CREDIT

    st.caption(f"Skills taxonomy: {ESCO_CREDIT}.")


#: Plotly's toolbar: a PNG download of the chart (the camera), no Plotly logo.
CHART_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


def chart(fig: Any, *, key: str, name: str, drill: bool = False) -> list[Any]:
    """Draw ``fig`` (downloadable as ``<name>.png``); with ``drill`` the points a person
    clicks are returned as their ``customdata`` (what the page needs to open the evidence)."""
    config = {
        **CHART_CONFIG,
        "toImageButtonOptions": {"format": "png", "scale": 2, "filename": name},
    }
    if not drill:
        st.plotly_chart(fig, key=key, config=config)
        return []
    fig.update_layout(clickmode="event+select")  # a click selects the point under it
    event = st.plotly_chart(
        fig, key=key, config=config, on_select="rerun", selection_mode=("points",)
    )
    points = (event.get("selection") or {}).get("points", []) if event else []
    return [p.get("customdata") for p in points if p.get("customdata") is not None]


def download_table(frame: pd.DataFrame, *, name: str, key: str, label: str = "table") -> None:
    """CSV and Excel downloads of ``frame`` (every text cell formula-safe: skills.export),
    side by side under it; the files are made when a button is clicked."""
    from skills.export import to_csv_bytes, to_xlsx_bytes

    with st.container(horizontal=True):
        st.download_button(
            f"Download {label} (CSV)",
            lambda: to_csv_bytes(frame),  # built when clicked, not on every run
            file_name=f"{name}.csv",
            mime="text/csv",
            key=f"{key}_csv",
            icon=":material/download:",
        )
        st.download_button(
            f"Download {label} (Excel)",
            lambda: to_xlsx_bytes(frame, sheet=name[:31] or "Sheet1"),
            file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}_xlsx",
            icon=":material/download:",
        )


DASH = "—"
"""What a table shows for a missing value (never "None")."""


def days(values: pd.Series) -> pd.Series:
    """Dates as YYYY-MM-DD text in UTC (sortable); missing ones stay missing."""
    return pd.to_datetime(values, utc=True).dt.strftime("%Y-%m-%d")


def day(value: Any, missing: str = DASH) -> str:
    """One date as YYYY-MM-DD in UTC, or ``missing`` when there is none."""
    if value is None or pd.isna(value):
        return missing
    ts = pd.Timestamp(value)
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).strftime(
        "%Y-%m-%d"
    )


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD and every missing value as a dash (never "None")."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.astype(object).where(out.notna(), DASH)
