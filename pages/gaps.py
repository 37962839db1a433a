"""Team gaps (managers): the team against its role profiles, readiness, next skills."""

import plotly.graph_objects as go
import streamlit as st

from pages._ui import session
from pages._ui.widgets import esco_footer
from skills.access import Role
from skills.explain import chart_text
from skills.services import gaps as q

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
home = [t for t in session.query(q.home_teams, viewer) if t in team_names]
c1, c2 = st.columns(2)
team_pick = c1.multiselect(
    "Teams",
    list(team_names),
    default=home or list(team_names)[:1],
    format_func=lambda t: team_names[t],
    key="gap_teams",
    placeholder="All your teams",
)
team_ids = tuple(team_pick)
if not team_ids and viewer.role is Role.HR:
    st.info("Choose one or more teams to plan for.")
    st.stop()
names = dict(zip(profiles["profile_id"], profiles["name"], strict=False))
usual = session.query(q.default_profile, viewer, team_ids or tuple(team_names))
choices = list(names)
profile_id = c2.selectbox(
    "Target role",
    choices,
    index=choices.index(usual) if usual in choices else 0,
    format_func=lambda p: names[p],
    key="gap_profile",
    help="Opens on the role most people in the chosen teams hold.",
)

matrix = session.guarded(lambda: session.query(q.gap_matrix, viewer, profile_id, team_ids))
if matrix is None:
    st.stop()
if matrix.empty:
    st.info("Nobody in these teams yet. Choose other teams above.")
    st.stop()

ready = q.readiness(matrix)
held_share = (matrix["state"] != "missing").mean()
m1, m2, m3 = st.columns(3)
m1.metric("People", ready.shape[0])
m2.metric("Requirements met", f"{held_share:.0%}")
m3.metric("Ready for the role (≥ 80%)", int((ready["readiness"] >= 0.8).sum()))

st.subheader("Who holds what")
STATES = ("missing", "expiring", "held")
COLOURS = {"missing": "#f2d7d5", "expiring": "#f9a825", "held": "#2e7d32"}
MARKS = {"missing": "", "expiring": "!", "held": "✓"}
short = matrix["requirement"].map(lambda t: chart_text(t if len(t) <= 30 else t[:28] + "…"))
cells = matrix.assign(  # names and labels are data: escaped for Plotly's HTML subset
    v=matrix["state"].map(STATES.index), requirement=short, person=matrix["person"].map(chart_text)
)
grid = cells.pivot_table(
    index="person", columns="requirement", values="v", aggfunc="max", fill_value=0
)
states = grid.map(lambda v: STATES[int(v)])
scale = []
for i, state in enumerate(STATES):  # one flat band of colour per state
    scale += [(i / 3, COLOURS[state]), ((i + 1) / 3, COLOURS[state])]
fig = go.Figure(
    go.Heatmap(
        z=grid.to_numpy(),
        x=list(grid.columns),
        y=list(grid.index),
        zmin=-0.5,
        zmax=2.5,
        colorscale=scale,
        showscale=False,
        text=states.map(MARKS.get).to_numpy(),
        texttemplate="%{text}",
        customdata=states.to_numpy(),
        hovertemplate="%{y}<br>%{x}: %{customdata}<extra></extra>",
        xgap=2,
        ygap=2,
    )
)
for state in reversed(STATES):  # legend entries: invisible markers in each state's colour
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={"size": 12, "symbol": "square", "color": COLOURS[state]},
            name={"held": "held", "expiring": "expiring within 90 days", "missing": "missing"}[
                state
            ],
        )
    )
fig.update_layout(
    height=max(320, 26 * len(grid) + 220),
    margin={"l": 0, "r": 0, "t": 30, "b": 10},
    legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    plot_bgcolor="rgba(0,0,0,0)",
)
fig.update_xaxes(tickangle=-35, automargin=True, side="bottom", showgrid=False)
fig.update_yaxes(autorange="reversed", automargin=True, showgrid=False)
st.plotly_chart(fig, config={"displayModeBar": False})

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
    cov = session.guarded(lambda: session.query(q.team_coverage, viewer, team_ids))
    if cov is None:
        pass
    elif cov.empty:
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
