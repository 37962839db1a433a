"""Team gaps (managers): each person against their own role, readiness, next steps, history."""

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages._ui import session, url_state
from pages._ui.widgets import chart, day, download_table, esco_footer
from skills.access import Role
from skills.explain import chart_text, plain
from skills.services import gaps as q

store, viewer = session.page("gaps")
st.title("Team gaps")
st.caption(
    "Each person against the role profile of their job. Held = a verified, unexpired badge; "
    "expiring = its badge runs out within 90 days. Click a cell or a readiness row to see "
    "the badges behind it."
)

OWN = "own"
DASH = "—"
MARK = {1: "★", 2: "◆", 3: "○"}
PRIORITY_LEGEND = "Requirement priority: ★ critical · ◆ important · ○ nice to have."


def _text(value: Any) -> str:
    return DASH if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


profiles = session.query(q.profiles, viewer)
teams = session.query(q.team_choices, viewer)
if profiles.empty or teams.empty:
    st.info(
        "There is no team or role profile to plan with yet. HR defines role profiles "
        "on the Admin page."
    )
    st.stop()

team_names = {str(t): str(n) for t, n in zip(teams["team_id"], teams["name"], strict=False)}
home = [t for t in session.query(q.home_teams, viewer) if t in team_names]
c1, c2 = st.columns(2)
team_pick = url_state.multiselect(
    "Teams",
    list(team_names),
    param="teams",
    default=home or list(team_names)[:1],
    format_func=lambda t: team_names[t],
    container=c1,
    placeholder="All your teams",
)
team_ids = tuple(team_pick)
if not team_ids and viewer.role is Role.HR:
    st.info("Choose one or more teams to plan for.")
    st.stop()
names = {str(p): str(n) for p, n in zip(profiles["profile_id"], profiles["name"], strict=False)}
compare = url_state.selectbox(
    "Compare everyone with",
    [OWN, *names],
    param="compare",
    default=OWN,
    format_func=lambda p: "their own role" if p == OWN else names[p],
    container=c2,
    help="What if: score everyone against one role profile instead of their own.",
)
what_if = None if compare in (None, OWN) else compare

matrix = session.guarded(lambda: session.query(q.gap_matrix, viewer, what_if, team_ids))
if matrix is None:
    st.stop()
roles = session.query(q.people_roles, viewer, team_ids)
unmapped = roles[~roles["mapped"]] if not roles.empty else roles
if what_if is None and not unmapped.empty:
    st.warning(
        f"Role not mapped for {len(unmapped)} "
        + ("person" if len(unmapped) == 1 else "people")
        + ": their job title names no role profile yet, so they are not scored. "
        "HR maps job titles to role profiles on the Admin page."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "person": unmapped["person"].map(_text),
                "team": unmapped["team"].map(_text),
                "job title": unmapped["role_title"].map(_text),
                "role": "role not mapped",
            }
        ),
        hide_index=True,
    )
if matrix.empty:
    st.info("Nobody in these teams has a mapped role yet. Choose other teams above.")
    st.stop()

ready = q.readiness(matrix)
m1, m2, m3 = st.columns(3)
m1.metric("People scored", ready.shape[0])
m2.metric("Requirements met", f"{(matrix['state'] != 'missing').mean():.0%}")
m3.metric("Ready for their role (≥ 80%)", int((ready["readiness"] >= 0.8).sum()))
st.caption(q.weighting_sentence())

# --- Who holds what: one matrix per role --------------------------------------------------
st.subheader("Who holds what")
st.caption(PRIORITY_LEGEND)
STATES = ("missing", "expiring", "held")
COLOURS = {"missing": "#f2d7d5", "expiring": "#f9a825", "held": "#2e7d32"}
WORDS = {"held": "held", "expiring": "expiring within 90 days", "missing": "missing"}
SYMBOLS = {"missing": "", "expiring": "!", "held": "✓"}


def _role_chart(part: pd.DataFrame, key: str, name: str) -> list[Any]:
    """The person x requirement grid of one role as square markers (clickable)."""
    reqs = part.drop_duplicates("target").sort_values(["priority", "requirement"])
    label = {
        t: f"{MARK.get(int(p), '◆')} " + chart_text(r if len(r) <= 32 else r[:30] + "…")
        for t, p, r in zip(reqs["target"], reqs["priority"], reqs["requirement"], strict=True)
    }
    people = part.drop_duplicates("person_id")
    who = {
        pid: chart_text(n) + ("" if (people["person"] == n).sum() == 1 else f" ({chart_text(pid)})")
        for pid, n in zip(people["person_id"], people["person"], strict=True)
    }
    fig = go.Figure()
    for state in reversed(STATES):
        cells = part[part["state"] == state]
        fig.add_trace(
            go.Scatter(
                x=cells["target"].map(label),
                y=cells["person_id"].map(who),
                mode="markers+text",
                marker={"symbol": "square", "size": 22, "color": COLOURS[state]},
                text=[SYMBOLS[state]] * len(cells),
                textfont={"color": "white"},
                name=WORDS[state],
                customdata=list(zip(cells["person_id"], cells["target"], strict=True)),
                hovertext=[
                    f"{who[p]}<br>{chart_text(r)} ({q.priority_name(pr)}): {WORDS[state]}"
                    for p, r, pr in zip(
                        cells["person_id"], cells["requirement"], cells["priority"], strict=True
                    )
                ],
                hoverinfo="text",
            )
        )
    fig.update_layout(
        height=max(240, 34 * len(who) + 200),
        margin={"l": 0, "r": 0, "t": 10, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0},
        plot_bgcolor="rgba(0,0,0,0)",
        clickmode="event+select",
    )
    fig.update_xaxes(  # requirement names above the grid, where the eye starts
        side="top",
        type="category",
        categoryorder="array",
        categoryarray=[label[t] for t in reqs["target"]],
        tickangle=-35,
        automargin=True,
        showgrid=False,
    )
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=list(who.values())[::-1],
        automargin=True,
        showgrid=False,
    )
    return chart(fig, key=key, name=name, drill=True)


clicked: list[Any] = []
order = (
    matrix.groupby(["profile_id", "profile"])["person_id"]
    .nunique()
    .reset_index()
    .sort_values(["person_id", "profile"], ascending=[False, True])
)
for i, (pid, pname, n) in enumerate(order.itertuples(index=False)):
    part = matrix[matrix["profile_id"] == pid]
    st.markdown(f"**{plain(pname)}** · {n} " + ("person" if n == 1 else "people"))
    clicked += _role_chart(part, key=f"gap_map_{pid}", name=f"team-gaps-{i + 1}")

# --- Readiness ---------------------------------------------------------------------------
st.subheader("Readiness for their role")
table = pd.DataFrame(
    {
        "person": ready["person"],
        "role": ready["profile"],
        "readiness": ready["readiness"],
        "explained": ready["summary"],
    }
)
picked = st.dataframe(
    table,
    hide_index=True,
    key="gap_ready",
    on_select="rerun",
    selection_mode="single-row",
    column_config={
        "readiness": st.column_config.ProgressColumn(
            "weighted readiness", min_value=0.0, max_value=1.0, format="percent"
        ),
    },
)
rows = (picked.get("selection") or {}).get("rows", []) if picked else []
download_table(
    ready.drop(columns=["person_id", "profile_id"], errors="ignore"),
    name="team-readiness",
    key="gap_ready_dl",
    label="readiness",
)
download_table(
    pd.DataFrame(
        {
            "person": matrix["person"],
            "team": matrix["team"].map(_text),
            "role": matrix["profile"],
            "requirement": matrix["requirement"],
            "priority": matrix["priority"].map(q.priority_name),
            "state": matrix["state"],
            "expires": matrix["expires"].map(day),
        }
    ),
    name="team-gap-matrix",
    key="gap_matrix_dl",
    label="matrix",
)

# --- Evidence (drill-down) ---------------------------------------------------------------
focus: tuple[str, str | None] | None = None
if clicked:
    point = clicked[0]
    if isinstance(point, list | tuple) and len(point) == 2:
        focus = (str(point[0]), str(point[1]))
elif rows:
    focus = (str(ready.iloc[int(rows[0])]["person_id"]), None)
if focus is not None:
    person_id, target = focus
    person_name = dict(zip(matrix["person_id"], matrix["person"], strict=False)).get(person_id)
    requirement = (
        dict(zip(matrix["target"], matrix["requirement"], strict=False)).get(target)
        if target
        else None
    )
    if person_name is not None:
        st.subheader("The evidence")
        st.markdown(
            f"**{plain(person_name)}**"
            + (f" · {plain(requirement)}" if requirement else " · every badge with a skill")
        )
        found = session.guarded(lambda: session.query(q.evidence, viewer, person_id, target))
        if found is not None and found.empty:
            st.info("No badge of theirs maps to this skill yet.")
        elif found is not None:
            st.dataframe(
                pd.DataFrame(
                    {
                        "badge": found["badge"].map(_text),
                        "issuer": found["issuer"].map(_text),
                        "issued": found["issued"].map(day),
                        "expires": found["expires"].map(day),
                        "counts?": found["note"],
                        "skills": found["skills"].map(_text),
                    }
                ),
                hide_index=True,
            )
            for key, badge in list(zip(found["credential_key"], found["badge"], strict=True))[:8]:
                st.page_link(
                    "pages/profile.py",
                    label=f"Open {plain(_text(badge))} on {plain(person_name)}'s profile",
                    query_params={"person": person_id, "credential": str(key)},
                )
        st.page_link(
            "pages/profile.py",
            label=f"Open {plain(person_name)}'s profile",
            query_params={"person": person_id},
        )

# --- Coverage per role -------------------------------------------------------------------
st.subheader("Team coverage per role")
cov = session.guarded(lambda: session.query(q.team_coverage, viewer, team_ids))
if cov is None:
    pass
elif cov.empty:
    st.info("Nobody in these teams has a mapped role yet.")
else:
    st.dataframe(
        cov.drop(columns=["profile_id"]),
        hide_index=True,
        column_config={
            "profile": st.column_config.TextColumn("role"),
            "people": st.column_config.NumberColumn("people in the role"),
            "covered_by_someone": st.column_config.NumberColumn("held by someone"),
            "coverage": st.column_config.ProgressColumn(
                "share covered", min_value=0.0, max_value=1.0, format="percent"
            ),
            "mean_readiness": st.column_config.ProgressColumn(
                "mean readiness", min_value=0.0, max_value=1.0, format="percent"
            ),
        },
    )

# --- Next steps --------------------------------------------------------------------------
st.subheader("Next steps")
st.caption(
    "Role first: the missing critical requirements, then important, then nice to have; "
    "after them, labelled, related skills from the same ESCO groups that people in the "
    "role often hold. Each names the badges that teach it and colleagues who could mentor."
)
steps = session.guarded(lambda: session.query(q.next_skills, viewer, what_if, team_ids))
if steps is not None and steps.empty:
    st.info("Nothing to suggest: everyone holds what their role asks for.")
elif steps is not None:
    shown = pd.DataFrame(
        {
            "person": steps["person"],
            "step": steps["step"],
            "what": steps["kind"],
            "skill": steps["skill"],
            "badges that teach it": steps["badges"].replace("", DASH),
            "could mentor": steps["mentors"].replace("", DASH),
            "why": steps["why"],
        }
    )
    st.dataframe(shown, hide_index=True)
    download_table(shown, name="team-next-steps", key="gap_steps_dl", label="next steps")

# --- History -----------------------------------------------------------------------------
st.subheader("History")
st.caption(
    "Readiness and coverage as of the end of each quarter, from when each badge was valid "
    "(issued, not yet expired), for today's team members. The current quarter is so far."
)
others = [t for t in team_names if t not in team_ids]
vs = url_state.selectbox(
    "Side by side with",
    ["", *others],
    param="vs",
    default="",
    format_func=lambda t: "no other team" if t == "" else team_names[t],
)
series = [(", ".join(team_names[t] for t in team_ids) or "your teams", team_ids)]
if vs:
    series.append((team_names[vs], (vs,)))


def _history(ids: tuple[str, ...]) -> pd.DataFrame | None:
    return session.guarded(lambda: session.query(q.history, viewer, ids, what_if))


frames = []
for label, ids in series:
    past = _history(ids)
    if past is not None and not past.empty:
        frames.append(past.assign(teams=label))
if frames:
    hist = pd.concat(frames, ignore_index=True)
    fig = go.Figure()
    for label, _ in series:
        part = hist[hist["teams"] == label]
        for measure, dash in (("readiness", "solid"), ("coverage", "dot")):
            fig.add_trace(
                go.Scatter(
                    x=part["period"],
                    y=part[measure],
                    mode="lines+markers",
                    line={"dash": dash},
                    name=f"{measure} · {chart_text(label)}",
                )
            )
    fig.update_layout(
        height=360,
        margin={"l": 0, "r": 0, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    )
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    chart(fig, key="gap_history", name="team-gaps-history")
    table = hist[["teams", "period", "people", "readiness", "coverage"]]
    download_table(table, name="team-gaps-history", key="gap_hist_dl", label="history")

esco_footer()
