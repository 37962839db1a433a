"""Candidates (recruiters): search by verified skills, rank, compare, export a shortlist.

Every filter lives in the URL (each widget bound to the query parameter named by its key),
so a link reproduces the search.
"""

from urllib.parse import parse_qsl

import pandas as pd
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
# Skills a job ad found, or a link names, are offered too, even when no candidate holds
# them yet.
labels = dict(zip(options["skill_uri"], options["label"], strict=False))
found_ad = st.session_state.get("cand_ad_found")
if isinstance(found_ad, pd.DataFrame):
    labels |= {u: lb for u, lb in zip(found_ad["skill_uri"], found_ad["label"], strict=True)}
offered = set(labels.values())
linked = tuple(
    lb
    for k in ("cand_skills", "cand_must")
    for lb in st.query_params.get_all(k)
    if lb not in offered
)
if linked:
    labels |= session.query(q.skills_named, viewer, linked)


def _add_skill(uri: str) -> None:
    chosen = list(st.session_state.get("cand_skills", []))
    if uri not in chosen:
        st.session_state["cand_skills"] = [*chosen, uri]


def _use_job_ad() -> None:
    """Extract the pasted ad's skills and make the accepted ones the search (mode any:
    must-haves are marked next, the rest rank)."""
    found = session.query(q.skills_in_job_ad, viewer, st.session_state.get("cand_ad", ""))
    st.session_state["cand_ad_found"] = found
    st.session_state["cand_skills"] = found.loc[found["accepted"], "skill_uri"].tolist()
    st.session_state["cand_must"] = []
    st.session_state["cand_mode"] = "any"


with st.expander("Start from a job ad", expanded=isinstance(found_ad, pd.DataFrame)):
    st.text_area(
        "Paste the job description",
        key="cand_ad",
        height=180,
        max_chars=50_000,
        placeholder="Paste the job ad: the skills it names become the search.",
    )
    st.button("Find its skills", key="cand_ad_go", on_click=_use_job_ad, icon=":material/search:")
    if isinstance(found_ad, pd.DataFrame):
        if found_ad.empty:
            st.info("No ESCO skill found in this text.")
        else:
            st.caption(
                "Found in the ad (the accepted ones are now the search below: remove, add, "
                "and mark must-haves there)."
            )
            st.dataframe(
                found_ad[["label", "mention", "score", "method", "accepted"]],
                hide_index=True,
                key="cand_ad_table",
                column_config={
                    "label": st.column_config.TextColumn("skill (ESCO)"),
                    "mention": st.column_config.TextColumn("as written"),
                    "score": st.column_config.ProgressColumn(
                        min_value=0, max_value=1, format="%.2f"
                    ),
                },
            )

filters = session.query(q.filter_options, viewer)
with st.container(border=True):
    wanted = url_state.multiselect(
        "Skills",
        list(labels),
        param="cand_skills",
        format_func=lambda uri: labels[uri],
        placeholder="type to search skills",
    )
    must = url_state.multiselect(
        "Must-have skills",
        list(labels),
        param="cand_must",
        format_func=lambda uri: labels[uri],
        placeholder="a candidate lacking one is not listed",
        help="Must-haves are required whatever 'Must match' says; the other skills rank.",
    )
    c1, c2, c3, c4 = st.columns(4)
    modes: list[q.Mode] = ["all", "any", "at_least"]
    mode_words = {"all": "all", "any": "any", "at_least": "at least N"}
    mode = url_state.radio(
        "Must match",
        modes,
        param="cand_mode",
        container=c1,
        horizontal=False,
        format_func=mode_words.__getitem__,
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
    locations = url_state.multiselect(
        "Location", filters["location"], param="cand_loc", container=c4, placeholder="any"
    )
    availability = url_state.multiselect(
        "Availability",
        filters["availability"],
        param="cand_avail",
        container=c4,
        placeholder="any",
    )

query = q.CandidateQuery(
    skills=tuple(u for u in wanted if u not in must),
    must_have=tuple(must),
    locations=tuple(locations),
    availability=tuple(availability),
    mode=q.MODES.get(mode, "all"),
    at_least=int(at_least),
    verified_only=verified_only,
    trusted_only=trusted_only,
    within_years=int(years) if limit_years else None,
)
if not wanted and not must:
    st.info("Paste a job ad above, choose skills to rank candidates, or start from a popular one:")
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

# Every profile link carries this search back (the Profile page's "Back to candidates").
back = url_state.query_string(
    {
        "cand_skills": [labels[u] for u in wanted],
        "cand_must": [labels[u] for u in must],
        "cand_mode": mode_words[mode],
        "cand_n": int(at_least),
        "cand_verified": verified_only,
        "cand_unreviewed": not trusted_only,
        "cand_recent": limit_years,
        "cand_years": int(years),
        "cand_loc": locations,
        "cand_avail": availability,
    }
)
event = st.dataframe(
    ranked.assign(profile=[url_state.with_back(link, back) for link in ranked["profile"]]),
    hide_index=True,
    on_select="rerun",
    selection_mode="multi-row",
    key="cand_table",
    column_order=[
        "name",
        "score",
        "matched",
        "location",
        "availability",
        "evidence",
        "why",
        "profile",
    ],
    placeholder="—",
    column_config={
        "name": st.column_config.TextColumn("name", pinned=True),
        "score": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f"),
        "evidence": st.column_config.TextColumn(
            "evidence", width="large", help="Per skill, the badge behind it: trusted, newest."
        ),
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
    side = session.query(q.compare, viewer, ids, required=query.wanted)
    if side.nobody_holds:
        st.warning("Nobody compared holds: " + ", ".join(plain(s) for s in side.nobody_holds) + ".")
    if side.table.empty:
        st.info("No held skills to compare.")
    else:
        st.caption("Each cell: the issuer and month of the newest badge, and its level.")
        st.dataframe(side.table, height=min(600, 35 * len(side.table) + 40))
elif len(picked_rows) == 1:
    row = ranked.iloc[picked_rows[0]]
    st.page_link(
        "pages/profile.py",
        label="Open this candidate's profile",
        icon=":material/badge:",
        query_params=parse_qsl(url_state.with_back(row["profile"], back).partition("?")[2]),
    )

esco_footer()
