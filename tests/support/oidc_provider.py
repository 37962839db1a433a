"""A small OpenID Connect provider on loopback, for the sign-in tests.

Authorization code flow with PKCE, the way Entra ID, Okta, Google and Keycloak speak it
to Streamlit's ``st.login`` (Authlib): discovery, an HTML login form, a token endpoint
(client_secret_basic or _post), RS256 ID tokens signed with ``joserfc`` (Authlib's JOSE
library), the key set, userinfo, and ``end_session_endpoint`` ending the provider's own
session (a cookie, so a second ``/authorize`` without it shows the form again).

A user's ``token`` says which ID token it gets: ``"ok"``, ``"tampered"`` (signed, then
its payload changed: another person's address and the HR group) or ``"expired"``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

SESSION_COOKIE = "idp_session"


@dataclass
class User:
    password: str
    sub: str
    email: str
    groups: list[str]
    email_verified: bool = True
    name: str = ""
    token: str = "ok"  # "ok", "tampered" or "expired"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Code:
    username: str
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str | None


class Provider:
    """``with Provider(users, client_id, client_secret) as idp:`` serves on ``idp.url``."""

    def __init__(self, users: dict[str, User], client_id: str, client_secret: str) -> None:
        self.users = users
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig"})
        self.codes: dict[str, _Code] = {}
        self.sessions: dict[str, str] = {}  # provider session cookie -> username
        self.logouts: list[str] = []  # usernames whose provider session ended
        self.logins: list[str] = []  # usernames who typed their password
        self._lock = threading.Lock()
        self._logged_out = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for_logouts(self, count: int, timeout: float) -> list[str]:
        """Block until ``count`` provider sessions have ended (or ``timeout``); the list."""
        with self._logged_out:
            self._logged_out.wait_for(lambda: len(self.logouts) >= count, timeout)
            return list(self.logouts)

    # ---- tokens ---------------------------------------------------------------
    def id_token(self, username: str, nonce: str | None) -> str:
        user = self.users[username]
        now = int(time.time())
        issued, expires = (now - 7200, now - 3600) if user.token == "expired" else (now, now + 600)
        claims: dict[str, Any] = {
            "iss": self.url,
            "sub": user.sub,
            "aud": self.client_id,
            "iat": issued,
            "exp": expires,
            "auth_time": issued,
            "email": user.email,
            "email_verified": user.email_verified,
            "name": user.name or username,
            "groups": user.groups,
            **user.extra,
        }
        if nonce:
            claims["nonce"] = nonce
        token = jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, self.key)
        if user.token == "tampered":
            head, _, sig = token.split(".")
            forged = {**claims, "email": "e000001@example.org", "groups": ["atlas-hr"]}
            body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
            token = f"{head}.{body}.{sig}"
        return token

    def metadata(self) -> dict[str, Any]:
        u = self.url
        return {
            "issuer": u,
            "authorization_endpoint": f"{u}/authorize",
            "token_endpoint": f"{u}/token",
            "jwks_uri": f"{u}/jwks",
            "userinfo_endpoint": f"{u}/userinfo",
            "end_session_endpoint": f"{u}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "groups"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
        }

    # ---- HTTP -----------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, data: Any) -> None:
                self._send(status, json.dumps(data).encode(), "application/json", {})

            def _redirect(self, where: str, headers: dict[str, str] | None = None) -> None:
                self._send(302, b"", "text/plain", {"Location": where, **(headers or {})})

            def _query(self) -> dict[str, str]:
                return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

            def _form(self) -> dict[str, str]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                return {k: v[0] for k, v in parse_qs(raw).items()}

            def _session_user(self) -> str | None:
                cookie = SimpleCookie(self.headers.get("Cookie") or "")
                morsel = cookie.get(SESSION_COOKIE)
                return idp.sessions.get(morsel.value) if morsel else None

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path == "/.well-known/openid-configuration":
                    self._json(200, idp.metadata())
                elif path == "/jwks":
                    self._json(200, KeySet([idp.key]).as_dict(private=False))
                elif path == "/authorize":
                    q = self._query()
                    if q.get("client_id") != idp.client_id or q.get("response_type") != "code":
                        self._json(400, {"error": "invalid_request"})
                        return
                    user = self._session_user()
                    if user is not None:
                        self._issue(user, q)
                    else:
                        self._login_form(q, "")
                elif path == "/userinfo":
                    self._json(401, {"error": "invalid_token"})  # the ID token carries it all
                elif path == "/logout":
                    q = self._query()
                    user = self._session_user()
                    cookie = SimpleCookie(self.headers.get("Cookie") or "").get(SESSION_COOKIE)
                    if cookie:
                        idp.sessions.pop(cookie.value, None)
                    with idp._logged_out:
                        idp.logouts.append(user or "")
                        idp._logged_out.notify_all()
                    clear = {"Set-Cookie": f"{SESSION_COOKIE}=; Max-Age=0; Path=/"}
                    target = q.get("post_logout_redirect_uri")
                    if target and urlsplit(target).hostname == "127.0.0.1":
                        self._redirect(target, clear)
                    else:
                        self._send(200, b"Signed out", "text/plain", clear)
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                if path == "/authorize":
                    form = self._form()
                    user = idp.users.get(form.get("username", ""))
                    if user is None or not secrets.compare_digest(
                        user.password, form.get("password", "")
                    ):
                        self._login_form(form, "Wrong user name or password.")
                        return
                    idp.logins.append(form["username"])
                    sid = secrets.token_urlsafe(16)
                    idp.sessions[sid] = form["username"]
                    self._issue(
                        form["username"],
                        form,
                        {"Set-Cookie": f"{SESSION_COOKIE}={sid}; Path=/; HttpOnly"},
                    )
                elif path == "/token":
                    self._token()
                else:
                    self._json(404, {"error": "not_found"})

            def _login_form(self, q: dict[str, str], error: str) -> None:
                hidden = "".join(
                    f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                    for k, v in q.items()
                    if k not in ("username", "password")
                )
                page = (
                    "<!doctype html><title>Test IdP: sign in</title><h1>Test IdP</h1>"
                    f'<p role="alert">{html.escape(error)}</p>'
                    '<form method="post" action="/authorize">'
                    '<label>Username <input name="username" autocomplete="off"></label>'
                    '<label>Password <input name="password" type="password"></label>'
                    f'{hidden}<button type="submit">Log in</button></form>'
                )
                self._send(200, page.encode(), "text/html; charset=utf-8", {})

            def _issue(
                self, username: str, q: dict[str, str], headers: dict[str, str] | None = None
            ) -> None:
                code = secrets.token_urlsafe(16)
                with idp._lock:
                    idp.codes[code] = _Code(
                        username,
                        q.get("client_id", ""),
                        q.get("redirect_uri", ""),
                        q.get("nonce"),
                        q.get("code_challenge"),
                    )
                params = {"code": code}
                if "state" in q:
                    params["state"] = q["state"]
                self._redirect(f"{q.get('redirect_uri', '')}?{urlencode(params)}", headers)

            def _token(self) -> None:
                form = self._form()
                client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
                auth = self.headers.get("Authorization") or ""
                if auth.startswith("Basic "):
                    raw = base64.b64decode(auth[6:]).decode()
                    client_id, _, secret = raw.partition(":")
                    client_id, secret = _unquote(client_id), _unquote(secret)
                if client_id != idp.client_id or not secrets.compare_digest(
                    secret, idp.client_secret
                ):
                    self._json(401, {"error": "invalid_client"})
                    return
                with idp._lock:
                    code = idp.codes.pop(form.get("code", ""), None)
                if code is None or code.redirect_uri != form.get("redirect_uri"):
                    self._json(400, {"error": "invalid_grant"})
                    return
                if code.challenge is not None:
                    verifier = form.get("code_verifier", "")
                    digest = hashlib.sha256(verifier.encode()).digest()
                    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                    if expected != code.challenge:
                        self._json(400, {"error": "invalid_grant"})
                        return
                self._json(
                    200,
                    {
                        "access_token": secrets.token_urlsafe(24),
                        "token_type": "Bearer",
                        "expires_in": 600,
                        "id_token": idp.id_token(code.username, code.nonce),
                        "scope": "openid email profile groups",
                    },
                )

        return Handler


def _unquote(text: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(text)
