"""JSON Schema validation of Open Badges 3.0 credentials against the bundled 1EdTech schema.

The schema (``schemas/ob_v3p0_achievementcredential_schema.json``, draft 2019-09, pinned by
SHA-256) is never fetched. It describes the AchievementCredential (= OpenBadgeCredential) and,
in its ``$defs``, the EndorsementCredential; both are validated from this one file.

Policy (decided from the OB 3.0 specification and the 1EdTech conformance corpus):

- Every OpenBadgeCredential/AchievementCredential and EndorsementCredential is validated, whether
  or not it names the schema in ``credentialSchema``: the 1EdTech validator does the same with
  its canonical schema, and the schema is the specification's own statement of the data model.
- The schema types several properties as arrays (``type``, ``proof``, ``credentialSchema`` ...)
  where the data model also allows a single value, as many issuers emit. A single value is
  treated as a one-element array before validating (:func:`coerce_to_schema`).
- The schema is written for VC Data Model 2.0 (its ``@context`` must start with the v2
  context, ``validFrom`` is required). A VC 1.1 credential differs from it by its data model
  version alone in exactly two ways, which are excused: its first ``@context`` is the VC 1.1
  context, and it dates itself with ``issuanceDate``/``expirationDate`` instead of
  ``validFrom``/``validUntil``. Each credential in the document (the badge and any embedded
  endorsement) whose first context is VC 1.1 is read as its 2.0 equivalent before validating
  (:func:`as_vc2`); every other schema error fails the check exactly as for VC 2.0 (an issuer
  ``image`` given as a bare string is not excused).
- A ``credentialSchema`` naming a schema that is not bundled is never fetched (every URL in a
  badge is attacker-chosen): the check says so in a warning.

The compiled validator is built once per process and reused. The one JSON Schema engine is
``jsonschema_rs`` (compiled); :func:`schema_errors` gives other modules the same engine for
their own bundled schemas.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import jsonschema_rs

from skills.errors import ConfigError
from skills.verify._model import Check, CheckName, failed, passed, warning

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
ACHIEVEMENT_SCHEMA_FILE = SCHEMA_DIR / "ob_v3p0_achievementcredential_schema.json"
ACHIEVEMENT_SCHEMA_SHA256 = "859e405b592d93c3261fe899362f4128801140d4d20c01502a066b3540483d95"

_PURL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/"
ACHIEVEMENT_SCHEMA_URLS = frozenset(
    {
        _PURL + "json/ob_v3p0_achievementcredential_schema.json",
        _PURL + "json-ld/ob_v3p0_achievementcredential_schema.json",
        _PURL + "achievementcredential.json",  # pre-final URL still used by VC 1.1 examples
    }
)
ENDORSEMENT_SCHEMA_URLS = frozenset(
    {
        _PURL + "json/ob_v3p0_endorsementcredential_schema.json",
        _PURL + "json-ld/ob_v3p0_endorsementcredential_schema.json",
        _PURL + "endorsementcredential.json",
    }
)
BUNDLED_SCHEMA_URLS = ACHIEVEMENT_SCHEMA_URLS | ENDORSEMENT_SCHEMA_URLS

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
# VC 1.1 date properties and the VC 2.0 ones the schema requires in their place.
_VC1_DATES = (("issuanceDate", "validFrom"), ("expirationDate", "validUntil"))
_MAX_DEPTH = 64
_MAX_ERRORS_SHOWN = 3


@lru_cache(maxsize=1)
def _schema_document() -> dict[str, Any]:
    """The bundled schema, after checking its pinned SHA-256; ConfigError if it was altered."""
    data = ACHIEVEMENT_SCHEMA_FILE.read_bytes()
    if hashlib.sha256(data).hexdigest() != ACHIEVEMENT_SCHEMA_SHA256:
        raise ConfigError(f"The bundled OB 3.0 schema {ACHIEVEMENT_SCHEMA_FILE.name} was altered.")
    doc: dict[str, Any] = json.loads(data)
    return doc


def _schema_for(kind: str) -> dict[str, Any]:
    root = _schema_document()
    if kind == "achievement":
        return root
    schema = dict(root["$defs"]["EndorsementCredential"])
    schema["$defs"] = root["$defs"]
    schema["$schema"] = root["$schema"]
    return schema


def _refuse_retrieval(uri: str) -> Any:
    """The validators' retriever: a schema outside the bundled documents is never fetched."""
    raise ValueError(f"The schema {uri[:100]} is not bundled and is never fetched.")


@lru_cache(maxsize=4)
def _validator(kind: str) -> Callable[[Any], list[tuple[str, str]]]:
    """A compiled draft 2019-09 validator for ``"achievement"`` or ``"endorsement"``: a
    function from an instance to its errors as (path, message), sorted by path.

    ``format`` is an annotation only (dates are read and checked by the structure and
    validity checks).
    """
    fast = jsonschema_rs.Draft201909Validator(
        _schema_for(kind), validate_formats=False, retriever=_refuse_retrieval
    )

    def run(instance: Any) -> list[tuple[str, str]]:
        if fast.is_valid(instance):
            return []
        errors = [
            ("/".join(str(p) for p in e.instance_path), e.message)
            for e in fast.iter_errors(instance)
        ]
        return sorted(errors)

    return run


def schema_errors(instance: Any, schema: Mapping[str, Any]) -> list[str]:
    """The messages of every way ``instance`` breaks ``schema`` (a bundled schema, its draft
    read from its ``$schema``), sorted; an empty list when it conforms.

    ``format`` is an annotation only, as for the OB 3.0 schema. Nothing is ever fetched: a
    schema with a remote ``$ref`` raises ``jsonschema_rs.ValidationError`` when compiled.
    """
    validator = jsonschema_rs.validator_for(
        dict(schema), validate_formats=False, retriever=_refuse_retrieval
    )
    return sorted(e.message for e in validator.iter_errors(instance))


def _resolve(node: Any, root: Mapping[str, Any]) -> Any:
    """Follow local ``$ref`` pointers (``#/$defs/X``) of the bundled schema."""
    seen = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 16:
        ref: str = node["$ref"]
        if not ref.startswith("#/"):
            return node
        target: Any = root
        for part in ref[2:].split("/"):
            if not isinstance(target, Mapping) or part not in target:
                return node
            target = target[part]
        node = target
        seen += 1
    return node


def _json_type(value: Any) -> str:
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null"


def _branch_accepts(branch: Any, kind: str, root: Mapping[str, Any]) -> bool:
    branch = _resolve(branch, root)
    if not isinstance(branch, Mapping):
        return False
    wanted = branch.get("type")
    if wanted is None:
        return "properties" in branch if kind == "object" else True
    types = wanted if isinstance(wanted, list) else [wanted]
    return kind in types or (kind == "number" and "integer" in types)


@dataclass(frozen=True)
class _Plan:
    """What coercion needs of one schema node, prepared once (the schema never changes).

    ``changes`` is False when no value under this node can ever be coerced (no ``array``
    type anywhere below it): such values are left as they are without walking them.
    ``props`` holds only the properties whose values can change.
    """

    all_of: tuple[Any, ...]
    branches: tuple[Any, ...]
    wants_array: bool
    items: Any
    extra: Any
    props: tuple[tuple[str, Any], ...]
    changes: bool


_PLANS: dict[int, _Plan | None] = {}
_PLANS_LOCK = threading.Lock()


def _raw_plan(node: Any, root: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """(all_of, branches, wants_array, items, extra, props) of a schema node, or None."""
    target = _resolve(node, root)
    if not isinstance(target, Mapping):
        return None
    branches: tuple[Any, ...] = ()
    for name in ("oneOf", "anyOf"):
        if target.get(name):
            branches = tuple(target[name])
            break
    props = target.get("properties")
    return (
        tuple(target.get("allOf", ())),
        branches,
        target.get("type") == "array",
        target.get("items"),
        target.get("additionalItems"),
        tuple(props.items()) if isinstance(props, Mapping) else (),
    )


def _children(raw: tuple[Any, ...]) -> list[Any]:
    all_of, branches, _wants, items, extra, props = raw
    kids: list[Any] = [*all_of, *branches, *(v for _, v in props)]
    if isinstance(items, list):
        kids.extend(items)
    elif items is not None:
        kids.append(items)
    if extra is not None:
        kids.append(extra)
    return kids


def _build_plans(root: Mapping[str, Any]) -> None:
    """Prepare the plan of every node reachable from the schema's credential types.

    Whether a node ``changes`` is the least fixpoint of "wants an array, or a child
    changes" over the (recursive) schema graph.
    """
    starts: list[Any] = [root, root["$defs"]["EndorsementCredential"]]
    raws: dict[int, tuple[Any, tuple[Any, ...] | None]] = {}
    stack = list(starts)
    while stack:
        node = stack.pop()
        if id(node) in raws:
            continue
        raw = _raw_plan(node, root)
        raws[id(node)] = (node, raw)
        if raw is not None:
            stack.extend(_children(raw))
    changes = {key: raw is not None and raw[2] for key, (_n, raw) in raws.items()}
    moved = True
    while moved:
        moved = False
        for key, (_node, raw) in raws.items():
            if changes[key] or raw is None:
                continue
            if any(changes[id(kid)] for kid in _children(raw)):
                changes[key] = moved = True
    plans: dict[int, _Plan | None] = {}
    for key, (_node, raw) in raws.items():
        if raw is None:
            plans[key] = None
            continue
        all_of, branches, wants, items, extra, props = raw
        plans[key] = _Plan(
            all_of=tuple(n for n in all_of if changes[id(n)]),
            branches=branches,
            wants_array=wants,
            items=items,
            extra=extra,
            props=tuple((k, v) for k, v in props if changes[id(v)]),
            changes=changes[key],
        )
    _PLANS.update(plans)


def _plan(node: Any, root: Mapping[str, Any]) -> _Plan | None:
    plan = _PLANS.get(id(node), _MISSING)
    if plan is _MISSING:
        with _PLANS_LOCK:
            if not _PLANS:
                _build_plans(root)
        plan = _PLANS.get(id(node))
    return cast(_Plan | None, plan)


_MISSING: Any = object()


def _coerce(value: Any, node: Any, root: Mapping[str, Any], depth: int) -> Any:
    plan = _plan(node, root)
    if plan is None or not plan.changes or depth > _MAX_DEPTH:
        return value
    for sub in plan.all_of:
        value = _coerce(value, sub, root, depth + 1)
    if plan.branches:
        kind = _json_type(value)
        for branch in plan.branches:
            if _branch_accepts(branch, kind, root):
                value = _coerce(value, branch, root, depth + 1)
                break
    if plan.wants_array and not isinstance(value, list):
        value = [value]
    if isinstance(value, list):
        items = plan.items
        if isinstance(items, list):
            extra = plan.extra
            value = [
                _coerce(v, items[i] if i < len(items) else extra, root, depth + 1)
                for i, v in enumerate(value)
            ]
        elif items is not None:
            value = [_coerce(v, items, root, depth + 1) for v in value]
    elif isinstance(value, Mapping) and plan.props:
        out = dict(value)
        for key, sub in plan.props:
            if key in out:
                out[key] = _coerce(out[key], sub, root, depth + 1)
        value = out
    return value


def coerce_to_schema(doc: Mapping[str, Any], kind: str = "achievement") -> dict[str, Any]:
    """A copy of ``doc`` where single values stand as one-element arrays where the schema
    wants an array (``"type": "Profile"`` becomes ``["Profile"]``). ``doc`` is not changed."""
    root = _schema_document()
    node: Any = root if kind == "achievement" else root["$defs"]["EndorsementCredential"]
    # _coerce builds new lists and dicts wherever it changes something below them, and
    # never mutates its input, so no deep copy is needed.
    result = _coerce(dict(doc), node, root, 0)
    return result if isinstance(result, dict) else dict(doc)


def schema_kind(doc: Mapping[str, Any]) -> str | None:
    """``"achievement"`` or ``"endorsement"`` from the credential's ``type``; None otherwise."""
    raw = doc.get("type")
    types = {t for t in (raw if isinstance(raw, list) else [raw]) if isinstance(t, str)}
    if types & {"AchievementCredential", "OpenBadgeCredential"}:
        return "achievement"
    if "EndorsementCredential" in types:
        return "endorsement"
    return None


def _named_schemas(doc: Mapping[str, Any]) -> list[str]:
    raw = doc.get("credentialSchema")
    entries = raw if isinstance(raw, list) else ([raw] if raw is not None else [])
    names: list[str] = []
    for entry in entries:
        ident = entry.get("id") if isinstance(entry, Mapping) else entry
        if isinstance(ident, str):
            names.append(ident)
    return names


def _first_context(node: Mapping[str, Any]) -> Any:
    contexts = node.get("@context")
    return contexts[0] if isinstance(contexts, list) and contexts else contexts


def _vc2_node(node: Mapping[str, Any]) -> dict[str, Any]:
    """One VC 1.1 credential object read as VC 2.0: v2 first context, 2.0 date names."""
    out = dict(node)
    contexts = node.get("@context")
    out["@context"] = (
        [VC_V2_CONTEXT, *contexts[1:]] if isinstance(contexts, list) else VC_V2_CONTEXT
    )
    for old, new in _VC1_DATES:
        if new not in out and old in out:
            out[new] = out[old]
    return out


def as_vc2(value: Any, depth: int = 0) -> Any:
    """``value`` with every VC 1.1 credential object in it read as its VC 2.0 equivalent.

    A JSON object whose first ``@context`` is the VC 1.1 context gets the VC 2.0 context in
    its place, and ``validFrom``/``validUntil`` copied from ``issuanceDate``/
    ``expirationDate`` when it lacks them; nothing else changes (so every other schema error
    still shows). The input is never modified; parts without a VC 1.1 credential are
    returned as they are (not copied).
    """
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, list):
        items = [as_vc2(item, depth + 1) for item in value]
        changed = any(a is not b for a, b in zip(items, value, strict=True))
        return items if changed else value
    if not isinstance(value, Mapping):
        return value
    node: Mapping[str, Any] = _vc2_node(value) if _first_context(value) == VC_V1_CONTEXT else value
    children = {k: as_vc2(v, depth + 1) for k, v in node.items() if isinstance(v, Mapping | list)}
    moved = {k: v for k, v in children.items() if v is not node[k]}
    if not moved:
        return node
    return {**node, **moved}


_NONE_OF = re.compile(r"^None of (.+) are valid under the given schema$", re.DOTALL)
_PLAIN_ENDINGS = (
    (
        re.compile(
            r" is not valid under any of the schemas listed in the '(?:oneOf|anyOf)' keyword$"
        ),
        " matches none of the forms the schema allows",
    ),
    (
        re.compile(r" is valid under more than one of the schemas listed in the 'oneOf' keyword$"),
        " matches more than one of the forms the schema allows",
    ),
)
_LONG_VALUE = 60


def _plain(message: str) -> str:
    """A validator's message in words a person reads: no long JSON dump of the value, no
    schema keywords, no Python-looking "None of ..." (the place is given beside it)."""
    message = _NONE_OF.sub(r"none of \1 is an accepted value", message)
    if message[:1] in ("{", "["):
        try:
            _value, end = json.JSONDecoder().raw_decode(message)
        except ValueError:
            end = 0
        if end > _LONG_VALUE:
            message = "its value" + message[end:]
    for pattern, words in _PLAIN_ENDINGS:
        message = pattern.sub(words, message)
    return message


def _describe(error: tuple[str, str]) -> str:
    where, message = error
    where = where or "(the credential)"
    message = _plain(message)
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{where}: {message}"


def validate_ob3_schema(doc: Mapping[str, Any], *, who: str = "The issuer") -> Check:
    """The SCHEMA check of an OB 3.0 credential (see the module docstring for the policy).

    ``who`` names the issuer in the sentence. Never raises for any JSON input; raises
    ConfigError only if the bundled schema file was altered.
    """
    kind = schema_kind(doc)
    named = _named_schemas(doc)
    unknown = [n for n in named if n not in BUNDLED_SCHEMA_URLS]
    if kind is None:
        return warning(
            CheckName.SCHEMA,
            "No Open Badges 3.0 schema applies to this credential type; its structure was "
            "checked instead.",
        )
    label = "AchievementCredential" if kind == "achievement" else "EndorsementCredential"
    validator = _validator(kind)
    vc1 = _first_context(doc) == VC_V1_CONTEXT
    # as_vc2 walks every object; one C-speed scan of the text finds whether it is needed.
    mentions_vc1 = VC_V1_CONTEXT in json.dumps(doc, ensure_ascii=False, check_circular=False)
    instance = coerce_to_schema(as_vc2(doc) if mentions_vc1 else doc, kind)
    errors = validator(instance)
    read_as = (
        " (as a VC Data Model 1.1 credential, its first @context and "
        "issuanceDate/expirationDate excused)"
        if vc1
        else ""
    )
    unknown_note = (
        " It also names schemas that are never fetched and were not checked: "
        + ", ".join(u[:100] for u in unknown[:3])
        + "."
        if unknown
        else ""
    )
    if errors:
        detail = "; ".join(_describe(e) for e in errors[:_MAX_ERRORS_SHOWN])
        more = f" (and {len(errors) - _MAX_ERRORS_SHOWN} more)" if len(errors) > 3 else ""
        return failed(
            CheckName.SCHEMA,
            f"{who}'s credential does not match the OB 3.0 {label} schema{read_as}: "
            f"{detail}{more}.",
        )
    if unknown:
        return warning(
            CheckName.SCHEMA,
            f"{who}'s credential matches the OB 3.0 {label} schema{read_as}.{unknown_note}",
        )
    return passed(
        CheckName.SCHEMA, f"{who}'s credential matches the OB 3.0 {label} schema{read_as}."
    )
