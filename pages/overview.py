"""Overview: headline numbers, status breakdown, newest submissions."""

import plotly.express as px
import streamlit as st

from pages._ui import session
from pages._ui.widgets import STATUS_ICON, esco_footer
from skills.explain import STATUS_WORDS, chart_text
from skills.services import overview as q

store, viewer = session.page("overview")
data = session.query(q.overview, viewer)

st.title("Overview")
st.caption(
    "Your badges at a glance." if data.scope == "you" else "The whole organisation at a glance."
)

cols = st.columns(4)
cols[0].metric("People" if data.scope != "you" else "You", f"{data.people:,}")
cols[1].metric("Verified credentials", f"{data.verified:,}")
cols[2].metric("Distinct skills held", f"{data.distinct_skills:,}")
cols[3].metric("Share verified", f"{data.share_verified:.0%}")

left, right = st.columns([2, 3])
with left:
    st.subheader("Credentials by status")
    if data.status_counts.empty:
        st.info("No badges yet. Submit one on the Submit page.")
    else:
        counts = data.status_counts.assign(
            label=data.status_counts["status"].map(lambda s: chart_text(STATUS_WORDS.get(s, s)))
        )
        fig = px.bar(
            counts,
            x="credentials",
            y="label",
            orientation="h",
            text="credentials",
            color="status",
            color_discrete_map={
                "verified": "#2e7d32",
                "expired": "#f9a825",
                "revoked": "#c62828",
                "invalid": "#8e24aa",
                "unverifiable": "#757575",
                "recipient_mismatch": "#ef6c00",
                "not_yet_valid": "#1565c0",
            },
        )
        fig.update_layout(
            showlegend=False,
            height=300,
            margin={"l": 0, "r": 10, "t": 10, "b": 0},
            yaxis_title=None,
            xaxis_title="credentials",
        )
        st.plotly_chart(fig, config={"displayModeBar": False})
with right:
    st.subheader("Newest submissions")
    if data.newest.empty:
        st.info("Nothing submitted yet.")
    else:
        newest = data.newest.assign(
            status=data.newest["status"].map(lambda s: f"{STATUS_ICON.get(s, '')} {s}")
        )
        st.dataframe(
            newest[["submitted", "person", "badge", "issuer", "status"]],
            hide_index=True,
            column_config={"submitted": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
        )

esco_footer()
