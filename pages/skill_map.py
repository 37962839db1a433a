"""Skill map (HR): team x skill heat map, ESCO coverage sunburst, bench strength."""

import plotly.express as px
import streamlit as st

from pages._ui import session
from pages._ui.widgets import PILLAR_NAMES, esco_footer
from skills.explain import chart_text
from skills.services import skill_map as q

store, viewer = session.page("skill_map")
st.title("Skill map")
st.caption("Who holds which verified skills, by team. Only verified, unexpired badges count.")

opts = session.query(q.filter_options, viewer)
teams = opts["teams"]
with st.sidebar:
    st.subheader("Filter")
    department = st.selectbox(
        "Department",
        [None, *opts["departments"]["department"].tolist()],
        format_func=lambda d: "All departments" if d is None else d,
        key="map_dept",
    )
    team_pool = teams if department is None else teams[teams["department"] == department]
    team_names = dict(zip(team_pool["team_id"], team_pool["name"], strict=False))
    picked = st.multiselect(
        "Teams", list(team_names), format_func=lambda t: team_names[t], key="map_teams"
    )
    pillar = st.selectbox(
        "Skill pillar",
        [None, "S", "K", "T", "L", "A"],
        format_func=lambda p: "All pillars" if p is None else PILLAR_NAMES[p],
        key="map_pillar",
    )
    group = st.text_input("ESCO group code", placeholder="e.g. S5 or K0613", key="map_group")
    top = st.slider("Skills shown", 5, 60, 25, key="map_top")

flt = q.MapFilter(
    department=department, team_ids=tuple(picked), pillar=pillar, group_code=group.strip() or None
)
matrix = session.query(q.team_skill_matrix, viewer, flt, top=top)

if matrix.empty:
    st.info("No verified skills match these filters.")
else:
    matrix = matrix.assign(coverage=matrix["holders"] / matrix["people"].clip(lower=1))
    short = matrix["skill"].map(lambda t: chart_text(t if len(t) <= 34 else t[:32] + "…"))
    pivot = matrix.assign(skill=short, team=matrix["team"].map(chart_text)).pivot_table(
        index="team", columns="skill", values="holders", fill_value=0
    )
    st.subheader("Holders per team and skill")
    fig = px.imshow(
        pivot,
        aspect="auto",
        color_continuous_scale="Blues",
        text_auto=True,
        labels={"color": "holders", "x": "", "y": ""},
        height=max(320, 28 * len(pivot) + 260),
    )
    fig.update_xaxes(tickangle=-40, automargin=True)
    fig.update_yaxes(automargin=True)
    fig.update_layout(margin={"l": 10, "r": 0, "t": 10, "b": 10})
    st.plotly_chart(fig, config={"displayModeBar": False})

    skills_shown = matrix.drop_duplicates("skill_uri").sort_values("skill")
    skill_names = dict(zip(skills_shown["skill_uri"], skills_shown["skill"], strict=True))
    chosen = st.selectbox(
        "Drill into a skill",
        [None, *skill_names],
        format_func=lambda u: "Choose a skill..." if u is None else skill_names[u],
        key="map_drill",
    )
    if chosen:
        holders = session.query(q.skill_holders, viewer, chosen)
        holders = holders.assign(person_id="./profile?person=" + holders["person_id"])
        st.dataframe(
            holders[["person", "team", "badge", "issuer", "issued", "expires", "person_id"]],
            hide_index=True,
            column_config={
                "issued": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "expires": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "person_id": st.column_config.LinkColumn(
                    "profile",
                    display_text="open profile",
                    help="Open the person's badges and checks",
                ),
            },
        )

left, right = st.columns(2)
with left:
    st.subheader("Coverage along ESCO")
    tree = session.query(q.coverage_tree, viewer, flt)
    if tree.empty:
        st.info("Nothing to show.")
    else:
        tree = tree.nlargest(400, "holders")
        path = ["pillar_name", "level1", "level2", "skill"]
        tree = tree.assign(**{c: tree[c].map(chart_text, na_action="ignore") for c in path})
        fig = px.sunburst(tree, path=path, values="holders", height=520)
        fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0})
        st.plotly_chart(fig, config={"displayModeBar": False})
with right:
    st.subheader("Bench strength")
    bench = session.query(q.bench_strength, viewer)
    single, gaps = bench["single_holder"], bench["critical_gaps"]
    c1, c2 = st.columns(2)
    c1.metric("Skills held by one person", len(single))
    c2.metric("Critical role skills nobody holds", len(gaps))
    st.markdown("**Held by only one person**")
    if single.empty:
        st.info("Every skill has at least two holders.")
    else:
        st.dataframe(single[["skill", "person", "team"]], hide_index=True, height=220)
    st.markdown("**Critical requirements with no holder**")
    if gaps.empty:
        st.success("Every critical requirement has a holder.")
    else:
        st.dataframe(gaps[["profile", "requirement", "kind"]], hide_index=True, height=220)

esco_footer()
