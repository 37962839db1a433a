"""Profile: one person's badges with their checks, their skills and a timeline.

The URL holds the view: ``person`` (whose profile), ``credential`` (the badge that led
here: shown first and highlighted) and ``q`` (the sidebar search). The services decide
what the viewer may see; a link never widens it.
"""

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.express as px
import streamlit as st

from pages._ui import my_data, session, url_state
from pages._ui.widgets import (
    PILLAR_NAMES,
    STATUS_ICON,
    chart,
    days,
    download_table,
    esco_footer,
    show_badge_image,
    show_checks,
)
from skills.access import Role
from skills.errors import SkillAtlasError
from skills.explain import chart_text, error_sentence, plain
from skills.services import profile as q
from skills.services.submit import withdraw

store, viewer = session.page("profile")

NONE = "—"  # what a table shows for a missing value
_LAST_SEARCH = "_profile_last_search"


def _label(row: Mapping[Any, Any]) -> str:
    """A person as the picker shows them: the name, then team or kind (never the id)."""
    where = row.get("team") if isinstance(row.get("team"), str) else None
    return f"{row['name']} · {where or row.get('kind') or ''}".rstrip(" ·")


def _stop(message: str) -> None:
    st.title("Profile")
    st.error(message)
    st.stop()


def _remove_button(credential_key: str, badge: str | None) -> None:
    """Remove a badge from the profile (its owner or HR), after a second click."""
    asked = st.session_state.get("_remove_asked") == credential_key
    if not asked:
        if st.button("Remove this badge", key="remove_badge"):
            st.session_state["_remove_asked"] = credential_key
            st.rerun()
        return
    st.warning(
        f"Remove “{plain(badge or 'this badge')}” and the skills it shows? This cannot be undone."
    )
    yes, no = st.columns(2)
    if yes.button("Yes, remove it", key="remove_badge_yes", type="primary"):
        st.session_state.pop("_remove_asked", None)
        try:
            withdraw(store, viewer, credential_key)
        except SkillAtlasError as err:
            st.error(error_sentence(err))
            return
        session.after_write()
        st.session_state["_removed"] = f"Removed “{plain(badge or 'the badge')}”."
        st.query_params.pop("credential", None)
        st.rerun()
    if no.button("Keep it", key="remove_badge_no"):
        st.session_state.pop("_remove_asked", None)
        st.rerun()


url_person = url_state.value("person")
url_credential = url_state.value("credential")
came_from = None  # the badge that led here (CredentialDetail), when the link named one
if url_credential:
    try:
        came_from = session.query(q.credential_detail, viewer, url_credential)
    except SkillAtlasError as err:
        _stop(error_sentence(err))
    if not url_person and came_from is not None:
        url_person = came_from.person_id

# Whose profile: a member always sees their own; others search within their scope.
wanted = url_person or viewer.person_id
if viewer.role is not Role.MEMBER:
    text = url_state.text_input(
        "Find a person",
        param="q",
        container=st.sidebar,
        placeholder="name, then Enter",
    ).strip()
    found = session.query(q.find_people, viewer, text, 50)
    last = st.session_state.get(_LAST_SEARCH)
    st.session_state[_LAST_SEARCH] = text
    new_search = bool(text) and text != (last or "") and not (last is None and url_person)
    if new_search and not found.empty:
        wanted = str(found.iloc[0]["person_id"])  # Enter opens the best match
    elif st.session_state.get("profile_pick") in set(found["person_id"]):
        wanted = st.session_state["profile_pick"]
    if text and found.empty:
        st.sidebar.info(
            f"Nobody in your teams matches “{plain(text)}”."
            if viewer.role is Role.MANAGER
            else f"Nobody matches “{plain(text)}”."
        )
    labels = {str(r["person_id"]): _label(r) for r in found.to_dict("records")}
    options = list(labels)
    if wanted and wanted not in labels:
        exact = session.query(q.find_people, viewer, wanted, 1)
        if not exact.empty and exact.iloc[0]["person_id"] == wanted:
            labels[wanted] = _label(exact.iloc[0].to_dict())
        options = [wanted, *options]
    if options:
        st.session_state["profile_pick"] = wanted if wanted in options else options[0]
        wanted = st.sidebar.selectbox(
            "Person",
            options,
            format_func=lambda p: labels.get(p, "the person in the link"),
            key="profile_pick",
        )
if not wanted:
    st.title("Profile")
    st.info("Find a person in the sidebar.")
    st.stop()
if wanted != url_person:  # another person: the badge that led here was someone else's
    url_credential, came_from = None, None
    st.query_params.pop("credential", None)
st.query_params["person"] = wanted

try:
    person = session.query(q.person, viewer, wanted)
    creds = session.query(q.person_credentials, viewer, wanted)
    held = session.query(q.person_skills, viewer, wanted)
    pending = session.query(q.person_unreviewed_skills, viewer, wanted)
    timeline = session.query(q.person_timeline, viewer, wanted)
except SkillAtlasError as err:
    _stop(error_sentence(err))

if came_from is not None and came_from.person_id != person.person_id:
    st.warning("The badge in the link is not this person's; it is not shown.")
    came_from, url_credential = None, None
    st.query_params.pop("credential", None)

back = url_state.back_params("cand_")  # came from a candidate search: the way back to it
if back is not None:
    st.page_link(
        "pages/candidates.py",
        label="Back to candidates",
        icon=":material/arrow_back:",
        query_params=back,
    )
st.title(plain(person.name))
st.caption(  # team and role title come from HR's import: text, not Markdown
    " · ".join(
        plain(x) for x in (person.kind, person.team, person.role_title, person.person_id) if x
    )
)
cols = st.columns(3)
cols[0].metric("Badges", len(creds))
cols[1].metric("Verified", int((creds["status"] == "verified").sum()) if not creds.empty else 0)
cols[2].metric("Skills held", len(held))

removed = st.session_state.pop("_removed", None)
if removed:
    st.success(removed)
if came_from is not None:
    st.info(
        f"You came here from the badge “{plain(came_from.badge or 'badge')}”: "
        "it is shown first and highlighted."
    )

own = person.person_id == viewer.person_id
tabs = st.tabs(["Badges", "Skills", "Timeline", *(["Your addresses"] if own else [])])
tab_badges, tab_skills, tab_time = tabs[:3]
if own:
    with tabs[3]:
        my_data.addresses_section(store, viewer, person.person_id)
        my_data.privacy_section(store, viewer)
with tab_badges:
    if creds.empty:
        st.info("No badges yet.")
    else:
        if url_credential:  # the badge that led here first
            first = creds["credential_key"] == url_credential
            creds = pd.concat([creds[first], creds[~first]], ignore_index=True)
        shown = creds.assign(
            status=creds["status"].map(lambda s: f"{STATUS_ICON.get(s, '')} {s}"),
            led_here=["▶ led here" if k == url_credential else "" for k in creds["credential_key"]],
            issued=days(creds["issued"]),
            expires=days(creds["expires"]),
            last_checked=days(creds["last_checked"]),
        )
        order = [
            "badge",
            "issuer",
            "status",
            "counted",
            "issued",
            "expires",
            "last_checked",
            "bound",
            "skills",
        ]
        if url_credential:
            order = ["led_here", *order]
        event = st.dataframe(
            shown,
            hide_index=True,
            on_select="rerun",
            selection_mode="single-row",
            key="profile_badges",
            column_order=order,
            placeholder=NONE,
            column_config={
                "led_here": st.column_config.TextColumn("", pinned=True, width="small"),
                "badge": st.column_config.TextColumn("badge", pinned=True),
                "counted": st.column_config.TextColumn(
                    "skills count?",
                    help="Only a trusted issuer's verified badges count; HR reviews new issuers.",
                ),
                "bound": st.column_config.TextColumn(
                    "recipient", help="'by name only': the badge names no e-mail, URL or DID"
                ),
                "last_checked": st.column_config.TextColumn(
                    "last checked", help="When the badge was last verified (re-checked daily)."
                ),
            },
        )
        download_table(
            creds[["badge", "issuer", "status", "counted", "issued", "expires", "skills"]],
            name="badges",
            key="profile_badges_dl",
            label="badges",
        )
        rows = event.selection.rows if event else []
        key = creds.iloc[rows[0]]["credential_key"] if rows else creds.iloc[0]["credential_key"]
        st.caption("Select a badge to see how it was checked.")
        try:
            detail = session.query(q.credential_detail, viewer, str(key))
        except SkillAtlasError as err:
            st.error(error_sentence(err))
        else:
            left, right = st.columns([1, 5])
            with left:
                show_badge_image(detail.raw, detail.baked_in)
            with right:
                st.subheader(plain(detail.badge or "Badge"))
                if detail.issuer:
                    st.caption(
                        f"Issued by {plain(detail.issuer)} "
                        f"({detail.issuer_trust or 'unknown'} issuer)"
                    )
                show_checks(
                    detail.status,
                    detail.checks,
                    issuer=detail.issuer,
                    summary=detail.summary if detail.status != "verified" else None,
                    recipient_is_viewer=detail.person_id == viewer.person_id,
                )
                if detail.person_id == viewer.person_id or viewer.role is Role.HR:
                    _remove_button(detail.credential_key, detail.badge)
                if not detail.skills.empty:
                    st.dataframe(
                        detail.skills[["skill", "mention", "confidence", "method"]],
                        hide_index=True,
                        placeholder=NONE,
                        column_config={
                            "skill": st.column_config.TextColumn(pinned=True),
                            "confidence": st.column_config.ProgressColumn(
                                min_value=0.0, max_value=1.0, format="%.2f"
                            ),
                        },
                    )
with tab_skills:
    if held.empty:
        st.info("No verified skills yet.")
    else:
        skills_shown = held.assign(
            pillar=held["pillar"].map(lambda p: PILLAR_NAMES.get(p, p), na_action="ignore"),
            first_issued=days(held["first_issued"]),
            expires=days(held["expires"]),
        )[["skill", "pillar", "credentials", "first_issued", "expires"]]
        st.dataframe(
            skills_shown,
            hide_index=True,
            placeholder=NONE,
            column_config={
                "skill": st.column_config.TextColumn(pinned=True),
                "first_issued": st.column_config.TextColumn("since"),
                "expires": st.column_config.TextColumn("expires"),
            },
        )
        download_table(skills_shown, name="skills", key="profile_skills_dl", label="skills")
    if not pending.empty:
        st.markdown("**Verified, issuer not yet reviewed**")
        st.caption(
            "These badges' signatures verified, but HR has not reviewed their issuers yet: "
            "their skills do not count until HR trusts the issuer."
        )
        st.dataframe(
            pending[["skill", "pillar", "issuers", "credentials"]].assign(
                pillar=pending["pillar"].map(lambda p: PILLAR_NAMES.get(p, p), na_action="ignore")
            ),
            hide_index=True,
            key="profile_pending",
            placeholder=NONE,
        )
with tab_time:
    if timeline.empty:
        st.info("Nothing dated yet.")
    else:
        timeline = timeline.assign(  # badge names are data: escaped for Plotly's HTML subset
            badge=timeline["badge"].map(chart_text, na_action="ignore"),
            event=timeline["event"].map(chart_text, na_action="ignore"),
        )
        fig = px.scatter(
            timeline, x="at", y="event", color="status", hover_name="badge", height=320
        )
        fig.update_traces(marker={"size": 12})
        fig.update_layout(
            margin={"l": 0, "r": 0, "t": 10, "b": 0}, yaxis_title=None, xaxis_title=None
        )
        chart(fig, key="profile_timeline", name="timeline")

esco_footer()
