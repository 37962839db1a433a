"""Issue 11, item 3: HR reviews new issuers in Admin with their context.

A member submits, through the Submit page, a real signed badge from an issuer nobody has
reviewed (a fresh ``did:jwk``). Their Profile shows its skill as "verified, issuer not
yet reviewed"; HR sees the issuer first in Admin with its domain, name, badges, people
and submitter (flagged: only its own recipient vouched for it); trusting it makes the
skill held, distrusting it removes it from both lists.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from openbadgeslib.ob3 import (
    Achievement,
    Alignment,
    IdentityObject,
    Issuer,
    OB3Signer,
    OpenBadgeCredential,
    did_jwk_from_jwk,
)
from streamlit.testing.v1 import AppTest

from skills.demo.personas import PERSONAS
from skills.verify._keys.jose import key_to_jwk
from tests.support import seed
from tests.support.apptools import new_app, sign_in

PYTHON = "Python (computer programming)"
NEW_ISSUER = "Brand New Institute"


def _new_issuer_badge(email: str) -> tuple[str, str]:
    """(issuer DID, a signed VC-JWT for ``email``) from a fresh did:jwk issuer."""
    key = ed25519.Ed25519PrivateKey.generate()
    did = did_jwk_from_jwk(key_to_jwk(key.public_key()))
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    credential = OpenBadgeCredential(
        issuer=Issuer(id=did, name=NEW_ISSUER, url="https://brand-new.example"),
        recipient_id=None,
        achievement=Achievement(
            id="https://brand-new.example/achievements/python",
            name="Python Craft",
            description="Python Craft: demonstrated in practice.",
            criteria_narrative="Passed the practical exam.",
            tags=[],
            achievement_type="Badge",
            alignments=[
                Alignment(
                    target_name=PYTHON, target_url=seed.uri("python"), target_framework="ESCO"
                )
            ],
        ),
        id=f"urn:uuid:{uuid.uuid4()}",
        issuance_date=datetime.now(UTC) - timedelta(days=10),
        expiration_date=None,
        identifiers=[IdentityObject.create(email, salt="s4lt")],
        credential_status=[],
    )
    token: str = OB3Signer(pem, algorithm="EdDSA").sign(credential)
    return did, token


def _skill_tables(at: AppTest) -> tuple[set[str], set[str]]:
    """(held skills, skills "verified, issuer not yet reviewed") on a Profile page."""
    held: set[str] = set()
    pending: set[str] = set()
    for df in at.dataframe:
        frame = df.value
        if "skill" in frame.columns and "first_issued" in frame.columns:
            held |= set(frame["skill"])
        elif "skill" in frame.columns and "issuers" in frame.columns:
            pending |= set(frame["skill"])
    return held, pending


def _issuer_table(at: AppTest) -> pd.DataFrame:
    for df in at.dataframe:
        if "only by their recipients" in df.value.columns:
            return df.value
    raise AssertionError("no issuer table on the Admin page")


def _profile_of_member(hr: AppTest) -> tuple[set[str], set[str]]:
    hr.query_params["person"] = PERSONAS["employee"]
    hr.switch_page("pages/profile.py").run()
    assert not hr.exception, [e.value for e in hr.exception]
    return _skill_tables(hr)


def _decide(hr: AppTest, issuer_id: str, trust: str) -> None:
    hr.query_params.clear()
    hr.switch_page("pages/admin.py").run()
    hr.selectbox(key="iss_pick").set_value(issuer_id).run()
    hr.radio(key="iss_trust").set_value(trust).run()
    hr.button(key="iss_save").click().run()
    assert not hr.exception, [e.value for e in hr.exception]
    assert any(f"now {trust}" in s.value for s in hr.success), [s.value for s in hr.success]


def test_hr_reviews_a_new_issuer_and_the_decision_moves_the_skill(
    app_env: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, accounts = tmp_path / "issuers.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    did, badge = _new_issuer_badge(PERSONAS["employee"].lower() + "@example.org")

    member = sign_in(new_app(), "member")
    member.switch_page("pages/submit.py").run()
    member.text_area(key="badge_text").input(badge).run()
    member.button(key="submit_text").click().run()
    assert not member.exception, [e.value for e in member.exception]
    assert any("Verified" in s.value for s in member.success), [e.value for e in member.error]
    member.switch_page("pages/profile.py").run()
    held, pending = _skill_tables(member)
    assert PYTHON in pending and PYTHON not in held  # shown apart, never counted

    hr = sign_in(new_app(), "hr")
    hr.switch_page("pages/admin.py").run()
    assert not hr.exception, [e.value for e in hr.exception]
    table = _issuer_table(hr)
    awaiting = table[table["trust"].str.startswith("not reviewed")]
    assert list(table.index[: len(awaiting)]) == list(awaiting.index)  # awaiting review first
    assert set(awaiting["name"]) == {NEW_ISSUER, "Open Learning"}
    row = table[table["name"] == NEW_ISSUER].iloc[0]
    assert row["domain"] == "self-made key (did:jwk), no domain"
    assert (row["badges"], row["verified"], row["people"]) == (1, 1, 1)
    assert row["submitted by"] == "member"
    assert row["only by their recipients"].startswith("yes")
    seeded = table[table["name"] == "Open Learning"].iloc[0]
    assert seeded["domain"].startswith("open.example") and not seeded["only by their recipients"]
    assert "awaiting review" in " ".join(hr.selectbox(key="iss_pick").options)

    hr.selectbox(key="iss_pick").set_value(did).run()
    shown = " ".join(m.value for m in hr.markdown) + " ".join(w.value for w in hr.warning)
    shown = re.sub(r"\\(.)", r"\1", shown)  # Markdown escapes of the page's plain()
    assert "self-made key (did:jwk)" in shown and "1 badge(s) here, 1 verified" in shown
    assert "held by 1 person" in shown
    assert "submitted by the person it names" in shown

    _decide(hr, did, "trusted")
    held, pending = _profile_of_member(hr)
    assert PYTHON in held and PYTHON not in pending

    _decide(hr, did, "untrusted")
    held, pending = _profile_of_member(hr)
    assert PYTHON not in held and PYTHON not in pending

    hr.query_params.clear()
    hr.switch_page("pages/admin.py").run()
    audit = next(df.value for df in hr.dataframe if "action" in df.value.columns)
    decisions = audit[(audit["action"] == "issuer.trust") & (audit["subject"] == did)]
    assert len(decisions) == 2 and set(decisions["actor"]) == {"hr"}


def test_issuers_seen_only_on_badges_that_cannot_count_are_listed_apart(
    app_env: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forged badge's issuer has no issuer record (nothing authentic named it): the page
    does not fail on it, lists it apart with what the badge claims, and it cannot be
    trusted from the review form."""
    from skills.store import open_store

    db, accounts = tmp_path / "forged.duckdb", tmp_path / "accounts.toml"
    seed.build(db, accounts)
    store = open_store(db)
    try:
        with store.write() as tx:
            tx.execute(
                "INSERT INTO credentials (credential_key, person_id, submitted_by, format, "
                "status, verified_at, source_sha256, issuer_id, issuer_name) VALUES "
                "('forged-1', ?, 'member', 'ob3-jwt', 'invalid', now(), 'f', "
                "'did:key:z6MkForged', 'Harvard University')",
                [PERSONAS["employee"]],
            )
    finally:
        store.close()
    monkeypatch.setenv("SKILLS_DB", str(db))
    monkeypatch.setenv("SKILLS_ACCOUNTS", str(accounts))
    hr = sign_in(new_app(), "hr")
    hr.switch_page("pages/admin.py").run()
    assert not hr.exception, [e.value for e in hr.exception]
    assert "Harvard University" not in set(_issuer_table(hr)["name"])
    apart = next(df.value for df in hr.dataframe if "name claimed" in df.value.columns)
    assert list(apart["name claimed"]) == ["Harvard University"]
    assert list(apart["domain"]) == ["self-made key (did:key), no domain"]
    assert "did:key:z6MkForged" not in hr.selectbox(key="iss_pick").options


@pytest.mark.parametrize(
    ("issuer_id", "url", "domain"),
    [
        ("https://Badges.Example.org/issuer.json", None, "badges.example.org"),
        ("did:web:example.com%3A8443:issuers:1", None, "example.com:8443"),
        ("did:key:z6MkhaXgBZD", "https://mit.edu", "self-made key (did:key), no domain"),
        ("did:jwk:eyJrdHkiOiJPS1AifQ", None, "self-made key (did:jwk), no domain"),
        ("did:ion:EiClkZ", None, "did:ion identifier, no domain"),
        (
            "urn:uuid:1f2e",
            "https://acme.example/p",
            "acme.example (claimed by the badge, not proven)",
        ),
        ("name:0a1b", None, "no domain"),
    ],
)
def test_an_issuers_domain_says_what_hr_can_rely_on(
    issuer_id: str, url: str | None, domain: str
) -> None:
    from skills.services.admin import _domain

    assert _domain(issuer_id, url) == domain
