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


def settle(page: Any) -> None:
    """Wait until the page's script run has finished. Streamlit marks a rerun "running" a
    moment after the click that starts it, so idle is checked on both sides of a short
    pause; every caller then waits for the element it needs (the real signal)."""
    page.wait_for_selector(IDLE, timeout=HUNG)
    page.wait_for_timeout(400)
    page.wait_for_selector(IDLE, timeout=HUNG)


def signed_in(browser: Any, url: str, user: str, role: str, **context_options: Any) -> Any:
    """A new browser context signed in as the demo account ``user`` (whose role is ``role``)."""
    from skills.accounts import DEMO_PASSWORDS

    context = browser.new_context(
        **{"viewport": {"width": 1400, "height": 1000}, **context_options}
    )
    context.set_default_timeout(HUNG)
    page = context.new_page()
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
