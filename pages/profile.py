"""Profile: one person's badges with their checks, their skills and a timeline."""

import plotly.express as px
import streamlit as st

from pages._ui import session
from pages._ui.widgets import STATUS_ICON, esco_footer, show_badge_image, show_checks
from skills.access import Role
from skills.errors import SkillAtlasError
from skills.explain import chart_text, error_sentence, plain
from skills.services import profile as q

store, viewer = session.page("profile")

# Whose profile: a member always sees their own; others pick within their scope.
# A ?person= query parameter is honoured only if skills.access allows it.
wanted = st.query_params.get("person") or viewer.person_id
if viewer.role is not Role.MEMBER:
    with st.sidebar:
        text = st.text_input("Find a person", key="profile_search", placeholder="name or id")
        found = session.query(q.find_people, viewer, text, 50)
    if not found.empty:
        options = found["person_id"].tolist()
        labels = dict(
            zip(found["person_id"], found["name"] + " · " + found["person_id"], strict=False)
        )
        if wanted and wanted not in labels:
            options = [wanted, *options]
        pick = st.sidebar.selectbox(
            "Person",
            options,
            index=options.index(wanted) if wanted in options else 0,
            format_func=lambda p: labels.get(p, p),
            key="profile_pick",
        )
        wanted = pick
if not wanted:
    st.title("Profile")
    st.info("Choose a person in the sidebar.")
    st.stop()

try:
    person = session.query(q.person, viewer, wanted)
    creds = session.query(q.person_credentials, viewer, wanted)
    held = session.query(q.person_skills, viewer, wanted)
    pending = session.query(q.person_unreviewed_skills, viewer, wanted)
    timeline = session.query(q.person_timeline, viewer, wanted)
except SkillAtlasError as err:
    st.title("Profile")
    st.error(error_sentence(err))
    st.stop()

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

tab_badges, tab_skills, tab_time = st.tabs(["Badges", "Skills", "Timeline"])
with tab_badges:
    if creds.empty:
        st.info("No badges yet.")
    else:
        shown = creds.assign(status=creds["status"].map(lambda s: f"{STATUS_ICON.get(s, '')} {s}"))
        event = st.dataframe(
            shown[["badge", "issuer", "status", "counted", "bound", "issued", "expires", "skills"]],
            hide_index=True,
            on_select="rerun",
            selection_mode="single-row",
            key="profile_badges",
            column_config={
                "counted": st.column_config.TextColumn(
                    "skills count?",
                    help="Only a trusted issuer's verified badges count; HR reviews new issuers.",
                ),
                "bound": st.column_config.TextColumn(
                    "recipient", help="'by name only': the badge names no e-mail, URL or DID"
                ),
                "issued": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "expires": st.column_config.DateColumn(format="YYYY-MM-DD"),
            },
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
                if not detail.skills.empty:
                    st.dataframe(
                        detail.skills[["skill", "mention", "confidence", "method"]],
                        hide_index=True,
                        column_config={
                            "confidence": st.column_config.ProgressColumn(
                                min_value=0.0, max_value=1.0, format="%.2f"
                            )
                        },
                    )
with tab_skills:
    if held.empty:
        st.info("No verified skills yet.")
    else:
        st.dataframe(
            held[["skill", "pillar", "credentials", "first_issued", "expires"]],
            hide_index=True,
            column_config={
                "first_issued": st.column_config.DateColumn("since", format="YYYY-MM-DD"),
                "expires": st.column_config.DateColumn(format="YYYY-MM-DD"),
            },
        )
    if not pending.empty:
        st.markdown("**Verified, issuer not yet reviewed**")
        st.caption(
            "These badges' signatures verified, but HR has not reviewed their issuers yet: "
            "their skills do not count until HR trusts the issuer."
        )
        st.dataframe(
            pending[["skill", "pillar", "issuers", "credentials"]],
            hide_index=True,
            key="profile_pending",
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
        st.plotly_chart(fig, config={"displayModeBar": False})

esco_footer()
