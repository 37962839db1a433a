"""Admin (HR): issuer trust, role titles and profiles, mapping review, skills, people import,
re-verify, the audit log in sentences."""

import hashlib
import re
from typing import Any

import pandas as pd
import streamlit as st

from pages._ui import session, url_state
from pages._ui.widgets import show_error
from skills.errors import SkillAtlasError
from skills.explain import error_sentence, plain
from skills.services import admin as q
from skills.services import identities as identities_q
from skills.services import profile as profile_q
from skills.services import submit as submit_q

store, viewer = session.page("admin")
st.title("Admin")

(
    t_issuers,
    t_titles,
    t_roles,
    t_review,
    t_skills,
    t_people,
    t_requests,
    t_reverify,
    t_audit,
) = st.tabs(
    [
        "Issuers",
        "Role titles",
        "Role profiles",
        "Mapping review",
        "Skills & synonyms",
        "People import",
        "People's requests",
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


NEW_PROFILE = "__new__"
PRIORITY_WORDS = dict(q.PRIORITY_WORDS)
HOW_WORDS = {
    "mapped": "mapped by HR",
    "same name": "same name as the profile",
    "unmapped": "not mapped",
}


def _priority_word(priority: int) -> str:
    return PRIORITY_WORDS.get(priority, str(priority))


def _req_key(profile_id: str, target: str) -> str:
    """A widget key part for one requirement of one profile (stable across reruns)."""
    return hashlib.sha256(f"{profile_id}\n{target}".encode()).hexdigest()[:16]


def _load_profile(pick: str, row: pd.Series | None) -> None:
    """Put the picked profile (or an empty new one) into the editor's state."""
    work: dict[str, list[Any]] = {}
    if row is None:
        st.session_state["rp_name"] = ""
        st.session_state["rp_team"] = None
    else:
        st.session_state["rp_name"] = str(row["name"])
        team = row["team_id"]
        st.session_state["rp_team"] = team if isinstance(team, str) else None
        reqs = session.query(q.profile_requirements, viewer, pick)
        for target, kind, label, priority in zip(
            reqs["target"], reqs["target_kind"], reqs["label"], reqs["priority"], strict=True
        ):
            work[str(target)] = [str(kind), str(label), int(priority)]
    st.session_state["rp_work"] = work
    st.session_state["rp_loaded"] = pick
    st.session_state["rp_add"] = []


def _add_picked(found_names: dict[str, str]) -> None:
    """Add the skills picked in the search to the profile being edited."""
    work: dict[str, list[Any]] = st.session_state.get("rp_work", {})
    priority = int(st.session_state.get("rp_prio") or 2)
    for uri in st.session_state.get("rp_add") or []:
        if uri not in work:
            work[uri] = ["skill", found_names.get(uri, uri), priority]
    st.session_state["rp_work"] = work
    st.session_state["rp_add"] = []


def _save_profile(pick: str, existing: frozenset[str]) -> None:
    """Save the edited profile through the service; the result shows on the next run."""
    name = " ".join(str(st.session_state.get("rp_name") or "").split())
    work: dict[str, list[Any]] = st.session_state.get("rp_work", {})
    keep = [  # the priority widgets hold the latest choice (callbacks run before the page)
        (target, str(kind), int(st.session_state.get(f"rp_p_{_req_key(pick, target)}", priority)))
        for target, (kind, _, priority) in work.items()
        if not st.session_state.get(f"rp_x_{_req_key(pick, target)}")
    ]
    if not name:
        st.session_state["_rp_problem"] = "Give the role profile a name before saving it."
        return
    if not keep:
        st.session_state["_rp_problem"] = "A role profile needs at least one requirement."
        return
    if pick == NEW_PROFILE:
        profile_id = "rp-" + (re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "role")
        if profile_id in existing:
            st.session_state["_rp_problem"] = (
                f"A role profile like {plain(name)} exists already: pick it above to edit it."
            )
            return
    else:
        profile_id = pick
    try:
        q.save_profile(
            store, viewer, profile_id, name, keep, team_id=st.session_state.get("rp_team")
        )
    except SkillAtlasError as err:
        st.session_state["_rp_problem"] = error_sentence(err)
        return
    session.after_write()
    st.session_state["_rp_note"] = f"Saved {plain(name)} with {len(keep)} requirement(s)."
    st.session_state["edit_profile"] = profile_id  # the picker (bound to the URL)
    st.session_state["rp_loaded"] = None


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

with t_titles:
    st.caption(
        "Each person is scored against the role profile their role title maps to. A title "
        "named like a profile maps to it by itself; map the others here."
    )
    note = st.session_state.pop("_rt_note", None)
    if note:
        st.success(note)
    titles = session.query(q.role_titles, viewer)
    title_profiles = session.query(q.role_profiles, viewer)
    if titles.empty:
        st.info("Nobody has a role title yet: the people import's role column gives them one.")
    else:
        unmapped = titles[titles["mapped_how"] == "unmapped"]
        if len(unmapped):
            st.warning(
                f"{len(unmapped):,} role title(s), carried by {int(unmapped['people'].sum()):,} "
                "people, map to no role profile: those people have no role to be scored "
                "against until you map them (listed first)."
            )
        else:
            st.success("Every role title maps to a role profile.")
        st.dataframe(
            pd.DataFrame(
                {
                    "role title": titles["title"],
                    "people": titles["people"],
                    "role profile": titles["profile"].fillna("—"),
                    "how": [HOW_WORDS.get(str(h), str(h)) for h in titles["mapped_how"]],
                    "mapped by": titles["mapped_by"].fillna("—"),
                }
            ),
            hide_index=True,
            key="rt_table",
        )
        by_norm = {str(r["title_norm"]): r for _, r in titles.iterrows()}
        profile_names = dict(
            zip(title_profiles["profile_id"], title_profiles["name"], strict=False)
        )
        c1, c2 = st.columns(2)
        picked_title = c1.selectbox(
            "Role title",
            list(by_norm),
            key="rt_title",
            format_func=lambda n: (
                f"{by_norm[n]['title']} · {by_norm[n]['people']:,} people · "
                f"{HOW_WORDS.get(str(by_norm[n]['mapped_how']), '')}"
            ),
        )
        picked_profile = c2.selectbox(
            "Role profile",
            list(profile_names),
            key="rt_profile",
            format_func=lambda p: str(profile_names.get(p, p)),
        )
        chosen = by_norm[str(picked_title)]
        b1, b2 = st.columns(2)
        if b1.button(
            "Map the title to the profile",
            type="primary",
            key="rt_map",
            disabled=picked_profile is None,
        ):
            try:
                q.map_role_title(store, viewer, str(chosen["title"]), str(picked_profile))
            except SkillAtlasError as err:
                show_error(err)
            else:
                session.after_write()
                st.session_state["_rt_note"] = (
                    f"Mapped: people with the title {plain(chosen['title'])} are now scored "
                    f"against {plain(profile_names.get(picked_profile, picked_profile))}."
                )
                st.rerun()
        if chosen["mapped_how"] == "mapped" and b2.button(
            "Remove this title's mapping", key="rt_unmap"
        ):
            try:
                q.unmap_role_title(store, viewer, str(chosen["title"]))
            except SkillAtlasError as err:
                show_error(err)
            else:
                session.after_write()
                st.session_state["_rt_note"] = (
                    f"Removed the mapping of the title {plain(chosen['title'])}."
                )
                st.rerun()

with t_roles:
    profiles = session.query(q.role_profiles, viewer)
    teams = session.query(q.teams, viewer)
    team_names = dict(zip(teams["team_id"], teams["name"], strict=False))
    note = st.session_state.pop("_rp_note", None)
    if note:
        st.success(note)
    problem = st.session_state.pop("_rp_problem", None)
    if problem:
        st.error(problem)
    st.dataframe(
        pd.DataFrame(
            {
                "profile": profiles["name"],
                "team": profiles["team"].fillna("Organisation-wide"),
                "people": profiles["people"],
                "requirements": profiles["requirements"],
                "skills (priority)": profiles["skills"].fillna("—"),
            }
        ),
        hide_index=True,
        key="rp_table",
    )
    st.subheader("Edit a role profile")
    profile_rows = {str(r["profile_id"]): r for _, r in profiles.iterrows()}
    picked = url_state.selectbox(
        "Role profile",
        [NEW_PROFILE, *profile_rows],
        param="edit_profile",
        format_func=lambda p: (
            "New role profile" if p == NEW_PROFILE else str(profile_rows[p]["name"])
        ),
    )
    pick = str(picked)
    if st.session_state.get("rp_loaded") != pick:
        _load_profile(pick, profile_rows.get(pick))
    work: dict[str, list[Any]] = st.session_state["rp_work"]
    st.text_input("Profile name", key="rp_name")
    st.selectbox(
        "Team",
        [None, *team_names],
        key="rp_team",
        format_func=lambda t: "Organisation-wide" if t is None else team_names.get(t, t),
    )
    if not work:
        st.caption("No requirements yet: find skills below and add them.")
    else:
        st.caption("Requirements, critical first. Change a priority or tick remove, then save.")
        for target, (kind, label, priority) in sorted(
            work.items(), key=lambda kv: (int(kv[1][2]), str(kv[1][1]).casefold())
        ):
            tag = _req_key(pick, target)
            c_label, c_prio, c_drop = st.columns([5, 2, 1])
            c_label.markdown(
                plain(label) + (" *(ESCO group)*" if kind == "group" else ""),
            )
            new_priority = c_prio.selectbox(
                "Priority",
                [1, 2, 3],
                index=[1, 2, 3].index(int(priority)),
                key=f"rp_p_{tag}",
                format_func=_priority_word,
                label_visibility="collapsed",
            )
            work[target][2] = int(new_priority)
            c_drop.checkbox("remove", key=f"rp_x_{tag}")
    with st.container(border=True):
        search = st.text_input(
            "Find skills to add (ESCO and the organisation's own)", key="rp_search"
        )
        found = session.query(q.search_skills, viewer, search, 30) if search.strip() else None
        found_names = (
            {}
            if found is None
            else {
                str(u): str(lb)
                for u, lb in zip(found["skill_uri"], found["label"], strict=False)
                if str(u) not in work
            }
        )
        if found is not None and not found_names:
            st.caption("No skill found for that text (or all found are required already).")
        st.multiselect(
            "Skills to add",
            list(found_names),
            format_func=lambda u: found_names.get(u, u),
            key="rp_add",
        )
        st.radio(
            "Priority of the skills to add",
            [1, 2, 3],
            index=1,
            horizontal=True,
            key="rp_prio",
            format_func=_priority_word,
        )
        st.button(
            "Add to the profile",
            key="rp_add_go",
            on_click=_add_picked,
            args=(found_names,),
        )
    st.button(
        "Save profile",
        type="primary",
        key="rp_save",
        on_click=_save_profile,
        args=(pick, frozenset(profile_rows)),
    )

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

_REQUEST_DONE = "_admin_request_done"  # what the last decision did, shown after the rerun


def _decide_identity(request_id: int, confirm: bool) -> None:
    try:
        done = identities_q.decide_identity_request(
            store, viewer, request_id, confirm, settings=session.app_settings()
        )
    except SkillAtlasError as err:
        st.session_state[_REQUEST_DONE] = ("error", error_sentence(err))
    else:
        session.after_write()
        st.session_state[_REQUEST_DONE] = (
            "success",
            plain(done.message) if done is not None else "Refused: the address was not added.",
        )


def _erase(person_id: str, name: str) -> None:
    try:
        q.erase_person(store, viewer, person_id)
    except SkillAtlasError as err:
        st.session_state[_REQUEST_DONE] = ("error", error_sentence(err))
    else:
        session.after_write()
        st.session_state[_REQUEST_DONE] = ("success", f"Erased {plain(name)} and their data.")


with t_requests:
    outcome = st.session_state.pop(_REQUEST_DONE, None)
    if outcome is not None:
        (st.success if outcome[0] == "success" else st.error)(outcome[1])
    st.subheader("Addresses to confirm")
    st.caption(
        "People asked to add an address their badges were issued to. An address counts for "
        "recipient checks only once confirmed: confirm it only when you know it is theirs."
    )
    asked = session.query(identities_q.list_identity_requests, viewer)
    if asked.empty:
        st.caption("No address is waiting.")
    for req in asked.to_dict("records"):
        with st.container(border=True):
            c1, c2, c3 = st.columns([4, 1, 1])
            who = req["name"] if isinstance(req["name"], str) else req["person_id"]
            c1.text(f"{who} · {req['kind']}: {req['value']}")
            c1.caption(
                f"asked {req['requested_at']:%Y-%m-%d %H:%M} · waiting for {req['waiting_for']}"
            )
            for col, confirm, label in ((c2, True, "Confirm"), (c3, False, "Refuse")):
                col.button(
                    label,
                    key=f"idreq_{req['request_id']}_{int(confirm)}",
                    on_click=_decide_identity,
                    args=(int(req["request_id"]), confirm),
                )
    st.subheader("Erasure requests")
    st.caption(
        "Candidates who asked for their data to be erased. Erasing removes the person, their "
        "addresses, badges, skills, notices and audit entries about them; it cannot be undone."
    )
    erasures = session.query(profile_q.list_erasure_requests, viewer)
    if erasures.empty:
        st.caption("No erasure is waiting.")
    for ask in erasures.to_dict("records"):
        with st.container(border=True):
            c1, c2 = st.columns([5, 1])
            c1.text(f"{ask['name']} · {ask['kind']} · {ask['person_id']}")
            c1.caption(f"asked {ask['requested_at']:%Y-%m-%d %H:%M}")
            c2.button(
                "Erase",
                key=f"erase_{ask['person_id']}",
                type="primary",
                on_click=_erase,
                args=(str(ask["person_id"]), str(ask["name"])),
            )

    st.subheader("Refused sign-ins")
    st.caption(
        "People your identity provider signed in whom Skill Atlas could not let in: no group "
        "mapped to a role, no person with that address or id, an unverified address, or the "
        "other kind of people. Add or link the person (People import), or fix their groups "
        "at the provider; their next sign-in then works."
    )
    refused = session.query(q.signin_refusals, viewer)
    if refused.empty:
        st.caption("No sign-in was refused.")
    for refusal in refused.to_dict("records"):
        with st.container(border=True):
            st.text(f"{refusal['email'] or refusal['subject']} · provider {refusal['provider']}")
            st.caption(
                f"{refusal['sentence']} · {refusal['attempts']} attempt(s), "
                f"first {refusal['first_seen']:%Y-%m-%d %H:%M}, "
                f"last {refusal['last_seen']:%Y-%m-%d %H:%M}"
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
    own_accounts = tuple(
        sorted((a.username, a.person_id) for a in session.accounts().values() if a.person_id)
    )
    entries = session.query(q.audit_entries, viewer, own_accounts, 200)
    if entries.empty:
        st.info("Nothing has been recorded yet.")
    else:
        st.caption("The newest 200 entries, newest first.")
        st.dataframe(
            pd.DataFrame({"when": entries["logged_at"], "what happened": entries["sentence"]}),
            hide_index=True,
            key="audit_sentences",
        )
        with st.expander("Raw entries (as recorded)"):
            st.dataframe(
                entries[["logged_at", "actor", "action", "subject", "detail"]],
                hide_index=True,
                key="audit_raw",
            )
