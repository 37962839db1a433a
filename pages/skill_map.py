"""Skill map (HR): each team's share of people holding the skills most in demand, ESCO
coverage as a hierarchy, bench strength; every filter in the URL, every cell to its evidence."""

import plotly.graph_objects as go
import streamlit as st

from pages._ui import session, url_state
from pages._ui.widgets import (
    PILLAR_NAMES,
    chart,
    download_table,
    esco_footer,
    for_display,
)
from skills.explain import chart_text, plain
from skills.services import profile_link
from skills.services import skill_map as q

LABEL_CHARS = 22  # longer skill names are abbreviated on the axis (full name on hover)

store, viewer = session.page("skill_map")
st.title("Skill map")
st.caption(
    "Each team's share of employees holding a skill, for the skills role profiles ask for "
    "most. Only verified, unexpired badges count."
)


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


opts = session.query(q.filter_options, viewer)
teams = opts["teams"]
all_team_names = dict(zip(teams["team_id"], teams["name"], strict=False))
with st.sidebar:
    st.subheader("Filter")
    department = url_state.selectbox(
        "Department",
        ["", *opts["departments"]["department"].tolist()],
        param="dept",
        format_func=lambda d: d or "All departments",
    )
    pool = teams if not department else teams[teams["department"] == department]
    team_names = dict(zip(pool["team_id"], pool["name"], strict=False))
    picked = url_state.multiselect(
        "Teams",
        list(team_names),
        param="teams",
        format_func=lambda t: team_names.get(t, t),
    )
    pillar = url_state.selectbox(
        "Skill pillar",
        ["", *PILLAR_NAMES],
        param="pillar",
        format_func=lambda p: PILLAR_NAMES.get(p, "All pillars"),
    )
    group = url_state.text_input("ESCO group code", param="group", placeholder="e.g. S5 or K0613")
    per_page = int(
        url_state.selectbox(
            "Skills per page",
            ["10", "15", "20", "25"],
            param="cols",
            default="25",
        )
        or "25"
    )

flt = q.MapFilter(
    department=department or None,
    team_ids=tuple(picked),
    pillar=pillar or None,
    group_code=group.strip() or None,
)

# The page of skills: asked for in the URL (or the selector), checked against how many there are.
asked = str(st.session_state.get("page") or url_state.value("page") or "1")
page_no = int(asked) if asked.isdigit() and int(asked) > 0 else 1
matrix = session.query(q.team_skill_matrix, viewer, flt, top=per_page, page=page_no)
if matrix.empty and page_no > 1:
    page_no = 1
    matrix = session.query(q.team_skill_matrix, viewer, flt, top=per_page, page=1)

st.subheader("Share of each team holding the skills in demand")
if matrix.empty:
    st.info("No verified skills or role requirements match these filters.")
else:
    total = int(matrix["skills_total"].iloc[0])
    pages = max(1, -(-total // per_page))
    top_row = st.columns([1, 3])
    page_options = [str(n) for n in range(1, pages + 1)]
    if st.session_state.get("page") not in (None, *page_options):
        del st.session_state["page"]  # fewer pages since the filter changed
    chosen_page = url_state.selectbox(
        f"Page ({per_page} skills each, {total} skills in all)",
        page_options,
        param="page",
        container=top_row[0],
    )
    if chosen_page and int(chosen_page) != page_no:  # out of range in the URL: page 1
        page_no = int(chosen_page)
        matrix = session.query(q.team_skill_matrix, viewer, flt, top=per_page, page=page_no)
    rows_total = int(matrix["rows_total"].iloc[0])
    kind = str(matrix["row_kind"].iloc[0])
    shown_rows = matrix["row_id"].nunique()
    if kind == "department":
        top_row[1].caption(
            f"{len(teams):,} teams in all: shown by department. Choose a department or teams "
            "in the sidebar to see teams."
        )
    elif rows_total > shown_rows:
        top_row[1].caption(
            f"The {shown_rows} largest of {rows_total:,} teams. Choose teams in the sidebar to "
            "compare others."
        )
    top_row[1].caption(
        "Skills are ordered by demand: how many role profiles require them, weighted by "
        "priority (critical 3, important 2, nice to have 1), then by how many hold them."
    )

    skills = matrix.drop_duplicates("skill_uri").sort_values("rank")
    rows = matrix.drop_duplicates("row_id")
    row_order = rows["row_id"].tolist()[::-1]  # largest at the top
    x_text = [chart_text(_short(s)) for s in skills["skill"]]
    hover = [
        f"<b>{chart_text(r)}</b><br>{chart_text(s)}<br>"
        f"{h:,} of {p:,} people ({sh:.0%})<br>demand {d} · held by {sup:,} in all"
        for r, s, h, p, sh, d, sup in zip(
            matrix["row"],
            matrix["skill"],
            matrix["holders"],
            matrix["people"],
            matrix["share"],
            matrix["demand"],
            matrix["supply"],
            strict=True,
        )
    ]
    fig = go.Figure(
        go.Scatter(
            x=matrix["skill_uri"].tolist(),
            y=matrix["row_id"].tolist(),
            mode="markers+text",
            marker={
                "symbol": "square",
                "size": 26,
                "color": matrix["share"].tolist(),
                "cmin": 0,
                "cmax": 1,
                "colorscale": "Blues",
                "line": {"width": 1, "color": "#d0d7de"},
                "colorbar": {"title": "share", "tickformat": ".0%"},
            },
            text=[f"{v:.0%}" if v > 0 else "" for v in matrix["share"]],
            textfont={
                "size": 9,
                "color": ["white" if v >= 0.55 else "#1f2328" for v in matrix["share"]],
            },
            customdata=list(zip(matrix["row_id"], matrix["skill_uri"], strict=True)),
            hovertext=hover,
            hoverinfo="text",
        )
    )
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=skills["skill_uri"].tolist(),
        tickmode="array",
        tickvals=skills["skill_uri"].tolist(),
        ticktext=x_text,
        tickangle=-45,
        side="top",
        showgrid=False,
    )
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=row_order,
        tickmode="array",
        tickvals=row_order,
        ticktext=[chart_text(n) for n in rows.set_index("row_id").loc[row_order, "row"].tolist()],
        showgrid=False,
        automargin=True,
    )
    fig.update_layout(
        height=max(300, 32 * len(rows) + 200),
        margin={"l": 10, "r": 0, "t": 10, "b": 10},
        plot_bgcolor="white",
        clickmode="event+select",
    )
    clicked = chart(fig, key="map_heat", name="skill-map", drill=True)
    st.caption("Click a cell to list the people and badges behind it.")
    download_table(
        matrix[
            ["row", "skill", "holders", "people", "share", "demand", "supply", "rank", "skill_uri"]
        ].rename(columns={"row": kind}),
        name="skill-map",
        key="map_matrix_dl",
        label="map",
    )

    # A clicked cell picks the skill and the row below (once per click, so the pickers
    # stay free to change afterwards).
    if clicked and isinstance(clicked[0], list | tuple) and len(clicked[0]) == 2:
        cell = (str(clicked[0][0]), str(clicked[0][1]))
        if st.session_state.get("_map_last_cell") != cell:
            st.session_state["_map_last_cell"] = cell
            st.session_state["skill"] = cell[1]
            st.session_state["row"] = cell[0]

    skill_names = dict(zip(skills["skill_uri"], skills["skill"], strict=True))
    row_names = dict(zip(rows["row_id"], rows["row"], strict=True))
    st.markdown("**Who holds it**")
    d1, d2 = st.columns(2)
    chosen = url_state.selectbox(
        "Skill",
        ["", *skill_names],
        param="skill",
        format_func=lambda u: skill_names.get(u, "Choose a skill..."),
        container=d1,
    )
    chosen_row = url_state.selectbox(
        "Team" if kind == "team" else "Department",
        ["", *row_names],
        param="row",
        format_func=lambda r: row_names.get(r, "Every team shown"),
        container=d2,
    )
    if chosen:
        if chosen_row and kind == "department":
            in_row = teams.loc[teams["department"].fillna(q.NO_DEPARTMENT) == chosen_row]
            team_ids = tuple(in_row["team_id"])
        elif chosen_row:
            team_ids = (chosen_row,)
        elif kind == "team":
            team_ids = tuple(rows["row_id"])
        else:  # departments: the map covers every team
            team_ids = tuple(all_team_names)
        holders = session.query(q.skill_holders, viewer, chosen, team_ids)
        where = plain(row_names.get(chosen_row, "")) if chosen_row else "the teams shown"
        count = holders["person_id"].nunique() if not holders.empty else 0
        st.caption(
            f"{count} {'person' if count == 1 else 'people'} in {where} "
            f"{'holds' if count == 1 else 'hold'} {plain(skill_names.get(chosen, chosen))}."
        )
        if holders.empty:
            st.info("Nobody there holds this skill with a verified badge.")
        else:
            table = holders.assign(
                profile=[
                    profile_link(p, c)
                    for p, c in zip(holders["person_id"], holders["credential_key"], strict=True)
                ]
            )
            cols = ["person", "team", "badge", "issuer", "issued", "expires"]
            st.dataframe(
                for_display(table[[cols[0], "profile", *cols[1:]]]),
                hide_index=True,
                column_config={
                    "profile": st.column_config.LinkColumn(
                        "profile",
                        display_text="open profile",
                        help="Open the person's profile at this badge",
                    ),
                },
            )
            download_table(
                for_display(table[[*cols, "person_id", "credential_key"]]),
                name="skill-holders",
                key="map_holders_dl",
                label="holders",
            )

left, right = st.columns(2)
with left:
    st.subheader("Coverage along ESCO")
    tree = session.query(q.coverage_groups, viewer, flt)
    if tree.empty:
        st.info("Nothing to show.")
    else:
        st.caption(
            "The ESCO groups your people's skills belong to; the size is how many skill "
            "holdings each group has. Click a group to zoom in, the top bar to zoom out."
        )
        icicle = go.Figure(
            go.Icicle(
                ids=tree["node"].tolist(),
                parents=tree["parent"].tolist(),
                labels=[chart_text(n) for n in tree["name"]],
                values=tree["holders"].tolist(),
                customdata=tree["skills"].tolist(),
                branchvalues="total",
                maxdepth=4,
                hovertemplate=(
                    "<b>%{label}</b><br>%{value:,} holdings of %{customdata:,} skills"
                    "<extra></extra>"
                ),
                marker={"colorscale": "Blues"},
            )
        )
        icicle.update_layout(height=520, margin={"l": 0, "r": 0, "t": 10, "b": 0})
        chart(icicle, key="map_esco", name="esco-coverage")
        download_table(
            tree[["name", "level", "holders", "skills", "node", "parent"]].rename(
                columns={"node": "code", "parent": "parent code"}
            ),
            name="esco-coverage",
            key="map_tree_dl",
            label="groups",
        )
with right:
    st.subheader("Bench strength")
    bench = session.query(q.bench_strength, viewer, flt)
    single, gaps = bench["single_holder"], bench["critical_gaps"]
    c1, c2 = st.columns(2)
    c1.metric("Skills held by one person", len(single))
    c2.metric("Critical role skills nobody holds", len(gaps))
    st.markdown("**Held by only one person**")
    if single.empty:
        st.info("Every skill has at least two holders.")
    else:
        st.dataframe(
            for_display(
                single.assign(profile=[profile_link(p, None) for p in single["person_id"]])[
                    ["skill", "person", "profile", "team"]
                ]
            ),
            hide_index=True,
            column_config={
                "profile": st.column_config.LinkColumn("profile", display_text="open profile")
            },
        )
        download_table(
            for_display(single[["skill", "person", "team"]]),
            name="single-holders",
            key="map_single_dl",
        )
    st.markdown("**Critical requirements with no holder**")
    if gaps.empty:
        st.success("Every critical requirement has a holder.")
    else:
        shown_gaps = for_display(
            gaps.assign(kind=gaps["kind"].map({"skill": "skill", "group": "ESCO group"}))[
                ["profile", "requirement", "kind"]
            ]
        )
        st.dataframe(shown_gaps, hide_index=True)
        download_table(shown_gaps, name="critical-gaps", key="map_gaps_dl")

esco_footer()
