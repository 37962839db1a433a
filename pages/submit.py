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
from pages._ui.widgets import STATUS_ICON, container_heading, show_checks, show_error
from skills.access import Role
from skills.errors import SkillAtlasError
from skills.explain import error_sentence, plain
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


def _show_result(result) -> None:
    title = plain(result.name)
    if result.report is not None and result.report.container is not None:
        # A CLR transcript or a presentation: its own proof, then one result per badge.
        report, info = result.report, result.report.container
        with st.container(border=True):
            st.markdown(f"**{title}** · {plain(container_heading(info, len(result.parts)))}")
            show_checks(
                report.status,
                report,
                issuer="the holder" if info.kind == "vp" else None,
                summary=None if report.ok else report.summary,
            )
        for part in result.parts:
            _show_result(part)
        return
    with st.container(border=True):
        if result.report is None:
            st.error(f"**{title}**: {plain(result.reason)}")
            return
        report = result.report
        badge = report.credential.achievement.name if report.credential else None
        issuer = report.credential.issuer.name if report.credential else None
        st.markdown(
            f"**{plain(badge or title)}** · {STATUS_ICON.get(result.status, '')} "
            f"{plain(result.status)}" + (" · already stored" if result.duplicate else "")
        )
        show_checks(
            report.status,
            report,
            issuer=issuer,
            summary=None if report.ok else report.summary,
            recipient_is_viewer=person_id == viewer.person_id,
        )


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


def _finished(kind: str) -> Any:
    """Wait for this session's ``kind`` job (showing its progress) and return its result;
    None when there is none, or it failed (the error is shown)."""
    pending = st.session_state.get(_JOB_KEY)
    if not pending or pending[0] != kind:
        return None
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
        return job.result()
    except SkillAtlasError as err:
        st.error(error_sentence(err))
    except Exception as err:
        show_error(err)
    return None


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


tab_files, tab_url = st.tabs(["Files", "URL or text"])
with tab_files:
    files = st.file_uploader(
        "Badge files",
        type=["png", "svg", "json", "jsonld", "jwt", "jws", "txt"],
        accept_multiple_files=True,
        key="badge_files",
        help=f"Up to {cfg.max_upload_bytes // 1024 // 1024} MB per file.",
    )
    if files and st.button("Verify and save", type="primary", key="submit_files"):
        _start("files", _verify_each([(f.name, f.getvalue()) for f in files], person_id))
    _show_each(_finished("files"))
with tab_url:
    pasted = st.text_area("A badge URL, JSON or compact JWT", key="badge_text", height=120)
    if pasted.strip() and st.button("Verify and save", type="primary", key="submit_text"):
        _start("text", _verify_each([("pasted", pasted.strip())], person_id))
    _show_each(_finished("text"), named=False)

if viewer.role is Role.HR:
    st.divider()
    st.subheader("Batch upload")
    st.caption(
        "A zip of badge files (all for the person chosen above), or a CSV with the columns "
        "person_id and url_or_file (badge URLs)."
    )
    batch = st.file_uploader("Zip or CSV", type=["zip", "csv"], key="batch_file")
    for_person = st.checkbox("Files in the zip belong to the person chosen above", value=True)
    if batch is not None and st.button("Run batch", type="primary", key="run_batch"):
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
    summary = _finished("batch")
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
mine = session.query(people_q.my_submissions, viewer, 20)
if mine.empty:
    st.info("You have not submitted anything yet.")
else:
    st.dataframe(
        mine[["submitted", "file", "badge", "status", "summary"]],
        hide_index=True,
        column_config={"submitted": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )
