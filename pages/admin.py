"""Admin (HR): issuer trust, role profiles, mapping review, skills, people import, re-verify."""

import pandas as pd
import streamlit as st

from pages._ui import session
from pages._ui.widgets import show_error
from skills.errors import SkillAtlasError
from skills.explain import plain
from skills.services import admin as q
from skills.services import submit as submit_q

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

TRUST_WORDS = {
    "unknown": "not reviewed yet: shown apart, never counted",
    "trusted": "trusted: its verified badges count",
    "untrusted": "untrusted: its badges never count",
}


def _issuer_name(row: pd.Series) -> str:
    name = row["name"]
    return name if isinstance(name, str) and name.strip() else "Unnamed issuer"


def _forget_trust_choice() -> None:
    st.session_state.pop("iss_trust", None)


with t_issuers:
    st.caption(
        "Only HR decides which issuers are trusted. A verified badge's skills count only when "
        "its issuer is trusted; badges of issuers awaiting review show apart on profiles."
    )
    saved = st.session_state.pop("_iss_saved", None)
    if saved:
        st.success(saved)
    own_accounts = tuple(
        sorted((a.username, a.person_id) for a in session.accounts().values() if a.person_id)
    )
    issuers = session.query(q.issuers, viewer, own_accounts)
    recorded = issuers[issuers["recorded"]].reset_index(drop=True)
    unrecorded = issuers[~issuers["recorded"]].reset_index(drop=True)
    if recorded.empty:
        st.info("No issuers yet.")
    else:
        waiting = int((recorded["trust"] == "unknown").sum())
        if waiting:
            st.warning(
                f"{waiting} issuer(s) await your review (listed first): their verified badges "
                "do not count until you trust them."
            )
        else:
            st.success("Every issuer has been reviewed.")
        st.dataframe(
            pd.DataFrame(
                {
                    "domain": recorded["domain"],
                    "name": recorded["name"].fillna(""),
                    "trust": [TRUST_WORDS.get(t, t) for t in recorded["trust"]],
                    "badges": recorded["credentials"],
                    "verified": recorded["verified"],
                    "people": recorded["holders"],
                    "submitted by": recorded["submitted_by"],
                    "only by their recipients": [
                        "yes: nobody else vouched" if f else ""
                        for f in recorded["only_by_recipients"]
                    ],
                }
            ),
            hide_index=True,
            key="issuer_table",
        )
        rows = {str(r["issuer_id"]): r for _, r in recorded.iterrows()}
        pick = st.selectbox(
            "Review an issuer",
            list(rows),
            format_func=lambda i: (
                f"{_issuer_name(rows[i])} · {rows[i]['domain']} · "
                f"{'awaiting review' if rows[i]['trust'] == 'unknown' else rows[i]['trust']}"
            ),
            key="iss_pick",
            on_change=_forget_trust_choice,
        )
        row = rows[str(pick)]
        with st.container(border=True):
            st.markdown(f"**{plain(_issuer_name(row))}** · {plain(row['domain'])}")
            st.text(f"Issuer id: {row['issuer_id']}")
            if isinstance(row["url"], str) and row["url"]:
                st.text(f"Profile address named in its badges: {row['url']}")
            st.markdown(
                plain(
                    f"{row['credentials']:,} badge(s) here, {row['verified']:,} verified, "
                    f"held by {row['holders']:,} "
                    + ("person" if row["holders"] == 1 else "people")
                    + (f"; {row['self_issued']:,} self-issued" if row["self_issued"] else "")
                    + "."
                )
            )
            if row["submitted_by"]:
                st.markdown(
                    plain(f"Submitted by {row['submitters']:,} account(s): {row['submitted_by']}.")
                )
            if row["only_by_recipients"]:
                st.warning(
                    "Every badge of this issuer was submitted by the person it names: "
                    "nobody else has vouched for it."
                )
            if isinstance(row["trust_set_by"], str) and row["trust_set_by"]:
                st.caption(plain(f"Last decided by {row['trust_set_by']}."))
            options = list(TRUST_WORDS)
            choice = st.radio(
                "Decision",
                options,
                index=options.index(row["trust"]) if row["trust"] in options else 0,
                format_func=TRUST_WORDS.get,
                key="iss_trust",
            )
            if st.button(
                "Save decision", type="primary", key="iss_save", disabled=choice == row["trust"]
            ):
                try:
                    q.set_trust(store, viewer, str(pick), str(choice))
                except SkillAtlasError as err:
                    show_error(err)
                else:
                    session.after_write()
                    st.session_state["_iss_saved"] = (
                        f"Saved: {plain(_issuer_name(row))} is now "
                        f"{TRUST_WORDS.get(str(choice), str(choice))}."
                    )
                    _forget_trust_choice()
                    st.rerun()
    if not unrecorded.empty:
        with st.expander(f"Issuers seen only on badges that cannot count ({len(unrecorded)})"):
            st.caption(
                "No badge of these issuers was both authentic and not self-issued, so they have "
                "no issuer record and nothing to trust; the names are what those badges claim."
            )
            st.dataframe(
                pd.DataFrame(
                    {
                        "domain": unrecorded["domain"],
                        "name claimed": unrecorded["name"].fillna(""),
                        "badges": unrecorded["credentials"],
                        "self-issued": unrecorded["self_issued"],
                        "submitted by": unrecorded["submitted_by"],
                    }
                ),
                hide_index=True,
                key="issuer_unrecorded",
            )

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
            summary = q.import_people(store, viewer, upload.getvalue())
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
            result = submit_q.reverify_all(
                store, viewer, progress=_p, settings=session.app_settings()
            )
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
