"""Overview: the question each role comes with, and the people and badges behind each number.

At the top, the viewer's notices (badges about to expire, status changes found by
re-verification; a manager's digest of their teams, HR's totals with a drill-down) and,
once per session, a toast saying how many. HR: the organisation. A manager: their teams
(the organisation only as anonymous totals).
A member: themselves against their role. A recruiter: the candidate pipeline. The URL
keeps what is open (``show``, ``status``, ``window``, ``skill``), so a link reproduces it.
"""

from typing import Any

import pandas as pd
import plotly.express as px
import streamlit as st

from pages._ui import session, url_state
from pages._ui.widgets import STATUS_ICON, chart, days, download_table, esco_footer
from skills.access import Role
from skills.explain import STATUS_WORDS, chart_text, plain
from skills.services import notices as n
from skills.services import overview as q
from skills.services import profile_link

store, viewer = session.page("overview")
data = session.query(q.overview, viewer)
DAYS = session.app_settings().notice_days

NONE = "—"
STATUS_COLOURS = {
    "verified": "#2e7d32",
    "expired": "#f9a825",
    "revoked": "#c62828",
    "invalid": "#8e24aa",
    "unverifiable": "#757575",
    "recipient_mismatch": "#ef6c00",
    "not_yet_valid": "#1565c0",
}


def linked_table(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    key: str,
    name: str,
    first: str = "person",
    config: dict[str, Any] | None = None,
) -> None:
    """``frame`` with a link per row to the person's profile (at the row's badge, if any),
    the first column pinned, missing values as —, and CSV/Excel downloads."""
    if frame.empty:
        st.info("Nothing here.")
        return
    credential = frame["credential_key"] if "credential_key" in frame.columns else None
    shown = frame.assign(
        profile=[
            profile_link(p, None if credential is None else credential.iloc[i])
            for i, p in enumerate(frame["person_id"])
        ]
    )
    for col in ("issued", "expires", "submitted", "first_seen"):
        if col in shown.columns:
            shown[col] = days(shown[col])
    if "status" in shown.columns:
        shown["status"] = shown["status"].map(lambda s: f"{STATUS_ICON.get(s, '')} {s}")
    st.dataframe(
        shown,
        hide_index=True,
        column_order=[first, *[c for c in columns if c != first], "profile"],
        placeholder=NONE,
        key=key,
        column_config={
            first: st.column_config.TextColumn(first, pinned=True),
            "profile": st.column_config.LinkColumn(
                "profile", display_text="open profile", help="Opens the person's profile"
            ),
            **(config or {}),
        },
    )
    download_table(shown[[first, *[c for c in columns if c != first]]], name=name, key=f"{key}_dl")


def status_chart(counts: pd.DataFrame, *, key: str) -> str | None:
    """Badges by status as bars; a click returns the status clicked (new clicks only)."""
    shown = counts.assign(label=counts["status"].map(lambda s: chart_text(STATUS_WORDS.get(s, s))))
    fig = px.bar(
        shown,
        x="credentials",
        y="label",
        orientation="h",
        text="credentials",
        color="status",
        color_discrete_map=STATUS_COLOURS,
        custom_data=["status"],
    )
    fig.update_layout(
        showlegend=False,
        height=300,
        margin={"l": 0, "r": 10, "t": 10, "b": 0},
        yaxis_title=None,
        xaxis_title="badges",
    )
    return new_click(key, chart(fig, key=key, name="badges-by-status", drill=True))


def new_click(key: str, clicked: list[object]) -> str | None:
    """The first clicked point's value, only when it differs from the last run's click
    (a selection stays on the chart; a later choice in the selectbox must win)."""
    value = None
    if clicked:
        first = clicked[0]
        value = str(first[0] if isinstance(first, list) else first)
    seen = st.session_state.get(f"_{key}_seen")
    st.session_state[f"_{key}_seen"] = value
    return value if value and value != seen else None


def status_drill(counts: pd.DataFrame, *, key: str, empty: str) -> None:
    """The status chart and, below, the badges of the status clicked or chosen."""
    if counts.empty:
        st.info(empty)
        return
    clicked = status_chart(counts, key=f"{key}_chart")
    options = ["", *counts["status"].tolist()]
    if clicked in options:
        st.session_state["status"] = clicked
    status = url_state.selectbox(
        "Show the badges with status",
        options,
        param="status",
        format_func=lambda s: s or "(click a bar or choose)",  # the URL keeps this text
    )
    if status:
        rows = session.query(q.evidence, viewer, status, None, 500)
        linked_table(
            rows,
            ["person", "team", "badge", "issuer", "status", "issued", "expires"],
            key=f"{key}_rows",
            name=f"badges-{status}",
        )


def organisation_view() -> None:
    st.caption("The whole organisation at a glance. Click a bar to see the badges behind it.")
    cols = st.columns(5)
    cols[0].metric("People", f"{data.people:,}")
    cols[1].metric("Verified credentials", f"{data.verified:,}")
    cols[2].metric("Distinct skills held", f"{data.distinct_skills:,}")
    cols[3].metric("Expiring within 90 days", f"{data.expiring_soon:,}")
    cols[4].metric("Share verified", f"{data.share_verified:.0%}")
    left, right = st.columns([2, 3])
    with left:
        st.subheader("Credentials by status")
        status_drill(data.status_counts, key="ov", empty="No badges yet.")
    with right:
        st.subheader("Newest submissions")
        linked_table(
            data.newest,
            ["submitted", "person", "badge", "issuer", "status"],
            key="ov_newest",
            name="newest",
        )
    st.subheader("Expiring within 90 days")
    linked_table(
        session.query(q.evidence, viewer, None, q.EXPIRING_DAYS, 500),
        ["person", "team", "badge", "issuer", "expires"],
        key="ov_expiring",
        name="expiring",
    )


SHOW = {  # option -> what it opens; the option is what the URL keeps (show=...)
    "people": "people",
    "badges": "verified badges",
    "expiring": "expiring within 90 days",
    "roles": "coverage of their roles",
}


def manager_view() -> None:
    st.caption(
        "Your teams at a glance. The organisation appears only as totals: "
        f"{data.org_people or 0:,} people, {data.org_verified or 0:,} verified badges."
    )
    roles = session.query(q.role_coverage, viewer, ())
    fitted = roles.dropna(subset=["mean_readiness"])
    weighted = (fitted["mean_readiness"] * fitted["people"]).sum() / max(1, fitted["people"].sum())
    cols = st.columns(5)
    cols[0].metric("People in your teams", f"{data.people:,}")
    cols[1].metric("Verified badges", f"{data.verified:,}")
    cols[2].metric("Distinct skills held", f"{data.distinct_skills:,}")
    cols[3].metric("Expiring within 90 days", f"{data.expiring_soon:,}")
    cols[4].metric("Readiness for their roles", f"{weighted:.0%}" if not fitted.empty else NONE)
    show = url_state.radio(
        "Open the evidence behind",
        list(SHOW),
        param="show",
        horizontal=True,
    )
    if show == "people":
        st.subheader("Your people, each against their own role")
        people = session.query(q.team_people, viewer, (), 1000)
        if len(people) == 1000:
            st.caption("Showing the first 1,000 people, by team and name.")
        linked_table(
            people,
            [
                "person",
                "team",
                "role",
                "readiness",
                "role_held",
                "required",
                "critical_held",
                "critical",
                "badges",
                "skills",
                "expiring",
            ],
            key="ov_people",
            name="team-people",
            config={
                "readiness": st.column_config.ProgressColumn(
                    "readiness", min_value=0.0, max_value=1.0, format="percent"
                ),
                "role_held": st.column_config.NumberColumn("role skills held"),
                "critical_held": st.column_config.NumberColumn("critical held"),
                "expiring": st.column_config.NumberColumn("expiring soon"),
            },
        )
        st.caption(
            "Readiness weighs each requirement of the person's role by its priority: "
            "critical 3, important 2, nice to have 1."
        )
    elif show == "badges":
        st.subheader("Badges by status")
        status_drill(data.status_counts, key="ov", empty="No badges in your teams yet.")
    elif show == "expiring":
        st.subheader("Badges expiring within 90 days")
        linked_table(
            session.query(q.evidence, viewer, None, q.EXPIRING_DAYS, 500),
            ["person", "team", "badge", "issuer", "expires"],
            key="ov_expiring",
            name="expiring",
        )
    else:
        st.subheader("Coverage of their roles")
        coverage = session.query(q.role_coverage, viewer, ())
        if coverage.empty:
            st.info("Nobody in your teams has a role title yet.")
        else:
            st.dataframe(
                coverage,
                hide_index=True,
                placeholder=NONE,
                column_config={
                    "role": st.column_config.TextColumn(pinned=True),
                    "mean_readiness": st.column_config.ProgressColumn(
                        "mean readiness", min_value=0.0, max_value=1.0, format="percent"
                    ),
                    "all_critical": st.column_config.NumberColumn("hold every critical skill"),
                },
            )
            download_table(coverage, name="role-coverage", key="ov_roles_dl")


def member_view() -> None:
    mine = session.query(q.my_role, viewer)
    st.caption("You against your role: what it asks for, what you hold, what expires.")
    if mine.profile is None:
        st.info(
            "Your role has no role profile yet; HR maps job titles to role profiles."
            if mine.role_title
            else "No job role is recorded for you yet; HR sets it with the people import."
        )
    reqs = mine.requirements
    critical = reqs[reqs["priority"] == 1] if not reqs.empty else reqs
    cols = st.columns(5)
    cols[0].metric("Your role", mine.profile or mine.role_title or NONE)
    cols[1].metric("Requirements held", f"{mine.held} of {len(reqs)}" if len(reqs) else NONE)
    cols[2].metric(
        "Critical held",
        f"{int(critical['state'].isin(['held', 'expiring']).sum())} of {len(critical)}"
        if len(critical)
        else NONE,
    )
    cols[3].metric("Verified credentials", f"{data.verified:,}")
    cols[4].metric("Expiring within 90 days", f"{len(mine.expiring):,}")
    if not reqs.empty:
        me = viewer.person_id
        missing = mine.missing
        st.subheader("Missing for your role")
        if missing.empty:
            st.success("You hold every requirement of your role.")
        else:
            st.dataframe(
                missing[["requirement", "importance"]],
                hide_index=True,
                placeholder=NONE,
                column_config={"requirement": st.column_config.TextColumn(pinned=True)},
            )
        st.subheader("What you hold for it")
        got = reqs[reqs["state"] != "missing"].assign(person_id=me, person=viewer.name)
        if got.empty:
            st.info("None of your role's requirements is held yet.")
        else:
            linked_table(
                got,
                ["requirement", "importance", "state", "badge", "expires"],
                key="ov_mine",
                name="my-role",
                first="requirement",
            )
    st.subheader("Your badges expiring within 90 days")
    if mine.expiring.empty:
        st.info("None of your badges expires within 90 days.")
    else:
        linked_table(
            mine.expiring.assign(person_id=viewer.person_id),
            ["badge", "issuer", "expires"],
            key="ov_my_expiring",
            name="my-expiring",
            first="badge",
        )


def recruiter_view() -> None:
    pipe = session.query(q.candidate_pipeline, viewer)
    st.caption(
        "Your candidate pipeline. The organisation appears only as totals: "
        f"{data.people:,} people, {data.verified:,} verified badges."
    )
    cols = st.columns(4)
    cols[0].metric("Candidates", f"{pipe.candidates:,}")
    cols[1].metric("New in the last 30 days", f"{pipe.new_30:,}")
    cols[2].metric("New in the last 90 days", f"{pipe.new_90:,}")
    cols[3].metric("With verified skills", f"{pipe.with_verified_skills:,}")
    left, right = st.columns(2)
    with left:
        st.subheader("New candidates (90 days)")
        linked_table(
            pipe.new_candidates.rename(columns={"name": "person"}),
            ["person", "first_seen", "badges", "verified"],
            key="ov_new",
            name="new-candidates",
        )
    with right:
        st.subheader("Newly verified skills")
        if pipe.new_skills.empty:
            st.info("No candidate skill was newly verified in the last 90 days.")
            return
        window = url_state.radio(
            "Window",
            ["90", "30"],
            param="window",
            horizontal=True,
            format_func=lambda w: f"last {w} days",
        )
        column = f"last_{window}"
        top = pipe.new_skills[pipe.new_skills[column] > 0].head(15)
        fig = px.bar(
            top.assign(label=top["skill"].map(chart_text)),
            x=column,
            y="label",
            orientation="h",
            custom_data=["skill_uri"],
        )
        fig.update_layout(
            height=max(200, 28 * len(top) + 60),
            margin={"l": 0, "r": 10, "t": 10, "b": 0},
            yaxis={"title": None, "autorange": "reversed"},
            xaxis_title="candidates",
        )
        clicked = new_click(
            "ov_skills_chart", chart(fig, key="ov_skills_chart", name="new-skills", drill=True)
        )
        labels = dict(zip(pipe.new_skills["skill_uri"], pipe.new_skills["skill"], strict=False))
        if clicked:
            st.session_state["skill"] = clicked
        skill = url_state.selectbox(
            "Show the candidates behind",
            ["", *top["skill_uri"].tolist()],
            param="skill",
            format_func=lambda u: "(click a bar or choose)" if not u else labels.get(u, u),
        )
    if skill:
        st.subheader(f"Candidates newly verified for {plain(labels.get(skill, skill))}")
        linked_table(
            session.query(q.pipeline_evidence, viewer, skill, int(window)).rename(
                columns={"name": "person"}
            ),
            ["person", "badge", "issuer", "submitted"],
            key="ov_skill_rows",
            name="new-skill-candidates",
        )


TONES = {"error": st.error, "warning": st.warning, "success": st.success, "info": st.info}


def dismiss(notice_id: int) -> None:
    """Hide one of the viewer's own notices (the service refuses anybody else's)."""
    session.guarded(lambda: n.dismiss(store, viewer, notice_id))
    session.after_write()


def notices_section() -> None:
    """The viewer's notices, their team's digest (managers) or the totals (HR), and the
    sign-in toast; the sentences come from :mod:`skills.services.notices`."""
    mine = session.query(n.my_notices, viewer, within_days=DAYS)
    count = len(mine)
    for line in n.member_lines(mine, within_days=DAYS, escape=plain, link=profile_link):
        TONES[line.tone](line.text)
        if line.notice_id is not None:
            st.button(
                "Dismiss",
                key=f"dismiss_{line.notice_id}",
                type="tertiary",
                on_click=dismiss,
                args=(line.notice_id,),
            )
    if viewer.role is Role.MANAGER:
        digest = session.query(n.team_digest, viewer, within_days=DAYS)
        head, lines = n.digest_lines(digest, escape=plain, link=profile_link)
        count += len(digest.rows)
        if lines:
            st.warning(head)
            with st.expander("Who, and which badges"):
                st.markdown("\n".join(f"- {line}" for line in lines))
    elif viewer.role is Role.HR:
        totals = session.query(n.org_totals, viewer, within_days=DAYS)
        st.info(n.totals_line(totals))
        with st.expander("The badges behind these numbers"):
            st.dataframe(totals.by_team, hide_index=True, placeholder=NONE, key="nt_teams")
            notice_table(totals.rows, key="nt_rows")
    toasted = f"_notices_toasted_{viewer.account}"
    if not st.session_state.get(toasted):
        st.session_state[toasted] = True
        text = n.toast_text(count)
        if text:
            st.toast(text)


def notice_table(rows: pd.DataFrame, *, key: str) -> None:
    """Notice rows with a link to each badge: what, whose, when found, when last checked."""
    shown = rows.assign(
        notice=rows["kind"].map({"expiring": "expiring"}).fillna("status change"),
        status=rows["status"].map(n.status_word),
        found=days(rows["created_at"]),
        last_checked=days(rows["verified_at"]),
    )
    linked_table(
        shown,
        [
            "person",
            "team",
            "badge",
            "issuer",
            "notice",
            "status",
            "expires",
            "found",
            "last_checked",
        ],
        key=key,
        name="notices",
    )


st.title("Overview")
notices_section()
if viewer.role is Role.RECRUITER:
    recruiter_view()
elif viewer.role is Role.MANAGER:
    manager_view()
elif data.scope == "you":
    member_view()
else:
    organisation_view()

esco_footer()
