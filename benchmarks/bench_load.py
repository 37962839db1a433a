"""Many users, one writer: browser sessions on a running app while a queued batch is ingested.

The scenario (:func:`run_scenario`; its small, correctness-only version is
``tests/e2e/test_live_queue.py``):

1. a small organisation (``tests/support/seed.py``) and N real signed badges (openbadgeslib
   VC-JWT, each for a person on record, each aligned to an ESCO skill);
2. ``streamlit run app.py`` on a free loopback port, holding the database;
3. S browser sessions (Playwright pages in one headless Debian chromium, each in its
   own context, so S Streamlit sessions) sign in with the demo accounts of every role
   and keep opening every page of their menu;
4. meanwhile a second process submits the batch the way ``python -m skills ingest``
   does while the app runs (``skills.ingest.queue.open_or_enqueue``: the database is held,
   so the batch is spooled) and the app's drainer thread ingests it;
5. when the spool is empty the sessions stop, the server is stopped and the database
   is opened and counted.

``rows()`` reports the drain time under load against the same batch ingested by
``ingest_batch`` in a process of its own with nobody browsing (the peer).
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
LOCK_WORDS = ("database is locked", "conflicting lock", "could not set lock")
ROLES = ("hr", "manager", "recruiter", "member", "candidate")
THINK_MS = 5000  # pause after each page, as a reader would

if str(ROOT) not in sys.path:  # the shared test helpers are the package tests.support
    sys.path.insert(0, str(ROOT))

from tests.support.live_server import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    start_server,
    stop_server,
)
from tests.support.queued_batch import (  # noqa: E402
    build_inputs,
    enqueue_from_another_process,
    stored_counts,
)


@dataclass
class LoadResult:
    """What one run measured."""

    sessions: int
    badges: int
    page_views: int = 0
    views_during_ingest: int = 0
    sessions_active_during_ingest: int = 0
    errors: list[str] = field(default_factory=list)
    drain_seconds: float = 0.0
    stored: int = 0
    distinct: int = 0
    verified: int = 0
    submit_audits: int = 0
    rejected: int = 0
    server_log_problems: list[str] = field(default_factory=list)
    total_seconds: float = 0.0


async def _settle(page: Any) -> None:
    await page.wait_for_selector(IDLE, timeout=120_000)
    await page.wait_for_timeout(300)
    await page.wait_for_selector(IDLE, timeout=120_000)


async def _problems(page: Any) -> list[str]:
    # all_inner_texts() reads a snapshot: an element that goes away meanwhile is no error.
    found = [
        "exception: " + text[:200]
        for text in await page.locator("[data-testid='stException']").all_inner_texts()
    ]
    for text in await page.locator("[data-testid='stAlertContentError']").all_inner_texts():
        if not text.lstrip().startswith("✗"):  # "✗ Revoked." is a badge's status, not a failure
            found.append("error: " + text[:200])
    app_text = " ".join(await page.locator("[data-testid='stApp']").all_inner_texts()).lower()
    found.extend(f"lock: {w}" for w in LOCK_WORDS if w in app_text)
    return found


async def _session(
    browser: Any, url: str, user: str, state: dict[str, Any], result: LoadResult, n: int
) -> None:
    from skills.access import PAGE_TITLES, PAGES, Role
    from skills.accounts import DEMO_PASSWORDS

    role = Role.MEMBER if user == "candidate" else Role(user)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(300_000)  # a loaded machine is slow, not broken
    page = await context.new_page()
    counted = False
    try:
        await page.goto(url)
        await _settle(page)
        await page.get_by_role("textbox", name="User name").fill(user)
        await page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORDS[user])
        await page.get_by_role("button", name="Sign in").click()
        await _settle(page)
        await page.get_by_text(f"role: {role.value}").wait_for(timeout=120_000)
        state["signed_in"] += 1
        pages = PAGES[role]
        i = n  # sessions start on different pages
        name = "sign-in"
        while not state["stop"]:
            name = pages[i % len(pages)]
            i += 1
            link = page.locator("[data-testid='stSidebarNav'] a", has_text=PAGE_TITLES[name])
            await link.first.click()
            await _settle(page)
            await page.wait_for_timeout(THINK_MS)  # a person reads the page
            result.page_views += 1
            if state["ingesting"]:
                result.views_during_ingest += 1
                if not counted:
                    counted = True
                    result.sessions_active_during_ingest += 1
            for problem in await _problems(page):
                result.errors.append(f"{user}#{n} {name}: {problem}")
    except Exception as err:  # a session that dies is a failure of the run, not of the harness
        where = locals().get("name", "sign-in")
        result.errors.append(f"{user}#{n} {where}: session failed: {str(err)[:160]!r}")
    finally:
        await context.close()


async def _scenario(
    url: str, db: Path, sheet: Path, sessions: int, result: LoadResult, timeout: float
) -> None:
    from playwright.async_api import async_playwright

    from skills.ingest.queue import pending, spool_dir_for

    state: dict[str, Any] = {"stop": False, "ingesting": False, "signed_in": 0}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tasks = [
            asyncio.create_task(_session(browser, url, ROLES[n % len(ROLES)], state, result, n))
            for n in range(sessions)
        ]
        # Readiness, not time: every session signed in (or died). A signed-in session means
        # the app has opened the database, so the batch below must be queued.
        while state["signed_in"] < sessions and not all(t.done() for t in tasks):
            await asyncio.sleep(0.5)
        if state["signed_in"] == 0:
            state["stop"] = True
            await asyncio.gather(*tasks)
            await browser.close()
            return
        start = time.monotonic()
        state["ingesting"] = True
        await asyncio.to_thread(enqueue_from_another_process, db, sheet)
        spool = spool_dir_for(db)
        while pending(spool) and time.monotonic() - start < timeout:
            await asyncio.sleep(0.5)
        result.drain_seconds = time.monotonic() - start
        if pending(spool):
            result.errors.append(f"the queue was not drained within {timeout:.0f} s")
        state["ingesting"] = False
        await asyncio.sleep(3)  # one more round of pages on the new data
        state["stop"] = True
        await asyncio.gather(*tasks)
        await browser.close()


def run_scenario(
    folder: Path, *, sessions: int = 20, badges: int = 5000, timeout: float = 240.0
) -> LoadResult:
    """Run the scenario in ``folder`` (a fresh temporary folder) and return what it measured."""
    begin = time.monotonic()
    result = LoadResult(sessions=sessions, badges=badges)
    inputs = build_inputs(folder, badges)
    db, sheet = inputs.db, inputs.sheet
    proc, url = start_server(db, inputs.accounts, folder)
    try:
        asyncio.run(_scenario(url, db, sheet, sessions, result, timeout))
    finally:
        stop_server(proc, timeout=20)
    log = (folder / "streamlit.log").read_text(errors="replace")
    for line in log.splitlines():
        low = line.lower()
        if "traceback" in low or any(w in low for w in LOCK_WORDS):
            result.server_log_problems.append(line[:300])
    counts = stored_counts(db)
    result.stored, result.distinct = counts["stored"], counts["distinct"]
    result.verified, result.submit_audits = counts["verified"], counts["submit_audits"]
    result.rejected = counts["rejected"]
    result.total_seconds = time.monotonic() - begin
    return result


def baseline_seconds(folder: Path, badges: int) -> float:
    """The same batch ingested by ``ingest_batch`` in this process, with nobody browsing."""
    from skills.ingest import expand_batch, ingest_batch
    from skills.store import open_store

    inputs = build_inputs(folder, badges)
    with open_store(inputs.db) as store:
        items = expand_batch(inputs.sheet)
        start = time.monotonic()
        ingest_batch(store, items, submitted_by="load", workers=1)
        return time.monotonic() - start


def rows() -> list[dict[str, Any]]:
    import tempfile

    if not CHROMIUM.exists():
        return [
            {
                "what": "load: skipped (no /usr/bin/chromium)",
                "size": "",
                "ours": "",
                "peer": "",
                "ratio": "",
            }
        ]
    badges, sessions = 5000, 20
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a").mkdir()
        (Path(tmp) / "b").mkdir()
        loaded = run_scenario(Path(tmp) / "a", sessions=sessions, badges=badges)
        alone = baseline_seconds(Path(tmp) / "b", badges)
    ok = not loaded.errors and loaded.distinct == badges == loaded.submit_audits
    return [
        {
            "what": "queued batch drained by the app under browsing load vs ingest_batch alone",
            "size": f"{badges:,} badges, {sessions} sessions",
            "ours": f"{loaded.drain_seconds:.1f} s ({badges / loaded.drain_seconds:,.0f}/s)",
            "peer": f"{alone:.1f} s ({badges / alone:,.0f}/s)",
            "ratio": f"{loaded.drain_seconds / alone:.2f}x",
        },
        {
            "what": "page views while ingesting (errors, lock messages)",
            "size": f"{sessions} sessions",
            "ours": f"{loaded.views_during_ingest:,} views, {len(loaded.errors)} errors",
            "peer": "",
            "ratio": "all stored once" if ok else "FAILED",
        },
    ]


if __name__ == "__main__":
    for row in rows():
        print(row)
