"""Submit: upload badge files or paste a URL/text; HR can submit for others and in batches.

Verification runs in the server's shared, bounded pool (``skills.ingest.pool``): one job
at a time per session, a full pool answers at once, and a job whose browser tab is gone
is dropped before it starts or stops between badges. The job is kept in the session
state, so a rerun (or a visit to another page) while it runs shows its results when it
is done.
"""

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from pages._ui import session
from pages._ui.widgets import (
    STATUS_MATERIAL,
    checks_table,
    container_heading,
    show_checks,
    show_error,
    show_verdict,
)
from skills.access import Role
from skills.errors import SkillAtlasError
from skills.explain import (
    CARD_WORDS,
    added_sentence,
    advice,
    error_sentence,
    plain,
    resubmitted_sentence,
    tidy,
)
from skills.ingest import pool as submit_pool
from skills.services import profile as people_q
from skills.services import submit as q

store, viewer = session.page("submit")
cfg = session.app_settings()

st.title("Submit badges")
st.caption(
    "Upload Open Badges (baked PNG or SVG, JSON, or a JWT) or paste a badge URL or text. "
    "A CLR transcript or a wallet export (verifiable presentation) brings every badge in it. "
    "Each badge is verified and its skills mapped to ESCO."
)

person_id = viewer.person_id
if viewer.role is not Role.MEMBER:
    text = st.text_input("Submit for", placeholder="search a person by name or id", key="for_who")
    found = session.query(people_q.find_people, viewer, text, 50)
    options = ([viewer.person_id] if viewer.person_id else []) + [
        p for p in found["person_id"] if p != viewer.person_id
    ]
    names = dict(zip(found["person_id"], found["name"], strict=False))
    if viewer.person_id:
        names.setdefault(viewer.person_id, f"{viewer.name} (you)")
    if options:
        person_id = st.selectbox(
            "Person", options, format_func=lambda p: f"{names.get(p, p)} · {p}", key="for_pick"
        )


def _show_result(outcome: q.SubmitOutcome) -> None:
    """One submission as a card: the verdict, what it added to the profile, what to do
    when it is short of verified, and the checks under "Technical details"."""
    result = outcome.result
    file_name = plain(result.name)  # escaped once, here, for Markdown
    whose = "your" if outcome.for_viewer else f"{outcome.person_name}'s"
    report = result.report
    if report is not None and report.container is not None:
        # A CLR transcript or a presentation: its own proof, then one card per badge.
        info = report.container
        with st.container(border=True):
            st.markdown(f"**{file_name}** · {plain(container_heading(info, len(result.parts)))}")
            show_checks(
                report.status,
                report,
                issuer="the holder" if info.kind == "vp" else None,
                summary=None if report.ok else report.summary,
                details=True,
            )
        for part in outcome.parts:
            _show_result(part)
        return
    with st.container(border=True):
        if report is None:
            st.error(
                f"**{file_name}**: {plain(tidy(result.reason))}", icon=STATUS_MATERIAL["rejected"]
            )
            return
        badge = report.credential.achievement.name if report.credential else None
        issuer = report.credential.issuer.name if report.credential else None
        word = CARD_WORDS.get(result.status, result.status.replace("_", " "))
        st.markdown(f"**{plain(badge) if badge else file_name}** · {plain(word)}")
        show_verdict(
            report.status,
            report,
            issuer=issuer,
            summary=None if report.ok else report.summary,
            recipient_is_viewer=outcome.for_viewer,
        )
        if result.duplicate and not outcome.elsewhere:
            st.caption(plain(resubmitted_sentence(result.old_status, result.status, whose=whose)))
        st.markdown(
            ":material/playlist_add_check: "
            + plain(
                added_sentence(
                    outcome.added, outcome.already, not_counted=outcome.not_counted, whose=whose
                )
            )
        )
        todo = advice(
            result.status,
            report,
            not_counted=outcome.not_counted,
            for_viewer=outcome.for_viewer,
        )
        if todo:
            st.info(f"**What to do**: {plain(todo)}", icon=":material/lightbulb:")
        with st.expander("Technical details", expanded=False, icon=":material/fact_check:"):
            st.caption(f"Submitted as {file_name}.")
            checks_table(report)


_JOB_KEY = "_submit_job"  # (kind, Job) of this session's submission in the pool


def _session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def _tab_still_open(session_id: str) -> Callable[[], bool]:
    """Whether the browser tab of ``session_id`` is still connected (safe on any thread)."""

    def still_wanted() -> bool:
        if not Runtime.exists():  # a bare script run: nobody can close it
            return True
        return bool(Runtime.instance().is_active_session(session_id))

    return still_wanted


def _start(kind: str, work: Callable[[submit_pool.Job[Any]], Any]) -> None:
    """Queue ``work`` in the shared pool for this session, or say at once why not."""
    sid = _session_id()
    try:
        job = submit_pool.shared_pool().submit(sid, work, still_wanted=_tab_still_open(sid))
    except (submit_pool.SubmissionInFlight, submit_pool.PoolBusy) as err:
        st.warning(error_sentence(err))
        return
    st.session_state[_JOB_KEY] = (kind, job)


_LAST_KEY = "_submit_last"  # (kind, result or error) of the last finished submission
_ROUND_KEY = "_submit_round"  # bumped after each submission: the uploaders start empty
_CLEAR_TEXT_KEY = "_submit_clear_text"  # the pasted text is cleared on the next run


def _collect(kind: str) -> None:
    """Wait for this session's ``kind`` job (showing its progress); when it is done keep
    its result to show, drop the cached queries (the recent submissions and every page
    follow at once), empty the inputs and run the page again."""
    pending = st.session_state.get(_JOB_KEY)
    if not pending or pending[0] != kind:
        return
    job = pending[1]
    if not job.done():
        note = st.empty()
        with st.spinner("Verifying..."):
            # Each update lets a rerun of this session interrupt the wait; the job goes on
            # and the next run picks it up again from the session state.
            while not job.wait(0.25):
                if job.state == "waiting":
                    note.caption("Waiting for a free verifier: other submissions are ahead.")
                elif job.progress:
                    done, total = job.progress
                    note.caption(f"Verifying: {done:,} of {total:,} done.")
                else:
                    note.caption("Verifying...")
        note.empty()
    st.session_state.pop(_JOB_KEY, None)
    session.after_write()
    try:
        outcome: Any = job.result()
    except Exception as err:  # shown by _last(), as one sentence
        outcome = err
    st.session_state[_LAST_KEY] = (kind, outcome)
    st.session_state[_ROUND_KEY] = st.session_state.get(_ROUND_KEY, 0) + 1
    st.session_state[_CLEAR_TEXT_KEY] = kind == "text"
    st.rerun()


def _last(kind: str) -> Any:
    """The result of the last finished ``kind`` submission (its error is shown); None
    when there is none."""
    last = st.session_state.get(_LAST_KEY)
    if not last or last[0] != kind:
        return None
    if isinstance(last[1], Exception):
        show_error(last[1])
        return None
    return last[1]


def _verify_each(
    sources: list[tuple[str, bytes | str]], person: str | None
) -> Callable[[submit_pool.Job[Any]], Any]:
    """The work of one click: verify each source in turn, stopping between them when the
    tab is gone. Returns ((name, result or error), ...) and how many were left out."""

    def work(job: submit_pool.Job[Any]) -> tuple[list[tuple[str, Any]], int]:
        out: list[tuple[str, Any]] = []
        for n, (name, source) in enumerate(sources):
            if not job.wanted():
                break
            job.report(n, len(sources))
            try:
                out.append(
                    (
                        name,
                        q.submit_one(
                            store, viewer, source, name=name, person_id=person, settings=cfg
                        ),
                    )
                )
            except SkillAtlasError as err:
                out.append((name, err))
        return out, len(sources) - len(out)

    return work


def _show_each(outcome: Any, *, named: bool = True) -> None:
    if outcome is None:
        return
    shown, left = outcome
    for name, result in shown:
        if isinstance(result, SkillAtlasError):
            prefix = f"{plain(name)}: " if named else ""
            st.error(prefix + error_sentence(result))
        else:
            _show_result(result)
    if left:
        st.warning(
            f"{left} badge(s) were not verified: the page was closed or reloaded before "
            "their turn. Submit them again."
        )


WHERE_TO_GET_BADGES = """
Submit the badge file or link the issuer gave you, unchanged:

- **Credly**: open the badge on credly.com and copy the address of its public page
  (credly.com/badges/…, from *Share*), then paste it under *URL or text*.
- **Canvas Credentials (Badgr)**: in your Backpack, open the badge and *Download* it (a
  PNG image with the badge inside), or *Share* it and copy its public link.
- **Open Badge Factory, Open Badge Passport**: download the badge image, or copy the
  badge's public link.
- **A badge posted on LinkedIn**: LinkedIn shows a copy; open the link in the post (to the
  issuer's or Credly's badge page) and paste that address.
- **Wallets** (Learner Credential Wallet and others): export or share the credential as a
  JSON file; several at once come as one file (a verifiable presentation), which brings
  every badge in it.
- **An e-mail from the issuer**: upload the attached badge image or JSON file as it is, or
  paste the badge link.

A screenshot, or an image saved again by another program, loses the signed data inside
the badge: use the original file.
"""
_CONFIRM_KEY = "_withdraw_confirm"  # the credential whose removal awaits a second click
_REMOVED_KEY = "_withdraw_done"  # what was removed, said once on the next run
_TABLE_KEY = "mine_table"


def _show_recent() -> None:
    """The viewer's recent submissions; select one to remove it (two clicks: Remove, then
    Yes). Removal is the owner's or HR's (skills.services.submit.withdraw)."""
    removed = st.session_state.pop(_REMOVED_KEY, None)
    if removed is not None:
        st.success(f"Removed {plain(removed)}: its skills no longer count.")
        st.session_state.pop(_TABLE_KEY, None)  # the rows moved: no stale selection
    mine = session.query(q.recent_submissions, viewer, 20)
    if mine.empty:
        st.info("You have not submitted anything yet.")
        return
    shown = mine.assign(
        status=[CARD_WORDS.get(str(s), str(s)) for s in mine["status"]],
        summary=[tidy(t) if isinstance(t, str) else t for t in mine["summary"]],
    )
    event = st.dataframe(
        shown[["submitted", "file", "badge", "status", "summary"]],
        hide_index=True,
        column_config={"submitted": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
        on_select="rerun",
        selection_mode="single-row",
        key=_TABLE_KEY,
    )
    rows = event.selection.rows if event else []
    if not rows or rows[0] >= len(mine):
        st.caption("Select a submission to remove it from the profile.")
        return
    row = mine.iloc[rows[0]]
    if not bool(row["removable"]):
        st.caption("Only HR or the badge's own person can remove this badge.")
        return
    key = str(row["credential_key"])
    label = str(row["badge"] if isinstance(row["badge"], str) else row["file"])
    if st.session_state.get(_CONFIRM_KEY) != key:
        if st.button(f"Remove {plain(label)}", icon=":material/delete:", key="withdraw_ask"):
            st.session_state[_CONFIRM_KEY] = key
            st.rerun()
        return
    st.warning(
        f"Remove **{plain(label)}**? Its skills stop counting at once. You can submit it "
        "again later.",
        icon=":material/delete:",
    )
    with st.container(horizontal=True):
        yes = st.button("Yes, remove it", type="primary", key="withdraw_yes")
        no = st.button("Cancel", key="withdraw_no")
    if no:
        st.session_state.pop(_CONFIRM_KEY, None)
        st.rerun()
    if yes:
        st.session_state.pop(_CONFIRM_KEY, None)
        try:
            q.withdraw(store, viewer, key)
        except SkillAtlasError as err:
            st.error(error_sentence(err))
            return
        session.after_write()
        st.session_state.pop(_LAST_KEY, None)  # its card would still claim its skills
        st.session_state[_REMOVED_KEY] = label
        st.rerun()


_round = st.session_state.get(_ROUND_KEY, 0)
if st.session_state.pop(_CLEAR_TEXT_KEY, False):
    st.session_state["badge_text"] = ""  # before the text area is drawn
tab_files, tab_url = st.tabs(["Files", "URL or text"])
with tab_files:
    files = st.file_uploader(
        "Badge files",
        type=["png", "svg", "json", "jsonld", "jwt", "jws", "txt"],
        accept_multiple_files=True,
        key=f"badge_files_{_round}",
        help=f"Up to {cfg.max_upload_bytes // 1024 // 1024} MB per file.",
    )
    if files and st.button("Verify and save", type="primary", key="submit_files"):
        st.session_state.pop(_LAST_KEY, None)
        _start("files", _verify_each([(f.name, f.getvalue()) for f in files], person_id))
    _collect("files")
    _show_each(_last("files"))
with tab_url:
    pasted = st.text_area("A badge URL, JSON or compact JWT", key="badge_text", height=120)
    if pasted.strip() and st.button("Verify and save", type="primary", key="submit_text"):
        st.session_state.pop(_LAST_KEY, None)
        _start("text", _verify_each([("pasted", pasted.strip())], person_id))
    _collect("text")
    _show_each(_last("text"), named=False)

with st.expander("Where to get your badge file", icon=":material/help:"):
    st.markdown(WHERE_TO_GET_BADGES)

if viewer.role is Role.HR:
    st.divider()
    st.subheader("Batch upload")
    st.caption(
        "A zip of badge files (all for the person chosen above), or a CSV with the columns "
        "person_id and url_or_file (badge URLs)."
    )
    batch = st.file_uploader("Zip or CSV", type=["zip", "csv"], key=f"batch_file_{_round}")
    for_person = st.checkbox("Files in the zip belong to the person chosen above", value=True)
    if batch is not None and st.button("Run batch", type="primary", key="run_batch"):
        st.session_state.pop(_LAST_KEY, None)
        data, file_name = batch.getvalue(), Path(batch.name).name
        zip_person = person_id if for_person and file_name.lower().endswith(".zip") else None

        def _run_batch(job: submit_pool.Job[Any]) -> q.BatchOutcome:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / file_name
                path.write_bytes(data)
                return q.submit_batch(
                    store,
                    viewer,
                    path,
                    person_id=zip_person,
                    progress=job.report,
                    still_wanted=job.wanted,
                    settings=cfg,
                )

        _start("batch", _run_batch)
    _collect("batch")
    summary = _last("batch")
    if summary is not None:
        st.success(f"{summary.total:,} badges processed.")
        if summary.stopped:
            st.warning(
                f"The batch stopped after {summary.done:,} of {summary.items:,} items: the "
                "page was closed or reloaded. Run it again to add the rest (stored badges "
                "are recognised)."
            )
        st.dataframe(
            {"outcome": list(summary.counts), "badges": list(summary.counts.values())},
            hide_index=True,
        )
        if summary.problems:
            st.dataframe(
                {
                    "item": [r.name for r in summary.problems[:500]],
                    "outcome": [r.outcome for r in summary.problems[:500]],
                    "reason": [r.reason for r in summary.problems[:500]],
                },
                hide_index=True,
            )

st.divider()
st.subheader("Your recent submissions")
_show_recent()
