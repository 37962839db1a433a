"""Admin (HR): issuer trust, role profiles, mapping review, skills, people import, re-verify."""

import pandas as pd
import streamlit as st

from pages._ui import session
from pages._ui.widgets import show_error
from skills.errors import SkillAtlasError
from skills.explain import plain
from skills.people_import import import_people
from skills.queries import admin as q
from skills.queries import submit as submit_q

store, viewer = session.page("admin")
st.title("Admin")

t_issuers, t_roles, t_review, t_skills, t_people, t_reverify, t_audit = st.tabs(
    [
        "Issuers",
        "Role profiles",
        "Mapping review",
        "Skills & synonyms",
        "People import",
        "Re-verify",
        "Audit log",
    ]
)

with t_issuers:
    st.caption("Only HR decides which issuers are trusted; recruiters can filter on it.")
    issuers = session.query(q.issuers, viewer)
    if issuers.empty:
        st.info("No issuers yet.")
    else:
        edited = st.data_editor(
            issuers[["issuer_id", "name", "trust", "credentials", "verified"]],
            hide_index=True,
            disabled=["issuer_id", "name", "credentials", "verified"],
            column_config={
                "trust": st.column_config.SelectboxColumn(
                    options=["trusted", "untrusted", "unknown"], required=True
                )
            },
            key="issuer_editor",
        )
        changed = edited[edited["trust"] != issuers["trust"]]
        if not changed.empty and st.button(f"Save {len(changed)} trust change(s)", type="primary"):
            try:
                for row in changed.itertuples():
                    q.set_trust(store, viewer, str(row.issuer_id), str(row.trust))
            except SkillAtlasError as err:
                show_error(err)
            else:
                session.after_write()
                st.rerun()

with t_roles:
    profiles = session.query(q.role_profiles, viewer)
    st.dataframe(profiles, hide_index=True)
    with st.expander("Create or replace a role profile"):
        teams = session.query(q.teams, viewer)
        name = st.text_input("Profile name", key="rp_name")
        team_names = dict(zip(teams["team_id"], teams["name"], strict=False))
        team = st.selectbox(
            "Team",
            [None, *team_names],
            key="rp_team",
            format_func=lambda t: "Organisation-wide" if t is None else team_names.get(t, t),
        )
        search = st.text_input("Find ESCO skills", key="rp_search")
        found = session.query(q.search_skills, viewer, search, 50) if search.strip() else None
        found_names = (
            {} if found is None else dict(zip(found["skill_uri"], found["label"], strict=False))
        )
        picked = st.multiselect(
            "Required skills",
            list(found_names),
            format_func=lambda u: found_names.get(u, u),
            key="rp_skills",
        )
        priority = st.radio(
            "Priority",
            [1, 2, 3],
            horizontal=True,
            key="rp_prio",
            format_func={1: "critical", 2: "important", 3: "nice to have"}.get,
        )
        if st.button("Save profile", key="rp_save", disabled=not (name.strip() and picked)):
            pid = "rp-" + "-".join(name.lower().split())
            try:
                q.save_profile(
                    store,
                    viewer,
                    pid,
                    name.strip(),
                    [(u, "skill", int(priority)) for u in picked],
                    team_id=team,
                )
            except SkillAtlasError as err:
                show_error(err)
            else:
                session.after_write()
                st.success(f"Saved {plain(name.strip())}.")

with t_review:
    queue = session.query(q.review_queue, viewer)
    if queue.empty:
        st.success("The review queue is empty.")
    else:
        st.caption("Labels from badges the matcher could not map with confidence.")
        st.dataframe(queue[["label", "occurrences", "created"]], hide_index=True, height=260)
        label = st.selectbox("Decide a label", queue["label"].tolist(), key="rv_label")
        search = st.text_input("Find the ESCO skill it means", value=label, key="rv_search")
        found = session.query(q.search_skills, viewer, search, 30)
        meaning = dict(zip(found["skill_uri"], found["label"], strict=False))
        choice = st.selectbox(
            "It means",
            [None, *meaning],
            key="rv_choice",
            format_func=lambda u: "not a skill" if u is None else meaning.get(u, u),
        )
        if st.button("Apply decision", key="rv_apply"):
            try:
                n = q.resolve(store, viewer, label, choice)
            except SkillAtlasError as err:
                show_error(err)
            else:
                session.after_write()
                st.success(f"Decided; {n} stored mention(s) updated.")

with t_skills:
    st.dataframe(session.query(q.org_skills, viewer), hide_index=True)
    c1, c2 = st.columns(2)
    with c1:
        new_skill = st.text_input("New organisation skill", key="os_label")
        if st.button("Add skill", key="os_add", disabled=not new_skill.strip()):
            try:
                uri = q.add_skill(store, viewer, new_skill)
            except SkillAtlasError as err:
                show_error(err)
            else:
                session.after_write()
                st.success(f"Added {plain(uri)}.")
    with c2:
        syn = st.text_input("Synonym label", key="syn_label")
        syn_search = st.text_input("Means the skill", key="syn_search")
        syn_found = session.query(q.search_skills, viewer, syn_search, 30) if syn_search else None
        syn_names = (
            {}
            if syn_found is None
            else dict(zip(syn_found["skill_uri"], syn_found["label"], strict=False))
        )
        syn_target = st.selectbox(
            "Skill",
            list(syn_names),
            key="syn_uri",
            format_func=lambda u: syn_names.get(u, u),
        )
        if st.button("Add synonym", key="syn_add", disabled=not (syn.strip() and syn_target)):
            try:
                q.add_synonym(store, viewer, syn, str(syn_target))
            except SkillAtlasError as err:
                show_error(err)
            else:
                session.after_write()
                st.success("Synonym saved.")

with t_people:
    st.caption(
        "A CSV of people (see the README for its columns). Nothing is imported "
        "unless every row is valid."
    )
    upload = st.file_uploader("People CSV", type=["csv"], key="people_csv")
    if upload is not None and st.button("Import people", type="primary", key="people_go"):
        try:
            summary = import_people(store, upload.getvalue(), actor=viewer.account)
        except SkillAtlasError as err:
            show_error(err)
            problems = getattr(err, "problems", None)
            if problems:
                st.dataframe(pd.DataFrame(problems, columns=["row", "problem"]), hide_index=True)
        else:
            session.after_write()
            st.success(
                f"Imported: {summary.people_added:,} people added, "
                f"{summary.people_updated:,} updated, {summary.teams_created:,} teams created, "
                f"{summary.identities:,} identities recorded."
            )

with t_reverify:
    st.caption("Re-check every stored badge against its issuer: revocations and expiry.")
    queued = session.query(q.ingest_queue, viewer)
    if queued.empty:
        st.caption(
            "No batches are queued. (`python -m skills ingest` run while the app is up queues "
            "its batch here, and the app ingests it in the background.)"
        )
    else:
        st.info(
            f"{len(queued):,} queued batch(es): the app ingests waiting ones in the background."
        )
        st.dataframe(queued, hide_index=True)
    if st.button("Re-verify all badges", key="rv_all"):
        bar = st.progress(0.0, text="Starting...")

        def _p(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"{done:,} of {total:,}")

        try:
            result = submit_q.reverify_all(store, viewer, progress=_p)
        except SkillAtlasError as err:
            show_error(err)
        else:
            session.after_write()
            st.success(f"{result.checked:,} checked; {len(result.changes):,} changed status.")
            if result.changes:
                st.dataframe(
                    pd.DataFrame(result.changes, columns=["credential", "was", "now"]),
                    hide_index=True,
                )

with t_audit:
    st.dataframe(session.query(q.audit_log, viewer, 200), hide_index=True)
