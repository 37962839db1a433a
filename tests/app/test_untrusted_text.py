"""Badge text is untrusted: it is shown as text, never as HTML; SVG badge images are never inlined.

Two proofs: a scan of the UI code (app.py, pages/, pages/_ui/) for every way Streamlit can
render raw HTML, which may only ever be given a string literal; and the real
Profile page (AppTest) rendering a member's badge whose name, issuer, skill and
image are hostile.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from skills.accounts import DEMO_PASSWORDS
from skills.demo.personas import PERSONAS
from skills.store import open_store
from tests.support import seed

pytestmark = pytest.mark.hostile

ROOT = Path(__file__).resolve().parents[2]
# app.py, the pages and their shared UI helpers in pages/_ui/.
UI_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py"))]
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
LINK = "[click me](javascript:alert(3))"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
    b'<script>alert(4)</script><openbadges:credential verify="x"/></svg>'
)


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _name(func: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _literal(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


# Functions allowed one HTML sink, and why: none of them ever sees badge data.
ALLOWED_SINKS = {
    # writes the session cookie; the token is checked against [A-Za-z0-9_.-] first
    "write_session_cookie",
}


def _calls_outside_allowed(tree: ast.AST) -> Iterator[ast.Call]:
    allowed = {
        id(call)
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef) and fn.name in ALLOWED_SINKS
        for call in _calls(fn)
    }
    for call in _calls(tree):
        if id(call) not in allowed:
            yield call


def test_the_ui_code_never_hands_data_to_an_html_sink() -> None:
    assert UI_FILES and all(f.exists() for f in UI_FILES)
    problems: list[str] = []
    for path in UI_FILES:
        source = path.read_text()
        tree = ast.parse(source)
        for call in _calls_outside_allowed(tree):
            name = _name(call.func)
            where = f"{path.relative_to(ROOT)}:{call.lineno} {name}"
            for kw in call.keywords:
                if (
                    kw.arg == "unsafe_allow_html"
                    and not (isinstance(kw.value, ast.Constant) and kw.value.value is False)
                    and not (call.args and _literal(call.args[0]))
                ):
                    problems.append(f"{where}: unsafe_allow_html with non-literal text")
            last = name.rsplit(".", 1)[-1]
            sink = last in {"html", "iframe"} or ".components." in f".{name}."
            if sink and not (call.args and _literal(call.args[0])):
                problems.append(f"{where}: raw HTML from data")
        if re.search(r"import\s+streamlit\.components|from\s+streamlit\.components", source):
            problems.append(f"{path.relative_to(ROOT)}: imports streamlit.components")
    assert not problems, problems


def test_svg_bytes_never_reach_st_image() -> None:
    """The one st.image call draws a PNG re-encoded by Pillow; SVG is refused before it."""
    widgets_file = next(p for p in UI_FILES if "def show_badge_image" in p.read_text())
    tree = ast.parse(widgets_file.read_text())
    images = [c for c in _calls(tree) if _name(c.func).endswith("image")]
    for path in UI_FILES:
        if path != widgets_file:
            assert not [
                c for c in _calls(ast.parse(path.read_text())) if _name(c.func) == "st.image"
            ], f"{path.name} draws images itself"
    assert len(images) == 1
    func = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "show_badge_image"
    )
    body = ast.unparse(func)
    assert body.index("baked_in != 'png'") < body.index("st.image(")
    assert "save(safe, format='PNG')" in body


@pytest.fixture
def hostile_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    db, accounts = tmp_path / "app.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    member = PERSONAS["employee"]
    with open_store(db) as store, store.write() as tx:
        tx.execute("INSERT INTO issuers (issuer_id, name) VALUES ('iss-evil', ?)", [IMG])
        tx.execute(
            "INSERT INTO achievements (achievement_id, issuer_id, name, description) "
            "VALUES ('a-evil', 'iss-evil', ?, ?)",
            [SCRIPT, LINK],
        )
        tx.execute(
            "INSERT INTO credentials (credential_key, person_id, submitted_by, format, status, "
            "summary, issued, verified_at, source_sha256, raw, baked_in, issuer_id, "
            "achievement_id, name, checks) VALUES ('urn:evil', ?, 'member', 'ob3-di', "
            "'verified', ?, ?, ?, 'ff', ?, 'svg', 'iss-evil', 'a-evil', ?, ?)",
            [
                member,
                f"Verified {SCRIPT}",
                datetime.now(UTC),
                datetime.now(UTC),
                SVG,
                f"{SCRIPT}.svg",
                '[{"name": "signature", "outcome": "passed", "message": "' + IMG + '"}]',
            ],
        )
        tx.execute(
            "INSERT INTO credential_skills (credential_key, skill_uri, label, mention, source, "
            "confidence, method) VALUES ('urn:evil', ?, ?, ?, 'alignment', 0.9, 'exact')",
            [seed.uri("python"), LINK, SCRIPT],
        )
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    monkeypatch.chdir(ROOT)
    return member


def _texts(at: AppTest) -> list[tuple[str, str, bool]]:
    """(element type, text, allows html) for every text element on the page."""
    out: list[tuple[str, str, bool]] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "error", "info",
                 "warning", "success", "exception", "text", "code", "latex"):  # fmt: skip
        for el in at.get(kind):
            proto = el.proto
            allow = bool(getattr(proto, "allow_html", False))
            out.append((kind, str(getattr(el, "value", "")), allow))
    return out


def test_hostile_badge_text_renders_as_text_on_the_profile(hostile_profile: str) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="sign_in_user").input("member")
    at.text_input(key="sign_in_password").input(DEMO_PASSWORDS["member"])
    at.button[0].click()
    at.run()
    at.switch_page("pages/profile.py").run()
    assert not at.exception, at.exception
    texts = _texts(at)
    assert not [t for t in texts if t[2]], "an element allows raw HTML"
    for kind, text, _ in texts:
        for raw in ("<script", "<img", "](javascript:"):
            assert raw not in text.replace("\\<", "").replace("\\]", ""), (kind, text)
    # The hostile name is still shown, as text: in the badge table or escaped in Markdown.
    cells = " ".join(str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())
    escaped = " ".join(t for _, t, _ in texts)
    assert SCRIPT in cells or r"\<script\>alert\(1\)\</script\>" in escaped
    # The SVG (with its script) is never drawn; the page says why.
    assert not at.get("imgs"), "an image was drawn from an SVG badge"
    assert any("SVG badge image not shown" in t for _, t, _ in texts)


# Issue 11: text HR imports (role titles, team and person names) and badge names are data
# too: never Markdown (an image would load from another site), never Plotly's HTML subset
# (links and inline styles in hover labels, ticks and legends).
ROLE_TITLE = "![x](https://evil.example/p.png)"
TEAM = '<a href="https://evil.example">t</a>'
BADGE = '<span style="font-size:90px">evil</span>'
PERSON = "<b>Evil</b> [p](https://evil.example/x) www.evil.example"
SKILL = "![s](https://evil.example/s.png) Python"  # an organisation skill's label
MARKERS = ("evil", "Evil")


@pytest.fixture
def hostile_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, accounts = tmp_path / "app.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    with open_store(db) as store, store.write() as tx:
        tx.execute(
            "UPDATE people SET role_title = ? WHERE person_id = ?",
            [ROLE_TITLE, PERSONAS["employee"]],
        )
        tx.execute("UPDATE teams SET name = ? WHERE team_id = 'web'", [TEAM])
        # A badge's own signed name (the snapshot pages show) carries the markup.
        tx.execute("UPDATE credentials SET badge_name = ? WHERE achievement_id = 'a-team'", [BADGE])
        tx.execute("UPDATE people SET display_name = ? WHERE person_id = 'E100000'", [PERSON])
        tx.execute("UPDATE skills SET label = ? WHERE skill_uri = ?", [SKILL, seed.uri("python")])
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    monkeypatch.chdir(ROOT)


def _signed_in(user: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="sign_in_user").input(user)
    at.text_input(key="sign_in_password").input(DEMO_PASSWORDS[user])
    at.button[0].click()
    at.run()
    return at


def _markdown_sources(at: AppTest) -> list[tuple[str, str]]:
    """(where, Markdown source) of everything Streamlit renders as Markdown."""
    out = [(kind, text) for kind, text, _ in _texts(at) if kind not in ("text", "code")]
    out += [("metric label", m.label) for m in at.metric]
    out += [("button label", b.label) for b in at.button]
    out += [("radio option", str(o)) for r in at.radio for o in r.options]
    out += [("tab label", t.label) for t in at.tabs]
    return out


_ESCAPED = re.compile(r"\\.", re.S)
_LIVE = {
    "image": re.compile(r"!\["),
    "link": re.compile(r"\]\(|\]\["),
    "html tag": re.compile(r"<[A-Za-z/!]"),
    "bare address": re.compile(r"(?i)https?://|www\.|[\w.+-]@[\w-]"),
}


def _live_markup(source: str) -> list[str]:
    """The Markdown constructs ``source`` would render (escaped characters never count)."""
    bare = _ESCAPED.sub("§", source)
    return [name for name, pattern in _LIVE.items() if pattern.search(bare)]


def _figure_strings(at: AppTest) -> list[str]:
    """Every string in every Plotly figure on the page (data, labels, layout)."""
    import json

    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                found.append(str(k))
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return found


def _visit(at: AppTest, page: str, **state: object) -> AppTest:
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, (page, at.exception)
    return at


@pytest.mark.parametrize(
    ("user", "page", "state", "in_figures"),
    [
        ("member", "profile", {}, ["&lt;span style"]),  # badge in the timeline's hover
        ("hr", "profile", {}, []),
        ("hr", "overview", {}, []),
        ("hr", "growth", {"g_by": "team"}, ["&lt;a href"]),  # team in the legend
        ("manager", "growth", {"g_by": "team"}, ["&lt;a href"]),
        ("hr", "skill_map", {}, ["&lt;a href"]),  # team on the heat map's axis
        ("manager", "gaps", {}, ["&lt;b&gt;Evil"]),  # person on the heat map's axis
        ("hr", "admin", {}, []),
        ("recruiter", "candidates", {}, []),  # skill labels on the "popular" buttons
    ],
)
def test_imported_names_and_titles_render_as_text(
    hostile_import: None, user: str, page: str, state: dict[str, object], in_figures: list[str]
) -> None:
    at = _signed_in(user)
    if page == "profile" and user == "hr":
        at.query_params["person"] = PERSONAS["employee"]
    _visit(at, page, **state)
    shown = _markdown_sources(at)
    carrying = [(where, text) for where, text in shown if any(m in text for m in MARKERS)]
    live = [(where, text, _live_markup(text)) for where, text in carrying if _live_markup(text)]
    assert not live, live
    figures = _figure_strings(at)
    for raw in ("<a href", "<span style", "<b>Evil"):
        assert not [s for s in figures if raw in s], (raw, [s for s in figures if raw in s])
    for escaped in in_figures:
        assert any(escaped in s for s in figures), (
            escaped,
            "the hostile text never reached a figure",
        )
    if page == "profile":  # the role title is on the page, as escaped text
        assert any(r"\!\[x\]\(https\:" in text for _, text in carrying), carrying
    if page == "candidates":
        assert any(r"\!\[s\]" in text for where, text in carrying if where == "button label")
