"""Drawing helpers shared by pages: verification checks, badge images, status words.

Badge text is untrusted: it is shown with ``st.text``/``st.dataframe``/``st.caption``
of escaped text, never with ``unsafe_allow_html``; SVG images are never displayed.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import streamlit as st

from skills.explain import STATUS_WORDS, explain_checks, headline, plain

STATUS_ICON = {  # plain symbols: they render in every font, unlike emoji
    "verified": "✓",
    "expired": "⏱",
    "revoked": "✗",
    "invalid": "✗",
    "not_yet_valid": "…",
    "recipient_mismatch": "✗",
    "unverifiable": "?",
    "rejected": "✗",
}
MAX_IMAGE_PIXELS = 4096 * 4096
# ESCO's skill pillars (the level-0 groups in data/esco/groups.parquet), by code.
PILLAR_NAMES = {
    "S": "Skills",
    "K": "Knowledge",
    "T": "Transversal skills",
    "L": "Language",
    "A": "Attitudes and values",
}


def status_text(status: str) -> str:
    return f"{STATUS_ICON.get(status, '')} {STATUS_WORDS.get(status, status)}".strip()


def show_checks(
    status: str,
    checks: Any,
    *,
    issuer: str | None = None,
    summary: str | None = None,
    recipient_is_viewer: bool = True,
) -> None:
    """The verdict in one sentence, then every check as a table row."""
    sentence = headline(
        status,
        checks,
        issuer_name=issuer,
        recipient_is_viewer=recipient_is_viewer,
        summary=summary,
    )
    box = st.success if status == "verified" else st.warning if status == "expired" else st.error
    word = STATUS_WORDS.get(status, status)
    if sentence.lower().startswith(word.lower()):
        head, _, rest = sentence.partition(":")
        box(
            f"**{STATUS_ICON.get(status, '')} {plain(head)}**"
            + (f": {plain(rest)}" if rest else "")
        )
    else:
        box(f"**{status_text(status)}** — {plain(sentence)}")
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


def esco_footer() -> None:
    from skills.taxonomy import ESCO_CREDIT

    st.caption(f"Skills taxonomy: {ESCO_CREDIT}.")
