"""A real ``streamlit run app.py`` on a free loopback port, for the browser and load tests.

Shared by ``tests/e2e`` and ``benchmarks/bench_load.py`` (as ``tests.support.live_server``,
the project root on ``sys.path``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from skills.access import PAGE_TITLES, PAGES, Role

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium keeps dialling out of this closed machine.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    db: Path,
    accounts: Path,
    folder: Path,
    *,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    port: int | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the app on ``db`` with ``accounts`` (and more ``streamlit run`` options in
    ``args``), wait for ``/_stcore/health``; return it and its URL. Its output goes to
    ``folder/streamlit.log``, quoted in the error if it fails."""
    port = port or free_port()
    log_path = folder / "streamlit.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                "--server.headless", "true", "--server.port", str(port),
                "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
                "--server.fileWatcherType", "none", *args,
            ],
            cwd=ROOT,
            env={
                **os.environ, "SKILLS_DB": str(db), "SKILLS_ACCOUNTS": str(accounts), **(env or {})
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # only a server that never starts waits this long
    while True:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(log_path.read_text(errors="replace")[-4000:])
        time.sleep(0.3)


def stop_server(proc: subprocess.Popen[bytes], *, timeout: float = 10.0) -> None:
    """Ask the server to stop; kill it after ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
HUNG = 300_000  # ms: a busy machine is slow, not broken; only a hung run waits this long


class ScriptRuns:
    """Streamlit's own messages on a page's websocket: the order number of the last rerun
    the browser asked for (BackMsg ``rerun_script``: a click, a chosen option, the first
    run of a loaded page) and of the last script run that ended (ForwardMsg
    ``script_finished``; a run cut short for another run does not count)."""

    def __init__(self, page: Any) -> None:
        self.socket: Any = None
        self.events = self.asked = self.finished = 0
        page.on("websocket", self._opened)

    def _opened(self, socket: Any) -> None:
        if not socket.url.endswith("/_stcore/stream"):
            return
        self.socket, self.events, self.asked, self.finished = socket, 0, 0, 0
        socket.on("framesent", self._sent)
        socket.on("framereceived", self._received)

    def _sent(self, payload: bytes | str) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        if isinstance(payload, bytes) and BackMsg.FromString(payload).HasField("rerun_script"):
            self.events += 1
            self.asked = self.events

    def _received(self, payload: bytes | str) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if not isinstance(payload, bytes):
            return
        msg = ForwardMsg.FromString(payload)
        if msg.HasField("script_finished") and (
            msg.script_finished != ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
        ):
            self.events += 1
            self.finished = self.events

    @property
    def settled(self) -> bool:
        """A live session whose last asked-for rerun has ended."""
        return (
            self.socket is not None and not self.socket.is_closed() and self.finished > self.asked
        )


_RUNS: dict[int, ScriptRuns] = {}


def watch(page: Any) -> Any:
    """Follow ``page``'s script runs (before it loads the app), for :func:`settle`."""
    _RUNS[id(page)] = ScriptRuns(page)
    page.on("close", lambda _page: _RUNS.pop(id(page), None))
    return page


def settle(page: Any) -> None:
    """Wait until every rerun the page has asked for has run to its end, on the session
    of the page's current document (a page opened with :func:`watch`), and the app shows
    idle. An action that asks for no rerun returns at once; every caller then waits for
    the element it needs."""
    runs = _RUNS[id(page)]
    deadline = time.monotonic() + HUNG / 1000
    while not runs.settled:  # Playwright delivers the socket's frames while it waits
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page's script run did not end: {runs.__dict__}")
        page.wait_for_timeout(50)
    page.wait_for_selector(IDLE, timeout=HUNG)


def upload(page: Any, path: Path) -> None:
    """Give ``path`` to the page's first file uploader; wait until the uploader lists it
    (the upload is done) and the rerun it asks for has ended."""
    page.locator("input[type='file']").first.set_input_files(str(path))
    page.locator("[data-testid='stFileChipName']", has_text=path.name).first.wait_for()
    settle(page)


def signed_in(browser: Any, url: str, user: str, role: str, **context_options: Any) -> Any:
    """A new browser context signed in as the demo account ``user`` (whose role is ``role``)."""
    from skills.accounts import DEMO_PASSWORDS

    context = browser.new_context(
        **{"viewport": {"width": 1400, "height": 1000}, **context_options}
    )
    context.set_default_timeout(HUNG)
    page = watch(context.new_page())
    page.goto(url)
    settle(page)
    page.get_by_role("textbox", name="User name").fill(user)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORDS[user])
    page.get_by_role("button", name="Sign in").click()
    settle(page)
    page.get_by_text(f"role: {role}").wait_for()
    return page


def page_problems(page: Any) -> list[str]:
    """What went wrong on the page: exceptions shown, and a locked database named."""
    found = page.locator("[data-testid='stException']").all_inner_texts()
    text = " ".join(page.locator("[data-testid='stApp']").all_inner_texts()).lower()
    return found + [w for w in ("database is locked", "conflicting lock") if w in text]


def browse_menu(page: Any, role: Role) -> list[str]:
    """Open every page of the role's menu once; what went wrong on each."""
    problems: list[str] = []
    for name in PAGES[role]:
        page.locator("[data-testid='stSidebarNav'] a", has_text=PAGE_TITLES[name]).first.click()
        settle(page)
        problems += [f"{role.value} {name}: {p[:200]}" for p in page_problems(page)]
    return problems
