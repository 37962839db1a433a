"""Skill Atlas: sign-in, navigation per role and the shared frame around every page.

Run with ``streamlit run app.py``. Pages live in ``pages/`` and are routed with
``st.navigation``; which pages a viewer gets comes from ``skills.access``.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import FragmentHandledException

from pages._ui import session
from pages._ui.widgets import demo_notice, esco_footer, show_error
from skills.access import PAGE_TITLES, pages_for
from skills.errors import SkillAtlasError
from skills.explain import plain
from skills.signin import EXPIRED

st.set_page_config(page_title="Skill Atlas", page_icon="🧭", layout="wide")

ICONS = {
    "overview": ":material/dashboard:",
    "submit": ":material/upload_file:",
    "skill_map": ":material/grid_view:",
    "gaps": ":material/checklist:",
    "growth": ":material/trending_up:",
    "candidates": ":material/person_search:",
    "profile": ":material/badge:",
    "admin": ":material/admin_panel_settings:",
}


def sign_in_page() -> None:
    """The providers' sign-in buttons and, when local accounts are on, the sign-in form;
    or why the identity a provider signed in was refused, with a way out."""
    st.title("Skill Atlas")
    refusal = session.signin_refusal()
    if refusal is not None and refusal.reason != EXPIRED:
        st.error(refusal.sentence)
        st.caption(f"Signed in at your organisation as {plain(refusal.email or refusal.subject)}.")
        if st.button("Sign out and use another account", type="primary", key="refused_out"):
            st.logout()
        return
    st.write("Verified Open Badges, mapped to ESCO skills. Please sign in.")
    notice = session.signed_out_notice() or (refusal.sentence if refusal else None)
    if notice:
        st.warning(notice)
    if session.oidc_configured():
        for i, (name, provider) in enumerate(session.signin_policy().providers.items()):
            kind = "primary" if i == 0 else "secondary"
            if st.button(provider.label, type=kind, key=f"login_{name}"):
                st.login(None if name == "default" else name)
    if not session.local_accounts_enabled():
        return
    if not session.accounts():
        st.error(
            "No accounts are configured: run `python -m skills demo` for the demo accounts, "
            "or create the accounts file named by SKILLS_ACCOUNTS."
        )
        return
    with st.form("sign-in", clear_on_submit=False, width=420):
        username = st.text_input("User name", key="sign_in_user")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            viewer = session.sign_in(username, password)
        except SkillAtlasError as err:
            st.error(str(err))
            return
        if viewer is None:
            st.error("That user name and password do not match an account.")
        else:
            st.rerun()


try:
    viewer = session.identity()
except SkillAtlasError as err:
    st.error(str(err))
    st.stop()
session.write_session_cookie()

if viewer is None:
    nav = st.navigation([st.Page(sign_in_page, title="Sign in", icon=":material/login:")])
else:
    with st.sidebar:
        st.markdown(f"**{plain(viewer.name or viewer.account)}**")
        st.caption(f"Signed in as {plain(viewer.account)} · role: {viewer.role.value}")
        if st.button("Sign out", icon=":material/logout:", key="sign_out"):
            if session.sign_out():
                st.stop()  # the browser goes to the provider's sign-out, then back here
            st.rerun()
    nav = st.navigation(
        [
            st.Page(
                f"pages/{name}.py",
                title=PAGE_TITLES[name],
                icon=ICONS.get(name),
                url_path=name,
                default=(i == 0),
            )
            for i, name in enumerate(pages_for(viewer))
        ],
        expanded=True,
    )
    with st.sidebar:
        esco_footer()

demo_notice()  # one line at the top of every page on a `python -m skills demo` database

# The one place a page's error is shown: a SkillAtlasError as its sentence, anything
# else as one generic sentence (logged with its traceback on the server), never a trace.
# st.stop/st.rerun/st.switch_page raise BaseExceptions and pass through.
try:
    nav.run()
except FragmentHandledException:
    raise
except Exception as err:
    show_error(err)
