"""Sign-in through an identity provider (OIDC): who the signed-in identity is here.

The app's edge (``pages/_ui/session.py``) hands this module the provider's claims (the
ID token's, as ``st.user`` holds them) and the ``[signin]`` settings; this module decides,
without Streamlit:

- **the role**, from the provider's groups (or app roles) claim mapped in the settings;
  several mapped groups give the most powerful role (hr, manager, recruiter, member);
  none gives a refusal ("ask HR for access"), never the member view;
- **the person**, by the verified e-mail address (``email_verified`` must be true unless
  the provider is marked as issuing only directory addresses) or by a configured claim
  holding the person id (``match = "claim:employee_id"``); an identity matching nobody is
  refused, and the refusal is recorded for HR (:func:`record_refusal`, listed in Admin);
- **employees and candidates stay apart**: each provider names the kind of people it may
  sign in (``kind``), so a candidate's account at a second provider never reaches an
  employee, nor the other way round;
- **freshness**: an expired ID token is refused, so a session re-checked on every rerun
  ends when the provider's token does; a person removed from the database, or whose
  groups no longer map to a role at the next sign-in, has no access.

Settings (``.streamlit/secrets.toml``, next to Streamlit's ``[auth]``)::

    [signin]
    local_accounts = false          # default: off once a provider is configured

    [signin.providers.default]      # "default" is ``[auth]`` itself; else ``[auth.NAME]``
    label = "Sign in with Contoso"
    kind = "employee"               # or "candidate"
    match = "email"                 # or "claim:NAME" (the claim holds the person id)
    groups_claim = "groups"         # Entra ID app roles: "roles"
    trust_email = false             # true: the provider issues directory addresses only

    [signin.providers.default.roles]
    hr = ["atlas-hr"]
    manager = ["atlas-managers"]
    recruiter = ["atlas-recruiters"]
    member = ["atlas-staff"]        # "*": everyone this provider signs in
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from skills.access import Role, Viewer, make_viewer
from skills.errors import AccessDenied, ConfigError
from skills.store import Store

#: The roles from the most to the least powerful: several mapped groups give the first.
ROLE_ORDER = (Role.HR, Role.MANAGER, Role.RECRUITER, Role.MEMBER)
KINDS = ("employee", "candidate")
#: Why a sign-in was refused (the ``reason`` column of ``signin_refusals``).
NO_ROLE = "no_role"
NO_PERSON = "no_person"
UNVERIFIED = "unverified_email"
WRONG_KIND = "wrong_kind"
EXPIRED = "expired"
UNKNOWN_PROVIDER = "unknown_provider"


@dataclass(frozen=True)
class ProviderPolicy:
    """How one provider's identities become people and roles (see module docstring)."""

    name: str
    label: str
    kind: str = "employee"
    match: str = "email"
    groups_claim: str = "groups"
    trust_email: bool = False
    roles: Mapping[str, Role] = field(default_factory=dict)  # group -> role ("*": anyone)


@dataclass(frozen=True)
class SignInPolicy:
    """Every configured provider, and whether local accounts stay on beside them."""

    providers: Mapping[str, ProviderPolicy]
    local_accounts: bool


@dataclass(frozen=True)
class Refusal:
    """A signed-in identity Skill Atlas does not let in: why, in one sentence, and who."""

    reason: str
    sentence: str
    provider: str
    subject: str
    email: str


def providers_in(auth: Mapping[str, Any]) -> list[str]:
    """The provider names Streamlit's ``[auth]`` section configures: ``default`` when it
    names a client itself, and each ``[auth.NAME]`` table that does."""
    names = ["default"] if "client_id" in auth else []
    names += [k for k, v in auth.items() if isinstance(v, Mapping) and "client_id" in v]
    return names


def parse_policy(signin: Mapping[str, Any], auth: Mapping[str, Any]) -> SignInPolicy:
    """The ``[signin]`` settings checked against ``[auth]``'s providers. Raises
    :class:`ConfigError` with the setting to fix: a provider without a role mapping would
    let nobody in, and a role mapping naming no provider is a typo."""
    configured = providers_in(auth)
    tables = signin.get("providers", {})
    if not isinstance(tables, Mapping):
        raise ConfigError("[signin.providers] must be a table of providers.")
    unknown = sorted(set(tables) - set(configured))
    if unknown:
        raise ConfigError(
            f"[signin.providers.{unknown[0]}] names no provider configured under [auth] "
            f"(configured: {', '.join(configured) or 'none'})."
        )
    providers = {}
    for name in configured:
        table = tables.get(name)
        if not isinstance(table, Mapping):
            raise ConfigError(
                f"The sign-in provider {name!r} has no [signin.providers.{name}] settings: "
                "say which of its groups give which role (see the README, 'Sign-in')."
            )
        providers[name] = _provider(name, table)
    local = signin.get("local_accounts", not providers)
    if not isinstance(local, bool):
        raise ConfigError("[signin] local_accounts must be true or false.")
    return SignInPolicy(providers, local)


def _provider(name: str, table: Mapping[str, Any]) -> ProviderPolicy:
    where = f"[signin.providers.{name}]"
    kind = str(table.get("kind", "employee"))
    if kind not in KINDS:
        raise ConfigError(f"{where} kind must be 'employee' or 'candidate', not {kind!r}.")
    match = str(table.get("match", "email"))
    if match != "email" and not (match.startswith("claim:") and len(match) > len("claim:")):
        raise ConfigError(f"{where} match must be 'email' or 'claim:NAME', not {match!r}.")
    roles_table = table.get("roles")
    if not isinstance(roles_table, Mapping) or not roles_table:
        raise ConfigError(f"{where} needs a roles table: role = [groups].")
    roles: dict[str, Role] = {}
    for role_name, groups in roles_table.items():
        try:
            role = Role(role_name)
        except ValueError:
            raise ConfigError(
                f"{where} roles: {role_name!r} is not a role (hr, manager, recruiter, member)."
            ) from None
        if kind == "candidate" and role is not Role.MEMBER:
            raise ConfigError(f"{where} signs in candidates: only the member role fits them.")
        if isinstance(groups, str):
            groups = [groups]
        if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
            raise ConfigError(f"{where} roles.{role_name} must be a list of group names.")
        for group in groups:
            # The most powerful role wins when one group is mapped twice.
            if group not in roles or ROLE_ORDER.index(role) < ROLE_ORDER.index(roles[group]):
                roles[group] = role
    trust = table.get("trust_email", False)
    if not isinstance(trust, bool):
        raise ConfigError(f"{where} trust_email must be true or false.")
    return ProviderPolicy(
        name=name,
        label=str(table.get("label") or "Sign in with your organisation account"),
        kind=kind,
        match=match,
        groups_claim=str(table.get("groups_claim", "groups")),
        trust_email=trust,
        roles=roles,
    )


def _groups(claims: Mapping[str, Any], claim: str) -> list[str]:
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


def role_for(policy: ProviderPolicy, claims: Mapping[str, Any]) -> Role | None:
    """The most powerful role the identity's groups map to, or None."""
    found = [policy.roles[g] for g in _groups(claims, policy.groups_claim) if g in policy.roles]
    if "*" in policy.roles:
        found.append(policy.roles["*"])
    return min(found, key=ROLE_ORDER.index) if found else None


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def resolve(
    store: Store,
    policy: SignInPolicy,
    claims: Mapping[str, Any],
    *,
    now: float,
    skew_seconds: int = 0,
) -> Viewer | Refusal:
    """The viewer for a signed-in identity (``claims``: the ID token's, with Streamlit's
    ``provider``), or the :class:`Refusal` saying why not. Pure but for reads."""
    name = str(claims.get("provider") or "default")
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()

    def refuse(reason: str, sentence: str) -> Refusal:
        return Refusal(reason, sentence, name, subject, email)

    provider = policy.providers.get(name)
    if provider is None:
        return refuse(UNKNOWN_PROVIDER, "This sign-in provider is not set up for Skill Atlas.")
    exp = claims.get("exp")
    if isinstance(exp, int | float) and exp + skew_seconds < now:
        return refuse(EXPIRED, "Your organisation sign-in has expired: please sign in again.")
    role = role_for(provider, claims)
    if role is None:
        return refuse(
            NO_ROLE,
            "You are signed in at your organisation, but your account is in no group that "
            "gives access to Skill Atlas: ask HR for access.",
        )
    try:
        person_id, kind = _person(store, provider, claims, email)
    except _Refused as why:
        return refuse(why.reason, why.sentence)
    if kind != provider.kind:
        return refuse(
            WRONG_KIND,
            f"This sign-in is for {provider.kind}s, and your account belongs to a {kind}: "
            "use the sign-in meant for you.",
        )
    account = email or f"{name}:{subject}"
    try:
        return make_viewer(store, account=account, role=role.value, person_id=person_id)
    except AccessDenied as err:  # the person left between the two reads
        return refuse(NO_PERSON, str(err))


class _Refused(Exception):
    """Why :func:`_person` found nobody (``resolve`` turns it into a :class:`Refusal`)."""

    def __init__(self, reason: str, sentence: str) -> None:
        super().__init__(sentence)
        self.reason, self.sentence = reason, sentence


def _person(
    store: Store, provider: ProviderPolicy, claims: Mapping[str, Any], email: str
) -> tuple[str, str]:
    """(person id, kind) of the identity; raises :class:`_Refused` when there is none."""
    if provider.match == "email":
        if not email:
            raise _Refused(NO_PERSON, "Your sign-in carries no e-mail address: ask HR.")
        if not (provider.trust_email or _is_true(claims.get("email_verified"))):
            raise _Refused(
                UNVERIFIED,
                "Your organisation has not verified your e-mail address, so it cannot "
                "identify you here: ask your IT team to verify it, or HR for access.",
            )
        found = store.read(
            "SELECT p.person_id, p.kind FROM identities i JOIN people p USING (person_id) "
            "WHERE i.kind = 'email' AND i.value = ? AND NOT i.hashed",
            [email],
        )
        what = email
    else:
        claim = provider.match.removeprefix("claim:")
        value = claims.get(claim)
        if not isinstance(value, str | int) or not str(value).strip():
            raise _Refused(
                NO_PERSON, f"Your sign-in carries no {claim}, which identifies you here: ask HR."
            )
        what = str(value).strip()
        found = store.read("SELECT person_id, kind FROM people WHERE person_id = ?", [what])
    if found.empty:
        raise _Refused(
            NO_PERSON,
            f"Your organisation account ({what}) is not linked to anyone in Skill Atlas: "
            "ask HR to add you.",
        )
    return str(found.iloc[0]["person_id"]), str(found.iloc[0]["kind"])


def record_refusal(store: Store, refusal: Refusal, *, now: datetime | None = None) -> None:
    """Remember a refused sign-in for HR (Admin): one row per provider, subject and reason,
    counting attempts."""
    moment = now or datetime.now(UTC)
    with store.write() as tx:
        tx.upsert(
            "signin_refusals",
            {
                "provider": refusal.provider,
                "subject": refusal.subject or refusal.email,
                "email": refusal.email,
                "reason": refusal.reason,
                "sentence": refusal.sentence,
                "first_seen": moment,
                "last_seen": moment,
                "attempts": 1,
            },
            keys=["provider", "subject", "reason"],
            update={
                "email": "given.email",
                "sentence": "given.sentence",
                "last_seen": "given.last_seen",
                "attempts": "stored.attempts + 1",
            },
        )
