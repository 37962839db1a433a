"""The composition root: the app and the command line build the application from Settings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from skills.bootstrap import open_application, serve
from skills.config import Settings
from skills.fetch import HardenedClient, MirrorTransport
from skills.ingest import BatchItem, Mapper, client_factory_for
from skills.ingest.queue import enqueue, spool_dir_for
from tests.support import seed
from tests.support.ingest_helpers import BadgeIssuer


def test_a_job_opens_the_settings_database_and_starts_nothing(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "jobs" / "atlas.duckdb", fetch_max_bytes=10)
    with open_application(settings) as app:
        assert app.store.path == settings.db_path and app.settings is settings
        assert app.drainer is None
        with app.client_factory()() as client:  # not a demo database: the hardened client
            assert isinstance(client, HardenedClient) and client.max_body_bytes == 10
            assert not isinstance(client._transport, MirrorTransport)
    assert app.store.closed


def test_a_demo_databases_clients_keep_the_fetch_settings(tmp_path: Path) -> None:
    """A demo database serves its issuers from files; its clients still get the settings'
    limits (a configured SKILLS_FETCH_MAX_BYTES is not dropped for the demo)."""
    hosted = tmp_path / "demo_hosted"
    hosted.mkdir()
    settings = Settings(db_path=tmp_path / "demo.duckdb", fetch_max_bytes=10)
    with open_application(settings) as app:
        with app.store.write() as tx:
            tx.execute(
                "INSERT INTO app_settings (key, value) VALUES ('demo_hosted', ?)", [str(hosted)]
            )
        factory = client_factory_for(app.store, None, None, settings)
        assert factory is not None
        for make in (factory, app.client_factory()):
            with make() as client:
                assert isinstance(client._transport, MirrorTransport)
                assert getattr(client, "max_body_bytes", None) == 10


def test_the_server_builds_one_application_and_its_drainer_ingests_queued_batches(
    tmp_path: Path, issuer: BadgeIssuer, mapper: Mapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("skills.ingest._batch.skill_mapper", lambda _store: mapper)
    db = tmp_path / "served.duckdb"
    seed.build(db, tmp_path / "accounts.toml")
    settings = Settings(db_path=db, workers=1)
    app = serve(settings)
    try:
        assert serve(settings) is app  # once per process and database file
        assert serve(replace(settings, workers=2)) is app  # never a second writer on one file
        assert app.drainer is not None and app.drainer.is_alive()
        person, email = app.store.rows(
            "SELECT person_id, value FROM identities WHERE kind = 'email' AND NOT hashed "
            "ORDER BY person_id LIMIT 1"
        )[0]
        item = BatchItem(issuer.badge(email), person, "queued while serving")
        enqueue(spool_dir_for(db), [item], submitted_by="cli", settings=settings)
        assert app.drainer.ingested.wait(300), "the drainer never ingested the batch"
        assert (
            app.store.scalar("SELECT count(*) FROM credentials WHERE name = 'queued while serving'")
            == 1
        )
    finally:
        app.close()
    assert app.store.closed and not app.drainer.is_alive()
    again = serve(settings)  # a closed application is rebuilt
    try:
        assert again is not app and not again.store.closed
    finally:
        again.close()
