"""Candidates (recruiters): search by verified skills, rank, compare, export a shortlist.

Every filter lives in the URL (each widget bound to the query parameter named by its key),
so a link reproduces the search.
"""

from urllib.parse import urlencode

import streamlit as st

from pages._ui import session, url_state
from pages._ui.widgets import esco_footer
from skills.explain import plain
from skills.services import candidates as q

store, viewer = session.page("candidates")
st.title("Candidates")
st.caption("External candidates ranked by verified evidence for the skills you need.")

options = session.query(q.skill_options, viewer)
if options.empty:
    st.info("No candidate has submitted a badge with a mapped skill yet.")
    st.stop()
# The URL keeps a chosen skill by its label (no counts, which change): a link stays valid.
labels = dict(zip(options["skill_uri"], options["label"], strict=False))


def _add_skill(uri: str) -> None:
    chosen = list(st.session_state.get("cand_skills", []))
    if uri not in chosen:
        st.session_state["cand_skills"] = [*chosen, uri]


with st.container(border=True):
    wanted = url_state.multiselect(
        "Required skills",
        list(labels),
        param="cand_skills",
        format_func=lambda uri: labels[uri],
        placeholder="type to search skills",
    )
    c1, c2, c3, c4 = st.columns(4)
    modes: list[q.Mode] = ["all", "any", "at_least"]
    mode = url_state.radio(
        "Must match",
        modes,
        param="cand_mode",
        container=c1,
        horizontal=False,
        format_func={"all": "all", "any": "any", "at_least": "at least N"}.__getitem__,
    )
    at_least = c1.number_input(
        "N", 1, 20, 2, key="cand_n", disabled=mode != "at_least", bind="query-params"
    )
    verified_only = c2.checkbox(
        "Verified badges only", value=True, key="cand_verified", bind="query-params"
    )
    trusted_only = not c2.checkbox(
        "Include issuers not yet reviewed",
        value=False,
        key="cand_unreviewed",
        bind="query-params",
        help="Badges whose signature verified but whose issuer HR has not reviewed yet. "
        "Self-issued badges and untrusted issuers never count.",
    )
    limit_years = c3.checkbox(
        "Issued recently", value=False, key="cand_recent", bind="query-params"
    )
    years = c3.slider(
        "within years",
        1,
        15,
        5,
        key="cand_years",
        disabled=not limit_years,
        bind="query-params",
    )

query = q.CandidateQuery(
    skills=tuple(wanted),
    mode=q.MODES.get(mode, "all"),
    at_least=int(at_least),
    verified_only=verified_only,
    trusted_only=trusted_only,
    within_years=int(years) if limit_years else None,
)
if not wanted:
    st.info("Choose one or more required skills to rank candidates, or start from a popular one:")
    popular = options.head(8)
    cols = st.columns(4)
    for i, (uri, label, n) in enumerate(
        zip(popular["skill_uri"], popular["label"], popular["candidates"], strict=True)
    ):
        cols[i % 4].button(  # button labels are Markdown: the skill label is data
            f"{plain(label)} ({n:,})",
            key=f"cand_popular_{i}",
            on_click=_add_skill,
            args=(uri,),
            icon=":material/add:",
            width="stretch",
        )
    st.stop()

ranked = session.query(q.search_candidates, viewer, query)
st.subheader(f"{len(ranked):,} matching candidates")
if ranked.empty:
    st.info("Nobody matches. Try 'any', fewer skills, or include unverified badges.")
    st.stop()

event = st.dataframe(
    ranked[["name", "score", "matched", "badges", "why"]].assign(
        profile=["profile?" + urlencode({"person": p}) for p in ranked["person_id"]]
    ),
    hide_index=True,
    on_select="rerun",
    selection_mode="multi-row",
    key="cand_table",
    column_order=["name", "score", "matched", "badges", "why", "profile"],
    placeholder="—",
    column_config={
        "name": st.column_config.TextColumn("name", pinned=True),
        "score": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f"),
        "why": st.column_config.TextColumn("why this score", width="large"),
        "profile": st.column_config.LinkColumn("profile", display_text="open profile"),
    },
)
picked_rows = event.selection.rows if event else []
shortlist = ranked.iloc[picked_rows] if picked_rows else ranked.head(10)
st.caption(
    "Select rows to compare (up to four) and to export just those; "
    "otherwise the top ten are exported."
)

d1, d2, _ = st.columns([1, 1, 3])
d1.download_button(
    "Download CSV",
    q.shortlist_csv(shortlist),
    "shortlist.csv",
    "text/csv",
    key="dl_csv",
    icon=":material/download:",
)
d2.download_button(
    "Download Excel",
    q.shortlist_xlsx(shortlist),
    "shortlist.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="dl_xlsx",
    icon=":material/download:",
)

if len(picked_rows) >= 2:
    st.subheader("Side by side")
    ids = ranked.iloc[picked_rows[: q.MAX_COMPARE]]["person_id"].tolist()
    table = session.query(q.compare, viewer, ids)
    if table.empty:
        st.info("No held skills to compare.")
    else:
        st.dataframe(table, height=min(600, 35 * len(table) + 40))
elif len(picked_rows) == 1:
    pid = ranked.iloc[picked_rows[0]]["person_id"]
    st.page_link(
        "pages/profile.py",
        label="Open this candidate's profile",
        icon=":material/badge:",
        query_params={"person": pid},
    )

esco_footer()
