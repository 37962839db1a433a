"""Growth: verified skills gained over time, expiring badges, two periods compared."""

from datetime import date, timedelta

import plotly.express as px
import streamlit as st

from pages._ui import session
from pages._ui.widgets import PILLAR_NAMES, esco_footer
from skills.access import Role
from skills.explain import chart_text
from skills.services import growth as q

PILLARS = {**PILLAR_NAMES, "?": "unclassified"}

store, viewer = session.page("growth")
st.title("Growth")
st.caption("Skills gained: the first verified badge that shows a person has a skill.")

c1, c2 = st.columns(2)
freq = (
    c1.segmented_control("Per", ["month", "quarter"], default="quarter", key="g_freq") or "quarter"
)
by = (
    c2.segmented_control("By", ["team", "pillar", "group"], default="pillar", key="g_by")
    or "pillar"
)

gained = session.query(q.skills_gained, viewer, freq, by)
if by == "team" and viewer.role is not Role.HR:
    st.caption(
        f"Teams outside yours are counted together as '{q.OTHER_TEAMS}'."
        if viewer.role is Role.MANAGER
        else f"Employees are counted together as '{q.EMPLOYEES}', without their teams."
    )
cumulative = session.query(q.cumulative_distinct, viewer, freq)
if gained.empty:
    st.info("No verified skills yet.")
else:
    total = int(gained["gained"].sum())
    last = gained[gained["period"] == gained["period"].max()]["gained"].sum()
    m1, m2, m3 = st.columns(3)
    m1.metric("Skills gained (all time)", f"{total:,}")
    m2.metric(f"This {freq}", f"{int(last):,}")
    m3.metric(
        "Distinct skills in the organisation",
        f"{int(cumulative['skills'].max()) if not cumulative.empty else 0:,}",
    )
    if by == "pillar":  # ESCO pillar codes -> names
        gained = gained.assign(key=gained["key"].map(lambda k: PILLARS.get(k, k)))
    keep = gained.groupby("key")["gained"].sum().nlargest(10).index
    shown = gained.assign(key=gained["key"].where(gained["key"].isin(keep), "other"))
    shown = shown.groupby(["period", "key"], as_index=False)[["gained"]].sum()
    shown = shown.assign(key=shown["key"].map(chart_text))  # team names are data
    fig = px.bar(
        shown,
        x="period",
        y="gained",
        color="key",
        height=380,
        labels={"key": by, "gained": "skills gained", "period": ""},
    )
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0}, legend_title_text=by)
    st.plotly_chart(fig, config={"displayModeBar": False})
    if not cumulative.empty:
        st.subheader("Distinct skills over time")
        fig2 = px.area(
            cumulative,
            x="period",
            y="skills",
            height=260,
            labels={"skills": "distinct skills", "period": ""},
        )
        fig2.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0})
        st.plotly_chart(fig2, config={"displayModeBar": False})

left, right = st.columns(2)
with left:
    st.subheader("Expiring in the next 90 days")
    soon = session.query(q.expiring, viewer, 90)
    if soon.empty:
        st.success("No badges expire in the next 90 days.")
    else:
        st.dataframe(
            soon[["expires", "person", "team", "badge", "issuer"]],
            hide_index=True,
            column_config={"expires": st.column_config.DateColumn(format="YYYY-MM-DD")},
        )
with right:
    st.subheader("Compare two periods")
    today = date.today()
    a = st.date_input(
        "First period", (today - timedelta(days=730), today - timedelta(days=366)), key="g_a"
    )
    b = st.date_input("Second period", (today - timedelta(days=365), today), key="g_b")
    if isinstance(a, tuple) and len(a) == 2 and isinstance(b, tuple) and len(b) == 2:
        cmp = session.query(q.compare_periods, viewer, (a[0], a[1]), (b[0], b[1]), by)
        if cmp.empty:
            st.info("No skills gained in either period.")
        else:
            st.dataframe(cmp.head(20), hide_index=True)
    else:
        st.caption("Pick a start and an end date for both periods.")

esco_footer()
