"""The signed-in viewer, the shared store, and cached queries keyed by the viewer.

- :func:`get_store` opens the database once per server process (``st.cache_resource``);
  the server is the database's only writer.
- :func:`identity` is the one place that decides who is signed in: OIDC through
  ``st.login``/``st.user`` when ``[auth]`` is configured in ``.streamlit/secrets.toml``,
  otherwise local accounts from ``SKILLS_ACCOUNTS`` checked by the sign-in form.
- :func:`query` runs a ``skills.queries`` function through ``st.cache_data`` keyed by
  the function, the viewer, the store's write generation and the arguments, so one
  viewer's results never serve another and every write invalidates old results.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from skills.access import Viewer, make_viewer, require_page
from skills.accounts import Account, account_for_email, authenticate, load_accounts
from skills.config import settings
from skills.errors import AccessDenied, SkillAtlasError
from skills.store import Store, open_store

T = TypeVar("T")
VIEWER_KEY = "viewer"
_FAILS_KEY = "_sign_in_failures"


@st.cache_resource(show_spinner="Opening the database...")
def _store_for(path: str) -> Store:
    return open_store(path, wait=10.0)


def get_store() -> Store:
    """The process-wide store for ``settings().db_path``."""
    return _store_for(str(settings().db_path))


@st.cache_resource
def _accounts_for(path: str, mtime: float) -> dict[str, Account]:
    from pathlib import Path

    return load_accounts(Path(path))


def accounts() -> dict[str, Account]:
    """The local accounts file, re-read when it changes."""
    path = settings().accounts_path
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _accounts_for(str(path), mtime)


def oidc_configured() -> bool:
    """Whether an OIDC provider is configured (``[auth]`` in secrets)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, SkillAtlasError):
        return False
    except Exception:  # streamlit raises its own error when there is no secrets file
        return False


def identity() -> Viewer | None:
    """The signed-in viewer, or None. The single source of truth for who is signed in."""
    viewer = st.session_state.get(VIEWER_KEY)
    if isinstance(viewer, Viewer):
        return viewer
    if oidc_configured() and st.user.is_logged_in:
        email = str(st.user.get("email") or "")
        account = account_for_email(accounts(), email) if email else None
        viewer = _member_by_email(email) if account is None else _viewer_for(account)
        st.session_state[VIEWER_KEY] = viewer
        return viewer
    return None


def _member_by_email(email: str) -> Viewer:
    store = get_store()
    found = store.read(
        "SELECT person_id FROM identities WHERE kind = 'email' AND value = ? AND NOT hashed",
        [email.strip().lower()],
    )
    if found.empty:
        raise AccessDenied(f"{email} is not registered with Skill Atlas; ask HR to add you.")
    return make_viewer(
        store, account=email, role="member", person_id=str(found.iloc[0]["person_id"])
    )


def _viewer_for(account: Account) -> Viewer:
    return make_viewer(
        get_store(),
        account=account.username,
        role=account.role,
        person_id=account.person_id,
        name=account.name,
    )


def sign_in(username: str, password: str) -> Viewer | None:
    """Check a local account; on success remember the viewer in the session.

    Repeated failures in a session slow further attempts down (1 s per failure
    after the third, up to 5 s).
    """
    fails = int(st.session_state.get(_FAILS_KEY, 0))
    if fails >= 3:
        time.sleep(min(5.0, float(fails - 2)))
    account = authenticate(accounts(), username, password)
    if account is None:
        st.session_state[_FAILS_KEY] = fails + 1
        return None
    viewer = _viewer_for(account)
    st.session_state[_FAILS_KEY] = 0
    st.session_state[VIEWER_KEY] = viewer
    return viewer


def sign_out() -> None:
    """Forget the viewer (and log out of OIDC when it was used)."""
    st.session_state.pop(VIEWER_KEY, None)
    st.cache_data.clear()
    if oidc_configured() and st.user.is_logged_in:
        st.logout()


def page(name: str) -> tuple[Store, Viewer]:
    """Start a page: the store and the viewer, or stop with one sentence if not allowed."""
    viewer = st.session_state.get(VIEWER_KEY)
    if not isinstance(viewer, Viewer):
        st.error("Please sign in first.")
        st.stop()
    try:
        require_page(viewer, name)
    except AccessDenied as err:
        st.error(str(err))
        st.stop()
    return get_store(), viewer


@st.cache_data(ttl=600, max_entries=512, show_spinner=False)
def _cached_call(
    qualname: str, viewer: Viewer, generation: int, args: tuple[Any, ...], kwargs: tuple[Any, ...]
) -> Any:
    module_name, _, func_name = qualname.rpartition(".")
    func = getattr(importlib.import_module(module_name), func_name)
    return func(get_store(), viewer, *args, **dict(kwargs))


def query(func: Callable[..., T], viewer: Viewer, *args: Any, **kwargs: Any) -> T:
    """``func(store, viewer, *args, **kwargs)`` through the query cache."""
    if not func.__module__.startswith("skills."):
        raise ValueError("only skills functions are cached")
    qualname = f"{func.__module__}.{func.__name__}"
    generation = get_store().generation
    result: T = _cached_call(qualname, viewer, generation, args, tuple(sorted(kwargs.items())))
    return result


def after_write() -> None:
    """Drop cached query results (called after any ingest or admin change)."""
    st.cache_data.clear()


def guarded(func: Callable[[], T]) -> T | None:
    """Run ``func``; show an expected error as one sentence and return None."""
    try:
        return func()
    except SkillAtlasError as err:
        st.error(str(err))
        return None
