"""The Profile page's sections about a person's own data: their addresses and, for a
candidate, their consent and erasure request. Drawn only on the viewer's own profile; the
services (``skills.services.identities``, ``skills.services.profile``) decide what is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from pages._ui import session
from pages._ui.widgets import day
from skills.access import Viewer
from skills.errors import SkillAtlasError
from skills.explain import error_sentence, plain
from skills.mail import mailer_from
from skills.services import identities as ids
from skills.services import profile as people
from skills.store import Store

_NOTE = "_my_data_note"  # the sentence to show after a change, across the rerun


def _act(work: Callable[[], Any], note: Callable[[Any], str]) -> None:
    """Run a write; on success remember ``note(result)`` and rerun, else show the error."""
    try:
        result = work()
    except SkillAtlasError as err:
        st.error(error_sentence(err))
        return
    session.after_write()
    st.session_state[_NOTE] = note(result)
    st.rerun()


def addresses_section(store: Store, viewer: Viewer, person_id: str) -> None:
    """ "Your addresses": the confirmed ones, those waiting, a form to add one, and the
    code box for an e-mailed code."""
    st.subheader("Your addresses")
    st.caption(
        "Badges are matched to you by the e-mail addresses, web addresses and DIDs they "
        "were issued to. Add another one here; it counts only once it is confirmed (by a "
        "code we e-mail you, or by HR), so nobody can claim badges issued to someone else."
    )
    note = st.session_state.pop(_NOTE, None)
    if note:
        st.success(plain(note))
    shown = session.query(ids.addresses, viewer, person_id)
    st.dataframe(
        shown.assign(kind=shown["kind"].map(lambda k: ids.KIND_WORDS.get(k, k)))[
            ["kind", "value", "state"]
        ],
        hide_index=True,
        key="my_addresses",
        column_config={"value": st.column_config.TextColumn("address")},
    )
    kinds = ["email", "did", "url"]
    with st.form("add_address", clear_on_submit=True):
        kind = st.selectbox(
            "Kind", kinds, format_func=lambda k: ids.KIND_WORDS[k], key="address_kind"
        )
        text = st.text_input("Address", key="address_value", placeholder="me@example.net")
        if st.form_submit_button("Add address"):
            _act(
                lambda: ids.request_identity(
                    store, viewer, str(kind), text, mailer=mailer_from(session.app_settings())
                ),
                lambda r: r.message,
            )
    waiting = shown[shown["state"] == "waiting for your code"]
    if not waiting.empty:
        ids_by_value = {
            str(v): int(r) for v, r in zip(waiting["value"], waiting["request_id"], strict=True)
        }
        pick = st.selectbox("Confirm the address", list(ids_by_value), key="code_for")
        code = st.text_input("Code from the e-mail", key="address_code", max_chars=16)
        confirm, cancel = st.columns(2)
        if confirm.button("Confirm", key="address_confirm", type="primary"):
            _act(
                lambda: ids.confirm_code(
                    store,
                    viewer,
                    ids_by_value[str(pick)],
                    code,
                    settings=session.app_settings(),
                ),
                lambda r: r.message,
            )
        if cancel.button("Cancel this request", key="address_cancel"):
            _act(
                lambda: ids.cancel_identity_request(store, viewer, ids_by_value[str(pick)]),
                lambda _: f"The request for {pick} is cancelled.",
            )


def privacy_section(store: Store, viewer: Viewer) -> None:
    """A candidate's consent (withdraw or give again) and their request for erasure."""
    status = session.query(people.consent_status, viewer)
    if not status.applies:
        return
    st.subheader("Your privacy")
    with st.expander("Who can see your data", expanded=False):
        for heading, text in people.PRIVACY_NOTICE:
            st.markdown(f"**{heading}.** {text}")
    if status.searchable:
        st.info(
            f"Recruiters of this organisation can find you (you agreed on "
            f"{day(status.consented_at, '')})."
        )
        if st.button("Withdraw my consent", key="consent_withdraw"):
            _act(
                lambda: people.withdraw_consent(store, viewer),
                lambda _: "Consent withdrawn: recruiters no longer find you.",
            )
    else:
        st.warning("Recruiters cannot find you: you have not agreed, or withdrew your consent.")
        if status.erasure_requested_at is None and st.button(
            "Let recruiters find me", key="consent_give"
        ):
            _act(
                lambda: people.give_consent(store, viewer),
                lambda _: "Thank you: recruiters of this organisation can find you now.",
            )
    if status.erasure_requested_at is not None:
        st.info(
            f"You asked for erasure on {day(status.erasure_requested_at, '')}; HR will erase "
            "your data."
        )
        return
    sure = st.checkbox(
        "I want everything about me erased (badges, skills, profile)", key="erasure_sure"
    )
    if st.button("Ask HR to erase my data", key="erasure_request", disabled=not sure):
        _act(
            lambda: people.request_erasure(store, viewer),
            lambda _: "Your erasure request is recorded; HR will erase your data.",
        )
