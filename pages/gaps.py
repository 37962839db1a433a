"""Team gaps (managers): the team against its role profiles, readiness, next skills."""

import plotly.express as px
import streamlit as st

from skills.insights import readiness
from skills.queries import gaps as q
from ui import session
from ui.widgets import esco_footer

store, viewer = session.page("gaps")
st.title("Team gaps")
st.caption(
    "Your team against its role profiles. Held = a verified, unexpired badge; "
    "expiring = its badge runs out within 90 days."
)

profiles = session.query(q.profiles, viewer)
teams = session.query(q.team_choices, viewer)
if profiles.empty or teams.empty:
    st.info(
        "There is no team or role profile to plan with yet. HR defines role profiles "
        "on the Admin page."
    )
    st.stop()

team_names = dict(zip(teams["team_id"], teams["name"], strict=False))
c1, c2 = st.columns(2)
team_pick = c1.multiselect(
    "Teams",
    list(team_names),
    default=list(team_names)[:1] if len(team_names) > 1 else None,
    format_func=team_names.get,
    key="gap_teams",
)
names = dict(zip(profiles["profile_id"], profiles["name"], strict=False))
profile_id = c2.selectbox("Target role", list(names), format_func=names.get, key="gap_profile")
team_ids = tuple(team_pick)

matrix = session.query(q.gap_matrix, viewer, profile_id, team_ids)
if matrix.empty:
    st.info("Nobody in these teams yet.")
    st.stop()

ready = readiness(matrix)
held_share = (matrix["state"] != "missing").mean()
m1, m2, m3 = st.columns(3)
m1.metric("People", ready.shape[0])
m2.metric("Requirements met", f"{held_share:.0%}")
m3.metric("Ready for the role (≥ 80%)", int((ready["readiness"] >= 0.8).sum()))

st.subheader("Who holds what")
code = {"held": 2, "expiring": 1, "missing": 0}
short = matrix["requirement"].map(lambda t: t if len(t) <= 32 else t[:30] + "…")
grid = matrix.assign(v=matrix["state"].map(code), requirement=short).pivot_table(
    index="person", columns="requirement", values="v", aggfunc="max", fill_value=0
)
fig = px.imshow(
    grid,
    aspect="auto",
    zmin=0,
    zmax=2,
    color_continuous_scale=[(0, "#eeeeee"), (0.5, "#f9a825"), (1, "#2e7d32")],
    height=max(300, 26 * len(grid) + 200),
    labels={"x": "", "y": "", "color": "state"},
)
fig.update_coloraxes(showscale=False)
fig.update_xaxes(tickangle=-40)
fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0})
st.plotly_chart(fig, config={"displayModeBar": False})
st.caption("Green: held · amber: expiring within 90 days · grey: missing.")

left, right = st.columns(2)
with left:
    st.subheader("Readiness for the role")
    st.dataframe(
        ready[["person", "held", "required", "readiness"]],
        hide_index=True,
        column_config={
            "readiness": st.column_config.ProgressColumn(
                min_value=0.0, max_value=1.0, format="percent"
            )
        },
    )
with right:
    st.subheader("Team coverage per role")
    cov = session.query(q.team_coverage, viewer, team_ids)
    if cov.empty:
        st.info("No role profiles apply.")
    else:
        st.dataframe(
            cov,
            hide_index=True,
            column_config={
                "covered_by_someone": st.column_config.NumberColumn("held by someone"),
                "coverage": st.column_config.ProgressColumn(
                    "share covered", min_value=0.0, max_value=1.0, format="percent"
                ),
                "mean_readiness": st.column_config.ProgressColumn(
                    "mean readiness", min_value=0.0, max_value=1.0, format="percent"
                ),
            },
        )

st.subheader("Suggested next skills")
st.caption("From skills that go together in this organisation, and what the role requires.")
sugg = session.query(q.next_skills, viewer, profile_id, team_ids)
if sugg.empty:
    st.info("No suggestions yet: too few verified skills in the organisation.")
else:
    st.dataframe(sugg[["person", "skill", "why"]], hide_index=True)

esco_footer()
