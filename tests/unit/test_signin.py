"""Sign-in through a provider (skills.signin): settings, roles from groups, the person by a
verified address or a claim, employees and candidates apart, expiry, refusals for HR.
Against a real DuckDB file with the project's migrations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from skills.access import Role, Viewer
from skills.errors import ConfigError
from skills.services.admin import signin_refusals
from skills.signin import (
    EXPIRED,
    NO_PERSON,
    NO_ROLE,
    UNKNOWN_PROVIDER,
    UNVERIFIED,
    WRONG_KIND,
    Refusal,
    parse_policy,
    providers_in,
    record_refusal,
    resolve,
)
from skills.store import Store, open_store

NOW = 1_800_000_000.0
AUTH = {
    "redirect_uri": "https://atlas.example.org/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "atlas",
    "client_secret": "s",
    "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration",
    "talent": {
        "client_id": "atlas-candidates",
        "client_secret": "t",
        "server_metadata_url": "https://accounts.example.com/.well-known/openid-configuration",
    },
}
SIGNIN: dict[str, Any] = {
    "providers": {
        "default": {
            "kind": "employee",
            "roles": {
                "hr": ["atlas-hr"],
                "manager": ["atlas-managers"],
                "recruiter": ["atlas-recruiters"],
                "member": ["atlas-staff"],
            },
        },
        "talent": {"kind": "candidate", "label": "Candidates", "roles": {"member": ["*"]}},
    }
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "signin.duckdb")
    with s.write() as tx:
        tx.insert_frame(
            "teams",
            pd.DataFrame(
                [("web", "Web", "team", None, "Engineering", "m1")],
                columns=["team_id", "name", "kind", "parent_id", "department", "lead_person_id"],
            ),
        )
        tx.insert_frame(
            "people",
            pd.DataFrame(
                [
                    ("m1", "Mia Lead", "employee", "web"),
                    ("e1", "Eli Staff", "employee", "web"),
                    ("c1", "Cem Candidate", "candidate", None),
                ],
                columns=["person_id", "display_name", "kind", "team_id"],
            ),
        )
        tx.insert_frame(
            "identities",
            pd.DataFrame(
                {
                    "person_id": ["m1", "e1", "c1"],
                    "kind": "email",
                    "value": ["mia@example.org", "eli@example.org", "cem@mail.example"],
                }
            ),
        )
    yield s
    s.close()


def claims(email: str, groups: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "provider": "default",
        "sub": f"sub-{email}",
        "email": email,
        "email_verified": True,
        "groups": groups,
        "exp": NOW + 600,
        **extra,
    }


def test_providers_are_read_from_streamlits_auth_section() -> None:
    assert providers_in(AUTH) == ["default", "talent"]
    assert providers_in({"redirect_uri": "x", "cookie_secret": "y"}) == []


def test_local_accounts_are_off_once_a_provider_is_configured() -> None:
    assert parse_policy(SIGNIN, AUTH).local_accounts is False
    assert parse_policy({**SIGNIN, "local_accounts": True}, AUTH).local_accounts is True
    assert parse_policy({}, {}).local_accounts is True  # no provider: local accounts


@pytest.mark.parametrize(
    ("signin", "message"),
    [
        ({"providers": {"default": SIGNIN["providers"]["default"]}}, "talent"),
        ({"providers": {**SIGNIN["providers"], "okta": {"roles": {}}}}, "okta"),
        (
            {"providers": {**SIGNIN["providers"], "default": {"roles": {"admin": ["x"]}}}},
            "not a role",
        ),
        (
            {"providers": {**SIGNIN["providers"], "default": {"roles": {"hr": "x"}, "kind": "x"}}},
            "kind",
        ),
        (
            {
                "providers": {
                    **SIGNIN["providers"],
                    "talent": {"kind": "candidate", "roles": {"hr": ["*"]}},
                }
            },
            "only the member role",
        ),
        (
            {
                "providers": {
                    **SIGNIN["providers"],
                    "default": {"roles": {"hr": ["a"]}, "match": "upn"},
                }
            },
            "claim:NAME",
        ),
        ({**SIGNIN, "local_accounts": "yes"}, "true or false"),
    ],
)
def test_settings_mistakes_are_config_errors_naming_the_setting(
    signin: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_policy(signin, AUTH)


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["atlas-staff"], Role.MEMBER),
        (["atlas-recruiters", "atlas-staff"], Role.RECRUITER),
        (["atlas-staff", "atlas-managers"], Role.MANAGER),
        (["other", "atlas-hr", "atlas-managers"], Role.HR),
    ],
)
def test_the_most_powerful_mapped_group_gives_the_role(
    store: Store, groups: list[str], role: Role
) -> None:
    viewer = resolve(store, parse_policy(SIGNIN, AUTH), claims("mia@example.org", groups), now=NOW)
    assert isinstance(viewer, Viewer)
    assert (viewer.role, viewer.person_id, viewer.name) == (role, "m1", "Mia Lead")
    if role is Role.MANAGER:  # the team scope comes from the people table, as for accounts
        assert viewer.team_ids == frozenset({"web"})


def test_no_mapped_group_is_refused_not_given_the_member_view(store: Store) -> None:
    out = resolve(store, parse_policy(SIGNIN, AUTH), claims("eli@example.org", ["sales"]), now=NOW)
    assert isinstance(out, Refusal) and out.reason == NO_ROLE
    assert "ask HR for access" in out.sentence
    out = resolve(store, parse_policy(SIGNIN, AUTH), claims("eli@example.org", []), now=NOW)
    assert isinstance(out, Refusal) and out.reason == NO_ROLE


def test_an_unverified_address_never_matches_a_person(store: Store) -> None:
    policy = parse_policy(SIGNIN, AUTH)
    for verified in (False, None, "false"):
        c = claims("mia@example.org", ["atlas-hr"], email_verified=verified)
        out = resolve(store, policy, c, now=NOW)
        assert isinstance(out, Refusal) and out.reason == UNVERIFIED
    # A provider that issues directory addresses only may be trusted explicitly.
    trusted = {"providers": {**SIGNIN["providers"]}}
    trusted["providers"]["default"] = {**SIGNIN["providers"]["default"], "trust_email": True}
    c = claims("mia@example.org", ["atlas-hr"], email_verified=None)
    assert isinstance(resolve(store, parse_policy(trusted, AUTH), c, now=NOW), Viewer)


def test_an_identity_matching_nobody_is_refused(store: Store) -> None:
    out = resolve(
        store, parse_policy(SIGNIN, AUTH), claims("new@example.org", ["atlas-staff"]), now=NOW
    )
    assert isinstance(out, Refusal) and out.reason == NO_PERSON
    assert "new@example.org" in out.sentence


def test_a_configured_claim_matches_the_person_id(store: Store) -> None:
    by_id = {"providers": {**SIGNIN["providers"]}}
    by_id["providers"]["default"] = {**SIGNIN["providers"]["default"], "match": "claim:employee_id"}
    policy = parse_policy(by_id, AUTH)
    c = claims("whatever@example.org", ["atlas-staff"], email_verified=False, employee_id="e1")
    viewer = resolve(store, policy, c, now=NOW)
    assert isinstance(viewer, Viewer) and viewer.person_id == "e1"
    out = resolve(store, policy, claims("x@example.org", ["atlas-staff"]), now=NOW)
    assert isinstance(out, Refusal) and out.reason == NO_PERSON and "employee_id" in out.sentence


def test_employees_and_candidates_sign_in_apart(store: Store) -> None:
    policy = parse_policy(SIGNIN, AUTH)
    # A candidate at the employees' provider, and an employee at the candidates' one.
    out = resolve(store, policy, claims("cem@mail.example", ["atlas-staff"]), now=NOW)
    assert isinstance(out, Refusal) and out.reason == WRONG_KIND
    out = resolve(store, policy, claims("eli@example.org", [], provider="talent"), now=NOW)
    assert isinstance(out, Refusal) and out.reason == WRONG_KIND
    viewer = resolve(store, policy, claims("cem@mail.example", [], provider="talent"), now=NOW)
    assert isinstance(viewer, Viewer)
    assert (viewer.role, viewer.person_id) == (Role.MEMBER, "c1")


def test_an_expired_token_or_unknown_provider_is_refused(store: Store) -> None:
    policy = parse_policy(SIGNIN, AUTH)
    c = claims("eli@example.org", ["atlas-staff"], exp=NOW - 301)
    out = resolve(store, policy, c, now=NOW, skew_seconds=300)
    assert isinstance(out, Refusal) and out.reason == EXPIRED
    c = claims("eli@example.org", ["atlas-staff"], exp=NOW - 299)
    assert isinstance(resolve(store, policy, c, now=NOW, skew_seconds=300), Viewer)
    c = claims("eli@example.org", ["atlas-staff"], provider="github")
    out = resolve(store, policy, c, now=NOW)
    assert isinstance(out, Refusal) and out.reason == UNKNOWN_PROVIDER


def test_a_person_removed_from_the_database_loses_access_at_once(store: Store) -> None:
    policy = parse_policy(SIGNIN, AUTH)
    c = claims("eli@example.org", ["atlas-staff"])
    assert isinstance(resolve(store, policy, c, now=NOW), Viewer)
    with store.write() as tx:
        tx.execute("DELETE FROM identities WHERE person_id = 'e1'")
        tx.execute("DELETE FROM people WHERE person_id = 'e1'")
    out = resolve(store, policy, c, now=NOW)
    assert isinstance(out, Refusal) and out.reason == NO_PERSON


def test_refusals_are_recorded_once_per_subject_and_reason_for_hr(store: Store) -> None:
    policy = parse_policy(SIGNIN, AUTH)
    out = resolve(store, policy, claims("eli@example.org", ["sales"]), now=NOW)
    assert isinstance(out, Refusal)
    for day in (1, 2):
        record_refusal(store, out, now=datetime(2026, 12, day, tzinfo=UTC))
    hr = Viewer("hr", Role.HR)
    rows = signin_refusals(store, hr)
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["email"], row["reason"], row["attempts"]) == ("eli@example.org", NO_ROLE, 2)
    assert row["last_seen"].day == 2 and row["first_seen"].day == 1
    with pytest.raises(Exception, match="role"):
        signin_refusals(store, Viewer("eli", Role.MEMBER, person_id="e1"))
