"""Submit: upload badge files or paste a URL/text; HR can submit for others and in batches."""

import tempfile
from pathlib import Path

import streamlit as st

from pages._ui import session
from pages._ui.widgets import STATUS_ICON, container_heading, show_checks
from skills.access import Role
from skills.config import settings
from skills.errors import SkillAtlasError
from skills.explain import error_sentence, plain
from skills.queries import profile as people_q
from skills.queries import submit as q

store, viewer = session.page("submit")
cfg = settings()

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


def _show_result(result) -> None:  # type: ignore[no-untyped-def]
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
        for upload in files:
            data = upload.getvalue()
            try:
                result = q.submit_one(store, viewer, data, name=upload.name, person_id=person_id)
            except SkillAtlasError as err:
                st.error(f"{plain(upload.name)}: {error_sentence(err)}")
                continue
            _show_result(result)
        session.after_write()
with tab_url:
    pasted = st.text_area("A badge URL, JSON or compact JWT", key="badge_text", height=120)
    if pasted.strip() and st.button("Verify and save", type="primary", key="submit_text"):
        try:
            result = q.submit_one(store, viewer, pasted.strip(), name="pasted", person_id=person_id)
        except SkillAtlasError as err:
            st.error(error_sentence(err))
        else:
            _show_result(result)
            session.after_write()

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
        bar = st.progress(0.0, text="Starting...")

        def _progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"{done:,} of {total:,} badges")

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(batch.name).name
            path.write_bytes(batch.getvalue())
            try:
                summary = q.submit_batch(
                    store,
                    viewer,
                    path,
                    person_id=person_id if for_person and path.suffix == ".zip" else None,
                    progress=_progress,
                )
            except SkillAtlasError as err:
                st.error(error_sentence(err))
            else:
                session.after_write()
                st.success(f"{summary.total:,} badges processed.")
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
