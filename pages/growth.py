"""Growth: verified skills gained over time (bars open the people and badges behind them),
expiring badges, two periods compared; every filter in the URL."""

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages._ui import session, url_state
from pages._ui.widgets import chart, download_table, esco_footer, for_display
from skills.access import Role
from skills.explain import chart_text
from skills.services import growth as q
from skills.services import profile_link

#: Okabe & Ito's colour-blind-safe palette: one distinct colour per series shown.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000"]
BY_WORDS = {"team": "team", "pillar": "ESCO pillar", "group": "ESCO group"}
CHOICES = 30  # series offered to choose from: the most skills gained first

store, viewer = session.page("growth")
st.title("Growth")
st.caption("Skills gained: the first verified badge that shows a person has a skill.")


def period_label(period: pd.Timestamp, freq: str, partial: bool) -> str:
    """ "2026 Q3" or "Sep 2026"; the current period says it is not over."""
    text = f"{period.year} Q{period.quarter}" if freq == "quarter" else period.strftime("%b %Y")
    return f"{text} (so far)" if partial else text


c1, c2 = st.columns(2)
freq = url_state.radio(
    "Per", ["month", "quarter"], param="g_freq", default="quarter", container=c1, horizontal=True
)
by = url_state.radio(
    "By",
    ["team", "pillar", "group"],
    param="g_by",
    default="pillar",
    format_func=lambda b: BY_WORDS[b],
    container=c2,
    horizontal=True,
)

gained = session.query(q.skills_gained, viewer, freq, by, CHOICES)  # the top of the scope
cumulative = session.query(q.cumulative_distinct, viewer, freq)
if viewer.role is Role.MANAGER:
    st.caption("Your teams only: the people in the teams you lead.")
elif viewer.role is Role.RECRUITER and by == "team":
    st.caption(f"Employees are counted together as '{q.EMPLOYEES}', without their teams.")

if gained.empty:
    st.info("No verified skills yet.")
else:
    gained = gained.assign(
        when=[
            period_label(p, freq, bool(f))
            for p, f in zip(gained["period"], gained["partial"], strict=True)
        ]
    )
    totals = gained.groupby("key")["gained"].sum().sort_values(ascending=False, kind="stable")
    labels = dict(zip(gained["key"], gained["label"], strict=False))
    ranked = totals.index.tolist()
    # Teams first: candidates (not a team) stay one click away rather than dominating.
    teams_first = [
        k
        for k in ranked
        if by != "team" or viewer.role is Role.RECRUITER or k not in (q.CANDIDATES, q.NO_TEAM)
    ]
    picked = url_state.multiselect(
        f"Shown ({BY_WORDS[by]}, up to {len(OKABE_ITO)}; most skills gained first)",
        ranked,
        param="g_keys",
        default=teams_first[: len(OKABE_ITO)],
        format_func=lambda k: labels.get(k, k),
        max_selections=len(OKABE_ITO),
    )
    picked = picked or teams_first[: len(OKABE_ITO)]
    colours = {k: OKABE_ITO[i] for i, k in enumerate([k for k in ranked if k in picked])}
    shown = gained[gained["key"].isin(picked)]
    partial_now = bool(gained["partial"].any())
    # The cards count every key of the scope, not only the top ones the chart shows.
    everything = session.query(q.skills_gained, viewer, freq, by, None)
    current = everything[everything["period"] == everything["period"].max()]
    m1, m2, m3 = st.columns(3)
    m1.metric("Skills gained (all time)", f"{int(everything['gained'].sum()):,}")
    m2.metric(
        f"This {freq} (so far)" if partial_now else f"Latest {freq}",
        f"{int(current['gained'].sum()):,}",
    )
    m3.metric(
        "Distinct skills in your teams"
        if viewer.role is Role.MANAGER
        else "Distinct skills in the organisation",
        f"{int(cumulative['skills'].max()) if not cumulative.empty else 0:,}",
    )

    order = gained.drop_duplicates("period").sort_values("period")["when"].tolist()
    fig = go.Figure()
    for key in [k for k in ranked if k in picked]:
        part = shown[shown["key"] == key].sort_values("period")
        fig.add_bar(
            x=part["when"],
            y=part["gained"],
            name=chart_text(labels.get(key, key)),
            marker={
                "color": colours[key],
                "pattern": {
                    "shape": ["/" if f else "" for f in part["partial"]],
                    "fillmode": "overlay",
                    "solidity": 0.4,
                },
                "opacity": [0.6 if f else 1.0 for f in part["partial"]],
            },
            customdata=[[p.isoformat(), key] for p in part["period"]],
            hovertemplate="%{x}<br>%{fullData.name}: %{y:,} skills gained<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=400,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        legend_title_text=BY_WORDS[by],
        yaxis_title="skills gained",
        clickmode="event+select",
    )
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=order)
    clicked = chart(fig, key="g_chart", name="skills-gained", drill=True)
    st.caption(
        "The hatched, lighter bar is the current period, which is not over yet. "
        "Click a bar to list the people and badges behind it."
    )
    table = shown.assign(label=shown["label"].astype(str)).pivot_table(
        index="when", columns="label", values="gained", aggfunc="sum", fill_value=0
    )
    table = table.reindex([w for w in order if w in table.index])
    table = table[[str(labels[k]) for k in ranked if k in picked and labels[k] in table.columns]]
    table = table.assign(total=table.sum(axis=1)).reset_index().rename(columns={"when": freq})
    table.columns.name = None
    with st.expander("The figures as a table"):
        st.dataframe(table, hide_index=True)
    download_table(table, name="skills-gained", key="g_table_dl")

    # A clicked bar picks the period and the series below (once per click).
    if clicked and isinstance(clicked[0], list | tuple) and len(clicked[0]) == 2:
        bar = (str(clicked[0][0]), str(clicked[0][1]))
        if st.session_state.get("_g_last_bar") != bar:
            st.session_state["_g_last_bar"] = bar
            st.session_state["g_period"] = bar[0]
            st.session_state["g_key"] = bar[1]

    periods = gained.drop_duplicates("period").sort_values("period", ascending=False)
    period_names = {
        p.isoformat(): w for p, w in zip(periods["period"], periods["when"], strict=True)
    }
    st.markdown("**Who gained them**")
    d1, d2 = st.columns(2)
    chosen_period = url_state.selectbox(
        "Period",
        ["", *period_names],
        param="g_period",
        format_func=lambda p: period_names.get(p, "Choose a period..."),
        container=d1,
    )
    chosen_key = url_state.selectbox(
        BY_WORDS[by].capitalize(),
        ["", *ranked],
        param="g_key",
        format_func=lambda k: labels.get(k, f"Every {BY_WORDS[by]}"),
        container=d2,
    )
    if chosen_period:
        evidence = session.query(
            q.gained_evidence,
            viewer,
            freq,
            by,
            pd.Timestamp(chosen_period).to_pydatetime(),
            chosen_key or None,
        )
        if evidence.empty:
            st.info(
                "Nobody you may see by name gained a skill there."
                if viewer.role is not Role.HR
                else "Nobody gained a skill there."
            )
        else:
            evidence = evidence.assign(
                profile=[
                    profile_link(p, c)
                    for p, c in zip(evidence["person_id"], evidence["credential_key"], strict=True)
                ]
            )
            cols = ["gained", "person", "team", "skill", "badge", "issuer"]
            st.dataframe(
                for_display(evidence[[*cols[:2], "profile", *cols[2:]]]),
                hide_index=True,
                column_config={
                    "profile": st.column_config.LinkColumn(
                        "profile",
                        display_text="open profile",
                        help="Open the person's profile at the badge that showed the skill",
                    )
                },
            )
            download_table(
                for_display(evidence[[*cols, "person_id", "credential_key"]]),
                name="skills-gained-evidence",
                key="g_evidence_dl",
                label="people",
            )

    if not cumulative.empty:
        st.subheader("Distinct skills over time")
        cum = cumulative.assign(
            when=[
                period_label(p, freq, bool(f))
                for p, f in zip(cumulative["period"], cumulative["partial"], strict=True)
            ]
        )
        fig2 = go.Figure(
            go.Scatter(
                x=cum["when"],
                y=cum["skills"],
                mode="lines+markers",
                fill="tozeroy",
                line={"color": OKABE_ITO[4]},
                hovertemplate="%{x}: %{y:,} distinct skills<extra></extra>",
            )
        )
        fig2.update_layout(
            height=260, margin={"l": 0, "r": 0, "t": 10, "b": 0}, yaxis_title="distinct skills"
        )
        fig2.update_xaxes(type="category")
        chart(fig2, key="g_cumulative", name="distinct-skills")

left, right = st.columns(2)
with left:
    st.subheader("Expiring in the next 90 days")
    soon = session.query(q.expiring, viewer, 90)
    if soon.empty:
        st.success("No badges expire in the next 90 days.")
    else:
        soon_table = soon.assign(
            profile=[
                profile_link(p, c)
                for p, c in zip(soon["person_id"], soon["credential_key"], strict=True)
            ]
        )
        st.dataframe(
            for_display(soon_table[["expires", "person", "profile", "team", "badge", "issuer"]]),
            hide_index=True,
            column_config={
                "profile": st.column_config.LinkColumn("profile", display_text="open profile")
            },
        )
        download_table(
            for_display(soon[["expires", "person", "team", "badge", "issuer"]]),
            name="expiring-badges",
            key="g_expiring_dl",
        )
with right:
    st.subheader("Compare two periods")
    today = date.today()
    a = st.date_input(
        "First period",
        (today - timedelta(days=730), today - timedelta(days=366)),
        key="g_a",
        bind="query-params",
    )
    b = st.date_input(
        "Second period", (today - timedelta(days=365), today), key="g_b", bind="query-params"
    )
    if isinstance(a, tuple) and len(a) == 2 and isinstance(b, tuple) and len(b) == 2:
        cmp = session.query(q.compare_periods, viewer, (a[0], a[1]), (b[0], b[1]), by)
        if cmp.empty:
            st.info("No skills gained in either period.")
        else:
            compared = cmp.rename(
                columns={"label": BY_WORDS[by], "first": "first period", "second": "second period"}
            )[[BY_WORDS[by], "first period", "second period", "change"]]
            st.dataframe(compared.head(20), hide_index=True)
            download_table(compared, name="periods-compared", key="g_compare_dl")
    else:
        st.caption("Pick a start and an end date for both periods.")

esco_footer()
