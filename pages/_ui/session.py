"""The signed-in viewer, the shared store, and cached queries keyed by the viewer.

- :func:`application` is the server process's application (:func:`skills.bootstrap.serve`
  with the settings read once from the environment): the store, opened once per process
  (the server is the database's only writer), and its queue drainer; :func:`get_store`
  its store, :func:`app_settings` its settings.
- :func:`identity` is the one place that decides who is signed in: the identity a
  provider signed in through ``st.login``/``st.user`` when ``[auth]`` is configured in
  ``.streamlit/secrets.toml``, resolved by :func:`skills.signin.resolve` with the
  ``[signin]`` settings (roles from groups, the person, refusals recorded for HR); local
  accounts from ``SKILLS_ACCOUNTS`` checked by the sign-in form when no provider is
  configured or ``[signin] local_accounts = true``.
- A local sign-in survives a page reload: :func:`sign_in` issues a signed, expiring
  token (``skills.accounts.issue_session_token``) that :func:`write_session_cookie`
  stores in the ``skillatlas_session`` cookie on the next run; a new session (a reload,
  a new tab, a bookmarked page) reads it from ``st.context.cookies`` in :func:`identity`.
  :func:`sign_out` revokes the token on the server and deletes the cookie.
  Why a cookie written by a line of JavaScript: Streamlit 1.67 can read cookies
  (``st.context.cookies``, from the websocket handshake) but has no API to set one,
  and a token in the URL would leak into history, bookmarks and screenshots. The
  cookie is ``SameSite=Strict``, ``Secure`` on https, and lives as long as the token
  (12 hours); it cannot be ``HttpOnly`` because script writes it, so the token is
  bound to the account's password and role and revocable.
- Every rerun re-validates the session's viewer (:func:`identity`): a sign-out in
  another tab, an expired token (local or the provider's), a changed password, role or
  person signs this tab out too, with one sentence saying why (:func:`signed_out_notice`).
- Failed sign-ins are throttled per account and per client address in a file beside
  the accounts file, so a new session or a restart does not reset the count.
- :func:`query` runs a ``skills.services`` function through ``st.cache_data`` keyed by
  the function, the viewer, the store's write generation and the arguments, so one
  viewer's results never serve another and every write invalidates old results.
"""

from __future__ import annotations

import importlib
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import streamlit as st

from skills.access import Viewer, make_viewer, require_page
from skills.accounts import (
    SESSION_TTL_SECONDS,
    Account,
    SessionToken,
    authenticate_throttled,
    issue_session_token,
    load_accounts,
    load_or_create_secret,
    parse_session_token,
    revocations_path,
    revoke_session,
    revoked_nonces,
    secret_path,
    session_problem,
    throttle_path,
)
from skills.bootstrap import Application, serve
from skills.config import Settings, settings
from skills.errors import AccessDenied, SkillAtlasError
from skills.explain import error_sentence
from skills.signin import EXPIRED, Refusal, SignInPolicy, parse_policy, record_refusal, resolve
from skills.store import Store

T = TypeVar("T")
VIEWER_KEY = "viewer"
COOKIE = "skillatlas_session"
_SESSION_KEY = "_session_token"  # the SessionToken of this session's sign-in, for sign-out
_COOKIE_OP_KEY = "_session_cookie_op"  # a cookie to write on the next run
_SIGNED_OUT_KEY = "_signed_out"  # this session signed out: ignore the handshake's cookie
_NOTICE_KEY = "_signed_out_notice"  # why re-validation signed this session out
_VIA_KEY = "_signed_in_via"  # "oidc" or "local": how this session's viewer was made
_REFUSAL_KEY = "_signin_refusal"  # why the provider's identity was refused (a Refusal)
_RECORDED_KEY = "_signin_refusals_recorded"  # reasons already recorded for HR this session
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_.-]{1,400}")

# The clock every sign-in decision reads (tests replace it; nothing here sleeps).
clock: Callable[[], float] = time.time


def app_settings() -> Settings:
    """The settings this server runs with (the ``SKILLS_*`` environment, read at the edge)."""
    return settings()


def application() -> Application:
    """The server process's application (store and queue drainer), built on first use."""
    return serve(app_settings())


def get_store() -> Store:
    """The process-wide store (``SKILLS_DB``)."""
    return application().store


@st.cache_resource(max_entries=8)
def _accounts_for(path: str, version: tuple[int, int, int, int]) -> dict[str, Account]:
    from pathlib import Path

    return load_accounts(Path(path))


def accounts() -> dict[str, Account]:
    """The local accounts file, re-read when it changes (one ``stat`` per call otherwise).

    "Changes" means another device, inode, size or modification time in ns:
    ``save_accounts`` writes a new file and renames it, so every save is seen.
    """
    path = app_settings().accounts_path
    try:
        info = path.stat()
    except FileNotFoundError:
        return _accounts_for(str(path), (0, 0, 0, 0))
    return _accounts_for(str(path), (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns))


def oidc_configured() -> bool:
    """Whether an OIDC provider is configured (``[auth]`` in secrets)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, SkillAtlasError):
        return False
    except Exception:  # streamlit raises its own error when there is no secrets file
        return False


@st.cache_resource
def _secret_for(path: str) -> bytes:
    from pathlib import Path

    return load_or_create_secret(Path(path))


def session_secret() -> bytes:
    """The key that signs session tokens.

    ``session_secret`` in ``.streamlit/secrets.toml`` when set (at least 32
    characters), else a random key kept in a 0600 file beside the accounts file,
    created on first use. Never logged, never stored in the database.
    """
    try:
        configured = st.secrets.get("session_secret")
    except Exception:  # no secrets file: Streamlit raises its own error type
        configured = None
    if isinstance(configured, str) and len(configured) >= 32:
        return configured.encode("utf-8")
    return _secret_for(str(secret_path(app_settings().accounts_path)))


def cookie_token() -> str | None:
    """The session token the browser sent when this session connected, if any."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser behind this session (bare script runs)
        return None
    return value if isinstance(value, str) and value else None


def client_address() -> str | None:
    """The browser's network address as Streamlit saw the websocket, if any.

    None on localhost and without a browser. Behind a reverse proxy this is
    the proxy's address; it only feeds the per-address sign-in throttle.
    """
    try:
        address = st.context.ip_address
    except Exception:  # no browser behind this session (bare script runs)
        return None
    return address if isinstance(address, str) and address else None


def _revoked() -> frozenset[str]:
    return revoked_nonces(revocations_path(app_settings().accounts_path))


def _restore_from_cookie() -> Viewer | None:
    if st.session_state.get(_SIGNED_OUT_KEY):
        return None
    token = cookie_token()
    if not token:
        return None
    now = clock()
    parsed = parse_session_token(session_secret(), accounts(), token, now=now, revoked=_revoked())
    if parsed is None:
        st.session_state[_COOKIE_OP_KEY] = ("clear",)  # expired, revoked or forged: drop it
        return None
    account, contents = parsed
    try:
        viewer = _viewer_for(account)
    except SkillAtlasError:  # e.g. the person left the database since the token was made
        st.session_state[_COOKIE_OP_KEY] = ("clear",)
        return None
    st.session_state[VIEWER_KEY] = viewer
    st.session_state[_SESSION_KEY] = contents
    st.session_state[_VIA_KEY] = "local"
    return viewer


def signin_policy() -> SignInPolicy:
    """The ``[signin]`` settings checked against Streamlit's ``[auth]`` providers
    (:func:`skills.signin.parse_policy`); raises ConfigError with the setting to fix."""
    try:
        auth = st.secrets.get("auth") or {}
        signin = st.secrets.get("signin") or {}
    except Exception:  # no secrets file: Streamlit raises its own error type
        auth, signin = {}, {}
    return parse_policy(_plain(signin), _plain(auth))


def _plain(value: Any) -> Any:
    """Streamlit's secrets (AttrDict) as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def local_accounts_enabled() -> bool:
    """Local accounts are on without a provider, and off beside one unless
    ``[signin] local_accounts = true``."""
    return not oidc_configured() or signin_policy().local_accounts


def signin_refusal() -> Refusal | None:
    """Why the identity the provider signed in was refused (this session), if it was."""
    refusal = st.session_state.get(_REFUSAL_KEY)
    return refusal if isinstance(refusal, Refusal) else None


def _logged_in() -> bool:
    """Whether the provider has signed this browser in (``st.user``; absent means no)."""
    return bool(st.user.get("is_logged_in", False))


def _oidc_resolve() -> Viewer | Refusal | None:
    """The provider's signed-in identity resolved now (:func:`skills.signin.resolve`), or
    None when nobody is signed in at the provider."""
    if not oidc_configured() or not _logged_in():
        return None
    claims = _plain(dict(st.user.to_dict()))
    return resolve(
        get_store(),
        signin_policy(),
        claims,
        now=clock(),
        skew_seconds=app_settings().clock_skew_seconds,
    )


def _refused(refusal: Refusal) -> None:
    """Remember this session's refusal and, once per session and reason, record it for HR
    (an expired token is not HR's business: the person signs in again)."""
    st.session_state[_REFUSAL_KEY] = refusal
    seen = st.session_state.setdefault(_RECORDED_KEY, set())
    if refusal.reason != EXPIRED and refusal.reason not in seen:
        record_refusal(get_store(), refusal)
        seen.add(refusal.reason)


def _local_session_problem() -> str | None:
    token = st.session_state.get(_SESSION_KEY)
    if not isinstance(token, SessionToken):
        return "You were signed out: this session has no valid sign-in; please sign in again."
    return session_problem(accounts(), token, now=clock(), revoked=_revoked())


def _end_session(notice: str) -> None:
    """Sign this session out because re-validation failed; ``notice`` says why."""
    st.session_state.pop(VIEWER_KEY, None)
    st.session_state.pop(_SESSION_KEY, None)
    st.session_state.pop(_VIA_KEY, None)
    st.session_state[_SIGNED_OUT_KEY] = True
    st.session_state[_COOKIE_OP_KEY] = ("clear",)
    st.session_state[_NOTICE_KEY] = notice


def signed_out_notice() -> str | None:
    """Why this session was signed out by re-validation (one sentence), until the next sign-in."""
    notice = st.session_state.get(_NOTICE_KEY)
    return notice if isinstance(notice, str) and notice else None


def identity() -> Viewer | None:
    """The signed-in viewer, or None. The single source of truth for who is signed in.

    In order: the provider's signed-in identity when ``[auth]`` is configured; this
    session's local sign-in; a valid session cookie from an earlier local sign-in (when
    local accounts are on).

    Every call (every rerun) checks again, cheaply. A provider's identity is resolved
    anew (:func:`skills.signin.resolve`: its token unexpired, its groups mapped to a role,
    its person still in the database); a refusal is kept for :func:`signin_refusal` and
    recorded for HR. A local sign-in must still have an unexpired, unrevoked token whose
    account keeps its password, role and person (:func:`skills.accounts.session_problem`).
    Either way a session that no longer holds is signed out and
    :func:`signed_out_notice` says why.
    """
    viewer = st.session_state.get(VIEWER_KEY)
    via = st.session_state.get(_VIA_KEY)
    if isinstance(viewer, Viewer) and via == "local":
        problem = _local_session_problem()
        if problem is None:
            return viewer
        _end_session(problem)
        return None
    resolved = _oidc_resolve()
    if isinstance(resolved, Viewer):
        st.session_state[VIEWER_KEY] = resolved
        st.session_state[_VIA_KEY] = "oidc"
        st.session_state.pop(_REFUSAL_KEY, None)
        st.session_state.pop(_NOTICE_KEY, None)
        return resolved
    if isinstance(viewer, Viewer) and via == "oidc":
        st.session_state.pop(VIEWER_KEY, None)
        st.session_state.pop(_VIA_KEY, None)
        st.session_state[_NOTICE_KEY] = (
            resolved.sentence
            if isinstance(resolved, Refusal)
            else "You were signed out: your organisation account is no longer signed in."
        )
    if isinstance(resolved, Refusal):
        _refused(resolved)
        return None
    st.session_state.pop(_REFUSAL_KEY, None)
    return _restore_from_cookie() if local_accounts_enabled() else None


def write_session_cookie() -> None:
    """Write or delete the session cookie decided by the last sign-in or sign-out.

    Call once per run, in app.py, before the page runs. Draws nothing visible;
    does nothing when there is no pending change.
    """
    op = st.session_state.pop(_COOKIE_OP_KEY, None)
    if not op:
        return
    attrs = "; Path=/; SameSite=Strict"
    if op[0] == "set" and _TOKEN_CHARS.fullmatch(str(op[1])):
        value, max_age = json.dumps(str(op[1])), int(op[2])
    else:
        value, max_age = '""', 0
    script = (
        f"<script>document.cookie = {json.dumps(COOKIE + '=')} + {value} + "
        f"{json.dumps(f'; Max-Age={max_age}{attrs}')} + "
        "(window.location.protocol === 'https:' ? '; Secure' : '');</script>"
    )
    st.html(script, unsafe_allow_javascript=True)


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

    Failed attempts are counted per account name and per client address in a
    file beside the accounts file (``skills.accounts.authenticate_throttled``),
    so a new session or a server restart does not reset them. Raises
    :class:`AccessDenied` ("Too many failed sign-ins for this account; try
    again in M minutes.") without checking the password once the limit is reached.
    """
    now = clock()
    account = authenticate_throttled(
        accounts(),
        throttle_path(app_settings().accounts_path),
        username,
        password,
        address=client_address(),
        now=now,
    )
    if account is None:
        return None
    viewer = _viewer_for(account)
    token = issue_session_token(session_secret(), account, now=now)
    parsed = parse_session_token(session_secret(), accounts(), token, now=now)
    if parsed is None:  # the accounts file changed in between: do not sign in half-way
        return None
    st.session_state[VIEWER_KEY] = viewer
    st.session_state[_SESSION_KEY] = parsed[1]
    st.session_state[_VIA_KEY] = "local"
    st.session_state[_COOKIE_OP_KEY] = ("set", token, SESSION_TTL_SECONDS)
    st.session_state.pop(_SIGNED_OUT_KEY, None)
    st.session_state.pop(_NOTICE_KEY, None)
    return viewer


def sign_out() -> bool:
    """Forget the viewer, revoke this session's token and delete its cookie.

    Also logs out of the provider when one signed this session in: Streamlit ends the
    provider's session too (its ``end_session_endpoint``) where the provider has one.
    Returns True then: the browser is being sent away, and the caller must not rerun
    (a rerun would drop the redirect). Side effect: records the token's
    nonce in the revocations file beside the accounts file.
    """
    st.session_state.pop(VIEWER_KEY, None)
    st.session_state.pop(_VIA_KEY, None)
    st.session_state.pop(_NOTICE_KEY, None)
    st.session_state.pop(_REFUSAL_KEY, None)
    token = st.session_state.pop(_SESSION_KEY, None)
    if isinstance(token, SessionToken):
        revoke_session(revocations_path(app_settings().accounts_path), token, now=clock())
    st.session_state[_SIGNED_OUT_KEY] = True
    st.session_state[_COOKIE_OP_KEY] = ("clear",)
    if oidc_configured() and _logged_in():
        st.logout()  # sends the browser to Streamlit's logout route, then the provider's
        return True
    return False


def page(name: str) -> tuple[Store, Viewer]:
    """Start a page: the store and the viewer, or stop with one sentence if not allowed.

    The viewer is re-validated here as well as in app.py (:func:`identity`):
    a page script can run without app.py (Streamlit's first run in a process
    with a ``pages/`` folder takes the old multipage path), and it must never
    serve a session that was signed out elsewhere, expired or changed role.
    """
    try:
        viewer = identity()
    except SkillAtlasError as err:
        st.error(error_sentence(err))
        st.stop()
    if not isinstance(viewer, Viewer):
        st.error(signed_out_notice() or "Please sign in first.")
        st.stop()
    try:
        require_page(viewer, name)
    except AccessDenied as err:
        st.error(error_sentence(err))
        st.stop()
    store = get_store()
    consent_gate(store, viewer)
    return store, viewer


def consent_gate(store: Store, viewer: Viewer) -> None:
    """Before any page, a candidate who has not yet answered the privacy notice reads it
    (who sees their data, what, how long, how to withdraw) and agrees or declines; the
    page stops until they do. Nobody else is asked."""
    from skills.services import profile as people

    status = people.consent_status(store, viewer)
    if not status.applies or status.decided:
        return
    st.title("Before you start: your data and who sees it")
    st.write(
        "You are signed in as a candidate. Recruiters find candidates here by their "
        "verified skills; please read how that works and decide."
    )
    for heading, text in people.PRIVACY_NOTICE:
        st.markdown(f"**{heading}.** {text}")
    agree, decline = st.columns(2)
    choice = None
    if agree.button(
        "I agree: recruiters of this organisation may find me", key="consent_agree", type="primary"
    ):
        choice = people.give_consent
    if decline.button("I do not agree: keep me out of searches", key="consent_decline"):
        choice = people.withdraw_consent
    if choice is not None:
        try:
            choice(store, viewer)
        except SkillAtlasError as err:
            st.error(error_sentence(err))
        else:
            after_write()
            st.rerun()
    st.caption("You can change this later on your Profile page, or ask HR to erase your data.")
    st.stop()


@st.cache_data(ttl=600, max_entries=512, show_spinner=False)
def _cached_call(
    qualname: str,
    database: str,
    viewer: Viewer,
    generation: int,
    args: tuple[Any, ...],
    kwargs: tuple[Any, ...],
) -> Any:
    # ``database`` and ``generation`` are part of the cache key: another file, or any
    # write to this one, makes earlier results stale.
    module_name, _, func_name = qualname.rpartition(".")
    func = getattr(importlib.import_module(module_name), func_name)
    return func(get_store(), viewer, *args, **dict(kwargs))


def query(func: Callable[..., T], viewer: Viewer, *args: Any, **kwargs: Any) -> T:
    """``func(store, viewer, *args, **kwargs)`` through the query cache."""
    if not func.__module__.startswith("skills."):
        raise ValueError("only skills functions are cached")
    qualname = f"{func.__module__}.{func.__name__}"
    store = get_store()
    result: T = _cached_call(
        qualname, str(store.path), viewer, store.generation, args, tuple(sorted(kwargs.items()))
    )
    return result


def after_write() -> None:
    """Drop cached query results (called after any ingest or admin change)."""
    st.cache_data.clear()


def guarded(func: Callable[[], T]) -> T | None:
    """Run ``func``; show an expected error as one sentence and return None."""
    try:
        return func()
    except SkillAtlasError as err:
        st.error(error_sentence(err))
        return None
